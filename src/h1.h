/* The HTTP/1.1 codec, sans-IO: requests are serialised into a buffer, and a
 * response is parsed from whatever bytes arrive, with llhttp doing the
 * grammar and ferry adding the caps llhttp does not have. Nothing here calls
 * libuv or the socket API. */
#ifndef FERRY_H1_H
#define FERRY_H1_H

#include <stddef.h>
#include <stdint.h>

#include "ferry.h"
#include "buf.h"
#include "llhttp.h"

/* Caps on what a server can make us hold. */
#define FERRY__H1_MAX_LINE FERRY_MAX_HTTP_HEADER      /* one header line */
#define FERRY__H1_MAX_HEADERS (300 * 1024)            /* all header bytes */
#define FERRY__H1_MAX_INTERIM 100                     /* 1xx responses */

/* What on_headers_done returns. */
enum { FERRY__H1_BODY = 0, FERRY__H1_NOBODY = 1 };

typedef struct ferry__h1_callbacks {
  /* One raw header line with its line ending: the status line first, then
   * each header line, then the blank line. Interim (1xx) responses are
   * delivered the same way. Non-zero stops the parse with that error. */
  ferry_code (*on_header_line)(void *ud, const char *line, size_t len);
  /* A header section is complete. interim is 1 for 1xx. Returns
   * FERRY__H1_BODY or FERRY__H1_NOBODY, or a negative value to stop (the
   * callback has recorded why through ferry__h1_fail). */
  int (*on_headers_done)(void *ud, int status, int major, int minor,
                         int interim);
  /* Body bytes (already de-chunked). Returns 0 to go on, -1 to stop (after
   * ferry__h1_fail). A paused transfer keeps what it is given. */
  int (*on_body)(void *ud, const char *p, size_t n);
} ferry__h1_callbacks;

typedef struct ferry__h1_parser {
  llhttp_t llh;
  const ferry__h1_callbacks *cb;
  void *ud;
  ferry__buf hdr;       /* the header section being received */
  size_t hdr_total;     /* header bytes of this response, 1xx included */
  size_t line_len;      /* bytes of the current line so far */
  unsigned interim;     /* 1xx responses seen */
  unsigned char nl;     /* end-of-section scan: 0, 1 after \n, 2 after \n\r */
  unsigned char cr;     /* the header bytes so far end in \r */
  unsigned char in_headers;
  unsigned char complete;
  unsigned char head_request;
  unsigned char any_bytes;
  unsigned char upgrade_ok; /* a 101 is asked for (h2c, or a WebSocket) */
  unsigned char upgrade_final; /* ... and is the final answer (WebSocket:
                                  see ferry__h1_expect_upgrade) */
  unsigned char upgraded;   /* ... and came: what follows is the new
                               protocol's (HTTP/2, WebSocket) */
  ferry_code err;
  /* Why it failed: errprefix then errmsg. Both are string literals or the
   * text given to ferry__h1_fail, which must outlive the parser's error. */
  const char *errprefix;
  const char *errmsg;
} ferry__h1_parser;

void ferry__h1_parser_init(ferry__h1_parser *p, const ferry__h1_callbacks *cb,
                           void *ud, int head_request);
void ferry__h1_parser_free(ferry__h1_parser *p);
/* The request asked to switch protocols (a WebSocket opening handshake):
 * a 101 Switching Protocols is then the final response, delivered as one
 * (interim 0) with its header lines, and it completes the parse: the
 * bytes after its header section belong to the new protocol, so feed
 * consumes no more (p->upgraded says it happened). Without this call a 101
 * fails the parse with FERRYE_WEIRD_SERVER_REPLY. */
void ferry__h1_expect_upgrade(ferry__h1_parser *p);

/* Feed received bytes. Returns FERRYE_OK and sets *consumed. Fewer bytes
 * than given are consumed only when the response completed (the rest is
 * not part of it), or (with upgrade_ok set) when a 101 switched the
 * connection: upgraded is then set, the 101's lines went to the callbacks
 * as an interim response's, and the rest is the new protocol's. Any other
 * return is the error, with text in p->errprefix and p->errmsg. */
ferry_code ferry__h1_feed(ferry__h1_parser *p, const char *data, size_t len,
                          size_t *consumed);
/* The peer closed. FERRYE_OK if that ends the response (close-delimited
 * body or already complete); otherwise GOT_NOTHING, WEIRD_SERVER_REPLY or
 * PARTIAL_FILE with text in p->errprefix and p->errmsg. */
ferry_code ferry__h1_eof(ferry__h1_parser *p);
/* Record an error from inside a callback. msg is kept, not copied: a
 * string literal, or text that outlives the parser's error. */
void ferry__h1_fail(ferry__h1_parser *p, ferry_code code, const char *msg);
/* May the connection carry another request after this response? */
int ferry__h1_keep_alive(const ferry__h1_parser *p);
/* Did the response say "Connection: keep-alive"? (An HTTP/1.0 request
 * keeps its connection only then.) */
int ferry__h1_says_keep_alive(const ferry__h1_parser *p);
/* The body length the response announces: its Content-Length, 0 for a
 * 204 or 304 (which never have a body), or -1. */
int64_t ferry__h1_content_length(const ferry__h1_parser *p);

/* A request to serialise. */
typedef struct ferry__h1_request {
  const char *method;
  const char *target;       /* path?query */
  const char *host;         /* Host: value */
  const char *user_agent;   /* NULL: none */
  const ferry_slist *headers; /* HTTPHEADER: "N: v", "N:" removes, "N;" empty */
  int64_t body_len;         /* -1: no body; -2: chunked */
  int form_content_type;    /* add the x-www-form-urlencoded type */
  int http10;               /* HTTP/1.0 request line */
  const char *authorization;/* Authorization: value, or NULL */
  const char *referer;      /* Referer: value, or NULL */
  const char *accept_encoding; /* Accept-Encoding: value, or NULL */
  const char *cookie;       /* the cookie engine's Cookie: value, or NULL */
  const char *cookie_option;/* COOKIE: added to the same Cookie: line,
                               unless the user sets a Cookie header */
  int expect_100;           /* send Expect: 100-continue */
  const char *mime_content_type; /* a form's Content-Type value, sent after
                               the body's length (the user's own
                               Content-Type line is then left out: this
                               value is made from it) */
  const char *range_line;   /* "Range: ..." or "Content-Range: ...", or NULL */
  const char *cond_line;    /* a time condition's header line, or NULL */
  const char *proxy_authorization; /* Proxy-Authorization: value, or NULL;
                               sent after Host:, where libcurl puts it */
  const ferry_slist *proxy_headers; /* PROXYHEADER lines for a proxy */
  int proxy_keepalive;      /* a request a proxy forwards: libcurl's
                               "Proxy-Connection: Keep-Alive" after
                               Referer, unless a header list has one */
  int strip_credentials;    /* drop the user's Authorization, Cookie and
                               Proxy-Authorization headers (redirect to
                               another host) */
  const char *ws_key;       /* a WebSocket opening handshake (RFC 6455 4.1)
                               with this Sec-WebSocket-Key: Upgrade,
                               Sec-WebSocket-Version and the key follow
                               Referer, each unless HTTPHEADER names it,
                               and "Connection: Upgrade" ends the head,
                               joined to the user's first Connection value
                               (where libcurl puts them); NULL: none */
  int auth_probe;           /* an authentication probe (body_len 0): its
                               "Content-Length: 0" replaces the user's */
  int form_probe;           /* ... for a form: the user's Content-Type is
                               left out too (a form's type goes only with
                               the form) */
  const char *h2c_settings; /* ask to upgrade to h2c with this
                               HTTP2-Settings value (base64url), or NULL */
} ferry__h1_request;

/* Does the user's HTTPHEADER list name header `name` ("N: v" replaces it,
 * "N:" removes it, "N;" sends it empty)? */
int ferry__h1_user_sets_header(const ferry_slist *h, const char *name);
/* The value of the user's first "N: v" (or empty "N;") entry for header
 * `name`, blanks after the separator skipped; NULL when there is none or
 * it holds a line break. */
const char *ferry__h1_user_header_value(const ferry_slist *h,
                                        const char *name);

/* Append the request head to out. FERRYE_OK or FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__h1_build_request(ferry__buf *out, const ferry__h1_request *r);

#endif

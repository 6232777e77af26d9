/* The HTTP/1.1 codec, sans-IO: requests are serialised into a buffer, and a
 * response is parsed from whatever bytes arrive. Nothing here calls libuv or
 * the socket API.
 *
 * llhttp parses the response. ferry drives it so that the application sees
 * a response as libcurl shows it: in a header section ferry cuts the bytes
 * into lines (up to each LF) and gives llhttp one line at a time, so that
 * each line is handed on as soon as llhttp took it, and a line llhttp
 * refuses is not (what the application saw before an error is what libcurl
 * shows). Body bytes go to llhttp as they come. Around llhttp, ferry checks
 * what llhttp lets through but libcurl or safety does not: a NUL byte, a CR
 * not before the LF, whitespace before a colon or at the start of the first
 * header line, a status line other than "HTTP/1.0" or "HTTP/1.1" and three
 * digits, a Content-Length or chunk size past 63 bits, a transfer coding
 * other than chunked, a chunk's data not followed by CRLF. llhttp is lenient
 * only where that weakens no defence against response splitting: header
 * values (LF-only line ends, control bytes; whitespace before a colon is
 * refused by ferry), Transfer-Encoding beside Content-Length (the chunks
 * frame the body and the connection is closed after it), and the interim
 * responses of one exchange (parsed on whatever they say about the
 * connection; ferry never feeds the parser bytes after the final response).
 *
 * Errors carry libcurl's codes: FERRYE_UNSUPPORTED_PROTOCOL for an answer
 * without a status line (HTTP/0.9, which ferry has not) and for a status
 * line llhttp or ferry refuses; FERRYE_WEIRD_SERVER_REPLY for a bad header
 * line; FERRYE_RECV_ERROR for bad chunk framing; FERRYE_TOO_LARGE and
 * FERRYE_RECV_ERROR for the caps. Caps: a header line of less than
 * FERRY__H1_MAX_LINE bytes, FERRY__H1_MAX_HEADERS bytes of header lines per
 * response, 1xx sections included (FERRYE_RECV_ERROR once the line that
 * passes it was handed on, as libcurl), and trailer lines of less than
 * FERRY__H1_MAX_TRAILER bytes. */
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
#define FERRY__H1_MAX_TRAILER 4096                    /* one trailer line */

/* What on_headers_done returns. */
enum { FERRY__H1_BODY = 0, FERRY__H1_NOBODY = 1 };

typedef struct ferry__h1_callbacks {
  /* One raw header line with its line ending: the status line first, then
   * each header line, then the blank line that ends the section. Interim
   * (1xx) responses are delivered the same way. Non-zero stops the parse
   * with that error. */
  ferry_code (*on_header_line)(void *ud, const char *line, size_t len);
  /* A header section is complete. interim is 1 for 1xx. Returns
   * FERRY__H1_BODY or FERRY__H1_NOBODY, or a negative value to stop (the
   * callback has recorded why through ferry__h1_fail). */
  int (*on_headers_done)(void *ud, int status, int major, int minor,
                         int interim);
  /* Body bytes (already de-chunked). Returns 0 to go on, -1 to stop (after
   * ferry__h1_fail). A paused transfer keeps what it is given. */
  int (*on_body)(void *ud, const char *p, size_t n);
  /* The rest may be NULL. */
  /* A status line was read (status, HTTP version major and minor), before
   * it goes to on_header_line. Non-zero stops the parse with that error. */
  ferry_code (*on_status)(void *ud, int status, int major, int minor);
  /* A final response's header section ends: before the line that ends it
   * goes to on_header_line. length is the body length the response
   * announces: its Content-Length, 0 for a 204 or 304, -1 for none
   * (chunked, or up to the close). Non-zero stops the parse with that
   * error (the line is then not handed on). */
  ferry_code (*on_headers_end)(void *ud, int status, int64_t length);
  /* One trailer field of a chunked body, as "Name: value\r\n" (llhttp
   * gives the name and the value, not the line). Non-zero stops the parse
   * with that error. */
  ferry_code (*on_trailer)(void *ud, const char *line, size_t len);
  /* The bytes of a read that come after the header section, as they came
   * (chunk framing and trailers included; bytes after the response too),
   * before they are parsed. */
  void (*on_body_raw)(void *ud, const char *p, size_t n);
} ferry__h1_callbacks;

/* Where the parser is. */
#define FERRY__H1_STATES(X)                                                    \
  X(HEADERS) /* header lines, one at a time through llhttp */                 \
  X(BODY)    /* body bytes through llhttp (a length, chunks or the close) */  \
  X(RAW)     /* after a 101 nobody asked for: every byte, to the close */      \
  X(DONE)    /* the response is complete */

typedef enum {
#define FERRY__H1_STATE_ENUM(name) FERRY__H1_STATE_##name,
  FERRY__H1_STATES(FERRY__H1_STATE_ENUM)
#undef FERRY__H1_STATE_ENUM
} ferry__h1_state;

typedef struct ferry__h1_parser {
  llhttp_t llh;
  const ferry__h1_callbacks *cb;
  void *ud;
  ferry__buf line;          /* a header line not complete yet */
  ferry__buf trailer;       /* the trailer field being put together */
  const char *cur;          /* the header line llhttp is being given */
  size_t cur_len;
  const char *feed_end;     /* the end of the body bytes llhttp is given */
  size_t hdr_total;         /* header bytes of this response, 1xx included */
  int64_t length;           /* the announced body length (see
                               on_headers_end), set at the final section */
  unsigned lineno;          /* lines of this header section so far */
  int status;
  unsigned char major, minor;
  /* major * 10 + minor of the last status line seen on the connection (0:
   * none): an answer without a status line after one is an invalid status
   * line rather than HTTP/0.9 (set before the first feed) */
  unsigned char conn_version;
  unsigned char state;      /* ferry__h1_state */
  unsigned char crlf_due;   /* bytes of the CRLF after a chunk's data not
                               checked yet */
  unsigned char head_request;
  unsigned char complete;
  unsigned char any_bytes;
  unsigned char close;      /* the connection ends with this response */
  unsigned char keep_alive; /* llhttp's verdict on the complete response */
  unsigned char upgrade_ok; /* a 101 is asked for (h2c, or a WebSocket; set
                               before the first feed) */
  unsigned char upgrade_final; /* ... and is the final answer (WebSocket:
                                  see ferry__h1_expect_upgrade) */
  unsigned char upgraded;   /* ... and came: what follows is the new
                               protocol's (HTTP/2, WebSocket) */
  ferry_code err;
  /* Why it failed: errprefix then errmsg. Both are string literals (some
   * llhttp's) or the text given to ferry__h1_fail, which must outlive the
   * parser's error. */
  const char *errprefix;
  const char *errmsg;
} ferry__h1_parser;

/* Prepare a parser for one response; head_request: it answers a HEAD (or
 * a CONNECT), so it has no body whatever it says. */
void ferry__h1_parser_init(ferry__h1_parser *p, const ferry__h1_callbacks *cb,
                           void *ud, int head_request);
void ferry__h1_parser_free(ferry__h1_parser *p);
/* The request asked to switch protocols (a WebSocket opening handshake):
 * a 101 Switching Protocols is then the final response, delivered as one
 * (interim 0) with its header lines, and it completes the parse: the
 * bytes after its header section belong to the new protocol, so feed
 * consumes no more (p->upgraded says it happened). A 101 over HTTP/1.0
 * fails the parse with FERRYE_WEIRD_SERVER_REPLY. Without this call (nor
 * upgrade_ok) a 101 over HTTP/1.1 is a final response whose body runs to
 * the close, as in libcurl. */
void ferry__h1_expect_upgrade(ferry__h1_parser *p);

/* Feed received bytes. Returns FERRYE_OK and sets *consumed. Fewer bytes
 * than given are consumed only when the response completed (the rest is
 * not part of it), or (with upgrade_ok set) when a 101 switched the
 * connection: upgraded and complete are then set, the 101's lines went to
 * the callbacks as an interim response's, and the rest is the new
 * protocol's. Any other return is the error, with text in p->errprefix and
 * p->errmsg: FERRYE_UNSUPPORTED_PROTOCOL (no status line: HTTP/0.9; a
 * status line refused; a status code below 100), FERRYE_WEIRD_SERVER_REPLY
 * (an answer without a status line on a connection that answered before, a
 * bad header line, a NUL byte, a bad Content-Length, a 101 over HTTP/1.0),
 * FERRYE_BAD_CONTENT_ENCODING (a Transfer-Encoding other than chunked),
 * FERRYE_RECV_ERROR (bad chunk framing or trailer, header section over the
 * cap), FERRYE_BAD_FUNCTION_ARGUMENT (a trailer that is not a header field,
 * libcurl's code for it), FERRYE_TOO_LARGE (a line over its cap),
 * FERRYE_OUT_OF_MEMORY, or a callback's error. */
ferry_code ferry__h1_feed(ferry__h1_parser *p, const char *data, size_t len,
                          size_t *consumed);
/* The peer closed. FERRYE_OK if that ends the response: a body up to the
 * close, a response already complete, or, as in libcurl, a header section
 * cut after one of its lines when no Content-Length was seen (unless the
 * answer to a WebSocket handshake is expected: WEIRD_SERVER_REPLY).
 * Otherwise GOT_NOTHING (no line of a final response) or PARTIAL_FILE,
 * with text in p->errprefix and p->errmsg. */
ferry_code ferry__h1_eof(ferry__h1_parser *p);
/* Record an error from inside a callback. msg is kept, not copied: a
 * string literal, or text that outlives the parser's error. */
void ferry__h1_fail(ferry__h1_parser *p, ferry_code code, const char *msg);
/* May the connection carry another request after this response? llhttp
 * decides on the answer alone, as libcurl: HTTP/1.1 unless "Connection:
 * close", HTTP/1.0 only with "Connection: keep-alive", never after a body
 * the close ended; and ferry never after a response whose framing was
 * doubtful (Transfer-Encoding beside Content-Length, or in HTTP/1.0). */
int ferry__h1_keep_alive(const ferry__h1_parser *p);
/* The body length the final response announces: its Content-Length, 0 for
 * a 204 or 304 (which never have a body), or -1 (none, or chunked). */
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

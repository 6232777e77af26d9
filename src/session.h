/* Protocol sessions: HTTP exchanges on a connection.
 *
 * Once a connection is connected it carries a session: HTTP/1.1 (one
 * exchange at a time, h1session.c) or HTTP/2 (many streams,
 * h2session.c). A transfer owns a stream on a session, never the
 * connection: it opens the stream with its request, and the session sends
 * the request, receives the response and tells the stream's owner what
 * came through the hooks the owner gave. Everything the owner hears is in
 * HTTP/1.1's form whatever the protocol (the status line "HTTP/2 200" for
 * HTTP/2), so redirects, authentication, decoding, cookies and progress
 * above stay protocol-independent.
 *
 * The session sits on the connection (conn.h) and takes the connection's
 * readiness; it tells a stream's owner about its stream only. Nothing here
 * knows easy handles or the multi.
 */
#ifndef FERRY_SESSION_H
#define FERRY_SESSION_H

#include <stdint.h>
#include <sys/types.h>

#include "ferry.h"
#include "buf.h"
#include "conn.h"

struct ferry__session;

/* What headers_done returns besides a failure. */
enum { FERRY__STREAM_BODY = 0, FERRY__STREAM_NOBODY = 1 };

/* What done's retry says: the request may be sent again. */
enum {
  FERRY__RETRY_NO = 0,
  FERRY__RETRY_FRESH = 1, /* on a new connection: it failed on a reused one
                           * before any byte of an answer came */
  FERRY__RETRY_REFUSED = 2 /* elsewhere: the server refused the stream
                            * (REFUSED_STREAM, or above a GOAWAY's last
                            * stream); any other connection will do */
};

/* What the push hook decides for a promised stream (the values of
 * FERRY_PUSH_OK, _DENY and _ERROROUT). */
enum { FERRY__PUSH_OK = 0, FERRY__PUSH_DENY = 1, FERRY__PUSH_ERROROUT = 2 };

/* The request header fields of a server push (HTTP/2 PUSH_PROMISE), each
 * "name:value" NUL-terminated, pseudo-headers first as received. Borrowed
 * for the call of the push hook only. */
typedef struct ferry__push_promise {
  char *const *fields;
  size_t n;
} ferry__push_promise;

struct ferry__stream;

/* What read_body returns besides a byte count. */
#define FERRY__BODY_WAIT ((ssize_t)-1) /* paused or throttled */
#define FERRY__BODY_FAIL ((ssize_t)-2) /* the owner ended the transfer */

typedef struct ferry__stream_hooks {
  /* One line of a response's header section with its line ending: the
   * status line first, each header, then the blank line (1xx responses
   * too). FERRYE_OK, or the error that ends the stream. */
  ferry_code (*header_line)(void *ud, const char *line, size_t len);
  /* A header section ended: its status, FERRY_HTTP_VERSION_*, whether it
   * was a 1xx, and its Content-Length (-1: none). Returns
   * FERRY__STREAM_BODY, FERRY__STREAM_NOBODY (the rest of this response is
   * not wanted), or a negative ferry_code: the error that ends the stream
   * (the owner has set its text). */
  int (*headers_done)(void *ud, int status, long version, int interim,
                      int64_t content_length);
  /* Response body bytes (de-chunked). FERRYE_OK, or the error that ends
   * the stream. */
  ferry_code (*body)(void *ud, const char *p, size_t n);
  /* The next piece of a body that the owner reads (read callback, file)
   * into buf: a count, 0 with *eof at its end, FERRY__BODY_WAIT (paused or
   * throttled: the owner calls ferry__stream_resume later), or
   * FERRY__BODY_FAIL (the owner has ended the transfer). */
  ssize_t (*read_body)(void *ud, char *buf, size_t cap, int *eof);
  /* The end of a body of unknown size: the trailer lines to send after
   * it, each "Name: value\r\n", appended to out. FERRYE_OK or the error
   * that ends the stream (the owner has set its text). */
  ferry_code (*trailers)(void *ud, ferry__buf *out);
  /* One trailer line of the response ("name: value\r\n"), after its
   * body; no blank line follows the last. FERRYE_OK, or the error that
   * ends the stream. NULL: trailers are dropped. */
  ferry_code (*trailer_line)(void *ud, const char *line, size_t len);
  /* The server promises a response to pp's request (HTTP/2 push) on this
   * stream's connection: FERRY__PUSH_OK with *child, a stream the owner
   * made (its hooks and owner set, not open) that the session then feeds
   * the pushed response; FERRY__PUSH_DENY (the push is refused) or
   * FERRY__PUSH_ERROROUT (refused, and this stream fails). NULL: every
   * push is refused. */
  int (*push)(void *ud, const ferry__push_promise *pp,
              struct ferry__stream **child);
  /* How many bytes may move now (send: 1 for upload, 0 for download), at
   * most cap; 0 when throttled (the owner resumes the stream later). */
  size_t (*allowance)(void *ud, int send, size_t cap);
  /* Bytes went out: the request head (FERRYINFO_HEADER_OUT) or body
   * (FERRYINFO_DATA_OUT) as they were written; body_payload of them count
   * as uploaded (SIZE_UPLOAD): over HTTP/1.1 every body byte, a chunked
   * body's framing included, as libcurl counts. */
  void (*sent)(void *ud, ferry_infotype type, const char *p, size_t n,
               size_t body_payload);
  /* n bytes came in (before they are parsed). */
  void (*received)(void *ud, size_t n);
  /* The head is out and the body waits for 100 Continue: the owner arms
   * its timer and calls ferry__stream_resume if it fires first. */
  void (*expect_wait)(void *ud);
  /* The whole request is out: the owner waits for the answer. */
  void (*request_sent)(void *ud);
  /* A read or write round ended (the owner may report progress). */
  void (*after_io)(void *ud);
  /* The stream ended: the response is complete (FERRYE_OK) or the stream
   * failed (text in the buffer given to ferry__stream_init). retry
   * (FERRY__RETRY_*) says whether and where the request may be sent
   * again. */
  void (*done)(void *ud, ferry_code result, int retry);
  /* The owner provides the hooks below too; a session that has nothing
   * to say through one does not call it (HTTP/2 calls none of them). */
  /* A status line was read (before header_line gets it): its status and
   * FERRY_HTTP_VERSION_*. The owner knows the response's code even when
   * a later line fails. */
  void (*status)(void *ud, int status, long version);
  /* A final response's header section ends, before header_line gets the
   * blank line: the body length it announces (its Content-Length, 0 for
   * 204 and 304, INT64_MAX for one past 64 bits, -1: none). FERRYE_OK, or
   * the error that ends the stream (the owner has set its text; the blank
   * line is then not handed on). */
  ferry_code (*headers_end)(void *ud, int status, int64_t content_length);
  /* The bytes of a read that follow the header section, as they came
   * (HTTP/1.1 chunk framing and trailers included), before they are
   * parsed: what libcurl shows as CURLINFO_DATA_IN. The trailer lines of
   * a chunked body, whose bytes showed here, then come through
   * trailer_line. */
  void (*body_raw)(void *ud, const char *p, size_t n);
} ferry__stream_hooks;

/* One request and its response. The owner makes it and fills the request;
 * the session it is opened on does the rest. */
typedef struct ferry__stream {
  struct ferry__session *session; /* NULL when not open */
  const ferry__stream_hooks *hooks;
  void *ud;
  char *errbuf;             /* the owner's error text buffer */
  size_t errlen;
  /* the request: its head in HTTP/1.1 form, with a small body in it */
  ferry__buf head;
  size_t head_sent;
  /* the rest of the body: body_len bytes at body, or (pull) read through
   * hooks->read_body; body_len -1: no body, -2: unknown size */
  const char *body;
  int64_t body_len;
  int64_t body_sent;
  unsigned pull : 1;        /* read_body gives the body */
  unsigned eof : 1;         /* read_body said the body ended */
  unsigned expect_100 : 1;  /* the head says Expect: 100-continue */
  unsigned is_head : 1;     /* a HEAD request: no body comes back */
  unsigned paused_send : 1; /* read_body said WAIT */
  unsigned paused_recv : 1; /* the owner holds what comes */
  unsigned sent_all : 1;    /* the whole request is out */
  unsigned complete : 1;    /* the response is complete */
  unsigned upgrade : 1;     /* the request asks to switch protocols (a
                               WebSocket handshake): a 101 is its final
                               answer (HTTP/1.1 only; see
                               ferry__h1_session_upgrade) */
  int os_errno;             /* the system's error that failed it, or 0 */
  const char *scheme;       /* "https" or "http" (borrowed) */
  int weight;               /* HTTP/2 weight, 1..256 (0: the default) */
  int64_t recv_rate;        /* the most bytes a second the owner takes
                             * (MAX_RECV_SPEED), 0: no cap; an HTTP/2
                             * stream's window is sized by it */
  unsigned pushed : 1;      /* the server pushed it: nothing is sent */
  unsigned h2c_upgrade : 1; /* the head asks to upgrade to h2c (an HTTP/1.1
                             * session switches the connection to HTTP/2
                             * on a 101) */
  int32_t id;               /* the session's stream id (HTTP/2) */
  void *sdata;              /* the session's own per-stream data */
} ferry__stream;

typedef struct ferry__session_ops {
  const char *name;
  /* Start sending st's request. FERRYE_OK, or an error (nothing sent). */
  ferry_code (*open)(struct ferry__session *s, ferry__stream *st);
  /* Go on with st: it was paused or throttled, or (expect_timeout) its
   * 100 Continue wait timed out and the body goes now. */
  void (*resume)(struct ferry__session *s, ferry__stream *st,
                 int expect_timeout);
  /* The owner stops (paused 1) or starts again (0) sending (send 1) or
   * taking what arrives (send 0) for st; a paused direction is not
   * watched. Starting again is followed by resume. */
  void (*pause)(struct ferry__session *s, ferry__stream *st, int send,
                int paused);
  /* The owner is done with st, as how says (FERRY__CLOSE_*). The session
   * decides what becomes of the connection; s may be gone afterwards. */
  void (*close)(struct ferry__session *s, ferry__stream *st, int how);
  /* Free the session's state (the connection is being destroyed). */
  void (*destroy)(struct ferry__session *s);
  /* Can it take a new stream now? An idle session first takes in what the
   * server sent meanwhile; one that turns out finished frees its
   * connection and says 0. */
  int (*usable)(struct ferry__session *s);
  /* An idle connection's keep-alive work (HTTP/2: a PING when nothing
   * went out for interval_ms). NULL: none. */
  void (*upkeep)(struct ferry__session *s, uint64_t now_ms, long interval_ms);
} ferry__session_ops;

/* A session's common part; each protocol's state follows it. */
typedef struct ferry__session {
  const ferry__session_ops *ops;
  ferry__conn *conn;
  unsigned reused : 1;      /* it served a request before this one */
} ferry__session;

/* How a stream is closed. */
enum {
  FERRY__CLOSE_FAIL,   /* it failed, or was halted mid-way */
  FERRY__CLOSE_DONE,   /* its response completed and nothing more is wanted */
  FERRY__CLOSE_UNUSED, /* halted before anything of it was sent */
  FERRY__CLOSE_NOREUSE /* done, and the connection must carry nothing more */
};

/* Prepare a stream (an empty request). */
void ferry__stream_init(ferry__stream *st, const ferry__stream_hooks *hooks,
                        void *ud, char *errbuf, size_t errlen);
/* Free the request's memory. */
void ferry__stream_free(ferry__stream *st);
/* Free the request's memory and make the stream new again (its hooks
 * stay); it must not be open. */
void ferry__stream_reset(ferry__stream *st);

/* What a new session is made with. */
typedef struct ferry__session_config {
  int h2_prior_knowledge;   /* speak HTTP/2 on a connection without TLS */
  int h2_allowed;           /* HTTP/2 when TLS negotiated it (ALPN h2) */
  unsigned max_streams;     /* MAX_CONCURRENT_STREAMS (HTTP/2) */
  int push_enabled;         /* the server may push (a PUSHFUNCTION is set) */
} ferry__session_config;

/* The session of a connected connection: the one it carries, or a new one
 * for the protocol it negotiated: HTTP/2 when TLS's ALPN chose h2 (and
 * the suite is one RFC 9113 section 9.2 allows) or by prior knowledge,
 * HTTP/1.1 otherwise. FERRYE_OK with *out; FERRYE_HTTP2 (a TLS suite
 * HTTP/2 forbids; text in errbuf), FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__session_of(ferry__conn *c, const ferry__session_config *cfg,
                             ferry__session **out, char *errbuf,
                             size_t errlen);
/* Is the session HTTP/2 (many streams)? */
int ferry__session_multiplexes(const ferry__session *s);
/* Can it take a new stream now (see ferry__session_ops.usable)? */
int ferry__session_usable(ferry__session *s);
/* Open st on s (see ferry__session_ops.open). */
ferry_code ferry__stream_open(ferry__session *s, ferry__stream *st);
/* See ferry__session_ops; each is a no-op for a stream not open. */
void ferry__stream_resume(ferry__stream *st, int expect_timeout);
void ferry__stream_pause(ferry__stream *st, int send, int paused);
void ferry__stream_close(ferry__stream *st, int how);

/* HTTP/1.1 (h1session.c); cfg says what an upgrade to h2c makes. */
ferry__session *ferry__h1_session_new(ferry__conn *c,
                                      const ferry__session_config *cfg);
/* The keep-alive work of every idle connection of the pool (see
 * ferry__session_ops.upkeep). */
void ferry__sessions_upkeep(ferry__pool *pool, long interval_ms);

/* HTTP/2 (h2session.c): at most max_streams streams of ferry's at once
 * on the connection (nghttp2 holds those the server's
 * MAX_CONCURRENT_STREAMS does not let go yet), pushes allowed with
 * push_enabled. */
ferry__session *ferry__h2_session_new(ferry__conn *c, unsigned max_streams,
                                      int push_enabled);
/* The SETTINGS payload a new HTTP/2 session sends (for the HTTP2-Settings
 * header of an upgrade) into buf: its length, or a negative nghttp2
 * error when cap is too small. */
ssize_t ferry__h2_settings_payload(uint8_t *buf, size_t cap, int push_enabled);
/* The same as the value of an HTTP2-Settings header (base64url, no
 * padding) into out (cap bytes, NUL-terminated): its length, or -1. */
int ferry__h2_settings_header(char *out, size_t cap, int push_enabled);
/* An HTTP/1.1 upgrade to h2c succeeded on c (RFC 7540 3.2): a new HTTP/2
 * session whose stream 1 is st (its request sent, its response to come),
 * the connection's owner from now; the caller frees the HTTP/1.1 session
 * and then gives the bytes that followed the 101 to
 * ferry__h2_session_input. NULL when out of memory. */
ferry__session *ferry__h2_session_upgrade(ferry__conn *c, ferry__stream *st,
                                          unsigned max_streams,
                                          int push_enabled);
/* Bytes that arrived for session s before it was the connection's (after
 * a 101). s, and the connection, may be gone afterwards. */
void ferry__h2_session_input(ferry__session *s, const char *p, size_t n);
/* An HTTP/1.1 session whose stream (with upgrade set) got its 101 and
 * completed: take the session off its connection, for the new protocol.
 * The stream is let go (not open any more), the session freed, and the
 * bytes it read past the 101 are moved into *rest (the caller frees it
 * with ferry__buf_free). The connection is left with no session, no owner
 * (the caller sets one before its socket can report anything) and
 * no_reuse set. */
void ferry__h1_session_upgrade(ferry__session *s, ferry__buf *rest);

#endif

/* libFuzzer target: the HTTP/2 session (src/h2session.c) on nghttp2, as a
 * client, fed a server's bytes from the input. No socket: the connection
 * is a chain of one test filter that hands the session the input in
 * pieces and swallows what it sends, so everything above the socket runs
 * as in a transfer: the session's streams, windows, pushes, GOAWAY and the
 * owners' hooks (which close streams from inside nghttp2's callbacks, as
 * transfers do).
 *
 * Input: byte 0 is a set of knobs, byte 1 a piece size, the rest is what
 * the server sends (a seed starts with the server's SETTINGS).
 *   bits 0-1  streams opened before the first byte (1..4): stream 1 a GET,
 *             stream 3 a POST of 20 bytes in memory, stream 5 an upload
 *             of unknown size through the owner's reader (with trailers),
 *             stream 7 a HEAD
 *   bit 2     pushes allowed and taken (each into a new owner)
 *   bit 3     the first stream's owner pauses at its first body bytes
 *             and resumes two pieces later
 *   bit 4     owners throttle: the allowance hook grants nothing every
 *             other call (resumed at the next piece)
 *   bit 5     the second stream's owner wants no body (NOBODY)
 *   bit 6     a header line callback fails on the third line
 *   bit 7     open one more stream (a GET) after the first piece
 *   byte 1    pieces of (byte & 63) + 1 bytes, or all at once when 0
 *
 * Checked (__builtin_trap): every owner hears done at most once, and once
 * the input ends (EOF) every stream still open has; body bytes of a
 * stream never exceed the input's size; a stream done OK had a final
 * status; nothing leaks (LeakSanitizer).
 *
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true && ninja -C build-fuzz
 * Run:   build-fuzz/test/fuzz/fuzz-h2 /tmp/h2 test/fuzz/corpus/h2
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "alloc.h"
#include "conn.h"
#include "session.h"

#define MAX_OWNERS 12

typedef struct owner {
  ferry__stream st;
  char err[FERRY_ERROR_SIZE];
  int used;
  int open;      /* opened and not closed by us */
  int done;      /* times done was heard */
  ferry_code result;
  int status;
  int lines;
  size_t body;
  int nobody;
  int fail_line; /* fail the header callback at this line (0: never) */
  int pause_at_body;
  int upload_left;
  int throttle;
  unsigned calls;
} owner;

typedef struct fuzz {
  owner o[MAX_OWNERS];
  const uint8_t *data;
  size_t len, off, piece;
  int gave;      /* a piece was given in this event */
  int conn_gone;
  int push;
  size_t total;
} fuzz;

static fuzz F;

/* ---- the test filter: input in pieces, output swallowed ---------------- */

static ssize_t tf_send(ferry__cf *cf, const struct iovec *iov, int n_iov,
                       ferry__ioerr *err) {
  size_t n = 0;
  (void)cf;
  (void)err;
  for (int i = 0; i < n_iov; i++)
    n += iov[i].iov_len;
  return (ssize_t)n;
}

static ssize_t tf_recv(ferry__cf *cf, char *buf, size_t cap, int *clean,
                       ferry__ioerr *err) {
  size_t n;
  (void)cf;
  (void)err;
  *clean = 1;
  if (F.gave)
    return FERRY__IO_AGAIN;
  if (F.off == F.len)
    return 0;
  n = F.len - F.off;
  if (F.piece && n > F.piece)
    n = F.piece;
  if (n > cap)
    n = cap;
  memcpy(buf, F.data + F.off, n);
  F.off += n;
  F.gave = 1;
  return (ssize_t)n;
}

static void tf_destroy(ferry__cf *cf) {
  F.conn_gone = 1;
  ferry__free(cf);
}

static const ferry__cf_ops test_cf_ops = {
    "fuzz", NULL, tf_send, tf_recv, NULL, NULL, NULL, NULL, tf_destroy};

/* ---- the owners' hooks ------------------------------------------------- */

static ferry_code o_header_line(void *ud, const char *line, size_t len) {
  owner *o = ud;
  (void)line;
  (void)len;
  if (++o->lines == o->fail_line) {
    snprintf(o->err, sizeof(o->err), "header callback failed");
    return FERRYE_WRITE_ERROR;
  }
  return FERRYE_OK;
}

static int o_headers_done(void *ud, int status, long version, int interim,
                          int64_t content_length) {
  owner *o = ud;
  (void)version;
  (void)content_length;
  if (!interim)
    o->status = status;
  if (status < 100 || status > 999)
    __builtin_trap(); /* nghttp2 checks :status */
  return !interim && o->nobody ? FERRY__STREAM_NOBODY : FERRY__STREAM_BODY;
}

static ferry_code o_body(void *ud, const char *p, size_t n) {
  owner *o = ud;
  (void)p;
  o->body += n;
  if (o->body > F.total)
    __builtin_trap();
  if (o->pause_at_body) {
    o->pause_at_body = 0;
    ferry__stream_pause(&o->st, 0, 1);
  }
  return FERRYE_OK;
}

static ssize_t o_read_body(void *ud, char *buf, size_t cap, int *eof) {
  owner *o = ud;
  size_t n = cap < 7 ? cap : 7;
  if (o->upload_left <= 0) {
    *eof = 1;
    return 0;
  }
  if ((o->calls++ & 3) == 1)
    return FERRY__BODY_WAIT; /* resumed at the next piece */
  if ((int)n > o->upload_left)
    n = (size_t)o->upload_left;
  memset(buf, 'u', n);
  o->upload_left -= (int)n;
  return (ssize_t)n;
}

static ferry_code o_trailers(void *ud, ferry__buf *out) {
  (void)ud;
  return ferry__buf_adds(out, "X-Sum: 1\r\nX-Two: 2\r\n") ? FERRYE_OUT_OF_MEMORY
                                                         : FERRYE_OK;
}

static ferry_code o_trailer_line(void *ud, const char *line, size_t len) {
  (void)ud;
  if (len < 2 || line[len - 2] != '\r' || line[len - 1] != '\n')
    __builtin_trap();
  return FERRYE_OK;
}

static owner *owner_new(void);
static void owner_prepare(owner *o, const char *head, size_t head_len);

static int o_push(void *ud, const ferry__push_promise *pp,
                  ferry__stream **child) {
  owner *c;
  (void)ud;
  for (size_t i = 0; i < pp->n; i++)
    if (strchr(pp->fields[i], ':') == NULL)
      __builtin_trap();
  if (!F.push || (c = owner_new()) == NULL)
    return FERRY__PUSH_DENY;
  owner_prepare(c, NULL, 0);
  c->open = 1;
  *child = &c->st;
  return FERRY__PUSH_OK;
}

static size_t o_allowance(void *ud, int send, size_t cap) {
  owner *o = ud;
  (void)send;
  if (o->throttle && (o->calls++ & 1))
    return 0;
  return cap;
}

static void o_sent(void *ud, ferry_infotype type, const char *p, size_t n,
                   size_t payload) {
  (void)ud;
  (void)type;
  (void)p;
  (void)n;
  (void)payload;
}

static void o_received(void *ud, size_t n) {
  (void)ud;
  if (n > F.total)
    __builtin_trap();
}

static void o_nothing(void *ud) { (void)ud; }

static void o_done(void *ud, ferry_code result, int retry) {
  owner *o = ud;
  (void)retry;
  if (++o->done > 1)
    __builtin_trap();
  o->result = result;
  if (result == FERRYE_OK && o->status == 0)
    __builtin_trap();
  /* as a transfer does: let go of the stream from inside the hook */
  if (o->open) {
    o->open = 0;
    ferry__stream_close(&o->st, result == FERRYE_OK ? FERRY__CLOSE_DONE
                                                    : FERRY__CLOSE_FAIL);
  }
}

static const ferry__stream_hooks hooks = {
    .header_line = o_header_line,
    .headers_done = o_headers_done,
    .body = o_body,
    .read_body = o_read_body,
    .trailers = o_trailers,
    .trailer_line = o_trailer_line,
    .push = o_push,
    .allowance = o_allowance,
    .sent = o_sent,
    .received = o_received,
    .expect_wait = o_nothing,
    .request_sent = o_nothing,
    .after_io = o_nothing,
    .done = o_done,
};

static owner *owner_new(void) {
  for (int i = 0; i < MAX_OWNERS; i++)
    if (!F.o[i].used) {
      F.o[i].used = 1;
      return &F.o[i];
    }
  return NULL;
}

static void owner_prepare(owner *o, const char *head, size_t head_len) {
  ferry__stream_init(&o->st, &hooks, o, o->err, sizeof(o->err));
  o->st.scheme = "https";
  if (head != NULL)
    ferry__buf_add(&o->st.head, head, head_len);
}

static const char *const heads[4] = {
    "GET /one HTTP/1.1\r\nHost: fuzz.test\r\nAccept: */*\r\n\r\n",
    "POST /two HTTP/1.1\r\nHost: fuzz.test\r\nContent-Length: 20\r\n\r\n"
    "twenty bytes of body",
    "PUT /three HTTP/1.1\r\nHost: fuzz.test\r\nTransfer-Encoding: chunked\r\n"
    "\r\n",
    "HEAD /four HTTP/1.1\r\nHost: fuzz.test\r\n\r\n"};

/* Open stream k (0..3) on s; 0 when it could not be. */
static int open_stream(ferry__session *s, int k, uint8_t knobs) {
  owner *o = owner_new();
  if (o == NULL)
    return 0;
  owner_prepare(o, heads[k], strlen(heads[k]));
  o->st.body_len = -1;
  if (k == 1)
    o->st.body_len = 20;
  if (k == 2) {
    o->st.pull = 1;
    o->st.body_len = -2;
    o->upload_left = 40;
  }
  if (k == 3)
    o->st.is_head = 1;
  if (k == 0 && (knobs & 8))
    o->pause_at_body = 1;
  if (k == 1 && (knobs & 32))
    o->nobody = 1;
  if (k == 0 && (knobs & 64))
    o->fail_line = 3;
  o->throttle = (knobs & 16) != 0;
  if (ferry__stream_open(s, &o->st) != FERRYE_OK) {
    ferry__stream_free(&o->st);
    return 0;
  }
  o->open = 1;
  return 1;
}

/* One readiness event with the next piece, then the owners' follow-ups
 * (resuming what waits), as the transfer layer does from its timer. */
static void event(ferry__conn *c, int piece_no) {
  F.gave = 0;
  c->hooks->event(c->ud, FERRY_CSELECT_IN | FERRY_CSELECT_OUT);
  if (F.conn_gone)
    return;
  for (int i = 0; i < MAX_OWNERS && !F.conn_gone; i++) {
    owner *o = &F.o[i];
    if (!o->open || o->st.session == NULL)
      continue;
    if (o->st.paused_recv && piece_no % 2 == 0)
      ferry__stream_pause(&o->st, 0, 0);
    ferry__stream_resume(&o->st, 0);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ferry__pool pool;
  ferry__bundle *b;
  ferry__conn *c;
  ferry__cf *cf;
  ferry__session *s;
  ferry__session_config cfg;
  char errbuf[FERRY_ERROR_SIZE];
  uint8_t knobs;
  int n, pieces = 0;

  if (size < 2)
    return 0;
  memset(&F, 0, sizeof(F));
  knobs = data[0];
  F.piece = data[1] & 63 ? (size_t)(data[1] & 63) + 1 : 0;
  F.data = data + 2;
  F.len = F.total = size - 2;
  F.push = (knobs & 4) != 0;

  ferry__pool_init(&pool, NULL);
  b = ferry__pool_bundle(&pool, "https://fuzz.test:443", 1);
  c = b ? ferry__conn_new(&pool, b) : NULL;
  cf = ferry__calloc(1, sizeof(*cf));
  if (c == NULL || cf == NULL) {
    ferry__free(cf);
    if (c)
      ferry__conn_destroy(c);
    ferry__pool_close_all(&pool);
    return 0;
  }
  cf->ops = &test_cf_ops;
  cf->connected = 1;
  ferry__conn_push(c, cf);
  c->connected = 1;
  c->fd = 1000000; /* never used as a socket: no watch */
  memset(&cfg, 0, sizeof(cfg));
  cfg.h2_prior_knowledge = 1;
  cfg.max_streams = 8;
  cfg.push_enabled = F.push;
  if (ferry__session_of(c, &cfg, &s, errbuf, sizeof(errbuf)) != FERRYE_OK) {
    ferry__conn_destroy(c);
    ferry__pool_close_all(&pool);
    return 0;
  }
  n = (knobs & 3) + 1;
  for (int k = 0; k < n && !F.conn_gone; k++)
    open_stream(s, k, knobs);
  while (!F.conn_gone && F.off < F.len) {
    event(c, ++pieces);
    if (pieces == 1 && (knobs & 128) && !F.conn_gone)
      open_stream(c->session, 0, 0);
  }
  /* EOF: the connection ends, every stream still open hears it */
  if (!F.conn_gone)
    event(c, ++pieces);
  for (int i = 0; i < MAX_OWNERS; i++) {
    owner *o = &F.o[i];
    if (!o->used)
      continue;
    if (o->open && o->st.session != NULL && o->done == 0 && !F.conn_gone)
      __builtin_trap(); /* the end of the connection went unheard */
    if (o->open && o->st.session != NULL)
      ferry__stream_close(&o->st, FERRY__CLOSE_FAIL);
    ferry__stream_free(&o->st);
  }
  if (!F.conn_gone)
    ferry__conn_destroy(c);
  ferry__pool_close_all(&pool);
  return 0;
}

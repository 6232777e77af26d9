/* The HTTP/2 session: many streams on one connection, on nghttp2.
 *
 * nghttp2 is used sans-IO: received bytes go in with
 * nghttp2_session_mem_recv, and what it has to send comes out of
 * nghttp2_session_mem_send into one output buffer, written to the
 * connection in as few writes as possible. A stream's request arrives in
 * HTTP/1.1 form (session.h) and is turned into HTTP/2 header fields here;
 * its response goes to the owner as HTTP/1.1-style lines ("HTTP/2 200",
 * lower-case names), trailers as lines after the body, so the layers
 * above stay protocol-independent.
 *
 * Flow control: the connection window is given back as soon as DATA
 * arrives, so one stream never stops the others. A stream's window is
 * given back (WINDOW_UPDATE) only for bytes its owner took, so a paused
 * or throttled stream stops the server for that stream alone. Streams
 * start at a small window (INITIAL_WINDOW, SETTINGS) that grows to
 * STREAM_WINDOW once the request is out, or to what a MAX_RECV_SPEED
 * owner takes in half a second: a capped stream never gets more from the
 * server than its cap allows. Request bodies are read as nghttp2 asks for
 * them (its data provider), never ahead.
 *
 * Streams beyond the server's MAX_CONCURRENT_STREAMS wait inside nghttp2
 * (it sends their HEADERS as streams end); until the server's first
 * SETTINGS only one goes out, so a server with a low limit refuses none.
 * ferry gives a connection up to MAX_CONCURRENT_STREAMS (the multi's)
 * streams.
 *
 * A hostile server meets nghttp2's own checks (a connection error is
 * answered with GOAWAY, and every stream fails with FERRYE_HTTP2) plus
 * ferry's limits: SETTINGS entries per frame, queued SETTINGS and PING
 * acknowledgements (a flood), CONTINUATION frames per header block,
 * reserved pushed streams, header bytes per section, and 1xx responses
 * per stream.
 *
 * Re-entrancy: the hooks of a stream's owner run inside nghttp2's calls,
 * and may close streams, open new ones or end the owner's transfer. So
 * while nghttp2 runs (busy), closing only detaches a stream, nothing is
 * written, and the connection is never freed: that happens when the
 * outermost call returns. A stream its owner let go stays with nghttp2
 * (in the detached list) until nghttp2 closes it or the session ends. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/uio.h>

#include <nghttp2/nghttp2.h>

#include "alloc.h"
#include "clock.h"
#include "conn.h"
#include "list.h"
#include "session.h"
#include "tls.h"

/* A stream's window once its request is out (bounded by what a paused
 * owner may hold: FERRY__PAUSE_MAX in handle.h is no smaller), the
 * connection's, and the window a stream starts with (our SETTINGS). */
#define STREAM_WINDOW (8 * 1024 * 1024)
#define CONN_WINDOW (32 * 1024 * 1024)
#define INITIAL_WINDOW 65535
/* Streams the server may open towards us (pushes), and reserve. */
#define MAX_PUSHED_STREAMS 100
/* What the output buffer gathers before it is written. */
#define OUT_HIGH (64 * 1024)
/* The most header bytes of one response section (as HTTP/1's caps), of
 * one push promise, and 1xx responses per stream (as HTTP/1). */
#define MAX_HEADER_BYTES (300 * 1024)
#define MAX_PUSH_HEADER_BYTES (16 * 1024)
#define MAX_INTERIM 100
/* nghttp2's flood limits: SETTINGS entries in one frame, SETTINGS and
 * PING acknowledgements queued unsent, CONTINUATION frames after one
 * HEADERS (enough for MAX_HEADER_BYTES in 16 KiB frames). */
#define MAX_SETTINGS_ENTRIES 32
#define MAX_OUTBOUND_ACK 1000
#define MAX_CONTINUATIONS (MAX_HEADER_BYTES / 16384 + 2)

typedef struct h2_stream {
  ferry__stream *st;        /* NULL once its owner let go */
  struct h2_session *sess;
  int32_t id;
  ferry__list node;         /* in sess->streams while its owner holds it,
                             * then in sess->detached until nghttp2 closes
                             * it */
  /* the request body: what follows the header block in the head (a small
   * body), then st->body or the owner's reader */
  size_t inline_off, inline_len;
  int status;
  int64_t content_length;
  size_t header_bytes;
  size_t unconsumed;        /* DATA its owner has not taken yet */
  unsigned interim;         /* 1xx responses so far */
  ferry__buf push;          /* a promise's fields, "name:value\0" each */
  size_t push_n;
  unsigned in_headers : 1;  /* a header section is being received */
  unsigned trailers : 1;    /* ... and it is the trailers */
  unsigned got_final : 1;   /* the final response's header came */
  unsigned any_bytes : 1;   /* a byte of an answer came */
  unsigned closed : 1;      /* nghttp2 closed it */
  unsigned complete : 1;    /* END_STREAM came from the server */
  unsigned deferred : 1;    /* its body waits (NGHTTP2_ERR_DEFERRED) */
  unsigned nobody : 1;      /* the owner wants no more of the body */
  unsigned failed : 1;      /* its owner has been told it failed */
  unsigned sent_all : 1;    /* the request is out (END_STREAM sent) */
  unsigned promised : 1;    /* the server pushed it */
} h2_stream;

typedef struct h2_session {
  ferry__session base;
  nghttp2_session *ng;
  ferry__buf out;           /* mem_send's bytes not written yet */
  size_t out_off;
  ferry__list streams;      /* h2_streams whose owners hold them */
  ferry__list detached;     /* h2_streams let go, still known to nghttp2 */
  unsigned limit;           /* MAX_CONCURRENT_STREAMS of the multi */
  int busy;                 /* inside nghttp2 (or a hook) */
  uint64_t upkeep_ms;       /* made, or last PING for upkeep */
  unsigned dead : 1;        /* no more streams: GOAWAY, an error, EOF */
  unsigned destroy_due : 1; /* free the connection once not busy */
  unsigned goaway_sent : 1; /* nghttp2 ended the connection (an error) */
  unsigned nomem : 1;       /* an nghttp2 call ran out of memory: its
                             * state may be half changed, so the
                             * connection fails (in settle) */
  uint32_t goaway_code;     /* ... with this code */
  char fail_text[FERRY_ERROR_SIZE];
} h2_session;

static void flush(h2_session *s);
static void settle(h2_session *s);

/* ---- nghttp2's allocations go through ferry's allocator -------------- */

static void *mem_malloc(size_t n, void *ud) {
  (void)ud;
  return ferry__malloc(n);
}
static void mem_free(void *p, void *ud) {
  (void)ud;
  ferry__free(p);
}
static void *mem_calloc(size_t n, size_t size, void *ud) {
  (void)ud;
  return ferry__calloc(n, size);
}
static void *mem_realloc(void *p, size_t n, void *ud) {
  (void)ud;
  return ferry__realloc(p, n);
}
static nghttp2_mem ferry_mem = {NULL, mem_malloc, mem_free, mem_calloc,
                                mem_realloc};

/* ---- telling a stream's owner ------------------------------------------ */

static h2_stream *stream_of(h2_session *s, int32_t id) {
  return nghttp2_session_get_stream_user_data(s->ng, id);
}

/* The result of an nghttp2 call that changes state: out of memory ends
 * the connection (see nomem). */
static void ng_ok(h2_session *s, int rv) {
  if (rv == NGHTTP2_ERR_NOMEM)
    s->nomem = 1;
}

static void stream_free(h2_stream *h) {
  ferry__buf_free(&h->push);
  ferry__free(h);
}

/* The stream ends for its owner (once). */
static void stream_done(h2_stream *h, ferry_code result, int retry) {
  ferry__stream *st = h->st;
  if (st == NULL || h->failed)
    return;
  h->failed = result != FERRYE_OK;
  if (result == FERRYE_OK)
    st->complete = 1;
  st->hooks->done(st->ud, result, retry);
}

static void stream_fail(h2_stream *h, ferry_code code, int retry,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void stream_fail(h2_stream *h, ferry_code code, int retry,
                        const char *fmt, ...) {
  ferry__stream *st = h->st;
  if (st == NULL || h->failed)
    return;
  if (st->errbuf != NULL && st->errbuf[0] == '\0' && fmt != NULL) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->errbuf, st->errlen, fmt, ap);
    va_end(ap);
  }
  stream_done(h, code, retry);
}

/* Reset the stream towards the server and fail it for its owner. */
static void stream_abort(h2_stream *h, uint32_t h2code, ferry_code code,
                         const char *text) {
  ng_ok(h->sess, nghttp2_submit_rst_stream(h->sess->ng, NGHTTP2_FLAG_NONE,
                                           h->id, h2code));
  stream_fail(h, code, FERRY__RETRY_NO, "%s", text);
}

/* A line for the owner's header section. */
static int header_out(h2_stream *h, const char *line, size_t len) {
  ferry__stream *st = h->st;
  ferry_code rc;
  if (st == NULL)
    return 0;
  rc = h->trailers ? (st->hooks->trailer_line
                          ? st->hooks->trailer_line(st->ud, line, len)
                          : FERRYE_OK)
                   : st->hooks->header_line(st->ud, line, len);
  if (rc != FERRYE_OK) {
    ng_ok(h->sess, nghttp2_submit_rst_stream(h->sess->ng, NGHTTP2_FLAG_NONE,
                                             h->id, NGHTTP2_CANCEL));
    stream_fail(h, rc, FERRY__RETRY_NO, NULL);
    return -1;
  }
  return 0;
}

/* The connection cannot go on: every stream still held fails, a request
 * that got no byte of an answer on a connection that served before may
 * be sent again elsewhere. */
static void conn_failed(h2_session *s, ferry_code code, int os_errno,
                        const char *why) {
  ferry__list *it, *tmp;
  if (!s->dead) {
    s->dead = 1;
    s->base.conn->max_streams = 0;
  }
  s->busy++;
  FERRY__LIST_FOREACH_SAFE(it, tmp, &s->streams) {
    h2_stream *h = FERRY__CONTAINER_OF(it, h2_stream, node);
    if (h->st == NULL || h->complete)
      continue;
    h->st->os_errno = os_errno;
    stream_fail(h, code,
                s->base.reused && !h->any_bytes && !h->promised
                    ? FERRY__RETRY_FRESH
                    : FERRY__RETRY_NO,
                "%s", why);
  }
  s->busy--;
}

/* nghttp2 has nothing more to read or write: the connection is over. The
 * streams still open fail (with what nghttp2 said when it ended it). */
static void check_ended(h2_session *s) {
  char text[FERRY_ERROR_SIZE * 2];
  if (nghttp2_session_want_read(s->ng) || nghttp2_session_want_write(s->ng))
    return;
  if (s->goaway_sent && s->goaway_code != NGHTTP2_NO_ERROR)
    snprintf(text, sizeof(text),
             "HTTP/2 framing layer error: %s (GOAWAY %s sent)",
             s->fail_text[0] ? s->fail_text : "connection error",
             nghttp2_http2_strerror(s->goaway_code));
  else
    snprintf(text, sizeof(text),
             "HTTP/2 connection ended before the stream did%s%s",
             s->fail_text[0] ? ": " : "", s->fail_text);
  conn_failed(s, FERRYE_HTTP2, 0, text);
}

/* Give the stream its window: once its request is out, or when a pushed
 * one is taken. */
static void stream_window(h2_session *s, h2_stream *h) {
  int64_t w = STREAM_WINDOW;
  if (h->st != NULL && h->st->recv_rate > 0 && h->st->recv_rate / 2 < w)
    w = h->st->recv_rate / 2;
  if (w > INITIAL_WINDOW)
    ng_ok(s, nghttp2_session_set_local_window_size(s->ng, NGHTTP2_FLAG_NONE,
                                                   h->id, (int32_t)w));
}

/* ---- nghttp2's callbacks ----------------------------------------------- */

static int on_begin_headers(nghttp2_session *ng, const nghttp2_frame *frame,
                            void *ud) {
  h2_session *s = ud;
  h2_stream *h;
  (void)ng;
  if (frame->hd.type == NGHTTP2_PUSH_PROMISE) {
    /* keep the promise's fields until it is complete */
    h2_stream *parent = stream_of(s, frame->hd.stream_id);
    int32_t pid = frame->push_promise.promised_stream_id;
    if (parent == NULL || parent->st == NULL || parent->failed ||
        parent->st->hooks->push == NULL)
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* resets pid */
    h = ferry__calloc(1, sizeof(*h));
    if (h == NULL)
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    h->sess = s;
    h->id = pid;
    h->promised = 1;
    h->sent_all = 1;
    h->content_length = -1;
    ferry__buf_init(&h->push, MAX_PUSH_HEADER_BYTES);
    ferry__list_insert_tail(&s->detached, &h->node);
    if (nghttp2_session_set_stream_user_data(s->ng, pid, h) != 0) {
      ferry__list_remove(&h->node);
      stream_free(h);
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    return 0;
  }
  h = stream_of(s, frame->hd.stream_id);
  if (h == NULL || frame->hd.type != NGHTTP2_HEADERS)
    return 0;
  h->in_headers = 1;
  h->trailers = h->got_final;
  h->status = 0;
  return 0;
}

/* A field of a push promise, kept as "name:value". */
static int on_push_field(h2_session *s, const nghttp2_frame *frame,
                         const uint8_t *name, size_t namelen,
                         const uint8_t *value, size_t valuelen) {
  h2_stream *p = stream_of(s, frame->push_promise.promised_stream_id);
  if (p == NULL || !p->promised)
    return 0;
  if (ferry__buf_add(&p->push, name, namelen) ||
      ferry__buf_add(&p->push, ":", 1) ||
      ferry__buf_add(&p->push, value, valuelen) ||
      ferry__buf_add(&p->push, "", 1))
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* too big: refused */
  p->push_n++;
  return 0;
}

static int on_header(nghttp2_session *ng, const nghttp2_frame *frame,
                     const uint8_t *name, size_t namelen, const uint8_t *value,
                     size_t valuelen, uint8_t flags, void *ud) {
  h2_session *s = ud;
  h2_stream *h;
  char small[512], *line = small;
  size_t len;
  int rc;
  (void)ng;
  (void)flags;

  if (frame->hd.type == NGHTTP2_PUSH_PROMISE)
    return on_push_field(s, frame, name, namelen, value, valuelen);
  h = stream_of(s, frame->hd.stream_id);
  if (h == NULL || h->st == NULL || h->failed ||
      frame->hd.type != NGHTTP2_HEADERS)
    return 0;
  h->any_bytes = 1;
  h->header_bytes += namelen + valuelen + 4;
  if (h->header_bytes > MAX_HEADER_BYTES) {
    char text[96];
    snprintf(text, sizeof(text), "HTTP/2 header section over %d bytes",
             MAX_HEADER_BYTES);
    stream_abort(h, NGHTTP2_ENHANCE_YOUR_CALM, FERRYE_TOO_LARGE, text);
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  }
  if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
    char code[4];
    if (valuelen != 3 || h->trailers || value[0] < '1' || value[0] > '9' ||
        value[1] < '0' || value[1] > '9' || value[2] < '0' || value[2] > '9') {
      stream_abort(h, NGHTTP2_PROTOCOL_ERROR, FERRYE_HTTP2,
                   "HTTP/2 response with a bad :status");
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    memcpy(code, value, 3);
    code[3] = '\0';
    h->status = atoi(code);
    if (h->status / 100 == 1 && ++h->interim > MAX_INTERIM) {
      stream_abort(h, NGHTTP2_ENHANCE_YOUR_CALM, FERRYE_WEIRD_SERVER_REPLY,
                   "too many 1xx responses");
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    len = (size_t)snprintf(small, sizeof(small), "HTTP/2 %d \r\n", h->status);
    return header_out(h, small, len) ? NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE
                                      : 0;
  }
  if (namelen > 0 && name[0] == ':')
    return 0; /* no other pseudo-header is for the owner */
  len = namelen + 2 + valuelen + 2;
  if (len > sizeof(small) && (line = ferry__malloc(len)) == NULL) {
    stream_abort(h, NGHTTP2_INTERNAL_ERROR, FERRYE_OUT_OF_MEMORY,
                 "out of memory");
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  }
  memcpy(line, name, namelen);
  memcpy(line + namelen, ": ", 2);
  memcpy(line + namelen + 2, value, valuelen);
  memcpy(line + namelen + 2 + valuelen, "\r\n", 2);
  if (!h->trailers && namelen == 14 &&
      strncasecmp((const char *)name, "content-length", 14) == 0) {
    char digits[24];
    size_t n = valuelen < sizeof(digits) - 1 ? valuelen : sizeof(digits) - 1;
    memcpy(digits, value, n);
    digits[n] = '\0';
    h->content_length = strtoll(digits, NULL, 10);
  }
  rc = header_out(h, line, len);
  if (line != small)
    ferry__free(line);
  return rc ? NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE : 0;
}

/* A header section ended: the blank line, and for a response the owner's
 * decision on its body. Trailers end with no blank line. */
static void headers_end(h2_session *s, h2_stream *h) {
  ferry__stream *st = h->st;
  int interim, rc;

  h->in_headers = 0;
  h->header_bytes = 0;
  if (h->trailers)
    return;
  if (header_out(h, "\r\n", 2) != 0 || h->st == NULL || h->failed)
    return;
  interim = h->status / 100 == 1;
  rc = st->hooks->headers_done(st->ud, h->status, FERRY_HTTP_VERSION_2_0,
                               interim, interim ? -1 : h->content_length);
  if (h->st == NULL)
    return;
  if (rc < 0) {
    ng_ok(s, nghttp2_submit_rst_stream(s->ng, NGHTTP2_FLAG_NONE, h->id,
                                       NGHTTP2_CANCEL));
    stream_done(h, (ferry_code)-rc, FERRY__RETRY_NO);
    return;
  }
  if (interim)
    return;
  h->got_final = 1;
  if (st->head.len) {
    /* an answer came: nothing sends the head again */
    ferry__buf_free(&st->head);
    st->head_sent = 0;
  }
  if (rc == FERRY__STREAM_NOBODY) {
    h->nobody = 1;
    if (!h->complete)
      ng_ok(s, nghttp2_submit_rst_stream(s->ng, NGHTTP2_FLAG_NONE, h->id,
                                         NGHTTP2_CANCEL));
  }
}

/* A push promise is complete: the parent's owner decides. */
static void push_promised(h2_session *s, const nghttp2_frame *frame) {
  h2_stream *parent = stream_of(s, frame->hd.stream_id);
  int32_t pid = frame->push_promise.promised_stream_id;
  h2_stream *p = stream_of(s, pid);
  ferry__stream *child = NULL;
  ferry__push_promise pp;
  char **fields;
  int rc = FERRY__PUSH_DENY;

  if (p == NULL || !p->promised || p->st != NULL)
    return;
  fields = ferry__calloc(p->push_n + 1, sizeof(*fields));
  if (fields != NULL && parent != NULL && parent->st != NULL &&
      !parent->failed && parent->st->hooks->push != NULL) {
    char *f = p->push.data;
    for (size_t i = 0; i < p->push_n; i++) {
      fields[i] = f;
      f += strlen(f) + 1;
    }
    pp.fields = fields;
    pp.n = p->push_n;
    rc = parent->st->hooks->push(parent->st->ud, &pp, &child);
  }
  ferry__free(fields);
  ferry__buf_free(&p->push);
  p->push_n = 0;
  if (rc == FERRY__PUSH_OK && child != NULL && p->closed) {
    /* (nghttp2 closed the promised stream meanwhile) */
    if (child->errbuf != NULL)
      snprintf(child->errbuf, child->errlen,
               "HTTP/2 pushed stream %d closed before it was taken", pid);
    child->hooks->done(child->ud, FERRYE_HTTP2_STREAM, FERRY__RETRY_NO);
    return;
  }
  if (rc == FERRY__PUSH_OK && child != NULL) {
    /* the pushed response goes to the child's owner */
    ferry__list_remove(&p->node);
    ferry__list_insert_tail(&s->streams, &p->node);
    p->st = child;
    child->session = &s->base;
    child->sdata = p;
    child->id = pid;
    child->sent_all = 1;
    child->pushed = 1;
    s->base.conn->streams++;
    stream_window(s, p);
    return;
  }
  ng_ok(s, nghttp2_submit_rst_stream(s->ng, NGHTTP2_FLAG_NONE, pid,
                                     NGHTTP2_CANCEL));
  if (rc == FERRY__PUSH_ERROROUT && parent != NULL && parent->st != NULL) {
    char text[96];
    snprintf(text, sizeof(text),
             "HTTP/2 stream %d: the push callback failed the pushed stream %d",
             parent->id, pid);
    stream_abort(parent, NGHTTP2_CANCEL, FERRYE_HTTP2, text);
  }
}

static int on_frame_recv(nghttp2_session *ng, const nghttp2_frame *frame,
                         void *ud) {
  h2_session *s = ud;
  ferry__conn *c = s->base.conn;
  h2_stream *h;
  (void)ng;

  switch (frame->hd.type) {
  case NGHTTP2_GOAWAY:
    /* no new streams; those above last_stream_id are closed by nghttp2
     * with REFUSED_STREAM and sent again elsewhere, the others finish */
    s->dead = 1;
    c->max_streams = 0;
    return 0;
  case NGHTTP2_PUSH_PROMISE:
    push_promised(s, frame);
    return 0;
  default:
    break;
  }
  h = stream_of(s, frame->hd.stream_id);
  if (h == NULL)
    return 0;
  if (frame->hd.type == NGHTTP2_HEADERS && h->in_headers && h->st != NULL)
    headers_end(s, h);
  if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
      (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) && !h->complete) {
    h->complete = 1;
    if (h->st != NULL && !h->failed) {
      if (!h->got_final)
        stream_fail(h, FERRYE_HTTP2, FERRY__RETRY_NO,
                    "HTTP/2 stream %d ended without a final response", h->id);
      else
        stream_done(h, FERRYE_OK, FERRY__RETRY_NO);
    }
  }
  return 0;
}

static int on_data(nghttp2_session *ng, uint8_t flags, int32_t id,
                   const uint8_t *data, size_t len, void *ud) {
  h2_session *s = ud;
  h2_stream *h = stream_of(s, id);
  ferry__stream *st;
  ferry_code rc;
  (void)flags;

  if (h == NULL || (st = h->st) == NULL || h->nobody || h->failed) {
    /* nobody wants it: give the windows back at once */
    ng_ok(s, nghttp2_session_consume(ng, id, len));
    return 0;
  }
  /* the connection's window never waits for an owner */
  ng_ok(s, nghttp2_session_consume_connection(ng, len));
  h->any_bytes = 1;
  st->hooks->received(st->ud, len);
  rc = st->hooks->body(st->ud, (const char *)data, len);
  if (h->st == NULL)
    return 0;
  if (rc != FERRYE_OK) {
    ng_ok(s, nghttp2_session_consume_stream(ng, id, len));
    ng_ok(s, nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL));
    stream_done(h, rc, FERRY__RETRY_NO);
    return 0;
  }
  /* a stream whose owner holds what comes (paused) or may take no more
   * now (throttled) keeps its window closed */
  if (st->paused_recv || st->hooks->allowance(st->ud, 0, 1) == 0)
    h->unconsumed += len;
  else
    ng_ok(s, nghttp2_session_consume_stream(ng, id, len));
  return 0;
}

static int on_stream_close(nghttp2_session *ng, int32_t id, uint32_t error,
                           void *ud) {
  h2_session *s = ud;
  h2_stream *h = stream_of(s, id);
  (void)ng;

  if (h == NULL)
    return 0;
  h->closed = 1;
  nghttp2_session_set_stream_user_data(s->ng, id, NULL);
  if (h->st == NULL) {
    ferry__list_remove(&h->node); /* its owner had let go */
    stream_free(h);
    return 0;
  }
  if (h->complete || h->failed)
    return 0;
  if (error == NGHTTP2_REFUSED_STREAM && !h->any_bytes && !h->promised)
    stream_fail(h, FERRYE_HTTP2_STREAM, FERRY__RETRY_REFUSED,
                "HTTP/2 stream %d was refused by the server", id);
  else
    stream_fail(h, FERRYE_HTTP2_STREAM, FERRY__RETRY_NO,
                "HTTP/2 stream %d was not closed cleanly: %s (err %u)", id,
                nghttp2_http2_strerror(error), error);
  return 0;
}

/* The held stream with that id, or NULL (a request nghttp2 has not
 * opened yet has no stream object to hold its data). */
static h2_stream *held_stream(h2_session *s, int32_t id) {
  ferry__list *it;
  for (it = s->streams.next; it != &s->streams; it = it->next) {
    h2_stream *h = FERRY__CONTAINER_OF(it, h2_stream, node);
    if (h->id == id)
      return h;
  }
  return NULL;
}

static int on_frame_not_send(nghttp2_session *ng, const nghttp2_frame *frame,
                             int lib_error, void *ud) {
  h2_session *s = ud;
  h2_stream *h;
  (void)ng;
  if (frame->hd.type != NGHTTP2_HEADERS)
    return 0;
  /* a request that never went out: after a GOAWAY it may go elsewhere */
  h = held_stream(s, frame->hd.stream_id);
  if (h == NULL || h->st == NULL || h->any_bytes)
    return 0;
  /* (nghttp2 may still close it, with on_stream_close: h stays known to
   * it until then, or until the session ends) */
  stream_fail(h, FERRYE_HTTP2_STREAM,
              lib_error == NGHTTP2_ERR_START_STREAM_NOT_ALLOWED ||
                      lib_error == NGHTTP2_ERR_STREAM_CLOSING
                  ? FERRY__RETRY_REFUSED
                  : FERRY__RETRY_NO,
              "HTTP/2 stream %d could not be sent: %s", frame->hd.stream_id,
              nghttp2_strerror(lib_error));
  return 0;
}

static int on_frame_send(nghttp2_session *ng, const nghttp2_frame *frame,
                         void *ud) {
  h2_session *s = ud;
  h2_stream *h;
  (void)ng;
  if (frame->hd.type == NGHTTP2_GOAWAY) {
    s->goaway_sent = 1;
    s->goaway_code = frame->goaway.error_code;
    /* nghttp2 says why in the GOAWAY's debug data */
    if (s->fail_text[0] == '\0' && frame->goaway.opaque_data_len > 0)
      snprintf(s->fail_text, sizeof(s->fail_text), "%.*s",
               (int)frame->goaway.opaque_data_len,
               (const char *)frame->goaway.opaque_data);
    return 0;
  }
  if (frame->hd.type != NGHTTP2_DATA && frame->hd.type != NGHTTP2_HEADERS)
    return 0;
  h = stream_of(s, frame->hd.stream_id);
  if (h == NULL)
    return 0;
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat ==
                                               NGHTTP2_HCAT_REQUEST)
    stream_window(s, h); /* the stream exists now: its window grows */
  if (!(frame->hd.flags & NGHTTP2_FLAG_END_STREAM) || h->sent_all)
    return 0;
  h->sent_all = 1;
  if (h->st != NULL && !h->st->sent_all) {
    h->st->sent_all = 1;
    h->st->hooks->request_sent(h->st->ud);
  }
  return 0;
}

/* Request trailers: "Name: value\r\n" lines into header fields, sent as
 * the last HEADERS. 0 when sent (or none), -1 when none could be. */
static int send_trailers(h2_stream *h, ferry__buf *t) {
  nghttp2_nv nv[64];
  size_t nnv = 0;
  char *p = t->data, *end = t->data + t->len;
  while (p < end && nnv < 64) {
    char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
    char *colon = memchr(p, ':', eol ? (size_t)(eol - p) : 0);
    if (eol == NULL || colon == NULL)
      break;
    for (char *q = p; q < colon; q++)
      *q = (char)((*q >= 'A' && *q <= 'Z') ? *q + 32 : *q);
    nv[nnv].name = (uint8_t *)p;
    nv[nnv].namelen = (size_t)(colon - p);
    colon++;
    while (colon < eol && (*colon == ' ' || *colon == '\t'))
      colon++;
    nv[nnv].value = (uint8_t *)colon;
    nv[nnv].valuelen = (size_t)(eol - colon);
    nv[nnv].flags = NGHTTP2_NV_FLAG_NONE;
    nnv++;
    p = eol + 2;
  }
  if (nnv == 0)
    return 0;
  return nghttp2_submit_trailer(h->sess->ng, h->id, nv, nnv) == 0 ? 1 : -1;
}

/* The request body, as nghttp2 asks for it. */
static ssize_t read_body(nghttp2_session *ng, int32_t id, uint8_t *buf,
                         size_t length, uint32_t *data_flags,
                         nghttp2_data_source *source, void *ud) {
  h2_stream *h = source->ptr;
  ferry__stream *st = h->st;
  size_t n = 0, allowed;
  int eof = 0;
  (void)ng;
  (void)ud;
  (void)id;

  if (st == NULL)
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  allowed = st->hooks->allowance(st->ud, 1, length);
  if (allowed == 0) {
    h->deferred = 1; /* throttled: the owner resumes the stream */
    return NGHTTP2_ERR_DEFERRED;
  }
  length = allowed;
  if (h->inline_len > 0) {
    /* a small body that travels in the head */
    n = h->inline_len < length ? h->inline_len : length;
    memcpy(buf, st->head.data + h->inline_off, n);
    h->inline_off += n;
    h->inline_len -= n;
    eof = h->inline_len == 0 && st->body_sent >= st->body_len;
  } else if (st->body != NULL && st->body_sent < st->body_len) {
    int64_t left = st->body_len - st->body_sent;
    n = (size_t)left < length ? (size_t)left : length;
    memcpy(buf, st->body + st->body_sent, n);
    st->body_sent += (int64_t)n;
    eof = st->body_sent >= st->body_len;
  } else if (st->pull) {
    ssize_t r = st->hooks->read_body(st->ud, (char *)buf, length, &eof);
    if (r == FERRY__BODY_FAIL || h->st == NULL)
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    if (r == FERRY__BODY_WAIT) {
      st->paused_send = 1;
      h->deferred = 1;
      return NGHTTP2_ERR_DEFERRED;
    }
    n = (size_t)r;
    if (st->body_len >= 0) {
      st->body_sent += (int64_t)n;
      if (!eof && st->body_sent >= st->body_len)
        eof = 1;
    }
  } else {
    eof = 1;
  }
  if (n > 0)
    st->hooks->sent(st->ud, FERRYINFO_DATA_OUT, (const char *)buf, n,
                    st->body_len >= 0 ? n : 0);
  if (eof) {
    *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    st->eof = 1;
    if (st->body_len == -2) {
      ferry__buf trailers;
      ferry_code rc;
      int sent;
      ferry__buf_init(&trailers, 64 * 1024);
      rc = st->hooks->trailers(st->ud, &trailers);
      sent = rc == FERRYE_OK ? send_trailers(h, &trailers) : 0;
      ferry__buf_free(&trailers);
      if (rc == FERRYE_OK && sent < 0)
        stream_fail(h, FERRYE_OUT_OF_MEMORY, FERRY__RETRY_NO,
                    "out of memory for the request trailers");
      if (rc != FERRYE_OK || sent < 0) {
        stream_done(h, rc, FERRY__RETRY_NO);
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
      }
      if (sent)
        *data_flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
    }
  }
  return (ssize_t)n;
}

static int on_error(nghttp2_session *ng, int code, const char *msg, size_t len,
                    void *ud) {
  h2_session *s = ud;
  (void)ng;
  (void)code;
  if (s->fail_text[0] == '\0')
    snprintf(s->fail_text, sizeof(s->fail_text), "%.*s", (int)len, msg);
  return 0;
}

/* ---- the request: HTTP/1.1 head to HTTP/2 header fields ---------------- */

/* Hop-by-hop headers HTTP/2 does not carry (RFC 9113 8.2.2), and those of
 * an HTTP/1.1 upgrade. */
static int connection_specific(const char *name, size_t n) {
  static const char *const drop[] = {
      "connection", "keep-alive", "proxy-connection", "transfer-encoding",
      "upgrade",    "host",       "expect",           "http2-settings"};
  for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
    if (strlen(drop[i]) == n && strncasecmp(drop[i], name, n) == 0)
      return 1;
  return 0;
}

/* Header fields of st's head (request line, then "Name: value" lines up
 * to the blank line) into nva (cap entries), names lower-cased in place
 * in copy (a copy of the head made by the caller). Returns the count, or
 * -1 for a head ferry would never make. *body_off is where the head's
 * inline body starts. */
static int head_to_nv(char *copy, size_t len, const char *scheme,
                      nghttp2_nv *nva, size_t cap, size_t *body_off) {
  char *p = copy, *end = copy + len, *sp1, *sp2, *eol;
  size_t n = 0;
  const char *authority = NULL;
  size_t alen = 0;

  eol = memmem(p, (size_t)(end - p), "\r\n", 2);
  if (eol == NULL)
    return -1;
  sp1 = memchr(p, ' ', (size_t)(eol - p));
  sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
  if (sp1 == NULL || sp2 == NULL || cap < 4)
    return -1;
#define NV(nm, nl, v, vl)                                                      \
  do {                                                                         \
    nva[n].name = (uint8_t *)(nm);                                             \
    nva[n].namelen = (nl);                                                     \
    nva[n].value = (uint8_t *)(v);                                             \
    nva[n].valuelen = (vl);                                                    \
    nva[n].flags = NGHTTP2_NV_FLAG_NONE;                                       \
    n++;                                                                       \
  } while (0)
  NV(":method", 7, p, (size_t)(sp1 - p));
  NV(":scheme", 7, scheme, strlen(scheme));
  NV(":authority", 10, "", 0); /* filled below */
  NV(":path", 5, sp1 + 1, (size_t)(sp2 - sp1 - 1));
  p = eol + 2;
  while (p < end) {
    char *colon, *v, *ve;
    eol = memmem(p, (size_t)(end - p), "\r\n", 2);
    if (eol == NULL)
      return -1;
    if (eol == p) {
      *body_off = (size_t)(eol + 2 - copy);
      break;
    }
    colon = memchr(p, ':', (size_t)(eol - p));
    if (colon == NULL)
      return -1;
    v = colon + 1;
    while (v < eol && (*v == ' ' || *v == '\t'))
      v++;
    ve = eol;
    while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
      ve--;
    if ((size_t)(colon - p) == 4 && strncasecmp(p, "host", 4) == 0) {
      authority = v;
      alen = (size_t)(ve - v);
    } else if (!connection_specific(p, (size_t)(colon - p)) &&
               !((size_t)(colon - p) == 2 && strncasecmp(p, "te", 2) == 0 &&
                 !((size_t)(ve - v) == 8 && strncasecmp(v, "trailers", 8) == 0))) {
      if (n >= cap)
        return -1;
      for (char *q = p; q < colon; q++)
        *q = (char)((*q >= 'A' && *q <= 'Z') ? *q + 32 : *q);
      NV(p, (size_t)(colon - p), v, (size_t)(ve - v));
    }
    p = eol + 2;
  }
#undef NV
  if (authority == NULL)
    return -1;
  nva[2].value = (uint8_t *)authority;
  nva[2].valuelen = alen;
  return (int)n;
}

/* ---- I/O ----------------------------------------------------------------- */

/* Write what nghttp2 has to send, gathered into few writes. */
static void flush(h2_session *s) {
  ferry__conn *c = s->base.conn;

  if (s->busy || s->destroy_due || c->fd < 0)
    return;
  s->busy++;
  for (;;) {
    while (s->out.len - s->out_off < OUT_HIGH) {
      const uint8_t *data;
      ssize_t n = nghttp2_session_mem_send(s->ng, &data);
      if (n < 0) {
        char text[FERRY_ERROR_SIZE];
        snprintf(text, sizeof(text), "HTTP/2 framing layer error: %s",
                 nghttp2_strerror((int)n));
        conn_failed(s, n == NGHTTP2_ERR_NOMEM ? FERRYE_OUT_OF_MEMORY
                                               : FERRYE_HTTP2,
                    0, text);
        break;
      }
      if (n == 0)
        break;
      if (ferry__buf_add(&s->out, data, (size_t)n)) {
        conn_failed(s, FERRYE_OUT_OF_MEMORY, 0, "out of memory");
        break;
      }
    }
    if (s->out.len == s->out_off)
      break;
    {
      struct iovec iov = {s->out.data + s->out_off, s->out.len - s->out_off};
      char why[FERRY_ERROR_SIZE];
      ferry__ioerr err = {FERRYE_OK, 0, why, sizeof(why)};
      ssize_t n = ferry__conn_send(c, &iov, 1, &err);
      if (n == FERRY__IO_AGAIN)
        break;
      if (n == FERRY__IO_ERROR) {
        conn_failed(s, err.code, err.os_errno, why);
        s->out.len = s->out_off = 0;
        break;
      }
      s->out_off += (size_t)n;
      if (s->out_off == s->out.len)
        s->out.len = s->out_off = 0;
    }
  }
  s->busy--;
  if (s->out.len == s->out_off) {
    int f = ferry__conn_flush(c); /* TLS records still inside */
    ferry__buf_reset(&s->out);
    s->out_off = 0;
    if (f == 1 || nghttp2_session_want_write(s->ng))
      ferry__conn_watch(c, FERRY_POLL_INOUT);
    else if (c->streams == 0)
      ferry__conn_watch_idle(c); /* watched only to see the server's frames */
    else
      ferry__conn_watch(c, FERRY_POLL_IN);
    return;
  }
  ferry__conn_watch(c, FERRY_POLL_INOUT);
}

/* Read and process what has arrived. */
static void read_input(h2_session *s, int cselect) {
  ferry__conn *c = s->base.conn;
  char *rbuf = ferry__pool_rbuf(c->pool);
  int tls = ferry__conn_tls(c) != NULL, rounds = 0;
  int drain = (cselect & FERRY_CSELECT_ERR) != 0;

  if (rbuf == NULL) {
    conn_failed(s, FERRYE_OUT_OF_MEMORY, 0, "out of memory for the read buffer");
    return;
  }
  while (!s->destroy_due && (rounds++ < 4 || drain || tls)) {
    int clean;
    char why[FERRY_ERROR_SIZE];
    ferry__ioerr err = {FERRYE_OK, 0, why, sizeof(why)};
    ssize_t n = ferry__conn_recv(c, rbuf, FERRY__RBUF_SIZE, &clean, &err), r;

    if (n == FERRY__IO_AGAIN)
      return;
    if (n == FERRY__IO_ERROR) {
      conn_failed(s, err.code, err.os_errno, why);
      return;
    }
    if (n == 0) {
      conn_failed(s, FERRYE_HTTP2_STREAM, 0,
                  "HTTP/2 stream was not closed cleanly before the end of "
                  "the connection");
      return;
    }
    s->busy++;
    c->pool->rbuf_in_use++;
    r = nghttp2_session_mem_recv(s->ng, (const uint8_t *)rbuf, (size_t)n);
    c->pool->rbuf_in_use--;
    s->busy--;
    if (r < 0) {
      char text[FERRY_ERROR_SIZE * 2];
      snprintf(text, sizeof(text), "HTTP/2 framing layer error: %s%s%s",
               nghttp2_strerror((int)r), s->fail_text[0] ? ": " : "",
               s->fail_text);
      conn_failed(s, r == NGHTTP2_ERR_NOMEM ? FERRYE_OUT_OF_MEMORY : FERRYE_HTTP2,
                  0, text);
      return;
    }
    if ((size_t)n < FERRY__RBUF_SIZE && !drain && !tls)
      break;
  }
}

/* After nghttp2 ran and hooks were called: write, and free the connection
 * when it is finished. */
static void settle(h2_session *s) {
  ferry__conn *c = s->base.conn;
  if (s->busy)
    return;
  if (s->nomem && !s->destroy_due) {
    s->nomem = 0;
    conn_failed(s, FERRYE_OUT_OF_MEMORY, 0,
                "out of memory in the HTTP/2 session");
  }
  if (!s->destroy_due) {
    flush(s);
    check_ended(s);
  }
  if (s->dead && ferry__list_empty(&s->streams))
    s->destroy_due = 1;
  if (s->destroy_due)
    ferry__conn_destroy(c); /* frees s */
}

static void h2_event(void *ud, int cselect) {
  h2_session *s = ud;
  s->busy++;
  if (cselect & (FERRY_CSELECT_IN | FERRY_CSELECT_ERR))
    read_input(s, cselect);
  s->busy--;
  if (!ferry__list_empty(&s->streams)) {
    /* progress for the owners, once per read */
    ferry__list *it, *tmp;
    s->busy++;
    FERRY__LIST_FOREACH_SAFE(it, tmp, &s->streams) {
      h2_stream *h = FERRY__CONTAINER_OF(it, h2_stream, node);
      if (h->st != NULL && !h->failed && !h->complete)
        h->st->hooks->after_io(h->st->ud);
    }
    s->busy--;
  }
  settle(s);
}

static const ferry__conn_hooks h2_conn_hooks = {h2_event, NULL, NULL, NULL,
                                                NULL,     NULL, NULL};

/* ---- the session's operations ------------------------------------------ */

/* Hold st as stream h of the session. */
static void stream_attach(h2_session *s, h2_stream *h, ferry__stream *st,
                          int32_t id) {
  h->st = st;
  h->sess = s;
  h->id = id;
  st->id = id;
  st->sdata = h;
  st->session = &s->base;
  ferry__list_insert_tail(&s->streams, &h->node);
  s->base.conn->streams++;
}

static ferry_code h2_open(ferry__session *base, ferry__stream *st) {
  h2_session *s = (h2_session *)base;
  ferry__conn *c = base->conn;
  h2_stream *h;
  nghttp2_nv nva[128];
  nghttp2_data_provider prd;
  nghttp2_priority_spec pri;
  char *copy;
  size_t body_off = st->head.len;
  int nnv;
  int32_t id;
  int has_body;

  if (s->dead || c->streams >= c->max_streams)
    return FERRYE_AGAIN;
  h = ferry__calloc(1, sizeof(*h));
  copy = ferry__memdup0(st->head.data, st->head.len);
  if (h == NULL || copy == NULL) {
    ferry__free(h);
    ferry__free(copy);
    return FERRYE_OUT_OF_MEMORY;
  }
  ferry__buf_init(&h->push, 0);
  nnv = head_to_nv(copy, st->head.len, st->scheme ? st->scheme : "https", nva,
                   sizeof(nva) / sizeof(nva[0]), &body_off);
  if (nnv < 0) {
    ferry__free(h);
    ferry__free(copy);
    snprintf(st->errbuf, st->errlen, "the request does not fit HTTP/2");
    return FERRYE_HTTP2;
  }
  h->st = st;
  h->sess = s;
  h->content_length = -1;
  h->inline_off = body_off;
  h->inline_len = st->head.len - body_off;
  has_body = h->inline_len > 0 || st->body != NULL || st->pull;
  prd.source.ptr = h;
  prd.read_callback = read_body;
  nghttp2_priority_spec_init(&pri, 0, st->weight > 0 ? st->weight : 16, 0);
  id = nghttp2_submit_request(s->ng, &pri, nva, (size_t)nnv,
                              has_body ? &prd : NULL, h);
  ferry__free(copy);
  if (id < 0) {
    ferry__free(h);
    snprintf(st->errbuf, st->errlen, "HTTP/2: %s", nghttp2_strerror(id));
    return id == NGHTTP2_ERR_NOMEM ? FERRYE_OUT_OF_MEMORY : FERRYE_HTTP2;
  }
  stream_attach(s, h, st, id);
  ferry__conn_set_owner(c, &h2_conn_hooks, s);
  /* the head as it would go in HTTP/1.1, for the trace */
  st->hooks->sent(st->ud, FERRYINFO_HEADER_OUT, st->head.data, body_off, 0);
  st->head_sent = st->head.len;
  settle(s);
  return FERRYE_OK;
}

static void h2_resume(ferry__session *base, ferry__stream *st, int expect_timeout) {
  h2_session *s = (h2_session *)base;
  h2_stream *h = st->sdata;
  (void)expect_timeout;
  if (h == NULL || s->dead)
    return;
  st->paused_send = 0;
  if (h->deferred && !h->closed) {
    h->deferred = 0;
    ng_ok(s, nghttp2_session_resume_data(s->ng, h->id));
  }
  if (!st->paused_recv && h->unconsumed && !h->closed &&
      st->hooks->allowance(st->ud, 0, 1) != 0) {
    ng_ok(s, nghttp2_session_consume_stream(s->ng, h->id, h->unconsumed));
    h->unconsumed = 0;
  }
  settle(s);
}

static void h2_pause(ferry__session *base, ferry__stream *st, int send,
                     int paused) {
  (void)base;
  /* the stream's window stays closed while paused (on_data); sending
   * waits in the data provider */
  if (send)
    st->paused_send = (unsigned)(paused != 0);
  else
    st->paused_recv = (unsigned)(paused != 0);
}

static void h2_close(ferry__session *base, ferry__stream *st, int how) {
  h2_session *s = (h2_session *)base;
  ferry__conn *c = base->conn;
  h2_stream *h = st->sdata;

  if (h == NULL)
    return;
  st->sdata = NULL;
  st->session = NULL;
  h->st = NULL;
  ferry__list_remove(&h->node);
  c->streams--;
  /* the socket callback hears of the connection's own handle from now */
  c->easy = NULL;
  if (c->watch != NULL)
    c->watch->easy = NULL;
  if (h->closed) {
    stream_free(h);
  } else {
    /* nghttp2 keeps it until it closes: tell the server unless it is
     * done with it already */
    ferry__list_insert_tail(&s->detached, &h->node);
    if (!h->complete || !h->sent_all)
      ng_ok(s, nghttp2_submit_rst_stream(s->ng, NGHTTP2_FLAG_NONE, h->id,
                                         h->complete ? NGHTTP2_NO_ERROR
                                                     : NGHTTP2_CANCEL));
    if (h->unconsumed)
      ng_ok(s, nghttp2_session_consume_stream(s->ng, h->id, h->unconsumed));
    h->unconsumed = 0;
  }
  if ((how == FERRY__CLOSE_NOREUSE || c->no_reuse) && !s->dead) {
    /* FORBID_REUSE: no new stream; it closes when the others are done */
    s->dead = 1;
    c->max_streams = 0;
  }
  if (c->streams == 0) {
    base->reused = 1;
    if (!s->dead)
      ferry__pool_mux_idle(c->pool, c);
  }
  settle(s);
}

static void h2_destroy(ferry__session *base) {
  h2_session *s = (h2_session *)base;
  ferry__list *it, *tmp;
  nghttp2_session_del(s->ng); /* calls nothing of ours */
  FERRY__LIST_FOREACH_SAFE(it, tmp, &s->streams) {
    h2_stream *h = FERRY__CONTAINER_OF(it, h2_stream, node);
    ferry__list_remove(&h->node);
    if (h->st != NULL) {
      h->st->sdata = NULL;
      h->st->session = NULL;
    }
    stream_free(h);
  }
  FERRY__LIST_FOREACH_SAFE(it, tmp, &s->detached) {
    h2_stream *h = FERRY__CONTAINER_OF(it, h2_stream, node);
    ferry__list_remove(&h->node);
    stream_free(h);
  }
  ferry__buf_free(&s->out);
  ferry__free(s);
}

/* An idle connection, maybe unwatched (socket_action style): take in what
 * the server sent meanwhile (a GOAWAY, a PING, a close). 0 when that
 * finished it: the connection is freed. */
static int idle_read(h2_session *s) {
  s->busy++;
  read_input(s, 0);
  s->busy--;
  if (!s->dead)
    settle(s); /* answers a PING */
  if (s->dead) {
    s->destroy_due = 1;
    settle(s);
    return 0;
  }
  return 1;
}

static int h2_usable(ferry__session *base) {
  h2_session *s = (h2_session *)base;
  ferry__conn *c = base->conn;
  /* never from inside nghttp2, nor while the shared read buffer is being
   * parsed (a hook there may be looking for a connection) */
  if (!s->dead && c->streams == 0 && !s->busy && !c->pool->rbuf_in_use &&
      !idle_read(s))
    return 0;
  return !s->dead && c->streams < c->max_streams;
}

static void h2_upkeep(ferry__session *base, uint64_t now_ms, long interval_ms) {
  h2_session *s = (h2_session *)base;
  if (s->dead || s->busy || base->conn->streams > 0 ||
      base->conn->pool->rbuf_in_use || !idle_read(s))
    return;
  if (now_ms - s->upkeep_ms < (uint64_t)interval_ms)
    return;
  s->upkeep_ms = now_ms;
  ng_ok(s, nghttp2_submit_ping(s->ng, NGHTTP2_FLAG_NONE, NULL));
  settle(s);
}

static const ferry__session_ops h2_ops = {
    "h2", h2_open, h2_resume, h2_pause, h2_close, h2_destroy, h2_usable,
    h2_upkeep};

/* Our SETTINGS: pushes only when wanted, how many pushed streams, the
 * window a stream starts with. */
static size_t local_settings(nghttp2_settings_entry *iv, int push_enabled) {
  iv[0].settings_id = NGHTTP2_SETTINGS_ENABLE_PUSH;
  iv[0].value = push_enabled ? 1 : 0;
  iv[1].settings_id = NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS;
  iv[1].value = MAX_PUSHED_STREAMS;
  iv[2].settings_id = NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE;
  iv[2].value = INITIAL_WINDOW;
  return 3;
}

ssize_t ferry__h2_settings_payload(uint8_t *buf, size_t cap, int push_enabled) {
  nghttp2_settings_entry iv[3];
  size_t n = local_settings(iv, push_enabled);
  return nghttp2_pack_settings_payload(buf, cap, iv, n);
}

/* A session on c (not yet its owner), its SETTINGS submitted unless
 * upgrade (then the HTTP2-Settings header carried them). */
static h2_session *session_make(ferry__conn *c, unsigned max_streams,
                                int push_enabled, int upgrade) {
  h2_session *s = ferry__calloc(1, sizeof(*s));
  nghttp2_session_callbacks *cbs = NULL;
  nghttp2_option *opt = NULL;
  nghttp2_settings_entry iv[3];
  size_t niv;
  int rv;

  if (s == NULL)
    return NULL;
  s->base.ops = &h2_ops;
  s->base.conn = c;
  s->limit = max_streams ? max_streams : 100;
  s->upkeep_ms = ferry__now_ms();
  ferry__list_init(&s->streams);
  ferry__list_init(&s->detached);
  ferry__buf_init(&s->out, SIZE_MAX / 2);
  if (nghttp2_session_callbacks_new(&cbs) != 0 || nghttp2_option_new(&opt) != 0)
    goto failed;
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
  nghttp2_session_callbacks_set_on_frame_send_callback(cbs, on_frame_send);
  nghttp2_session_callbacks_set_on_frame_not_send_callback(cbs,
                                                           on_frame_not_send);
  nghttp2_session_callbacks_set_error_callback2(cbs, on_error);
  nghttp2_option_set_no_auto_window_update(opt, 1);
  /* one stream until the server's SETTINGS say how many it takes */
  nghttp2_option_set_peer_max_concurrent_streams(opt, 1);
  nghttp2_option_set_max_settings(opt, MAX_SETTINGS_ENTRIES);
  nghttp2_option_set_max_outbound_ack(opt, MAX_OUTBOUND_ACK);
  nghttp2_option_set_max_continuations(opt, MAX_CONTINUATIONS);
  nghttp2_option_set_max_reserved_remote_streams(opt, MAX_PUSHED_STREAMS);
  rv = nghttp2_session_client_new3(&s->ng, cbs, s, opt, &ferry_mem);
  nghttp2_session_callbacks_del(cbs);
  nghttp2_option_del(opt);
  cbs = NULL;
  opt = NULL;
  if (rv != 0)
    goto failed;
  niv = local_settings(iv, push_enabled);
  if ((!upgrade &&
       nghttp2_submit_settings(s->ng, NGHTTP2_FLAG_NONE, iv, niv) != 0) ||
      nghttp2_session_set_local_window_size(s->ng, NGHTTP2_FLAG_NONE, 0,
                                            CONN_WINDOW) != 0)
    goto failed;
  /* ferry hands the connection up to limit streams; nghttp2 sends what
   * the server takes */
  c->max_streams = s->limit;
  return s;

failed:
  if (cbs)
    nghttp2_session_callbacks_del(cbs);
  if (opt)
    nghttp2_option_del(opt);
  if (s->ng)
    nghttp2_session_del(s->ng);
  ferry__buf_free(&s->out);
  ferry__free(s);
  return NULL;
}

int ferry__h2_settings_header(char *out, size_t cap, int push_enabled) {
  static const char b64url[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  uint8_t raw[64];
  ssize_t n = ferry__h2_settings_payload(raw, sizeof(raw), push_enabled);
  size_t o = 0;
  if (n < 0)
    return -1;
  for (ssize_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)raw[i] << 16;
    int k = n - i >= 3 ? 4 : (int)(n - i) + 1;
    if (i + 1 < n)
      v |= (uint32_t)raw[i + 1] << 8;
    if (i + 2 < n)
      v |= raw[i + 2];
    for (int j = 0; j < k; j++) {
      if (o + 1 >= cap)
        return -1;
      out[o++] = b64url[(v >> (18 - 6 * j)) & 63];
    }
  }
  out[o] = '\0';
  return (int)o;
}

ferry__session *ferry__h2_session_upgrade(ferry__conn *c, ferry__stream *st,
                                          unsigned max_streams,
                                          int push_enabled) {
  h2_session *s = session_make(c, max_streams, push_enabled, 1);
  h2_stream *h;
  uint8_t payload[64];
  ssize_t n = ferry__h2_settings_payload(payload, sizeof(payload),
                                         push_enabled);
  if (s == NULL)
    return NULL;
  h = ferry__calloc(1, sizeof(*h));
  if (h == NULL || n < 0 ||
      nghttp2_session_upgrade2(s->ng, payload, (size_t)n, st->is_head, h) !=
          0) {
    ferry__free(h);
    h2_destroy(&s->base);
    return NULL;
  }
  h->content_length = -1;
  h->sent_all = 1;
  stream_attach(s, h, st, 1);
  stream_window(s, h);
  ferry__conn_set_owner(c, &h2_conn_hooks, s);
  /* other transfers may take streams on it */
  ferry__pool_mux_add(c->pool, c);
  ferry__pool_room(c->pool);
  return &s->base;
}

void ferry__h2_session_input(ferry__session *base, const char *p, size_t n) {
  h2_session *s = (h2_session *)base;
  ferry__conn *c = base->conn;
  if (n > 0) {
    ssize_t r;
    s->busy++;
    c->pool->rbuf_in_use++;
    r = nghttp2_session_mem_recv(s->ng, (const uint8_t *)p, n);
    c->pool->rbuf_in_use--;
    s->busy--;
    if (r < 0) {
      char text[FERRY_ERROR_SIZE * 2];
      snprintf(text, sizeof(text), "HTTP/2 framing layer error: %s",
               nghttp2_strerror((int)r));
      conn_failed(s, r == NGHTTP2_ERR_NOMEM ? FERRYE_OUT_OF_MEMORY
                                            : FERRYE_HTTP2,
                  0, text);
    }
  }
  settle(s);
}

ferry__session *ferry__h2_session_new(ferry__conn *c, unsigned max_streams,
                                      int push_enabled) {
  h2_session *s = session_make(c, max_streams, push_enabled, 0);
  if (s == NULL)
    return NULL;
  ferry__conn_set_owner(c, &h2_conn_hooks, s);
  return &s->base;
}

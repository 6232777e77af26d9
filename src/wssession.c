/* The WebSocket session: see wssession.h.
 *
 * Every entry (a socket event, resume, pause) runs advance(): write what
 * waits, hand over a chunk held by a pause, decode what was kept, read,
 * fill the queue from an upload, write again, then watch the socket for
 * what is left to do. Whatever ends the stream calls its done hook, after
 * which the session may be gone: those paths return ENDED at once and
 * touch nothing more. */
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include "alloc.h"
#include "conn.h"
#include "wsep.h"
#include "wssession.h"

/* The chunks handed to the owner (its write callback's size). */
#define CHUNK_MAX FERRY_MAX_WRITE_SIZE
#define UPLOAD_CHUNK 16384

enum { GOING = 0, ENDED = 1 };

typedef struct ws_session {
  ferry__session base;
  ferry__stream *st;
  const ferry__ws_session_hooks *hooks;
  void *ud;
  ferry__wsep ep;
  ferry__buf in;             /* received, not decoded yet: kept while the
                                owner pauses */
  size_t in_off;
  ferry__buf held;           /* the chunk the owner paused on */
  struct ferry_ws_frame held_meta;
  ferry_code failure;        /* a write failed where the stream could not
                                be ended (an application's send) */
  char failure_text[FERRY_ERROR_SIZE];
  unsigned holding : 1;
  unsigned raw : 1;
  unsigned upload : 1;       /* read_body gives frames to send */
  unsigned upload_done : 1;
  unsigned eof : 1;
  unsigned closed_told : 1;
  unsigned tls_pending : 1;  /* TLS holds written records not yet out */
  unsigned send_throttled : 1;
  unsigned first_read : 1;   /* nothing read yet: see ferry__ws_session_start */
} ws_session;

static const ferry__session_ops ws_ops;

int ferry__session_is_ws(const ferry__session *s) {
  return s != NULL && s->ops == &ws_ops;
}

/* ---- ending ------------------------------------------------------------ */

/* The stream ends: s may be gone when this returns. */
static int end(ws_session *s, ferry_code code) {
  ferry__stream *st = s->st;
  st->hooks->done(st->ud, code, 0);
  return ENDED;
}

static int end_with(ws_session *s, ferry_code code, const char *fmt,
                    const char *arg) {
  ferry__stream *st = s->st;
  if (st->errbuf != NULL && st->errbuf[0] == '\0' && st->errlen > 0)
    snprintf(st->errbuf, st->errlen, fmt, arg);
  return end(s, code);
}

/* ---- writing ----------------------------------------------------------- */

/* Write what the endpoint queued, as far as the socket takes it. 0, or -1
 * with s->failure set (the caller ends the stream, or has it ended at the
 * next event). */
static int write_out(ws_session *s) {
  ferry__conn *c = s->base.conn;
  ferry__stream *st = s->st;

  s->send_throttled = 0;
  for (;;) {
    const char *p;
    size_t n = ferry__wsep_pending(&s->ep, &p), allowed;
    struct iovec iov;
    char why[FERRY_ERROR_SIZE] = "";
    ferry__ioerr err = {FERRYE_OK, 0, why, sizeof(why)};
    ssize_t k;

    if (n == 0)
      break;
    allowed = st->hooks->allowance(st->ud, 1, n);
    if (allowed == 0) {
      /* MAX_SEND_SPEED: the owner resumes the stream */
      s->send_throttled = 1;
      return 0;
    }
    iov.iov_base = (void *)(uintptr_t)p;
    iov.iov_len = allowed;
    k = ferry__conn_send(c, &iov, 1, &err);
    if (k == FERRY__IO_AGAIN)
      break;
    if (k == FERRY__IO_ERROR) {
      s->failure = err.code == FERRYE_OUT_OF_MEMORY ? FERRYE_OUT_OF_MEMORY
                                                    : FERRYE_SEND_ERROR;
      snprintf(s->failure_text, sizeof(s->failure_text), "%s",
               why[0] ? why : "WebSocket: send failure");
      st->os_errno = err.os_errno;
      return -1;
    }
    st->hooks->sent(st->ud, FERRYINFO_DATA_OUT, p, (size_t)k, 0);
    ferry__wsep_wrote(&s->ep, (size_t)k);
  }
  {
    int f = ferry__conn_flush(c);
    s->tls_pending = f == 1;
    if (f != 0 && f != 1) {
      s->failure = FERRYE_SEND_ERROR;
      snprintf(s->failure_text, sizeof(s->failure_text), "Send failure: %s",
               strerror(f));
      st->os_errno = f;
      return -1;
    }
  }
  return 0;
}

static void update_watch(ws_session *s) {
  const char *p;
  int want = 0;

  if (s->failure != FERRYE_OK) {
    /* the next event ends the stream */
    ferry__conn_watch(s->base.conn, FERRY_POLL_INOUT);
    return;
  }
  if (!s->st->paused_recv && !s->holding && !s->eof)
    want |= FERRY_POLL_IN;
  if ((ferry__wsep_pending(&s->ep, &p) > 0 || s->tls_pending) &&
      !s->send_throttled)
    want |= FERRY_POLL_OUT;
  ferry__conn_watch(s->base.conn, want ? want : FERRY_POLL_NONE);
}

/* ---- receiving --------------------------------------------------------- */

/* The server broke the protocol: say so with a close frame (best effort)
 * and end the stream. */
static int protocol_fail(ws_session *s, int code) {
  ferry__stream *st = s->st;
  int status = ferry__ws_close_status(code);

  ferry__wsep_fail(&s->ep, code);
  if (ferry__wsep_pump(&s->ep) == 0)
    write_out(s);
  if (st->errbuf != NULL && st->errbuf[0] == '\0' && st->errlen > 0) {
    if (status != 0)
      snprintf(st->errbuf, st->errlen, "WebSocket: %s (closed with %d)",
               s->ep.dec.errmsg, status);
    else
      snprintf(st->errbuf, st->errlen, "WebSocket: %s", s->ep.dec.errmsg);
  }
  return end(s, code == FERRY__WS_ERR_FRAME_TOO_BIG ||
                        code == FERRY__WS_ERR_MESSAGE_TOO_BIG
                    ? FERRYE_TOO_LARGE
                    : FERRYE_RECV_ERROR);
}

/* Keep in[from..n) for later (receiving paused): in s->in, whose own
 * bytes these may be. 0, or ENDED. */
static int keep_rest(ws_session *s, const char *in, size_t from, size_t n) {
  if (in == s->in.data + s->in_off) {
    s->in_off += from;
    return GOING;
  }
  if (from < n && ferry__buf_add(&s->in, in + from, n - from) != 0)
    return end_with(s, FERRYE_OUT_OF_MEMORY, "%s",
                    "out of memory for received WebSocket data");
  return GOING;
}

/* Give the owner n bytes: a chunk (meta) or, raw, the bytes. GOING with
 * *paused when the owner paused (the chunk is held), or ENDED. */
static int give(ws_session *s, const struct ferry_ws_frame *meta,
                const char *p, size_t n, int *paused) {
  ferry__stream *st = s->st;
  ferry_code rc;

  *paused = 0;
  if (s->raw) {
    rc = st->hooks->body(st->ud, p, n);
    if (rc != FERRYE_OK)
      return end(s, rc);
    *paused = st->paused_recv;
    return GOING;
  }
  rc = s->hooks->chunk(s->ud, meta, p, n);
  if (rc == FERRYE_AGAIN) {
    ferry__buf_reset(&s->held);
    if (n > 0 && ferry__buf_add(&s->held, p, n) != 0)
      return end_with(s, FERRYE_OUT_OF_MEMORY, "%s",
                      "out of memory for a paused WebSocket chunk");
    s->held_meta = *meta;
    s->holding = 1;
    *paused = 1;
    return GOING;
  }
  if (rc != FERRYE_OK)
    return end(s, rc);
  /* the application may have paused from inside, having taken the chunk */
  *paused = st->paused_recv;
  return GOING;
}

/* Decode n received bytes at in and hand their chunks over. What a pause
 * leaves is kept in s->in. GOING or ENDED. */
static int process(ws_session *s, const char *in, size_t n) {
  size_t pos = 0;
  int paused = 0;

  if (s->raw) {
    if (n > 0 && give(s, NULL, in, n, &paused) == ENDED)
      return ENDED;
    if (in == s->in.data + s->in_off)
      s->in_off += n;
    return GOING;
  }
  for (;;) {
    const char *d;
    size_t used = 0, k = 0;
    int r;

    if (s->st->paused_recv || s->holding)
      return keep_rest(s, in, pos, n);
    r = ferry__wsep_recv(&s->ep, in + pos, n - pos, CHUNK_MAX, &used, &d, &k);
    pos += used;
    if (r < 0)
      return protocol_fail(s, r);
    if (r == 0)
      break;
    if (give(s, &s->ep.meta, d, k, &paused) == ENDED)
      return ENDED;
    if (s->failure != FERRYE_OK)
      return end_with(s, s->failure, "%s", s->failure_text);
  }
  if (in == s->in.data + s->in_off)
    s->in_off += pos;
  return GOING;
}

/* Go on with what a pause left: the held chunk, then the kept bytes. */
static int process_kept(ws_session *s) {
  int paused = 0;

  if (s->holding && !s->st->paused_recv) {
    s->holding = 0;
    if (give(s, &s->held_meta, s->held.data, s->held.len, &paused) == ENDED)
      return ENDED;
    if (!s->holding)
      ferry__buf_free(&s->held);
  }
  if (s->in.len > s->in_off && !s->st->paused_recv && !s->holding) {
    if (process(s, s->in.data + s->in_off, s->in.len - s->in_off) == ENDED)
      return ENDED;
  }
  if (s->in_off == s->in.len && s->in.data != NULL) {
    ferry__buf_free(&s->in);
    s->in_off = 0;
  }
  return GOING;
}

/* The server closed the connection. */
static int at_eof(ws_session *s, int clean) {
  int r;

  s->eof = 1;
  if (s->raw)
    return end(s, FERRYE_OK);
  r = ferry__wsep_eof(&s->ep);
  if (r == 0)
    return end(s, FERRYE_OK); /* after its close frame */
  if (r == FERRY__WS_ERR_EOF_BEFORE_CLOSE) {
    if (!clean)
      return end_with(s, FERRYE_RECV_ERROR, "%s",
                      "WebSocket: TLS connection closed without "
                      "close_notify or a close frame");
    /* between messages, as libcurl: the application has all there was */
    return end(s, FERRYE_OK);
  }
  return end_with(s, FERRYE_RECV_ERROR, "WebSocket: %s", s->ep.dec.errmsg);
}

/* Read what has arrived and hand it over. GOING or ENDED. */
static int read_in(ws_session *s, int cselect) {
  ferry__conn *c = s->base.conn;
  ferry__stream *st = s->st;
  char *rbuf = ferry__pool_rbuf(c->pool);
  int rounds = 0, drain = (cselect & FERRY_CSELECT_ERR) != 0;
  int tls = ferry__conn_tls(c) != NULL;

  if (rbuf == NULL)
    return end_with(s, FERRYE_OUT_OF_MEMORY, "%s",
                    "out of memory for the read buffer");
  while (rounds++ < 4 || drain || tls) {
    int clean = 1;
    char why[FERRY_ERROR_SIZE] = "";
    ferry__ioerr err = {FERRYE_OK, 0, why, sizeof(why)};
    size_t cap;
    ssize_t n;

    if (st->paused_recv || s->holding || s->eof)
      return GOING;
    cap = st->hooks->allowance(st->ud, 0, FERRY__RBUF_SIZE);
    if (cap == 0)
      return GOING; /* throttled: the owner resumes the stream */
    n = ferry__conn_recv(c, rbuf, cap, &clean, &err);
    if (n == FERRY__IO_AGAIN)
      return GOING;
    if (n == FERRY__IO_ERROR) {
      st->os_errno = err.os_errno;
      if (s->ep.close_received)
        return end(s, FERRYE_OK); /* a reset after the close frame */
      return end_with(s, err.code == FERRYE_OUT_OF_MEMORY
                             ? FERRYE_OUT_OF_MEMORY
                             : FERRYE_RECV_ERROR,
                      "%s", why[0] ? why : "WebSocket: receive failure");
    }
    if (n == 0)
      return at_eof(s, clean);
    st->hooks->received(st->ud, (size_t)n);
    if (process(s, rbuf, (size_t)n) == ENDED)
      return ENDED;
    if ((size_t)n < cap && !drain && !tls)
      break;
  }
  return GOING;
}

/* ---- the application's frames through read_body ------------------------ */

/* Fill the queue from the stream's read_body while it has room. GOING or
 * ENDED. */
static int upload_more(ws_session *s) {
  ferry__stream *st = s->st;
  char tmp[UPLOAD_CHUNK];

  while (s->upload && !s->upload_done && !st->paused_send) {
    const char *p;
    size_t cap = sizeof(tmp), taken;
    uint64_t left = ferry__wsep_frame_left(&s->ep);
    unsigned before = s->ep.frames_started;
    int eof = 0, started;
    ssize_t n;
    ferry_code rc = FERRYE_OK;

    if (ferry__wsep_pending(&s->ep, &p) >= FERRY__WS_SEND_ROOM)
      return GOING; /* written first */
    if (left > 0 && left < cap)
      cap = (size_t)left;
    n = st->hooks->read_body(st->ud, tmp, cap, &eof);
    if (n == FERRY__BODY_FAIL)
      return ENDED; /* the owner ended the transfer */
    if (n == FERRY__BODY_WAIT) {
      st->paused_send = 1;
      return GOING;
    }
    started = s->ep.frames_started != before;
    if (n == 0) {
      /* the end, unless the callback started a frame (one without
       * payload, say): libcurl then asks again */
      if (!started)
        s->upload_done = 1;
      continue;
    }
    if (s->raw) {
      rc = ferry__wsep_send_raw(&s->ep, tmp, (size_t)n, SIZE_MAX, &taken);
    } else if (ferry__wsep_frame_left(&s->ep) > 0) {
      if ((uint64_t)n > ferry__wsep_frame_left(&s->ep))
        return end_with(s, FERRYE_READ_ERROR, "%s",
                        "WebSocket: the read callback gave more than the "
                        "frame it started has left");
      rc = ferry__wsep_payload(&s->ep, tmp, (size_t)n);
    } else {
      /* as libcurl: what the callback gives is a BINARY frame of its own */
      char why[FERRY_ERROR_SIZE];
      rc = ferry__wsep_send(&s->ep, tmp, (size_t)n, 0, FERRYWS_BINARY,
                            SIZE_MAX, &taken, why, sizeof(why));
    }
    ferry__wsep_report(&s->ep, 0);
    if (rc != FERRYE_OK)
      return end_with(s, rc, "%s", "WebSocket: cannot queue the upload");
  }
  return GOING;
}

/* ---- one round of work ------------------------------------------------- */

static int advance(ws_session *s, int cselect) {
  ferry__conn *c = s->base.conn;

  if (s->failure != FERRYE_OK)
    return end_with(s, s->failure, "%s", s->failure_text);
  if (write_out(s) != 0)
    return end_with(s, s->failure, "%s", s->failure_text);
  if (process_kept(s) == ENDED)
    return ENDED;
  if (s->first_read && !s->st->paused_recv && !s->holding) {
    /* The HTTP/1.1 session may have taken a socket error's event and
     * stopped at the 101 before the error (libuv stops watching a socket
     * that reported one): read until the socket says AGAIN, once. */
    s->first_read = 0;
    cselect |= FERRY_CSELECT_IN | FERRY_CSELECT_ERR;
  }
  if (!s->eof && ((cselect & (FERRY_CSELECT_IN | FERRY_CSELECT_ERR)) ||
                  ferry__conn_buffered(c))) {
    if (read_in(s, cselect) == ENDED)
      return ENDED;
  }
  for (int i = 0; i < 64; i++) {
    const char *p;
    if (ferry__wsep_pump(&s->ep) != 0)
      return end_with(s, FERRYE_OUT_OF_MEMORY, "%s", "out of memory");
    if (write_out(s) != 0)
      return end_with(s, s->failure, "%s", s->failure_text);
    if (ferry__wsep_pending(&s->ep, &p) > 0 || s->send_throttled ||
        !s->upload || s->upload_done || s->st->paused_send)
      break;
    if (upload_more(s) == ENDED)
      return ENDED;
    if (ferry__wsep_pending(&s->ep, &p) == 0)
      break;
  }
  if (ferry__wsep_closed(&s->ep) && !s->closed_told) {
    s->closed_told = 1;
    s->hooks->closed(s->ud);
  }
  update_watch(s);
  return GOING;
}

static void ws_event(void *ud, int cselect) {
  ws_session *s = ud;
  ferry__stream *st = s->st;

  if (st == NULL)
    return;
  if (advance(s, cselect) == ENDED)
    return;
  st->hooks->after_io(st->ud);
}

static const ferry__conn_hooks ws_conn_hooks = {ws_event, NULL, NULL, NULL,
                                                NULL,     NULL, NULL};

/* ---- the session's operations ----------------------------------------- */

static ferry_code ws_open(ferry__session *base, ferry__stream *st) {
  (void)base;
  (void)st;
  return FERRYE_FAILED_INIT; /* it carries the stream that made it only */
}

static void ws_resume(ferry__session *base, ferry__stream *st,
                      int expect_timeout) {
  ws_session *s = (ws_session *)base;
  (void)expect_timeout;
  if (s->st == NULL || s->st != st)
    return;
  advance(s, 0);
}

static void ws_pause(ferry__session *base, ferry__stream *st, int send,
                     int paused) {
  ws_session *s = (ws_session *)base;
  if (send)
    st->paused_send = (unsigned)(paused != 0);
  else
    st->paused_recv = (unsigned)(paused != 0);
  if (s->st == st)
    update_watch(s);
}

static void ws_close(ferry__session *base, ferry__stream *st, int how) {
  ws_session *s = (ws_session *)base;
  ferry__conn *c = base->conn;
  (void)how;
  if (s->st != st)
    return;
  s->st = NULL;
  st->session = NULL;
  c->easy = NULL;
  /* never reused: the connection goes, and the session with it */
  ferry__conn_destroy(c);
}

static void ws_destroy(ferry__session *base) {
  ws_session *s = (ws_session *)base;
  ferry__wsep_free(&s->ep);
  ferry__buf_free(&s->in);
  ferry__buf_free(&s->held);
  ferry__free(s);
}

static int ws_usable(ferry__session *base) {
  (void)base;
  return 0;
}

/* no upkeep: a WebSocket is never idle in the pool, and the application
 * pings as it likes */
static const ferry__session_ops ws_ops = {"websocket", ws_open,    ws_resume,
                                          ws_pause,    ws_close,   ws_destroy,
                                          ws_usable,   NULL};

static void session_free(ferry__session *s) { s->ops->destroy(s); }

ferry_code ferry__ws_session_start(ferry__conn *c, ferry__stream *st,
                                   const ferry__ws_session_hooks *hooks,
                                   void *ud,
                                   const ferry__ws_session_config *cfg,
                                   ferry__buf *rest) {
  ws_session *s = ferry__calloc(1, sizeof(*s));

  if (s == NULL) {
    ferry__buf_free(rest);
    return FERRYE_OUT_OF_MEMORY;
  }
  s->base.ops = &ws_ops;
  s->base.conn = c;
  s->st = st;
  s->hooks = hooks;
  s->ud = ud;
  s->raw = cfg->raw != 0;
  s->upload = cfg->upload != 0;
  ferry__wsep_init(&s->ep, cfg->autopong && !cfg->raw, 0);
  s->in = *rest; /* what came after the 101 is read first */
  ferry__buf_init(rest, 0);
  s->in.max = FERRY__RBUF_SIZE;
  ferry__buf_init(&s->held, CHUNK_MAX);
  c->session = &s->base;
  c->session_free = session_free;
  c->no_reuse = 1;
  c->max_streams = 0;
  st->session = &s->base;
  st->paused_send = 0;
  s->first_read = 1;
  ferry__conn_set_owner(c, &ws_conn_hooks, s);
  update_watch(s);
  return FERRYE_OK;
}

ferry_code ferry__ws_session_send(ferry__session *base, const void *buf,
                                  size_t len, int64_t fragsize,
                                  unsigned flags, int in_callback,
                                  size_t *sent, char *errbuf, size_t errlen) {
  ws_session *s = (ws_session *)base;
  size_t room = in_callback ? FERRY__WSEP_OUT_MAX : FERRY__WS_SEND_ROOM;
  size_t taken = 0;
  ferry_code rc;

  *sent = 0;
  if (errlen > 0)
    errbuf[0] = '\0';
  if (s->failure != FERRYE_OK || s->st == NULL) {
    if (errlen > 0)
      snprintf(errbuf, errlen, "%s",
               s->failure_text[0] ? s->failure_text
                                  : "WebSocket: the connection failed");
    return FERRYE_SEND_ERROR;
  }
  if (s->raw) {
    if (flags != 0 || fragsize != 0) {
      if (errlen > 0)
        snprintf(errbuf, errlen,
                 "WebSocket: flags and fragsize must be 0 in RAW_MODE");
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    }
    rc = ferry__wsep_send_raw(&s->ep, buf, len, room, &taken);
  } else {
    rc = ferry__wsep_send(&s->ep, buf, len, fragsize, flags, room, &taken,
                          errbuf, errlen);
  }
  *sent = ferry__wsep_report(&s->ep, 0);
  if (rc != FERRYE_OK && rc != FERRYE_AGAIN)
    return rc;
  if (write_out(s) != 0) {
    if (errlen > 0)
      snprintf(errbuf, errlen, "%s", s->failure_text);
    update_watch(s);
    return s->failure;
  }
  update_watch(s);
  if (*sent == 0 && len > 0)
    return FERRYE_AGAIN;
  return rc == FERRYE_AGAIN && len == 0 ? FERRYE_AGAIN : FERRYE_OK;
}

ferry_code ferry__ws_session_start_frame(ferry__session *base, unsigned flags,
                                         int64_t frame_len, char *errbuf,
                                         size_t errlen) {
  ws_session *s = (ws_session *)base;
  ferry_code rc;

  if (s->failure != FERRYE_OK || s->st == NULL) {
    if (errlen > 0)
      snprintf(errbuf, errlen, "WebSocket: the connection failed");
    return FERRYE_SEND_ERROR;
  }
  rc = ferry__wsep_start_frame(&s->ep, flags, frame_len, errbuf, errlen);
  if (rc == FERRYE_OK)
    update_watch(s);
  return rc;
}

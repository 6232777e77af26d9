/* The HTTP/1.1 session: one exchange at a time on a connection.
 *
 * It sends a stream's request (the head, then the body: in memory, or
 * read through the owner with chunked framing when its size is unknown),
 * waits for 100 Continue where the head asks for it, parses the response
 * with the HTTP/1 codec (h1.c) and hands it to the owner, and decides
 * whether the connection can carry the next request. A request that meets
 * a reused connection the server had closed is reported as retryable. */
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include "alloc.h"
#include "conn.h"
#include "h1.h"
#include "session.h"

#define UPLOAD_CHUNK 16384

typedef struct h1_session {
  ferry__session base;
  ferry__stream *st;        /* the exchange on it, or NULL */
  ferry__h1_parser parser;
  ferry__buf upbuf;         /* body bytes read, framed, not sent yet */
  ferry__buf rest;          /* bytes read past a 101 that switched
                               protocols: the new protocol's */
  unsigned parser_live : 1;
  unsigned expect_wait : 1; /* head sent, body held until 100 or timeout */
  unsigned expect_go : 1;   /* 100 Continue came: send the body next */
  unsigned no_reuse : 1;    /* it cannot carry another request */
  /* major * 10 + minor of the last status line on the connection (0:
   * none yet), for the parser (see ferry__h1_parser.conn_version) */
  unsigned char last_version;
  /* what an upgrade to h2c makes */
  unsigned h2_max_streams;
  int h2_push;
} h1_session;

static const ferry__h1_callbacks h1_callbacks;

/* ---- the stream's owner, through the parser ------------------------- */

static ferry_code on_header_line(void *ud, const char *line, size_t len) {
  ferry__stream *st = ((h1_session *)ud)->st;
  return st->hooks->header_line(st->ud, line, len);
}

/* FERRY_HTTP_VERSION_* of a status line's version (1.0 or 1.1). */
static long version_of(int major, int minor) {
  return (major == 1 && minor == 0) ? FERRY_HTTP_VERSION_1_0
                                    : FERRY_HTTP_VERSION_1_1;
}

static ferry_code on_status(void *ud, int status, int major, int minor) {
  ferry__stream *st = ((h1_session *)ud)->st;
  st->hooks->status(st->ud, status, version_of(major, minor));
  return FERRYE_OK;
}

static ferry_code on_headers_end(void *ud, int status, int64_t length) {
  h1_session *s = ud;
  ferry__stream *st = s->st;
  ferry_code rc = st->hooks->headers_end(st->ud, status, length);
  if (rc != FERRYE_OK)
    ferry__h1_fail(&s->parser, rc, st->errbuf);
  return rc;
}

static int on_headers_done(void *ud, int status, int major, int minor,
                           int interim) {
  h1_session *s = ud;
  ferry__stream *st = s->st;
  long version = version_of(major, minor);
  int rc;

  if (interim && status == 100 && s->expect_wait) {
    /* go on with the body once this read is handled */
    s->expect_wait = 0;
    st->expect_100 = 0;
    s->expect_go = 1;
  } else if (!interim && s->expect_wait) {
    /* a final answer before the body went: the body is never sent, and
     * the connection cannot carry another request */
    s->expect_wait = 0;
    s->no_reuse = 1;
  }
  rc = st->hooks->headers_done(st->ud, status, version, interim,
                               interim ? -1 : ferry__h1_content_length(&s->parser));
  if (rc < 0) {
    ferry__h1_fail(&s->parser, (ferry_code)-rc, st->errbuf);
    return -1;
  }
  if (interim)
    return FERRY__H1_BODY;
  if (st->head_sent == st->head.len) {
    /* the head went whole and an answer came: nothing sends it again (a
     * retry is only made before any answer), so a transfer held open
     * does not keep it */
    ferry__buf_free(&st->head);
    st->head_sent = 0;
  }
  if (rc == FERRY__STREAM_NOBODY && !st->is_head) {
    /* the rest is never read, so the connection cannot carry another
     * request */
    s->no_reuse = 1;
    return FERRY__H1_NOBODY;
  }
  return rc == FERRY__STREAM_NOBODY ? FERRY__H1_NOBODY : FERRY__H1_BODY;
}

static int on_body(void *ud, const char *p, size_t n) {
  ferry__stream *st = ((h1_session *)ud)->st;
  ferry_code rc = st->hooks->body(st->ud, p, n);
  if (rc != FERRYE_OK) {
    ferry__h1_fail(&((h1_session *)ud)->parser, rc, st->errbuf);
    return -1;
  }
  return 0;
}

/* A trailer line of a chunked body goes to the owner's trailer_line. */
static ferry_code on_trailer(void *ud, const char *line, size_t len) {
  ferry__stream *st = ((h1_session *)ud)->st;
  ferry_code rc;

  if (st->hooks->trailer_line == NULL)
    return FERRYE_OK;
  rc = st->hooks->trailer_line(st->ud, line, len);
  if (rc != FERRYE_OK)
    ferry__h1_fail(&((h1_session *)ud)->parser, rc, st->errbuf);
  return rc;
}

static void on_body_raw(void *ud, const char *p, size_t n) {
  ferry__stream *st = ((h1_session *)ud)->st;
  st->hooks->body_raw(st->ud, p, n);
}

static const ferry__h1_callbacks h1_callbacks = {
    on_header_line, on_headers_done, on_body,     on_status,
    on_headers_end, on_trailer,      on_body_raw,
};

/* ---- ending a stream --------------------------------------------------- */

/* The stream ends here: the owner hears it, and s may be gone when this
 * returns (the owner may close the stream, and the connection with it). */
static void finish(h1_session *s, ferry_code result, int retry) {
  ferry__stream *st = s->st;
  st->hooks->done(st->ud, result, retry);
}

/* Fail with text, unless the owner's text is set already. */
static void fail(h1_session *s, ferry_code code, const char *why) {
  ferry__stream *st = s->st;
  if (st->errbuf != NULL && st->errbuf[0] == '\0' && why != NULL)
    snprintf(st->errbuf, st->errlen, "%s", why);
  finish(s, code, 0);
}

/* The connection died under the request (a send or receive failed, or it
 * closed): retryable on a new connection when it was reused and no byte
 * of an answer came. */
static void died(h1_session *s, ferry_code code, int os_errno, const char *why) {
  ferry__stream *st = s->st;
  st->os_errno = os_errno;
  if (st->errbuf != NULL && st->errbuf[0] == '\0' && why != NULL)
    snprintf(st->errbuf, st->errlen, "%s", why);
  finish(s, code, s->base.reused && !s->parser.any_bytes);
}

static void parser_failed(h1_session *s, ferry_code rc) {
  ferry__stream *st = s->st;
  if (st->errbuf != NULL && st->errbuf[0] == '\0' && s->parser.errmsg != NULL &&
      s->parser.errmsg != st->errbuf)
    snprintf(st->errbuf, st->errlen, "%s%s", s->parser.errprefix,
             s->parser.errmsg);
  finish(s, rc, 0);
}

/* ---- sending ----------------------------------------------------------- */

/* Fill upbuf with the next piece of a body the owner reads, framed as a
 * chunk when its size is unknown. 0, or 1 when the stream waits or ended
 * (then s may be gone). */
static int fill_upload(h1_session *s) {
  ferry__stream *st = s->st;
  char tmp[UPLOAD_CHUNK];
  int chunked = st->body_len == -2, eof = 0;
  ssize_t n = st->hooks->read_body(st->ud, tmp, sizeof(tmp), &eof);

  if (n == FERRY__BODY_FAIL)
    return 1;
  if (n == FERRY__BODY_WAIT) {
    /* watch nothing while paused: no event can spin the loop */
    st->paused_send = 1;
    ferry__conn_watch(s->base.conn, FERRY_POLL_NONE);
    return 1;
  }
  if (n == 0) {
    st->eof = 1;
    if (chunked) {
      /* the last chunk, with the trailers */
      ferry_code rc = FERRYE_OK;
      if (ferry__buf_adds(&s->upbuf, "0\r\n") ||
          (rc = st->hooks->trailers(st->ud, &s->upbuf)) != FERRYE_OK ||
          ferry__buf_adds(&s->upbuf, "\r\n")) {
        fail(s, rc != FERRYE_OK ? rc : FERRYE_OUT_OF_MEMORY, "out of memory");
        return 1;
      }
    }
    return 0;
  }
  if (chunked) {
    if (ferry__buf_printf(&s->upbuf, "%zx\r\n", (size_t)n) ||
        ferry__buf_add(&s->upbuf, tmp, (size_t)n) ||
        ferry__buf_adds(&s->upbuf, "\r\n")) {
      fail(s, FERRYE_OUT_OF_MEMORY, "out of memory");
      return 1;
    }
  } else if (ferry__buf_add(&s->upbuf, tmp, (size_t)n)) {
    fail(s, FERRYE_OUT_OF_MEMORY, "out of memory");
    return 1;
  }
  return 0;
}

static int upload_complete(const h1_session *s) {
  const ferry__stream *st = s->st;
  if (st->pull) {
    if (s->upbuf.len)
      return 0;
    if (st->body_len == -2)
      return st->eof;
    return st->body_sent >= st->body_len;
  }
  return st->body == NULL || st->body_sent >= st->body_len;
}

/* Shorten iov to what MAX_SEND_SPEED allows now; 0 when throttled. */
static size_t send_allowance(h1_session *s, struct iovec *iov, int *n_iov) {
  ferry__stream *st = s->st;
  size_t total = 0, allowed;
  for (int i = 0; i < *n_iov; i++)
    total += iov[i].iov_len;
  allowed = st->hooks->allowance(st->ud, 1, total);
  if (allowed == 0 || allowed == total)
    return allowed;
  if (allowed <= iov[0].iov_len) {
    iov[0].iov_len = allowed;
    *n_iov = 1;
  } else {
    iov[1].iov_len = allowed - iov[0].iov_len;
  }
  return allowed;
}

/* The whole request is out: wait for the answer. */
static void begin_receive(h1_session *s) {
  ferry__stream *st = s->st;
  st->sent_all = 1;
  ferry__conn_watch(s->base.conn, FERRY_POLL_IN);
  st->hooks->request_sent(st->ud);
}

/* Write what can be written. s may be gone when this returns. */
static void send_more(h1_session *s) {
  ferry__stream *st = s->st;
  ferry__conn *c = s->base.conn;

  for (;;) {
    struct iovec iov[2];
    int n_iov = 0;
    ssize_t n;
    size_t head_left = st->head.len - st->head_sent, h;

    if (head_left) {
      iov[n_iov].iov_base = st->head.data + st->head_sent;
      iov[n_iov++].iov_len = head_left;
    } else if (st->expect_100) {
      /* the head is out: wait for 100 Continue (or a final answer, or the
       * owner's timeout) before the body */
      if (!s->expect_wait) {
        s->expect_wait = 1;
        ferry__conn_watch(c, FERRY_POLL_IN);
        st->hooks->expect_wait(st->ud);
      }
      return;
    }
    if (st->body && st->body_sent < st->body_len && !st->expect_100) {
      iov[n_iov].iov_base = (char *)st->body + st->body_sent;
      iov[n_iov++].iov_len = (size_t)(st->body_len - st->body_sent);
    } else if (st->pull && head_left == 0) {
      if (s->upbuf.len == 0 && !st->eof && fill_upload(s))
        return;
      if (s->upbuf.len) {
        iov[n_iov].iov_base = s->upbuf.data;
        iov[n_iov++].iov_len = s->upbuf.len;
      }
    }
    if (n_iov == 0) {
      if (upload_complete(s)) {
        /* for TLS, the last records must be on the wire first */
        int f = ferry__conn_flush(c);
        if (f == 1) {
          ferry__conn_watch(c, FERRY_POLL_OUT);
          return;
        }
        if (f != 0) {
          char why[FERRY_ERROR_SIZE];
          snprintf(why, sizeof(why), "Send failure: %s", strerror(f));
          st->os_errno = f;
          fail(s, FERRYE_SEND_ERROR, why);
          return;
        }
        begin_receive(s);
        return;
      }
      continue;
    }
    if (send_allowance(s, iov, &n_iov) == 0) {
      /* throttled: the owner resumes the stream */
      ferry__conn_watch(c, FERRY_POLL_NONE);
      return;
    }
    {
      char why[FERRY_ERROR_SIZE];
      ferry__ioerr err = {FERRYE_OK, 0, why, sizeof(why)};
      n = ferry__conn_send(c, iov, n_iov, &err);
      if (n == FERRY__IO_AGAIN) {
        ferry__conn_watch(c, FERRY_POLL_OUT);
        return;
      }
      if (n == FERRY__IO_ERROR) {
        died(s, err.code, err.os_errno, why);
        return;
      }
    }
    h = (size_t)n < head_left ? (size_t)n : head_left;
    if (h)
      st->hooks->sent(st->ud, FERRYINFO_HEADER_OUT, st->head.data + st->head_sent,
                      h, 0);
    if ((size_t)n > h) {
      size_t b = (size_t)n - h;
      /* every body byte counts as uploaded, chunk framing too, as in
       * libcurl */
      st->hooks->sent(st->ud, FERRYINFO_DATA_OUT, iov[n_iov - 1].iov_base, b,
                      b);
    }
    st->head_sent += h;
    if ((size_t)n <= head_left)
      continue;
    n -= (ssize_t)head_left;
    if (st->body && st->body_sent < st->body_len) {
      st->body_sent += n;
    } else {
      ferry__buf_consume(&s->upbuf, (size_t)n);
      if (st->body_len >= 0)
        st->body_sent += n;
    }
  }
}

/* ---- receiving --------------------------------------------------------- */

static void switch_to_h2(h1_session *s, const char *rest, size_t n);

/* The response is complete. s may be gone when this returns. */
static void response_complete(h1_session *s, int leftover) {
  ferry__stream *st = s->st;
  s->last_version = s->parser.conn_version;
  /* TLS records after the response (a renegotiation request, an alert)
   * wait inside the TLS layer: extra bytes too */
  if (leftover || ferry__conn_buffered(s->base.conn))
    s->no_reuse = 1; /* extra bytes after the response: not reusable */
  st->complete = 1;
  finish(s, FERRYE_OK, 0);
}

/* Read and parse what has arrived. A short read normally means the socket
 * is drained, and the next readiness brings the rest. With
 * FERRY_CSELECT_ERR it may not: libuv (and libcurl-style glue on it) stops
 * watching a socket that reported an error, and a reset's error comes only
 * after the bytes before it are read. So then read on until the error.
 * s may be gone when this returns. */
static void recv_data(h1_session *s, int cselect) {
  ferry__stream *st = s->st;
  ferry__conn *c = s->base.conn;
  int rounds = 0, drain = (cselect & FERRY_CSELECT_ERR) != 0;
  char *rbuf = ferry__pool_rbuf(c->pool);
  int tls = ferry__conn_tls(c) != NULL;

  if (rbuf == NULL) {
    fail(s, FERRYE_OUT_OF_MEMORY, "out of memory for the read buffer");
    return;
  }
  /* TLS hands out one record at a time and keeps the rest inside: read on
   * until it says AGAIN, or those bytes would wait for a socket event that
   * never comes. */
  while (rounds++ < 4 || drain || tls) {
    int clean = 1;
    char why[FERRY_ERROR_SIZE];
    ferry__ioerr err = {FERRYE_OK, 0, why, sizeof(why)};
    size_t cap = st->hooks->allowance(st->ud, 0, FERRY__RBUF_SIZE);
    ssize_t n;
    size_t used = 0;
    ferry_code rc;

    if (cap == 0) {
      /* throttled: the owner resumes the stream */
      ferry__conn_watch(c, FERRY_POLL_NONE);
      return;
    }
    n = ferry__conn_recv(c, rbuf, cap, &clean, &err);
    if (n == FERRY__IO_AGAIN)
      return;
    if (n == FERRY__IO_ERROR) {
      died(s, err.code, err.os_errno, why);
      return;
    }
    if (n == 0) {
      rc = ferry__h1_eof(&s->parser);
      if (rc != FERRYE_OK) {
        if (s->base.reused && !s->parser.any_bytes) {
          /* a pooled connection the server had closed */
          died(s, rc, 0, NULL);
          return;
        }
        parser_failed(s, rc);
        return;
      }
      if (!clean) {
        /* A body that only EOF ends must end with close_notify, or an
         * attacker could cut it short unseen. */
        fail(s, FERRYE_RECV_ERROR,
             "TLS connection closed without close_notify: the body may be "
             "truncated");
        return;
      }
      s->no_reuse = 1; /* the server closed it */
      response_complete(s, 0);
      return;
    }
    st->hooks->received(st->ud, (size_t)n);
    c->pool->rbuf_in_use++;
    rc = ferry__h1_feed(&s->parser, rbuf, (size_t)n, &used);
    c->pool->rbuf_in_use--;
    if (rc != FERRYE_OK) {
      parser_failed(s, rc);
      return;
    }
    if (s->parser.upgraded) {
      if (st->upgrade) {
        /* switched to WebSocket: what came after the 101 is kept for
         * whoever takes the connection (ferry__h1_session_upgrade) */
        s->no_reuse = 1;
        if (used < (size_t)n &&
            ferry__buf_add(&s->rest, rbuf + used, (size_t)n - used) != 0) {
          fail(s, FERRYE_OUT_OF_MEMORY, "out of memory");
          return;
        }
        st->complete = 1;
        finish(s, FERRYE_OK, 0);
        return;
      }
      switch_to_h2(s, rbuf + used, (size_t)n - used);
      return;
    }
    if (s->parser.complete) {
      response_complete(s, used < (size_t)n);
      return;
    }
    if (s->expect_go) {
      s->expect_go = 0;
      send_more(s);
      return;
    }
    if (st->paused_recv) {
      ferry__conn_watch(c, FERRY_POLL_NONE);
      return;
    }
    if ((size_t)n < FERRY__RBUF_SIZE && !drain && !tls)
      break;
  }
  st->hooks->after_io(st->ud);
}

/* The server switched to HTTP/2 (101, h2c): an HTTP/2 session takes the
 * connection and the stream (as its stream 1), and this one goes. rest
 * is what came after the 101. s is gone when this returns. */
static void h1_destroy(ferry__session *base);

static void switch_to_h2(h1_session *s, const char *rest, size_t n) {
  ferry__stream *st = s->st;
  ferry__conn *c = s->base.conn;
  ferry__session *h2;

  ferry__h1_parser_free(&s->parser);
  s->parser_live = 0;
  s->st = NULL;
  st->session = NULL;
  h2 = ferry__h2_session_upgrade(c, st, s->h2_max_streams, s->h2_push);
  if (h2 == NULL) {
    s->st = st;
    st->session = &s->base;
    s->no_reuse = 1;
    fail(s, FERRYE_OUT_OF_MEMORY, "out of memory for the HTTP/2 session");
    return;
  }
  c->session = h2;
  h1_destroy(&s->base);
  ferry__h2_session_input(h2, rest, n);
}

/* ---- the session ------------------------------------------------------- */

static void h1_event(void *ud, int cselect) {
  h1_session *s = ud;
  ferry__stream *st = s->st;

  if (st == NULL)
    return;
  if (!st->sent_all) {
    if (s->expect_wait) {
      /* waiting for 100 Continue: the answer is read as it comes */
      if (cselect & (FERRY_CSELECT_IN | FERRY_CSELECT_ERR))
        recv_data(s, cselect);
      return;
    }
    if (!st->paused_send && (cselect & (FERRY_CSELECT_OUT | FERRY_CSELECT_ERR)))
      send_more(s);
    return;
  }
  if (!st->paused_recv && !st->complete)
    recv_data(s, cselect);
}

static const ferry__conn_hooks h1_conn_hooks = {h1_event, NULL, NULL, NULL,
                                                NULL,     NULL, NULL};

static ferry_code h1_open(ferry__session *base, ferry__stream *st) {
  h1_session *s = (h1_session *)base;

  if (s->st != NULL)
    return FERRYE_FAILED_INIT; /* one exchange at a time */
  s->st = st;
  st->session = base;
  ferry__h1_parser_init(&s->parser, &h1_callbacks, s, st->is_head);
  s->parser.conn_version = s->last_version;
  s->parser.upgrade_ok = st->h2c_upgrade;
  if (st->upgrade)
    ferry__h1_expect_upgrade(&s->parser);
  s->parser_live = 1;
  s->expect_wait = s->expect_go = 0;
  ferry__buf_reset(&s->upbuf);
  ferry__conn_set_owner(base->conn, &h1_conn_hooks, s);
  send_more(s);
  return FERRYE_OK;
}

static void h1_resume(ferry__session *base, ferry__stream *st,
                      int expect_timeout) {
  h1_session *s = (h1_session *)base;
  (void)st;
  if (s->st == NULL)
    return;
  if (!s->st->sent_all) {
    if (expect_timeout) {
      if (!s->expect_wait)
        return;
      /* no 100 Continue in time: send the body anyway, as libcurl does */
      s->expect_wait = 0;
      s->st->expect_100 = 0;
    } else if (s->expect_wait) {
      return;
    }
    s->st->paused_send = 0;
    send_more(s);
    return;
  }
  if (s->st->paused_recv || s->st->complete)
    return;
  ferry__conn_watch(base->conn, FERRY_POLL_IN);
  /* bytes the TLS layer kept meanwhile raise no socket event */
  if (ferry__conn_buffered(base->conn))
    recv_data(s, 0);
}

static void h1_pause(ferry__session *base, ferry__stream *st, int send,
                     int paused) {
  h1_session *s = (h1_session *)base;
  if (send)
    st->paused_send = (unsigned)(paused != 0);
  else
    st->paused_recv = (unsigned)(paused != 0);
  if (paused && s->st == st)
    ferry__conn_watch(base->conn, FERRY_POLL_NONE);
}

/* May the connection carry another request after this exchange? */
static int reusable(const h1_session *s) {
  const ferry__stream *st = s->st;
  /* the response decides, whatever the request's version (libcurl) */
  return st->complete && !s->no_reuse && ferry__h1_keep_alive(&s->parser) &&
         upload_complete(s) && st->head_sent == st->head.len;
}

static void h1_close(ferry__session *base, ferry__stream *st, int ok) {
  h1_session *s = (h1_session *)base;
  ferry__conn *c = base->conn;
  int keep;

  if (s->st != st)
    return;
  /* a connection on which nothing was sent yet can go back too */
  keep = ok == FERRY__CLOSE_UNUSED ? st->head_sent == 0
                                   : ok == FERRY__CLOSE_DONE && reusable(s);
  if (s->no_reuse || c->no_reuse)
    keep = 0;
  s->st = NULL;
  st->session = NULL;
  if (s->parser_live)
    ferry__h1_parser_free(&s->parser);
  s->parser_live = 0;
  ferry__buf_free(&s->upbuf);
  c->easy = NULL;
  if (keep && c->connected) {
    base->reused = 1;
    ferry__pool_put_idle(c->pool, c);
  } else {
    ferry__conn_destroy(c);
  }
}

static void h1_destroy(ferry__session *base) {
  h1_session *s = (h1_session *)base;
  if (s->parser_live)
    ferry__h1_parser_free(&s->parser);
  ferry__buf_free(&s->upbuf);
  ferry__buf_free(&s->rest);
  ferry__free(s);
}

void ferry__h1_session_upgrade(ferry__session *base, ferry__buf *rest) {
  h1_session *s = (h1_session *)base;
  ferry__conn *c = base->conn;

  *rest = s->rest;
  ferry__buf_init(&s->rest, 0);
  if (s->st != NULL) {
    s->st->session = NULL;
    s->st = NULL;
  }
  c->session = NULL;
  c->session_free = NULL;
  c->no_reuse = 1;
  ferry__conn_set_owner(c, NULL, NULL);
  h1_destroy(base);
}

static int h1_usable(ferry__session *base) {
  return ((h1_session *)base)->st == NULL;
}

static const ferry__session_ops h1_ops = {"http/1.1", h1_open,    h1_resume,
                                          h1_pause,   h1_close,   h1_destroy,
                                          h1_usable,  NULL};

ferry__session *ferry__h1_session_new(ferry__conn *c,
                                      const ferry__session_config *cfg) {
  h1_session *s = ferry__calloc(1, sizeof(*s));
  if (s == NULL)
    return NULL;
  s->h2_max_streams = cfg->max_streams;
  s->h2_push = cfg->push_enabled;
  s->base.ops = &h1_ops;
  s->base.conn = c;
  ferry__buf_init(&s->upbuf, SIZE_MAX / 2);
  ferry__buf_init(&s->rest, FERRY__RBUF_SIZE);
  return &s->base;
}

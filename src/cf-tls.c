/* The TLS filter: runs the sans-IO TLS layer (tls.c) over the filter
 * below it. The handshake is its connect step; after it, plaintext goes in
 * through send and comes out of recv, and ciphertext moves through the
 * filter below. See tls.h for how the layer is pumped. */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "alloc.h"
#include "cf.h"
#include "conn.h"
#include "tls.h"

typedef struct cf_tls {
  ferry__cf cf;
  ferry__tls *tls;
  char *host;
  int port;
} cf_tls;

/* Put the TLS layer's output on the wire: 0 when all is out, 1 when the
 * socket would block, or an errno value. */
static int tls_flush(ferry__cf *cf) {
  cf_tls *t = (cf_tls *)cf;
  const char *p;
  size_t len;

  if (t->tls == NULL)
    return 0;
  while ((p = ferry__tls_pending_out(t->tls, &len)) != NULL && len > 0) {
    struct iovec iov = {(void *)p, len};
    ferry__ioerr err = {FERRYE_OK, 0, NULL, 0};
    ssize_t n = ferry__cf_send(cf->below, &iov, 1, &err);
    if (n == FERRY__IO_AGAIN)
      return 1;
    if (n == FERRY__IO_ERROR)
      return err.os_errno ? err.os_errno : EIO;
    ferry__tls_consume_out(t->tls, (size_t)n);
  }
  return 0;
}

/* Handshake input arrived: read it into the TLS layer. */
static ferry_code handshake_input(cf_tls *t, ferry__ioerr *err) {
  ferry__conn *c = t->cf.conn;
  char *buf = ferry__pool_rbuf(c->pool);
  int clean;
  ssize_t n;
  ferry_code rc;

  if (buf == NULL) {
    ferry__ioerr_set(err, FERRYE_OUT_OF_MEMORY, 0,
                     "out of memory for the read buffer");
    return FERRYE_OUT_OF_MEMORY;
  }
  n = ferry__cf_recv(t->cf.below, buf, FERRY__RBUF_SIZE, &clean, err);
  if (n == FERRY__IO_AGAIN)
    return FERRYE_OK;
  if (n == FERRY__IO_ERROR) {
    ferry__ioerr_set(err, FERRYE_SSL_CONNECT_ERROR, err->os_errno,
                     "Recv failure during the TLS handshake: %s",
                     strerror(err->os_errno));
    return FERRYE_SSL_CONNECT_ERROR;
  }
  if (n == 0) {
    ferry__tls_feed_eof(t->tls);
    return FERRYE_OK;
  }
  rc = ferry__tls_feed(t->tls, buf, (size_t)n);
  if (rc == FERRYE_OUT_OF_MEMORY) {
    ferry__ioerr_set(err, rc, 0, "out of memory for TLS handshake input");
    return rc;
  }
  if (rc != FERRYE_OK) {
    ferry__ioerr_set(err, FERRYE_SSL_CONNECT_ERROR, 0,
                     "TLS handshake input too large");
    return FERRYE_SSL_CONNECT_ERROR;
  }
  return FERRYE_OK;
}

static ferry_code tls_connect(ferry__cf *cf, int cselect, ferry__ioerr *err) {
  cf_tls *t = (cf_tls *)cf;
  ferry__conn *c = cf->conn;
  ferry_code rc;
  int f;

  if (t->tls == NULL) {
    ferry__tls_ctx *ctx = NULL;
    ferry__tls_sessions *sessions = NULL;
    const ferry__lock *sessions_lock = NULL;
    rc = c->hooks->tls_ctx(c->ud, &ctx, &sessions, &sessions_lock, err->buf,
                           err->len);
    if (rc == FERRYE_OK)
      rc = ferry__tls_new(&t->tls, ctx, sessions, sessions_lock, t->host,
                          t->port, err->buf, err->len);
    if (rc != FERRYE_OK) {
      err->code = rc;
      return rc;
    }
  } else if (cselect & (FERRY_CSELECT_IN | FERRY_CSELECT_ERR)) {
    rc = handshake_input(t, err);
    if (rc != FERRYE_OK)
      return rc;
  }
  rc = ferry__tls_handshake(t->tls, err->buf, err->len);
  f = tls_flush(cf);
  if (rc != FERRYE_OK && rc != FERRYE_AGAIN) {
    err->code = rc;
    return rc;
  }
  if (f != 0 && f != 1) {
    ferry__ioerr_set(err, FERRYE_SSL_CONNECT_ERROR, f,
                     "Send failure during the TLS handshake: %s", strerror(f));
    return FERRYE_SSL_CONNECT_ERROR;
  }
  if (rc == FERRYE_AGAIN) {
    ferry__conn_watch(c, f == 1 ? FERRY_POLL_INOUT : FERRY_POLL_IN);
    return FERRYE_AGAIN;
  }
  if (f == 1) {
    ferry__conn_watch(c, FERRY_POLL_OUT); /* the last flight waits */
    return FERRYE_AGAIN;
  }
  return FERRYE_OK;
}

static ssize_t tls_send(ferry__cf *cf, const struct iovec *iov, int n_iov,
                        ferry__ioerr *err) {
  cf_tls *t = (cf_tls *)cf;
  size_t total = 0;
  int f;

  for (int i = 0; i < n_iov; i++) {
    size_t off = 0;
    while (off < iov[i].iov_len) {
      size_t taken = 0;
      ferry_code r = ferry__tls_write(t->tls, (const char *)iov[i].iov_base + off,
                                      iov[i].iov_len - off, &taken, err->buf,
                                      err->len);
      off += taken;
      total += taken;
      if (r == FERRYE_OK)
        continue;
      if (r != FERRYE_AGAIN) {
        err->code = r;
        return FERRY__IO_ERROR;
      }
      /* the TLS output buffer is full: put some on the wire */
      f = tls_flush(cf);
      if (f == 1)
        return total ? (ssize_t)total : FERRY__IO_AGAIN;
      if (f != 0)
        return ferry__ioerr_set(err, FERRYE_SEND_ERROR, f, "Send failure: %s",
                                strerror(f));
    }
  }
  f = tls_flush(cf);
  if (f != 0 && f != 1)
    return ferry__ioerr_set(err, FERRYE_SEND_ERROR, f, "Send failure: %s",
                            strerror(f));
  return (ssize_t)total;
}

static ssize_t tls_recv(ferry__cf *cf, char *buf, size_t cap, int *clean,
                        ferry__ioerr *err) {
  cf_tls *t = (cf_tls *)cf;
  int fed = 0;

  *clean = 1;
  for (;;) {
    size_t got = 0;
    int closed = 0, below_clean;
    ssize_t n;
    ferry_code r = ferry__tls_read(t->tls, buf, cap, &got, &closed, err->buf,
                                   err->len);
    tls_flush(cf); /* an alert reading may have queued */
    if (r == FERRYE_OK && got)
      return (ssize_t)got;
    if (r == FERRYE_OK && closed) {
      *clean = closed == FERRY__TLS_CLOSE_NOTIFY;
      return 0;
    }
    if (r != FERRYE_OK && r != FERRYE_AGAIN) {
      err->code = r;
      return FERRY__IO_ERROR;
    }
    if (fed)
      return FERRY__IO_AGAIN;
    n = ferry__cf_recv(cf->below, buf, cap, &below_clean, err);
    if (n == FERRY__IO_AGAIN || n == FERRY__IO_ERROR)
      return n;
    if (n == 0) {
      ferry__tls_feed_eof(t->tls);
    } else if ((r = ferry__tls_feed(t->tls, buf, (size_t)n)) != FERRYE_OK) {
      return ferry__ioerr_set(err, r, 0, "TLS input could not be taken");
    }
    fed = 1;
  }
}

static int tls_buffered(const ferry__cf *cf) {
  const cf_tls *t = (const cf_tls *)cf;
  return t->tls != NULL && ferry__tls_has_buffered(t->tls);
}

static void tls_shutdown(ferry__cf *cf) {
  cf_tls *t = (cf_tls *)cf;
  /* close_notify, sent if the socket takes it now; never waited for */
  if (t->tls == NULL)
    return;
  ferry__tls_close_notify(t->tls);
  tls_flush(cf);
}

static void tls_destroy(ferry__cf *cf) {
  cf_tls *t = (cf_tls *)cf;
  ferry__tls_free(t->tls);
  ferry__free(t->host);
  ferry__free(t);
}

const ferry__cf_ops ferry__cf_tls_ops = {
    "tls",        tls_connect, tls_send, tls_recv,     tls_flush,
    tls_buffered, NULL,        tls_shutdown, tls_destroy,
};

ferry_code ferry__cf_tls_new(ferry__cf **out, ferry__conn *c, const char *host,
                             int port) {
  cf_tls *t = ferry__calloc(1, sizeof(*t));

  *out = NULL;
  if (t == NULL || (t->host = ferry__strdup(host)) == NULL) {
    ferry__free(t);
    return FERRYE_OUT_OF_MEMORY;
  }
  t->cf.ops = &ferry__cf_tls_ops;
  t->cf.conn = c;
  t->port = port;
  *out = &t->cf;
  return FERRYE_OK;
}

ferry__tls *ferry__cf_tls_get(const ferry__cf *cf) {
  return cf->ops == &ferry__cf_tls_ops ? ((const cf_tls *)cf)->tls : NULL;
}

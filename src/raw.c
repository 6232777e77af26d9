/* A connection handed to the application: see raw.h. */
#include <string.h>
#include <sys/uio.h>

#include "alloc.h"
#include "conn.h"
#include "raw.h"
#include "errors.h"

/* Bytes the TLS layer took and encrypted whose records did not all reach
 * the socket are reported as not sent yet (FERRYE_AGAIN), and the next
 * send, which repeats them, reports them sent once they are out, as a TLS
 * library's write does. raw.inflight counts them. */

ferry_code ferry__raw_adopt(ferry__raw *r, ferry__conn *c, const char *leftover,
                            size_t n) {
  ferry__buf kept;

  ferry__buf_init(&kept, n);
  if (n > 0 && ferry__buf_add(&kept, leftover, n))
    return FERRYE_OUT_OF_MEMORY;
  ferry__raw_close(r);
  r->conn = c;
  r->pending = kept;
  r->pending_off = 0;
  r->inflight = 0;
  r->eof = 0;
  /* the application watches the socket now: its driver hears REMOVE */
  ferry__conn_watch(c, FERRY_POLL_NONE);
  c->no_reuse = 1;
  c->max_streams = 0;
  return FERRYE_OK;
}

int ferry__raw_fd(const ferry__raw *r) {
  return r->conn != NULL ? r->conn->fd : -1;
}

ferry_code ferry__raw_send(ferry__raw *r, const void *p, size_t n,
                           size_t *sent, char *errbuf, size_t errlen) {
  ferry__ioerr err = {FERRYE_OK, 0, errbuf, errlen};
  struct iovec iov;
  ssize_t k;
  int f;

  *sent = 0;
  if (errlen > 0)
    errbuf[0] = '\0';
  if (r->conn == NULL)
    return FERRYE_UNSUPPORTED_PROTOCOL;
  if (r->inflight > 0) {
    /* the repeat of a send that was encrypted but not all written */
    f = ferry__conn_flush(r->conn);
    if (f == 1)
      return FERRYE_AGAIN;
    if (f != 0) {
      ferry__errf(errbuf, errlen, "Send failure: %s", strerror(f));
      return FERRYE_SEND_ERROR;
    }
    *sent = r->inflight < n ? r->inflight : n;
    r->inflight -= *sent;
    return FERRYE_OK;
  }
  if (n == 0)
    return FERRYE_OK;
  iov.iov_base = (void *)(uintptr_t)p;
  iov.iov_len = n;
  k = ferry__conn_send(r->conn, &iov, 1, &err);
  if (k == FERRY__IO_AGAIN)
    return FERRYE_AGAIN;
  if (k == FERRY__IO_ERROR) {
    if (err.code == FERRYE_OUT_OF_MEMORY)
      return FERRYE_OUT_OF_MEMORY;
    if (errlen > 0 && errbuf[0] == '\0')
      ferry__errf(errbuf, errlen, "Send failure");
    return FERRYE_SEND_ERROR;
  }
  f = ferry__conn_flush(r->conn);
  if (f == 1) {
    r->inflight = (size_t)k;
    return FERRYE_AGAIN;
  }
  if (f != 0) {
    ferry__errf(errbuf, errlen, "Send failure: %s", strerror(f));
    return FERRYE_SEND_ERROR;
  }
  *sent = (size_t)k;
  return FERRYE_OK;
}

ferry_code ferry__raw_recv(ferry__raw *r, void *p, size_t n, size_t *got,
                           char *errbuf, size_t errlen) {
  ferry__ioerr err = {FERRYE_OK, 0, errbuf, errlen};
  int clean = 1;
  ssize_t k;

  *got = 0;
  if (errlen > 0)
    errbuf[0] = '\0';
  if (r->conn == NULL)
    return FERRYE_UNSUPPORTED_PROTOCOL;
  if (r->pending_off < r->pending.len) {
    size_t have = r->pending.len - r->pending_off;
    *got = have < n ? have : n;
    memcpy(p, r->pending.data + r->pending_off, *got);
    r->pending_off += *got;
    if (r->pending_off == r->pending.len) {
      ferry__buf_free(&r->pending);
      r->pending_off = 0;
    }
    return FERRYE_OK;
  }
  if (r->eof || n == 0)
    return FERRYE_OK;
  k = ferry__conn_recv(r->conn, p, n, &clean, &err);
  if (k == FERRY__IO_AGAIN)
    return FERRYE_AGAIN;
  if (k == FERRY__IO_ERROR) {
    if (err.code == FERRYE_OUT_OF_MEMORY)
      return FERRYE_OUT_OF_MEMORY;
    if (errlen > 0 && errbuf[0] == '\0')
      ferry__errf(errbuf, errlen, "Recv failure");
    return FERRYE_RECV_ERROR;
  }
  if (k == 0) {
    if (!clean) {
      /* a TLS peer that closes without close_notify may have been cut off:
       * the end of its bytes cannot be trusted */
      ferry__errf(errbuf, errlen,
                  "TLS connection closed without close_notify");
      return FERRYE_RECV_ERROR;
    }
    r->eof = 1;
  }
  *got = (size_t)k;
  return FERRYE_OK;
}

void ferry__raw_close(ferry__raw *r) {
  ferry__conn *c = r->conn;
  ferry__buf_free(&r->pending);
  r->pending_off = 0;
  r->inflight = 0;
  r->eof = 0;
  if (c == NULL)
    return;
  r->conn = NULL;
  c->easy = NULL;
  ferry__conn_destroy(c);
}

/* Connections: one non-blocking TCP socket each. A socket is never closed
 * while the socket callback still watches it: ferry__conn_close_socket tells
 * the callback REMOVE first (which, in libuv mode, stops and closes the
 * uv_poll_t) and only then closes the fd. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "alloc.h"
#include "conn.h"
#include "easy.h"
#include "multi.h"
#include "tls.h"

ferry__conn *ferry__conn_new(ferry_multi *m, ferry__bundle *b) {
  ferry__conn *c = ferry__calloc(1, sizeof(*c));
  if (c == NULL)
    return NULL;
  c->multi = m;
  c->fd = -1;
  c->bundle = b;
  ferry__list_init(&c->idle_node);
  ferry__list_init(&c->lru_node);
  c->created_ms = ferry__now_ms();
  b->n_conns++;
  m->pool.n_conns++;
  return c;
}

int ferry__conn_connect(ferry__conn *c, const struct sockaddr *sa,
                        socklen_t salen, int nodelay) {
  int fd, one = 1, err;

  fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return errno;
  if (nodelay)
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (ferry__multi_sock_set(c->multi, fd, c) != 0) {
    close(fd);
    return ENOMEM;
  }
  c->fd = fd;
  if (connect(fd, sa, salen) == 0 || errno == EINPROGRESS)
    return 0;
  err = errno;
  ferry__conn_close_socket(c);
  return err;
}

int ferry__conn_connect_result(ferry__conn *c) {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
    return errno;
  return err;
}

int ferry__conn_idle_is_dead(const ferry__conn *c) {
  char byte;
  ssize_t n;

  if (c->fd < 0)
    return 1;
  do
    n = recv(c->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n >= 0)
    return 1; /* EOF, or bytes no request asked for */
  return errno != EAGAIN && errno != EWOULDBLOCK;
}

int ferry__conn_watch(ferry__conn *c, int what) {
  ferry_multi *m = c->multi;
  int rc;

  if (c->fd < 0 || c->want == what)
    return 0;
  if (what == FERRY_POLL_NONE && c->want == 0)
    return 0;
  /* libcurl's socket callback has no "none": a socket that waits for
   * nothing is still IN-watched by the application until REMOVE; we map
   * NONE onto REMOVE only when closing. Here, NONE is told as REMOVE so the
   * application stops watching it (paused transfers use no CPU). */
  rc = ferry__multi_call_socketfn(m, c->easy, c->fd,
                                  what == FERRY_POLL_NONE ? FERRY_POLL_REMOVE
                                                          : what,
                                  c->socketp);
  c->want = what == FERRY_POLL_NONE ? 0 : what;
  if (what == FERRY_POLL_NONE)
    c->socketp = NULL;
  return rc;
}

int ferry__conn_tls_flush(ferry__conn *c) {
  const char *p;
  size_t len;

  if (c->tls == NULL || c->fd < 0)
    return 0;
  while ((p = ferry__tls_pending_out(c->tls, &len)) != NULL && len > 0) {
    ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return 1;
      return errno;
    }
    ferry__tls_consume_out(c->tls, (size_t)n);
  }
  return 0;
}

ssize_t ferry__conn_send(ferry__conn *c, const struct iovec *iov, int n_iov,
                         ferry_code *rc, int *os_errno, char *errbuf,
                         size_t errlen) {
  size_t total = 0;

  if (c->tls == NULL) {
    struct msghdr msg;
    ssize_t n;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = (struct iovec *)iov;
    msg.msg_iovlen = (size_t)n_iov;
    do
      n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n >= 0)
      return n;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return FERRY__IO_AGAIN;
    *os_errno = errno;
    *rc = FERRYE_SEND_ERROR;
    snprintf(errbuf, errlen, "Send failure: %s", strerror(errno));
    return FERRY__IO_ERROR;
  }
  for (int i = 0; i < n_iov; i++) {
    size_t off = 0;
    while (off < iov[i].iov_len) {
      size_t taken = 0;
      int f;
      ferry_code r = ferry__tls_write(c->tls, (const char *)iov[i].iov_base + off,
                                      iov[i].iov_len - off, &taken, errbuf,
                                      errlen);
      off += taken;
      total += taken;
      if (r == FERRYE_OK)
        continue;
      if (r != FERRYE_AGAIN) {
        *rc = r;
        return FERRY__IO_ERROR;
      }
      /* the TLS output buffer is full: put some on the wire */
      f = ferry__conn_tls_flush(c);
      if (f == 1)
        return total ? (ssize_t)total : FERRY__IO_AGAIN;
      if (f != 0) {
        *os_errno = f;
        *rc = FERRYE_SEND_ERROR;
        snprintf(errbuf, errlen, "Send failure: %s", strerror(f));
        return FERRY__IO_ERROR;
      }
    }
  }
  {
    int f = ferry__conn_tls_flush(c);
    if (f != 0 && f != 1) {
      *os_errno = f;
      *rc = FERRYE_SEND_ERROR;
      snprintf(errbuf, errlen, "Send failure: %s", strerror(f));
      return FERRY__IO_ERROR;
    }
  }
  return (ssize_t)total;
}

ssize_t ferry__conn_recv(ferry__conn *c, char *buf, size_t cap, int *clean,
                         ferry_code *rc, int *os_errno, char *errbuf,
                         size_t errlen) {
  int fed = 0;

  *clean = 1;
  if (c->tls == NULL) {
    ssize_t n;
    do
      n = recv(c->fd, buf, cap, 0);
    while (n < 0 && errno == EINTR);
    if (n >= 0)
      return n;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return FERRY__IO_AGAIN;
    *os_errno = errno;
    *rc = FERRYE_RECV_ERROR;
    snprintf(errbuf, errlen, "Recv failure: %s", strerror(errno));
    return FERRY__IO_ERROR;
  }
  for (;;) {
    size_t got = 0;
    int closed = 0;
    ssize_t n;
    ferry_code r = ferry__tls_read(c->tls, buf, cap, &got, &closed, errbuf, errlen);
    ferry__conn_tls_flush(c); /* an alert reading may have queued */
    if (r == FERRYE_OK && got)
      return (ssize_t)got;
    if (r == FERRYE_OK && closed) {
      *clean = closed == FERRY__TLS_CLOSE_NOTIFY;
      return 0;
    }
    if (r != FERRYE_OK && r != FERRYE_AGAIN) {
      *rc = r;
      return FERRY__IO_ERROR;
    }
    if (fed)
      return FERRY__IO_AGAIN;
    do
      n = recv(c->fd, buf, cap, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return FERRY__IO_AGAIN;
      *os_errno = errno;
      *rc = FERRYE_RECV_ERROR;
      snprintf(errbuf, errlen, "Recv failure: %s", strerror(errno));
      return FERRY__IO_ERROR;
    }
    if (n == 0) {
      ferry__tls_feed_eof(c->tls);
    } else if ((r = ferry__tls_feed(c->tls, buf, (size_t)n)) != FERRYE_OK) {
      *rc = r;
      snprintf(errbuf, errlen, "TLS input could not be taken");
      return FERRY__IO_ERROR;
    }
    fed = 1;
  }
}

void ferry__conn_close_socket(ferry__conn *c) {
  ferry_multi *m = c->multi;
  if (c->tls) {
    /* close_notify, sent if the socket takes it now; never waited for */
    if (c->connected) {
      ferry__tls_close_notify(c->tls);
      ferry__conn_tls_flush(c);
    }
    ferry__tls_free(c->tls);
    c->tls = NULL;
  }
  if (c->fd < 0)
    return;
  if (c->want != 0)
    ferry__multi_call_socketfn(m, c->easy, c->fd, FERRY_POLL_REMOVE,
                               c->socketp);
  c->want = 0;
  c->socketp = NULL;
  ferry__multi_sock_set(m, c->fd, NULL);
  close(c->fd);
  c->fd = -1;
  c->connected = 0;
}

void ferry__conn_destroy(ferry__conn *c) {
  ferry_multi *m = c->multi;
  ferry__conn_close_socket(c);
  if (ferry__list_linked(&c->idle_node)) {
    ferry__list_remove(&c->idle_node);
    ferry__list_remove(&c->lru_node);
    m->pool.n_idle--;
  }
  if (c->easy) {
    c->easy->conn = NULL;
    c->easy = NULL;
  }
  c->bundle->n_conns--;
  m->pool.n_conns--;
  ferry__free(c);
}

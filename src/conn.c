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
#include <unistd.h>

#include "alloc.h"
#include "conn.h"
#include "easy.h"
#include "multi.h"

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

void ferry__conn_close_socket(ferry__conn *c) {
  ferry_multi *m = c->multi;
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

/* Connections and the connection pool. A connection owns one non-blocking
 * TCP socket. The pool keeps idle keep-alive connections per host key and
 * enforces the multi's connection limits. */
#ifndef FERRY_CONN_H
#define FERRY_CONN_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "ferry.h"
#include "list.h"
#include "watch.h"

typedef struct ferry__bundle {
  char *key;            /* "scheme://host:port" */
  ferry__list idle;     /* idle connections, most recently used first */
  unsigned n_conns;     /* open connections, busy or idle */
  ferry__list node;     /* in pool->bundles */
} ferry__bundle;

typedef struct ferry__conn {
  ferry_multi *multi;
  int fd;
  ferry__watch watch;      /* what the loop watches of fd, and who is told */
  ferry__bundle *bundle;
  ferry_easy *easy;        /* the transfer on it; NULL when idle */
  ferry__list idle_node;   /* in bundle->idle while idle */
  ferry__list lru_node;    /* in pool->idle_lru while idle */
  uint64_t created_ms;
  uint64_t idle_since_ms;
  unsigned char connected;
  unsigned char no_reuse;   /* it cannot carry another request */
  struct ferry__tls *tls;  /* NULL for plain TCP */
  /* the socket's addresses, read once when it connected */
  char peer_ip[46];
  char local_ip[46];
  long peer_port;
  long local_port;
} ferry__conn;

typedef struct ferry__pool {
  ferry__list bundles;
  ferry__list idle_lru;    /* every idle connection, oldest first */
  unsigned n_conns;
  unsigned n_idle;
} ferry__pool;

void ferry__pool_init(ferry__pool *pool);
/* Close every connection and free the bundles. */
void ferry__pool_close_all(ferry_multi *m);
/* The bundle for key, made if create. NULL when out of memory/absent. */
ferry__bundle *ferry__pool_bundle(ferry_multi *m, const char *key, int create);
/* Take the most recently used idle connection of the bundle, or NULL.
 * With check_alive, one that the peer closed unseen is skipped (a peek).
 * One idle for more than max_idle_ms, or made more than max_life_ms ago,
 * is closed instead (0: no limit). */
ferry__conn *ferry__pool_take_idle(ferry_multi *m, ferry__bundle *b,
                                   int check_alive, uint64_t max_idle_ms,
                                   uint64_t max_life_ms);
/* May a new connection be opened for bundle b under the multi's limits?
 * Closes the oldest idle connection of another host when that makes room. */
int ferry__pool_may_open(ferry_multi *m, ferry__bundle *b);
/* Park a connection that finished a response and can be reused. */
void ferry__pool_put_idle(ferry_multi *m, ferry__conn *c);
/* Close idle connections beyond the cache size. */
void ferry__pool_trim(ferry_multi *m);

/* A new, unconnected connection counted in bundle b. NULL when out of
 * memory. */
ferry__conn *ferry__conn_new(ferry_multi *m, ferry__bundle *b);
/* Start a non-blocking connect to sa (AF_INET, AF_INET6 or AF_UNIX) with
 * what the options o ask of a new socket: TCP_NODELAY and TCP_KEEPALIVE
 * (TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT), and for an IP socket the
 * INTERFACE and LOCALPORT/LOCALPORTRANGE binding of its local end.
 * Returns 0 when started (or done); an errno value when it failed at once
 * (the connection has no socket then; ENOMEM: the socket could not be
 * registered); or, when the local end could not be bound, a negative
 * errno with the reason in why: -EAFNOSUPPORT when INTERFACE has nothing
 * of sa's family (an address of another family may do), any other for
 * FERRYE_INTERFACE_FAILED. */
struct ferry__opts;
int ferry__conn_connect(ferry__conn *c, const struct sockaddr *sa,
                        const struct ferry__opts *o, char *why, size_t whylen);
/* The connect finished: 0 on success, else the socket's errno. */
int ferry__conn_connect_result(ferry__conn *c);
/* Close the socket (telling the socket callback REMOVE first) and keep the
 * connection object for another attempt. */
void ferry__conn_close_socket(ferry__conn *c);
/* Close the socket and free the connection, taking it out of the pool. */
void ferry__conn_destroy(ferry__conn *c);
/* Send pending TLS output: 0 when all is sent, 1 when the socket would
 * block (watch OUT), or an errno value. 0 for plain TCP. */
int ferry__conn_tls_flush(ferry__conn *c);
/* The transport below HTTP: plain TCP, or TLS on it.
 *
 * ferry__conn_send takes plaintext from iov. Returns how many bytes it took
 * (for TLS: into the TLS layer; call ferry__conn_tls_flush until it returns
 * 0 before counting the request as sent), FERRY__IO_AGAIN when nothing
 * could be taken now (watch OUT), or FERRY__IO_ERROR with *rc and *os_errno
 * set (and errbuf for TLS errors).
 *
 * ferry__conn_recv reads plaintext into buf. Returns the byte count,
 * 0 at end of stream (*clean: the peer closed properly; always 1 for TCP,
 * for TLS only after close_notify), FERRY__IO_AGAIN when nothing is there
 * now, or FERRY__IO_ERROR as above. */
#define FERRY__IO_AGAIN (-1)
#define FERRY__IO_ERROR (-2)
struct iovec;
ssize_t ferry__conn_send(ferry__conn *c, const struct iovec *iov, int n_iov,
                         ferry_code *rc, int *os_errno, char *errbuf,
                         size_t errlen);
ssize_t ferry__conn_recv(ferry__conn *c, char *buf, size_t cap, int *clean,
                         ferry_code *rc, int *os_errno, char *errbuf,
                         size_t errlen);
/* Watch the socket for what (FERRY_POLL_IN/OUT/INOUT, or NONE), for the
 * transfer on it. -1 when the driver failed (the multi fails its
 * transfers at the end of the engine run). */
int ferry__conn_watch(ferry__conn *c, int what);
/* The connection goes idle in the pool: watched only to see the peer
 * close it, where the driver watches idle sockets (not the application's
 * SOCKETFUNCTION, which hears REMOVE now). */
int ferry__conn_watch_idle(ferry__conn *c);
/* Set the transfer the connection serves (NULL: none); the socket
 * callback reports it. */
void ferry__conn_set_easy(ferry__conn *c, ferry_easy *e);
/* Has an idle connection been closed by the peer, failed, or received
 * bytes nobody asked for? Peeks without blocking or consuming. */
int ferry__conn_idle_is_dead(const ferry__conn *c);

#endif

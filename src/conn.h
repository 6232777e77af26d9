/* Connections and the connection pool.
 *
 * A connection is a chain of connection filters (cf.h) over one socket:
 * the socket, and as the route needs an HTTP proxy's CONNECT tunnel and
 * TLS. It is made for the transfer that needs it, which drives its connect
 * steps (ferry__conn_connect); once connected it carries requests. Whoever
 * uses it (its owner) hears of its socket's readiness, and of what
 * happens while it connects, through the hooks it set: nothing here knows
 * easy handles or the multi.
 *
 * The pool keeps connections by host key ("bundles"): idle keep-alive
 * ones for reuse, and the counts the multi's limits are checked against.
 */
#ifndef FERRY_CONN_H
#define FERRY_CONN_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "ferry.h"
#include "cf.h"
#include "list.h"
#include "lock.h"
#include "watch.h"

/* The size of the one read buffer the connections of a pool share. */
#define FERRY__RBUF_SIZE (256 * 1024)

struct ferry__tls_ctx;
struct ferry__tls_sessions;
struct ferry__tls;

typedef struct ferry__bundle {
  char *key;            /* "scheme://host:port" and the route */
  ferry__list idle;     /* idle connections, most recently used first */
  ferry__list mux;      /* connections that carry streams side by side */
  unsigned n_conns;     /* open connections, busy or idle */
  unsigned n_connecting_mux; /* connecting ones that may multiplex */
  unsigned char mux_seen; /* a connection of it did multiplex */
  ferry__list node;     /* in pool->bundles */
} ferry__bundle;

/* What a connection tells its owner. Only event is required; the others
 * are used while connecting and may be NULL when not needed. */
typedef struct ferry__conn_hooks {
  /* The socket is ready (FERRY_CSELECT_* bits): during connect, call
   * ferry__conn_connect; after it, send and receive. */
  void (*event)(void *ud, int cselect);
  /* Verbose output: is anyone listening, and one line of text. */
  int (*trace_on)(void *ud);
  void (*trace)(void *ud, const char *text);
  /* Bytes sent or received while connecting, as a FERRYINFO_* type (the
   * CONNECT request goes out as FERRYINFO_HEADER_OUT). */
  void (*trace_data)(void *ud, ferry_infotype type, const char *p, size_t n);
  /* A proxy's CONNECT answer: each line of its header section (status
   * line and blank line included), then its status. A non-OK return from
   * tunnel_header ends the connect with that error. */
  ferry_code (*tunnel_header)(void *ud, const char *line, size_t len);
  void (*tunnel_status)(void *ud, int status);
  /* The TLS context, session cache and that cache's lock (NULL: not
   * shared) a TLS handshake starts with (errors as ferry__tls_ctx_new's,
   * text in errbuf). The cache and lock stay valid while the handshake
   * runs. */
  ferry_code (*tls_ctx)(void *ud, struct ferry__tls_ctx **ctx,
                        struct ferry__tls_sessions **sessions,
                        const ferry__lock **sessions_lock, char *errbuf,
                        size_t errlen);
} ferry__conn_hooks;

/* Which filter a connection is connecting: the state its owner shows. */
typedef enum {
  FERRY__CONN_SOCKET,    /* TCP (or Unix socket) connect */
  FERRY__CONN_TUNNEL,    /* the proxy's CONNECT */
  FERRY__CONN_TLS,       /* the TLS handshake */
  FERRY__CONN_CONNECTED
} ferry__conn_phase;

struct ferry__pool;
struct ferry__session;

typedef struct ferry__conn {
  struct ferry__pool *pool;
  ferry__cf *top;          /* the filter chain, top first */
  int fd;                  /* the connected socket; -1 before */
  ferry__watch *watch;     /* its watch, once connected */
  const ferry__conn_hooks *hooks; /* the owner's */
  void *ud;
  ferry_off_t id;          /* CONN_ID: 0, 1, ... in the pool (the multi) */
  ferry_easy *easy;        /* the transfer on it; NULL when idle */
  /* the protocol session it carries once connected, freed with it */
  struct ferry__session *session;
  void (*session_free)(struct ferry__session *s);
  ferry__bundle *bundle;
  ferry__list mux_node;    /* in bundle->mux when it multiplexes */
  unsigned streams;        /* streams its session carries now */
  unsigned max_streams;    /* how many it takes (0: no new ones) */
  unsigned char mux_pending; /* connecting, counted in n_connecting_mux */
  ferry__list all_node;    /* in pool->all */
  ferry__list idle_node;   /* in bundle->idle while idle */
  ferry__list lru_node;    /* in pool->idle_lru while idle */
  uint64_t created_ms;
  uint64_t idle_since_ms;
  /* where it goes when it goes idle (ferry__pool_put_idle), with that
   * pool's lock: a share's pool of idle connections; NULL: its own pool */
  struct ferry__pool *home;
  const ferry__lock *home_lock;
  unsigned char connected;
  unsigned char no_reuse;  /* it cannot carry another request */
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
  ferry__list all;         /* every connection, busy or idle */
  ferry_off_t next_conn_id; /* CONN_ID of the next connection */
  ferry__watchset *watches; /* where connections register their sockets */
  char *rbuf;              /* the shared read buffer, made on first use */
  unsigned rbuf_in_use;    /* bytes in it are being parsed: a hook that
                              runs meanwhile must not read into it */
  /* the multi's limits (0: none) and how many idle connections to keep */
  long max_host_connections;
  long max_total_connections;
  unsigned cache_size;
  /* an idle connection was closed: a waiting transfer may start */
  void (*on_idle_closed)(void *ud);
  void *ud;
} ferry__pool;

void ferry__pool_init(ferry__pool *pool, ferry__watchset *watches);
/* Close every connection, free the bundles and the read buffer. */
void ferry__pool_close_all(ferry__pool *pool);
/* The shared read buffer (FERRY__RBUF_SIZE bytes), NULL when out of
 * memory. */
char *ferry__pool_rbuf(ferry__pool *pool);
/* The bundle for key, made if create. NULL when out of memory/absent. */
ferry__bundle *ferry__pool_bundle(ferry__pool *pool, const char *key,
                                  int create);
/* Take the most recently used idle connection of the bundle, or NULL.
 * One that nobody watched while idle, or with check_alive any, is peeked
 * at first, and one the peer closed is closed. One idle for more than
 * max_idle_ms, or made more than max_life_ms ago, is closed instead (0: no
 * limit). */
ferry__conn *ferry__pool_take_idle(ferry__pool *pool, ferry__bundle *b,
                                   int check_alive, uint64_t max_idle_ms,
                                   uint64_t max_life_ms);
/* May a new connection be opened for bundle b under the limits? Closes
 * the oldest idle connection of another host when that makes room. */
int ferry__pool_may_open(ferry__pool *pool, ferry__bundle *b);
/* Park a connection that finished a response and can be reused: in pool,
 * or in the connection's home pool when it has one (see
 * ferry__conn_set_home). */
void ferry__pool_put_idle(ferry__pool *pool, ferry__conn *c);
/* Where c goes when it goes idle: pool home (a share's pool of idle
 * connections, which no driver watches), changed only under lock (NULL:
 * not shared); home NULL: c's own pool. Both must stay valid until c goes
 * idle or is destroyed; the setting is used once. A connection that
 * multiplexes never goes home. */
void ferry__conn_set_home(ferry__conn *c, ferry__pool *home,
                          const ferry__lock *lock);
/* Take an idle connection for bundle b of pool into out of pool from (a
 * share's, locked with lock as CONNECT) after a non-blocking check that
 * the peer has not closed it (see ferry__pool_take_idle for max_idle_ms
 * and max_life_ms). The connection then belongs to into, counted in b and
 * registered (not yet watched) in into's watchset. NULL when from has
 * none, or when out of memory. Calls nothing of the application. */
ferry__conn *ferry__pool_take_from(ferry__pool *from, const ferry__lock *lock,
                                   ferry__pool *into, ferry__bundle *b,
                                   uint64_t max_idle_ms, uint64_t max_life_ms);
/* A multiplexing connection with room for another stream (taken out of
 * the idle list if it was idle), or NULL. */
ferry__conn *ferry__pool_take_mux(ferry__pool *pool, ferry__bundle *b);
/* Does the bundle have a multiplexing connection with room? */
int ferry__pool_mux_room(const ferry__bundle *b);
/* c carries streams side by side from now (its session set max_streams). */
void ferry__pool_mux_add(ferry__pool *pool, ferry__conn *c);
/* A multiplexing connection's last stream ended: it is idle, and stays
 * with its session (which keeps reading what the server sends), watched
 * as idle. */
void ferry__pool_mux_idle(ferry__pool *pool, ferry__conn *c);
/* Count c (connecting) as one that may multiplex, or stop counting it. */
void ferry__pool_mux_pending(ferry__conn *c, int pending);
/* c was taken for a transfer that then sent nothing and opened no stream
 * on it (its PREREQFUNCTION refused). A connection that carries streams
 * side by side stays, idle again when no stream runs on it, and 1 is
 * returned: the transfer lets go of it; otherwise 0, and the transfer
 * closes it as usual. */
int ferry__pool_keep_unused(ferry__pool *pool, ferry__conn *c);
/* A connection can take more streams now (an upgrade to HTTP/2): waiting
 * transfers may start (the pool's on_idle_closed callback). */
void ferry__pool_room(ferry__pool *pool);
/* Close idle connections beyond the cache size. */
void ferry__pool_trim(ferry__pool *pool);
/* The socket of pool's connection number id (CONN_ID) while the pool
 * still has it connected, else -1. Reads nothing from the socket. */
int ferry__pool_conn_fd(const ferry__pool *pool, ferry_off_t id);
/* The network changed: close every idle connection, and let the busy
 * ones finish without carrying another request. */
void ferry__pool_forget(ferry__pool *pool);

/* A new, unconnected connection counted in bundle b, with no filter yet.
 * NULL when out of memory. */
ferry__conn *ferry__conn_new(ferry__pool *pool, ferry__bundle *b);
/* Set who hears of the connection (hooks borrowed; ud handed back). */
void ferry__conn_set_owner(ferry__conn *c, const ferry__conn_hooks *hooks,
                           void *ud);
/* Put filter cf on top of the chain; the connection owns it from now. */
void ferry__conn_push(ferry__conn *c, ferry__cf *cf);
/* One connect step of the chain, on the socket's readiness (cselect) or a
 * deadline (0): FERRYE_OK once every filter is connected, FERRYE_AGAIN
 * while waiting (the socket is watched for what the connecting filter
 * needs), or the error, described in *err. */
ferry_code ferry__conn_connect(ferry__conn *c, int cselect, ferry__ioerr *err);
/* Which filter is connecting now. */
ferry__conn_phase ferry__conn_phase_of(const ferry__conn *c);
/* When the connect wants a step without readiness (happy eyeballs), 0 for
 * never. */
uint64_t ferry__conn_deadline(const ferry__conn *c);
/* The TLS connection of the chain, or NULL (plain, or not started). */
struct ferry__tls *ferry__conn_tls(const ferry__conn *c);
/* Close the socket (telling its driver REMOVE first) and free the chain;
 * the connection object stays, unconnected. */
void ferry__conn_close_socket(ferry__conn *c);
/* Close the socket and free the connection, taking it out of the pool. */
void ferry__conn_destroy(ferry__conn *c);

/* Sending and receiving through the chain once connected (see the filter
 * functions in cf.h for the return values). */
ssize_t ferry__conn_send(ferry__conn *c, const struct iovec *iov, int n_iov,
                         ferry__ioerr *err);
ssize_t ferry__conn_recv(ferry__conn *c, char *buf, size_t cap, int *clean,
                         ferry__ioerr *err);
/* Put what the chain holds of sent bytes on the wire: 0 when all is out,
 * 1 when the socket would block (watch OUT), or an errno value. */
int ferry__conn_flush(ferry__conn *c);
/* Does the chain hold received bytes no readiness will announce? */
int ferry__conn_buffered(const ferry__conn *c);
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

/* For filters: the socket's readiness while connecting goes to the owner
 * (who calls ferry__conn_connect). */
void ferry__conn_notify(ferry__conn *c, int cselect);
/* For filters: verbose text, when the owner listens. */
int ferry__conn_trace_on(const ferry__conn *c);
void ferry__conn_infof(ferry__conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* For the socket filter: its connected socket and that socket's watch. */
void ferry__conn_set_socket(ferry__conn *c, int fd, ferry__watch *w);

#endif

/* Connection filters.
 *
 * A connection (conn.h) is a chain of filters over one socket: the socket
 * filter at the bottom, then, as the route needs, an HTTP proxy's CONNECT
 * tunnel and TLS. Bytes a protocol session sends go into the top filter,
 * which hands them down (TLS encrypts them first); bytes received come up
 * the same way. Connecting runs bottom up: a filter takes its own steps
 * once the one below it is connected.
 *
 * Each filter is a small table of functions, none of which blocks: where
 * it would wait it says so (FERRYE_AGAIN, FERRY__IO_AGAIN) after telling
 * the connection what to watch. The model is curl's connection filters
 * (lib/cfilters.h), written anew for ferry.
 */
#ifndef FERRY_CF_H
#define FERRY_CF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ferry.h"

struct iovec;
struct ferry__conn;
struct ferry__addrs;
struct ferry__buf;
struct ferry__tls;

/* What send and recv return besides a byte count. */
#define FERRY__IO_AGAIN (-1)
#define FERRY__IO_ERROR (-2)

/* Why an I/O call failed: the code, the system's errno (0 when none), and
 * the text, written into buf (len bytes). */
typedef struct ferry__ioerr {
  ferry_code code;
  int os_errno;
  char *buf;
  size_t len;
} ferry__ioerr;

typedef struct ferry__cf ferry__cf;

typedef struct ferry__cf_ops {
  const char *name;
  /* One connect step, called once the filter below is connected (and
   * again on each readiness of the socket, cselect, or deadline, 0, until
   * it is done). FERRYE_OK: connected; FERRYE_AGAIN: waiting, having set
   * what to watch; otherwise the error, described in *err. */
  ferry_code (*connect)(ferry__cf *cf, int cselect, ferry__ioerr *err);
  /* Send bytes of iov: the count taken (for TLS: into the TLS layer; see
   * flush), FERRY__IO_AGAIN when nothing could be taken now, or
   * FERRY__IO_ERROR with *err. */
  ssize_t (*send)(ferry__cf *cf, const struct iovec *iov, int n_iov,
                  ferry__ioerr *err);
  /* Read into buf: the count, 0 at the end of the stream (*clean: the peer
   * closed properly; for TLS only after close_notify), FERRY__IO_AGAIN,
   * or FERRY__IO_ERROR with *err. */
  ssize_t (*recv)(ferry__cf *cf, char *buf, size_t cap, int *clean,
                  ferry__ioerr *err);
  /* Put what the filter holds of sent bytes on the wire: 0 when all is
   * out, 1 when some waits for the socket (watch OUT), or an errno. NULL:
   * the filter holds nothing. */
  int (*flush)(ferry__cf *cf);
  /* Input the filter holds that no socket readiness will announce (TLS
   * records read ahead). NULL: none. */
  int (*buffered)(const ferry__cf *cf);
  /* When the filter wants a connect step without readiness (ms on
   * ferry__now_ms's clock), 0 for never. NULL: never. */
  uint64_t (*deadline)(const ferry__cf *cf);
  /* Say goodbye if the protocol has a way to (TLS close_notify); best
   * effort, never waits. NULL: nothing to say. */
  void (*shutdown)(ferry__cf *cf);
  /* Free the filter (the socket filter closes its sockets, REMOVE told
   * first). */
  void (*destroy)(ferry__cf *cf);
} ferry__cf_ops;

struct ferry__cf {
  const ferry__cf_ops *ops;
  ferry__cf *below;          /* NULL for the socket filter */
  struct ferry__conn *conn;
  unsigned char connected;
};

/* Send through the filter below cf (or, for the top, through cf itself). */
ssize_t ferry__cf_send(ferry__cf *cf, const struct iovec *iov, int n_iov,
                       ferry__ioerr *err);
ssize_t ferry__cf_recv(ferry__cf *cf, char *buf, size_t cap, int *clean,
                       ferry__ioerr *err);
/* Write text into err->buf and set err->code; returns FERRY__IO_ERROR. */
ssize_t ferry__ioerr_set(ferry__ioerr *err, ferry_code code, int os_errno,
                         const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- the socket filter (cf-socket.c) ---------------------------------- */

/* What the transfer asks of a new socket. interface is copied. */
typedef struct ferry__sockopts {
  unsigned tcp_nodelay : 1;
  unsigned tcp_keepalive : 1;
  long tcp_keepidle, tcp_keepintvl, tcp_keepcnt; /* seconds, count */
  const char *interface;     /* INTERFACE, as given; NULL: none */
  long localport, localportrange;
  long happy_eyeballs_ms;    /* 0: no racing */
  /* The application's OPENSOCKETFUNCTION, SOCKOPTFUNCTION and
   * CLOSESOCKETFUNCTION with their data (NULL: socket(), nothing,
   * close()), with the contracts ferry.h gives them. The filter keeps
   * them for as long as it lives, so the connection closes its socket
   * with the close function it was made with, whoever uses it then. */
  ferry_opensocket_callback opensocket;
  void *opensocket_data;
  ferry_sockopt_callback sockopt;
  void *sockopt_data;
  ferry_closesocket_callback closesocket;
  void *closesocket_data;
  unsigned long address_scope; /* ADDRESS_SCOPE: the scope id of an IPv6
                                  address that has none; 0: none */
} ferry__sockopts;

/* A socket filter that connects to the addresses of addrs in turn (RFC
 * 8305 happy eyeballs: while an attempt has not connected after
 * happy_eyeballs_ms, the next address is tried in parallel, and the first
 * to connect wins). It holds a reference to addrs until connected. The
 * application's callbacks are called with the connection's pool's
 * in_callback count raised.
 * Connect errors, of the last attempt that failed when none is left:
 * FERRYE_COULDNT_CONNECT (no address took; os_errno is the last
 * attempt's, and err->buf is left empty for the caller's text, unless the
 * OPENSOCKETFUNCTION refused: then the text says so),
 * FERRYE_ABORTED_BY_CALLBACK (the SOCKOPTFUNCTION refused; text set),
 * FERRYE_UNSUPPORTED_PROTOCOL (the OPENSOCKETFUNCTION's socket could not
 * be made non-blocking, as libcurl; text set), and at once
 * FERRYE_INTERFACE_FAILED (INTERFACE / LOCALPORT could not be bound; text
 * set), FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__cf_socket_new(ferry__cf **out, struct ferry__conn *c,
                                struct ferry__addrs *addrs,
                                const ferry__sockopts *o);

/* ---- an HTTP proxy's CONNECT tunnel (cf-tunnel.c) --------------------- */

/* A filter that sends request (a CONNECT request head, taken over) and
 * reads the proxy's answer, telling the connection's owner each line of
 * it and its status. A 2xx opens the tunnel; anything else fails with
 * FERRYE_COULDNT_CONNECT ("CONNECT tunnel failed, response N"); a proxy
 * that closes, or sends bytes after its answer, fails too. */
ferry_code ferry__cf_tunnel_new(ferry__cf **out, struct ferry__conn *c,
                                struct ferry__buf *request);

/* ---- TLS (cf-tls.c) --------------------------------------------------- */

/* A TLS filter for host and port (host copied), on the context and
 * session cache the connection's owner gives when the handshake starts.
 * Connect errors are ferry__tls_handshake's and ferry__tls_new's. */
ferry_code ferry__cf_tls_new(ferry__cf **out, struct ferry__conn *c,
                             const char *host, int port);
/* The TLS connection of a TLS filter (NULL before its handshake began). */
struct ferry__tls *ferry__cf_tls_get(const ferry__cf *cf);
extern const ferry__cf_ops ferry__cf_tls_ops;

#endif

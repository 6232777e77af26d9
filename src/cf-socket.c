/* The socket filter: the bottom of every connection. It makes the
 * non-blocking socket and connects it, racing a second address when the
 * first is slow (RFC 8305 happy eyeballs), binds the local end as
 * INTERFACE and LOCALPORT say, and sends and receives with the socket
 * calls. A socket is closed only after its driver has heard REMOVE.
 *
 * The application's socket callbacks act here, in libcurl's order for
 * each attempt: OPENSOCKETFUNCTION (instead of socket(); it may move the
 * address), TCP_NODELAY and keepalive, SOCKOPTFUNCTION, INTERFACE and
 * LOCALPORT binding, O_NONBLOCK on the application's socket, connect()
 * (unless the SOCKOPTFUNCTION said the socket is connected already); and
 * CLOSESOCKETFUNCTION instead of close() for every socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "addrs.h"
#include "alloc.h"
#include "cf.h"
#include "clock.h"
#include "conn.h"

/* One connect attempt: a socket and its watch. */
typedef struct attempt {
  int fd;                    /* -1: no attempt runs here */
  unsigned char ready;       /* readiness came since the last step */
  size_t addr;               /* the index of its address */
  ferry__watch watch;
  struct cf_socket *sock;
} attempt;

/* Why the last attempt that failed did. */
typedef enum {
  FAIL_ERRNO,          /* socket() or connect(): last_errno */
  FAIL_OPEN_REFUSED,   /* the OPENSOCKETFUNCTION returned FERRY_SOCKET_BAD */
  FAIL_OPEN_TAKEN,     /* ... or a socket that ferry uses already */
  FAIL_SOCKOPT,        /* the SOCKOPTFUNCTION returned last_rc */
  FAIL_NONBLOCK        /* O_NONBLOCK failed: last_errno */
} fail_kind;

typedef struct cf_socket {
  ferry__cf cf;
  ferry__addrs *addrs;       /* until connected */
  size_t next;               /* the next address to try */
  attempt a[2];              /* a[0] first; a[1] the racing one */
  int winner;                /* the connected attempt; -1 before */
  uint64_t race_at;          /* when to start the racing attempt; 0 none */
  int last_errno;
  fail_kind last_fail;
  int last_rc;               /* what the SOCKOPTFUNCTION returned */
  size_t last_addr;          /* the address of the last failed attempt */
  ferry__sockopts o;         /* o.interface is a copy */
  /* with an OPENSOCKETFUNCTION: where each attempt connects, as the
   * callback left the address (only then is the room allocated) */
  struct sockaddr_storage moved[];
} cf_socket;

ssize_t ferry__ioerr_set(ferry__ioerr *err, ferry_code code, int os_errno,
                         const char *fmt, ...) {
  va_list ap;
  err->code = code;
  err->os_errno = os_errno;
  if (err->buf != NULL && err->len > 0) {
    va_start(ap, fmt);
    vsnprintf(err->buf, err->len, fmt, ap);
    va_end(ap);
  }
  return FERRY__IO_ERROR;
}

static socklen_t sockaddr_len(const struct sockaddr *sa) {
  switch (sa->sa_family) {
  case AF_INET6:
    return sizeof(struct sockaddr_in6);
  case AF_UNIX:
    return sizeof(struct sockaddr_un);
  default:
    return sizeof(struct sockaddr_in);
  }
}

/* TCP_KEEPALIVE with its idle time, interval and probe count, as libcurl
 * sets them: the last three only once SO_KEEPALIVE took; failures are
 * ignored. */
static void set_keepalive(int fd, const ferry__sockopts *o) {
  int v = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)) != 0)
    return;
  v = (int)o->tcp_keepidle;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v));
  v = (int)o->tcp_keepintvl;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof(v));
  v = (int)o->tcp_keepcnt;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v));
}

/* The scope class of an IPv6 address, as libcurl's Curl_ipv6_scope. */
static int v6_scope(const struct in6_addr *a) {
  const unsigned char *b = a->s6_addr;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
    return 1; /* link-local */
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
    return 2; /* site-local */
  if (IN6_IS_ADDR_LOOPBACK(a))
    return 3; /* node-local */
  return 0;
}

/* The address of interface name for family af (an IPv6 one of the scope
 * of dst) into *out. 1 when found, 0 when there is no such interface, -1
 * when it has no address of that family (and scope). */
static int if_address(const char *name, const struct sockaddr *dst,
                      struct sockaddr_storage *out) {
  struct ifaddrs *head, *i;
  int found = 0;

  if (getifaddrs(&head) != 0)
    return 0;
  for (i = head; i != NULL; i = i->ifa_next) {
    int fam;
    if (i->ifa_addr == NULL || strcmp(i->ifa_name, name) != 0)
      continue;
    fam = i->ifa_addr->sa_family;
    if (fam != AF_INET && fam != AF_INET6)
      continue;
    if (fam == dst->sa_family &&
        (fam == AF_INET ||
         v6_scope(&((const struct sockaddr_in6 *)(const void *)i->ifa_addr)
                       ->sin6_addr) ==
             v6_scope(&((const struct sockaddr_in6 *)(const void *)dst)
                           ->sin6_addr))) {
      memcpy(out, i->ifa_addr, fam == AF_INET ? sizeof(struct sockaddr_in)
                                              : sizeof(struct sockaddr_in6));
      found = 1;
      break;
    }
    found = -1;
  }
  freeifaddrs(head);
  return found;
}

/* Bind the local end as INTERFACE and LOCALPORT/LOCALPORTRANGE say, the
 * way libcurl's bindlocal does: "if!name" is an interface only,
 * "host!address" an address only, "ifhost!name!address" both, and a plain
 * value an interface first and an address if no interface has that name.
 * Addresses must be numeric: ferry does not block on a name lookup here.
 * 0, or a negative errno with why (-EAFNOSUPPORT: nothing of dst's
 * family to bind to). */
static int bind_local(int fd, const struct sockaddr *dst,
                      const ferry__sockopts *o, char *why, size_t whylen) {
  const char *spec = o->interface;
  char iface[520] = "", host[520] = "";
  int iface_input = 0, host_input = 0, have_addr = 0, err = 0;
  unsigned port = (unsigned)o->localport;
  long tries = o->localportrange;
  struct sockaddr_storage ss;
  socklen_t sslen = dst->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                               : sizeof(struct sockaddr_in);

  if (spec == NULL && port == 0)
    return 0;
  if (spec != NULL) {
    if (strncmp(spec, "if!", 3) == 0) {
      snprintf(iface, sizeof(iface), "%s", spec + 3);
      iface_input = 1;
    } else if (strncmp(spec, "host!", 5) == 0) {
      snprintf(host, sizeof(host), "%s", spec + 5);
      host_input = 1;
    } else if (strncmp(spec, "ifhost!", 7) == 0) {
      const char *bang = strchr(spec + 7, '!');
      snprintf(iface, sizeof(iface), "%.*s", (int)(bang - spec - 7), spec + 7);
      snprintf(host, sizeof(host), "%s", bang + 1);
      iface_input = host_input = 1;
    } else {
      snprintf(iface, sizeof(iface), "%s", spec);
      snprintf(host, sizeof(host), "%s", spec);
    }
  }
  memset(&ss, 0, sizeof(ss));
  if (iface[0] != '\0') {
#ifdef SO_BINDTODEVICE
    /* an interface (a VRF too) by name; often not permitted unless
     * privileged, and then its address is bound instead */
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, iface,
                   (socklen_t)strlen(iface) + 1) == 0) {
      if (!host_input)
        goto bind_port;
    } else {
      err = errno;
    }
#endif
  }
  if (iface[0] != '\0' && !host_input) {
    int r = if_address(iface, dst, &ss);
    if (r < 0) {
      snprintf(why, whylen, "Interface '%s' has no address of the family "
                            "of the one connected to", iface);
      return -EAFNOSUPPORT;
    }
    if (r > 0)
      have_addr = 1;
    else if (iface_input) {
      err = err ? err : ENODEV;
      snprintf(why, whylen, "Couldn't bind to interface '%s' with errno %d: %s",
               iface, err, strerror(err));
      return -err;
    }
  }
  if (!have_addr && host[0] != '\0') {
    char ip[520];
    const char *pct;
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    struct in6_addr any6;
    snprintf(ip, sizeof(ip), "%s", host);
    if (ip[0] == '[' && ip[strlen(ip) - 1] == ']') {
      memmove(ip, ip + 1, strlen(ip));
      ip[strlen(ip) - 1] = '\0';
    }
    if ((pct = strchr(ip, '%')) != NULL) {
      s6->sin6_scope_id = if_nametoindex(pct + 1);
      ip[pct - ip] = '\0';
    }
    if (dst->sa_family == AF_INET && inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
      have_addr = 1;
    } else if (dst->sa_family == AF_INET6 &&
               inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
      have_addr = 1;
    } else if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1 ||
               inet_pton(AF_INET6, ip, &any6) == 1) {
      snprintf(why, whylen, "Couldn't bind to '%s': not of the family of the "
                            "address connected to", host);
      return -EAFNOSUPPORT;
    } else {
      err = EADDRNOTAVAIL;
      snprintf(why, whylen, "Couldn't bind to '%s' with errno %d: %s (ferry "
                            "binds to interface names and numeric addresses)",
               host, err, strerror(err));
      return -err;
    }
  }
#ifdef SO_BINDTODEVICE
bind_port:
#endif
  if (!have_addr) {
    if (port == 0)
      return 0; /* bound to a device, any address and port */
    memset(&ss, 0, sizeof(ss));
  }
  ss.ss_family = dst->sa_family;
  if (port == 0) {
#ifdef IP_BIND_ADDRESS_NO_PORT
    /* the port comes with connect(): more ports for more connections */
    int one = 1;
    setsockopt(fd, SOL_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
#endif
  }
  for (;;) {
    if (dst->sa_family == AF_INET6)
      ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
    else
      ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
    if (bind(fd, (struct sockaddr *)&ss, sslen) == 0)
      return 0;
    err = errno;
    /* LOCALPORTRANGE: the next port, up to the range */
    if (--tries > 0 && port != 0 && ++port <= 65535)
      continue;
    break;
  }
  snprintf(why, whylen, "bind failed with errno %d: %s", err, strerror(err));
  return -(err ? err : EADDRNOTAVAIL);
}

/* "1.2.3.4" / "::1" and the port of a socket address. */
static void addr_text(const struct sockaddr_storage *ss, char *ip, size_t iplen,
                      long *port) {
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const void *)ss;
    inet_ntop(AF_INET6, &s6->sin6_addr, ip, (socklen_t)iplen);
    *port = ntohs(s6->sin6_port);
  } else if (ss->ss_family == AF_UNIX) {
    /* the socket's path, as libcurl shows it ("" for an unnamed end) */
    const struct sockaddr_un *su = (const void *)ss;
    size_t n = strnlen(su->sun_path, sizeof(su->sun_path));
    if (n >= iplen)
      n = iplen - 1; /* cut short, as libcurl's MAX_IPADR_LEN does */
    memcpy(ip, su->sun_path, n);
    ip[n] = '\0';
    *port = 0;
  } else {
    const struct sockaddr_in *s4 = (const void *)ss;
    inet_ntop(AF_INET, &s4->sin_addr, ip, (socklen_t)iplen);
    *port = ntohs(s4->sin_port);
  }
}

/* Read the connected socket's addresses once. */
static void learn_addrs(ferry__conn *c, int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);

  memset(&ss, 0, sizeof(ss)); /* an unnamed Unix socket fills no path */
  if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
    addr_text(&ss, c->peer_ip, sizeof(c->peer_ip), &c->peer_port);
  len = sizeof(ss);
  memset(&ss, 0, sizeof(ss));
  if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
    addr_text(&ss, c->local_ip, sizeof(c->local_ip), &c->local_port);
}

/* Readiness of an attempt's socket: noted for the next step, which the
 * connection's owner takes. */
static void attempt_event(void *ctx, int cselect) {
  attempt *a = ctx;
  a->ready = 1;
  ferry__conn_notify(a->sock->cf.conn, cselect);
}

/* Calls into the application count as callbacks of the multi, which
 * then refuses API calls (RECURSIVE_API_CALL). */
static void app_enter(const cf_socket *s) {
  int *n = s->cf.conn->pool->watches->in_callback;
  if (n != NULL)
    (*n)++;
}

static void app_leave(const cf_socket *s) {
  int *n = s->cf.conn->pool->watches->in_callback;
  if (n != NULL)
    (*n)--;
}

/* Close one of the filter's sockets: with the CLOSESOCKETFUNCTION when
 * there is one, as libcurl does for every socket of a connection (its
 * driver has heard REMOVE before, when it watched it). */
static void close_fd(cf_socket *s, int fd) {
  if (s->o.closesocket == NULL) {
    close(fd);
    return;
  }
  app_enter(s);
  s->o.closesocket(s->o.closesocket_data, fd);
  app_leave(s);
}

static void attempt_close(cf_socket *s, attempt *a) {
  ferry__conn *c = s->cf.conn;
  if (a->fd < 0)
    return;
  if (c->easy != NULL)
    a->watch.easy = c->easy;
  ferry__watch_del(c->pool->watches, &a->watch);
  close_fd(s, a->fd);
  a->fd = -1;
  a->ready = 0;
}

/* Where attempt a connects: its address, or where the OPENSOCKETFUNCTION
 * moved it. */
static const struct sockaddr_storage *attempt_to(const cf_socket *s,
                                                 const attempt *a) {
  return s->o.opensocket != NULL ? &s->moved[a - s->a] : &s->addrs->a[a->addr];
}

/* The OPENSOCKETFUNCTION's argument: libcurl's struct curl_sockaddr with
 * room for any socket address from &sa.addr on, as libcurl passes it. */
typedef struct open_arg {
  struct ferry_sockaddr sa;
  char room[sizeof(struct sockaddr_storage) - sizeof(struct sockaddr)];
} open_arg;

_Static_assert(offsetof(struct ferry_sockaddr, addr) + sizeof(struct sockaddr) ==
                   sizeof(struct ferry_sockaddr),
               "nothing follows ferry_sockaddr.addr");
_Static_assert(offsetof(open_arg, room) == sizeof(struct ferry_sockaddr),
               "the room follows ferry_sockaddr.addr at once");

/* Ask the OPENSOCKETFUNCTION for the socket of attempt slot to address
 * idx. Its answer (or -1) is returned; *family and *socktype are the
 * struct's after the call, and s->moved[slot] (*salen bytes) the address
 * to connect to. */
static int open_by_callback(cf_socket *s, int slot, size_t idx, int *family,
                            int *socktype, socklen_t *salen) {
  const struct sockaddr *sa = (const struct sockaddr *)&s->addrs->a[idx];
  open_arg arg;
  unsigned char *addr = (unsigned char *)&arg + offsetof(struct ferry_sockaddr, addr);
  unsigned len;
  int fd;

  memset(&arg, 0, sizeof(arg));
  arg.sa.family = sa->sa_family;
  arg.sa.socktype = SOCK_STREAM;
  arg.sa.protocol = sa->sa_family == AF_UNIX ? 0 : IPPROTO_TCP;
  if (sa->sa_family == AF_UNIX) {
    /* as libcurl's: the path and its NUL */
    const struct sockaddr_un *su = (const void *)sa;
    len = (unsigned)(offsetof(struct sockaddr_un, sun_path) +
                     strnlen(su->sun_path, sizeof(su->sun_path) - 1) + 1);
  } else {
    len = sockaddr_len(sa);
  }
  arg.sa.addrlen = len;
  memcpy(addr, sa, len);
  app_enter(s);
  fd = s->o.opensocket(s->o.opensocket_data, FERRYSOCKTYPE_IPCXN, &arg.sa);
  app_leave(s);
  *family = arg.sa.family;
  *socktype = arg.sa.socktype;
  /* an address longer than the room it had cannot be: cut to the room */
  len = arg.sa.addrlen;
  if (len > sizeof(struct sockaddr_storage))
    len = sizeof(struct sockaddr_storage);
  memset(&s->moved[slot], 0, sizeof(s->moved[slot]));
  memcpy(&s->moved[slot], addr, len);
  *salen = (socklen_t)len;
  return fd;
}

/* Put the application's socket in non-blocking mode. 0, or -1 (errno). */
static int set_nonblocking(int fd) {
  int fl = fcntl(fd, F_GETFL, 0);
  if (fl < 0)
    return -1;
  return (fl & O_NONBLOCK) || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0 ? 0 : -1;
}

/* Start a connect on a to the next address that takes one. FERRYE_OK when
 * an attempt runs on a (ready at once when the SOCKOPTFUNCTION said its
 * socket is connected), FERRYE_AGAIN when no address is left, or an error
 * (INTERFACE_FAILED, OUT_OF_MEMORY) described in *err. An address whose
 * attempt fails before its connect runs (no socket, a callback refused)
 * is noted as the last failure, and the next one is tried. */
static ferry_code attempt_start(cf_socket *s, attempt *a, ferry__ioerr *err) {
  ferry__conn *c = s->cf.conn;
  ferry__watchset *ws = c->pool->watches;
  int slot = (int)(a - s->a);

  while (s->next < s->addrs->n) {
    size_t idx = s->next++;
    const struct sockaddr *sa = (const struct sockaddr *)&s->addrs->a[idx];
    socklen_t salen = sockaddr_len(sa);
    int family = sa->sa_family, socktype = SOCK_STREAM;
    int one = 1, fd, rc, ip, tcp, connected = 0;
    char why[FERRY_ERROR_SIZE];
    struct sockaddr_in6 scoped;

    s->last_addr = idx;
    if (s->o.opensocket != NULL) {
      fd = open_by_callback(s, slot, idx, &family, &socktype, &salen);
      sa = (const struct sockaddr *)&s->moved[slot];
      if (fd < 0) {
        s->last_fail = FAIL_OPEN_REFUSED;
        continue;
      }
      if (ferry__watch_find(ws, fd) != NULL) {
        /* not the application's to give: not closed either */
        s->last_fail = FAIL_OPEN_TAKEN;
        s->last_rc = fd;
        continue;
      }
    } else {
      fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        s->last_fail = FAIL_ERRNO;
        s->last_errno = errno;
        continue;
      }
    }
    /* as libcurl decides it, from the struct the callback left */
    ip = family == AF_INET || family == AF_INET6;
    tcp = ip && socktype == SOCK_STREAM;
    if (tcp && s->o.tcp_nodelay)
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (tcp && s->o.tcp_keepalive)
      set_keepalive(fd, &s->o);
    if (s->o.sockopt != NULL) {
      app_enter(s);
      rc = s->o.sockopt(s->o.sockopt_data, fd, FERRYSOCKTYPE_IPCXN);
      app_leave(s);
      if (rc == FERRY_SOCKOPT_ALREADY_CONNECTED) {
        connected = 1;
      } else if (rc != FERRY_SOCKOPT_OK) {
        close_fd(s, fd);
        s->last_fail = FAIL_SOCKOPT;
        s->last_rc = rc;
        continue;
      }
    }
    if (ip && (rc = bind_local(fd, sa, &s->o, why, sizeof(why))) != 0) {
      close_fd(s, fd);
      /* INTERFACE / LOCALPORT could not be bound: another address of
       * another family may do when the interface has none of this one */
      s->last_fail = FAIL_ERRNO;
      s->last_errno = -rc;
      if (rc == -EAFNOSUPPORT && s->next < s->addrs->n)
        continue;
      ferry__ioerr_set(err, FERRYE_INTERFACE_FAILED, -rc, "%s", why);
      return FERRYE_INTERFACE_FAILED;
    }
    if (s->o.opensocket != NULL && set_nonblocking(fd) != 0) {
      s->last_errno = errno;
      s->last_fail = FAIL_NONBLOCK;
      close_fd(s, fd);
      continue;
    }
    a->watch.on_event = attempt_event;
    a->watch.ctx = a;
    if (ferry__watch_add(ws, &a->watch, fd) != 0) {
      close_fd(s, fd);
      ferry__ioerr_set(err, FERRYE_OUT_OF_MEMORY, 0, "out of memory for a socket");
      return FERRYE_OUT_OF_MEMORY;
    }
    a->watch.easy = c->easy;
    a->fd = fd;
    a->ready = 0;
    a->addr = idx;
    if (connected) {
      /* decided at the next look, without waiting */
      a->ready = 1;
      return FERRYE_OK;
    }
    if (sa->sa_family == AF_INET6 && s->o.address_scope != 0 &&
        salen >= (socklen_t)sizeof(scoped) &&
        ((const struct sockaddr_in6 *)(const void *)sa)->sin6_scope_id == 0) {
      /* ADDRESS_SCOPE, unless the URL's zone id gave a scope already (a
       * copy: the addresses are shared); after OPENSOCKETFUNCTION, as in
       * libcurl */
      scoped = *(const struct sockaddr_in6 *)(const void *)sa;
      scoped.sin6_scope_id = (uint32_t)s->o.address_scope;
      sa = (const struct sockaddr *)&scoped;
    }
    if (connect(fd, sa, salen) == 0 || errno == EINPROGRESS) {
      /* writable when connected */
      ferry__watch_set(ws, &a->watch, FERRY_POLL_OUT, 0);
      return FERRYE_OK;
    }
    s->last_fail = FAIL_ERRNO;
    s->last_errno = errno;
    attempt_close(s, a);
  }
  return FERRYE_AGAIN;
}

/* While the first attempt has not connected after HAPPY_EYEBALLS_TIMEOUT_MS,
 * the next address (getaddrinfo's list is interleaved by family) is tried
 * in parallel. */
static void arm_race(cf_socket *s) {
  s->race_at = 0;
  if (s->a[1].fd < 0 && s->next < s->addrs->n && s->o.happy_eyeballs_ms > 0)
    s->race_at = ferry__now_ms() + (uint64_t)s->o.happy_eyeballs_ms;
}

/* No attempt is left: the transfer fails as the last failed attempt did. */
static ferry_code connect_failed(cf_socket *s, ferry__ioerr *err) {
  char ip[INET6_ADDRSTRLEN + 110];
  long port = 0;

  if (s->last_fail != FAIL_ERRNO)
    addr_text(&s->addrs->a[s->last_addr], ip, sizeof(ip), &port);
  switch (s->last_fail) {
  case FAIL_OPEN_REFUSED:
    ferry__ioerr_set(err, FERRYE_COULDNT_CONNECT, 0,
                     "Failed to connect to %s port %ld: the open socket "
                     "callback returned CURL_SOCKET_BAD", ip, port);
    return FERRYE_COULDNT_CONNECT;
  case FAIL_OPEN_TAKEN:
    ferry__ioerr_set(err, FERRYE_COULDNT_CONNECT, 0,
                     "Failed to connect to %s port %ld: the open socket "
                     "callback returned socket %d, which ferry uses already",
                     ip, port, s->last_rc);
    return FERRYE_COULDNT_CONNECT;
  case FAIL_SOCKOPT:
    ferry__ioerr_set(err, FERRYE_ABORTED_BY_CALLBACK, 0,
                     "Failed to connect to %s port %ld: the socket option "
                     "callback returned %d", ip, port, s->last_rc);
    return FERRYE_ABORTED_BY_CALLBACK;
  case FAIL_NONBLOCK:
    ferry__ioerr_set(err, FERRYE_UNSUPPORTED_PROTOCOL, s->last_errno,
                     "Failed to connect to %s port %ld: cannot make the open "
                     "socket callback's socket non-blocking: %s", ip, port,
                     strerror(s->last_errno));
    return FERRYE_UNSUPPORTED_PROTOCOL;
  case FAIL_ERRNO:
    break;
  }
  err->code = FERRYE_COULDNT_CONNECT;
  err->os_errno = s->last_errno ? s->last_errno : ECONNREFUSED;
  return FERRYE_COULDNT_CONNECT;
}

/* Look at the attempts that had readiness: the first connected one wins
 * (FERRYE_OK); one that failed gives way to an attempt on the next
 * address. FERRYE_AGAIN when none is decided, or an error. */
static ferry_code settle_attempts(cf_socket *s, ferry__ioerr *err) {
  ferry__conn *c = s->cf.conn;
  ferry_code rc;

  for (int i = 0; i < 2;) {
    attempt *a = &s->a[i];
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    if (a->fd < 0 || !a->ready) {
      i++;
      continue;
    }
    a->ready = 0;
    if (getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
      soerr = errno;
    if (soerr == 0) {
      /* this one won; the other goes */
      attempt_close(s, &s->a[1 - i]);
      s->winner = i;
      s->race_at = 0;
      learn_addrs(c, a->fd);
      ferry__addrs_unref(s->addrs);
      s->addrs = NULL;
      ferry__conn_set_socket(c, a->fd, &a->watch);
      return FERRYE_OK;
    }
    s->last_fail = FAIL_ERRNO;
    s->last_errno = soerr;
    if (ferry__conn_trace_on(c)) {
      char ip[INET6_ADDRSTRLEN + 110];
      long port = 0;
      addr_text(attempt_to(s, a), ip, sizeof(ip), &port);
      ferry__conn_infof(c, "connect to %s port %ld failed: %s", ip, port,
                        strerror(soerr));
    }
    attempt_close(s, a);
    rc = attempt_start(s, a, err);
    if (rc == FERRYE_OK) {
      if (i == 0 && s->a[1].fd < 0)
        arm_race(s);
      continue; /* the new attempt may be connected already */
    }
    if (rc != FERRYE_AGAIN)
      return rc;
    /* no address left for this attempt: the other may still win */
    i++;
  }
  return FERRYE_AGAIN;
}

static ferry_code socket_connect(ferry__cf *cf, int cselect, ferry__ioerr *err) {
  cf_socket *s = (cf_socket *)cf;
  ferry__conn *c = cf->conn;
  ferry_code rc;
  (void)cselect;

  if (s->a[0].fd < 0 && s->a[1].fd < 0 && s->next == 0) {
    /* the first step: the first attempt */
    rc = attempt_start(s, &s->a[0], err);
    if (rc == FERRYE_AGAIN)
      return connect_failed(s, err);
    if (rc != FERRYE_OK)
      return rc;
    arm_race(s);
    if (!s->a[0].ready)
      return FERRYE_AGAIN;
  }
  for (;;) {
    rc = settle_attempts(s, err);
    if (rc != FERRYE_AGAIN)
      return rc;
    if (!s->race_at || ferry__now_ms() < s->race_at || s->a[1].fd >= 0)
      break;
    s->race_at = 0;
    rc = attempt_start(s, &s->a[1], err);
    if (rc == FERRYE_OK) {
      if (ferry__conn_trace_on(c))
        ferry__conn_infof(c, "Happy eyeballs: racing address %zu", s->next - 1);
      if (s->a[1].ready)
        continue; /* connected already: decide now */
    } else if (rc != FERRYE_AGAIN) {
      /* the first attempt goes on alone */
      err->code = FERRYE_OK;
      if (err->buf && err->len)
        err->buf[0] = '\0';
    }
    break;
  }
  if (s->a[0].fd >= 0 || s->a[1].fd >= 0)
    return FERRYE_AGAIN;
  return connect_failed(s, err);
}

static int socket_fd(const cf_socket *s) {
  return s->winner >= 0 ? s->a[s->winner].fd : -1;
}

static ssize_t socket_send(ferry__cf *cf, const struct iovec *iov, int n_iov,
                           ferry__ioerr *err) {
  struct msghdr msg;
  ssize_t n;

  memset(&msg, 0, sizeof(msg));
  msg.msg_iov = (struct iovec *)iov;
  msg.msg_iovlen = (size_t)n_iov;
  do
    n = sendmsg(socket_fd((cf_socket *)cf), &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n >= 0)
    return n;
  if (errno == EAGAIN || errno == EWOULDBLOCK)
    return FERRY__IO_AGAIN;
  return ferry__ioerr_set(err, FERRYE_SEND_ERROR, errno, "Send failure: %s",
                          strerror(errno));
}

static ssize_t socket_recv(ferry__cf *cf, char *buf, size_t cap, int *clean,
                           ferry__ioerr *err) {
  ssize_t n;

  *clean = 1;
  do
    n = recv(socket_fd((cf_socket *)cf), buf, cap, 0);
  while (n < 0 && errno == EINTR);
  if (n >= 0)
    return n;
  if (errno == EAGAIN || errno == EWOULDBLOCK)
    return FERRY__IO_AGAIN;
  return ferry__ioerr_set(err, FERRYE_RECV_ERROR, errno, "Recv failure: %s",
                          strerror(errno));
}

static uint64_t socket_deadline(const ferry__cf *cf) {
  return ((const cf_socket *)cf)->race_at;
}

static void socket_destroy(ferry__cf *cf) {
  cf_socket *s = (cf_socket *)cf;
  attempt_close(s, &s->a[0]);
  attempt_close(s, &s->a[1]);
  ferry__addrs_unref(s->addrs);
  ferry__free((char *)s->o.interface);
  ferry__free(s);
}

static const ferry__cf_ops socket_ops = {
    "socket",     socket_connect, socket_send,     socket_recv, NULL,
    NULL,         socket_deadline, NULL,           socket_destroy,
};

ferry_code ferry__cf_socket_new(ferry__cf **out, ferry__conn *c,
                                ferry__addrs *addrs, const ferry__sockopts *o) {
  cf_socket *s = ferry__calloc(1, sizeof(*s) + (o->opensocket != NULL ? 2 : 0) *
                                                   sizeof(s->moved[0]));

  *out = NULL;
  if (s == NULL)
    return FERRYE_OUT_OF_MEMORY;
  s->cf.ops = &socket_ops;
  s->cf.conn = c;
  s->o = *o;
  s->o.interface = NULL;
  if (o->interface != NULL &&
      (s->o.interface = ferry__strdup(o->interface)) == NULL) {
    ferry__free(s);
    return FERRYE_OUT_OF_MEMORY;
  }
  s->addrs = ferry__addrs_ref(addrs);
  s->winner = -1;
  for (int i = 0; i < 2; i++) {
    s->a[i].fd = -1;
    s->a[i].watch.fd = -1;
    s->a[i].sock = s;
  }
  *out = &s->cf;
  return FERRYE_OK;
}

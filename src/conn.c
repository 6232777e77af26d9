/* Connections: one non-blocking TCP socket each. A socket is never closed
 * while the socket callback still watches it: ferry__conn_close_socket tells
 * the callback REMOVE first (which, in libuv mode, stops and closes the
 * uv_poll_t) and only then closes the fd. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
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
  c->watch.fd = -1;
  c->watch.on_event = ferry__multi_conn_event;
  c->watch.ctx = c;
  c->bundle = b;
  ferry__list_init(&c->idle_node);
  ferry__list_init(&c->lru_node);
  c->created_ms = ferry__now_ms();
  b->n_conns++;
  m->pool.n_conns++;
  return c;
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
static void set_keepalive(int fd, const ferry__opts *o) {
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
static int bind_local(int fd, const struct sockaddr *dst, const ferry__opts *o,
                      char *why, size_t whylen) {
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

int ferry__conn_connect(ferry__conn *c, const struct sockaddr *sa,
                        const ferry__opts *o, char *why, size_t whylen) {
  int fd, one = 1, err;
  int ip = sa->sa_family == AF_INET || sa->sa_family == AF_INET6;

  fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return errno;
  if (ip && o->tcp_nodelay)
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (o->tcp_keepalive)
    set_keepalive(fd, o);
  if (ip && (err = bind_local(fd, sa, o, why, whylen)) != 0) {
    close(fd);
    return err;
  }
  if (ferry__watch_add(&c->multi->watches, &c->watch, fd) != 0) {
    close(fd);
    return ENOMEM;
  }
  c->fd = fd;
  if (connect(fd, sa, sockaddr_len(sa)) == 0 || errno == EINPROGRESS)
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
  if (c->fd < 0)
    return 0;
  /* NONE stops the watch (a paused transfer uses no CPU); libcurl's
   * socket callback hears REMOVE for it */
  return ferry__watch_set(&c->multi->watches, &c->watch,
                          what == FERRY_POLL_NONE ? 0 : what, 0);
}

int ferry__conn_watch_idle(ferry__conn *c) {
  int rc;
  if (c->fd < 0)
    return 0;
  /* a REMOVE this causes reports the transfer that parked it; after that
   * the idle socket belongs to no transfer */
  rc = ferry__watch_set(&c->multi->watches, &c->watch, FERRY_POLL_IN, 1);
  c->watch.easy = NULL;
  return rc;
}

void ferry__conn_set_easy(ferry__conn *c, ferry_easy *e) {
  c->easy = e;
  /* an idle socket keeps reporting the transfer that parked it until
   * another takes it: it is told nothing meanwhile */
  if (e != NULL)
    c->watch.easy = e;
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
  /* REMOVE to whoever watches it, then close */
  if (c->easy != NULL)
    c->watch.easy = c->easy;
  ferry__watch_del(&m->watches, &c->watch);
  c->watch.easy = NULL;
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
  /* a racing connect attempt (happy eyeballs) points at its transfer
   * without being the transfer's connection */
  if (c->easy && c->easy->conn == c)
    c->easy->conn = NULL;
  c->easy = NULL;
  c->bundle->n_conns--;
  m->pool.n_conns--;
  ferry__free(c);
}

/* sockcb-diff - libcurl's socket callbacks and PREREQFUNCTION, as a
 * libcurl program sees them.
 *
 * Usage: sockcb-diff PORT_A PORT_B
 *
 * Two HTTP servers answer on 127.0.0.1:PORT_A and :PORT_B. The program
 * runs a set of transfers with OPENSOCKETFUNCTION, SOCKOPTFUNCTION,
 * CLOSESOCKETFUNCTION and PREREQFUNCTION set, and prints one line per
 * callback call and per result, with what varies from run to run (socket
 * numbers, local ports) named rather than printed: sockets as s1, s2, ...
 * in the order the open callback made them, server ports as A and B.
 * test/test-sockcb.c builds it against ferry's <curl/curl.h> and against
 * the system's libcurl, runs both against the same servers and compares
 * the output line by line.
 *
 * CURL_SOCKOPT_ALREADY_CONNECTED is left out: libcurl 7.88 (Debian 12's)
 * calls connect() on such a socket anyway and fails (curl issue #10626,
 * fixed in 8.0); test/test-sockcb.c checks ferry's 8.x behaviour alone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#define MAX_SOCKS 16

enum open_mode { OPEN_MAKE, OPEN_BAD, OPEN_MOVE_TO_B, OPEN_ONLY_127_0_0_1 };

struct run {
  int port_a, port_b;
  enum open_mode open_mode;
  int sockopt_rc;
  int prereq_rc;
  int fds[MAX_SOCKS]; /* the sockets the open callback made, in order */
  int n_fds;
  int closed[MAX_SOCKS];
  char prereq_ip[64], prereq_local_ip[64];
  int prereq_port, prereq_local_port;
  int failures;
};

static void fail(struct run *r, const char *what) {
  fprintf(stderr, "check failed: %s\n", what);
  r->failures++;
}

/* Which of the open callback's sockets fd is: the one still open with
 * that number (numbers are reused once closed), else the last one closed
 * with it; -1 for none. */
static int slot_of(const struct run *r, int fd) {
  int found = -1;
  for (int i = 0; i < r->n_fds; i++)
    if (r->fds[i] == fd && (found < 0 || r->closed[found] || !r->closed[i]))
      found = i;
  return found;
}

/* "s1" for the first socket the open callback made, "s?" for another. */
static const char *sock_name(const struct run *r, int fd) {
  static char names[4][16];
  static int slot;
  char *n = names[slot++ % 4];
  int i = slot_of(r, fd);
  if (i < 0)
    return "s?";
  snprintf(n, 16, "s%d", i + 1);
  return n;
}

static const char *port_name(const struct run *r, int port) {
  return port == r->port_a ? "A" : port == r->port_b ? "B" : "other";
}

static curl_socket_t on_open(void *clientp, curlsocktype purpose,
                             struct curl_sockaddr *address) {
  struct run *r = clientp;
  struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&address->addr;
  char ip[64] = "?";
  int fd;

  if (address->family == AF_INET)
    inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
  printf("open purpose=%d family=%s socktype=%d protocol=%d addrlen=%u "
         "addr=%s port=%s\n",
         (int)purpose, address->family == AF_INET ? "inet" : "other",
         address->socktype, address->protocol, address->addrlen, ip,
         port_name(r, ntohs(sin->sin_port)));
  if (r->open_mode == OPEN_BAD)
    return CURL_SOCKET_BAD;
  if (r->open_mode == OPEN_ONLY_127_0_0_1 && strcmp(ip, "127.0.0.1") != 0)
    return CURL_SOCKET_BAD;
  if (r->open_mode == OPEN_MOVE_TO_B)
    sin->sin_port = htons((unsigned short)r->port_b);
  /* a blocking socket, as an application makes one */
  fd = socket(address->family, address->socktype, address->protocol);
  if (fd < 0 || r->n_fds == MAX_SOCKS) {
    fail(r, "socket() in the open callback");
    return CURL_SOCKET_BAD;
  }
  r->fds[r->n_fds++] = fd;
  return fd;
}

static int flag(int fd, int level, int name) {
  int v = 0;
  socklen_t len = sizeof(v);
  if (getsockopt(fd, level, name, &v, &len) != 0)
    return -1;
  return v != 0;
}

static int on_sockopt(void *clientp, curl_socket_t fd, curlsocktype purpose) {
  struct run *r = clientp;
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  int connected = getpeername(fd, (struct sockaddr *)&ss, &len) == 0;

  printf("sockopt %s purpose=%d nodelay=%d keepalive=%d nonblocking=%d "
         "connected=%d -> %d\n",
         sock_name(r, fd), (int)purpose, flag(fd, IPPROTO_TCP, TCP_NODELAY),
         flag(fd, SOL_SOCKET, SO_KEEPALIVE),
         (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0, connected, r->sockopt_rc);
  return r->sockopt_rc;
}

static int on_close(void *clientp, curl_socket_t fd) {
  struct run *r = clientp;
  int i = slot_of(r, fd);
  printf("close %s\n", sock_name(r, fd));
  if (i < 0)
    fail(r, "closing a socket the open callback did not make");
  else if (r->closed[i]++)
    fail(r, "a socket closed twice");
  close(fd);
  return 0;
}

static int on_prereq(void *clientp, char *primary_ip, char *local_ip,
                     int primary_port, int local_port) {
  struct run *r = clientp;
  snprintf(r->prereq_ip, sizeof(r->prereq_ip), "%s", primary_ip);
  snprintf(r->prereq_local_ip, sizeof(r->prereq_local_ip), "%s", local_ip);
  r->prereq_port = primary_port;
  r->prereq_local_port = local_port;
  /* after the open callback moved the address, libcurl 7.88 reports the
   * URL's port here (A), libcurl 8 the port connected to (B), as ferry */
  printf("prereq primary=%s port=%s local=%s -> %d\n", primary_ip,
         r->open_mode == OPEN_MOVE_TO_B ? "A or B" : port_name(r, primary_port),
         local_ip, r->prereq_rc);
  return r->prereq_rc;
}

static size_t on_write(char *p, size_t size, size_t n, void *ud) {
  (void)p;
  *(size_t *)ud += size * n;
  return size * n;
}

static CURL *easy_for(struct run *r, int port, size_t *bytes) {
  CURL *e = curl_easy_init();
  char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/sockcb", port);
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, bytes);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, r);
  curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, on_sockopt);
  curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, r);
  curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, on_close);
  curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, r);
  curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
  curl_easy_setopt(e, CURLOPT_PREREQDATA, r);
  return e;
}

/* One perform: its result, the bytes, and whether PREREQ saw what
 * getinfo reports. */
static void perform(struct run *r, CURL *e, size_t *bytes) {
  CURLcode rc;
  char *ip = NULL, *local_ip = NULL;
  long port = 0, local_port = 0;

  *bytes = 0;
  r->prereq_port = -1;
  rc = curl_easy_perform(e);
  printf("result=%d bytes=%zu\n", (int)rc, *bytes);
  if (rc != CURLE_OK || r->prereq_port < 0)
    return;
  curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip);
  curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &port);
  curl_easy_getinfo(e, CURLINFO_LOCAL_IP, &local_ip);
  curl_easy_getinfo(e, CURLINFO_LOCAL_PORT, &local_port);
  printf("prereq saw getinfo's addresses: %s\n",
         ip && local_ip && strcmp(ip, r->prereq_ip) == 0 &&
                 strcmp(local_ip, r->prereq_local_ip) == 0 &&
                 port == r->prereq_port && local_port == r->prereq_local_port
             ? "yes"
             : "no");
}

static void begin(struct run *r, const char *title) {
  int a = r->port_a, b = r->port_b;
  for (int i = 0; i < r->n_fds; i++)
    if (!r->closed[i])
      fail(r, "a socket left open by the previous case");
  memset(r, 0, sizeof(*r));
  r->port_a = a;
  r->port_b = b;
  printf("== %s\n", title);
}

/* A perform on a new handle, then cleanup (which closes what it pooled). */
static void one(struct run *r, const char *title, enum open_mode mode,
                int sockopt_rc, int prereq_rc, int twice) {
  size_t bytes;
  CURL *e;

  begin(r, title);
  r->open_mode = mode;
  r->sockopt_rc = sockopt_rc;
  r->prereq_rc = prereq_rc;
  e = easy_for(r, r->port_a, &bytes);
  perform(r, e, &bytes);
  if (twice)
    perform(r, e, &bytes); /* on the pooled connection */
  printf("cleanup\n");
  curl_easy_cleanup(e);
}

/* Two addresses for one name; the open callback refuses the first. */
static void refuse_first(struct run *r) {
  struct curl_slist *resolve;
  char entry[64], url[64];
  size_t bytes;
  CURL *e;

  begin(r, "the open callback refuses the first of two addresses");
  r->open_mode = OPEN_ONLY_127_0_0_1;
  snprintf(entry, sizeof(entry), "two.test:%d:127.0.0.2,127.0.0.1",
           r->port_a);
  snprintf(url, sizeof(url), "http://two.test:%d/", r->port_a);
  resolve = curl_slist_append(NULL, entry);
  e = easy_for(r, r->port_a, &bytes);
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_RESOLVE, resolve);
  perform(r, e, &bytes);
  printf("cleanup\n");
  curl_easy_cleanup(e);
  curl_slist_free_all(resolve);
}

/* A socket_action driver on poll(2): the sockets the socket callback
 * watches, and the timer. */
struct driver {
  struct run *r;
  int fds[MAX_SOCKS];
  short events[MAX_SOCKS];
  int n;
  long timeout_ms;
};

static int on_socket(CURL *e, curl_socket_t fd, int what, void *userp,
                     void *socketp) {
  struct driver *d = userp;
  int i;
  (void)e;
  (void)socketp;
  for (i = 0; i < d->n && d->fds[i] != fd; i++)
    ;
  if (what == CURL_POLL_REMOVE) {
    printf("socket callback: REMOVE %s\n", sock_name(d->r, fd));
    if (i < d->n) {
      d->fds[i] = d->fds[d->n - 1];
      d->events[i] = d->events[d->n - 1];
      d->n--;
    }
    return 0;
  }
  if (i == d->n) {
    if (d->n == MAX_SOCKS) {
      fail(d->r, "too many sockets");
      return -1;
    }
    d->fds[d->n++] = fd;
  }
  d->events[i] = (short)(((what & CURL_POLL_IN) ? POLLIN : 0) |
                         ((what & CURL_POLL_OUT) ? POLLOUT : 0));
  return 0;
}

static int on_timer(CURLM *m, long timeout_ms, void *userp) {
  struct driver *d = userp;
  (void)m;
  d->timeout_ms = timeout_ms;
  return 0;
}

/* Run the multi's transfers in socket_action style until none is left. */
static void drive(CURLM *m, struct driver *d) {
  int running = 1;
  while (running) {
    struct pollfd p[MAX_SOCKS];
    int n = d->n, ready;
    for (int i = 0; i < n; i++) {
      p[i].fd = d->fds[i];
      p[i].events = d->events[i];
      p[i].revents = 0;
    }
    ready = poll(p, (nfds_t)n,
                 d->timeout_ms < 0 || d->timeout_ms > 1000 ? 1000
                                                           : (int)d->timeout_ms);
    if (ready <= 0) {
      curl_multi_socket_action(m, CURL_SOCKET_TIMEOUT, 0, &running);
      continue;
    }
    for (int i = 0; i < n; i++) {
      int ev = 0;
      if (p[i].revents == 0)
        continue;
      if (p[i].revents & POLLIN)
        ev |= CURL_CSELECT_IN;
      if (p[i].revents & POLLOUT)
        ev |= CURL_CSELECT_OUT;
      if (p[i].revents & (POLLERR | POLLHUP))
        ev |= CURL_CSELECT_ERR;
      curl_multi_socket_action(m, p[i].fd, ev, &running);
    }
  }
}

/* A multi in socket_action style: the socket is told REMOVE before it is
 * closed, whether the transfer closes it (FORBID_REUSE) or the multi's
 * cleanup closes it from the pool. */
static void with_multi(struct run *r, int forbid_reuse) {
  CURLM *m = curl_multi_init();
  struct driver d;
  CURLMsg *msg;
  size_t bytes;
  int left, running;
  CURL *e;

  begin(r, forbid_reuse ? "multi, FORBID_REUSE" : "multi, pooled");
  memset(&d, 0, sizeof(d));
  d.r = r;
  d.timeout_ms = -1;
  e = easy_for(r, r->port_a, &bytes);
  bytes = 0;
  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, (long)forbid_reuse);
  curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(m, CURLMOPT_SOCKETDATA, &d);
  curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, on_timer);
  curl_multi_setopt(m, CURLMOPT_TIMERDATA, &d);
  curl_multi_add_handle(m, e);
  curl_multi_socket_action(m, CURL_SOCKET_TIMEOUT, 0, &running);
  drive(m, &d);
  while ((msg = curl_multi_info_read(m, &left)) != NULL)
    printf("result=%d bytes=%zu\n", (int)msg->data.result, bytes);
  curl_multi_remove_handle(m, e);
  printf("easy cleanup\n");
  curl_easy_cleanup(e);
  printf("multi cleanup\n");
  curl_multi_cleanup(m);
}

int main(int argc, char **argv) {
  struct run r;

  if (argc != 3) {
    fprintf(stderr, "usage: sockcb-diff PORT_A PORT_B\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  memset(&r, 0, sizeof(r));
  r.port_a = atoi(argv[1]);
  r.port_b = atoi(argv[2]);
  one(&r, "an application socket, reused once", OPEN_MAKE, CURL_SOCKOPT_OK,
      CURL_PREREQFUNC_OK, 1);
  one(&r, "the open callback moves the address", OPEN_MOVE_TO_B,
      CURL_SOCKOPT_OK, CURL_PREREQFUNC_OK, 0);
  one(&r, "the open callback returns CURL_SOCKET_BAD", OPEN_BAD,
      CURL_SOCKOPT_OK, CURL_PREREQFUNC_OK, 0);
  one(&r, "the sockopt callback fails", OPEN_MAKE, CURL_SOCKOPT_ERROR,
      CURL_PREREQFUNC_OK, 0);
  one(&r, "the prereq callback aborts", OPEN_MAKE, CURL_SOCKOPT_OK,
      CURL_PREREQFUNC_ABORT, 0);
  refuse_first(&r);
  with_multi(&r, 1);
  with_multi(&r, 0);
  begin(&r, "end");
  curl_global_cleanup();
  return r.failures ? 1 : 0;
}

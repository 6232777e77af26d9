/* libcurl's socket callbacks and PREREQFUNCTION, as an application sees
 * them: OPENSOCKETFUNCTION (the address it is shown, moving it, its own
 * socket, refusing), SOCKOPTFUNCTION (its place in the order, an error,
 * ALREADY_CONNECTED), CLOSESOCKETFUNCTION (every socket once, kept by the
 * connection, after the socket callback's REMOVE) and PREREQFUNCTION (the
 * connection's addresses, new and reused; an abort sends nothing). The
 * last test builds test/loop/sockcb-diff.c against ferry and against the
 * system's libcurl and holds both to the same output. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "fx.h"
#include "h2server.h"
#include "proc.h"
#include "test.h"

#ifndef FERRY_TEST_LOOP_DIR
#error "meson passes FERRY_TEST_LOOP_DIR"
#endif

#define MAX_FDS 8

/* What the callbacks saw, and what they are to do. */
typedef struct rec {
  /* what to do */
  int open_bad;            /* the open callback returns FERRY_SOCKET_BAD */
  int open_only_port;      /* ... except for this port (0: always) */
  const char *open_only_ip; /* ... or except for this address */
  int move_to_port;        /* the open callback moves the address here */
  int connect_self;        /* the open callback connects its socket */
  int give_fd;             /* the open callback returns this fd (>= 0) */
  int sockopt_rc;
  int prereq_rc;
  ferry_multi *multi;      /* for API calls from inside the callbacks */
  ferry_easy *easy;
  /* what happened */
  char log[1024];          /* "open sockopt prereq REMOVE:s1 close:s1 " */
  int opens, sockopts, closes, prereqs;
  int fds[MAX_FDS];        /* sockets the open callback made, in order */
  int n_fds;
  int closed[MAX_FDS];     /* closes of each */
  int closed_other;        /* closes of sockets it did not make */
  int last_closed_fd;
  /* the open callback's argument, last call */
  int purpose, family, socktype, protocol;
  unsigned addrlen;
  struct sockaddr_storage addr;
  char open_ips[4][INET6_ADDRSTRLEN];
  /* in the sockopt callback */
  int so_nodelay, so_keepalive, so_nonblocking, so_connected, so_fd;
  /* the prereq callback's arguments */
  char pre_ip[64], pre_local_ip[64];
  int pre_port, pre_local_port;
  unsigned pre_requests_seen;   /* requests the server had then */
  tserver *server;
  int recursive;           /* API calls from inside came back RECURSIVE */
} rec;

/* Which of the open callback's sockets fd is: the one still open with
 * that number (numbers are reused once closed), else the last one closed
 * with it; -1 for none. */
static int slot_of(const rec *r, int fd) {
  int found = -1;
  for (int i = 0; i < r->n_fds; i++)
    if (r->fds[i] == fd && (found < 0 || r->closed[found] || !r->closed[i]))
      found = i;
  return found;
}

static void log_add(rec *r, const char *fmt, int fd) {
  size_t n = strlen(r->log);
  char word[48], sname[16];
  int i = slot_of(r, fd);
  snprintf(sname, sizeof(sname), "s%d", i + 1);
  snprintf(word, sizeof(word), fmt, i >= 0 ? sname : "s?");
  snprintf(r->log + n, sizeof(r->log) - n, "%s ", word);
}

static void check_recursive(rec *r) {
  if (r->multi != NULL && r->easy != NULL &&
      ferry_multi_remove_handle(r->multi, r->easy) == FERRYM_RECURSIVE_API_CALL)
    r->recursive++;
}

static ferry_socket_t on_open(void *clientp, ferry_socktype purpose,
                              struct ferry_sockaddr *a) {
  rec *r = clientp;
  struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&a->addr;
  char ip[INET6_ADDRSTRLEN] = "";
  int fd;

  r->opens++;
  r->purpose = (int)purpose;
  r->family = a->family;
  r->socktype = a->socktype;
  r->protocol = a->protocol;
  r->addrlen = a->addrlen;
  memcpy(&r->addr, &a->addr,
         a->addrlen <= sizeof(r->addr) ? a->addrlen : sizeof(r->addr));
  if (a->family == AF_INET)
    inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
  if (r->opens <= 4)
    memcpy(r->open_ips[r->opens - 1], ip, sizeof(ip));
  strcat(r->log, "open ");
  check_recursive(r);
  if (r->give_fd >= 0)
    return r->give_fd;
  if (r->open_bad && !(r->open_only_ip && strcmp(ip, r->open_only_ip) == 0))
    return FERRY_SOCKET_BAD;
  if (r->move_to_port)
    sin->sin_port = htons((uint16_t)r->move_to_port);
  /* a blocking socket, as applications make them */
  fd = socket(a->family, a->socktype, a->protocol);
  if (fd < 0 || r->n_fds == MAX_FDS)
    return FERRY_SOCKET_BAD;
  if (r->connect_self && connect(fd, &a->addr, a->addrlen) != 0) {
    close(fd);
    return FERRY_SOCKET_BAD;
  }
  r->fds[r->n_fds++] = fd;
  return fd;
}

static int flag_of(int fd, int level, int name) {
  int v = 0;
  socklen_t len = sizeof(v);
  if (getsockopt(fd, level, name, &v, &len) != 0)
    return -1;
  return v != 0;
}

static int on_sockopt(void *clientp, ferry_socket_t fd, ferry_socktype purpose) {
  rec *r = clientp;
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);

  r->sockopts++;
  r->purpose = (int)purpose;
  r->so_fd = fd;
  r->so_nodelay = flag_of(fd, IPPROTO_TCP, TCP_NODELAY);
  r->so_keepalive = flag_of(fd, SOL_SOCKET, SO_KEEPALIVE);
  r->so_nonblocking = (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0;
  r->so_connected = getpeername(fd, (struct sockaddr *)&ss, &len) == 0;
  strcat(r->log, "sockopt ");
  check_recursive(r);
  return r->sockopt_rc;
}

static int on_close(void *clientp, ferry_socket_t fd) {
  rec *r = clientp;
  int i = slot_of(r, fd);
  r->closes++;
  r->last_closed_fd = fd;
  log_add(r, "close:%s", fd);
  if (i >= 0)
    r->closed[i]++;
  else
    r->closed_other++;
  check_recursive(r);
  close(fd);
  return 0;
}

static int on_prereq(void *clientp, char *ip, char *local_ip, int port,
                     int local_port) {
  rec *r = clientp;
  r->prereqs++;
  snprintf(r->pre_ip, sizeof(r->pre_ip), "%s", ip);
  snprintf(r->pre_local_ip, sizeof(r->pre_local_ip), "%s", local_ip);
  r->pre_port = port;
  r->pre_local_port = local_port;
  if (r->server)
    r->pre_requests_seen = tserver_requests(r->server);
  strcat(r->log, "prereq ");
  check_recursive(r);
  return r->prereq_rc;
}

static int on_socket(ferry_easy *e, ferry_socket_t fd, int what, void *userp,
                     void *socketp) {
  (void)e;
  (void)socketp;
  if (what == FERRY_POLL_REMOVE)
    log_add(userp, "REMOVE:%s", fd);
  return 0;
}

static void rec_init(rec *r) {
  memset(r, 0, sizeof(*r));
  r->give_fd = -1;
}

/* Set every callback of r on e. */
static void set_all(ferry_easy *e, rec *r) {
  ferry_easy_setopt(e, FERRYOPT_OPENSOCKETFUNCTION, on_open);
  ferry_easy_setopt(e, FERRYOPT_OPENSOCKETDATA, r);
  ferry_easy_setopt(e, FERRYOPT_SOCKOPTFUNCTION, on_sockopt);
  ferry_easy_setopt(e, FERRYOPT_SOCKOPTDATA, r);
  ferry_easy_setopt(e, FERRYOPT_CLOSESOCKETFUNCTION, on_close);
  ferry_easy_setopt(e, FERRYOPT_CLOSESOCKETDATA, r);
  ferry_easy_setopt(e, FERRYOPT_PREREQFUNCTION, on_prereq);
  ferry_easy_setopt(e, FERRYOPT_PREREQDATA, r);
}

static long info_long(ferry_easy *e, ferry_info what) {
  long v = -1;
  ferry_easy_getinfo(e, what, &v);
  return v;
}

static const char *info_str(ferry_easy *e, ferry_info what) {
  char *v = NULL;
  ferry_easy_getinfo(e, what, &v);
  return v ? v : "";
}

/* Run a multi until its transfers are done; the result of e. */
static ferry_code run_multi(ferry_multi *m, ferry_easy *e) {
  ferry_code result = FERRYE_LAST;
  ferry_msg *msg;
  int running = 1;
  while (running) {
    if (ferry_multi_perform(m, &running) != FERRYM_OK)
      break;
    if (running)
      ferry_multi_wait(m, NULL, 0, 1000, NULL);
  }
  while ((msg = ferry_multi_info_read(m, NULL)) != NULL)
    if (msg->easy_handle == e)
      result = msg->data.result;
  return result;
}

/* ---- OPENSOCKETFUNCTION ------------------------------------------------ */

TEST_IMPL(sockcb_open_callback_sees_the_address_and_its_socket_is_used) {
  tserver *s = tserver_start();
  sink body = {0};
  struct sockaddr_in *sin, me;
  socklen_t len = sizeof(me);
  ferry_easy *e;
  rec r;
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  rec_init(&r);
  e = fx_easy(fx_url(s, "/open"), &body, NULL);
  set_all(e, &r);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  /* shown what ferry was about to connect to */
  ASSERT_EQ(r.opens, 1);
  ASSERT_EQ(r.purpose, FERRYSOCKTYPE_IPCXN);
  ASSERT_EQ(r.family, AF_INET);
  ASSERT_EQ(r.socktype, SOCK_STREAM);
  ASSERT_EQ(r.protocol, IPPROTO_TCP);
  ASSERT_EQ(r.addrlen, sizeof(struct sockaddr_in));
  sin = (struct sockaddr_in *)&r.addr;
  ASSERT_EQ(sin->sin_family, AF_INET);
  ASSERT_EQ(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
  ASSERT_EQ(ntohs(sin->sin_port), tserver_port(s));
  /* its socket carried the transfer, with TCP_NODELAY set as libcurl sets
   * it on an application's socket (that ferry makes it non-blocking before
   * connect() shows in the happy eyeballs test: a blocking connect to the
   * hanging address would stop everything) */
  ASSERT_EQ(r.n_fds, 1);
  fd = r.fds[0];
  ASSERT((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
  ASSERT_EQ(flag_of(fd, IPPROTO_TCP, TCP_NODELAY), 1);
  ASSERT_EQ(getsockname(fd, (struct sockaddr *)&me, &len), 0);
  ASSERT_EQ(info_long(e, FERRYINFO_LOCAL_PORT), ntohs(me.sin_port));
  ASSERT_STR_EQ(r.log, "open sockopt prereq ");
  /* pooled: closed at cleanup, with the close callback, once */
  ASSERT_EQ(r.closes, 0);
  ferry_easy_cleanup(e);
  ASSERT_EQ(r.closes, 1);
  ASSERT_EQ(r.closed[0], 1);
  ASSERT_EQ(r.last_closed_fd, fd);
  ASSERT_EQ(r.closed_other, 0);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(sockcb_open_callback_has_room_for_an_ipv6_address) {
  tserver *s = tserver_start_ipv6();
  struct sockaddr_in6 *s6;
  sink body = {0};
  ferry_easy *e;
  char url[64];
  rec r;

  if (s == NULL) {
    fprintf(stderr, "  no IPv6 on this machine: nothing to test\n");
    return 0;
  }
  tserver_respond_always(s, FX_OK_HELLO, 0);
  rec_init(&r);
  snprintf(url, sizeof(url), "http://[::1]:%d/six", tserver_port(s));
  e = fx_easy(url, &body, NULL);
  set_all(e, &r);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(r.family, AF_INET6);
  ASSERT_EQ(r.addrlen, sizeof(struct sockaddr_in6));
  /* the whole sockaddr_in6, beyond what struct sockaddr holds */
  s6 = (struct sockaddr_in6 *)&r.addr;
  ASSERT_EQ(s6->sin6_family, AF_INET6);
  ASSERT_EQ(ntohs(s6->sin6_port), tserver_port(s));
  ASSERT(IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr));
  ASSERT_STR_EQ(info_str(e, FERRYINFO_PRIMARY_IP), "::1");
  ferry_easy_cleanup(e);
  ASSERT_EQ(r.closes, 1);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(sockcb_open_callback_moves_the_connection_to_another_server) {
  tserver *a = tserver_start(), *b = tserver_start();
  sink body = {0};
  ferry_easy *e;
  rec r;

  ASSERT_NOT_NULL(a);
  ASSERT_NOT_NULL(b);
  tserver_respond_always(a, FX_OK_HELLO, 0);
  tserver_respond_always(b, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nB", 0);
  rec_init(&r);
  r.move_to_port = tserver_port(b);
  e = fx_easy(fx_url(a, "/to-a"), &body, NULL);
  set_all(e, &r);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  /* B served it, and A never saw a connection */
  ASSERT_MEM_EQ(body.data, body.len, "B");
  ASSERT_EQ(tserver_requests(b), 1);
  ASSERT_EQ(tserver_connections(a), 0);
  /* the port connected to, as libcurl 8 reports it */
  ASSERT_EQ(info_long(e, FERRYINFO_PRIMARY_PORT), tserver_port(b));
  ASSERT_EQ(r.pre_port, tserver_port(b));
  ferry_easy_cleanup(e);
  ASSERT_EQ(r.closes, 1);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(a), 0);
  ASSERT_EQ(tserver_stop(b), 0);
  return 0;
}

TEST_IMPL(sockcb_open_callback_bad_socket_fails_with_couldnt_connect) {
  tserver *s = tserver_start();
  char err[FERRY_ERROR_SIZE] = "", want[128];
  sink body = {0};
  ferry_easy *e;
  rec r;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  rec_init(&r);
  r.open_bad = 1;
  e = fx_easy(fx_url(s, "/bad"), &body, NULL);
  set_all(e, &r);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_COULDNT_CONNECT);
  snprintf(want, sizeof(want),
           "Failed to connect to 127.0.0.1 port %d: the open socket callback "
           "returned CURL_SOCKET_BAD",
           tserver_port(s));
  ASSERT_STR_EQ(err, want);
  ASSERT_EQ(r.opens, 1);
  ASSERT_STR_EQ(r.log, "open ");
  ASSERT_EQ(tserver_connections(s), 0);
  ASSERT_EQ(body.len, 0);
  ferry_easy_cleanup(e);
  ASSERT_EQ(r.closes, 0); /* no socket, nothing to close */
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(sockcb_open_callback_refusing_an_address_goes_on_to_the_next) {
  tserver *s = tserver_start();
  ferry_slist *resolve;
  sink body = {0};
  char entry[64], url[64];
  ferry_easy *e;
  rec r;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  rec_init(&r);
  r.open_bad = 1;
  r.open_only_ip = "127.0.0.1";
  snprintf(entry, sizeof(entry), "two.test:%d:127.0.0.2,127.0.0.1",
           tserver_port(s));
  snprintf(url, sizeof(url), "http://two.test:%d/", tserver_port(s));
  resolve = ferry_slist_append(NULL, entry);
  e = fx_easy(url, &body, NULL);
  set_all(e, &r);
  ferry_easy_setopt(e, FERRYOPT_RESOLVE, resolve);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(r.opens, 2);
  ASSERT_STR_EQ(r.open_ips[0], "127.0.0.2");
  ASSERT_STR_EQ(r.open_ips[1], "127.0.0.1");
  ASSERT_STR_EQ(info_str(e, FERRYINFO_PRIMARY_IP), "127.0.0.1");
  ferry_easy_cleanup(e);
  ASSERT_EQ(r.closes, 1);
  ferry_slist_free_all(resolve);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(sockcb_open_callback_giving_a_socket_ferry_uses_is_refused) {
  tserver *s = tserver_start();
  char err[FERRY_ERROR_SIZE] = "";
  sink b1 = {0}, b2 = {0}, b3 = {0};
  ferry_multi *m = ferry_multi_init();
  ferry_easy *e1, *e2, *e3;
  rec r1, r2;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  rec_init(&r1);
  rec_init(&r2);
  e1 = fx_easy(fx_url(s, "/1"), &b1, NULL);
  set_all(e1, &r1);
  ferry_multi_add_handle(m, e1);
  ASSERT_EQ(run_multi(m, e1), FERRYE_OK);
  ASSERT_EQ(r1.n_fds, 1);
  /* e1's connection is pooled; e2's callback hands its socket over again */
  r2.give_fd = r1.fds[0];
  e2 = fx_easy(fx_url(s, "/2"), &b2, NULL);
  set_all(e2, &r2);
  ferry_easy_setopt(e2, FERRYOPT_FRESH_CONNECT, 1L);
  ferry_easy_setopt(e2, FERRYOPT_ERRORBUFFER, err);
  ferry_multi_add_handle(m, e2);
  ASSERT_EQ(run_multi(m, e2), FERRYE_COULDNT_CONNECT);
  ASSERT(strstr(err, "which ferry uses already") != NULL);
  ASSERT_EQ(r2.closes, 0);
  ASSERT_EQ(r1.closes, 0);
  /* and the pooled connection still works */
  e3 = fx_easy(fx_url(s, "/3"), &b3, NULL);
  ferry_multi_add_handle(m, e3);
  ASSERT_EQ(run_multi(m, e3), FERRYE_OK);
  ASSERT_MEM_EQ(b3.data, b3.len, "hello");
  ASSERT_EQ(tserver_connections(s), 1);
  ferry_multi_remove_handle(m, e1);
  ferry_multi_remove_handle(m, e2);
  ferry_multi_remove_handle(m, e3);
  ferry_easy_cleanup(e1);
  ferry_easy_cleanup(e2);
  ferry_easy_cleanup(e3);
  ferry_multi_cleanup(m);
  ASSERT_EQ(r1.closes, 1);
  ASSERT_EQ(r1.closed[0], 1);
  sink_free(&b1);
  sink_free(&b2);
  sink_free(&b3);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- SOCKOPTFUNCTION -------------------------------------------------- */

TEST_IMPL(sockcb_sockopt_callback_runs_after_socket_options_before_connect) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  rec r;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  /* ferry's own socket: only the sockopt callback */
  rec_init(&r);
  e = fx_easy(fx_url(s, "/so"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_SOCKOPTFUNCTION, on_sockopt);
  ferry_easy_setopt(e, FERRYOPT_SOCKOPTDATA, &r);
  ferry_easy_setopt(e, FERRYOPT_TCP_KEEPALIVE, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(r.sockopts, 1);
  ASSERT_EQ(r.purpose, FERRYSOCKTYPE_IPCXN);
  ASSERT_EQ(r.so_nodelay, 1);   /* ferry's options are set before */
  ASSERT_EQ(r.so_keepalive, 1);
  ASSERT_EQ(r.so_nonblocking, 1); /* ferry's own socket is made so */
  ASSERT_EQ(r.so_connected, 0); /* and connect comes after */
  ferry_easy_cleanup(e);
  /* the open callback's socket: still blocking in the sockopt callback,
   * as in libcurl (O_NONBLOCK comes after it) */
  rec_init(&r);
  e = fx_easy(fx_url(s, "/so"), &body, NULL);
  set_all(e, &r);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(r.so_fd, r.fds[0]);
  ASSERT_EQ(r.so_nodelay, 1);
  ASSERT_EQ(r.so_keepalive, 0);
  ASSERT_EQ(r.so_nonblocking, 0);
  ASSERT_EQ(r.so_connected, 0);
  ASSERT((fcntl(r.fds[0], F_GETFL) & O_NONBLOCK) != 0);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(sockcb_sockopt_error_fails_with_aborted_by_callback) {
  tserver *s = tserver_start();
  char err[FERRY_ERROR_SIZE] = "", want[128];
  sink body = {0};
  ferry_easy *e;
  rec r;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  rec_init(&r);
  r.sockopt_rc = FERRY_SOCKOPT_ERROR;
  e = fx_easy(fx_url(s, "/soerr"), &body, NULL);
  set_all(e, &r);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_ABORTED_BY_CALLBACK);
  snprintf(want, sizeof(want),
           "Failed to connect to 127.0.0.1 port %d: the socket option "
           "callback returned 1",
           tserver_port(s));
  ASSERT_STR_EQ(err, want);
  /* the socket was closed with the close callback at once */
  ASSERT_STR_EQ(r.log, "open sockopt close:s1 ");
  ASSERT_EQ(r.closed[0], 1);
  ASSERT_EQ(tserver_connections(s), 0);
  ferry_easy_cleanup(e);
  ASSERT_EQ(r.closes, 1);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(sockcb_sockopt_already_connected_skips_connect) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  struct sockaddr_in me;
  socklen_t len = sizeof(me);
  rec r;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  rec_init(&r);
  r.connect_self = 1;
  r.sockopt_rc = FERRY_SOCKOPT_ALREADY_CONNECTED;
  e = fx_easy(fx_url(s, "/mine"), &body, NULL);
  set_all(e, &r);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(r.so_connected, 1);
  ASSERT_EQ(tserver_connections(s), 1);
  /* the application's connection carried it */
  ASSERT_EQ(getsockname(r.fds[0], (struct sockaddr *)&me, &len), 0);
  ASSERT_EQ(info_long(e, FERRYINFO_LOCAL_PORT), ntohs(me.sin_port));
  ASSERT_EQ(info_long(e, FERRYINFO_PRIMARY_PORT), tserver_port(s));
  ASSERT_EQ(r.pre_local_port, ntohs(me.sin_port));
  ferry_easy_cleanup(e);
  ASSERT_EQ(r.closes, 1);
  ASSERT_EQ(r.closed[0], 1);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- CLOSESOCKETFUNCTION ---------------------------------------------- */

TEST_IMPL(sockcb_close_callback_gets_ferrys_own_sockets_too) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  rec r;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  rec_init(&r);
  e = fx_easy(fx_url(s, "/own"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_CLOSESOCKETFUNCTION, on_close);
  ferry_easy_setopt(e, FERRYOPT_CLOSESOCKETDATA, &r);
  ferry_easy_setopt(e, FERRYOPT_FORBID_REUSE, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  /* as in libcurl: every socket of a connection, whoever made it */
  ASSERT_EQ(r.closes, 2);
  ASSERT_EQ(r.closed_other, 2);
  ferry_easy_cleanup(e);
  ASSERT_EQ(r.closes, 2);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(sockcb_close_callback_of_a_pooled_connection_outlives_its_easy) {
  tserver *s = tserver_start();
  sink b1 = {0}, b2 = {0};
  ferry_multi *m = ferry_multi_init();
  ferry_easy *e1, *e2;
  rec r1, r2;
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  rec_init(&r1);
  rec_init(&r2);
  e1 = fx_easy(fx_url(s, "/1"), &b1, NULL);
  set_all(e1, &r1);
  ferry_multi_add_handle(m, e1);
  ASSERT_EQ(run_multi(m, e1), FERRYE_OK);
  fd = r1.fds[0];
  ferry_multi_remove_handle(m, e1);
  ferry_easy_cleanup(e1);
  ASSERT_EQ(r1.closes, 0); /* pooled */
  /* another handle, with callbacks of its own, reuses it */
  e2 = fx_easy(fx_url(s, "/2"), &b2, NULL);
  set_all(e2, &r2);
  ferry_multi_add_handle(m, e2);
  ASSERT_EQ(run_multi(m, e2), FERRYE_OK);
  ASSERT_EQ(tserver_connections(s), 1);
  ASSERT_EQ(r2.opens, 0);
  ASSERT_EQ(r2.prereqs, 1); /* called on the reused connection too */
  ferry_multi_remove_handle(m, e2);
  ferry_easy_cleanup(e2);
  ASSERT_EQ(r1.closes + r2.closes, 0);
  /* the multi's cleanup closes it with the callback it was made with */
  ferry_multi_cleanup(m);
  ASSERT_EQ(r1.closes, 1);
  ASSERT_EQ(r1.last_closed_fd, fd);
  ASSERT_EQ(r2.closes, 0);
  sink_free(&b1);
  sink_free(&b2);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(sockcb_socket_callback_hears_remove_before_the_close_callback) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_multi *m;
  ferry_easy *e;
  rec r;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  for (int forbid = 1; forbid >= 0; forbid--) {
    rec_init(&r);
    m = ferry_multi_init();
    ferry_multi_setopt(m, FERRYMOPT_SOCKETFUNCTION, on_socket);
    ferry_multi_setopt(m, FERRYMOPT_SOCKETDATA, &r);
    e = fx_easy(fx_url(s, "/rm"), &body, NULL);
    set_all(e, &r);
    ferry_easy_setopt(e, FERRYOPT_FORBID_REUSE, (long)forbid);
    ferry_multi_add_handle(m, e);
    ASSERT_EQ(run_multi(m, e), FERRYE_OK);
    ferry_multi_remove_handle(m, e);
    ferry_easy_cleanup(e);
    ferry_multi_cleanup(m);
    /* closed by the transfer (FORBID_REUSE), or idle and closed by the
     * multi's cleanup: REMOVE first either way, exactly once */
    ASSERT_STR_EQ(r.log, "open sockopt prereq REMOVE:s1 close:s1 ");
  }
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- PREREQFUNCTION --------------------------------------------------- */

TEST_IMPL(sockcb_prereq_sees_the_connection_addresses_new_and_reused) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  long first_local;
  rec r;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  rec_init(&r);
  r.server = s;
  e = fx_easy(fx_url(s, "/pre"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_PREREQFUNCTION, on_prereq);
  ferry_easy_setopt(e, FERRYOPT_PREREQDATA, &r);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(r.prereqs, 1);
  ASSERT_EQ(r.pre_requests_seen, 0); /* before the request went */
  ASSERT_STR_EQ(r.pre_ip, info_str(e, FERRYINFO_PRIMARY_IP));
  ASSERT_STR_EQ(r.pre_ip, "127.0.0.1");
  ASSERT_STR_EQ(r.pre_local_ip, info_str(e, FERRYINFO_LOCAL_IP));
  ASSERT_EQ(r.pre_port, info_long(e, FERRYINFO_PRIMARY_PORT));
  ASSERT_EQ(r.pre_port, tserver_port(s));
  ASSERT_EQ(r.pre_local_port, info_long(e, FERRYINFO_LOCAL_PORT));
  ASSERT_NE(r.pre_local_port, 0);
  first_local = r.pre_local_port;
  /* again, on the pooled connection */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(r.prereqs, 2);
  ASSERT_EQ(r.pre_requests_seen, 1);
  ASSERT_EQ(tserver_connections(s), 1);
  ASSERT_EQ(r.pre_local_port, first_local);
  ASSERT_EQ(r.pre_local_port, info_long(e, FERRYINFO_LOCAL_PORT));
  ASSERT_EQ(r.pre_port, tserver_port(s));
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(sockcb_prereq_is_called_for_every_redirect_hop) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  ts_step steps[] = {
      FX_STEP_REQ,
      FX_STEP_SEND("HTTP/1.1 302 Found\r\nLocation: /there\r\n"
                   "Content-Length: 0\r\n\r\n"),
      FX_STEP_REQ, FX_STEP_SEND(FX_OK_HELLO)};
  rec r;

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, FX_STEPS(steps));
  rec_init(&r);
  r.server = s;
  e = fx_easy(fx_url(s, "/here"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L);
  ferry_easy_setopt(e, FERRYOPT_PREREQFUNCTION, on_prereq);
  ferry_easy_setopt(e, FERRYOPT_PREREQDATA, &r);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(r.prereqs, 2);
  ASSERT_EQ(r.pre_requests_seen, 1);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(sockcb_prereq_abort_fails_with_42_and_sends_nothing) {
  tserver *s = tserver_start();
  char err[FERRY_ERROR_SIZE] = "";
  sink body = {0};
  ferry_easy *e;
  char *got;
  size_t len = 99;
  rec r;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  rec_init(&r);
  r.prereq_rc = FERRY_PREREQFUNC_ABORT;
  e = fx_easy(fx_url(s, "/no"), &body, NULL);
  set_all(e, &r);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  ASSERT_EQ(ferry_easy_perform(e), 42);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_ABORTED_BY_CALLBACK);
  ASSERT_STR_EQ(err, "operation aborted by pre-request callback");
  /* each attempt connected, sent nothing, and closed its connection, as
   * libcurl does */
  ASSERT_STR_EQ(r.log, "open sockopt prereq close:s1 open sockopt prereq "
                       "close:s2 ");
  ASSERT_EQ(tserver_wait_closed(s, 2, 5000), 0);
  ASSERT_EQ(tserver_connections(s), 2);
  ASSERT_EQ(tserver_requests(s), 0);
  got = tserver_received(s, 0, &len);
  ASSERT_NOT_NULL(got);
  ASSERT_EQ(len, 0);
  free(got);
  ASSERT_EQ(body.len, 0);
  ferry_easy_cleanup(e);
  ASSERT_EQ(r.closes, 2);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* libcurl calls it for CONNECT_ONLY too (in its DO state, before the
 * connection is handed over); a refusal fails the transfer and closes the
 * connection instead. */
TEST_IMPL(sockcb_prereq_runs_for_connect_only_too) {
  tserver *s = tserver_start();
  ferry_socket_t active = FERRY_SOCKET_BAD;
  sink body = {0};
  ferry_easy *e;
  rec r;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  rec_init(&r);
  e = fx_easy(fx_url(s, "/co"), &body, NULL);
  set_all(e, &r);
  ferry_easy_setopt(e, FERRYOPT_CONNECT_ONLY, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_STR_EQ(r.log, "open sockopt prereq ");
  ASSERT_EQ(r.pre_port, tserver_port(s));
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_ACTIVESOCKET, &active), FERRYE_OK);
  ASSERT_EQ(active, r.fds[0]);
  r.prereq_rc = FERRY_PREREQFUNC_ABORT;
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_ABORTED_BY_CALLBACK);
  ASSERT_EQ(r.prereqs, 2);
  ASSERT_EQ(r.n_fds, 2);
  ASSERT_EQ(r.closed[0], 1); /* the handed-over one, at the next transfer */
  ASSERT_EQ(r.closed[1], 1); /* the refused one */
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_ACTIVESOCKET, &active), FERRYE_OK);
  ASSERT_EQ(active, FERRY_SOCKET_BAD);
  ferry_easy_cleanup(e);
  ASSERT_EQ(r.closes, 2);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* On an HTTP/2 connection a refused request leaves the connection to
 * other streams, as libcurl keeps a multiplexed connection: the next
 * request goes on it. */
TEST_IMPL(sockcb_prereq_abort_leaves_an_http2_connection_for_others) {
  static const h2server_response resp = {
      .status = 200, .body = "hello", .send_content_length = 1};
  h2server_config cfg;
  h2server *s;
  sink body = {0};
  char url[64];
  ferry_easy *e;
  rec r;

  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = &resp;
  cfg.nresponses = 1;
  s = h2server_start(&cfg);
  ASSERT_NOT_NULL(s);
  rec_init(&r);
  r.prereq_rc = FERRY_PREREQFUNC_ABORT;
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/h2", h2server_port(s));
  e = fx_easy(url, &body, NULL);
  set_all(e, &r);
  ferry_easy_setopt(e, FERRYOPT_HTTP_VERSION,
                    FERRY_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 15000L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_ABORTED_BY_CALLBACK);
  ASSERT_EQ(r.closes, 0);
  r.prereq_rc = FERRY_PREREQFUNC_OK;
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(r.opens, 1);
  ASSERT_EQ(r.prereqs, 2);
  ASSERT_EQ(h2server_get(s, H2SERVER_CONNECTIONS), 1);
  ASSERT_EQ(h2server_wait_requests(s, 1, 5000), 0);
  ASSERT_EQ(h2server_requests(s), 1);
  ferry_easy_cleanup(e);
  ASSERT_EQ(r.closes, 1);
  sink_free(&body);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

/* ---- happy eyeballs ---------------------------------------------------- */

/* Connections in the accept queue of a listener. */
static int accept_queue_len(int fd) {
  struct tcp_info ti;
  socklen_t len = sizeof(ti);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
    return -1;
  return (int)ti.tcpi_unacked;
}

/* Does a full accept queue answer SYNs with a reset? */
static int abort_on_overflow(void) {
  FILE *f = fopen("/proc/sys/net/ipv4/tcp_abort_on_overflow", "r");
  int v = 0;
  if (f == NULL)
    return 0;
  if (fscanf(f, "%d", &v) != 1)
    v = 0;
  fclose(f);
  return v != 0;
}

/* The first address hangs (a full accept queue on 127.0.0.2), the second
 * answers: the open callback is asked once for each racing attempt, and
 * the loser's socket is closed with the close callback as the race ends.
 * The callback's sockets are blocking ones: had ferry not made them
 * non-blocking before connect(), the first connect would hang here. */
TEST_IMPL(sockcb_happy_eyeballs_calls_open_for_each_racing_attempt) {
  tserver *s = tserver_start();
  struct sockaddr_in sa;
  char url[96], spec[96];
  int lfd, filler, port;
  ferry_slist *resolve;
  ferry_easy *e;
  sink body = {0};
  rec r;

  ASSERT_NOT_NULL(s);
  if (abort_on_overflow()) {
    fprintf(stderr, "  tcp_abort_on_overflow is set: nothing hangs\n");
    return tserver_stop(s);
  }
  tserver_respond_always(s, FX_OK_HELLO, 0);
  port = tserver_port(s);
  lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(0x7f000002);
  sa.sin_port = htons((uint16_t)port);
  ASSERT_EQ(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  ASSERT_EQ(listen(lfd, 0), 0);
  filler = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_EQ(connect(filler, (struct sockaddr *)&sa, sizeof(sa)), 0);
  for (int i = 0; accept_queue_len(lfd) < 1; i++) {
    ASSERT_LE(i, 2000);
    usleep(1000);
  }
  snprintf(spec, sizeof(spec), "race.test:%d:127.0.0.2,127.0.0.1", port);
  resolve = ferry_slist_append(NULL, spec);
  snprintf(url, sizeof(url), "http://race.test:%d/", port);
  rec_init(&r);
  e = fx_easy(url, &body, NULL);
  set_all(e, &r);
  ferry_easy_setopt(e, FERRYOPT_RESOLVE, resolve);
  ferry_easy_setopt(e, FERRYOPT_HAPPY_EYEBALLS_TIMEOUT_MS, 100L);
  ferry_easy_setopt(e, FERRYOPT_CONNECTTIMEOUT_MS, 10000L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(r.opens, 2);
  ASSERT_EQ(r.sockopts, 2);
  ASSERT_STR_EQ(r.open_ips[0], "127.0.0.2");
  ASSERT_STR_EQ(r.open_ips[1], "127.0.0.1");
  ASSERT_STR_EQ(info_str(e, FERRYINFO_PRIMARY_IP), "127.0.0.1");
  /* the hanging attempt lost and went */
  ASSERT_STR_EQ(r.log, "open sockopt open sockopt close:s1 prereq ");
  ferry_easy_cleanup(e);
  ASSERT_EQ(r.closes, 2);
  ASSERT_EQ(r.closed[0], 1);
  ASSERT_EQ(r.closed[1], 1);
  ferry_slist_free_all(resolve);
  sink_free(&body);
  close(filler);
  close(lfd);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- the handle ------------------------------------------------------- */

TEST_IMPL(sockcb_duphandle_copies_and_reset_clears_the_callbacks) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e, *dup;
  rec r;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  rec_init(&r);
  e = fx_easy(fx_url(s, "/dup"), &body, NULL);
  set_all(e, &r);
  dup = ferry_easy_duphandle(e);
  ASSERT_NOT_NULL(dup);
  ferry_easy_cleanup(e);
  ASSERT_EQ(ferry_easy_perform(dup), FERRYE_OK);
  ASSERT_STR_EQ(r.log, "open sockopt prereq ");
  ferry_easy_reset(dup);
  ferry_easy_setopt(dup, FERRYOPT_URL, fx_url(s, "/reset"));
  ferry_easy_setopt(dup, FERRYOPT_WRITEFUNCTION, sink_write);
  ferry_easy_setopt(dup, FERRYOPT_WRITEDATA, &body);
  ferry_easy_setopt(dup, FERRYOPT_FRESH_CONNECT, 1L);
  ASSERT_EQ(ferry_easy_perform(dup), FERRYE_OK);
  /* none called for the reset handle's request and connection (the
   * first connection, closed to make room or at cleanup, keeps its own
   * close callback) */
  ASSERT_EQ(r.opens, 1);
  ASSERT_EQ(r.sockopts, 1);
  ASSERT_EQ(r.prereqs, 1);
  ferry_easy_cleanup(dup);
  ASSERT_EQ(r.closes, 1);
  ASSERT_EQ(r.closed_other, 0);
  /* clearing one with NULL */
  rec_init(&r);
  e = fx_easy(fx_url(s, "/null"), &body, NULL);
  set_all(e, &r);
  ferry_easy_setopt(e, FERRYOPT_OPENSOCKETFUNCTION, NULL);
  ferry_easy_setopt(e, FERRYOPT_PREREQFUNCTION, NULL);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_STR_EQ(r.log, "sockopt ");
  ferry_easy_cleanup(e);
  ASSERT_EQ(r.closes, 1);
  ASSERT_EQ(r.closed_other, 1);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(sockcb_api_calls_inside_the_callbacks_are_recursive) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_multi *m = ferry_multi_init();
  ferry_easy *e;
  rec r;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  rec_init(&r);
  e = fx_easy(fx_url(s, "/rec"), &body, NULL);
  set_all(e, &r);
  ferry_easy_setopt(e, FERRYOPT_FORBID_REUSE, 1L);
  r.multi = m;
  r.easy = e;
  ferry_multi_add_handle(m, e);
  ASSERT_EQ(run_multi(m, e), FERRYE_OK);
  ASSERT_STR_EQ(r.log, "open sockopt prereq close:s1 ");
  ASSERT_EQ(r.recursive, 4);
  r.multi = NULL;
  ferry_multi_remove_handle(m, e);
  ferry_easy_cleanup(e);
  ferry_multi_cleanup(m);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- ferry and libcurl agree --------------------------------------------- */

static int run_diff(const char *flavour, tserver *a, tserver *b,
                    tproc_result *out) {
  char path[1024], pa[16], pb[16];
  const char *argv[4];
  snprintf(path, sizeof(path), "%s/sockcb-diff-%s", FERRY_TEST_LOOP_DIR,
           flavour);
  snprintf(pa, sizeof(pa), "%d", tserver_port(a));
  snprintf(pb, sizeof(pb), "%d", tserver_port(b));
  argv[0] = path;
  argv[1] = pa;
  argv[2] = pb;
  argv[3] = NULL;
  return tproc_run(argv, NULL, 60000, out);
}

/* test/loop/sockcb-diff.c, built against libcurl and against ferry, run
 * against the same two servers: the same callbacks in the same order with
 * the same arguments, the same results, and the same requests served. */
TEST_IMPL(sockcb_libcurl_and_ferry_builds_agree) {
  const char *flavours[2] = {"curl", "ferry"};
  tproc_result res[2];
  unsigned served_b[2], requests_a[2];
  int ok;

  for (int i = 0; i < 2; i++) {
    tserver *a = tserver_start(), *b = tserver_start();
    ASSERT_NOT_NULL(a);
    ASSERT_NOT_NULL(b);
    tserver_respond_always(a, FX_OK_HELLO, 0);
    tserver_respond_always(b, FX_OK_HELLO, 0);
    ASSERT_EQ(run_diff(flavours[i], a, b, &res[i]), 0);
    served_b[i] = tserver_requests(b);
    requests_a[i] = tserver_requests(a);
    ASSERT_EQ(tserver_stop(a), 0);
    ASSERT_EQ(tserver_stop(b), 0);
  }
  if (res[0].exit_code != 0 || res[1].exit_code != 0) {
    tproc_result_dump("libcurl build", &res[0]);
    tproc_result_dump("ferry build", &res[1]);
  }
  ASSERT_EQ(res[0].exit_code, 0);
  ASSERT_EQ(res[1].exit_code, 0);
  ok = strcmp(res[0].out, res[1].out) == 0;
  if (!ok)
    fprintf(stderr, "  libcurl printed:\n%s  ferry printed:\n%s", res[0].out,
            res[1].out);
  ASSERT(ok);
  /* the report has every case, and the moved connection reached B */
  ASSERT(strstr(res[1].out, "== multi, pooled\n") != NULL);
  ASSERT(strstr(res[1].out, "result=42") != NULL);
  ASSERT_EQ(served_b[0], 1);
  ASSERT_EQ(served_b[1], 1);
  ASSERT_EQ(requests_a[0], requests_a[1]);
  tproc_result_free(&res[0]);
  tproc_result_free(&res[1]);
  return 0;
}

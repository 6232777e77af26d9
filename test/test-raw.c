/* CONNECT_ONLY: the connection handed to the application, moved with
 * ferry_easy_send / ferry_easy_recv and polled through ACTIVESOCKET, over
 * TCP, TLS and a proxy's tunnel, from ferry_easy_perform and from a multi
 * driven each way; what the engine stops doing with it (watching,
 * reusing) and when it closes. test/diff/connectonly.c compares the same
 * calls with libcurl's. */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "certs.h"
#include "ferry_uv.h"
#include "fx.h"
#include "h2server.h"
#include "test.h"
#include "tlsserver.h"

#define WAIT_MS 5000

static const char get_x[] = "GET /x HTTP/1.1\r\nHost: raw\r\n\r\n";

static ferry_socket_t active(ferry_easy *e) {
  ferry_socket_t s = -2;
  if (ferry_easy_getinfo(e, FERRYINFO_ACTIVESOCKET, &s) != FERRYE_OK)
    return -3;
  return s;
}

static int wait_fd(ferry_socket_t fd, short events) {
  struct pollfd p = {fd, events, 0};
  return poll(&p, 1, WAIT_MS) == 1 ? 0 : -1;
}

/* Send all of p; 0, or the failing code. */
static ferry_code send_all(ferry_easy *e, const char *p, size_t n) {
  size_t off = 0;
  while (off < n) {
    size_t k = 0;
    ferry_code rc = ferry_easy_send(e, p + off, n - off, &k);
    if (rc == FERRYE_AGAIN) {
      if (wait_fd(active(e), POLLOUT) != 0)
        return FERRYE_OPERATION_TIMEDOUT;
      continue;
    }
    if (rc != FERRYE_OK)
      return rc;
    off += k;
  }
  return FERRYE_OK;
}

/* Receive until want bytes arrived, or the end (*eof), or an error. */
static ferry_code recv_some(ferry_easy *e, sink *into, size_t want, int *eof) {
  *eof = 0;
  while (into->len < want) {
    char buf[1024];
    size_t k = 0;
    ferry_code rc = ferry_easy_recv(e, buf, sizeof(buf), &k);
    if (rc == FERRYE_AGAIN) {
      if (wait_fd(active(e), POLLIN) != 0)
        return FERRYE_OPERATION_TIMEDOUT;
      continue;
    }
    if (rc != FERRYE_OK)
      return rc;
    if (k == 0) {
      *eof = 1;
      return FERRYE_OK;
    }
    sink_write(buf, 1, k, into);
  }
  return FERRYE_OK;
}

static ferry_easy *connect_only_easy(const char *url) {
  ferry_easy *e = ferry_easy_init();
  if (e == NULL)
    return NULL;
  ferry_easy_setopt(e, FERRYOPT_URL, url);
  ferry_easy_setopt(e, FERRYOPT_CONNECT_ONLY, 1L);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 15000L);
  return e;
}

TEST_IMPL(raw_connect_only_perform_hands_the_connection_over) {
  tserver *s = tserver_start();
  static const ts_step steps[] = {FX_STEP_REQ, FX_STEP_SEND(FX_OK_HELLO),
                                  FX_STEP_REQ, FX_STEP_SEND(FX_OK_HELLO),
                                  FX_STEP_CLOSE};
  ferry_easy *e;
  sink got = {0};
  char *seen, byte;
  size_t len, k = 99;
  long code = -1, conns = -1, last = -9;
  int eof;

  ASSERT_NOT_NULL(s);
  tserver_default_script(s, FX_STEPS(steps));
  e = connect_only_easy(fx_url(s, "/ignored"));
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_RESPONSE_CODE, &code), FERRYE_OK);
  ASSERT_EQ(code, 0);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_NUM_CONNECTS, &conns), FERRYE_OK);
  ASSERT_EQ(conns, 1);
  ASSERT_GE(active(e), 0);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_LASTSOCKET, &last), FERRYE_OK);
  ASSERT_EQ(last, (long)active(e));
  /* nothing there yet: AGAIN at once */
  ASSERT_EQ(ferry_easy_recv(e, &byte, 1, &k), FERRYE_AGAIN);
  ASSERT_EQ(k, 0);
  /* two requests of the application's own, and their answers */
  ASSERT_EQ(send_all(e, get_x, strlen(get_x)), FERRYE_OK);
  ASSERT_EQ(recv_some(e, &got, strlen(FX_OK_HELLO), &eof), FERRYE_OK);
  ASSERT_MEM_EQ(got.data, got.len, FX_OK_HELLO);
  ASSERT_EQ(send_all(e, get_x, strlen(get_x)), FERRYE_OK);
  ASSERT_EQ(recv_some(e, &got, 2 * strlen(FX_OK_HELLO), &eof), FERRYE_OK);
  ASSERT_EQ(eof, 0);
  /* the server closes: 0 bytes, OK, and again */
  ASSERT_EQ(recv_some(e, &got, (size_t)-1, &eof), FERRYE_OK);
  ASSERT_EQ(eof, 1);
  ASSERT_EQ(got.len, 2 * strlen(FX_OK_HELLO));
  ASSERT_EQ(ferry_easy_recv(e, &byte, 1, &k), FERRYE_OK);
  ASSERT_EQ(k, 0);
  /* the server saw the application's bytes and nothing of ferry's */
  seen = tserver_received(s, 0, &len);
  ASSERT_EQ(len, 2 * strlen(get_x));
  ASSERT(memcmp(seen, get_x, strlen(get_x)) == 0);
  ASSERT(memcmp(seen + strlen(get_x), get_x, strlen(get_x)) == 0);
  free(seen);
  ASSERT_EQ(tserver_connections(s), 1);
  ferry_easy_cleanup(e);
  sink_free(&got);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(raw_connect_only_never_reuses_and_closes_at_the_next_transfer) {
  tserver *s = tserver_start();
  ferry_easy *e;
  sink body = {0};
  long conns = -1, last = -2;
  ferry_socket_t pooled;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/a"), &body, NULL);
  ASSERT_NOT_NULL(e);
  /* a plain GET leaves a connection in the pool, and ACTIVESOCKET (and
   * LASTSOCKET) name it while it is there, as in libcurl... */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  pooled = active(e);
  ASSERT_GE(pooled, 0);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_LASTSOCKET, &last), FERRYE_OK);
  ASSERT_EQ(last, (long)pooled);
  /* ...which CONNECT_ONLY does not take */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_CONNECT_ONLY, 1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_NUM_CONNECTS, &conns), FERRYE_OK);
  ASSERT_EQ(conns, 1);
  ASSERT_GE(active(e), 0);
  ASSERT_NE(active(e), pooled);
  /* an exchange on it: the server has taken it as its second connection */
  {
    sink got = {0};
    int eof;
    ASSERT_EQ(send_all(e, get_x, strlen(get_x)), FERRYE_OK);
    ASSERT_EQ(recv_some(e, &got, strlen(FX_OK_HELLO), &eof), FERRYE_OK);
    ASSERT_MEM_EQ(got.data, got.len, FX_OK_HELLO);
    sink_free(&got);
  }
  ASSERT_EQ(tserver_connections(s), 2);
  /* the next plain transfer closes the handed-over connection and reuses
   * the pooled one */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_CONNECT_ONLY, 0L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_NUM_CONNECTS, &conns), FERRYE_OK);
  ASSERT_EQ(conns, 0);
  ASSERT_EQ(tserver_wait_closed(s, 1, WAIT_MS), 0);
  ASSERT_EQ(tserver_connections(s), 2);
  /* the pooled connection again, still not one for ferry_easy_send */
  ASSERT_EQ(active(e), pooled);
  {
    size_t k = 7;
    ASSERT_EQ(ferry_easy_send(e, "x", 1, &k), FERRYE_UNSUPPORTED_PROTOCOL);
    ASSERT_EQ(k, 0);
  }
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(raw_connect_only_through_a_proxy_tunnel) {
  tserver *s = tserver_start();
  static const ts_step steps[] = {
      FX_STEP_REQ,
      FX_STEP_SEND("HTTP/1.1 200 Connection established\r\n\r\n"),
      FX_STEP_REQ, FX_STEP_SEND(FX_OK_HELLO)};
  ferry_easy *e;
  sink got = {0};
  char want[256], *seen;
  size_t len;
  long connectcode = -1;
  int eof;

  ASSERT_NOT_NULL(s);
  tserver_default_script(s, FX_STEPS(steps));
  e = connect_only_easy("http://origin.example:8080/");
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_PROXY, fx_url(s, "")), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HTTPPROXYTUNNEL, 1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_HTTP_CONNECTCODE, &connectcode),
            FERRYE_OK);
  ASSERT_EQ(connectcode, 200);
  ASSERT_EQ(send_all(e, get_x, strlen(get_x)), FERRYE_OK);
  ASSERT_EQ(recv_some(e, &got, strlen(FX_OK_HELLO), &eof), FERRYE_OK);
  ASSERT_MEM_EQ(got.data, got.len, FX_OK_HELLO);
  /* the CONNECT, then the application's bytes through the tunnel */
  snprintf(want, sizeof(want),
           "CONNECT origin.example:8080 HTTP/1.1\r\n"
           "Host: origin.example:8080\r\n\r\n%s", get_x);
  seen = tserver_received(s, 0, &len);
  ASSERT(len > strlen(get_x));
  ASSERT(memcmp(seen, "CONNECT origin.example:8080 HTTP/1.1\r\n", 38) == 0);
  ASSERT(memcmp(seen + len - strlen(get_x), get_x, strlen(get_x)) == 0);
  free(seen);
  ferry_easy_cleanup(e);
  sink_free(&got);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* -- TLS ------------------------------------------------------------------ */

static tcerts certs;
static int certs_made;
static void certs_remove(void) {
  if (certs_made)
    tcerts_cleanup(&certs);
}
static int make_certs(void) {
  if (tcerts_make(&certs) != 0)
    return -1;
  certs_made = 1;
  atexit(certs_remove);
  return 0;
}

TEST_IMPL(raw_connect_only_over_tls_offers_only_http11_to_an_h2_server) {
  h2server_config cfg;
  h2server *s;
  h2server_conn_info info;
  ferry_easy *e;
  sink got = {0};
  char url[128];
  int eof;

  ASSERT_EQ(make_certs(), 0);
  memset(&cfg, 0, sizeof(cfg));
  cfg.tls = 1;
  cfg.cert = certs.server;
  cfg.key = certs.server_key;
  cfg.alpn = H2SERVER_ALPN_H2_HTTP11;
  s = h2server_start(&cfg);
  ASSERT_NOT_NULL(s);
  snprintf(url, sizeof(url), "https://localhost:%d/", h2server_port(s));
  e = connect_only_easy(url);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_CAINFO, certs.ca), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  /* HTTP/1.1 bytes of the application's own, through TLS */
  ASSERT_EQ(send_all(e, get_x, strlen(get_x)), FERRYE_OK);
  ASSERT_EQ(recv_some(e, &got, strlen(H2SERVER_HTTP1_RESPONSE), &eof),
            FERRYE_OK);
  ASSERT_MEM_EQ(got.data, got.len, H2SERVER_HTTP1_RESPONSE);
  ASSERT_EQ(h2server_connection(s, 0, &info), 0);
  ASSERT_STR_EQ(info.alpn, "http/1.1");
  ASSERT_EQ(info.proto, H2SERVER_PROTO_HTTP1);
  ferry_easy_cleanup(e);
  sink_free(&got);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

static ferry_code tls_raw_until_end(tlsserver_mode mode, sink *got,
                                    char *errbuf) {
  tlsserver_config cfg;
  tlsserver *s;
  ferry_easy *e;
  char url[128];
  ferry_code rc;
  int eof = 0;

  memset(&cfg, 0, sizeof(cfg));
  cfg.cert = certs.server;
  cfg.key = certs.server_key;
  cfg.mode = mode;
  s = tlsserver_start(&cfg);
  if (s == NULL)
    return FERRYE_LAST;
  snprintf(url, sizeof(url), "https://localhost:%d/", tlsserver_port(s));
  e = connect_only_easy(url);
  ferry_easy_setopt(e, FERRYOPT_CAINFO, certs.ca);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, errbuf);
  rc = ferry_easy_perform(e);
  if (rc == FERRYE_OK)
    rc = send_all(e, get_x, strlen(get_x));
  if (rc == FERRYE_OK)
    rc = recv_some(e, got, (size_t)-1, &eof);
  if (rc == FERRYE_OK && !eof)
    rc = FERRYE_LAST;
  ferry_easy_cleanup(e);
  if (tlsserver_stop(s) != 0 && rc == FERRYE_OK)
    rc = FERRYE_LAST;
  return rc;
}

TEST_IMPL(raw_connect_only_tls_end_is_clean_only_with_close_notify) {
  sink got = {0};
  char err[FERRY_ERROR_SIZE] = "";

  ASSERT_EQ(make_certs(), 0);
  ASSERT_EQ(tls_raw_until_end(TLSSRV_RESPOND_CLOSE_NOTIFY, &got, err),
            FERRYE_OK);
  ASSERT_MEM_EQ(got.data, got.len, TLSSRV_HELLO);
  sink_free(&got);
  /* a FIN without close_notify: the bytes before it arrive, then the
   * error, since the stream may have been cut */
  ASSERT_EQ(tls_raw_until_end(TLSSRV_RESPOND_CLOSE, &got, err),
            FERRYE_RECV_ERROR);
  ASSERT_MEM_EQ(got.data, got.len, TLSSRV_HELLO);
  ASSERT(strstr(err, "close_notify") != NULL);
  sink_free(&got);
  return 0;
}

TEST_IMPL(raw_tls_send_that_fills_the_socket_says_again_and_loses_nothing) {
  tlsserver_config cfg;
  tlsserver *s;
  ferry_easy *e;
  sink got = {0};
  char url[128], *req, *seen;
  size_t len = 1024 * 1024 + 64, reqlen, off = 0, seen_len;
  int agains = 0, eof, small = 4096;

  ASSERT_EQ(make_certs(), 0);
  memset(&cfg, 0, sizeof(cfg));
  cfg.cert = certs.server;
  cfg.key = certs.server_key;
  cfg.hold_reads_ms = 300; /* the server reads nothing for a while */
  s = tlsserver_start(&cfg);
  ASSERT_NOT_NULL(s);
  snprintf(url, sizeof(url), "https://localhost:%d/", tlsserver_port(s));
  e = connect_only_easy(url);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_CAINFO, certs.ca), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  /* a small send buffer, so that the socket fills soon */
  ASSERT_EQ(setsockopt(active(e), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)),
            0);
  req = malloc(len);
  ASSERT_NOT_NULL(req);
  reqlen = (size_t)snprintf(req, len, "GET / HTTP/1.1\r\nX-Pad: ");
  memset(req + reqlen, 'a', 1024 * 1024);
  reqlen += 1024 * 1024;
  memcpy(req + reqlen, "\r\n\r\n", 4);
  reqlen += 4;
  while (off < reqlen) {
    size_t k = 99;
    ferry_code rc = ferry_easy_send(e, req + off, reqlen - off, &k);
    if (rc == FERRYE_AGAIN) {
      /* nothing counts as sent: the same bytes go again */
      ASSERT_EQ(k, 0);
      agains++;
      ASSERT_EQ(wait_fd(active(e), POLLOUT), 0);
      continue;
    }
    ASSERT_EQ(rc, FERRYE_OK);
    ASSERT(k > 0 && k <= reqlen - off);
    off += k;
  }
  ASSERT_GE(agains, 1);
  ASSERT_EQ(recv_some(e, &got, strlen(TLSSRV_HELLO), &eof), FERRYE_OK);
  ASSERT_MEM_EQ(got.data, got.len, TLSSRV_HELLO);
  /* every byte arrived once, in order */
  ASSERT_EQ(tlsserver_wait(s, TLSSRV_REQUESTS, 1, WAIT_MS), 0);
  seen = tlsserver_received(s, 0, &seen_len);
  ASSERT_EQ(seen_len, reqlen);
  ASSERT(memcmp(seen, req, reqlen) == 0);
  free(seen);
  free(req);
  ferry_easy_cleanup(e);
  sink_free(&got);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

/* -- in a multi ----------------------------------------------------------- */

TEST_IMPL(raw_connect_only_on_a_uv_loop_ends_the_loop_and_closes_at_removal) {
  uv_loop_t loop;
  tserver *s = tserver_start();
  ferry_multi *m;
  ferry_easy *e;
  ferry_msg *msg;
  sink got = {0};
  char byte;
  size_t k = 5;
  int eof;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  ASSERT_EQ(uv_loop_init(&loop), 0);
  m = ferry_multi_init();
  ASSERT_EQ(ferry_multi_use_loop(m, &loop), FERRYM_OK);
  e = connect_only_easy(fx_url(s, "/"));
  ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_OK);
  /* the loop ends when the connection is made: ferry watches nothing of
   * the connection it handed over */
  ASSERT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
  msg = ferry_multi_info_read(m, NULL);
  ASSERT_NOT_NULL(msg);
  ASSERT_EQ(msg->data.result, FERRYE_OK);
  ASSERT_EQ(send_all(e, get_x, strlen(get_x)), FERRYE_OK);
  ASSERT_EQ(recv_some(e, &got, strlen(FX_OK_HELLO), &eof), FERRYE_OK);
  ASSERT_MEM_EQ(got.data, got.len, FX_OK_HELLO);
  /* as libcurl: removing the handle closes the connection */
  ASSERT_EQ(ferry_multi_remove_handle(m, e), FERRYM_OK);
  ASSERT_EQ(tserver_wait_closed(s, 1, WAIT_MS), 0);
  ASSERT_EQ(active(e), FERRY_SOCKET_BAD);
  ASSERT_EQ(ferry_easy_recv(e, &byte, 1, &k), FERRYE_UNSUPPORTED_PROTOCOL);
  ASSERT_EQ(k, 0);
  ferry_easy_cleanup(e);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  ASSERT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
  ASSERT_EQ(uv_loop_close(&loop), 0);
  sink_free(&got);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* socket_action style: what the socket callback hears */
typedef struct sockrec {
  int fd[16], what[16];
  int n;
  long timeout;
} sockrec;

static int on_sock(ferry_easy *e, ferry_socket_t s, int what, void *userp,
                   void *sockp) {
  sockrec *r = userp;
  (void)e;
  (void)sockp;
  if (r->n < 16) {
    r->fd[r->n] = s;
    r->what[r->n] = what;
  }
  r->n++;
  return 0;
}

static int on_timer(ferry_multi *m, long timeout_ms, void *userp) {
  (void)m;
  ((sockrec *)userp)->timeout = timeout_ms;
  return 0;
}

TEST_IMPL(raw_connect_only_socket_callback_hears_remove_at_the_hand_over) {
  tserver *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  ferry_easy *e;
  sockrec r;
  sink got = {0};
  int running = 1, eof, rounds = 0, n_after;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  memset(&r, 0, sizeof(r));
  r.timeout = -1;
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_SOCKETFUNCTION, on_sock), FERRYM_OK);
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_SOCKETDATA, &r), FERRYM_OK);
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_TIMERFUNCTION, on_timer), FERRYM_OK);
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_TIMERDATA, &r), FERRYM_OK);
  e = connect_only_easy(fx_url(s, "/"));
  ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_OK);
  /* drive it as a socket_action program does: poll what it was told */
  while (running && rounds++ < 100) {
    struct pollfd p[16];
    int np = 0;
    int live[16] = {0};
    for (int i = 0; i < r.n && i < 16; i++) {
      int j;
      for (j = 0; j < np; j++)
        if (p[j].fd == r.fd[i])
          break;
      if (j == np) {
        p[np].fd = r.fd[i];
        p[np].revents = 0;
        np++;
      }
      p[j].events = (short)(((r.what[i] & FERRY_POLL_IN) ? POLLIN : 0) |
                            ((r.what[i] & FERRY_POLL_OUT) ? POLLOUT : 0));
      live[j] = r.what[i] != FERRY_POLL_REMOVE;
    }
    for (int j = 0; j < np; j++)
      if (!live[j])
        p[j].fd = -1;
    if (poll(p, (nfds_t)np, r.timeout < 0 ? 100 : (int)r.timeout) == 0) {
      ASSERT_EQ(ferry_multi_socket_action(m, FERRY_SOCKET_TIMEOUT, 0, &running),
                FERRYM_OK);
      continue;
    }
    for (int j = 0; j < np; j++)
      if (p[j].fd >= 0 && p[j].revents)
        ASSERT_EQ(ferry_multi_socket_action(
                      m, p[j].fd,
                      ((p[j].revents & POLLIN) ? FERRY_CSELECT_IN : 0) |
                          ((p[j].revents & POLLOUT) ? FERRY_CSELECT_OUT : 0),
                      &running),
                  FERRYM_OK);
  }
  ASSERT_EQ(running, 0);
  /* the connection's socket: watched while connecting, then REMOVE */
  ASSERT_GE(r.n, 2);
  ASSERT_EQ(r.fd[r.n - 1], active(e));
  ASSERT_EQ(r.what[r.n - 1], FERRY_POLL_REMOVE);
  ASSERT_EQ(r.fd[0], active(e));
  ASSERT_NE(r.what[0], FERRY_POLL_REMOVE);
  /* and nothing more while the application uses it */
  n_after = r.n;
  ASSERT_EQ(send_all(e, get_x, strlen(get_x)), FERRYE_OK);
  ASSERT_EQ(recv_some(e, &got, strlen(FX_OK_HELLO), &eof), FERRYE_OK);
  ASSERT_EQ(r.n, n_after);
  /* nor at its removal, nor at cleanup: it was told REMOVE already */
  ASSERT_EQ(ferry_multi_remove_handle(m, e), FERRYM_OK);
  ASSERT_EQ(r.n, n_after);
  ferry_easy_cleanup(e);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  ASSERT_EQ(r.n, n_after);
  sink_free(&got);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

static int run_perform(ferry_multi *m) {
  int running = 1, rounds = 0;
  while (running && rounds++ < 1000) {
    if (ferry_multi_perform(m, &running) != FERRYM_OK)
      return -1;
    if (running && ferry_multi_poll(m, NULL, 0, 100, NULL) != FERRYM_OK)
      return -1;
  }
  return running ? -1 : 0;
}

TEST_IMPL(raw_connect_only_holds_its_host_slot_until_removed) {
  tserver *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  ferry_easy *raw, *get;
  sink body = {0};
  ferry_msg *msg;
  ferry_off_t pending = -1;
  int running;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_MAX_HOST_CONNECTIONS, 1L), FERRYM_OK);
  raw = connect_only_easy(fx_url(s, "/"));
  ASSERT_EQ(ferry_multi_add_handle(m, raw), FERRYM_OK);
  ASSERT_EQ(run_perform(m), 0);
  msg = ferry_multi_info_read(m, NULL);
  ASSERT_NOT_NULL(msg);
  ASSERT_EQ(msg->data.result, FERRYE_OK);
  /* a GET to the same host waits: the connection counts against the limit
   * and is never lent */
  get = fx_easy(fx_url(s, "/g"), &body, NULL);
  ASSERT_EQ(ferry_multi_add_handle(m, get), FERRYM_OK);
  for (int i = 0; i < 5; i++) {
    ASSERT_EQ(ferry_multi_perform(m, &running), FERRYM_OK);
    ASSERT_EQ(ferry_multi_poll(m, NULL, 0, 20, NULL), FERRYM_OK);
  }
  ASSERT_EQ(running, 1);
  ASSERT_EQ(ferry_multi_get_offt(m, FERRYMINFO_XFERS_PENDING, &pending),
            FERRYM_OK);
  ASSERT_EQ(pending, 1);
  ASSERT_EQ(tserver_connections(s), 1);
  /* removing the CONNECT_ONLY handle frees the slot */
  ASSERT_EQ(ferry_multi_remove_handle(m, raw), FERRYM_OK);
  ASSERT_EQ(run_perform(m), 0);
  msg = ferry_multi_info_read(m, NULL);
  ASSERT_NOT_NULL(msg);
  ASSERT_EQ(msg->data.result, FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(tserver_connections(s), 2);
  ASSERT_EQ(ferry_multi_remove_handle(m, get), FERRYM_OK);
  ferry_easy_cleanup(get);
  ferry_easy_cleanup(raw);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* -- failures and misuse ------------------------------------------------- */

TEST_IMPL(raw_send_to_a_closed_peer_is_a_send_error_not_sigpipe) {
  tserver *s = tserver_start();
  /* the reset comes after an answer, so that it cannot race the connect */
  static const ts_step steps[] = {FX_STEP_REQ, FX_STEP_SEND(FX_OK_HELLO),
                                  FX_STEP_RESET};
  ferry_easy *e;
  char err[FERRY_ERROR_SIZE] = "";
  char block[4096];
  sink got = {0};
  ferry_code rc = FERRYE_OK;
  int tries = 0, eof;

  ASSERT_NOT_NULL(s);
  tserver_default_script(s, FX_STEPS(steps));
  e = connect_only_easy(fx_url(s, "/"));
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(send_all(e, get_x, strlen(get_x)), FERRYE_OK);
  ASSERT_EQ(recv_some(e, &got, strlen(FX_OK_HELLO), &eof), FERRYE_OK);
  ASSERT_MEM_EQ(got.data, got.len, FX_OK_HELLO);
  sink_free(&got);
  ASSERT_EQ(tserver_wait_closed(s, 1, WAIT_MS), 0);
  memset(block, 'x', sizeof(block));
  /* the reset arrives; sending on goes wrong, without a signal */
  while (tries++ < 1000) {
    size_t k = 0;
    rc = ferry_easy_send(e, block, sizeof(block), &k);
    if (rc == FERRYE_AGAIN)
      wait_fd(active(e), POLLOUT);
    else if (rc != FERRYE_OK)
      break;
  }
  ASSERT_EQ(rc, FERRYE_SEND_ERROR);
  ASSERT(err[0] != '\0');
  ferry_easy_cleanup(e);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(raw_send_and_recv_check_their_arguments_and_say_why) {
  ferry_easy *e = ferry_easy_init();
  char err[FERRY_ERROR_SIZE] = "";
  char byte;
  size_t k = 3;

  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_CONNECT_ONLY, 3L),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_CONNECT_ONLY, -1L),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  /* without CONNECT_ONLY */
  ASSERT_EQ(ferry_easy_send(e, "x", 1, &k), FERRYE_UNSUPPORTED_PROTOCOL);
  ASSERT_EQ(k, 0);
  ASSERT_STR_EQ(err, "CONNECT_ONLY is required");
  k = 3;
  ASSERT_EQ(ferry_easy_recv(e, &byte, 1, &k), FERRYE_UNSUPPORTED_PROTOCOL);
  ASSERT_EQ(k, 0);
  /* with it, before a transfer made the connection */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_CONNECT_ONLY, 2L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_CONNECT_ONLY, 1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_send(e, "x", 1, &k), FERRYE_UNSUPPORTED_PROTOCOL);
  ASSERT(strstr(err, "has not connected") != NULL);
  /* bad arguments */
  ASSERT_EQ(ferry_easy_send(e, "x", 1, NULL), FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_easy_recv(e, NULL, 1, &k), FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_easy_send(NULL, "x", 1, &k), FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_easy_recv((ferry_easy *)err, &byte, 1, &k),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ferry_easy_cleanup(e);
  return 0;
}

TEST_IMPL(raw_connect_only_that_cannot_connect_fails_like_any_transfer) {
  ferry_easy *e = connect_only_easy("http://127.0.0.1:1/");
  char err[FERRY_ERROR_SIZE] = "";
  size_t k = 1;

  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_COULDNT_CONNECT);
  ASSERT(strstr(err, "Failed to connect") != NULL);
  ASSERT_EQ(active(e), FERRY_SOCKET_BAD);
  ASSERT_EQ(ferry_easy_send(e, "x", 1, &k), FERRYE_UNSUPPORTED_PROTOCOL);
  ferry_easy_cleanup(e);
  return 0;
}

/* Allocation failure: count the allocations of a set of core transfers,
 * then run them again failing each allocation in turn. Every run must end
 * (no hang) with OK or a specific error code, never crash, and leak
 * nothing (the sanitizer build's LeakSanitizer checks each test process). */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "ferry_uv.h"
#include "fx.h"
#include "test.h"

static long alloc_count;
static long fail_at; /* 0: never fail */
static long failures;

static int should_fail(void) {
  alloc_count++;
  if (fail_at && alloc_count == fail_at) {
    failures++;
    return 1;
  }
  return 0;
}

static void *t_malloc(size_t n) { return should_fail() ? NULL : malloc(n); }
static void t_free(void *p) { free(p); }
static void *t_realloc(void *p, size_t n) {
  return should_fail() ? NULL : realloc(p, n);
}
static char *t_strdup(const char *s) { return should_fail() ? NULL : strdup(s); }
static void *t_calloc(size_t a, size_t b) {
  return should_fail() ? NULL : calloc(a, b);
}

static int code_is_expected(ferry_code rc) {
  return rc == FERRYE_OK || rc == FERRYE_OUT_OF_MEMORY ||
         rc == FERRYE_FAILED_INIT || rc == FERRYE_WRITE_ERROR ||
         rc == FERRYE_COULDNT_CONNECT || rc == FERRYE_COULDNT_RESOLVE_HOST ||
         rc == FERRYE_RECV_ERROR;
}

/* One easy_perform GET with a header callback. */
static ferry_code scenario_easy(tserver *s) {
  sink body = {0}, hdr = {0};
  ferry_easy *e = fx_easy(fx_url(s, "/oom"), &body, &hdr);
  ferry_code rc;
  if (e == NULL)
    return FERRYE_OUT_OF_MEMORY;
  rc = ferry_easy_perform(e);
  if (rc == FERRYE_OK && (body.len != 5 || memcmp(body.data, "hello", 5) != 0))
    rc = FERRYE_LAST; /* a successful run must deliver the body */
  if (rc == FERRYE_OK) {
    /* the header API allocates what it hands out at its first call */
    struct ferry_header *h = NULL;
    ferry_hcode hc = ferry_easy_header(e, "content-length", 0, FERRYH_HEADER,
                                       -1, &h);
    if (hc == FERRYHE_OUT_OF_MEMORY)
      rc = FERRYE_OUT_OF_MEMORY;
    else if (hc != FERRYHE_OK || strcmp(h->value, "5") != 0 ||
             ferry_easy_nextheader(e, FERRYH_HEADER, -1, NULL) == NULL)
      rc = FERRYE_LAST;
  }
  ferry_easy_cleanup(e);
  sink_free(&body);
  sink_free(&hdr);
  return rc;
}

/* A perform-mode multi with a GET and a POST. */
static ferry_code scenario_multi(tserver *s) {
  ferry_multi *m = ferry_multi_init();
  ferry_easy *e[2] = {NULL, NULL};
  sink body[2];
  ferry_code rc = FERRYE_OK;
  int running = 1, rounds = 0;
  ferry_msg *msg;

  memset(body, 0, sizeof(body));
  if (m == NULL)
    return FERRYE_OUT_OF_MEMORY;
  for (int i = 0; i < 2; i++) {
    e[i] = fx_easy(fx_url(s, "/m"), &body[i], NULL);
    if (e[i] == NULL) {
      rc = FERRYE_OUT_OF_MEMORY;
      goto out;
    }
    if (i == 1 && ferry_easy_setopt(e[i], FERRYOPT_COPYPOSTFIELDS, "a=b") != FERRYE_OK) {
      rc = FERRYE_OUT_OF_MEMORY;
      goto out;
    }
    if (ferry_multi_add_handle(m, e[i]) != FERRYM_OK) {
      rc = FERRYE_OUT_OF_MEMORY;
      goto out;
    }
  }
  while (running && rounds++ < 2000) {
    if (ferry_multi_perform(m, &running) != FERRYM_OK)
      break;
    if (running)
      ferry_multi_wait(m, NULL, 0, 100, NULL);
  }
  if (running)
    rc = FERRYE_LAST; /* hung */
  while ((msg = ferry_multi_info_read(m, NULL)) != NULL)
    if (msg->data.result != FERRYE_OK && rc == FERRYE_OK)
      rc = msg->data.result;
out:
  for (int i = 0; i < 2; i++) {
    if (e[i]) {
      ferry_multi_remove_handle(m, e[i]);
      ferry_easy_cleanup(e[i]);
    }
    sink_free(&body[i]);
  }
  ferry_multi_cleanup(m);
  return rc;
}

static void on_closed(ferry_multi *m, void *arg) {
  (void)m;
  *(int *)arg = 1;
}

/* libuv mode with asynchronous close. */
static ferry_code scenario_uv(tserver *s) {
  uv_loop_t loop;
  ferry_multi *m;
  ferry_easy *e = NULL;
  sink body = {0};
  ferry_msg *msg;
  ferry_code rc = FERRYE_OK;
  int closed = 0;

  if (uv_loop_init(&loop) != 0)
    return FERRYE_FAILED_INIT;
  m = ferry_multi_init();
  if (m == NULL) {
    rc = FERRYE_OUT_OF_MEMORY;
    goto out_loop;
  }
  if (ferry_multi_use_loop(m, &loop) != FERRYM_OK) {
    rc = FERRYE_OUT_OF_MEMORY;
    goto out_multi;
  }
  e = fx_easy(fx_url(s, "/uv"), &body, NULL);
  if (e == NULL || ferry_multi_add_handle(m, e) != FERRYM_OK) {
    rc = FERRYE_OUT_OF_MEMORY;
    goto out_multi;
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  msg = ferry_multi_info_read(m, NULL);
  rc = msg ? msg->data.result : FERRYE_LAST;
out_multi:
  if (m) {
    if (e)
      ferry_multi_remove_handle(m, e);
    ferry_multi_close(m, on_closed, &closed);
    uv_run(&loop, UV_RUN_DEFAULT);
    if (!closed)
      rc = FERRYE_LAST;
  }
  ferry_easy_cleanup(e);
  sink_free(&body);
out_loop:
  if (uv_loop_close(&loop) != 0)
    rc = FERRYE_LAST; /* a handle was left open */
  return rc;
}

/* socket_action style on a poll() loop: a name looked up (ferry's own
 * socket is announced meanwhile) and a literal address, pooled sockets
 * going idle, the application's callbacks set after the first add. */
static short sa_watched[1024];
static long sa_timer;

static int sa_socket(ferry_easy *e, ferry_socket_t fd, int what, void *u,
                     void *sp) {
  (void)u;
  (void)sp;
  if (e == NULL || fd < 0 || fd >= 1024)
    return -1;
  sa_watched[fd] = what == FERRY_POLL_REMOVE
                       ? 0
                       : (short)(((what & FERRY_POLL_IN) ? POLLIN : 0) |
                                 ((what & FERRY_POLL_OUT) ? POLLOUT : 0));
  return 0;
}

static int sa_timer_cb(ferry_multi *m, long ms, void *u) {
  (void)m;
  (void)u;
  sa_timer = ms;
  return 0;
}

static ferry_code scenario_socket_action(tserver *s) {
  ferry_multi *m = ferry_multi_init();
  ferry_easy *e[2] = {NULL, NULL};
  sink body[2];
  ferry_code rc = FERRYE_OK;
  int running = 1, rounds = 0;
  char url[128];
  ferry_msg *msg;

  memset(body, 0, sizeof(body));
  memset(sa_watched, 0, sizeof(sa_watched));
  sa_timer = -1;
  if (m == NULL)
    return FERRYE_OUT_OF_MEMORY;
  snprintf(url, sizeof(url), "http://localhost:%d/sa", tserver_port(s));
  for (int i = 0; i < 2; i++) {
    e[i] = fx_easy(i ? fx_url(s, "/sa") : url, &body[i], NULL);
    if (e[i] == NULL ||
        ferry_easy_setopt(e[i], FERRYOPT_IPRESOLVE, FERRY_IPRESOLVE_V4) !=
            FERRYE_OK ||
        ferry_multi_add_handle(m, e[i]) != FERRYM_OK) {
      rc = FERRYE_OUT_OF_MEMORY;
      goto out;
    }
    if (i == 0 &&
        (ferry_multi_setopt(m, FERRYMOPT_SOCKETFUNCTION, sa_socket) !=
             FERRYM_OK ||
         ferry_multi_setopt(m, FERRYMOPT_TIMERFUNCTION, sa_timer_cb) !=
             FERRYM_OK)) {
      rc = FERRYE_OUT_OF_MEMORY;
      goto out;
    }
  }
  ferry_multi_socket_action(m, FERRY_SOCKET_TIMEOUT, 0, &running);
  while (running && rounds++ < 2000) {
    struct pollfd p[1024];
    nfds_t n = 0;
    for (int fd = 0; fd < 1024; fd++)
      if (sa_watched[fd]) {
        p[n].fd = fd;
        p[n].events = sa_watched[fd];
        p[n++].revents = 0;
      }
    poll(p, n, sa_timer < 0 || sa_timer > 100 ? 100 : (int)sa_timer);
    for (nfds_t i = 0; i < n; i++)
      if (p[i].revents)
        ferry_multi_socket_action(m, p[i].fd, 0, &running);
    ferry_multi_socket_action(m, FERRY_SOCKET_TIMEOUT, 0, &running);
  }
  if (running)
    rc = FERRYE_LAST; /* hung */
  while ((msg = ferry_multi_info_read(m, NULL)) != NULL)
    if (msg->data.result != FERRYE_OK && rc == FERRYE_OK)
      rc = msg->data.result;
  /* whatever happened, nothing is left watched */
  for (int fd = 0; fd < 1024; fd++)
    if (sa_watched[fd] && rc == FERRYE_OK)
      rc = FERRYE_LAST;
out:
  for (int i = 0; i < 2; i++) {
    if (e[i]) {
      ferry_multi_remove_handle(m, e[i]);
      ferry_easy_cleanup(e[i]);
    }
    sink_free(&body[i]);
  }
  ferry_multi_cleanup(m);
  return rc;
}

/* A GET answered with a Digest challenge first (the server's default
 * script): both requests, the challenge's parse and the response's hash. */
static ferry_code scenario_digest(tserver *s) {
  sink body = {0};
  ferry_easy *e = fx_easy(fx_url(s, "/digest"), &body, NULL);
  ferry_code rc;
  long code = 0;

  if (e == NULL)
    return FERRYE_OUT_OF_MEMORY;
  if (ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_DIGEST) !=
          FERRYE_OK ||
      ferry_easy_setopt(e, FERRYOPT_USERPWD, "user:secret") != FERRYE_OK) {
    ferry_easy_cleanup(e);
    return FERRYE_OUT_OF_MEMORY;
  }
  rc = ferry_easy_perform(e);
  if (rc == FERRYE_OK &&
      (ferry_easy_getinfo(e, FERRYINFO_RESPONSE_CODE, &code) != FERRYE_OK ||
       code != 200 || body.len != 5 || memcmp(body.data, "hello", 5) != 0))
    rc = FERRYE_LAST; /* a successful run got past the challenge */
  ferry_easy_cleanup(e);
  sink_free(&body);
  return rc;
}

static const ts_step digest_steps[] = {
    FX_STEP_REQ,
    FX_STEP_SEND("HTTP/1.1 401 Unauthorized\r\n"
                 "WWW-Authenticate: Digest realm=\"r\", qop=\"auth\", "
                 "nonce=\"n0\", opaque=\"o\"\r\nContent-Length: 0\r\n\r\n"),
    FX_STEP_REQ,
    FX_STEP_SEND(FX_OK_HELLO)};

/* CONNECT_ONLY: connect, then a request and its answer through
 * ferry_easy_send and ferry_easy_recv. */
static ferry_code scenario_connect_only(tserver *s) {
  static const char req[] = "GET /raw HTTP/1.1\r\nHost: x\r\n\r\n";
  ferry_easy *e = ferry_easy_init();
  char got[128];
  size_t have = 0, off = 0;
  ferry_code rc;
  int rounds = 0;

  if (e == NULL)
    return FERRYE_OUT_OF_MEMORY;
  rc = ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/"));
  if (rc == FERRYE_OK)
    rc = ferry_easy_setopt(e, FERRYOPT_CONNECT_ONLY, 1L);
  if (rc == FERRYE_OK)
    rc = ferry_easy_perform(e);
  while (rc == FERRYE_OK && off < sizeof(req) - 1) {
    size_t k = 0;
    rc = ferry_easy_send(e, req + off, sizeof(req) - 1 - off, &k);
    off += k;
  }
  while (rc == FERRYE_OK || rc == FERRYE_AGAIN) {
    size_t k = 0;
    ferry_socket_t fd = FERRY_SOCKET_BAD;
    if (have == strlen(FX_OK_HELLO) || rounds++ > 100)
      break;
    rc = ferry_easy_recv(e, got + have, sizeof(got) - have, &k);
    if (rc == FERRYE_AGAIN) {
      struct pollfd p;
      ferry_easy_getinfo(e, FERRYINFO_ACTIVESOCKET, &fd);
      p.fd = fd;
      p.events = POLLIN;
      poll(&p, 1, 1000);
    }
    have += k;
    if (rc == FERRYE_OK && k == 0)
      break;
  }
  if (rc == FERRYE_AGAIN)
    rc = FERRYE_LAST;
  if (rc == FERRYE_OK &&
      (have != strlen(FX_OK_HELLO) || memcmp(got, FX_OK_HELLO, have) != 0))
    rc = FERRYE_LAST; /* a successful run must deliver the answer */
  ferry_easy_cleanup(e);
  return rc;
}

typedef ferry_code (*scenario_fn)(tserver *s);

static int run_failing_each(scenario_fn fn, const char *name) {
  tserver *s = tserver_start();
  long total, i, oom_results = 0;
  ferry_code rc;

  ASSERT_NOT_NULL(s);
  if (fn == scenario_digest)
    tserver_default_script_loop(s, FX_STEPS(digest_steps));
  else
    tserver_respond_always(s, FX_OK_HELLO, 0);
  ASSERT_EQ(ferry_global_init_mem(FERRY_GLOBAL_ALL, t_malloc, t_free, t_realloc,
                                  t_strdup, t_calloc),
            FERRYE_OK);
  alloc_count = 0;
  fail_at = 0;
  rc = fn(s);
  ASSERT_EQ(rc, FERRYE_OK);
  total = alloc_count;
  ASSERT_GE(total, 5);
  for (i = 1; i <= total; i++) {
    alloc_count = 0;
    fail_at = i;
    failures = 0;
    rc = fn(s);
    if (!code_is_expected(rc)) {
      fprintf(stderr, "  %s: failing allocation %ld of %ld gave %d (%s)\n", name,
              i, total, (int)rc, ferry_easy_strerror(rc));
      return 1;
    }
    oom_results += rc == FERRYE_OUT_OF_MEMORY;
  }
  fail_at = 0;
  /* most failed allocations must surface as OUT_OF_MEMORY */
  ASSERT_GE(oom_results * 2, total);
  ferry_global_cleanup();
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(oom_each_allocation_of_easy_perform_fails_cleanly) {
  return run_failing_each(scenario_easy, "easy");
}

TEST_IMPL(oom_each_allocation_of_multi_perform_fails_cleanly) {
  return run_failing_each(scenario_multi, "multi");
}

TEST_IMPL(oom_each_allocation_of_uv_mode_fails_cleanly) {
  return run_failing_each(scenario_uv, "uv");
}

TEST_IMPL(oom_each_allocation_of_socket_action_style_fails_cleanly) {
  return run_failing_each(scenario_socket_action, "socket_action");
}

TEST_IMPL(oom_each_allocation_of_a_connect_only_exchange_fails_cleanly) {
  return run_failing_each(scenario_connect_only, "connect_only");
}

TEST_IMPL(oom_each_allocation_of_a_digest_exchange_fails_cleanly) {
  return run_failing_each(scenario_digest, "digest");
}

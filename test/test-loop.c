/* The event-loop contract, as libcurl keeps it: an application's loop ends
 * when the work ends, and a multi can be driven any way at any time.
 *
 * The programs in test/loop/ are libcurl programs built twice, against
 * ferry's <curl/curl.h> and against the system's libcurl (see
 * test/loop/loop-book.h for what each checks by itself). Each test here
 * runs both builds against fresh scripted servers with the same script, and
 * asserts that both pass, print the same report, and send the same request
 * bytes; and of ferry, that the timer callback heard -1 at the end of every
 * batch. The rest checks ferry's own libuv mode and the libuv timer rule.
 */
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "ferry_uv.h"
#include "fx.h"
#include "multi.h"
#include "proc.h"
#include "test.h"

#ifndef FERRY_TEST_LOOP_DIR
#error "meson passes FERRY_TEST_LOOP_DIR"
#endif

#define CHILD_TIMEOUT_MS 60000u

#define KEEPALIVE_HELLO                                                       \
  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\n" \
  "hello"

/* How the server of a run behaves. */
typedef enum {
  SERVE_KEEPALIVE,  /* every connection answers every request */
  SERVE_IDLE_CLOSE  /* connection 0 answers once and closes 50 ms later */
} serve_mode;

static tserver *start_server(serve_mode mode) {
  tserver *s = tserver_start();
  if (s == NULL)
    return NULL;
  tserver_respond_always(s, KEEPALIVE_HELLO, 0);
  if (mode == SERVE_IDLE_CLOSE) {
    ts_step steps[] = {FX_STEP_REQ, FX_STEP_SEND(KEEPALIVE_HELLO),
                       FX_STEP_DELAY(50), FX_STEP_CLOSE};
    tserver_script(s, 0, FX_STEPS(steps));
  }
  return s;
}

/* stdout without the "sockets:" line: how often libcurl announces a socket
 * again depends on timing (ferry's count is checked for balance by the
 * program itself either way). With no_connects, the ", connects N" of the
 * batch lines goes too: after an idle connection was closed, libcurl 7.88
 * sometimes finds it dead before reusing it (a new connect, counted) and
 * sometimes only once the request failed on it (a retry on a new
 * connection, which it does not count), by when it last pruned its pool;
 * the server's connection count, compared separately, is the same. */
static char *comparable(const char *out, int no_connects) {
  char *copy = strdup(out), *p = copy, *q = copy;
  while (*p) {
    char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) + 1 : strlen(p);
    if (strncmp(p, "sockets:", 8) != 0) {
      char *c = no_connects && strncmp(p, "batch ", 6) == 0
                    ? strstr(p, ", connects ")
                    : NULL;
      if (c != NULL && c < p + len) {
        size_t keep = (size_t)(c - p);
        memmove(q, p, keep);
        q += keep;
        *q++ = '\n';
      } else {
        memmove(q, p, len);
        q += len;
      }
    }
    p += len;
  }
  *q = '\0';
  return copy;
}

static unsigned count_substr(const char *text, const char *needle) {
  unsigned n = 0;
  for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
    n++;
  return n;
}

typedef struct run {
  tproc_result r;
  unsigned connections;
  unsigned requests;
  char *request0;
  size_t request0_len;
} run;

/* SERVE_IDLE_CLOSE: a thread that makes the FERRY_LOOP_GO file (see
 * book_gap in test/loop/loop-book.h) once the server has closed connection
 * 0, so that the program's next batch starts after the close. */
typedef struct go_signal {
  uv_thread_t thread;
  tserver *s;
  char path[64];
} go_signal;

static void go_when_closed(void *arg) {
  go_signal *g = arg;
  if (tserver_wait_closed(g->s, 1, CHILD_TIMEOUT_MS) == 0) {
    FILE *f = fopen(g->path, "w");
    if (f != NULL)
      fclose(f);
  }
}

/* Run the `flavour` build of prog ("loop-uv", ...) with args, where "URL"
 * stands for the server's URL, against a new server in `mode`. */
static int run_program(const char *prog, const char *flavour,
                       const char *const *args, serve_mode mode, run *out) {
  char path[1024], env_go[96];
  const char *argv[16], *env[2] = {NULL, NULL};
  tserver *s = start_server(mode);
  go_signal go;
  size_t n = 0;
  int rc;

  memset(out, 0, sizeof(*out));
  if (s == NULL)
    return -1;
  snprintf(path, sizeof(path), "%s/%s-%s", FERRY_TEST_LOOP_DIR, prog, flavour);
  argv[n++] = path;
  for (size_t i = 0; args[i] != NULL && n < 15; i++)
    argv[n++] = strcmp(args[i], "URL") == 0 ? fx_url(s, "/hello") : args[i];
  argv[n] = NULL;
  if (mode == SERVE_IDLE_CLOSE) {
    static unsigned seq;
    go.s = s;
    snprintf(go.path, sizeof(go.path), "/tmp/ferry-loop-go-%d-%u",
             (int)getpid(), seq++);
    unlink(go.path);
    snprintf(env_go, sizeof(env_go), "FERRY_LOOP_GO=%s", go.path);
    env[0] = env_go;
    if (uv_thread_create(&go.thread, go_when_closed, &go) != 0)
      return -1;
  }
  rc = tproc_run(argv, env, CHILD_TIMEOUT_MS, &out->r);
  if (mode == SERVE_IDLE_CLOSE) {
    uv_thread_join(&go.thread);
    unlink(go.path);
  }
  out->connections = tserver_connections(s);
  out->requests = tserver_requests(s);
  out->request0 = tserver_request(s, 0, &out->request0_len);
  if (tserver_stop(s) != 0)
    rc = -1;
  return rc;
}

static void run_free(run *r) {
  tproc_result_free(&r->r);
  free(r->request0);
}

/* Run prog's libcurl and ferry builds alike; both must pass and agree.
 * The server's connection count of the ferry run goes to *connections. */
static int run_both(const char *prog, const char *const *args, serve_mode mode,
                    unsigned *connections) {
  run c, f;
  char *co, *fo, *port;
  int ok;

  ASSERT_EQ(run_program(prog, "curl", args, mode, &c), 0);
  ASSERT_EQ(run_program(prog, "ferry", args, mode, &f), 0);
  if (c.r.exit_code != 0 || f.r.exit_code != 0) {
    tproc_result_dump("libcurl build", &c.r);
    tproc_result_dump("ferry build", &f.r);
  }
  ASSERT_EQ(c.r.exit_code, 0);
  ASSERT_EQ(f.r.exit_code, 0);
  /* the same report, line by line */
  co = comparable(c.r.out, mode == SERVE_IDLE_CLOSE);
  fo = comparable(f.r.out, mode == SERVE_IDLE_CLOSE);
  ok = strcmp(co, fo) == 0;
  if (!ok)
    fprintf(stderr, "  libcurl printed:\n%s  ferry printed:\n%s", co, fo);
  free(co);
  free(fo);
  ASSERT(ok);
  ASSERT(strstr(f.r.out, "\nPASS\n") != NULL);
  if (mode == SERVE_IDLE_CLOSE) {
    /* ferry finds the closed connection dead before it sends on it: the
     * second batch makes (and counts) exactly one new connection */
    const char *b2 = strstr(f.r.out, "batch 2:");
    ASSERT_NOT_NULL(b2);
    ASSERT(strncmp(strstr(b2, ", connects "), ", connects 1\n", 13) == 0);
  }
  /* ferry tells -1 when each batch's work ends */
  ASSERT_EQ(count_substr(f.r.err, "last timer value -1"),
            count_substr(f.r.out, "loop returned"));
  /* the same requests, byte for byte (the port aside) */
  ASSERT_EQ(c.requests, f.requests);
  if (mode == SERVE_IDLE_CLOSE) {
    /* libcurl starts a batch's transfers over several perform calls, so
     * one may finish before the last starts and lend it its connection:
     * it then makes no replacement for the closed one. ferry starts them
     * all in one engine run: always one replacement (the caller checks
     * ferry's count). */
    ASSERT_LE(c.connections, f.connections);
    ASSERT_GE(c.connections + 1, f.connections);
  } else {
    ASSERT_EQ(c.connections, f.connections);
  }
  ASSERT_NOT_NULL(c.request0);
  ASSERT_NOT_NULL(f.request0);
  port = strstr(c.request0, "Host: 127.0.0.1:");
  ASSERT_NOT_NULL(port);
  ASSERT_EQ(c.request0_len, f.request0_len);
  {
    size_t at = (size_t)(port - c.request0) + 16;
    size_t digits = strspn(c.request0 + at, "0123456789");
    ASSERT_EQ(memcmp(c.request0, f.request0, at), 0);
    ASSERT_EQ(memcmp(c.request0 + at + digits, f.request0 + at + digits,
                     c.request0_len - at - digits), 0);
  }
  *connections = f.connections;
  run_free(&c);
  run_free(&f);
  return 0;
}

/* ---- the application's loop ends when the work ends ------------------ */

#define LOOP_TEST(prog, test_name)                                            \
  TEST_IMPL(test_name) {                                                      \
    const char *args[] = {"URL", "20", "4", "0", NULL};                       \
    unsigned conns;                                                           \
    ASSERT_EQ(run_both(prog, args, SERVE_KEEPALIVE, &conns), 0);              \
    /* four connections, pooled across both batches */                      \
    ASSERT_EQ(conns, 4);                                                      \
    return 0;                                                                 \
  }

LOOP_TEST("loop-uv", loop_uv_socket_action_run_returns_with_connections_pooled)
LOOP_TEST("loop-event", loop_libevent_dispatch_returns_with_connections_pooled)
LOOP_TEST("loop-epoll", loop_epoll_callbacks_set_after_adding_end_with_the_work)

/* A pooled connection the server closed while nobody watched it: the next
 * batch finds it dead and makes a new one. The gap between the batches is
 * long enough for the server's close to have arrived even on a loaded
 * machine: a close that comes later is found only after the request was
 * sent (and retried), which libcurl does not count as a connect. */
#define IDLE_GAP_MS "1000"
#define IDLE_CLOSE_TEST(prog, test_name)                                      \
  TEST_IMPL(test_name) {                                                      \
    const char *args[] = {"URL", "1", "1", IDLE_GAP_MS, NULL};                \
    unsigned conns;                                                           \
    ASSERT_EQ(run_both(prog, args, SERVE_IDLE_CLOSE, &conns), 0);             \
    ASSERT_EQ(conns, 2);                                                      \
    return 0;                                                                 \
  }

IDLE_CLOSE_TEST("loop-uv", loop_uv_idle_connection_closed_unwatched_is_replaced)
IDLE_CLOSE_TEST("loop-event",
                loop_libevent_idle_connection_closed_unwatched_is_replaced)
IDLE_CLOSE_TEST("loop-epoll",
                loop_epoll_idle_connection_closed_unwatched_is_replaced)

/* ---- no mode is locked in ------------------------------------------- */

#define SWITCH_TEST(seq, gap, mode, want_conns, test_name)                    \
  TEST_IMPL(test_name) {                                                      \
    const char *args[] = {seq, "URL", "5", gap, NULL};                        \
    unsigned conns;                                                           \
    ASSERT_EQ(run_both("loop-switch", args, mode, &conns), 0);                \
    ASSERT_EQ(conns, want_conns);                                             \
    return 0;                                                                 \
  }

SWITCH_TEST("timer-then-perform", "0", SERVE_KEEPALIVE, 5,
            loop_switch_timer_set_then_cleared_then_perform_and_poll)
SWITCH_TEST("late-callbacks", "0", SERVE_KEEPALIVE, 5,
            loop_switch_callbacks_set_after_adding_then_socket_action_kick)
SWITCH_TEST("set-then-clear", "0", SERVE_KEEPALIVE, 5,
            loop_switch_callbacks_set_then_cleared_moves_to_perform)
SWITCH_TEST("perform-then-socket", "0", SERVE_KEEPALIVE, 5,
            loop_switch_perform_then_socket_action_then_perform)
SWITCH_TEST("callbacks-with-perform", "0", SERVE_KEEPALIVE, 5,
            loop_switch_callbacks_set_while_driving_with_perform)
/* connection 0 closes while idle between the batches: 5 + 1 */
SWITCH_TEST("set-then-clear", IDLE_GAP_MS, SERVE_IDLE_CLOSE, 6,
            loop_switch_idle_closed_in_socket_action_then_reused_by_perform)
SWITCH_TEST("perform-then-socket", IDLE_GAP_MS, SERVE_IDLE_CLOSE, 6,
            loop_switch_idle_closed_in_perform_then_reused_by_socket_action)

/* ---- ferry's own libuv mode ------------------------------------------ */

typedef struct counter {
  uv_prepare_t prepare;
  unsigned long iterations;
} counter;

static void on_iteration(uv_prepare_t *p) {
  ((counter *)p->data)->iterations++;
}

static void counter_start(uv_loop_t *loop, counter *c) {
  c->iterations = 0;
  uv_prepare_init(loop, &c->prepare);
  c->prepare.data = c;
  uv_prepare_start(&c->prepare, on_iteration);
  uv_unref((uv_handle_t *)&c->prepare);
}

static void counter_stop(counter *c) {
  uv_close((uv_handle_t *)&c->prepare, NULL);
}

TEST_IMPL(loop_uv_mode_idle_connection_closed_while_unpolled_is_replaced) {
  uv_loop_t loop;
  tserver *s = start_server(SERVE_IDLE_CLOSE);
  ferry_multi *m;
  sink body[2];
  int closed = 0;

  ASSERT_NOT_NULL(s);
  memset(body, 0, sizeof(body));
  ASSERT_EQ(uv_loop_init(&loop), 0);
  m = ferry_multi_init();
  ASSERT_EQ(ferry_multi_use_loop(m, &loop), FERRYM_OK);
  for (int n = 0; n < 2; n++) {
    ferry_easy *e = fx_easy(fx_url(s, "/hello"), &body[n], NULL);
    ferry_msg *msg;
    long conns = -1;
    if (n == 1) /* the server closes the idle connection meanwhile */
      ASSERT_EQ(tserver_wait_closed(s, 1, 10000), 0);
    ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_OK);
    /* returns by itself: the pooled connection does not hold the loop */
    ASSERT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
    msg = ferry_multi_info_read(m, NULL);
    ASSERT_NOT_NULL(msg);
    ASSERT_EQ(msg->data.result, FERRYE_OK);
    ASSERT_MEM_EQ(body[n].data, body[n].len, "hello");
    ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_NUM_CONNECTS, &conns), FERRYE_OK);
    ASSERT_EQ(conns, 1); /* a new connection each time */
    ASSERT_EQ(ferry_multi_remove_handle(m, e), FERRYM_OK);
    ferry_easy_cleanup(e);
    sink_free(&body[n]);
  }
  ASSERT_EQ(tserver_connections(s), 2);
  ASSERT_EQ(tserver_requests(s), 2);
  ASSERT_EQ(ferry_multi_close(m, NULL, &closed), FERRYM_OK);
  MAKE_LOOP_HAPPY(&loop);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* Transfers that end inside the timer callback (a URL refused at once) and
 * whose done callback adds the next one: each add asks for the timer at 0
 * ms from inside ferry's timer callback. On libuv before 1.48 a 0 ms timer
 * started there runs again in the same loop iteration, without polling:
 * ferry must never do that, so the timer runs at most once per iteration. */
typedef struct chain {
  ferry_multi *multi;
  int left, done;
} chain;

static void chain_done(ferry_easy *e, ferry_code result, void *arg);

static void chain_next(chain *c) {
  ferry_easy *e = ferry_easy_init();
  ferry_easy_setopt(e, FERRYOPT_URL, "gopher://127.0.0.1/");
  ferry_easy_setopt(e, FERRYOPT_DONEFUNCTION, chain_done);
  ferry_easy_setopt(e, FERRYOPT_DONEDATA, c);
  ferry_multi_add_handle(c->multi, e);
}

static void chain_done(ferry_easy *e, ferry_code result, void *arg) {
  chain *c = arg;
  if (result == FERRYE_UNSUPPORTED_PROTOCOL)
    c->done++;
  ferry_multi_remove_handle(c->multi, e);
  ferry_easy_cleanup(e);
  if (--c->left > 0)
    chain_next(c);
}

TEST_IMPL(loop_uv_mode_timer_never_rearms_zero_from_its_own_callback) {
  uv_loop_t loop;
  counter cnt;
  chain c = {NULL, 50, 0};

  ASSERT_EQ(uv_loop_init(&loop), 0);
  counter_start(&loop, &cnt);
  c.multi = ferry_multi_init();
  ASSERT_EQ(ferry_multi_use_loop(c.multi, &loop), FERRYM_OK);
  chain_next(&c);
  ASSERT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
  ASSERT_EQ(c.done, 50);
  /* one timer run per transfer, each in a loop iteration of its own */
  ASSERT_GE(c.multi->uv_timer_runs, 50);
  ASSERT_LE(c.multi->uv_timer_runs, cnt.iterations);
  ASSERT_LE(cnt.iterations, 200);
  ASSERT_EQ(ferry_multi_close(c.multi, NULL, NULL), FERRYM_OK);
  counter_stop(&cnt);
  MAKE_LOOP_HAPPY(&loop);
  return 0;
}

/* The same chain driven with perform + poll on the private loop, which has
 * no libuv timer at all: each perform runs the engine's timer at most once,
 * so a transfer per round, and no round spins. */
TEST_IMPL(loop_perform_mode_runs_the_timer_once_per_perform) {
  chain c = {NULL, 50, 0};
  int running = 1;
  unsigned long rounds = 0;

  c.multi = ferry_multi_init();
  chain_next(&c);
  while (running) {
    unsigned long before = c.multi->timer_runs;
    ASSERT_EQ(ferry_multi_perform(c.multi, &running), FERRYM_OK);
    ASSERT_LE(c.multi->timer_runs - before, 1);
    if (running)
      ASSERT_EQ(ferry_multi_poll(c.multi, NULL, 0, 1000, NULL), FERRYM_OK);
    ASSERT_LE(++rounds, 200);
  }
  ASSERT_EQ(c.done, 50);
  ASSERT_EQ(ferry_multi_cleanup(c.multi), FERRYM_OK);
  return 0;
}

/* ---- ferry's internal socket ------------------------------------------ */

/* A name lookup in socket_action style: the backend fd of the loop ferry
 * resolves on is announced while the lookup runs, with the multi's own
 * easy handle (never NULL, PRIVATE NULL), and removed once it is done. */
typedef struct lookup_app {
  ferry_multi *multi;
  ferry_easy *xfer;
  int watched[1024];
  unsigned own_announces, own_removes, xfer_announces, null_easy;
  int own_fd;
  long timer;
} lookup_app;

static int lookup_socket_cb(ferry_easy *e, ferry_socket_t fd, int what,
                            void *userp, void *socketp) {
  lookup_app *a = userp;
  (void)socketp;
  if (e == NULL) {
    a->null_easy++;
    return 0;
  }
  if (e != a->xfer) {
    void *priv = (void *)1;
    ferry_easy_getinfo(e, FERRYINFO_PRIVATE, &priv);
    if (priv != NULL)
      return -1;
    a->own_fd = fd;
    if (what == FERRY_POLL_REMOVE)
      a->own_removes++;
    else if (!a->watched[fd])
      a->own_announces++;
  } else if (what != FERRY_POLL_REMOVE && !a->watched[fd]) {
    a->xfer_announces++;
  }
  a->watched[fd] = what == FERRY_POLL_REMOVE
                      ? 0
                      : ((what & FERRY_POLL_IN) ? POLLIN : 0) |
                            ((what & FERRY_POLL_OUT) ? POLLOUT : 0);
  return 0;
}

static int lookup_timer_cb(ferry_multi *m, long ms, void *userp) {
  (void)m;
  ((lookup_app *)userp)->timer = ms;
  return 0;
}

TEST_IMPL(loop_internal_socket_is_watched_only_while_a_lookup_runs) {
  tserver *s = start_server(SERVE_KEEPALIVE);
  lookup_app a;
  sink body = {0};
  char url[128];
  int running = 1, rounds = 0;
  ferry_msg *msg;

  ASSERT_NOT_NULL(s);
  memset(&a, 0, sizeof(a));
  a.own_fd = -1;
  a.timer = -1;
  a.multi = ferry_multi_init();
  ASSERT_EQ(ferry_multi_setopt(a.multi, FERRYMOPT_SOCKETFUNCTION,
                               lookup_socket_cb), FERRYM_OK);
  ASSERT_EQ(ferry_multi_setopt(a.multi, FERRYMOPT_SOCKETDATA, &a), FERRYM_OK);
  ASSERT_EQ(ferry_multi_setopt(a.multi, FERRYMOPT_TIMERFUNCTION,
                               lookup_timer_cb), FERRYM_OK);
  ASSERT_EQ(ferry_multi_setopt(a.multi, FERRYMOPT_TIMERDATA, &a), FERRYM_OK);
  /* "localhost" is looked up (getaddrinfo on libuv's thread pool) */
  snprintf(url, sizeof(url), "http://localhost:%d/hello", tserver_port(s));
  a.xfer = fx_easy(url, &body, NULL);
  ASSERT_EQ(ferry_easy_setopt(a.xfer, FERRYOPT_IPRESOLVE, FERRY_IPRESOLVE_V4),
            FERRYE_OK);
  ASSERT_EQ(ferry_multi_add_handle(a.multi, a.xfer), FERRYM_OK);
  /* the application's loop: poll what ferry asked for */
  while (running) {
    struct pollfd p[1024];
    nfds_t n = 0;
    for (int fd = 0; fd < 1024; fd++)
      if (a.watched[fd]) {
        p[n].fd = fd;
        p[n].events = (short)a.watched[fd];
        p[n++].revents = 0;
      }
    ASSERT(n > 0 || a.timer >= 0); /* something to wait for while running */
    ASSERT_GE(poll(p, n, a.timer < 0 ? 1000 : (int)a.timer), 0);
    for (nfds_t i = 0; i < n; i++)
      if (p[i].revents)
        ASSERT_EQ(ferry_multi_socket_action(a.multi, p[i].fd, 0, &running),
                  FERRYM_OK);
    ASSERT_EQ(ferry_multi_socket_action(a.multi, FERRY_SOCKET_TIMEOUT, 0,
                                        &running), FERRYM_OK);
    ASSERT_LE(++rounds, 1000);
  }
  msg = ferry_multi_info_read(a.multi, NULL);
  ASSERT_NOT_NULL(msg);
  ASSERT_EQ(msg->data.result, FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  /* the internal socket came and went once, with a real easy handle */
  ASSERT_EQ(a.null_easy, 0);
  ASSERT_GE(a.own_fd, 0);
  ASSERT_EQ(a.own_announces, 1);
  ASSERT_EQ(a.own_removes, 1);
  ASSERT_EQ(a.xfer_announces, 1);
  for (int fd = 0; fd < 1024; fd++)
    ASSERT_EQ(a.watched[fd], 0);
  ASSERT_EQ(a.timer, -1);
  ASSERT_EQ(ferry_multi_remove_handle(a.multi, a.xfer), FERRYM_OK);
  ferry_easy_cleanup(a.xfer);
  sink_free(&body);
  ASSERT_EQ(ferry_multi_cleanup(a.multi), FERRYM_OK);
  /* nothing more was said at cleanup: nothing was watched */
  ASSERT_EQ(a.own_removes, 1);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

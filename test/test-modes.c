/* The three ways to drive a multi: libuv mode on the application's loop,
 * socket_action with the application's callbacks, and perform/wait/poll/
 * fdset on the multi's private loop. */
#include <string.h>
#include <sys/select.h>
#include <uv.h>

#include "ferry_uv.h"
#include "fx.h"
#include "test.h"

#define N_XFERS 10

static unsigned notify_calls;

static void on_notify(ferry_multi *m, unsigned int what, ferry_easy *e,
                      void *arg) {
  (void)what;
  (void)e;
  (void)arg;
  (void)m;
  notify_calls++;
}

static int closed_cb_called;
static void on_multi_closed(ferry_multi *m, void *arg) {
  (void)m;
  *(int *)arg = 1;
  closed_cb_called++;
}

static int count_done(ferry_multi *m, ferry_code *results, ferry_easy **e) {
  ferry_msg *msg;
  int left, n = 0;
  while ((msg = ferry_multi_info_read(m, &left)) != NULL) {
    if (msg->msg != FERRYMSG_DONE)
      return -1;
    for (int i = 0; i < N_XFERS; i++)
      if (e[i] == msg->easy_handle)
        results[i] = msg->data.result;
    n++;
  }
  return n;
}

TEST_IMPL(uv_mode_runs_transfers_on_app_loop_and_closes_cleanly) {
  uv_loop_t loop;
  tserver *s = tserver_start();
  ferry_multi *m;
  ferry_easy *e[N_XFERS];
  sink body[N_XFERS];
  ferry_code results[N_XFERS];
  int closed = 0, done;
  long nconn, total_conns = 0;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  ASSERT_EQ(uv_loop_init(&loop), 0);
  m = ferry_multi_init();
  ASSERT_EQ(ferry_multi_use_loop(m, &loop), FERRYM_OK);
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_NOTIFYFUNCTION, on_notify), FERRYM_OK);
  ASSERT_EQ(ferry_multi_notify_enable(m, FERRYMNOTIFY_INFO_READ), FERRYM_OK);
  notify_calls = 0;
  memset(body, 0, sizeof(body));
  for (int i = 0; i < N_XFERS; i++) {
    results[i] = FERRYE_LAST;
    e[i] = fx_easy(fx_url(s, "/x"), &body[i], NULL);
    ASSERT_EQ(ferry_multi_add_handle(m, e[i]), FERRYM_OK);
  }
  /* No glue: the application only runs its loop. */
  ASSERT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
  ASSERT_GE(notify_calls, 1);
  done = count_done(m, results, e);
  ASSERT_EQ(done, N_XFERS);
  for (int i = 0; i < N_XFERS; i++) {
    ASSERT_EQ(results[i], FERRYE_OK);
    ASSERT_MEM_EQ(body[i].data, body[i].len, "hello");
    ASSERT_EQ(ferry_easy_getinfo(e[i], FERRYINFO_NUM_CONNECTS, &nconn), FERRYE_OK);
    total_conns += nconn;
    ASSERT_EQ(ferry_multi_remove_handle(m, e[i]), FERRYM_OK);
    ferry_easy_cleanup(e[i]);
    sink_free(&body[i]);
  }
  ASSERT_EQ(total_conns, (long)tserver_connections(s));
  ASSERT_EQ(ferry_multi_close(m, on_multi_closed, &closed), FERRYM_OK);
  ASSERT_EQ(closed, 0); /* closing needs the loop */
  ASSERT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
  ASSERT_EQ(closed, 1);
  MAKE_LOOP_HAPPY(&loop);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(uv_mode_idle_pooled_connection_does_not_keep_loop_alive) {
  uv_loop_t loop;
  tserver *s = tserver_start();
  ferry_multi *m;
  ferry_easy *e;
  sink body = {0};
  int closed = 0;

  tserver_respond_always(s, FX_OK_HELLO, 0);
  ASSERT_EQ(uv_loop_init(&loop), 0);
  m = ferry_multi_init();
  ASSERT_EQ(ferry_multi_use_loop(m, &loop), FERRYM_OK);
  e = fx_easy(fx_url(s, "/"), &body, NULL);
  ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_OK);
  ASSERT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0); /* returns: nothing runs */
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  /* reuse: a second transfer on the same loop takes the pooled socket */
  ASSERT_EQ(ferry_multi_remove_handle(m, e), FERRYM_OK);
  sink_free(&body);
  ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_OK);
  ASSERT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(tserver_connections(s), 1);
  ASSERT_EQ(ferry_multi_remove_handle(m, e), FERRYM_OK);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(ferry_multi_close(m, on_multi_closed, &closed), FERRYM_OK);
  ASSERT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
  ASSERT_EQ(closed, 1);
  MAKE_LOOP_HAPPY(&loop);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- socket_action mode with the application's own libuv glue ---- */

typedef struct app {
  uv_loop_t loop;
  uv_timer_t timer;
  ferry_multi *multi;
  int timer_calls_inside_add;
  int in_add;
  int zero_timeout_seen;
  unsigned sockets_now;
  unsigned socket_adds;
} app;

typedef struct app_sock {
  uv_poll_t poll;
  app *a;
  int fd;
} app_sock;

static void app_check_done(app *a) { (void)a; }

static void app_on_poll(uv_poll_t *p, int status, int events) {
  app_sock *s = p->data;
  int flags = 0, running;
  if (status < 0)
    flags = FERRY_CSELECT_ERR;
  if (events & UV_READABLE)
    flags |= FERRY_CSELECT_IN;
  if (events & UV_WRITABLE)
    flags |= FERRY_CSELECT_OUT;
  ferry_multi_socket_action(s->a->multi, s->fd, flags, &running);
  app_check_done(s->a);
}

static void app_sock_closed(uv_handle_t *h) { free(h->data); }

static int app_socket_cb(ferry_easy *e, ferry_socket_t fd, int what, void *userp,
                         void *socketp) {
  app *a = userp;
  app_sock *s = socketp;
  (void)e;
  if (what == FERRY_POLL_REMOVE) {
    if (s) {
      uv_poll_stop(&s->poll);
      uv_close((uv_handle_t *)&s->poll, app_sock_closed);
      a->sockets_now--;
      ferry_multi_assign(a->multi, fd, NULL);
    }
    return 0;
  }
  if (s == NULL) {
    s = calloc(1, sizeof(*s));
    s->a = a;
    s->fd = fd;
    uv_poll_init_socket(&a->loop, &s->poll, fd);
    s->poll.data = s;
    ferry_multi_assign(a->multi, fd, s);
    a->sockets_now++;
    a->socket_adds++;
  }
  uv_poll_start(&s->poll,
                ((what & FERRY_POLL_IN) ? UV_READABLE : 0) |
                    ((what & FERRY_POLL_OUT) ? UV_WRITABLE : 0),
                app_on_poll);
  return 0;
}

static void app_on_timer(uv_timer_t *t) {
  app *a = t->data;
  int running;
  ferry_multi_socket_action(a->multi, FERRY_SOCKET_TIMEOUT, 0, &running);
}

static int app_timer_cb(ferry_multi *m, long timeout_ms, void *userp) {
  app *a = userp;
  (void)m;
  if (a->in_add)
    a->timer_calls_inside_add++;
  if (timeout_ms < 0) {
    uv_timer_stop(&a->timer);
  } else {
    if (timeout_ms == 0)
      a->zero_timeout_seen++;
    uv_timer_start(&a->timer, app_on_timer, (uint64_t)timeout_ms, 0);
  }
  return 0;
}

TEST_IMPL(socket_action_mode_uses_app_callbacks_only) {
  app a;
  tserver *s = tserver_start();
  ferry_easy *e[N_XFERS];
  sink body[N_XFERS];
  ferry_code results[N_XFERS];

  memset(&a, 0, sizeof(a));
  memset(body, 0, sizeof(body));
  tserver_respond_always(s, FX_OK_HELLO, 0);
  ASSERT_EQ(uv_loop_init(&a.loop), 0);
  uv_timer_init(&a.loop, &a.timer);
  a.timer.data = &a;
  a.multi = ferry_multi_init();
  ASSERT_EQ(ferry_multi_setopt(a.multi, FERRYMOPT_SOCKETFUNCTION, app_socket_cb), FERRYM_OK);
  ASSERT_EQ(ferry_multi_setopt(a.multi, FERRYMOPT_SOCKETDATA, &a), FERRYM_OK);
  ASSERT_EQ(ferry_multi_setopt(a.multi, FERRYMOPT_TIMERFUNCTION, app_timer_cb), FERRYM_OK);
  ASSERT_EQ(ferry_multi_setopt(a.multi, FERRYMOPT_TIMERDATA, &a), FERRYM_OK);
  for (int i = 0; i < N_XFERS; i++) {
    results[i] = FERRYE_LAST;
    e[i] = fx_easy(fx_url(s, "/sa"), &body[i], NULL);
    a.in_add = 1;
    ASSERT_EQ(ferry_multi_add_handle(a.multi, e[i]), FERRYM_OK);
    a.in_add = 0;
  }
  /* add_handle asked for the timer from inside itself */
  ASSERT_GE(a.timer_calls_inside_add, 1);
  ASSERT_GE(a.zero_timeout_seen, 1);
  while (count_done(a.multi, results, e) >= 0) {
    int left = 0;
    for (int i = 0; i < N_XFERS; i++)
      left += results[i] == FERRYE_LAST;
    if (left == 0)
      break;
    uv_run(&a.loop, UV_RUN_ONCE);
  }
  for (int i = 0; i < N_XFERS; i++) {
    ASSERT_EQ(results[i], FERRYE_OK);
    ASSERT_MEM_EQ(body[i].data, body[i].len, "hello");
    ASSERT_EQ(ferry_multi_remove_handle(a.multi, e[i]), FERRYM_OK);
    ferry_easy_cleanup(e[i]);
    sink_free(&body[i]);
  }
  /* ferry told about its sockets (the IP literal needs no name lookup,
   * so its internal socket is never announced) */
  ASSERT_GE(a.socket_adds, 2);
  ASSERT_EQ(ferry_multi_cleanup(a.multi), FERRYM_OK);
  /* cleanup told REMOVE for every socket it had told about */
  ASSERT_EQ(a.sockets_now, 0);
  uv_close((uv_handle_t *)&a.timer, NULL);
  MAKE_LOOP_HAPPY(&a.loop);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- perform mode ---- */

TEST_IMPL(perform_wait_loop_runs_ten_transfers) {
  tserver *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  ferry_easy *e[N_XFERS];
  sink body[N_XFERS];
  ferry_code results[N_XFERS];
  int running = 1, rounds = 0;

  memset(body, 0, sizeof(body));
  tserver_respond_always(s, FX_OK_HELLO, 0);
  for (int i = 0; i < N_XFERS; i++) {
    results[i] = FERRYE_LAST;
    e[i] = fx_easy(fx_url(s, "/p"), &body[i], NULL);
    ASSERT_EQ(ferry_multi_add_handle(m, e[i]), FERRYM_OK);
  }
  while (running) {
    int numfds;
    ASSERT_EQ(ferry_multi_perform(m, &running), FERRYM_OK);
    if (running)
      ASSERT_EQ(ferry_multi_wait(m, NULL, 0, 1000, &numfds), FERRYM_OK);
    ASSERT_LE(++rounds, 1000); /* no busy loop */
  }
  ASSERT_EQ(count_done(m, results, e), N_XFERS);
  for (int i = 0; i < N_XFERS; i++) {
    ASSERT_EQ(results[i], FERRYE_OK);
    ASSERT_MEM_EQ(body[i].data, body[i].len, "hello");
    ASSERT_EQ(ferry_multi_remove_handle(m, e[i]), FERRYM_OK);
    ferry_easy_cleanup(e[i]);
    sink_free(&body[i]);
  }
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(fdset_select_loop_completes_transfer) {
  tserver *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  sink body = {0};
  ferry_easy *e;
  int running = 1, rounds = 0;
  ferry_msg *msg;

  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/sel"), &body, NULL);
  ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_OK);
  while (running) {
    fd_set r, w, x;
    int maxfd = -1;
    long t = -1;
    struct timeval tv;
    ASSERT_EQ(ferry_multi_perform(m, &running), FERRYM_OK);
    if (!running)
      break;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&x);
    ASSERT_EQ(ferry_multi_fdset(m, &r, &w, &x, &maxfd), FERRYM_OK);
    ASSERT_EQ(ferry_multi_timeout(m, &t), FERRYM_OK);
    if (t < 0 || t > 1000)
      t = 1000;
    tv.tv_sec = t / 1000;
    tv.tv_usec = (t % 1000) * 1000;
    ASSERT_GE(maxfd, 0);
    ASSERT_GE(select(maxfd + 1, &r, &w, &x, &tv), 0);
    ASSERT_LE(++rounds, 1000);
  }
  msg = ferry_multi_info_read(m, NULL);
  ASSERT_NOT_NULL(msg);
  ASSERT_EQ(msg->data.result, FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(ferry_multi_remove_handle(m, e), FERRYM_OK);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

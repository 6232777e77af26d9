/* libcurl 8.x's multi calls: notifications (NOTIFYFUNCTION with
 * notify_enable/disable), ferry_multi_get_offt, ferry_multi_waitfds and
 * FERRYMOPT_NETWORK_CHANGED, each driven the way a program would. */
#include <poll.h>
#include <string.h>
#include <uv.h>

#include "ferry_uv.h"
#include "fx.h"
#include "test.h"

#define N 5

/* ---- a perform-style driver that only uses waitfds and poll(2) -------- */

/* Runs the multi until nothing is left running: perform, then poll the fds
 * ferry_multi_waitfds names for at most ferry_multi_timeout. Returns the
 * number of rounds, -1 on an error. */
static int run_with_waitfds(ferry_multi *m) {
  int running = 1, rounds = 0;
  while (running) {
    ferry_waitfd w[8];
    struct pollfd p[8];
    unsigned n = 0;
    long t = -1;
    if (ferry_multi_perform(m, &running) != FERRYM_OK)
      return -1;
    if (!running)
      break;
    if (ferry_multi_waitfds(m, w, 8, &n) != FERRYM_OK || n == 0 || n > 8)
      return -1;
    for (unsigned i = 0; i < n; i++) {
      p[i].fd = w[i].fd;
      p[i].events = (short)(((w[i].events & FERRY_WAIT_POLLIN) ? POLLIN : 0) |
                            ((w[i].events & FERRY_WAIT_POLLOUT) ? POLLOUT : 0));
      p[i].revents = 0;
    }
    if (ferry_multi_timeout(m, &t) != FERRYM_OK)
      return -1;
    if (poll(p, n, t < 0 || t > 1000 ? 1000 : (int)t) < 0)
      return -1;
    rounds++;
  }
  return rounds;
}

/* ---- notifications ----------------------------------------------------- */

typedef struct notes {
  ferry_easy *ours[N];
  ferry_code results[N];
  unsigned info_read, easy_done, msgs;
  ferry_easy *done_order[N];
  int foreign_easy; /* INFO_READ named one of ours or NULL */
} notes;

static int index_of(notes *t, ferry_easy *e) {
  for (int i = 0; i < N; i++)
    if (t->ours[i] == e)
      return i;
  return -1;
}

static void read_all_and_clean(ferry_multi *m, unsigned int what,
                               ferry_easy *e, void *userp) {
  notes *t = userp;
  ferry_msg *msg;
  int left;
  if (what == FERRYMNOTIFY_EASY_DONE) {
    if (t->easy_done < N)
      t->done_order[t->easy_done] = e;
    t->easy_done++;
    return;
  }
  t->info_read++;
  if (e == NULL || index_of(t, e) >= 0)
    t->foreign_easy = 1;
  /* the way a loop program reads: everything, and the handles go */
  while ((msg = ferry_multi_info_read(m, &left)) != NULL) {
    int i = index_of(t, msg->easy_handle);
    if (msg->msg != FERRYMSG_DONE || i < 0)
      continue;
    t->results[i] = msg->data.result;
    t->msgs++;
    ferry_multi_remove_handle(m, msg->easy_handle);
    ferry_easy_cleanup(msg->easy_handle);
    t->ours[i] = NULL;
  }
}

TEST_IMPL(multi_notify_info_read_lets_a_loop_program_read_every_message) {
  uv_loop_t loop;
  tserver *s = tserver_start();
  ferry_multi *m;
  notes t;
  sink body[N];

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  memset(&t, 0, sizeof(t));
  memset(body, 0, sizeof(body));
  ASSERT_EQ(uv_loop_init(&loop), 0);
  m = ferry_multi_init();
  ASSERT_EQ(ferry_multi_use_loop(m, &loop), FERRYM_OK);
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_NOTIFYFUNCTION, read_all_and_clean),
            FERRYM_OK);
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_NOTIFYDATA, &t), FERRYM_OK);
  ASSERT_EQ(ferry_multi_notify_enable(m, FERRYMNOTIFY_INFO_READ), FERRYM_OK);
  /* enabling twice is not an error */
  ASSERT_EQ(ferry_multi_notify_enable(m, FERRYMNOTIFY_INFO_READ), FERRYM_OK);
  for (int i = 0; i < N; i++) {
    t.results[i] = FERRYE_LAST;
    t.ours[i] = fx_easy(fx_url(s, "/n"), &body[i], NULL);
    ASSERT_EQ(ferry_multi_add_handle(m, t.ours[i]), FERRYM_OK);
  }
  /* nothing but the loop: the callback reads and frees */
  ASSERT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
  ASSERT_EQ(t.msgs, N);
  ASSERT_GE(t.info_read, 1);
  ASSERT_LE(t.info_read, N);
  ASSERT_EQ(t.easy_done, 0); /* not enabled */
  ASSERT_EQ(t.foreign_easy, 0);
  for (int i = 0; i < N; i++) {
    ASSERT_EQ(t.results[i], FERRYE_OK);
    ASSERT_MEM_EQ(body[i].data, body[i].len, "hello");
    sink_free(&body[i]);
  }
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  ASSERT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
  ASSERT_EQ(uv_loop_close(&loop), 0);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(multi_notify_easy_done_names_each_transfer_once_in_perform_mode) {
  tserver *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  notes t;
  sink body[N];
  ferry_easy *extra;
  sink extra_body = {0};

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(m);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  memset(&t, 0, sizeof(t));
  memset(body, 0, sizeof(body));
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_NOTIFYFUNCTION, read_all_and_clean),
            FERRYM_OK);
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_NOTIFYDATA, &t), FERRYM_OK);
  ASSERT_EQ(ferry_multi_notify_enable(m, FERRYMNOTIFY_EASY_DONE), FERRYM_OK);
  for (int i = 0; i < N; i++) {
    t.ours[i] = fx_easy(fx_url(s, "/d"), &body[i], NULL);
    ASSERT_EQ(ferry_multi_add_handle(m, t.ours[i]), FERRYM_OK);
  }
  ASSERT_GE(run_with_waitfds(m), 0);
  /* one call per transfer, each a different one of ours */
  ASSERT_EQ(t.easy_done, N);
  ASSERT_EQ(t.info_read, 0);
  for (int i = 0; i < N; i++) {
    ASSERT_GE(index_of(&t, t.done_order[i]), 0);
    for (int j = 0; j < i; j++)
      ASSERT_NE(t.done_order[i], t.done_order[j]);
  }
  /* the messages are still queued: nothing read them */
  for (int i = 0; i < N; i++) {
    int left;
    ferry_msg *msg = ferry_multi_info_read(m, &left);
    ASSERT_NOT_NULL(msg);
    ASSERT_EQ(msg->data.result, FERRYE_OK);
  }
  /* disabled: the next transfer ends without a call */
  ASSERT_EQ(ferry_multi_notify_disable(m, FERRYMNOTIFY_EASY_DONE), FERRYM_OK);
  extra = fx_easy(fx_url(s, "/e"), &extra_body, NULL);
  ASSERT_EQ(ferry_multi_add_handle(m, extra), FERRYM_OK);
  ASSERT_GE(run_with_waitfds(m), 0);
  ASSERT_EQ(t.easy_done, N);
  ASSERT_MEM_EQ(extra_body.data, extra_body.len, "hello");
  ASSERT_EQ(ferry_multi_remove_handle(m, extra), FERRYM_OK);
  ferry_easy_cleanup(extra);
  sink_free(&extra_body);
  for (int i = 0; i < N; i++) {
    ASSERT_EQ(ferry_multi_remove_handle(m, t.ours[i]), FERRYM_OK);
    ferry_easy_cleanup(t.ours[i]);
    sink_free(&body[i]);
  }
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(multi_notify_enable_checks_its_arguments) {
  ferry_multi *m = ferry_multi_init();
  ASSERT_NOT_NULL(m);
  ASSERT_EQ(ferry_multi_notify_enable(m, 2), FERRYM_UNKNOWN_OPTION);
  ASSERT_EQ(ferry_multi_notify_disable(m, 77), FERRYM_UNKNOWN_OPTION);
  ASSERT_EQ(ferry_multi_notify_enable(NULL, FERRYMNOTIFY_INFO_READ),
            FERRYM_BAD_HANDLE);
  ASSERT_EQ(ferry_multi_notify_disable(NULL, FERRYMNOTIFY_INFO_READ),
            FERRYM_BAD_HANDLE);
  /* disabling what was never enabled is fine */
  ASSERT_EQ(ferry_multi_notify_disable(m, FERRYMNOTIFY_EASY_DONE), FERRYM_OK);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  return 0;
}

/* ---- get_offt ---------------------------------------------------------- */

static long long offt(ferry_multi *m, ferry_minfo_offt what) {
  ferry_off_t v = -1;
  if (ferry_multi_get_offt(m, what, &v) != FERRYM_OK)
    return -2;
  return (long long)v;
}

TEST_IMPL(multi_get_offt_counts_transfers_through_their_life) {
  tserver *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  ferry_easy *e[3];
  sink body[3];
  ferry_off_t v;
  ferry_msg *msg;
  int left, running;
  static const ts_step slow[] = {FX_STEP_REQ, FX_STEP_DELAY(300),
                                 FX_STEP_SEND(FX_OK_HELLO)};

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(m);
  tserver_default_script(s, FX_STEPS(slow));
  memset(body, 0, sizeof(body));
  ASSERT_EQ(offt(m, FERRYMINFO_XFERS_CURRENT), 0);
  ASSERT_EQ(offt(m, FERRYMINFO_XFERS_ADDED), 0);
  for (int i = 0; i < 3; i++) {
    e[i] = fx_easy(fx_url(s, "/o"), &body[i], NULL);
    ASSERT_EQ(ferry_multi_add_handle(m, e[i]), FERRYM_OK);
  }
  /* added, none started */
  ASSERT_EQ(offt(m, FERRYMINFO_XFERS_CURRENT), 3);
  ASSERT_EQ(offt(m, FERRYMINFO_XFERS_ADDED), 3);
  ASSERT_EQ(offt(m, FERRYMINFO_XFERS_PENDING), 3);
  ASSERT_EQ(offt(m, FERRYMINFO_XFERS_RUNNING), 0);
  ASSERT_EQ(offt(m, FERRYMINFO_XFERS_DONE), 0);
  /* started: the IP literal connects at once, the server waits 300 ms */
  ASSERT_EQ(ferry_multi_perform(m, &running), FERRYM_OK);
  ASSERT_EQ(running, 3);
  ASSERT_EQ(offt(m, FERRYMINFO_XFERS_PENDING) + offt(m, FERRYMINFO_XFERS_RUNNING),
            3);
  ASSERT_GE(offt(m, FERRYMINFO_XFERS_RUNNING), 1);
  ASSERT_GE(run_with_waitfds(m), 0);
  ASSERT_EQ(offt(m, FERRYMINFO_XFERS_DONE), 3);
  ASSERT_EQ(offt(m, FERRYMINFO_XFERS_RUNNING), 0);
  ASSERT_EQ(offt(m, FERRYMINFO_XFERS_PENDING), 0);
  ASSERT_EQ(offt(m, FERRYMINFO_XFERS_CURRENT), 3);
  /* a read message is no longer "done, unread" */
  msg = ferry_multi_info_read(m, &left);
  ASSERT_NOT_NULL(msg);
  ASSERT_EQ(left, 2);
  ASSERT_EQ(offt(m, FERRYMINFO_XFERS_DONE), 2);
  for (int i = 0; i < 3; i++) {
    ASSERT_MEM_EQ(body[i].data, body[i].len, "hello");
    ASSERT_EQ(ferry_multi_remove_handle(m, e[i]), FERRYM_OK);
    ferry_easy_cleanup(e[i]);
    sink_free(&body[i]);
  }
  /* removing takes unread messages along; ADDED counts forever */
  ASSERT_EQ(offt(m, FERRYMINFO_XFERS_DONE), 0);
  ASSERT_EQ(offt(m, FERRYMINFO_XFERS_CURRENT), 0);
  ASSERT_EQ(offt(m, FERRYMINFO_XFERS_ADDED), 3);
  /* misuse */
  ASSERT_EQ(ferry_multi_get_offt(m, FERRYMINFO_NONE, &v), FERRYM_UNKNOWN_OPTION);
  ASSERT_EQ(ferry_multi_get_offt(m, FERRYMINFO_LASTENTRY, &v),
            FERRYM_UNKNOWN_OPTION);
  ASSERT_EQ(ferry_multi_get_offt(m, FERRYMINFO_XFERS_ADDED, NULL),
            FERRYM_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_multi_get_offt(NULL, FERRYMINFO_XFERS_ADDED, &v),
            FERRYM_BAD_HANDLE);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- waitfds ----------------------------------------------------------- */

TEST_IMPL(multi_waitfds_counts_then_fills_and_checks_misuse) {
  tserver *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  ferry_easy *e;
  sink body = {0};
  ferry_waitfd w[4];
  unsigned n = 99;
  int running;
  uv_loop_t loop;
  ferry_multi *um;
  static const ts_step slow[] = {FX_STEP_REQ, FX_STEP_DELAY(200),
                                 FX_STEP_SEND(FX_OK_HELLO)};

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(m);
  tserver_default_script(s, FX_STEPS(slow));
  e = fx_easy(fx_url(s, "/w"), &body, NULL);
  ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_OK);
  ASSERT_EQ(ferry_multi_perform(m, &running), FERRYM_OK);
  ASSERT_EQ(running, 1);
  /* size 0 only counts */
  ASSERT_EQ(ferry_multi_waitfds(m, NULL, 0, &n), FERRYM_OK);
  ASSERT_GE(n, 1);
  ASSERT_LE(n, 4);
  ASSERT_EQ(ferry_multi_waitfds(m, w, 4, &n), FERRYM_OK);
  for (unsigned i = 0; i < n; i++) {
    ASSERT_GE(w[i].fd, 0);
    ASSERT_NE(w[i].events, 0);
    ASSERT_EQ(w[i].revents, 0);
  }
  /* fd_count is optional */
  ASSERT_EQ(ferry_multi_waitfds(m, w, 4, NULL), FERRYM_OK);
  ASSERT_EQ(ferry_multi_waitfds(m, NULL, 3, &n), FERRYM_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_multi_waitfds(NULL, w, 4, &n), FERRYM_BAD_HANDLE);
  /* the fds are the ones to wait on: a poll(2) loop finishes the work */
  ASSERT_GE(run_with_waitfds(m), 1);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(ferry_multi_remove_handle(m, e), FERRYM_OK);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);

  /* a multi on the application's loop has no fds of its own to give */
  ASSERT_EQ(uv_loop_init(&loop), 0);
  um = ferry_multi_init();
  ASSERT_EQ(ferry_multi_use_loop(um, &loop), FERRYM_OK);
  ASSERT_EQ(ferry_multi_waitfds(um, w, 4, &n), FERRYM_BAD_HANDLE);
  ASSERT_EQ(n, 0);
  ASSERT_EQ(ferry_multi_cleanup(um), FERRYM_OK);
  ASSERT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
  ASSERT_EQ(uv_loop_close(&loop), 0);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- NETWORK_CHANGED --------------------------------------------------- */

typedef struct resolves {
  unsigned n;
} resolves;

static int count_resolving(ferry_easy *e, ferry_infotype type, char *data,
                           size_t size, void *userp) {
  (void)e;
  if (type == FERRYINFO_TEXT && size >= 9 && memcmp(data, "Resolving", 9) == 0)
    ((resolves *)userp)->n++;
  return 0;
}

/* One transfer on m, run to its end; *connects is its NUM_CONNECTS. */
static ferry_code one_fresh(ferry_multi *m, const char *url, resolves *r,
                            long *connects, long fresh) {
  sink body = {0};
  ferry_easy *e = fx_easy(url, &body, NULL);
  ferry_msg *msg;
  ferry_code rc = FERRYE_LAST;
  int left;
  if (e == NULL)
    return FERRYE_OUT_OF_MEMORY;
  ferry_easy_setopt(e, FERRYOPT_IPRESOLVE, FERRY_IPRESOLVE_V4);
  ferry_easy_setopt(e, FERRYOPT_DEBUGFUNCTION, count_resolving);
  ferry_easy_setopt(e, FERRYOPT_DEBUGDATA, r);
  ferry_easy_setopt(e, FERRYOPT_VERBOSE, 1L);
  ferry_easy_setopt(e, FERRYOPT_FRESH_CONNECT, fresh);
  if (ferry_multi_add_handle(m, e) == FERRYM_OK && run_with_waitfds(m) >= 0 &&
      (msg = ferry_multi_info_read(m, &left)) != NULL)
    rc = msg->data.result;
  if (rc == FERRYE_OK && (body.len != 5 || memcmp(body.data, "hello", 5) != 0))
    rc = FERRYE_WRITE_ERROR;
  ferry_easy_getinfo(e, FERRYINFO_NUM_CONNECTS, connects);
  ferry_multi_remove_handle(m, e);
  ferry_easy_cleanup(e);
  sink_free(&body);
  return rc;
}

static ferry_code one(ferry_multi *m, const char *url, resolves *r,
                      long *connects) {
  return one_fresh(m, url, r, connects, 0);
}

TEST_IMPL(multi_network_changed_clear_conns_closes_idle_and_connects_anew) {
  tserver *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  resolves r = {0};
  long c = -1;
  char url[64];

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(m);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/c", tserver_port(s));
  ASSERT_EQ(one(m, url, &r, &c), FERRYE_OK);
  ASSERT_EQ(c, 1);
  ASSERT_EQ(one(m, url, &r, &c), FERRYE_OK);
  ASSERT_EQ(c, 0); /* reused */
  ASSERT_EQ(tserver_connections(s), 1);
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_NETWORK_CHANGED, FERRYMNWC_CLEAR_CONNS),
            FERRYM_OK);
  /* the idle connection is closed at once, not at the next transfer */
  ASSERT_EQ(tserver_wait_closed(s, 1, 5000), 0);
  ASSERT_EQ(one(m, url, &r, &c), FERRYE_OK);
  ASSERT_EQ(c, 1);
  ASSERT_EQ(tserver_connections(s), 2);
  /* and the new one is reused again */
  ASSERT_EQ(one(m, url, &r, &c), FERRYE_OK);
  ASSERT_EQ(c, 0);
  /* CLEAR_ALL does the same */
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_NETWORK_CHANGED, FERRYMNWC_CLEAR_ALL),
            FERRYM_OK);
  ASSERT_EQ(one(m, url, &r, &c), FERRYE_OK);
  ASSERT_EQ(c, 1);
  ASSERT_EQ(tserver_connections(s), 3);
  ASSERT_EQ(r.n, 0); /* an IP literal is never looked up */
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(multi_network_changed_clear_dns_looks_names_up_again) {
  tserver *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  resolves r = {0};
  long c = -1;
  char url[64];

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(m);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  snprintf(url, sizeof(url), "http://localhost:%d/d", tserver_port(s));
  ASSERT_EQ(one(m, url, &r, &c), FERRYE_OK);
  ASSERT_EQ(r.n, 1);
  /* a new connection to a cached name: no lookup */
  ASSERT_EQ(one_fresh(m, url, &r, &c, 1), FERRYE_OK);
  ASSERT_EQ(r.n, 1);
  ASSERT_EQ(c, 1);
  /* DNS only: the next new connection looks the name up again... */
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_NETWORK_CHANGED, FERRYMNWC_CLEAR_DNS),
            FERRYM_OK);
  ASSERT_EQ(one_fresh(m, url, &r, &c, 1), FERRYE_OK);
  ASSERT_EQ(r.n, 2);
  ASSERT_EQ(c, 1);
  ASSERT_EQ(tserver_connections(s), 3);
  /* ...while connections stay reusable (a reused one needs no name) */
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_NETWORK_CHANGED, FERRYMNWC_CLEAR_DNS),
            FERRYM_OK);
  ASSERT_EQ(one(m, url, &r, &c), FERRYE_OK);
  ASSERT_EQ(c, 0);
  ASSERT_EQ(r.n, 2);
  ASSERT_EQ(one_fresh(m, url, &r, &c, 1), FERRYE_OK);
  ASSERT_EQ(r.n, 3); /* the name was cleared */
  /* unknown bits clear nothing */
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_NETWORK_CHANGED, 1L << 8), FERRYM_OK);
  ASSERT_EQ(one_fresh(m, url, &r, &c, 1), FERRYE_OK);
  ASSERT_EQ(r.n, 3); /* still cached */
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

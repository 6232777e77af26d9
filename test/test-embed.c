/* Native libuv conveniences: done callbacks that may re-enter, submission
 * from other threads, priorities among queued transfers, async close. */
#include <string.h>
#include <uv.h>

#include "ferry_uv.h"
#include "fx.h"
#include "test.h"

typedef struct dctx {
  ferry_multi *m;
  int calls;
  int readds;
  ferry_code last;
  int cleaned;
} dctx;

/* Re-adds its handle twice, then removes and cleans it up: all from inside
 * the done callback, none of it refused. */
static void done_reenter(ferry_easy *e, ferry_code result, void *userp) {
  dctx *d = userp;
  d->calls++;
  d->last = result;
  if (ferry_multi_remove_handle(d->m, e) != FERRYM_OK)
    return;
  if (d->readds < 2) {
    d->readds++;
    if (ferry_multi_add_handle(d->m, e) != FERRYM_OK)
      d->readds = 100;
    return;
  }
  if (ferry_easy_cleanup(e) == FERRYE_OK)
    d->cleaned = 1;
}

static void on_closed(ferry_multi *m, void *arg) {
  (void)m;
  *(int *)arg = 1;
}

TEST_IMPL(embed_done_callback_may_readd_remove_and_clean_up) {
  uv_loop_t loop;
  tserver *s = tserver_start();
  sink body = {0};
  dctx d;
  ferry_easy *e;
  int closed = 0;

  memset(&d, 0, sizeof(d));
  tserver_respond_always(s, FX_OK_HELLO, 0);
  ASSERT_EQ(uv_loop_init(&loop), 0);
  d.m = ferry_multi_init();
  ASSERT_EQ(ferry_multi_use_loop(d.m, &loop), FERRYM_OK);
  e = fx_easy(fx_url(s, "/d"), &body, NULL);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_DONEFUNCTION, done_reenter), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_DONEDATA, &d), FERRYE_OK);
  ASSERT_EQ(ferry_multi_add_handle(d.m, e), FERRYM_OK);
  ASSERT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
  ASSERT_EQ(d.calls, 3);
  ASSERT_EQ(d.readds, 2);
  ASSERT_EQ(d.last, FERRYE_OK);
  ASSERT_EQ(d.cleaned, 1);
  ASSERT_MEM_EQ(body.data, body.len, "hellohellohello");
  /* the removed handle's messages went with it */
  ASSERT_NULL(ferry_multi_info_read(d.m, NULL));
  ASSERT_EQ(tserver_connections(s), 1);
  ASSERT_EQ(ferry_multi_close(d.m, on_closed, &closed), FERRYM_OK);
  uv_run(&loop, UV_RUN_DEFAULT);
  ASSERT_EQ(closed, 1);
  MAKE_LOOP_HAPPY(&loop);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- submission from another thread ---- */

#define N_SUBMIT 40

typedef struct sctx {
  ferry_multi *m;
  ferry_easy *e[N_SUBMIT];
  sink body[N_SUBMIT];
  int done;
  int ok;
  int cancelled;
  uv_loop_t *loop;
} sctx;

static void done_count(ferry_easy *e, ferry_code result, void *userp) {
  sctx *c = userp;
  c->done++;
  if (result == FERRYE_OK)
    c->ok++;
  if (result == FERRYE_ABORTED_BY_CALLBACK)
    c->cancelled++;
  ferry_multi_remove_handle(c->m, e);
}

static void submit_thread(void *arg) {
  sctx *c = arg;
  for (int i = 0; i < N_SUBMIT; i++)
    if (ferry_multi_submit(c->m, c->e[i]) != FERRYM_OK)
      return;
}

static void keepalive_cb(uv_timer_t *t) {
  sctx *c = t->data;
  if (c->done == N_SUBMIT)
    uv_timer_stop(t);
}

TEST_IMPL(embed_submit_from_another_thread_runs_on_the_loop) {
  uv_loop_t loop;
  uv_thread_t th;
  uv_timer_t keep;
  tserver *s = tserver_start();
  sctx c;
  int closed = 0;

  memset(&c, 0, sizeof(c));
  tserver_respond_always(s, FX_OK_HELLO, 0);
  ASSERT_EQ(uv_loop_init(&loop), 0);
  c.m = ferry_multi_init();
  ASSERT_EQ(ferry_multi_use_loop(c.m, &loop), FERRYM_OK);
  for (int i = 0; i < N_SUBMIT; i++) {
    c.e[i] = fx_easy(fx_url(s, "/t"), &c.body[i], NULL);
    ferry_easy_setopt(c.e[i], FERRYOPT_DONEFUNCTION, done_count);
    ferry_easy_setopt(c.e[i], FERRYOPT_DONEDATA, &c);
  }
  /* the loop must stay up until the other thread's work has arrived */
  uv_timer_init(&loop, &keep);
  keep.data = &c;
  uv_timer_start(&keep, keepalive_cb, 1, 1);
  ASSERT_EQ(uv_thread_create(&th, submit_thread, &c), 0);
  while (c.done < N_SUBMIT)
    uv_run(&loop, UV_RUN_ONCE);
  ASSERT_EQ(uv_thread_join(&th), 0);
  ASSERT_EQ(c.ok, N_SUBMIT);
  for (int i = 0; i < N_SUBMIT; i++) {
    ASSERT_MEM_EQ(c.body[i].data, c.body[i].len, "hello");
    ferry_easy_cleanup(c.e[i]);
    sink_free(&c.body[i]);
  }
  uv_close((uv_handle_t *)&keep, NULL);
  ASSERT_EQ(ferry_multi_close(c.m, on_closed, &closed), FERRYM_OK);
  uv_run(&loop, UV_RUN_DEFAULT);
  ASSERT_EQ(closed, 1);
  MAKE_LOOP_HAPPY(&loop);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

static void cancel_thread(void *arg) {
  sctx *c = arg;
  ferry_multi_submit_cancel(c->m, c->e[0]);
}

TEST_IMPL(embed_cancel_from_another_thread_ends_the_transfer) {
  uv_loop_t loop;
  uv_thread_t th;
  tserver *s = tserver_start();
  /* the server takes the request and never answers */
  ts_step hang[] = {FX_STEP_REQ, {TS_WAIT_CLOSE, NULL, 0, 0, 0}};
  sctx c;
  int closed = 0;

  memset(&c, 0, sizeof(c));
  tserver_script(s, 0, FX_STEPS(hang));
  ASSERT_EQ(uv_loop_init(&loop), 0);
  c.m = ferry_multi_init();
  ASSERT_EQ(ferry_multi_use_loop(c.m, &loop), FERRYM_OK);
  c.e[0] = fx_easy(fx_url(s, "/hang"), &c.body[0], NULL);
  ferry_easy_setopt(c.e[0], FERRYOPT_DONEFUNCTION, done_count);
  ferry_easy_setopt(c.e[0], FERRYOPT_DONEDATA, &c);
  ASSERT_EQ(ferry_multi_add_handle(c.m, c.e[0]), FERRYM_OK);
  /* run until the server has the request, then cancel from a thread */
  while (tserver_requests(s) < 1)
    uv_run(&loop, UV_RUN_NOWAIT);
  ASSERT_EQ(uv_thread_create(&th, cancel_thread, &c), 0);
  while (c.done < 1)
    uv_run(&loop, UV_RUN_ONCE);
  ASSERT_EQ(uv_thread_join(&th), 0);
  ASSERT_EQ(c.cancelled, 1);
  ASSERT_EQ(tserver_wait_closed(s, 1, 5000), 0); /* its connection closed */
  ferry_easy_cleanup(c.e[0]);
  sink_free(&c.body[0]);
  ASSERT_EQ(ferry_multi_close(c.m, on_closed, &closed), FERRYM_OK);
  uv_run(&loop, UV_RUN_DEFAULT);
  ASSERT_EQ(closed, 1);
  MAKE_LOOP_HAPPY(&loop);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- priority ---- */

static char order[16];
static int order_len;

static size_t note_order(char *p, size_t size, size_t n, void *ud) {
  (void)p;
  if (order_len < (int)sizeof(order) - 1 && ud)
    order[order_len++] = *(const char *)ud;
  return size * n;
}

TEST_IMPL(embed_priority_decides_which_queued_transfer_starts_next) {
  tserver *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  ferry_easy *e[5];
  static const char names[5] = {'a', 'b', 'c', 'd', 'e'};
  static const long prio[5] = {0, 1, 5, 5, 9};
  int running = 1;

  tserver_respond_always(s, FX_OK_HELLO, 0);
  order_len = 0;
  /* one connection: everything after the first waits in the queue */
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_MAX_TOTAL_CONNECTIONS, 1L), FERRYM_OK);
  for (int i = 0; i < 5; i++) {
    e[i] = ferry_easy_init();
    ferry_easy_setopt(e[i], FERRYOPT_URL, fx_url(s, "/p"));
    ferry_easy_setopt(e[i], FERRYOPT_WRITEFUNCTION, note_order);
    ferry_easy_setopt(e[i], FERRYOPT_WRITEDATA, (void *)&names[i]);
    ferry_easy_setopt(e[i], FERRYOPT_PRIORITY, prio[i]);
    ASSERT_EQ(ferry_multi_add_handle(m, e[i]), FERRYM_OK);
  }
  while (running) {
    ASSERT_EQ(ferry_multi_perform(m, &running), FERRYM_OK);
    if (running)
      ASSERT_EQ(ferry_multi_poll(m, NULL, 0, 1000, NULL), FERRYM_OK);
  }
  order[order_len] = '\0';
  /* 'a' took the connection first; then by priority, ties in add order */
  ASSERT_STR_EQ(order, "aecdb");
  for (int i = 0; i < 5; i++) {
    ferry_multi_remove_handle(m, e[i]);
    ferry_easy_cleanup(e[i]);
  }
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  ASSERT_EQ(tserver_connections(s), 1);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

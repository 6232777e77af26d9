/* bench-ferry: N transfers, K in flight, with ferry in libuv mode.
 *
 * The multi lives on our own uv loop (ferry_multi_use_loop); K easy handles
 * are made once and reused the way an application would: when one finishes,
 * the NOTIFYFUNCTION reads its message, checks it, removes the handle, sets
 * the next URL and adds it again. In share mode (--threads) it runs the
 * easy interface in threads instead, a new handle for each transfer, all
 * with one ferry_share. Command line and output: bench-common.h. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "bench-common.h"
#include "ferry_uv.h"

typedef struct app app;

typedef struct slot {
  ferry_easy *easy;
  app *app;
  long long bytes;
  int got_first;
  int active;
  char errbuf[FERRY_ERROR_SIZE];
} slot;

struct app {
  bench_opts o;
  uv_loop_t loop;
  ferry_multi *multi;
  slot *slots;
  long started, finished;
  uint64_t deadline_ns;
  bench_result r;
  int ended;
  /* hold mode */
  uv_timer_t hold_timer, wait_timer;
  long first_bytes;
  int holding;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp) {
  slot *s = userp;
  size_t len = size * nmemb;

  (void)data;
  if (!s->got_first) {
    s->got_first = 1;
    s->app->first_bytes++;
  }
  s->bytes += (long long)len;
  return len;
}

static void end_run(app *a) {
  if (a->ended)
    return;
  a->ended = 1;
  bench_mark_now(&a->r.end);
  a->r.peak_rss_kb = bench_hwm_kb();
}

/* Set up a slot's handle for its next transfer and add it. */
static int start_slot(app *a, slot *s) {
  ferry_mcode mc;

  s->bytes = 0;
  s->got_first = 0;
  if (ferry_easy_setopt(s->easy, FERRYOPT_URL, a->o.url) != FERRYE_OK)
    return -1;
  mc = ferry_multi_add_handle(a->multi, s->easy);
  if (mc != FERRYM_OK) {
    fprintf(stderr, "bench-ferry: add_handle: %s\n", ferry_multi_strerror(mc));
    return -1;
  }
  s->active = 1;
  a->started++;
  return 0;
}

static void check_done(app *a, slot *s, ferry_code result) {
  long status = 0, conns = 0;

  ferry_easy_getinfo(s->easy, FERRYINFO_RESPONSE_CODE, &status);
  ferry_easy_getinfo(s->easy, FERRYINFO_NUM_CONNECTS, &conns);
  a->r.connections += conns;
  bench_judge(&a->r, &a->o, (long)result, ferry_easy_strerror(result), s->errbuf, status,
              s->bytes);
}

static void on_notify(ferry_multi *m, unsigned int what, ferry_easy *easy,
                      void *userp) {
  (void)what;
  (void)easy;
  app *a = userp;
  ferry_msg *msg;

  while ((msg = ferry_multi_info_read(m, NULL)) != NULL) {
    slot *s = NULL;

    if (msg->msg != FERRYMSG_DONE)
      continue;
    ferry_easy_getinfo(msg->easy_handle, FERRYINFO_PRIVATE, (char **)&s);
    check_done(a, s, msg->data.result);
    ferry_multi_remove_handle(m, s->easy);
    s->active = 0;
    a->finished++;
    if (a->o.hold == 0 && a->started < a->o.n &&
        bench_now_ns() < a->deadline_ns) {
      if (start_slot(a, s) != 0)
        bench_error(&a->r, 0, "cannot restart a transfer");
    }
  }
  if (a->o.hold == 0 && a->finished == a->started) {
    end_run(a);
  }
}

/* ---- hold mode -------------------------------------------------------- */

static void stop_holding(app *a) {
  end_run(a);
  a->r.held = a->first_bytes;
  if (a->first_bytes < a->o.n)
    bench_error(&a->r, 0, "%ld of %ld transfers had no first byte after %.0f s",
                a->o.n - a->first_bytes, a->o.n, a->o.seconds);
  for (long i = 0; i < a->o.k; i++) {
    if (a->slots[i].active) {
      a->r.bytes += a->slots[i].bytes;
      ferry_multi_remove_handle(a->multi, a->slots[i].easy);
      a->slots[i].active = 0;
    }
  }
  uv_timer_stop(&a->hold_timer);
  uv_timer_stop(&a->wait_timer);
}

static void on_hold_over(uv_timer_t *t) { stop_holding(t->data); }

/* Polls every 10 ms until every transfer has its first byte, then holds. */
static void on_wait_tick(uv_timer_t *t) {
  app *a = t->data;

  if (a->holding)
    return;
  if (a->first_bytes + a->r.errors >= a->o.n ||
      bench_now_ns() >= a->deadline_ns) {
    a->holding = 1;
    a->r.heap_held_bytes = bench_heap_live();
    uv_timer_stop(&a->wait_timer);
    uv_timer_start(&a->hold_timer, on_hold_over, (uint64_t)(a->o.hold * 1000),
                   0);
  }
}

/* ---- share mode ------------------------------------------------------- */

/* bench-common.h's share mode: each transfer on a new handle that uses one
 * share, in several threads. */
typedef struct shared {
  const bench_opts *o;
  ferry_share *share;
  pthread_mutex_t locks[FERRY_LOCK_DATA_LAST];
} shared;

static void share_lock(ferry_easy *e, ferry_lock_data data,
                       ferry_lock_access access, void *userp) {
  (void)e;
  (void)access;
  pthread_mutex_lock(&((shared *)userp)->locks[data]);
}

static void share_unlock(ferry_easy *e, ferry_lock_data data, void *userp) {
  (void)e;
  pthread_mutex_unlock(&((shared *)userp)->locks[data]);
}

static size_t count_body(char *data, size_t size, size_t nmemb, void *userp) {
  (void)data;
  *(long long *)userp += (long long)(size * nmemb);
  return size * nmemb;
}

static long one_shared(void *ctx, const char **code_text, char *errbuf,
                       long *status, long long *bytes) {
  shared *sh = ctx;
  ferry_easy *e = ferry_easy_init();
  char eb[FERRY_ERROR_SIZE] = "";
  ferry_code rc;

  if (e == NULL) {
    *code_text = ferry_easy_strerror(FERRYE_OUT_OF_MEMORY);
    return FERRYE_OUT_OF_MEMORY;
  }
  ferry_easy_setopt(e, FERRYOPT_URL, sh->o->url);
  ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, count_body);
  ferry_easy_setopt(e, FERRYOPT_WRITEDATA, bytes);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, eb);
  ferry_easy_setopt(e, FERRYOPT_IPRESOLVE, FERRY_IPRESOLVE_V4);
  if (sh->o->cainfo)
    ferry_easy_setopt(e, FERRYOPT_CAINFO, sh->o->cainfo);
  if (sh->o->share & BENCH_SHARE_COOKIE)
    ferry_easy_setopt(e, FERRYOPT_COOKIEFILE, "");
  if (sh->o->fresh) {
    ferry_easy_setopt(e, FERRYOPT_FRESH_CONNECT, 1L);
    ferry_easy_setopt(e, FERRYOPT_FORBID_REUSE, 1L);
  }
  ferry_easy_setopt(e, FERRYOPT_SHARE, sh->share);
  rc = ferry_easy_perform(e);
  ferry_easy_getinfo(e, FERRYINFO_RESPONSE_CODE, status);
  snprintf(errbuf, 256, "%s", eb);
  *code_text = ferry_easy_strerror(rc);
  ferry_easy_cleanup(e);
  return rc;
}

static int run_shared(const bench_opts *o) {
  static const struct {
    unsigned bit;
    ferry_lock_data data;
  } kinds[] = {{BENCH_SHARE_DNS, FERRY_LOCK_DATA_DNS},
               {BENCH_SHARE_SSL, FERRY_LOCK_DATA_SSL_SESSION},
               {BENCH_SHARE_CONNECT, FERRY_LOCK_DATA_CONNECT},
               {BENCH_SHARE_COOKIE, FERRY_LOCK_DATA_COOKIE}};
  shared sh;
  bench_result r;
  int status;

  memset(&sh, 0, sizeof(sh));
  memset(&r, 0, sizeof(r));
  sh.o = o;
  for (int i = 0; i < FERRY_LOCK_DATA_LAST; i++)
    pthread_mutex_init(&sh.locks[i], NULL);
  sh.share = ferry_share_init();
  if (sh.share == NULL)
    return 2;
  ferry_share_setopt(sh.share, FERRYSHOPT_LOCKFUNC, share_lock);
  ferry_share_setopt(sh.share, FERRYSHOPT_UNLOCKFUNC, share_unlock);
  ferry_share_setopt(sh.share, FERRYSHOPT_USERDATA, &sh);
  for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
    if ((o->share & kinds[i].bit) &&
        ferry_share_setopt(sh.share, FERRYSHOPT_SHARE, kinds[i].data) !=
            FERRYSHE_OK)
      return 2;
  r.base_rss_kb = bench_rss_kb();
  if (bench_run_threads(o, &r, one_shared, &sh) != 0)
    return 2;
  status = bench_report(o, &r);
  if (ferry_share_cleanup(sh.share) != FERRYSHE_OK)
    status = status ? status : 1;
  for (int i = 0; i < FERRY_LOCK_DATA_LAST; i++)
    pthread_mutex_destroy(&sh.locks[i]);
  ferry_global_cleanup();
  return status;
}

/* ---- main ------------------------------------------------------------- */

static void on_multi_closed(ferry_multi *m, void *arg) {
  (void)m;
  *(int *)arg = 1;
}

int main(int argc, char **argv) {
  app a;
  int closed = 0, status;

  memset(&a, 0, sizeof(a));
  if (bench_parse_args(&a.o, argc, argv, "ferry") != 0)
    return 2;
  bench_raise_nofile(a.o.k + 256);
  a.r.heap_setup_bytes = a.r.heap_held_bytes = -1;
  /* hold mode counts ferry's heap (nghttp2's allocations go through it
   * too; mbedTLS's and libuv's do not) */
  if (a.o.hold > 0 ? ferry_global_init_mem(FERRY_GLOBAL_DEFAULT,
                                           bench_heap_malloc, bench_heap_free,
                                           bench_heap_realloc,
                                           bench_heap_strdup,
                                           bench_heap_calloc) != FERRYE_OK
                   : ferry_global_init(FERRY_GLOBAL_DEFAULT) != FERRYE_OK)
    return 2;
  if (a.o.threads > 0)
    return run_shared(&a.o);
  if (uv_loop_init(&a.loop) != 0)
    return 2;
  a.multi = ferry_multi_init();
  if (a.multi == NULL || ferry_multi_use_loop(a.multi, &a.loop) != FERRYM_OK)
    return 2;
  ferry_multi_setopt(a.multi, FERRYMOPT_NOTIFYFUNCTION, on_notify);
  ferry_multi_notify_enable(a.multi, FERRYMNOTIFY_INFO_READ);
  ferry_multi_setopt(a.multi, FERRYMOPT_NOTIFYDATA, &a);
  uv_timer_init(&a.loop, &a.hold_timer);
  uv_timer_init(&a.loop, &a.wait_timer);
  a.hold_timer.data = a.wait_timer.data = &a;

  a.r.base_rss_kb = bench_rss_kb();
  a.slots = calloc((size_t)a.o.k, sizeof(*a.slots));
  if (a.slots == NULL)
    return 2;
  for (long i = 0; i < a.o.k; i++) {
    slot *s = &a.slots[i];
    ferry_easy *e = ferry_easy_init();

    if (e == NULL)
      return 2;
    s->easy = e;
    s->app = &a;
    ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, on_body);
    ferry_easy_setopt(e, FERRYOPT_WRITEDATA, s);
    ferry_easy_setopt(e, FERRYOPT_PRIVATE, s);
    ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, s->errbuf);
    if (a.o.http2) {
      int tls = strncmp(a.o.url, "https:", 6) == 0;
      ferry_easy_setopt(e, FERRYOPT_HTTP_VERSION,
                        tls ? (long)FERRY_HTTP_VERSION_2TLS
                            : (long)FERRY_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
      ferry_easy_setopt(e, FERRYOPT_PIPEWAIT, 1L);
    }
    if (a.o.fresh) {
      ferry_easy_setopt(e, FERRYOPT_FRESH_CONNECT, 1L);
      ferry_easy_setopt(e, FERRYOPT_FORBID_REUSE, 1L);
    }
    if (a.o.buffersize > 0 &&
        ferry_easy_setopt(e, FERRYOPT_BUFFERSIZE, a.o.buffersize) != FERRYE_OK) {
      fprintf(stderr, "bench-ferry: BUFFERSIZE %ld refused\n", a.o.buffersize);
      return 2;
    }
    /* CAINFO may not be built in yet (https is in progress): the transfer
     * then reports what is missing. */
    if (a.o.cainfo)
      ferry_easy_setopt(e, FERRYOPT_CAINFO, a.o.cainfo);
  }

  if (a.o.hold > 0)
    a.r.heap_setup_bytes = bench_heap_live();
  bench_mark_now(&a.r.start);
  a.deadline_ns = a.r.start.wall_ns + (uint64_t)(a.o.seconds * 1e9);
  for (long i = 0; i < a.o.k; i++) {
    if (start_slot(&a, &a.slots[i]) != 0)
      return 2;
  }
  if (a.o.hold > 0)
    uv_timer_start(&a.wait_timer, on_wait_tick, 10, 10);
  uv_run(&a.loop, UV_RUN_DEFAULT);
  end_run(&a); /* in case the loop ran dry without a last notify */

  status = bench_report(&a.o, &a.r);

  for (long i = 0; i < a.o.k; i++) {
    if (a.slots[i].active)
      ferry_multi_remove_handle(a.multi, a.slots[i].easy);
    ferry_easy_cleanup(a.slots[i].easy);
  }
  free(a.slots);
  ferry_multi_close(a.multi, on_multi_closed, &closed);
  uv_close((uv_handle_t *)&a.hold_timer, NULL);
  uv_close((uv_handle_t *)&a.wait_timer, NULL);
  uv_run(&a.loop, UV_RUN_DEFAULT);
  if (!closed || uv_loop_close(&a.loop) != 0) {
    fprintf(stderr, "bench-ferry: the loop did not close cleanly\n");
    status = status ? status : 1;
  }
  ferry_global_cleanup();
  return status;
}

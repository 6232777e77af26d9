/* bench-curl: N transfers, K in flight, with the system's libcurl driven by
 * libuv in the standard way: CURLMOPT_SOCKETFUNCTION starts, changes and
 * stops one uv_poll_t per socket (found again with curl_multi_assign),
 * CURLMOPT_TIMERFUNCTION arms one uv_timer_t, and both call
 * curl_multi_socket_action, after which finished transfers are read with
 * curl_multi_info_read. K easy handles are made once and reused: a finished
 * one is removed, given the next URL and added again. In share mode
 * (--threads) it runs the easy interface in threads instead, a new handle
 * for each transfer, all with one CURLSH.
 * Command line and output: bench-common.h. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <uv.h>

#include "bench-common.h"

typedef struct app app;

typedef struct slot {
  CURL *easy;
  app *app;
  long long bytes;
  int got_first;
  int active;
  char errbuf[CURL_ERROR_SIZE];
} slot;

typedef struct watch {
  uv_poll_t poll;
  curl_socket_t fd;
  app *app;
} watch;

struct app {
  bench_opts o;
  uv_loop_t loop;
  uv_timer_t timer;
  CURLM *multi;
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

static int start_slot(app *a, slot *s) {
  CURLMcode mc;

  s->bytes = 0;
  s->got_first = 0;
  if (curl_easy_setopt(s->easy, CURLOPT_URL, a->o.url) != CURLE_OK)
    return -1;
  mc = curl_multi_add_handle(a->multi, s->easy);
  if (mc != CURLM_OK) {
    fprintf(stderr, "bench-curl: add_handle: %s\n", curl_multi_strerror(mc));
    return -1;
  }
  s->active = 1;
  a->started++;
  return 0;
}

static void check_done(app *a, slot *s, CURLcode result) {
  long status = 0, conns = 0;

  curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(s->easy, CURLINFO_NUM_CONNECTS, &conns);
  a->r.connections += conns;
  bench_judge(&a->r, &a->o, (long)result, curl_easy_strerror(result), s->errbuf, status,
              s->bytes);
}

static void reap(app *a) {
  CURLMsg *msg;
  int left;

  while ((msg = curl_multi_info_read(a->multi, &left)) != NULL) {
    slot *s = NULL;

    if (msg->msg != CURLMSG_DONE)
      continue;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
    check_done(a, s, msg->data.result);
    curl_multi_remove_handle(a->multi, s->easy);
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

/* ---- the libuv glue --------------------------------------------------- */

static void on_socket_ready(uv_poll_t *p, int status, int events) {
  watch *w = p->data;
  app *a = w->app;
  int flags = 0, running;

  if (status < 0)
    flags = CURL_CSELECT_ERR;
  if (events & UV_READABLE)
    flags |= CURL_CSELECT_IN;
  if (events & UV_WRITABLE)
    flags |= CURL_CSELECT_OUT;
  curl_multi_socket_action(a->multi, w->fd, flags, &running);
  reap(a);
}

static void on_timeout(uv_timer_t *t) {
  app *a = t->data;
  int running;

  curl_multi_socket_action(a->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  reap(a);
}

static int on_timer_change(CURLM *multi, long timeout_ms, void *userp) {
  app *a = userp;

  (void)multi;
  if (timeout_ms < 0)
    uv_timer_stop(&a->timer);
  else
    uv_timer_start(&a->timer, on_timeout, (uint64_t)timeout_ms, 0);
  return 0;
}

static void free_watch(uv_handle_t *h) { free(h->data); }

static int on_socket_change(CURL *easy, curl_socket_t s, int what, void *userp,
                            void *sockp) {
  app *a = userp;
  watch *w = sockp;
  int events = 0;

  (void)easy;
  if (what == CURL_POLL_REMOVE) {
    if (w) {
      uv_poll_stop(&w->poll);
      uv_close((uv_handle_t *)&w->poll, free_watch);
      curl_multi_assign(a->multi, s, NULL);
    }
    return 0;
  }
  if (w == NULL) {
    w = malloc(sizeof(*w));
    if (w == NULL)
      return -1;
    if (uv_poll_init_socket(&a->loop, &w->poll, s) != 0) {
      free(w);
      return -1;
    }
    w->poll.data = w;
    w->fd = s;
    w->app = a;
    curl_multi_assign(a->multi, s, w);
  }
  if (what & CURL_POLL_IN)
    events |= UV_READABLE;
  if (what & CURL_POLL_OUT)
    events |= UV_WRITABLE;
  uv_poll_start(&w->poll, events, on_socket_ready);
  return 0;
}

static void close_leftover_watch(uv_handle_t *h, void *arg) {
  (void)arg;
  if (h->type == UV_POLL && !uv_is_closing(h))
    uv_close(h, free_watch);
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
      curl_multi_remove_handle(a->multi, a->slots[i].easy);
      a->slots[i].active = 0;
    }
  }
  uv_timer_stop(&a->hold_timer);
  uv_timer_stop(&a->wait_timer);
}

static void on_hold_over(uv_timer_t *t) { stop_holding(t->data); }

static void on_wait_tick(uv_timer_t *t) {
  app *a = t->data;

  if (a->holding)
    return;
  if (a->first_bytes + a->r.errors >= a->o.n ||
      bench_now_ns() >= a->deadline_ns) {
    a->holding = 1;
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
  CURLSH *share;
  pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
} shared;

static void share_lock(CURL *e, curl_lock_data data,
                       curl_lock_access access, void *userp) {
  (void)e;
  (void)access;
  pthread_mutex_lock(&((shared *)userp)->locks[data]);
}

static void share_unlock(CURL *e, curl_lock_data data, void *userp) {
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
  CURL *e = curl_easy_init();
  char eb[CURL_ERROR_SIZE] = "";
  CURLcode rc;

  if (e == NULL) {
    *code_text = curl_easy_strerror(CURLE_OUT_OF_MEMORY);
    return CURLE_OUT_OF_MEMORY;
  }
  curl_easy_setopt(e, CURLOPT_URL, sh->o->url);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, count_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, bytes);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, eb);
  curl_easy_setopt(e, CURLOPT_IPRESOLVE, CURL_IPRESOLVE_V4);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  if (sh->o->cainfo)
    curl_easy_setopt(e, CURLOPT_CAINFO, sh->o->cainfo);
  if (sh->o->share & BENCH_SHARE_COOKIE)
    curl_easy_setopt(e, CURLOPT_COOKIEFILE, "");
  if (sh->o->fresh) {
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  }
  curl_easy_setopt(e, CURLOPT_SHARE, sh->share);
  rc = curl_easy_perform(e);
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
  snprintf(errbuf, 256, "%s", eb);
  *code_text = curl_easy_strerror(rc);
  curl_easy_cleanup(e);
  return rc;
}

static int run_shared(const bench_opts *o) {
  static const struct {
    unsigned bit;
    curl_lock_data data;
  } kinds[] = {{BENCH_SHARE_DNS, CURL_LOCK_DATA_DNS},
               {BENCH_SHARE_SSL, CURL_LOCK_DATA_SSL_SESSION},
               {BENCH_SHARE_CONNECT, CURL_LOCK_DATA_CONNECT},
               {BENCH_SHARE_COOKIE, CURL_LOCK_DATA_COOKIE}};
  shared sh;
  bench_result r;
  int status;

  memset(&sh, 0, sizeof(sh));
  memset(&r, 0, sizeof(r));
  sh.o = o;
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
    pthread_mutex_init(&sh.locks[i], NULL);
  sh.share = curl_share_init();
  if (sh.share == NULL)
    return 2;
  curl_share_setopt(sh.share, CURLSHOPT_LOCKFUNC, share_lock);
  curl_share_setopt(sh.share, CURLSHOPT_UNLOCKFUNC, share_unlock);
  curl_share_setopt(sh.share, CURLSHOPT_USERDATA, &sh);
  for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
    if ((o->share & kinds[i].bit) &&
        curl_share_setopt(sh.share, CURLSHOPT_SHARE, kinds[i].data) !=
            CURLSHE_OK)
      return 2;
  r.base_rss_kb = bench_rss_kb();
  if (bench_run_threads(o, &r, one_shared, &sh) != 0)
    return 2;
  status = bench_report(o, &r);
  if (curl_share_cleanup(sh.share) != CURLSHE_OK)
    status = status ? status : 1;
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
    pthread_mutex_destroy(&sh.locks[i]);
  curl_global_cleanup();
  return status;
}

/* ---- main ------------------------------------------------------------- */

int main(int argc, char **argv) {
  app a;
  int status;

  memset(&a, 0, sizeof(a));
  a.r.heap_setup_bytes = a.r.heap_held_bytes = -1; /* not counted */
  if (bench_parse_args(&a.o, argc, argv, "libcurl") != 0)
    return 2;
  bench_raise_nofile(a.o.k + 256);
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return 2;
  if (a.o.threads > 0)
    return run_shared(&a.o);
  if (uv_loop_init(&a.loop) != 0)
    return 2;
  a.multi = curl_multi_init();
  if (a.multi == NULL)
    return 2;
  uv_timer_init(&a.loop, &a.timer);
  uv_timer_init(&a.loop, &a.hold_timer);
  uv_timer_init(&a.loop, &a.wait_timer);
  a.timer.data = a.hold_timer.data = a.wait_timer.data = &a;
  curl_multi_setopt(a.multi, CURLMOPT_SOCKETFUNCTION, on_socket_change);
  curl_multi_setopt(a.multi, CURLMOPT_SOCKETDATA, &a);
  curl_multi_setopt(a.multi, CURLMOPT_TIMERFUNCTION, on_timer_change);
  curl_multi_setopt(a.multi, CURLMOPT_TIMERDATA, &a);

  a.r.base_rss_kb = bench_rss_kb();
  a.slots = calloc((size_t)a.o.k, sizeof(*a.slots));
  if (a.slots == NULL)
    return 2;
  for (long i = 0; i < a.o.k; i++) {
    slot *s = &a.slots[i];
    CURL *e = curl_easy_init();

    if (e == NULL)
      return 2;
    s->easy = e;
    s->app = &a;
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(e, CURLOPT_PRIVATE, s);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    if (a.o.http2) {
      int tls = strncmp(a.o.url, "https:", 6) == 0;
      curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                       tls ? (long)CURL_HTTP_VERSION_2TLS
                           : (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
      curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    }
    if (a.o.fresh) {
      curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
      curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    }
    if (a.o.buffersize > 0 &&
        curl_easy_setopt(e, CURLOPT_BUFFERSIZE, a.o.buffersize) != CURLE_OK) {
      fprintf(stderr, "bench-curl: BUFFERSIZE %ld refused\n", a.o.buffersize);
      return 2;
    }
    if (a.o.cainfo)
      curl_easy_setopt(e, CURLOPT_CAINFO, a.o.cainfo);
  }

  bench_mark_now(&a.r.start);
  a.deadline_ns = a.r.start.wall_ns + (uint64_t)(a.o.seconds * 1e9);
  for (long i = 0; i < a.o.k; i++) {
    if (start_slot(&a, &a.slots[i]) != 0)
      return 2;
  }
  if (a.o.hold > 0)
    uv_timer_start(&a.wait_timer, on_wait_tick, 10, 10);
  uv_run(&a.loop, UV_RUN_DEFAULT);
  end_run(&a);

  status = bench_report(&a.o, &a.r);

  for (long i = 0; i < a.o.k; i++) {
    if (a.slots[i].active)
      curl_multi_remove_handle(a.multi, a.slots[i].easy);
    curl_easy_cleanup(a.slots[i].easy);
  }
  free(a.slots);
  curl_multi_cleanup(a.multi);
  uv_timer_stop(&a.timer);
  uv_close((uv_handle_t *)&a.timer, NULL);
  uv_close((uv_handle_t *)&a.hold_timer, NULL);
  uv_close((uv_handle_t *)&a.wait_timer, NULL);
  uv_walk(&a.loop, close_leftover_watch, NULL);
  uv_run(&a.loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&a.loop) != 0) {
    fprintf(stderr, "bench-curl: the loop did not close cleanly\n");
    status = status ? status : 1;
  }
  curl_global_cleanup();
  return status;
}

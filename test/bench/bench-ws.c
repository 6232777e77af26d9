/* bench-ws: the client of the benchmark's ws1k row, in plain libcurl code
 * (WebSocket in callback mode, curl_ws_send and curl_ws_meta) driven by
 * libuv in the standard way (SOCKETFUNCTION with one uv_poll_t per socket,
 * TIMERFUNCTION with one uv_timer_t). The same file is built against
 * ferry's <curl/curl.h> (bench-ws-ferry, meson) and against a libcurl 8
 * that has WebSocket (the harness builds it when FERRY_BENCH_CURL8 names
 * its prefix: Debian 12's 7.88 has none).
 *
 *   bench-ws --url ws://127.0.0.1:PORT/ -k K --seconds S [--size B]
 *            [--client NAME]
 *
 * 1. K WebSockets are opened to the echo server (test/bench/bench-wsecho.c),
 *    which greets each with "go"; once all have their "go", the RSS above
 *    what the process had before the easy handles were made, divided by K,
 *    is the memory of an open, idle WebSocket.
 * 2. Each then sends a B-byte text message (default 64); every echo that
 *    comes back is counted and answered with the next message, from inside
 *    the write callback, for S seconds. messages/s is the echoes counted
 *    over those seconds (K messages are in flight at any time).
 * Output: one JSON line: client, k, opened, messages, seconds,
 * messages_per_s, cpu_us_per_message, base_rss_kb, open_rss_kb,
 * rss_per_ws_kb, errors, first_error. Exit 0 without errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <uv.h>

typedef struct app app;

typedef struct slot {
  CURL *easy;
  app *a;
  size_t got;        /* bytes of the current echo */
  int opened;
  char errbuf[CURL_ERROR_SIZE];
} slot;

typedef struct watch {
  uv_poll_t poll;
  curl_socket_t fd;
  app *a;
} watch;

struct app {
  uv_loop_t loop;
  uv_timer_t timer, phase;
  CURLM *multi;
  slot *slots;
  long k, opened, errors, done;
  size_t size;
  double seconds;
  int measuring, stopping;
  unsigned long long messages;
  char first_error[256];
  char msg[4096];
  struct timespec t0, t1;
  double cpu0, cpu1;
};

static double cpu_now(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

static long rss_kb(void) {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f == NULL)
    return -1;
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
    resident = -1;
  fclose(f);
  return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void error(app *a, const char *what) {
  if (a->errors++ == 0)
    snprintf(a->first_error, sizeof(a->first_error), "%s", what);
}

static void send_message(slot *s) {
  size_t sent = 0;
  CURLcode rc = curl_ws_send(s->easy, s->a->msg, s->a->size, &sent, 0,
                             CURLWS_TEXT);
  if (rc != CURLE_OK || sent != s->a->size)
    error(s->a, rc != CURLE_OK ? curl_easy_strerror(rc) : "partial send");
}

static size_t on_write(char *p, size_t size, size_t n, void *ud) {
  slot *s = ud;
  app *a = s->a;
  const struct curl_ws_frame *m = curl_ws_meta(s->easy);
  size_t len = size * n;

  (void)p;
  if (m == NULL || !(m->flags & CURLWS_TEXT))
    return len;
  if (!s->opened) {
    /* the server's "go" */
    s->opened = 1;
    a->opened++;
    return len;
  }
  s->got += len;
  if (m->bytesleft == 0 && s->got >= a->size) {
    s->got = 0;
    if (a->measuring)
      a->messages++;
    if (!a->stopping)
      send_message(s);
  }
  return len;
}

/* ---- libuv glue, as libcurl's examples do it ------------------------------ */

static void check_done(app *a) {
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read(a->multi, &left)) != NULL) {
    if (msg->msg != CURLMSG_DONE)
      continue;
    a->done++;
    if (!a->stopping)
      error(a, curl_easy_strerror(msg->data.result));
  }
}

static void on_poll(uv_poll_t *p, int status, int events) {
  watch *w = p->data;
  int running, flags = 0;
  if (status < 0)
    flags = CURL_CSELECT_ERR;
  if (events & UV_READABLE)
    flags |= CURL_CSELECT_IN;
  if (events & UV_WRITABLE)
    flags |= CURL_CSELECT_OUT;
  curl_multi_socket_action(w->a->multi, w->fd, flags, &running);
  check_done(w->a);
}

static void on_timeout(uv_timer_t *t) {
  app *a = t->data;
  int running;
  curl_multi_socket_action(a->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  check_done(a);
}

static int timer_cb(CURLM *m, long ms, void *ud) {
  app *a = ud;
  (void)m;
  if (ms < 0)
    uv_timer_stop(&a->timer);
  else
    uv_timer_start(&a->timer, on_timeout, (uint64_t)ms, 0);
  return 0;
}

static void free_watch(uv_handle_t *h) { free(h->data); }

static int socket_cb(CURL *e, curl_socket_t fd, int what, void *ud, void *sp) {
  app *a = ud;
  watch *w = sp;
  int events = 0;
  (void)e;
  if (what == CURL_POLL_REMOVE) {
    if (w != NULL) {
      uv_poll_stop(&w->poll);
      curl_multi_assign(a->multi, fd, NULL);
      uv_close((uv_handle_t *)&w->poll, free_watch);
    }
    return 0;
  }
  if (w == NULL) {
    w = calloc(1, sizeof(*w));
    if (w == NULL)
      return -1;
    w->fd = fd;
    w->a = a;
    uv_poll_init_socket(&a->loop, &w->poll, fd);
    w->poll.data = w;
    curl_multi_assign(a->multi, fd, w);
  }
  if (what & CURL_POLL_IN)
    events |= UV_READABLE;
  if (what & CURL_POLL_OUT)
    events |= UV_WRITABLE;
  uv_poll_start(&w->poll, events, on_poll);
  return 0;
}

/* ---- the phases ------------------------------------------------------------ */

static void on_phase(uv_timer_t *t);

static long base_rss, open_rss;

static void measure_start(app *a) {
  open_rss = rss_kb();
  a->measuring = 1;
  clock_gettime(CLOCK_MONOTONIC, &a->t0);
  a->cpu0 = cpu_now();
  /* every WebSocket sends its first message, from outside callbacks */
  for (long i = 0; i < a->k; i++)
    send_message(&a->slots[i]);
  uv_timer_start(&a->phase, on_phase, (uint64_t)(a->seconds * 1000), 0);
}

static void on_phase(uv_timer_t *t) {
  app *a = t->data;
  static int waited;
  if (!a->measuring) {
    if (a->opened < a->k && waited++ < 600) {
      uv_timer_start(&a->phase, on_phase, 50, 0); /* still opening */
      return;
    }
    if (a->opened < a->k)
      error(a, "not every WebSocket opened within 30 s");
    measure_start(a);
    return;
  }
  /* the measured seconds are over */
  clock_gettime(CLOCK_MONOTONIC, &a->t1);
  a->cpu1 = cpu_now();
  a->measuring = 0;
  a->stopping = 1;
  for (long i = 0; i < a->k; i++)
    curl_multi_remove_handle(a->multi, a->slots[i].easy);
  uv_timer_stop(&a->timer);
}

int main(int argc, char **argv) {
  app *a = calloc(1, sizeof(*a));
  const char *url = NULL, *client = "ferry";
  double secs;
  struct rlimit rl;

  a->k = 1000;
  a->size = 64;
  a->seconds = 10;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
      url = argv[++i];
    else if (strcmp(argv[i], "-k") == 0 && i + 1 < argc)
      a->k = atol(argv[++i]);
    else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
      a->seconds = atof(argv[++i]);
    else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
      a->size = (size_t)atol(argv[++i]);
    else if (strcmp(argv[i], "--client") == 0 && i + 1 < argc)
      client = argv[++i];
  }
  if (url == NULL || a->k <= 0 || a->size == 0 || a->size > sizeof(a->msg)) {
    fprintf(stderr, "usage: bench-ws --url ws://HOST:PORT/ [-k K] "
                    "[--seconds S] [--size B] [--client NAME]\n");
    return 2;
  }
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  memset(a->msg, 'm', sizeof(a->msg));
  curl_global_init(CURL_GLOBAL_ALL);
  uv_loop_init(&a->loop);
  uv_timer_init(&a->loop, &a->timer);
  uv_timer_init(&a->loop, &a->phase);
  a->timer.data = a->phase.data = a;
  base_rss = rss_kb();
  a->multi = curl_multi_init();
  curl_multi_setopt(a->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt(a->multi, CURLMOPT_SOCKETDATA, a);
  curl_multi_setopt(a->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
  curl_multi_setopt(a->multi, CURLMOPT_TIMERDATA, a);
  a->slots = calloc((size_t)a->k, sizeof(*a->slots));
  for (long i = 0; i < a->k; i++) {
    slot *s = &a->slots[i];
    s->a = a;
    s->easy = curl_easy_init();
    curl_easy_setopt(s->easy, CURLOPT_URL, url);
    curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(s->easy, CURLOPT_ERRORBUFFER, s->errbuf);
    curl_multi_add_handle(a->multi, s->easy);
  }
  uv_timer_start(&a->phase, on_phase, 50, 0);
  uv_run(&a->loop, UV_RUN_DEFAULT);
  secs = (a->t1.tv_sec - a->t0.tv_sec) + (a->t1.tv_nsec - a->t0.tv_nsec) / 1e9;
  printf("{\"client\": \"%s\", \"k\": %ld, \"opened\": %ld, \"messages\": %llu, "
         "\"seconds\": %.3f, \"messages_per_s\": %.1f, "
         "\"cpu_us_per_message\": %.3f, \"base_rss_kb\": %ld, "
         "\"open_rss_kb\": %ld, \"rss_per_ws_kb\": %.2f, \"errors\": %ld, "
         "\"first_error\": \"%s\"}\n",
         client, a->k, a->opened, a->messages, secs,
         secs > 0 ? (double)a->messages / secs : 0,
         a->messages ? (a->cpu1 - a->cpu0) * 1e6 / (double)a->messages : 0,
         base_rss, open_rss,
         (double)(open_rss - base_rss) / (double)a->k, a->errors,
         a->first_error);
  for (long i = 0; i < a->k; i++)
    curl_easy_cleanup(a->slots[i].easy);
  curl_multi_cleanup(a->multi);
  curl_global_cleanup();
  return a->errors ? 1 : 0;
}

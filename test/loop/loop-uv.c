/* loop-uv.c - a libcurl socket_action program on libuv, written the way
 * libcurl's own multi-uv example is: one uv_poll_t per socket the multi
 * announces, one uv_timer_t, and uv_run(UV_RUN_DEFAULT), which must return
 * by itself once the transfers are done, keep-alive connections pooled.
 *
 * Usage: loop-uv URL COUNT PARALLEL GAP_MS
 * Runs two batches of COUNT transfers of URL (at most PARALLEL connections
 * to the host), sleeping GAP_MS between them, each with its own uv_run.
 * Prints a report (see loop-book.h); exits 0 when every check passed.
 */
#include <uv.h>

#include "loop-book.h"

struct app {
  uv_loop_t loop;
  uv_timer_t timer;
  uv_prepare_t counter;
  unsigned long iterations;
  CURLM *multi;
  struct book book;
};

struct watch {
  uv_poll_t poll;
  curl_socket_t fd;
  struct app *app;
};

static void on_poll_closed(uv_handle_t *h) { free(h->data); }

static void on_ready(uv_poll_t *p, int status, int events) {
  struct watch *w = p->data;
  int flags = 0, running;
  if (status < 0)
    flags = CURL_CSELECT_ERR;
  if (events & UV_READABLE)
    flags |= CURL_CSELECT_IN;
  if (events & UV_WRITABLE)
    flags |= CURL_CSELECT_OUT;
  curl_multi_socket_action(w->app->multi, w->fd, flags, &running);
  book_reap(w->app->multi, &w->app->book);
}

static void on_timeout(uv_timer_t *t) {
  struct app *a = t->data;
  int running;
  curl_multi_socket_action(a->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  book_reap(a->multi, &a->book);
}

static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp,
                     void *socketp) {
  struct app *a = userp;
  struct watch *w = socketp;
  int events = 0;

  book_socket(&a->book, easy, s, what);
  if (what == CURL_POLL_REMOVE) {
    if (w != NULL) {
      uv_poll_stop(&w->poll);
      uv_close((uv_handle_t *)&w->poll, on_poll_closed);
      curl_multi_assign(a->multi, s, NULL);
    }
    return 0;
  }
  if (w == NULL) {
    w = calloc(1, sizeof(*w));
    if (w == NULL || uv_poll_init_socket(&a->loop, &w->poll, s) != 0) {
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
  uv_poll_start(&w->poll, events, on_ready);
  return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp) {
  struct app *a = userp;
  (void)multi;
  book_timer(&a->book, timeout_ms);
  if (timeout_ms < 0)
    uv_timer_stop(&a->timer);
  else
    uv_timer_start(&a->timer, on_timeout, (uint64_t)timeout_ms, 0);
  return 0;
}

static void on_iteration(uv_prepare_t *p) {
  struct app *a = p->data;
  a->iterations++;
}

int main(int argc, char **argv) {
  struct app a;
  struct batch bt[2];
  int count, parallel, rc;
  long gap;

  if (argc != 5) {
    fprintf(stderr, "usage: %s URL COUNT PARALLEL GAP_MS\n", argv[0]);
    return 2;
  }
  count = atoi(argv[2]);
  parallel = atoi(argv[3]);
  gap = atol(argv[4]);
  memset(&a, 0, sizeof(a));
  memset(bt, 0, sizeof(bt));
  book_init(&a.book);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  uv_loop_init(&a.loop);
  uv_timer_init(&a.loop, &a.timer);
  a.timer.data = &a;
  /* counts loop iterations without keeping the loop alive */
  uv_prepare_init(&a.loop, &a.counter);
  a.counter.data = &a;
  uv_prepare_start(&a.counter, on_iteration);
  uv_unref((uv_handle_t *)&a.counter);

  a.multi = curl_multi_init();
  curl_multi_setopt(a.multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt(a.multi, CURLMOPT_SOCKETDATA, &a);
  curl_multi_setopt(a.multi, CURLMOPT_TIMERFUNCTION, timer_cb);
  curl_multi_setopt(a.multi, CURLMOPT_TIMERDATA, &a);
  curl_multi_setopt(a.multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)parallel);

  for (int n = 0; n < 2; n++) {
    if (n == 1 && gap > 0) {
      printf("gap %ld ms\n", gap);
      book_gap(gap);
    }
    for (int i = 0; i < count; i++)
      curl_multi_add_handle(a.multi, book_easy(argv[1], &bt[n]));
    uv_run(&a.loop, UV_RUN_DEFAULT); /* returns when the work is done */
    book_batch_report(&a.book, n + 1, &bt[n], count);
    book_loop_ended(&a.book, n + 1, uv_is_active((uv_handle_t *)&a.timer));
  }

  curl_multi_cleanup(a.multi);
  uv_close((uv_handle_t *)&a.timer, NULL);
  uv_close((uv_handle_t *)&a.counter, NULL);
  uv_run(&a.loop, UV_RUN_DEFAULT);
  rc = uv_loop_close(&a.loop);
  printf("uv_loop_close: %d\n", rc);
  if (rc != 0)
    book_fail(&a.book, "uv_loop_close");
  curl_global_cleanup();
  /* a bounded amount of loop work per transfer: no busy loop */
  return book_finish(&a.book, a.iterations, 40ul * (unsigned long)count + 40);
}

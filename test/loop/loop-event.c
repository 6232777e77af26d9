/* loop-event.c - a libcurl socket_action program on libevent, written the
 * way libcurl's multi-event example is: one struct event per socket the
 * multi announces, one timer event, and event_base_dispatch(), which must
 * return by itself once the transfers are done.
 *
 * Usage: loop-event URL COUNT PARALLEL GAP_MS
 * Two batches of COUNT transfers of URL (at most PARALLEL connections),
 * GAP_MS apart, each with its own event_base_dispatch. Prints a report (see
 * loop-book.h); exits 0 when every check passed.
 */
#include <event2/event.h>

#include "loop-book.h"

struct app {
  struct event_base *base;
  struct event *timer;
  CURLM *multi;
  struct book book;
  unsigned long callbacks; /* every event callback: the loop's work */
};

struct watch {
  struct event *ev;
  struct app *app;
};

static void on_ready(evutil_socket_t fd, short events, void *arg) {
  struct app *a = arg;
  int flags = 0, running;
  a->callbacks++;
  if (events & EV_READ)
    flags |= CURL_CSELECT_IN;
  if (events & EV_WRITE)
    flags |= CURL_CSELECT_OUT;
  curl_multi_socket_action(a->multi, fd, flags, &running);
  book_reap(a->multi, &a->book);
}

static void on_timeout(evutil_socket_t fd, short events, void *arg) {
  struct app *a = arg;
  int running;
  (void)fd;
  (void)events;
  a->callbacks++;
  curl_multi_socket_action(a->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  book_reap(a->multi, &a->book);
}

static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp,
                     void *socketp) {
  struct app *a = userp;
  struct watch *w = socketp;
  short kind = EV_PERSIST;

  book_socket(&a->book, easy, s, what);
  if (what == CURL_POLL_REMOVE) {
    if (w != NULL) {
      event_free(w->ev);
      free(w);
      curl_multi_assign(a->multi, s, NULL);
    }
    return 0;
  }
  if (what & CURL_POLL_IN)
    kind |= EV_READ;
  if (what & CURL_POLL_OUT)
    kind |= EV_WRITE;
  if (w == NULL) {
    w = calloc(1, sizeof(*w));
    if (w == NULL)
      return -1;
    w->app = a;
    curl_multi_assign(a->multi, s, w);
  } else {
    event_free(w->ev);
  }
  w->ev = event_new(a->base, s, kind, on_ready, a);
  if (w->ev == NULL)
    return -1;
  event_add(w->ev, NULL);
  return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp) {
  struct app *a = userp;
  (void)multi;
  book_timer(&a->book, timeout_ms);
  if (timeout_ms < 0) {
    evtimer_del(a->timer);
  } else {
    struct timeval tv;
    tv.tv_sec = timeout_ms / 1000;
    tv.tv_usec = (timeout_ms % 1000) * 1000;
    evtimer_add(a->timer, &tv);
  }
  return 0;
}

int main(int argc, char **argv) {
  struct app a;
  struct batch bt[2];
  int count, parallel;
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
  a.base = event_base_new();
  a.timer = evtimer_new(a.base, on_timeout, &a);

  a.multi = curl_multi_init();
  curl_multi_setopt(a.multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt(a.multi, CURLMOPT_SOCKETDATA, &a);
  curl_multi_setopt(a.multi, CURLMOPT_TIMERFUNCTION, timer_cb);
  curl_multi_setopt(a.multi, CURLMOPT_TIMERDATA, &a);
  curl_multi_setopt(a.multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)parallel);

  for (int n = 0; n < 2; n++) {
    int rc;
    if (n == 1 && gap > 0) {
      printf("gap %ld ms\n", gap);
      book_gap(gap);
    }
    for (int i = 0; i < count; i++)
      curl_multi_add_handle(a.multi, book_easy(argv[1], &bt[n]));
    /* returns 1 when no events are pending any more */
    rc = event_base_dispatch(a.base);
    printf("batch %d: event_base_dispatch returned %d\n", n + 1, rc);
    book_batch_report(&a.book, n + 1, &bt[n], count);
    book_loop_ended(&a.book, n + 1, evtimer_pending(a.timer, NULL) != 0);
  }

  curl_multi_cleanup(a.multi);
  event_free(a.timer);
  event_base_free(a.base);
  curl_global_cleanup();
  return book_finish(&a.book, a.callbacks, 40ul * (unsigned long)count + 40);
}

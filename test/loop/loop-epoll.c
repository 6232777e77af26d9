/* loop-epoll.c - a libcurl socket_action program on a raw epoll loop, that
 * adds its handles before it sets the socket and timer callbacks and then
 * kicks the multi off with curl_multi_socket_action(CURL_SOCKET_TIMEOUT).
 * Its loop runs while the multi has a socket watched or a timer armed, and
 * so ends by itself when the multi has no more work.
 *
 * Usage: loop-epoll URL COUNT PARALLEL GAP_MS
 * Two batches of COUNT transfers of URL (at most PARALLEL connections),
 * GAP_MS apart. Prints a report (see loop-book.h); exits 0 when every check
 * passed.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <time.h>

#include "loop-book.h"

struct app {
  int ep;
  CURLM *multi;
  struct book book;
  long long timer_due; /* ms on the monotonic clock; -1: none */
  unsigned long iterations;
};

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp,
                     void *socketp) {
  struct app *a = userp;
  struct epoll_event ev;

  book_socket(&a->book, easy, s, what);
  memset(&ev, 0, sizeof(ev));
  ev.data.fd = s;
  if (what == CURL_POLL_REMOVE) {
    if (socketp != NULL)
      epoll_ctl(a->ep, EPOLL_CTL_DEL, s, &ev);
    curl_multi_assign(a->multi, s, NULL);
    return 0;
  }
  if (what & CURL_POLL_IN)
    ev.events |= EPOLLIN;
  if (what & CURL_POLL_OUT)
    ev.events |= EPOLLOUT;
  if (socketp == NULL) {
    if (epoll_ctl(a->ep, EPOLL_CTL_ADD, s, &ev) != 0)
      return -1;
    curl_multi_assign(a->multi, s, a); /* any non-NULL marker */
  } else if (epoll_ctl(a->ep, EPOLL_CTL_MOD, s, &ev) != 0) {
    return -1;
  }
  return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp) {
  struct app *a = userp;
  (void)multi;
  book_timer(&a->book, timeout_ms);
  a->timer_due = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
  return 0;
}

static void run(struct app *a) {
  int running;
  /* the loop lives as long as the multi watches a socket or wants a timer */
  while (a->book.now_watched > 0 || a->timer_due >= 0) {
    struct epoll_event evs[16];
    int n, wait = -1;
    a->iterations++;
    if (a->timer_due >= 0) {
      long long left = a->timer_due - now_ms();
      wait = left < 0 ? 0 : (int)left;
    }
    n = epoll_wait(a->ep, evs, 16, wait);
    if (n < 0 && errno != EINTR)
      break;
    for (int i = 0; i < n; i++) {
      int flags = 0;
      if (evs[i].events & (EPOLLIN | EPOLLHUP))
        flags |= CURL_CSELECT_IN;
      if (evs[i].events & EPOLLOUT)
        flags |= CURL_CSELECT_OUT;
      if (evs[i].events & EPOLLERR)
        flags |= CURL_CSELECT_ERR;
      curl_multi_socket_action(a->multi, evs[i].data.fd, flags, &running);
    }
    if (a->timer_due >= 0 && now_ms() >= a->timer_due) {
      a->timer_due = -1;
      curl_multi_socket_action(a->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    book_reap(a->multi, &a->book);
  }
}

int main(int argc, char **argv) {
  struct app a;
  struct batch bt[2];
  int count, parallel, running;
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
  a.timer_due = -1;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  a.ep = epoll_create1(EPOLL_CLOEXEC);
  a.multi = curl_multi_init();
  curl_multi_setopt(a.multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)parallel);

  /* the first batch is added before any callback is set */
  for (int i = 0; i < count; i++)
    curl_multi_add_handle(a.multi, book_easy(argv[1], &bt[0]));
  curl_multi_setopt(a.multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt(a.multi, CURLMOPT_SOCKETDATA, &a);
  curl_multi_setopt(a.multi, CURLMOPT_TIMERFUNCTION, timer_cb);
  curl_multi_setopt(a.multi, CURLMOPT_TIMERDATA, &a);
  curl_multi_socket_action(a.multi, CURL_SOCKET_TIMEOUT, 0, &running);
  run(&a);
  book_batch_report(&a.book, 1, &bt[0], count);
  book_loop_ended(&a.book, 1, a.timer_due >= 0);

  if (gap > 0) {
    printf("gap %ld ms\n", gap);
    book_gap(gap);
  }
  for (int i = 0; i < count; i++)
    curl_multi_add_handle(a.multi, book_easy(argv[1], &bt[1]));
  run(&a);
  book_batch_report(&a.book, 2, &bt[1], count);
  book_loop_ended(&a.book, 2, a.timer_due >= 0);

  curl_multi_cleanup(a.multi);
  close(a.ep);
  curl_global_cleanup();
  return book_finish(&a.book, a.iterations, 40ul * (unsigned long)count + 40);
}

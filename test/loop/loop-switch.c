/* loop-switch.c - one multi driven in different ways over its life, as
 * libcurl allows: the socket and timer callbacks may be set late, cleared,
 * or set while the program calls curl_multi_perform and curl_multi_poll.
 *
 * Usage: loop-switch SEQUENCE URL COUNT [GAP_MS]
 * Batches of COUNT transfers of URL, GAP_MS apart (default 0), with
 * MAXCONNECTS 20 so that the pool keeps every connection between them.
 *   timer-then-perform     set TIMERFUNCTION, add COUNT handles (the timer
 *                          callback is called from inside add_handle), set
 *                          it back to NULL, drive with perform + poll
 *   late-callbacks         add COUNT handles, then set SOCKETFUNCTION and
 *                          TIMERFUNCTION, kick off with
 *                          socket_action(CURL_SOCKET_TIMEOUT), drive with
 *                          socket_action on a poll() loop
 *   set-then-clear         both callbacks: a batch with socket_action; both
 *                          cleared: a batch with perform + poll
 *   perform-then-socket    a batch with perform + poll, then callbacks set:
 *                          a batch with socket_action, then cleared: a
 *                          batch with perform + poll again
 *   callbacks-with-perform both callbacks set, and every batch driven with
 *                          perform + poll (the callbacks only inform)
 * Prints a report (see loop-book.h); exits 0 when every check passed.
 */
#include <poll.h>
#include <stdint.h>
#include <time.h>

#include "loop-book.h"

struct app {
  CURLM *multi;
  struct book book;
  short mask[BOOK_MAX_FDS];  /* poll events per announced socket */
  long long timer_due;       /* -1: none */
  int in_add;
  unsigned timer_calls_in_add;
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
  (void)socketp;
  book_socket(&a->book, easy, s, what);
  if (s < 0 || s >= BOOK_MAX_FDS)
    return -1;
  a->mask[s] = what == CURL_POLL_REMOVE
                   ? 0
                   : (short)(((what & CURL_POLL_IN) ? POLLIN : 0) |
                             ((what & CURL_POLL_OUT) ? POLLOUT : 0));
  return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp) {
  struct app *a = userp;
  (void)multi;
  book_timer(&a->book, timeout_ms);
  if (a->in_add)
    a->timer_calls_in_add++;
  a->timer_due = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
  return 0;
}

static void set_callbacks(struct app *a, int on) {
  curl_multi_setopt(a->multi, CURLMOPT_SOCKETFUNCTION, on ? socket_cb : NULL);
  curl_multi_setopt(a->multi, CURLMOPT_SOCKETDATA, on ? a : NULL);
  curl_multi_setopt(a->multi, CURLMOPT_TIMERFUNCTION, on ? timer_cb : NULL);
  curl_multi_setopt(a->multi, CURLMOPT_TIMERDATA, on ? a : NULL);
}

static long gap_ms;

static void add_batch(struct app *a, const char *url, int count,
                      struct batch *bt) {
  static int batches;
  if (batches++ > 0 && gap_ms > 0) {
    printf("gap %ld ms\n", gap_ms);
    book_gap(gap_ms);
  }
  for (int i = 0; i < count; i++) {
    a->in_add = 1;
    curl_multi_add_handle(a->multi, book_easy(url, bt));
    a->in_add = 0;
  }
}

/* Drive with curl_multi_perform and curl_multi_poll until nothing runs. */
static void drive_perform(struct app *a) {
  int running = 1;
  while (running) {
    a->iterations++;
    if (curl_multi_perform(a->multi, &running) != CURLM_OK) {
      book_fail(&a->book, "curl_multi_perform");
      return;
    }
    book_reap(a->multi, &a->book);
    if (running && curl_multi_poll(a->multi, NULL, 0, 1000, NULL) != CURLM_OK) {
      book_fail(&a->book, "curl_multi_poll");
      return;
    }
  }
}

/* Drive with socket_action on the sockets and timer the callbacks asked
 * for, while there are any. */
static void drive_socket_action(struct app *a) {
  int running;
  while (a->book.now_watched > 0 || a->timer_due >= 0) {
    struct pollfd p[BOOK_MAX_FDS > 256 ? 256 : BOOK_MAX_FDS];
    nfds_t n = 0;
    int wait = -1, rc;
    a->iterations++;
    for (int fd = 0; fd < BOOK_MAX_FDS && n < 256; fd++)
      if (a->book.watched[fd]) {
        p[n].fd = fd;
        p[n].events = a->mask[fd];
        p[n].revents = 0;
        n++;
      }
    if (a->timer_due >= 0) {
      long long left = a->timer_due - now_ms();
      wait = left < 0 ? 0 : (int)left;
    }
    rc = poll(p, n, wait);
    for (nfds_t i = 0; rc > 0 && i < n; i++) {
      int flags = 0;
      if (p[i].revents & (POLLIN | POLLHUP))
        flags |= CURL_CSELECT_IN;
      if (p[i].revents & POLLOUT)
        flags |= CURL_CSELECT_OUT;
      if (p[i].revents & POLLERR)
        flags |= CURL_CSELECT_ERR;
      if (flags)
        curl_multi_socket_action(a->multi, p[i].fd, flags, &running);
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
  struct batch bt[3];
  const char *seq, *url;
  int count, batches = 0, running;

  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: %s SEQUENCE URL COUNT [GAP_MS]\n", argv[0]);
    return 2;
  }
  seq = argv[1];
  url = argv[2];
  count = atoi(argv[3]);
  gap_ms = argc == 5 ? atol(argv[4]) : 0;
  memset(&a, 0, sizeof(a));
  memset(bt, 0, sizeof(bt));
  book_init(&a.book);
  a.timer_due = -1;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  a.multi = curl_multi_init();
  curl_multi_setopt(a.multi, CURLMOPT_MAXCONNECTS, 20L);

  if (strcmp(seq, "timer-then-perform") == 0) {
    curl_multi_setopt(a.multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(a.multi, CURLMOPT_TIMERDATA, &a);
    add_batch(&a, url, count, &bt[0]);
    printf("timer called inside add_handle: %s\n",
           a.timer_calls_in_add ? "yes" : "no");
    if (a.timer_calls_in_add == 0)
      book_fail(&a.book, "the timer callback was not called from add_handle");
    curl_multi_setopt(a.multi, CURLMOPT_TIMERFUNCTION, NULL);
    drive_perform(&a);
    book_batch_report(&a.book, 1, &bt[0], count);
    batches = 1;
  } else if (strcmp(seq, "late-callbacks") == 0) {
    add_batch(&a, url, count, &bt[0]);
    set_callbacks(&a, 1);
    curl_multi_socket_action(a.multi, CURL_SOCKET_TIMEOUT, 0, &running);
    drive_socket_action(&a);
    book_batch_report(&a.book, 1, &bt[0], count);
    book_loop_ended(&a.book, 1, a.timer_due >= 0);
    batches = 1;
  } else if (strcmp(seq, "set-then-clear") == 0) {
    set_callbacks(&a, 1);
    add_batch(&a, url, count, &bt[0]);
    drive_socket_action(&a);
    book_batch_report(&a.book, 1, &bt[0], count);
    book_loop_ended(&a.book, 1, a.timer_due >= 0);
    set_callbacks(&a, 0);
    add_batch(&a, url, count, &bt[1]);
    drive_perform(&a);
    book_batch_report(&a.book, 2, &bt[1], count);
    batches = 2;
  } else if (strcmp(seq, "perform-then-socket") == 0) {
    add_batch(&a, url, count, &bt[0]);
    drive_perform(&a);
    book_batch_report(&a.book, 1, &bt[0], count);
    set_callbacks(&a, 1);
    add_batch(&a, url, count, &bt[1]);
    drive_socket_action(&a);
    book_batch_report(&a.book, 2, &bt[1], count);
    book_loop_ended(&a.book, 2, a.timer_due >= 0);
    set_callbacks(&a, 0);
    add_batch(&a, url, count, &bt[2]);
    drive_perform(&a);
    book_batch_report(&a.book, 3, &bt[2], count);
    batches = 3;
  } else if (strcmp(seq, "callbacks-with-perform") == 0) {
    set_callbacks(&a, 1);
    for (int n = 0; n < 2; n++) {
      add_batch(&a, url, count, &bt[n]);
      drive_perform(&a);
      book_batch_report(&a.book, n + 1, &bt[n], count);
      book_loop_ended(&a.book, n + 1, a.timer_due >= 0);
    }
    batches = 2;
  } else {
    fprintf(stderr, "unknown sequence %s\n", seq);
    return 2;
  }

  curl_multi_cleanup(a.multi);
  curl_global_cleanup();
  return book_finish(&a.book, a.iterations,
                     40ul * (unsigned long)(count * batches) + 40);
}

/* socket-epoll.c - the multi interface with curl_multi_socket_action on
 * epoll: SOCKETFUNCTION and TIMERFUNCTION drive 3 transfers; then what
 * the application is still asked to watch once they are all done.
 *
 * Usage: diff-socket-epoll BASE
 * Gives up after 10 s (and says so), so it never hangs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "dp.h"

#define N 3

static int epfd = -1;
static long long timer_due = -1; /* ms on the monotonic clock; -1: none */
static int watched;              /* sockets the library asked us to watch */
static unsigned socket_calls, timer_calls;

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int on_socket(CURL *e, curl_socket_t s, int what, void *userp,
                     void *socketp) {
  struct epoll_event ev = {0};
  CURLM *m = userp;

  (void)e;
  socket_calls++;
  if (what == CURL_POLL_REMOVE) {
    if (socketp != NULL) {
      epoll_ctl(epfd, EPOLL_CTL_DEL, s, NULL);
      watched--;
      curl_multi_assign(m, s, NULL);
    }
    return 0;
  }
  ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) |
              ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
  ev.data.fd = s;
  if (socketp == NULL) {
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, s, &ev) != 0)
      dp_fatal("epoll_ctl ADD");
    watched++;
    curl_multi_assign(m, s, (void *)1);
  } else if (epoll_ctl(epfd, EPOLL_CTL_MOD, s, &ev) != 0) {
    dp_fatal("epoll_ctl MOD");
  }
  return 0;
}

static int on_timer(CURLM *m, long timeout_ms, void *userp) {
  (void)m;
  (void)userp;
  timer_calls++;
  timer_due = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
  return 0;
}

int main(int argc, char **argv) {
  dp_rec recs[N];
  CURL *easy[N];
  CURLcode results[N];
  int done[N] = {0};
  long long give_up;
  CURLM *m;
  int running = 0, finished = 0;

  if (argc < 2)
    return 2;
  dp_start();
  epfd = epoll_create1(EPOLL_CLOEXEC);
  m = curl_multi_init();
  if (epfd < 0 || m == NULL)
    dp_fatal("init");
  curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(m, CURLMOPT_SOCKETDATA, m);
  curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, on_timer);

  for (int i = 0; i < N; i++) {
    char path[32];
    recs[i] = (dp_rec){0};
    easy[i] = dp_easy(&recs[i]);
    snprintf(path, sizeof(path), "/s%d", i);
    curl_easy_setopt(easy[i], CURLOPT_URL, dp_url(argv[1], path));
    curl_easy_setopt(easy[i], CURLOPT_PRIVATE, (void *)(intptr_t)i);
    curl_multi_add_handle(m, easy[i]);
  }

  give_up = now_ms() + 10000;
  while (finished < N && now_ms() < give_up) {
    struct epoll_event evs[16];
    int wait_ms = 200, n;
    CURLMsg *msg;
    int left;

    if (timer_due >= 0) {
      long long d = timer_due - now_ms();
      wait_ms = d < 0 ? 0 : d < 200 ? (int)d : 200;
    }
    n = epoll_wait(epfd, evs, 16, wait_ms);
    if (n < 0 && errno != EINTR)
      dp_fatal("epoll_wait");
    for (int k = 0; k < n; k++) {
      int flags = ((evs[k].events & EPOLLIN) ? CURL_CSELECT_IN : 0) |
                  ((evs[k].events & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
                  ((evs[k].events & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
      curl_multi_socket_action(m, evs[k].data.fd, flags, &running);
    }
    if (timer_due >= 0 && now_ms() >= timer_due) {
      timer_due = -1;
      curl_multi_socket_action(m, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    while ((msg = curl_multi_info_read(m, &left)) != NULL) {
      char *priv = NULL;
      if (msg->msg != CURLMSG_DONE)
        continue;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
      {
        int i = (int)(intptr_t)priv;
        if (i >= 0 && i < N && !done[i]) {
          results[i] = msg->data.result;
          done[i] = 1;
          finished++;
        }
      }
    }
  }
  printf("finished: %d of %d%s\n", finished, N,
         finished < N ? " (gave up after 10 s)" : "");
  printf("running: %d\n", running);
  for (int i = 0; i < N; i++) {
    char label[32];
    snprintf(label, sizeof(label), "transfer %d", i);
    if (done[i])
      dp_report(label, easy[i], results[i], &recs[i]);
  }
  for (int i = 0; i < N; i++)
    curl_multi_remove_handle(m, easy[i]);
  /* Every transfer is done and removed: is the application still asked
   * to watch anything? */
  printf("watched.after_removal: %d\n", watched);
  for (int i = 0; i < N; i++) {
    curl_easy_cleanup(easy[i]);
    dp_rec_free(&recs[i]);
  }
  curl_multi_cleanup(m);
  printf("watched.after_cleanup: %d\n", watched);
  close(epfd);
  return dp_finish();
}

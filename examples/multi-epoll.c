/* multi-epoll.c - download URLs with curl_multi_socket_action on epoll(7).
 *
 * The program's own event loop: the multi's socket callback adds, changes
 * and removes sockets in one epoll set, its timer callback arms a timerfd
 * that sits in the same set, and each ready descriptor becomes one
 * curl_multi_socket_action call. curl_multi_assign marks the sockets that
 * are already in the set, so the callback knows whether to add or modify.
 * Each finished transfer is printed with its result. Linux only.
 *
 * Usage: multi-epoll URL...
 * Exits 0 when every transfer completed, else 1 (2 on bad usage).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <curl/curl.h>

struct app {
  int epfd;    /* the epoll set: the multi's sockets and timerfd */
  int timerfd; /* fires when the multi's timeout is due */
  CURLM *multi;
  int pending; /* transfers not yet finished */
  int failures;
};

/* Any non-NULL pointer will do to mark "in the epoll set"; this one is
 * ours so it cannot be mistaken for anything else. */
static char in_epoll_set;

static size_t discard_body(char *data, size_t size, size_t nmemb, void *userp) {
  (void)data;
  (void)userp;
  return size * nmemb;
}

/* CURLMOPT_SOCKETFUNCTION */
static int on_socket_change(CURL *easy, curl_socket_t s, int what, void *userp,
                            void *sockp) {
  struct app *app = userp;
  struct epoll_event ev;

  (void)easy;
  if (what == CURL_POLL_REMOVE) {
    /* Called before the socket is closed, so it is still ours to drop. */
    if (sockp && epoll_ctl(app->epfd, EPOLL_CTL_DEL, s, NULL) != 0)
      perror("multi-epoll: epoll_ctl DEL");
    return 0;
  }

  memset(&ev, 0, sizeof(ev));
  if (what & CURL_POLL_IN)
    ev.events |= EPOLLIN;
  if (what & CURL_POLL_OUT)
    ev.events |= EPOLLOUT;
  ev.data.fd = s;

  if (sockp)
    return epoll_ctl(app->epfd, EPOLL_CTL_MOD, s, &ev) == 0 ? 0 : -1;
  if (epoll_ctl(app->epfd, EPOLL_CTL_ADD, s, &ev) != 0) {
    perror("multi-epoll: epoll_ctl ADD");
    return -1;
  }
  curl_multi_assign(app->multi, s, &in_epoll_set);
  return 0;
}

/* CURLMOPT_TIMERFUNCTION: arm the timerfd, or disarm it for -1. A zero
 * it_value would disarm it, so "now" is one nanosecond from now. */
static int on_timer_change(CURLM *multi, long timeout_ms, void *userp) {
  struct app *app = userp;
  struct itimerspec its;

  (void)multi;
  memset(&its, 0, sizeof(its));
  if (timeout_ms > 0) {
    its.it_value.tv_sec = timeout_ms / 1000;
    its.it_value.tv_nsec = (timeout_ms % 1000) * 1000000L;
  } else if (timeout_ms == 0) {
    its.it_value.tv_nsec = 1;
  }
  return timerfd_settime(app->timerfd, 0, &its, NULL) == 0 ? 0 : -1;
}

/* Print and retire every finished transfer. */
static void reap(struct app *app) {
  CURLMsg *msg;
  int left;

  while ((msg = curl_multi_info_read(app->multi, &left))) {
    CURL *easy;
    CURLcode res;
    char *url = NULL;
    long status = 0;
    curl_off_t bytes = 0;

    if (msg->msg != CURLMSG_DONE)
      continue;
    easy = msg->easy_handle;
    res = msg->data.result;
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url);
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(easy, CURLINFO_SIZE_DOWNLOAD_T, &bytes);
    if (res == CURLE_OK) {
      printf("%s: response code %ld, %" CURL_FORMAT_CURL_OFF_T " bytes\n",
             url ? url : "?", status, bytes);
    } else {
      printf("%s: failed: %s\n", url ? url : "?", curl_easy_strerror(res));
      app->failures++;
    }
    curl_multi_remove_handle(app->multi, easy);
    curl_easy_cleanup(easy);
    app->pending--;
  }
}

/* One turn of the loop: wait, then hand each ready descriptor to the
 * multi. Returns 0, or -1 when epoll itself failed. */
static int run_once(struct app *app) {
  struct epoll_event events[16];
  int running;
  int n;
  int i;

  n = epoll_wait(app->epfd, events, 16, -1);
  if (n < 0)
    return errno == EINTR ? 0 : -1;

  for (i = 0; i < n; i++) {
    int fd = events[i].data.fd;
    int flags = 0;

    if (fd == app->timerfd) {
      uint64_t expirations;

      /* Drain the timerfd so it stops being readable. */
      if (read(app->timerfd, &expirations, sizeof(expirations)) < 0 &&
          errno != EAGAIN)
        return -1;
      curl_multi_socket_action(app->multi, CURL_SOCKET_TIMEOUT, 0, &running);
      continue;
    }
    if (events[i].events & EPOLLIN)
      flags |= CURL_CSELECT_IN;
    if (events[i].events & EPOLLOUT)
      flags |= CURL_CSELECT_OUT;
    if (events[i].events & (EPOLLERR | EPOLLHUP))
      flags |= CURL_CSELECT_ERR;
    /* An earlier call in this batch may have closed fd: the multi then
     * answers CURLM_BAD_SOCKET and nothing else happens. */
    curl_multi_socket_action(app->multi, fd, flags, &running);
  }
  reap(app);
  return 0;
}

int main(int argc, char **argv) {
  struct app app;
  struct epoll_event ev;
  int ok = 1;
  int i;

  if (argc < 2) {
    fprintf(stderr, "usage: %s URL...\n", argv[0]);
    return 2;
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return 1;

  app.pending = 0;
  app.failures = 0;
  app.epfd = epoll_create1(EPOLL_CLOEXEC);
  app.timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  app.multi = curl_multi_init();
  if (app.epfd < 0 || app.timerfd < 0 || !app.multi) {
    perror("multi-epoll: setup");
    return 1;
  }
  memset(&ev, 0, sizeof(ev));
  ev.events = EPOLLIN;
  ev.data.fd = app.timerfd;
  if (epoll_ctl(app.epfd, EPOLL_CTL_ADD, app.timerfd, &ev) != 0) {
    perror("multi-epoll: epoll_ctl timerfd");
    return 1;
  }

  curl_multi_setopt(app.multi, CURLMOPT_SOCKETFUNCTION, on_socket_change);
  curl_multi_setopt(app.multi, CURLMOPT_SOCKETDATA, &app);
  curl_multi_setopt(app.multi, CURLMOPT_TIMERFUNCTION, on_timer_change);
  curl_multi_setopt(app.multi, CURLMOPT_TIMERDATA, &app);

  for (i = 1; i < argc; i++) {
    CURL *easy = curl_easy_init();

    if (!easy) {
      app.failures++;
      continue;
    }
    curl_easy_setopt(easy, CURLOPT_URL, argv[i]);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard_body);
    if (curl_multi_add_handle(app.multi, easy) != CURLM_OK) {
      fprintf(stderr, "multi-epoll: cannot add %s\n", argv[i]);
      curl_easy_cleanup(easy);
      app.failures++;
      continue;
    }
    app.pending++;
  }

  while (app.pending > 0) {
    if (run_once(&app) != 0) {
      perror("multi-epoll: epoll");
      ok = 0;
      break;
    }
  }

  if (app.pending > 0) {
    /* Stopped early: the transfers still added are ours to free. */
    CURL **left = curl_multi_get_handles(app.multi);

    for (i = 0; left && left[i]; i++) {
      curl_multi_remove_handle(app.multi, left[i]);
      curl_easy_cleanup(left[i]);
    }
    curl_free(left);
  }
  curl_multi_cleanup(app.multi);
  close(app.timerfd);
  close(app.epfd);
  curl_global_cleanup();
  return (ok && app.failures == 0) ? 0 : 1;
}

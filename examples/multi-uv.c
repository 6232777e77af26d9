/* multi-uv.c - download URLs on a libuv loop with curl_multi_socket_action.
 *
 * The multi tells us through CURLMOPT_SOCKETFUNCTION which sockets to
 * watch and through CURLMOPT_TIMERFUNCTION when to wake it; we answer with
 * one uv_poll_t per socket (found again through curl_multi_assign) and one
 * uv_timer_t, and call curl_multi_socket_action from their callbacks. Each
 * finished transfer is printed with its result. This is the glue that
 * ferry's own libuv mode (ferry_uv.h) saves you from writing; it is shown
 * here because it is how a libcurl program drives libuv.
 *
 * As with libcurl, uv_run(UV_RUN_DEFAULT) returns by itself once the last
 * transfer is done: the multi has then removed every socket it asked us to
 * watch (pooled keep-alive connections included) and told the timer
 * callback -1, so nothing of ours keeps the loop alive.
 *
 * Usage: multi-uv URL...
 * Exits 0 when every transfer completed, else 1 (2 on bad usage).
 */
#include <stdio.h>
#include <stdlib.h>

#include <curl/curl.h>
#include <uv.h>

struct app {
  uv_loop_t *loop;
  CURLM *multi;
  uv_timer_t timer;
  int pending; /* transfers not yet finished */
  int failures;
};

/* What we keep per socket the multi asked us to watch. */
struct watch {
  uv_poll_t poll;
  curl_socket_t fd;
  struct app *app;
};

static size_t discard_body(char *data, size_t size, size_t nmemb, void *userp) {
  (void)data;
  (void)userp;
  return size * nmemb;
}

static void free_watch(uv_handle_t *handle) { free(handle->data); }

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

static void on_socket_ready(uv_poll_t *poll, int status, int events) {
  struct watch *w = poll->data;
  struct app *app = w->app;
  int flags = 0;
  int running;

  if (status < 0)
    flags = CURL_CSELECT_ERR;
  if (events & UV_READABLE)
    flags |= CURL_CSELECT_IN;
  if (events & UV_WRITABLE)
    flags |= CURL_CSELECT_OUT;
  curl_multi_socket_action(app->multi, w->fd, flags, &running);
  reap(app);
}

static void on_timeout(uv_timer_t *timer) {
  struct app *app = timer->data;
  int running;

  curl_multi_socket_action(app->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  reap(app);
}

/* CURLMOPT_TIMERFUNCTION: -1 stops the timer; 0 asks for a call as soon as
 * possible, which a 0 ms uv timer gives on the next loop iteration (never
 * from inside this callback, as the API requires). */
static int on_timer_change(CURLM *multi, long timeout_ms, void *userp) {
  struct app *app = userp;

  (void)multi;
  if (timeout_ms < 0)
    uv_timer_stop(&app->timer);
  else
    uv_timer_start(&app->timer, on_timeout, (uint64_t)timeout_ms, 0);
  return 0;
}

/* CURLMOPT_SOCKETFUNCTION: start, change or stop watching one socket.
 * sockp is what we gave curl_multi_assign for it, NULL the first time. */
static int on_socket_change(CURL *easy, curl_socket_t s, int what, void *userp,
                            void *sockp) {
  struct app *app = userp;
  struct watch *w = sockp;
  int events = 0;

  (void)easy;
  if (what == CURL_POLL_REMOVE) {
    if (w) {
      /* The socket is closed after this returns; the uv_poll_t must stop
       * now and is freed once libuv has closed it. */
      uv_poll_stop(&w->poll);
      uv_close((uv_handle_t *)&w->poll, free_watch);
    }
    return 0;
  }

  if (!w) {
    w = malloc(sizeof(*w));
    if (!w)
      return -1;
    if (uv_poll_init_socket(app->loop, &w->poll, s) != 0) {
      free(w);
      return -1;
    }
    w->poll.data = w;
    w->fd = s;
    w->app = app;
    curl_multi_assign(app->multi, s, w);
  }

  if (what & CURL_POLL_IN)
    events |= UV_READABLE;
  if (what & CURL_POLL_OUT)
    events |= UV_WRITABLE;
  uv_poll_start(&w->poll, events, on_socket_ready);
  return 0;
}

int main(int argc, char **argv) {
  struct app app;
  int i;
  int rc;

  if (argc < 2) {
    fprintf(stderr, "usage: %s URL...\n", argv[0]);
    return 2;
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return 1;

  app.loop = uv_default_loop();
  app.pending = 0;
  app.failures = 0;
  app.multi = curl_multi_init();
  if (!app.multi) {
    curl_global_cleanup();
    return 1;
  }
  uv_timer_init(app.loop, &app.timer);
  app.timer.data = &app;

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
      fprintf(stderr, "multi-uv: cannot add %s\n", argv[i]);
      curl_easy_cleanup(easy);
      app.failures++;
      continue;
    }
    app.pending++;
  }

  /* Runs until the multi has nothing left for the loop to do. */
  uv_run(app.loop, UV_RUN_DEFAULT);
  if (app.pending != 0) {
    fprintf(stderr, "multi-uv: the loop ended with %d transfers unfinished\n",
            app.pending);
    app.failures++;
  }

  curl_multi_cleanup(app.multi);
  /* Our timer is the one handle still open; close it and let the loop run
   * the close callback before closing the loop itself. */
  uv_close((uv_handle_t *)&app.timer, NULL);
  uv_run(app.loop, UV_RUN_DEFAULT);
  rc = uv_loop_close(app.loop);
  if (rc != 0)
    fprintf(stderr, "multi-uv: uv_loop_close: %s\n", uv_strerror(rc));
  curl_global_cleanup();
  return (app.failures || rc != 0) ? 1 : 0;
}

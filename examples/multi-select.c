/* multi-select.c - download URLs with curl_multi_fdset and select(2).
 *
 * The oldest way to drive a multi: ask it for its descriptors with
 * curl_multi_fdset and for its next deadline with curl_multi_timeout, wait
 * in select(), then let curl_multi_perform do whatever is due. Each
 * finished transfer is printed with its result. select() cannot watch a
 * descriptor at or above FD_SETSIZE, which is why newer programs use
 * curl_multi_poll or socket_action instead.
 *
 * Usage: multi-select URL...
 * Exits 0 when every transfer completed, else 1 (2 on bad usage).
 */
#include <errno.h>
#include <stdio.h>
#include <sys/select.h>
#include <sys/time.h>

#include <curl/curl.h>

static size_t discard_body(char *data, size_t size, size_t nmemb, void *userp) {
  (void)data;
  (void)userp;
  return size * nmemb;
}

/* Print and retire every finished transfer; returns how many failed. */
static int reap(CURLM *multi) {
  CURLMsg *msg;
  int left;
  int failures = 0;

  while ((msg = curl_multi_info_read(multi, &left))) {
    CURL *easy;
    CURLcode res;
    char *url = NULL;
    long status = 0;

    if (msg->msg != CURLMSG_DONE)
      continue;
    easy = msg->easy_handle;
    res = msg->data.result;
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url);
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    if (res == CURLE_OK) {
      printf("%s: response code %ld\n", url ? url : "?", status);
    } else {
      printf("%s: failed: %s\n", url ? url : "?", curl_easy_strerror(res));
      failures++;
    }
    curl_multi_remove_handle(multi, easy);
    curl_easy_cleanup(easy);
  }
  return failures;
}

/* Wait until one of the multi's descriptors is ready or its timeout is due
 * (at most one second). Returns 0, or -1 when select failed. */
static int wait_for_activity(CURLM *multi) {
  fd_set readable, writable, failed;
  struct timeval tv;
  long timeout_ms = -1;
  int max_fd = -1;

  FD_ZERO(&readable);
  FD_ZERO(&writable);
  FD_ZERO(&failed);
  if (curl_multi_timeout(multi, &timeout_ms) != CURLM_OK ||
      curl_multi_fdset(multi, &readable, &writable, &failed, &max_fd) !=
          CURLM_OK)
    return -1;
  if (timeout_ms < 0 || timeout_ms > 1000)
    timeout_ms = 1000;
  tv.tv_sec = timeout_ms / 1000;
  tv.tv_usec = (timeout_ms % 1000) * 1000;

  /* With no descriptor (max_fd is -1), select() only sleeps. */
  if (select(max_fd + 1, &readable, &writable, &failed, &tv) < 0 &&
      errno != EINTR)
    return -1;
  return 0;
}

int main(int argc, char **argv) {
  CURLM *multi;
  CURLMcode mc = CURLM_OK;
  int failures = 0;
  int running = 0;
  int i;

  if (argc < 2) {
    fprintf(stderr, "usage: %s URL...\n", argv[0]);
    return 2;
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return 1;
  multi = curl_multi_init();
  if (!multi) {
    curl_global_cleanup();
    return 1;
  }

  for (i = 1; i < argc; i++) {
    CURL *easy = curl_easy_init();

    if (!easy) {
      failures++;
      continue;
    }
    curl_easy_setopt(easy, CURLOPT_URL, argv[i]);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard_body);
    if (curl_multi_add_handle(multi, easy) != CURLM_OK) {
      fprintf(stderr, "multi-select: cannot add %s\n", argv[i]);
      curl_easy_cleanup(easy);
      failures++;
    }
  }

  for (;;) {
    mc = curl_multi_perform(multi, &running);
    if (mc != CURLM_OK)
      break;
    failures += reap(multi);
    if (!running)
      break;
    if (wait_for_activity(multi) != 0) {
      perror("multi-select: select");
      mc = CURLM_UNRECOVERABLE_POLL;
      break;
    }
  }

  if (mc != CURLM_OK) {
    /* Stopped early: the transfers still added are ours to free. */
    CURL **left = curl_multi_get_handles(multi);

    fprintf(stderr, "multi-select: %s\n", curl_multi_strerror(mc));
    for (i = 0; left && left[i]; i++) {
      curl_multi_remove_handle(multi, left[i]);
      curl_easy_cleanup(left[i]);
      failures++;
    }
    curl_free(left);
  }
  curl_multi_cleanup(multi);
  curl_global_cleanup();
  return (mc == CURLM_OK && failures == 0) ? 0 : 1;
}

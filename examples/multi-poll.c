/* multi-poll.c - many transfers, at most 10 at a time, with
 * curl_multi_perform and curl_multi_poll.
 *
 * Fetches one URL COUNT times. Ten easy handles are made up front; each
 * one that finishes is removed and, while fetches remain, added again for
 * the next (its options stay set), so the multi can reuse connections
 * between them. The bodies are counted and dropped. A summary goes to
 * stdout at the end.
 *
 * Usage: multi-poll URL COUNT
 * Exits 0 when every fetch completed with a status below 400, else 1
 * (2 on bad usage).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <curl/curl.h>

#define IN_FLIGHT 10

/* One easy handle and what it has fetched in its current transfer. */
struct slot {
  CURL *easy;
  curl_off_t bytes;
};

struct tally {
  long started;
  long ok;
  long failed;
  curl_off_t bytes;
};

static size_t count_body(char *data, size_t size, size_t nmemb, void *userp) {
  struct slot *slot = userp;

  (void)data;
  slot->bytes += (curl_off_t)(size * nmemb);
  return size * nmemb;
}

static double now_seconds(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Handle every finished transfer: count it, then either start the next
 * fetch on the same handle or retire the handle. */
static void reap(CURLM *multi, struct tally *t, long count) {
  CURLMsg *msg;
  int left;

  while ((msg = curl_multi_info_read(multi, &left))) {
    CURL *easy;
    CURLcode res;
    struct slot *slot;
    char *priv = NULL;
    long status = 0;

    if (msg->msg != CURLMSG_DONE)
      continue;
    /* msg is only valid until the handle is removed: copy what we need. */
    easy = msg->easy_handle;
    res = msg->data.result;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    slot = (struct slot *)(void *)priv;

    if (res == CURLE_OK && status < 400) {
      t->ok++;
    } else {
      t->failed++;
      if (res != CURLE_OK)
        fprintf(stderr, "multi-poll: %s\n", curl_easy_strerror(res));
      else
        fprintf(stderr, "multi-poll: response code %ld\n", status);
    }
    t->bytes += slot->bytes;
    slot->bytes = 0;

    curl_multi_remove_handle(multi, easy);
    if (t->started < count && curl_multi_add_handle(multi, easy) == CURLM_OK) {
      t->started++;
    } else {
      curl_easy_cleanup(easy);
      slot->easy = NULL;
    }
  }
}

int main(int argc, char **argv) {
  struct slot slots[IN_FLIGHT];
  struct tally t = {0, 0, 0, 0};
  CURLM *multi;
  CURLMcode mc = CURLM_OK;
  long count;
  char *end;
  double start;
  int running = 0;
  int i;

  if (argc != 3) {
    fprintf(stderr, "usage: %s URL COUNT\n", argv[0]);
    return 2;
  }
  count = strtol(argv[2], &end, 10);
  if (*end || count < 1) {
    fprintf(stderr, "multi-poll: COUNT must be a number above 0\n");
    return 2;
  }

  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return 1;
  multi = curl_multi_init();
  if (!multi) {
    curl_global_cleanup();
    return 1;
  }
  start = now_seconds();

  for (i = 0; i < IN_FLIGHT; i++) {
    slots[i].easy = NULL;
    slots[i].bytes = 0;
    if (t.started == count)
      continue;
    slots[i].easy = curl_easy_init();
    if (!slots[i].easy)
      break;
    curl_easy_setopt(slots[i].easy, CURLOPT_URL, argv[1]);
    curl_easy_setopt(slots[i].easy, CURLOPT_WRITEFUNCTION, count_body);
    curl_easy_setopt(slots[i].easy, CURLOPT_WRITEDATA, &slots[i]);
    curl_easy_setopt(slots[i].easy, CURLOPT_PRIVATE, &slots[i]);
    if (curl_multi_add_handle(multi, slots[i].easy) != CURLM_OK) {
      curl_easy_cleanup(slots[i].easy);
      slots[i].easy = NULL;
      break;
    }
    t.started++;
  }

  do {
    mc = curl_multi_perform(multi, &running);
    if (mc != CURLM_OK)
      break;
    reap(multi, &t, count);
    /* reap may have added handles again: count them as running. */
    if (!running && t.ok + t.failed == t.started)
      break;
    /* Sleep until a socket is ready or a timeout is due, at most 1 s. */
    mc = curl_multi_poll(multi, NULL, 0, 1000, NULL);
  } while (mc == CURLM_OK);

  if (mc != CURLM_OK)
    fprintf(stderr, "multi-poll: %s\n", curl_multi_strerror(mc));

  for (i = 0; i < IN_FLIGHT; i++) {
    if (slots[i].easy) {
      curl_multi_remove_handle(multi, slots[i].easy);
      curl_easy_cleanup(slots[i].easy);
    }
  }
  curl_multi_cleanup(multi);
  curl_global_cleanup();

  printf("%ld fetches of %s: %ld ok, %ld failed, %ld not run; "
         "%" CURL_FORMAT_CURL_OFF_T " bytes in %.3f s\n",
         count, argv[1], t.ok, t.failed, count - t.ok - t.failed, t.bytes,
         now_seconds() - start);
  return (mc == CURLM_OK && t.ok == count) ? 0 : 1;
}

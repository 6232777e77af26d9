/* loop-book.h - bookkeeping shared by the event-loop test programs.
 *
 * The programs in test/loop/ are libcurl programs: written against
 * <curl/curl.h> only, built once against ferry's curl-compatible header and
 * once against the system's libcurl, and run by test/test-loop.c. Each
 * drives transfers the way a libcurl user does and checks what the library
 * asks of it through the socket and timer callbacks:
 *
 *  - the easy handle a socket callback gets is never NULL, and
 *    curl_easy_getinfo(CURLINFO_PRIVATE) works on it;
 *  - REMOVE comes only for a socket that was announced;
 *  - when the work is done nothing is watched any more and the timer has
 *    been told -1, so the loop ends by itself.
 *
 * The transfers: every URL is fetched COUNT times per batch, the bytes are
 * counted and hashed, and each result must be CURLE_OK with response 200.
 */
#ifndef LOOP_BOOK_H
#define LOOP_BOOK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#define BOOK_MAX_FDS 4096

struct book {
  unsigned char watched[BOOK_MAX_FDS]; /* 1 while announced */
  unsigned announces;     /* first IN/OUT/INOUT for a socket */
  unsigned changes;       /* every IN/OUT/INOUT */
  unsigned removes;
  unsigned bad_removes;   /* REMOVE for a socket not announced */
  unsigned null_easy;     /* socket callbacks given a NULL easy handle */
  unsigned now_watched, max_watched;
  unsigned timer_calls;
  long last_timer;        /* what the timer callback heard last */
  unsigned failures;      /* checks that failed */
};

struct batch {
  int done, ok;
  long long bytes;
  unsigned long hash;
  long connects;
};

static inline void book_init(struct book *b) {
  memset(b, 0, sizeof(*b));
  b->last_timer = -1;
}

static inline void book_fail(struct book *b, const char *what) {
  fprintf(stderr, "check failed: %s\n", what);
  b->failures++;
}

/* Call from the socket callback, before acting on it. */
static inline void book_socket(struct book *b, CURL *easy, curl_socket_t s, int what) {
  if (easy == NULL) {
    b->null_easy++;
  } else {
    char *priv = (char *)1;
    if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv) != CURLE_OK)
      book_fail(b, "CURLINFO_PRIVATE on the socket callback's easy handle");
  }
  if (s < 0 || s >= BOOK_MAX_FDS) {
    book_fail(b, "socket out of range");
    return;
  }
  if (what == CURL_POLL_REMOVE) {
    if (!b->watched[s]) {
      b->bad_removes++;
      return;
    }
    b->watched[s] = 0;
    b->removes++;
    b->now_watched--;
    return;
  }
  b->changes++;
  if (!b->watched[s]) {
    b->watched[s] = 1;
    b->announces++;
    if (++b->now_watched > b->max_watched)
      b->max_watched = b->now_watched;
  }
}

static inline void book_timer(struct book *b, long ms) {
  b->timer_calls++;
  b->last_timer = ms;
}

/* The loop of batch n returned: nothing may be watched, and the program's
 * timer must not be armed (armed: the program's own view of its timer).
 * What the timer callback heard last goes to stderr: ferry always ends
 * with -1; libcurl sometimes leaves a value whose timer already fired. */
static inline void book_loop_ended(struct book *b, int n, int armed) {
  printf("batch %d: loop returned, watched %u, timer armed %d\n", n,
         b->now_watched, armed);
  fprintf(stderr, "batch %d: last timer value %ld\n", n, b->last_timer);
  if (b->now_watched != 0)
    book_fail(b, "sockets still watched after the loop returned");
  if (armed)
    book_fail(b, "the timer is still armed after the loop returned");
}

static inline size_t book_write(char *p, size_t size, size_t n, void *userp) {
  struct batch *bt = userp;
  size_t len = size * n;
  for (size_t i = 0; i < len; i++)
    bt->hash = (bt->hash ^ (unsigned char)p[i]) * 16777619ul;
  bt->bytes += (long long)len;
  return len;
}

/* Make a transfer of url counted in bt. */
static inline CURL *book_easy(const char *url, struct batch *bt) {
  CURL *e = curl_easy_init();
  if (e == NULL)
    return NULL;
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, book_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, bt);
  curl_easy_setopt(e, CURLOPT_PRIVATE, bt);
  return e;
}

/* Read every message: count results, remove and clean up the handles. */
static inline void book_reap(CURLM *m, struct book *b) {
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read(m, &left)) != NULL) {
    struct batch *bt = NULL;
    long code = 0, connects = 0;
    if (msg->msg != CURLMSG_DONE)
      continue;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&bt);
    curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(msg->easy_handle, CURLINFO_NUM_CONNECTS, &connects);
    if (bt == NULL) {
      book_fail(b, "a message for a handle without PRIVATE");
    } else {
      bt->done++;
      bt->connects += connects;
      if (msg->data.result == CURLE_OK && code == 200)
        bt->ok++;
      else
        fprintf(stderr, "transfer failed: %s (%d), response %ld\n",
                curl_easy_strerror(msg->data.result), (int)msg->data.result,
                code);
    }
    curl_multi_remove_handle(m, msg->easy_handle);
    curl_easy_cleanup(msg->easy_handle);
  }
}

static inline void book_batch_report(struct book *b, int n, const struct batch *bt,
                              int count) {
  printf("batch %d: %d done, %d ok, %lld bytes, hash %08lx, connects %ld\n", n,
         bt->done, bt->ok, bt->bytes, bt->hash & 0xfffffffful, bt->connects);
  if (bt->done != count || bt->ok != count)
    book_fail(b, "not every transfer of the batch succeeded");
}

/* The socket lines, then the verdict; returns the exit status. */
static inline int book_finish(struct book *b, unsigned long iterations,
                       unsigned long bound) {
  printf("sockets: announced %u, removed %u, unannounced removes %u, "
         "null easy %u\n",
         b->announces, b->removes, b->bad_removes, b->null_easy);
  fprintf(stderr, "loop iterations %lu (bound %lu), most watched at once %u, "
                  "timer calls %u\n",
          iterations, bound, b->max_watched, b->timer_calls);
  if (b->bad_removes)
    book_fail(b, "REMOVE for a socket that was never announced");
  if (b->null_easy)
    book_fail(b, "a socket callback got a NULL easy handle");
  if (b->announces != b->removes)
    book_fail(b, "a socket was announced and never removed");
  if (iterations > bound)
    book_fail(b, "too many loop iterations: a busy loop");
  printf("%s\n", b->failures ? "FAIL" : "PASS");
  return b->failures ? 1 : 0;
}

static inline void book_sleep_ms(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0)
    ;
}

/* The pause between two batches: ms, and then, when the test harness
 * names a file in FERRY_LOOP_GO, until that file exists (at most 10 s
 * more). The harness makes it once its server has closed the connection
 * the next batch must find dead, so that the batch sees the close however
 * loaded the machine is; run alone, the program only sleeps. */
static inline void book_gap(long ms) {
  const char *go = getenv("FERRY_LOOP_GO");
  book_sleep_ms(ms);
  if (go == NULL || go[0] == '\0')
    return;
  for (int i = 0; i < 1000; i++) {
    FILE *f = fopen(go, "r");
    if (f != NULL) {
      fclose(f);
      return;
    }
    book_sleep_ms(10);
  }
}

#endif

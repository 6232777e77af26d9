/* post.c - request bodies with POST: POSTFIELDS (borrowed), COPYPOSTFIELDS,
 * POSTFIELDSIZE with binary data, a read callback with a known size and
 * with none (chunked), an empty body, a body above libcurl's 100-continue
 * threshold, and a read callback that aborts.
 *
 * Usage: diff-post BASE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp.h"

/* A read callback's source: len bytes of a repeating pattern, handed out
 * at most max_piece bytes a call. */
struct source {
  size_t len, sent, max_piece;
  int abort_at_half;
};

static size_t read_source(char *buf, size_t size, size_t nmemb, void *userp) {
  struct source *s = userp;
  size_t room = size * nmemb, n = s->len - s->sent;

  if (s->abort_at_half && s->sent >= s->len / 2)
    return CURL_READFUNC_ABORT;
  if (n > room)
    n = room;
  if (s->max_piece && n > s->max_piece)
    n = s->max_piece;
  for (size_t i = 0; i < n; i++)
    buf[i] = (char)('A' + (s->sent + i) % 23);
  s->sent += n;
  return n;
}

int main(int argc, char **argv) {
  dp_rec rec = {0};
  char copied[32];
  static const char binary[] = "a\0b\r\nc\xff";
  struct source src;
  char *big;
  CURL *e;

  if (argc < 2)
    return 2;
  dp_start();
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/form"));
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, "name=value&x=1");
  dp_perform("POSTFIELDS", e, &rec);

  strcpy(copied, "copied=yes");
  curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, copied);
  strcpy(copied, "overwritten");
  dp_perform("COPYPOSTFIELDS, buffer changed after setopt", e, &rec);

  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)(sizeof(binary) - 1));
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, binary);
  dp_perform("POSTFIELDS with POSTFIELDSIZE, binary", e, &rec);

  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, -1L);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
  dp_perform("empty POSTFIELDS", e, &rec);
  curl_easy_cleanup(e);

  /* A read callback, size known. */
  e = dp_easy(&rec);
  memset(&src, 0, sizeof(src));
  src.len = 3000;
  src.max_piece = 700;
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/form"));
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_READFUNCTION, read_source);
  curl_easy_setopt(e, CURLOPT_READDATA, &src);
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)3000);
  dp_perform("read callback, POSTFIELDSIZE_LARGE 3000", e, &rec);
  printf("read.sent: %zu\n", src.sent);

  /* Size unknown: chunked. */
  memset(&src, 0, sizeof(src));
  src.len = 2500;
  src.max_piece = 1000;
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
  dp_perform("read callback, size unknown", e, &rec);
  printf("read.sent: %zu\n", src.sent);

  /* Size unknown, the caller asks for no Expect. */
  {
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    memset(&src, 0, sizeof(src));
    src.len = 10;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    dp_perform("read callback, size unknown, Expect: removed", e, &rec);
    printf("read.sent: %zu\n", src.sent);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(h);
  }

  /* The read callback aborts half way. */
  memset(&src, 0, sizeof(src));
  src.len = 2000;
  src.max_piece = 500;
  src.abort_at_half = 1;
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)2000);
  dp_perform("read callback aborts", e, &rec);
  printf("read.sent: %zu\n", src.sent);
  curl_easy_cleanup(e);

  /* Above 1 MiB: where libcurl asks for 100-continue. */
  big = malloc(1100000);
  if (big == NULL)
    dp_fatal("out of memory");
  for (size_t i = 0; i < 1100000; i++)
    big[i] = (char)('a' + i % 26);
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/form"));
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, big);
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 1100000L);
  dp_perform("1100000 bytes of POSTFIELDS", e, &rec);

  /* A 2xx answer that comes before the body is asked for. */
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/form?custom"));
  {
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: text/x-mine");
    h = curl_slist_append(h, "Content-Length: 5");
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, "abcde");
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, -1L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    dp_perform("POSTFIELDS with our own Content-Type and Content-Length", e,
               &rec);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(h);
  }
  /* POST, then a GET on the same handle. */
  curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/after"));
  dp_perform("HTTPGET after a POST", e, &rec);
  curl_easy_cleanup(e);
  free(big);

  dp_rec_free(&rec);
  return dp_finish();
}

/* put.c - uploads: UPLOAD with INFILESIZE and a read callback, above
 * 1 MiB, with no size (chunked), of 0 bytes, PUT with a CUSTOMREQUEST, an
 * upload the server refuses before the body, and a read callback that
 * aborts.
 *
 * libcurl 7.88 asks for 100-continue before any PUT body; libcurl 8 only
 * above 1 MiB or when the size is unknown. The small uploads here say
 * which they want ("Expect:" off), so both versions send the same; the
 * default for a small one runs alone as "expect-small".
 *
 * Usage: diff-put BASE [expect-small]
 */
/* CURLOPT_PUT is deprecated, and libcurl warns at compile time. */
#define CURL_DISABLE_DEPRECATION 1

#include <stdio.h>
#include <string.h>

#include "dp.h"

struct source {
  size_t len, sent, max_piece;
  int abort_at_start;
};

static size_t read_source(char *buf, size_t size, size_t nmemb, void *userp) {
  struct source *s = userp;
  size_t room = size * nmemb, n = s->len - s->sent;

  if (s->abort_at_start)
    return CURL_READFUNC_ABORT;
  if (n > room)
    n = room;
  if (s->max_piece && n > s->max_piece)
    n = s->max_piece;
  for (size_t i = 0; i < n; i++)
    buf[i] = (char)('0' + (s->sent + i) % 10);
  s->sent += n;
  return n;
}

static void reset_source(struct source *s, size_t len, size_t piece) {
  memset(s, 0, sizeof(*s));
  s->len = len;
  s->max_piece = piece;
}

int main(int argc, char **argv) {
  dp_rec rec = {0};
  struct source src;
  struct curl_slist *no_expect;
  CURL *e;

  if (argc < 2)
    return 2;
  dp_start();
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_READFUNCTION, read_source);
  curl_easy_setopt(e, CURLOPT_READDATA, &src);
  curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/file"));

  if (argc > 2 && strcmp(argv[2], "expect-small") == 0) {
    reset_source(&src, 1234, 100);
    curl_easy_setopt(e, CURLOPT_INFILESIZE, 1234L);
    dp_perform("UPLOAD, INFILESIZE 1234, Expect as the library likes", e,
               &rec);
    printf("read.sent: %zu\n", src.sent);
    curl_easy_cleanup(e);
    dp_rec_free(&rec);
    return dp_finish();
  }

  reset_source(&src, 1100000, 0);
  curl_easy_setopt(e, CURLOPT_INFILESIZE, 1100000L);
  dp_perform("UPLOAD, INFILESIZE 1100000", e, &rec);
  printf("read.sent: %zu\n", src.sent);

  no_expect = curl_slist_append(NULL, "Expect:");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, no_expect);
  reset_source(&src, 1234, 100);
  curl_easy_setopt(e, CURLOPT_INFILESIZE, 1234L);
  dp_perform("UPLOAD, INFILESIZE 1234, no Expect", e, &rec);
  printf("read.sent: %zu\n", src.sent);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);

  reset_source(&src, 3000, 1000);
  curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)-1);
  dp_perform("UPLOAD, no size", e, &rec);
  printf("read.sent: %zu\n", src.sent);

  reset_source(&src, 0, 0);
  curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)0);
  dp_perform("UPLOAD of nothing", e, &rec);
  printf("read.sent: %zu\n", src.sent);

  curl_easy_setopt(e, CURLOPT_HTTPHEADER, no_expect);
  reset_source(&src, 10, 0);
  curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)10);
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PATCH");
  dp_perform("UPLOAD with CUSTOMREQUEST PATCH", e, &rec);
  printf("read.sent: %zu\n", src.sent);
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);

  /* The server answers 403 to the Expect: 100-continue, before the body. */
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
  reset_source(&src, 2000000, 0);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/refused"));
  curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)-1);
  dp_perform("UPLOAD refused before its body", e, &rec);

  curl_easy_setopt(e, CURLOPT_HTTPHEADER, no_expect);
  reset_source(&src, 100, 0);
  src.abort_at_start = 1;
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/file"));
  curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)100);
  dp_perform("read callback aborts", e, &rec);

  /* PUT is UPLOAD's old name. */
  reset_source(&src, 5, 0);
  curl_easy_setopt(e, CURLOPT_UPLOAD, 0L);
  curl_easy_setopt(e, CURLOPT_PUT, 1L);
  curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)5);
  dp_perform("PUT 1", e, &rec);
  printf("read.sent: %zu\n", src.sent);
  curl_easy_cleanup(e);
  curl_slist_free_all(no_expect);

  dp_rec_free(&rec);
  return dp_finish();
}

/* head.c - HEADER (headers through the write callback) and NOBODY (HEAD),
 * and switching back to GET.
 *
 * Usage: diff-head BASE
 */
#include <stdio.h>

#include "dp.h"

int main(int argc, char **argv) {
  dp_rec rec = {0};
  CURL *e;

  if (argc < 2)
    return 2;
  dp_start();
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/doc"));

  curl_easy_setopt(e, CURLOPT_HEADER, 1L);
  dp_perform("HEADER 1", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/continue"));
  dp_perform("HEADER 1, a 100 first", e, &rec);
  curl_easy_setopt(e, CURLOPT_HEADER, 0L);

  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/doc"));
  curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  dp_perform("NOBODY", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/doc-chunked"));
  dp_perform("NOBODY, a chunked answer", e, &rec);
  curl_easy_setopt(e, CURLOPT_HEADER, 1L);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/doc"));
  dp_perform("NOBODY and HEADER", e, &rec);
  curl_easy_setopt(e, CURLOPT_HEADER, 0L);
  curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
  dp_perform("NOBODY 0: GET again", e, &rec);
  curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  dp_perform("NOBODY then HTTPGET", e, &rec);
  curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, "x=1");
  dp_perform("NOBODY then POSTFIELDS", e, &rec);
  curl_easy_cleanup(e);

  dp_rec_free(&rec);
  return dp_finish();
}

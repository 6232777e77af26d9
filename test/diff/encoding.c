/* encoding.c - content encodings: ACCEPT_ENCODING with one coding, with
 * "" (all built in) and "identity", gzip and deflate bodies decoded,
 * HTTP_CONTENT_DECODING 0, a gzip body nobody asked for, a broken gzip
 * body, and stacked codings.
 *
 * Usage: diff-encoding BASE [all]
 * With "all": ACCEPT_ENCODING "" alone, which asks for every coding the
 * library has built in (test/diff/KNOWN).
 */
#include <stdio.h>
#include <string.h>

#include "dp.h"

int main(int argc, char **argv) {
  dp_rec rec = {0};
  CURL *e;

  if (argc < 2)
    return 2;
  dp_start();
  e = dp_easy(&rec);
  if (argc > 2 && strcmp(argv[2], "all") == 0) {
    curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/gzip"));
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    dp_perform("ACCEPT_ENCODING \"\", a gzip body", e, &rec);
    curl_easy_cleanup(e);
    dp_rec_free(&rec);
    return dp_finish();
  }

  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/gzip"));
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip");
  dp_perform("ACCEPT_ENCODING gzip, a gzip body", e, &rec);
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/deflate"));
  dp_perform("a deflate body", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/gzip-chunked"));
  dp_perform("a chunked gzip body", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/stacked"));
  dp_perform("deflate, then gzip", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/identity"));
  dp_perform("Content-Encoding: identity", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/unknown"));
  dp_perform("an unknown coding", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/broken"));
  dp_perform("a broken gzip body", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/gzip"));
  curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
  dp_perform("HTTP_CONTENT_DECODING 0", e, &rec);
  curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 1L);
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "identity");
  dp_perform("ACCEPT_ENCODING identity, a gzip body", e, &rec);
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, NULL);
  dp_perform("no ACCEPT_ENCODING, a gzip body", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/gzip-head"));
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip");
  curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  dp_perform("HEAD of a gzip resource", e, &rec);
  curl_easy_cleanup(e);

  dp_rec_free(&rec);
  return dp_finish();
}

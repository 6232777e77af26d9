/* get.c - plain GETs on one handle and on fresh ones: bodies framed by
 * Content-Length, chunks and the close, 1xx responses, no-body statuses,
 * connection reuse, and what getinfo says about each.
 *
 * Usage: diff-get BASE [debug]   (BASE is http://127.0.0.1:PORT)
 * With "debug": one GET with the debug and progress callbacks, whose
 * order at the end of the headers libcurl 8 changed (test/diff/KNOWN).
 */
#include <stdio.h>
#include <string.h>

#include "dp.h"

int main(int argc, char **argv) {
  dp_rec rec = {0};
  dp_rec dbg = {0};
  CURL *e;

  if (argc < 2)
    return 2;
  dp_start();

  if (argc > 2 && strcmp(argv[2], "debug") == 0) {
    dbg.debug = 1;
    dbg.progress = 1;
    e = dp_easy(&dbg);
    curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/hello"));
    dp_perform("hello, with debug and progress callbacks", e, &dbg);
    curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/chunked"));
    dp_perform("chunked, with debug and progress callbacks", e, &dbg);
    curl_easy_cleanup(e);
    dp_rec_free(&dbg);
    return dp_finish();
  }

  /* One handle for a row of requests: each reuses the connection the last
   * one left open, where the server keeps it. */
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_URL, argv[1]);
  dp_perform("no path", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/chunked"));
  dp_perform("chunked", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/big"));
  dp_perform("big", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/a/../b/./c?x=1&y=%20z#frag"));
  dp_perform("dot segments, query and fragment", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/early-hints"));
  dp_perform("103 before the response", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/nocontent"));
  dp_perform("204", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/notmodified"));
  dp_perform("304 with a Content-Length", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/notfound"));
  dp_perform("404 with a body", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/close"));
  dp_perform("body up to the close", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/http10"));
  dp_perform("HTTP/1.0 response", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/hello"));
  dp_perform("after the HTTP/1.0 one", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/conn-close"));
  dp_perform("Connection: close with a Content-Length", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/hello"));
  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  dp_perform("FORBID_REUSE", e, &rec);
  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 0L);
  curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
  dp_perform("FRESH_CONNECT", e, &rec);
  curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 0L);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_0);
  dp_perform("HTTP_VERSION 1.0", e, &rec);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE, 10L);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/big"));
  dp_perform("MAXFILESIZE below the Content-Length", e, &rec);
  curl_easy_cleanup(e);

  /* curl_easy_reset leaves the connection cache, not the options. */
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/hello"));
  curl_easy_setopt(e, CURLOPT_USERAGENT, "diff/1");
  dp_perform("before reset", e, &rec);
  curl_easy_reset(e);
  dp_attach(e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/hello"));
  dp_perform("after reset", e, &rec);
  curl_easy_cleanup(e);

  dp_rec_free(&rec);
  dp_rec_free(&dbg);
  return dp_finish();
}

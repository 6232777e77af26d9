/* errors.c - how things fail: a refused connection, bad and unsupported
 * URLs, no URL, unknown options and infos, responses that break HTTP
 * (bad status lines, HTTP/0.9, nothing at all, a cut body, bad chunks,
 * conflicting lengths, a header with no colon), a write callback that
 * refuses bytes, and every code's curl_easy_strerror text.
 *
 * Usage: diff-errors BASE REFUSED [PATH]
 * (REFUSED: a base nobody listens on). With PATH, one of apart[]: only that
 * response. The responses of apart[] are those where test/diff/KNOWN
 * lists a difference (two different Content-Length values, a space before
 * a colon, an "HTTP/2" status line): each runs alone, in a run of its own,
 * so that KNOWN names only what differs there.
 */
#include <stdio.h>
#include <string.h>

#include "dp.h"

static size_t refuse_bytes(char *data, size_t size, size_t nmemb,
                           void *userp) {
  (void)data;
  (void)userp;
  return size * nmemb > 0 ? size * nmemb - 1 : 1;
}

int main(int argc, char **argv) {
  static const char *const bad_urls[] = {
      "", "http://", "http://[::1", "htp://127.0.0.1/", "nosuch://127.0.0.1:1/",
      "http://127.0.0.1:99999/", "http://exa mple/", "not a url",
      "http://127.0.0.1:1:2/",
  };
  static const char *const broken[] = {
      "/bad-status-line", "/http09", "/nothing", "/cut-body", "/bad-chunk",
      "/no-colon", "/bad-length", "/status-999", "/status-abc", "/lf-only",
      "/folded", "/nul-in-header", "/chunked-and-length",
      "/cut-chunked", "/huge-chunk",
  };
  static const char *const apart[] = {
      "/two-lengths", "/space-before-colon", "/http2-status",
  };
  dp_rec rec = {0};
  CURL *e;

  if (argc < 3)
    return 2;
  dp_start();
  e = dp_easy(&rec);
  if (argc > 3) {
    size_t i = 0;
    while (i < sizeof(apart) / sizeof(apart[0]) && strcmp(argv[3], apart[i]))
      i++;
    if (i == sizeof(apart) / sizeof(apart[0]))
      return 2;
    curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], apart[i]));
    dp_perform(apart[i], e, &rec);
    curl_easy_cleanup(e);
    dp_rec_free(&rec);
    return dp_finish();
  }

  for (size_t i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++) {
    char label[128];
    CURLcode rc = curl_easy_setopt(e, CURLOPT_URL, bad_urls[i]);
    snprintf(label, sizeof(label), "URL \"%s\"", bad_urls[i]);
    dp_print_code("setopt.url", rc);
    dp_perform(label, e, &rec);
  }
  curl_easy_reset(e);
  dp_attach(e, &rec);
  dp_perform("no URL set", e, &rec);

  dp_print_code("setopt.unknown", curl_easy_setopt(e, (CURLoption)9999, 1L));
  dp_print_code("setopt.unknown.objectpoint",
                curl_easy_setopt(e, (CURLoption)(CURLOPTTYPE_OBJECTPOINT + 9999), "x"));
  dp_print_code("setopt.negative.maxredirs",
                curl_easy_setopt(e, CURLOPT_MAXREDIRS, -2L));
  dp_print_code("setopt.bad.http_version",
                curl_easy_setopt(e, CURLOPT_HTTP_VERSION, 99L));
  dp_print_code("setopt.bad.timecondition",
                curl_easy_setopt(e, CURLOPT_TIMECONDITION, 99L));
  dp_print_code("setopt.bad.ipresolve",
                curl_easy_setopt(e, CURLOPT_IPRESOLVE, 9L));
  dp_print_code("setopt.negative.timeout",
                curl_easy_setopt(e, CURLOPT_TIMEOUT, -1L));
  {
    long v = 0;
    dp_print_code("getinfo.unknown",
                  curl_easy_getinfo(e, (CURLINFO)(CURLINFO_LONG + 999), &v));
  }

  for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
    curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], broken[i]));
    dp_perform(broken[i], e, &rec);
  }

  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/ok"));
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, refuse_bytes);
  dp_perform("a write callback that takes one byte less", e, &rec);
  curl_easy_cleanup(e);

  /* Last: libcurl 7.88 keeps OS_ERRNO from one transfer to the next on a
   * handle; libcurl 8 and ferry start each transfer at 0. */
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[2], "/refused"));
  dp_perform("connection refused", e, &rec);
  curl_easy_cleanup(e);

  for (int i = 0; i <= 100; i++)
    printf("strerror: %d %s\n", i, curl_easy_strerror((CURLcode)i));
  dp_rec_free(&rec);
  return dp_finish();
}

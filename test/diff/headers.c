/* headers.c - the request header list and the request line: HTTPHEADER
 * adding, replacing, removing and emptying headers, USERAGENT, REFERER,
 * CUSTOMREQUEST with and without a body, HEADEROPT with a PROXYHEADER
 * list (no proxy: it must not show).
 *
 * Usage: diff-headers BASE
 */
#include <stdio.h>

#include "dp.h"

int main(int argc, char **argv) {
  dp_rec rec = {0};
  struct curl_slist *h = NULL, *ph = NULL;
  CURL *e;

  if (argc < 2)
    return 2;
  dp_start();
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/h"));

  h = curl_slist_append(h, "X-One: 1");
  h = curl_slist_append(h, "Accept: text/html");   /* replaces */
  h = curl_slist_append(h, "X-Empty;");            /* sent with no value */
  h = curl_slist_append(h, "X-Gone:");             /* nothing to remove */
  h = curl_slist_append(h, "X-Spaces:   padded  ");
  h = curl_slist_append(h, "x-lower: case");
  h = curl_slist_append(h, "NoColonHere");         /* not a header */
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "diff-agent/2.0");
  curl_easy_setopt(e, CURLOPT_REFERER, "http://referer.example/page");
  dp_perform("a header list, USERAGENT, REFERER", e, &rec);
  curl_slist_free_all(h);
  h = NULL;

  h = curl_slist_append(h, "Host: other.example:81");
  h = curl_slist_append(h, "User-Agent:");          /* removes USERAGENT's */
  h = curl_slist_append(h, "Accept:");              /* removes the default */
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
  dp_perform("Host replaced; User-Agent and Accept removed", e, &rec);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
  curl_slist_free_all(h);
  h = NULL;
  curl_easy_setopt(e, CURLOPT_USERAGENT, NULL);
  curl_easy_setopt(e, CURLOPT_REFERER, NULL);

  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
  dp_perform("CUSTOMREQUEST DELETE", e, &rec);
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PATCH");
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, "{\"a\":1}");
  dp_perform("CUSTOMREQUEST PATCH with POSTFIELDS", e, &rec);
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "OPTIONS");
  curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  dp_perform("CUSTOMREQUEST OPTIONS after HTTPGET", e, &rec);
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);

  ph = curl_slist_append(NULL, "X-Proxy-Only: 1");
  h = curl_slist_append(NULL, "X-Server: 1");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(e, CURLOPT_PROXYHEADER, ph);
  curl_easy_setopt(e, CURLOPT_HEADEROPT, (long)CURLHEADER_SEPARATE);
  dp_perform("HEADEROPT SEPARATE, a PROXYHEADER list, no proxy", e, &rec);
  curl_easy_setopt(e, CURLOPT_HEADEROPT, (long)CURLHEADER_UNIFIED);
  dp_perform("HEADEROPT UNIFIED, no proxy", e, &rec);
  curl_easy_cleanup(e);
  curl_slist_free_all(h);
  curl_slist_free_all(ph);

  dp_rec_free(&rec);
  return dp_finish();
}

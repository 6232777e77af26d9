/* headerapi.c - curl_easy_header and curl_easy_nextheader after transfers
 * with repeated headers, 1xx responses, trailers and redirects: names,
 * values, amounts, indexes, origins, and the error codes.
 *
 * Usage: diff-headerapi BASE [empty]
 * With "empty": only the value of a header that has none ("X-Empty:").
 */
#include <stdio.h>
#include <string.h>

#include "dp.h"

/* The origin bits libcurl documents. */
#define ORIGINS (CURLH_HEADER | CURLH_TRAILER | CURLH_CONNECT | CURLH_1XX | \
                 CURLH_PSEUDO)

static void print_header(const char *key, const struct curl_header *h) {
  char k[64];
  printf("%s: name=%s amount=%zu index=%zu origin=0x%x\n", key, h->name,
         h->amount, h->index, h->origin & ORIGINS);
  if (h->origin & ~(unsigned int)ORIGINS)
    printf("undocumented_origin_bits: 0x%x\n",
           h->origin & ~(unsigned int)ORIGINS);
  snprintf(k, sizeof(k), "%s.value", key);
  dp_print_escaped(k, h->value, strlen(h->value));
}

static void lookup(CURL *e, const char *name, size_t index,
                   unsigned int origin, int request) {
  struct curl_header *h = NULL;
  CURLHcode hc = curl_easy_header(e, name, index, origin, request, &h);

  printf("lookup: %s index=%zu origin=0x%x request=%d -> %d\n", name, index,
         origin, request, (int)hc);
  if (hc == CURLHE_OK)
    print_header("lookup.header", h);
}

static void walk(CURL *e, unsigned int origin, int request) {
  struct curl_header *prev = NULL, *h;

  printf("walk: origin=0x%x request=%d\n", origin, request);
  while ((h = curl_easy_nextheader(e, origin, request, prev)) != NULL) {
    print_header("walk.header", h);
    prev = h;
  }
}

int main(int argc, char **argv) {
  dp_rec rec = {0};
  CURL *e;

  if (argc < 2)
    return 2;
  dp_start();
  e = dp_easy(&rec);
  if (argc > 2 && strcmp(argv[2], "empty") == 0) {
    curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/empty"));
    dp_perform("a header with no value", e, &rec);
    lookup(e, "X-Empty", 0, CURLH_HEADER, -1);
    walk(e, CURLH_HEADER, -1);
    curl_easy_cleanup(e);
    dp_rec_free(&rec);
    return dp_finish();
  }

  /* Before any transfer. */
  lookup(e, "Content-Type", 0, CURLH_HEADER, -1);

  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/many"));
  dp_perform("repeated headers, a 1xx, trailers", e, &rec);
  lookup(e, "Content-Type", 0, CURLH_HEADER, -1);
  lookup(e, "content-type", 0, CURLH_HEADER, -1);
  lookup(e, "Set-Cookie", 0, CURLH_HEADER, -1);
  lookup(e, "Set-Cookie", 1, CURLH_HEADER, -1);
  lookup(e, "Set-Cookie", 2, CURLH_HEADER, -1);
  lookup(e, "Set-Cookie", 3, CURLH_HEADER, -1);
  lookup(e, "X-Missing", 0, CURLH_HEADER, -1);
  lookup(e, "Link", 0, CURLH_HEADER, -1);
  lookup(e, "Link", 0, CURLH_1XX, -1);
  lookup(e, "X-Trailer", 0, CURLH_HEADER, -1);
  lookup(e, "X-Trailer", 0, CURLH_TRAILER, -1);
  lookup(e, "X-Spaced", 0, CURLH_HEADER, -1);
  lookup(e, "Content-Type", 0, 0, -1);
  lookup(e, "Content-Type", 0, CURLH_HEADER, 1);
  lookup(e, "", 0, CURLH_HEADER, -1);
  walk(e, CURLH_HEADER, -1);
  walk(e, CURLH_1XX, -1);
  walk(e, CURLH_TRAILER, -1);
  walk(e, CURLH_HEADER | CURLH_1XX | CURLH_TRAILER, -1);

  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/moved"));
  dp_perform("a redirect, then the headers", e, &rec);
  lookup(e, "Location", 0, CURLH_HEADER, -1);
  lookup(e, "Location", 0, CURLH_HEADER, 0);
  lookup(e, "Location", 0, CURLH_HEADER, 1);
  lookup(e, "X-Hop", 0, CURLH_HEADER, 0);
  lookup(e, "X-Hop", 0, CURLH_HEADER, 1);
  lookup(e, "X-Hop", 0, CURLH_HEADER, 2);
  walk(e, CURLH_HEADER, 0);
  walk(e, CURLH_HEADER, 1);
  curl_easy_cleanup(e);

  dp_rec_free(&rec);
  return dp_finish();
}

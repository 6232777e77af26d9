/* libFuzzer target: the URL parser and Location resolution. The input is
 * "base\nreference". A URL that parses must serialise to a string that
 * parses again to the same parts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "url.h"

static int same(const char *a, const char *b) {
  if (a == NULL || b == NULL)
    return a == b;
  return strcmp(a, b) == 0;
}

static void roundtrip(const ferry__url *u) {
  char *s = ferry__url_to_string(u, 1, 0);
  ferry__url v;
  if (s == NULL)
    return;
  if (ferry__url_parse(&v, s, 0, NULL) != FERRY__URL_OK)
    __builtin_trap();
  if (!same(u->scheme, v.scheme) || !same(u->host, v.host) ||
      u->port != v.port || !same(u->path, v.path) || !same(u->query, v.query))
    __builtin_trap();
  ferry__url_free(&v);
  ferry__free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *buf = malloc(size + 1), *nl;
  ferry__url base, out;

  if (buf == NULL)
    return 0;
  memcpy(buf, data, size);
  buf[size] = '\0';
  nl = strchr(buf, '\n');
  if (nl)
    *nl = '\0';
  if (ferry__url_parse(&base, buf, 1, NULL) == FERRY__URL_OK) {
    roundtrip(&base);
    ferry__free(ferry__url_request_target(&base));
    ferry__free(ferry__url_host_header(&base));
    if (nl && ferry__url_resolve(&out, &base, nl + 1, NULL) == FERRY__URL_OK) {
      roundtrip(&out);
      ferry__url_free(&out);
    }
    ferry__url_free(&base);
  }
  free(buf);
  return 0;
}

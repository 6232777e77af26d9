/* libFuzzer target: the URL parser and Location resolution, and the URL
 * API (ferry_url_set and ferry_url_get). The input is "base\nreference".
 * A URL that parses must serialise to a string that parses again to the
 * same parts; a URL the URL API takes must read back as a URL it takes
 * again and reads back the same (file: URLs aside: libcurl writes
 * "file:x" as "file://x"). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "ferry.h"
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

/* Every part of u, with and without decoding and encoding. */
static void get_every_part(ferry_urlh *u) {
  static const unsigned flags[] = {
      0, FERRYU_URLDECODE, FERRYU_URLENCODE,
      FERRYU_DEFAULT_PORT | FERRYU_PUNYCODE | FERRYU_GET_EMPTY,
      FERRYU_NO_DEFAULT_PORT | FERRYU_PUNY2IDN | FERRYU_NO_GUESS_SCHEME,
  };
  for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
    for (int part = FERRYUPART_URL; part <= FERRYUPART_ZONEID; part++) {
      char *v = NULL;
      ferry_url_get(u, (ferry_upart)part, &v, flags[f]);
      ferry_free(v);
    }
  }
}

/* The URL u reads back, set into a new handle with flags and read back
 * from there; NULL when that fails. */
static char *reparse(const char *url, unsigned flags) {
  ferry_urlh *u = ferry_url();
  char *s = NULL;

  if (u != NULL && ferry_url_set(u, FERRYUPART_URL, url, flags) == FERRYUE_OK)
    ferry_url_get(u, FERRYUPART_URL, &s, 0);
  ferry_url_cleanup(u);
  return s;
}

/* The URL API on the base and then the reference over it. */
static void url_api(const char *base, const char *ref) {
  static const unsigned flags[] = {
      FERRYU_NON_SUPPORT_SCHEME | FERRYU_ALLOW_SPACE,
      0,
      FERRYU_GUESS_SCHEME | FERRYU_URLENCODE | FERRYU_ALLOW_SPACE,
      FERRYU_DEFAULT_SCHEME | FERRYU_PATH_AS_IS | FERRYU_NO_AUTHORITY,
  };
  for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
    ferry_urlh *u = ferry_url();
    char *s1 = NULL, *s2 = NULL, *s3 = NULL;
    if (u == NULL)
      return;
    if (ferry_url_set(u, FERRYUPART_URL, base, flags[f]) == FERRYUE_OK) {
      get_every_part(u);
      /* what a URL reads back as parses again, unless a host decoded to
       * a DEL byte (a control byte in a URL), and then reads back the
       * same: "1%2e2" is a name, the "1.2" it reads back an address */
      if (f == 0 && ferry_url_get(u, FERRYUPART_URL, &s1, 0) == FERRYUE_OK &&
          strncmp(s1, "file:", 5) != 0) {
        s2 = reparse(s1, flags[f]);
        if (s2 == NULL && strchr(s1, 0x7f) == NULL)
          __builtin_trap();
        if (s2 != NULL) {
          s3 = reparse(s2, flags[f]);
          if (s3 == NULL || strcmp(s2, s3) != 0)
            __builtin_trap();
        }
      }
      if (ref != NULL &&
          ferry_url_set(u, FERRYUPART_URL, ref, flags[f]) == FERRYUE_OK)
        get_every_part(u);
    }
    ferry_free(s1);
    ferry_free(s2);
    ferry_free(s3);
    ferry_url_cleanup(u);
  }
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
  url_api(buf, nl ? nl + 1 : NULL);
  free(buf);
  return 0;
}

/* libFuzzer target: the HSTS header parser and the HSTS file reader
 * (src/hsts.c). The input's first line is a Strict-Transport-Security
 * value, taken for a host; the rest are lines of an HSTS file. What the
 * store then writes must read back into a store that writes the very same
 * text, and the parser must never give a negative max-age. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "hsts.h"

static int64_t fixed_clock(void *ud) {
  (void)ud;
  return 1767225600; /* 2026-01-01 */
}

static void add_lines(ferry__hsts *h, const char *p, size_t n) {
  while (n > 0) {
    const char *nl = memchr(p, '\n', n);
    size_t len = nl ? (size_t)(nl - p) + 1 : n;
    if (ferry__hsts_add_line(h, p, len, NULL) == FERRY__HSTS_NOMEM)
      __builtin_trap();
    p += len;
    n -= len;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = (const char *)data;
  const char *nl = memchr(p, '\n', size);
  size_t first = nl ? (size_t)(nl - p) : size;
  ferry__hsts *h = ferry__hsts_new(), *back = ferry__hsts_new();
  int64_t max_age;
  int sub;
  char *text, *again;
  size_t len, len2;

  if (h == NULL || back == NULL)
    __builtin_trap();
  ferry__hsts_set_clock(h, fixed_clock, NULL);
  ferry__hsts_set_clock(back, fixed_clock, NULL);
  if (ferry__hsts_parse(p, first, &max_age, &sub, NULL) == 0 &&
      (max_age < 0 || (sub != 0 && sub != 1)))
    __builtin_trap();
  ferry__hsts_header(h, "fuzz.example", p, first, NULL);
  if (nl)
    add_lines(h, nl + 1, size - first - 1);
  (void)ferry__hsts_known(h, "a.fuzz.example");
  text = ferry__hsts_text(h, &len);
  if (text == NULL)
    __builtin_trap();
  add_lines(back, text, len);
  again = ferry__hsts_text(back, &len2);
  if (again == NULL || len != len2 || memcmp(text, again, len) != 0)
    __builtin_trap();
  ferry__free(text);
  ferry__free(again);
  ferry__hsts_free(h);
  ferry__hsts_free(back);
  return 0;
}

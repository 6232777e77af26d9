/* Texts for result codes, from the one table. */
#include <stdarg.h>
#include <stdio.h>

#include "errors.h"
#include "ferry.h"

void ferry__errf(char *errbuf, size_t errlen, const char *fmt, ...) {
  va_list ap;

  if (errbuf == NULL || errlen == 0)
    return;
  va_start(ap, fmt);
  vsnprintf(errbuf, errlen, fmt, ap);
  va_end(ap);
}

const char *ferry_easy_strerror(ferry_code code) {
  switch (code) {
#define FERRY_X_(name, num, text)                                              \
  case FERRYE_##name:                                                          \
    return text;
    FERRY_CODES(FERRY_X_)
#undef FERRY_X_
  default:
    return "Unknown error";
  }
}

const char *ferry_multi_strerror(ferry_mcode code) {
  switch (code) {
#define FERRY_X_(name, num, text)                                              \
  case FERRYM_##name:                                                          \
    return text;
    FERRY_MCODES(FERRY_X_)
#undef FERRY_X_
  default:
    return "Unknown error";
  }
}

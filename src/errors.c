/* Texts for result codes, from the one table. */
#include "ferry.h"

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

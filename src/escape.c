/* ferry_easy_escape and ferry_easy_unescape: percent-encoding for
 * applications, on the URL parser's encoder and decoder. */
#include <limits.h>
#include <string.h>

#include "ferry.h"
#include "alloc.h"
#include "urlapi.h"

char *ferry_easy_escape(ferry_easy *easy, const char *string, int length) {
  size_t n;

  (void)easy; /* libcurl ignores the handle too; it may be NULL */
  if (string == NULL || length < 0)
    return NULL;
  n = length > 0 ? (size_t)length : strlen(string);
  return ferry__url_encode(string, n);
}

char *ferry_easy_unescape(ferry_easy *easy, const char *string, int length,
                          int *outlength) {
  size_t n, outlen = 0;
  char *out;

  (void)easy;
  if (string == NULL || length < 0)
    return NULL;
  n = length > 0 ? (size_t)length : strlen(string);
  out = ferry__url_decode(string, n, &outlen, 0);
  if (out == NULL)
    return NULL;
  if (outlength != NULL) {
    if (outlen > INT_MAX) {
      /* the length would not fit the int libcurl's signature has */
      ferry__free(out);
      return NULL;
    }
    *outlength = (int)outlen;
  }
  return out;
}

/* escape.c - curl_easy_escape and curl_easy_unescape on a table of
 * inputs, with explicit lengths and with 0 (strlen). No server.
 *
 * Usage: diff-escape
 */
#include <stdio.h>
#include <string.h>

#include "dp.h"

int main(void) {
  static const char *const inputs[] = {
      "",
      "plain",
      "a b&c=d/e?f#g",
      "AZaz09-._~",
      "!*'();:@&=+$,/?#[]",
      "%",
      "%41%42%4",
      "%zz%",
      "%2",
      "100%",
      "\xc3\xa9t\xc3\xa9",
      "tab\there\r\nnewline",
      "+plus+",
      "%00nul",
  };
  CURL *e;

  dp_start();
  e = curl_easy_init();
  if (e == NULL)
    dp_fatal("curl_easy_init");
  for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
    const char *in = inputs[i];
    char *out;
    int outlen = -1;

    dp_print_escaped("== input", in, strlen(in));
    out = curl_easy_escape(e, in, 0);
    if (out)
      dp_print_escaped("escape", out, strlen(out));
    else
      printf("escape: NULL\n");
    curl_free(out);
    out = curl_easy_escape(e, in, (int)(strlen(in) > 2 ? 2 : strlen(in)));
    if (out)
      dp_print_escaped("escape.first2", out, strlen(out));
    else
      printf("escape.first2: NULL\n");
    curl_free(out);
    out = curl_easy_unescape(e, in, 0, &outlen);
    if (out)
      dp_print_escaped("unescape", out, (size_t)outlen);
    else
      printf("unescape: NULL\n");
    printf("unescape.len: %d\n", outlen);
    curl_free(out);
    out = curl_easy_unescape(e, in, (int)strlen(in), NULL);
    if (out)
      dp_print_escaped("unescape.nolen", out, strlen(out));
    else
      printf("unescape.nolen: NULL\n");
    curl_free(out);
  }
  /* Binary input with a NUL inside, given a length. */
  {
    static const char bin[] = "a\0b\xff";
    char *out = curl_easy_escape(e, bin, 4);
    if (out)
      dp_print_escaped("escape.binary", out, strlen(out));
    curl_free(out);
  }
  {
    char *out = curl_easy_escape(e, "x", -1);
    printf("escape.negative: %s\n", out ? "non-NULL" : "NULL");
    curl_free(out);
  }
  curl_easy_cleanup(e);
  return dp_finish();
}

/* failonerror.c - FAILONERROR: which statuses fail the transfer, what
 * reaches the callbacks first, and the error buffer.
 *
 * Usage: diff-failonerror BASE
 */
#include <stdio.h>

#include "dp.h"

int main(int argc, char **argv) {
  static const char *const paths[] = {"/200", "/301", "/399", "/400", "/404",
                                      "/500", "/401", "/999"};
  dp_rec rec = {0};
  CURL *e;

  if (argc < 2)
    return 2;
  dp_start();
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
  for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
    char label[64];
    snprintf(label, sizeof(label), "FAILONERROR, %s", paths[i] + 1);
    curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], paths[i]));
    dp_perform(label, e, &rec);
  }
  /* 401 with credentials: still an error once auth is done. */
  curl_easy_setopt(e, CURLOPT_USERPWD, "u:p");
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/401"));
  dp_perform("FAILONERROR, 401 with credentials", e, &rec);
  curl_easy_setopt(e, CURLOPT_USERPWD, NULL);
  curl_easy_setopt(e, CURLOPT_FAILONERROR, 0L);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/404"));
  dp_perform("FAILONERROR off again, 404", e, &rec);
  curl_easy_cleanup(e);

  dp_rec_free(&rec);
  return dp_finish();
}

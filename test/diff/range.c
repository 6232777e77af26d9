/* range.c - RANGE and RESUME_FROM: the Range header each sends, and what
 * comes of a 206, of a 200 that ignores the range, and of a 416.
 *
 * Usage: diff-range BASE
 */
#include <stdio.h>

#include "dp.h"

int main(int argc, char **argv) {
  dp_rec rec = {0};
  CURL *e;

  if (argc < 2)
    return 2;
  dp_start();
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/partial"));

  curl_easy_setopt(e, CURLOPT_RANGE, "0-9");
  dp_perform("RANGE 0-9, a 206", e, &rec);
  curl_easy_setopt(e, CURLOPT_RANGE, "10-");
  dp_perform("RANGE 10-", e, &rec);
  curl_easy_setopt(e, CURLOPT_RANGE, "-5");
  dp_perform("RANGE -5", e, &rec);
  curl_easy_setopt(e, CURLOPT_RANGE, "0-1,4-5");
  dp_perform("RANGE 0-1,4-5", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/whole"));
  curl_easy_setopt(e, CURLOPT_RANGE, "0-9");
  dp_perform("RANGE 0-9, a 200 with all of it", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/unsatisfiable"));
  curl_easy_setopt(e, CURLOPT_RANGE, "500-");
  dp_perform("RANGE 500-, a 416", e, &rec);
  curl_easy_setopt(e, CURLOPT_RANGE, NULL);

  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/partial"));
  curl_easy_setopt(e, CURLOPT_RESUME_FROM, 10L);
  dp_perform("RESUME_FROM 10, a 206", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/whole"));
  dp_perform("RESUME_FROM 10, a 200", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/wrong-start"));
  dp_perform("RESUME_FROM 10, a 206 from elsewhere", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/unsatisfiable"));
  curl_easy_setopt(e, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)26);
  dp_perform("RESUME_FROM 26, a 416", e, &rec);
  curl_easy_setopt(e, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)0);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/whole"));
  dp_perform("RESUME_FROM back to 0", e, &rec);
  curl_easy_cleanup(e);

  dp_rec_free(&rec);
  return dp_finish();
}

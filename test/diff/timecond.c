/* timecond.c - TIMECONDITION with TIMEVALUE: the If-(Un)Modified-Since
 * header, a 304, a 200 whose Last-Modified does or does not meet the
 * condition, and CURLINFO_CONDITION_UNMET.
 *
 * Usage: diff-timecond BASE
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
  /* 1700000000 is Tue, 14 Nov 2023 22:13:20 GMT */
  curl_easy_setopt(e, CURLOPT_TIMEVALUE, 1700000000L);

  curl_easy_setopt(e, CURLOPT_TIMECONDITION, (long)CURL_TIMECOND_IFMODSINCE);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/not-modified"));
  dp_perform("IFMODSINCE, a 304", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/older"));
  dp_perform("IFMODSINCE, a 200 with an older Last-Modified", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/newer"));
  dp_perform("IFMODSINCE, a 200 with a newer Last-Modified", e, &rec);

  curl_easy_setopt(e, CURLOPT_TIMECONDITION, (long)CURL_TIMECOND_IFUNMODSINCE);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/older"));
  dp_perform("IFUNMODSINCE, older", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/newer"));
  dp_perform("IFUNMODSINCE, newer", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/precondition"));
  dp_perform("IFUNMODSINCE, a 412", e, &rec);

  curl_easy_setopt(e, CURLOPT_TIMECONDITION, (long)CURL_TIMECOND_LASTMOD);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/older"));
  dp_perform("LASTMOD", e, &rec);

  curl_easy_setopt(e, CURLOPT_TIMECONDITION, (long)CURL_TIMECOND_IFMODSINCE);
  curl_easy_setopt(e, CURLOPT_TIMEVALUE_LARGE, (curl_off_t)0);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/older"));
  dp_perform("IFMODSINCE with TIMEVALUE 0", e, &rec);
  curl_easy_setopt(e, CURLOPT_TIMEVALUE_LARGE, (curl_off_t)4102444800);
  dp_perform("IFMODSINCE with TIMEVALUE in 2100", e, &rec);

  curl_easy_setopt(e, CURLOPT_TIMECONDITION, (long)CURL_TIMECOND_NONE);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/not-modified"));
  dp_perform("no condition, a 304 anyway", e, &rec);
  curl_easy_cleanup(e);

  dp_rec_free(&rec);
  return dp_finish();
}

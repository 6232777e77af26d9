/* redirect.c - following redirects: FOLLOWLOCATION, relative and absolute
 * Location, 301/302/303/307/308 after a POST with and without POSTREDIR,
 * MAXREDIRS, REDIRECT_URL without following, AUTOREFERER, credentials on a
 * redirect to another host with and without UNRESTRICTED_AUTH, a
 * CUSTOMREQUEST that sticks, and a Location that is not a URL.
 *
 * Usage: diff-redirect BASE OTHER [sticky-referer]   (OTHER: a second server)
 * With "sticky-referer": the transfer after an AUTOREFERER redirect on the
 * same handle (test/diff/KNOWN).
 */
#include <stdio.h>
#include <string.h>

#include "dp.h"

static void post_to(CURL *e, dp_rec *rec, const char *base, const char *code,
                    long postredir) {
  char path[64], label[128];

  snprintf(path, sizeof(path), "/r%s", code);
  snprintf(label, sizeof(label), "POST to a %s, POSTREDIR %ld", code,
           postredir);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(base, path));
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, "k=v");
  curl_easy_setopt(e, CURLOPT_POSTREDIR, postredir);
  dp_perform(label, e, rec);
}

int main(int argc, char **argv) {
  dp_rec rec = {0};
  static const char *const codes[] = {"301", "302", "303", "307", "308"};
  CURL *e;

  if (argc < 3)
    return 2;
  dp_start();
  e = dp_easy(&rec);
  if (argc > 3 && strcmp(argv[3], "sticky-referer") == 0) {
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_AUTOREFERER, 1L);
    curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/r302?q=1"));
    dp_perform("AUTOREFERER", e, &rec);
    curl_easy_setopt(e, CURLOPT_AUTOREFERER, 0L);
    curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/dest"));
    dp_perform("the next transfer on the handle, no redirect", e, &rec);
    curl_easy_cleanup(e);
    dp_rec_free(&rec);
    return dp_finish();
  }

  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/r301"));
  dp_perform("301 not followed", e, &rec);

  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  dp_perform("301 followed", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/chain/a"));
  dp_perform("a chain of relative Locations", e, &rec);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, 2L);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/loop"));
  dp_perform("a loop, MAXREDIRS 2", e, &rec);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, 0L);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/r302"));
  dp_perform("MAXREDIRS 0", e, &rec);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, -1L);

  for (int i = 0; i < 5; i++)
    post_to(e, &rec, argv[1], codes[i], 0);
  post_to(e, &rec, argv[1], "301", CURL_REDIR_POST_301);
  post_to(e, &rec, argv[1], "302", CURL_REDIR_POST_302);
  post_to(e, &rec, argv[1], "303", CURL_REDIR_POST_ALL);
  curl_easy_setopt(e, CURLOPT_POSTREDIR, 0L);
  curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);

  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/r307"));
  dp_perform("CUSTOMREQUEST PUT through a 307", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/r302"));
  dp_perform("CUSTOMREQUEST PUT through a 302", e, &rec);
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);

  curl_easy_setopt(e, CURLOPT_USERPWD, "user:secret");
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/to-other"));
  dp_perform("Basic credentials, a redirect to another port", e, &rec);
  curl_easy_setopt(e, CURLOPT_UNRESTRICTED_AUTH, 1L);
  dp_perform("the same with UNRESTRICTED_AUTH", e, &rec);
  curl_easy_setopt(e, CURLOPT_UNRESTRICTED_AUTH, 0L);
  curl_easy_setopt(e, CURLOPT_USERPWD, NULL);

  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/absolute"));
  dp_perform("an absolute Location with a fragment", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/badlocation"));
  dp_perform("a Location with spaces and a bad port", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/nolocation"));
  dp_perform("a 302 without Location", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/otherscheme"));
  dp_perform("a Location with a scheme nobody supports", e, &rec);
  curl_easy_cleanup(e);

  /* AUTOREFERER, on a handle of its own: libcurl keeps sending the
   * Referer it made on the handle's later transfers (the sticky-referer
   * run). */
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(e, CURLOPT_AUTOREFERER, 1L);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/r302?q=1"));
  dp_perform("AUTOREFERER", e, &rec);
  curl_easy_cleanup(e);

  /* Not following: REDIRECT_URL for a relative Location. */
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/chain/a"));
  dp_perform("REDIRECT_URL for a relative Location", e, &rec);
  curl_easy_cleanup(e);

  dp_rec_free(&rec);
  return dp_finish();
}

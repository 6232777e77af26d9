/* auth.c - HTTP authentication: Basic from USERPWD, USERNAME/PASSWORD and
 * the URL, Basic and Digest after a 401 (HTTPAUTH ANY and DIGEST), Digest
 * with and without qop, with SHA-256 and -sess, with a POST, a wrong
 * password, a Bearer token; each on a fresh handle. Then what a handle
 * remembers: a second transfer on a handle that authenticated before.
 *
 * Usage: diff-auth BASE
 */
#include <stdio.h>
#include <string.h>

#include "dp.h"

/* One transfer on a fresh handle with these credentials and methods. */
static void run(dp_rec *rec, const char *label, const char *url,
                const char *userpwd, long httpauth, const char *postfields) {
  CURL *e = dp_easy(rec);

  /* a Digest answer with qop holds a random cnonce whose length is each
   * library's own: REQUEST_SIZE is left out for those */
  rec->no_request_size = strstr(label, "qop") != NULL;
  curl_easy_setopt(e, CURLOPT_URL, url);
  if (userpwd)
    curl_easy_setopt(e, CURLOPT_USERPWD, userpwd);
  if (httpauth)
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, httpauth);
  if (postfields)
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, postfields);
  dp_perform(label, e, rec);
  curl_easy_cleanup(e);
}

int main(int argc, char **argv) {
  dp_rec rec = {0};
  char url[512];
  CURL *e;

  if (argc < 2 || strncmp(argv[1], "http://", 7) != 0)
    return 2;
  dp_start();

  run(&rec, "USERPWD, Basic by default", dp_url(argv[1], "/basic"),
      "user:pass word", 0, NULL);
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/basic"));
  curl_easy_setopt(e, CURLOPT_USERNAME, "us:er");
  curl_easy_setopt(e, CURLOPT_PASSWORD, "p@ss");
  dp_perform("USERNAME with a colon, PASSWORD", e, &rec);
  curl_easy_cleanup(e);
  /* http://url%20user:url%3Apass@127.0.0.1:PORT/basic */
  snprintf(url, sizeof(url), "http://url%%20user:url%%3Apass@%s/basic",
           argv[1] + 7);
  run(&rec, "credentials in the URL", url, NULL, 0, NULL);

  run(&rec, "HTTPAUTH ANY, a Basic challenge",
      dp_url(argv[1], "/basic-challenge"), "user:pass", CURLAUTH_ANY, NULL);
  run(&rec, "Digest, no qop", dp_url(argv[1], "/digest?x=1"), "user:pass",
      CURLAUTH_DIGEST, NULL);
  run(&rec, "Digest, qop auth", dp_url(argv[1], "/digest-qop"), "user:pass",
      CURLAUTH_DIGEST, NULL);
  run(&rec, "Digest, SHA-256, qop auth", dp_url(argv[1], "/digest-sha256"),
      "user:pass", CURLAUTH_DIGEST, NULL);
  run(&rec, "Digest, MD5-sess, qop auth",
      dp_url(argv[1], "/digest-sess"), "user:pass", CURLAUTH_DIGEST, NULL);
  run(&rec, "HTTPAUTH ANY, a Digest challenge", dp_url(argv[1], "/digest?x=1"),
      "user:pass", CURLAUTH_ANY, NULL);
  run(&rec, "Digest with a POST", dp_url(argv[1], "/digest-post"), "user:pass",
      CURLAUTH_DIGEST, "body=1");
  run(&rec, "a wrong password", dp_url(argv[1], "/always-401"), "user:wrong",
      CURLAUTH_ANY, NULL);
  run(&rec, "a 401, no credentials", dp_url(argv[1], "/always-401"), NULL,
      CURLAUTH_BASIC, NULL);

  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
  curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, "tok.en-1");
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/bearer"));
  dp_perform("Bearer", e, &rec);
  curl_easy_cleanup(e);

  /* What a handle remembers from one transfer to the next. */
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_USERPWD, "user:pass");
  curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_ANY);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/basic-challenge"));
  dp_perform("HTTPAUTH ANY, Basic: first transfer", e, &rec);
  dp_perform("HTTPAUTH ANY, Basic: second transfer, same handle", e, &rec);
  curl_easy_cleanup(e);
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_USERPWD, "user:pass");
  curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_DIGEST);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/digest-qop"));
  rec.no_request_size = 1; /* the cnonce, as above */
  dp_perform("Digest: first transfer", e, &rec);
  dp_perform("Digest: second transfer, same handle", e, &rec);
  curl_easy_cleanup(e);

  dp_rec_free(&rec);
  return dp_finish();
}

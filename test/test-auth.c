/* HTTP authentication: Digest (RFC 7616) as a sans-IO unit against the
 * RFCs' own examples, and through the engine against a scripted server
 * (the 401, the second request with credentials, the exact header), and
 * HTTPAUTH's choice between Basic and Digest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md5.h>

#include "auth.h"
#include "fx.h"
#include "server.h"
#include "test.h"

#define ASSERT_HAS(hay, needle)                                               \
  do {                                                                        \
    const char *h_ = (hay), *n_ = (needle);                                   \
    if (h_ == NULL || strstr(h_, n_) == NULL)                                 \
      TEST_FAIL_("\"%s\" does not contain \"%s\"", h_ ? h_ : "(null)", n_);   \
  } while (0)

/* The quoted value of name="..." in an Authorization value, into out. */
static int param(const char *auth, const char *name, char *out, size_t cap) {
  char key[64];
  const char *p, *end;

  snprintf(key, sizeof(key), " %s=\"", name);
  p = strstr(auth, key);
  if (p == NULL)
    return -1;
  p += strlen(key);
  end = strchr(p, '"');
  if (end == NULL || (size_t)(end - p) >= cap)
    return -1;
  memcpy(out, p, (size_t)(end - p));
  out[end - p] = '\0';
  return 0;
}

static void md5_hex(const char *s, char out[33]) {
  static const char hex[] = "0123456789abcdef";
  unsigned char sum[16];
  mbedtls_md5_ret((const unsigned char *)s, strlen(s), sum);
  for (int i = 0; i < 16; i++) {
    out[2 * i] = hex[sum[i] >> 4];
    out[2 * i + 1] = hex[sum[i] & 15];
  }
  out[32] = '\0';
}

TEST_IMPL(auth_digest_answers_the_rfc_examples) {
  ferry__digest d;
  char *a;

  /* RFC 2617 3.5 (MD5, qop auth) */
  memset(&d, 0, sizeof(d));
  ASSERT_EQ(ferry__digest_challenge(
                &d, "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
                    "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
                    "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""),
            1);
  a = ferry__digest_response(&d, "Mufasa", "Circle Of Life", "GET",
                             "/dir/index.html", "0a4f113b");
  ASSERT_NOT_NULL(a);
  ASSERT_STR_EQ(a, "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
                   "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
                   "uri=\"/dir/index.html\", cnonce=\"0a4f113b\", nc=00000001, "
                   "qop=auth, response=\"6629fae49393a05397450978507c4ef1\", "
                   "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
  free(a);
  /* the nonce count goes up with each use of the nonce */
  a = ferry__digest_response(&d, "Mufasa", "Circle Of Life", "GET",
                             "/dir/index.html", "0a4f113b");
  ASSERT_HAS(a, "nc=00000002");
  free(a);
  ferry__digest_free(&d);

  /* RFC 7616 3.9.1, SHA-256 and MD5 */
  ASSERT_EQ(ferry__digest_challenge(
                &d, "Digest realm=\"http-auth@example.org\", qop=\"auth, "
                    "auth-int\", algorithm=SHA-256, "
                    "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
                    "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""),
            1);
  a = ferry__digest_response(&d, "Mufasa", "Circle of Life", "GET",
                             "/dir/index.html",
                             "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
  ASSERT_HAS(a, "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\"");
  ASSERT_HAS(a, ", algorithm=SHA-256");
  free(a);
  ASSERT_EQ(ferry__digest_challenge(
                &d, "Digest realm=\"http-auth@example.org\", qop=\"auth, "
                    "auth-int\", algorithm=MD5, "
                    "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
                    "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""),
            1);
  a = ferry__digest_response(&d, "Mufasa", "Circle of Life", "GET",
                             "/dir/index.html",
                             "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
  ASSERT_HAS(a, "response=\"8ca523f5e9506fed4657c9700eebdbec\"");
  free(a);
  ferry__digest_free(&d);
  return 0;
}

TEST_IMPL(auth_digest_challenges_are_found_and_bad_ones_refused) {
  ferry__digest d;
  char *a;

  memset(&d, 0, sizeof(d));
  /* after another scheme's challenge, with quoted commas and escapes, and
   * token values */
  ASSERT_EQ(ferry__digest_challenge(
                &d, "Basic realm=\"a, b\", Digest realm=\"q\\\"r\", "
                    "nonce=abc, qop=auth, stale=FALSE"),
            1);
  ASSERT_STR_EQ(d.realm, "q\"r");
  ASSERT_STR_EQ(d.nonce, "abc");
  ASSERT_EQ(d.qop_auth, 1);
  ASSERT_NULL(d.opaque);
  /* a user name with a quote is escaped; no qop: no cnonce, nc or qop */
  ASSERT_EQ(ferry__digest_challenge(&d, "Digest nonce=\"n\", realm=\"r\""), 1);
  a = ferry__digest_response(&d, "a\"b", "p", "GET", "/", "c");
  ASSERT_NOT_NULL(a);
  ASSERT_HAS(a, "username=\"a\\\"b\"");
  ASSERT(strstr(a, "cnonce") == NULL && strstr(a, "qop") == NULL &&
         strstr(a, " nc=") == NULL);
  free(a);
  /* no Digest challenge: the held one stays */
  ASSERT_EQ(ferry__digest_challenge(&d, "Basic realm=\"Digest nonce=x\""), 0);
  ASSERT_EQ(ferry__digest_challenge(&d, "Digestive nonce=\"x\""), 0);
  ASSERT_STR_EQ(d.nonce, "n");
  /* a new challenge replaces it, as in libcurl's handle: stale said */
  ASSERT_EQ(ferry__digest_challenge(&d, "Digest nonce=\"m\", stale=TRUE"), 1);
  ASSERT_STR_EQ(d.nonce, "m");
  ASSERT_EQ(d.stale, 1);
  /* auth-int alone is answered, hashing an empty body as libcurl does */
  ASSERT_EQ(ferry__digest_challenge(&d, "Digest nonce=\"x\", qop=\"auth-int\""), 1);
  a = ferry__digest_response(&d, "u", "p", "GET", "/", "c");
  ASSERT_HAS(a, ", nc=00000001, qop=auth-int, response=\"");
  free(a);
  ASSERT_EQ(d.stale, 0);
  /* not usable: an unknown algorithm (nothing is held then), no nonce, a
   * "-sess" algorithm without qop */
  ASSERT_EQ(ferry__digest_challenge(&d, "Digest nonce=\"x\", algorithm=SHA-512-256"), 0);
  ASSERT_NULL(d.nonce);
  ASSERT_EQ(ferry__digest_challenge(&d, "Digest realm=\"r\""), 0);
  ASSERT_NULL(d.nonce);
  ASSERT_EQ(ferry__digest_challenge(&d, "Digest nonce=\"s\", algorithm=MD5-sess"), 0);
  /* a scheme may be followed by a comma */
  ASSERT_EQ(ferry__auth_offers("Basic, Digest nonce=\"x\"", "Basic"), 1);
  ASSERT_EQ(ferry__auth_offers("Basic realm=\"x\"", "basic"), 1);
  ASSERT_EQ(ferry__auth_offers("Bearer, Basic realm=\"x\"", "Basic"), 1);
  ASSERT_EQ(ferry__auth_offers("Bearer realm=\"Basic x\"", "Basic"), 0);
  ferry__digest_free(&d);
  return 0;
}

#define DIGEST_401                                                             \
  "HTTP/1.1 401 Unauthorized\r\n"                                              \
  "WWW-Authenticate: Basic realm=\"fallback\"\r\n"                             \
  "WWW-Authenticate: Digest realm=\"testrealm@host.com\", qop=\"auth\", "      \
  "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "                             \
  "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"\r\n"                            \
  "Content-Length: 6\r\n\r\ndenied"

TEST_IMPL(auth_digest_answers_a_401_on_the_same_connection) {
  static const ts_step steps[] = {FX_STEP_REQ, FX_STEP_SEND(DIGEST_401),
                                  FX_STEP_REQ, FX_STEP_SEND(FX_OK_HELLO)};
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  char *req0, *req1, auth[1024], cnonce[128], resp[64], ha1[33], ha2[33],
      want[33], line[512];
  const char *p, *end;
  size_t len;
  long code = 0;

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, FX_STEPS(steps));
  e = fx_easy(fx_url(s, "/dir/index.html"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_DIGEST),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_USERPWD, "Mufasa:Circle Of Life"),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_RESPONSE_CODE, &code), FERRYE_OK);
  ASSERT_EQ(code, 200);
  /* the 401's body is not the transfer's data */
  ASSERT_EQ(body.len, 5);
  ASSERT(memcmp(body.data, "hello", 5) == 0);
  ASSERT_EQ(tserver_connections(s), 1);
  ASSERT_EQ(tserver_requests(s), 2);
  req0 = tserver_request(s, 0, &len);
  req1 = tserver_request(s, 1, &len);
  ASSERT_NOT_NULL(req0);
  ASSERT_NOT_NULL(req1);
  /* the first asks without credentials: the challenge decides */
  ASSERT(strstr(req0, "Authorization") == NULL);
  ASSERT(strncmp(req1, "GET /dir/index.html HTTP/1.1\r\n", 30) == 0);
  p = strstr(req1, "\r\nAuthorization: Digest ");
  ASSERT_NOT_NULL(p);
  p += 17;
  end = strstr(p, "\r\n");
  ASSERT(end != NULL && (size_t)(end - p) < sizeof(auth));
  memcpy(auth, p, (size_t)(end - p));
  auth[end - p] = '\0';
  ASSERT_HAS(auth, "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
                   "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
                   "uri=\"/dir/index.html\", cnonce=\"");
  ASSERT_HAS(auth, ", nc=00000001, qop=auth, response=\"");
  /* the challenge named no algorithm: none is sent back, as libcurl does */
  ASSERT_HAS(auth, "\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
  ASSERT(strstr(auth, "algorithm") == NULL);
  /* the response, computed here from the RFC's formulas */
  ASSERT_EQ(param(auth, "cnonce", cnonce, sizeof(cnonce)), 0);
  ASSERT_EQ(param(auth, "response", resp, sizeof(resp)), 0);
  ASSERT(strlen(cnonce) >= 16);
  md5_hex("Mufasa:testrealm@host.com:Circle Of Life", ha1);
  md5_hex("GET:/dir/index.html", ha2);
  snprintf(line, sizeof(line), "%s:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:%s:auth:%s",
           ha1, cnonce, ha2);
  md5_hex(line, want);
  ASSERT_STR_EQ(resp, want);
  free(req0);
  free(req1);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(auth_digest_refused_twice_ends_with_the_second_401) {
  /* every request gets the challenge */
  static const ts_step steps[] = {FX_STEP_REQ, FX_STEP_SEND(DIGEST_401)};
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  long code = 0;

  ASSERT_NOT_NULL(s);
  tserver_default_script_loop(s, FX_STEPS(steps));
  e = fx_easy(fx_url(s, "/x"), &body, NULL);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_DIGEST),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_USERPWD, "u:wrong"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_RESPONSE_CODE, &code), FERRYE_OK);
  ASSERT_EQ(code, 401);
  ASSERT_EQ(tserver_requests(s), 2);
  /* the last answer is the transfer's: its body is delivered */
  ASSERT_EQ(body.len, 6);
  ASSERT(memcmp(body.data, "denied", 6) == 0);
  /* with FAILONERROR the first 401 is still answered; the second fails */
  body.len = 0;
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_FAILONERROR, 1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_HTTP_RETURNED_ERROR);
  ASSERT_EQ(tserver_requests(s), 4);
  ASSERT_EQ(tserver_connections(s), 1);
  ASSERT_EQ(body.len, 0);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(auth_basic_or_digest_asks_first_and_takes_basic_if_only_that_is_offered) {
  static const ts_step steps[] = {
      FX_STEP_REQ,
      FX_STEP_SEND("HTTP/1.1 401 No\r\nWWW-Authenticate: Basic realm=\"r\"\r\n"
                   "Content-Length: 0\r\n\r\n"),
      FX_STEP_REQ, FX_STEP_SEND(FX_OK_HELLO)};
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  char *req0, *req1;
  size_t len;

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, FX_STEPS(steps));
  e = fx_easy(fx_url(s, "/b"), &body, NULL);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HTTPAUTH,
                              (long)(FERRYAUTH_BASIC | FERRYAUTH_DIGEST)),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_USERPWD, "user:pass"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_requests(s), 2);
  req0 = tserver_request(s, 0, &len);
  req1 = tserver_request(s, 1, &len);
  ASSERT(strstr(req0, "Authorization") == NULL);
  ASSERT_HAS(req1, "\r\nAuthorization: Basic dXNlcjpwYXNz\r\n");
  ASSERT_EQ(body.len, 5);
  free(req0);
  free(req1);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(auth_digest_post_sends_the_body_again_with_the_method_in_the_hash) {
  static const ts_step steps[] = {FX_STEP_REQ, FX_STEP_SEND(DIGEST_401),
                                  FX_STEP_REQ, FX_STEP_SEND(FX_OK_HELLO)};
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  char *req1, auth[1024], cnonce[128], resp[64], ha1[33], ha2[33], want[33],
      line[512];
  const char *p, *end;
  size_t len;

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, FX_STEPS(steps));
  e = fx_easy(fx_url(s, "/form?x=1"), &body, NULL);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_DIGEST),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_USERNAME, "Mufasa"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_PASSWORD, "Circle Of Life"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_POSTFIELDS, "a=b"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_requests(s), 2);
  req1 = tserver_request(s, 1, &len);
  ASSERT(strncmp(req1, "POST /form?x=1 HTTP/1.1\r\n", 25) == 0);
  ASSERT(len >= 3 && memcmp(req1 + len - 3, "a=b", 3) == 0);
  p = strstr(req1, "\r\nAuthorization: ");
  ASSERT_NOT_NULL(p);
  p += 17;
  end = strstr(p, "\r\n");
  memcpy(auth, p, (size_t)(end - p));
  auth[end - p] = '\0';
  ASSERT_HAS(auth, "uri=\"/form?x=1\"");
  ASSERT_EQ(param(auth, "cnonce", cnonce, sizeof(cnonce)), 0);
  ASSERT_EQ(param(auth, "response", resp, sizeof(resp)), 0);
  md5_hex("Mufasa:testrealm@host.com:Circle Of Life", ha1);
  md5_hex("POST:/form?x=1", ha2);
  snprintf(line, sizeof(line), "%s:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:%s:auth:%s",
           ha1, cnonce, ha2);
  md5_hex(line, want);
  ASSERT_STR_EQ(resp, want);
  free(req1);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* Behaviours the differential test (test/test-diff.c) found where ferry
 * did not do what libcurl does, each fixed in ferry and pinned here with
 * ferry's own API: what a libcurl program observes through ferry's
 * <curl/curl.h> is what it observes here. Each test names the libcurl
 * behaviour it follows (checked against Debian's libcurl 7.88 and libcurl
 * 8.11's source). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fx.h"
#include "test.h"
#include <mbedtls/md5.h>

/* A read callback that hands out a string. */
typedef struct strsrc {
  const char *data;
  size_t len, off;
} strsrc;

static size_t strsrc_read(char *buf, size_t size, size_t n, void *ud) {
  strsrc *r = ud;
  size_t want = size * n, left = r->len - r->off;
  if (want > left)
    want = left;
  memcpy(buf, r->data + r->off, want);
  r->off += want;
  return want;
}

static const char *fmt(char *buf, size_t len, const char *f, int port) {
  snprintf(buf, len, f, port);
  return buf;
}

/* libcurl writes Content-Type before Expect in a POST it asks about. */
TEST_IMPL(libcurl_compat_post_puts_content_type_before_expect) {
  static const ts_route routes[] = {
      {.prefix = "POST /form ", .response = FX_OK_HELLO},
  };
  tserver *s = tserver_start();
  strsrc r = {"a=1", 3, 0};
  sink body = {0};
  ferry_easy *e;
  char want[512], *req;
  size_t len;

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 1);
  e = fx_easy(fx_url(s, "/form"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_POST, 1L);
  ferry_easy_setopt(e, FERRYOPT_READFUNCTION, strsrc_read);
  ferry_easy_setopt(e, FERRYOPT_READDATA, &r);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  req = tserver_request(s, 0, &len);
  ASSERT_NOT_NULL(req);
  ASSERT_MEM_EQ(req, len,
                fmt(want, sizeof(want),
                    "POST /form HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                    "Accept: */*\r\nTransfer-Encoding: chunked\r\n"
                    "Content-Type: application/x-www-form-urlencoded\r\n"
                    "Expect: 100-continue\r\n\r\n3\r\na=1\r\n0\r\n\r\n",
                    tserver_port(s)));
  free(req);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* A port on 127.0.0.1 where nothing listens: bound, never listening, so
 * a connect is refused. Close *fd afterwards. -1 on failure. */
static int refused_port(int *fd) {
  struct sockaddr_in sa;
  socklen_t len = sizeof(sa);

  *fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (*fd < 0)
    return -1;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(*fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
      getsockname(*fd, (struct sockaddr *)&sa, &len) != 0) {
    close(*fd);
    return -1;
  }
  return ntohs(sa.sin_port);
}

static ferry_off_t upload_length(ferry_easy *e) {
  ferry_off_t v = -2;
  if (ferry_easy_getinfo(e, FERRYINFO_CONTENT_LENGTH_UPLOAD_T, &v) != FERRYE_OK)
    return -3;
  return v;
}

/* CURLINFO_CONTENT_LENGTH_UPLOAD_T is -1 until a request is sent (none is
 * when the connection is refused), then the last request's body size: 0
 * for a GET, -1 for a chunked body.
 * CURLINFO_EFFECTIVE_URL keeps the fragment, and is "" with no URL. */
TEST_IMPL(libcurl_compat_getinfo_upload_length_and_effective_url) {
  static const ts_route routes[] = {
      {.prefix = "", .response = FX_OK_HELLO},
  };
  tserver *s = tserver_start();
  strsrc r = {"chunk", 5, 0};
  sink body = {0};
  ferry_easy *e;
  char *url = NULL, want[256];

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 1);
  e = ferry_easy_init();
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_EFFECTIVE_URL, &url), FERRYE_OK);
  ASSERT_STR_EQ(url, "");
  ASSERT_EQ(upload_length(e), -1);
  {
    char url[64];
    int fd, port = refused_port(&fd);
    ASSERT_GE(port, 1);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
    ferry_easy_setopt(e, FERRYOPT_URL, url);
    ASSERT_EQ(ferry_easy_perform(e), FERRYE_COULDNT_CONNECT);
    close(fd);
    ASSERT_EQ(upload_length(e), -1);
  }
  ferry_easy_cleanup(e);

  e = fx_easy(fx_url(s, "/a?b=1#frag"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_EFFECTIVE_URL, &url), FERRYE_OK);
  snprintf(want, sizeof(want), "http://127.0.0.1:%d/a?b=1#frag",
           tserver_port(s));
  ASSERT_STR_EQ(url, want);
  ASSERT_EQ(upload_length(e), 0);

  ferry_easy_setopt(e, FERRYOPT_POSTFIELDS, "abc");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(upload_length(e), 3);

  ferry_easy_setopt(e, FERRYOPT_POSTFIELDS, NULL);
  ferry_easy_setopt(e, FERRYOPT_POST, 1L);
  ferry_easy_setopt(e, FERRYOPT_READFUNCTION, strsrc_read);
  ferry_easy_setopt(e, FERRYOPT_READDATA, &r);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(upload_length(e), -1);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

static ferry_off_t download_length(ferry_easy *e) {
  ferry_off_t v = -2;
  if (ferry_easy_getinfo(e, FERRYINFO_CONTENT_LENGTH_DOWNLOAD_T, &v) !=
      FERRYE_OK)
    return -3;
  return v;
}

/* A 204 or a 304 has no body whatever its headers say: libcurl reports
 * CONTENT_LENGTH_DOWNLOAD_T 0 for them (-1 is "not known"). */
TEST_IMPL(libcurl_compat_no_content_and_not_modified_have_length_0) {
  static const ts_route routes[] = {
      {.prefix = "GET /204 ", .response = "HTTP/1.1 204 No Content\r\n\r\n"},
      {.prefix = "GET /304 ",
       .response = "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n"},
      {.prefix = "GET /200 ", .response = FX_OK_HELLO},
  };
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 3);
  e = fx_easy(fx_url(s, "/204"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(download_length(e), 0);
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/304"));
  /* a MAXFILESIZE below the 304's Content-Length is no matter either */
  ferry_easy_setopt(e, FERRYOPT_MAXFILESIZE, 10L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(download_length(e), 0);
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/200"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(download_length(e), 5);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(tserver_connections(s), 1);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* POSTFIELDS and COPYPOSTFIELDS set the body of a POST, but NOBODY still
 * makes the request a HEAD and UPLOAD a PUT from the read callback, as in
 * libcurl, which decides the method from those first. */
TEST_IMPL(libcurl_compat_postfields_leave_nobody_and_upload_in_force) {
  static const ts_route routes[] = {
      {.prefix = "HEAD /x ",
       .response = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"},
      {.prefix = "PUT /x ", .response = FX_OK_HELLO},
  };
  tserver *s = tserver_start();
  strsrc r = {"from-read", 9, 0};
  sink body = {0};
  ferry_easy *e;
  char want[512], *req;
  size_t len;

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 2);
  e = fx_easy(fx_url(s, "/x"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_NOBODY, 1L);
  ferry_easy_setopt(e, FERRYOPT_POSTFIELDS, "a=1");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(body.len, 0);
  req = tserver_request(s, 0, &len);
  ASSERT_NOT_NULL(req);
  ASSERT_MEM_EQ(req, len,
                fmt(want, sizeof(want),
                    "HEAD /x HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                    "Accept: */*\r\n\r\n",
                    tserver_port(s)));
  free(req);

  ferry_easy_setopt(e, FERRYOPT_UPLOAD, 1L);
  ferry_easy_setopt(e, FERRYOPT_READFUNCTION, strsrc_read);
  ferry_easy_setopt(e, FERRYOPT_READDATA, &r);
  ferry_easy_setopt(e, FERRYOPT_INFILESIZE, 9L);
  ferry_easy_setopt(e, FERRYOPT_COPYPOSTFIELDS, "b=2");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  req = tserver_request(s, 1, &len);
  ASSERT_NOT_NULL(req);
  ASSERT_MEM_EQ(req, len,
                fmt(want, sizeof(want),
                    "PUT /x HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                    "Accept: */*\r\nContent-Length: 9\r\n\r\nfrom-read",
                    tserver_port(s)));
  free(req);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* A Digest answer names the algorithm only when the challenge did, in the
 * challenge's own spelling, as libcurl does. */
TEST_IMPL(libcurl_compat_digest_names_the_algorithm_only_when_asked) {
  static const ts_route routes[] = {
      {.prefix = "GET /plain ", .contains = "\r\nAuthorization: Digest ",
       .response = FX_OK_HELLO},
      {.prefix = "GET /plain ",
       .response = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest "
                   "realm=\"r\", nonce=\"n1\"\r\nContent-Length: 0\r\n\r\n"},
      {.prefix = "GET /named ", .contains = "\r\nAuthorization: Digest ",
       .response = FX_OK_HELLO},
      {.prefix = "GET /named ",
       .response = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest "
                   "realm=\"r\", nonce=\"n2\", algorithm=md5\r\n"
                   "Content-Length: 0\r\n\r\n"},
  };
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  char *req;
  size_t len;

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 4);
  e = fx_easy(fx_url(s, "/plain"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_USERPWD, "user:pass");
  ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_DIGEST);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ferry_easy_cleanup(e);
  e = fx_easy(fx_url(s, "/named"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_USERPWD, "user:pass");
  ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_DIGEST);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ferry_easy_cleanup(e);
  ASSERT_MEM_EQ(body.data, body.len, "hellohello");
  ASSERT_EQ(tserver_requests(s), 4);
  /* no qop: the response is fixed by the credentials and the nonce,
   * MD5(MD5("user:r:pass") ":n1:" MD5("GET:/plain")) */
  req = tserver_request(s, 1, &len);
  ASSERT_NOT_NULL(req);
  ASSERT(strstr(req, "\r\nAuthorization: Digest username=\"user\", realm=\"r\", "
                     "nonce=\"n1\", uri=\"/plain\", "
                     "response=\"3a978d77b3ad32b16634fd4c26ba8256\"\r\n") != NULL);
  free(req);
  req = tserver_request(s, 3, &len);
  ASSERT_NOT_NULL(req);
  ASSERT(strstr(req, "\", algorithm=md5\r\n") != NULL);
  free(req);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* libcurl takes and sends Secure cookies over plain http on the loopback
 * names (localhost, 127.0.0.1, ::1): they count as secure origins. */
TEST_IMPL(libcurl_compat_secure_cookies_work_on_loopback_over_http) {
  static const ts_route routes[] = {
      {.prefix = "GET /set ",
       .response = "HTTP/1.1 200 OK\r\nSet-Cookie: sec=1; Secure\r\n"
                   "Set-Cookie: plain=2\r\nContent-Length: 0\r\n\r\n"},
      {.prefix = "GET /check ", .response = FX_OK_HELLO},
  };
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  char *req;
  size_t len;

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 2);
  e = fx_easy(fx_url(s, "/set"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_COOKIEFILE, "");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/check"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  req = tserver_request(s, 1, &len);
  ASSERT_NOT_NULL(req);
  /* libcurl's order: the longer name first */
  ASSERT(strstr(req, "\r\nCookie: plain=2; sec=1\r\n") != NULL);
  free(req);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

static long request_size(ferry_easy *e) {
  long v = -1;
  if (ferry_easy_getinfo(e, FERRYINFO_REQUEST_SIZE, &v) != FERRYE_OK)
    return -2;
  return v;
}

/* REQUEST_SIZE counts a small POSTFIELDS body with the head, as libcurl
 * counts the body it sends in the same write as the head. */
TEST_IMPL(libcurl_compat_request_size_counts_a_small_body_sent_with_the_head) {
  static const ts_route routes[] = {{.prefix = "", .response = FX_OK_HELLO}};
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  size_t len0, len1;
  char *req;

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 1);
  e = fx_easy(fx_url(s, "/"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  req = tserver_request(s, 0, &len0);
  free(req);
  ASSERT_EQ(request_size(e), (long)len0);
  ferry_easy_setopt(e, FERRYOPT_POSTFIELDS, "name=value");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  req = tserver_request(s, 1, &len1);
  ASSERT_NOT_NULL(req);
  ASSERT(len1 > 10 && memcmp(req + len1 - 10, "name=value", 10) == 0);
  free(req);
  ASSERT_EQ(request_size(e), (long)len1);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* libcurl reads "Set-Cookie:" header lines from a cookie file as well as
 * Netscape lines; COOKIESESSION skips the session cookies among them. */
TEST_IMPL(libcurl_compat_cookie_file_takes_set_cookie_lines) {
  static const ts_route routes[] = {{.prefix = "", .response = FX_OK_HELLO}};
  const char *tmp = getenv("TMPDIR");
  char path[512];
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  FILE *f;
  char *req;
  size_t len;
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 1);
  snprintf(path, sizeof(path), "%s/ferry-cookies-XXXXXX",
           tmp && *tmp ? tmp : "/tmp");
  fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  f = fdopen(fd, "w");
  ASSERT_NOT_NULL(f);
  fputs("127.0.0.1\tFALSE\t/\tFALSE\t0\tnetscape\t1\n"
        "Set-Cookie: header=2; Domain=127.0.0.1; Path=/\n"
        "set-cookie: kept=3; domain=127.0.0.1; Expires=Wed, 01 Jan 2070 "
        "00:00:00 GMT\n"
        "Set-Cookie: nodomain=4; Path=/\n",
        f);
  fclose(f);

  e = fx_easy(fx_url(s, "/"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_COOKIEFILE, path);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ferry_easy_cleanup(e);
  e = fx_easy(fx_url(s, "/"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_COOKIESESSION, 1L);
  ferry_easy_setopt(e, FERRYOPT_COOKIEFILE, path);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ferry_easy_cleanup(e);
  unlink(path);

  req = tserver_request(s, 0, &len);
  ASSERT_NOT_NULL(req);
  ASSERT(strstr(req, "\r\nCookie: netscape=1; header=2; kept=3\r\n") != NULL);
  free(req);
  req = tserver_request(s, 1, &len);
  ASSERT_NOT_NULL(req);
  ASSERT(strstr(req, "\r\nCookie: kept=3\r\n") != NULL);
  free(req);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* libcurl's Cookie header order (lib/cookie.c cookie_sort, 7.88 and 8.11
 * alike): the longer path first, then the longer domain, then the longer
 * name, then the newer cookie; a replaced cookie keeps its age. Its
 * COOKIEJAR file lists the cookies newest first (cookie_output). */
TEST_IMPL(libcurl_compat_cookie_header_and_jar_go_in_libcurls_order) {
  static const ts_route routes[] = {
      {.prefix = "GET /set ",
       .response = "HTTP/1.1 200 OK\r\n"
                   "Set-Cookie: aa=1; Path=/\r\n"
                   "Set-Cookie: b=2; Path=/\r\n"
                   "Set-Cookie: c=3; Path=/\r\n"
                   "Set-Cookie: d=4; Path=/deep\r\n"
                   "Set-Cookie: b=5; Path=/\r\n"
                   "Content-Length: 0\r\n\r\n"},
      {.prefix = "GET /deep/x ", .response = FX_OK_HELLO},
  };
  const char *tmp = getenv("TMPDIR");
  char path[512], text[1024];
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  FILE *f;
  char *req;
  size_t len, n;
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 2);
  snprintf(path, sizeof(path), "%s/ferry-jar-XXXXXX",
           tmp && *tmp ? tmp : "/tmp");
  fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  e = fx_easy(fx_url(s, "/set"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_COOKIEFILE, "");
  ferry_easy_setopt(e, FERRYOPT_COOKIEJAR, path);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/deep/x"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  req = tserver_request(s, 1, &len);
  ASSERT_NOT_NULL(req);
  /* d's path is longer; aa's name is longer; c is newer than b, which
   * kept the age of the b=2 it replaced */
  ASSERT(strstr(req, "\r\nCookie: d=4; aa=1; c=3; b=5\r\n") != NULL);
  free(req);
  ASSERT_EQ(ferry_easy_cleanup(e), FERRYE_OK);

  f = fopen(path, "r");
  ASSERT_NOT_NULL(f);
  n = fread(text, 1, sizeof(text) - 1, f);
  fclose(f);
  unlink(path);
  text[n] = '\0';
  /* the cookie lines, after the comment lines, newest first */
  ASSERT_NOT_NULL(strstr(text, "\n\n"));
  ASSERT_STR_EQ(strstr(text, "\n\n") + 2,
                "127.0.0.1\tFALSE\t/deep\tFALSE\t0\td\t4\n"
                "127.0.0.1\tFALSE\t/\tFALSE\t0\tc\t3\n"
                "127.0.0.1\tFALSE\t/\tFALSE\t0\tb\t5\n"
                "127.0.0.1\tFALSE\t/\tFALSE\t0\taa\t1\n");
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* A URL part, or "error N" when the get fails; in a static buffer. */
static const char *url_part(ferry_urlh *u, ferry_upart part, unsigned flags) {
  static char out[256];
  char *v = NULL;
  ferry_ucode rc = ferry_url_get(u, part, &v, flags);

  if (rc != FERRYUE_OK)
    snprintf(out, sizeof(out), "error %d", (int)rc);
  else
    snprintf(out, sizeof(out), "%s", v);
  ferry_free(v);
  return out;
}

/* ferry_url_set(URL) as libcurl 8.11's URL API (lib/urlapi.c parseurl):
 * its codes, the host's case kept, one to three slashes, the login up to
 * the first '@', spaces only with CURLU_ALLOW_SPACE, the schemes
 * CURLU_GUESS_SCHEME finds and libcurl's default ports, IPv4 and IPv6
 * hosts as libcurl reads them, and file: URLs. */
TEST_IMPL(libcurl_compat_url_api_parses_urls_as_libcurl_8_11) {
  static const struct {
    const char *url;
    unsigned flags;
    ferry_ucode code;
    const char *want;      /* the URL read back */
    const char *want_port; /* the port with CURLU_DEFAULT_PORT, or NULL */
  } cases[] = {
      /* the host keeps its case, decoded */
      {"HTTP://EXAMPLE.COM:80/A?B#C", 0, FERRYUE_OK,
       "http://EXAMPLE.COM:80/A?B#C", "80"},
      {"http://ex%41mple.com/", 0, FERRYUE_OK, "http://exAmple.com/", NULL},
      /* one to three slashes */
      {"http:/example.com/", 0, FERRYUE_OK, "http://example.com/", NULL},
      {"http:///x", 0, FERRYUE_OK, "http://x/", NULL},
      {"http:////x", 0, FERRYUE_BAD_SLASHES, NULL, NULL},
      {"http:example.com/", 0, FERRYUE_BAD_SLASHES, NULL, NULL},
      /* the login ends at the first '@' */
      {"http://a@b@example.com/", 0, FERRYUE_BAD_HOSTNAME, NULL, NULL},
      {"http://a:b:c@h/", 0, FERRYUE_OK, "http://a:b:c@h/", NULL},
      /* a space or a control byte anywhere */
      {"http://example.com/with space", 0, FERRYUE_MALFORMED_INPUT, NULL,
       NULL},
      {"http://example.com/?a=b c", 0, FERRYUE_MALFORMED_INPUT, NULL, NULL},
      {"http://exa mple.com/", 0, FERRYUE_MALFORMED_INPUT, NULL, NULL},
      {"http://example.com/\x7f", 0, FERRYUE_MALFORMED_INPUT, NULL, NULL},
      {"", 0, FERRYUE_MALFORMED_INPUT, NULL, NULL},
      {"http://h/a b?c d", FERRYU_URLENCODE, FERRYUE_MALFORMED_INPUT, NULL,
       NULL},
      {"http://h/a b?c d", FERRYU_ALLOW_SPACE, FERRYUE_OK,
       "http://h/a b?c d", NULL},
      {"http://h/a b?c d#e f", FERRYU_ALLOW_SPACE | FERRYU_URLENCODE,
       FERRYUE_OK, "http://h/a%20b?c+d#e%20f", NULL},
      {"http://exa mple.com/", FERRYU_ALLOW_SPACE, FERRYUE_BAD_HOSTNAME, NULL,
       NULL},
      /* guessed schemes, with libcurl's default ports */
      {"ftp.example.com/x", FERRYU_GUESS_SCHEME, FERRYUE_OK,
       "ftp://ftp.example.com/x", "21"},
      {"IMAP.example.com", FERRYU_GUESS_SCHEME, FERRYUE_OK,
       "imap://IMAP.example.com/", "143"},
      {"www.example.com", FERRYU_GUESS_SCHEME, FERRYUE_OK,
       "http://www.example.com/", "80"},
      {"ftp.example.com/x", FERRYU_GUESS_SCHEME | FERRYU_DEFAULT_SCHEME,
       FERRYUE_OK, "https://ftp.example.com/x", "443"},
      {"ws://h/", FERRYU_NON_SUPPORT_SCHEME, FERRYUE_OK, "ws://h/", "80"},
      {"pop3://u;o:p@h/", FERRYU_NON_SUPPORT_SCHEME, FERRYUE_OK,
       "pop3://u:p;o@h/", "110"},
      {"unknown://u;o@h/", FERRYU_NON_SUPPORT_SCHEME, FERRYUE_OK,
       "unknown://u;o@h/", "error 15"},
      /* IPv4: normalised when it is one, else a name */
      {"http://0x7f.1/", 0, FERRYUE_OK, "http://127.0.0.1/", NULL},
      {"http://256.1.1.1/", 0, FERRYUE_OK, "http://256.1.1.1/", NULL},
      {"http://08.1/", 0, FERRYUE_OK, "http://08.1/", NULL},
      {"http://ex~ample.com/", 0, FERRYUE_OK, "http://ex~ample.com/", NULL},
      {"http://ex%25ample.com/", 0, FERRYUE_BAD_HOSTNAME, NULL, NULL},
      /* IPv6: inet_ntop()'s form only when shorter than the one given */
      {"http://[FE80:0:0::1]/", 0, FERRYUE_OK, "http://[fe80::1]/", NULL},
      {"http://[FE80::1]/", 0, FERRYUE_OK, "http://[FE80::1]/", NULL},
      {"http://[fe80::1%eth0]/", 0, FERRYUE_OK, "http://[fe80::1%25eth0]/",
       NULL},
      {"http://[fe80::1%25abcdefghijklmnop]/", 0, FERRYUE_BAD_IPV6, NULL,
       NULL},
      /* file: a path, no host, no query in the URL */
      {"file:///etc/hosts", 0, FERRYUE_OK, "file:///etc/hosts", "0"},
      {"file://localhost/x?q#f", 0, FERRYUE_OK, "file:///x#f", NULL},
      {"file:/x", 0, FERRYUE_OK, "file:///x", NULL},
      {"file://host/x", 0, FERRYUE_BAD_FILE_URL, NULL, NULL},
      {"file:", 0, FERRYUE_BAD_FILE_URL, NULL, NULL},
  };
  ferry_urlh *u;

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ferry_ucode rc;
    const char *got;
    u = ferry_url();
    ASSERT_NOT_NULL(u);
    rc = ferry_url_set(u, FERRYUPART_URL, cases[i].url, cases[i].flags);
    if (rc != cases[i].code)
      TEST_FAIL_("\"%s\" (flags 0x%x) gave %d, want %d", cases[i].url,
                 cases[i].flags, (int)rc, (int)cases[i].code);
    if (cases[i].want != NULL) {
      got = url_part(u, FERRYUPART_URL, 0);
      if (strcmp(got, cases[i].want) != 0)
        TEST_FAIL_("\"%s\" (flags 0x%x) read back \"%s\", want \"%s\"",
                   cases[i].url, cases[i].flags, got, cases[i].want);
    }
    if (cases[i].want_port != NULL) {
      got = url_part(u, FERRYUPART_PORT, FERRYU_DEFAULT_PORT);
      if (strcmp(got, cases[i].want_port) != 0)
        TEST_FAIL_("\"%s\" (flags 0x%x) has the port \"%s\", want \"%s\"",
                   cases[i].url, cases[i].flags, got, cases[i].want_port);
    }
    ferry_url_cleanup(u);
  }

  /* the guessed scheme is the host's, and no scheme with the flag */
  u = ferry_url();
  ASSERT_NOT_NULL(u);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "ftp.example.com/x",
                          FERRYU_GUESS_SCHEME),
            FERRYUE_OK);
  ASSERT_STR_EQ(url_part(u, FERRYUPART_SCHEME, 0), "ftp");
  ASSERT_STR_EQ(url_part(u, FERRYUPART_PORT, FERRYU_DEFAULT_PORT), "21");
  ASSERT_STR_EQ(url_part(u, FERRYUPART_URL, FERRYU_NO_GUESS_SCHEME),
                "ftp.example.com/x");
  /* a scheme set must start with a letter, even with NON_SUPPORT_SCHEME */
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_SCHEME, "1bad",
                          FERRYU_NON_SUPPORT_SCHEME),
            FERRYUE_BAD_SCHEME);
  /* ALLOW_SPACE keeps the spaces; decoding a query turns '+' to a space */
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "http://h/a b?c d+e",
                          FERRYU_ALLOW_SPACE),
            FERRYUE_OK);
  ASSERT_STR_EQ(url_part(u, FERRYUPART_PATH, 0), "/a b");
  ASSERT_STR_EQ(url_part(u, FERRYUPART_QUERY, FERRYU_URLDECODE), "c d e");
  /* NO_AUTHORITY: an empty host */
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "http:///x",
                          FERRYU_NO_AUTHORITY),
            FERRYUE_OK);
  ASSERT_STR_EQ(url_part(u, FERRYUPART_HOST, 0), "x");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "https://", FERRYU_NO_AUTHORITY),
            FERRYUE_OK);
  ASSERT_STR_EQ(url_part(u, FERRYUPART_HOST, 0), "");
  ASSERT_STR_EQ(url_part(u, FERRYUPART_URL, 0), "https:///");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "https://", 0), FERRYUE_NO_HOST);
  /* a host set is checked decoded, and kept as given */
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "http://h/p", 0), FERRYUE_OK);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_HOST, "Ex%41mple", 0), FERRYUE_OK);
  ASSERT_STR_EQ(url_part(u, FERRYUPART_URL, 0), "http://Ex%41mple/p");
  ASSERT_STR_EQ(url_part(u, FERRYUPART_HOST, FERRYU_URLDECODE), "ExAmple");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_HOST, "[0:0::1]", 0), FERRYUE_OK);
  ASSERT_STR_EQ(url_part(u, FERRYUPART_URL, 0), "http://[0:0::1]/p");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_HOST, "a@b", 0), FERRYUE_BAD_HOSTNAME);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_HOST, "a%2fb", 0),
            FERRYUE_BAD_HOSTNAME);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_HOST, "[::zz]", 0),
            FERRYUE_BAD_HOSTNAME);
  ASSERT_STR_EQ(url_part(u, FERRYUPART_URL, 0), "http://[0:0::1]/p");
  ferry_url_cleanup(u);
  return 0;
}

/* ---- redirects and authentication across requests -------------------- */

static long info_l(ferry_easy *e, ferry_info what) {
  long v = -1;
  return ferry_easy_getinfo(e, what, &v) == FERRYE_OK ? v : -2;
}

static ferry_off_t info_o(ferry_easy *e, ferry_info what) {
  ferry_off_t v = -1;
  return ferry_easy_getinfo(e, what, &v) == FERRYE_OK ? v : -2;
}

static const char *info_s(ferry_easy *e, ferry_info what) {
  char *v = NULL;
  if (ferry_easy_getinfo(e, what, &v) != FERRYE_OK)
    return "(getinfo failed)";
  return v ? v : "(null)";
}

/* The idx-th request the server framed, compared whole. */
#define ASSERT_REQUEST(s, idx, want)                                          \
  do {                                                                        \
    size_t rl_;                                                               \
    char *rq_ = tserver_request((s), (idx), &rl_);                            \
    ASSERT_NOT_NULL(rq_);                                                     \
    ASSERT_MEM_EQ(rq_, rl_, (want));                                          \
    free(rq_);                                                                \
  } while (0)

/* Does the idx-th request contain needle? */
static int request_has(tserver *s, unsigned idx, const char *needle) {
  size_t len;
  char *req = tserver_request(s, idx, &len);
  int has = req != NULL && strstr(req, needle) != NULL;
  free(req);
  return has;
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

/* The response of a Digest answer without qop (RFC 2069). */
static const char *digest_2069(const char *user, const char *realm,
                               const char *pass, const char *method,
                               const char *uri, const char *nonce) {
  static char out[33];
  char line[512], ha1[33], ha2[33];
  snprintf(line, sizeof(line), "%s:%s:%s", user, realm, pass);
  md5_hex(line, ha1);
  snprintf(line, sizeof(line), "%s:%s", method, uri);
  md5_hex(line, ha2);
  snprintf(line, sizeof(line), "%s:%s:%s", ha1, nonce, ha2);
  md5_hex(line, out);
  return out;
}

#define MOVED_LOOP                                                            \
  "HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 5\r\n\r\nmoved"

/* Stopped by MAXREDIRS, libcurl has read the last 3xx whole: its body is
 * counted in SIZE_DOWNLOAD but never written, REDIRECT_URL says where it
 * led, the connection carries the next transfer. A 3xx that closes its
 * connection is not read at all (SIZE_DOWNLOAD 0). */
TEST_IMPL(libcurl_compat_maxredirs_counts_the_last_redirect_body) {
  static const ts_route routes[] = {
      {.prefix = "GET /loop ", .response = MOVED_LOOP},
      {.prefix = "GET /closing ",
       .response = "HTTP/1.1 302 Found\r\nLocation: /loop\r\n"
                   "Connection: close\r\nContent-Length: 5\r\n\r\nmoved"},
  };
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  char want[128];

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 2);
  e = fx_easy(fx_url(s, "/loop"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L);
  ferry_easy_setopt(e, FERRYOPT_MAXREDIRS, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_TOO_MANY_REDIRECTS);
  ASSERT_EQ(body.calls, 0);
  ASSERT_EQ(info_o(e, FERRYINFO_SIZE_DOWNLOAD_T), 5);
  ASSERT_EQ(info_o(e, FERRYINFO_CONTENT_LENGTH_DOWNLOAD_T), 5);
  ASSERT_EQ(info_l(e, FERRYINFO_RESPONSE_CODE), 302);
  ASSERT_EQ(info_l(e, FERRYINFO_REDIRECT_COUNT), 1);
  ASSERT_STR_EQ(info_s(e, FERRYINFO_REDIRECT_URL),
                fmt(want, sizeof(want), "http://127.0.0.1:%d/loop",
                    tserver_port(s)));
  ferry_easy_setopt(e, FERRYOPT_MAXREDIRS, 0L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_TOO_MANY_REDIRECTS);
  ASSERT_EQ(info_l(e, FERRYINFO_NUM_CONNECTS), 0);
  ASSERT_EQ(info_o(e, FERRYINFO_SIZE_DOWNLOAD_T), 5);
  ASSERT_EQ(tserver_connections(s), 1);
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/closing"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_TOO_MANY_REDIRECTS);
  ASSERT_EQ(info_o(e, FERRYINFO_SIZE_DOWNLOAD_T), 0);
  ASSERT_EQ(info_o(e, FERRYINFO_CONTENT_LENGTH_DOWNLOAD_T), 5);
  ASSERT_EQ(body.calls, 0);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* A Location that cannot be followed fails the transfer only once the
 * response is in, as in libcurl: its body read (counted, not written),
 * the redirect counted, the response's info kept, the connection reused.
 * Not followed, or stopped by MAXREDIRS, REDIRECT_URL is the Location as
 * it came. */
TEST_IMPL(libcurl_compat_unfollowable_location_ends_after_the_response) {
  static const ts_route routes[] = {
      {.prefix = "GET /badport ",
       .response = "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:99999/x\r\n"
                   "Content-Length: 3\r\n\r\nabc"},
      {.prefix = "GET /nosuch ",
       .response = "HTTP/1.1 302 Found\r\nLocation: nosuch://h/x\r\n"
                   "Content-Length: 3\r\n\r\nabc"},
      {.prefix = "GET /ok ", .response = FX_OK_HELLO},
  };
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 3);
  e = fx_easy(fx_url(s, "/badport"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_URL_MALFORMAT);
  ASSERT_EQ(body.calls, 0);
  ASSERT_EQ(info_l(e, FERRYINFO_RESPONSE_CODE), 302);
  ASSERT_EQ(info_l(e, FERRYINFO_HTTP_VERSION), FERRY_HTTP_VERSION_1_1);
  ASSERT_EQ(info_l(e, FERRYINFO_REDIRECT_COUNT), 1);
  ASSERT_STR_EQ(info_s(e, FERRYINFO_REDIRECT_URL), "(null)");
  ASSERT_EQ(info_o(e, FERRYINFO_CONTENT_LENGTH_DOWNLOAD_T), 3);
  ASSERT_EQ(info_o(e, FERRYINFO_SIZE_DOWNLOAD_T), 3);
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/nosuch"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_UNSUPPORTED_PROTOCOL);
  ASSERT_EQ(info_l(e, FERRYINFO_REDIRECT_COUNT), 1);
  ASSERT_EQ(info_o(e, FERRYINFO_SIZE_DOWNLOAD_T), 3);
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/ok"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(tserver_connections(s), 1);

  /* stopped by MAXREDIRS first: where it would have led, as it came */
  ferry_easy_setopt(e, FERRYOPT_MAXREDIRS, 0L);
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/badport"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_TOO_MANY_REDIRECTS);
  ASSERT_EQ(info_l(e, FERRYINFO_REDIRECT_COUNT), 0);
  ASSERT_STR_EQ(info_s(e, FERRYINFO_REDIRECT_URL), "http://127.0.0.1:99999/x");
  /* not followed: just a response */
  body.len = 0;
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 0L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "abc");
  ASSERT_STR_EQ(info_s(e, FERRYINFO_REDIRECT_URL), "http://127.0.0.1:99999/x");
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/nosuch"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_STR_EQ(info_s(e, FERRYINFO_REDIRECT_URL), "nosuch://h/x");
  ASSERT_EQ(tserver_connections(s), 1);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* With FOLLOWLOCATION libcurl follows any 3xx that has a Location (300
 * and 304 too), the first Location of several, with the spaces and bytes
 * above 127 of its path and query encoded ("%20" before the query, "+" in
 * it, "%xx"). */
TEST_IMPL(libcurl_compat_any_3xx_location_is_followed_and_encoded) {
  static const ts_route routes[] = {
      {.prefix = "GET /300 ",
       .response = "HTTP/1.1 300 Multiple Choices\r\nLocation: /ok?first\r\n"
                   "Location: /ok?second\r\nContent-Length: 0\r\n\r\n"},
      {.prefix = "GET /304 ",
       .response = "HTTP/1.1 304 Not Modified\r\nLocation: /ok\r\n\r\n"},
      {.prefix = "GET /spaced ",
       .response = "HTTP/1.1 302 Found\r\nLocation: /a b?c d\xc3\xa9\r\n"
                   "Content-Length: 0\r\n\r\n"},
      {.prefix = "GET /ok", .response = FX_OK_HELLO},
      {.prefix = "GET /a%20b?c+d%c3%a9 ", .response = FX_OK_HELLO},
  };
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  char want[256];

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 5);
  e = fx_easy(fx_url(s, "/300"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(info_l(e, FERRYINFO_REDIRECT_COUNT), 1);
  ASSERT_STR_EQ(info_s(e, FERRYINFO_EFFECTIVE_URL),
                fmt(want, sizeof(want), "http://127.0.0.1:%d/ok?first",
                    tserver_port(s)));
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/304"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(info_l(e, FERRYINFO_RESPONSE_CODE), 200);
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/spaced"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(info_l(e, FERRYINFO_RESPONSE_CODE), 200);
  ASSERT(request_has(s, 5, "GET /a%20b?c+d%c3%a9 HTTP/1.1\r\n"));
  ASSERT_MEM_EQ(body.data, body.len, "hellohellohello");
  /* not followed, REDIRECT_URL is encoded the same way */
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 0L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_STR_EQ(info_s(e, FERRYINFO_REDIRECT_URL),
                fmt(want, sizeof(want),
                    "http://127.0.0.1:%d/a%%20b?c+d%%c3%%a9", tserver_port(s)));
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

#define UNAUTHORIZED(challenge)                                                \
  "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: " challenge "\r\n"           \
  "Content-Length: 4\r\n\r\nauth"
#define OK_2 "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

/* libcurl counts a request made again with credentials after a 401 as a
 * redirect: in REDIRECT_COUNT, against MAXREDIRS (REDIRECT_URL is then the
 * URL itself, the 401's body counted, not written), and with AUTOREFERER
 * a Referer of the URL itself. */
TEST_IMPL(libcurl_compat_auth_retry_counts_as_a_redirect) {
  static const ts_route routes[] = {
      {.prefix = "GET /basic ", .contains = "\r\nAuthorization: Basic ",
       .response = OK_2},
      {.prefix = "GET /basic ", .response = UNAUTHORIZED("Basic realm=\"r\"")},
      {.prefix = "GET /digest ", .contains = "\r\nAuthorization: Digest ",
       .response = OK_2},
      {.prefix = "GET /digest ",
       .response = UNAUTHORIZED("Digest realm=\"r\", nonce=\"n\"")},
      {.prefix = "GET /to-digest ",
       .response = "HTTP/1.1 302 Found\r\nLocation: /digest\r\n"
                   "Content-Length: 0\r\n\r\n"},
  };
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  char want[1024];
  int port;

  ASSERT_NOT_NULL(s);
  port = tserver_port(s);
  tserver_routes(s, routes, 5);
  /* Basic, among the methods HTTPAUTH ANY allows */
  e = fx_easy(fx_url(s, "/basic"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_USERPWD, "u:p");
  ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_ANY);
  ferry_easy_setopt(e, FERRYOPT_AUTOREFERER, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "ok");
  ASSERT_EQ(info_l(e, FERRYINFO_REDIRECT_COUNT), 1);
  snprintf(want, sizeof(want),
           "GET /basic HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
           "Authorization: Basic dTpw\r\nAccept: */*\r\n"
           "Referer: http://127.0.0.1:%d/basic\r\n\r\n",
           port, port);
  ASSERT_REQUEST(s, 1, want);
  ferry_easy_cleanup(e);

  /* Digest, after a redirect: two */
  body.len = 0;
  e = fx_easy(fx_url(s, "/to-digest"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_USERPWD, "u:p");
  ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_DIGEST);
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "ok");
  ASSERT_EQ(info_l(e, FERRYINFO_REDIRECT_COUNT), 2);
  ASSERT_EQ(tserver_requests(s), 5);
  ferry_easy_cleanup(e);

  /* MAXREDIRS 0 stops it */
  body.len = 0;
  body.calls = 0;
  e = fx_easy(fx_url(s, "/digest"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_USERPWD, "u:p");
  ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_DIGEST);
  ferry_easy_setopt(e, FERRYOPT_MAXREDIRS, 0L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_TOO_MANY_REDIRECTS);
  ASSERT_EQ(body.calls, 0);
  ASSERT_EQ(info_l(e, FERRYINFO_RESPONSE_CODE), 401);
  ASSERT_EQ(info_l(e, FERRYINFO_REDIRECT_COUNT), 0);
  ASSERT_EQ(info_o(e, FERRYINFO_SIZE_DOWNLOAD_T), 4);
  ASSERT_STR_EQ(info_s(e, FERRYINFO_REDIRECT_URL),
                fmt(want, sizeof(want), "http://127.0.0.1:%d/digest", port));
  ASSERT_EQ(tserver_requests(s), 6);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* The method picked and the Digest challenge stay on the handle, as in
 * libcurl: its next transfer (and a redirect within one) answers at once,
 * the Digest nonce counted on; ferry_easy_reset forgets them, and a
 * duphandle copy starts without them. */
TEST_IMPL(libcurl_compat_auth_state_stays_on_the_handle_until_reset) {
  static const ts_route routes[] = {
      {.prefix = "GET /basic ", .contains = "\r\nAuthorization: Basic ",
       .response = OK_2},
      {.prefix = "GET /basic ", .response = UNAUTHORIZED("Basic realm=\"r\"")},
      {.prefix = "GET /d", .contains = "\r\nAuthorization: Digest ",
       .response = OK_2},
      {.prefix = "GET /d",
       .response = UNAUTHORIZED("Digest realm=\"r\", qop=\"auth\", "
                                "nonce=\"n1\"")},
      {.prefix = "GET /to-d2 ",
       .response = "HTTP/1.1 302 Found\r\nLocation: /d2\r\n"
                   "Content-Length: 0\r\n\r\n"},
  };
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e, *dup;

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 5);
  e = fx_easy(fx_url(s, "/basic"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_USERPWD, "u:p");
  ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_ANY);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_requests(s), 2);
  /* Basic was picked: the next transfer sends it at once */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_requests(s), 3);
  ASSERT(request_has(s, 2, "\r\nAuthorization: Basic dTpw\r\n"));
  ASSERT_EQ(info_l(e, FERRYINFO_REDIRECT_COUNT), 0);

  /* a pick HTTPAUTH no longer allows is dropped: Digest alone asks first */
  ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_DIGEST);
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/d1"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_requests(s), 5);
  ASSERT(!request_has(s, 3, "Authorization"));
  ASSERT(request_has(s, 4, "uri=\"/d1\", cnonce=\""));
  ASSERT(request_has(s, 4, "\", nc=00000001, qop=auth, response=\""));
  /* the nonce is counted on, on the next transfer and its redirect */
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/to-d2"));
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_requests(s), 7);
  ASSERT(request_has(s, 5, "GET /to-d2 HTTP/1.1\r\n"));
  ASSERT(request_has(s, 5, "uri=\"/to-d2\", cnonce=\""));
  ASSERT(request_has(s, 5, "\", nc=00000002, qop=auth, response=\""));
  ASSERT(request_has(s, 6, "uri=\"/d2\", cnonce=\""));
  ASSERT(request_has(s, 6, "\", nc=00000003, qop=auth, response=\""));
  ASSERT_EQ(info_l(e, FERRYINFO_REDIRECT_COUNT), 1);

  /* a copy starts without what the handle learnt */
  dup = ferry_easy_duphandle(e);
  ASSERT_NOT_NULL(dup);
  ferry_easy_setopt(dup, FERRYOPT_URL, fx_url(s, "/d3"));
  ASSERT_EQ(ferry_easy_perform(dup), FERRYE_OK);
  ASSERT_EQ(tserver_requests(s), 9);
  ASSERT(!request_has(s, 7, "Authorization"));
  ASSERT(request_has(s, 8, "\", nc=00000001, qop=auth, response=\""));
  ferry_easy_cleanup(dup);

  /* reset forgets it */
  ferry_easy_reset(e);
  ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, sink_write);
  ferry_easy_setopt(e, FERRYOPT_WRITEDATA, &body);
  ferry_easy_setopt(e, FERRYOPT_USERPWD, "u:p");
  ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_DIGEST);
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/d4"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_requests(s), 11);
  ASSERT(!request_has(s, 9, "Authorization"));
  ASSERT(request_has(s, 10, "\", nc=00000001, qop=auth, response=\""));
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* Answered before, a Digest nonce the server replaces without saying
 * stale=true means the credentials were refused: libcurl asks no more
 * (the 401 is the answer), and the handle keeps the new challenge for its
 * next transfer. With stale=true it asks again with the new nonce. */
TEST_IMPL(libcurl_compat_digest_new_nonce_without_stale_ends_the_asking) {
  /* a server that hands out a new nonce each time */
  static const ts_route routes[] = {
      {.prefix = "GET /x ", .contains = "nonce=\"a\"",
       .response = UNAUTHORIZED("Digest realm=\"r\", nonce=\"b\"")},
      {.prefix = "GET /x ", .contains = "nonce=\"b\"", .response = OK_2},
      {.prefix = "GET /x ",
       .response = UNAUTHORIZED("Digest realm=\"r\", nonce=\"a\"")},
      {.prefix = "GET /y ", .contains = "nonce=\"b\"",
       .response = UNAUTHORIZED("Digest realm=\"r\", nonce=\"c\", "
                                "stale=true")},
      {.prefix = "GET /y ", .contains = "nonce=\"c\"", .response = OK_2},
      {.prefix = "GET /z ", .contains = "nonce=\"c\"",
       .response = UNAUTHORIZED("Digest realm=\"r\", nonce=\"d\", "
                                "stale=true")},
      {.prefix = "GET /z ", .contains = "nonce=\"d\"", .response = OK_2},
  };
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  char want[1024];

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 7);
  e = fx_easy(fx_url(s, "/x"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_USERPWD, "u:p");
  ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_DIGEST);
  /* no credentials, then nonce a refused with b: the 401 is the answer */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(info_l(e, FERRYINFO_RESPONSE_CODE), 401);
  ASSERT_MEM_EQ(body.data, body.len, "auth");
  ASSERT_EQ(info_l(e, FERRYINFO_REDIRECT_COUNT), 1);
  ASSERT_EQ(tserver_requests(s), 2);
  /* the next transfer answers b at once */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(info_l(e, FERRYINFO_RESPONSE_CODE), 200);
  ASSERT_EQ(info_l(e, FERRYINFO_REDIRECT_COUNT), 0);
  ASSERT_EQ(tserver_requests(s), 3);
  snprintf(want, sizeof(want),
           "GET /x HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
           "Authorization: Digest username=\"u\", realm=\"r\", nonce=\"b\", "
           "uri=\"/x\", response=\"%s\"\r\nAccept: */*\r\n\r\n",
           tserver_port(s), digest_2069("u", "r", "p", "GET", "/x", "b"));
  ASSERT_REQUEST(s, 2, want);
  /* stale: asked again with the new nonce. As in libcurl, the Digest
   * offer the refused challenge left on the handle makes this 401's
   * challenge a second one, ignored: b goes once more (counted), then
   * the next 401 brings c in. */
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/y"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(info_l(e, FERRYINFO_RESPONSE_CODE), 200);
  ASSERT_EQ(info_l(e, FERRYINFO_REDIRECT_COUNT), 2);
  ASSERT_EQ(tserver_requests(s), 6);
  ASSERT(request_has(s, 3, "nonce=\"b\", uri=\"/y\""));
  ASSERT(request_has(s, 4, "nonce=\"b\", uri=\"/y\""));
  ASSERT(request_has(s, 5, "nonce=\"c\", uri=\"/y\""));
  /* and the next stale challenge is taken at once */
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/z"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(info_l(e, FERRYINFO_REDIRECT_COUNT), 1);
  ASSERT_EQ(tserver_requests(s), 8);
  ASSERT(request_has(s, 7, "nonce=\"d\", uri=\"/z\""));
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* A read callback that counts its calls, with a seek callback that
 * counts rewinds. */
typedef struct countsrc {
  strsrc src;
  unsigned reads, seeks;
} countsrc;

static size_t countsrc_read(char *buf, size_t size, size_t n, void *ud) {
  countsrc *c = ud;
  c->reads++;
  return strsrc_read(buf, size, n, &c->src);
}

static int countsrc_seek(void *ud, ferry_off_t off, int origin) {
  countsrc *c = ud;
  (void)origin;
  c->seeks++;
  c->src.off = (size_t)off;
  return FERRY_SEEKFUNC_OK;
}

/* With Digest alone and no challenge yet, libcurl sends a request that has
 * a body as a probe (its "authneg"): "Content-Length: 0" in place of the
 * user's own, POSTFIELDS' Content-Type but not a form's, nothing read from
 * the body's source; the body goes with the credentials. HTTPAUTH ANY
 * sends the body at once, and twice. A 2xx to the probe has the body sent
 * then, without credentials. */
TEST_IMPL(libcurl_compat_digest_body_waits_behind_an_empty_probe) {
  static const ts_route routes[] = {
      {.prefix = "POST /d ", .contains = "\r\nAuthorization: Digest ",
       .response = OK_2},
      {.prefix = "POST /d ",
       .response = UNAUTHORIZED("Digest realm=\"r\", nonce=\"n\"")},
      {.prefix = "PUT /d ", .contains = "\r\nAuthorization: Digest ",
       .response = OK_2},
      {.prefix = "PUT /d ",
       .response = UNAUTHORIZED("Digest realm=\"r\", nonce=\"n\"")},
      {.prefix = "POST /open ", .response = OK_2},
  };
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  countsrc c;
  ferry_mime *mime;
  ferry_slist *h;
  char want[2048];
  int port;
  unsigned n;

  ASSERT_NOT_NULL(s);
  port = tserver_port(s);
  tserver_routes(s, routes, 5);

  /* POSTFIELDS */
  e = fx_easy(fx_url(s, "/d"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_USERPWD, "u:p");
  ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_DIGEST);
  ferry_easy_setopt(e, FERRYOPT_POSTFIELDS, "body=1");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "ok");
  ASSERT_EQ(info_l(e, FERRYINFO_REDIRECT_COUNT), 1);
  ASSERT_REQUEST(s, 0,
                 fmt(want, sizeof(want),
                     "POST /d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "Accept: */*\r\nContent-Length: 0\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n\r\n",
                     port));
  snprintf(want, sizeof(want),
           "POST /d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
           "Authorization: Digest username=\"u\", realm=\"r\", nonce=\"n\", "
           "uri=\"/d\", response=\"%s\"\r\nAccept: */*\r\nContent-Length: 6\r\n"
           "Content-Type: application/x-www-form-urlencoded\r\n\r\nbody=1",
           port, digest_2069("u", "r", "p", "POST", "/d", "n"));
  ASSERT_REQUEST(s, 1, want);
  ferry_easy_cleanup(e);

  /* a read callback, the user's own Content-Length */
  memset(&c, 0, sizeof(c));
  c.src.data = "12345";
  c.src.len = 5;
  e = fx_easy(fx_url(s, "/d"), &body, NULL);
  ASSERT_NOT_NULL(e);
  h = ferry_slist_append(NULL, "Content-Length: 5");
  ASSERT_NOT_NULL(h);
  ferry_easy_setopt(e, FERRYOPT_USERPWD, "u:p");
  ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_DIGEST);
  ferry_easy_setopt(e, FERRYOPT_POST, 1L);
  ferry_easy_setopt(e, FERRYOPT_POSTFIELDSIZE, 5L);
  ferry_easy_setopt(e, FERRYOPT_READFUNCTION, countsrc_read);
  ferry_easy_setopt(e, FERRYOPT_READDATA, &c);
  ferry_easy_setopt(e, FERRYOPT_SEEKFUNCTION, countsrc_seek);
  ferry_easy_setopt(e, FERRYOPT_SEEKDATA, &c);
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, h);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(c.seeks, 0); /* nothing was read for the probe */
  ASSERT_EQ(c.src.off, 5);
  ASSERT_REQUEST(s, 2,
                 fmt(want, sizeof(want),
                     "POST /d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "Accept: */*\r\nContent-Length: 0\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n\r\n",
                     port));
  ASSERT(request_has(s, 3, "\r\nContent-Length: 5\r\nContent-Type: "
                           "application/x-www-form-urlencoded\r\n\r\n12345"));
  ferry_easy_cleanup(e);
  ferry_slist_free_all(h);

  /* a form: no type in the probe, the user's included */
  e = fx_easy(fx_url(s, "/d"), &body, NULL);
  ASSERT_NOT_NULL(e);
  mime = ferry_mime_init(e);
  ASSERT_NOT_NULL(mime);
  ASSERT_EQ(ferry_mime_name(ferry_mime_addpart(mime), "f"), FERRYE_OK);
  h = ferry_slist_append(NULL, "Content-Type: multipart/form-data; x=1");
  ferry_easy_setopt(e, FERRYOPT_USERPWD, "u:p");
  ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_DIGEST);
  ferry_easy_setopt(e, FERRYOPT_MIMEPOST, mime);
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, h);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQUEST(s, 4,
                 fmt(want, sizeof(want),
                     "POST /d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "Accept: */*\r\nContent-Length: 0\r\n\r\n",
                     port));
  ASSERT(request_has(s, 5, "\r\nContent-Type: multipart/form-data; x=1; "
                           "boundary="));
  ferry_easy_cleanup(e);
  ferry_mime_free(mime);
  ferry_slist_free_all(h);

  /* a PUT */
  memset(&c, 0, sizeof(c));
  c.src.data = "12345";
  c.src.len = 5;
  e = fx_easy(fx_url(s, "/d"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_USERPWD, "u:p");
  ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_DIGEST);
  ferry_easy_setopt(e, FERRYOPT_UPLOAD, 1L);
  ferry_easy_setopt(e, FERRYOPT_INFILESIZE, 5L);
  ferry_easy_setopt(e, FERRYOPT_READFUNCTION, countsrc_read);
  ferry_easy_setopt(e, FERRYOPT_READDATA, &c);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQUEST(s, 6,
                 fmt(want, sizeof(want),
                     "PUT /d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "Accept: */*\r\nContent-Length: 0\r\n\r\n",
                     port));
  ASSERT(request_has(s, 7, "\r\nContent-Length: 5\r\n\r\n12345"));
  ferry_easy_cleanup(e);

  /* HTTPAUTH ANY: no probe, the body twice */
  e = fx_easy(fx_url(s, "/d"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_USERPWD, "u:p");
  ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_ANY);
  ferry_easy_setopt(e, FERRYOPT_POSTFIELDS, "body=1");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_requests(s), 10);
  ASSERT(request_has(s, 8, "\r\nContent-Length: 6\r\n"));
  ASSERT(request_has(s, 8, "\r\n\r\nbody=1"));
  ASSERT(request_has(s, 9, "\r\n\r\nbody=1"));
  ferry_easy_cleanup(e);

  /* a 2xx to the probe: the body goes, without credentials, and the next
   * transfer probes again */
  body.len = 0;
  e = fx_easy(fx_url(s, "/open"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_USERPWD, "u:p");
  ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_DIGEST);
  ferry_easy_setopt(e, FERRYOPT_POSTFIELDS, "body=1");
  for (n = 0; n < 2; n++) {
    ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
    ASSERT_EQ(info_l(e, FERRYINFO_REDIRECT_COUNT), 1);
    ASSERT(request_has(s, 10 + 2 * n, "\r\nContent-Length: 0\r\n"));
    ASSERT_REQUEST(
        s, 11 + 2 * n,
        fmt(want, sizeof(want),
            "POST /open HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
            "Accept: */*\r\nContent-Length: 6\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n\r\nbody=1",
            port));
  }
  ASSERT_MEM_EQ(body.data, body.len, "okok");
  ASSERT_EQ(tserver_connections(s), 6);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

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

/* ---- how a transfer reads its URLs (test/diff/urls.c) ------------------ */

/* A CONNECT_TO list sending every host and port to s. */
static ferry_slist *to_server(tserver *s) {
  char entry[64];
  snprintf(entry, sizeof(entry), "::127.0.0.1:%d", tserver_port(s));
  return ferry_slist_append(NULL, entry);
}

/* A GET of url on e; returns the result, *req the next request s saw
 * (NULL if none; free it), *eff a copy of the effective URL (free it). */
static ferry_code url_get(ferry_easy *e, tserver *s, const char *url,
                          char **req, char **eff) {
  unsigned before = tserver_requests(s);
  const char *u = NULL;
  ferry_code rc;
  size_t len;

  ferry_easy_setopt(e, FERRYOPT_URL, url);
  rc = ferry_easy_perform(e);
  *req = tserver_requests(s) > before ? tserver_request(s, before, &len)
                                      : NULL;
  ferry_easy_getinfo(e, FERRYINFO_EFFECTIVE_URL, &u);
  *eff = strdup(u ? u : "(null)");
  return rc;
}

/* What url makes of the request line and Host: on a fresh handle sent to
 * s: compared with want_req (NULL: no request, want the code) and
 * want_eff. */
static int expect_url(tserver *s, const char *url, long path_as_is,
                      ferry_code want_rc, const char *want_req,
                      const char *want_eff) {
  ferry_slist *to = to_server(s);
  sink body = {0};
  ferry_easy *e = fx_easy(url, &body, NULL);
  char *req, *eff;
  ferry_code rc;
  int bad = 0;

  ferry_easy_setopt(e, FERRYOPT_CONNECT_TO, to);
  ferry_easy_setopt(e, FERRYOPT_PATH_AS_IS, path_as_is);
  rc = url_get(e, s, url, &req, &eff);
  if (rc != want_rc) {
    fprintf(stderr, "  %s: result %d, want %d\n", url, (int)rc, (int)want_rc);
    bad = 1;
  }
  if (want_req == NULL ? req != NULL
                       : req == NULL || strcmp(req, want_req) != 0) {
    fprintf(stderr, "  %s: request \"%s\", want \"%s\"\n", url,
            req ? req : "(none)", want_req ? want_req : "(none)");
    bad = 1;
  }
  if (strcmp(eff, want_eff) != 0) {
    fprintf(stderr, "  %s: effective URL \"%s\", want \"%s\"\n", url, eff,
            want_eff);
    bad = 1;
  }
  free(req);
  free(eff);
  ferry_easy_cleanup(e);
  ferry_slist_free_all(to);
  sink_free(&body);
  return bad;
}

#define GET_(path, host) "GET " path " HTTP/1.1\r\nHost: " host "\r\nAccept: */*\r\n\r\n"

/* libcurl sends the host as the URL writes it (Host:, the effective URL),
 * decoded and with IPv4 forms normalised; takes one to three slashes
 * after "scheme:"; ends the login at the first '@'; keeps an explicit
 * port in the effective URL; sends the path with its bytes above 0x7f
 * encoded, no '?' for an empty query (libcurl 8), dot segments removed
 * unless PATH_AS_IS; and reads "256.1.1.1" or "1.2.3.4." as names. */
TEST_IMPL(libcurl_compat_transfer_urls_read_as_libcurl) {
  static const ts_route routes[] = {{.prefix = "", .response = FX_OK_HELLO}};
  static const struct {
    const char *url;
    long path_as_is;
    ferry_code rc;
    const char *req, *eff;
  } cases[] = {
      {"http://MiXeD.Example/case", 0, FERRYE_OK,
       GET_("/case", "MiXeD.Example"), "http://MiXeD.Example/case"},
      {"HTTP://%4DiXeD.Example:8080/x", 0, FERRYE_OK,
       GET_("/x", "MiXeD.Example:8080"), "http://MiXeD.Example:8080/x"},
      {"MiXeD.Example/guessed", 0, FERRYE_OK,
       GET_("/guessed", "MiXeD.Example"), "http://MiXeD.Example/guessed"},
      {"http:/h.example/one", 0, FERRYE_OK, GET_("/one", "h.example"),
       "http://h.example/one"},
      {"http:///h.example/three", 0, FERRYE_OK, GET_("/three", "h.example"),
       "http://h.example/three"},
      {"http:////h.example/four", 0, FERRYE_URL_MALFORMAT, NULL,
       "http:////h.example/four"},
      {"http:h.example/none", 0, FERRYE_URL_MALFORMAT, NULL,
       "http:h.example/none"},
      {"http://a@b@h.example/", 0, FERRYE_URL_MALFORMAT, NULL,
       "http://a@b@h.example/"},
      {"http://us%00er@h.example/", 0, FERRYE_URL_MALFORMAT, NULL,
       "http://us%00er@h.example/"},
      {"http://0x7f.1/hex", 0, FERRYE_OK, GET_("/hex", "127.0.0.1"),
       "http://127.0.0.1/hex"},
      {"http://256.1.1.1/name", 0, FERRYE_OK, GET_("/name", "256.1.1.1"),
       "http://256.1.1.1/name"},
      {"http://127.0.0.1./dot", 0, FERRYE_OK, GET_("/dot", "127.0.0.1."),
       "http://127.0.0.1./dot"},
      {"http://[::FFFF:127.0.0.1]/v6", 0, FERRYE_OK,
       GET_("/v6", "[::FFFF:127.0.0.1]"), "http://[::FFFF:127.0.0.1]/v6"},
      {"http://[0:0:0:0:0:0:0:1%25lo]:81/z", 0, FERRYE_OK,
       GET_("/z", "[::1]:81"), "http://[::1%25lo]:81/z"},
      {"http://h.example:0080/port", 0, FERRYE_OK, GET_("/port", "h.example"),
       "http://h.example:80/port"},
      {"http://h.example:0/zero", 0, FERRYE_OK, GET_("/zero", "h.example:0"),
       "http://h.example:0/zero"},
      {"http://h.example/caf\xc3\xa9?q=\xc3\xa9#\xc3\xa9", 0, FERRYE_OK,
       GET_("/caf%c3%a9?q=\xc3\xa9", "h.example"),
       "http://h.example/caf\xc3\xa9?q=\xc3\xa9#\xc3\xa9"},
      {"http://h.example/p?#", 0, FERRYE_OK, GET_("/p", "h.example"),
       "http://h.example/p"},
      {"http://h.example/a/../b/./c", 0, FERRYE_OK, GET_("/b/c", "h.example"),
       "http://h.example/b/c"},
      {"http://h.example/a/../b/./c", 1, FERRYE_OK,
       GET_("/a/../b/./c", "h.example"), "http://h.example/a/../b/./c"},
      {"http://h.example/ex%2e%2e/%7E", 0, FERRYE_OK,
       GET_("/ex%2e%2e/%7E", "h.example"), "http://h.example/ex%2e%2e/%7E"},
      {"1http://h.example/", 0, FERRYE_URL_MALFORMAT, NULL,
       "1http://h.example/"},
  };
  tserver *s = tserver_start();

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 1);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    ASSERT_EQ(expect_url(s, cases[i].url, cases[i].path_as_is, cases[i].rc,
                         cases[i].req, cases[i].eff),
              0);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* A user name or password in an HTTP URL may hold control bytes (libcurl
 * decodes them refusing a NUL only); Basic sends them, encoded. */
TEST_IMPL(libcurl_compat_url_login_takes_control_bytes_but_nul) {
  static const ts_route routes[] = {{.prefix = "", .response = FX_OK_HELLO}};
  tserver *s = tserver_start();

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 1);
  /* "us\rer:p\nw" */
  ASSERT_EQ(expect_url(s, "http://us%0Der:p%0Aw@h.example/", 0, FERRYE_OK,
                       "GET / HTTP/1.1\r\nHost: h.example\r\n"
                       "Authorization: Basic dXMNZXI6cAp3\r\n"
                       "Accept: */*\r\n\r\n",
                       "http://us%0Der:p%0Aw@h.example/"),
            0);
  ASSERT_EQ(expect_url(s, "http://user:p%00w@h.example/", 0,
                       FERRYE_URL_MALFORMAT, NULL,
                       "http://user:p%00w@h.example/"),
            0);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* libcurl compares host names without regard to case where it compares
 * them: a connection is reused, and a cookie sent, for the same host in
 * another case; the cookie keeps the case its domain came in. */
TEST_IMPL(libcurl_compat_hosts_match_without_case_for_connections_and_cookies) {
  static const ts_route routes[] = {
      {.prefix = "GET /set ",
       .response = "HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Path=/\r\n"
                   "Set-Cookie: b=2; Domain=mixed.EXAMPLE; Path=/\r\n"
                   "Content-Length: 2\r\n\r\nok"},
      {.prefix = "", .response = FX_OK_HELLO},
  };
  tserver *s = tserver_start();
  ferry_slist *to, *list = NULL;
  sink body = {0};
  ferry_easy *e;
  char *req, *eff;
  long connects = -1;

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 2);
  to = to_server(s);
  e = fx_easy("http://MiXeD.Example/set", &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_CONNECT_TO, to);
  ferry_easy_setopt(e, FERRYOPT_COOKIEFILE, "");
  ASSERT_EQ(url_get(e, s, "http://MiXeD.Example/set", &req, &eff), FERRYE_OK);
  free(req);
  free(eff);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_COOKIELIST, &list), FERRYE_OK);
  ASSERT_NOT_NULL(list);
  ASSERT_NOT_NULL(list->next);
  ASSERT_STR_EQ(list->data, "MiXeD.Example\tFALSE\t/\tFALSE\t0\ta\t1");
  ASSERT_STR_EQ(list->next->data, ".mixed.EXAMPLE\tTRUE\t/\tFALSE\t0\tb\t2");
  ferry_slist_free_all(list);

  ASSERT_EQ(url_get(e, s, "http://mixed.example/get", &req, &eff), FERRYE_OK);
  ASSERT_STR_EQ(req, "GET /get HTTP/1.1\r\nHost: mixed.example\r\n"
                     "Accept: */*\r\nCookie: b=2; a=1\r\n\r\n");
  ASSERT_STR_EQ(eff, "http://mixed.example/get");
  free(req);
  free(eff);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_NUM_CONNECTS, &connects),
            FERRYE_OK);
  ASSERT_EQ(connects, 0); /* the MiXeD.Example connection */
  ASSERT_EQ(url_get(e, s, "http://MIXED.EXAMPLE:80/again", &req, &eff),
            FERRYE_OK);
  ASSERT_STR_EQ(eff, "http://MIXED.EXAMPLE:80/again");
  free(req);
  free(eff);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_NUM_CONNECTS, &connects),
            FERRYE_OK);
  ASSERT_EQ(connects, 0);
  ASSERT_EQ(tserver_connections(s), 1);
  ferry_easy_cleanup(e);
  ferry_slist_free_all(to);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

static ferry_stscode hsts_one_host(ferry_easy *e,
                                   struct ferry_hstsentry *entry,
                                   void *userp) {
  int *calls = userp;

  (void)e;
  if ((*calls)++ > 0)
    return FERRYSTS_DONE;
  snprintf(entry->name, entry->namelen, "%s", "HsTs.Example");
  snprintf(entry->expire, sizeof(entry->expire), "%s", "20991231 00:00:00");
  return FERRYSTS_OK;
}

/* HSTS knows a host in any case, and with a trailing dot; the URL keeps
 * the case it was written in. */
TEST_IMPL(libcurl_compat_hsts_matches_hosts_without_case) {
  static const char *const urls[][2] = {
      {"http://hsts.EXAMPLE/a", "https://hsts.EXAMPLE/a"},
      {"http://HSTS.example./b", "https://HSTS.example./b"},
  };
  char entry[64];
  ferry_slist *to;
  int fd = -1, port = refused_port(&fd), calls = 0;

  ASSERT_GE(port, 1);
  snprintf(entry, sizeof(entry), "::127.0.0.1:%d", port);
  to = ferry_slist_append(NULL, entry);
  for (size_t i = 0; i < 2; i++) {
    ferry_easy *e = ferry_easy_init();
    const char *eff = NULL;
    calls = 0;
    ASSERT_NOT_NULL(e);
    ferry_easy_setopt(e, FERRYOPT_URL, urls[i][0]);
    ferry_easy_setopt(e, FERRYOPT_CONNECT_TO, to);
    ferry_easy_setopt(e, FERRYOPT_HSTSREADFUNCTION, hsts_one_host);
    ferry_easy_setopt(e, FERRYOPT_HSTSREADDATA, &calls);
    ferry_easy_setopt(e, FERRYOPT_HSTS_CTRL, (long)FERRYHSTS_ENABLE);
    ASSERT_EQ(ferry_easy_perform(e), FERRYE_COULDNT_CONNECT);
    ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_EFFECTIVE_URL, &eff), FERRYE_OK);
    ASSERT_STR_EQ(eff, urls[i][1]);
    ferry_easy_cleanup(e);
  }
  ferry_slist_free_all(to);
  close(fd);
  return 0;
}

/* A Location is joined to the URL as libcurl 8.11 joins it: followed,
 * spaces and bytes above 0x7f encoded, one slash taken, a fragment alone
 * dropping the query; one it cannot read fails the transfer after its
 * response, counted as a redirect (URL_MALFORMAT), and is given as it
 * came when only reported (REDIRECT_URL). */
TEST_IMPL(libcurl_compat_redirect_locations_read_as_libcurl) {
  static const ts_route routes[] = {
      {.prefix = "GET /r/space ",
       .response = "HTTP/1.1 302 Found\r\nLocation: /a b/caf\xc3\xa9?c d\r\n"
                   "Content-Length: 0\r\n\r\n"},
      {.prefix = "GET /r/slash ",
       .response = "HTTP/1.1 302 Found\r\nLocation: http:/Other.Example/o\r\n"
                   "Content-Length: 0\r\n\r\n"},
      {.prefix = "GET /r/frag?q ",
       .response = "HTTP/1.1 302 Found\r\nLocation: #f\r\n"
                   "Content-Length: 0\r\n\r\n"},
      {.prefix = "GET /r/bad ",
       .response = "HTTP/1.1 302 Found\r\nLocation: http://a@b@h/x\r\n"
                   "Content-Length: 3\r\n\r\nbad"},
      {.prefix = "", .response = FX_OK_HELLO},
  };
  static const struct {
    const char *url, *req, *eff;
  } followed[] = {
      {"http://Base.Example/r/space",
       GET_("/a%20b/caf%c3%a9?c+d", "Base.Example"),
       "http://Base.Example/a%20b/caf%c3%a9?c+d"},
      {"http://Base.Example/r/slash", GET_("/o", "Other.Example"),
       "http://Other.Example/o"},
      {"http://Base.Example/r/frag?q#old", GET_("/r/frag", "Base.Example"),
       "http://Base.Example/r/frag#f"},
  };
  tserver *s = tserver_start();
  ferry_slist *to;
  sink body = {0};
  ferry_easy *e;
  char *req, *eff;
  const char *redir = NULL;
  long count = -1, code = 0;

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, sizeof(routes) / sizeof(routes[0]));
  to = to_server(s);
  for (size_t i = 0; i < sizeof(followed) / sizeof(followed[0]); i++) {
    unsigned before = tserver_requests(s);
    size_t len;
    e = fx_easy(followed[i].url, &body, NULL);
    ferry_easy_setopt(e, FERRYOPT_CONNECT_TO, to);
    ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L);
    ASSERT_EQ(url_get(e, s, followed[i].url, &req, &eff), FERRYE_OK);
    free(req);
    req = tserver_request(s, before + 1, &len);
    ASSERT_STR_EQ(req, followed[i].req);
    ASSERT_STR_EQ(eff, followed[i].eff);
    free(req);
    free(eff);
    ferry_easy_cleanup(e);
  }

  e = fx_easy("http://Base.Example/r/bad", &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_CONNECT_TO, to);
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L);
  ASSERT_EQ(url_get(e, s, "http://Base.Example/r/bad", &req, &eff),
            FERRYE_URL_MALFORMAT);
  free(req);
  free(eff);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_REDIRECT_COUNT, &count),
            FERRYE_OK);
  ASSERT_EQ(count, 1);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_RESPONSE_CODE, &code), FERRYE_OK);
  ASSERT_EQ(code, 302);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_REDIRECT_URL, &redir), FERRYE_OK);
  ASSERT_NULL(redir);
  /* not followed: REDIRECT_URL is the Location as it came */
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 0L);
  ASSERT_EQ(url_get(e, s, "http://Base.Example/r/bad", &req, &eff), FERRYE_OK);
  free(req);
  free(eff);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_REDIRECT_URL, &redir), FERRYE_OK);
  ASSERT_STR_EQ(redir, "http://a@b@h/x");
  ASSERT_EQ(url_get(e, s, "http://Base.Example/r/space", &req, &eff),
            FERRYE_OK);
  free(req);
  free(eff);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_REDIRECT_URL, &redir), FERRYE_OK);
  ASSERT_STR_EQ(redir, "http://Base.Example/a%20b/caf%c3%a9?c+d");
  ferry_easy_cleanup(e);
  ferry_slist_free_all(to);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* A proxy URL is read as libcurl reads it (the URL API, a guessed or any
 * scheme): one slash is taken, a second '@' is unsupported syntax
 * (COULDNT_RESOLVE_PROXY), an unknown scheme COULDNT_CONNECT. The request
 * names the URL with the host in its case, without fragment, userinfo or
 * empty query, with libcurl's Proxy-Authorization and Proxy-Connection. */
TEST_IMPL(libcurl_compat_proxy_urls_read_as_libcurl) {
  static const ts_route routes[] = {{.prefix = "", .response = FX_OK_HELLO}};
  tserver *s = tserver_start();
  char proxy[128];
  sink body = {0};
  ferry_easy *e;
  char *req, *eff;

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 1);
  e = fx_easy("http://u:p@MiXeD.Example:8080/a/../b?#f", &body, NULL);
  snprintf(proxy, sizeof(proxy), "http:/pu:p%%40w@127.0.0.1:%d",
           tserver_port(s));
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_PROXY, proxy), FERRYE_OK);
  ASSERT_EQ(url_get(e, s, "http://u:p@MiXeD.Example:8080/a/../b?#f", &req,
                    &eff),
            FERRYE_OK);
  /* "pu:p@w" and "u:p" */
  ASSERT_STR_EQ(req, "GET http://MiXeD.Example:8080/b HTTP/1.1\r\n"
                     "Host: MiXeD.Example:8080\r\n"
                     "Proxy-Authorization: Basic cHU6cEB3\r\n"
                     "Authorization: Basic dTpw\r\nAccept: */*\r\n"
                     "Proxy-Connection: Keep-Alive\r\n\r\n");
  ASSERT_STR_EQ(eff, "http://u:p@MiXeD.Example:8080/b#f");
  free(req);
  free(eff);

  snprintf(proxy, sizeof(proxy), "http://a@b@127.0.0.1:%d", tserver_port(s));
  ferry_easy_setopt(e, FERRYOPT_PROXY, proxy);
  ASSERT_EQ(url_get(e, s, "http://h.example/", &req, &eff),
            FERRYE_COULDNT_RESOLVE_PROXY);
  ASSERT_NULL(req);
  free(eff);
  snprintf(proxy, sizeof(proxy), "nosuch://127.0.0.1:%d", tserver_port(s));
  ferry_easy_setopt(e, FERRYOPT_PROXY, proxy);
  ASSERT_EQ(url_get(e, s, "http://h.example/", &req, &eff),
            FERRYE_COULDNT_CONNECT);
  ASSERT_NULL(req);
  free(eff);
  snprintf(proxy, sizeof(proxy), "0x7f.1:%d", tserver_port(s));
  ferry_easy_setopt(e, FERRYOPT_PROXY, proxy);
  ASSERT_EQ(url_get(e, s, "http://[::1]/v6", &req, &eff), FERRYE_OK);
  ASSERT_STR_EQ(req, "GET http://[::1]/v6 HTTP/1.1\r\nHost: [::1]\r\n"
                     "Accept: */*\r\nProxy-Connection: Keep-Alive\r\n\r\n");
  free(req);
  free(eff);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* The URL API joins a reference to a URL as libcurl 8.11 does (its
 * concat_url), which is not always RFC 3986 section 5.2: a fragment
 * alone drops the query, and over a URL with a fragment but no query it
 * is added after that fragment (checked against libcurl 8.11). */
TEST_IMPL(libcurl_compat_url_api_joins_references_as_libcurl_8_11) {
  static const char *const cases[][3] = {
      {"http://a/b/c/d;p?q", "#s", "http://a/b/c/d;p#s"},
      {"http://a/b/c/d;p?q", "../g?y#s", "http://a/b/g?y#s"},
      {"http://a/b/c#old", "#new", "http://a/b/c#old#new"},
      {"http://a/b/c#old", "?q", "http://a/b/c#old?q"},
      {"http://a/b/c", "//Other/x y", "http://Other/x%20y"},
      {"http://a/b/c", "/caf\xc3\xa9 d?e f", "http://a/caf%c3%a9%20d?e+f"},
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ferry_urlh *u = ferry_url();
    char *got = NULL;
    ASSERT_NOT_NULL(u);
    ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, cases[i][0], 0), FERRYUE_OK);
    ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, cases[i][1], 0), FERRYUE_OK);
    ASSERT_EQ(ferry_url_get(u, FERRYUPART_URL, &got, 0), FERRYUE_OK);
    if (strcmp(got, cases[i][2]) != 0)
      TEST_FAIL_("\"%s\" over \"%s\" gave \"%s\", want \"%s\"", cases[i][1],
                 cases[i][0], got, cases[i][2]);
    ferry_free(got);
    ferry_url_cleanup(u);
  }
  return 0;
}

/* ---- HTTP/1 responses: what libcurl delivers, in its order ------------- */

/* What the callbacks of one transfer saw, in order: "W[...]" for a write
 * callback call, "H[...]" for a header callback call, "D[...]" for a
 * DEBUGFUNCTION CURLINFO_DATA_IN call, each with its bytes. */
typedef struct evlog {
  sink s;
} evlog;

static void evlog_add(evlog *l, char kind, const char *p, size_t n) {
  char open[2] = {kind, '['};
  sink_write(open, 1, 2, &l->s);
  sink_write((char *)p, 1, n, &l->s);
  sink_write("]", 1, 1, &l->s);
}

static size_t ev_write(char *p, size_t size, size_t n, void *ud) {
  evlog_add(ud, 'W', p, size * n);
  return size * n;
}

static size_t ev_header(char *p, size_t size, size_t n, void *ud) {
  evlog_add(ud, 'H', p, size * n);
  return size * n;
}

static int ev_debug(ferry_easy *e, ferry_infotype type, char *p, size_t n,
                    void *ud) {
  (void)e;
  if (type == FERRYINFO_DATA_IN)
    evlog_add(ud, 'D', p, n);
  return 0;
}

/* A handle for url whose write, header (and with debug, DATA_IN) calls go
 * to l. */
static ferry_easy *ev_easy(const char *url, evlog *l, int debug) {
  ferry_easy *e = ferry_easy_init();
  if (e == NULL)
    return NULL;
  ferry_easy_setopt(e, FERRYOPT_URL, url);
  ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, ev_write);
  ferry_easy_setopt(e, FERRYOPT_WRITEDATA, l);
  ferry_easy_setopt(e, FERRYOPT_HEADERFUNCTION, ev_header);
  ferry_easy_setopt(e, FERRYOPT_HEADERDATA, l);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 5000L);
  if (debug) {
    ferry_easy_setopt(e, FERRYOPT_VERBOSE, 1L);
    ferry_easy_setopt(e, FERRYOPT_DEBUGFUNCTION, ev_debug);
    ferry_easy_setopt(e, FERRYOPT_DEBUGDATA, l);
  }
  return e;
}

/* libcurl hands a chunked body's trailers to the header callback after the
 * body (with CRLF, whatever ended them), keeps them for curl_easy_header
 * as CURLH_TRAILER, and does not count them in HEADER_SIZE. Its DATA_IN
 * shows the bytes as they came, chunk framing and trailers included, one
 * call per read, before the body they carry. */
TEST_IMPL(libcurl_compat_chunked_trailers_and_raw_data_in) {
  static const char head[] =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  static const char chunks[] =
      "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\nX-Lf: 2\n\r\n";
  ts_step steps[] = {FX_STEP_REQ, FX_STEP_SEND(head), FX_STEP_DELAY(50),
                     FX_STEP_SEND(chunks)};
  tserver *s = tserver_start();
  evlog l = {{0}};
  struct ferry_header *h = NULL;
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, FX_STEPS(steps));
  e = ev_easy(fx_url(s, "/"), &l, 1);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(l.s.data, l.s.len,
                "H[HTTP/1.1 200 OK\r\n]H[Transfer-Encoding: chunked\r\n]"
                "H[\r\n]"
                "D[5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n"
                "X-Lf: 2\n\r\n]"
                "W[hello]W[ world]H[X-Trailer: t\r\n]H[X-Lf: 2\r\n]");
  ASSERT_EQ(info_l(e, FERRYINFO_HEADER_SIZE), (long)strlen(head));
  ASSERT_EQ(info_o(e, FERRYINFO_SIZE_DOWNLOAD_T), 11);
  ASSERT_EQ(ferry_easy_header(e, "X-Trailer", 0, FERRYH_TRAILER, -1, &h),
            FERRYHE_OK);
  ASSERT_STR_EQ(h->value, "t");
  ASSERT_EQ(h->origin & 0xff, FERRYH_TRAILER);
  ASSERT_EQ(ferry_easy_header(e, "X-Trailer", 0, FERRYH_HEADER, -1, &h),
            FERRYHE_MISSING);
  ferry_easy_cleanup(e);
  sink_free(&l.s);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* A trailer line without a colon fails libcurl's header store, and with
 * it the transfer (CURLE_BAD_FUNCTION_ARGUMENT), before the header
 * callback sees it. */
TEST_IMPL(libcurl_compat_trailer_without_colon_is_bad_function_argument) {
  static const ts_route routes[] = {
      {.prefix = "",
       .response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "2\r\nok\r\n0\r\nNoColon\r\n\r\n"},
  };
  tserver *s = tserver_start();
  evlog l = {{0}};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 1);
  e = ev_easy(fx_url(s, "/"), &l, 0);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_MEM_EQ(l.s.data, l.s.len,
                "H[HTTP/1.1 200 OK\r\n]H[Transfer-Encoding: chunked\r\n]"
                "H[\r\n]W[ok]");
  ferry_easy_cleanup(e);
  sink_free(&l.s);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* libcurl's HEADER writes each header line to the write callback before
 * the header callback gets it, for a 1xx response too. */
TEST_IMPL(libcurl_compat_header_option_writes_each_line_before_its_callback) {
  static const ts_route routes[] = {
      {.prefix = "",
       .response = "HTTP/1.1 100 Continue\r\n\r\n"
                   "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
  };
  tserver *s = tserver_start();
  evlog l = {{0}};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 1);
  e = ev_easy(fx_url(s, "/"), &l, 0);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_HEADER, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(l.s.data, l.s.len,
                "W[HTTP/1.1 100 Continue\r\n]H[HTTP/1.1 100 Continue\r\n]"
                "W[\r\n]H[\r\n]"
                "W[HTTP/1.1 200 OK\r\n]H[HTTP/1.1 200 OK\r\n]"
                "W[Content-Length: 2\r\n]H[Content-Length: 2\r\n]"
                "W[\r\n]H[\r\n]W[ok]");
  ferry_easy_cleanup(e);
  sink_free(&l.s);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* libcurl counts a chunked upload's framing in SIZE_UPLOAD: every body byte
 * it wrote. */
TEST_IMPL(libcurl_compat_size_upload_counts_chunk_framing) {
  static const ts_route routes[] = {{.prefix = "", .response = FX_OK_HELLO}};
  tserver *s = tserver_start();
  strsrc r = {"hello", 5, 0};
  sink body = {0};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 1);
  e = fx_easy(fx_url(s, "/up"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_UPLOAD, 1L);
  ferry_easy_setopt(e, FERRYOPT_READFUNCTION, strsrc_read);
  ferry_easy_setopt(e, FERRYOPT_READDATA, &r);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  /* "5\r\n" "hello" "\r\n" "0\r\n\r\n" */
  ASSERT_EQ(info_o(e, FERRYINFO_SIZE_UPLOAD_T), 15);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* libcurl 7.88 checks MAXFILESIZE against the Content-Length once the
 * header lines are in, before the blank line goes to the header callback,
 * and leaves CONTENT_LENGTH_DOWNLOAD unknown; the connection is not kept.
 * A followed redirect's body is not checked (it is dropped, libcurl 8). */
TEST_IMPL(libcurl_compat_maxfilesize_fails_before_the_blank_line) {
  static const ts_route routes[] = {
      {.prefix = "GET /big ",
       .response = "HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n"},
      {.prefix = "GET /moved ",
       .response = "HTTP/1.1 301 Moved\r\nLocation: /small\r\n"
                   "Content-Length: 20\r\n\r\n01234567890123456789"},
      {.prefix = "GET /small ", .response = FX_OK_HELLO},
  };
  tserver *s = tserver_start();
  evlog l = {{0}};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 3);
  e = ev_easy(fx_url(s, "/big"), &l, 0);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_MAXFILESIZE, 10L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_FILESIZE_EXCEEDED);
  ASSERT_MEM_EQ(l.s.data, l.s.len,
                "H[HTTP/1.1 200 OK\r\n]H[Content-Length: 70000\r\n]");
  ASSERT_EQ(info_l(e, FERRYINFO_RESPONSE_CODE), 200);
  ASSERT_EQ(info_l(e, FERRYINFO_HEADER_SIZE), 17 + 23);
  ASSERT_EQ(info_o(e, FERRYINFO_CONTENT_LENGTH_DOWNLOAD_T), -1);
  sink_free(&l.s);
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/moved"));
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(info_l(e, FERRYINFO_RESPONSE_CODE), 200);
  ferry_easy_cleanup(e);
  sink_free(&l.s);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* An unknown Content-Encoding: libcurl hands on every header line and
 * fails (CURLE_BAD_CONTENT_ENCODING) only when the first body byte comes,
 * counted in SIZE_DOWNLOAD (7.88); an empty body is fine. */
TEST_IMPL(libcurl_compat_unknown_content_encoding_fails_at_the_body) {
  static const ts_route routes[] = {
      {.prefix = "GET /raw ",
       .response = "HTTP/1.1 200 OK\r\nContent-Encoding: bogus\r\n"
                   "Content-Length: 3\r\n\r\nraw"},
      {.prefix = "GET /empty ",
       .response = "HTTP/1.1 200 OK\r\nContent-Encoding: bogus\r\n"
                   "Content-Length: 0\r\n\r\n"},
  };
  tserver *s = tserver_start();
  evlog l = {{0}};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, 2);
  e = ev_easy(fx_url(s, "/raw"), &l, 0);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_ACCEPT_ENCODING, "gzip");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_BAD_CONTENT_ENCODING);
  ASSERT_MEM_EQ(l.s.data, l.s.len,
                "H[HTTP/1.1 200 OK\r\n]H[Content-Encoding: bogus\r\n]"
                "H[Content-Length: 3\r\n]H[\r\n]");
  ASSERT_EQ(info_o(e, FERRYINFO_SIZE_DOWNLOAD_T), 3);
  sink_free(&l.s);
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/empty"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ferry_easy_cleanup(e);
  sink_free(&l.s);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* libcurl decides whether to keep a connection on the answer alone: an
 * HTTP/1.0 request answered in HTTP/1.1 leaves it open for the next. */
TEST_IMPL(libcurl_compat_http10_request_keeps_a_connection_the_answer_keeps) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_HTTP_VERSION, (long)FERRY_HTTP_VERSION_1_0);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ferry_easy_setopt(e, FERRYOPT_HTTP_VERSION, (long)FERRY_HTTP_VERSION_1_1);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(info_l(e, FERRYINFO_NUM_CONNECTS), 0);
  ASSERT_EQ(tserver_connections(s), 1);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* Responses that break HTTP, each as libcurl (8.11's reading; 7.88 gives
 * the same for each) takes it: its result, what the header and write
 * callbacks got, RESPONSE_CODE and HTTP_VERSION. Each answer closes. Where
 * ferry's parser, llhttp, cannot take what libcurl takes, the case says
 * what ferry does instead (test/diff/KNOWN lists each). */
TEST_IMPL(libcurl_compat_http1_responses_are_taken_as_libcurl_takes_them) {
  static const struct {
    const char *resp;
    ferry_code code;
    const char *events;
    long status, version;
  } cases[] = {
      /* HTTP/0.9 (no status line) is refused, as soon as it shows */
      {"hello there\r\n", FERRYE_UNSUPPORTED_PROTOCOL, "", 0, 0},
      {"HTTP/1.1 abc\r\n\r\n", FERRYE_UNSUPPORTED_PROTOCOL, "", 0, 0},
      {"HTTP/1.1 2x0 OK\r\n\r\n", FERRYE_UNSUPPORTED_PROTOCOL, "", 0, 0},
      {"HTTP/1.2 200 OK\r\n\r\n", FERRYE_UNSUPPORTED_PROTOCOL, "", 0, 0},
      {"HTTP/3 200\r\n\r\n", FERRYE_UNSUPPORTED_PROTOCOL, "", 0, 0},
      /* lines that end in LF alone */
      {"HTTP/1.1 200 OK\nContent-Length: 2\n\nok", FERRYE_OK,
       "H[HTTP/1.1 200 OK\n]H[Content-Length: 2\n]H[\n]W[ok]", 200,
       FERRY_HTTP_VERSION_1_1},
      /* an "HTTP/2" status line over HTTP/1: libcurl takes it (200,
       * HTTP/2); llhttp wants "HTTP/d.d", and ferry refuses the status
       * line as libcurl refuses one it does not support */
      {"HTTP/2 200\r\nContent-Length: 2\r\n\r\nok",
       FERRYE_UNSUPPORTED_PROTOCOL, "", 0, 0},
      /* "HTTP/2.0" (llhttp takes it) and "HTTP/0.9": only 1.0 and 1.1 */
      {"HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
       FERRYE_UNSUPPORTED_PROTOCOL, "", 0, 0},
      {"HTTP/0.9 200 OK\r\nContent-Length: 2\r\n\r\nok",
       FERRYE_UNSUPPORTED_PROTOCOL, "", 0, 0},
      /* a status code of other than three digits (llhttp takes one to
       * three, or none) */
      {"HTTP/1.1 20 OK\r\nContent-Length: 2\r\n\r\nok",
       FERRYE_UNSUPPORTED_PROTOCOL, "", 0, 0},
      {"HTTP/1.1  200 OK\r\nContent-Length: 2\r\n\r\nok",
       FERRYE_UNSUPPORTED_PROTOCOL, "", 0, 0},
      /* a status line that starts "http/": libcurl takes it as an HTTP/1.0
       * 200; llhttp wants "HTTP/", so to ferry it is HTTP/0.9 */
      {"http/1.1 404 Nope\r\nContent-Length: 2\r\n\r\nok",
       FERRYE_UNSUPPORTED_PROTOCOL, "", 0, 0},
      /* a space before the colon: libcurl takes "Content-Length " as some
       * other header and reads the body to the close; llhttp refuses it
       * (or, lenient, takes it as the Content-Length), and ferry fails at
       * that line */
      {"HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok!",
       FERRYE_WEIRD_SERVER_REPLY, "H[HTTP/1.1 200 OK\r\n]", 200,
       FERRY_HTTP_VERSION_1_1},
      /* chunks beside a length: the chunks frame the body */
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 100"
       "\r\n\r\n2\r\nok\r\n0\r\n\r\n",
       FERRYE_OK,
       "H[HTTP/1.1 200 OK\r\n]H[Transfer-Encoding: chunked\r\n]"
       "H[Content-Length: 100\r\n]H[\r\n]W[ok]",
       200, FERRY_HTTP_VERSION_1_1},
      /* a folded line continues the one before */
      {"HTTP/1.1 200 OK\r\nX-F: a\r\n b\r\nContent-Length: 2\r\n\r\nok",
       FERRYE_OK,
       "H[HTTP/1.1 200 OK\r\n]H[X-F: a\r\n]H[ b\r\n]H[Content-Length: 2\r\n]"
       "H[\r\n]W[ok]",
       200, FERRY_HTTP_VERSION_1_1},
      /* a line with no colon fails after the lines before it */
      {"HTTP/1.1 200 OK\r\nX-Good: 1\r\nNoColon\r\n\r\n",
       FERRYE_WEIRD_SERVER_REPLY, "H[HTTP/1.1 200 OK\r\n]H[X-Good: 1\r\n]", 200,
       FERRY_HTTP_VERSION_1_1},
      /* the first header line cannot continue the status line */
      {"HTTP/1.1 200 OK\r\n folded\r\n\r\n", FERRYE_WEIRD_SERVER_REPLY,
       "H[HTTP/1.1 200 OK\r\n]", 200, FERRY_HTTP_VERSION_1_1},
      {"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nok",
       FERRYE_WEIRD_SERVER_REPLY, "H[HTTP/1.1 200 OK\r\n]", 200,
       FERRY_HTTP_VERSION_1_1},
      /* a status code below 100 fails once its section is in */
      {"HTTP/1.1 099 Low\r\nX-A: 1\r\n\r\n", FERRYE_UNSUPPORTED_PROTOCOL,
       "H[HTTP/1.1 099 Low\r\n]H[X-A: 1\r\n]H[\r\n]", 99,
       FERRY_HTTP_VERSION_1_1},
      /* a 101 nobody asked for is the final answer; the close ends it */
      {"HTTP/1.1 101 Switching\r\nContent-Length: 1\r\n\r\nabc", FERRYE_OK,
       "H[HTTP/1.1 101 Switching\r\n]H[Content-Length: 1\r\n]H[\r\n]W[abc]",
       101, FERRY_HTTP_VERSION_1_1},
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ts_step steps[] = {FX_STEP_REQ, FX_STEP_SEND(cases[i].resp),
                       FX_STEP_CLOSE};
    tserver *s = tserver_start();
    evlog l = {{0}};
    ferry_easy *e;

    ASSERT_NOT_NULL(s);
    tserver_script(s, 0, FX_STEPS(steps));
    e = ev_easy(fx_url(s, "/"), &l, 0);
    ASSERT_NOT_NULL(e);
    ASSERT_EQ(ferry_easy_perform(e), cases[i].code);
    ASSERT_MEM_EQ(l.s.data ? l.s.data : "", l.s.len, cases[i].events);
    ASSERT_EQ(info_l(e, FERRYINFO_RESPONSE_CODE), cases[i].status);
    ASSERT_EQ(info_l(e, FERRYINFO_HTTP_VERSION), cases[i].version);
    ferry_easy_cleanup(e);
    sink_free(&l.s);
    ASSERT_EQ(tserver_stop(s), 0);
  }
  return 0;
}

/* On a connection that answered before, libcurl 8 takes an answer with no
 * status line as an invalid status line (CURLE_WEIRD_SERVER_REPLY), not
 * HTTP/0.9, and refuses a change of major version (an "HTTP/2" line after
 * an HTTP/1.1 answer: CURLE_UNSUPPORTED_PROTOCOL). */
TEST_IMPL(libcurl_compat_status_lines_on_a_reused_connection) {
  static const char *const second[] = {"garbage\r\n\r\n",
                                       "HTTP/2 200\r\nContent-Length: 2\r\n\r\nok"};
  static const ferry_code want[] = {FERRYE_WEIRD_SERVER_REPLY,
                                    FERRYE_UNSUPPORTED_PROTOCOL};

  for (size_t i = 0; i < 2; i++) {
    ts_step steps[] = {FX_STEP_REQ, FX_STEP_SEND(FX_OK_HELLO), FX_STEP_REQ,
                       FX_STEP_SEND(second[i]), FX_STEP_CLOSE};
    tserver *s = tserver_start();
    sink body = {0};
    ferry_easy *e;

    ASSERT_NOT_NULL(s);
    tserver_script(s, 0, FX_STEPS(steps));
    e = fx_easy(fx_url(s, "/"), &body, NULL);
    ASSERT_NOT_NULL(e);
    ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
    ASSERT_EQ(ferry_easy_perform(e), want[i]);
    ASSERT_EQ(info_l(e, FERRYINFO_NUM_CONNECTS), 0);
    ferry_easy_cleanup(e);
    sink_free(&body);
    ASSERT_EQ(tserver_stop(s), 0);
  }
  return 0;
}

/* libcurl skips an interim (1xx) response whatever it says: in HTTP/1.0,
 * with "Connection: close", with a Content-Length. Its lines go to the
 * header callback, then the final response's. */
TEST_IMPL(libcurl_compat_interim_responses_are_skipped_whatever_they_say) {
  static const struct {
    const char *resp, *events;
  } cases[] = {
      {"HTTP/1.0 100 Continue\r\n\r\n"
       "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello",
       "H[HTTP/1.0 100 Continue\r\n]H[\r\n]H[HTTP/1.0 200 OK\r\n]"
       "H[Content-Length: 5\r\n]H[\r\n]W[hello]"},
      {"HTTP/1.1 100 Continue\r\nConnection: close\r\nContent-Length: 3\r\n"
       "\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
       "H[HTTP/1.1 100 Continue\r\n]H[Connection: close\r\n]"
       "H[Content-Length: 3\r\n]H[\r\n]H[HTTP/1.1 200 OK\r\n]"
       "H[Content-Length: 5\r\n]H[\r\n]W[hello]"},
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ts_step steps[] = {FX_STEP_REQ, FX_STEP_SEND(cases[i].resp),
                       FX_STEP_CLOSE};
    tserver *s = tserver_start();
    evlog l = {{0}};
    ferry_easy *e;

    ASSERT_NOT_NULL(s);
    tserver_script(s, 0, FX_STEPS(steps));
    e = ev_easy(fx_url(s, "/"), &l, 0);
    ASSERT_NOT_NULL(e);
    ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
    ASSERT_MEM_EQ(l.s.data, l.s.len, cases[i].events);
    ASSERT_EQ(info_l(e, FERRYINFO_RESPONSE_CODE), 200);
    ferry_easy_cleanup(e);
    sink_free(&l.s);
    ASSERT_EQ(tserver_stop(s), 0);
  }
  return 0;
}

/* libcurl hands on a header value with control bytes in it as it came,
 * and fails a chunked body whose chunk's data is not followed by its line
 * end (CURLE_RECV_ERROR) after delivering the data. */
TEST_IMPL(libcurl_compat_control_bytes_in_values_pass_and_bad_chunk_ends_fail) {
  static const char ctl[] =
      "HTTP/1.1 200 OK\r\nX-A: a\001b\177\r\nContent-Length: 2\r\n\r\nok";
  static const char chunks[] =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhelloXY0\r\n\r\n";
  static const char *const resp[] = {ctl, chunks};
  static const ferry_code want[] = {FERRYE_OK, FERRYE_RECV_ERROR};
  static const char *const events[] = {
      "H[HTTP/1.1 200 OK\r\n]H[X-A: a\001b\177\r\n]H[Content-Length: 2\r\n]"
      "H[\r\n]W[ok]",
      "H[HTTP/1.1 200 OK\r\n]H[Transfer-Encoding: chunked\r\n]H[\r\n]"
      "W[hello]",
  };

  for (size_t i = 0; i < 2; i++) {
    ts_step steps[] = {FX_STEP_REQ, FX_STEP_SEND(resp[i]), FX_STEP_CLOSE};
    tserver *s = tserver_start();
    evlog l = {{0}};
    ferry_easy *e;

    ASSERT_NOT_NULL(s);
    tserver_script(s, 0, FX_STEPS(steps));
    e = ev_easy(fx_url(s, "/"), &l, 0);
    ASSERT_NOT_NULL(e);
    ASSERT_EQ(ferry_easy_perform(e), want[i]);
    ASSERT_MEM_EQ(l.s.data, l.s.len, events[i]);
    ferry_easy_cleanup(e);
    sink_free(&l.s);
    ASSERT_EQ(tserver_stop(s), 0);
  }
  return 0;
}

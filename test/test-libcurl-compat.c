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

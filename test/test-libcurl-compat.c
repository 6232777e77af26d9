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
  ASSERT(strstr(req, "\r\nCookie: sec=1; plain=2\r\n") != NULL);
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

static long info_l(ferry_easy *e, ferry_info what) {
  long v = -9;
  ferry_easy_getinfo(e, what, &v);
  return v;
}

static ferry_off_t info_o(ferry_easy *e, ferry_info what) {
  ferry_off_t v = -9;
  ferry_easy_getinfo(e, what, &v);
  return v;
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
 * callbacks got, RESPONSE_CODE and HTTP_VERSION. Each answer closes. */
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
      /* an "HTTP/2" status line over HTTP/1 */
      {"HTTP/2 200\r\nContent-Length: 2\r\n\r\nok", FERRYE_OK,
       "H[HTTP/2 200\r\n]H[Content-Length: 2\r\n]H[\r\n]W[ok]", 200,
       FERRY_HTTP_VERSION_2_0},
      /* a status line that only starts with "HTTP/" is an HTTP/1.0 200 */
      {"http/1.1 404 Nope\r\nContent-Length: 2\r\n\r\nok", FERRYE_OK,
       "H[http/1.1 404 Nope\r\n]H[Content-Length: 2\r\n]H[\r\n]W[ok]", 200,
       FERRY_HTTP_VERSION_1_0},
      /* a space before the colon: not the Content-Length, the close ends
       * the body */
      {"HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok!", FERRYE_OK,
       "H[HTTP/1.1 200 OK\r\n]H[Content-Length : 2\r\n]H[\r\n]W[ok!]", 200,
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

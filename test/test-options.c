/* Request and connection options: RANGE and RESUME_FROM, HTTP_VERSION,
 * TIMECONDITION, HEADEROPT, TRAILERFUNCTION, MAXAGE_CONN and
 * MAXLIFETIME_CONN, TCP keepalive, CONNECT_TO, UNIX_SOCKET_PATH, LOCALPORT
 * and INTERFACE, and the speed caps. Scripted servers answer with exact
 * bytes and every test checks the exact request bytes, result codes and,
 * for the speed caps, the time taken and that the loop slept meanwhile. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include "ferry_uv.h"
#include "fx.h"
#include "test.h"
/* internal: the socket of a transfer's connection, for TCP_KEEPALIVE */
#include "conn.h"
#include "easy.h"

/* ---- helpers ---------------------------------------------------------- */

static const char *f(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *f(const char *fmt, ...) {
  static char bufs[16][4096];
  static unsigned slot;
  char *b = bufs[slot++ % 16];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b, sizeof(bufs[0]), fmt, ap);
  va_end(ap);
  return b;
}

static const char *hostport(tserver *s) {
  return f("127.0.0.1:%d", tserver_port(s));
}

/* The idx-th request s framed is exactly want. */
#define ASSERT_REQ(srv, idx, want)                                            \
  do {                                                                        \
    size_t l_ = 0;                                                            \
    char *r_ = tserver_request((srv), (idx), &l_);                            \
    const char *w_ = (want);                                                  \
    if (r_ == NULL)                                                           \
      TEST_FAIL_("request %d never arrived", (int)(idx));                     \
    if (l_ != strlen(w_) || memcmp(r_, w_, l_) != 0) {                        \
      fprintf(stderr, "  %s:%d: request %d differs\n  got (%zu bytes):\n%.*s\n" \
              "  want (%zu bytes):\n%s\n", __FILE__, __LINE__, (int)(idx),    \
              l_, (int)l_, r_, strlen(w_), w_);                               \
      free(r_);                                                               \
      return 1;                                                               \
    }                                                                         \
    free(r_);                                                                 \
  } while (0)

#define ASSERT_HAS(hay, needle)                                               \
  do {                                                                        \
    if (strstr((hay), (needle)) == NULL)                                      \
      TEST_FAIL_("\"%s\" lacks \"%s\"", (hay), (needle));                     \
  } while (0)

static long info_long(ferry_easy *e, ferry_info what) {
  long v = -1;
  if (ferry_easy_getinfo(e, what, &v) != FERRYE_OK)
    return -2;
  return v;
}

static const char *info_str(ferry_easy *e, ferry_info what) {
  char *v = NULL;
  if (ferry_easy_getinfo(e, what, &v) != FERRYE_OK || v == NULL)
    return "(none)";
  return v;
}

static uint64_t ms_now(void) { return uv_hrtime() / 1000000u; }

/* A read callback over a string, handing out at most `piece` bytes. */
typedef struct src {
  const char *data;
  size_t len, off, piece;
} src;

static size_t src_read(char *buf, size_t size, size_t n, void *ud) {
  src *s = ud;
  size_t k = size * n, left = s->len - s->off;
  if (s->piece && k > s->piece)
    k = s->piece;
  if (k > left)
    k = left;
  memcpy(buf, s->data + s->off, k);
  s->off += k;
  return k;
}

#define GET_REQ(target, host)                                                 \
  f("GET %s HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n\r\n", (target), (host))

/* ---- RANGE and RESUME_FROM ------------------------------------------- */

TEST_IMPL(range_option_sends_range_bytes_in_each_form) {
  static const char *const forms[] = {"0-99", "500-", "-200", "0-1,5-9"};
  tserver *s = tserver_start();
  ferry_slist *h = ferry_slist_append(NULL, "Range: bytes=7-8");
  sink body = {0};
  ferry_easy *e;
  unsigned i;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/r"), &body, NULL);
  for (i = 0; i < 4; i++) {
    ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_RANGE, forms[i]), FERRYE_OK);
    ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
    ASSERT_REQ(s, i, f("GET /r HTTP/1.1\r\nHost: %s\r\nRange: bytes=%s\r\n"
                       "Accept: */*\r\n\r\n",
                       hostport(s), forms[i]));
  }
  /* a server that ignores the range sends it all: that is no error */
  ASSERT_MEM_EQ(body.data, body.len, "hellohellohellohello");
  ASSERT_EQ(info_long(e, FERRYINFO_RESPONSE_CODE), 200);
  /* NULL turns it off; the user's own Range header wins */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_RANGE, NULL), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 4, GET_REQ("/r", hostport(s)));
  ferry_easy_setopt(e, FERRYOPT_RANGE, "1-2");
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, h);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 5, f("GET /r HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n"
                     "Range: bytes=7-8\r\n\r\n",
                     hostport(s)));
  /* a HEAD asks for the range too */
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, NULL);
  ferry_easy_setopt(e, FERRYOPT_NOBODY, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 6, f("HEAD /r HTTP/1.1\r\nHost: %s\r\nRange: bytes=1-2\r\n"
                     "Accept: */*\r\n\r\n",
                     hostport(s)));
  ferry_easy_cleanup(e);
  ferry_slist_free_all(h);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(resume_from_asks_from_the_offset_and_takes_a_matching_206) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s,
                         "HTTP/1.1 206 Partial Content\r\n"
                         "Content-Range: bytes 5-9/10\r\nContent-Length: 5\r\n"
                         "\r\n56789",
                         0);
  e = fx_easy(fx_url(s, "/f"), &body, NULL);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_RESUME_FROM, 5L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "56789");
  ASSERT_EQ(info_long(e, FERRYINFO_RESPONSE_CODE), 206);
  ASSERT_REQ(s, 0, f("GET /f HTTP/1.1\r\nHost: %s\r\nRange: bytes=5-\r\n"
                     "Accept: */*\r\n\r\n",
                     hostport(s)));
  /* the _LARGE form, and RESUME_FROM wins over RANGE */
  sink_free(&body);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_RESUME_FROM, 0L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_RESUME_FROM_LARGE, (ferry_off_t)5),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_RANGE, "0-1"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "56789");
  ASSERT_REQ(s, 1, f("GET /f HTTP/1.1\r\nHost: %s\r\nRange: bytes=5-\r\n"
                     "Accept: */*\r\n\r\n",
                     hostport(s)));
  ASSERT_EQ(tserver_connections(s), 1);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(resume_from_answered_without_the_range_is_range_error) {
  static const char *const answers[] = {
      /* the whole document */
      "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789",
      /* a range that starts elsewhere */
      "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/20\r\n"
      "Content-Length: 10\r\n\r\n0123456789",
  };
  for (unsigned i = 0; i < 2; i++) {
    tserver *s = tserver_start();
    char err[FERRY_ERROR_SIZE] = "";
    sink body = {0};
    ferry_easy *e;

    ASSERT_NOT_NULL(s);
    tserver_respond_always(s, answers[i], 0);
    e = fx_easy(fx_url(s, "/f"), &body, NULL);
    ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
    ferry_easy_setopt(e, FERRYOPT_RESUME_FROM, 5L);
    ASSERT_EQ(ferry_easy_perform(e), FERRYE_RANGE_ERROR);
    ASSERT_STR_EQ(err, "HTTP server does not seem to support byte ranges. "
                       "Cannot resume.");
    ASSERT_EQ(body.len, 0);
    ferry_easy_cleanup(e);
    sink_free(&body);
    ASSERT_EQ(tserver_stop(s), 0);
  }
  return 0;
}

TEST_IMPL(resume_from_at_the_documents_end_is_ok_without_a_body) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/f"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_RESUME_FROM, 5L);
  /* the document is as long as what we have: it is complete */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(body.len, 0);
  ASSERT_EQ(info_long(e, FERRYINFO_RESPONSE_CODE), 200);
  /* its body was never read: the connection is not used again */
  ferry_easy_setopt(e, FERRYOPT_RESUME_FROM, 0L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(tserver_connections(s), 2);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(resume_from_answered_416_is_ok_and_its_body_is_dropped) {
  const char *r416 = "HTTP/1.1 416 Range Not Satisfiable\r\n"
                     "Content-Range: bytes */10\r\nContent-Length: 5\r\n\r\nnope!";
  ts_step steps[] = {FX_STEP_REQ, FX_STEP_SEND(r416), FX_STEP_REQ,
                     FX_STEP_SEND(FX_OK_HELLO)};
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, FX_STEPS(steps));
  e = fx_easy(fx_url(s, "/f"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_RESUME_FROM, 10L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(info_long(e, FERRYINFO_RESPONSE_CODE), 416);
  ASSERT_EQ(body.len, 0);
  /* the body was read to its end: the connection carries the next one */
  ferry_easy_setopt(e, FERRYOPT_RESUME_FROM, 0L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(tserver_connections(s), 1);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  /* FAILONERROR still fails on it, as with libcurl */
  s = tserver_start();
  tserver_respond_always(s, r416, 0);
  e = fx_easy(fx_url(s, "/f"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_RESUME_FROM, 10L);
  ferry_easy_setopt(e, FERRYOPT_FAILONERROR, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_HTTP_RETURNED_ERROR);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(resume_from_on_an_upload_skips_what_the_server_has) {
  tserver *s = tserver_start();
  src in = {"0123456789", 10, 0, 3};
  ferry_slist *noexpect = ferry_slist_append(NULL, "Expect:");
  char err[FERRY_ERROR_SIZE] = "";
  sink body = {0};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/u"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  ferry_easy_setopt(e, FERRYOPT_UPLOAD, 1L);
  ferry_easy_setopt(e, FERRYOPT_READFUNCTION, src_read);
  ferry_easy_setopt(e, FERRYOPT_READDATA, &in);
  ferry_easy_setopt(e, FERRYOPT_INFILESIZE, 10L);
  ferry_easy_setopt(e, FERRYOPT_RESUME_FROM, 4L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 0, f("PUT /u HTTP/1.1\r\nHost: %s\r\n"
                     "Content-Range: bytes 4-9/10\r\nAccept: */*\r\n"
                     "Content-Length: 6\r\n\r\n456789",
                     hostport(s)));
  /* -1: the whole file again, saying so */
  in.off = 0;
  ferry_easy_setopt(e, FERRYOPT_RESUME_FROM, -1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 1, f("PUT /u HTTP/1.1\r\nHost: %s\r\n"
                     "Content-Range: bytes 0-9/10\r\nAccept: */*\r\n"
                     "Content-Length: 10\r\n\r\n0123456789",
                     hostport(s)));
  /* nothing left to send */
  in.off = 0;
  ferry_easy_setopt(e, FERRYOPT_RESUME_FROM, 10L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_PARTIAL_FILE);
  ASSERT_STR_EQ(err, "File already completely uploaded");
  /* the input ends before the offset (no Expect: the body is wanted at
   * once) */
  in.off = 0;
  in.len = 3;
  ferry_easy_setopt(e, FERRYOPT_INFILESIZE, -1L);
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, noexpect);
  ferry_easy_setopt(e, FERRYOPT_RESUME_FROM, 4L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_READ_ERROR);
  ASSERT_STR_EQ(err, "Could only read 3 bytes from the input");
  /* POSTFIELDS resume the same way (UPLOAD off first: as in libcurl, it
   * would make the request a PUT from the read callback still) */
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, NULL);
  ferry_easy_setopt(e, FERRYOPT_UPLOAD, 0L);
  ferry_easy_setopt(e, FERRYOPT_POSTFIELDS, "abcdefghij");
  ferry_easy_setopt(e, FERRYOPT_RESUME_FROM, 3L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 2, f("POST /u HTTP/1.1\r\nHost: %s\r\n"
                     "Content-Range: bytes 3-9/10\r\nAccept: */*\r\n"
                     "Content-Length: 7\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n\r\n"
                     "defghij",
                     hostport(s)));
  ferry_easy_cleanup(e);
  ferry_slist_free_all(noexpect);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- HTTP_VERSION ----------------------------------------------------- */

/* As libcurl: an HTTP/1.0 request goes on a connection the answer keeps,
 * whatever the request's version: an HTTP/1.1 answer keeps it (unless it
 * says close), an HTTP/1.0 answer only with "Connection: keep-alive". */
TEST_IMPL(http_version_1_0_sends_an_http10_request_and_the_answer_keeps_the_connection) {
  tserver *s = tserver_start(), *k = tserver_start(), *c = tserver_start();
  sink body = {0};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(k);
  ASSERT_NOT_NULL(c);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  tserver_respond_always(k,
                         "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
                         "Content-Length: 5\r\n\r\nhello",
                         0);
  tserver_respond_always(c, "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello",
                         0);
  e = fx_easy(fx_url(s, "/v"), &body, NULL);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HTTP_VERSION, FERRY_HTTP_VERSION_1_0),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 0, f("GET /v HTTP/1.0\r\nHost: %s\r\nAccept: */*\r\n\r\n",
                     hostport(s)));
  ASSERT_EQ(info_long(e, FERRYINFO_HTTP_VERSION), FERRY_HTTP_VERSION_1_1);
  /* an HTTP/1.1 answer keeps the connection */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_connections(s), 1);
  /* an HTTP/1.0 one that says keep-alive keeps it */
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(k, "/v"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_connections(k), 1);
  ASSERT_EQ(info_long(e, FERRYINFO_HTTP_VERSION), FERRY_HTTP_VERSION_1_0);
  /* an HTTP/1.0 one that does not: a new connection each time */
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(c, "/v"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_connections(c), 2);
  /* 1.1 and NONE ask in HTTP/1.1 */
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/v"));
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HTTP_VERSION, FERRY_HTTP_VERSION_1_1),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 2, GET_REQ("/v", hostport(s)));
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HTTP_VERSION, FERRY_HTTP_VERSION_NONE),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 3, GET_REQ("/v", hostport(s)));
  ASSERT_MEM_EQ(body.data, body.len,
                "hellohellohellohellohellohellohellohello");
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  ASSERT_EQ(tserver_stop(k), 0);
  ASSERT_EQ(tserver_stop(c), 0);
  return 0;
}

TEST_IMPL(http_version_3_is_unsupported_protocol_and_2_is_taken) {
  static const long no[] = {FERRY_HTTP_VERSION_3, FERRY_HTTP_VERSION_3ONLY, 6L};
  static const long yes[] = {FERRY_HTTP_VERSION_NONE, FERRY_HTTP_VERSION_1_0,
                             FERRY_HTTP_VERSION_1_1, FERRY_HTTP_VERSION_2_0,
                             FERRY_HTTP_VERSION_2TLS,
                             FERRY_HTTP_VERSION_2_PRIOR_KNOWLEDGE};
  ferry_easy *e = ferry_easy_init();
  char err[FERRY_ERROR_SIZE] = "";

  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  /* as a libcurl built with HTTP/2 and without HTTP/3 */
  for (unsigned i = 0; i < sizeof(no) / sizeof(no[0]); i++)
    ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HTTP_VERSION, no[i]),
              FERRYE_UNSUPPORTED_PROTOCOL);
  ASSERT_HAS(err, "not HTTP/3");
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HTTP_VERSION, -1L),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  for (unsigned i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
    ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HTTP_VERSION, yes[i]), FERRYE_OK);
  ferry_easy_cleanup(e);
  return 0;
}

TEST_IMPL(http_version_1_0_upload_of_unknown_size_is_upload_failed) {
  tserver *s = tserver_start();
  src in = {"hello", 5, 0, 0};
  ferry_slist *te = ferry_slist_append(NULL, "Transfer-Encoding: chunked");
  char err[FERRY_ERROR_SIZE] = "";
  sink body = {0};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/p"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  ferry_easy_setopt(e, FERRYOPT_HTTP_VERSION, FERRY_HTTP_VERSION_1_0);
  ferry_easy_setopt(e, FERRYOPT_UPLOAD, 1L);
  ferry_easy_setopt(e, FERRYOPT_READFUNCTION, src_read);
  ferry_easy_setopt(e, FERRYOPT_READDATA, &in);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_UPLOAD_FAILED);
  ASSERT_STR_EQ(err, "Chunky upload is not supported by HTTP 1.0");
  /* unless the user asks for chunks, as libcurl allows */
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, te);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 0, f("PUT /p HTTP/1.0\r\nHost: %s\r\nAccept: */*\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                     hostport(s)));
  ferry_easy_cleanup(e);
  ferry_slist_free_all(te);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- TIMECONDITION ---------------------------------------------------- */

/* RFC 9110's example date, Sun, 06 Nov 1994 08:49:37 GMT */
#define T_1994 784111777L
#define DATE_1994 "Sun, 06 Nov 1994 08:49:37 GMT"

TEST_IMPL(timecondition_sends_its_header_with_an_http_date) {
  tserver *s = tserver_start();
  ferry_slist *h = ferry_slist_append(NULL, "X-A: 1");
  ferry_slist *own = ferry_slist_append(NULL, "If-Modified-Since: mine");
  sink body = {0};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/t"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, h);
  ferry_easy_setopt(e, FERRYOPT_REFERER, "http://r.test/");
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_TIMECONDITION,
                              FERRY_TIMECOND_IFMODSINCE),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_TIMEVALUE, T_1994), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  /* where libcurl puts it: after Referer, before the user's headers */
  ASSERT_REQ(s, 0, f("GET /t HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n"
                     "Referer: http://r.test/\r\n"
                     "If-Modified-Since: " DATE_1994 "\r\nX-A: 1\r\n\r\n",
                     hostport(s)));
  ASSERT_EQ(info_long(e, FERRYINFO_CONDITION_UNMET), 0);
  ferry_easy_setopt(e, FERRYOPT_REFERER, NULL);
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, NULL);
  ferry_easy_setopt(e, FERRYOPT_TIMECONDITION, FERRY_TIMECOND_IFUNMODSINCE);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_TIMEVALUE_LARGE, (ferry_off_t)0),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 1, f("GET /t HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n"
                     "If-Unmodified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
                     "\r\n",
                     hostport(s)));
  ferry_easy_setopt(e, FERRYOPT_TIMECONDITION, FERRY_TIMECOND_LASTMOD);
  ferry_easy_setopt(e, FERRYOPT_TIMEVALUE_LARGE, (ferry_off_t)T_1994);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 2, f("GET /t HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n"
                     "Last-Modified: " DATE_1994 "\r\n\r\n",
                     hostport(s)));
  /* the user's own header of that name replaces ferry's */
  ferry_easy_setopt(e, FERRYOPT_TIMECONDITION, FERRY_TIMECOND_IFMODSINCE);
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, own);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 3, f("GET /t HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n"
                     "If-Modified-Since: mine\r\n\r\n",
                     hostport(s)));
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, NULL);
  ferry_easy_setopt(e, FERRYOPT_TIMECONDITION, FERRY_TIMECOND_NONE);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 4, GET_REQ("/t", hostport(s)));
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_TIMECONDITION, 4L),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_TIMECONDITION, -1L),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ferry_easy_cleanup(e);
  ferry_slist_free_all(h);
  ferry_slist_free_all(own);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(timecondition_unmet_by_a_304_or_the_last_modified_is_condition_unmet) {
  tserver *s = tserver_start(), *lm = tserver_start();
  sink body = {0}, hdr = {0};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(lm);
  tserver_respond_always(s, "HTTP/1.1 304 Not Modified\r\n\r\n", 0);
  tserver_respond_always(lm,
                         "HTTP/1.1 200 OK\r\nLast-Modified: " DATE_1994 "\r\n"
                         "Content-Length: 5\r\n\r\nhello",
                         0);
  e = fx_easy(fx_url(s, "/t"), &body, &hdr);
  ferry_easy_setopt(e, FERRYOPT_TIMECONDITION, FERRY_TIMECOND_IFMODSINCE);
  ferry_easy_setopt(e, FERRYOPT_TIMEVALUE, T_1994);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(info_long(e, FERRYINFO_RESPONSE_CODE), 304);
  ASSERT_EQ(info_long(e, FERRYINFO_CONDITION_UNMET), 1);
  /* the document is older than asked for: as if the server said 304 */
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(lm, "/t"));
  ferry_easy_setopt(e, FERRYOPT_TIMEVALUE, T_1994 + 86400);
  sink_free(&hdr);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(info_long(e, FERRYINFO_RESPONSE_CODE), 304);
  ASSERT_EQ(info_long(e, FERRYINFO_CONDITION_UNMET), 1);
  ASSERT_EQ(body.len, 0);
  ASSERT_MEM_EQ(hdr.data, hdr.len,
                "HTTP/1.1 200 OK\r\nLast-Modified: " DATE_1994 "\r\n"
                "Content-Length: 5\r\n\r\n");
  /* If-Unmodified-Since a day before it: unmet too */
  ferry_easy_setopt(e, FERRYOPT_TIMECONDITION, FERRY_TIMECOND_IFUNMODSINCE);
  ferry_easy_setopt(e, FERRYOPT_TIMEVALUE, T_1994 - 86400);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(info_long(e, FERRYINFO_CONDITION_UNMET), 1);
  ASSERT_EQ(body.len, 0);
  /* met: the body comes */
  ferry_easy_setopt(e, FERRYOPT_TIMECONDITION, FERRY_TIMECOND_IFMODSINCE);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(info_long(e, FERRYINFO_RESPONSE_CODE), 200);
  ASSERT_EQ(info_long(e, FERRYINFO_CONDITION_UNMET), 0);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  /* with a range asked for, the Last-Modified is not checked */
  ferry_easy_setopt(e, FERRYOPT_TIMEVALUE, T_1994 + 86400);
  ferry_easy_setopt(e, FERRYOPT_RANGE, "0-4");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(info_long(e, FERRYINFO_CONDITION_UNMET), 0);
  ASSERT_MEM_EQ(body.data, body.len, "hellohello");
  ferry_easy_cleanup(e);
  sink_free(&body);
  sink_free(&hdr);
  ASSERT_EQ(tserver_stop(s), 0);
  ASSERT_EQ(tserver_stop(lm), 0);
  return 0;
}

/* ---- HEADEROPT -------------------------------------------------------- */

TEST_IMPL(headeropt_decides_which_header_lists_a_proxy_gets) {
  tserver *p = tserver_start(), *t = tserver_start();
  ts_step refuse[] = {FX_STEP_REQ,
                      FX_STEP_SEND("HTTP/1.1 403 Forbidden\r\n"
                                   "Content-Length: 0\r\n\r\n"),
                      FX_STEP_CLOSE};
  ferry_slist *hh = ferry_slist_append(NULL, "X-Server: 1");
  ferry_slist *ph = ferry_slist_append(NULL, "X-Proxy: 1");
  const char *plain = "GET http://origin.test/h HTTP/1.1\r\nHost: origin.test\r\n"
                      "Accept: */*\r\nProxy-Connection: Keep-Alive\r\n"
                      "X-Server: 1\r\n";
  sink body = {0};
  ferry_easy *e;

  ASSERT_NOT_NULL(p);
  ASSERT_NOT_NULL(t);
  tserver_respond_always(p, FX_OK_HELLO, 0);
  tserver_default_script(t, FX_STEPS(refuse));
  e = fx_easy("http://origin.test/h", &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_PROXY, f("http://%s", hostport(p)));
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, hh);
  ferry_easy_setopt(e, FERRYOPT_PROXYHEADER, ph);
  /* SEPARATE, the default: a plain proxy request gets both lists */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(p, 0, f("%sX-Proxy: 1\r\n\r\n", plain));
  /* UNIFIED: HTTPHEADER alone, PROXYHEADER has no effect */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HEADEROPT, FERRYHEADER_UNIFIED),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(p, 1, f("%s\r\n", plain));
  /* a CONNECT gets PROXYHEADER when separate, HTTPHEADER when unified */
  ferry_easy_setopt(e, FERRYOPT_PROXY, f("http://%s", hostport(t)));
  ferry_easy_setopt(e, FERRYOPT_HTTPPROXYTUNNEL, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_COULDNT_CONNECT);
  ASSERT_REQ(t, 0, "CONNECT origin.test:80 HTTP/1.1\r\nHost: origin.test:80\r\n"
                   "X-Server: 1\r\n\r\n");
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HEADEROPT, FERRYHEADER_SEPARATE),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_COULDNT_CONNECT);
  ASSERT_REQ(t, 1, "CONNECT origin.test:80 HTTP/1.1\r\nHost: origin.test:80\r\n"
                   "X-Proxy: 1\r\n\r\n");
  ferry_easy_cleanup(e);
  ferry_slist_free_all(hh);
  ferry_slist_free_all(ph);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(p), 0);
  ASSERT_EQ(tserver_stop(t), 0);
  return 0;
}

/* ---- TRAILERFUNCTION -------------------------------------------------- */

typedef struct trailers {
  int calls, abort;
} trailers;

static int add_trailers(ferry_slist **list, void *ud) {
  trailers *t = ud;
  t->calls++;
  if (t->abort)
    return FERRY_TRAILERFUNC_ABORT;
  *list = ferry_slist_append(*list, "X-Sum: 42");
  *list = ferry_slist_append(*list, "Bad:no-space");
  *list = ferry_slist_append(*list, "X-Two: 2");
  return FERRY_TRAILERFUNC_OK;
}

TEST_IMPL(trailer_function_sends_its_trailers_after_the_last_chunk) {
  tserver *s = tserver_start();
  ferry_slist *noexpect = ferry_slist_append(NULL, "Expect:");
  src in = {"hello", 5, 0, 0};
  trailers t = {0, 0};
  char err[FERRY_ERROR_SIZE] = "";
  sink body = {0};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/t"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  ferry_easy_setopt(e, FERRYOPT_UPLOAD, 1L);
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, noexpect);
  ferry_easy_setopt(e, FERRYOPT_READFUNCTION, src_read);
  ferry_easy_setopt(e, FERRYOPT_READDATA, &in);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_TRAILERFUNCTION, add_trailers),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_TRAILERDATA, &t), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(t.calls, 1);
  /* the malformed one ("Bad:no-space") is left out, as libcurl does */
  ASSERT_REQ(s, 0, f("PUT /t HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n"
                     "5\r\nhello\r\n0\r\nX-Sum: 42\r\nX-Two: 2\r\n\r\n",
                     hostport(s)));
  /* not for a body of known size: there are no chunks */
  in.off = 0;
  ferry_easy_setopt(e, FERRYOPT_INFILESIZE, 5L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(t.calls, 1);
  /* ABORT ends the transfer */
  in.off = 0;
  t.abort = 1;
  ferry_easy_setopt(e, FERRYOPT_INFILESIZE, -1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_ABORTED_BY_CALLBACK);
  ASSERT_STR_EQ(err, "operation aborted by trailing headers callback");
  ASSERT_EQ(t.calls, 2);
  ferry_easy_cleanup(e);
  ferry_slist_free_all(noexpect);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- MAXAGE_CONN and MAXLIFETIME_CONN --------------------------------- */

TEST_IMPL(maxage_conn_closes_a_connection_idle_for_longer) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/a"), &body, NULL);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  uv_sleep(300);
  /* the default, 118 s, keeps it */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_connections(s), 1);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_MAXAGE_CONN, 1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_connections(s), 1);
  uv_sleep(1100);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_connections(s), 2);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_MAXAGE_CONN, -1L),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(maxlifetime_conn_closes_a_connection_made_longer_ago) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/l"), &body, NULL);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_MAXLIFETIME_CONN, 1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  uv_sleep(600);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_connections(s), 1);
  /* never idle for long, but made 1.2 s ago */
  uv_sleep(600);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_connections(s), 2);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_MAXLIFETIME_CONN, -1L),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- TCP keepalive ---------------------------------------------------- */

typedef struct sockopts {
  ferry_easy *e;
  int keepalive, idle, intvl, cnt, seen;
} sockopts;

/* A write callback that reads the options of the transfer's socket. */
static size_t read_sockopts(char *p, size_t size, size_t n, void *ud) {
  sockopts *o = ud;
  int fd = o->e->conn->fd;
  socklen_t len = sizeof(int);
  (void)p;
  getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &o->keepalive, &len);
  len = sizeof(int);
  getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &o->idle, &len);
  len = sizeof(int);
  getsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &o->intvl, &len);
  len = sizeof(int);
  getsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &o->cnt, &len);
  o->seen = 1;
  return size * n;
}

TEST_IMPL(tcp_keepalive_sets_its_options_on_new_sockets) {
  tserver *s = tserver_start();
  sockopts o;
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = ferry_easy_init();
  memset(&o, 0, sizeof(o));
  o.e = e;
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/k"));
  ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, read_sockopts);
  ferry_easy_setopt(e, FERRYOPT_WRITEDATA, &o);
  ferry_easy_setopt(e, FERRYOPT_FORBID_REUSE, 1L);
  /* off by default */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(o.seen, 1);
  ASSERT_EQ(o.keepalive, 0);
  /* on, with libcurl's defaults */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_TCP_KEEPALIVE, 1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(o.keepalive, 1);
  ASSERT_EQ(o.idle, 60);
  ASSERT_EQ(o.intvl, 60);
  ASSERT_EQ(o.cnt, 9);
  /* and with its own */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_TCP_KEEPIDLE, 30L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_TCP_KEEPINTVL, 7L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_TCP_KEEPCNT, 4L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(o.keepalive, 1);
  ASSERT_EQ(o.idle, 30);
  ASSERT_EQ(o.intvl, 7);
  ASSERT_EQ(o.cnt, 4);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_TCP_KEEPIDLE, -1L),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_TCP_KEEPCNT, -1L),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ferry_easy_cleanup(e);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- CONNECT_TO ------------------------------------------------------- */

TEST_IMPL(connect_to_sends_the_connection_elsewhere_and_keeps_the_url_host) {
  tserver *s = tserver_start(), *s2 = tserver_start();
  ferry_slist *l = NULL, *any = NULL, *bad = NULL;
  char err[FERRY_ERROR_SIZE] = "";
  sink body = {0};
  ferry_easy *e;
  int port;

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(s2);
  port = tserver_port(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  tserver_respond_always(s2, FX_OK_HELLO, 0);
  /* another host, another port, then a match that names no target, then
   * the one that applies: the URL's port, another host */
  l = ferry_slist_append(l, f("other.test:%d:127.0.0.1:1", port));
  l = ferry_slist_append(l, "example.test:1:127.0.0.1:1");
  l = ferry_slist_append(l, f("example.test:%d::", port));
  l = ferry_slist_append(l, f("EXAMPLE.test:%d:127.0.0.1:", port));
  e = fx_easy(f("http://example.test:%d/c", port), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_CONNECT_TO, l), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_REQ(s, 0, GET_REQ("/c", f("example.test:%d", port)));
  ASSERT_STR_EQ(info_str(e, FERRYINFO_PRIMARY_IP), "127.0.0.1");
  ASSERT_EQ(info_long(e, FERRYINFO_PRIMARY_PORT), port);
  /* empty host and port match any URL; the target's port is used */
  any = ferry_slist_append(any, f("::127.0.0.1:%d", tserver_port(s2)));
  ferry_easy_setopt(e, FERRYOPT_URL, "http://elsewhere.test:81/d");
  ferry_easy_setopt(e, FERRYOPT_CONNECT_TO, any);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s2, 0, GET_REQ("/d", "elsewhere.test:81"));
  ASSERT_EQ(info_long(e, FERRYINFO_PRIMARY_PORT), tserver_port(s2));
  /* the pool tells the targets apart: the same URL, another target */
  ferry_slist_free_all(any);
  any = ferry_slist_append(NULL, f("::127.0.0.1:%d", port));
  ferry_easy_setopt(e, FERRYOPT_CONNECT_TO, any);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 1, GET_REQ("/d", "elsewhere.test:81"));
  ASSERT_EQ(tserver_requests(s2), 1);
  /* a bad port is a syntax error */
  bad = ferry_slist_append(NULL, "::127.0.0.1:99999");
  ferry_easy_setopt(e, FERRYOPT_CONNECT_TO, bad);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_SETOPT_OPTION_SYNTAX);
  ASSERT_HAS(err, "No valid port number in connect to host string");
  ferry_easy_cleanup(e);
  ferry_slist_free_all(l);
  ferry_slist_free_all(any);
  ferry_slist_free_all(bad);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  ASSERT_EQ(tserver_stop(s2), 0);
  return 0;
}

/* ---- UNIX_SOCKET_PATH ------------------------------------------------- */

/* A small HTTP server on a Unix domain socket, on its own thread: it
 * answers every request (a header section, no body) with FX_OK_HELLO and
 * keeps each connection open until the peer closes it. */
typedef struct userver {
  char path[108];
  int lfd, stop[2];
  pthread_t thread;
  pthread_mutex_t lock;
  unsigned conns, reqs;
  char first[1024];
} userver;

static void *userver_main(void *arg) {
  userver *u = arg;
  struct pollfd pf[10];
  char buf[8][2048];
  size_t have[8];
  int n = 2;

  pf[0].fd = u->lfd;
  pf[1].fd = u->stop[0];
  pf[0].events = pf[1].events = POLLIN;
  for (;;) {
    if (poll(pf, (nfds_t)n, -1) < 0)
      continue;
    if (pf[1].revents)
      break;
    if ((pf[0].revents & POLLIN) && n < 10) {
      int c = accept(u->lfd, NULL, NULL);
      if (c >= 0) {
        pf[n].fd = c;
        pf[n].events = POLLIN;
        pf[n].revents = 0;
        have[n - 2] = 0;
        n++;
        pthread_mutex_lock(&u->lock);
        u->conns++;
        pthread_mutex_unlock(&u->lock);
      }
    }
    for (int i = 2; i < n; i++) {
      ssize_t k;
      char *end;
      if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      k = read(pf[i].fd, buf[i - 2] + have[i - 2],
               sizeof(buf[0]) - 1 - have[i - 2]);
      if (k <= 0) {
        close(pf[i].fd);
        pf[i] = pf[n - 1];
        memcpy(buf[i - 2], buf[n - 3], have[n - 3]);
        have[i - 2] = have[n - 3];
        n--;
        i--;
        continue;
      }
      have[i - 2] += (size_t)k;
      buf[i - 2][have[i - 2]] = '\0';
      while ((end = strstr(buf[i - 2], "\r\n\r\n")) != NULL) {
        size_t len = (size_t)(end + 4 - buf[i - 2]);
        pthread_mutex_lock(&u->lock);
        if (u->reqs++ == 0)
          snprintf(u->first, sizeof(u->first), "%.*s", (int)len, buf[i - 2]);
        pthread_mutex_unlock(&u->lock);
        if (write(pf[i].fd, FX_OK_HELLO, strlen(FX_OK_HELLO)) < 0)
          break;
        memmove(buf[i - 2], buf[i - 2] + len, have[i - 2] - len + 1);
        have[i - 2] -= len;
      }
    }
  }
  for (int i = 2; i < n; i++)
    close(pf[i].fd);
  return NULL;
}

static int userver_start(userver *u) {
  struct sockaddr_un sa;
  memset(u, 0, sizeof(*u));
  snprintf(u->path, sizeof(u->path), "/tmp/ferry-test-%d.sock", (int)getpid());
  unlink(u->path);
  u->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path, u->path, strlen(u->path) + 1);
  if (u->lfd < 0 || bind(u->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
      listen(u->lfd, 8) != 0 || pipe(u->stop) != 0)
    return -1;
  pthread_mutex_init(&u->lock, NULL);
  return pthread_create(&u->thread, NULL, userver_main, u) == 0 ? 0 : -1;
}

static void userver_stop(userver *u) {
  if (write(u->stop[1], "x", 1) < 0)
    return;
  pthread_join(u->thread, NULL);
  close(u->lfd);
  close(u->stop[0]);
  close(u->stop[1]);
  unlink(u->path);
  pthread_mutex_destroy(&u->lock);
}

TEST_IMPL(unix_socket_path_connects_to_the_socket_and_keeps_the_url_host) {
  userver u;
  char err[FERRY_ERROR_SIZE] = "", longpath[300];
  sink body = {0};
  ferry_easy *e;

  ASSERT_EQ(userver_start(&u), 0);
  e = fx_easy("http://example.test/u", &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_UNIX_SOCKET_PATH, u.path), FERRYE_OK);
  /* a proxy is not used with a Unix socket, as in libcurl */
  ferry_easy_setopt(e, FERRYOPT_PROXY, "http://127.0.0.1:1");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_STR_EQ(info_str(e, FERRYINFO_PRIMARY_IP), u.path);
  ASSERT_EQ(info_long(e, FERRYINFO_PRIMARY_PORT), 0);
  /* the connection is kept for the same path */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  pthread_mutex_lock(&u.lock);
  ASSERT_EQ(u.conns, 1);
  ASSERT_EQ(u.reqs, 2);
  ASSERT_STR_EQ(u.first, "GET /u HTTP/1.1\r\nHost: example.test\r\n"
                         "Accept: */*\r\n\r\n");
  pthread_mutex_unlock(&u.lock);
  userver_stop(&u);
  /* no socket there */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_COULDNT_CONNECT);
  /* a path longer than a socket address holds */
  memset(longpath, 'a', sizeof(longpath) - 1);
  longpath[0] = '/';
  longpath[sizeof(longpath) - 1] = '\0';
  ferry_easy_setopt(e, FERRYOPT_UNIX_SOCKET_PATH, longpath);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_COULDNT_RESOLVE_HOST);
  ASSERT_HAS(err, "Unix socket path too long");
  ferry_easy_cleanup(e);
  sink_free(&body);
  return 0;
}

/* ---- LOCALPORT and INTERFACE ------------------------------------------ */

/* A listening socket on 127.0.0.1 holding a port whose next port is free. */
static int hold_port(int *port) {
  for (int tries = 0; tries < 50; tries++) {
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0), probe;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(fd, 1) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
      return -1;
    *port = ntohs(sa.sin_port);
    probe = socket(AF_INET, SOCK_STREAM, 0);
    sa.sin_addr.s_addr = htonl(INADDR_ANY);
    sa.sin_port = htons((uint16_t)(*port + 1));
    if (*port < 65535 && bind(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
      close(probe);
      return fd;
    }
    close(probe);
    close(fd);
  }
  return -1;
}

TEST_IMPL(localport_binds_the_port_and_one_in_use_is_interface_failed) {
  tserver *s = tserver_start();
  char err[FERRY_ERROR_SIZE] = "";
  sink body = {0};
  ferry_easy *e;
  int port = 0, held = hold_port(&port);

  ASSERT_NOT_NULL(s);
  ASSERT_GE(held, 0);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/p"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_LOCALPORT, (long)port), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_INTERFACE_FAILED);
  ASSERT_HAS(err, "bind failed with errno");
  ASSERT_EQ(info_long(e, FERRYINFO_OS_ERRNO), EADDRINUSE);
  ASSERT_EQ(tserver_connections(s), 0);
  /* a range of two: the next port */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_LOCALPORTRANGE, 2L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(info_long(e, FERRYINFO_LOCAL_PORT), port + 1);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_LOCALPORT, 65536L),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_LOCALPORTRANGE, -1L),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ferry_easy_cleanup(e);
  close(held);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(interface_binds_the_local_end_and_refuses_what_it_cannot_bind) {
  static const char *const refused[] = {"if!nosuchif0", "192.0.2.1", "::1",
                                        "name.invalid"};
  static const char *const why[] = {"Couldn't bind to interface 'nosuchif0'",
                                    "bind failed with errno",
                                    "not of the family",
                                    "Couldn't bind to 'name.invalid'"};
  tserver *s = tserver_start();
  char err[FERRY_ERROR_SIZE] = "";
  sink body = {0};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/i"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_INTERFACE, "127.0.0.2"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_STR_EQ(info_str(e, FERRYINFO_LOCAL_IP), "127.0.0.2");
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_INTERFACE, "host!127.0.0.3"),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_STR_EQ(info_str(e, FERRYINFO_LOCAL_IP), "127.0.0.3");
  /* the pool kept the two apart */
  ASSERT_EQ(tserver_connections(s), 2);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_INTERFACE, "if!lo"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_STR_EQ(info_str(e, FERRYINFO_LOCAL_IP), "127.0.0.1");
  for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
    ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_INTERFACE, refused[i]), FERRYE_OK);
    ASSERT_EQ(ferry_easy_perform(e), FERRYE_INTERFACE_FAILED);
    ASSERT_HAS(err, why[i]);
  }
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_INTERFACE, ""),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_INTERFACE, "if!"),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_INTERFACE, "host!"),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_INTERFACE, "ifhost!lo"),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  /* NULL binds to nothing again */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_INTERFACE, NULL), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- MAX_RECV_SPEED_LARGE and MAX_SEND_SPEED_LARGE -------------------- */

typedef struct uvrun {
  uv_loop_t loop;
  uv_prepare_t prep;
  unsigned long iterations;
  int closed;
} uvrun;

static void uvrun_count(uv_prepare_t *h) { ((uvrun *)h->data)->iterations++; }

static void uvrun_closed(ferry_multi *m, void *arg) {
  (void)m;
  ((uvrun *)arg)->closed = 1;
}

/* Run e on a libuv loop of its own; its result, the milliseconds it took
 * and the loop iterations meanwhile. */
static int uv_perform(ferry_easy *e, ferry_code *rc, uint64_t *took,
                      unsigned long *iterations) {
  uvrun r;
  ferry_multi *m;
  ferry_msg *msg;
  uint64_t t0;

  memset(&r, 0, sizeof(r));
  ASSERT_EQ(uv_loop_init(&r.loop), 0);
  ASSERT_EQ(uv_prepare_init(&r.loop, &r.prep), 0);
  r.prep.data = &r;
  ASSERT_EQ(uv_prepare_start(&r.prep, uvrun_count), 0);
  uv_unref((uv_handle_t *)&r.prep);
  m = ferry_multi_init();
  ASSERT_NOT_NULL(m);
  ASSERT_EQ(ferry_multi_use_loop(m, &r.loop), FERRYM_OK);
  t0 = ms_now();
  ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_OK);
  uv_run(&r.loop, UV_RUN_DEFAULT);
  *took = ms_now() - t0;
  *iterations = r.iterations;
  msg = ferry_multi_info_read(m, NULL);
  *rc = msg && msg->easy_handle == e ? msg->data.result : FERRYE_LAST;
  ASSERT_EQ(ferry_multi_remove_handle(m, e), FERRYM_OK);
  ASSERT_EQ(ferry_multi_close(m, uvrun_closed, &r), FERRYM_OK);
  uv_run(&r.loop, UV_RUN_DEFAULT);
  ASSERT_EQ(r.closed, 1);
  uv_close((uv_handle_t *)&r.prep, NULL);
  MAKE_LOOP_HAPPY(&r.loop);
  return 0;
}

/* n bytes of a repeating pattern. */
static char *pattern(size_t n) {
  char *p = malloc(n + 1);
  for (size_t i = 0; i < n; i++)
    p[i] = (char)('a' + (i * 7 + i / 251) % 26);
  p[n] = '\0';
  return p;
}

TEST_IMPL(max_recv_speed_paces_a_download_and_the_loop_sleeps_meanwhile) {
  enum { SIZE = 200000 };
  char *data = pattern(SIZE);
  char *resp = malloc(SIZE + 100);
  tserver *s = tserver_start();
  ts_step steps[] = {FX_STEP_REQ, {TS_SEND, NULL, 0, 0, 0}};
  sink body = {0};
  ferry_easy *e;
  ferry_code rc;
  uint64_t took;
  unsigned long iterations;
  int hl;

  ASSERT_NOT_NULL(s);
  hl = snprintf(resp, 100, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", SIZE);
  memcpy(resp + hl, data, SIZE);
  steps[1].data = resp;
  steps[1].len = (size_t)hl + SIZE;
  tserver_script(s, 0, FX_STEPS(steps));
  e = fx_easy(fx_url(s, "/big"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 10000L);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_MAX_RECV_SPEED_LARGE,
                              (ferry_off_t)100000),
            FERRYE_OK);
  ASSERT_EQ(uv_perform(e, &rc, &took, &iterations), 0);
  ASSERT_EQ(rc, FERRYE_OK);
  ASSERT_EQ(body.len, SIZE);
  ASSERT(memcmp(body.data, data, SIZE) == 0);
  /* 200 kB at 100 kB/s: about two seconds (less one burst of 1/16 s) */
  ASSERT_GE(took, 1800);
  ASSERT_LE(took, 3000);
  /* paced by timers, about sixteen a second: no busy loop */
  ASSERT_LE(iterations, 200);
  ferry_easy_cleanup(e);
  sink_free(&body);
  free(resp);
  free(data);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(max_send_speed_paces_an_upload) {
  enum { SIZE = 100000 };
  char *data = pattern(SIZE);
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  ferry_code rc;
  uint64_t took;
  unsigned long iterations;
  char *req;
  size_t len;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/up"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 10000L);
  ferry_easy_setopt(e, FERRYOPT_POSTFIELDS, data);
  ferry_easy_setopt(e, FERRYOPT_POSTFIELDSIZE, (long)SIZE);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_MAX_SEND_SPEED_LARGE,
                              (ferry_off_t)100000),
            FERRYE_OK);
  ASSERT_EQ(uv_perform(e, &rc, &took, &iterations), 0);
  ASSERT_EQ(rc, FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  req = tserver_request(s, 0, &len);
  ASSERT_NOT_NULL(req);
  ASSERT(len > SIZE && memcmp(req + len - SIZE, data, SIZE) == 0);
  free(req);
  /* 100 kB at 100 kB/s: about a second */
  ASSERT_GE(took, 850);
  ASSERT_LE(took, 2000);
  ASSERT_LE(iterations, 150);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_MAX_SEND_SPEED_LARGE, (ferry_off_t)-1),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_MAX_RECV_SPEED_LARGE, (ferry_off_t)-1),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ferry_easy_cleanup(e);
  sink_free(&body);
  free(data);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- setopt ----------------------------------------------------------- */

TEST_IMPL(options_setopt_checks_values_and_duphandle_copies_strings) {
  tserver *s = tserver_start();
  ferry_easy *e = ferry_easy_init(), *dup;
  sink body = {0};
  char *range = strdup("3-4"), *iface = strdup("127.0.0.1");

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(e);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_RESUME_FROM, -2L),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_RESUME_FROM_LARGE, (ferry_off_t)-2),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_RESUME_FROM, -1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_RESUME_FROM, 0L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HEADEROPT, FERRYHEADER_UNIFIED),
            FERRYE_OK);
  /* the strings are the handle's own copies, and a copy's copies */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_RANGE, range), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_INTERFACE, iface), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_UNIX_SOCKET_PATH, "/nonexistent"),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_UNIX_SOCKET_PATH, NULL), FERRYE_OK);
  free(range);
  free(iface);
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/d"));
  ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, sink_write);
  ferry_easy_setopt(e, FERRYOPT_WRITEDATA, &body);
  dup = ferry_easy_duphandle(e);
  ASSERT_NOT_NULL(dup);
  ferry_easy_cleanup(e);
  ASSERT_EQ(ferry_easy_perform(dup), FERRYE_OK);
  ASSERT_REQ(s, 0, f("GET /d HTTP/1.1\r\nHost: %s\r\nRange: bytes=3-4\r\n"
                     "Accept: */*\r\n\r\n",
                     hostport(s)));
  ASSERT_STR_EQ(info_str(dup, FERRYINFO_LOCAL_IP), "127.0.0.1");
  /* reset forgets them */
  ferry_easy_reset(dup);
  ferry_easy_setopt(dup, FERRYOPT_URL, fx_url(s, "/d"));
  ferry_easy_setopt(dup, FERRYOPT_WRITEFUNCTION, sink_write);
  ferry_easy_setopt(dup, FERRYOPT_WRITEDATA, &body);
  ASSERT_EQ(ferry_easy_perform(dup), FERRYE_OK);
  ASSERT_REQ(s, 1, GET_REQ("/d", hostport(s)));
  ferry_easy_cleanup(dup);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* Redirects and credentials: FOLLOWLOCATION with every redirect code and
 * every form of Location, REDIRECT_URL without following, MAXREDIRS, the
 * method and body of the next hop (POSTREDIR), rewinding an upload, the
 * allowed protocols, malformed Locations, AUTOREFERER and REFERER, and which
 * credentials go where (the classes of libcurl's CVE-2018-1000007,
 * CVE-2022-27774 and CVE-2022-27776). Scripted servers answer each request
 * with exact bytes; every test asserts the exact requests they received. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fx.h"
#include "test.h"

/* ---- helpers ---------------------------------------------------------- */

/* printf into one of a ring of static buffers: enough for the few strings
 * a test step holds at once. */
static const char *f(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *f(const char *fmt, ...) {
  static char bufs[32][4096];
  static unsigned slot;
  char *b = bufs[slot++ % 32];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b, sizeof(bufs[0]), fmt, ap);
  va_end(ap);
  return b;
}

/* Connection conn of s answers its requests with resp[0..n-1] in turn and
 * then stays open. */
static void serve(tserver *s, unsigned conn, const char *const *resp,
                  size_t n) {
  ts_step *steps = calloc(2 * n, sizeof(*steps));
  for (size_t i = 0; i < n; i++) {
    steps[2 * i].action = TS_WAIT_REQUEST;
    steps[2 * i + 1].action = TS_SEND;
    steps[2 * i + 1].data = resp[i];
  }
  tserver_script(s, conn, steps, 2 * n);
  free(steps);
}

#define SERVE(s, conn, ...)                                                    \
  do {                                                                         \
    const char *const r_[] = {__VA_ARGS__};                                    \
    serve((s), (conn), r_, sizeof(r_) / sizeof(r_[0]));                        \
  } while (0)

/* The head of a redirect with a 6-byte body that must never be delivered
 * when the redirect is followed. */
#define REDIR_BODY "MOVED!"
static const char *redirect_head(int code, const char *location) {
  return f("HTTP/1.1 %d Redirect\r\nLocation: %s\r\nContent-Length: 6\r\n\r\n",
           code, location);
}
static const char *redirect(int code, const char *location) {
  return f("%s" REDIR_BODY, redirect_head(code, location));
}

#define OK_HEAD "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\n"

/* A plain GET as ferry sends it. */
static const char *get_req(const char *target, const char *host) {
  return f("GET %s HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n\r\n", target, host);
}

static const char *hostport(tserver *s) {
  return f("127.0.0.1:%d", tserver_port(s));
}

/* The idx-th request s framed is exactly `want`. */
#define ASSERT_REQ(srv, idx, want)                                            \
  do {                                                                        \
    size_t l_ = 0;                                                            \
    char *r_ = tserver_request((srv), (idx), &l_);                            \
    const char *w_ = (want);                                                  \
    if (r_ == NULL)                                                           \
      TEST_FAIL_("request %d never arrived", (int)(idx));                     \
    if (l_ != strlen(w_) || memcmp(r_, w_, l_) != 0) {                        \
      fprintf(stderr,                                                         \
              "  %s:%d: request %d differs\n  got (%zu bytes):\n%.*s\n"       \
              "  want (%zu bytes):\n%s\n",                                    \
              __FILE__, __LINE__, (int)(idx), l_, (int)l_, r_, strlen(w_),    \
              w_);                                                            \
      free(r_);                                                               \
      return 1;                                                               \
    }                                                                         \
    free(r_);                                                                 \
  } while (0)

/* The ERRORBUFFER holds a message that contains `want`. */
#define ASSERT_ERR_HAS(err, want)                                             \
  do {                                                                        \
    if (strstr((err), (want)) == NULL)                                        \
      TEST_FAIL_("ERRORBUFFER \"%s\" lacks \"%s\"", (err), (want));           \
  } while (0)

static long info_long(ferry_easy *e, ferry_info what) {
  long v = -1;
  if (ferry_easy_getinfo(e, what, &v) != FERRYE_OK)
    return -2;
  return v;
}

static const char *info_str(ferry_easy *e, ferry_info what) {
  char *v = (char *)"(getinfo failed)";
  if (ferry_easy_getinfo(e, what, &v) != FERRYE_OK)
    return "(getinfo failed)";
  return v;
}

static ferry_off_t info_off(ferry_easy *e, ferry_info what) {
  ferry_off_t v = -1;
  if (ferry_easy_getinfo(e, what, &v) != FERRYE_OK)
    return -2;
  return v;
}

/* One server, one easy handle for http://127.0.0.1:PORT<path> that follows
 * redirects, writing into body and hdr, with an ERRORBUFFER and a 5 s
 * TIMEOUT_MS that turns a hang into a quick, named failure. */
typedef struct rx {
  tserver *s;
  ferry_easy *e;
  sink body, hdr;
  char err[FERRY_ERROR_SIZE];
} rx;

static int rx_start(rx *r, const char *path) {
  memset(r, 0, sizeof(*r));
  r->s = tserver_start();
  ASSERT_NOT_NULL(r->s);
  r->e = fx_easy(fx_url(r->s, path), &r->body, &r->hdr);
  ASSERT_NOT_NULL(r->e);
  ASSERT_EQ(ferry_easy_setopt(r->e, FERRYOPT_ERRORBUFFER, r->err), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(r->e, FERRYOPT_TIMEOUT_MS, 5000L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(r->e, FERRYOPT_FOLLOWLOCATION, 1L), FERRYE_OK);
  return 0;
}

static int rx_finish(rx *r) {
  ferry_easy_cleanup(r->e);
  sink_free(&r->body);
  sink_free(&r->hdr);
  ASSERT_EQ(tserver_stop(r->s), 0);
  return 0;
}

#define RX_START(r, path) ASSERT_EQ(rx_start((r), (path)), 0)
#define RX_FINISH(r) ASSERT_EQ(rx_finish(r), 0)

/* ---- following -------------------------------------------------------- */

TEST_IMPL(redirect_each_code_is_followed_and_only_the_final_body_is_delivered) {
  static const int codes[] = {301, 302, 303, 307, 308};

  for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
    rx r;
    const char *loc, *want_hdr;
    RX_START(&r, "/first");
    loc = f("http://127.0.0.1:%d/final", tserver_port(r.s));
    SERVE(r.s, 0, redirect(codes[i], loc), FX_OK_HELLO);
    ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_OK);
    ASSERT_MEM_EQ(r.body.data, r.body.len, "hello");
    want_hdr = f("%s%s", redirect_head(codes[i], loc), OK_HEAD);
    ASSERT_MEM_EQ(r.hdr.data, r.hdr.len, want_hdr);
    ASSERT_REQ(r.s, 0, get_req("/first", hostport(r.s)));
    ASSERT_REQ(r.s, 1, get_req("/final", hostport(r.s)));
    ASSERT_STR_EQ(info_str(r.e, FERRYINFO_EFFECTIVE_URL), loc);
    ASSERT_EQ(info_long(r.e, FERRYINFO_REDIRECT_COUNT), 1);
    ASSERT_EQ(info_long(r.e, FERRYINFO_RESPONSE_CODE), 200);
    ASSERT_NULL(info_str(r.e, FERRYINFO_REDIRECT_URL));
    ASSERT_EQ(info_off(r.e, FERRYINFO_SIZE_DOWNLOAD_T), 5);
    /* the same origin: the connection is kept for the next hop */
    ASSERT_EQ(tserver_connections(r.s), 1);
    ASSERT_EQ(tserver_requests(r.s), 2);
    RX_FINISH(&r);
  }
  return 0;
}

TEST_IMPL(redirect_location_forms_resolve_against_the_current_hop) {
  rx r;
  const char *h1, *h2, *h3, *h4, *final;
  /* a chunked redirect body, skipped just as well */
  const char *chunked =
      "HTTP/1.1 307 Temporary Redirect\r\nLocation: //127.0.0.1:%d/end\r\n"
      "Transfer-Encoding: chunked\r\n\r\n6\r\nMOVED!\r\n0\r\n\r\n";

  RX_START(&r, "/a/b/c?x=1");
  h1 = redirect(301, "../x/y");     /* relative: /a/x/y */
  h2 = redirect(302, "?q=2");       /* query only: /a/x/y?q=2 */
  h3 = redirect(303, "/p/../abs");  /* absolute path: /abs */
  h4 = f(chunked, tserver_port(r.s)); /* scheme-relative: /end */
  SERVE(r.s, 0, h1, h2, h3, h4, FX_OK_HELLO);
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_OK);
  ASSERT_MEM_EQ(r.body.data, r.body.len, "hello");
  ASSERT_REQ(r.s, 0, get_req("/a/b/c?x=1", hostport(r.s)));
  ASSERT_REQ(r.s, 1, get_req("/a/x/y", hostport(r.s)));
  ASSERT_REQ(r.s, 2, get_req("/a/x/y?q=2", hostport(r.s)));
  ASSERT_REQ(r.s, 3, get_req("/abs", hostport(r.s)));
  ASSERT_REQ(r.s, 4, get_req("/end", hostport(r.s)));
  final = f("http://127.0.0.1:%d/end", tserver_port(r.s));
  ASSERT_STR_EQ(info_str(r.e, FERRYINFO_EFFECTIVE_URL), final);
  ASSERT_EQ(info_long(r.e, FERRYINFO_REDIRECT_COUNT), 4);
  ASSERT_EQ(info_long(r.e, FERRYINFO_RESPONSE_CODE), 200);
  /* every response's header lines reached the header callback */
  ASSERT(strstr(r.hdr.data, "HTTP/1.1 301 Redirect\r\nLocation: ../x/y\r\n"));
  ASSERT(strstr(r.hdr.data, "HTTP/1.1 302 Redirect\r\nLocation: ?q=2\r\n"));
  ASSERT(strstr(r.hdr.data, "HTTP/1.1 303 Redirect\r\nLocation: /p/../abs\r\n"));
  ASSERT(strstr(r.hdr.data, "Transfer-Encoding: chunked\r\n\r\nHTTP/1.1 200 OK\r\n"));
  ASSERT_EQ(tserver_connections(r.s), 1);
  ASSERT_EQ(tserver_requests(r.s), 5);
  RX_FINISH(&r);
  return 0;
}

TEST_IMPL(redirect_with_connection_close_continues_on_a_new_connection) {
  rx r;
  RX_START(&r, "/one");
  {
    ts_step first[] = {
        FX_STEP_REQ,
        FX_STEP_SEND("HTTP/1.1 302 Found\r\nLocation: /two\r\n"
                     "Connection: close\r\nContent-Length: 6\r\n\r\n" REDIR_BODY),
        FX_STEP_CLOSE,
    };
    tserver_script(r.s, 0, FX_STEPS(first));
  }
  SERVE(r.s, 1, FX_OK_HELLO);
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_OK);
  ASSERT_MEM_EQ(r.body.data, r.body.len, "hello");
  ASSERT_REQ(r.s, 1, get_req("/two", hostport(r.s)));
  ASSERT_EQ(tserver_connections(r.s), 2);
  ASSERT_EQ(info_long(r.e, FERRYINFO_REDIRECT_COUNT), 1);
  RX_FINISH(&r);
  return 0;
}

TEST_IMPL(redirect_not_followed_delivers_its_body_and_gives_redirect_url) {
  rx r;
  RX_START(&r, "/dir/page");
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_FOLLOWLOCATION, 0L), FERRYE_OK);
  SERVE(r.s, 0, redirect(302, "../other?y=1"), FX_OK_HELLO);
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_OK);
  ASSERT_MEM_EQ(r.body.data, r.body.len, REDIR_BODY);
  ASSERT_EQ(info_long(r.e, FERRYINFO_RESPONSE_CODE), 302);
  ASSERT_EQ(info_long(r.e, FERRYINFO_REDIRECT_COUNT), 0);
  ASSERT_STR_EQ(info_str(r.e, FERRYINFO_REDIRECT_URL),
                f("http://127.0.0.1:%d/other?y=1", tserver_port(r.s)));
  ASSERT_STR_EQ(info_str(r.e, FERRYINFO_EFFECTIVE_URL),
                f("http://127.0.0.1:%d/dir/page", tserver_port(r.s)));
  ASSERT_EQ(tserver_requests(r.s), 1);
  /* the next transfer of the handle gets a 200: no REDIRECT_URL */
  sink_free(&r.body);
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_OK);
  ASSERT_MEM_EQ(r.body.data, r.body.len, "hello");
  ASSERT_EQ(info_long(r.e, FERRYINFO_RESPONSE_CODE), 200);
  ASSERT_NULL(info_str(r.e, FERRYINFO_REDIRECT_URL));
  ASSERT_EQ(tserver_requests(r.s), 2);
  RX_FINISH(&r);
  return 0;
}

/* ---- MAXREDIRS -------------------------------------------------------- */

static int redirect_loop(long maxredirs, int set, unsigned want_requests) {
  rx r;
  RX_START(&r, "/loop");
  tserver_respond_always(r.s, redirect(302, "/loop"), 0);
  if (set)
    ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_MAXREDIRS, maxredirs), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_TOO_MANY_REDIRECTS);
  ASSERT_STR_EQ(r.err, f("Maximum (%ld) redirects followed", maxredirs));
  ASSERT_EQ(tserver_requests(r.s), want_requests);
  ASSERT_EQ(info_long(r.e, FERRYINFO_REDIRECT_COUNT), (long)want_requests - 1);
  ASSERT_EQ(info_long(r.e, FERRYINFO_RESPONSE_CODE), 302);
  ASSERT_STR_EQ(info_str(r.e, FERRYINFO_REDIRECT_URL),
                f("http://127.0.0.1:%d/loop", tserver_port(r.s)));
  ASSERT_EQ(r.body.len, 0);
  ASSERT_EQ(tserver_connections(r.s), 1);
  RX_FINISH(&r);
  return 0;
}

TEST_IMPL(maxredirs_3_fails_a_loop_after_three_followed_hops) {
  ASSERT_EQ(redirect_loop(3, 1, 4), 0);
  return 0;
}

TEST_IMPL(maxredirs_0_fails_on_the_first_redirect) {
  ASSERT_EQ(redirect_loop(0, 1, 1), 0);
  return 0;
}

TEST_IMPL(maxredirs_default_is_30) {
  ASSERT_EQ(redirect_loop(30, 0, 31), 0);
  return 0;
}

TEST_IMPL(maxredirs_minus_1_follows_40_hops_to_the_200) {
  enum { HOPS = 40 };
  const char *resp[HOPS + 1];
  char *locs[HOPS];
  rx r;

  RX_START(&r, "/h0");
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_MAXREDIRS, -1L), FERRYE_OK);
  for (int i = 0; i < HOPS; i++) {
    locs[i] = strdup(redirect(i % 2 ? 307 : 302, f("/h%d", i + 1)));
    resp[i] = locs[i];
  }
  resp[HOPS] = FX_OK_HELLO;
  serve(r.s, 0, resp, HOPS + 1);
  for (int i = 0; i < HOPS; i++)
    free(locs[i]);
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_OK);
  ASSERT_MEM_EQ(r.body.data, r.body.len, "hello");
  ASSERT_EQ(info_long(r.e, FERRYINFO_REDIRECT_COUNT), HOPS);
  ASSERT_EQ(tserver_requests(r.s), HOPS + 1);
  ASSERT_REQ(r.s, HOPS, get_req(f("/h%d", HOPS), hostport(r.s)));
  ASSERT_EQ(tserver_connections(r.s), 1);
  RX_FINISH(&r);
  return 0;
}

/* ---- the method and body of the next hop ------------------------------ */

static const char *post_req(const char *target, const char *host,
                            const char *body) {
  return f("POST %s HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n"
           "Content-Length: %zu\r\n"
           "Content-Type: application/x-www-form-urlencoded\r\n\r\n%s",
           target, host, strlen(body), body);
}

/* POST "a=1&b=2" to /form, answered with code and then a 200; the second
 * request is a POST again (keeps_post) or a GET without a body. */
static int post_then(int code, long postredir, int keeps_post) {
  rx r;
  RX_START(&r, "/form");
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_POSTFIELDS, "a=1&b=2"), FERRYE_OK);
  if (postredir >= 0)
    ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_POSTREDIR, postredir), FERRYE_OK);
  SERVE(r.s, 0, redirect(code, "/next"), FX_OK_HELLO);
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_OK);
  ASSERT_MEM_EQ(r.body.data, r.body.len, "hello");
  ASSERT_REQ(r.s, 0, post_req("/form", hostport(r.s), "a=1&b=2"));
  if (keeps_post) {
    ASSERT_REQ(r.s, 1, post_req("/next", hostport(r.s), "a=1&b=2"));
    ASSERT_STR_EQ(info_str(r.e, FERRYINFO_EFFECTIVE_METHOD), "POST");
  } else {
    ASSERT_REQ(r.s, 1, get_req("/next", hostport(r.s)));
    ASSERT_STR_EQ(info_str(r.e, FERRYINFO_EFFECTIVE_METHOD), "GET");
  }
  ASSERT_EQ(tserver_connections(r.s), 1);
  RX_FINISH(&r);
  return 0;
}

TEST_IMPL(post_redirected_by_301_or_302_becomes_a_get_without_body) {
  ASSERT_EQ(post_then(301, -1, 0), 0);
  ASSERT_EQ(post_then(302, -1, 0), 0);
  return 0;
}

TEST_IMPL(post_redirected_by_303_becomes_a_get) {
  ASSERT_EQ(post_then(303, -1, 0), 0);
  /* POSTREDIR bits for 301 and 302 do not keep a POST on a 303 */
  ASSERT_EQ(post_then(303, FERRY_REDIR_POST_301 | FERRY_REDIR_POST_302, 0), 0);
  return 0;
}

TEST_IMPL(post_redirected_by_307_or_308_is_sent_again_with_the_same_body) {
  ASSERT_EQ(post_then(307, -1, 1), 0);
  ASSERT_EQ(post_then(308, -1, 1), 0);
  return 0;
}

TEST_IMPL(postredir_bits_keep_post_on_301_302_and_303) {
  ASSERT_EQ(post_then(301, FERRY_REDIR_POST_301, 1), 0);
  ASSERT_EQ(post_then(302, FERRY_REDIR_POST_301, 0), 0);
  ASSERT_EQ(post_then(302, FERRY_REDIR_POST_302, 1), 0);
  ASSERT_EQ(post_then(301, FERRY_REDIR_POST_302, 0), 0);
  /* libcurl's CURL_REDIR_POST_303 keeps a POST on a 303 */
  ASSERT_EQ(post_then(303, FERRY_REDIR_POST_303, 1), 0);
  ASSERT_EQ(post_then(301, FERRY_REDIR_POST_ALL, 1), 0);
  ASSERT_EQ(post_then(302, FERRY_REDIR_POST_ALL, 1), 0);
  ASSERT_EQ(post_then(303, FERRY_REDIR_POST_ALL, 1), 0);
  return 0;
}

TEST_IMPL(large_post_redirected_by_308_is_sent_again_whole) {
  enum { N = 40000 };
  char *data = malloc(N + 1), *req;
  const char *head;
  size_t len, hlen;
  rx r;

  for (size_t i = 0; i < N; i++)
    data[i] = (char)('a' + i % 26);
  data[N] = '\0';
  RX_START(&r, "/big");
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_POSTFIELDS, data), FERRYE_OK);
  SERVE(r.s, 0, redirect(308, "/again"), FX_OK_HELLO);
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_OK);
  ASSERT_MEM_EQ(r.body.data, r.body.len, "hello");
  head = f("POST /again HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n"
           "Content-Length: %d\r\n"
           "Content-Type: application/x-www-form-urlencoded\r\n\r\n",
           hostport(r.s), N);
  hlen = strlen(head);
  req = tserver_request(r.s, 1, &len);
  ASSERT_NOT_NULL(req);
  ASSERT_EQ(len, hlen + N);
  ASSERT_MEM_EQ(req, hlen, head);
  ASSERT(memcmp(req + hlen, data, N) == 0);
  free(req);
  free(data);
  RX_FINISH(&r);
  return 0;
}

typedef struct reader {
  const char *data;
  size_t len, off;
  unsigned calls;
} reader;

static size_t read_from(char *buf, size_t size, size_t n, void *ud) {
  reader *rd = ud;
  size_t room = size * n, left = rd->len - rd->off;
  rd->calls++;
  if (room > left)
    room = left;
  memcpy(buf, rd->data + rd->off, room);
  rd->off += room;
  return room;
}

TEST_IMPL(head_redirected_by_303_stays_head_and_put_becomes_get) {
  rx r;
  reader rd = {"put-payload", 11, 0, 0};

  RX_START(&r, "/h");
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_NOBODY, 1L), FERRYE_OK);
  /* a HEAD's responses carry no body, whatever Content-Length says */
  SERVE(r.s, 0,
        f("HTTP/1.1 303 See Other\r\nLocation: /h2\r\nContent-Length: 6\r\n\r\n"),
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", redirect(303, "/p2"),
        FX_OK_HELLO);
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_OK);
  ASSERT_EQ(r.body.len, 0);
  ASSERT_REQ(r.s, 0, f("HEAD /h HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n\r\n",
                       hostport(r.s)));
  ASSERT_REQ(r.s, 1, f("HEAD /h2 HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n\r\n",
                       hostport(r.s)));
  ASSERT_STR_EQ(info_str(r.e, FERRYINFO_EFFECTIVE_METHOD), "HEAD");

  /* an upload: PUT, then a GET without a body */
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_URL, fx_url(r.s, "/p")), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_UPLOAD, 1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_READFUNCTION, read_from), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_READDATA, &rd), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_INFILESIZE, 11L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_OK);
  ASSERT_MEM_EQ(r.body.data, r.body.len, "hello");
  ASSERT_REQ(r.s, 2, f("PUT /p HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n"
                       "Content-Length: 11\r\n\r\nput-payload",
                       hostport(r.s)));
  ASSERT_REQ(r.s, 3, get_req("/p2", hostport(r.s)));
  ASSERT_STR_EQ(info_str(r.e, FERRYINFO_EFFECTIVE_METHOD), "GET");
  ASSERT_EQ(tserver_connections(r.s), 1);
  RX_FINISH(&r);
  return 0;
}

/* An upload from the read callback, answered with code after its body
 * arrived: ferry cannot read the body again. */
static int upload_then(int code, int use_post) {
  rx r;
  reader rd = {"hello world", 11, 0, 0};

  RX_START(&r, "/up");
  if (use_post)
    ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_POST, 1L), FERRYE_OK);
  else
    ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_UPLOAD, 1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_READFUNCTION, read_from), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_READDATA, &rd), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_INFILESIZE, 11L), FERRYE_OK);
  SERVE(r.s, 0, redirect(code, "/again"), FX_OK_HELLO);
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_SEND_FAIL_REWIND);
  ASSERT_ERR_HAS(r.err, "cannot be rewound");
  ASSERT_EQ(tserver_requests(r.s), 1);
  ASSERT_REQ(r.s, 0,
             f("%s /up HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n"
               "Content-Length: 11\r\n%s\r\nhello world",
               use_post ? "POST" : "PUT", hostport(r.s),
               use_post ? "Content-Type: application/x-www-form-urlencoded\r\n"
                        : ""));
  ASSERT_EQ(r.body.len, 0);
  ASSERT_EQ(info_long(r.e, FERRYINFO_RESPONSE_CODE), code);
  RX_FINISH(&r);
  return 0;
}

TEST_IMPL(upload_from_read_callback_redirected_by_307_or_308_is_send_fail_rewind) {
  ASSERT_EQ(upload_then(307, 0), 0);
  ASSERT_EQ(upload_then(308, 0), 0);
  ASSERT_EQ(upload_then(307, 1), 0);
  return 0;
}

/* ---- protocols -------------------------------------------------------- */

TEST_IMPL(redirect_to_ftp_is_unsupported_protocol) {
  rx r;
  RX_START(&r, "/");
  SERVE(r.s, 0, redirect(302, "ftp://127.0.0.1/file"));
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_UNSUPPORTED_PROTOCOL);
  ASSERT_ERR_HAS(r.err, "unsupported scheme");
  ASSERT_EQ(r.body.len, 0);
  ASSERT_EQ(tserver_requests(r.s), 1);
  ASSERT_EQ(tserver_connections(r.s), 1);
  RX_FINISH(&r);
  return 0;
}

TEST_IMPL(redir_protocols_https_refuses_a_redirect_to_http) {
  rx r;
  RX_START(&r, "/");
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_REDIR_PROTOCOLS_STR, "https"),
            FERRYE_OK);
  SERVE(r.s, 0, redirect(302, "/next"), FX_OK_HELLO);
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_UNSUPPORTED_PROTOCOL);
  ASSERT_STR_EQ(r.err,
                "Protocol \"http\" not supported or disabled for redirects");
  ASSERT_EQ(tserver_requests(r.s), 1);
  /* as libcurl: the redirect was counted, and the URL refused is the
   * effective one */
  ASSERT_EQ(info_long(r.e, FERRYINFO_REDIRECT_COUNT), 1);
  ASSERT_STR_EQ(info_str(r.e, FERRYINFO_EFFECTIVE_URL),
                f("http://127.0.0.1:%d/next", tserver_port(r.s)));
  ASSERT_EQ(r.body.len, 0);
  RX_FINISH(&r);
  return 0;
}

TEST_IMPL(protocols_https_refuses_an_http_url_before_connecting) {
  rx r;
  RX_START(&r, "/");
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_PROTOCOLS_STR, "https"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_UNSUPPORTED_PROTOCOL);
  ASSERT_ERR_HAS(r.err, "Protocol \"http\" not supported or disabled");
  ASSERT_EQ(tserver_connections(r.s), 0);
  RX_FINISH(&r);
  return 0;
}

TEST_IMPL(protocols_http_refuses_a_redirect_to_https) {
  rx r;
  RX_START(&r, "/");
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_PROTOCOLS_STR, "http"), FERRYE_OK);
  SERVE(r.s, 0,
        redirect(302, f("https://127.0.0.1:%d/secure", tserver_port(r.s))));
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_UNSUPPORTED_PROTOCOL);
  /* refused by the option, which applies to every hop, as in libcurl */
  ASSERT_ERR_HAS(r.err, "Protocol \"https\" not supported or disabled");
  ASSERT_EQ(tserver_requests(r.s), 1);
  ASSERT_EQ(tserver_connections(r.s), 1);
  RX_FINISH(&r);
  return 0;
}

TEST_IMPL(protocols_list_without_a_known_protocol_is_bad_function_argument) {
  char err[FERRY_ERROR_SIZE] = "";
  ferry_easy *e = ferry_easy_init();
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_PROTOCOLS_STR, "gopher"),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_ERR_HAS(err, "gopher");
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_REDIR_PROTOCOLS_STR, "gopher"),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  /* names are case-insensitive; "all" and a known name in a list are fine */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_PROTOCOLS_STR, "HTTP,gopher"),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_REDIR_PROTOCOLS_STR, "all"),
            FERRYE_OK);
  ferry_easy_cleanup(e);
  return 0;
}

/* ---- malformed Location ----------------------------------------------- */

static int malformed_location(const char *loc, const char *why) {
  rx r;

  RX_START(&r, "/");
  tserver_respond_always(r.s, redirect(302, loc), 0);
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_URL_MALFORMAT);
  ASSERT_STR_EQ(r.err, f("Malformed Location: %s", why));
  ASSERT_EQ(r.body.len, 0);
  ASSERT_EQ(info_long(r.e, FERRYINFO_RESPONSE_CODE), 302);
  /* as libcurl: the response was read whole (its body counted, not
   * delivered), the redirect counted, and the connection stays */
  ASSERT_EQ(info_off(r.e, FERRYINFO_SIZE_DOWNLOAD_T), strlen(REDIR_BODY));
  ASSERT_EQ(info_long(r.e, FERRYINFO_REDIRECT_COUNT), 1);
  ASSERT_NULL(info_str(r.e, FERRYINFO_REDIRECT_URL));
  /* without FOLLOWLOCATION it is just a response */
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_FOLLOWLOCATION, 0L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_OK);
  ASSERT_MEM_EQ(r.body.data, r.body.len, REDIR_BODY);
  /* REDIRECT_URL is the Location as it came, as libcurl gives it */
  ASSERT_STR_EQ(info_str(r.e, FERRYINFO_REDIRECT_URL), loc);
  ASSERT_EQ(info_long(r.e, FERRYINFO_RESPONSE_CODE), 302);
  ASSERT_EQ(tserver_connections(r.s), 1);
  RX_FINISH(&r);
  return 0;
}

TEST_IMPL(malformed_location_is_url_malformat_only_when_following) {
  ASSERT_EQ(malformed_location("http://[::1", "missing ] in IPv6 address"), 0);
  ASSERT_EQ(malformed_location("http://h:99999/", "port number out of range"), 0);
  return 0;
}

/* ---- Referer ---------------------------------------------------------- */

TEST_IMPL(autoreferer_sends_the_previous_url_without_userinfo_or_fragment) {
  rx r;
  const char *p1 = "/start?x=1", *p2 = "/next", *host;

  RX_START(&r, "/");
  host = hostport(r.s);
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_URL,
                              f("http://u:p@%s%s#frag", host, p1)),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_AUTOREFERER, 1L), FERRYE_OK);
  SERVE(r.s, 0, redirect(302, p2), redirect(301, "/last"), FX_OK_HELLO);
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_OK);
  ASSERT_REQ(r.s, 0,
             f("GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Basic dTpw\r\n"
               "Accept: */*\r\n\r\n",
               p1, host));
  ASSERT_REQ(r.s, 1,
             f("GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Basic dTpw\r\n"
               "Accept: */*\r\nReferer: http://%s%s\r\n\r\n",
               p2, host, host, p1));
  ASSERT_REQ(r.s, 2,
             f("GET /last HTTP/1.1\r\nHost: %s\r\nAuthorization: Basic dTpw\r\n"
               "Accept: */*\r\nReferer: http://%s%s\r\n\r\n",
               host, host, p2));
  RX_FINISH(&r);
  return 0;
}

TEST_IMPL(referer_option_is_sent_on_the_first_request_and_each_hop) {
  rx r;
  const char *host;

  RX_START(&r, "/one");
  host = hostport(r.s);
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_REFERER, "http://from.example/page"),
            FERRYE_OK);
  SERVE(r.s, 0, redirect(302, "/two"), FX_OK_HELLO, redirect(302, "/four"),
        FX_OK_HELLO);
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_OK);
  ASSERT_REQ(r.s, 0,
             f("GET /one HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n"
               "Referer: http://from.example/page\r\n\r\n",
               host));
  ASSERT_REQ(r.s, 1,
             f("GET /two HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n"
               "Referer: http://from.example/page\r\n\r\n",
               host));
  /* with AUTOREFERER the option goes on the first request only */
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_URL, fx_url(r.s, "/three")),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_AUTOREFERER, 1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_OK);
  ASSERT_REQ(r.s, 2,
             f("GET /three HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n"
               "Referer: http://from.example/page\r\n\r\n",
               host));
  ASSERT_REQ(r.s, 3,
             f("GET /four HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n"
               "Referer: http://%s/three\r\n\r\n",
               host, host));
  RX_FINISH(&r);
  return 0;
}

/* ---- credentials ------------------------------------------------------ */

/* Where credentials come from. */
enum cred_src {
  CRED_USERPWD,
  CRED_USERNAME_PASSWORD,
  CRED_URL_USERINFO,
  CRED_BEARER,
  CRED_HEADER_AUTHORIZATION,
  CRED_HEADER_COOKIE,
  CRED_HEADER_PROXY_AUTHORIZATION,
  CRED_COUNT
};

static const char *const cred_names[CRED_COUNT] = {
    "USERPWD",
    "USERNAME+PASSWORD",
    "URL userinfo",
    "XOAUTH2_BEARER",
    "HTTPHEADER Authorization",
    "HTTPHEADER Cookie",
    "HTTPHEADER Proxy-Authorization",
};

/* The header ferry makes from the source, or the user's own header line. */
static const char *cred_made(enum cred_src src) {
  switch (src) {
  case CRED_USERPWD:
  case CRED_USERNAME_PASSWORD:
  case CRED_URL_USERINFO:
    return "Authorization: Basic dXNlcjpwYXNz\r\n"; /* "user:pass" */
  case CRED_BEARER:
    return "Authorization: Bearer tok-123\r\n";
  default:
    return "";
  }
}

static const char *cred_user_header(enum cred_src src) {
  switch (src) {
  case CRED_HEADER_AUTHORIZATION:
    return "Authorization: Custom secret-1";
  case CRED_HEADER_COOKIE:
    return "Cookie: sid=secret-2";
  case CRED_HEADER_PROXY_AUTHORIZATION:
    return "Proxy-Authorization: Basic c2VjcmV0OjM=";
  default:
    return NULL;
  }
}

/* A request as ferry sends it, with or without the credentials of src. The
 * user's headers always include "X-Keep: 1", which is no credential and
 * goes everywhere. */
static const char *cred_req(const char *target, const char *host,
                            enum cred_src src, int with_creds) {
  const char *uh = cred_user_header(src);
  return f("GET %s HTTP/1.1\r\nHost: %s\r\n%sAccept: */*\r\n%s%sX-Keep: 1\r\n\r\n",
           target, host, with_creds ? cred_made(src) : "",
           with_creds && uh ? uh : "", with_creds && uh ? "\r\n" : "");
}

/* Where the redirect goes. */
enum cred_dest {
  DEST_SAME_ORIGIN,   /* http://a.test:P1 again */
  DEST_OTHER_PORT,    /* http://a.test:P2, a second server */
  DEST_OTHER_HOST,    /* http://b.test:P1, the same server */
  DEST_BACK_TO_FIRST  /* b.test:P1, then back to a.test:P1 */
};

/* Both names and both ports resolve to 127.0.0.1 through RESOLVE, so the
 * Host header is the only difference the servers see. */
static int cred_case(enum cred_src src, enum cred_dest dest, int unrestricted) {
  tserver *s1 = tserver_start(), *s2 = NULL;
  ferry_slist *resolve = NULL, *headers = NULL;
  sink body = {0};
  ferry_easy *e;
  char err[FERRY_ERROR_SIZE] = "";
  int p1, p2 = 0;
  char a1[64], b1[64], a2[64];
  int kept = dest == DEST_SAME_ORIGIN || unrestricted;

  ASSERT_NOT_NULL(s1);
  p1 = tserver_port(s1);
  snprintf(a1, sizeof(a1), "a.test:%d", p1);
  snprintf(b1, sizeof(b1), "b.test:%d", p1);
  resolve = ferry_slist_append(resolve, f("%s:127.0.0.1", a1));
  resolve = ferry_slist_append(resolve, f("%s:127.0.0.1", b1));
  if (dest == DEST_OTHER_PORT) {
    s2 = tserver_start();
    ASSERT_NOT_NULL(s2);
    p2 = tserver_port(s2);
    snprintf(a2, sizeof(a2), "a.test:%d", p2);
    resolve = ferry_slist_append(resolve, f("%s:127.0.0.1", a2));
  }
  switch (dest) {
  case DEST_SAME_ORIGIN:
    SERVE(s1, 0, redirect(302, f("http://%s/next", a1)), FX_OK_HELLO);
    break;
  case DEST_OTHER_PORT:
    SERVE(s1, 0, redirect(302, f("http://%s/next", a2)));
    SERVE(s2, 0, FX_OK_HELLO);
    break;
  case DEST_OTHER_HOST:
    SERVE(s1, 0, redirect(302, f("http://%s/next", b1)));
    SERVE(s1, 1, FX_OK_HELLO);
    break;
  case DEST_BACK_TO_FIRST:
    SERVE(s1, 0, redirect(302, f("http://%s/next", b1)), FX_OK_HELLO);
    SERVE(s1, 1, redirect(302, f("http://%s/back", a1)));
    break;
  }

  e = fx_easy(src == CRED_URL_USERINFO ? f("http://user:pass@%s/start", a1)
                                       : f("http://%s/start", a1),
              &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 5000L);
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L);
  ferry_easy_setopt(e, FERRYOPT_RESOLVE, resolve);
  if (unrestricted)
    ferry_easy_setopt(e, FERRYOPT_UNRESTRICTED_AUTH, 1L);
  if (cred_user_header(src))
    headers = ferry_slist_append(headers, cred_user_header(src));
  headers = ferry_slist_append(headers, "X-Keep: 1");
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, headers);
  switch (src) {
  case CRED_USERPWD:
    ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_USERPWD, "user:pass"), FERRYE_OK);
    break;
  case CRED_USERNAME_PASSWORD:
    ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_USERNAME, "user"), FERRYE_OK);
    ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_PASSWORD, "pass"), FERRYE_OK);
    break;
  case CRED_BEARER:
    ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_XOAUTH2_BEARER, "tok-123"), FERRYE_OK);
    ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_BEARER),
              FERRYE_OK);
    break;
  default:
    break;
  }

  if (ferry_easy_perform(e) != FERRYE_OK)
    TEST_FAIL_("perform failed: %s", err);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_REQ(s1, 0, cred_req("/start", a1, src, 1));
  switch (dest) {
  case DEST_SAME_ORIGIN:
    ASSERT_REQ(s1, 1, cred_req("/next", a1, src, kept));
    ASSERT_EQ(tserver_connections(s1), 1);
    break;
  case DEST_OTHER_PORT:
    ASSERT_REQ(s2, 0, cred_req("/next", a2, src, kept));
    break;
  case DEST_OTHER_HOST:
    ASSERT_REQ(s1, 1, cred_req("/next", b1, src, kept));
    ASSERT_EQ(tserver_connections(s1), 2);
    break;
  case DEST_BACK_TO_FIRST:
    ASSERT_REQ(s1, 1, cred_req("/next", b1, src, kept));
    /* back where the credentials belong: they go again */
    ASSERT_REQ(s1, 2, cred_req("/back", a1, src, 1));
    ASSERT_EQ(info_long(e, FERRYINFO_REDIRECT_COUNT), 2);
    break;
  }

  ferry_easy_cleanup(e);
  ferry_slist_free_all(resolve);
  ferry_slist_free_all(headers);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s1), 0);
  if (s2)
    ASSERT_EQ(tserver_stop(s2), 0);
  return 0;
}

static int cred_matrix(enum cred_dest dest, int unrestricted) {
  for (int src = 0; src < CRED_COUNT; src++) {
    if (cred_case((enum cred_src)src, dest, unrestricted) != 0)
      TEST_FAIL_("credentials from %s", cred_names[src]);
  }
  return 0;
}

TEST_IMPL(credentials_of_every_source_are_kept_on_a_same_origin_redirect) {
  ASSERT_EQ(cred_matrix(DEST_SAME_ORIGIN, 0), 0);
  return 0;
}

TEST_IMPL(credentials_of_every_source_are_dropped_on_a_redirect_to_another_port) {
  ASSERT_EQ(cred_matrix(DEST_OTHER_PORT, 0), 0);
  return 0;
}

TEST_IMPL(credentials_of_every_source_are_dropped_on_a_redirect_to_another_host) {
  ASSERT_EQ(cred_matrix(DEST_OTHER_HOST, 0), 0);
  return 0;
}

TEST_IMPL(credentials_of_every_source_return_with_a_redirect_to_the_first_origin) {
  ASSERT_EQ(cred_matrix(DEST_BACK_TO_FIRST, 0), 0);
  return 0;
}

TEST_IMPL(unrestricted_auth_sends_credentials_of_every_source_to_other_origins) {
  ASSERT_EQ(cred_matrix(DEST_OTHER_PORT, 1), 0);
  ASSERT_EQ(cred_matrix(DEST_OTHER_HOST, 1), 0);
  return 0;
}

TEST_IMPL(location_with_its_own_userinfo_to_another_host_sends_no_credentials) {
  rx r;
  ferry_slist *resolve = NULL;
  const char *a, *b;

  RX_START(&r, "/");
  a = f("a.test:%d", tserver_port(r.s));
  b = f("b.test:%d", tserver_port(r.s));
  resolve = ferry_slist_append(resolve, f("%s:127.0.0.1", a));
  resolve = ferry_slist_append(resolve, f("%s:127.0.0.1", b));
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_RESOLVE, resolve), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_URL, f("http://%s/", a)), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_USERPWD, "user:pass"), FERRYE_OK);
  SERVE(r.s, 0, redirect(302, f("http://evil:x@%s/next", b)));
  SERVE(r.s, 1, FX_OK_HELLO);
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_OK);
  ASSERT_REQ(r.s, 0,
             f("GET / HTTP/1.1\r\nHost: %s\r\n"
               "Authorization: Basic dXNlcjpwYXNz\r\nAccept: */*\r\n\r\n",
               a));
  ASSERT_REQ(r.s, 1, get_req("/next", b));
  ferry_slist_free_all(resolve);
  RX_FINISH(&r);
  return 0;
}

TEST_IMPL(bearer_token_is_sent_only_when_httpauth_allows_bearer) {
  rx r;
  RX_START(&r, "/");
  tserver_respond_always(r.s, FX_OK_HELLO, 0);
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_XOAUTH2_BEARER, "tok-123"), FERRYE_OK);
  /* HTTPAUTH defaults to Basic, and there is no user name */
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_OK);
  ASSERT_REQ(r.s, 0, get_req("/", hostport(r.s)));
  ASSERT_EQ(ferry_easy_setopt(r.e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_BEARER),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(r.e), FERRYE_OK);
  ASSERT_REQ(r.s, 1,
             f("GET / HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer tok-123\r\n"
               "Accept: */*\r\n\r\n",
               hostport(r.s)));
  RX_FINISH(&r);
  return 0;
}

TEST_IMPL(httpauth_ntlm_or_negotiate_alone_is_not_built_in_with_error_text) {
  char err[FERRY_ERROR_SIZE] = "";
  ferry_easy *e = ferry_easy_init();
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_DIGEST),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HTTPAUTH,
                              (long)(FERRYAUTH_NTLM | FERRYAUTH_NEGOTIATE)),
            FERRYE_NOT_BUILT_IN);
  ASSERT_STR_EQ(err, "HTTPAUTH: only Basic, Digest and Bearer are supported");
  /* a set that includes one ferry speaks is accepted */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HTTPAUTH,
                              (long)(FERRYAUTH_BASIC | FERRYAUTH_DIGEST)),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_ANY),
            FERRYE_OK);
  ferry_easy_cleanup(e);
  return 0;
}

/* The header API (ferry_easy_header, ferry_easy_nextheader) across a
 * redirect chain and on the store itself, percent-encoding
 * (ferry_easy_escape, ferry_easy_unescape), option information
 * (ferry_easy_option_by_name, _by_id, _next) against the table, and the
 * URL API (ferry_url_set/get/dup) part by part, with encodings, relative
 * references and every error. Every value is asserted exactly. */
#include <stdlib.h>
#include <string.h>

#include "fx.h"
#include "headers.h"
#include "test.h"
#include "url.h"

#include <curl/curl.h>
#include <curl/header.h>  /* libcurl's own headers for these APIs */
#include <curl/options.h>
#include <curl/urlapi.h>

/* ---- helpers --------------------------------------------------------- */

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

/* ferry_easy_header finds name with exactly this value, amount, index and
 * origin. */
#define ASSERT_HEADER(e, nm, idx, orig, req, want_name, want_value,         \
                      want_amount, want_origin)                               \
  do {                                                                        \
    struct ferry_header *h_ = NULL;                                           \
    ASSERT_EQ(ferry_easy_header((e), (nm), (idx), (orig), (req), &h_),        \
              FERRYHE_OK);                                                    \
    ASSERT_NOT_NULL(h_);                                                      \
    ASSERT_STR_EQ(h_->name, (want_name));                                     \
    ASSERT_STR_EQ(h_->value, (want_value));                                   \
    ASSERT_EQ(h_->amount, (want_amount));                                     \
    ASSERT_EQ(h_->index, (idx));                                              \
    ASSERT_EQ(h_->origin, (want_origin));                                     \
  } while (0)

/* ferry_easy_header gives exactly this code, and a NULL *hout. */
#define ASSERT_HEADER_FAILS(e, nm, idx, orig, req, code)                      \
  do {                                                                        \
    struct ferry_header *h_ = (struct ferry_header *)&h_;                     \
    ASSERT_EQ(ferry_easy_header((e), (nm), (idx), (orig), (req), &h_),        \
              (code));                                                        \
    ASSERT_NULL(h_);                                                          \
  } while (0)

/* The next header after *cur (NULL: the first) is exactly this one; *cur
 * moves to it. */
#define ASSERT_NEXT(e, cur, orig, req, want_name, want_value, want_amount,  \
                    want_index, want_origin)                                  \
  do {                                                                        \
    *(cur) = ferry_easy_nextheader((e), (orig), (req), *(cur));               \
    ASSERT_NOT_NULL(*(cur));                                                  \
    ASSERT_STR_EQ((*(cur))->name, (want_name));                               \
    ASSERT_STR_EQ((*(cur))->value, (want_value));                             \
    ASSERT_EQ((*(cur))->amount, (want_amount));                               \
    ASSERT_EQ((*(cur))->index, (want_index));                                 \
    ASSERT_EQ((*(cur))->origin, (want_origin));                               \
  } while (0)

/* Part `part` of u, got with flags, is exactly want. */
#define ASSERT_PART(u, part, flags, want)                                     \
  do {                                                                        \
    char *s_ = NULL;                                                          \
    ferry_ucode rc_ = ferry_url_get((u), (part), &s_, (flags));               \
    if (rc_ != FERRYUE_OK)                                                    \
      TEST_FAIL_("get %s gave %d, want \"%s\"", #part, (int)rc_, (want));     \
    ASSERT_STR_EQ(s_, (want));                                                \
    ferry_free(s_);                                                           \
  } while (0)

/* Getting part `part` of u with flags fails with code, *content NULL. */
#define ASSERT_NO_PART(u, part, flags, code)                                  \
  do {                                                                        \
    char *s_ = (char *)"untouched";                                           \
    ASSERT_EQ(ferry_url_get((u), (part), &s_, (flags)), (code));              \
    ASSERT_NULL(s_);                                                          \
  } while (0)

/* The whole URL of u, got with flags, is exactly want. */
#define ASSERT_URL(u, flags, want) ASSERT_PART((u), FERRYUPART_URL, (flags), (want))

/* A handle holding url (parsed with flags). */
static ferry_urlh *url_of(const char *url, unsigned flags) {
  ferry_urlh *u = ferry_url();
  if (u != NULL && ferry_url_set(u, FERRYUPART_URL, url, flags) != FERRYUE_OK) {
    ferry_url_cleanup(u);
    return NULL;
  }
  return u;
}

/* ---- header API ------------------------------------------------------ */

TEST_IMPL(apis_header_api_sees_every_response_of_a_redirect_chain) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  struct ferry_header *h = NULL, *cur;
  long redirects = -1;

  ASSERT_NOT_NULL(s);
  SERVE(s, 0,
        "HTTP/1.1 302 Found\r\nLocation: /b\r\nX-Hop: zero\r\n"
        "Content-Length: 0\r\n\r\n",
        "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
        "HTTP/1.1 301 Moved\r\nLocation: /c\r\nX-Hop: one\r\n"
        "Content-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-Dup: 1\r\nContent-Length: 5\r\nx-dup: 2\r\n"
        "X-DUP:   3  \r\n\r\nhello");
  e = fx_easy(fx_url(s, "/a"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 5000L), FERRYE_OK);

  /* nothing kept before the first transfer */
  ASSERT_HEADER_FAILS(e, "X-Hop", 0, FERRYH_HEADER, -1, FERRYHE_NOHEADERS);
  ASSERT_HEADER_FAILS(e, "X-Hop", 0, FERRYH_HEADER, 5, FERRYHE_NOHEADERS);
  ASSERT_NULL(ferry_easy_nextheader(e, FERRYH_HEADER, -1, NULL));

  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_REDIRECT_COUNT, &redirects),
            FERRYE_OK);
  ASSERT_EQ(redirects, 2);

  /* request 0: the 302; names match without regard to case */
  ASSERT_HEADER(e, "x-hop", 0, FERRYH_HEADER, 0, "X-Hop", "zero", 1,
                FERRYH_HEADER);
  ASSERT_HEADER(e, "LOCATION", 0, FERRYH_HEADER, 0, "Location", "/b", 1,
                FERRYH_HEADER);
  ASSERT_HEADER(e, "Content-Length", 0, FERRYH_HEADER, 0, "Content-Length",
                "0", 1, FERRYH_HEADER);
  /* request 1: a 103 and the 301; the 103's header is only a 1XX one */
  ASSERT_HEADER(e, "X-Hop", 0, FERRYH_HEADER, 1, "X-Hop", "one", 1,
                FERRYH_HEADER);
  ASSERT_HEADER_FAILS(e, "Link", 0, FERRYH_HEADER, 1, FERRYHE_MISSING);
  ASSERT_HEADER(e, "link", 0, FERRYH_1XX, 1, "Link", "</s.css>", 1,
                FERRYH_1XX);
  ASSERT_HEADER(e, "Link", 0, FERRYH_1XX | FERRYH_HEADER, 1, "Link",
                "</s.css>", 1, FERRYH_1XX);
  ASSERT_HEADER_FAILS(e, "Link", 0, FERRYH_1XX, 0, FERRYHE_MISSING);
  ASSERT_HEADER_FAILS(e, "Link", 0, FERRYH_TRAILER | FERRYH_CONNECT, 1,
                      FERRYHE_MISSING);
  /* request 2 (also -1, the latest): a name three times */
  ASSERT_HEADER_FAILS(e, "X-Hop", 0, FERRYH_HEADER, 2, FERRYHE_MISSING);
  ASSERT_HEADER_FAILS(e, "X-Hop", 0, FERRYH_HEADER, -1, FERRYHE_MISSING);
  ASSERT_HEADER(e, "X-Dup", 0, FERRYH_HEADER, -1, "X-Dup", "1", 3,
                FERRYH_HEADER);
  ASSERT_HEADER(e, "X-Dup", 1, FERRYH_HEADER, -1, "x-dup", "2", 3,
                FERRYH_HEADER);
  ASSERT_HEADER(e, "x-DUP", 2, FERRYH_HEADER, 2, "X-DUP", "3", 3,
                FERRYH_HEADER);
  ASSERT_HEADER_FAILS(e, "X-Dup", 3, FERRYH_HEADER, -1, FERRYHE_BADINDEX);
  ASSERT_HEADER_FAILS(e, "X-Dup", 0, FERRYH_1XX, -1, FERRYHE_MISSING);
  ASSERT_HEADER_FAILS(e, "X-Dup", 0, FERRYH_HEADER, 3, FERRYHE_NOREQUEST);
  /* bad arguments */
  ASSERT_HEADER_FAILS(e, "X-Dup", 0, FERRYH_HEADER, -2, FERRYHE_BAD_ARGUMENT);
  ASSERT_HEADER_FAILS(e, "X-Dup", 0, 0, -1, FERRYHE_BAD_ARGUMENT);
  ASSERT_HEADER_FAILS(e, "X-Dup", 0, 1 << 5, -1, FERRYHE_BAD_ARGUMENT);
  ASSERT_HEADER_FAILS(e, NULL, 0, FERRYH_HEADER, -1, FERRYHE_BAD_ARGUMENT);
  ASSERT_HEADER_FAILS(NULL, "X-Dup", 0, FERRYH_HEADER, -1,
                      FERRYHE_BAD_ARGUMENT);
  ASSERT_EQ(ferry_easy_header(e, "X-Dup", 0, FERRYH_HEADER, -1, NULL),
            FERRYHE_BAD_ARGUMENT);

  /* iterating: the latest request in the order received */
  cur = NULL;
  ASSERT_NEXT(e, &cur, FERRYH_HEADER, -1, "X-Dup", "1", 3, 0, FERRYH_HEADER);
  ASSERT_NEXT(e, &cur, FERRYH_HEADER, -1, "Content-Length", "5", 1, 0,
              FERRYH_HEADER);
  ASSERT_NEXT(e, &cur, FERRYH_HEADER, -1, "x-dup", "2", 3, 1, FERRYH_HEADER);
  ASSERT_NEXT(e, &cur, FERRYH_HEADER, -1, "X-DUP", "3", 3, 2, FERRYH_HEADER);
  ASSERT_NULL(ferry_easy_nextheader(e, FERRYH_HEADER, -1, cur));
  /* request 1 with both origins: the 103 first */
  cur = NULL;
  ASSERT_NEXT(e, &cur, FERRYH_HEADER | FERRYH_1XX, 1, "Link", "</s.css>", 1,
              0, FERRYH_1XX);
  ASSERT_NEXT(e, &cur, FERRYH_HEADER | FERRYH_1XX, 1, "Location", "/c", 1, 0,
              FERRYH_HEADER);
  ASSERT_NEXT(e, &cur, FERRYH_HEADER | FERRYH_1XX, 1, "X-Hop", "one", 1, 0,
              FERRYH_HEADER);
  ASSERT_NEXT(e, &cur, FERRYH_HEADER | FERRYH_1XX, 1, "Content-Length", "0",
              1, 0, FERRYH_HEADER);
  ASSERT_NULL(ferry_easy_nextheader(e, FERRYH_HEADER | FERRYH_1XX, 1, cur));
  /* only the 1XX ones of request 1 */
  cur = NULL;
  ASSERT_NEXT(e, &cur, FERRYH_1XX, 1, "Link", "</s.css>", 1, 0, FERRYH_1XX);
  ASSERT_NULL(ferry_easy_nextheader(e, FERRYH_1XX, 1, cur));
  /* a header from ferry_easy_header is a place to go on from */
  ASSERT_EQ(ferry_easy_header(e, "x-dup", 1, FERRYH_HEADER, -1, &h),
            FERRYHE_OK);
  cur = h;
  ASSERT_NEXT(e, &cur, FERRYH_HEADER, -1, "X-DUP", "3", 3, 2, FERRYH_HEADER);
  /* no such request, no origin, a foreign handle */
  ASSERT_NULL(ferry_easy_nextheader(e, FERRYH_HEADER, 3, NULL));
  ASSERT_NULL(ferry_easy_nextheader(e, FERRYH_HEADER, -2, NULL));
  ASSERT_NULL(ferry_easy_nextheader(e, 0, -1, NULL));
  ASSERT_NULL(ferry_easy_nextheader(NULL, FERRYH_HEADER, -1, NULL));

  /* a reset handle keeps nothing */
  ferry_easy_reset(e);
  ASSERT_HEADER_FAILS(e, "X-Dup", 0, FERRYH_HEADER, -1, FERRYHE_NOHEADERS);
  ASSERT_NULL(ferry_easy_nextheader(e, FERRYH_HEADER, -1, NULL));
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(apis_header_api_marks_a_proxy_connect_answer_as_connect) {
  tserver *p = tserver_start();
  ts_step steps[] = {
      FX_STEP_REQ,
      FX_STEP_SEND("HTTP/1.1 200 Connection established\r\n"
                   "Proxy-Agent: scripted\r\n\r\n"),
      FX_STEP_REQ,
      FX_STEP_SEND("HTTP/1.1 200 OK\r\nX-Origin: o\r\n"
                   "Content-Length: 5\r\n\r\nhello"),
  };
  sink body = {0};
  struct ferry_header *cur = NULL;
  ferry_easy *e;

  ASSERT_NOT_NULL(p);
  tserver_script(p, 0, FX_STEPS(steps));
  e = fx_easy("http://origin.test:8080/t", &body, NULL);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_PROXY, fx_url(p, "")), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HTTPPROXYTUNNEL, 1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 5000L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_HEADER(e, "proxy-agent", 0, FERRYH_CONNECT, 0, "Proxy-Agent",
                "scripted", 1, FERRYH_CONNECT);
  ASSERT_HEADER_FAILS(e, "Proxy-Agent", 0, FERRYH_HEADER, 0, FERRYHE_MISSING);
  ASSERT_HEADER_FAILS(e, "X-Origin", 0, FERRYH_CONNECT, 0, FERRYHE_MISSING);
  ASSERT_NEXT(e, &cur, FERRY__HEADERS_ORIGINS, -1, "Proxy-Agent", "scripted",
              1, 0, FERRYH_CONNECT);
  ASSERT_NEXT(e, &cur, FERRY__HEADERS_ORIGINS, -1, "X-Origin", "o", 1, 0,
              FERRYH_HEADER);
  ASSERT_NEXT(e, &cur, FERRY__HEADERS_ORIGINS, -1, "Content-Length", "5", 1,
              0, FERRYH_HEADER);
  ASSERT_NULL(ferry_easy_nextheader(e, FERRY__HEADERS_ORIGINS, -1, cur));
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(p), 0);
  return 0;
}

struct seen {
  ferry_easy *e;
  int calls;      /* header lines seen */
  int found;      /* times X-Seen was there when its line arrived */
  char value[32]; /* its value then */
};

/* A HEADERFUNCTION that asks for X-Seen as soon as its line comes. */
static size_t seen_header(char *p, size_t size, size_t n, void *userdata) {
  struct seen *sn = userdata;
  struct ferry_header *h = NULL;

  sn->calls++;
  if (n * size >= 7 && strncmp(p, "X-Seen:", 7) == 0 &&
      ferry_easy_header(sn->e, "X-Seen", 0, FERRYH_HEADER, -1, &h) ==
          FERRYHE_OK &&
      h->amount == 1) {
    sn->found++;
    snprintf(sn->value, sizeof(sn->value), "%s", h->value);
  }
  return size * n;
}

TEST_IMPL(apis_header_api_answers_in_header_callback_and_restarts_per_transfer) {
  static const char first[] =
      "HTTP/1.1 200 OK\r\nX-Seen: yes\r\nContent-Length: 5\r\n\r\nhello";
  static const char second[] =
      "HTTP/1.1 200 OK\r\nX-Second: 2\r\nContent-Length: 5\r\n\r\nworld";
  tserver *s = tserver_start();
  sink body = {0};
  struct seen sn;
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  SERVE(s, 0, first, second);
  SERVE(s, 1, second); /* in case the connection was not kept */
  e = fx_easy(fx_url(s, "/"), &body, NULL);
  ASSERT_NOT_NULL(e);
  memset(&sn, 0, sizeof(sn));
  sn.e = e;
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HEADERFUNCTION, seen_header),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HEADERDATA, &sn), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 5000L), FERRYE_OK);

  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(sn.calls, 4); /* status line, two headers, blank line */
  ASSERT_EQ(sn.found, 1);
  ASSERT_STR_EQ(sn.value, "yes");
  ASSERT_HEADER(e, "X-Seen", 0, FERRYH_HEADER, 0, "X-Seen", "yes", 1,
                FERRYH_HEADER);

  /* the next transfer starts over, at request 0 */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "helloworld");
  ASSERT_EQ(sn.found, 1);
  ASSERT_HEADER_FAILS(e, "X-Seen", 0, FERRYH_HEADER, -1, FERRYHE_MISSING);
  ASSERT_HEADER(e, "X-Second", 0, FERRYH_HEADER, 0, "X-Second", "2", 1,
                FERRYH_HEADER);
  ASSERT_HEADER_FAILS(e, "X-Second", 0, FERRYH_HEADER, 1, FERRYHE_NOREQUEST);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* Feed one line to the store; its result. */
static ferry_code feed(ferry__headers *h, const char *line, int connect) {
  return ferry__headers_line(h, line, strlen(line), connect);
}

TEST_IMPL(apis_header_store_keeps_a_small_chunk_across_transfers_only) {
  ferry__headers h;
  struct ferry_header *out = NULL;
  void *kept;
  char line[64];

  memset(&h, 0, sizeof(h));
  /* a small response: one chunk, kept by the clear for the next one */
  ASSERT_EQ(feed(&h, "HTTP/1.1 200 OK\r\n", 0), FERRYE_OK);
  ASSERT_EQ(feed(&h, "Content-Length: 5\r\n", 0), FERRYE_OK);
  ASSERT_EQ(feed(&h, "\r\n", 0), FERRYE_OK);
  kept = h.chunks;
  ASSERT_NOT_NULL(kept);
  ferry__headers_clear(&h);
  ASSERT(h.chunks == kept);
  ASSERT_EQ(ferry__headers_find(&h, "content-length", 0, FERRYH_HEADER, -1,
                                &out),
            FERRYHE_NOHEADERS);
  /* the next small response fits in it: no other chunk */
  ASSERT_EQ(feed(&h, "HTTP/1.1 200 OK\r\n", 0), FERRYE_OK);
  ASSERT_EQ(feed(&h, "Content-Length: 7\r\n", 0), FERRYE_OK);
  ASSERT_EQ(feed(&h, "\r\n", 0), FERRYE_OK);
  ASSERT(h.chunks == kept);
  ASSERT_EQ(ferry__headers_find(&h, "content-length", 0, FERRYH_HEADER, -1,
                                &out),
            FERRYHE_OK);
  ASSERT_STR_EQ(out->value, "7");
  ferry__headers_clear(&h);
  /* a big header section: its chunks are all freed by the clear */
  ASSERT_EQ(feed(&h, "HTTP/1.1 200 OK\r\n", 0), FERRYE_OK);
  for (int i = 0; i < 1000; i++) {
    snprintf(line, sizeof(line), "X-Header-%04d: value number %d\r\n", i, i);
    ASSERT_EQ(feed(&h, line, 0), FERRYE_OK);
  }
  ASSERT_EQ(feed(&h, "\r\n", 0), FERRYE_OK);
  ASSERT_EQ(ferry__headers_find(&h, "x-header-0999", 0, FERRYH_HEADER, -1,
                                &out),
            FERRYHE_OK);
  ASSERT_STR_EQ(out->value, "value number 999");
  ferry__headers_clear(&h);
  ASSERT_NULL(h.chunks);
  ferry__headers_free(&h);
  return 0;
}

TEST_IMPL(apis_header_store_unfolds_marks_origins_and_checks_prev) {
  ferry__headers h;
  struct ferry_header *out = NULL, *cur, copy, stranger;

  memset(&h, 0, sizeof(h));
  ASSERT_EQ(ferry__headers_find(&h, "a", 0, FERRYH_HEADER, -1, &out),
            FERRYHE_NOHEADERS);
  /* a proxy's CONNECT answer */
  ASSERT_EQ(feed(&h, "HTTP/1.1 200 Connection established\r\n", 1), FERRYE_OK);
  ASSERT_EQ(feed(&h, "Proxy-Agent: p\r\n", 1), FERRYE_OK);
  ASSERT_EQ(feed(&h, "\r\n", 1), FERRYE_OK);
  /* an interim response, bare LF line ends */
  ASSERT_EQ(feed(&h, "HTTP/1.1 100 Continue\n", 0), FERRYE_OK);
  ASSERT_EQ(feed(&h, "X-Early: e\n", 0), FERRYE_OK);
  ASSERT_EQ(feed(&h, "\n", 0), FERRYE_OK);
  /* the final response, with folded values and lines that are no header */
  ASSERT_EQ(feed(&h, "HTTP/1.0 200 OK\r\n", 0), FERRYE_OK);
  ASSERT_EQ(feed(&h, "Folded: one\r\n", 0), FERRYE_OK);
  ASSERT_EQ(ferry__headers_find(&h, "folded", 0, FERRYH_HEADER, -1, &out),
            FERRYHE_OK);
  ASSERT_STR_EQ(out->value, "one");
  ASSERT_EQ(feed(&h, "  two  \r\n", 0), FERRYE_OK);
  ASSERT_STR_EQ(out->value, "one two"); /* what was handed out follows */
  ASSERT_EQ(feed(&h, "\tthree\r\n", 0), FERRYE_OK);
  ASSERT_EQ(feed(&h, "no colon here\r\n", 0), FERRYE_OK);
  ASSERT_EQ(feed(&h, ": no name\r\n", 0), FERRYE_OK);
  ASSERT_EQ(feed(&h, "Empty:\r\n", 0), FERRYE_OK);
  ASSERT_EQ(feed(&h, " \t \r\n", 0), FERRYE_OK);
  ASSERT_EQ(feed(&h, " tail\r\n", 0), FERRYE_OK);
  ASSERT_EQ(feed(&h, "Spaced:\t a b \t\r\n", 0), FERRYE_OK);
  ASSERT_EQ(feed(&h, "\r\n", 0), FERRYE_OK);

  ASSERT_EQ(ferry__headers_find(&h, "Proxy-Agent", 0, FERRYH_HEADER, 0, &out),
            FERRYHE_MISSING);
  ASSERT_EQ(ferry__headers_find(&h, "Proxy-Agent", 0, FERRYH_CONNECT, 0, &out),
            FERRYHE_OK);
  ASSERT_STR_EQ(out->value, "p");
  ASSERT_EQ(out->origin, FERRYH_CONNECT);
  ASSERT_EQ(ferry__headers_find(&h, "X-Early", 0, FERRYH_1XX, 0, &out),
            FERRYHE_OK);
  ASSERT_STR_EQ(out->value, "e");
  cur = NULL;
  cur = ferry__headers_next(&h, FERRYH_HEADER, 0, cur);
  ASSERT_NOT_NULL(cur);
  ASSERT_STR_EQ(cur->name, "Folded");
  ASSERT_STR_EQ(cur->value, "one two three");
  cur = ferry__headers_next(&h, FERRYH_HEADER, 0, cur);
  ASSERT_NOT_NULL(cur);
  ASSERT_STR_EQ(cur->name, "Empty");
  ASSERT_STR_EQ(cur->value, "tail");
  /* a copy of a returned header works as prev; a made-up one does not */
  copy = *cur;
  cur = ferry__headers_next(&h, FERRYH_HEADER, 0, &copy);
  ASSERT_NOT_NULL(cur);
  ASSERT_STR_EQ(cur->name, "Spaced");
  ASSERT_STR_EQ(cur->value, "a b");
  ASSERT_NULL(ferry__headers_next(&h, FERRYH_HEADER, 0, cur));
  memset(&stranger, 0, sizeof(stranger));
  stranger.anchor = &h;
  ASSERT_NULL(ferry__headers_next(&h, FERRYH_HEADER, 0, &stranger));
  /* every origin at once, in order */
  cur = ferry__headers_next(&h, FERRY__HEADERS_ORIGINS, 0, NULL);
  ASSERT_NOT_NULL(cur);
  ASSERT_STR_EQ(cur->name, "Proxy-Agent");
  cur = ferry__headers_next(&h, FERRY__HEADERS_ORIGINS, 0, cur);
  ASSERT_NOT_NULL(cur);
  ASSERT_STR_EQ(cur->name, "X-Early");

  /* the next request */
  ferry__headers_next_request(&h);
  ASSERT_EQ(ferry__headers_find(&h, "Folded", 0, FERRYH_HEADER, -1, &out),
            FERRYHE_MISSING);
  ASSERT_EQ(feed(&h, "HTTP/1.1 204 No Content\r\n", 0), FERRYE_OK);
  ASSERT_EQ(feed(&h, " continues nothing\r\n", 0), FERRYE_OK);
  ASSERT_EQ(feed(&h, "Folded: again\r\n", 0), FERRYE_OK);
  ASSERT_EQ(ferry__headers_find(&h, "Folded", 0, FERRYH_HEADER, -1, &out),
            FERRYHE_OK);
  ASSERT_STR_EQ(out->value, "again");
  ASSERT_EQ(out->amount, 1);
  ASSERT_EQ(ferry__headers_find(&h, "Folded", 0, FERRYH_HEADER, 0, &out),
            FERRYHE_OK);
  ASSERT_STR_EQ(out->value, "one two three");

  /* cleared: what was handed out leads nowhere */
  cur = ferry__headers_next(&h, FERRYH_HEADER, -1, NULL);
  ASSERT_NOT_NULL(cur);
  ferry__headers_free(&h);
  ASSERT_NULL(ferry__headers_next(&h, FERRYH_HEADER, 0, &h.out[1]));
  ASSERT_EQ(ferry__headers_find(&h, "Folded", 0, FERRYH_HEADER, -1, &out),
            FERRYHE_NOHEADERS);
  ASSERT_EQ(h.request, 0);
  return 0;
}

TEST_IMPL(apis_header_store_refuses_to_pass_its_cap) {
  ferry__headers h;
  char line[1100];
  size_t per = FERRY__HEADERS_ENTRY_CHARGE + strlen("X-Pad") + 1000;
  size_t fit = FERRY__HEADERS_MAX / per, i;
  struct ferry_header *out = NULL;

  memset(&h, 0, sizeof(h));
  memcpy(line, "X-Pad: ", 7);
  memset(line + 7, 'a', 1000);
  memcpy(line + 1007, "\r\n", 3);
  ASSERT_EQ(feed(&h, "HTTP/1.1 200 OK\r\n", 0), FERRYE_OK);
  for (i = 0; i < fit; i++) {
    if (feed(&h, line, 0) != FERRYE_OK)
      TEST_FAIL_("header %zu of %zu refused", i, fit);
  }
  ASSERT_EQ(h.charged, fit * per);
  ASSERT_EQ(feed(&h, line, 0), FERRYE_TOO_LARGE);
  /* a fold that would pass it is refused too; a small one still fits */
  ASSERT_EQ(feed(&h, " ", 0), FERRYE_OK);
  ASSERT_GE(FERRY__HEADERS_MAX - h.charged, 2);
  memset(line, 'b', sizeof(line));
  line[0] = ' ';
  line[FERRY__HEADERS_MAX - h.charged + 1] = '\0';
  ASSERT_EQ(feed(&h, line, 0), FERRYE_TOO_LARGE);
  line[FERRY__HEADERS_MAX - h.charged] = '\0';
  ASSERT_EQ(feed(&h, line, 0), FERRYE_OK);
  ASSERT_EQ(h.charged, FERRY__HEADERS_MAX);
  ASSERT_EQ(ferry__headers_find(&h, "x-pad", 0, FERRYH_HEADER, 0, &out),
            FERRYHE_OK);
  ASSERT_EQ(out->amount, fit);
  ferry__headers_free(&h);
  ASSERT_EQ(h.charged, 0);
  return 0;
}

TEST_IMPL(apis_headers_of_a_transfer_past_the_cap_are_too_large) {
  /* each redirect holds about 300 KB of headers, under the cap on one
   * response; the responses together pass the cap on the transfer on
   * the 21st */
  static char resp[300 * 1024];
  char err[FERRY_ERROR_SIZE] = "";
  const char *head = "HTTP/1.1 302 Found\r\nLocation: /r\r\n"
                     "Content-Length: 0\r\n";
  size_t len = strlen(head);
  tserver *s = tserver_start();
  sink body = {0};
  struct ferry_header *h = NULL;
  long redirects = -1;
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  memcpy(resp, head, len);
  for (int i = 0; i < 280; i++) {
    memcpy(resp + len, "X-Pad: ", 7);
    memset(resp + len + 7, 'a', 1000);
    memcpy(resp + len + 1007, "\r\n", 2);
    len += 1009;
  }
  memcpy(resp + len, "\r\n", 3);
  len += 2;
  ASSERT_LE(len, FERRY__H1_MAX_HEADERS);
  tserver_respond_always(s, resp, len);
  e = fx_easy(fx_url(s, "/r"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 20000L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_TOO_LARGE);
  ASSERT(strstr(err, "Too large response headers") != NULL);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_REDIRECT_COUNT, &redirects),
            FERRYE_OK);
  ASSERT_EQ(redirects, 20);
  ASSERT_EQ(ferry_easy_header(e, "X-Pad", 0, FERRYH_HEADER, 19, &h),
            FERRYHE_OK);
  ASSERT_EQ(h->amount, 280);
  ASSERT_EQ(ferry_easy_header(e, "X-Pad", 0, FERRYH_HEADER, -1, &h),
            FERRYHE_OK);
  ASSERT_LE(h->amount, 279); /* the 21st response was cut off */
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- escape and unescape -------------------------------------------- */

TEST_IMPL(apis_escape_keeps_only_unreserved_and_unescape_reverses_it) {
  char all[256], *enc, *dec;
  int outlen = -1;
  ferry_easy *e = ferry_easy_init();

  ASSERT_NOT_NULL(e);
  enc = ferry_easy_escape(NULL, "a b/c~d-_.\xc3\xa9?&=%+", 0);
  ASSERT_STR_EQ(enc, "a%20b%2Fc~d-_.%C3%A9%3F%26%3D%25%2B");
  ferry_free(enc);
  enc = ferry_easy_escape(e, "abc def", 3); /* the handle is not needed */
  ASSERT_STR_EQ(enc, "abc");
  ferry_free(enc);
  enc = ferry_easy_escape(NULL, "a\0b", 3);
  ASSERT_STR_EQ(enc, "a%00b");
  ferry_free(enc);
  enc = ferry_easy_escape(NULL, "", 0);
  ASSERT_STR_EQ(enc, "");
  ferry_free(enc);
  ASSERT_NULL(ferry_easy_escape(NULL, NULL, 0));
  ASSERT_NULL(ferry_easy_escape(NULL, "x", -1));

  dec = ferry_easy_unescape(NULL, "a%20b%2fc%", 0, &outlen);
  ASSERT_STR_EQ(dec, "a b/c%");
  ASSERT_EQ(outlen, 6);
  ferry_free(dec);
  dec = ferry_easy_unescape(e, "%zz%4%41+", 0, &outlen);
  ASSERT_STR_EQ(dec, "%zz%4A+"); /* only %XX decodes; '+' stays */
  ASSERT_EQ(outlen, 7);
  ferry_free(dec);
  dec = ferry_easy_unescape(NULL, "x%00y%41", 5, &outlen);
  ASSERT_NOT_NULL(dec);
  ASSERT_EQ(outlen, 3);
  ASSERT(memcmp(dec, "x\0y", 4) == 0);
  ferry_free(dec);
  dec = ferry_easy_unescape(NULL, "", 0, NULL);
  ASSERT_STR_EQ(dec, "");
  ferry_free(dec);
  ASSERT_NULL(ferry_easy_unescape(NULL, NULL, 0, &outlen));
  ASSERT_NULL(ferry_easy_unescape(NULL, "x", -1, &outlen));

  /* every byte value survives the round trip */
  for (int i = 0; i < 256; i++)
    all[i] = (char)i;
  enc = ferry_easy_escape(NULL, all, 256);
  ASSERT_NOT_NULL(enc);
  ASSERT_EQ(strlen(enc), 66 + 3 * (256 - 66)); /* 66 unreserved bytes */
  dec = ferry_easy_unescape(NULL, enc, 0, &outlen);
  ASSERT_NOT_NULL(dec);
  ASSERT_EQ(outlen, 256);
  ASSERT(memcmp(dec, all, 256) == 0);
  ferry_free(enc);
  ferry_free(dec);
  ferry_easy_cleanup(e);
  return 0;
}

/* ---- option information ---------------------------------------------- */

/* The ferry_easytype each option type of the table must give. */
#define WANT_TYPE_LONG FERRYOT_LONG
#define WANT_TYPE_VALUES FERRYOT_VALUES
#define WANT_TYPE_OFF_T FERRYOT_OFF_T
#define WANT_TYPE_OBJECTPOINT FERRYOT_OBJECT
#define WANT_TYPE_STRINGPOINT FERRYOT_STRING
#define WANT_TYPE_SLISTPOINT FERRYOT_SLIST
#define WANT_TYPE_CBPOINT FERRYOT_CBPTR
#define WANT_TYPE_FUNCTIONPOINT FERRYOT_FUNCTION
#define WANT_TYPE_BLOB FERRYOT_BLOB

struct want_option {
  const char *name;
  ferry_option id;
  ferry_easytype type;
  int supported;
};

static const struct want_option want_options[] = {
#define WANT_ROW(name, type, num, sup)                                         \
  {#name, FERRYOPT_##name, WANT_TYPE_##type, sup},
    FERRY_OPTIONS(WANT_ROW) FERRY_OWN_OPTIONS(WANT_ROW)
#undef WANT_ROW
};

struct want_alias {
  const char *alias, *target;
};

static const struct want_alias want_aliases[] = {
#define WANT_ALIAS(a, t) {#a, #t},
    FERRY_ALIASES(WANT_ALIAS)
#undef WANT_ALIAS
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

TEST_IMPL(apis_option_by_name_and_by_id_find_every_table_row) {
  char lower[64];

  for (size_t i = 0; i < COUNT(want_options); i++) {
    const struct want_option *w = &want_options[i];
    const struct ferry_easyoption *o = ferry_easy_option_by_name(w->name);
    size_t n = strlen(w->name);
    if (o == NULL)
      TEST_FAIL_("option %s not found by name", w->name);
    ASSERT_STR_EQ(o->name, w->name);
    ASSERT_EQ(o->id, w->id);
    ASSERT_EQ(o->type, w->type);
    ASSERT_EQ(o->flags, w->supported ? 0 : FERRYOT_FLAG_NOT_BUILT_IN);
    ASSERT(o == ferry_easy_option_by_id(w->id));
    ASSERT_LE(n + 1, sizeof(lower));
    for (size_t k = 0; k <= n; k++)
      lower[k] = (char)((w->name[k] >= 'A' && w->name[k] <= 'Z')
                            ? w->name[k] + ('a' - 'A')
                            : w->name[k]);
    ASSERT(o == ferry_easy_option_by_name(lower));
  }
  /* libcurl's examples */
  ASSERT_EQ(ferry_easy_option_by_name("url")->id, FERRYOPT_URL);
  ASSERT_EQ(ferry_easy_option_by_name("URL")->type, FERRYOT_STRING);
  ASSERT_EQ(ferry_easy_option_by_id(FERRYOPT_WRITEFUNCTION)->type,
            FERRYOT_FUNCTION);
  ASSERT_EQ(ferry_easy_option_by_name("ftpport")->flags,
            FERRYOT_FLAG_NOT_BUILT_IN);
  /* the name goes without the prefix, as in libcurl */
  ASSERT_NULL(ferry_easy_option_by_name("CURLOPT_URL"));
  ASSERT_NULL(ferry_easy_option_by_name("URLX"));
  ASSERT_NULL(ferry_easy_option_by_name(""));
  ASSERT_NULL(ferry_easy_option_by_name(NULL));
  ASSERT_NULL(ferry_easy_option_by_id((ferry_option)12345));
  ASSERT_NULL(ferry_easy_option_by_id((ferry_option)0));
  return 0;
}

TEST_IMPL(apis_option_aliases_are_flagged_and_next_lists_every_row_once) {
  const struct ferry_easyoption *o, *rows[1024];
  size_t n = 0, aliases = 0;
  struct ferry_easyoption fake;

  for (size_t i = 0; i < COUNT(want_aliases); i++) {
    const struct want_alias *a = &want_aliases[i];
    const struct ferry_easyoption *t;
    if (strncmp(a->alias, "CURLOPT_", 8) != 0)
      continue;
    aliases++;
    o = ferry_easy_option_by_name(a->alias + 8);
    t = ferry_easy_option_by_name(a->target + 8);
    if (o == NULL || t == NULL)
      TEST_FAIL_("alias %s or its option %s not found", a->alias, a->target);
    ASSERT_STR_EQ(o->name, a->alias + 8);
    ASSERT_EQ(o->flags, t->flags | FERRYOT_FLAG_ALIAS);
    ASSERT_EQ(o->flags & FERRYOT_FLAG_ALIAS, FERRYOT_FLAG_ALIAS);
    ASSERT_EQ(o->id, t->id);
    ASSERT_EQ(o->type, t->type);
    /* by id: the row that is not an alias */
    ASSERT(ferry_easy_option_by_id(o->id) == t);
    ASSERT_EQ(t->flags & FERRYOT_FLAG_ALIAS, 0);
  }
  ASSERT_GE(aliases, 15);
  /* libcurl's example of an alias */
  o = ferry_easy_option_by_name("file");
  ASSERT_NOT_NULL(o);
  ASSERT_STR_EQ(o->name, "FILE");
  ASSERT_EQ(o->id, FERRYOPT_WRITEDATA);
  ASSERT_EQ(o->type, FERRYOT_CBPTR);
  ASSERT_EQ(o->flags, FERRYOT_FLAG_ALIAS);

  for (o = ferry_easy_option_next(NULL); o != NULL;
       o = ferry_easy_option_next(o)) {
    ASSERT_LE(n + 1, COUNT(rows));
    for (size_t k = 0; k < n; k++) {
      if (strcmp(rows[k]->name, o->name) == 0)
        TEST_FAIL_("option %s listed twice", o->name);
    }
    ASSERT(o == ferry_easy_option_by_name(o->name));
    rows[n++] = o;
  }
  ASSERT_EQ(n, COUNT(want_options) + aliases);
  ASSERT_STR_EQ(rows[0]->name, want_options[0].name);
  ASSERT_EQ(rows[n - 1]->flags & FERRYOT_FLAG_ALIAS, FERRYOT_FLAG_ALIAS);
  /* a row of its own is not the table's */
  fake = *rows[0];
  ASSERT_NULL(ferry_easy_option_next(&fake));
  return 0;
}

/* ---- URL API ---------------------------------------------------------- */

TEST_IMPL(apis_url_get_gives_every_part_of_a_parsed_url) {
  ferry_urlh *u = url_of(
      "https://user:p%40ss@Example.COM:8443/a/./b/../c%2Fd?x=1&y=%20#frag", 0);

  ASSERT_NOT_NULL(u);
  /* the host keeps its case, as in libcurl */
  ASSERT_URL(u, 0, "https://user:p%40ss@Example.COM:8443/a/c%2Fd?x=1&y=%20#frag");
  ASSERT_PART(u, FERRYUPART_SCHEME, 0, "https");
  ASSERT_PART(u, FERRYUPART_SCHEME, FERRYU_NO_GUESS_SCHEME, "https");
  ASSERT_PART(u, FERRYUPART_USER, 0, "user");
  ASSERT_PART(u, FERRYUPART_PASSWORD, 0, "p%40ss");
  ASSERT_PART(u, FERRYUPART_PASSWORD, FERRYU_URLDECODE, "p@ss");
  ASSERT_NO_PART(u, FERRYUPART_OPTIONS, 0, FERRYUE_NO_OPTIONS);
  ASSERT_PART(u, FERRYUPART_HOST, 0, "Example.COM");
  ASSERT_NO_PART(u, FERRYUPART_ZONEID, 0, FERRYUE_NO_ZONEID);
  ASSERT_PART(u, FERRYUPART_PORT, 0, "8443");
  ASSERT_PART(u, FERRYUPART_PORT, FERRYU_NO_DEFAULT_PORT, "8443");
  ASSERT_PART(u, FERRYUPART_PATH, 0, "/a/c%2Fd");
  ASSERT_PART(u, FERRYUPART_PATH, FERRYU_URLDECODE, "/a/c/d");
  ASSERT_PART(u, FERRYUPART_QUERY, 0, "x=1&y=%20");
  ASSERT_PART(u, FERRYUPART_QUERY, FERRYU_URLDECODE, "x=1&y= ");
  ASSERT_PART(u, FERRYUPART_FRAGMENT, 0, "frag");
  ASSERT_URL(u, FERRYU_DEFAULT_PORT | FERRYU_NO_DEFAULT_PORT,
             "https://user:p%40ss@Example.COM:8443/a/c%2Fd?x=1&y=%20#frag");
  ferry_url_cleanup(u);

  /* the smallest URL: everything but scheme, host and path is missing */
  u = url_of("http://h.example", 0);
  ASSERT_NOT_NULL(u);
  ASSERT_URL(u, 0, "http://h.example/");
  ASSERT_PART(u, FERRYUPART_PATH, 0, "/");
  ASSERT_NO_PART(u, FERRYUPART_USER, 0, FERRYUE_NO_USER);
  ASSERT_NO_PART(u, FERRYUPART_PASSWORD, 0, FERRYUE_NO_PASSWORD);
  ASSERT_NO_PART(u, FERRYUPART_PORT, 0, FERRYUE_NO_PORT);
  ASSERT_NO_PART(u, FERRYUPART_QUERY, 0, FERRYUE_NO_QUERY);
  ASSERT_NO_PART(u, FERRYUPART_FRAGMENT, 0, FERRYUE_NO_FRAGMENT);
  /* user info with an empty user, and an encoded '@' in the password; the
   * login ends at the first '@', so a second one is in the host name */
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "HTTP://:a%40b@H.example:/p", 0),
            FERRYUE_OK);
  ASSERT_PART(u, FERRYUPART_USER, 0, "");
  ASSERT_PART(u, FERRYUPART_PASSWORD, 0, "a%40b");
  ASSERT_NO_PART(u, FERRYUPART_PORT, 0, FERRYUE_NO_PORT);
  ASSERT_URL(u, 0, "http://:a%40b@H.example/p");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "http://:a@b@H.example/", 0),
            FERRYUE_BAD_HOSTNAME);
  ASSERT_URL(u, 0, "http://:a%40b@H.example/p");
  ferry_url_cleanup(u);
  return 0;
}

TEST_IMPL(apis_url_ports_and_schemes_follow_the_flags) {
  ferry_urlh *u = url_of("http://h.example/", 0);

  ASSERT_NOT_NULL(u);
  ASSERT_NO_PART(u, FERRYUPART_PORT, 0, FERRYUE_NO_PORT);
  ASSERT_PART(u, FERRYUPART_PORT, FERRYU_DEFAULT_PORT, "80");
  ASSERT_URL(u, FERRYU_DEFAULT_PORT, "http://h.example:80/");
  /* an explicit default port is kept unless asked */
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "http://h.example:80/", 0),
            FERRYUE_OK);
  ASSERT_PART(u, FERRYUPART_PORT, 0, "80");
  ASSERT_NO_PART(u, FERRYUPART_PORT, FERRYU_NO_DEFAULT_PORT, FERRYUE_NO_PORT);
  ASSERT_URL(u, 0, "http://h.example:80/");
  ASSERT_URL(u, FERRYU_NO_DEFAULT_PORT, "http://h.example/");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "https://h.example:0443/x", 0),
            FERRYUE_OK);
  ASSERT_PART(u, FERRYUPART_PORT, 0, "443");
  ASSERT_URL(u, 0, "https://h.example:443/x");
  ASSERT_URL(u, FERRYU_NO_DEFAULT_PORT, "https://h.example/x");

  /* without the flags, "name:" is a scheme, as in libcurl; and a URL
   * without one is a reference relative to the URL held */
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "example.com:8080/x", 0),
            FERRYUE_UNSUPPORTED_SCHEME);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "example.com/y", 0), FERRYUE_OK);
  ASSERT_URL(u, 0, "https://h.example:443/example.com/y");
  /* to RFC 3986 "name:" starts a URI of scheme "name", even when the
   * flags do not take it for one */
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "example.com:8080/x",
                          FERRYU_GUESS_SCHEME),
            FERRYUE_UNSUPPORTED_SCHEME);
  ASSERT_URL(u, 0, "https://h.example:443/example.com/y");
  /* on an empty handle: refused, guessed as http, or https by default */
  ferry_url_cleanup(u);
  u = ferry_url();
  ASSERT_NOT_NULL(u);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "example.com/x", 0),
            FERRYUE_BAD_SCHEME);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "example.com:8080/x",
                          FERRYU_GUESS_SCHEME),
            FERRYUE_OK);
  ASSERT_PART(u, FERRYUPART_SCHEME, 0, "http");
  ASSERT_NO_PART(u, FERRYUPART_SCHEME, FERRYU_NO_GUESS_SCHEME,
                 FERRYUE_NO_SCHEME);
  ASSERT_URL(u, 0, "http://example.com:8080/x");
  ASSERT_URL(u, FERRYU_NO_GUESS_SCHEME, "example.com:8080/x");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_SCHEME, "https", 0), FERRYUE_OK);
  ASSERT_URL(u, FERRYU_NO_GUESS_SCHEME, "https://example.com:8080/x");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, NULL, 0), FERRYUE_OK);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "example.com/x",
                          FERRYU_DEFAULT_SCHEME | FERRYU_GUESS_SCHEME),
            FERRYUE_OK);
  ASSERT_PART(u, FERRYUPART_SCHEME, FERRYU_NO_GUESS_SCHEME, "https");
  ASSERT_URL(u, 0, "https://example.com/x");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, NULL, 0), FERRYUE_OK);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "localhost:", FERRYU_GUESS_SCHEME),
            FERRYUE_BAD_PORT_NUMBER);

  /* other schemes only when asked, with libcurl's default ports */
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "ftp://h.example/f", 0),
            FERRYUE_UNSUPPORTED_SCHEME);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "FTP://u@h.example:21/f",
                          FERRYU_NON_SUPPORT_SCHEME),
            FERRYUE_OK);
  ASSERT_PART(u, FERRYUPART_SCHEME, 0, "ftp");
  ASSERT_PART(u, FERRYUPART_PORT, 0, "21");
  ASSERT_NO_PART(u, FERRYUPART_PORT, FERRYU_NO_DEFAULT_PORT, FERRYUE_NO_PORT);
  ASSERT_URL(u, 0, "ftp://u@h.example:21/f");
  ASSERT_URL(u, FERRYU_NO_DEFAULT_PORT, "ftp://u@h.example/f");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_PORT, NULL, 0), FERRYUE_OK);
  ASSERT_PART(u, FERRYUPART_PORT, FERRYU_DEFAULT_PORT, "21");
  ASSERT_URL(u, FERRYU_DEFAULT_PORT, "ftp://u@h.example:21/f");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "nope://h.example/",
                          FERRYU_NON_SUPPORT_SCHEME),
            FERRYUE_OK);
  ASSERT_NO_PART(u, FERRYUPART_PORT, FERRYU_DEFAULT_PORT, FERRYUE_NO_PORT);
  ASSERT_URL(u, FERRYU_DEFAULT_PORT, "nope://h.example/");
  ferry_url_cleanup(u);
  return 0;
}

TEST_IMPL(apis_url_ipv6_host_keeps_its_zone_id_apart) {
  ferry_urlh *u = url_of("http://[FE80::0:1%25eth0]:81/", 0);

  ASSERT_NOT_NULL(u);
  ASSERT_PART(u, FERRYUPART_HOST, 0, "[fe80::1]");
  ASSERT_PART(u, FERRYUPART_ZONEID, 0, "eth0");
  ASSERT_PART(u, FERRYUPART_PORT, 0, "81");
  ASSERT_URL(u, 0, "http://[fe80::1%25eth0]:81/");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_ZONEID, "lo", 0), FERRYUE_OK);
  ASSERT_URL(u, 0, "http://[fe80::1%25lo]:81/");
  /* a new host drops the old zone id, or brings its own; a host set is
   * checked but kept as given, as libcurl keeps it */
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_HOST, "[0:0::1]", 0), FERRYUE_OK);
  ASSERT_NO_PART(u, FERRYUPART_ZONEID, 0, FERRYUE_NO_ZONEID);
  ASSERT_URL(u, 0, "http://[0:0::1]:81/");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_HOST, "[fe80::2%25eth1]", 0),
            FERRYUE_OK);
  ASSERT_PART(u, FERRYUPART_HOST, 0, "[fe80::2]");
  ASSERT_PART(u, FERRYUPART_ZONEID, 0, "eth1");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_HOST, "127.1", 0), FERRYUE_OK);
  ASSERT_URL(u, 0, "http://127.1:81/");
  /* broken literals; the handle keeps what it had */
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "http://[::1", 0),
            FERRYUE_BAD_IPV6);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "http://[::g]/", 0),
            FERRYUE_BAD_IPV6);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "http://[::1]x/", 0),
            FERRYUE_BAD_PORT_NUMBER);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_HOST, "[::zz]", 0),
            FERRYUE_BAD_HOSTNAME); /* any bad host set, as libcurl */
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_HOST, "[::1", 0),
            FERRYUE_BAD_HOSTNAME);
  ASSERT_URL(u, 0, "http://127.1:81/");
  ferry_url_cleanup(u);
  return 0;
}

TEST_IMPL(apis_url_built_from_parts_with_encoding_and_appended_query) {
  ferry_urlh *u = ferry_url();

  ASSERT_NOT_NULL(u);
  ASSERT_NO_PART(u, FERRYUPART_URL, 0, FERRYUE_NO_HOST);
  ASSERT_PART(u, FERRYUPART_PATH, FERRYU_URLDECODE | FERRYU_URLENCODE, "/");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_HOST, "Example.ORG", 0), FERRYUE_OK);
  ASSERT_PART(u, FERRYUPART_HOST, 0, "Example.ORG");
  ASSERT_NO_PART(u, FERRYUPART_URL, 0, FERRYUE_NO_SCHEME);
  ASSERT_URL(u, FERRYU_DEFAULT_SCHEME, "https://Example.ORG/");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_SCHEME, "http", 0), FERRYUE_OK);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_PATH, "a b/c", FERRYU_URLENCODE),
            FERRYUE_OK);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_QUERY, "q=a b&c", FERRYU_URLENCODE),
            FERRYUE_OK);
  ASSERT_PART(u, FERRYUPART_QUERY, 0, "q%3da+b%26c");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_QUERY, "k=v w=x",
                          FERRYU_APPENDQUERY | FERRYU_URLENCODE),
            FERRYUE_OK);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_FRAGMENT, "f%2F", 0), FERRYUE_OK);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_USER, "us er", FERRYU_URLENCODE),
            FERRYUE_OK);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_PASSWORD, "pw", 0), FERRYUE_OK);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_OPTIONS, "opt", 0), FERRYUE_OK);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_PORT, "8080", 0), FERRYUE_OK);
  /* http takes no login options: they stay out of the URL */
  ASSERT_URL(u, 0,
             "http://us%20er:pw@Example.ORG:8080/a%20b/c"
             "?q%3da+b%26c&k=v+w%3dx#f%2f");
  ASSERT_PART(u, FERRYUPART_OPTIONS, 0, "opt");
  ASSERT_PART(u, FERRYUPART_PATH, 0, "/a%20b/c");
  ASSERT_PART(u, FERRYUPART_QUERY, FERRYU_URLDECODE, "q=a b&c&k=v w=x");
  ASSERT_PART(u, FERRYUPART_USER, FERRYU_URLDECODE, "us er");
  ASSERT_PART(u, FERRYUPART_FRAGMENT, FERRYU_URLDECODE, "f/");
  /* appending after a trailing '&', and to no query at all */
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_QUERY, "a=1&", 0), FERRYUE_OK);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_QUERY, "b=2", FERRYU_APPENDQUERY),
            FERRYUE_OK);
  ASSERT_PART(u, FERRYUPART_QUERY, 0, "a=1&b=2");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_QUERY, NULL, 0), FERRYUE_OK);
  ASSERT_NO_PART(u, FERRYUPART_QUERY, FERRYU_GET_EMPTY, FERRYUE_NO_QUERY);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_QUERY, "c=3", FERRYU_APPENDQUERY),
            FERRYUE_OK);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_PORT, NULL, 0), FERRYUE_OK);
  ASSERT_URL(u, 0, "http://us%20er:pw@Example.ORG/a%20b/c?c=3#f%2f");
  /* a scheme ferry does not know shows the options */
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_SCHEME, "imap", 0),
            FERRYUE_UNSUPPORTED_SCHEME);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_SCHEME, "imap",
                          FERRYU_NON_SUPPORT_SCHEME),
            FERRYUE_OK);
  ASSERT_URL(u, 0, "imap://us%20er:pw;opt@Example.ORG/a%20b/c?c=3#f%2f");
  /* a path without its slash gets one; a set path keeps its dots */
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_PATH, "x/../y", 0), FERRYUE_OK);
  ASSERT_PART(u, FERRYUPART_PATH, 0, "/x/../y");
  /* clearing the URL clears every part */
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, NULL, 0), FERRYUE_OK);
  ASSERT_NO_PART(u, FERRYUPART_HOST, 0, FERRYUE_NO_HOST);
  ASSERT_NO_PART(u, FERRYUPART_SCHEME, 0, FERRYUE_NO_SCHEME);
  ASSERT_NO_PART(u, FERRYUPART_OPTIONS, 0, FERRYUE_NO_OPTIONS);
  ASSERT_PART(u, FERRYUPART_PATH, 0, "/");
  ferry_url_cleanup(u);
  return 0;
}

TEST_IMPL(apis_url_relative_reference_resolves_against_the_held_url) {
  ferry_urlh *u = url_of("http://u:p@h.example:81/a/b/c?q#f", 0);
  ferry_urlh *empty = ferry_url();

  ASSERT_NOT_NULL(u);
  ASSERT_NOT_NULL(empty);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "../d e?x", 0), FERRYUE_OK);
  ASSERT_URL(u, 0, "http://u:p@h.example:81/a/d%20e?x");
  ASSERT_NO_PART(u, FERRYUPART_FRAGMENT, 0, FERRYUE_NO_FRAGMENT);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "#g", 0), FERRYUE_OK);
  ASSERT_URL(u, 0, "http://u:p@h.example:81/a/d%20e?x#g");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "?y z", 0), FERRYUE_OK);
  ASSERT_URL(u, 0, "http://u:p@h.example:81/a/d%20e?y+z");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "./\xc3\xa9", 0), FERRYUE_OK);
  ASSERT_URL(u, 0, "http://u:p@h.example:81/a/%c3%a9");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "/root/./x/..", 0), FERRYUE_OK);
  ASSERT_URL(u, 0, "http://u:p@h.example:81/root/");
  /* another authority takes nothing from the held URL but its scheme */
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "//other.example/p", 0),
            FERRYUE_OK);
  ASSERT_URL(u, 0, "http://other.example/p");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "https://abs.example/z", 0),
            FERRYUE_OK);
  ASSERT_URL(u, 0, "https://abs.example/z");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "", 0), FERRYUE_MALFORMED_INPUT);
  /* with no URL held, a reference is parsed as a URL, and has no scheme */
  ASSERT_EQ(ferry_url_set(empty, FERRYUPART_URL, "/x", 0), FERRYUE_BAD_SCHEME);
  ASSERT_EQ(ferry_url_set(empty, FERRYUPART_HOST, "h.example", 0), FERRYUE_OK);
  ASSERT_EQ(ferry_url_set(empty, FERRYUPART_URL, "/x", 0), FERRYUE_BAD_SCHEME);
  ASSERT_EQ(ferry_url_set(empty, FERRYUPART_URL, "/x", FERRYU_DEFAULT_SCHEME),
            FERRYUE_OK);
  ASSERT_URL(empty, FERRYU_DEFAULT_SCHEME, "https://h.example/x");
  ferry_url_cleanup(u);
  ferry_url_cleanup(empty);
  return 0;
}

TEST_IMPL(apis_url_errors_have_libcurl_codes_and_change_nothing) {
  static const struct {
    const char *url;
    unsigned flags;
    ferry_ucode code;
  } bad[] = {
      {"http://h /", 0, FERRYUE_MALFORMED_INPUT},
      {"http://h\x01/", 0, FERRYUE_MALFORMED_INPUT},
      {"http://h/a b", FERRYU_URLENCODE, FERRYUE_MALFORMED_INPUT},
      {"", 0, FERRYUE_MALFORMED_INPUT},
      {"http:////h", 0, FERRYUE_BAD_SLASHES},
      {"http:h", 0, FERRYUE_BAD_SLASHES},
      {"gopher://h/", 0, FERRYUE_UNSUPPORTED_SCHEME},
      {"http://h:99999/", 0, FERRYUE_BAD_PORT_NUMBER},
      {"http://h:8x/", 0, FERRYUE_BAD_PORT_NUMBER},
      {"http://", 0, FERRYUE_NO_HOST},
      {"http://u@/", 0, FERRYUE_NO_HOST},
      {"http://:80/", 0, FERRYUE_NO_HOST},
      {"http://ex!ample.com/", 0, FERRYUE_BAD_HOSTNAME},
      {"http://a%2fb/", 0, FERRYUE_BAD_HOSTNAME},
      {"http://a%01b/", 0, FERRYUE_BAD_HOSTNAME},
      {"http://a%25b/", 0, FERRYUE_BAD_HOSTNAME},
      {"http://u@v@h/", 0, FERRYUE_BAD_HOSTNAME},
      {"http://[fe80::1%25abcdefghijklmnop]/", 0, FERRYUE_BAD_IPV6},
      {"http://u@h/", FERRYU_DISALLOW_USER, FERRYUE_USER_NOT_ALLOWED},
      {"file:/", 0, FERRYUE_BAD_FILE_URL},
      {"file://host/x", 0, FERRYUE_BAD_FILE_URL},
      {"file:///c:/x", 0, FERRYUE_BAD_FILE_URL},
  };
  ferry_urlh *u = url_of("http://h.example/", 0);
  char *s = (char *)"untouched", *huge;

  ASSERT_NOT_NULL(u);
  for (size_t i = 0; i < COUNT(bad); i++) {
    ferry_ucode rc = ferry_url_set(u, FERRYUPART_URL, bad[i].url, bad[i].flags);
    if (rc != bad[i].code)
      TEST_FAIL_("\"%s\" gave %d, want %d", bad[i].url, (int)rc,
                 (int)bad[i].code);
  }
  ASSERT_URL(u, 0, "http://h.example/");

  ASSERT_EQ(ferry_url_set(u, FERRYUPART_SCHEME, "", 0), FERRYUE_BAD_SCHEME);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_SCHEME, "1x",
                          FERRYU_NON_SUPPORT_SCHEME),
            FERRYUE_BAD_SCHEME);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_SCHEME, "a_b",
                          FERRYU_NON_SUPPORT_SCHEME),
            FERRYUE_BAD_SCHEME);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_SCHEME, "ftp", 0),
            FERRYUE_UNSUPPORTED_SCHEME);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_PORT, "", 0), FERRYUE_BAD_PORT_NUMBER);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_PORT, "65536", 0),
            FERRYUE_BAD_PORT_NUMBER);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_PORT, "-1", 0),
            FERRYUE_BAD_PORT_NUMBER);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_PORT, "8o", 0),
            FERRYUE_BAD_PORT_NUMBER);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_HOST, "a/b", 0), FERRYUE_BAD_HOSTNAME);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_HOST, "", 0), FERRYUE_BAD_HOSTNAME);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_HOST, "h:80", 0), FERRYUE_BAD_HOSTNAME);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_HOST, "u@h", 0), FERRYUE_BAD_HOSTNAME);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_HOST, "a b", FERRYU_URLENCODE),
            FERRYUE_BAD_HOSTNAME);
  ASSERT_URL(u, 0, "http://h.example/");

  ASSERT_EQ(ferry_url_set(u, (ferry_upart)99, "x", 0), FERRYUE_UNKNOWN_PART);
  ASSERT_EQ(ferry_url_set(u, (ferry_upart)99, NULL, 0), FERRYUE_UNKNOWN_PART);
  ASSERT_NO_PART(u, (ferry_upart)99, 0, FERRYUE_UNKNOWN_PART);
  ASSERT_EQ(ferry_url_get(u, FERRYUPART_HOST, NULL, 0),
            FERRYUE_BAD_PARTPOINTER);
  ASSERT_EQ(ferry_url_set(NULL, FERRYUPART_HOST, "h", 0), FERRYUE_BAD_HANDLE);
  ASSERT_EQ(ferry_url_get(NULL, FERRYUPART_HOST, &s, 0), FERRYUE_BAD_HANDLE);
  ASSERT_NULL(ferry_url_dup(NULL));
  ferry_url_cleanup(NULL);

  /* decoding to a control byte fails the get */
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_PATH, "/a%01", 0), FERRYUE_OK);
  ASSERT_PART(u, FERRYUPART_PATH, 0, "/a%01");
  ASSERT_NO_PART(u, FERRYUPART_PATH, FERRYU_URLDECODE, FERRYUE_URLDECODE);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_USER, "%00", 0), FERRYUE_OK);
  ASSERT_NO_PART(u, FERRYUPART_USER, FERRYU_URLDECODE, FERRYUE_URLDECODE);

  /* 8 MiB is the most any part may hold */
  huge = malloc(FERRY__URL_MAX_LENGTH + 2);
  ASSERT_NOT_NULL(huge);
  memset(huge, 'a', FERRY__URL_MAX_LENGTH + 1);
  huge[0] = '/';
  huge[FERRY__URL_MAX_LENGTH + 1] = '\0';
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_PATH, huge, 0),
            FERRYUE_MALFORMED_INPUT);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, huge, 0),
            FERRYUE_MALFORMED_INPUT);
  free(huge);
  ASSERT_URL(u, 0, "http://%00@h.example/a%01");
  ferry_url_cleanup(u);
  return 0;
}

TEST_IMPL(apis_url_empty_parts_dup_path_as_is_and_encodings_on_get) {
  ferry_urlh *u = url_of("http://h.example/?#", 0), *d;

  ASSERT_NOT_NULL(u);
  ASSERT_NO_PART(u, FERRYUPART_QUERY, 0, FERRYUE_NO_QUERY);
  ASSERT_PART(u, FERRYUPART_QUERY, FERRYU_GET_EMPTY, "");
  ASSERT_NO_PART(u, FERRYUPART_FRAGMENT, 0, FERRYUE_NO_FRAGMENT);
  ASSERT_PART(u, FERRYUPART_FRAGMENT, FERRYU_GET_EMPTY, "");
  ASSERT_URL(u, 0, "http://h.example/");
  ASSERT_URL(u, FERRYU_GET_EMPTY, "http://h.example/?#");

  /* a copy is a copy */
  d = ferry_url_dup(u);
  ASSERT_NOT_NULL(d);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_PATH, "/changed", 0), FERRYUE_OK);
  ASSERT_URL(d, FERRYU_GET_EMPTY, "http://h.example/?#");
  ASSERT_URL(u, FERRYU_GET_EMPTY, "http://h.example/changed?#");
  ferry_url_cleanup(d);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL,
                          "https://[::1%25lo]:9/a?b#c", FERRYU_GUESS_SCHEME),
            FERRYUE_OK);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_OPTIONS, "o", 0), FERRYUE_OK);
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_USER, "u", 0), FERRYUE_OK);
  d = ferry_url_dup(u);
  ASSERT_NOT_NULL(d);
  ferry_url_cleanup(u);
  ASSERT_URL(d, 0, "https://u@[::1%25lo]:9/a?b#c");
  ASSERT_PART(d, FERRYUPART_OPTIONS, 0, "o");
  ferry_url_cleanup(d);

  /* dot segments go, unless asked to stay */
  u = url_of("http://h.example/a/../b", 0);
  ASSERT_NOT_NULL(u);
  ASSERT_PART(u, FERRYUPART_PATH, 0, "/b");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "http://h.example/a/../b?c",
                          FERRYU_PATH_AS_IS),
            FERRYUE_OK);
  ASSERT_PART(u, FERRYUPART_PATH, 0, "/a/../b");
  ASSERT_URL(u, 0, "http://h.example/a/../b?c");

  /* non-ASCII bytes: kept as given, or encoded when setting */
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL,
                          "http://h.example/\xc3\xa9?q=\xc3\xa9#\xc3\xa9", 0),
            FERRYUE_OK);
  ASSERT_PART(u, FERRYUPART_PATH, 0, "/\xc3\xa9");
  ASSERT_PART(u, FERRYUPART_PATH, FERRYU_URLENCODE, "/%c3%a9");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL,
                          "http://h.example/\xc3\xa9?q=\xc3\xa9#\xc3\xa9",
                          FERRYU_URLENCODE),
            FERRYUE_OK);
  ASSERT_URL(u, 0, "http://h.example/%c3%a9?q=%c3%a9#%c3%a9");

  /* spaces stored as given come out encoded on request */
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_PATH, "/a b", 0), FERRYUE_OK);
  ASSERT_PART(u, FERRYUPART_PATH, FERRYU_URLENCODE, "/a%20b");
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_QUERY, "a b+%2B", 0), FERRYUE_OK);
  ASSERT_PART(u, FERRYUPART_QUERY, FERRYU_URLENCODE, "a+b+%2b");
  ASSERT_PART(u, FERRYUPART_QUERY, FERRYU_URLDECODE, "a b +");
  ASSERT_PART(u, FERRYUPART_QUERY, FERRYU_URLDECODE | FERRYU_URLENCODE,
              "a+b++");

  /* no IDN: a punycode host cannot be converted */
  ASSERT_EQ(ferry_url_set(u, FERRYUPART_URL, "http://xn--e1afmkfd.org/", 0),
            FERRYUE_OK);
  ASSERT_PART(u, FERRYUPART_HOST, 0, "xn--e1afmkfd.org");
  ASSERT_PART(u, FERRYUPART_HOST, FERRYU_PUNYCODE, "xn--e1afmkfd.org");
  ASSERT_NO_PART(u, FERRYUPART_HOST, FERRYU_PUNY2IDN, FERRYUE_LACKS_IDN);
  ASSERT_NO_PART(u, FERRYUPART_URL, FERRYU_PUNY2IDN, FERRYUE_LACKS_IDN);
  ferry_url_cleanup(u);
  return 0;
}

/* An allocator that fails the fail_at-th allocation. */
static long alloc_count, fail_at;

static int should_fail(void) { return fail_at && ++alloc_count == fail_at; }
static void *t_malloc(size_t n) { return should_fail() ? NULL : malloc(n); }
static void t_free(void *p) { free(p); }
static void *t_realloc(void *p, size_t n) {
  return should_fail() ? NULL : realloc(p, n);
}
static char *t_strdup(const char *s) { return should_fail() ? NULL : strdup(s); }
static void *t_calloc(size_t a, size_t b) {
  return should_fail() ? NULL : calloc(a, b);
}

/* Everything the URL API and escaping allocate for, once: 0 when all
 * went well, 1 when an allocation failed and said so, -1 on a wrong
 * result. */
static int url_scenario(void) {
  ferry_urlh *u = ferry_url(), *d = NULL;
  char *s = NULL, *e = NULL;
  int rc = -1, n = 0;
  ferry_ucode uc;

  if (u == NULL)
    return 1;
#define STEP(call)                                                             \
  do {                                                                         \
    uc = (call);                                                               \
    if (uc == FERRYUE_OUT_OF_MEMORY) {                                         \
      rc = 1;                                                                  \
      goto out;                                                                \
    }                                                                          \
    if (uc != FERRYUE_OK)                                                      \
      goto out;                                                                \
  } while (0)
  STEP(ferry_url_set(u, FERRYUPART_URL, "file://localhost/a/../b?q#f", 0));
  STEP(ferry_url_set(u, FERRYUPART_URL, "imap.Example.com/a b?c d#e f",
                     FERRYU_GUESS_SCHEME | FERRYU_ALLOW_SPACE |
                         FERRYU_URLENCODE));
  STEP(ferry_url_set(u, FERRYUPART_HOST, "[fe80::2%25eth1]", 0));
  STEP(ferry_url_set(u, FERRYUPART_URL, "imap://u;o:p@h%41/",
                     FERRYU_NON_SUPPORT_SCHEME));
  STEP(ferry_url_set(u, FERRYUPART_URL,
                     "https://u:p@[fe80::1%25eth0]:8443/a/../b?q=1#f", 0));
  STEP(ferry_url_set(u, FERRYUPART_URL, "../c d?x", 0));
  STEP(ferry_url_set(u, FERRYUPART_URL, "//h.example/e", 0));
  STEP(ferry_url_set(u, FERRYUPART_HOST, "[::1%25lo]", 0));
  STEP(ferry_url_set(u, FERRYUPART_PATH, "p q", FERRYU_URLENCODE));
  STEP(ferry_url_set(u, FERRYUPART_QUERY, "a=b c", FERRYU_URLENCODE));
  STEP(ferry_url_set(u, FERRYUPART_QUERY, "d=e",
                     FERRYU_APPENDQUERY | FERRYU_URLENCODE));
  STEP(ferry_url_set(u, FERRYUPART_USER, "us", 0));
  STEP(ferry_url_set(u, FERRYUPART_PORT, "81", 0));
  STEP(ferry_url_set(u, FERRYUPART_SCHEME, "http", 0));
  d = ferry_url_dup(u);
  if (d == NULL) {
    rc = 1;
    goto out;
  }
  STEP(ferry_url_get(d, FERRYUPART_QUERY, &s,
                     FERRYU_URLDECODE | FERRYU_URLENCODE));
  n = strcmp(s, "a=b+c&d=e") != 0;
  ferry_free(s);
  s = NULL;
  STEP(ferry_url_get(d, FERRYUPART_URL, &s, FERRYU_DEFAULT_PORT));
  n |= strcmp(s, "http://us@[::1%25lo]:81/p%20q?a%3db+c&d=e") != 0;
  e = ferry_easy_escape(NULL, s, 0);
  if (e == NULL) {
    rc = 1;
    goto out;
  }
  ferry_free(s);
  s = ferry_easy_unescape(NULL, e, 0, NULL);
  if (s == NULL) {
    rc = 1;
    goto out;
  }
  n |= strcmp(s, "http://us@[::1%25lo]:81/p%20q?a%3db+c&d=e") != 0;
  rc = n ? -1 : 0;
out:
  ferry_free(s);
  ferry_free(e);
  ferry_url_cleanup(d);
  ferry_url_cleanup(u);
  return rc;
#undef STEP
}

TEST_IMPL(apis_url_oom_each_allocation_fails_cleanly) {
  long total, i, oom = 0;

  ASSERT_EQ(ferry_global_init_mem(FERRY_GLOBAL_ALL, t_malloc, t_free,
                                  t_realloc, t_strdup, t_calloc),
            FERRYE_OK);
  fail_at = 0;
  ASSERT_EQ(url_scenario(), 0);
  fail_at = -1; /* count without failing */
  alloc_count = 0;
  ASSERT_EQ(url_scenario(), 0);
  total = alloc_count;
  ASSERT_GE(total, 20);
  for (i = 1; i <= total; i++) {
    int rc;
    alloc_count = 0;
    fail_at = i;
    rc = url_scenario();
    if (rc < 0)
      TEST_FAIL_("failing allocation %ld of %ld gave a wrong result", i,
                 total);
    oom += rc;
  }
  fail_at = 0;
  ASSERT_EQ(oom, total); /* every failure surfaced */
  ferry_global_cleanup();
  return 0;
}

/* ---- libcurl's names -------------------------------------------------- */

TEST_IMPL(apis_libcurl_names_reach_the_same_functions) {
  CURLU *u = curl_url();
  CURL *e = curl_easy_init();
  struct curl_header *h = NULL;
  const struct curl_easyoption *o;
  char *s = NULL;
  CURLUcode uc;
  CURLHcode hc;
  curl_easytype t;

  ASSERT_NOT_NULL(u);
  ASSERT_NOT_NULL(e);
  uc = curl_url_set(u, CURLUPART_URL, "http://example.com/a b",
                    CURLU_URLENCODE);
  ASSERT_EQ(uc, CURLUE_MALFORMED_INPUT); /* spaces need ALLOW_SPACE */
  uc = curl_url_set(u, CURLUPART_URL, "http://example.com/a b",
                    CURLU_URLENCODE | CURLU_ALLOW_SPACE);
  ASSERT_EQ(uc, CURLUE_OK);
  ASSERT_EQ(curl_url_get(u, CURLUPART_PATH, &s, 0), CURLUE_OK);
  ASSERT_STR_EQ(s, "/a%20b");
  curl_free(s);
  uc = curl_url_set(u, CURLUPART_URL, "http://example.com/", 0);
  ASSERT_EQ(uc, CURLUE_OK);
  ASSERT_EQ(curl_url_set(u, CURLUPART_PATH, "a b", CURLU_URLENCODE),
            CURLUE_OK);
  ASSERT_EQ(curl_url_get(u, CURLUPART_URL, &s, CURLU_DEFAULT_PORT), CURLUE_OK);
  ASSERT_STR_EQ(s, "http://example.com:80/a%20b");
  curl_free(s);
  ASSERT_EQ(curl_url_get(u, CURLUPART_ZONEID, &s, 0), CURLUE_NO_ZONEID);
  ASSERT_EQ(CURLUE_NO_ZONEID, 18);
  ASSERT_EQ(CURLUE_TOO_LARGE, 31);
  ASSERT_EQ(CURLUPART_ZONEID, 10);
  ASSERT_EQ(CURLU_NO_GUESS_SCHEME, 1 << 15);
  {
    CURLU *d = curl_url_dup(u);
    ASSERT_NOT_NULL(d);
    curl_url_cleanup(d);
  }
  curl_url_cleanup(u);

  hc = curl_easy_header(e, "x", 0, CURLH_HEADER | CURLH_1XX, -1, &h);
  ASSERT_EQ(hc, CURLHE_NOHEADERS);
  ASSERT_EQ(CURLHE_NOHEADERS, 3);
  ASSERT_NULL(curl_easy_nextheader(e, CURLH_HEADER, -1, NULL));

  o = curl_easy_option_by_name("file");
  ASSERT_NOT_NULL(o);
  t = o->type;
  ASSERT_EQ(t, CURLOT_CBPTR);
  ASSERT_EQ(o->id, CURLOPT_WRITEDATA);
  ASSERT_EQ(o->flags & CURLOT_FLAG_ALIAS, CURLOT_FLAG_ALIAS);
  ASSERT(curl_easy_option_by_id(CURLOPT_URL) ==
         curl_easy_option_by_name("URL"));
  ASSERT_NOT_NULL(curl_easy_option_next(NULL));

  s = curl_easy_escape(e, "a b", 0);
  ASSERT_STR_EQ(s, "a%20b");
  curl_free(s);
  s = curl_easy_unescape(e, "a%20b", 0, NULL);
  ASSERT_STR_EQ(s, "a b");
  curl_free(s);
  curl_easy_cleanup(e);
  return 0;
}

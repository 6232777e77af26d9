/* HTTP/2 through the engine, end to end, against the scripted HTTP/2
 * server (h2server.h): negotiation (ALPN h2 over TLS, prior knowledge,
 * fallback to HTTP/1.1), multiplexing many transfers on one connection,
 * and per stream what a user sees: result codes, bytes, header lines as
 * libcurl gives them for HTTP/2, getinfo values, and the exact request the
 * server got.
 *
 * Every transfer has TIMEOUT_MS set as a bound, so a hang shows as a
 * failed assertion, never as a stalled test. */
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "certs.h"
#include "ferry_uv.h"
#include "fx.h"
#include "h2server.h"
#include "test.h"

#define XFER_TIMEOUT_MS 15000L

static tcerts certs;
static int certs_made;

static void certs_remove(void) {
  if (certs_made)
    tcerts_cleanup(&certs);
  certs_made = 0;
}

static int make_certs(void) {
  if (certs_made)
    return 0;
  if (tcerts_make(&certs) != 0)
    return -1;
  certs_made = 1;
  atexit(certs_remove);
  return 0;
}

static const char *h2_url(h2server *s, int tls, const char *path) {
  static char bufs[4][256];
  static unsigned slot;
  char *b = bufs[slot++ % 4];
  snprintf(b, 256, "%s://%s:%d%s", tls ? "https" : "http",
           tls ? "localhost" : "127.0.0.1", h2server_port(s), path);
  return b;
}

/* An easy handle for url with HTTP_VERSION v (and for https the test CA). */
static ferry_easy *h2_easy(const char *url, long v, sink *body, sink *hdr) {
  ferry_easy *e = fx_easy(url, body, hdr);
  if (e == NULL)
    return NULL;
  ferry_easy_setopt(e, FERRYOPT_HTTP_VERSION, v);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, XFER_TIMEOUT_MS);
  if (strncmp(url, "https:", 6) == 0)
    ferry_easy_setopt(e, FERRYOPT_CAINFO, certs.ca);
  return e;
}

static const h2server_header hello_headers[] = {
    {"content-type", "text/plain", 0, 0}, {"x-one", "1", 0, 0}};

static h2server *start_hello(int tls) {
  static const h2server_response resp = {
      .status = 200, .headers = hello_headers, .nheaders = 2, .body = "hello",
      .send_content_length = 1};
  h2server_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.tls = tls;
  if (tls) {
    cfg.cert = certs.server;
    cfg.key = certs.server_key;
  }
  cfg.responses = &resp;
  cfg.nresponses = 1;
  return h2server_start(&cfg);
}

/* The header lines a HEADERFUNCTION gets for the hello response, as
 * libcurl gives them for HTTP/2. */
#define HELLO_HEADER_LINES                                                    \
  "HTTP/2 200 \r\ncontent-type: text/plain\r\nx-one: 1\r\n"                   \
  "content-length: 5\r\n\r\n"

TEST_IMPL(h2_prior_knowledge_get_gives_status_headers_and_body) {
  h2server *s;
  sink body = {0}, hdr = {0};
  ferry_easy *e;
  h2server_request req;
  long version = 0, code = 0;
  char authority[64];

  s = start_hello(0);
  ASSERT_NOT_NULL(s);
  e = h2_easy(h2_url(s, 0, "/x?y=1"), FERRY_HTTP_VERSION_2_PRIOR_KNOWLEDGE,
              &body, &hdr);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_MEM_EQ(hdr.data, hdr.len, HELLO_HEADER_LINES);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_HTTP_VERSION, &version), FERRYE_OK);
  ASSERT_EQ(version, FERRY_HTTP_VERSION_2_0);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_RESPONSE_CODE, &code), FERRYE_OK);
  ASSERT_EQ(code, 200);
  /* what the server got: the pseudo-headers first, then libcurl's */
  ASSERT_EQ(h2server_wait_requests(s, 1, 5000), 0);
  ASSERT_EQ(h2server_request_get(s, 0, &req), 0);
  snprintf(authority, sizeof(authority), "127.0.0.1:%d", h2server_port(s));
  ASSERT_EQ(req.nheaders, 5);
  ASSERT_STR_EQ(req.headers[0].name, ":method");
  ASSERT_STR_EQ(req.headers[0].value, "GET");
  ASSERT_STR_EQ(req.headers[1].name, ":scheme");
  ASSERT_STR_EQ(req.headers[1].value, "http");
  ASSERT_STR_EQ(req.headers[2].name, ":authority");
  ASSERT_STR_EQ(req.headers[2].value, authority);
  ASSERT_STR_EQ(req.headers[3].name, ":path");
  ASSERT_STR_EQ(req.headers[3].value, "/x?y=1");
  ASSERT_STR_EQ(req.headers[4].name, "accept");
  ASSERT_STR_EQ(req.headers[4].value, "*/*");
  ASSERT(req.ended);
  h2server_request_free(&req);
  ferry_easy_cleanup(e);
  sink_free(&body);
  sink_free(&hdr);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2_over_tls_is_chosen_by_alpn_by_default) {
  h2server *s;
  sink body = {0}, hdr = {0};
  ferry_easy *e;
  h2server_conn_info info;
  long version = 0;

  ASSERT_EQ(make_certs(), 0);
  s = start_hello(1);
  ASSERT_NOT_NULL(s);
  /* no HTTP_VERSION: libcurl's default, HTTP/2 over TLS when offered */
  e = h2_easy(h2_url(s, 1, "/"), FERRY_HTTP_VERSION_NONE, &body, &hdr);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_MEM_EQ(hdr.data, hdr.len, HELLO_HEADER_LINES);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_HTTP_VERSION, &version), FERRYE_OK);
  ASSERT_EQ(version, FERRY_HTTP_VERSION_2_0);
  ASSERT_EQ(h2server_connection(s, 0, &info), 0);
  ASSERT_STR_EQ(info.alpn, "h2");
  ASSERT_EQ(info.proto, H2SERVER_PROTO_H2);
  ferry_easy_cleanup(e);
  sink_free(&body);
  sink_free(&hdr);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2_http_version_1_1_over_tls_offers_only_http11) {
  h2server *s;
  sink body = {0};
  ferry_easy *e;
  h2server_conn_info info;
  long version = 0;

  ASSERT_EQ(make_certs(), 0);
  s = start_hello(1);
  ASSERT_NOT_NULL(s);
  e = h2_easy(h2_url(s, 1, "/"), FERRY_HTTP_VERSION_1_1, &body, NULL);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "http/1");
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_HTTP_VERSION, &version), FERRYE_OK);
  ASSERT_EQ(version, FERRY_HTTP_VERSION_1_1);
  ASSERT_EQ(h2server_connection(s, 0, &info), 0);
  ASSERT_STR_EQ(info.alpn, "http/1.1");
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

/* 100 transfers at once with PIPEWAIT: one connection, many streams open
 * on it at the same time, every body whole. */
TEST_IMPL(h2_hundred_transfers_share_one_connection) {
  enum { N = 100 };
  static const h2server_response resp = {.status = 200, .body_size = 3000,
                                         .frame_size = 1000};
  h2server_config cfg;
  h2server *s;
  uv_loop_t loop;
  ferry_multi *m;
  ferry_easy *e[N];
  sink body[N];
  long conns = 0, total = 0;
  int done = 0;
  ferry_msg *msg;

  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = &resp;
  cfg.nresponses = 1;
  s = h2server_start(&cfg);
  ASSERT_NOT_NULL(s);
  memset(body, 0, sizeof(body));
  ASSERT_EQ(uv_loop_init(&loop), 0);
  m = ferry_multi_init();
  ASSERT_EQ(ferry_multi_use_loop(m, &loop), FERRYM_OK);
  for (int i = 0; i < N; i++) {
    char path[32];
    snprintf(path, sizeof(path), "/f%d", i);
    e[i] = h2_easy(h2_url(s, 0, path), FERRY_HTTP_VERSION_2_PRIOR_KNOWLEDGE,
                   &body[i], NULL);
    ASSERT_EQ(ferry_easy_setopt(e[i], FERRYOPT_PIPEWAIT, 1L), FERRYE_OK);
    if (getenv("H2V")) ferry_easy_setopt(e[i], FERRYOPT_VERBOSE, 1L);
    ASSERT_EQ(ferry_multi_add_handle(m, e[i]), FERRYM_OK);
  }
  ASSERT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
  while ((msg = ferry_multi_info_read(m, NULL)) != NULL) {
    ASSERT_EQ(msg->data.result, FERRYE_OK);
    done++;
  }
  ASSERT_EQ(done, N);
  for (int i = 0; i < N; i++) {
    ASSERT_EQ(body[i].len, 3000);
    ASSERT(h2server_body_check(body[i].data, body[i].len, 0));
    ASSERT_EQ(ferry_easy_getinfo(e[i], FERRYINFO_NUM_CONNECTS, &conns),
              FERRYE_OK);
    total += conns;
    ASSERT_EQ(ferry_multi_remove_handle(m, e[i]), FERRYM_OK);
    ferry_easy_cleanup(e[i]);
    sink_free(&body[i]);
  }
  ASSERT_EQ(total, 1);
  ASSERT_EQ(h2server_get(s, H2SERVER_CONNECTIONS), 1);
  ASSERT_EQ(h2server_get(s, H2SERVER_STREAMS), N);
  ASSERT_GE(h2server_get(s, H2SERVER_MAX_OPEN_STREAMS), 10);
  ASSERT_EQ(ferry_multi_close(m, NULL, NULL), FERRYM_OK);
  MAKE_LOOP_HAPPY(&loop);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

/* ==== the whole of HTTP/2: per stream, per connection, hostile peers ==== */

#include <sys/resource.h>
#include <zlib.h>

#define PK FERRY_HTTP_VERSION_2_PRIOR_KNOWLEDGE

/* Transfers on a multi on a loop of their own, until every one is done. */
typedef struct h2run {
  uv_loop_t loop;
  uv_timer_t tick;
  ferry_multi *m;
  ferry_easy **e;
  ferry_code *res;
  int n, left;
  /* called every 5 ms while transfers run; returns 0 to stop being
   * called */
  int (*on_tick)(struct h2run *r);
  void *arg;
  int ticking;
  /* handles the multi made itself (pushed streams) and their results */
  ferry_easy *extra[8];
  ferry_code extra_res[8];
  int n_extra;
} h2run;

static void run_notify(ferry_multi *m, unsigned int what, ferry_easy *easy,
                       void *userp) {
  h2run *r = userp;
  ferry_msg *msg;
  (void)what;
  (void)easy;
  while ((msg = ferry_multi_info_read(m, NULL)) != NULL) {
    int found = 0;
    for (int i = 0; i < r->n; i++)
      if (msg->easy_handle == r->e[i]) {
        r->res[i] = msg->data.result;
        r->left--;
        found = 1;
      }
    if (!found && r->n_extra < 8) {
      r->extra[r->n_extra] = msg->easy_handle;
      r->extra_res[r->n_extra++] = msg->data.result;
    }
  }
  if (r->left == 0 && r->ticking) {
    uv_timer_stop(&r->tick);
    r->ticking = 0;
  }
}

static void run_tick(uv_timer_t *t) {
  h2run *r = t->data;
  if (r->on_tick == NULL || r->on_tick(r) == 0) {
    uv_timer_stop(t);
    r->ticking = 0;
  }
}

/* Set up r with a multi on its loop (configure r->m before run_go). */
static int run_init(h2run *r) {
  memset(r, 0, sizeof(*r));
  if (uv_loop_init(&r->loop) != 0)
    return -1;
  uv_timer_init(&r->loop, &r->tick);
  r->tick.data = r;
  r->m = ferry_multi_init();
  if (r->m == NULL || ferry_multi_use_loop(r->m, &r->loop) != FERRYM_OK)
    return -1;
  ferry_multi_setopt(r->m, FERRYMOPT_NOTIFYFUNCTION, run_notify);
  ferry_multi_setopt(r->m, FERRYMOPT_NOTIFYDATA, r);
  ferry_multi_notify_enable(r->m, FERRYMNOTIFY_INFO_READ);
  return 0;
}

/* Add e[0..n) and run until all are done (results in res). */
static int run_go(h2run *r, ferry_easy **e, ferry_code *res, int n) {
  r->e = e;
  r->res = res;
  r->n = r->left = n;
  for (int i = 0; i < n; i++) {
    res[i] = FERRYE_LAST;
    if (ferry_multi_add_handle(r->m, e[i]) != FERRYM_OK)
      return -1;
  }
  if (r->on_tick) {
    r->ticking = 1;
    uv_timer_start(&r->tick, run_tick, 5, 5);
  }
  while (r->left > 0)
    if (uv_run(&r->loop, UV_RUN_ONCE) == 0 && r->left > 0 && !r->ticking)
      return -1; /* nothing left to wait for */
  if (r->ticking) {
    uv_timer_stop(&r->tick);
    r->ticking = 0;
  }
  return 0;
}

/* Remove and clean up every handle, close the multi and the loop. */
static int run_close(h2run *r) {
  for (int i = 0; i < r->n; i++) {
    ferry_multi_remove_handle(r->m, r->e[i]);
    ferry_easy_cleanup(r->e[i]);
  }
  for (int i = 0; i < r->n_extra; i++) {
    ferry_multi_remove_handle(r->m, r->extra[i]);
    ferry_easy_cleanup(r->extra[i]);
  }
  ferry_multi_close(r->m, NULL, NULL);
  uv_close((uv_handle_t *)&r->tick, NULL);
  uv_run(&r->loop, UV_RUN_DEFAULT);
  return uv_loop_close(&r->loop);
}

/* The frames connection k's client sent, of a type (on a stream, or any
 * stream with sid -1): how many. */
static unsigned count_frames(h2server *s, unsigned k, int type, long sid,
                             uint32_t *sum_increment) {
  h2server_frame *f;
  size_t n = h2server_frames(s, k, &f);
  unsigned c = 0;
  if (sum_increment)
    *sum_increment = 0;
  for (size_t i = 0; i < n; i++)
    if (f[i].type == type && (sid < 0 || f[i].stream_id == (uint32_t)sid)) {
      c++;
      if (sum_increment)
        *sum_increment += f[i].window_increment;
    }
  free(f);
  return c;
}

/* ---- per stream: uploads ------------------------------------------------- */

typedef struct upsrc {
  size_t size, off;
  int pause_at;     /* return PAUSE once at this call (1-based; 0 never) */
  int calls;
  int paused;
  int seeks;
} upsrc;

static size_t up_read(char *buf, size_t size, size_t n, void *ud) {
  upsrc *u = ud;
  size_t cap = size * n, k = 0;
  if (++u->calls == u->pause_at && !u->paused) {
    u->paused = 1;
    return FERRY_READFUNC_PAUSE;
  }
  while (k < cap && u->off < u->size)
    buf[k++] = (char)h2server_body_byte(u->off++);
  return k;
}

static int up_seek(void *ud, ferry_off_t off, int origin) {
  upsrc *u = ud;
  (void)origin;
  u->off = (size_t)off;
  u->seeks++;
  return FERRY_SEEKFUNC_OK;
}

static int up_trailers(ferry_slist **list, void *ud) {
  ferry_slist *l;
  (void)ud;
  /* out of memory: the list so far stays (ferry frees it) */
  if ((l = ferry_slist_append(*list, "X-Sum: 42")) == NULL)
    return FERRY_TRAILERFUNC_ABORT;
  *list = l;
  if ((l = ferry_slist_append(*list, "X-Second: yes")) == NULL)
    return FERRY_TRAILERFUNC_ABORT;
  *list = l;
  return FERRY_TRAILERFUNC_OK;
}

static const h2server_response echo_resp = {.status = 200, .echo = 1};

static h2server *start_echo(void) {
  h2server_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = &echo_resp;
  cfg.nresponses = 1;
  return h2server_start(&cfg);
}

TEST_IMPL(h2_upload_of_known_size_goes_in_data_frames_under_flow_control) {
  h2server *s = start_echo();
  sink body = {0};
  upsrc u = {.size = 1000000};
  ferry_easy *e;
  h2server_request req;
  ferry_off_t up = 0;

  ASSERT_NOT_NULL(s);
  e = h2_easy(h2_url(s, 0, "/up"), PK, &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_UPLOAD, 1L);
  ferry_easy_setopt(e, FERRYOPT_READFUNCTION, up_read);
  ferry_easy_setopt(e, FERRYOPT_READDATA, &u);
  ferry_easy_setopt(e, FERRYOPT_INFILESIZE_LARGE, (ferry_off_t)u.size);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  /* 1 MB is more than the server's 64 KiB windows: WINDOW_UPDATEs let it
   * through */
  ASSERT_EQ(body.len, u.size);
  ASSERT(h2server_body_check(body.data, body.len, 0));
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_SIZE_UPLOAD_T, &up), FERRYE_OK);
  ASSERT_EQ(up, (ferry_off_t)u.size);
  ASSERT_EQ(h2server_wait_requests(s, 1, 5000), 0);
  ASSERT_EQ(h2server_request_get(s, 0, &req), 0);
  ASSERT_STR_EQ(req.headers[0].value, "PUT");
  ASSERT_STR_EQ(h2server_request_header(&req, "content-length"), "1000000");
  ASSERT_EQ(req.body_len, u.size);
  ASSERT(req.ended);
  h2server_request_free(&req);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2_upload_of_unknown_size_ends_with_the_trailer_callbacks_trailers) {
  h2server *s = start_echo();
  sink body = {0};
  upsrc u = {.size = 300000};
  ferry_easy *e;
  h2server_request req;

  ASSERT_NOT_NULL(s);
  e = h2_easy(h2_url(s, 0, "/up"), PK, &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_UPLOAD, 1L);
  ferry_easy_setopt(e, FERRYOPT_READFUNCTION, up_read);
  ferry_easy_setopt(e, FERRYOPT_READDATA, &u);
  ferry_easy_setopt(e, FERRYOPT_TRAILERFUNCTION, up_trailers);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(body.len, u.size);
  ASSERT(h2server_body_check(body.data, body.len, 0));
  ASSERT_EQ(h2server_wait_requests(s, 1, 5000), 0);
  ASSERT_EQ(h2server_request_get(s, 0, &req), 0);
  /* no content-length, no transfer-encoding: DATA until END_STREAM */
  ASSERT_NULL(h2server_request_header(&req, "content-length"));
  ASSERT_NULL(h2server_request_header(&req, "transfer-encoding"));
  ASSERT_EQ(req.body_len, u.size);
  ASSERT_EQ(req.ntrailers, 2);
  ASSERT_STR_EQ(req.trailers[0].name, "x-sum");
  ASSERT_STR_EQ(req.trailers[0].value, "42");
  ASSERT_STR_EQ(req.trailers[1].name, "x-second");
  ASSERT(req.ended);
  h2server_request_free(&req);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

/* The read callback pauses; the application resumes it 100 ms later. */
static int resume_upload_tick(h2run *r) {
  upsrc *u = r->arg;
  static int ticks;
  if (!u->paused)
    return 1;
  if (++ticks < 20)
    return 1;
  ticks = 0;
  ferry_easy_pause(r->e[0], FERRY_PAUSE_CONT);
  return 0;
}

TEST_IMPL(h2_upload_paused_by_the_read_callback_resumes_with_easy_pause) {
  h2server *s = start_echo();
  sink body = {0};
  upsrc u = {.size = 200000, .pause_at = 3};
  ferry_easy *e[1];
  ferry_code res[1];
  h2run r;

  ASSERT_NOT_NULL(s);
  ASSERT_EQ(run_init(&r), 0);
  e[0] = h2_easy(h2_url(s, 0, "/up"), PK, &body, NULL);
  ferry_easy_setopt(e[0], FERRYOPT_UPLOAD, 1L);
  ferry_easy_setopt(e[0], FERRYOPT_READFUNCTION, up_read);
  ferry_easy_setopt(e[0], FERRYOPT_READDATA, &u);
  ferry_easy_setopt(e[0], FERRYOPT_INFILESIZE_LARGE, (ferry_off_t)u.size);
  r.on_tick = resume_upload_tick;
  r.arg = &u;
  ASSERT_EQ(run_go(&r, e, res, 1), 0);
  ASSERT_EQ(res[0], FERRYE_OK);
  ASSERT(u.paused);
  ASSERT_EQ(body.len, u.size);
  ASSERT(h2server_body_check(body.data, body.len, 0));
  ASSERT_EQ(run_close(&r), 0);
  sink_free(&body);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

/* The server's INITIAL_WINDOW_SIZE is 0: nothing of the body can go until
 * it sends a WINDOW_UPDATE, 150 ms in. */
static int open_window_tick(h2run *r) {
  static int ticks;
  if (++ticks < 30)
    return 1;
  ticks = 0;
  h2server_send_window_update(r->arg, 0, 1, 1 << 20);
  return 0;
}

TEST_IMPL(h2_upload_waits_for_a_server_that_opens_its_window_later) {
  static const nghttp2_settings_entry zero[] = {
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 0}};
  h2server_config cfg;
  h2server *s;
  sink body = {0};
  upsrc u = {.size = 100000};
  ferry_easy *e[1];
  ferry_code res[1];
  h2run r;
  uint64_t t0;

  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = &echo_resp;
  cfg.nresponses = 1;
  cfg.settings = zero;
  cfg.nsettings = 1;
  s = h2server_start(&cfg);
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(run_init(&r), 0);
  e[0] = h2_easy(h2_url(s, 0, "/up"), PK, &body, NULL);
  ferry_easy_setopt(e[0], FERRYOPT_UPLOAD, 1L);
  ferry_easy_setopt(e[0], FERRYOPT_READFUNCTION, up_read);
  ferry_easy_setopt(e[0], FERRYOPT_READDATA, &u);
  ferry_easy_setopt(e[0], FERRYOPT_INFILESIZE_LARGE, (ferry_off_t)u.size);
  r.on_tick = open_window_tick;
  r.arg = s;
  t0 = uv_hrtime();
  ASSERT_EQ(run_go(&r, e, res, 1), 0);
  ASSERT_EQ(res[0], FERRYE_OK);
  ASSERT_GE((uv_hrtime() - t0) / 1000000, 140);
  ASSERT_EQ(body.len, u.size);
  ASSERT(h2server_body_check(body.data, body.len, 0));
  ASSERT_EQ(run_close(&r), 0);
  sink_free(&body);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2_postfields_small_and_large_are_sent_whole) {
  h2server *s = start_echo();
  static char big[200001];
  const char *bodies[2] = {"a=1&b=2", big};
  ASSERT_NOT_NULL(s);
  for (size_t i = 0; i < sizeof(big) - 1; i++)
    big[i] = (char)('a' + i % 26);
  for (int k = 0; k < 2; k++) {
    sink body = {0};
    ferry_easy *e = h2_easy(h2_url(s, 0, "/post"), PK, &body, NULL);
    h2server_request req;
    char len[32];
    ferry_easy_setopt(e, FERRYOPT_POSTFIELDS, bodies[k]);
    ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
    ASSERT_MEM_EQ(body.data, body.len, bodies[k]);
    ASSERT_EQ(h2server_wait_requests(s, (unsigned)k + 1, 5000), 0);
    ASSERT_EQ(h2server_request_get(s, (unsigned)k, &req), 0);
    ASSERT_STR_EQ(req.headers[0].value, "POST");
    snprintf(len, sizeof(len), "%zu", strlen(bodies[k]));
    ASSERT_STR_EQ(h2server_request_header(&req, "content-length"), len);
    ASSERT_STR_EQ(h2server_request_header(&req, "content-type"),
                  "application/x-www-form-urlencoded");
    ASSERT_MEM_EQ(req.body, req.body_len, bodies[k]);
    h2server_request_free(&req);
    ferry_easy_cleanup(e);
    sink_free(&body);
  }
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

/* ---- per stream: pause, speed caps --------------------------------------- */

typedef struct pausesink {
  sink s;
  int pause_now;  /* pause at the next call */
  int paused;
} pausesink;

static size_t pause_write(char *p, size_t size, size_t n, void *ud) {
  pausesink *ps = ud;
  if (ps->pause_now) {
    ps->pause_now = 0;
    ps->paused = 1;
    return FERRY_WRITEFUNC_PAUSE;
  }
  return sink_write(p, size, n, &ps->s);
}

typedef struct pausecheck {
  h2server *srv;
  int32_t sid;            /* the paused stream */
  unsigned updates_at_pause; /* the grant when the stream opened */
  unsigned updates_later;    /* any other, before it was resumed */
  int checked;
  pausesink *ps;
  int ticks;
} pausecheck;

/* Once the others are done, look at what the server got for the paused
 * stream, then resume it. */
static int pause_tick(h2run *r) {
  pausecheck *pc = r->arg;
  int others = 0;
  if (!pc->ps->paused)
    return 1;
  for (int i = 1; i < r->n; i++)
    others += r->res[i] != FERRYE_LAST;
  if (others < r->n - 1 || ++pc->ticks < 20)
    return 1; /* and 100 ms more for anything late */
  /* the window the stream got when it opened (64 KiB up to 8 MiB), and
   * nothing since: it paused at its first body bytes */
  {
    h2server_frame *f;
    size_t nf = h2server_frames(pc->srv, 0, &f);
    pc->updates_at_pause = pc->updates_later = 0;
    for (size_t i = 0; i < nf; i++)
      if (f[i].type == NGHTTP2_WINDOW_UPDATE &&
          f[i].stream_id == (uint32_t)pc->sid) {
        if (f[i].window_increment == 8 * 1024 * 1024 - 65535)
          pc->updates_at_pause++;
        else
          pc->updates_later++;
      }
    free(f);
  }
  pc->checked = 1;
  ferry_easy_pause(r->e[0], FERRY_PAUSE_CONT);
  return 0;
}

TEST_IMPL(h2_paused_stream_keeps_its_window_closed_while_others_finish) {
  static const h2server_response resps[] = {
      {.path = "/big", .status = 200, .body_size = 12 * 1024 * 1024},
      {.path = NULL, .status = 200, .body_size = 300000, .frame_delay_ms = 1,
       .frame_size = 16384}};
  enum { N = 4 };
  h2server_config cfg;
  h2server *s;
  pausesink ps;
  sink body[N];
  ferry_easy *e[N];
  ferry_code res[N];
  pausecheck pc;
  h2run r;

  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = resps;
  cfg.nresponses = 2;
  s = h2server_start(&cfg);
  ASSERT_NOT_NULL(s);
  memset(&ps, 0, sizeof(ps));
  memset(body, 0, sizeof(body));
  memset(&pc, 0, sizeof(pc));
  ps.pause_now = 1; /* at its first body bytes */
  pc.srv = s;
  pc.sid = 1;
  pc.ps = &ps;
  ASSERT_EQ(run_init(&r), 0);
  e[0] = h2_easy(h2_url(s, 0, "/big"), PK, NULL, NULL);
  ferry_easy_setopt(e[0], FERRYOPT_TIMEOUT_MS, 120000L); /* sanitizers */
  ferry_easy_setopt(e[0], FERRYOPT_WRITEFUNCTION, pause_write);
  ferry_easy_setopt(e[0], FERRYOPT_WRITEDATA, &ps);
  for (int i = 1; i < N; i++) {
    e[i] = h2_easy(h2_url(s, 0, "/small"), PK, &body[i], NULL);
    ferry_easy_setopt(e[i], FERRYOPT_PIPEWAIT, 1L);
  }
  r.on_tick = pause_tick;
  r.arg = &pc;
  ASSERT_EQ(run_go(&r, e, res, N), 0);
  for (int i = 0; i < N; i++)
    ASSERT_EQ(res[i], FERRYE_OK);
  ASSERT(pc.checked);
  /* not one WINDOW_UPDATE for it while it was paused */
  ASSERT_EQ(pc.updates_at_pause, 1);
  ASSERT_EQ(pc.updates_later, 0);
  ASSERT_EQ(ps.s.len, 12 * 1024 * 1024);
  ASSERT(h2server_body_check(ps.s.data, ps.s.len, 0));
  for (int i = 1; i < N; i++) {
    ASSERT_EQ(body[i].len, 300000);
    sink_free(&body[i]);
  }
  ASSERT_EQ(h2server_get(s, H2SERVER_CONNECTIONS), 1);
  ASSERT_EQ(run_close(&r), 0);
  sink_free(&ps.s);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2_max_recv_speed_and_max_send_speed_cap_a_stream) {
  static const h2server_response resps[] = {
      {.path = "/down", .status = 200, .body_size = 300000},
      {.path = "/up", .status = 200, .body = "ok"}};
  h2server_config cfg;
  h2server *s;
  sink body = {0};
  upsrc u = {.size = 150000};
  ferry_easy *e;
  uint64_t t0, ms;

  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = resps;
  cfg.nresponses = 2;
  s = h2server_start(&cfg);
  ASSERT_NOT_NULL(s);
  /* 300 KB at 150 KB/s: about 2 s, where nothing would hold the server's
   * 8 MiB window back */
  e = h2_easy(h2_url(s, 0, "/down"), PK, &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_MAX_RECV_SPEED_LARGE, (ferry_off_t)150000);
  t0 = uv_hrtime();
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ms = (uv_hrtime() - t0) / 1000000;
  ASSERT_EQ(body.len, 300000);
  ASSERT(h2server_body_check(body.data, body.len, 0));
  ASSERT_GE(ms, 1000);
  /* and the window the server got for it: a bit above half a second's
   * worth at most at a time */
  ASSERT_EQ(count_frames(s, 0, NGHTTP2_WINDOW_UPDATE, 1, NULL) > 0, 1);
  ferry_easy_cleanup(e);
  sink_free(&body);
  /* 150 KB up at 100 KB/s */
  e = h2_easy(h2_url(s, 0, "/up"), PK, &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_UPLOAD, 1L);
  ferry_easy_setopt(e, FERRYOPT_READFUNCTION, up_read);
  ferry_easy_setopt(e, FERRYOPT_READDATA, &u);
  ferry_easy_setopt(e, FERRYOPT_INFILESIZE_LARGE, (ferry_off_t)u.size);
  ferry_easy_setopt(e, FERRYOPT_MAX_SEND_SPEED_LARGE, (ferry_off_t)100000);
  t0 = uv_hrtime();
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ms = (uv_hrtime() - t0) / 1000000;
  ASSERT_MEM_EQ(body.data, body.len, "ok");
  ASSERT_GE(ms, 1000);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

/* ---- per stream: what a response brings ---------------------------------- */

TEST_IMPL(h2_response_trailers_go_to_the_header_callback_and_easy_header) {
  static const h2server_header tr[] = {{"x-trailer", "yes", 0, 0},
                                       {"x-sum", "abc", 0, 0}};
  static const h2server_response resp = {
      .status = 200, .headers = hello_headers, .nheaders = 1, .body = "hello",
      .send_content_length = 1, .trailers = tr, .ntrailers = 2};
  h2server_config cfg;
  h2server *s;
  sink body = {0}, hdr = {0};
  ferry_easy *e;
  struct ferry_header *h;

  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = &resp;
  cfg.nresponses = 1;
  s = h2server_start(&cfg);
  ASSERT_NOT_NULL(s);
  e = h2_easy(h2_url(s, 0, "/t"), PK, &body, &hdr);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  /* as libcurl 7.88 gives HTTP/2 trailers: lines after the header
   * section's blank line, none after them (libcurl drops them when the
   * response has a content-length; ferry does not) */
  ASSERT_MEM_EQ(hdr.data, hdr.len,
                "HTTP/2 200 \r\ncontent-type: text/plain\r\n"
                "content-length: 5\r\n\r\nx-trailer: yes\r\nx-sum: abc\r\n");
  /* kept as trailers (libcurl's documented origin; 7.88 files them as
   * plain headers) */
  ASSERT_EQ(ferry_easy_header(e, "x-trailer", 0, FERRYH_TRAILER, -1, &h),
            FERRYHE_OK);
  ASSERT_STR_EQ(h->value, "yes");
  ASSERT_EQ(h->origin, FERRYH_TRAILER);
  ASSERT_EQ(ferry_easy_header(e, "x-trailer", 0, FERRYH_HEADER, -1, &h),
            FERRYHE_MISSING);
  ASSERT_EQ(ferry_easy_header(e, "content-type", 0, FERRYH_HEADER, -1, &h),
            FERRYHE_OK);
  ferry_easy_cleanup(e);
  sink_free(&body);
  sink_free(&hdr);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2_informational_responses_come_before_the_final_one) {
  static const h2server_header link[] = {{"link", "</s.css>", 0, 0}};
  static const h2server_info info[] = {{103, link, 1}, {100, NULL, 0}};
  static const h2server_response resp = {
      .status = 200, .body = "x", .informational = info,
      .ninformational = 2};
  h2server_config cfg;
  h2server *s;
  sink body = {0}, hdr = {0};
  ferry_easy *e;
  struct ferry_header *h;
  long code = 0;

  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = &resp;
  cfg.nresponses = 1;
  s = h2server_start(&cfg);
  ASSERT_NOT_NULL(s);
  e = h2_easy(h2_url(s, 0, "/i"), PK, &body, &hdr);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(hdr.data, hdr.len,
                "HTTP/2 103 \r\nlink: </s.css>\r\n\r\nHTTP/2 100 \r\n\r\n"
                "HTTP/2 200 \r\n\r\n");
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_RESPONSE_CODE, &code), FERRYE_OK);
  ASSERT_EQ(code, 200);
  ASSERT_EQ(ferry_easy_header(e, "link", 0, FERRYH_1XX, -1, &h), FERRYHE_OK);
  ASSERT_STR_EQ(h->value, "</s.css>");
  ferry_easy_cleanup(e);
  sink_free(&body);
  sink_free(&hdr);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2_rst_stream_ends_only_that_transfer) {
  static const h2server_response resps[] = {
      {.path = "/rst", .status = 200, .rst = H2SERVER_RST_AFTER_HEADERS,
       .rst_code = NGHTTP2_INTERNAL_ERROR, .delay_ms = 50},
      {.path = "/mid", .status = 200, .body_size = 100000,
       .rst = H2SERVER_RST_AFTER_BODY_BYTES, .rst_after_bytes = 40000,
       .rst_code = NGHTTP2_CANCEL, .delay_ms = 50},
      {.path = NULL, .status = 200, .body_size = 50000, .delay_ms = 150}};
  enum { N = 3 };
  h2server_config cfg;
  h2server *s;
  sink body[N];
  char err[N][FERRY_ERROR_SIZE];
  ferry_easy *e[N];
  ferry_code res[N];
  const char *paths[N] = {"/rst", "/mid", "/fine"};
  h2run r;
  long code = 0;

  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = resps;
  cfg.nresponses = 3;
  s = h2server_start(&cfg);
  ASSERT_NOT_NULL(s);
  memset(body, 0, sizeof(body));
  ASSERT_EQ(run_init(&r), 0);
  for (int i = 0; i < N; i++) {
    e[i] = h2_easy(h2_url(s, 0, paths[i]), PK, &body[i], NULL);
    ferry_easy_setopt(e[i], FERRYOPT_PIPEWAIT, 1L);
    ferry_easy_setopt(e[i], FERRYOPT_ERRORBUFFER, err[i]);
  }
  ASSERT_EQ(run_go(&r, e, res, N), 0);
  ASSERT_EQ(res[0], FERRYE_HTTP2_STREAM);
  ASSERT_STR_EQ(err[0], "HTTP/2 stream 1 was not closed cleanly: "
                        "INTERNAL_ERROR (err 2)");
  ASSERT_EQ(ferry_easy_getinfo(e[0], FERRYINFO_RESPONSE_CODE, &code),
            FERRYE_OK);
  ASSERT_EQ(code, 200);
  ASSERT_EQ(res[1], FERRYE_HTTP2_STREAM);
  ASSERT_STR_EQ(err[1], "HTTP/2 stream 3 was not closed cleanly: CANCEL "
                        "(err 8)");
  /* what came before the reset was delivered */
  ASSERT_EQ(body[1].len, 40000);
  ASSERT(h2server_body_check(body[1].data, body[1].len, 0));
  ASSERT_EQ(res[2], FERRYE_OK);
  ASSERT_EQ(body[2].len, 50000);
  ASSERT_EQ(h2server_get(s, H2SERVER_CONNECTIONS), 1);
  for (int i = 0; i < N; i++)
    sink_free(&body[i]);
  ASSERT_EQ(run_close(&r), 0);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

/* A request header's value, as the server got it, or NULL. */
static char *request_header_copy(h2server *s, unsigned i, const char *name) {
  h2server_request req;
  char *v = NULL;
  if (h2server_request_get(s, i, &req) != 0)
    return NULL;
  if (h2server_request_header(&req, name) != NULL)
    v = strdup(h2server_request_header(&req, name));
  h2server_request_free(&req);
  return v;
}

TEST_IMPL(h2_redirect_and_digest_auth_go_over_the_same_connection) {
  static const h2server_header loc[] = {{"location", "/auth", 0, 0}};
  static const h2server_header chal[] = {
      {"www-authenticate",
       "Digest realm=\"ferry\", nonce=\"abc123\", qop=\"auth\", "
       "algorithm=MD5", 0, 0}};
  static const h2server_response resps[] = {
      {.path = "/start", .status = 302, .headers = loc, .nheaders = 1,
       .body = "moved"},
      {.path = "/auth", .status = 401, .headers = chal, .nheaders = 1,
       .body = "who?"}};
  h2server_config cfg;
  h2server *s;
  sink body = {0}, hdr = {0};
  ferry_easy *e;
  long code = 0, redirects = 0, conns = 0;
  char *auth;

  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = resps;
  cfg.nresponses = 2;
  s = h2server_start(&cfg);
  ASSERT_NOT_NULL(s);
  e = h2_easy(h2_url(s, 0, "/start"), PK, &body, &hdr);
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L);
  ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_DIGEST);
  ferry_easy_setopt(e, FERRYOPT_USERPWD, "user:pass");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  /* asked again with Digest credentials; the server still says 401 */
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_RESPONSE_CODE, &code), FERRYE_OK);
  ASSERT_EQ(code, 401);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_REDIRECT_COUNT, &redirects),
            FERRYE_OK);
  /* the redirect, and the retry with credentials, which libcurl counts as
   * a redirect too */
  ASSERT_EQ(redirects, 2);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_NUM_CONNECTS, &conns), FERRYE_OK);
  ASSERT_EQ(conns, 1);
  ASSERT_MEM_EQ(body.data, body.len, "who?");
  ASSERT_EQ(h2server_wait_requests(s, 3, 5000), 0);
  ASSERT_EQ(h2server_get(s, H2SERVER_CONNECTIONS), 1);
  ASSERT_NULL(request_header_copy(s, 1, "authorization"));
  auth = request_header_copy(s, 2, "authorization");
  ASSERT_NOT_NULL(auth);
  ASSERT(strncmp(auth, "Digest username=\"user\", realm=\"ferry\", "
                       "nonce=\"abc123\", uri=\"/auth\"", 60) == 0);
  ASSERT_NOT_NULL(strstr(auth, "qop=auth"));
  ASSERT_NOT_NULL(strstr(auth, "response=\""));
  free(auth);
  ferry_easy_cleanup(e);
  sink_free(&body);
  sink_free(&hdr);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2_gzip_body_is_decoded_head_gets_no_body_failonerror_fails) {
  static char gz[256];
  static h2server_header gzh[] = {{"content-encoding", "gzip", 0, 0}};
  static h2server_header head_h[] = {{"content-length", "5", 0, 0}};
  static h2server_response resps[] = {
      {.path = "/gz", .status = 200, .headers = gzh, .nheaders = 1},
      {.path = "/head", .status = 200, .headers = head_h, .nheaders = 1,
       .body = "", .body_size = 0},
      {.path = "/missing", .status = 404, .body = "not here",
       .send_content_length = 1}};
  h2server_config cfg;
  h2server *s;
  sink body = {0}, hdr = {0};
  ferry_easy *e;
  char err[FERRY_ERROR_SIZE];
  z_stream z;
  ferry_off_t dl = 0;
  long code = 0;

  memset(&z, 0, sizeof(z));
  ASSERT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
  z.next_in = (Bytef *)"hello hello hello hello gzip";
  z.avail_in = 28;
  z.next_out = (Bytef *)gz;
  z.avail_out = sizeof(gz);
  ASSERT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  resps[0].body = gz;
  resps[0].body_len = sizeof(gz) - z.avail_out;
  deflateEnd(&z);
  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = resps;
  cfg.nresponses = 3;
  s = h2server_start(&cfg);
  ASSERT_NOT_NULL(s);
  /* gzip */
  e = h2_easy(h2_url(s, 0, "/gz"), PK, &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_ACCEPT_ENCODING, "");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello hello hello hello gzip");
  ferry_easy_cleanup(e);
  sink_free(&body);
  /* HEAD: the header, no body, and the stream ends with it */
  e = h2_easy(h2_url(s, 0, "/head"), PK, &body, &hdr);
  ferry_easy_setopt(e, FERRYOPT_NOBODY, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(body.len, 0);
  ASSERT_MEM_EQ(hdr.data, hdr.len, "HTTP/2 200 \r\ncontent-length: 5\r\n\r\n");
  ASSERT_EQ(h2server_wait_requests(s, 2, 5000), 0);
  {
    h2server_request req;
    ASSERT_EQ(h2server_request_get(s, 1, &req), 0);
    ASSERT_STR_EQ(req.headers[0].value, "HEAD");
    h2server_request_free(&req);
  }
  ferry_easy_cleanup(e);
  sink_free(&hdr);
  /* FAILONERROR */
  e = h2_easy(h2_url(s, 0, "/missing"), PK, &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_FAILONERROR, 1L);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_HTTP_RETURNED_ERROR);
  ASSERT_STR_EQ(err, "The requested URL returned error: 404");
  ASSERT_EQ(body.len, 0);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_RESPONSE_CODE, &code), FERRYE_OK);
  ASSERT_EQ(code, 404);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_SIZE_DOWNLOAD_T, &dl), FERRYE_OK);
  ASSERT_EQ(dl, 0);
  ferry_easy_cleanup(e);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2_getinfo_reports_version_connects_sizes_and_addresses) {
  h2server *s = start_hello(0);
  sink body = {0};
  ferry_easy *e;
  long version = 0, conns = -1, hsize = 0, rsize = 0, port = 0;
  ferry_off_t dl = 0, up = -1;
  char *ip = NULL;

  ASSERT_NOT_NULL(s);
  e = h2_easy(h2_url(s, 0, "/g"), PK, &body, NULL);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_HTTP_VERSION, &version), FERRYE_OK);
  ASSERT_EQ(version, 3); /* CURL_HTTP_VERSION_2_0 */
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_NUM_CONNECTS, &conns), FERRYE_OK);
  ASSERT_EQ(conns, 1);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_SIZE_DOWNLOAD_T, &dl), FERRYE_OK);
  ASSERT_EQ(dl, 5);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_SIZE_UPLOAD_T, &up), FERRYE_OK);
  ASSERT_EQ(up, 0);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_HEADER_SIZE, &hsize), FERRYE_OK);
  ASSERT_EQ(hsize, (long)strlen(HELLO_HEADER_LINES));
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_REQUEST_SIZE, &rsize), FERRYE_OK);
  ASSERT_GE(rsize, 20);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_PRIMARY_IP, &ip), FERRYE_OK);
  ASSERT_STR_EQ(ip, "127.0.0.1");
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_PRIMARY_PORT, &port), FERRYE_OK);
  ASSERT_EQ(port, h2server_port(s));
  /* a second transfer reuses the connection */
  sink_free(&body);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_NUM_CONNECTS, &conns), FERRYE_OK);
  ASSERT_EQ(conns, 0);
  ASSERT_EQ(h2server_get(s, H2SERVER_CONNECTIONS), 1);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

/* ---- per connection -------------------------------------------------------- */

typedef struct goaway_arg {
  h2server *srv;
  unsigned streams;  /* GOAWAY once this many streams are open */
  int32_t last;
  int sent;
} goaway_arg;

static int goaway_tick(h2run *r) {
  goaway_arg *g = r->arg;
  h2server_goaway ga;
  if (h2server_get(g->srv, H2SERVER_STREAMS) < g->streams)
    return 1;
  memset(&ga, 0, sizeof(ga));
  ga.last_stream_id = g->last;
  ga.error_code = NGHTTP2_NO_ERROR;
  g->sent = h2server_send_goaway(g->srv, 0, &ga) == 0;
  return 0;
}

TEST_IMPL(h2_goaway_streams_above_the_last_go_to_a_new_connection) {
  static const h2server_response resp = {.status = 200, .body_size = 20000,
                                         .delay_ms = 300};
  enum { N = 4 };
  h2server_config cfg;
  h2server *s;
  sink body[N];
  ferry_easy *e[N];
  ferry_code res[N];
  goaway_arg g;
  h2run r;
  long total = 0, conns;

  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = &resp;
  cfg.nresponses = 1;
  s = h2server_start(&cfg);
  ASSERT_NOT_NULL(s);
  memset(body, 0, sizeof(body));
  ASSERT_EQ(run_init(&r), 0);
  for (int i = 0; i < N; i++) {
    e[i] = h2_easy(h2_url(s, 0, "/g"), PK, &body[i], NULL);
    ferry_easy_setopt(e[i], FERRYOPT_PIPEWAIT, 1L);
  }
  /* streams 1 and 3 finish on the first connection; 5 and 7 are refused
   * by the GOAWAY and sent again */
  g.srv = s;
  g.streams = N;
  g.last = 3;
  g.sent = 0;
  r.on_tick = goaway_tick;
  r.arg = &g;
  ASSERT_EQ(run_go(&r, e, res, N), 0);
  ASSERT(g.sent);
  for (int i = 0; i < N; i++) {
    ASSERT_EQ(res[i], FERRYE_OK);
    ASSERT_EQ(body[i].len, 20000);
    ASSERT_EQ(ferry_easy_getinfo(e[i], FERRYINFO_NUM_CONNECTS, &conns),
              FERRYE_OK);
    total += conns;
    sink_free(&body[i]);
  }
  ASSERT_EQ(total, 2);
  ASSERT_EQ(h2server_get(s, H2SERVER_CONNECTIONS), 2);
  ASSERT_EQ(h2server_get(s, H2SERVER_RESPONSES), N);
  ASSERT_EQ(run_close(&r), 0);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2_goaway_during_an_upload_sends_it_again_on_a_new_connection) {
  static const h2server_response resp = {.status = 200, .echo = 1};
  static const h2server_conn_script first = {.hold_window = 1};
  h2server_config cfg;
  h2server *s;
  sink body = {0};
  upsrc u = {.size = 500000};
  ferry_easy *e[1];
  ferry_code res[1];
  goaway_arg g;
  h2run r;

  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = &resp;
  cfg.nresponses = 1;
  cfg.conns = &first; /* the first connection takes 64 KiB, then stalls */
  cfg.nconns = 1;
  s = h2server_start(&cfg);
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(run_init(&r), 0);
  e[0] = h2_easy(h2_url(s, 0, "/up"), PK, &body, NULL);
  ferry_easy_setopt(e[0], FERRYOPT_UPLOAD, 1L);
  ferry_easy_setopt(e[0], FERRYOPT_READFUNCTION, up_read);
  ferry_easy_setopt(e[0], FERRYOPT_READDATA, &u);
  ferry_easy_setopt(e[0], FERRYOPT_SEEKFUNCTION, up_seek);
  ferry_easy_setopt(e[0], FERRYOPT_SEEKDATA, &u);
  ferry_easy_setopt(e[0], FERRYOPT_INFILESIZE_LARGE, (ferry_off_t)u.size);
  g.srv = s;
  g.streams = 1;
  g.last = 0; /* the upload's stream is refused mid-way */
  g.sent = 0;
  r.on_tick = goaway_tick;
  r.arg = &g;
  ASSERT_EQ(run_go(&r, e, res, 1), 0);
  ASSERT(g.sent);
  ASSERT_EQ(res[0], FERRYE_OK);
  ASSERT_EQ(u.seeks, 1);
  ASSERT_EQ(body.len, u.size);
  ASSERT(h2server_body_check(body.data, body.len, 0));
  ASSERT_EQ(h2server_get(s, H2SERVER_CONNECTIONS), 2);
  ASSERT_EQ(run_close(&r), 0);
  sink_free(&body);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

/* perform twice; between them the server ends the idle connection (close
 * or GOAWAY): the second transfer never uses it. In perform (and
 * socket_action) style nobody watches the idle socket: the session reads
 * what came when the connection is taken. */
TEST_IMPL(h2_idle_connection_the_server_ended_is_not_used_again) {
  for (int how = 0; how < 2; how++) {
    h2server_conn_script first;
    h2server_response resp = {.status = 200, .body = "hello"};
    h2server_config cfg;
    h2server *s;
    sink body = {0};
    ferry_easy *e;
    long conns = 0;

    memset(&first, 0, sizeof(first));
    first.goaway.when = H2SERVER_GOAWAY_AFTER_REQUESTS;
    first.goaway.after_requests = 1;
    first.goaway.last_stream_id = H2SERVER_LAST_STREAM_SEEN;
    first.goaway.close = how == 0 ? H2SERVER_CLOSE_FIN : H2SERVER_CLOSE_NONE;
    memset(&cfg, 0, sizeof(cfg));
    cfg.responses = &resp;
    cfg.nresponses = 1;
    cfg.conns = &first;
    cfg.nconns = 1;
    s = h2server_start(&cfg);
    ASSERT_NOT_NULL(s);
    e = h2_easy(h2_url(s, 0, "/a"), PK, &body, NULL);
    ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
    ASSERT_EQ(h2server_wait(s, H2SERVER_GOAWAYS_SENT, 1, 5000), 0);
    if (how == 0)
      ASSERT_EQ(h2server_wait_closed(s, 1, 5000), 0);
    ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
    ASSERT_MEM_EQ(body.data, body.len, "hellohello");
    ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_NUM_CONNECTS, &conns), FERRYE_OK);
    ASSERT_EQ(conns, 1);
    ASSERT_EQ(h2server_get(s, H2SERVER_CONNECTIONS), 2);
    ASSERT_EQ(h2server_get(s, H2SERVER_STREAMS), 2);
    ferry_easy_cleanup(e);
    sink_free(&body);
    ASSERT_EQ(h2server_stop(s), 0);
  }
  return 0;
}

TEST_IMPL(h2_easy_upkeep_pings_an_idle_connection) {
  h2server *s = start_hello(0);
  sink body = {0};
  ferry_easy *e;
  long conns = -1;

  ASSERT_NOT_NULL(s);
  e = h2_easy(h2_url(s, 0, "/u"), PK, &body, NULL);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_UPKEEP_INTERVAL_MS, 1L), FERRYE_OK);
  /* nothing to keep up yet */
  ASSERT_EQ(ferry_easy_upkeep(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  uv_sleep(5);
  ASSERT_EQ(ferry_easy_upkeep(e), FERRYE_OK);
  ASSERT_EQ(h2server_wait(s, H2SERVER_FRAMES, 0, 100), 0);
  for (int i = 0; i < 100 && count_frames(s, 0, NGHTTP2_PING, 0, NULL) == 0;
       i++)
    uv_sleep(10);
  ASSERT_EQ(count_frames(s, 0, NGHTTP2_PING, 0, NULL), 1);
  /* the default interval is a minute: no second PING now */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_UPKEEP_INTERVAL_MS, 60000L),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_upkeep(e), FERRYE_OK);
  /* the connection is still good */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_NUM_CONNECTS, &conns), FERRYE_OK);
  ASSERT_EQ(conns, 0);
  ASSERT_EQ(count_frames(s, 0, NGHTTP2_PING, 0, NULL), 1);
  ASSERT_EQ(ferry_easy_upkeep(NULL), FERRYE_BAD_FUNCTION_ARGUMENT);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2_server_max_concurrent_streams_holds_the_rest_back) {
  static const nghttp2_settings_entry ten[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 10}};
  static const h2server_response resp = {.status = 200, .body_size = 20000,
                                         .delay_ms = 20};
  enum { N = 40 };
  h2server_config cfg;
  h2server *s;
  sink body[N];
  ferry_easy *e[N];
  ferry_code res[N];
  h2run r;
  long total = 0, conns;

  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = &resp;
  cfg.nresponses = 1;
  cfg.settings = ten;
  cfg.nsettings = 1;
  s = h2server_start(&cfg);
  ASSERT_NOT_NULL(s);
  memset(body, 0, sizeof(body));
  ASSERT_EQ(run_init(&r), 0);
  for (int i = 0; i < N; i++) {
    e[i] = h2_easy(h2_url(s, 0, "/m"), PK, &body[i], NULL);
    ferry_easy_setopt(e[i], FERRYOPT_PIPEWAIT, 1L);
  }
  ASSERT_EQ(run_go(&r, e, res, N), 0);
  for (int i = 0; i < N; i++) {
    ASSERT_EQ(res[i], FERRYE_OK);
    ASSERT_EQ(body[i].len, 20000);
    ASSERT_EQ(ferry_easy_getinfo(e[i], FERRYINFO_NUM_CONNECTS, &conns),
              FERRYE_OK);
    total += conns;
    sink_free(&body[i]);
  }
  ASSERT_EQ(total, 1);
  ASSERT_EQ(h2server_get(s, H2SERVER_CONNECTIONS), 1);
  /* never more than the server allows, and none refused */
  ASSERT_LE(h2server_get(s, H2SERVER_MAX_OPEN_STREAMS), 10);
  ASSERT_GE(h2server_get(s, H2SERVER_MAX_OPEN_STREAMS), 2);
  ASSERT_EQ(h2server_get(s, H2SERVER_RSTS_SENT), 0);
  ASSERT_EQ(h2server_get(s, H2SERVER_STREAMS), N);
  ASSERT_EQ(run_close(&r), 0);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2_connection_window_keeps_parallel_downloads_going) {
  static const h2server_response resp = {.status = 200,
                                         .body_size = 9 * 1024 * 1024};
  enum { N = 4 };
  h2server_config cfg;
  h2server *s;
  sink body[N];
  ferry_easy *e[N];
  ferry_code res[N];
  h2run r;
  uint32_t conn_inc = 0;
  h2server_frame *f;
  size_t nf;

  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = &resp;
  cfg.nresponses = 1;
  s = h2server_start(&cfg);
  ASSERT_NOT_NULL(s);
  memset(body, 0, sizeof(body));
  ASSERT_EQ(run_init(&r), 0);
  for (int i = 0; i < N; i++) {
    e[i] = h2_easy(h2_url(s, 0, "/w"), PK, &body[i], NULL);
    ferry_easy_setopt(e[i], FERRYOPT_PIPEWAIT, 1L);
    ferry_easy_setopt(e[i], FERRYOPT_TIMEOUT_MS, 120000L); /* sanitizers */
  }
  ASSERT_EQ(run_go(&r, e, res, N), 0);
  for (int i = 0; i < N; i++) {
    ASSERT_EQ(res[i], FERRYE_OK);
    ASSERT_EQ(body[i].len, 9 * 1024 * 1024);
    ASSERT(h2server_body_check(body[i].data, body[i].len, 0));
    sink_free(&body[i]);
  }
  /* the connection window opened to 32 MiB at once, and was given back
   * as DATA came: 36 MiB went through it */
  nf = h2server_frames(s, 0, &f);
  ASSERT_GE(nf, 2);
  for (size_t i = 0; i < nf; i++)
    if (f[i].type == NGHTTP2_WINDOW_UPDATE && f[i].stream_id == 0) {
      ASSERT_EQ(f[i].window_increment, 32 * 1024 * 1024 - 65535);
      break;
    }
  free(f);
  count_frames(s, 0, NGHTTP2_WINDOW_UPDATE, 0, &conn_inc);
  ASSERT_GE((uint64_t)conn_inc + 65535, (uint64_t)N * 9 * 1024 * 1024);
  ASSERT_EQ(run_close(&r), 0);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

/* ---- server push ------------------------------------------------------------ */

typedef struct pushrec {
  int calls;
  int answer;
  char fields[8][128];
  size_t num;
  char path[64], method[16], nolookup[8];
  char bynum_past_end[8];
  ferry_easy *parent;
  sink body;
} pushrec;

static int push_cb(ferry_easy *parent, ferry_easy *easy, size_t num,
                   struct ferry_pushheaders *h, void *ud) {
  pushrec *p = ud;
  const char *v;
  p->calls++;
  p->parent = parent;
  p->num = num;
  for (size_t i = 0; i < num && i < 8; i++)
    snprintf(p->fields[i], sizeof(p->fields[i]), "%s",
             ferry_pushheader_bynum(h, i));
  snprintf(p->bynum_past_end, sizeof(p->bynum_past_end), "%s",
           ferry_pushheader_bynum(h, num) ? "set" : "null");
  v = ferry_pushheader_byname(h, ":path");
  snprintf(p->path, sizeof(p->path), "%s", v ? v : "(null)");
  v = ferry_pushheader_byname(h, ":method");
  snprintf(p->method, sizeof(p->method), "%s", v ? v : "(null)");
  snprintf(p->nolookup, sizeof(p->nolookup), "%s",
           ferry_pushheader_byname(h, ":") || ferry_pushheader_byname(h, "") ||
                   ferry_pushheader_byname(h, "x:y") ||
                   ferry_pushheader_byname(h, "path")
               ? "found"
               : "none");
  ferry_easy_setopt(easy, FERRYOPT_WRITEFUNCTION, sink_write);
  ferry_easy_setopt(easy, FERRYOPT_WRITEDATA, &p->body);
  return p->answer;
}

static const h2server_response push_resps[] = {
    {.path = "/page", .status = 200, .body = "page", .push_path = "/style.css",
     .delay_ms = 10},
    {.path = "/style.css", .status = 200, .body = "pushed body"}};

static h2server *start_push(void) {
  h2server_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = push_resps;
  cfg.nresponses = 2;
  return h2server_start(&cfg);
}

TEST_IMPL(h2_server_push_is_refused_without_a_push_function) {
  h2server *s = start_push();
  sink body = {0};
  ferry_easy *e;
  h2server_frame *f;
  size_t nf;
  int push_setting = -1;

  ASSERT_NOT_NULL(s);
  e = h2_easy(h2_url(s, 0, "/page"), PK, &body, NULL);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "page");
  /* the client's SETTINGS said ENABLE_PUSH 0: no promise was made */
  nf = h2server_frames(s, 0, &f);
  for (size_t i = 0; i < nf; i++)
    if (f[i].type == NGHTTP2_SETTINGS && !(f[i].flags & NGHTTP2_FLAG_ACK))
      for (size_t k = 0; k < f[i].nsettings; k++)
        if (f[i].settings[k].settings_id == NGHTTP2_SETTINGS_ENABLE_PUSH)
          push_setting = (int)f[i].settings[k].value;
  free(f);
  ASSERT_EQ(push_setting, 0);
  ASSERT_EQ(h2server_get(s, H2SERVER_PUSHES), 0);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2_server_push_becomes_a_new_handle_with_push_ok) {
  h2server *s = start_push();
  sink body = {0};
  ferry_easy *e[1];
  ferry_code res[1];
  pushrec p;
  h2run r;
  char want[64];
  char *url = NULL;

  ASSERT_NOT_NULL(s);
  memset(&p, 0, sizeof(p));
  p.answer = FERRY_PUSH_OK;
  ASSERT_EQ(run_init(&r), 0);
  ASSERT_EQ(ferry_multi_setopt(r.m, FERRYMOPT_PUSHFUNCTION, push_cb), FERRYM_OK);
  ASSERT_EQ(ferry_multi_setopt(r.m, FERRYMOPT_PUSHDATA, &p), FERRYM_OK);
  e[0] = h2_easy(h2_url(s, 0, "/page"), PK, &body, NULL);
  ASSERT_EQ(run_go(&r, e, res, 1), 0);
  ASSERT_EQ(res[0], FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "page");
  ASSERT_EQ(p.calls, 1);
  ASSERT(p.parent == e[0]);
  ASSERT_EQ(p.num, 4);
  ASSERT_STR_EQ(p.fields[0], ":method:GET");
  ASSERT_STR_EQ(p.path, "/style.css");
  ASSERT_STR_EQ(p.method, "GET");
  ASSERT_STR_EQ(p.nolookup, "none");
  ASSERT_STR_EQ(p.bynum_past_end, "null");
  /* the pushed stream ran as a transfer of its own on the multi */
  for (int i = 0; i < 100 && r.n_extra == 0; i++)
    uv_run(&r.loop, UV_RUN_ONCE);
  ASSERT_EQ(r.n_extra, 1);
  ASSERT_EQ(r.extra_res[0], FERRYE_OK);
  ASSERT_MEM_EQ(p.body.data, p.body.len, "pushed body");
  ASSERT_EQ(ferry_easy_getinfo(r.extra[0], FERRYINFO_EFFECTIVE_URL, &url),
            FERRYE_OK);
  snprintf(want, sizeof(want), "http://127.0.0.1:%d/style.css",
           h2server_port(s));
  ASSERT_STR_EQ(url, want);
  ASSERT_EQ(h2server_get(s, H2SERVER_PUSHES), 1);
  ASSERT_EQ(h2server_get(s, H2SERVER_STREAMS), 1);
  ASSERT_EQ(run_close(&r), 0);
  sink_free(&body);
  sink_free(&p.body);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2_server_push_deny_resets_it_and_errorout_fails_the_parent) {
  for (int k = 0; k < 2; k++) {
    h2server *s = start_push();
    sink body = {0};
    ferry_easy *e[1];
    ferry_code res[1];
    char err[FERRY_ERROR_SIZE] = "";
    pushrec p;
    h2run r;
    h2server_frame *f;
    size_t nf;
    int rst2 = 0;

    ASSERT_NOT_NULL(s);
    memset(&p, 0, sizeof(p));
    p.answer = k == 0 ? FERRY_PUSH_DENY : FERRY_PUSH_ERROROUT;
    ASSERT_EQ(run_init(&r), 0);
    ferry_multi_setopt(r.m, FERRYMOPT_PUSHFUNCTION, push_cb);
    ferry_multi_setopt(r.m, FERRYMOPT_PUSHDATA, &p);
    e[0] = h2_easy(h2_url(s, 0, "/page"), PK, &body, NULL);
    ferry_easy_setopt(e[0], FERRYOPT_ERRORBUFFER, err);
    ASSERT_EQ(run_go(&r, e, res, 1), 0);
    ASSERT_EQ(p.calls, 1);
    if (k == 0) {
      ASSERT_EQ(res[0], FERRYE_OK);
      ASSERT_MEM_EQ(body.data, body.len, "page");
    } else {
      ASSERT_EQ(res[0], FERRYE_HTTP2);
      ASSERT_STR_EQ(err, "HTTP/2 stream 1: the push callback failed the "
                         "pushed stream 2");
    }
    ASSERT_EQ(r.n_extra, 0);
    ASSERT_EQ(h2server_wait(s, H2SERVER_FRAMES, 0, 10), 0);
    for (int i = 0; i < 100 && !rst2; i++) {
      nf = h2server_frames(s, 0, &f);
      for (size_t j = 0; j < nf; j++)
        if (f[j].type == NGHTTP2_RST_STREAM && f[j].stream_id == 2 &&
            f[j].error_code == NGHTTP2_CANCEL)
          rst2 = 1;
      free(f);
      if (!rst2)
        uv_sleep(10);
    }
    ASSERT(rst2);
    ASSERT_EQ(run_close(&r), 0);
    sink_free(&body);
    sink_free(&p.body);
    ASSERT_EQ(h2server_stop(s), 0);
  }
  return 0;
}

/* ---- hostile peers ------------------------------------------------------------ */

/* One transfer to a server whose "/" answer is raw (and a well-behaved
 * "/ok" on the same connection when ok_too): the results and texts. */
typedef struct hostile {
  ferry_code res[2];
  char err[2][FERRY_ERROR_SIZE];
  sink body[2];
  long conns;
} hostile;

static int run_hostile(const char *raw, size_t raw_len, int detach, int ok_too,
                       hostile *out, h2server **srv) {
  static h2server_response resps[2];
  h2server_config cfg;
  h2server *s;
  ferry_easy *e[2];
  h2run r;
  int n = ok_too ? 2 : 1;

  memset(resps, 0, sizeof(resps));
  resps[0].path = "/bad";
  resps[0].raw = raw;
  resps[0].raw_len = raw_len;
  resps[0].delay_ms = ok_too ? 50 : 0;
  resps[1].path = "/ok";
  resps[1].status = 200;
  resps[1].body_size = 100000;
  resps[1].delay_ms = 150;
  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = resps;
  cfg.nresponses = 2;
  cfg.default_conn.detach_after_raw = detach;
  s = h2server_start(&cfg);
  if (s == NULL)
    return -1;
  *srv = s;
  memset(out, 0, sizeof(*out));
  if (run_init(&r) != 0)
    return -1;
  for (int i = 0; i < n; i++) {
    e[i] = h2_easy(h2_url(s, 0, i == 0 ? "/bad" : "/ok"), PK, &out->body[i],
                   NULL);
    ferry_easy_setopt(e[i], FERRYOPT_PIPEWAIT, 1L);
    ferry_easy_setopt(e[i], FERRYOPT_ERRORBUFFER, out->err[i]);
  }
  if (run_go(&r, e, out->res, n) != 0)
    return -1;
  return run_close(&r);
}

/* Did the client send a GOAWAY with that error code? */
static int client_goaway(h2server *s, uint32_t code) {
  for (int i = 0; i < 200; i++) {
    h2server_frame *f;
    size_t nf = h2server_frames(s, 0, &f);
    int found = 0;
    for (size_t j = 0; j < nf; j++)
      if (f[j].type == NGHTTP2_GOAWAY && f[j].error_code == code)
        found = 1;
    free(f);
    if (found)
      return 1;
    uv_sleep(10);
  }
  return 0;
}

TEST_IMPL(h2_hostile_malformed_frame_fails_the_connection_with_http2) {
  h2server_buf b = {0};
  hostile h;
  h2server *s = NULL;
  /* WINDOW_UPDATE with increment 0 on the connection */
  h2server_buf_frame_header(&b, 4, NGHTTP2_WINDOW_UPDATE, 0, 0);
  h2server_buf_add(&b, "\0\0\0\0", 4);
  ASSERT_EQ(run_hostile(b.data, b.len, 1, 0, &h, &s), 0);
  ASSERT_EQ(h.res[0], FERRYE_HTTP2);
  ASSERT_STR_EQ(h.err[0], "HTTP/2 framing layer error: WINDOW_UPDATE: "
                          "window_size_increment == 0 (GOAWAY PROTOCOL_ERROR "
                          "sent)");
  ASSERT(client_goaway(s, NGHTTP2_PROTOCOL_ERROR));
  sink_free(&h.body[0]);
  h2server_buf_free(&b);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2_hostile_header_section_over_the_cap_fails_that_stream_only) {
  /* 20 frames of a header block, 16 KB each: 320 KB of fields, more than
   * the 300 KiB cap (and within the CONTINUATION limit) */
  h2server_buf b = {0};
  static char big[8001];
  hostile h;
  h2server *s = NULL;

  memset(big, 'v', sizeof(big) - 1);
  for (int f = 0; f < 20; f++) {
    h2server_buf hb = {0};
    char name[16];
    if (f == 0)
      h2server_hpack_literal(&hb, ":status", "200");
    for (int k = 0; k < 2; k++) {
      snprintf(name, sizeof(name), "x-big-%d", f * 2 + k);
      h2server_hpack_literal(&hb, name, big);
    }
    h2server_buf_frame(&b, f == 0 ? NGHTTP2_HEADERS : NGHTTP2_CONTINUATION,
                       (f == 0 ? NGHTTP2_FLAG_END_STREAM : 0) |
                           (f == 19 ? NGHTTP2_FLAG_END_HEADERS : 0),
                       1, hb.data, hb.len);
    h2server_buf_free(&hb);
  }
  ASSERT_EQ(run_hostile(b.data, b.len, 0, 1, &h, &s), 0);
  ASSERT_EQ(h.res[0], FERRYE_TOO_LARGE);
  ASSERT_STR_EQ(h.err[0], "HTTP/2 header section over 307200 bytes");
  ASSERT_EQ(h.res[1], FERRYE_OK);
  ASSERT_EQ(h.body[1].len, 100000);
  ASSERT_EQ(h2server_get(s, H2SERVER_CONNECTIONS), 1);
  sink_free(&h.body[0]);
  sink_free(&h.body[1]);
  h2server_buf_free(&b);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2_hostile_continuation_flood_ends_the_connection) {
  h2server_buf b = {0}, hb = {0};
  hostile h;
  h2server *s = NULL;
  h2server_hpack_literal(&hb, ":status", "200");
  h2server_buf_frame(&b, NGHTTP2_HEADERS, 0, 1, hb.data, hb.len);
  for (int i = 0; i < 100000; i++) {
    h2server_buf cb = {0};
    h2server_hpack_literal(&cb, "x-a", "b");
    h2server_buf_frame(&b, NGHTTP2_CONTINUATION, 0, 1, cb.data, cb.len);
    h2server_buf_free(&cb);
  }
  ASSERT_EQ(run_hostile(b.data, b.len, 1, 0, &h, &s), 0);
  ASSERT_EQ(h.res[0], FERRYE_HTTP2);
  ASSERT_STR_EQ(h.err[0], "HTTP/2 framing layer error: Too many CONTINUATION "
                          "frames following a HEADER frame");
  sink_free(&h.body[0]);
  h2server_buf_free(&b);
  h2server_buf_free(&hb);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2_hostile_settings_and_ping_floods_end_the_connection) {
  for (int k = 0; k < 2; k++) {
    h2server_buf b = {0};
    hostile h;
    h2server *s = NULL;
    uint8_t o[8] = {0};
    for (int i = 0; i < 100000; i++) {
      if (k == 0)
        h2server_buf_settings(&b, 0, NULL, 0);
      else
        h2server_buf_ping(&b, 0, o);
    }
    ASSERT_EQ(run_hostile(b.data, b.len, 1, 0, &h, &s), 0);
    ASSERT_EQ(h.res[0], FERRYE_HTTP2);
    ASSERT_STR_EQ(h.err[0], "HTTP/2 framing layer error: Flooding was "
                            "detected in this HTTP/2 session, and it must be "
                            "closed");
    sink_free(&h.body[0]);
    h2server_buf_free(&b);
    ASSERT_EQ(h2server_stop(s), 0);
  }
  return 0;
}

TEST_IMPL(h2_hostile_rst_flood_ends_one_stream_and_spares_the_other) {
  h2server_buf b = {0};
  hostile h;
  h2server *s = NULL;
  for (int i = 0; i < 100000; i++)
    h2server_buf_rst_stream(&b, 1, NGHTTP2_INTERNAL_ERROR);
  ASSERT_EQ(run_hostile(b.data, b.len, 0, 1, &h, &s), 0);
  ASSERT_EQ(h.res[0], FERRYE_HTTP2_STREAM);
  ASSERT_STR_EQ(h.err[0], "HTTP/2 stream 1 was not closed cleanly: "
                          "INTERNAL_ERROR (err 2)");
  ASSERT_EQ(h.res[1], FERRYE_OK);
  ASSERT_EQ(h.body[1].len, 100000);
  ASSERT_EQ(h2server_get(s, H2SERVER_CONNECTIONS), 1);
  sink_free(&h.body[0]);
  sink_free(&h.body[1]);
  h2server_buf_free(&b);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2_hostile_push_when_refused_is_a_connection_error) {
  h2server_buf b = {0}, hb = {0};
  hostile h;
  h2server *s = NULL;
  uint8_t id[4] = {0, 0, 0, 2};
  h2server_buf_add(&hb, id, 4);
  h2server_hpack_literal(&hb, ":method", "GET");
  h2server_hpack_literal(&hb, ":path", "/p");
  h2server_hpack_literal(&hb, ":scheme", "http");
  h2server_hpack_literal(&hb, ":authority", "x");
  h2server_buf_frame(&b, NGHTTP2_PUSH_PROMISE, NGHTTP2_FLAG_END_HEADERS, 1,
                     hb.data, hb.len);
  ASSERT_EQ(run_hostile(b.data, b.len, 1, 0, &h, &s), 0);
  ASSERT_EQ(h.res[0], FERRYE_HTTP2);
  ASSERT_STR_EQ(h.err[0], "HTTP/2 framing layer error: PUSH_PROMISE: push "
                          "disabled (GOAWAY PROTOCOL_ERROR sent)");
  ASSERT(client_goaway(s, NGHTTP2_PROTOCOL_ERROR));
  sink_free(&h.body[0]);
  h2server_buf_free(&b);
  h2server_buf_free(&hb);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2_hostile_content_length_that_disagrees_with_the_data) {
  static const h2server_response resps[] = {
      {.path = "/more", .status = 200, .body = "hello",
       .send_content_length = 1, .content_length_skew = 10},
      {.path = "/less", .status = 200, .body = "hello",
       .send_content_length = 1, .content_length_skew = -2}};
  h2server_config cfg;
  h2server *s;
  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = resps;
  cfg.nresponses = 2;
  s = h2server_start(&cfg);
  ASSERT_NOT_NULL(s);
  for (int k = 0; k < 2; k++) {
    sink body = {0};
    char err[FERRY_ERROR_SIZE];
    ferry_easy *e = h2_easy(h2_url(s, 0, k ? "/less" : "/more"), PK, &body,
                            NULL);
    ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
    ASSERT_EQ(ferry_easy_perform(e), FERRYE_HTTP2_STREAM);
    ASSERT_NOT_NULL(strstr(err, "was not closed cleanly: PROTOCOL_ERROR "
                                "(err 1)"));
    ASSERT_LE(body.len, 5);
    ferry_easy_cleanup(e);
    sink_free(&body);
  }
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

static double cpu_ms(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 +
         ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
}

TEST_IMPL(h2_hostile_window_never_opened_ends_by_timeout_without_spinning) {
  static const nghttp2_settings_entry zero[] = {
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 0}};
  h2server_config cfg;
  h2server *s;
  sink body = {0};
  upsrc u = {.size = 100000};
  ferry_easy *e;
  char err[FERRY_ERROR_SIZE];
  double c0;
  uint64_t t0;

  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = &echo_resp;
  cfg.nresponses = 1;
  cfg.settings = zero;
  cfg.nsettings = 1;
  s = h2server_start(&cfg);
  ASSERT_NOT_NULL(s);
  e = h2_easy(h2_url(s, 0, "/up"), PK, &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_UPLOAD, 1L);
  ferry_easy_setopt(e, FERRYOPT_READFUNCTION, up_read);
  ferry_easy_setopt(e, FERRYOPT_READDATA, &u);
  ferry_easy_setopt(e, FERRYOPT_INFILESIZE_LARGE, (ferry_off_t)u.size);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 600L);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  c0 = cpu_ms();
  t0 = uv_hrtime();
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OPERATION_TIMEDOUT);
  ASSERT_GE((uv_hrtime() - t0) / 1000000, 590);
  /* waiting cost next to no CPU: nothing watched a socket it could not
   * use */
  ASSERT_LE(cpu_ms() - c0, 200);
  /* what the default window allowed before the server's SETTINGS came */
  ASSERT_LE(u.off, 65535);
  ASSERT_NOT_NULL(strstr(err, "Operation timed out after"));
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

/* ---- HTTP/2 on http:// by Upgrade: h2c ------------------------------------ */

TEST_IMPL(h2_upgrade_h2c_switches_and_the_answer_comes_on_stream_1) {
  h2server *s = start_hello(0);
  sink body = {0}, hdr = {0};
  ferry_easy *e;
  h2server_request req;
  h2server_conn_info info;
  long version = 0, conns = -1;

  ASSERT_NOT_NULL(s);
  e = h2_easy(h2_url(s, 0, "/up"), FERRY_HTTP_VERSION_2_0, &body, &hdr);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  /* the 101 as an informational response, then the HTTP/2 answer, as
   * libcurl gives them */
  ASSERT_MEM_EQ(hdr.data, hdr.len,
                "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                "Upgrade: h2c\r\n\r\n" HELLO_HEADER_LINES);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_HTTP_VERSION, &version), FERRYE_OK);
  ASSERT_EQ(version, FERRY_HTTP_VERSION_2_0);
  ASSERT_EQ(h2server_get(s, H2SERVER_UPGRADES), 1);
  ASSERT_EQ(h2server_connection(s, 0, &info), 0);
  ASSERT_EQ(info.proto, H2SERVER_PROTO_H2_UPGRADE);
  ASSERT_EQ(h2server_wait_requests(s, 1, 5000), 0);
  ASSERT_EQ(h2server_request_get(s, 0, &req), 0);
  ASSERT_EQ(req.stream_id, 1);
  ASSERT_STR_EQ(h2server_request_header(&req, "upgrade"), "h2c");
  ASSERT_STR_EQ(h2server_request_header(&req, "connection"),
                "Upgrade, HTTP2-Settings");
  ASSERT_NOT_NULL(h2server_request_header(&req, "http2-settings"));
  h2server_request_free(&req);
  /* the next transfer is a stream on the same connection, in HTTP/2 */
  sink_free(&body);
  sink_free(&hdr);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(hdr.data, hdr.len, HELLO_HEADER_LINES);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_NUM_CONNECTS, &conns), FERRYE_OK);
  ASSERT_EQ(conns, 0);
  ASSERT_EQ(h2server_wait_requests(s, 2, 5000), 0);
  ASSERT_EQ(h2server_request_get(s, 1, &req), 0);
  ASSERT_EQ(req.stream_id, 3);
  ASSERT_NULL(h2server_request_header(&req, "upgrade"));
  ASSERT_NULL(h2server_request_header(&req, "http2-settings"));
  h2server_request_free(&req);
  ASSERT_EQ(h2server_connection(s, 0, &info), 0);
  ASSERT(info.preface_seen);
  ASSERT_EQ(h2server_get(s, H2SERVER_CONNECTIONS), 1);
  ferry_easy_cleanup(e);
  sink_free(&body);
  sink_free(&hdr);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2_upgrade_ignored_or_with_a_body_stays_http11) {
  static const h2server_response resp = {.status = 200, .body = "hello"};
  h2server_config cfg;
  h2server *s;
  long version = 0;
  char *up;

  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = &resp;
  cfg.nresponses = 1;
  cfg.refuse_upgrade = 1;
  s = h2server_start(&cfg);
  ASSERT_NOT_NULL(s);
  for (int k = 0; k < 2; k++) {
    sink body = {0};
    ferry_easy *e = h2_easy(h2_url(s, 0, "/x"), FERRY_HTTP_VERSION_2_0, &body,
                            NULL);
    if (k == 1)
      ferry_easy_setopt(e, FERRYOPT_POSTFIELDS, "a=b");
    ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
    ASSERT_MEM_EQ(body.data, body.len, "http/1");
    ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_HTTP_VERSION, &version),
              FERRYE_OK);
    ASSERT_EQ(version, FERRY_HTTP_VERSION_1_1);
    ferry_easy_cleanup(e);
    sink_free(&body);
  }
  ASSERT_EQ(h2server_get(s, H2SERVER_UPGRADES), 0);
  ASSERT_EQ(h2server_get(s, H2SERVER_HTTP1_REQUESTS), 2);
  /* the GET asked; the POST (on a connection of its own) did not */
  {
    char *got = h2server_received(s, 0, NULL);
    ASSERT_NOT_NULL(got);
    ASSERT_NOT_NULL(strstr(got, "GET /x HTTP/1.1\r\n"));
    up = strstr(got, "Upgrade: h2c\r\n");
    ASSERT_NOT_NULL(up);
    free(got);
    got = h2server_received(s, 1, NULL);
    ASSERT_NOT_NULL(got);
    ASSERT_NOT_NULL(strstr(got, "POST /x HTTP/1.1\r\n"));
    ASSERT_NULL(strstr(got, "Upgrade"));
    free(got);
  }
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

/* ---- allocation failure ------------------------------------------------------ */

static long oom_count, oom_fail_at;

#include <execinfo.h>
static int oom_should_fail(void) {
  if (++oom_count == oom_fail_at && getenv("OOMBT")) {
    void *bt[20];
    int n = backtrace(bt, 20);
    backtrace_symbols_fd(bt, n, 2);
  }
  return oom_count == oom_fail_at;
}
static void *oom_malloc(size_t n) { return oom_should_fail() ? NULL : malloc(n); }
static void oom_free(void *p) { free(p); }
static void *oom_realloc(void *p, size_t n) {
  return oom_should_fail() ? NULL : realloc(p, n);
}
static char *oom_strdup(const char *s) {
  return oom_should_fail() ? NULL : strdup(s);
}
static void *oom_calloc(size_t a, size_t b) {
  return oom_should_fail() ? NULL : calloc(a, b);
}

/* A GET whose answer has trailers, then on the same connection an upload
 * of unknown size with trailers, and a POST: every part of an HTTP/2
 * exchange that allocates. FERRYE_LAST when a run that succeeded got
 * something wrong. */
static ferry_code oom_scenario(h2server *s) {
  sink body = {0}, hdr = {0};
  upsrc u = {.size = 70000};
  ferry_easy *e = ferry_easy_init();
  ferry_code rc;

  if (e == NULL)
    return FERRYE_OUT_OF_MEMORY;
  if (ferry_easy_setopt(e, FERRYOPT_URL, h2_url(s, 0, "/t")) != FERRYE_OK) {
    ferry_easy_cleanup(e);
    return FERRYE_OUT_OF_MEMORY;
  }
  ferry_easy_setopt(e, FERRYOPT_HTTP_VERSION, PK);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 5000L);
  ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, sink_write);
  ferry_easy_setopt(e, FERRYOPT_WRITEDATA, &body);
  ferry_easy_setopt(e, FERRYOPT_HEADERFUNCTION, sink_write);
  ferry_easy_setopt(e, FERRYOPT_HEADERDATA, &hdr);
  rc = ferry_easy_perform(e);
  if (rc == FERRYE_OK &&
      (body.len != 5 || hdr.len == 0 || strstr(hdr.data, "x-t: 1") == NULL))
    rc = FERRYE_LAST;
  if (rc == FERRYE_OK) {
    sink_free(&body);
    if (ferry_easy_setopt(e, FERRYOPT_URL, h2_url(s, 0, "/echo")) != FERRYE_OK)
      rc = FERRYE_OUT_OF_MEMORY;
    ferry_easy_setopt(e, FERRYOPT_UPLOAD, 1L);
    ferry_easy_setopt(e, FERRYOPT_READFUNCTION, up_read);
    ferry_easy_setopt(e, FERRYOPT_READDATA, &u);
    ferry_easy_setopt(e, FERRYOPT_TRAILERFUNCTION, up_trailers);
    if (rc == FERRYE_OK)
      rc = ferry_easy_perform(e);
    if (rc == FERRYE_OK &&
        (body.len != u.size || !h2server_body_check(body.data, body.len, 0)))
      rc = FERRYE_LAST;
  }
  ferry_easy_cleanup(e);
  sink_free(&body);
  sink_free(&hdr);
  return rc;
}

TEST_IMPL(h2_oom_each_allocation_of_an_exchange_fails_cleanly) {
  static const h2server_header tr[] = {{"x-t", "1", 0, 0}};
  static const h2server_response resps[] = {
      {.path = "/t", .status = 200, .body = "hello", .trailers = tr,
       .ntrailers = 1},
      {.path = "/echo", .status = 200, .echo = 1}};
  h2server_config cfg;
  h2server *s;
  long total, oom_results = 0;
  ferry_code rc;

  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = resps;
  cfg.nresponses = 2;
  s = h2server_start(&cfg);
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(ferry_global_init_mem(FERRY_GLOBAL_ALL, oom_malloc, oom_free,
                                  oom_realloc, oom_strdup, oom_calloc),
            FERRYE_OK);
  oom_count = oom_fail_at = 0;
  ASSERT_EQ(oom_scenario(s), FERRYE_OK);
  total = oom_count;
  ASSERT_GE(total, 50);
  for (long i = 1; i <= total; i++) {
    oom_count = 0;
    oom_fail_at = i;
    rc = oom_scenario(s);
    if (rc != FERRYE_OK && rc != FERRYE_OUT_OF_MEMORY &&
        rc != FERRYE_FAILED_INIT && rc != FERRYE_HTTP2 &&
        rc != FERRYE_HTTP2_STREAM && rc != FERRYE_WRITE_ERROR &&
        rc != FERRYE_COULDNT_CONNECT &&
        rc != FERRYE_ABORTED_BY_CALLBACK /* the trailer callback's OOM */) {
      fprintf(stderr, "  failing allocation %ld of %ld gave %d (%s)\n", i,
              total, (int)rc, ferry_easy_strerror(rc));
      oom_fail_at = 0;
      ferry_global_cleanup();
      h2server_stop(s);
      return 1;
    }
    oom_results += rc == FERRYE_OUT_OF_MEMORY;
  }
  oom_fail_at = 0;
  /* most of them say so */
  ASSERT_GE(oom_results * 2, total);
  ferry_global_cleanup();
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

/* ---- a real server: nginx with http2 ------------------------------------------ */

#include "nginx.h"

#define NG_TOTAL 1000
#define NG_INFLIGHT 100
#define NG_FILES 25

typedef struct ng_slot {
  struct ng_flight *f;
  ferry_easy *e;
  int file;
  size_t got;
  int bad;
} ng_slot;

typedef struct ng_flight {
  uv_loop_t loop;
  uv_timer_t timer;
  ferry_multi *m;
  const char *base;
  long version;
  ng_slot slot[NG_INFLIGHT];
  int started, done, failed;
  long conns;
  ferry_code first_error;
  char first_text[FERRY_ERROR_SIZE];
  char err[NG_INFLIGHT][FERRY_ERROR_SIZE];
} ng_flight;

static size_t ng_size(int i) { return (size_t)(i * 7919) % 200000 + 1; }

static size_t ng_write(char *p, size_t size, size_t n, void *ud) {
  ng_slot *s = ud;
  size_t len = size * n;
  if (tnginx_check_bytes((unsigned)s->file + 1, s->got, p, len) != len)
    s->bad = 1;
  s->got += len;
  return len;
}

/* Start transfer number f->started on slot s. */
static int ng_start(ng_flight *f, ng_slot *s) {
  char url[128];
  s->file = f->started % NG_FILES;
  s->got = 0;
  s->bad = 0;
  snprintf(url, sizeof(url), "%s/f%02d", f->base, s->file);
  ferry_easy_setopt(s->e, FERRYOPT_URL, url);
  f->started++;
  return ferry_multi_add_handle(f->m, s->e) == FERRYM_OK ? 0 : -1;
}

/* Take the finished ones, check them, start the next. */
static void ng_collect(ng_flight *f) {
  ferry_msg *msg;
  while ((msg = ferry_multi_info_read(f->m, NULL)) != NULL) {
    ferry_easy *e = msg->easy_handle;
    ferry_code rc = msg->data.result;
    ng_slot *s = NULL;
    long c = 0, v = 0;
    for (int i = 0; i < NG_INFLIGHT; i++)
      if (f->slot[i].e == e)
        s = &f->slot[i];
    if (s == NULL)
      continue;
    ferry_easy_getinfo(e, FERRYINFO_NUM_CONNECTS, &c);
    ferry_easy_getinfo(e, FERRYINFO_HTTP_VERSION, &v);
    f->conns += c;
    if (rc == FERRYE_OK && (s->bad || s->got != ng_size(s->file) ||
                            v != FERRY_HTTP_VERSION_2_0))
      rc = FERRYE_LAST;
    if (rc != FERRYE_OK && f->failed++ == 0) {
      f->first_error = rc;
      snprintf(f->first_text, sizeof(f->first_text), "%s",
               f->err[s - f->slot]);
    }
    f->done++;
    ferry_multi_remove_handle(f->m, e);
    if (f->started < NG_TOTAL)
      ng_start(f, s);
  }
}

static void ng_notify(ferry_multi *m, unsigned int what, ferry_easy *easy,
                      void *ud) {
  (void)m;
  (void)what;
  (void)easy;
  ng_collect(ud);
}

/* socket_action mode: the application's own poll handles and timer. */
typedef struct ng_sock {
  uv_poll_t poll;
  ng_flight *f;
  ferry_socket_t fd;
} ng_sock;

static void ng_on_poll(uv_poll_t *p, int status, int events) {
  ng_sock *s = p->data;
  int flags = status < 0 ? FERRY_CSELECT_ERR : 0, running;
  if (events & UV_READABLE)
    flags |= FERRY_CSELECT_IN;
  if (events & UV_WRITABLE)
    flags |= FERRY_CSELECT_OUT;
  ferry_multi_socket_action(s->f->m, s->fd, flags, &running);
  ng_collect(s->f);
}

static void ng_sock_closed(uv_handle_t *h) { free(h->data); }

static int ng_socket_cb(ferry_easy *e, ferry_socket_t fd, int what, void *ud,
                        void *sockp) {
  ng_flight *f = ud;
  ng_sock *s = sockp;
  (void)e;
  if (what == FERRY_POLL_REMOVE) {
    if (s != NULL) {
      uv_poll_stop(&s->poll);
      uv_close((uv_handle_t *)&s->poll, ng_sock_closed);
      ferry_multi_assign(f->m, fd, NULL);
    }
    return 0;
  }
  if (s == NULL) {
    s = calloc(1, sizeof(*s));
    if (s == NULL)
      return -1;
    s->f = f;
    s->fd = fd;
    uv_poll_init_socket(&f->loop, &s->poll, fd);
    s->poll.data = s;
    ferry_multi_assign(f->m, fd, s);
  }
  uv_poll_start(&s->poll,
                ((what & FERRY_POLL_IN) ? UV_READABLE : 0) |
                    ((what & FERRY_POLL_OUT) ? UV_WRITABLE : 0),
                ng_on_poll);
  return 0;
}

static void ng_on_timer(uv_timer_t *t) {
  ng_flight *f = t->data;
  int running;
  ferry_multi_socket_action(f->m, FERRY_SOCKET_TIMEOUT, 0, &running);
  ng_collect(f);
}

static int ng_timer_cb(ferry_multi *m, long ms, void *ud) {
  ng_flight *f = ud;
  (void)m;
  if (ms < 0)
    uv_timer_stop(&f->timer);
  else
    uv_timer_start(&f->timer, ng_on_timer, (uint64_t)ms, 0);
  return 0;
}

/* NG_TOTAL transfers, NG_INFLIGHT at a time, to base; libuv mode or
 * socket_action mode. */
static int ng_run(const char *base, long version, int socket_action,
                  ng_flight *f) {
  memset(f, 0, sizeof(*f));
  f->base = base;
  f->version = version;
  if (uv_loop_init(&f->loop) != 0)
    return -1;
  uv_timer_init(&f->loop, &f->timer);
  f->timer.data = f;
  f->m = ferry_multi_init();
  if (f->m == NULL)
    return -1;
  if (socket_action) {
    ferry_multi_setopt(f->m, FERRYMOPT_SOCKETFUNCTION, ng_socket_cb);
    ferry_multi_setopt(f->m, FERRYMOPT_SOCKETDATA, f);
    ferry_multi_setopt(f->m, FERRYMOPT_TIMERFUNCTION, ng_timer_cb);
    ferry_multi_setopt(f->m, FERRYMOPT_TIMERDATA, f);
  } else {
    if (ferry_multi_use_loop(f->m, &f->loop) != FERRYM_OK)
      return -1;
    ferry_multi_setopt(f->m, FERRYMOPT_NOTIFYFUNCTION, ng_notify);
    ferry_multi_setopt(f->m, FERRYMOPT_NOTIFYDATA, f);
    ferry_multi_notify_enable(f->m, FERRYMNOTIFY_INFO_READ);
  }
  for (int i = 0; i < NG_INFLIGHT; i++) {
    ng_slot *s = &f->slot[i];
    s->f = f;
    s->e = ferry_easy_init();
    if (s->e == NULL)
      return -1;
    ferry_easy_setopt(s->e, FERRYOPT_HTTP_VERSION, version);
    ferry_easy_setopt(s->e, FERRYOPT_PIPEWAIT, 1L);
    ferry_easy_setopt(s->e, FERRYOPT_WRITEFUNCTION, ng_write);
    ferry_easy_setopt(s->e, FERRYOPT_WRITEDATA, s);
    ferry_easy_setopt(s->e, FERRYOPT_TIMEOUT_MS, 60000L);
    ferry_easy_setopt(s->e, FERRYOPT_ERRORBUFFER, f->err[i]);
    ferry_easy_setopt(s->e, FERRYOPT_CAINFO, certs.ca);
    if (ng_start(f, s) != 0)
      return -1;
  }
  while (f->done < NG_TOTAL)
    if (uv_run(&f->loop, UV_RUN_ONCE) == 0 && f->done < NG_TOTAL) {
      ng_collect(f);
      if (f->done < NG_TOTAL)
        return -1;
    }
  for (int i = 0; i < NG_INFLIGHT; i++) {
    ferry_multi_remove_handle(f->m, f->slot[i].e);
    ferry_easy_cleanup(f->slot[i].e);
  }
  if (socket_action) {
    ferry_multi_cleanup(f->m);
  } else {
    ferry_multi_close(f->m, NULL, NULL);
  }
  uv_close((uv_handle_t *)&f->timer, NULL);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  return uv_loop_close(&f->loop);
}

TEST_IMPL(h2_nginx_thousand_transfers_at_hundred_in_flight_on_one_connection) {
  tnginx_opts opts;
  tnginx *n;
  ng_flight *f = calloc(1, sizeof(*f));
  char base[64];

  ASSERT_NOT_NULL(f);
  ASSERT_EQ(make_certs(), 0);
  memset(&opts, 0, sizeof(opts));
  opts.tls = 1;
  opts.h2 = 1;
  opts.tls_cert = certs.server;
  opts.tls_key = certs.server_key;
  n = tnginx_start(&opts);
  ASSERT_NOT_NULL(n);
  for (int i = 0; i < NG_FILES; i++) {
    char name[16];
    snprintf(name, sizeof(name), "f%02d", i);
    ASSERT_EQ(tnginx_write_file(n, name, ng_size(i), (unsigned)i + 1), 0);
  }
  /* HTTP/2 over TLS, libuv mode; then h2c by prior knowledge,
   * socket_action mode; then each the other way */
  for (int k = 0; k < 4; k++) {
    int tls = k == 0 || k == 3;
    int sa = k == 1 || k == 3;
    snprintf(base, sizeof(base), "%s://%s:%d", tls ? "https" : "http",
             tls ? "localhost" : "127.0.0.1",
             tls ? tnginx_h2_port(n) : tnginx_h2c_port(n));
    ASSERT_EQ(ng_run(base, tls ? FERRY_HTTP_VERSION_2TLS : PK, sa, f), 0);
    if (f->failed)
      fprintf(stderr, "  run %d: %d failed, first %d: %s\n", k, f->failed,
              (int)f->first_error, f->first_text);
    ASSERT_EQ(f->failed, 0);
    ASSERT_EQ(f->done, NG_TOTAL);
    ASSERT_EQ(f->conns, 1);
  }
  free(f);
  ASSERT_EQ(tnginx_stop(n), 0);
  return 0;
}

/* ---- socket_action style: idle connections are not watched ----------------- */

typedef struct sa_app {
  uv_loop_t loop;
  uv_timer_t timer;
  ferry_multi *m;
  int watched; /* sockets the application watches now */
} sa_app;

typedef struct sa_sock {
  uv_poll_t poll;
  sa_app *a;
  ferry_socket_t fd;
} sa_sock;

static void sa_on_poll(uv_poll_t *p, int status, int events) {
  sa_sock *s = p->data;
  int flags = status < 0 ? FERRY_CSELECT_ERR : 0, running;
  if (events & UV_READABLE)
    flags |= FERRY_CSELECT_IN;
  if (events & UV_WRITABLE)
    flags |= FERRY_CSELECT_OUT;
  ferry_multi_socket_action(s->a->m, s->fd, flags, &running);
}

static void sa_closed(uv_handle_t *h) { free(h->data); }

static int sa_socket_cb(ferry_easy *e, ferry_socket_t fd, int what, void *ud,
                        void *sockp) {
  sa_app *a = ud;
  sa_sock *s = sockp;
  (void)e;
  if (what == FERRY_POLL_REMOVE) {
    if (s != NULL) {
      uv_poll_stop(&s->poll);
      uv_close((uv_handle_t *)&s->poll, sa_closed);
      ferry_multi_assign(a->m, fd, NULL);
      a->watched--;
    }
    return 0;
  }
  if (s == NULL) {
    s = calloc(1, sizeof(*s));
    if (s == NULL)
      return -1;
    s->a = a;
    s->fd = fd;
    uv_poll_init_socket(&a->loop, &s->poll, fd);
    s->poll.data = s;
    ferry_multi_assign(a->m, fd, s);
    a->watched++;
  }
  uv_poll_start(&s->poll,
                ((what & FERRY_POLL_IN) ? UV_READABLE : 0) |
                    ((what & FERRY_POLL_OUT) ? UV_WRITABLE : 0),
                sa_on_poll);
  return 0;
}

static void sa_on_timer(uv_timer_t *t) {
  sa_app *a = t->data;
  int running;
  ferry_multi_socket_action(a->m, FERRY_SOCKET_TIMEOUT, 0, &running);
}

static int sa_timer_cb(ferry_multi *m, long ms, void *ud) {
  sa_app *a = ud;
  (void)m;
  if (ms < 0)
    uv_timer_stop(&a->timer);
  else
    uv_timer_start(&a->timer, sa_on_timer, (uint64_t)ms, 0);
  return 0;
}

/* Run e to its end on a's multi; its result (FERRYE_LAST if the loop ran
 * dry first). */
static ferry_code sa_run_one(sa_app *a, ferry_easy *e) {
  ferry_msg *msg;
  if (ferry_multi_add_handle(a->m, e) != FERRYM_OK)
    return FERRYE_LAST;
  for (int alive = 1;; alive = uv_run(&a->loop, UV_RUN_ONCE)) {
    while ((msg = ferry_multi_info_read(a->m, NULL)) != NULL)
      if (msg->easy_handle == e) {
        ferry_code rc = msg->data.result;
        ferry_multi_remove_handle(a->m, e);
        return rc;
      }
    if (!alive)
      return FERRYE_LAST;
  }
}

TEST_IMPL(h2_socket_action_idle_connection_the_server_ended_is_not_reused) {
  for (int how = 0; how < 2; how++) {
    h2server_conn_script first;
    static const h2server_response resp = {.status = 200, .body = "hello"};
    h2server_config cfg;
    h2server *s;
    sink body = {0};
    ferry_easy *e;
    sa_app a;
    long conns = 0;

    memset(&first, 0, sizeof(first));
    first.goaway.when = H2SERVER_GOAWAY_AFTER_REQUESTS;
    first.goaway.after_requests = 1;
    first.goaway.last_stream_id = H2SERVER_LAST_STREAM_SEEN;
    first.goaway.close = how == 0 ? H2SERVER_CLOSE_FIN : H2SERVER_CLOSE_NONE;
    memset(&cfg, 0, sizeof(cfg));
    cfg.responses = &resp;
    cfg.nresponses = 1;
    cfg.conns = &first;
    cfg.nconns = 1;
    s = h2server_start(&cfg);
    ASSERT_NOT_NULL(s);
    memset(&a, 0, sizeof(a));
    ASSERT_EQ(uv_loop_init(&a.loop), 0);
    uv_timer_init(&a.loop, &a.timer);
    a.timer.data = &a;
    a.m = ferry_multi_init();
    ferry_multi_setopt(a.m, FERRYMOPT_SOCKETFUNCTION, sa_socket_cb);
    ferry_multi_setopt(a.m, FERRYMOPT_SOCKETDATA, &a);
    ferry_multi_setopt(a.m, FERRYMOPT_TIMERFUNCTION, sa_timer_cb);
    ferry_multi_setopt(a.m, FERRYMOPT_TIMERDATA, &a);
    e = h2_easy(h2_url(s, 0, "/a"), PK, &body, NULL);
    ASSERT_EQ(sa_run_one(&a, e), FERRYE_OK);
    /* the idle connection: the application watches nothing */
    ASSERT_EQ(a.watched, 0);
    ASSERT_EQ(h2server_wait(s, H2SERVER_GOAWAYS_SENT, 1, 5000), 0);
    if (how == 0)
      ASSERT_EQ(h2server_wait_closed(s, 1, 5000), 0);
    else
      uv_sleep(50); /* for the GOAWAY to arrive */
    ASSERT_EQ(sa_run_one(&a, e), FERRYE_OK);
    ASSERT_MEM_EQ(body.data, body.len, "hellohello");
    ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_NUM_CONNECTS, &conns), FERRYE_OK);
    ASSERT_EQ(conns, 1);
    ASSERT_EQ(h2server_get(s, H2SERVER_CONNECTIONS), 2);
    ASSERT_EQ(h2server_get(s, H2SERVER_STREAMS), 2);
    ferry_easy_cleanup(e);
    ASSERT_EQ(ferry_multi_cleanup(a.m), FERRYM_OK);
    ASSERT_EQ(a.watched, 0);
    uv_close((uv_handle_t *)&a.timer, NULL);
    uv_run(&a.loop, UV_RUN_DEFAULT);
    ASSERT_EQ(uv_loop_close(&a.loop), 0);
    sink_free(&body);
    ASSERT_EQ(h2server_stop(s), 0);
  }
  return 0;
}

TEST_IMPL(h2_refused_stream_is_sent_again_five_times_then_fails) {
  static const h2server_response resps[] = {
      {.path = "/no", .rst = H2SERVER_RST_BEFORE_HEADERS,
       .rst_code = NGHTTP2_REFUSED_STREAM},
      {.path = NULL, .status = 200, .body = "fine"}};
  h2server_config cfg;
  h2server *s;
  sink body = {0};
  char err[FERRY_ERROR_SIZE];
  ferry_easy *e;

  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = resps;
  cfg.nresponses = 2;
  s = h2server_start(&cfg);
  ASSERT_NOT_NULL(s);
  e = h2_easy(h2_url(s, 0, "/no"), PK, &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_HTTP2_STREAM);
  ASSERT_STR_EQ(err, "HTTP/2 stream 11 was refused by the server");
  /* the first request and 5 more, as libcurl's CONN_MAX_RETRIES; the
   * connection stays good */
  ASSERT_EQ(h2server_wait_requests(s, 6, 5000), 0);
  ASSERT_EQ(h2server_get(s, H2SERVER_STREAMS), 6);
  ASSERT_EQ(h2server_get(s, H2SERVER_CONNECTIONS), 1);
  ferry_easy_setopt(e, FERRYOPT_URL, h2_url(s, 0, "/yes"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "fine");
  ASSERT_EQ(h2server_get(s, H2SERVER_CONNECTIONS), 1);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

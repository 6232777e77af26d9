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

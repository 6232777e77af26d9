/* HTTPS through the engine, end to end: easy_perform and the three ways of
 * driving a multi, against the in-process TLS server (tlsserver.h) with
 * certificates made at test time (certs.h), and against a real nginx.
 *
 * test/test-tls.c tests the TLS layer on its own; here every case goes
 * through the transfer state machine, so what is asserted is what a user
 * sees: the result code, ERRORBUFFER naming mbedTLS's reason, the bytes
 * delivered, the getinfo values, and what the server saw (SNI, TCP
 * connections, handshakes, resumptions).
 *
 * Every transfer has TIMEOUT_MS set as a bound, so a hang shows as a
 * failed assertion (OPERATION_TIMEDOUT), never as a stalled test; waits on
 * the server are bounded too. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include <mbedtls/ecp.h>
#include <mbedtls/x509.h>

#include "certs.h"
#include "ferry_uv.h"
#include "fx.h"
#include "nginx.h"
#include "test.h"
#include "tlsserver.h"

#include <curl/curl.h> /* the compat names, for CERTINFO */

#define XFER_TIMEOUT_MS 15000L
#define WAIT_MS 5000

#define ASSERT_CONTAINS(hay, needle)                                          \
  do {                                                                        \
    const char *h_ = (hay), *n_ = (needle);                                   \
    if (h_ == NULL || strstr(h_, n_) == NULL)                                 \
      TEST_FAIL_("\"%s\" does not contain \"%s\"", h_ ? h_ : "(null)", n_);   \
  } while (0)

/* -- fixtures ----------------------------------------------------------------- */

/* One set of certificates per test process (each test runs in a child). */
static tcerts certs;
static int certs_made;

static void certs_remove(void) {
  if (certs_made)
    tcerts_cleanup(&certs);
  certs_made = 0;
}

static int make_certs(void) {
  if (tcerts_make(&certs) != 0)
    return -1;
  certs_made = 1;
  atexit(certs_remove);
  return 0;
}

static tlsserver *start_server(const char *cert, const char *key,
                               tlsserver_mode mode, const char *response) {
  tlsserver_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.cert = cert;
  cfg.key = key;
  cfg.mode = mode;
  cfg.response = response;
  return tlsserver_start(&cfg);
}

static tlsserver *start_default(void) {
  return start_server(certs.server, certs.server_key, TLSSRV_RESPOND, NULL);
}

/* "https://HOST:PORT/" in a static buffer per call slot. */
static const char *https_url(tlsserver *s, const char *host) {
  static char bufs[8][128];
  static unsigned slot;
  char *b = bufs[slot++ % 8];
  snprintf(b, 128, "https://%s:%d/", host, tlsserver_port(s));
  return b;
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Set (option, value) pairs ended by 0. The value's C type follows the
 * option's number, as in libcurl: long, ferry_off_t, or a pointer. */
static ferry_code set_pairs(ferry_easy *e, va_list ap) {
  for (;;) {
    int opt = va_arg(ap, int);
    ferry_code rc;
    if (opt == 0)
      return FERRYE_OK;
    if (opt < FERRYOPTTYPE_OBJECTPOINT)
      rc = ferry_easy_setopt(e, (ferry_option)opt, va_arg(ap, long));
    else if (opt >= FERRYOPTTYPE_OFF_T && opt < FERRYOPTTYPE_BLOB)
      rc = ferry_easy_setopt(e, (ferry_option)opt, va_arg(ap, ferry_off_t));
    else
      rc = ferry_easy_setopt(e, (ferry_option)opt, va_arg(ap, void *));
    if (rc != FERRYE_OK)
      return rc;
  }
}

/* The debug callback's text lines, appended to a sink. */
static int debug_text(ferry_easy *e, ferry_infotype type, char *data,
                      size_t len, void *userp) {
  (void)e;
  if (type == FERRYINFO_TEXT)
    sink_write(data, 1, len, userp);
  return 0;
}

/* What one transfer left behind. */
typedef struct fetch {
  ferry_easy *e;
  ferry_code rc;
  sink body;
  sink trace; /* VERBOSE text lines */
  char err[FERRY_ERROR_SIZE];
} fetch;

/* An https easy handle writing into f: CAINFO is the test CA, the
 * transfer is bounded, and the trace goes to f->trace. Then the given
 * (option, value) pairs, ended by 0. */
static ferry_easy *fetch_easy(fetch *f, const char *url, ...) {
  va_list ap;
  ferry_code rc;

  memset(f, 0, sizeof(*f));
  f->rc = FERRYE_LAST;
  f->e = ferry_easy_init();
  if (f->e == NULL)
    return NULL;
  if (ferry_easy_setopt(f->e, FERRYOPT_URL, url) != FERRYE_OK ||
      ferry_easy_setopt(f->e, FERRYOPT_CAINFO, certs.ca) != FERRYE_OK) {
    ferry_easy_cleanup(f->e);
    f->e = NULL;
    return NULL;
  }
  ferry_easy_setopt(f->e, FERRYOPT_WRITEFUNCTION, sink_write);
  ferry_easy_setopt(f->e, FERRYOPT_WRITEDATA, &f->body);
  ferry_easy_setopt(f->e, FERRYOPT_ERRORBUFFER, f->err);
  ferry_easy_setopt(f->e, FERRYOPT_TIMEOUT_MS, XFER_TIMEOUT_MS);
  ferry_easy_setopt(f->e, FERRYOPT_VERBOSE, 1L);
  ferry_easy_setopt(f->e, FERRYOPT_DEBUGFUNCTION, debug_text);
  ferry_easy_setopt(f->e, FERRYOPT_DEBUGDATA, &f->trace);
  va_start(ap, url);
  rc = set_pairs(f->e, ap);
  va_end(ap);
  if (rc != FERRYE_OK) {
    ferry_easy_cleanup(f->e);
    f->e = NULL;
  }
  return f->e;
}

static void fetch_free(fetch *f) {
  ferry_easy_cleanup(f->e);
  f->e = NULL;
  sink_free(&f->body);
  sink_free(&f->trace);
}

/* easy_perform a GET of https://host:PORT/ on s (options as for
 * fetch_easy); the handle stays in f for getinfo. Returns the result. */
#define FETCH(f, s, host, ...)                                                \
  (fetch_easy((f), https_url((s), (host)), __VA_ARGS__) == NULL               \
       ? ((f)->rc = FERRYE_FAILED_INIT)                                       \
       : ((f)->rc = ferry_easy_perform((f)->e)))

static long info_long(ferry_easy *e, ferry_info what) {
  long v = -12345;
  if (ferry_easy_getinfo(e, what, &v) != FERRYE_OK)
    return -12345;
  return v;
}

static ferry_off_t info_off(ferry_easy *e, ferry_info what) {
  ferry_off_t v = -12345;
  if (ferry_easy_getinfo(e, what, &v) != FERRYE_OK)
    return -12345;
  return v;
}

/* How often needle occurs in the sink's text. */
static unsigned count_in(const sink *s, const char *needle) {
  unsigned n = 0;
  const char *p = s->data;
  while (p != NULL && (p = strstr(p, needle)) != NULL) {
    n++;
    p += strlen(needle);
  }
  return n;
}

/* -- a multi driven by perform/poll, for sequences on one pool -------------------- */

/* Run e on m to its end with perform/poll, bounded. Returns its result. */
static ferry_code multi_run_one(ferry_multi *m, ferry_easy *e) {
  ferry_code rc = FERRYE_LAST;
  int running = 1, rounds = 0;
  ferry_msg *msg;

  if (ferry_multi_add_handle(m, e) != FERRYM_OK)
    return FERRYE_FAILED_INIT;
  while (running && rounds++ < 2000) {
    if (ferry_multi_perform(m, &running) != FERRYM_OK)
      break;
    if (running && ferry_multi_poll(m, NULL, 0, 100, NULL) != FERRYM_OK)
      break;
  }
  while ((msg = ferry_multi_info_read(m, NULL)) != NULL)
    if (msg->easy_handle == e)
      rc = msg->data.result;
  ferry_multi_remove_handle(m, e);
  return rc;
}

/* -- tests: a plain GET -------------------------------------------------------------- */

TEST_IMPL(https_get_with_test_ca_is_ok_and_appconnect_is_between_connect_and_pretransfer) {
  tlsserver *s;
  fetch f;
  ferry_off_t t_connect, t_app, t_pre, t_start, t_total;
  char want[256], *got;
  size_t len;

  ASSERT_EQ(make_certs(), 0);
  s = start_default();
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(FETCH(&f, s, "localhost", 0), FERRYE_OK);
  ASSERT_MEM_EQ(f.body.data, f.body.len, "hello");
  ASSERT_STR_EQ(f.err, "");
  ASSERT_EQ(info_long(f.e, FERRYINFO_RESPONSE_CODE), 200);
  ASSERT_EQ(info_long(f.e, FERRYINFO_SSL_VERIFYRESULT), 0);
  ASSERT_EQ(info_long(f.e, FERRYINFO_NUM_CONNECTS), 1);
  t_connect = info_off(f.e, FERRYINFO_CONNECT_TIME_T);
  t_app = info_off(f.e, FERRYINFO_APPCONNECT_TIME_T);
  t_pre = info_off(f.e, FERRYINFO_PRETRANSFER_TIME_T);
  t_start = info_off(f.e, FERRYINFO_STARTTRANSFER_TIME_T);
  t_total = info_off(f.e, FERRYINFO_TOTAL_TIME_T);
  ASSERT_GE(t_connect, 1);
  ASSERT(t_app > t_connect); /* a handshake takes a round trip and more */
  ASSERT_LE(t_app, t_pre);
  ASSERT_LE(t_pre, t_start);
  ASSERT_LE(t_start, t_total);
  {
    double d = -1;
    ASSERT_EQ(ferry_easy_getinfo(f.e, FERRYINFO_APPCONNECT_TIME, &d), FERRYE_OK);
    ASSERT(d > 0 && d * 1e6 <= (double)t_pre + 1);
  }
  /* the trace names what was negotiated */
  ASSERT_CONTAINS(f.trace.data, "TLS TLSv1.2 with ");
  ASSERT_CONTAINS(f.trace.data, "ALPN http/1.1");
  ASSERT_EQ(count_in(&f.trace, "(resumed)"), 0);

  /* the exact request, decrypted by the server */
  ASSERT_EQ(tlsserver_wait(s, TLSSRV_REQUESTS, 1, WAIT_MS), 0);
  got = tlsserver_received(s, 0, &len);
  snprintf(want, sizeof(want),
           "GET / HTTP/1.1\r\nHost: localhost:%d\r\nAccept: */*\r\n\r\n",
           tlsserver_port(s));
  ASSERT_MEM_EQ(got, len, want);
  free(got);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_HANDSHAKES), 1);

  /* cleanup closes the pooled connection with a close_notify */
  fetch_free(&f);
  ASSERT_EQ(tlsserver_wait(s, TLSSRV_CLOSE_NOTIFY_RECEIVED, 1, WAIT_MS), 0);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(https_verification_is_on_by_default_and_system_bundle_rejects_test_ca) {
  tlsserver *s;
  fetch f;

  ASSERT_EQ(make_certs(), 0);
  s = start_default();
  ASSERT_NOT_NULL(s);
  /* no CAINFO: the build's bundle, which does not hold the test CA */
  FETCH(&f, s, "localhost", FERRYOPT_CAINFO, (char *)NULL, 0);
  if (access("/etc/ssl/certs/ca-certificates.crt", R_OK) == 0) {
    ASSERT_EQ(f.rc, FERRYE_PEER_FAILED_VERIFICATION);
    ASSERT_CONTAINS(f.err, "SSL certificate problem: ");
    ASSERT_CONTAINS(f.err, "not correctly signed by the trusted CA");
    ASSERT(info_long(f.e, FERRYINFO_SSL_VERIFYRESULT) &
           MBEDTLS_X509_BADCERT_NOT_TRUSTED);
  } else {
    ASSERT_EQ(f.rc, FERRYE_SSL_CACERT_BADFILE);
  }
  ASSERT_EQ(f.body.len, 0);
  fetch_free(&f);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_REQUESTS), 0);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

/* -- tests: verification ------------------------------------------------------------- */

/* GET https://host:PORT/ from a server with cert/key; options as for
 * fetch_easy. The fetch stays in f. */
#define FETCH_FROM(f, cert, key, host, ...)                                   \
  do {                                                                        \
    tlsserver *s_ = start_server((cert), (key), TLSSRV_RESPOND, NULL);        \
    ASSERT_NOT_NULL(s_);                                                      \
    FETCH((f), s_, (host), __VA_ARGS__);                                      \
    if ((f)->rc != FERRYE_OK)                                                 \
      ASSERT_EQ(tlsserver_get(s_, TLSSRV_REQUESTS), 0);                       \
    ferry_easy_cleanup((f)->e); /* closes the connection first */            \
    (f)->e = NULL;                                                            \
    ASSERT_EQ(tlsserver_stop(s_), 0);                                         \
  } while (0)

TEST_IMPL(https_expired_wrong_host_self_signed_and_unknown_ca_fail_verification) {
  fetch f;
  long vr;

  ASSERT_EQ(make_certs(), 0);

  FETCH_FROM(&f, certs.expired, certs.expired_key, "localhost", 0);
  ASSERT_EQ(f.rc, FERRYE_PEER_FAILED_VERIFICATION);
  ASSERT_CONTAINS(f.err, "SSL certificate problem: ");
  ASSERT_CONTAINS(f.err, "expired");
  ASSERT_EQ(f.body.len, 0);
  fetch_free(&f);

  FETCH_FROM(&f, certs.wrong_name, certs.wrong_name_key, "localhost", 0);
  ASSERT_EQ(f.rc, FERRYE_PEER_FAILED_VERIFICATION);
  ASSERT_CONTAINS(f.err, "Common Name");
  fetch_free(&f);

  FETCH_FROM(&f, certs.self_signed, certs.self_signed_key, "localhost", 0);
  ASSERT_EQ(f.rc, FERRYE_PEER_FAILED_VERIFICATION);
  ASSERT_CONTAINS(f.err, "not correctly signed by the trusted CA");
  fetch_free(&f);

  FETCH_FROM(&f, certs.other_ca_server, certs.other_ca_server_key, "localhost",
             0);
  ASSERT_EQ(f.rc, FERRYE_PEER_FAILED_VERIFICATION);
  ASSERT_CONTAINS(f.err, "not correctly signed by the trusted CA");
  fetch_free(&f);

  /* SSL_VERIFYRESULT gives mbedTLS's flags after a failure */
  {
    tlsserver *s = start_server(certs.expired, certs.expired_key,
                                TLSSRV_RESPOND, NULL);
    ASSERT_NOT_NULL(s);
    ASSERT_EQ(FETCH(&f, s, "localhost", 0), FERRYE_PEER_FAILED_VERIFICATION);
    vr = info_long(f.e, FERRYINFO_SSL_VERIFYRESULT);
    ASSERT(vr & MBEDTLS_X509_BADCERT_EXPIRED);
    fetch_free(&f);
    ASSERT_EQ(tlsserver_stop(s), 0);
  }
  {
    tlsserver *s = start_server(certs.wrong_name, certs.wrong_name_key,
                                TLSSRV_RESPOND, NULL);
    ASSERT_NOT_NULL(s);
    ASSERT_EQ(FETCH(&f, s, "localhost", 0), FERRYE_PEER_FAILED_VERIFICATION);
    ASSERT_EQ(info_long(f.e, FERRYINFO_SSL_VERIFYRESULT),
              MBEDTLS_X509_BADCERT_CN_MISMATCH);
    fetch_free(&f);
    ASSERT_EQ(tlsserver_stop(s), 0);
  }
  return 0;
}

TEST_IMPL(https_verifyhost_0_accepts_wrong_host_but_still_rejects_unknown_ca) {
  fetch f;

  ASSERT_EQ(make_certs(), 0);
  FETCH_FROM(&f, certs.wrong_name, certs.wrong_name_key, "localhost",
             FERRYOPT_SSL_VERIFYHOST, 0L, 0);
  ASSERT_EQ(f.rc, FERRYE_OK);
  ASSERT_MEM_EQ(f.body.data, f.body.len, "hello");
  fetch_free(&f);

  FETCH_FROM(&f, certs.other_ca_server, certs.other_ca_server_key, "localhost",
             FERRYOPT_SSL_VERIFYHOST, 0L, 0);
  ASSERT_EQ(f.rc, FERRYE_PEER_FAILED_VERIFICATION);
  ASSERT_CONTAINS(f.err, "not correctly signed by the trusted CA");
  fetch_free(&f);

  FETCH_FROM(&f, certs.expired, certs.expired_key, "localhost",
             FERRYOPT_SSL_VERIFYHOST, 0L, 0);
  ASSERT_EQ(f.rc, FERRYE_PEER_FAILED_VERIFICATION);
  ASSERT_CONTAINS(f.err, "expired");
  fetch_free(&f);
  return 0;
}

TEST_IMPL(https_verifypeer_0_accepts_every_bad_certificate) {
  static const struct {
    const char *what;
  } names[] = {{"expired"}, {"wrong host"}, {"self-signed"}, {"unknown CA"}};
  const char *cert[4], *key[4];
  fetch f;

  ASSERT_EQ(make_certs(), 0);
  cert[0] = certs.expired, key[0] = certs.expired_key;
  cert[1] = certs.wrong_name, key[1] = certs.wrong_name_key;
  cert[2] = certs.self_signed, key[2] = certs.self_signed_key;
  cert[3] = certs.other_ca_server, key[3] = certs.other_ca_server_key;
  for (int i = 0; i < 4; i++) {
    tlsserver *s = start_server(cert[i], key[i], TLSSRV_RESPOND, NULL);
    ASSERT_NOT_NULL(s);
    FETCH(&f, s, "localhost", FERRYOPT_SSL_VERIFYPEER, 0L,
          FERRYOPT_CAINFO, certs.garbage, 0); /* not even loaded */
    if (f.rc != FERRYE_OK)
      fprintf(stderr, "  %s: %s\n", names[i].what, f.err);
    ASSERT_EQ(f.rc, FERRYE_OK);
    ASSERT_MEM_EQ(f.body.data, f.body.len, "hello");
    ASSERT_EQ(info_long(f.e, FERRYINFO_SSL_VERIFYRESULT),
              MBEDTLS_X509_BADCERT_SKIP_VERIFY);
    fetch_free(&f);
    ASSERT_EQ(tlsserver_stop(s), 0);
  }
  return 0;
}

/* -- tests: IP literals and SNI -------------------------------------------------------- */

TEST_IMPL(https_ip_literal_url_matches_ip_san_and_refuses_a_certificate_for_another_ip) {
  fetch f;

  ASSERT_EQ(make_certs(), 0);
  /* SAN iPAddress 127.0.0.1 */
  FETCH_FROM(&f, certs.server, certs.server_key, "127.0.0.1", 0);
  ASSERT_EQ(f.rc, FERRYE_OK);
  ASSERT_MEM_EQ(f.body.data, f.body.len, "hello");
  fetch_free(&f);
  /* CN 127.0.0.1 but SAN iPAddress 127.0.0.2 only: the SAN decides */
  FETCH_FROM(&f, certs.ip_only, certs.ip_only_key, "127.0.0.1", 0);
  ASSERT_EQ(f.rc, FERRYE_PEER_FAILED_VERIFICATION);
  ASSERT_CONTAINS(f.err, "SSL certificate problem: ");
  ASSERT_EQ(f.body.len, 0);
  fetch_free(&f);
  /* no SAN extension at all: the CN is the address */
  FETCH_FROM(&f, certs.ip_cn_only, certs.ip_cn_only_key, "127.0.0.1", 0);
  ASSERT_EQ(f.rc, FERRYE_OK);
  fetch_free(&f);
  /* a DNS name is not matched against iPAddress SANs */
  FETCH_FROM(&f, certs.ip_only, certs.ip_only_key, "localhost", 0);
  ASSERT_EQ(f.rc, FERRYE_PEER_FAILED_VERIFICATION);
  fetch_free(&f);
  return 0;
}

TEST_IMPL(https_sni_is_sent_for_a_host_name_and_not_for_an_ip_literal) {
  tlsserver *s;
  fetch f;
  char *sni;
  int sent = -1;

  ASSERT_EQ(make_certs(), 0);
  s = start_default();
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(FETCH(&f, s, "localhost", 0), FERRYE_OK);
  fetch_free(&f);
  ASSERT_EQ(FETCH(&f, s, "127.0.0.1", 0), FERRYE_OK);
  fetch_free(&f);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_CONNECTIONS), 2);
  sni = tlsserver_sni(s, 0, &sent);
  ASSERT_EQ(sent, 1);
  ASSERT_STR_EQ(sni, "localhost");
  free(sni);
  sni = tlsserver_sni(s, 1, &sent);
  ASSERT_EQ(sent, 0);
  ASSERT_NULL(sni);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

/* -- tests: local files, client certificates, pins --------------------------------------- */

TEST_IMPL(https_bad_cainfo_path_is_cacert_badfile) {
  tlsserver *s;
  fetch f;

  ASSERT_EQ(make_certs(), 0);
  s = start_default();
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_CAINFO, certs.missing, 0),
            FERRYE_SSL_CACERT_BADFILE);
  ASSERT_CONTAINS(f.err, certs.missing);
  fetch_free(&f);
  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_CAINFO, certs.garbage, 0),
            FERRYE_SSL_CACERT_BADFILE);
  fetch_free(&f);
  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_CAINFO, (char *)NULL,
                  FERRYOPT_CAPATH, certs.missing, 0),
            FERRYE_SSL_CACERT_BADFILE);
  fetch_free(&f);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_HANDSHAKES), 0);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(https_bad_client_certificate_is_certproblem) {
  tlsserver *s;
  fetch f;

  ASSERT_EQ(make_certs(), 0);
  s = start_default();
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_SSLCERT, certs.garbage,
                  FERRYOPT_SSLKEY, certs.client_key, 0),
            FERRYE_SSL_CERTPROBLEM);
  ASSERT_CONTAINS(f.err, "client certificate");
  fetch_free(&f);
  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_SSLCERT, certs.client,
                  FERRYOPT_SSLKEY, certs.server_key, 0),
            FERRYE_SSL_CERTPROBLEM);
  ASSERT_CONTAINS(f.err, "does not match");
  fetch_free(&f);
  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_SSLCERT, certs.missing, 0),
            FERRYE_SSL_CERTPROBLEM);
  fetch_free(&f);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_HANDSHAKES), 0);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(https_client_certificate_is_accepted_by_a_server_requiring_one) {
  tlsserver_config scfg;
  tlsserver *s;
  fetch f;
  ferry_blob cert_blob, key_blob;
  size_t cert_len, key_len;
  char *cert_pem, *key_pem;

  ASSERT_EQ(make_certs(), 0);
  memset(&scfg, 0, sizeof(scfg));
  scfg.cert = certs.server;
  scfg.key = certs.server_key;
  scfg.client_ca = certs.ca;
  s = tlsserver_start(&scfg);
  ASSERT_NOT_NULL(s);

  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_SSLCERT, certs.client,
                  FERRYOPT_SSLKEY, certs.client_key, 0),
            FERRYE_OK);
  ASSERT_MEM_EQ(f.body.data, f.body.len, "hello");
  fetch_free(&f);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_CLIENT_CERTS), 1);

  /* as blobs (copied by setopt: freed before the transfer) */
  cert_pem = tcerts_read(certs.client, &cert_len);
  key_pem = tcerts_read(certs.client_key, &key_len);
  ASSERT_NOT_NULL(cert_pem);
  ASSERT_NOT_NULL(key_pem);
  cert_blob.data = cert_pem;
  cert_blob.len = cert_len;
  cert_blob.flags = FERRY_BLOB_COPY;
  key_blob.data = key_pem;
  key_blob.len = key_len;
  key_blob.flags = FERRY_BLOB_COPY;
  ASSERT_NOT_NULL(fetch_easy(&f, https_url(s, "localhost"),
                             FERRYOPT_SSLCERT_BLOB, &cert_blob,
                             FERRYOPT_SSLKEY_BLOB, &key_blob, 0));
  memset(cert_pem, 0, cert_len);
  memset(key_pem, 0, key_len);
  free(cert_pem);
  free(key_pem);
  ASSERT_EQ(ferry_easy_perform(f.e), FERRYE_OK);
  fetch_free(&f);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_CLIENT_CERTS), 2);

  /* without one, the server ends the handshake (mbedTLS sends no alert
   * for a missing client certificate, it just hangs up) */
  ASSERT_EQ(FETCH(&f, s, "localhost", 0), FERRYE_SSL_CONNECT_ERROR);
  ASSERT_CONTAINS(f.err, "closed by the peer during the TLS handshake");
  fetch_free(&f);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_CLIENT_CERTS), 2);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_REQUESTS), 2);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(https_pinned_public_key_match_is_ok_and_mismatch_is_pinnedpubkeynotmatch) {
  static const char other_pin[] =
      "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  tlsserver *s;
  fetch f;

  ASSERT_EQ(make_certs(), 0);
  s = start_default();
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_PINNEDPUBLICKEY,
                  certs.server_pin, 0),
            FERRYE_OK);
  ASSERT_MEM_EQ(f.body.data, f.body.len, "hello");
  fetch_free(&f);
  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_PINNEDPUBLICKEY,
                  certs.server_pub_pem, 0),
            FERRYE_OK);
  fetch_free(&f);
  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_PINNEDPUBLICKEY, other_pin, 0),
            FERRYE_SSL_PINNEDPUBKEYNOTMATCH);
  ASSERT_CONTAINS(f.err, "pinned public key");
  ASSERT_EQ(f.body.len, 0);
  fetch_free(&f);
  /* the pin holds with verification off too */
  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_SSL_VERIFYPEER, 0L,
                  FERRYOPT_PINNEDPUBLICKEY, other_pin, 0),
            FERRYE_SSL_PINNEDPUBKEYNOTMATCH);
  fetch_free(&f);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_REQUESTS), 2);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

/* -- tests: versions and ciphers ------------------------------------------------------------ */

TEST_IMPL(https_max_tls11_against_a_tls12_only_server_is_connect_error) {
  tlsserver *s;
  fetch f;

  ASSERT_EQ(make_certs(), 0);
  s = start_default(); /* TLS 1.2 only */
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_SSLVERSION,
                  FERRY_SSLVERSION_TLSv1_0 | FERRY_SSLVERSION_MAX_TLSv1_1, 0),
            FERRYE_SSL_CONNECT_ERROR);
  ASSERT_CONTAINS(f.err, "TLS handshake failed");
  ASSERT_CONTAINS(f.err, "protocol_version");
  fetch_free(&f);
  /* and 1.2 as the maximum works */
  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_SSLVERSION,
                  FERRY_SSLVERSION_TLSv1_0 | FERRY_SSLVERSION_MAX_TLSv1_2, 0),
            FERRYE_OK);
  fetch_free(&f);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

/* A server with the test certificate that takes only this cipher suite
 * (NULL: any) and this curve for the key exchange (0: any). */
static tlsserver *start_limited_server(const char *suite, int curve) {
  tlsserver_config scfg;

  if (make_certs() != 0)
    return NULL;
  memset(&scfg, 0, sizeof(scfg));
  scfg.cert = certs.server;
  scfg.key = certs.server_key;
  scfg.ciphersuite = suite;
  scfg.curve = curve;
  return tlsserver_start(&scfg);
}

TEST_IMPL(https_cipher_mismatch_is_connect_error_and_unknown_list_is_ssl_cipher) {
  tlsserver *s =
      start_limited_server("TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384", 0);
  fetch f;

  ASSERT_NOT_NULL(s);
  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_SSL_CIPHER_LIST,
                  "ECDHE-ECDSA-AES128-GCM-SHA256", 0),
            FERRYE_SSL_CONNECT_ERROR);
  ASSERT_CONTAINS(f.err, "handshake_failure");
  fetch_free(&f);
  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_SSL_CIPHER_LIST,
                  "NO-SUCH-CIPHER:NOR-THIS-ONE", 0),
            FERRYE_SSL_CIPHER);
  ASSERT_CONTAINS(f.err, "NO-SUCH-CIPHER");
  fetch_free(&f);
  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_SSL_CIPHER_LIST,
                  "ECDHE-ECDSA-AES256-GCM-SHA384", 0),
            FERRYE_OK);
  fetch_free(&f);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_REQUESTS), 1);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(https_tls_options_changed_on_a_handle_take_effect_on_its_next_transfer) {
  tlsserver *s;
  fetch f;

  ASSERT_EQ(make_certs(), 0);
  s = start_server(certs.server, certs.server_key, TLSSRV_RESPOND, NULL);
  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(fetch_easy(&f, https_url(s, "localhost"), 0));
#define PERFORM_EXPECTING(new_conn)                                           \
  do {                                                                        \
    f.body.len = 0;                                                           \
    ASSERT_EQ(ferry_easy_perform(f.e), FERRYE_OK);                            \
    ASSERT_MEM_EQ(f.body.data, f.body.len, "hello");                          \
    ASSERT_EQ(info_long(f.e, FERRYINFO_NUM_CONNECTS), (new_conn));            \
  } while (0)
  PERFORM_EXPECTING(1);
  PERFORM_EXPECTING(0); /* the same options: its connection again */
  /* each change makes another configuration: not the verified connection */
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_SSL_VERIFYHOST, 0L), FERRYE_OK);
  PERFORM_EXPECTING(1);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_SSL_VERIFYHOST, 2L), FERRYE_OK);
  PERFORM_EXPECTING(0); /* back: the first connection */
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_SSL_VERIFYPEER, 0L), FERRYE_OK);
  PERFORM_EXPECTING(1);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_SSL_VERIFYPEER, 1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_SSL_EC_CURVES, "P-256"), FERRYE_OK);
  PERFORM_EXPECTING(1);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_SSL_EC_CURVES, NULL), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_SSLVERSION,
                              (long)(FERRY_SSLVERSION_TLSv1_2 |
                                     FERRY_SSLVERSION_MAX_TLSv1_2)),
            FERRYE_OK);
  PERFORM_EXPECTING(1);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_SSLVERSION, 0L), FERRYE_OK);
  PERFORM_EXPECTING(0);
  /* a CA that does not trust the server fails, even with a connection that
   * the old options verified in the pool */
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_CAINFO, certs.other_ca), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(f.e), FERRYE_PEER_FAILED_VERIFICATION);
#undef PERFORM_EXPECTING
  fetch_free(&f);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_CONNECTIONS), 6);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(https_duphandle_copies_the_tls_options) {
  tlsserver *s = start_limited_server(NULL, MBEDTLS_ECP_DP_SECP384R1);
  fetch f;
  ferry_easy *dup;
  sink body = {0};

  ASSERT_NOT_NULL(s);
  /* CAINFO (set by fetch_easy), a pin and a curve list: the copy must
   * carry all three, and own them once the original is gone */
  ASSERT_NOT_NULL(fetch_easy(&f, https_url(s, "localhost"),
                             FERRYOPT_PINNEDPUBLICKEY, certs.server_pin,
                             FERRYOPT_SSL_EC_CURVES, "P-384:P-256", 0));
  dup = ferry_easy_duphandle(f.e);
  ASSERT_NOT_NULL(dup);
  /* what pointed into f goes before f does */
  ASSERT_EQ(ferry_easy_setopt(dup, FERRYOPT_VERBOSE, 0L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(dup, FERRYOPT_DEBUGFUNCTION, NULL), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(dup, FERRYOPT_ERRORBUFFER, NULL), FERRYE_OK);
  fetch_free(&f);
  ASSERT_EQ(ferry_easy_setopt(dup, FERRYOPT_WRITEFUNCTION, sink_write), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(dup, FERRYOPT_WRITEDATA, &body), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(dup), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  /* and a copy whose curve list leaves out the server's only curve fails:
   * the list really was copied */
  ASSERT_EQ(ferry_easy_setopt(dup, FERRYOPT_SSL_EC_CURVES, "X25519"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(dup, FERRYOPT_FRESH_CONNECT, 1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(dup), FERRYE_SSL_CONNECT_ERROR);
  ferry_easy_cleanup(dup);
  sink_free(&body);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(https_ec_curves_mismatch_is_connect_error_and_unknown_name_is_ssl_cipher) {
  tlsserver *s = start_limited_server(NULL, MBEDTLS_ECP_DP_SECP384R1);
  fetch f;

  ASSERT_NOT_NULL(s);
  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_SSL_EC_CURVES, "X25519:P-256", 0),
            FERRYE_SSL_CONNECT_ERROR);
  fetch_free(&f);
  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_SSL_EC_CURVES, "P-256:nope", 0),
            FERRYE_SSL_CIPHER);
  ASSERT_CONTAINS(f.err, "\"nope\"");
  fetch_free(&f);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_REQUESTS), 0);
  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_SSL_EC_CURVES, "P-384:P-256", 0),
            FERRYE_OK);
  fetch_free(&f);
  ASSERT_EQ(FETCH(&f, s, "localhost", 0), FERRYE_OK);
  fetch_free(&f);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_REQUESTS), 2);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

/* -- tests: hostile servers ------------------------------------------------------------------ */

TEST_IMPL(https_server_closing_mid_handshake_is_connect_error) {
  tlsserver *s;
  fetch f;

  ASSERT_EQ(make_certs(), 0);
  s = start_server(certs.server, certs.server_key, TLSSRV_CLOSE_IN_HANDSHAKE,
                   NULL);
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(FETCH(&f, s, "localhost", 0), FERRYE_SSL_CONNECT_ERROR);
  ASSERT_CONTAINS(f.err, "closed by the peer during the TLS handshake");
  ASSERT_EQ(f.body.len, 0);
  fetch_free(&f);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(https_garbage_instead_of_server_hello_fails_fast) {
  tlsserver *s;
  fetch f;
  uint64_t t0;

  ASSERT_EQ(make_certs(), 0);
  /* an HTTP reply to the ClientHello, and the connection stays open */
  s = start_server(certs.server, certs.server_key, TLSSRV_GARBAGE, NULL);
  ASSERT_NOT_NULL(s);
  t0 = now_ms();
  ASSERT_EQ(FETCH(&f, s, "localhost", 0), FERRYE_SSL_CONNECT_ERROR);
  ASSERT(now_ms() - t0 < 2000);
  ASSERT_CONTAINS(f.err, "TLS handshake failed: mbedTLS error");
  ASSERT_EQ(f.body.len, 0);
  fetch_free(&f);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

/* An EOF-framed response: no Content-Length, the end of the connection
 * ends the body. */
#define EOF_FRAMED "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello, eof"

TEST_IMPL(https_renegotiation_request_is_refused_and_transfer_ends) {
  tlsserver *s;
  fetch f;
  uint64_t t0;

  ASSERT_EQ(make_certs(), 0);
  /* The server answers, then asks to renegotiate; ferry refuses with a
   * no_renegotiation alert and the server, allowing no grace, hangs up
   * without close_notify. With an EOF-framed body the user gets the bytes
   * and an error saying the end was not authenticated. */
  s = start_server(certs.server, certs.server_key, TLSSRV_RENEGOTIATE,
                   EOF_FRAMED);
  ASSERT_NOT_NULL(s);
  t0 = now_ms();
  ASSERT_EQ(FETCH(&f, s, "localhost", 0), FERRYE_RECV_ERROR);
  ASSERT(now_ms() - t0 < 5000);
  ASSERT_CONTAINS(f.err, "close_notify");
  ASSERT_MEM_EQ(f.body.data, f.body.len, "hello, eof");
  fetch_free(&f);
  ASSERT_EQ(tlsserver_wait(s, TLSSRV_RENEGOTIATION_REFUSED, 1, WAIT_MS), 0);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_HANDSHAKES), 1); /* none renegotiated */
  ASSERT_EQ(tlsserver_stop(s), 0);

  /* With a Content-Length body the response is complete before the
   * request to renegotiate is looked at: OK. The request came with the
   * response's last record, so the connection is not pooled (a record
   * after the response is like bytes after it): a second transfer on the
   * same handle goes straight to a new connection, with no request lost
   * on the old one and no retry. */
  s = start_server(certs.server, certs.server_key, TLSSRV_RENEGOTIATE, NULL);
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(FETCH(&f, s, "localhost", 0), FERRYE_OK);
  ASSERT_MEM_EQ(f.body.data, f.body.len, "hello");
  sink_free(&f.body);
  sink_free(&f.trace);
  ASSERT_EQ(ferry_easy_perform(f.e), FERRYE_OK);
  ASSERT_MEM_EQ(f.body.data, f.body.len, "hello");
  ASSERT_EQ(info_long(f.e, FERRYINFO_NUM_CONNECTS), 1);
  ASSERT_EQ(count_in(&f.trace, "Re-using existing connection"), 0);
  ASSERT_EQ(count_in(&f.trace, "retrying"), 0);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_CONNECTIONS), 2);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_REQUESTS), 2);
  fetch_free(&f);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_HANDSHAKES), 2);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(https_eof_framed_body_ended_without_close_notify_is_recv_error) {
  tlsserver *s;
  fetch f;

  ASSERT_EQ(make_certs(), 0);
  s = start_server(certs.server, certs.server_key, TLSSRV_RESPOND_CLOSE,
                   EOF_FRAMED);
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(FETCH(&f, s, "localhost", 0), FERRYE_RECV_ERROR);
  ASSERT_CONTAINS(f.err, "close_notify");
  ASSERT_CONTAINS(f.err, "truncated");
  /* what came is delivered; the error says it may not be all */
  ASSERT_MEM_EQ(f.body.data, f.body.len, "hello, eof");
  fetch_free(&f);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(https_complete_content_length_body_then_close_without_close_notify_is_ok) {
  tlsserver *s;
  fetch f;

  ASSERT_EQ(make_certs(), 0);
  s = start_server(certs.server, certs.server_key, TLSSRV_RESPOND_CLOSE, NULL);
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(FETCH(&f, s, "localhost", 0), FERRYE_OK);
  ASSERT_MEM_EQ(f.body.data, f.body.len, "hello");
  ASSERT_STR_EQ(f.err, "");
  fetch_free(&f);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(https_eof_framed_body_ended_with_close_notify_is_ok) {
  tlsserver *s;
  fetch f;

  ASSERT_EQ(make_certs(), 0);
  s = start_server(certs.server, certs.server_key, TLSSRV_RESPOND_CLOSE_NOTIFY,
                   EOF_FRAMED);
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(FETCH(&f, s, "localhost", 0), FERRYE_OK);
  ASSERT_MEM_EQ(f.body.data, f.body.len, "hello, eof");
  ASSERT_STR_EQ(f.err, "");
  fetch_free(&f);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

/* -- tests: connection reuse and sessions ------------------------------------------------------ */

TEST_IMPL(https_sequential_transfers_on_one_multi_reuse_one_connection) {
  ferry_multi *m;
  tlsserver *s;
  fetch f;

  ASSERT_EQ(make_certs(), 0);
  s = start_default();
  ASSERT_NOT_NULL(s);
  m = ferry_multi_init();
  ASSERT_NOT_NULL(m);
  ASSERT_NOT_NULL(fetch_easy(&f, https_url(s, "localhost"), 0));
  ASSERT_EQ(multi_run_one(m, f.e), FERRYE_OK);
  ASSERT_EQ(info_long(f.e, FERRYINFO_NUM_CONNECTS), 1);
  ASSERT_EQ(info_long(f.e, FERRYINFO_SSL_VERIFYRESULT), 0);
  fetch_free(&f);
  ASSERT_NOT_NULL(fetch_easy(&f, https_url(s, "localhost"), 0));
  ASSERT_EQ(multi_run_one(m, f.e), FERRYE_OK);
  ASSERT_MEM_EQ(f.body.data, f.body.len, "hello");
  ASSERT_EQ(info_long(f.e, FERRYINFO_NUM_CONNECTS), 0);
  ASSERT_EQ(info_long(f.e, FERRYINFO_SSL_VERIFYRESULT), 0);
  ASSERT_CONTAINS(f.trace.data, "Re-using existing connection");
  /* a reused connection's handshake was before this transfer started */
  ASSERT_LE(info_off(f.e, FERRYINFO_APPCONNECT_TIME_T),
            info_off(f.e, FERRYINFO_PRETRANSFER_TIME_T));
  fetch_free(&f);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_CONNECTIONS), 1);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_HANDSHAKES), 1);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_REQUESTS), 2);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  ASSERT_EQ(tlsserver_wait(s, TLSSRV_CLOSE_NOTIFY_RECEIVED, 1, WAIT_MS), 0);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

/* -- tests: CERTINFO ------------------------------------------------------------------------ */

/* The line of certificate i that starts with "Name:", or NULL. */
static const char *cert_line(const struct ferry_certinfo *ci, int i,
                             const char *name) {
  size_t n = strlen(name);
  if (ci == NULL || i >= ci->num_of_certs)
    return NULL;
  for (const ferry_slist *l = ci->certinfo[i]; l != NULL; l = l->next)
    if (strncmp(l->data, name, n) == 0 && l->data[n] == ':')
      return l->data + n + 1;
  return NULL;
}

TEST_IMPL(https_certinfo_lists_the_server_chain_and_is_empty_when_off) {
  static const char *const names[] = {
      "Subject", "Issuer", "Version", "Serial Number", "Signature Algorithm",
      "Public Key Algorithm", "Start date", "Expire date", "Cert"};
  struct ferry_certinfo *ci = NULL;
  tlsserver *s;
  fetch f;

  ASSERT_EQ(make_certs(), 0);
  s = start_default();
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_CERTINFO, 1L, 0), FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(f.e, FERRYINFO_CERTINFO, &ci), FERRYE_OK);
  ASSERT_NOT_NULL(ci);
  ASSERT_GE(ci->num_of_certs, 1);
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    ASSERT_NOT_NULL(cert_line(ci, 0, names[i]));
  ASSERT_STR_EQ(cert_line(ci, 0, "Subject"), "CN=localhost");
  ASSERT_STR_EQ(cert_line(ci, 0, "Issuer"), "CN=ferry test CA");
  ASSERT_STR_EQ(cert_line(ci, 0, "Version"), "2");
  ASSERT_STR_EQ(cert_line(ci, 0, "Public Key Algorithm"), "EC");
  ASSERT_CONTAINS(cert_line(ci, 0, "Expire date"), " GMT");
  ASSERT_EQ(strncmp(cert_line(ci, 0, "Cert"), "-----BEGIN CERTIFICATE-----\n",
                    28), 0);
  ASSERT_CONTAINS(cert_line(ci, 0, "Cert"), "-----END CERTIFICATE-----");
  fetch_free(&f);

  /* off (the default): nothing recorded */
  ci = NULL;
  ASSERT_EQ(FETCH(&f, s, "localhost", 0), FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(f.e, FERRYINFO_CERTINFO, &ci), FERRYE_OK);
  ASSERT_NOT_NULL(ci);
  ASSERT_EQ(ci->num_of_certs, 0);
  fetch_free(&f);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(https_certinfo_is_the_same_for_a_transfer_on_a_pooled_connection) {
  struct ferry_certinfo *ci = NULL;
  ferry_slist *first = NULL;
  ferry_multi *m;
  tlsserver *s;
  fetch f;

  ASSERT_EQ(make_certs(), 0);
  s = start_default();
  ASSERT_NOT_NULL(s);
  m = ferry_multi_init();
  ASSERT_NOT_NULL(m);
  ASSERT_NOT_NULL(fetch_easy(&f, https_url(s, "localhost"), FERRYOPT_CERTINFO,
                             1L, 0));
  ASSERT_EQ(multi_run_one(m, f.e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(f.e, FERRYINFO_CERTINFO, &ci), FERRYE_OK);
  ASSERT_GE(ci->num_of_certs, 1);
  for (const ferry_slist *l = ci->certinfo[0]; l != NULL; l = l->next)
    ASSERT_NOT_NULL(first = ferry_slist_append(first, l->data));
  fetch_free(&f);

  ASSERT_NOT_NULL(fetch_easy(&f, https_url(s, "localhost"), FERRYOPT_CERTINFO,
                             1L, 0));
  ASSERT_EQ(multi_run_one(m, f.e), FERRYE_OK);
  ASSERT_EQ(info_long(f.e, FERRYINFO_NUM_CONNECTS), 0); /* reused */
  ASSERT_EQ(ferry_easy_getinfo(f.e, FERRYINFO_CERTINFO, &ci), FERRYE_OK);
  ASSERT_GE(ci->num_of_certs, 1);
  {
    const ferry_slist *a = first, *b = ci->certinfo[0];
    for (; a != NULL && b != NULL; a = a->next, b = b->next)
      ASSERT_STR_EQ(b->data, a->data);
    ASSERT(a == NULL && b == NULL);
  }
  /* the compat names reach the same list */
  {
    struct curl_certinfo *cci = NULL;
    ASSERT_EQ(curl_easy_getinfo(f.e, CURLINFO_CERTINFO, &cci), CURLE_OK);
    ASSERT(cci == (struct curl_certinfo *)ci);
    ASSERT_EQ(CURLOPT_CERTINFO, 172);
    ASSERT_EQ(CURLINFO_CERTINFO, CURLINFO_PTR + 34);
  }
  /* a new transfer replaces the info: off now, so it is empty */
  ferry_easy_setopt(f.e, FERRYOPT_CERTINFO, 0L);
  ASSERT_EQ(multi_run_one(m, f.e), FERRYE_OK);
  ASSERT_EQ(ci->num_of_certs, 0);
  ferry_slist_free_all(first);
  fetch_free(&f);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_HANDSHAKES), 1);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(https_connection_is_not_reused_under_other_verification_settings) {
  ferry_multi *m;
  tlsserver *s;
  fetch f;
  ferry_blob ca_blob;
  size_t ca_len;
  char *ca_pem;
  unsigned expect_conns = 0;

  ASSERT_EQ(make_certs(), 0);
  s = start_default();
  ASSERT_NOT_NULL(s);
  m = ferry_multi_init();
  ASSERT_NOT_NULL(m);
  /* keep every idle connection (the default keeps 4 per handle) */
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_MAXCONNECTS, 20L), FERRYM_OK);
  ca_pem = tcerts_read(certs.ca, &ca_len);
  ASSERT_NOT_NULL(ca_pem);
  ca_blob.data = ca_pem;
  ca_blob.len = ca_len;
  ca_blob.flags = FERRY_BLOB_COPY;

#define RUN_EXPECTING(new_conn, ...)                                          \
  do {                                                                        \
    ASSERT_NOT_NULL(fetch_easy(&f, https_url(s, "localhost"), __VA_ARGS__));  \
    ASSERT_EQ(multi_run_one(m, f.e), FERRYE_OK);                              \
    ASSERT_MEM_EQ(f.body.data, f.body.len, "hello");                          \
    ASSERT_EQ(info_long(f.e, FERRYINFO_NUM_CONNECTS), (new_conn));            \
    fetch_free(&f);                                                           \
    expect_conns += (new_conn);                                               \
    ASSERT_EQ(tlsserver_get(s, TLSSRV_CONNECTIONS), expect_conns);            \
  } while (0)

  RUN_EXPECTING(1, 0);
  RUN_EXPECTING(0, 0); /* same settings: reused */
  /* the CVE-2021-22924 class: a connection verified under one set of
   * settings is never handed to a transfer asking for another */
  RUN_EXPECTING(1, FERRYOPT_SSL_VERIFYHOST, 0L, 0);
  RUN_EXPECTING(1, FERRYOPT_SSL_VERIFYPEER, 0L, 0);
  RUN_EXPECTING(1, FERRYOPT_CAINFO, certs.capath_ca, 0);
  RUN_EXPECTING(1, FERRYOPT_CAINFO_BLOB, &ca_blob, 0);
  RUN_EXPECTING(1, FERRYOPT_PINNEDPUBLICKEY, certs.server_pin, 0);
  RUN_EXPECTING(1, FERRYOPT_SSL_CIPHER_LIST, "ECDHE-ECDSA-AES128-GCM-SHA256", 0);
  RUN_EXPECTING(1, FERRYOPT_SSL_EC_CURVES, "P-256", 0);
  /* and each of them finds its own again */
  RUN_EXPECTING(0, FERRYOPT_SSL_VERIFYHOST, 0L, 0);
  RUN_EXPECTING(0, FERRYOPT_CAINFO_BLOB, &ca_blob, 0);
  RUN_EXPECTING(0, 0);
#undef RUN_EXPECTING

  /* the loose connection is not taken by a strict transfer to a host its
   * certificate does not fit either: the strict one fails verification */
  {
    tlsserver *w = start_server(certs.wrong_name, certs.wrong_name_key,
                                TLSSRV_RESPOND, NULL);
    ASSERT_NOT_NULL(w);
    ASSERT_NOT_NULL(fetch_easy(&f, https_url(w, "localhost"),
                               FERRYOPT_SSL_VERIFYHOST, 0L, 0));
    ASSERT_EQ(multi_run_one(m, f.e), FERRYE_OK);
    fetch_free(&f);
    ASSERT_NOT_NULL(fetch_easy(&f, https_url(w, "localhost"), 0));
    ASSERT_EQ(multi_run_one(m, f.e), FERRYE_PEER_FAILED_VERIFICATION);
    ASSERT_EQ(f.body.len, 0);
    fetch_free(&f);
    ASSERT_EQ(tlsserver_get(w, TLSSRV_CONNECTIONS), 2);
    ASSERT_EQ(tlsserver_get(w, TLSSRV_REQUESTS), 1);
    ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
    ASSERT_EQ(tlsserver_stop(w), 0);
  }
  free(ca_pem);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_REQUESTS), 12);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

static int second_handshake_resumes(int tickets) {
  tlsserver_config scfg;
  tlsserver *s;
  fetch f;

  memset(&scfg, 0, sizeof(scfg));
  scfg.cert = certs.server;
  scfg.key = certs.server_key;
  scfg.tickets = tickets;
  s = tlsserver_start(&scfg);
  ASSERT_NOT_NULL(s);
  /* one handle, so one private multi and its session cache; FORBID_REUSE
   * closes each connection after its transfer */
  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_FORBID_REUSE, 1L, 0), FERRYE_OK);
  ASSERT_EQ(count_in(&f.trace, "(resumed)"), 0);
  ASSERT_EQ(info_long(f.e, FERRYINFO_NUM_CONNECTS), 1);
  sink_free(&f.trace);
  sink_free(&f.body);
  ASSERT_EQ(ferry_easy_perform(f.e), FERRYE_OK);
  ASSERT_MEM_EQ(f.body.data, f.body.len, "hello");
  ASSERT_EQ(info_long(f.e, FERRYINFO_NUM_CONNECTS), 1);
  ASSERT_EQ(count_in(&f.trace, "(resumed)"), 1);
  ASSERT_EQ(info_long(f.e, FERRYINFO_SSL_VERIFYRESULT), 0);
  fetch_free(&f);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_CONNECTIONS), 2);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_HANDSHAKES), 2);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_RESUMED), 1);
  /* each connection ended with a close_notify */
  ASSERT_EQ(tlsserver_wait(s, TLSSRV_CLOSE_NOTIFY_RECEIVED, 2, WAIT_MS), 0);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(https_second_connection_to_a_host_resumes_the_session) {
  ASSERT_EQ(make_certs(), 0);
  ASSERT_EQ(second_handshake_resumes(0), 0);
  ASSERT_EQ(second_handshake_resumes(1), 0);
  return 0;
}

TEST_IMPL(https_failed_verification_caches_no_session) {
  static const char other_pin[] =
      "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  tlsserver *s;
  fetch f;

  ASSERT_EQ(make_certs(), 0);
  /* The certificate fails the chain check: nothing to resume, so the next
   * connection verifies in full and fails the same way. */
  s = start_server(certs.expired, certs.expired_key, TLSSRV_RESPOND, NULL);
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(FETCH(&f, s, "localhost", 0), FERRYE_PEER_FAILED_VERIFICATION);
  f.err[0] = '\0';
  ASSERT_EQ(ferry_easy_perform(f.e), FERRYE_PEER_FAILED_VERIFICATION);
  ASSERT_CONTAINS(f.err, "expired");
  fetch_free(&f);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_CONNECTIONS), 2);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_RESUMED), 0);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_REQUESTS), 0);
  ASSERT_EQ(tlsserver_stop(s), 0);

  /* A pin mismatch is found after mbedTLS finished the handshake, when a
   * session exists: it must not be kept either. */
  s = start_default();
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(FETCH(&f, s, "localhost", FERRYOPT_PINNEDPUBLICKEY, other_pin, 0),
            FERRYE_SSL_PINNEDPUBKEYNOTMATCH);
  ASSERT_EQ(ferry_easy_perform(f.e), FERRYE_SSL_PINNEDPUBKEYNOTMATCH);
  ASSERT_EQ(count_in(&f.trace, "(resumed)"), 0);
  fetch_free(&f);
  ASSERT_EQ(tlsserver_wait(s, TLSSRV_HANDSHAKES, 2, WAIT_MS), 0);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_RESUMED), 0);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_REQUESTS), 0);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

/* -- tests: the three driving modes ---------------------------------------------------------------- */

#define N_MODE_XFERS 20

typedef struct mode_run {
  ferry_multi *m;
  fetch f[N_MODE_XFERS];
  ferry_code results[N_MODE_XFERS];
  unsigned done;
  /* socket_action glue */
  uv_loop_t loop;
  uv_timer_t timer;
  unsigned app_sockets;
} mode_run;

static int mode_add_all(mode_run *r, tlsserver *s) {
  for (int i = 0; i < N_MODE_XFERS; i++) {
    r->results[i] = FERRYE_LAST;
    if (fetch_easy(&r->f[i], https_url(s, i % 2 ? "localhost" : "127.0.0.1"),
                   FERRYOPT_PRIVATE, (void *)&r->results[i], 0) == NULL)
      return -1;
    if (ferry_multi_add_handle(r->m, r->f[i].e) != FERRYM_OK)
      return -1;
  }
  return 0;
}

static void mode_harvest(mode_run *r) {
  ferry_msg *msg;
  while ((msg = ferry_multi_info_read(r->m, NULL)) != NULL) {
    ferry_code *slot = NULL;
    ferry_easy_getinfo(msg->easy_handle, FERRYINFO_PRIVATE, &slot);
    *slot = msg->data.result;
    r->done++;
  }
}

/* Every transfer OK with its body; connections counted on both sides. */
static int mode_check_and_free(mode_run *r, tlsserver *s) {
  long conns = 0;
  for (int i = 0; i < N_MODE_XFERS; i++) {
    if (r->results[i] != FERRYE_OK)
      fprintf(stderr, "  transfer %d: %d %s\n", i, (int)r->results[i],
              r->f[i].err);
    ASSERT_EQ(r->results[i], FERRYE_OK);
    ASSERT_MEM_EQ(r->f[i].body.data, r->f[i].body.len, "hello");
    conns += info_long(r->f[i].e, FERRYINFO_NUM_CONNECTS);
    ASSERT_EQ(ferry_multi_remove_handle(r->m, r->f[i].e), FERRYM_OK);
    fetch_free(&r->f[i]);
  }
  ASSERT_EQ(conns, (long)tlsserver_get(s, TLSSRV_CONNECTIONS));
  ASSERT_EQ(tlsserver_get(s, TLSSRV_HANDSHAKES), (unsigned)conns);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_REQUESTS), N_MODE_XFERS);
  return 0;
}

static int mode_closed;
static void on_mode_closed(ferry_multi *m, void *arg) {
  (void)m;
  (void)arg;
  mode_closed = 1;
}

static void on_mode_notify(ferry_multi *m, unsigned int what, ferry_easy *e,
                           void *arg) {
  (void)what;
  (void)e;
  (void)m;
  mode_harvest(arg);
}

TEST_IMPL(https_twenty_transfers_in_uv_mode) {
  mode_run r;
  tlsserver *s;

  ASSERT_EQ(make_certs(), 0);
  s = start_default();
  ASSERT_NOT_NULL(s);
  memset(&r, 0, sizeof(r));
  ASSERT_EQ(uv_loop_init(&r.loop), 0);
  r.m = ferry_multi_init();
  ASSERT_EQ(ferry_multi_use_loop(r.m, &r.loop), FERRYM_OK);
  ferry_multi_setopt(r.m, FERRYMOPT_NOTIFYFUNCTION, on_mode_notify);
  ferry_multi_notify_enable(r.m, FERRYMNOTIFY_INFO_READ);
  ferry_multi_setopt(r.m, FERRYMOPT_NOTIFYDATA, &r);
  ASSERT_EQ(mode_add_all(&r, s), 0);
  ASSERT_EQ(uv_run(&r.loop, UV_RUN_DEFAULT), 0);
  ASSERT_EQ(r.done, N_MODE_XFERS);
  if (mode_check_and_free(&r, s))
    return 1;
  mode_closed = 0;
  ASSERT_EQ(ferry_multi_close(r.m, on_mode_closed, NULL), FERRYM_OK);
  ASSERT_EQ(uv_run(&r.loop, UV_RUN_DEFAULT), 0);
  ASSERT_EQ(mode_closed, 1);
  MAKE_LOOP_HAPPY(&r.loop);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

typedef struct app_sock {
  uv_poll_t poll;
  mode_run *r;
  int fd;
} app_sock;

static void app_on_poll(uv_poll_t *p, int status, int events) {
  app_sock *as = p->data;
  int flags = status < 0 ? FERRY_CSELECT_ERR : 0, running;
  if (events & UV_READABLE)
    flags |= FERRY_CSELECT_IN;
  if (events & UV_WRITABLE)
    flags |= FERRY_CSELECT_OUT;
  ferry_multi_socket_action(as->r->m, as->fd, flags, &running);
  mode_harvest(as->r);
}

static void app_sock_closed(uv_handle_t *h) { free(h->data); }

static int app_socket_cb(ferry_easy *e, ferry_socket_t fd, int what, void *ud,
                         void *socketp) {
  mode_run *r = ud;
  app_sock *as = socketp;
  (void)e;
  if (what == FERRY_POLL_REMOVE) {
    if (as) {
      uv_poll_stop(&as->poll);
      uv_close((uv_handle_t *)&as->poll, app_sock_closed);
      ferry_multi_assign(r->m, fd, NULL);
      r->app_sockets--;
    }
    return 0;
  }
  if (as == NULL) {
    as = calloc(1, sizeof(*as));
    as->r = r;
    as->fd = fd;
    uv_poll_init_socket(&r->loop, &as->poll, fd);
    as->poll.data = as;
    ferry_multi_assign(r->m, fd, as);
    r->app_sockets++;
  }
  uv_poll_start(&as->poll,
                ((what & FERRY_POLL_IN) ? UV_READABLE : 0) |
                    ((what & FERRY_POLL_OUT) ? UV_WRITABLE : 0),
                app_on_poll);
  return 0;
}

static void app_on_timer(uv_timer_t *t) {
  mode_run *r = t->data;
  int running;
  ferry_multi_socket_action(r->m, FERRY_SOCKET_TIMEOUT, 0, &running);
  mode_harvest(r);
}

static int app_timer_cb(ferry_multi *m, long ms, void *ud) {
  mode_run *r = ud;
  (void)m;
  if (ms < 0)
    uv_timer_stop(&r->timer);
  else
    uv_timer_start(&r->timer, app_on_timer, (uint64_t)ms, 0);
  return 0;
}

TEST_IMPL(https_twenty_transfers_in_socket_action_mode) {
  mode_run r;
  tlsserver *s;
  uint64_t deadline;

  ASSERT_EQ(make_certs(), 0);
  s = start_default();
  ASSERT_NOT_NULL(s);
  memset(&r, 0, sizeof(r));
  ASSERT_EQ(uv_loop_init(&r.loop), 0);
  uv_timer_init(&r.loop, &r.timer);
  r.timer.data = &r;
  r.m = ferry_multi_init();
  ferry_multi_setopt(r.m, FERRYMOPT_SOCKETFUNCTION, app_socket_cb);
  ferry_multi_setopt(r.m, FERRYMOPT_SOCKETDATA, &r);
  ferry_multi_setopt(r.m, FERRYMOPT_TIMERFUNCTION, app_timer_cb);
  ferry_multi_setopt(r.m, FERRYMOPT_TIMERDATA, &r);
  ASSERT_EQ(mode_add_all(&r, s), 0);
  deadline = now_ms() + 30000;
  while (r.done < N_MODE_XFERS && now_ms() < deadline &&
         uv_run(&r.loop, UV_RUN_ONCE))
    ;
  ASSERT_EQ(r.done, N_MODE_XFERS);
  if (mode_check_and_free(&r, s))
    return 1;
  ASSERT_EQ(ferry_multi_cleanup(r.m), FERRYM_OK);
  ASSERT_EQ(r.app_sockets, 0); /* every socket was told REMOVE */
  uv_close((uv_handle_t *)&r.timer, NULL);
  MAKE_LOOP_HAPPY(&r.loop);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(https_twenty_transfers_in_perform_poll_mode) {
  mode_run r;
  tlsserver *s;
  int running = 1, rounds = 0;

  ASSERT_EQ(make_certs(), 0);
  s = start_default();
  ASSERT_NOT_NULL(s);
  memset(&r, 0, sizeof(r));
  r.m = ferry_multi_init();
  ASSERT_EQ(mode_add_all(&r, s), 0);
  while (running) {
    ASSERT_EQ(ferry_multi_perform(r.m, &running), FERRYM_OK);
    mode_harvest(&r);
    if (running)
      ASSERT_EQ(ferry_multi_poll(r.m, NULL, 0, 1000, NULL), FERRYM_OK);
    ASSERT_LE(++rounds, 2000); /* no busy loop */
  }
  ASSERT_EQ(r.done, N_MODE_XFERS);
  if (mode_check_and_free(&r, s))
    return 1;
  ASSERT_EQ(ferry_multi_cleanup(r.m), FERRYM_OK);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

/* -- tests: nginx ------------------------------------------------------------------------------- */

#define NGX_TOTAL 1000
#define NGX_FLIGHT 50
#define NGX_FILES 20
#define NGX_RECONNECTS 20

typedef struct ngx_slot {
  ferry_easy *e;
  unsigned seed;
  size_t size, got;
  int bad;
  char err[FERRY_ERROR_SIZE];
} ngx_slot;

typedef struct ngx_load {
  tnginx *ngx;
  ferry_multi *m;
  ngx_slot slots[NGX_FLIGHT];
  size_t sizes[NGX_FILES];
  unsigned total, started, finished, failed, bad_bytes;
  long connects;
  unsigned resumed; /* "(resumed)" trace lines */
  int fresh;        /* second batch: FRESH_CONNECT and FORBID_REUSE */
} ngx_load;

static size_t ngx_write(char *p, size_t size, size_t n, void *ud) {
  ngx_slot *s = ud;
  size_t len = size * n;
  if (s->got + len > s->size ||
      tnginx_check_bytes(s->seed, s->got, p, len) != len)
    s->bad = 1;
  s->got += len;
  return len;
}

static int ngx_debug(ferry_easy *e, ferry_infotype type, char *data,
                     size_t len, void *userp) {
  ngx_load *L = userp;
  (void)e;
  if (type == FERRYINFO_TEXT && len >= 9 && memmem(data, len, "(resumed)", 9))
    L->resumed++;
  return 0;
}

static void ngx_start_slot(ngx_load *L, ngx_slot *s) {
  char url[128];
  unsigned file = L->started % NGX_FILES;
  snprintf(url, sizeof(url), "https://localhost:%d/f%u.bin",
           tnginx_tls_port(L->ngx), file);
  s->seed = file + 1;
  s->size = L->sizes[file];
  s->got = 0;
  s->bad = 0;
  ferry_easy_setopt(s->e, FERRYOPT_URL, url);
  ferry_easy_setopt(s->e, FERRYOPT_FRESH_CONNECT, (long)L->fresh);
  ferry_easy_setopt(s->e, FERRYOPT_FORBID_REUSE, (long)L->fresh);
  L->started++;
  ferry_multi_add_handle(L->m, s->e);
}

static void ngx_harvest(ngx_load *L) {
  ferry_msg *msg;
  while ((msg = ferry_multi_info_read(L->m, NULL)) != NULL) {
    ngx_slot *s = NULL;
    long code = 0, nconn = 0;
    ferry_easy_getinfo(msg->easy_handle, FERRYINFO_PRIVATE, &s);
    ferry_easy_getinfo(s->e, FERRYINFO_RESPONSE_CODE, &code);
    ferry_easy_getinfo(s->e, FERRYINFO_NUM_CONNECTS, &nconn);
    L->connects += nconn;
    L->finished++;
    if (msg->data.result != FERRYE_OK || code != 200) {
      if (L->failed++ < 5)
        fprintf(stderr, "  transfer failed: %d %ld %s\n",
                (int)msg->data.result, code, s->err);
    }
    if (s->bad || s->got != s->size)
      L->bad_bytes++;
    ferry_multi_remove_handle(L->m, s->e);
    if (L->started < L->total)
      ngx_start_slot(L, s);
  }
}

static void ngx_notify(ferry_multi *m, unsigned int what, ferry_easy *e,
                       void *ud) {
  (void)what;
  (void)e;
  (void)m;
  ngx_harvest(ud);
}

static int ngx_closed;
static void on_ngx_closed(ferry_multi *m, void *arg) {
  (void)m;
  (void)arg;
  ngx_closed = 1;
}

TEST_IMPL(https_nginx_thousand_transfers_fifty_in_flight_reuse_and_resume) {
  tnginx_opts opts;
  ngx_load L;
  uv_loop_t loop;
  unsigned flight;

  ASSERT_EQ(make_certs(), 0);
  memset(&L, 0, sizeof(L));
  memset(&opts, 0, sizeof(opts));
  opts.tls = 1;
  opts.tls_cert = certs.server;
  opts.tls_key = certs.server_key;
  L.ngx = tnginx_start(&opts);
  ASSERT_NOT_NULL(L.ngx);
  for (int i = 0; i < NGX_FILES; i++) {
    char name[32];
    L.sizes[i] = (size_t)(i * 7919 + 1) * (i % 3 == 0 ? 17 : 1) % 200000 + 64;
    snprintf(name, sizeof(name), "f%d.bin", i);
    ASSERT_EQ(tnginx_write_file(L.ngx, name, L.sizes[i], (unsigned)i + 1), 0);
  }
  ASSERT_EQ(uv_loop_init(&loop), 0);
  L.m = ferry_multi_init();
  ASSERT_NOT_NULL(L.m);
  ASSERT_EQ(ferry_multi_use_loop(L.m, &loop), FERRYM_OK);
  ferry_multi_setopt(L.m, FERRYMOPT_NOTIFYFUNCTION, ngx_notify);
  ferry_multi_notify_enable(L.m, FERRYMNOTIFY_INFO_READ);
  ferry_multi_setopt(L.m, FERRYMOPT_NOTIFYDATA, &L);
  for (int i = 0; i < NGX_FLIGHT; i++) {
    ngx_slot *s = &L.slots[i];
    s->e = ferry_easy_init();
    ASSERT_NOT_NULL(s->e);
    ferry_easy_setopt(s->e, FERRYOPT_WRITEFUNCTION, ngx_write);
    ferry_easy_setopt(s->e, FERRYOPT_WRITEDATA, s);
    ferry_easy_setopt(s->e, FERRYOPT_PRIVATE, s);
    ferry_easy_setopt(s->e, FERRYOPT_CAINFO, certs.ca);
    ferry_easy_setopt(s->e, FERRYOPT_ERRORBUFFER, s->err);
    ferry_easy_setopt(s->e, FERRYOPT_TIMEOUT_MS, 60000L);
    ferry_easy_setopt(s->e, FERRYOPT_VERBOSE, 1L);
    ferry_easy_setopt(s->e, FERRYOPT_DEBUGFUNCTION, ngx_debug);
    ferry_easy_setopt(s->e, FERRYOPT_DEBUGDATA, &L);
  }

  /* 1,000 transfers, 50 in flight: every byte checked, connections kept */
  L.total = NGX_TOTAL;
  for (int i = 0; i < NGX_FLIGHT; i++)
    ngx_start_slot(&L, &L.slots[i]);
  ASSERT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
  ASSERT_EQ(L.finished, NGX_TOTAL);
  ASSERT_EQ(L.failed, 0);
  ASSERT_EQ(L.bad_bytes, 0);
  ASSERT_GE(L.connects, 1);
  ASSERT_LE(L.connects, NGX_FLIGHT);
  /* a resumed handshake is one on a new connection */
  ASSERT_LE(L.resumed, (unsigned)L.connects);

  /* 20 more, each on a new connection that is closed after it: every one
   * resumes a session the first batch stored */
  L.total += NGX_RECONNECTS;
  L.fresh = 1;
  L.connects = 0;
  L.resumed = 0;
  flight = NGX_RECONNECTS / 4;
  for (unsigned i = 0; i < flight; i++)
    ngx_start_slot(&L, &L.slots[i]);
  ASSERT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
  ASSERT_EQ(L.finished, NGX_TOTAL + NGX_RECONNECTS);
  ASSERT_EQ(L.failed, 0);
  ASSERT_EQ(L.bad_bytes, 0);
  ASSERT_EQ(L.connects, NGX_RECONNECTS);
  ASSERT_EQ(L.resumed, NGX_RECONNECTS);

  ngx_closed = 0;
  ASSERT_EQ(ferry_multi_close(L.m, on_ngx_closed, NULL), FERRYM_OK);
  uv_run(&loop, UV_RUN_DEFAULT);
  ASSERT_EQ(ngx_closed, 1);
  for (int i = 0; i < NGX_FLIGHT; i++)
    ferry_easy_cleanup(L.slots[i].e);
  MAKE_LOOP_HAPPY(&loop);
  ASSERT_EQ(tnginx_stop(L.ngx), 0);
  return 0;
}

/* -- tests: allocation failure ------------------------------------------------------------------- */

static long oom_count, oom_fail_at;

static int oom_should_fail(void) {
  oom_count++;
  return oom_fail_at != 0 && oom_count == oom_fail_at;
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

/* One https easy_perform, its handle made and freed inside. */
static ferry_code oom_scenario(tlsserver *s, char *err) {
  ferry_easy *e;
  sink body = {0};
  ferry_code rc;

  err[0] = '\0';
  e = ferry_easy_init();
  if (e == NULL)
    return FERRYE_OUT_OF_MEMORY;
  if (ferry_easy_setopt(e, FERRYOPT_URL, https_url(s, "localhost")) != FERRYE_OK ||
      ferry_easy_setopt(e, FERRYOPT_CAINFO, certs.ca) != FERRYE_OK) {
    ferry_easy_cleanup(e);
    return FERRYE_OUT_OF_MEMORY;
  }
  ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, sink_write);
  ferry_easy_setopt(e, FERRYOPT_WRITEDATA, &body);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, XFER_TIMEOUT_MS);
  rc = ferry_easy_perform(e);
  if (rc == FERRYE_OK && (body.len != 5 || memcmp(body.data, "hello", 5) != 0))
    rc = FERRYE_LAST; /* a successful run must deliver the body */
  ferry_easy_cleanup(e);
  sink_free(&body);
  return rc;
}

TEST_IMPL(https_oom_each_allocation_of_easy_perform_fails_cleanly) {
  char err[FERRY_ERROR_SIZE];
  long total, oom_results = 0;
  tlsserver *s;
  ferry_code rc;

  ASSERT_EQ(make_certs(), 0);
  s = start_default();
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(ferry_global_init_mem(FERRY_GLOBAL_ALL, oom_malloc, oom_free,
                                  oom_realloc, oom_strdup, oom_calloc),
            FERRYE_OK);
  oom_count = oom_fail_at = 0;
  ASSERT_EQ(oom_scenario(s, err), FERRYE_OK);
  total = oom_count;
  ASSERT_GE(total, 10);
  for (long i = 1; i <= total; i++) {
    oom_count = 0;
    oom_fail_at = i;
    rc = oom_scenario(s, err);
    /* OK when the failure was harmless, else OUT_OF_MEMORY: nothing in
     * this transfer may turn an allocation failure into another code */
    if (rc != FERRYE_OK && rc != FERRYE_OUT_OF_MEMORY) {
      fprintf(stderr, "  failing allocation %ld of %ld gave %d (%s): %s\n", i,
              total, (int)rc, ferry_easy_strerror(rc), err);
      return 1;
    }
    oom_results += rc == FERRYE_OUT_OF_MEMORY;
  }
  oom_fail_at = 0;
  ASSERT_GE(oom_results * 2, total);
  ferry_global_cleanup();
  /* the server saw complete handshakes, never a hang */
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

/* An https origin redirecting to http://: the credentials of the https
 * hop are never sent in cleartext (the origin changes scheme and port),
 * whether they came from USERPWD or from the user's Authorization header. */
TEST_IMPL(https_to_http_redirect_sends_no_credentials_in_cleartext) {
  tserver *plain = tserver_start();
  tlsserver *s;
  fetch f;
  char resp[256], *req;
  size_t len;
  ferry_slist *hdrs = ferry_slist_append(NULL, "Authorization: Bearer tok");

  ASSERT_EQ(make_certs(), 0);
  tserver_respond_always(plain, FX_OK_HELLO, 0);
  snprintf(resp, sizeof(resp),
           "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:%d/plain\r\n"
           "Content-Length: 0\r\n\r\n",
           tserver_port(plain));
  s = start_server(certs.server, certs.server_key, TLSSRV_RESPOND, resp);
  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(fetch_easy(&f, https_url(s, "localhost"), FERRYOPT_USERPWD,
                             "user:secret", FERRYOPT_FOLLOWLOCATION, 1L, 0));
  ASSERT_EQ(ferry_easy_perform(f.e), FERRYE_OK);
  ASSERT_MEM_EQ(f.body.data, f.body.len, "hello");
  req = tserver_request(plain, 0, &len);
  ASSERT_NOT_NULL(req);
  ASSERT_NULL(strstr(req, "Authorization"));
  free(req);
  /* the same with the credentials in a custom header */
  ferry_easy_setopt(f.e, FERRYOPT_USERPWD, NULL);
  ferry_easy_setopt(f.e, FERRYOPT_HTTPHEADER, hdrs);
  ASSERT_EQ(ferry_easy_perform(f.e), FERRYE_OK);
  req = tserver_request(plain, 1, &len);
  ASSERT_NOT_NULL(req);
  ASSERT_NULL(strstr(req, "Authorization"));
  ASSERT_NULL(strstr(req, "tok"));
  free(req);
  /* the https hops did carry them */
  req = tlsserver_received(s, 0, &len);
  ASSERT_NOT_NULL(strstr(req, "Authorization: Basic dXNlcjpzZWNyZXQ="));
  ASSERT_NOT_NULL(strstr(req, "Authorization: Bearer tok"));
  free(req);
  fetch_free(&f);
  ferry_slist_free_all(hdrs);
  ASSERT_EQ(tlsserver_stop(s), 0);
  ASSERT_EQ(tserver_stop(plain), 0);
  return 0;
}

/* ---- https through an http:// proxy: always a CONNECT tunnel ---- */

/* A minimal CONNECT proxy for one connection: reads the CONNECT request,
 * connects to the named 127.0.0.1 port, answers 200 and relays bytes both
 * ways until either side closes. Records the CONNECT line. */
typedef struct relay {
  int lfd, port;
  char connect_line[256];
  uv_thread_t th;
} relay;

static void relay_run(void *arg) {
  relay *r = arg;
  char buf[16384];
  size_t have = 0;
  int c = accept(r->lfd, NULL, NULL), t = -1, port = 0;
  struct sockaddr_in sa;
  struct pollfd p[2];

  if (c < 0)
    return;
  while (have < sizeof(buf) - 1) {
    ssize_t n = recv(c, buf + have, sizeof(buf) - 1 - have, 0);
    if (n <= 0)
      goto out;
    have += (size_t)n;
    buf[have] = '\0';
    if (strstr(buf, "\r\n\r\n"))
      break;
  }
  snprintf(r->connect_line, sizeof(r->connect_line), "%.*s",
           (int)strcspn(buf, "\r"), buf);
  {
    const char *colon = strrchr(r->connect_line, ':');
    port = colon ? atoi(colon + 1) : 0;
  }
  t = socket(AF_INET, SOCK_STREAM, 0);
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons((uint16_t)port);
  if (connect(t, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    send(c, "HTTP/1.1 502 Bad Gateway\r\n\r\n", 28, MSG_NOSIGNAL);
    goto out;
  }
  send(c, "HTTP/1.1 200 Connection established\r\n\r\n", 39, MSG_NOSIGNAL);
  p[0].fd = c;
  p[1].fd = t;
  p[0].events = p[1].events = POLLIN;
  while (poll(p, 2, 10000) > 0) {
    for (int i = 0; i < 2; i++) {
      if (p[i].revents) {
        ssize_t n = recv(p[i].fd, buf, sizeof(buf), 0);
        if (n <= 0 || send(p[1 - i].fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
          goto out;
      }
    }
  }
out:
  if (t >= 0)
    close(t);
  close(c);
}

static int relay_start(relay *r) {
  struct sockaddr_in sa;
  socklen_t len = sizeof(sa);
  memset(r, 0, sizeof(*r));
  r->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(r->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
      listen(r->lfd, 4) != 0 ||
      getsockname(r->lfd, (struct sockaddr *)&sa, &len) != 0)
    return -1;
  r->port = ntohs(sa.sin_port);
  return uv_thread_create(&r->th, relay_run, r);
}

TEST_IMPL(https_through_an_http_proxy_tunnels_and_verifies_the_origin) {
  relay r;
  tlsserver *s;
  fetch f;
  char proxy[64], *req;
  size_t len;
  long cc = 0;

  ASSERT_EQ(make_certs(), 0);
  s = start_default();
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(relay_start(&r), 0);
  snprintf(proxy, sizeof(proxy), "127.0.0.1:%d", r.port); /* no scheme: http */
  /* no HTTPPROXYTUNNEL: an https URL always tunnels */
  ASSERT_NOT_NULL(fetch_easy(&f, https_url(s, "localhost"), FERRYOPT_PROXY,
                             proxy, FERRYOPT_PROXYUSERPWD, "pu:pp", 0));
  ASSERT_EQ(ferry_easy_perform(f.e), FERRYE_OK);
  ASSERT_MEM_EQ(f.body.data, f.body.len, "hello");
  ASSERT_EQ(ferry_easy_getinfo(f.e, FERRYINFO_HTTP_CONNECTCODE, &cc), FERRYE_OK);
  ASSERT_EQ(cc, 200);
  fetch_free(&f);
  ASSERT_EQ(uv_thread_join(&r.th), 0);
  {
    char want[128];
    snprintf(want, sizeof(want), "CONNECT localhost:%d HTTP/1.1",
             tlsserver_port(s));
    ASSERT_STR_EQ(r.connect_line, want);
  }
  /* the origin saw TLS with SNI "localhost" and the plain request inside */
  req = tlsserver_sni(s, 0, NULL);
  ASSERT_STR_EQ(req, "localhost");
  free(req);
  req = tlsserver_received(s, 0, &len);
  ASSERT(strncmp(req, "GET / HTTP/1.1\r\n", 16) == 0);
  ASSERT_NULL(strstr(req, "Proxy-Authorization")); /* never to the origin */
  free(req);
  close(r.lfd);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

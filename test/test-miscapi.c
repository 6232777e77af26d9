/* The rest of libcurl's small API, through the public functions and, for
 * transfers, against the scripted servers (server.h, tlsserver.h): the
 * version and backend functions, the options ordinary programs set
 * (PROGRESSFUNCTION, DEFAULT_PROTOCOL, REQUEST_TARGET, CA_CACHE_TIMEOUT,
 * SSLCERTTYPE/SSLKEYTYPE, SSL_SESSIONID_CACHE, ADDRESS_SCOPE, QUICK_EXIT,
 * SERVER_RESPONSE_TIMEOUT, FOLLOWLOCATION's modes), TLS session export and
 * import, the infos, and COOKIELIST's expiry. NETRC is in test-netrc.c.
 *
 * A libcurl-style program is also compiled at test time with the
 * uninstalled ferry-curl pkg-config module (as test-compat.c does) and
 * run: it uses CURL_IGNORE_DEPRECATION, CURL_AT_LEAST_VERSION and
 * curl_version_info the way real programs do. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>
#include <zlib.h>
#include <nghttp2/nghttp2.h>

#include "certs.h"
#include "fx.h"
#include "proc.h"
#include "test.h"
#include "tlsserver.h"

#include <curl/curl.h> /* the libcurl names, where a test is about them */

#define XFER_TIMEOUT_MS 15000L
#define CHILD_TIMEOUT_MS 60000u

/* ---- helpers ----------------------------------------------------------- */

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

/* The idx-th request srv framed is exactly want. */
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
    const char *h_ = (hay), *n_ = (needle);                                   \
    if (h_ == NULL || strstr(h_, n_) == NULL)                                 \
      TEST_FAIL_("\"%s\" lacks \"%s\"", h_ ? h_ : "(null)", n_);              \
  } while (0)

static long info_long(ferry_easy *e, ferry_info what) {
  long v = -99;
  if (ferry_easy_getinfo(e, what, &v) != FERRYE_OK)
    return -98;
  return v;
}

static ferry_off_t info_off(ferry_easy *e, ferry_info what) {
  ferry_off_t v = -99;
  if (ferry_easy_getinfo(e, what, &v) != FERRYE_OK)
    return -98;
  return v;
}

static const char *info_str(ferry_easy *e, ferry_info what) {
  char *v = NULL;
  if (ferry_easy_getinfo(e, what, &v) != FERRYE_OK)
    return "(error)";
  return v ? v : "(null)";
}

#define GET_REQ(target, host)                                                 \
  f("GET %s HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n\r\n", (target), (host))

static const char *hostport(tserver *s) {
  return f("127.0.0.1:%d", tserver_port(s));
}

/* One set of certificates per test process (each test runs in a child). */
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

static tlsserver *start_tls(int tickets, const char *client_ca) {
  tlsserver_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.cert = certs.server;
  cfg.key = certs.server_key;
  cfg.mode = TLSSRV_RESPOND;
  cfg.tickets = tickets;
  cfg.client_ca = client_ca;
  return tlsserver_start(&cfg);
}

static const char *https_url(tlsserver *s) {
  return f("https://127.0.0.1:%d/", tlsserver_port(s));
}

/* An https handle for s, verifying with the test CA. */
static ferry_easy *tls_easy(tlsserver *s, sink *body) {
  ferry_easy *e = fx_easy(https_url(s), body, NULL);
  if (e == NULL)
    return NULL;
  ferry_easy_setopt(e, FERRYOPT_CAINFO, certs.ca);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, XFER_TIMEOUT_MS);
  return e;
}

static int copy_file(const char *from, const char *to) {
  size_t len;
  char *bytes = tcerts_read(from, &len);
  FILE *out = fopen(to, "wb");
  int rc = bytes && out && fwrite(bytes, 1, len, out) == len ? 0 : -1;
  if (out && fclose(out) != 0)
    rc = -1;
  free(bytes);
  return rc;
}

/* ---- version and backend ----------------------------------------------- */

TEST_IMPL(misc_version_info_fills_every_field_of_libcurls_newest_struct) {
  curl_version_info_data *d = curl_version_info(CURLVERSION_NOW);
  static const char *const want_features[] = {
      "AsynchDNS", "HSTS", "HTTP2", "IPv6", "Largefile", "libz", "SSL",
      "SSLS-EXPORT", "UnixSockets", NULL};
  const char *v;
  size_t i;

  ASSERT_NOT_NULL(d);
  ASSERT_EQ(CURLVERSION_NOW, CURLVERSION_TWELFTH);
  ASSERT_EQ(CURLVERSION_TWELFTH, 11); /* libcurl's number */
  ASSERT_EQ(d->age, CURLVERSION_TWELFTH);
  /* the libcurl API level, as the header says it */
  ASSERT_STR_EQ(d->version, LIBCURL_VERSION);
  ASSERT_EQ(d->version_num, LIBCURL_VERSION_NUM);
  ASSERT_STR_EQ(LIBCURL_VERSION, "8.17.0");
  ASSERT_EQ(LIBCURL_VERSION_NUM, 0x081100);
  ASSERT_EQ(LIBCURL_VERSION_MAJOR, 8);
  ASSERT_EQ(LIBCURL_VERSION_MINOR, 17);
  ASSERT_EQ(LIBCURL_VERSION_PATCH, 0);
  ASSERT_EQ(CURL_VERSION_BITS(8, 17, 0), 0x081100);
  ASSERT(CURL_AT_LEAST_VERSION(8, 17, 0));
  ASSERT(!CURL_AT_LEAST_VERSION(8, 18, 0));
  ASSERT_NOT_NULL(d->host);
  ASSERT(strcmp(d->host, "unknown") != 0 && strlen(d->host) > 3);
  /* exactly the features ferry has (global init is not thread-safe) */
  ASSERT_EQ(d->features, CURL_VERSION_ASYNCHDNS | CURL_VERSION_HSTS |
                             CURL_VERSION_HTTP2 | CURL_VERSION_IPV6 | CURL_VERSION_LARGEFILE |
                             CURL_VERSION_LIBZ | CURL_VERSION_SSL |
                             CURL_VERSION_UNIX_SOCKETS);
  for (i = 0; want_features[i]; i++) {
    ASSERT_NOT_NULL(d->feature_names[i]);
    ASSERT_STR_EQ(d->feature_names[i], want_features[i]);
  }
  ASSERT_NULL(d->feature_names[i]);
  ASSERT(strncmp(d->ssl_version, "mbedTLS/2.28.", 13) == 0);
  ASSERT_EQ(d->ssl_version_num, 0);
  ASSERT_STR_EQ(d->libz_version, zlibVersion());
  ASSERT_STR_EQ(d->protocols[0], "http");
  ASSERT_STR_EQ(d->protocols[1], "https");
  ASSERT_STR_EQ(d->protocols[2], "ws");
  ASSERT_STR_EQ(d->protocols[3], "wss");
  ASSERT_NULL(d->protocols[4]);
  /* what ferry has none of */
  ASSERT_NULL(d->ares);
  ASSERT_EQ(d->ares_num, 0);
  ASSERT_NULL(d->libidn);
  ASSERT_EQ(d->iconv_ver_num, 0);
  ASSERT_NULL(d->libssh_version);
  ASSERT_EQ(d->brotli_ver_num, 0);
  ASSERT_NULL(d->brotli_version);
  /* nghttp2, as ferry was built with it */
  ASSERT_STR_EQ(d->nghttp2_version, NGHTTP2_VERSION);
  ASSERT_EQ(d->nghttp2_ver_num, NGHTTP2_VERSION_NUM);
  ASSERT_NULL(d->quic_version);
  ASSERT_NULL(d->capath);
  ASSERT_EQ(d->zstd_ver_num, 0);
  ASSERT_NULL(d->zstd_version);
  ASSERT_NULL(d->hyper_version);
  ASSERT_NULL(d->gsasl_version);
  ASSERT_NULL(d->rtmp_version);
  /* the CA bundle a transfer without CAINFO reads */
  ASSERT_NOT_NULL(d->cainfo);
  ASSERT_EQ(d->cainfo[0], '/');
  /* the same static struct every time, whatever age is asked */
  ASSERT(curl_version_info(CURLVERSION_FIRST) == d);
  v = curl_version();
  ASSERT_NOT_NULL(v);
  ASSERT(strncmp(v, "ferry/" FERRY_VERSION_STRING " libcurl/8.17.0 mbedTLS/2.28.",
                 strlen("ferry/" FERRY_VERSION_STRING " libcurl/8.17.0 mbedTLS/2.28.")) == 0);
  ASSERT_HAS(v, f(" zlib/%s ", zlibVersion()));
  ASSERT_HAS(v, f(" nghttp2/%s ", NGHTTP2_VERSION));
  ASSERT_HAS(v, f(" libuv/%s ", uv_version_string()));
  ASSERT_HAS(v, " llhttp/");
  ASSERT(v == curl_version());
  return 0;
}

TEST_IMPL(misc_global_sslset_picks_mbedtls_by_id_or_name_and_lists_it) {
  const curl_ssl_backend **avail = NULL;

  ASSERT_EQ(CURLSSLBACKEND_MBEDTLS, 11); /* libcurl's numbers */
  ASSERT_EQ(CURLSSLSET_UNKNOWN_BACKEND, 1);
  /* neither an id nor a name: unknown, with the list */
  ASSERT_EQ(curl_global_sslset(CURLSSLBACKEND_NONE, NULL, &avail),
            CURLSSLSET_UNKNOWN_BACKEND);
  ASSERT_NOT_NULL(avail);
  ASSERT_NOT_NULL(avail[0]);
  ASSERT_EQ(avail[0]->id, CURLSSLBACKEND_MBEDTLS);
  ASSERT_STR_EQ(avail[0]->name, "mbedTLS");
  ASSERT_NULL(avail[1]);
  /* by id, by name in any case, before and after global init */
  avail = NULL;
  ASSERT_EQ(curl_global_sslset(CURLSSLBACKEND_MBEDTLS, NULL, &avail),
            CURLSSLSET_OK);
  ASSERT_NOT_NULL(avail); /* the list is given on success too */
  ASSERT_EQ(curl_global_sslset(CURLSSLBACKEND_NONE, "MBEDTLS", NULL),
            CURLSSLSET_OK);
  ASSERT_EQ(curl_global_init(CURL_GLOBAL_ALL), CURLE_OK);
  ASSERT_EQ(curl_global_sslset(CURLSSLBACKEND_MBEDTLS, NULL, NULL),
            CURLSSLSET_OK);
  /* another backend is unknown; a matching name wins over the id, as in
   * libcurl built with one backend */
  ASSERT_EQ(curl_global_sslset(CURLSSLBACKEND_OPENSSL, NULL, NULL),
            CURLSSLSET_UNKNOWN_BACKEND);
  ASSERT_EQ(curl_global_sslset(CURLSSLBACKEND_NONE, "OpenSSL", NULL),
            CURLSSLSET_UNKNOWN_BACKEND);
  ASSERT_EQ(curl_global_sslset(CURLSSLBACKEND_BORINGSSL, "mbedtls", NULL),
            CURLSSLSET_OK);
  curl_global_cleanup();
  return 0;
}

static int count_text(ferry_easy *e, ferry_infotype type, char *data,
                      size_t len, void *userp) {
  (void)e;
  (void)data;
  (void)len;
  if (type == FERRYINFO_TEXT)
    (*(int *)userp)++;
  return 0;
}

TEST_IMPL(misc_global_trace_takes_any_config_and_changes_nothing) {
  static const char *const configs[] = {"all", "-all,+ssl,+tcp", "lib-ids",
                                        "", "no-such-component,+", NULL};
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  int before = 0, after = 0;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  for (int round = 0; round < 2; round++) {
    /* a new handle each round: the same work, on a new connection */
    e = fx_easy(fx_url(s, "/t"), &body, NULL);
    ferry_easy_setopt(e, FERRYOPT_VERBOSE, 1L);
    ferry_easy_setopt(e, FERRYOPT_DEBUGFUNCTION, count_text);
    ferry_easy_setopt(e, FERRYOPT_DEBUGDATA, round ? &after : &before);
    ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
    ferry_easy_cleanup(e);
    for (size_t i = 0; round == 0 && i < sizeof(configs) / sizeof(configs[0]);
         i++)
      ASSERT_EQ(curl_global_trace(configs[i]), CURLE_OK);
  }
  /* the same trace, in count of lines, whatever was configured */
  ASSERT_GE(before, 3);
  ASSERT_EQ(after, before);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(misc_url_strerror_gives_each_code_its_text) {
  static const struct {
    CURLUcode code;
    const char *text;
  } want[] = {
      {CURLUE_OK, "No error"},
      {CURLUE_BAD_HANDLE, "No URL handle was given"},
      {CURLUE_BAD_PARTPOINTER, "No pointer was given for the part"},
      {CURLUE_MALFORMED_INPUT, "The input is not a well-formed URL or part"},
      {CURLUE_BAD_PORT_NUMBER, "The port is not a number from 0 to 65535"},
      {CURLUE_UNSUPPORTED_SCHEME, "The URL scheme is not supported"},
      {CURLUE_URLDECODE, "Decoding the part gave a control character"},
      {CURLUE_OUT_OF_MEMORY, "Out of memory"},
      {CURLUE_USER_NOT_ALLOWED,
       "The URL has credentials where none are allowed"},
      {CURLUE_UNKNOWN_PART, "No such URL part"},
      {CURLUE_NO_SCHEME, "The URL has no scheme"},
      {CURLUE_NO_USER, "The URL has no user name"},
      {CURLUE_NO_PASSWORD, "The URL has no password"},
      {CURLUE_NO_OPTIONS, "The URL has no options"},
      {CURLUE_NO_HOST, "The URL has no host"},
      {CURLUE_NO_PORT, "The URL has no port"},
      {CURLUE_NO_QUERY, "The URL has no query"},
      {CURLUE_NO_FRAGMENT, "The URL has no fragment"},
      {CURLUE_NO_ZONEID, "The URL has no zone id"},
      {CURLUE_BAD_FILE_URL, "Bad file:// URL"},
      {CURLUE_BAD_FRAGMENT, "Bad fragment"},
      {CURLUE_BAD_HOSTNAME, "Bad host name"},
      {CURLUE_BAD_IPV6, "Bad IPv6 address"},
      {CURLUE_BAD_LOGIN, "Bad login part"},
      {CURLUE_BAD_PASSWORD, "Bad password"},
      {CURLUE_BAD_PATH, "Bad path"},
      {CURLUE_BAD_QUERY, "Bad query"},
      {CURLUE_BAD_SCHEME, "Bad scheme"},
      {CURLUE_BAD_SLASHES, "The scheme is not followed by two slashes"},
      {CURLUE_BAD_USER, "Bad user name"},
      {CURLUE_LACKS_IDN, "ferry cannot convert international domain names"},
      {CURLUE_TOO_LARGE, "A part is too large"},
  };
  size_t n = sizeof(want) / sizeof(want[0]);

  /* every code, in libcurl's numbering */
  ASSERT_EQ(n, CURLUE_LAST);
  for (size_t i = 0; i < n; i++) {
    ASSERT_EQ(want[i].code, i);
    ASSERT_STR_EQ(curl_url_strerror(want[i].code), want[i].text);
  }
  ASSERT_STR_EQ(curl_url_strerror(CURLUE_LAST), "Unknown URL API code");
  ASSERT_STR_EQ(curl_url_strerror((CURLUcode)-1), "Unknown URL API code");
  ASSERT_STR_EQ(curl_url_strerror((CURLUcode)999), "Unknown URL API code");
  /* and a real failure's code */
  {
    CURLU *u = curl_url();
    CURLUcode rc = curl_url_set(u, CURLUPART_URL, "http://h:99999/", 0);
    ASSERT_STR_EQ(curl_url_strerror(rc),
                  "The port is not a number from 0 to 65535");
    curl_url_cleanup(u);
  }
  return 0;
}

TEST_IMPL(misc_easy_upkeep_sends_nothing_and_keeps_the_connection) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  size_t before = 0, after = 0;
  char *got;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/u"), &body, NULL);
  ASSERT_EQ(curl_easy_upkeep(e), CURLE_OK); /* nothing there yet */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_UPKEEP_INTERVAL_MS, 10L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_UPKEEP_INTERVAL_MS, -1L),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  got = tserver_received(s, 0, &before);
  free(got);
  usleep(30 * 1000); /* past the interval */
  ASSERT_EQ(curl_easy_upkeep(e), CURLE_OK);
  usleep(30 * 1000);
  got = tserver_received(s, 0, &after);
  free(got);
  ASSERT_EQ(after, before); /* HTTP/1.1 has nothing to send */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_connections(s), 1); /* and the connection was kept */
  ASSERT_EQ(curl_easy_upkeep(NULL), CURLE_BAD_FUNCTION_ARGUMENT);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(misc_option_listing_has_every_option_of_libcurl_8_17) {
  const struct curl_easyoption *o = NULL, *p;
  unsigned rows = 0, aliases = 0, own = 0, refused = 0;

  while ((o = curl_easy_option_next(o)) != NULL) {
    rows++;
    if (o->flags & CURLOT_FLAG_ALIAS)
      aliases++;
    else if (o->id % 10000 >= 9000)
      own++;
    if (o->flags & FERRYOT_FLAG_NOT_BUILT_IN)
      refused++;
    /* by name finds it back; by id finds the row that is not an alias */
    ASSERT(curl_easy_option_by_name(o->name) == o);
    p = curl_easy_option_by_id(o->id);
    ASSERT_NOT_NULL(p);
    ASSERT_EQ(p->id, o->id);
    ASSERT_EQ(p->flags & CURLOT_FLAG_ALIAS, 0);
  }
  /* libcurl 8.17's easyoptions: 308 options and 15 older spellings; and
   * ferry's own three */
  ASSERT_EQ(rows - aliases - own, 308);
  ASSERT_EQ(aliases, 15);
  ASSERT_EQ(own, 3);
  ASSERT_GE(refused, 1);
  /* the newest ones, and names in any case */
  ASSERT_NOT_NULL(curl_easy_option_by_name("UPLOAD_FLAGS"));
  ASSERT_NOT_NULL(curl_easy_option_by_name("ssl_signature_algorithms"));
  /* the options this work made supported say so */
  ASSERT_EQ(curl_easy_option_by_name("PROGRESSFUNCTION")->flags, 0);
  ASSERT_EQ(curl_easy_option_by_id(CURLOPT_NETRC)->flags, 0);
  ASSERT_EQ(curl_easy_option_by_id(CURLOPT_QUICK_EXIT)->flags, 0);
  /* PROGRESSDATA is libcurl's alias of XFERINFODATA */
  p = curl_easy_option_by_name("PROGRESSDATA");
  ASSERT_NOT_NULL(p);
  ASSERT_EQ(p->id, CURLOPT_XFERINFODATA);
  ASSERT(p->flags & CURLOT_FLAG_ALIAS);
  ASSERT_STR_EQ(curl_easy_option_by_id(CURLOPT_XFERINFODATA)->name,
                "XFERINFODATA");
  /* what libcurl does not have is not found */
  ASSERT_NULL(curl_easy_option_by_name("NO_SUCH_OPTION"));
  ASSERT_NULL(curl_easy_option_by_name(NULL));
  ASSERT_NULL(curl_easy_option_by_id((CURLoption)9999));
  ASSERT_NULL(curl_easy_option_next((const struct curl_easyoption *)&rows));
  return 0;
}

/* ---- PROGRESSFUNCTION -------------------------------------------------- */

typedef struct progress_log {
  unsigned calls;
  double last[4];
  void *clientp;
  int ret;
} progress_log;

static int on_progress(void *clientp, double dltotal, double dlnow,
                       double ultotal, double ulnow) {
  progress_log *l = clientp;
  l->calls++;
  l->clientp = clientp;
  l->last[0] = dltotal;
  l->last[1] = dlnow;
  l->last[2] = ultotal;
  l->last[3] = ulnow;
  return l->ret;
}

static int on_xferinfo(void *clientp, ferry_off_t dltotal, ferry_off_t dlnow,
                       ferry_off_t ultotal, ferry_off_t ulnow) {
  progress_log *l = clientp;
  (void)dltotal;
  (void)dlnow;
  (void)ultotal;
  (void)ulnow;
  l->calls += 1000;
  return 0;
}

TEST_IMPL(progressfunction_gets_doubles_and_xferinfo_wins_when_both_are_set) {
  tserver *s = tserver_start();
  sink body = {0};
  progress_log log;
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/p"), &body, NULL);
  memset(&log, 0, sizeof(log));
  ferry_easy_setopt(e, FERRYOPT_POSTFIELDS, "abc");
  ASSERT_EQ(curl_easy_setopt(e, CURLOPT_PROGRESSFUNCTION, on_progress),
            CURLE_OK);
  ASSERT_EQ(curl_easy_setopt(e, CURLOPT_PROGRESSDATA, &log), CURLE_OK);
  /* NOPROGRESS is on by default: nothing is called */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(log.calls, 0);
  ferry_easy_setopt(e, FERRYOPT_NOPROGRESS, 0L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_GE(log.calls, 2);
  ASSERT(log.clientp == &log);
  /* the last call has the totals as they ended */
  ASSERT(log.last[0] == 5.0 && log.last[1] == 5.0);
  ASSERT(log.last[2] == 3.0 && log.last[3] == 3.0);
  /* non-zero aborts, CURL_PROGRESSFUNC_CONTINUE goes on */
  log.ret = CURL_PROGRESSFUNC_CONTINUE;
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  log.ret = 1;
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_ABORTED_BY_CALLBACK);
  /* with XFERINFOFUNCTION set too, only that one is called */
  log.ret = 0;
  log.calls = 0;
  ASSERT_EQ(curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_xferinfo),
            CURLE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_GE(log.calls, 2000);
  ASSERT_EQ(log.calls % 1000, 0);
  /* cleared again, the older one is back */
  log.calls = 0;
  curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, NULL);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_GE(log.calls, 2);
  ASSERT(log.calls < 1000);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- DEFAULT_PROTOCOL and REQUEST_TARGET ------------------------------- */

TEST_IMPL(default_protocol_gives_a_url_without_scheme_its_scheme) {
  tserver *s = tserver_start();
  char err[CURL_ERROR_SIZE];
  sink body = {0};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  ASSERT_EQ(make_certs(), 0);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(f("127.0.0.1:%d/x?q=1", tserver_port(s)), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_DEFAULT_PROTOCOL, "HTTP"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 0, GET_REQ("/x?q=1", hostport(s)));
  ASSERT_STR_EQ(info_str(e, FERRYINFO_EFFECTIVE_URL),
                f("http://127.0.0.1:%d/x?q=1", tserver_port(s)));
  ASSERT_STR_EQ(info_str(e, FERRYINFO_SCHEME), "http");
  /* another protocol fails at perform, naming it, as libcurl */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_DEFAULT_PROTOCOL, "ftp"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_UNSUPPORTED_PROTOCOL);
  ASSERT_STR_EQ(err, "Protocol \"ftp\" not supported or disabled in ferry");
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_DEFAULT_PROTOCOL, "nosuch"),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_UNSUPPORTED_PROTOCOL);
  ASSERT_STR_EQ(err, "Protocol \"nosuch\" not supported or disabled in ferry");
  /* "no such://..." is no URL at all: libcurl 7.88 says URL_MALFORMAT */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_DEFAULT_PROTOCOL, "no such"),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_URL_MALFORMAT);
  /* a URL with its own scheme keeps it */
  ferry_easy_setopt(e, FERRYOPT_DEFAULT_PROTOCOL, "https");
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/own"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 1, GET_REQ("/own", hostport(s)));
  /* NULL goes back to guessing (http) */
  ferry_easy_setopt(e, FERRYOPT_DEFAULT_PROTOCOL, NULL);
  ferry_easy_setopt(e, FERRYOPT_URL, f("127.0.0.1:%d/g", tserver_port(s)));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 2, GET_REQ("/g", hostport(s)));
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);

  /* https, to the TLS server */
  {
    tlsserver *t = start_tls(0, NULL);
    ASSERT_NOT_NULL(t);
    e = fx_easy(f("127.0.0.1:%d/", tlsserver_port(t)), &body, NULL);
    ferry_easy_setopt(e, FERRYOPT_CAINFO, certs.ca);
    ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, XFER_TIMEOUT_MS);
    ferry_easy_setopt(e, FERRYOPT_DEFAULT_PROTOCOL, "https");
    ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
    ASSERT_MEM_EQ(body.data, body.len, "hello");
    ASSERT_STR_EQ(info_str(e, FERRYINFO_SCHEME), "https");
    ASSERT_EQ(tlsserver_get(t, TLSSRV_HANDSHAKES), 1);
    ferry_easy_cleanup(e);
    sink_free(&body);
    ASSERT_EQ(tlsserver_stop(t), 0);
  }
  return 0;
}

TEST_IMPL(request_target_replaces_the_path_in_every_request) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/ignored?q=1"), &body, NULL);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_CUSTOMREQUEST, "OPTIONS"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_REQUEST_TARGET, "*"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 0,
             f("OPTIONS * HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n\r\n",
               hostport(s)));
  /* through a proxy it replaces the absolute URL too, as in libcurl */
  ferry_easy_setopt(e, FERRYOPT_CUSTOMREQUEST, NULL);
  ferry_easy_setopt(e, FERRYOPT_REQUEST_TARGET, "/over/there");
  ferry_easy_setopt(e, FERRYOPT_URL, "http://origin.test/a");
  ferry_easy_setopt(e, FERRYOPT_PROXY, f("http://%s", hostport(s)));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 1,
             "GET /over/there HTTP/1.1\r\nHost: origin.test\r\n"
             "Accept: */*\r\nProxy-Connection: Keep-Alive\r\n\r\n");
  ASSERT_EQ(info_long(e, FERRYINFO_USED_PROXY), 1);
  /* what would break the request line or start a header is refused */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_REQUEST_TARGET, "/a b"),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_REQUEST_TARGET, "/a\r\nX-Inj: 1"),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_REQUEST_TARGET, ""),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  /* NULL: the URL's path again */
  ferry_easy_setopt(e, FERRYOPT_PROXY, "");
  ferry_easy_setopt(e, FERRYOPT_REQUEST_TARGET, NULL);
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/back"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 2, GET_REQ("/back", hostport(s)));
  ASSERT_EQ(info_long(e, FERRYINFO_USED_PROXY), 0);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- FOLLOWLOCATION's modes -------------------------------------------- */

/* The request line of the idx-th request s framed, and whether it carried
 * the 3-byte body "abc". */
static const char *request_line(tserver *s, unsigned idx, int *has_body) {
  static char line[256];
  size_t len;
  char *req = tserver_request(s, idx, &len), *eol;

  *has_body = 0;
  if (req == NULL)
    return "(none)";
  eol = strstr(req, "\r\n");
  snprintf(line, sizeof(line), "%.*s", eol ? (int)(eol - req) : 0, req);
  *has_body = len > 3 && memcmp(req + len - 7, "\r\n\r\nabc", 7) == 0;
  free(req);
  return line;
}

/* Follow one redirect (status) with FOLLOWLOCATION mode, CUSTOMREQUEST
 * custom (may be NULL) and POSTFIELDS "abc" when post is set. The first
 * request's line must be want0, the second's want1 ("/next"), with the
 * body again when body1. */
static int follow_case(long mode, int status, const char *custom, int post,
                       const char *want0, const char *want1, int body1) {
  tserver *s = tserver_start();
  char redirect[256];
  ts_step steps[] = {FX_STEP_REQ, FX_STEP_SEND(redirect), FX_STEP_REQ,
                     FX_STEP_SEND(FX_OK_HELLO)};
  sink body = {0};
  ferry_easy *e;
  int has_body;

  ASSERT_NOT_NULL(s);
  snprintf(redirect, sizeof(redirect),
           "HTTP/1.1 %d Moved\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n",
           status);
  tserver_script(s, 0, FX_STEPS(steps));
  e = fx_easy(fx_url(s, "/first"), &body, NULL);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, mode), FERRYE_OK);
  if (custom)
    ferry_easy_setopt(e, FERRYOPT_CUSTOMREQUEST, custom);
  if (post)
    ferry_easy_setopt(e, FERRYOPT_POSTFIELDS, "abc");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_STR_EQ(request_line(s, 0, &has_body), want0);
  ASSERT_EQ(has_body, post);
  ASSERT_STR_EQ(request_line(s, 1, &has_body), want1);
  ASSERT_EQ(has_body, body1);
  ASSERT_STR_EQ(info_str(e, FERRYINFO_EFFECTIVE_METHOD),
                f("%.*s", (int)strcspn(want1, " "), want1));
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

#define FIRST(m) m " /first HTTP/1.1"
#define NEXT(m) m " /next HTTP/1.1"

TEST_IMPL(followlocation_modes_decide_a_custom_method_after_a_redirect) {
  /* 1 (CURLFOLLOW_ALL): the custom method stays, even where a 302 makes
   * the POST a GET without its body (libcurl's "Stick to POST") */
  ASSERT_EQ(follow_case(CURLFOLLOW_ALL, 302, "POST", 1, FIRST("POST"),
                        NEXT("POST"), 0), 0);
  ASSERT_EQ(follow_case(CURLFOLLOW_ALL, 302, "PUT", 1, FIRST("PUT"),
                        NEXT("PUT"), 0), 0);
  /* a custom method of a request without a body is no POST: kept */
  ASSERT_EQ(follow_case(CURLFOLLOW_ALL, 302, "DELETE", 0, FIRST("DELETE"),
                        NEXT("DELETE"), 0), 0);
  /* OBEYCODE: the switch to GET drops the custom method too */
  ASSERT_EQ(follow_case(CURLFOLLOW_OBEYCODE, 302, "POST", 1, FIRST("POST"),
                        NEXT("GET"), 0), 0);
  ASSERT_EQ(follow_case(CURLFOLLOW_OBEYCODE, 303, "PUT", 1, FIRST("PUT"),
                        NEXT("GET"), 0), 0);
  /* ... but a 307 keeps method and body */
  ASSERT_EQ(follow_case(CURLFOLLOW_OBEYCODE, 307, "PUT", 1, FIRST("PUT"),
                        NEXT("PUT"), 1), 0);
  /* FIRSTONLY: the custom method in the first request only */
  ASSERT_EQ(follow_case(CURLFOLLOW_FIRSTONLY, 307, "DELETE", 0,
                        FIRST("DELETE"), NEXT("GET"), 0), 0);
  ASSERT_EQ(follow_case(CURLFOLLOW_FIRSTONLY, 307, "PUT", 1, FIRST("PUT"),
                        NEXT("POST"), 1), 0);
  /* without a custom method the modes are the same: a POST's 302 is a
   * GET, its 307 a POST again */
  ASSERT_EQ(follow_case(CURLFOLLOW_OBEYCODE, 302, NULL, 1, FIRST("POST"),
                        NEXT("GET"), 0), 0);
  ASSERT_EQ(follow_case(CURLFOLLOW_FIRSTONLY, 307, NULL, 1, FIRST("POST"),
                        NEXT("POST"), 1), 0);
  /* other values are refused, as in libcurl 8.13 */
  {
    ferry_easy *e = ferry_easy_init();
    ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 4L),
              FERRYE_BAD_FUNCTION_ARGUMENT);
    ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, -1L),
              FERRYE_BAD_FUNCTION_ARGUMENT);
    ferry_easy_cleanup(e);
  }
  return 0;
}

/* ---- TLS: session cache, export and import, CA cache, certificate types */

/* Two https transfers on one handle (so one private multi), each on a
 * new connection; the server's resumption count after them. */
static int two_handshakes(tlsserver *t, long session_cache, unsigned *resumed) {
  sink body = {0};
  ferry_easy *e = tls_easy(t, &body);

  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_SSL_SESSIONID_CACHE, session_cache),
            FERRYE_OK);
  ferry_easy_setopt(e, FERRYOPT_FORBID_REUSE, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hellohello");
  ferry_easy_cleanup(e);
  sink_free(&body);
  *resumed = tlsserver_get(t, TLSSRV_RESUMED);
  return 0;
}

TEST_IMPL(ssl_sessionid_cache_0_turns_resumption_off) {
  for (int tickets = 0; tickets < 2; tickets++) {
    tlsserver *t;
    unsigned resumed = 99;

    ASSERT_EQ(make_certs(), 0);
    /* by default the second handshake resumes the first's session */
    t = start_tls(tickets, NULL);
    ASSERT_NOT_NULL(t);
    ASSERT_EQ(two_handshakes(t, 1, &resumed), 0);
    ASSERT_EQ(tlsserver_get(t, TLSSRV_HANDSHAKES), 2);
    ASSERT_EQ(resumed, 1);
    ASSERT_EQ(tlsserver_stop(t), 0);
    /* with SSL_SESSIONID_CACHE 0 it is a full handshake again */
    t = start_tls(tickets, NULL);
    ASSERT_NOT_NULL(t);
    ASSERT_EQ(two_handshakes(t, 0, &resumed), 0);
    ASSERT_EQ(tlsserver_get(t, TLSSRV_HANDSHAKES), 2);
    ASSERT_EQ(resumed, 0);
    ASSERT_EQ(tlsserver_stop(t), 0);
  }
  return 0;
}

typedef struct exported {
  unsigned count;
  char key[512];
  unsigned char shmac[64];
  size_t shmac_len;
  unsigned char sdata[65536];
  size_t sdata_len;
  curl_off_t valid_until;
  int tls_id;
  char alpn[32];
  size_t earlydata_max;
  CURL *handle;
} exported;

static CURLcode keep_session(CURL *handle, void *userptr,
                             const char *session_key,
                             const unsigned char *shmac, size_t shmac_len,
                             const unsigned char *sdata, size_t sdata_len,
                             curl_off_t valid_until, int ietf_tls_id,
                             const char *alpn, size_t earlydata_max) {
  exported *x = userptr;
  x->count++;
  x->handle = handle;
  snprintf(x->key, sizeof(x->key), "%s", session_key ? session_key : "");
  if (shmac_len > sizeof(x->shmac) || sdata_len > sizeof(x->sdata))
    return CURLE_TOO_LARGE;
  memcpy(x->shmac, shmac, shmac_len);
  x->shmac_len = shmac_len;
  memcpy(x->sdata, sdata, sdata_len);
  x->sdata_len = sdata_len;
  x->valid_until = valid_until;
  x->tls_id = ietf_tls_id;
  snprintf(x->alpn, sizeof(x->alpn), "%s", alpn ? alpn : "");
  x->earlydata_max = earlydata_max;
  return CURLE_OK;
}

static CURLcode refuse_session(CURL *handle, void *userptr,
                               const char *session_key,
                               const unsigned char *shmac, size_t shmac_len,
                               const unsigned char *sdata, size_t sdata_len,
                               curl_off_t valid_until, int ietf_tls_id,
                               const char *alpn, size_t earlydata_max) {
  (void)handle, (void)session_key, (void)shmac, (void)shmac_len;
  (void)sdata, (void)sdata_len, (void)valid_until, (void)ietf_tls_id;
  (void)alpn, (void)earlydata_max;
  (*(unsigned *)userptr)++;
  return CURLE_WRITE_ERROR;
}

/* Run e on multi m to its end. */
static CURLcode run_on(CURLM *m, CURL *e) {
  int running = 1;
  CURLMsg *msg;
  CURLcode rc = CURLE_RECV_ERROR;

  while (running) {
    if (curl_multi_perform(m, &running) != CURLM_OK)
      return CURLE_RECV_ERROR;
    if (running && curl_multi_poll(m, NULL, 0, 1000, NULL) != CURLM_OK)
      return CURLE_RECV_ERROR;
  }
  while ((msg = curl_multi_info_read(m, NULL)) != NULL)
    if (msg->easy_handle == e)
      rc = msg->data.result;
  return rc;
}

/* One transfer to t on a new multi, with the session imported first by
 * key (or, when key is NULL, by its salted hash); the server's resumption
 * count grows by one when it resumed. */
static int import_and_run(tlsserver *t, const exported *x, const char *key,
                          unsigned *resumed) {
  CURLM *m = curl_multi_init();
  sink body = {0};
  CURL *e = tls_easy(t, &body);
  unsigned before = tlsserver_get(t, TLSSRV_RESUMED);

  ASSERT_NOT_NULL(m);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(curl_multi_add_handle(m, e), CURLM_OK);
  ASSERT_EQ(curl_easy_ssls_import(e, key, x->shmac, x->shmac_len, x->sdata,
                                  x->sdata_len),
            CURLE_OK);
  ASSERT_EQ(run_on(m, e), CURLE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  *resumed = tlsserver_get(t, TLSSRV_RESUMED) - before;
  curl_multi_remove_handle(m, e);
  curl_easy_cleanup(e);
  curl_multi_cleanup(m);
  sink_free(&body);
  return 0;
}

TEST_IMPL(ssls_export_and_import_make_a_new_multi_resume) {
  for (int tickets = 0; tickets < 2; tickets++) {
    tlsserver *t;
    CURLM *m;
    CURL *e;
    sink body = {0};
    exported *x = calloc(1, sizeof(*x));
    unsigned resumed = 99, refused = 0;
    time_t now = time(NULL);

    ASSERT_NOT_NULL(x);
    ASSERT_EQ(make_certs(), 0);
    t = start_tls(tickets, NULL);
    ASSERT_NOT_NULL(t);
    /* nothing to export before a handshake */
    e = tls_easy(t, &body);
    ASSERT_EQ(curl_easy_ssls_export(e, keep_session, x), CURLE_OK);
    ASSERT_EQ(x->count, 0);
    ASSERT_EQ(curl_easy_ssls_export(e, NULL, x), CURLE_BAD_FUNCTION_ARGUMENT);
    /* a transfer on multi A stores its session there */
    m = curl_multi_init();
    ASSERT_EQ(curl_multi_add_handle(m, e), CURLM_OK);
    ASSERT_EQ(run_on(m, e), CURLE_OK);
    ASSERT_EQ(curl_easy_ssls_export(e, keep_session, x), CURLE_OK);
    ASSERT_EQ(x->count, 1);
    ASSERT(x->handle == e);
    ASSERT_EQ(strncmp(x->key, f("127.0.0.1:%d:mbedTLS/2.28.", tlsserver_port(t)),
                      strlen(f("127.0.0.1:%d:mbedTLS/2.28.",
                               tlsserver_port(t)))),
              0);
    ASSERT_EQ(x->shmac_len, 48);
    ASSERT_GE(x->sdata_len, 50);
    ASSERT_EQ(x->tls_id, 0x0303);
    ASSERT_STR_EQ(x->alpn, "http/1.1");
    ASSERT_EQ(x->earlydata_max, 0);
    ASSERT(x->valid_until > now && x->valid_until <= now + 86400 + 5);
    /* the export stops at the callback's error and returns it */
    ASSERT_EQ(curl_easy_ssls_export(e, refuse_session, &refused),
              CURLE_WRITE_ERROR);
    ASSERT_EQ(refused, 1);
    curl_multi_remove_handle(m, e);
    curl_easy_cleanup(e);
    curl_multi_cleanup(m);
    sink_free(&body);
    ASSERT_EQ(tlsserver_get(t, TLSSRV_RESUMED), 0);

    /* imported into a new multi by key, and by the salted hash alone: the
     * handshake resumes */
    ASSERT_EQ(import_and_run(t, x, x->key, &resumed), 0);
    ASSERT_EQ(resumed, 1);
    ASSERT_EQ(import_and_run(t, x, NULL, &resumed), 0);
    ASSERT_EQ(resumed, 1);
    /* a key for another port resumes nothing */
    {
      exported *y = calloc(1, sizeof(*y));
      *y = *x;
      snprintf(y->key, sizeof(y->key), "127.0.0.1:1%s",
               strchr(strchr(x->key, ':') + 1, ':'));
      ASSERT_EQ(import_and_run(t, y, y->key, &resumed), 0);
      ASSERT_EQ(resumed, 0);
      free(y);
    }
    /* an expired session is dropped without an error (libcurl's word) */
    {
      exported *y = calloc(1, sizeof(*y));
      *y = *x;
      memset(y->sdata + 4, 0, 8); /* valid_until 1970 */
      ASSERT_EQ(import_and_run(t, y, y->key, &resumed), 0);
      ASSERT_EQ(resumed, 0);
      free(y);
    }
    ASSERT_EQ(tlsserver_stop(t), 0);
    free(x);
  }
  return 0;
}

TEST_IMPL(ssls_import_refuses_what_is_not_a_session_and_easy_perform_uses_it) {
  tlsserver *t;
  sink body = {0};
  CURL *e;
  exported *x = calloc(1, sizeof(*x));
  unsigned char junk[64];
  unsigned before;

  ASSERT_NOT_NULL(x);
  ASSERT_EQ(make_certs(), 0);
  t = start_tls(0, NULL);
  ASSERT_NOT_NULL(t);
  /* an easy_perform handle exports its private multi's sessions */
  e = tls_easy(t, &body);
  ASSERT_EQ(curl_easy_perform(e), CURLE_OK);
  ASSERT_EQ(curl_easy_ssls_export(e, keep_session, x), CURLE_OK);
  ASSERT_EQ(x->count, 1);
  curl_easy_cleanup(e);
  sink_free(&body);

  e = tls_easy(t, &body);
  memset(junk, 'x', sizeof(junk));
  ASSERT_EQ(curl_easy_ssls_import(e, x->key, NULL, 0, junk, sizeof(junk)),
            CURLE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(curl_easy_ssls_import(e, x->key, NULL, 0, NULL, 0),
            CURLE_BAD_FUNCTION_ARGUMENT);
  /* no key and no 48-byte hash */
  ASSERT_EQ(curl_easy_ssls_import(e, NULL, x->shmac, 47, x->sdata,
                                  x->sdata_len),
            CURLE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(curl_easy_ssls_import(NULL, x->key, NULL, 0, x->sdata,
                                  x->sdata_len),
            CURLE_BAD_FUNCTION_ARGUMENT);
  /* a good one goes to the handle's private multi: its easy_perform
   * resumes */
  ASSERT_EQ(curl_easy_ssls_import(e, x->key, NULL, 0, x->sdata, x->sdata_len),
            CURLE_OK);
  before = tlsserver_get(t, TLSSRV_RESUMED);
  ASSERT_EQ(curl_easy_perform(e), CURLE_OK);
  ASSERT_EQ(tlsserver_get(t, TLSSRV_RESUMED), before + 1);
  curl_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tlsserver_stop(t), 0);

  /* a session made with a client certificate is not exported */
  t = start_tls(0, certs.ca);
  ASSERT_NOT_NULL(t);
  x->count = 0;
  e = tls_easy(t, &body);
  ferry_easy_setopt(e, FERRYOPT_SSLCERT, certs.client);
  ferry_easy_setopt(e, FERRYOPT_SSLKEY, certs.client_key);
  ASSERT_EQ(curl_easy_perform(e), CURLE_OK);
  ASSERT_EQ(tlsserver_get(t, TLSSRV_CLIENT_CERTS), 1);
  ASSERT_EQ(curl_easy_ssls_export(e, keep_session, x), CURLE_OK);
  ASSERT_EQ(x->count, 0);
  curl_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tlsserver_stop(t), 0);
  free(x);
  return 0;
}

/* Lock callbacks that count and note whether the session lock is held
 * when the export's callback runs. */
typedef struct share_locks {
  int held;          /* the SSL_SESSION lock */
  unsigned locks;    /* SSL_SESSION locks taken */
  unsigned cb_held;  /* export callbacks that ran under it */
  exported *x;
} share_locks;

static void lock_cb(CURL *h, curl_lock_data data, curl_lock_access access,
                    void *userptr) {
  share_locks *l = userptr;
  (void)h, (void)access;
  if (data == CURL_LOCK_DATA_SSL_SESSION) {
    l->held = 1;
    l->locks++;
  }
}

static void unlock_cb(CURL *h, curl_lock_data data, void *userptr) {
  share_locks *l = userptr;
  (void)h;
  if (data == CURL_LOCK_DATA_SSL_SESSION)
    l->held = 0;
}

static CURLcode keep_session_locked(CURL *handle, void *userptr,
                                    const char *session_key,
                                    const unsigned char *shmac,
                                    size_t shmac_len,
                                    const unsigned char *sdata,
                                    size_t sdata_len, curl_off_t valid_until,
                                    int ietf_tls_id, const char *alpn,
                                    size_t earlydata_max) {
  share_locks *l = userptr;
  if (l->held)
    l->cb_held++;
  return keep_session(handle, l->x, session_key, shmac, shmac_len, sdata,
                      sdata_len, valid_until, ietf_tls_id, alpn,
                      earlydata_max);
}

TEST_IMPL(ssls_export_and_import_use_the_shares_session_cache) {
  tlsserver *t;
  sink body = {0};
  CURLSH *sh = curl_share_init();
  share_locks l = {0};
  CURL *a, *b;
  unsigned before;

  l.x = calloc(1, sizeof(*l.x));
  ASSERT_NOT_NULL(l.x);
  ASSERT_NOT_NULL(sh);
  ASSERT_EQ(curl_share_setopt(sh, CURLSHOPT_LOCKFUNC, lock_cb), CURLSHE_OK);
  ASSERT_EQ(curl_share_setopt(sh, CURLSHOPT_UNLOCKFUNC, unlock_cb),
            CURLSHE_OK);
  ASSERT_EQ(curl_share_setopt(sh, CURLSHOPT_USERDATA, &l), CURLSHE_OK);
  ASSERT_EQ(curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION),
            CURLSHE_OK);
  ASSERT_EQ(make_certs(), 0);
  t = start_tls(0, NULL);
  ASSERT_NOT_NULL(t);
  /* a's transfer stores its session in the share... */
  a = tls_easy(t, &body);
  ASSERT_EQ(curl_easy_setopt(a, CURLOPT_SHARE, sh), CURLE_OK);
  ASSERT_EQ(curl_easy_perform(a), CURLE_OK);
  curl_easy_cleanup(a);
  /* ...which b, that made no transfer, exports: under the share's lock,
   * but with the lock let go while the callback runs */
  b = tls_easy(t, &body);
  ASSERT_EQ(curl_easy_setopt(b, CURLOPT_SHARE, sh), CURLE_OK);
  l.locks = 0;
  ASSERT_EQ(curl_easy_ssls_export(b, keep_session_locked, &l), CURLE_OK);
  ASSERT_EQ(l.x->count, 1);
  ASSERT_GE(l.locks, 1);
  ASSERT_EQ(l.cb_held, 0);
  ASSERT_EQ(l.held, 0);
  curl_easy_cleanup(b);
  ASSERT_EQ(curl_share_cleanup(sh), CURLSHE_OK);

  /* imported into a new share, a handle of it resumes */
  sh = curl_share_init();
  ASSERT_NOT_NULL(sh);
  ASSERT_EQ(curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION),
            CURLSHE_OK);
  b = tls_easy(t, &body);
  ASSERT_EQ(curl_easy_setopt(b, CURLOPT_SHARE, sh), CURLE_OK);
  ASSERT_EQ(curl_easy_ssls_import(b, l.x->key, NULL, 0, l.x->sdata,
                                  l.x->sdata_len),
            CURLE_OK);
  curl_easy_cleanup(b);
  a = tls_easy(t, &body);
  ASSERT_EQ(curl_easy_setopt(a, CURLOPT_SHARE, sh), CURLE_OK);
  before = tlsserver_get(t, TLSSRV_RESUMED);
  ASSERT_EQ(curl_easy_perform(a), CURLE_OK);
  ASSERT_EQ(tlsserver_get(t, TLSSRV_RESUMED), before + 1);
  curl_easy_cleanup(a);
  ASSERT_EQ(curl_share_cleanup(sh), CURLSHE_OK);
  sink_free(&body);
  ASSERT_EQ(tlsserver_stop(t), 0);
  free(l.x);
  return 0;
}

TEST_IMPL(ca_cache_timeout_decides_when_the_ca_file_is_read_again) {
  char ca_path[TCERTS_PATH_MAX + 16], err[CURL_ERROR_SIZE];
  tlsserver *t;
  sink body = {0};
  ferry_easy *e;

  ASSERT_EQ(make_certs(), 0);
  snprintf(ca_path, sizeof(ca_path), "%s/cache-ca.pem", certs.dir);
  ASSERT_EQ(copy_file(certs.ca, ca_path), 0);
  t = start_tls(0, NULL);
  ASSERT_NOT_NULL(t);
  e = tls_easy(t, &body);
  ferry_easy_setopt(e, FERRYOPT_CAINFO, ca_path);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  /* every transfer makes a full handshake on a new connection */
  ferry_easy_setopt(e, FERRYOPT_FORBID_REUSE, 1L);
  ferry_easy_setopt(e, FERRYOPT_SSL_SESSIONID_CACHE, 0L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  /* the file now holds a CA that signed nothing of the server's */
  ASSERT_EQ(copy_file(certs.other_ca, ca_path), 0);
  /* by default (a day) the store read before still verifies */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_CA_CACHE_TIMEOUT, -1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  /* 0: no caching, the file is read again, and the server fails */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_CA_CACHE_TIMEOUT, 0L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_PEER_FAILED_VERIFICATION);
  /* the good CA back: read again at once */
  ASSERT_EQ(copy_file(certs.ca, ca_path), 0);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  /* 1 s: kept for a second, then read again */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_CA_CACHE_TIMEOUT, 1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(copy_file(certs.other_ca, ca_path), 0);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  usleep(1100 * 1000);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_PEER_FAILED_VERIFICATION);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_CA_CACHE_TIMEOUT, -2L),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ferry_easy_cleanup(e);
  sink_free(&body);
  unlink(ca_path);
  ASSERT_EQ(tlsserver_stop(t), 0);
  return 0;
}

/* A DER copy of a PEM certificate or key file (the base64 between the
 * first BEGIN and END lines, decoded). */
static int pem_to_der(const char *pem_path, const char *der_path) {
  size_t len, n = 0;
  char *pem = tcerts_read(pem_path, &len), *b, *end;
  unsigned char *der;
  FILE *out;
  int rc = -1;
  static const char b64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  unsigned bits = 0, nbits = 0;

  if (pem == NULL || (b = strstr(pem, "-----\n")) == NULL ||
      (end = strstr(b, "-----END")) == NULL) {
    free(pem);
    return -1;
  }
  der = malloc(len);
  for (b += 6; b < end; b++) {
    const char *c = strchr(b64, *b);
    if (*b == '\n' || *b == '=' || c == NULL)
      continue;
    bits = bits << 6 | (unsigned)(c - b64);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      der[n++] = (unsigned char)(bits >> nbits);
    }
  }
  out = fopen(der_path, "wb");
  if (out != NULL && fwrite(der, 1, n, out) == n)
    rc = 0;
  if (out != NULL && fclose(out) != 0)
    rc = -1;
  free(der);
  free(pem);
  return rc;
}

/* One transfer to the client-certificate server with these types; the
 * result, with the error text in err. */
static CURLcode with_types(tlsserver *t, const char *cert, const char *key,
                           const char *cert_type, const char *key_type,
                           char *err) {
  sink body = {0};
  CURL *e = tls_easy(t, &body);
  CURLcode rc;

  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(e, CURLOPT_SSLCERT, cert);
  curl_easy_setopt(e, CURLOPT_SSLKEY, key);
  if (curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, cert_type) != CURLE_OK ||
      curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, key_type) != CURLE_OK)
    rc = CURLE_BAD_FUNCTION_ARGUMENT;
  else
    rc = curl_easy_perform(e);
  curl_easy_cleanup(e);
  sink_free(&body);
  return rc;
}

TEST_IMPL(sslcerttype_reads_pem_and_der_and_says_why_it_cannot_read_p12) {
  char cert_der[TCERTS_PATH_MAX + 16], key_der[TCERTS_PATH_MAX + 16];
  char err[CURL_ERROR_SIZE];
  tlsserver *t;

  ASSERT_EQ(make_certs(), 0);
  snprintf(cert_der, sizeof(cert_der), "%s/client.der", certs.dir);
  snprintf(key_der, sizeof(key_der), "%s/client-key.der", certs.dir);
  ASSERT_EQ(pem_to_der(certs.client, cert_der), 0);
  ASSERT_EQ(pem_to_der(certs.client_key, key_der), 0);
  t = start_tls(0, certs.ca);
  ASSERT_NOT_NULL(t);
  ASSERT_EQ(with_types(t, certs.client, certs.client_key, "PEM", "PEM", err),
            CURLE_OK);
  ASSERT_EQ(with_types(t, cert_der, key_der, "DER", "der", err), CURLE_OK);
  ASSERT_EQ(with_types(t, cert_der, key_der, NULL, NULL, err), CURLE_OK);
  ASSERT_EQ(tlsserver_get(t, TLSSRV_CLIENT_CERTS), 3);
  /* what mbedTLS 2.28 cannot read fails before any handshake */
  ASSERT_EQ(with_types(t, cert_der, key_der, "P12", NULL, err),
            CURLE_SSL_CERTPROBLEM);
  ASSERT_HAS(err, "cannot read PKCS#12");
  ASSERT_EQ(with_types(t, cert_der, key_der, "ENG", NULL, err),
            CURLE_SSL_CERTPROBLEM);
  ASSERT_HAS(err, "SSLCERTTYPE ENG");
  ASSERT_EQ(with_types(t, cert_der, key_der, NULL, "PROV", err),
            CURLE_SSL_CERTPROBLEM);
  ASSERT_HAS(err, "SSLKEYTYPE PROV");
  ASSERT_EQ(with_types(t, cert_der, key_der, "JPEG", NULL, err),
            CURLE_SSL_CERTPROBLEM);
  ASSERT_HAS(err, "not a certificate type");
  ASSERT_EQ(tlsserver_get(t, TLSSRV_HANDSHAKES), 3);
  unlink(cert_der);
  unlink(key_der);
  ASSERT_EQ(tlsserver_stop(t), 0);
  return 0;
}

/* ---- infos ------------------------------------------------------------- */

TEST_IMPL(infos_referer_xfer_id_and_conn_id_say_what_the_transfer_used) {
  tserver *s = tserver_start();
  char redirect[256];
  ts_step steps[] = {FX_STEP_REQ, FX_STEP_SEND(redirect), FX_STEP_REQ,
                     FX_STEP_SEND(FX_OK_HELLO)};
  sink body = {0};
  ferry_easy *e, *e2;
  ferry_multi *m;

  ASSERT_NOT_NULL(s);
  snprintf(redirect, sizeof(redirect),
           "HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n");
  tserver_default_script_loop(s, FX_STEPS(steps));
  e = fx_easy(fx_url(s, "/first"), &body, NULL);
  /* before any transfer: no ids, no referer */
  ASSERT_EQ(info_off(e, FERRYINFO_XFER_ID), -1);
  ASSERT_EQ(info_off(e, FERRYINFO_CONN_ID), -1);
  ASSERT_STR_EQ(info_str(e, FERRYINFO_REFERER), "(null)");
  /* every transfer here follows one redirect on its connection */
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L);
  ferry_easy_setopt(e, FERRYOPT_REFERER, "http://ref.test/");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_STR_EQ(info_str(e, FERRYINFO_REFERER), "http://ref.test/");
  ASSERT_EQ(info_off(e, FERRYINFO_XFER_ID), 0);
  ASSERT_EQ(info_off(e, FERRYINFO_CONN_ID), 0);
  ASSERT_EQ(info_long(e, FERRYINFO_USED_PROXY), 0);
  /* AUTOREFERER: the redirect's request names where it came from */
  ferry_easy_setopt(e, FERRYOPT_AUTOREFERER, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_STR_EQ(info_str(e, FERRYINFO_REFERER), fx_url(s, "/first"));
  ASSERT_REQ(s, 3,
             f("GET /next HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n"
               "Referer: %s\r\n\r\n",
               hostport(s), fx_url(s, "/first")));
  /* each perform is one more transfer of the handle's private multi; the
   * kept connection serves both */
  ASSERT_EQ(info_off(e, FERRYINFO_XFER_ID), 1);
  ASSERT_EQ(info_off(e, FERRYINFO_CONN_ID), 0);
  /* a new connection (its script starts over: the 302 is the answer) */
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 0L);
  ferry_easy_setopt(e, FERRYOPT_FRESH_CONNECT, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(info_off(e, FERRYINFO_XFER_ID), 2);
  ASSERT_EQ(info_off(e, FERRYINFO_CONN_ID), 1);
  /* reset forgets the connection, as libcurl's does, not the transfer */
  ferry_easy_reset(e);
  ASSERT_EQ(info_off(e, FERRYINFO_CONN_ID), -1);
  ASSERT_EQ(info_off(e, FERRYINFO_XFER_ID), 2);
  ferry_easy_cleanup(e);
  sink_free(&body);

  /* in an application's multi: numbered in the order added */
  m = ferry_multi_init();
  e = fx_easy(fx_url(s, "/a"), &body, NULL);
  e2 = fx_easy(fx_url(s, "/b"), &body, NULL);
  ASSERT_EQ(ferry_multi_add_handle(m, e2), FERRYM_OK);
  ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_OK);
  ASSERT_EQ(info_off(e2, FERRYINFO_XFER_ID), 0);
  ASSERT_EQ(info_off(e, FERRYINFO_XFER_ID), 1);
  ferry_multi_remove_handle(m, e);
  ferry_multi_remove_handle(m, e2);
  ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_OK);
  ASSERT_EQ(info_off(e, FERRYINFO_XFER_ID), 2);
  ferry_multi_remove_handle(m, e);
  ferry_easy_cleanup(e);
  ferry_easy_cleanup(e2);
  ferry_multi_cleanup(m);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* A transfer of url with (option, value) pairs ended by 0 (long or
 * pointer values only); its handle, after the transfer, for getinfo. */
static ferry_easy *run_with(const char *url, sink *body, ferry_code *rc, ...) {
  ferry_easy *e = fx_easy(url, body, NULL);
  va_list ap;
  int opt;

  if (e == NULL)
    return NULL;
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, XFER_TIMEOUT_MS);
  va_start(ap, rc);
  while ((opt = va_arg(ap, int)) != 0) {
    if (opt < FERRYOPTTYPE_OBJECTPOINT)
      ferry_easy_setopt(e, (ferry_option)opt, va_arg(ap, long));
    else
      ferry_easy_setopt(e, (ferry_option)opt, va_arg(ap, void *));
  }
  va_end(ap);
  *rc = ferry_easy_perform(e);
  return e;
}

#define CHALLENGE_401(challenges)                                             \
  "HTTP/1.1 401 Unauthorized\r\n" challenges "Content-Length: 0\r\n\r\n"

TEST_IMPL(infos_auth_used_and_avail_name_the_schemes) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_code rc;
  ferry_easy *e;
  ts_step offer[] = {
      FX_STEP_REQ,
      FX_STEP_SEND(CHALLENGE_401("WWW-Authenticate: NTLM\r\n"
                                 "WWW-Authenticate: Basic realm=\"r\"\r\n")),
  };
  ts_step digest[] = {
      FX_STEP_REQ,
      FX_STEP_SEND(CHALLENGE_401(
          "WWW-Authenticate: Digest realm=\"r\", nonce=\"n1\", qop=\"auth\"\r\n"
          "WWW-Authenticate: Basic realm=\"r\"\r\n")),
      FX_STEP_REQ,
      FX_STEP_SEND(FX_OK_HELLO),
  };

  ASSERT_NOT_NULL(s);
  /* a 401 offering NTLM and Basic: ferry speaks Basic only of the two */
  tserver_script(s, 0, FX_STEPS(offer));
  e = run_with(fx_url(s, "/a"), &body, &rc, 0);
  ASSERT_EQ(rc, FERRYE_OK);
  ASSERT_EQ(info_long(e, FERRYINFO_RESPONSE_CODE), 401);
  ASSERT_EQ(info_long(e, FERRYINFO_HTTPAUTH_AVAIL), CURLAUTH_BASIC);
  ASSERT_EQ(info_long(e, FERRYINFO_HTTPAUTH_USED), 0);
  ferry_easy_cleanup(e);
  /* Basic sent at once (a new handle: a new connection) */
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = run_with(fx_url(s, "/b"), &body, &rc, FERRYOPT_USERPWD, "u:p", 0);
  ASSERT_EQ(rc, FERRYE_OK);
  ASSERT_EQ(info_long(e, FERRYINFO_HTTPAUTH_USED), CURLAUTH_BASIC);
  ASSERT_EQ(info_long(e, FERRYINFO_HTTPAUTH_AVAIL), 0);
  ASSERT_EQ(info_long(e, FERRYINFO_PROXYAUTH_USED), 0);
  ferry_easy_cleanup(e);
  /* a Bearer token */
  e = run_with(fx_url(s, "/c"), &body, &rc, FERRYOPT_XOAUTH2_BEARER, "tok",
               FERRYOPT_HTTPAUTH, (long)CURLAUTH_BEARER, 0);
  ASSERT_EQ(rc, FERRYE_OK);
  ASSERT_EQ(info_long(e, FERRYINFO_HTTPAUTH_USED), CURLAUTH_BEARER);
  ferry_easy_cleanup(e);
  ASSERT_EQ(tserver_stop(s), 0);

  /* Digest: asked, answered, used; both offers were available */
  s = tserver_start();
  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, FX_STEPS(digest));
  e = run_with(fx_url(s, "/d"), &body, &rc, FERRYOPT_USERPWD, "u:p",
               FERRYOPT_HTTPAUTH, (long)CURLAUTH_ANY, 0);
  ASSERT_EQ(rc, FERRYE_OK);
  ASSERT_EQ(info_long(e, FERRYINFO_RESPONSE_CODE), 200);
  ASSERT_EQ(info_long(e, FERRYINFO_HTTPAUTH_USED), CURLAUTH_DIGEST);
  ASSERT_EQ(info_long(e, FERRYINFO_HTTPAUTH_AVAIL),
            CURLAUTH_DIGEST | CURLAUTH_BASIC);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(infos_proxyauth_used_and_avail_and_used_proxy) {
  tserver *p = tserver_start();
  sink body = {0};
  ferry_code rc;
  ferry_easy *e;
  const char *proxy;
  ts_step refuse[] = {
      FX_STEP_REQ,
      FX_STEP_SEND("HTTP/1.1 407 Proxy Authentication Required\r\n"
                   "Proxy-Authenticate: Basic realm=\"p\"\r\n"
                   "Proxy-Authenticate: Digest realm=\"p\", nonce=\"x\"\r\n"
                   "Content-Length: 0\r\n\r\n"),
  };

  ASSERT_NOT_NULL(p);
  proxy = f("http://%s", hostport(p));
  tserver_script(p, 0, FX_STEPS(refuse));
  tserver_script(p, 1, FX_STEPS(refuse));
  tserver_respond_always(p, FX_OK_HELLO, 0);
  /* a 407 to a request the proxy was to forward */
  e = run_with("http://origin.test/a", &body, &rc, FERRYOPT_PROXY, proxy, 0);
  ASSERT_EQ(rc, FERRYE_OK);
  ASSERT_EQ(info_long(e, FERRYINFO_RESPONSE_CODE), 407);
  ASSERT_EQ(info_long(e, FERRYINFO_USED_PROXY), 1);
  ASSERT_EQ(info_long(e, FERRYINFO_PROXYAUTH_AVAIL),
            CURLAUTH_BASIC | CURLAUTH_DIGEST);
  ASSERT_EQ(info_long(e, FERRYINFO_PROXYAUTH_USED), 0);
  ASSERT_EQ(info_long(e, FERRYINFO_HTTPAUTH_AVAIL), 0);
  ferry_easy_cleanup(e);
  /* a 407 to a CONNECT */
  e = run_with("http://origin.test/b", &body, &rc, FERRYOPT_PROXY, proxy,
               FERRYOPT_HTTPPROXYTUNNEL, 1L, 0);
  ASSERT_EQ(rc, FERRYE_COULDNT_CONNECT);
  ASSERT_EQ(info_long(e, FERRYINFO_HTTP_CONNECTCODE), 407);
  ASSERT_EQ(info_long(e, FERRYINFO_PROXYAUTH_AVAIL),
            CURLAUTH_BASIC | CURLAUTH_DIGEST);
  ferry_easy_cleanup(e);
  /* proxy credentials go as Basic */
  e = run_with("http://origin.test/c", &body, &rc, FERRYOPT_PROXY, proxy,
               FERRYOPT_PROXYUSERPWD, "pu:pp", 0);
  ASSERT_EQ(rc, FERRYE_OK);
  ASSERT_EQ(info_long(e, FERRYINFO_PROXYAUTH_USED), CURLAUTH_BASIC);
  ASSERT_EQ(info_long(e, FERRYINFO_PROXYAUTH_AVAIL), 0);
  ASSERT_EQ(info_long(e, FERRYINFO_USED_PROXY), 1);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(p), 0);
  return 0;
}

/* body compressed with gzip into out (cap bytes); its length. */
static size_t gzip_of(const char *body, unsigned char *out, size_t cap) {
  z_stream z;
  size_t n;

  memset(&z, 0, sizeof(z));
  if (deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return 0;
  z.next_in = (unsigned char *)body;
  z.avail_in = (uInt)strlen(body);
  z.next_out = out;
  z.avail_out = (uInt)cap;
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
    deflateEnd(&z);
    return 0;
  }
  n = cap - z.avail_out;
  deflateEnd(&z);
  return n;
}

TEST_IMPL(infos_size_delivered_counts_what_the_write_callback_got) {
  tserver *s = tserver_start();
  char *plain = malloc(20001), head[256];
  unsigned char gz[4096];
  size_t gzlen;
  char *resp;
  sink body = {0};
  ferry_code rc;
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  memset(plain, 'z', 20000);
  plain[20000] = '\0';
  gzlen = gzip_of(plain, gz, sizeof(gz));
  ASSERT_GE(gzlen, 10);
  snprintf(head, sizeof(head),
           "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
           "Content-Length: %zu\r\n\r\n",
           gzlen);
  resp = malloc(strlen(head) + gzlen);
  memcpy(resp, head, strlen(head));
  memcpy(resp + strlen(head), gz, gzlen);
  tserver_respond_always(s, resp, strlen(head) + gzlen);
  /* decoded: the download is the gzip bytes, what was delivered the
   * 20000 bytes they make */
  e = run_with(fx_url(s, "/z"), &body, &rc, FERRYOPT_ACCEPT_ENCODING, "", 0);
  ASSERT_EQ(rc, FERRYE_OK);
  ASSERT_EQ(body.len, 20000);
  ASSERT_EQ(info_off(e, FERRYINFO_SIZE_DOWNLOAD_T), (ferry_off_t)gzlen);
  ASSERT_EQ(info_off(e, FERRYINFO_SIZE_DELIVERED), 20000);
  /* with HEADER, the header lines go to the write callback too */
  sink_free(&body);
  ferry_easy_setopt(e, FERRYOPT_HEADER, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(body.len, 20000 + strlen(head));
  ASSERT_EQ(info_off(e, FERRYINFO_SIZE_DELIVERED),
            (ferry_off_t)(20000 + strlen(head)));
  /* each transfer counts its own */
  sink_free(&body);
  ferry_easy_setopt(e, FERRYOPT_HEADER, 0L);
  ferry_easy_setopt(e, FERRYOPT_NOBODY, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(info_off(e, FERRYINFO_SIZE_DELIVERED), 0);
  ferry_easy_cleanup(e);
  sink_free(&body);
  free(resp);
  free(plain);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(infos_queue_time_counts_the_wait_for_a_connection_slot) {
  tserver *s = tserver_start();
  ts_step slow[] = {FX_STEP_REQ, FX_STEP_DELAY(400), FX_STEP_SEND(FX_OK_HELLO)};
  ferry_multi *m = ferry_multi_init();
  sink b1 = {0}, b2 = {0};
  ferry_easy *e1, *e2;
  ferry_off_t q1, q2, post, start, total;
  int running = 1;

  ASSERT_NOT_NULL(s);
  tserver_default_script_loop(s, FX_STEPS(slow));
  ferry_multi_setopt(m, FERRYMOPT_MAX_TOTAL_CONNECTIONS, 1L);
  e1 = fx_easy(fx_url(s, "/1"), &b1, NULL);
  e2 = fx_easy(fx_url(s, "/2"), &b2, NULL);
  ferry_easy_setopt(e1, FERRYOPT_POSTFIELDS, "abc");
  ferry_multi_add_handle(m, e1);
  ferry_multi_add_handle(m, e2);
  while (running) {
    ASSERT_EQ(ferry_multi_perform(m, &running), FERRYM_OK);
    if (running)
      ASSERT_EQ(ferry_multi_poll(m, NULL, 0, 1000, NULL), FERRYM_OK);
  }
  ASSERT_MEM_EQ(b1.data, b1.len, "hello");
  ASSERT_MEM_EQ(b2.data, b2.len, "hello");
  q1 = info_off(e1, FERRYINFO_QUEUE_TIME_T);
  q2 = info_off(e2, FERRYINFO_QUEUE_TIME_T);
  /* the second waited for the first's 400 ms answer, the first not */
  ASSERT_GE(q1, 0);
  ASSERT_LE(q1, 150000);
  ASSERT_GE(q2, 350000);
  /* the request was sent before the answer came, and that before the end */
  post = info_off(e1, FERRYINFO_POSTTRANSFER_TIME_T);
  start = info_off(e1, FERRYINFO_STARTTRANSFER_TIME_T);
  total = info_off(e1, FERRYINFO_TOTAL_TIME_T);
  ASSERT_GE(post, 1);
  ASSERT_LE(post, start);
  ASSERT_LE(start, total);
  ASSERT_GE(start - post, 350000);
  ferry_multi_remove_handle(m, e1);
  ferry_multi_remove_handle(m, e2);
  ferry_easy_cleanup(e1);
  ferry_easy_cleanup(e2);
  ferry_multi_cleanup(m);
  sink_free(&b1);
  sink_free(&b2);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- ADDRESS_SCOPE, SERVER_RESPONSE_TIMEOUT ---------------------------- */

TEST_IMPL(address_scope_is_the_scope_of_an_ipv6_address_without_one) {
  char err[CURL_ERROR_SIZE];
  sink body = {0};
  ferry_easy *e;
  unsigned lo = if_nametoindex("lo");

  ASSERT_NE(lo, 0);
  /* a link-local address needs a scope: the kernel refuses to connect
   * without one (EINVAL) and, with the loopback interface's, finds no
   * such neighbour (ENETUNREACH). No packet leaves the host either way. */
  e = fx_easy("http://[fe80::1]:9/", &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, XFER_TIMEOUT_MS);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_COULDNT_CONNECT);
  ASSERT_EQ(info_long(e, FERRYINFO_OS_ERRNO), EINVAL);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_ADDRESS_SCOPE, (long)lo), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_COULDNT_CONNECT);
  ASSERT_EQ(info_long(e, FERRYINFO_OS_ERRNO), ENETUNREACH);
  /* a zone id in the URL gives the scope without ADDRESS_SCOPE */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_URL, "http://[fe80::1%25lo]:9/"),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_ADDRESS_SCOPE, 0L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_COULDNT_CONNECT);
  ASSERT_EQ(info_long(e, FERRYINFO_OS_ERRNO), ENETUNREACH);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_ADDRESS_SCOPE, -1L),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ferry_easy_cleanup(e);
  sink_free(&body);
  return 0;
}

TEST_IMPL(server_response_timeout_is_taken_and_leaves_http_alone) {
  tserver *s = tserver_start();
  ts_step slow[] = {FX_STEP_REQ, FX_STEP_DELAY(1300), FX_STEP_SEND(FX_OK_HELLO)};
  sink body = {0};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  tserver_default_script(s, FX_STEPS(slow));
  e = fx_easy(fx_url(s, "/slow"), &body, NULL);
  /* libcurl uses it for FTP, IMAP, POP3, SMTP, SFTP and SCP commands:
   * an HTTP answer after it is still taken, as there */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_SERVER_RESPONSE_TIMEOUT, 1L),
            FERRYE_OK);
  ASSERT_EQ(curl_easy_setopt(e, CURLOPT_FTP_RESPONSE_TIMEOUT, 1L), CURLE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_SERVER_RESPONSE_TIMEOUT_MS, 1000L),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_SERVER_RESPONSE_TIMEOUT, -1L),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_SERVER_RESPONSE_TIMEOUT_MS, -1L),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- COOKIELIST's expiry ------------------------------------------------ */

TEST_IMPL(cookielist_netscape_line_keeps_its_expiry_set_cookie_is_capped) {
  ferry_easy *e = ferry_easy_init();
  ferry_slist *list = NULL, *l;
  int64_t now = (int64_t)time(NULL), capped = -1, far = -1;

  /* a Netscape line is the application's own: its expiry stays (2099),
   * as libcurl keeps it */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIELIST,
                              "example.com\tFALSE\t/\tFALSE\t4070908800\tb\t2"),
            FERRYE_OK);
  /* a Set-Cookie line is read as a server's header, and libcurl (8.12 and
   * later) caps its expiry at 400 days as it caps a server's */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIELIST,
                              "Set-Cookie: a=1; domain=example.com; "
                              "expires=Thu, 01 Jan 2099 00:00:00 GMT"),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_COOKIELIST, &list), FERRYE_OK);
  for (l = list; l != NULL; l = l->next) {
    long long t = 0;
    const char *tab = l->data;
    for (int i = 0; i < 4 && tab; i++)
      tab = strchr(tab, '\t') ? strchr(tab, '\t') + 1 : NULL;
    ASSERT_NOT_NULL(tab);
    t = atoll(tab);
    if (strstr(l->data, "\tb\t2"))
      far = t;
    else if (strstr(l->data, "\ta\t1"))
      capped = t;
  }
  ferry_slist_free_all(list);
  ASSERT_EQ(far, 4070908800LL);
  ASSERT_GE(capped, now + 400LL * 86400);
  ASSERT_LE(capped, now + 400LL * 86400 + 5);
  ferry_easy_cleanup(e);
  return 0;
}

/* ---- libcurl-style programs, compiled at test time ---------------------- */

/* What real programs do with the version macros, deprecation and
 * curl_version_info, and a transfer with the deprecated progress
 * callback. It prints what it found; argv[1] is the URL. */
static const char version_program[] =
    "#include <stdio.h>\n"
    "#include <string.h>\n"
    "#include <curl/curl.h>\n"
    "\n"
    "/* a function of the program's own, marked as libcurl marks its old ones */\n"
    "static int CURL_DEPRECATED(1.0, \"use new_way()\") old_way(void);\n"
    "static int old_way(void) { return 7; }\n"
    "\n"
    "static size_t sink(char *p, size_t size, size_t n, void *u) {\n"
    "  (void)p;\n"
    "  (void)u;\n"
    "  return size * n;\n"
    "}\n"
    "\n"
    "static int progress(void *clientp, double dltotal, double dlnow,\n"
    "                    double ultotal, double ulnow) {\n"
    "  (void)ultotal;\n"
    "  (void)ulnow;\n"
    "  if (dltotal > 0 && dlnow == dltotal)\n"
    "    *(int *)clientp = 1;\n"
    "  return 0;\n"
    "}\n"
    "\n"
    "int main(int argc, char **argv) {\n"
    "  curl_version_info_data *info;\n"
    "  CURL *h;\n"
    "  CURLcode rc;\n"
    "  int done = 0, old = 0, n = 0;\n"
    "\n"
    "  if (argc != 2 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)\n"
    "    return 100;\n"
    "  info = curl_version_info(CURLVERSION_NOW);\n"
    "  if (info->version_num != LIBCURL_VERSION_NUM ||\n"
    "      strcmp(info->version, LIBCURL_VERSION) != 0)\n"
    "    return 101;\n"
    "  printf(\"libcurl %s\\n\", LIBCURL_VERSION);\n"
    "#if CURL_AT_LEAST_VERSION(7, 77, 0)\n"
    "  if (info->age >= CURLVERSION_ELEVENTH) {\n"
    "    const char *const *f;\n"
    "    for (f = info->feature_names; *f; f++)\n"
    "      n++;\n"
    "    printf(\"%d features%s%s\\n\", n,\n"
    "           (info->features & CURL_VERSION_SSL) ? \", SSL\" : \"\",\n"
    "           (info->features & CURL_VERSION_HTTP2) ? \", HTTP2\" : \"\");\n"
    "  }\n"
    "#endif\n"
    "#if CURL_AT_LEAST_VERSION(8, 8, 0)\n"
    "  {\n"
    "    /* a newer call behind the version test, as programs write it */\n"
    "    CURLM *m = curl_multi_init();\n"
    "    struct curl_waitfd fds[4];\n"
    "    unsigned int count = 0;\n"
    "    curl_multi_waitfds(m, fds, 4, &count);\n"
    "    curl_multi_cleanup(m);\n"
    "    printf(\"waitfds\\n\");\n"
    "  }\n"
    "#else\n"
    "  printf(\"no waitfds before 8.8.0\\n\");\n"
    "#endif\n"
    "#ifdef CURLINC_URLAPI_H\n"
    "  {\n"
    "    CURLU *u = curl_url();\n"
    "    char *host = NULL;\n"
    "    curl_url_set(u, CURLUPART_URL, argv[1], 0);\n"
    "    curl_url_get(u, CURLUPART_HOST, &host, 0);\n"
    "    printf(\"host %s\\n\", host);\n"
    "    curl_free(host);\n"
    "    curl_url_cleanup(u);\n"
    "  }\n"
    "#endif\n"
    "#ifdef CURLINC_WEBSOCKETS_H\n"
    "  printf(\"websockets.h\\n\");\n"
    "#endif\n"
    "  h = curl_easy_init();\n"
    "  curl_easy_setopt(h, CURLOPT_URL, argv[1]);\n"
    "  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);\n"
    "  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);\n"
    "  CURL_IGNORE_DEPRECATION(\n"
    "    curl_easy_setopt(h, CURLOPT_PROGRESSFUNCTION, progress);\n"
    "    curl_easy_setopt(h, CURLOPT_PROGRESSDATA, &done);\n"
    "    old = old_way();\n"
    "  )\n"
    "  rc = curl_easy_perform(h);\n"
    "  printf(\"%s, progress %s, old_way %d\\n\", curl_easy_strerror(rc),\n"
    "         done ? \"seen\" : \"not seen\", old);\n"
    "  curl_easy_cleanup(h);\n"
    "  curl_global_cleanup();\n"
    "  return rc != CURLE_OK;\n"
    "}\n";

/* A lookup that takes 3 s (getaddrinfo of "slow.example", replaced in
 * this program), cut by a 200 ms TIMEOUT_MS; argv[1] is QUICK_EXIT's
 * value. It prints the result and how long perform and cleanup took, and
 * leaves with quick_exit(), as a program that wants a swift end must:
 * exit() runs libuv's destructor, which waits for its thread pool, and so
 * for the hung lookup. */
static const char quick_exit_program[] =
    "#include <dlfcn.h>\n"
    "#include <netdb.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include <time.h>\n"
    "#include <unistd.h>\n"
    "#include <curl/curl.h>\n"
    "\n"
    "int getaddrinfo(const char *node, const char *service,\n"
    "                const struct addrinfo *hints, struct addrinfo **res) {\n"
    "  int (*real)(const char *, const char *, const struct addrinfo *,\n"
    "              struct addrinfo **);\n"
    "  if (node && strcmp(node, \"slow.example\") == 0) {\n"
    "    sleep(3);\n"
    "    return EAI_NONAME;\n"
    "  }\n"
    "  *(void **)&real = dlsym(RTLD_NEXT, \"getaddrinfo\");\n"
    "  return real(node, service, hints, res);\n"
    "}\n"
    "\n"
    "static long long now_ms(void) {\n"
    "  struct timespec ts;\n"
    "  clock_gettime(CLOCK_MONOTONIC, &ts);\n"
    "  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;\n"
    "}\n"
    "\n"
    "int main(int argc, char **argv) {\n"
    "  CURL *h = curl_easy_init();\n"
    "  long long t0 = now_ms(), t1;\n"
    "  CURLcode rc;\n"
    "  if (argc != 2 || h == NULL)\n"
    "    return 100;\n"
    "  curl_easy_setopt(h, CURLOPT_URL, \"http://slow.example/\");\n"
    "  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 200L);\n"
    "  curl_easy_setopt(h, CURLOPT_QUICK_EXIT, atol(argv[1]));\n"
    "  rc = curl_easy_perform(h);\n"
    "  curl_easy_cleanup(h);\n"
    "  t1 = now_ms();\n"
    "  printf(\"%d %lld\\n\", (int)rc, t1 - t0);\n"
    "  fflush(stdout);\n"
    "  /* exit() would wait: libuv joins its thread pool at exit */\n"
    "  quick_exit(0);\n"
    "}\n";

static int write_text(const char *path, const char *text) {
  FILE *fp = fopen(path, "w");
  if (fp == NULL)
    return -1;
  if (fputs(text, fp) < 0) {
    fclose(fp);
    return -1;
  }
  return fclose(fp) == 0 ? 0 : -1;
}

/* Split a command line on blanks into argv (NULL-terminated, at most
 * max - 1 words); the words point into line. */
static int split_words(char *line, const char **argv, int max) {
  int n = 0;
  for (char *w = strtok(line, " \t\r\n"); w; w = strtok(NULL, " \t\r\n")) {
    if (n == max - 1)
      return -1;
    argv[n++] = w;
  }
  argv[n] = NULL;
  return n;
}

/* Compile source into dir/name with this build's compiler (and
 * sanitizers) and `pkg-config --cflags --libs ferry-curl` from the build
 * tree, -Wall -Wextra -Werror, plus extra (may be NULL). 0 when it built
 * without a word on stderr; the compiler's words are shown unless quiet. */
static int build_program(const char *dir, const char *name, const char *source,
                         const char *extra, int quiet) {
  char src[1100], exe[1100], pcpath[1100], cc_line[512];
  static char sanitize_flag[128];
  static const char sanitize[] = FERRY_TEST_SANITIZE;
  const char *env_pc[] = {pcpath, NULL};
  const char *cc_argv[96];
  tproc_result r;
  char *flags;
  int n, ok;

  snprintf(src, sizeof(src), "%s/%s.c", dir, name);
  snprintf(exe, sizeof(exe), "%s/%s", dir, name);
  if (write_text(src, source) != 0)
    return -1;
  snprintf(pcpath, sizeof(pcpath), "PKG_CONFIG_PATH=%s/meson-uninstalled",
           FERRY_TEST_BUILD_ROOT);
  {
    const char *argv[] = {"pkg-config", "--cflags", "--libs", "ferry-curl",
                          NULL};
    if (tproc_run(argv, env_pc, CHILD_TIMEOUT_MS, &r) != 0 ||
        r.exit_code != 0) {
      tproc_result_dump("pkg-config", &r);
      tproc_result_free(&r);
      return -1;
    }
  }
  flags = r.out;
  r.out = NULL;
  tproc_result_free(&r);
  snprintf(cc_line, sizeof(cc_line), "%s", FERRY_TEST_CC);
  n = split_words(cc_line, cc_argv, 8);
  cc_argv[n++] = src;
  cc_argv[n++] = "-o";
  cc_argv[n++] = exe;
  cc_argv[n++] = "-Wall";
  cc_argv[n++] = "-Wextra";
  cc_argv[n++] = "-Werror";
  if (extra)
    cc_argv[n++] = extra;
  if (strcmp(sanitize, "none") != 0 && sanitize[0] != '\0') {
    snprintf(sanitize_flag, sizeof(sanitize_flag), "-fsanitize=%s",
             FERRY_TEST_SANITIZE);
    cc_argv[n++] = sanitize_flag;
  }
  if (split_words(flags, cc_argv + n, 96 - n) < 1) {
    free(flags);
    return -1;
  }
  ok = tproc_run(cc_argv, NULL, CHILD_TIMEOUT_MS, &r) == 0 &&
       r.exit_code == 0 && r.err_len == 0;
  if (!ok && !quiet)
    tproc_result_dump("cc", &r);
  tproc_result_free(&r);
  free(flags);
  return ok ? 0 : -1;
}

/* Run dir/name with args (NULL-terminated, at most 4), the build tree's
 * libferry.so found by the loader. */
static int run_program(const char *dir, const char *name,
                       const char *const *args, const char *extra_env,
                       tproc_result *r) {
  char exe[1100], ldpath[4200];
  const char *old = getenv("LD_LIBRARY_PATH");
  const char *env[] = {ldpath, extra_env, NULL};
  const char *argv[6];
  int i;

  snprintf(exe, sizeof(exe), "%s/%s", dir, name);
  snprintf(ldpath, sizeof(ldpath), "LD_LIBRARY_PATH=%s/src%s%s",
           FERRY_TEST_BUILD_ROOT, old && *old ? ":" : "", old ? old : "");
  argv[0] = exe;
  for (i = 0; args[i] && i < 4; i++)
    argv[i + 1] = args[i];
  argv[i + 1] = NULL;
  return tproc_run(argv, env, CHILD_TIMEOUT_MS, r);
}

static void remove_program(const char *dir, const char *name) {
  char path[1100];
  snprintf(path, sizeof(path), "%s/%s.c", dir, name);
  unlink(path);
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  unlink(path);
}

static int make_dir(char *dir, size_t len) {
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, len, "%s/ferry-miscapi-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  return mkdtemp(dir) ? 0 : -1;
}

TEST_IMPL(misc_libcurl_program_tests_the_version_and_ignores_deprecation) {
  char dir[1024];
  tserver *s = tserver_start();
  tproc_result r;
  const char *url;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  url = fx_url(s, "/v");
  ASSERT_EQ(make_dir(dir, sizeof(dir)), 0);
  /* -Werror: the deprecated call inside CURL_IGNORE_DEPRECATION gives no
   * warning, and the 8.8 call behind CURL_AT_LEAST_VERSION is left out */
  ASSERT_EQ(build_program(dir, "version", version_program, NULL, 0), 0);
  {
    const char *args[] = {url, NULL};
    ASSERT_EQ(run_program(dir, "version", args, NULL, &r), 0);
  }
  if (r.exit_code != 0 || r.err_len != 0)
    tproc_result_dump("version", &r);
  ASSERT_EQ(r.exit_code, 0);
  ASSERT_MEM_EQ(r.out, r.out_len,
                "libcurl 8.17.0\n"
                "9 features, SSL, HTTP2\n"
                "waitfds\n"
                "host 127.0.0.1\n"
                "websockets.h\n"
                "No error, progress seen, old_way 7\n");
  tproc_result_free(&r);
  remove_program(dir, "version");

  /* the same deprecated call outside CURL_IGNORE_DEPRECATION fails
   * -Werror: the mark works, so the ignoring above was what kept it
   * quiet */
  {
    static const char loud[] =
        "#include <curl/curl.h>\n"
        "static int CURL_DEPRECATED(1.0, \"gone\") old_way(void);\n"
        "static int old_way(void) { return 7; }\n"
        "int main(void) { return old_way() == 7 ? 0 : 1; }\n";
    char src[1100];
    ASSERT(build_program(dir, "loud", loud, NULL, 1) != 0);
    snprintf(src, sizeof(src), "%s/loud.c", dir);
    unlink(src);
  }
  ASSERT_EQ(rmdir(dir), 0);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(quick_exit_lets_cleanup_leave_a_hung_lookup_behind) {
  char dir[1024];
  tproc_result r;
  int code = -1;
  long long ms = -1;
  /* the program leaves memory to its exit on purpose */
  const char *no_leak_check =
      "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1";

  ASSERT_EQ(make_dir(dir, sizeof(dir)), 0);
  ASSERT_EQ(build_program(dir, "quick", quick_exit_program, "-rdynamic", 0), 0);
  {
    const char *args[] = {"1", NULL};
    ASSERT_EQ(run_program(dir, "quick", args, no_leak_check, &r), 0);
  }
  if (r.exit_code != 0)
    tproc_result_dump("quick", &r);
  ASSERT_EQ(r.exit_code, 0);
  ASSERT_EQ(sscanf(r.out, "%d %lld", &code, &ms), 2);
  ASSERT_EQ(code, CURLE_OPERATION_TIMEDOUT);
  ASSERT_LE(ms, 1500); /* the timeout, not the 3 s lookup */
  tproc_result_free(&r);
  /* without QUICK_EXIT, cleanup waits for the lookup to end */
  {
    const char *args[] = {"0", NULL};
    ASSERT_EQ(run_program(dir, "quick", args, no_leak_check, &r), 0);
  }
  ASSERT_EQ(r.exit_code, 0);
  ASSERT_EQ(sscanf(r.out, "%d %lld", &code, &ms), 2);
  ASSERT_EQ(code, CURLE_OPERATION_TIMEDOUT);
  ASSERT_GE(ms, 2500);
  tproc_result_free(&r);
  remove_program(dir, "quick");
  ASSERT_EQ(rmdir(dir), 0);
  return 0;
}

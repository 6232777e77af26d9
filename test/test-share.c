/* The share interface (ferry_share_*, FERRYOPT_SHARE): what each kind of
 * data shares between easy handles (each with its own ferry_easy_perform,
 * so its own private multi, unless a test says otherwise), the lock
 * callbacks, errors and misuse as libcurl has them, running out of memory,
 * and two threads using one share (run under ThreadSanitizer by
 * `test/run --tsan`). */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "certs.h"
#include "ferry_uv.h"
#include "fx.h"
#include "server.h"
#include "test.h"
#include "tlsserver.h"

#define XFER_TIMEOUT_MS 15000L
#define WAIT_MS 5000

#define ASSERT_CONTAINS(hay, needle)                                          \
  do {                                                                        \
    const char *h_ = (hay), *n_ = (needle);                                   \
    if (h_ == NULL || strstr(h_, n_) == NULL)                                 \
      TEST_FAIL_("\"%s\" does not contain \"%s\"", h_ ? h_ : "(null)", n_);   \
  } while (0)

#define ASSERT_LACKS(hay, needle)                                             \
  do {                                                                        \
    const char *h_ = (hay), *n_ = (needle);                                   \
    if (h_ != NULL && strstr(h_, n_) != NULL)                                 \
      TEST_FAIL_("\"%s\" contains \"%s\"", h_, n_);                           \
  } while (0)

/* ---- fixtures ------------------------------------------------------------ */

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

static tlsserver *start_tls(const char *response, int tickets) {
  tlsserver_config cfg;
  if (make_certs() != 0)
    return NULL;
  memset(&cfg, 0, sizeof(cfg));
  cfg.cert = certs.server;
  cfg.key = certs.server_key;
  cfg.mode = TLSSRV_RESPOND;
  cfg.response = response;
  cfg.tickets = tickets;
  return tlsserver_start(&cfg);
}

static int debug_text(ferry_easy *e, ferry_infotype type, char *data,
                      size_t len, void *userp) {
  (void)e;
  if (type == FERRYINFO_TEXT)
    sink_write(data, 1, len, userp);
  return 0;
}

static unsigned count_in(const sink *s, const char *needle) {
  unsigned n = 0;
  const char *p = s->data;
  size_t l = strlen(needle);
  if (p == NULL)
    return 0;
  while ((p = strstr(p, needle)) != NULL) {
    n++;
    p += l;
  }
  return n;
}

/* A handle for url: body into body, text trace into trace, IPv4 only (the
 * servers listen on 127.0.0.1), the test CA, bounded; sh attached when not
 * NULL. NULL when out of memory or a setopt failed. */
static ferry_easy *sh_easy(const char *url, sink *body, sink *trace,
                           ferry_share *sh) {
  ferry_easy *e = fx_easy(url, body, NULL);
  if (e == NULL)
    return NULL;
  if (ferry_easy_setopt(e, FERRYOPT_IPRESOLVE, FERRY_IPRESOLVE_V4) != FERRYE_OK ||
      ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, XFER_TIMEOUT_MS) != FERRYE_OK ||
      (trace != NULL &&
       (ferry_easy_setopt(e, FERRYOPT_VERBOSE, 1L) != FERRYE_OK ||
        ferry_easy_setopt(e, FERRYOPT_DEBUGFUNCTION, debug_text) != FERRYE_OK ||
        ferry_easy_setopt(e, FERRYOPT_DEBUGDATA, trace) != FERRYE_OK)) ||
      (certs_made &&
       ferry_easy_setopt(e, FERRYOPT_CAINFO, certs.ca) != FERRYE_OK) ||
      (sh != NULL && ferry_easy_setopt(e, FERRYOPT_SHARE, sh) != FERRYE_OK)) {
    ferry_easy_cleanup(e);
    return NULL;
  }
  return e;
}

static long info_long(ferry_easy *e, ferry_info what) {
  long v = -1;
  if (ferry_easy_getinfo(e, what, &v) != FERRYE_OK)
    return -2;
  return v;
}

/* The handle's COOKIELIST as one string, lines joined by '|' ("" none). */
static const char *cookies_of(ferry_easy *e, char *buf, size_t cap) {
  ferry_slist *list = NULL, *l;
  size_t n = 0;
  buf[0] = '\0';
  if (ferry_easy_getinfo(e, FERRYINFO_COOKIELIST, &list) != FERRYE_OK)
    return "(error)";
  for (l = list; l != NULL; l = l->next)
    n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, "%s%s",
                          n ? "|" : "", l->data);
  ferry_slist_free_all(list);
  return buf;
}

static ferry_share *share_of(int kinds, ...) {
  ferry_share *sh = ferry_share_init();
  va_list ap;
  if (sh == NULL)
    return NULL;
  va_start(ap, kinds);
  for (int i = 0; i < kinds; i++)
    if (ferry_share_setopt(sh, FERRYSHOPT_SHARE, va_arg(ap, int)) !=
        FERRYSHE_OK) {
      ferry_share_cleanup(sh);
      sh = NULL;
      break;
    }
  va_end(ap);
  return sh;
}

static const char *url_of(const char *host, int port, const char *path,
                          int tls) {
  static char buf[4][128];
  static int slot;
  char *b = buf[slot++ & 3];
  snprintf(b, sizeof(buf[0]), "%s://%s:%d%s", tls ? "https" : "http", host,
           port, path);
  return b;
}

/* ---- errors and misuse ----------------------------------------------------- */

TEST_IMPL(share_errors_and_misuse_answer_as_libcurl) {
  ferry_share *sh = ferry_share_init();
  ferry_multi *m = ferry_multi_init();
  ferry_easy *e, *d;

  ASSERT_NOT_NULL(sh);
  /* not a share */
  ASSERT_EQ(ferry_share_setopt(NULL, FERRYSHOPT_SHARE, FERRY_LOCK_DATA_DNS),
            FERRYSHE_INVALID);
  ASSERT_EQ(ferry_share_cleanup(NULL), FERRYSHE_INVALID);
  ASSERT_EQ(ferry_share_cleanup((ferry_share *)m), FERRYSHE_INVALID);
  /* kinds of data that are none, or not shareable */
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_SHARE, FERRY_LOCK_DATA_NONE),
            FERRYSHE_BAD_OPTION);
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_SHARE, FERRY_LOCK_DATA_SHARE),
            FERRYSHE_BAD_OPTION);
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_SHARE, FERRY_LOCK_DATA_LAST),
            FERRYSHE_BAD_OPTION);
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_SHARE, 99), FERRYSHE_BAD_OPTION);
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_UNSHARE, 0), FERRYSHE_BAD_OPTION);
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_UNSHARE, 99), FERRYSHE_BAD_OPTION);
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_SHARE, FERRY_LOCK_DATA_PSL),
            FERRYSHE_NOT_BUILT_IN);
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_UNSHARE, FERRY_LOCK_DATA_PSL),
            FERRYSHE_NOT_BUILT_IN);
  /* options that do not exist */
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_NONE, 0), FERRYSHE_BAD_OPTION);
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_LAST, 0), FERRYSHE_BAD_OPTION);
  ASSERT_EQ(ferry_share_setopt(sh, (ferry_shoption)99, 0), FERRYSHE_BAD_OPTION);
  /* sharing twice, unsharing what is not shared: fine */
  for (int k = FERRY_LOCK_DATA_COOKIE; k < FERRY_LOCK_DATA_LAST; k++) {
    if (k == FERRY_LOCK_DATA_PSL)
      continue;
    ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_UNSHARE, k), FERRYSHE_OK);
    ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_SHARE, k), FERRYSHE_OK);
    ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_SHARE, k), FERRYSHE_OK);
  }
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_USERDATA, NULL), FERRYSHE_OK);
  /* the texts */
  for (int c = FERRYSHE_OK; c < FERRYSHE_LAST; c++)
    ASSERT_NOT_NULL(ferry_share_strerror((ferry_shcode)c));
  ASSERT_STR_EQ(ferry_share_strerror(FERRYSHE_OK), "No error");
  ASSERT_STR_EQ(ferry_share_strerror((ferry_shcode)77), "Unknown share error");

  /* in use: every option, and cleanup, are refused; nothing is freed */
  e = ferry_easy_init();
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_SHARE, sh), FERRYE_OK);
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_SHARE, FERRY_LOCK_DATA_DNS),
            FERRYSHE_IN_USE);
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_UNSHARE, FERRY_LOCK_DATA_DNS),
            FERRYSHE_IN_USE);
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_LOCKFUNC, NULL), FERRYSHE_IN_USE);
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_UNLOCKFUNC, NULL), FERRYSHE_IN_USE);
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_USERDATA, NULL), FERRYSHE_IN_USE);
  ASSERT_EQ(ferry_share_setopt(sh, (ferry_shoption)99, 0), FERRYSHE_IN_USE);
  ASSERT_EQ(ferry_share_cleanup(sh), FERRYSHE_IN_USE);
  /* the same share again: still one user */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_SHARE, sh), FERRYE_OK);
  /* a copy uses no share (as libcurl); a reset keeps it */
  d = ferry_easy_duphandle(e);
  ASSERT_NOT_NULL(d);
  ferry_easy_reset(e);
  ASSERT_EQ(ferry_share_cleanup(sh), FERRYSHE_IN_USE);
  ASSERT_EQ(ferry_easy_setopt(d, FERRYOPT_SHARE, NULL), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_SHARE, NULL), FERRYE_OK);
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_USERDATA, NULL), FERRYSHE_OK);
  /* what is not a share is refused, and leaves the handle as it was */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_SHARE, sh), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_SHARE, (ferry_share *)m),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_share_cleanup(sh), FERRYSHE_IN_USE);
  /* a handle's cleanup detaches it */
  ferry_easy_cleanup(e);
  ferry_easy_cleanup(d);
  ASSERT_EQ(ferry_share_cleanup(sh), FERRYSHE_OK);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  return 0;
}

TEST_IMPL(share_cannot_be_changed_on_a_handle_whose_transfer_runs) {
  tserver *s = tserver_start();
  ferry_share *sh = share_of(1, FERRY_LOCK_DATA_DNS);
  ferry_multi *m = ferry_multi_init();
  static const ts_step slow[] = {FX_STEP_REQ, FX_STEP_DELAY(300),
                                 FX_STEP_SEND(FX_OK_HELLO)};
  sink body = {0};
  ferry_easy *e;
  int running = 1;
  ferry_msg *msg;

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(sh);
  tserver_default_script(s, FX_STEPS(slow));
  e = sh_easy(fx_url(s, "/run"), &body, NULL, NULL);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_OK);
  /* added, not started: allowed */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_SHARE, sh), FERRYE_OK);
  ASSERT_EQ(ferry_multi_perform(m, &running), FERRYM_OK);
  ASSERT_EQ(running, 1);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_SHARE, NULL),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  while (running) {
    ASSERT_EQ(ferry_multi_poll(m, NULL, 0, 1000, NULL), FERRYM_OK);
    ASSERT_EQ(ferry_multi_perform(m, &running), FERRYM_OK);
  }
  msg = ferry_multi_info_read(m, NULL);
  ASSERT_NOT_NULL(msg);
  ASSERT_EQ(msg->data.result, FERRYE_OK);
  /* done: allowed again */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_SHARE, NULL), FERRYE_OK);
  ASSERT_EQ(ferry_multi_remove_handle(m, e), FERRYM_OK);
  ferry_easy_cleanup(e);
  ASSERT_EQ(ferry_share_cleanup(sh), FERRYSHE_OK);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- cookies --------------------------------------------------------------- */

static const ts_route cookie_routes[] = {
    {.prefix = "GET /set ",
     .response = "HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Path=/\r\n"
                 "Content-Length: 0\r\n\r\n"},
    {.prefix = "GET /set2 ",
     .response = "HTTP/1.1 200 OK\r\nSet-Cookie: b=2; Path=/\r\n"
                 "Content-Length: 0\r\n\r\n"},
    {.prefix = "GET /",
     .response = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
};

/* The Cookie header of the server's req-th request ("" when none). */
static const char *cookie_sent(tserver *s, unsigned req, char *buf,
                               size_t cap) {
  size_t len;
  char *r = tserver_request(s, req, &len), *c, *end;
  buf[0] = '\0';
  if (r == NULL)
    return "(no request)";
  c = strstr(r, "\r\nCookie: ");
  if (c != NULL) {
    c += 10;
    end = strstr(c, "\r\n");
    snprintf(buf, cap, "%.*s", (int)(end - c), c);
  }
  free(r);
  return buf;
}

TEST_IMPL(share_cookies_two_handles_see_each_others_cookies) {
  tserver *s = tserver_start();
  ferry_share *sh = share_of(1, FERRY_LOCK_DATA_COOKIE);
  sink body = {0};
  ferry_easy *a, *b, *c;
  char buf[512], file[64], jar[80];
  FILE *f;
  int fd;

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(sh);
  tserver_routes(s, cookie_routes, 3);
  snprintf(file, sizeof(file), "/tmp/ferry-share-XXXXXX");
  ASSERT((fd = mkstemp(file)) >= 0);
  close(fd);
  snprintf(jar, sizeof(jar), "%s.jar", file);
  f = fopen(file, "w");
  ASSERT_NOT_NULL(f);
  fputs("127.0.0.1\tFALSE\t/\tFALSE\t0\tfromfile\t3\n", f);
  fclose(f);

  /* attaching turns the engine on with the share's jar: a's own cookie
   * goes, as in libcurl */
  a = sh_easy(fx_url(s, "/set"), &body, NULL, NULL);
  ASSERT_NOT_NULL(a);
  ASSERT_EQ(ferry_easy_setopt(a, FERRYOPT_COOKIELIST,
                              "Set-Cookie: own=1; domain=127.0.0.1"),
            FERRYE_OK);
  ASSERT_STR_EQ(cookies_of(a, buf, sizeof(buf)),
                "127.0.0.1\tFALSE\t/\tFALSE\t0\town\t1");
  ASSERT_EQ(ferry_easy_setopt(a, FERRYOPT_SHARE, sh), FERRYE_OK);
  ASSERT_STR_EQ(cookies_of(a, buf, sizeof(buf)), "");
  ASSERT_EQ(ferry_easy_setopt(a, FERRYOPT_COOKIEJAR, jar), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(a), FERRYE_OK);

  /* b has the share's jar, but as in libcurl its cookie engine is off
   * until a cookie option turns it on: nothing sent, nothing taken */
  b = sh_easy(fx_url(s, "/check"), &body, NULL, sh);
  ASSERT_NOT_NULL(b);
  ASSERT_EQ(ferry_easy_perform(b), FERRYE_OK);
  ASSERT_STR_EQ(cookie_sent(s, 1, buf, sizeof(buf)), "");
  ASSERT_STR_EQ(cookies_of(b, buf, sizeof(buf)),
                "127.0.0.1\tFALSE\t/\tFALSE\t0\ta\t1");
  ASSERT_EQ(ferry_easy_setopt(b, FERRYOPT_URL, fx_url(s, "/set2")), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(b), FERRYE_OK);
  ASSERT_STR_EQ(cookies_of(b, buf, sizeof(buf)),
                "127.0.0.1\tFALSE\t/\tFALSE\t0\ta\t1");
  ASSERT_EQ(ferry_easy_setopt(b, FERRYOPT_URL, fx_url(s, "/check")), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(b, FERRYOPT_COOKIEFILE, ""), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(b), FERRYE_OK);
  ASSERT_STR_EQ(cookie_sent(s, 3, buf, sizeof(buf)), "a=1");
  /* b's COOKIEFILE is read into the share's jar at b's next transfer, and
   * b's new cookie reaches a */
  ASSERT_EQ(ferry_easy_setopt(b, FERRYOPT_COOKIEFILE, file), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(b, FERRYOPT_URL, fx_url(s, "/set2")), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(b), FERRYE_OK);
  /* libcurl's order: the longer name first, then the newer */
  ASSERT_STR_EQ(cookie_sent(s, 4, buf, sizeof(buf)), "fromfile=3; a=1");
  ASSERT_EQ(ferry_easy_setopt(a, FERRYOPT_URL, fx_url(s, "/check")), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(a), FERRYE_OK);
  ASSERT_STR_EQ(cookie_sent(s, 5, buf, sizeof(buf)), "fromfile=3; b=2; a=1");
  /* COOKIELIST works on the share's jar: a cookie added by b ... */
  ASSERT_EQ(ferry_easy_setopt(b, FERRYOPT_COOKIELIST,
                              "127.0.0.1\tFALSE\t/\tFALSE\t0\tlisted\t4"),
            FERRYE_OK);
  ASSERT_CONTAINS(cookies_of(a, buf, sizeof(buf)), "\tlisted\t4");
  /* ... and "SESS" from a empties it for both */
  ASSERT_EQ(ferry_easy_setopt(a, FERRYOPT_COOKIELIST, "SESS"), FERRYE_OK);
  ASSERT_STR_EQ(cookies_of(b, buf, sizeof(buf)), "");
  ASSERT_EQ(ferry_easy_setopt(b, FERRYOPT_URL, fx_url(s, "/set")), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(b), FERRYE_OK);

  /* COOKIEFILE NULL turns b's engine off and leaves the jar alone */
  ASSERT_EQ(ferry_easy_setopt(b, FERRYOPT_COOKIEFILE, NULL), FERRYE_OK);
  ASSERT_STR_EQ(cookies_of(b, buf, sizeof(buf)), "");
  ASSERT_STR_EQ(cookies_of(a, buf, sizeof(buf)),
                "127.0.0.1\tFALSE\t/\tFALSE\t0\ta\t1");
  /* turned on again, it is the share's jar again */
  ASSERT_EQ(ferry_easy_setopt(b, FERRYOPT_COOKIEFILE, ""), FERRYE_OK);
  ASSERT_STR_EQ(cookies_of(b, buf, sizeof(buf)),
                "127.0.0.1\tFALSE\t/\tFALSE\t0\ta\t1");

  /* detaching: no cookie engine, no copy (as libcurl) */
  c = sh_easy(fx_url(s, "/check"), &body, NULL, sh);
  ASSERT_NOT_NULL(c);
  ASSERT_EQ(ferry_easy_setopt(c, FERRYOPT_SHARE, NULL), FERRYE_OK);
  ASSERT_STR_EQ(cookies_of(c, buf, sizeof(buf)), "");
  ASSERT_EQ(ferry_easy_perform(c), FERRYE_OK);
  ASSERT_STR_EQ(cookie_sent(s, 7, buf, sizeof(buf)), "");
  ferry_easy_cleanup(c);

  /* a's cleanup writes the share's jar to a's COOKIEJAR */
  ferry_easy_cleanup(a);
  f = fopen(jar, "r");
  ASSERT_NOT_NULL(f);
  {
    char text[2048];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    ASSERT_CONTAINS(text, "127.0.0.1\tFALSE\t/\tFALSE\t0\ta\t1");
  }
  /* the jar outlives a: b still has it */
  ASSERT_STR_EQ(cookies_of(b, buf, sizeof(buf)),
                "127.0.0.1\tFALSE\t/\tFALSE\t0\ta\t1");
  ferry_easy_cleanup(b);
  ASSERT_EQ(ferry_share_cleanup(sh), FERRYSHE_OK);
  unlink(file);
  unlink(jar);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- DNS --------------------------------------------------------------------- */

/* One easy_perform of url on a new handle with sh (may be NULL), extra
 * long options as pairs ending with 0; *resolving counts its "Resolving"
 * trace lines. */
static ferry_code perform_counting(const char *url, ferry_share *sh,
                                   unsigned *resolving, ...) {
  sink body = {0}, trace = {0};
  ferry_easy *e = sh_easy(url, &body, &trace, sh);
  ferry_code rc;
  va_list ap;
  int opt;
  if (e == NULL)
    return FERRYE_OUT_OF_MEMORY;
  va_start(ap, resolving);
  while ((opt = va_arg(ap, int)) != 0)
    ferry_easy_setopt(e, (ferry_option)opt, va_arg(ap, long));
  va_end(ap);
  rc = ferry_easy_perform(e);
  *resolving = count_in(&trace, "Resolving");
  ferry_easy_cleanup(e);
  sink_free(&body);
  sink_free(&trace);
  return rc;
}

TEST_IMPL(share_dns_second_handle_does_not_resolve_again) {
  tserver *s = tserver_start();
  ferry_share *sh = share_of(1, FERRY_LOCK_DATA_DNS);
  unsigned n = 9;
  int port;

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(sh);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  port = tserver_port(s);
  /* without the share, each private multi looks the name up */
  ASSERT_EQ(perform_counting(url_of("localhost", port, "/", 0), NULL, &n, 0),
            FERRYE_OK);
  ASSERT_EQ(n, 1);
  ASSERT_EQ(perform_counting(url_of("localhost", port, "/", 0), NULL, &n, 0),
            FERRYE_OK);
  ASSERT_EQ(n, 1);
  /* with it, the first one's answer serves the second */
  ASSERT_EQ(perform_counting(url_of("localhost", port, "/", 0), sh, &n, 0),
            FERRYE_OK);
  ASSERT_EQ(n, 1);
  ASSERT_EQ(perform_counting(url_of("localhost", port, "/", 0), sh, &n, 0),
            FERRYE_OK);
  ASSERT_EQ(n, 0);
  /* as libcurl, the reader's DNS_CACHE_TIMEOUT decides: 0 takes nothing
   * from the cache */
  ASSERT_EQ(perform_counting(url_of("localhost", port, "/", 0), sh, &n,
                             FERRYOPT_DNS_CACHE_TIMEOUT, 0L, 0),
            FERRYE_OK);
  ASSERT_EQ(n, 1);
  ASSERT_EQ(perform_counting(url_of("localhost", port, "/", 0), sh, &n,
                             FERRYOPT_DNS_CACHE_TIMEOUT, -1L, 0),
            FERRYE_OK);
  ASSERT_EQ(n, 0);
  /* UNSHARE empties it */
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_UNSHARE, FERRY_LOCK_DATA_DNS),
            FERRYSHE_OK);
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_SHARE, FERRY_LOCK_DATA_DNS),
            FERRYSHE_OK);
  ASSERT_EQ(perform_counting(url_of("localhost", port, "/", 0), sh, &n, 0),
            FERRYE_OK);
  ASSERT_EQ(n, 1);
  ASSERT_EQ(ferry_share_cleanup(sh), FERRYSHE_OK);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* Two multis in one thread ask for a name at the same time: each runs its
 * own lookup (one in flight in the other is not waited for), and their
 * answers go to the share, which a third handle then uses. */
TEST_IMPL(share_dns_lookup_in_flight_in_another_multi_is_not_waited_for) {
  tserver *s = tserver_start();
  ferry_share *sh = share_of(1, FERRY_LOCK_DATA_DNS);
  ferry_multi *m[2];
  ferry_easy *e[2];
  sink body[2], trace[2];
  int running[2] = {1, 1};
  unsigned n = 9;

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(sh);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  memset(body, 0, sizeof(body));
  memset(trace, 0, sizeof(trace));
  for (int i = 0; i < 2; i++) {
    m[i] = ferry_multi_init();
    ASSERT_NOT_NULL(m[i]);
    e[i] = sh_easy(url_of("localhost", tserver_port(s), "/", 0), &body[i],
                   &trace[i], sh);
    ASSERT_NOT_NULL(e[i]);
    ASSERT_EQ(ferry_multi_add_handle(m[i], e[i]), FERRYM_OK);
    ASSERT_EQ(ferry_multi_perform(m[i], &running[i]), FERRYM_OK);
  }
  while (running[0] || running[1])
    for (int i = 0; i < 2; i++)
      if (running[i]) {
        ASSERT_EQ(ferry_multi_poll(m[i], NULL, 0, 10, NULL), FERRYM_OK);
        ASSERT_EQ(ferry_multi_perform(m[i], &running[i]), FERRYM_OK);
      }
  for (int i = 0; i < 2; i++) {
    ferry_msg *msg = ferry_multi_info_read(m[i], NULL);
    ASSERT_NOT_NULL(msg);
    ASSERT_EQ(msg->data.result, FERRYE_OK);
    ASSERT_EQ(count_in(&trace[i], "Resolving"), 1);
    ferry_multi_remove_handle(m[i], e[i]);
    ferry_easy_cleanup(e[i]);
    ASSERT_EQ(ferry_multi_cleanup(m[i]), FERRYM_OK);
    sink_free(&body[i]);
    sink_free(&trace[i]);
  }
  ASSERT_EQ(perform_counting(url_of("localhost", tserver_port(s), "/", 0), sh,
                             &n, 0),
            FERRYE_OK);
  ASSERT_EQ(n, 0);
  ASSERT_EQ(ferry_share_cleanup(sh), FERRYSHE_OK);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* RESOLVE entries go into the cache the handle uses: with a share, every
 * handle of the share finds them; "-HOST:PORT" takes one out. Names under
 * .invalid never reach a resolver: only RESOLVE gives them an address. */
TEST_IMPL(share_dns_resolve_entries_serve_every_handle_of_the_share) {
  tserver *s = tserver_start();
  ferry_share *sh = share_of(1, FERRY_LOCK_DATA_DNS);
  ferry_slist *add = NULL, *del = NULL;
  sink body = {0}, trace = {0};
  ferry_easy *a, *b;
  char entry[64];
  const char *url;

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(sh);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  url = url_of("share.invalid", tserver_port(s), "/", 0);
  snprintf(entry, sizeof(entry), "share.invalid:%d:127.0.0.1", tserver_port(s));
  add = ferry_slist_append(add, entry);
  snprintf(entry, sizeof(entry), "-share.invalid:%d", tserver_port(s));
  del = ferry_slist_append(del, entry);

  /* without a share, b has no such name (connections are not reused
   * here: each transfer looks its name up) */
  b = sh_easy(url, &body, &trace, NULL);
  ASSERT_NOT_NULL(b);
  ASSERT_EQ(ferry_easy_setopt(b, FERRYOPT_FORBID_REUSE, 1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(b), FERRYE_COULDNT_RESOLVE_HOST);
  ASSERT_EQ(ferry_easy_setopt(b, FERRYOPT_SHARE, sh), FERRYE_OK);
  a = sh_easy(url, &body, &trace, sh);
  ASSERT_NOT_NULL(a);
  ASSERT_EQ(ferry_easy_setopt(a, FERRYOPT_FORBID_REUSE, 1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(a, FERRYOPT_RESOLVE, add), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(a), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(b), FERRYE_OK);
  ASSERT_CONTAINS(trace.data, "is overridden");
  /* a takes it out for everyone */
  ASSERT_EQ(ferry_easy_setopt(a, FERRYOPT_RESOLVE, del), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(a), FERRYE_COULDNT_RESOLVE_HOST);
  ASSERT_EQ(ferry_easy_perform(b), FERRYE_COULDNT_RESOLVE_HOST);
  ferry_easy_cleanup(a);
  ferry_easy_cleanup(b);
  ASSERT_MEM_EQ(body.data, body.len, "hellohello");
  ASSERT_EQ(ferry_share_cleanup(sh), FERRYSHE_OK);
  ferry_slist_free_all(add);
  ferry_slist_free_all(del);
  sink_free(&body);
  sink_free(&trace);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- TLS sessions ------------------------------------------------------------ */

static int tls_sessions_resume_across_handles(int tickets) {
  tlsserver *s = start_tls(NULL, tickets);
  ferry_share *sh = share_of(1, FERRY_LOCK_DATA_SSL_SESSION);
  sink body = {0}, trace = {0};
  ferry_easy *a, *b;
  const char *url;

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(sh);
  url = url_of("localhost", tlsserver_port(s), "/", 1);
  /* without the share: two private multis, two full handshakes */
  a = sh_easy(url, &body, &trace, NULL);
  b = sh_easy(url, &body, &trace, NULL);
  ASSERT_NOT_NULL(a);
  ASSERT_NOT_NULL(b);
  ASSERT_EQ(ferry_easy_perform(a), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(b), FERRYE_OK);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_HANDSHAKES), 2);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_RESUMED), 0);
  ferry_easy_cleanup(a);
  ferry_easy_cleanup(b);
  /* with it: the second handle resumes the first one's session */
  a = sh_easy(url, &body, &trace, sh);
  b = sh_easy(url, &body, &trace, sh);
  ASSERT_NOT_NULL(a);
  ASSERT_NOT_NULL(b);
  ASSERT_EQ(ferry_easy_perform(a), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(b), FERRYE_OK);
  ASSERT_EQ(info_long(b, FERRYINFO_NUM_CONNECTS), 1);
  ASSERT_EQ(info_long(b, FERRYINFO_SSL_VERIFYRESULT), 0);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_HANDSHAKES), 4);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_RESUMED), 1);
  ASSERT_EQ(count_in(&trace, "(resumed)"), 1);
  ferry_easy_cleanup(a);
  ferry_easy_cleanup(b);
  ASSERT_MEM_EQ(body.data, body.len, "hellohellohellohello");
  ASSERT_EQ(ferry_share_cleanup(sh), FERRYSHE_OK);
  sink_free(&body);
  sink_free(&trace);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(share_tls_session_of_one_handle_is_resumed_by_another) {
  ASSERT_EQ(tls_sessions_resume_across_handles(0), 0);
  ASSERT_EQ(tls_sessions_resume_across_handles(1), 0);
  return 0;
}

/* ---- connections ----------------------------------------------------------- */

TEST_IMPL(share_connect_second_easy_perform_reuses_the_first_connection) {
  tserver *s = tserver_start();
  ferry_share *sh = share_of(1, FERRY_LOCK_DATA_CONNECT);
  sink body = {0}, trace = {0};
  ferry_easy *a, *b;

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(sh);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  a = sh_easy(fx_url(s, "/a"), &body, &trace, sh);
  b = sh_easy(fx_url(s, "/b"), &body, &trace, sh);
  ASSERT_NOT_NULL(a);
  ASSERT_NOT_NULL(b);
  ASSERT_EQ(ferry_easy_perform(a), FERRYE_OK);
  ASSERT_EQ(info_long(a, FERRYINFO_NUM_CONNECTS), 1);
  ASSERT_EQ(ferry_easy_perform(b), FERRYE_OK);
  ASSERT_EQ(info_long(b, FERRYINFO_NUM_CONNECTS), 0);
  ASSERT_CONTAINS(trace.data, "Re-using existing connection");
  /* and back to a, whose multi gave it away */
  ASSERT_EQ(ferry_easy_perform(a), FERRYE_OK);
  ASSERT_EQ(info_long(a, FERRYINFO_NUM_CONNECTS), 0);
  ASSERT_EQ(tserver_connections(s), 1);
  ASSERT_EQ(tserver_requests(s), 3);
  /* a handle without the share makes its own */
  ASSERT_EQ(ferry_easy_setopt(b, FERRYOPT_SHARE, NULL), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(b), FERRYE_OK);
  ASSERT_EQ(info_long(b, FERRYINFO_NUM_CONNECTS), 1);
  ASSERT_EQ(tserver_connections(s), 2);
  ferry_easy_cleanup(b); /* its private multi closes its own */
  ASSERT_EQ(tserver_wait_closed(s, 1, WAIT_MS), 0);
  /* cleaning a up leaves the shared connection with the share ... */
  ferry_easy_cleanup(a);
  ASSERT_EQ(tserver_wait_closed(s, 2, 300), -1);
  /* ... whose cleanup closes it */
  ASSERT_EQ(ferry_share_cleanup(sh), FERRYSHE_OK);
  ASSERT_EQ(tserver_wait_closed(s, 2, WAIT_MS), 0);
  ASSERT_MEM_EQ(body.data, body.len, "hellohellohellohello");
  sink_free(&body);
  sink_free(&trace);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

static void on_closed(ferry_multi *m, void *arg) {
  (void)m;
  *(int *)arg = 1;
}

/* One transfer of e on a multi: in libuv mode on loop when loop is set
 * (the adapter watches the idle connection, then lets it go to the
 * share), else in perform mode. */
static ferry_code run_on_multi(ferry_easy *e, uv_loop_t *loop) {
  ferry_multi *m = ferry_multi_init();
  ferry_code rc = FERRYE_LAST;
  ferry_msg *msg;
  int running = 1, closed = 0;

  if (m == NULL)
    return FERRYE_OUT_OF_MEMORY;
  if (loop != NULL) {
    if (ferry_multi_use_loop(m, loop) != FERRYM_OK ||
        ferry_multi_add_handle(m, e) != FERRYM_OK)
      return FERRYE_LAST;
    uv_run(loop, UV_RUN_DEFAULT);
  } else {
    if (ferry_multi_add_handle(m, e) != FERRYM_OK)
      return FERRYE_LAST;
    while (running && ferry_multi_perform(m, &running) == FERRYM_OK && running)
      ferry_multi_poll(m, NULL, 0, 1000, NULL);
  }
  msg = ferry_multi_info_read(m, NULL);
  if (msg != NULL)
    rc = msg->data.result;
  ferry_multi_remove_handle(m, e);
  if (loop != NULL) {
    ferry_multi_close(m, on_closed, &closed);
    uv_run(loop, UV_RUN_DEFAULT);
  } else {
    ferry_multi_cleanup(m);
  }
  return rc;
}

static int multi_and_easy_perform_share_connections(uv_loop_t *loop) {
  tserver *s = tserver_start();
  ferry_share *sh = share_of(1, FERRY_LOCK_DATA_CONNECT);
  sink body = {0};
  ferry_easy *a, *b;

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(sh);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  a = sh_easy(fx_url(s, "/multi"), &body, NULL, sh);
  b = sh_easy(fx_url(s, "/easy"), &body, NULL, sh);
  ASSERT_NOT_NULL(a);
  ASSERT_NOT_NULL(b);
  /* a multi's transfer, then an easy_perform, then a multi again */
  ASSERT_EQ(run_on_multi(a, loop), FERRYE_OK);
  ASSERT_EQ(info_long(a, FERRYINFO_NUM_CONNECTS), 1);
  ASSERT_EQ(ferry_easy_perform(b), FERRYE_OK);
  ASSERT_EQ(info_long(b, FERRYINFO_NUM_CONNECTS), 0);
  ASSERT_EQ(run_on_multi(a, loop), FERRYE_OK);
  ASSERT_EQ(info_long(a, FERRYINFO_NUM_CONNECTS), 0);
  ASSERT_EQ(tserver_connections(s), 1);
  /* the server closes the idle connection: the next taker sees it dead
   * (without blocking) and connects anew */
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_UNSHARE, FERRY_LOCK_DATA_CONNECT),
            FERRYSHE_IN_USE);
  ferry_easy_cleanup(a);
  ferry_easy_cleanup(b);
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_UNSHARE, FERRY_LOCK_DATA_CONNECT),
            FERRYSHE_OK);
  ASSERT_EQ(tserver_wait_closed(s, 1, WAIT_MS), 0);
  ASSERT_EQ(ferry_share_cleanup(sh), FERRYSHE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hellohellohello");
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(share_connect_a_multi_and_an_easy_perform_reuse_each_others_connection) {
  uv_loop_t loop;
  ASSERT_EQ(multi_and_easy_perform_share_connections(NULL), 0);
  ASSERT_EQ(uv_loop_init(&loop), 0);
  ASSERT_EQ(multi_and_easy_perform_share_connections(&loop), 0);
  MAKE_LOOP_HAPPY(&loop);
  return 0;
}

TEST_IMPL(share_connect_idle_connection_the_server_closed_is_not_used) {
  tserver *s = tserver_start();
  ferry_share *sh = share_of(1, FERRY_LOCK_DATA_CONNECT);
  static const ts_step once[] = {FX_STEP_REQ, FX_STEP_SEND(FX_OK_HELLO),
                                 FX_STEP_DELAY(50), FX_STEP_CLOSE};
  sink body = {0};
  ferry_easy *a, *b;

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(sh);
  tserver_default_script(s, FX_STEPS(once));
  a = sh_easy(fx_url(s, "/a"), &body, NULL, sh);
  b = sh_easy(fx_url(s, "/b"), &body, NULL, sh);
  ASSERT_NOT_NULL(a);
  ASSERT_NOT_NULL(b);
  ASSERT_EQ(ferry_easy_perform(a), FERRYE_OK);
  ASSERT_EQ(tserver_wait_closed(s, 1, WAIT_MS), 0);
  ASSERT_EQ(ferry_easy_perform(b), FERRYE_OK);
  ASSERT_EQ(info_long(b, FERRYINFO_NUM_CONNECTS), 1);
  ASSERT_EQ(tserver_connections(s), 2);
  ferry_easy_cleanup(a);
  ferry_easy_cleanup(b);
  ASSERT_EQ(ferry_share_cleanup(sh), FERRYSHE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hellohello");
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- HSTS ---------------------------------------------------------------------- */

TEST_IMPL(share_hsts_one_handle_learns_a_host_the_other_goes_https) {
  tlsserver *s = start_tls("HTTP/1.1 200 OK\r\nStrict-Transport-Security: "
                           "max-age=3600\r\nContent-Length: 5\r\n\r\nhello",
                           0);
  ferry_share *sh = share_of(1, FERRY_LOCK_DATA_HSTS);
  sink body = {0}, trace = {0};
  ferry_easy *a, *b, *c;
  char file[64], text[1024];
  FILE *f;
  size_t n;
  int fd;

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(sh);
  snprintf(file, sizeof(file), "/tmp/ferry-share-hsts-XXXXXX");
  ASSERT((fd = mkstemp(file)) >= 0);
  close(fd);
  unlink(file);
  a = sh_easy(url_of("localhost", tlsserver_port(s), "/", 1), &body, &trace,
              sh);
  ASSERT_NOT_NULL(a);
  ASSERT_EQ(ferry_easy_setopt(a, FERRYOPT_HSTS, file), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(a), FERRYE_OK);
  /* b never turned HSTS on: the share did; its http:// URL to the TLS
   * server's port goes https first, and works */
  b = sh_easy(url_of("localhost", tlsserver_port(s), "/b", 0), &body, &trace,
              sh);
  ASSERT_NOT_NULL(b);
  ASSERT_EQ(ferry_easy_perform(b), FERRYE_OK);
  ASSERT_CONTAINS(trace.data, "HSTS: localhost is a known HSTS host");
  /* without it, the same URL sends plain HTTP to a TLS server */
  c = sh_easy(url_of("localhost", tlsserver_port(s), "/c", 0), &body, NULL,
              NULL);
  ASSERT_NOT_NULL(c);
  ASSERT_NE(ferry_easy_perform(c), FERRYE_OK);
  ferry_easy_cleanup(c);
  /* detached, b's HSTS is off */
  ASSERT_EQ(ferry_easy_setopt(b, FERRYOPT_SHARE, NULL), FERRYE_OK);
  ASSERT_NE(ferry_easy_perform(b), FERRYE_OK);
  ferry_easy_cleanup(b);
  /* a's cleanup writes the share's store to a's file */
  ferry_easy_cleanup(a);
  f = fopen(file, "r");
  ASSERT_NOT_NULL(f);
  n = fread(text, 1, sizeof(text) - 1, f);
  text[n] = '\0';
  fclose(f);
  unlink(file);
  ASSERT_CONTAINS(text, "\nlocalhost \"");
  ASSERT_EQ(ferry_share_cleanup(sh), FERRYSHE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hellohello");
  sink_free(&body);
  sink_free(&trace);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

/* ---- lock callbacks ------------------------------------------------------------ */

typedef struct lockrec {
  ferry_easy *held_by[FERRY_LOCK_DATA_LAST];
  int held[FERRY_LOCK_DATA_LAST];
  int held_any;
  unsigned locks[FERRY_LOCK_DATA_LAST][FERRY_LOCK_ACCESS_LAST];
  unsigned unlocks[FERRY_LOCK_DATA_LAST];
  unsigned null_easy[FERRY_LOCK_DATA_LAST]; /* locks with easy NULL */
  unsigned bad;            /* nested, unbalanced or mismatched calls */
  unsigned callbacks_in_lock; /* application callbacks run under a lock */
  void *userdata_seen;
  char first_bad[128];
} lockrec;

static lockrec *rec_now; /* the recorder the app callbacks below check */

static void rec_bad(lockrec *r, const char *what, int data) {
  if (r->bad++ == 0)
    snprintf(r->first_bad, sizeof(r->first_bad), "%s (data %d)", what, data);
}

static void rec_lock(ferry_easy *e, ferry_lock_data data,
                     ferry_lock_access access, void *userp) {
  lockrec *r = userp;
  r->userdata_seen = userp;
  if (data <= FERRY_LOCK_DATA_NONE || data >= FERRY_LOCK_DATA_LAST ||
      access <= FERRY_LOCK_ACCESS_NONE || access >= FERRY_LOCK_ACCESS_LAST) {
    rec_bad(r, "bad arguments", (int)data);
    return;
  }
  if (r->held_any)
    rec_bad(r, "a lock taken while one is held", (int)data);
  r->held[data]++;
  r->held_any++;
  r->held_by[data] = e;
  r->locks[data][access]++;
  if (e == NULL)
    r->null_easy[data]++;
}

static void rec_unlock(ferry_easy *e, ferry_lock_data data, void *userp) {
  lockrec *r = userp;
  if (data <= FERRY_LOCK_DATA_NONE || data >= FERRY_LOCK_DATA_LAST) {
    rec_bad(r, "bad arguments", (int)data);
    return;
  }
  if (r->held[data] != 1)
    rec_bad(r, "an unlock of what is not locked", (int)data);
  else if (r->held_by[data] != e)
    rec_bad(r, "an unlock by another handle", (int)data);
  r->held[data] = 0;
  r->held_any = 0;
  r->unlocks[data]++;
}

static size_t rec_write(char *p, size_t size, size_t n, void *userp) {
  if (rec_now != NULL && rec_now->held_any)
    rec_now->callbacks_in_lock++;
  return sink_write(p, size, n, userp);
}

static int rec_debug(ferry_easy *e, ferry_infotype type, char *data,
                     size_t len, void *userp) {
  if (rec_now != NULL && rec_now->held_any)
    rec_now->callbacks_in_lock++;
  return debug_text(e, type, data, len, userp);
}

static ferry_stscode rec_hsts_write(ferry_easy *e, struct ferry_hstsentry *ent,
                                    struct ferry_index *i, void *userp) {
  (void)e;
  (void)ent;
  (void)i;
  (*(unsigned *)userp)++;
  if (rec_now != NULL && rec_now->held_any)
    rec_now->callbacks_in_lock++;
  return FERRYSTS_OK;
}

static unsigned total_locks(const lockrec *r, int data) {
  return r->locks[data][FERRY_LOCK_ACCESS_SHARED] +
         r->locks[data][FERRY_LOCK_ACCESS_SINGLE];
}

TEST_IMPL(share_lock_callbacks_come_in_pairs_with_the_right_data_and_access) {
  tlsserver *ts = start_tls("HTTP/1.1 200 OK\r\nSet-Cookie: t=1\r\n"
                            "Strict-Transport-Security: max-age=60\r\n"
                            "Content-Length: 5\r\n\r\nhello",
                            0);
  tserver *s = tserver_start();
  ferry_share *sh = ferry_share_init();
  sink body = {0}, trace = {0};
  lockrec r;
  ferry_easy *a, *b;
  unsigned before, hsts_written = 0;
  ferry_slist *list = NULL;

  memset(&r, 0, sizeof(r));
  ASSERT_NOT_NULL(ts);
  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(sh);
  tserver_respond_always(s, "HTTP/1.1 200 OK\r\nSet-Cookie: p=1\r\n"
                            "Content-Length: 5\r\n\r\nhello", 0);
  /* one callback alone is never called */
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_LOCKFUNC, rec_lock), FERRYSHE_OK);
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_USERDATA, &r), FERRYSHE_OK);
  for (int k = FERRY_LOCK_DATA_COOKIE; k < FERRY_LOCK_DATA_LAST; k++)
    if (k != FERRY_LOCK_DATA_PSL)
      ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_SHARE, k), FERRYSHE_OK);
  a = sh_easy(url_of("localhost", tserver_port(s), "/", 0), &body, NULL, sh);
  ASSERT_NOT_NULL(a);
  ASSERT_EQ(ferry_easy_setopt(a, FERRYOPT_SHARE, NULL), FERRYE_OK);
  ASSERT_EQ(total_locks(&r, FERRY_LOCK_DATA_SHARE), 0);
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_UNLOCKFUNC, rec_unlock),
            FERRYSHE_OK);
  rec_now = &r;

  /* attaching locks SHARE, with the handle */
  ASSERT_EQ(ferry_easy_setopt(a, FERRYOPT_SHARE, sh), FERRYE_OK);
  ASSERT_EQ(r.locks[FERRY_LOCK_DATA_SHARE][FERRY_LOCK_ACCESS_SINGLE], 1);
  ASSERT_EQ(r.unlocks[FERRY_LOCK_DATA_SHARE], 1);
  ASSERT(r.held_by[FERRY_LOCK_DATA_SHARE] == a);
  ASSERT(r.userdata_seen == &r);
  ferry_easy_setopt(a, FERRYOPT_COOKIEFILE, "");
  ferry_easy_setopt(a, FERRYOPT_WRITEFUNCTION, rec_write);
  ferry_easy_setopt(a, FERRYOPT_VERBOSE, 1L);
  ferry_easy_setopt(a, FERRYOPT_DEBUGFUNCTION, rec_debug);
  ferry_easy_setopt(a, FERRYOPT_DEBUGDATA, &trace);
  ferry_easy_setopt(a, FERRYOPT_HSTSWRITEFUNCTION, rec_hsts_write);
  ferry_easy_setopt(a, FERRYOPT_HSTSWRITEDATA, &hsts_written);
  /* a plain transfer to a name: DNS looked up (SHARED), stored (SINGLE);
   * the cookie taken (SINGLE); the connection parked (CONNECT) */
  ASSERT_EQ(ferry_easy_perform(a), FERRYE_OK);
  ASSERT_EQ(r.locks[FERRY_LOCK_DATA_DNS][FERRY_LOCK_ACCESS_SHARED], 1);
  ASSERT_EQ(r.locks[FERRY_LOCK_DATA_DNS][FERRY_LOCK_ACCESS_SINGLE], 1);
  ASSERT(r.locks[FERRY_LOCK_DATA_COOKIE][FERRY_LOCK_ACCESS_SINGLE] >= 2);
  ASSERT(total_locks(&r, FERRY_LOCK_DATA_CONNECT) >= 1);
  ASSERT(total_locks(&r, FERRY_LOCK_DATA_HSTS) >= 1); /* is it known? */
  /* the next one takes the connection: no name to find */
  ASSERT_EQ(ferry_easy_perform(a), FERRYE_OK);
  ASSERT_EQ(info_long(a, FERRYINFO_NUM_CONNECTS), 0);
  ASSERT_EQ(r.locks[FERRY_LOCK_DATA_DNS][FERRY_LOCK_ACCESS_SHARED], 1);
  /* one on a new connection finds the name: reading only */
  ferry_easy_setopt(a, FERRYOPT_FRESH_CONNECT, 1L);
  ASSERT_EQ(ferry_easy_perform(a), FERRYE_OK);
  ferry_easy_setopt(a, FERRYOPT_FRESH_CONNECT, 0L);
  ASSERT_EQ(info_long(a, FERRYINFO_NUM_CONNECTS), 1);
  ASSERT_EQ(r.locks[FERRY_LOCK_DATA_DNS][FERRY_LOCK_ACCESS_SHARED], 2);
  ASSERT_EQ(r.locks[FERRY_LOCK_DATA_DNS][FERRY_LOCK_ACCESS_SINGLE], 1);
  /* listing the cookies only reads */
  before = r.locks[FERRY_LOCK_DATA_COOKIE][FERRY_LOCK_ACCESS_SINGLE];
  ASSERT_EQ(ferry_easy_getinfo(a, FERRYINFO_COOKIELIST, &list), FERRYE_OK);
  ASSERT_NOT_NULL(list);
  ferry_slist_free_all(list);
  ASSERT_EQ(r.locks[FERRY_LOCK_DATA_COOKIE][FERRY_LOCK_ACCESS_SHARED], 1);
  ASSERT_EQ(r.locks[FERRY_LOCK_DATA_COOKIE][FERRY_LOCK_ACCESS_SINGLE], before);
  /* over TLS: the session looked up and stored, HSTS noted */
  ASSERT_EQ(make_certs(), 0);
  b = sh_easy(url_of("localhost", tlsserver_port(ts), "/", 1), &body, NULL,
              sh);
  ASSERT_NOT_NULL(b);
  ferry_easy_setopt(b, FERRYOPT_WRITEFUNCTION, rec_write);
  ferry_easy_setopt(b, FERRYOPT_VERBOSE, 1L);
  ferry_easy_setopt(b, FERRYOPT_DEBUGFUNCTION, rec_debug);
  ferry_easy_setopt(b, FERRYOPT_DEBUGDATA, &trace);
  ASSERT_EQ(ferry_easy_perform(b), FERRYE_OK);
  ASSERT_EQ(r.locks[FERRY_LOCK_DATA_SSL_SESSION][FERRY_LOCK_ACCESS_SINGLE], 2);
  ASSERT(r.locks[FERRY_LOCK_DATA_HSTS][FERRY_LOCK_ACCESS_SINGLE] >= 2);
  ASSERT_EQ(ferry_easy_perform(b), FERRYE_OK); /* the connection is reused */
  ferry_easy_cleanup(b);
  /* a's cleanup hands the shared HSTS store to its write callback, which
   * runs unlocked, then detaches (SHARE) */
  before = r.locks[FERRY_LOCK_DATA_SHARE][FERRY_LOCK_ACCESS_SINGLE];
  ferry_easy_cleanup(a);
  ASSERT_EQ(hsts_written, 1);
  ASSERT_EQ(r.locks[FERRY_LOCK_DATA_SHARE][FERRY_LOCK_ACCESS_SINGLE],
            before + 1);
  /* the share's cleanup locks SHARE with no handle */
  ASSERT_EQ(ferry_share_cleanup(sh), FERRYSHE_OK);
  ASSERT_EQ(r.null_easy[FERRY_LOCK_DATA_SHARE], 1);
  rec_now = NULL;
  /* every lock had its unlock, none nested, none while a callback ran */
  if (r.bad)
    fprintf(stderr, "  first bad call: %s\n", r.first_bad);
  ASSERT_EQ(r.bad, 0);
  ASSERT_EQ(r.callbacks_in_lock, 0);
  for (int k = FERRY_LOCK_DATA_SHARE; k < FERRY_LOCK_DATA_LAST; k++) {
    ASSERT_EQ(r.held[k], 0);
    ASSERT_EQ(total_locks(&r, k), r.unlocks[k]);
  }
  ASSERT_EQ(total_locks(&r, FERRY_LOCK_DATA_PSL), 0);
  ASSERT_MEM_EQ(body.data, body.len, "hellohellohellohellohello");
  sink_free(&body);
  sink_free(&trace);
  ASSERT_EQ(tserver_stop(s), 0);
  ASSERT_EQ(tlsserver_stop(ts), 0);
  return 0;
}

/* ---- out of memory --------------------------------------------------------- */

static long alloc_count;
static long fail_at; /* 0: never fail */

static int should_fail(void) {
  return ++alloc_count == fail_at;
}

static void *t_malloc(size_t n) { return should_fail() ? NULL : malloc(n); }
static void t_free(void *p) { free(p); }
static void *t_realloc(void *p, size_t n) {
  return should_fail() ? NULL : realloc(p, n);
}
static char *t_strdup(const char *s) { return should_fail() ? NULL : strdup(s); }
static void *t_calloc(size_t a, size_t b) {
  return should_fail() ? NULL : calloc(a, b);
}

/* A share of everything and two handles, each with two easy_performs to a
 * name with cookies: OK, or a clean out-of-memory answer somewhere. */
static int oom_scenario(tserver *s) {
  ferry_share *sh = ferry_share_init();
  ferry_easy *e[2] = {NULL, NULL};
  sink body = {0};
  int bad = 0;

  if (sh == NULL)
    return 0;
  for (int k = FERRY_LOCK_DATA_COOKIE; k < FERRY_LOCK_DATA_LAST; k++) {
    ferry_shcode sc = ferry_share_setopt(sh, FERRYSHOPT_SHARE, k);
    if (sc != FERRYSHE_OK && sc != FERRYSHE_NOMEM &&
        !(k == FERRY_LOCK_DATA_PSL && sc == FERRYSHE_NOT_BUILT_IN))
      bad = 1;
  }
  for (int i = 0; i < 2 && !bad; i++) {
    e[i] = ferry_easy_init();
    if (e[i] == NULL)
      continue;
    if (ferry_easy_setopt(e[i], FERRYOPT_URL,
                          url_of("localhost", tserver_port(s), "/", 0)) !=
        FERRYE_OK) {
      ferry_easy_cleanup(e[i]); /* out of memory */
      e[i] = NULL;
      continue;
    }
    ferry_easy_setopt(e[i], FERRYOPT_WRITEFUNCTION, sink_write);
    ferry_easy_setopt(e[i], FERRYOPT_WRITEDATA, &body);
    ferry_easy_setopt(e[i], FERRYOPT_COOKIEFILE, "");
    ferry_easy_setopt(e[i], FERRYOPT_IPRESOLVE, FERRY_IPRESOLVE_V4);
    ferry_easy_setopt(e[i], FERRYOPT_TIMEOUT_MS, XFER_TIMEOUT_MS);
    if (ferry_easy_setopt(e[i], FERRYOPT_SHARE, sh) != FERRYE_OK)
      bad = 2;
  }
  for (int round = 0; round < 2 && !bad; round++)
    for (int i = 0; i < 2; i++) {
      ferry_code rc;
      if (e[i] == NULL)
        continue;
      rc = ferry_easy_perform(e[i]);
      if (rc != FERRYE_OK && rc != FERRYE_OUT_OF_MEMORY &&
          rc != FERRYE_COULDNT_RESOLVE_HOST && rc != FERRYE_RECV_ERROR &&
          rc != FERRYE_FAILED_INIT && rc != FERRYE_COULDNT_CONNECT)
        bad = 100 + rc;
    }
  for (int i = 0; i < 2; i++)
    ferry_easy_cleanup(e[i]);
  if (ferry_share_cleanup(sh) != FERRYSHE_OK)
    bad = 3;
  sink_free(&body);
  return bad;
}

TEST_IMPL(share_oom_each_allocation_of_shared_transfers_fails_cleanly) {
  tserver *s = tserver_start();
  long total;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, "HTTP/1.1 200 OK\r\nSet-Cookie: o=1\r\n"
                            "Content-Length: 5\r\n\r\nhello", 0);
  ASSERT_EQ(ferry_global_init_mem(FERRY_GLOBAL_ALL, t_malloc, t_free, t_realloc,
                                  t_strdup, t_calloc),
            FERRYE_OK);
  fail_at = 0;
  alloc_count = 0;
  ASSERT_EQ(oom_scenario(s), 0);
  total = alloc_count;
  ASSERT(total > 20);
  for (long i = 1; i <= total; i++) {
    fail_at = i;
    alloc_count = 0;
    int bad = oom_scenario(s);
    if (bad != 0) {
      fprintf(stderr, "  failing allocation %ld of %ld: %d\n", i, total, bad);
      fail_at = 0;
      ferry_global_cleanup();
      tserver_stop(s);
      return 1;
    }
  }
  fail_at = 0;
  ferry_global_cleanup();
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- threads ----------------------------------------------------------------- */

#define THREAD_XFERS 12

typedef struct locks {
  pthread_mutex_t mu[FERRY_LOCK_DATA_LAST];
} locks;

static void mutex_lock(ferry_easy *e, ferry_lock_data data,
                       ferry_lock_access access, void *userp) {
  (void)e;
  (void)access;
  pthread_mutex_lock(&((locks *)userp)->mu[data]);
}

static void mutex_unlock(ferry_easy *e, ferry_lock_data data, void *userp) {
  (void)e;
  pthread_mutex_unlock(&((locks *)userp)->mu[data]);
}

typedef struct worker {
  pthread_t tid;
  ferry_share *sh;
  const char *url;
  int ok;
  unsigned resumed, resolving, cookie_sent;
} worker;

/* Each transfer on a handle of its own (its own private multi), on a
 * connection of its own: a name lookup, a TLS handshake and the cookie
 * jar each time, all through the share. */
static void *worker_main(void *arg) {
  worker *w = arg;
  for (int i = 0; i < THREAD_XFERS; i++) {
    sink body = {0}, trace = {0};
    ferry_easy *e = sh_easy(w->url, &body, &trace, w->sh);
    if (e == NULL)
      continue;
    ferry_easy_setopt(e, FERRYOPT_FORBID_REUSE, 1L);
    ferry_easy_setopt(e, FERRYOPT_COOKIEFILE, "");
    if (ferry_easy_perform(e) == FERRYE_OK && body.len == 5)
      w->ok++;
    w->resumed += count_in(&trace, "(resumed)");
    w->resolving += count_in(&trace, "Resolving");
    ferry_easy_cleanup(e);
    sink_free(&body);
    sink_free(&trace);
  }
  return NULL;
}

TEST_IMPL(share_threads_two_threads_share_dns_cookies_and_tls_sessions) {
  tlsserver *s = start_tls("HTTP/1.1 200 OK\r\nSet-Cookie: t=1\r\n"
                           "Content-Length: 5\r\n\r\nhello",
                           0);
  ferry_share *sh = share_of(3, FERRY_LOCK_DATA_DNS, FERRY_LOCK_DATA_COOKIE,
                             FERRY_LOCK_DATA_SSL_SESSION);
  worker w[2];
  locks l;
  char buf[256];
  ferry_easy *e;
  unsigned with_cookie = 0;

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(sh);
  for (int i = 0; i < FERRY_LOCK_DATA_LAST; i++)
    pthread_mutex_init(&l.mu[i], NULL);
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_LOCKFUNC, mutex_lock), FERRYSHE_OK);
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_UNLOCKFUNC, mutex_unlock),
            FERRYSHE_OK);
  ASSERT_EQ(ferry_share_setopt(sh, FERRYSHOPT_USERDATA, &l), FERRYSHE_OK);
  memset(w, 0, sizeof(w));
  for (int i = 0; i < 2; i++) {
    w[i].sh = sh;
    w[i].url = url_of("localhost", tlsserver_port(s), "/", 1);
    ASSERT_EQ(pthread_create(&w[i].tid, NULL, worker_main, &w[i]), 0);
  }
  for (int i = 0; i < 2; i++)
    ASSERT_EQ(pthread_join(w[i].tid, NULL), 0);
  ASSERT_EQ(w[0].ok + w[1].ok, 2 * THREAD_XFERS);
  /* at most one full handshake and one lookup per thread: the rest came
   * from the share */
  ASSERT_GE(w[0].resumed + w[1].resumed, 2 * THREAD_XFERS - 2);
  ASSERT_LE(w[0].resolving + w[1].resolving, 2);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_CONNECTIONS), 2 * THREAD_XFERS);
  /* the cookie the server set went back with the later requests */
  for (unsigned c = 0; c < 2 * THREAD_XFERS; c++) {
    size_t len;
    char *got = tlsserver_received(s, c, &len);
    if (got != NULL && strstr(got, "\r\nCookie: t=1\r\n") != NULL)
      with_cookie++;
    free(got);
  }
  ASSERT_GE(with_cookie, 2 * THREAD_XFERS - 2);
  e = ferry_easy_init();
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_SHARE, sh), FERRYE_OK);
  ASSERT_CONTAINS(cookies_of(e, buf, sizeof(buf)), "\tt\t1");
  ferry_easy_cleanup(e);
  ASSERT_EQ(ferry_share_cleanup(sh), FERRYSHE_OK);
  for (int i = 0; i < FERRY_LOCK_DATA_LAST; i++)
    pthread_mutex_destroy(&l.mu[i]);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

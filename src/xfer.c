/* The transfer state machine.
 *
 *   INIT -> [PENDING ->] RESOLVE -> CONNECT [-> TLS] -> SEND
 *        -> RECV_HEADERS -> RECV_BODY -> DONE
 *
 * A transfer that finds an idle pooled connection goes from INIT straight to
 * SEND. ferry__xfer_state is the only writer of e->state. Every user
 * callback is called with the multi's in_callback count raised, and the
 * transfer is re-checked after it returns. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/un.h>

#include "alloc.h"
#include "conn.h"
#include "decode.h"
#include "http.h"
#include "proxy.h"
#include "easy.h"
#include "multi.h"
#include "partial.h"
#include "resolve.h"
#include "route.h"
#include "tls.h"
#include "trace.h"
#include "xfer.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 300000
#define UPLOAD_CHUNK 16384

static const char *const xstate_names[] = {
#define FERRY_X_(s) #s,
    FERRY__XFER_STATES(FERRY_X_)
#undef FERRY_X_
};

const char *ferry__xstate_name(ferry__xstate s) {
  return (unsigned)s < FERRY__XS_COUNT ? xstate_names[s] : "?";
}

void ferry__xfer_state(ferry_easy *e, ferry__xstate s) {
  if (e->state == s)
    return;
  e->state = s;
  if (ferry__trace_on(e))
    ferry__infof(e, "-> [%s]", xstate_names[s]);
}

static uint64_t now_ns(void) { return uv_hrtime(); }

static void xfer_fail(ferry_easy *e, ferry_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void xfer_fail(ferry_easy *e, ferry_code code, const char *fmt, ...) {
  va_list ap;
  if (e->errtext[0] == '\0' && fmt != NULL) {
    va_start(ap, fmt);
    vsnprintf(e->errtext, sizeof(e->errtext), fmt, ap);
    va_end(ap);
  }
  ferry__xfer_done(e, code);
}

/* ---- setup ------------------------------------------------------------ */

/* Forget what on_header_line() kept of a response's headers: the next
 * response (after a 1xx, a CONNECT answer, or on the next hop) brings its
 * own. */
static void forget_response_headers(ferry_easy *e) {
  ferry__free(e->location);
  e->location = NULL;
  ferry__free(e->www_auth);
  e->www_auth = NULL;
  ferry__free(e->content_type);
  e->content_type = NULL;
  ferry__free(e->content_encoding);
  e->content_encoding = NULL;
}

/* Forget what belongs to one hop (one request and its response); what
 * belongs to the whole transfer stays. Used between redirect hops and by
 * ferry__xfer_reset. */
static void forget_hop(ferry_easy *e) {
  if (e->parser_live)
    ferry__h1_parser_free(&e->parser);
  e->parser_live = 0;
  ferry__free(e->conn_key);
  e->conn_key = NULL;
  ferry__free(e->effective_url);
  e->effective_url = NULL;
  forget_response_headers(e);
  ferry__decoder_free(e->decoder);
  e->decoder = NULL;
  ferry__addrs_unref(e->addrs);
  e->addrs = NULL;
  e->addr_idx = 0;
  ferry__buf_free(&e->req);
  ferry__buf_free(&e->upbuf);
  e->req_sent = 0;
  e->body = NULL;
  e->body_len = -1;
  e->body_sent = 0;
  e->upload_from_read = e->upload_eof = 0;
  e->reused = e->retried = 0;
  e->response_done = 0;
  e->follow = 0;
  e->expect_wait = e->expect_go = 0;
  e->dl_bytes = e->ul_bytes = 0;
  e->content_length = -1;
}

void ferry__xfer_reset(ferry_easy *e) {
  forget_hop(e);
  ferry__digest_free(&e->digest);
  e->auth_retry = e->auth_tried = e->auth_basic = 0;
  if (e->dest_host == e->connect_to_host)
    e->dest_host = NULL;
  ferry__free(e->connect_to_host);
  e->connect_to_host = NULL;
  ferry__url_free(&e->url);
  ferry__url_free(&e->proxy_url);
  e->use_proxy = e->tunnel = e->in_tunnel = 0;
  e->connectcode = 0;
  e->url_cached = 0;
  ferry__buf_free(&e->pausebuf);
  ferry__buf_free(&e->tunnel_req);
  ferry__buf_free(&e->pause_encoded);
  ferry__headers_clear(&e->headers);
  ferry__free(e->redirect_url);
  e->redirect_url = NULL;
  ferry__free(e->hop_referer);
  e->hop_referer = NULL;
  ferry__free(e->first_host);
  e->first_host = NULL;
  ferry__http_forget_first_userinfo(e);
  e->redirect_count = 0;
  e->hop_get = e->strip_auth = 0;
  e->is_head = 0;
  e->pause_recv = e->pause_send = 0;
  e->expect_100 = 0;
  e->rate_resume_ms = 0;
  e->response_code = 0;
  e->http_version = 0;
  e->header_size = e->request_size = 0;
  e->os_errno = 0;
  e->num_connects = 0;
  e->t_start = e->t_namelookup = e->t_connect = e->t_pretransfer = 0;
  e->t_appconnect = 0;
  e->ssl_verifyresult = 0;
  ferry__tls_certinfo_free(&e->certinfo);
  e->t_starttransfer = e->t_total = 0;
  e->next_progress_ms = 0;
  e->low_speed_since_ms = 0;
  e->speed_mark_bytes = 0;
  e->primary_ip[0] = e->local_ip[0] = '\0';
  e->primary_port = e->local_port = 0;
  e->errtext[0] = '\0';
  e->result = FERRYE_OK;
  e->msg.msg = FERRYMSG_NONE;
}

static const ferry__h1_callbacks h1_callbacks;

static const char *const alpn_http11[] = {"http/1.1", NULL};

/* The TLS settings of the transfer, from its options. Pointers borrow the
 * handle's strings. */
static void tls_config_of(const ferry_easy *e, ferry__tls_config *cfg) {
  const ferry__opts *o = &e->set;
  ferry__tls_config_init(cfg);
  cfg->verify_peer = (int)o->ssl_verifypeer;
  cfg->verify_host = (int)o->ssl_verifyhost;
  static const ferry__tls_opts none;
  const ferry__tls_opts *t = o->tls ? o->tls : &none;
  cfg->cainfo = t->cainfo;
  cfg->capath = t->capath;
  cfg->cainfo_blob = t->cainfo_blob.data;
  cfg->cainfo_blob_len = t->cainfo_blob.len;
  cfg->client_cert = t->sslcert;
  cfg->client_key = t->sslkey;
  cfg->key_passwd = t->keypasswd;
  cfg->client_cert_blob = t->sslcert_blob.data;
  cfg->client_cert_blob_len = t->sslcert_blob.len;
  cfg->client_key_blob = t->sslkey_blob.data;
  cfg->client_key_blob_len = t->sslkey_blob.len;
  cfg->pinned_pubkey = t->pinnedpubkey;
  cfg->cipher_list = t->cipher_list;
  cfg->ec_curves = t->ec_curves;
  cfg->ssl_version = o->sslversion;
  cfg->alpn = alpn_http11;
}

/* The pool key of the hop's connection. A plain proxied request may share
 * any connection to its proxy; a tunnel belongs to its proxy and target;
 * an https connection is only shared under the same TLS settings (the
 * CVE-2021-22924 class). */
static ferry_code make_conn_key(ferry_easy *e, const char *tls_key) {
  ferry__buf k;
  char *origin = ferry__http_origin(&e->url), *porigin = NULL;
  int bad;

  if (origin == NULL)
    return FERRYE_OUT_OF_MEMORY;
  if (!e->use_proxy && tls_key == NULL) {
    e->conn_key = origin; /* the common case: the key is the origin */
    return FERRYE_OK;
  }
  if (e->use_proxy && (porigin = ferry__http_origin(&e->proxy_url)) == NULL) {
    ferry__free(origin);
    return FERRYE_OUT_OF_MEMORY;
  }
  ferry__buf_init(&k, SIZE_MAX / 2);
  if (!e->use_proxy)
    bad = ferry__buf_adds(&k, origin);
  else if (!e->tunnel)
    bad = ferry__buf_cat(&k, "proxy ", porigin, NULL);
  else
    bad = ferry__buf_cat(&k, "tunnel ", porigin, " to ", origin, NULL);
  if (!bad && tls_key != NULL)
    bad = ferry__buf_cat(&k, "#", tls_key, NULL);
  ferry__free(origin);
  ferry__free(porigin);
  if (bad) {
    ferry__buf_free(&k);
    return FERRYE_OUT_OF_MEMORY;
  }
  e->conn_key = ferry__buf_take(&k);
  return FERRYE_OK;
}

_Static_assert(sizeof(((ferry__tls_opts *)0)->key) == FERRY__TLS_KEY_LEN + 1,
               "the TLS block holds one configuration key");

/* The TLS configuration key of an https hop: prepare_hop made it in the
 * handle's TLS block. */
static const char *hop_tls_key(const ferry_easy *e) {
  return e->set.tls->key;
}

/* Set up the current hop (e->url parsed): connection key, request, parser. */
static ferry_code prepare_hop(ferry_easy *e) {
  unsigned proto = strcmp(e->url.scheme, "https") == 0 ? FERRY__PROTO_HTTPS
                                                       : FERRY__PROTO_HTTP;
  ferry_code rc;

  if (e->redirect_count == 0 && !(proto & e->set.protocols)) {
    snprintf(e->errtext, sizeof(e->errtext),
             "Protocol \"%s\" not supported or disabled by PROTOCOLS_STR",
             e->url.scheme);
    return FERRYE_UNSUPPORTED_PROTOCOL;
  }
  e->tls_hop = proto == FERRY__PROTO_HTTPS;
  if (e->tls_hop) {
    /* the key of the handle's TLS options, made once while they stay as
     * they are (the TLS block holds it; an https handle gets one) */
    ferry__tls_opts *t = e->set.tls;
    if (t == NULL && (t = e->set.tls = ferry__calloc(1, sizeof(*t))) == NULL)
      return FERRYE_OUT_OF_MEMORY;
    if (!t->key_valid) {
      ferry__tls_config cfg;
      tls_config_of(e, &cfg);
      ferry__tls_config_key(&cfg, t->key);
      t->key_valid = 1;
    }
  }
  rc = ferry__proxy_choose(e);
  if (rc != FERRYE_OK)
    return rc;
  rc = make_conn_key(e, e->tls_hop ? hop_tls_key(e) : NULL);
  if (rc != FERRYE_OK)
    return rc;
  /* CONNECT_TO, UNIX_SOCKET_PATH, INTERFACE, LOCALPORT (route.c) */
  rc = ferry__route_hop(e);
  if (rc != FERRYE_OK)
    return rc;
  rc = ferry__http_build_request(e);
  if (rc != FERRYE_OK)
    return rc;
  ferry__h1_parser_init(&e->parser, &h1_callbacks, e, e->is_head);
  e->parser_live = 1;
  return FERRYE_OK;
}

ferry_code ferry__xfer_setup(ferry_easy *e) {
  const char *why = NULL;
  ferry__url_err uerr;
  ferry_code rc;

  if (e->url_cached && e->set.url && e->url_src_port == e->set.port) {
    /* the same URL as last time: keep its parse across the reset */
    ferry__url keep = e->url;
    memset(&e->url, 0, sizeof(e->url));
    ferry__xfer_reset(e);
    e->url = keep;
    e->url_cached = 1;
    e->t_start = now_ns();
    if (e->set.errorbuffer)
      e->set.errorbuffer[0] = '\0';
    goto parsed;
  }
  ferry__xfer_reset(e);
  e->t_start = now_ns();
  if (e->set.errorbuffer)
    e->set.errorbuffer[0] = '\0';
  if (e->set.url == NULL || e->set.url[0] == '\0') {
    snprintf(e->errtext, sizeof(e->errtext), "No URL set");
    return FERRYE_URL_MALFORMAT;
  }
  uerr = ferry__url_parse(&e->url, e->set.url, 1, &why);
  if (uerr == FERRY__URL_NOMEM)
    return FERRYE_OUT_OF_MEMORY;
  if (uerr == FERRY__URL_UNSUPPORTED_SCHEME) {
    /* the parser only says so for a "scheme:" prefix: name it, as libcurl
     * does */
    int n = (int)strcspn(e->set.url, ":");
    snprintf(e->errtext, sizeof(e->errtext),
             "Protocol \"%.*s\" not supported or disabled in ferry",
             n > 64 ? 64 : n, e->set.url);
    return FERRYE_UNSUPPORTED_PROTOCOL;
  }
  if (uerr != FERRY__URL_OK) {
    snprintf(e->errtext, sizeof(e->errtext), "URL rejected: %s",
             why ? why : "malformed");
    return FERRYE_URL_MALFORMAT;
  }
  if (e->set.port > 0) {
    e->url.port = (int)e->set.port;
    e->url.port_explicit = 1;
  }
  e->url_cached = 1;
  e->url_src_port = e->set.port;
parsed:
  rc = ferry__http_first_hop(e);
  if (rc != FERRYE_OK)
    return rc;
  return prepare_hop(e);
}

/* ---- deadlines and progress ------------------------------------------ */

static uint64_t start_ms(const ferry_easy *e) { return e->t_start / 1000000u; }

static long connect_timeout_ms(const ferry_easy *e) {
  return e->set.connecttimeout_ms > 0 ? e->set.connecttimeout_ms
                                      : DEFAULT_CONNECT_TIMEOUT_MS;
}

static int wants_ticks(const ferry_easy *e) {
  return (e->set.low_speed_limit > 0 && e->set.low_speed_time > 0) ||
         (!e->set.noprogress && e->set.xferinfofn != NULL);
}

static void update_deadline(ferry_easy *e) {
  uint64_t due = 0, t;

  if (e->state == FERRY__XS_DONE) {
    ferry__multi_set_deadline(e->multi, e, 0);
    return;
  }
  if (e->set.timeout_ms > 0)
    due = start_ms(e) + (uint64_t)e->set.timeout_ms;
  if (e->state <= FERRY__XS_TLS && e->state != FERRY__XS_PENDING) {
    t = start_ms(e) + (uint64_t)connect_timeout_ms(e);
    if (due == 0 || t < due)
      due = t;
  }
  if (wants_ticks(e) && e->next_progress_ms && (due == 0 || e->next_progress_ms < due))
    due = e->next_progress_ms;
  if (e->expect_wait && (due == 0 || e->expect_until_ms < due))
    due = e->expect_until_ms;
  if (e->state == FERRY__XS_CONNECT && e->race_at_ms &&
      (due == 0 || e->race_at_ms < due))
    due = e->race_at_ms;
  if (e->rate_resume_ms && (due == 0 || e->rate_resume_ms < due))
    due = e->rate_resume_ms;
  ferry__multi_set_deadline(e->multi, e, due);
}

/* Call the progress callback, if any; returns what it returned. */
static int progress_report(ferry_easy *e) {
  ferry_multi *m = e->multi;
  int rc;
  ferry_off_t ultotal;

  if (e->set.noprogress || e->set.xferinfofn == NULL)
    return 0;
  ultotal = e->body_len >= 0 ? e->body_len : 0;
  FERRY__CALLBACK_ENTER(m);
  rc = e->set.xferinfofn(e->set.xferinfodata,
                         e->content_length > 0 ? e->content_length : 0,
                         e->dl_bytes, ultotal, e->ul_bytes);
  FERRY__CALLBACK_LEAVE(m);
  return rc;
}

/* Call the progress callback; returns non-zero if the transfer ended. */
static int progress_call(ferry_easy *e) {
  int rc = progress_report(e);
  if (rc != 0) {
    xfer_fail(e, FERRYE_ABORTED_BY_CALLBACK,
              "Callback aborted (progress callback returned %d)", rc);
    return 1;
  }
  return 0;
}

/* ---- connection handling ---------------------------------------------- */

static void attach_conn(ferry_easy *e, ferry__conn *c) {
  e->conn = c;
  ferry__conn_set_easy(c, e);
}

/* Give the transfer's connection back: to the pool when it can carry
 * another request, else closed. */
static void release_conn(ferry_easy *e, int reusable) {
  ferry__conn *c = e->conn;
  if (c == NULL)
    return;
  e->conn = NULL;
  c->easy = NULL;
  if (reusable && c->connected && !e->set.forbid_reuse &&
      !e->multi->closing)
    ferry__pool_put_idle(e->multi, c);
  else
    ferry__conn_destroy(c);
}

static void start_send(ferry_easy *e);
static void try_connect(ferry_easy *e);
static void tls_start(ferry_easy *e);
static void tunnel_start(ferry_easy *e);
static void fail_with_parser(ferry_easy *e, ferry_code rc);

/* "1.2.3.4" / "::1" and the port of a socket address. */
static void addr_text(const struct sockaddr_storage *ss, char *ip, size_t iplen,
                      long *port) {
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const void *)ss;
    inet_ntop(AF_INET6, &s6->sin6_addr, ip, (socklen_t)iplen);
    *port = ntohs(s6->sin6_port);
  } else if (ss->ss_family == AF_UNIX) {
    /* the socket's path, as libcurl shows it ("" for an unnamed end) */
    const struct sockaddr_un *su = (const void *)ss;
    size_t n = strnlen(su->sun_path, sizeof(su->sun_path));
    if (n >= iplen)
      n = iplen - 1; /* cut short, as libcurl's MAX_IPADR_LEN does */
    memcpy(ip, su->sun_path, n);
    ip[n] = '\0';
    *port = 0;
  } else {
    const struct sockaddr_in *s4 = (const void *)ss;
    inet_ntop(AF_INET, &s4->sin_addr, ip, (socklen_t)iplen);
    *port = ntohs(s4->sin_port);
  }
}

/* Read the connection's addresses once, when it has connected. */
static void conn_learn_addrs(ferry__conn *c) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);

  memset(&ss, 0, sizeof(ss)); /* an unnamed Unix socket fills no path */
  if (getpeername(c->fd, (struct sockaddr *)&ss, &len) == 0)
    addr_text(&ss, c->peer_ip, sizeof(c->peer_ip), &c->peer_port);
  len = sizeof(ss);
  memset(&ss, 0, sizeof(ss));
  if (getsockname(c->fd, (struct sockaddr *)&ss, &len) == 0)
    addr_text(&ss, c->local_ip, sizeof(c->local_ip), &c->local_port);
}

/* PRIMARY_IP/PORT and LOCAL_IP/PORT of the transfer, from its connection
 * (no system call: a reused connection costs nothing here). */
static void fill_addr_info(ferry_easy *e) {
  const ferry__conn *c = e->conn;
  memcpy(e->primary_ip, c->peer_ip, sizeof(e->primary_ip));
  memcpy(e->local_ip, c->local_ip, sizeof(e->local_ip));
  e->primary_port = c->peer_port;
  e->local_port = c->local_port;
}

/* ---- CONNECT tunnel through an HTTP proxy --------------------------- */

static void tunnel_established(ferry_easy *e) {
  /* the real request gets a fresh parser; the tunnel's is done */
  ferry__h1_parser_free(&e->parser);
  ferry__h1_parser_init(&e->parser, &h1_callbacks, e, e->is_head);
  forget_response_headers(e);
  e->in_tunnel = 0;
  e->response_code = 0;
  if (e->tls_hop) {
    tls_start(e);
    return;
  }
  start_send(e);
}

/* Send what is left of the CONNECT request, then read its answer. */
static void tunnel_io(ferry_easy *e, int cselect) {
  ferry__conn *c = e->conn;
  ferry_multi *m = e->multi;

  while (e->tunnel_sent < e->tunnel_req.len) {
    ssize_t n = send(c->fd, e->tunnel_req.data + e->tunnel_sent,
                     e->tunnel_req.len - e->tunnel_sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        ferry__conn_watch(c, FERRY_POLL_OUT);
        return;
      }
      e->os_errno = errno;
      xfer_fail(e, FERRYE_SEND_ERROR, "Send failure to the proxy: %s",
                strerror(errno));
      return;
    }
    if (ferry__trace_on(e))
      ferry__trace_data(e, FERRYINFO_HEADER_OUT, e->tunnel_req.data + e->tunnel_sent,
                        (size_t)n);
    e->tunnel_sent += (size_t)n;
  }
  ferry__conn_watch(c, FERRY_POLL_IN);
  if (!(cselect & (FERRY_CSELECT_IN | FERRY_CSELECT_ERR)))
    return;
  if (m->rbuf == NULL && (m->rbuf = ferry__malloc(FERRY__RBUF_SIZE)) == NULL) {
    xfer_fail(e, FERRYE_OUT_OF_MEMORY, "out of memory for the read buffer");
    return;
  }
  for (;;) {
    ssize_t n = recv(c->fd, m->rbuf, FERRY__RBUF_SIZE, 0);
    size_t used = 0;
    ferry_code rc;
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return;
      e->os_errno = errno;
      xfer_fail(e, FERRYE_RECV_ERROR, "Recv failure from the proxy: %s",
                strerror(errno));
      return;
    }
    if (n == 0) {
      rc = ferry__h1_eof(&e->parser);
      xfer_fail(e, rc == FERRYE_OK ? FERRYE_COULDNT_CONNECT : rc,
                "Proxy closed the connection during CONNECT");
      return;
    }
    rc = ferry__h1_feed(&e->parser, m->rbuf, (size_t)n, &used);
    if (e->state == FERRY__XS_DONE)
      return;
    if (rc != FERRYE_OK) {
      fail_with_parser(e, rc);
      return;
    }
    if (e->parser.complete) {
      if (used < (size_t)n) {
        xfer_fail(e, FERRYE_WEIRD_SERVER_REPLY,
                  "Proxy sent bytes after its CONNECT response");
        return;
      }
      tunnel_established(e);
      return;
    }
  }
}

static void tunnel_start(ferry_easy *e) {
  ferry_code rc;

  ferry__xfer_state(e, FERRY__XS_TUNNEL);
  e->in_tunnel = 1;
  e->tunnel_sent = 0;
  ferry__buf_free(&e->tunnel_req);
  ferry__buf_init(&e->tunnel_req, 64 * 1024);
  rc = ferry__proxy_connect_request(e, &e->tunnel_req);
  if (rc != FERRYE_OK) {
    ferry__xfer_done(e, rc);
    return;
  }
  /* the CONNECT response has no body whatever it says */
  ferry__h1_parser_free(&e->parser);
  ferry__h1_parser_init(&e->parser, &h1_callbacks, e, 1);
  tunnel_io(e, 0);
}

/* ---- TLS handshake ----------------------------------------------------- */

/* Drive the handshake as far as it goes now. */
/* CERTINFO: list the chain of the transfer's TLS connection (a later hop
 * replaces an earlier one's). Fails the transfer when out of memory. */
static ferry_code record_certinfo(ferry_easy *e) {
  ferry_code rc;

  if (!e->set.certinfo)
    return FERRYE_OK;
  ferry__tls_certinfo_free(&e->certinfo);
  rc = ferry__tls_certinfo(e->conn->tls, &e->certinfo);
  if (rc != FERRYE_OK)
    xfer_fail(e, rc, "out of memory for the certificate info");
  return rc;
}

static void tls_step(ferry_easy *e) {
  ferry__conn *c = e->conn;
  ferry_code rc = ferry__tls_handshake(c->tls, e->errtext, sizeof(e->errtext));
  int f = ferry__conn_tls_flush(c);

  if (rc != FERRYE_OK && rc != FERRYE_AGAIN) {
    e->ssl_verifyresult = ferry__tls_verify_result(c->tls);
    ferry__xfer_done(e, rc);
    return;
  }
  if (f != 0 && f != 1) {
    e->os_errno = f;
    xfer_fail(e, FERRYE_SSL_CONNECT_ERROR, "Send failure during the TLS handshake: %s",
              strerror(f));
    return;
  }
  if (rc == FERRYE_AGAIN) {
    ferry__conn_watch(c, f == 1 ? FERRY_POLL_INOUT : FERRY_POLL_IN);
    return;
  }
  if (f == 1) {
    ferry__conn_watch(c, FERRY_POLL_OUT); /* the last flight waits */
    return;
  }
  e->t_appconnect = now_ns();
  e->ssl_verifyresult = ferry__tls_verify_result(c->tls);
  if (record_certinfo(e) != FERRYE_OK)
    return;
  if (ferry__trace_on(e))
    ferry__infof(e, "TLS %s with %s%s%s, ALPN %s", ferry__tls_version(c->tls),
                 ferry__tls_cipher(c->tls),
                 ferry__tls_resumed(c->tls) ? " (resumed)" : "",
                 ferry__tls_chain_cached(c->tls) ? " (chain verified before)" : "",
                 ferry__tls_alpn(c->tls) ? ferry__tls_alpn(c->tls) : "none");
  start_send(e);
}

static void tls_start(ferry_easy *e) {
  ferry_multi *m = e->multi;
  ferry__tls_config cfg;
  ferry__tls_ctx *ctx;
  ferry_code rc;

  ferry__xfer_state(e, FERRY__XS_TLS);
  tls_config_of(e, &cfg);
  rc = ferry__multi_tls_ctx(m, &cfg, hop_tls_key(e), &ctx, e->errtext,
                            sizeof(e->errtext));
  if (rc == FERRYE_OK)
    rc = ferry__tls_new(&e->conn->tls, ctx, m->tls_sessions, e->url.host,
                        e->url.port, e->errtext, sizeof(e->errtext));
  if (rc != FERRYE_OK) {
    ferry__xfer_done(e, rc);
    return;
  }
  tls_step(e);
}

/* TLS input arrived during the handshake. */
static void tls_on_socket(ferry_easy *e, int cselect) {
  ferry__conn *c = e->conn;
  ferry_multi *m = e->multi;

  if (cselect & (FERRY_CSELECT_IN | FERRY_CSELECT_ERR)) {
    ssize_t n;
    if (m->rbuf == NULL && (m->rbuf = ferry__malloc(FERRY__RBUF_SIZE)) == NULL) {
      xfer_fail(e, FERRYE_OUT_OF_MEMORY, "out of memory for the read buffer");
      return;
    }
    do
      n = recv(c->fd, m->rbuf, FERRY__RBUF_SIZE, 0);
    while (n < 0 && errno == EINTR);
    if (n == 0) {
      ferry__tls_feed_eof(c->tls);
    } else if (n > 0) {
      ferry_code frc = ferry__tls_feed(c->tls, m->rbuf, (size_t)n);
      if (frc == FERRYE_OUT_OF_MEMORY) {
        xfer_fail(e, frc, "out of memory for TLS handshake input");
        return;
      }
      if (frc != FERRYE_OK) {
        xfer_fail(e, FERRYE_SSL_CONNECT_ERROR, "TLS handshake input too large");
        return;
      }
    } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
      e->os_errno = errno;
      xfer_fail(e, FERRYE_SSL_CONNECT_ERROR, "Recv failure during the TLS handshake: %s",
                strerror(errno));
      return;
    }
  }
  tls_step(e);
}

static void connected(ferry_easy *e) {
  e->conn->connected = 1;
  /* the addresses are not needed any more (a retry looks them up again,
   * from the DNS cache): a transfer held open keeps less */
  ferry__addrs_unref(e->addrs);
  e->addrs = NULL;
  e->addr_idx = 0;
  e->t_connect = now_ns();
  e->num_connects++;
  conn_learn_addrs(e->conn);
  fill_addr_info(e);
  if (ferry__trace_on(e))
    ferry__infof(e, "Connected to %s (%s) port %ld", e->dest_host,
                 e->primary_ip, e->primary_port);
  if (e->tunnel) {
    tunnel_start(e);
    return;
  }
  if (e->tls_hop) {
    tls_start(e);
    return;
  }
  start_send(e);
}

/* Start a connect on c to the next address that takes one. Returns 0 when
 * an attempt runs on c, 1 when no address is left, -1 when the transfer
 * has failed. */
static int start_attempt(ferry_easy *e, ferry__conn *c) {
  while (e->addr_idx < e->addrs->n) {
    const struct sockaddr_storage *sa = &e->addrs->a[e->addr_idx++];
    char why[FERRY_ERROR_SIZE];
    int err = ferry__conn_connect(c, (const struct sockaddr *)sa, &e->set, why,
                                  sizeof(why));
    if (err < 0) {
      /* INTERFACE / LOCALPORT could not be bound: another address of
       * another family may do when the interface has none of this one */
      e->os_errno = -err;
      if (err == -EAFNOSUPPORT && e->addr_idx < e->addrs->n)
        continue;
      xfer_fail(e, FERRYE_INTERFACE_FAILED, "%s", why);
      return -1;
    }
    if (err == 0) {
      ferry__conn_watch(c, FERRY_POLL_OUT); /* wait for writable */
      return 0;
    }
    if (err == ENOMEM) {
      /* ferry__conn_connect could not register the socket */
      xfer_fail(e, FERRYE_OUT_OF_MEMORY, "out of memory for a socket");
      return -1;
    }
    e->os_errno = err;
  }
  return 1;
}

static void connect_failed(ferry_easy *e) {
  xfer_fail(e, FERRYE_COULDNT_CONNECT, "Failed to connect to %s port %d: %s",
            e->dest_host, e->dest_port,
            strerror(e->os_errno ? (int)e->os_errno : ECONNREFUSED));
}

/* Happy eyeballs (RFC 8305): while an attempt has not connected after
 * HAPPY_EYEBALLS_TIMEOUT_MS, the next address (getaddrinfo's list is
 * interleaved by family) is tried in parallel; the first to connect wins. */
static void arm_race(ferry_easy *e) {
  e->race_at_ms = 0;
  if (e->conn2 == NULL && e->addr_idx < e->addrs->n &&
      e->set.happy_eyeballs_ms > 0)
    e->race_at_ms = ferry__now_ms() + (uint64_t)e->set.happy_eyeballs_ms;
  update_deadline(e);
}

static void start_race(ferry_easy *e) {
  ferry__conn *c2;
  int rc;

  e->race_at_ms = 0;
  if (e->conn2 != NULL || e->conn == NULL || e->addr_idx >= e->addrs->n)
    return;
  c2 = ferry__conn_new(e->multi, e->conn->bundle);
  if (c2 == NULL)
    return; /* the first attempt goes on alone */
  ferry__conn_set_easy(c2, e);
  rc = start_attempt(e, c2);
  if (rc == 0) {
    if (ferry__trace_on(e))
      ferry__infof(e, "Happy eyeballs: racing address %zu", e->addr_idx - 1);
    e->conn2 = c2;
    update_deadline(e);
    return;
  }
  ferry__conn_destroy(c2);
}

static void try_connect(ferry_easy *e) {
  int rc;

  ferry__xfer_state(e, FERRY__XS_CONNECT);
  update_deadline(e);
  rc = start_attempt(e, e->conn);
  if (rc < 0)
    return;
  if (rc > 0) {
    connect_failed(e);
    return;
  }
  arm_race(e);
}

/* One of the transfer's connect attempts finished. */
static void on_connect_ready(ferry_easy *e, ferry__conn *c) {
  int err = ferry__conn_connect_result(c), rc;

  if (err == 0) {
    if (c == e->conn2) {
      /* the racing attempt won */
      ferry__conn_destroy(e->conn);
      e->conn = c;
    } else if (e->conn2 != NULL) {
      ferry__conn_destroy(e->conn2);
    }
    e->conn2 = NULL;
    e->race_at_ms = 0;
    connected(e);
    return;
  }
  e->os_errno = err;
  if (ferry__trace_on(e))
    ferry__infof(e, "connect to %s port %d failed: %s", e->dest_host,
                 e->dest_port, strerror(err));
  ferry__conn_close_socket(c);
  rc = start_attempt(e, c);
  if (rc < 0)
    return;
  if (rc == 0) {
    if (c == e->conn && e->conn2 == NULL)
      arm_race(e);
    return;
  }
  /* no address left for this attempt */
  if (c == e->conn2) {
    ferry__conn_destroy(c);
    e->conn2 = NULL;
    return; /* the first attempt is still running */
  }
  if (e->conn2 != NULL) {
    ferry__conn_destroy(e->conn);
    e->conn = e->conn2;
    e->conn2 = NULL;
    return;
  }
  connect_failed(e);
}

void ferry__xfer_resolved(ferry_easy *e, ferry_code result, const char *why) {
  e->dns_wait = NULL;
  if (result != FERRYE_OK) {
    if (e->use_proxy && result == FERRYE_COULDNT_RESOLVE_HOST)
      result = FERRYE_COULDNT_RESOLVE_PROXY;
    xfer_fail(e, result, "Could not resolve %s: %s%s%s%s",
              e->use_proxy ? "proxy" : "host", e->dest_host, why ? " (" : "",
              why ? why : "", why ? ")" : "");
    return;
  }
  e->t_namelookup = now_ns();
  try_connect(e);
}

/* Find or open a connection for the transfer. */
static void acquire_conn(ferry_easy *e, int fresh) {
  ferry_multi *m = e->multi;
  ferry__bundle *b = ferry__pool_bundle(m, e->conn_key, 1);
  ferry__conn *c;
  ferry_code rc;

  if (b == NULL) {
    xfer_fail(e, FERRYE_OUT_OF_MEMORY, "out of memory");
    return;
  }
  if (!fresh && !e->set.fresh_connect) {
    c = ferry__pool_take_idle(m, b, e->upload_from_read,
                              (uint64_t)e->set.maxage_conn * 1000u,
                              (uint64_t)e->set.maxlifetime_conn * 1000u);
    if (c != NULL) {
      attach_conn(e, c);
      e->reused = 1;
      if (e->t_namelookup == 0)
        e->t_namelookup = e->t_connect = now_ns();
      if (c->tls) {
        /* no handshake now: report the one the connection had */
        if (e->t_appconnect == 0)
          e->t_appconnect = e->t_connect;
        e->ssl_verifyresult = ferry__tls_verify_result(c->tls);
        if (record_certinfo(e) != FERRYE_OK)
          return;
      }
      fill_addr_info(e);
      if (ferry__trace_on(e))
        ferry__infof(e, "Re-using existing connection to %s", e->conn_key);
      start_send(e);
      return;
    }
  }
  if (!ferry__pool_may_open(m, b)) {
    ferry__xfer_state(e, FERRY__XS_PENDING);
    ferry__multi_queue_pending(m, e);
    update_deadline(e);
    return;
  }
  c = ferry__conn_new(m, b);
  if (c == NULL) {
    xfer_fail(e, FERRYE_OUT_OF_MEMORY, "out of memory");
    return;
  }
  attach_conn(e, c);
  e->reused = 0;
  ferry__xfer_state(e, FERRY__XS_RESOLVE);
  update_deadline(e);
  if (e->addrs) {
    /* a retry: the addresses are known */
    e->addr_idx = 0;
    try_connect(e);
    return;
  }
  rc = ferry__resolve_start(m, e);
  if (rc == FERRYE_AGAIN)
    return;
  if (rc != FERRYE_OK) {
    if (e->use_proxy && rc == FERRYE_COULDNT_RESOLVE_HOST)
      rc = FERRYE_COULDNT_RESOLVE_PROXY;
    xfer_fail(e, rc, "Could not resolve %s: %s",
              e->use_proxy ? "proxy" : "host", e->dest_host);
    return;
  }
  e->t_namelookup = now_ns();
  try_connect(e);
}

/* Go back to the start of a read-callback upload: SEEKFUNCTION, or for
 * the default reader an fseek of READDATA. 0 when it can be sent again. */
static int rewind_upload(ferry_easy *e) {
  ferry_multi *m = e->multi;
  if (e->ul_bytes == 0 && !e->upload_eof && e->upbuf.len == 0)
    return 0; /* nothing was read yet */
  if (e->set.seekfn) {
    long rc;
    FERRY__CALLBACK_ENTER(m);
    rc = e->set.seekfn(e->set.seekdata, 0, SEEK_SET);
    FERRY__CALLBACK_LEAVE(m);
    if (rc != FERRY_SEEKFUNC_OK)
      return -1;
  } else if (e->set.readfn == NULL && e->set.readdata != NULL) {
    if (fseek((FILE *)e->set.readdata, 0, SEEK_SET) != 0)
      return -1;
  } else {
    return -1;
  }
  e->ul_bytes = 0;
  e->upload_eof = 0;
  ferry__buf_reset(&e->upbuf);
  e->upload_skip = e->resume_from; /* a resumed upload starts there again */
  return 0;
}

/* A reused connection turned out dead before any response byte: try once
 * more on a fresh one. Returns 1 if a retry was started. */
static int retry_on_fresh(ferry_easy *e) {
  if (!e->reused || e->retried || e->parser.any_bytes)
    return 0;
  if (e->upload_from_read && rewind_upload(e) != 0)
    return 0; /* the read callback's data cannot be read again */
  if (ferry__trace_on(e))
    ferry__infof(e, "Connection died, retrying a fresh connect");
  release_conn(e, 0);
  e->retried = 1;
  e->reused = 0;
  e->req_sent = 0;
  e->expect_wait = e->expect_go = 0;
  if (e->body && e->body_len > FERRY__INLINE_BODY_MAX)
    e->body_sent = 0;
  ferry__buf_reset(&e->upbuf);
  e->ul_bytes = 0;
  ferry__h1_parser_free(&e->parser);
  ferry__h1_parser_init(&e->parser, &h1_callbacks, e, e->is_head);
  e->header_size = 0;
  acquire_conn(e, 1);
  return 1;
}

/* ---- sending ---------------------------------------------------------- */

/* Fill upbuf from the read callback. Returns 0, or 1 if the transfer ended
 * or paused. */
static int fill_upload(ferry_easy *e) {
  ferry_multi *m = e->multi;
  char tmp[UPLOAD_CHUNK];
  ferry_read_callback fn = e->set.readfn;
  size_t n;
  int chunked = e->body_len == -2;

  if (e->upload_skip > 0) {
    /* a resumed upload starts RESUME_FROM bytes in (partial.c) */
    ferry_code rc = ferry__partial_skip_upload(e);
    if (rc != FERRYE_OK) {
      xfer_fail(e, rc, NULL);
      return 1;
    }
    if (e->state != FERRY__XS_SEND)
      return 1;
  }
  if (fn == NULL) {
    /* libcurl's default reads the READDATA FILE * (stdin when unset) */
    FILE *f = e->set.readdata ? e->set.readdata : stdin;
    n = fread(tmp, 1, sizeof(tmp), f);
  } else {
    FERRY__CALLBACK_ENTER(m);
    n = fn(tmp, 1, sizeof(tmp), e->set.readdata);
    FERRY__CALLBACK_LEAVE(m);
  }
  if (n == FERRY_READFUNC_ABORT) {
    xfer_fail(e, FERRYE_ABORTED_BY_CALLBACK, "operation aborted by callback");
    return 1;
  }
  if (n == FERRY_READFUNC_PAUSE) {
    /* watch nothing while paused: no event can spin the loop */
    e->pause_send = 1;
    ferry__conn_watch(e->conn, FERRY_POLL_NONE);
    return 1;
  }
  if (n > sizeof(tmp)) {
    xfer_fail(e, FERRYE_READ_ERROR, "read function returned funny value");
    return 1;
  }
  if (n == 0) {
    e->upload_eof = 1;
    if (chunked) {
      /* the last chunk, with TRAILERFUNCTION's trailers */
      ferry_code rc = ferry__http_last_chunk(e, &e->upbuf);
      if (rc != FERRYE_OK) {
        xfer_fail(e, rc, "out of memory");
        return 1;
      }
    }
    if (!chunked && e->ul_bytes + (ferry_off_t)e->upbuf.len < e->body_len) {
      xfer_fail(e, FERRYE_READ_ERROR,
                "read callback ended the upload after %lld of %lld bytes",
                (long long)e->ul_bytes, (long long)e->body_len);
      return 1;
    }
    return 0;
  }
  if (chunked) {
    if (ferry__buf_printf(&e->upbuf, "%zx\r\n", n) ||
        ferry__buf_add(&e->upbuf, tmp, n) || ferry__buf_adds(&e->upbuf, "\r\n")) {
      xfer_fail(e, FERRYE_OUT_OF_MEMORY, "out of memory");
      return 1;
    }
    e->ul_bytes += (ferry_off_t)n; /* payload only, not the chunk framing */
  } else {
    if (e->ul_bytes + (ferry_off_t)(e->upbuf.len + n) > e->body_len) {
      xfer_fail(e, FERRYE_READ_ERROR,
                "read callback gave more than the announced %lld bytes",
                (long long)e->body_len);
      return 1;
    }
    if (ferry__buf_add(&e->upbuf, tmp, n)) {
      xfer_fail(e, FERRYE_OUT_OF_MEMORY, "out of memory");
      return 1;
    }
  }
  return 0;
}

static int upload_complete(const ferry_easy *e) {
  if (e->upload_from_read) {
    if (e->upbuf.len)
      return 0;
    if (e->body_len == -2)
      return e->upload_eof;
    return e->ul_bytes >= e->body_len;
  }
  return e->body == NULL || e->body_sent >= e->body_len;
}

/* ---- speed caps (rate.c) ---------------------------------------------- */

/* How many bytes may move now in that direction (cap when there is no
 * MAX_SEND_SPEED / MAX_RECV_SPEED). 0 means throttled: the socket is not
 * watched, and the deadline brings the transfer back when the bucket has
 * filled (rate_resume), so no event can spin the loop meanwhile. */
static size_t rate_allowance(ferry_easy *e, int send, size_t cap) {
  ferry_off_t limit = send ? e->set.max_send_speed : e->set.max_recv_speed;
  uint64_t wait_ms = 0;
  size_t n;

  if (limit <= 0)
    return cap;
  n = ferry__rate_allow(send ? &e->rate_send : &e->rate_recv, limit, now_ns(),
                        cap, &wait_ms);
  if (n == 0) {
    e->rate_resume_ms = ferry__now_ms() + wait_ms;
    ferry__conn_watch(e->conn, FERRY_POLL_NONE);
    update_deadline(e);
  }
  return n;
}

static void rate_spent(ferry_easy *e, int send, size_t n) {
  if ((send ? e->set.max_send_speed : e->set.max_recv_speed) > 0)
    ferry__rate_spend(send ? &e->rate_send : &e->rate_recv, n);
}

/* Shorten iov to what MAX_SEND_SPEED allows now; 0 when throttled. */
static size_t rate_trim(ferry_easy *e, struct iovec *iov, int *n_iov) {
  size_t total = 0, allowed;
  for (int i = 0; i < *n_iov; i++)
    total += iov[i].iov_len;
  allowed = rate_allowance(e, 1, total);
  if (allowed == 0 || allowed == total)
    return allowed;
  if (allowed <= iov[0].iov_len) {
    iov[0].iov_len = allowed;
    *n_iov = 1;
  } else {
    iov[1].iov_len = allowed - iov[0].iov_len;
  }
  return allowed;
}

static void begin_receive(ferry_easy *e) {
  ferry__xfer_state(e, FERRY__XS_RECV_HEADERS);
  update_deadline(e);
  ferry__conn_watch(e->conn, FERRY_POLL_IN);
}

/* Write what can be written. */
static void send_more(ferry_easy *e) {
  ferry__conn *c = e->conn;

  for (;;) {
    struct iovec iov[2];
    int n_iov = 0;
    ssize_t n;
    size_t head_left = e->req.len - e->req_sent;

    if (head_left) {
      iov[n_iov].iov_base = e->req.data + e->req_sent;
      iov[n_iov++].iov_len = head_left;
    } else if (e->expect_100) {
      /* the head is out: wait for 100 Continue (or a final answer, or the
       * timeout) before the body */
      if (!e->expect_wait) {
        e->expect_wait = 1;
        e->expect_until_ms = ferry__now_ms() + (uint64_t)e->set.expect_100_timeout_ms;
        ferry__conn_watch(c, FERRY_POLL_IN);
        update_deadline(e);
      }
      return;
    }
    if (e->body && e->body_sent < e->body_len && !e->expect_100) {
      iov[n_iov].iov_base = (char *)e->body + e->body_sent;
      iov[n_iov++].iov_len = (size_t)(e->body_len - e->body_sent);
    } else if (e->upload_from_read && head_left == 0) {
      if (e->upbuf.len == 0 && !e->upload_eof) {
        if (fill_upload(e))
          return;
        if (e->state != FERRY__XS_SEND)
          return;
      }
      if (e->upbuf.len) {
        iov[n_iov].iov_base = e->upbuf.data;
        iov[n_iov++].iov_len = e->upbuf.len;
      }
    }
    if (n_iov == 0) {
      if (upload_complete(e)) {
        /* for TLS, the last records must be on the wire first */
        int f = ferry__conn_tls_flush(c);
        if (f == 1) {
          ferry__conn_watch(c, FERRY_POLL_OUT);
          return;
        }
        if (f != 0) {
          e->os_errno = f;
          xfer_fail(e, FERRYE_SEND_ERROR, "Send failure: %s", strerror(f));
          return;
        }
        begin_receive(e);
        return;
      }
      continue;
    }
    if (e->set.max_send_speed > 0 && rate_trim(e, iov, &n_iov) == 0)
      return; /* throttled: rate_resume goes on */
    {
      ferry_code rc = FERRYE_OK;
      int os_errno = 0;
      char why[FERRY_ERROR_SIZE];
      n = ferry__conn_send(c, iov, n_iov, &rc, &os_errno, why, sizeof(why));
      if (n == FERRY__IO_AGAIN) {
        ferry__conn_watch(c, FERRY_POLL_OUT);
        return;
      }
      if (n == FERRY__IO_ERROR) {
        e->os_errno = os_errno;
        if (retry_on_fresh(e))
          return;
        xfer_fail(e, rc, "%s", why);
        return;
      }
    }
    rate_spent(e, 1, (size_t)n);
    if (ferry__trace_on(e)) {
      size_t h = (size_t)n < head_left ? (size_t)n : head_left;
      if (h)
        ferry__trace_data(e, FERRYINFO_HEADER_OUT, e->req.data + e->req_sent, h);
      if ((size_t)n > h)
        ferry__trace_data(e, FERRYINFO_DATA_OUT, iov[n_iov - 1].iov_base,
                          (size_t)n - h);
    }
    if ((size_t)n <= head_left) {
      e->req_sent += (size_t)n;
      continue;
    }
    e->req_sent += head_left;
    n -= (ssize_t)head_left;
    if (e->body && e->body_sent < e->body_len) {
      e->body_sent += n;
      e->ul_bytes += n;
    } else {
      ferry__buf_consume(&e->upbuf, (size_t)n);
      if (e->body_len >= 0)
        e->ul_bytes += n; /* chunked uploads count payload when read */
    }
  }
}

static void start_send(ferry_easy *e) {
  ferry__xfer_state(e, FERRY__XS_SEND);
  update_deadline(e);
  e->t_pretransfer = now_ns();
  if (e->body && e->body_len <= FERRY__INLINE_BODY_MAX)
    e->ul_bytes = e->body_len; /* inline body: counted as sent with the head */
  send_more(e);
}

/* ---- receiving -------------------------------------------------------- */

static ferry_code deliver_body(ferry_easy *e, const char *p, size_t n);
static int decoded_out(void *ud, const char *p, size_t n);

/* Keep body bytes while receiving is paused, up to FERRY__PAUSE_MAX. */
static ferry_code hold_paused(ferry_easy *e, ferry__buf *b, const char *p,
                              size_t n) {
  int r = ferry__buf_add(b, p, n);
  if (r == -2) {
    snprintf(e->errtext, sizeof(e->errtext),
             "pause buffer full: more than %d body bytes held while paused",
             FERRY__PAUSE_MAX);
    return FERRYE_TOO_LARGE;
  }
  return r ? FERRYE_OUT_OF_MEMORY : FERRYE_OK;
}

/* Encoded body bytes go to the decoder a slice at a time, and once
 * receiving is paused the rest is kept encoded. What a slice decodes to
 * after the pause is held decoded: for a 1 KiB slice of a gzip bomb that is
 * about 1 MiB (deflate expands at most ~1032:1 per coding), where feeding a
 * whole 256 KiB read would hold 256 MiB. */
#define DECODE_SLICE 1024

static ferry_code decode_body(ferry_easy *e, const char *p, size_t n) {
  while (n) {
    size_t k = n < DECODE_SLICE ? n : DECODE_SLICE;
    ferry_code rc;

    if (e->pause_recv)
      return hold_paused(e, &e->pause_encoded, p, n);
    rc = ferry__decoder_feed(e->decoder, p, k, decoded_out, e,
                             e->set.maxfilesize);
    if (rc != FERRYE_OK) {
      if (e->errtext[0] == '\0')
        snprintf(e->errtext, sizeof(e->errtext), "%s",
                 ferry__decoder_errmsg(e->decoder));
      return rc;
    }
    p += k;
    n -= k;
  }
  return FERRYE_OK;
}

/* If the raw header line is `name` (with its colon), keep its trimmed value
 * in *dst: replacing an earlier one, or with append joining them by ", "
 * (repeated Content-Encoding headers form one list). -1 when out of
 * memory. */
static int remember_header(const char *line, size_t len, const char *name,
                           char **dst, int append) {
  size_t n = strlen(name), old = 0;
  const char *v, *end = line + len;
  char *p;

  if (len <= n || strncasecmp(line, name, n) != 0)
    return 0;
  v = line + n;
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' ||
                     end[-1] == '\t'))
    end--;
  if (append && *dst != NULL) {
    old = strlen(*dst);
    p = ferry__realloc(*dst, old + 2 + (size_t)(end - v) + 1);
    if (p == NULL)
      return -1;
    memcpy(p + old, ", ", 2);
    memcpy(p + old + 2, v, (size_t)(end - v));
    p[old + 2 + (size_t)(end - v)] = '\0';
    *dst = p;
    return 0;
  }
  p = ferry__memdup0(v, (size_t)(end - v));
  if (p == NULL)
    return -1;
  ferry__free(*dst);
  *dst = p;
  return 0;
}

static ferry_code on_header_line(void *ud, const char *line, size_t len) {
  ferry_easy *e = ud;
  ferry_multi *m = e->multi;
  ferry_code rc;
  size_t w;

  e->header_size += (long)len;
  if (e->t_starttransfer == 0)
    e->t_starttransfer = now_ns();
  if (ferry__trace_on(e))
    ferry__trace_data(e, FERRYINFO_HEADER_IN, line, len);
  /* kept for ferry_easy_header, before any callback can ask for it */
  rc = ferry__headers_record(e, line, len);
  if (rc != FERRYE_OK)
    return rc;
  /* Content-Range and Last-Modified, when a resume or time condition
   * needs them (partial.c) */
  if (e->resume_from > 0 || e->set.timecondition)
    ferry__partial_header(e, line, len);
  /* only three headers matter here; most lines fail the first test */
  if (((line[0] | 0x20) == 'l' &&
       remember_header(line, len, "Location:", &e->location, 0)) ||
      ((line[0] | 0x20) == 'w' && !e->in_tunnel &&
       remember_header(line, len, "WWW-Authenticate:", &e->www_auth, 1)) ||
      ((line[0] | 0x20) == 'c' &&
       (remember_header(line, len, "Content-Type:", &e->content_type, 0) ||
        remember_header(line, len, "Content-Encoding:", &e->content_encoding,
                        1))))
    return FERRYE_OUT_OF_MEMORY;
  /* Set-Cookie of every response, redirects included, for this hop's URL;
   * never a proxy's CONNECT answer */
  if ((line[0] | 0x20) == 's' && e->cookies && !e->in_tunnel &&
      ferry__http_set_cookie(e, line, len) != FERRYE_OK)
    return FERRYE_OUT_OF_MEMORY;
  /* Strict-Transport-Security, when HSTS is on (http.c decides) */
  if ((line[0] | 0x20) == 's' && e->hsts &&
      ferry__http_sts_header(e, line, len) != FERRYE_OK)
    return FERRYE_OUT_OF_MEMORY;
  if (e->set.headerfn) {
    FERRY__CALLBACK_ENTER(m);
    w = e->set.headerfn((char *)line, 1, len, e->set.headerdata);
    FERRY__CALLBACK_LEAVE(m);
    if (w != len) {
      snprintf(e->errtext, sizeof(e->errtext),
               "Failed writing header (callback returned %zu of %zu)", w, len);
      return FERRYE_WRITE_ERROR;
    }
  } else if (e->set.headerdata) {
    /* HEADERDATA without HEADERFUNCTION: written like the body */
    ferry_write_callback fn = e->set.writefn;
    FERRY__CALLBACK_ENTER(m);
    w = fn ? fn((char *)line, 1, len, e->set.headerdata)
           : fwrite(line, 1, len, (FILE *)e->set.headerdata);
    FERRY__CALLBACK_LEAVE(m);
    if (w != len) {
      snprintf(e->errtext, sizeof(e->errtext), "Failed writing header");
      return FERRYE_WRITE_ERROR;
    }
  }
  if (e->set.header)
    return deliver_body(e, line, len);
  return FERRYE_OK;
}

static int on_headers_done(void *ud, int status, int major, int minor,
                           int interim) {
  ferry_easy *e = ud;
  ferry_code rc;
  if (interim) {
    if (status == 100 && e->expect_wait) {
      /* go on with the body once this read is handled */
      e->expect_wait = 0;
      e->expect_100 = 0;
      e->expect_go = 1;
    }
    /* nothing a 1xx says about itself holds for the final response */
    forget_response_headers(e);
    return FERRY__H1_BODY;
  }
  if (e->in_tunnel) {
    e->connectcode = status;
    if (status / 100 != 2) {
      snprintf(e->errtext, sizeof(e->errtext),
               "CONNECT tunnel failed, response %d", status);
      ferry__h1_fail(&e->parser, FERRYE_COULDNT_CONNECT, e->errtext);
      return -1;
    }
    return FERRY__H1_NOBODY;
  }
  if (e->expect_wait) {
    /* a final answer before the body went: the body is never sent, and
     * the connection cannot carry another request */
    e->expect_wait = 0;
    if (e->conn)
      e->conn->no_reuse = 1;
  }
  e->response_code = status;
  if (e->req_sent == e->req.len) {
    /* the request went whole and an answer came: nothing sends it again
     * (a retry is only made before any answer), so a transfer held open
     * does not keep it */
    ferry__buf_free(&e->req);
    e->req_sent = 0;
  }
  rc = ferry__http_check_redirect(e, status);
  if (rc == FERRYE_OK)
    rc = ferry__http_check_auth(e, status);
  if (rc != FERRYE_OK) {
    ferry__h1_fail(&e->parser, rc, e->errtext[0] ? e->errtext : "redirect");
    return -1;
  }
  e->http_version = (major == 1 && minor == 0) ? FERRY_HTTP_VERSION_1_0
                                               : FERRY_HTTP_VERSION_1_1;
  e->content_length = ferry__h1_content_length(&e->parser);
  if (e->set.failonerror && status >= 400 && !e->follow) {
    snprintf(e->errtext, sizeof(e->errtext),
             "The requested URL returned error: %d", status);
    ferry__h1_fail(&e->parser, FERRYE_HTTP_RETURNED_ERROR, e->errtext);
    return -1;
  }
  if (e->set.maxfilesize > 0 && e->content_length > e->set.maxfilesize &&
      !e->follow) {
    snprintf(e->errtext, sizeof(e->errtext),
             "Maximum file size exceeded (%lld > %lld)",
             (long long)e->content_length, (long long)e->set.maxfilesize);
    ferry__h1_fail(&e->parser, FERRYE_FILESIZE_EXCEEDED, e->errtext);
    return -1;
  }
  if (!e->follow && (e->resume_from > 0 || e->set.timecondition)) {
    /* did a resume get its range, does a time condition hold? */
    int stop = 0;
    rc = ferry__partial_check(e, status, &stop);
    if (rc != FERRYE_OK) {
      ferry__h1_fail(&e->parser, rc, e->errtext);
      return -1;
    }
    if (stop) {
      /* done with the header: the rest is never read, so the connection
       * cannot carry another request */
      if (e->conn)
        e->conn->no_reuse = 1;
      ferry__xfer_state(e, FERRY__XS_RECV_BODY);
      return FERRY__H1_NOBODY;
    }
  }
  if (e->content_encoding && e->set.accept_encoding &&
      !e->set.content_decoding_off && !e->follow && !e->is_head) {
    rc = ferry__decoder_new(&e->decoder, e->content_encoding, e->errtext,
                            sizeof(e->errtext));
    if (rc != FERRYE_OK) {
      ferry__h1_fail(&e->parser, rc, e->errtext);
      return -1;
    }
  }
  ferry__xfer_state(e, FERRY__XS_RECV_BODY);
  return FERRY__H1_BODY;
}

static int on_body(void *ud, const char *p, size_t n) {
  ferry_easy *e = ud;
  ferry_code rc;

  /* Counted here, as they arrive: bytes held by a pause and delivered
   * later go through deliver_body twice. */
  if (e->follow || e->skip_body)
    return 0; /* the body of a redirect that is followed is not data, nor
                 that of a 416 to a resume */
  e->dl_bytes += (ferry_off_t)n;
  if (ferry__trace_on(e))
    ferry__trace_data(e, FERRYINFO_DATA_IN, p, n);
  if (e->decoder) {
    rc = decode_body(e, p, n);
  } else if (e->set.maxfilesize > 0 && e->dl_bytes > e->set.maxfilesize) {
    snprintf(e->errtext, sizeof(e->errtext),
             "Maximum file size exceeded (%lld bytes)",
             (long long)e->set.maxfilesize);
    rc = FERRYE_FILESIZE_EXCEEDED;
  } else {
    rc = deliver_body(e, p, n);
  }
  if (rc != FERRYE_OK) {
    ferry__h1_fail(&e->parser, rc, e->errtext[0] ? e->errtext : "write failed");
    return -1;
  }
  return 0;
}

/* Decoded bytes from the content decoder go where plain ones go. */
static int decoded_out(void *ud, const char *p, size_t n) {
  return (int)deliver_body(ud, p, n);
}

static const ferry__h1_callbacks h1_callbacks = {
    on_header_line,
    on_headers_done,
    on_body,
};

/* Hand body bytes to the write callback in pieces of at most
 * FERRY_MAX_WRITE_SIZE; keep them while receiving is paused. */
static ferry_code deliver_body(ferry_easy *e, const char *p, size_t n) {
  ferry_multi *m = e->multi;

  while (n) {
    size_t piece = n > FERRY_MAX_WRITE_SIZE ? FERRY_MAX_WRITE_SIZE : n, w;
    if (e->pause_recv)
      return hold_paused(e, &e->pausebuf, p, n);
    FERRY__CALLBACK_ENTER(m);
    if (e->set.writefn)
      w = e->set.writefn((char *)p, 1, piece, e->set.writedata);
    else
      w = fwrite(p, 1, piece, e->set.writedata ? (FILE *)e->set.writedata : stdout);
    FERRY__CALLBACK_LEAVE(m);
    if (w == FERRY_WRITEFUNC_PAUSE) {
      e->pause_recv = 1;
      continue; /* the piece is kept in pausebuf above */
    }
    if (w != piece) {
      snprintf(e->errtext, sizeof(e->errtext),
               "Failure writing output to destination, passed %zu returned %zu",
               piece, w);
      return FERRYE_WRITE_ERROR;
    }
    p += piece;
    n -= piece;
  }
  return FERRYE_OK;
}

/* The response is complete: finish unless body bytes wait behind a pause. */
static void follow_redirect(ferry_easy *e);

static void response_complete(ferry_easy *e, int leftover) {
  e->response_done = 1;
  /* TLS records after the response (a renegotiation request, an alert)
   * wait inside the TLS layer: extra bytes too */
  if (e->conn && e->conn->tls && ferry__tls_has_buffered(e->conn->tls))
    leftover = 1;
  if (leftover && e->conn)
    e->conn->no_reuse = 1; /* extra bytes after the response: not reusable */
  if (e->follow) {
    follow_redirect(e);
    return;
  }
  if (e->pausebuf.len || e->pause_recv) {
    /* body bytes wait behind a pause: unpausing calls this again */
    ferry__conn_watch(e->conn, FERRY_POLL_NONE);
    return;
  }
  if (e->decoder) {
    ferry_code rc = ferry__decoder_finish(e->decoder, decoded_out, e);
    if (rc == FERRYE_OK && e->pausebuf.len)
      return; /* the decoder's last bytes met a pause */
    if (rc != FERRYE_OK) {
      if (e->errtext[0] == '\0')
        snprintf(e->errtext, sizeof(e->errtext), "%s",
                 ferry__decoder_errmsg(e->decoder));
      ferry__xfer_done(e, rc);
      return;
    }
  }
  ferry__xfer_done(e, FERRYE_OK);
}

static void fail_with_parser(ferry_easy *e, ferry_code rc) {
  if (e->errtext[0] == '\0' && e->parser.errmsg != NULL &&
      e->parser.errmsg != e->errtext)
    snprintf(e->errtext, sizeof(e->errtext), "%s%s", e->parser.errprefix,
             e->parser.errmsg);
  ferry__xfer_done(e, rc);
}

/* Read and parse what has arrived. A short read normally means the socket
 * is drained, and the next readiness brings the rest. With
 * FERRY_CSELECT_ERR it may not: libuv (and libcurl-style glue on it) stops
 * watching a socket that reported an error, and a reset's error comes only
 * after the bytes before it are read. So then read on until the error. */
static void recv_data(ferry_easy *e, int cselect) {
  ferry_multi *m = e->multi;
  ferry__conn *c = e->conn;
  int rounds = 0, drain = (cselect & FERRY_CSELECT_ERR) != 0;

  if (m->rbuf == NULL) {
    m->rbuf = ferry__malloc(FERRY__RBUF_SIZE);
    if (m->rbuf == NULL) {
      xfer_fail(e, FERRYE_OUT_OF_MEMORY, "out of memory for the read buffer");
      return;
    }
  }
  /* TLS hands out one record at a time and keeps the rest inside: read on
   * until it says AGAIN, or those bytes would wait for a socket event that
   * never comes. */
  while (rounds++ < 4 || drain || c->tls) {
    ferry_code rc = FERRYE_OK;
    int clean = 1, os_errno = 0;
    char why[FERRY_ERROR_SIZE];
    size_t cap = rate_allowance(e, 0, FERRY__RBUF_SIZE);
    ssize_t n = cap == 0 ? FERRY__IO_AGAIN /* throttled */
                         : ferry__conn_recv(c, m->rbuf, cap, &clean, &rc,
                                            &os_errno, why, sizeof(why));
    size_t used = 0;

    if (n == FERRY__IO_AGAIN)
      return;
    if (n == FERRY__IO_ERROR) {
      e->os_errno = os_errno;
      if (retry_on_fresh(e))
        return;
      xfer_fail(e, rc, "%s", why);
      return;
    }
    if (n == 0) {
      if (retry_on_fresh(e))
        return;
      rc = ferry__h1_eof(&e->parser);
      if (rc != FERRYE_OK) {
        fail_with_parser(e, rc);
        return;
      }
      if (!clean) {
        /* A body that only EOF ends must end with close_notify, or an
         * attacker could cut it short unseen. */
        xfer_fail(e, FERRYE_RECV_ERROR,
                  "TLS connection closed without close_notify: the body may "
                  "be truncated");
        return;
      }
      e->conn->no_reuse = 1; /* the server closed it */
      response_complete(e, 0);
      return;
    }
    rate_spent(e, 0, (size_t)n);
    rc = ferry__h1_feed(&e->parser, m->rbuf, (size_t)n, &used);
    if (e->state == FERRY__XS_DONE)
      return;
    if (rc != FERRYE_OK) {
      fail_with_parser(e, rc);
      return;
    }
    if (e->parser.complete) {
      response_complete(e, used < (size_t)n);
      return;
    }
    if (e->expect_go) {
      e->expect_go = 0;
      update_deadline(e);
      send_more(e);
      return;
    }
    if (e->pause_recv) {
      ferry__conn_watch(c, FERRY_POLL_NONE);
      return;
    }
    if ((size_t)n < FERRY__RBUF_SIZE && !drain && !c->tls)
      break;
  }
  if (!e->set.noprogress && e->set.xferinfofn)
    progress_call(e);
}

/* A speed cap's bucket has filled: go on where the throttle stopped. */
static void rate_resume(ferry_easy *e) {
  e->rate_resume_ms = 0;
  if (e->state == FERRY__XS_SEND && !e->expect_wait) {
    if (!e->pause_send)
      send_more(e);
    return;
  }
  if ((e->state == FERRY__XS_SEND || e->state == FERRY__XS_RECV_HEADERS ||
       e->state == FERRY__XS_RECV_BODY) &&
      !e->pause_recv && !e->response_done) {
    ferry__conn_watch(e->conn, FERRY_POLL_IN);
    recv_data(e, 0);
  }
}

/* ---- entry points ----------------------------------------------------- */

/* Pass bytes kept during a pause on through fn (which may keep some again
 * if the transfer pauses anew). Returns 1 when the transfer ended. */
static int release_held(ferry_easy *e, ferry__buf *kept,
                        ferry_code (*fn)(ferry_easy *, const char *, size_t)) {
  ferry__buf held;
  ferry_code rc;

  if (kept->len == 0 || e->pause_recv)
    return 0;
  held = *kept;
  ferry__buf_init(kept, FERRY__PAUSE_MAX);
  rc = fn(e, held.data, held.len);
  ferry__buf_free(&held);
  if (rc != FERRYE_OK) {
    ferry__xfer_done(e, rc);
    return 1;
  }
  return 0;
}

void ferry__xfer_run(ferry_easy *e) {
  switch (e->state) {
  case FERRY__XS_INIT: {
    ferry_code rc = ferry__xfer_setup(e);
    if (rc != FERRYE_OK) {
      ferry__xfer_done(e, rc);
      return;
    }
    if (wants_ticks(e))
      e->next_progress_ms = ferry__now_ms() + 1000;
    if (progress_call(e))
      return;
    acquire_conn(e, 0);
    return;
  }
  case FERRY__XS_PENDING:
    acquire_conn(e, 0);
    return;
  case FERRY__XS_SEND:
    if (!e->pause_send)
      send_more(e);
    return;
  case FERRY__XS_RECV_HEADERS:
  case FERRY__XS_RECV_BODY:
    /* unpaused: hand over what was kept (decoded bytes first, then the
     * encoded ones), then read again */
    if (release_held(e, &e->pausebuf, deliver_body) ||
        release_held(e, &e->pause_encoded, decode_body))
      return;
    if (e->pause_recv)
      return;
    if (e->response_done) {
      response_complete(e, 0);
      return;
    }
    if (e->rate_resume_ms)
      return; /* throttled: rate_resume reads on */
    ferry__conn_watch(e->conn, FERRY_POLL_IN);
    /* bytes the TLS layer kept while paused raise no socket event */
    if (e->conn->tls && ferry__tls_has_buffered(e->conn->tls))
      recv_data(e, 0);
    return;
  default:
    return;
  }
}

void ferry__xfer_on_socket(ferry_easy *e, ferry__conn *c, int cselect) {
  switch (e->state) {
  case FERRY__XS_CONNECT:
    on_connect_ready(e, c);
    return;
  case FERRY__XS_TUNNEL:
    tunnel_io(e, cselect);
    return;
  case FERRY__XS_TLS:
    tls_on_socket(e, cselect);
    return;
  case FERRY__XS_SEND:
    if (e->expect_wait) {
      /* waiting for 100 Continue: the answer is read as it comes */
      if (cselect & (FERRY_CSELECT_IN | FERRY_CSELECT_ERR))
        recv_data(e, cselect);
      return;
    }
    if (!e->pause_send && (cselect & (FERRY_CSELECT_OUT | FERRY_CSELECT_ERR)))
      send_more(e);
    return;
  case FERRY__XS_RECV_HEADERS:
  case FERRY__XS_RECV_BODY:
    if (!e->pause_recv)
      recv_data(e, cselect);
    return;
  default:
    return;
  }
}

void ferry__xfer_on_deadline(ferry_easy *e) {
  uint64_t now = ferry__now_ms();

  if (e->state == FERRY__XS_CONNECT && e->race_at_ms && now >= e->race_at_ms)
    start_race(e);
  if (e->expect_wait && now >= e->expect_until_ms) {
    /* no 100 Continue in time: send the body anyway, as libcurl does */
    e->expect_wait = 0;
    e->expect_100 = 0;
    send_more(e);
    if (e->state == FERRY__XS_DONE)
      return;
  }
  if (e->rate_resume_ms && now >= e->rate_resume_ms) {
    rate_resume(e);
    if (e->state == FERRY__XS_DONE)
      return;
  }
  uint64_t elapsed = now - start_ms(e);

  if (e->set.timeout_ms > 0 && elapsed >= (uint64_t)e->set.timeout_ms) {
    xfer_fail(e, FERRYE_OPERATION_TIMEDOUT,
              "Operation timed out after %llu milliseconds with %lld bytes "
              "received",
              (unsigned long long)elapsed, (long long)e->dl_bytes);
    return;
  }
  if (e->state <= FERRY__XS_TLS && e->state != FERRY__XS_PENDING &&
      elapsed >= (uint64_t)connect_timeout_ms(e)) {
    xfer_fail(e, FERRYE_OPERATION_TIMEDOUT,
              "Connection timed out after %llu milliseconds",
              (unsigned long long)elapsed);
    return;
  }
  if (wants_ticks(e) && e->next_progress_ms && now >= e->next_progress_ms) {
    ferry_off_t moved = e->dl_bytes + e->ul_bytes - e->speed_mark_bytes;
    e->speed_mark_bytes = e->dl_bytes + e->ul_bytes;
    e->next_progress_ms = now + 1000;
    if (e->set.low_speed_limit > 0 && e->set.low_speed_time > 0 &&
        e->state != FERRY__XS_PENDING && !e->pause_recv && !e->pause_send) {
      if (moved < e->set.low_speed_limit) {
        if (e->low_speed_since_ms == 0)
          e->low_speed_since_ms = now - 1000;
        if (now - e->low_speed_since_ms >= (uint64_t)e->set.low_speed_time * 1000) {
          xfer_fail(e, FERRYE_OPERATION_TIMEDOUT,
                    "Operation too slow. Less than %ld bytes/sec transferred "
                    "the last %ld seconds",
                    e->set.low_speed_limit, e->set.low_speed_time);
          return;
        }
      } else {
        e->low_speed_since_ms = 0;
      }
    }
    if (progress_call(e))
      return;
  }
  update_deadline(e);
}

/* May the connection carry another request after this hop? */
static int conn_reusable(ferry_easy *e, ferry_code result) {
  return result == FERRYE_OK && e->response_done && e->conn &&
         !e->conn->no_reuse && ferry__h1_keep_alive(&e->parser) &&
         upload_complete(e) && e->req_sent == e->req.len &&
         /* an HTTP/1.0 request keeps it only when the server says so */
         (e->set.httpversion != FERRY_HTTP_VERSION_1_0 ||
          ferry__h1_says_keep_alive(&e->parser));
}

/* The response was a redirect to follow: the same transfer goes on with
 * the next hop, from INIT, on a pooled or new connection. */
static void follow_redirect(ferry_easy *e) {
  ferry__url next;
  ferry_code rc;
  /* judged before a rewind resets the upload's counters */
  int reusable = conn_reusable(e, FERRYE_OK);

  if (e->upload_from_read &&
      (e->auth_retry || e->response_code == 307 || e->response_code == 308) &&
      rewind_upload(e) != 0) {
    xfer_fail(e, FERRYE_SEND_FAIL_REWIND,
              "a %ld answer needs the upload again, and it cannot be rewound",
              e->response_code);
    return;
  }
  if (e->auth_retry) {
    /* the same request again, now with credentials */
    if (ferry__url_copy(&next, &e->url) != FERRY__URL_OK) {
      ferry__xfer_done(e, FERRYE_OUT_OF_MEMORY);
      return;
    }
    e->auth_retry = 0;
    e->auth_tried = 1;
    if (ferry__trace_on(e))
      ferry__infof(e, "Asking again with %s credentials",
                   e->digest.nonce ? "Digest" : "Basic");
  } else {
    rc = ferry__http_next_hop(e, &next);
    if (rc != FERRYE_OK) {
      ferry__xfer_done(e, rc);
      return;
    }
    /* a challenge belongs to the server that made it */
    ferry__digest_free(&e->digest);
    e->auth_basic = e->auth_tried = 0;
    if (ferry__trace_on(e))
      ferry__infof(e, "Following redirect to %s", e->redirect_url);
  }
  release_conn(e, reusable);
  /* forget the previous hop, keep the transfer's totals */
  forget_hop(e);
  ferry__url_free(&e->url);
  e->url = next;
  ferry__headers_next_request(&e->headers);
  e->url_cached = 0; /* e->url is no longer the option's parse */
  ferry__xfer_state(e, FERRY__XS_INIT);
  rc = prepare_hop(e);
  if (rc != FERRYE_OK) {
    ferry__xfer_done(e, rc);
    return;
  }
  acquire_conn(e, 0);
}

void ferry__xfer_done(ferry_easy *e, ferry_code result) {
  ferry_multi *m = e->multi;

  if (e->state == FERRY__XS_DONE)
    return;
  if (e->conn2) {
    ferry__conn_destroy(e->conn2);
    e->conn2 = NULL;
  }
  e->race_at_ms = 0;
  /* The last progress call shows the totals as they end, as libcurl's
   * Curl_pgrsDone from multi_done; not after the callback itself aborted. */
  if (result != FERRYE_ABORTED_BY_CALLBACK) {
    int rc = progress_report(e);
    if (e->state == FERRY__XS_DONE)
      return;
    if (rc != 0 && result == FERRYE_OK) {
      snprintf(e->errtext, sizeof(e->errtext),
               "Callback aborted (progress callback returned %d)", rc);
      result = FERRYE_ABORTED_BY_CALLBACK;
    }
  }
  if (e->dns_wait)
    ferry__resolve_cancel(e);
  release_conn(e, conn_reusable(e, result));
  ferry__list_remove(&e->queue_node);
  e->t_total = now_ns();
  if (e->t_starttransfer == 0 && result == FERRYE_OK)
    e->t_starttransfer = e->t_total;
  e->result = result;
  if (result != FERRYE_OK) {
    if (e->errtext[0] == '\0')
      snprintf(e->errtext, sizeof(e->errtext), "%s", ferry_easy_strerror(result));
    if (e->set.errorbuffer)
      snprintf(e->set.errorbuffer, FERRY_ERROR_SIZE, "%s", e->errtext);
    if (ferry__trace_on(e))
      ferry__infof(e, "%s", e->errtext);
  }
  ferry__buf_free(&e->upbuf);
  ferry__buf_free(&e->pausebuf);
  ferry__buf_free(&e->pause_encoded);
  ferry__xfer_state(e, FERRY__XS_DONE);
  ferry__multi_set_deadline(m, e, 0);
  ferry__multi_post_done(m, e);
  ferry__multi_wake_pending(m);
}

void ferry__xfer_detach(ferry_easy *e) {
  ferry_multi *m = e->multi;

  if (e->conn2) {
    ferry__conn_destroy(e->conn2);
    e->conn2 = NULL;
  }
  e->race_at_ms = 0;

  if (e->dns_wait)
    ferry__resolve_cancel(e);
  ferry__list_remove(&e->queue_node);
  ferry__multi_set_deadline(m, e, 0);
  if (e->conn) {
    /* A connection on which nothing was sent yet can go back to the pool. */
    int untouched = e->state == FERRY__XS_SEND && e->req_sent == 0 &&
                    e->conn->connected && e->ul_bytes == 0;
    release_conn(e, untouched);
  }
  if (e->state != FERRY__XS_DONE && e->state != FERRY__XS_INIT)
    ferry__multi_wake_pending(m);
}

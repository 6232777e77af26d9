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
#include "clock.h"
#include "conn.h"
#include "decode.h"
#include "http.h"
#include "mime.h"
#include "proxy.h"
#include "push.h"
#include "handle.h"
#include "multidef.h"
#include "partial.h"
#include "queues.h"
#include "resolve.h"
#include "route.h"
#include "share.h"
#include "tls.h"
#include "tlscache.h"
#include "trace.h"
#include "websocket.h"
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
  e->resp_close = e->resp_keep_alive = e->resp_chunked = 0;
}

/* Forget what belongs to one hop (one request and its response); what
 * belongs to the whole transfer stays. Used between redirect hops and by
 * ferry__xfer_reset. */
static void forget_hop(ferry_easy *e) {
  ferry__free(e->conn_key);
  e->conn_key = NULL;
  ferry__free(e->effective_url);
  e->effective_url = NULL;
  forget_response_headers(e);
  ferry__decoder_free(e->decoder);
  e->decoder = NULL;
  ferry__addrs_unref(e->addrs);
  e->addrs = NULL;
  ferry__stream_reset(&e->stream);
  e->upload_read = 0;
  e->reused = e->retried = 0;
  e->refused_retries = 0;
  e->response_done = 0;
  e->follow = 0;
  e->expect_wait = 0;
  e->body_raw_seen = e->coding_refused = 0;
  e->dl_bytes = e->ul_bytes = 0;
  e->content_length = -1;
  e->ws_linger_ms = 0;
}

void ferry__xfer_close_raw(ferry_easy *e) {
  if (e->raw.conn == NULL)
    return;
  ferry__ws_free(e); /* a WebSocket endpoint over it goes with it */
  ferry__raw_close(&e->raw);
  /* a transfer waiting for room under a connection limit may start */
  ferry__queues_wake_pending(e->raw_multi);
  e->raw_multi = NULL;
}

void ferry__xfer_reset(ferry_easy *e) {
  ferry__xfer_close_raw(e);
  ferry__ws_free(e);
  forget_hop(e);
  e->upload_mime = NULL;
  ferry_mime_free(e->form_mime); /* HTTPPOST's, made for each transfer */
  e->form_mime = NULL;
  /* the handle's authentication state stays (ferry__http_auth_forget) */
  e->auth_retry = e->auth_probe = 0;
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
  e->hop_get = e->strip_auth = e->followed = 0;
  e->pause_recv = e->pause_send = 0;
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

static const char *const alpn_http11[] = {"http/1.1", NULL};
static const char *const alpn_h2[] = {"h2", "http/1.1", NULL};

/* Does the transfer offer HTTP/2 over TLS? As libcurl: unless HTTP_VERSION
 * asks for HTTP/1.x. */
static int offers_h2(const ferry_easy *e) {
  long v = e->set.httpversion;
  /* a CONNECT_ONLY connection carries the application's bytes, and a
   * WebSocket's upgrade is HTTP/1.1's */
  if (e->set.connect_only || ferry__ws_hop(e))
    return 0;
  return v == FERRY_HTTP_VERSION_NONE || v == FERRY_HTTP_VERSION_2_0 ||
         v == FERRY_HTTP_VERSION_2TLS ||
         v == FERRY_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
}

/* Does the hop speak HTTP/2 without TLS, with prior knowledge? Not to a
 * proxy that takes the request itself. */
static int h2_prior_knowledge(const ferry_easy *e) {
  return e->set.httpversion == FERRY_HTTP_VERSION_2_PRIOR_KNOWLEDGE &&
         !e->set.connect_only && !ferry__ws_hop(e) &&
         !e->tls_hop && !(e->use_proxy && !e->tunnel);
}

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
  cfg->alpn = offers_h2(e) ? alpn_h2 : alpn_http11;
  cfg->cert_type = t->sslcerttype;
  cfg->key_type = t->sslkeytype;
  cfg->ca_cache_timeout = o->ca_cache_timeout;
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
  if (!e->use_proxy && tls_key == NULL && !h2_prior_knowledge(e) &&
      !ferry__http_h2c_upgrade(e)) {
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
  if (!bad && h2_prior_knowledge(e))
    bad = ferry__buf_adds(&k, "#h2c");
  else if (!bad && ferry__http_h2c_upgrade(e))
    bad = ferry__buf_adds(&k, "#h2c-upgrade"); /* its own: h1 or h2 */
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

/* CONNECT_ONLY 2 on a ws:// or wss:// URL: the upgrade runs first, then
 * the connection is handed over (with 2 on an http URL, or 1, it is handed
 * over once connected). */
static int connect_only_ws(const ferry_easy *e) {
  return e->set.connect_only == 2 && ferry__ws_hop(e);
}

/* Is the scheme of u refused: by PROTOCOLS_STR on every hop, by
 * REDIR_PROTOCOLS_STR once a Location was followed? Writes the error
 * text then. */
static int protocol_refused(ferry_easy *e, const ferry__url *u) {
  unsigned proto = ferry__http_proto_bit(u);

  if ((proto & e->set.protocols) &&
      !(e->followed && !(proto & e->set.redir_protocols)))
    return 0;
  snprintf(e->errtext, sizeof(e->errtext),
           e->followed
               ? "Protocol \"%s\" not supported or disabled for redirects"
               : "Protocol \"%s\" not supported or disabled by PROTOCOLS_STR",
           u->scheme);
  return 1;
}

/* Set up the current hop (e->url parsed): connection key, request, parser. */
static ferry_code prepare_hop(ferry_easy *e) {
  unsigned proto = ferry__http_proto_bit(&e->url);
  ferry_code rc;

  if (protocol_refused(e, &e->url))
    return FERRYE_UNSUPPORTED_PROTOCOL;
  e->tls_hop = (proto & (FERRY__PROTO_HTTPS | FERRY__PROTO_WSS)) != 0;
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
  /* a WebSocket's key and handshake check (websocket.c) */
  if (ferry__ws_hop(e) && (rc = ferry__ws_prepare(e)) != FERRYE_OK)
    return rc;
  /* a CONNECT_ONLY transfer sends no request of its own, but for the
   * WebSocket upgrade of CONNECT_ONLY 2 */
  if (e->set.connect_only && !connect_only_ws(e))
    return FERRYE_OK;
  return ferry__http_build_request(e);
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
  uerr = ferry__url_parse_default(
      &e->url, e->set.url,
      FERRY__URL_GUESS_SCHEME | (e->set.path_as_is ? FERRY__URL_PATH_AS_IS : 0),
      e->set.default_protocol, &why);
  if (uerr == FERRY__URL_NOMEM)
    return FERRYE_OUT_OF_MEMORY;
  if (uerr == FERRY__URL_UNSUPPORTED_SCHEME) {
    /* the parser only says so for a "scheme:" prefix or DEFAULT_PROTOCOL:
     * name it, as libcurl does */
    const char *scheme = ferry__url_scheme_of(e->set.url,
                                              e->set.default_protocol);
    int n = (int)strcspn(scheme, ":");
    snprintf(e->errtext, sizeof(e->errtext),
             "Protocol \"%.*s\" not supported or disabled in ferry",
             n > 64 ? 64 : n, scheme);
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

/* Is there a progress callback to call (XFERINFOFUNCTION, else the older
 * PROGRESSFUNCTION)? */
static int has_progress_fn(const ferry_easy *e) {
  return !e->set.noprogress &&
         (e->set.xferinfofn != NULL || e->set.progressfn != NULL);
}

static int wants_ticks(const ferry_easy *e) {
  return (e->set.low_speed_limit > 0 && e->set.low_speed_time > 0) ||
         has_progress_fn(e);
}

static void update_deadline(ferry_easy *e) {
  uint64_t due = 0, t;

  if (e->state == FERRY__XS_DONE) {
    ferry__queues_set_deadline(e->multi, e, 0);
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
  if (e->state >= FERRY__XS_CONNECT && e->state <= FERRY__XS_TLS && e->conn) {
    /* happy eyeballs: when to race the next address */
    t = ferry__conn_deadline(e->conn);
    if (t && (due == 0 || t < due))
      due = t;
  }
  if (e->rate_resume_ms && (due == 0 || e->rate_resume_ms < due))
    due = e->rate_resume_ms;
  if (e->ws_linger_ms && (due == 0 || e->ws_linger_ms < due))
    due = e->ws_linger_ms;
  ferry__queues_set_deadline(e->multi, e, due);
}

/* Call the progress callback, if any; returns what it returned. */
static int progress_report(ferry_easy *e) {
  ferry_multi *m = e->multi;
  int rc;
  ferry_off_t ultotal, dltotal;

  if (!has_progress_fn(e))
    return 0;
  ultotal = e->stream.body_len >= 0 ? e->stream.body_len : 0;
  dltotal = e->content_length > 0 ? e->content_length : 0;
  FERRY__CALLBACK_ENTER(m);
  if (e->set.xferinfofn != NULL)
    rc = e->set.xferinfofn(e->set.xferinfodata, dltotal, e->dl_bytes, ultotal,
                           e->ul_bytes);
  else
    rc = e->set.progressfn(e->set.xferinfodata, (double)dltotal,
                           (double)e->dl_bytes, (double)ultotal,
                           (double)e->ul_bytes);
  FERRY__CALLBACK_LEAVE(m);
  /* libcurl's "go on with the built-in meter": ferry has none */
  return rc == FERRY_PROGRESSFUNC_CONTINUE ? 0 : rc;
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

static const ferry__conn_hooks conn_hooks;

static void attach_conn(ferry_easy *e, ferry__conn *c) {
  e->conn = c;
  ferry__conn_set_easy(c, e);
  ferry__conn_set_owner(c, &conn_hooks, e);
  /* a share of connections takes it when it goes idle */
  ferry__share_conn_home(e->share, &e->lock, c);
  /* QUEUE_TIME_T: the hop has a connection to use, or starts making one */
  if (!e->hop_queued)
    e->queue_us += (ferry_off_t)((now_ns() - e->t_hop) / 1000u);
  e->hop_queued = 1;
}

/* Let go of the transfer's stream and connection, as how says
 * (FERRY__CLOSE_*): its session decides whether the connection carries
 * another request. A connection that has no session yet (still
 * connecting) is closed. */
static void release_conn(ferry_easy *e, int how) {
  ferry__conn *c = e->conn;
  if (c == NULL)
    return;
  e->conn = NULL;
  e->conn_id = c->id; /* CONN_ID: the connection used last */
  if (e->set.forbid_reuse || e->multi->closing)
    how = FERRY__CLOSE_NOREUSE;
  if (e->stream.session != NULL) {
    ferry__stream_close(&e->stream, how);
    return;
  }
  c->easy = NULL;
  ferry__conn_destroy(c);
}

static void start_send(ferry_easy *e);
static int prereq_refused(ferry_easy *e);
static ferry_code on_header_line(void *ud, const char *line, size_t len);

/* PRIMARY_IP/PORT and LOCAL_IP/PORT of the transfer, from its connection
 * (no system call: a reused connection costs nothing here). */
static void fill_addr_info(ferry_easy *e) {
  const ferry__conn *c = e->conn;
  memcpy(e->primary_ip, c->peer_ip, sizeof(e->primary_ip));
  memcpy(e->local_ip, c->local_ip, sizeof(e->local_ip));
  e->primary_port = c->peer_port;
  e->local_port = c->local_port;
}

/* CERTINFO: list the chain of the transfer's TLS connection (a later hop
 * replaces an earlier one's). Fails the transfer when out of memory. */
static ferry_code record_certinfo(ferry_easy *e) {
  ferry_code rc;

  if (!e->set.certinfo)
    return FERRYE_OK;
  ferry__tls_certinfo_free(&e->certinfo);
  rc = ferry__tls_certinfo(ferry__conn_tls(e->conn), &e->certinfo);
  if (rc != FERRYE_OK)
    xfer_fail(e, rc, "out of memory for the certificate info");
  return rc;
}

/* What the connection tells the transfer that owns it. */
static void hook_event(void *ud, int cselect) {
  ferry__xfer_on_socket(ud, cselect);
}

static int hook_trace_on(void *ud) { return ferry__trace_on(ud); }

static void hook_trace(void *ud, const char *text) {
  ferry__infof(ud, "%s", text);
}

static void hook_trace_data(void *ud, ferry_infotype type, const char *p,
                            size_t n) {
  if (ferry__trace_on(ud))
    ferry__trace_data(ud, type, p, n);
}

static void hook_tunnel_status(void *ud, int status) {
  ((ferry_easy *)ud)->connectcode = status;
}

static ferry_code hook_tls_ctx(void *ud, ferry__tls_ctx **ctx,
                               ferry__tls_sessions **sessions,
                               const ferry__lock **sessions_lock, char *errbuf,
                               size_t errlen) {
  ferry_easy *e = ud;
  ferry_multi *m = e->multi;
  ferry__tls_config cfg;
  ferry_code rc;

  tls_config_of(e, &cfg);
  rc = ferry__tlscache_ctx(m, &cfg, hop_tls_key(e), ctx, errbuf, errlen);
  /* a share's session cache, if the handle's share has one */
  *sessions = ferry__share_tls_sessions(e->share);
  *sessions_lock = ferry__lock_for(&e->lock, FERRY_LOCK_DATA_SSL_SESSION);
  if (*sessions == NULL) {
    *sessions = m->tls_sessions;
    *sessions_lock = NULL;
  }
  /* SSL_SESSIONID_CACHE 0: no session offered, none stored */
  if (e->set.no_session_cache) {
    *sessions = NULL;
    *sessions_lock = NULL;
  }
  return rc;
}

static const ferry__conn_hooks conn_hooks = {
    hook_event,     hook_trace_on,      hook_trace,  hook_trace_data,
    on_header_line, hook_tunnel_status, hook_tls_ctx,
};

/* The TCP (or Unix socket) connect finished. */
static void socket_connected(ferry_easy *e) {
  /* the addresses are not needed any more (a retry looks them up again,
   * from the DNS cache): a transfer held open keeps less */
  ferry__addrs_unref(e->addrs);
  e->addrs = NULL;
  e->t_connect = now_ns();
  e->num_connects++;
  fill_addr_info(e);
  if (ferry__trace_on(e))
    ferry__infof(e, "Connected to %s (%s) port %ld", e->dest_host,
                 e->primary_ip, e->primary_port);
}

/* The proxy opened the tunnel: nothing of the CONNECT answer holds for
 * the origin's. */
static void tunnel_established(ferry_easy *e) {
  forget_response_headers(e);
  e->in_tunnel = 0;
  e->response_code = 0;
}

/* The TLS handshake finished. 0, or -1 when the transfer ended. */
static int tls_connected(ferry_easy *e) {
  ferry__tls *t = ferry__conn_tls(e->conn);
  e->t_appconnect = now_ns();
  e->ssl_verifyresult = ferry__tls_verify_result(t);
  if (record_certinfo(e) != FERRYE_OK)
    return -1;
  if (ferry__trace_on(e))
    ferry__infof(e, "TLS %s with %s%s%s, ALPN %s", ferry__tls_version(t),
                 ferry__tls_cipher(t), ferry__tls_resumed(t) ? " (resumed)" : "",
                 ferry__tls_chain_cached(t) ? " (chain verified before)" : "",
                 ferry__tls_alpn(t) ? ferry__tls_alpn(t) : "none");
  return 0;
}

static const ferry__xstate phase_state[] = {
    [FERRY__CONN_SOCKET] = FERRY__XS_CONNECT,
    [FERRY__CONN_TUNNEL] = FERRY__XS_TUNNEL,
    [FERRY__CONN_TLS] = FERRY__XS_TLS,
    [FERRY__CONN_CONNECTED] = FERRY__XS_SEND,
};

/* CONNECT_ONLY: the connection is made (and for a WebSocket upgraded,
 * rest being what came after the 101); the application takes it over
 * (raw.h) and the transfer ends. */
static void hand_over(ferry_easy *e, const char *rest, size_t n) {
  ferry__conn *c = e->conn;
  ferry_code rc = ferry__raw_adopt(&e->raw, c, rest, n);
  if (rc != FERRYE_OK) {
    xfer_fail(e, rc, "out of memory handing over the connection");
    return;
  }
  e->raw_multi = e->multi;
  e->conn = NULL;
  e->response_done = 1;
  if (ferry__trace_on(e))
    ferry__infof(e, "Connection to %s handed over (CONNECT_ONLY)",
                 e->dest_host);
  ferry__xfer_done(e, FERRYE_OK);
}

/* One connect step of the transfer's connection; the transfer's state
 * follows the filter that connects (CONNECT, TUNNEL, TLS). */
static void connect_step(ferry_easy *e, int cselect) {
  ferry__conn *c = e->conn;
  ferry__conn_phase before = ferry__conn_phase_of(c), now;
  char why[FERRY_ERROR_SIZE] = "";
  ferry__ioerr err = {FERRYE_OK, 0, why, sizeof(why)};
  ferry_code rc = ferry__conn_connect(c, cselect, &err);

  if (e->state == FERRY__XS_DONE)
    return; /* a hook ended it */
  now = ferry__conn_phase_of(c);
  if (before == FERRY__CONN_SOCKET && now != FERRY__CONN_SOCKET)
    socket_connected(e);
  if (before <= FERRY__CONN_TUNNEL && now > FERRY__CONN_TUNNEL && e->tunnel)
    tunnel_established(e);
  if (rc == FERRYE_OK && ferry__conn_tls(c) != NULL && tls_connected(e) != 0)
    return;
  if (rc != FERRYE_OK && rc != FERRYE_AGAIN) {
    ferry__tls *t = ferry__conn_tls(c);
    if (t != NULL)
      e->ssl_verifyresult = ferry__tls_verify_result(t);
    e->os_errno = err.os_errno;
    if (rc == FERRYE_COULDNT_CONNECT && why[0] == '\0')
      xfer_fail(e, rc, "Failed to connect to %s port %d: %s", e->dest_host,
                e->dest_port, strerror(err.os_errno ? err.os_errno : ECONNREFUSED));
    else
      xfer_fail(e, rc, "%s", why);
    return;
  }
  if (now == FERRY__CONN_TUNNEL)
    e->in_tunnel = 1;
  if (rc == FERRYE_OK) {
    if (!e->set.connect_only || connect_only_ws(e))
      start_send(e);
    else if (!prereq_refused(e)) /* as libcurl, for CONNECT_ONLY too */
      hand_over(e, NULL, 0);
    return;
  }
  ferry__xfer_state(e, phase_state[now]);
  update_deadline(e);
}

/* The addresses are known: build the connection's filters and connect. */
static void start_connect(ferry_easy *e) {
  ferry__conn *c = e->conn;
  ferry__sockopts so;
  ferry__cf *cf;
  ferry_code rc;

  memset(&so, 0, sizeof(so));
  so.tcp_nodelay = e->set.tcp_nodelay;
  so.tcp_keepalive = e->set.tcp_keepalive;
  so.tcp_keepidle = e->set.tcp_keepidle;
  so.tcp_keepintvl = e->set.tcp_keepintvl;
  so.tcp_keepcnt = e->set.tcp_keepcnt;
  so.interface = e->set.interface;
  so.localport = e->set.localport;
  so.localportrange = e->set.localportrange;
  so.happy_eyeballs_ms = e->set.happy_eyeballs_ms;
  if (e->set.sockcb != NULL) {
    const ferry__sockcb_opts *k = e->set.sockcb;
    so.opensocket = k->opensocketfn;
    so.opensocket_data = k->opensocketdata;
    so.sockopt = k->sockoptfn;
    so.sockopt_data = k->sockoptdata;
    so.closesocket = k->closesocketfn;
    so.closesocket_data = k->closesocketdata;
  }
  so.address_scope = e->set.address_scope;
  ferry__xfer_state(e, FERRY__XS_CONNECT);
  rc = ferry__cf_socket_new(&cf, c, e->addrs, &so);
  if (rc != FERRYE_OK)
    goto failed;
  ferry__conn_push(c, cf);
  if (e->tunnel) {
    ferry__buf req;
    ferry__buf_init(&req, 64 * 1024);
    rc = ferry__proxy_connect_request(e, &req);
    if (rc == FERRYE_OK)
      rc = ferry__cf_tunnel_new(&cf, c, &req);
    ferry__buf_free(&req);
    if (rc != FERRYE_OK)
      goto failed;
    ferry__conn_push(c, cf);
  }
  if (e->tls_hop) {
    rc = ferry__cf_tls_new(&cf, c, e->url.host, e->url.port);
    if (rc != FERRYE_OK)
      goto failed;
    ferry__conn_push(c, cf);
  }
  connect_step(e, 0);
  return;
failed:
  ferry__xfer_done(e, rc);
}

void ferry__xfer_resolved(ferry_easy *e, ferry_code result, const char *why) {
  if (result != FERRYE_OK) {
    if (e->use_proxy && result == FERRYE_COULDNT_RESOLVE_HOST)
      result = FERRYE_COULDNT_RESOLVE_PROXY;
    xfer_fail(e, result, "Could not resolve %s: %s%s%s%s",
              e->use_proxy ? "proxy" : "host", e->dest_host, why ? " (" : "",
              why ? why : "", why ? ")" : "");
    return;
  }
  e->t_namelookup = now_ns();
  start_connect(e);
}

/* The lookup the transfer waited for ended. */
static void dns_done(ferry__dns_query *q, ferry_code rc, const char *why) {
  ferry_easy *e = FERRY__CONTAINER_OF(q, ferry_easy, dns);
  if (rc == FERRYE_OK) {
    e->addrs = q->addrs;
    q->addrs = NULL;
  }
  ferry__xfer_resolved(e, rc, why);
}

/* Find or open a connection for the transfer. */
static void acquire_conn(ferry_easy *e, int fresh) {
  ferry_multi *m = e->multi;
  ferry__bundle *b = ferry__pool_bundle(&m->pool, e->conn_key, 1);
  ferry__conn *c;
  ferry_code rc;

  if (b == NULL) {
    xfer_fail(e, FERRYE_OUT_OF_MEMORY, "out of memory");
    return;
  }
  /* as libcurl, a CONNECT_ONLY transfer never takes a pooled connection */
  if (!fresh && !e->set.fresh_connect && !e->set.connect_only) {
    /* a stream on an HTTP/2 connection with room */
    while ((c = ferry__pool_take_mux(&m->pool, b)) != NULL) {
      if (ferry__session_usable(c->session)) {
        attach_conn(e, c);
        e->reused = 1;
        if (e->t_namelookup == 0)
          e->t_namelookup = e->t_connect = now_ns();
        if (ferry__conn_tls(c) != NULL) {
          if (e->t_appconnect == 0)
            e->t_appconnect = e->t_connect;
          e->ssl_verifyresult = ferry__tls_verify_result(ferry__conn_tls(c));
          if (record_certinfo(e) != FERRYE_OK)
            return;
        }
        fill_addr_info(e);
        if (ferry__trace_on(e))
          ferry__infof(e, "Re-using existing connection to %s (a stream of "
                          "%u)", e->conn_key, c->streams + 1);
        start_send(e);
        return;
      }
    }
    c = ferry__pool_take_idle(&m->pool, b, e->stream.pull,
                              (uint64_t)e->set.maxage_conn * 1000u,
                              (uint64_t)e->set.maxlifetime_conn * 1000u);
    if (c == NULL) /* one another multi left in the share */
      c = ferry__share_take_conn(e->share, &e->lock, &m->pool, b,
                                 (uint64_t)e->set.maxage_conn * 1000u,
                                 (uint64_t)e->set.maxlifetime_conn * 1000u);
    if (c != NULL) {
      ferry__tls *t = ferry__conn_tls(c);
      attach_conn(e, c);
      e->reused = 1;
      if (e->t_namelookup == 0)
        e->t_namelookup = e->t_connect = now_ns();
      if (t != NULL) {
        /* no handshake now: report the one the connection had */
        if (e->t_appconnect == 0)
          e->t_appconnect = e->t_connect;
        e->ssl_verifyresult = ferry__tls_verify_result(t);
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
  /* PIPEWAIT (or an origin known to speak HTTP/2): wait for a connection
   * being made that may multiplex, rather than make another */
  if ((b->n_connecting_mux > 0 && (e->set.pipewait || b->mux_seen) &&
       (m->pipelining & FERRY__PIPE_MULTIPLEX) && !fresh &&
       !e->set.fresh_connect && !e->set.connect_only) ||
      !ferry__pool_may_open(&m->pool, b)) {
    ferry__xfer_state(e, FERRY__XS_PENDING);
    ferry__queues_add_pending(m, e);
    update_deadline(e);
    return;
  }
  c = ferry__conn_new(&m->pool, b);
  if (c == NULL) {
    xfer_fail(e, FERRYE_OUT_OF_MEMORY, "out of memory");
    return;
  }
  attach_conn(e, c);
  e->reused = 0;
  /* a connection that may speak HTTP/2: others may wait for it */
  if ((e->tls_hop && offers_h2(e)) || h2_prior_knowledge(e))
    ferry__pool_mux_pending(c, 1);
  ferry__xfer_state(e, FERRY__XS_RESOLVE);
  update_deadline(e);
  if (e->addrs) {
    /* a retry: the addresses are known */
    start_connect(e);
    return;
  }
  e->dns.host = e->dest_host;
  e->dns.port = e->dest_port;
  e->dns.literal = e->dest_kind != FERRY__HOST_NAME;
  e->dns.unix_path = e->set.unix_socket_path;
  e->dns.resolve = e->set.resolve;
  e->dns.ipresolve = e->set.ipresolve;
  e->dns.ttl = e->set.dns_cache_timeout;
  e->dns.quick_exit = e->set.quick_exit;
  e->dns.done = dns_done;
  rc = ferry__dns_resolve(&m->dns, &e->dns);
  if (ferry__trace_on(e)) {
    if (e->dns.how == FERRY__DNS_OVERRIDE)
      ferry__infof(e, "RESOLVE %s:%d is overridden", e->dest_host, e->dest_port);
    else if (rc == FERRYE_AGAIN)
      ferry__infof(e, "Resolving %s", e->dest_host);
  }
  if (rc == FERRYE_AGAIN)
    return;
  if (rc != FERRYE_OK) {
    if (e->use_proxy && rc == FERRYE_COULDNT_RESOLVE_HOST)
      rc = FERRYE_COULDNT_RESOLVE_PROXY;
    if (e->dns.why[0] != '\0')
      xfer_fail(e, rc, "%s", e->dns.why);
    else
      xfer_fail(e, rc, "Could not resolve %s: %s",
                e->use_proxy ? "proxy" : "host", e->dest_host);
    return;
  }
  e->addrs = e->dns.addrs;
  e->dns.addrs = NULL;
  e->t_namelookup = now_ns();
  start_connect(e);
}

/* Go back to the start of a read-callback upload: SEEKFUNCTION, or for
 * the default reader an fseek of READDATA. 0 when it can be sent again. */
static int rewind_upload(ferry_easy *e) {
  ferry_multi *m = e->multi;
  if (e->upload_read == 0 && !e->stream.eof)
    return 0; /* nothing was read yet */
  if (e->upload_mime) {
    int rc;
    FERRY__CALLBACK_ENTER(m); /* a part's seekfunc may be called */
    rc = ferry__mime_seek(e->upload_mime, 0, SEEK_SET);
    FERRY__CALLBACK_LEAVE(m);
    if (rc != FERRY_SEEKFUNC_OK)
      return -1;
  } else if (e->set.seekfn) {
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
  e->upload_read = 0;
  e->stream.eof = 0;
  e->upload_skip = e->resume_from; /* a resumed upload starts there again */
  return 0;
}

/* The request goes out from its start again (a new attempt). */
static void stream_rewound(ferry_easy *e) {
  ferry__stream *st = &e->stream;
  st->head_sent = 0;
  /* a small body travels inside the head */
  st->body_sent = st->body && st->body_len <= FERRY__INLINE_BODY_MAX
                      ? st->body_len
                      : 0;
  st->eof = st->sent_all = st->complete = 0;
  st->paused_send = st->paused_recv = 0;
  st->os_errno = 0;
}

/* Drop the attempt's connection and what the attempt counted, so that the
 * request can go again from its start on another connection. */
static void restart_attempt(ferry_easy *e) {
  release_conn(e, FERRY__CLOSE_FAIL);
  e->errtext[0] = '\0';
  e->os_errno = 0;
  e->reused = 0;
  e->expect_wait = 0;
  stream_rewound(e);
  e->ul_bytes = 0;
  e->header_size = 0;
}

/* A reused connection turned out dead before any response byte: try once
 * more on a fresh one. Returns 1 if a retry was started. */
static int retry_on_fresh(ferry_easy *e) {
  if (e->retried)
    return 0;
  if (e->stream.pull && rewind_upload(e) != 0)
    return 0; /* the read callback's data cannot be read again */
  if (ferry__trace_on(e))
    ferry__infof(e, "Connection died, retrying a fresh connect");
  restart_attempt(e);
  e->retried = 1;
  acquire_conn(e, 1);
  return 1;
}

/* The server refused the stream before answering (HTTP/2 REFUSED_STREAM,
 * or a GOAWAY that left it out): send it again on another connection (a
 * pooled one will do), as libcurl does, up to FERRY__REFUSED_RETRIES
 * times. Returns 1 if a retry was started. */
static int retry_refused(ferry_easy *e) {
  if (e->refused_retries >= FERRY__REFUSED_RETRIES)
    return 0;
  if (e->stream.pull && rewind_upload(e) != 0)
    return 0;
  e->refused_retries++;
  if (ferry__trace_on(e))
    ferry__infof(e, "%s, retrying on another connection", e->errtext);
  restart_attempt(e);
  ferry__xfer_state(e, FERRY__XS_INIT);
  acquire_conn(e, 0);
  return 1;
}

/* ---- speed caps (rate.c) ---------------------------------------------- */

/* How many bytes may move now in that direction (cap when there is no
 * MAX_SEND_SPEED / MAX_RECV_SPEED). 0 means throttled: the session stops
 * watching, and the deadline brings the transfer back when the bucket has
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
    update_deadline(e);
  }
  return n;
}

static void rate_spent(ferry_easy *e, int send, size_t n) {
  if ((send ? e->set.max_send_speed : e->set.max_recv_speed) > 0)
    ferry__rate_spend(send ? &e->rate_send : &e->rate_recv, n);
}

/* ---- the stream's hooks: what the session asks and tells --------------- */

static void response_complete(ferry_easy *e);

/* The body from the read callback (or READDATA's FILE *), after the bytes
 * a resumed upload leaves out. */
static ssize_t hook_read_body(void *ud, char *buf, size_t cap, int *eof) {
  ferry_easy *e = ud;
  ferry_multi *m = e->multi;
  /* a form is read like a READFUNCTION (mime.c) */
  ferry_read_callback fn = e->upload_mime ? ferry__mime_read : e->set.readfn;
  void *arg = e->upload_mime ? (void *)e->upload_mime : e->set.readdata;
  int chunked = e->stream.body_len == -2;
  size_t n;

  if (e->pause_send)
    return FERRY__BODY_WAIT;
  if (e->upload_skip > 0) {
    /* a resumed upload starts RESUME_FROM bytes in (partial.c) */
    ferry_code rc = ferry__partial_skip_upload(e);
    if (rc != FERRYE_OK) {
      xfer_fail(e, rc, NULL);
      return FERRY__BODY_FAIL;
    }
    if (e->state == FERRY__XS_DONE)
      return FERRY__BODY_FAIL;
  }
  if (fn == NULL) {
    /* libcurl's default reads the READDATA FILE * (stdin when unset) */
    FILE *f = e->set.readdata ? e->set.readdata : stdin;
    n = fread(buf, 1, cap, f);
  } else {
    FERRY__CALLBACK_ENTER(m);
    n = fn(buf, 1, cap, arg);
    FERRY__CALLBACK_LEAVE(m);
  }
  if (n == FERRY_READFUNC_ABORT && e->upload_mime &&
      ferry__mime_error(e->upload_mime) != FERRYE_ABORTED_BY_CALLBACK) {
    /* a form's file or part failed: its own code and text */
    xfer_fail(e, ferry__mime_error(e->upload_mime), "%s",
              e->upload_mime->errtext);
    return FERRY__BODY_FAIL;
  }
  if (n == FERRY_READFUNC_ABORT) {
    xfer_fail(e, FERRYE_ABORTED_BY_CALLBACK, "operation aborted by callback");
    return FERRY__BODY_FAIL;
  }
  if (n == FERRY_READFUNC_PAUSE) {
    e->pause_send = 1;
    return FERRY__BODY_WAIT;
  }
  if (n > cap) {
    xfer_fail(e, FERRYE_READ_ERROR, "read function returned funny value");
    return FERRY__BODY_FAIL;
  }
  if (n == 0) {
    *eof = 1;
    if (!chunked && (ferry_off_t)e->upload_read < e->stream.body_len) {
      xfer_fail(e, FERRYE_READ_ERROR,
                "read callback ended the upload after %lld of %lld bytes",
                (long long)e->upload_read, (long long)e->stream.body_len);
      return FERRY__BODY_FAIL;
    }
    return 0;
  }
  if (!chunked && (ferry_off_t)(e->upload_read + n) > e->stream.body_len) {
    xfer_fail(e, FERRYE_READ_ERROR,
              "read callback gave more than the announced %lld bytes",
              (long long)e->stream.body_len);
    return FERRY__BODY_FAIL;
  }
  e->upload_read += n;
  /* HTTP/1.1 counts what it sends, chunk framing included (hook_sent);
   * HTTP/2 counts no bytes of a body of unknown size there, so its payload
   * counts here */
  if (chunked && e->stream.session != NULL &&
      ferry__session_multiplexes(e->stream.session))
    e->ul_bytes += (ferry_off_t)n;
  return (ssize_t)n;
}

static ferry_code hook_trailers(void *ud, ferry__buf *out) {
  return ferry__http_trailers(ud, out);
}

static size_t hook_allowance(void *ud, int send, size_t cap) {
  return rate_allowance(ud, send, cap);
}

static void hook_sent(void *ud, ferry_infotype type, const char *p, size_t n,
                      size_t body_payload) {
  ferry_easy *e = ud;
  rate_spent(e, 1, n);
  if (ferry__trace_on(e))
    ferry__trace_data(e, type, p, n);
  /* REQUEST_SIZE: the bytes of the head that went out, with a small body
   * that goes in the same write, as libcurl counts them (nothing when the
   * connect failed) */
  if (type == FERRYINFO_HEADER_OUT)
    e->request_size += (long)n;
  e->ul_bytes += (ferry_off_t)body_payload;
}

static void hook_received(void *ud, size_t n) { rate_spent(ud, 0, n); }

static void hook_expect_wait(void *ud) {
  ferry_easy *e = ud;
  e->expect_wait = 1;
  e->expect_until_ms = ferry__now_ms() + (uint64_t)e->set.expect_100_timeout_ms;
  update_deadline(e);
}

static void hook_request_sent(void *ud) {
  ferry_easy *e = ud;
  /* POSTTRANSFER_TIME_T: the hop's request is sent */
  e->posttransfer_us += (ferry_off_t)((now_ns() - e->t_hop) / 1000u);
  /* an HTTP/2 answer may come before the request's end */
  if (e->state == FERRY__XS_SEND)
    ferry__xfer_state(e, FERRY__XS_RECV_HEADERS);
  update_deadline(e);
}

static void hook_after_io(void *ud) {
  ferry_easy *e = ud;
  if (has_progress_fn(e))
    progress_call(e);
}

static void hook_done(void *ud, ferry_code result, int retry) {
  ferry_easy *e = ud;
  if (result == FERRYE_OK) {
    e->response_done = 1;
    response_complete(e);
    return;
  }
  if (e->stream.os_errno)
    e->os_errno = e->stream.os_errno;
  if (retry == FERRY__RETRY_FRESH && retry_on_fresh(e))
    return;
  if (retry == FERRY__RETRY_REFUSED && retry_refused(e))
    return;
  ferry__xfer_done(e, result);
}

static ferry_code on_header_line(void *ud, const char *line, size_t len);
static int on_headers_done(void *ud, int status, long version, int interim,
                           int64_t content_length);
static ferry_code on_body(void *ud, const char *p, size_t n);

static ferry_code adopt_push(ferry_easy *parent, ferry_easy *e);

/* The stream hook of a server push: with no PUSHFUNCTION, or a promise
 * without :scheme, :authority or :path, or when out of memory,
 * FERRY__PUSH_DENY; otherwise what the callback returned, and for
 * FERRY__PUSH_OK the new handle (duplicated from this one, its URL the
 * promised one) is added to the multi, its stream in *child. */
static int hook_push(void *ud, const ferry__push_promise *pp,
                     ferry__stream **child) {
  ferry_easy *parent = ud, *e;
  ferry_multi *m = parent->multi;
  struct ferry_pushheaders h = {pp};
  const char *scheme, *authority, *path;
  ferry__buf url;
  int rc;

  if (m == NULL || m->pushfn == NULL)
    return FERRY__PUSH_DENY;
  scheme = ferry_pushheader_byname(&h, ":scheme");
  authority = ferry_pushheader_byname(&h, ":authority");
  path = ferry_pushheader_byname(&h, ":path");
  if (scheme == NULL || authority == NULL || path == NULL)
    return FERRY__PUSH_DENY;
  /* the new handle has the parent's options and the promised URL */
  e = ferry_easy_duphandle(parent);
  if (e == NULL)
    return FERRY__PUSH_DENY;
  ferry__buf_init(&url, 64 * 1024);
  if (ferry__buf_cat(&url, scheme, "://", authority, path, NULL) ||
      ferry__buf_add(&url, "", 1) ||
      ferry_easy_setopt(e, FERRYOPT_URL, url.data) != FERRYE_OK) {
    ferry__buf_free(&url);
    ferry_easy_cleanup(e);
    return FERRY__PUSH_DENY;
  }
  ferry__buf_free(&url);
  if (ferry__trace_on(parent))
    ferry__infof(parent, "Server push of %s://%s%s offered", scheme,
                 authority, path);
  FERRY__CALLBACK_ENTER(m);
  rc = m->pushfn(parent, e, pp->n, &h, m->pushdata);
  FERRY__CALLBACK_LEAVE(m);
  if (rc != FERRY_PUSH_OK) {
    ferry_easy_cleanup(e);
    return rc == FERRY_PUSH_ERROROUT ? FERRY__PUSH_ERROROUT : FERRY__PUSH_DENY;
  }
  /* accepted: it runs as a transfer of the multi on the parent's
   * connection */
  if (adopt_push(parent, e) != FERRYE_OK) {
    ferry_easy_cleanup(e);
    return FERRY__PUSH_DENY;
  }
  *child = &e->stream;
  return FERRY__PUSH_OK;
}

static ferry_code on_trailer_line(void *ud, const char *line, size_t len);

/* A status line was read: libcurl's RESPONSE_CODE and HTTP_VERSION are
 * set at once (a 1xx's too), so a header line that fails later leaves
 * them known. */
static void hook_status(void *ud, int status, long version) {
  ferry_easy *e = ud;
  e->response_code = status;
  e->http_version = version;
}

static ferry_code check_filesize(ferry_easy *e, int status,
                                 int64_t content_length);

static ferry_code hook_headers_end(void *ud, int status,
                                   int64_t content_length) {
  return check_filesize(ud, status, content_length);
}

/* The body's bytes as they came: libcurl's DATA_IN shows them so, chunk
 * framing included, one call per read (not for a body that is dropped). */
static void hook_body_raw(void *ud, const char *p, size_t n) {
  ferry_easy *e = ud;
  e->body_raw_seen = 1;
  if (!e->follow && !e->skip_body && ferry__trace_on(e))
    ferry__trace_data(e, FERRYINFO_DATA_IN, p, n);
}

static const ferry__stream_hooks stream_hooks = {
    .header_line = on_header_line,
    .headers_done = on_headers_done,
    .body = on_body,
    .read_body = hook_read_body,
    .trailers = hook_trailers,
    .trailer_line = on_trailer_line,
    .push = hook_push,
    .allowance = hook_allowance,
    .sent = hook_sent,
    .received = hook_received,
    .expect_wait = hook_expect_wait,
    .request_sent = hook_request_sent,
    .after_io = hook_after_io,
    .done = hook_done,
    .status = hook_status,
    .headers_end = hook_headers_end,
    .body_raw = hook_body_raw,
};

void ferry__xfer_init_stream(ferry_easy *e) {
  ferry__stream_init(&e->stream, &stream_hooks, e, e->errtext,
                     sizeof(e->errtext));
}

/* ---- sending ---------------------------------------------------------- */

/* The session on the transfer's connection, made when it is new: HTTP/2
 * when negotiated, and then the connection takes other transfers' streams
 * too (those waiting for it start). */
static ferry_code session_for(ferry_easy *e, ferry__session **out) {
  ferry_multi *m = e->multi;
  ferry__conn *c = e->conn;
  ferry__session_config sc;
  ferry_code rc;
  int is_new = c->session == NULL;

  sc.h2_prior_knowledge = h2_prior_knowledge(e);
  sc.h2_allowed = e->tls_hop && offers_h2(e);
  sc.max_streams = (unsigned)m->max_concurrent_streams;
  sc.push_enabled = m->pushfn != NULL;
  rc = ferry__session_of(c, &sc, out, e->errtext, sizeof(e->errtext));
  ferry__pool_mux_pending(c, 0);
  if (rc != FERRYE_OK)
    return rc;
  if (is_new && ferry__session_multiplexes(*out)) {
    if (ferry__trace_on(e))
      ferry__infof(e, "Using HTTP/2, %u streams at most on the connection",
                   c->max_streams);
    if (m->pipelining & FERRY__PIPE_MULTIPLEX) {
      ferry__pool_mux_add(&m->pool, c);
      ferry__queues_wake_pending(m);
    }
  }
  return FERRYE_OK;
}

/* PREREQFUNCTION, before anything of the request goes (libcurl calls it
 * in its DO state, for new and reused connections alike). 0 to go on; -1
 * when it refused and the transfer ended: as libcurl, the connection is
 * closed, unless other streams may use it. */
static int prereq_refused(ferry_easy *e) {
  const ferry__sockcb_opts *k = e->set.sockcb;
  int rc;

  if (k == NULL || k->prereqfn == NULL)
    return 0;
  FERRY__CALLBACK_ENTER(e->multi);
  rc = k->prereqfn(k->prereqdata, e->primary_ip, e->local_ip,
                   (int)e->primary_port, (int)e->local_port);
  FERRY__CALLBACK_LEAVE(e->multi);
  if (rc == FERRY_PREREQFUNC_OK)
    return 0;
  if (ferry__pool_keep_unused(&e->multi->pool, e->conn))
    e->conn = NULL;
  xfer_fail(e, FERRYE_ABORTED_BY_CALLBACK,
            "operation aborted by pre-request callback");
  return -1;
}

/* A pushed stream's new handle e (duplicated from parent, its URL the
 * promised one) joins parent's multi as a transfer already sent on
 * parent's connection: it waits for the pushed response. FERRYE_OK, or
 * an error (e is then not in the multi). */
static ferry_code adopt_push(ferry_easy *parent, ferry_easy *e) {
  ferry_multi *m = parent->multi;
  ferry_code rc;

  if (ferry_multi_add_handle(m, e) != FERRYM_OK)
    return FERRYE_OUT_OF_MEMORY;
  /* not from INIT: the server made the request */
  ferry__list_remove(&e->queue_node);
  rc = ferry__xfer_setup(e);
  if (rc != FERRYE_OK) {
    ferry_multi_remove_handle(m, e);
    return rc;
  }
  e->conn = parent->conn;
  e->reused = 1;
  e->t_namelookup = e->t_connect = e->t_pretransfer = now_ns();
  if (ferry__conn_tls(e->conn) != NULL) {
    e->t_appconnect = e->t_connect;
    e->ssl_verifyresult = parent->ssl_verifyresult;
  }
  fill_addr_info(e);
  e->stream.scheme = e->url.scheme;
  e->stream.recv_rate = e->set.max_recv_speed;
  e->stream.sent_all = 1;
  if (ferry__trace_on(e))
    ferry__infof(e, "Receiving a pushed stream of %s", e->conn_key);
  ferry__xfer_state(e, FERRY__XS_RECV_HEADERS);
  update_deadline(e);
  return FERRYE_OK;
}

/* The connection is ready for the request: open the stream on its
 * session, which sends it. */
static void start_send(ferry_easy *e) {
  ferry__session *s;
  ferry_code rc;

  ferry__xfer_state(e, FERRY__XS_SEND);
  update_deadline(e);
  e->t_pretransfer = now_ns();
  if (e->stream.body && e->stream.body_len <= FERRY__INLINE_BODY_MAX)
    e->ul_bytes = e->stream.body_len; /* inline body: counted with the head */
  rc = session_for(e, &s);
  if (rc != FERRYE_OK) {
    xfer_fail(e, rc, "out of memory for the session");
    return;
  }
  if (prereq_refused(e))
    return;
  e->stream.scheme = e->url.scheme;
  e->stream.weight = (int)e->set.stream_weight;
  e->stream.recv_rate = e->set.max_recv_speed;
  rc = ferry__stream_open(s, &e->stream);
  if (rc != FERRYE_OK)
    xfer_fail(e, rc, "the connection refused the request");
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

/* Does the header line's value (after its colon) hold token, as a
 * comma-separated element, without regard to case? */
static int value_has_token(const char *line, size_t len, const char *token) {
  const char *p = memchr(line, ':', len), *end = line + len;
  size_t n = strlen(token);

  if (p == NULL)
    return 0;
  for (p++; p < end;) {
    const char *e;
    while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
      p++;
    for (e = p; e < end && *e != ',' && *e != '\r' && *e != '\n'; e++)
      ;
    {
      const char *t = e;
      while (t > p && (t[-1] == ' ' || t[-1] == '\t'))
        t--;
      if ((size_t)(t - p) == n && strncasecmp(p, token, n) == 0)
        return 1;
    }
    p = e < end && *e == ',' ? e + 1 : end;
  }
  return 0;
}

/* Connection and Transfer-Encoding: does the connection end with this
 * response? */
static void note_connection_header(ferry_easy *e, const char *line,
                                   size_t len) {
  if (len > 11 && strncasecmp(line, "Connection:", 11) == 0) {
    if (value_has_token(line, len, "close"))
      e->resp_close = 1;
    if (value_has_token(line, len, "keep-alive"))
      e->resp_keep_alive = 1;
  } else if (len > 18 && strncasecmp(line, "Transfer-Encoding:", 18) == 0) {
    e->resp_chunked = value_has_token(line, len, "chunked");
  }
}

/* Will the connection close after this response (HTTP/1: Connection:
 * close, HTTP/1.0 without keep-alive, or a body that runs to the close)? */
static int response_ends_connection(const ferry_easy *e, long version,
                                    int64_t content_length) {
  if (version != FERRY_HTTP_VERSION_1_0 && version != FERRY_HTTP_VERSION_1_1)
    return 0;
  if (e->resp_close)
    return 1;
  if (version == FERRY_HTTP_VERSION_1_0 && !e->resp_keep_alive)
    return 1;
  return content_length < 0 && !e->resp_chunked && !e->stream.is_head;
}

static ferry_code header_to_user(ferry_easy *e, const char *line, size_t len);

/* What the header store said of a line fed to it: on FERRYE_TOO_LARGE
 * the transfer's error text tells of the store's cap. */
static ferry_code header_kept(ferry_easy *e, ferry_code rc) {
  if (rc == FERRYE_TOO_LARGE)
    snprintf(e->errtext, sizeof(e->errtext),
             "Too large response headers: the responses of this transfer "
             "hold more than %zu bytes of them",
             (size_t)FERRY__HEADERS_MAX);
  else if (rc == FERRYE_BAD_FUNCTION_ARGUMENT) /* trailers only */
    snprintf(e->errtext, sizeof(e->errtext), "trailer line without a colon");
  else if (rc == FERRYE_WEIRD_SERVER_REPLY) /* trailers only */
    snprintf(e->errtext, sizeof(e->errtext), "malformed trailer line");
  return rc;
}

static ferry_code on_header_line(void *ud, const char *line, size_t len) {
  ferry_easy *e = ud;
  ferry_code rc;

  e->header_size += (long)len;
  if (e->t_starttransfer == 0)
    e->t_starttransfer = now_ns();
  if (ferry__trace_on(e))
    ferry__trace_data(e, FERRYINFO_HEADER_IN, line, len);
  /* kept for ferry_easy_header, before any callback can ask for it */
  rc = header_kept(e, ferry__headers_line(&e->headers, line, len,
                                           e->in_tunnel));
  if (rc != FERRYE_OK)
    return rc;
  /* Content-Range and Last-Modified, when a resume or time condition
   * needs them (partial.c) */
  if (e->resume_from > 0 || e->set.timecondition)
    ferry__partial_header(e, line, len);
  /* only these headers matter here; most lines fail the first test (of
   * several Location lines the first counts, as in libcurl) */
  if (((line[0] | 0x20) == 'l' && e->location == NULL &&
       remember_header(line, len, "Location:", &e->location, 0)) ||
      ((line[0] | 0x20) == 'w' && !e->in_tunnel &&
       remember_header(line, len, "WWW-Authenticate:", &e->www_auth, 1)) ||
      ((line[0] | 0x20) == 'c' &&
       (remember_header(line, len, "Content-Type:", &e->content_type, 0) ||
        remember_header(line, len, "Content-Encoding:", &e->content_encoding,
                        1))))
    return FERRYE_OUT_OF_MEMORY;
  if (((line[0] | 0x20) == 'c' || (line[0] | 0x20) == 't') && !e->in_tunnel)
    note_connection_header(e, line, len);
  /* Set-Cookie of every response, redirects included, for this hop's URL;
   * never a proxy's CONNECT answer */
  if ((line[0] | 0x20) == 's' && e->cookies && !e->in_tunnel &&
      ferry__http_set_cookie(e, line, len) != FERRYE_OK)
    return FERRYE_OUT_OF_MEMORY;
  /* a WebSocket's handshake looks at the origin's answer */
  if (e->ws != NULL && !e->in_tunnel)
    ferry__ws_header_line(e, line, len);
  /* Strict-Transport-Security, when HSTS is on (http.c decides) */
  if ((line[0] | 0x20) == 's' && e->hsts &&
      ferry__http_sts_header(e, line, len) != FERRYE_OK)
    return FERRYE_OUT_OF_MEMORY;
  return header_to_user(e, line, len);
}

/* A response trailer line: kept for ferry_easy_header (FERRYH_TRAILER) and
 * given to HEADERFUNCTION after the body. HTTP/2 trailers count in
 * HEADER_SIZE and show as HEADER_IN; a chunked body's do neither (their
 * bytes showed as DATA_IN), as in libcurl. */
static ferry_code on_trailer_line(void *ud, const char *line, size_t len) {
  ferry_easy *e = ud;
  ferry_code rc;

  if (e->follow || e->skip_body)
    return FERRYE_OK; /* a redirect's or a 416's trailers are not data */
  if (!e->body_raw_seen) {
    e->header_size += (long)len;
    if (ferry__trace_on(e))
      ferry__trace_data(e, FERRYINFO_HEADER_IN, line, len);
  }
  rc = header_kept(e, ferry__headers_trailer_line(&e->headers, line, len));
  if (rc != FERRYE_OK)
    return rc;
  return header_to_user(e, line, len);
}

/* A header (or trailer) line for the application: with HEADER set to the
 * write callback first, then to the header callback (or HEADERDATA), in
 * that order as libcurl's client writer has it. */
static ferry_code header_to_user(ferry_easy *e, const char *line, size_t len) {
  ferry_multi *m = e->multi;
  size_t w;

  if (e->set.header) {
    ferry_code rc = deliver_body(e, line, len);
    if (rc != FERRYE_OK)
      return rc;
  }
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
  return FERRYE_OK;
}

/* MAXFILESIZE against the body length a final response announces: as in
 * libcurl, once its header lines are in, and not for the body of a
 * redirect that is followed (it is dropped). A Content-Length past 64 bits
 * (INT64_MAX from the session) fails any cap, as libcurl's. */
static ferry_code check_filesize(ferry_easy *e, int status,
                                 int64_t content_length) {
  if (e->set.maxfilesize <= 0 || content_length <= e->set.maxfilesize)
    return FERRYE_OK;
  if (ferry__http_check_redirect(e, status) == FERRYE_OK && e->follow)
    return FERRYE_OK;
  snprintf(e->errtext, sizeof(e->errtext), "Maximum file size exceeded");
  return FERRYE_FILESIZE_EXCEEDED;
}

static int on_headers_done(void *ud, int status, long version, int interim,
                           int64_t content_length) {
  ferry_easy *e = ud;
  ferry_code rc;
  if (interim) {
    if (status == 100 && e->expect_wait)
      e->expect_wait = 0; /* the session sends the body now */
    /* nothing a 1xx says about itself holds for the final response */
    forget_response_headers(e);
    ferry__ws_interim(e);
    return FERRY__STREAM_BODY;
  }
  /* a final answer before the body went: the body is never sent */
  e->expect_wait = 0;
  e->response_code = status;
  e->http_version = version;
  e->content_length = content_length;
  rc = ferry__http_check_redirect(e, status);
  if (rc == FERRYE_OK)
    rc = ferry__http_check_auth(e, status);
  if (rc != FERRYE_OK)
    return -(int)rc;
  if (e->follow && response_ends_connection(e, version, content_length)) {
    /* as libcurl: a followed response on a connection that ends with it
     * is not read further */
    ferry__xfer_state(e, FERRY__XS_RECV_BODY);
    return FERRY__STREAM_NOBODY;
  }
  /* HTTP/1.1 checked this before the blank line (hook_headers_end); a
   * session that does not call that hook gets it here, before
   * FAILONERROR's, as in libcurl. The length is not known past a failed
   * check (CONTENT_LENGTH_DOWNLOAD), as in libcurl */
  rc = check_filesize(e, status, content_length);
  if (rc != FERRYE_OK) {
    e->content_length = -1;
    return -(int)rc;
  }
  if (e->ws != NULL && ferry__ws_hop(e)) {
    /* a WebSocket wants its 101 (websocket.c); a redirect or an
     * authentication retry goes on as for HTTP */
    rc = ferry__ws_response(e, status);
    if (rc != FERRYE_OK)
      return -(int)rc;
    if (status == 101) {
      e->content_length = -1;
      ferry__xfer_state(e, FERRY__XS_RECV_BODY);
      return FERRY__STREAM_BODY;
    }
  }
  if (e->set.failonerror && status >= 400 && !e->follow) {
    snprintf(e->errtext, sizeof(e->errtext),
             "The requested URL returned error: %d", status);
    return -(int)FERRYE_HTTP_RETURNED_ERROR;
  }
  if (!e->follow && (e->resume_from > 0 || e->set.timecondition)) {
    /* did a resume get its range, does a time condition hold? */
    int stop = 0;
    rc = ferry__partial_check(e, status, &stop);
    if (rc != FERRYE_OK)
      return -(int)rc;
    if (stop) {
      /* done with the header: the rest is never read (the session keeps
       * the connection from other requests) */
      ferry__xfer_state(e, FERRY__XS_RECV_BODY);
      return FERRY__STREAM_NOBODY;
    }
  }
  /* no decoder for a response that has no body (HEAD, 204, 304) */
  if (e->content_encoding && e->set.accept_encoding &&
      !e->set.content_decoding_off && !e->follow && !e->stream.is_head &&
      status != 204 && status != 304) {
    rc = ferry__decoder_new(&e->decoder, e->content_encoding, e->errtext,
                            sizeof(e->errtext));
    if (rc == FERRYE_BAD_CONTENT_ENCODING &&
        ferry__decoder_unknown(e->content_encoding)) {
      /* a coding ferry does not have fails when the body starts, as
       * libcurl's: an empty body is fine */
      e->errtext[0] = '\0';
      e->coding_refused = 1;
    } else if (rc != FERRYE_OK) {
      return -(int)rc;
    }
  }
  ferry__xfer_state(e, FERRY__XS_RECV_BODY);
  return FERRY__STREAM_BODY;
}

static ferry_code on_body(void *ud, const char *p, size_t n) {
  ferry_easy *e = ud;
  ferry_code rc;

  /* Counted here, as they arrive: bytes held by a pause and delivered
   * later go through deliver_body twice. */
  if (e->skip_body)
    return FERRYE_OK; /* the body of a 416 to a resume is not data */
  e->dl_bytes += (ferry_off_t)n;
  if (e->follow)
    return FERRYE_OK; /* nor is that of a response followed: read (the
                         connection can carry the next request) and
                         counted, as libcurl counts it, not delivered */
  if (!e->body_raw_seen && ferry__trace_on(e))
    ferry__trace_data(e, FERRYINFO_DATA_IN, p, n);
  if (e->coding_refused && n > 0) {
    /* counted as received, then refused, as libcurl does; the text comes
     * from the refusal */
    ferry__decoder *d = NULL;
    rc = ferry__decoder_new(&d, e->content_encoding, e->errtext,
                            sizeof(e->errtext));
    ferry__decoder_free(d);
    return rc != FERRYE_OK ? rc : FERRYE_BAD_CONTENT_ENCODING;
  }
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
  if (rc != FERRYE_OK && e->errtext[0] == '\0')
    snprintf(e->errtext, sizeof(e->errtext), "write failed");
  return rc;
}

/* Decoded bytes from the content decoder go where plain ones go. */
static int decoded_out(void *ud, const char *p, size_t n) {
  return (int)deliver_body(ud, p, n);
}

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
      ferry__stream_pause(&e->stream, 0, 1);
      continue; /* the piece is kept in pausebuf above */
    }
    if (w != piece) {
      snprintf(e->errtext, sizeof(e->errtext),
               "Failure writing output to destination, passed %zu returned %zu",
               piece, w);
      return FERRYE_WRITE_ERROR;
    }
    e->delivered += (ferry_off_t)piece; /* SIZE_DELIVERED */
    p += piece;
    n -= piece;
  }
  return FERRYE_OK;
}

/* The response is complete: finish unless body bytes wait behind a pause. */
static void follow_redirect(ferry_easy *e);

/* The server switched to WebSocket: the HTTP/1.1 session lets go of the
 * connection and of what came after the 101. With CONNECT_ONLY 2 the
 * application takes the connection; otherwise it becomes a WebSocket
 * session carrying this transfer, which goes on receiving (the session
 * is resumed from the loop, to read what came already). */
static void ws_switched(ferry_easy *e) {
  ferry__buf rest;
  ferry_code rc;

  ferry__h1_session_upgrade(e->stream.session, &rest);
  if (e->set.connect_only) {
    rc = ferry__ws_connect_only(e);
    if (rc == FERRYE_OK) {
      ferry__conn_set_owner(e->conn, &conn_hooks, e);
      hand_over(e, rest.data, rest.len);
    }
  } else {
    e->response_done = 0;
    rc = ferry__ws_begin_session(e, &rest, update_deadline);
    if (rc == FERRYE_OK)
      ferry__queues_run_soon(e->multi, e);
  }
  ferry__buf_free(&rest);
  if (rc != FERRYE_OK)
    xfer_fail(e, rc, "out of memory switching to WebSocket");
}

static void response_complete(ferry_easy *e) {
  if (e->follow) {
    follow_redirect(e);
    return;
  }
  if (e->ws != NULL && !e->ws->switched && e->response_code == 101 &&
      ferry__ws_hop(e)) {
    ws_switched(e);
    return;
  }
  if (e->pausebuf.len || e->pause_recv)
    return; /* body bytes wait behind a pause: unpausing calls this again */
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
  /* a 3xx not followed tells where it would have led */
  ferry__xfer_done(e, ferry__http_redirect_url(e));
}

/* A speed cap's bucket has filled: go on where the throttle stopped. */
static void rate_resume(ferry_easy *e) {
  e->rate_resume_ms = 0;
  if (e->state == FERRY__XS_SEND && !e->expect_wait) {
    if (!e->pause_send)
      ferry__stream_resume(&e->stream, 0);
    return;
  }
  if ((e->state == FERRY__XS_SEND || e->state == FERRY__XS_RECV_HEADERS ||
       e->state == FERRY__XS_RECV_BODY) &&
      !e->pause_recv && !e->response_done)
    ferry__stream_resume(&e->stream, 0);
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
    if (!e->pause_send) {
      ferry__stream_pause(&e->stream, 1, 0);
      ferry__stream_resume(&e->stream, 0);
    }
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
      response_complete(e);
      return;
    }
    if (e->rate_resume_ms)
      return; /* throttled: rate_resume reads on */
    ferry__stream_pause(&e->stream, 0, 0);
    /* a WebSocket sends while it receives (its read callback paused) */
    if (!e->pause_send && e->ws != NULL)
      ferry__stream_pause(&e->stream, 1, 0);
    ferry__stream_resume(&e->stream, 0);
    return;
  default:
    return;
  }
}

void ferry__xfer_on_socket(ferry_easy *e, int cselect) {
  /* the connection tells its owner while connecting; after that the
   * session on it does the work */
  if (e->state >= FERRY__XS_CONNECT && e->state <= FERRY__XS_TLS)
    connect_step(e, cselect);
}

void ferry__xfer_on_deadline(ferry_easy *e) {
  uint64_t now = ferry__now_ms();

  if (e->state >= FERRY__XS_CONNECT && e->state <= FERRY__XS_TLS && e->conn) {
    uint64_t race = ferry__conn_deadline(e->conn);
    if (race && now >= race) {
      connect_step(e, 0);
      if (e->state == FERRY__XS_DONE)
        return;
    }
  }
  if (e->expect_wait && now >= e->expect_until_ms) {
    /* no 100 Continue in time: send the body anyway, as libcurl does */
    e->expect_wait = 0;
    ferry__stream_resume(&e->stream, 1);
    if (e->state == FERRY__XS_DONE)
      return;
  }
  if (e->rate_resume_ms && now >= e->rate_resume_ms) {
    rate_resume(e);
    if (e->state == FERRY__XS_DONE)
      return;
  }
  if (e->ws_linger_ms && now >= e->ws_linger_ms) {
    /* the close handshake was done; the server did not close in time */
    if (ferry__trace_on(e))
      ferry__infof(e, "WebSocket: the server did not close the connection: "
                      "closing it");
    e->response_done = 1;
    ferry__xfer_done(e, FERRYE_OK);
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

/* The response is followed (its Location, or the same URL again with
 * credentials): the same transfer goes on with the next hop, from INIT, on
 * a pooled or new connection. */
static void follow_redirect(ferry_easy *e) {
  ferry__url next;
  ferry_code rc;
  int auth = e->auth_retry;

  /* the session judges whether the connection carries another request */
  release_conn(e, FERRY__CLOSE_DONE);
  rc = ferry__http_next_hop(e, &next);
  if (rc != FERRYE_OK) {
    ferry__xfer_done(e, rc);
    return;
  }
  if (protocol_refused(e, &next)) {
    /* as libcurl: the refused URL is the effective one, the response
     * before it keeps its counts */
    ferry__url_free(&e->url);
    e->url = next;
    e->url_cached = 0;
    ferry__free(e->effective_url);
    e->effective_url = NULL;
    ferry__xfer_done(e, FERRYE_UNSUPPORTED_PROTOCOL);
    return;
  }
  /* a body sent again is read again from its start */
  if (e->stream.pull && !e->hop_get && rewind_upload(e) != 0) {
    ferry__url_free(&next);
    xfer_fail(e, FERRYE_SEND_FAIL_REWIND,
              "a %ld answer needs the upload again, and it cannot be rewound",
              e->response_code);
    return;
  }
  e->auth_retry = 0;
  if (ferry__trace_on(e)) {
    char *to = auth ? NULL : ferry__url_to_string(&next, 0, 0);
    if (auth)
      ferry__infof(e, "Asking again with %s credentials",
                   e->auth_picked == FERRYAUTH_DIGEST   ? "Digest"
                   : e->auth_picked == FERRYAUTH_BASIC  ? "Basic"
                   : e->auth_picked == FERRYAUTH_BEARER ? "Bearer"
                                                        : "no");
    else
      ferry__infof(e, "Following redirect to %s", to ? to : "?");
    ferry__free(to);
  }
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
  if (e->dns.entry != NULL)
    ferry__dns_cancel(&e->dns);
  release_conn(e, result == FERRYE_OK && e->response_done ? FERRY__CLOSE_DONE
                                                          : FERRY__CLOSE_FAIL);
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
  ferry__buf_free(&e->pausebuf);
  ferry__buf_free(&e->pause_encoded);
  ferry__xfer_state(e, FERRY__XS_DONE);
  ferry__queues_set_deadline(m, e, 0);
  ferry__queues_post_done(m, e);
  ferry__queues_wake_pending(m);
}

void ferry__xfer_detach(ferry_easy *e) {
  ferry_multi *m = e->multi;

  /* as libcurl, a CONNECT_ONLY connection closes with the handle's removal
   * from an application's multi; ferry_easy_perform's private one keeps
   * it for ferry_easy_send and ferry_easy_recv */
  if (m != e->own_multi)
    ferry__xfer_close_raw(e);
  if (e->dns.entry != NULL)
    ferry__dns_cancel(&e->dns);
  ferry__list_remove(&e->queue_node);
  ferry__queues_set_deadline(m, e, 0);
  if (e->conn) {
    /* A connection on which nothing was sent yet can go back to the pool. */
    int untouched = e->state == FERRY__XS_SEND &&
                    e->stream.head_sent == 0 && e->ul_bytes == 0;
    release_conn(e, untouched ? FERRY__CLOSE_UNUSED : FERRY__CLOSE_FAIL);
  }
  if (e->state != FERRY__XS_DONE && e->state != FERRY__XS_INIT)
    ferry__queues_wake_pending(m);
}

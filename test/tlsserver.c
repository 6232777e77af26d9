/* The TLS test server (see tlsserver.h).
 *
 * Threads: the server thread runs the loop and owns every handle and every
 * mbedTLS object. Other threads read counters and logs under s->lock; the
 * server thread takes the lock to change them.
 *
 * I/O: like ferry's own TLS layer, mbedTLS here reads from an input queue
 * filled by on_read() and writes into an output buffer that conn_flush()
 * hands to uv_write(). Nothing blocks the loop.
 *
 * Closing: conn_end() flushes what is queued, sends FIN, and goes on
 * reading (and discarding) until the client closes, so bytes the client
 * still sends cannot turn the close into a reset that would destroy data
 * the client has not read yet.
 *
 * Lifetime: connections live until tlsserver_stop(), after the loop ends.
 */
#include "tlsserver.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <mbedtls/ssl_internal.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>

#define READ_BUFFER_SIZE 65536

static const char garbage_reply[] =
    "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";

/* -- allocation --------------------------------------------------------- */

static void *xrealloc(void *p, size_t size) {
  p = realloc(p, size ? size : 1);
  if (p == NULL) {
    fprintf(stderr, "tlsserver: out of memory\n");
    abort();
  }
  return p;
}

static void *xcalloc(size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (p == NULL) {
    fprintf(stderr, "tlsserver: out of memory\n");
    abort();
  }
  return p;
}

static char *xstrdup(const char *s) {
  char *copy;
  if (s == NULL)
    return NULL;
  copy = xcalloc(1, strlen(s) + 1);
  strcpy(copy, s);
  return copy;
}

/* A byte array that only grows. */
struct bytes {
  char *data;
  size_t len, cap;
};

static void bytes_add(struct bytes *b, const void *p, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n)
      cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

/* -- types ---------------------------------------------------------------- */

struct tls_conn {
  tlsserver *server;
  unsigned index;
  uv_tcp_t tcp;
  uv_shutdown_t shutdown_req;
  mbedtls_ssl_context ssl;
  struct bytes in;     /* ciphertext received, [in_off, in.len) unread */
  size_t in_off;
  struct bytes out;    /* ciphertext to hand to uv_write */
  size_t served;       /* log bytes framed into requests */
  unsigned writes_pending;
  unsigned char peer_eof;
  unsigned char handshake_done;
  unsigned char ending;      /* conn_end() called */
  unsigned char shut_started; /* uv_shutdown called */
  unsigned char shut;        /* FIN sent */
  unsigned char closing;     /* uv_close called */
  unsigned char counted_closed;
  unsigned char garbage_sent;
  unsigned char resumed;
  unsigned char renegotiating;  /* a HelloRequest was sent */
  unsigned char renego_counted;
  /* under server->lock: */
  struct bytes log;    /* decrypted bytes received */
  char *sni;
  int sni_sent;
  int hs_error;
};

struct tlsserver {
  uv_loop_t loop;
  uv_tcp_t listener;
  uv_async_t stop_async;
  uv_timer_t hold_timer;   /* hold_reads_ms: when to read again */
  unsigned hold_ms;
  struct tls_conn *held;   /* the connection not read meanwhile */
  uv_thread_t thread;
  int port;
  int loop_close_result;
  char read_buffer[READ_BUFFER_SIZE];

  tlsserver_mode mode;
  char *response;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_ssl_config conf;
  mbedtls_x509_crt cert, client_ca;
  mbedtls_pk_context key;
  mbedtls_ssl_cache_context cache;
  mbedtls_ssl_ticket_context ticket;
  int ciphersuites[2];
  mbedtls_ecp_group_id curves[2];

  uv_mutex_t lock; /* guards what follows */
  uv_cond_t cond;
  unsigned stats[TLSSRV_STAT_COUNT];
  struct tls_conn **conns;
  size_t nconns, conns_cap;
};

static const char *alpn_list[] = {"http/1.1", NULL};

/* -- counters ------------------------------------------------------------- */

static void stat_add(tlsserver *s, tlsserver_stat which) {
  uv_mutex_lock(&s->lock);
  s->stats[which]++;
  uv_cond_broadcast(&s->cond);
  uv_mutex_unlock(&s->lock);
}

unsigned tlsserver_get(tlsserver *s, tlsserver_stat which) {
  unsigned n;
  uv_mutex_lock(&s->lock);
  n = s->stats[which];
  uv_mutex_unlock(&s->lock);
  return n;
}

int tlsserver_wait(tlsserver *s, tlsserver_stat which, unsigned n,
                   unsigned timeout_ms) {
  uint64_t deadline = uv_hrtime() + (uint64_t)timeout_ms * 1000000u;
  int result;

  uv_mutex_lock(&s->lock);
  while (s->stats[which] < n) {
    uint64_t now = uv_hrtime();
    if (now >= deadline)
      break;
    uv_cond_timedwait(&s->cond, &s->lock, deadline - now);
  }
  result = s->stats[which] >= n ? 0 : -1;
  uv_mutex_unlock(&s->lock);
  return result;
}

/* -- connection I/O ------------------------------------------------------- */

static void conn_serve(struct tls_conn *c);
static void on_hold_timer(uv_timer_t *t);

static void conn_count_closed(struct tls_conn *c) {
  if (c->counted_closed)
    return;
  c->counted_closed = 1;
  stat_add(c->server, TLSSRV_CLOSED);
}

static void conn_close(struct tls_conn *c) {
  if (c->closing)
    return;
  c->closing = 1;
  conn_count_closed(c);
  uv_close((uv_handle_t *)&c->tcp, NULL);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  struct tls_conn *c = req->data;

  if (c->closing)
    return;
  c->shut = 1;
  conn_count_closed(c);
  /* Keep reading until the client closes too (see the file comment). */
  if (status < 0 || c->peer_eof)
    conn_close(c);
}

/* Once the queued writes are out: FIN, then wait for the client's. */
static void conn_maybe_shutdown(struct tls_conn *c) {
  if (!c->ending || c->closing || c->shut_started || c->writes_pending > 0)
    return;
  c->shut_started = 1;
  c->shutdown_req.data = c;
  if (uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_shutdown) != 0)
    conn_close(c);
}

static void conn_end(struct tls_conn *c) {
  c->ending = 1;
  conn_maybe_shutdown(c);
}

struct tls_write {
  uv_write_t req;
  struct tls_conn *conn;
  char data[];
};

static void on_write(uv_write_t *req, int status) {
  struct tls_write *w = (struct tls_write *)req;
  struct tls_conn *c = w->conn;

  free(w);
  c->writes_pending--;
  if (c->closing)
    return;
  if (status < 0) {
    conn_close(c);
    return;
  }
  conn_maybe_shutdown(c);
}

static void conn_write_raw(struct tls_conn *c, const char *data, size_t len) {
  struct tls_write *w;
  uv_buf_t buf;

  if (len == 0 || c->closing || c->shut_started)
    return;
  w = xcalloc(1, sizeof(*w) + len);
  w->conn = c;
  memcpy(w->data, data, len);
  buf = uv_buf_init(w->data, (unsigned)len);
  if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_write) != 0) {
    free(w);
    conn_close(c);
    return;
  }
  c->writes_pending++;
}

/* Hand mbedTLS's output to the kernel. */
static void conn_flush(struct tls_conn *c) {
  conn_write_raw(c, c->out.data, c->out.len);
  c->out.len = 0;
}

static int bio_send(void *data, const unsigned char *buf, size_t len) {
  struct tls_conn *c = data;
  bytes_add(&c->out, buf, len);
  return (int)len;
}

static int bio_recv(void *data, unsigned char *buf, size_t len) {
  struct tls_conn *c = data;
  size_t avail = c->in.len - c->in_off;

  if (avail == 0)
    return c->peer_eof ? 0 : MBEDTLS_ERR_SSL_WANT_READ;
  if (len > avail)
    len = avail;
  memcpy(buf, c->in.data + c->in_off, len);
  c->in_off += len;
  if (c->in_off == c->in.len)
    c->in_off = c->in.len = 0;
  return (int)len;
}

static int sni_cb(void *data, mbedtls_ssl_context *ssl,
                  const unsigned char *name, size_t len) {
  tlsserver *s = data;
  struct tls_conn *c =
      (struct tls_conn *)((char *)ssl - offsetof(struct tls_conn, ssl));
  char *copy = xcalloc(1, len + 1);

  memcpy(copy, name, len);
  uv_mutex_lock(&s->lock);
  free(c->sni);
  c->sni = copy;
  c->sni_sent = 1;
  uv_mutex_unlock(&s->lock);
  return 0;
}

/* -- the protocol ----------------------------------------------------------- */

static void conn_handshake(struct tls_conn *c) {
  tlsserver *s = c->server;
  int ret = 0;

  while (c->ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
    ret = mbedtls_ssl_handshake_step(&c->ssl);
    if (c->ssl.handshake != NULL && c->ssl.handshake->resume)
      c->resumed = 1;
    if (ret != 0)
      break;
  }
  conn_flush(c);
  if (ret == MBEDTLS_ERR_SSL_WANT_READ) {
    if (c->peer_eof)
      conn_close(c);
    return;
  }
  if (ret != 0) {
    uv_mutex_lock(&s->lock);
    c->hs_error = ret;
    uv_mutex_unlock(&s->lock);
    stat_add(s, TLSSRV_HANDSHAKE_FAILURES);
    conn_end(c); /* after the alert mbedTLS queued */
    return;
  }
  c->handshake_done = 1;
  /* all at once, so a waiter sees them together */
  uv_mutex_lock(&s->lock);
  s->stats[TLSSRV_HANDSHAKES]++;
  if (c->resumed)
    s->stats[TLSSRV_RESUMED]++;
  if (mbedtls_ssl_get_peer_cert(&c->ssl) != NULL &&
      mbedtls_ssl_get_verify_result(&c->ssl) == 0)
    s->stats[TLSSRV_CLIENT_CERTS]++;
  uv_cond_broadcast(&s->cond);
  uv_mutex_unlock(&s->lock);
  if (s->hold_ms > 0 && s->held == NULL) {
    /* hold_reads_ms: let the client's bytes pile up for a while */
    s->held = c;
    uv_read_stop((uv_stream_t *)&c->tcp);
    uv_timer_start(&s->hold_timer, on_hold_timer, s->hold_ms, 0);
    return;
  }
  conn_serve(c);
}

static void conn_send_response(struct tls_conn *c) {
  tlsserver *s = c->server;
  const char *p = s->response;
  size_t left = strlen(p);

  while (left > 0) {
    int ret = mbedtls_ssl_write(&c->ssl, (const unsigned char *)p, left);
    if (ret <= 0) {
      fprintf(stderr, "tlsserver: write failed: -0x%04x\n", (unsigned)-ret);
      conn_end(c);
      return;
    }
    p += ret;
    left -= (size_t)ret;
  }
  stat_add(s, TLSSRV_REQUESTS);
}

/* Answer the requests that are complete in the log. Returns 0 to go on
 * reading, -1 when the connection is ending. */
static int conn_answer_requests(struct tls_conn *c) {
  tlsserver *s = c->server;

  for (;;) {
    const char *start = c->log.data + c->served, *end;
    size_t avail = c->log.len - c->served;

    end = avail >= 4 ? memmem(start, avail, "\r\n\r\n", 4) : NULL;
    if (end == NULL)
      return 0;
    c->served += (size_t)(end - start) + 4;
    conn_send_response(c);
    if (c->ending)
      return -1;
    switch (s->mode) {
    case TLSSRV_RESPOND_CLOSE_NOTIFY:
      mbedtls_ssl_close_notify(&c->ssl);
      conn_flush(c);
      conn_end(c);
      return -1;
    case TLSSRV_RESPOND_CLOSE:
      conn_flush(c);
      conn_end(c);
      return -1;
    case TLSSRV_RENEGOTIATE:
      if (!c->renegotiating) {
        int ret = mbedtls_ssl_renegotiate(&c->ssl);
        if (ret != 0 && ret != MBEDTLS_ERR_SSL_WANT_READ)
          fprintf(stderr, "tlsserver: renegotiate: -0x%04x\n", (unsigned)-ret);
        c->renegotiating = 1;
      }
      break;
    default:
      break;
    }
  }
}

static void conn_serve(struct tls_conn *c) {
  tlsserver *s = c->server;

  while (!c->ending && !c->closing) {
    unsigned char buf[16384];
    int ret = mbedtls_ssl_read(&c->ssl, buf, sizeof(buf));

    if (c->renegotiating && !c->renego_counted &&
        c->ssl.renego_status == MBEDTLS_SSL_RENEGOTIATION_DONE) {
      c->renego_counted = 1;
      stat_add(s, TLSSRV_HANDSHAKES);
    }
    if (ret > 0) {
      uv_mutex_lock(&s->lock);
      bytes_add(&c->log, buf, (size_t)ret);
      uv_mutex_unlock(&s->lock);
      if (conn_answer_requests(c) != 0)
        break;
      continue;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
      if (c->peer_eof)
        conn_end(c);
      break;
    }
    if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
      stat_add(s, TLSSRV_CLOSE_NOTIFY_RECEIVED);
      conn_end(c);
      break;
    }
    /* mbedTLS ends a pending renegotiation that the client did not honour
     * with UNEXPECTED_MESSAGE; the record that did it is still there. */
    if (c->renegotiating && ret == MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE &&
        c->ssl.in_msgtype == MBEDTLS_SSL_MSG_ALERT &&
        c->ssl.in_msg[1] == MBEDTLS_SSL_ALERT_MSG_NO_RENEGOTIATION)
      stat_add(s, TLSSRV_RENEGOTIATION_REFUSED);
    else if (ret != 0 && ret != MBEDTLS_ERR_SSL_CONN_EOF)
      fprintf(stderr, "tlsserver: connection %u: read: -0x%04x\n", c->index,
              (unsigned)-ret);
    conn_end(c);
    break;
  }
  conn_flush(c);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

/* hold_reads_ms is over: read the held connection again, and what came
 * meanwhile. */
static void on_hold_timer(uv_timer_t *t) {
  tlsserver *s = t->data;
  struct tls_conn *c = s->held;

  s->held = NULL;
  if (c == NULL || c->closing)
    return;
  if (!c->peer_eof &&
      uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) {
    conn_close(c);
    return;
  }
  conn_serve(c);
}

/* New input (or EOF) arrived. */
static void conn_drive(struct tls_conn *c) {
  tlsserver *s = c->server;

  if (c->closing)
    return;
  if (c->ending) {
    /* only draining until the client closes */
    c->in.len = c->in_off = 0;
    if (c->peer_eof && c->shut)
      conn_close(c);
    return;
  }
  switch (s->mode) {
  case TLSSRV_CLOSE_IN_HANDSHAKE:
    if (c->in.len > 0 || c->peer_eof) {
      c->in.len = c->in_off = 0;
      conn_end(c);
    }
    return;
  case TLSSRV_GARBAGE:
    c->in.len = c->in_off = 0;
    if (!c->garbage_sent) {
      c->garbage_sent = 1;
      conn_write_raw(c, garbage_reply, sizeof(garbage_reply) - 1);
    }
    if (c->peer_eof)
      conn_end(c);
    return;
  default:
    break;
  }
  if (!c->handshake_done)
    conn_handshake(c);
  else if (c != s->held)
    conn_serve(c);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
  struct tls_conn *c = handle->data;
  (void)suggested;
  *buf = uv_buf_init(c->server->read_buffer, READ_BUFFER_SIZE);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  struct tls_conn *c = stream->data;

  if (nread == 0)
    return;
  if (nread == UV_EOF) {
    c->peer_eof = 1;
    uv_read_stop(stream);
    conn_drive(c);
    if (!c->closing && c->shut)
      conn_close(c);
    return;
  }
  if (nread < 0) {
    conn_close(c);
    return;
  }
  bytes_add(&c->in, buf->base, (size_t)nread);
  conn_drive(c);
}

static void on_connection(uv_stream_t *listener, int status) {
  tlsserver *s = listener->data;
  struct tls_conn *c;
  int ret;

  if (status < 0)
    return;
  c = xcalloc(1, sizeof(*c));
  c->server = s;
  uv_tcp_init(&s->loop, &c->tcp);
  c->tcp.data = c;
  mbedtls_ssl_init(&c->ssl);

  uv_mutex_lock(&s->lock);
  c->index = (unsigned)s->nconns;
  if (s->nconns == s->conns_cap) {
    s->conns_cap = s->conns_cap ? s->conns_cap * 2 : 16;
    s->conns = xrealloc(s->conns, s->conns_cap * sizeof(*s->conns));
  }
  s->conns[s->nconns++] = c;
  s->stats[TLSSRV_CONNECTIONS]++;
  uv_cond_broadcast(&s->cond);
  uv_mutex_unlock(&s->lock);

  if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
    conn_close(c);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  ret = mbedtls_ssl_setup(&c->ssl, &s->conf);
  if (ret != 0) {
    fprintf(stderr, "tlsserver: ssl_setup: -0x%04x\n", (unsigned)-ret);
    conn_close(c);
    return;
  }
  mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
  if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
    conn_close(c);
}

/* -- lifetime --------------------------------------------------------------- */

static void on_stop(uv_async_t *async) {
  tlsserver *s = async->data;

  uv_close((uv_handle_t *)&s->listener, NULL);
  uv_close((uv_handle_t *)&s->stop_async, NULL);
  uv_close((uv_handle_t *)&s->hold_timer, NULL);
  s->held = NULL;
  for (size_t i = 0; i < s->nconns; i++)
    conn_close(s->conns[i]);
}

static void server_thread(void *arg) {
  tlsserver *s = arg;

  uv_run(&s->loop, UV_RUN_DEFAULT);
  s->loop_close_result = uv_loop_close(&s->loop);
  if (s->loop_close_result != 0)
    fprintf(stderr, "tlsserver: uv_loop_close: %s\n",
            uv_strerror(s->loop_close_result));
}

static void server_free(tlsserver *s) {
  for (size_t i = 0; i < s->nconns; i++) {
    struct tls_conn *c = s->conns[i];
    mbedtls_ssl_free(&c->ssl);
    free(c->in.data);
    free(c->out.data);
    free(c->log.data);
    free(c->sni);
    free(c);
  }
  free(s->conns);
  mbedtls_ssl_config_free(&s->conf);
  mbedtls_ssl_cache_free(&s->cache);
  mbedtls_ssl_ticket_free(&s->ticket);
  mbedtls_x509_crt_free(&s->cert);
  mbedtls_x509_crt_free(&s->client_ca);
  mbedtls_pk_free(&s->key);
  mbedtls_ctr_drbg_free(&s->drbg);
  mbedtls_entropy_free(&s->entropy);
  free(s->response);
  uv_cond_destroy(&s->cond);
  uv_mutex_destroy(&s->lock);
  free(s);
}

static int report(const char *what, int ret) {
  char text[160];
  mbedtls_strerror(ret, text, sizeof(text));
  fprintf(stderr, "tlsserver: %s: -0x%04x %s\n", what, (unsigned)-ret, text);
  return -1;
}

static int setup_tls(tlsserver *s, const tlsserver_config *cfg) {
  static const char pers[] = "ferry tlsserver";
  int min_minor = cfg->min_minor ? cfg->min_minor : 3;
  int max_minor = cfg->max_minor ? cfg->max_minor : 3;
  int ret;

  ret = mbedtls_ctr_drbg_seed(&s->drbg, mbedtls_entropy_func, &s->entropy,
                              (const unsigned char *)pers, sizeof(pers) - 1);
  if (ret != 0)
    return report("ctr_drbg_seed", ret);
  ret = mbedtls_ssl_config_defaults(&s->conf, MBEDTLS_SSL_IS_SERVER,
                                    MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT);
  if (ret != 0)
    return report("ssl_config_defaults", ret);
  mbedtls_ssl_conf_rng(&s->conf, mbedtls_ctr_drbg_random, &s->drbg);
  mbedtls_ssl_conf_min_version(&s->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                               min_minor);
  mbedtls_ssl_conf_max_version(&s->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                               max_minor);

  ret = mbedtls_x509_crt_parse_file(&s->cert, cfg->cert);
  if (ret != 0)
    return report(cfg->cert, ret);
  ret = mbedtls_pk_parse_keyfile(&s->key, cfg->key, NULL);
  if (ret != 0)
    return report(cfg->key, ret);
  ret = mbedtls_ssl_conf_own_cert(&s->conf, &s->cert, &s->key);
  if (ret != 0)
    return report("ssl_conf_own_cert", ret);

  if (cfg->client_ca != NULL) {
    ret = mbedtls_x509_crt_parse_file(&s->client_ca, cfg->client_ca);
    if (ret != 0)
      return report(cfg->client_ca, ret);
    mbedtls_ssl_conf_ca_chain(&s->conf, &s->client_ca, NULL);
    mbedtls_ssl_conf_authmode(&s->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  } else {
    mbedtls_ssl_conf_authmode(&s->conf, MBEDTLS_SSL_VERIFY_NONE);
  }
  if (cfg->curve != 0) {
    s->curves[0] = (mbedtls_ecp_group_id)cfg->curve;
    s->curves[1] = MBEDTLS_ECP_DP_NONE;
    mbedtls_ssl_conf_curves(&s->conf, s->curves);
  }
  if (cfg->ciphersuite != NULL) {
    s->ciphersuites[0] = mbedtls_ssl_get_ciphersuite_id(cfg->ciphersuite);
    s->ciphersuites[1] = 0;
    if (s->ciphersuites[0] == 0) {
      fprintf(stderr, "tlsserver: unknown suite %s\n", cfg->ciphersuite);
      return -1;
    }
    mbedtls_ssl_conf_ciphersuites(&s->conf, s->ciphersuites);
  }
  ret = mbedtls_ssl_conf_alpn_protocols(&s->conf, alpn_list);
  if (ret != 0)
    return report("ssl_conf_alpn_protocols", ret);
  mbedtls_ssl_conf_sni(&s->conf, sni_cb, s);
  if (!cfg->tickets) {
    mbedtls_ssl_conf_session_cache(&s->conf, &s->cache, mbedtls_ssl_cache_get,
                                   mbedtls_ssl_cache_set);
  } else {
    ret = mbedtls_ssl_ticket_setup(&s->ticket, mbedtls_ctr_drbg_random,
                                   &s->drbg, MBEDTLS_CIPHER_AES_256_GCM, 86400);
    if (ret != 0)
      return report("ssl_ticket_setup", ret);
    mbedtls_ssl_conf_session_tickets_cb(&s->conf, mbedtls_ssl_ticket_write,
                                        mbedtls_ssl_ticket_parse, &s->ticket);
  }
  if (cfg->mode == TLSSRV_RENEGOTIATE) {
    mbedtls_ssl_conf_renegotiation(&s->conf, MBEDTLS_SSL_RENEGOTIATION_ENABLED);
    /* No grace records: the client must answer the HelloRequest at once. */
    mbedtls_ssl_conf_renegotiation_enforced(&s->conf, 0);
  }
  return 0;
}

tlsserver *tlsserver_start(const tlsserver_config *cfg) {
  struct sockaddr_in addr;
  struct sockaddr_storage bound;
  int namelen = (int)sizeof(bound);
  tlsserver *s = xcalloc(1, sizeof(*s));
  int r;

  s->mode = cfg->mode;
  s->hold_ms = cfg->hold_reads_ms;
  s->response = xstrdup(cfg->response ? cfg->response : TLSSRV_HELLO);
  mbedtls_entropy_init(&s->entropy);
  mbedtls_ctr_drbg_init(&s->drbg);
  mbedtls_ssl_config_init(&s->conf);
  mbedtls_x509_crt_init(&s->cert);
  mbedtls_x509_crt_init(&s->client_ca);
  mbedtls_pk_init(&s->key);
  mbedtls_ssl_cache_init(&s->cache);
  mbedtls_ssl_ticket_init(&s->ticket);
  if (uv_mutex_init(&s->lock) != 0 || uv_cond_init(&s->cond) != 0)
    abort();
  if (setup_tls(s, cfg) != 0) {
    server_free(s);
    return NULL;
  }

  r = uv_loop_init(&s->loop);
  if (r != 0)
    goto failed_loop_init;
  uv_tcp_init(&s->loop, &s->listener);
  s->listener.data = s;
  uv_ip4_addr("127.0.0.1", 0, &addr);
  r = uv_tcp_bind(&s->listener, (const struct sockaddr *)&addr, 0);
  if (r == 0)
    r = uv_listen((uv_stream_t *)&s->listener, 128, on_connection);
  if (r == 0)
    r = uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &namelen);
  if (r != 0)
    goto failed_listen;
  s->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
  r = uv_async_init(&s->loop, &s->stop_async, on_stop);
  if (r != 0)
    goto failed_listen;
  s->stop_async.data = s;
  uv_timer_init(&s->loop, &s->hold_timer);
  s->hold_timer.data = s;
  r = uv_thread_create(&s->thread, server_thread, s);
  if (r != 0)
    goto failed_thread;
  return s;

failed_thread:
  uv_close((uv_handle_t *)&s->hold_timer, NULL);
  uv_close((uv_handle_t *)&s->stop_async, NULL);
failed_listen:
  uv_close((uv_handle_t *)&s->listener, NULL);
  uv_run(&s->loop, UV_RUN_DEFAULT);
  uv_loop_close(&s->loop);
failed_loop_init:
  fprintf(stderr, "tlsserver: cannot start: %s\n", uv_strerror(r));
  server_free(s);
  return NULL;
}

int tlsserver_port(const tlsserver *s) { return s->port; }

int tlsserver_stop(tlsserver *s) {
  int result;

  uv_async_send(&s->stop_async);
  uv_thread_join(&s->thread);
  result = s->loop_close_result == 0 ? 0 : -1;
  server_free(s);
  return result;
}

/* -- logs ------------------------------------------------------------------- */

char *tlsserver_sni(tlsserver *s, unsigned conn_index, int *sent) {
  char *out = NULL;

  if (sent != NULL)
    *sent = 0;
  uv_mutex_lock(&s->lock);
  if (conn_index < s->nconns) {
    out = xstrdup(s->conns[conn_index]->sni);
    if (sent != NULL)
      *sent = s->conns[conn_index]->sni_sent;
  }
  uv_mutex_unlock(&s->lock);
  return out;
}

char *tlsserver_received(tlsserver *s, unsigned conn_index, size_t *len) {
  char *out = NULL;

  if (len != NULL)
    *len = 0;
  uv_mutex_lock(&s->lock);
  if (conn_index < s->nconns) {
    const struct bytes *log = &s->conns[conn_index]->log;
    out = xcalloc(1, log->len + 1);
    if (log->len > 0)
      memcpy(out, log->data, log->len);
    if (len != NULL)
      *len = log->len;
  }
  uv_mutex_unlock(&s->lock);
  return out;
}

int tlsserver_handshake_error(tlsserver *s, unsigned conn_index) {
  int err = 0;
  uv_mutex_lock(&s->lock);
  if (conn_index < s->nconns)
    err = s->conns[conn_index]->hs_error;
  uv_mutex_unlock(&s->lock);
  return err;
}

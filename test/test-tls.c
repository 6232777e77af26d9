/* Tests of the TLS layer (src/tls.c), driven directly: a small pump in
 * this file moves bytes between a blocking TCP socket and ferry__tls,
 * against the in-process TLS server (tlsserver.h) with certificates made
 * at test time (certs.h). The engine does not take part yet.
 *
 * Every wait is bounded by a deadline, so a bug shows as a failure with a
 * message, not as a hang. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "certs.h"
#include "test.h"
#include "tls.h"
#include "tlsserver.h"

#define DEADLINE_MS 10000
#define WAIT_MS 5000

#define REQUEST "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"

/* -- fixtures --------------------------------------------------------------- */

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
                               tlsserver_mode mode) {
  tlsserver_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.cert = cert;
  cfg.key = key;
  cfg.mode = mode;
  return tlsserver_start(&cfg);
}

/* A configuration that trusts the test CA. */
static void trusting_config(ferry__tls_config *cfg) {
  ferry__tls_config_init(cfg);
  cfg->cainfo = certs.ca;
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* -- the pump --------------------------------------------------------------- */

typedef struct tclient {
  int fd;
  ferry__tls_ctx *ctx; /* our reference, or NULL when borrowed */
  ferry__tls *t;
  int eof;
  ferry_code feed_rc;  /* the first failed ferry__tls_feed() */
  char err[FERRY_ERROR_SIZE];
} tclient;

static int tcp_connect(int port) {
  struct sockaddr_in sin;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

  if (fd < 0)
    return -1;
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_port = htons((uint16_t)port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
    close(fd);
    return -1;
  }
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

/* Send everything pending_out holds. Returns 0, or -1 if the peer is gone
 * (which some tests expect; what was queued is then dropped). */
static int pump_flush(tclient *c) {
  for (;;) {
    size_t len;
    const char *p = ferry__tls_pending_out(c->t, &len);
    ssize_t n;
    if (len == 0)
      return 0;
    n = send(c->fd, p, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      ferry__tls_consume_out(c->t, len);
      return -1;
    }
    ferry__tls_consume_out(c->t, (size_t)n);
  }
}

/* Wait up to timeout_ms for bytes and feed them (or the EOF). Returns 0
 * when something happened, -2 on timeout. */
static int pump_recv(tclient *c, int timeout_ms) {
  char buf[65536];
  struct pollfd pfd = {c->fd, POLLIN, 0};
  ssize_t n;
  int r;

  if (c->eof)
    return -2;
  r = poll(&pfd, 1, timeout_ms);
  if (r == 0)
    return -2;
  n = recv(c->fd, buf, sizeof(buf), 0);
  if (n > 0) {
    ferry_code rc = ferry__tls_feed(c->t, buf, (size_t)n);
    if (rc != FERRYE_OK && c->feed_rc == FERRYE_OK)
      c->feed_rc = rc;
    return rc == FERRYE_OK ? 0 : -1;
  }
  if (n < 0 && errno == EINTR)
    return 0;
  /* EOF, or a reset: no more input either way */
  c->eof = 1;
  ferry__tls_feed_eof(c->t);
  return 0;
}

static ferry_code pump_handshake(tclient *c) {
  uint64_t deadline = now_ms() + DEADLINE_MS;

  for (;;) {
    ferry_code rc = ferry__tls_handshake(c->t, c->err, sizeof(c->err));
    pump_flush(c);
    if (rc != FERRYE_AGAIN)
      return rc;
    if (c->feed_rc != FERRYE_OK)
      return c->feed_rc;
    if (now_ms() > deadline) {
      snprintf(c->err, sizeof(c->err), "test: handshake timed out");
      return FERRYE_OPERATION_TIMEDOUT;
    }
    if (c->eof) {
      /* After EOF the handshake must have failed, not asked for more. */
      snprintf(c->err, sizeof(c->err), "test: AGAIN after EOF");
      return FERRYE_GOT_NOTHING;
    }
    pump_recv(c, 100);
  }
}

/* Connect to port as host, with an existing context (borrowed). */
static ferry_code open_with_ctx(tclient *c, ferry__tls_ctx *ctx,
                                ferry__tls_sessions *sessions, int port,
                                const char *host) {
  ferry_code rc;

  memset(c, 0, sizeof(*c));
  c->fd = tcp_connect(port);
  if (c->fd < 0) {
    snprintf(c->err, sizeof(c->err), "test: connect failed");
    return FERRYE_COULDNT_CONNECT;
  }
  rc = ferry__tls_new(&c->t, ctx, sessions, NULL, host, port, c->err,
                      sizeof(c->err));
  if (rc != FERRYE_OK)
    return rc;
  return pump_handshake(c);
}

/* Build a context from cfg, connect and handshake. The client owns the
 * context. A failed ctx_new leaves c->t NULL and c->fd -1. */
static ferry_code open_client(tclient *c, const ferry__tls_config *cfg,
                              ferry__tls_sessions *sessions, int port,
                              const char *host) {
  ferry__tls_ctx *ctx;
  ferry_code rc = ferry__tls_ctx_new(&ctx, cfg, c->err, sizeof(c->err));

  if (rc != FERRYE_OK) {
    char err[FERRY_ERROR_SIZE];
    memcpy(err, c->err, sizeof(err));
    memset(c, 0, sizeof(*c));
    memcpy(c->err, err, sizeof(err));
    c->fd = -1;
    return rc;
  }
  rc = open_with_ctx(c, ctx, sessions, port, host);
  c->ctx = ctx;
  return rc;
}

static void close_client(tclient *c) {
  ferry__tls_free(c->t);
  c->t = NULL;
  if (c->fd >= 0)
    close(c->fd);
  c->fd = -1;
  ferry__tls_ctx_free(c->ctx);
  c->ctx = NULL;
}

/* A clean close: close_notify, then the socket. */
static void close_client_notify(tclient *c) {
  if (c->t != NULL) {
    ferry__tls_close_notify(c->t);
    pump_flush(c);
  }
  close_client(c);
}

static ferry_code write_all(tclient *c, const char *data, size_t len) {
  uint64_t deadline = now_ms() + DEADLINE_MS;

  while (len > 0) {
    size_t taken;
    ferry_code rc = ferry__tls_write(c->t, data, len, &taken, c->err,
                                     sizeof(c->err));
    if (rc != FERRYE_OK && rc != FERRYE_AGAIN)
      return rc;
    data += taken;
    len -= taken;
    if (pump_flush(c) != 0)
      return FERRYE_SEND_ERROR;
    if (now_ms() > deadline)
      return FERRYE_OPERATION_TIMEDOUT;
  }
  return FERRYE_OK;
}

/* Read until want bytes arrived (into out, cap bytes) or the connection
 * ended (*closed set). Returns the result of the last read. */
static ferry_code read_some(tclient *c, char *out, size_t cap, size_t want,
                            size_t *got, int *closed) {
  uint64_t deadline = now_ms() + DEADLINE_MS;

  *got = 0;
  *closed = 0;
  while (*got < want) {
    size_t n;
    ferry_code rc = ferry__tls_read(c->t, out + *got, cap - *got, &n, closed,
                                    c->err, sizeof(c->err));
    pump_flush(c);
    if (rc == FERRYE_OK && n > 0) {
      *got += n;
      continue;
    }
    if (rc != FERRYE_AGAIN || *closed)
      return rc;
    if (c->feed_rc != FERRYE_OK)
      return c->feed_rc;
    if (now_ms() > deadline) {
      snprintf(c->err, sizeof(c->err), "test: read timed out");
      return FERRYE_OPERATION_TIMEDOUT;
    }
    pump_recv(c, 100);
  }
  return FERRYE_OK;
}

/* Read until the connection ends; returns the result of the last read and
 * sets *closed. */
static ferry_code read_to_end(tclient *c, int *closed) {
  char buf[4096];
  size_t got;
  ferry_code rc;

  do
    rc = read_some(c, buf, sizeof(buf), sizeof(buf), &got, closed);
  while (rc == FERRYE_OK && !*closed);
  return rc;
}

/* Send REQUEST and read the response: FERRYE_OK if exactly the default
 * response came back, FERRYE_LAST if other bytes did, else the error. */
static ferry_code roundtrip(tclient *c) {
  char buf[256];
  size_t got;
  int closed;
  ferry_code rc;

  rc = write_all(c, REQUEST, strlen(REQUEST));
  if (rc != FERRYE_OK)
    return rc;
  rc = read_some(c, buf, sizeof(buf), strlen(TLSSRV_HELLO), &got, &closed);
  if (rc != FERRYE_OK)
    return rc;
  if (got != strlen(TLSSRV_HELLO) || memcmp(buf, TLSSRV_HELLO, got) != 0)
    return FERRYE_LAST;
  return FERRYE_OK;
}

static int request_roundtrip(tclient *c) {
  return roundtrip(c) == FERRYE_OK ? 0 : -1;
}

/* Connect with cfg as host to a server with cert/key and return the
 * handshake result; the error text goes to err. */
static ferry_code try_handshake(const char *cert, const char *key,
                                const ferry__tls_config *cfg, const char *host,
                                char *err, size_t errlen, long *verify_result) {
  tlsserver *s = start_server(cert, key, TLSSRV_RESPOND);
  tclient c;
  ferry_code rc;

  if (s == NULL)
    return FERRYE_FAILED_INIT;
  rc = open_client(&c, cfg, NULL, tlsserver_port(s), host);
  snprintf(err, errlen, "%s", c.err);
  if (verify_result != NULL)
    *verify_result = c.t ? ferry__tls_verify_result(c.t) : -2;
  if (rc == FERRYE_OK && request_roundtrip(&c) != 0)
    rc = FERRYE_RECV_ERROR;
  close_client_notify(&c);
  if (tlsserver_stop(s) != 0)
    return FERRYE_FAILED_INIT;
  return rc;
}

#define ASSERT_CONTAINS(hay, needle)                                          \
  do {                                                                        \
    const char *h_ = (hay), *n_ = (needle);                                   \
    if (strstr(h_, n_) == NULL)                                               \
      TEST_FAIL_("\"%s\" does not contain \"%s\"", h_, n_);                   \
  } while (0)

/* -- ClientHello inspection --------------------------------------------------- */

/* Find extension type in a ClientHello record. Returns 1 and points *data
 * and *dlen at the extension's body if present, 0 if absent, -1 if the
 * bytes are not a ClientHello. */
static int client_hello_ext(const unsigned char *p, size_t len, unsigned want,
                            const unsigned char **data, size_t *dlen) {
  const unsigned char *end = p + len, *ext_end;
  size_t n;

  /* record header (5), handshake header (4), version (2), random (32) */
  if (len < 5 + 4 + 2 + 32 + 1 || p[0] != 22 || p[5] != 1)
    return -1;
  p += 5 + 4 + 2 + 32;
  p += 1 + p[0];                        /* session id */
  if (p + 2 > end)
    return -1;
  p += 2 + ((size_t)p[0] << 8 | p[1]); /* cipher suites */
  if (p + 1 > end)
    return -1;
  p += 1 + p[0];                        /* compression methods */
  if (p + 2 > end)
    return 0;                           /* no extensions */
  n = (size_t)p[0] << 8 | p[1];
  p += 2;
  ext_end = p + n;
  if (ext_end > end)
    return -1;
  while (p + 4 <= ext_end) {
    unsigned type = (unsigned)p[0] << 8 | p[1];
    size_t elen = (size_t)p[2] << 8 | p[3];
    if (p + 4 + elen > ext_end)
      return -1;
    if (type == want) {
      *data = p + 4;
      *dlen = elen;
      return 1;
    }
    p += 4 + elen;
  }
  return 0;
}

/* The host name of the server_name extension, as client_hello_ext. */
static int client_hello_sni(const unsigned char *p, size_t len, char *name,
                            size_t namecap) {
  const unsigned char *d;
  size_t dlen, nlen;
  int r = client_hello_ext(p, len, 0, &d, &dlen);

  if (r != 1)
    return r;
  /* list length (2), name type (1), name length (2), name */
  if (dlen < 5)
    return -1;
  nlen = (size_t)d[3] << 8 | d[4];
  if (nlen >= namecap || 5 + nlen > dlen)
    return -1;
  memcpy(name, d + 5, nlen);
  name[nlen] = '\0';
  return 1;
}

/* The TLS group ids of the supported_groups extension (10) as a string of
 * decimal numbers separated by ',', as client_hello_ext. */
static int client_hello_groups(const unsigned char *p, size_t len, char *out,
                               size_t outcap) {
  const unsigned char *d;
  size_t dlen, at = 0;
  int r = client_hello_ext(p, len, 10, &d, &dlen);

  if (r != 1)
    return r;
  if (dlen < 2 || ((size_t)d[0] << 8 | d[1]) != dlen - 2)
    return -1;
  out[0] = '\0';
  for (size_t i = 2; i + 1 < dlen; i += 2) {
    int w = snprintf(out + at, outcap - at, "%s%u", at ? "," : "",
                     (unsigned)d[i] << 8 | d[i + 1]);
    if (w < 0 || (size_t)w >= outcap - at)
      return -1;
    at += (size_t)w;
  }
  return 1;
}

/* The first flight of a new client of ctx for host (no server involved):
 * calls fn on the ClientHello's bytes. */
static int ferry_client_hello(ferry__tls_ctx *ctx, const char *host,
                              int (*fn)(const unsigned char *, size_t, char *,
                                        size_t),
                              char *out, size_t outcap) {
  ferry__tls *t;
  char err[FERRY_ERROR_SIZE];
  const char *hello;
  size_t len;
  int r;

  if (ferry__tls_new(&t, ctx, NULL, NULL, host, 443, err, sizeof(err)) != FERRYE_OK)
    return -1;
  if (ferry__tls_handshake(t, err, sizeof(err)) != FERRYE_AGAIN) {
    ferry__tls_free(t);
    return -1;
  }
  hello = ferry__tls_pending_out(t, &len);
  r = fn((const unsigned char *)hello, len, out, outcap);
  ferry__tls_free(t);
  return r;
}

/* The SNI ferry's ClientHello carries for host. */
static int ferry_client_hello_sni(ferry__tls_ctx *ctx, const char *host,
                                  char *name, size_t namecap) {
  return ferry_client_hello(ctx, host, client_hello_sni, name, namecap);
}

static unsigned char raw_out[16384];
static size_t raw_out_len;

static int raw_send(void *ctx, const unsigned char *buf, size_t len) {
  (void)ctx;
  if (len > sizeof(raw_out) - raw_out_len)
    return MBEDTLS_ERR_SSL_WANT_WRITE;
  memcpy(raw_out + raw_out_len, buf, len);
  raw_out_len += len;
  return (int)len;
}

static int raw_recv(void *ctx, unsigned char *buf, size_t len) {
  (void)ctx;
  (void)buf;
  (void)len;
  return MBEDTLS_ERR_SSL_WANT_READ;
}

/* -- tests: the basics ---------------------------------------------------------- */

TEST_IMPL(tls_handshake_then_request_and_response_roundtrip) {
  static const char *const alpn[] = {"http/1.1", NULL};
  ferry__tls_config cfg;
  tlsserver *s;
  tclient c;
  char *got;
  size_t len;

  ASSERT_EQ(make_certs(), 0);
  s = start_server(certs.server, certs.server_key, TLSSRV_RESPOND);
  ASSERT_NOT_NULL(s);
  trusting_config(&cfg);
  cfg.alpn = alpn;
  ASSERT_EQ(open_client(&c, &cfg, NULL, tlsserver_port(s), "localhost"),
            FERRYE_OK);
  ASSERT_EQ(ferry__tls_verify_result(c.t), 0);
  ASSERT_STR_EQ(ferry__tls_version(c.t), "TLSv1.2");
  ASSERT_STR_EQ(ferry__tls_alpn(c.t), "http/1.1");
  ASSERT_NOT_NULL(ferry__tls_cipher(c.t));
  ASSERT_EQ(ferry__tls_resumed(c.t), 0);
  /* two requests on one connection */
  ASSERT_EQ(request_roundtrip(&c), 0);
  ASSERT_EQ(request_roundtrip(&c), 0);
  ASSERT_EQ(ferry__tls_has_buffered(c.t), 0);
  close_client_notify(&c);

  ASSERT_EQ(tlsserver_wait(s, TLSSRV_CLOSE_NOTIFY_RECEIVED, 1, WAIT_MS), 0);
  got = tlsserver_received(s, 0, &len);
  ASSERT_MEM_EQ(got, len, REQUEST REQUEST);
  free(got);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_HANDSHAKES), 1);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_REQUESTS), 2);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(tls_decrypted_bytes_stay_buffered_until_read) {
  ferry__tls_config cfg;
  tlsserver *s;
  tclient c;
  char buf[256];
  size_t got = 0, n;
  int closed;
  ferry_code rc;

  ASSERT_EQ(make_certs(), 0);
  s = start_server(certs.server, certs.server_key, TLSSRV_RESPOND);
  ASSERT_NOT_NULL(s);
  trusting_config(&cfg);
  ASSERT_EQ(open_client(&c, &cfg, NULL, tlsserver_port(s), "localhost"),
            FERRYE_OK);
  ASSERT_EQ(write_all(&c, REQUEST, strlen(REQUEST)), FERRYE_OK);
  /* one byte at a time, as a reader with a tiny buffer (or a paused
   * transfer) takes them */
  ASSERT_EQ(read_some(&c, buf, 1, 1, &got, &closed), FERRYE_OK);
  ASSERT_EQ(got, 1);
  /* the rest of the record is inside the TLS layer; the socket will not
   * signal it again */
  while (got < strlen(TLSSRV_HELLO)) {
    ASSERT(ferry__tls_has_buffered(c.t));
    rc = ferry__tls_read(c.t, buf + got, 1, &n, &closed, c.err, sizeof(c.err));
    ASSERT_EQ(rc, FERRYE_OK);
    ASSERT_EQ(n, 1);
    got += n;
  }
  ASSERT_MEM_EQ(buf, got, TLSSRV_HELLO);
  ASSERT_EQ(ferry__tls_read(c.t, buf, sizeof(buf), &n, &closed, c.err,
                            sizeof(c.err)),
            FERRYE_AGAIN);
  ASSERT_EQ(ferry__tls_has_buffered(c.t), 0);
  close_client_notify(&c);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(tls_large_request_and_response_pass_through_whole) {
  const size_t body = 1024 * 1024, pad = 300 * 1024;
  char *response, *request, *buf, *got;
  tlsserver_config scfg;
  ferry__tls_config cfg;
  size_t n, len, taken, pending;
  ferry_code rc;
  tlsserver *s;
  tclient c;
  int closed;

  ASSERT_EQ(make_certs(), 0);
  /* a 1 MiB response */
  response = malloc(body + 100);
  ASSERT_NOT_NULL(response);
  n = (size_t)sprintf(response, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
                      body);
  for (size_t i = 0; i < body; i++)
    response[n + i] = (char)('a' + i % 26);
  response[n + body] = '\0';
  memset(&scfg, 0, sizeof(scfg));
  scfg.cert = certs.server;
  scfg.key = certs.server_key;
  scfg.response = response;
  s = tlsserver_start(&scfg);
  ASSERT_NOT_NULL(s);

  /* a 300 KiB request (one long header line) */
  request = malloc(pad + 100);
  ASSERT_NOT_NULL(request);
  len = (size_t)sprintf(request, "GET / HTTP/1.1\r\nX-Pad: ");
  memset(request + len, 'p', pad);
  len += pad;
  memcpy(request + len, "\r\n\r\n", 5);
  len += 4;

  trusting_config(&cfg);
  ASSERT_EQ(open_client(&c, &cfg, NULL, tlsserver_port(s), "localhost"),
            FERRYE_OK);
  /* Without flushing, writing stops at the high-water mark: AGAIN. */
  rc = ferry__tls_write(c.t, request, len, &taken, c.err, sizeof(c.err));
  ASSERT_EQ(rc, FERRYE_OK);
  ASSERT_GE(taken, 64 * 1024);
  ASSERT(taken < len);
  rc = ferry__tls_write(c.t, request + taken, len - taken, &n, c.err,
                        sizeof(c.err));
  ASSERT_EQ(rc, FERRYE_AGAIN);
  ASSERT_EQ(n, 0);
  ferry__tls_pending_out(c.t, &pending);
  ASSERT_GE(pending, 64 * 1024);
  ASSERT_LE(pending, 64 * 1024 + 17 * 1024);
  ASSERT_EQ(pump_flush(&c), 0);
  ASSERT_EQ(write_all(&c, request + taken, len - taken), FERRYE_OK);

  buf = malloc(n = strlen(response));
  ASSERT_NOT_NULL(buf);
  ASSERT_EQ(read_some(&c, buf, n, n, &len, &closed), FERRYE_OK);
  ASSERT_EQ(len, n);
  ASSERT(memcmp(buf, response, n) == 0);
  close_client_notify(&c);

  ASSERT_EQ(tlsserver_wait(s, TLSSRV_CLOSED, 1, WAIT_MS), 0);
  got = tlsserver_received(s, 0, &n);
  ASSERT_EQ(n, strlen(request));
  ASSERT(memcmp(got, request, n) == 0);
  free(got);
  free(buf);
  free(request);
  free(response);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(tls_calls_out_of_order_fail_and_input_is_capped) {
  ferry__tls_config cfg;
  ferry__tls_ctx *ctx;
  ferry__tls *t, *t2;
  char err[FERRY_ERROR_SIZE], buf[16];
  size_t n;
  int closed;
  char *big;

  ASSERT_EQ(make_certs(), 0);
  trusting_config(&cfg);
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)), FERRYE_OK);
  ASSERT_EQ(ferry__tls_new(&t, ctx, NULL, NULL, "localhost", 443, err, sizeof(err)),
            FERRYE_OK);
  ASSERT_EQ(ferry__tls_write(t, "x", 1, &n, err, sizeof(err)),
            FERRYE_SEND_ERROR);
  ASSERT_EQ(ferry__tls_read(t, buf, sizeof(buf), &n, &closed, err, sizeof(err)),
            FERRYE_RECV_ERROR);
  big = calloc(1, 1024 * 1024 + 1);
  ASSERT_NOT_NULL(big);
  ASSERT_EQ(ferry__tls_feed(t, big, 1024 * 1024), FERRYE_OK);
  ASSERT_EQ(ferry__tls_feed(t, big, 1), FERRYE_RECV_ERROR);
  free(big);
  ASSERT_EQ(ferry__tls_new(&t2, ctx, NULL, NULL, "", 443, err, sizeof(err)),
            FERRYE_SSL_CONNECT_ERROR);
  ASSERT_NULL(t2);
  /* The context outlives its creator's reference while t holds one (ASan
   * would see a use after free here otherwise). */
  ferry__tls_ctx_free(ctx);
  ASSERT_EQ(strlen(ferry__tls_ctx_key(ctx)), FERRY__TLS_KEY_LEN);
  ferry__tls_free(t);
  return 0;
}

/* -- tests: verification -------------------------------------------------------- */

TEST_IMPL(tls_expired_certificate_fails_verification) {
  ferry__tls_config cfg;
  char err[FERRY_ERROR_SIZE];
  long vr;

  ASSERT_EQ(make_certs(), 0);
  trusting_config(&cfg);
  ASSERT_EQ(try_handshake(certs.expired, certs.expired_key, &cfg, "localhost",
                          err, sizeof(err), &vr),
            FERRYE_PEER_FAILED_VERIFICATION);
  ASSERT_CONTAINS(err, "SSL certificate problem: ");
  ASSERT_CONTAINS(err, "expired");
  ASSERT(vr & MBEDTLS_X509_BADCERT_EXPIRED);
  return 0;
}

TEST_IMPL(tls_wrong_host_name_fails_verification) {
  ferry__tls_config cfg;
  char err[FERRY_ERROR_SIZE];
  long vr;

  ASSERT_EQ(make_certs(), 0);
  trusting_config(&cfg);
  ASSERT_EQ(try_handshake(certs.wrong_name, certs.wrong_name_key, &cfg,
                          "localhost", err, sizeof(err), &vr),
            FERRYE_PEER_FAILED_VERIFICATION);
  ASSERT_CONTAINS(err, "Common Name");
  ASSERT_EQ(vr, MBEDTLS_X509_BADCERT_CN_MISMATCH);
  /* the certificate's own name passes */
  ASSERT_EQ(try_handshake(certs.wrong_name, certs.wrong_name_key, &cfg,
                          "wrong.example", err, sizeof(err), NULL),
            FERRYE_OK);
  /* a trailing dot is no different */
  ASSERT_EQ(try_handshake(certs.wrong_name, certs.wrong_name_key, &cfg,
                          "wrong.example.", err, sizeof(err), NULL),
            FERRYE_OK);
  return 0;
}

TEST_IMPL(tls_self_signed_certificate_fails_verification) {
  ferry__tls_config cfg;
  char err[FERRY_ERROR_SIZE];
  long vr;

  ASSERT_EQ(make_certs(), 0);
  trusting_config(&cfg);
  ASSERT_EQ(try_handshake(certs.self_signed, certs.self_signed_key, &cfg,
                          "localhost", err, sizeof(err), &vr),
            FERRYE_PEER_FAILED_VERIFICATION);
  ASSERT_CONTAINS(err, "not correctly signed by the trusted CA");
  ASSERT(vr & MBEDTLS_X509_BADCERT_NOT_TRUSTED);
  return 0;
}

TEST_IMPL(tls_certificate_from_unknown_ca_fails_verification) {
  ferry__tls_config cfg;
  char err[FERRY_ERROR_SIZE];

  ASSERT_EQ(make_certs(), 0);
  trusting_config(&cfg);
  ASSERT_EQ(try_handshake(certs.other_ca_server, certs.other_ca_server_key,
                          &cfg, "localhost", err, sizeof(err), NULL),
            FERRYE_PEER_FAILED_VERIFICATION);
  ASSERT_CONTAINS(err, "not correctly signed by the trusted CA");
  /* trusting that CA instead makes it pass */
  cfg.cainfo = certs.other_ca;
  ASSERT_EQ(try_handshake(certs.other_ca_server, certs.other_ca_server_key,
                          &cfg, "localhost", err, sizeof(err), NULL),
            FERRYE_OK);
  return 0;
}

TEST_IMPL(tls_default_ca_bundle_does_not_trust_the_test_ca) {
  ferry__tls_config cfg;
  char err[FERRY_ERROR_SIZE];
  ferry_code rc;

  ASSERT_EQ(make_certs(), 0);
  ferry__tls_config_init(&cfg); /* no CA given: the build's bundle */
  rc = try_handshake(certs.server, certs.server_key, &cfg, "localhost", err,
                     sizeof(err), NULL);
  if (access("/etc/ssl/certs/ca-certificates.crt", R_OK) == 0) {
    ASSERT_EQ(rc, FERRYE_PEER_FAILED_VERIFICATION);
    ASSERT_CONTAINS(err, "not correctly signed by the trusted CA");
  } else {
    ASSERT_EQ(rc, FERRYE_SSL_CACERT_BADFILE);
  }
  return 0;
}

TEST_IMPL(tls_verifyhost_0_skips_only_the_name_check) {
  ferry__tls_config cfg;
  char err[FERRY_ERROR_SIZE];

  ASSERT_EQ(make_certs(), 0);
  trusting_config(&cfg);
  cfg.verify_host = 0;
  ASSERT_EQ(try_handshake(certs.wrong_name, certs.wrong_name_key, &cfg,
                          "localhost", err, sizeof(err), NULL),
            FERRYE_OK);
  ASSERT_EQ(try_handshake(certs.ip_only, certs.ip_only_key, &cfg, "127.0.0.1",
                          err, sizeof(err), NULL),
            FERRYE_OK);
  /* the chain is still checked */
  ASSERT_EQ(try_handshake(certs.expired, certs.expired_key, &cfg, "localhost",
                          err, sizeof(err), NULL),
            FERRYE_PEER_FAILED_VERIFICATION);
  ASSERT_CONTAINS(err, "expired");
  ASSERT_EQ(try_handshake(certs.self_signed, certs.self_signed_key, &cfg,
                          "localhost", err, sizeof(err), NULL),
            FERRYE_PEER_FAILED_VERIFICATION);
  return 0;
}

TEST_IMPL(tls_verifypeer_0_skips_chain_and_name_checks) {
  ferry__tls_config cfg;
  char err[FERRY_ERROR_SIZE];
  long vr;

  ASSERT_EQ(make_certs(), 0);
  ferry__tls_config_init(&cfg);
  cfg.verify_peer = 0;
  cfg.cainfo = certs.garbage; /* not even loaded */
  ASSERT_EQ(try_handshake(certs.self_signed, certs.self_signed_key, &cfg,
                          "wrong.example", err, sizeof(err), &vr),
            FERRYE_OK);
  ASSERT_EQ(vr, MBEDTLS_X509_BADCERT_SKIP_VERIFY);
  ASSERT_EQ(try_handshake(certs.expired, certs.expired_key, &cfg, "127.0.0.9",
                          err, sizeof(err), NULL),
            FERRYE_OK);
  return 0;
}

/* -- tests: IP literals and SNI -------------------------------------------------- */

TEST_IMPL(tls_mbedtls_2_28_does_not_match_ip_sans_by_itself) {
  /* Why ferry checks IP literals itself: mbedTLS matches the name it is
   * given against dNSName SANs and the CN only. */
  mbedtls_x509_crt ca, crt;
  uint32_t flags;

  ASSERT_EQ(make_certs(), 0);
  mbedtls_x509_crt_init(&ca);
  mbedtls_x509_crt_init(&crt);
  ASSERT_EQ(mbedtls_x509_crt_parse_file(&ca, certs.ca), 0);
  ASSERT_EQ(mbedtls_x509_crt_parse_file(&crt, certs.server), 0);
  flags = 0;
  ASSERT_EQ(mbedtls_x509_crt_verify(&crt, &ca, NULL, "localhost", &flags, NULL,
                                    NULL),
            0);
  /* the certificate has iPAddress 127.0.0.1 and ::1, yet: */
  flags = 0;
  ASSERT_NE(mbedtls_x509_crt_verify(&crt, &ca, NULL, "127.0.0.1", &flags, NULL,
                                    NULL),
            0);
  ASSERT_EQ(flags, MBEDTLS_X509_BADCERT_CN_MISMATCH);
  flags = 0;
  ASSERT_NE(mbedtls_x509_crt_verify(&crt, &ca, NULL, "::1", &flags, NULL, NULL),
            0);
  ASSERT_EQ(flags, MBEDTLS_X509_BADCERT_CN_MISMATCH);
  mbedtls_x509_crt_free(&crt);
  mbedtls_x509_crt_free(&ca);
  return 0;
}

TEST_IMPL(tls_mbedtls_2_28_sends_an_ip_hostname_as_sni) {
  /* Why ferry gives mbedTLS no hostname for IP literals: it would put the
   * address into the server_name extension, which RFC 6066 forbids. */
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_ssl_config conf;
  mbedtls_ssl_context ssl;
  char name[256];

  mbedtls_entropy_init(&entropy);
  mbedtls_ctr_drbg_init(&drbg);
  mbedtls_ssl_config_init(&conf);
  mbedtls_ssl_init(&ssl);
  ASSERT_EQ(mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL,
                                  0),
            0);
  ASSERT_EQ(mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
                                        MBEDTLS_SSL_TRANSPORT_STREAM,
                                        MBEDTLS_SSL_PRESET_DEFAULT),
            0);
  mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
  ASSERT_EQ(mbedtls_ssl_setup(&ssl, &conf), 0);
  ASSERT_EQ(mbedtls_ssl_set_hostname(&ssl, "127.0.0.1"), 0);
  mbedtls_ssl_set_bio(&ssl, NULL, raw_send, raw_recv, NULL);
  raw_out_len = 0;
  ASSERT_EQ(mbedtls_ssl_handshake(&ssl), MBEDTLS_ERR_SSL_WANT_READ);
  ASSERT_EQ(client_hello_sni(raw_out, raw_out_len, name, sizeof(name)), 1);
  ASSERT_STR_EQ(name, "127.0.0.1");
  mbedtls_ssl_free(&ssl);
  mbedtls_ssl_config_free(&conf);
  mbedtls_ctr_drbg_free(&drbg);
  mbedtls_entropy_free(&entropy);
  return 0;
}

TEST_IMPL(tls_client_hello_carries_sni_for_names_only) {
  ferry__tls_config cfg;
  ferry__tls_ctx *ctx;
  char err[FERRY_ERROR_SIZE], name[256];

  ASSERT_EQ(make_certs(), 0);
  trusting_config(&cfg);
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)), FERRYE_OK);
  ASSERT_EQ(ferry_client_hello_sni(ctx, "example.com", name, sizeof(name)), 1);
  ASSERT_STR_EQ(name, "example.com");
  ASSERT_EQ(ferry_client_hello_sni(ctx, "example.com.", name, sizeof(name)), 1);
  ASSERT_STR_EQ(name, "example.com");
  ASSERT_EQ(ferry_client_hello_sni(ctx, "127.0.0.1", name, sizeof(name)), 0);
  ASSERT_EQ(ferry_client_hello_sni(ctx, "::1", name, sizeof(name)), 0);
  ASSERT_EQ(ferry_client_hello_sni(ctx, "fe80::1%eth0", name, sizeof(name)), 0);
  ASSERT_EQ(ferry_client_hello_sni(ctx, "2001:db8::7", name, sizeof(name)), 0);
  /* verify_host 0 changes nothing about SNI */
  ferry__tls_ctx_free(ctx);
  cfg.verify_host = 0;
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)), FERRYE_OK);
  ASSERT_EQ(ferry_client_hello_sni(ctx, "localhost", name, sizeof(name)), 1);
  ASSERT_STR_EQ(name, "localhost");
  ferry__tls_ctx_free(ctx);
  return 0;
}

TEST_IMPL(tls_server_sees_sni_for_names_and_none_for_ips) {
  ferry__tls_config cfg;
  tlsserver *s;
  tclient c;
  char *sni;
  int sent;

  ASSERT_EQ(make_certs(), 0);
  s = start_server(certs.server, certs.server_key, TLSSRV_RESPOND);
  ASSERT_NOT_NULL(s);
  trusting_config(&cfg);
  ASSERT_EQ(open_client(&c, &cfg, NULL, tlsserver_port(s), "localhost"),
            FERRYE_OK);
  close_client_notify(&c);
  ASSERT_EQ(open_client(&c, &cfg, NULL, tlsserver_port(s), "127.0.0.1"),
            FERRYE_OK);
  close_client_notify(&c);
  ASSERT_EQ(open_client(&c, &cfg, NULL, tlsserver_port(s), "::1"), FERRYE_OK);
  close_client_notify(&c);

  sni = tlsserver_sni(s, 0, &sent);
  ASSERT_EQ(sent, 1);
  ASSERT_STR_EQ(sni, "localhost");
  free(sni);
  for (unsigned i = 1; i <= 2; i++) {
    sni = tlsserver_sni(s, i, &sent);
    ASSERT_EQ(sent, 0);
    ASSERT_NULL(sni);
  }
  ASSERT_EQ(tlsserver_wait(s, TLSSRV_HANDSHAKES, 3, WAIT_MS), 0);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(tls_ip_literal_host_matches_ip_san) {
  ferry__tls_config cfg;
  char err[FERRY_ERROR_SIZE];

  ASSERT_EQ(make_certs(), 0);
  trusting_config(&cfg);
  /* the server certificate names localhost, 127.0.0.1 and ::1 */
  ASSERT_EQ(try_handshake(certs.server, certs.server_key, &cfg, "127.0.0.1",
                          err, sizeof(err), NULL),
            FERRYE_OK);
  ASSERT_EQ(try_handshake(certs.server, certs.server_key, &cfg, "::1", err,
                          sizeof(err), NULL),
            FERRYE_OK);
  ASSERT_EQ(try_handshake(certs.server, certs.server_key, &cfg,
                          "0:0:0:0:0:0:0:1", err, sizeof(err), NULL),
            FERRYE_OK);
  return 0;
}

TEST_IMPL(tls_ip_literal_host_not_in_certificate_is_refused) {
  ferry__tls_config cfg;
  char err[FERRY_ERROR_SIZE];
  long vr;

  ASSERT_EQ(make_certs(), 0);
  trusting_config(&cfg);
  /* ip_only: SAN iPAddress 127.0.0.2 only, and CN "127.0.0.1", which must
   * not count when the certificate has a SAN extension */
  ASSERT_EQ(try_handshake(certs.ip_only, certs.ip_only_key, &cfg, "127.0.0.1",
                          err, sizeof(err), &vr),
            FERRYE_PEER_FAILED_VERIFICATION);
  ASSERT_CONTAINS(err, "Common Name");
  ASSERT_EQ(vr, MBEDTLS_X509_BADCERT_CN_MISMATCH);
  ASSERT_EQ(try_handshake(certs.ip_only, certs.ip_only_key, &cfg, "127.0.0.2",
                          err, sizeof(err), NULL),
            FERRYE_OK);
  /* a name is not an address */
  ASSERT_EQ(try_handshake(certs.ip_only, certs.ip_only_key, &cfg, "localhost",
                          err, sizeof(err), NULL),
            FERRYE_PEER_FAILED_VERIFICATION);
  /* an address the server certificate does not name */
  ASSERT_EQ(try_handshake(certs.server, certs.server_key, &cfg, "127.0.0.2",
                          err, sizeof(err), NULL),
            FERRYE_PEER_FAILED_VERIFICATION);
  ASSERT_EQ(try_handshake(certs.server, certs.server_key, &cfg, "::2", err,
                          sizeof(err), NULL),
            FERRYE_PEER_FAILED_VERIFICATION);
  /* a DNS-only certificate names no address */
  ASSERT_EQ(try_handshake(certs.wrong_name, certs.wrong_name_key, &cfg,
                          "127.0.0.1", err, sizeof(err), NULL),
            FERRYE_PEER_FAILED_VERIFICATION);
  return 0;
}

TEST_IMPL(tls_ip_literal_matches_cn_only_without_san_extension) {
  ferry__tls_config cfg;
  char err[FERRY_ERROR_SIZE];

  ASSERT_EQ(make_certs(), 0);
  trusting_config(&cfg);
  ASSERT_EQ(try_handshake(certs.ip_cn_only, certs.ip_cn_only_key, &cfg,
                          "127.0.0.1", err, sizeof(err), NULL),
            FERRYE_OK);
  ASSERT_EQ(try_handshake(certs.ip_cn_only, certs.ip_cn_only_key, &cfg,
                          "127.0.0.2", err, sizeof(err), NULL),
            FERRYE_PEER_FAILED_VERIFICATION);
  return 0;
}

/* -- tests: CA and client certificate files ---------------------------------------- */

TEST_IMPL(tls_bad_ca_file_is_cacert_badfile) {
  ferry__tls_config cfg;
  ferry__tls_ctx *ctx;
  char err[FERRY_ERROR_SIZE];
  static const char junk[] = "-----BEGIN CERTIFICATE-----\nnope\n";

  ASSERT_EQ(make_certs(), 0);
  ferry__tls_config_init(&cfg);
  cfg.cainfo = certs.garbage;
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)),
            FERRYE_SSL_CACERT_BADFILE);
  ASSERT_NULL(ctx);
  ASSERT_CONTAINS(err, certs.garbage);
  cfg.cainfo = certs.missing;
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)),
            FERRYE_SSL_CACERT_BADFILE);
  ASSERT_CONTAINS(err, "mbedTLS");
  cfg.cainfo = NULL;
  cfg.capath = certs.missing;
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)),
            FERRYE_SSL_CACERT_BADFILE);
  cfg.capath = NULL;
  cfg.cainfo_blob = junk;
  cfg.cainfo_blob_len = sizeof(junk) - 1;
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)),
            FERRYE_SSL_CACERT_BADFILE);
  return 0;
}

TEST_IMPL(tls_ca_from_blob_and_from_capath_are_trusted) {
  ferry__tls_config cfg;
  char err[FERRY_ERROR_SIZE];
  size_t len;
  char *pem;

  ASSERT_EQ(make_certs(), 0);
  pem = tcerts_read(certs.ca, &len);
  ASSERT_NOT_NULL(pem);
  ferry__tls_config_init(&cfg);
  cfg.cainfo_blob = pem;
  cfg.cainfo_blob_len = len;
  cfg.cainfo = certs.garbage; /* the blob overrides the file */
  ASSERT_EQ(try_handshake(certs.server, certs.server_key, &cfg, "localhost",
                          err, sizeof(err), NULL),
            FERRYE_OK);
  ferry__tls_config_init(&cfg);
  cfg.capath = certs.capath;
  ASSERT_EQ(try_handshake(certs.server, certs.server_key, &cfg, "localhost",
                          err, sizeof(err), NULL),
            FERRYE_OK);
  free(pem);
  return 0;
}

TEST_IMPL(tls_bad_client_certificate_is_certproblem) {
  ferry__tls_config cfg;
  ferry__tls_ctx *ctx;
  char err[FERRY_ERROR_SIZE];

  ASSERT_EQ(make_certs(), 0);
  trusting_config(&cfg);
  cfg.client_cert = certs.garbage;
  cfg.client_key = certs.client_key;
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)),
            FERRYE_SSL_CERTPROBLEM);
  ASSERT_CONTAINS(err, "client certificate");
  cfg.client_cert = certs.missing;
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)),
            FERRYE_SSL_CERTPROBLEM);
  cfg.client_cert = certs.client;
  cfg.client_key = certs.garbage;
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)),
            FERRYE_SSL_CERTPROBLEM);
  ASSERT_CONTAINS(err, "private key");
  /* a key that is not the certificate's */
  cfg.client_key = certs.server_key;
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)),
            FERRYE_SSL_CERTPROBLEM);
  ASSERT_CONTAINS(err, "does not match");
  /* no key given, and none in the certificate file */
  cfg.client_key = NULL;
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)),
            FERRYE_SSL_CERTPROBLEM);
  ASSERT_NULL(ctx);
  return 0;
}

/* Connect with a client certificate to a server that requires one. */
static ferry_code client_cert_handshake(const ferry__tls_config *cfg,
                                        unsigned *client_certs) {
  tlsserver_config scfg;
  tlsserver *s;
  tclient c;
  ferry_code rc;

  memset(&scfg, 0, sizeof(scfg));
  scfg.cert = certs.server;
  scfg.key = certs.server_key;
  scfg.client_ca = certs.ca;
  s = tlsserver_start(&scfg);
  if (s == NULL)
    return FERRYE_FAILED_INIT;
  rc = open_client(&c, cfg, NULL, tlsserver_port(s), "localhost");
  if (rc == FERRYE_OK && request_roundtrip(&c) != 0)
    rc = FERRYE_RECV_ERROR;
  close_client_notify(&c);
  tlsserver_wait(s, TLSSRV_CLOSED, 1, WAIT_MS);
  *client_certs = tlsserver_get(s, TLSSRV_CLIENT_CERTS);
  if (tlsserver_stop(s) != 0)
    return FERRYE_FAILED_INIT;
  return rc;
}

TEST_IMPL(tls_client_certificate_is_accepted_by_server_requiring_one) {
  ferry__tls_config cfg;
  unsigned n;
  char *cert_pem, *key_pem;
  size_t cert_len, key_len;

  ASSERT_EQ(make_certs(), 0);
  trusting_config(&cfg);
  cfg.client_cert = certs.client;
  cfg.client_key = certs.client_key;
  ASSERT_EQ(client_cert_handshake(&cfg, &n), FERRYE_OK);
  ASSERT_EQ(n, 1);
  /* certificate and key in one file */
  cfg.client_cert = certs.client_combined;
  cfg.client_key = NULL;
  ASSERT_EQ(client_cert_handshake(&cfg, &n), FERRYE_OK);
  ASSERT_EQ(n, 1);
  /* as blobs */
  cert_pem = tcerts_read(certs.client, &cert_len);
  key_pem = tcerts_read(certs.client_key, &key_len);
  ASSERT_NOT_NULL(cert_pem);
  ASSERT_NOT_NULL(key_pem);
  trusting_config(&cfg);
  cfg.client_cert_blob = cert_pem;
  cfg.client_cert_blob_len = cert_len;
  cfg.client_key_blob = key_pem;
  cfg.client_key_blob_len = key_len;
  ASSERT_EQ(client_cert_handshake(&cfg, &n), FERRYE_OK);
  ASSERT_EQ(n, 1);
  free(cert_pem);
  free(key_pem);
  return 0;
}

TEST_IMPL(tls_encrypted_client_key_needs_its_password) {
  ferry__tls_config cfg;
  ferry__tls_ctx *ctx;
  char err[FERRY_ERROR_SIZE], cmd[1024];
  unsigned n;

  ASSERT_EQ(make_certs(), 0);
  /* The traditional PEM encryption (DEK-Info): mbedTLS 2.28 cannot read
   * OpenSSL 3's default PKCS#8 encryption (PBKDF2 with HMAC-SHA256). */
  snprintf(cmd, sizeof(cmd),
           "openssl pkey -in '%s' -traditional -aes128 -passout pass:secret "
           "-out '%s'",
           certs.client_key, certs.client_key_encrypted);
  ASSERT_EQ(system(cmd), 0);
  trusting_config(&cfg);
  cfg.client_cert = certs.client;
  cfg.client_key = certs.client_key_encrypted;
  cfg.key_passwd = "secret";
  ASSERT_EQ(client_cert_handshake(&cfg, &n), FERRYE_OK);
  ASSERT_EQ(n, 1);
  cfg.key_passwd = "wrong";
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)),
            FERRYE_SSL_CERTPROBLEM);
  ASSERT_CONTAINS(err, "password");
  cfg.key_passwd = NULL;
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)),
            FERRYE_SSL_CERTPROBLEM);
  ASSERT_CONTAINS(err, "password");
  return 0;
}

TEST_IMPL(tls_server_requiring_a_client_certificate_refuses_none) {
  ferry__tls_config cfg;
  unsigned n;

  ASSERT_EQ(make_certs(), 0);
  trusting_config(&cfg);
  ASSERT_EQ(client_cert_handshake(&cfg, &n), FERRYE_SSL_CONNECT_ERROR);
  ASSERT_EQ(n, 0);
  return 0;
}

/* -- tests: pinned public keys ------------------------------------------------------ */

TEST_IMPL(tls_pinned_sha256_key_must_match) {
  static const char other_pin[] =
      "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  ferry__tls_config cfg;
  ferry__tls_ctx *ctx;
  char err[FERRY_ERROR_SIZE], list[256];

  ASSERT_EQ(make_certs(), 0);
  trusting_config(&cfg);
  cfg.pinned_pubkey = certs.server_pin;
  ASSERT_EQ(try_handshake(certs.server, certs.server_key, &cfg, "localhost",
                          err, sizeof(err), NULL),
            FERRYE_OK);
  /* one match in a list is enough */
  snprintf(list, sizeof(list), "%s;%s;sha256//bad", other_pin, certs.server_pin);
  cfg.pinned_pubkey = list;
  ASSERT_EQ(try_handshake(certs.server, certs.server_key, &cfg, "localhost",
                          err, sizeof(err), NULL),
            FERRYE_OK);
  cfg.pinned_pubkey = other_pin;
  ASSERT_EQ(try_handshake(certs.server, certs.server_key, &cfg, "localhost",
                          err, sizeof(err), NULL),
            FERRYE_SSL_PINNEDPUBKEYNOTMATCH);
  ASSERT_CONTAINS(err, "pinned public key");
  /* the pin is checked with verification off too */
  cfg.verify_peer = 0;
  cfg.pinned_pubkey = certs.server_pin;
  ASSERT_EQ(try_handshake(certs.expired, certs.expired_key, &cfg, "localhost",
                          err, sizeof(err), NULL),
            FERRYE_SSL_PINNEDPUBKEYNOTMATCH);
  /* a pin string without a valid hash is refused up front */
  cfg.pinned_pubkey = "sha256//not-base64!";
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)),
            FERRYE_SSL_PINNEDPUBKEYNOTMATCH);
  return 0;
}

TEST_IMPL(tls_pinned_key_file_in_pem_or_der_must_match) {
  ferry__tls_config cfg;
  ferry__tls_ctx *ctx;
  char err[FERRY_ERROR_SIZE];

  ASSERT_EQ(make_certs(), 0);
  trusting_config(&cfg);
  cfg.pinned_pubkey = certs.server_pub_pem;
  ASSERT_EQ(try_handshake(certs.server, certs.server_key, &cfg, "localhost",
                          err, sizeof(err), NULL),
            FERRYE_OK);
  cfg.pinned_pubkey = certs.server_pub_der;
  ASSERT_EQ(try_handshake(certs.server, certs.server_key, &cfg, "localhost",
                          err, sizeof(err), NULL),
            FERRYE_OK);
  cfg.verify_peer = 0;
  ASSERT_EQ(try_handshake(certs.expired, certs.expired_key, &cfg, "localhost",
                          err, sizeof(err), NULL),
            FERRYE_SSL_PINNEDPUBKEYNOTMATCH);
  cfg.pinned_pubkey = certs.missing;
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)),
            FERRYE_SSL_PINNEDPUBKEYNOTMATCH);
  cfg.pinned_pubkey = certs.garbage;
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)),
            FERRYE_SSL_PINNEDPUBKEYNOTMATCH);
  return 0;
}

/* -- tests: versions and ciphers ----------------------------------------------------- */

static ferry_code handshake_with_server(const tlsserver_config *scfg,
                                        const ferry__tls_config *cfg,
                                        char *err, size_t errlen,
                                        char *version, char *cipher) {
  tlsserver *s = tlsserver_start(scfg);
  tclient c;
  ferry_code rc;

  if (s == NULL)
    return FERRYE_FAILED_INIT;
  rc = open_client(&c, cfg, NULL, tlsserver_port(s), "localhost");
  snprintf(err, errlen, "%s", c.err);
  if (rc == FERRYE_OK) {
    snprintf(version, 32, "%s", ferry__tls_version(c.t));
    snprintf(cipher, 128, "%s", ferry__tls_cipher(c.t));
    if (request_roundtrip(&c) != 0)
      rc = FERRYE_RECV_ERROR;
  }
  close_client_notify(&c);
  if (tlsserver_stop(s) != 0)
    return FERRYE_FAILED_INIT;
  return rc;
}

TEST_IMPL(tls_version_range_is_honoured_and_mismatch_fails) {
  tlsserver_config scfg;
  ferry__tls_config cfg;
  ferry__tls_ctx *ctx;
  char err[FERRY_ERROR_SIZE], version[32], cipher[128];

  ASSERT_EQ(make_certs(), 0);
  memset(&scfg, 0, sizeof(scfg));
  scfg.cert = certs.server;
  scfg.key = certs.server_key;
  scfg.min_minor = 1; /* the server does TLS 1.0 .. 1.2 */
  scfg.max_minor = 3;
  trusting_config(&cfg);
  ASSERT_EQ(handshake_with_server(&scfg, &cfg, err, sizeof(err), version,
                                  cipher),
            FERRYE_OK);
  ASSERT_STR_EQ(version, "TLSv1.2");
  cfg.ssl_version = FERRY_SSLVERSION_TLSv1_1 | FERRY_SSLVERSION_MAX_TLSv1_1;
  ASSERT_EQ(handshake_with_server(&scfg, &cfg, err, sizeof(err), version,
                                  cipher),
            FERRYE_OK);
  ASSERT_STR_EQ(version, "TLSv1.1");
  /* MAX_TLSv1_3 is clamped to what mbedTLS 2.28 does */
  cfg.ssl_version = FERRY_SSLVERSION_TLSv1_2 | FERRY_SSLVERSION_MAX_TLSv1_3;
  ASSERT_EQ(handshake_with_server(&scfg, &cfg, err, sizeof(err), version,
                                  cipher),
            FERRYE_OK);
  ASSERT_STR_EQ(version, "TLSv1.2");

  /* a server that does TLS 1.1 only, and a client wanting 1.2 */
  scfg.min_minor = scfg.max_minor = 2;
  cfg.ssl_version = FERRY_SSLVERSION_DEFAULT;
  ASSERT_EQ(handshake_with_server(&scfg, &cfg, err, sizeof(err), version,
                                  cipher),
            FERRYE_SSL_CONNECT_ERROR);
  ASSERT_CONTAINS(err, "min/max");

  /* refused up front */
  cfg.ssl_version = FERRY_SSLVERSION_TLSv1_3;
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)),
            FERRYE_SSL_CONNECT_ERROR);
  ASSERT_CONTAINS(err, "TLS 1.3 is not supported");
  cfg.ssl_version = FERRY_SSLVERSION_SSLv3;
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)),
            FERRYE_SSL_CONNECT_ERROR);
  cfg.ssl_version = FERRY_SSLVERSION_TLSv1_2 | FERRY_SSLVERSION_MAX_TLSv1_1;
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)),
            FERRYE_SSL_CONNECT_ERROR);
  ASSERT_CONTAINS(err, "below the minimum");
  return 0;
}

TEST_IMPL(tls_cipher_list_takes_openssl_iana_and_mbedtls_names) {
  static const struct {
    const char *server_suite, *client_list;
  } cases[] = {
      {"TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
      {"TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384",
       "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
      {"TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384",
       "TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384"},
      {"TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256",
       "HIGH:ECDHE-ECDSA-CHACHA20-POLY1305"},
      {"TLS-ECDHE-ECDSA-WITH-AES-128-CBC-SHA256", "ECDHE-ECDSA-AES128-SHA256"},
      {"TLS-ECDHE-ECDSA-WITH-AES-128-CBC-SHA", "ECDHE-ECDSA-AES128-SHA"},
      {"TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8", "ECDHE-ECDSA-AES128-CCM8"},
  };
  tlsserver_config scfg;
  ferry__tls_config cfg;
  char err[FERRY_ERROR_SIZE], version[32], cipher[128];

  ASSERT_EQ(make_certs(), 0);
  memset(&scfg, 0, sizeof(scfg));
  scfg.cert = certs.server;
  scfg.key = certs.server_key;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    scfg.ciphersuite = cases[i].server_suite;
    trusting_config(&cfg);
    cfg.cipher_list = cases[i].client_list;
    ASSERT_EQ(handshake_with_server(&scfg, &cfg, err, sizeof(err), version,
                                    cipher),
              FERRYE_OK);
    ASSERT_STR_EQ(cipher, cases[i].server_suite);
  }
  return 0;
}

TEST_IMPL(tls_cipher_mismatch_fails_and_unknown_list_is_refused) {
  tlsserver_config scfg;
  ferry__tls_config cfg;
  ferry__tls_ctx *ctx;
  char err[FERRY_ERROR_SIZE], version[32], cipher[128];

  ASSERT_EQ(make_certs(), 0);
  memset(&scfg, 0, sizeof(scfg));
  scfg.cert = certs.server;
  scfg.key = certs.server_key;
  scfg.ciphersuite = "TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384";
  trusting_config(&cfg);
  cfg.cipher_list = "ECDHE-ECDSA-AES128-GCM-SHA256";
  ASSERT_EQ(handshake_with_server(&scfg, &cfg, err, sizeof(err), version,
                                  cipher),
            FERRYE_SSL_CONNECT_ERROR);
  ASSERT_CONTAINS(err, "handshake_failure");
  cfg.cipher_list = "HIGH:!aNULL:NO-SUCH-CIPHER";
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)),
            FERRYE_SSL_CIPHER);
  ASSERT_CONTAINS(err, "NO-SUCH-CIPHER");
  return 0;
}

TEST_IMPL(tls_default_curves_put_x25519_and_p256_first) {
  ferry__tls_config cfg;
  ferry__tls_ctx *ctx;
  char err[FERRY_ERROR_SIZE], groups[128];

  ASSERT_EQ(make_certs(), 0);
  trusting_config(&cfg);
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)), FERRYE_OK);
  ASSERT_EQ(ferry_client_hello(ctx, "localhost", client_hello_groups, groups,
                               sizeof(groups)),
            1);
  /* x25519, secp256r1, secp384r1, secp521r1, x448, brainpoolP256r1,
   * brainpoolP384r1, brainpoolP512r1, secp256k1 (RFC 8422, RFC 7027) */
  ASSERT_STR_EQ(groups, "29,23,24,25,30,26,27,28,22");
  ferry__tls_ctx_free(ctx);
  return 0;
}

TEST_IMPL(tls_ec_curves_sets_the_offer_and_refuses_unknown_names) {
  static const struct {
    const char *list, *groups;
  } ok[] = {
      {"P-384:X25519", "24,29"},
      {"secp256r1", "23"},
      {"prime256v1:x448:brainpoolP512r1", "23,30,28"},
      {"p-521:SECP384R1", "25,24"},
  };
  static const char *const bad[] = {"X25519:bogus", "", "P-256:", ":P-256",
                                    "P-256::X25519"};
  tlsserver_config scfg;
  ferry__tls_config cfg;
  ferry__tls_ctx *ctx;
  char err[FERRY_ERROR_SIZE], groups[128], version[32], cipher[128];

  ASSERT_EQ(make_certs(), 0);
  trusting_config(&cfg);
  for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
    cfg.ec_curves = ok[i].list;
    ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)), FERRYE_OK);
    ASSERT_EQ(ferry_client_hello(ctx, "localhost", client_hello_groups, groups,
                                 sizeof(groups)),
              1);
    ASSERT_STR_EQ(groups, ok[i].groups);
    ferry__tls_ctx_free(ctx);
  }
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    cfg.ec_curves = bad[i];
    ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)),
              FERRYE_SSL_CIPHER);
    ASSERT_CONTAINS(err, "unknown or unsupported curve");
  }
  cfg.ec_curves = "X25519:bogus";
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)), FERRYE_SSL_CIPHER);
  ASSERT_CONTAINS(err, "\"bogus\"");

  /* against a server that takes secp384r1 only for the key exchange: the
   * default offer reaches it, an offer without it fails the handshake (the
   * offer must name P-256 too, the curve of the server's key) */
  memset(&scfg, 0, sizeof(scfg));
  scfg.cert = certs.server;
  scfg.key = certs.server_key;
  scfg.curve = MBEDTLS_ECP_DP_SECP384R1;
  trusting_config(&cfg);
  if (handshake_with_server(&scfg, &cfg, err, sizeof(err), version, cipher))
    TEST_FAIL_("%s", err);
  cfg.ec_curves = "X25519:P-256";
  ASSERT_EQ(handshake_with_server(&scfg, &cfg, err, sizeof(err), version,
                                  cipher),
            FERRYE_SSL_CONNECT_ERROR);
  cfg.ec_curves = "X25519:P-384:P-256";
  ASSERT_EQ(handshake_with_server(&scfg, &cfg, err, sizeof(err), version,
                                  cipher),
            FERRYE_OK);
  return 0;
}

/* -- tests: misbehaving servers ------------------------------------------------------- */

TEST_IMPL(tls_garbage_instead_of_server_hello_fails_fast) {
  ferry__tls_config cfg;
  tlsserver *s;
  tclient c;
  uint64_t t0;

  ASSERT_EQ(make_certs(), 0);
  s = start_server(certs.server, certs.server_key, TLSSRV_GARBAGE);
  ASSERT_NOT_NULL(s);
  trusting_config(&cfg);
  t0 = now_ms();
  /* the server keeps the connection open: the bytes alone must fail it */
  ASSERT_EQ(open_client(&c, &cfg, NULL, tlsserver_port(s), "localhost"),
            FERRYE_SSL_CONNECT_ERROR);
  ASSERT(now_ms() - t0 < 2000);
  ASSERT_EQ(c.eof, 0);
  ASSERT_CONTAINS(c.err, "TLS handshake failed: mbedTLS error");
  close_client(&c);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(tls_server_closing_during_handshake_is_connect_error) {
  ferry__tls_config cfg;
  tlsserver *s;
  tclient c;

  ASSERT_EQ(make_certs(), 0);
  s = start_server(certs.server, certs.server_key, TLSSRV_CLOSE_IN_HANDSHAKE);
  ASSERT_NOT_NULL(s);
  trusting_config(&cfg);
  ASSERT_EQ(open_client(&c, &cfg, NULL, tlsserver_port(s), "localhost"),
            FERRYE_SSL_CONNECT_ERROR);
  ASSERT_CONTAINS(c.err, "closed by the peer during the TLS handshake");
  close_client(&c);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(tls_renegotiation_request_is_refused) {
  ferry__tls_config cfg;
  tlsserver *s;
  tclient c;
  ferry_code rc;
  int closed;

  ASSERT_EQ(make_certs(), 0);
  s = start_server(certs.server, certs.server_key, TLSSRV_RENEGOTIATE);
  ASSERT_NOT_NULL(s);
  trusting_config(&cfg);
  ASSERT_EQ(open_client(&c, &cfg, NULL, tlsserver_port(s), "localhost"),
            FERRYE_OK);
  ASSERT_EQ(request_roundtrip(&c), 0);
  /* Reading on meets the HelloRequest; the answer is a no_renegotiation
   * alert, and the server, allowing no grace, then ends the connection. */
  rc = read_to_end(&c, &closed);
  ASSERT_EQ(rc, FERRYE_OK);
  ASSERT_EQ(closed, FERRY__TLS_CLOSE_EOF);
  ASSERT_EQ(tlsserver_wait(s, TLSSRV_RENEGOTIATION_REFUSED, 1, WAIT_MS), 0);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_HANDSHAKES), 1);
  close_client(&c);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(tls_close_notify_from_server_is_reported) {
  ferry__tls_config cfg;
  tlsserver *s;
  tclient c;
  int closed;

  ASSERT_EQ(make_certs(), 0);
  s = start_server(certs.server, certs.server_key, TLSSRV_RESPOND_CLOSE_NOTIFY);
  ASSERT_NOT_NULL(s);
  trusting_config(&cfg);
  ASSERT_EQ(open_client(&c, &cfg, NULL, tlsserver_port(s), "localhost"),
            FERRYE_OK);
  ASSERT_EQ(request_roundtrip(&c), 0);
  ASSERT_EQ(read_to_end(&c, &closed), FERRYE_OK);
  ASSERT_EQ(closed, FERRY__TLS_CLOSE_NOTIFY);
  close_client(&c);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(tls_eof_without_close_notify_is_reported_as_eof) {
  ferry__tls_config cfg;
  tlsserver *s;
  tclient c;
  int closed;

  ASSERT_EQ(make_certs(), 0);
  s = start_server(certs.server, certs.server_key, TLSSRV_RESPOND_CLOSE);
  ASSERT_NOT_NULL(s);
  trusting_config(&cfg);
  ASSERT_EQ(open_client(&c, &cfg, NULL, tlsserver_port(s), "localhost"),
            FERRYE_OK);
  ASSERT_EQ(request_roundtrip(&c), 0);
  ASSERT_EQ(read_to_end(&c, &closed), FERRYE_OK);
  ASSERT_EQ(closed, FERRY__TLS_CLOSE_EOF);
  close_client(&c);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(tls_client_close_notify_reaches_server) {
  ferry__tls_config cfg;
  tlsserver *s;
  tclient c;
  size_t n;

  ASSERT_EQ(make_certs(), 0);
  s = start_server(certs.server, certs.server_key, TLSSRV_RESPOND);
  ASSERT_NOT_NULL(s);
  trusting_config(&cfg);
  ASSERT_EQ(open_client(&c, &cfg, NULL, tlsserver_port(s), "localhost"),
            FERRYE_OK);
  ferry__tls_close_notify(c.t);
  ferry__tls_pending_out(c.t, &n);
  ASSERT_GE(n, 5);
  ASSERT_EQ(pump_flush(&c), 0);
  ferry__tls_close_notify(c.t); /* only once */
  ferry__tls_pending_out(c.t, &n);
  ASSERT_EQ(n, 0);
  ASSERT_EQ(tlsserver_wait(s, TLSSRV_CLOSE_NOTIFY_RECEIVED, 1, WAIT_MS), 0);
  close_client(&c);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

/* -- tests: sessions and keys ------------------------------------------------------------ */

static int session_resumes(int tickets) {
  tlsserver_config scfg;
  ferry__tls_config cfg;
  ferry__tls_sessions *sessions;
  ferry__tls_ctx *ctx;
  char err[FERRY_ERROR_SIZE];
  tlsserver *s;
  tclient c;

  memset(&scfg, 0, sizeof(scfg));
  scfg.cert = certs.server;
  scfg.key = certs.server_key;
  scfg.tickets = tickets;
  s = tlsserver_start(&scfg);
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(ferry__tls_sessions_new(&sessions, 4), FERRYE_OK);
  trusting_config(&cfg);
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)), FERRYE_OK);

  ASSERT_EQ(open_with_ctx(&c, ctx, sessions, tlsserver_port(s), "localhost"),
            FERRYE_OK);
  ASSERT_EQ(ferry__tls_resumed(c.t), 0);
  ASSERT_EQ(request_roundtrip(&c), 0); /* a ticket arrives before this */
  close_client_notify(&c);
  ASSERT_EQ(ferry__tls_sessions_count(sessions), 1);

  ASSERT_EQ(open_with_ctx(&c, ctx, sessions, tlsserver_port(s), "localhost"),
            FERRYE_OK);
  ASSERT_EQ(ferry__tls_resumed(c.t), 1);
  ASSERT_EQ(ferry__tls_verify_result(c.t), 0);
  ASSERT_EQ(request_roundtrip(&c), 0);
  close_client_notify(&c);
  ASSERT_EQ(tlsserver_wait(s, TLSSRV_RESUMED, 1, WAIT_MS), 0);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_HANDSHAKES), 2);
  ASSERT_EQ(ferry__tls_sessions_count(sessions), 1);

  ferry__tls_ctx_free(ctx);
  ferry__tls_sessions_free(sessions);
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(tls_session_is_resumed_on_second_connection) {
  ASSERT_EQ(make_certs(), 0);
  ASSERT_EQ(session_resumes(0), 0);
  return 0;
}

TEST_IMPL(tls_session_ticket_is_resumed_on_second_connection) {
  ASSERT_EQ(make_certs(), 0);
  ASSERT_EQ(session_resumes(1), 0);
  return 0;
}

TEST_IMPL(tls_no_session_is_cached_after_failed_verification) {
  ferry__tls_sessions *sessions;
  ferry__tls_config cfg;
  tlsserver *s;
  tclient c;

  ASSERT_EQ(make_certs(), 0);
  ASSERT_EQ(ferry__tls_sessions_new(&sessions, 4), FERRYE_OK);
  trusting_config(&cfg);

  s = start_server(certs.expired, certs.expired_key, TLSSRV_RESPOND);
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(open_client(&c, &cfg, sessions, tlsserver_port(s), "localhost"),
            FERRYE_PEER_FAILED_VERIFICATION);
  close_client(&c);
  ASSERT_EQ(ferry__tls_sessions_count(sessions), 0);
  ASSERT_EQ(tlsserver_stop(s), 0);

  /* A pin mismatch is found after mbedTLS completed the handshake: still
   * nothing is stored. */
  s = start_server(certs.server, certs.server_key, TLSSRV_RESPOND);
  ASSERT_NOT_NULL(s);
  cfg.pinned_pubkey = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  ASSERT_EQ(open_client(&c, &cfg, sessions, tlsserver_port(s), "localhost"),
            FERRYE_SSL_PINNEDPUBKEYNOTMATCH);
  close_client(&c);
  ASSERT_EQ(ferry__tls_sessions_count(sessions), 0);
  ASSERT_EQ(tlsserver_stop(s), 0);
  ferry__tls_sessions_free(sessions);
  return 0;
}

TEST_IMPL(tls_session_is_not_reused_across_configs_or_hosts) {
  ferry__tls_sessions *sessions;
  ferry__tls_config cfg, loose;
  tlsserver *s;
  tclient c;

  ASSERT_EQ(make_certs(), 0);
  ASSERT_EQ(ferry__tls_sessions_new(&sessions, 8), FERRYE_OK);
  s = start_server(certs.server, certs.server_key, TLSSRV_RESPOND);
  ASSERT_NOT_NULL(s);
  trusting_config(&cfg);
  ASSERT_EQ(open_client(&c, &cfg, sessions, tlsserver_port(s), "localhost"),
            FERRYE_OK);
  close_client_notify(&c);
  ASSERT_EQ(ferry__tls_sessions_count(sessions), 1);

  /* other verification settings: a full handshake */
  loose = cfg;
  loose.verify_host = 0;
  ASSERT_EQ(open_client(&c, &loose, sessions, tlsserver_port(s), "localhost"),
            FERRYE_OK);
  ASSERT_EQ(ferry__tls_resumed(c.t), 0);
  close_client_notify(&c);
  loose = cfg;
  loose.verify_peer = 0;
  ASSERT_EQ(open_client(&c, &loose, sessions, tlsserver_port(s), "localhost"),
            FERRYE_OK);
  ASSERT_EQ(ferry__tls_resumed(c.t), 0);
  close_client_notify(&c);
  /* another host name for the same server: a full handshake */
  ASSERT_EQ(open_client(&c, &cfg, sessions, tlsserver_port(s), "127.0.0.1"),
            FERRYE_OK);
  ASSERT_EQ(ferry__tls_resumed(c.t), 0);
  close_client_notify(&c);
  ASSERT_EQ(ferry__tls_sessions_count(sessions), 4);
  /* and the first one still resumes, from a new but equal context */
  ASSERT_EQ(open_client(&c, &cfg, sessions, tlsserver_port(s), "localhost"),
            FERRYE_OK);
  ASSERT_EQ(ferry__tls_resumed(c.t), 1);
  close_client_notify(&c);

  ASSERT_EQ(tlsserver_wait(s, TLSSRV_HANDSHAKES, 5, WAIT_MS), 0);
  ASSERT_EQ(tlsserver_get(s, TLSSRV_RESUMED), 1);
  ASSERT_EQ(tlsserver_stop(s), 0);
  ferry__tls_sessions_free(sessions);
  return 0;
}

TEST_IMPL(tls_session_cache_keeps_most_recent_within_its_size) {
  ferry__tls_sessions *sessions;
  ferry__tls_config cfg;
  tlsserver *s;
  tclient c;

  ASSERT_EQ(make_certs(), 0);
  ASSERT_EQ(ferry__tls_sessions_new(&sessions, 2), FERRYE_OK);
  s = start_server(certs.server, certs.server_key, TLSSRV_RESPOND);
  ASSERT_NOT_NULL(s);
  trusting_config(&cfg);
  ASSERT_EQ(open_client(&c, &cfg, sessions, tlsserver_port(s), "localhost"),
            FERRYE_OK);
  close_client_notify(&c);
  ASSERT_EQ(open_client(&c, &cfg, sessions, tlsserver_port(s), "127.0.0.1"),
            FERRYE_OK);
  close_client_notify(&c);
  ASSERT_EQ(open_client(&c, &cfg, sessions, tlsserver_port(s), "::1"),
            FERRYE_OK);
  close_client_notify(&c);
  ASSERT_EQ(ferry__tls_sessions_count(sessions), 2);
  /* "localhost" was the least recently used: dropped */
  ASSERT_EQ(open_client(&c, &cfg, sessions, tlsserver_port(s), "localhost"),
            FERRYE_OK);
  ASSERT_EQ(ferry__tls_resumed(c.t), 0);
  close_client_notify(&c);
  ASSERT_EQ(open_client(&c, &cfg, sessions, tlsserver_port(s), "::1"),
            FERRYE_OK);
  ASSERT_EQ(ferry__tls_resumed(c.t), 1);
  close_client_notify(&c);
  ASSERT_EQ(tlsserver_stop(s), 0);
  ferry__tls_sessions_free(sessions);

  /* size 0 stores nothing */
  ASSERT_EQ(ferry__tls_sessions_new(&sessions, 0), FERRYE_OK);
  ASSERT_EQ(ferry__tls_sessions_count(sessions), 0);
  ferry__tls_sessions_free(sessions);
  return 0;
}

TEST_IMPL(tls_verified_chain_is_remembered_but_stands_in_for_neither_key_nor_name) {
  ferry__tls_config cfg;
  ferry__tls_ctx *ctx;
  tlsserver *s, *impostor;
  tclient c;
  char err[FERRY_ERROR_SIZE];

  ASSERT_EQ(make_certs(), 0);
  trusting_config(&cfg);
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err)), FERRYE_OK);
  s = start_server(certs.server, certs.server_key, TLSSRV_RESPOND);
  ASSERT_NOT_NULL(s);
  /* no session cache: every handshake is a full one */
  ASSERT_EQ(open_with_ctx(&c, ctx, NULL, tlsserver_port(s), "localhost"),
            FERRYE_OK);
  ASSERT_EQ(ferry__tls_chain_cached(c.t), 0);
  ASSERT_EQ(request_roundtrip(&c), 0);
  close_client_notify(&c);
  ASSERT_EQ(open_with_ctx(&c, ctx, NULL, tlsserver_port(s), "localhost"),
            FERRYE_OK);
  ASSERT_EQ(ferry__tls_chain_cached(c.t), 1);
  ASSERT_EQ(ferry__tls_verify_result(c.t), 0);
  ASSERT_EQ(request_roundtrip(&c), 0);
  close_client_notify(&c);
  ASSERT_EQ(ferry__tls_ctx_verified_hits(ctx), 1);
  /* another name is another verification (the certificate names both) */
  ASSERT_EQ(open_with_ctx(&c, ctx, NULL, tlsserver_port(s), "127.0.0.1"),
            FERRYE_OK);
  ASSERT_EQ(ferry__tls_chain_cached(c.t), 0);
  close_client_notify(&c);
  /* ... and a name the certificate does not carry still fails */
  ASSERT_EQ(open_with_ctx(&c, ctx, NULL, tlsserver_port(s), "wrong.example"),
            FERRYE_PEER_FAILED_VERIFICATION);
  ASSERT_CONTAINS(c.err, "SSL certificate problem");
  close_client(&c);
  ASSERT_EQ(ferry__tls_ctx_verified_hits(ctx), 1);
  ASSERT_EQ(tlsserver_stop(s), 0);

  /* a server that shows the remembered chain without its key: the chain
   * is found verified, and the handshake fails all the same, on the
   * ServerKeyExchange signature */
  impostor = start_server(certs.server, certs.wrong_name_key, TLSSRV_RESPOND);
  ASSERT_NOT_NULL(impostor);
  ASSERT_EQ(open_with_ctx(&c, ctx, NULL, tlsserver_port(impostor), "localhost"),
            FERRYE_SSL_CONNECT_ERROR);
  close_client(&c);
  ASSERT_EQ(ferry__tls_ctx_verified_hits(ctx), 2);
  ASSERT_EQ(tlsserver_get(impostor, TLSSRV_HANDSHAKES), 0);
  ASSERT_EQ(tlsserver_stop(impostor), 0);
  ferry__tls_ctx_free(ctx);
  return 0;
}

TEST_IMPL(tls_config_key_differs_when_verify_settings_differ) {
  static const char *const alpn1[] = {"http/1.1", NULL};
  static const char *const alpn2[] = {"h2", "http/1.1", NULL};
  enum { N = 19 };
  ferry__tls_config base, v[N];
  char keys[N][FERRY__TLS_KEY_LEN + 1], again[FERRY__TLS_KEY_LEN + 1];
  char err[FERRY_ERROR_SIZE];
  ferry__tls_ctx *ctx;

  ferry__tls_config_init(&base);
  base.cainfo = "/etc/ssl/certs/ca-certificates.crt";
  for (int i = 0; i < N; i++)
    v[i] = base;
  v[1].verify_peer = 0;
  v[2].verify_host = 0;
  v[3].cainfo = "/tmp/other.pem";
  v[4].capath = "/etc/ssl/certs";
  v[5].cainfo_blob = "x";
  v[5].cainfo_blob_len = 1;
  v[6].cainfo_blob = "y";
  v[6].cainfo_blob_len = 1;
  v[7].client_cert = "/tmp/client.pem";
  v[8].client_key = "/tmp/client.key";
  v[9].key_passwd = "secret";
  v[10].client_cert_blob = "c";
  v[10].client_cert_blob_len = 1;
  v[11].client_key_blob = "k";
  v[11].client_key_blob_len = 1;
  v[12].pinned_pubkey = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  v[13].cipher_list = "ECDHE-ECDSA-AES128-GCM-SHA256";
  v[14].ssl_version = FERRY_SSLVERSION_TLSv1_2 | FERRY_SSLVERSION_MAX_TLSv1_2;
  v[15].alpn = alpn1;
  v[16].alpn = alpn2;
  v[17].cainfo = NULL; /* the default bundle, by name NULL */
  v[18].ec_curves = "X25519";
  for (int i = 0; i < N; i++)
    ferry__tls_config_key(&v[i], keys[i]);
  for (int i = 0; i < N; i++) {
    ASSERT_EQ(strlen(keys[i]), FERRY__TLS_KEY_LEN);
    for (int j = i + 1; j < N; j++)
      if (strcmp(keys[i], keys[j]) == 0)
        TEST_FAIL_("configs %d and %d have the same key", i, j);
  }
  /* a verify_host of 1 acts as 2, and equal configs give equal keys */
  base.verify_host = 1;
  ferry__tls_config_key(&base, again);
  ASSERT_STR_EQ(again, keys[0]);
  /* a context carries its configuration's key */
  ASSERT_EQ(make_certs(), 0);
  trusting_config(&base);
  ASSERT_EQ(ferry__tls_ctx_new(&ctx, &base, err, sizeof(err)), FERRYE_OK);
  ferry__tls_config_key(&base, again);
  ASSERT_STR_EQ(ferry__tls_ctx_key(ctx), again);
  ferry__tls_ctx_free(ctx);
  return 0;
}

/* -- tests: allocation failure ------------------------------------------------------ */

static long oom_count, oom_fail_at, oom_failures;

static int oom_should_fail(void) {
  oom_count++;
  if (oom_fail_at && oom_count == oom_fail_at) {
    oom_failures++;
    return 1;
  }
  return 0;
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

/* A context, a session cache and two connections (the second resumes),
 * each with a request. */
static ferry_code oom_scenario(int port) {
  static const char *const alpn[] = {"http/1.1", NULL};
  ferry__tls_sessions *sessions;
  ferry__tls_config cfg;
  ferry__tls_ctx *ctx;
  char err[FERRY_ERROR_SIZE];
  ferry_code rc;
  tclient c;

  rc = ferry__tls_sessions_new(&sessions, 4);
  if (rc != FERRYE_OK)
    return rc;
  trusting_config(&cfg);
  cfg.alpn = alpn;
  cfg.cipher_list = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384";
  cfg.pinned_pubkey = certs.server_pin;
  rc = ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err));
  if (rc != FERRYE_OK) {
    ferry__tls_sessions_free(sessions);
    return rc;
  }
  for (int i = 0; i < 2 && rc == FERRYE_OK; i++) {
    rc = open_with_ctx(&c, ctx, sessions, port, "localhost");
    if (rc == FERRYE_OK)
      rc = roundtrip(&c);
    close_client_notify(&c);
  }
  ferry__tls_ctx_free(ctx);
  ferry__tls_sessions_free(sessions);
  return rc;
}

TEST_IMPL(tls_each_failed_allocation_is_out_of_memory_or_harmless) {
  tlsserver *s;
  long total, oom_results = 0;
  ferry_code rc;

  ASSERT_EQ(make_certs(), 0);
  s = start_server(certs.server, certs.server_key, TLSSRV_RESPOND);
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(ferry_global_init_mem(FERRY_GLOBAL_ALL, oom_malloc, oom_free,
                                  oom_realloc, oom_strdup, oom_calloc),
            FERRYE_OK);
  oom_count = oom_fail_at = 0;
  ASSERT_EQ(oom_scenario(tlsserver_port(s)), FERRYE_OK);
  total = oom_count;
  ASSERT_GE(total, 10);
  for (long i = 1; i <= total; i++) {
    oom_count = 0;
    oom_fail_at = i;
    oom_failures = 0;
    rc = oom_scenario(tlsserver_port(s));
    /* A lost session (the cache's copy) only costs the resumption. */
    if (rc != FERRYE_OK && rc != FERRYE_OUT_OF_MEMORY)
      TEST_FAIL_("failing allocation %ld of %ld gave %d", i, total, (int)rc);
    ASSERT_EQ(oom_failures, 1);
    oom_results += rc == FERRYE_OUT_OF_MEMORY;
  }
  oom_fail_at = 0;
  ASSERT_GE(oom_results * 2, total);
  ferry_global_cleanup();
  ASSERT_EQ(tlsserver_stop(s), 0);
  return 0;
}

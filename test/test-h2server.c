/* Tests of the scripted HTTP/2 server itself (h2server.h), driven from the
 * test thread by a small client on nghttp2's client session over a
 * blocking socket (TLS through mbedTLS), and once by h2load. */
#include "certs.h"
#include "h2server.h"
#include "proc.h"
#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

/* No wait in these tests may last longer than this. */
#define WAIT_MS 10000
/* libuv timers run on a coarse millisecond clock */
#define TIMER_SLACK_MS 5

/* -- a small HTTP/2 client ------------------------------------------------------ */

#define MAX_FRAMES_KEPT 256

typedef struct cstream {
  int32_t id;
  int pushed;
  int32_t parent;
  char push_path[256];
  int block_status; /* :status of the HEADERS block being read */
  int have_final;
  int status;       /* the final status */
  int info[8];      /* 1xx statuses, in order */
  int ninfo;
  char headers[8192]; /* the final block, "name: value\n" each */
  char trailers[1024];
  char *body;
  size_t body_len, body_cap;
  size_t data_frames;
  uint32_t frame_len[MAX_FRAMES_KEPT];
  int ended; /* END_STREAM received */
  int closed;
  uint32_t close_code;
  int rst; /* RST_STREAM received */
  uint32_t rst_code;
  /* upload */
  const char *up;
  size_t up_len, up_off;
  const char *up_trailer_name, *up_trailer_value;
} cstream;

typedef struct client {
  int fd;
  int tls;
  mbedtls_net_context net;
  mbedtls_ssl_context ssl;
  mbedtls_ssl_config conf;
  mbedtls_x509_crt ca;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  nghttp2_session *session;
  cstream **streams;
  size_t nstreams;
  unsigned frames[16]; /* frames received, by type */
  int settings_received;
  nghttp2_settings_entry settings[16]; /* the server's first SETTINGS */
  size_t nsettings;
  int goaway;
  uint32_t goaway_last, goaway_code;
  char goaway_debug[64];
  unsigned pings;
  unsigned closed_streams;
  int eof, io_error, session_error;
  char *pending; /* bytes read past an HTTP/1.1 response head */
  size_t pending_len;
} client;

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

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void *xrealloc_or_die(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (p == NULL)
    abort();
  return p;
}

static cstream *client_stream(client *c, int32_t id) {
  for (size_t i = 0; i < c->nstreams; i++)
    if (c->streams[i]->id == id)
      return c->streams[i];
  return NULL;
}

static cstream *client_add_stream(client *c, int32_t id) {
  cstream *st = calloc(1, sizeof(*st));
  if (st == NULL)
    abort();
  st->id = id;
  c->streams = xrealloc_or_die(c->streams, (c->nstreams + 1) * sizeof(st));
  c->streams[c->nstreams++] = st;
  return st;
}

static void append_field(char *dst, size_t cap, const uint8_t *name,
                         size_t namelen, const uint8_t *value,
                         size_t valuelen) {
  size_t len = strlen(dst);
  snprintf(dst + len, cap - len, "%.*s: %.*s\n", (int)namelen,
           (const char *)name, (int)valuelen, (const char *)value);
}

static int cl_on_begin_headers(nghttp2_session *session,
                               const nghttp2_frame *frame, void *user_data) {
  client *c = user_data;
  cstream *st;
  (void)session;
  if (frame->hd.type == NGHTTP2_PUSH_PROMISE) {
    st = client_add_stream(c, frame->push_promise.promised_stream_id);
    st->pushed = 1;
    st->parent = frame->hd.stream_id;
    return 0;
  }
  st = client_stream(c, frame->hd.stream_id);
  if (st != NULL)
    st->block_status = 0;
  return 0;
}

static int cl_on_header(nghttp2_session *session, const nghttp2_frame *frame,
                        const uint8_t *name, size_t namelen,
                        const uint8_t *value, size_t valuelen, uint8_t flags,
                        void *user_data) {
  client *c = user_data;
  cstream *st;
  (void)session;
  (void)flags;
  if (frame->hd.type == NGHTTP2_PUSH_PROMISE) {
    st = client_stream(c, frame->push_promise.promised_stream_id);
    if (st != NULL && namelen == 5 && memcmp(name, ":path", 5) == 0)
      snprintf(st->push_path, sizeof(st->push_path), "%.*s", (int)valuelen,
               (const char *)value);
    return 0;
  }
  st = client_stream(c, frame->hd.stream_id);
  if (st == NULL)
    return 0;
  if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
    char v[16];
    snprintf(v, sizeof(v), "%.*s", (int)valuelen, (const char *)value);
    st->block_status = atoi(v);
  }
  if (st->block_status >= 100 && st->block_status < 200)
    return 0;
  if (!st->have_final)
    append_field(st->headers, sizeof(st->headers), name, namelen, value,
                 valuelen);
  else
    append_field(st->trailers, sizeof(st->trailers), name, namelen, value,
                 valuelen);
  return 0;
}

static int cl_on_frame_recv(nghttp2_session *session,
                            const nghttp2_frame *frame, void *user_data) {
  client *c = user_data;
  cstream *st = client_stream(c, frame->hd.stream_id);
  (void)session;

  if (frame->hd.type < 16)
    c->frames[frame->hd.type]++;
  switch (frame->hd.type) {
  case NGHTTP2_HEADERS:
    if (st == NULL)
      break;
    if (st->block_status >= 100 && st->block_status < 200) {
      if (st->ninfo < 8)
        st->info[st->ninfo++] = st->block_status;
    } else if (!st->have_final) {
      st->have_final = 1;
      st->status = st->block_status;
    }
    if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)
      st->ended = 1;
    break;
  case NGHTTP2_DATA:
    if (st == NULL)
      break;
    if (st->data_frames < MAX_FRAMES_KEPT)
      st->frame_len[st->data_frames] = (uint32_t)frame->hd.length;
    st->data_frames++;
    if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)
      st->ended = 1;
    break;
  case NGHTTP2_SETTINGS:
    if (!(frame->hd.flags & NGHTTP2_FLAG_ACK) && !c->settings_received) {
      c->settings_received = 1;
      c->nsettings = frame->settings.niv < 16 ? frame->settings.niv : 16;
      if (c->nsettings > 0)
        memcpy(c->settings, frame->settings.iv,
               c->nsettings * sizeof(*c->settings));
    }
    break;
  case NGHTTP2_GOAWAY:
    c->goaway = 1;
    c->goaway_last = (uint32_t)frame->goaway.last_stream_id;
    c->goaway_code = frame->goaway.error_code;
    snprintf(c->goaway_debug, sizeof(c->goaway_debug), "%.*s",
             (int)frame->goaway.opaque_data_len,
             (const char *)frame->goaway.opaque_data);
    break;
  case NGHTTP2_PING:
    if (!(frame->hd.flags & NGHTTP2_FLAG_ACK))
      c->pings++;
    break;
  case NGHTTP2_RST_STREAM:
    if (st != NULL) {
      st->rst = 1;
      st->rst_code = frame->rst_stream.error_code;
    }
    break;
  default:
    break;
  }
  return 0;
}

static int cl_on_data(nghttp2_session *session, uint8_t flags,
                      int32_t stream_id, const uint8_t *data, size_t len,
                      void *user_data) {
  cstream *st = client_stream(user_data, stream_id);
  (void)session;
  (void)flags;
  if (st == NULL)
    return 0;
  if (st->body_len + len + 1 > st->body_cap) {
    st->body_cap = (st->body_len + len + 1) * 2;
    st->body = xrealloc_or_die(st->body, st->body_cap);
  }
  memcpy(st->body + st->body_len, data, len);
  st->body_len += len;
  st->body[st->body_len] = '\0';
  return 0;
}

static int cl_on_stream_close(nghttp2_session *session, int32_t stream_id,
                              uint32_t error_code, void *user_data) {
  client *c = user_data;
  cstream *st = client_stream(c, stream_id);
  (void)session;
  if (st != NULL && !st->closed) {
    st->closed = 1;
    st->close_code = error_code;
    c->closed_streams++;
  }
  return 0;
}

static ssize_t cl_upload_read(nghttp2_session *session, int32_t stream_id,
                              uint8_t *buf, size_t length,
                              uint32_t *data_flags,
                              nghttp2_data_source *source, void *user_data) {
  cstream *st = source->ptr;
  size_t n = st->up_len - st->up_off;
  (void)user_data;
  if (n > length)
    n = length;
  if (n > 0)
    memcpy(buf, st->up + st->up_off, n);
  st->up_off += n;
  if (st->up_off == st->up_len) {
    *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    if (st->up_trailer_name != NULL) {
      nghttp2_nv nv = {(uint8_t *)st->up_trailer_name,
                       (uint8_t *)st->up_trailer_value,
                       strlen(st->up_trailer_name),
                       strlen(st->up_trailer_value), NGHTTP2_NV_FLAG_NONE};
      *data_flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
      nghttp2_submit_trailer(session, stream_id, &nv, 1);
    }
  }
  return (ssize_t)n;
}

static int client_connect(client *c, int port) {
  struct sockaddr_in addr;
  struct timeval tv = {WAIT_MS / 1000, 0};
  int one = 1;

  memset(c, 0, sizeof(*c));
  c->fd = socket(AF_INET, SOCK_STREAM, 0);
  if (c->fd < 0)
    return -1;
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(c->fd, (struct sockaddr *)&addr, sizeof(addr)) != 0)
    return -1;
  setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return 0;
}

/* A TLS handshake trusting the test CA, offering alpn (NULL: no ALPN). */
static int client_tls(client *c, const char **alpn) {
  static const char pers[] = "h2server test client";
  int ret;

  c->tls = 1;
  c->net.fd = c->fd;
  mbedtls_ssl_init(&c->ssl);
  mbedtls_ssl_config_init(&c->conf);
  mbedtls_x509_crt_init(&c->ca);
  mbedtls_entropy_init(&c->entropy);
  mbedtls_ctr_drbg_init(&c->drbg);
  if (mbedtls_ctr_drbg_seed(&c->drbg, mbedtls_entropy_func, &c->entropy,
                            (const unsigned char *)pers, sizeof(pers) - 1) ||
      mbedtls_x509_crt_parse_file(&c->ca, certs.ca) ||
      mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT,
                                  MBEDTLS_SSL_TRANSPORT_STREAM,
                                  MBEDTLS_SSL_PRESET_DEFAULT))
    return -1;
  mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, &c->drbg);
  mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
  mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  if (alpn != NULL && mbedtls_ssl_conf_alpn_protocols(&c->conf, alpn) != 0)
    return -1;
  if (mbedtls_ssl_setup(&c->ssl, &c->conf) != 0 ||
      mbedtls_ssl_set_hostname(&c->ssl, "localhost") != 0)
    return -1;
  mbedtls_ssl_set_bio(&c->ssl, &c->net, mbedtls_net_send, mbedtls_net_recv,
                      NULL);
  do
    ret = mbedtls_ssl_handshake(&c->ssl);
  while (ret == MBEDTLS_ERR_SSL_WANT_READ ||
         ret == MBEDTLS_ERR_SSL_WANT_WRITE);
  if (ret != 0)
    fprintf(stderr, "  client handshake: -0x%04x\n", (unsigned)-ret);
  return ret == 0 ? 0 : -1;
}

static int client_send_raw(client *c, const void *data, size_t len) {
  const unsigned char *p = data;
  while (len > 0) {
    ssize_t n;
    if (c->tls) {
      n = mbedtls_ssl_write(&c->ssl, p, len);
      if (n == MBEDTLS_ERR_SSL_WANT_WRITE || n == MBEDTLS_ERR_SSL_WANT_READ)
        continue;
    } else {
      n = send(c->fd, p, len, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
    }
    if (n <= 0) {
      c->io_error = 1;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Read what is there: > 0 bytes, 0 at EOF, -1 on an error. */
static ssize_t client_recv_raw(client *c, void *buf, size_t len) {
  ssize_t n;
  if (c->tls) {
    do
      n = mbedtls_ssl_read(&c->ssl, buf, len);
    while (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE);
    if (n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
      return 0;
    return n < 0 ? -1 : n;
  }
  do
    n = recv(c->fd, buf, len, 0);
  while (n < 0 && errno == EINTR);
  return n;
}

static void client_callbacks(nghttp2_session_callbacks **cb) {
  if (nghttp2_session_callbacks_new(cb) != 0)
    abort();
  nghttp2_session_callbacks_set_on_begin_headers_callback(*cb,
                                                          cl_on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(*cb, cl_on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(*cb, cl_on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(*cb, cl_on_data);
  nghttp2_session_callbacks_set_on_stream_close_callback(*cb,
                                                         cl_on_stream_close);
}

/* A client session; submits iv as its SETTINGS unless upgrading. */
static int client_session(client *c, const nghttp2_settings_entry *iv,
                          size_t niv, int no_http_messaging) {
  nghttp2_session_callbacks *cb;
  nghttp2_option *opt;
  int rv;

  client_callbacks(&cb);
  if (nghttp2_option_new(&opt) != 0)
    abort();
  if (no_http_messaging)
    nghttp2_option_set_no_http_messaging(opt, 1);
  rv = nghttp2_session_client_new2(&c->session, cb, c, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cb);
  if (rv != 0)
    return -1;
  return nghttp2_submit_settings(c->session, NGHTTP2_FLAG_NONE, iv, niv);
}

static int client_flush(client *c) {
  for (;;) {
    const uint8_t *data;
    ssize_t n = nghttp2_session_mem_send(c->session, &data);
    if (n < 0) {
      c->session_error = (int)n;
      return -1;
    }
    if (n == 0)
      return 0;
    if (client_send_raw(c, data, (size_t)n) != 0)
      return -1;
  }
}

/* Feed bytes to the session; 0 or -1 (session_error set). */
static int client_feed(client *c, const void *data, size_t len) {
  ssize_t r = nghttp2_session_mem_recv(c->session, data, len);
  if (r < 0) {
    c->session_error = (int)r;
    return -1;
  }
  return 0;
}

/* Send what the session has, then wait up to timeout_ms for input and
 * feed it. Returns -1 once the connection is over (EOF, error). */
static int client_step(client *c, int timeout_ms) {
  uint8_t buf[65536];
  ssize_t n;
  struct pollfd pfd = {c->fd, POLLIN, 0};

  if (c->eof || c->io_error || c->session_error)
    return -1;
  if (client_flush(c) != 0)
    return -1;
  if (!(c->tls && (mbedtls_ssl_get_bytes_avail(&c->ssl) > 0 ||
                   mbedtls_ssl_check_pending(&c->ssl))) &&
      poll(&pfd, 1, timeout_ms) <= 0)
    return 0;
  n = client_recv_raw(c, buf, sizeof(buf));
  if (n == 0) {
    c->eof = 1;
    return -1;
  }
  if (n < 0) {
    c->io_error = 1;
    return -1;
  }
  if (client_feed(c, buf, (size_t)n) != 0)
    return -1;
  return client_flush(c);
}

typedef int client_done_fn(client *c, void *arg);

/* Run until done(c, arg) or timeout_ms; 0 if done. */
static int client_run(client *c, client_done_fn *done, void *arg,
                      unsigned timeout_ms) {
  uint64_t deadline = now_ms() + timeout_ms;
  for (;;) {
    uint64_t now;
    if (done(c, arg))
      return 0;
    now = now_ms();
    if (now >= deadline)
      return -1;
    if (client_step(c, (int)(deadline - now < 50 ? deadline - now : 50)) != 0)
      return done(c, arg) ? 0 : -1;
  }
}

static int never(client *c, void *arg) {
  (void)c;
  (void)arg;
  return 0;
}

/* Exchange frames for ms milliseconds. */
static void client_run_for(client *c, unsigned ms) {
  client_run(c, never, NULL, ms);
}

static int stream_is_closed(client *c, void *arg) {
  (void)c;
  return ((cstream *)arg)->closed;
}

static int all_closed(client *c, void *arg) {
  size_t want = arg ? *(size_t *)arg : c->nstreams;
  return c->closed_streams >= want;
}

static int settings_in(client *c, void *arg) {
  (void)arg;
  return c->settings_received;
}

static int connection_over(client *c, void *arg) {
  (void)arg;
  return c->eof || c->io_error;
}

static int goaway_in(client *c, void *arg) {
  (void)arg;
  return c->goaway;
}

/* Submit a request: NULL-terminated name/value pairs in extra go after the
 * pseudo-headers, exactly (they must live until the request is sent: use
 * string literals). With body (and its length) it uploads; body must
 * live until the upload is done. */
static cstream *client_request(client *c, int port, const char *method,
                               const char *path, const char *const *extra,
                               const char *body, size_t body_len) {
  char authority[64];
  nghttp2_nv nva[24];
  size_t n = 0;
  nghttp2_data_provider prd;
  cstream *st;
  int32_t id;

#define NV(name_, value_)                                                      \
  nva[n++] = (nghttp2_nv){(uint8_t *)(name_), (uint8_t *)(value_),             \
                          strlen(name_), strlen(value_), NGHTTP2_NV_FLAG_NONE}
  snprintf(authority, sizeof(authority), "127.0.0.1:%d", port);
  NV(":method", method);
  NV(":scheme", c->tls ? "https" : "http");
  NV(":authority", authority);
  NV(":path", path);
  /* extra names go as given (no copy: no lower-casing) */
  for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 22; i += 2) {
    NV(extra[i], extra[i + 1]);
    nva[n - 1].flags =
        NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE;
  }
#undef NV
  st = client_add_stream(c, 0);
  st->up = body;
  st->up_len = body_len;
  prd.source.ptr = st;
  prd.read_callback = cl_upload_read;
  id = nghttp2_submit_request(c->session, NULL, nva, n,
                              body != NULL ? &prd : NULL, st);
  if (id < 0) {
    fprintf(stderr, "  submit_request: %s\n", nghttp2_strerror(id));
    return NULL;
  }
  st->id = id;
  return st;
}

static cstream *client_get(client *c, int port, const char *path) {
  return client_request(c, port, "GET", path, NULL, NULL, 0);
}

static void client_free(client *c) {
  if (c->session != NULL)
    nghttp2_session_del(c->session);
  for (size_t i = 0; i < c->nstreams; i++) {
    free(c->streams[i]->body);
    free(c->streams[i]);
  }
  free(c->streams);
  free(c->pending);
  if (c->tls) {
    mbedtls_ssl_free(&c->ssl);
    mbedtls_ssl_config_free(&c->conf);
    mbedtls_x509_crt_free(&c->ca);
    mbedtls_ctr_drbg_free(&c->drbg);
    mbedtls_entropy_free(&c->entropy);
  }
  if (c->fd >= 0)
    close(c->fd);
  memset(c, 0, sizeof(*c));
  c->fd = -1;
}

/* Connect over cleartext, start a session, and wait for the server's
 * SETTINGS (so requests are made knowing its limits). */
static int client_start(client *c, int port, const nghttp2_settings_entry *iv,
                        size_t niv) {
  if (client_connect(c, port) != 0 || client_session(c, iv, niv, 0) != 0)
    return -1;
  return client_run(c, settings_in, NULL, WAIT_MS);
}

/* Read an HTTP/1.1 response head (to the blank line) into head; what
 * follows it is kept in c->pending. Returns the head length or -1. */
static ssize_t client_read_head(client *c, char *head, size_t cap) {
  size_t len = 0;
  for (;;) {
    char *end;
    ssize_t n;
    head[len] = '\0';
    end = strstr(head, "\r\n\r\n");
    if (end != NULL) {
      size_t head_len = (size_t)(end + 4 - head);
      c->pending_len = len - head_len;
      c->pending = xrealloc_or_die(NULL, c->pending_len + 1);
      memcpy(c->pending, head + head_len, c->pending_len);
      head[head_len] = '\0';
      return (ssize_t)head_len;
    }
    if (len + 1 >= cap)
      return -1;
    n = client_recv_raw(c, head + len, cap - 1 - len);
    if (n <= 0)
      return -1;
    len += (size_t)n;
  }
}

/* Read until the peer closes or count bytes arrived. */
static size_t client_read_n(client *c, char *buf, size_t count) {
  size_t got = 0;
  while (got < count) {
    ssize_t n = client_recv_raw(c, buf + got, count - got);
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  return got;
}

static void base64url(const uint8_t *p, size_t n, char *out) {
  static const char abc[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  uint32_t acc = 0;
  unsigned bits = 0;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    acc = (acc << 8) | p[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out[k++] = abc[(acc >> bits) & 63];
    }
  }
  if (bits > 0)
    out[k++] = abc[(acc << (6 - bits)) & 63];
  out[k] = '\0';
}

/* Send an HTTP/1.1 GET with Upgrade: h2c and HTTP2-Settings for iv. */
static int client_send_upgrade(client *c, int port, const char *path,
                               const nghttp2_settings_entry *iv, size_t niv,
                               uint8_t *payload, size_t *payload_len) {
  char b64[128], req[512];
  ssize_t n = nghttp2_pack_settings_payload(payload, 64, iv, niv);
  if (n < 0)
    return -1;
  *payload_len = (size_t)n;
  base64url(payload, (size_t)n, b64);
  snprintf(req, sizeof(req),
           "GET %s HTTP/1.1\r\n"
           "Host: 127.0.0.1:%d\r\n"
           "Connection: Upgrade, HTTP2-Settings\r\n"
           "Upgrade: h2c\r\n"
           "HTTP2-Settings: %s\r\n"
           "\r\n",
           path, port, b64);
  return client_send_raw(c, req, strlen(req));
}

/* -- helpers for assertions ------------------------------------------------------ */

static const h2server_frame *nth_frame_of_type(const h2server_frame *f,
                                               size_t n, uint8_t type,
                                               size_t k) {
  for (size_t i = 0; i < n; i++)
    if (f[i].type == type && k-- == 0)
      return &f[i];
  return NULL;
}

static size_t count_frames(const h2server_frame *f, size_t n, uint8_t type,
                           uint8_t flags_all) {
  size_t count = 0;
  for (size_t i = 0; i < n; i++)
    if (f[i].type == type && (f[i].flags & flags_all) == flags_all)
      count++;
  return count;
}

/* "name: value\n" for every recorded header, in order. */
static void join_headers(const h2server_header *h, size_t n, char *out,
                         size_t cap) {
  out[0] = '\0';
  for (size_t i = 0; i < n; i++)
    append_field(out, cap, (const uint8_t *)h[i].name, h[i].name_len,
                 (const uint8_t *)h[i].value, h[i].value_len);
}

/* Run the client (if any) until the server has recorded n frames of type
 * with flags on connection conn_index, or WAIT_MS passed. Returns the
 * count then. */
static size_t wait_server_frames(client *c, h2server *s, unsigned conn_index,
                                 uint8_t type, uint8_t flags, size_t n) {
  uint64_t deadline = now_ms() + WAIT_MS;
  for (;;) {
    h2server_frame *frames;
    size_t nframes = h2server_frames(s, conn_index, &frames);
    size_t count = count_frames(frames, nframes, type, flags);
    free(frames);
    if (count >= n || now_ms() >= deadline)
      return count;
    if (c != NULL)
      client_run_for(c, 10);
    else
      usleep(10000);
  }
}

static h2server *start_server(const h2server_config *cfg) {
  return h2server_start(cfg);
}

/* -- tests ------------------------------------------------------------------------ */

TEST_IMPL(h2server_get_over_prior_knowledge_returns_the_scripted_response) {
  static const h2server_header hdrs[] = {{"x-one", "1", 0, 0},
                                         {"X-Two", "two", 0, 0}};
  h2server_response responses[2];
  h2server_config cfg;
  h2server_conn_info info;
  h2server_request req;
  h2server_frame *frames;
  static const nghttp2_settings_entry client_iv[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 100000}};
  static const char *const extra[] = {"user-agent", "t/1", "accept", "*/*",
                                      NULL};
  char expected[256], joined[1024];
  client c;
  cstream *st, *missing;
  size_t nframes;
  h2server *s;
  int port;

  memset(responses, 0, sizeof(responses));
  responses[0].path = "/hello";
  responses[0].status = 201;
  responses[0].headers = hdrs;
  responses[0].nheaders = 2;
  responses[0].body = "hello world";
  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = responses;
  cfg.nresponses = 1;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  port = h2server_port(s);

  ASSERT_EQ(client_start(&c, port, client_iv, 2), 0);
  st = client_request(&c, port, "GET", "/hello", extra, NULL, 0);
  missing = client_get(&c, port, "/nope");
  ASSERT_NOT_NULL(st);
  ASSERT_NOT_NULL(missing);
  ASSERT_EQ(client_run(&c, all_closed, NULL, WAIT_MS), 0);

  ASSERT_EQ(st->status, 201);
  /* names are lower-cased (HTTP/2 requires it; nghttp2 does it) */
  ASSERT_STR_EQ(st->headers, ":status: 201\nx-one: 1\nx-two: two\n");
  ASSERT_MEM_EQ(st->body, st->body_len, "hello world");
  ASSERT_EQ(st->close_code, NGHTTP2_NO_ERROR);
  ASSERT_EQ(missing->status, 404);
  ASSERT_EQ(missing->body_len, 0);

  ASSERT_EQ(h2server_wait_requests(s, 2, WAIT_MS), 0);
  ASSERT_EQ(h2server_requests(s), 2);
  ASSERT_EQ(h2server_request_find(s, 0, st->id, &req), 0);
  join_headers(req.headers, req.nheaders, joined, sizeof(joined));
  snprintf(expected, sizeof(expected),
           ":method: GET\n:scheme: http\n:authority: 127.0.0.1:%d\n"
           ":path: /hello\nuser-agent: t/1\naccept: */*\n",
           port);
  ASSERT_STR_EQ(joined, expected);
  ASSERT_STR_EQ(h2server_request_header(&req, ":path"), "/hello");
  ASSERT_EQ(req.stream_id, 1);
  ASSERT_EQ(req.conn_index, 0);
  ASSERT_EQ(req.body_len, 0);
  ASSERT(req.ended);
  ASSERT(req.closed);
  ASSERT(!req.reset);
  h2server_request_free(&req);

  ASSERT_EQ(h2server_connection(s, 0, &info), 0);
  ASSERT_EQ(info.proto, H2SERVER_PROTO_H2);
  ASSERT(info.preface_seen);
  ASSERT(!info.tls);
  ASSERT_EQ(info.streams, 2);
  ASSERT_EQ(h2server_get(s, H2SERVER_PREFACES), 1);
  ASSERT_EQ(h2server_get(s, H2SERVER_RESPONSES), 2);

  /* The client's frames, decoded: SETTINGS first, then its ACK of ours and
   * the two requests, each one HEADERS with END_STREAM. */
  nframes = h2server_frames(s, 0, &frames);
  ASSERT_GE(nframes, 4);
  ASSERT_EQ(frames[0].type, NGHTTP2_SETTINGS);
  ASSERT_EQ(frames[0].flags, 0);
  ASSERT_EQ(frames[0].length, 12);
  ASSERT_EQ(frames[0].nsettings, 2);
  ASSERT_EQ(frames[0].settings[0].settings_id, NGHTTP2_SETTINGS_ENABLE_PUSH);
  ASSERT_EQ(frames[0].settings[0].value, 0);
  ASSERT_EQ(frames[0].settings[1].settings_id,
            NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE);
  ASSERT_EQ(frames[0].settings[1].value, 100000);
  ASSERT_EQ(count_frames(frames, nframes, NGHTTP2_SETTINGS, NGHTTP2_FLAG_ACK),
            1);
  ASSERT_EQ(count_frames(frames, nframes, NGHTTP2_HEADERS,
                         NGHTTP2_FLAG_END_STREAM | NGHTTP2_FLAG_END_HEADERS),
            2);
  ASSERT_EQ(nth_frame_of_type(frames, nframes, NGHTTP2_HEADERS, 1)->stream_id,
            3);
  free(frames);

  client_free(&c);
  ASSERT_EQ(h2server_wait_closed(s, 1, WAIT_MS), 0);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2server_tls_with_alpn_h2_speaks_http2) {
  static const char *alpn[] = {"h2", "http/1.1", NULL};
  h2server_response response;
  h2server_config cfg;
  h2server_conn_info info;
  client c;
  cstream *st;
  h2server *s;
  int port;

  ASSERT_EQ(make_certs(), 0);
  memset(&response, 0, sizeof(response));
  response.body = "over tls";
  memset(&cfg, 0, sizeof(cfg));
  cfg.tls = 1;
  cfg.cert = certs.server;
  cfg.key = certs.server_key;
  cfg.responses = &response;
  cfg.nresponses = 1;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  port = h2server_port(s);

  ASSERT_EQ(client_connect(&c, port), 0);
  ASSERT_EQ(client_tls(&c, alpn), 0);
  ASSERT_STR_EQ(mbedtls_ssl_get_alpn_protocol(&c.ssl), "h2");
  ASSERT_EQ(client_session(&c, NULL, 0, 0), 0);
  st = client_get(&c, port, "/secure");
  ASSERT_NOT_NULL(st);
  ASSERT_EQ(client_run(&c, stream_is_closed, st, WAIT_MS), 0);
  ASSERT_EQ(st->status, 200);
  ASSERT_MEM_EQ(st->body, st->body_len, "over tls");

  ASSERT_EQ(h2server_connection(s, 0, &info), 0);
  ASSERT(info.tls);
  ASSERT_STR_EQ(info.alpn, "h2");
  ASSERT_EQ(info.proto, H2SERVER_PROTO_H2);
  ASSERT(info.preface_seen);
  ASSERT_EQ(h2server_get(s, H2SERVER_TLS_HANDSHAKES), 1);
  client_free(&c);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

/* With alpn, a server offering only http/1.1 or no ALPN at all: the
 * client's request goes in HTTP/1.1 and gets http1_response. */
static int tls_fallback_case(h2server_alpn server_alpn,
                             const char *expect_alpn) {
  static const char *alpn[] = {"h2", "http/1.1", NULL};
  static const char reply[] =
      "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nold!";
  static const char request[] =
      "GET /old HTTP/1.1\r\nHost: localhost\r\n\r\n";
  h2server_config cfg;
  h2server_conn_info info;
  char buf[256];
  const char *selected;
  size_t got, len;
  char *received;
  client c;
  h2server *s;

  memset(&cfg, 0, sizeof(cfg));
  cfg.tls = 1;
  cfg.cert = certs.server;
  cfg.key = certs.server_key;
  cfg.alpn = server_alpn;
  cfg.http1_response = reply;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(client_connect(&c, h2server_port(s)), 0);
  ASSERT_EQ(client_tls(&c, alpn), 0);
  selected = mbedtls_ssl_get_alpn_protocol(&c.ssl);
  if (expect_alpn == NULL)
    ASSERT_NULL(selected);
  else
    ASSERT_STR_EQ(selected, expect_alpn);
  ASSERT_EQ(client_send_raw(&c, request, strlen(request)), 0);
  got = client_read_n(&c, buf, strlen(reply));
  ASSERT_MEM_EQ(buf, got, reply);
  ASSERT_EQ(h2server_wait(s, H2SERVER_HTTP1_REQUESTS, 1, WAIT_MS), 0);
  received = h2server_received(s, 0, &len);
  ASSERT_MEM_EQ(received, len, request);
  free(received);
  ASSERT_EQ(h2server_connection(s, 0, &info), 0);
  ASSERT_EQ(info.proto, H2SERVER_PROTO_HTTP1);
  ASSERT_STR_EQ(info.alpn, expect_alpn ? expect_alpn : "");
  client_free(&c);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2server_tls_without_h2_in_alpn_answers_in_http1) {
  ASSERT_EQ(make_certs(), 0);
  ASSERT_EQ(tls_fallback_case(H2SERVER_ALPN_HTTP11, "http/1.1"), 0);
  ASSERT_EQ(tls_fallback_case(H2SERVER_ALPN_NONE, NULL), 0);
  return 0;
}

TEST_IMPL(h2server_upgrade_h2c_answers_on_stream_1_then_speaks_http2) {
  static const nghttp2_settings_entry iv[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 50},
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0}};
  h2server_response responses[2];
  h2server_config cfg;
  h2server_conn_info info;
  h2server_request req;
  uint8_t payload[64];
  size_t payload_len;
  char head[1024], joined[1024], expected[512], b64[128];
  nghttp2_session_callbacks *cb;
  client c;
  cstream *up, *next;
  h2server *s;
  int port;

  memset(responses, 0, sizeof(responses));
  responses[0].path = "/up";
  responses[0].body = "upgraded";
  responses[1].path = "/next";
  responses[1].body = "then h2";
  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = responses;
  cfg.nresponses = 2;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  port = h2server_port(s);

  ASSERT_EQ(client_connect(&c, port), 0);
  ASSERT_EQ(client_send_upgrade(&c, port, "/up", iv, 2, payload, &payload_len),
            0);
  ASSERT_GE(client_read_head(&c, head, sizeof(head)), 0);
  ASSERT_STR_EQ(head, "HTTP/1.1 101 Switching Protocols\r\n"
                      "Connection: Upgrade\r\nUpgrade: h2c\r\n\r\n");

  client_callbacks(&cb);
  ASSERT_EQ(nghttp2_session_client_new(&c.session, cb, &c), 0);
  nghttp2_session_callbacks_del(cb);
  up = client_add_stream(&c, 1);
  ASSERT_EQ(nghttp2_session_upgrade2(c.session, payload, payload_len, 0, NULL),
            0);
  if (c.pending_len > 0)
    ASSERT_EQ(client_feed(&c, c.pending, c.pending_len), 0);
  ASSERT_EQ(client_run(&c, stream_is_closed, up, WAIT_MS), 0);
  ASSERT_EQ(up->status, 200);
  ASSERT_MEM_EQ(up->body, up->body_len, "upgraded");
  ASSERT(c.settings_received);

  next = client_get(&c, port, "/next");
  ASSERT_NOT_NULL(next);
  ASSERT_EQ(next->id, 3);
  ASSERT_EQ(client_run(&c, stream_is_closed, next, WAIT_MS), 0);
  ASSERT_MEM_EQ(next->body, next->body_len, "then h2");

  ASSERT_EQ(h2server_wait_requests(s, 2, WAIT_MS), 0);
  ASSERT_EQ(h2server_get(s, H2SERVER_UPGRADES), 1);
  ASSERT_EQ(h2server_request_get(s, 0, &req), 0);
  ASSERT_EQ(req.stream_id, 1);
  base64url(payload, payload_len, b64);
  join_headers(req.headers, req.nheaders, joined, sizeof(joined));
  snprintf(expected, sizeof(expected),
           ":method: GET\n:path: /up\nhost: 127.0.0.1:%d\n"
           "connection: Upgrade, HTTP2-Settings\nupgrade: h2c\n"
           "http2-settings: %s\n",
           port, b64);
  ASSERT_STR_EQ(joined, expected);
  ASSERT(req.ended);
  ASSERT(req.closed);
  h2server_request_free(&req);
  ASSERT_EQ(h2server_connection(s, 0, &info), 0);
  ASSERT_EQ(info.proto, H2SERVER_PROTO_H2_UPGRADE);
  ASSERT(info.preface_seen);
  client_free(&c);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2server_refused_upgrade_is_answered_in_http1) {
  static const char reply[] =
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nplain";
  h2server_config cfg;
  h2server_conn_info info;
  uint8_t payload[64];
  size_t payload_len, got;
  char buf[256];
  client c;
  h2server *s;

  memset(&cfg, 0, sizeof(cfg));
  cfg.refuse_upgrade = 1;
  cfg.http1_response = reply;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(client_connect(&c, h2server_port(s)), 0);
  ASSERT_EQ(client_send_upgrade(&c, h2server_port(s), "/", NULL, 0, payload,
                                &payload_len),
            0);
  got = client_read_n(&c, buf, strlen(reply));
  ASSERT_MEM_EQ(buf, got, reply);
  ASSERT_EQ(h2server_wait(s, H2SERVER_HTTP1_REQUESTS, 1, WAIT_MS), 0);
  ASSERT_EQ(h2server_get(s, H2SERVER_UPGRADES), 0);
  ASSERT_EQ(h2server_requests(s), 0);
  ASSERT_EQ(h2server_connection(s, 0, &info), 0);
  ASSERT_EQ(info.proto, H2SERVER_PROTO_HTTP1);
  client_free(&c);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

/* 100 streams opened at once and held open (HEADERS without END_STREAM):
 * all 100 are open on the server together; then each is ended and
 * answered. */
TEST_IMPL(h2server_hundred_streams_are_open_at_once_on_one_connection) {
  static const nghttp2_settings_entry iv[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100}};
  h2server_response response;
  h2server_config cfg;
  char authority[64];
  client c;
  h2server *s;
  int port;

  memset(&response, 0, sizeof(response));
  response.body_size = 3000;
  memset(&cfg, 0, sizeof(cfg));
  cfg.settings = iv;
  cfg.nsettings = 1;
  cfg.responses = &response;
  cfg.nresponses = 1;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  port = h2server_port(s);
  snprintf(authority, sizeof(authority), "127.0.0.1:%d", port);

  ASSERT_EQ(client_start(&c, port, NULL, 0), 0);
  for (int i = 0; i < 100; i++) {
    nghttp2_nv nva[] = {
        {(uint8_t *)":method", (uint8_t *)"GET", 7, 3, 0},
        {(uint8_t *)":scheme", (uint8_t *)"http", 7, 4, 0},
        {(uint8_t *)":authority", (uint8_t *)authority, 10, strlen(authority),
         0},
        {(uint8_t *)":path", (uint8_t *)"/many", 5, 5, 0}};
    cstream *st = client_add_stream(&c, 0);
    st->id = nghttp2_submit_headers(c.session, NGHTTP2_FLAG_NONE, -1, NULL,
                                    nva, 4, st);
    ASSERT_GE(st->id, 1);
  }
  ASSERT_EQ(client_flush(&c), 0);
  ASSERT_EQ(h2server_wait(s, H2SERVER_STREAMS, 100, WAIT_MS), 0);
  ASSERT_EQ(h2server_get(s, H2SERVER_MAX_OPEN_STREAMS), 100);
  ASSERT_EQ(h2server_get(s, H2SERVER_REQUESTS_DONE), 0);

  for (size_t i = 0; i < c.nstreams; i++) {
    nghttp2_data_provider empty;
    c.streams[i]->up = "";
    empty.source.ptr = c.streams[i];
    empty.read_callback = cl_upload_read;
    ASSERT_EQ(nghttp2_submit_data(c.session, NGHTTP2_FLAG_END_STREAM,
                                  c.streams[i]->id, &empty),
              0);
  }
  ASSERT_EQ(client_run(&c, all_closed, NULL, WAIT_MS), 0);
  for (size_t i = 0; i < c.nstreams; i++) {
    const cstream *st = c.streams[i];
    ASSERT_EQ(st->status, 200);
    ASSERT_EQ(st->body_len, 3000);
    ASSERT(h2server_body_check(st->body, st->body_len, 0));
  }
  ASSERT_EQ(h2server_wait_requests(s, 100, WAIT_MS), 0);
  ASSERT_EQ(h2server_get(s, H2SERVER_CONNECTIONS), 1);
  client_free(&c);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

/* With MAX_CONCURRENT_STREAMS 10 the client holds requests back, and no
 * more than 10 are ever open on the server. */
TEST_IMPL(h2server_max_concurrent_streams_limits_open_streams) {
  static const nghttp2_settings_entry iv[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 10}};
  h2server_response response;
  h2server_config cfg;
  h2server_conn_info info;
  client c;
  h2server *s;
  int port;

  memset(&response, 0, sizeof(response));
  response.body = "slow";
  response.delay_ms = 50;
  memset(&cfg, 0, sizeof(cfg));
  cfg.settings = iv;
  cfg.nsettings = 1;
  cfg.responses = &response;
  cfg.nresponses = 1;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  port = h2server_port(s);
  ASSERT_EQ(client_start(&c, port, NULL, 0), 0);
  ASSERT_EQ(nghttp2_session_get_remote_settings(
                c.session, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS),
            10);
  for (int i = 0; i < 100; i++)
    ASSERT_NOT_NULL(client_get(&c, port, "/limited"));
  ASSERT_EQ(client_run(&c, all_closed, NULL, WAIT_MS), 0);
  for (size_t i = 0; i < c.nstreams; i++)
    ASSERT_MEM_EQ(c.streams[i]->body, c.streams[i]->body_len, "slow");
  ASSERT_EQ(h2server_wait_requests(s, 100, WAIT_MS), 0);
  ASSERT_EQ(h2server_get(s, H2SERVER_MAX_OPEN_STREAMS), 10);
  ASSERT_EQ(h2server_connection(s, 0, &info), 0);
  ASSERT_EQ(info.max_open_streams, 10);
  ASSERT_EQ(info.streams, 100);
  ASSERT_EQ(h2server_get(s, H2SERVER_RSTS_SENT), 0);
  client_free(&c);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2server_body_goes_in_data_frames_of_the_configured_size) {
  static const nghttp2_settings_entry big[] = {
      {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 65536},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20}};
  h2server_response responses[3];
  h2server_config cfg;
  client c;
  cstream *paced, *dflt, *large;
  uint64_t t0, elapsed;
  h2server *s;
  int port;

  memset(responses, 0, sizeof(responses));
  responses[0].path = "/paced";
  responses[0].body_size = 10000;
  responses[0].frame_size = 1000;
  responses[0].frame_delay_ms = 20;
  responses[1].path = "/default";
  responses[1].body_size = 40000;
  responses[2].path = "/large";
  responses[2].body_size = 100000;
  responses[2].frame_size = 30000;
  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = responses;
  cfg.nresponses = 3;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  port = h2server_port(s);
  ASSERT_EQ(client_start(&c, port, big, 2), 0);
  ASSERT_EQ(nghttp2_session_set_local_window_size(c.session, NGHTTP2_FLAG_NONE,
                                                  0, 1 << 20),
            0);

  t0 = now_ms();
  paced = client_get(&c, port, "/paced");
  ASSERT_EQ(client_run(&c, stream_is_closed, paced, WAIT_MS), 0);
  elapsed = now_ms() - t0;
  ASSERT_EQ(paced->data_frames, 10);
  for (size_t i = 0; i < 10; i++)
    ASSERT_EQ(paced->frame_len[i], 1000);
  ASSERT_GE(elapsed + TIMER_SLACK_MS, 9 * 20);
  ASSERT_EQ(paced->body_len, 10000);
  ASSERT(h2server_body_check(paced->body, paced->body_len, 0));
  ASSERT(paced->ended);

  dflt = client_get(&c, port, "/default");
  large = client_get(&c, port, "/large");
  ASSERT_EQ(client_run(&c, all_closed, NULL, WAIT_MS), 0);
  ASSERT_EQ(dflt->data_frames, 3);
  ASSERT_EQ(dflt->frame_len[0], 16384);
  ASSERT_EQ(dflt->frame_len[1], 16384);
  ASSERT_EQ(dflt->frame_len[2], 40000 - 2 * 16384);
  ASSERT_EQ(large->data_frames, 4);
  ASSERT_EQ(large->frame_len[0], 30000);
  ASSERT_EQ(large->frame_len[1], 30000);
  ASSERT_EQ(large->frame_len[2], 30000);
  ASSERT_EQ(large->frame_len[3], 10000);
  ASSERT(h2server_body_check(large->body, large->body_len, 0));
  client_free(&c);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2server_rst_stream_before_headers_after_headers_and_mid_body) {
  h2server_response responses[3];
  h2server_config cfg;
  h2server_request req;
  client c;
  cstream *before, *after, *mid;
  h2server *s;
  int port;

  memset(responses, 0, sizeof(responses));
  responses[0].path = "/before";
  responses[0].rst = H2SERVER_RST_BEFORE_HEADERS;
  responses[0].rst_code = NGHTTP2_REFUSED_STREAM;
  responses[1].path = "/after";
  responses[1].body = "never sent";
  responses[1].rst = H2SERVER_RST_AFTER_HEADERS;
  responses[1].rst_code = NGHTTP2_CANCEL;
  responses[2].path = "/mid";
  responses[2].body_size = 5000;
  responses[2].frame_size = 1000;
  responses[2].rst = H2SERVER_RST_AFTER_BODY_BYTES;
  responses[2].rst_after_bytes = 2500;
  responses[2].rst_code = NGHTTP2_INTERNAL_ERROR;
  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = responses;
  cfg.nresponses = 3;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  port = h2server_port(s);
  ASSERT_EQ(client_start(&c, port, NULL, 0), 0);
  before = client_get(&c, port, "/before");
  after = client_get(&c, port, "/after");
  mid = client_get(&c, port, "/mid");
  ASSERT_EQ(client_run(&c, all_closed, NULL, WAIT_MS), 0);

  ASSERT_EQ(before->status, 0);
  ASSERT(before->rst);
  ASSERT_EQ(before->rst_code, NGHTTP2_REFUSED_STREAM);
  ASSERT_EQ(after->status, 200);
  ASSERT_EQ(after->body_len, 0);
  ASSERT(after->rst);
  ASSERT_EQ(after->rst_code, NGHTTP2_CANCEL);
  ASSERT_EQ(mid->status, 200);
  ASSERT_EQ(mid->body_len, 2500);
  ASSERT_EQ(mid->data_frames, 3);
  ASSERT_EQ(mid->frame_len[2], 500);
  ASSERT(!mid->ended);
  ASSERT(mid->rst);
  ASSERT_EQ(mid->rst_code, NGHTTP2_INTERNAL_ERROR);

  ASSERT_EQ(h2server_wait_requests(s, 3, WAIT_MS), 0);
  ASSERT_EQ(h2server_get(s, H2SERVER_RSTS_SENT), 3);
  ASSERT_EQ(h2server_request_find(s, 0, mid->id, &req), 0);
  ASSERT(req.closed);
  ASSERT(!req.reset);
  ASSERT_EQ(req.close_code, NGHTTP2_INTERNAL_ERROR);
  h2server_request_free(&req);
  client_free(&c);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2server_goaway_at_start_after_requests_and_on_a_path) {
  h2server_conn_script conns[3];
  h2server_response responses[2];
  h2server_config cfg;
  client c;
  cstream *a, *b, *bye, *other;
  h2server *s;
  int port;

  memset(conns, 0, sizeof(conns));
  /* connection 0: GOAWAY with the SETTINGS, then FIN */
  conns[0].goaway.when = H2SERVER_GOAWAY_AT_START;
  conns[0].goaway.last_stream_id = 0;
  conns[0].goaway.error_code = NGHTTP2_ENHANCE_YOUR_CALM;
  conns[0].goaway.debug_data = "calm";
  conns[0].goaway.close = H2SERVER_CLOSE_FIN;
  /* connection 1: GOAWAY once two requests are done */
  conns[1].goaway.when = H2SERVER_GOAWAY_AFTER_REQUESTS;
  conns[1].goaway.after_requests = 2;
  conns[1].goaway.last_stream_id = H2SERVER_LAST_STREAM_SEEN;
  /* connection 2: as the responses say */
  memset(responses, 0, sizeof(responses));
  responses[0].path = "/bye";
  responses[0].body = "bye";
  responses[0].goaway.when = H2SERVER_GOAWAY_ON_REQUEST;
  responses[0].goaway.last_stream_id = 1;
  responses[1].path = NULL;
  responses[1].body = "ok";
  responses[1].delay_ms = 300;
  memset(&cfg, 0, sizeof(cfg));
  cfg.conns = conns;
  cfg.nconns = 3;
  cfg.responses = responses;
  cfg.nresponses = 2;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  port = h2server_port(s);

  ASSERT_EQ(client_connect(&c, port), 0);
  ASSERT_EQ(client_session(&c, NULL, 0, 0), 0);
  ASSERT_EQ(client_run(&c, connection_over, NULL, WAIT_MS), 0);
  ASSERT(c.eof);
  ASSERT(c.goaway);
  ASSERT_EQ(c.goaway_last, 0);
  ASSERT_EQ(c.goaway_code, NGHTTP2_ENHANCE_YOUR_CALM);
  ASSERT_STR_EQ(c.goaway_debug, "calm");
  client_free(&c);

  ASSERT_EQ(client_start(&c, port, NULL, 0), 0);
  a = client_get(&c, port, "/a");
  b = client_get(&c, port, "/b");
  ASSERT_EQ(client_run(&c, connection_over, NULL, WAIT_MS), 0);
  ASSERT_MEM_EQ(a->body, a->body_len, "ok");
  ASSERT_MEM_EQ(b->body, b->body_len, "ok");
  ASSERT(c.goaway);
  ASSERT_EQ(c.goaway_last, 3);
  ASSERT_EQ(c.goaway_code, NGHTTP2_NO_ERROR);
  ASSERT(c.eof); /* nothing left to do both ways: the server closed */
  client_free(&c);

  ASSERT_EQ(client_start(&c, port, NULL, 0), 0);
  bye = client_get(&c, port, "/bye");
  other = client_get(&c, port, "/other");
  ASSERT_EQ(client_run(&c, all_closed, NULL, WAIT_MS), 0);
  ASSERT_MEM_EQ(bye->body, bye->body_len, "bye");
  ASSERT(c.goaway);
  ASSERT_EQ(c.goaway_last, 1);
  ASSERT_EQ(other->status, 0);
  ASSERT_EQ(other->close_code, NGHTTP2_REFUSED_STREAM);
  client_free(&c);

  ASSERT_EQ(h2server_get(s, H2SERVER_GOAWAYS_SENT), 3);
  ASSERT_EQ(h2server_wait_closed(s, 3, WAIT_MS), 0);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2server_goaway_with_reset_and_goaway_command) {
  h2server_conn_script conns[1];
  h2server_response response;
  h2server_goaway g;
  h2server_config cfg;
  client c;
  cstream *st;
  h2server *s;
  int port;

  memset(conns, 0, sizeof(conns));
  conns[0].goaway.when = H2SERVER_GOAWAY_AT_START;
  conns[0].goaway.error_code = NGHTTP2_PROTOCOL_ERROR;
  conns[0].goaway.close = H2SERVER_CLOSE_RESET;
  memset(&response, 0, sizeof(response));
  response.body = "ok";
  memset(&cfg, 0, sizeof(cfg));
  cfg.conns = conns;
  cfg.nconns = 1;
  cfg.responses = &response;
  cfg.nresponses = 1;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  port = h2server_port(s);

  /* connection 0 ends in a reset (the GOAWAY may or may not be read) */
  ASSERT_EQ(client_connect(&c, port), 0);
  ASSERT_EQ(client_session(&c, NULL, 0, 0), 0);
  ASSERT_EQ(client_run(&c, connection_over, NULL, WAIT_MS), 0);
  client_free(&c);
  ASSERT_EQ(h2server_wait_closed(s, 1, WAIT_MS), 0);

  /* connection 1: a GOAWAY sent when the test says */
  ASSERT_EQ(client_start(&c, port, NULL, 0), 0);
  st = client_get(&c, port, "/");
  ASSERT_EQ(client_run(&c, stream_is_closed, st, WAIT_MS), 0);
  memset(&g, 0, sizeof(g));
  g.last_stream_id = H2SERVER_LAST_STREAM_SEEN;
  g.error_code = NGHTTP2_NO_ERROR;
  g.debug_data = "later";
  ASSERT_EQ(h2server_send_goaway(s, 1, &g), 0);
  ASSERT_EQ(client_run(&c, goaway_in, NULL, WAIT_MS), 0);
  ASSERT_EQ(c.goaway_last, 1);
  ASSERT_STR_EQ(c.goaway_debug, "later");
  ASSERT_EQ(h2server_send_goaway(s, 7, &g), -1); /* no such connection */
  client_free(&c);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

static int pings_in(client *c, void *arg) {
  return c->pings >= *(unsigned *)arg;
}

TEST_IMPL(h2server_pings_from_the_server_are_acked_and_counted) {
  h2server_response response;
  h2server_config cfg;
  h2server_conn_info info;
  h2server_frame *frames;
  size_t nframes;
  unsigned want = 4;
  client c;
  cstream *st;
  h2server *s;
  int port;

  memset(&response, 0, sizeof(response));
  response.ping = 1;
  memset(&cfg, 0, sizeof(cfg));
  cfg.default_conn.pings = 2;
  cfg.responses = &response;
  cfg.nresponses = 1;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  port = h2server_port(s);
  ASSERT_EQ(client_start(&c, port, NULL, 0), 0);
  st = client_get(&c, port, "/");
  ASSERT_EQ(client_run(&c, stream_is_closed, st, WAIT_MS), 0);
  ASSERT_EQ(h2server_send_ping(s, 0), 0);
  ASSERT_EQ(client_run(&c, pings_in, &want, WAIT_MS), 0);
  ASSERT_EQ(client_flush(&c), 0);
  ASSERT_EQ(h2server_wait(s, H2SERVER_PING_ACKS, 4, WAIT_MS), 0);
  ASSERT_EQ(h2server_get(s, H2SERVER_PINGS_SENT), 4);
  ASSERT_EQ(h2server_connection(s, 0, &info), 0);
  ASSERT_EQ(info.ping_acks, 4);
  /* the ACKs carry the server's opaque data: a counter from 1 */
  nframes = h2server_frames(s, 0, &frames);
  ASSERT_EQ(count_frames(frames, nframes, NGHTTP2_PING, NGHTTP2_FLAG_ACK), 4);
  for (unsigned k = 0; k < 4; k++) {
    const h2server_frame *f =
        nth_frame_of_type(frames, nframes, NGHTTP2_PING, k);
    ASSERT_EQ(f->opaque[7], k + 1);
    ASSERT_EQ(f->length, 8);
  }
  free(frames);
  client_free(&c);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2server_push_promise_delivers_the_pushed_response) {
  static const h2server_header css_headers[] = {
      {"content-type", "text/css", 0, 0}};
  static const nghttp2_settings_entry no_push[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0}};
  h2server_response responses[2];
  h2server_config cfg;
  client c;
  cstream *index, *pushed = NULL;
  h2server *s;
  int port;

  memset(responses, 0, sizeof(responses));
  responses[0].path = "/index.html";
  responses[0].body = "<html>";
  responses[0].push_path = "/style.css";
  responses[1].path = "/style.css";
  responses[1].headers = css_headers;
  responses[1].nheaders = 1;
  responses[1].body = "body{}";
  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = responses;
  cfg.nresponses = 2;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  port = h2server_port(s);

  ASSERT_EQ(client_start(&c, port, NULL, 0), 0);
  index = client_get(&c, port, "/index.html");
  ASSERT_EQ(client_run(&c, all_closed, NULL, WAIT_MS), 0);
  ASSERT_EQ(c.nstreams, 2);
  pushed = c.streams[1];
  ASSERT(pushed->pushed);
  ASSERT_EQ(pushed->id, 2);
  ASSERT_EQ(pushed->parent, index->id);
  ASSERT_STR_EQ(pushed->push_path, "/style.css");
  ASSERT_STR_EQ(pushed->headers, ":status: 200\ncontent-type: text/css\n");
  ASSERT_MEM_EQ(pushed->body, pushed->body_len, "body{}");
  ASSERT_MEM_EQ(index->body, index->body_len, "<html>");
  ASSERT_EQ(h2server_get(s, H2SERVER_PUSHES), 1);
  ASSERT_EQ(h2server_wait(s, H2SERVER_RESPONSES, 2, WAIT_MS), 0);
  ASSERT_EQ(h2server_requests(s), 1); /* a pushed stream is no request */
  client_free(&c);

  /* a client that disabled push gets no promise */
  ASSERT_EQ(client_start(&c, port, no_push, 1), 0);
  index = client_get(&c, port, "/index.html");
  ASSERT_EQ(client_run(&c, all_closed, NULL, WAIT_MS), 0);
  ASSERT_EQ(c.nstreams, 1);
  ASSERT_MEM_EQ(index->body, index->body_len, "<html>");
  ASSERT_EQ(h2server_get(s, H2SERVER_PUSHES), 1);
  client_free(&c);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

static size_t data_bytes(const h2server_frame *f, size_t n) {
  size_t total = 0;
  for (size_t i = 0; i < n; i++)
    if (f[i].type == NGHTTP2_DATA)
      total += f[i].length;
  return total;
}

TEST_IMPL(h2server_zero_initial_window_stalls_an_upload_until_told) {
  static const nghttp2_settings_entry iv[] = {
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 0}};
  h2server_response response;
  h2server_config cfg;
  h2server_request req;
  h2server_frame *frames;
  size_t nframes;
  char upload[1000];
  client c;
  cstream *st;
  h2server *s;
  int port;

  for (size_t i = 0; i < sizeof(upload); i++)
    upload[i] = (char)h2server_body_byte(i);
  memset(&response, 0, sizeof(response));
  response.echo = 1;
  memset(&cfg, 0, sizeof(cfg));
  cfg.settings = iv;
  cfg.nsettings = 1;
  cfg.responses = &response;
  cfg.nresponses = 1;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  port = h2server_port(s);
  ASSERT_EQ(client_start(&c, port, NULL, 0), 0);
  st = client_request(&c, port, "POST", "/up", NULL, upload, sizeof(upload));
  client_run_for(&c, 300);
  ASSERT_EQ(h2server_wait(s, H2SERVER_STREAMS, 1, WAIT_MS), 0);
  nframes = h2server_frames(s, 0, &frames);
  ASSERT_EQ(data_bytes(frames, nframes), 0);
  free(frames);
  ASSERT(!st->closed);

  ASSERT_EQ(h2server_send_window_update(s, 0, st->id, 600), 0);
  ASSERT_EQ(h2server_send_window_update(s, 0, st->id, 400), 0);
  ASSERT_EQ(client_run(&c, stream_is_closed, st, WAIT_MS), 0);
  ASSERT_EQ(st->body_len, sizeof(upload));
  ASSERT(h2server_body_check(st->body, st->body_len, 0));
  ASSERT_EQ(h2server_wait_requests(s, 1, WAIT_MS), 0);
  ASSERT_EQ(h2server_request_get(s, 0, &req), 0);
  ASSERT_EQ(req.body_len, sizeof(upload));
  ASSERT(req.ended);
  h2server_request_free(&req);
  client_free(&c);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

static int response_ended(client *c, void *arg) {
  (void)c;
  return ((cstream *)arg)->ended;
}

/* With early set, the answer goes out while the upload cannot even start
 * (a zero window); the upload then finishes on the half-closed stream. */
TEST_IMPL(h2server_early_response_goes_out_before_the_request_ends) {
  static const nghttp2_settings_entry iv[] = {
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 0}};
  h2server_response response;
  h2server_config cfg;
  h2server_request req;
  char upload[1000];
  client c;
  cstream *st;
  h2server *s;
  int port;

  memset(upload, 'u', sizeof(upload));
  memset(&response, 0, sizeof(response));
  response.path = "/early";
  response.status = 413;
  response.body = "too big";
  response.early = 1;
  memset(&cfg, 0, sizeof(cfg));
  cfg.settings = iv;
  cfg.nsettings = 1;
  cfg.responses = &response;
  cfg.nresponses = 1;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  port = h2server_port(s);
  ASSERT_EQ(client_start(&c, port, NULL, 0), 0);
  st = client_request(&c, port, "POST", "/early", NULL, upload,
                      sizeof(upload));
  ASSERT_EQ(client_run(&c, response_ended, st, WAIT_MS), 0);
  ASSERT_EQ(st->status, 413);
  ASSERT_MEM_EQ(st->body, st->body_len, "too big");
  ASSERT(!st->closed);
  ASSERT_EQ(h2server_request_get(s, 0, &req), 0);
  ASSERT(!req.ended);
  ASSERT_EQ(req.body_len, 0);
  h2server_request_free(&req);

  ASSERT_EQ(h2server_send_window_update(s, 0, st->id, sizeof(upload)), 0);
  ASSERT_EQ(client_run(&c, stream_is_closed, st, WAIT_MS), 0);
  ASSERT_EQ(st->close_code, NGHTTP2_NO_ERROR);
  ASSERT_EQ(h2server_wait_requests(s, 1, WAIT_MS), 0);
  ASSERT_EQ(h2server_request_get(s, 0, &req), 0);
  ASSERT(req.ended);
  ASSERT_EQ(req.body_len, sizeof(upload));
  h2server_request_free(&req);
  client_free(&c);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

static size_t request_body_len(h2server *s, unsigned index) {
  h2server_request req;
  size_t n = 0;
  if (h2server_request_get(s, index, &req) == 0)
    n = req.body_len;
  h2server_request_free(&req);
  return n;
}

/* Upload UPLOAD bytes to path on a new connection, the conn-th (its one
 * request is the conn-th request too): one window's worth arrives and no
 * more until the test releases it. */
enum { UPLOAD = 200000, WINDOW = 65535 };

static int stalled_upload(h2server *s, unsigned conn, const char *path,
                          const char *upload) {
  int port = h2server_port(s);
  uint64_t deadline;
  client c;
  cstream *st;

  ASSERT_EQ(client_start(&c, port, NULL, 0), 0);
  st = client_request(&c, port, "PUT", path, NULL, upload, UPLOAD);
  deadline = now_ms() + WAIT_MS;
  while (request_body_len(s, conn) < WINDOW && now_ms() < deadline)
    client_run_for(&c, 20);
  ASSERT_EQ(request_body_len(s, conn), WINDOW);
  client_run_for(&c, 200);
  ASSERT_EQ(request_body_len(s, conn), WINDOW);
  ASSERT(!st->closed);

  ASSERT_EQ(h2server_release_window(s, conn), 0);
  ASSERT_EQ(client_run(&c, stream_is_closed, st, WAIT_MS), 0);
  ASSERT_EQ(st->status, 200);
  ASSERT_EQ(st->body_len, UPLOAD);
  ASSERT(h2server_body_check(st->body, st->body_len, 0));
  ASSERT_EQ(request_body_len(s, conn), UPLOAD);
  client_free(&c);
  return 0;
}

TEST_IMPL(h2server_withheld_window_update_stalls_an_upload_until_released) {
  h2server_response responses[2];
  h2server_conn_script conns[2];
  h2server_config cfg;
  char *upload = malloc(UPLOAD);
  h2server *s;

  ASSERT_NOT_NULL(upload);
  for (size_t i = 0; i < UPLOAD; i++)
    upload[i] = (char)h2server_body_byte(i);
  memset(responses, 0, sizeof(responses));
  responses[0].path = "/held";
  responses[0].echo = 1;
  responses[0].hold_window = 1;
  responses[1].echo = 1;
  memset(conns, 0, sizeof(conns));
  conns[1].hold_window = 1;
  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = responses;
  cfg.nresponses = 2;
  cfg.conns = conns;
  cfg.nconns = 2;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  /* held by the path's script, then by the connection's */
  ASSERT_EQ(stalled_upload(s, 0, "/held", upload), 0);
  ASSERT_EQ(stalled_upload(s, 1, "/any", upload), 0);
  free(upload);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2server_sends_informational_responses_and_trailers) {
  static const h2server_header link[] = {{"link", "</a.css>; rel=preload",
                                          0, 0}};
  static const h2server_info infos[] = {{100, NULL, 0}, {103, link, 1}};
  static const h2server_header trailers[] = {{"x-checksum", "123", 0, 0},
                                             {"x-done", "yes", 0, 0}};
  h2server_response responses[2];
  h2server_config cfg;
  client c;
  cstream *full, *empty;
  h2server *s;
  int port;

  memset(responses, 0, sizeof(responses));
  responses[0].path = "/full";
  responses[0].informational = infos;
  responses[0].ninformational = 2;
  responses[0].body = "abc";
  responses[0].trailers = trailers;
  responses[0].ntrailers = 2;
  responses[1].path = "/empty";
  responses[1].status = 202;
  responses[1].trailers = trailers;
  responses[1].ntrailers = 1;
  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = responses;
  cfg.nresponses = 2;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  port = h2server_port(s);
  ASSERT_EQ(client_start(&c, port, NULL, 0), 0);
  full = client_get(&c, port, "/full");
  empty = client_get(&c, port, "/empty");
  ASSERT_EQ(client_run(&c, all_closed, NULL, WAIT_MS), 0);

  ASSERT_EQ(full->ninfo, 2);
  ASSERT_EQ(full->info[0], 100);
  ASSERT_EQ(full->info[1], 103);
  ASSERT_EQ(full->status, 200);
  ASSERT_MEM_EQ(full->body, full->body_len, "abc");
  ASSERT_STR_EQ(full->trailers, "x-checksum: 123\nx-done: yes\n");
  ASSERT(full->ended);
  ASSERT_EQ(empty->status, 202);
  ASSERT_EQ(empty->body_len, 0);
  ASSERT_EQ(empty->data_frames, 0);
  ASSERT_STR_EQ(empty->trailers, "x-checksum: 123\n");
  ASSERT_EQ(empty->close_code, NGHTTP2_NO_ERROR);
  ASSERT_EQ(h2server_wait(s, H2SERVER_RESPONSES, 2, WAIT_MS), 0);
  client_free(&c);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

/* The server's connection_window reached the client. */
static int window_opened(client *c, void *arg) {
  (void)arg;
  return nghttp2_session_get_remote_window_size(c->session) == 1 << 20;
}

TEST_IMPL(h2server_echo_returns_the_uploaded_body_and_records_trailers) {
  enum { UPLOAD = 100000 };
  static const nghttp2_settings_entry iv[] = {
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20}};
  h2server_response response;
  h2server_config cfg;
  h2server_request req;
  h2server_frame *frames;
  size_t nframes;
  char *upload = malloc(UPLOAD);
  client c;
  cstream *st;
  h2server *s;
  int port;

  ASSERT_NOT_NULL(upload);
  for (size_t i = 0; i < UPLOAD; i++)
    upload[i] = (char)h2server_body_byte(i);
  memset(&response, 0, sizeof(response));
  response.echo = 1;
  response.send_content_length = 1;
  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = &response;
  cfg.nresponses = 1;
  cfg.connection_window = 1 << 20;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  port = h2server_port(s);
  ASSERT_EQ(client_start(&c, port, iv, 1), 0);
  ASSERT_EQ(client_run(&c, window_opened, NULL, WAIT_MS), 0);
  st = client_request(&c, port, "POST", "/echo", NULL, upload, UPLOAD);
  st->up_trailer_name = "x-sum";
  st->up_trailer_value = "42";
  ASSERT_EQ(client_run(&c, stream_is_closed, st, WAIT_MS), 0);
  ASSERT_EQ(st->status, 200);
  ASSERT_EQ(st->body_len, UPLOAD);
  ASSERT_EQ(memcmp(st->body, upload, UPLOAD), 0);
  ASSERT(strstr(st->headers, "content-length: 100000\n") != NULL);

  ASSERT_EQ(h2server_wait_requests(s, 1, WAIT_MS), 0);
  ASSERT_EQ(h2server_request_get(s, 0, &req), 0);
  ASSERT_EQ(req.body_len, UPLOAD);
  ASSERT_EQ(memcmp(req.body, upload, UPLOAD), 0);
  ASSERT_EQ(req.ntrailers, 1);
  ASSERT_STR_EQ(req.trailers[0].name, "x-sum");
  ASSERT_STR_EQ(req.trailers[0].value, "42");
  ASSERT(req.ended);
  h2server_request_free(&req);
  nframes = h2server_frames(s, 0, &frames);
  ASSERT_EQ(data_bytes(frames, nframes), UPLOAD);
  /* the trailers end the upload: no DATA frame carries END_STREAM */
  ASSERT_EQ(count_frames(frames, nframes, NGHTTP2_DATA,
                         NGHTTP2_FLAG_END_STREAM),
            0);
  ASSERT_EQ(count_frames(frames, nframes, NGHTTP2_HEADERS,
                         NGHTTP2_FLAG_END_STREAM),
            1);
  free(frames);
  client_free(&c);
  free(upload);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

/* The connection is over for the client: an error, EOF, or its session
 * has nothing more to read or write (it sent GOAWAY for an error). */
static int client_error_seen(client *c, void *arg) {
  (void)arg;
  return c->session_error != 0 || c->eof || c->io_error ||
         (!nghttp2_session_want_read(c->session) &&
          !nghttp2_session_want_write(c->session));
}

TEST_IMPL(h2server_raw_bytes_are_injected_where_scripted) {
  static const uint8_t opaque[8] = {'r', 'a', 'w', 'p', 'i', 'n', 'g', '!'};
  h2server_buf after_settings = {0}, raw_response = {0}, block = {0};
  h2server_conn_script conns[2];
  h2server_response responses[2];
  h2server_config cfg;
  h2server_frame *frames;
  size_t nframes;
  client c;
  cstream *raw, *normal;
  h2server *s;
  int port;

  /* connection 0: a PING right after the SETTINGS */
  h2server_buf_ping(&after_settings, 0, opaque);
  /* /raw is answered by hand: HEADERS :status 204 with END_STREAM */
  h2server_hpack_literal(&block, ":status", "204");
  h2server_hpack_literal(&block, "x-by", "hand");
  h2server_buf_frame(&raw_response, NGHTTP2_HEADERS,
                     NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM, 1,
                     block.data, block.len);
  memset(conns, 0, sizeof(conns));
  conns[0].raw_after_settings = after_settings.data;
  conns[0].raw_after_settings_len = after_settings.len;
  /* connection 1: the client must get SETTINGS first; it gets DATA on
   * stream 0 before them */
  conns[1].raw_at_start = "\0\0\0\0\0\0\0\0\0";
  conns[1].raw_at_start_len = 9;
  memset(responses, 0, sizeof(responses));
  responses[0].path = "/raw";
  responses[0].raw = raw_response.data;
  responses[0].raw_len = raw_response.len;
  responses[1].body = "normal";
  memset(&cfg, 0, sizeof(cfg));
  cfg.conns = conns;
  cfg.nconns = 2;
  cfg.responses = responses;
  cfg.nresponses = 2;
  s = start_server(&cfg);
  h2server_buf_free(&after_settings);
  h2server_buf_free(&raw_response);
  h2server_buf_free(&block);
  ASSERT_NOT_NULL(s);
  port = h2server_port(s);

  ASSERT_EQ(client_start(&c, port, NULL, 0), 0);
  raw = client_get(&c, port, "/raw");
  ASSERT_EQ(client_run(&c, stream_is_closed, raw, WAIT_MS), 0);
  ASSERT_EQ(raw->status, 204);
  ASSERT_STR_EQ(raw->headers, ":status: 204\nx-by: hand\n");
  /* the raw HEADERS left nghttp2's HPACK state alone: the next response
   * still decodes */
  normal = client_get(&c, port, "/n");
  ASSERT_EQ(client_run(&c, stream_is_closed, normal, WAIT_MS), 0);
  ASSERT_MEM_EQ(normal->body, normal->body_len, "normal");
  ASSERT_EQ(h2server_wait(s, H2SERVER_PING_ACKS, 1, WAIT_MS), 0);
  nframes = h2server_frames(s, 0, &frames);
  {
    const h2server_frame *ack =
        nth_frame_of_type(frames, nframes, NGHTTP2_PING, 0);
    ASSERT_NOT_NULL(ack);
    ASSERT_EQ(ack->flags, NGHTTP2_FLAG_ACK);
    ASSERT_EQ(memcmp(ack->opaque, opaque, 8), 0);
  }
  free(frames);
  client_free(&c);

  ASSERT_EQ(client_connect(&c, port), 0);
  ASSERT_EQ(client_session(&c, NULL, 0, 0), 0);
  ASSERT_EQ(client_run(&c, client_error_seen, NULL, WAIT_MS), 0);
  client_run_for(&c, 50);
  ASSERT(c.session_error != 0 || c.frames[NGHTTP2_SETTINGS] == 0);
  /* nghttp2 answered the bad first frame with GOAWAY PROTOCOL_ERROR */
  ASSERT_EQ(h2server_wait(s, H2SERVER_FRAMES, 1, WAIT_MS), 0);
  client_free(&c);
  ASSERT_EQ(h2server_wait_closed(s, 2, WAIT_MS), 0);
  nframes = h2server_frames(s, 1, &frames);
  {
    const h2server_frame *goaway =
        nth_frame_of_type(frames, nframes, NGHTTP2_GOAWAY, 0);
    ASSERT_NOT_NULL(goaway);
    ASSERT_EQ(goaway->error_code, NGHTTP2_PROTOCOL_ERROR);
  }
  free(frames);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2server_injected_floods_and_malformed_frames_reach_the_client) {
  h2server_buf flood = {0}, continuation = {0}, bad = {0}, block = {0};
  h2server_conn_script conns[1];
  h2server_config cfg;
  h2server_response response;
  h2server_frame *frames;
  size_t nframes;
  client c;
  cstream *st;
  h2server *s;
  int port;

  memset(&response, 0, sizeof(response));
  response.body = "ok";
  response.delay_ms = 60000; /* never answered: the stream stays open */
  memset(conns, 0, sizeof(conns));
  conns[0].detach_after_raw = 1; /* nghttp2 would take the ACKs badly */
  memset(&cfg, 0, sizeof(cfg));
  cfg.conns = conns;
  cfg.nconns = 1;
  cfg.responses = &response;
  cfg.nresponses = 1;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  port = h2server_port(s);

  /* A SETTINGS flood: the client acks every one, and the server records
   * each ACK. */
  ASSERT_EQ(client_start(&c, port, NULL, 0), 0);
  for (int i = 0; i < 100; i++) {
    nghttp2_settings_entry e = {NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 4096};
    h2server_buf_settings(&flood, 0, &e, 1);
  }
  ASSERT_EQ(h2server_inject(s, 0, flood.data, flood.len), 0);
  ASSERT_EQ(wait_server_frames(&c, s, 0, NGHTTP2_SETTINGS, NGHTTP2_FLAG_ACK,
                               101),
            101);
  ASSERT_EQ(c.frames[NGHTTP2_SETTINGS], 1 + 100 + 1); /* and our ACK */

  /* A malformed frame (DATA on stream 0): the client ends the connection
   * with GOAWAY PROTOCOL_ERROR, which the server records. */
  h2server_buf_frame(&bad, NGHTTP2_DATA, 0, 0, "x", 1);
  ASSERT_EQ(h2server_inject(s, 0, bad.data, bad.len), 0);
  ASSERT_EQ(client_run(&c, client_error_seen, NULL, WAIT_MS), 0);
  client_run_for(&c, 50);
  client_free(&c);
  ASSERT_EQ(h2server_wait_closed(s, 1, WAIT_MS), 0);
  nframes = h2server_frames(s, 0, &frames);
  ASSERT_EQ(frames[nframes - 1].type, NGHTTP2_GOAWAY);
  ASSERT_EQ(frames[nframes - 1].error_code, NGHTTP2_PROTOCOL_ERROR);
  free(frames);

  /* A CONTINUATION flood on an open stream: the client's nghttp2 gives
   * up after its limit of CONTINUATION frames. */
  ASSERT_EQ(client_start(&c, port, NULL, 0), 0);
  st = client_get(&c, port, "/");
  ASSERT_EQ(client_flush(&c), 0);
  ASSERT_EQ(h2server_wait(s, H2SERVER_STREAMS, 1, WAIT_MS), 0);
  h2server_hpack_literal(&block, ":status", "200");
  h2server_buf_frame(&continuation, NGHTTP2_HEADERS, 0, (uint32_t)st->id,
                     block.data, block.len);
  for (int i = 0; i < 1000; i++) {
    h2server_buf blk = {0};
    h2server_hpack_literal(&blk, "x-flood", "yes");
    h2server_buf_frame(&continuation, NGHTTP2_CONTINUATION, 0,
                       (uint32_t)st->id, blk.data, blk.len);
    h2server_buf_free(&blk);
  }
  ASSERT_EQ(h2server_inject(s, 1, continuation.data, continuation.len), 0);
  ASSERT_EQ(client_run(&c, client_error_seen, NULL, WAIT_MS), 0);
  ASSERT_EQ(c.session_error, NGHTTP2_ERR_TOO_MANY_CONTINUATIONS);
  client_free(&c);

  h2server_buf_free(&flood);
  h2server_buf_free(&bad);
  h2server_buf_free(&block);
  h2server_buf_free(&continuation);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2server_records_the_client_frames_with_their_values) {
  h2server_response response;
  h2server_config cfg;
  h2server_request req;
  h2server_frame *frames;
  nghttp2_priority_spec pri;
  const h2server_frame *f;
  size_t nframes;
  client c;
  cstream *st;
  h2server *s;
  int port;

  memset(&response, 0, sizeof(response));
  response.delay_ms = 60000;
  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = &response;
  cfg.nresponses = 1;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  port = h2server_port(s);
  ASSERT_EQ(client_start(&c, port, NULL, 0), 0);
  st = client_get(&c, port, "/slow");
  ASSERT_EQ(nghttp2_submit_window_update(c.session, NGHTTP2_FLAG_NONE, 0,
                                         100000),
            0);
  nghttp2_priority_spec_init(&pri, 0, 42, 1);
  ASSERT_EQ(nghttp2_submit_priority(c.session, NGHTTP2_FLAG_NONE, st->id,
                                    &pri),
            0);
  ASSERT_EQ(client_flush(&c), 0);
  ASSERT_EQ(h2server_wait(s, H2SERVER_STREAMS, 1, WAIT_MS), 0);
  ASSERT_EQ(nghttp2_submit_rst_stream(c.session, NGHTTP2_FLAG_NONE, st->id,
                                      NGHTTP2_CANCEL),
            0);
  ASSERT_EQ(nghttp2_submit_goaway(c.session, NGHTTP2_FLAG_NONE, 0,
                                  NGHTTP2_NO_ERROR, (const uint8_t *)"bye", 3),
            0);
  ASSERT_EQ(client_flush(&c), 0);
  ASSERT_EQ(h2server_wait_requests(s, 1, WAIT_MS), 0);
  ASSERT_EQ(h2server_wait_closed(s, 1, WAIT_MS), 0);

  nframes = h2server_frames(s, 0, &frames);
  f = nth_frame_of_type(frames, nframes, NGHTTP2_WINDOW_UPDATE, 0);
  ASSERT_NOT_NULL(f);
  ASSERT_EQ(f->stream_id, 0);
  ASSERT_EQ(f->window_increment, 100000);
  f = nth_frame_of_type(frames, nframes, NGHTTP2_PRIORITY, 0);
  ASSERT_NOT_NULL(f);
  ASSERT_EQ(f->stream_id, st->id);
  ASSERT(f->has_priority);
  ASSERT_EQ(f->dep_stream_id, 0);
  ASSERT_EQ(f->weight, 41);
  ASSERT_EQ(f->exclusive, 1);
  f = nth_frame_of_type(frames, nframes, NGHTTP2_RST_STREAM, 0);
  ASSERT_NOT_NULL(f);
  ASSERT_EQ(f->stream_id, st->id);
  ASSERT_EQ(f->error_code, NGHTTP2_CANCEL);
  f = nth_frame_of_type(frames, nframes, NGHTTP2_GOAWAY, 0);
  ASSERT_NOT_NULL(f);
  ASSERT_EQ(f->last_stream_id, 0);
  ASSERT_EQ(f->error_code, NGHTTP2_NO_ERROR);
  ASSERT_EQ(f->debug_len, 3);
  ASSERT_EQ(f->length, 11);
  f = nth_frame_of_type(frames, nframes, NGHTTP2_HEADERS, 0);
  ASSERT_NOT_NULL(f);
  ASSERT_EQ(f->stream_id, 1);
  free(frames);

  ASSERT_EQ(h2server_request_get(s, 0, &req), 0);
  ASSERT(req.reset);
  ASSERT_EQ(req.reset_code, NGHTTP2_CANCEL);
  ASSERT(req.closed);
  ASSERT_EQ(req.close_code, NGHTTP2_CANCEL);
  h2server_request_free(&req);
  client_free(&c);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2server_content_length_that_disagrees_is_sent_as_scripted) {
  h2server_response response;
  h2server_config cfg;
  h2server_frame *frames;
  const h2server_frame *rst;
  size_t nframes;
  client c;
  cstream *st;
  h2server *s;
  int port;

  memset(&response, 0, sizeof(response));
  response.body = "hello";
  response.send_content_length = 1;
  response.content_length_skew = 3;
  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = &response;
  cfg.nresponses = 1;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  port = h2server_port(s);
  ASSERT_EQ(client_start(&c, port, NULL, 0), 0);
  st = client_get(&c, port, "/");
  ASSERT_EQ(client_run(&c, stream_is_closed, st, WAIT_MS), 0);
  ASSERT_STR_EQ(st->headers, ":status: 200\ncontent-length: 8\n");
  /* nghttp2's client finds 5 bytes where 8 were announced */
  ASSERT_EQ(st->close_code, NGHTTP2_PROTOCOL_ERROR);
  ASSERT_EQ(wait_server_frames(&c, s, 0, NGHTTP2_RST_STREAM, 0, 1), 1);
  nframes = h2server_frames(s, 0, &frames);
  rst = nth_frame_of_type(frames, nframes, NGHTTP2_RST_STREAM, 0);
  ASSERT_NOT_NULL(rst);
  ASSERT_EQ(rst->stream_id, st->id);
  ASSERT_EQ(rst->error_code, NGHTTP2_PROTOCOL_ERROR);
  free(frames);
  client_free(&c);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2server_raw_headers_are_sent_exactly) {
  static const h2server_header late_status[] = {{"x-first", "1", 0, 0},
                                                {":status", "200", 0, 0}};
  static const h2server_header upper[] = {{":status", "200", 0, 0},
                                          {"X-Upper", "V", 0, 0}};
  h2server_response responses[2];
  h2server_config cfg;
  client c;
  cstream *late, *up;
  h2server *s;
  int port;

  memset(responses, 0, sizeof(responses));
  responses[0].path = "/late";
  responses[0].raw_headers = 1;
  responses[0].headers = late_status;
  responses[0].nheaders = 2;
  responses[1].path = "/upper";
  responses[1].raw_headers = 1;
  responses[1].headers = upper;
  responses[1].nheaders = 2;
  memset(&cfg, 0, sizeof(cfg));
  cfg.responses = responses;
  cfg.nresponses = 2;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  port = h2server_port(s);

  /* a validating client resets both */
  ASSERT_EQ(client_start(&c, port, NULL, 0), 0);
  late = client_get(&c, port, "/late");
  up = client_get(&c, port, "/upper");
  ASSERT_EQ(client_run(&c, all_closed, NULL, WAIT_MS), 0);
  ASSERT_EQ(late->close_code, NGHTTP2_PROTOCOL_ERROR);
  ASSERT_EQ(up->close_code, NGHTTP2_PROTOCOL_ERROR);
  client_free(&c);

  /* one that does not validate shows what was sent */
  ASSERT_EQ(client_connect(&c, port), 0);
  ASSERT_EQ(client_session(&c, NULL, 0, 1), 0);
  late = client_get(&c, port, "/late");
  up = client_get(&c, port, "/upper");
  ASSERT_EQ(client_run(&c, all_closed, NULL, WAIT_MS), 0);
  ASSERT_STR_EQ(late->headers, "x-first: 1\n:status: 200\n");
  ASSERT_STR_EQ(up->headers, ":status: 200\nX-Upper: V\n");
  client_free(&c);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2server_no_http_messaging_records_requests_nghttp2_would_reset) {
  static const char *const extra[] = {"X-Upper", "1", "connection", "close",
                                      NULL};
  h2server_config cfg;
  h2server_request req;
  client c;
  cstream *st;
  h2server *s;
  int port;

  for (int lenient = 0; lenient <= 1; lenient++) {
    memset(&cfg, 0, sizeof(cfg));
    cfg.no_http_messaging = lenient;
    s = start_server(&cfg);
    ASSERT_NOT_NULL(s);
    port = h2server_port(s);
    ASSERT_EQ(client_connect(&c, port), 0);
    ASSERT_EQ(client_session(&c, NULL, 0, 1), 0);
    st = client_request(&c, port, "GET", "/", extra, NULL, 0);
    ASSERT_EQ(client_run(&c, stream_is_closed, st, WAIT_MS), 0);
    if (!lenient) {
      /* nghttp2 resets the stream before the request is complete */
      ASSERT_EQ(st->close_code, NGHTTP2_PROTOCOL_ERROR);
      ASSERT_EQ(h2server_get(s, H2SERVER_RESPONSES), 0);
    } else {
      ASSERT_EQ(st->status, 404);
      ASSERT_EQ(h2server_request_get(s, 0, &req), 0);
      ASSERT_EQ(req.nheaders, 6);
      ASSERT_STR_EQ(req.headers[4].name, "X-Upper");
      ASSERT_STR_EQ(req.headers[5].name, "connection");
      h2server_request_free(&req);
    }
    client_free(&c);
    ASSERT_EQ(h2server_stop(s), 0);
  }
  return 0;
}

TEST_IMPL(h2server_settings_from_the_config_reach_the_client) {
  static const nghttp2_settings_entry iv[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 7},
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 1},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 12345},
      {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 20000},
      {NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 1024},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 8000}};
  static const nghttp2_settings_entry bad[] = {
      {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 100}};
  h2server_config cfg;
  client c;
  h2server *s;

  memset(&cfg, 0, sizeof(cfg));
  cfg.settings = iv;
  cfg.nsettings = 6;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(client_start(&c, h2server_port(s), NULL, 0), 0);
  ASSERT_EQ(c.nsettings, 5); /* ENABLE_PUSH dropped, the rest in order */
  ASSERT_EQ(c.settings[0].settings_id,
            NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
  ASSERT_EQ(c.settings[0].value, 7);
  ASSERT_EQ(c.settings[1].settings_id, NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE);
  ASSERT_EQ(c.settings[1].value, 12345);
  ASSERT_EQ(c.settings[2].settings_id, NGHTTP2_SETTINGS_MAX_FRAME_SIZE);
  ASSERT_EQ(c.settings[2].value, 20000);
  ASSERT_EQ(c.settings[3].settings_id, NGHTTP2_SETTINGS_HEADER_TABLE_SIZE);
  ASSERT_EQ(c.settings[3].value, 1024);
  ASSERT_EQ(c.settings[4].settings_id,
            NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE);
  ASSERT_EQ(c.settings[4].value, 8000);
  client_free(&c);
  ASSERT_EQ(h2server_stop(s), 0);

  cfg.settings = bad;
  cfg.nsettings = 1;
  ASSERT_NULL(h2server_start(&cfg));
  return 0;
}

TEST_IMPL(h2server_bad_client_preface_ends_the_connection) {
  static const char bad[] = "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n";
  h2server_config cfg;
  h2server_conn_info info;
  char buf[64];
  client c;
  h2server *s;

  memset(&cfg, 0, sizeof(cfg));
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(client_connect(&c, h2server_port(s)), 0);
  ASSERT_EQ(client_send_raw(&c, bad, strlen(bad)), 0);
  ASSERT_EQ(h2server_wait_closed(s, 1, WAIT_MS), 0);
  client_read_n(&c, buf, sizeof(buf)); /* the SETTINGS, then EOF */
  ASSERT_EQ(h2server_connection(s, 0, &info), 0);
  ASSERT_EQ(info.proto, H2SERVER_PROTO_H2);
  ASSERT(!info.preface_seen);
  ASSERT(info.preface_bad);
  ASSERT_EQ(info.session_error, NGHTTP2_ERR_BAD_CLIENT_MAGIC);
  ASSERT_EQ(h2server_get(s, H2SERVER_FRAMES), 0);
  client_free(&c);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2server_stop_closes_connections_still_open) {
  h2server_config cfg;
  client a, b;
  h2server *s;

  memset(&cfg, 0, sizeof(cfg));
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(client_start(&a, h2server_port(s), NULL, 0), 0);
  ASSERT_EQ(client_connect(&b, h2server_port(s)), 0);
  ASSERT_EQ(client_send_raw(&b, "PRI * HTTP/2.0\r\n", 16), 0);
  ASSERT_EQ(h2server_wait(s, H2SERVER_CONNECTIONS, 2, WAIT_MS), 0);
  ASSERT_EQ(h2server_stop(s), 0);
  ASSERT_EQ(client_run(&a, connection_over, NULL, WAIT_MS), 0);
  client_free(&a);
  client_free(&b);
  return 0;
}

/* h2load, a real HTTP/2 client from nghttp2-client: 1000 requests over
 * one cleartext connection, 10 streams at a time. */
TEST_IMPL(h2server_serves_h2load_1000_requests_at_10_streams) {
  static const nghttp2_settings_entry iv[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100}};
  h2server_response response;
  h2server_config cfg;
  tproc_result r;
  char url[64];
  const char *line;
  unsigned total, started, done, succeeded, failed, errored, timeout, ok2xx;
  h2server *s;

  memset(&response, 0, sizeof(response));
  response.body_size = 1000;
  memset(&cfg, 0, sizeof(cfg));
  cfg.settings = iv;
  cfg.nsettings = 1;
  cfg.responses = &response;
  cfg.nresponses = 1;
  s = start_server(&cfg);
  ASSERT_NOT_NULL(s);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/load", h2server_port(s));
  {
    const char *const argv[] = {"h2load", "-n", "1000", "-c", "1", "-m", "10",
                                url, NULL};
    ASSERT_EQ(tproc_run(argv, NULL, 60000, &r), 0);
  }
  line = strstr(r.out, "requests: ");
  if (r.exit_code != 0 || line == NULL)
    tproc_result_dump("h2load", &r);
  ASSERT_EQ(r.exit_code, 0);
  ASSERT_NOT_NULL(line);
  ASSERT_EQ(sscanf(line,
                   "requests: %u total, %u started, %u done, %u succeeded, "
                   "%u failed, %u errored, %u timeout",
                   &total, &started, &done, &succeeded, &failed, &errored,
                   &timeout),
            7);
  ASSERT_EQ(total, 1000);
  ASSERT_EQ(done, 1000);
  ASSERT_EQ(succeeded, 1000);
  ASSERT_EQ(failed, 0);
  ASSERT_EQ(errored, 0);
  ASSERT_EQ(timeout, 0);
  line = strstr(r.out, "status codes: ");
  ASSERT_NOT_NULL(line);
  ASSERT_EQ(sscanf(line, "status codes: %u 2xx", &ok2xx), 1);
  ASSERT_EQ(ok2xx, 1000);
  tproc_result_free(&r);

  ASSERT_EQ(h2server_wait_requests(s, 1000, WAIT_MS), 0);
  ASSERT_EQ(h2server_get(s, H2SERVER_CONNECTIONS), 1);
  ASSERT_EQ(h2server_get(s, H2SERVER_RESPONSES), 1000);
  ASSERT_LE(h2server_get(s, H2SERVER_MAX_OPEN_STREAMS), 10);
  ASSERT_EQ(h2server_stop(s), 0);
  return 0;
}

TEST_IMPL(h2server_raw_frame_writers_build_exact_bytes) {
  static const uint8_t opaque[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  static const nghttp2_settings_entry iv[] = {
      {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 0x4000}};
  h2server_buf b = {0};
  char long_value[200];

  h2server_buf_frame_header(&b, 0x123456, 0xfa, 0x5, 0x80000007u);
  ASSERT_EQ(b.len, 9);
  ASSERT_EQ(memcmp(b.data, "\x12\x34\x56\xfa\x05\x80\x00\x00\x07", 9), 0);
  h2server_buf_free(&b);

  h2server_buf_settings(&b, 0, iv, 1);
  ASSERT_EQ(b.len, 15);
  ASSERT_EQ(memcmp(b.data, "\0\0\6\4\0\0\0\0\0\0\5\0\0\x40\0", 15), 0);
  h2server_buf_free(&b);

  h2server_buf_ping(&b, NGHTTP2_FLAG_ACK, opaque);
  ASSERT_EQ(memcmp(b.data, "\0\0\x08\x06\x01\0\0\0\0\1\2\3\4\5\6\7\x08", 17),
            0);
  h2server_buf_free(&b);

  h2server_buf_rst_stream(&b, 3, NGHTTP2_CANCEL);
  ASSERT_EQ(memcmp(b.data, "\0\0\4\3\0\0\0\0\3\0\0\0\x08", 13), 0);
  h2server_buf_free(&b);

  h2server_buf_goaway(&b, 5, NGHTTP2_ENHANCE_YOUR_CALM, "db", 2);
  ASSERT_EQ(b.len, 19);
  ASSERT_EQ(memcmp(b.data, "\0\0\x0a\x07\0\0\0\0\0\0\0\0\5\0\0\0\x0b" "db", 19),
            0);
  h2server_buf_free(&b);

  h2server_buf_window_update(&b, 0, 65535);
  ASSERT_EQ(memcmp(b.data, "\0\0\4\x08\0\0\0\0\0\0\0\xff\xff", 13), 0);
  h2server_buf_free(&b);

  /* HPACK literal, new name, no indexing; a length of 200 needs the
   * integer continuation (127 + 73) */
  h2server_hpack_literal(&b, "ab", "c");
  ASSERT_EQ(b.len, 6);
  ASSERT_EQ(memcmp(b.data, "\0\2ab\1c", 6), 0);
  h2server_buf_free(&b);
  memset(long_value, 'v', sizeof(long_value) - 1);
  long_value[sizeof(long_value) - 1] = '\0';
  h2server_hpack_literal(&b, "n", long_value);
  ASSERT_EQ(b.len, 1 + 2 + 2 + 199);
  ASSERT_EQ((uint8_t)b.data[3], 0x7f);
  ASSERT_EQ((uint8_t)b.data[4], 199 - 127);
  h2server_buf_free(&b);

  ASSERT(h2server_body_check("\0\7\16", 3, 0));
  ASSERT(!h2server_body_check("\0\7\17", 3, 0));
  ASSERT_EQ(h2server_body_byte(251), (251 * 7 + 1) % 256);
  return 0;
}

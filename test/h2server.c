/* The scripted HTTP/2 test server (see h2server.h).
 *
 * Threads: the server thread runs the loop and owns every handle, every
 * nghttp2 session and every mbedTLS context. Other threads read records
 * and counters, and queue commands, under s->lock; the server thread takes
 * the lock to change what they read, and reads it without.
 *
 * Layers of a connection: bytes from the socket go through TLS (if any) to
 * plaintext, which is logged and handed to the protocol in use: the
 * sniffer (cleartext, before the first bytes decide), the HTTP/1.1
 * responder, or HTTP/2, where the frame recorder and nghttp2's session
 * each see every byte. Whatever the server says goes through conn_send()
 * (TLS) into c->out, which conn_write_out() hands to uv_write().
 *
 * nghttp2 callbacks never write, close or answer: they record and set
 * flags, and conn_drive() acts once nghttp2 has returned, since nghttp2 is
 * not reentrant and a session must not be deleted under itself.
 *
 * Lifetime: connections, streams, request records and the copy of the
 * configuration live until h2server_stop(), after the loop has ended; a
 * connection's nghttp2 session is deleted when the connection closes.
 */
#include "h2server.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#define READ_BUFFER_SIZE 65536
#define LISTEN_BACKLOG 1024
/* nghttp2 output is pulled only while less than this waits to be written */
#define WRITE_HIGH_WATER (256 * 1024)
/* an HTTP/1.1 request head longer than this ends the connection */
#define HTTP1_HEAD_MAX (1024 * 1024)
/* payload bytes of each received frame kept for decoding */
#define FRAME_KEEP 128
#define PREFACE_LEN 24

static const char client_preface[PREFACE_LEN + 1] =
    "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

static const char switching_protocols[] =
    "HTTP/1.1 101 Switching Protocols\r\n"
    "Connection: Upgrade\r\n"
    "Upgrade: h2c\r\n"
    "\r\n";

static const h2server_response not_found = {.status = 404};

/* -- allocation ------------------------------------------------------------- */

static void out_of_memory(void) {
  fprintf(stderr, "h2server: out of memory\n");
  abort();
}

static void *xrealloc(void *p, size_t size) {
  p = realloc(p, size ? size : 1);
  if (p == NULL)
    out_of_memory();
  return p;
}

static void *xcalloc(size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (p == NULL)
    out_of_memory();
  return p;
}

/* A copy of n bytes with a NUL after them. */
static char *xmemdup(const void *p, size_t n) {
  char *q = xrealloc(NULL, n + 1);
  if (n > 0)
    memcpy(q, p, n);
  q[n] = '\0';
  return q;
}

static void array_reserve(void **array, size_t *cap, size_t need,
                          size_t size) {
  size_t n = *cap ? *cap : 16;
  if (need <= *cap)
    return;
  while (n < need)
    n *= 2;
  *array = xrealloc(*array, n * size);
  *cap = n;
}

/* A byte array that only grows. */
struct bytes {
  char *data;
  size_t len, cap;
};

static void bytes_add(struct bytes *b, const void *p, size_t n) {
  if (n == 0)
    return;
  array_reserve((void **)&b->data, &b->cap, b->len + n, 1);
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

static void bytes_free(struct bytes *b) {
  free(b->data);
  memset(b, 0, sizeof(*b));
}

/* -- types ------------------------------------------------------------------- */

/* A header list being recorded. */
struct hlist {
  h2server_header *v;
  size_t n, cap;
};

/* What a request recorded; written under s->lock by the server thread. */
struct h2req {
  unsigned conn_index;
  int32_t stream_id;
  struct hlist headers, trailers;
  struct bytes body;
  int ended, reset, closed;
  uint32_t reset_code, close_code;
  unsigned invalid_headers;
};

enum timer_kind { TIMER_ANSWER, TIMER_FRAME };

/* A stream the server answers: a request, or a pushed response. */
struct h2stream {
  struct h2conn *conn;
  struct h2stream *next;       /* in conn->streams */
  struct h2stream *ready_next; /* in conn's ready list */
  int32_t id;
  struct h2req *req; /* NULL for a pushed stream */
  const h2server_response *resp;
  int pushed;
  int hold;    /* its DATA is held, not consumed */
  size_t held; /* DATA bytes received and not consumed */
  unsigned char queued, answered, delay_done, closed;
  uv_timer_t timer;
  unsigned char timer_init, timer_running;
  enum timer_kind timer_kind;
  /* the body being sent */
  const char *body; /* NULL: generated */
  char *echo;       /* the copy echo sends */
  size_t body_len;
  size_t sent;
  size_t rst_at; /* with has_rst_at: reset after this many bytes */
  int has_rst_at, rst_submitted;
  int rst_after_headers; /* reset once the final HEADERS is out */
  unsigned frames_sent;
  int frame_delay_done;
  unsigned headers_sent; /* HEADERS frames sent on the stream */
  char status[16];
  char content_length[32];
};

/* What a connection's plaintext goes to; conn_set_mode() is the only
 * writer. */
#define CONN_MODES(X)                                                          \
  X(TLS_HANDSHAKE) /* nothing yet: the handshake runs */                      \
  X(SNIFF)         /* cleartext: the first bytes decide */                    \
  X(HTTP1)         /* HTTP/1.1 requests, answered plainly or upgraded */      \
  X(H2)            /* the frame recorder and nghttp2 */

enum conn_mode {
#define X(name) MODE_##name,
  CONN_MODES(X)
#undef X
};

static const char *conn_mode_name(enum conn_mode mode) {
  switch (mode) {
#define X(name)                                                                \
  case MODE_##name:                                                            \
    return #name;
    CONN_MODES(X)
#undef X
  }
  return "?";
}

enum reader_state { READER_PREFACE, READER_HEAD, READER_PAYLOAD, READER_DEAD };

/* The frame recorder's reader: sans-IO, bytes in, frames out. */
struct frame_reader {
  enum reader_state state;
  size_t got; /* bytes of the preface, head or payload so far */
  uint8_t head[9];
  uint32_t length;
  uint8_t keep[FRAME_KEEP];
};

struct h2conn {
  h2server *server;
  unsigned index;
  const h2server_conn_script *script;
  uv_tcp_t tcp;
  uv_shutdown_t shutdown_req;
  enum conn_mode mode;

  int tls;
  mbedtls_ssl_context ssl;
  struct bytes tls_in; /* ciphertext received, [tls_in_off, len) unread */
  size_t tls_in_off;

  struct bytes in; /* plaintext for the sniffer and HTTP/1.1 */
  size_t in_off;
  struct bytes out; /* bytes for the next uv_write (ciphertext under TLS) */

  nghttp2_session *session;
  int feed_stopped; /* nghttp2 gets no more input and gives no more output */
  struct frame_reader reader;
  struct h2stream *streams, *streams_tail;
  struct h2stream *ready_head, *ready_tail; /* to answer */
  unsigned open_streams;
  unsigned requests_done;
  int hold_all;
  int goaway_due;               /* the script's AFTER_REQUESTS GOAWAY */
  h2server_close goaway_close;  /* how to close once a GOAWAY is out */
  h2server_close close_due;     /* a GOAWAY with close went out */
  uint64_t ping_seq;

  unsigned writes_pending;
  unsigned char peer_eof, ending, reset_when_flushed, shut_started, shut;
  unsigned char closing, counted_closed;

  /* under server->lock */
  struct bytes log;
  h2server_frame *frames;
  size_t nframes, frames_cap;
  h2server_conn_info info;
};

enum cmd_kind { CMD_WINDOW_UPDATE, CMD_RELEASE, CMD_PING, CMD_GOAWAY,
                CMD_INJECT };

struct cmd {
  struct cmd *next;
  enum cmd_kind kind;
  unsigned conn_index;
  int32_t stream_id;
  int32_t increment;
  h2server_goaway goaway;
  char *data;
  size_t len;
};

/* A block of the configuration copy. */
struct kept {
  struct kept *next;
  max_align_t align[]; /* the copied bytes */
};

struct h2server {
  uv_loop_t loop;
  uv_tcp_t listener;
  uv_async_t stop_async;
  uv_async_t cmd_async;
  uv_thread_t thread;
  int port;
  int loop_close_result;
  char read_buffer[READ_BUFFER_SIZE];  /* server thread only */
  char plain_buffer[READ_BUFFER_SIZE]; /* decrypted, server thread only */

  /* the configuration, copied; read-only once started */
  h2server_config cfg;
  struct kept *kept;
  nghttp2_settings_entry *settings;
  size_t nsettings;
  nghttp2_session_callbacks *callbacks;
  nghttp2_option *option;

  int tls_ready;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_ssl_config conf;
  mbedtls_x509_crt cert;
  mbedtls_pk_context key;

  uv_mutex_t lock; /* guards what follows */
  uv_cond_t cond;
  unsigned stats[H2SERVER_STAT_COUNT];
  struct h2conn **conns;
  size_t nconns, conns_cap;
  struct h2req **requests;
  size_t nrequests, requests_cap;
  struct cmd *cmds, *cmds_tail;
};

/* A message on stderr about connection c. */
static void conn_warn(const struct h2conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void conn_warn(const struct h2conn *c, const char *fmt, ...) {
  char text[512];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  fprintf(stderr, "h2server: connection %u [%s]: %s\n", c->index,
          conn_mode_name(c->mode), text);
}

/* -- the configuration copy --------------------------------------------------- */

static void *keep(h2server *s, const void *p, size_t n) {
  struct kept *k = xcalloc(1, sizeof(*k) + n + 1);
  if (n > 0)
    memcpy(k->align, p, n);
  k->next = s->kept;
  s->kept = k;
  return k->align;
}

static const char *keep_str(h2server *s, const char *p, size_t *len) {
  size_t n;
  if (p == NULL)
    return NULL;
  n = (len != NULL && *len > 0) ? *len : strlen(p);
  if (len != NULL)
    *len = n;
  return keep(s, p, n);
}

static const h2server_header *keep_headers(h2server *s,
                                           const h2server_header *h,
                                           size_t n) {
  h2server_header *copy;
  if (n == 0)
    return NULL;
  copy = keep(s, h, n * sizeof(*h));
  for (size_t i = 0; i < n; i++) {
    copy[i].name = keep_str(s, h[i].name ? h[i].name : "", &copy[i].name_len);
    copy[i].value =
        keep_str(s, h[i].value ? h[i].value : "", &copy[i].value_len);
  }
  return copy;
}

static void keep_goaway(h2server *s, h2server_goaway *g) {
  if (g->debug_data != NULL)
    g->debug_data = keep_str(s, g->debug_data, &g->debug_len);
  else
    g->debug_len = 0;
}

static void keep_response(h2server *s, h2server_response *r) {
  r->path = keep_str(s, r->path, NULL);
  r->headers = keep_headers(s, r->headers, r->nheaders);
  r->body = keep_str(s, r->body, &r->body_len);
  r->trailers = keep_headers(s, r->trailers, r->ntrailers);
  if (r->ninformational > 0) {
    h2server_info *info = keep(s, r->informational,
                               r->ninformational * sizeof(*info));
    for (size_t i = 0; i < r->ninformational; i++)
      info[i].headers = keep_headers(s, info[i].headers, info[i].nheaders);
    r->informational = info;
  }
  keep_goaway(s, &r->goaway);
  r->push_path = keep_str(s, r->push_path, NULL);
  r->raw = keep_str(s, r->raw, &r->raw_len);
}

static void keep_conn_script(h2server *s, h2server_conn_script *cs) {
  cs->raw_at_start = keep_str(s, cs->raw_at_start, &cs->raw_at_start_len);
  cs->raw_after_settings =
      keep_str(s, cs->raw_after_settings, &cs->raw_after_settings_len);
  keep_goaway(s, &cs->goaway);
}

static void keep_config(h2server *s, const h2server_config *cfg) {
  s->cfg = *cfg;
  s->cfg.cert = keep_str(s, cfg->cert, NULL);
  s->cfg.key = keep_str(s, cfg->key, NULL);
  s->cfg.settings = NULL;
  s->cfg.nsettings = 0;
  s->settings = xcalloc(cfg->nsettings, sizeof(*s->settings));
  for (size_t i = 0; i < cfg->nsettings; i++)
    if (cfg->settings[i].settings_id != NGHTTP2_SETTINGS_ENABLE_PUSH)
      s->settings[s->nsettings++] = cfg->settings[i];
  if (cfg->nresponses > 0) {
    h2server_response *r =
        keep(s, cfg->responses, cfg->nresponses * sizeof(*r));
    for (size_t i = 0; i < cfg->nresponses; i++)
      keep_response(s, &r[i]);
    s->cfg.responses = r;
  }
  if (cfg->nconns > 0) {
    h2server_conn_script *cs = keep(s, cfg->conns, cfg->nconns * sizeof(*cs));
    for (size_t i = 0; i < cfg->nconns; i++)
      keep_conn_script(s, &cs[i]);
    s->cfg.conns = cs;
  }
  keep_conn_script(s, &s->cfg.default_conn);
  if (cfg->http1_response == NULL) {
    s->cfg.http1_response = H2SERVER_HTTP1_RESPONSE;
    s->cfg.http1_response_len = strlen(H2SERVER_HTTP1_RESPONSE);
  } else {
    s->cfg.http1_response =
        keep_str(s, cfg->http1_response, &s->cfg.http1_response_len);
  }
}

static const h2server_response *find_response(const h2server *s,
                                              const char *path, size_t len) {
  const h2server_response *fallback = &not_found;
  for (size_t i = 0; i < s->cfg.nresponses; i++) {
    const h2server_response *r = &s->cfg.responses[i];
    if (r->path == NULL)
      fallback = r;
    else if (path != NULL && strlen(r->path) == len &&
             memcmp(r->path, path, len) == 0)
      return r;
  }
  return fallback;
}

/* -- counters ---------------------------------------------------------------- */

/* Call with s->lock held. */
static void stat_add_locked(h2server *s, h2server_stat which) {
  s->stats[which]++;
  uv_cond_broadcast(&s->cond);
}

static void stat_add(h2server *s, h2server_stat which) {
  uv_mutex_lock(&s->lock);
  stat_add_locked(s, which);
  uv_mutex_unlock(&s->lock);
}

unsigned h2server_get(h2server *s, h2server_stat which) {
  unsigned n = 0;
  uv_mutex_lock(&s->lock);
  if ((unsigned)which < H2SERVER_STAT_COUNT)
    n = s->stats[which];
  uv_mutex_unlock(&s->lock);
  return n;
}

int h2server_wait(h2server *s, h2server_stat which, unsigned n,
                  unsigned timeout_ms) {
  uint64_t deadline = uv_hrtime() + (uint64_t)timeout_ms * 1000000u;
  int result;

  if ((unsigned)which >= H2SERVER_STAT_COUNT)
    return -1;
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

int h2server_wait_closed(h2server *s, unsigned n, unsigned timeout_ms) {
  return h2server_wait(s, H2SERVER_CLOSED, n, timeout_ms);
}

int h2server_wait_requests(h2server *s, unsigned n, unsigned timeout_ms) {
  return h2server_wait(s, H2SERVER_REQUESTS_DONE, n, timeout_ms);
}

/* -- the frame reader (no I/O) -------------------------------------------------- */

static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         (uint32_t)p[3];
}

/* Decode a whole frame: its head, and the first kept bytes of payload. */
static void frame_decode(const uint8_t head[9], uint32_t length,
                         const uint8_t *payload, size_t kept,
                         h2server_frame *f) {
  size_t off = 0;

  memset(f, 0, sizeof(*f));
  f->length = length;
  f->type = head[3];
  f->flags = head[4];
  f->stream_id = get32(head + 5) & 0x7fffffffu;
  switch (f->type) {
  case NGHTTP2_RST_STREAM:
    if (kept >= 4)
      f->error_code = get32(payload);
    break;
  case NGHTTP2_GOAWAY:
    if (kept >= 8) {
      f->last_stream_id = get32(payload) & 0x7fffffffu;
      f->error_code = get32(payload + 4);
    }
    f->debug_len = length >= 8 ? length - 8 : 0;
    break;
  case NGHTTP2_WINDOW_UPDATE:
    if (kept >= 4)
      f->window_increment = get32(payload) & 0x7fffffffu;
    break;
  case NGHTTP2_PING:
    if (kept >= 8)
      memcpy(f->opaque, payload, 8);
    break;
  case NGHTTP2_SETTINGS:
    f->nsettings = length / 6;
    for (size_t i = 0; i < H2SERVER_MAX_SETTINGS && (i + 1) * 6 <= kept;
         i++) {
      const uint8_t *e = payload + i * 6;
      f->settings[i].settings_id = (int32_t)((uint32_t)e[0] << 8 | e[1]);
      f->settings[i].value = get32(e + 2);
    }
    break;
  case NGHTTP2_HEADERS:
    if (!(f->flags & NGHTTP2_FLAG_PRIORITY))
      break;
    off = (f->flags & NGHTTP2_FLAG_PADDED) ? 1 : 0;
    /* fall through */
  case NGHTTP2_PRIORITY:
    if (kept >= off + 5) {
      uint32_t dep = get32(payload + off);
      f->has_priority = 1;
      f->exclusive = (dep >> 31) != 0;
      f->dep_stream_id = dep & 0x7fffffffu;
      f->weight = payload[off + 4];
    }
    break;
  default:
    break;
  }
}

typedef void reader_preface_cb(void *arg, int intact);
typedef void reader_frame_cb(void *arg, const h2server_frame *f);

/* Take n more bytes: report the preface once it is decided, then each
 * frame once all its bytes are in. After a bad preface, take nothing. */
static void reader_feed(struct frame_reader *r, const uint8_t *p, size_t n,
                        reader_preface_cb *on_preface,
                        reader_frame_cb *on_frame, void *arg) {
  h2server_frame f;
  size_t take = 0;

  while (n > 0) {
    switch (r->state) {
    case READER_PREFACE:
      take = PREFACE_LEN - r->got;
      if (take > n)
        take = n;
      if (memcmp(p, client_preface + r->got, take) != 0) {
        r->state = READER_DEAD;
        on_preface(arg, 0);
        return;
      }
      r->got += take;
      if (r->got == PREFACE_LEN) {
        r->state = READER_HEAD;
        r->got = 0;
        on_preface(arg, 1);
      }
      break;
    case READER_HEAD:
      take = 9 - r->got;
      if (take > n)
        take = n;
      memcpy(r->head + r->got, p, take);
      r->got += take;
      if (r->got == 9) {
        r->length = (uint32_t)r->head[0] << 16 | (uint32_t)r->head[1] << 8 |
                    r->head[2];
        r->got = 0;
        if (r->length == 0) {
          frame_decode(r->head, 0, r->keep, 0, &f);
          on_frame(arg, &f);
        } else {
          r->state = READER_PAYLOAD;
        }
      }
      break;
    case READER_PAYLOAD:
      take = r->length - r->got;
      if (take > n)
        take = n;
      if (r->got < FRAME_KEEP) {
        size_t k = FRAME_KEEP - r->got;
        memcpy(r->keep + r->got, p, k < take ? k : take);
      }
      r->got += take;
      if (r->got == r->length) {
        frame_decode(r->head, r->length, r->keep,
                     r->length < FRAME_KEEP ? r->length : FRAME_KEEP, &f);
        r->state = READER_HEAD;
        r->got = 0;
        on_frame(arg, &f);
      }
      break;
    case READER_DEAD:
      return;
    }
    p += take;
    n -= take;
  }
}

/* -- connection I/O -------------------------------------------------------------- */

static void conn_drive(struct h2conn *c);
static void conn_input(struct h2conn *c, const char *p, size_t n);

static void conn_count_closed(struct h2conn *c) {
  h2server *s = c->server;
  if (c->counted_closed)
    return;
  c->counted_closed = 1;
  uv_mutex_lock(&s->lock);
  c->info.closed = 1;
  stat_add_locked(s, H2SERVER_CLOSED);
  uv_mutex_unlock(&s->lock);
}

/* Close now: queued writes are cancelled, timers closed, the session
 * deleted. Never called from inside an nghttp2 call. */
static void conn_close(struct h2conn *c) {
  if (c->closing)
    return;
  c->closing = 1;
  conn_count_closed(c);
  uv_close((uv_handle_t *)&c->tcp, NULL);
  for (struct h2stream *st = c->streams; st != NULL; st = st->next)
    if (st->timer_init)
      uv_close((uv_handle_t *)&st->timer, NULL);
  if (c->session != NULL) {
    nghttp2_session_del(c->session);
    c->session = NULL;
  }
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  struct h2conn *c = req->data;

  if (c->closing)
    return;
  c->shut = 1;
  conn_count_closed(c);
  /* Go on reading until the client closes too, so what it still sends
   * cannot turn the close into a reset that destroys unread data. */
  if (status < 0 || c->peer_eof)
    conn_close(c);
}

/* Once every queued byte is written: FIN (or a reset) as conn_end() asked. */
static void conn_maybe_finish(struct h2conn *c) {
  if (c->closing || c->writes_pending > 0 || c->out.len > 0)
    return;
  if (c->reset_when_flushed) {
    struct linger lin = {1, 0};
    uv_os_fd_t fd;
    if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
    conn_close(c);
    return;
  }
  if (!c->ending)
    return;
  if (c->shut) {
    if (c->peer_eof)
      conn_close(c);
    return;
  }
  if (c->shut_started)
    return;
  c->shut_started = 1;
  c->shutdown_req.data = c;
  if (uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_shutdown) != 0)
    conn_close(c);
}

/* Say nothing more: flush what is queued, then close as `how` says. */
static void conn_write_out(struct h2conn *c);

static void conn_end(struct h2conn *c, h2server_close how) {
  if (c->closing)
    return;
  c->feed_stopped = 1;
  conn_write_out(c);
  if (how == H2SERVER_CLOSE_RESET)
    c->reset_when_flushed = 1;
  else
    c->ending = 1;
  conn_maybe_finish(c);
}

struct write_req {
  uv_write_t req;
  struct h2conn *conn;
  char *data;
};

static void on_write(uv_write_t *req, int status) {
  struct write_req *w = (struct write_req *)req;
  struct h2conn *c = w->conn;

  free(w->data);
  free(w);
  c->writes_pending--;
  if (c->closing)
    return;
  if (status < 0) {
    conn_close(c); /* the client went away */
    return;
  }
  conn_drive(c);
}

/* Hand c->out to the kernel. */
static void conn_write_out(struct h2conn *c) {
  struct write_req *w;
  uv_buf_t buf;

  if (c->out.len == 0)
    return;
  if (c->closing || c->shut_started) {
    c->out.len = 0;
    return;
  }
  w = xcalloc(1, sizeof(*w));
  w->conn = c;
  w->data = c->out.data;
  buf = uv_buf_init(c->out.data, (unsigned)c->out.len);
  memset(&c->out, 0, sizeof(c->out));
  if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_write) != 0) {
    free(w->data);
    free(w);
    conn_close(c);
    return;
  }
  c->writes_pending++;
}

static void conn_send(struct h2conn *c, const void *data, size_t n);

/* Raw bytes from the script or the test; with detach_after_raw, nghttp2
 * is out of the conversation from here on. */
static void conn_send_raw(struct h2conn *c, const void *data, size_t n) {
  if (n == 0)
    return;
  conn_send(c, data, n);
  if (c->script->detach_after_raw)
    c->feed_stopped = 1;
}

/* Queue plaintext for the client (encrypted under TLS). Nothing is added
 * once the connection is ending. */
static void conn_send(struct h2conn *c, const void *data, size_t n) {
  const unsigned char *p = data;

  if (c->closing || c->ending || c->reset_when_flushed || n == 0)
    return;
  if (!c->tls) {
    bytes_add(&c->out, p, n);
    return;
  }
  while (n > 0) {
    int r = mbedtls_ssl_write(&c->ssl, p, n);
    if (r <= 0) {
      conn_warn(c, "ssl_write: -0x%04x", (unsigned)-r);
      conn_end(c, H2SERVER_CLOSE_FIN);
      return;
    }
    p += r;
    n -= (size_t)r;
  }
}

static void conn_record_session_error(struct h2conn *c, int err) {
  h2server *s = c->server;
  uv_mutex_lock(&s->lock);
  if (c->info.session_error == 0)
    c->info.session_error = err;
  uv_mutex_unlock(&s->lock);
}

/* Take what nghttp2 has to send; with `all`, regardless of how much
 * already waits for the socket. */
static void conn_pull_session(struct h2conn *c, int all) {
  while (c->session != NULL && !c->feed_stopped && !c->closing) {
    const uint8_t *data;
    ssize_t n;

    if (!all &&
        c->out.len + uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) >=
            WRITE_HIGH_WATER)
      break;
    n = nghttp2_session_mem_send(c->session, &data);
    if (n < 0) {
      conn_warn(c, "mem_send: %s", nghttp2_strerror((int)n));
      conn_record_session_error(c, (int)n);
      conn_end(c, H2SERVER_CLOSE_FIN);
      break;
    }
    if (n == 0)
      break;
    conn_send(c, data, (size_t)n);
  }
}

/* -- TLS ------------------------------------------------------------------------- */

static int bio_send(void *arg, const unsigned char *buf, size_t len) {
  struct h2conn *c = arg;
  bytes_add(&c->out, buf, len);
  return (int)len;
}

static int bio_recv(void *arg, unsigned char *buf, size_t len) {
  struct h2conn *c = arg;
  size_t avail = c->tls_in.len - c->tls_in_off;

  if (avail == 0)
    return c->peer_eof ? 0 : MBEDTLS_ERR_SSL_WANT_READ;
  if (len > avail)
    len = avail;
  memcpy(buf, c->tls_in.data + c->tls_in_off, len);
  c->tls_in_off += len;
  if (c->tls_in_off == c->tls_in.len)
    c->tls_in_off = c->tls_in.len = 0;
  return (int)len;
}

/* -- streams and requests --------------------------------------------------------- */

static void hlist_add(struct hlist *l, const uint8_t *name, size_t name_len,
                      const uint8_t *value, size_t value_len) {
  h2server_header *h;
  array_reserve((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v));
  h = &l->v[l->n++];
  h->name = xmemdup(name, name_len);
  h->name_len = name_len;
  h->value = xmemdup(value, value_len);
  h->value_len = value_len;
}

static void hlist_free(struct hlist *l) {
  for (size_t i = 0; i < l->n; i++) {
    free((char *)l->v[i].name);
    free((char *)l->v[i].value);
  }
  free(l->v);
}

static const char *hlist_get(const struct hlist *l, const char *name,
                             size_t *len) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->v[i].name, name) == 0) {
      if (len != NULL)
        *len = l->v[i].value_len;
      return l->v[i].value;
    }
  return NULL;
}

/* A new stream; with_request makes it a request and records it. */
static struct h2stream *stream_new(struct h2conn *c, int32_t id,
                                   int with_request) {
  h2server *s = c->server;
  struct h2stream *st = xcalloc(1, sizeof(*st));

  st->conn = c;
  st->id = id;
  st->hold = c->hold_all;
  if (c->streams_tail != NULL)
    c->streams_tail->next = st;
  else
    c->streams = st;
  c->streams_tail = st;
  if (!with_request)
    return st;

  st->req = xcalloc(1, sizeof(*st->req));
  st->req->conn_index = c->index;
  st->req->stream_id = id;
  c->open_streams++;
  uv_mutex_lock(&s->lock);
  array_reserve((void **)&s->requests, &s->requests_cap, s->nrequests + 1,
                sizeof(*s->requests));
  s->requests[s->nrequests++] = st->req;
  c->info.streams++;
  if (c->open_streams > c->info.max_open_streams)
    c->info.max_open_streams = c->open_streams;
  if (c->info.max_open_streams > s->stats[H2SERVER_MAX_OPEN_STREAMS])
    s->stats[H2SERVER_MAX_OPEN_STREAMS] = c->info.max_open_streams;
  stat_add_locked(s, H2SERVER_STREAMS);
  uv_mutex_unlock(&s->lock);
  return st;
}

static void stream_set_response(struct h2stream *st) {
  size_t len = 0;
  const char *path = hlist_get(&st->req->headers, ":path", &len);
  st->resp = find_response(st->conn->server, path, len);
  if (st->resp->hold_window)
    st->hold = 1;
}

/* Mark the stream ready to be answered by conn_drive(). */
static void stream_queue_answer(struct h2stream *st) {
  struct h2conn *c = st->conn;
  if (st->queued)
    return;
  st->queued = 1;
  if (c->ready_tail != NULL)
    c->ready_tail->ready_next = st;
  else
    c->ready_head = st;
  c->ready_tail = st;
}

static void stream_request_ended(struct h2stream *st) {
  h2server *s = st->conn->server;
  if (st->req->ended)
    return;
  uv_mutex_lock(&s->lock);
  st->req->ended = 1;
  stat_add_locked(s, H2SERVER_REQUESTS_ENDED);
  uv_mutex_unlock(&s->lock);
  stream_queue_answer(st);
}

static void on_stream_timer(uv_timer_t *timer);

static void stream_timer_start(struct h2stream *st, unsigned ms,
                               enum timer_kind kind) {
  if (!st->timer_init) {
    uv_timer_init(&st->conn->server->loop, &st->timer);
    st->timer.data = st;
    st->timer_init = 1;
  }
  st->timer_kind = kind;
  st->timer_running = 1;
  uv_timer_start(&st->timer, on_stream_timer, ms, 0);
}

/* -- answering -------------------------------------------------------------------- */

static void conn_submit_ping(struct h2conn *c) {
  uint8_t opaque[8];
  uint64_t v = ++c->ping_seq;
  int rv;

  for (int i = 7; i >= 0; i--) {
    opaque[i] = (uint8_t)(v & 0xff);
    v >>= 8;
  }
  rv = nghttp2_submit_ping(c->session, NGHTTP2_FLAG_NONE, opaque);
  if (rv != 0)
    conn_warn(c, "submit_ping: %s", nghttp2_strerror(rv));
}

static void conn_submit_goaway(struct h2conn *c, const h2server_goaway *g) {
  int32_t last = g->last_stream_id;
  int rv;

  if (last == H2SERVER_LAST_STREAM_SEEN)
    last = nghttp2_session_get_last_proc_stream_id(c->session);
  rv = nghttp2_submit_goaway(c->session, NGHTTP2_FLAG_NONE, last,
                             g->error_code, (const uint8_t *)g->debug_data,
                             g->debug_len);
  if (rv != 0) {
    conn_warn(c, "submit_goaway(%d): %s", (int)last, nghttp2_strerror(rv));
    return;
  }
  if (g->close != H2SERVER_CLOSE_NONE)
    c->goaway_close = g->close;
}

static void submit_failed(struct h2stream *st, const char *what, int rv) {
  if (rv < 0)
    conn_warn(st->conn, "stream %d: %s: %s", (int)st->id, what,
              nghttp2_strerror(rv));
}

/* nghttp2 name/value pairs for headers; with raw, sent exactly (no copy,
 * so no lower-casing: the configuration copy outlives the session). */
static void nv_fill(nghttp2_nv *nv, const h2server_header *h, size_t n,
                    int raw) {
  for (size_t i = 0; i < n; i++) {
    nv[i].name = (uint8_t *)h[i].name;
    nv[i].namelen = h[i].name_len;
    nv[i].value = (uint8_t *)h[i].value;
    nv[i].valuelen = h[i].value_len;
    nv[i].flags = raw ? NGHTTP2_NV_FLAG_NO_COPY_NAME |
                            NGHTTP2_NV_FLAG_NO_COPY_VALUE
                      : NGHTTP2_NV_FLAG_NONE;
  }
}

static nghttp2_nv nv_make(const char *name, const char *value,
                          size_t value_len) {
  nghttp2_nv nv;
  nv.name = (uint8_t *)name;
  nv.namelen = strlen(name);
  nv.value = (uint8_t *)value;
  nv.valuelen = value_len;
  nv.flags = NGHTTP2_NV_FLAG_NONE;
  return nv;
}

static void send_informational(struct h2stream *st, const h2server_info *info) {
  nghttp2_nv *nva = xcalloc(info->nheaders + 1, sizeof(*nva));
  char status[16];
  int rv;

  snprintf(status, sizeof(status), "%d", info->status);
  nva[0] = nv_make(":status", status, strlen(status));
  nv_fill(nva + 1, info->headers, info->nheaders, 0);
  rv = nghttp2_submit_headers(st->conn->session, NGHTTP2_FLAG_NONE, st->id,
                              NULL, nva, info->nheaders + 1, NULL);
  submit_failed(st, "submit_headers (1xx)", rv);
  free(nva);
}

static void stream_push(struct h2stream *st, const char *path) {
  struct h2conn *c = st->conn;
  const char *scheme = hlist_get(&st->req->headers, ":scheme", NULL);
  const char *authority = hlist_get(&st->req->headers, ":authority", NULL);
  struct h2stream *pushed;
  nghttp2_nv nva[4];
  int32_t id;

  /* nghttp2 checks this only when it sends the promise, and then drops
   * it and the pushed response with it. */
  if (nghttp2_session_get_remote_settings(c->session,
                                          NGHTTP2_SETTINGS_ENABLE_PUSH) == 0)
    return;
  if (scheme == NULL)
    scheme = c->tls ? "https" : "http";
  if (authority == NULL)
    authority = "127.0.0.1";
  nva[0] = nv_make(":method", "GET", 3);
  nva[1] = nv_make(":scheme", scheme, strlen(scheme));
  nva[2] = nv_make(":authority", authority, strlen(authority));
  nva[3] = nv_make(":path", path, strlen(path));
  id = nghttp2_submit_push_promise(c->session, NGHTTP2_FLAG_NONE, st->id, nva,
                                   4, NULL);
  if (id < 0) {
    submit_failed(st, "submit_push_promise", id);
    return;
  }
  pushed = stream_new(c, id, 0);
  pushed->pushed = 1;
  pushed->resp = find_response(c->server, path, strlen(path));
  nghttp2_session_set_stream_user_data(c->session, id, pushed);
  stream_queue_answer(pushed);
}

static ssize_t data_read(nghttp2_session *session, int32_t stream_id,
                         uint8_t *buf, size_t length, uint32_t *data_flags,
                         nghttp2_data_source *source, void *user_data);

/* The final HEADERS, the body and trailers (or the resets between). */
static void stream_send_response(struct h2stream *st) {
  struct h2conn *c = st->conn;
  const h2server_response *r = st->resp;
  size_t n = 0;
  nghttp2_nv *nva = xcalloc(r->nheaders + 2, sizeof(*nva));
  nghttp2_data_provider prd;
  int rv;

  if (r->echo) {
    if (st->req != NULL)
      st->echo = xmemdup(st->req->body.data, st->req->body.len);
    else
      st->echo = xmemdup("", 0);
    st->body = st->echo;
    st->body_len = st->req != NULL ? st->req->body.len : 0;
  } else if (r->body != NULL) {
    st->body = r->body;
    st->body_len = r->body_len;
  } else {
    st->body = NULL;
    st->body_len = r->body_size;
  }
  if (r->rst == H2SERVER_RST_AFTER_BODY_BYTES) {
    st->has_rst_at = 1;
    st->rst_at =
        r->rst_after_bytes < st->body_len ? r->rst_after_bytes : st->body_len;
  }

  if (!r->raw_headers) {
    snprintf(st->status, sizeof(st->status), "%d",
             r->status ? r->status : 200);
    nva[n++] = nv_make(":status", st->status, strlen(st->status));
  }
  nv_fill(nva + n, r->headers, r->nheaders, r->raw_headers);
  n += r->nheaders;
  if (r->send_content_length) {
    snprintf(st->content_length, sizeof(st->content_length), "%lld",
             (long long)st->body_len + r->content_length_skew);
    nva[n++] = nv_make("content-length", st->content_length,
                       strlen(st->content_length));
  }

  prd.source.ptr = st;
  prd.read_callback = data_read;
  if (r->rst == H2SERVER_RST_AFTER_HEADERS ||
      (st->has_rst_at && st->rst_at == 0)) {
    /* The RST_STREAM is submitted once the HEADERS are out (see
     * on_frame_send): nghttp2 drops what is queued on a stream it was
     * asked to reset. */
    st->rst_after_headers = 1;
    rv = nghttp2_submit_headers(c->session, NGHTTP2_FLAG_NONE, st->id, NULL,
                                nva, n, NULL);
    submit_failed(st, "submit_headers", rv);
  } else if (st->body_len == 0 && r->ntrailers == 0) {
    rv = nghttp2_submit_response(c->session, st->id, nva, n, NULL);
    submit_failed(st, "submit_response", rv);
  } else if (st->body_len == 0) {
    nghttp2_nv *tv = xcalloc(r->ntrailers, sizeof(*tv));
    rv = nghttp2_submit_headers(c->session, NGHTTP2_FLAG_NONE, st->id, NULL,
                                nva, n, NULL);
    submit_failed(st, "submit_headers", rv);
    nv_fill(tv, r->trailers, r->ntrailers, 0);
    rv = nghttp2_submit_trailer(c->session, st->id, tv, r->ntrailers);
    submit_failed(st, "submit_trailer", rv);
    free(tv);
  } else {
    rv = nghttp2_submit_response(c->session, st->id, nva, n, &prd);
    submit_failed(st, "submit_response", rv);
  }
  free(nva);
}

/* Answer a stream, from where it stopped (a delay stops it). */
static void stream_answer(struct h2stream *st) {
  struct h2conn *c = st->conn;
  const h2server_response *r = st->resp;
  int rv;

  if (c->closing || c->session == NULL || c->feed_stopped || st->closed ||
      st->answered)
    return;
  if (r->delay_ms > 0 && !st->delay_done) {
    if (!st->timer_running)
      stream_timer_start(st, r->delay_ms, TIMER_ANSWER);
    return;
  }
  st->answered = 1;
  if (r->raw != NULL && !st->pushed) {
    conn_pull_session(c, 1);
    conn_send_raw(c, r->raw, r->raw_len);
    return;
  }
  if (r->goaway.when == H2SERVER_GOAWAY_ON_REQUEST && !st->pushed)
    conn_submit_goaway(c, &r->goaway);
  if (r->ping)
    conn_submit_ping(c);
  for (size_t i = 0; i < r->ninformational; i++)
    send_informational(st, &r->informational[i]);
  if (r->push_path != NULL && !st->pushed)
    stream_push(st, r->push_path);
  if (r->rst == H2SERVER_RST_BEFORE_HEADERS) {
    rv = nghttp2_submit_rst_stream(c->session, NGHTTP2_FLAG_NONE, st->id,
                                   r->rst_code);
    submit_failed(st, "submit_rst_stream", rv);
    return;
  }
  stream_send_response(st);
}

static void on_stream_timer(uv_timer_t *timer) {
  struct h2stream *st = timer->data;
  struct h2conn *c = st->conn;

  st->timer_running = 0;
  if (c->closing || st->closed)
    return;
  if (st->timer_kind == TIMER_ANSWER) {
    st->delay_done = 1;
    stream_answer(st);
  } else {
    st->frame_delay_done = 1;
    if (c->session != NULL && !c->feed_stopped)
      nghttp2_session_resume_data(c->session, st->id);
  }
  conn_drive(c);
}

static ssize_t data_read(nghttp2_session *session, int32_t stream_id,
                         uint8_t *buf, size_t length, uint32_t *data_flags,
                         nghttp2_data_source *source, void *user_data) {
  struct h2stream *st = source->ptr;
  const h2server_response *r = st->resp;
  size_t end = st->has_rst_at ? st->rst_at : st->body_len;
  size_t n;

  (void)user_data;
  (void)session;
  if (st->timer_running || (st->has_rst_at && st->sent >= st->rst_at))
    return NGHTTP2_ERR_DEFERRED;
  if (st->frames_sent > 0 && r->frame_delay_ms > 0 && !st->frame_delay_done) {
    stream_timer_start(st, r->frame_delay_ms, TIMER_FRAME);
    return NGHTTP2_ERR_DEFERRED;
  }
  st->frame_delay_done = 0;
  n = end - st->sent;
  if (n > length)
    n = length;
  if (r->frame_size > 0 && n > r->frame_size)
    n = r->frame_size;
  if (st->body != NULL) {
    memcpy(buf, st->body + st->sent, n);
  } else {
    for (size_t i = 0; i < n; i++)
      buf[i] = h2server_body_byte(st->sent + i);
  }
  st->sent += n;
  st->frames_sent++;
  if (st->sent < end)
    return (ssize_t)n;
  if (st->has_rst_at)
    return (ssize_t)n; /* on_frame_send resets the stream after it */
  *data_flags |= NGHTTP2_DATA_FLAG_EOF;
  if (r->ntrailers > 0) {
    nghttp2_nv *tv = xcalloc(r->ntrailers, sizeof(*tv));
    int rv;
    *data_flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
    nv_fill(tv, r->trailers, r->ntrailers, 0);
    rv = nghttp2_submit_trailer(session, stream_id, tv, r->ntrailers);
    submit_failed(st, "submit_trailer", rv);
    free(tv);
  }
  return (ssize_t)n;
}

static ssize_t data_read_length(nghttp2_session *session, uint8_t frame_type,
                                int32_t stream_id,
                                int32_t session_remote_window_size,
                                int32_t stream_remote_window_size,
                                uint32_t remote_max_frame_size,
                                void *user_data) {
  struct h2stream *st = nghttp2_session_get_stream_user_data(session,
                                                             stream_id);
  (void)frame_type;
  (void)session_remote_window_size;
  (void)stream_remote_window_size;
  (void)remote_max_frame_size;
  (void)user_data;
  /* nghttp2 takes the smallest of this, the windows and the client's
   * MAX_FRAME_SIZE. */
  if (st != NULL && st->resp != NULL && st->resp->frame_size > 0)
    return st->resp->frame_size > 0x7fffffff
               ? 0x7fffffff
               : (ssize_t)st->resp->frame_size;
  return 16384;
}

/* -- nghttp2 callbacks (record and flag only) ------------------------------------- */

static struct h2stream *stream_of(nghttp2_session *session, int32_t id) {
  return nghttp2_session_get_stream_user_data(session, id);
}

static int on_begin_headers(nghttp2_session *session,
                            const nghttp2_frame *frame, void *user_data) {
  struct h2conn *c = user_data;
  struct h2stream *st;

  if (frame->hd.type != NGHTTP2_HEADERS ||
      frame->headers.cat != NGHTTP2_HCAT_REQUEST)
    return 0;
  st = stream_new(c, frame->hd.stream_id, 1);
  nghttp2_session_set_stream_user_data(session, frame->hd.stream_id, st);
  return 0;
}

static void record_header(struct h2conn *c, const nghttp2_frame *frame,
                          const uint8_t *name, size_t namelen,
                          const uint8_t *value, size_t valuelen, int invalid) {
  h2server *s = c->server;
  struct h2stream *st = stream_of(c->session, frame->hd.stream_id);

  if (st == NULL || st->req == NULL || frame->hd.type != NGHTTP2_HEADERS)
    return;
  uv_mutex_lock(&s->lock);
  if (frame->headers.cat == NGHTTP2_HCAT_REQUEST)
    hlist_add(&st->req->headers, name, namelen, value, valuelen);
  else
    hlist_add(&st->req->trailers, name, namelen, value, valuelen);
  if (invalid)
    st->req->invalid_headers++;
  uv_mutex_unlock(&s->lock);
}

static int on_header(nghttp2_session *session, const nghttp2_frame *frame,
                     const uint8_t *name, size_t namelen, const uint8_t *value,
                     size_t valuelen, uint8_t flags, void *user_data) {
  (void)session;
  (void)flags;
  record_header(user_data, frame, name, namelen, value, valuelen, 0);
  return 0;
}

static int on_invalid_header(nghttp2_session *session,
                             const nghttp2_frame *frame, const uint8_t *name,
                             size_t namelen, const uint8_t *value,
                             size_t valuelen, uint8_t flags,
                             void *user_data) {
  (void)session;
  (void)flags;
  record_header(user_data, frame, name, namelen, value, valuelen, 1);
  /* reset the stream (PROTOCOL_ERROR), as without this callback */
  return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
}

static int on_frame_recv(nghttp2_session *session, const nghttp2_frame *frame,
                         void *user_data) {
  struct h2conn *c = user_data;
  h2server *s = c->server;
  struct h2stream *st;

  switch (frame->hd.type) {
  case NGHTTP2_HEADERS:
    st = stream_of(session, frame->hd.stream_id);
    if (st == NULL || st->req == NULL)
      break;
    if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
      stream_set_response(st);
      if (st->resp->early && !st->resp->echo)
        stream_queue_answer(st);
    }
    if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)
      stream_request_ended(st);
    break;
  case NGHTTP2_DATA:
    st = stream_of(session, frame->hd.stream_id);
    if (st != NULL && st->req != NULL &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
      stream_request_ended(st);
    break;
  case NGHTTP2_RST_STREAM:
    st = stream_of(session, frame->hd.stream_id);
    if (st != NULL && st->req != NULL) {
      uv_mutex_lock(&s->lock);
      st->req->reset = 1;
      st->req->reset_code = frame->rst_stream.error_code;
      uv_mutex_unlock(&s->lock);
    }
    break;
  case NGHTTP2_PING:
    if (frame->hd.flags & NGHTTP2_FLAG_ACK) {
      uv_mutex_lock(&s->lock);
      c->info.ping_acks++;
      stat_add_locked(s, H2SERVER_PING_ACKS);
      uv_mutex_unlock(&s->lock);
    }
    break;
  default:
    break;
  }
  return 0;
}

static int on_data_chunk_recv(nghttp2_session *session, uint8_t flags,
                              int32_t stream_id, const uint8_t *data,
                              size_t len, void *user_data) {
  struct h2conn *c = user_data;
  h2server *s = c->server;
  struct h2stream *st = stream_of(session, stream_id);
  int rv;

  (void)flags;
  if (st != NULL && st->req != NULL) {
    uv_mutex_lock(&s->lock);
    bytes_add(&st->req->body, data, len);
    uv_mutex_unlock(&s->lock);
  }
  if (st != NULL && (st->hold || c->hold_all)) {
    st->held += len;
    return 0;
  }
  rv = nghttp2_session_consume(session, stream_id, len);
  if (rv != 0)
    conn_warn(c, "consume: %s", nghttp2_strerror(rv));
  return 0;
}

static int on_stream_close(nghttp2_session *session, int32_t stream_id,
                           uint32_t error_code, void *user_data) {
  struct h2conn *c = user_data;
  h2server *s = c->server;
  struct h2stream *st = stream_of(session, stream_id);
  const h2server_goaway *g = &c->script->goaway;

  if (st == NULL)
    return 0;
  st->closed = 1;
  if (st->timer_running) {
    uv_timer_stop(&st->timer);
    st->timer_running = 0;
  }
  if (st->req == NULL)
    return 0;
  c->open_streams--;
  c->requests_done++;
  uv_mutex_lock(&s->lock);
  st->req->closed = 1;
  st->req->close_code = error_code;
  stat_add_locked(s, H2SERVER_REQUESTS_DONE);
  uv_mutex_unlock(&s->lock);
  if (g->when == H2SERVER_GOAWAY_AFTER_REQUESTS &&
      c->requests_done == g->after_requests)
    c->goaway_due = 1;
  return 0;
}

/* The scripted RST_STREAM, once. */
static void stream_reset(struct h2stream *st) {
  int rv;
  if (st->rst_submitted)
    return;
  st->rst_submitted = 1;
  rv = nghttp2_submit_rst_stream(st->conn->session, NGHTTP2_FLAG_NONE, st->id,
                                 st->resp->rst_code);
  submit_failed(st, "submit_rst_stream", rv);
}

static int on_frame_send(nghttp2_session *session, const nghttp2_frame *frame,
                         void *user_data) {
  struct h2conn *c = user_data;
  h2server *s = c->server;
  struct h2stream *st;

  switch (frame->hd.type) {
  case NGHTTP2_HEADERS:
    st = stream_of(session, frame->hd.stream_id);
    if (st == NULL)
      break;
    st->headers_sent++;
    if (st->resp != NULL &&
        st->headers_sent == st->resp->ninformational + 1) {
      stat_add(s, H2SERVER_RESPONSES);
      if (st->rst_after_headers)
        stream_reset(st);
    }
    break;
  case NGHTTP2_DATA:
    st = stream_of(session, frame->hd.stream_id);
    if (st != NULL && st->has_rst_at && st->sent == st->rst_at)
      stream_reset(st);
    break;
  case NGHTTP2_GOAWAY:
    stat_add(s, H2SERVER_GOAWAYS_SENT);
    if (c->goaway_close != H2SERVER_CLOSE_NONE)
      c->close_due = c->goaway_close;
    break;
  case NGHTTP2_RST_STREAM:
    stat_add(s, H2SERVER_RSTS_SENT);
    break;
  case NGHTTP2_PING:
    if (!(frame->hd.flags & NGHTTP2_FLAG_ACK))
      stat_add(s, H2SERVER_PINGS_SENT);
    break;
  case NGHTTP2_PUSH_PROMISE:
    stat_add(s, H2SERVER_PUSHES);
    break;
  default:
    break;
  }
  return 0;
}

static int on_frame_not_send(nghttp2_session *session,
                             const nghttp2_frame *frame, int lib_error_code,
                             void *user_data) {
  struct h2conn *c = user_data;
  (void)session;
  conn_warn(c, "frame type %u on stream %d not sent: %s", frame->hd.type,
            (int)frame->hd.stream_id, nghttp2_strerror(lib_error_code));
  return 0;
}

/* -- HTTP/2 ------------------------------------------------------------------------ */

static void on_reader_preface(void *arg, int intact) {
  struct h2conn *c = arg;
  h2server *s = c->server;

  uv_mutex_lock(&s->lock);
  if (intact) {
    c->info.preface_seen = 1;
    stat_add_locked(s, H2SERVER_PREFACES);
  } else {
    c->info.preface_bad = 1;
  }
  uv_mutex_unlock(&s->lock);
}

static void on_reader_frame(void *arg, const h2server_frame *f) {
  struct h2conn *c = arg;
  h2server *s = c->server;

  uv_mutex_lock(&s->lock);
  array_reserve((void **)&c->frames, &c->frames_cap, c->nframes + 1,
                sizeof(*c->frames));
  c->frames[c->nframes++] = *f;
  stat_add_locked(s, H2SERVER_FRAMES);
  uv_mutex_unlock(&s->lock);
}

/* The only writer of c->mode (and of the protocol the tests see). */
static void conn_set_mode(struct h2conn *c, enum conn_mode mode,
                          h2server_proto proto) {
  h2server *s = c->server;
  c->mode = mode;
  uv_mutex_lock(&s->lock);
  c->info.proto = proto;
  uv_mutex_unlock(&s->lock);
}

static int h2_session_new(struct h2conn *c) {
  h2server *s = c->server;
  int rv = nghttp2_session_server_new2(&c->session, s->callbacks, c,
                                       s->option);
  if (rv != 0) {
    conn_warn(c, "session_server_new2: %s", nghttp2_strerror(rv));
    c->session = NULL;
  }
  return rv;
}

/* The start of an HTTP/2 connection (see "at start" in h2server.h). */
static void h2_begin(struct h2conn *c, h2server_proto proto) {
  h2server *s = c->server;
  const h2server_conn_script *cs = c->script;
  int rv;

  conn_set_mode(c, MODE_H2, proto);
  c->hold_all = cs->hold_window;
  if (c->session == NULL && h2_session_new(c) != 0) {
    conn_end(c, H2SERVER_CLOSE_FIN);
    return;
  }
  conn_send_raw(c, cs->raw_at_start, cs->raw_at_start_len);
  if (!cs->no_settings) {
    rv = nghttp2_submit_settings(c->session, NGHTTP2_FLAG_NONE, s->settings,
                                 s->nsettings);
    if (rv != 0)
      conn_warn(c, "submit_settings: %s", nghttp2_strerror(rv));
  }
  if (s->cfg.connection_window > 0) {
    rv = nghttp2_session_set_local_window_size(
        c->session, NGHTTP2_FLAG_NONE, 0, s->cfg.connection_window);
    if (rv != 0)
      conn_warn(c, "set_local_window_size: %s", nghttp2_strerror(rv));
  }
  if (cs->raw_after_settings != NULL) {
    conn_pull_session(c, 1);
    conn_send_raw(c, cs->raw_after_settings, cs->raw_after_settings_len);
  }
  for (unsigned i = 0; i < cs->pings; i++)
    conn_submit_ping(c);
  if (cs->goaway.when == H2SERVER_GOAWAY_AT_START)
    conn_submit_goaway(c, &cs->goaway);
}

/* Plaintext in HTTP/2 mode: to the recorder, then to nghttp2. */
static void h2_input(struct h2conn *c, const char *p, size_t n) {
  ssize_t r;

  reader_feed(&c->reader, (const uint8_t *)p, n, on_reader_preface,
              on_reader_frame, c);
  if (c->session == NULL || c->feed_stopped || c->closing)
    return;
  r = nghttp2_session_mem_recv(c->session, (const uint8_t *)p, n);
  if (r < 0) {
    conn_record_session_error(c, (int)r);
    conn_pull_session(c, 1); /* a GOAWAY nghttp2 may have queued */
    conn_end(c, H2SERVER_CLOSE_FIN);
  }
}

/* Answer what is ready, send what nghttp2 has, and end the connection
 * when that is due. Called after every event. */
static void conn_drive(struct h2conn *c) {
  if (c->closing)
    return;
  if (c->session != NULL && !c->feed_stopped) {
    if (c->goaway_due) {
      c->goaway_due = 0;
      conn_submit_goaway(c, &c->script->goaway);
    }
    while (c->ready_head != NULL && !c->closing) {
      struct h2stream *st = c->ready_head;
      c->ready_head = st->ready_next;
      if (c->ready_head == NULL)
        c->ready_tail = NULL;
      stream_answer(st);
    }
    conn_pull_session(c, 0);
    if (c->close_due != H2SERVER_CLOSE_NONE) {
      conn_write_out(c);
      conn_end(c, c->close_due);
    } else if (c->session != NULL && !c->feed_stopped &&
               !nghttp2_session_want_read(c->session) &&
               !nghttp2_session_want_write(c->session)) {
      conn_write_out(c);
      conn_end(c, H2SERVER_CLOSE_FIN);
    }
  }
  conn_write_out(c);
  conn_maybe_finish(c);
}

/* -- HTTP/1.1 ------------------------------------------------------------------------ */

struct h1field {
  const char *name, *value;
  size_t name_len, value_len;
};

struct h1request {
  const char *method, *target;
  size_t method_len, target_len;
  struct h1field *fields;
  size_t nfields, fields_cap;
  size_t content_length;
  int bad;
  int upgrade_h2c;
  unsigned nsettings; /* HTTP2-Settings headers */
  const char *settings;
  size_t settings_len;
};

static int is_space(char ch) {
  return ch == ' ' || ch == '\t';
}

static void trim(const char **p, size_t *n) {
  while (*n > 0 && is_space(**p)) {
    (*p)++;
    (*n)--;
  }
  while (*n > 0 && is_space((*p)[*n - 1]))
    (*n)--;
}

static int token_eq(const char *p, size_t n, const char *token) {
  return strlen(token) == n && strncasecmp(p, token, n) == 0;
}

/* 1 if the comma-separated list holds token. */
static int list_has(const char *p, size_t n, const char *token) {
  while (n > 0) {
    const char *comma = memchr(p, ',', n);
    size_t len = comma ? (size_t)(comma - p) : n;
    const char *item = p;
    size_t item_len = len;
    trim(&item, &item_len);
    if (token_eq(item, item_len, token))
      return 1;
    if (comma == NULL)
      break;
    p = comma + 1;
    n -= len + 1;
  }
  return 0;
}

/* Parse a request head (ending in the blank line). The fields point into
 * head; free req->fields. */
static void h1_parse(const char *head, size_t head_len, struct h1request *req) {
  const char *p = head, *end = head + head_len;
  int first = 1;

  memset(req, 0, sizeof(*req));
  while (p < end) {
    const char *lf = memchr(p, '\n', (size_t)(end - p));
    size_t len = lf ? (size_t)(lf - p) : (size_t)(end - p);
    const char *line = p;
    p = lf ? lf + 1 : end;
    if (len > 0 && line[len - 1] == '\r')
      len--;
    if (len == 0)
      break;
    if (first) {
      const char *sp1 = memchr(line, ' ', len), *sp2;
      first = 0;
      if (sp1 == NULL) {
        req->bad = 1;
        continue;
      }
      req->method = line;
      req->method_len = (size_t)(sp1 - line);
      sp2 = memchr(sp1 + 1, ' ', len - req->method_len - 1);
      req->target = sp1 + 1;
      req->target_len =
          sp2 ? (size_t)(sp2 - req->target) : len - req->method_len - 1;
      continue;
    }
    {
      const char *colon = memchr(line, ':', len);
      struct h1field *f;
      if (colon == NULL) {
        req->bad = 1;
        continue;
      }
      array_reserve((void **)&req->fields, &req->fields_cap,
                    req->nfields + 1, sizeof(*req->fields));
      f = &req->fields[req->nfields++];
      f->name = line;
      f->name_len = (size_t)(colon - line);
      f->value = colon + 1;
      f->value_len = len - f->name_len - 1;
      trim(&f->value, &f->value_len);
      if (token_eq(f->name, f->name_len, "content-length")) {
        size_t v = 0;
        if (f->value_len == 0)
          req->bad = 1;
        for (size_t i = 0; i < f->value_len; i++) {
          if (f->value[i] < '0' || f->value[i] > '9' ||
              v > (SIZE_MAX - 9) / 10) {
            req->bad = 1;
            break;
          }
          v = v * 10 + (size_t)(f->value[i] - '0');
        }
        req->content_length = v;
      } else if (token_eq(f->name, f->name_len, "upgrade")) {
        if (list_has(f->value, f->value_len, "h2c"))
          req->upgrade_h2c = 1;
      } else if (token_eq(f->name, f->name_len, "http2-settings")) {
        req->nsettings++;
        req->settings = f->value;
        req->settings_len = f->value_len;
      }
    }
  }
  if (req->method == NULL)
    req->bad = 1;
}

/* base64url without padding (trailing '=' tolerated). Returns a malloc'd
 * buffer and sets *out_len, or NULL if p holds another character. */
static uint8_t *base64url_decode(const char *p, size_t n, size_t *out_len) {
  uint8_t *out = xcalloc(1, n * 3 / 4 + 3);
  uint32_t acc = 0;
  unsigned bits = 0;
  size_t len = 0;

  while (n > 0 && p[n - 1] == '=')
    n--;
  for (size_t i = 0; i < n; i++) {
    char ch = p[i];
    unsigned v;
    if (ch >= 'A' && ch <= 'Z')
      v = (unsigned)(ch - 'A');
    else if (ch >= 'a' && ch <= 'z')
      v = (unsigned)(ch - 'a') + 26;
    else if (ch >= '0' && ch <= '9')
      v = (unsigned)(ch - '0') + 52;
    else if (ch == '-')
      v = 62;
    else if (ch == '_')
      v = 63;
    else {
      free(out);
      return NULL;
    }
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[len++] = (uint8_t)(acc >> bits);
    }
  }
  *out_len = len;
  return out;
}

/* Switch to HTTP/2 for this request. Returns 0, or -1 to answer it in
 * HTTP/1.1 instead (nothing has been sent then). */
static int h1_upgrade(struct h2conn *c, const struct h1request *req,
                      const char *body) {
  h2server *s = c->server;
  struct h2stream *st;
  uint8_t *settings;
  size_t settings_len = 0;
  int rv;

  settings = base64url_decode(req->settings, req->settings_len, &settings_len);
  if (settings == NULL)
    return -1;
  if (h2_session_new(c) != 0) {
    free(settings);
    return -1;
  }
  rv = nghttp2_session_upgrade2(c->session, settings, settings_len,
                                token_eq(req->method, req->method_len, "HEAD"),
                                NULL);
  free(settings);
  if (rv != 0) {
    conn_warn(c, "session_upgrade2: %s", nghttp2_strerror(rv));
    nghttp2_session_del(c->session);
    c->session = NULL;
    return -1;
  }

  conn_send(c, switching_protocols, sizeof(switching_protocols) - 1);
  stat_add(s, H2SERVER_UPGRADES);
  st = stream_new(c, 1, 1);
  uv_mutex_lock(&s->lock);
  hlist_add(&st->req->headers, (const uint8_t *)":method", 7,
            (const uint8_t *)req->method, req->method_len);
  hlist_add(&st->req->headers, (const uint8_t *)":path", 5,
            (const uint8_t *)req->target, req->target_len);
  for (size_t i = 0; i < req->nfields; i++) {
    const struct h1field *f = &req->fields[i];
    char *lower = xmemdup(f->name, f->name_len);
    for (size_t k = 0; k < f->name_len; k++)
      if (lower[k] >= 'A' && lower[k] <= 'Z')
        lower[k] = (char)(lower[k] - 'A' + 'a');
    hlist_add(&st->req->headers, (const uint8_t *)lower, f->name_len,
              (const uint8_t *)f->value, f->value_len);
    free(lower);
  }
  bytes_add(&st->req->body, body, req->content_length);
  uv_mutex_unlock(&s->lock);
  nghttp2_session_set_stream_user_data(c->session, 1, st);
  stream_set_response(st);
  stream_request_ended(st);
  h2_begin(c, H2SERVER_PROTO_H2_UPGRADE);
  return 0;
}

/* Answer the complete requests in c->in; switch on an upgrade. */
static void http1_serve(struct h2conn *c) {
  h2server *s = c->server;

  while (c->mode == MODE_HTTP1 && !c->closing && !c->ending) {
    const char *base = c->in.data + c->in_off;
    size_t avail = c->in.len - c->in_off;
    const char *end = avail >= 4 ? memmem(base, avail, "\r\n\r\n", 4) : NULL;
    struct h1request req;
    size_t head_len, total;

    if (end == NULL) {
      if (avail > HTTP1_HEAD_MAX) {
        conn_warn(c, "HTTP/1.1 head too long");
        conn_end(c, H2SERVER_CLOSE_FIN);
      }
      break;
    }
    head_len = (size_t)(end + 4 - base);
    h1_parse(base, head_len, &req);
    if (req.bad) {
      conn_warn(c, "malformed HTTP/1.1 request");
      free(req.fields);
      conn_send(c, s->cfg.http1_response, s->cfg.http1_response_len);
      conn_end(c, H2SERVER_CLOSE_FIN);
      break;
    }
    if (avail - head_len < req.content_length) {
      free(req.fields);
      break;
    }
    total = head_len + req.content_length;
    if (!c->tls && !s->cfg.refuse_upgrade && req.upgrade_h2c &&
        req.nsettings == 1 && h1_upgrade(c, &req, base + head_len) == 0) {
      /* What follows the request is HTTP/2: the client preface. */
      struct bytes rest = c->in;
      size_t off = c->in_off + total;
      free(req.fields);
      memset(&c->in, 0, sizeof(c->in));
      c->in_off = 0;
      h2_input(c, rest.data + off, rest.len - off);
      bytes_free(&rest);
      return;
    }
    free(req.fields);
    conn_send(c, s->cfg.http1_response, s->cfg.http1_response_len);
    stat_add(s, H2SERVER_HTTP1_REQUESTS);
    c->in_off += total;
  }
  if (c->in_off == c->in.len)
    c->in_off = c->in.len = 0;
}

/* -- input ---------------------------------------------------------------------------- */

static void conn_input(struct h2conn *c, const char *p, size_t n) {
  h2server *s = c->server;

  uv_mutex_lock(&s->lock);
  bytes_add(&c->log, p, n);
  uv_mutex_unlock(&s->lock);

  switch (c->mode) {
  case MODE_TLS_HANDSHAKE:
    break;
  case MODE_SNIFF: {
    size_t k;
    bytes_add(&c->in, p, n);
    k = c->in.len < 4 ? c->in.len : 4;
    if (memcmp(c->in.data, "PRI ", k) != 0) {
      conn_set_mode(c, MODE_HTTP1, H2SERVER_PROTO_HTTP1);
      http1_serve(c);
    } else if (c->in.len >= 4) {
      struct bytes first = c->in;
      memset(&c->in, 0, sizeof(c->in));
      h2_begin(c, H2SERVER_PROTO_H2);
      h2_input(c, first.data, first.len);
      bytes_free(&first);
    }
    break;
  }
  case MODE_HTTP1:
    bytes_add(&c->in, p, n);
    http1_serve(c);
    break;
  case MODE_H2:
    h2_input(c, p, n);
    break;
  }
}

static void conn_handshake(struct h2conn *c) {
  h2server *s = c->server;
  const char *alpn;
  int ret;

  ret = mbedtls_ssl_handshake(&c->ssl);
  if (ret == MBEDTLS_ERR_SSL_WANT_READ) {
    if (c->peer_eof)
      conn_close(c);
    return;
  }
  if (ret != 0) {
    stat_add(s, H2SERVER_TLS_FAILURES);
    conn_end(c, H2SERVER_CLOSE_FIN); /* after the alert mbedTLS queued */
    return;
  }
  alpn = mbedtls_ssl_get_alpn_protocol(&c->ssl);
  uv_mutex_lock(&s->lock);
  if (alpn != NULL)
    snprintf(c->info.alpn, sizeof(c->info.alpn), "%s", alpn);
  stat_add_locked(s, H2SERVER_TLS_HANDSHAKES);
  uv_mutex_unlock(&s->lock);
  if (alpn != NULL && strcmp(alpn, "h2") == 0) {
    h2_begin(c, H2SERVER_PROTO_H2);
  } else {
    conn_set_mode(c, MODE_HTTP1, H2SERVER_PROTO_HTTP1);
  }
}

/* Ciphertext arrived: handshake, then decrypt what there is. */
static void conn_tls_input(struct h2conn *c) {
  h2server *s = c->server;

  if (c->mode == MODE_TLS_HANDSHAKE) {
    conn_handshake(c);
    if (c->mode == MODE_TLS_HANDSHAKE)
      return;
  }
  /* Also while ending: what the client still sends is recorded. */
  while (!c->closing) {
    int n = mbedtls_ssl_read(&c->ssl, (unsigned char *)s->plain_buffer,
                             sizeof(s->plain_buffer));
    if (n > 0) {
      conn_input(c, s->plain_buffer, (size_t)n);
      continue;
    }
    if (n == MBEDTLS_ERR_SSL_WANT_READ)
      break;
    /* close_notify, EOF or an error: nothing more will come */
    conn_end(c, H2SERVER_CLOSE_FIN);
    break;
  }
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
  struct h2conn *c = handle->data;
  (void)suggested;
  *buf = uv_buf_init(c->server->read_buffer, READ_BUFFER_SIZE);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  struct h2conn *c = stream->data;

  if (nread == 0)
    return;
  if (nread == UV_EOF) {
    c->peer_eof = 1;
    uv_read_stop(stream);
    conn_count_closed(c);
    if (c->shut)
      conn_close(c);
    else
      conn_end(c, H2SERVER_CLOSE_FIN);
    return;
  }
  if (nread < 0) {
    conn_close(c); /* reset by the client, and such */
    return;
  }
  if (c->tls) {
    bytes_add(&c->tls_in, buf->base, (size_t)nread);
    conn_tls_input(c);
  } else {
    conn_input(c, buf->base, (size_t)nread);
  }
  conn_drive(c);
}

static void on_connection(uv_stream_t *listener, int status) {
  h2server *s = listener->data;
  struct h2conn *c;
  int ret;

  if (status < 0) {
    fprintf(stderr, "h2server: listen: %s\n", uv_strerror(status));
    return;
  }
  c = xcalloc(1, sizeof(*c));
  c->server = s;
  c->tls = s->cfg.tls;
  c->mode = c->tls ? MODE_TLS_HANDSHAKE : MODE_SNIFF; /* not shared yet */
  c->info.tls = c->tls;
  uv_tcp_init(&s->loop, &c->tcp);
  c->tcp.data = c;
  mbedtls_ssl_init(&c->ssl);

  uv_mutex_lock(&s->lock);
  c->index = (unsigned)s->nconns;
  c->script = c->index < s->cfg.nconns ? &s->cfg.conns[c->index]
                                       : &s->cfg.default_conn;
  array_reserve((void **)&s->conns, &s->conns_cap, s->nconns + 1,
                sizeof(*s->conns));
  s->conns[s->nconns++] = c;
  stat_add_locked(s, H2SERVER_CONNECTIONS);
  uv_mutex_unlock(&s->lock);

  if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
    conn_close(c);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  if (c->tls) {
    ret = mbedtls_ssl_setup(&c->ssl, &s->conf);
    if (ret != 0) {
      fprintf(stderr, "h2server: ssl_setup: -0x%04x\n", (unsigned)-ret);
      conn_close(c);
      return;
    }
    mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
  }
  if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
    conn_close(c);
}

/* -- commands ---------------------------------------------------------------------------- */

static void conn_release_window(struct h2conn *c) {
  c->hold_all = 0;
  for (struct h2stream *st = c->streams; st != NULL; st = st->next) {
    st->hold = 0;
    if (st->held > 0) {
      int rv = nghttp2_session_consume(c->session, st->id, st->held);
      if (rv != 0)
        conn_warn(c, "consume: %s", nghttp2_strerror(rv));
      st->held = 0;
    }
  }
}

static void run_command(h2server *s, struct cmd *cmd) {
  struct h2conn *c = s->conns[cmd->conn_index];
  int rv;

  if (c->closing)
    return;
  if (cmd->kind == CMD_INJECT) {
    if (c->session != NULL && !c->feed_stopped)
      conn_pull_session(c, 1);
    conn_send_raw(c, cmd->data, cmd->len);
    conn_drive(c);
    return;
  }
  if (c->session == NULL || c->feed_stopped)
    return;
  switch (cmd->kind) {
  case CMD_WINDOW_UPDATE:
    rv = nghttp2_submit_window_update(c->session, NGHTTP2_FLAG_NONE,
                                      cmd->stream_id, cmd->increment);
    if (rv != 0)
      conn_warn(c, "submit_window_update: %s", nghttp2_strerror(rv));
    break;
  case CMD_RELEASE:
    conn_release_window(c);
    break;
  case CMD_PING:
    conn_submit_ping(c);
    break;
  case CMD_GOAWAY:
    conn_submit_goaway(c, &cmd->goaway);
    break;
  case CMD_INJECT:
    break;
  }
  conn_drive(c);
}

static void on_commands(uv_async_t *async) {
  h2server *s = async->data;
  struct cmd *cmd, *next;

  uv_mutex_lock(&s->lock);
  cmd = s->cmds;
  s->cmds = s->cmds_tail = NULL;
  uv_mutex_unlock(&s->lock);
  for (; cmd != NULL; cmd = next) {
    next = cmd->next;
    run_command(s, cmd);
    free(cmd->data);
    free(cmd);
  }
}

/* Queue cmd (taking it) if its connection can take it. */
static int queue_command(h2server *s, struct cmd *cmd) {
  int ok;

  uv_mutex_lock(&s->lock);
  ok = cmd->conn_index < s->nconns;
  if (ok) {
    const h2server_conn_info *info = &s->conns[cmd->conn_index]->info;
    ok = !info->closed && info->proto != H2SERVER_PROTO_NONE &&
         (cmd->kind == CMD_INJECT || info->proto == H2SERVER_PROTO_H2 ||
          info->proto == H2SERVER_PROTO_H2_UPGRADE);
  }
  if (ok) {
    if (s->cmds_tail != NULL)
      s->cmds_tail->next = cmd;
    else
      s->cmds = cmd;
    s->cmds_tail = cmd;
  }
  uv_mutex_unlock(&s->lock);
  if (!ok) {
    free(cmd->data);
    free(cmd);
    return -1;
  }
  uv_async_send(&s->cmd_async);
  return 0;
}

static struct cmd *cmd_new(enum cmd_kind kind, unsigned conn_index) {
  struct cmd *cmd = xcalloc(1, sizeof(*cmd));
  cmd->kind = kind;
  cmd->conn_index = conn_index;
  return cmd;
}

int h2server_send_window_update(h2server *s, unsigned conn_index,
                                int32_t stream_id, int32_t increment) {
  struct cmd *cmd = cmd_new(CMD_WINDOW_UPDATE, conn_index);
  cmd->stream_id = stream_id;
  cmd->increment = increment;
  return queue_command(s, cmd);
}

int h2server_release_window(h2server *s, unsigned conn_index) {
  return queue_command(s, cmd_new(CMD_RELEASE, conn_index));
}

int h2server_send_ping(h2server *s, unsigned conn_index) {
  return queue_command(s, cmd_new(CMD_PING, conn_index));
}

int h2server_send_goaway(h2server *s, unsigned conn_index,
                         const h2server_goaway *g) {
  struct cmd *cmd = cmd_new(CMD_GOAWAY, conn_index);
  cmd->goaway = *g;
  if (g->debug_data != NULL) {
    size_t n = g->debug_len ? g->debug_len : strlen(g->debug_data);
    cmd->data = xmemdup(g->debug_data, n);
    cmd->goaway.debug_data = cmd->data;
    cmd->goaway.debug_len = n;
  } else {
    cmd->goaway.debug_len = 0;
  }
  return queue_command(s, cmd);
}

int h2server_inject(h2server *s, unsigned conn_index, const void *bytes,
                    size_t len) {
  struct cmd *cmd = cmd_new(CMD_INJECT, conn_index);
  cmd->data = xmemdup(bytes, len);
  cmd->len = len;
  return queue_command(s, cmd);
}

/* -- server thread and lifetime ------------------------------------------------------ */

/* A server left running fails the test process at exit. */
static atomic_uint servers_running;
static pid_t servers_pid;
static uv_once_t servers_once = UV_ONCE_INIT;

static void check_servers_stopped(void) {
  unsigned n = atomic_load(&servers_running);
  if (n > 0 && getpid() == servers_pid) {
    fprintf(stderr, "h2server: %u server(s) never stopped\n", n);
    fflush(stderr);
    _exit(1);
  }
}

static void register_exit_check(void) {
  servers_pid = getpid();
  atexit(check_servers_stopped);
}

static void on_stop(uv_async_t *async) {
  h2server *s = async->data;

  uv_close((uv_handle_t *)&s->listener, NULL);
  uv_close((uv_handle_t *)&s->stop_async, NULL);
  uv_close((uv_handle_t *)&s->cmd_async, NULL);
  for (size_t i = 0; i < s->nconns; i++)
    conn_close(s->conns[i]);
}

static void print_open_handle(uv_handle_t *handle, void *arg) {
  (void)arg;
  fprintf(stderr, "h2server: handle left open: %s%s\n",
          uv_handle_type_name(uv_handle_get_type(handle)),
          uv_is_closing(handle) ? " (closing)" : "");
}

static void server_thread(void *arg) {
  h2server *s = arg;

  uv_run(&s->loop, UV_RUN_DEFAULT);
  s->loop_close_result = uv_loop_close(&s->loop);
  if (s->loop_close_result != 0) {
    fprintf(stderr, "h2server: uv_loop_close: %s\n",
            uv_strerror(s->loop_close_result));
    uv_walk(&s->loop, print_open_handle, NULL);
  }
}

static void request_free(struct h2req *req) {
  hlist_free(&req->headers);
  hlist_free(&req->trailers);
  bytes_free(&req->body);
  free(req);
}

static void server_free(h2server *s) {
  struct kept *k, *next;
  struct cmd *cmd, *cnext;

  for (size_t i = 0; i < s->nconns; i++) {
    struct h2conn *c = s->conns[i];
    struct h2stream *st, *snext;
    for (st = c->streams; st != NULL; st = snext) {
      snext = st->next;
      free(st->echo);
      free(st);
    }
    if (c->session != NULL)
      nghttp2_session_del(c->session);
    mbedtls_ssl_free(&c->ssl);
    bytes_free(&c->tls_in);
    bytes_free(&c->in);
    bytes_free(&c->out);
    bytes_free(&c->log);
    free(c->frames);
    free(c);
  }
  free(s->conns);
  for (size_t i = 0; i < s->nrequests; i++)
    request_free(s->requests[i]);
  free(s->requests);
  for (cmd = s->cmds; cmd != NULL; cmd = cnext) {
    cnext = cmd->next;
    free(cmd->data);
    free(cmd);
  }
  for (k = s->kept; k != NULL; k = next) {
    next = k->next;
    free(k);
  }
  free(s->settings);
  if (s->callbacks != NULL)
    nghttp2_session_callbacks_del(s->callbacks);
  if (s->option != NULL)
    nghttp2_option_del(s->option);
  if (s->tls_ready) {
    mbedtls_ssl_config_free(&s->conf);
    mbedtls_x509_crt_free(&s->cert);
    mbedtls_pk_free(&s->key);
    mbedtls_ctr_drbg_free(&s->drbg);
    mbedtls_entropy_free(&s->entropy);
  }
  uv_cond_destroy(&s->cond);
  uv_mutex_destroy(&s->lock);
  free(s);
}

static int tls_report(const char *what, int ret) {
  char text[160];
  mbedtls_strerror(ret, text, sizeof(text));
  fprintf(stderr, "h2server: %s: -0x%04x %s\n", what, (unsigned)-ret, text);
  return -1;
}

static const char *alpn_h2_http11[] = {"h2", "http/1.1", NULL};
static const char *alpn_h2[] = {"h2", NULL};
static const char *alpn_http11[] = {"http/1.1", NULL};

static int setup_tls(h2server *s) {
  static const char pers[] = "ferry h2server";
  const char **alpn = NULL;
  int ret;

  mbedtls_entropy_init(&s->entropy);
  mbedtls_ctr_drbg_init(&s->drbg);
  mbedtls_ssl_config_init(&s->conf);
  mbedtls_x509_crt_init(&s->cert);
  mbedtls_pk_init(&s->key);
  s->tls_ready = 1;
  if (s->cfg.cert == NULL || s->cfg.key == NULL) {
    fprintf(stderr, "h2server: tls needs cert and key\n");
    return -1;
  }
  ret = mbedtls_ctr_drbg_seed(&s->drbg, mbedtls_entropy_func, &s->entropy,
                              (const unsigned char *)pers, sizeof(pers) - 1);
  if (ret != 0)
    return tls_report("ctr_drbg_seed", ret);
  ret = mbedtls_ssl_config_defaults(&s->conf, MBEDTLS_SSL_IS_SERVER,
                                    MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT);
  if (ret != 0)
    return tls_report("ssl_config_defaults", ret);
  mbedtls_ssl_conf_rng(&s->conf, mbedtls_ctr_drbg_random, &s->drbg);
  mbedtls_ssl_conf_authmode(&s->conf, MBEDTLS_SSL_VERIFY_NONE);
  ret = mbedtls_x509_crt_parse_file(&s->cert, s->cfg.cert);
  if (ret != 0)
    return tls_report(s->cfg.cert, ret);
  ret = mbedtls_pk_parse_keyfile(&s->key, s->cfg.key, NULL);
  if (ret != 0)
    return tls_report(s->cfg.key, ret);
  ret = mbedtls_ssl_conf_own_cert(&s->conf, &s->cert, &s->key);
  if (ret != 0)
    return tls_report("ssl_conf_own_cert", ret);
  switch (s->cfg.alpn) {
  case H2SERVER_ALPN_H2_HTTP11:
    alpn = alpn_h2_http11;
    break;
  case H2SERVER_ALPN_H2:
    alpn = alpn_h2;
    break;
  case H2SERVER_ALPN_HTTP11:
    alpn = alpn_http11;
    break;
  case H2SERVER_ALPN_NONE:
    break;
  }
  if (alpn != NULL) {
    ret = mbedtls_ssl_conf_alpn_protocols(&s->conf, alpn);
    if (ret != 0)
      return tls_report("ssl_conf_alpn_protocols", ret);
  }
  return 0;
}

static int setup_nghttp2(h2server *s) {
  nghttp2_session_callbacks *cb;
  nghttp2_session *probe;
  int rv;

  if (nghttp2_session_callbacks_new(&s->callbacks) != 0 ||
      nghttp2_option_new(&s->option) != 0)
    out_of_memory();
  cb = s->callbacks;
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb,
                                                          on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
  nghttp2_session_callbacks_set_on_invalid_header_callback(cb,
                                                           on_invalid_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
      cb, on_data_chunk_recv);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
  nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
  nghttp2_session_callbacks_set_on_frame_not_send_callback(cb,
                                                           on_frame_not_send);
  nghttp2_session_callbacks_set_data_source_read_length_callback(
      cb, data_read_length);
  nghttp2_option_set_no_auto_window_update(s->option, 1);
  if (s->cfg.no_http_messaging)
    nghttp2_option_set_no_http_messaging(s->option, 1);

  /* Check the settings once, so a bad value fails the start. */
  rv = nghttp2_session_server_new2(&probe, s->callbacks, NULL, s->option);
  if (rv != 0)
    out_of_memory();
  rv = nghttp2_submit_settings(probe, NGHTTP2_FLAG_NONE, s->settings,
                               s->nsettings);
  nghttp2_session_del(probe);
  if (rv != 0) {
    fprintf(stderr, "h2server: settings refused: %s\n", nghttp2_strerror(rv));
    return -1;
  }
  return 0;
}

h2server *h2server_start(const h2server_config *cfg) {
  struct sockaddr_in addr;
  struct sockaddr_storage bound;
  int namelen = (int)sizeof(bound);
  h2server *s = xcalloc(1, sizeof(*s));
  int r;

  if (uv_mutex_init(&s->lock) != 0 || uv_cond_init(&s->cond) != 0)
    abort();
  keep_config(s, cfg);
  if (setup_nghttp2(s) != 0 || (s->cfg.tls && setup_tls(s) != 0)) {
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
    r = uv_listen((uv_stream_t *)&s->listener, LISTEN_BACKLOG, on_connection);
  if (r == 0)
    r = uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &namelen);
  if (r != 0)
    goto failed_listen;
  s->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
  r = uv_async_init(&s->loop, &s->stop_async, on_stop);
  if (r != 0)
    goto failed_listen;
  s->stop_async.data = s;
  r = uv_async_init(&s->loop, &s->cmd_async, on_commands);
  if (r != 0)
    goto failed_cmd_async;
  s->cmd_async.data = s;
  r = uv_thread_create(&s->thread, server_thread, s);
  if (r != 0)
    goto failed_thread;
  uv_once(&servers_once, register_exit_check);
  atomic_fetch_add(&servers_running, 1);
  return s;

failed_thread:
  uv_close((uv_handle_t *)&s->cmd_async, NULL);
failed_cmd_async:
  uv_close((uv_handle_t *)&s->stop_async, NULL);
failed_listen:
  uv_close((uv_handle_t *)&s->listener, NULL);
  uv_run(&s->loop, UV_RUN_DEFAULT);
  uv_loop_close(&s->loop);
failed_loop_init:
  fprintf(stderr, "h2server: cannot start: %s\n", uv_strerror(r));
  server_free(s);
  return NULL;
}

int h2server_port(const h2server *s) {
  return s->port;
}

int h2server_stop(h2server *s) {
  int result;

  uv_async_send(&s->stop_async);
  uv_thread_join(&s->thread);
  result = s->loop_close_result == 0 ? 0 : -1;
  server_free(s);
  atomic_fetch_sub(&servers_running, 1);
  return result;
}

/* -- what was received --------------------------------------------------------------- */

int h2server_connection(h2server *s, unsigned conn_index,
                        h2server_conn_info *info) {
  int r = -1;
  uv_mutex_lock(&s->lock);
  if (conn_index < s->nconns) {
    *info = s->conns[conn_index]->info;
    r = 0;
  }
  uv_mutex_unlock(&s->lock);
  return r;
}

char *h2server_received(h2server *s, unsigned conn_index, size_t *len) {
  char *out = NULL;

  if (len != NULL)
    *len = 0;
  uv_mutex_lock(&s->lock);
  if (conn_index < s->nconns) {
    const struct bytes *log = &s->conns[conn_index]->log;
    out = xmemdup(log->data, log->len);
    if (len != NULL)
      *len = log->len;
  }
  uv_mutex_unlock(&s->lock);
  return out;
}

size_t h2server_frames(h2server *s, unsigned conn_index,
                       h2server_frame **frames) {
  size_t n = 0;

  *frames = NULL;
  uv_mutex_lock(&s->lock);
  if (conn_index < s->nconns && s->conns[conn_index]->nframes > 0) {
    const struct h2conn *c = s->conns[conn_index];
    n = c->nframes;
    *frames = xcalloc(n, sizeof(**frames));
    memcpy(*frames, c->frames, n * sizeof(**frames));
  }
  uv_mutex_unlock(&s->lock);
  return n;
}

static h2server_header *copy_hlist(const struct hlist *l) {
  h2server_header *v = xcalloc(l->n, sizeof(*v));
  for (size_t i = 0; i < l->n; i++) {
    v[i].name = xmemdup(l->v[i].name, l->v[i].name_len);
    v[i].name_len = l->v[i].name_len;
    v[i].value = xmemdup(l->v[i].value, l->v[i].value_len);
    v[i].value_len = l->v[i].value_len;
  }
  return v;
}

/* Call with s->lock held. */
static void copy_request(const struct h2req *req, h2server_request *out) {
  memset(out, 0, sizeof(*out));
  out->conn_index = req->conn_index;
  out->stream_id = req->stream_id;
  out->headers = copy_hlist(&req->headers);
  out->nheaders = req->headers.n;
  out->trailers = copy_hlist(&req->trailers);
  out->ntrailers = req->trailers.n;
  out->body = xmemdup(req->body.data, req->body.len);
  out->body_len = req->body.len;
  out->ended = req->ended;
  out->reset = req->reset;
  out->reset_code = req->reset_code;
  out->closed = req->closed;
  out->close_code = req->close_code;
  out->invalid_headers = req->invalid_headers;
}

unsigned h2server_requests(h2server *s) {
  unsigned n;
  uv_mutex_lock(&s->lock);
  n = (unsigned)s->nrequests;
  uv_mutex_unlock(&s->lock);
  return n;
}

int h2server_request_get(h2server *s, unsigned index, h2server_request *out) {
  int r = -1;
  memset(out, 0, sizeof(*out));
  uv_mutex_lock(&s->lock);
  if (index < s->nrequests) {
    copy_request(s->requests[index], out);
    r = 0;
  }
  uv_mutex_unlock(&s->lock);
  return r;
}

int h2server_request_find(h2server *s, unsigned conn_index, int32_t stream_id,
                          h2server_request *out) {
  int r = -1;
  memset(out, 0, sizeof(*out));
  uv_mutex_lock(&s->lock);
  for (size_t i = 0; i < s->nrequests; i++) {
    const struct h2req *req = s->requests[i];
    if (req->conn_index == conn_index && req->stream_id == stream_id) {
      copy_request(req, out);
      r = 0;
      break;
    }
  }
  uv_mutex_unlock(&s->lock);
  return r;
}

static void free_headers(h2server_header *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free((char *)v[i].name);
    free((char *)v[i].value);
  }
  free(v);
}

void h2server_request_free(h2server_request *r) {
  free_headers(r->headers, r->nheaders);
  free_headers(r->trailers, r->ntrailers);
  free(r->body);
  memset(r, 0, sizeof(*r));
}

const char *h2server_request_header(const h2server_request *r,
                                    const char *name) {
  for (size_t i = 0; i < r->nheaders; i++)
    if (strcmp(r->headers[i].name, name) == 0)
      return r->headers[i].value;
  return NULL;
}

/* -- generated bodies ------------------------------------------------------------------ */

unsigned char h2server_body_byte(size_t i) {
  return (unsigned char)((i * 7 + i / 251) % 256);
}

int h2server_body_check(const void *data, size_t len, size_t offset) {
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++)
    if (p[i] != h2server_body_byte(offset + i))
      return 0;
  return 1;
}

/* -- raw frames -------------------------------------------------------------------------- */

void h2server_buf_add(h2server_buf *b, const void *p, size_t n) {
  if (n == 0)
    return;
  array_reserve((void **)&b->data, &b->cap, b->len + n, 1);
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

void h2server_buf_free(h2server_buf *b) {
  free(b->data);
  memset(b, 0, sizeof(*b));
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

void h2server_buf_frame_header(h2server_buf *b, uint32_t length, uint8_t type,
                               uint8_t flags, uint32_t stream_id) {
  uint8_t h[9];
  h[0] = (uint8_t)(length >> 16);
  h[1] = (uint8_t)(length >> 8);
  h[2] = (uint8_t)length;
  h[3] = type;
  h[4] = flags;
  put32(h + 5, stream_id);
  h2server_buf_add(b, h, 9);
}

void h2server_buf_frame(h2server_buf *b, uint8_t type, uint8_t flags,
                        uint32_t stream_id, const void *payload, size_t n) {
  h2server_buf_frame_header(b, (uint32_t)n, type, flags, stream_id);
  h2server_buf_add(b, payload, n);
}

void h2server_buf_settings(h2server_buf *b, uint8_t flags,
                           const nghttp2_settings_entry *iv, size_t n) {
  h2server_buf_frame_header(b, (uint32_t)(n * 6), NGHTTP2_SETTINGS, flags, 0);
  for (size_t i = 0; i < n; i++) {
    uint8_t e[6];
    e[0] = (uint8_t)(iv[i].settings_id >> 8);
    e[1] = (uint8_t)iv[i].settings_id;
    put32(e + 2, iv[i].value);
    h2server_buf_add(b, e, 6);
  }
}

void h2server_buf_ping(h2server_buf *b, uint8_t flags,
                       const uint8_t opaque[8]) {
  h2server_buf_frame(b, NGHTTP2_PING, flags, 0, opaque, 8);
}

void h2server_buf_rst_stream(h2server_buf *b, uint32_t stream_id,
                             uint32_t error_code) {
  uint8_t p[4];
  put32(p, error_code);
  h2server_buf_frame(b, NGHTTP2_RST_STREAM, 0, stream_id, p, 4);
}

void h2server_buf_goaway(h2server_buf *b, uint32_t last_stream_id,
                         uint32_t error_code, const void *debug,
                         size_t debug_len) {
  uint8_t p[8];
  put32(p, last_stream_id);
  put32(p + 4, error_code);
  h2server_buf_frame_header(b, (uint32_t)(8 + debug_len), NGHTTP2_GOAWAY, 0,
                            0);
  h2server_buf_add(b, p, 8);
  h2server_buf_add(b, debug, debug_len);
}

void h2server_buf_window_update(h2server_buf *b, uint32_t stream_id,
                                uint32_t increment) {
  uint8_t p[4];
  put32(p, increment);
  h2server_buf_frame(b, NGHTTP2_WINDOW_UPDATE, 0, stream_id, p, 4);
}

/* An HPACK integer with an n-bit prefix; first holds the bits above it. */
static void hpack_int(h2server_buf *b, uint8_t first, unsigned prefix_bits,
                      size_t v) {
  size_t max = ((size_t)1 << prefix_bits) - 1;
  uint8_t byte;

  if (v < max) {
    byte = (uint8_t)(first | v);
    h2server_buf_add(b, &byte, 1);
    return;
  }
  byte = (uint8_t)(first | max);
  h2server_buf_add(b, &byte, 1);
  v -= max;
  while (v >= 128) {
    byte = (uint8_t)(v % 128 + 128);
    h2server_buf_add(b, &byte, 1);
    v /= 128;
  }
  byte = (uint8_t)v;
  h2server_buf_add(b, &byte, 1);
}

void h2server_hpack_literal(h2server_buf *b, const char *name,
                            const char *value) {
  size_t nlen = strlen(name), vlen = strlen(value);
  uint8_t zero = 0;

  h2server_buf_add(b, &zero, 1);
  hpack_int(b, 0, 7, nlen);
  h2server_buf_add(b, name, nlen);
  hpack_int(b, 0, 7, vlen);
  h2server_buf_add(b, value, vlen);
}

/* The scripted WebSocket test server (see wsserver.h).
 *
 * Threads: the server thread runs the loop and owns every handle and every
 * mbedTLS object. Other threads set scripts and read counters and records
 * under s->lock; the server thread takes the lock to change what they
 * read, and reads it without the lock.
 *
 * It shares no code with src/ws.c on purpose: it frames, masks and parses
 * on its own, so a test of the codec against it checks two readings of
 * RFC 6455 against each other.
 *
 * Lifetime: scripts, connections and their records live until
 * wsserver_stop(), after the loop has ended.
 */
#include "wsserver.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <uv.h>

#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha1.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#define READ_BUFFER_SIZE 65536
#define MAX_REQUEST (64 * 1024)
#define MAX_PAYLOAD ((uint64_t)64 << 20) /* per frame and per message */

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
static const unsigned char fixed_mask[4] = {0x37, 0xfa, 0x21, 0x3d};

/* -- allocation --------------------------------------------------------- */

static void *xrealloc(void *p, size_t size) {
  p = realloc(p, size ? size : 1);
  if (p == NULL) {
    fprintf(stderr, "wsserver: out of memory\n");
    abort();
  }
  return p;
}

static void *xcalloc(size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (p == NULL) {
    fprintf(stderr, "wsserver: out of memory\n");
    abort();
  }
  return p;
}

static char *xmemdup0(const void *data, size_t len) {
  char *copy = xcalloc(1, len + 1);
  if (len > 0)
    memcpy(copy, data, len);
  return copy;
}

static char *xstrdup(const char *s) {
  return s == NULL ? NULL : xmemdup0(s, strlen(s));
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
  if (n > 0)
    memcpy(b->data + b->len, p, n);
  b->len += n;
}

static void bytes_printf(struct bytes *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void bytes_printf(struct bytes *b, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof(buf))
    abort(); /* test code: keep formatted pieces short */
  bytes_add(b, buf, (size_t)n);
}

/* -- types ------------------------------------------------------------------ */

struct wss_script {
  struct wss_script *next; /* in the server's list of every script made */
  wss_step *steps;         /* with their own copies of the strings */
  size_t nsteps;
};

struct wss_message {
  unsigned opcode;
  char *data;
  size_t len;
};

struct ws_conn {
  wsserver *server;
  unsigned index;
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_shutdown_t shutdown_req;
  const struct wss_script *script;

  size_t step;
  unsigned phase;       /* the running step's progress */
  int blocked;          /* on the timer or the shutdown */
  int wait_for_writes;  /* RESET: blocked until writes_pending is 0 */
  size_t writes_pending;
  int script_done, script_counted;
  int refused;          /* the handshake request was refused */
  int peer_eof;
  int shutdown_started, write_shut;
  int closing, counted_closed;

  /* TLS */
  int tls;
  int tls_ready;
  mbedtls_ssl_context ssl;
  struct bytes tls_in;
  size_t tls_in_off;
  struct bytes tls_out;

  /* a frame or raw bytes going out in pieces */
  int sending;
  unsigned char *send_buf;
  size_t send_len, send_off;
  struct bytes deferred; /* pongs held back while sending */

  /* what came in; log, request_len, hs_error, frames, messages change
   * under the server's lock */
  struct bytes log;
  size_t request_len;
  char *hs_error;
  char *offered_protocols;
  int ws_open;
  size_t parse_pos;
  struct bytes msg;     /* the data message being reassembled */
  unsigned msg_opcode;
  wss_frame *frames;
  size_t nframes, frames_cap;
  struct wss_message *messages;
  size_t nmessages, messages_cap;
  size_t echoed;        /* messages ECHO has answered */
  size_t messages_waited;
  unsigned char last_ping[125];
  size_t last_ping_len;
  int ping_sent;
  unsigned pongs_after_ping;
  int client_close;
  unsigned client_close_status;
  int server_close_sent;
  unsigned close_status_sent;
};

struct ws_write {
  uv_write_t req;
  struct ws_conn *c;
  char data[];
};

struct wsserver {
  uv_loop_t loop;
  uv_tcp_t listener;
  uv_async_t stop_async;
  uv_thread_t thread;
  int port;
  int loop_close_result;
  int no_autopong;
  int tls;
  char read_buffer[READ_BUFFER_SIZE];
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_ssl_config conf;
  mbedtls_x509_crt cert;
  mbedtls_pk_context key;

  uv_mutex_t lock; /* guards what follows */
  uv_cond_t cond;
  unsigned stats[WSS_STAT_COUNT];
  struct wss_script *scripts_made;
  struct wss_script **scripts; /* by connection index; NULL: default */
  size_t nscripts;
  struct wss_script *default_script;
  struct ws_conn **conns;
  size_t nconns, conns_cap;
};

static const struct wss_script empty_script;

/* -- counters ---------------------------------------------------------------- */

static void stat_add(wsserver *s, wsserver_stat which) {
  uv_mutex_lock(&s->lock);
  s->stats[which]++;
  uv_cond_broadcast(&s->cond);
  uv_mutex_unlock(&s->lock);
}

unsigned wsserver_get(wsserver *s, wsserver_stat which) {
  unsigned n;
  uv_mutex_lock(&s->lock);
  n = s->stats[which];
  uv_mutex_unlock(&s->lock);
  return n;
}

int wsserver_wait(wsserver *s, wsserver_stat which, unsigned n,
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

/* -- writing ------------------------------------------------------------------- */

static void conn_run_script(struct ws_conn *c);

static void conn_count_closed(struct ws_conn *c) {
  if (c->counted_closed)
    return;
  c->counted_closed = 1;
  stat_add(c->server, WSS_CLOSED);
}

static void conn_close(struct ws_conn *c) {
  if (c->closing)
    return;
  c->closing = 1;
  c->blocked = 1;
  c->script_done = 1;
  conn_count_closed(c);
  uv_close((uv_handle_t *)&c->tcp, NULL);
  uv_close((uv_handle_t *)&c->timer, NULL);
}

static void conn_close_after_writes(struct ws_conn *c) {
  c->script_done = 1;
  if (c->writes_pending == 0 && !c->shutdown_started)
    conn_close(c);
  /* else on_write() or on_shutdown() closes it */
}

static void on_write(uv_write_t *req, int status) {
  struct ws_write *w = (struct ws_write *)req;
  struct ws_conn *c = w->c;

  free(w);
  c->writes_pending--;
  if (c->closing)
    return;
  if (status < 0) {
    conn_close(c); /* the client went away */
    return;
  }
  if (c->writes_pending > 0)
    return;
  if (c->wait_for_writes) {
    c->wait_for_writes = 0;
    c->blocked = 0;
    conn_run_script(c);
  } else if (c->script_done && c->peer_eof && !c->shutdown_started) {
    conn_close(c);
  }
}

/* Bytes onto the wire as one write. */
static void conn_write_raw(struct ws_conn *c, const void *data, size_t len) {
  struct ws_write *w;
  uv_buf_t buf;

  if (len == 0 || c->closing)
    return;
  w = xcalloc(1, sizeof(*w) + len);
  w->c = c;
  memcpy(w->data, data, len);
  buf = uv_buf_init(w->data, (unsigned)len);
  if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_write) != 0) {
    free(w);
    conn_close(c);
    return;
  }
  c->writes_pending++;
}

static void conn_tls_flush(struct ws_conn *c) {
  conn_write_raw(c, c->tls_out.data, c->tls_out.len);
  c->tls_out.len = 0;
}

/* Plaintext out: as is, or as TLS records in one write. */
static void conn_send(struct ws_conn *c, const void *data, size_t len) {
  const unsigned char *p = data;

  if (!c->tls) {
    conn_write_raw(c, data, len);
    return;
  }
  while (len > 0 && !c->closing) {
    int ret = mbedtls_ssl_write(&c->ssl, p, len);
    if (ret <= 0) {
      fprintf(stderr, "wsserver: connection %u: TLS write: -0x%04x\n",
              c->index, (unsigned)-ret);
      conn_close(c);
      return;
    }
    p += ret;
    len -= (size_t)ret;
  }
  conn_tls_flush(c);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  struct ws_conn *c = req->data;

  c->shutdown_started = 0;
  if (c->closing)
    return;
  if (status < 0) {
    conn_close(c);
    return;
  }
  c->write_shut = 1;
  c->blocked = 0;
  conn_run_script(c);
}

/* FIN after the queued writes (and a close_notify first over TLS). */
static void conn_shutdown_write(struct ws_conn *c) {
  if (c->tls && c->tls_ready) {
    mbedtls_ssl_close_notify(&c->ssl);
    conn_tls_flush(c);
  }
  if (c->closing)
    return;
  c->shutdown_req.data = c;
  if (uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_shutdown) !=
      0) {
    conn_close(c);
    return;
  }
  c->shutdown_started = 1;
  c->blocked = 1;
}

/* -- frames out ------------------------------------------------------------------ */

/* A server frame into b: the header from its parts, the payload (masked
 * with fixed_mask if masked). length_field: the length to announce. */
static void frame_build(struct bytes *b, unsigned first_byte, int masked,
                        uint64_t length_field, const void *payload,
                        size_t len) {
  unsigned char h[14];
  size_t n = 0;

  h[n++] = (unsigned char)first_byte;
  if (length_field < 126) {
    h[n++] = (unsigned char)((masked ? 0x80 : 0) | length_field);
  } else if (length_field <= 0xFFFF) {
    h[n++] = (unsigned char)((masked ? 0x80 : 0) | 126);
    h[n++] = (unsigned char)(length_field >> 8);
    h[n++] = (unsigned char)length_field;
  } else {
    h[n++] = (unsigned char)((masked ? 0x80 : 0) | 127);
    for (int shift = 56; shift >= 0; shift -= 8)
      h[n++] = (unsigned char)(length_field >> shift);
  }
  if (masked) {
    memcpy(h + n, fixed_mask, 4);
    n += 4;
  }
  bytes_add(b, h, n);
  bytes_add(b, payload, len);
  if (masked) {
    unsigned char *p = (unsigned char *)b->data + b->len - len;
    for (size_t i = 0; i < len; i++)
      p[i] ^= fixed_mask[i & 3];
  }
}

/* A well-formed frame, now or (while a piecewise send runs) after it. */
static void conn_send_frame(struct ws_conn *c, unsigned opcode,
                            const void *payload, size_t len) {
  struct bytes b = {NULL, 0, 0};

  frame_build(&b, 0x80 | opcode, 0, len, payload, len);
  if (c->sending)
    bytes_add(&c->deferred, b.data, b.len);
  else
    conn_send(c, b.data, b.len);
  free(b.data);
}

static void conn_send_close(struct ws_conn *c, unsigned status,
                            const char *reason, size_t reason_len) {
  struct bytes b = {NULL, 0, 0};

  if (status != 0) {
    unsigned char st[2] = {(unsigned char)(status >> 8),
                           (unsigned char)status};
    bytes_add(&b, st, 2);
    bytes_add(&b, reason, reason_len);
  }
  conn_send_frame(c, 0x8, b.data, b.len);
  free(b.data);
  c->server_close_sent = 1;
  c->close_status_sent = status;
}

/* -- frames in ----------------------------------------------------------------------- */

static void conn_add_message(struct ws_conn *c) {
  wsserver *s = c->server;
  struct wss_message *m;

  uv_mutex_lock(&s->lock);
  if (c->nmessages == c->messages_cap) {
    c->messages_cap = c->messages_cap ? c->messages_cap * 2 : 16;
    c->messages = xrealloc(c->messages, c->messages_cap * sizeof(*m));
  }
  m = &c->messages[c->nmessages++];
  m->opcode = c->msg_opcode;
  m->data = xmemdup0(c->msg.data, c->msg.len);
  m->len = c->msg.len;
  s->stats[WSS_MESSAGES]++;
  uv_cond_broadcast(&s->cond);
  uv_mutex_unlock(&s->lock);
  c->msg.len = 0;
}

static void conn_handle_frame(struct ws_conn *c, const wss_frame *f) {
  wsserver *s = c->server;

  switch (f->opcode) {
  case 0x9:
    if (!s->no_autopong && !c->server_close_sent) {
      stat_add(s, WSS_PINGS_ANSWERED);
      conn_send_frame(c, 0xA, f->payload, f->len);
    }
    break;
  case 0xA:
    c->pongs_after_ping++;
    if (c->ping_sent && f->len == c->last_ping_len &&
        memcmp(f->payload, c->last_ping, f->len) == 0)
      stat_add(s, WSS_PONGS_MATCHED);
    stat_add(s, WSS_PONGS);
    break;
  case 0x8:
    c->client_close = 1;
    c->client_close_status =
        f->len >= 2 ? ((unsigned)f->payload[0] << 8) | f->payload[1] : 0;
    stat_add(s, WSS_CLOSES_RECEIVED);
    break;
  case 0x0:
  case 0x1:
  case 0x2:
    if (f->opcode != 0) {
      c->msg.len = 0;
      c->msg_opcode = f->opcode;
    }
    if (c->msg.len + f->len > MAX_PAYLOAD) {
      fprintf(stderr, "wsserver: connection %u: a message over %llu bytes\n",
              c->index, (unsigned long long)MAX_PAYLOAD);
      conn_close(c);
      return;
    }
    bytes_add(&c->msg, f->payload, f->len);
    if (f->fin)
      conn_add_message(c);
    break;
  default:
    break;
  }
}

/* Parse and record every complete frame past parse_pos. */
static void conn_parse_frames(struct ws_conn *c) {
  wsserver *s = c->server;

  while (c->ws_open && !c->closing) {
    const unsigned char *p = (const unsigned char *)c->log.data + c->parse_pos;
    size_t avail = c->log.len - c->parse_pos, hl;
    unsigned len7;
    uint64_t len;
    wss_frame f;

    if (avail < 2)
      return;
    len7 = p[1] & 0x7F;
    hl = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
    if (avail < hl + ((p[1] & 0x80) ? 4 : 0))
      return;
    if (len7 == 126) {
      len = ((uint64_t)p[2] << 8) | p[3];
    } else if (len7 == 127) {
      len = 0;
      for (int i = 2; i < 10; i++)
        len = (len << 8) | p[i];
    } else {
      len = len7;
    }
    if (len > MAX_PAYLOAD) {
      fprintf(stderr, "wsserver: connection %u: a frame of %llu bytes\n",
              c->index, (unsigned long long)len);
      conn_close(c);
      return;
    }
    memset(&f, 0, sizeof(f));
    f.fin = p[0] >> 7;
    f.rsv = (p[0] >> 4) & 7;
    f.opcode = p[0] & 0x0F;
    f.masked = p[1] >> 7;
    if (f.masked) {
      memcpy(f.mask, p + hl, 4);
      hl += 4;
    }
    if (avail - hl < len)
      return;
    f.len = (size_t)len;
    f.payload = (unsigned char *)xmemdup0(p + hl, f.len);
    if (f.masked)
      for (size_t i = 0; i < f.len; i++)
        f.payload[i] ^= f.mask[i & 3];
    c->parse_pos += hl + f.len;

    uv_mutex_lock(&s->lock);
    if (c->nframes == c->frames_cap) {
      c->frames_cap = c->frames_cap ? c->frames_cap * 2 : 16;
      c->frames = xrealloc(c->frames, c->frames_cap * sizeof(*c->frames));
    }
    c->frames[c->nframes++] = f;
    s->stats[WSS_FRAMES]++;
    uv_cond_broadcast(&s->cond);
    uv_mutex_unlock(&s->lock);
    conn_handle_frame(c, &c->frames[c->nframes - 1]);
  }
}

/* -- the opening handshake ------------------------------------------------------------- */

static void trim(const char **s, size_t *len) {
  while (*len > 0 && (**s == ' ' || **s == '\t')) {
    (*s)++;
    (*len)--;
  }
  while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
    (*len)--;
}

static int is_name(const char *s, size_t len, const char *name) {
  return strlen(name) == len && strncasecmp(s, name, len) == 0;
}

/* Does a comma-separated value hold token (case-insensitive)? */
static int has_token(const char *v, size_t len, const char *token) {
  const char *end = v + len;
  while (v < end) {
    const char *comma = memchr(v, ',', (size_t)(end - v));
    const char *e = comma ? comma : end;
    const char *t = v;
    size_t n = (size_t)(e - v);
    trim(&t, &n);
    if (is_name(t, n, token))
      return 1;
    v = comma ? comma + 1 : end;
  }
  return 0;
}

struct request_info {
  int upgrade, connection, version_13, version_seen, host;
  char key[64];
  int key_ok;
};

/* Check the request in log[0, request_len). Returns NULL, or why not. */
static const char *request_check(struct ws_conn *c, struct request_info *ri) {
  const char *p = c->log.data, *end = c->log.data + c->request_len;
  const char *eol = memchr(p, '\n', (size_t)(end - p));
  struct bytes offered = {NULL, 0, 0};
  size_t line_len;

  memset(ri, 0, sizeof(*ri));
  line_len = (size_t)(eol - p);
  if (line_len > 0 && p[line_len - 1] == '\r')
    line_len--;
  if (line_len < 14 || memcmp(p, "GET ", 4) != 0 ||
      memcmp(p + line_len - 9, " HTTP/1.1", 9) != 0)
    return "the request line is not GET ... HTTP/1.1";
  p = eol + 1;
  while (p < end) {
    const char *colon, *value;
    size_t value_len;
    eol = memchr(p, '\n', (size_t)(end - p));
    line_len = (size_t)(eol - p);
    if (line_len > 0 && p[line_len - 1] == '\r')
      line_len--;
    if (line_len == 0)
      break;
    colon = memchr(p, ':', line_len);
    if (colon == NULL) {
      free(offered.data);
      return "a header line without a colon";
    }
    value = colon + 1;
    value_len = line_len - (size_t)(value - p);
    trim(&value, &value_len);
    if (is_name(p, (size_t)(colon - p), "upgrade"))
      ri->upgrade |= has_token(value, value_len, "websocket");
    else if (is_name(p, (size_t)(colon - p), "connection"))
      ri->connection |= has_token(value, value_len, "upgrade");
    else if (is_name(p, (size_t)(colon - p), "host"))
      ri->host = 1;
    else if (is_name(p, (size_t)(colon - p), "sec-websocket-version")) {
      ri->version_seen = 1;
      ri->version_13 = value_len == 2 && memcmp(value, "13", 2) == 0;
    } else if (is_name(p, (size_t)(colon - p), "sec-websocket-key")) {
      unsigned char raw[64];
      size_t olen = 0;
      if (ri->key[0] != '\0') {
        free(offered.data);
        return "Sec-WebSocket-Key sent twice";
      }
      if (value_len < sizeof(ri->key)) {
        memcpy(ri->key, value, value_len);
        ri->key[value_len] = '\0';
        ri->key_ok = value_len == 24 &&
                     mbedtls_base64_decode(raw, sizeof(raw), &olen,
                                           (const unsigned char *)value,
                                           value_len) == 0 &&
                     olen == 16;
      }
    } else if (is_name(p, (size_t)(colon - p), "sec-websocket-protocol")) {
      if (offered.len > 0)
        bytes_add(&offered, ", ", 2);
      bytes_add(&offered, value, value_len);
    }
    p = eol + 1;
  }
  if (offered.len > 0) {
    free(c->offered_protocols);
    c->offered_protocols = xmemdup0(offered.data, offered.len);
  }
  free(offered.data);
  if (!ri->host)
    return "no Host header";
  if (!ri->upgrade)
    return "no Upgrade: websocket";
  if (!ri->connection)
    return "no Connection: upgrade";
  if (!ri->version_13)
    return ri->version_seen ? "Sec-WebSocket-Version is not 13"
                            : "no Sec-WebSocket-Version";
  if (!ri->key_ok)
    return "Sec-WebSocket-Key is not base64 of 16 bytes";
  return NULL;
}

static void compute_accept(const char *key, char out[29]) {
  mbedtls_sha1_context sha;
  unsigned char sum[20];
  size_t olen = 0;

  mbedtls_sha1_init(&sha);
  if (mbedtls_sha1_starts_ret(&sha) != 0 ||
      mbedtls_sha1_update_ret(&sha, (const unsigned char *)key,
                              strlen(key)) != 0 ||
      mbedtls_sha1_update_ret(&sha, (const unsigned char *)ws_guid,
                              strlen(ws_guid)) != 0 ||
      mbedtls_sha1_finish_ret(&sha, sum) != 0 ||
      mbedtls_base64_encode((unsigned char *)out, 29, &olen, sum, 20) != 0)
    abort();
  mbedtls_sha1_free(&sha);
}

/* The step's answer to a request that passed the checks. */
static void conn_answer(struct ws_conn *c, const wss_step *st,
                        const struct request_info *ri) {
  struct bytes b = {NULL, 0, 0};
  char accept[29];

  if (st->data != NULL) {
    bytes_add(&b, st->data, st->len);
    c->ws_open = st->len >= 12 && memcmp(st->data, "HTTP/1.1 101", 12) == 0;
  } else if (st->status != 0 && st->status != 101) {
    bytes_printf(&b, "HTTP/1.1 %u Refused\r\nContent-Length: 0\r\n%s\r\n",
                 st->status, st->headers ? st->headers : "");
  } else {
    compute_accept(ri->key, accept);
    bytes_printf(&b,
                 "HTTP/1.1 101 Switching Protocols\r\n"
                 "Upgrade: websocket\r\n"
                 "Connection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: %s\r\n",
                 st->accept ? st->accept : accept);
    if (st->protocol != NULL && st->protocol[0] != '\0') {
      bytes_printf(&b, "Sec-WebSocket-Protocol: %s\r\n", st->protocol);
    } else if (st->protocol == NULL && c->offered_protocols != NULL) {
      const char *first = c->offered_protocols;
      const char *comma = strchr(first, ',');
      size_t n = comma ? (size_t)(comma - first) : strlen(first);
      trim(&first, &n);
      bytes_add(&b, "Sec-WebSocket-Protocol: ", 24);
      bytes_add(&b, first, n);
      bytes_add(&b, "\r\n", 2);
    }
    if (st->headers != NULL)
      bytes_add(&b, st->headers, strlen(st->headers));
    bytes_add(&b, "\r\n", 2);
    c->ws_open = 1;
  }
  /* counted before the client can see the answer */
  if (c->ws_open)
    stat_add(c->server, WSS_HANDSHAKES);
  conn_send(c, b.data, b.len);
  free(b.data);
  if (c->ws_open) {
    c->parse_pos = c->request_len;
    conn_parse_frames(c);
  }
}

/* -- the script --------------------------------------------------------------------------- */

enum step_result { STEP_DONE, STEP_STOP };

/* A step that waits for the client: stop, and end the script if nothing
 * more can come. */
static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

static enum step_result conn_need_input(struct ws_conn *c) {
  if (c->peer_eof)
    c->script_done = 1;
  return STEP_STOP;
}

/* The rest of a piecewise send: the next piece, then wait or finish. */
static enum step_result conn_send_pieces(struct ws_conn *c,
                                         const wss_step *st) {
  size_t n = c->send_len - c->send_off;

  if (st->piece > 0 && n > st->piece)
    n = st->piece;
  conn_send(c, c->send_buf + c->send_off, n);
  c->send_off += n;
  if (c->closing)
    return STEP_STOP;
  if (c->send_off < c->send_len)
    return STEP_STOP; /* the caller waits delay_ms */
  free(c->send_buf);
  c->send_buf = NULL;
  c->sending = 0;
  if (c->deferred.len > 0) {
    conn_send(c, c->deferred.data, c->deferred.len);
    c->deferred.len = 0;
  }
  return STEP_DONE;
}

static void on_timer(uv_timer_t *timer) {
  struct ws_conn *c = timer->data;
  c->blocked = 0;
  conn_run_script(c);
}

static void conn_wait_ms(struct ws_conn *c, unsigned ms) {
  uv_timer_start(&c->timer, on_timer, ms, 0);
  c->blocked = 1;
}

/* FIN (once): STEP_DONE when it is out. */
static enum step_result conn_fin(struct ws_conn *c) {
  if (!c->write_shut) {
    if (!c->shutdown_started)
      conn_shutdown_write(c);
    return STEP_STOP;
  }
  return STEP_DONE;
}

/* A refused handshake: FIN, then the script is over. */
static enum step_result conn_refused(struct ws_conn *c) {
  if (conn_fin(c) == STEP_DONE)
    c->script_done = 1;
  return STEP_STOP;
}

static enum step_result conn_read_request(struct ws_conn *c) {
  wsserver *s = c->server;
  const char *end;

  if (c->refused)
    return conn_refused(c);
  if (c->request_len > 0)
    return STEP_DONE;
  end = c->log.len >= 4 ? memmem(c->log.data, c->log.len, "\r\n\r\n", 4)
                        : NULL;
  if (end == NULL) {
    if (c->log.len > MAX_REQUEST) {
      static const char too_large[] =
          "HTTP/1.1 431 Request Header Fields Too Large\r\n"
          "Content-Length: 0\r\n\r\n";
      uv_mutex_lock(&s->lock);
      c->hs_error = xstrdup("the request is larger than 64 KiB");
      uv_mutex_unlock(&s->lock);
      conn_send(c, too_large, sizeof(too_large) - 1);
      c->refused = 1;
      return conn_refused(c);
    }
    return conn_need_input(c);
  }
  uv_mutex_lock(&s->lock);
  c->request_len = (size_t)(end - c->log.data) + 4;
  uv_mutex_unlock(&s->lock);
  return STEP_DONE;
}

static enum step_result conn_handshake(struct ws_conn *c, const wss_step *st) {
  wsserver *s = c->server;
  struct request_info ri;
  const char *why;

  if (conn_read_request(c) == STEP_STOP)
    return STEP_STOP;
  why = request_check(c, &ri);
  if (why != NULL) {
    struct bytes b = {NULL, 0, 0};
    int version = ri.version_seen && !ri.version_13 && why[0] == 'S';
    uv_mutex_lock(&s->lock);
    c->hs_error = xstrdup(why);
    uv_mutex_unlock(&s->lock);
    if (version)
      bytes_printf(&b, "HTTP/1.1 426 Upgrade Required\r\n"
                       "Sec-WebSocket-Version: 13\r\n"
                       "Content-Length: 0\r\n\r\n");
    else
      bytes_printf(&b, "HTTP/1.1 400 Bad Request\r\n"
                       "Content-Length: %zu\r\n\r\n%s",
                   strlen(why), why);
    conn_send(c, b.data, b.len);
    free(b.data);
    c->refused = 1;
    return conn_refused(c);
  }
  conn_answer(c, st, &ri);
  return STEP_DONE;
}

/* Answer the client's close with its status, then FIN. */
static enum step_result conn_answer_close(struct ws_conn *c) {
  if (c->phase < 100) {
    if (!c->server_close_sent)
      conn_send_close(c, c->client_close_status, NULL, 0);
    c->phase = 100;
  }
  return conn_fin(c);
}

static enum step_result conn_run_step(struct ws_conn *c, const wss_step *st) {
  wsserver *s = c->server;
  struct bytes b = {NULL, 0, 0};

  switch (st->action) {
  case WSS_HANDSHAKE:
    return conn_handshake(c, st);

  case WSS_READ_REQUEST:
    return conn_read_request(c);

  case WSS_ECHO:
    if (c->phase < 100) {
      while (c->echoed < c->nmessages) {
        const struct wss_message *m = &c->messages[c->echoed++];
        conn_send_frame(c, m->opcode, m->data, m->len);
      }
      if (!c->client_close)
        return conn_need_input(c);
    }
    return conn_answer_close(c);

  case WSS_SEND_FRAME:
  case WSS_SEND_RAW:
    if (c->phase == 0) {
      if (st->action == WSS_SEND_FRAME)
        frame_build(&b,
                    (st->no_fin ? 0 : 0x80) | ((st->rsv & 7) << 4) |
                        (st->opcode & 0x0F),
                    st->masked, st->length ? st->length : st->len, st->data,
                    st->len);
      else
        bytes_add(&b, st->data, st->len);
      if (st->action == WSS_SEND_FRAME && st->cut > 0 && st->cut < b.len)
        b.len = st->cut;
      c->send_buf = (unsigned char *)b.data;
      c->send_len = b.len;
      c->send_off = 0;
      c->sending = 1;
      c->phase = 1;
      if (b.len == 0) {
        c->sending = 0;
        free(c->send_buf);
        c->send_buf = NULL;
        return STEP_DONE;
      }
    }
    if (conn_send_pieces(c, st) == STEP_STOP) {
      if (!c->closing)
        conn_wait_ms(c, st->delay_ms);
      return STEP_STOP;
    }
    return STEP_DONE;

  case WSS_PING:
    c->last_ping_len = st->len < sizeof(c->last_ping) ? st->len
                                                      : sizeof(c->last_ping);
    memcpy(c->last_ping, st->data ? st->data : "", c->last_ping_len);
    c->ping_sent = 1;
    c->pongs_after_ping = 0;
    conn_send_frame(c, 0x9, st->data, st->len);
    return STEP_DONE;

  case WSS_WAIT_PONG:
    if (c->pongs_after_ping == 0)
      return conn_need_input(c);
    c->pongs_after_ping = 0;
    return STEP_DONE;

  case WSS_WAIT_MESSAGES:
    if (c->nmessages < c->messages_waited + st->n)
      return conn_need_input(c);
    c->messages_waited += st->n;
    return STEP_DONE;

  case WSS_CLOSE:
    if (c->phase == 0) {
      conn_send_close(c, st->status, st->data, st->len);
      c->phase = 1;
    }
    if (c->phase == 1) {
      if (!c->client_close)
        return conn_need_input(c);
      if (c->client_close_status == st->status)
        stat_add(s, WSS_CLOSE_ECHOED);
      c->phase = 2;
    }
    return conn_fin(c);

  case WSS_WAIT_CLOSE:
    if (!c->client_close && c->phase < 100)
      return conn_need_input(c);
    return conn_answer_close(c);

  case WSS_DELAY:
    if (c->phase == 0) {
      c->phase = 1;
      conn_wait_ms(c, st->delay_ms);
      return STEP_STOP;
    }
    return STEP_DONE;

  case WSS_HOLD_READS:
    if (c->phase == 0) {
      c->phase = 1;
      if (!c->peer_eof)
        uv_read_stop((uv_stream_t *)&c->tcp);
      conn_wait_ms(c, st->delay_ms);
      return STEP_STOP;
    }
    if (!c->peer_eof &&
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
      conn_close(c);
    return STEP_DONE;

  case WSS_FIN:
    return conn_fin(c);

  case WSS_RESET:
    if (c->writes_pending > 0) {
      c->wait_for_writes = 1;
      c->blocked = 1;
      return STEP_STOP;
    } else {
      struct linger lin = {1, 0};
      uv_os_fd_t fd;
      if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
      conn_close(c);
      return STEP_STOP;
    }
  }
  fprintf(stderr, "wsserver: unknown action %d\n", (int)st->action);
  conn_close(c);
  return STEP_STOP;
}

/* Run steps until one has to wait. Called whenever something a step may
 * wait for happens: input, EOF, a timer, a shutdown, the writes done. */
static void conn_run_script(struct ws_conn *c) {
  const struct wss_script *script = c->script;

  while (!c->closing && !c->blocked && !c->script_done) {
    if (c->step == script->nsteps) {
      c->script_done = 1;
      if (!c->script_counted) {
        c->script_counted = 1;
        stat_add(c->server, WSS_SCRIPTS_DONE);
      }
      break;
    }
    if (conn_run_step(c, &script->steps[c->step]) == STEP_STOP)
      break;
    c->step++;
    c->phase = 0;
  }
  if (!c->closing && c->script_done && c->peer_eof)
    conn_close_after_writes(c);
}

/* -- reading ------------------------------------------------------------------------- */

static void conn_log_append(struct ws_conn *c, const void *data, size_t len) {
  wsserver *s = c->server;

  uv_mutex_lock(&s->lock);
  bytes_add(&c->log, data, len);
  uv_mutex_unlock(&s->lock);
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len) {
  struct ws_conn *c = ctx;
  bytes_add(&c->tls_out, buf, len);
  return (int)len;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len) {
  struct ws_conn *c = ctx;
  size_t avail = c->tls_in.len - c->tls_in_off;

  if (avail == 0)
    return c->peer_eof ? 0 : MBEDTLS_ERR_SSL_WANT_READ;
  if (len > avail)
    len = avail;
  memcpy(buf, c->tls_in.data + c->tls_in_off, len);
  c->tls_in_off += len;
  if (c->tls_in_off == c->tls_in.len)
    c->tls_in.len = c->tls_in_off = 0;
  return (int)len;
}

/* Ciphertext came in: handshake, then decrypt into the log. Returns -1 if
 * the connection is gone. */
static int conn_tls_input(struct ws_conn *c) {
  int ret;

  if (!c->tls_ready) {
    ret = mbedtls_ssl_handshake(&c->ssl);
    conn_tls_flush(c);
    if (ret == MBEDTLS_ERR_SSL_WANT_READ)
      return 0;
    if (ret != 0) {
      char text[128];
      mbedtls_strerror(ret, text, sizeof(text));
      fprintf(stderr, "wsserver: connection %u: TLS handshake: %s\n",
              c->index, text);
      conn_close(c);
      return -1;
    }
    c->tls_ready = 1;
  }
  for (;;) {
    unsigned char buf[16384];
    ret = mbedtls_ssl_read(&c->ssl, buf, sizeof(buf));
    if (ret > 0) {
      conn_log_append(c, buf, (size_t)ret);
      continue;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
      break;
    /* close_notify, or the end: the client's side is done */
    c->peer_eof = 1;
    break;
  }
  conn_tls_flush(c);
  return 0;
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
  struct ws_conn *c = handle->data;
  (void)suggested;
  *buf = uv_buf_init(c->server->read_buffer, READ_BUFFER_SIZE);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  struct ws_conn *c = stream->data;

  if (nread == 0)
    return;
  if (nread == UV_EOF) {
    c->peer_eof = 1;
    uv_read_stop(stream);
  } else if (nread < 0) {
    conn_close(c); /* reset by the client */
    return;
  } else if (c->tls) {
    bytes_add(&c->tls_in, buf->base, (size_t)nread);
    if (conn_tls_input(c) != 0)
      return;
  } else {
    conn_log_append(c, buf->base, (size_t)nread);
  }
  conn_parse_frames(c);
  if (!c->closing)
    conn_run_script(c);
}

static void on_connection(uv_stream_t *listener, int status) {
  wsserver *s = listener->data;
  struct ws_conn *c;

  if (status < 0)
    return;
  c = xcalloc(1, sizeof(*c));
  c->server = s;
  c->tls = s->tls;
  uv_tcp_init(&s->loop, &c->tcp);
  uv_timer_init(&s->loop, &c->timer);
  c->tcp.data = c;
  c->timer.data = c;
  mbedtls_ssl_init(&c->ssl);

  uv_mutex_lock(&s->lock);
  c->index = (unsigned)s->nconns;
  if (c->index < s->nscripts && s->scripts[c->index] != NULL)
    c->script = s->scripts[c->index];
  else if (s->default_script != NULL)
    c->script = s->default_script;
  else
    c->script = &empty_script;
  if (s->nconns == s->conns_cap) {
    s->conns_cap = s->conns_cap ? s->conns_cap * 2 : 16;
    s->conns = xrealloc(s->conns, s->conns_cap * sizeof(*s->conns));
  }
  s->conns[s->nconns++] = c;
  s->stats[WSS_CONNECTIONS]++;
  uv_cond_broadcast(&s->cond);
  uv_mutex_unlock(&s->lock);

  if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
    conn_close(c);
    return;
  }
  /* pieces must go out when written, not when Nagle says */
  uv_tcp_nodelay(&c->tcp, 1);
  if (c->tls) {
    if (mbedtls_ssl_setup(&c->ssl, &s->conf) != 0) {
      conn_close(c);
      return;
    }
    mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
  }
  if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) {
    conn_close(c);
    return;
  }
  conn_run_script(c);
}

/* -- lifetime --------------------------------------------------------------------------- */

static void on_stop(uv_async_t *async) {
  wsserver *s = async->data;

  uv_close((uv_handle_t *)&s->listener, NULL);
  uv_close((uv_handle_t *)&s->stop_async, NULL);
  for (size_t i = 0; i < s->nconns; i++)
    conn_close(s->conns[i]);
}

static void print_open_handle(uv_handle_t *handle, void *arg) {
  (void)arg;
  fprintf(stderr, "wsserver: handle left open: %s%s\n",
          uv_handle_type_name(uv_handle_get_type(handle)),
          uv_is_closing(handle) ? " (closing)" : "");
}

static void server_thread(void *arg) {
  wsserver *s = arg;

  uv_run(&s->loop, UV_RUN_DEFAULT);
  s->loop_close_result = uv_loop_close(&s->loop);
  if (s->loop_close_result != 0) {
    fprintf(stderr, "wsserver: uv_loop_close: %s\n",
            uv_strerror(s->loop_close_result));
    uv_walk(&s->loop, print_open_handle, NULL);
  }
}

static void server_free(wsserver *s) {
  struct wss_script *script, *next;

  for (size_t i = 0; i < s->nconns; i++) {
    struct ws_conn *c = s->conns[i];
    mbedtls_ssl_free(&c->ssl);
    free(c->tls_in.data);
    free(c->tls_out.data);
    free(c->send_buf);
    free(c->deferred.data);
    free(c->log.data);
    free(c->hs_error);
    free(c->offered_protocols);
    free(c->msg.data);
    for (size_t k = 0; k < c->nframes; k++)
      free(c->frames[k].payload);
    free(c->frames);
    for (size_t k = 0; k < c->nmessages; k++)
      free(c->messages[k].data);
    free(c->messages);
    free(c);
  }
  free(s->conns);
  for (script = s->scripts_made; script != NULL; script = next) {
    next = script->next;
    for (size_t i = 0; i < script->nsteps; i++) {
      free((char *)script->steps[i].data);
      free((char *)script->steps[i].accept);
      free((char *)script->steps[i].protocol);
      free((char *)script->steps[i].headers);
    }
    free(script->steps);
    free(script);
  }
  free(s->scripts);
  mbedtls_ssl_config_free(&s->conf);
  mbedtls_x509_crt_free(&s->cert);
  mbedtls_pk_free(&s->key);
  mbedtls_ctr_drbg_free(&s->drbg);
  mbedtls_entropy_free(&s->entropy);
  uv_cond_destroy(&s->cond);
  uv_mutex_destroy(&s->lock);
  free(s);
}

static int report(const char *what, int ret) {
  char text[160];
  mbedtls_strerror(ret, text, sizeof(text));
  fprintf(stderr, "wsserver: %s: -0x%04x %s\n", what, (unsigned)-ret, text);
  return -1;
}

static int setup_tls(wsserver *s, const wsserver_config *cfg) {
  static const char pers[] = "ferry wsserver";
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
  mbedtls_ssl_conf_authmode(&s->conf, MBEDTLS_SSL_VERIFY_NONE);
  ret = mbedtls_x509_crt_parse_file(&s->cert, cfg->cert);
  if (ret != 0)
    return report(cfg->cert, ret);
  ret = mbedtls_pk_parse_keyfile(&s->key, cfg->key, NULL);
  if (ret != 0)
    return report(cfg->key, ret);
  ret = mbedtls_ssl_conf_own_cert(&s->conf, &s->cert, &s->key);
  if (ret != 0)
    return report("ssl_conf_own_cert", ret);
  return 0;
}

wsserver *wsserver_start(const wsserver_config *cfg) {
  struct sockaddr_in addr;
  struct sockaddr_storage bound;
  int namelen = (int)sizeof(bound);
  wsserver *s = xcalloc(1, sizeof(*s));
  int r;

  mbedtls_entropy_init(&s->entropy);
  mbedtls_ctr_drbg_init(&s->drbg);
  mbedtls_ssl_config_init(&s->conf);
  mbedtls_x509_crt_init(&s->cert);
  mbedtls_pk_init(&s->key);
  if (uv_mutex_init(&s->lock) != 0 || uv_cond_init(&s->cond) != 0)
    abort();
  if (cfg != NULL) {
    s->no_autopong = cfg->no_autopong;
    if (cfg->cert != NULL && cfg->key != NULL) {
      s->tls = 1;
      if (setup_tls(s, cfg) != 0) {
        server_free(s);
        return NULL;
      }
    }
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
  r = uv_thread_create(&s->thread, server_thread, s);
  if (r != 0)
    goto failed_thread;
  return s;

failed_thread:
  uv_close((uv_handle_t *)&s->stop_async, NULL);
failed_listen:
  uv_close((uv_handle_t *)&s->listener, NULL);
  uv_run(&s->loop, UV_RUN_DEFAULT);
  uv_loop_close(&s->loop);
failed_loop_init:
  fprintf(stderr, "wsserver: cannot start: %s\n", uv_strerror(r));
  server_free(s);
  return NULL;
}

int wsserver_port(const wsserver *s) {
  return s->port;
}

int wsserver_stop(wsserver *s) {
  int result;

  uv_async_send(&s->stop_async);
  uv_thread_join(&s->thread);
  result = s->loop_close_result == 0 ? 0 : -1;
  server_free(s);
  return result;
}

/* -- scripts ------------------------------------------------------------------------------ */

static struct wss_script *server_add_script(wsserver *s, const wss_step *steps,
                                            size_t nsteps) {
  struct wss_script *script = xcalloc(1, sizeof(*script));

  script->steps = xcalloc(nsteps, sizeof(*script->steps));
  script->nsteps = nsteps;
  for (size_t i = 0; i < nsteps; i++) {
    wss_step *st = &script->steps[i];
    *st = steps[i];
    if (steps[i].data != NULL) {
      if (st->len == 0)
        st->len = strlen(steps[i].data);
      st->data = xmemdup0(steps[i].data, st->len);
    } else {
      st->len = 0;
    }
    st->accept = xstrdup(steps[i].accept);
    st->protocol = xstrdup(steps[i].protocol);
    st->headers = xstrdup(steps[i].headers);
  }
  uv_mutex_lock(&s->lock);
  script->next = s->scripts_made;
  s->scripts_made = script;
  uv_mutex_unlock(&s->lock);
  return script;
}

void wsserver_script(wsserver *s, unsigned conn_index, const wss_step *steps,
                     size_t nsteps) {
  struct wss_script *script = server_add_script(s, steps, nsteps);

  uv_mutex_lock(&s->lock);
  if (conn_index >= s->nscripts) {
    s->scripts = xrealloc(s->scripts,
                          ((size_t)conn_index + 1) * sizeof(*s->scripts));
    memset(s->scripts + s->nscripts, 0,
           (conn_index + 1 - s->nscripts) * sizeof(*s->scripts));
    s->nscripts = (size_t)conn_index + 1;
  }
  s->scripts[conn_index] = script;
  uv_mutex_unlock(&s->lock);
}

void wsserver_default_script(wsserver *s, const wss_step *steps,
                             size_t nsteps) {
  struct wss_script *script = server_add_script(s, steps, nsteps);

  uv_mutex_lock(&s->lock);
  s->default_script = script;
  uv_mutex_unlock(&s->lock);
}

/* -- records ------------------------------------------------------------------------------ */

char *wsserver_request(wsserver *s, unsigned conn_index, size_t *len) {
  char *out = NULL;

  if (len != NULL)
    *len = 0;
  uv_mutex_lock(&s->lock);
  if (conn_index < s->nconns && s->conns[conn_index]->request_len > 0) {
    const struct ws_conn *c = s->conns[conn_index];
    out = xmemdup0(c->log.data, c->request_len);
    if (len != NULL)
      *len = c->request_len;
  }
  uv_mutex_unlock(&s->lock);
  return out;
}

char *wsserver_received(wsserver *s, unsigned conn_index, size_t *len) {
  char *out = NULL;

  if (len != NULL)
    *len = 0;
  uv_mutex_lock(&s->lock);
  if (conn_index < s->nconns) {
    const struct ws_conn *c = s->conns[conn_index];
    out = xmemdup0(c->log.data, c->log.len);
    if (len != NULL)
      *len = c->log.len;
  }
  uv_mutex_unlock(&s->lock);
  return out;
}

char *wsserver_handshake_error(wsserver *s, unsigned conn_index) {
  char *out = NULL;

  uv_mutex_lock(&s->lock);
  if (conn_index < s->nconns)
    out = xstrdup(s->conns[conn_index]->hs_error);
  uv_mutex_unlock(&s->lock);
  return out;
}

unsigned wsserver_frames(wsserver *s, unsigned conn_index) {
  unsigned n = 0;

  uv_mutex_lock(&s->lock);
  if (conn_index < s->nconns)
    n = (unsigned)s->conns[conn_index]->nframes;
  uv_mutex_unlock(&s->lock);
  return n;
}

int wsserver_frame(wsserver *s, unsigned conn_index, unsigned index,
                   wss_frame *out) {
  int r = -1;

  memset(out, 0, sizeof(*out));
  uv_mutex_lock(&s->lock);
  if (conn_index < s->nconns && index < s->conns[conn_index]->nframes) {
    const wss_frame *f = &s->conns[conn_index]->frames[index];
    *out = *f;
    out->payload = (unsigned char *)xmemdup0(f->payload, f->len);
    r = 0;
  }
  uv_mutex_unlock(&s->lock);
  return r;
}

void wsserver_frame_free(wss_frame *f) {
  free(f->payload);
  f->payload = NULL;
}

unsigned wsserver_messages(wsserver *s, unsigned conn_index) {
  unsigned n = 0;

  uv_mutex_lock(&s->lock);
  if (conn_index < s->nconns)
    n = (unsigned)s->conns[conn_index]->nmessages;
  uv_mutex_unlock(&s->lock);
  return n;
}

char *wsserver_message(wsserver *s, unsigned conn_index, unsigned index,
                       unsigned *opcode, size_t *len) {
  char *out = NULL;

  if (len != NULL)
    *len = 0;
  uv_mutex_lock(&s->lock);
  if (conn_index < s->nconns && index < s->conns[conn_index]->nmessages) {
    const struct wss_message *m = &s->conns[conn_index]->messages[index];
    out = xmemdup0(m->data, m->len);
    if (opcode != NULL)
      *opcode = m->opcode;
    if (len != NULL)
      *len = m->len;
  }
  uv_mutex_unlock(&s->lock);
  return out;
}

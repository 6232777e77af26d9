/* bench-wsecho: the WebSocket echo server of the benchmark's ws1k row. One
 * thread, one libuv loop, RFC 6455 by hand (no WebSocket library): it
 * answers each opening handshake with 101 and a text frame "go", then
 * echoes every data frame as it came (masking removed), answers pings, and
 * answers a close with a close and ends the connection. It records
 * nothing: it is meant to cost as little as it can, so that the clients'
 * numbers are the clients'.
 *
 * Usage: bench-wsecho      prints "port N" once listening on 127.0.0.1 at
 *                          a port the kernel picked; runs until stdin ends
 *                          (the harness's pipe) or SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#include <mbedtls/base64.h>
#include <mbedtls/sha1.h>

#define MAX_HEAD 8192
#define MAX_FRAME (1u << 20)

typedef struct conn {
  uv_tcp_t tcp;
  char *buf;
  size_t len, cap;
  int open; /* the handshake is done */
} conn;

static uv_loop_t *loop;
static uv_tcp_t server;
static uv_pipe_t in;

static void on_closed(uv_handle_t *h) {
  conn *c = h->data;
  free(c->buf);
  free(c);
}

static void drop(conn *c) {
  if (!uv_is_closing((uv_handle_t *)&c->tcp))
    uv_close((uv_handle_t *)&c->tcp, on_closed);
}

typedef struct wreq {
  uv_write_t w;
  char data[];
} wreq;

static void on_written(uv_write_t *w, int status) {
  (void)status;
  free(w);
}

static void send_bytes(conn *c, const char *p, size_t n) {
  wreq *r = malloc(sizeof(*r) + n);
  uv_buf_t b;
  if (r == NULL) {
    drop(c);
    return;
  }
  memcpy(r->data, p, n);
  b = uv_buf_init(r->data, (unsigned)n);
  if (uv_write(&r->w, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
    free(r);
    drop(c);
  }
}

/* A server frame (unmasked): b0 then the length and the payload. */
static void send_frame(conn *c, unsigned b0, const char *p, size_t n) {
  char head[10];
  size_t h = 0;
  char *out;
  head[h++] = (char)b0;
  if (n < 126) {
    head[h++] = (char)n;
  } else if (n < 65536) {
    head[h++] = 126;
    head[h++] = (char)(n >> 8);
    head[h++] = (char)n;
  } else {
    head[h++] = 127;
    for (int s = 56; s >= 0; s -= 8)
      head[h++] = (char)((uint64_t)n >> s);
  }
  out = malloc(h + n);
  if (out == NULL) {
    drop(c);
    return;
  }
  memcpy(out, head, h);
  memcpy(out + h, p, n);
  send_bytes(c, out, h + n);
  free(out);
}

static void handshake(conn *c, size_t head_len) {
  static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  char key[64] = "", accept[64], resp[256];
  unsigned char sum[20];
  size_t olen = 0;
  const char *p = c->buf, *end = c->buf + head_len;
  mbedtls_sha1_context sha;

  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
    if (n > 18 && strncasecmp(p, "sec-websocket-key:", 18) == 0) {
      const char *v = p + 18, *ve = p + n;
      while (v < ve && *v == ' ')
        v++;
      while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
        ve--;
      if ((size_t)(ve - v) < sizeof(key)) {
        memcpy(key, v, (size_t)(ve - v));
        key[ve - v] = '\0';
      }
    }
    p += n + 1;
  }
  mbedtls_sha1_init(&sha);
  mbedtls_sha1_starts_ret(&sha);
  mbedtls_sha1_update_ret(&sha, (unsigned char *)key, strlen(key));
  mbedtls_sha1_update_ret(&sha, (const unsigned char *)guid, strlen(guid));
  mbedtls_sha1_finish_ret(&sha, sum);
  mbedtls_sha1_free(&sha);
  mbedtls_base64_encode((unsigned char *)accept, sizeof(accept), &olen, sum,
                        20);
  accept[olen] = '\0';
  snprintf(resp, sizeof(resp),
           "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
           accept);
  send_bytes(c, resp, strlen(resp));
  send_frame(c, 0x81, "go", 2);
  c->open = 1;
}

/* Echo whole frames from the buffer; returns bytes used. */
static size_t frames(conn *c) {
  size_t pos = 0;
  for (;;) {
    unsigned char *p = (unsigned char *)c->buf + pos;
    size_t have = c->len - pos, h = 2;
    uint64_t n;
    unsigned char *mask;

    if (have < 2)
      return pos;
    n = p[1] & 0x7f;
    if (n == 126) {
      if (have < 4)
        return pos;
      n = ((uint64_t)p[2] << 8) | p[3];
      h = 4;
    } else if (n == 127) {
      if (have < 10)
        return pos;
      n = 0;
      for (int i = 2; i < 10; i++)
        n = (n << 8) | p[i];
      h = 10;
    }
    if (!(p[1] & 0x80) || n > MAX_FRAME) {
      drop(c);
      return c->len;
    }
    if (have < h + 4 + n)
      return pos;
    mask = p + h;
    for (uint64_t i = 0; i < n; i++)
      p[h + 4 + i] ^= mask[i & 3];
    switch (p[0] & 0x0f) {
    case 8:
      send_frame(c, 0x88, (char *)p + h + 4, n >= 2 ? 2 : 0);
      drop(c);
      return c->len;
    case 9:
      send_frame(c, 0x8a, (char *)p + h + 4, (size_t)n);
      break;
    case 10:
      break;
    default:
      send_frame(c, p[0] & 0x8f, (char *)p + h + 4, (size_t)n);
    }
    pos += h + 4 + (size_t)n;
  }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b) {
  conn *c = h->data;
  (void)suggested;
  if (c->cap - c->len < 65536) {
    size_t cap = c->cap ? c->cap * 2 : 65536 * 2;
    char *n = realloc(c->buf, cap);
    if (n == NULL) {
      *b = uv_buf_init(NULL, 0);
      return;
    }
    c->buf = n;
    c->cap = cap;
  }
  *b = uv_buf_init(c->buf + c->len, (unsigned)(c->cap - c->len));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b) {
  conn *c = s->data;
  size_t used;
  (void)b;
  if (nread < 0) {
    drop(c);
    return;
  }
  c->len += (size_t)nread;
  if (!c->open) {
    char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
    if (end == NULL) {
      if (c->len > MAX_HEAD)
        drop(c);
      return;
    }
    used = (size_t)(end + 4 - c->buf);
    handshake(c, used);
    memmove(c->buf, c->buf + used, c->len - used);
    c->len -= used;
  }
  used = frames(c);
  if (uv_is_closing((uv_handle_t *)&c->tcp))
    return;
  memmove(c->buf, c->buf + used, c->len - used);
  c->len -= used;
  if (c->cap > 262144 && c->len < 65536) {
    /* an idle connection keeps a small buffer */
    char *n = realloc(c->buf, 131072);
    if (n != NULL) {
      c->buf = n;
      c->cap = 131072;
    }
  }
}

static void on_connection(uv_stream_t *srv, int status) {
  conn *c;
  if (status != 0)
    return;
  c = calloc(1, sizeof(*c));
  if (c == NULL)
    return;
  uv_tcp_init(loop, &c->tcp);
  c->tcp.data = c;
  if (uv_accept(srv, (uv_stream_t *)&c->tcp) != 0) {
    drop(c);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void stdin_alloc(uv_handle_t *h, size_t s, uv_buf_t *b) {
  static char buf[64];
  (void)h;
  (void)s;
  *b = uv_buf_init(buf, sizeof(buf));
}

static void stdin_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  (void)s;
  (void)b;
  if (n < 0)
    exit(0); /* the harness went away */
}

int main(void) {
  struct sockaddr_in addr;
  struct sockaddr_storage bound;
  int len = sizeof(bound);

  signal(SIGPIPE, SIG_IGN);
  loop = uv_default_loop();
  uv_tcp_init(loop, &server);
  uv_ip4_addr("127.0.0.1", 0, &addr);
  if (uv_tcp_bind(&server, (struct sockaddr *)&addr, 0) != 0 ||
      uv_listen((uv_stream_t *)&server, 4096, on_connection) != 0) {
    fprintf(stderr, "bench-wsecho: cannot listen\n");
    return 2;
  }
  uv_tcp_getsockname(&server, (struct sockaddr *)&bound, &len);
  printf("port %d\n", ntohs(((struct sockaddr_in *)&bound)->sin_port));
  fflush(stdout);
  uv_pipe_init(loop, &in, 0);
  if (uv_pipe_open(&in, 0) == 0)
    uv_read_start((uv_stream_t *)&in, stdin_alloc, stdin_read);
  return uv_run(loop, UV_RUN_DEFAULT);
}

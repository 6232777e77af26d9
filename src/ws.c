/* The WebSocket protocol for a client, sans-IO (see ws.h). */
#include "ws.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <mbedtls/base64.h>
#include <mbedtls/sha1.h>

/* RFC 6455 1.3: the GUID a server appends to the key. */
static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/* -- errors ---------------------------------------------------------------- */

const char *ferry__ws_strerror(int code) {
  switch (code) {
  case FERRY__WS_OK:
    return "no error";
#define X(name, value, status, text)                                          \
  case value:                                                                 \
    return text;
    FERRY__WS_ERRORS(X)
#undef X
  }
  return "unknown WebSocket error";
}

int ferry__ws_close_status(int code) {
  switch (code) {
#define X(name, value, status, text)                                          \
  case value:                                                                 \
    return status;
    FERRY__WS_ERRORS(X)
#undef X
  }
  return 0;
}

static void set_errmsg(char *buf, size_t size, const char *fmt, va_list ap) {
  vsnprintf(buf, size, fmt, ap);
}

/* -- random bytes ------------------------------------------------------------ */

/* len bytes from the kernel's generator (the one /dev/urandom reads). */
static int random_bytes(unsigned char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = getrandom(buf, len, 0);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return FERRY__WS_ERR_RANDOM;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

/* -- UTF-8 ------------------------------------------------------------------- */

/* The lead bytes and the range of the byte after them follow the table of
 * well-formed sequences in Unicode's chapter 3 (Table 3-7): E0 and F0
 * narrow the second byte against overlong forms, ED against surrogates,
 * F4 against code points above U+10FFFF; C0, C1 and F5..FF never lead. */
size_t ferry__ws_utf8_check(ferry__ws_utf8 *u, const unsigned char *p,
                            size_t n) {
  uint8_t need = u->need, lo = u->lo, hi = u->hi;
  size_t i = 0;

  while (i < n) {
    unsigned c = p[i];

    if (need > 0) {
      if (c < lo || c > hi)
        break;
      need--;
      lo = 0x80;
      hi = 0xBF;
      i++;
      continue;
    }
    if (c < 0x80) {
      i++;
      /* runs of ASCII eight bytes at a time */
      while (n - i >= 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & UINT64_C(0x8080808080808080))
          break;
        i += 8;
      }
      continue;
    }
    lo = 0x80;
    hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2;
      if (c == 0xE0)
        lo = 0xA0;
      else if (c == 0xED)
        hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3;
      if (c == 0xF0)
        lo = 0x90;
      else if (c == 0xF4)
        hi = 0x8F;
    } else {
      break;
    }
    i++;
  }
  u->need = need;
  u->lo = lo;
  u->hi = hi;
  return i;
}

/* Is the whole of p valid UTF-8 on its own? */
static int utf8_valid(const unsigned char *p, size_t n) {
  ferry__ws_utf8 u = {0, 0, 0};
  return ferry__ws_utf8_check(&u, p, n) == n && ferry__ws_utf8_complete(&u);
}

/* -- the opening handshake ----------------------------------------------------- */

int ferry__ws_make_key(char key[FERRY__WS_KEY_SIZE]) {
  unsigned char nonce[16];
  size_t olen = 0;
  int r = random_bytes(nonce, sizeof(nonce));

  if (r != 0)
    return r;
  if (mbedtls_base64_encode((unsigned char *)key, FERRY__WS_KEY_SIZE, &olen,
                            nonce, sizeof(nonce)) != 0 ||
      olen != FERRY__WS_KEY_SIZE - 1)
    return FERRY__WS_ERR_CRYPTO;
  return 0;
}

int ferry__ws_accept(char accept[FERRY__WS_ACCEPT_SIZE], const char *key,
                     size_t key_len) {
  mbedtls_sha1_context sha;
  unsigned char sum[20];
  size_t olen = 0;
  int r;

  mbedtls_sha1_init(&sha);
  r = mbedtls_sha1_starts_ret(&sha);
  if (r == 0)
    r = mbedtls_sha1_update_ret(&sha, (const unsigned char *)key, key_len);
  if (r == 0)
    r = mbedtls_sha1_update_ret(&sha, (const unsigned char *)ws_guid,
                                sizeof(ws_guid) - 1);
  if (r == 0)
    r = mbedtls_sha1_finish_ret(&sha, sum);
  mbedtls_sha1_free(&sha);
  if (r != 0)
    return FERRY__WS_ERR_CRYPTO;
  if (mbedtls_base64_encode((unsigned char *)accept, FERRY__WS_ACCEPT_SIZE,
                            &olen, sum, sizeof(sum)) != 0 ||
      olen != FERRY__WS_ACCEPT_SIZE - 1)
    return FERRY__WS_ERR_CRYPTO;
  return 0;
}

static int is_blank(char c) {
  return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *len) {
  while (*len > 0 && is_blank(**s)) {
    (*s)++;
    (*len)--;
  }
  while (*len > 0 && is_blank((*s)[*len - 1]))
    (*len)--;
}

static int equals_nocase(const char *s, size_t len, const char *lit) {
  return strlen(lit) == len && strncasecmp(s, lit, len) == 0;
}

/* The next element of a comma-separated header list in [*p, end): sets
 * *elem and *elem_len (trimmed; may be empty) and moves *p past the comma.
 * A comma inside a quoted string (an extension parameter's value) does not
 * split. Returns 0 when the list is done. */
static int next_element(const char **p, const char *end, const char **elem,
                        size_t *elem_len) {
  const char *s = *p;
  int quoted = 0;

  if (s >= end)
    return 0;
  while (*p < end) {
    char c = **p;
    if (quoted && c == '\\' && *p + 1 < end) {
      *p += 2;
      continue;
    }
    if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted)
      break;
    (*p)++;
  }
  *elem = s;
  *elem_len = (size_t)(*p - s);
  if (*p < end)
    (*p)++; /* the comma */
  trim(elem, elem_len);
  return 1;
}

/* An extension element's name: up to its first ';', trimmed. */
static void extension_name(const char **s, size_t *len) {
  const char *semi = memchr(*s, ';', *len);
  if (semi != NULL)
    *len = (size_t)(semi - *s);
  trim(s, len);
}

static int handshake_fail(ferry__ws_handshake *h, int code, const char *fmt,
                          ...) __attribute__((format(printf, 3, 4)));

static int handshake_fail(ferry__ws_handshake *h, int code, const char *fmt,
                          ...) {
  va_list ap;

  h->err = code;
  va_start(ap, fmt);
  set_errmsg(h->errmsg, sizeof(h->errmsg), fmt, ap);
  va_end(ap);
  return code;
}

/* A length for "%.*s" that keeps messages short. */
static int shown(size_t len) {
  return len > 64 ? 64 : (int)len;
}

int ferry__ws_handshake_init(ferry__ws_handshake *h, const char *key,
                             const char *protocols, const char *extensions) {
  memset(h, 0, sizeof(*h));
  h->protocols = protocols;
  h->extensions = extensions;
  return ferry__ws_accept(h->accept, key, strlen(key));
}

static int handshake_protocol(ferry__ws_handshake *h, const char *value,
                              size_t len) {
  const char *p, *end, *elem;
  size_t elem_len;

  if (h->protocol != NULL)
    return handshake_fail(h, FERRY__WS_ERR_HS_PROTOCOL,
                          "the server chose a second subprotocol \"%.*s\"",
                          shown(len), value);
  if (h->protocols != NULL) {
    p = h->protocols;
    end = p + strlen(p);
    while (next_element(&p, end, &elem, &elem_len)) {
      if (elem_len > 0 && elem_len == len && memcmp(elem, value, len) == 0) {
        h->protocol = elem;
        h->protocol_len = elem_len;
        return 0;
      }
    }
  }
  return handshake_fail(h, FERRY__WS_ERR_HS_PROTOCOL,
                        "the server chose the subprotocol \"%.*s\", which "
                        "was not offered",
                        shown(len), value);
}

static int extension_offered(const ferry__ws_handshake *h, const char *name,
                             size_t len) {
  const char *p, *end, *elem;
  size_t elem_len;

  if (h->extensions == NULL)
    return 0;
  p = h->extensions;
  end = p + strlen(p);
  while (next_element(&p, end, &elem, &elem_len)) {
    extension_name(&elem, &elem_len);
    if (elem_len > 0 && elem_len == len && strncasecmp(elem, name, len) == 0)
      return 1;
  }
  return 0;
}

static int handshake_extensions(ferry__ws_handshake *h, const char *value,
                                size_t len) {
  const char *p = value, *end = value + len, *elem;
  size_t elem_len;

  while (next_element(&p, end, &elem, &elem_len)) {
    extension_name(&elem, &elem_len);
    if (elem_len == 0)
      continue;
    if (!extension_offered(h, elem, elem_len))
      return handshake_fail(h, FERRY__WS_ERR_HS_EXTENSION,
                            "the server chose the extension \"%.*s\", which "
                            "was not offered",
                            shown(elem_len), elem);
  }
  return 0;
}

int ferry__ws_handshake_header(ferry__ws_handshake *h, const char *name,
                               size_t name_len, const char *value,
                               size_t value_len) {
  if (h->err != 0)
    return h->err;
  trim(&value, &value_len);

  if (equals_nocase(name, name_len, "upgrade")) {
    if (!equals_nocase(value, value_len, "websocket"))
      return handshake_fail(h, FERRY__WS_ERR_HS_UPGRADE,
                            "the server upgrades to \"%.*s\", not websocket",
                            shown(value_len), value);
    h->upgrade = 1;
  } else if (equals_nocase(name, name_len, "connection")) {
    const char *p = value, *end = value + value_len, *elem;
    size_t elem_len;
    while (next_element(&p, end, &elem, &elem_len))
      if (equals_nocase(elem, elem_len, "upgrade"))
        h->connection = 1;
  } else if (equals_nocase(name, name_len, "sec-websocket-accept")) {
    if (h->accept_seen)
      return handshake_fail(h, FERRY__WS_ERR_HS_ACCEPT_MISMATCH,
                            "the server sent Sec-WebSocket-Accept twice");
    h->accept_seen = 1;
    if (value_len != FERRY__WS_ACCEPT_SIZE - 1 ||
        memcmp(value, h->accept, value_len) != 0)
      return handshake_fail(h, FERRY__WS_ERR_HS_ACCEPT_MISMATCH,
                            "Sec-WebSocket-Accept is \"%.*s\", expected %s",
                            shown(value_len), value, h->accept);
  } else if (equals_nocase(name, name_len, "sec-websocket-protocol")) {
    return handshake_protocol(h, value, value_len);
  } else if (equals_nocase(name, name_len, "sec-websocket-extensions")) {
    return handshake_extensions(h, value, value_len);
  }
  return 0;
}

/* RFC 9110 5.6.2: a token's characters. */
static int is_tchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9'))
    return 1;
  return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

int ferry__ws_handshake_line(ferry__ws_handshake *h, const char *line,
                             size_t len) {
  const char *colon;
  size_t name_len;

  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    len--;
  colon = memchr(line, ':', len);
  if (colon == NULL || colon == line)
    return h->err;
  name_len = (size_t)(colon - line);
  for (size_t i = 0; i < name_len; i++)
    if (!is_tchar((unsigned char)line[i]))
      return h->err; /* no header name: the status line, say */
  return ferry__ws_handshake_header(h, line, name_len, colon + 1,
                                    len - name_len - 1);
}

int ferry__ws_handshake_finish(ferry__ws_handshake *h, int status) {
  if (status != 101)
    return handshake_fail(h, FERRY__WS_ERR_HS_STATUS,
                          "the server answered %d, not 101 Switching "
                          "Protocols",
                          status);
  if (h->err != 0)
    return h->err;
  if (!h->upgrade)
    return handshake_fail(h, FERRY__WS_ERR_HS_UPGRADE,
                          "the response has no Upgrade header");
  if (!h->connection)
    return handshake_fail(h, FERRY__WS_ERR_HS_CONNECTION,
                          "the response's Connection header has no "
                          "\"upgrade\" token");
  if (!h->accept_seen)
    return handshake_fail(h, FERRY__WS_ERR_HS_ACCEPT_MISSING,
                          "the response has no Sec-WebSocket-Accept");
  return 0;
}

/* -- the encoder ------------------------------------------------------------------ */

static int opcode_known(unsigned op) {
  return op <= FERRY__WS_BINARY ||
         (op >= FERRY__WS_CLOSE && op <= FERRY__WS_PONG);
}

void ferry__ws_encoder_init(ferry__ws_encoder *e) {
  memset(e, 0, sizeof(*e));
}

/* The next masking key, from random bytes fetched ahead in bulk. */
static int next_mask(ferry__ws_encoder *e, unsigned char mask[4]) {
  int r;

  if (e->random_left < 4) {
    r = random_bytes(e->random, sizeof(e->random));
    if (r != 0)
      return r;
    e->random_left = (unsigned char)sizeof(e->random);
  }
  memcpy(mask, e->random + sizeof(e->random) - e->random_left, 4);
  e->random_left -= 4;
  return 0;
}

int ferry__ws_encode_header(ferry__ws_encoder *e, unsigned char *out,
                            size_t outlen, size_t *written, unsigned opcode,
                            int fin, uint64_t payload_len,
                            const unsigned char *mask) {
  unsigned char key[4];
  size_t n = 0, need;
  int r;

  *written = 0;
  if (e->frame_left > 0)
    return FERRY__WS_ERR_FRAME_IN_PROGRESS;
  if (e->closed)
    return FERRY__WS_ERR_AFTER_CLOSE;
  if (!opcode_known(opcode))
    return FERRY__WS_ERR_OPCODE;
  if (FERRY__WS_IS_CONTROL(opcode)) {
    if (payload_len > FERRY__WS_MAX_CONTROL)
      return FERRY__WS_ERR_CONTROL_TOO_LONG;
    if (!fin)
      return FERRY__WS_ERR_CONTROL_FRAGMENTED;
  } else if (opcode == FERRY__WS_CONT) {
    if (!e->in_message)
      return FERRY__WS_ERR_CONT_WITHOUT_MESSAGE;
  } else if (e->in_message) {
    return FERRY__WS_ERR_MESSAGE_IN_PROGRESS;
  }
  if (payload_len >> 63)
    return FERRY__WS_ERR_LENGTH;
  need = 2 + 4 + (payload_len < 126 ? 0 : payload_len <= 0xFFFF ? 2 : 8);
  if (outlen < need)
    return FERRY__WS_ERR_BUFFER_TOO_SMALL;
  if (mask == NULL) {
    r = next_mask(e, key);
    if (r != 0)
      return r;
    mask = key;
  }

  out[n++] = (unsigned char)((fin ? 0x80 : 0) | opcode);
  if (payload_len < 126) {
    out[n++] = (unsigned char)(0x80 | payload_len);
  } else if (payload_len <= 0xFFFF) {
    out[n++] = 0x80 | 126;
    out[n++] = (unsigned char)(payload_len >> 8);
    out[n++] = (unsigned char)payload_len;
  } else {
    out[n++] = 0x80 | 127;
    for (int shift = 56; shift >= 0; shift -= 8)
      out[n++] = (unsigned char)(payload_len >> shift);
  }
  memcpy(out + n, mask, 4);
  n += 4;

  memcpy(e->mask, mask, 4);
  e->frame_left = payload_len;
  e->frame_offset = 0;
  if (opcode == FERRY__WS_CLOSE)
    e->closed = 1;
  else if (!FERRY__WS_IS_CONTROL(opcode))
    e->in_message = !fin;
  *written = n;
  return 0;
}

int ferry__ws_encode_payload(ferry__ws_encoder *e, unsigned char *dst,
                             const unsigned char *src, size_t len) {
  unsigned k = (unsigned)(e->frame_offset & 3);
  unsigned char mask8[8];
  uint64_t m;
  size_t i = 0;

  if (len > e->frame_left)
    return FERRY__WS_ERR_PAYLOAD_TOO_LONG;
  /* up to a multiple of four into the frame, then eight at a time */
  while (i < len && k != 0) {
    dst[i] = src[i] ^ e->mask[k];
    i++;
    k = (k + 1) & 3;
  }
  memcpy(mask8, e->mask, 4);
  memcpy(mask8 + 4, e->mask, 4);
  memcpy(&m, mask8, 8);
  for (; len - i >= 8; i += 8) {
    uint64_t w;
    memcpy(&w, src + i, 8);
    w ^= m;
    memcpy(dst + i, &w, 8);
  }
  for (; i < len; i++) {
    dst[i] = src[i] ^ e->mask[k];
    k = (k + 1) & 3;
  }
  e->frame_left -= len;
  e->frame_offset += len;
  return 0;
}

int ferry__ws_encode_frame(ferry__ws_encoder *e, unsigned char *out,
                           size_t outlen, size_t *written, unsigned opcode,
                           int fin, const unsigned char *payload, size_t len,
                           const unsigned char *mask) {
  size_t head = 2 + 4 + (len < 126 ? 0 : len <= 0xFFFF ? 2 : 8);
  int r;

  *written = 0;
  if (outlen < head || outlen - head < len) {
    /* the header's own checks come first, with nothing changed */
    unsigned char scratch[FERRY__WS_MAX_HEADER];
    ferry__ws_encoder copy = *e;
    size_t n;
    static const unsigned char zero_mask[4];
    r = ferry__ws_encode_header(&copy, scratch, sizeof(scratch), &n, opcode,
                                fin, len, zero_mask);
    return r != 0 ? r : FERRY__WS_ERR_BUFFER_TOO_SMALL;
  }
  r = ferry__ws_encode_header(e, out, outlen, written, opcode, fin, len, mask);
  if (r != 0)
    return r;
  if (len > 0)
    ferry__ws_encode_payload(e, out + *written, payload, len);
  *written += len;
  return 0;
}

int ferry__ws_close_status_valid(unsigned status) {
  return (status >= 1000 && status <= 1003) ||
         (status >= 1007 && status <= 1014) ||
         (status >= 3000 && status <= 4999);
}

int ferry__ws_close_payload(unsigned char out[FERRY__WS_MAX_CONTROL],
                            size_t *len, unsigned status, const char *reason,
                            size_t reason_len) {
  *len = 0;
  if (status == 0)
    return reason_len == 0 ? 0 : FERRY__WS_ERR_CLOSE_STATUS;
  if (!ferry__ws_close_status_valid(status))
    return FERRY__WS_ERR_CLOSE_STATUS;
  if (reason_len > FERRY__WS_MAX_CONTROL - 2)
    return FERRY__WS_ERR_CONTROL_TOO_LONG;
  if (!utf8_valid((const unsigned char *)reason, reason_len))
    return FERRY__WS_ERR_CLOSE_REASON_NOT_UTF8;
  out[0] = (unsigned char)(status >> 8);
  out[1] = (unsigned char)status;
  if (reason_len > 0)
    memcpy(out + 2, reason, reason_len);
  *len = 2 + reason_len;
  return 0;
}

/* -- the decoder ------------------------------------------------------------------- */

const char *ferry__ws_decoder_state_name(int state) {
  switch (state) {
#define X(name)                                                               \
  case FERRY__WS_DEC_##name:                                                  \
    return #name;
    FERRY__WS_DECODER_STATES(X)
#undef X
  }
  return "?";
}

/* The only writer of d->state. */
static void decoder_state(ferry__ws_decoder *d, ferry__ws_decoder_state to) {
  d->state = (unsigned char)to;
}

static int decoder_fail(ferry__ws_decoder *d, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int decoder_fail(ferry__ws_decoder *d, int code, const char *fmt,
                        ...) {
  va_list ap;

  d->err = code;
  va_start(ap, fmt);
  set_errmsg(d->errmsg, sizeof(d->errmsg), fmt, ap);
  va_end(ap);
  decoder_state(d, FERRY__WS_DEC_FAILED);
  return code;
}

void ferry__ws_decoder_init(ferry__ws_decoder *d,
                            const ferry__ws_callbacks *cb, void *ud) {
  memset(d, 0, sizeof(*d));
  d->cb = cb;
  d->ud = ud;
  d->max_frame = FERRY__WS_DEFAULT_MAX_FRAME;
  d->max_message = FERRY__WS_DEFAULT_MAX_MESSAGE;
  d->hdr_need = 2;
  decoder_state(d, FERRY__WS_DEC_HEADER);
}

/* What a callback said: 0 go on, FERRY__WS_PAUSE, or the decoder's
 * failure. */
static int callback_result(ferry__ws_decoder *d, int r, const char *which) {
  if (r < 0)
    return decoder_fail(d, FERRY__WS_ERR_CALLBACK, "the %s callback failed",
                        which);
  return r == FERRY__WS_PAUSE ? FERRY__WS_PAUSE : 0;
}

static int emit_start(ferry__ws_decoder *d) {
  if (d->cb == NULL || d->cb->on_frame_start == NULL)
    return 0;
  return callback_result(d, d->cb->on_frame_start(d->ud, &d->frame),
                         "frame start");
}

static int emit_payload(ferry__ws_decoder *d, const unsigned char *p,
                        size_t n, uint64_t offset) {
  if (d->cb == NULL || d->cb->on_payload == NULL)
    return 0;
  return callback_result(d, d->cb->on_payload(d->ud, &d->frame, p, n, offset),
                         "payload");
}

static int emit_end(ferry__ws_decoder *d) {
  if (d->cb == NULL || d->cb->on_frame_end == NULL)
    return 0;
  return callback_result(d, d->cb->on_frame_end(d->ud, &d->frame),
                         "frame end");
}

/* Check the header bytes so far: 1 when it is complete (and d->frame is
 * set), 0 when more bytes are needed (hdr_need says how many in all), or
 * the error. */
static int header_check(ferry__ws_decoder *d) {
  unsigned b0 = d->hdr[0], b1 = d->hdr[1];
  unsigned opcode = b0 & 0x0F, len7 = b1 & 0x7F;
  int fin = (b0 & 0x80) != 0, control = FERRY__WS_IS_CONTROL(opcode);
  uint64_t len;

  if (d->hdr_len == 2) {
    if (b0 & 0x70)
      return decoder_fail(d, FERRY__WS_ERR_RSV,
                          "a frame has the reserved bits 0x%02x set",
                          b0 & 0x70);
    if (!opcode_known(opcode))
      return decoder_fail(d, FERRY__WS_ERR_OPCODE,
                          "a frame has the unknown opcode 0x%x", opcode);
    if (control && !fin)
      return decoder_fail(d, FERRY__WS_ERR_CONTROL_FRAGMENTED,
                          "a control frame (opcode 0x%x) has FIN=0", opcode);
    if (opcode == FERRY__WS_CONT && !d->in_message)
      return decoder_fail(d, FERRY__WS_ERR_CONT_WITHOUT_MESSAGE,
                          "a continuation frame came with no fragmented "
                          "message in progress");
    if (!control && opcode != FERRY__WS_CONT && d->in_message)
      return decoder_fail(d, FERRY__WS_ERR_MESSAGE_IN_PROGRESS,
                          "a %s frame came while a fragmented message is "
                          "in progress",
                          opcode == FERRY__WS_TEXT ? "text" : "binary");
    if (b1 & 0x80)
      return decoder_fail(d, FERRY__WS_ERR_MASKED,
                          "the server sent a masked frame (opcode 0x%x)",
                          opcode);
    if (control && len7 > FERRY__WS_MAX_CONTROL)
      return decoder_fail(d, FERRY__WS_ERR_CONTROL_TOO_LONG,
                          "a control frame (opcode 0x%x) uses the %s length "
                          "form",
                          opcode, len7 == 126 ? "16-bit" : "64-bit");
    if (len7 == 126 || len7 == 127) {
      d->hdr_need = len7 == 126 ? 4 : 10;
      return 0;
    }
  }

  if (len7 == 126) {
    len = ((uint64_t)d->hdr[2] << 8) | d->hdr[3];
  } else if (len7 == 127) {
    len = 0;
    for (int i = 2; i < 10; i++)
      len = (len << 8) | d->hdr[i];
    if (len >> 63)
      return decoder_fail(d, FERRY__WS_ERR_LENGTH,
                          "a frame's 64-bit length 0x%016llx has its top "
                          "bit set",
                          (unsigned long long)len);
  } else {
    len = len7;
  }

  if (!control) {
    uint64_t before = opcode == FERRY__WS_CONT ? d->message_len : 0;
    if (len > d->max_frame)
      return decoder_fail(d, FERRY__WS_ERR_FRAME_TOO_BIG,
                          "a frame of %llu bytes is over the limit of %llu",
                          (unsigned long long)len,
                          (unsigned long long)d->max_frame);
    if (before > d->max_message || len > d->max_message - before)
      return decoder_fail(d, FERRY__WS_ERR_MESSAGE_TOO_BIG,
                          "a message of %llu bytes and more is over the "
                          "limit of %llu",
                          (unsigned long long)(before + len),
                          (unsigned long long)d->max_message);
    if (opcode != FERRY__WS_CONT) {
      d->message_opcode = (unsigned char)opcode;
      memset(&d->utf8, 0, sizeof(d->utf8));
    }
    d->frame.message_offset = before;
    d->frame.message_opcode = d->message_opcode;
    d->message_len = before + len;
    d->in_message = !fin;
  } else {
    d->frame.message_offset = 0;
    d->frame.message_opcode = (uint8_t)opcode;
  }
  d->frame.opcode = (uint8_t)opcode;
  d->frame.fin = (uint8_t)fin;
  d->frame.payload_len = len;
  d->frame.close_status = 0;
  return 1;
}

/* A complete control frame's payload: check a close frame's. */
static int control_check(ferry__ws_decoder *d) {
  unsigned status;
  ferry__ws_utf8 u = {0, 0, 0};
  size_t reason_len, valid;

  if (d->frame.opcode != FERRY__WS_CLOSE || d->control_len == 0)
    return 0;
  if (d->control_len == 1)
    return decoder_fail(d, FERRY__WS_ERR_CLOSE_ONE_BYTE,
                        "a close frame has a 1-byte payload");
  status = ((unsigned)d->control[0] << 8) | d->control[1];
  if (!ferry__ws_close_status_valid(status))
    return decoder_fail(d, FERRY__WS_ERR_CLOSE_STATUS,
                        "a close frame has the invalid status %u", status);
  reason_len = (size_t)d->control_len - 2;
  valid = ferry__ws_utf8_check(&u, d->control + 2, reason_len);
  if (valid != reason_len || !ferry__ws_utf8_complete(&u))
    return decoder_fail(d, FERRY__WS_ERR_CLOSE_REASON_NOT_UTF8,
                        "a close frame's reason is not UTF-8 at byte %zu",
                        valid);
  d->frame.close_status = (uint16_t)status;
  return 0;
}

/* A data frame's payload bytes: check text, deliver. Sets *taken. */
static int data_payload(ferry__ws_decoder *d, const unsigned char *p,
                        size_t n, size_t *taken) {
  uint64_t offset = d->frame.payload_len - d->frame_left;
  size_t good = n;
  int r;

  *taken = 0;
  if (d->message_opcode == FERRY__WS_TEXT)
    good = ferry__ws_utf8_check(&d->utf8, p, n);
  if (good > 0) {
    d->frame_left -= good;
    *taken = good;
    r = emit_payload(d, p, good, offset);
    if (r != 0)
      return r;
  }
  if (good < n)
    return decoder_fail(d, FERRY__WS_ERR_TEXT_NOT_UTF8,
                        "a text message is not UTF-8 at byte %llu of its "
                        "payload (0x%02x)",
                        (unsigned long long)(d->frame.message_offset + offset +
                                             good),
                        p[good]);
  return 0;
}

int ferry__ws_decode(ferry__ws_decoder *d, const unsigned char *data,
                     size_t len, size_t *consumed) {
  size_t pos = 0, take;
  int r = 0;

  *consumed = 0;
  for (;;) {
    switch ((ferry__ws_decoder_state)d->state) {
    case FERRY__WS_DEC_HEADER:
      if (pos == len)
        goto done;
      take = (size_t)(d->hdr_need - d->hdr_len);
      if (take > len - pos)
        take = len - pos;
      memcpy(d->hdr + d->hdr_len, data + pos, take);
      d->hdr_len = (unsigned char)(d->hdr_len + take);
      pos += take;
      if (d->hdr_len < d->hdr_need)
        goto done;
      r = header_check(d);
      if (r < 0)
        goto done;
      if (r == 0)
        break; /* the extended length is still to come */
      d->hdr_len = 0;
      d->hdr_need = 2;
      d->frame_left = d->frame.payload_len;
      d->control_len = 0;
      decoder_state(d, FERRY__WS_DEC_PAYLOAD);
      r = emit_start(d);
      if (r != 0)
        goto done;
      break;

    case FERRY__WS_DEC_PAYLOAD:
      if (FERRY__WS_IS_CONTROL(d->frame.opcode)) {
        if (d->frame_left == 0) {
          r = control_check(d);
          if (r != 0)
            goto done;
          decoder_state(d, FERRY__WS_DEC_CONTROL);
          break;
        }
        if (pos == len)
          goto done;
        take = len - pos;
        if (take > d->frame_left)
          take = (size_t)d->frame_left;
        memcpy(d->control + d->control_len, data + pos, take);
        d->control_len = (unsigned char)(d->control_len + take);
        d->frame_left -= take;
        pos += take;
        break;
      }
      if (d->frame_left == 0) {
        if (d->frame.fin && d->message_opcode == FERRY__WS_TEXT &&
            !ferry__ws_utf8_complete(&d->utf8)) {
          r = decoder_fail(d, FERRY__WS_ERR_TEXT_NOT_UTF8,
                           "a text message ends inside a UTF-8 sequence");
          goto done;
        }
        decoder_state(d, FERRY__WS_DEC_FRAME_END);
        break;
      }
      if (pos == len)
        goto done;
      take = len - pos;
      if (take > d->frame_left)
        take = (size_t)d->frame_left;
      r = data_payload(d, data + pos, take, &take);
      pos += take;
      if (r != 0)
        goto done;
      break;

    case FERRY__WS_DEC_CONTROL:
      decoder_state(d, FERRY__WS_DEC_FRAME_END);
      if (d->control_len > 0) {
        r = emit_payload(d, d->control, d->control_len, 0);
        if (r != 0)
          goto done;
      }
      break;

    case FERRY__WS_DEC_FRAME_END:
      if (d->frame.opcode == FERRY__WS_CLOSE) {
        d->closed = 1;
        decoder_state(d, FERRY__WS_DEC_CLOSED);
      } else {
        decoder_state(d, FERRY__WS_DEC_HEADER);
      }
      r = emit_end(d);
      if (r != 0)
        goto done;
      break;

    case FERRY__WS_DEC_CLOSED:
      if (pos < len)
        r = decoder_fail(d, FERRY__WS_ERR_AFTER_CLOSE,
                         "%zu bytes came after the close frame", len - pos);
      goto done;

    case FERRY__WS_DEC_FAILED:
    default:
      r = d->err;
      goto done;
    }
  }

done:
  *consumed = pos;
  return r == FERRY__WS_PAUSE ? 0 : r;
}

int ferry__ws_decode_eof(ferry__ws_decoder *d) {
  switch ((ferry__ws_decoder_state)d->state) {
  case FERRY__WS_DEC_FAILED:
    return d->err;
  case FERRY__WS_DEC_CLOSED:
    return 0;
  case FERRY__WS_DEC_HEADER:
    if (d->hdr_len == 0) {
      if (d->in_message)
        return decoder_fail(d, FERRY__WS_ERR_EOF_IN_MESSAGE,
                            "the connection closed in the middle of a "
                            "fragmented message");
      return decoder_fail(d, FERRY__WS_ERR_EOF_BEFORE_CLOSE,
                          "the connection closed without a close frame");
    }
    break;
  default:
    break;
  }
  return decoder_fail(d, FERRY__WS_ERR_EOF_IN_FRAME,
                      "the connection closed in the middle of a frame");
}

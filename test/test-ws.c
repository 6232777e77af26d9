/* WebSocket (RFC 6455): the sans-IO codec in src/ws.c against the RFC's
 * own examples and every failure it must catch, the scripted WebSocket
 * server (test/wsserver.c) driven by the codec over a plain socket, and
 * both against python3-websockets as an independent peer. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <mbedtls/base64.h>

#include "test.h"
#include "ws.h"

/* -- an event log -------------------------------------------------------------- */

/* The decoder's events as text: "S<op>,<fin>,<len>,<msgop>,<msgoff>" at a
 * frame's start, "P" and the frame's payload (escaped) however many
 * pieces it came in, "E<close status>;" at its end. Two feeds of the same
 * bytes must give the same log whatever their split. */
typedef struct evlog {
  char *text;
  size_t len, cap;
  uint64_t frame_bytes; /* payload delivered in the current frame */
  int in_frame;
  int bad_offset;       /* a piece's offset was not where the last ended */
  int pause_every;      /* return FERRY__WS_PAUSE from every nth event */
  unsigned events;
  size_t max_piece;
} evlog;

static void log_add(evlog *l, const char *s, size_t n) {
  if (l->len + n + 1 > l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 1024;
    while (cap < l->len + n + 1)
      cap *= 2;
    l->text = realloc(l->text, cap);
    if (l->text == NULL)
      abort();
    l->cap = cap;
  }
  memcpy(l->text + l->len, s, n);
  l->len += n;
  l->text[l->len] = '\0';
}

static void log_printf(evlog *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void log_printf(evlog *l, const char *fmt, ...) {
  char buf[256];
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  log_add(l, buf, (size_t)n);
}

static int log_result(evlog *l) {
  l->events++;
  if (l->pause_every > 0 && l->events % (unsigned)l->pause_every == 0)
    return FERRY__WS_PAUSE;
  return 0;
}

static int ev_start(void *ud, const ferry__ws_frame *f) {
  evlog *l = ud;
  if (l->in_frame)
    l->bad_offset = 1;
  l->in_frame = 1;
  l->frame_bytes = 0;
  log_printf(l, "S%u,%u,%llu,%u,%llu", f->opcode, f->fin,
             (unsigned long long)f->payload_len, f->message_opcode,
             (unsigned long long)f->message_offset);
  return log_result(l);
}

static int ev_payload(void *ud, const ferry__ws_frame *f,
                      const unsigned char *p, size_t n, uint64_t offset) {
  evlog *l = ud;
  (void)f;
  if (!l->in_frame || offset != l->frame_bytes || n == 0)
    l->bad_offset = 1;
  if (l->frame_bytes == 0)
    log_add(l, "P", 1);
  l->frame_bytes += n;
  if (n > l->max_piece)
    l->max_piece = n;
  for (size_t i = 0; i < n; i++) {
    if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
      log_add(l, (const char *)p + i, 1);
    else
      log_printf(l, "\\%02x", p[i]);
  }
  return log_result(l);
}

static int ev_end(void *ud, const ferry__ws_frame *f) {
  evlog *l = ud;
  if (!l->in_frame || l->frame_bytes != f->payload_len)
    l->bad_offset = 1;
  l->in_frame = 0;
  log_printf(l, "E%u;", f->close_status);
  return log_result(l);
}

static const ferry__ws_callbacks ev_callbacks = {ev_start, ev_payload, ev_end};

static void evlog_free(evlog *l) {
  free(l->text);
  memset(l, 0, sizeof(*l));
}

/* Feed all of data in pieces of `piece` bytes (0: all at once), going on
 * after pauses. Returns the decoder's result; the log gets the events. */
static int feed(ferry__ws_decoder *d, const unsigned char *data, size_t len,
                size_t piece) {
  size_t off = 0;

  while (off < len || (piece == 0 && len == 0)) {
    size_t n = piece == 0 ? len - off : piece;
    size_t used = 0;
    int r;
    if (n > len - off)
      n = len - off;
    r = ferry__ws_decode(d, data + off, n, &used);
    if (r != 0)
      return r;
    if (used > n)
      return 999;
    off += used;
    if (len == 0)
      break;
  }
  /* a pause may have left an event to report */
  for (int i = 0; i < 8; i++) {
    size_t used;
    int r = ferry__ws_decode(d, NULL, 0, &used);
    if (r != 0)
      return r;
  }
  return 0;
}

/* Decode data fed in one piece, byte by byte, in pieces of 7, and with a
 * pause after every event; the logs must agree. Returns the result, and the
 * whole feed's log in *out (the caller frees out->text). */
static int decode_all_ways(const unsigned char *data, size_t len,
                           uint64_t max_frame, uint64_t max_message,
                           evlog *out, int *agree) {
  static const size_t pieces[] = {0, 1, 7, 3};
  int first = 0;

  *agree = 1;
  memset(out, 0, sizeof(*out));
  for (size_t k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++) {
    ferry__ws_decoder d;
    evlog l;
    int r;

    memset(&l, 0, sizeof(l));
    l.pause_every = k == 3 ? 1 : 0;
    ferry__ws_decoder_init(&d, &ev_callbacks, &l);
    if (max_frame)
      d.max_frame = max_frame;
    if (max_message)
      d.max_message = max_message;
    r = feed(&d, data, len, pieces[k]);
    if (l.bad_offset)
      *agree = 0;
    if (k == 0) {
      first = r;
      *out = l;
      continue;
    }
    if (r != first || l.len != out->len ||
        (l.len > 0 && memcmp(l.text, out->text, l.len) != 0)) {
      fprintf(stderr, "  piece %zu: result %d log \"%s\"\n  whole: result %d "
              "log \"%s\"\n", pieces[k], r, l.text ? l.text : "",
              first, out->text ? out->text : "");
      *agree = 0;
    }
    evlog_free(&l);
  }
  return first;
}

/* Bytes from a hex string with optional spaces: "81 05 48". */
static size_t unhex(const char *hex, unsigned char *out, size_t cap) {
  size_t n = 0;
  while (*hex) {
    unsigned v;
    if (*hex == ' ') {
      hex++;
      continue;
    }
    if (sscanf(hex, "%2x", &v) != 1 || n == cap)
      abort();
    out[n++] = (unsigned char)v;
    hex += 2;
  }
  return n;
}

/* -- the opening handshake ---------------------------------------------------------- */

TEST_IMPL(ws_accept_is_the_rfc6455_example) {
  char accept[FERRY__WS_ACCEPT_SIZE];

  /* RFC 6455 1.3 */
  ASSERT_EQ(ferry__ws_accept(accept, "dGhlIHNhbXBsZSBub25jZQ==", 24), 0);
  ASSERT_STR_EQ(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  return 0;
}

TEST_IMPL(ws_key_is_base64_of_sixteen_fresh_random_bytes) {
  char k1[FERRY__WS_KEY_SIZE], k2[FERRY__WS_KEY_SIZE];
  unsigned char raw[32];
  size_t n = 0;

  ASSERT_EQ(ferry__ws_make_key(k1), 0);
  ASSERT_EQ(ferry__ws_make_key(k2), 0);
  ASSERT_EQ(strlen(k1), 24);
  ASSERT_EQ(mbedtls_base64_decode(raw, sizeof(raw), &n,
                                  (const unsigned char *)k1, 24), 0);
  ASSERT_EQ(n, 16);
  ASSERT(strcmp(k1, k2) != 0);
  return 0;
}

/* The response headers of a good answer to key "dGhlIHNhbXBsZSBub25jZQ==". */
#define HS_KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define HS_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

static int check_response(int status, const char *const *lines,
                          const char *protocols, const char *extensions,
                          ferry__ws_handshake *h) {
  int r = ferry__ws_handshake_init(h, HS_KEY, protocols, extensions);
  if (r != 0)
    return r;
  for (size_t i = 0; lines[i] != NULL; i++)
    ferry__ws_handshake_line(h, lines[i], strlen(lines[i]));
  return ferry__ws_handshake_finish(h, status);
}

TEST_IMPL(ws_handshake_check_accepts_a_good_101_and_names_each_failure) {
  ferry__ws_handshake h;

  {
    const char *ok[] = {"HTTP/1.1 101 Switching Protocols: yes\r\n",
                        "upgrade:   WebSocket \r\n",
                        "Connection: keep-alive, Upgrade\r\n",
                        "Sec-WebSocket-Accept: " HS_ACCEPT "\r\n", "\r\n",
                        NULL};
    ASSERT_EQ(check_response(101, ok, NULL, NULL, &h), 0);
    ASSERT_NULL(h.protocol);
  }
  {
    const char *split_connection[] = {
        "Upgrade: websocket", "Connection: keep-alive", "Connection: upgrade",
        "Sec-WebSocket-Accept:" HS_ACCEPT, NULL};
    ASSERT_EQ(check_response(101, split_connection, NULL, NULL, &h), 0);
  }
  {
    const char *lines[] = {"Upgrade: websocket", "Connection: Upgrade",
                           "Sec-WebSocket-Accept: " HS_ACCEPT, NULL};
    ASSERT_EQ(check_response(200, lines, NULL, NULL, &h),
              FERRY__WS_ERR_HS_STATUS);
    ASSERT(strstr(h.errmsg, "200") != NULL);
  }
  {
    const char *lines[] = {"Connection: Upgrade",
                           "Sec-WebSocket-Accept: " HS_ACCEPT, NULL};
    ASSERT_EQ(check_response(101, lines, NULL, NULL, &h),
              FERRY__WS_ERR_HS_UPGRADE);
  }
  {
    const char *lines[] = {"Upgrade: h2c", "Connection: Upgrade",
                           "Sec-WebSocket-Accept: " HS_ACCEPT, NULL};
    ASSERT_EQ(check_response(101, lines, NULL, NULL, &h),
              FERRY__WS_ERR_HS_UPGRADE);
    ASSERT(strstr(h.errmsg, "h2c") != NULL);
  }
  {
    const char *lines[] = {"Upgrade: websocket", "Connection: keep-alive",
                           "Sec-WebSocket-Accept: " HS_ACCEPT, NULL};
    ASSERT_EQ(check_response(101, lines, NULL, NULL, &h),
              FERRY__WS_ERR_HS_CONNECTION);
  }
  {
    const char *lines[] = {"Upgrade: websocket", "Connection: upgrades",
                           "Sec-WebSocket-Accept: " HS_ACCEPT, NULL};
    ASSERT_EQ(check_response(101, lines, NULL, NULL, &h),
              FERRY__WS_ERR_HS_CONNECTION);
  }
  {
    const char *lines[] = {"Upgrade: websocket", "Connection: upgrade", NULL};
    ASSERT_EQ(check_response(101, lines, NULL, NULL, &h),
              FERRY__WS_ERR_HS_ACCEPT_MISSING);
  }
  {
    const char *lines[] = {"Upgrade: websocket", "Connection: upgrade",
                           "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOO=",
                           NULL};
    ASSERT_EQ(check_response(101, lines, NULL, NULL, &h),
              FERRY__WS_ERR_HS_ACCEPT_MISMATCH);
  }
  {
    const char *lines[] = {"Upgrade: websocket", "Connection: upgrade",
                           "Sec-WebSocket-Accept: " HS_ACCEPT,
                           "Sec-WebSocket-Accept: " HS_ACCEPT, NULL};
    ASSERT_EQ(check_response(101, lines, NULL, NULL, &h),
              FERRY__WS_ERR_HS_ACCEPT_MISMATCH);
  }
  {
    /* a subprotocol when none was offered */
    const char *lines[] = {"Upgrade: websocket", "Connection: upgrade",
                           "Sec-WebSocket-Accept: " HS_ACCEPT,
                           "Sec-WebSocket-Protocol: chat", NULL};
    ASSERT_EQ(check_response(101, lines, NULL, NULL, &h),
              FERRY__WS_ERR_HS_PROTOCOL);
    ASSERT_EQ(check_response(101, lines, "superchat, chatty", NULL, &h),
              FERRY__WS_ERR_HS_PROTOCOL);
    ASSERT_EQ(check_response(101, lines, "Chat", NULL, &h),
              FERRY__WS_ERR_HS_PROTOCOL);
    ASSERT_EQ(check_response(101, lines, "superchat, chat", NULL, &h), 0);
    ASSERT_EQ(h.protocol_len, 4);
    ASSERT(memcmp(h.protocol, "chat", 4) == 0);
  }
  {
    const char *lines[] = {"Upgrade: websocket", "Connection: upgrade",
                           "Sec-WebSocket-Accept: " HS_ACCEPT,
                           "Sec-WebSocket-Protocol: a",
                           "Sec-WebSocket-Protocol: b", NULL};
    ASSERT_EQ(check_response(101, lines, "a, b", NULL, &h),
              FERRY__WS_ERR_HS_PROTOCOL);
  }
  {
    /* the client offered protocols, the server chose none: allowed */
    const char *lines[] = {"Upgrade: websocket", "Connection: upgrade",
                           "Sec-WebSocket-Accept: " HS_ACCEPT, NULL};
    ASSERT_EQ(check_response(101, lines, "a, b", NULL, &h), 0);
    ASSERT_NULL(h.protocol);
  }
  {
    const char *lines[] = {
        "Upgrade: websocket", "Connection: upgrade",
        "Sec-WebSocket-Accept: " HS_ACCEPT,
        "Sec-WebSocket-Extensions: permessage-deflate; "
        "server_no_context_takeover", NULL};
    ASSERT_EQ(check_response(101, lines, NULL, NULL, &h),
              FERRY__WS_ERR_HS_EXTENSION);
    ASSERT(strstr(h.errmsg, "permessage-deflate") != NULL);
    ASSERT_EQ(check_response(101, lines, NULL,
                             "x-foo; a=\"1,2\", permessage-deflate; "
                             "client_max_window_bits", &h), 0);
    ASSERT_EQ(check_response(101, lines, NULL, "x-foo; a=\"permessage-deflate,"
                                               " b\"", &h),
              FERRY__WS_ERR_HS_EXTENSION);
  }
  /* every code has its own text */
  ASSERT(strcmp(ferry__ws_strerror(FERRY__WS_ERR_HS_STATUS),
                ferry__ws_strerror(FERRY__WS_ERR_HS_UPGRADE)) != 0);
  ASSERT_STR_EQ(ferry__ws_strerror(12345), "unknown WebSocket error");
  return 0;
}

/* -- UTF-8 ---------------------------------------------------------------------------- */

static int utf8_ok(const char *hex) {
  unsigned char b[16];
  size_t n = unhex(hex, b, sizeof(b));
  ferry__ws_utf8 u = {0, 0, 0};
  return ferry__ws_utf8_check(&u, b, n) == n && ferry__ws_utf8_complete(&u);
}

TEST_IMPL(ws_utf8_check_takes_every_boundary_and_refuses_what_rfc3629_does) {
  static const char *good[] = {
      "00", "7f", "c2 80", "df bf", "e0 a0 80", "ed 9f bf", "ee 80 80",
      "ef bf bf", "f0 90 80 80", "f4 8f bf bf", "ce ba e1 bd b9 cf 83 ce bc ce b5",
      NULL};
  static const char *bad[] = {
      "80", "bf", "c0 af", "c1 bf", "e0 9f bf", "e0 80 80", "ed a0 80",
      "ed bf bf", "f0 8f bf bf", "f0 80 80 80", "f4 90 80 80", "f5 80 80 80",
      "f8 88 80 80 80", "fe", "ff", "c2", "e1 80", "f1 80 80", "c2 41",
      NULL};
  unsigned char b[8];
  ferry__ws_utf8 u = {0, 0, 0};

  for (size_t i = 0; good[i]; i++)
    if (!utf8_ok(good[i]))
      TEST_FAIL_("refused valid %s", good[i]);
  for (size_t i = 0; bad[i]; i++)
    if (utf8_ok(bad[i]))
      TEST_FAIL_("took invalid %s", bad[i]);
  /* a 4-byte sequence one byte per call, then a bad byte */
  unhex("f0 9f 98 80 ed a0", b, sizeof(b));
  for (int i = 0; i < 4; i++)
    ASSERT_EQ(ferry__ws_utf8_check(&u, b + i, 1), 1);
  ASSERT(ferry__ws_utf8_complete(&u));
  ASSERT_EQ(ferry__ws_utf8_check(&u, b + 4, 2), 1);
  return 0;
}

/* -- the encoder ---------------------------------------------------------------------- */

static const unsigned char rfc_mask[4] = {0x37, 0xfa, 0x21, 0x3d};

TEST_IMPL(ws_encoder_writes_the_rfc6455_masked_examples_byte_for_byte) {
  ferry__ws_encoder e;
  unsigned char out[70000], want[70000], payload[65536];
  size_t n, wn;

  /* RFC 6455 5.7: a single-frame masked text message "Hello" */
  ferry__ws_encoder_init(&e);
  ASSERT_EQ(ferry__ws_encode_frame(&e, out, sizeof(out), &n, FERRY__WS_TEXT,
                                   1, (const unsigned char *)"Hello", 5,
                                   rfc_mask), 0);
  wn = unhex("81 85 37 fa 21 3d 7f 9f 4d 51 58", want, sizeof(want));
  ASSERT_EQ(n, wn);
  ASSERT(memcmp(out, want, n) == 0);

  /* a masked pong with body "Hello" (the ping's answer in 5.7) */
  ASSERT_EQ(ferry__ws_encode_frame(&e, out, sizeof(out), &n, FERRY__WS_PONG,
                                   1, (const unsigned char *)"Hello", 5,
                                   rfc_mask), 0);
  wn = unhex("8a 85 37 fa 21 3d 7f 9f 4d 51 58", want, sizeof(want));
  ASSERT_EQ(n, wn);
  ASSERT(memcmp(out, want, n) == 0);

  /* 256 bytes of binary: the 16-bit length form; 64 KiB: the 64-bit form */
  for (size_t i = 0; i < sizeof(payload); i++)
    payload[i] = (unsigned char)(i * 7 + 3);
  ASSERT_EQ(ferry__ws_encode_frame(&e, out, sizeof(out), &n, FERRY__WS_BINARY,
                                   1, payload, 256, rfc_mask), 0);
  ASSERT_EQ(n, 4 + 4 + 256);
  wn = unhex("82 fe 01 00 37 fa 21 3d", want, sizeof(want));
  ASSERT(memcmp(out, want, wn) == 0);
  for (size_t i = 0; i < 256; i++)
    ASSERT_EQ(out[8 + i], payload[i] ^ rfc_mask[i & 3]);

  ASSERT_EQ(ferry__ws_encode_frame(&e, out, sizeof(out), &n, FERRY__WS_BINARY,
                                   1, payload, 65536, rfc_mask), 0);
  ASSERT_EQ(n, 10 + 4 + 65536);
  wn = unhex("82 ff 00 00 00 00 00 01 00 00 37 fa 21 3d", want, sizeof(want));
  ASSERT(memcmp(out, want, wn) == 0);
  for (size_t i = 0; i < 65536; i++)
    if (out[14 + i] != (payload[i] ^ rfc_mask[i & 3]))
      TEST_FAIL_("byte %zu masked wrong", i);

  /* lengths at the edges of each form */
  ASSERT_EQ(ferry__ws_encode_header(&e, out, sizeof(out), &n, FERRY__WS_BINARY,
                                    0, 125, rfc_mask), 0);
  ASSERT_EQ(n, 6);
  ASSERT_EQ(out[1], 0x80 | 125);
  ASSERT_EQ(out[0], 0x02); /* FIN=0 */
  ASSERT_EQ(ferry__ws_encode_payload(&e, payload, payload, 125), 0);
  ASSERT_EQ(ferry__ws_encode_header(&e, out, sizeof(out), &n, FERRY__WS_CONT,
                                    0, 126, rfc_mask), 0);
  ASSERT_EQ(n, 8);
  ASSERT_EQ(out[1], 0x80 | 126);
  ASSERT_EQ(ferry__ws_encode_payload(&e, payload, payload, 126), 0);
  ASSERT_EQ(ferry__ws_encode_header(&e, out, sizeof(out), &n, FERRY__WS_CONT,
                                    1, 65535, rfc_mask), 0);
  ASSERT_EQ(n, 8);
  ASSERT_EQ(out[2], 0xff);
  ASSERT_EQ(out[3], 0xff);
  ASSERT_EQ(ferry__ws_encode_payload(&e, payload, payload, 65535), 0);
  ASSERT_EQ(ferry__ws_encode_header(&e, out, sizeof(out), &n, FERRY__WS_BINARY,
                                    1, UINT64_C(0x7fffffffffffffff),
                                    rfc_mask), 0);
  ASSERT_EQ(n, 14);
  wn = unhex("82 ff 7f ff ff ff ff ff ff ff", want, sizeof(want));
  ASSERT(memcmp(out, want, wn) == 0);
  return 0;
}

TEST_IMPL(ws_encoder_masks_a_frame_sent_in_pieces_at_any_offset) {
  ferry__ws_encoder whole, parts;
  unsigned char src[1000], a[1100], b[1100];
  size_t na, nb, off = 0, step = 1;

  for (size_t i = 0; i < sizeof(src); i++)
    src[i] = (unsigned char)(i ^ (i >> 3));
  ferry__ws_encoder_init(&whole);
  ferry__ws_encoder_init(&parts);
  ASSERT_EQ(ferry__ws_encode_frame(&whole, a, sizeof(a), &na, FERRY__WS_BINARY,
                                   1, src, sizeof(src), rfc_mask), 0);
  ASSERT_EQ(ferry__ws_encode_header(&parts, b, sizeof(b), &nb,
                                    FERRY__WS_BINARY, 1, sizeof(src),
                                    rfc_mask), 0);
  ASSERT_EQ(nb, 8);
  /* pieces of 1, 2, 3, ... bytes, masked in place after a copy */
  while (off < sizeof(src)) {
    size_t n = step < sizeof(src) - off ? step : sizeof(src) - off;
    memcpy(b + nb + off, src + off, n);
    ASSERT_EQ(ferry__ws_encode_payload(&parts, b + nb + off, b + nb + off, n),
              0);
    off += n;
    ASSERT_EQ(parts.frame_offset, off);
    step++;
  }
  ASSERT_EQ(parts.frame_left, 0);
  ASSERT_EQ(na, nb + sizeof(src));
  ASSERT(memcmp(a, b, na) == 0);
  /* nothing past the announced length */
  ASSERT_EQ(ferry__ws_encode_payload(&parts, b, src, 1),
            FERRY__WS_ERR_PAYLOAD_TOO_LONG);
  return 0;
}

TEST_IMPL(ws_encoder_takes_a_fresh_random_mask_for_every_frame) {
  ferry__ws_encoder e;
  unsigned char masks[40][4], out[FERRY__WS_MAX_HEADER + 5];
  size_t n;

  ferry__ws_encoder_init(&e);
  /* more frames than one batch of random bytes holds */
  for (int i = 0; i < 40; i++) {
    ASSERT_EQ(ferry__ws_encode_frame(&e, out, sizeof(out), &n, FERRY__WS_TEXT,
                                     1, (const unsigned char *)"Hello", 5,
                                     NULL), 0);
    ASSERT_EQ(n, 11);
    ASSERT_EQ(out[1], 0x85);
    memcpy(masks[i], out + 2, 4);
    for (int k = 0; k < 5; k++)
      ASSERT_EQ(out[6 + k] ^ masks[i][k & 3], "Hello"[k]);
  }
  /* 40 keys of 32 random bits: all distinct unless the source is broken */
  for (int i = 0; i < 40; i++)
    for (int j = i + 1; j < 40; j++)
      ASSERT(memcmp(masks[i], masks[j], 4) != 0);
  return 0;
}

TEST_IMPL(ws_encoder_refuses_frames_rfc6455_forbids_and_changes_nothing) {
  ferry__ws_encoder e;
  unsigned char out[300], big[200];
  size_t n = 99;

  memset(big, 'x', sizeof(big));
  ferry__ws_encoder_init(&e);
  ASSERT_EQ(ferry__ws_encode_header(&e, out, sizeof(out), &n, FERRY__WS_PING,
                                    1, 126, NULL),
            FERRY__WS_ERR_CONTROL_TOO_LONG);
  ASSERT_EQ(n, 0);
  ASSERT_EQ(ferry__ws_encode_frame(&e, out, sizeof(out), &n, FERRY__WS_CLOSE,
                                   1, big, 126, NULL),
            FERRY__WS_ERR_CONTROL_TOO_LONG);
  ASSERT_EQ(ferry__ws_encode_header(&e, out, sizeof(out), &n, FERRY__WS_PONG,
                                    0, 3, NULL),
            FERRY__WS_ERR_CONTROL_FRAGMENTED);
  ASSERT_EQ(ferry__ws_encode_header(&e, out, sizeof(out), &n, FERRY__WS_CONT,
                                    1, 3, NULL),
            FERRY__WS_ERR_CONT_WITHOUT_MESSAGE);
  for (unsigned op = 3; op < 16; op++)
    if (op < 8 || op > 10)
      ASSERT_EQ(ferry__ws_encode_header(&e, out, sizeof(out), &n, op, 1, 0,
                                        NULL),
                FERRY__WS_ERR_OPCODE);
  ASSERT_EQ(ferry__ws_encode_header(&e, out, sizeof(out), &n, FERRY__WS_BINARY,
                                    1, UINT64_C(1) << 63, NULL),
            FERRY__WS_ERR_LENGTH);
  ASSERT_EQ(ferry__ws_encode_header(&e, out, 7, &n, FERRY__WS_BINARY, 1, 126,
                                    NULL),
            FERRY__WS_ERR_BUFFER_TOO_SMALL);
  ASSERT_EQ(ferry__ws_encode_frame(&e, out, 20, &n, FERRY__WS_BINARY, 1, big,
                                   20, NULL),
            FERRY__WS_ERR_BUFFER_TOO_SMALL);
  ASSERT_EQ(e.in_message, 0);
  ASSERT_EQ(e.frame_left, 0);

  /* a fragmented text message: no new message, no half-sent frame */
  ASSERT_EQ(ferry__ws_encode_header(&e, out, sizeof(out), &n, FERRY__WS_TEXT,
                                    0, 4, NULL), 0);
  ASSERT_EQ(ferry__ws_encode_header(&e, out, sizeof(out), &n, FERRY__WS_PING,
                                    1, 0, NULL),
            FERRY__WS_ERR_FRAME_IN_PROGRESS);
  ASSERT_EQ(ferry__ws_encode_payload(&e, out, big, 4), 0);
  ASSERT_EQ(ferry__ws_encode_header(&e, out, sizeof(out), &n, FERRY__WS_BINARY,
                                    1, 1, NULL),
            FERRY__WS_ERR_MESSAGE_IN_PROGRESS);
  /* a control frame may come between the fragments */
  ASSERT_EQ(ferry__ws_encode_frame(&e, out, sizeof(out), &n, FERRY__WS_PING, 1,
                                   big, 125, NULL), 0);
  ASSERT_EQ(ferry__ws_encode_frame(&e, out, sizeof(out), &n, FERRY__WS_CONT, 1,
                                   big, 2, NULL), 0);
  ASSERT_EQ(e.in_message, 0);
  /* after a close frame, nothing */
  ASSERT_EQ(ferry__ws_encode_frame(&e, out, sizeof(out), &n, FERRY__WS_CLOSE,
                                   1, NULL, 0, NULL), 0);
  ASSERT_EQ(ferry__ws_encode_frame(&e, out, sizeof(out), &n, FERRY__WS_PONG, 1,
                                   NULL, 0, NULL),
            FERRY__WS_ERR_AFTER_CLOSE);
  return 0;
}

TEST_IMPL(ws_close_payload_carries_status_and_utf8_reason_or_is_refused) {
  unsigned char out[FERRY__WS_MAX_CONTROL];
  char reason[130];
  size_t n;

  ASSERT_EQ(ferry__ws_close_payload(out, &n, 1000, "bye \xc3\xa9", 6), 0);
  ASSERT_EQ(n, 8);
  ASSERT_EQ(out[0], 0x03);
  ASSERT_EQ(out[1], 0xe8);
  ASSERT(memcmp(out + 2, "bye \xc3\xa9", 6) == 0);
  ASSERT_EQ(ferry__ws_close_payload(out, &n, 0, NULL, 0), 0);
  ASSERT_EQ(n, 0);
  ASSERT_EQ(ferry__ws_close_payload(out, &n, 0, "x", 1),
            FERRY__WS_ERR_CLOSE_STATUS);
  {
    static const unsigned bad[] = {1,    999,  1004, 1005, 1006, 1015,
                                   1016, 2999, 5000, 65535};
    static const unsigned good[] = {1000, 1001, 1002, 1003, 1007,
                                    1011, 1014, 3000, 4999};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
      ASSERT_EQ(ferry__ws_close_payload(out, &n, bad[i], NULL, 0),
                FERRY__WS_ERR_CLOSE_STATUS);
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
      ASSERT_EQ(ferry__ws_close_payload(out, &n, good[i], NULL, 0), 0);
  }
  ASSERT_EQ(ferry__ws_close_payload(out, &n, 1000, "\xed\xa0\x80", 3),
            FERRY__WS_ERR_CLOSE_REASON_NOT_UTF8);
  memset(reason, 'r', sizeof(reason));
  ASSERT_EQ(ferry__ws_close_payload(out, &n, 1000, reason, 123), 0);
  ASSERT_EQ(n, 125);
  ASSERT_EQ(ferry__ws_close_payload(out, &n, 1000, reason, 124),
            FERRY__WS_ERR_CONTROL_TOO_LONG);
  return 0;
}

/* -- the decoder -------------------------------------------------------------------- */

/* Decode hex all ways; fails the test unless the logs agree. */
#define DECODE_HEX(hex, maxf, maxm, log, result)                              \
  do {                                                                        \
    unsigned char b_[4096];                                                   \
    size_t n_ = unhex((hex), b_, sizeof(b_));                                 \
    int agree_;                                                               \
    (result) = decode_all_ways(b_, n_, (maxf), (maxm), (log), &agree_);       \
    if (!agree_)                                                              \
      TEST_FAIL_("feeds of %s disagree", (hex));                             \
  } while (0)

TEST_IMPL(ws_decoder_reads_the_rfc6455_unmasked_examples) {
  evlog l;
  int r;
  unsigned char *big;
  size_t n;
  int agree;

  /* 5.7: a single-frame unmasked text message */
  DECODE_HEX("81 05 48 65 6c 6c 6f", 0, 0, &l, r);
  ASSERT_EQ(r, 0);
  ASSERT_STR_EQ(l.text, "S1,1,5,1,0PHelloE0;");
  evlog_free(&l);
  /* a fragmented unmasked text message */
  DECODE_HEX("01 03 48 65 6c 80 02 6c 6f", 0, 0, &l, r);
  ASSERT_EQ(r, 0);
  ASSERT_STR_EQ(l.text, "S1,0,3,1,0PHelE0;S0,1,2,1,3PloE0;");
  evlog_free(&l);
  /* an unmasked ping */
  DECODE_HEX("89 05 48 65 6c 6c 6f", 0, 0, &l, r);
  ASSERT_EQ(r, 0);
  ASSERT_STR_EQ(l.text, "S9,1,5,9,0PHelloE0;");
  evlog_free(&l);

  /* 256 bytes and 64 KiB of binary in single unmasked frames */
  big = malloc(10 + 65536);
  ASSERT_NOT_NULL(big);
  n = unhex("82 7e 01 00", big, 4);
  memset(big + n, 'b', 256);
  r = decode_all_ways(big, n + 256, 0, 0, &l, &agree);
  ASSERT_EQ(r, 0);
  ASSERT(agree);
  ASSERT(strncmp(l.text, "S2,1,256,2,0Pbbb", 16) == 0);
  ASSERT_EQ(l.len, strlen("S2,1,256,2,0P") + 256 + 3);
  evlog_free(&l);

  n = unhex("82 7f 00 00 00 00 00 01 00 00", big, 10);
  memset(big + n, 'c', 65536);
  r = decode_all_ways(big, n + 65536, 0, 0, &l, &agree);
  ASSERT_EQ(r, 0);
  ASSERT(agree);
  ASSERT(strncmp(l.text, "S2,1,65536,2,0Pccc", 18) == 0);
  ASSERT_EQ(l.len, strlen("S2,1,65536,2,0P") + 65536 + 3);
  ASSERT_STR_EQ(l.text + l.len - 4, "cE0;");
  evlog_free(&l);
  free(big);
  return 0;
}

TEST_IMPL(ws_decoder_gives_the_same_events_a_byte_at_a_time_as_whole) {
  /* text in three fragments with a ping and a pong between them, an empty
   * binary message, a 300-byte binary frame, a close with a reason */
  unsigned char buf[1024];
  size_t n = 0;
  evlog l;
  int agree, r;

  n += unhex("01 02 68 c3", buf + n, sizeof(buf) - n);          /* "h" + half é */
  n += unhex("89 03 61 62 63", buf + n, sizeof(buf) - n);       /* ping "abc" */
  n += unhex("00 03 a9 f0 9f", buf + n, sizeof(buf) - n);       /* é's end, half 😀 */
  n += unhex("8a 00", buf + n, sizeof(buf) - n);                /* empty pong */
  n += unhex("80 03 98 80 21", buf + n, sizeof(buf) - n);       /* 😀's end, "!" */
  n += unhex("82 00", buf + n, sizeof(buf) - n);
  n += unhex("82 7e 01 2c", buf + n, sizeof(buf) - n);
  for (int i = 0; i < 300; i++)
    buf[n++] = (unsigned char)i;
  n += unhex("88 05 03 e8 62 79 65", buf + n, sizeof(buf) - n); /* 1000 "bye" */
  r = decode_all_ways(buf, n, 0, 0, &l, &agree);
  ASSERT_EQ(r, 0);
  ASSERT(agree);
  ASSERT(strncmp(l.text,
                 "S1,0,2,1,0Ph\\c3E0;S9,1,3,9,0PabcE0;S0,0,3,1,2P\\a9\\f0\\9fE0;"
                 "S10,1,0,10,0E0;S0,1,3,1,5P\\98\\80!E0;S2,1,0,2,0E0;"
                 "S2,1,300,2,0P\\00\\01",
                 strlen("S1,0,2,1,0Ph\\c3E0;S9,1,3,9,0PabcE0;S0,0,3,1,2P\\a9"
                        "\\f0\\9fE0;S10,1,0,10,0E0;S0,1,3,1,5P\\98\\80!E0;"
                        "S2,1,0,2,0E0;S2,1,300,2,0P\\00\\01")) == 0);
  ASSERT_STR_EQ(l.text + l.len - strlen("E0;S8,1,5,8,0P\\03\\e8byeE1000;"),
                "E0;S8,1,5,8,0P\\03\\e8byeE1000;");
  evlog_free(&l);
  return 0;
}

struct bad_case {
  const char *what;
  const char *hex;
  int err;
  uint64_t max_frame, max_message;
};

TEST_IMPL(ws_decoder_fails_each_violation_with_its_code_and_close_status) {
  static const struct bad_case cases[] = {
      {"RSV1", "c1 01 61", FERRY__WS_ERR_RSV, 0, 0},
      {"RSV2", "a1 01 61", FERRY__WS_ERR_RSV, 0, 0},
      {"RSV3", "91 01 61", FERRY__WS_ERR_RSV, 0, 0},
      {"RSV on a ping", "c9 00", FERRY__WS_ERR_RSV, 0, 0},
      {"opcode 3", "83 00", FERRY__WS_ERR_OPCODE, 0, 0},
      {"opcode 7", "87 00", FERRY__WS_ERR_OPCODE, 0, 0},
      {"opcode B", "8b 00", FERRY__WS_ERR_OPCODE, 0, 0},
      {"opcode F", "8f 00", FERRY__WS_ERR_OPCODE, 0, 0},
      {"masked", "81 85 37 fa 21 3d 7f 9f 4d 51 58", FERRY__WS_ERR_MASKED, 0,
       0},
      {"ping of 126", "89 7e 00 7e", FERRY__WS_ERR_CONTROL_TOO_LONG, 0, 0},
      {"close in 64-bit form", "88 7f 00 00 00 00 00 00 00 02 03 e8",
       FERRY__WS_ERR_CONTROL_TOO_LONG, 0, 0},
      {"ping with FIN=0", "09 00", FERRY__WS_ERR_CONTROL_FRAGMENTED, 0, 0},
      {"close with FIN=0", "08 02 03 e8", FERRY__WS_ERR_CONTROL_FRAGMENTED, 0,
       0},
      {"CONT first", "80 01 61", FERRY__WS_ERR_CONT_WITHOUT_MESSAGE, 0, 0},
      {"CONT after a whole message", "81 01 61 80 01 61",
       FERRY__WS_ERR_CONT_WITHOUT_MESSAGE, 0, 0},
      {"text inside a fragmented message", "01 01 61 81 01 62",
       FERRY__WS_ERR_MESSAGE_IN_PROGRESS, 0, 0},
      {"binary inside a fragmented message", "02 01 61 89 00 02 01 62",
       FERRY__WS_ERR_MESSAGE_IN_PROGRESS, 0, 0},
      {"64-bit length with the top bit", "82 7f 80 00 00 00 00 00 00 00",
       FERRY__WS_ERR_LENGTH, 0, 0},
      {"frame over the cap", "82 0b 00 00 00 00 00 00 00 00 00 00 00",
       FERRY__WS_ERR_FRAME_TOO_BIG, 10, 0},
      {"frame over the cap in the 64-bit form",
       "82 7f 00 00 00 01 00 00 00 00", FERRY__WS_ERR_FRAME_TOO_BIG, 0, 0},
      {"message over the cap", "02 06 00 00 00 00 00 00 80 06",
       FERRY__WS_ERR_MESSAGE_TOO_BIG, 0, 10},
      {"overlong 2-byte", "81 02 c0 80", FERRY__WS_ERR_TEXT_NOT_UTF8, 0, 0},
      {"overlong 3-byte", "81 03 e0 80 80", FERRY__WS_ERR_TEXT_NOT_UTF8, 0, 0},
      {"overlong 4-byte", "81 04 f0 80 80 80", FERRY__WS_ERR_TEXT_NOT_UTF8, 0,
       0},
      {"surrogate", "81 03 ed a0 80", FERRY__WS_ERR_TEXT_NOT_UTF8, 0, 0},
      {"above U+10FFFF", "81 04 f4 90 80 80", FERRY__WS_ERR_TEXT_NOT_UTF8, 0,
       0},
      {"F5 lead", "81 04 f5 80 80 80", FERRY__WS_ERR_TEXT_NOT_UTF8, 0, 0},
      {"stray continuation", "81 01 80", FERRY__WS_ERR_TEXT_NOT_UTF8, 0, 0},
      {"truncated at the message's end", "81 02 61 e2",
       FERRY__WS_ERR_TEXT_NOT_UTF8, 0, 0},
      {"truncated across fragments", "01 02 61 e2 80 01 82",
       FERRY__WS_ERR_TEXT_NOT_UTF8, 0, 0},
      {"invalid in a later fragment", "01 02 61 e2 80 01 41",
       FERRY__WS_ERR_TEXT_NOT_UTF8, 0, 0},
      {"close of one byte", "88 01 03", FERRY__WS_ERR_CLOSE_ONE_BYTE, 0, 0},
      {"close status 0", "88 02 00 00", FERRY__WS_ERR_CLOSE_STATUS, 0, 0},
      {"close status 999", "88 02 03 e7", FERRY__WS_ERR_CLOSE_STATUS, 0, 0},
      {"close status 1004", "88 02 03 ec", FERRY__WS_ERR_CLOSE_STATUS, 0, 0},
      {"close status 1005", "88 02 03 ed", FERRY__WS_ERR_CLOSE_STATUS, 0, 0},
      {"close status 1006", "88 02 03 ee", FERRY__WS_ERR_CLOSE_STATUS, 0, 0},
      {"close status 1015", "88 02 03 f7", FERRY__WS_ERR_CLOSE_STATUS, 0, 0},
      {"close status 1016", "88 02 03 f8", FERRY__WS_ERR_CLOSE_STATUS, 0, 0},
      {"close status 2999", "88 02 0b b7", FERRY__WS_ERR_CLOSE_STATUS, 0, 0},
      {"close status 5000", "88 02 13 88", FERRY__WS_ERR_CLOSE_STATUS, 0, 0},
      {"close status 65535", "88 02 ff ff", FERRY__WS_ERR_CLOSE_STATUS, 0, 0},
      {"close reason not UTF-8", "88 04 03 e8 ff fe",
       FERRY__WS_ERR_CLOSE_REASON_NOT_UTF8, 0, 0},
      {"close reason truncated", "88 04 03 e8 61 c3",
       FERRY__WS_ERR_CLOSE_REASON_NOT_UTF8, 0, 0},
      {"a frame after the close", "88 00 81 01 61", FERRY__WS_ERR_AFTER_CLOSE,
       0, 0},
  };
  static const int want_status[] = {
      [-FERRY__WS_ERR_RSV] = 1002,
      [-FERRY__WS_ERR_OPCODE] = 1002,
      [-FERRY__WS_ERR_MASKED] = 1002,
      [-FERRY__WS_ERR_CONTROL_TOO_LONG] = 1002,
      [-FERRY__WS_ERR_CONTROL_FRAGMENTED] = 1002,
      [-FERRY__WS_ERR_CONT_WITHOUT_MESSAGE] = 1002,
      [-FERRY__WS_ERR_MESSAGE_IN_PROGRESS] = 1002,
      [-FERRY__WS_ERR_LENGTH] = 1002,
      [-FERRY__WS_ERR_FRAME_TOO_BIG] = 1009,
      [-FERRY__WS_ERR_MESSAGE_TOO_BIG] = 1009,
      [-FERRY__WS_ERR_TEXT_NOT_UTF8] = 1007,
      [-FERRY__WS_ERR_CLOSE_ONE_BYTE] = 1002,
      [-FERRY__WS_ERR_CLOSE_STATUS] = 1002,
      [-FERRY__WS_ERR_CLOSE_REASON_NOT_UTF8] = 1007,
      [-FERRY__WS_ERR_AFTER_CLOSE] = 0,
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const struct bad_case *c = &cases[i];
    unsigned char b[64];
    size_t n = unhex(c->hex, b, sizeof(b));
    ferry__ws_decoder d;
    size_t used;
    evlog l;
    int r, agree;

    r = decode_all_ways(b, n, c->max_frame, c->max_message, &l, &agree);
    evlog_free(&l);
    if (r != c->err || !agree)
      TEST_FAIL_("%s: got %d (%s), want %d (%s)%s", c->what, r,
                 ferry__ws_strerror(r), c->err, ferry__ws_strerror(c->err),
                 agree ? "" : "; the feeds disagree");
    if (ferry__ws_close_status(r) != want_status[-c->err])
      TEST_FAIL_("%s: close status %d", c->what, ferry__ws_close_status(r));
    /* the decoder stays failed and says why */
    ferry__ws_decoder_init(&d, NULL, NULL);
    if (c->max_frame)
      d.max_frame = c->max_frame;
    if (c->max_message)
      d.max_message = c->max_message;
    ASSERT_EQ(ferry__ws_decode(&d, b, n, &used), c->err);
    ASSERT_EQ(ferry__ws_decode(&d, b, n, &used), c->err);
    ASSERT_EQ(used, 0);
    ASSERT_EQ(ferry__ws_decode_eof(&d), c->err);
    ASSERT(strlen(d.errmsg) > 10);
  }
  return 0;
}

TEST_IMPL(ws_decoder_delivers_the_valid_text_before_a_bad_byte) {
  evlog l;
  int r;

  /* "ab" then a surrogate: "ab" and the first byte of the sequence are
   * delivered, the whole-frame end never is */
  DECODE_HEX("81 05 61 62 ed a0 80", 0, 0, &l, r);
  ASSERT_EQ(r, FERRY__WS_ERR_TEXT_NOT_UTF8);
  ASSERT_STR_EQ(l.text, "S1,1,5,1,0Pab\\ed");
  evlog_free(&l);
  /* binary is not checked */
  DECODE_HEX("82 03 ed a0 80", 0, 0, &l, r);
  ASSERT_EQ(r, 0);
  evlog_free(&l);
  /* nor is a ping's or a pong's payload */
  DECODE_HEX("89 02 ff fe 8a 01 c0", 0, 0, &l, r);
  ASSERT_EQ(r, 0);
  ASSERT_STR_EQ(l.text, "S9,1,2,9,0P\\ff\\feE0;S10,1,1,10,0P\\c0E0;");
  evlog_free(&l);
  return 0;
}

TEST_IMPL(ws_decoder_accepts_caps_exactly_at_the_limit_and_valid_closes) {
  evlog l;
  int r;

  DECODE_HEX("02 05 00 00 00 00 00 80 05 00 00 00 00 00", 5, 10, &l, r);
  ASSERT_EQ(r, 0);
  evlog_free(&l);
  {
    static const char *ok[] = {"88 00", "88 02 03 e8", "88 02 03 eb",
                               "88 02 03 ef", "88 02 03 f6", "88 02 0b b8",
                               "88 02 13 87", "88 05 03 e9 c3 a9 21"};
    static const unsigned status[] = {0, 1000, 1003, 1007, 1014, 3000, 4999,
                                      1001};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
      char want[64];
      DECODE_HEX(ok[i], 0, 0, &l, r);
      if (r != 0)
        TEST_FAIL_("close %s refused: %d", ok[i], r);
      snprintf(want, sizeof(want), "E%u;", status[i]);
      ASSERT_STR_EQ(l.text + l.len - strlen(want), want);
      evlog_free(&l);
    }
  }
  return 0;
}

TEST_IMPL(ws_decoder_pauses_after_an_event_and_goes_on) {
  static const char hex[] = "81 05 48 65 6c 6c 6f 82 00 89 00";
  unsigned char b[32];
  size_t n = unhex(hex, b, sizeof(b)), used, off = 0;
  ferry__ws_decoder d;
  evlog l;
  int calls = 0;

  memset(&l, 0, sizeof(l));
  l.pause_every = 1;
  ferry__ws_decoder_init(&d, &ev_callbacks, &l);
  /* the first call stops right after the first frame's start */
  ASSERT_EQ(ferry__ws_decode(&d, b, n, &used), 0);
  ASSERT_EQ(used, 2);
  ASSERT_STR_EQ(l.text, "S1,1,5,1,0");
  off = used;
  while (calls++ < 20) {
    ASSERT_EQ(ferry__ws_decode(&d, b + off, n - off, &used), 0);
    off += used;
  }
  ASSERT_EQ(off, n);
  ASSERT_STR_EQ(l.text, "S1,1,5,1,0PHelloE0;S2,1,0,2,0E0;S9,1,0,9,0E0;");
  evlog_free(&l);
  return 0;
}

static int failing_start(void *ud, const ferry__ws_frame *f) {
  (void)ud;
  (void)f;
  return -1;
}

TEST_IMPL(ws_decoder_ends_on_a_failing_callback_and_on_eof_says_where) {
  static const ferry__ws_callbacks failing = {failing_start, NULL, NULL};
  unsigned char b[16];
  ferry__ws_decoder d;
  size_t used, n;

  ferry__ws_decoder_init(&d, &failing, NULL);
  n = unhex("81 01 61", b, sizeof(b));
  ASSERT_EQ(ferry__ws_decode(&d, b, n, &used), FERRY__WS_ERR_CALLBACK);
  ASSERT_EQ(ferry__ws_close_status(FERRY__WS_ERR_CALLBACK), 0);

  /* EOF: between messages, inside a header, inside a payload, between
   * fragments, after the close frame */
  ferry__ws_decoder_init(&d, NULL, NULL);
  n = unhex("81 01 61", b, sizeof(b));
  ASSERT_EQ(ferry__ws_decode(&d, b, n, &used), 0);
  ASSERT_EQ(ferry__ws_decode_eof(&d), FERRY__WS_ERR_EOF_BEFORE_CLOSE);

  ferry__ws_decoder_init(&d, NULL, NULL);
  n = unhex("82 7e 01", b, sizeof(b));
  ASSERT_EQ(ferry__ws_decode(&d, b, n, &used), 0);
  ASSERT_EQ(ferry__ws_decode_eof(&d), FERRY__WS_ERR_EOF_IN_FRAME);

  ferry__ws_decoder_init(&d, NULL, NULL);
  n = unhex("82 05 01 02", b, sizeof(b));
  ASSERT_EQ(ferry__ws_decode(&d, b, n, &used), 0);
  ASSERT_EQ(ferry__ws_decode_eof(&d), FERRY__WS_ERR_EOF_IN_FRAME);

  ferry__ws_decoder_init(&d, NULL, NULL);
  n = unhex("88 02 03", b, sizeof(b));
  ASSERT_EQ(ferry__ws_decode(&d, b, n, &used), 0);
  ASSERT_EQ(ferry__ws_decode_eof(&d), FERRY__WS_ERR_EOF_IN_FRAME);

  ferry__ws_decoder_init(&d, NULL, NULL);
  n = unhex("02 01 61", b, sizeof(b));
  ASSERT_EQ(ferry__ws_decode(&d, b, n, &used), 0);
  ASSERT_EQ(ferry__ws_decode_eof(&d), FERRY__WS_ERR_EOF_IN_MESSAGE);

  ferry__ws_decoder_init(&d, NULL, NULL);
  n = unhex("81 00 88 02 03 e8", b, sizeof(b));
  ASSERT_EQ(ferry__ws_decode(&d, b, n, &used), 0);
  ASSERT_EQ(used, n);
  ASSERT_EQ(ferry__ws_decode_eof(&d), 0);
  ASSERT_STR_EQ(ferry__ws_decoder_state_name(d.state), "CLOSED");
  return 0;
}

/* The encoder's frames, unmasked, are what the decoder reads back: a
 * round trip through both with every split. */
TEST_IMPL(ws_encoder_frames_unmasked_decode_to_what_was_sent) {
  ferry__ws_encoder e;
  unsigned char out[4096], payload[1500];
  size_t n, total = 0, pos = 0, hl;
  evlog l;
  int agree, r;
  struct {
    unsigned op;
    int fin;
    size_t len;
  } frames[] = {{FERRY__WS_TEXT, 0, 10},   {FERRY__WS_PING, 1, 125},
                {FERRY__WS_CONT, 1, 200},  {FERRY__WS_BINARY, 1, 1500},
                {FERRY__WS_PONG, 1, 0},    {FERRY__WS_BINARY, 1, 0},
                {FERRY__WS_CLOSE, 1, 0}};

  memset(payload, 'a', sizeof(payload));
  ferry__ws_encoder_init(&e);
  for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
    ASSERT_EQ(ferry__ws_encode_frame(&e, out + total, sizeof(out) - total, &n,
                                     frames[i].op, frames[i].fin, payload,
                                     frames[i].len, NULL), 0);
    total += n;
  }
  /* unmask in place: clear the MASK bits and drop the keys */
  {
    unsigned char plain[4096];
    size_t pn = 0;
    while (pos < total) {
      unsigned len7 = out[pos + 1] & 0x7f;
      uint64_t len = len7;
      unsigned char *mask;
      hl = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
      if (len7 == 126)
        len = ((uint64_t)out[pos + 2] << 8) | out[pos + 3];
      else if (len7 == 127)
        for (int k = 0; k < 8; k++)
          len = (k == 0 ? 0 : len << 8) | out[pos + 2 + k];
      memcpy(plain + pn, out + pos, hl);
      plain[pn + 1] &= 0x7f;
      mask = out + pos + hl;
      for (uint64_t k = 0; k < len; k++)
        plain[pn + hl + k] = out[pos + hl + 4 + k] ^ mask[k & 3];
      pn += hl + len;
      pos += hl + 4 + len;
    }
    r = decode_all_ways(plain, pn, 0, 0, &l, &agree);
  }
  ASSERT_EQ(r, 0);
  ASSERT(agree);
  ASSERT(strstr(l.text, "S1,0,10,1,0Paaaaaaaaaa") == l.text);
  ASSERT(strstr(l.text, "S0,1,200,1,10P") != NULL);
  ASSERT(strstr(l.text, "S2,1,1500,2,0P") != NULL);
  ASSERT_STR_EQ(l.text + l.len - strlen("S8,1,0,8,0E0;"), "S8,1,0,8,0E0;");
  evlog_free(&l);
  return 0;
}

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
#include <time.h>
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

/* -- a blocking client made of the codec ------------------------------------------------- */

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "certs.h"
#include "proc.h"
#include "pyws.h"
#include "wsserver.h"

/* No read in these tests waits longer than this. */
#define WSC_TIMEOUT_MS 10000
/* wsc_next()'s result when nothing came in time. */
#define WSC_TIMEOUT -1000
/* wsc_next()'s result for a failed read (a reset, say). */
#define WSC_IO_ERROR -1001
/* wsc_next()'s result for EOF after the server's close frame. */
#define WSC_EOF -1002

/* A frame the client received. */
typedef struct rframe {
  unsigned opcode, fin, close_status;
  unsigned char *data; /* NUL after it */
  size_t len;
} rframe;

typedef struct wsc {
  int fd;
  int tls;
  mbedtls_net_context net;
  mbedtls_ssl_context ssl;
  mbedtls_ssl_config conf;
  mbedtls_x509_crt ca;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  ferry__ws_encoder enc;
  ferry__ws_decoder dec;
  ferry__ws_handshake hs;
  char key[FERRY__WS_KEY_SIZE];
  char *request;       /* what wsc_handshake() sent */
  char *response;      /* the response head it read */
  int status;          /* its status code */
  rframe *q;           /* frames received and not yet taken */
  size_t qlen, qcap;
  unsigned char *cur;  /* the payload of the frame being received */
  size_t cur_len, cur_cap;
  unsigned reads;      /* reads that returned bytes */
  int err;             /* the decoder's error, EOF's, or WSC_IO_ERROR */
} wsc;

static void rframe_free(rframe *f) {
  free(f->data);
  memset(f, 0, sizeof(*f));
}

static int wsc_on_start(void *ud, const ferry__ws_frame *f) {
  wsc *c = ud;
  (void)f;
  c->cur_len = 0;
  return 0;
}

static int wsc_on_payload(void *ud, const ferry__ws_frame *f,
                          const unsigned char *p, size_t n, uint64_t offset) {
  wsc *c = ud;
  (void)f;
  (void)offset;
  if (c->cur_len + n + 1 > c->cur_cap) {
    size_t cap = c->cur_cap ? c->cur_cap : 4096;
    while (cap < c->cur_len + n + 1)
      cap *= 2;
    c->cur = realloc(c->cur, cap);
    if (c->cur == NULL)
      abort();
    c->cur_cap = cap;
  }
  memcpy(c->cur + c->cur_len, p, n);
  c->cur_len += n;
  return 0;
}

static int wsc_on_end(void *ud, const ferry__ws_frame *f) {
  wsc *c = ud;
  rframe *r;
  if (c->qlen == c->qcap) {
    c->qcap = c->qcap ? c->qcap * 2 : 16;
    c->q = realloc(c->q, c->qcap * sizeof(*c->q));
    if (c->q == NULL)
      abort();
  }
  r = &c->q[c->qlen++];
  r->opcode = f->opcode;
  r->fin = f->fin;
  r->close_status = f->close_status;
  r->len = c->cur_len;
  r->data = malloc(c->cur_len + 1);
  if (r->data == NULL)
    abort();
  if (c->cur_len > 0)
    memcpy(r->data, c->cur, c->cur_len);
  r->data[c->cur_len] = '\0';
  c->cur_len = 0;
  return 0;
}

static const ferry__ws_callbacks wsc_callbacks = {wsc_on_start, wsc_on_payload,
                                                  wsc_on_end};

static int tcp_connect(int port) {
  struct sockaddr_in addr;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return -1;
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Connect to 127.0.0.1:port; over TLS (trusting ca_file) if ca_file is
 * set. 0 or -1. */
static int wsc_connect(wsc *c, int port, const char *ca_file) {
  memset(c, 0, sizeof(*c));
  c->fd = tcp_connect(port);
  if (c->fd < 0)
    return -1;
  ferry__ws_encoder_init(&c->enc);
  ferry__ws_decoder_init(&c->dec, &wsc_callbacks, c);
  if (ca_file == NULL)
    return 0;

  c->tls = 1;
  c->net.fd = c->fd;
  mbedtls_ssl_init(&c->ssl);
  mbedtls_ssl_config_init(&c->conf);
  mbedtls_x509_crt_init(&c->ca);
  mbedtls_entropy_init(&c->entropy);
  mbedtls_ctr_drbg_init(&c->drbg);
  if (mbedtls_ctr_drbg_seed(&c->drbg, mbedtls_entropy_func, &c->entropy, NULL,
                            0) != 0 ||
      mbedtls_x509_crt_parse_file(&c->ca, ca_file) != 0 ||
      mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT,
                                  MBEDTLS_SSL_TRANSPORT_STREAM,
                                  MBEDTLS_SSL_PRESET_DEFAULT) != 0)
    return -1;
  mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, &c->drbg);
  mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
  mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_read_timeout(&c->conf, WSC_TIMEOUT_MS);
  if (mbedtls_ssl_setup(&c->ssl, &c->conf) != 0 ||
      mbedtls_ssl_set_hostname(&c->ssl, "localhost") != 0)
    return -1;
  mbedtls_ssl_set_bio(&c->ssl, &c->net, mbedtls_net_send, NULL,
                      mbedtls_net_recv_timeout);
  for (;;) {
    int ret = mbedtls_ssl_handshake(&c->ssl);
    if (ret == 0)
      return 0;
    if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
      fprintf(stderr, "  wsc: TLS handshake: -0x%04x\n", (unsigned)-ret);
      return -1;
    }
  }
}

static void wsc_free(wsc *c) {
  if (c->tls) {
    mbedtls_ssl_free(&c->ssl);
    mbedtls_ssl_config_free(&c->conf);
    mbedtls_x509_crt_free(&c->ca);
    mbedtls_ctr_drbg_free(&c->drbg);
    mbedtls_entropy_free(&c->entropy);
  }
  if (c->fd >= 0)
    close(c->fd);
  for (size_t i = 0; i < c->qlen; i++)
    rframe_free(&c->q[i]);
  free(c->q);
  free(c->cur);
  free(c->request);
  free(c->response);
  memset(c, 0, sizeof(*c));
  c->fd = -1;
}

static int wsc_write(wsc *c, const void *data, size_t len) {
  const unsigned char *p = data;
  while (len > 0) {
    ssize_t n;
    if (c->tls) {
      int ret = mbedtls_ssl_write(&c->ssl, p, len);
      if (ret == MBEDTLS_ERR_SSL_WANT_WRITE)
        continue;
      n = ret;
    } else {
      n = send(c->fd, p, len, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
    }
    if (n <= 0)
      return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Read what comes within timeout_ms: n > 0 bytes, 0 at EOF, WSC_TIMEOUT,
 * or WSC_IO_ERROR. */
static long wsc_read(wsc *c, void *buf, size_t cap, unsigned timeout_ms) {
  if (c->tls && mbedtls_ssl_get_bytes_avail(&c->ssl) == 0) {
    struct pollfd pfd = {c->fd, POLLIN, 0};
    int r = poll(&pfd, 1, (int)timeout_ms);
    if (r == 0)
      return WSC_TIMEOUT;
  }
  if (c->tls) {
    for (;;) {
      int ret = mbedtls_ssl_read(&c->ssl, buf, cap);
      if (ret > 0)
        return ret;
      if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
        return 0;
      if (ret == MBEDTLS_ERR_SSL_TIMEOUT)
        return WSC_TIMEOUT;
      if (ret != MBEDTLS_ERR_SSL_WANT_READ)
        return WSC_IO_ERROR;
    }
  }
  {
    struct pollfd pfd = {c->fd, POLLIN, 0};
    ssize_t n;
    int r = poll(&pfd, 1, (int)timeout_ms);
    if (r == 0)
      return WSC_TIMEOUT;
    n = recv(c->fd, buf, cap, 0);
    return n >= 0 ? (long)n : WSC_IO_ERROR;
  }
}

/* Send the opening handshake for path, offering protocols and extensions
 * (NULL: none), read the response head and check it. Returns the check's
 * result (0: a WebSocket now), or -1 if the response never came whole.
 * Bytes after the head go to the decoder. */
static int wsc_handshake(wsc *c, const char *path, const char *protocols,
                         const char *extensions) {
  char req[1024], buf[8192];
  size_t have = 0;
  char *end = NULL, *line, *next;
  int r;

  if (ferry__ws_make_key(c->key) != 0)
    return -1;
  snprintf(req, sizeof(req),
           "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
           "Sec-WebSocket-Version: 13\r\n%s%s%s%s%s%s\r\n",
           path, c->key, protocols ? "Sec-WebSocket-Protocol: " : "",
           protocols ? protocols : "", protocols ? "\r\n" : "",
           extensions ? "Sec-WebSocket-Extensions: " : "",
           extensions ? extensions : "", extensions ? "\r\n" : "");
  c->request = strdup(req);
  if (c->request == NULL || wsc_write(c, req, strlen(req)) != 0)
    return -1;
  while (end == NULL) {
    long n;
    if (have == sizeof(buf) - 1)
      return -1;
    n = wsc_read(c, buf + have, sizeof(buf) - 1 - have, WSC_TIMEOUT_MS);
    if (n <= 0)
      return -1;
    have += (size_t)n;
    buf[have] = '\0';
    end = strstr(buf, "\r\n\r\n");
  }
  end += 4;
  c->response = strndup(buf, (size_t)(end - buf));
  if (c->response == NULL || sscanf(c->response, "HTTP/1.1 %d", &c->status) != 1)
    return -1;
  r = ferry__ws_handshake_init(&c->hs, c->key, protocols, extensions);
  if (r != 0)
    return r;
  for (line = c->response; (next = strstr(line, "\r\n")) != NULL;
       line = next + 2)
    ferry__ws_handshake_line(&c->hs, line, (size_t)(next - line));
  r = ferry__ws_handshake_finish(&c->hs, c->status);
  if (r == 0 && end < buf + have) {
    size_t used;
    int d = ferry__ws_decode(&c->dec, (unsigned char *)end,
                             (size_t)(buf + have - end), &used);
    if (d != 0)
      c->err = d;
  }
  return r;
}

/* Send one frame with a fresh mask. 0 or -1. */
static int wsc_send(wsc *c, unsigned opcode, int fin, const void *data,
                    size_t len) {
  unsigned char *out = malloc(len + FERRY__WS_MAX_HEADER);
  size_t n;
  int r;

  if (out == NULL)
    return -1;
  r = ferry__ws_encode_frame(&c->enc, out, len + FERRY__WS_MAX_HEADER, &n,
                             opcode, fin, data, len, NULL);
  if (r == 0)
    r = wsc_write(c, out, n);
  free(out);
  return r;
}

static int wsc_send_close(wsc *c, unsigned status, const char *reason) {
  unsigned char p[FERRY__WS_MAX_CONTROL];
  size_t n;
  if (ferry__ws_close_payload(p, &n, status, reason,
                              reason ? strlen(reason) : 0) != 0)
    return -1;
  return wsc_send(c, FERRY__WS_CLOSE, 1, p, n);
}

/* The next frame received, waiting up to timeout_ms: 0 with *out set (the
 * caller frees it), else the decoder's error, an EOF code of the decoder
 * (WSC_EOF after the close frame), WSC_TIMEOUT or WSC_IO_ERROR. */
static int wsc_next(wsc *c, rframe *out, unsigned timeout_ms) {
  memset(out, 0, sizeof(*out));
  while (c->qlen == 0) {
    unsigned char buf[65536];
    size_t used;
    long n;
    int r;

    if (c->err != 0)
      return c->err;
    n = wsc_read(c, buf, sizeof(buf), timeout_ms);
    if (n == WSC_TIMEOUT)
      return WSC_TIMEOUT;
    if (n < 0) {
      c->err = WSC_IO_ERROR;
      continue;
    }
    if (n == 0) {
      c->err = ferry__ws_decode_eof(&c->dec);
      if (c->err == 0)
        c->err = WSC_EOF;
      continue;
    }
    c->reads++;
    r = ferry__ws_decode(&c->dec, buf, (size_t)n, &used);
    if (r != 0)
      c->err = r;
  }
  *out = c->q[0];
  memmove(c->q, c->q + 1, (c->qlen - 1) * sizeof(*c->q));
  c->qlen--;
  return 0;
}

/* Expect the next frame to be opcode with exactly this payload. */
#define ASSERT_NEXT(c, op, bytes, n)                                          \
  do {                                                                        \
    rframe f_;                                                                \
    int r_ = wsc_next((c), &f_, WSC_TIMEOUT_MS);                              \
    if (r_ != 0)                                                              \
      TEST_FAIL_("no frame: %d (%s)", r_, ferry__ws_strerror(r_));            \
    if (f_.opcode != (unsigned)(op) || f_.len != (size_t)(n) ||               \
        memcmp(f_.data, (bytes), (size_t)(n)) != 0) {                         \
      fprintf(stderr, "  got opcode %u, %zu bytes \"%.*s\"\n", f_.opcode,     \
              f_.len, (int)(f_.len > 200 ? 200 : f_.len), f_.data);           \
      rframe_free(&f_);                                                       \
      TEST_FAIL_("frame differs from opcode %u, %zu bytes", (unsigned)(op),   \
                 (size_t)(n));                                                \
    }                                                                         \
    rframe_free(&f_);                                                         \
  } while (0)

/* The EOF after a finished close handshake: the decoder saw the close. */
#define ASSERT_EOF_AFTER_CLOSE(c)                                             \
  do {                                                                        \
    rframe f_;                                                                \
    int r_ = wsc_next((c), &f_, WSC_TIMEOUT_MS);                              \
    ASSERT_EQ(r_, WSC_EOF);                                                   \
  } while (0)

#define STEPS(a) (a), (sizeof(a) / sizeof((a)[0]))

/* A frame the server recorded must be this. */
static int check_frame(wsserver *s, unsigned conn, unsigned index,
                       unsigned opcode, unsigned fin, const void *payload,
                       size_t len) {
  wss_frame f;
  int ok;

  if (wsserver_frame(s, conn, index, &f) != 0) {
    fprintf(stderr, "  no frame %u on connection %u\n", index, conn);
    return 0;
  }
  ok = f.opcode == opcode && f.fin == fin && f.rsv == 0 && f.masked == 1 &&
       f.len == len && memcmp(f.payload, payload, len) == 0;
  if (!ok)
    fprintf(stderr,
            "  frame %u: opcode %u fin %u rsv %u masked %u, %zu bytes "
            "\"%.*s\"; want opcode %u fin %u, %zu bytes\n",
            index, f.opcode, f.fin, f.rsv, f.masked, f.len,
            (int)(f.len > 100 ? 100 : f.len), f.payload, opcode, fin, len);
  wsserver_frame_free(&f);
  return ok;
}

static long long ms_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

TEST_IMPL(wsserver_answers_the_handshake_and_records_the_request_exactly) {
  wss_step steps[] = {{.action = WSS_HANDSHAKE}, {.action = WSS_ECHO}};
  wsserver *s = wsserver_start(NULL);
  char *req;
  size_t len;
  wsc c;

  ASSERT_NOT_NULL(s);
  wsserver_default_script(s, STEPS(steps));
  ASSERT_EQ(wsc_connect(&c, wsserver_port(s), NULL), 0);
  ASSERT_EQ(wsc_handshake(&c, "/chat?room=1", "superchat, chat", NULL), 0);
  ASSERT_EQ(c.status, 101);
  /* the server takes the first subprotocol offered */
  ASSERT_EQ(c.hs.protocol_len, 9);
  ASSERT(memcmp(c.hs.protocol, "superchat", 9) == 0);
  ASSERT(strstr(c.response, "\r\nSec-WebSocket-Protocol: superchat\r\n"));
  req = wsserver_request(s, 0, &len);
  ASSERT_NOT_NULL(req);
  ASSERT_MEM_EQ(req, len, c.request);
  free(req);
  ASSERT_NULL(wsserver_handshake_error(s, 0));
  ASSERT_EQ(wsserver_get(s, WSS_HANDSHAKES), 1);

  /* the close handshake: the status comes back, then the server's FIN */
  ASSERT_EQ(wsc_send_close(&c, 1000, "bye"), 0);
  ASSERT_NEXT(&c, FERRY__WS_CLOSE, "\x03\xe8", 2);
  ASSERT_EOF_AFTER_CLOSE(&c);
  ASSERT(check_frame(s, 0, 0, FERRY__WS_CLOSE, 1, "\x03\xe8" "bye", 5));
  ASSERT_EQ(wsserver_frames(s, 0), 1);
  wsc_free(&c);
  ASSERT_EQ(wsserver_wait(s, WSS_CLOSED, 1, WSC_TIMEOUT_MS), 0);
  ASSERT_EQ(wsserver_get(s, WSS_SCRIPTS_DONE), 1);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(wsserver_echoes_messages_and_records_every_client_frame) {
  wss_step steps[] = {{.action = WSS_HANDSHAKE}, {.action = WSS_ECHO}};
  wsserver *s = wsserver_start(NULL);
  static const unsigned char bin[] = {0, 1, 2, 255};
  unsigned char mask[4], *big;
  size_t big_len = 300000, len;
  unsigned opcode;
  wss_frame f;
  char *m;
  wsc c;

  ASSERT_NOT_NULL(s);
  big = malloc(big_len);
  ASSERT_NOT_NULL(big);
  for (size_t i = 0; i < big_len; i++)
    big[i] = (unsigned char)(i * 31 + (i >> 11));
  wsserver_default_script(s, STEPS(steps));
  ASSERT_EQ(wsc_connect(&c, wsserver_port(s), NULL), 0);
  ASSERT_EQ(wsc_handshake(&c, "/", NULL, NULL), 0);
  ASSERT_NULL(c.hs.protocol);
  ASSERT_NULL(strstr(c.response, "Sec-WebSocket-Protocol"));

  ASSERT_EQ(wsc_send(&c, FERRY__WS_TEXT, 1, "hello", 5), 0);
  memcpy(mask, c.enc.mask, 4);
  ASSERT_NEXT(&c, FERRY__WS_TEXT, "hello", 5);
  ASSERT_EQ(wsc_send(&c, FERRY__WS_BINARY, 1, bin, sizeof(bin)), 0);
  ASSERT_NEXT(&c, FERRY__WS_BINARY, bin, sizeof(bin));
  /* a fragmented text with a ping between its fragments: the pong comes
   * at once, the message once it is whole, as one frame */
  ASSERT_EQ(wsc_send(&c, FERRY__WS_TEXT, 0, "frag", 4), 0);
  ASSERT_EQ(wsc_send(&c, FERRY__WS_PING, 1, "p", 1), 0);
  ASSERT_EQ(wsc_send(&c, FERRY__WS_CONT, 0, "men", 3), 0);
  ASSERT_EQ(wsc_send(&c, FERRY__WS_CONT, 1, "ts", 2), 0);
  ASSERT_NEXT(&c, FERRY__WS_PONG, "p", 1);
  ASSERT_NEXT(&c, FERRY__WS_TEXT, "fragments", 9);
  /* 300 kB in two frames */
  ASSERT_EQ(wsc_send(&c, FERRY__WS_BINARY, 0, big, 100000), 0);
  ASSERT_EQ(wsc_send(&c, FERRY__WS_CONT, 1, big + 100000, big_len - 100000),
            0);
  ASSERT_NEXT(&c, FERRY__WS_BINARY, big, big_len);
  ASSERT_EQ(wsc_send_close(&c, 1001, NULL), 0);
  ASSERT_NEXT(&c, FERRY__WS_CLOSE, "\x03\xe9", 2);
  ASSERT_EOF_AFTER_CLOSE(&c);

  /* what the server saw: every frame masked, the keys as sent */
  ASSERT_EQ(wsserver_frames(s, 0), 9);
  ASSERT(check_frame(s, 0, 0, FERRY__WS_TEXT, 1, "hello", 5));
  ASSERT_EQ(wsserver_frame(s, 0, 0, &f), 0);
  ASSERT(memcmp(f.mask, mask, 4) == 0);
  wsserver_frame_free(&f);
  ASSERT(check_frame(s, 0, 1, FERRY__WS_BINARY, 1, bin, sizeof(bin)));
  ASSERT(check_frame(s, 0, 2, FERRY__WS_TEXT, 0, "frag", 4));
  ASSERT(check_frame(s, 0, 3, FERRY__WS_PING, 1, "p", 1));
  ASSERT(check_frame(s, 0, 4, FERRY__WS_CONT, 0, "men", 3));
  ASSERT(check_frame(s, 0, 5, FERRY__WS_CONT, 1, "ts", 2));
  ASSERT(check_frame(s, 0, 6, FERRY__WS_BINARY, 0, big, 100000));
  ASSERT(check_frame(s, 0, 7, FERRY__WS_CONT, 1, big + 100000,
                     big_len - 100000));
  ASSERT(check_frame(s, 0, 8, FERRY__WS_CLOSE, 1, "\x03\xe9", 2));
  ASSERT_EQ(wsserver_messages(s, 0), 4);
  m = wsserver_message(s, 0, 2, &opcode, &len);
  ASSERT_MEM_EQ(m, len, "fragments");
  ASSERT_EQ(opcode, FERRY__WS_TEXT);
  free(m);
  m = wsserver_message(s, 0, 3, &opcode, &len);
  ASSERT_EQ(len, big_len);
  ASSERT(memcmp(m, big, big_len) == 0);
  ASSERT_EQ(opcode, FERRY__WS_BINARY);
  free(m);
  ASSERT_EQ(wsserver_get(s, WSS_PINGS_ANSWERED), 1);
  ASSERT_EQ(wsserver_get(s, WSS_CLOSES_RECEIVED), 1);
  free(big);
  wsc_free(&c);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(wsserver_sends_scripted_frames_fragmented_large_and_in_delayed_pieces) {
  size_t big_len = 1 << 20;
  unsigned char *big = malloc(big_len);
  wsserver *s = wsserver_start(NULL);
  long long t0, elapsed;
  wsc c;

  ASSERT_NOT_NULL(big);
  ASSERT_NOT_NULL(s);
  for (size_t i = 0; i < big_len; i++)
    big[i] = (unsigned char)(i % 251);
  {
    wss_step steps[] = {
        {.action = WSS_HANDSHAKE},
        {.action = WSS_SEND_FRAME, .opcode = 1, .no_fin = 1, .data = "Hel"},
        {.action = WSS_SEND_FRAME, .opcode = 9, .data = "mid"},
        {.action = WSS_SEND_FRAME, .opcode = 0, .data = "lo"},
        {.action = WSS_SEND_FRAME, .opcode = 2, .data = (const char *)big,
         .len = big_len},
        {.action = WSS_WAIT_MESSAGES, .n = 1},
        /* a 10-byte frame in writes of 3, 3, 3 and 1 byte, 30 ms apart */
        {.action = WSS_SEND_FRAME, .opcode = 1, .data = "split me",
         .piece = 3, .delay_ms = 30},
        {.action = WSS_SEND_RAW, .data = "\x82\x02ok", .piece = 1,
         .delay_ms = 10},
        {.action = WSS_WAIT_CLOSE}};
    wsserver_default_script(s, STEPS(steps));
  }
  ASSERT_EQ(wsc_connect(&c, wsserver_port(s), NULL), 0);
  ASSERT_EQ(wsc_handshake(&c, "/", NULL, NULL), 0);
  ASSERT_NEXT(&c, FERRY__WS_TEXT, "Hel", 3);
  ASSERT_NEXT(&c, FERRY__WS_PING, "mid", 3);
  ASSERT_NEXT(&c, FERRY__WS_CONT, "lo", 2);
  ASSERT_NEXT(&c, FERRY__WS_BINARY, big, big_len);
  /* the pieces cannot all be here sooner than 90 ms after "go" */
  t0 = ms_now();
  ASSERT_EQ(wsc_send(&c, FERRY__WS_TEXT, 1, "go", 2), 0);
  ASSERT_NEXT(&c, FERRY__WS_TEXT, "split me", 8);
  elapsed = ms_now() - t0;
  ASSERT_GE(elapsed, 90 - 5);
  ASSERT_NEXT(&c, FERRY__WS_BINARY, "ok", 2);
  ASSERT_GE(ms_now() - t0, 90 + 30 - 5);
  ASSERT_EQ(wsc_send_close(&c, 1000, ""), 0);
  ASSERT_NEXT(&c, FERRY__WS_CLOSE, "\x03\xe8", 2);
  ASSERT_EOF_AFTER_CLOSE(&c);
  wsc_free(&c);
  free(big);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(wsserver_ping_step_records_whether_the_pong_matched_and_close_step_its_echo) {
  wss_step steps[] = {
      {.action = WSS_HANDSHAKE},
      {.action = WSS_PING, .data = "abc"},
      {.action = WSS_WAIT_PONG},
      {.action = WSS_PING, .data = "xyz"},
      {.action = WSS_WAIT_PONG},
      {.action = WSS_CLOSE, .status = 1001, .data = "going away"}};
  wsserver *s = wsserver_start(NULL);
  wsc c;

  ASSERT_NOT_NULL(s);
  wsserver_default_script(s, STEPS(steps));
  ASSERT_EQ(wsc_connect(&c, wsserver_port(s), NULL), 0);
  ASSERT_EQ(wsc_handshake(&c, "/", NULL, NULL), 0);
  ASSERT_NEXT(&c, FERRY__WS_PING, "abc", 3);
  ASSERT_EQ(wsc_send(&c, FERRY__WS_PONG, 1, "abc", 3), 0);
  ASSERT_NEXT(&c, FERRY__WS_PING, "xyz", 3);
  ASSERT_EQ(wsc_send(&c, FERRY__WS_PONG, 1, "nope", 4), 0);
  ASSERT_NEXT(&c, FERRY__WS_CLOSE, "\x03\xe9going away", 12);
  ASSERT_EQ(wsc_send_close(&c, 1001, NULL), 0);
  ASSERT_EOF_AFTER_CLOSE(&c);
  ASSERT_EQ(wsserver_get(s, WSS_PONGS), 2);
  ASSERT_EQ(wsserver_get(s, WSS_PONGS_MATCHED), 1);
  ASSERT_EQ(wsserver_get(s, WSS_CLOSE_ECHOED), 1);
  wsc_free(&c);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(wsserver_answers_pings_unless_told_not_to_and_never_inside_a_frame) {
  wsserver_config quiet = {.no_autopong = 1};
  wsserver *s;
  wsc c;

  /* no_autopong: the ping goes unanswered, the next frame is "after" */
  {
    wss_step steps[] = {{.action = WSS_HANDSHAKE},
                        {.action = WSS_WAIT_MESSAGES, .n = 1},
                        {.action = WSS_SEND_FRAME, .opcode = 1,
                         .data = "after"},
                        {.action = WSS_WAIT_CLOSE}};
    s = wsserver_start(&quiet);
    ASSERT_NOT_NULL(s);
    wsserver_default_script(s, STEPS(steps));
    ASSERT_EQ(wsc_connect(&c, wsserver_port(s), NULL), 0);
    ASSERT_EQ(wsc_handshake(&c, "/", NULL, NULL), 0);
    ASSERT_EQ(wsc_send(&c, FERRY__WS_PING, 1, "p1", 2), 0);
    ASSERT_EQ(wsc_send(&c, FERRY__WS_TEXT, 1, "go", 2), 0);
    ASSERT_NEXT(&c, FERRY__WS_TEXT, "after", 5);
    ASSERT_EQ(wsc_send_close(&c, 1000, NULL), 0);
    ASSERT_NEXT(&c, FERRY__WS_CLOSE, "\x03\xe8", 2);
    ASSERT_EOF_AFTER_CLOSE(&c);
    ASSERT_EQ(wsserver_get(s, WSS_PINGS_ANSWERED), 0);
    wsc_free(&c);
    ASSERT_EQ(wsserver_stop(s), 0);
  }
  /* a ping that comes while a frame goes out in pieces is answered after
   * the frame's last piece (the decoder would fail on a pong inside it) */
  {
    wss_step steps[] = {{.action = WSS_HANDSHAKE},
                        {.action = WSS_WAIT_MESSAGES, .n = 1},
                        {.action = WSS_SEND_FRAME, .opcode = 2,
                         .data = "0123456789", .piece = 2, .delay_ms = 40},
                        {.action = WSS_WAIT_CLOSE}};
    unsigned char first[16];
    size_t used;
    long n;
    s = wsserver_start(NULL);
    ASSERT_NOT_NULL(s);
    wsserver_default_script(s, STEPS(steps));
    ASSERT_EQ(wsc_connect(&c, wsserver_port(s), NULL), 0);
    ASSERT_EQ(wsc_handshake(&c, "/", NULL, NULL), 0);
    ASSERT_EQ(wsc_send(&c, FERRY__WS_TEXT, 1, "go", 2), 0);
    n = wsc_read(&c, first, sizeof(first), WSC_TIMEOUT_MS);
    ASSERT_GE(n, 1);
    ASSERT_EQ(ferry__ws_decode(&c.dec, first, (size_t)n, &used), 0);
    ASSERT_EQ(wsc_send(&c, FERRY__WS_PING, 1, "q", 1), 0);
    ASSERT_NEXT(&c, FERRY__WS_BINARY, "0123456789", 10);
    ASSERT_NEXT(&c, FERRY__WS_PONG, "q", 1);
    ASSERT_EQ(wsc_send_close(&c, 1000, NULL), 0);
    ASSERT_NEXT(&c, FERRY__WS_CLOSE, "\x03\xe8", 2);
    ASSERT_EOF_AFTER_CLOSE(&c);
    ASSERT_EQ(wsserver_get(s, WSS_PINGS_ANSWERED), 1);
    wsc_free(&c);
    ASSERT_EQ(wsserver_stop(s), 0);
  }
  return 0;
}

struct fault {
  const char *what;
  wss_step steps[3];
  int hs_result; /* what the handshake check says */
  int next;      /* then what wsc_next() says (0: a frame) */
};

TEST_IMPL(wsserver_faults_reach_the_codec_as_its_errors) {
  static char long_ping[126];
  static struct fault faults[] = {
      {"bad accept",
       {{.action = WSS_HANDSHAKE, .accept = "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}},
       FERRY__WS_ERR_HS_ACCEPT_MISMATCH, 0},
      {"not 101", {{.action = WSS_HANDSHAKE, .status = 403}},
       FERRY__WS_ERR_HS_STATUS, 0},
      {"a subprotocol not offered",
       {{.action = WSS_HANDSHAKE, .protocol = "x-evil"}},
       FERRY__WS_ERR_HS_PROTOCOL, 0},
      {"an extension not offered",
       {{.action = WSS_HANDSHAKE,
         .headers = "Sec-WebSocket-Extensions: permessage-deflate\r\n"}},
       FERRY__WS_ERR_HS_EXTENSION, 0},
      {"no Upgrade",
       {{.action = WSS_HANDSHAKE,
         .data = "HTTP/1.1 101 Switching Protocols\r\n"
                 "Connection: Upgrade\r\n\r\n"}},
       FERRY__WS_ERR_HS_UPGRADE, 0},
      {"reserved bits",
       {{.action = WSS_HANDSHAKE},
        {.action = WSS_SEND_FRAME, .opcode = 1, .rsv = 4, .data = "x"}},
       0, FERRY__WS_ERR_RSV},
      {"opcode 3",
       {{.action = WSS_HANDSHAKE}, {.action = WSS_SEND_FRAME, .opcode = 3}},
       0, FERRY__WS_ERR_OPCODE},
      {"opcode 0xB",
       {{.action = WSS_HANDSHAKE}, {.action = WSS_SEND_FRAME, .opcode = 0xB}},
       0, FERRY__WS_ERR_OPCODE},
      {"a masked frame",
       {{.action = WSS_HANDSHAKE},
        {.action = WSS_SEND_FRAME, .opcode = 1, .masked = 1, .data = "Hello"}},
       0, FERRY__WS_ERR_MASKED},
      {"a ping of 126 bytes",
       {{.action = WSS_HANDSHAKE},
        {.action = WSS_SEND_FRAME, .opcode = 9, .data = long_ping,
         .len = sizeof(long_ping)}},
       0, FERRY__WS_ERR_CONTROL_TOO_LONG},
      {"a fragmented ping",
       {{.action = WSS_HANDSHAKE},
        {.action = WSS_SEND_FRAME, .opcode = 9, .no_fin = 1, .data = "x"}},
       0, FERRY__WS_ERR_CONTROL_FRAGMENTED},
      {"invalid UTF-8",
       {{.action = WSS_HANDSHAKE},
        {.action = WSS_SEND_FRAME, .opcode = 1, .data = "ok \xc0\xaf"}},
       0, FERRY__WS_ERR_TEXT_NOT_UTF8},
      {"a continuation first",
       {{.action = WSS_HANDSHAKE},
        {.action = WSS_SEND_FRAME, .opcode = 0, .data = "x"}},
       0, FERRY__WS_ERR_CONT_WITHOUT_MESSAGE},
      {"a 64-bit length with the top bit",
       {{.action = WSS_HANDSHAKE},
        {.action = WSS_SEND_FRAME, .opcode = 2, .data = "x",
         .length = UINT64_C(1) << 63}},
       0, FERRY__WS_ERR_LENGTH},
      {"a close of one byte",
       {{.action = WSS_HANDSHAKE}, {.action = WSS_SEND_RAW, .data = "\x88\x01\x03"}},
       0, FERRY__WS_ERR_CLOSE_ONE_BYTE},
      {"a close with status 1005",
       {{.action = WSS_HANDSHAKE}, {.action = WSS_CLOSE, .status = 1005}}, 0,
       FERRY__WS_ERR_CLOSE_STATUS},
      {"a truncated frame, then EOF",
       {{.action = WSS_HANDSHAKE},
        {.action = WSS_SEND_FRAME, .opcode = 2, .data = "abcdef", .cut = 4},
        {.action = WSS_FIN}},
       0, FERRY__WS_ERR_EOF_IN_FRAME},
      {"EOF between messages",
       {{.action = WSS_HANDSHAKE},
        {.action = WSS_SEND_FRAME, .opcode = 2, .no_fin = 1, .data = "ab"},
        {.action = WSS_FIN}},
       0, 0 /* the first fragment, then EOF_IN_MESSAGE (below) */},
      {"a reset",
       {{.action = WSS_HANDSHAKE}, {.action = WSS_RESET}}, 0, WSC_IO_ERROR},
  };
  wsserver *s = wsserver_start(NULL);
  size_t nfaults = sizeof(faults) / sizeof(faults[0]);

  memset(long_ping, 'p', sizeof(long_ping));
  ASSERT_NOT_NULL(s);
  for (size_t i = 0; i < nfaults; i++) {
    size_t n = 0;
    while (n < 3 && (faults[i].steps[n].action != 0 || n == 0))
      n++;
    wsserver_script(s, (unsigned)i, faults[i].steps, n);
  }
  for (size_t i = 0; i < nfaults; i++) {
    const struct fault *ft = &faults[i];
    rframe f;
    wsc c;
    int r;

    ASSERT_EQ(wsc_connect(&c, wsserver_port(s), NULL), 0);
    r = wsc_handshake(&c, "/", NULL, NULL);
    if (r != ft->hs_result)
      TEST_FAIL_("%s: the handshake check gave %d (%s)", ft->what, r,
                 ferry__ws_strerror(r));
    if (r == 0) {
      r = wsc_next(&c, &f, WSC_TIMEOUT_MS);
      if (r == 0 && ft->next == 0) {
        /* the fragment of "EOF between messages" */
        ASSERT_EQ(f.opcode, FERRY__WS_BINARY);
        rframe_free(&f);
        r = wsc_next(&c, &f, WSC_TIMEOUT_MS);
        ASSERT_EQ(r, FERRY__WS_ERR_EOF_IN_MESSAGE);
      } else if (r != ft->next) {
        rframe_free(&f);
        TEST_FAIL_("%s: got %d (%s), want %d (%s)", ft->what, r,
                   ferry__ws_strerror(r), ft->next,
                   ferry__ws_strerror(ft->next));
      }
    }
    wsc_free(&c);
  }
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(wsserver_sends_a_close_without_status_raw_bytes_or_silence) {
  wss_step close_empty[] = {{.action = WSS_HANDSHAKE},
                            {.action = WSS_CLOSE, .status = 0}};
  wss_step raw[] = {{.action = WSS_HANDSHAKE},
                    {.action = WSS_SEND_RAW, .data = "\x81\x02hi"},
                    {.action = WSS_WAIT_CLOSE}};
  wss_step silent_handshake[] = {{.action = WSS_READ_REQUEST}};
  wss_step silent_after[] = {{.action = WSS_HANDSHAKE}};
  wsserver *s = wsserver_start(NULL);
  char buf[64], *req;
  size_t len;
  rframe f;
  wsc c;

  ASSERT_NOT_NULL(s);
  wsserver_script(s, 0, STEPS(close_empty));
  wsserver_script(s, 1, STEPS(raw));
  wsserver_script(s, 2, STEPS(silent_handshake));
  wsserver_script(s, 3, STEPS(silent_after));

  /* a close frame with no status: the decoder says status 0 */
  ASSERT_EQ(wsc_connect(&c, wsserver_port(s), NULL), 0);
  ASSERT_EQ(wsc_handshake(&c, "/", NULL, NULL), 0);
  ASSERT_EQ(wsc_next(&c, &f, WSC_TIMEOUT_MS), 0);
  ASSERT_EQ(f.opcode, FERRY__WS_CLOSE);
  ASSERT_EQ(f.len, 0);
  ASSERT_EQ(f.close_status, 0);
  rframe_free(&f);
  ASSERT_EQ(wsc_send(&c, FERRY__WS_CLOSE, 1, NULL, 0), 0);
  ASSERT_EOF_AFTER_CLOSE(&c);
  ASSERT_EQ(wsserver_get(s, WSS_CLOSE_ECHOED), 1);
  wsc_free(&c);

  ASSERT_EQ(wsc_connect(&c, wsserver_port(s), NULL), 0);
  ASSERT_EQ(wsc_handshake(&c, "/", NULL, NULL), 0);
  ASSERT_NEXT(&c, FERRY__WS_TEXT, "hi", 2);
  wsc_free(&c);

  /* a server that reads the request and says nothing */
  ASSERT_EQ(wsc_connect(&c, wsserver_port(s), NULL), 0);
  ASSERT_EQ(wsc_write(&c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27), 0);
  ASSERT_EQ(wsc_read(&c, buf, sizeof(buf), 300), WSC_TIMEOUT);
  req = wsserver_request(s, 2, &len);
  ASSERT_MEM_EQ(req, len, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  free(req);
  wsc_free(&c);

  /* and one that answers 101 and then says nothing */
  ASSERT_EQ(wsc_connect(&c, wsserver_port(s), NULL), 0);
  ASSERT_EQ(wsc_handshake(&c, "/", NULL, NULL), 0);
  ASSERT_EQ(wsc_next(&c, &f, 300), WSC_TIMEOUT);
  wsc_free(&c);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(wsserver_refuses_a_bad_handshake_request_and_says_why) {
  wss_step steps[] = {{.action = WSS_HANDSHAKE}, {.action = WSS_ECHO}};
  static const char *requests[] = {
      "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 8\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Key: c2hvcnQ=\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n"};
  static const char *status[] = {"HTTP/1.1 400 ", "HTTP/1.1 426 ",
                                 "HTTP/1.1 400 ", "HTTP/1.1 400 "};
  static const char *why[] = {"Sec-WebSocket-Key", "not 13", "GET",
                              "base64 of 16 bytes"};
  wsserver *s = wsserver_start(NULL);

  ASSERT_NOT_NULL(s);
  wsserver_default_script(s, STEPS(steps));
  for (unsigned i = 0; i < 4; i++) {
    char buf[1024];
    size_t have = 0;
    char *err;
    long n;
    wsc c;

    ASSERT_EQ(wsc_connect(&c, wsserver_port(s), NULL), 0);
    ASSERT_EQ(wsc_write(&c, requests[i], strlen(requests[i])), 0);
    /* the answer, then EOF */
    while ((n = wsc_read(&c, buf + have, sizeof(buf) - 1 - have,
                         WSC_TIMEOUT_MS)) > 0)
      have += (size_t)n;
    ASSERT_EQ(n, 0);
    buf[have] = '\0';
    ASSERT(strncmp(buf, status[i], strlen(status[i])) == 0);
    if (i == 1)
      ASSERT(strstr(buf, "\r\nSec-WebSocket-Version: 13\r\n") != NULL);
    err = wsserver_handshake_error(s, i);
    ASSERT_NOT_NULL(err);
    if (strstr(err, why[i]) == NULL)
      TEST_FAIL_("request %u refused for \"%s\"", i, err);
    free(err);
    wsc_free(&c);
  }
  ASSERT_EQ(wsserver_get(s, WSS_HANDSHAKES), 0);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(wsserver_over_tls_runs_the_same_exchange) {
  wss_step steps[] = {{.action = WSS_HANDSHAKE},
                      {.action = WSS_SEND_FRAME, .opcode = 1,
                       .data = "over TLS", .piece = 3, .delay_ms = 5},
                      {.action = WSS_ECHO}};
  unsigned char big[70000];
  wsserver_config cfg;
  wsserver *s;
  tcerts certs;
  wsc c;

  ASSERT_EQ(tcerts_make(&certs), 0);
  memset(&cfg, 0, sizeof(cfg));
  cfg.cert = certs.server;
  cfg.key = certs.server_key;
  s = wsserver_start(&cfg);
  ASSERT_NOT_NULL(s);
  wsserver_default_script(s, STEPS(steps));
  for (size_t i = 0; i < sizeof(big); i++)
    big[i] = (unsigned char)(i * 13);
  ASSERT_EQ(wsc_connect(&c, wsserver_port(s), certs.ca), 0);
  ASSERT_EQ(wsc_handshake(&c, "/secure", "chat", NULL), 0);
  ASSERT_EQ(c.hs.protocol_len, 4);
  ASSERT_NEXT(&c, FERRY__WS_TEXT, "over TLS", 8);
  ASSERT_EQ(wsc_send(&c, FERRY__WS_BINARY, 1, big, sizeof(big)), 0);
  ASSERT_NEXT(&c, FERRY__WS_BINARY, big, sizeof(big));
  ASSERT_EQ(wsc_send(&c, FERRY__WS_PING, 1, "tls", 3), 0);
  ASSERT_NEXT(&c, FERRY__WS_PONG, "tls", 3);
  ASSERT_EQ(wsc_send_close(&c, 1000, "bye"), 0);
  ASSERT_NEXT(&c, FERRY__WS_CLOSE, "\x03\xe8", 2);
  ASSERT_EOF_AFTER_CLOSE(&c);
  {
    char *req;
    size_t len;
    req = wsserver_request(s, 0, &len);
    ASSERT_MEM_EQ(req, len, c.request);
    free(req);
  }
  ASSERT(check_frame(s, 0, 0, FERRY__WS_BINARY, 1, big, sizeof(big)));
  wsc_free(&c);
  ASSERT_EQ(wsserver_stop(s), 0);
  tcerts_cleanup(&certs);
  return 0;
}

/* -- python3-websockets as the other side ------------------------------------------- */

/* A client on websockets' asyncio API (10.4): it prints what it got. */
static const char py_client[] =
    "import asyncio, sys\n"
    "import websockets\n"
    "async def main():\n"
    "    async with websockets.connect(sys.argv[1], subprotocols=['chat'],\n"
    "                                  compression=None, max_size=None,\n"
    "                                  ping_interval=None) as ws:\n"
    "        print('protocol', ws.subprotocol)\n"
    "        await ws.send('hello')\n"
    "        print('text', await ws.recv())\n"
    "        await ws.send(bytes([0, 1, 2, 255]))\n"
    "        print('binary', (await ws.recv()).hex())\n"
    "        await ws.send(['frag', 'ments'])\n"
    "        print('fragmented', await ws.recv())\n"
    "        big = bytes(range(256)) * 1024\n"
    "        await ws.send(big)\n"
    "        print('big', (await ws.recv()) == big)\n"
    "        pong = await ws.ping(b'cping')\n"
    "        await asyncio.wait_for(pong, 10)\n"
    "        print('pong')\n"
    "        await ws.close(1000, 'done')\n"
    "        print('closed', ws.close_code)\n"
    "asyncio.run(main())\n";

TEST_IMPL(wsserver_serves_the_python_websockets_client) {
  wss_step steps[] = {{.action = WSS_HANDSHAKE},
                      {.action = WSS_PING, .data = "sping"},
                      {.action = WSS_WAIT_PONG},
                      {.action = WSS_ECHO}};
  wsserver *s = wsserver_start(NULL);
  char url[64], host[64], *req, *m;
  const char *argv[5];
  tproc_result r;
  unsigned nframes, opcode;
  size_t len;
  int fragments = 0;

  ASSERT_NOT_NULL(s);
  wsserver_default_script(s, STEPS(steps));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/py", wsserver_port(s));
  argv[0] = PYWS_PYTHON;
  argv[1] = "-c";
  argv[2] = py_client;
  argv[3] = url;
  argv[4] = NULL;
  ASSERT_EQ(tproc_run(argv, NULL, 60000, &r), 0);
  if (r.exit_code != 0 ||
      strcmp(r.out, "protocol chat\ntext hello\nbinary 000102ff\n"
                    "fragmented fragments\nbig True\npong\nclosed 1000\n") !=
          0) {
    tproc_result_dump("python client", &r);
    tproc_result_free(&r);
    TEST_FAIL_("%s", "the python client did not see the exchange");
  }
  tproc_result_free(&r);

  /* what the server saw */
  req = wsserver_request(s, 0, &len);
  ASSERT_NOT_NULL(req);
  ASSERT(strncmp(req, "GET /py HTTP/1.1\r\n", 18) == 0);
  snprintf(host, sizeof(host), "\r\nHost: 127.0.0.1:%d\r\n", wsserver_port(s));
  ASSERT(strstr(req, host) != NULL);
  ASSERT(strstr(req, "\r\nSec-WebSocket-Version: 13\r\n") != NULL);
  ASSERT(strstr(req, "\r\nSec-WebSocket-Protocol: chat\r\n") != NULL);
  free(req);
  ASSERT_EQ(wsserver_messages(s, 0), 4);
  m = wsserver_message(s, 0, 2, &opcode, &len);
  ASSERT_MEM_EQ(m, len, "fragments");
  ASSERT_EQ(opcode, FERRY__WS_TEXT);
  free(m);
  nframes = wsserver_frames(s, 0);
  for (unsigned i = 0; i < nframes; i++) {
    wss_frame f;
    ASSERT_EQ(wsserver_frame(s, 0, i, &f), 0);
    ASSERT_EQ(f.masked, 1);
    ASSERT_EQ(f.rsv, 0);
    if (f.opcode == FERRY__WS_TEXT && !f.fin) {
      ASSERT_MEM_EQ(f.payload, f.len, "frag");
      fragments++;
    }
    if (i == nframes - 1) {
      ASSERT_EQ(f.opcode, FERRY__WS_CLOSE);
      ASSERT_MEM_EQ(f.payload, f.len, "\x03\xe8" "done");
    }
    wsserver_frame_free(&f);
  }
  ASSERT_EQ(fragments, 1);
  ASSERT_EQ(wsserver_get(s, WSS_PONGS_MATCHED), 1);
  ASSERT_EQ(wsserver_get(s, WSS_PINGS_ANSWERED), 1);
  ASSERT_EQ(wsserver_wait(s, WSS_CLOSED, 1, WSC_TIMEOUT_MS), 0);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

/* The codec as a client of python3-websockets' server, over a plain
 * socket: the interoperability check of both sides of RFC 6455. */
static int talk_to_python_server(int port) {
  static const char utf8[] = "h\xc3\xa9llo \xf0\x9f\x98\x80";
  size_t big_len = 1 << 20;
  unsigned char *big = malloc(big_len);
  rframe f;
  wsc c;

  ASSERT_NOT_NULL(big);
  for (size_t i = 0; i < big_len; i++)
    big[i] = (unsigned char)(i * 7);
  ASSERT_EQ(wsc_connect(&c, port, NULL), 0);
  ASSERT_EQ(wsc_handshake(&c, "/", NULL, NULL), 0);
  ASSERT_EQ(c.status, 101);
  ASSERT_NULL(c.hs.protocol);
  ASSERT_EQ(wsc_send(&c, FERRY__WS_TEXT, 1, "hello", 5), 0);
  ASSERT_NEXT(&c, FERRY__WS_TEXT, "hello", 5);
  ASSERT_EQ(wsc_send(&c, FERRY__WS_TEXT, 1, utf8, strlen(utf8)), 0);
  ASSERT_NEXT(&c, FERRY__WS_TEXT, utf8, strlen(utf8));
  ASSERT_EQ(wsc_send(&c, FERRY__WS_BINARY, 1, "\x00\x01\xff", 3), 0);
  ASSERT_NEXT(&c, FERRY__WS_BINARY, "\x00\x01\xff", 3);
  ASSERT_EQ(wsc_send(&c, FERRY__WS_BINARY, 1, big, big_len), 0);
  ASSERT_NEXT(&c, FERRY__WS_BINARY, big, big_len);
  /* our fragments, with a ping inside, come back as one message */
  ASSERT_EQ(wsc_send(&c, FERRY__WS_TEXT, 0, "fra", 3), 0);
  ASSERT_EQ(wsc_send(&c, FERRY__WS_PING, 1, "inside", 6), 0);
  ASSERT_EQ(wsc_send(&c, FERRY__WS_CONT, 1, "gments", 6), 0);
  ASSERT_NEXT(&c, FERRY__WS_PONG, "inside", 6);
  ASSERT_NEXT(&c, FERRY__WS_TEXT, "fragments", 9);
  /* its fragments */
  ASSERT_EQ(wsc_send(&c, FERRY__WS_TEXT, 1, "fragments a b c", 15), 0);
  ASSERT_EQ(wsc_next(&c, &f, WSC_TIMEOUT_MS), 0);
  ASSERT(f.opcode == FERRY__WS_TEXT && !f.fin && f.len == 1 && f.data[0] == 'a');
  rframe_free(&f);
  ASSERT_EQ(wsc_next(&c, &f, WSC_TIMEOUT_MS), 0);
  ASSERT(f.opcode == FERRY__WS_CONT && !f.fin && f.len == 1 && f.data[0] == 'b');
  rframe_free(&f);
  ASSERT_EQ(wsc_next(&c, &f, WSC_TIMEOUT_MS), 0);
  ASSERT(f.opcode == FERRY__WS_CONT && !f.fin && f.len == 1 && f.data[0] == 'c');
  rframe_free(&f);
  /* websockets ends a fragmented message with an empty final frame */
  ASSERT_EQ(wsc_next(&c, &f, WSC_TIMEOUT_MS), 0);
  ASSERT(f.opcode == FERRY__WS_CONT && f.fin && f.len == 0);
  rframe_free(&f);
  /* the close handshake, started by us */
  ASSERT_EQ(wsc_send(&c, FERRY__WS_PING, 1, "", 0), 0);
  ASSERT_NEXT(&c, FERRY__WS_PONG, "", 0);
  ASSERT_EQ(wsc_send_close(&c, 1000, "bye"), 0);
  ASSERT_EQ(wsc_next(&c, &f, WSC_TIMEOUT_MS), 0);
  ASSERT_EQ(f.opcode, FERRY__WS_CLOSE);
  ASSERT_EQ(f.close_status, 1000);
  rframe_free(&f);
  ASSERT_EOF_AFTER_CLOSE(&c);
  wsc_free(&c);

  /* the close handshake, started by the server */
  ASSERT_EQ(wsc_connect(&c, port, NULL), 0);
  ASSERT_EQ(wsc_handshake(&c, "/", NULL, NULL), 0);
  ASSERT_EQ(wsc_send(&c, FERRY__WS_TEXT, 1, "close 4000 see you", 18), 0);
  ASSERT_NEXT(&c, FERRY__WS_CLOSE, "\x0f\xa0see you", 9);
  ASSERT_EQ(wsc_send_close(&c, 4000, NULL), 0);
  ASSERT_EOF_AFTER_CLOSE(&c);
  wsc_free(&c);
  free(big);
  return 0;
}

TEST_IMPL(ws_codec_talks_to_the_python_websockets_server) {
  pyws_server *p = pyws_server_start();
  int r;

  ASSERT_NOT_NULL(p);
  r = talk_to_python_server(pyws_server_port(p));
  ASSERT_EQ(pyws_server_stop(p), 0);
  return r;
}

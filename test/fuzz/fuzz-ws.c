/* libFuzzer target: the WebSocket frame decoder (src/ws.c). The first byte
 * picks a split size (1..32), whether every callback pauses, and small caps
 * on frames and messages; the rest is a server's byte stream, fed once in
 * pieces of that size and once whole, then EOF. Checked:
 *   - both feeds give the same result and the same events (a hash of them);
 *   - payload offsets are contiguous, a frame ends with exactly its
 *     announced payload, control payloads are at most 125 bytes and come
 *     in one piece;
 *   - every text message that ends cleanly is valid UTF-8 by a second,
 *     independent check;
 *   - a failure names a known code, its text and close status.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ws.h"

typedef struct fz {
  uint64_t hash;
  uint64_t frame_bytes;
  int in_frame;
  int pause;
  unsigned char *text; /* the open text message's bytes */
  size_t text_len;
} fz;

static void mix(fz *f, uint64_t v) {
  f->hash = (f->hash ^ v) * 0x100000001b3ULL;
}

/* Decode code points one by one: the slow, obvious check. */
static int utf8_valid_slow(const unsigned char *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned c = p[i], cp, len;
    if (c < 0x80) {
      i++;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return 0;
    }
    if (n - i < len)
      return 0;
    for (unsigned k = 1; k < len; k++) {
      if ((p[i + k] & 0xC0) != 0x80)
        return 0;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
        (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return 0;
    i += len;
  }
  return 1;
}

static int on_start(void *ud, const ferry__ws_frame *fr) {
  fz *f = ud;
  if (f->in_frame)
    __builtin_trap();
  if (FERRY__WS_IS_CONTROL(fr->opcode) &&
      (fr->payload_len > FERRY__WS_MAX_CONTROL || !fr->fin))
    __builtin_trap();
  if (fr->opcode != FERRY__WS_CONT && !FERRY__WS_IS_CONTROL(fr->opcode))
    f->text_len = 0;
  f->in_frame = 1;
  f->frame_bytes = 0;
  mix(f, 0x100 | fr->opcode);
  mix(f, fr->fin);
  mix(f, fr->payload_len);
  mix(f, fr->message_opcode);
  mix(f, fr->message_offset);
  return f->pause ? FERRY__WS_PAUSE : 0;
}

static int on_payload(void *ud, const ferry__ws_frame *fr,
                      const unsigned char *p, size_t n, uint64_t offset) {
  fz *f = ud;
  if (!f->in_frame || n == 0 || offset != f->frame_bytes ||
      n > fr->payload_len - f->frame_bytes)
    __builtin_trap();
  if (FERRY__WS_IS_CONTROL(fr->opcode) && n != fr->payload_len)
    __builtin_trap();
  f->frame_bytes += n;
  for (size_t i = 0; i < n; i++)
    mix(f, p[i]);
  if (!FERRY__WS_IS_CONTROL(fr->opcode) &&
      fr->message_opcode == FERRY__WS_TEXT) {
    unsigned char *t = realloc(f->text, f->text_len + n);
    if (t == NULL)
      __builtin_trap();
    memcpy(t + f->text_len, p, n);
    f->text = t;
    f->text_len += n;
  }
  return f->pause ? FERRY__WS_PAUSE : 0;
}

static int on_end(void *ud, const ferry__ws_frame *fr) {
  fz *f = ud;
  if (!f->in_frame || f->frame_bytes != fr->payload_len)
    __builtin_trap();
  if (fr->fin && !FERRY__WS_IS_CONTROL(fr->opcode) &&
      fr->message_opcode == FERRY__WS_TEXT &&
      !utf8_valid_slow(f->text, f->text_len))
    __builtin_trap();
  if (fr->opcode == FERRY__WS_CLOSE && fr->payload_len >= 2 &&
      !ferry__ws_close_status_valid(fr->close_status))
    __builtin_trap();
  f->in_frame = 0;
  mix(f, 0x200 | fr->close_status);
  return f->pause ? FERRY__WS_PAUSE : 0;
}

static const ferry__ws_callbacks cbs = {on_start, on_payload, on_end};

/* Feed data in pieces of split bytes; 0 = all at once. */
static int run(const uint8_t *data, size_t size, size_t split, int pause,
               uint64_t max_frame, uint64_t max_message, uint64_t *hash) {
  ferry__ws_decoder d;
  fz f;
  size_t off = 0;
  int r = 0;

  memset(&f, 0, sizeof(f));
  f.hash = 0xcbf29ce484222325ULL;
  f.pause = pause;
  ferry__ws_decoder_init(&d, &cbs, &f);
  d.max_frame = max_frame;
  d.max_message = max_message;
  while (off < size) {
    size_t n = split == 0 || size - off < split ? size - off : split;
    size_t used = 0;
    r = ferry__ws_decode(&d, data + off, n, &used);
    if (used > n)
      __builtin_trap();
    off += used;
    if (r != 0)
      break;
    if (!pause && used != n)
      __builtin_trap(); /* all is taken unless paused or failed */
  }
  if (r == 0) {
    /* events a pause left to report */
    size_t used;
    for (int i = 0; i < 4 && r == 0; i++)
      r = ferry__ws_decode(&d, NULL, 0, &used);
  }
  if (r == 0) {
    r = ferry__ws_decode_eof(&d);
    if (r == 0 && !d.closed)
      __builtin_trap();
    r = r == FERRY__WS_ERR_EOF_IN_FRAME || r == FERRY__WS_ERR_EOF_IN_MESSAGE ||
                r == FERRY__WS_ERR_EOF_BEFORE_CLOSE
            ? 0
            : r;
  }
  if (r != 0) {
    if (strcmp(ferry__ws_strerror(r), "unknown WebSocket error") == 0 ||
        d.errmsg[0] == '\0')
      __builtin_trap();
    int st = ferry__ws_close_status(r);
    if (st != 0 && st != 1002 && st != 1007 && st != 1009)
      __builtin_trap();
  }
  free(f.text);
  *hash = f.hash;
  return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint64_t h1, h2, max_frame, max_message;
  size_t split;
  int pause, r1, r2;

  if (size < 1)
    return 0;
  split = (size_t)(data[0] & 31) + 1;
  pause = (data[0] >> 5) & 1;
  max_frame = (data[0] & 0x40) ? 300 : FERRY__WS_DEFAULT_MAX_FRAME;
  max_message = (data[0] & 0x80) ? 1000 : FERRY__WS_DEFAULT_MAX_MESSAGE;
  data++;
  size--;
  r1 = run(data, size, split, pause, max_frame, max_message, &h1);
  r2 = run(data, size, 0, 0, max_frame, max_message, &h2);
  /* a failed run's hash covers the events before the failure, and those
   * too are the same however the bytes were split */
  if (r1 != r2 || h1 != h2)
    __builtin_trap();
  return 0;
}

/* libFuzzer target: the WebSocket frame decoder (src/ws.c) and the
 * endpoint the engine runs on it (src/wsep.c). The first byte
 * picks a split size (1..32), whether every callback pauses, and small caps
 * on frames and messages; the rest is a server's byte stream, fed once in
 * pieces of that size and once whole, then EOF. Checked:
 *   - both feeds give the same result and the same events (a hash of them);
 *   - payload offsets are contiguous, a frame ends with exactly its
 *     announced payload, control payloads are at most 125 bytes and come
 *     in one piece;
 *   - every text message that ends cleanly is valid UTF-8 by a second,
 *     independent check;
 *   - a failure names a known code, its text and close status;
 *   - the endpoint (wsep.c) over the same stream, in pieces, with small
 *     chunks or descriptions only: its chunks tile each frame (offset,
 *     bytesleft), carry the decoder's payload in order, end with the
 *     decoder's error, and what it queues (pongs, close replies, the close
 *     a failure owes) parses as well-formed masked client frames;
 *   - the bytes read as a script of ferry_ws_send calls (flags, lengths,
 *     room, fragment sizes, partial writes): whatever is refused, the
 *     queue holds only well-formed frames.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ws.h"
#include "wsep.h"

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

/* The payload bytes every frame delivered, in order, through the decoder
 * alone: what the endpoint must hand out too (pings included when it does
 * not answer them itself). */
static int payload_cb(void *ud, const ferry__ws_frame *fr,
                      const unsigned char *p, size_t n, uint64_t offset) {
  fz *f = ud;
  (void)fr;
  (void)offset;
  for (size_t i = 0; i < n; i++)
    mix(f, p[i]);
  return 0;
}

static const ferry__ws_callbacks payload_cbs = {NULL, payload_cb, NULL};

static int payload_hash(const uint8_t *data, size_t size, uint64_t *hash,
                        size_t *consumed) {
  ferry__ws_decoder d;
  fz f;
  int r;

  memset(&f, 0, sizeof(f));
  f.hash = 0xcbf29ce484222325ULL;
  ferry__ws_decoder_init(&d, &payload_cbs, &f);
  r = ferry__ws_decode(&d, data, size, consumed);
  *hash = f.hash;
  return r;
}

/* Parse the client frames an endpoint queued: each masked, RSV clear,
 * a known opcode, control frames whole and short. */
static void check_client_frames(const unsigned char *p, size_t n) {
  while (n > 0) {
    uint64_t len;
    size_t head = 2;
    unsigned op;
    if (n < 2 || !(p[1] & 0x80) || (p[0] & 0x70))
      __builtin_trap();
    op = p[0] & 0x0F;
    if (!(op <= 2 || (op >= 8 && op <= 10)))
      __builtin_trap();
    len = p[1] & 0x7F;
    if (len == 126) {
      if (n < 4)
        __builtin_trap();
      len = ((uint64_t)p[2] << 8) | p[3];
      head = 4;
    } else if (len == 127) {
      if (n < 10)
        __builtin_trap();
      len = 0;
      for (int i = 2; i < 10; i++)
        len = (len << 8) | p[i];
      head = 10;
    }
    if (op >= 8 && (len > 125 || !(p[0] & 0x80)))
      __builtin_trap();
    head += 4;
    if (n < head || n - head < len)
      __builtin_trap(); /* the queue holds whole frames */
    p += head + len;
    n -= head + len;
  }
}

/* The endpoint over the same bytes, in pieces of split with chunks of at
 * most max_chunk (0: descriptions only first, then 64): its chunks must
 * tile each frame (offset and bytesleft agree), carry the decoder's
 * payload bytes in order, and its result must be the decoder's; what it
 * queues to send must be well-formed client frames. */
static void run_endpoint(const uint8_t *data, size_t size, size_t split,
                         size_t max_chunk, int autopong) {
  ferry__wsep w;
  fz f;
  size_t off = 0, frame_done = 0;
  int r = 0, in_frame = 0, want_r;
  uint64_t want_hash;
  size_t want_used = 0;
  const char *q;

  memset(&f, 0, sizeof(f));
  f.hash = 0xcbf29ce484222325ULL;
  ferry__wsep_init(&w, autopong, 0);
  while (off <= size) {
    size_t n = size - off < split ? size - off : split, used = 0, k = 0;
    const char *d;
    r = ferry__wsep_recv(&w, (const char *)data + off, n,
                         max_chunk ? max_chunk : (in_frame ? 64 : 0), &used,
                         &d, &k);
    if (used > n)
      __builtin_trap();
    off += used;
    if (r < 0)
      break;
    if (r == 1) {
      const struct ferry_ws_frame *m = &w.meta;
      if (m->len != k || m->offset < 0 || m->bytesleft < 0 ||
          (size_t)m->offset != frame_done ||
          (max_chunk && k > max_chunk && !(m->flags & (FERRYWS_CLOSE |
                                                        FERRYWS_PING |
                                                        FERRYWS_PONG))) ||
          (autopong && (m->flags & FERRYWS_PING)))
        __builtin_trap();
      for (size_t i = 0; i < k; i++)
        mix(&f, (unsigned char)d[i]);
      frame_done += k;
      in_frame = m->bytesleft > 0;
      if (!in_frame)
        frame_done = 0;
      if (ferry__wsep_pump(&w) != 0)
        __builtin_trap();
      continue;
    }
    if (off == size)
      break;
  }
  if (ferry__wsep_pump(&w) != 0)
    __builtin_trap();
  {
    size_t n = ferry__wsep_pending(&w, &q);
    check_client_frames((const unsigned char *)q, n);
  }
  want_r = payload_hash(data, size, &want_hash, &want_used);
  if (r < 0 && r != want_r)
    __builtin_trap();
  /* without autopong every payload is handed out; a close ends what is
   * handed out, and a failure too (the bytes before it are the same) */
  if (!autopong && r >= 0 && want_r == 0 && f.hash != want_hash)
    __builtin_trap();
  if (r < 0) {
    ferry__wsep_fail(&w, r);
    if (ferry__wsep_pump(&w) != 0)
      __builtin_trap();
    {
      size_t n = ferry__wsep_pending(&w, &q);
      check_client_frames((const unsigned char *)q, n);
    }
  }
  ferry__wsep_free(&w);
}

/* The sending side, driven by the bytes as calls with flags, lengths and
 * room: whatever is refused, the queue holds only well-formed frames. */
static void run_sends(const uint8_t *data, size_t size) {
  static unsigned char payload[70000];
  ferry__wsep w;
  char err[128];
  const char *q;

  ferry__wsep_init(&w, 1, data[0] & 1);
  for (size_t i = 0; i + 4 <= size; i += 4) {
    unsigned flags = data[i] & 0x7F;
    size_t len = ((size_t)data[i + 1] << 8 | data[i + 2]) % sizeof(payload);
    size_t room = (size_t)(data[i + 3] & 0x0F) * 4096;
    size_t taken = 0;
    int64_t frag = (data[i + 3] & 0x80) ? (int64_t)len + data[i + 3] : 0;
    if ((data[i + 3] & 0x70) == 0x70) {
      /* write some of the queue out */
      size_t n = ferry__wsep_pending(&w, &q);
      ferry__wsep_wrote(&w, n / 2);
    }
    ferry__wsep_send(&w, payload, len, frag, flags, room ? room : 1, &taken,
                     err, sizeof(err));
    if (taken > len)
      __builtin_trap();
    ferry__wsep_report(&w, w.on_wire);
  }
  /* the frame the calls left half done is completed, then checked */
  while (ferry__wsep_frame_left(&w) > 0) {
    uint64_t left = ferry__wsep_frame_left(&w);
    size_t n = left > sizeof(payload) ? sizeof(payload) : (size_t)left;
    if (ferry__wsep_payload(&w, payload, n) != FERRYE_OK)
      __builtin_trap();
  }
  if (ferry__wsep_pump(&w) != 0)
    __builtin_trap();
  {
    /* what was written out is gone; check from the start of the queue
     * only when nothing was (a half-written frame cannot be parsed) */
    size_t n = ferry__wsep_pending(&w, &q);
    if (w.out_done == 0)
      check_client_frames((const unsigned char *)q, n);
  }
  ferry__wsep_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint64_t h1, h2, max_frame, max_message;
  size_t split;
  int pause, r1, r2;
  unsigned mode;

  if (size < 1)
    return 0;
  mode = data[0];
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
  run_endpoint(data, size, split, (size_t)(mode % 5) * 7, 0);
  run_endpoint(data, size, split + 3, 16, 1);
  if (size > 0)
    run_sends(data, size);
  return 0;
}

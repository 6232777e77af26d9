/* A WebSocket endpoint as libcurl's API sees it: see wsep.h. */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "wsep.h"

/* A queue that drained keeps its memory only up to this size. */
#define OUT_KEEP 4096

/* -- receiving ------------------------------------------------------------ */

/* The FERRYWS_* bits of the frame f. */
static int frame_flags(const ferry__ws_frame *f) {
  int flags;

  switch (f->message_opcode) {
  case FERRY__WS_TEXT:
    flags = FERRYWS_TEXT;
    break;
  case FERRY__WS_BINARY:
    flags = FERRYWS_BINARY;
    break;
  case FERRY__WS_CLOSE:
    return FERRYWS_CLOSE;
  case FERRY__WS_PING:
    return FERRYWS_PING;
  default:
    return FERRYWS_PONG;
  }
  return f->fin ? flags : flags | FERRYWS_CONT;
}

/* A chunk is ready: n bytes at p, at offset in the frame f. */
static int chunk_out(ferry__wsep *w, const ferry__ws_frame *f,
                     const unsigned char *p, size_t n, uint64_t offset) {
  w->meta.age = 0;
  w->meta.flags = frame_flags(f);
  w->meta.offset = (ferry_off_t)offset;
  w->meta.bytesleft = (ferry_off_t)(f->payload_len - offset - n);
  w->meta.len = n;
  w->chunk = p;
  w->chunk_len = n;
  w->chunk_ready = 1;
  return FERRY__WS_PAUSE;
}

static int is_swallowed_ping(const ferry__wsep *w, const ferry__ws_frame *f) {
  return f->opcode == FERRY__WS_PING && w->autopong;
}

static int on_frame_start(void *ud, const ferry__ws_frame *f) {
  ferry__wsep *w = ud;
  w->ctrl_len = 0;
  if (f->payload_len == 0 && !is_swallowed_ping(w, f))
    return chunk_out(w, f, w->ctrl, 0, 0);
  /* stop after the header: the payload is fed in pieces of the size the
   * owner asks for */
  return FERRY__WS_PAUSE;
}

static int on_payload(void *ud, const ferry__ws_frame *f,
                      const unsigned char *data, size_t len,
                      uint64_t offset) {
  ferry__wsep *w = ud;
  if (FERRY__WS_IS_CONTROL(f->opcode)) {
    /* the whole payload, checked (a close's status and reason) */
    memcpy(w->ctrl, data, len);
    w->ctrl_len = (unsigned char)len;
    if (is_swallowed_ping(w, f))
      return 0;
    return chunk_out(w, f, w->ctrl, len, 0);
  }
  return chunk_out(w, f, data, len, offset);
}

static int on_frame_end(void *ud, const ferry__ws_frame *f) {
  ferry__wsep *w = ud;
  if (f->opcode == FERRY__WS_PING && w->autopong) {
    /* the latest ping's payload is what the pong carries (RFC 6455 5.5.3
     * allows answering only the last of several) */
    memcpy(w->pong, w->ctrl, w->ctrl_len);
    w->pong_len = w->ctrl_len;
    w->pong_due = 1;
  } else if (f->opcode == FERRY__WS_CLOSE) {
    w->close_received = 1;
    w->close_status = f->close_status;
    if (!w->close_sent) {
      /* RFC 6455 5.5.1: answer with a close, echoing the status */
      w->close_reply_len = 0;
      if (f->close_status != 0) {
        w->close_reply[0] = (unsigned char)(f->close_status >> 8);
        w->close_reply[1] = (unsigned char)f->close_status;
        w->close_reply_len = 2;
      }
      w->close_due = 1;
    }
  }
  return 0;
}

static const ferry__ws_callbacks wsep_callbacks = {on_frame_start, on_payload,
                                                   on_frame_end};

void ferry__wsep_init(ferry__wsep *w, int autopong, int on_wire) {
  memset(w, 0, sizeof(*w));
  ferry__ws_decoder_init(&w->dec, &wsep_callbacks, w);
  ferry__ws_encoder_init(&w->enc);
  ferry__buf_init(&w->out, FERRY__WSEP_OUT_MAX);
  w->autopong = autopong != 0;
  w->on_wire = on_wire != 0;
}

void ferry__wsep_free(ferry__wsep *w) {
  ferry__buf_free(&w->out);
  w->out_off = 0;
}

int ferry__wsep_recv(ferry__wsep *w, const char *in, size_t len,
                     size_t max_chunk, size_t *consumed, const char **data,
                     size_t *n) {
  const unsigned char *p = (const unsigned char *)in;
  size_t pos = 0;

  *consumed = 0;
  *data = NULL;
  *n = 0;
  for (;;) {
    size_t feed = len - pos, used = 0;
    int r, in_data = w->dec.state == FERRY__WS_DEC_PAYLOAD &&
                     !FERRY__WS_IS_CONTROL(w->dec.frame.opcode);

    if (w->close_received) {
      /* nothing may follow the close frame: whatever does is dropped */
      *consumed = len;
      return 0;
    }
    if (in_data && w->dec.frame_left > 0) {
      if (max_chunk == 0) {
        /* the frame's description, without payload */
        const ferry__ws_frame *f = &w->dec.frame;
        chunk_out(w, f, w->ctrl, 0, f->payload_len - w->dec.frame_left);
        w->chunk_ready = 0;
        *consumed = pos;
        *data = (const char *)w->ctrl;
        return 1;
      }
      if (feed > max_chunk)
        feed = max_chunk;
    }
    w->chunk_ready = 0;
    r = ferry__ws_decode(&w->dec, p + pos, feed, &used);
    pos += used;
    if (r < 0) {
      *consumed = pos;
      return r;
    }
    if (w->chunk_ready) {
      w->chunk_ready = 0;
      *consumed = pos;
      *data = (const char *)w->chunk;
      *n = w->chunk_len;
      return 1;
    }
    if (used == 0 && pos == len && w->dec.state != FERRY__WS_DEC_FRAME_END &&
        w->dec.state != FERRY__WS_DEC_CONTROL &&
        !(w->dec.state == FERRY__WS_DEC_PAYLOAD && w->dec.frame_left == 0)) {
      /* no event left without more input */
      *consumed = pos;
      return 0;
    }
  }
}

int ferry__wsep_eof(ferry__wsep *w) {
  if (w->close_received)
    return 0;
  return ferry__ws_decode_eof(&w->dec);
}

/* -- the send queue --------------------------------------------------------- */

size_t ferry__wsep_pending(const ferry__wsep *w, const char **p) {
  *p = w->out.data != NULL ? w->out.data + w->out_off : NULL;
  return w->out.len - w->out_off;
}

void ferry__wsep_wrote(ferry__wsep *w, size_t n) {
  w->out_off += n;
  w->out_done += n;
  if (w->out_off == w->out.len) {
    w->out_off = 0;
    if (w->out.cap > OUT_KEEP)
      ferry__buf_free(&w->out); /* an idle endpoint holds no queue */
    else
      ferry__buf_reset(&w->out);
  } else if (w->out_off >= 64 * 1024 && w->out_off * 2 >= w->out.len) {
    /* move the rest to the front now and then, not at every write */
    memmove(w->out.data, w->out.data + w->out_off, w->out.len - w->out_off);
    w->out.len -= w->out_off;
    w->out.data[w->out.len] = '\0';
    w->out_off = 0;
  }
}

static size_t queued(const ferry__wsep *w) {
  return w->out.len - w->out_off;
}

/* Queue a frame's header and the first n bytes of its payload (p), all
 * or nothing: the room is made first, so that running out of memory
 * leaves the queue and the encoder as they were. FERRYE_OK,
 * FERRYE_OUT_OF_MEMORY, FERRYE_SEND_ERROR (no random bytes for the mask)
 * or FERRYE_BAD_FUNCTION_ARGUMENT (the codec refused the frame: see its
 * order rules in ws.h). */
static ferry_code queue_frame(ferry__wsep *w, unsigned opcode, int fin,
                              uint64_t len, const void *p, size_t n) {
  size_t at = w->out.len, hlen = 0;
  int r;

  if (ferry__buf_reserve(&w->out, FERRY__WS_MAX_HEADER + n) != 0)
    return FERRYE_OUT_OF_MEMORY;
  r = ferry__ws_encode_header(&w->enc, (unsigned char *)w->out.data + at,
                              FERRY__WS_MAX_HEADER, &hlen, opcode, fin, len,
                              NULL);
  if (r == FERRY__WS_ERR_RANDOM)
    return FERRYE_SEND_ERROR;
  if (r != 0)
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  if (n > 0)
    ferry__ws_encode_payload(&w->enc,
                             (unsigned char *)w->out.data + at + hlen, p, n);
  w->out.len = at + hlen + n;
  w->out.data[w->out.len] = '\0';
  w->out_total += hlen + n;
  if (opcode == FERRY__WS_CLOSE)
    w->close_sent = 1;
  return FERRYE_OK;
}

/* Queue n more payload bytes of the current frame, masked. */
static ferry_code queue_payload(ferry__wsep *w, const void *p, size_t n) {
  size_t at = w->out.len;
  if (n == 0)
    return FERRYE_OK;
  if (ferry__buf_reserve(&w->out, n) != 0)
    return FERRYE_OUT_OF_MEMORY;
  ferry__ws_encode_payload(&w->enc, (unsigned char *)w->out.data + at, p, n);
  w->out.len = at + n;
  w->out.data[w->out.len] = '\0';
  w->out_total += n;
  return FERRYE_OK;
}

int ferry__wsep_pump(ferry__wsep *w) {
  if (w->enc.frame_left > 0)
    return 0; /* inside a frame of the application: wait for its end */
  if (w->pong_due && !w->close_sent) {
    if (queue_frame(w, FERRY__WS_PONG, 1, w->pong_len, w->pong, w->pong_len) ==
        FERRYE_OUT_OF_MEMORY)
      return -1;
  }
  w->pong_due = 0;
  if (w->close_due && !w->close_sent) {
    if (queue_frame(w, FERRY__WS_CLOSE, 1, w->close_reply_len, w->close_reply,
                    w->close_reply_len) == FERRYE_OUT_OF_MEMORY)
      return -1;
  }
  w->close_due = 0;
  return 0;
}

void ferry__wsep_fail(ferry__wsep *w, int code) {
  unsigned status = (unsigned)ferry__ws_close_status(code);
  w->pong_due = 0;
  if (status == 0 || w->close_sent || w->enc.frame_left > 0)
    return;
  w->close_reply[0] = (unsigned char)(status >> 8);
  w->close_reply[1] = (unsigned char)status;
  w->close_reply_len = 2;
  w->close_due = 1;
}

int ferry__wsep_closed(const ferry__wsep *w) {
  return w->close_received && w->close_sent && queued(w) == 0;
}

uint64_t ferry__wsep_frame_left(const ferry__wsep *w) {
  return w->enc.frame_left;
}

int ferry__wsep_frame_queued(const ferry__wsep *w) {
  return w->out_done < w->frame_end;
}

size_t ferry__wsep_report(ferry__wsep *w, int on_wire) {
  size_t n = w->unreported;
  if (on_wire && w->unreported_end > w->out_done) {
    uint64_t waiting = w->unreported_end - w->out_done;
    n = waiting >= n ? 0 : n - (size_t)waiting;
  }
  w->unreported -= n;
  return n;
}

/* -- the application's frames ---------------------------------------------- */

static void set_err(char *errbuf, size_t errlen, const char *text) {
  if (errlen > 0)
    snprintf(errbuf, errlen, "WebSocket: %s", text);
}

/* libcurl's mapping of curl_ws_send's flags to an opcode and FIN, given
 * whether a fragmented message is open (its TEXT or BINARY is repeated on
 * every fragment; without one, a CONT alone continues it). */
static ferry_code flags_to_opcode(const ferry__wsep *w, unsigned flags,
                                  unsigned *opcode, int *fin, char *errbuf,
                                  size_t errlen) {
  int open = w->enc.in_message;

  *fin = 1;
  switch (flags & ~(unsigned)FERRYWS_OFFSET) {
  case 0:
    if (!open)
      break;
    *opcode = FERRY__WS_CONT; /* as libcurl, for compatibility */
    return FERRYE_OK;
  case FERRYWS_CONT:
    if (!open) {
      set_err(errbuf, errlen, "CONT without a fragmented message to go on "
                              "with");
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    }
    *opcode = FERRY__WS_CONT;
    *fin = 0;
    return FERRYE_OK;
  case FERRYWS_TEXT:
  case FERRYWS_BINARY:
    *opcode = open ? FERRY__WS_CONT
              : flags & FERRYWS_TEXT ? FERRY__WS_TEXT
                                     : FERRY__WS_BINARY;
    return FERRYE_OK;
  case FERRYWS_TEXT | FERRYWS_CONT:
  case FERRYWS_BINARY | FERRYWS_CONT:
    *opcode = open ? FERRY__WS_CONT
              : flags & FERRYWS_TEXT ? FERRY__WS_TEXT
                                     : FERRY__WS_BINARY;
    *fin = 0;
    return FERRYE_OK;
  case FERRYWS_CLOSE:
    *opcode = FERRY__WS_CLOSE;
    return FERRYE_OK;
  case FERRYWS_PING:
    *opcode = FERRY__WS_PING;
    return FERRYE_OK;
  case FERRYWS_PONG:
    *opcode = FERRY__WS_PONG;
    return FERRYE_OK;
  case FERRYWS_CLOSE | FERRYWS_CONT:
  case FERRYWS_PING | FERRYWS_CONT:
  case FERRYWS_PONG | FERRYWS_CONT:
    set_err(errbuf, errlen, "a control frame cannot be fragmented (CONT)");
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  default:
    if (errlen > 0)
      snprintf(errbuf, errlen, "WebSocket: unknown flags 0x%x", flags);
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  }
  set_err(errbuf, errlen, "no flags given");
  return FERRYE_BAD_FUNCTION_ARGUMENT;
}

/* Check a new frame of the application and queue what is owed before it:
 * *opcode and *fin for it. */
static ferry_code new_frame(ferry__wsep *w, unsigned flags, int64_t len,
                            unsigned *opcode, int *fin, char *errbuf,
                            size_t errlen) {
  ferry_code rc;

  if (len < 0) {
    set_err(errbuf, errlen, "a frame of negative length");
    return FERRYE_SEND_ERROR;
  }
  rc = flags_to_opcode(w, flags, opcode, fin, errbuf, errlen);
  if (rc != FERRYE_OK)
    return rc;
  if (FERRY__WS_IS_CONTROL(*opcode) && len > FERRY__WS_MAX_CONTROL) {
    set_err(errbuf, errlen, "a control frame of more than 125 bytes");
    return FERRYE_TOO_LARGE;
  }
  if (w->enc.closed) {
    set_err(errbuf, errlen, "a close frame was sent: no frame may follow");
    return FERRYE_SEND_ERROR;
  }
  /* the application's own close answers the server's: none is owed then */
  if (*opcode == FERRY__WS_CLOSE)
    w->close_due = 0;
  if (ferry__wsep_pump(w) != 0)
    return FERRYE_OUT_OF_MEMORY;
  return FERRYE_OK;
}

/* Queue the header of a new frame of the application and the first n
 * bytes of its payload. */
static ferry_code begin_frame(ferry__wsep *w, unsigned opcode, int fin,
                              int64_t len, const void *p, size_t n,
                              char *errbuf, size_t errlen) {
  ferry_code rc = queue_frame(w, opcode, fin, (uint64_t)len, p, n);
  if (rc == FERRYE_BAD_FUNCTION_ARGUMENT)
    set_err(errbuf, errlen, "the frame does not fit the message's order");
  if (rc != FERRYE_OK)
    return rc;
  w->frames_started++;
  w->frame_end = w->out_total;
  return FERRYE_OK;
}

/* How many more bytes the queue takes under room. */
static size_t room_left(const ferry__wsep *w, size_t room) {
  size_t have = queued(w);
  return have >= room ? 0 : room - have;
}

ferry_code ferry__wsep_send(ferry__wsep *w, const void *buf, size_t len,
                            int64_t fragsize, unsigned flags, size_t room,
                            size_t *taken, char *errbuf, size_t errlen) {
  const char *p = buf;
  size_t more, k;
  ferry_code rc;

  *taken = 0;
  if (errlen > 0)
    errbuf[0] = '\0';
  if (w->unreported > 0 || w->enc.frame_left > 0 ||
      (w->on_wire && ferry__wsep_frame_queued(w))) {
    /* the frame being sent goes on: buf starts at its first payload byte
     * not reported as sent */
    if (len < w->unreported) {
      if (errlen > 0)
        snprintf(errbuf, errlen,
                 "WebSocket: %zu bytes given, fewer than the %zu of the "
                 "frame taken already",
                 len, w->unreported);
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    }
    more = len - w->unreported;
    if (more > w->enc.frame_left) {
      if (errlen > 0)
        snprintf(errbuf, errlen,
                 "WebSocket: %zu bytes given, more than the %llu the frame "
                 "has left",
                 more, (unsigned long long)w->enc.frame_left);
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    }
    k = room_left(w, room);
    if (k > more)
      k = more;
    rc = queue_payload(w, p + w->unreported, k);
    if (rc != FERRYE_OK)
      return rc;
    if (k > 0)
      w->frame_end = w->out_total;
  } else {
    int64_t flen = (flags & FERRYWS_OFFSET) ? fragsize : (int64_t)len;
    unsigned opcode = 0;
    int fin = 1;
    if ((flags & FERRYWS_OFFSET) && flen >= 0 &&
        (uint64_t)len > (uint64_t)flen) {
      set_err(errbuf, errlen, "more payload than the frame's length");
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    }
    rc = new_frame(w, flags, flen, &opcode, &fin, errbuf, errlen);
    if (rc != FERRYE_OK)
      return rc;
    if (queued(w) >= room)
      return FERRYE_AGAIN;
    k = room_left(w, room);
    if (k > len)
      k = len;
    rc = begin_frame(w, opcode, fin, flen, p, k, errbuf, errlen);
    if (rc != FERRYE_OK)
      return rc;
  }
  if (k > 0) {
    w->unreported += k;
    w->unreported_end = w->out_total;
  }
  *taken = k;
  return FERRYE_OK;
}

ferry_code ferry__wsep_send_raw(ferry__wsep *w, const void *buf, size_t len,
                                size_t room, size_t *taken) {
  size_t have = queued(w), k = have >= room ? 0 : room - have;
  const char *p = buf;

  *taken = 0;
  if (w->unreported > 0) {
    /* the bytes taken before and not reported are the start of buf */
    if (len < w->unreported)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    p += w->unreported;
    len -= w->unreported;
  }
  if (k > len)
    k = len;
  if (k > 0) {
    if (ferry__buf_add(&w->out, p, k) != 0)
      return FERRYE_OUT_OF_MEMORY;
    w->out_total += k;
    w->unreported += k;
    w->unreported_end = w->out_total;
    w->frame_end = w->out_total;
  }
  *taken = k;
  return FERRYE_OK;
}

ferry_code ferry__wsep_start_frame(ferry__wsep *w, unsigned flags,
                                   int64_t frame_len, char *errbuf,
                                   size_t errlen) {
  unsigned opcode = 0;
  int fin = 1;
  ferry_code rc;

  if (errlen > 0)
    errbuf[0] = '\0';
  if (w->enc.frame_left > 0) {
    set_err(errbuf, errlen, "the previous frame is not complete");
    return FERRYE_SEND_ERROR;
  }
  rc = new_frame(w, flags & ~(unsigned)FERRYWS_OFFSET, frame_len, &opcode,
                 &fin, errbuf, errlen);
  if (rc != FERRYE_OK)
    return rc;
  return begin_frame(w, opcode, fin, frame_len, NULL, 0, errbuf, errlen);
}

ferry_code ferry__wsep_payload(ferry__wsep *w, const void *p, size_t n) {
  ferry_code rc;
  if (n > w->enc.frame_left)
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  rc = queue_payload(w, p, n);
  if (rc == FERRYE_OK)
    w->frame_end = w->out_total;
  return rc;
}

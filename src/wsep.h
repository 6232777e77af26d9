/* A WebSocket endpoint as libcurl's API sees it, sans-IO.
 *
 * The codec (ws.h) reads and writes frames. An endpoint adds what
 * curl_ws_send, curl_ws_recv, curl_ws_start_frame and curl_ws_meta mean on
 * top of it, for one connection:
 *
 *  - receiving: frames are cut into chunks for the application, each
 *    described by a struct ferry_ws_frame (its kind, where it sits in its
 *    frame, what is left of it), a data chunk never longer than the caller
 *    asks; a ping is answered with a pong (unless autopong is off) and not
 *    handed out; a close frame is handed out, then answered with a close of
 *    the same status unless the application closed first;
 *  - sending: the application's flags become opcodes as libcurl maps them
 *    (TEXT or BINARY on every fragment of a message, CONT on all but the
 *    last), frames and their masked payload go into one queue of bytes for
 *    the wire, with a cap, and the count of payload bytes to report as sent
 *    follows libcurl's rule for partial sends; control frames the endpoint
 *    owes (pongs, the close reply) wait for a frame boundary.
 *
 * Nothing here reads or writes a socket: the owner feeds received bytes
 * in, writes the queue out and says how much went (wssession.c for a
 * connection in the engine, websocket.c for a CONNECT_ONLY one). Nothing
 * here calls back either: the owner pulls chunks one at a time.
 *
 * Memory: the queue (ferry__buf, capped) is the only allocation; it is
 * freed when it drains, so an idle endpoint holds none.
 */
#ifndef FERRY_WSEP_H
#define FERRY_WSEP_H

#include <stddef.h>
#include <stdint.h>

#include "ferry.h"
#include "buf.h"
#include "ws.h"

/* The most bytes the send queue ever holds (a frame taken whole from
 * inside a callback, with the control frames around it). */
#define FERRY__WSEP_OUT_MAX ((size_t)64 * 1024 * 1024)

typedef struct ferry__wsep {
  ferry__ws_decoder dec;
  ferry__ws_encoder enc;

  /* -- sending -- */
  ferry__buf out;           /* encoded bytes; out.data[out_off..len) wait */
  size_t out_off;
  uint64_t out_total;       /* bytes ever queued */
  uint64_t out_done;        /* ... and written */
  size_t unreported;        /* the application's payload bytes queued and
                               not reported as sent yet */
  uint64_t unreported_end;  /* where they end, in out_total's count */
  uint64_t frame_end;       /* where the application's last frame (so far)
                               ends, in out_total's count */
  unsigned frames_started;  /* frames the application started (a counter
                               the owner compares around a read callback) */
  unsigned char pong[FERRY__WS_MAX_CONTROL]; /* the pong owed */
  unsigned char pong_len;
  unsigned char close_reply[2];             /* the close reply owed */
  unsigned char close_reply_len;
  unsigned pong_due : 1;
  unsigned close_due : 1;
  unsigned close_sent : 1;  /* a close frame is queued or out */

  /* -- receiving -- */
  struct ferry_ws_frame meta; /* the chunk handed out last */
  unsigned char ctrl[FERRY__WS_MAX_CONTROL]; /* a control frame's payload */
  unsigned char ctrl_len;
  unsigned close_received : 1;
  uint16_t close_status;    /* the server's close status; 0: none (1005) */
  /* the decoder's last event, for ferry__wsep_recv */
  unsigned char chunk_ready;
  const unsigned char *chunk;
  size_t chunk_len;

  /* -- settings -- */
  unsigned autopong : 1;    /* answer pings (FERRYWS_NOAUTOPONG clears) */
  unsigned on_wire : 1;     /* sends are reported once written (CONNECT_ONLY,
                               as libcurl): until the application's frame
                               is out, the next send continues it */
} ferry__wsep;

/* Set up an endpoint (w: any memory). autopong: answer pings by itself;
 * on_wire: see the field. Nothing is allocated yet. */
void ferry__wsep_init(ferry__wsep *w, int autopong, int on_wire);
/* Free the send queue. */
void ferry__wsep_free(ferry__wsep *w);

/* -- receiving ---------------------------------------------------------- */

/* Decode from in (len bytes) up to the next chunk for the application.
 * Sets *consumed. Returns
 *   1: a chunk: *data and *n (valid until the next call on w or until in
 *      changes), described by w->meta. A data chunk holds at most max_chunk
 *      bytes; with max_chunk 0 and payload of a data frame to come, the
 *      chunk is empty and w->meta tells of the frame (its bytesleft). A
 *      frame without payload is one empty chunk.
 *   0: all of in was taken and no chunk is ready: more input is needed.
 *   a negative FERRY__WS_ERR_*: the server broke the protocol
 *      (w->dec.errmsg says how); ferry__wsep_fail() queues the close frame
 *      that says so. The endpoint stays failed.
 * Pings are answered, when autopong is on, and not handed out. A close
 * frame is handed out; at the next call close_received is set and, unless
 * the application queued a close of its own meanwhile, a close with the
 * same status is owed (ferry__wsep_pump queues it). Bytes after the close
 * frame are taken and dropped. */
int ferry__wsep_recv(ferry__wsep *w, const char *in, size_t len,
                     size_t max_chunk, size_t *consumed, const char **data,
                     size_t *n);

/* The connection's input ended. 0 when the server's close frame came,
 * else the codec's FERRY__WS_ERR_EOF_* for where the stream broke off. */
int ferry__wsep_eof(ferry__wsep *w);

/* The server broke the protocol with code (a FERRY__WS_ERR_*): owe the
 * close frame RFC 6455 asks for (1002, 1007, 1009), if the code has one,
 * no close went yet, and no frame of the application is half queued. */
void ferry__wsep_fail(ferry__wsep *w, int code);

/* -- sending ------------------------------------------------------------ */

/* Take bytes of the application's frame, as curl_ws_send: a new frame
 * (flags say which kind; with FERRYWS_OFFSET fragsize is its whole length
 * and buf the first part, else buf is all of it) or, while a frame is
 * being sent, more of it (flags ignored: len counts from the first payload
 * byte not reported as sent yet, and must cover those). Payload goes into
 * the queue while it holds fewer than room bytes. Control frames owed go
 * first, at the frame boundary. *taken: payload bytes of buf queued by
 * this call (the owner reports with ferry__wsep_report).
 * FERRYE_OK; FERRYE_AGAIN when a new frame finds the queue full (nothing
 * taken); FERRYE_BAD_FUNCTION_ARGUMENT (no or unknown flags, CONT without
 * a message, a fragmented control frame, more or less payload than the
 * frame has), FERRYE_TOO_LARGE (a control frame over 125 bytes),
 * FERRYE_SEND_ERROR (a negative length, a frame after a close frame),
 * FERRYE_OUT_OF_MEMORY; the text in errbuf. */
ferry_code ferry__wsep_send(ferry__wsep *w, const void *buf, size_t len,
                            int64_t fragsize, unsigned flags, size_t room,
                            size_t *taken, char *errbuf, size_t errlen);
/* The same for FERRYWS_RAW_MODE: buf is queued as it is (the application
 * frames and masks). */
ferry_code ferry__wsep_send_raw(ferry__wsep *w, const void *buf, size_t len,
                                size_t room, size_t *taken);
/* curl_ws_start_frame: queue the header of a frame of frame_len bytes
 * whose payload comes later (ferry__wsep_payload, or ferry__wsep_send
 * continuing it). Errors as ferry__wsep_send's, and FERRYE_SEND_ERROR
 * while a frame's payload is incomplete. */
ferry_code ferry__wsep_start_frame(ferry__wsep *w, unsigned flags,
                                   int64_t frame_len, char *errbuf,
                                   size_t errlen);
/* Payload of the frame being sent, n bytes (at most what it has left),
 * queued whole. FERRYE_OK or FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__wsep_payload(ferry__wsep *w, const void *p, size_t n);
/* Bytes left of the frame being sent (0: at a frame boundary). */
uint64_t ferry__wsep_frame_left(const ferry__wsep *w);

/* How many of the application's payload bytes to report as sent now, and
 * forget them: with on_wire (CONNECT_ONLY, as libcurl) those written out,
 * else all queued (the engine writes the queue out by itself). */
size_t ferry__wsep_report(ferry__wsep *w, int on_wire);
/* Are bytes of the application's last frame still queued (on_wire: the
 * next ferry_ws_send continues it)? */
int ferry__wsep_frame_queued(const ferry__wsep *w);

/* Queue the control frames owed (a pong, the close reply), if no frame of
 * the application is half queued. 0, or -1 when out of memory. */
int ferry__wsep_pump(ferry__wsep *w);
/* The bytes waiting for the wire: *p and the count (0: none). */
size_t ferry__wsep_pending(const ferry__wsep *w, const char **p);
/* n of them were written. */
void ferry__wsep_wrote(ferry__wsep *w, size_t n);
/* Has the close handshake completed: a close each way, ours written? */
int ferry__wsep_closed(const ferry__wsep *w);

#endif

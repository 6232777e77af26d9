/* The WebSocket session: a connection that switched to WebSocket (RFC
 * 6455) after its HTTP/1.1 upgrade, in libcurl's callback mode.
 *
 * It takes over the connection and the transfer's stream from the
 * HTTP/1.1 session (ferry__h1_session_upgrade) and from then on:
 *  - reads frames as they arrive, with the endpoint of wsep.h, and hands
 *    each chunk of a frame to the stream's owner (hooks below), which
 *    gives it to the application's write callback; an owner that pauses
 *    gets the same chunk again when it resumes;
 *  - writes what the endpoint queues: the application's frames
 *    (ferry__ws_session_send, from inside callbacks or not), frames read
 *    through the stream's read_body hook when the transfer uploads
 *    (libcurl's READFUNCTION model, with ferry__ws_session_start_frame),
 *    the pongs and the close reply it owes;
 *  - fails the connection with the close status RFC 6455 asks for when the
 *    server breaks the protocol;
 *  - ends the stream when the server closes the connection: FERRYE_OK
 *    after a close frame or between messages, FERRYE_RECV_ERROR inside a
 *    frame or a fragmented message.
 * Its socket is watched for input while the application takes what comes,
 * and for output only while bytes wait: an idle WebSocket costs a watched
 * socket and nothing else. The connection is never reused.
 *
 * It uses the stream's hooks (session.h) for what they are: read_body for
 * uploads, body for the bytes of FERRYWS_RAW_MODE, allowance for the speed
 * caps, sent and received for counts and traces, after_io, done. Nothing
 * here knows easy handles or the multi.
 */
#ifndef FERRY_WSSESSION_H
#define FERRY_WSSESSION_H

#include <stdint.h>

#include "ferry.h"
#include "buf.h"
#include "session.h"

/* The queue a send from outside a callback fills before it reports
 * FERRYE_AGAIN (inside a callback a frame is taken whole, up to
 * FERRY__WSEP_OUT_MAX, as libcurl's blocking send there takes it whole). */
#define FERRY__WS_SEND_ROOM (64 * 1024)

typedef struct ferry__ws_session_hooks {
  /* A chunk of a frame for the application, meta describing it (n may be
   * 0: a frame without payload). FERRYE_OK when it was taken;
   * FERRYE_AGAIN when receiving is paused and it was not (the session
   * keeps it, stops reading, and gives it again when resumed); any other
   * code ends the stream (the owner has set its text). */
  ferry_code (*chunk)(void *ud, const struct ferry_ws_frame *meta,
                      const char *p, size_t n);
  /* The close handshake is complete (a close frame each way, ours
   * written): the session waits for the server to close the connection,
   * which ends the stream with FERRYE_OK. The owner may end it sooner
   * (a deadline), also with FERRYE_OK. */
  void (*closed)(void *ud);
} ferry__ws_session_hooks;

typedef struct ferry__ws_session_config {
  int raw;      /* FERRYWS_RAW_MODE: bytes go through unframed, both ways */
  int autopong; /* answer pings (not with FERRYWS_NOAUTOPONG) */
  int upload;   /* send what the stream's read_body gives */
} ferry__ws_session_config;

/* Make connection c (connected, with no session: see
 * ferry__h1_session_upgrade) a WebSocket session carrying st, the stream
 * whose request switched it. rest: the bytes read past the 101, taken over
 * (rest is left empty, also on failure). Its socket is watched for input;
 * the owner should resume the stream soon (ferry__stream_resume) so that
 * rest, and what TLS holds already, are read without waiting for a socket
 * event. FERRYE_OK or FERRYE_OUT_OF_MEMORY (nothing changed but rest). */
ferry_code ferry__ws_session_start(ferry__conn *c, ferry__stream *st,
                                   const ferry__ws_session_hooks *hooks,
                                   void *ud,
                                   const ferry__ws_session_config *cfg,
                                   ferry__buf *rest);

/* Is s a WebSocket session? */
int ferry__session_is_ws(const ferry__session *s);

/* curl_ws_send on the session (see ferry__wsep_send; RAW_MODE: buf as it
 * is): the frame's bytes are queued (up to FERRY__WS_SEND_ROOM waiting,
 * or with in_callback a whole frame) and written as the socket takes
 * them, now and later without the caller; *sent counts the payload bytes
 * taken. FERRYE_OK (perhaps a part: call again with the rest),
 * FERRYE_AGAIN (nothing taken: the queue is full), the errors of
 * ferry__wsep_send, FERRYE_SEND_ERROR when the connection failed (text in
 * errbuf). Never calls the stream's owner. */
ferry_code ferry__ws_session_send(ferry__session *s, const void *buf,
                                  size_t len, int64_t fragsize,
                                  unsigned flags, int in_callback,
                                  size_t *sent, char *errbuf, size_t errlen);
/* curl_ws_start_frame on the session (see ferry__wsep_start_frame). */
ferry_code ferry__ws_session_start_frame(ferry__session *s, unsigned flags,
                                         int64_t frame_len, char *errbuf,
                                         size_t errlen);

#endif

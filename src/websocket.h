/* WebSocket transfers: a ws:// or wss:// URL, its opening handshake, and
 * libcurl's two ways to use the connection that follows (the public
 * ferry_ws_* functions live here too).
 *
 * A ws hop sends an HTTP/1.1 GET with the RFC 6455 upgrade headers (the
 * key made here, http.c and h1.c write them). The response is checked as
 * it comes: a 101 must pass the handshake checks of ws.h
 * (FERRYE_WEIRD_SERVER_REPLY if not); another final answer is a redirect
 * or an authentication retry to follow, or else a refusal
 * (FERRYE_HTTP_RETURNED_ERROR, "Refused WebSocket upgrade: N", as
 * libcurl). After the 101:
 *  - CONNECT_ONLY 2: the transfer ends with FERRYE_OK and the connection
 *    is handed to the application (raw.h) with an endpoint (wsep.h) that
 *    ferry_ws_recv and ferry_ws_send run over it;
 *  - otherwise: the connection becomes a WebSocket session (wssession.h)
 *    carrying the transfer's stream, and each chunk of a frame goes to the
 *    write callback with ferry_ws_meta describing it. The transfer ends
 *    when the server closes the connection (or, after the close
 *    handshake, after FERRY__WS_LINGER_MS at most).
 */
#ifndef FERRY_WEBSOCKET_H
#define FERRY_WEBSOCKET_H

#include "ferry.h"
#include "buf.h"
#include "ws.h"
#include "wsep.h"

/* After the close handshake (a close frame each way), how long the
 * server has to close the connection before ferry ends the transfer
 * (FERRYE_OK) and closes it itself (RFC 6455 7.1.1 lets the client close
 * after a while). */
#define FERRY__WS_LINGER_MS 2000

struct ferry_easy;

typedef struct ferry__wsx {
  char key[FERRY__WS_KEY_SIZE];   /* this hop's Sec-WebSocket-Key */
  ferry__ws_handshake hs;         /* the check of the response */
  unsigned switched : 1;          /* the 101 came and was taken */
  unsigned in_write : 1;          /* the write callback runs: meta holds */
  struct ferry_ws_frame meta;     /* the chunk the write callback has */
  /* callback mode: the transfer's layer, told when the close handshake
   * is done and the transfer's deadline moved (e->ws_linger_ms) */
  void (*deadline_changed)(struct ferry_easy *e);
  /* CONNECT_ONLY: the endpoint over the handed-over connection, bytes
   * read and not decoded yet, and a control frame's payload handed out
   * in parts (to a small buffer) */
  ferry__wsep *ep;
  ferry__buf in;
  size_t in_off;
  struct ferry_ws_frame ctrl_meta;
  unsigned char ctrl[FERRY__WS_MAX_CONTROL];
  size_t ctrl_len, ctrl_off;
} ferry__wsx;

/* Is the transfer's current hop ws:// or wss://? */
int ferry__ws_hop(const struct ferry_easy *e);
/* A new ws hop: a fresh key, the handshake check set up (e->ws made when
 * there is none). FERRYE_OK, FERRYE_OUT_OF_MEMORY, FERRYE_FAILED_INIT (no
 * random bytes). */
ferry_code ferry__ws_prepare(struct ferry_easy *e);
/* Free e->ws (and a CONNECT_ONLY endpoint). */
void ferry__ws_free(struct ferry_easy *e);
/* A line of the response's header section (the status line and blank line
 * are ignored). */
void ferry__ws_header_line(struct ferry_easy *e, const char *line, size_t len);
/* An interim (1xx) response ended: the next section is checked afresh. */
void ferry__ws_interim(struct ferry_easy *e);
/* The final response's header section ended with status: FERRYE_OK for a
 * 101 that completes the handshake, or for another status the transfer
 * follows (e->follow), else FERRYE_WEIRD_SERVER_REPLY or
 * FERRYE_HTTP_RETURNED_ERROR with e->errtext set. */
ferry_code ferry__ws_response(struct ferry_easy *e, int status);
/* CONNECT_ONLY: make the endpoint ferry_ws_send and ferry_ws_recv run over
 * e->raw (before the connection is adopted). FERRYE_OK or
 * FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__ws_connect_only(struct ferry_easy *e);
/* Callback mode: turn the transfer's connection (no session on it any
 * more: ferry__h1_session_upgrade) into a WebSocket session carrying its
 * stream, with rest (taken) read first. deadline_changed is called when
 * the close handshake is done and e->ws_linger_ms set, for the caller to
 * put the transfer in the timer heap again. FERRYE_OK or
 * FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__ws_begin_session(struct ferry_easy *e, ferry__buf *rest,
                                   void (*deadline_changed)(
                                       struct ferry_easy *e));

#endif

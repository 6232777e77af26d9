/* The scripted WebSocket test server (RFC 6455, the server side).
 *
 * Like the scripted HTTP server (server.h): its own thread and uv loop,
 * listening on 127.0.0.1 at a port the kernel picks, a script of steps per
 * connection, everything received recorded exactly, and a stop that checks
 * that the loop closes with no handle left. With a certificate and key in
 * the config it speaks TLS (mbedTLS, TLS 1.2) on every connection; all that
 * is recorded and scripted is then the plaintext inside.
 *
 * The opening handshake: a HANDSHAKE step reads the client's request up to
 * its blank line, records it, checks it (GET, Upgrade: websocket,
 * Connection: upgrade, Sec-WebSocket-Version: 13, a key that is base64 of
 * 16 bytes) and answers 101 with the right Sec-WebSocket-Accept and the
 * subprotocol the step names (by default the first one the client offered),
 * or the fault the step asks for. A request that fails the checks is
 * answered 400 (426 for another version), its error is kept
 * (wsserver_handshake_error()), and the connection is closed.
 *
 * After a 101, every frame the client sends is parsed as it arrives and
 * recorded (FIN, RSV, opcode, whether it was masked, the key, the unmasked
 * payload), and each complete data message is recorded too. A ping is
 * answered with a pong of the same payload at once, unless the config says
 * no_autopong (a pong never cuts into a frame the server is sending in
 * pieces: it waits for the frame's last piece). Nothing else happens on its
 * own: a close frame from the client is answered only by a step that waits
 * for it (ECHO, WAIT_CLOSE, CLOSE).
 *
 * Closing: FIN, CLOSE, WAIT_CLOSE and the end of ECHO send FIN once the
 * queued writes are out (after a TLS close_notify), then go on reading,
 * and recording, until the client closes its end; RFC 6455 has the server
 * close the TCP connection first. When a script ends without such a step,
 * the connection stays open until the client closes it or the server stops.
 * If the client closes (EOF) or resets while a step waits, the script
 * stops.
 *
 * Records and counters change before the server sends anything in answer
 * to what they count (the 101 after WSS_HANDSHAKES, a pong after
 * WSS_PINGS_ANSWERED, an echo after the frame and message records), so a
 * client that has seen the answer can read them without waiting.
 *
 * Every function may be called from any thread but the server's own.
 * Memory: test code, so an allocation failure aborts.
 */
#ifndef FERRY_TEST_WSSERVER_H
#define FERRY_TEST_WSSERVER_H

#include <stddef.h>
#include <stdint.h>

typedef struct wsserver wsserver;

typedef enum {
  /* Read the opening handshake and answer it (see the head comment). The
   * step's fields: status (not 0: answer this status and no 101, with an
   * empty body), accept (send this Sec-WebSocket-Accept instead of the
   * right one), protocol (NULL: the first offered subprotocol, if any; "":
   * none; else this one, offered or not), headers (more header lines, each
   * with its "\r\n"), data (send these exact bytes as the whole response
   * instead; a WebSocket only if they begin "HTTP/1.1 101"). */
  WSS_HANDSHAKE,
  /* Read and record the opening handshake, answer nothing, go on. A script
   * of this step alone is a server that never answers. */
  WSS_READ_REQUEST,
  /* Echo each data message the client sends (and has sent, not yet echoed)
   * as one frame of its own opcode, until the client's close frame, which
   * is answered with a close of the same status (none if it had none);
   * then FIN. */
  WSS_ECHO,
  /* Send one frame, built as told: opcode (0..15, any value), FIN unless
   * no_fin, the RSV bits rsv (0..7; 4 is RSV1), masked with the key
   * 37 fa 21 3d if masked, the payload data/len, the length field saying
   * length instead of len if length is not 0. cut (not 0) sends only the
   * first cut bytes of the frame. piece (not 0) sends it in writes of that
   * many bytes with delay_ms between them. */
  WSS_SEND_FRAME,
  /* Send data/len as they are, in pieces like SEND_FRAME. */
  WSS_SEND_RAW,
  /* Send a ping with payload data/len (at most 125 bytes). */
  WSS_PING,
  /* Wait for a pong from the client that came after the last PING (it may
   * have come already). A pong whose payload equals the last ping's counts
   * WSS_PONGS_MATCHED. */
  WSS_WAIT_PONG,
  /* Wait until the client has sent n more complete data messages. */
  WSS_WAIT_MESSAGES,
  /* Send a close frame with status (0: none) and reason data/len, then
   * wait for the client's close frame and send FIN. A client close with
   * the same status counts WSS_CLOSE_ECHOED. */
  WSS_CLOSE,
  /* Wait for the client's close frame, answer it with a close of the same
   * status (none if it had none), then send FIN. */
  WSS_WAIT_CLOSE,
  /* Wait delay_ms. */
  WSS_DELAY,
  /* Send FIN once the queued writes are out. Later steps can still wait
   * for what the client sends. */
  WSS_FIN,
  /* Reset the connection (SO_LINGER 0 and close) once the queued writes
   * are out; the script ends here. */
  WSS_RESET,
  /* Stop reading from the client for delay_ms (its writes then fill the
   * socket buffers: back-pressure), then read on. */
  WSS_HOLD_READS
} wss_action;

typedef struct wss_step {
  wss_action action;
  const char *data; /* payload, raw bytes, close reason or response; copied */
  size_t len;       /* with data: 0 means strlen(data) */
  unsigned opcode;  /* SEND_FRAME */
  int no_fin;       /* SEND_FRAME: FIN=0 */
  unsigned rsv;     /* SEND_FRAME: RSV1..3 as bits 2..0 */
  int masked;       /* SEND_FRAME */
  uint64_t length;  /* SEND_FRAME: the length field, if not 0 */
  size_t cut;       /* SEND_FRAME: send only this many bytes, if not 0 */
  size_t piece;     /* SEND_FRAME, SEND_RAW: write size, 0: one write */
  unsigned delay_ms; /* between pieces; DELAY's time */
  unsigned status;  /* CLOSE: close status; HANDSHAKE: HTTP status */
  unsigned n;       /* WAIT_MESSAGES */
  const char *accept;   /* HANDSHAKE */
  const char *protocol; /* HANDSHAKE */
  const char *headers;  /* HANDSHAKE */
} wss_step;

typedef struct wsserver_config {
  const char *cert, *key; /* PEM files: serve TLS when both are set */
  int no_autopong;        /* leave the client's pings unanswered */
} wsserver_config;

typedef enum {
  WSS_CONNECTIONS,     /* accepted */
  WSS_HANDSHAKES,      /* 101 answers sent */
  WSS_FRAMES,          /* frames received from clients */
  WSS_MESSAGES,        /* complete data messages received */
  WSS_PINGS_ANSWERED,  /* pongs sent for the client's pings */
  WSS_PONGS,           /* pongs received */
  WSS_PONGS_MATCHED,   /* pongs whose payload was the last ping's */
  WSS_CLOSES_RECEIVED, /* close frames received */
  WSS_CLOSE_ECHOED,    /* CLOSE steps answered with the same status */
  WSS_SCRIPTS_DONE,    /* scripts that ran to their end */
  WSS_CLOSED,          /* connections closed, by either side */
  WSS_STAT_COUNT
} wsserver_stat;

/* A frame the client sent. */
typedef struct wss_frame {
  unsigned fin, rsv, opcode, masked;
  unsigned char mask[4];
  unsigned char *payload; /* unmasked, malloc'd, a NUL after it */
  size_t len;
} wss_frame;

/* Start a server; cfg may be NULL (plain TCP, pongs answered), its strings
 * are copied. Returns NULL on failure (a message on stderr). */
wsserver *wsserver_start(const wsserver_config *cfg);

/* The port, in host byte order. */
int wsserver_port(const wsserver *s);

/* The script for the conn_index-th accepted connection (0-based), or for
 * every connection without one of its own. Steps and their strings are
 * copied. Set it before that connection is accepted. */
void wsserver_script(wsserver *s, unsigned conn_index, const wss_step *steps,
                     size_t nsteps);
void wsserver_default_script(wsserver *s, const wss_step *steps,
                             size_t nsteps);

unsigned wsserver_get(wsserver *s, wsserver_stat which);

/* Block until the counter reaches n, or timeout_ms passes. 0 when
 * reached, -1 on timeout. */
int wsserver_wait(wsserver *s, wsserver_stat which, unsigned n,
                  unsigned timeout_ms);

/* The conn_index-th connection's opening handshake request, exactly (up to
 * and including its blank line); all it received (plaintext); each
 * malloc'd with a NUL after (the caller frees), the length in *len. NULL
 * if there is no such connection or request yet. */
char *wsserver_request(wsserver *s, unsigned conn_index, size_t *len);
char *wsserver_received(wsserver *s, unsigned conn_index, size_t *len);

/* Why the conn_index-th connection's handshake request was refused:
 * malloc'd text (the caller frees), or NULL if it was not. */
char *wsserver_handshake_error(wsserver *s, unsigned conn_index);

/* The number of frames the conn_index-th connection received, and a copy
 * of the index-th (0 on success, -1 if there is none). Free a copy with
 * wsserver_frame_free(). */
unsigned wsserver_frames(wsserver *s, unsigned conn_index);
int wsserver_frame(wsserver *s, unsigned conn_index, unsigned index,
                   wss_frame *out);
void wsserver_frame_free(wss_frame *f);

/* The number of complete data messages the conn_index-th connection
 * received, and a copy of the index-th: its opcode (TEXT 1 or BINARY 2) in
 * *opcode, its bytes malloc'd with a NUL after (the caller frees), their
 * count in *len; NULL if there is none. */
unsigned wsserver_messages(wsserver *s, unsigned conn_index);
char *wsserver_message(wsserver *s, unsigned conn_index, unsigned index,
                       unsigned *opcode, size_t *len);

/* Stop: close every connection, join the thread, free everything. Returns
 * 0, or -1 if the loop did not close cleanly (open handles on stderr). */
int wsserver_stop(wsserver *s);

#endif

/* The WebSocket protocol (RFC 6455) for a client, sans-IO: the opening
 * handshake's key and checks, a frame encoder and an incremental frame
 * decoder. Nothing here touches a socket or libuv: bytes go in, bytes and
 * events come out, and the caller moves them.
 *
 * State lives in structs the caller owns (embed them anywhere; no function
 * here allocates). Every function that can fail returns 0 or one of the
 * negative FERRY__WS_ERR_* codes below; ferry__ws_strerror() gives a code's
 * text and ferry__ws_close_status() the close status (RFC 6455 7.4.1) a
 * client sends when it fails the connection for that code.
 *
 * Threads: the functions keep no global state; each struct is used by one
 * thread at a time.
 *
 * Not supported: extensions (no RSV bit may be set), so permessage-deflate
 * is never negotiated; the server side of the protocol. */
#ifndef FERRY_WS_H
#define FERRY_WS_H

#include <stddef.h>
#include <stdint.h>

/* -- opcodes (RFC 6455 5.2) ------------------------------------------------ */

enum {
  FERRY__WS_CONT = 0x0,
  FERRY__WS_TEXT = 0x1,
  FERRY__WS_BINARY = 0x2,
  FERRY__WS_CLOSE = 0x8,
  FERRY__WS_PING = 0x9,
  FERRY__WS_PONG = 0xA
};

/* Is op one of the three control opcodes (close, ping, pong)? */
#define FERRY__WS_IS_CONTROL(op) (((op) & 0x8) != 0)

/* The most payload a control frame may carry. */
#define FERRY__WS_MAX_CONTROL 125
/* The longest frame header: 2 bytes, 8 of extended length, 4 of mask. */
#define FERRY__WS_MAX_HEADER 14
/* Sizes of the handshake strings, with their NUL: a key is base64 of 16
 * bytes (24 characters), an accept value base64 of a SHA-1 (28). */
#define FERRY__WS_KEY_SIZE 25
#define FERRY__WS_ACCEPT_SIZE 29

/* The decoder's default caps on one frame's and one message's payload
 * (see ferry__ws_decoder). */
#define FERRY__WS_DEFAULT_MAX_FRAME ((uint64_t)1 << 30)
#define FERRY__WS_DEFAULT_MAX_MESSAGE ((uint64_t)1 << 30)

/* What a decoder callback returns to stop after this event (see
 * ferry__ws_decode()). */
#define FERRY__WS_PAUSE 1

/* -- errors ------------------------------------------------------------------ */

/* X(NAME, value, close status, text). The close status is what a client
 * sends in its close frame when it fails the connection for that error:
 * 1002 protocol error, 1007 invalid payload data, 1009 message too big; 0
 * for errors that are not the server's fault or happen before the
 * connection is a WebSocket (then there is no close frame to send). */
#define FERRY__WS_ERRORS(X)                                                   \
  /* the caller or the system */                                              \
  X(RANDOM, -1, 0, "cannot get random bytes from the system")                 \
  X(BUFFER_TOO_SMALL, -2, 0, "the output buffer is too small")                \
  X(CALLBACK, -3, 0, "a callback failed")                                     \
  X(CRYPTO, -4, 0, "SHA-1 or base64 failed in mbedTLS")                      \
  /* the opening handshake (RFC 6455 4.1, 4.2.2) */                           \
  X(HS_STATUS, -10, 0, "the server did not answer 101 Switching Protocols")   \
  X(HS_UPGRADE, -11, 0, "the response has no \"Upgrade: websocket\"")        \
  X(HS_CONNECTION, -12, 0,                                                    \
    "the response's Connection header has no \"upgrade\" token")              \
  X(HS_ACCEPT_MISSING, -13, 0, "the response has no Sec-WebSocket-Accept")    \
  X(HS_ACCEPT_MISMATCH, -14, 0,                                               \
    "Sec-WebSocket-Accept does not match the key sent")                       \
  X(HS_PROTOCOL, -15, 0,                                                      \
    "the server chose a subprotocol the client did not offer")                \
  X(HS_EXTENSION, -16, 0,                                                     \
    "the server chose an extension the client did not offer")                 \
  /* frames, sent or received */                                              \
  X(RSV, -20, 1002, "a frame has reserved bits set (no extension is in use)") \
  X(OPCODE, -21, 1002, "a frame has an unknown opcode")                       \
  X(MASKED, -22, 1002, "the server sent a masked frame")                      \
  X(CONTROL_TOO_LONG, -23, 1002,                                              \
    "a control frame's payload is longer than 125 bytes")                     \
  X(CONTROL_FRAGMENTED, -24, 1002, "a control frame is fragmented (FIN=0)")   \
  X(CONT_WITHOUT_MESSAGE, -25, 1002,                                          \
    "a continuation frame came with no fragmented message in progress")       \
  X(MESSAGE_IN_PROGRESS, -26, 1002,                                           \
    "a new data frame came while a fragmented message is in progress")        \
  X(LENGTH, -27, 1002, "a frame's 64-bit length has its top bit set")         \
  X(FRAME_TOO_BIG, -28, 1009, "a frame is larger than the limit")             \
  X(MESSAGE_TOO_BIG, -29, 1009, "a message is larger than the limit")         \
  X(TEXT_NOT_UTF8, -30, 1007, "a text message is not valid UTF-8")            \
  X(CLOSE_ONE_BYTE, -31, 1002, "a close frame has a 1-byte payload")          \
  X(CLOSE_STATUS, -32, 1002, "a close frame has an invalid status code")      \
  X(CLOSE_REASON_NOT_UTF8, -33, 1007, "a close frame's reason is not UTF-8")  \
  X(AFTER_CLOSE, -34, 0, "a frame after the close frame")                     \
  /* the encoder's order of frames */                                         \
  X(FRAME_IN_PROGRESS, -40, 0,                                                \
    "the previous frame's payload is not all written yet")                    \
  X(PAYLOAD_TOO_LONG, -41, 0, "more payload than the frame header announced") \
  /* the end of the stream */                                                 \
  X(EOF_IN_FRAME, -50, 0, "the connection closed in the middle of a frame")   \
  X(EOF_IN_MESSAGE, -51, 0,                                                   \
    "the connection closed in the middle of a fragmented message")            \
  X(EOF_BEFORE_CLOSE, -52, 0,                                                 \
    "the connection closed without a close frame")

enum {
#define FERRY__WS_X_(name, value, status, text) FERRY__WS_ERR_##name = value,
  FERRY__WS_ERRORS(FERRY__WS_X_)
#undef FERRY__WS_X_
  FERRY__WS_OK = 0
};

/* The text of an error code ("unknown WebSocket error" for a value that is
 * none; "no error" for 0). A static string. */
const char *ferry__ws_strerror(int code);

/* The close status a client sends when it fails the connection for code
 * (1002, 1007 or 1009), or 0 when it sends no close frame for it. */
int ferry__ws_close_status(int code);

/* -- UTF-8 --------------------------------------------------------------------- */

/* An incremental UTF-8 validator (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF). Zero-initialise it to start. */
typedef struct ferry__ws_utf8 {
  uint8_t need;    /* continuation bytes still to come */
  uint8_t lo, hi;  /* the range the next continuation byte must be in */
} ferry__ws_utf8;

/* Check n more bytes. Returns the index of the first byte that makes the
 * text invalid, or n when all of them are valid so far (a sequence may
 * still be open: see ferry__ws_utf8_complete()). After an invalid byte the
 * state is unchanged from before that byte. */
size_t ferry__ws_utf8_check(ferry__ws_utf8 *u, const unsigned char *p,
                            size_t n);

/* Does the text end here without an open sequence? */
#define ferry__ws_utf8_complete(u) ((u)->need == 0)

/* -- the opening handshake ------------------------------------------------------ */

/* A fresh Sec-WebSocket-Key: base64 of 16 random bytes from the kernel's
 * generator, NUL-terminated in key. Returns 0 or FERRY__WS_ERR_RANDOM. */
int ferry__ws_make_key(char key[FERRY__WS_KEY_SIZE]);

/* The Sec-WebSocket-Accept a server must answer to key (key_len bytes, as
 * sent): base64(SHA-1(key "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")),
 * NUL-terminated in accept. Returns 0, or FERRY__WS_ERR_CRYPTO if mbedTLS
 * reports a failure (its software SHA-1 does not). */
int ferry__ws_accept(char accept[FERRY__WS_ACCEPT_SIZE], const char *key,
                     size_t key_len);

/* The check of a server's answer to an opening handshake. Initialise it
 * with what the request offered, give it each response header, then ask
 * ferry__ws_handshake_finish() for the verdict. It keeps no header: it
 * holds a few flags and the expected accept value, so no size cap is
 * needed. */
typedef struct ferry__ws_handshake {
  char accept[FERRY__WS_ACCEPT_SIZE]; /* the value the server must send */
  const char *protocols;  /* offered subprotocols, comma-separated; borrowed */
  const char *extensions; /* offered extensions (RFC 6455 9.1); borrowed */
  /* After a successful finish: the subprotocol the server chose, pointing
   * into protocols (protocol_len bytes), or NULL if it chose none. */
  const char *protocol;
  size_t protocol_len;
  int err;               /* the first error a header gave, or 0 */
  unsigned char upgrade;    /* "Upgrade: websocket" seen */
  unsigned char connection; /* the Connection token "upgrade" seen */
  unsigned char accept_seen;
  char errmsg[128];      /* details of err, NUL-terminated */
} ferry__ws_handshake;

/* Start checking a response to a request that sent key (NUL-terminated)
 * and offered protocols and extensions (header values as sent, NULL or ""
 * for none). protocols and extensions are borrowed: they must outlive h.
 * Returns 0, or the error of ferry__ws_accept(). */
int ferry__ws_handshake_init(ferry__ws_handshake *h, const char *key,
                             const char *protocols, const char *extensions);

/* One response header: name and value (the value's surrounding blanks are
 * ignored). Headers the handshake does not concern are ignored. Returns 0,
 * or the error it found (HS_UPGRADE: another value than "websocket";
 * HS_ACCEPT_MISMATCH: a wrong or second accept value; HS_PROTOCOL: a
 * subprotocol not offered, or more than one; HS_EXTENSION: an extension
 * not offered), which is also kept: later headers are then ignored and
 * finish returns it. */
int ferry__ws_handshake_header(ferry__ws_handshake *h, const char *name,
                               size_t name_len, const char *value,
                               size_t value_len);

/* The same for a raw header line "Name: value" with or without its line
 * ending, as the HTTP/1 codec hands them out. A line that is no header
 * (the status line, the blank line) is ignored. */
int ferry__ws_handshake_line(ferry__ws_handshake *h, const char *line,
                             size_t len);

/* The verdict, once every header has been given: 0 when the response
 * (status: its status code) completes the handshake, else the first error
 * in this order: HS_STATUS (not 101), the error a header gave, HS_UPGRADE
 * (no Upgrade header), HS_CONNECTION, HS_ACCEPT_MISSING. h->errmsg says
 * more. */
int ferry__ws_handshake_finish(ferry__ws_handshake *h, int status);

/* -- the encoder (client frames, RFC 6455 5.2 and 5.3) --------------------------- */

typedef struct ferry__ws_encoder {
  uint64_t frame_left;    /* payload bytes of the current frame to come */
  uint64_t frame_offset;  /* payload bytes of the current frame done */
  unsigned char mask[4];  /* the current frame's masking key */
  unsigned char in_message; /* a data message is open (sent with FIN=0) */
  unsigned char closed;     /* a close frame has been written */
  unsigned char random_left; /* unused bytes at the end of random */
  unsigned char random[64];  /* masking keys fetched ahead */
} ferry__ws_encoder;

void ferry__ws_encoder_init(ferry__ws_encoder *e);

/* Write the header of a frame into out (outlen bytes; FERRY__WS_MAX_HEADER
 * is always enough) and set *written to its length: FIN as fin says, RSV
 * zero, opcode, the MASK bit, the shortest length form for payload_len, and
 * the masking key: mask if not NULL, else 4 fresh random bytes. The frame's
 * payload then goes through ferry__ws_encode_payload(), in as many pieces
 * as the caller likes.
 *
 * Refused, with nothing written and no state changed: a frame while the
 * previous one's payload is incomplete (FRAME_IN_PROGRESS), any frame after
 * a close frame (AFTER_CLOSE), an opcode RFC 6455 does not define (OPCODE),
 * a control frame over 125 bytes (CONTROL_TOO_LONG) or with fin 0
 * (CONTROL_FRAGMENTED), a continuation with no message open
 * (CONT_WITHOUT_MESSAGE), a text or binary frame while one is open
 * (MESSAGE_IN_PROGRESS), a length of 2^63 or more (LENGTH), too small a
 * buffer (BUFFER_TOO_SMALL), no random bytes (RANDOM). */
int ferry__ws_encode_header(ferry__ws_encoder *e, unsigned char *out,
                            size_t outlen, size_t *written, unsigned opcode,
                            int fin, uint64_t payload_len,
                            const unsigned char *mask);

/* Mask len payload bytes of the current frame from src into dst (dst may
 * equal src to mask in place; they must not otherwise overlap), going on
 * at the frame's current offset. Returns 0, or PAYLOAD_TOO_LONG (nothing
 * done) when len is more than the frame has left. */
int ferry__ws_encode_payload(ferry__ws_encoder *e, unsigned char *dst,
                             const unsigned char *src, size_t len);

/* A whole frame, header and masked payload, into out: the two calls above
 * in one, with the same errors. */
int ferry__ws_encode_frame(ferry__ws_encoder *e, unsigned char *out,
                           size_t outlen, size_t *written, unsigned opcode,
                           int fin, const unsigned char *payload, size_t len,
                           const unsigned char *mask);

/* The payload of a close frame into out: status (big-endian) and reason
 * (reason_len bytes, UTF-8), or nothing at all for status 0 (no status;
 * then reason_len must be 0). Sets *len. Refuses a status a client may not
 * send (CLOSE_STATUS: anything but 1000-1003, 1007-1014 and 3000-4999, or
 * a reason without a status), a reason that is not UTF-8
 * (CLOSE_REASON_NOT_UTF8), more than 125 bytes in all (CONTROL_TOO_LONG). */
int ferry__ws_close_payload(unsigned char out[FERRY__WS_MAX_CONTROL],
                            size_t *len, unsigned status, const char *reason,
                            size_t reason_len);

/* Is status one that a close frame may carry (RFC 6455 7.4)? */
int ferry__ws_close_status_valid(unsigned status);

/* -- the decoder (server frames) -------------------------------------------------- */

/* The frame being decoded, as the callbacks see it (borrowed, valid during
 * the callback). */
typedef struct ferry__ws_frame {
  uint64_t payload_len;    /* this frame's payload length */
  uint64_t message_offset; /* data frames: the message's payload bytes in
                              the frames before this one */
  uint8_t opcode;          /* as received: CONT, TEXT, ..., PONG */
  uint8_t message_opcode;  /* data frames: TEXT or BINARY (a CONT frame's
                              message); control frames: the opcode */
  uint8_t fin;             /* 1: the last frame of its message */
  uint16_t close_status;   /* close frames, from on_payload on: the status,
                              or 0 when the frame has none (1005) */
} ferry__ws_frame;

/* Each callback returns 0 to go on, FERRY__WS_PAUSE to make
 * ferry__ws_decode() return after this event, or a negative value to fail
 * with FERRY__WS_ERR_CALLBACK. Any may be NULL. */
typedef struct ferry__ws_callbacks {
  /* A frame's header is complete and valid. */
  int (*on_frame_start)(void *ud, const ferry__ws_frame *f);
  /* Payload bytes at offset in the frame. A data frame's payload comes as
   * it arrives, in pieces of any size, and a text message's bytes have
   * been checked as UTF-8 up to the end of data (an invalid byte ends the
   * decode with TEXT_NOT_UTF8 after the bytes before it were delivered).
   * A control frame's payload comes in one piece, once all of it has
   * arrived and been checked (a close frame's status and reason). */
  int (*on_payload)(void *ud, const ferry__ws_frame *f,
                    const unsigned char *data, size_t len, uint64_t offset);
  /* The frame is complete. */
  int (*on_frame_end)(void *ud, const ferry__ws_frame *f);
} ferry__ws_callbacks;

/* The decoder's states. HEADER: reading a frame header (hdr_need bytes
 * wanted, hdr_len have come). PAYLOAD: a frame's payload is arriving (a
 * control frame's into control[]). CONTROL: a control frame's payload is
 * complete and checked, to be delivered. FRAME_END: the frame's end is to
 * be reported. CLOSED: the close frame is done; nothing may follow.
 * FAILED: err says why. */
#define FERRY__WS_DECODER_STATES(X)                                           \
  X(HEADER) X(PAYLOAD) X(CONTROL) X(FRAME_END) X(CLOSED) X(FAILED)

typedef enum {
#define FERRY__WS_X_(name) FERRY__WS_DEC_##name,
  FERRY__WS_DECODER_STATES(FERRY__WS_X_)
#undef FERRY__WS_X_
  FERRY__WS_DEC_STATE_COUNT
} ferry__ws_decoder_state;

/* A state's name ("HEADER", ...), or "?" for none. */
const char *ferry__ws_decoder_state_name(int state);

typedef struct ferry__ws_decoder {
  const ferry__ws_callbacks *cb;
  void *ud;
  /* Caps on a frame's payload and on a message's (the sum of its frames'),
   * FERRY__WS_DEFAULT_* after init; the caller may change them between
   * calls. A header announcing more fails with FRAME_TOO_BIG or
   * MESSAGE_TOO_BIG before any of its payload is delivered. */
  uint64_t max_frame;
  uint64_t max_message;

  ferry__ws_frame frame;
  uint64_t frame_left;     /* payload bytes of the frame still to come */
  uint64_t message_len;    /* announced payload of the open message */
  int err;                 /* the error the decoder stopped with, or 0 */
  unsigned char state;     /* a ferry__ws_decoder_state */
  unsigned char in_message;      /* a fragmented data message is open */
  unsigned char message_opcode;  /* its TEXT or BINARY */
  unsigned char hdr_len, hdr_need;
  unsigned char hdr[10];
  unsigned char control_len;
  unsigned char control[FERRY__WS_MAX_CONTROL];
  unsigned char closed;    /* the server's close frame has been decoded */
  ferry__ws_utf8 utf8;     /* the open text message's validator */
  char errmsg[128];        /* details of err, NUL-terminated */
} ferry__ws_decoder;

/* Set up a decoder (any memory; nothing to free) that reports to cb (kept,
 * not copied: it must outlive d) with ud. */
void ferry__ws_decoder_init(ferry__ws_decoder *d,
                            const ferry__ws_callbacks *cb, void *ud);

/* Feed len received bytes; any split works, a byte at a time too. Sets
 * *consumed to the bytes taken. Returns 0 when all were taken, or when a
 * callback paused (then call again with the rest, even with len 0: a
 * paused decoder may have an event left to report without more input).
 * Returns a negative FERRY__WS_ERR_* when the stream is broken: RSV,
 * OPCODE, MASKED, CONTROL_TOO_LONG, CONTROL_FRAGMENTED,
 * CONT_WITHOUT_MESSAGE, MESSAGE_IN_PROGRESS, LENGTH, FRAME_TOO_BIG,
 * MESSAGE_TOO_BIG, TEXT_NOT_UTF8, CLOSE_ONE_BYTE, CLOSE_STATUS,
 * CLOSE_REASON_NOT_UTF8, AFTER_CLOSE (bytes after the close frame),
 * CALLBACK; the decoder then stays failed and returns that error again,
 * d->errmsg says more, and ferry__ws_close_status() gives the status to
 * close with. */
int ferry__ws_decode(ferry__ws_decoder *d, const unsigned char *data,
                     size_t len, size_t *consumed);

/* The connection's input ended. Returns 0 if the server's close frame was
 * decoded, else EOF_IN_FRAME (inside a frame), EOF_IN_MESSAGE (between the
 * frames of a fragmented message), EOF_BEFORE_CLOSE (between messages), or
 * the error the decoder had already failed with. */
int ferry__ws_decode_eof(ferry__ws_decoder *d);

#endif

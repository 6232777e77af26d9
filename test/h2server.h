/* The scripted HTTP/2 test server.
 *
 * Tests give it the responses to send per request path and the faults to
 * inject, and read back what the client sent: every frame, and per
 * request the header list in order and the body. It speaks HTTP/2 through
 * nghttp2's server session, sans-IO (nghttp2_session_mem_recv and
 * nghttp2_session_mem_send), so it sends exactly what is scripted and
 * nothing is left to timing: the HTTP/2 client tests are written against
 * this header.
 *
 * Like the HTTP/1 server (server.h) it runs on its own thread with its own
 * uv_loop_t and listens on 127.0.0.1 at a port the kernel picks. Every
 * function here may be called from any thread except the server's own.
 * Test code: an allocation failure aborts.
 *
 * TRANSPORTS
 *
 * Cleartext (tls == 0). The server looks at the first bytes of each
 * connection:
 *  - "PRI " starts HTTP/2 with prior knowledge: the server expects the
 *    24-byte client preface (nghttp2 checks it; a bad one ends the session
 *    with NGHTTP2_ERR_BAD_CLIENT_MAGIC, see h2server_connection()), and sends
 *    its SETTINGS once it has taken the decision.
 *  - anything else is HTTP/1.1. A request is the head up to the blank line
 *    plus a Content-Length body (no chunked bodies). A request with
 *    "Upgrade: h2c" (a token of the Upgrade header) and exactly one
 *    HTTP2-Settings header whose value is valid base64url switches to
 *    HTTP/2 (RFC 7540 3.2), unless refuse_upgrade is set: the server sends
 *    "HTTP/1.1 101 Switching Protocols" (Connection: Upgrade, Upgrade:
 *    h2c), applies the decoded settings with nghttp2_session_upgrade2(),
 *    sends its SETTINGS, then the scripted response to that request on
 *    stream 1, and expects the client preface next. The Connection header
 *    is not checked. Every other request (refused or malformed upgrades
 *    included) gets http1_response, and the connection stays HTTP/1.1
 *    (keep-alive: the server does not close it, except after a request
 *    it cannot parse, which gets http1_response and then FIN).
 *
 * TLS (tls == 1): mbedTLS 2.28, TLS 1.2, with cert/key (PEM paths, say
 * from certs.h). The alpn setting chooses what the server offers. When
 * ALPN selects "h2" the connection is HTTP/2 (the SETTINGS go out right
 * after the handshake, before the client preface arrives); otherwise it is
 * HTTP/1.1 and every request gets http1_response (no upgrade over TLS).
 * A client that offers ALPN with no protocol in common with the server's
 * list fails the handshake (mbedTLS sends no_application_protocol).
 *
 * WHAT A CONNECTION DOES, in order, once it speaks HTTP/2 ("at start"):
 *  1. conn.raw_at_start, if any, goes out as is;
 *  2. the server's SETTINGS (settings[], unless conn.no_settings), and a
 *     connection WINDOW_UPDATE if connection_window is set;
 *  3. conn.raw_after_settings, if any;
 *  4. conn.pings PINGs;
 *  5. a GOAWAY if conn.goaway.when is H2SERVER_GOAWAY_AT_START.
 * Then it reads frames and answers requests. It ends when the client
 * closes (EOF) or resets the connection, or when nghttp2 has nothing left
 * to read or write (after a GOAWAY both ways, or a connection error that
 * made nghttp2 send GOAWAY): then the server sends FIN and waits for the
 * client's. A GOAWAY with close set ends it as that says.
 *
 * ANSWERING A REQUEST
 *
 * A request's response is the responses[] entry whose path equals its
 * :path exactly, else the entry with path NULL (the default), else a 404
 * with no body. The server answers once the request has ended (END_STREAM
 * received), or, with early set, as soon as its headers are complete.
 * Then, in this order:
 *  - wait delay_ms;
 *  - if raw is set: write raw as is (after what nghttp2 has queued) and
 *    do nothing else for this stream: nghttp2 still thinks it is open;
 *  - a GOAWAY if goaway.when is H2SERVER_GOAWAY_ON_REQUEST;
 *  - a PING if ping is set;
 *  - the informational (1xx) HEADERS, each with its headers;
 *  - PUSH_PROMISE for push_path, if set (:method GET, :scheme and
 *    :authority copied from the request, :path push_path), and the pushed
 *    stream is then answered with the entry for push_path (its push_path,
 *    raw and goaway are not used). If the client disabled push
 *    (SETTINGS_ENABLE_PUSH 0), no promise is made;
 *  - RST_STREAM(rst_code) and nothing more, if rst is
 *    H2SERVER_RST_BEFORE_HEADERS;
 *  - the final HEADERS: ":status" then headers[] (with raw_headers, only
 *    headers[], sent exactly as given: names keep their case, any order,
 *    any pseudo-headers); a "content-length" header is added (after
 *    headers[]) if send_content_length is set, with the body size plus
 *    content_length_skew, so a skew gives a header that disagrees with
 *    the DATA sent;
 *  - RST_STREAM(rst_code) right after the HEADERS, if rst is
 *    H2SERVER_RST_AFTER_HEADERS;
 *  - the body in DATA frames: the bytes of body (body_len, 0 meaning
 *    strlen), or if body is NULL body_size generated bytes (see
 *    h2server_body_byte()), or with echo the request body the server
 *    received. Each DATA frame carries at most frame_size bytes (0 means
 *    16384, nghttp2's default), and never more than the flow-control
 *    windows or the client's MAX_FRAME_SIZE allow; frame_delay_ms passes
 *    between two DATA frames. With rst H2SERVER_RST_AFTER_BODY_BYTES, once
 *    rst_after_bytes body bytes (at most the body size) are out the
 *    stream is reset with rst_code instead of ending;
 *  - trailers[] as a last HEADERS frame if ntrailers > 0; otherwise the
 *    last DATA frame (or the HEADERS when there is no body) ends the
 *    stream.
 * A stream reset by the client, or closed by a GOAWAY, stops all of this.
 * An upgraded request (stream 1) is answered the same way.
 *
 * FLOW CONTROL. The server consumes (nghttp2_session_consume) each
 * request's DATA as it arrives, so nghttp2 sends WINDOW_UPDATE when half
 * a window is used, unless the data is held: conn.hold_window holds all
 * DATA on the connection, a response's hold_window holds the DATA of the
 * requests it answers. Held DATA is not consumed, so a client upload
 * stalls once the windows are used, until h2server_release_window().
 * With SETTINGS_INITIAL_WINDOW_SIZE 0 the client can send no DATA at all
 * until the test sends a WINDOW_UPDATE with h2server_send_window_update()
 * (which also grows nghttp2's idea of the window: from then on, what is
 * consumed is given back as above).
 *
 * RAW BYTES (raw_at_start, raw_after_settings, a response's raw,
 * h2server_inject) go out as is, after everything nghttp2 could send at
 * that moment (DATA that the flow-control windows hold back may come
 * after). nghttp2 knows nothing of them: a raw HEADERS block should use
 * HPACK literals without indexing (h2server_hpack_literal) so nghttp2's
 * compression state stays in step with the client's, and what the
 * client answers to raw frames reaches nghttp2, which may take it as an
 * error (a SETTINGS ACK it never asked for is a PROTOCOL_ERROR; PING ACKs
 * are fine). conn.detach_after_raw leaves nghttp2 out after the first raw
 * bytes for such cases.
 *
 * RECORDING. Per connection: every byte received (after TLS), the client
 * preface, and every frame the client sent, parsed from those bytes by
 * the server's own frame reader, whether nghttp2 accepted the frame or
 * not (a frame is recorded once all its bytes have arrived; after a bad
 * preface nothing is parsed). Per request (a stream the client opened
 * with HEADERS that nghttp2 accepted, plus an upgraded request): the
 * header list in order, trailers, body bytes, and how the stream ended.
 * Counters for the whole server are read with h2server_get() and waited
 * on with h2server_wait().
 *
 * Writing to a client that has gone away raises SIGPIPE unless it is
 * ignored; the test runner ignores it in every test process. The server
 * pulls output from nghttp2 only while less than 256 KiB waits in the
 * socket's write queue, so a client that stops reading stalls the
 * server's sending, as it would with a real server.
 */
#ifndef FERRY_TEST_H2SERVER_H
#define FERRY_TEST_H2SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <nghttp2/nghttp2.h>

typedef struct h2server h2server;

/* A header field. name_len 0 means strlen(name), value_len 0 means
 * strlen(value) (so "" is the empty string either way). */
typedef struct h2server_header {
  const char *name;
  const char *value;
  size_t name_len;
  size_t value_len;
} h2server_header;

typedef enum {
  H2SERVER_RST_NONE = 0,
  H2SERVER_RST_BEFORE_HEADERS, /* RST_STREAM instead of the final HEADERS */
  H2SERVER_RST_AFTER_HEADERS,  /* RST_STREAM right after the final HEADERS */
  H2SERVER_RST_AFTER_BODY_BYTES /* RST_STREAM after rst_after_bytes of body */
} h2server_rst_when;

typedef enum {
  H2SERVER_GOAWAY_NEVER = 0,
  H2SERVER_GOAWAY_AT_START,       /* conn only: with the SETTINGS */
  H2SERVER_GOAWAY_AFTER_REQUESTS, /* conn only: once after_requests request
                                   * streams have closed on this connection */
  H2SERVER_GOAWAY_ON_REQUEST      /* response only: when answering */
} h2server_goaway_when;

typedef enum {
  H2SERVER_CLOSE_NONE = 0, /* keep the connection as nghttp2 says */
  H2SERVER_CLOSE_FIN,      /* once the GOAWAY is written: FIN, then wait for
                            * the client's FIN (its bytes are still recorded
                            * but no longer given to nghttp2) */
  H2SERVER_CLOSE_RESET     /* once the GOAWAY is written: close with
                            * SO_LINGER {1, 0}, so the client gets a reset */
} h2server_close;

/* Sent last_stream_id: the highest stream the client opened so far
 * (nghttp2_session_get_last_proc_stream_id). */
#define H2SERVER_LAST_STREAM_SEEN (-1)

typedef struct h2server_goaway {
  h2server_goaway_when when;
  unsigned after_requests;  /* for H2SERVER_GOAWAY_AFTER_REQUESTS */
  /* The last-stream-id, or H2SERVER_LAST_STREAM_SEEN. It must be 0 or odd
   * (nghttp2 refuses others; write such a GOAWAY raw instead), and nghttp2
   * never sends one higher than a GOAWAY it sent before. After the GOAWAY
   * is sent, nghttp2 closes the client's streams above it and ignores new
   * ones, so they are never answered. */
  int32_t last_stream_id;
  uint32_t error_code;
  const char *debug_data; /* opaque data; NULL for none */
  size_t debug_len;       /* 0 with debug_data set means strlen */
  h2server_close close;
} h2server_goaway;

/* An informational (1xx) response: :status then headers[]. */
typedef struct h2server_info {
  int status;
  const h2server_header *headers;
  size_t nheaders;
} h2server_info;

typedef struct h2server_response {
  const char *path;  /* the :path it answers, exactly; NULL: the default */
  int status;        /* 0 means 200 */
  const h2server_header *headers;
  size_t nheaders;
  int raw_headers;   /* send headers[] alone, exactly, with no :status */
  const char *body;  /* NULL: body_size generated bytes */
  size_t body_len;   /* 0 with body set means strlen(body) */
  size_t body_size;
  int echo;          /* the body is the request body (waits for its end) */
  int send_content_length;
  long long content_length_skew;
  size_t frame_size;         /* most body bytes per DATA frame; 0: 16384 */
  unsigned frame_delay_ms;   /* between two DATA frames */
  const h2server_header *trailers;
  size_t ntrailers;
  const h2server_info *informational;
  size_t ninformational;
  unsigned delay_ms; /* before answering */
  int early;         /* answer when the request headers are complete
                      * (not with echo, which needs the whole body) */
  h2server_rst_when rst;
  uint32_t rst_code;
  size_t rst_after_bytes;
  h2server_goaway goaway; /* when: NEVER or ON_REQUEST */
  int ping;               /* send a PING before the response */
  const char *push_path;  /* PUSH_PROMISE this path first */
  int hold_window;        /* do not consume the request's DATA */
  const char *raw;        /* instead of the response: these bytes */
  size_t raw_len;         /* 0 with raw set means strlen(raw) */
} h2server_response;

/* What one connection does besides answering requests. */
typedef struct h2server_conn_script {
  const char *raw_at_start;       /* before the SETTINGS */
  size_t raw_at_start_len;        /* 0 with raw_at_start set: strlen */
  int no_settings;                /* send no SETTINGS frame at all */
  const char *raw_after_settings; /* right after the SETTINGS */
  size_t raw_after_settings_len;  /* 0 with raw_after_settings set: strlen */
  unsigned pings;                 /* PINGs sent at start */
  h2server_goaway goaway;         /* when: NEVER, AT_START, AFTER_REQUESTS */
  int hold_window;                /* consume no DATA on this connection */
  /* Once any raw bytes have gone out on the connection (raw_at_start,
   * raw_after_settings, a response's raw, h2server_inject), leave nghttp2
   * out: it reads nothing more and sends nothing more, while the server
   * goes on recording what the client sends, until the client closes.
   * For floods whose answers nghttp2 would take as an error (a SETTINGS
   * ACK it never asked for is a PROTOCOL_ERROR). With raw_at_start, the
   * server speaks nothing but raw bytes. */
  int detach_after_raw;
} h2server_conn_script;

typedef enum {
  H2SERVER_ALPN_H2_HTTP11 = 0, /* offer "h2", "http/1.1" */
  H2SERVER_ALPN_H2,            /* offer "h2" only */
  H2SERVER_ALPN_HTTP11,        /* offer "http/1.1" only */
  H2SERVER_ALPN_NONE           /* no ALPN: ignore what the client offers */
} h2server_alpn;

/* The answer to HTTP/1.1 requests, by default. */
#define H2SERVER_HTTP1_RESPONSE                                                \
  "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhttp/1"

typedef struct h2server_config {
  int tls;
  const char *cert, *key; /* PEM files, for tls */
  h2server_alpn alpn;
  /* The server's SETTINGS entries, sent in this order (none: an empty
   * SETTINGS frame). nghttp2 also applies them: it refuses streams over
   * MAX_CONCURRENT_STREAMS (RST_STREAM REFUSED_STREAM), limits its HPACK
   * table, and sizes its receive windows by INITIAL_WINDOW_SIZE (0 is
   * allowed). ENABLE_PUSH entries are dropped: a server must not send 1;
   * write a SETTINGS frame raw for that. Values nghttp2 refuses make
   * h2server_start() fail. */
  const nghttp2_settings_entry *settings;
  size_t nsettings;
  /* If nonzero, the connection receive window is set to this many bytes
   * at start (above 65535, nghttp2 sends the difference in a WINDOW_UPDATE
   * on stream 0 after the SETTINGS). */
  int32_t connection_window;
  const h2server_response *responses;
  size_t nresponses;
  /* conns[k] scripts the k-th accepted connection (0-based); the others
   * use default_conn. */
  const h2server_conn_script *conns;
  size_t nconns;
  h2server_conn_script default_conn;
  int refuse_upgrade;          /* answer Upgrade: h2c plainly in HTTP/1.1 */
  const char *http1_response;  /* NULL: H2SERVER_HTTP1_RESPONSE */
  size_t http1_response_len;   /* 0: strlen */
  /* nghttp2_option_set_no_http_messaging: accept and record requests
   * nghttp2 would otherwise reset as malformed (bad or missing
   * pseudo-headers, upper-case names, connection-specific headers). */
  int no_http_messaging;
} h2server_config;

/* Start a server; cfg and everything it points to are copied. Returns
 * NULL on failure (a message on stderr). */
h2server *h2server_start(const h2server_config *cfg);

/* The port, in host byte order. */
int h2server_port(const h2server *s);

/* Stop: close every connection and handle, join the thread, check that
 * uv_loop_close() returns 0, free everything. s must not be used
 * afterwards. Returns 0, or -1 if the loop did not close cleanly (the
 * open handles are listed on stderr). A process that exits with a server
 * not stopped prints so and exits with status 1. */
int h2server_stop(h2server *s);

/* -- counters --------------------------------------------------------------- */

typedef enum {
  H2SERVER_CONNECTIONS,      /* accepted */
  H2SERVER_CLOSED,           /* connections closed by either side (as
                              * tserver_wait_closed counts) */
  H2SERVER_TLS_HANDSHAKES,   /* completed */
  H2SERVER_TLS_FAILURES,     /* handshakes that failed */
  H2SERVER_PREFACES,         /* intact client prefaces received */
  H2SERVER_FRAMES,           /* frames received, all connections */
  H2SERVER_STREAMS,          /* request streams opened (h2server_requests) */
  H2SERVER_REQUESTS_ENDED,   /* requests whose END_STREAM arrived */
  H2SERVER_REQUESTS_DONE,    /* request streams closed, for any reason */
  H2SERVER_MAX_OPEN_STREAMS, /* most request streams open at once on one
                              * connection (from their HEADERS until they
                              * close on the server) */
  H2SERVER_PING_ACKS,        /* PING frames with ACK from clients */
  H2SERVER_PINGS_SENT,       /* PINGs the server sent (not ACKs) */
  H2SERVER_GOAWAYS_SENT,
  H2SERVER_RSTS_SENT,        /* RST_STREAM frames the server sent */
  H2SERVER_PUSHES,           /* PUSH_PROMISE frames sent */
  H2SERVER_RESPONSES,        /* final response HEADERS sent (pushed ones
                              * included) */
  H2SERVER_UPGRADES,         /* 101 Switching Protocols sent */
  H2SERVER_HTTP1_REQUESTS,   /* HTTP/1.1 requests answered plainly */
  H2SERVER_STAT_COUNT
} h2server_stat;

unsigned h2server_get(h2server *s, h2server_stat which);

/* Block until the counter is at least n or timeout_ms passed: 0 when
 * reached, -1 on timeout. */
int h2server_wait(h2server *s, h2server_stat which, unsigned n,
                  unsigned timeout_ms);

/* h2server_wait() on H2SERVER_CLOSED. */
int h2server_wait_closed(h2server *s, unsigned n, unsigned timeout_ms);

/* h2server_wait() on H2SERVER_REQUESTS_DONE: the first n request records
 * to close are then final. */
int h2server_wait_requests(h2server *s, unsigned n, unsigned timeout_ms);

/* -- per connection --------------------------------------------------------- */

typedef enum {
  H2SERVER_PROTO_NONE = 0, /* not decided yet (or the TLS handshake failed) */
  H2SERVER_PROTO_H2,       /* prior knowledge or ALPN h2 */
  H2SERVER_PROTO_H2_UPGRADE,
  H2SERVER_PROTO_HTTP1
} h2server_proto;

typedef struct h2server_conn_info {
  h2server_proto proto;
  int tls;
  char alpn[32];       /* the protocol ALPN selected, "" if none */
  int preface_seen;    /* the 24-byte client preface arrived intact */
  int preface_bad;     /* bytes arrived that are not the preface */
  unsigned streams;    /* request streams opened */
  unsigned max_open_streams;
  unsigned ping_acks;
  /* The error nghttp2_session_mem_recv() or _mem_send() returned, which
   * ended the session (fatal, say NGHTTP2_ERR_BAD_CLIENT_MAGIC), 0 if
   * none. Connection errors that nghttp2 answers with a GOAWAY are not
   * errors of these calls (see H2SERVER_GOAWAYS_SENT). */
  int session_error;
  int closed;
} h2server_conn_info;

/* Fill *info for the conn_index-th accepted connection (0-based). Returns
 * 0, or -1 if there is no such connection yet. */
int h2server_connection(h2server *s, unsigned conn_index,
                        h2server_conn_info *info);

/* Every byte the connection received (decrypted, under TLS): malloc'd
 * with a NUL after the last byte (the caller frees), count in *len (may
 * be NULL). NULL (and *len 0) if no such connection. */
char *h2server_received(h2server *s, unsigned conn_index, size_t *len);

/* Decoded SETTINGS entries kept per frame; a SETTINGS frame with more
 * has them counted in nsettings but only the first ones kept. */
#define H2SERVER_MAX_SETTINGS 16

/* A frame the client sent. The decoded fields are those of its type and
 * 0 otherwise. A field the frame is too short to hold stays 0. */
typedef struct h2server_frame {
  uint8_t type;  /* NGHTTP2_DATA, ... (any value: unknown types too) */
  uint8_t flags;
  uint32_t stream_id; /* the reserved bit masked off */
  uint32_t length;    /* payload length from the frame header */
  /* RST_STREAM, GOAWAY */
  uint32_t error_code;
  /* GOAWAY */
  uint32_t last_stream_id;
  size_t debug_len;
  /* WINDOW_UPDATE (the reserved bit masked off) */
  uint32_t window_increment;
  /* PRIORITY, and HEADERS with the PRIORITY flag (has_priority 1) */
  int has_priority;
  uint32_t dep_stream_id;
  int exclusive;
  uint8_t weight;     /* as on the wire: the weight minus 1 */
  /* PING */
  uint8_t opaque[8];
  /* SETTINGS: the entry count (length / 6) and the first entries */
  size_t nsettings;
  nghttp2_settings_entry settings[H2SERVER_MAX_SETTINGS];
} h2server_frame;

/* The frames the conn_index-th connection received so far, in order:
 * returns the count and sets *frames to a malloc'd array (the caller
 * frees; NULL when the count is 0). */
size_t h2server_frames(h2server *s, unsigned conn_index,
                       h2server_frame **frames);

/* -- per request ------------------------------------------------------------ */

typedef struct h2server_request {
  unsigned conn_index;
  int32_t stream_id;
  /* The header list as received, in order, pseudo-headers included (an
   * upgraded request: ":method" and ":path" from the request line, then
   * the HTTP/1.1 header fields with names lower-cased and values
   * trimmed). name and value are NUL-terminated, lengths set. */
  h2server_header *headers;
  size_t nheaders;
  h2server_header *trailers;
  size_t ntrailers;
  char *body; /* NUL after the last byte */
  size_t body_len;
  int ended;        /* END_STREAM arrived */
  int reset;        /* the client sent RST_STREAM */
  uint32_t reset_code;
  int closed;       /* the stream is closed */
  uint32_t close_code; /* nghttp2's error code at close (0: NO_ERROR) */
  /* Regular fields nghttp2 gave its invalid-header callback (a bad
   * character in a name, say); they are in headers[] too, and nghttp2
   * reset the stream for them (PROTOCOL_ERROR). Other malformed fields
   * (upper case, connection-specific, bad pseudo-headers) make nghttp2
   * reset the stream without them being recorded: set no_http_messaging
   * to record those. */
  unsigned invalid_headers;
} h2server_request;

/* The number of requests recorded (H2SERVER_STREAMS). */
unsigned h2server_requests(h2server *s);

/* Copy the index-th request (0-based, in the order their streams opened,
 * over all connections) into *out. Returns 0, or -1 if there is none yet.
 * Free the copy with h2server_request_free(). */
int h2server_request_get(h2server *s, unsigned index, h2server_request *out);

/* The same for stream stream_id of the conn_index-th connection. */
int h2server_request_find(h2server *s, unsigned conn_index, int32_t stream_id,
                          h2server_request *out);

void h2server_request_free(h2server_request *r);

/* The value of the first header named name (exact, case-sensitive) in
 * r->headers, or NULL. */
const char *h2server_request_header(const h2server_request *r,
                                    const char *name);

/* -- commands from the test --------------------------------------------------
 *
 * Each is queued to the server thread and runs there soon, in order.
 * They return 0 when queued, -1 if the connection has not been accepted
 * yet, is closed, or is not (or no longer) speaking HTTP/2; except
 * h2server_inject(), which takes any connection whose protocol is known
 * (HTTP/1.1 too). A command that finds its connection ending does
 * nothing. */

/* nghttp2_submit_window_update(stream_id, increment); stream 0 is the
 * connection window. */
int h2server_send_window_update(h2server *s, unsigned conn_index,
                                int32_t stream_id, int32_t increment);

/* Consume every held DATA byte on the connection and hold no more (both
 * conn.hold_window and a response's hold_window end there). */
int h2server_release_window(h2server *s, unsigned conn_index);

/* Send a PING now. */
int h2server_send_ping(h2server *s, unsigned conn_index);

/* Send a GOAWAY now, as g says (g->when is ignored). */
int h2server_send_goaway(h2server *s, unsigned conn_index,
                         const h2server_goaway *g);

/* Write bytes as is, after what nghttp2 has queued (copied). */
int h2server_inject(h2server *s, unsigned conn_index, const void *bytes,
                    size_t len);

/* -- generated bodies --------------------------------------------------------- */

/* Byte i of a generated body: (i * 7 + i / 251) % 256, a pattern whose
 * period matches no frame or buffer size. */
unsigned char h2server_body_byte(size_t i);

/* 1 if data holds bytes offset .. offset+len-1 of a generated body. */
int h2server_body_check(const void *data, size_t len, size_t offset);

/* -- raw frames, for injection ------------------------------------------------
 *
 * A growable byte buffer and writers of frames into it. Initialize with
 * {0}; free with h2server_buf_free(). Nothing here checks the values: a
 * test builds malformed frames on purpose. */

typedef struct h2server_buf {
  char *data;
  size_t len, cap;
} h2server_buf;

void h2server_buf_add(h2server_buf *b, const void *p, size_t n);
void h2server_buf_free(h2server_buf *b);

/* A frame header alone (9 bytes): the length need not match what
 * follows. stream_id is written as given (its top bit too). */
void h2server_buf_frame_header(h2server_buf *b, uint32_t length, uint8_t type,
                               uint8_t flags, uint32_t stream_id);

/* A frame: header with length n, then the payload. */
void h2server_buf_frame(h2server_buf *b, uint8_t type, uint8_t flags,
                        uint32_t stream_id, const void *payload, size_t n);

void h2server_buf_settings(h2server_buf *b, uint8_t flags,
                           const nghttp2_settings_entry *iv, size_t n);
void h2server_buf_ping(h2server_buf *b, uint8_t flags,
                       const uint8_t opaque[8]);
void h2server_buf_rst_stream(h2server_buf *b, uint32_t stream_id,
                             uint32_t error_code);
void h2server_buf_goaway(h2server_buf *b, uint32_t last_stream_id,
                         uint32_t error_code, const void *debug,
                         size_t debug_len);
void h2server_buf_window_update(h2server_buf *b, uint32_t stream_id,
                                uint32_t increment);

/* HPACK: a "literal header field without indexing, new name" with no
 * Huffman coding, appended as header block bytes (for the payload of a
 * HEADERS, PUSH_PROMISE or CONTINUATION frame built by hand). */
void h2server_hpack_literal(h2server_buf *b, const char *name,
                            const char *value);

#endif

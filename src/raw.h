/* A connection handed to the application (CONNECT_ONLY).
 *
 * Once a CONNECT_ONLY transfer has connected (TCP, a proxy's tunnel, TLS,
 * as its route needs), the connection leaves the engine: no protocol
 * session runs on it, nothing watches its socket (its driver hears
 * REMOVE), and it is never reused. The application moves bytes with
 * ferry_easy_send and ferry_easy_recv, which come here, and polls the
 * socket itself (FERRYINFO_ACTIVESOCKET). The connection stays in its
 * pool, counted against the multi's limits, until ferry__raw_close.
 *
 * Bytes already read from the connection when it was handed over (what a
 * server sent after a WebSocket upgrade's 101, say) are kept and returned
 * first.
 */
#ifndef FERRY_RAW_H
#define FERRY_RAW_H

#include <stddef.h>

#include "buf.h"
#include "ferry.h"

struct ferry__conn;

typedef struct ferry__raw {
  struct ferry__conn *conn; /* NULL: none */
  ferry__buf pending;       /* read before the hand-over */
  size_t pending_off;       /* how much of pending was returned */
  size_t inflight;          /* encrypted, not all written: see raw.c */
  unsigned char eof;        /* the peer closed (recv gave 0) */
} ferry__raw;

/* Take connection c (connected, with no session and no transfer on it)
 * out of the engine: its socket is no longer watched, and it is marked
 * never to be reused. leftover (n bytes, may be 0) is copied to be read
 * first. FERRYE_OUT_OF_MEMORY leaves c as it was. A connection r held
 * before is closed first. */
ferry_code ferry__raw_adopt(ferry__raw *r, struct ferry__conn *c,
                            const char *leftover, size_t n);
/* Send up to n bytes: *sent is how many the connection took (for TLS,
 * into its records). FERRYE_AGAIN with *sent 0 when the socket takes
 * nothing now (wait for it to be writable), FERRYE_SEND_ERROR with the
 * reason in errbuf (errlen bytes), FERRYE_UNSUPPORTED_PROTOCOL when r
 * holds no connection. */
ferry_code ferry__raw_send(ferry__raw *r, const void *p, size_t n,
                           size_t *sent, char *errbuf, size_t errlen);
/* Receive up to n bytes into p: *got is the count, 0 with FERRYE_OK when
 * the peer closed. FERRYE_AGAIN when nothing is there yet (wait for the
 * socket to be readable), FERRYE_RECV_ERROR with the reason in errbuf,
 * FERRYE_UNSUPPORTED_PROTOCOL when r holds no connection. */
ferry_code ferry__raw_recv(ferry__raw *r, void *p, size_t n, size_t *got,
                           char *errbuf, size_t errlen);
/* The connection's socket, -1 when none. */
int ferry__raw_fd(const ferry__raw *r);
/* Close the connection (TLS says close_notify) and take it out of its
 * pool; nothing when r holds none. */
void ferry__raw_close(ferry__raw *r);

#endif

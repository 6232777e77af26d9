/* An in-process TLS test server on mbedTLS 2.28.
 *
 * Like the plain scripted server (server.h): its own thread and uv loop,
 * listening on 127.0.0.1 at a port the kernel picks. Every connection
 * completes a TLS handshake with the configured certificate (and, if
 * client_ca is set, requires a client certificate signed by it), then
 * serves requests: a request is everything up to and including a blank
 * line ("\r\n\r\n"; requests have no bodies), and each is answered with
 * the configured response bytes. The mode chooses a misbehaviour.
 *
 * It records, per connection, the SNI the client sent, the decrypted bytes
 * it received, and the mbedTLS error that ended a failed handshake; and
 * counts handshakes, resumed sessions, and the other events of
 * tlsserver_stat. Sessions are resumed from a session-ID cache, or, when
 * tickets is set, from session tickets only (no cache), so a resumption
 * then proves the client kept its ticket. The server offers ALPN
 * "http/1.1".
 *
 * Every function may be called from any thread but the server's own.
 * Memory: test code, so an allocation failure aborts.
 */
#ifndef FERRY_TEST_TLSSERVER_H
#define FERRY_TEST_TLSSERVER_H

#include <stddef.h>

typedef struct tlsserver tlsserver;

typedef enum {
  /* Answer every request; keep the connection open until the client
   * closes it (a close_notify from the client is counted and answered by
   * closing the TCP connection). */
  TLSSRV_RESPOND,
  /* Answer the first request, then send close_notify and FIN. */
  TLSSRV_RESPOND_CLOSE_NOTIFY,
  /* Answer the first request, then FIN without close_notify. */
  TLSSRV_RESPOND_CLOSE,
  /* Answer the first request, then send a HelloRequest (ask the client to
   * renegotiate) and go on answering. The server gives the client no
   * grace: the first record after the HelloRequest that is not a new
   * ClientHello ends the connection; it counts
   * TLSSRV_RENEGOTIATION_REFUSED if that record is a no_renegotiation
   * alert, and a renegotiation that completes counts as a handshake. */
  TLSSRV_RENEGOTIATE,
  /* Wait for the ClientHello, then close the TCP connection. */
  TLSSRV_CLOSE_IN_HANDSHAKE,
  /* Wait for the ClientHello, then send non-TLS bytes (an HTTP/1.1 400
   * response) and keep the connection open. */
  TLSSRV_GARBAGE
} tlsserver_mode;

typedef struct tlsserver_config {
  const char *cert, *key; /* PEM files of the server's certificate and key */
  const char *client_ca;  /* if set, require a client certificate it signed */
  tlsserver_mode mode;
  const char *response;   /* answer to each request; NULL: a 200 "hello" */
  /* TLS 1.x minor versions allowed: 1 (TLS 1.0) .. 3 (TLS 1.2); 0 means
   * 3 for both. */
  int min_minor, max_minor;
  const char *ciphersuite; /* allow only this mbedTLS suite name; NULL: all */
  int curve;               /* allow only this mbedtls_ecp_group_id; 0: all */
  int tickets;             /* resume by session tickets instead of IDs */
  /* After a connection's handshake, read nothing from it for this many
   * ms (one connection at a time), so that a client's writes fill the
   * socket buffers; 0: read at once. */
  unsigned hold_reads_ms;
} tlsserver_config;

/* The default response. */
#define TLSSRV_HELLO                                                          \
  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

typedef enum {
  TLSSRV_CONNECTIONS,          /* accepted */
  TLSSRV_HANDSHAKES,           /* completed (renegotiations included) */
  TLSSRV_RESUMED,              /* completed handshakes that resumed */
  TLSSRV_HANDSHAKE_FAILURES,   /* handshakes that ended in an error */
  TLSSRV_CLIENT_CERTS,         /* handshakes with a verified client cert */
  TLSSRV_REQUESTS,             /* requests answered */
  TLSSRV_RENEGOTIATION_REFUSED,/* no_renegotiation alerts after a HelloRequest */
  TLSSRV_CLOSE_NOTIFY_RECEIVED,/* close_notify alerts from clients */
  TLSSRV_CLOSED,               /* connections closed, by either side */
  TLSSRV_STAT_COUNT
} tlsserver_stat;

/* Start a server; cfg and its strings are copied. Returns NULL on failure
 * (a message on stderr). */
tlsserver *tlsserver_start(const tlsserver_config *cfg);

/* The port, in host byte order. */
int tlsserver_port(const tlsserver *s);

/* A counter's value now. */
unsigned tlsserver_get(tlsserver *s, tlsserver_stat which);

/* Block until the counter reaches at least n, or timeout_ms passes.
 * Returns 0 when reached, -1 on timeout. */
int tlsserver_wait(tlsserver *s, tlsserver_stat which, unsigned n,
                   unsigned timeout_ms);

/* The SNI host name the conn_index-th connection (0-based, accept order)
 * sent: a malloc'd copy (the caller frees), or NULL if it sent none or
 * there is no such connection. *sent (if not NULL) is 1 if an SNI
 * extension was seen. */
char *tlsserver_sni(tlsserver *s, unsigned conn_index, int *sent);

/* The decrypted bytes the conn_index-th connection received: malloc'd with
 * a NUL after them (the caller frees), length in *len; NULL if there is no
 * such connection. */
char *tlsserver_received(tlsserver *s, unsigned conn_index, size_t *len);

/* The mbedTLS error (negative) that ended the conn_index-th connection's
 * handshake, 0 if none. */
int tlsserver_handshake_error(tlsserver *s, unsigned conn_index);

/* Stop: close every connection, join the thread, free everything.
 * Returns 0, or -1 if the loop did not close cleanly. */
int tlsserver_stop(tlsserver *s);

#endif

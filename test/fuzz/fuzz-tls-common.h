/* Shared by the TLS fuzz target (fuzz-tls.c) and its corpus generator
 * (gen-tls-corpus.c).
 *
 * Input of fuzz-tls: byte 0 is the feed size (1..255; 0 feeds everything
 * at once), byte 1 holds FUZZ_TLS_* flags, and the rest is what a server
 * sends: its handshake flight and the records after it. A ferry__tls client
 * takes them through ferry__tls_feed() in pieces, calling
 * ferry__tls_handshake() and then ferry__tls_read() after each piece, and
 * ferry__tls_feed_eof() at the end, as the engine does. Its own output is
 * dropped.
 *
 * Determinism: a recorded server flight is only worth replaying if the
 * client sends the same randoms and ECDH/RSA secrets as when it was
 * recorded; otherwise mbedTLS rejects the ServerKeyExchange signature and
 * the Finished, and the fuzzer never reaches the records after the
 * handshake. So both programs define mbedtls_entropy_func() (a fixed byte
 * pattern: the client's CTR-DRBG then gives the same numbers for every
 * input) and time() (a fixed date: the first four bytes of the client
 * random, and "now" for certificate validity). Those definitions in the
 * executable take the place of libmbedcrypto's and libc's. They are for
 * these two programs only, and never in libferry.
 */
#ifndef FERRY_FUZZ_TLS_COMMON_H
#define FERRY_FUZZ_TLS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "ferry.h"
#include "tls.h"

/* 2030-01-01T00:00:00Z, inside the validity of the certificates below. */
#define FUZZ_TLS_TIME 1893456000L

/* Flags in input byte 1. */
#define FUZZ_TLS_VERIFY 0x01      /* verify the peer against both certs */
#define FUZZ_TLS_WRITE 0x02       /* write a request after the handshake */
#define FUZZ_TLS_SMALL_READS 0x04 /* read 1..16 bytes at a time */
#define FUZZ_TLS_IP_HOST 0x08     /* connect to "127.0.0.1", not "localhost" */

/* Self-signed server identities for host "localhost" and 127.0.0.1: an
 * EC P-256 and an RSA 2048 one (PEM, NUL-terminated). */
extern const char fuzz_tls_ec_cert[], fuzz_tls_ec_key[];
extern const char fuzz_tls_rsa_cert[], fuzz_tls_rsa_key[];

/* The request written with FUZZ_TLS_WRITE. */
#define FUZZ_TLS_REQUEST "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"

typedef struct fuzz_tls_outcome {
  int opened;        /* the handshake completed */
  int closed;        /* FERRY__TLS_CLOSE_* that ended reading, or 0 */
  ferry_code rc;     /* the error that ended it, or FERRYE_OK */
  size_t read;       /* application bytes delivered */
  char head[256];    /* the first of them, NUL-terminated */
} fuzz_tls_outcome;

/* Run one input through a new client. Checks the layer's promises and
 * traps (__builtin_trap) when one is broken. */
void fuzz_tls_run(const uint8_t *data, size_t size, fuzz_tls_outcome *out);

/* The client configuration fuzz_tls_run() uses for these flags (the
 * generator must build the very same client). */
ferry_code fuzz_tls_client(unsigned flags, ferry__tls **out);

#endif

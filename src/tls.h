/* The TLS layer: a sans-IO TLS client on mbedTLS 2.28.
 *
 * Nothing here touches a socket or libuv. mbedTLS reads ciphertext from an
 * input buffer that the engine fills with ferry__tls_feed(), and writes
 * ciphertext into an output buffer that the engine drains with
 * ferry__tls_pending_out() / ferry__tls_consume_out(). Every function
 * returns at once; "FERRYE_AGAIN" means "give me more input".
 *
 * Three objects:
 *  - ferry__tls_ctx: one verification and identity configuration (parsed
 *    CA certificates, client certificate and key, pins, cipher and version
 *    limits, RNG). Parsing a CA bundle takes milliseconds, so the engine
 *    builds one per distinct configuration per multi and shares it: look it
 *    up by ferry__tls_config_key() first. Reference counted: every
 *    connection made from it holds a reference. It also remembers the
 *    server chains it verified (by name and certificates, an hour at
 *    most): a later full handshake showing the same chain for the same
 *    name skips the chain's signature checks, never the proof that the
 *    server holds the key.
 *  - ferry__tls: one connection.
 *  - ferry__tls_sessions: a cache of TLS sessions for resumption, keyed
 *    by host, port, mbedTLS's version and the configuration key: one per
 *    multi, or a share's (share.h), which handles in other threads use
 *    under its lock. A session is offered for its ticket's lifetime, a day
 *    at most, and can be exported and imported.
 *
 * How the engine pumps a connection (all on the multi's thread):
 *
 *   after connect:   t = ferry__tls_new(...); then HANDSHAKE.
 *   HANDSHAKE:       rc = ferry__tls_handshake(t); FLUSH;
 *                    rc == AGAIN: wait for POLL_IN (and POLL_OUT while
 *                      pending_out is not empty); on readable, recv() and
 *                      ferry__tls_feed() what came, then HANDSHAKE again.
 *                      On recv() == 0: ferry__tls_feed_eof(), HANDSHAKE
 *                      again (it fails with SSL_CONNECT_ERROR).
 *                    rc == OK: the handshake is done (and the final flight,
 *                      e.g. the client Finished of a resumed handshake, may
 *                      still be in pending_out: FLUSH before moving on).
 *                    other: fail the transfer with rc and errbuf.
 *   SEND:            ferry__tls_write(t, plain, n, &taken) instead of
 *                    sendmsg(); the caller advances by `taken`. FLUSH after
 *                    each call. AGAIN with taken 0 means the output buffer
 *                    is at its high-water mark: wait for POLL_OUT, FLUSH,
 *                    and retry.
 *   RECEIVE:         on readable, recv() and ferry__tls_feed(); then call
 *                    ferry__tls_read() in a loop, handing each piece to the
 *                    HTTP parser, until it returns AGAIN or *closed is set
 *                    (or the transfer pauses). FLUSH afterwards: reading
 *                    may queue an alert (for instance the refusal of a
 *                    renegotiation request). On recv() == 0, call
 *                    ferry__tls_feed_eof() and read on: buffered records
 *                    are delivered first, then *closed reports how the
 *                    connection ended.
 *   paused/unpaused: decrypted-but-unread bytes and undecrypted records
 *                    stay inside the TLS layer, and the socket will not
 *                    become readable for them again. On unpause, and
 *                    whenever ferry__tls_has_buffered() is nonzero, call
 *                    ferry__tls_read() before waiting on the socket.
 *   closing:         ferry__tls_close_notify(), one best-effort
 *                    non-blocking FLUSH, close the socket, ferry__tls_free().
 *   FLUSH:           while pending_out has bytes: send() them (MSG_NOSIGNAL)
 *                    and ferry__tls_consume_out() what was sent; on EAGAIN
 *                    watch POLL_OUT and come back.
 *
 * Pooling: a connection may be reused only by a transfer whose
 * ferry__tls_config_key() and host and port are equal to the ones it was
 * made with (CVE-2021-22924 class: never across different verification
 * settings).
 *
 * Memory: this layer's own allocations go through ferry__malloc and
 * friends. mbedTLS's internal allocations (record buffers, parsed
 * certificates, sessions) use libc calloc/free: Debian builds mbedTLS 2.28
 * without MBEDTLS_PLATFORM_MEMORY, so mbedtls_platform_set_calloc_free()
 * does not exist there. The allocation-failure tests therefore cannot fail
 * mbedTLS's allocations; mbedTLS reports its own failures as
 * MBEDTLS_ERR_*_ALLOC_FAILED, which become FERRYE_OUT_OF_MEMORY.
 *
 * Blocking: none on the network. ferry__tls_ctx_new() reads files (the CA
 * bundle, client certificate and key, a pinned key file), as libcurl does
 * when it sets up a connection.
 *
 * Threads: a ctx and its connections are used by one thread at a time
 * (the multi's); a session cache too, unless every use of it goes through
 * its lock (ferry__tls_new's sessions_lock).
 */
#ifndef FERRY_TLS_H
#define FERRY_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "ferry.h"
#include "lock.h"

/* The length of a configuration key, without its NUL. */
#define FERRY__TLS_KEY_LEN 64

/* Filled by the engine from the easy options. Strings and blobs are
 * borrowed for the duration of ferry__tls_ctx_new() / ferry__tls_config_key()
 * only; the ctx copies what it keeps. Zero-initialise and set what is
 * needed; ferry__tls_config_init() sets libcurl's defaults. */
typedef struct ferry__tls_config {
  int verify_peer;          /* SSL_VERIFYPEER: 1 (default) or 0 */
  int verify_host;          /* SSL_VERIFYHOST: 2 (default) or 0; 1 acts as 2 */
  /* The CA certificates. cainfo_blob (PEM or DER) overrides cainfo;
   * capath adds a directory's files to either. With none of the three
   * set, the build's FERRY_CA_BUNDLE is loaded. */
  const char *cainfo;       /* CAINFO */
  const char *capath;       /* CAPATH */
  const void *cainfo_blob;  /* CAINFO_BLOB */
  size_t cainfo_blob_len;
  const char *client_cert;  /* SSLCERT file (PEM or DER) */
  const char *client_key;   /* SSLKEY file; NULL: the key is in client_cert */
  const char *key_passwd;   /* KEYPASSWD for an encrypted key */
  const void *client_cert_blob; /* SSLCERT_BLOB; overrides client_cert */
  size_t client_cert_blob_len;
  const void *client_key_blob;  /* SSLKEY_BLOB; overrides client_key */
  size_t client_key_blob_len;
  /* PINNEDPUBLICKEY: "sha256//<base64>[;sha256//<base64>...]" or the path
   * of a PEM or DER public key (SubjectPublicKeyInfo) file. */
  const char *pinned_pubkey;
  /* SSL_CIPHER_LIST: names separated by ':', ',' or ' '. Each may be an
   * mbedTLS name (TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256), an IANA name
   * (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) or an OpenSSL name
   * (ECDHE-RSA-AES128-GCM-SHA256). Unknown names are skipped, as OpenSSL
   * does; a list with no known name is an error. NULL: mbedTLS's default. */
  const char *cipher_list;
  /* SSL_EC_CURVES: curve names separated by ':' (X25519, P-256, secp384r1,
   * brainpoolP256r1, ...), most preferred first; any unknown name is an
   * error. NULL: X25519, P-256, P-384, P-521, X448, then the brainpool
   * curves and secp256k1. */
  const char *ec_curves;
  /* SSLVERSION as set: a FERRY_SSLVERSION_* minimum OR'ed with an optional
   * FERRY_SSLVERSION_MAX_* maximum. */
  long ssl_version;
  /* ALPN protocols to offer, NULL-terminated (e.g. {"http/1.1", NULL});
   * NULL: no ALPN extension. */
  const char *const *alpn;
  /* SSLCERTTYPE and SSLKEYTYPE: NULL, "PEM" or "DER" (any case; mbedTLS
   * reads either form under either name). Anything else fails
   * ferry__tls_ctx_new() with FERRYE_SSL_CERTPROBLEM when a client
   * certificate is set ("P12" with a text saying mbedTLS 2.28 cannot read
   * PKCS#12). */
  const char *cert_type;
  const char *key_type;
  /* CA_CACHE_TIMEOUT: how many seconds a context made from this
   * configuration (its parsed CA store) may be used for new connections;
   * -1 forever, 0 never again. Not part of the key: the engine asks
   * ferry__tls_ctx_expired() before it reuses a cached context. */
  long ca_cache_timeout;
} ferry__tls_config;

typedef struct ferry__tls_ctx ferry__tls_ctx;
typedef struct ferry__tls ferry__tls;
typedef struct ferry__tls_sessions ferry__tls_sessions;

/* Set libcurl's defaults: verify_peer 1, verify_host 2, the rest 0/NULL. */
void ferry__tls_config_init(ferry__tls_config *cfg);

/* The key of a configuration: FERRY__TLS_KEY_LEN lowercase hex digits (a
 * SHA-256 over every field that decides what is verified or presented:
 * verify flags, CA file/path names and blob contents, client certificate
 * and key names, blob contents and password, pins, ciphers, versions and
 * ALPN) and a NUL, written to out. Two configurations with equal keys
 * verify identically. Never fails. */
void ferry__tls_config_key(const ferry__tls_config *cfg,
                           char out[FERRY__TLS_KEY_LEN + 1]);

/* Build a shared context from cfg. On success *out holds a new context
 * with one reference (the caller's), and its key is
 * ferry__tls_config_key(cfg). Errors, with a message in errbuf (errlen
 * bytes, may be 0):
 *   FERRYE_SSL_CACERT_BADFILE  a CA file, directory or blob gave no usable
 *                              certificate (only with verify_peer; with
 *                              verify_peer 0 no CA is loaded at all)
 *   FERRYE_SSL_CERTPROBLEM     the client certificate or key cannot be read
 *                              or parsed, the password is wrong, or the key
 *                              does not belong to the certificate
 *   FERRYE_SSL_PINNEDPUBKEYNOTMATCH  the pin is neither a valid sha256//
 *                              list nor a readable public key file
 *   FERRYE_SSL_CIPHER          no cipher of cipher_list is known, or a
 *                              curve of ec_curves is not
 *   FERRYE_SSL_CONNECT_ERROR   an unsupported version (SSLv2, SSLv3, or
 *                              TLS 1.3 as a minimum: mbedTLS 2.28 does TLS
 *                              up to 1.2), a maximum below the minimum, a
 *                              bad ALPN name, or the RNG cannot be seeded
 *   FERRYE_OUT_OF_MEMORY */
ferry_code ferry__tls_ctx_new(ferry__tls_ctx **out, const ferry__tls_config *cfg,
                              char *errbuf, size_t errlen);

/* Drop the caller's reference; the context is freed once no connection
 * made from it is left. NULL is ignored. */
void ferry__tls_ctx_free(ferry__tls_ctx *ctx);

/* The context's configuration key (see ferry__tls_config_key()); valid as
 * long as the context. */
const char *ferry__tls_ctx_key(const ferry__tls_ctx *ctx);

/* Was the context made ca_cache_timeout seconds ago or longer (never with
 * -1, always with 0)? Then CA_CACHE_TIMEOUT wants a new one, which reads
 * the CA files again; connections keep the one they were made with. */
int ferry__tls_ctx_expired(const ferry__tls_ctx *ctx, long ca_cache_timeout);

/* A new session cache holding at most max_entries sessions (the least
 * recently used is dropped first); max_entries 0 stores nothing. Returns
 * FERRYE_OK or FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__tls_sessions_new(ferry__tls_sessions **out,
                                   size_t max_entries);
/* Export and import sessions (ferry_easy_ssls_export and _import; ferry.h
 * describes the key, the salted hash and the data). The export calls fn
 * for every unexpired session made without a client certificate, with
 * pointers valid during the call, until fn returns other than FERRYE_OK,
 * which is returned; fn must not free the cache. s NULL exports nothing.
 * Errors: FERRYE_OUT_OF_MEMORY, FERRYE_FAILED_INIT (no random bytes for a
 * salt). The import takes a session under key, or without a key under
 * its salted hash (shmac, 48 bytes): a connection whose key hashes to it
 * resumes it. It is dropped without error when expired (and kept a day at
 * most). FERRYE_BAD_FUNCTION_ARGUMENT: neither key nor a 48-byte shmac,
 * sdata not an exported session this mbedTLS loads; or
 * FERRYE_OUT_OF_MEMORY. Both take the cache's lock (lock, NULL: none;
 * see ferry__tls_new) around their work on it; the export copies the
 * sessions under it and calls fn after unlocking, so fn may use the
 * cache's share. */
typedef ferry_code (*ferry__tls_export_fn)(void *ud, const char *key,
                                           const unsigned char *shmac,
                                           size_t shmac_len,
                                           const unsigned char *sdata,
                                           size_t sdata_len,
                                           int64_t valid_until, int tls_id,
                                           const char *alpn);
ferry_code ferry__tls_sessions_export(ferry__tls_sessions *s,
                                      const ferry__lock *lock,
                                      ferry__tls_export_fn fn, void *ud);
ferry_code ferry__tls_sessions_import(ferry__tls_sessions *s,
                                      const ferry__lock *lock, const char *key,
                                      const unsigned char *shmac,
                                      size_t shmac_len,
                                      const unsigned char *sdata,
                                      size_t sdata_len);

/* Free the cache and its sessions. NULL is ignored. Connections that used
 * it must be freed first. */
void ferry__tls_sessions_free(ferry__tls_sessions *s);
/* The number of sessions stored. */
size_t ferry__tls_sessions_count(const ferry__tls_sessions *s);

/* A new connection to host (a DNS name, or an IPv4 or IPv6 literal without
 * brackets; a trailing dot and an IPv6 zone id are ignored) and port.
 *
 * The connection holds a reference to ctx. If sessions is not NULL, the
 * connection offers a session stored for (host, port, ctx key), and
 * stores its own session there after a handshake whose verification
 * succeeded (or was turned off by verify_peer 0, under that configuration's
 * key); a failed handshake stores nothing and drops the session it offered.
 * sessions_lock (NULL: none) is the cache's lock when other handles share
 * it (lock.h): each look-up, store and drop takes it, SINGLE, around the
 * cache's work only. sessions and sessions_lock must stay valid until the
 * handshake ends (either way); the connection does not use them after.
 *
 * Names: for a DNS name, the name is sent as SNI and given to
 * mbedtls_ssl_set_hostname(); the chain check (this layer's, with
 * mbedTLS's X.509 verification) matches it against the dNSName SANs (or
 * the CN when the certificate has no SAN extension). For an IP literal no
 * SNI is sent (RFC 6066 allows names only). mbedTLS 2.28 would send any
 * hostname it is given as SNI, so the address is given to
 * mbedtls_ssl_set_hostname() only once the ClientHello is written; and
 * since mbedTLS 2.28 matches no iPAddress SAN, this layer's verify
 * callback replaces mbedTLS's name result for it: the address must be
 * among the certificate's iPAddress SANs (or, without a SAN extension, be
 * the CN). With verify_host 0 no name is checked; SNI is sent all the
 * same.
 *
 * Errors: FERRYE_OUT_OF_MEMORY; FERRYE_SSL_CONNECT_ERROR for an empty or
 * too long host name or an mbedTLS setup failure (message in errbuf). */
ferry_code ferry__tls_new(ferry__tls **out, ferry__tls_ctx *ctx,
                          ferry__tls_sessions *sessions,
                          const ferry__lock *sessions_lock, const char *host,
                          int port, char *errbuf, size_t errlen);

/* Free the connection (it sends nothing: queue ferry__tls_close_notify()
 * and flush first for a clean close). Drops its ctx reference. NULL is
 * ignored. */
void ferry__tls_free(ferry__tls *t);

/* Append received ciphertext (copied). The input buffer is capped at
 * 1 MiB: call handshake/read between feeds. Errors: FERRYE_OUT_OF_MEMORY,
 * FERRYE_RECV_ERROR when the cap would be passed (nothing is taken). */
ferry_code ferry__tls_feed(ferry__tls *t, const char *data, size_t len);

/* The transport reached EOF: no more input will come. */
void ferry__tls_feed_eof(ferry__tls *t);

/* Drive the handshake as far as the input allows. After any return,
 * pending_out may hold bytes to send (after an error: the alert telling
 * the server why; sending it is a courtesy). Returns
 *   FERRYE_OK     done (also on every later call); the peer is verified as
 *                 configured, the pin matched, and the session is stored;
 *   FERRYE_AGAIN  more input is needed (send pending_out first);
 * or an error with a message naming mbedTLS's reason in errbuf:
 *   FERRYE_PEER_FAILED_VERIFICATION  the certificate chain or name check
 *                 failed (the message lists mbedtls_x509_crt_verify_info()'s
 *                 reasons: expired, not trusted, name mismatch, ...)
 *   FERRYE_SSL_PINNEDPUBKEYNOTMATCH  the peer's public key is not pinned
 *   FERRYE_SSL_CONNECT_ERROR  anything else: an alert from the peer, no
 *                 common version or cipher, a malformed or non-TLS reply,
 *                 EOF during the handshake
 *   FERRYE_OUT_OF_MEMORY
 * After an error the connection must only be freed. */
ferry_code ferry__tls_handshake(ferry__tls *t, char *errbuf, size_t errlen);

/* The ciphertext waiting to be sent: returns a pointer to it and sets
 * *len (0 when nothing waits; the pointer may then be NULL). Valid until
 * the next call on t. */
const char *ferry__tls_pending_out(ferry__tls *t, size_t *len);

/* n bytes of pending_out were sent (n <= its length). */
void ferry__tls_consume_out(ferry__tls *t, size_t n);

/* Encrypt application bytes after the handshake. Takes as many of the len
 * bytes as fit below the output buffer's high-water mark (64 KiB), sets
 * *taken, and returns FERRYE_OK; if none fit (*taken 0, len > 0), returns
 * FERRYE_AGAIN: flush pending_out and call again. Errors: FERRYE_SEND_ERROR
 * (message in errbuf; also when called before the handshake is done),
 * FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__tls_write(ferry__tls *t, const char *data, size_t len,
                            size_t *taken, char *errbuf, size_t errlen);

/* Decrypt application bytes into buf (cap > 0) after the handshake:
 *   FERRYE_OK, *n > 0           bytes delivered; call again for more;
 *   FERRYE_AGAIN, *n = 0        more input needed (flush pending_out);
 *   FERRYE_OK, *n = 0, *closed = FERRY__TLS_CLOSE_NOTIFY
 *                               the peer sent close_notify;
 *   FERRYE_OK, *n = 0, *closed = FERRY__TLS_CLOSE_EOF
 *                               the transport ended (ferry__tls_feed_eof())
 *                               without close_notify: the HTTP layer
 *                               decides whether the message was complete;
 *   FERRYE_RECV_ERROR           a fatal alert, a bad record, or an
 *                               internal error (message in errbuf);
 *   FERRYE_OUT_OF_MEMORY.
 * *closed is 0 unless set as above. A HelloRequest (renegotiation request)
 * from the server is refused with a no_renegotiation warning alert, queued
 * in pending_out; the connection goes on. */
#define FERRY__TLS_CLOSE_NOTIFY 1
#define FERRY__TLS_CLOSE_EOF 2
ferry_code ferry__tls_read(ferry__tls *t, char *buf, size_t cap, size_t *n,
                           int *closed, char *errbuf, size_t errlen);

/* Nonzero if ferry__tls_read() may deliver bytes without more input:
 * decrypted bytes, or fed ciphertext mbedTLS has not looked at yet, are
 * buffered. Right after ferry__tls_read() returned FERRYE_AGAIN it is 0
 * (mbedTLS keeps a partial record itself), so a loop on it cannot spin. */
int ferry__tls_has_buffered(const ferry__tls *t);

/* Queue a close_notify alert in pending_out (once; later calls do
 * nothing). */
void ferry__tls_close_notify(ferry__tls *t);

/* mbedTLS's verification flags for FERRYINFO_SSL_VERIFYRESULT: 0 when the
 * peer verified, MBEDTLS_X509_BADCERT_* bits when not (0x80, SKIP_VERIFY,
 * with verify_peer 0), -1 before a certificate was seen. The name check is
 * reported as mbedTLS does (MBEDTLS_X509_BADCERT_CN_MISMATCH, 0x04). */
long ferry__tls_verify_result(const ferry__tls *t);

/* After the handshake: nonzero if the session was resumed. */
int ferry__tls_resumed(const ferry__tls *t);
/* Was the server's chain found verified before, under the same context, for
 * the same name (its signatures were not checked again)? */
int ferry__tls_chain_cached(const ferry__tls *t);
/* How many handshakes of the context found their chain verified before. */
size_t ferry__tls_ctx_verified_hits(const ferry__tls_ctx *ctx);

/* After the handshake: the negotiated version ("TLSv1.2"), cipher suite
 * (mbedTLS's name) and ALPN protocol (NULL if none). Valid as long as t. */
const char *ferry__tls_version(const ferry__tls *t);
const char *ferry__tls_cipher(const ferry__tls *t);
const char *ferry__tls_alpn(const ferry__tls *t);

/* After the handshake: the peer's certificate chain, as CURLINFO_CERTINFO
 * lists it (one slist of "Name:value" lines per certificate: Subject,
 * Issuer, Version, Serial Number, Signature Algorithm, Public Key
 * Algorithm, Start date, Expire date, Cert with the PEM text). Fills *out
 * with new allocations (num_of_certs 0 and certinfo NULL when the peer
 * sent no certificate); free them with ferry__tls_certinfo_free(). The
 * chain is the one mbedTLS keeps on the connection, so a later transfer on
 * the same connection gets the same lists (a resumed session keeps the
 * leaf only). Returns FERRYE_OK or FERRYE_OUT_OF_MEMORY (*out then
 * empty). */
ferry_code ferry__tls_certinfo(const ferry__tls *t, struct ferry_certinfo *out);
/* Free what ferry__tls_certinfo() filled and zero it. */
void ferry__tls_certinfo_free(struct ferry_certinfo *ci);

#endif

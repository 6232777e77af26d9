/* HTTP Digest access authentication (RFC 7616), sans-IO: read a server's
 * WWW-Authenticate challenge, make the Authorization value for a request.
 *
 * Supported: the algorithms MD5, MD5-sess, SHA-256 and SHA-256-sess,
 * qop "auth" or no qop (RFC 2069 style), opaque, a nonce count per nonce.
 * Not supported: qop "auth-int" alone, SHA-512-256, userhash (the user
 * name is sent as is). */
#ifndef FERRY_AUTH_H
#define FERRY_AUTH_H

#include "ferry.h"

typedef enum {
  FERRY__DIGEST_MD5,
  FERRY__DIGEST_MD5_SESS,
  FERRY__DIGEST_SHA256,
  FERRY__DIGEST_SHA256_SESS
} ferry__digest_algo;

typedef struct ferry__digest {
  char *realm;   /* NULL when no challenge is held */
  char *nonce;
  char *opaque;  /* NULL if the server sent none */
  ferry__digest_algo algo;
  /* the challenge's algorithm as it spelled it ("MD5", "md5-sess"), sent
   * back as is, as libcurl does; "" when it named none, and then none is
   * sent */
  char algorithm[sizeof("SHA-256-sess")];
  int qop_auth;  /* the server offered qop "auth" */
  unsigned nc;   /* requests made with this nonce so far */
} ferry__digest;

/* Find a Digest challenge in one WWW-Authenticate value (which may hold
 * several challenges: `Basic realm="a", Digest realm="b", nonce="c"`) and
 * keep it in d, replacing what d held. Returns 1 when one was found and is
 * usable, 0 when there is none or it is unusable (no nonce, an unknown
 * algorithm, only qop auth-int; d is then left as it was), -1 when out of
 * memory. */
int ferry__digest_challenge(ferry__digest *d, const char *value);

/* Does the value name the scheme (case-insensitive) as one of its
 * challenges? */
int ferry__auth_offers(const char *value, const char *scheme);

/* The Authorization value ("Digest username=..., response=...") for a
 * request of method to uri (the request target) with these credentials.
 * cnonce: the client nonce to use, or NULL for a random one. Counts the
 * nonce's use. NULL when out of memory. */
char *ferry__digest_response(ferry__digest *d, const char *user,
                             const char *password, const char *method,
                             const char *uri, const char *cnonce);

void ferry__digest_free(ferry__digest *d);

#endif

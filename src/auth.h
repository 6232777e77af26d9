/* HTTP authentication values, sans-IO: Basic (RFC 7617) from a user and
 * password, and Digest access authentication (RFC 7616): read a server's
 * WWW-Authenticate challenge, make the Authorization value for a request.
 *
 * Supported: the algorithms MD5, MD5-sess, SHA-256 and SHA-256-sess,
 * qop "auth", "auth-int" (hashing an empty body, as libcurl does) or no
 * qop (RFC 2069 style), opaque, stale, a nonce count per nonce.
 * Not supported: SHA-512-256, userhash (the user name is sent as is). */
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
  int qop_auth_int; /* ... or only "auth-int" */
  int stale;     /* the challenge said stale=true: the nonce expired, the
                    credentials were good */
  unsigned nc;   /* requests made with this nonce so far */
} ferry__digest;

/* Find the first Digest challenge in a WWW-Authenticate value (which may
 * hold several challenges: `Basic realm="a", Digest realm="b", nonce="c"`)
 * and put it in d in place of what d held, as libcurl does with its
 * handle's Digest state. Returns
 *   1  a usable challenge is held
 *   0  there is no Digest challenge (d is left as it was), or it is not
 *      usable: no nonce, an unknown algorithm (d is then emptied), or an
 *      algorithm "-sess" without qop (d holds it, and is used again only
 *      if a later request answers it anyway, as libcurl would)
 *  -1  out of memory (d is emptied) */
int ferry__digest_challenge(ferry__digest *d, const char *value);

/* "Basic <base64 of user:pass>" (user is ulen bytes); NULL when out of
 * memory (*oom set). The caller frees it. */
char *ferry__auth_basic(const char *user, size_t ulen, const char *pass,
                        int *oom);

/* Does the value name the scheme (case-insensitive) as one of its
 * challenges? A scheme is followed by a blank, a comma or the end. */
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

/* HTTP authentication values: Basic and Digest (see auth.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/md5.h>
#include <mbedtls/sha256.h>

#include "alloc.h"
#include "auth.h"
#include "buf.h"

char *ferry__auth_basic(const char *user, size_t ulen, const char *pass,
                        int *oom) {
  size_t plen = strlen(pass), b64len = 0;
  char *userpass, *out;

  *oom = 0;
  userpass = ferry__malloc(ulen + plen + 2);
  if (userpass == NULL) {
    *oom = 1;
    return NULL;
  }
  memcpy(userpass, user, ulen);
  userpass[ulen] = ':';
  memcpy(userpass + ulen + 1, pass, plen + 1);
  mbedtls_base64_encode(NULL, 0, &b64len, (const unsigned char *)userpass,
                        ulen + plen + 1);
  out = ferry__malloc(b64len + 8);
  if (out == NULL ||
      mbedtls_base64_encode((unsigned char *)out + 6, b64len + 2, &b64len,
                            (const unsigned char *)userpass,
                            ulen + plen + 1) != 0) {
    ferry__free(out);
    out = NULL;
    *oom = 1;
  } else {
    memcpy(out, "Basic ", 6);
  }
  /* the password does not linger in freed memory */
  memset(userpass, 0, ulen + plen + 1);
  ferry__free(userpass);
  return out;
}

static int is_space(char c) { return c == ' ' || c == '\t'; }

static int is_tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

/* Skip blanks and commas. */
static const char *skip_sep(const char *p) {
  while (is_space(*p) || *p == ',')
    p++;
  return p;
}

/* One "name=value" at p (value a token or a quoted string). Returns the
 * position after it, with the name and the (unquoted, unescaped) value in
 * name[] and value (allocated); NULL at a token that is not followed by
 * '=' (the next challenge's scheme) or at the end. *oom on failure to
 * allocate. */
static const char *auth_param(const char *p, char *name, size_t namecap,
                              char **value, int *oom) {
  const char *q = p;
  size_t n;
  ferry__buf v;

  *value = NULL;
  while (is_tchar(*q))
    q++;
  n = (size_t)(q - p);
  if (n == 0 || n >= namecap)
    return NULL;
  memcpy(name, p, n);
  name[n] = '\0';
  while (is_space(*q))
    q++;
  if (*q != '=')
    return NULL;
  q++;
  while (is_space(*q))
    q++;
  ferry__buf_init(&v, 64 * 1024);
  if (*q == '"') {
    for (q++; *q && *q != '"'; q++) {
      if (*q == '\\' && q[1] != '\0')
        q++;
      if (ferry__buf_add(&v, q, 1) != 0)
        goto failed;
    }
    if (*q == '"')
      q++;
  } else {
    const char *start = q;
    while (*q && *q != ',' && !is_space(*q))
      q++;
    if (ferry__buf_add(&v, start, (size_t)(q - start)) != 0)
      goto failed;
  }
  if (v.data == NULL && ferry__buf_add(&v, "", 0) != 0)
    goto failed;
  *value = v.data;
  return q;
failed:
  ferry__buf_free(&v);
  *oom = 1;
  return NULL;
}

/* The start of the scheme's challenge in value (just after the scheme
 * name), or NULL. A scheme starts the value or follows a comma, and is
 * followed by a blank, a comma or the end. */
static const char *find_scheme(const char *value, const char *scheme) {
  size_t n = strlen(scheme);
  const char *p = value;
  int in_quote = 0;

  for (;;) {
    const char *s = p;
    while (is_space(*s) || *s == ',')
      s++;
    if (strncasecmp(s, scheme, n) == 0 &&
        (s[n] == '\0' || s[n] == ',' || is_space(s[n])))
      return s + n;
    /* on to the next comma outside a quoted string */
    for (p = s; *p && (in_quote || *p != ','); p++) {
      if (*p == '\\' && in_quote && p[1] != '\0')
        p++;
      else if (*p == '"')
        in_quote = !in_quote;
    }
    if (*p == '\0')
      return NULL;
    p++;
  }
}

int ferry__auth_offers(const char *value, const char *scheme) {
  return value != NULL && find_scheme(value, scheme) != NULL;
}

int ferry__digest_challenge(ferry__digest *d, const char *value) {
  ferry__digest nd;
  const char *p = find_scheme(value, "Digest");
  int oom = 0, algo_ok = 1, sess;

  if (p == NULL)
    return 0;
  memset(&nd, 0, sizeof(nd));
  nd.algo = FERRY__DIGEST_MD5;
  for (p = skip_sep(p); *p && algo_ok;) {
    char name[32], *v;
    const char *next = auth_param(p, name, sizeof(name), &v, &oom);
    if (next == NULL)
      break;
    if (strcasecmp(name, "realm") == 0) {
      ferry__free(nd.realm);
      nd.realm = v;
    } else if (strcasecmp(name, "nonce") == 0) {
      ferry__free(nd.nonce);
      nd.nonce = v;
    } else if (strcasecmp(name, "opaque") == 0) {
      ferry__free(nd.opaque);
      nd.opaque = v;
    } else {
      if (strcasecmp(name, "algorithm") == 0) {
        if (strcasecmp(v, "MD5") == 0)
          nd.algo = FERRY__DIGEST_MD5;
        else if (strcasecmp(v, "MD5-sess") == 0)
          nd.algo = FERRY__DIGEST_MD5_SESS;
        else if (strcasecmp(v, "SHA-256") == 0)
          nd.algo = FERRY__DIGEST_SHA256;
        else if (strcasecmp(v, "SHA-256-sess") == 0)
          nd.algo = FERRY__DIGEST_SHA256_SESS;
        else
          algo_ok = 0;
        if (algo_ok)
          snprintf(nd.algorithm, sizeof(nd.algorithm), "%s", v);
      } else if (strcasecmp(name, "stale") == 0) {
        nd.stale = strcasecmp(v, "true") == 0;
      } else if (strcasecmp(name, "qop") == 0) {
        /* a list: "auth", "auth-int" or "auth,auth-int"; "auth" is
         * preferred, as in libcurl */
        const char *q = v;
        nd.qop_auth = nd.qop_auth_int = 0;
        while (*q) {
          size_t n;
          while (*q == ',' || is_space(*q))
            q++;
          n = strcspn(q, ", \t");
          if (n == 4 && strncasecmp(q, "auth", 4) == 0)
            nd.qop_auth = 1;
          else if (n == 8 && strncasecmp(q, "auth-int", 8) == 0)
            nd.qop_auth_int = 1;
          q += n;
        }
        if (nd.qop_auth)
          nd.qop_auth_int = 0;
      }
      ferry__free(v);
    }
    p = skip_sep(next);
  }
  ferry__digest_free(d);
  if (oom || !algo_ok) {
    ferry__digest_free(&nd);
    return oom ? -1 : 0;
  }
  if (nd.realm == NULL && (nd.realm = ferry__strdup("")) == NULL) {
    ferry__digest_free(&nd);
    return -1;
  }
  *d = nd;
  /* the "-sess" algorithms need a qop: their hash takes the cnonce */
  sess = nd.algo == FERRY__DIGEST_MD5_SESS ||
         nd.algo == FERRY__DIGEST_SHA256_SESS;
  return nd.nonce != NULL && (!sess || nd.qop_auth || nd.qop_auth_int);
}

void ferry__digest_free(ferry__digest *d) {
  ferry__free(d->realm);
  ferry__free(d->nonce);
  ferry__free(d->opaque);
  memset(d, 0, sizeof(*d));
}

/* The lowercase hex digest of the concatenation of parts (NULL-ended),
 * with the challenge's hash. out holds 64 hex digits and a NUL. */
static void hash_hex(ferry__digest_algo algo, char out[65], ...) {
  static const char hex[] = "0123456789abcdef";
  unsigned char sum[32];
  size_t len;
  va_list ap;
  const char *part;
  mbedtls_md5_context md5;
  mbedtls_sha256_context sha;
  int sha256 = algo == FERRY__DIGEST_SHA256 || algo == FERRY__DIGEST_SHA256_SESS;

  if (sha256) {
    mbedtls_sha256_init(&sha);
    mbedtls_sha256_starts_ret(&sha, 0);
  } else {
    mbedtls_md5_init(&md5);
    mbedtls_md5_starts_ret(&md5);
  }
  va_start(ap, out);
  while ((part = va_arg(ap, const char *)) != NULL) {
    if (sha256)
      mbedtls_sha256_update_ret(&sha, (const unsigned char *)part, strlen(part));
    else
      mbedtls_md5_update_ret(&md5, (const unsigned char *)part, strlen(part));
  }
  va_end(ap);
  if (sha256) {
    mbedtls_sha256_finish_ret(&sha, sum);
    mbedtls_sha256_free(&sha);
    len = 32;
  } else {
    mbedtls_md5_finish_ret(&md5, sum);
    mbedtls_md5_free(&md5);
    len = 16;
  }
  for (size_t i = 0; i < len; i++) {
    out[2 * i] = hex[sum[i] >> 4];
    out[2 * i + 1] = hex[sum[i] & 15];
  }
  out[2 * len] = '\0';
}

/* 16 random bytes as 32 hex digits, from a DRBG seeded for the call. */
static int random_cnonce(char out[33]) {
  static const char hex[] = "0123456789abcdef";
  static const char pers[] = "ferry digest cnonce";
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  unsigned char bytes[16];
  int ret;

  mbedtls_entropy_init(&entropy);
  mbedtls_ctr_drbg_init(&drbg);
  ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                              (const unsigned char *)pers, sizeof(pers) - 1);
  if (ret == 0)
    ret = mbedtls_ctr_drbg_random(&drbg, bytes, sizeof(bytes));
  mbedtls_ctr_drbg_free(&drbg);
  mbedtls_entropy_free(&entropy);
  if (ret != 0)
    return -1;
  for (size_t i = 0; i < sizeof(bytes); i++) {
    out[2 * i] = hex[bytes[i] >> 4];
    out[2 * i + 1] = hex[bytes[i] & 15];
  }
  out[32] = '\0';
  return 0;
}

/* Append s as a quoted string (with '"' and '\' escaped). */
static int add_quoted(ferry__buf *b, const char *s) {
  if (ferry__buf_add(b, "\"", 1))
    return -1;
  for (; *s; s++) {
    if ((*s == '"' || *s == '\\') && ferry__buf_add(b, "\\", 1))
      return -1;
    if (ferry__buf_add(b, s, 1))
      return -1;
  }
  return ferry__buf_add(b, "\"", 1);
}

char *ferry__digest_response(ferry__digest *d, const char *user,
                             const char *password, const char *method,
                             const char *uri, const char *cnonce) {
  char ha1[65], ha2[65], response[65], nc[9], own_cnonce[33];
  ferry__buf b;
  int bad;

  if (d->nonce == NULL)
    return NULL;
  if (cnonce == NULL) {
    if (random_cnonce(own_cnonce) != 0)
      return NULL;
    cnonce = own_cnonce;
  }
  d->nc++;
  snprintf(nc, sizeof(nc), "%08x", d->nc);
  hash_hex(d->algo, ha1, user, ":", d->realm, ":", password, (char *)NULL);
  if (d->algo == FERRY__DIGEST_MD5_SESS || d->algo == FERRY__DIGEST_SHA256_SESS) {
    char base[65];
    memcpy(base, ha1, sizeof(base));
    hash_hex(d->algo, ha1, base, ":", d->nonce, ":", cnonce, (char *)NULL);
  }
  if (d->qop_auth_int) {
    /* the body's hash is that of an empty one, whatever the request
     * sends, as in libcurl */
    char body[65];
    hash_hex(d->algo, body, "", (char *)NULL);
    hash_hex(d->algo, ha2, method, ":", uri, ":", body, (char *)NULL);
  } else {
    hash_hex(d->algo, ha2, method, ":", uri, (char *)NULL);
  }
  if (d->qop_auth || d->qop_auth_int)
    hash_hex(d->algo, response, ha1, ":", d->nonce, ":", nc, ":", cnonce,
             d->qop_auth ? ":auth:" : ":auth-int:", ha2, (char *)NULL);
  else
    hash_hex(d->algo, response, ha1, ":", d->nonce, ":", ha2, (char *)NULL);
  memset(ha1, 0, sizeof(ha1));

  ferry__buf_init(&b, 64 * 1024);
  bad = ferry__buf_adds(&b, "Digest username=") || add_quoted(&b, user) ||
        ferry__buf_adds(&b, ", realm=") || add_quoted(&b, d->realm) ||
        ferry__buf_adds(&b, ", nonce=") || add_quoted(&b, d->nonce) ||
        ferry__buf_adds(&b, ", uri=") || add_quoted(&b, uri);
  if (!bad && (d->qop_auth || d->qop_auth_int))
    bad = ferry__buf_adds(&b, ", cnonce=") || add_quoted(&b, cnonce) ||
          ferry__buf_cat(&b, ", nc=", nc,
                         d->qop_auth ? ", qop=auth" : ", qop=auth-int", NULL);
  if (!bad)
    bad = ferry__buf_cat(&b, ", response=\"", response, "\"", NULL);
  if (!bad && d->opaque)
    bad = ferry__buf_adds(&b, ", opaque=") || add_quoted(&b, d->opaque);
  if (!bad && d->algorithm[0])
    bad = ferry__buf_cat(&b, ", algorithm=", d->algorithm, NULL);
  if (bad) {
    ferry__buf_free(&b);
    return NULL;
  }
  return b.data;
}

/* The TLS layer on mbedTLS 2.28 (see tls.h).
 *
 * mbedTLS talks to the network through two callbacks set with
 * mbedtls_ssl_set_bio(): bio_recv() hands out bytes that the engine fed in,
 * or MBEDTLS_ERR_SSL_WANT_READ when there are none; bio_send() appends to
 * the output queue that the engine drains. bio_send() accepts everything up
 * to a hard cap that a handshake flight or one record never reaches, so
 * mbedtls_ssl_write() never sees WANT_WRITE and never holds half a record.
 *
 * Verification: mbedTLS is told to verify nothing (authmode NONE), and
 * ferry checks the server's chain itself at the very point where mbedTLS
 * would have (check_chain(), called as soon as the Certificate message is
 * parsed, before the ServerKeyExchange is looked at): the same X.509
 * verification against the same CAs and name, then the same two checks
 * mbedTLS adds (the key's curve, the key usage for the cipher suite), and
 * the same alert on failure. What that buys: a chain verified once is
 * remembered per multi (the SHA-256 of the configuration key, the name and
 * every certificate's DER), so the next full handshake with the same
 * server skips the chain's signature checks, the costliest part of an
 * ECDSA handshake after the key exchange. The server still proves it holds
 * the key: mbedTLS checks the ServerKeyExchange signature with the
 * certificate's key whatever the authmode. The host name check is
 * mbedTLS's for DNS names, and ours for IP literals, in verify_cb(),
 * because mbedTLS 2.28 neither matches iPAddress SANs nor leaves an IP
 * literal out of SNI.
 *
 * This file uses fields of mbedTLS 2.28's structs that later versions
 * made private: ssl->handshake->resume (to tell a resumed handshake),
 * ssl->handshake->ciphersuite_info and ssl->session_negotiate (the chain
 * being checked and its result), ssl->in_msg (the description byte of a
 * fatal alert, for the message), and two functions of ssl_internal.h.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <mbedtls/asn1.h>
#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/ssl_internal.h>
#include <mbedtls/ssl_internal.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include "alloc.h"
#include "errors.h"
#include "buf.h"
#include "lock.h"
#include "tls.h"

#ifndef FERRY_CA_BUNDLE
#define FERRY_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#endif

/* ferry__tls_write() takes plaintext only while less than this much
 * ciphertext waits to be sent. */
#define OUT_HIGH_WATER (64 * 1024)
/* bio_send() refuses (WANT_WRITE) past this: a 16 KiB record always fits
 * above the high-water mark, and so does a whole client handshake flight
 * (a few records of at most 16 KiB each). */
#define OUT_MAX (OUT_HIGH_WATER + 192 * 1024)
/* ferry__tls_feed() refuses past this much undecrypted input. */
#define IN_MAX (1024 * 1024)
/* The largest pinned-key file read. */
#define PIN_FILE_MAX (64 * 1024)
/* SHA-256 output. */
#define SHA256_LEN 32

/* ---- byte queues ------------------------------------------------------ */

/* A ferry__buf read from the front: bytes [off, b.len) are unread. */
typedef struct byteq {
  ferry__buf b;
  size_t off;
  size_t max; /* unread bytes never pass this */
} byteq;

static void byteq_init(byteq *q, size_t max) {
  ferry__buf_init(&q->b, SIZE_MAX / 2);
  q->off = 0;
  q->max = max;
}

static size_t byteq_len(const byteq *q) { return q->b.len - q->off; }

/* Returns 0, -1 when out of memory, -2 when max would be passed. */
static int byteq_add(byteq *q, const void *p, size_t n) {
  size_t unread = byteq_len(q);

  if (n > q->max - unread)
    return -2;
  /* Move the unread bytes down when that saves growing, or when at least
   * half the buffer is consumed (so each byte moves O(1) times). */
  if (q->off > 0 && (q->off >= q->b.len / 2 || q->b.len + n >= q->b.cap)) {
    memmove(q->b.data, q->b.data + q->off, unread);
    q->b.len = unread;
    q->off = 0;
  }
  return ferry__buf_add(&q->b, p, n);
}

static void byteq_consume(byteq *q, size_t n) {
  assert(n <= byteq_len(q));
  q->off += n;
  if (q->off == q->b.len) {
    q->off = 0;
    ferry__buf_reset(&q->b);
  }
}

/* ---- objects ------------------------------------------------------------ */

/* A chain that passed verification under a context: the digest of the name
 * and the certificates checked, and until when the entry counts. */
struct verified_entry {
  unsigned char digest[SHA256_LEN];
  int64_t until;   /* seconds since 1970; 0 for a free slot */
  uint64_t used;
};

/* How many chains a context remembers, and for how long at most (a trust
 * anchor may expire, a clock may jump: an hour bounds either). */
#define VERIFIED_MAX 32
#define VERIFIED_TTL_S 3600

struct ferry__tls_ctx {
  unsigned refs;
  uint64_t made_ms;   /* when it was made (CLOCK_MONOTONIC), for
                         CA_CACHE_TIMEOUT */
  int has_own_cert;   /* a client certificate: its sessions stay home */
  /* chains verified under this context (and so against its CAs): the
   * context lives in its multi's cache, one thread uses it */
  struct verified_entry verified[VERIFIED_MAX];
  uint64_t verified_tick;
  size_t verified_hits;
  char key[FERRY__TLS_KEY_LEN + 1];
  int verify_peer;
  int verify_host;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_ssl_config conf;
  mbedtls_x509_crt ca;
  mbedtls_x509_crt own_cert;
  mbedtls_pk_context own_key;
  int *ciphersuites;  /* 0-terminated, or NULL for the default */
  mbedtls_ecp_group_id *curves; /* NONE-terminated, or NULL: default_curves */
  char **alpn;        /* NULL-terminated, or NULL */
  /* The pin: a list of SHA-256 hashes, or the DER of one public key. */
  int has_pin;
  unsigned char (*pin_hashes)[SHA256_LEN];
  size_t n_pin_hashes;
  unsigned char *pin_der;
  size_t pin_der_len;
};

/* The salted hash of a session key ferry_easy_ssls_export hands out:
 * salt, then HMAC-SHA256(salt, key). */
#define SESSION_SALT_LEN 16
#define SESSION_HMAC_LEN 32
/* How long a session is offered: its ticket's lifetime hint, at most a
 * day; a day without a ticket. */
#define SESSION_MAX_LIFE_S 86400
/* The most bytes of an exported session (sdata) made or taken. */
#define SESSION_MAX_SDATA (64 * 1024)
/* The head of sdata: "FSS1", valid_until (8 bytes), the TLS version (2),
 * the ALPN's length (1) and the ALPN; mbedTLS's saved session follows. */
#define SDATA_MAGIC "FSS1"
#define SDATA_HEAD 15

struct session_entry {
  unsigned char in_use;
  char *key;       /* "host:port:mbedTLS/2.28.x:ctxkey"; NULL for a session
                      imported with its salted hash only */
  unsigned char salt[SESSION_SALT_LEN], hmac[SESSION_HMAC_LEN];
  unsigned char has_hmac;
  unsigned char exportable; /* made without a client certificate */
  int tls_id;      /* 0x0303 for TLS 1.2 */
  char *alpn;      /* the ALPN it was made with, or NULL */
  int64_t valid_until; /* seconds since 1970 */
  mbedtls_ssl_session session;
  uint64_t used;   /* tick of the last store or take */
};

struct ferry__tls_sessions {
  struct session_entry *entries;
  size_t max;
  uint64_t tick;
};

enum tls_state { TLS_HANDSHAKE, TLS_OPEN, TLS_FAILED };

struct ferry__tls {
  ferry__tls_ctx *ctx;
  /* the session cache and its lock, until the handshake ends */
  ferry__tls_sessions *sessions;
  const ferry__lock *sessions_lock;
  char *session_key;
  mbedtls_ssl_context ssl;
  enum tls_state state;
  /* An IP literal host, as bytes (4 or 16) and as text; ip_len 0 for a
   * DNS name. */
  unsigned char ip[16];
  size_t ip_len;
  char ip_text[64];
  unsigned char ip_hostname_set; /* given to mbedTLS after the ClientHello */
  byteq in, out;
  unsigned char eof;
  unsigned char resumed;
  unsigned char offered_session;
  unsigned char close_notify_queued;
  unsigned char chain_checked;   /* check_chain() ran for this handshake */
  unsigned char chain_cached;    /* ... and found the chain verified before */
};

/* ---- errors ------------------------------------------------------------- */

/* "mbedTLS error -0xXXXX: text" for an mbedTLS error code. */
static const char *mbed_reason(int ret, char *buf, size_t len) {
  char text[128];
  mbedtls_strerror(ret, text, sizeof(text));
  snprintf(buf, len, "mbedTLS error -0x%04X: %s", (unsigned)-ret, text);
  return buf;
}

static uint64_t monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- configuration key ---------------------------------------------------- */

static void key_field(mbedtls_sha256_context *sha, char tag, const void *data,
                      size_t len) {
  unsigned char head[10];
  head[0] = (unsigned char)tag;
  head[1] = data != NULL;
  for (int i = 0; i < 8; i++)
    head[2 + i] = (unsigned char)((uint64_t)len >> (8 * i));
  mbedtls_sha256_update_ret(sha, head, sizeof(head));
  if (data != NULL && len > 0)
    mbedtls_sha256_update_ret(sha, data, len);
}

static void key_string(mbedtls_sha256_context *sha, char tag, const char *s) {
  key_field(sha, tag, s, s ? strlen(s) : 0);
}

static void key_long(mbedtls_sha256_context *sha, char tag, long v) {
  char num[32];
  int n = snprintf(num, sizeof(num), "%ld", v);
  key_field(sha, tag, num, (size_t)n);
}

void ferry__tls_config_init(ferry__tls_config *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->verify_peer = 1;
  cfg->verify_host = 2;
}

void ferry__tls_config_key(const ferry__tls_config *cfg,
                           char out[FERRY__TLS_KEY_LEN + 1]) {
  static const char hex[] = "0123456789abcdef";
  mbedtls_sha256_context sha;
  unsigned char digest[SHA256_LEN];
  size_t n_alpn = 0;

  mbedtls_sha256_init(&sha);
  mbedtls_sha256_starts_ret(&sha, 0);
  key_string(&sha, 'v', "ferry-tls-1");
  key_long(&sha, 'p', cfg->verify_peer ? 1 : 0);
  key_long(&sha, 'h', cfg->verify_host ? 2 : 0);
  key_string(&sha, 'c', cfg->cainfo);
  key_string(&sha, 'C', cfg->capath);
  key_field(&sha, 'b', cfg->cainfo_blob, cfg->cainfo_blob_len);
  key_string(&sha, 'e', cfg->client_cert);
  key_string(&sha, 'k', cfg->client_key);
  key_string(&sha, 'w', cfg->key_passwd);
  key_field(&sha, 'E', cfg->client_cert_blob, cfg->client_cert_blob_len);
  key_field(&sha, 'K', cfg->client_key_blob, cfg->client_key_blob_len);
  key_string(&sha, 't', cfg->cert_type);
  key_string(&sha, 'T', cfg->key_type);
  key_string(&sha, 'P', cfg->pinned_pubkey);
  key_string(&sha, 'x', cfg->cipher_list);
  key_string(&sha, 'g', cfg->ec_curves);
  key_long(&sha, 's', cfg->ssl_version);
  if (cfg->alpn != NULL)
    while (cfg->alpn[n_alpn] != NULL)
      key_string(&sha, 'a', cfg->alpn[n_alpn++]);
  key_long(&sha, 'A', cfg->alpn != NULL ? (long)n_alpn : -1);
  mbedtls_sha256_finish_ret(&sha, digest);
  mbedtls_sha256_free(&sha);
  for (size_t i = 0; i < SHA256_LEN; i++) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 15];
  }
  out[FERRY__TLS_KEY_LEN] = '\0';
}

/* ---- context setup -------------------------------------------------------- */

/* Copy a blob with a NUL after it. Sets *parse_len to the length mbedTLS's
 * parsers want: with the NUL for PEM, without it for DER. */
static unsigned char *blob_copy(const void *blob, size_t len,
                                size_t *parse_len) {
  unsigned char *copy = ferry__malloc(len + 1);
  if (copy == NULL)
    return NULL;
  memcpy(copy, blob, len);
  copy[len] = '\0';
  *parse_len = memmem(copy, len, "-----BEGIN ", 11) != NULL ? len + 1 : len;
  return copy;
}

/* Map SSLVERSION onto mbedTLS minor versions (major is always 3). */
static ferry_code set_versions(ferry__tls_ctx *ctx, long version, char *errbuf,
                               size_t errlen) {
  long lo = version & 0xffff, hi = version >> 16;
  int min_minor, max_minor;

  switch (lo) {
  case FERRY_SSLVERSION_DEFAULT:
  case FERRY_SSLVERSION_TLSv1_2:
    min_minor = MBEDTLS_SSL_MINOR_VERSION_3;
    break;
  case FERRY_SSLVERSION_TLSv1:
  case FERRY_SSLVERSION_TLSv1_0:
    min_minor = MBEDTLS_SSL_MINOR_VERSION_1;
    break;
  case FERRY_SSLVERSION_TLSv1_1:
    min_minor = MBEDTLS_SSL_MINOR_VERSION_2;
    break;
  case FERRY_SSLVERSION_TLSv1_3:
    ferry__errf(errbuf, errlen,
         "TLS 1.3 is not supported: mbedTLS %s does TLS up to 1.2",
         MBEDTLS_VERSION_STRING);
    return FERRYE_SSL_CONNECT_ERROR;
  case FERRY_SSLVERSION_SSLv2:
  case FERRY_SSLVERSION_SSLv3:
    ferry__errf(errbuf, errlen, "SSLv2 and SSLv3 are not supported");
    return FERRYE_SSL_CONNECT_ERROR;
  default:
    ferry__errf(errbuf, errlen, "unknown SSL version %ld", lo);
    return FERRYE_SSL_CONNECT_ERROR;
  }
  switch (hi) {
  case 0: /* MAX_NONE */
  case FERRY_SSLVERSION_MAX_DEFAULT >> 16:
  case FERRY_SSLVERSION_MAX_TLSv1_2 >> 16:
  case FERRY_SSLVERSION_MAX_TLSv1_3 >> 16: /* at most 1.2 here */
    max_minor = MBEDTLS_SSL_MINOR_VERSION_3;
    break;
  case FERRY_SSLVERSION_MAX_TLSv1_0 >> 16:
    max_minor = MBEDTLS_SSL_MINOR_VERSION_1;
    break;
  case FERRY_SSLVERSION_MAX_TLSv1_1 >> 16:
    max_minor = MBEDTLS_SSL_MINOR_VERSION_2;
    break;
  default:
    ferry__errf(errbuf, errlen, "unknown maximum SSL version %ld", hi);
    return FERRYE_SSL_CONNECT_ERROR;
  }
  if (max_minor < min_minor) {
    ferry__errf(errbuf, errlen, "the maximum TLS version is below the minimum");
    return FERRYE_SSL_CONNECT_ERROR;
  }
  mbedtls_ssl_conf_min_version(&ctx->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                               min_minor);
  mbedtls_ssl_conf_max_version(&ctx->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                               max_minor);
  return FERRYE_OK;
}

/* The OpenSSL name of an mbedTLS suite name, written to out. OpenSSL drops
 * "TLS-" and "-WITH-", names plain-RSA key exchange not at all, glues key
 * sizes to the cipher (AES128), leaves out CBC (except for PSK suites) and
 * ChaCha20's SHA256, and writes CCM-8 as CCM8 and 3DES-EDE-CBC as DES-CBC3.
 * A few legacy names (EDH-, the PSK CHACHA20 suites) do not follow this and
 * are matched by their IANA name only. Returns 0, or -1 if the name is not
 * of the TLS-...-WITH-... form. */
static int openssl_name(const char *mbed, char *out, size_t outlen) {
  char tmp[128], *parts[16], *save = NULL;
  size_t n = 0, w, used = 0;
  int psk = 0, chacha = 0;

  if (strlen(mbed) >= sizeof(tmp))
    return -1;
  strcpy(tmp, mbed);
  for (char *p = strtok_r(tmp, "-", &save); p && n < 16;
       p = strtok_r(NULL, "-", &save))
    parts[n++] = p;
  if (n < 3 || strcmp(parts[0], "TLS") != 0)
    return -1;
  for (w = 1; w < n && strcmp(parts[w], "WITH") != 0; w++)
    ;
  if (w == n || w == 1)
    return -1;
  out[0] = '\0';
#define APPEND(s)                                                              \
  do {                                                                         \
    int k_ = snprintf(out + used, outlen - used, "%s%s", used ? "-" : "", s);  \
    if (k_ < 0 || (size_t)k_ >= outlen - used)                                 \
      return -1;                                                               \
    used += (size_t)k_;                                                        \
  } while (0)
  /* key exchange */
  if (!(w == 2 && strcmp(parts[1], "RSA") == 0)) {
    for (size_t i = 1; i < w; i++) {
      if (strcmp(parts[i], "PSK") == 0)
        psk = 1;
      APPEND(parts[i]);
    }
  }
  /* cipher and mode */
  for (size_t i = w + 1; i < n; i++) {
    const char *p = parts[i];
    char glued[32];
    if ((strcmp(p, "AES") == 0 || strcmp(p, "CAMELLIA") == 0 ||
         strcmp(p, "ARIA") == 0) &&
        i + 1 < n && isdigit((unsigned char)parts[i + 1][0])) {
      snprintf(glued, sizeof(glued), "%s%s", p, parts[i + 1]);
      APPEND(glued);
      i++;
    } else if (strcmp(p, "3DES") == 0 && i + 2 < n &&
               strcmp(parts[i + 1], "EDE") == 0 &&
               strcmp(parts[i + 2], "CBC") == 0) {
      APPEND("DES-CBC3");
      i += 2;
    } else if (strcmp(p, "RC4") == 0 && i + 1 < n &&
               strcmp(parts[i + 1], "128") == 0) {
      APPEND("RC4");
      i++;
    } else if (strcmp(p, "CHACHA20") == 0) {
      chacha = 1;
      APPEND(p);
    } else if (strcmp(p, "CBC") == 0) {
      if (psk)
        APPEND(p);
    } else if (strcmp(p, "CCM") == 0 && i + 1 < n &&
               strcmp(parts[i + 1], "8") == 0) {
      APPEND("CCM8");
      i++;
    } else if (chacha && strcmp(p, "SHA256") == 0 && i + 1 == n) {
      /* OpenSSL leaves it out */
    } else {
      APPEND(p);
    }
  }
#undef APPEND
  return 0;
}

/* The mbedTLS id of one cipher name, or 0. */
static int cipher_id(const char *name) {
  char mbed[128];
  size_t len = strlen(name);
  const int *ids;
  int id;

  if (len == 0 || len >= sizeof(mbed))
    return 0;
  /* mbedTLS's own names, and IANA's (the same with '_' for '-'). */
  for (size_t i = 0; i <= len; i++)
    mbed[i] = name[i] == '_' ? '-' : (char)toupper((unsigned char)name[i]);
  id = mbedtls_ssl_get_ciphersuite_id(mbed);
  if (id != 0)
    return id;
  /* OpenSSL's names. */
  for (ids = mbedtls_ssl_list_ciphersuites(); *ids != 0; ids++) {
    const char *suite = mbedtls_ssl_get_ciphersuite_name(*ids);
    char ossl[128];
    if (suite != NULL && openssl_name(suite, ossl, sizeof(ossl)) == 0 &&
        strcasecmp(ossl, name) == 0)
      return *ids;
  }
  return 0;
}

static ferry_code set_ciphers(ferry__tls_ctx *ctx, const char *list,
                              char *errbuf, size_t errlen) {
  size_t max = 1, n = 0;
  const char *p;

  for (p = list; *p; p++)
    if (*p == ':' || *p == ',' || *p == ' ')
      max++;
  ctx->ciphersuites = ferry__calloc(max + 1, sizeof(int));
  if (ctx->ciphersuites == NULL)
    return FERRYE_OUT_OF_MEMORY;
  p = list;
  while (*p) {
    char name[128];
    size_t len = strcspn(p, ":, ");
    if (len > 0 && len < sizeof(name)) {
      int id;
      memcpy(name, p, len);
      name[len] = '\0';
      id = cipher_id(name);
      if (id != 0)
        ctx->ciphersuites[n++] = id;
    }
    p += len;
    if (*p)
      p++;
  }
  if (n == 0) {
    ferry__errf(errbuf, errlen, "no cipher in the list is supported: %s", list);
    return FERRYE_SSL_CIPHER;
  }
  ctx->ciphersuites[n] = 0;
  mbedtls_ssl_conf_ciphersuites(&ctx->conf, ctx->ciphersuites);
  return FERRYE_OK;
}

/* The curves offered when SSL_EC_CURVES is not set, most preferred first.
 * mbedTLS's own default offers the largest curves first, and a server that
 * follows the client's order (OpenSSL's default) then picks secp521r1,
 * whose key exchange costs about three times X25519's or secp256r1's. This
 * is the order OpenSSL and browsers offer; the 192- and 224-bit curves are
 * left out. */
static const mbedtls_ecp_group_id default_curves[] = {
    MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1,
    MBEDTLS_ECP_DP_SECP384R1,  MBEDTLS_ECP_DP_SECP521R1,
    MBEDTLS_ECP_DP_CURVE448,   MBEDTLS_ECP_DP_BP256R1,
    MBEDTLS_ECP_DP_BP384R1,    MBEDTLS_ECP_DP_BP512R1,
    MBEDTLS_ECP_DP_SECP256K1,  MBEDTLS_ECP_DP_NONE};

/* One curve name: mbedTLS's ("secp256r1", "x25519", "brainpoolP256r1"),
 * OpenSSL's ("X25519", "P-256", "prime256v1") or a TLS group name, in any
 * case. MBEDTLS_ECP_DP_NONE when unknown or not in this mbedTLS. */
static mbedtls_ecp_group_id curve_id(const char *name) {
  static const struct {
    const char *alias, *mbed;
  } aliases[] = {{"P-256", "secp256r1"}, {"prime256v1", "secp256r1"},
                 {"P-384", "secp384r1"}, {"P-521", "secp521r1"},
                 {"P-224", "secp224r1"}, {"P-192", "secp192r1"},
                 {"prime192v1", "secp192r1"}};
  const mbedtls_ecp_curve_info *info;

  for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
    if (strcasecmp(name, aliases[i].alias) == 0)
      name = aliases[i].mbed;
  for (info = mbedtls_ecp_curve_list(); info->grp_id != MBEDTLS_ECP_DP_NONE;
       info++)
    if (strcasecmp(info->name, name) == 0)
      return info->grp_id;
  return MBEDTLS_ECP_DP_NONE;
}

/* SSL_EC_CURVES: names separated by ':'. As with OpenSSL, which libcurl
 * hands the list to, one unknown name makes the whole list an error. */
static ferry_code set_curves(ferry__tls_ctx *ctx, const char *list,
                             char *errbuf, size_t errlen) {
  size_t max = 1, n = 0;
  const char *p;

  for (p = list; *p; p++)
    if (*p == ':')
      max++;
  ctx->curves = ferry__calloc(max + 1, sizeof(*ctx->curves));
  if (ctx->curves == NULL)
    return FERRYE_OUT_OF_MEMORY;
  for (p = list;; p++) {
    char name[32];
    size_t len = strcspn(p, ":");
    mbedtls_ecp_group_id id = MBEDTLS_ECP_DP_NONE;

    if (len > 0 && len < sizeof(name)) {
      memcpy(name, p, len);
      name[len] = '\0';
      id = curve_id(name);
    }
    if (id == MBEDTLS_ECP_DP_NONE) {
      ferry__errf(errbuf, errlen, "unknown or unsupported curve \"%.*s\" in the "
           "curve list", (int)(len < 64 ? len : 64), p);
      return FERRYE_SSL_CIPHER;
    }
    ctx->curves[n++] = id;
    p += len;
    if (*p == '\0')
      break;
  }
  ctx->curves[n] = MBEDTLS_ECP_DP_NONE;
  mbedtls_ssl_conf_curves(&ctx->conf, ctx->curves);
  return FERRYE_OK;
}

static ferry_code set_alpn(ferry__tls_ctx *ctx, const char *const *alpn,
                           char *errbuf, size_t errlen) {
  size_t n = 0;
  while (alpn[n] != NULL)
    n++;
  ctx->alpn = ferry__calloc(n + 1, sizeof(char *));
  if (ctx->alpn == NULL)
    return FERRYE_OUT_OF_MEMORY;
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(alpn[i]);
    if (len == 0 || len > 255) {
      ferry__errf(errbuf, errlen, "bad ALPN protocol name \"%s\"", alpn[i]);
      return FERRYE_SSL_CONNECT_ERROR;
    }
    ctx->alpn[i] = ferry__strdup(alpn[i]);
    if (ctx->alpn[i] == NULL)
      return FERRYE_OUT_OF_MEMORY;
  }
  if (n > 0 &&
      mbedtls_ssl_conf_alpn_protocols(&ctx->conf, (const char **)ctx->alpn) != 0) {
    ferry__errf(errbuf, errlen, "bad ALPN protocol list");
    return FERRYE_SSL_CONNECT_ERROR;
  }
  return FERRYE_OK;
}

static ferry_code load_ca(ferry__tls_ctx *ctx, const ferry__tls_config *cfg,
                          char *errbuf, size_t errlen) {
  char reason[160];
  int ret;

  if (cfg->cainfo_blob != NULL) {
    size_t parse_len;
    unsigned char *copy = blob_copy(cfg->cainfo_blob, cfg->cainfo_blob_len,
                                    &parse_len);
    if (copy == NULL)
      return FERRYE_OUT_OF_MEMORY;
    ret = mbedtls_x509_crt_parse(&ctx->ca, copy, parse_len);
    ferry__free(copy);
    if (ret < 0 || ctx->ca.raw.p == NULL) {
      if (ret == MBEDTLS_ERR_X509_ALLOC_FAILED)
        return FERRYE_OUT_OF_MEMORY;
      ferry__errf(errbuf, errlen, "error importing CA cert blob: %s",
           mbed_reason(ret < 0 ? ret : MBEDTLS_ERR_X509_INVALID_FORMAT, reason,
                       sizeof(reason)));
      return FERRYE_SSL_CACERT_BADFILE;
    }
  } else if (cfg->cainfo != NULL || cfg->capath == NULL) {
    const char *file = cfg->cainfo ? cfg->cainfo : FERRY_CA_BUNDLE;
    ret = mbedtls_x509_crt_parse_file(&ctx->ca, file);
    if (ret < 0 || ctx->ca.raw.p == NULL) {
      if (ret == MBEDTLS_ERR_X509_ALLOC_FAILED)
        return FERRYE_OUT_OF_MEMORY;
      ferry__errf(errbuf, errlen, "error reading CA cert file %s: %s", file,
           mbed_reason(ret < 0 ? ret : MBEDTLS_ERR_X509_INVALID_FORMAT, reason,
                       sizeof(reason)));
      return FERRYE_SSL_CACERT_BADFILE;
    }
  }
  if (cfg->capath != NULL) {
    const void *before = ctx->ca.raw.p;
    ret = mbedtls_x509_crt_parse_path(&ctx->ca, cfg->capath);
    if (ret < 0 || (ctx->ca.raw.p == NULL && before == NULL)) {
      if (ret == MBEDTLS_ERR_X509_ALLOC_FAILED)
        return FERRYE_OUT_OF_MEMORY;
      ferry__errf(errbuf, errlen, "error reading CA cert path %s: %s", cfg->capath,
           mbed_reason(ret < 0 ? ret : MBEDTLS_ERR_X509_INVALID_FORMAT, reason,
                       sizeof(reason)));
      return FERRYE_SSL_CACERT_BADFILE;
    }
  }
  mbedtls_ssl_conf_ca_chain(&ctx->conf, &ctx->ca, NULL);
  return FERRYE_OK;
}

/* SSLCERTTYPE and SSLKEYTYPE: "PEM" (the default) and "DER" are what
 * mbedTLS 2.28 reads, and it tells them apart by their bytes, so either
 * name reads either form (as libcurl on mbedTLS does). What it cannot
 * read fails with FERRYE_SSL_CERTPROBLEM. */
static ferry_code check_cert_types(const ferry__tls_config *cfg, char *errbuf,
                                   size_t errlen) {
  const char *ct = cfg->cert_type, *kt = cfg->key_type;

  if (ct != NULL && strcasecmp(ct, "PEM") != 0 && strcasecmp(ct, "DER") != 0) {
    if (strcasecmp(ct, "P12") == 0)
      ferry__errf(errbuf, errlen,
                  "SSLCERTTYPE P12: ferry's TLS library (mbedTLS 2.28) cannot "
                  "read PKCS#12 files; convert the certificate and key to PEM "
                  "or DER");
    else if (strcasecmp(ct, "ENG") == 0 || strcasecmp(ct, "PROV") == 0)
      ferry__errf(errbuf, errlen,
                  "SSLCERTTYPE %s: ferry has no crypto engines or providers",
                  ct);
    else
      ferry__errf(errbuf, errlen,
                  "SSLCERTTYPE \"%.32s\": not a certificate type (PEM or DER)",
                  ct);
    return FERRYE_SSL_CERTPROBLEM;
  }
  if (kt != NULL && strcasecmp(kt, "PEM") != 0 && strcasecmp(kt, "DER") != 0) {
    if (strcasecmp(kt, "ENG") == 0 || strcasecmp(kt, "PROV") == 0)
      ferry__errf(errbuf, errlen,
                  "SSLKEYTYPE %s: ferry has no crypto engines or providers",
                  kt);
    else
      ferry__errf(errbuf, errlen,
                  "SSLKEYTYPE \"%.32s\": not a key type (PEM or DER)", kt);
    return FERRYE_SSL_CERTPROBLEM;
  }
  return FERRYE_OK;
}

static ferry_code load_client_cert(ferry__tls_ctx *ctx,
                                   const ferry__tls_config *cfg, char *errbuf,
                                   size_t errlen) {
  const char *pw = cfg->key_passwd;
  char reason[160];
  int ret;

  if (cfg->client_cert_blob != NULL) {
    size_t parse_len;
    unsigned char *copy = blob_copy(cfg->client_cert_blob,
                                    cfg->client_cert_blob_len, &parse_len);
    if (copy == NULL)
      return FERRYE_OUT_OF_MEMORY;
    ret = mbedtls_x509_crt_parse(&ctx->own_cert, copy, parse_len);
    ferry__free(copy);
  } else {
    ret = mbedtls_x509_crt_parse_file(&ctx->own_cert, cfg->client_cert);
  }
  if (ret != 0) {
    if (ret == MBEDTLS_ERR_X509_ALLOC_FAILED)
      return FERRYE_OUT_OF_MEMORY;
    ferry__errf(errbuf, errlen, "unable to parse client certificate %s: %s",
         cfg->client_cert_blob ? "blob" : cfg->client_cert,
         mbed_reason(ret < 0 ? ret : MBEDTLS_ERR_X509_INVALID_FORMAT, reason,
                     sizeof(reason)));
    return FERRYE_SSL_CERTPROBLEM;
  }

  /* The key: its own blob or file, else the certificate's blob or file
   * (a PEM holding both). */
  if (cfg->client_key_blob != NULL ||
      (cfg->client_key == NULL && cfg->client_cert_blob != NULL)) {
    const void *blob = cfg->client_key_blob ? cfg->client_key_blob
                                            : cfg->client_cert_blob;
    size_t len = cfg->client_key_blob ? cfg->client_key_blob_len
                                      : cfg->client_cert_blob_len;
    size_t parse_len;
    unsigned char *copy = blob_copy(blob, len, &parse_len);
    if (copy == NULL)
      return FERRYE_OUT_OF_MEMORY;
    ret = mbedtls_pk_parse_key(&ctx->own_key, copy, parse_len,
                               (const unsigned char *)pw, pw ? strlen(pw) : 0);
    mbedtls_platform_zeroize(copy, len);
    ferry__free(copy);
  } else {
    ret = mbedtls_pk_parse_keyfile(&ctx->own_key,
                                   cfg->client_key ? cfg->client_key
                                                   : cfg->client_cert,
                                   pw);
  }
  if (ret != 0) {
    if (ret == MBEDTLS_ERR_PK_ALLOC_FAILED)
      return FERRYE_OUT_OF_MEMORY;
    /* a wrong password usually fails the padding check (PASSWORD_MISMATCH),
     * but about once in 256 decrypts into garbage that only the key's
     * parser refuses: say that the password may be why then too */
    ferry__errf(errbuf, errlen, "unable to parse private key %s%s: %s",
         cfg->client_key_blob || (!cfg->client_key && cfg->client_cert_blob)
             ? "blob"
             : (cfg->client_key ? cfg->client_key : cfg->client_cert),
         pw != NULL && ret != MBEDTLS_ERR_PK_PASSWORD_MISMATCH
             ? " (with KEYPASSWD given, a wrong password can fail this way)"
             : "",
         mbed_reason(ret, reason, sizeof(reason)));
    return FERRYE_SSL_CERTPROBLEM;
  }
  ret = mbedtls_pk_check_pair(&ctx->own_cert.pk, &ctx->own_key);
  if (ret != 0) {
    ferry__errf(errbuf, errlen,
         "the private key does not match the client certificate: %s",
         mbed_reason(ret, reason, sizeof(reason)));
    return FERRYE_SSL_CERTPROBLEM;
  }
  ret = mbedtls_ssl_conf_own_cert(&ctx->conf, &ctx->own_cert, &ctx->own_key);
  if (ret != 0) {
    if (ret == MBEDTLS_ERR_SSL_ALLOC_FAILED)
      return FERRYE_OUT_OF_MEMORY;
    ferry__errf(errbuf, errlen, "cannot use the client certificate: %s",
         mbed_reason(ret, reason, sizeof(reason)));
    return FERRYE_SSL_CERTPROBLEM;
  }
  return FERRYE_OK;
}

/* Parse "sha256//<b64>;sha256//<b64>..." into ctx->pin_hashes. Entries
 * that are not a sha256// hash of 32 bytes are skipped; at least one must
 * be valid. */
static ferry_code parse_pin_hashes(ferry__tls_ctx *ctx, const char *pin,
                                   char *errbuf, size_t errlen) {
  size_t max = 1;
  const char *p;

  for (p = pin; *p; p++)
    if (*p == ';')
      max++;
  ctx->pin_hashes = ferry__calloc(max, SHA256_LEN);
  if (ctx->pin_hashes == NULL)
    return FERRYE_OUT_OF_MEMORY;
  p = pin;
  while (*p) {
    size_t len = strcspn(p, ";");
    if (len > 8 && strncmp(p, "sha256//", 8) == 0) {
      unsigned char hash[SHA256_LEN + 3];
      size_t got = 0;
      if (mbedtls_base64_decode(hash, sizeof(hash), &got,
                                (const unsigned char *)p + 8, len - 8) == 0 &&
          got == SHA256_LEN)
        memcpy(ctx->pin_hashes[ctx->n_pin_hashes++], hash, SHA256_LEN);
    }
    p += len;
    if (*p)
      p++;
  }
  if (ctx->n_pin_hashes == 0) {
    ferry__errf(errbuf, errlen, "no valid sha256// hash in the pinned public key");
    return FERRYE_SSL_PINNEDPUBKEYNOTMATCH;
  }
  return FERRYE_OK;
}

/* Read a public key file (PEM or DER SubjectPublicKeyInfo) into
 * ctx->pin_der, re-encoded as DER. */
static ferry_code read_pin_file(ferry__tls_ctx *ctx, const char *path,
                                char *errbuf, size_t errlen) {
  unsigned char *data = NULL, der[PIN_FILE_MAX];
  size_t len = 0;
  mbedtls_pk_context pk;
  FILE *f;
  int ret;

  f = fopen(path, "rb");
  if (f == NULL) {
    ferry__errf(errbuf, errlen, "cannot read pinned public key file %s: %s", path,
         strerror(errno));
    return FERRYE_SSL_PINNEDPUBKEYNOTMATCH;
  }
  data = ferry__malloc(PIN_FILE_MAX + 1);
  if (data == NULL) {
    fclose(f);
    return FERRYE_OUT_OF_MEMORY;
  }
  len = fread(data, 1, PIN_FILE_MAX + 1, f);
  fclose(f);
  if (len == 0 || len > PIN_FILE_MAX) {
    ferry__free(data);
    ferry__errf(errbuf, errlen, "pinned public key file %s is empty or too large",
         path);
    return FERRYE_SSL_PINNEDPUBKEYNOTMATCH;
  }
  data[len] = '\0';
  mbedtls_pk_init(&pk);
  ret = mbedtls_pk_parse_public_key(
      &pk, data, memmem(data, len, "-----BEGIN ", 11) ? len + 1 : len);
  ferry__free(data);
  if (ret == 0)
    ret = mbedtls_pk_write_pubkey_der(&pk, der, sizeof(der));
  mbedtls_pk_free(&pk);
  if (ret <= 0) {
    char reason[160];
    ferry__errf(errbuf, errlen, "cannot parse pinned public key file %s: %s", path,
         mbed_reason(ret ? ret : MBEDTLS_ERR_PK_KEY_INVALID_FORMAT, reason,
                     sizeof(reason)));
    return FERRYE_SSL_PINNEDPUBKEYNOTMATCH;
  }
  /* The DER is written at the end of der. */
  ctx->pin_der = ferry__malloc((size_t)ret);
  if (ctx->pin_der == NULL)
    return FERRYE_OUT_OF_MEMORY;
  memcpy(ctx->pin_der, der + sizeof(der) - ret, (size_t)ret);
  ctx->pin_der_len = (size_t)ret;
  return FERRYE_OK;
}

static void ctx_destroy(ferry__tls_ctx *ctx) {
  mbedtls_ssl_config_free(&ctx->conf);
  mbedtls_x509_crt_free(&ctx->ca);
  mbedtls_x509_crt_free(&ctx->own_cert);
  mbedtls_pk_free(&ctx->own_key);
  mbedtls_ctr_drbg_free(&ctx->drbg);
  mbedtls_entropy_free(&ctx->entropy);
  ferry__free(ctx->ciphersuites);
  ferry__free(ctx->curves);
  if (ctx->alpn != NULL) {
    for (size_t i = 0; ctx->alpn[i] != NULL; i++)
      ferry__free(ctx->alpn[i]);
    ferry__free(ctx->alpn);
  }
  ferry__free(ctx->pin_hashes);
  ferry__free(ctx->pin_der);
  ferry__free(ctx);
}

ferry_code ferry__tls_ctx_new(ferry__tls_ctx **out, const ferry__tls_config *cfg,
                              char *errbuf, size_t errlen) {
  static const char pers[] = "ferry tls";
  ferry__tls_ctx *ctx;
  ferry_code rc;
  char reason[160];
  int ret;

  *out = NULL;
  ctx = ferry__calloc(1, sizeof(*ctx));
  if (ctx == NULL)
    return FERRYE_OUT_OF_MEMORY;
  ctx->refs = 1;
  ctx->made_ms = monotonic_ms();
  ctx->verify_peer = cfg->verify_peer != 0;
  ctx->verify_host = cfg->verify_host != 0;
  ferry__tls_config_key(cfg, ctx->key);
  mbedtls_entropy_init(&ctx->entropy);
  mbedtls_ctr_drbg_init(&ctx->drbg);
  mbedtls_ssl_config_init(&ctx->conf);
  mbedtls_x509_crt_init(&ctx->ca);
  mbedtls_x509_crt_init(&ctx->own_cert);
  mbedtls_pk_init(&ctx->own_key);

  ret = mbedtls_ctr_drbg_seed(&ctx->drbg, mbedtls_entropy_func, &ctx->entropy,
                              (const unsigned char *)pers, sizeof(pers) - 1);
  if (ret != 0) {
    ferry__errf(errbuf, errlen, "cannot seed the TLS random generator: %s",
         mbed_reason(ret, reason, sizeof(reason)));
    rc = FERRYE_SSL_CONNECT_ERROR;
    goto failed_setup;
  }
  ret = mbedtls_ssl_config_defaults(&ctx->conf, MBEDTLS_SSL_IS_CLIENT,
                                    MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT);
  if (ret != 0) {
    ferry__errf(errbuf, errlen, "cannot set up the TLS configuration: %s",
         mbed_reason(ret, reason, sizeof(reason)));
    rc = FERRYE_SSL_CONNECT_ERROR;
    goto failed_setup;
  }
  mbedtls_ssl_conf_rng(&ctx->conf, mbedtls_ctr_drbg_random, &ctx->drbg);
  mbedtls_ssl_conf_renegotiation(&ctx->conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
  mbedtls_ssl_conf_session_tickets(&ctx->conf,
                                   MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
  /* with verify_peer, check_chain() verifies in mbedTLS's place */
  mbedtls_ssl_conf_authmode(&ctx->conf, MBEDTLS_SSL_VERIFY_NONE);

  rc = set_versions(ctx, cfg->ssl_version, errbuf, errlen);
  if (rc != FERRYE_OK)
    goto failed_setup;
  /* With verify_peer 0 nothing is verified, so no CA is loaded (and a bad
   * CA file is no error), as libcurl does. */
  if (ctx->verify_peer) {
    rc = load_ca(ctx, cfg, errbuf, errlen);
    if (rc != FERRYE_OK)
      goto failed_setup;
  }
  if (cfg->client_cert != NULL || cfg->client_cert_blob != NULL) {
    rc = check_cert_types(cfg, errbuf, errlen);
    if (rc == FERRYE_OK)
      rc = load_client_cert(ctx, cfg, errbuf, errlen);
    if (rc != FERRYE_OK)
      goto failed_setup;
    ctx->has_own_cert = 1;
  }
  if (cfg->cipher_list != NULL) {
    rc = set_ciphers(ctx, cfg->cipher_list, errbuf, errlen);
    if (rc != FERRYE_OK)
      goto failed_setup;
  }
  if (cfg->ec_curves != NULL) {
    rc = set_curves(ctx, cfg->ec_curves, errbuf, errlen);
    if (rc != FERRYE_OK)
      goto failed_setup;
  } else {
    mbedtls_ssl_conf_curves(&ctx->conf, default_curves);
  }
  if (cfg->alpn != NULL) {
    rc = set_alpn(ctx, cfg->alpn, errbuf, errlen);
    if (rc != FERRYE_OK)
      goto failed_setup;
  }
  if (cfg->pinned_pubkey != NULL) {
    ctx->has_pin = 1;
    if (strncmp(cfg->pinned_pubkey, "sha256//", 8) == 0)
      rc = parse_pin_hashes(ctx, cfg->pinned_pubkey, errbuf, errlen);
    else
      rc = read_pin_file(ctx, cfg->pinned_pubkey, errbuf, errlen);
    if (rc != FERRYE_OK)
      goto failed_setup;
  }
  *out = ctx;
  return FERRYE_OK;

failed_setup:
  ctx_destroy(ctx);
  return rc;
}

void ferry__tls_ctx_free(ferry__tls_ctx *ctx) {
  if (ctx == NULL)
    return;
  assert(ctx->refs > 0);
  if (--ctx->refs == 0)
    ctx_destroy(ctx);
}

const char *ferry__tls_ctx_key(const ferry__tls_ctx *ctx) { return ctx->key; }

int ferry__tls_ctx_expired(const ferry__tls_ctx *ctx, long ca_cache_timeout) {
  if (ca_cache_timeout < 0)
    return 0;
  return monotonic_ms() - ctx->made_ms >= (uint64_t)ca_cache_timeout * 1000u;
}

/* ---- session cache -------------------------------------------------------- */

ferry_code ferry__tls_sessions_new(ferry__tls_sessions **out,
                                   size_t max_entries) {
  ferry__tls_sessions *s = ferry__calloc(1, sizeof(*s));

  *out = NULL;
  if (s == NULL)
    return FERRYE_OUT_OF_MEMORY;
  if (max_entries > 0) {
    s->entries = ferry__calloc(max_entries, sizeof(*s->entries));
    if (s->entries == NULL) {
      ferry__free(s);
      return FERRYE_OUT_OF_MEMORY;
    }
  }
  s->max = max_entries;
  *out = s;
  return FERRYE_OK;
}

static void entry_clear(struct session_entry *e) {
  if (!e->in_use)
    return;
  ferry__free(e->key);
  ferry__free(e->alpn);
  mbedtls_ssl_session_free(&e->session);
  mbedtls_platform_zeroize(e, sizeof(*e));
}

void ferry__tls_sessions_free(ferry__tls_sessions *s) {
  if (s == NULL)
    return;
  for (size_t i = 0; i < s->max; i++)
    entry_clear(&s->entries[i]);
  ferry__free(s->entries);
  ferry__free(s);
}

size_t ferry__tls_sessions_count(const ferry__tls_sessions *s) {
  size_t n = 0;
  for (size_t i = 0; i < s->max; i++)
    n += s->entries[i].in_use;
  return n;
}

/* n random bytes from the kernel. 0, or -1. */
static int random_bytes(unsigned char *p, size_t n) {
  while (n > 0) {
    ssize_t r = getrandom(p, n, 0);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

/* HMAC-SHA256 of key under salt into out. 0, or -1. */
static int session_hmac(const unsigned char salt[SESSION_SALT_LEN],
                        const char *key, unsigned char out[SESSION_HMAC_LEN]) {
  const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  return md != NULL && mbedtls_md_hmac(md, salt, SESSION_SALT_LEN,
                                       (const unsigned char *)key,
                                       strlen(key), out) == 0
             ? 0
             : -1;
}

/* The entry for key, if any: by key, or by the salted hash of a session
 * imported without one (which then learns its key). Expired entries on
 * the way are dropped. */
static struct session_entry *sessions_find(ferry__tls_sessions *s,
                                           const char *key) {
  int64_t now = (int64_t)time(NULL);

  for (size_t i = 0; i < s->max; i++) {
    struct session_entry *e = &s->entries[i];
    unsigned char mac[SESSION_HMAC_LEN];
    if (!e->in_use)
      continue;
    if (e->valid_until <= now) {
      entry_clear(e);
      continue;
    }
    if (e->key != NULL) {
      if (strcmp(e->key, key) == 0)
        return e;
    } else if (e->has_hmac && session_hmac(e->salt, key, mac) == 0 &&
               memcmp(mac, e->hmac, SESSION_HMAC_LEN) == 0) {
      e->key = ferry__strdup(key); /* may stay NULL: then hashed again */
      return e;
    }
  }
  return NULL;
}

/* A slot for a new entry: a free one, else the least recently used. */
static struct session_entry *sessions_slot(ferry__tls_sessions *s) {
  struct session_entry *e = &s->entries[0];
  for (size_t i = 0; i < s->max; i++) {
    if (!s->entries[i].in_use)
      return &s->entries[i];
    if (s->entries[i].used < e->used)
      e = &s->entries[i];
  }
  entry_clear(e);
  return e;
}

/* Put session (owned by the cache from now on, also on failure) under key
 * (or only the salted hash salt_hmac, when key is NULL). */
static ferry_code sessions_put(ferry__tls_sessions *s, const char *key,
                               const unsigned char *salt_hmac,
                               mbedtls_ssl_session *session, int64_t until,
                               int tls_id, const char *alpn, int exportable) {
  struct session_entry *e = NULL;
  char *key_copy = NULL, *alpn_copy = NULL;

  if (key != NULL)
    e = sessions_find(s, key);
  else
    for (size_t i = 0; i < s->max && e == NULL; i++)
      if (s->entries[i].in_use && s->entries[i].has_hmac &&
          memcmp(s->entries[i].salt, salt_hmac,
                 SESSION_SALT_LEN + SESSION_HMAC_LEN) == 0)
        e = &s->entries[i];
  if ((key != NULL && (key_copy = ferry__strdup(key)) == NULL) ||
      (alpn != NULL && (alpn_copy = ferry__strdup(alpn)) == NULL)) {
    ferry__free(key_copy);
    mbedtls_ssl_session_free(session);
    return FERRYE_OUT_OF_MEMORY;
  }
  if (e == NULL)
    e = sessions_slot(s);
  else
    entry_clear(e);
  e->in_use = 1;
  e->key = key_copy;
  if (key == NULL) {
    memcpy(e->salt, salt_hmac, SESSION_SALT_LEN);
    memcpy(e->hmac, salt_hmac + SESSION_SALT_LEN, SESSION_HMAC_LEN);
    e->has_hmac = 1;
  }
  e->exportable = exportable != 0;
  e->tls_id = tls_id;
  e->alpn = alpn_copy;
  e->valid_until = until;
  e->session = *session; /* the entry owns what session points to now */
  e->used = ++s->tick;
  return FERRYE_OK;
}

/* Store a copy of the connection's session (best effort: out of memory
 * stores nothing). The copy is made before the cache is locked. */
static void sessions_store(ferry__tls_sessions *s, const ferry__lock *lock,
                           const char *key, const mbedtls_ssl_context *ssl,
                           int exportable) {
  mbedtls_ssl_session session;
  int64_t life = SESSION_MAX_LIFE_S;

  if (s->max == 0)
    return;
  mbedtls_ssl_session_init(&session);
  if (mbedtls_ssl_get_session(ssl, &session) != 0) {
    mbedtls_ssl_session_free(&session);
    return;
  }
  if (session.ticket != NULL && session.ticket_lifetime > 0 &&
      session.ticket_lifetime < life)
    life = session.ticket_lifetime;
  ferry__lock_write(lock, FERRY_LOCK_DATA_SSL_SESSION);
  (void)sessions_put(s, key, NULL, &session, (int64_t)time(NULL) + life,
                     0x0300 | (ssl->minor_ver & 0xff),
                     mbedtls_ssl_get_alpn_protocol(ssl), exportable);
  ferry__unlock(lock, FERRY_LOCK_DATA_SSL_SESSION);
}

/* Forget the session stored under key (one that failed to resume). */
static void sessions_drop(ferry__tls_sessions *s, const ferry__lock *lock,
                          const char *key) {
  struct session_entry *e;
  ferry__lock_write(lock, FERRY_LOCK_DATA_SSL_SESSION);
  e = sessions_find(s, key);
  if (e != NULL)
    entry_clear(e);
  ferry__unlock(lock, FERRY_LOCK_DATA_SSL_SESSION);
}

static void put_be(unsigned char *p, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; i--, v >>= 8)
    p[i] = (unsigned char)v;
}

static uint64_t get_be(const unsigned char *p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++)
    v = v << 8 | p[i];
  return v;
}

/* One session copied out of the cache for the export's callback. */
struct export_item {
  struct export_item *next;
  char *key, *alpn; /* key NULL: imported by hash, not used since */
  unsigned char shmac[SESSION_SALT_LEN + SESSION_HMAC_LEN];
  unsigned char *sdata;
  size_t sdata_len;
  int64_t valid_until;
  int tls_id;
};

static void export_items_free(struct export_item *it) {
  while (it != NULL) {
    struct export_item *next = it->next;
    if (it->sdata != NULL) {
      mbedtls_platform_zeroize(it->sdata, it->sdata_len);
      ferry__free(it->sdata);
    }
    ferry__free(it->key);
    ferry__free(it->alpn);
    ferry__free(it);
    it = next;
  }
}

/* The export's copy of entry e (a salt and hash made for it the first
 * time), added at *tail. FERRYE_OK also when e has nothing to export. */
static ferry_code export_item_add(struct session_entry *e,
                                  struct export_item ***tail) {
  struct export_item *it;
  size_t alen = e->alpn ? strlen(e->alpn) : 0, olen = 0;

  if (!e->has_hmac) {
    /* the salt is the entry's own, so a session exported twice hashes
     * the same */
    if (random_bytes(e->salt, SESSION_SALT_LEN) != 0 ||
        session_hmac(e->salt, e->key, e->hmac) != 0)
      return FERRYE_FAILED_INIT;
    e->has_hmac = 1;
  }
  mbedtls_ssl_session_save(&e->session, NULL, 0, &olen);
  if (olen == 0 || SDATA_HEAD + alen + olen > SESSION_MAX_SDATA)
    return FERRYE_OK; /* nothing mbedTLS can save, or too big to hand out */
  it = ferry__calloc(1, sizeof(*it));
  if (it == NULL)
    return FERRYE_OUT_OF_MEMORY;
  **tail = it; /* freed with the list from here on */
  *tail = &it->next;
  if ((e->key != NULL && (it->key = ferry__strdup(e->key)) == NULL) ||
      (e->alpn != NULL && (it->alpn = ferry__strdup(e->alpn)) == NULL) ||
      (it->sdata = ferry__malloc(SDATA_HEAD + alen + olen)) == NULL)
    return FERRYE_OUT_OF_MEMORY;
  memcpy(it->shmac, e->salt, SESSION_SALT_LEN);
  memcpy(it->shmac + SESSION_SALT_LEN, e->hmac, SESSION_HMAC_LEN);
  memcpy(it->sdata, SDATA_MAGIC, 4);
  put_be(it->sdata + 4, (uint64_t)e->valid_until, 8);
  put_be(it->sdata + 12, (uint64_t)e->tls_id, 2);
  it->sdata[14] = (unsigned char)alen;
  if (alen)
    memcpy(it->sdata + SDATA_HEAD, e->alpn, alen);
  if (mbedtls_ssl_session_save(&e->session, it->sdata + SDATA_HEAD + alen,
                               olen, &olen) != 0)
    olen = 0;
  it->sdata_len = olen ? SDATA_HEAD + alen + olen : 0;
  it->valid_until = e->valid_until;
  it->tls_id = e->tls_id;
  return FERRYE_OK;
}

ferry_code ferry__tls_sessions_export(ferry__tls_sessions *s,
                                      const ferry__lock *lock,
                                      ferry__tls_export_fn fn, void *ud) {
  int64_t now = (int64_t)time(NULL);
  struct export_item *items = NULL, **tail = &items;
  ferry_code rc = FERRYE_OK;

  if (s == NULL)
    return FERRYE_OK;
  /* copies made under the lock; the callback runs without it (lock.h) */
  ferry__lock_write(lock, FERRY_LOCK_DATA_SSL_SESSION);
  for (size_t i = 0; i < s->max && rc == FERRYE_OK; i++) {
    struct session_entry *e = &s->entries[i];
    if (!e->in_use || !e->exportable)
      continue;
    if (e->valid_until <= now) {
      entry_clear(e);
      continue;
    }
    rc = export_item_add(e, &tail);
  }
  ferry__unlock(lock, FERRY_LOCK_DATA_SSL_SESSION);
  for (struct export_item *it = items; it != NULL && rc == FERRYE_OK;
       it = it->next)
    if (it->sdata_len > 0)
      rc = fn(ud, it->key, it->shmac, sizeof(it->shmac), it->sdata,
              it->sdata_len, it->valid_until, it->tls_id, it->alpn);
  export_items_free(items);
  return rc;
}

ferry_code ferry__tls_sessions_import(ferry__tls_sessions *s,
                                      const ferry__lock *lock, const char *key,
                                      const unsigned char *shmac,
                                      size_t shmac_len,
                                      const unsigned char *sdata,
                                      size_t sdata_len) {
  mbedtls_ssl_session session;
  int64_t until;
  size_t alen;
  char alpn[256];
  int ret;
  ferry_code rc;

  if ((key == NULL &&
       (shmac == NULL || shmac_len != SESSION_SALT_LEN + SESSION_HMAC_LEN)) ||
      sdata == NULL || sdata_len < SDATA_HEAD ||
      sdata_len > SESSION_MAX_SDATA || memcmp(sdata, SDATA_MAGIC, 4) != 0)
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  alen = sdata[14];
  if (sdata_len <= SDATA_HEAD + alen)
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  until = (int64_t)get_be(sdata + 4, 8);
  if (until <= (int64_t)time(NULL) || s->max == 0)
    return FERRYE_OK; /* expired, or a cache that keeps nothing */
  memcpy(alpn, sdata + SDATA_HEAD, alen);
  alpn[alen] = '\0';
  mbedtls_ssl_session_init(&session);
  ret = mbedtls_ssl_session_load(&session, sdata + SDATA_HEAD + alen,
                                 sdata_len - SDATA_HEAD - alen);
  if (ret != 0) {
    mbedtls_ssl_session_free(&session);
    return ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? FERRYE_OUT_OF_MEMORY
                                               : FERRYE_BAD_FUNCTION_ARGUMENT;
  }
  if (until > (int64_t)time(NULL) + SESSION_MAX_LIFE_S)
    until = (int64_t)time(NULL) + SESSION_MAX_LIFE_S;
  ferry__lock_write(lock, FERRY_LOCK_DATA_SSL_SESSION);
  rc = sessions_put(s, key, key ? NULL : shmac, &session, until,
                    (int)get_be(sdata + 12, 2), alen ? alpn : NULL, 1);
  ferry__unlock(lock, FERRY_LOCK_DATA_SSL_SESSION);
  return rc;
}

/* ---- verification --------------------------------------------------------- */

/* Does the certificate name the IP address ip (ip_len 4 or 16)? Matches
 * the iPAddress entries of the subjectAltName extension; a certificate
 * without that extension matches with a CN that is the same address.
 * mbedTLS 2.28 keeps the raw extensions in v3_ext, parsed here. */
static int cert_names_ip(const mbedtls_x509_crt *crt, const unsigned char *ip,
                         size_t ip_len) {
  unsigned char *p = crt->v3_ext.p, *end;
  size_t len;
  int have_san = 0;

  if (p != NULL && crt->v3_ext.len > 0 &&
      mbedtls_asn1_get_tag(&p, crt->v3_ext.p + crt->v3_ext.len, &len,
                           MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) == 0) {
    end = p + len;
    while (p < end) {
      unsigned char *ext_end, *oid;
      size_t oid_len;
      int critical;

      /* Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE,
       *                          extnValue OCTET STRING } */
      if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED |
                                                  MBEDTLS_ASN1_SEQUENCE) != 0)
        return 0;
      ext_end = p + len;
      if (mbedtls_asn1_get_tag(&p, ext_end, &oid_len, MBEDTLS_ASN1_OID) != 0)
        return 0;
      oid = p;
      p += oid_len;
      (void)mbedtls_asn1_get_bool(&p, ext_end, &critical); /* optional */
      if (mbedtls_asn1_get_tag(&p, ext_end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0)
        return 0;
      if (MBEDTLS_OID_CMP_RAW(MBEDTLS_OID_SUBJECT_ALT_NAME, oid, oid_len) == 0) {
        unsigned char *value_end = p + len, *names_end;
        have_san = 1;
        if (mbedtls_asn1_get_tag(&p, value_end, &len, MBEDTLS_ASN1_CONSTRUCTED |
                                                          MBEDTLS_ASN1_SEQUENCE) != 0)
          return 0;
        names_end = p + len;
        while (p < names_end) {
          /* GeneralName: iPAddress is [7] IMPLICIT OCTET STRING */
          unsigned char tag = *p++;
          size_t name_len;
          if (mbedtls_asn1_get_len(&p, names_end, &name_len) != 0)
            return 0;
          if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && name_len == ip_len &&
              memcmp(p, ip, ip_len) == 0)
            return 1;
          p += name_len;
        }
      }
      p = ext_end;
    }
  }
  if (have_san)
    return 0;
  for (const mbedtls_x509_name *n = &crt->subject; n != NULL; n = n->next) {
    char cn[64];
    unsigned char addr[16];
    if (n->oid.p == NULL || MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) != 0 ||
        n->val.len >= sizeof(cn))
      continue;
    memcpy(cn, n->val.p, n->val.len);
    cn[n->val.len] = '\0';
    if (inet_pton(ip_len == 4 ? AF_INET : AF_INET6, cn, addr) == 1 &&
        memcmp(addr, ip, ip_len) == 0)
      return 1;
  }
  return 0;
}

/* Called by mbedTLS for each certificate of the chain, root first. Only
 * the end-entity certificate (depth 0) carries the name check result. */
static int verify_cb(void *data, mbedtls_x509_crt *crt, int depth,
                     uint32_t *flags) {
  ferry__tls *t = data;

  if (depth != 0)
    return 0;
  if (!t->ctx->verify_host)
    *flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_CN_MISMATCH;
  else if (t->ip_len > 0) {
    /* No hostname was given to mbedTLS for an IP literal (see
     * ferry__tls_new), so this is the only name check. */
    if (cert_names_ip(crt, t->ip, t->ip_len))
      *flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_CN_MISMATCH;
    else
      *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
  }
  return 0;
}

/* "reason; reason" from verification flags. */
static void describe_flags(uint32_t flags, char *out, size_t outlen) {
  char info[512];
  size_t n = 0;
  int len = mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags);

  if (len <= 0) {
    snprintf(out, outlen, "flags 0x%x", (unsigned)flags);
    return;
  }
  for (int i = 0; i < len && n + 3 < outlen; i++) {
    if (info[i] == '\n') {
      if (i + 1 < len) {
        out[n++] = ';';
        out[n++] = ' ';
      }
    } else {
      out[n++] = info[i];
    }
  }
  out[n] = '\0';
}

/* ---- the chain check (see the top of the file) ---------------------------- */

static int64_t x509_time_epoch(const mbedtls_x509_time *t) {
  struct tm tm;

  memset(&tm, 0, sizeof(tm));
  tm.tm_year = t->year - 1900;
  tm.tm_mon = t->mon - 1;
  tm.tm_mday = t->day;
  tm.tm_hour = t->hour;
  tm.tm_min = t->min;
  tm.tm_sec = t->sec;
  return (int64_t)timegm(&tm);
}

/* The digest naming what a verification depends on, besides the context:
 * the name checked and every certificate of the chain, in order. */
static void chain_digest(const char *name, const mbedtls_x509_crt *chain,
                         unsigned char out[SHA256_LEN]) {
  mbedtls_sha256_context sha;

  mbedtls_sha256_init(&sha);
  mbedtls_sha256_starts_ret(&sha, 0);
  key_string(&sha, 'n', name);
  for (const mbedtls_x509_crt *c = chain; c != NULL && c->raw.p != NULL;
       c = c->next)
    key_field(&sha, 'c', c->raw.p, c->raw.len);
  mbedtls_sha256_finish_ret(&sha, out);
  mbedtls_sha256_free(&sha);
}

static struct verified_entry *verified_find(ferry__tls_ctx *ctx,
                                            const unsigned char *digest,
                                            int64_t now) {
  for (size_t i = 0; i < VERIFIED_MAX; i++) {
    struct verified_entry *v = &ctx->verified[i];
    if (v->until != 0 && memcmp(v->digest, digest, SHA256_LEN) == 0) {
      if (now < v->until)
        return v;
      v->until = 0; /* expired: verify again */
      return NULL;
    }
  }
  return NULL;
}

static void verified_store(ferry__tls_ctx *ctx, const unsigned char *digest,
                           const mbedtls_x509_crt *chain, int64_t now) {
  struct verified_entry *slot = &ctx->verified[0];
  int64_t until = now + VERIFIED_TTL_S;

  /* not past the first end of validity in the chain */
  for (const mbedtls_x509_crt *c = chain; c != NULL && c->raw.p != NULL;
       c = c->next) {
    int64_t end = x509_time_epoch(&c->valid_to);
    if (end < until)
      until = end;
  }
  if (until <= now)
    return;
  for (size_t i = 0; i < VERIFIED_MAX; i++) {
    struct verified_entry *v = &ctx->verified[i];
    if (v->until == 0) {
      slot = v;
      break;
    }
    if (v->used < slot->used)
      slot = v;
  }
  memcpy(slot->digest, digest, SHA256_LEN);
  slot->until = until;
  slot->used = ++ctx->verified_tick;
}

/* The alert mbedTLS sends for a chain refused with these flags. */
static unsigned char alert_for_flags(uint32_t flags) {
  if (flags & MBEDTLS_X509_BADCERT_OTHER)
    return MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED;
  if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH)
    return MBEDTLS_SSL_ALERT_MSG_BAD_CERT;
  if (flags & (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE |
               MBEDTLS_X509_BADCERT_NS_CERT_TYPE | MBEDTLS_X509_BADCERT_BAD_PK |
               MBEDTLS_X509_BADCERT_BAD_KEY))
    return MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_CERT;
  if (flags & MBEDTLS_X509_BADCERT_EXPIRED)
    return MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED;
  if (flags & MBEDTLS_X509_BADCERT_REVOKED)
    return MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED;
  if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
    return MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA;
  return MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN;
}

/* Verify the server's chain, just parsed from its Certificate message, as
 * mbedTLS's REQUIRED mode would at this point; see the top of the file.
 * Returns 0, or the mbedTLS error that fails the handshake (the alert is
 * queued, and the flags are the session's verify result). */
static int check_chain(ferry__tls *t) {
  ferry__tls_ctx *ctx = t->ctx;
  mbedtls_ssl_session *s = t->ssl.session_negotiate;
  const mbedtls_x509_crt *chain = s->peer_cert;
  const char *name = t->ssl.hostname;
  unsigned char digest[SHA256_LEN];
  int64_t now = (int64_t)time(NULL);
  uint32_t flags = 0;
  int ret = 0;

  t->chain_checked = 1;
  if (ctx->ca.raw.p == NULL) {
    ret = MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED;
  } else {
    chain_digest(name, chain, digest);
    if (verified_find(ctx, digest, now) != NULL) {
      t->chain_cached = 1;
      ctx->verified_hits++;
    } else {
      ret = mbedtls_x509_crt_verify_with_profile(
          (mbedtls_x509_crt *)chain, &ctx->ca, NULL, t->ssl.conf->cert_profile,
          name, &flags, verify_cb, t);
    }
  }
  /* what mbedTLS checks after the chain, whatever its result */
  if (mbedtls_pk_can_do(&chain->pk, MBEDTLS_PK_ECKEY) &&
      mbedtls_ssl_check_curve(&t->ssl, mbedtls_pk_ec(chain->pk)->grp.id) != 0) {
    flags |= MBEDTLS_X509_BADCERT_BAD_KEY;
    if (ret == 0)
      ret = MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE;
  }
  if (mbedtls_ssl_check_cert_usage(chain, t->ssl.handshake->ciphersuite_info,
                                   MBEDTLS_SSL_IS_SERVER, &flags) != 0 &&
      ret == 0)
    ret = MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE;
  s->verify_result = flags;
  if (ret == 0 && flags != 0)
    ret = MBEDTLS_ERR_X509_CERT_VERIFY_FAILED; /* fail closed */
  if (ret != 0) {
    (void)mbedtls_ssl_send_alert_message(&t->ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL,
                                         alert_for_flags(flags));
    return ret;
  }
  if (!t->chain_cached)
    verified_store(ctx, digest, chain, now);
  return 0;
}

/* Check the peer's public key against the pin. */
static ferry_code check_pin(ferry__tls *t, char *errbuf, size_t errlen) {
  const ferry__tls_ctx *ctx = t->ctx;
  const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&t->ssl);
  const unsigned char *spki;
  size_t spki_len;

  if (!ctx->has_pin)
    return FERRYE_OK;
  if (peer == NULL || peer->pk_raw.p == NULL) {
    ferry__errf(errbuf, errlen, "no peer public key to check against the pin");
    return FERRYE_SSL_PINNEDPUBKEYNOTMATCH;
  }
  /* The SubjectPublicKeyInfo exactly as the certificate holds it. */
  spki = peer->pk_raw.p;
  spki_len = peer->pk_raw.len;
  if (ctx->pin_der != NULL) {
    if (ctx->pin_der_len == spki_len &&
        memcmp(ctx->pin_der, spki, spki_len) == 0)
      return FERRYE_OK;
  } else {
    unsigned char hash[SHA256_LEN];
    if (mbedtls_sha256_ret(spki, spki_len, hash, 0) == 0)
      for (size_t i = 0; i < ctx->n_pin_hashes; i++)
        if (memcmp(ctx->pin_hashes[i], hash, SHA256_LEN) == 0)
          return FERRYE_OK;
  }
  ferry__errf(errbuf, errlen, "SSL: public key does not match pinned public key");
  return FERRYE_SSL_PINNEDPUBKEYNOTMATCH;
}

/* ---- connection ----------------------------------------------------------- */

static int bio_send(void *data, const unsigned char *buf, size_t len) {
  ferry__tls *t = data;
  int rc = byteq_add(&t->out, buf, len);

  if (rc == -2)
    return MBEDTLS_ERR_SSL_WANT_WRITE;
  if (rc != 0)
    return MBEDTLS_ERR_SSL_ALLOC_FAILED;
  return (int)len;
}

static int bio_recv(void *data, unsigned char *buf, size_t len) {
  ferry__tls *t = data;
  size_t avail = byteq_len(&t->in);

  if (avail == 0)
    return t->eof ? 0 : MBEDTLS_ERR_SSL_WANT_READ;
  if (len > avail)
    len = avail;
  memcpy(buf, t->in.b.data + t->in.off, len);
  byteq_consume(&t->in, len);
  return (int)len;
}

ferry_code ferry__tls_new(ferry__tls **out, ferry__tls_ctx *ctx,
                          ferry__tls_sessions *sessions,
                          const ferry__lock *sessions_lock, const char *host,
                          int port, char *errbuf, size_t errlen) {
  char name[MBEDTLS_SSL_MAX_HOST_NAME_LEN + 1];
  size_t len = strlen(host);
  ferry__tls *t;
  ferry_code rc;
  char reason[160];
  int ret;

  *out = NULL;
  if (len == 0 || len > MBEDTLS_SSL_MAX_HOST_NAME_LEN) {
    ferry__errf(errbuf, errlen, "bad host name for TLS: \"%.64s\"", host);
    return FERRYE_SSL_CONNECT_ERROR;
  }
  memcpy(name, host, len + 1);
  t = ferry__calloc(1, sizeof(*t));
  if (t == NULL)
    return FERRYE_OUT_OF_MEMORY;
  t->ctx = ctx;
  t->state = TLS_HANDSHAKE;
  byteq_init(&t->in, IN_MAX);
  byteq_init(&t->out, OUT_MAX);
  mbedtls_ssl_init(&t->ssl);

  /* An IP literal? (An IPv6 zone id names an interface, not the peer.) */
  {
    char *zone = strchr(name, '%');
    if (zone != NULL)
      *zone = '\0';
    if (inet_pton(AF_INET, name, t->ip) == 1)
      t->ip_len = 4;
    else if (inet_pton(AF_INET6, name, t->ip) == 1)
      t->ip_len = 16;
    if (t->ip_len > 0)
      inet_ntop(t->ip_len == 4 ? AF_INET : AF_INET6, t->ip, t->ip_text,
                sizeof(t->ip_text));
    else if (zone != NULL)
      *zone = '%';
  }
  if (t->ip_len == 0 && len > 1 && name[len - 1] == '.')
    name[len - 1] = '\0'; /* neither SNI nor certificates carry it */
  if (t->ip_len == 0) {
    /* a name goes in the SNI (and the session key) in lower case, as
     * libcurl sends it, whatever case the URL wrote it in */
    for (char *p = name; *p; p++)
      if (*p >= 'A' && *p <= 'Z')
        *p = (char)(*p - 'A' + 'a');
  }

  ret = mbedtls_ssl_setup(&t->ssl, &ctx->conf);
  if (ret != 0)
    goto failed_mbedtls;
  /* mbedTLS 2.28 sends whatever mbedtls_ssl_set_hostname() is given as
   * SNI, IP literals included, and matches it against dNSName SANs and the
   * CN only. So a DNS name goes to mbedTLS now, for SNI and its name check.
   * An IP literal is not given now (no SNI, as RFC 6066 requires); it is
   * given once the ClientHello is written (ferry__tls_handshake), so that
   * mbedTLS still checks a name, and verify_cb() replaces that check's
   * result with the iPAddress match. Without verify_cb, an IP would fail
   * closed. The hostname is cleared explicitly to show the choice. */
  ret = mbedtls_ssl_set_hostname(&t->ssl, t->ip_len ? NULL : name);
  if (ret != 0)
    goto failed_mbedtls;
  mbedtls_ssl_set_verify(&t->ssl, verify_cb, t);
  mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);

  if (sessions != NULL) {
    struct session_entry *e;
    size_t klen = strlen(name) + 64 + FERRY__TLS_KEY_LEN;
    int v6 = strchr(name, ':') != NULL;
    t->session_key = ferry__malloc(klen);
    if (t->session_key == NULL) {
      rc = FERRYE_OUT_OF_MEMORY;
      goto failed;
    }
    /* host and port, the TLS library, the settings: what
     * ferry_easy_ssls_export hands out as the session key */
    snprintf(t->session_key, klen, "%s%s%s:%d:mbedTLS/%s:%s", v6 ? "[" : "",
             name, v6 ? "]" : "", port, MBEDTLS_VERSION_STRING, ctx->key);
    t->sessions = sessions;
    t->sessions_lock = sessions_lock;
    /* mbedTLS copies the session: the entry may go once unlocked */
    ferry__lock_write(sessions_lock, FERRY_LOCK_DATA_SSL_SESSION);
    e = sessions_find(sessions, t->session_key);
    ret = e != NULL ? mbedtls_ssl_set_session(&t->ssl, &e->session) : -1;
    if (ret == 0)
      e->used = ++sessions->tick;
    ferry__unlock(sessions_lock, FERRY_LOCK_DATA_SSL_SESSION);
    if (ret == MBEDTLS_ERR_SSL_ALLOC_FAILED) {
      rc = FERRYE_OUT_OF_MEMORY;
      goto failed;
    }
    if (ret == 0)
      t->offered_session = 1;
  }
  ctx->refs++;
  *out = t;
  return FERRYE_OK;

failed_mbedtls:
  if (ret == MBEDTLS_ERR_SSL_ALLOC_FAILED) {
    rc = FERRYE_OUT_OF_MEMORY;
  } else {
    ferry__errf(errbuf, errlen, "cannot set up the TLS connection: %s",
         mbed_reason(ret, reason, sizeof(reason)));
    rc = FERRYE_SSL_CONNECT_ERROR;
  }
failed:
  mbedtls_ssl_free(&t->ssl);
  ferry__free(t->session_key);
  ferry__buf_free(&t->in.b);
  ferry__buf_free(&t->out.b);
  ferry__free(t);
  return rc;
}

void ferry__tls_free(ferry__tls *t) {
  if (t == NULL)
    return;
  mbedtls_ssl_free(&t->ssl);
  ferry__free(t->session_key);
  ferry__buf_free(&t->in.b);
  ferry__buf_free(&t->out.b);
  ferry__tls_ctx_free(t->ctx);
  ferry__free(t);
}

ferry_code ferry__tls_feed(ferry__tls *t, const char *data, size_t len) {
  int rc = byteq_add(&t->in, data, len);
  if (rc == -1)
    return FERRYE_OUT_OF_MEMORY;
  if (rc == -2)
    return FERRYE_RECV_ERROR;
  return FERRYE_OK;
}

void ferry__tls_feed_eof(ferry__tls *t) { t->eof = 1; }

static const char *alert_name(int desc) {
  switch (desc) {
  case MBEDTLS_SSL_ALERT_MSG_CLOSE_NOTIFY: return "close_notify";
  case MBEDTLS_SSL_ALERT_MSG_UNEXPECTED_MESSAGE: return "unexpected_message";
  case MBEDTLS_SSL_ALERT_MSG_BAD_RECORD_MAC: return "bad_record_mac";
  case MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE: return "handshake_failure";
  case MBEDTLS_SSL_ALERT_MSG_BAD_CERT: return "bad_certificate";
  case MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_CERT: return "unsupported_certificate";
  case MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED: return "certificate_revoked";
  case MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED: return "certificate_expired";
  case MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN: return "certificate_unknown";
  case MBEDTLS_SSL_ALERT_MSG_ILLEGAL_PARAMETER: return "illegal_parameter";
  case MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA: return "unknown_ca";
  case MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED: return "access_denied";
  case MBEDTLS_SSL_ALERT_MSG_DECODE_ERROR: return "decode_error";
  case MBEDTLS_SSL_ALERT_MSG_DECRYPT_ERROR: return "decrypt_error";
  case MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION: return "protocol_version";
  case MBEDTLS_SSL_ALERT_MSG_INSUFFICIENT_SECURITY: return "insufficient_security";
  case MBEDTLS_SSL_ALERT_MSG_INTERNAL_ERROR: return "internal_error";
  case MBEDTLS_SSL_ALERT_MSG_NO_RENEGOTIATION: return "no_renegotiation";
  case MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_EXT: return "unsupported_extension";
  case MBEDTLS_SSL_ALERT_MSG_UNRECOGNIZED_NAME: return "unrecognized_name";
  case MBEDTLS_SSL_ALERT_MSG_NO_APPLICATION_PROTOCOL: return "no_application_protocol";
  default: return "alert";
  }
}

/* The received fatal alert's description byte (mbedTLS 2.28 leaves the
 * alert message in ssl->in_msg). */
static int received_alert(const mbedtls_ssl_context *ssl) {
  if (ssl->in_msg != NULL && ssl->in_msgtype == MBEDTLS_SSL_MSG_ALERT)
    return ssl->in_msg[1];
  return -1;
}

static ferry_code handshake_failed(ferry__tls *t, int ret, char *errbuf,
                                   size_t errlen) {
  uint32_t flags = mbedtls_ssl_get_verify_result(&t->ssl);
  char reason[512];

  t->state = TLS_FAILED;
  if (t->offered_session)
    sessions_drop(t->sessions, t->sessions_lock, t->session_key);
  if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED ||
      (t->ctx->verify_peer && flags != 0 && flags != (uint32_t)-1 &&
       (ret == MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE ||
        ret == MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED))) {
    if (flags == 0 || flags == (uint32_t)-1)
      mbed_reason(ret, reason, sizeof(reason));
    else
      describe_flags(flags, reason, sizeof(reason));
    ferry__errf(errbuf, errlen, "SSL certificate problem: %s", reason);
    return FERRYE_PEER_FAILED_VERIFICATION;
  }
  if (ret == MBEDTLS_ERR_SSL_ALLOC_FAILED || ret == MBEDTLS_ERR_X509_ALLOC_FAILED ||
      ret == MBEDTLS_ERR_PK_ALLOC_FAILED)
    return FERRYE_OUT_OF_MEMORY;
  if (ret == MBEDTLS_ERR_SSL_CONN_EOF) {
    ferry__errf(errbuf, errlen, "connection closed by the peer during the TLS handshake");
    return FERRYE_SSL_CONNECT_ERROR;
  }
  if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
    int desc = received_alert(&t->ssl);
    ferry__errf(errbuf, errlen, "TLS handshake failed: the server sent alert %s (%d)",
         alert_name(desc), desc);
    return FERRYE_SSL_CONNECT_ERROR;
  }
  ferry__errf(errbuf, errlen, "TLS handshake failed: %s",
       mbed_reason(ret, reason, sizeof(reason)));
  return FERRYE_SSL_CONNECT_ERROR;
}

ferry_code ferry__tls_handshake(ferry__tls *t, char *errbuf, size_t errlen) {
  ferry_code rc;
  int ret = 0;

  if (t->state == TLS_OPEN)
    return FERRYE_OK;
  if (t->state == TLS_FAILED) {
    ferry__errf(errbuf, errlen, "TLS handshake already failed");
    return FERRYE_SSL_CONNECT_ERROR;
  }
  while (t->ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
    ret = mbedtls_ssl_handshake_step(&t->ssl);
    /* The handshake parameters are freed when it completes: note a
     * resumption while they exist. */
    if (t->ssl.handshake != NULL && t->ssl.handshake->resume)
      t->resumed = 1;
    /* The ClientHello is out (in pending_out) without SNI: now give an IP
     * literal to mbedTLS for its certificate check (see ferry__tls_new). */
    if (t->ip_len > 0 && !t->ip_hostname_set &&
        t->ssl.state > MBEDTLS_SSL_CLIENT_HELLO) {
      int r = mbedtls_ssl_set_hostname(&t->ssl, t->ip_text);
      t->ip_hostname_set = 1;
      if (r != 0 && ret == 0)
        ret = r;
    }
    /* The server's Certificate message is parsed: check the chain now,
     * before its key is used (a resumed handshake has none to check). */
    if (ret == 0 && t->ctx->verify_peer && !t->chain_checked && !t->resumed &&
        t->ssl.state > MBEDTLS_SSL_SERVER_CERTIFICATE &&
        t->ssl.session_negotiate != NULL &&
        t->ssl.session_negotiate->peer_cert != NULL)
      ret = check_chain(t);
    if (ret != 0)
      break;
  }
  if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
    return FERRYE_AGAIN;
  if (ret != 0)
    return handshake_failed(t, ret, errbuf, errlen);

  /* check_chain() fails the handshake on a bad chain; this is a second
   * line: a full handshake must have had its chain checked, and no flag
   * may be left. */
  if (t->ctx->verify_peer && !t->resumed && !t->chain_checked) {
    t->state = TLS_FAILED;
    ferry__errf(errbuf, errlen, "SSL certificate problem: the server's certificate "
                         "was not verified");
    return FERRYE_PEER_FAILED_VERIFICATION;
  }
  if (t->ctx->verify_peer) {
    uint32_t flags = mbedtls_ssl_get_verify_result(&t->ssl);
    if (flags != 0) {
      char reason[512];
      t->state = TLS_FAILED;
      if (t->offered_session)
        sessions_drop(t->sessions, t->sessions_lock, t->session_key);
      describe_flags(flags, reason, sizeof(reason));
      ferry__errf(errbuf, errlen, "SSL certificate problem: %s", reason);
      return FERRYE_PEER_FAILED_VERIFICATION;
    }
  }
  rc = check_pin(t, errbuf, errlen);
  if (rc != FERRYE_OK) {
    t->state = TLS_FAILED;
    if (t->offered_session)
      sessions_drop(t->sessions, t->sessions_lock, t->session_key);
    return rc;
  }
  t->state = TLS_OPEN;
  if (t->sessions != NULL)
    sessions_store(t->sessions, t->sessions_lock, t->session_key, &t->ssl,
                   !t->ctx->has_own_cert);
  /* the cache is not used again: it need not outlive the connection */
  t->sessions = NULL;
  t->sessions_lock = NULL;
  return FERRYE_OK;
}

const char *ferry__tls_pending_out(ferry__tls *t, size_t *len) {
  *len = byteq_len(&t->out);
  return *len ? t->out.b.data + t->out.off : NULL;
}

void ferry__tls_consume_out(ferry__tls *t, size_t n) {
  byteq_consume(&t->out, n);
}

ferry_code ferry__tls_write(ferry__tls *t, const char *data, size_t len,
                            size_t *taken, char *errbuf, size_t errlen) {
  char reason[160];

  *taken = 0;
  if (t->state != TLS_OPEN) {
    ferry__errf(errbuf, errlen, t->state == TLS_FAILED
                             ? "TLS connection failed earlier"
                             : "TLS write before the handshake completed");
    return FERRYE_SEND_ERROR;
  }
  while (*taken < len && byteq_len(&t->out) < OUT_HIGH_WATER) {
    int ret = mbedtls_ssl_write(&t->ssl, (const unsigned char *)data + *taken,
                                len - *taken);
    if (ret > 0) {
      *taken += (size_t)ret;
      continue;
    }
    if (ret == MBEDTLS_ERR_SSL_ALLOC_FAILED)
      return FERRYE_OUT_OF_MEMORY;
    /* WANT_WRITE cannot happen: a record always fits above the mark. */
    ferry__errf(errbuf, errlen, "TLS write failed: %s",
         mbed_reason(ret, reason, sizeof(reason)));
    t->state = TLS_FAILED;
    return FERRYE_SEND_ERROR;
  }
  return *taken == 0 && len > 0 ? FERRYE_AGAIN : FERRYE_OK;
}

ferry_code ferry__tls_read(ferry__tls *t, char *buf, size_t cap, size_t *n,
                           int *closed, char *errbuf, size_t errlen) {
  char reason[160];
  int ret;

  *n = 0;
  *closed = 0;
  if (t->state != TLS_OPEN) {
    ferry__errf(errbuf, errlen, t->state == TLS_FAILED
                             ? "TLS connection failed earlier"
                             : "TLS read before the handshake completed");
    return FERRYE_RECV_ERROR;
  }
  if (cap == 0)
    return FERRYE_AGAIN;
  ret = mbedtls_ssl_read(&t->ssl, (unsigned char *)buf, cap);
  if (ret > 0) {
    *n = (size_t)ret;
    return FERRYE_OK;
  }
  switch (ret) {
  case MBEDTLS_ERR_SSL_WANT_READ:
  case MBEDTLS_ERR_SSL_WANT_WRITE:
    return FERRYE_AGAIN;
  case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
    *closed = FERRY__TLS_CLOSE_NOTIFY;
    return FERRYE_OK;
  case 0:
  case MBEDTLS_ERR_SSL_CONN_EOF:
    *closed = FERRY__TLS_CLOSE_EOF;
    return FERRYE_OK;
  case MBEDTLS_ERR_SSL_ALLOC_FAILED:
    return FERRYE_OUT_OF_MEMORY;
  case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE: {
    int desc = received_alert(&t->ssl);
    ferry__errf(errbuf, errlen, "TLS: the server sent alert %s (%d)", alert_name(desc),
         desc);
    t->state = TLS_FAILED;
    return FERRYE_RECV_ERROR;
  }
  default:
    ferry__errf(errbuf, errlen, "TLS read failed: %s",
         mbed_reason(ret, reason, sizeof(reason)));
    t->state = TLS_FAILED;
    return FERRYE_RECV_ERROR;
  }
}

int ferry__tls_has_buffered(const ferry__tls *t) {
  return byteq_len(&t->in) > 0 || mbedtls_ssl_get_bytes_avail(&t->ssl) > 0 ||
         mbedtls_ssl_check_pending(&t->ssl);
}

void ferry__tls_close_notify(ferry__tls *t) {
  if (t->close_notify_queued || t->state != TLS_OPEN)
    return;
  t->close_notify_queued = 1;
  (void)mbedtls_ssl_close_notify(&t->ssl);
}

long ferry__tls_verify_result(const ferry__tls *t) {
  uint32_t flags;

  /* With authmode NONE, mbedTLS 2.28 leaves a client's result at 0, as if
   * the peer had been verified; report the skip instead. */
  if (!t->ctx->verify_peer)
    return mbedtls_ssl_get_peer_cert(&t->ssl) != NULL
               ? MBEDTLS_X509_BADCERT_SKIP_VERIFY
               : -1;
  flags = mbedtls_ssl_get_verify_result(&t->ssl);
  return flags == (uint32_t)-1 ? -1 : (long)flags;
}

int ferry__tls_resumed(const ferry__tls *t) { return t->resumed; }

int ferry__tls_chain_cached(const ferry__tls *t) { return t->chain_cached; }

size_t ferry__tls_ctx_verified_hits(const ferry__tls_ctx *ctx) {
  return ctx->verified_hits;
}

const char *ferry__tls_version(const ferry__tls *t) {
  return mbedtls_ssl_get_version(&t->ssl);
}

const char *ferry__tls_cipher(const ferry__tls *t) {
  return mbedtls_ssl_get_ciphersuite(&t->ssl);
}

const char *ferry__tls_alpn(const ferry__tls *t) {
  return mbedtls_ssl_get_alpn_protocol(&t->ssl);
}

/* ---- certificate info ------------------------------------------------------ */

static int certinfo_add(ferry_slist **list, const char *name, const char *value) {
  size_t n = strlen(name), v = strlen(value);
  char *line = ferry__malloc(n + 1 + v + 1);
  ferry_slist *l;

  if (line == NULL)
    return -1;
  memcpy(line, name, n);
  line[n] = ':';
  memcpy(line + n + 1, value, v + 1);
  l = ferry_slist_append(*list, line);
  ferry__free(line);
  if (l == NULL)
    return -1;
  *list = l;
  return 0;
}

static void certinfo_time(const mbedtls_x509_time *tm, char *buf, size_t len) {
  snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d GMT", tm->year, tm->mon,
           tm->day, tm->hour, tm->min, tm->sec);
}

/* The lines of one certificate, in libcurl's order and names. */
static int certinfo_one(const mbedtls_x509_crt *crt, ferry_slist **list) {
  char buf[1024];
  const char *desc = NULL;
  unsigned char *pem;
  size_t olen = 0;
  int r;

  if (mbedtls_x509_dn_gets(buf, sizeof(buf), &crt->subject) < 0)
    buf[0] = '\0';
  if (certinfo_add(list, "Subject", buf) != 0)
    return -1;
  if (mbedtls_x509_dn_gets(buf, sizeof(buf), &crt->issuer) < 0)
    buf[0] = '\0';
  if (certinfo_add(list, "Issuer", buf) != 0)
    return -1;
  /* libcurl prints the ASN.1 value: 2 for an X.509 v3 certificate */
  snprintf(buf, sizeof(buf), "%x", crt->version > 0 ? crt->version - 1 : 0);
  if (certinfo_add(list, "Version", buf) != 0)
    return -1;
  if (mbedtls_x509_serial_gets(buf, sizeof(buf), &crt->serial) < 0)
    buf[0] = '\0';
  if (certinfo_add(list, "Serial Number", buf) != 0)
    return -1;
  if (mbedtls_oid_get_sig_alg_desc(&crt->sig_oid, &desc) != 0 || desc == NULL)
    desc = "unknown";
  if (certinfo_add(list, "Signature Algorithm", desc) != 0)
    return -1;
  if (certinfo_add(list, "Public Key Algorithm", mbedtls_pk_get_name(&crt->pk)) != 0)
    return -1;
  certinfo_time(&crt->valid_from, buf, sizeof(buf));
  if (certinfo_add(list, "Start date", buf) != 0)
    return -1;
  certinfo_time(&crt->valid_to, buf, sizeof(buf));
  if (certinfo_add(list, "Expire date", buf) != 0)
    return -1;

  /* the PEM text: a first call only measures */
  (void)mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n",
                                 "-----END CERTIFICATE-----\n", crt->raw.p,
                                 crt->raw.len, NULL, 0, &olen);
  pem = ferry__malloc(olen + 1);
  if (pem == NULL)
    return -1;
  r = mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n",
                               "-----END CERTIFICATE-----\n", crt->raw.p,
                               crt->raw.len, pem, olen + 1, &olen);
  if (r != 0)
    pem[0] = '\0';
  r = certinfo_add(list, "Cert", (const char *)pem);
  ferry__free(pem);
  return r;
}

ferry_code ferry__tls_certinfo(const ferry__tls *t, struct ferry_certinfo *out) {
  const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&t->ssl);
  const mbedtls_x509_crt *c;
  int n = 0;

  out->num_of_certs = 0;
  out->certinfo = NULL;
  for (c = peer; c != NULL && c->raw.p != NULL; c = c->next)
    n++;
  if (n == 0)
    return FERRYE_OK;
  out->certinfo = ferry__calloc((size_t)n, sizeof(*out->certinfo));
  if (out->certinfo == NULL)
    return FERRYE_OUT_OF_MEMORY;
  out->num_of_certs = n;
  n = 0;
  for (c = peer; c != NULL && c->raw.p != NULL; c = c->next)
    if (certinfo_one(c, &out->certinfo[n++]) != 0) {
      ferry__tls_certinfo_free(out);
      return FERRYE_OUT_OF_MEMORY;
    }
  return FERRYE_OK;
}

void ferry__tls_certinfo_free(struct ferry_certinfo *ci) {
  if (ci->certinfo != NULL)
    for (int i = 0; i < ci->num_of_certs; i++)
      ferry_slist_free_all(ci->certinfo[i]);
  ferry__free(ci->certinfo);
  ci->certinfo = NULL;
  ci->num_of_certs = 0;
}

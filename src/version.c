/* What ferry is built with: ferry_version, ferry_version_info and
 * ferry_global_sslset. */
#include <stdio.h>
#include <strings.h>
#include <uv.h>
#include <zlib.h>
#include <mbedtls/version.h>
#include <nghttp2/nghttp2.h>

#include "ferry.h"
#include "llhttp.h"

#ifndef FERRY_HOST
#define FERRY_HOST "unknown"
#endif

/* The features ferry has, one line each: X(libcurl's name for it, its
 * FERRY_VERSION_* bit, or 0 for a feature libcurl names without a bit).
 * feature_names lists them in this order (libcurl's: by name, case
 * ignored) and features ORs the bits.
 *
 * Not listed because ferry does not have them: "threadsafe" (ferry's
 * global init and cleanup must not race, see ferry.h), "HTTPS-proxy",
 * "alt-svc", "brotli", "zstd", "IDN", "PSL", "NTLM", "SPNEGO",
 * "Kerberos", "GSS-API", "TLS-SRP", "MultiSSL", "HTTP3", "ECH". */
#define FERRY__FEATURES(X)                                                     \
  X("AsynchDNS", FERRY_VERSION_ASYNCHDNS)  /* getaddrinfo off the loop */      \
  X("HSTS", FERRY_VERSION_HSTS)                                                \
  X("HTTP2", FERRY_VERSION_HTTP2)          /* nghttp2 */                       \
  X("IPv6", FERRY_VERSION_IPV6)                                                \
  X("Largefile", FERRY_VERSION_LARGEFILE)  /* 64-bit ferry_off_t */            \
  X("libz", FERRY_VERSION_LIBZ)            /* gzip and deflate */              \
  X("SSL", FERRY_VERSION_SSL)              /* mbedTLS */                       \
  X("SSLS-EXPORT", 0)                      /* ferry_easy_ssls_export */        \
  X("UnixSockets", FERRY_VERSION_UNIX_SOCKETS) /* UNIX_SOCKET_PATH */

#define FERRY_X_(name, bit) name,
static const char *const feature_names[] = {FERRY__FEATURES(FERRY_X_) NULL};
#undef FERRY_X_
#define FERRY_X_(name, bit) | (bit)
static const int feature_bits = 0 FERRY__FEATURES(FERRY_X_);
#undef FERRY_X_

static const char *const protocols[] = {"http", "https", "ws", "wss", NULL};

#define LIBCURL_API_NUM FERRY_LIBCURL_VERSION_NUM
static char libcurl_api[16];
static char version_text[200];
static char ssl_text[32];
static ferry_version_info_data info;
static uv_once_t info_once = UV_ONCE_INIT;

/* Fill the static texts and the struct once; every later call only reads
 * them, so both functions are thread-safe. */
static void info_fill(void) {
  snprintf(libcurl_api, sizeof(libcurl_api), "%u.%u.%u",
           (unsigned)(LIBCURL_API_NUM >> 16) & 0xff,
           (unsigned)(LIBCURL_API_NUM >> 8) & 0xff,
           (unsigned)LIBCURL_API_NUM & 0xff);
  snprintf(ssl_text, sizeof(ssl_text), "mbedTLS/%s", MBEDTLS_VERSION_STRING);
  snprintf(version_text, sizeof(version_text),
           "ferry/%s libcurl/%s %s zlib/%s nghttp2/%s libuv/%s llhttp/%d.%d.%d",
           FERRY_VERSION_STRING, libcurl_api, ssl_text, zlibVersion(),
           NGHTTP2_VERSION, uv_version_string(), LLHTTP_VERSION_MAJOR,
           LLHTTP_VERSION_MINOR, LLHTTP_VERSION_PATCH);
  info.age = FERRY_VERSION_NOW;
  info.version = libcurl_api;
  info.version_num = LIBCURL_API_NUM;
  info.host = FERRY_HOST;
  info.features = feature_bits;
  info.ssl_version = ssl_text;
  info.ssl_version_num = 0; /* "not used, always zero" in libcurl */
  info.libz_version = zlibVersion();
  info.protocols = protocols;
  /* nghttp2's version as built: the Node addon takes nghttp2 from the
   * process, which need not export nghttp2_version() */
  info.nghttp2_ver_num = NGHTTP2_VERSION_NUM;
  info.nghttp2_version = NGHTTP2_VERSION;
  info.cainfo = FERRY_CA_BUNDLE; /* what a transfer without CAINFO loads */
  info.feature_names = feature_names;
  /* ares, libidn, libssh, brotli, quic, capath, zstd, hyper, gsasl and
   * rtmp stay NULL or 0: ferry has none of them */
}

char *ferry_version(void) {
  uv_once(&info_once, info_fill);
  return version_text;
}

ferry_version_info_data *ferry_version_info(ferry_version_type age) {
  (void)age;
  uv_once(&info_once, info_fill);
  return &info;
}

static const ferry_ssl_backend mbedtls_backend = {FERRYSSLBACKEND_MBEDTLS,
                                                  "mbedTLS"};
static const ferry_ssl_backend *backends[] = {&mbedtls_backend, NULL};

ferry_sslset ferry_global_sslset(ferry_sslbackend id, const char *name,
                                 const ferry_ssl_backend ***avail) {
  if (avail != NULL)
    *avail = backends;
  /* as libcurl built with a single backend: the id or the name may pick
   * it, and choosing the one backend is never too late */
  if (id == mbedtls_backend.id ||
      (name != NULL && strcasecmp(name, mbedtls_backend.name) == 0))
    return FERRYSSLSET_OK;
  return FERRYSSLSET_UNKNOWN_BACKEND;
}

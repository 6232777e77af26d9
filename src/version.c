/* ferry_version and ferry_version_info. */
#include <stdio.h>
#include <uv.h>
#include <zlib.h>
#include <mbedtls/version.h>

#include "ferry.h"
#include "llhttp.h"

static char version_text[160];
static char ssl_text[32];
static const char *const protocols[] = {"http", "https", "ws", "wss", NULL};
static ferry_version_info_data info;

char *ferry_version(void) {
  snprintf(version_text, sizeof(version_text),
           "ferry/%s libuv/%s mbedTLS/%s zlib/%s llhttp/%d.%d.%d",
           FERRY_VERSION_STRING, uv_version_string(), MBEDTLS_VERSION_STRING,
           zlibVersion(), LLHTTP_VERSION_MAJOR, LLHTTP_VERSION_MINOR,
           LLHTTP_VERSION_PATCH);
  return version_text;
}

ferry_version_info_data *ferry_version_info(ferry_version_type age) {
  (void)age;
  snprintf(ssl_text, sizeof(ssl_text), "mbedTLS/%s", MBEDTLS_VERSION_STRING);
  info.age = FERRY_VERSION_NOW;
  info.version = FERRY_VERSION_STRING;
  info.version_num = (FERRY_VERSION_MAJOR << 16) | (FERRY_VERSION_MINOR << 8) |
                     FERRY_VERSION_PATCH;
  info.host = "x86_64-pc-linux-gnu";
  info.features = FERRY_VERSION_IPV6 | FERRY_VERSION_SSL | FERRY_VERSION_LIBZ |
                  FERRY_VERSION_LARGEFILE | FERRY_VERSION_ASYNCHDNS |
                  FERRY_VERSION_THREADSAFE | FERRY_VERSION_HSTS;
  info.ssl_version = ssl_text;
  info.ssl_version_num = MBEDTLS_VERSION_NUMBER;
  info.libz_version = zlibVersion();
  info.protocols = protocols;
  return &info;
}

/* The multi's TLS contexts (one per distinct TLS configuration) and its
 * TLS session cache, which the transfers' connections and the session
 * export/import (ssls.c) use. Kept in the multi's fields (multidef.h);
 * multi.c frees them with the multi. */
#ifndef FERRY_TLSCACHE_H
#define FERRY_TLSCACHE_H

#include "ferry.h"
#include "multidef.h"
#include "tls.h"

/* The multi's TLS session cache, made on first use; NULL when out of
 * memory. */
ferry__tls_sessions *ferry__tlscache_sessions(ferry_multi *m);
/* The TLS context for a configuration (made and cached on first use, and
 * made again once older than the configuration's CA_CACHE_TIMEOUT). */
ferry_code ferry__tlscache_ctx(ferry_multi *m, const ferry__tls_config *cfg,
                               const char *key, ferry__tls_ctx **out,
                               char *errbuf, size_t errlen);

#endif

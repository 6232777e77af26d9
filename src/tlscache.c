/* The multi's TLS contexts and session cache (see tlscache.h). */
#include <string.h>

#include "alloc.h"
#include "multidef.h"
#include "tls.h"
#include "tlscache.h"

ferry__tls_sessions *ferry__tlscache_sessions(ferry_multi *m) {
  if (m->tls_sessions == NULL &&
      ferry__tls_sessions_new(&m->tls_sessions, 256) != FERRYE_OK)
    return NULL;
  return m->tls_sessions;
}

ferry_code ferry__tlscache_ctx(ferry_multi *m, const ferry__tls_config *cfg,
                                const char *key, ferry__tls_ctx **out,
                                char *errbuf, size_t errlen) {
  ferry__tls_ctx *ctx, **grown;
  ferry_code rc;

  for (size_t i = 0; i < m->n_tls_ctxs; i++)
    if (strcmp(ferry__tls_ctx_key(m->tls_ctxs[i]), key) == 0) {
      if (ferry__tls_ctx_expired(m->tls_ctxs[i], cfg->ca_cache_timeout)) {
        /* CA_CACHE_TIMEOUT: a new context reads the CA store again; the
         * connections made from the old one keep it */
        rc = ferry__tls_ctx_new(&ctx, cfg, errbuf, errlen);
        if (rc != FERRYE_OK)
          return rc;
        ferry__tls_ctx_free(m->tls_ctxs[i]);
        m->tls_ctxs[i] = ctx;
      }
      *out = m->tls_ctxs[i];
      return FERRYE_OK;
    }
  if (ferry__tlscache_sessions(m) == NULL)
    return FERRYE_OUT_OF_MEMORY;
  grown = ferry__realloc(m->tls_ctxs, (m->n_tls_ctxs + 1) * sizeof(*grown));
  if (grown == NULL)
    return FERRYE_OUT_OF_MEMORY;
  m->tls_ctxs = grown;
  rc = ferry__tls_ctx_new(&ctx, cfg, errbuf, errlen);
  if (rc != FERRYE_OK)
    return rc;
  m->tls_ctxs[m->n_tls_ctxs++] = ctx;
  *out = ctx;
  return FERRYE_OK;
}

/* ferry_easy_ssls_export and ferry_easy_ssls_import: the sessions of the
 * TLS session cache an easy handle uses (tls.c keeps and encodes them):
 * its share's when the share has TLS sessions, else its multi's. */
#include "easy.h"
#include "lock.h"
#include "multi.h"
#include "share.h"
#include "tls.h"
#include "tlscache.h"

/* The multi whose cache the handle uses: the one it is added to, else its
 * private perform multi (made when make is set). */
static ferry_multi *multi_of(ferry_easy *e, int make) {
  if (e->multi != NULL)
    return e->multi;
  if (e->own_multi == NULL && make)
    e->own_multi = ferry_multi_init();
  return e->own_multi;
}

struct export_call {
  ferry_easy *easy;
  ferry_ssls_export_cb *fn;
  void *userptr;
};

static ferry_code export_one(void *ud, const char *key,
                             const unsigned char *shmac, size_t shmac_len,
                             const unsigned char *sdata, size_t sdata_len,
                             int64_t valid_until, int tls_id,
                             const char *alpn) {
  struct export_call *c = ud;
  /* mbedTLS 2.28 has no early data */
  return c->fn(c->easy, c->userptr, key, shmac, shmac_len, sdata, sdata_len,
               (ferry_off_t)valid_until, tls_id, alpn, 0);
}

ferry_code ferry_easy_ssls_export(ferry_easy *e, ferry_ssls_export_cb *fn,
                                  void *userptr) {
  struct export_call c;
  ferry_multi *m;
  ferry_code rc;

  ferry__tls_sessions *cache;
  const ferry__lock *lock = NULL;

  if (!ferry__easy_valid(e) || fn == NULL)
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  cache = ferry__share_tls_sessions(e->share);
  if (cache != NULL) {
    lock = ferry__lock_for(&e->lock, FERRY_LOCK_DATA_SSL_SESSION);
  } else {
    m = multi_of(e, 0);
    if (m == NULL || m->tls_sessions == NULL)
      return FERRYE_OK; /* no session yet */
    cache = m->tls_sessions;
  }
  c.easy = e;
  c.fn = fn;
  c.userptr = userptr;
  /* the callback runs as a user callback: calls that would free the
   * multi's state under the export are refused meanwhile */
  FERRY__CALLBACK_ENTER(e->multi);
  rc = ferry__tls_sessions_export(cache, lock, export_one, &c);
  FERRY__CALLBACK_LEAVE(e->multi);
  if (rc == FERRYE_FAILED_INIT)
    ferry__easy_set_error(e, "no random bytes for the session key's salt");
  return rc;
}

ferry_code ferry_easy_ssls_import(ferry_easy *e, const char *session_key,
                                  const unsigned char *shmac, size_t shmac_len,
                                  const unsigned char *sdata,
                                  size_t sdata_len) {
  ferry__tls_sessions *cache;
  const ferry__lock *lock = NULL;
  ferry_multi *m;
  ferry_code rc;

  if (!ferry__easy_valid(e))
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  cache = ferry__share_tls_sessions(e->share);
  if (cache != NULL) {
    lock = ferry__lock_for(&e->lock, FERRY_LOCK_DATA_SSL_SESSION);
  } else {
    m = multi_of(e, 1);
    if (m == NULL || (cache = ferry__tlscache_sessions(m)) == NULL)
      return FERRYE_OUT_OF_MEMORY;
  }
  rc = ferry__tls_sessions_import(cache, lock, session_key, shmac, shmac_len,
                                  sdata, sdata_len);
  if (rc == FERRYE_BAD_FUNCTION_ARGUMENT)
    ferry__easy_set_error(e, "not a TLS session exported by this ferry and "
                             "mbedTLS, or neither a key nor a 48-byte hash");
  return rc;
}

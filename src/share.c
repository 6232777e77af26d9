/* The share: ferry_share_init, _setopt, _cleanup, _strerror, and the
 * share's side of a handle attaching to it (see share.h). */
#include <stdarg.h>
#include <string.h>

#include "alloc.h"
#include "cookie.h"
#include "hsts.h"
#include "share.h"
#include "tls.h"
#include "watch.h"

#define FERRY__SHARE_MAGIC 0xfe775a4eu

struct ferry_share {
  unsigned magic;
  unsigned shared;               /* 1 << ferry_lock_data for each kind */
  ferry_lock_function lockfn;    /* LOCKFUNC */
  ferry_unlock_function unlockfn; /* UNLOCKFUNC */
  void *userdata;                /* USERDATA */
  unsigned users;                /* handles attached (under LOCK_DATA_SHARE) */
  ferry__cookie_jar *cookies;    /* COOKIE */
  ferry__hsts *hsts;             /* HSTS */
  ferry__dns_store dns;          /* DNS (empty unless shared) */
  ferry__tls_sessions *tls_sessions; /* SSL_SESSION */
  /* CONNECT: idle connections, registered in a watchset no driver reads */
  ferry__pool pool;
  ferry__watchset watches;
  int in_callback;               /* the watchset's; never raised */
};

#define SHARES(sh, kind) (((sh)->shared & (1u << (kind))) != 0)

int ferry__share_valid(const ferry_share *sh) {
  return sh != NULL && sh->magic == FERRY__SHARE_MAGIC;
}

/* The application's lock callbacks, when both are set. */
static void app_lock(ferry_share *sh, void *who, ferry_lock_data data,
                     ferry_lock_access access) {
  if (sh->lockfn != NULL && sh->unlockfn != NULL)
    sh->lockfn(who, data, access, sh->userdata);
}

static void app_unlock(ferry_share *sh, void *who, ferry_lock_data data) {
  if (sh->lockfn != NULL && sh->unlockfn != NULL)
    sh->unlockfn(who, data, sh->userdata);
}

static void hook_lock(const ferry__lock *l, ferry_lock_data data,
                      ferry_lock_access access) {
  app_lock(l->owner, l->who, data, access);
}

static void hook_unlock(const ferry__lock *l, ferry_lock_data data) {
  app_unlock(l->owner, l->who, data);
}

ferry_share *ferry_share_init(void) {
  ferry_share *sh = ferry__calloc(1, sizeof(*sh));
  if (sh == NULL)
    return NULL;
  sh->magic = FERRY__SHARE_MAGIC;
  sh->shared = 1u << FERRY_LOCK_DATA_SHARE;
  ferry__dns_store_init(&sh->dns);
  ferry__watchset_init(&sh->watches, NULL, NULL, &sh->in_callback);
  ferry__pool_init(&sh->pool, &sh->watches);
  return sh;
}

/* Start sharing one kind of data: make its store. */
static ferry_shcode share_kind(ferry_share *sh, int kind) {
  switch (kind) {
  case FERRY_LOCK_DATA_COOKIE:
    if (sh->cookies == NULL && (sh->cookies = ferry__cookie_jar_new()) == NULL)
      return FERRYSHE_NOMEM;
    break;
  case FERRY_LOCK_DATA_HSTS:
    if (sh->hsts == NULL && (sh->hsts = ferry__hsts_new()) == NULL)
      return FERRYSHE_NOMEM;
    break;
  case FERRY_LOCK_DATA_SSL_SESSION:
    if (sh->tls_sessions == NULL &&
        ferry__tls_sessions_new(&sh->tls_sessions,
                                FERRY__SHARE_TLS_SESSIONS) != FERRYE_OK)
      return FERRYSHE_NOMEM;
    break;
  case FERRY_LOCK_DATA_DNS:
  case FERRY_LOCK_DATA_CONNECT:
    break; /* their stores exist from the start, empty */
  case FERRY_LOCK_DATA_PSL:
    return FERRYSHE_NOT_BUILT_IN;
  default:
    return FERRYSHE_BAD_OPTION;
  }
  sh->shared |= 1u << kind;
  return FERRYSHE_OK;
}

/* Stop sharing one kind of data: drop what the share held of it. */
static ferry_shcode unshare_kind(ferry_share *sh, int kind) {
  switch (kind) {
  case FERRY_LOCK_DATA_COOKIE:
    ferry__cookie_jar_free(sh->cookies);
    sh->cookies = NULL;
    break;
  case FERRY_LOCK_DATA_HSTS:
    ferry__hsts_free(sh->hsts);
    sh->hsts = NULL;
    break;
  case FERRY_LOCK_DATA_SSL_SESSION:
    ferry__tls_sessions_free(sh->tls_sessions);
    sh->tls_sessions = NULL;
    break;
  case FERRY_LOCK_DATA_DNS:
    ferry__dns_store_clear(&sh->dns);
    break;
  case FERRY_LOCK_DATA_CONNECT:
    ferry__pool_close_all(&sh->pool);
    break;
  case FERRY_LOCK_DATA_PSL:
    return FERRYSHE_NOT_BUILT_IN;
  default:
    return FERRYSHE_BAD_OPTION;
  }
  sh->shared &= ~(1u << kind);
  return FERRYSHE_OK;
}

ferry_shcode ferry_share_setopt(ferry_share *sh, ferry_shoption option, ...) {
  ferry_shcode rc = FERRYSHE_OK;
  va_list ap;

  if (!ferry__share_valid(sh))
    return FERRYSHE_INVALID;
  /* as libcurl: no option while a handle uses the share */
  if (sh->users > 0)
    return FERRYSHE_IN_USE;
  va_start(ap, option);
  switch (option) {
  case FERRYSHOPT_SHARE:
    rc = share_kind(sh, va_arg(ap, int));
    break;
  case FERRYSHOPT_UNSHARE:
    rc = unshare_kind(sh, va_arg(ap, int));
    break;
  case FERRYSHOPT_LOCKFUNC:
    sh->lockfn = va_arg(ap, ferry_lock_function);
    break;
  case FERRYSHOPT_UNLOCKFUNC:
    sh->unlockfn = va_arg(ap, ferry_unlock_function);
    break;
  case FERRYSHOPT_USERDATA:
    sh->userdata = va_arg(ap, void *);
    break;
  default:
    rc = FERRYSHE_BAD_OPTION;
    break;
  }
  va_end(ap);
  return rc;
}

ferry_shcode ferry_share_cleanup(ferry_share *sh) {
  int in_use;

  if (!ferry__share_valid(sh))
    return FERRYSHE_INVALID;
  app_lock(sh, NULL, FERRY_LOCK_DATA_SHARE, FERRY_LOCK_ACCESS_SINGLE);
  in_use = sh->users > 0;
  app_unlock(sh, NULL, FERRY_LOCK_DATA_SHARE);
  if (in_use)
    return FERRYSHE_IN_USE;
  ferry__cookie_jar_free(sh->cookies);
  ferry__hsts_free(sh->hsts);
  ferry__dns_store_clear(&sh->dns);
  ferry__tls_sessions_free(sh->tls_sessions);
  ferry__pool_close_all(&sh->pool);
  ferry__watchset_free(&sh->watches);
  sh->magic = 0;
  ferry__free(sh);
  return FERRYSHE_OK;
}

const char *ferry_share_strerror(ferry_shcode code) {
  switch (code) {
#define FERRY_X_(name, num, text)                                              \
  case FERRYSHE_##name:                                                        \
    return text;
    FERRY_SHCODES(FERRY_X_)
#undef FERRY_X_
  default:
    return "Unknown share error";
  }
}

void ferry__share_attach(ferry_share *sh, ferry__lock *l, void *who) {
  memset(l, 0, sizeof(*l));
  l->lock = hook_lock;
  l->unlock = hook_unlock;
  l->owner = sh;
  l->who = who;
  /* what the share shares cannot change while a handle uses it */
  l->shared = sh->shared;
  app_lock(sh, who, FERRY_LOCK_DATA_SHARE, FERRY_LOCK_ACCESS_SINGLE);
  sh->users++;
  app_unlock(sh, who, FERRY_LOCK_DATA_SHARE);
}

void ferry__share_detach(ferry__lock *l) {
  ferry_share *sh = l->owner;
  if (sh == NULL)
    return;
  app_lock(sh, l->who, FERRY_LOCK_DATA_SHARE, FERRY_LOCK_ACCESS_SINGLE);
  sh->users--;
  app_unlock(sh, l->who, FERRY_LOCK_DATA_SHARE);
  memset(l, 0, sizeof(*l));
}

ferry__cookie_jar *ferry__share_cookies(const ferry_share *sh) {
  return sh != NULL && SHARES(sh, FERRY_LOCK_DATA_COOKIE) ? sh->cookies : NULL;
}

ferry__hsts *ferry__share_hsts(const ferry_share *sh) {
  return sh != NULL && SHARES(sh, FERRY_LOCK_DATA_HSTS) ? sh->hsts : NULL;
}

ferry__dns_store *ferry__share_dns(ferry_share *sh) {
  return sh != NULL && SHARES(sh, FERRY_LOCK_DATA_DNS) ? &sh->dns : NULL;
}

ferry__tls_sessions *ferry__share_tls_sessions(ferry_share *sh) {
  return sh != NULL && SHARES(sh, FERRY_LOCK_DATA_SSL_SESSION)
             ? sh->tls_sessions
             : NULL;
}

ferry__pool *ferry__share_pool(ferry_share *sh) {
  return sh != NULL && SHARES(sh, FERRY_LOCK_DATA_CONNECT) ? &sh->pool : NULL;
}

void ferry__share_conn_home(ferry_share *sh, const ferry__lock *l,
                            ferry__conn *c) {
  ferry__conn_set_home(c, ferry__share_pool(sh),
                       ferry__lock_for(l, FERRY_LOCK_DATA_CONNECT));
}

ferry__conn *ferry__share_take_conn(ferry_share *sh, const ferry__lock *l,
                                    ferry__pool *into, ferry__bundle *b,
                                    uint64_t max_idle_ms,
                                    uint64_t max_life_ms) {
  ferry__pool *from = ferry__share_pool(sh);
  if (from == NULL || !ferry__pool_may_open(into, b))
    return NULL;
  return ferry__pool_take_from(from,
                               ferry__lock_for(l, FERRY_LOCK_DATA_CONNECT),
                               into, b, max_idle_ms, max_life_ms);
}

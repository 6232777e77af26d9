/* The share (ferry_share_*, libcurl's CURLSH): stores that easy handles
 * use in common instead of their own or their multi's (see ferry.h).
 *
 * The share owns the stores: a cookie jar, an HSTS store, a DNS store, a
 * TLS session cache and a pool of idle connections, each made when its
 * kind of data is shared. It knows no easy handle: a handle that attaches
 * gets a lock hook (lock.h) that calls the application's lock callbacks
 * in its name, and points its own fields at the stores (options.c); the
 * code that uses a store locks it through that hook.
 *
 * Threads: the stores are used from whatever thread runs a handle of the
 * share, always under their lock; the share's own count of handles under
 * FERRY_LOCK_DATA_SHARE. Setting options and cleaning up must not race
 * with anything (ferry.h).
 */
#ifndef FERRY_SHARE_H
#define FERRY_SHARE_H

#include <stdint.h>

#include "ferry.h"
#include "conn.h"
#include "lock.h"
#include "resolve.h"

struct ferry__cookie_jar;
struct ferry__hsts;
struct ferry__tls_sessions;

/* How many TLS sessions a share keeps. */
#define FERRY__SHARE_TLS_SESSIONS 64

/* Is sh a live share? */
int ferry__share_valid(const ferry_share *sh);

/* A handle (who) starts using sh: counted under FERRY_LOCK_DATA_SHARE, and
 * *l becomes its lock hook for sh's stores. */
void ferry__share_attach(ferry_share *sh, ferry__lock *l, void *who);
/* The handle whose hook l is stops using its share (counted under
 * FERRY_LOCK_DATA_SHARE); *l is cleared. No-op for a cleared hook. */
void ferry__share_detach(ferry__lock *l);

/* The share's stores, NULL when sh is NULL or does not share that kind. */
struct ferry__cookie_jar *ferry__share_cookies(const ferry_share *sh);
struct ferry__hsts *ferry__share_hsts(const ferry_share *sh);
ferry__dns_store *ferry__share_dns(ferry_share *sh);
struct ferry__tls_sessions *ferry__share_tls_sessions(ferry_share *sh);
ferry__pool *ferry__share_pool(ferry_share *sh);

/* CONNECT: c, which the handle of hook l now uses, goes to the share's
 * pool when it goes idle (no-op unless sh shares connections). */
void ferry__share_conn_home(ferry_share *sh, const ferry__lock *l,
                            ferry__conn *c);
/* CONNECT: an idle connection from the share's pool for bundle b of into,
 * if into's limits allow one more (see ferry__pool_take_from); NULL when
 * there is none, or sh does not share connections. */
ferry__conn *ferry__share_take_conn(ferry_share *sh, const ferry__lock *l,
                                    ferry__pool *into, ferry__bundle *b,
                                    uint64_t max_idle_ms, uint64_t max_life_ms);

#endif

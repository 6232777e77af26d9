/* Lock hooks: how a store that easy handles share is locked.
 *
 * A cookie jar, an HSTS store, a DNS cache, a TLS session cache or a pool
 * of idle connections may belong to a share (share.c) instead of one
 * handle or one multi. The code that reads or changes such a store takes
 * the store's lock first, through a hook it is given: a ferry__lock. The
 * hook names no share: the stores and their callers know only this
 * header, and a NULL hook means "not shared, nothing to lock".
 *
 * A hook belongs to one easy handle (who), which the application's lock
 * callbacks are told about. It is valid while that handle uses the share.
 *
 * Rules for callers, which share.c's callbacks rely on: lock one kind of
 * data at a time (never a second lock while holding one), hold it only
 * around the store's own work (no application callback, no trace, no
 * network wait inside), and unlock before returning.
 */
#ifndef FERRY_LOCK_H
#define FERRY_LOCK_H

#include "ferry.h"

typedef struct ferry__lock {
  void (*lock)(const struct ferry__lock *l, ferry_lock_data data,
               ferry_lock_access access);
  void (*unlock)(const struct ferry__lock *l, ferry_lock_data data);
  void *owner;     /* whose lock (the share) */
  void *who;       /* on whose behalf (the easy handle) */
  unsigned shared; /* 1 << ferry_lock_data for each kind the owner shares */
} ferry__lock;

/* l when its owner shares data, else NULL (l may be NULL). */
static inline const ferry__lock *ferry__lock_for(const ferry__lock *l,
                                                 ferry_lock_data data) {
  return l != NULL && l->owner != NULL && (l->shared & (1u << data)) ? l
                                                                     : NULL;
}

/* Lock data for reading (SHARED) or for a change (SINGLE); no-ops when l
 * is NULL. */
static inline void ferry__lock_read(const ferry__lock *l,
                                    ferry_lock_data data) {
  if (l != NULL)
    l->lock(l, data, FERRY_LOCK_ACCESS_SHARED);
}

static inline void ferry__lock_write(const ferry__lock *l,
                                     ferry_lock_data data) {
  if (l != NULL)
    l->lock(l, data, FERRY_LOCK_ACCESS_SINGLE);
}

static inline void ferry__unlock(const ferry__lock *l, ferry_lock_data data) {
  if (l != NULL)
    l->unlock(l, data);
}

#endif

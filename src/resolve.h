/* Name resolution: uv_getaddrinfo on the multi's loop, one lookup in
 * flight per name, a cache of the answers with a time-to-live, and
 * RESOLVE entries put into that cache.
 *
 * Two objects:
 *  - ferry__dns_store: the answers of finished lookups and RESOLVE
 *    entries, by "host:port". Each multi has one; a share (share.c) may
 *    have one that handles of several multis, in several threads, use
 *    instead: a query names the store it uses and the lock hook of that
 *    store (lock.h), and every access to the store is made under it
 *    (SHARED to look a name up, SINGLE to change the store). The store is
 *    plain data: it holds no loop, no lookup and no callback.
 *  - ferry__dns_cache: one multi's resolver: its loop, its lookups in
 *    flight with the queries waiting for them, and its own store. A lookup
 *    in flight serves the queries of its own resolver only; when it ends
 *    its answer goes into the store of each query that waited for it.
 */
#ifndef FERRY_RESOLVE_H
#define FERRY_RESOLVE_H

#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "ferry.h"
#include "addrs.h"
#include "list.h"
#include "lock.h"

struct ferry__dns_query;

/* At most this many names in a store; the oldest go first. */
#define FERRY__DNS_MAX_NAMES 1000

typedef struct ferry__dns_store {
  ferry__list answers;    /* ferry__dns_answer, most recently made first */
  unsigned n;
} ferry__dns_store;

/* One lookup in flight. */
typedef struct ferry__dns_lookup {
  char *key;              /* "host:port" */
  uv_getaddrinfo_t *req;
  ferry__list waiters;    /* queries waiting (query->node) */
  ferry__list node;       /* in the resolver's lookups */
  struct ferry__dns_cache *cache;
  int orphan;             /* the resolver closed while it ran */
  int forget;             /* its answer is not stored (NETWORK_CHANGED) */
  int quick_exit;         /* a QUICK_EXIT query waited for it */
} ferry__dns_lookup;

typedef struct ferry__dns_cache {
  ferry__list lookups;    /* ferry__dns_lookup in flight */
  unsigned inflight;      /* lookups the loop still owes a callback */
  unsigned abandoned;     /* ... of which QUICK_EXIT lets a closing owner
                             leave behind (orphaned quick_exit lookups) */
  ferry__dns_store own;   /* the multi's store */
  /* the address of the last IP literal: the transfers to one address
   * share it instead of holding a copy each */
  struct ferry__addrs *literal;
  uv_loop_t *loop;        /* where lookups run */
  /* after a lookup's waiters heard of it (the engine's end of a run), and
   * when the last lookup of a closed resolver has finished */
  void (*after)(void *ud);
  void (*drained)(void *ud);
  void *ud;
} ferry__dns_cache;

/* How a query found its addresses. */
enum {
  FERRY__DNS_LITERAL,     /* an IP literal (or a Unix socket path) */
  FERRY__DNS_OVERRIDE,    /* a RESOLVE entry */
  FERRY__DNS_CACHED,      /* the cache */
  FERRY__DNS_LOOKUP       /* getaddrinfo ran (or runs) */
};

/* One transfer's question. The caller fills the first part and keeps the
 * strings alive while the query waits. */
typedef struct ferry__dns_query {
  const char *host;       /* without brackets for IPv6 */
  int port;
  int literal;            /* host is (maybe) an IP address */
  const char *unix_path;  /* UNIX_SOCKET_PATH: the address is the path */
  const ferry_slist *resolve; /* RESOLVE entries */
  int resolve_pending;    /* put them into the store at the next query
                             (set when RESOLVE is set; cleared then) */
  long ipresolve;         /* FERRY_IPRESOLVE_* */
  long ttl;               /* DNS_CACHE_TIMEOUT: s; -1 forever; 0 none */
  /* the store to use (NULL: the resolver's own) and its lock hook (NULL
   * when nobody else uses the store); both live as long as the query
   * uses them */
  ferry__dns_store *store;
  const ferry__lock *lock;
  int quick_exit;         /* QUICK_EXIT: the lookup may be left behind */
  /* when a lookup that made the query wait ends: rc FERRYE_OK with addrs
   * set, or the error and why */
  void (*done)(struct ferry__dns_query *q, ferry_code rc, const char *why);
  /* the answer: a reference the caller drops with ferry__addrs_unref */
  ferry__addrs *addrs;
  int how;                /* FERRY__DNS_* */
  char why[128];          /* why a query failed at once, or "" */
  /* the resolver's */
  ferry__list node;
  ferry__dns_lookup *entry; /* the lookup it waits for, or NULL */
} ferry__dns_query;

/* An empty store. */
void ferry__dns_store_init(ferry__dns_store *s);
/* Drop every answer of the store. */
void ferry__dns_store_clear(ferry__dns_store *s);
/* The number of answers in the store. */
unsigned ferry__dns_store_count(const ferry__dns_store *s);

void ferry__dns_init(ferry__dns_cache *c, uv_loop_t *loop);
/* Drop the own store's answers; lookups in flight are cancelled or
 * orphaned (drained is called once the last of them ended). An orphaned
 * lookup a QUICK_EXIT query waited for counts in abandoned: an owner on
 * its private loop need not wait for it (libuv cannot stop a getaddrinfo
 * that runs). */
void ferry__dns_close(ferry__dns_cache *c);

/* Forget every answer of the own store (a lookup in flight still answers
 * its waiters, but its answer is not kept anywhere). */
void ferry__dns_clear(ferry__dns_cache *c);

/* Find addresses for q, filtered by its IPRESOLVE, after putting its
 * RESOLVE entries into its store if they are pending. Returns FERRYE_OK
 * with q->addrs set (IP literal, RESOLVE entry, fresh answer in the
 * store), FERRYE_AGAIN when a lookup runs and q->done will be called
 * (from the resolver's loop, with no lock held), or an error:
 * FERRYE_COULDNT_RESOLVE_HOST (q->why may say more), FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__dns_resolve(ferry__dns_cache *c, ferry__dns_query *q);
/* If q's RESOLVE entries are pending, put them into q's store (reading
 * q->resolve, q->ttl, q->store and q->lock): the engine calls it when a
 * transfer starts, as libcurl does, and ferry__dns_resolve once more.
 * FERRYE_OK or FERRYE_OUT_OF_MEMORY (they stay pending). */
ferry_code ferry__dns_load_resolve(ferry__dns_cache *c, ferry__dns_query *q);
/* Stop waiting for a lookup (the transfer was removed). */
void ferry__dns_cancel(ferry__dns_query *q);

#endif

/* Name resolution: uv_getaddrinfo on the multi's loop, a per-multi cache
 * with a time-to-live, one lookup in flight per name, and RESOLVE
 * overrides. */
#ifndef FERRY_RESOLVE_H
#define FERRY_RESOLVE_H

#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "ferry.h"
#include "addrs.h"
#include "list.h"

struct ferry__dns_query;

typedef struct ferry__dns_entry {
  char *key;              /* "host:port" */
  ferry__addrs *addrs;    /* NULL while resolving or after failure */
  uint64_t expires_ms;    /* 0: never */
  uv_getaddrinfo_t *req;  /* lookup in flight */
  ferry__list waiters;    /* queries waiting (query->node) */
  ferry__list node;       /* in cache */
  struct ferry__dns_cache *cache;
  int orphan;             /* the cache closed while the lookup ran */
} ferry__dns_entry;

typedef struct ferry__dns_cache {
  ferry__list entries;
  unsigned n;
  unsigned inflight;      /* lookups the loop still owes a callback */
  /* the address of the last IP literal: the transfers to one address
   * share it instead of holding a copy each */
  struct ferry__addrs *literal;
  uv_loop_t *loop;        /* where lookups run */
  /* after a lookup's waiters heard of it (the engine's end of a run), and
   * when the last lookup of a closed cache has finished */
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
  long ipresolve;         /* FERRY_IPRESOLVE_* */
  long ttl;               /* DNS_CACHE_TIMEOUT: s; -1 forever; 0 none */
  /* when a lookup that made the query wait ends: rc FERRYE_OK with addrs
   * set, or the error and why */
  void (*done)(struct ferry__dns_query *q, ferry_code rc, const char *why);
  /* the answer: a reference the caller drops with ferry__addrs_unref */
  ferry__addrs *addrs;
  int how;                /* FERRY__DNS_* */
  char why[128];          /* why a query failed at once, or "" */
  /* the resolver's */
  ferry__list node;
  ferry__dns_entry *entry; /* the lookup it waits for, or NULL */
} ferry__dns_query;

void ferry__dns_init(ferry__dns_cache *c, uv_loop_t *loop);
/* Drop every entry; lookups in flight are cancelled or orphaned (drained
 * is called once the last of them ended). */
void ferry__dns_close(ferry__dns_cache *c);

/* Forget every cached answer (a lookup in flight still answers its
 * waiters, but is not kept). */
void ferry__dns_clear(ferry__dns_cache *c);

/* Find addresses for q, filtered by its IPRESOLVE. Returns FERRYE_OK with
 * q->addrs set (IP literal, RESOLVE override, fresh cache entry),
 * FERRYE_AGAIN when a lookup runs and q->done will be called (from the
 * cache's loop), or an error: FERRYE_COULDNT_RESOLVE_HOST (q->why may
 * say more), FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__dns_resolve(ferry__dns_cache *c, ferry__dns_query *q);
/* Stop waiting for a lookup (the transfer was removed). */
void ferry__dns_cancel(ferry__dns_query *q);

#endif

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

typedef struct ferry__dns_entry {
  char *key;              /* "host:port" */
  ferry__addrs *addrs;    /* NULL while resolving or after failure */
  uint64_t expires_ms;    /* 0: never */
  uv_getaddrinfo_t *req;  /* lookup in flight */
  ferry__list waiters;    /* transfers waiting (easy->wait_node) */
  ferry__list node;       /* in cache */
  ferry_multi *multi;
  int orphan;             /* the multi closed while the lookup ran */
} ferry__dns_entry;

typedef struct ferry__dns_cache {
  ferry__list entries;
  unsigned n;
  unsigned inflight;      /* lookups the loop still owes a callback */
  /* the address of the last IP literal: the transfers to one address
   * share it instead of holding a copy each */
  struct ferry__addrs *literal;
} ferry__dns_cache;

void ferry__dns_init(ferry__dns_cache *c);
/* Drop every entry; lookups in flight are cancelled or orphaned. */
void ferry__dns_close(ferry_multi *m);

/* Find addresses for the transfer's host and port, filtered by IPRESOLVE.
 * Returns FERRYE_OK with e->addrs set (IP literal, RESOLVE override, fresh
 * cache entry), FERRYE_AGAIN when a lookup runs and ferry__xfer_resolved will
 * be called, or an error (COULDNT_RESOLVE_HOST, OUT_OF_MEMORY). */
ferry_code ferry__resolve_start(ferry_multi *m, ferry_easy *e);
/* Stop waiting for a lookup (transfer removed). */
void ferry__resolve_cancel(ferry_easy *e);

#endif

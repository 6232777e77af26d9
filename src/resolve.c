/* Name resolution (see resolve.h). IP literals and RESOLVE entries never
 * reach getaddrinfo; a name being looked up is looked up once per
 * resolver, however many of its transfers wait for it. */
#include <arpa/inet.h>
#include <ctype.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "alloc.h"
#include "clock.h"
#include "resolve.h"

/* One answer in a store. */
typedef struct ferry__dns_answer {
  char *key;              /* "host:port", the host lower-cased */
  ferry__addrs *addrs;
  uint64_t made_ms;       /* when it was made; 0: a RESOLVE entry that
                             never expires */
  unsigned from_resolve : 1; /* a RESOLVE entry */
  ferry__list node;       /* in the store, most recently made first */
} ferry__dns_answer;

/* ---- the store ----------------------------------------------------------- */

void ferry__dns_store_init(ferry__dns_store *s) {
  ferry__list_init(&s->answers);
  s->n = 0;
}

static void answer_drop(ferry__dns_store *s, ferry__dns_answer *a) {
  ferry__list_remove(&a->node);
  s->n--;
  ferry__addrs_unref(a->addrs);
  ferry__free(a->key);
  ferry__free(a);
}

void ferry__dns_store_clear(ferry__dns_store *s) {
  while (!ferry__list_empty(&s->answers))
    answer_drop(s, FERRY__CONTAINER_OF(s->answers.next, ferry__dns_answer,
                                       node));
}

unsigned ferry__dns_store_count(const ferry__dns_store *s) { return s->n; }

static ferry__dns_answer *store_find(ferry__dns_store *s, const char *key) {
  ferry__list *it;
  for (it = s->answers.next; it != &s->answers; it = it->next) {
    ferry__dns_answer *a = FERRY__CONTAINER_OF(it, ferry__dns_answer, node);
    if (strcmp(a->key, key) == 0)
      return a;
  }
  return NULL;
}

/* Is a fresh enough for a reader whose DNS_CACHE_TIMEOUT is ttl? As in
 * libcurl the reader's timeout decides, against the answer's age. */
static int fresh(const ferry__dns_answer *a, long ttl, uint64_t now) {
  if (a->made_ms == 0 || ttl < 0)
    return 1;
  return ttl > 0 && now - a->made_ms < (uint64_t)ttl * 1000u;
}

/* Make room for one more: drop the answers stale for ttl, then the
 * oldest ones (RESOLVE entries that never expire last). */
static void store_prune(ferry__dns_store *s, long ttl, uint64_t now) {
  ferry__list *it, *tmp;
  FERRY__LIST_FOREACH_SAFE(it, tmp, &s->answers) {
    ferry__dns_answer *a = FERRY__CONTAINER_OF(it, ferry__dns_answer, node);
    if (!fresh(a, ttl, now))
      answer_drop(s, a);
  }
  for (int pass = 0; pass < 2 && s->n >= FERRY__DNS_MAX_NAMES; pass++)
    for (it = s->answers.prev;
         it != &s->answers && s->n >= FERRY__DNS_MAX_NAMES; it = tmp) {
      ferry__dns_answer *a = FERRY__CONTAINER_OF(it, ferry__dns_answer, node);
      tmp = it->prev;
      if (pass == 1 || a->made_ms != 0)
        answer_drop(s, a);
    }
}

/* Put addrs into the store under key, replacing an answer there: a
 * reference to it, or with copy a copy of it (a store other threads use
 * holds lists of its own, whose reference counts only change under its
 * lock). made_ms 0: it never expires. 0, or -1 when out of memory (the
 * store is then unchanged). */
static int store_put(ferry__dns_store *s, const char *key, ferry__addrs *addrs,
                     int copy, uint64_t made_ms, int from_resolve, long ttl,
                     uint64_t now) {
  ferry__dns_answer *a = store_find(s, key);
  ferry__addrs *held = addrs;
  if (copy) {
    held = ferry__addrs_new(addrs->n);
    if (held == NULL)
      return -1;
    memcpy(held->a, addrs->a, addrs->n * sizeof(addrs->a[0]));
    held->n = addrs->n;
  } else {
    ferry__addrs_ref(held);
  }
  if (a == NULL) {
    a = ferry__calloc(1, sizeof(*a));
    if (a == NULL || (a->key = ferry__strdup(key)) == NULL) {
      ferry__free(a);
      ferry__addrs_unref(held);
      return -1;
    }
    store_prune(s, ttl, now);
    s->n++;
  } else {
    ferry__list_remove(&a->node);
    ferry__addrs_unref(a->addrs);
  }
  a->addrs = held;
  a->made_ms = made_ms;
  a->from_resolve = (unsigned)(from_resolve != 0);
  ferry__list_insert_head(&s->answers, &a->node);
  return 0;
}

/* ---- addresses ----------------------------------------------------------- */

/* Parse "a.b.c.d" or an IPv6 literal into one address. */
static int parse_ip(const char *s, int port, struct sockaddr_storage *out) {
  memset(out, 0, sizeof(*out));
  {
    struct sockaddr_in *s4 = (struct sockaddr_in *)out;
    if (inet_pton(AF_INET, s, &s4->sin_addr) == 1) {
      s4->sin_family = AF_INET;
      s4->sin_port = htons((uint16_t)port);
      return 1;
    }
  }
  {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)out;
    char tmp[INET6_ADDRSTRLEN + 2];
    size_t n = strlen(s);
    const char *pct;
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']' && n - 2 < sizeof(tmp)) {
      memcpy(tmp, s + 1, n - 2);
      tmp[n - 2] = '\0';
      s = tmp;
    }
    pct = strchr(s, '%');
    if (pct != NULL) {
      char buf[INET6_ADDRSTRLEN];
      size_t l = (size_t)(pct - s);
      if (l >= sizeof(buf))
        return 0;
      memcpy(buf, s, l);
      buf[l] = '\0';
      if (inet_pton(AF_INET6, buf, &s6->sin6_addr) != 1)
        return 0;
      s6->sin6_scope_id = if_nametoindex(pct + 1);
    } else if (inet_pton(AF_INET6, s, &s6->sin6_addr) != 1) {
      return 0;
    }
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)port);
    return 1;
  }
}

/* Keep only the families IPRESOLVE allows, in a list of the query's own
 * when copy is set (the list belongs to a store other threads use, whose
 * reference count must not be touched outside its lock), else maybe the
 * same list with one more reference. NULL when out of memory. */
static ferry__addrs *filter_family(ferry__addrs *a, long ipresolve, int copy) {
  size_t i, n = 0;
  ferry__addrs *f;
  int fam = ipresolve == FERRY_IPRESOLVE_V4   ? AF_INET
            : ipresolve == FERRY_IPRESOLVE_V6 ? AF_INET6
                                              : AF_UNSPEC;

  if (fam == AF_UNSPEC && !copy)
    return ferry__addrs_ref(a);
  for (i = 0; i < a->n; i++)
    n += fam == AF_UNSPEC || a->a[i].ss_family == fam;
  f = ferry__addrs_new(n);
  if (f == NULL)
    return NULL;
  for (i = 0; i < a->n; i++)
    if (fam == AF_UNSPEC || a->a[i].ss_family == fam)
      f->a[f->n++] = a->a[i];
  return f;
}

/* "host:port" with the host lower-cased into key (cap bytes). -1 when it
 * does not fit. */
static int make_key(char *key, size_t cap, const char *host, size_t hlen,
                    long port) {
  int n;
  if (hlen > 255)
    return -1;
  n = snprintf(key, cap, "%.*s:%ld", (int)hlen, host, port);
  if (n < 0 || (size_t)n >= cap)
    return -1;
  for (size_t i = 0; i < hlen; i++)
    key[i] = (char)tolower((unsigned char)key[i]);
  return 0;
}

/* ---- RESOLVE ------------------------------------------------------------- */

/* Put RESOLVE entries into s, as libcurl does at a transfer's start:
 * "[+]HOST:PORT:ADDR[,ADDR...]" adds (or replaces) an entry, one that
 * never expires unless it starts with '+'; "-HOST:PORT" removes one. A
 * malformed entry, or one with no usable address, is skipped. Returns
 * FERRYE_OK or FERRYE_OUT_OF_MEMORY. Called under the store's lock. */
static ferry_code load_resolve(ferry__dns_store *s, const ferry_slist *list,
                               long ttl, uint64_t now) {
  for (const ferry_slist *l = list; l != NULL; l = l->next) {
    const char *e = l->data, *colon, *p;
    char key[300];
    char *end;
    long port;
    int remove = 0, expires = 0;
    size_t count = 1;
    ferry__addrs *a;

    if (e == NULL)
      continue;
    if (e[0] == '-')
      remove = 1, e++;
    else if (e[0] == '+')
      expires = 1, e++;
    colon = strchr(e, ':');
    if (colon == NULL || colon == e)
      continue;
    port = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || port < 0 || port > 65535 ||
        make_key(key, sizeof(key), e, (size_t)(colon - e), port) != 0)
      continue;
    if (remove) {
      ferry__dns_answer *old = store_find(s, key);
      if (old != NULL)
        answer_drop(s, old);
      continue;
    }
    if (*end != ':')
      continue;
    for (p = end + 1; *p; p++)
      count += *p == ',';
    a = ferry__addrs_new(count);
    if (a == NULL)
      return FERRYE_OUT_OF_MEMORY;
    for (p = end + 1; *p;) {
      char ip[INET6_ADDRSTRLEN + 16];
      size_t n = strcspn(p, ",");
      if (n && n < sizeof(ip)) {
        memcpy(ip, p, n);
        ip[n] = '\0';
        if (parse_ip(ip, (int)port, &a->a[a->n]))
          a->n++;
      }
      p += n;
      if (*p == ',')
        p++;
    }
    if (a->n > 0 && store_put(s, key, a, 0, expires ? (now ? now : 1) : 0, 1,
                              ttl, now) != 0) {
      ferry__addrs_unref(a);
      return FERRYE_OUT_OF_MEMORY;
    }
    ferry__addrs_unref(a);
  }
  return FERRYE_OK;
}

/* Is host "invalid" or a name under it? RFC 6761 6.4: such names never
 * resolve, and resolver libraries should say so at once, so no query leaves
 * the machine (getaddrinfo would ask the configured DNS server). */
static int is_invalid_tld(const char *host) {
  size_t n = strlen(host);
  if (n && host[n - 1] == '.')
    n--; /* the root label */
  if (n < 7 || strncasecmp(host + n - 7, "invalid", 7) != 0)
    return 0;
  return n == 7 || host[n - 8] == '.';
}


/* RFC 8305 4: alternate the address families, starting with the family
 * getaddrinfo put first, so that happy eyeballs races one of each. */
static void interleave_families(ferry__addrs *a) {
  struct sockaddr_storage tmp[64];
  size_t n = a->n < 64 ? a->n : 64, i, j, k = 0;
  int first;
  if (n < 3)
    return;
  first = a->a[0].ss_family;
  for (i = 0, j = 0; k < n;) {
    while (i < n && a->a[i].ss_family != first)
      i++;
    if (i < n)
      tmp[k++] = a->a[i++];
    while (j < n && a->a[j].ss_family == first)
      j++;
    if (j < n)
      tmp[k++] = a->a[j++];
  }
  memcpy(a->a, tmp, n * sizeof(tmp[0]));
}

/* ---- the resolver -------------------------------------------------------- */

void ferry__dns_init(ferry__dns_cache *c, uv_loop_t *loop) {
  memset(c, 0, sizeof(*c));
  ferry__list_init(&c->lookups);
  ferry__dns_store_init(&c->own);
  c->loop = loop;
}

static ferry__dns_store *store_of(ferry__dns_cache *c,
                                  const ferry__dns_query *q) {
  return q->store != NULL ? q->store : &c->own;
}

static void lookup_free(ferry__dns_lookup *d) {
  ferry__free(d->key);
  ferry__free(d);
}

/* Has a waiter before q in d's list the same store? Its answer is there
 * already. */
static int store_done_before(ferry__dns_lookup *d, ferry__dns_query *q) {
  for (ferry__list *it = d->waiters.next; it != &q->node; it = it->next) {
    ferry__dns_query *o = FERRY__CONTAINER_OF(it, ferry__dns_query, node);
    if (o->store == q->store && o->ttl != 0)
      return 1;
  }
  return 0;
}

static void on_getaddrinfo(uv_getaddrinfo_t *req, int status,
                           struct addrinfo *res) {
  ferry__dns_lookup *d = req->data;
  ferry__dns_cache *c = d->cache;
  ferry__addrs *a = NULL;
  const char *why = NULL;
  ferry_code fail = FERRYE_COULDNT_RESOLVE_HOST;
  struct addrinfo *ai;
  size_t n = 0;

  ferry__free(req);
  d->req = NULL;
  c->inflight--;
  ferry__list_remove(&d->node);
  if (d->orphan && d->quick_exit)
    c->abandoned--;
  if (d->orphan) {
    /* the resolver was closed while this lookup ran */
    uv_freeaddrinfo(res);
    lookup_free(d);
    if (c->inflight == 0 && c->drained != NULL)
      c->drained(c->ud);
    return;
  }
  if (status == 0) {
    for (ai = res; ai; ai = ai->ai_next)
      n += ai->ai_family == AF_INET || ai->ai_family == AF_INET6;
    a = ferry__addrs_new(n);
    if (a != NULL)
      for (ai = res; ai; ai = ai->ai_next)
        if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6)
          memcpy(&a->a[a->n++], ai->ai_addr, ai->ai_addrlen);
    if (a == NULL) {
      why = "out of memory";
      fail = FERRYE_OUT_OF_MEMORY;
    } else if (a->n == 0) {
      why = "no usable address";
    }
  } else {
    why = uv_strerror(status);
    if (status == UV_EAI_MEMORY || status == UV_ENOMEM)
      fail = FERRYE_OUT_OF_MEMORY;
  }
  uv_freeaddrinfo(res);
  if (a != NULL)
    interleave_families(a);
  if (a != NULL && a->n == 0) {
    ferry__addrs_unref(a);
    a = NULL;
  }
  /* The answer goes into the store of each waiter (failures are not
   * kept), each under its own lock; no waiter hears of it before. Running
   * out of memory here only costs a later lookup. */
  if (a != NULL && !d->forget) {
    uint64_t now = ferry__now_ms();
    for (ferry__list *it = d->waiters.next; it != &d->waiters; it = it->next) {
      ferry__dns_query *q = FERRY__CONTAINER_OF(it, ferry__dns_query, node);
      if (q->ttl == 0 || store_done_before(d, q))
        continue;
      ferry__lock_write(q->lock, FERRY_LOCK_DATA_DNS);
      (void)store_put(store_of(c, q), d->key, a, q->lock != NULL,
                      now ? now : 1, 0, q->ttl, now);
      ferry__unlock(q->lock, FERRY_LOCK_DATA_DNS);
    }
  }
  /* Hand the result to every waiter. Each may finish (and free nothing of
   * ours) inside the call, so take them off the list first. */
  while (!ferry__list_empty(&d->waiters)) {
    ferry__dns_query *q =
        FERRY__CONTAINER_OF(d->waiters.next, ferry__dns_query, node);
    ferry__list_remove(&q->node);
    q->entry = NULL;
    if (a != NULL) {
      q->addrs = filter_family(a, q->ipresolve, 0);
      if (q->addrs == NULL) {
        q->done(q, FERRYE_OUT_OF_MEMORY, "out of memory");
        continue;
      }
      if (q->addrs->n == 0) {
        ferry__addrs_unref(q->addrs);
        q->addrs = NULL;
        q->done(q, FERRYE_COULDNT_RESOLVE_HOST,
                "no address of the requested IP version");
        continue;
      }
      q->done(q, FERRYE_OK, NULL);
    } else {
      q->done(q, fail, why);
    }
  }
  ferry__addrs_unref(a);
  lookup_free(d);
  if (c->after != NULL)
    c->after(c->ud);
}

static ferry__dns_lookup *lookup_find(ferry__dns_cache *c, const char *key) {
  for (ferry__list *it = c->lookups.next; it != &c->lookups; it = it->next) {
    ferry__dns_lookup *d = FERRY__CONTAINER_OF(it, ferry__dns_lookup, node);
    if (strcmp(d->key, key) == 0)
      return d;
  }
  return NULL;
}

/* The store's answer for key when it is fresh for q: a list of q's own in
 * q->addrs (FERRYE_OK, or FERRYE_OUT_OF_MEMORY), or FERRYE_AGAIN when the
 * store has none. */
static ferry_code from_store(ferry__dns_cache *c, ferry__dns_query *q,
                             const char *key) {
  ferry__dns_store *s = store_of(c, q);
  ferry__dns_answer *a;
  ferry_code rc = FERRYE_AGAIN;
  uint64_t now = ferry__now_ms();

  ferry__lock_read(q->lock, FERRY_LOCK_DATA_DNS);
  a = store_find(s, key);
  if (a != NULL && fresh(a, q->ttl, now)) {
    q->how = a->from_resolve ? FERRY__DNS_OVERRIDE : FERRY__DNS_CACHED;
    q->addrs = filter_family(a->addrs, q->ipresolve, q->lock != NULL);
    rc = q->addrs != NULL ? FERRYE_OK : FERRYE_OUT_OF_MEMORY;
  }
  ferry__unlock(q->lock, FERRY_LOCK_DATA_DNS);
  return rc;
}

ferry_code ferry__dns_load_resolve(ferry__dns_cache *c, ferry__dns_query *q) {
  ferry_code rc = FERRYE_OK;
  if (!q->resolve_pending)
    return FERRYE_OK;
  if (q->resolve != NULL) {
    ferry__lock_write(q->lock, FERRY_LOCK_DATA_DNS);
    rc = load_resolve(store_of(c, q), q->resolve, q->ttl, ferry__now_ms());
    ferry__unlock(q->lock, FERRY_LOCK_DATA_DNS);
  }
  if (rc == FERRYE_OK)
    q->resolve_pending = 0;
  return rc;
}

ferry_code ferry__dns_resolve(ferry__dns_cache *c, ferry__dns_query *q) {
  struct sockaddr_storage ss;
  ferry__addrs *a = NULL;
  ferry__dns_lookup *d;
  char key[300];
  char port[8];
  struct addrinfo hints;
  ferry_code rc;
  int r;

  q->addrs = NULL;
  q->why[0] = '\0';
  q->entry = NULL;
  ferry__list_init(&q->node);
  rc = ferry__dns_load_resolve(c, q);
  if (rc != FERRYE_OK)
    return rc;
  /* UNIX_SOCKET_PATH: the address is the path; no lookup, nothing cached */
  if (q->unix_path != NULL) {
    const char *path = q->unix_path;
    struct sockaddr_un *su;
    q->how = FERRY__DNS_LITERAL;
    if (strlen(path) >= sizeof(su->sun_path)) {
      snprintf(q->why, sizeof(q->why), "Unix socket path too long: '%.64s...'",
               path);
      return FERRYE_COULDNT_RESOLVE_HOST;
    }
    a = ferry__addrs_new(1);
    if (a == NULL)
      return FERRYE_OUT_OF_MEMORY;
    su = (struct sockaddr_un *)&a->a[0];
    su->sun_family = AF_UNIX;
    memcpy(su->sun_path, path, strlen(path) + 1);
    a->n = 1;
    q->addrs = a;
    goto have_addrs;
  }
  /* IP literal */
  if (q->literal && parse_ip(q->host, q->port, &ss)) {
    q->how = FERRY__DNS_LITERAL;
    a = c->literal;
    if (a == NULL || memcmp(&a->a[0], &ss, sizeof(ss)) != 0) {
      a = ferry__addrs_new(1);
      if (a == NULL)
        return FERRYE_OUT_OF_MEMORY;
      a->a[0] = ss;
      a->n = 1;
      ferry__addrs_unref(c->literal);
      c->literal = a;
    }
    q->addrs = filter_family(a, q->ipresolve, 0);
    goto have_addrs;
  }
  if (make_key(key, sizeof(key), q->host, strlen(q->host), q->port) != 0)
    return FERRYE_COULDNT_RESOLVE_HOST;
  rc = from_store(c, q, key);
  if (rc == FERRYE_OUT_OF_MEMORY)
    return rc;
  if (rc == FERRYE_OK)
    goto have_addrs;
  /* only a RESOLVE entry gives such a name an address */
  if (is_invalid_tld(q->host))
    return FERRYE_COULDNT_RESOLVE_HOST;
  q->how = FERRY__DNS_LOOKUP;
  d = lookup_find(c, key);
  if (d == NULL) {
    d = ferry__calloc(1, sizeof(*d));
    if (d == NULL)
      return FERRYE_OUT_OF_MEMORY;
    d->key = ferry__strdup(key);
    d->req = ferry__malloc(sizeof(*d->req));
    if (d->key == NULL || d->req == NULL) {
      ferry__free(d->req);
      ferry__free(d->key);
      ferry__free(d);
      return FERRYE_OUT_OF_MEMORY;
    }
    ferry__list_init(&d->waiters);
    d->cache = c;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    snprintf(port, sizeof(port), "%d", q->port);
    d->req->data = d;
    r = uv_getaddrinfo(c->loop, d->req, on_getaddrinfo, q->host, port, &hints);
    if (r != 0) {
      ferry__free(d->req);
      ferry__free(d->key);
      ferry__free(d);
      return FERRYE_COULDNT_RESOLVE_HOST;
    }
    ferry__list_insert_head(&c->lookups, &d->node);
    c->inflight++;
  }
  ferry__list_insert_tail(&d->waiters, &q->node);
  q->entry = d;
  if (q->quick_exit)
    d->quick_exit = 1;
  return FERRYE_AGAIN;

have_addrs:
  if (q->addrs == NULL)
    return FERRYE_OUT_OF_MEMORY;
  if (q->addrs->n == 0) {
    ferry__addrs_unref(q->addrs);
    q->addrs = NULL;
    return FERRYE_COULDNT_RESOLVE_HOST;
  }
  return FERRYE_OK;
}

void ferry__dns_clear(ferry__dns_cache *c) {
  ferry__addrs_unref(c->literal);
  c->literal = NULL;
  ferry__dns_store_clear(&c->own);
  for (ferry__list *it = c->lookups.next; it != &c->lookups; it = it->next)
    FERRY__CONTAINER_OF(it, ferry__dns_lookup, node)->forget = 1;
}

void ferry__dns_cancel(ferry__dns_query *q) {
  ferry__list_remove(&q->node);
  q->entry = NULL;
}

void ferry__dns_close(ferry__dns_cache *c) {
  ferry__addrs_unref(c->literal);
  c->literal = NULL;
  ferry__dns_store_clear(&c->own);
  for (ferry__list *it = c->lookups.next; it != &c->lookups; it = it->next) {
    ferry__dns_lookup *d = FERRY__CONTAINER_OF(it, ferry__dns_lookup, node);
    while (!ferry__list_empty(&d->waiters)) {
      ferry__dns_query *q =
          FERRY__CONTAINER_OF(d->waiters.next, ferry__dns_query, node);
      ferry__dns_cancel(q);
    }
    if (!d->orphan) {
      /* The loop owes a callback: orphan the lookup; the callback frees it
       * (and the owner's memory waits for it: drained). */
      d->orphan = 1;
      if (d->quick_exit)
        c->abandoned++;
      uv_cancel((uv_req_t *)d->req);
    }
  }
}

/* Name resolution with a per-multi cache. IP literals and RESOLVE
 * overrides never reach getaddrinfo; a name being looked up is looked up
 * once, however many transfers wait for it. */
#include <arpa/inet.h>
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

#define DEFAULT_DNS_TTL_S 60
#define MAX_CACHE_ENTRIES 1000


void ferry__dns_init(ferry__dns_cache *c, uv_loop_t *loop) {
  memset(c, 0, sizeof(*c));
  ferry__list_init(&c->entries);
  c->loop = loop;
}

static void entry_free(ferry__dns_entry *d) {
  ferry__addrs_unref(d->addrs);
  ferry__free(d->key);
  ferry__free(d);
}

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

/* Keep only the families IPRESOLVE allows. */
static ferry__addrs *filter_family(ferry__addrs *a, long ipresolve) {
  size_t i, n = 0;
  ferry__addrs *f;
  int fam;

  if (ipresolve == FERRY_IPRESOLVE_WHATEVER)
    return ferry__addrs_ref(a);
  fam = ipresolve == FERRY_IPRESOLVE_V4 ? AF_INET : AF_INET6;
  for (i = 0; i < a->n; i++)
    n += a->a[i].ss_family == fam;
  f = ferry__addrs_new(n);
  if (f == NULL)
    return NULL;
  for (i = 0; i < a->n; i++)
    if (a->a[i].ss_family == fam)
      f->a[f->n++] = a->a[i];
  return f;
}

/* A RESOLVE entry "host:port:addr[,addr...]" for this host and port. */
static ferry_code resolve_override(const ferry__dns_query *q,
                                   ferry__addrs **out) {
  const ferry_slist *l;
  size_t hlen = strlen(q->host);

  *out = NULL;
  for (l = q->resolve; l != NULL; l = l->next) {
    const char *s = l->data, *p, *addrs;
    char *end;
    long port;
    size_t count = 1;
    ferry__addrs *a;

    if (s == NULL || s[0] == '-' || s[0] == '+')
      s += (s && (s[0] == '+')) ? 1 : 0;
    if (s == NULL || s[0] == '-')
      continue; /* removals only matter for a shared cache */
    p = strchr(s, ':');
    if (p == NULL || (size_t)(p - s) != hlen || strncasecmp(s, q->host, hlen))
      continue;
    port = strtol(p + 1, &end, 10);
    if (*end != ':' || port != q->port)
      continue;
    addrs = end + 1;
    for (p = addrs; *p; p++)
      count += *p == ',';
    a = ferry__addrs_new(count);
    if (a == NULL)
      return FERRYE_OUT_OF_MEMORY;
    for (p = addrs; *p;) {
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
    if (a->n == 0) {
      ferry__addrs_unref(a);
      continue;
    }
    *out = a;
    return FERRYE_OK;
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

static ferry__dns_entry *cache_find(ferry__dns_cache *c, const char *key) {
  ferry__list *it;
  for (it = c->entries.next; it != &c->entries; it = it->next) {
    ferry__dns_entry *d = FERRY__CONTAINER_OF(it, ferry__dns_entry, node);
    if (strcmp(d->key, key) == 0)
      return d;
  }
  return NULL;
}

static void cache_drop(ferry__dns_cache *c, ferry__dns_entry *d) {
  ferry__list_remove(&d->node);
  c->n--;
  entry_free(d);
}

/* Make room: drop expired entries, then the oldest idle ones. */
static void cache_prune(ferry__dns_cache *c) {
  ferry__list *it, *tmp;
  uint64_t now = ferry__now_ms();
  FERRY__LIST_FOREACH_SAFE(it, tmp, &c->entries) {
    ferry__dns_entry *d = FERRY__CONTAINER_OF(it, ferry__dns_entry, node);
    if (d->req == NULL && (d->addrs == NULL || (d->expires_ms && d->expires_ms <= now)))
      cache_drop(c, d);
  }
  while (c->n >= MAX_CACHE_ENTRIES) {
    ferry__dns_entry *d = NULL;
    for (it = c->entries.prev; it != &c->entries; it = it->prev) {
      ferry__dns_entry *o = FERRY__CONTAINER_OF(it, ferry__dns_entry, node);
      if (o->req == NULL) {
        d = o;
        break;
      }
    }
    if (d == NULL)
      break;
    cache_drop(c, d);
  }
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

static void on_getaddrinfo(uv_getaddrinfo_t *req, int status,
                           struct addrinfo *res) {
  ferry__dns_entry *d = req->data;
  ferry__dns_cache *c = d->cache;
  ferry__addrs *a = NULL;
  const char *why = NULL;
  ferry_code fail = FERRYE_COULDNT_RESOLVE_HOST;
  struct addrinfo *ai;
  size_t n = 0;

  ferry__free(req);
  d->req = NULL;
  c->inflight--;
  if (d->orphan) {
    /* the cache was closed while this lookup ran */
    uv_freeaddrinfo(res);
    entry_free(d);
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
  d->addrs = a;
  /* Hand the result to every waiter. Each may finish (and free nothing of
   * ours) inside the call, so take them off the list first. */
  while (!ferry__list_empty(&d->waiters)) {
    ferry__dns_query *q =
        FERRY__CONTAINER_OF(d->waiters.next, ferry__dns_query, node);
    ferry__list_remove(&q->node);
    q->entry = NULL;
    if (a != NULL) {
      q->addrs = filter_family(a, q->ipresolve);
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
  if (a == NULL)
    cache_drop(c, d); /* failures are not cached */
  if (c->after != NULL)
    c->after(c->ud);
}

ferry_code ferry__dns_resolve(ferry__dns_cache *c, ferry__dns_query *q) {
  struct sockaddr_storage ss;
  ferry__addrs *a = NULL;
  ferry__dns_entry *d;
  char key[300];
  char port[8];
  struct addrinfo hints;
  ferry_code rc;
  long ttl = q->ttl;
  int r;

  q->addrs = NULL;
  q->why[0] = '\0';
  q->entry = NULL;
  ferry__list_init(&q->node);
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
    q->addrs = filter_family(a, q->ipresolve);
    goto have_addrs;
  }
  rc = resolve_override(q, &a);
  if (rc != FERRYE_OK)
    return rc;
  if (a != NULL) {
    q->how = FERRY__DNS_OVERRIDE;
    q->addrs = filter_family(a, q->ipresolve);
    ferry__addrs_unref(a);
    goto have_addrs;
  }
  if (strlen(q->host) > 255 || is_invalid_tld(q->host))
    return FERRYE_COULDNT_RESOLVE_HOST;
  snprintf(key, sizeof(key), "%s:%d", q->host, q->port);
  for (char *p = key; *p; p++) /* names are one name in any case */
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  d = cache_find(c, key);
  if (d != NULL && d->req == NULL &&
      (ttl == 0 || (d->expires_ms && d->expires_ms <= ferry__now_ms()))) {
    cache_drop(c, d);
    d = NULL;
  }
  if (d != NULL && d->addrs != NULL) {
    q->how = FERRY__DNS_CACHED;
    q->addrs = filter_family(d->addrs, q->ipresolve);
    goto have_addrs;
  }
  q->how = FERRY__DNS_LOOKUP;
  if (d == NULL) {
    cache_prune(c);
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
    if (ttl < 0)
      d->expires_ms = 0;
    else
      d->expires_ms = ferry__now_ms() +
                      (uint64_t)(ttl ? ttl : DEFAULT_DNS_TTL_S) * 1000u;
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
    ferry__list_insert_head(&c->entries, &d->node);
    c->n++;
    c->inflight++;
  }
  ferry__list_insert_tail(&d->waiters, &q->node);
  q->entry = d;
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
  ferry__list *it, *tmp;
  ferry__addrs_unref(c->literal);
  c->literal = NULL;
  FERRY__LIST_FOREACH_SAFE(it, tmp, &c->entries) {
    ferry__dns_entry *d = FERRY__CONTAINER_OF(it, ferry__dns_entry, node);
    if (d->req != NULL)
      d->expires_ms = 1; /* long expired once it answers */
    else
      cache_drop(c, d);
  }
}

void ferry__dns_cancel(ferry__dns_query *q) {
  ferry__list_remove(&q->node);
  q->entry = NULL;
}

void ferry__dns_close(ferry__dns_cache *c) {
  ferry__addrs_unref(c->literal);
  c->literal = NULL;
  while (!ferry__list_empty(&c->entries)) {
    ferry__dns_entry *d =
        FERRY__CONTAINER_OF(c->entries.next, ferry__dns_entry, node);
    ferry__list_remove(&d->node);
    c->n--;
    while (!ferry__list_empty(&d->waiters)) {
      ferry__dns_query *q =
          FERRY__CONTAINER_OF(d->waiters.next, ferry__dns_query, node);
      ferry__dns_cancel(q);
    }
    if (d->req != NULL) {
      /* The loop owes a callback: orphan the entry; the callback frees it
       * (and the owner's memory waits for it: drained). */
      d->orphan = 1;
      uv_cancel((uv_req_t *)d->req);
      continue;
    }
    entry_free(d);
  }
}

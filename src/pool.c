/* The connection pool: idle keep-alive connections grouped by host key
 * ("bundles"), and the multi's limits on open connections. Where the
 * libuv adapter watches sockets, idle connections stay IN-watched (through
 * handles that do not keep the loop alive), so a server closing one is
 * noticed while the loop runs. An application's SOCKETFUNCTION is not
 * asked to watch idle connections (libcurl does not either): the socket
 * callback hears REMOVE when a connection goes idle. So a connection that
 * nobody watched is checked with one non-blocking peek when it is taken;
 * a watched one is peeked only when its request could not be sent again,
 * since a perform-mode application runs no loop between transfers and
 * libuv runs timers (which start transfers) before it polls. A request
 * that meets a dead connection anyway is retried once on a fresh one. */
#include <string.h>

#include "alloc.h"
#include "clock.h"
#include "conn.h"

void ferry__pool_init(ferry__pool *pool, ferry__watchset *watches) {
  memset(pool, 0, sizeof(*pool));
  ferry__list_init(&pool->bundles);
  ferry__list_init(&pool->idle_lru);
  ferry__list_init(&pool->all);
  pool->watches = watches;
  pool->cache_size = 4;
}

char *ferry__pool_rbuf(ferry__pool *pool) {
  if (pool->rbuf == NULL)
    pool->rbuf = ferry__malloc(FERRY__RBUF_SIZE);
  return pool->rbuf;
}

ferry__bundle *ferry__pool_bundle(ferry__pool *pool, const char *key,
                                  int create) {
  ferry__list *it;
  ferry__bundle *b;

  for (it = pool->bundles.next; it != &pool->bundles; it = it->next) {
    b = FERRY__CONTAINER_OF(it, ferry__bundle, node);
    if (strcmp(b->key, key) == 0) {
      if (it != pool->bundles.next) { /* keep hot bundles first */
        ferry__list_remove(it);
        ferry__list_insert_head(&pool->bundles, it);
      }
      return b;
    }
  }
  if (!create)
    return NULL;
  b = ferry__calloc(1, sizeof(*b));
  if (b == NULL)
    return NULL;
  b->key = ferry__strdup(key);
  if (b->key == NULL) {
    ferry__free(b);
    return NULL;
  }
  ferry__list_init(&b->idle);
  ferry__list_init(&b->mux);
  ferry__list_insert_head(&pool->bundles, &b->node);
  return b;
}

static void idle_unlink(ferry__pool *pool, ferry__conn *c) {
  ferry__list_remove(&c->idle_node);
  ferry__list_remove(&c->lru_node);
  pool->n_idle--;
}

/* Too old for the transfer's MAXAGE_CONN (idle) or MAXLIFETIME_CONN
 * (since made)? As libcurl: strictly longer than the limit, in ms. */
static int too_old(const ferry__conn *c, uint64_t now, uint64_t max_idle_ms,
                   uint64_t max_life_ms) {
  return (max_idle_ms && now - c->idle_since_ms > max_idle_ms) ||
         (max_life_ms && now - c->created_ms > max_life_ms);
}

ferry__conn *ferry__pool_take_idle(ferry__pool *pool, ferry__bundle *b,
                                   int check_alive, uint64_t max_idle_ms,
                                   uint64_t max_life_ms) {
  ferry__list *it, *tmp;
  uint64_t now = max_idle_ms || max_life_ms ? ferry__now_ms() : 0;
  FERRY__LIST_FOREACH_SAFE(it, tmp, &b->idle) {
    ferry__conn *c = FERRY__CONTAINER_OF(it, ferry__conn, idle_node);
    /* a multiplexing one is taken with ferry__pool_take_mux: its session
     * reads what the server sends meanwhile */
    if (ferry__list_linked(&c->mux_node))
      continue;
    /* A request that can be sent again is retried on a fresh connection if
     * this one died unseen; one that cannot (a read callback's upload)
     * pays for a peek first, as does one nobody watched. One too old is
     * closed, not tried. */
    if (!(now && too_old(c, now, max_idle_ms, max_life_ms)) &&
        ((!check_alive && ferry__watch_watched(pool->watches, c->watch)) ||
         !ferry__conn_idle_is_dead(c))) {
      idle_unlink(pool, c);
      return c;
    }
    ferry__conn_destroy(c);
  }
  return NULL;
}

int ferry__pool_may_open(ferry__pool *pool, ferry__bundle *b) {
  if (pool->max_host_connections > 0 &&
      b->n_conns >= (unsigned)pool->max_host_connections)
    return 0;
  if (pool->max_total_connections > 0 &&
      pool->n_conns >= (unsigned)pool->max_total_connections) {
    /* An idle connection to another host can make room. */
    ferry__list *it;
    for (it = pool->idle_lru.next; it != &pool->idle_lru; it = it->next) {
      ferry__conn *c = FERRY__CONTAINER_OF(it, ferry__conn, lru_node);
      if (c->bundle != b) {
        ferry__conn_destroy(c);
        return 1;
      }
    }
    return 0;
  }
  return 1;
}

/* An idle connection's socket became readable: the server closed it (or
 * sent something unasked). Either way it cannot be reused. */
static void idle_event(void *ud, int cselect) {
  ferry__conn *c = ud;
  ferry__pool *pool = c->pool;
  (void)cselect;
  ferry__conn_destroy(c);
  if (pool->on_idle_closed != NULL)
    pool->on_idle_closed(pool->ud);
}

static const ferry__conn_hooks idle_hooks = {idle_event, NULL, NULL, NULL,
                                             NULL,       NULL, NULL};

void ferry__conn_set_home(ferry__conn *c, ferry__pool *home,
                          const ferry__lock *lock) {
  c->home = home;
  c->home_lock = home ? lock : NULL;
}

/* Move c (not idle, no transfer on it, no stream multiplexed) from its
 * pool into pool to, counted in bundle b of to (NULL: the bundle of its
 * key, made if needed). 0, or -1 when out of memory (c unchanged). Its
 * watch is left alone. */
static int pool_move(ferry__pool *to, ferry__conn *c, ferry__bundle *b) {
  ferry__pool *from = c->pool;
  if (b == NULL && (b = ferry__pool_bundle(to, c->bundle->key, 1)) == NULL)
    return -1;
  ferry__list_remove(&c->all_node);
  c->bundle->n_conns--;
  from->n_conns--;
  c->pool = to;
  c->bundle = b;
  b->n_conns++;
  to->n_conns++;
  ferry__list_insert_tail(&to->all, &c->all_node);
  return 0;
}

/* c goes idle in a share's pool home, which nothing watches: its socket
 * leaves its own pool's driver first (the application's socket callback
 * may hear REMOVE: not under the lock), then moves under the lock. */
static void put_idle_home(ferry__pool *pool, ferry__conn *c) {
  ferry__pool *home = c->home;
  const ferry__lock *lock = c->home_lock;
  int moved;

  c->home = NULL;
  c->home_lock = NULL;
  if (c->watch != NULL)
    ferry__watch_del(pool->watches, c->watch);
  ferry__lock_write(lock, FERRY_LOCK_DATA_CONNECT);
  moved = pool_move(home, c, NULL) == 0;
  if (moved) {
    /* the multi that parks it sets how many the share keeps */
    home->cache_size = pool->cache_size;
    ferry__pool_put_idle(home, c);
  }
  ferry__unlock(lock, FERRY_LOCK_DATA_CONNECT);
  if (!moved)
    ferry__conn_destroy(c);
}

ferry__conn *ferry__pool_take_from(ferry__pool *from, const ferry__lock *lock,
                                   ferry__pool *into, ferry__bundle *b,
                                   uint64_t max_idle_ms, uint64_t max_life_ms) {
  ferry__bundle *fb;
  ferry__conn *c = NULL;

  ferry__lock_write(lock, FERRY_LOCK_DATA_CONNECT);
  fb = ferry__pool_bundle(from, b->key, 0);
  if (fb != NULL)
    c = ferry__pool_take_idle(from, fb, 1, max_idle_ms, max_life_ms);
  if (c != NULL)
    (void)pool_move(into, c, b); /* with b given it cannot fail */
  ferry__unlock(lock, FERRY_LOCK_DATA_CONNECT);
  if (c != NULL && c->watch != NULL &&
      ferry__watch_add(into->watches, c->watch, c->fd) != 0) {
    ferry__conn_destroy(c);
    return NULL;
  }
  return c;
}

void ferry__pool_put_idle(ferry__pool *pool, ferry__conn *c) {
  if (c->home != NULL && c->home != pool &&
      !ferry__list_linked(&c->mux_node)) {
    put_idle_home(pool, c);
    return;
  }
  c->home = NULL;
  c->home_lock = NULL;
  c->idle_since_ms = ferry__now_ms();
  ferry__list_insert_head(&c->bundle->idle, &c->idle_node);
  ferry__list_insert_tail(&pool->idle_lru, &c->lru_node);
  pool->n_idle++;
  ferry__conn_set_owner(c, &idle_hooks, c);
  /* Where idle sockets are watched: readable while idle means closed (or
   * junk). */
  if (ferry__conn_watch_idle(c) != 0) {
    ferry__conn_destroy(c);
    return;
  }
  ferry__pool_trim(pool);
}

ferry__conn *ferry__pool_take_mux(ferry__pool *pool, ferry__bundle *b) {
  ferry__list *it;
  for (it = b->mux.next; it != &b->mux; it = it->next) {
    ferry__conn *c = FERRY__CONTAINER_OF(it, ferry__conn, mux_node);
    if (c->streams >= c->max_streams)
      continue;
    if (ferry__list_linked(&c->idle_node))
      idle_unlink(pool, c);
    return c;
  }
  return NULL;
}

int ferry__pool_mux_room(const ferry__bundle *b) {
  const ferry__list *it;
  for (it = b->mux.next; it != &b->mux; it = it->next) {
    const ferry__conn *c = FERRY__CONTAINER_OF(it, ferry__conn, mux_node);
    if (c->streams < c->max_streams)
      return 1;
  }
  return 0;
}

void ferry__pool_mux_add(ferry__pool *pool, ferry__conn *c) {
  (void)pool;
  if (!ferry__list_linked(&c->mux_node))
    ferry__list_insert_tail(&c->bundle->mux, &c->mux_node);
  c->bundle->mux_seen = 1;
}

void ferry__pool_mux_idle(ferry__pool *pool, ferry__conn *c) {
  c->idle_since_ms = ferry__now_ms();
  ferry__list_insert_head(&c->bundle->idle, &c->idle_node);
  ferry__list_insert_tail(&pool->idle_lru, &c->lru_node);
  pool->n_idle++;
  ferry__conn_watch_idle(c);
  ferry__pool_trim(pool);
}

int ferry__pool_keep_unused(ferry__pool *pool, ferry__conn *c) {
  if (c == NULL || !ferry__list_linked(&c->mux_node))
    return 0;
  /* the socket callback hears of the connection's own handle from now */
  c->easy = NULL;
  if (c->watch != NULL)
    c->watch->easy = NULL;
  if (c->streams == 0 && !ferry__list_linked(&c->idle_node))
    ferry__pool_mux_idle(pool, c);
  return 1;
}

void ferry__pool_mux_pending(ferry__conn *c, int pending) {
  if (c->mux_pending == (pending != 0))
    return;
  c->mux_pending = pending != 0;
  if (pending)
    c->bundle->n_connecting_mux++;
  else
    c->bundle->n_connecting_mux--;
}

void ferry__pool_room(ferry__pool *pool) {
  if (pool->on_idle_closed != NULL)
    pool->on_idle_closed(pool->ud);
}

void ferry__pool_trim(ferry__pool *pool) {
  while (pool->n_idle > pool->cache_size) {
    ferry__conn *c =
        FERRY__CONTAINER_OF(pool->idle_lru.next, ferry__conn, lru_node);
    ferry__conn_destroy(c);
  }
}

int ferry__pool_conn_fd(const ferry__pool *pool, ferry_off_t id) {
  const ferry__list *it;
  if (id < 0)
    return -1;
  for (it = pool->all.next; it != &pool->all; it = it->next) {
    const ferry__conn *c = FERRY__CONTAINER_OF(it, ferry__conn, all_node);
    if (c->id == id)
      return c->connected ? c->fd : -1;
  }
  return -1;
}

void ferry__pool_forget(ferry__pool *pool) {
  ferry__list *it;
  while (!ferry__list_empty(&pool->idle_lru)) {
    ferry__conn *c =
        FERRY__CONTAINER_OF(pool->idle_lru.next, ferry__conn, lru_node);
    ferry__conn_destroy(c);
  }
  for (it = pool->all.next; it != &pool->all; it = it->next) {
    ferry__conn *c = FERRY__CONTAINER_OF(it, ferry__conn, all_node);
    c->no_reuse = 1;
    c->max_streams = 0;
  }
}

void ferry__pool_close_all(ferry__pool *pool) {
  while (!ferry__list_empty(&pool->idle_lru)) {
    ferry__conn *c =
        FERRY__CONTAINER_OF(pool->idle_lru.next, ferry__conn, lru_node);
    ferry__conn_destroy(c);
  }
  while (!ferry__list_empty(&pool->bundles)) {
    ferry__bundle *b =
        FERRY__CONTAINER_OF(pool->bundles.next, ferry__bundle, node);
    ferry__list_remove(&b->node);
    ferry__free(b->key);
    ferry__free(b);
  }
  ferry__free(pool->rbuf);
  pool->rbuf = NULL;
}

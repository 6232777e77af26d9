/* Connections: a chain of connection filters over one socket (see conn.h
 * and cf.h). This file connects the chain a filter at a time, passes bytes
 * through its top, and hands the socket's readiness to the owner. A socket
 * is never closed while its driver still watches it: the socket filter
 * tells REMOVE first. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "alloc.h"
#include "clock.h"
#include "conn.h"
#include "tls.h"

ferry__conn *ferry__conn_new(ferry__pool *pool, ferry__bundle *b) {
  ferry__conn *c = ferry__calloc(1, sizeof(*c));
  if (c == NULL)
    return NULL;
  c->pool = pool;
  c->fd = -1;
  c->bundle = b;
  c->max_streams = 1;
  ferry__list_init(&c->mux_node);
  ferry__list_insert_tail(&pool->all, &c->all_node);
  ferry__list_init(&c->idle_node);
  ferry__list_init(&c->lru_node);
  c->created_ms = ferry__now_ms();
  c->id = pool->next_conn_id++; /* CONN_ID */
  b->n_conns++;
  pool->n_conns++;
  return c;
}

void ferry__conn_set_owner(ferry__conn *c, const ferry__conn_hooks *hooks,
                           void *ud) {
  c->hooks = hooks;
  c->ud = ud;
}

void ferry__conn_push(ferry__conn *c, ferry__cf *cf) {
  cf->below = c->top;
  cf->conn = c;
  c->top = cf;
}

ssize_t ferry__cf_send(ferry__cf *cf, const struct iovec *iov, int n_iov,
                       ferry__ioerr *err) {
  return cf->ops->send(cf, iov, n_iov, err);
}

ssize_t ferry__cf_recv(ferry__cf *cf, char *buf, size_t cap, int *clean,
                       ferry__ioerr *err) {
  return cf->ops->recv(cf, buf, cap, clean, err);
}

/* The lowest filter not connected yet, or NULL. */
static ferry__cf *connecting(const ferry__conn *c) {
  ferry__cf *found = NULL;
  for (ferry__cf *cf = c->top; cf != NULL; cf = cf->below)
    if (!cf->connected)
      found = cf;
  return found;
}

ferry_code ferry__conn_connect(ferry__conn *c, int cselect, ferry__ioerr *err) {
  ferry__cf *cf;

  err->code = FERRYE_OK;
  err->os_errno = 0;
  while ((cf = connecting(c)) != NULL) {
    ferry_code rc = cf->ops->connect(cf, cselect, err);
    if (rc != FERRYE_OK)
      return rc;
    cf->connected = 1;
    cselect = 0; /* the next filter starts on its own */
  }
  c->connected = 1;
  return FERRYE_OK;
}

ferry__conn_phase ferry__conn_phase_of(const ferry__conn *c) {
  const ferry__cf *cf = connecting(c);
  if (cf == NULL)
    return FERRY__CONN_CONNECTED;
  if (cf->below == NULL)
    return FERRY__CONN_SOCKET;
  if (cf->ops == &ferry__cf_tls_ops)
    return FERRY__CONN_TLS;
  return FERRY__CONN_TUNNEL;
}

uint64_t ferry__conn_deadline(const ferry__conn *c) {
  uint64_t due = 0;
  for (const ferry__cf *cf = c->top; cf != NULL; cf = cf->below) {
    uint64_t t = cf->ops->deadline && !cf->connected ? cf->ops->deadline(cf) : 0;
    if (t && (due == 0 || t < due))
      due = t;
  }
  return due;
}

ferry__tls *ferry__conn_tls(const ferry__conn *c) {
  for (const ferry__cf *cf = c->top; cf != NULL; cf = cf->below) {
    ferry__tls *t = ferry__cf_tls_get(cf);
    if (t != NULL)
      return t;
  }
  return NULL;
}

/* The connected socket is ready: its owner acts. */
static void conn_event(void *ctx, int cselect) {
  ferry__conn *c = ctx;
  c->hooks->event(c->ud, cselect);
}

void ferry__conn_set_socket(ferry__conn *c, int fd, ferry__watch *w) {
  c->fd = fd;
  c->watch = w;
  w->on_event = conn_event;
  w->ctx = c;
}

void ferry__conn_notify(ferry__conn *c, int cselect) {
  c->hooks->event(c->ud, cselect);
}

int ferry__conn_trace_on(const ferry__conn *c) {
  return c->hooks != NULL && c->hooks->trace_on != NULL &&
         c->hooks->trace_on(c->ud);
}

void ferry__conn_infof(ferry__conn *c, const char *fmt, ...) {
  char text[FERRY_ERROR_SIZE * 2];
  va_list ap;
  if (!ferry__conn_trace_on(c) || c->hooks->trace == NULL)
    return;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  c->hooks->trace(c->ud, text);
}

ssize_t ferry__conn_send(ferry__conn *c, const struct iovec *iov, int n_iov,
                         ferry__ioerr *err) {
  return c->top->ops->send(c->top, iov, n_iov, err);
}

ssize_t ferry__conn_recv(ferry__conn *c, char *buf, size_t cap, int *clean,
                         ferry__ioerr *err) {
  return c->top->ops->recv(c->top, buf, cap, clean, err);
}

int ferry__conn_flush(ferry__conn *c) {
  for (ferry__cf *cf = c->top; cf != NULL; cf = cf->below)
    if (cf->ops->flush != NULL) {
      int f = cf->ops->flush(cf);
      if (f != 0)
        return f;
    }
  return 0;
}

int ferry__conn_buffered(const ferry__conn *c) {
  for (const ferry__cf *cf = c->top; cf != NULL; cf = cf->below)
    if (cf->ops->buffered != NULL && cf->ops->buffered(cf))
      return 1;
  return 0;
}

int ferry__conn_idle_is_dead(const ferry__conn *c) {
  char byte;
  ssize_t n;

  if (c->fd < 0)
    return 1;
  do
    n = recv(c->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n >= 0)
    return 1; /* EOF, or bytes no request asked for */
  return errno != EAGAIN && errno != EWOULDBLOCK;
}

int ferry__conn_watch(ferry__conn *c, int what) {
  if (c->watch == NULL)
    return 0;
  /* NONE stops the watch (a paused transfer uses no CPU); libcurl's
   * socket callback hears REMOVE for it */
  return ferry__watch_set(c->pool->watches, c->watch,
                          what == FERRY_POLL_NONE ? 0 : what, 0);
}

int ferry__conn_watch_idle(ferry__conn *c) {
  int rc;
  if (c->watch == NULL)
    return 0;
  /* a REMOVE this causes reports the transfer that parked it; after that
   * the idle socket belongs to no transfer */
  rc = ferry__watch_set(c->pool->watches, c->watch, FERRY_POLL_IN, 1);
  c->watch->easy = NULL;
  return rc;
}

void ferry__conn_set_easy(ferry__conn *c, ferry_easy *e) {
  c->easy = e;
  /* an idle socket keeps reporting the transfer that parked it until
   * another takes it: it is told nothing meanwhile */
  if (e != NULL && c->watch != NULL)
    c->watch->easy = e;
}

void ferry__conn_close_socket(ferry__conn *c) {
  ferry__cf *cf;

  /* goodbyes (TLS close_notify) from the top, if the socket takes them
   * now; never waited for */
  if (c->connected)
    for (cf = c->top; cf != NULL; cf = cf->below)
      if (cf->ops->shutdown != NULL)
        cf->ops->shutdown(cf);
  if (c->easy != NULL && c->watch != NULL)
    c->watch->easy = c->easy;
  while ((cf = c->top) != NULL) {
    c->top = cf->below;
    cf->ops->destroy(cf); /* the socket filter: REMOVE, then close */
  }
  c->fd = -1;
  c->watch = NULL;
  c->connected = 0;
}

void ferry__conn_destroy(ferry__conn *c) {
  ferry__pool *pool = c->pool;
  ferry__conn_close_socket(c);
  ferry__pool_mux_pending(c, 0);
  ferry__list_remove(&c->mux_node);
  ferry__list_remove(&c->all_node);
  if (ferry__list_linked(&c->idle_node)) {
    ferry__list_remove(&c->idle_node);
    ferry__list_remove(&c->lru_node);
    pool->n_idle--;
  }
  c->easy = NULL;
  if (c->session != NULL && c->session_free != NULL)
    c->session_free(c->session);
  c->bundle->n_conns--;
  pool->n_conns--;
  ferry__free(c);
}

/* The multi handle: the one engine. It speaks to the outside only through
 * the socket callback and the timer callback; perform mode and libuv mode
 * plug the libuv adapter (uvbind.c) into those, socket_action mode plugs in
 * the application's own. */
#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>

#include "alloc.h"
#include "conn.h"
#include "handle.h"
#include "multi.h"
#include "queues.h"
#include "resolve.h"
#include "tls.h"
#include "xfer.h"
#include "ferry_uv.h"

/* ---- timer ------------------------------------------------------------ */

/* Milliseconds until the engine needs to run, -1 for never. */
static long next_timeout(ferry_multi *m) {
  uint64_t now;
  if (!ferry__list_empty(&m->soon))
    return 0;
  if (m->heap_len == 0)
    return -1;
  now = ferry__now_ms();
  if (m->heap[0]->deadline_ms <= now)
    return 0;
  return (long)(m->heap[0]->deadline_ms - now);
}

/* ---- callbacks out ---------------------------------------------------- */

static void update_timer(ferry_multi *m) {
  long t;
  uint64_t due;
  int rc;

  if (m->timerfn == NULL || m->closing)
    return;
  /* From inside a user callback (say add_handle in the timer callback), the
   * engine run that called it updates the timer when it ends; calling the
   * timer callback nested would let an outer call overwrite a newer value. */
  if (m->in_callback)
    return;
  t = next_timeout(m);
  due = t < 0 ? 0 : ferry__now_ms() + (uint64_t)t;
  if (t < 0) {
    /* nothing to time: -1, once, even after the last timer fired, so
     * that the application knows no timer is wanted */
    if (m->timer_told == -1)
      return;
  } else if (m->timer_armed &&
             (t == 0 ? m->timer_told == 0 : due == m->timer_due_ms)) {
    return; /* the armed timer already fires then: do not re-arm */
  }
  m->timer_told = t;
  m->timer_armed = t >= 0;
  m->timer_due_ms = due;
  FERRY__CALLBACK_ENTER(m);
  rc = m->timerfn(m, t, m->timerdata);
  FERRY__CALLBACK_LEAVE(m);
  if (rc == -1)
    m->dead = 1;
}

/* A socket or timer callback returned -1: every transfer fails. */
static void fail_all(ferry_multi *m) {
  ferry__list *it, *tmp;
  ferry_code code = m->dead_code ? m->dead_code : FERRYE_ABORTED_BY_CALLBACK;
  m->dead_code = FERRYE_OK;
  FERRY__LIST_FOREACH_SAFE(it, tmp, &m->easies) {
    ferry_easy *e = FERRY__CONTAINER_OF(it, ferry_easy, multi_node);
    if (e->state != FERRY__XS_DONE) {
      snprintf(e->errtext, sizeof(e->errtext), "%s",
               code == FERRYE_OUT_OF_MEMORY
                   ? "out of memory watching a socket or arming the timer"
                   : "a socket or timer callback returned an error");
      ferry__xfer_done(e, code);
    }
  }
}

/* A socket callback or the adapter failed: the transfers fail, once. */
static void check_failed(ferry_multi *m) {
  if (m->watches.failed) {
    m->watches.failed = 0;
    if (m->dead_code == FERRYE_OK)
      m->dead_code = m->watches.fail_code;
    m->watches.fail_code = FERRYE_OK;
    m->dead = 1;
  }
  if (m->dead) {
    m->dead = 0;
    fail_all(m);
  }
}

/* The backend fd of the private loop is the application's to watch while
 * a name lookup runs there, and only then. */
static void update_backend(ferry_multi *m) {
  int want;
  if (m->backend.fd < 0 || m->in_callback)
    return;
  want = m->watches.app_fn != NULL && !m->closing && m->dns.inflight
             ? FERRY_POLL_IN
             : 0;
  ferry__watch_set(&m->watches, &m->backend, want, 0);
}

/* Start of an engine entry from the application: a SOCKETFUNCTION set
 * since the last one hears of every socket it must watch. */
static void engine_enter(ferry_multi *m) {
  if (m->in_callback)
    return;
  ferry__watchset_sync(&m->watches);
  update_backend(m);
}

void ferry__multi_engine_after(ferry_multi *m) {
  check_failed(m);
  update_backend(m);
  check_failed(m);
  update_timer(m);
  if (m->in_engine || m->in_callback)
    return; /* callbacks below run only with ferry's stack unwound */
  /* Each ended transfer's done callback, then the multi's notify. Either
   * may add, remove or clean up handles, or close the multi. */
  while (!ferry__list_empty(&m->done_calls) && !m->closing) {
    ferry_easy *e = FERRY__CONTAINER_OF(m->done_calls.next, ferry_easy, done_node);
    ferry__list_remove(&e->done_node);
    m->in_notify++;
    e->set.donefn(e, e->result, e->set.donedata);
    m->in_notify--;
  }
  /* Then the notifications, in the order they happened: each transfer
   * that ended, and that messages wait. */
  while (!ferry__list_empty(&m->notify_done) && !m->closing) {
    ferry_easy *e =
        FERRY__CONTAINER_OF(m->notify_done.next, ferry_easy, notify_node);
    ferry__list_remove(&e->notify_node);
    if (m->notifyfn == NULL)
      continue;
    m->in_notify++;
    m->notifyfn(m, FERRYMNOTIFY_EASY_DONE, e, m->notifydata);
    m->in_notify--;
  }
  if (m->notify_info && !m->closing) {
    m->notify_info = 0;
    if (m->notifyfn != NULL && m->num_msgs > 0) {
      m->in_notify++;
      m->notifyfn(m, FERRYMNOTIFY_INFO_READ, m->admin, m->notifydata);
      m->in_notify--;
    }
  }
}

/* How many idle connections the pool keeps: MAXCONNECTS, or libcurl's
 * default of four per added handle. */
static void update_cache_size(ferry_multi *m) {
  m->pool.cache_size = m->maxconnects > 0 ? (unsigned)m->maxconnects
                       : m->num_easies   ? 4u * m->num_easies
                                         : 4u;
}

static void on_idle_closed(void *ud) { ferry__queues_wake_pending(ud); }

/* The private loop's backend fd is readable: a name lookup ended (or a
 * wakeup came). Poll even when nothing keeps the loop alive, so that a
 * wakeup is consumed and the fd stops being readable. */
static void backend_event(void *ctx, int cselect) {
  ferry_multi *m = ctx;
  (void)cselect;
  uv_ref((uv_handle_t *)m->uv_wakeup);
  uv_run(m->own_loop, UV_RUN_NOWAIT);
  uv_unref((uv_handle_t *)m->uv_wakeup);
}

/* ---- engine entry points ---------------------------------------------- */

void ferry__multi_socket_event(ferry_multi *m, ferry_socket_t s, int cselect) {
  ferry__watch *w = ferry__watch_find(&m->watches, s);
  if (w == NULL)
    return;
  m->in_engine++;
  w->on_event(w->ctx, cselect);
  m->in_engine--;
}

void ferry__multi_timer_event(ferry_multi *m) {
  ferry__list batch;
  uint64_t now;

  m->in_engine++;
  m->timer_runs++;
  m->timer_armed = 0; /* it fired */
  m->timer_due_ms = 0;
  /* Run the soon list as it is now; what it queues runs next time. */
  ferry__list_init(&batch);
  if (!ferry__list_empty(&m->soon)) {
    batch.next = m->soon.next;
    batch.prev = m->soon.prev;
    batch.next->prev = &batch;
    batch.prev->next = &batch;
    ferry__list_init(&m->soon);
  }
  while (!ferry__list_empty(&batch)) {
    ferry_easy *e = FERRY__CONTAINER_OF(batch.next, ferry_easy, queue_node);
    ferry__list_remove(&e->queue_node);
    ferry__xfer_run(e);
  }
  now = ferry__now_ms();
  while (m->heap_len && m->heap[0]->deadline_ms <= now) {
    ferry_easy *e = m->heap[0];
    ferry__queues_set_deadline(m, e, 0);
    ferry__xfer_on_deadline(e);
  }
  m->in_engine--;
}

/* ---- init and close --------------------------------------------------- */

/* The name lookups' ends: the engine's end of a run; and after a closed
 * multi's last lookup, its memory. */
static void dns_after(void *ud) { ferry__multi_engine_after(ud); }
static void dns_drained(void *ud) { ferry__multi_maybe_free(ud); }

ferry_multi *ferry__multi_new(void) {
  ferry_multi *m = ferry__calloc(1, sizeof(*m));
  if (m == NULL)
    return NULL;
  m->magic = FERRY__MULTI_MAGIC;
  m->mode = FERRY__MODE_PERFORM;
  ferry__list_init(&m->easies);
  ferry__list_init(&m->soon);
  ferry__list_init(&m->pending);
  ferry__list_init(&m->msgs);
  ferry__list_init(&m->done_calls);
  ferry__list_init(&m->notify_done);
  if (uv_mutex_init(&m->submit_lock) != 0) {
    ferry__free(m);
    return NULL;
  }
  m->submit_lock_made = 1;
  ferry__dns_init(&m->dns, NULL);
  m->dns.after = dns_after;
  m->dns.drained = dns_drained;
  m->dns.ud = m;
  ferry__watchset_init(&m->watches, NULL, NULL, &m->in_callback);
  ferry__pool_init(&m->pool, &m->watches);
  m->pool.on_idle_closed = on_idle_closed;
  m->pool.ud = m;
  m->max_concurrent_streams = 100;
  m->pipelining = FERRY__PIPE_MULTIPLEX;
  m->backend.fd = -1;
  m->timer_told = -1;
  return m;
}

int ferry__multi_watch_backend(ferry_multi *m) {
  /* The backend fd is watched by the application only (when it drives
   * sockets and a lookup runs); the adapter lives on that very loop. */
  m->backend.app_only = 1;
  m->backend.on_event = backend_event;
  m->backend.ctx = m;
  return ferry__watch_add(&m->watches, &m->backend, uv_backend_fd(m->own_loop));
}

typedef struct ferry__submit {
  ferry_easy *easy;
  int cancel;
  struct ferry__submit *next;
} ferry__submit;

static ferry_mcode submit(ferry_multi *m, ferry_easy *e, int cancel) {
  ferry__submit *req, **tail;
  if (!ferry__multi_valid(m) || m->closing || m->mode != FERRY__MODE_UV)
    return FERRYM_BAD_HANDLE;
  if (!ferry__easy_valid(e))
    return FERRYM_BAD_EASY_HANDLE;
  req = ferry__malloc(sizeof(*req));
  if (req == NULL)
    return FERRYM_OUT_OF_MEMORY;
  req->easy = e;
  req->cancel = cancel;
  req->next = NULL;
  uv_mutex_lock(&m->submit_lock);
  for (tail = &m->submits; *tail != NULL; tail = &(*tail)->next)
    ;
  *tail = req;
  uv_mutex_unlock(&m->submit_lock);
  if (uv_async_send(m->uv_wakeup) != 0)
    return FERRYM_WAKEUP_FAILURE;
  return FERRYM_OK;
}

ferry_mcode ferry_multi_submit(ferry_multi *m, ferry_easy *e) {
  return submit(m, e, 0);
}

ferry_mcode ferry_multi_submit_cancel(ferry_multi *m, ferry_easy *e) {
  return submit(m, e, 1);
}

void ferry__multi_run_submits(ferry_multi *m) {
  ferry__submit *list;

  uv_mutex_lock(&m->submit_lock);
  list = m->submits;
  m->submits = NULL;
  uv_mutex_unlock(&m->submit_lock);
  while (list != NULL) {
    ferry__submit *next = list->next;
    ferry_easy *e = list->easy;
    if (!m->closing && ferry__easy_valid(e)) {
      if (!list->cancel) {
        ferry_multi_add_handle(m, e);
      } else if (e->multi == m && e->state != FERRY__XS_DONE) {
        m->in_engine++;
        snprintf(e->errtext, sizeof(e->errtext), "transfer cancelled");
        ferry__xfer_done(e, FERRYE_ABORTED_BY_CALLBACK);
        m->in_engine--;
      }
    }
    ferry__free(list);
    list = next;
  }
}

void ferry__multi_free(ferry_multi *m) {
  while (m->submits != NULL) {
    ferry__submit *next = m->submits->next;
    ferry__free(m->submits);
    m->submits = next;
  }
  if (m->submit_lock_made)
    uv_mutex_destroy(&m->submit_lock);
  for (size_t i = 0; i < m->n_tls_ctxs; i++)
    ferry__tls_ctx_free(m->tls_ctxs[i]);
  ferry__free(m->tls_ctxs);
  if (m->tls_sessions)
    ferry__tls_sessions_free(m->tls_sessions);
  ferry__free(m->heap);
  ferry__watchset_free(&m->watches);
  if (m->admin != NULL)
    ferry_easy_cleanup(m->admin);
  m->magic = 0;
  ferry__free(m);
}

void ferry__multi_handle_closed(ferry_multi *m) {
  m->uv_handles--;
  ferry__multi_maybe_free(m);
}

void ferry__multi_maybe_free(ferry_multi *m) {
  ferry_close_cb cb;
  void *arg;
  if (!m->closing || m->uv_handles || m->dns.inflight || m->own_loop)
    return; /* own-loop modes finish in multi_close itself */
  cb = m->close_cb;
  arg = m->close_arg;
  ferry__multi_free(m);
  if (cb)
    cb(m, arg);
}

ferry_mcode ferry_multi_close(ferry_multi *m, ferry_close_cb cb, void *arg) {
  if (!ferry__multi_valid(m) || m->closing)
    return FERRYM_BAD_HANDLE;
  if (m->in_callback)
    return FERRYM_RECURSIVE_API_CALL;
  /* perform and socket_action free the multi before returning, and the
   * call that ran the notify callback still uses it: not from in there. */
  if (m->in_notify && m->own_loop)
    return FERRYM_RECURSIVE_API_CALL;
  m->closing = 1;
  m->close_cb = cb;
  m->close_arg = arg;
  /* Detach every easy handle: halted, no message, usable on its own. */
  while (!ferry__list_empty(&m->easies)) {
    ferry_easy *e = FERRY__CONTAINER_OF(m->easies.next, ferry_easy, multi_node);
    ferry__xfer_detach(e);
    ferry__list_remove(&e->msg_node);
    ferry__list_remove(&e->done_node);
    ferry__list_remove(&e->notify_node);
    ferry__list_remove(&e->multi_node);
    e->multi = NULL;
  }
  m->notify_info = 0;
  m->num_easies = m->num_alive = 0;
  update_cache_size(m);
  m->num_msgs = 0;
  ferry__list_init(&m->msgs);
  ferry__pool_close_all(&m->pool);
  ferry__dns_close(&m->dns);
  /* REMOVE for the backend fd if the application watches it; the private
   * loop (and the fd) go below */
  ferry__watch_del(&m->watches, &m->backend);
  if (m->mode == FERRY__MODE_PERFORM && m->timerfn && m->timer_told != -1) {
    FERRY__CALLBACK_ENTER(m);
    m->timerfn(m, -1, m->timerdata);
    FERRY__CALLBACK_LEAVE(m);
  }
  m->driver->unbind(m);
  if (m->own_loop) {
    uv_loop_t *loop = m->own_loop;
    while (m->uv_handles || m->dns.inflight > m->dns.abandoned)
      uv_run(loop, m->dns.inflight > m->dns.abandoned ? UV_RUN_ONCE
                                                      : UV_RUN_NOWAIT);
    uv_run(loop, UV_RUN_NOWAIT);
    if (m->dns.inflight) {
      /* QUICK_EXIT: a lookup still runs in libuv's thread pool and will
       * touch the loop when it ends. The loop and the multi are left to
       * the process's exit, as libcurl leaves its resolver thread. */
      m->magic = 0;
      if (cb)
        cb(m, arg);
      return FERRYM_OK;
    }
    uv_loop_close(loop);
    ferry__free(loop);
    m->own_loop = NULL;
    ferry__multi_free(m);
    if (cb)
      cb(m, arg);
    return FERRYM_OK;
  }
  m->magic = 0; /* no API call may use it any more */
  ferry__multi_maybe_free(m);
  return FERRYM_OK;
}

ferry_mcode ferry_multi_cleanup(ferry_multi *m) {
  return ferry_multi_close(m, NULL, NULL);
}


/* ---- handles ---------------------------------------------------------- */

ferry_mcode ferry_multi_add_handle(ferry_multi *m, ferry_easy *e) {
  if (!ferry__multi_valid(m) || m->closing)
    return FERRYM_BAD_HANDLE;
  if (!ferry__easy_valid(e))
    return FERRYM_BAD_EASY_HANDLE;
  if (e->multi != NULL)
    return FERRYM_ADDED_ALREADY;
  /* Room in the timer heap for every added handle, so that setting a
   * deadline later can never fail. */
  if (m->heap_cap < m->num_easies + 1) {
    size_t cap = m->heap_cap ? m->heap_cap * 2 : 16;
    ferry_easy **h = ferry__realloc(m->heap, cap * sizeof(*h));
    if (h == NULL)
      return FERRYM_OUT_OF_MEMORY;
    m->heap = h;
    m->heap_cap = cap;
  }
  e->multi = m;
  e->xfer_id = m->next_xfer_id++; /* XFER_ID, as libcurl numbers them */
  ferry__list_insert_tail(&m->easies, &e->multi_node);
  m->num_easies++;
  m->xfers_added++;
  update_cache_size(m);
  m->num_alive++;
  ferry__xfer_state(e, FERRY__XS_INIT);
  e->result = FERRYE_OK;
  e->msg.msg = FERRYMSG_NONE;
  ferry__queues_run_soon(m, e);
  /* Start it: the timer callback is told to fire at once, from here. */
  update_timer(m);
  check_failed(m);
  return FERRYM_OK;
}

ferry_mcode ferry_multi_remove_handle(ferry_multi *m, ferry_easy *e) {
  if (!ferry__multi_valid(m))
    return FERRYM_BAD_HANDLE;
  if (!ferry__easy_valid(e))
    return FERRYM_BAD_EASY_HANDLE;
  if (e->multi == NULL)
    return FERRYM_OK;
  if (e->multi != m)
    return FERRYM_BAD_EASY_HANDLE;
  if (m->in_callback)
    return FERRYM_RECURSIVE_API_CALL;
  if (e->state != FERRY__XS_DONE)
    m->num_alive--;
  ferry__xfer_detach(e);
  if (ferry__list_linked(&e->msg_node)) {
    ferry__list_remove(&e->msg_node);
    m->num_msgs--;
  }
  ferry__list_remove(&e->done_node);
  ferry__list_remove(&e->notify_node);
  ferry__list_remove(&e->multi_node);
  m->num_easies--;
  update_cache_size(m);
  e->multi = NULL;
  /* the pool is left as it is: removing and adding handles does not
   * affect it (curl_multi_add_handle's promise); its size is checked when
   * a connection is parked */
  if (m->in_engine == 0)
    ferry__multi_engine_after(m);
  return FERRYM_OK;
}

ferry_easy **ferry_multi_get_handles(ferry_multi *m) {
  ferry_easy **a;
  ferry__list *it;
  size_t i = 0;
  if (!ferry__multi_valid(m))
    return NULL;
  a = ferry__malloc((m->num_easies + 1) * sizeof(*a));
  if (a == NULL)
    return NULL;
  for (it = m->easies.next; it != &m->easies; it = it->next)
    a[i++] = FERRY__CONTAINER_OF(it, ferry_easy, multi_node);
  a[i] = NULL;
  return a;
}

static void run_own_loop(ferry_multi *m);

ferry_mcode ferry_multi_notify_enable(ferry_multi *m, unsigned int n) {
  if (!ferry__multi_valid(m))
    return FERRYM_BAD_HANDLE;
  if (n > FERRYMNOTIFY_EASY_DONE)
    return FERRYM_UNKNOWN_OPTION;
  m->notify_enabled |= 1u << n;
  return FERRYM_OK;
}

ferry_mcode ferry_multi_notify_disable(ferry_multi *m, unsigned int n) {
  if (!ferry__multi_valid(m))
    return FERRYM_BAD_HANDLE;
  if (n > FERRYMNOTIFY_EASY_DONE)
    return FERRYM_UNKNOWN_OPTION;
  m->notify_enabled &= ~(1u << n);
  if (n == FERRYMNOTIFY_EASY_DONE)
    while (!ferry__list_empty(&m->notify_done))
      ferry__list_remove(m->notify_done.next);
  else
    m->notify_info = 0;
  return FERRYM_OK;
}

ferry_mcode ferry_multi_get_offt(ferry_multi *m, ferry_minfo_offt info,
                                 ferry_off_t *value) {
  ferry__list *it;
  ferry_off_t n = 0;

  if (!ferry__multi_valid(m))
    return FERRYM_BAD_HANDLE;
  if (value == NULL)
    return FERRYM_BAD_FUNCTION_ARGUMENT;
  switch (info) {
  case FERRYMINFO_XFERS_CURRENT:
    n = m->num_easies;
    break;
  case FERRYMINFO_XFERS_ADDED:
    n = (ferry_off_t)m->xfers_added;
    break;
  case FERRYMINFO_XFERS_DONE:
    n = m->num_msgs;
    break;
  case FERRYMINFO_XFERS_RUNNING:
  case FERRYMINFO_XFERS_PENDING:
    for (it = m->easies.next; it != &m->easies; it = it->next) {
      ferry_easy *e = FERRY__CONTAINER_OF(it, ferry_easy, multi_node);
      int waiting = e->state == FERRY__XS_INIT ||
                    e->state == FERRY__XS_PENDING ||
                    e->state == FERRY__XS_RESOLVE;
      if (e->state == FERRY__XS_DONE)
        continue;
      n += info == FERRYMINFO_XFERS_PENDING ? waiting : !waiting;
    }
    break;
  default:
    return FERRYM_UNKNOWN_OPTION;
  }
  *value = n;
  return FERRYM_OK;
}

ferry_mcode ferry_multi_waitfds(ferry_multi *m, ferry_waitfd *ufds,
                                unsigned int size, unsigned int *fd_count) {
  size_t n = 0, i = 0;
  ferry__watch *w;

  if (fd_count)
    *fd_count = 0;
  if (!ferry__multi_valid(m) || m->mode != FERRY__MODE_PERFORM)
    return FERRYM_BAD_HANDLE;
  if (ufds == NULL && size > 0)
    return FERRYM_BAD_FUNCTION_ARGUMENT;
  engine_enter(m);
  if (m->uv_dirty)
    run_own_loop(m);
  /* what ferry_multi_poll polls: the private loop, and the sockets an
   * application's SOCKETFUNCTION watches */
  if (size > 0) {
    ufds[0].fd = uv_backend_fd(m->own_loop);
    ufds[0].events = FERRY_WAIT_POLLIN;
    ufds[0].revents = 0;
  }
  n = 1;
  while (m->watches.app_fn != NULL &&
         (w = ferry__watchset_next(&m->watches, &i)) != NULL) {
    if (w->app_told == 0 || w == &m->backend)
      continue;
    if (n < size) {
      ufds[n].fd = w->fd;
      ufds[n].events = (short)(((w->app_told & FERRY_POLL_IN) ? FERRY_WAIT_POLLIN : 0) |
                               ((w->app_told & FERRY_POLL_OUT) ? FERRY_WAIT_POLLOUT : 0));
      ufds[n].revents = 0;
    }
    n++;
  }
  if (fd_count)
    *fd_count = (unsigned)n;
  return size > 0 && n > size ? FERRYM_OUT_OF_MEMORY : FERRYM_OK;
}

ferry_msg *ferry_multi_info_read(ferry_multi *m, int *msgs_in_queue) {
  ferry_easy *e;
  if (msgs_in_queue)
    *msgs_in_queue = 0;
  if (!ferry__multi_valid(m) || ferry__list_empty(&m->msgs))
    return NULL;
  e = FERRY__CONTAINER_OF(m->msgs.next, ferry_easy, msg_node);
  ferry__list_remove(&e->msg_node);
  m->num_msgs--;
  if (msgs_in_queue)
    *msgs_in_queue = m->num_msgs;
  return &e->msg;
}

/* ---- driving ---------------------------------------------------------- */

/* Run the private loop without blocking; again while the adapter changed
 * what it watches, so that epoll knows before anyone waits on it. */
static void run_own_loop(ferry_multi *m) {
  int rounds = 0;
  m->in_engine++;
  do {
    m->uv_dirty = 0;
    uv_run(m->own_loop, UV_RUN_NOWAIT);
  } while (m->uv_dirty && ++rounds < 3);
  m->in_engine--;
}

/* When the application's SOCKETFUNCTION watches the sockets but the
 * application calls perform, wait or poll (libcurl allows any mix), those
 * poll the sockets it was told to watch themselves. This fills p (room for
 * cap entries) with them and returns how many. */
static size_t app_pollfds(ferry_multi *m, struct pollfd *p, size_t cap) {
  size_t i = 0, n = 0;
  ferry__watch *w;
  while (n < cap && (w = ferry__watchset_next(&m->watches, &i)) != NULL) {
    if (w->app_told == 0 || w == &m->backend)
      continue;
    p[n].fd = w->fd;
    p[n].events = (short)(((w->app_told & FERRY_POLL_IN) ? POLLIN : 0) |
                          ((w->app_told & FERRY_POLL_OUT) ? POLLOUT : 0));
    p[n].revents = 0;
    n++;
  }
  return n;
}

static int cselect_of(short revents) {
  int bits = 0;
  if (revents & (POLLERR | POLLNVAL))
    bits |= FERRY_CSELECT_ERR | FERRY_CSELECT_IN | FERRY_CSELECT_OUT;
  if (revents & (POLLIN | POLLHUP))
    bits |= FERRY_CSELECT_IN;
  if (revents & POLLOUT)
    bits |= FERRY_CSELECT_OUT;
  return bits;
}

/* perform with the application's SOCKETFUNCTION set: act on those of its
 * sockets that are ready now. 0, or -1 when out of memory. */
static int run_app_sockets(ferry_multi *m) {
  size_t cap = m->watches.count, n;
  struct pollfd stack[16], *p = stack;
  int rc;

  if (cap == 0)
    return 0;
  if (cap > 16 && (p = ferry__malloc(cap * sizeof(*p))) == NULL)
    return -1;
  n = app_pollfds(m, p, cap);
  do
    rc = n ? poll(p, n, 0) : 0;
  while (rc < 0 && errno == EINTR);
  for (size_t i = 0; rc > 0 && i < n; i++)
    if (p[i].revents)
      ferry__multi_socket_event(m, p[i].fd, cselect_of(p[i].revents));
  if (p != stack)
    ferry__free(p);
  return 0;
}

ferry_mcode ferry_multi_perform(ferry_multi *m, int *running) {
  ferry_mcode rc = FERRYM_OK;
  if (!ferry__multi_valid(m))
    return FERRYM_BAD_HANDLE;
  if (m->in_callback)
    return FERRYM_RECURSIVE_API_CALL;
  if (m->mode == FERRY__MODE_UV)
    return FERRYM_BAD_HANDLE;
  engine_enter(m);
  m->in_engine++;
  /* readiness, finished lookups and wakeups on the private loop */
  run_own_loop(m);
  /* the sockets the application's own callback watches */
  if (m->watches.app_fn != NULL && run_app_sockets(m) != 0)
    rc = FERRYM_OUT_OF_MEMORY;
  /* the timer: transfers to start, deadlines */
  if (next_timeout(m) == 0)
    ferry__multi_timer_event(m);
  /* what the timer run asked the adapter to watch, into epoll now */
  if (m->uv_dirty)
    run_own_loop(m);
  m->in_engine--;
  ferry__multi_engine_after(m);
  if (running)
    *running = (int)m->num_alive;
  return rc;
}

ferry_mcode ferry_multi_socket_action(ferry_multi *m, ferry_socket_t s,
                                      int ev_bitmask, int *running) {
  ferry_mcode rc = FERRYM_OK;
  if (!ferry__multi_valid(m))
    return FERRYM_BAD_HANDLE;
  if (m->in_callback)
    return FERRYM_RECURSIVE_API_CALL;
  engine_enter(m);
  if (s == FERRY_SOCKET_TIMEOUT) {
    ferry__multi_timer_event(m);
  } else if (ferry__watch_find(&m->watches, s) == NULL) {
    rc = FERRYM_BAD_SOCKET;
  } else {
    if (ev_bitmask == 0)
      ev_bitmask = FERRY_CSELECT_IN | FERRY_CSELECT_OUT;
    ferry__multi_socket_event(m, s, ev_bitmask);
  }
  /* Deadlines that passed meanwhile are handled on every call. */
  if (s != FERRY_SOCKET_TIMEOUT && m->heap_len &&
      m->heap[0]->deadline_ms <= ferry__now_ms())
    ferry__multi_timer_event(m);
  ferry__multi_engine_after(m);
  if (running)
    *running = (int)m->num_alive;
  return rc;
}

/* libcurl's curl_multi_socket_all is perform followed by a refresh of
 * every socket the socket callback watches; ferry's perform keeps the
 * callback up to date itself. */
ferry_mcode ferry_multi_socket_all(ferry_multi *m, int *running) {
  return ferry_multi_perform(m, running);
}

ferry_mcode ferry_multi_timeout(ferry_multi *m, long *timeout_ms) {
  if (!ferry__multi_valid(m))
    return FERRYM_BAD_HANDLE;
  if (timeout_ms == NULL)
    return FERRYM_BAD_FUNCTION_ARGUMENT;
  *timeout_ms = next_timeout(m);
  return FERRYM_OK;
}

static ferry_mcode multi_wait(ferry_multi *m, ferry_waitfd *extra,
                              unsigned nextra, int timeout_ms, int *numfds,
                              int is_poll) {
  struct pollfd stack[16], *pfd = stack;
  size_t i, n, napp = 0, cap;
  long t, nt;
  int rc, count = 0;
  uint64_t progress;

  if (numfds)
    *numfds = 0;
  if (!ferry__multi_valid(m))
    return FERRYM_BAD_HANDLE;
  if (m->in_callback)
    return FERRYM_RECURSIVE_API_CALL;
  if (m->mode != FERRY__MODE_PERFORM)
    return FERRYM_BAD_HANDLE;
  if (timeout_ms < 0 || (nextra && extra == NULL))
    return FERRYM_BAD_FUNCTION_ARGUMENT;
  engine_enter(m);
  if (!is_poll && m->num_alive == 0 && nextra == 0)
    return FERRYM_OK;
  progress = m->progress;
  if (m->uv_dirty)
    run_own_loop(m);
  cap = 1 + (size_t)nextra + (m->watches.app_fn ? m->watches.count : 0);
  if (cap > 16) {
    pfd = ferry__malloc(cap * sizeof(*pfd));
    if (pfd == NULL)
      return FERRYM_OUT_OF_MEMORY;
  }
  /* the private loop (lookups, wakeups, and the adapter's sockets) ... */
  pfd[0].fd = uv_backend_fd(m->own_loop);
  pfd[0].events = POLLIN;
  pfd[0].revents = 0;
  /* ... the application's own sockets when its callback watches them ... */
  if (m->watches.app_fn != NULL)
    napp = app_pollfds(m, pfd + 1, cap - 1 - nextra);
  n = 1 + napp;
  /* ... and the caller's */
  for (i = 0; i < nextra; i++, n++) {
    pfd[n].fd = extra[i].fd;
    pfd[n].events = (short)(((extra[i].events & FERRY_WAIT_POLLIN) ? POLLIN : 0) |
                            ((extra[i].events & FERRY_WAIT_POLLPRI) ? POLLPRI : 0) |
                            ((extra[i].events & FERRY_WAIT_POLLOUT) ? POLLOUT : 0));
    pfd[n].revents = 0;
  }
  /* A loop with nothing active has nothing to wait for, and libuv gives 0
   * for it: then only the engine's timer, the caller's timeout (and the
   * fds) count. */
  t = uv_loop_alive(m->own_loop) ? uv_backend_timeout(m->own_loop) : -1;
  nt = next_timeout(m);
  if (nt >= 0 && (t < 0 || nt < t))
    t = nt;
  if (t < 0 || t > timeout_ms)
    t = timeout_ms;
  if (m->progress != progress)
    t = 0;
  do
    rc = poll(pfd, (nfds_t)n, (int)t);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    if (pfd != stack)
      ferry__free(pfd);
    return FERRYM_UNRECOVERABLE_POLL;
  }
  if (pfd[0].revents) {
    count++;
    /* Consume a wakeup so that it ends one wait only. While transfers keep
     * the loop alive the next perform does that; otherwise uv_run would
     * not poll, and the wakeup handle keeps the loop alive for one round
     * (with no transfer alive, nothing calls back into the application). */
    if (!uv_loop_alive(m->own_loop) && m->uv_wakeup) {
      uv_ref((uv_handle_t *)m->uv_wakeup);
      run_own_loop(m);
      uv_unref((uv_handle_t *)m->uv_wakeup);
    }
  }
  for (i = 1; i <= napp; i++)
    if (pfd[i].revents)
      count++;
  for (i = 0; i < nextra; i++) {
    short r = pfd[1 + napp + i].revents;
    extra[i].revents = (short)(((r & POLLIN) ? FERRY_WAIT_POLLIN : 0) |
                               ((r & POLLPRI) ? FERRY_WAIT_POLLPRI : 0) |
                               ((r & POLLOUT) ? FERRY_WAIT_POLLOUT : 0));
    if (r)
      count++;
  }
  if (pfd != stack)
    ferry__free(pfd);
  if (numfds)
    *numfds = count;
  return FERRYM_OK;
}

ferry_mcode ferry_multi_wait(ferry_multi *m, ferry_waitfd extra_fds[],
                             unsigned int extra_nfds, int timeout_ms,
                             int *numfds) {
  return multi_wait(m, extra_fds, extra_nfds, timeout_ms, numfds, 0);
}

ferry_mcode ferry_multi_poll(ferry_multi *m, ferry_waitfd extra_fds[],
                             unsigned int extra_nfds, int timeout_ms,
                             int *numfds) {
  return multi_wait(m, extra_fds, extra_nfds, timeout_ms, numfds, 1);
}

ferry_mcode ferry_multi_wakeup(ferry_multi *m) {
  if (!ferry__multi_valid(m))
    return FERRYM_BAD_HANDLE;
  if (m->uv_wakeup == NULL || uv_async_send(m->uv_wakeup) != 0)
    return FERRYM_WAKEUP_FAILURE;
  return FERRYM_OK;
}

ferry_mcode ferry_multi_fdset(ferry_multi *m, fd_set *r, fd_set *w, fd_set *x,
                              int *max_fd) {
  int fd, max = -1;
  size_t i = 0;
  ferry__watch *wt;
  (void)x;
  if (!ferry__multi_valid(m))
    return FERRYM_BAD_HANDLE;
  if (m->mode != FERRY__MODE_PERFORM)
    return FERRYM_BAD_HANDLE;
  if (max_fd == NULL || r == NULL)
    return FERRYM_BAD_FUNCTION_ARGUMENT;
  engine_enter(m);
  if (m->uv_dirty)
    run_own_loop(m);
  /* the sockets the application's callback watches, when it has one */
  while (m->watches.app_fn != NULL &&
         (wt = ferry__watchset_next(&m->watches, &i)) != NULL) {
    if (wt->app_told == 0 || wt == &m->backend || wt->fd >= FD_SETSIZE)
      continue;
    if (wt->app_told & FERRY_POLL_IN)
      FD_SET(wt->fd, r);
    if ((wt->app_told & FERRY_POLL_OUT) && w != NULL)
      FD_SET(wt->fd, w);
    if (wt->fd > max)
      max = wt->fd;
  }
  /* the private loop: lookups, wakeups and the adapter's sockets */
  fd = uv_backend_fd(m->own_loop);
  if (fd < FD_SETSIZE) {
    FD_SET(fd, r);
    if (fd > max)
      max = fd;
  }
  *max_fd = max;
  return FERRYM_OK;
}

ferry_mcode ferry_multi_assign(ferry_multi *m, ferry_socket_t s, void *sockp) {
  ferry__watch *w;
  if (!ferry__multi_valid(m))
    return FERRYM_BAD_HANDLE;
  w = ferry__watch_find(&m->watches, s);
  if (w == NULL)
    return FERRYM_BAD_SOCKET;
  w->app_socketp = sockp;
  return FERRYM_OK;
}

ferry_mcode ferry_multi_setopt(ferry_multi *m, ferry_moption opt, ...) {
  va_list ap;
  ferry_mcode rc = FERRYM_OK;
  long lval = 0;
  void *pval = NULL;

  if (!ferry__multi_valid(m))
    return FERRYM_BAD_HANDLE;
  va_start(ap, opt);
  if (opt < FERRYOPTTYPE_OBJECTPOINT)
    lval = va_arg(ap, long);
  else if (opt < FERRYOPTTYPE_OFF_T)
    pval = va_arg(ap, void *);
  else
    (void)va_arg(ap, ferry_off_t);
  va_end(ap);

  switch (opt) {
  case FERRYMOPT_SOCKETFUNCTION:
    if (m->mode == FERRY__MODE_UV)
      return FERRYM_BAD_FUNCTION_ARGUMENT;
    if (pval != NULL && m->admin == NULL) {
      /* the handle the callback gets for ferry's own sockets */
      if ((m->admin = ferry_easy_init()) == NULL)
        return FERRYM_OUT_OF_MEMORY;
      m->watches.admin = m->admin;
    }
    /* the sockets move between the adapter and the application now; a
     * new callback hears of them at the next perform or socket_action */
    ferry__watchset_set_app(&m->watches, (ferry_socket_callback)pval);
    break;
  case FERRYMOPT_SOCKETDATA:
    m->watches.app_data = pval;
    break;
  case FERRYMOPT_TIMERFUNCTION:
    if (m->mode == FERRY__MODE_UV)
      return FERRYM_BAD_FUNCTION_ARGUMENT;
    /* a new callback has been told nothing: the next change reaches it */
    m->timerfn = (ferry_multi_timer_callback)pval;
    m->timer_told = -1;
    m->timer_armed = 0;
    m->timer_due_ms = 0;
    break;
  case FERRYMOPT_TIMERDATA:
    m->timerdata = pval;
    break;
  case FERRYMOPT_NOTIFYFUNCTION:
    if (pval != NULL && m->admin == NULL) {
      /* the handle INFO_READ notifications name */
      if ((m->admin = ferry_easy_init()) == NULL)
        return FERRYM_OUT_OF_MEMORY;
      m->watches.admin = m->admin;
    }
    m->notifyfn = (ferry_notify_callback)pval;
    break;
  case FERRYMOPT_NETWORK_CHANGED:
    /* a trigger, not a setting: what is cached now goes */
    if (lval & (FERRYMNWC_CLEAR_ALL | FERRYMNWC_CLEAR_CONNS))
      ferry__pool_forget(&m->pool);
    if (lval & (FERRYMNWC_CLEAR_ALL | FERRYMNWC_CLEAR_DNS))
      ferry__dns_clear(&m->dns);
    break;
  case FERRYMOPT_NOTIFYDATA:
    m->notifydata = pval;
    break;
  case FERRYMOPT_PUSHFUNCTION:
    /* connections made from now on let the server push */
    m->pushfn = (ferry_push_callback)pval;
    break;
  case FERRYMOPT_PUSHDATA:
    m->pushdata = pval;
    break;
  case FERRYMOPT_PIPELINING:
    /* the multiplex bit shares HTTP/2 connections among transfers; HTTP/1.1
     * pipelining is not done (libcurl dropped it too) */
    if (lval < 0)
      return FERRYM_BAD_FUNCTION_ARGUMENT;
    m->pipelining = lval;
    break;
  case FERRYMOPT_MAX_CONCURRENT_STREAMS:
    /* libcurl takes 1..2^31-1 and keeps 100 for anything else */
    m->max_concurrent_streams = lval >= 1 ? lval : 100;
    break;
  case FERRYMOPT_MAXCONNECTS:
  case FERRYMOPT_MAX_HOST_CONNECTIONS:
  case FERRYMOPT_MAX_TOTAL_CONNECTIONS:
    if (lval < 0)
      return FERRYM_BAD_FUNCTION_ARGUMENT;
    if (opt == FERRYMOPT_MAXCONNECTS)
      m->maxconnects = lval;
    else if (opt == FERRYMOPT_MAX_HOST_CONNECTIONS)
      m->pool.max_host_connections = lval;
    else
      m->pool.max_total_connections = lval;
    update_cache_size(m);
    ferry__pool_trim(&m->pool);
    break;
  default:
    rc = FERRYM_UNKNOWN_OPTION;
  }
  return rc;
}

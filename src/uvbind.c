/* The libuv adapter. The engine asks, through the watchset, to watch a
 * socket for IN/OUT or to REMOVE it, and in libuv mode through its timer
 * callback to fire in N ms or never. Here that becomes uv_poll_start/stop
 * on one uv_poll_t per socket and uv_timer_start/stop on one uv_timer_t
 * per multi. Memory that a close callback touches is freed in that
 * callback. */
#include "alloc.h"
#include "multi.h"
#include "uvbind.h"

typedef struct uvsock {
  uv_poll_t poll;
  ferry_multi *multi;
  int fd;
} uvsock;

static void on_handle_closed(uv_handle_t *h) {
  ferry_multi *m = h->data;
  ferry__free(h);
  ferry__multi_handle_closed(m);
}

static void on_sock_closed(uv_handle_t *h) {
  uvsock *s = (uvsock *)h;
  ferry_multi *m = s->multi;
  ferry__free(s);
  ferry__multi_handle_closed(m);
}

static void on_poll(uv_poll_t *h, int status, int events) {
  uvsock *s = (uvsock *)h;
  ferry_multi *m = s->multi;
  int bits = 0;

  if (status < 0)
    bits = FERRY_CSELECT_ERR | FERRY_CSELECT_IN | FERRY_CSELECT_OUT;
  if (events & (UV_READABLE | UV_DISCONNECT))
    bits |= FERRY_CSELECT_IN;
  if (events & UV_WRITABLE)
    bits |= FERRY_CSELECT_OUT;
  ferry__multi_socket_event(m, s->fd, bits);
  ferry__multi_engine_after(m);
}

int ferry__uv_watch(void *data, ferry__watch *w, int what) {
  ferry_multi *m = data;
  uvsock *s = w->adapter_socketp;
  int events = 0;

  if (what == FERRY_POLL_REMOVE) {
    if (s != NULL) {
      uv_poll_stop(&s->poll);
      uv_close((uv_handle_t *)&s->poll, on_sock_closed);
      w->adapter_socketp = NULL;
    }
    return 0;
  }
  if (s == NULL) {
    s = ferry__malloc(sizeof(*s));
    if (s == NULL)
      return -1;
    if (uv_poll_init_socket(m->loop, &s->poll, w->fd) != 0) {
      ferry__free(s);
      return -1;
    }
    s->multi = m;
    s->fd = w->fd;
    m->uv_handles++;
    w->adapter_socketp = s;
  }
  if (what & FERRY_POLL_IN)
    events |= UV_READABLE;
  if (what & FERRY_POLL_OUT)
    events |= UV_WRITABLE;
  if (uv_poll_start(&s->poll, events, on_poll) != 0)
    return -1;
  m->uv_dirty = 1;
  /* An idle pooled connection must not keep the loop alive. */
  if (what & FERRY__WATCH_IDLE)
    uv_unref((uv_handle_t *)&s->poll);
  else
    uv_ref((uv_handle_t *)&s->poll);
  return 0;
}

static void on_timer(uv_timer_t *t) {
  ferry_multi *m = t->data;
  m->uv_in_timer = 1;
  m->uv_timer_runs++;
  ferry__multi_timer_event(m);
  ferry__multi_engine_after(m);
  m->uv_in_timer = 0;
}

int ferry__uv_timer_cb(ferry_multi *m, long timeout_ms, void *userp) {
  (void)userp;
  if (m->uv_timer == NULL)
    return 0;
  if (timeout_ms < 0) {
    uv_timer_stop(m->uv_timer);
    return 0;
  }
  if (timeout_ms == 0 && m->uv_in_timer)
    timeout_ms = 1; /* see uvbind.h: never re-arm 0 ms from in here */
  uv_timer_start(m->uv_timer, on_timer, (uint64_t)timeout_ms, 0);
  return 0;
}

static void on_wakeup(uv_async_t *a) {
  ferry_multi *m = a->data;
  ferry__multi_run_submits(m);
  ferry__multi_engine_after(m);
}

int ferry__uv_bind(ferry_multi *m, int with_timer) {
  m->uv_wakeup = ferry__malloc(sizeof(*m->uv_wakeup));
  if (m->uv_wakeup == NULL)
    return UV_ENOMEM;
  if (uv_async_init(m->loop, m->uv_wakeup, on_wakeup) != 0) {
    ferry__free(m->uv_wakeup);
    m->uv_wakeup = NULL;
    return UV_ENOMEM;
  }
  m->uv_wakeup->data = m;
  m->uv_handles++;
  /* The wakeup handle alone must not keep the loop running. */
  uv_unref((uv_handle_t *)m->uv_wakeup);
  if (!with_timer)
    return 0;
  m->uv_timer = ferry__malloc(sizeof(*m->uv_timer));
  if (m->uv_timer == NULL) {
    ferry__uv_unbind(m);
    return UV_ENOMEM;
  }
  uv_timer_init(m->loop, m->uv_timer);
  m->uv_timer->data = m;
  m->uv_handles++;
  return 0;
}

static const ferry__driver uv_driver = {ferry__uv_unbind};

ferry_multi *ferry_multi_init(void) {
  ferry_multi *m = ferry__multi_new();
  if (m == NULL)
    return NULL;
  m->driver = &uv_driver;
  m->watches.adapter_fn = ferry__uv_watch;
  m->watches.adapter_data = m;
  m->own_loop = ferry__malloc(sizeof(*m->own_loop));
  if (m->own_loop == NULL)
    goto failed_loop_alloc;
  if (uv_loop_init(m->own_loop) != 0)
    goto failed_loop_init;
  m->loop = m->own_loop;
  m->dns.loop = m->loop;
  if (ferry__uv_bind(m, 0) != 0)
    goto failed_bind;
  if (ferry__multi_watch_backend(m) != 0)
    goto failed_watch;
  /* Register the loop's internal watchers with its epoll set now, so that
   * the backend fd reports wakeups from the first wait on. uv_run polls
   * only a loop that something keeps alive: the wakeup handle does, here. */
  uv_ref((uv_handle_t *)m->uv_wakeup);
  uv_run(m->own_loop, UV_RUN_NOWAIT);
  uv_unref((uv_handle_t *)m->uv_wakeup);
  return m;

failed_watch:
  ferry__uv_unbind(m);
failed_bind:
  uv_run(m->own_loop, UV_RUN_DEFAULT);
  uv_loop_close(m->own_loop);
failed_loop_init:
  ferry__free(m->own_loop);
failed_loop_alloc:
  m->own_loop = NULL;
  ferry__multi_free(m);
  return NULL;
}

ferry_mcode ferry_multi_use_loop(ferry_multi *m, uv_loop_t *loop) {
  if (!ferry__multi_valid(m) || m->closing)
    return FERRYM_BAD_HANDLE;
  if (loop == NULL || m->num_easies || m->mode != FERRY__MODE_PERFORM ||
      m->own_loop == NULL || m->watches.app_fn != NULL || m->timerfn != NULL)
    return FERRYM_BAD_FUNCTION_ARGUMENT;
  /* Drop the private loop and bind the adapter to the application's. An
   * idle pooled connection (from a perform before) has a poll handle on
   * the private loop: it goes, since nothing would run that loop again. */
  ferry__pool_close_all(&m->pool);
  ferry__watch_del(&m->watches, &m->backend);
  ferry__uv_unbind(m);
  while (m->uv_handles)
    uv_run(m->own_loop, UV_RUN_ONCE);
  uv_loop_close(m->own_loop);
  ferry__free(m->own_loop);
  m->own_loop = NULL;
  m->loop = loop;
  m->dns.loop = loop;
  m->mode = FERRY__MODE_UV;
  if (ferry__uv_bind(m, 1) != 0)
    return FERRYM_OUT_OF_MEMORY;
  m->timerfn = ferry__uv_timer_cb;
  m->timerdata = m;
  return FERRYM_OK;
}

void ferry__uv_unbind(ferry_multi *m) {
  if (m->uv_timer) {
    uv_timer_stop(m->uv_timer);
    uv_close((uv_handle_t *)m->uv_timer, on_handle_closed);
    m->uv_timer = NULL;
  }
  if (m->uv_wakeup) {
    uv_close((uv_handle_t *)m->uv_wakeup, on_handle_closed);
    m->uv_wakeup = NULL;
  }
}

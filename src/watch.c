/* The multi's watched sockets and their drivers (see watch.h). */
#include <string.h>

#include "alloc.h"
#include "watch.h"

void ferry__watchset_init(ferry__watchset *ws, ferry__watch_adapter_fn fn,
                          void *data, int *in_callback) {
  memset(ws, 0, sizeof(*ws));
  ws->adapter_fn = fn;
  ws->adapter_data = data;
  ws->in_callback = in_callback;
}

void ferry__watchset_free(ferry__watchset *ws) {
  ferry__free(ws->byfd);
  ws->byfd = NULL;
  ws->cap = 0;
}

ferry__watch *ferry__watch_find(const ferry__watchset *ws, int fd) {
  if (fd < 0 || (size_t)fd >= ws->cap)
    return NULL;
  return ws->byfd[fd];
}

int ferry__watch_add(ferry__watchset *ws, ferry__watch *w, int fd) {
  if (fd < 0)
    return -1;
  if ((size_t)fd >= ws->cap) {
    size_t cap = ws->cap ? ws->cap : 64;
    ferry__watch **t;
    while (cap <= (size_t)fd)
      cap *= 2;
    t = ferry__realloc(ws->byfd, cap * sizeof(*t));
    if (t == NULL)
      return -1;
    memset(t + ws->cap, 0, (cap - ws->cap) * sizeof(*t));
    ws->byfd = t;
    ws->cap = cap;
  }
  w->fd = fd;
  w->want = w->idle = 0;
  w->app_told = w->adapter_told = 0;
  w->app_socketp = w->adapter_socketp = NULL;
  ws->byfd[fd] = w;
  ws->count++;
  return 0;
}

static int call_app(ferry__watchset *ws, ferry__watch *w, int what) {
  ferry_easy *e = w->easy ? w->easy : ws->admin;
  int rc;
  (*ws->in_callback)++;
  rc = ws->app_fn(e, w->fd, what, ws->app_data, w->app_socketp);
  (*ws->in_callback)--;
  if (rc == -1) {
    ws->failed = 1;
    return -1;
  }
  return 0;
}

static int call_adapter(ferry__watchset *ws, ferry__watch *w, int what) {
  if (ws->adapter_fn(ws->adapter_data, w, what) != 0) {
    ws->failed = 1;
    if (ws->fail_code == FERRYE_OK)
      ws->fail_code = FERRYE_OUT_OF_MEMORY;
    return -1;
  }
  return 0;
}

/* What the application's callback should watch of w now: idle sockets are
 * not its business. */
static int app_what(const ferry__watch *w) {
  return w->idle ? 0 : w->want;
}

static int adapter_what(const ferry__watch *w) {
  if (w->app_only || w->want == 0)
    return 0;
  return w->want | (w->idle ? FERRY__WATCH_IDLE : 0);
}

static int tell_app(ferry__watchset *ws, ferry__watch *w) {
  int what = app_what(w);
  if (what == w->app_told)
    return 0;
  if (what == 0) {
    int rc = call_app(ws, w, FERRY_POLL_REMOVE);
    /* a REMOVE'd socket starts over when it is announced again */
    w->app_told = 0;
    w->app_socketp = NULL;
    return rc;
  }
  w->app_told = (unsigned char)what;
  return call_app(ws, w, what);
}

static int tell_adapter(ferry__watchset *ws, ferry__watch *w) {
  int what = adapter_what(w);
  if (what == w->adapter_told)
    return 0;
  w->adapter_told = (unsigned char)what;
  return call_adapter(ws, w, what ? what : FERRY_POLL_REMOVE);
}

int ferry__watch_set(ferry__watchset *ws, ferry__watch *w, int want, int idle) {
  w->want = (unsigned char)want;
  w->idle = want ? (unsigned char)(idle != 0) : 0;
  if (w->fd < 0)
    return 0;
  if (ws->app_fn != NULL)
    /* a new callback hears of every socket at the next sync */
    return ws->resync ? 0 : tell_app(ws, w);
  if (ws->adapter_fn != NULL)
    return tell_adapter(ws, w);
  return 0;
}

void ferry__watch_del(ferry__watchset *ws, ferry__watch *w) {
  if (w->fd < 0)
    return;
  if (w->app_told && ws->app_fn != NULL)
    call_app(ws, w, FERRY_POLL_REMOVE);
  if (w->adapter_told)
    call_adapter(ws, w, FERRY_POLL_REMOVE);
  w->app_told = w->adapter_told = 0;
  w->want = w->idle = 0;
  w->app_socketp = w->adapter_socketp = NULL;
  if ((size_t)w->fd < ws->cap && ws->byfd[w->fd] == w) {
    ws->byfd[w->fd] = NULL;
    ws->count--;
  }
  w->fd = -1;
}

int ferry__watch_watched(const ferry__watchset *ws, const ferry__watch *w) {
  if (ws->app_fn != NULL)
    return w->app_told != 0;
  return w->adapter_told != 0;
}

ferry__watch *ferry__watchset_next(const ferry__watchset *ws, size_t *i) {
  while (*i < ws->cap) {
    ferry__watch *w = ws->byfd[(*i)++];
    if (w != NULL)
      return w;
  }
  return NULL;
}

void ferry__watchset_set_app(ferry__watchset *ws, ferry_socket_callback fn) {
  size_t i = 0;
  ferry__watch *w;

  if (fn == ws->app_fn)
    return;
  ws->app_fn = fn;
  /* a replaced or cleared callback is not called again: what it was told
   * is forgotten */
  while ((w = ferry__watchset_next(ws, &i)) != NULL) {
    w->app_told = 0;
    w->app_socketp = NULL;
  }
  if (fn != NULL) {
    /* from the adapter to the application: the adapter lets go now, the
     * application hears at the next sync */
    i = 0;
    while ((w = ferry__watchset_next(ws, &i)) != NULL)
      if (w->adapter_told) {
        w->adapter_told = 0;
        call_adapter(ws, w, FERRY_POLL_REMOVE);
      }
    ws->resync = 1;
    return;
  }
  /* from the application to the adapter, at once */
  ws->resync = 0;
  if (ws->adapter_fn == NULL)
    return;
  i = 0;
  while ((w = ferry__watchset_next(ws, &i)) != NULL)
    tell_adapter(ws, w);
}

void ferry__watchset_sync(ferry__watchset *ws) {
  size_t i = 0;
  ferry__watch *w;

  if (!ws->resync || ws->app_fn == NULL)
    return;
  ws->resync = 0;
  while ((w = ferry__watchset_next(ws, &i)) != NULL) {
    tell_app(ws, w);
    if (ws->app_fn == NULL)
      return; /* the callback cleared itself */
  }
}

/* The multi handle's fields: struct ferry_multi (the transfers it holds,
 * its queues and timer heap, the watched sockets, the connection pool, the
 * DNS cache and TLS contexts) and the marks of user-callback sections.
 * Data only: a layer that needs to read the multi of a transfer (to mark a
 * callback, or to reach the pool or DNS cache) includes this, not the
 * engine's functions (multi.h). */
#ifndef FERRY_MULTIDEF_H
#define FERRY_MULTIDEF_H

#include <stdint.h>
#include <uv.h>

#include "ferry.h"
#include "ferry_uv.h"
#include "conn.h"
#include "list.h"
#include "resolve.h"
#include "tls.h"
#include "watch.h"

#define FERRY__MULTI_MAGIC 0xfe77b001u

/* PIPELINING's multiplex bit (libcurl's CURLPIPE_MULTIPLEX). */
#define FERRY__PIPE_MULTIPLEX 2L

/* Where the multi's loop is. On the private loop, sockets are watched by
 * the application's SOCKETFUNCTION when one is set and by the adapter on
 * the private loop otherwise, and the timer is told to the application's
 * TIMERFUNCTION when one is set; the callbacks may be set, changed and
 * cleared at any time, and perform, wait, poll, fdset and socket_action
 * all work in every combination. libuv mode is chosen once, with
 * ferry_multi_use_loop, before any handle is added. */
typedef enum {
  FERRY__MODE_PERFORM, /* the private loop (perform and socket_action style) */
  FERRY__MODE_UV       /* the application's uv loop (ferry_multi_use_loop) */
} ferry__mode;

/* What the engine asks of the binding that made it (uvbind.c): calls up
 * through pointers it was given, so the engine never includes the
 * binding. */
typedef struct ferry__driver {
  /* Close the binding's handles (each ends in ferry__multi_handle_closed). */
  void (*unbind)(ferry_multi *m);
} ferry__driver;

struct ferry_multi {
  unsigned magic;
  const ferry__driver *driver;
  ferry__mode mode;
  uv_loop_t *loop;      /* DNS runs here, and the adapter's polls */
  uv_loop_t *own_loop;  /* the private loop, when not in libuv mode */

  ferry__list easies;   /* added handles */
  unsigned num_easies;
  unsigned num_alive;   /* added and not DONE */
  ferry__list soon;     /* transfers to run at the next timeout */
  ferry__list pending;  /* transfers waiting for a connection slot */
  ferry__list msgs;     /* queued completion messages */
  ferry__list done_calls; /* ended transfers whose done callback is due */
  /* ferry_multi_submit: requests from other threads, under submit_lock */
  uv_mutex_t submit_lock;
  struct ferry__submit *submits;
  int submit_lock_made;
  int num_msgs;
  unsigned notify_enabled;  /* 1 << FERRYMNOTIFY_* enabled */
  unsigned notify_info : 1; /* an INFO_READ notification is due */
  ferry__list notify_done;  /* ended transfers whose EASY_DONE is due */
  uint64_t xfers_added;     /* handles ever added (get_offt) */
  uint64_t progress;    /* bumps when a transfer finishes */

  /* timer heap of transfers by deadline */
  ferry_easy **heap;
  size_t heap_len, heap_cap;
  long timer_told;      /* last timeout given to the timer callback */
  int timer_armed;      /* ... which has not fired yet */
  uint64_t timer_due_ms;/* when that timeout expires (0: none) */

  /* every socket watched, and who is told: the application's
   * SOCKETFUNCTION or the adapter (watch.h) */
  ferry__watchset watches;
  /* the private loop's backend fd, told to the application's
   * SOCKETFUNCTION while a name lookup runs there */
  ferry__watch backend;
  /* the handle given to the socket callback for sockets no transfer owns
   * (made when a SOCKETFUNCTION is set) */
  ferry_easy *admin;
  /* the application's TIMERFUNCTION, or in libuv mode the adapter's */
  ferry_multi_timer_callback timerfn;
  void *timerdata;
  ferry_notify_callback notifyfn;
  void *notifydata;
  ferry_push_callback pushfn; /* PUSHFUNCTION: HTTP/2 pushes taken */
  void *pushdata;

  long maxconnects;      /* MAXCONNECTS (the other limits are the pool's) */
  long max_concurrent_streams; /* MAX_CONCURRENT_STREAMS (default 100) */
  long pipelining;       /* PIPELINING bits (default FERRY__PIPE_MULTIPLEX) */
  ferry_off_t next_xfer_id;  /* XFER_ID of the next handle added */

  ferry__pool pool;
  ferry__dns_cache dns;

  /* TLS: one context per distinct configuration, and the session cache */
  struct ferry__tls_ctx **tls_ctxs;
  size_t n_tls_ctxs;
  struct ferry__tls_sessions *tls_sessions;

  int in_callback;      /* >0 while a user callback runs */
  int in_engine;        /* >0 while the engine runs (no re-entry) */
  int in_notify;        /* >0 while the notify callback runs */
  int dead;             /* a socket/timer callback failed */
  ferry_code dead_code; /* what the transfers fail with then */

  /* libuv adapter state */
  uv_timer_t *uv_timer;
  uv_async_t *uv_wakeup;
  unsigned uv_handles;  /* adapter handles not yet closed */
  int uv_dirty;         /* the adapter changed a watch since the last run */
  int uv_in_timer;      /* the adapter's timer callback is running */
  unsigned long uv_timer_runs; /* times it ran (tests count loop work) */
  unsigned long timer_runs;    /* times the engine's timer ran */
  int closing;
  ferry_close_cb close_cb;
  void *close_arg;
};

static inline int ferry__multi_valid(const ferry_multi *m) {
  return m != NULL && m->magic == FERRY__MULTI_MAGIC;
}

/* Mark user-callback sections: API calls that must not run inside callbacks
 * check m->in_callback. */
#define FERRY__CALLBACK_ENTER(m) ((m) ? (void)(m)->in_callback++ : (void)0)
#define FERRY__CALLBACK_LEAVE(m) ((m) ? (void)(m)->in_callback-- : (void)0)

#endif

/* The sockets a multi watches, and who is told about them.
 *
 * Every socket the engine needs watched has one ferry__watch: each
 * connection's socket, and in socket_action style the backend fd of the
 * multi's private loop (name lookups finish there). The engine says what
 * it wants of a socket: IN, OUT, both, nothing, or "idle" (a pooled
 * connection, watched only to see the server close it). One driver at a
 * time is told:
 *
 *  - the application's SOCKETFUNCTION, when one is set. It hears IN, OUT or
 *    INOUT while a transfer needs the socket and REMOVE when that ends. An
 *    idle pooled connection is not watched (REMOVE when it goes idle), as
 *    in libcurl: the pool checks it without blocking when it is taken.
 *  - otherwise the adapter (the libuv binding), on the multi's private loop
 *    or, in libuv mode, on the application's loop. It also watches idle
 *    connections, through handles that do not keep the loop alive.
 *
 * The driver can change at any time (ferry__watchset_set_app): sockets move
 * from one to the other, nothing is watched by both, nothing is lost. A
 * driver hears REMOVE before a socket is closed (ferry__watch_del), and
 * never for a socket it was not told about. The easy handle handed to the
 * application's callback is never NULL: the transfer the socket serves, or
 * the multi's internal handle for sockets no transfer owns.
 *
 * This file only keeps the books and calls the driver; what a readiness
 * event means is up to the socket's owner (on_event).
 */
#ifndef FERRY_WATCH_H
#define FERRY_WATCH_H

#include <stddef.h>

#include "ferry.h"

/* With FERRY_POLL_IN, for the adapter only: an idle socket, watched for
 * input, that must not keep the loop alive. */
#define FERRY__WATCH_IDLE 8

typedef struct ferry__watch ferry__watch;

/* The adapter: watch w as `what` says (FERRY_POLL_IN/OUT/INOUT, maybe with
 * FERRY__WATCH_IDLE) or stop (FERRY_POLL_REMOVE). It keeps its own state
 * in w->adapter_socketp. Returns 0, or -1 (out of memory or a loop error:
 * the watchset is then marked failed). */
typedef int (*ferry__watch_adapter_fn)(void *data, ferry__watch *w, int what);

struct ferry__watch {
  int fd;                     /* -1 when not registered */
  unsigned char want;         /* FERRY_POLL_IN/OUT/INOUT; 0: nothing */
  unsigned char idle;         /* want is IN, only to see the peer close */
  unsigned char app_only;     /* never told to the adapter (backend fd) */
  unsigned char app_told;     /* last told to the app's callback; 0: none */
  unsigned char adapter_told; /* last told to the adapter; 0: none */
  void *app_socketp;          /* set with ferry_multi_assign */
  void *adapter_socketp;      /* the adapter's own */
  ferry_easy *easy;           /* the transfer served now; NULL: none */
  /* readiness, with FERRY_CSELECT_* bits */
  void (*on_event)(void *ctx, int cselect);
  void *ctx;
};

typedef struct ferry__watchset {
  ferry__watch **byfd;        /* fd -> watch */
  size_t cap;
  size_t count;               /* registered watches */
  ferry_socket_callback app_fn; /* SOCKETFUNCTION, or NULL */
  void *app_data;             /* SOCKETDATA */
  ferry__watch_adapter_fn adapter_fn;
  void *adapter_data;
  ferry_easy *admin;          /* reported for sockets without a transfer */
  int *in_callback;           /* raised around calls into the application */
  unsigned resync : 1;        /* the app's callback is new: tell it all */
  unsigned failed : 1;        /* a driver returned -1 */
  ferry_code fail_code;       /* what the failure means (OK: callback) */
} ferry__watchset;

void ferry__watchset_init(ferry__watchset *ws, ferry__watch_adapter_fn fn,
                          void *data, int *in_callback);
/* Free the table. Every watch must have been deleted. */
void ferry__watchset_free(ferry__watchset *ws);

/* Register w for fd (want nothing yet). 0, or -1 when out of memory. */
int ferry__watch_add(ferry__watchset *ws, ferry__watch *w, int fd);
/* Want `want` of w (0: nothing), idle or not, and tell the driver if that
 * changes what it watches. Returns 0, or -1 when the driver failed. */
int ferry__watch_set(ferry__watchset *ws, ferry__watch *w, int want, int idle);
/* Tell REMOVE to whoever watches w and unregister it: call before the
 * socket is closed. */
void ferry__watch_del(ferry__watchset *ws, ferry__watch *w);
/* The watch registered for fd, or NULL. */
ferry__watch *ferry__watch_find(const ferry__watchset *ws, int fd);
/* Is w watched now, so that the peer closing it would be seen? */
int ferry__watch_watched(const ferry__watchset *ws, const ferry__watch *w);

/* Make fn (NULL: none) the application's socket callback. Sockets the
 * adapter watched move to the application (told at the next
 * ferry__watchset_sync, since SOCKETDATA may still be set after this), or
 * from the application to the adapter at once. A callback that is
 * replaced or cleared is not called again. */
void ferry__watchset_set_app(ferry__watchset *ws, ferry_socket_callback fn);
/* Tell a new application callback about every socket it must watch. */
void ferry__watchset_sync(ferry__watchset *ws);
/* Iterate: the next registered watch after index *i (start with 0). */
ferry__watch *ferry__watchset_next(const ferry__watchset *ws, size_t *i);

#endif

/* The libuv binding: a thin adapter that watches the multi's sockets with
 * one uv_poll_t per socket, and in libuv mode keeps the multi's timer as
 * one uv_timer_t. libuv mode runs it on the application's loop; perform
 * mode runs the very same socket adapter on the multi's private loop
 * (perform, wait and poll read the timer from the engine themselves). */
#ifndef FERRY_UVBIND_H
#define FERRY_UVBIND_H

#include <uv.h>

#include "ferry.h"
#include "watch.h"

/* The socket adapter (ferry__watch_adapter_fn; data is the multi): starts,
 * changes or stops a uv_poll_t on the multi's loop. An idle socket
 * (FERRY__WATCH_IDLE) is watched through an unreferenced handle, so that it
 * never keeps uv_run from returning. */
int ferry__uv_watch(void *data, ferry__watch *w, int what);
/* The timer callback of libuv mode (userp unused). A 0 ms timeout asked
 * for from inside the adapter's own timer callback becomes 1 ms: libuv
 * before 1.48 would run a 0 ms timer started from its own callback again
 * at once, in the same loop iteration, without polling for I/O. */
int ferry__uv_timer_cb(ferry_multi *m, long timeout_ms, void *userp);
/* Make the adapter's handles on m->loop: the wakeup handle, and with_timer
 * the timer. 0 or a uv error. */
int ferry__uv_bind(ferry_multi *m, int with_timer);
/* Close the adapter's handles; calls ferry__multi_handle_closed for each. */
void ferry__uv_unbind(ferry_multi *m);

#endif

/* The libuv binding: a thin adapter that implements the multi's socket and
 * timer callbacks with one uv_poll_t per socket and one uv_timer_t per
 * multi. libuv mode runs it on the application's loop; perform mode runs
 * the very same adapter on the multi's private loop. */
#ifndef FERRY_UVBIND_H
#define FERRY_UVBIND_H

#include <uv.h>

#include "ferry.h"

/* Socket callback of the adapter (userp is the multi). */
int ferry__uv_socket_cb(ferry_easy *e, ferry_socket_t s, int what, void *userp,
                        void *socketp);
/* Timer callback of the adapter. */
int ferry__uv_timer_cb(ferry_multi *m, long timeout_ms, void *userp);
/* An idle pooled connection's poll handle must not keep the loop alive:
 * unref it while idle (keep = 0), ref it again when a transfer takes it. */
void ferry__uv_sock_keep_loop(ferry_multi *m, void *socketp, int keep);
/* Make the adapter's timer and wakeup handles on m->loop. 0 or a uv error. */
int ferry__uv_bind(ferry_multi *m);
/* Close the adapter's handles; calls ferry__multi_handle_closed for each. */
void ferry__uv_unbind(ferry_multi *m);

#endif

/* ferry_uv.h - running a ferry multi on your own libuv loop. */
#ifndef FERRY_UV_H
#define FERRY_UV_H

#include <uv.h>

#include "ferry.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Put the multi on `loop` (libuv mode): ferry watches each socket with a
 * uv_poll_t and keeps one uv_timer_t, all on `loop`, and runs whenever the
 * loop runs. No glue code is needed: add handles and run the loop. Set
 * FERRYMOPT_NOTIFYFUNCTION and enable FERRYMNOTIFY_INFO_READ to learn when
 * messages are queued.
 * What keeps the loop alive: the poll handle of a socket a transfer needs,
 * the timer while it is armed, and a name lookup in flight. Idle pooled
 * connections stay watched (so a server's close is seen at once) through
 * unreferenced poll handles, and the wakeup handle is unreferenced too, so
 * uv_run(UV_RUN_DEFAULT) returns as soon as the transfers are done. A 0 ms
 * timeout asked for from inside ferry's own timer callback is armed as
 * 1 ms: libuv before 1.48 would run it again in the same iteration.
 * Must be called before any handle is added and while no SOCKETFUNCTION or
 * TIMERFUNCTION is set; the multi's pooled connections (from perform) are
 * closed. Returns FERRYM_OK, FERRYM_BAD_HANDLE, FERRYM_BAD_FUNCTION_ARGUMENT
 * (NULL loop, handles already added, libuv mode already, or
 * SOCKETFUNCTION/TIMERFUNCTION set), FERRYM_OUT_OF_MEMORY. */
FERRY_EXTERN ferry_mcode ferry_multi_use_loop(ferry_multi *multi, uv_loop_t *loop);

typedef void (*ferry_close_cb)(ferry_multi *multi, void *arg);

/* Close a multi asynchronously: like ferry_multi_cleanup, and `cb` (may be
 * NULL) runs from the loop once every uv handle ferry opened has been closed
 * and every getaddrinfo request has finished. After `cb`, ferry holds nothing
 * on the loop, so uv_loop_close() can return 0. In perform and socket_action
 * modes `cb` is called before this function returns.
 * From inside the NOTIFYFUNCTION this is allowed in libuv mode; in the other
 * modes it returns FERRYM_RECURSIVE_API_CALL (the perform or socket_action
 * call that ran the callback still uses the multi). */
FERRY_EXTERN ferry_mcode ferry_multi_close(ferry_multi *multi, ferry_close_cb cb,
                                           void *arg);

/* Thread-safe submission. Any thread may hand a configured easy handle to
 * a multi that runs on a loop (libuv mode), or ask for a transfer to be
 * cancelled; the work is queued under a mutex and done on the loop's thread
 * (woken through the multi's uv_async_t). After ferry_multi_submit the
 * calling thread must not touch the easy handle until the transfer's done
 * callback or message says it ended. A cancelled transfer ends with
 * FERRYE_ABORTED_BY_CALLBACK and a DONE message (its done callback runs).
 * Both return FERRYM_OK, FERRYM_BAD_HANDLE (not a multi, or closing),
 * FERRYM_BAD_EASY_HANDLE, FERRYM_OUT_OF_MEMORY or FERRYM_WAKEUP_FAILURE.
 * The multi must outlive the call: close it only after the submitting
 * threads are done with it. */
FERRY_EXTERN ferry_mcode ferry_multi_submit(ferry_multi *multi, ferry_easy *easy);
FERRY_EXTERN ferry_mcode ferry_multi_submit_cancel(ferry_multi *multi,
                                                   ferry_easy *easy);

#ifdef __cplusplus
}
#endif

#endif /* FERRY_UV_H */

/* The multi handle: the engine that drives transfers through socket and
 * timer callbacks. Its fields are in multidef.h. */
#ifndef FERRY_MULTI_H
#define FERRY_MULTI_H

#include <stdint.h>

#include "ferry.h"
#include "clock.h"
#include "multidef.h"

/* A new engine with no loop yet (the binding adds it: uvbind.c's
 * ferry_multi_init), or NULL when out of memory. */
ferry_multi *ferry__multi_new(void);
/* Register the private loop's backend fd as the engine's own socket
 * (socket_action style). 0, or -1 when out of memory. */
int ferry__multi_watch_backend(ferry_multi *m);
/* Free the engine's memory (no handle, loop or lookup left). */
void ferry__multi_free(ferry_multi *m);

/* Engine entry points, used by socket_action and the libuv adapter. */
void ferry__multi_socket_event(ferry_multi *m, ferry_socket_t s, int cselect);

void ferry__multi_timer_event(ferry_multi *m);

/* The adapter closed one of its handles. */
void ferry__multi_handle_closed(ferry_multi *m);
/* Run what other threads submitted (on the loop's thread). */
void ferry__multi_run_submits(ferry_multi *m);
/* After a closed multi's last handle or lookup is gone, free it (and call
 * the close callback). */
void ferry__multi_maybe_free(ferry_multi *m);
/* End of an engine entry from the loop: tell the timer callback about a new
 * earliest deadline and call the notify callback for new messages. */
void ferry__multi_engine_after(ferry_multi *m);

#endif

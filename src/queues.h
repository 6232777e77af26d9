/* The multi's queues and timer heap, as a transfer uses them: the soon
 * list (run at the next timeout), the transfers waiting for a connection
 * slot, the deadlines, and the DONE messages. The engine (multi.c)
 * drains them, calling the transfers (xfer.h); these functions only
 * change the multi's fields (multidef.h) and call no transfer, so the
 * transfer uses them without reaching the engine. */
#ifndef FERRY_QUEUES_H
#define FERRY_QUEUES_H

#include <stdint.h>

#include "ferry.h"
#include "handle.h"
#include "multidef.h"

/* Schedule a transfer to run at the next timeout (soon list). */
void ferry__queues_run_soon(ferry_multi *m, ferry_easy *e);
/* Set, move or clear (0) a transfer's deadline in the timer heap. */
void ferry__queues_set_deadline(ferry_multi *m, ferry_easy *e,
                                uint64_t due_ms);
/* Queue the DONE message of a finished transfer. */
void ferry__queues_post_done(ferry_multi *m, ferry_easy *e);
/* Queue a transfer for a connection slot, by PRIORITY. */
void ferry__queues_add_pending(ferry_multi *m, ferry_easy *e);
/* A connection slot may have freed up: start waiting transfers. */
void ferry__queues_wake_pending(ferry_multi *m);

#endif

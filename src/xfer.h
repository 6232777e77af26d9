/* The transfer state machine: one easy handle's way from INIT to DONE. */
#ifndef FERRY_XFER_H
#define FERRY_XFER_H

#include "ferry.h"
#include "handle.h"

/* The printable name of a state ("RECV_BODY"). */
const char *ferry__xstate_name(ferry__xstate s);
/* The one function that changes a transfer's state; it traces
 * "-> [STATE]" through VERBOSE/DEBUGFUNCTION. */
void ferry__xfer_state(ferry_easy *e, ferry__xstate s);

/* Prepare a transfer that was just added (URL, request). */
ferry_code ferry__xfer_setup(ferry_easy *e);
/* Run a transfer from the soon list (start it, or continue after pause). */
void ferry__xfer_run(ferry_easy *e);
/* Socket activity on the transfer's connection (FERRY_CSELECT_* bits). */
void ferry__xfer_on_socket(ferry_easy *e, int cselect);
/* Its deadline passed. */
void ferry__xfer_on_deadline(ferry_easy *e);
/* The name lookup it waited for ended (addresses in e->addrs or error). */
void ferry__xfer_resolved(ferry_easy *e, ferry_code result, const char *why);
/* End the transfer with a result: connection released or closed, message
 * posted. */
void ferry__xfer_done(ferry_easy *e, ferry_code result);
/* Halt the transfer without a message (remove_handle): detach from lookups,
 * queues and its connection. */
void ferry__xfer_detach(ferry_easy *e);
/* Set up a new handle's stream (its hooks into the transfer). */
void ferry__xfer_init_stream(ferry_easy *e);
/* Free per-transfer state (not options). */
void ferry__xfer_reset(ferry_easy *e);
/* Close the connection a CONNECT_ONLY transfer handed over, if any. */
void ferry__xfer_close_raw(ferry_easy *e);

#endif

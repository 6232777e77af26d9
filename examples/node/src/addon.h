/* addon.h - shared state of the ferry Node-API addon.
 *
 * One `addon` per Node environment (the main thread and each worker get
 * their own): a ferry multi on that environment's libuv loop, the JS
 * functions that results are dispatched to, and the live requests.
 * Everything here runs on the environment's own thread; ferry starts no
 * threads and neither does the addon (libuv's pool runs getaddrinfo). */
#ifndef FERRY_NODE_ADDON_H
#define FERRY_NODE_ADDON_H

#define NAPI_VERSION 8 /* napi_add_async_cleanup_hook */
#include <node_api.h>
#include <stdint.h>
#include <uv.h>

#include "ferry_uv.h"

typedef struct request request;

typedef struct addon {
  napi_env env;
  uv_loop_t *loop;
  ferry_multi *multi;
  /* JS dispatch functions, set once by setup(): onHead(id, status,
   * headers), onData(id, chunk), onDone(id, code, message, status,
   * headers, body). */
  napi_ref on_head;
  napi_ref on_data;
  napi_ref on_done;
  /* WebSocket dispatch, set by wsSetup(): onOpen(id, protocol),
   * onMessage(id, data, type), onDrain(id), onClose(id, code, reason,
   * ferryCode, message) */
  napi_ref ws_on_open, ws_on_message, ws_on_drain, ws_on_close;
  napi_ref resource;          /* async resource for callback scopes */
  napi_async_context actx;
  napi_async_cleanup_hook_handle cleanup;
  request *live;              /* doubly linked list of requests in flight */
  uint32_t next_id;
  request *in_callback;       /* the request whose ferry callback runs now */
  int closing;                /* the environment is being torn down */
  int trace;                  /* FERRY_NODE_TRACE: teardown on stderr */
  /* counters for tests (stats()) */
  uint64_t started, finished, cancelled, pauses, resumes;
  unsigned nlive;
} addon;

struct request {
  addon *a;
  request *prev, *next;
  uint32_t id;
  ferry_easy *easy;
  ferry_slist *headers_out;   /* request headers, borrowed by the easy */
  int streaming;              /* chunks go to onData, not into body */
  int head_sent;              /* stream: onHead was called */
  int paused;                 /* stream: receiving paused by the consumer */
  int cancelled;              /* cancel() was called; JS has settled it */
  int follow;                 /* FOLLOWLOCATION is on */
  int status;                 /* of the last status line seen */
  char *hdr;                  /* the last response's header lines, raw */
  size_t hdr_len, hdr_cap;
  char *body;                 /* fetch: the response body */
  size_t body_len, body_cap;
  struct fnode_ws *ws;        /* a WebSocket (websocket.c), or NULL */
  char errbuf[FERRY_ERROR_SIZE];
};

/* request.c: build a request from (url, opts) and add it to the multi.
 * Returns NULL with a JS exception pending on bad arguments or a refused
 * option. */
request *fnode_request_start(addon *a, napi_value url, napi_value opts,
                             int streaming);
/* The same in two steps: the easy with the options of opts, then (after
 * the caller set its own callbacks) added to the multi and listed as live
 * (0, or -1 when the multi refused it: the caller frees r). */
request *fnode_request_new(addon *a, napi_value url, napi_value opts);
int fnode_request_add(request *r);
/* Free a request's C state; the easy must not be added to a multi. */
void fnode_request_free(request *r);
/* The headers of the last response as a JS object (names lower-cased,
 * repeats joined with ", ", set-cookie as an array). */
napi_status fnode_request_headers(request *r, napi_value *out);
/* The response body as a Buffer (the request gives its bytes up). */
napi_status fnode_request_body(request *r, napi_value *out);

/* addon.c: hand a stream's head or a chunk to JS. Return -1 when the
 * request was cancelled meanwhile (the ferry callback then fails it). */
int fnode_emit_head(request *r);
int fnode_emit_data(request *r, const char *p, size_t n);
/* Call the JS function fn_ref; scoped: from a ferry callback (runs the
 * microtask and tick queues after, as Node does for its sockets). */
napi_status fnode_call_js(addon *a, napi_ref fn_ref, size_t argc,
                          napi_value *argv, int scoped);

/* websocket.c: a WebSocket transfer (see there) and its JS functions. */
struct fnode_ws;
request *fnode_ws_start(addon *a, napi_value url, napi_value opts);
void fnode_ws_done(request *r, ferry_code code);
void fnode_ws_free(struct fnode_ws *w);
napi_value fnode_js_ws_send(napi_env env, napi_callback_info info);
napi_value fnode_js_ws_ping(napi_env env, napi_callback_info info);
napi_value fnode_js_ws_close(napi_env env, napi_callback_info info);
napi_value fnode_js_ws_buffered(napi_env env, napi_callback_info info);

#endif

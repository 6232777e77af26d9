/* The ferry Node-API addon: module registration, one ferry multi per Node
 * environment on that environment's own libuv loop, the functions that
 * index.js calls, the dispatch of results into JS, and the teardown of an
 * environment (process end or a worker thread ending).
 *
 * Node runs the transfers: ferry_multi_use_loop puts ferry's uv_poll_t and
 * uv_timer_t on the loop Node gives us (napi_get_uv_event_loop), and ferry's
 * NOTIFYFUNCTION tells us when transfers are done. There is no thread and
 * no second loop. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llhttp.h>
#include <mbedtls/ssl.h>
#include <zlib.h>

#include "addon.h"

/* ---- small helpers ------------------------------------------------------ */

static addon *get_args(napi_env env, napi_callback_info info, size_t *argc,
                       napi_value *argv) {
  void *data = NULL;
  napi_get_cb_info(env, info, argc, argv, NULL, &data);
  return data;
}

static request *find(addon *a, uint32_t id) {
  for (request *r = a->live; r != NULL; r = r->next)
    if (r->id == id)
      return r;
  return NULL;
}

static void unlink_request(addon *a, request *r) {
  if (r->prev)
    r->prev->next = r->next;
  else
    a->live = r->next;
  if (r->next)
    r->next->prev = r->prev;
  r->prev = r->next = NULL;
  a->nlive--;
}

static uint32_t arg_id(napi_env env, napi_value v) {
  uint32_t id = 0;
  napi_get_value_uint32(env, v, &id);
  return id;
}

/* A JS callback threw: report it as Node reports an exception thrown by
 * an event handler (process 'uncaughtException'). */
static void report_exception(napi_env env, napi_status st) {
  napi_value err;
  bool pending = false;
  if (st == napi_ok)
    return;
  napi_is_exception_pending(env, &pending);
  if (pending && napi_get_and_clear_last_exception(env, &err) == napi_ok)
    napi_fatal_exception(env, err);
}

/* ---- calling into JS from ferry's callbacks ----------------------------- */

napi_status fnode_call_js(addon *a, napi_ref fn_ref, size_t argc,
                          napi_value *argv, int scoped) {
  napi_env env = a->env;
  napi_value fn, recv;
  napi_status st;

  if (fn_ref == NULL)
    return napi_ok;
  napi_get_reference_value(env, fn_ref, &fn);
  napi_get_reference_value(env, a->resource, &recv);
  /* From a ferry callback (no JS below us) MakeCallback runs the
   * microtask and nextTick queues afterwards, as Node does for its own
   * sockets; inside notify the callback scope opened there does that. */
  if (scoped)
    st = napi_make_callback(env, a->actx, recv, fn, argc, argv, NULL);
  else
    st = napi_call_function(env, recv, fn, argc, argv, NULL);
  report_exception(env, st);
  return st;
}

int fnode_emit_head(request *r) {
  addon *a = r->a;
  napi_env env = a->env;
  napi_handle_scope hs;
  napi_value argv[3];
  request *outer = a->in_callback;

  r->head_sent = 1;
  napi_open_handle_scope(env, &hs);
  napi_create_uint32(env, r->id, &argv[0]);
  napi_create_int32(env, r->status, &argv[1]);
  fnode_request_headers(r, &argv[2]);
  a->in_callback = r;
  fnode_call_js(a, a->on_head, 3, argv, 1);
  a->in_callback = outer;
  napi_close_handle_scope(env, hs);
  return r->cancelled ? -1 : 0;
}

int fnode_emit_data(request *r, const char *p, size_t n) {
  addon *a = r->a;
  napi_env env = a->env;
  napi_handle_scope hs;
  napi_value argv[2];
  request *outer = a->in_callback;

  napi_open_handle_scope(env, &hs);
  napi_create_uint32(env, r->id, &argv[0]);
  if (napi_create_buffer_copy(env, n, p, NULL, &argv[1]) != napi_ok) {
    napi_close_handle_scope(env, hs);
    return -1;
  }
  a->in_callback = r;
  fnode_call_js(a, a->on_data, 2, argv, 1);
  a->in_callback = outer;
  napi_close_handle_scope(env, hs);
  return r->cancelled ? -1 : 0;
}

/* onDone(id, code, message, status, headers, body) */
static void deliver_done(addon *a, request *r, ferry_code code) {
  napi_env env = a->env;
  napi_handle_scope hs;
  napi_value argv[6];
  long status = 0;

  if (r->ws != NULL) {
    fnode_ws_done(r, code);
    return;
  }
  napi_open_handle_scope(env, &hs);
  ferry_easy_getinfo(r->easy, FERRYINFO_RESPONSE_CODE, &status);
  if (r->streaming && code == FERRYE_OK && !r->head_sent) {
    r->status = (int)status;
    fnode_emit_head(r); /* a body-less response: the head comes first */
  }
  napi_create_uint32(env, r->id, &argv[0]);
  napi_create_int32(env, (int32_t)code, &argv[1]);
  if (code != FERRYE_OK)
    napi_create_string_utf8(env, r->errbuf[0] ? r->errbuf
                                              : ferry_easy_strerror(code),
                            NAPI_AUTO_LENGTH, &argv[2]);
  else
    napi_get_undefined(env, &argv[2]);
  napi_create_int32(env, (int32_t)status, &argv[3]);
  if (status > 0)
    fnode_request_headers(r, &argv[4]);
  else
    napi_get_undefined(env, &argv[4]);
  if (code == FERRYE_OK && !r->streaming)
    fnode_request_body(r, &argv[5]);
  else
    napi_get_undefined(env, &argv[5]);
  fnode_call_js(a, a->on_done, 6, argv, 0);
  napi_close_handle_scope(env, hs);
}

/* FERRYMOPT_NOTIFYFUNCTION: completion messages are queued. Runs from the
 * loop (a socket or timer event), never from inside a JS call. */
static void on_notify(ferry_multi *m, unsigned int what, ferry_easy *easy,
                      void *arg) {
  (void)what;
  (void)easy;
  addon *a = arg;
  napi_env env = a->env;
  napi_handle_scope hs;
  napi_callback_scope cs;
  napi_value resource;
  ferry_msg *msg;

  if (a->closing)
    return;
  napi_open_handle_scope(env, &hs);
  napi_get_reference_value(env, a->resource, &resource);
  /* One callback scope for the whole batch: promise reactions and ticks
   * run once, when it closes. */
  napi_open_callback_scope(env, resource, a->actx, &cs);
  while ((msg = ferry_multi_info_read(m, NULL)) != NULL) {
    ferry_easy *e = msg->easy_handle;
    ferry_code code = msg->data.result;
    char *priv = NULL;
    request *r;

    ferry_easy_getinfo(e, FERRYINFO_PRIVATE, &priv);
    r = (request *)priv;
    ferry_multi_remove_handle(m, e);
    unlink_request(a, r);
    a->finished++;
    if (!r->cancelled)
      deliver_done(a, r, code);
    fnode_request_free(r);
  }
  napi_close_callback_scope(env, cs);
  napi_close_handle_scope(env, hs);
}

/* ---- functions for index.js -------------------------------------------- */

/* setup(onHead, onData, onDone) */
static napi_value js_setup(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  addon *a = get_args(env, info, &argc, argv);
  napi_ref *refs[3] = {&a->on_head, &a->on_data, &a->on_done};

  for (int i = 0; i < 3; i++) {
    napi_valuetype t = napi_undefined;
    if ((size_t)i < argc)
      napi_typeof(env, argv[i], &t);
    if (t != napi_function) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                            "setup(onHead, onData, onDone) takes functions");
      return NULL;
    }
  }
  for (int i = 0; i < 3; i++) {
    if (*refs[i])
      napi_delete_reference(env, *refs[i]);
    napi_create_reference(env, argv[i], 1, refs[i]);
  }
  return NULL;
}

/* start(url, opts, streaming) -> id */
static napi_value js_start(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3] = {NULL, NULL, NULL}, out;
  addon *a = get_args(env, info, &argc, argv);
  bool streaming = false;
  request *r;

  if (argc < 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "url is required");
    return NULL;
  }
  if (argc >= 3)
    napi_get_value_bool(env, argv[2], &streaming);
  r = fnode_request_start(a, argv[0], argc >= 2 ? argv[1] : NULL, streaming);
  if (r == NULL)
    return NULL; /* an exception is pending */
  napi_create_uint32(env, r->id, &out);
  return out;
}

/* wsSetup(onOpen, onMessage, onDrain, onClose) */
static napi_value js_ws_setup(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  addon *a = get_args(env, info, &argc, argv);
  napi_ref *refs[4] = {&a->ws_on_open, &a->ws_on_message, &a->ws_on_drain,
                       &a->ws_on_close};

  for (int i = 0; i < 4; i++) {
    napi_valuetype t = napi_undefined;
    if ((size_t)i < argc)
      napi_typeof(env, argv[i], &t);
    if (t != napi_function) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                            "wsSetup(onOpen, onMessage, onDrain, onClose) "
                            "takes functions");
      return NULL;
    }
  }
  for (int i = 0; i < 4; i++) {
    if (*refs[i])
      napi_delete_reference(env, *refs[i]);
    napi_create_reference(env, argv[i], 1, refs[i]);
  }
  return NULL;
}

/* wsStart(url, opts) -> id */
static napi_value js_ws_start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2] = {NULL, NULL}, out;
  addon *a = get_args(env, info, &argc, argv);
  request *r;

  if (argc < 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "url is required");
    return NULL;
  }
  r = fnode_ws_start(a, argv[0], argc >= 2 ? argv[1] : NULL);
  if (r == NULL)
    return NULL; /* an exception is pending */
  napi_create_uint32(env, r->id, &out);
  return out;
}

/* pause(id): the consumer is full; stop reading from the socket. */
static napi_value js_pause(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  addon *a = get_args(env, info, &argc, argv);
  request *r = argc ? find(a, arg_id(env, argv[0])) : NULL;

  if (r != NULL && !r->cancelled && !r->paused) {
    r->paused = 1;
    a->pauses++;
    ferry_easy_pause(r->easy, FERRY_PAUSE_RECV);
  }
  return NULL;
}

/* resume(id): the consumer wants more. ferry delivers what it kept from
 * the loop, never from inside this call. */
static napi_value js_resume(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  addon *a = get_args(env, info, &argc, argv);
  request *r = argc ? find(a, arg_id(env, argv[0])) : NULL;

  if (r != NULL && !r->cancelled && r->paused) {
    r->paused = 0;
    a->resumes++;
    ferry_easy_pause(r->easy, FERRY_PAUSE_CONT);
  }
  return NULL;
}

/* cancel(id) -> 0 removed now, 1 no such transfer, 2 deferred: called
 * from inside one of ferry's callbacks, where the multi cannot remove a
 * handle. The transfer then gets no further data and its end is dropped;
 * index.js calls cancel again from setImmediate to remove it. */
static napi_value js_cancel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  addon *a = get_args(env, info, &argc, argv);
  request *r = argc ? find(a, arg_id(env, argv[0])) : NULL;
  int rc = 1;

  if (r != NULL) {
    if (!r->cancelled) {
      r->cancelled = 1;
      a->cancelled++;
    }
    if (a->in_callback != NULL) {
      rc = 2;
    } else {
      ferry_multi_remove_handle(a->multi, r->easy);
      unlink_request(a, r);
      fnode_request_free(r);
      rc = 0;
    }
  }
  napi_create_int32(env, rc, &out);
  return out;
}

static void count_handle(uv_handle_t *h, void *arg) {
  unsigned *n = arg;
  if (h->type == UV_POLL && !uv_is_closing(h)) {
    n[0]++;
    if (uv_is_active(h) && uv_has_ref(h))
      n[1]++;
  }
}

static void set_num(napi_env env, napi_value o, const char *name, double v) {
  napi_value n;
  napi_create_double(env, v, &n);
  napi_set_named_property(env, o, name, n);
}

/* stats(): counters and the sockets on this loop, for tests. */
static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  addon *a = get_args(env, info, &argc, NULL);
  unsigned polls[2] = {0, 0};
  napi_value o;

  /* Node itself keeps no uv_poll_t: every one on the loop is ferry's. */
  uv_walk(a->loop, count_handle, polls);
  napi_create_object(env, &o);
  set_num(env, o, "live", a->nlive);
  set_num(env, o, "started", (double)a->started);
  set_num(env, o, "finished", (double)a->finished);
  set_num(env, o, "cancelled", (double)a->cancelled);
  set_num(env, o, "pauses", (double)a->pauses);
  set_num(env, o, "resumes", (double)a->resumes);
  set_num(env, o, "sockets", polls[0]);
  set_num(env, o, "busySockets", polls[1]);
  return o;
}

/* version(): ferry's version string. It lists the libraries ferry runs
 * with, asked at run time where they can tell (libuv, zlib). */
static napi_value js_version(napi_env env, napi_callback_info info) {
  static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  napi_value s;
  (void)info;
  pthread_mutex_lock(&lock); /* ferry_version fills a static buffer */
  napi_create_string_utf8(env, ferry_version(), NAPI_AUTO_LENGTH, &s);
  pthread_mutex_unlock(&lock);
  return s;
}

/* symbols(): for each library function ferry calls, the file that defines
 * the copy it calls, and the file that defines the copy the process
 * exports under that name (dlsym RTLD_DEFAULT: Node's, if Node has one). */
static void describe_symbol(napi_env env, napi_value out, const char *name,
                            void *own) {
  Dl_info di;
  void *global = dlsym(RTLD_DEFAULT, name);
  napi_value o, v;

  napi_create_object(env, &o);
  if (dladdr(own, &di) && di.dli_fname)
    napi_create_string_utf8(env, di.dli_fname, NAPI_AUTO_LENGTH, &v);
  else
    napi_get_null(env, &v);
  napi_set_named_property(env, o, "calls", v);
  if (global && dladdr(global, &di) && di.dli_fname)
    napi_create_string_utf8(env, di.dli_fname, NAPI_AUTO_LENGTH, &v);
  else
    napi_get_null(env, &v);
  napi_set_named_property(env, o, "exported", v);
  napi_get_boolean(env, global == own, &v);
  napi_set_named_property(env, o, "same", v);
  napi_set_named_property(env, out, name, o);
}

static napi_value js_symbols(napi_env env, napi_callback_info info) {
  napi_value o;
  (void)info;
  napi_create_object(env, &o);
  describe_symbol(env, o, "llhttp_execute", (void *)llhttp_execute);
  describe_symbol(env, o, "llhttp_init", (void *)llhttp_init);
  describe_symbol(env, o, "inflate", (void *)inflate);
  describe_symbol(env, o, "zlibVersion", (void *)zlibVersion);
  describe_symbol(env, o, "mbedtls_ssl_setup", (void *)mbedtls_ssl_setup);
  describe_symbol(env, o, "uv_poll_start", (void *)uv_poll_start);
  describe_symbol(env, o, "uv_timer_start", (void *)uv_timer_start);
  return o;
}

/* codes: ferry's result code names by number, from the one table. */
static napi_value make_codes(napi_env env) {
  napi_value arr, s;
  napi_create_array(env, &arr);
#define FERRY_X_(name, num, text)                                              \
  napi_create_string_utf8(env, #name, NAPI_AUTO_LENGTH, &s);                   \
  napi_set_element(env, arr, num, s);
  FERRY_CODES(FERRY_X_)
#undef FERRY_X_
  return arr;
}

/* ---- environment teardown ---------------------------------------------- */

static void on_multi_closed(ferry_multi *m, void *arg) {
  addon *a = arg;
  (void)m;
  /* every uv handle ferry had on the loop is closed: Node may go on */
  if (a->trace)
    fprintf(stderr, "ferry-node: multi closed, nothing left on the loop\n");
  napi_remove_async_cleanup_hook(a->cleanup);
  free(a);
}

/* The environment ends (the process, or a worker thread). No JS runs any
 * more: transfers in flight are dropped without a word. ferry_multi_close
 * finishes on the loop; an async cleanup hook makes Node run the loop until
 * it has (with a plain env cleanup hook Node would not wait, and a worker
 * would find handles still open on its loop). */
static void on_env_teardown(napi_async_cleanup_hook_handle h, void *arg) {
  addon *a = arg;
  napi_env env = a->env;
  (void)h;

  a->closing = 1;
  if (a->trace)
    fprintf(stderr, "ferry-node: environment teardown, %u transfers dropped\n",
            a->nlive);
  while (a->live != NULL) {
    request *r = a->live;
    unlink_request(a, r);
    ferry_multi_remove_handle(a->multi, r->easy);
    fnode_request_free(r);
  }
  if (a->on_head)
    napi_delete_reference(env, a->on_head);
  if (a->on_data)
    napi_delete_reference(env, a->on_data);
  if (a->on_done)
    napi_delete_reference(env, a->on_done);
  {
    napi_ref ws_refs[4] = {a->ws_on_open, a->ws_on_message, a->ws_on_drain,
                           a->ws_on_close};
    for (int i = 0; i < 4; i++)
      if (ws_refs[i])
        napi_delete_reference(env, ws_refs[i]);
  }
  napi_delete_reference(env, a->resource);
  napi_async_destroy(env, a->actx);
  /* last: the close callback may run (and free a) before this returns */
  if (ferry_multi_close(a->multi, on_multi_closed, a) != FERRYM_OK)
    on_multi_closed(a->multi, a);
}

/* ---- module ------------------------------------------------------------- */

static int define(napi_env env, napi_value exports, addon *a, const char *name,
                  napi_callback fn) {
  napi_value f;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, a, &f) != napi_ok)
    return -1;
  return napi_set_named_property(env, exports, name, f) == napi_ok ? 0 : -1;
}

NAPI_MODULE_INIT() {
  addon *a = calloc(1, sizeof(*a));
  napi_value resource, name;

  if (a == NULL) {
    napi_throw_error(env, NULL, "ferry: out of memory");
    return NULL;
  }
  a->env = env;
  /* FERRY_NODE_TRACE=1: say on stderr when an environment's multi closes */
  a->trace = getenv("FERRY_NODE_TRACE") != NULL;
  if (napi_get_uv_event_loop(env, &a->loop) != napi_ok)
    goto failed;
  a->multi = ferry_multi_init();
  if (a->multi == NULL)
    goto failed;
  if (ferry_multi_use_loop(a->multi, a->loop) != FERRYM_OK ||
      ferry_multi_setopt(a->multi, FERRYMOPT_NOTIFYFUNCTION, on_notify) !=
          FERRYM_OK ||
      ferry_multi_setopt(a->multi, FERRYMOPT_NOTIFYDATA, (void *)a) != FERRYM_OK ||
      ferry_multi_notify_enable(a->multi, FERRYMNOTIFY_INFO_READ) != FERRYM_OK)
    goto failed_multi;
  napi_create_object(env, &resource);
  napi_create_string_utf8(env, "ferry", NAPI_AUTO_LENGTH, &name);
  if (napi_create_reference(env, resource, 1, &a->resource) != napi_ok ||
      napi_async_init(env, resource, name, &a->actx) != napi_ok)
    goto failed_multi;
  if (napi_add_async_cleanup_hook(env, on_env_teardown, a, &a->cleanup) !=
      napi_ok)
    goto failed_multi;
  if (define(env, exports, a, "setup", js_setup) ||
      define(env, exports, a, "start", js_start) ||
      define(env, exports, a, "pause", js_pause) ||
      define(env, exports, a, "resume", js_resume) ||
      define(env, exports, a, "cancel", js_cancel) ||
      define(env, exports, a, "wsSetup", js_ws_setup) ||
      define(env, exports, a, "wsStart", js_ws_start) ||
      define(env, exports, a, "wsSend", fnode_js_ws_send) ||
      define(env, exports, a, "wsPing", fnode_js_ws_ping) ||
      define(env, exports, a, "wsClose", fnode_js_ws_close) ||
      define(env, exports, a, "wsBuffered", fnode_js_ws_buffered) ||
      define(env, exports, a, "stats", js_stats) ||
      define(env, exports, a, "version", js_version) ||
      define(env, exports, a, "symbols", js_symbols) ||
      napi_set_named_property(env, exports, "codes", make_codes(env)) != napi_ok)
    return NULL; /* the hook frees everything when the env ends */
  return exports;

failed_multi:
  ferry_multi_cleanup(a->multi); /* its handles close on the loop */
failed:
  free(a);
  napi_throw_error(env, NULL, "ferry: could not set up the multi");
  return NULL;
}

/* Easy handles: init, cleanup, reset, duphandle, perform, pause, and the
 * header API over the handle's store (headers.h). An easy perform is a
 * private multi with one transfer: there is one engine. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "conn.h"
#include "cookie.h"
#include "easy.h"
#include "headers.h"
#include "hsts.h"
#include "http.h"
#include "multi.h"
#include "queues.h"
#include "trace.h"
#include "xfer.h"

static void easy_init_fields(ferry_easy *e) {
  e->magic = FERRY__EASY_MAGIC;
  ferry__list_init(&e->multi_node);
  ferry__list_init(&e->queue_node);
  ferry__list_init(&e->dns.node);
  ferry__list_init(&e->msg_node);
  ferry__list_init(&e->done_node);
  ferry__list_init(&e->notify_node);
  e->heap_idx = SIZE_MAX;
  e->state = FERRY__XS_INIT;
  e->content_length = -1;
  ferry__xfer_init_stream(e);
  e->xfer_id = e->conn_id = -1;
  ferry__buf_init(&e->pausebuf, FERRY__PAUSE_MAX);
  ferry__buf_init(&e->pause_encoded, FERRY__PAUSE_MAX);
}

ferry_easy *ferry_easy_init(void) {
  ferry_easy *e = ferry__calloc(1, sizeof(*e));
  if (e == NULL)
    return NULL;
  easy_init_fields(e);
  ferry__opts_defaults(&e->set);
  return e;
}

ferry_code ferry_easy_cleanup(ferry_easy *e) {
  if (e == NULL)
    return FERRYE_OK;
  if (!ferry__easy_valid(e))
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  if (e->multi != NULL) {
    if (e->multi->in_callback)
      return FERRYE_RECURSIVE_API_CALL;
    ferry_multi_remove_handle(e->multi, e);
  }
  ferry__xfer_close_raw(e); /* before the pool it lives in goes */
  if (e->own_multi != NULL)
    ferry_multi_cleanup(e->own_multi);
  ferry__xfer_reset(e);
  ferry__http_auth_forget(e);
  ferry__headers_free(&e->headers);
  ferry__http_cookies_flush(e); /* COOKIEJAR; a failure is only traced */
  ferry__http_cookies_free(e);  /* a share's jar stays */
  ferry__http_hsts_flush(e); /* HSTS file and HSTSWRITEFUNCTION */
  ferry__http_hsts_free(e); /* one a write callback may have made */
  ferry__http_use_share(e, NULL); /* not added now: cannot fail */
  ferry__opts_free(&e->set);
  e->magic = 0;
  ferry__free(e);
  return FERRYE_OK;
}

void ferry_easy_reset(ferry_easy *e) {
  if (!ferry__easy_valid(e) || e->multi != NULL)
    return;
  ferry__xfer_reset(e);
  /* as libcurl's reset: the authentication the handle learnt goes too */
  ferry__http_auth_forget(e);
  ferry__opts_free(&e->set);
  ferry__opts_defaults(&e->set);
  /* as libcurl: the connection used last is forgotten, the transfer id
   * stays */
  e->conn_id = -1;
  ferry__http_reset_infos(e);
}

ferry_easy *ferry_easy_duphandle(ferry_easy *src) {
  ferry_easy *e;
  if (!ferry__easy_valid(src))
    return NULL;
  e = ferry__calloc(1, sizeof(*e));
  if (e == NULL)
    return NULL;
  easy_init_fields(e);
  if (ferry__opts_copy(&e->set, &src->set) != FERRYE_OK) {
    e->magic = 0;
    ferry__free(e);
    return NULL;
  }
  /* as in libcurl, the copy uses no share; its cookie engine is on with
   * an empty jar, which reads the COOKIEFILE list at the copy's first
   * transfer; its RESOLVE entries go into its cache then */
  e->dns.resolve_pending = e->set.resolve != NULL;
  e->cookie_engine = src->cookies != NULL;
  if ((src->cookies && (e->cookies = ferry__cookie_jar_new()) == NULL) ||
      (src->hsts && ferry__http_hsts_dup(e) != FERRYE_OK)) {
    ferry__cookie_jar_free(e->cookies);
    ferry__hsts_free(e->hsts);
    ferry__opts_free(&e->set);
    e->magic = 0;
    ferry__free(e);
    return NULL;
  }
  return e;
}

ferry_code ferry_easy_perform(ferry_easy *e) {
  ferry_multi *m;
  ferry_msg *msg;
  ferry_code result;
  ferry_mcode mc;
  int running = 1;

  if (!ferry__easy_valid(e))
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  if (e->multi != NULL) {
    if (e->multi == e->own_multi || e->multi->in_callback)
      return FERRYE_RECURSIVE_API_CALL;
    if (e->set.errorbuffer)
      snprintf(e->set.errorbuffer, FERRY_ERROR_SIZE,
               "easy handle already used in multi handle");
    return FERRYE_FAILED_INIT;
  }
  if (e->own_multi == NULL) {
    e->own_multi = ferry_multi_init();
    if (e->own_multi == NULL)
      return FERRYE_OUT_OF_MEMORY;
  }
  m = e->own_multi;
  m->maxconnects = e->set.maxconnects;
  mc = ferry_multi_add_handle(m, e);
  if (mc != FERRYM_OK)
    return mc == FERRYM_OUT_OF_MEMORY ? FERRYE_OUT_OF_MEMORY : FERRYE_FAILED_INIT;
  while (running) {
    mc = ferry_multi_perform(m, &running);
    if (mc != FERRYM_OK)
      break;
    if (running)
      mc = ferry_multi_poll(m, NULL, 0, 1000, NULL);
    if (mc != FERRYM_OK)
      break;
  }
  msg = ferry_multi_info_read(m, NULL);
  result = msg ? msg->data.result
               : (mc == FERRYM_OUT_OF_MEMORY ? FERRYE_OUT_OF_MEMORY
                                             : FERRYE_RECV_ERROR);
  ferry_multi_remove_handle(m, e);
  return result;
}

/* ferry_easy_send and ferry_easy_recv: the CONNECT_ONLY connection. */
static ferry_code raw_result(ferry_easy *e, ferry_code rc, const char *why) {
  if (rc == FERRYE_OK || rc == FERRYE_AGAIN)
    return rc;
  if (rc == FERRYE_UNSUPPORTED_PROTOCOL)
    why = e->set.connect_only ? "no connection: the CONNECT_ONLY transfer "
                                "has not connected, or its connection closed"
                              : "CONNECT_ONLY is required";
  if (e->set.errorbuffer != NULL)
    snprintf(e->set.errorbuffer, FERRY_ERROR_SIZE, "%s",
             why[0] ? why : ferry_easy_strerror(rc));
  if (ferry__trace_on(e))
    ferry__infof(e, "%s", why[0] ? why : ferry_easy_strerror(rc));
  return rc;
}

ferry_code ferry_easy_send(ferry_easy *e, const void *buffer, size_t buflen,
                           size_t *n) {
  char why[FERRY_ERROR_SIZE];
  ferry_code rc;

  if (n != NULL)
    *n = 0;
  if (!ferry__easy_valid(e) || n == NULL || (buffer == NULL && buflen > 0))
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  rc = ferry__raw_send(&e->raw, buffer, buflen, n, why, sizeof(why));
  return raw_result(e, rc, why);
}

ferry_code ferry_easy_recv(ferry_easy *e, void *buffer, size_t buflen,
                           size_t *n) {
  char why[FERRY_ERROR_SIZE];
  ferry_code rc;

  if (n != NULL)
    *n = 0;
  if (!ferry__easy_valid(e) || n == NULL || (buffer == NULL && buflen > 0))
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  rc = ferry__raw_recv(&e->raw, buffer, buflen, n, why, sizeof(why));
  return raw_result(e, rc, why);
}

ferry_code ferry_easy_pause(ferry_easy *e, int bitmask) {
  ferry_multi *m;
  int was_recv, was_send;

  if (!ferry__easy_valid(e))
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  was_recv = e->pause_recv;
  was_send = e->pause_send;
  e->pause_recv = (bitmask & FERRY_PAUSE_RECV) != 0;
  e->pause_send = (bitmask & FERRY_PAUSE_SEND) != 0;
  m = e->multi;
  if (m == NULL || e->state == FERRY__XS_DONE)
    return FERRYE_OK;
  /* a paused direction is not watched: no event can spin the loop */
  if (e->pause_recv && !was_recv &&
      (e->state == FERRY__XS_RECV_HEADERS || e->state == FERRY__XS_RECV_BODY))
    ferry__stream_pause(&e->stream, 0, 1);
  if (e->pause_send && !was_send && e->state == FERRY__XS_SEND)
    ferry__stream_pause(&e->stream, 1, 1);
  if ((was_recv && !e->pause_recv) || (was_send && !e->pause_send)) {
    /* A paused stretch is not slow: the LOW_SPEED_TIME count starts
     * afresh, as libcurl's curl_easy_pause resets its keeps_speed. */
    e->low_speed_since_ms = 0;
    /* Resume from the timer, never from inside this call: data kept while
     * paused is delivered from the loop. */
    ferry__queues_run_soon(m, e);
    if (m->in_engine == 0)
      ferry__multi_engine_after(m);
  }
  return FERRYE_OK;
}

ferry_code ferry_easy_upkeep(ferry_easy *e) {
  ferry_multi *m;
  if (!ferry__easy_valid(e))
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  m = e->own_multi;
  /* as libcurl: only the connections ferry_easy_perform keeps */
  if (m == NULL || (e->multi != NULL && e->multi != m))
    return FERRYE_OK;
  if (m->in_callback || m->in_engine)
    return FERRYE_RECURSIVE_API_CALL;
  m->in_engine++;
  ferry__sessions_upkeep(&m->pool, e->set.upkeep_interval_ms);
  m->in_engine--;
  return FERRYE_OK;
}

void ferry__easy_set_error(ferry_easy *e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->errtext, sizeof(e->errtext), fmt, ap);
  va_end(ap);
  if (e->set.errorbuffer)
    snprintf(e->set.errorbuffer, FERRY_ERROR_SIZE, "%s", e->errtext);
  if (ferry__trace_on(e))
    ferry__infof(e, "%s", e->errtext);
}

ferry_hcode ferry_easy_header(ferry_easy *easy, const char *name, size_t index,
                              unsigned int origin, int request,
                              struct ferry_header **hout) {
  if (!ferry__easy_valid(easy)) {
    if (hout != NULL)
      *hout = NULL;
    return FERRYHE_BAD_ARGUMENT;
  }
  return ferry__headers_find(&easy->headers, name, index, origin, request,
                             hout);
}

struct ferry_header *ferry_easy_nextheader(ferry_easy *easy,
                                           unsigned int origin, int request,
                                           struct ferry_header *prev) {
  if (!ferry__easy_valid(easy))
    return NULL;
  return ferry__headers_next(&easy->headers, origin, request, prev);
}

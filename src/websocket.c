/* WebSocket transfers and the ferry_ws_* functions: see websocket.h. */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "clock.h"
#include "h1.h"
#include "handle.h"
#include "multidef.h"
#include "raw.h"
#include "trace.h"
#include "websocket.h"
#include "wssession.h"

/* A CONNECT_ONLY endpoint's send queue: what a ferry_ws_send queues before
 * it writes (libcurl's send buffer is two chunks of 64 KiB). */
#define CONNECT_ONLY_ROOM (128 * 1024)
/* ... and its reads from the connection. */
#define CONNECT_ONLY_READ (16 * 1024)

int ferry__ws_hop(const ferry_easy *e) {
  return e->url.scheme != NULL && ferry__url_scheme_ws(e->url.scheme);
}

static void handshake_init(ferry_easy *e) {
  ferry__wsx *w = e->ws;
  /* the subprotocols the user's Sec-WebSocket-Protocol offers; no
   * extension is offered whatever the user sends, since ferry speaks
   * none: a server that picks one fails the handshake */
  const char *protocols =
      ferry__h1_user_header_value(e->set.httpheader, "Sec-WebSocket-Protocol");
  /* only SHA-1 and base64 of mbedTLS can fail, and never do */
  if (ferry__ws_handshake_init(&w->hs, w->key, protocols, NULL) != 0)
    w->hs.err = FERRY__WS_ERR_CRYPTO;
}

ferry_code ferry__ws_prepare(ferry_easy *e) {
  ferry__wsx *w = e->ws;
  const char *user_key;

  if (w == NULL) {
    w = e->ws = ferry__calloc(1, sizeof(*w));
    if (w == NULL)
      return FERRYE_OUT_OF_MEMORY;
    ferry__buf_init(&w->in, CONNECT_ONLY_READ);
  }
  w->switched = 0;
  user_key =
      ferry__h1_user_header_value(e->set.httpheader, "Sec-WebSocket-Key");
  if (user_key != NULL && strlen(user_key) == FERRY__WS_KEY_SIZE - 1) {
    /* the user's own key goes out instead of ferry's (h1.c): the answer
     * is checked against it */
    memcpy(w->key, user_key, FERRY__WS_KEY_SIZE);
  } else if (ferry__ws_make_key(w->key) != 0) {
    snprintf(e->errtext, sizeof(e->errtext),
             "WebSocket: no random bytes for the key");
    return FERRYE_FAILED_INIT;
  }
  handshake_init(e);
  return FERRYE_OK;
}

static void endpoint_free(ferry__wsx *w) {
  if (w->ep != NULL) {
    ferry__wsep_free(w->ep);
    ferry__free(w->ep);
    w->ep = NULL;
  }
  ferry__buf_free(&w->in);
  w->in_off = 0;
  w->ctrl_len = w->ctrl_off = 0;
}

void ferry__ws_free(ferry_easy *e) {
  if (e->ws == NULL)
    return;
  endpoint_free(e->ws);
  ferry__free(e->ws);
  e->ws = NULL;
}

void ferry__ws_header_line(ferry_easy *e, const char *line, size_t len) {
  if (e->ws != NULL)
    ferry__ws_handshake_line(&e->ws->hs, line, len);
}

void ferry__ws_interim(ferry_easy *e) {
  if (e->ws != NULL)
    handshake_init(e);
}

ferry_code ferry__ws_response(ferry_easy *e, int status) {
  ferry__wsx *w = e->ws;
  int r;

  if (w == NULL)
    return FERRYE_OK;
  if (status != 101) {
    if (e->follow)
      return FERRYE_OK; /* a redirect or an authentication retry */
    snprintf(e->errtext, sizeof(e->errtext),
             "Refused WebSocket upgrade: %d", status);
    return FERRYE_HTTP_RETURNED_ERROR;
  }
  r = ferry__ws_handshake_finish(&w->hs, status);
  if (r != 0) {
    snprintf(e->errtext, sizeof(e->errtext), "WebSocket handshake: %s",
             w->hs.errmsg[0] ? w->hs.errmsg : ferry__ws_strerror(r));
    return FERRYE_WEIRD_SERVER_REPLY;
  }
  if (ferry__trace_on(e))
    ferry__infof(e, "Switched to WebSocket%s%.*s%s",
                 w->hs.protocol ? " (subprotocol " : "",
                 w->hs.protocol ? (int)w->hs.protocol_len : 0,
                 w->hs.protocol ? w->hs.protocol : "",
                 w->hs.protocol ? ")" : "");
  return FERRYE_OK;
}

/* ---- callback mode ---------------------------------------------------- */

/* A chunk of a frame to the write callback, ferry_ws_meta telling of it. */
static ferry_code hook_chunk(void *ud, const struct ferry_ws_frame *meta,
                             const char *p, size_t n) {
  ferry_easy *e = ud;
  ferry_multi *m = e->multi;
  ferry__wsx *w = e->ws;
  size_t got;

  if (n > 0 && ferry__trace_on(e))
    ferry__trace_data(e, FERRYINFO_DATA_IN, p, n);
  w->meta = *meta;
  w->in_write = 1;
  FERRY__CALLBACK_ENTER(m);
  if (e->set.writefn)
    got = e->set.writefn((char *)p, 1, n, e->set.writedata);
  else
    got = fwrite(p, 1, n, e->set.writedata ? (FILE *)e->set.writedata : stdout);
  FERRY__CALLBACK_LEAVE(m);
  w->in_write = 0;
  if (got == FERRY_WRITEFUNC_PAUSE) {
    /* the chunk is given again when the transfer is unpaused */
    e->pause_recv = 1;
    return FERRYE_AGAIN;
  }
  if (got != n) {
    snprintf(e->errtext, sizeof(e->errtext),
             "Failure writing output to destination, passed %zu returned %zu",
             n, got);
    return FERRYE_WRITE_ERROR;
  }
  e->dl_bytes += (ferry_off_t)n;
  return FERRYE_OK;
}

/* The close handshake is done: the server has a while to close. */
static void hook_closed(void *ud) {
  ferry_easy *e = ud;
  e->ws_linger_ms = ferry__now_ms() + FERRY__WS_LINGER_MS;
  if (ferry__trace_on(e))
    ferry__infof(e, "WebSocket close handshake done: waiting %d ms at most "
                    "for the server to close the connection",
                 FERRY__WS_LINGER_MS);
  e->ws->deadline_changed(e);
}

static const ferry__ws_session_hooks session_hooks = {hook_chunk, hook_closed};

ferry_code ferry__ws_begin_session(ferry_easy *e, ferry__buf *rest,
                                   void (*deadline_changed)(ferry_easy *e)) {
  ferry__ws_session_config cfg;
  ferry_code rc;

  cfg.raw = (e->set.ws_options & FERRYWS_RAW_MODE) != 0;
  cfg.autopong = (e->set.ws_options & FERRYWS_NOAUTOPONG) == 0;
  /* UPLOAD with a read callback: libcurl 8.16's READFUNCTION model */
  cfg.upload = e->set.upload != 0;
  if (cfg.upload) {
    e->stream.pull = 1;
    e->stream.body_len = -2; /* as long as the application gives */
    e->stream.eof = 0;
    e->upload_read = 0;
  }
  e->ws->deadline_changed = deadline_changed; /* before rest is read */
  rc = ferry__ws_session_start(e->conn, &e->stream, &session_hooks, e, &cfg,
                               rest);
  if (rc != FERRYE_OK)
    return rc;
  e->ws->switched = 1;
  if (ferry__trace_on(e))
    ferry__infof(e, "WebSocket: frames go to the write callback%s",
                 cfg.raw ? " (raw mode)" : "");
  return FERRYE_OK;
}

/* ---- CONNECT_ONLY ------------------------------------------------------- */

ferry_code ferry__ws_connect_only(ferry_easy *e) {
  ferry__wsx *w = e->ws;
  endpoint_free(w);
  w->ep = ferry__malloc(sizeof(*w->ep));
  if (w->ep == NULL)
    return FERRYE_OUT_OF_MEMORY;
  ferry__wsep_init(w->ep,
                   (e->set.ws_options &
                    (FERRYWS_NOAUTOPONG | FERRYWS_RAW_MODE)) == 0,
                   1);
  ferry__buf_init(&w->in, CONNECT_ONLY_READ);
  w->switched = 1;
  return FERRYE_OK;
}

/* Report a failure of a ws call: the text to ERRORBUFFER and the trace. */
static ferry_code ws_result(ferry_easy *e, ferry_code rc, const char *why) {
  if (rc == FERRYE_OK || rc == FERRYE_AGAIN)
    return rc;
  if (why == NULL || why[0] == '\0')
    why = ferry_easy_strerror(rc);
  if (e->set.errorbuffer != NULL)
    snprintf(e->set.errorbuffer, FERRY_ERROR_SIZE, "%s", why);
  if (ferry__trace_on(e))
    ferry__infof(e, "%s", why);
  return rc;
}

/* The CONNECT_ONLY endpoint, if the handle has one with its connection. */
static ferry__wsep *connect_only_ep(ferry_easy *e) {
  if (e->ws == NULL || e->ws->ep == NULL || e->raw.conn == NULL)
    return NULL;
  return e->ws->ep;
}

/* Write the endpoint's queue to the handed-over connection, as far as it
 * takes it. FERRYE_OK (perhaps with bytes left), or the send's error. */
static ferry_code raw_flush(ferry_easy *e, ferry__wsep *ep, char *why,
                            size_t whylen) {
  for (;;) {
    const char *p;
    size_t n = ferry__wsep_pending(ep, &p), k = 0;
    ferry_code rc;
    if (n == 0)
      return FERRYE_OK;
    rc = ferry__raw_send(&e->raw, p, n, &k, why, whylen);
    if (rc == FERRYE_AGAIN)
      return FERRYE_OK;
    if (rc != FERRYE_OK)
      return rc;
    if (ferry__trace_on(e))
      ferry__trace_data(e, FERRYINFO_DATA_OUT, p, k);
    ferry__wsep_wrote(ep, k);
  }
}

/* Queue what the endpoint owes (pongs, the close reply) and write. */
static ferry_code raw_pump(ferry_easy *e, ferry__wsep *ep, char *why,
                           size_t whylen) {
  if (ferry__wsep_pump(ep) != 0)
    return FERRYE_OUT_OF_MEMORY;
  return raw_flush(e, ep, why, whylen);
}

/* The server broke the protocol while ferry_ws_recv decoded: close with
 * the status it deserves (best effort) and say what happened. */
static ferry_code recv_failed(ferry_easy *e, ferry__wsep *ep, int code,
                              char *why, size_t whylen) {
  int status = ferry__ws_close_status(code);
  char ignored[FERRY_ERROR_SIZE];

  ferry__wsep_fail(ep, code);
  raw_pump(e, ep, ignored, sizeof(ignored));
  if (status != 0)
    snprintf(why, whylen, "WebSocket: %s (closed with %d)", ep->dec.errmsg,
             status);
  else
    snprintf(why, whylen, "WebSocket: %s", ep->dec.errmsg);
  return code == FERRY__WS_ERR_FRAME_TOO_BIG ||
                 code == FERRY__WS_ERR_MESSAGE_TOO_BIG
             ? FERRYE_TOO_LARGE
             : FERRYE_RECV_ERROR;
}

/* Hand out the rest of a control frame's payload that did not fit. */
static void ctrl_out(ferry__wsx *w, char *buf, size_t buflen, size_t *recv) {
  size_t k = w->ctrl_len - w->ctrl_off;
  if (k > buflen)
    k = buflen;
  if (k > 0)
    memcpy(buf, w->ctrl + w->ctrl_off, k);
  w->meta = w->ctrl_meta;
  w->meta.offset = (ferry_off_t)w->ctrl_off;
  w->meta.len = k;
  w->ctrl_off += k;
  w->meta.bytesleft = (ferry_off_t)(w->ctrl_len - w->ctrl_off);
  *recv = k;
  if (w->ctrl_off == w->ctrl_len)
    w->ctrl_len = w->ctrl_off = 0;
}

static ferry_code ws_recv(ferry_easy *e, char *buf, size_t buflen,
                          size_t *recv, const struct ferry_ws_frame **meta,
                          char *why, size_t whylen) {
  ferry__wsx *w = e->ws;
  ferry__wsep *ep = connect_only_ep(e);
  ferry_code rc;

  if (ep == NULL) {
    if (!e->set.connect_only) {
      snprintf(why, whylen, "WebSocket: ferry_ws_recv needs CONNECT_ONLY");
      return FERRYE_UNSUPPORTED_PROTOCOL;
    }
    snprintf(why, whylen,
             "WebSocket: the handle has no WebSocket connection (not a ws "
             "URL, not performed, or closed)");
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  }
  if (w->ctrl_len > 0) {
    ctrl_out(w, buf, buflen, recv);
    *meta = &w->meta;
    return FERRYE_OK;
  }
  for (;;) {
    const char *d;
    size_t used = 0, k = 0;
    int r;

    if (w->in.len > w->in_off || ep->dec.state != FERRY__WS_DEC_HEADER ||
        ep->dec.hdr_len > 0) {
      r = ferry__wsep_recv(ep, w->in.data ? w->in.data + w->in_off : "",
                           w->in.len - w->in_off, buflen, &used, &d, &k);
      if (r < 0)
        return recv_failed(e, ep, r, why, whylen);
      if (r == 1) {
        if ((ep->meta.flags & (FERRYWS_CLOSE | FERRYWS_PING | FERRYWS_PONG)) &&
            k > buflen) {
          /* a control frame's payload that does not fit: in parts */
          memcpy(w->ctrl, d, k);
          w->ctrl_len = k;
          w->ctrl_off = 0;
          w->ctrl_meta = ep->meta;
          ctrl_out(w, buf, buflen, recv);
        } else {
          if (k > 0)
            memcpy(buf, d, k);
          w->meta = ep->meta;
          *recv = k;
        }
        w->in_off += used;
        *meta = &w->meta;
        break;
      }
      w->in_off += used;
    }
    /* everything read is decoded: read more */
    ferry__buf_reset(&w->in);
    w->in_off = 0;
    {
      char tmp[CONNECT_ONLY_READ];
      size_t got = 0;
      rc = ferry__raw_recv(&e->raw, tmp, sizeof(tmp), &got, why, whylen);
      if (rc == FERRYE_AGAIN) {
        /* what is owed goes out meanwhile */
        char ignored[FERRY_ERROR_SIZE];
        raw_pump(e, ep, ignored, sizeof(ignored));
        ferry__buf_free(&w->in); /* an idle connection keeps no buffer */
        return FERRYE_AGAIN;
      }
      if (rc != FERRYE_OK)
        return rc;
      if (got == 0) {
        int eof = ferry__wsep_eof(ep);
        if (eof == 0)
          snprintf(why, whylen, "WebSocket: the server closed the connection");
        else
          snprintf(why, whylen, "WebSocket: %s", ep->dec.errmsg);
        return FERRYE_GOT_NOTHING;
      }
      if (ferry__trace_on(e))
        ferry__trace_data(e, FERRYINFO_DATA_IN, tmp, got);
      if (ferry__buf_add(&w->in, tmp, got) != 0)
        return FERRYE_OUT_OF_MEMORY;
    }
  }
  if (w->in_off == w->in.len) {
    ferry__buf_reset(&w->in);
    w->in_off = 0;
  }
  /* pongs and the close reply go out now: the application may not send
   * for a while */
  {
    char ignored[FERRY_ERROR_SIZE];
    raw_pump(e, ep, ignored, sizeof(ignored));
  }
  return FERRYE_OK;
}

ferry_code ferry_ws_recv(ferry_easy *e, void *buffer, size_t buflen,
                         size_t *recv, const struct ferry_ws_frame **meta) {
  char why[FERRY_ERROR_SIZE] = "";
  ferry_code rc;

  if (recv != NULL)
    *recv = 0;
  if (meta != NULL)
    *meta = NULL;
  if (!ferry__easy_valid(e) || recv == NULL || meta == NULL ||
      (buffer == NULL && buflen > 0))
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  rc = ws_recv(e, buffer, buflen, recv, meta, why, sizeof(why));
  if (rc != FERRYE_OK)
    *meta = NULL;
  return ws_result(e, rc, why);
}

static ferry_code ws_send_connect_only(ferry_easy *e, ferry__wsep *ep,
                                       const void *buffer, size_t buflen,
                                       size_t *sent, ferry_off_t fragsize,
                                       unsigned flags, char *why,
                                       size_t whylen) {
  size_t taken = 0;
  ferry_code rc, wrc;

  /* what waits goes first: the queue has room for more then */
  wrc = raw_flush(e, ep, why, whylen);
  if (wrc != FERRYE_OK)
    return wrc;
  if (e->set.ws_options & FERRYWS_RAW_MODE) {
    if (flags != 0 || fragsize != 0) {
      snprintf(why, whylen,
               "WebSocket: flags and fragsize must be 0 in RAW_MODE");
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    }
    rc = ferry__wsep_send_raw(ep, buffer, buflen, CONNECT_ONLY_ROOM, &taken);
  } else {
    rc = ferry__wsep_send(ep, buffer, buflen, fragsize, flags,
                          CONNECT_ONLY_ROOM, &taken, why, whylen);
  }
  if (rc != FERRYE_OK && rc != FERRYE_AGAIN)
    return rc;
  wrc = raw_flush(e, ep, why, whylen);
  if (wrc != FERRYE_OK)
    return wrc;
  /* as libcurl: payload counts as sent once it is written */
  *sent = ferry__wsep_report(ep, 1);
  if (*sent > 0)
    return FERRYE_OK;
  if (rc == FERRYE_AGAIN || ferry__wsep_frame_queued(ep))
    return FERRYE_AGAIN;
  return FERRYE_OK;
}

ferry_code ferry_ws_send(ferry_easy *e, const void *buffer, size_t buflen,
                         size_t *sent, ferry_off_t fragsize,
                         unsigned int flags) {
  char why[FERRY_ERROR_SIZE] = "";
  size_t dummy = 0;
  ferry__wsep *ep;
  ferry_code rc;

  if (sent == NULL)
    sent = &dummy;
  *sent = 0;
  if (!ferry__easy_valid(e) || (buffer == NULL && buflen > 0))
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  if ((ep = connect_only_ep(e)) != NULL) {
    rc = ws_send_connect_only(e, ep, buffer, buflen, sent, fragsize, flags,
                              why, sizeof(why));
  } else if (e->stream.session != NULL &&
             ferry__session_is_ws(e->stream.session)) {
    int in_callback = e->multi != NULL && e->multi->in_callback > 0;
    rc = ferry__ws_session_send(e->stream.session, buffer, buflen, fragsize,
                                flags, in_callback, sent, why, sizeof(why));
  } else {
    snprintf(why, sizeof(why),
             "WebSocket: the handle has no WebSocket connection");
    rc = FERRYE_SEND_ERROR;
  }
  return ws_result(e, rc, why);
}

ferry_code ferry_ws_start_frame(ferry_easy *e, unsigned int flags,
                                ferry_off_t frame_len) {
  char why[FERRY_ERROR_SIZE] = "";
  ferry__wsep *ep;
  ferry_code rc;

  if (!ferry__easy_valid(e))
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  if (e->set.ws_options & FERRYWS_RAW_MODE) {
    snprintf(why, sizeof(why),
             "WebSocket: ferry_ws_start_frame does not work in RAW_MODE");
    rc = FERRYE_FAILED_INIT;
  } else if ((ep = connect_only_ep(e)) != NULL) {
    rc = ferry__wsep_start_frame(ep, flags, frame_len, why, sizeof(why));
  } else if (e->stream.session != NULL &&
             ferry__session_is_ws(e->stream.session)) {
    rc = ferry__ws_session_start_frame(e->stream.session, flags, frame_len,
                                       why, sizeof(why));
  } else {
    snprintf(why, sizeof(why),
             "WebSocket: the handle has no WebSocket connection");
    rc = FERRYE_SEND_ERROR;
  }
  return ws_result(e, rc, why);
}

const struct ferry_ws_frame *ferry_ws_meta(ferry_easy *e) {
  if (!ferry__easy_valid(e) || e->ws == NULL || !e->ws->in_write ||
      (e->set.ws_options & FERRYWS_RAW_MODE))
    return NULL;
  return &e->ws->meta;
}

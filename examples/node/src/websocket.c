/* WebSockets in the addon: a ws:// or wss:// transfer in libcurl's callback
 * mode on the environment's multi, as index.js's WebSocket sees it.
 *
 * Receiving: the write callback gets each chunk of a frame with
 * ferry_ws_meta; chunks are put together into messages (a fragmented
 * message into one), each handed to JS whole: text as a string (ferry has
 * checked it is UTF-8), binary as a Buffer, pongs too. A close frame's
 * status and reason are kept for the 'close' event; ferry answers it.
 *
 * Sending (libcurl 8.16's READFUNCTION model): send() queues a message
 * here; ferry asks the read callback for bytes when its own send queue has
 * room, and each message goes out as one frame started with
 * ferry_ws_start_frame. With nothing queued the callback returns
 * READFUNC_PAUSE, and the next send unpauses the transfer. What waits here
 * is the bufferedAmount; 'drain' comes when it is taken to the last byte.
 * So back-pressure reaches JS without a thread or a poll of ours.
 *
 * The open event comes from the header callback, at the end of the 101's
 * header section; the end of the transfer is the close event. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addon.h"

/* The largest message put together for JS unless opts.maxPayload says
 * otherwise (larger ones fail the connection: a write error). */
#define DEFAULT_MAX_PAYLOAD (100u * 1024 * 1024)

typedef struct wsmsg {
  struct wsmsg *next;
  unsigned flags;          /* FERRYWS_TEXT, BINARY, PING or CLOSE */
  size_t len, off;
  char data[];
} wsmsg;

struct fnode_ws {
  wsmsg *head, *tail;      /* messages to send, oldest first */
  size_t queued;           /* their bytes not taken by ferry yet */
  int read_paused;         /* the read callback returned PAUSE */
  int in_read;             /* JS runs from inside the read callback */
  int started;             /* the head message's frame is started */
  int close_queued;        /* close() was called: nothing after it */
  int upload_done;         /* the close frame went: no more reads */
  int opened;
  char protocol[128];
  /* the message being received */
  char *msg;
  size_t msg_len, msg_cap, max_payload;
  /* the server's close frame */
  int got_close;
  int close_code;
  char close_reason[126];
  size_t close_reason_len;
};

/* ---- sending: the read callback ---------------------------------------- */

static void emit_drain(request *r);

static size_t on_read(char *buf, size_t size, size_t nitems, void *ud) {
  request *r = ud;
  struct fnode_ws *w = r->ws;
  size_t cap = size * nitems, k;
  wsmsg *m = w->head;

  if (r->cancelled)
    return FERRY_READFUNC_ABORT;
  if (m == NULL) {
    if (w->upload_done)
      return 0; /* the close went: the upload ends */
    w->read_paused = 1;
    return FERRY_READFUNC_PAUSE;
  }
  if (!w->started) {
    if (ferry_ws_start_frame(r->easy, m->flags, (ferry_off_t)m->len) !=
        FERRYE_OK)
      return FERRY_READFUNC_ABORT;
    w->started = 1;
  }
  k = m->len - m->off < cap ? m->len - m->off : cap;
  memcpy(buf, m->data + m->off, k);
  m->off += k;
  w->queued -= k;
  if (m->off == m->len) {
    /* this frame is done: the next read starts the next one */
    w->head = m->next;
    if (w->head == NULL)
      w->tail = NULL;
    if (m->flags == FERRYWS_CLOSE)
      w->upload_done = 1;
    free(m);
    w->started = 0;
    if (w->head == NULL && !w->upload_done) {
      w->in_read = 1;
      emit_drain(r); /* JS may send more from 'drain': read next time */
      w->in_read = 0;
    }
  }
  return k;
}

/* ---- receiving: header and write callbacks -------------------------- */

static void emit_open(request *r);
static int emit_message(request *r, int type);

static size_t on_header(char *p, size_t size, size_t nitems, void *ud) {
  request *r = ud;
  struct fnode_ws *w = r->ws;
  size_t len = size * nitems;

  if (r->cancelled)
    return 0;
  if (len >= 12 && memcmp(p, "HTTP/", 5) == 0) {
    const char *sp = memchr(p, ' ', len);
    r->status = sp && (size_t)(sp - p) + 4 <= len ? atoi(sp + 1) : 0;
    w->protocol[0] = '\0';
    return len;
  }
  if (len > 23 && strncasecmp(p, "Sec-WebSocket-Protocol:", 23) == 0) {
    const char *v = p + 23, *e = p + len;
    while (v < e && (*v == ' ' || *v == '\t'))
      v++;
    while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' '))
      e--;
    if ((size_t)(e - v) < sizeof(w->protocol)) {
      memcpy(w->protocol, v, (size_t)(e - v));
      w->protocol[e - v] = '\0';
    }
    return len;
  }
  if (len <= 2 && (p[0] == '\r' || p[0] == '\n') && r->status == 101 &&
      !w->opened) {
    w->opened = 1;
    emit_open(r);
    if (r->cancelled)
      return 0;
  }
  return len;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud) {
  request *r = ud;
  struct fnode_ws *w = r->ws;
  const struct ferry_ws_frame *m = ferry_ws_meta(r->easy);
  size_t len = size * nmemb;

  if (r->cancelled || m == NULL)
    return 0;
  if (m->flags & FERRYWS_CLOSE) {
    /* status (2 bytes) then the reason, in one chunk or more */
    size_t at = (size_t)m->offset;
    for (size_t i = 0; i < len; i++, at++) {
      if (at < 2)
        w->close_code = (w->close_code << 8) | (unsigned char)p[i];
      else if (at - 2 < sizeof(w->close_reason))
        w->close_reason[at - 2] = p[i];
    }
    if (at >= 2)
      w->close_reason_len = at - 2;
    w->got_close = 1;
    return len;
  }
  if (m->flags & FERRYWS_PING)
    return len; /* ferry answers it */
  if (w->msg_len + len > w->max_payload)
    return 0; /* the message is too large: the transfer fails */
  if (w->msg_len + len > w->msg_cap) {
    size_t cap = w->msg_cap ? w->msg_cap : 4096;
    char *n;
    while (cap < w->msg_len + len)
      cap *= 2;
    n = realloc(w->msg, cap);
    if (n == NULL)
      return 0;
    w->msg = n;
    w->msg_cap = cap;
  }
  memcpy(w->msg + w->msg_len, p, len);
  w->msg_len += len;
  if (m->bytesleft > 0 || (m->flags & FERRYWS_CONT))
    return len; /* more of the message comes */
  if (emit_message(r, (m->flags & FERRYWS_TEXT)     ? 0
                      : (m->flags & FERRYWS_BINARY) ? 1
                                                    : 2) < 0)
    return 0;
  return len;
}

/* ---- calls into JS -------------------------------------------------- */

static void call(request *r, napi_ref fn, size_t argc, napi_value *argv) {
  addon *a = r->a;
  request *outer = a->in_callback;
  a->in_callback = r;
  fnode_call_js(a, fn, argc, argv, 1);
  a->in_callback = outer;
}

static void emit_open(request *r) {
  napi_env env = r->a->env;
  napi_handle_scope hs;
  napi_value argv[2];

  napi_open_handle_scope(env, &hs);
  napi_create_uint32(env, r->id, &argv[0]);
  napi_create_string_utf8(env, r->ws->protocol, NAPI_AUTO_LENGTH, &argv[1]);
  call(r, r->a->ws_on_open, 2, argv);
  napi_close_handle_scope(env, hs);
}

/* type: 0 text, 1 binary, 2 pong. Returns -1 when cancelled meanwhile. */
static int emit_message(request *r, int type) {
  struct fnode_ws *w = r->ws;
  napi_env env = r->a->env;
  napi_handle_scope hs;
  napi_value argv[3];

  napi_open_handle_scope(env, &hs);
  napi_create_uint32(env, r->id, &argv[0]);
  if (type == 0)
    napi_create_string_utf8(env, w->msg ? w->msg : "", w->msg_len, &argv[1]);
  else
    napi_create_buffer_copy(env, w->msg_len, w->msg ? w->msg : "", NULL,
                            &argv[1]);
  napi_create_int32(env, type, &argv[2]);
  w->msg_len = 0;
  if (w->msg_cap > 65536) {
    free(w->msg); /* an idle socket keeps no big buffer */
    w->msg = NULL;
    w->msg_cap = 0;
  }
  call(r, r->a->ws_on_message, 3, argv);
  napi_close_handle_scope(env, hs);
  return r->cancelled ? -1 : 0;
}

static void emit_drain(request *r) {
  napi_env env = r->a->env;
  napi_handle_scope hs;
  napi_value argv[1];

  napi_open_handle_scope(env, &hs);
  napi_create_uint32(env, r->id, &argv[0]);
  call(r, r->a->ws_on_drain, 1, argv);
  napi_close_handle_scope(env, hs);
}

void fnode_ws_done(request *r, ferry_code code) {
  struct fnode_ws *w = r->ws;
  napi_env env = r->a->env;
  napi_handle_scope hs;
  napi_value argv[5];
  int status = w->got_close ? (w->close_code ? w->close_code : 1005) : 1006;

  napi_open_handle_scope(env, &hs);
  napi_create_uint32(env, r->id, &argv[0]);
  napi_create_int32(env, status, &argv[1]);
  napi_create_string_utf8(env, w->close_reason, w->close_reason_len, &argv[2]);
  napi_create_int32(env, (int32_t)code, &argv[3]);
  if (code != FERRYE_OK)
    napi_create_string_utf8(env, r->errbuf[0] ? r->errbuf
                                              : ferry_easy_strerror(code),
                            NAPI_AUTO_LENGTH, &argv[4]);
  else
    napi_get_undefined(env, &argv[4]);
  fnode_call_js(r->a, r->a->ws_on_close, 5, argv, 0);
  napi_close_handle_scope(env, hs);
}

void fnode_ws_free(struct fnode_ws *w) {
  if (w == NULL)
    return;
  while (w->head != NULL) {
    wsmsg *m = w->head;
    w->head = m->next;
    free(m);
  }
  free(w->msg);
  free(w);
}

/* ---- the functions index.js calls --------------------------------------- */

/* The bytes of a string (UTF-8) or a Buffer / typed array v. */
static int bytes_of(napi_env env, napi_value v, char **copy, const char **p,
                    size_t *len) {
  napi_valuetype t;
  bool is_buf = false, is_ta = false;

  *copy = NULL;
  napi_typeof(env, v, &t);
  if (t == napi_string) {
    size_t n;
    napi_get_value_string_utf8(env, v, NULL, 0, &n);
    *copy = malloc(n + 1);
    if (*copy == NULL)
      return -1;
    napi_get_value_string_utf8(env, v, *copy, n + 1, &n);
    *p = *copy;
    *len = n;
    return 0;
  }
  napi_is_buffer(env, v, &is_buf);
  if (is_buf) {
    void *d;
    napi_get_buffer_info(env, v, &d, len);
    *p = d;
    return 0;
  }
  napi_is_typedarray(env, v, &is_ta);
  if (is_ta) {
    napi_typedarray_type tt;
    size_t elems, off;
    napi_value ab;
    void *d;
    static const size_t sizes[] = {1, 1, 1, 2, 2, 4, 4, 4, 8, 8, 8};
    napi_get_typedarray_info(env, v, &tt, &elems, &d, &ab, &off);
    *p = d;
    *len = elems * ((size_t)tt < sizeof(sizes) / sizeof(sizes[0])
                        ? sizes[tt] : 1);
    return 0;
  }
  return -1;
}

/* Queue a frame; the transfer is unpaused when its read callback waits. */
static int queue(request *r, unsigned flags, const char *p, size_t len) {
  struct fnode_ws *w = r->ws;
  wsmsg *m = malloc(sizeof(*m) + len);

  if (m == NULL)
    return -1;
  m->next = NULL;
  m->flags = flags;
  m->len = len;
  m->off = 0;
  if (len > 0)
    memcpy(m->data, p, len);
  if (w->tail)
    w->tail->next = m;
  else
    w->head = m;
  w->tail = m;
  w->queued += len;
  if (w->read_paused && !w->in_read) {
    /* from inside the read callback the queue is looked at again before
     * it returns; anywhere else (the write callback too) ferry resumes
     * the upload from the loop */
    w->read_paused = 0;
    ferry_easy_pause(r->easy, FERRY_PAUSE_CONT);
  }
  return 0;
}

static request *ws_request(addon *a, napi_env env, napi_value idv) {
  uint32_t id = 0;
  napi_get_value_uint32(env, idv, &id);
  for (request *r = a->live; r != NULL; r = r->next)
    if (r->id == id && r->ws != NULL && !r->cancelled)
      return r;
  return NULL;
}

static napi_value number(napi_env env, double v) {
  napi_value n;
  napi_create_double(env, v, &n);
  return n;
}

/* wsSend(id, data, binary) -> bufferedAmount, or -1 when not open */
napi_value fnode_js_ws_send(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  void *data;
  addon *a;
  request *r;
  char *copy;
  const char *p = NULL;
  size_t len = 0;
  bool binary = false;

  napi_get_cb_info(env, info, &argc, argv, NULL, &data);
  a = data;
  r = argc >= 3 ? ws_request(a, env, argv[0]) : NULL;
  if (r == NULL || r->ws->close_queued)
    return number(env, -1);
  if (bytes_of(env, argv[1], &copy, &p, &len) != 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "send() takes a string, Buffer or typed array");
    return NULL;
  }
  napi_get_value_bool(env, argv[2], &binary);
  if (queue(r, binary ? FERRYWS_BINARY : FERRYWS_TEXT, p, len) != 0) {
    free(copy);
    napi_throw_error(env, "OUT_OF_MEMORY", "out of memory");
    return NULL;
  }
  free(copy);
  return number(env, (double)r->ws->queued);
}

/* wsPing(id, data) */
napi_value fnode_js_ws_ping(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  void *data;
  request *r;
  char *copy;
  const char *p = NULL;
  size_t len = 0;

  napi_get_cb_info(env, info, &argc, argv, NULL, &data);
  r = argc >= 2 ? ws_request(data, env, argv[0]) : NULL;
  if (r == NULL || r->ws->close_queued)
    return NULL;
  if (bytes_of(env, argv[1], &copy, &p, &len) != 0 || len > 125) {
    free(copy);
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE",
                          "ping() takes at most 125 bytes");
    return NULL;
  }
  queue(r, FERRYWS_PING, p, len);
  free(copy);
  return NULL;
}

/* wsClose(id, code, reason): a close frame after what is queued */
napi_value fnode_js_ws_close(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  void *data;
  request *r;
  char *copy = NULL, payload[125];
  const char *p = NULL;
  size_t len = 0;
  int32_t code = 0;

  napi_get_cb_info(env, info, &argc, argv, NULL, &data);
  r = argc >= 3 ? ws_request(data, env, argv[0]) : NULL;
  if (r == NULL || r->ws->close_queued)
    return NULL;
  napi_get_value_int32(env, argv[1], &code);
  if (bytes_of(env, argv[2], &copy, &p, &len) != 0 || len > 123) {
    free(copy);
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE",
                          "close() takes a reason of at most 123 bytes");
    return NULL;
  }
  payload[0] = (char)(code >> 8);
  payload[1] = (char)code;
  if (len > 0)
    memcpy(payload + 2, p, len);
  free(copy);
  r->ws->close_queued = 1;
  queue(r, FERRYWS_CLOSE, payload, code ? len + 2 : 0);
  return NULL;
}

/* wsBuffered(id) -> bytes queued and not taken by ferry */
napi_value fnode_js_ws_buffered(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data;
  request *r;

  napi_get_cb_info(env, info, &argc, argv, NULL, &data);
  r = argc >= 1 ? ws_request(data, env, argv[0]) : NULL;
  return number(env, r ? (double)r->ws->queued : 0);
}

#define SETOPT(opt, val)                                                       \
  do {                                                                         \
    if (ferry_easy_setopt(r->easy, opt, val) != FERRYE_OK)                     \
      goto failed;                                                             \
  } while (0)

/* wsStart(url, opts) -> id. opts: headers, protocols (a string already
 * joined by index.js), timeout, caFile, insecure, maxPayload. */
request *fnode_ws_start(addon *a, napi_value url, napi_value opts) {
  napi_env env = a->env;
  request *r = fnode_request_new(a, url, opts);
  struct fnode_ws *w;
  napi_value v;
  int64_t n;

  if (r == NULL)
    return NULL;
  w = r->ws = calloc(1, sizeof(*w));
  if (w == NULL)
    goto failed;
  w->max_payload = DEFAULT_MAX_PAYLOAD;
  if (opts != NULL && napi_get_named_property(env, opts, "maxPayload", &v) ==
                          napi_ok &&
      napi_get_value_int64(env, v, &n) == napi_ok && n > 0)
    w->max_payload = (size_t)n;
  SETOPT(FERRYOPT_WRITEFUNCTION, on_write);
  SETOPT(FERRYOPT_HEADERFUNCTION, on_header);
  SETOPT(FERRYOPT_READFUNCTION, on_read);
  SETOPT(FERRYOPT_READDATA, (void *)r);
  SETOPT(FERRYOPT_UPLOAD, 1L);
  if (fnode_request_add(r) == 0)
    return r;
  napi_throw_error(env, NULL, "could not add the transfer");
  fnode_request_free(r);
  return NULL;
failed:
  napi_throw_error(env, "OUT_OF_MEMORY", "could not set up the WebSocket");
  fnode_request_free(r);
  return NULL;
}

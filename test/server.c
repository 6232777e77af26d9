/* The scripted HTTP test server (see server.h).
 *
 * Threads: the server thread runs the loop and owns every handle. Other
 * threads only set scripts and copy out logs and counters, all under
 * server->lock. The server thread is the only writer of the receive logs,
 * the connection list and the request list; it takes the lock to change
 * them, and reads them without it.
 *
 * Lifetime: scripts, connections and their logs live until tserver_stop(),
 * after the loop has ended. A write points into its script's data, and a
 * connection's handles are embedded in it, so nothing a callback touches is
 * freed while the loop runs.
 *
 * Memory: this is test code, so an allocation failure aborts the test.
 */
#include "server.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define READ_BUFFER_SIZE 65536
#define LISTEN_BACKLOG 1024

/* -- allocation --------------------------------------------------------- */

static void *xrealloc(void *p, size_t size) {
  p = realloc(p, size ? size : 1);
  if (p == NULL) {
    fprintf(stderr, "tserver: out of memory\n");
    abort();
  }
  return p;
}

static void *xcalloc(size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (p == NULL) {
    fprintf(stderr, "tserver: out of memory\n");
    abort();
  }
  return p;
}

/* Make room for at least `need` elements of `size` bytes in *array. */
static void array_reserve(void **array, size_t *cap, size_t need,
                          size_t size) {
  size_t n = *cap ? *cap : 16;
  if (need <= *cap)
    return;
  while (n < need)
    n *= 2;
  *array = xrealloc(*array, n * size);
  *cap = n;
}

/* -- request framing (no I/O) ------------------------------------------- */

/* The framer reads one request from a growing byte log. It keeps absolute
 * offsets into the log, so each call goes on where the last one stopped
 * and no byte is scanned twice (except the tail of an unfinished line). */
#define FRAMER_STATES(X)                                                      \
  X(IDLE)           /* between requests */                                    \
  X(HEAD)           /* request line and header lines */                       \
  X(BODY)           /* Content-Length body */                                 \
  X(CHUNK_SIZE)     /* chunk size line */                                     \
  X(CHUNK_DATA)     /* chunk data */                                          \
  X(CHUNK_DATA_END) /* CRLF after chunk data */                               \
  X(TRAILERS)       /* trailer lines after the last chunk */

enum framer_state {
#define X(name) FRAMER_##name,
  FRAMER_STATES(X)
#undef X
};

static const char *framer_state_name(enum framer_state state) {
  switch (state) {
#define X(name)                                                               \
  case FRAMER_##name:                                                         \
    return #name;
    FRAMER_STATES(X)
#undef X
  }
  return "?";
}

enum frame_result {
  FRAME_NEED_MORE,   /* the log ends inside the request */
  FRAME_GOT_HEAD,    /* 100-continue: headers done, body still to come */
  FRAME_GOT_REQUEST, /* a whole request, [start, pos) */
  FRAME_MALFORMED
};

struct framer {
  enum framer_state state;
  size_t start;     /* first byte of the request */
  size_t pos;       /* first byte not yet parsed */
  size_t remaining; /* body or chunk bytes still to come */
  size_t content_length;
  int has_content_length;
  int chunked;
  int expect_continue;
  int seen_request_line;
  const char *error; /* why FRAME_MALFORMED */
};

static void framer_begin(struct framer *f, size_t offset) {
  memset(f, 0, sizeof(*f));
  f->state = FRAMER_HEAD;
  f->start = offset;
  f->pos = offset;
}

/* Find the line starting at f->pos. Sets *line and *line_len (without the
 * CRLF or LF) and returns the offset after the LF, or 0 if no full line. */
static size_t framer_next_line(const struct framer *f, const char *log,
                               size_t log_len, const char **line,
                               size_t *line_len) {
  const char *p, *lf;
  size_t n;

  if (f->pos >= log_len)
    return 0;
  p = log + f->pos;
  lf = memchr(p, '\n', log_len - f->pos);
  if (lf == NULL)
    return 0;
  n = (size_t)(lf - p);
  if (n > 0 && p[n - 1] == '\r')
    n--;
  *line = p;
  *line_len = n;
  return (size_t)(lf - log) + 1;
}

static int is_space(char c) {
  return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *len) {
  while (*len > 0 && is_space(**s)) {
    (*s)++;
    (*len)--;
  }
  while (*len > 0 && is_space((*s)[*len - 1]))
    (*len)--;
}

static int token_equals(const char *s, size_t len, const char *token) {
  return strlen(token) == len && strncasecmp(s, token, len) == 0;
}

static int parse_decimal(const char *s, size_t len, size_t *out) {
  size_t v = 0;
  if (len == 0)
    return -1;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    if (v > (SIZE_MAX - 9) / 10)
      return -1;
    v = v * 10 + (size_t)(s[i] - '0');
  }
  *out = v;
  return 0;
}

/* Note the headers that decide the framing. */
static int framer_header(struct framer *f, const char *line, size_t len) {
  const char *colon = memchr(line, ':', len);
  const char *value;
  size_t name_len, value_len;

  if (colon == NULL)
    return 0; /* not a header; framing does not care */
  name_len = (size_t)(colon - line);
  value = colon + 1;
  value_len = len - name_len - 1;
  trim(&value, &value_len);

  if (token_equals(line, name_len, "content-length")) {
    size_t n;
    if (parse_decimal(value, value_len, &n) != 0) {
      f->error = "bad Content-Length";
      return -1;
    }
    if (f->has_content_length && n != f->content_length) {
      f->error = "conflicting Content-Length headers";
      return -1;
    }
    f->has_content_length = 1;
    f->content_length = n;
  } else if (token_equals(line, name_len, "transfer-encoding")) {
    /* Chunked is the last coding when the value ends in "chunked". */
    if (value_len >= 7 &&
        strncasecmp(value + value_len - 7, "chunked", 7) == 0 &&
        (value_len == 7 || value[value_len - 8] == ',' ||
         is_space(value[value_len - 8])))
      f->chunked = 1;
  } else if (token_equals(line, name_len, "expect")) {
    if (token_equals(value, value_len, "100-continue"))
      f->expect_continue = 1;
  }
  return 0;
}

static int parse_chunk_size(const char *s, size_t len, size_t *out) {
  size_t v = 0, i = 0;

  for (; i < len; i++) {
    char c = s[i];
    int digit;
    if (c >= '0' && c <= '9')
      digit = c - '0';
    else if (c >= 'a' && c <= 'f')
      digit = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      digit = c - 'A' + 10;
    else
      break;
    if (v > (SIZE_MAX >> 4))
      return -1;
    v = (v << 4) | (size_t)digit;
  }
  if (i == 0)
    return -1;
  while (i < len && is_space(s[i]))
    i++;
  if (i < len && s[i] != ';')
    return -1;
  *out = v;
  return 0;
}

/* Parse as far as the log allows. After FRAME_GOT_HEAD, call again to
 * read the body. */
static enum frame_result framer_advance(struct framer *f, const char *log,
                                        size_t log_len) {
  for (;;) {
    const char *line;
    size_t line_len, next, take;

    switch (f->state) {
    case FRAMER_IDLE:
      return FRAME_GOT_REQUEST;

    case FRAMER_HEAD:
      next = framer_next_line(f, log, log_len, &line, &line_len);
      if (next == 0)
        return FRAME_NEED_MORE;
      f->pos = next;
      if (!f->seen_request_line) {
        if (line_len == 0)
          f->start = f->pos; /* empty line before the request: skip it */
        else
          f->seen_request_line = 1;
        break;
      }
      if (line_len > 0) {
        if (framer_header(f, line, line_len) != 0)
          return FRAME_MALFORMED;
        break;
      }
      /* The blank line: the headers are done. */
      if (f->chunked) {
        f->state = FRAMER_CHUNK_SIZE;
      } else if (f->has_content_length && f->content_length > 0) {
        f->state = FRAMER_BODY;
        f->remaining = f->content_length;
      } else {
        f->state = FRAMER_IDLE;
        return FRAME_GOT_REQUEST;
      }
      if (f->expect_continue)
        return FRAME_GOT_HEAD;
      break;

    case FRAMER_BODY:
    case FRAMER_CHUNK_DATA:
      take = log_len - f->pos;
      if (take > f->remaining)
        take = f->remaining;
      f->pos += take;
      f->remaining -= take;
      if (f->remaining > 0)
        return FRAME_NEED_MORE;
      if (f->state == FRAMER_BODY) {
        f->state = FRAMER_IDLE;
        return FRAME_GOT_REQUEST;
      }
      f->state = FRAMER_CHUNK_DATA_END;
      break;

    case FRAMER_CHUNK_SIZE:
      next = framer_next_line(f, log, log_len, &line, &line_len);
      if (next == 0)
        return FRAME_NEED_MORE;
      if (parse_chunk_size(line, line_len, &f->remaining) != 0) {
        f->error = "bad chunk size line";
        return FRAME_MALFORMED;
      }
      f->pos = next;
      f->state = f->remaining > 0 ? FRAMER_CHUNK_DATA : FRAMER_TRAILERS;
      break;

    case FRAMER_CHUNK_DATA_END:
      next = framer_next_line(f, log, log_len, &line, &line_len);
      if (next == 0)
        return FRAME_NEED_MORE;
      if (line_len != 0) {
        f->error = "chunk data not followed by CRLF";
        return FRAME_MALFORMED;
      }
      f->pos = next;
      f->state = FRAMER_CHUNK_SIZE;
      break;

    case FRAMER_TRAILERS:
      next = framer_next_line(f, log, log_len, &line, &line_len);
      if (next == 0)
        return FRAME_NEED_MORE;
      f->pos = next;
      if (line_len == 0) {
        f->state = FRAMER_IDLE;
        return FRAME_GOT_REQUEST;
      }
      break;
    }
  }
}

/* -- server state ------------------------------------------------------- */

struct ts_script {
  struct ts_script *next; /* in the server's list of every script made */
  ts_step *steps;         /* each step's data is its own copy */
  size_t nsteps;
  int loops;
};

struct ts_request {
  unsigned conn_index;
  size_t start; /* offset in that connection's log */
  size_t len;
};

struct ts_conn {
  tserver *server;
  unsigned index;
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_shutdown_t shutdown_req;
  const struct ts_script *script;

  size_t step;         /* the step running */
  size_t split_sent;   /* SEND_SPLIT: bytes of the step's data written */
  int delay_started;   /* DELAY: the timer has been started */
  int blocked;         /* waiting for a timer, a shutdown or the writes */
  int wait_for_writes; /* RESET: blocked until writes_pending is 0 */
  size_t writes_pending;
  int script_done; /* no more steps will run */
  int peer_eof;
  int shutdown_started;
  int write_shut; /* our FIN has been sent */
  int counted_closed;
  int closing; /* uv_close() called */

  /* Receive log; changes under server->lock. */
  char *log;
  size_t log_len;
  size_t log_cap;

  size_t cursor; /* the WAIT steps' read position in the log */
  struct framer framer;
  int body_pending; /* a 100-continue request's body is still to be read */
  unsigned pending_request; /* its index in server->requests */

  /* ROUTE: the route chosen for the request being answered (NULL until
   * chosen), and whether its 100 Continue went out. ROUTE_CLOSE reads
   * route_close, which the last ROUTE left. */
  const ts_route *route;
  int continue_sent;
  int route_close;
};

struct ts_write {
  uv_write_t req;
  struct ts_conn *conn;
  char *owned; /* freed once written: bytes made for this write */
};

struct tserver {
  uv_loop_t loop;
  uv_tcp_t listener;
  uv_async_t stop_async;
  uv_thread_t thread;
  int port;
  int loop_close_result;
  char read_buffer[READ_BUFFER_SIZE]; /* server thread only */

  uv_mutex_t lock; /* guards what follows */
  uv_cond_t closed_cond;
  struct ts_script *scripts_made;
  struct ts_script **scripts; /* by connection index; NULL: default */
  size_t nscripts;
  struct ts_script *default_script;
  struct ts_conn **conns;
  size_t nconns;
  size_t conns_cap;
  struct ts_request *requests;
  size_t nrequests;
  size_t requests_cap;
  unsigned nclosed;
  unsigned max_open; /* peak of nconns - nclosed, taken at each accept */
  ts_route *routes; /* tserver_routes(); each string its own copy */
  size_t nroutes;
};

static const struct ts_script empty_script;

/* -- connection ---------------------------------------------------------- */

static void conn_run_script(struct ts_conn *c);

static void conn_count_closed(struct ts_conn *c) {
  tserver *s = c->server;
  if (c->counted_closed)
    return;
  c->counted_closed = 1;
  uv_mutex_lock(&s->lock);
  s->nclosed++;
  uv_cond_broadcast(&s->closed_cond);
  uv_mutex_unlock(&s->lock);
}

/* Close now; queued writes and a pending shutdown are cancelled. */
static void conn_close(struct ts_conn *c) {
  if (c->closing)
    return;
  c->closing = 1;
  c->blocked = 1;
  c->script_done = 1;
  conn_count_closed(c);
  uv_close((uv_handle_t *)&c->tcp, NULL);
  uv_close((uv_handle_t *)&c->timer, NULL);
}

/* Close once the queued writes have reached the kernel. */
static void conn_close_after_writes(struct ts_conn *c) {
  c->script_done = 1;
  if (c->writes_pending == 0 && !c->shutdown_started)
    conn_close(c);
  /* else on_write() or on_shutdown() closes it */
}

static void conn_fail(struct ts_conn *c, const char *what, int err) {
  fprintf(stderr, "tserver: connection %u: %s: %s\n", c->index, what,
          uv_strerror(err));
  conn_close(c);
}

static void on_write(uv_write_t *req, int status) {
  struct ts_write *w = (struct ts_write *)req;
  struct ts_conn *c = w->conn;

  free(w->owned);
  free(w);
  c->writes_pending--;
  if (c->closing)
    return;
  if (status < 0) {
    /* The peer went away (EPIPE, ECONNRESET): that is what some tests do. */
    conn_close(c);
    return;
  }
  if (c->writes_pending > 0)
    return;
  if (c->wait_for_writes) {
    c->wait_for_writes = 0;
    c->blocked = 0;
    conn_run_script(c);
  } else if (c->script_done && c->peer_eof && !c->shutdown_started) {
    conn_close(c);
  }
}

/* Write len bytes of data; with owned, data was malloc'd for this write
 * and is freed once written. */
static void conn_write_buf(struct ts_conn *c, const char *data, size_t len,
                           int owned) {
  struct ts_write *w;
  uv_buf_t buf;
  int r;

  if (len == 0) {
    if (owned)
      free((char *)data);
    return;
  }
  w = xcalloc(1, sizeof(*w));
  w->conn = c;
  w->owned = owned ? (char *)data : NULL;
  buf = uv_buf_init((char *)data, (unsigned)len);
  r = uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_write);
  if (r != 0) {
    free(w->owned);
    free(w);
    conn_close(c);
    return;
  }
  c->writes_pending++;
}

static void conn_write(struct ts_conn *c, const char *data, size_t len) {
  conn_write_buf(c, data, len, 0);
}

/* An echo route's answer to the request req[0..len): its head (status line
 * and headers, without the blank line) and a body holding the request's
 * first line and its Host header line, each ending in "\n". */
static void conn_write_echo(struct ts_conn *c, const char *head,
                            size_t head_len, const char *req, size_t len) {
  const char *eol = memchr(req, '\n', len), *host = NULL, *p;
  size_t line_len = eol ? (size_t)(eol - req) : len, host_len = 0, body_len;
  char *out;
  int n;

  if (line_len > 0 && req[line_len - 1] == '\r')
    line_len--;
  for (p = eol; p != NULL && p + 1 < req + len;
       p = memchr(p + 1, '\n', (size_t)(req + len - p - 1))) {
    if (p + 1 + 5 <= req + len && strncasecmp(p + 1, "Host:", 5) == 0) {
      const char *end = memchr(p + 1, '\n', (size_t)(req + len - p - 1));
      host = p + 1;
      host_len = end ? (size_t)(end - host) : (size_t)(req + len - host);
      if (host_len > 0 && host[host_len - 1] == '\r')
        host_len--;
      break;
    }
    if (p + 2 < req + len && (p[1] == '\r' || p[1] == '\n'))
      break; /* the blank line: the headers end */
  }
  body_len = line_len + 1 + (host ? host_len + 1 : 0);
  out = xcalloc(1, head_len + body_len + 64);
  n = snprintf(out, head_len + 64, "%.*sContent-Length: %zu\r\n\r\n",
               (int)head_len, head, body_len);
  memcpy(out + n, req, line_len);
  n += (int)line_len;
  out[n++] = '\n';
  if (host != NULL) {
    memcpy(out + n, host, host_len);
    n += (int)host_len;
    out[n++] = '\n';
  }
  conn_write_buf(c, out, (size_t)n, 1);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  struct ts_conn *c = req->data;

  c->shutdown_started = 0;
  if (c->closing)
    return;
  if (status < 0) {
    conn_close(c);
    return;
  }
  c->write_shut = 1;
  c->blocked = 0;
  conn_run_script(c);
}

/* Start sending FIN after the queued writes; on_shutdown() resumes. */
static void conn_shutdown_write(struct ts_conn *c) {
  int r;

  c->shutdown_req.data = c;
  r = uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_shutdown);
  if (r != 0) {
    conn_fail(c, "uv_shutdown", r);
    return;
  }
  c->shutdown_started = 1;
  c->blocked = 1;
}

static void on_timer(uv_timer_t *timer) {
  struct ts_conn *c = timer->data;
  c->blocked = 0;
  conn_run_script(c);
}

static void conn_start_timer(struct ts_conn *c, unsigned delay_ms) {
  uv_timer_start(&c->timer, on_timer, delay_ms, 0);
  c->blocked = 1;
}

static unsigned server_add_request(tserver *s, unsigned conn_index,
                                   size_t start, size_t len) {
  unsigned index;

  uv_mutex_lock(&s->lock);
  array_reserve((void **)&s->requests, &s->requests_cap, s->nrequests + 1,
                sizeof(*s->requests));
  index = (unsigned)s->nrequests;
  s->requests[index].conn_index = conn_index;
  s->requests[index].start = start;
  s->requests[index].len = len;
  s->nrequests++;
  uv_mutex_unlock(&s->lock);
  return index;
}

static void server_extend_request(tserver *s, unsigned index, size_t end) {
  uv_mutex_lock(&s->lock);
  s->requests[index].len = end - s->requests[index].start;
  uv_mutex_unlock(&s->lock);
}

static void report_malformed(struct ts_conn *c) {
  fprintf(stderr,
          "tserver: connection %u: malformed request at offset %zu "
          "(in %s): %s; closing\n",
          c->index, c->framer.start, framer_state_name(c->framer.state),
          c->framer.error ? c->framer.error : "?");
}

/* Read the body of a 100-continue request. */
static enum frame_result conn_take_pending_body(struct ts_conn *c) {
  enum frame_result r;

  if (!c->body_pending)
    return FRAME_GOT_REQUEST;
  r = framer_advance(&c->framer, c->log, c->log_len);
  if (r == FRAME_GOT_REQUEST) {
    c->body_pending = 0;
    c->cursor = c->framer.pos;
    server_extend_request(c->server, c->pending_request, c->framer.pos);
  }
  return r;
}

static enum frame_result conn_take_request(struct ts_conn *c) {
  enum frame_result r = conn_take_pending_body(c);

  if (r != FRAME_GOT_REQUEST)
    return r;
  if (c->framer.state == FRAMER_IDLE)
    framer_begin(&c->framer, c->cursor);
  r = framer_advance(&c->framer, c->log, c->log_len);
  if (r == FRAME_GOT_REQUEST || r == FRAME_GOT_HEAD) {
    unsigned index = server_add_request(c->server, c->index, c->framer.start,
                                        c->framer.pos - c->framer.start);
    c->cursor = c->framer.pos;
    if (r == FRAME_GOT_HEAD) {
      c->body_pending = 1;
      c->pending_request = index;
    }
  }
  return r;
}

/* What a step did: go on to the next step, or stop running for now. */
enum step_result { STEP_DONE, STEP_STOP };

/* A WAIT step that needs more input: wait for it, unless none can come. */
static enum step_result conn_need_input(struct ts_conn *c) {
  if (c->peer_eof)
    c->script_done = 1;
  return STEP_STOP;
}

static enum step_result conn_run_frame_step(struct ts_conn *c,
                                            enum frame_result r) {
  switch (r) {
  case FRAME_GOT_HEAD:
  case FRAME_GOT_REQUEST:
    return STEP_DONE;
  case FRAME_NEED_MORE:
    return conn_need_input(c);
  case FRAME_MALFORMED:
    break;
  }
  report_malformed(c);
  conn_close_after_writes(c);
  return STEP_STOP;
}

static const ts_route no_route = {
    "", NULL, "HTTP/1.1 500 No Route\r\nContent-Length: 0\r\n\r\n", 0, 0, 0, 0, 0};

static int bytes_contain(const char *hay, size_t hay_len, const char *needle) {
  size_t n = strlen(needle);

  if (n == 0)
    return 1;
  for (size_t i = 0; i + n <= hay_len; i++)
    if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
      return 1;
  return 0;
}

/* The first route matching the request the framer holds: its bytes are
 * [framer.start, framer.pos) once its body is in. With head_only, only the
 * headers are in: a route that is not early does not match yet, and no
 * match is not reported. */
static const ts_route *conn_choose_route(struct ts_conn *c, int head_only) {
  tserver *s = c->server;
  const char *req = c->log + c->framer.start;
  size_t len = c->framer.pos - c->framer.start;
  const ts_route *found = NULL;

  uv_mutex_lock(&s->lock);
  for (size_t i = 0; i < s->nroutes && found == NULL; i++) {
    const ts_route *r = &s->routes[i];
    size_t plen = strlen(r->prefix);
    if (plen <= len && memcmp(req, r->prefix, plen) == 0 &&
        (r->contains == NULL || bytes_contain(req, len, r->contains)))
      found = r;
  }
  uv_mutex_unlock(&s->lock);
  if (head_only)
    return found != NULL && found->early ? found : &no_route;
  if (found == NULL) {
    const char *eol = memchr(req, '\n', len);
    fprintf(stderr, "tserver: connection %u: no route for %.*s\n", c->index,
            (int)(eol ? (size_t)(eol - req) : len), req);
    found = &no_route;
  }
  return found;
}

/* ROUTE: 100 Continue and the body if asked for, then the chosen route's
 * delay and response. Re-entered after each wait. */
static enum step_result conn_run_route(struct ts_conn *c) {
  static const char continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";
  const ts_route *r;

  if (c->route == NULL) {
    if (c->body_pending && !c->continue_sent) {
      const ts_route *head_route = conn_choose_route(c, 1);
      if (head_route->early)
        c->route = head_route;
    }
    if (c->route == NULL && c->body_pending) {
      enum frame_result fr;
      if (!c->continue_sent) {
        c->continue_sent = 1;
        conn_write(c, continue_line, sizeof(continue_line) - 1);
        if (c->closing)
          return STEP_STOP;
      }
      fr = conn_take_pending_body(c);
      if (fr != FRAME_GOT_REQUEST)
        return conn_run_frame_step(c, fr);
    }
    if (c->route == NULL)
      c->route = conn_choose_route(c, 0);
  }
  r = c->route;
  if (r->delay_ms > 0 && !c->delay_started) {
    c->delay_started = 1;
    conn_start_timer(c, r->delay_ms);
    return STEP_STOP;
  }
  c->delay_started = 0;
  c->route = NULL;
  c->continue_sent = 0;
  c->route_close = r->close;
  if (r->echo)
    conn_write_echo(c, r->response, r->len ? r->len : strlen(r->response),
                    c->log + c->framer.start,
                    c->framer.pos - c->framer.start);
  else
    conn_write(c, r->response, r->len ? r->len : strlen(r->response));
  return c->closing ? STEP_STOP : STEP_DONE;
}

static enum step_result conn_run_step(struct ts_conn *c, const ts_step *st) {
  size_t piece;

  switch (st->action) {
  case TS_WAIT_REQUEST:
    return conn_run_frame_step(c, conn_take_request(c));

  case TS_WAIT_BODY:
    return conn_run_frame_step(c, conn_take_pending_body(c));

  case TS_WAIT_BYTES:
    if (c->log_len - c->cursor < st->n)
      return conn_need_input(c);
    c->cursor += st->n;
    return STEP_DONE;

  case TS_SEND:
    conn_write(c, st->data, st->len);
    return c->closing ? STEP_STOP : STEP_DONE;

  case TS_SEND_SPLIT:
    piece = st->len - c->split_sent;
    if (st->n > 0 && piece > st->n)
      piece = st->n;
    conn_write(c, st->data + c->split_sent, piece);
    if (c->closing)
      return STEP_STOP;
    c->split_sent += piece;
    if (c->split_sent == st->len) {
      c->split_sent = 0;
      return STEP_DONE;
    }
    conn_start_timer(c, st->delay_ms);
    return STEP_STOP;

  case TS_DELAY:
    if (c->delay_started) {
      c->delay_started = 0;
      return STEP_DONE;
    }
    c->delay_started = 1;
    conn_start_timer(c, st->delay_ms);
    return STEP_STOP;

  case TS_CLOSE:
    if (!c->write_shut) {
      conn_shutdown_write(c);
      return STEP_STOP;
    }
    /* FIN is out. Linger, reading, until the peer closes too (see
     * conn_run_script()), so its unread bytes cannot turn into a reset. */
    c->script_done = 1;
    conn_count_closed(c);
    return STEP_STOP;

  case TS_RESET:
    if (c->writes_pending > 0) {
      c->wait_for_writes = 1;
      c->blocked = 1;
      return STEP_STOP;
    } else {
      struct linger lin = {1, 0};
      uv_os_fd_t fd;
      if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
      conn_close(c);
      return STEP_STOP;
    }

  case TS_WAIT_CLOSE:
    return c->peer_eof ? STEP_DONE : STEP_STOP;

  case TS_SHUTDOWN_WRITE:
    if (c->write_shut)
      return STEP_DONE;
    conn_shutdown_write(c);
    return STEP_STOP;

  case TS_ROUTE:
    return conn_run_route(c);

  case TS_ROUTE_CLOSE:
    if (!c->route_close)
      return STEP_DONE;
    if (!c->write_shut) {
      conn_shutdown_write(c);
      return STEP_STOP;
    }
    c->script_done = 1;
    conn_count_closed(c);
    return STEP_STOP;
  }
  fprintf(stderr, "tserver: connection %u: unknown action %d\n", c->index,
          (int)st->action);
  conn_close(c);
  return STEP_STOP;
}

/* Run steps until one has to wait. Called whenever something a step may
 * wait for happens: input, EOF, a timer, a shutdown, the writes done. */
static void conn_run_script(struct ts_conn *c) {
  const struct ts_script *script = c->script;
  int wrapped = 0;
  size_t cursor_at_wrap = 0;

  while (!c->closing && !c->blocked && !c->script_done) {
    if (c->step == script->nsteps) {
      /* A loop that went round twice in one go without reading anything
       * would spin forever: end it. */
      if (!script->loops || script->nsteps == 0 ||
          (wrapped && c->cursor == cursor_at_wrap)) {
        c->script_done = 1;
        break;
      }
      wrapped = 1;
      cursor_at_wrap = c->cursor;
      c->step = 0;
    }
    if (conn_run_step(c, &script->steps[c->step]) == STEP_STOP)
      break;
    c->step++;
  }
  /* With the script over and the peer gone, nothing is left to do. */
  if (!c->closing && c->script_done && c->peer_eof)
    conn_close_after_writes(c);
}

static void conn_log_append(struct ts_conn *c, const char *data, size_t len) {
  tserver *s = c->server;

  uv_mutex_lock(&s->lock);
  array_reserve((void **)&c->log, &c->log_cap, c->log_len + len, 1);
  memcpy(c->log + c->log_len, data, len);
  c->log_len += len;
  uv_mutex_unlock(&s->lock);
}

static void on_alloc(uv_handle_t *handle, size_t suggested_size,
                     uv_buf_t *buf) {
  struct ts_conn *c = handle->data;
  (void)suggested_size;
  *buf = uv_buf_init(c->server->read_buffer, READ_BUFFER_SIZE);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  struct ts_conn *c = stream->data;

  if (nread == 0)
    return; /* EAGAIN */
  if (nread == UV_EOF) {
    c->peer_eof = 1;
    conn_count_closed(c);
    conn_run_script(c);
    return;
  }
  if (nread < 0) {
    /* ECONNRESET and friends: the peer went away. */
    conn_close(c);
    return;
  }
  conn_log_append(c, buf->base, (size_t)nread);
  conn_run_script(c);
}

static void on_connection(uv_stream_t *listener, int status) {
  tserver *s = listener->data;
  struct ts_conn *c;
  int r;

  if (status < 0) {
    fprintf(stderr, "tserver: listen: %s\n", uv_strerror(status));
    return;
  }
  c = xcalloc(1, sizeof(*c));
  c->server = s;
  uv_tcp_init(&s->loop, &c->tcp);
  uv_timer_init(&s->loop, &c->timer);
  c->tcp.data = c;
  c->timer.data = c;

  uv_mutex_lock(&s->lock);
  c->index = (unsigned)s->nconns;
  if (c->index < s->nscripts && s->scripts[c->index] != NULL)
    c->script = s->scripts[c->index];
  else if (s->default_script != NULL)
    c->script = s->default_script;
  else
    c->script = &empty_script;
  array_reserve((void **)&s->conns, &s->conns_cap, s->nconns + 1,
                sizeof(*s->conns));
  s->conns[s->nconns++] = c;
  if (s->nconns - s->nclosed > s->max_open)
    s->max_open = (unsigned)(s->nconns - s->nclosed);
  uv_mutex_unlock(&s->lock);

  r = uv_accept(listener, (uv_stream_t *)&c->tcp);
  if (r != 0) {
    conn_fail(c, "uv_accept", r);
    return;
  }
  /* Pieces of SEND_SPLIT must go out when written, not when Nagle says. */
  uv_tcp_nodelay(&c->tcp, 1);
  r = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
  if (r != 0) {
    conn_fail(c, "uv_read_start", r);
    return;
  }
  conn_run_script(c);
}

/* -- server thread and lifetime ------------------------------------------ */

/* A server left running fails the test process at exit: LeakSanitizer
 * cannot see it, since its thread still holds it. */
static atomic_uint servers_running;
static pid_t servers_pid;
static uv_once_t servers_once = UV_ONCE_INIT;

static void check_servers_stopped(void) {
  unsigned n = atomic_load(&servers_running);
  if (n > 0 && getpid() == servers_pid) {
    fprintf(stderr, "tserver: %u server(s) never stopped\n", n);
    fflush(stderr);
    _exit(1);
  }
}

static void register_exit_check(void) {
  servers_pid = getpid();
  atexit(check_servers_stopped);
}

static void on_stop(uv_async_t *async) {
  tserver *s = async->data;

  uv_close((uv_handle_t *)&s->listener, NULL);
  uv_close((uv_handle_t *)&s->stop_async, NULL);
  for (size_t i = 0; i < s->nconns; i++)
    conn_close(s->conns[i]);
}

static void print_open_handle(uv_handle_t *handle, void *arg) {
  (void)arg;
  fprintf(stderr, "tserver: handle left open: %s%s\n",
          uv_handle_type_name(uv_handle_get_type(handle)),
          uv_is_closing(handle) ? " (closing)" : "");
}

static void server_thread(void *arg) {
  tserver *s = arg;

  uv_run(&s->loop, UV_RUN_DEFAULT);
  s->loop_close_result = uv_loop_close(&s->loop);
  if (s->loop_close_result != 0) {
    fprintf(stderr, "tserver: uv_loop_close: %s\n",
            uv_strerror(s->loop_close_result));
    uv_walk(&s->loop, print_open_handle, NULL);
  }
}

static void server_free(tserver *s) {
  struct ts_script *script, *next;

  for (size_t i = 0; i < s->nconns; i++) {
    free(s->conns[i]->log);
    free(s->conns[i]);
  }
  free(s->conns);
  for (script = s->scripts_made; script != NULL; script = next) {
    next = script->next;
    for (size_t i = 0; i < script->nsteps; i++)
      free((char *)script->steps[i].data);
    free(script->steps);
    free(script);
  }
  free(s->scripts);
  free(s->requests);
  for (size_t i = 0; i < s->nroutes; i++) {
    free((char *)s->routes[i].prefix);
    free((char *)s->routes[i].contains);
    free((char *)s->routes[i].response);
  }
  free(s->routes);
  uv_cond_destroy(&s->closed_cond);
  uv_mutex_destroy(&s->lock);
  free(s);
}

static tserver *server_start(const struct sockaddr *addr, int quiet) {
  struct sockaddr_storage bound;
  int namelen = (int)sizeof(bound);
  tserver *s;
  int r;

  s = xcalloc(1, sizeof(*s));
  r = uv_loop_init(&s->loop);
  if (r != 0)
    goto failed_loop_init;
  if (uv_mutex_init(&s->lock) != 0)
    abort();
  if (uv_cond_init(&s->closed_cond) != 0)
    abort();

  uv_tcp_init(&s->loop, &s->listener);
  s->listener.data = s;
  r = uv_tcp_bind(&s->listener, addr, 0);
  if (r == 0)
    r = uv_listen((uv_stream_t *)&s->listener, LISTEN_BACKLOG, on_connection);
  if (r == 0)
    r = uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &namelen);
  if (r != 0)
    goto failed_listen;
  if (bound.ss_family == AF_INET6)
    s->port = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
  else
    s->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);

  r = uv_async_init(&s->loop, &s->stop_async, on_stop);
  if (r != 0)
    goto failed_listen;
  s->stop_async.data = s;

  r = uv_thread_create(&s->thread, server_thread, s);
  if (r != 0)
    goto failed_thread;
  uv_once(&servers_once, register_exit_check);
  atomic_fetch_add(&servers_running, 1);
  return s;

failed_thread:
  uv_close((uv_handle_t *)&s->stop_async, NULL);
failed_listen:
  uv_close((uv_handle_t *)&s->listener, NULL);
  uv_run(&s->loop, UV_RUN_DEFAULT);
  uv_loop_close(&s->loop);
  uv_cond_destroy(&s->closed_cond);
  uv_mutex_destroy(&s->lock);
failed_loop_init:
  if (!quiet)
    fprintf(stderr, "tserver: cannot start: %s\n", uv_strerror(r));
  free(s);
  return NULL;
}

tserver *tserver_start(void) {
  struct sockaddr_in addr;
  if (uv_ip4_addr("127.0.0.1", 0, &addr) != 0)
    return NULL;
  return server_start((const struct sockaddr *)&addr, 0);
}

tserver *tserver_start_ipv6(void) {
  struct sockaddr_in6 addr;
  if (uv_ip6_addr("::1", 0, &addr) != 0)
    return NULL;
  return server_start((const struct sockaddr *)&addr, 1);
}

int tserver_port(const tserver *s) {
  return s->port;
}

int tserver_stop(tserver *s) {
  int result;

  uv_async_send(&s->stop_async);
  uv_thread_join(&s->thread);
  result = s->loop_close_result == 0 ? 0 : -1;
  server_free(s);
  atomic_fetch_sub(&servers_running, 1);
  return result;
}

/* -- scripts ------------------------------------------------------------- */

static struct ts_script *server_add_script(tserver *s, const ts_step *steps,
                                           size_t nsteps, int loops) {
  struct ts_script *script = xcalloc(1, sizeof(*script));

  script->steps = xcalloc(nsteps, sizeof(*script->steps));
  script->nsteps = nsteps;
  script->loops = loops;
  for (size_t i = 0; i < nsteps; i++) {
    ts_step *st = &script->steps[i];
    *st = steps[i];
    if (steps[i].data != NULL) {
      char *copy;
      if (st->len == 0)
        st->len = strlen(steps[i].data);
      copy = xcalloc(1, st->len + 1);
      memcpy(copy, steps[i].data, st->len);
      st->data = copy;
    } else {
      st->len = 0;
    }
  }
  uv_mutex_lock(&s->lock);
  script->next = s->scripts_made;
  s->scripts_made = script;
  uv_mutex_unlock(&s->lock);
  return script;
}

void tserver_script(tserver *s, unsigned conn_index, const ts_step *steps,
                    size_t nsteps) {
  struct ts_script *script = server_add_script(s, steps, nsteps, 0);

  uv_mutex_lock(&s->lock);
  if (conn_index >= s->nscripts) {
    s->scripts = xrealloc(s->scripts,
                          ((size_t)conn_index + 1) * sizeof(*s->scripts));
    memset(s->scripts + s->nscripts, 0,
           (conn_index + 1 - s->nscripts) * sizeof(*s->scripts));
    s->nscripts = (size_t)conn_index + 1;
  }
  s->scripts[conn_index] = script;
  uv_mutex_unlock(&s->lock);
}

static void server_set_default(tserver *s, const ts_step *steps,
                               size_t nsteps, int loops) {
  struct ts_script *script = server_add_script(s, steps, nsteps, loops);

  uv_mutex_lock(&s->lock);
  s->default_script = script;
  uv_mutex_unlock(&s->lock);
}

void tserver_default_script(tserver *s, const ts_step *steps, size_t nsteps) {
  server_set_default(s, steps, nsteps, 0);
}

void tserver_default_script_loop(tserver *s, const ts_step *steps,
                                 size_t nsteps) {
  server_set_default(s, steps, nsteps, 1);
}

void tserver_respond_always(tserver *s, const char *response, size_t len) {
  ts_step steps[2];

  memset(steps, 0, sizeof(steps));
  steps[0].action = TS_WAIT_REQUEST;
  steps[1].action = TS_SEND;
  steps[1].data = response;
  steps[1].len = len;
  server_set_default(s, steps, 2, 1);
}

static char *copy_string(const char *str, size_t len) {
  char *copy = xcalloc(1, len + 1);
  memcpy(copy, str, len);
  return copy;
}

void tserver_routes(tserver *s, const ts_route *routes, size_t nroutes) {
  static const ts_step loop[] = {{TS_WAIT_REQUEST, NULL, 0, 0, 0},
                                 {TS_ROUTE, NULL, 0, 0, 0},
                                 {TS_ROUTE_CLOSE, NULL, 0, 0, 0}};
  ts_route *copy = xcalloc(nroutes, sizeof(*copy));

  for (size_t i = 0; i < nroutes; i++) {
    const ts_route *r = &routes[i];
    size_t len = r->len ? r->len : strlen(r->response);
    copy[i] = *r;
    copy[i].prefix = copy_string(r->prefix, strlen(r->prefix));
    copy[i].contains =
        r->contains ? copy_string(r->contains, strlen(r->contains)) : NULL;
    copy[i].response = copy_string(r->response, len);
    copy[i].len = len;
  }
  uv_mutex_lock(&s->lock);
  if (s->routes != NULL) {
    uv_mutex_unlock(&s->lock);
    fprintf(stderr, "tserver: tserver_routes() called twice\n");
    abort(); /* test code: routes are set once, before clients connect */
  }
  s->routes = copy;
  s->nroutes = nroutes;
  uv_mutex_unlock(&s->lock);
  server_set_default(s, loop, sizeof(loop) / sizeof(loop[0]), 1);
}

/* -- what was received ---------------------------------------------------- */

static char *copy_bytes(const char *data, size_t n, size_t *len) {
  char *out = xrealloc(NULL, n + 1);
  if (n > 0)
    memcpy(out, data, n);
  out[n] = '\0';
  if (len != NULL)
    *len = n;
  return out;
}

char *tserver_received(tserver *s, unsigned conn_index, size_t *len) {
  char *out = NULL;

  uv_mutex_lock(&s->lock);
  if (conn_index < s->nconns) {
    const struct ts_conn *c = s->conns[conn_index];
    out = copy_bytes(c->log, c->log_len, len);
  } else if (len != NULL) {
    *len = 0;
  }
  uv_mutex_unlock(&s->lock);
  return out;
}

char *tserver_request(tserver *s, unsigned req_index, size_t *len) {
  char *out = NULL;

  uv_mutex_lock(&s->lock);
  if (req_index < s->nrequests) {
    const struct ts_request *req = &s->requests[req_index];
    const struct ts_conn *c = s->conns[req->conn_index];
    out = copy_bytes(c->log + req->start, req->len, len);
  } else if (len != NULL) {
    *len = 0;
  }
  uv_mutex_unlock(&s->lock);
  return out;
}

unsigned tserver_connections(tserver *s) {
  unsigned n;
  uv_mutex_lock(&s->lock);
  n = (unsigned)s->nconns;
  uv_mutex_unlock(&s->lock);
  return n;
}

unsigned tserver_max_open_connections(tserver *s) {
  unsigned n;
  uv_mutex_lock(&s->lock);
  n = s->max_open;
  uv_mutex_unlock(&s->lock);
  return n;
}

unsigned tserver_requests(tserver *s) {
  unsigned n;
  uv_mutex_lock(&s->lock);
  n = (unsigned)s->nrequests;
  uv_mutex_unlock(&s->lock);
  return n;
}

int tserver_wait_closed(tserver *s, unsigned n, unsigned timeout_ms) {
  uint64_t deadline = uv_hrtime() + (uint64_t)timeout_ms * 1000000u;
  int result;

  uv_mutex_lock(&s->lock);
  while (s->nclosed < n) {
    uint64_t now = uv_hrtime();
    if (now >= deadline)
      break;
    uv_cond_timedwait(&s->closed_cond, &s->lock, deadline - now);
  }
  result = s->nclosed >= n ? 0 : -1;
  uv_mutex_unlock(&s->lock);
  return result;
}

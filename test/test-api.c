/* Every promise of the public API, one test each: bad handles, adding and
 * removing, the recursion guard in every callback, halting and detaching,
 * the connection pool and its limits, name resolution, messages, waking,
 * the verbose state trace, setopt/strerror/duphandle/reset, getinfo, the
 * request a transfer sends, and the default write. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "ferry_uv.h"
#include "fx.h"
#include "test.h"

/* ---- helpers ---------------------------------------------------------- */

/* Zeroed memory posing as a handle: no magic, so not a handle. */
static max_align_t zeroed_mem[256];

typedef int (*stop_fn)(void *arg, int running);

/* Perform mode: perform, then poll, until stop(arg, running) says so (or,
 * without stop, until nothing runs). 0 when stopped, -1 on an error or
 * after too many rounds. */
static int drive(ferry_multi *m, stop_fn stop, void *arg) {
  int running = 1;
  for (int rounds = 0; rounds < 5000; rounds++) {
    if (ferry_multi_perform(m, &running) != FERRYM_OK)
      return -1;
    if (stop ? stop(arg, running) : running == 0)
      return 0;
    if (ferry_multi_poll(m, NULL, 0, 1000, NULL) != FERRYM_OK)
      return -1;
  }
  return -1;
}

/* Read every queued message. For a DONE message of e[i], res[i] gets its
 * result. Returns how many were read, or -1 for a message that is not a
 * DONE of one of e[]. */
static int read_msgs(ferry_multi *m, ferry_easy **e, ferry_code *res, int n) {
  ferry_msg *msg;
  int left, count = 0;
  while ((msg = ferry_multi_info_read(m, &left)) != NULL) {
    int found = 0;
    if (msg->msg != FERRYMSG_DONE)
      return -1;
    for (int i = 0; i < n; i++) {
      if (e[i] == msg->easy_handle) {
        res[i] = msg->data.result;
        found = 1;
      }
    }
    if (!found)
      return -1;
    count++;
  }
  return count;
}

/* The number of handles ferry_multi_get_handles lists, -1 on NULL. */
static int count_handles(ferry_multi *m, ferry_easy *must_have) {
  ferry_easy **a = ferry_multi_get_handles(m);
  int n = 0, seen = must_have == NULL;
  if (a == NULL)
    return -1;
  for (; a[n] != NULL; n++)
    seen |= a[n] == must_have;
  ferry_free(a);
  return seen ? n : -2;
}

/* DEBUGFUNCTION that keeps the FERRYINFO_TEXT lines in a sink. */
static int collect_text(ferry_easy *e, ferry_infotype type, char *data,
                        size_t size, void *userp) {
  (void)e;
  if (type == FERRYINFO_TEXT)
    sink_write(data, 1, size, userp);
  return 0;
}

/* The "-> [STATE]" names in the trace, space separated. */
static void state_path(const sink *text, char *out, size_t cap) {
  const char *p = text->data ? text->data : "";
  out[0] = '\0';
  while ((p = strstr(p, "-> [")) != NULL) {
    const char *end = strchr(p, ']');
    size_t len = strlen(out);
    if (end == NULL)
      break;
    snprintf(out + len, cap - len, "%s%.*s", len ? " " : "",
             (int)(end - p - 4), p + 4);
    p = end;
  }
}

static char *fmt_want(char *buf, size_t cap, const char *fmt, int port) {
  snprintf(buf, cap, fmt, port);
  return buf;
}

static double ms_since(uint64_t t0) { return (uv_hrtime() - t0) / 1e6; }

/* A server that answers the first connection's request with a head that
 * promises 100000 bytes, sends 1000, then dribbles 10000 more over about a
 * second, and never finishes: the transfer cannot end on its own. */
static void script_never_ending_body(tserver *s) {
  static char first[1100], more[10001];
  size_t n;
  ts_step steps[] = {
      FX_STEP_REQ,
      {TS_SEND, first, 0, 0, 0},
      {TS_SEND_SPLIT, more, 0, 100, 10},
  };
  n = (size_t)snprintf(first, sizeof(first),
                       "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
  memset(first + n, 'a', 1000);
  first[n + 1000] = '\0';
  memset(more, 'b', 10000);
  more[10000] = '\0';
  tserver_script(s, 0, FX_STEPS(steps));
}

/* ---- bad handles ------------------------------------------------------ */

TEST_IMPL(multi_calls_with_null_or_foreign_multi_are_bad_handle) {
  ferry_easy *e = ferry_easy_init();
  ferry_multi *foreign[] = {NULL, (ferry_multi *)(void *)zeroed_mem,
                            (ferry_multi *)(void *)e};
  ferry_waitfd wfd = {0, FERRY_WAIT_POLLIN, 0};

  for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
    ferry_multi *m = foreign[i];
    int running = 7, numfds = 7, left = 7, maxfd = 7;
    long t = 7;
    fd_set r, w, x;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&x);
    ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_BAD_HANDLE);
    ASSERT_EQ(ferry_multi_remove_handle(m, e), FERRYM_BAD_HANDLE);
    ASSERT_EQ(ferry_multi_perform(m, &running), FERRYM_BAD_HANDLE);
    ASSERT_EQ(ferry_multi_socket_action(m, FERRY_SOCKET_TIMEOUT, 0, &running),
              FERRYM_BAD_HANDLE);
    ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_MAXCONNECTS, 1L), FERRYM_BAD_HANDLE);
    ASSERT_EQ(ferry_multi_timeout(m, &t), FERRYM_BAD_HANDLE);
    ASSERT_EQ(ferry_multi_fdset(m, &r, &w, &x, &maxfd), FERRYM_BAD_HANDLE);
    ASSERT_EQ(ferry_multi_wait(m, &wfd, 1, 10, &numfds), FERRYM_BAD_HANDLE);
    ASSERT_EQ(ferry_multi_poll(m, &wfd, 1, 10, &numfds), FERRYM_BAD_HANDLE);
    ASSERT_EQ(ferry_multi_wakeup(m), FERRYM_BAD_HANDLE);
    ASSERT_EQ(ferry_multi_assign(m, 0, NULL), FERRYM_BAD_HANDLE);
    ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_BAD_HANDLE);
    ASSERT_NULL(ferry_multi_info_read(m, &left));
    ASSERT_EQ(left, 0);
    ASSERT_NULL(ferry_multi_get_handles(m));
  }
  /* the foreign memory was not written to */
  for (size_t i = 0; i < sizeof(zeroed_mem); i++)
    ASSERT_EQ(((const unsigned char *)zeroed_mem)[i], 0);
  ASSERT_EQ(ferry_easy_cleanup(e), FERRYE_OK);
  return 0;
}

TEST_IMPL(multi_add_or_remove_of_null_or_foreign_easy_is_bad_easy_handle) {
  ferry_multi *m = ferry_multi_init();
  ferry_multi *other = ferry_multi_init();
  ferry_easy *foreign[] = {NULL, (ferry_easy *)(void *)zeroed_mem,
                           (ferry_easy *)(void *)other};

  for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
    ASSERT_EQ(ferry_multi_add_handle(m, foreign[i]), FERRYM_BAD_EASY_HANDLE);
    ASSERT_EQ(ferry_multi_remove_handle(m, foreign[i]), FERRYM_BAD_EASY_HANDLE);
  }
  /* the easy API refuses them too, without touching them */
  for (size_t i = 1; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
    long code;
    ASSERT_EQ(ferry_easy_setopt(foreign[i], FERRYOPT_VERBOSE, 1L),
              FERRYE_BAD_FUNCTION_ARGUMENT);
    ASSERT_EQ(ferry_easy_getinfo(foreign[i], FERRYINFO_RESPONSE_CODE, &code),
              FERRYE_BAD_FUNCTION_ARGUMENT);
    ASSERT_EQ(ferry_easy_perform(foreign[i]), FERRYE_BAD_FUNCTION_ARGUMENT);
    ASSERT_EQ(ferry_easy_cleanup(foreign[i]), FERRYE_BAD_FUNCTION_ARGUMENT);
  }
  for (size_t i = 0; i < sizeof(zeroed_mem); i++)
    ASSERT_EQ(((const unsigned char *)zeroed_mem)[i], 0);
  ASSERT_EQ(count_handles(m, NULL), 0);
  ASSERT_EQ(ferry_multi_cleanup(other), FERRYM_OK);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  return 0;
}

/* ---- adding and removing ---------------------------------------------- */

TEST_IMPL(multi_add_handle_twice_is_added_already) {
  ferry_multi *m = ferry_multi_init();
  ferry_easy *e = ferry_easy_init();

  ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_OK);
  ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_ADDED_ALREADY);
  ASSERT_EQ(count_handles(m, e), 1);
  ASSERT_EQ(ferry_multi_remove_handle(m, e), FERRYM_OK);
  ASSERT_EQ(count_handles(m, NULL), 0);
  ASSERT_EQ(ferry_easy_cleanup(e), FERRYE_OK);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  return 0;
}

TEST_IMPL(multi_add_handle_that_is_in_another_multi_is_added_already) {
  ferry_multi *m1 = ferry_multi_init(), *m2 = ferry_multi_init();
  ferry_easy *e = ferry_easy_init();

  ASSERT_EQ(ferry_multi_add_handle(m1, e), FERRYM_OK);
  ASSERT_EQ(ferry_multi_add_handle(m2, e), FERRYM_ADDED_ALREADY);
  ASSERT_EQ(count_handles(m1, e), 1);
  ASSERT_EQ(count_handles(m2, NULL), 0);
  /* once removed from the first, the second may take it */
  ASSERT_EQ(ferry_multi_remove_handle(m1, e), FERRYM_OK);
  ASSERT_EQ(ferry_multi_add_handle(m2, e), FERRYM_OK);
  ASSERT_EQ(count_handles(m2, e), 1);
  ASSERT_EQ(ferry_multi_remove_handle(m2, e), FERRYM_OK);
  ASSERT_EQ(ferry_easy_cleanup(e), FERRYE_OK);
  ASSERT_EQ(ferry_multi_cleanup(m1), FERRYM_OK);
  ASSERT_EQ(ferry_multi_cleanup(m2), FERRYM_OK);
  return 0;
}

TEST_IMPL(multi_remove_never_added_handle_is_ok) {
  ferry_multi *m = ferry_multi_init();
  ferry_easy *e = ferry_easy_init();

  ASSERT_EQ(ferry_multi_remove_handle(m, e), FERRYM_OK);
  /* and removing twice is as harmless */
  ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_OK);
  ASSERT_EQ(ferry_multi_remove_handle(m, e), FERRYM_OK);
  ASSERT_EQ(ferry_multi_remove_handle(m, e), FERRYM_OK);
  ASSERT_EQ(count_handles(m, NULL), 0);
  ASSERT_EQ(ferry_easy_cleanup(e), FERRYE_OK);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  return 0;
}

TEST_IMPL(multi_remove_from_wrong_multi_is_bad_easy_handle) {
  ferry_multi *m1 = ferry_multi_init(), *m2 = ferry_multi_init();
  ferry_easy *e = ferry_easy_init();

  ASSERT_EQ(ferry_multi_add_handle(m1, e), FERRYM_OK);
  ASSERT_EQ(ferry_multi_remove_handle(m2, e), FERRYM_BAD_EASY_HANDLE);
  /* it is still in the first */
  ASSERT_EQ(count_handles(m1, e), 1);
  ASSERT_EQ(ferry_multi_add_handle(m1, e), FERRYM_ADDED_ALREADY);
  ASSERT_EQ(ferry_multi_remove_handle(m1, e), FERRYM_OK);
  ASSERT_EQ(ferry_easy_cleanup(e), FERRYE_OK);
  ASSERT_EQ(ferry_multi_cleanup(m1), FERRYM_OK);
  ASSERT_EQ(ferry_multi_cleanup(m2), FERRYM_OK);
  return 0;
}

typedef struct timer_rec {
  int in_add;
  int calls;
  int calls_in_add;
  long last;
} timer_rec;

static int record_timer(ferry_multi *m, long timeout_ms, void *userp) {
  timer_rec *t = userp;
  (void)m;
  t->calls++;
  t->calls_in_add += t->in_add;
  t->last = timeout_ms;
  return 0;
}

TEST_IMPL(multi_add_handle_calls_timerfunction_from_inside) {
  ferry_multi *m = ferry_multi_init();
  ferry_easy *e = ferry_easy_init();
  timer_rec t = {0, 0, 0, -2};

  /* socket_action mode with only a timer callback */
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_TIMERFUNCTION, record_timer), FERRYM_OK);
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_TIMERDATA, &t), FERRYM_OK);
  ferry_easy_setopt(e, FERRYOPT_URL, "http://127.0.0.1:9/");
  t.in_add = 1;
  ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_OK);
  t.in_add = 0;
  ASSERT_EQ(t.calls_in_add, 1);
  ASSERT_EQ(t.last, 0); /* start at once */
  ASSERT_EQ(ferry_multi_remove_handle(m, e), FERRYM_OK);
  ASSERT_EQ(ferry_easy_cleanup(e), FERRYE_OK);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  ASSERT_EQ(t.last, -1); /* the timer was deleted again */
  return 0;
}

TEST_IMPL(finished_handle_stays_added_and_easy_perform_is_refused_until_removed) {
  tserver *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  sink body = {0};
  ferry_easy *e;
  char errbuf[FERRY_ERROR_SIZE] = "";
  ferry_code res = FERRYE_LAST;

  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/done"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, errbuf);
  ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_OK);
  ASSERT_EQ(drive(m, NULL, NULL), 0);
  ASSERT_EQ(read_msgs(m, &e, &res, 1), 1);
  ASSERT_EQ(res, FERRYE_OK);
  /* done, and still added */
  ASSERT_EQ(count_handles(m, e), 1);
  ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_ADDED_ALREADY);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_FAILED_INIT);
  ASSERT(errbuf[0] != '\0');
  ASSERT_EQ(tserver_requests(s), 1); /* the refused perform sent nothing */
  ASSERT_EQ(ferry_multi_remove_handle(m, e), FERRYM_OK);
  ASSERT_EQ(count_handles(m, NULL), 0);
  sink_free(&body);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(tserver_requests(s), 2);
  ASSERT_EQ(ferry_easy_cleanup(e), FERRYE_OK);
  sink_free(&body);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- the recursion guard, from every callback ------------------------- */

/* What a callback tries once, from inside. */
typedef struct probe {
  ferry_multi *multi;
  ferry_easy *easy;  /* the added handle whose callback runs */
  ferry_easy *extra; /* added from inside the callback */
  sink body;
  sink headers;
  int armed;
  int done;
  ferry_mcode remove_rc, perform_rc, action_rc, wait_rc, poll_rc, cleanup_rc,
      add_rc;
  ferry_code easy_cleanup_rc, easy_perform_rc;
} probe;

static void probe_run(probe *p) {
  int running, numfds;
  if (!p->armed || p->done)
    return;
  p->done = 1;
  p->remove_rc = ferry_multi_remove_handle(p->multi, p->easy);
  p->perform_rc = ferry_multi_perform(p->multi, &running);
  p->action_rc = ferry_multi_socket_action(p->multi, FERRY_SOCKET_TIMEOUT, 0,
                                           &running);
  p->wait_rc = ferry_multi_wait(p->multi, NULL, 0, 0, &numfds);
  p->poll_rc = ferry_multi_poll(p->multi, NULL, 0, 0, &numfds);
  p->cleanup_rc = ferry_multi_cleanup(p->multi);
  p->easy_cleanup_rc = ferry_easy_cleanup(p->easy);
  p->easy_perform_rc = ferry_easy_perform(p->easy);
  p->add_rc = ferry_multi_add_handle(p->multi, p->extra);
}

static int probe_check(const probe *p) {
  ASSERT_EQ(p->done, 1);
  ASSERT_EQ(p->remove_rc, FERRYM_RECURSIVE_API_CALL);
  ASSERT_EQ(p->perform_rc, FERRYM_RECURSIVE_API_CALL);
  ASSERT_EQ(p->action_rc, FERRYM_RECURSIVE_API_CALL);
  ASSERT_EQ(p->wait_rc, FERRYM_RECURSIVE_API_CALL);
  ASSERT_EQ(p->poll_rc, FERRYM_RECURSIVE_API_CALL);
  ASSERT_EQ(p->cleanup_rc, FERRYM_RECURSIVE_API_CALL);
  ASSERT_EQ(p->easy_cleanup_rc, FERRYE_RECURSIVE_API_CALL);
  ASSERT_EQ(p->easy_perform_rc, FERRYE_RECURSIVE_API_CALL);
  ASSERT_EQ(p->add_rc, FERRYM_OK);
  return 0;
}

/* After the run: both transfers succeeded, the probed handle survived. */
static int probe_check_outcome(probe *p, sink *extra_body) {
  ferry_easy *e[2] = {p->easy, p->extra};
  ferry_code res[2] = {FERRYE_LAST, FERRYE_LAST};
  long code = 0;

  if (probe_check(p))
    return 1;
  ASSERT_EQ(read_msgs(p->multi, e, res, 2), 2);
  ASSERT_EQ(res[0], FERRYE_OK);
  ASSERT_EQ(res[1], FERRYE_OK);
  ASSERT_MEM_EQ(p->body.data, p->body.len, "hello");
  ASSERT_MEM_EQ(extra_body->data, extra_body->len, "hello");
  ASSERT_EQ(ferry_easy_getinfo(p->easy, FERRYINFO_RESPONSE_CODE, &code), FERRYE_OK);
  ASSERT_EQ(code, 200);
  ASSERT_EQ(count_handles(p->multi, p->easy), 2);
  ASSERT_EQ(count_handles(p->multi, p->extra), 2);
  return 0;
}

static size_t probing_write(char *ptr, size_t size, size_t n, void *ud) {
  probe *p = ud;
  probe_run(p);
  return sink_write(ptr, size, n, &p->body);
}

static size_t probing_header(char *ptr, size_t size, size_t n, void *ud) {
  probe *p = ud;
  probe_run(p);
  return sink_write(ptr, size, n, &p->headers);
}

static int probing_xferinfo(void *ud, ferry_off_t dltotal, ferry_off_t dlnow,
                            ferry_off_t ultotal, ferry_off_t ulnow) {
  (void)dltotal;
  (void)dlnow;
  (void)ultotal;
  (void)ulnow;
  probe_run(ud);
  return 0;
}

static int probing_debug(ferry_easy *e, ferry_infotype type, char *data,
                         size_t size, void *ud) {
  (void)e;
  (void)type;
  (void)data;
  (void)size;
  probe_run(ud);
  return 0;
}

enum probe_kind { PROBE_WRITE, PROBE_HEADER, PROBE_XFERINFO, PROBE_DEBUG };

/* Perform mode: one transfer probes from a callback of `kind`. */
static int run_perform_probe(enum probe_kind kind) {
  tserver *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  sink xbody = {0};
  probe p;
  ferry_easy *e;

  memset(&p, 0, sizeof(p));
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = ferry_easy_init();
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/probe"));
  ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, sink_write);
  ferry_easy_setopt(e, FERRYOPT_WRITEDATA, &p.body);
  switch (kind) {
  case PROBE_WRITE:
    ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, probing_write);
    ferry_easy_setopt(e, FERRYOPT_WRITEDATA, &p);
    break;
  case PROBE_HEADER:
    ferry_easy_setopt(e, FERRYOPT_HEADERFUNCTION, probing_header);
    ferry_easy_setopt(e, FERRYOPT_HEADERDATA, &p);
    break;
  case PROBE_XFERINFO:
    ferry_easy_setopt(e, FERRYOPT_NOPROGRESS, 0L);
    ferry_easy_setopt(e, FERRYOPT_XFERINFOFUNCTION, probing_xferinfo);
    ferry_easy_setopt(e, FERRYOPT_XFERINFODATA, &p);
    break;
  case PROBE_DEBUG:
    ferry_easy_setopt(e, FERRYOPT_VERBOSE, 1L);
    ferry_easy_setopt(e, FERRYOPT_DEBUGFUNCTION, probing_debug);
    ferry_easy_setopt(e, FERRYOPT_DEBUGDATA, &p);
    break;
  }
  p.multi = m;
  p.easy = e;
  p.extra = fx_easy(fx_url(s, "/extra"), &xbody, NULL);
  ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_OK);
  p.armed = 1;
  ASSERT_EQ(drive(m, NULL, NULL), 0);
  if (probe_check_outcome(&p, &xbody))
    return 1;
  ASSERT_EQ(ferry_multi_remove_handle(m, e), FERRYM_OK);
  ASSERT_EQ(ferry_multi_remove_handle(m, p.extra), FERRYM_OK);
  ASSERT_EQ(ferry_easy_cleanup(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_cleanup(p.extra), FERRYE_OK);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  sink_free(&p.body);
  sink_free(&p.headers);
  sink_free(&xbody);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(api_calls_inside_write_callback_are_recursive_but_add_works) {
  return run_perform_probe(PROBE_WRITE);
}

TEST_IMPL(api_calls_inside_header_callback_are_recursive_but_add_works) {
  return run_perform_probe(PROBE_HEADER);
}

TEST_IMPL(api_calls_inside_xferinfo_callback_are_recursive_but_add_works) {
  return run_perform_probe(PROBE_XFERINFO);
}

TEST_IMPL(api_calls_inside_debug_callback_are_recursive_but_add_works) {
  return run_perform_probe(PROBE_DEBUG);
}

/* socket_action glue on the test's own loop (as an application writes it) */
typedef struct sa_app {
  uv_loop_t loop;
  uv_timer_t timer;
  ferry_multi *multi;
  int running;
  unsigned sockets_now;
  probe *socket_probe; /* probe from the socket callback of a transfer */
  probe *timer_probe;  /* probe from the timer callback */
} sa_app;

typedef struct sa_sock {
  uv_poll_t poll;
  sa_app *a;
  int fd;
} sa_sock;

static void sa_on_poll(uv_poll_t *h, int status, int events) {
  sa_sock *s = h->data;
  int flags = status < 0 ? FERRY_CSELECT_ERR : 0;
  if (events & UV_READABLE)
    flags |= FERRY_CSELECT_IN;
  if (events & UV_WRITABLE)
    flags |= FERRY_CSELECT_OUT;
  ferry_multi_socket_action(s->a->multi, s->fd, flags, &s->a->running);
}

static void sa_sock_closed(uv_handle_t *h) { free(h->data); }

static int sa_socket_cb(ferry_easy *e, ferry_socket_t fd, int what, void *userp,
                        void *socketp) {
  sa_app *a = userp;
  sa_sock *s = socketp;
  if (what == FERRY_POLL_REMOVE) {
    if (s != NULL) {
      uv_poll_stop(&s->poll);
      uv_close((uv_handle_t *)&s->poll, sa_sock_closed);
      a->sockets_now--;
      ferry_multi_assign(a->multi, fd, NULL);
    }
  } else {
    if (s == NULL) {
      s = calloc(1, sizeof(*s));
      s->a = a;
      s->fd = fd;
      uv_poll_init_socket(&a->loop, &s->poll, fd);
      s->poll.data = s;
      ferry_multi_assign(a->multi, fd, s);
      a->sockets_now++;
    }
    uv_poll_start(&s->poll,
                  ((what & FERRY_POLL_IN) ? UV_READABLE : 0) |
                      ((what & FERRY_POLL_OUT) ? UV_WRITABLE : 0),
                  sa_on_poll);
  }
  if (e != NULL && a->socket_probe)
    probe_run(a->socket_probe);
  return 0;
}

static void sa_on_timer(uv_timer_t *t) {
  sa_app *a = t->data;
  ferry_multi_socket_action(a->multi, FERRY_SOCKET_TIMEOUT, 0, &a->running);
}

static int sa_timer_cb(ferry_multi *m, long timeout_ms, void *userp) {
  sa_app *a = userp;
  (void)m;
  /* The glue's own work first: the probe's add_handle calls this callback
   * again from inside, and that inner call's timeout is the newer one. */
  if (timeout_ms < 0)
    uv_timer_stop(&a->timer);
  else
    uv_timer_start(&a->timer, sa_on_timer, (uint64_t)timeout_ms, 0);
  if (a->timer_probe)
    probe_run(a->timer_probe);
  return 0;
}

static int sa_init(sa_app *a) {
  memset(a, 0, sizeof(*a));
  a->running = -1;
  if (uv_loop_init(&a->loop) != 0 || uv_timer_init(&a->loop, &a->timer) != 0)
    return -1;
  a->timer.data = a;
  a->multi = ferry_multi_init();
  if (a->multi == NULL ||
      ferry_multi_setopt(a->multi, FERRYMOPT_SOCKETFUNCTION, sa_socket_cb) ||
      ferry_multi_setopt(a->multi, FERRYMOPT_SOCKETDATA, a) ||
      ferry_multi_setopt(a->multi, FERRYMOPT_TIMERFUNCTION, sa_timer_cb) ||
      ferry_multi_setopt(a->multi, FERRYMOPT_TIMERDATA, a))
    return -1;
  return 0;
}

/* Run the loop until a socket_action call reports nothing running. */
static int sa_drive(sa_app *a) {
  for (int rounds = 0; a->running != 0; rounds++) {
    if (rounds > 10000)
      return -1;
    uv_run(&a->loop, UV_RUN_ONCE);
  }
  return 0;
}

static int run_socket_action_probe(int from_timer) {
  tserver *s = tserver_start();
  sink xbody = {0};
  sa_app a;
  probe p;
  ferry_easy *e;

  memset(&p, 0, sizeof(p));
  tserver_respond_always(s, FX_OK_HELLO, 0);
  ASSERT_EQ(sa_init(&a), 0);
  if (from_timer)
    a.timer_probe = &p;
  else
    a.socket_probe = &p;
  e = fx_easy(fx_url(s, "/probe"), &p.body, NULL);
  p.multi = a.multi;
  p.easy = e;
  p.extra = fx_easy(fx_url(s, "/extra"), &xbody, NULL);
  ASSERT_EQ(ferry_multi_add_handle(a.multi, e), FERRYM_OK);
  p.armed = 1;
  ASSERT_EQ(sa_drive(&a), 0);
  if (probe_check_outcome(&p, &xbody))
    return 1;
  ASSERT_EQ(ferry_multi_remove_handle(a.multi, e), FERRYM_OK);
  ASSERT_EQ(ferry_multi_remove_handle(a.multi, p.extra), FERRYM_OK);
  ASSERT_EQ(ferry_easy_cleanup(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_cleanup(p.extra), FERRYE_OK);
  a.socket_probe = a.timer_probe = NULL;
  ASSERT_EQ(ferry_multi_cleanup(a.multi), FERRYM_OK);
  ASSERT_EQ(a.sockets_now, 0);
  uv_close((uv_handle_t *)&a.timer, NULL);
  MAKE_LOOP_HAPPY(&a.loop);
  sink_free(&p.body);
  sink_free(&xbody);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(api_calls_inside_socket_callback_are_recursive_but_add_works) {
  return run_socket_action_probe(0);
}

TEST_IMPL(api_calls_inside_timer_callback_are_recursive_but_add_works) {
  return run_socket_action_probe(1);
}

/* ---- halting and detaching -------------------------------------------- */

typedef struct halt_ctx {
  sink *slow_body;
} halt_ctx;

static int slow_has_bytes_and_other_done(void *arg, int running) {
  halt_ctx *h = arg;
  return h->slow_body->len > 0 && running == 1;
}

TEST_IMPL(remove_handle_mid_transfer_halts_it_without_a_message) {
  tserver *slow = tserver_start(), *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  sink abody = {0}, bbody = {0}, cbody = {0};
  ferry_easy *a, *b, *c, *all[3];
  ferry_code res[3] = {FERRYE_LAST, FERRYE_LAST, FERRYE_LAST};
  halt_ctx h = {&abody};
  ferry_msg *msg;
  size_t halted_len;
  int left = -1, running = -1;

  script_never_ending_body(slow);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  a = fx_easy(fx_url(slow, "/slow"), &abody, NULL);
  b = fx_easy(fx_url(s, "/b"), &bbody, NULL);
  all[0] = a;
  all[1] = b;
  ASSERT_EQ(ferry_multi_add_handle(m, a), FERRYM_OK);
  ASSERT_EQ(ferry_multi_add_handle(m, b), FERRYM_OK);
  /* a has its first body bytes, b is done and its message waits */
  ASSERT_EQ(drive(m, slow_has_bytes_and_other_done, &h), 0);
  ASSERT_LE(abody.len, 100000 - 1);
  ASSERT_EQ(ferry_multi_remove_handle(m, a), FERRYM_OK);
  halted_len = abody.len;
  /* the halted transfer's connection is closed: the server sees it */
  ASSERT_EQ(tserver_wait_closed(slow, 1, 5000), 0);
  ASSERT_EQ(count_handles(m, b), 1);
  ASSERT_EQ(ferry_multi_perform(m, &running), FERRYM_OK);
  ASSERT_EQ(running, 0);
  /* b's message is still the one queued */
  msg = ferry_multi_info_read(m, &left);
  ASSERT_NOT_NULL(msg);
  ASSERT(msg->easy_handle == b);
  ASSERT_EQ(msg->data.result, FERRYE_OK);
  ASSERT_EQ(left, 0);
  ASSERT_NULL(ferry_multi_info_read(m, &left));
  /* another transfer afterwards is not disturbed */
  c = fx_easy(fx_url(s, "/c"), &cbody, NULL);
  all[2] = c;
  ASSERT_EQ(ferry_multi_add_handle(m, c), FERRYM_OK);
  ASSERT_EQ(drive(m, NULL, NULL), 0);
  ASSERT_EQ(read_msgs(m, all, res, 3), 1);
  ASSERT_EQ(res[0], FERRYE_LAST); /* never a message for a */
  ASSERT_EQ(res[2], FERRYE_OK);
  ASSERT_MEM_EQ(bbody.data, bbody.len, "hello");
  ASSERT_MEM_EQ(cbody.data, cbody.len, "hello");
  ASSERT_EQ(abody.len, halted_len); /* nothing more was delivered to a */
  for (int i = 1; i < 3; i++)
    ASSERT_EQ(ferry_multi_remove_handle(m, all[i]), FERRYM_OK);
  for (int i = 0; i < 3; i++)
    ASSERT_EQ(ferry_easy_cleanup(all[i]), FERRYE_OK);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  sink_free(&abody);
  sink_free(&bbody);
  sink_free(&cbody);
  ASSERT_EQ(tserver_stop(slow), 0);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(remove_handle_drops_its_queued_done_message) {
  tserver *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  sink b1 = {0}, b2 = {0};
  ferry_easy *e1, *e2;
  ferry_msg *msg;
  int left = -1;

  tserver_respond_always(s, FX_OK_HELLO, 0);
  e1 = fx_easy(fx_url(s, "/1"), &b1, NULL);
  e2 = fx_easy(fx_url(s, "/2"), &b2, NULL);
  ASSERT_EQ(ferry_multi_add_handle(m, e1), FERRYM_OK);
  ASSERT_EQ(ferry_multi_add_handle(m, e2), FERRYM_OK);
  ASSERT_EQ(drive(m, NULL, NULL), 0);
  /* both messages are queued; removing e1 drops its own */
  ASSERT_EQ(ferry_multi_remove_handle(m, e1), FERRYM_OK);
  msg = ferry_multi_info_read(m, &left);
  ASSERT_NOT_NULL(msg);
  ASSERT(msg->easy_handle == e2);
  ASSERT_EQ(msg->data.result, FERRYE_OK);
  ASSERT_EQ(left, 0);
  ASSERT_NULL(ferry_multi_info_read(m, &left));
  ASSERT_EQ(left, 0);
  ASSERT_EQ(ferry_multi_remove_handle(m, e2), FERRYM_OK);
  ASSERT_EQ(ferry_easy_cleanup(e1), FERRYE_OK);
  ASSERT_EQ(ferry_easy_cleanup(e2), FERRYE_OK);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  sink_free(&b1);
  sink_free(&b2);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(multi_cleanup_with_added_handles_leaves_them_usable) {
  tserver *slow = tserver_start(), *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  sink body[3];
  ferry_easy *e[3];
  halt_ctx h = {&body[1]};
  unsigned reqs;

  memset(body, 0, sizeof(body));
  script_never_ending_body(slow);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e[0] = fx_easy(fx_url(s, "/done"), &body[0], NULL);    /* finished */
  e[1] = fx_easy(fx_url(slow, "/slow"), &body[1], NULL); /* mid-transfer */
  e[2] = fx_easy(fx_url(s, "/later"), &body[2], NULL);   /* never started */
  ASSERT_EQ(ferry_multi_add_handle(m, e[1]), FERRYM_OK);
  ASSERT_EQ(ferry_multi_add_handle(m, e[0]), FERRYM_OK);
  ASSERT_EQ(drive(m, slow_has_bytes_and_other_done, &h), 0);
  ASSERT_EQ(ferry_multi_add_handle(m, e[2]), FERRYM_OK);
  reqs = tserver_requests(s);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  /* the halted transfer's connection is closed */
  ASSERT_EQ(tserver_wait_closed(slow, 1, 5000), 0);
  ASSERT_EQ(tserver_requests(s), reqs);
  /* each handle is whole and works on its own */
  ferry_easy_setopt(e[1], FERRYOPT_URL, fx_url(s, "/slow-now-fast"));
  for (int i = 0; i < 3; i++) {
    sink_free(&body[i]);
    ASSERT_EQ(ferry_easy_perform(e[i]), FERRYE_OK);
    ASSERT_MEM_EQ(body[i].data, body[i].len, "hello");
    ASSERT_EQ(ferry_easy_cleanup(e[i]), FERRYE_OK);
    sink_free(&body[i]);
  }
  ASSERT_EQ(tserver_stop(slow), 0);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- the connection pool ---------------------------------------------- */

static long num_connects(ferry_easy *e) {
  long n = -1;
  if (ferry_easy_getinfo(e, FERRYINFO_NUM_CONNECTS, &n) != FERRYE_OK)
    return -2;
  return n;
}

/* Add e, drive the multi until nothing runs, and return e's result. */
static ferry_code run_one(ferry_multi *m, ferry_easy *e) {
  ferry_code res = FERRYE_LAST;
  if (ferry_multi_add_handle(m, e) != FERRYM_OK || drive(m, NULL, NULL) != 0 ||
      read_msgs(m, &e, &res, 1) != 1)
    return FERRYE_LAST;
  return res;
}

TEST_IMPL(sequential_transfers_on_one_multi_reuse_one_connection) {
  tserver *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  sink b1 = {0}, b2 = {0};
  ferry_easy *e1, *e2;

  tserver_respond_always(s, FX_OK_HELLO, 0);
  e1 = fx_easy(fx_url(s, "/1"), &b1, NULL);
  e2 = fx_easy(fx_url(s, "/2"), &b2, NULL);
  ASSERT_EQ(run_one(m, e1), FERRYE_OK);
  ASSERT_EQ(num_connects(e1), 1);
  ASSERT_EQ(run_one(m, e2), FERRYE_OK);
  ASSERT_EQ(num_connects(e2), 0);
  ASSERT_MEM_EQ(b2.data, b2.len, "hello");
  ASSERT_EQ(tserver_connections(s), 1);
  ASSERT_EQ(tserver_requests(s), 2);
  ASSERT_EQ(ferry_multi_remove_handle(m, e1), FERRYM_OK);
  ASSERT_EQ(ferry_multi_remove_handle(m, e2), FERRYM_OK);
  ferry_easy_cleanup(e1);
  ferry_easy_cleanup(e2);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  sink_free(&b1);
  sink_free(&b2);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(removing_and_readding_handles_keeps_the_pool) {
  tserver *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  sink b1 = {0}, b2 = {0};
  ferry_easy *e1, *e2;

  tserver_respond_always(s, FX_OK_HELLO, 0);
  e1 = fx_easy(fx_url(s, "/1"), &b1, NULL);
  ASSERT_EQ(run_one(m, e1), FERRYE_OK);
  ASSERT_EQ(ferry_multi_remove_handle(m, e1), FERRYM_OK);
  ASSERT_EQ(ferry_easy_cleanup(e1), FERRYE_OK);
  /* the multi is empty now; a new handle still finds the connection */
  e2 = fx_easy(fx_url(s, "/2"), &b2, NULL);
  ASSERT_EQ(run_one(m, e2), FERRYE_OK);
  ASSERT_EQ(num_connects(e2), 0);
  /* and so does the same handle removed and added again */
  ASSERT_EQ(ferry_multi_remove_handle(m, e2), FERRYM_OK);
  sink_free(&b2);
  ASSERT_EQ(run_one(m, e2), FERRYE_OK);
  ASSERT_EQ(num_connects(e2), 0);
  ASSERT_MEM_EQ(b2.data, b2.len, "hello");
  ASSERT_EQ(tserver_connections(s), 1);
  ASSERT_EQ(tserver_requests(s), 3);
  ASSERT_EQ(ferry_multi_remove_handle(m, e2), FERRYM_OK);
  ASSERT_EQ(ferry_easy_cleanup(e2), FERRYE_OK);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  sink_free(&b1);
  sink_free(&b2);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(forbid_reuse_closes_the_connection_after_the_transfer) {
  tserver *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  sink b1 = {0}, b2 = {0};
  ferry_easy *e1, *e2;

  tserver_respond_always(s, FX_OK_HELLO, 0);
  e1 = fx_easy(fx_url(s, "/1"), &b1, NULL);
  ferry_easy_setopt(e1, FERRYOPT_FORBID_REUSE, 1L);
  ASSERT_EQ(run_one(m, e1), FERRYE_OK);
  ASSERT_EQ(tserver_wait_closed(s, 1, 5000), 0);
  e2 = fx_easy(fx_url(s, "/2"), &b2, NULL);
  ASSERT_EQ(run_one(m, e2), FERRYE_OK);
  ASSERT_EQ(num_connects(e2), 1);
  ASSERT_EQ(tserver_connections(s), 2);
  ASSERT_EQ(ferry_multi_remove_handle(m, e1), FERRYM_OK);
  ASSERT_EQ(ferry_multi_remove_handle(m, e2), FERRYM_OK);
  ferry_easy_cleanup(e1);
  ferry_easy_cleanup(e2);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  sink_free(&b1);
  sink_free(&b2);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(fresh_connect_opens_a_new_connection) {
  tserver *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  sink b1 = {0}, b2 = {0}, b3 = {0};
  ferry_easy *e1, *e2, *e3;

  tserver_respond_always(s, FX_OK_HELLO, 0);
  e1 = fx_easy(fx_url(s, "/1"), &b1, NULL);
  ASSERT_EQ(run_one(m, e1), FERRYE_OK);
  e2 = fx_easy(fx_url(s, "/2"), &b2, NULL);
  ferry_easy_setopt(e2, FERRYOPT_FRESH_CONNECT, 1L);
  ASSERT_EQ(run_one(m, e2), FERRYE_OK);
  ASSERT_EQ(num_connects(e2), 1);
  ASSERT_EQ(tserver_connections(s), 2);
  /* without the option, a pooled connection is taken again */
  e3 = fx_easy(fx_url(s, "/3"), &b3, NULL);
  ASSERT_EQ(run_one(m, e3), FERRYE_OK);
  ASSERT_EQ(num_connects(e3), 0);
  ASSERT_EQ(tserver_connections(s), 2);
  ASSERT_EQ(ferry_multi_remove_handle(m, e1), FERRYM_OK);
  ASSERT_EQ(ferry_multi_remove_handle(m, e2), FERRYM_OK);
  ASSERT_EQ(ferry_multi_remove_handle(m, e3), FERRYM_OK);
  ferry_easy_cleanup(e1);
  ferry_easy_cleanup(e2);
  ferry_easy_cleanup(e3);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  sink_free(&b1);
  sink_free(&b2);
  sink_free(&b3);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(maxconnects_one_keeps_one_idle_connection_across_hosts) {
  tserver *s1 = tserver_start(), *s2 = tserver_start();
  ferry_multi *m = ferry_multi_init();
  sink b[4];
  ferry_easy *e[4];

  memset(b, 0, sizeof(b));
  tserver_respond_always(s1, FX_OK_HELLO, 0);
  tserver_respond_always(s2, FX_OK_HELLO, 0);
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_MAXCONNECTS, 1L), FERRYM_OK);
  e[0] = fx_easy(fx_url(s1, "/a"), &b[0], NULL);
  e[1] = fx_easy(fx_url(s2, "/b"), &b[1], NULL);
  e[2] = fx_easy(fx_url(s2, "/c"), &b[2], NULL);
  e[3] = fx_easy(fx_url(s1, "/d"), &b[3], NULL);
  ASSERT_EQ(run_one(m, e[0]), FERRYE_OK);
  ASSERT_EQ(run_one(m, e[1]), FERRYE_OK);
  /* parking s2's connection pushed out s1's */
  ASSERT_EQ(tserver_wait_closed(s1, 1, 5000), 0);
  ASSERT_EQ(tserver_wait_closed(s2, 1, 0), -1);
  ASSERT_EQ(run_one(m, e[2]), FERRYE_OK);
  ASSERT_EQ(num_connects(e[2]), 0);
  ASSERT_EQ(run_one(m, e[3]), FERRYE_OK);
  ASSERT_EQ(num_connects(e[3]), 1);
  ASSERT_EQ(tserver_connections(s1), 2);
  ASSERT_EQ(tserver_connections(s2), 1);
  ASSERT_EQ(tserver_wait_closed(s2, 1, 5000), 0);
  for (int i = 0; i < 4; i++) {
    ASSERT_MEM_EQ(b[i].data, b[i].len, "hello");
    ASSERT_EQ(ferry_multi_remove_handle(m, e[i]), FERRYM_OK);
    ferry_easy_cleanup(e[i]);
    sink_free(&b[i]);
  }
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  ASSERT_EQ(tserver_stop(s1), 0);
  ASSERT_EQ(tserver_stop(s2), 0);
  return 0;
}

#define N_LIMITED 10

typedef struct limit_ctx {
  tserver *s;
  unsigned max_seen;
} limit_ctx;

static int note_connections(void *arg, int running) {
  limit_ctx *l = arg;
  unsigned n = tserver_connections(l->s);
  if (n > l->max_seen)
    l->max_seen = n;
  return running == 0;
}

/* Ten transfers to one slow keep-alive server under a limit of two
 * connections: the server never accepts more than two, so at most two were
 * ever open at once, and every transfer still succeeds. */
static int run_limited(ferry_moption limit) {
  static const ts_step slow_reply[] = {
      FX_STEP_REQ,
      FX_STEP_DELAY(20),
      FX_STEP_SEND(FX_OK_HELLO),
  };
  tserver *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  sink b[N_LIMITED];
  ferry_easy *e[N_LIMITED];
  ferry_code res[N_LIMITED];
  limit_ctx l = {s, 0};
  long total = 0;

  memset(b, 0, sizeof(b));
  tserver_default_script_loop(s, FX_STEPS(slow_reply));
  ASSERT_EQ(ferry_multi_setopt(m, limit, 2L), FERRYM_OK);
  for (int i = 0; i < N_LIMITED; i++) {
    res[i] = FERRYE_LAST;
    e[i] = fx_easy(fx_url(s, "/limited"), &b[i], NULL);
    ASSERT_EQ(ferry_multi_add_handle(m, e[i]), FERRYM_OK);
  }
  ASSERT_EQ(drive(m, note_connections, &l), 0);
  ASSERT_EQ(read_msgs(m, e, res, N_LIMITED), N_LIMITED);
  for (int i = 0; i < N_LIMITED; i++) {
    ASSERT_EQ(res[i], FERRYE_OK);
    ASSERT_MEM_EQ(b[i].data, b[i].len, "hello");
    total += num_connects(e[i]);
    ASSERT_EQ(ferry_multi_remove_handle(m, e[i]), FERRYM_OK);
    ferry_easy_cleanup(e[i]);
    sink_free(&b[i]);
  }
  ASSERT_LE(l.max_seen, 2);
  ASSERT_EQ(tserver_connections(s), 2);
  ASSERT_EQ(total, 2);
  ASSERT_EQ(tserver_requests(s), N_LIMITED);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(max_host_connections_queues_transfers_beyond_the_limit) {
  return run_limited(FERRYMOPT_MAX_HOST_CONNECTIONS);
}

TEST_IMPL(max_total_connections_queues_transfers_beyond_the_limit) {
  return run_limited(FERRYMOPT_MAX_TOTAL_CONNECTIONS);
}

/* ---- name resolution -------------------------------------------------- */

TEST_IMPL(resolve_option_sends_a_name_to_the_given_address) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_slist *resolve = NULL;
  ferry_easy *e;
  char entry[64], url[64], want[256];
  char *req, *ip = NULL;
  size_t len;

  tserver_respond_always(s, FX_OK_HELLO, 0);
  snprintf(entry, sizeof(entry), "example.test:%d:127.0.0.1", tserver_port(s));
  snprintf(url, sizeof(url), "http://example.test:%d/r", tserver_port(s));
  resolve = ferry_slist_append(resolve, entry);
  e = fx_easy(url, &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_RESOLVE, resolve);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_PRIMARY_IP, &ip), FERRYE_OK);
  ASSERT_STR_EQ(ip, "127.0.0.1");
  req = tserver_request(s, 0, &len);
  ASSERT_MEM_EQ(req, len,
                fmt_want(want, sizeof(want),
                         "GET /r HTTP/1.1\r\nHost: example.test:%d\r\n"
                         "Accept: */*\r\n\r\n",
                         tserver_port(s)));
  free(req);
  ferry_easy_cleanup(e);
  ferry_slist_free_all(resolve);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(connect_falls_back_to_the_next_address) {
  tserver *s = tserver_start();
  sink body = {0}, text = {0};
  ferry_slist *resolve = NULL;
  ferry_easy *e;
  char entry[64], url[64];
  char *ip = NULL;

  /* [::1] first: nothing listens there on this port (the server is on
   * 127.0.0.1 only), so that connect fails and the next address is tried */
  tserver_respond_always(s, FX_OK_HELLO, 0);
  snprintf(entry, sizeof(entry), "example.test:%d:[::1],127.0.0.1",
           tserver_port(s));
  snprintf(url, sizeof(url), "http://example.test:%d/", tserver_port(s));
  resolve = ferry_slist_append(resolve, entry);
  e = fx_easy(url, &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_RESOLVE, resolve);
  ferry_easy_setopt(e, FERRYOPT_VERBOSE, 1L);
  ferry_easy_setopt(e, FERRYOPT_DEBUGFUNCTION, collect_text);
  ferry_easy_setopt(e, FERRYOPT_DEBUGDATA, &text);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_PRIMARY_IP, &ip), FERRYE_OK);
  ASSERT_STR_EQ(ip, "127.0.0.1");
  ASSERT_EQ(tserver_connections(s), 1);
  ferry_easy_cleanup(e);
  ferry_slist_free_all(resolve);
  sink_free(&body);
  sink_free(&text);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(localhost_is_resolved_and_connected) {
  tserver *s = tserver_start();
  sink body = {0}, text = {0};
  ferry_easy *e;
  char url[64], want[256];
  char *req, *ip = NULL;
  size_t len;

  /* the server listens on 127.0.0.1 only: if the resolver gives ::1
   * first, ferry has to go on to the next address */
  tserver_respond_always(s, FX_OK_HELLO, 0);
  snprintf(url, sizeof(url), "http://localhost:%d/", tserver_port(s));
  e = fx_easy(url, &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_VERBOSE, 1L);
  ferry_easy_setopt(e, FERRYOPT_DEBUGFUNCTION, collect_text);
  ferry_easy_setopt(e, FERRYOPT_DEBUGDATA, &text);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_NOT_NULL(strstr(text.data, "Resolving localhost"));
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_PRIMARY_IP, &ip), FERRYE_OK);
  ASSERT_STR_EQ(ip, "127.0.0.1");
  req = tserver_request(s, 0, &len);
  ASSERT_MEM_EQ(req, len,
                fmt_want(want, sizeof(want),
                         "GET / HTTP/1.1\r\nHost: localhost:%d\r\n"
                         "Accept: */*\r\n\r\n",
                         tserver_port(s)));
  free(req);
  ferry_easy_cleanup(e);
  sink_free(&body);
  sink_free(&text);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* Two transfers to localhost on one multi, each on a new connection (so
 * that each has to find the address); text[i] gets transfer i's trace. */
static int two_localhost_lookups(long cache_timeout, sink text[2]) {
  tserver *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  sink body[2];
  ferry_easy *e[2];
  char url[64];
  char path[128];

  memset(body, 0, sizeof(body));
  tserver_respond_always(s, FX_OK_HELLO, 0);
  snprintf(url, sizeof(url), "http://localhost:%d/", tserver_port(s));
  for (int i = 0; i < 2; i++) {
    e[i] = fx_easy(url, &body[i], NULL);
    ferry_easy_setopt(e[i], FERRYOPT_FORBID_REUSE, 1L);
    ferry_easy_setopt(e[i], FERRYOPT_DNS_CACHE_TIMEOUT, cache_timeout);
    ferry_easy_setopt(e[i], FERRYOPT_VERBOSE, 1L);
    ferry_easy_setopt(e[i], FERRYOPT_DEBUGFUNCTION, collect_text);
    ferry_easy_setopt(e[i], FERRYOPT_DEBUGDATA, &text[i]);
    ASSERT_EQ(run_one(m, e[i]), FERRYE_OK);
    ASSERT_MEM_EQ(body[i].data, body[i].len, "hello");
    /* it went through the lookup and a new connect */
    state_path(&text[i], path, sizeof(path));
    ASSERT_STR_EQ(path, "RESOLVE CONNECT SEND RECV_HEADERS RECV_BODY DONE");
  }
  ASSERT_EQ(tserver_connections(s), 2);
  for (int i = 0; i < 2; i++) {
    ASSERT_EQ(ferry_multi_remove_handle(m, e[i]), FERRYM_OK);
    ferry_easy_cleanup(e[i]);
    sink_free(&body[i]);
  }
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(dns_cache_serves_a_second_lookup_within_the_timeout) {
  sink text[2];
  memset(text, 0, sizeof(text));
  if (two_localhost_lookups(60, text))
    return 1;
  ASSERT_NOT_NULL(strstr(text[0].data, "Resolving localhost"));
  ASSERT_NULL(strstr(text[1].data, "Resolving"));
  sink_free(&text[0]);
  sink_free(&text[1]);
  return 0;
}

TEST_IMPL(dns_cache_timeout_zero_resolves_every_time) {
  sink text[2];
  memset(text, 0, sizeof(text));
  if (two_localhost_lookups(0, text))
    return 1;
  ASSERT_NOT_NULL(strstr(text[0].data, "Resolving localhost"));
  ASSERT_NOT_NULL(strstr(text[1].data, "Resolving localhost"));
  sink_free(&text[0]);
  sink_free(&text[1]);
  return 0;
}

/* ---- messages and handles --------------------------------------------- */

TEST_IMPL(info_read_gives_a_done_message_per_transfer_with_its_result) {
  static const ts_step hang_up[] = {FX_STEP_REQ, FX_STEP_CLOSE};
  tserver *ok = tserver_start(), *notfound = tserver_start(),
          *empty = tserver_start();
  ferry_multi *m = ferry_multi_init();
  sink b[3];
  ferry_easy *e[3];
  ferry_code res[3] = {FERRYE_LAST, FERRYE_LAST, FERRYE_LAST};
  ferry_msg *msg;
  int left = -1, seen[3] = {0, 0, 0};

  memset(b, 0, sizeof(b));
  tserver_respond_always(ok, FX_OK_HELLO, 0);
  tserver_respond_always(notfound,
                         "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 0);
  tserver_default_script(empty, FX_STEPS(hang_up));
  e[0] = fx_easy(fx_url(ok, "/"), &b[0], NULL);
  e[1] = fx_easy(fx_url(notfound, "/"), &b[1], NULL);
  ferry_easy_setopt(e[1], FERRYOPT_FAILONERROR, 1L);
  e[2] = fx_easy(fx_url(empty, "/"), &b[2], NULL);
  for (int i = 0; i < 3; i++)
    ASSERT_EQ(ferry_multi_add_handle(m, e[i]), FERRYM_OK);
  ASSERT_EQ(drive(m, NULL, NULL), 0);
  /* three messages, counting down */
  for (int k = 2; k >= 0; k--) {
    msg = ferry_multi_info_read(m, &left);
    ASSERT_NOT_NULL(msg);
    ASSERT_EQ(msg->msg, FERRYMSG_DONE);
    ASSERT_EQ(left, k);
    for (int i = 0; i < 3; i++) {
      if (msg->easy_handle == e[i]) {
        seen[i]++;
        res[i] = msg->data.result;
      }
    }
  }
  ASSERT_NULL(ferry_multi_info_read(m, &left));
  ASSERT_EQ(left, 0);
  for (int i = 0; i < 3; i++)
    ASSERT_EQ(seen[i], 1);
  ASSERT_EQ(res[0], FERRYE_OK);
  ASSERT_EQ(res[1], FERRYE_HTTP_RETURNED_ERROR);
  ASSERT_EQ(res[2], FERRYE_GOT_NOTHING);
  for (int i = 0; i < 3; i++) {
    ASSERT_EQ(ferry_multi_remove_handle(m, e[i]), FERRYM_OK);
    ferry_easy_cleanup(e[i]);
    sink_free(&b[i]);
  }
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  ASSERT_EQ(tserver_stop(ok), 0);
  ASSERT_EQ(tserver_stop(notfound), 0);
  ASSERT_EQ(tserver_stop(empty), 0);
  return 0;
}

TEST_IMPL(get_handles_lists_exactly_the_added_handles) {
  ferry_multi *m = ferry_multi_init();
  ferry_easy *e[3], **a;

  a = ferry_multi_get_handles(m);
  ASSERT_NOT_NULL(a);
  ASSERT_NULL(a[0]);
  ferry_free(a);
  for (int i = 0; i < 3; i++) {
    e[i] = ferry_easy_init();
    ASSERT_EQ(ferry_multi_add_handle(m, e[i]), FERRYM_OK);
  }
  ASSERT_EQ(ferry_multi_remove_handle(m, e[1]), FERRYM_OK);
  a = ferry_multi_get_handles(m);
  ASSERT_NOT_NULL(a);
  ASSERT_NOT_NULL(a[0]);
  ASSERT_NOT_NULL(a[1]);
  ASSERT_NULL(a[2]);
  ASSERT((a[0] == e[0] && a[1] == e[2]) || (a[0] == e[2] && a[1] == e[0]));
  ferry_free(a);
  for (int i = 0; i < 3; i++) {
    ASSERT_EQ(ferry_multi_remove_handle(m, e[i]), FERRYM_OK);
    ASSERT_EQ(ferry_easy_cleanup(e[i]), FERRYE_OK);
  }
  a = ferry_multi_get_handles(m);
  ASSERT_NOT_NULL(a);
  ASSERT_NULL(a[0]);
  ferry_free(a);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  return 0;
}

/* ---- waiting and waking ----------------------------------------------- */

static void *wake_later(void *arg) {
  usleep(50 * 1000); /* the test passes whether or not poll has begun */
  return (void *)(intptr_t)ferry_multi_wakeup(arg);
}

TEST_IMPL(multi_poll_with_nothing_to_do_sleeps_its_timeout) {
  ferry_multi *m = ferry_multi_init();
  uint64_t t0 = uv_hrtime();
  int numfds = -1;

  ASSERT_EQ(ferry_multi_poll(m, NULL, 0, 200, &numfds), FERRYM_OK);
  ASSERT_GE(ms_since(t0), 190);
  ASSERT_EQ(numfds, 0);
  /* wait, unlike poll, returns at once with nothing to wait for */
  t0 = uv_hrtime();
  ASSERT_EQ(ferry_multi_wait(m, NULL, 0, 5000, &numfds), FERRYM_OK);
  ASSERT_LE(ms_since(t0), 1000);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  return 0;
}

TEST_IMPL(wakeup_from_another_thread_ends_poll_early) {
  ferry_multi *m = ferry_multi_init();
  pthread_t th;
  void *rc;
  uint64_t t0 = uv_hrtime();

  ASSERT_EQ(pthread_create(&th, NULL, wake_later, m), 0);
  ASSERT_EQ(ferry_multi_poll(m, NULL, 0, 10000, NULL), FERRYM_OK);
  ASSERT_LE(ms_since(t0), 5000);
  ASSERT_EQ(pthread_join(th, &rc), 0);
  ASSERT_EQ((intptr_t)rc, FERRYM_OK);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  return 0;
}

TEST_IMPL(wakeup_before_poll_ends_the_next_poll_only) {
  ferry_multi *m = ferry_multi_init();
  uint64_t t0;

  /* a wakeup sent while nobody polls ends the next poll at once... */
  ASSERT_EQ(ferry_multi_wakeup(m), FERRYM_OK);
  t0 = uv_hrtime();
  ASSERT_EQ(ferry_multi_poll(m, NULL, 0, 10000, NULL), FERRYM_OK);
  ASSERT_LE(ms_since(t0), 5000);
  /* ...and is used up by it: the poll after that sleeps again */
  t0 = uv_hrtime();
  ASSERT_EQ(ferry_multi_poll(m, NULL, 0, 200, NULL), FERRYM_OK);
  ASSERT_GE(ms_since(t0), 190);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  return 0;
}

TEST_IMPL(wait_and_poll_report_revents_of_an_extra_fd) {
  ferry_multi *m = ferry_multi_init();
  ferry_waitfd wfd;
  int fds[2], numfds;
  uint64_t t0;

  ASSERT_EQ(pipe(fds), 0);
  for (int use_poll = 0; use_poll < 2; use_poll++) {
    ferry_mcode (*fn)(ferry_multi *, ferry_waitfd *, unsigned, int, int *) =
        use_poll ? ferry_multi_poll : ferry_multi_wait;
    /* nothing to read: the whole timeout passes, no revents */
    wfd.fd = fds[0];
    wfd.events = FERRY_WAIT_POLLIN;
    wfd.revents = 0x7f;
    numfds = -1;
    t0 = uv_hrtime();
    ASSERT_EQ(fn(m, &wfd, 1, 100, &numfds), FERRYM_OK);
    ASSERT_GE(ms_since(t0), 90);
    ASSERT_EQ(numfds, 0);
    ASSERT_EQ(wfd.revents, 0);
    /* a byte in the pipe: readable at once */
    ASSERT_EQ(write(fds[1], "x", 1), 1);
    numfds = -1;
    t0 = uv_hrtime();
    ASSERT_EQ(fn(m, &wfd, 1, 5000, &numfds), FERRYM_OK);
    ASSERT_LE(ms_since(t0), 2500);
    ASSERT_EQ(numfds, 1);
    ASSERT_EQ(wfd.revents, FERRY_WAIT_POLLIN);
    {
      char c;
      ASSERT_EQ(read(fds[0], &c, 1), 1);
    }
  }
  close(fds[0]);
  close(fds[1]);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  return 0;
}

/* ---- the verbose state trace ------------------------------------------ */

TEST_IMPL(verbose_trace_shows_the_state_path_of_fresh_and_reused_connections) {
  tserver *s = tserver_start();
  sink body = {0}, text = {0};
  ferry_easy *e;
  char path[256];

  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/v"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_VERBOSE, 1L);
  ferry_easy_setopt(e, FERRYOPT_DEBUGFUNCTION, collect_text);
  ferry_easy_setopt(e, FERRYOPT_DEBUGDATA, &text);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  state_path(&text, path, sizeof(path));
  ASSERT_STR_EQ(path, "RESOLVE CONNECT SEND RECV_HEADERS RECV_BODY DONE");
  sink_free(&text);
  /* the second perform takes the handle's pooled connection; the handle
   * goes back from DONE to INIT when it is added again */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  state_path(&text, path, sizeof(path));
  ASSERT_STR_EQ(path, "INIT SEND RECV_HEADERS RECV_BODY DONE");
  ASSERT_EQ(tserver_connections(s), 1);
  ferry_easy_cleanup(e);
  sink_free(&body);
  sink_free(&text);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- setopt, strerror, duphandle, reset ------------------------------- */

TEST_IMPL(setopt_unknown_option_is_unknown_option) {
  ferry_easy *e = ferry_easy_init();
  char errbuf[FERRY_ERROR_SIZE] = "";

  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, errbuf), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, (ferry_option)9999, 1L), FERRYE_UNKNOWN_OPTION);
  ASSERT(errbuf[0] != '\0');
  ASSERT_EQ(ferry_easy_setopt(e, (ferry_option)(FERRYOPTTYPE_OBJECTPOINT + 9999),
                              (void *)NULL),
            FERRYE_UNKNOWN_OPTION);
  ASSERT_EQ(ferry_easy_cleanup(e), FERRYE_OK);
  return 0;
}

TEST_IMPL(setopt_unimplemented_option_is_not_built_in_and_named) {
  ferry_easy *e = ferry_easy_init();
  char errbuf[FERRY_ERROR_SIZE] = "";

  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, errbuf), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_PRE_PROXY, "socks5://proxy.example:1080"),
            FERRYE_NOT_BUILT_IN);
  ASSERT_NOT_NULL(strstr(errbuf, "PRE_PROXY"));
  ASSERT_EQ(ferry_easy_cleanup(e), FERRYE_OK);
  return 0;
}

TEST_IMPL(setopt_bad_value_is_bad_function_argument) {
  ferry_easy *e = ferry_easy_init();

  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, -1L),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 0L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_cleanup(e), FERRYE_OK);
  return 0;
}

TEST_IMPL(strerror_gives_distinct_texts_for_every_code) {
  static const int ecodes[] = {
#define FERRY_X_(name, num, text) num,
      FERRY_CODES(FERRY_X_)
#undef FERRY_X_
  };
  static const int mcodes[] = {
#define FERRY_X_(name, num, text) num,
      FERRY_MCODES(FERRY_X_)
#undef FERRY_X_
  };
  size_t ne = sizeof(ecodes) / sizeof(ecodes[0]);
  size_t nm = sizeof(mcodes) / sizeof(mcodes[0]);

  for (size_t i = 0; i < ne; i++) {
    const char *t = ferry_easy_strerror((ferry_code)ecodes[i]);
    ASSERT_NOT_NULL(t);
    ASSERT(t[0] != '\0');
    for (size_t j = 0; j < i; j++)
      ASSERT(strcmp(t, ferry_easy_strerror((ferry_code)ecodes[j])) != 0);
  }
  for (size_t i = 0; i < nm; i++) {
    const char *t = ferry_multi_strerror((ferry_mcode)mcodes[i]);
    ASSERT_NOT_NULL(t);
    ASSERT(t[0] != '\0');
    for (size_t j = 0; j < i; j++)
      ASSERT(strcmp(t, ferry_multi_strerror((ferry_mcode)mcodes[j])) != 0);
  }
  /* a number outside the table still gets a text */
  ASSERT_NOT_NULL(ferry_easy_strerror((ferry_code)12345));
  ASSERT_NOT_NULL(ferry_multi_strerror((ferry_mcode)12345));
  return 0;
}

TEST_IMPL(duphandle_copies_options_and_owns_its_strings) {
  tserver *s = tserver_start();
  sink b1 = {0}, b2 = {0};
  ferry_easy *orig, *dup;
  char url1[128], url2[128], want[256];
  char *req;
  size_t len;

  tserver_respond_always(s, FX_OK_HELLO, 0);
  snprintf(url1, sizeof(url1), "%s", fx_url(s, "/one"));
  snprintf(url2, sizeof(url2), "%s", fx_url(s, "/two"));
  orig = fx_easy(url1, &b1, NULL);
  ferry_easy_setopt(orig, FERRYOPT_USERAGENT, "agent/1");
  dup = ferry_easy_duphandle(orig);
  ASSERT_NOT_NULL(dup);
  ferry_easy_setopt(dup, FERRYOPT_WRITEDATA, &b2);
  /* change the original after the copy */
  ferry_easy_setopt(orig, FERRYOPT_URL, url2);
  ferry_easy_setopt(orig, FERRYOPT_USERAGENT, "agent/2");
  ASSERT_EQ(ferry_easy_perform(orig), FERRYE_OK);
  ASSERT_EQ(ferry_easy_cleanup(orig), FERRYE_OK); /* the copy must not care */
  ASSERT_EQ(ferry_easy_perform(dup), FERRYE_OK);
  ASSERT_MEM_EQ(b2.data, b2.len, "hello");
  req = tserver_request(s, 0, &len);
  ASSERT_MEM_EQ(req, len,
                fmt_want(want, sizeof(want),
                         "GET /two HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                         "User-Agent: agent/2\r\nAccept: */*\r\n\r\n",
                         tserver_port(s)));
  free(req);
  req = tserver_request(s, 1, &len);
  ASSERT_MEM_EQ(req, len,
                fmt_want(want, sizeof(want),
                         "GET /one HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                         "User-Agent: agent/1\r\nAccept: */*\r\n\r\n",
                         tserver_port(s)));
  free(req);
  ASSERT_EQ(ferry_easy_cleanup(dup), FERRYE_OK);
  sink_free(&b1);
  sink_free(&b2);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(reset_restores_default_options) {
  tserver *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  sink body = {0};
  ferry_slist *hdrs = ferry_slist_append(NULL, "X-Gone: 1");
  ferry_easy *e;
  char want[256];
  char *req, *url = NULL;
  size_t len;

  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/before"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_USERAGENT, "agent/1");
  ferry_easy_setopt(e, FERRYOPT_CUSTOMREQUEST, "DELETE");
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, hdrs);
  ferry_easy_setopt(e, FERRYOPT_POSTFIELDS, "x=1");
  /* while added, reset leaves the handle alone */
  ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_OK);
  ferry_easy_reset(e);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_EFFECTIVE_URL, &url), FERRYE_OK);
  ASSERT_STR_EQ(url, fx_url(s, "/before"));
  ASSERT_EQ(ferry_multi_remove_handle(m, e), FERRYM_OK);
  ferry_easy_reset(e);
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/after"));
  ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, sink_write);
  ferry_easy_setopt(e, FERRYOPT_WRITEDATA, &body);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  req = tserver_request(s, 0, &len);
  ASSERT_MEM_EQ(req, len,
                fmt_want(want, sizeof(want),
                         "GET /after HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                         "Accept: */*\r\n\r\n",
                         tserver_port(s)));
  free(req);
  ferry_easy_cleanup(e);
  ferry_slist_free_all(hdrs);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- getinfo ---------------------------------------------------------- */

TEST_IMPL(getinfo_reports_url_code_version_type_and_private) {
  tserver *s11 = tserver_start(), *s10 = tserver_start();
  sink body = {0};
  ferry_easy *e;
  char *url = NULL, *ctype = NULL;
  void *priv = NULL;
  long code = 0, version = 0;
  int marker;

  tserver_respond_always(s11, FX_OK_HELLO, 0);
  tserver_respond_always(s10,
                         "HTTP/1.0 201 Created\r\nContent-Length: 2\r\n"
                         "Content-Type: application/json\r\n\r\n{}",
                         0);
  e = fx_easy(fx_url(s11, "/a/b?c=d"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_PRIVATE, &marker);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_EFFECTIVE_URL, &url), FERRYE_OK);
  ASSERT_STR_EQ(url, fx_url(s11, "/a/b?c=d"));
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_RESPONSE_CODE, &code), FERRYE_OK);
  ASSERT_EQ(code, 200);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_HTTP_VERSION, &version), FERRYE_OK);
  ASSERT_EQ(version, FERRY_HTTP_VERSION_1_1);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_CONTENT_TYPE, &ctype), FERRYE_OK);
  ASSERT_STR_EQ(ctype, "text/plain");
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_PRIVATE, &priv), FERRYE_OK);
  ASSERT(priv == &marker);
  /* an HTTP/1.0 server */
  sink_free(&body);
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s10, "/ten"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "{}");
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_EFFECTIVE_URL, &url), FERRYE_OK);
  ASSERT_STR_EQ(url, fx_url(s10, "/ten"));
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_RESPONSE_CODE, &code), FERRYE_OK);
  ASSERT_EQ(code, 201);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_HTTP_VERSION, &version), FERRYE_OK);
  ASSERT_EQ(version, FERRY_HTTP_VERSION_1_0);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_CONTENT_TYPE, &ctype), FERRYE_OK);
  ASSERT_STR_EQ(ctype, "application/json");
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s11), 0);
  ASSERT_EQ(tserver_stop(s10), 0);
  return 0;
}

TEST_IMPL(getinfo_times_are_in_transfer_order) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  ferry_off_t t[5];
  static const ferry_info ids[5] = {
      FERRYINFO_NAMELOOKUP_TIME_T, FERRYINFO_CONNECT_TIME_T,
      FERRYINFO_PRETRANSFER_TIME_T, FERRYINFO_STARTTRANSFER_TIME_T,
      FERRYINFO_TOTAL_TIME_T};
  static const ts_step slow[] = {FX_STEP_REQ, FX_STEP_DELAY(50),
                                 FX_STEP_SEND(FX_OK_HELLO)};

  tserver_default_script(s, FX_STEPS(slow));
  e = fx_easy(fx_url(s, "/t"), &body, NULL);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  for (int i = 0; i < 5; i++) {
    t[i] = -1;
    ASSERT_EQ(ferry_easy_getinfo(e, ids[i], &t[i]), FERRYE_OK);
    ASSERT_GE(t[i], 0);
    if (i > 0)
      ASSERT_LE(t[i - 1], t[i]);
  }
  /* the server waited 50 ms before answering (its loop clock has
   * millisecond steps, so allow a few of them) */
  ASSERT_GE(t[3] - t[2], 45000);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(getinfo_reports_sizes_speeds_and_header_bytes) {
  tserver *s = tserver_start();
  sink body = {0}, hdr = {0};
  ferry_easy *e;
  ferry_off_t dl = -1, ul = -1, sdl = -1, sul = -1, clen = -2;
  long header_size = -1, request_size = -1;
  char *req;
  size_t len;

  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/sizes"), &body, &hdr);
  ferry_easy_setopt(e, FERRYOPT_POSTFIELDS, "0123456789");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_SIZE_DOWNLOAD_T, &dl), FERRYE_OK);
  ASSERT_EQ(dl, 5);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_SIZE_UPLOAD_T, &ul), FERRYE_OK);
  ASSERT_EQ(ul, 10);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_SPEED_DOWNLOAD_T, &sdl), FERRYE_OK);
  ASSERT_GE(sdl, 1);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_SPEED_UPLOAD_T, &sul), FERRYE_OK);
  ASSERT_GE(sul, 1);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_CONTENT_LENGTH_DOWNLOAD_T, &clen),
            FERRYE_OK);
  ASSERT_EQ(clen, 5);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_HEADER_SIZE, &header_size), FERRYE_OK);
  ASSERT_EQ(header_size, (long)hdr.len);
  ASSERT_EQ(header_size,
            (long)strlen("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                         "Content-Type: text/plain\r\n\r\n"));
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_REQUEST_SIZE, &request_size),
            FERRYE_OK);
  req = tserver_request(s, 0, &len);
  ASSERT_NOT_NULL(req);
  /* the head and the small body sent with it, as libcurl counts them */
  ASSERT_EQ(request_size, (long)(strstr(req, "\r\n\r\n") + 4 - req) + 10);
  ASSERT_EQ(request_size, (long)len);
  free(req);
  ferry_easy_cleanup(e);
  sink_free(&body);
  sink_free(&hdr);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(getinfo_reports_addresses_and_connects) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  char *pip = NULL, *lip = NULL;
  long pport = 0, lport = 0, nconn = -1;

  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/addr"), &body, NULL);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_PRIMARY_IP, &pip), FERRYE_OK);
  ASSERT_STR_EQ(pip, "127.0.0.1");
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_PRIMARY_PORT, &pport), FERRYE_OK);
  ASSERT_EQ(pport, tserver_port(s));
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_LOCAL_IP, &lip), FERRYE_OK);
  ASSERT_STR_EQ(lip, "127.0.0.1");
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_LOCAL_PORT, &lport), FERRYE_OK);
  ASSERT_GE(lport, 1);
  ASSERT_NE(lport, pport);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_NUM_CONNECTS, &nconn), FERRYE_OK);
  ASSERT_EQ(nconn, 1);
  /* again on the kept connection: same addresses, no new connect */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_NUM_CONNECTS, &nconn), FERRYE_OK);
  ASSERT_EQ(nconn, 0);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_PRIMARY_PORT, &pport), FERRYE_OK);
  ASSERT_EQ(pport, tserver_port(s));
  {
    long lport2 = 0;
    ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_LOCAL_PORT, &lport2), FERRYE_OK);
    ASSERT_EQ(lport2, lport);
  }
  ASSERT_EQ(tserver_connections(s), 1);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(getinfo_os_errno_after_refused_connect_is_econnrefused) {
  struct sockaddr_in sa;
  socklen_t salen = sizeof(sa);
  sink body = {0};
  ferry_easy *e;
  char url[64];
  long err = 0;
  int fd;

  /* a port that is bound but not listening refuses connections, and stays
   * ours while the test runs */
  fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  ASSERT_EQ(getsockname(fd, (struct sockaddr *)&sa, &salen), 0);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ntohs(sa.sin_port));
  e = fx_easy(url, &body, NULL);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_COULDNT_CONNECT);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_OS_ERRNO, &err), FERRYE_OK);
  ASSERT_EQ(err, ECONNREFUSED);
  ASSERT_EQ(body.len, 0);
  close(fd);
  ferry_easy_cleanup(e);
  return 0;
}

/* ---- the request sent ------------------------------------------------- */

/* Perform e against s and compare the first request with fmt, in which a
 * %d (if any) stands for the server's port. */
static int check_request(tserver *s, ferry_easy *e, const char *fmt) {
  char want[1024];
  char *req;
  size_t len;
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  req = tserver_request(s, 0, &len);
  ASSERT_NOT_NULL(req);
  ASSERT_MEM_EQ(req, len, fmt_want(want, sizeof(want), fmt, tserver_port(s)));
  free(req);
  return 0;
}

TEST_IMPL(httpheader_removes_empties_and_replaces_headers) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_slist *h = NULL;
  ferry_easy *e;

  tserver_respond_always(s, FX_OK_HELLO, 0);
  h = ferry_slist_append(h, "Accept:");
  h = ferry_slist_append(h, "X-Empty;");
  h = ferry_slist_append(h, "Host: other.example:99");
  h = ferry_slist_append(h, "X-Custom: yes");
  e = fx_easy(fx_url(s, "/h"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, h);
  if (check_request(s, e,
                    "GET /h HTTP/1.1\r\nHost: other.example:99\r\n"
                    "X-Empty:\r\nX-Custom: yes\r\n\r\n"))
    return 1;
  ferry_easy_cleanup(e);
  ferry_slist_free_all(h);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(useragent_is_sent_as_user_agent_header) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;

  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/ua"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_USERAGENT, "ferry-test/1.0");
  if (check_request(s, e,
                    "GET /ua HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                    "User-Agent: ferry-test/1.0\r\nAccept: */*\r\n\r\n"))
    return 1;
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(postfields_sends_a_form_post_with_the_exact_body) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;

  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/form"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_POSTFIELDS, "name=ferry&x=1");
  if (check_request(s, e,
                    "POST /form HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                    "Accept: */*\r\nContent-Length: 14\r\n"
                    "Content-Type: application/x-www-form-urlencoded\r\n"
                    "\r\nname=ferry&x=1"))
    return 1;
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(postfieldsize_sends_binary_data_with_nul_bytes) {
  static const char data[] = {'a', '\0', 'b', '\0', '\xff', 'c'};
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  char head[256];
  char *req;
  size_t len, hlen;

  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/bin"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_POSTFIELDSIZE, (long)sizeof(data));
  ferry_easy_setopt(e, FERRYOPT_POSTFIELDS, data);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  hlen = (size_t)snprintf(head, sizeof(head),
                          "POST /bin HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                          "Accept: */*\r\nContent-Length: 6\r\n"
                          "Content-Type: application/x-www-form-urlencoded\r\n"
                          "\r\n",
                          tserver_port(s));
  req = tserver_request(s, 0, &len);
  ASSERT_NOT_NULL(req);
  ASSERT_EQ(len, hlen + sizeof(data));
  ASSERT_MEM_EQ(req, hlen, head);
  ASSERT(memcmp(req + hlen, data, sizeof(data)) == 0);
  free(req);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(copypostfields_sends_a_copy_made_at_setopt) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  char data[] = "name=one";

  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/copy"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_COPYPOSTFIELDS, data);
  memcpy(data, "XXXXXXXX", 8);
  if (check_request(s, e,
                    "POST /copy HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                    "Accept: */*\r\nContent-Length: 8\r\n"
                    "Content-Type: application/x-www-form-urlencoded\r\n"
                    "\r\nname=one"))
    return 1;
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

typedef struct reader {
  const char *data;
  size_t len, off;
} reader;

static size_t read_from(char *buf, size_t size, size_t n, void *ud) {
  reader *r = ud;
  size_t room = size * n, left = r->len - r->off;
  if (room > left)
    room = left;
  memcpy(buf, r->data + r->off, room);
  r->off += room;
  return room;
}

TEST_IMPL(upload_with_size_sends_a_put_with_the_exact_body) {
  enum { N = 40000 };
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  char *data = malloc(N), head[256];
  reader r = {data, N, 0};
  char *req;
  size_t len, hlen;
  ferry_off_t ul = -1;

  for (size_t i = 0; i < N; i++)
    data[i] = (char)('a' + i % 26);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/put"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_UPLOAD, 1L);
  ferry_easy_setopt(e, FERRYOPT_READFUNCTION, read_from);
  ferry_easy_setopt(e, FERRYOPT_READDATA, &r);
  ferry_easy_setopt(e, FERRYOPT_INFILESIZE_LARGE, (ferry_off_t)N);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  hlen = (size_t)snprintf(head, sizeof(head),
                          "PUT /put HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                          "Accept: */*\r\nContent-Length: 40000\r\n\r\n",
                          tserver_port(s));
  req = tserver_request(s, 0, &len);
  ASSERT_NOT_NULL(req);
  ASSERT_EQ(len, hlen + N);
  ASSERT_MEM_EQ(req, hlen, head);
  ASSERT(memcmp(req + hlen, data, N) == 0);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_SIZE_UPLOAD_T, &ul), FERRYE_OK);
  ASSERT_EQ(ul, N);
  free(req);
  free(data);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

typedef struct pieces {
  const char *const *p;
  size_t i;
} pieces;

static size_t read_pieces(char *buf, size_t size, size_t n, void *ud) {
  pieces *r = ud;
  const char *s = r->p[r->i];
  size_t len;
  if (s == NULL)
    return 0;
  len = strlen(s);
  if (len > size * n)
    return FERRY_READFUNC_ABORT;
  memcpy(buf, s, len);
  r->i++;
  return len;
}

TEST_IMPL(upload_without_size_sends_chunked_encoding) {
  static const char *const parts[] = {"hello", " world, ferry here", NULL};
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  pieces r = {parts, 0};
  ferry_slist *noexpect;

  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/chunked"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_UPLOAD, 1L);
  ferry_easy_setopt(e, FERRYOPT_READFUNCTION, read_pieces);
  ferry_easy_setopt(e, FERRYOPT_READDATA, &r);
  /* "Expect:" turns off the 100-continue round trip (test-upload.c) */
  noexpect = ferry_slist_append(NULL, "Expect:");
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, noexpect);
  if (check_request(s, e,
                    "PUT /chunked HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                    "Accept: */*\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5\r\nhello\r\n12\r\n world, ferry here\r\n0\r\n\r\n"))
    return 1;
  ferry_easy_cleanup(e);
  ferry_slist_free_all(noexpect);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(customrequest_sends_the_given_method) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;

  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/thing/7"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_CUSTOMREQUEST, "DELETE");
  if (check_request(s, e,
                    "DELETE /thing/7 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                    "Accept: */*\r\n\r\n"))
    return 1;
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(nobody_sends_head_and_reads_no_body) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  ferry_off_t clen = -2, dl = -1;

  /* a HEAD answer carries the length but no body */
  tserver_respond_always(s,
                         "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                         "Content-Type: text/plain\r\n\r\n",
                         0);
  e = fx_easy(fx_url(s, "/head"), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_NOBODY, 1L);
  if (check_request(s, e,
                    "HEAD /head HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                    "Accept: */*\r\n\r\n"))
    return 1;
  ASSERT_EQ(body.len, 0);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_CONTENT_LENGTH_DOWNLOAD_T, &clen),
            FERRYE_OK);
  ASSERT_EQ(clen, 5);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_SIZE_DOWNLOAD_T, &dl), FERRYE_OK);
  ASSERT_EQ(dl, 0);
  /* the connection stays usable: nothing was left unread */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_connections(s), 1);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- the default write ------------------------------------------------ */

TEST_IMPL(default_write_puts_the_body_into_the_writedata_file) {
  tserver *s = tserver_start();
  ferry_easy *e = ferry_easy_init();
  FILE *f = tmpfile();
  char got[64];
  size_t n;

  ASSERT_NOT_NULL(f);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, "/file"));
  ferry_easy_setopt(e, FERRYOPT_WRITEDATA, f);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  rewind(f);
  n = fread(got, 1, sizeof(got), f);
  ASSERT_MEM_EQ(got, n, "hello");
  fclose(f);
  ferry_easy_cleanup(e);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

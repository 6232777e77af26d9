/* A real server, as users meet it: 1,000 transfers with 50 in flight on one
 * multi against nginx, in libuv mode and in socket_action mode. Every byte
 * is checked as it arrives, and connections must be reused. */
#include <string.h>
#include <uv.h>

#include "ferry_uv.h"
#include "nginx.h"
#include "test.h"

#define N_TOTAL 1000
#define N_FLIGHT 50
#define N_FILES 20

typedef struct slot {
  ferry_easy *e;
  unsigned seed;
  size_t size;
  size_t got;
  int bad;
} slot;

typedef struct load {
  tnginx *ngx;
  ferry_multi *m;
  slot slots[N_FLIGHT];
  size_t sizes[N_FILES];
  unsigned started, finished, failed, bad_bytes;
  long connects;
  unsigned long long bytes;
  /* socket_action glue */
  uv_loop_t *loop;
  uv_timer_t timer;
  unsigned app_sockets;
} load;

static size_t check_write(char *p, size_t size, size_t n, void *ud) {
  slot *s = ud;
  size_t len = size * n;
  if (s->got + len > s->size ||
      tnginx_check_bytes(s->seed, s->got, p, len) != len)
    s->bad = 1;
  s->got += len;
  return len;
}

static void slot_start(load *L, slot *s) {
  char url[128];
  unsigned file = L->started % N_FILES;
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/f%u.bin", tnginx_port(L->ngx),
           file);
  s->seed = file + 1;
  s->size = L->sizes[file];
  s->got = 0;
  s->bad = 0;
  ferry_easy_setopt(s->e, FERRYOPT_URL, url);
  L->started++;
  ferry_multi_add_handle(L->m, s->e);
}

/* Read completion messages; check each transfer and reuse its handle. */
static void harvest(load *L) {
  ferry_msg *msg;
  while ((msg = ferry_multi_info_read(L->m, NULL)) != NULL) {
    slot *s = NULL;
    long code = 0, nconn = 0;
    ferry_easy_getinfo(msg->easy_handle, FERRYINFO_PRIVATE, &s);
    ferry_easy_getinfo(s->e, FERRYINFO_RESPONSE_CODE, &code);
    ferry_easy_getinfo(s->e, FERRYINFO_NUM_CONNECTS, &nconn);
    L->connects += nconn;
    L->finished++;
    if (msg->data.result != FERRYE_OK || code != 200)
      L->failed++;
    if (s->bad || s->got != s->size)
      L->bad_bytes++;
    L->bytes += s->got;
    ferry_multi_remove_handle(L->m, s->e);
    if (L->started < N_TOTAL)
      slot_start(L, s);
  }
}

static void on_notify(ferry_multi *m, unsigned int what, ferry_easy *e,
                      void *ud) {
  (void)what;
  (void)e;
  (void)m;
  harvest(ud);
}

static int load_setup(load *L) {
  memset(L, 0, sizeof(*L));
  L->ngx = tnginx_start(NULL);
  if (L->ngx == NULL)
    return -1;
  for (int i = 0; i < N_FILES; i++) {
    char name[32];
    L->sizes[i] = (size_t)(i * 7919 + 1) * (i % 3 == 0 ? 17 : 1) % 200000 + 64;
    snprintf(name, sizeof(name), "f%d.bin", i);
    if (tnginx_write_file(L->ngx, name, L->sizes[i], (unsigned)i + 1) != 0)
      return -1;
  }
  L->m = ferry_multi_init();
  for (int i = 0; i < N_FLIGHT; i++) {
    slot *s = &L->slots[i];
    s->e = ferry_easy_init();
    ferry_easy_setopt(s->e, FERRYOPT_WRITEFUNCTION, check_write);
    ferry_easy_setopt(s->e, FERRYOPT_WRITEDATA, s);
    ferry_easy_setopt(s->e, FERRYOPT_PRIVATE, s);
  }
  return 0;
}

static int load_verify(load *L) {
  ASSERT_EQ(L->finished, N_TOTAL);
  ASSERT_EQ(L->failed, 0);
  ASSERT_EQ(L->bad_bytes, 0);
  /* keep-alive: at most one connection per slot, never one per transfer */
  ASSERT_GE(L->connects, 1);
  ASSERT_LE(L->connects, N_FLIGHT);
  return 0;
}

static void load_teardown_handles(load *L) {
  for (int i = 0; i < N_FLIGHT; i++)
    ferry_easy_cleanup(L->slots[i].e);
}

static int closed;
static void on_closed(ferry_multi *m, void *arg) {
  (void)m;
  (void)arg;
  closed = 1;
}

TEST_IMPL(nginx_thousand_transfers_fifty_in_flight_uv_mode) {
  load L;
  uv_loop_t loop;

  ASSERT_EQ(load_setup(&L), 0);
  ASSERT_EQ(uv_loop_init(&loop), 0);
  ASSERT_EQ(ferry_multi_use_loop(L.m, &loop), FERRYM_OK);
  ferry_multi_setopt(L.m, FERRYMOPT_NOTIFYFUNCTION, on_notify);
  ferry_multi_notify_enable(L.m, FERRYMNOTIFY_INFO_READ);
  ferry_multi_setopt(L.m, FERRYMOPT_NOTIFYDATA, &L);
  for (int i = 0; i < N_FLIGHT; i++)
    slot_start(&L, &L.slots[i]);
  ASSERT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
  if (load_verify(&L))
    return 1;
  closed = 0;
  ASSERT_EQ(ferry_multi_close(L.m, on_closed, NULL), FERRYM_OK);
  uv_run(&loop, UV_RUN_DEFAULT);
  ASSERT_EQ(closed, 1);
  load_teardown_handles(&L);
  MAKE_LOOP_HAPPY(&loop);
  ASSERT_EQ(tnginx_stop(L.ngx), 0);
  return 0;
}

/* ---- socket_action mode: the application's own glue ---- */

typedef struct app_sock {
  uv_poll_t poll;
  load *L;
  int fd;
} app_sock;

static void app_on_poll(uv_poll_t *p, int status, int events) {
  app_sock *s = p->data;
  int flags = status < 0 ? FERRY_CSELECT_ERR : 0, running;
  if (events & UV_READABLE)
    flags |= FERRY_CSELECT_IN;
  if (events & UV_WRITABLE)
    flags |= FERRY_CSELECT_OUT;
  ferry_multi_socket_action(s->L->m, s->fd, flags, &running);
  harvest(s->L);
}

static void app_sock_closed(uv_handle_t *h) { free(h->data); }

static int app_socket_cb(ferry_easy *e, ferry_socket_t fd, int what, void *ud,
                         void *socketp) {
  load *L = ud;
  app_sock *s = socketp;
  (void)e;
  if (what == FERRY_POLL_REMOVE) {
    if (s) {
      uv_poll_stop(&s->poll);
      uv_close((uv_handle_t *)&s->poll, app_sock_closed);
      L->app_sockets--;
    }
    return 0;
  }
  if (s == NULL) {
    s = calloc(1, sizeof(*s));
    s->L = L;
    s->fd = fd;
    uv_poll_init_socket(L->loop, &s->poll, fd);
    s->poll.data = s;
    ferry_multi_assign(L->m, fd, s);
    L->app_sockets++;
  }
  uv_poll_start(&s->poll,
                ((what & FERRY_POLL_IN) ? UV_READABLE : 0) |
                    ((what & FERRY_POLL_OUT) ? UV_WRITABLE : 0),
                app_on_poll);
  return 0;
}

static void app_on_timer(uv_timer_t *t) {
  load *L = t->data;
  int running;
  ferry_multi_socket_action(L->m, FERRY_SOCKET_TIMEOUT, 0, &running);
  harvest(L);
}

static int app_timer_cb(ferry_multi *m, long ms, void *ud) {
  load *L = ud;
  (void)m;
  if (ms < 0)
    uv_timer_stop(&L->timer);
  else
    uv_timer_start(&L->timer, app_on_timer, (uint64_t)ms, 0);
  return 0;
}

TEST_IMPL(nginx_thousand_transfers_fifty_in_flight_socket_action_mode) {
  load L;
  uv_loop_t loop;

  ASSERT_EQ(load_setup(&L), 0);
  ASSERT_EQ(uv_loop_init(&loop), 0);
  L.loop = &loop;
  uv_timer_init(&loop, &L.timer);
  L.timer.data = &L;
  ferry_multi_setopt(L.m, FERRYMOPT_SOCKETFUNCTION, app_socket_cb);
  ferry_multi_setopt(L.m, FERRYMOPT_SOCKETDATA, &L);
  ferry_multi_setopt(L.m, FERRYMOPT_TIMERFUNCTION, app_timer_cb);
  ferry_multi_setopt(L.m, FERRYMOPT_TIMERDATA, &L);
  for (int i = 0; i < N_FLIGHT; i++)
    slot_start(&L, &L.slots[i]);
  while (L.finished < N_TOTAL && uv_run(&loop, UV_RUN_ONCE))
    ;
  if (load_verify(&L))
    return 1;
  ASSERT_EQ(ferry_multi_cleanup(L.m), FERRYM_OK);
  ASSERT_EQ(L.app_sockets, 0); /* every socket was told REMOVE */
  load_teardown_handles(&L);
  uv_close((uv_handle_t *)&L.timer, NULL);
  MAKE_LOOP_HAPPY(&loop);
  ASSERT_EQ(tnginx_stop(L.ngx), 0);
  return 0;
}

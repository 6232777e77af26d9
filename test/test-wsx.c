/* WebSocket transfers: ws:// and wss:// URLs through the engine, in both of
 * libcurl's ways (CONNECT_ONLY 2 with ferry_ws_send/ferry_ws_recv, and
 * frames to the write callback with ferry_ws_meta), against the scripted
 * server (test/wsserver.c) and python3-websockets; many WebSockets on one
 * multi in libuv and socket_action mode; hostile servers; back-pressure.
 * test/test-ws.c tests the codec and the server alone. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "certs.h"
#include "ferry_uv.h"
#include "fx.h"
#include "pyws.h"
#include "test.h"
#include "ws.h"
#include "wsserver.h"

#define WAIT_MS 10000
#define STEPS(a) (a), (sizeof(a) / sizeof((a)[0]))

/* -- recording what the write callback gets ------------------------------ */

/* Each chunk as text: its kind (T, B, C close, P ping, O pong), "+" with
 * CONT, "@offset,bytesleft" unless it is a whole frame, ':' and the
 * payload (printable bytes as they are, others as \xx), ';'. */
typedef struct wsrec {
  ferry_easy *e;
  sink log;
  sink data;             /* payload of data frames, in order */
  unsigned chunks;
  unsigned bad_meta;     /* chunks whose meta was missing or wrong */
  size_t max_chunk;
  /* what the callback does */
  int echo;              /* send each data chunk back, as it came */
  ferry_code echo_rc;    /* the first failing echo's code */
  int pause_at;          /* return PAUSE at this chunk (1-based), once */
  int paused;
  int fail_at;           /* return 0 at this chunk (a write error) */
  int close_at;          /* at this chunk, send a close (status 4000) */
  size_t close_status_seen; /* the last close chunk's status */
} wsrec;

static const char *kind_of(int flags) {
  if (flags & FERRYWS_TEXT)
    return "T";
  if (flags & FERRYWS_BINARY)
    return "B";
  if (flags & FERRYWS_CLOSE)
    return "C";
  if (flags & FERRYWS_PING)
    return "P";
  if (flags & FERRYWS_PONG)
    return "O";
  return "?";
}

static void log_chunk(sink *log, const struct ferry_ws_frame *m,
                      const char *p, size_t n) {
  char head[96];
  int k = snprintf(head, sizeof(head), "%s%s", kind_of(m->flags),
                   (m->flags & FERRYWS_CONT) ? "+" : "");
  if (m->offset != 0 || m->bytesleft != 0)
    k += snprintf(head + k, sizeof(head) - (size_t)k, "@%lld,%lld",
                  (long long)m->offset, (long long)m->bytesleft);
  head[k++] = ':';
  sink_write(head, 1, (size_t)k, log);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != ';') {
      sink_write((char *)&c, 1, 1, log);
    } else {
      char esc[8];
      snprintf(esc, sizeof(esc), "\\%02x", c);
      sink_write(esc, 1, 3, log);
    }
  }
  sink_write(";", 1, 1, log);
}

static size_t rec_write(char *p, size_t size, size_t n, void *ud) {
  wsrec *r = ud;
  const struct ferry_ws_frame *m = ferry_ws_meta(r->e);
  size_t len = size * n;

  r->chunks++;
  if (r->pause_at && (int)r->chunks == r->pause_at && !r->paused) {
    r->paused = 1;
    r->chunks--; /* it comes again */
    return FERRY_WRITEFUNC_PAUSE;
  }
  if (r->fail_at && (int)r->chunks == r->fail_at)
    return 0;
  if (m == NULL || m->len != len || m->age != 0) {
    r->bad_meta++;
    return len;
  }
  if (len > r->max_chunk)
    r->max_chunk = len;
  log_chunk(&r->log, m, p, len);
  if (m->flags & (FERRYWS_TEXT | FERRYWS_BINARY))
    sink_write(p, 1, len, &r->data);
  if ((m->flags & FERRYWS_CLOSE) && len >= 2)
    r->close_status_seen = ((unsigned char)p[0] << 8) | (unsigned char)p[1];
  if (r->echo && (m->flags & (FERRYWS_TEXT | FERRYWS_BINARY))) {
    size_t sent = 0;
    ferry_code rc;
    if (m->offset == 0)
      rc = ferry_ws_send(r->e, p, len, &sent, (ferry_off_t)(len + m->bytesleft),
                         (unsigned)(m->flags & (FERRYWS_TEXT | FERRYWS_BINARY |
                                                FERRYWS_CONT)) |
                             FERRYWS_OFFSET);
    else
      rc = ferry_ws_send(r->e, p, len, &sent, 0, 0);
    if ((rc != FERRYE_OK || sent != len) && r->echo_rc == FERRYE_OK)
      r->echo_rc = rc != FERRYE_OK ? rc : FERRYE_SEND_ERROR;
  }
  if (r->close_at && (int)r->chunks == r->close_at) {
    size_t sent = 0;
    ferry_ws_send(r->e, "\x0f\xa0", 2, &sent, 0, FERRYWS_CLOSE);
  }
  return len;
}

static void rec_free(wsrec *r) {
  sink_free(&r->log);
  sink_free(&r->data);
}

static char *ws_url(int port, const char *path) {
  static char bufs[8][128];
  static unsigned slot;
  char *b = bufs[slot++ % 8];
  snprintf(b, 128, "ws://127.0.0.1:%d%s", port, path);
  return b;
}

/* An easy handle for a ws URL whose write callback records into r. */
static ferry_easy *rec_easy(wsrec *r, const char *url) {
  ferry_easy *e = ferry_easy_init();
  if (e == NULL)
    return NULL;
  memset(r, 0, sizeof(*r));
  r->e = e;
  ferry_easy_setopt(e, FERRYOPT_URL, url);
  ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, rec_write);
  ferry_easy_setopt(e, FERRYOPT_WRITEDATA, r);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, (long)WAIT_MS);
  return e;
}

/* Does connection conn's index-th frame from the client have this opcode,
 * FIN and payload, masked? */
static int client_frame(wsserver *s, unsigned conn, unsigned index,
                        unsigned opcode, unsigned fin, const void *payload,
                        size_t len) {
  wss_frame f;
  int ok;
  if (wsserver_frame(s, conn, index, &f) != 0) {
    fprintf(stderr, "  no frame %u on connection %u\n", index, conn);
    return 0;
  }
  ok = f.opcode == opcode && f.fin == fin && f.masked && f.rsv == 0 &&
       f.len == len && (len == 0 || memcmp(f.payload, payload, len) == 0);
  if (!ok)
    fprintf(stderr,
            "  frame %u: opcode %u fin %u masked %u rsv %u len %zu \"%.*s\"\n",
            index, f.opcode, f.fin, f.masked, f.rsv, f.len,
            (int)(f.len > 80 ? 80 : f.len), (char *)f.payload);
  wsserver_frame_free(&f);
  return ok;
}

/* -- callback mode against the scripted server --------------------------- */

TEST_IMPL(wsx_callback_mode_delivers_frames_with_meta_and_answers_the_close) {
  wss_step steps[] = {
      {.action = WSS_HANDSHAKE},
      {.action = WSS_SEND_FRAME, .opcode = 1, .data = "hello"},
      {.action = WSS_SEND_FRAME, .opcode = 2, .data = "\x00\x01", .len = 2},
      {.action = WSS_SEND_FRAME, .opcode = 1, .no_fin = 1, .data = "Hel"},
      {.action = WSS_PING, .data = "mid"},
      {.action = WSS_SEND_FRAME, .opcode = 0, .data = "lo"},
      {.action = WSS_WAIT_PONG},
      {.action = WSS_SEND_FRAME, .opcode = 10, .data = "unasked"},
      {.action = WSS_CLOSE, .status = 1000, .data = "bye"}};
  wsserver *s = wsserver_start(NULL);
  wsrec r;
  ferry_easy *e;
  long code = 0;
  char *req;
  size_t len;

  ASSERT_NOT_NULL(s);
  wsserver_default_script(s, STEPS(steps));
  e = rec_easy(&r, ws_url(wsserver_port(s), "/chat?x=1"));
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(r.log.data, r.log.len,
                "T:hello;B:\\00\\01;T+:Hel;T:lo;O:unasked;C:\\03\\e8bye;");
  ASSERT_EQ(r.bad_meta, 0);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_RESPONSE_CODE, &code), FERRYE_OK);
  ASSERT_EQ(code, 101);
  /* outside the callback there is no meta */
  ASSERT_NULL(ferry_ws_meta(e));
  /* the pong for the ping, then the close answered with its status */
  ASSERT_EQ(wsserver_get(s, WSS_PONGS_MATCHED), 1);
  ASSERT_EQ(wsserver_get(s, WSS_CLOSE_ECHOED), 1);
  ASSERT_EQ(wsserver_frames(s, 0), 2);
  ASSERT(client_frame(s, 0, 0, FERRY__WS_PONG, 1, "mid", 3));
  ASSERT(client_frame(s, 0, 1, FERRY__WS_CLOSE, 1, "\x03\xe8", 2));
  /* the handshake request, as libcurl writes it */
  req = wsserver_request(s, 0, &len);
  ASSERT_NOT_NULL(req);
  ASSERT(strncmp(req, "GET /chat?x=1 HTTP/1.1\r\nHost: 127.0.0.1:",
                 strlen("GET /chat?x=1 HTTP/1.1\r\nHost: 127.0.0.1:")) == 0);
  ASSERT(strstr(req, "\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                     "Sec-WebSocket-Key: "));
  ASSERT(strstr(req, "\r\nConnection: Upgrade\r\n\r\n"));
  free(req);
  ASSERT_NULL(wsserver_handshake_error(s, 0));
  ferry_easy_cleanup(e);
  rec_free(&r);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

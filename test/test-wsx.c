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
#include "multi.h"
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
  char *text = malloc(96 + 3 * n + 2), *q = text;
  q += sprintf(q, "%s%s", kind_of(m->flags),
               (m->flags & FERRYWS_CONT) ? "+" : "");
  if (m->offset != 0 || m->bytesleft != 0)
    q += sprintf(q, "@%lld,%lld", (long long)m->offset,
                 (long long)m->bytesleft);
  *q++ = ':';
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != ';')
      *q++ = (char)c;
    else
      q += sprintf(q, "\\%02x", c);
  }
  *q++ = ';';
  sink_write(text, 1, (size_t)(q - text), log);
  free(text);
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

TEST_IMPL(wsx_callback_mode_frames_larger_than_one_read_come_in_chunks) {
  size_t big_len = 1 << 20;
  char *big = malloc(big_len);
  wss_step steps[] = {
      {.action = WSS_HANDSHAKE},
      /* a 1 MiB frame in writes of 70000 bytes, 2 ms apart */
      {.action = WSS_SEND_FRAME, .opcode = 2, .data = big, .len = big_len,
       .piece = 70000, .delay_ms = 2},
      {.action = WSS_SEND_FRAME, .opcode = 1, .data = "after"},
      {.action = WSS_CLOSE, .status = 1001}};
  wsserver *s = wsserver_start(NULL);
  wsrec r;
  ferry_easy *e;
  const char *p, *end;
  long long expect_off = 0;
  unsigned chunks = 0;

  ASSERT_NOT_NULL(big);
  ASSERT_NOT_NULL(s);
  for (size_t i = 0; i < big_len; i++)
    big[i] = (char)(i * 7 + (i >> 10));
  wsserver_default_script(s, STEPS(steps));
  e = rec_easy(&r, ws_url(wsserver_port(s), "/"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(r.bad_meta, 0);
  /* every byte, in order, in chunks of at most the write size whose
   * offsets follow on and whose bytesleft counts down */
  ASSERT_EQ(r.data.len, big_len + 5);
  ASSERT(memcmp(r.data.data, big, big_len) == 0);
  ASSERT(memcmp(r.data.data + big_len, "after", 5) == 0);
  ASSERT_LE(r.max_chunk, FERRY_MAX_WRITE_SIZE);
  p = r.log.data;
  end = r.log.data + r.log.len;
  while (p < end && *p == 'B') {
    long long off = 0, left = 0;
    if (sscanf(p, "B@%lld,%lld:", &off, &left) != 2)
      ASSERT_EQ(strncmp(p, "B:", 2), 0); /* only a frame in one chunk */
    ASSERT_EQ(off, expect_off);
    p = strchr(p, ':');
    ASSERT_NOT_NULL(p);
    /* the payload's escaped text runs to the next ';' */
    {
      const char *q = strchr(p, ';');
      size_t n = 0;
      for (const char *x = p + 1; x < q; x++, n++)
        if (*x == '\\')
          x += 2;
      ASSERT_EQ(off + (long long)n + left, (long long)big_len);
      expect_off += (long long)n;
      p = q + 1;
    }
    chunks++;
  }
  ASSERT_EQ(expect_off, (long long)big_len);
  ASSERT_GE(chunks, big_len / FERRY_MAX_WRITE_SIZE);
  ASSERT_MEM_EQ(p, (size_t)(end - p), "T:after;C:\\03\\e9;");
  ferry_easy_cleanup(e);
  rec_free(&r);
  free(big);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(wsx_callback_mode_echoes_from_inside_the_write_callback) {
  size_t big_len = 300000;
  char *big = malloc(big_len);
  wss_step steps[] = {
      {.action = WSS_HANDSHAKE},
      {.action = WSS_SEND_FRAME, .opcode = 1, .data = "one"},
      {.action = WSS_SEND_FRAME, .opcode = 2, .data = big, .len = big_len,
       .piece = 50000},
      {.action = WSS_SEND_FRAME, .opcode = 1, .no_fin = 1, .data = "fr"},
      {.action = WSS_SEND_FRAME, .opcode = 0, .data = "ag"},
      {.action = WSS_WAIT_MESSAGES, .n = 3},
      {.action = WSS_CLOSE, .status = 1000}};
  wsserver *s = wsserver_start(NULL);
  wsrec r;
  ferry_easy *e;
  unsigned opcode = 0;
  size_t len;
  char *m;

  ASSERT_NOT_NULL(big);
  ASSERT_NOT_NULL(s);
  for (size_t i = 0; i < big_len; i++)
    big[i] = (char)(i % 253);
  wsserver_default_script(s, STEPS(steps));
  e = rec_easy(&r, ws_url(wsserver_port(s), "/"));
  r.echo = 1;
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(r.echo_rc, FERRYE_OK);
  /* each chunk went back as the part of a frame it was: the server has
   * the same three messages */
  ASSERT_EQ(wsserver_messages(s, 0), 3);
  m = wsserver_message(s, 0, 0, &opcode, &len);
  ASSERT_MEM_EQ(m, len, "one");
  ASSERT_EQ(opcode, 1);
  free(m);
  m = wsserver_message(s, 0, 1, &opcode, &len);
  ASSERT_EQ(len, big_len);
  ASSERT(memcmp(m, big, big_len) == 0);
  ASSERT_EQ(opcode, 2);
  free(m);
  m = wsserver_message(s, 0, 2, &opcode, &len);
  ASSERT_MEM_EQ(m, len, "frag");
  free(m);
  ASSERT_EQ(wsserver_get(s, WSS_CLOSE_ECHOED), 1);
  ferry_easy_cleanup(e);
  rec_free(&r);
  free(big);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

/* -- the opening handshake ---------------------------------------------- */

/* A transfer to a server answering with steps: its result, log, errtext. */
static ferry_code run_against(const wss_step *steps, size_t n, wsrec *r,
                              char *errbuf, const ferry_slist *headers,
                              wsserver **out) {
  wsserver *s = wsserver_start(NULL);
  ferry_easy *e;
  ferry_code rc;
  if (s == NULL)
    return FERRYE_LAST;
  wsserver_default_script(s, steps, n);
  e = rec_easy(r, ws_url(wsserver_port(s), "/"));
  if (getenv("WSX_VERBOSE")) ferry_easy_setopt(e, FERRYOPT_VERBOSE, 1L);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, errbuf);
  if (headers)
    ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, headers);
  rc = ferry_easy_perform(e);
  ferry_easy_cleanup(e);
  r->e = NULL;
  *out = s;
  return rc;
}

TEST_IMPL(wsx_refused_or_broken_upgrades_fail_with_libcurls_codes) {
  static const struct {
    const char *what;
    wss_step step;
    ferry_code code;
    const char *text; /* in the error text */
  } cases[] = {
      {"a 200", {.action = WSS_HANDSHAKE,
                 .data = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno"},
       FERRYE_HTTP_RETURNED_ERROR, "Refused WebSocket upgrade: 200"},
      {"a 403", {.action = WSS_HANDSHAKE, .status = 403},
       FERRYE_HTTP_RETURNED_ERROR, "Refused WebSocket upgrade: 403"},
      {"a wrong accept",
       {.action = WSS_HANDSHAKE, .accept = "AAAAAAAAAAAAAAAAAAAAAAAAAAA="},
       FERRYE_WEIRD_SERVER_REPLY, "Sec-WebSocket-Accept is"},
      {"no Upgrade",
       {.action = WSS_HANDSHAKE,
        .data = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Accept: x\r\n\r\n"},
       FERRYE_WEIRD_SERVER_REPLY, "WebSocket handshake"},
      {"a subprotocol not offered",
       {.action = WSS_HANDSHAKE, .protocol = "mqtt"},
       FERRYE_WEIRD_SERVER_REPLY, "not offered"},
      {"an extension",
       {.action = WSS_HANDSHAKE,
        .headers = "Sec-WebSocket-Extensions: permessage-deflate\r\n"},
       FERRYE_WEIRD_SERVER_REPLY, "permessage-deflate"},
      {"a 101 cut off", {.action = WSS_HANDSHAKE,
                         .data = "HTTP/1.1 101 Switching Protocols\r\nUpg"},
       FERRYE_WEIRD_SERVER_REPLY, ""},
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    wss_step steps[2] = {cases[i].step, {.action = WSS_FIN}};
    char errbuf[FERRY_ERROR_SIZE] = "";
    wsserver *s = NULL;
    wsrec r;
    ferry_code rc = run_against(steps, 2, &r, errbuf, NULL, &s);
    if (rc != cases[i].code || strstr(errbuf, cases[i].text) == NULL) {
      fprintf(stderr, "  %s: %d \"%s\"\n", cases[i].what, (int)rc, errbuf);
      ASSERT(0);
    }
    /* nothing of a WebSocket reached the application */
    ASSERT_EQ(r.chunks, 0);
    rec_free(&r);
    ASSERT_EQ(wsserver_stop(s), 0);
  }
  return 0;
}

TEST_IMPL(wsx_subprotocol_and_user_headers_go_out_and_are_checked) {
  wss_step steps[] = {{.action = WSS_HANDSHAKE, .protocol = "superchat"},
                      {.action = WSS_SEND_FRAME, .opcode = 1, .data = "x"},
                      {.action = WSS_CLOSE, .status = 1000}};
  ferry_slist *h = NULL;
  char errbuf[FERRY_ERROR_SIZE] = "", *req;
  wsserver *s = NULL;
  size_t len;
  wsrec r;

  h = ferry_slist_append(h, "Sec-WebSocket-Protocol: chat, superchat");
  h = ferry_slist_append(h, "Connection: keep-alive");
  h = ferry_slist_append(h, "X-Mine: 1");
  ASSERT_EQ(run_against(STEPS(steps), &r, errbuf, h, &s), FERRYE_OK);
  ASSERT_MEM_EQ(r.log.data, r.log.len, "T:x;C:\\03\\e8;");
  req = wsserver_request(s, 0, &len);
  ASSERT(strstr(req, "\r\nSec-WebSocket-Protocol: chat, superchat\r\n"));
  ASSERT(strstr(req, "\r\nX-Mine: 1\r\n"));
  /* the user's Connection value joins ferry's, once */
  ASSERT(strstr(req, "\r\nConnection: keep-alive, Upgrade\r\n\r\n"));
  ASSERT_NULL(strstr(req, "Connection: keep-alive\r\n"));
  free(req);
  rec_free(&r);
  ASSERT_EQ(wsserver_stop(s), 0);
  ferry_slist_free_all(h);
  return 0;
}

/* -- hostile servers --------------------------------------------------------- */

static char long_ping[126];

TEST_IMPL(wsx_hostile_servers_fail_with_a_specific_error_and_nothing_lost) {
  static const struct {
    const char *what;
    wss_step frames[2];
    ferry_code code;
    unsigned close_status; /* the client's close frame; 0: none sent */
    const char *log;       /* what reached the write callback */
  } cases[] = {
      {"a frame over the cap",
       {{.action = WSS_SEND_FRAME, .opcode = 2, .data = "xx",
         .length = ((uint64_t)1 << 30) + 1, .cut = 12}},
       FERRYE_TOO_LARGE, 1009, "T:ok;"},
      {"a bad opcode", {{.action = WSS_SEND_FRAME, .opcode = 3, .data = "x"}},
       FERRYE_RECV_ERROR, 1002, "T:ok;"},
      {"a reserved bit",
       {{.action = WSS_SEND_FRAME, .opcode = 1, .rsv = 4, .data = "x"}},
       FERRYE_RECV_ERROR, 1002, "T:ok;"},
      {"a masked frame",
       {{.action = WSS_SEND_FRAME, .opcode = 1, .masked = 1, .data = "x"}},
       FERRYE_RECV_ERROR, 1002, "T:ok;"},
      {"a control frame over 125 bytes",
       {{.action = WSS_SEND_FRAME, .opcode = 9, .data = long_ping,
         .len = sizeof(long_ping)}},
       FERRYE_RECV_ERROR, 1002, "T:ok;"},
      {"a fragmented control frame",
       {{.action = WSS_SEND_FRAME, .opcode = 10, .no_fin = 1, .data = "x"}},
       FERRYE_RECV_ERROR, 1002, "T:ok;"},
      {"invalid UTF-8 in text",
       {{.action = WSS_SEND_FRAME, .opcode = 1, .data = "ab\xff"}},
       FERRYE_RECV_ERROR, 1007, "T:ok;T@0,1:ab;"},
      {"invalid UTF-8 across fragments",
       {{.action = WSS_SEND_FRAME, .opcode = 1, .no_fin = 1, .data = "a\xc3"},
        {.action = WSS_SEND_FRAME, .opcode = 0, .data = "("}},
       FERRYE_RECV_ERROR, 1007, "T:ok;T+:a\\c3;"},
      {"a close with a one-byte payload",
       {{.action = WSS_SEND_FRAME, .opcode = 8, .data = "\x03"}},
       FERRYE_RECV_ERROR, 1002, "T:ok;"},
      {"a close with an invalid status",
       {{.action = WSS_SEND_FRAME, .opcode = 8, .data = "\x03\xed"}},
       FERRYE_RECV_ERROR, 1002, "T:ok;"},
      {"a continuation without a message",
       {{.action = WSS_SEND_FRAME, .opcode = 0, .data = "x"}},
       FERRYE_RECV_ERROR, 1002, "T:ok;"},
      {"a new message inside a fragmented one",
       {{.action = WSS_SEND_FRAME, .opcode = 1, .no_fin = 1, .data = "a"},
        {.action = WSS_SEND_FRAME, .opcode = 2, .data = "b"}},
       FERRYE_RECV_ERROR, 1002, "T:ok;T+:a;"},
      {"a truncated frame",
       {{.action = WSS_SEND_FRAME, .opcode = 1, .data = "abc", .length = 10},
        {.action = WSS_FIN}},
       FERRYE_RECV_ERROR, 0, "T:ok;T@0,7:abc;"},
      {"the end inside a fragmented message",
       {{.action = WSS_SEND_FRAME, .opcode = 1, .no_fin = 1, .data = "ab"},
        {.action = WSS_FIN}},
       FERRYE_RECV_ERROR, 0, "T:ok;T+:ab;"},
      {"a reset", {{.action = WSS_RESET}}, FERRYE_RECV_ERROR, 0, "T:ok;"},
  };

  memset(long_ping, 'p', sizeof(long_ping));
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    wss_step steps[5] = {{.action = WSS_HANDSHAKE},
                         {.action = WSS_SEND_FRAME, .opcode = 1, .data = "ok"},
                         cases[i].frames[0], cases[i].frames[1],
                         {.action = WSS_WAIT_CLOSE}};
    char errbuf[FERRY_ERROR_SIZE] = "";
    wsserver *s = NULL;
    wsrec r;
    ferry_code rc;
    unsigned nframes, status = 0;
    size_t nsteps = cases[i].frames[1].action == WSS_HANDSHAKE ? 3 : 4;

    if (cases[i].frames[0].action != WSS_FIN &&
        cases[i].frames[1].action != WSS_FIN &&
        cases[i].frames[0].action != WSS_RESET)
      steps[nsteps++] = (wss_step){.action = WSS_WAIT_CLOSE};
    rc = run_against(steps, nsteps, &r, errbuf, NULL, &s);
    ASSERT_EQ(wsserver_wait(s, WSS_CLOSED, 1, WAIT_MS), 0);
    nframes = wsserver_frames(s, 0);
    if (nframes > 0) {
      wss_frame f;
      ASSERT_EQ(wsserver_frame(s, 0, nframes - 1, &f), 0);
      if (f.opcode == FERRY__WS_CLOSE && f.len >= 2)
        status = (f.payload[0] << 8) | f.payload[1];
      wsserver_frame_free(&f);
    }
    if (rc != cases[i].code || status != cases[i].close_status ||
        r.log.len != strlen(cases[i].log) ||
        memcmp(r.log.data, cases[i].log, r.log.len) != 0 ||
        errbuf[0] == '\0') {
      fprintf(stderr, "  %s: %d, close %u, \"%.*s\", \"%s\"\n", cases[i].what,
              (int)rc, status, (int)r.log.len, r.log.data ? r.log.data : "",
              errbuf);
      ASSERT(0);
    }
    rec_free(&r);
    ASSERT_EQ(wsserver_stop(s), 0);
  }
  return 0;
}

TEST_IMPL(wsx_a_close_without_status_is_answered_with_none) {
  wss_step steps[] = {{.action = WSS_HANDSHAKE},
                      {.action = WSS_SEND_FRAME, .opcode = 1, .data = "a"},
                      {.action = WSS_CLOSE}};
  char errbuf[FERRY_ERROR_SIZE] = "";
  wsserver *s = NULL;
  wsrec r;

  ASSERT_EQ(run_against(STEPS(steps), &r, errbuf, NULL, &s), FERRYE_OK);
  ASSERT_MEM_EQ(r.log.data, r.log.len, "T:a;C:;");
  ASSERT_EQ(wsserver_frames(s, 0), 1);
  ASSERT(client_frame(s, 0, 0, FERRY__WS_CLOSE, 1, "", 0));
  rec_free(&r);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

/* The application pings from the write callback; the server never
 * answers. Nothing but the transfer's own timeout ends it (as libcurl). */
static size_t ping_once(char *p, size_t size, size_t n, void *ud) {
  wsrec *r = ud;
  size_t sent;
  rec_write(p, size, n, ud);
  if (r->chunks == 1)
    ferry_ws_send(r->e, "are you there", 13, &sent, 0, FERRYWS_PING);
  return size * n;
}

TEST_IMPL(wsx_a_server_that_never_answers_a_ping_meets_the_timeout) {
  wss_step steps[] = {{.action = WSS_HANDSHAKE},
                      {.action = WSS_SEND_FRAME, .opcode = 1, .data = "hi"},
                      {.action = WSS_DELAY, .delay_ms = 5000}};
  wsserver_config cfg = {.no_autopong = 1};
  wsserver *s = wsserver_start(&cfg);
  ferry_easy *e;
  wsrec r;

  ASSERT_NOT_NULL(s);
  wsserver_default_script(s, STEPS(steps));
  e = rec_easy(&r, ws_url(wsserver_port(s), "/"));
  ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, ping_once);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 400L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OPERATION_TIMEDOUT);
  ASSERT_MEM_EQ(r.log.data, r.log.len, "T:hi;");
  ASSERT_EQ(wsserver_wait(s, WSS_FRAMES, 1, WAIT_MS), 0);
  ASSERT(client_frame(s, 0, 0, FERRY__WS_PING, 1, "are you there", 13));
  ASSERT_EQ(wsserver_get(s, WSS_PONGS), 0);
  ferry_easy_cleanup(e);
  rec_free(&r);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(wsx_a_server_that_keeps_the_connection_after_the_close_is_left) {
  wss_step steps[] = {
      {.action = WSS_HANDSHAKE},
      {.action = WSS_SEND_FRAME, .opcode = 8, .data = "\x03\xe8", .len = 2},
      {.action = WSS_DELAY, .delay_ms = 8000}};
  wsserver *s = wsserver_start(NULL);
  ferry_easy *e;
  wsrec r;
  uint64_t t0;
  long ms;

  ASSERT_NOT_NULL(s);
  wsserver_default_script(s, STEPS(steps));
  e = rec_easy(&r, ws_url(wsserver_port(s), "/"));
  t0 = uv_hrtime();
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ms = (long)((uv_hrtime() - t0) / 1000000);
  /* the close handshake is done: the server gets a while to close, then
   * ferry closes */
  ASSERT_GE(ms, 1900);
  ASSERT_LE(ms, 5000);
  ASSERT_MEM_EQ(r.log.data, r.log.len, "C:\\03\\e8;");
  ASSERT(client_frame(s, 0, 0, FERRY__WS_CLOSE, 1, "\x03\xe8", 2));
  ferry_easy_cleanup(e);
  rec_free(&r);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

/* -- CONNECT_ONLY 2 ---------------------------------------------------------- */

static ferry_socket_t active(ferry_easy *e) {
  ferry_socket_t s = FERRY_SOCKET_BAD;
  ferry_easy_getinfo(e, FERRYINFO_ACTIVESOCKET, &s);
  return s;
}

static int wait_fd(ferry_socket_t fd, short events) {
  struct pollfd p = {fd, events, 0};
  return poll(&p, 1, WAIT_MS) == 1 ? 0 : -1;
}

/* ferry_ws_recv into a buffer of bufsize until an error other than AGAIN,
 * logging each chunk; returns that error. */
static ferry_code recv_all(ferry_easy *e, size_t bufsize, sink *log,
                           unsigned *agains) {
  char buf[65536];
  for (;;) {
    const struct ferry_ws_frame *m = NULL;
    size_t got = 99;
    ferry_code rc = ferry_ws_recv(e, buf, bufsize, &got, &m);
    if (rc == FERRYE_AGAIN) {
      if (got != 0 || m != NULL)
        return FERRYE_LAST;
      if (agains)
        (*agains)++;
      if (wait_fd(active(e), POLLIN) != 0)
        return FERRYE_OPERATION_TIMEDOUT;
      continue;
    }
    if (rc != FERRYE_OK)
      return rc;
    if (m == NULL || m->len != got)
      return FERRYE_LAST;
    log_chunk(log, m, buf, got);
  }
}

static ferry_easy *co_easy(const char *url) {
  ferry_easy *e = ferry_easy_init();
  ferry_easy_setopt(e, FERRYOPT_URL, url);
  ferry_easy_setopt(e, FERRYOPT_CONNECT_ONLY, 2L);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, (long)WAIT_MS);
  return e;
}

TEST_IMPL(wsx_connect_only_sends_and_receives_as_libcurl) {
  wss_step steps[] = {
      {.action = WSS_HANDSHAKE},
      {.action = WSS_WAIT_MESSAGES, .n = 1},
      {.action = WSS_SEND_FRAME, .opcode = 1, .data = "hello world"},
      {.action = WSS_PING, .data = "p"},
      {.action = WSS_SEND_FRAME, .opcode = 2, .no_fin = 1, .data = "ab"},
      {.action = WSS_SEND_FRAME, .opcode = 9, .data = "between"},
      {.action = WSS_SEND_FRAME, .opcode = 0, .data = "cd"},
      {.action = WSS_SEND_FRAME, .opcode = 1, .data = ""},
      {.action = WSS_WAIT_PONG},
      {.action = WSS_CLOSE, .status = 1000, .data = "bye"}};
  wsserver *s = wsserver_start(NULL);
  ferry_easy *e;
  char byte;
  size_t sent = 0, got = 7;
  const struct ferry_ws_frame *m = (void *)1;
  sink log = {0};
  long code = 0;

  ASSERT_NOT_NULL(s);
  wsserver_default_script(s, STEPS(steps));
  e = co_easy(ws_url(wsserver_port(s), "/co"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_RESPONSE_CODE, &code), FERRYE_OK);
  ASSERT_EQ(code, 101);
  ASSERT_GE(active(e), 0);
  /* nothing came yet */
  ASSERT_EQ(ferry_ws_recv(e, &byte, 1, &got, &m), FERRYE_AGAIN);
  ASSERT_EQ(got, 0);
  ASSERT_NULL(m);
  ASSERT_EQ(ferry_ws_send(e, "hello", 5, &sent, 0, FERRYWS_TEXT), FERRYE_OK);
  ASSERT_EQ(sent, 5);
  /* in pieces of 4: a frame's parts say where they sit; pings are answered
   * and not handed out; the close comes in parts too */
  ASSERT_EQ(recv_all(e, 4, &log, NULL), FERRYE_GOT_NOTHING);
  ASSERT_MEM_EQ(log.data, log.len,
                "T@0,7:hell;T@4,3:o wo;T@8,0:rld;B+:ab;B:cd;T:;"
                "C@0,1:\\03\\e8by;C@4,0:e;");
  /* the close was answered with its status (at the next ferry_ws_recv) */
  ASSERT_EQ(wsserver_get(s, WSS_PONGS_MATCHED), 1);
  ASSERT_EQ(wsserver_get(s, WSS_CLOSE_ECHOED), 1);
  ASSERT(client_frame(s, 0, 0, FERRY__WS_TEXT, 1, "hello", 5));
  ASSERT(client_frame(s, 0, 1, FERRY__WS_PONG, 1, "p", 1));
  ASSERT(client_frame(s, 0, 2, FERRY__WS_PONG, 1, "between", 7));
  ASSERT(client_frame(s, 0, 3, FERRY__WS_CLOSE, 1, "\x03\xe8", 2));
  /* after the close, and on a closed connection */
  ASSERT_EQ(ferry_ws_send(e, "x", 1, &sent, 0, FERRYWS_TEXT),
            FERRYE_SEND_ERROR);
  ASSERT_EQ(ferry_ws_recv(e, &byte, 1, &got, &m), FERRYE_GOT_NOTHING);
  ferry_easy_cleanup(e);
  sink_free(&log);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(wsx_connect_only_hands_out_what_came_with_the_101_first) {
  /* the RFC's sample key, set by the user, so the answer can be canned:
   * the 101 and a frame in one write */
  static const char answer[] =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
      "\x81\x05" "early" "\x82\x01" "!";
  wss_step steps[] = {{.action = WSS_HANDSHAKE, .data = answer,
                       .len = sizeof(answer) - 1},
                      {.action = WSS_WAIT_CLOSE}};
  wsserver *s = wsserver_start(NULL);
  ferry_slist *h =
      ferry_slist_append(NULL, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==");
  const struct ferry_ws_frame *m = NULL;
  char buf[16];
  size_t got = 0, sent = 0;
  ferry_easy *e;
  char *req;
  size_t len;

  ASSERT_NOT_NULL(s);
  wsserver_default_script(s, STEPS(steps));
  e = co_easy(ws_url(wsserver_port(s), "/"));
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, h);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  /* at once, without waiting for the socket */
  ASSERT_EQ(ferry_ws_recv(e, buf, sizeof(buf), &got, &m), FERRYE_OK);
  ASSERT_MEM_EQ(buf, got, "early");
  ASSERT_EQ(m->flags, FERRYWS_TEXT);
  ASSERT_EQ(ferry_ws_recv(e, buf, sizeof(buf), &got, &m), FERRYE_OK);
  ASSERT_MEM_EQ(buf, got, "!");
  ASSERT_EQ(m->flags, FERRYWS_BINARY);
  ASSERT_EQ(ferry_ws_send(e, "", 0, &sent, 0, FERRYWS_CLOSE), FERRYE_OK);
  ASSERT_EQ(sent, 0);
  ASSERT_EQ(wsserver_wait(s, WSS_CLOSES_RECEIVED, 1, WAIT_MS), 0);
  /* the user's key went out once, ferry's not at all */
  req = wsserver_request(s, 0, &len);
  ASSERT(strstr(req, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
  ASSERT_EQ(strstr(req, "Sec-WebSocket-Key") ==
                strstr(req, "Sec-WebSocket-Key: dGhl"),
            1);
  ASSERT_NULL(strstr(strstr(req, "Sec-WebSocket-Key") + 1,
                     "Sec-WebSocket-Key"));
  free(req);
  ferry_easy_cleanup(e);
  ferry_slist_free_all(h);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(wsx_connect_only_partial_sends_report_what_went_out) {
  size_t big_len = 24u << 20, off = 0, sent;
  char *big = malloc(big_len);
  wss_step steps[] = {{.action = WSS_HANDSHAKE},
                      {.action = WSS_HOLD_READS, .delay_ms = 300},
                      {.action = WSS_WAIT_MESSAGES, .n = 1},
                      {.action = WSS_CLOSE, .status = 1000}};
  wsserver *s = wsserver_start(NULL);
  unsigned agains = 0, partial = 0, calls = 0;
  ferry_easy *e;
  sink log = {0};
  unsigned opcode;
  size_t len;
  char *msg;

  ASSERT_NOT_NULL(big);
  ASSERT_NOT_NULL(s);
  for (size_t i = 0; i < big_len; i++)
    big[i] = (char)(i ^ (i >> 9));
  wsserver_default_script(s, STEPS(steps));
  e = co_easy(ws_url(wsserver_port(s), "/"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  while (off < big_len) {
    ferry_code rc = ferry_ws_send(e, big + off, big_len - off, &sent, 0,
                                  FERRYWS_BINARY);
    calls++;
    if (rc == FERRYE_AGAIN) {
      ASSERT_EQ(sent, 0);
      agains++;
      ASSERT_EQ(wait_fd(active(e), POLLOUT), 0);
      continue;
    }
    ASSERT_EQ(rc, FERRYE_OK);
    if (sent < big_len - off)
      partial++;
    off += sent;
  }
  /* the server held its reads: the sends went out a part at a time */
  ASSERT_GE(agains + partial, 2);
  ASSERT_EQ(recv_all(e, 1024, &log, NULL), FERRYE_GOT_NOTHING);
  ASSERT_MEM_EQ(log.data, log.len, "C:\\03\\e8;");
  ASSERT_EQ(wsserver_messages(s, 0), 1);
  msg = wsserver_message(s, 0, 0, &opcode, &len);
  ASSERT_EQ(len, big_len);
  ASSERT(memcmp(msg, big, big_len) == 0);
  free(msg);
  ferry_easy_cleanup(e);
  sink_free(&log);
  free(big);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(wsx_connect_only_offset_frames_fragments_and_argument_checks) {
  wss_step steps[] = {{.action = WSS_HANDSHAKE},
                      {.action = WSS_WAIT_MESSAGES, .n = 2},
                      {.action = WSS_CLOSE, .status = 1000}};
  wsserver *s = wsserver_start(NULL);
  char long_payload[126];
  ferry_easy *e;
  size_t sent = 0;
  sink log = {0};
  unsigned opcode;
  size_t len;
  char *msg;

  ASSERT_NOT_NULL(s);
  memset(long_payload, 'x', sizeof(long_payload));
  wsserver_default_script(s, STEPS(steps));
  e = co_easy(ws_url(wsserver_port(s), "/"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  /* one 10-byte frame in three calls (OFFSET with its whole size first) */
  ASSERT_EQ(ferry_ws_send(e, "abc", 3, &sent, 10, FERRYWS_TEXT | FERRYWS_OFFSET),
            FERRYE_OK);
  ASSERT_EQ(sent, 3);
  ASSERT_EQ(ferry_ws_send(e, "defg", 4, &sent, 0, 0), FERRYE_OK);
  ASSERT_EQ(sent, 4);
  /* more than the frame has left */
  ASSERT_EQ(ferry_ws_send(e, "hijkl", 5, &sent, 0, 0),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_ws_send(e, "hij", 3, &sent, 0, 0), FERRYE_OK);
  /* a fragmented binary message: BINARY|CONT, BINARY|CONT, BINARY, with
   * a ping between its fragments */
  ASSERT_EQ(ferry_ws_send(e, "12", 2, &sent, 0, FERRYWS_BINARY | FERRYWS_CONT),
            FERRYE_OK);
  ASSERT_EQ(ferry_ws_send(e, "p", 1, &sent, 0, FERRYWS_PING), FERRYE_OK);
  ASSERT_EQ(ferry_ws_send(e, "34", 2, &sent, 0, FERRYWS_BINARY | FERRYWS_CONT),
            FERRYE_OK);
  ASSERT_EQ(ferry_ws_send(e, "5", 1, &sent, 0, FERRYWS_BINARY), FERRYE_OK);
  /* what libcurl refuses */
  ASSERT_EQ(ferry_ws_send(e, "x", 1, &sent, 0, 0),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_ws_send(e, "x", 1, &sent, 0, FERRYWS_CONT),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_ws_send(e, "x", 1, &sent, 0, FERRYWS_PING | FERRYWS_CONT),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_ws_send(e, long_payload, sizeof(long_payload), &sent, 0,
                          FERRYWS_PING),
            FERRYE_TOO_LARGE);
  ASSERT_EQ(ferry_ws_send(e, NULL, 1, &sent, 0, FERRYWS_TEXT),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  /* the server's pong, then its close */
  ASSERT_EQ(recv_all(e, 64, &log, NULL), FERRYE_GOT_NOTHING);
  ASSERT_MEM_EQ(log.data, log.len, "O:p;C:\\03\\e8;");
  ASSERT_EQ(wsserver_messages(s, 0), 2);
  msg = wsserver_message(s, 0, 0, &opcode, &len);
  ASSERT_MEM_EQ(msg, len, "abcdefghij");
  free(msg);
  msg = wsserver_message(s, 0, 1, &opcode, &len);
  ASSERT_MEM_EQ(msg, len, "12345");
  ASSERT_EQ(opcode, 2);
  free(msg);
  ASSERT(client_frame(s, 0, 1, FERRY__WS_BINARY, 0, "12", 2));
  ASSERT(client_frame(s, 0, 2, FERRY__WS_PING, 1, "p", 1));
  ASSERT(client_frame(s, 0, 3, FERRY__WS_CONT, 0, "34", 2));
  ASSERT(client_frame(s, 0, 4, FERRY__WS_CONT, 1, "5", 1));
  ferry_easy_cleanup(e);
  sink_free(&log);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(wsx_connect_only_peeks_at_a_frame_with_an_empty_buffer) {
  wss_step steps[] = {{.action = WSS_HANDSHAKE},
                      {.action = WSS_SEND_FRAME, .opcode = 2, .data = "0123456789"},
                      {.action = WSS_WAIT_CLOSE}};
  wsserver *s = wsserver_start(NULL);
  const struct ferry_ws_frame *m = NULL;
  char buf[16];
  size_t got = 9, sent;
  ferry_easy *e;
  ferry_code rc;

  ASSERT_NOT_NULL(s);
  wsserver_default_script(s, STEPS(steps));
  e = co_easy(ws_url(wsserver_port(s), "/"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  while ((rc = ferry_ws_recv(e, NULL, 0, &got, &m)) == FERRYE_AGAIN)
    ASSERT_EQ(wait_fd(active(e), POLLIN), 0);
  ASSERT_EQ(rc, FERRYE_OK);
  ASSERT_EQ(got, 0);
  ASSERT_EQ(m->flags, FERRYWS_BINARY);
  ASSERT_EQ(m->bytesleft, 10);
  ASSERT_EQ(ferry_ws_recv(e, buf, sizeof(buf), &got, &m), FERRYE_OK);
  ASSERT_MEM_EQ(buf, got, "0123456789");
  ASSERT_EQ(m->bytesleft, 0);
  ASSERT_EQ(ferry_ws_send(e, "", 0, &sent, 0, FERRYWS_CLOSE), FERRYE_OK);
  ASSERT_EQ(wsserver_wait(s, WSS_CLOSES_RECEIVED, 1, WAIT_MS), 0);
  ferry_easy_cleanup(e);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(wsx_ws_calls_without_a_websocket_say_why) {
  ferry_easy *e = ferry_easy_init();
  const struct ferry_ws_frame *m = NULL;
  char buf[4];
  size_t n = 5;

  ASSERT_EQ(ferry_ws_recv(e, buf, sizeof(buf), &n, &m),
            FERRYE_UNSUPPORTED_PROTOCOL);
  ASSERT_EQ(n, 0);
  ASSERT_EQ(ferry_ws_send(e, "x", 1, &n, 0, FERRYWS_TEXT), FERRYE_SEND_ERROR);
  ASSERT_EQ(ferry_ws_start_frame(e, FERRYWS_TEXT, 1), FERRYE_SEND_ERROR);
  ASSERT_NULL(ferry_ws_meta(e));
  ferry_easy_setopt(e, FERRYOPT_CONNECT_ONLY, 2L);
  ASSERT_EQ(ferry_ws_recv(e, buf, sizeof(buf), &n, &m),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(ferry_ws_recv(e, buf, sizeof(buf), NULL, &m),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ferry_easy_setopt(e, FERRYOPT_WS_OPTIONS, FERRYWS_RAW_MODE);
  ASSERT_EQ(ferry_ws_start_frame(e, FERRYWS_TEXT, 1), FERRYE_FAILED_INIT);
  ASSERT_EQ(ferry_ws_recv(NULL, buf, 1, &n, &m), FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_NULL(ferry_ws_meta(NULL));
  ferry_easy_cleanup(e);
  return 0;
}

TEST_IMPL(wsx_connect_only_2_on_an_http_url_hands_over_at_connect) {
  tserver *s = tserver_start();
  ferry_easy *e;
  char url[128];

  ASSERT_NOT_NULL(s);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/", tserver_port(s));
  e = co_easy(url);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_GE(active(e), 0);
  /* no request went: the connection is the application's */
  ASSERT_EQ(tserver_requests(s), 0);
  ferry_easy_cleanup(e);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* -- callback mode: pause, pongs, raw, uploads, closing first ---------------- */

/* Drive a multi in perform mode until its transfer ends; after a pause
 * is seen, wait pause_ms and unpause. Returns the transfer's result. */
static ferry_code drive(ferry_multi *m, ferry_easy *e, wsrec *r, int pause_ms) {
  int running = 1, unpaused = 0;
  uint64_t paused_at = 0;
  ferry_msg *msg;

  while (running) {
    if (ferry_multi_perform(m, &running) != FERRYM_OK)
      return FERRYE_LAST;
    if (r && r->paused && !unpaused) {
      if (paused_at == 0)
        paused_at = uv_hrtime();
      else if (uv_hrtime() - paused_at >= (uint64_t)pause_ms * 1000000) {
        unpaused = 1;
        ferry_easy_pause(e, FERRY_PAUSE_CONT);
      }
    }
    if (running)
      ferry_multi_poll(m, NULL, 0, 20, NULL);
  }
  msg = ferry_multi_info_read(m, NULL);
  return msg ? msg->data.result : FERRYE_LAST;
}

TEST_IMPL(wsx_callback_mode_pause_gives_the_same_chunk_again) {
  wss_step steps[] = {
      {.action = WSS_HANDSHAKE},
      {.action = WSS_SEND_FRAME, .opcode = 1, .data = "one"},
      {.action = WSS_SEND_FRAME, .opcode = 1, .data = "two"},
      {.action = WSS_SEND_FRAME, .opcode = 2, .data = "three"},
      {.action = WSS_CLOSE, .status = 1000}};
  wsserver *s = wsserver_start(NULL);
  ferry_multi *m = ferry_multi_init();
  ferry_easy *e;
  wsrec r;

  ASSERT_NOT_NULL(s);
  wsserver_default_script(s, STEPS(steps));
  e = rec_easy(&r, ws_url(wsserver_port(s), "/"));
  r.pause_at = 2;
  ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_OK);
  ASSERT_EQ(drive(m, e, &r, 100), FERRYE_OK);
  ASSERT_EQ(r.paused, 1);
  ASSERT_MEM_EQ(r.log.data, r.log.len, "T:one;T:two;B:three;C:\\03\\e8;");
  ASSERT_EQ(r.bad_meta, 0);
  ASSERT_EQ(wsserver_get(s, WSS_CLOSE_ECHOED), 1);
  ASSERT_EQ(ferry_multi_remove_handle(m, e), FERRYM_OK);
  ferry_easy_cleanup(e);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  rec_free(&r);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(wsx_callback_mode_write_error_ends_the_transfer) {
  wss_step steps[] = {{.action = WSS_HANDSHAKE},
                      {.action = WSS_SEND_FRAME, .opcode = 1, .data = "one"},
                      {.action = WSS_SEND_FRAME, .opcode = 1, .data = "two"},
                      {.action = WSS_DELAY, .delay_ms = 3000}};
  wsserver *s = wsserver_start(NULL);
  ferry_easy *e;
  wsrec r;

  ASSERT_NOT_NULL(s);
  wsserver_default_script(s, STEPS(steps));
  e = rec_easy(&r, ws_url(wsserver_port(s), "/"));
  r.fail_at = 2;
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_WRITE_ERROR);
  ASSERT_MEM_EQ(r.log.data, r.log.len, "T:one;");
  ferry_easy_cleanup(e);
  rec_free(&r);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

/* With NOAUTOPONG the application sees pings and answers them itself. */
static size_t pong_back(char *p, size_t size, size_t n, void *ud) {
  wsrec *r = ud;
  const struct ferry_ws_frame *m = ferry_ws_meta(r->e);
  size_t sent = 0;
  if (m && (m->flags & FERRYWS_PING) &&
      (ferry_ws_send(r->e, p, size * n, &sent, 0, FERRYWS_PONG) != FERRYE_OK ||
       sent != size * n))
    r->echo_rc = FERRYE_SEND_ERROR;
  return rec_write(p, size, n, ud);
}

TEST_IMPL(wsx_callback_mode_noautopong_hands_pings_to_the_application) {
  wss_step steps[] = {{.action = WSS_HANDSHAKE},
                      {.action = WSS_PING, .data = "abc"},
                      {.action = WSS_WAIT_PONG},
                      {.action = WSS_PING, .data = ""},
                      {.action = WSS_WAIT_PONG},
                      {.action = WSS_CLOSE, .status = 1000}};
  wsserver *s = wsserver_start(NULL);
  ferry_easy *e;
  wsrec r;

  ASSERT_NOT_NULL(s);
  wsserver_default_script(s, STEPS(steps));
  e = rec_easy(&r, ws_url(wsserver_port(s), "/"));
  ferry_easy_setopt(e, FERRYOPT_WS_OPTIONS, FERRYWS_NOAUTOPONG);
  ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, pong_back);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(r.echo_rc, FERRYE_OK);
  ASSERT_MEM_EQ(r.log.data, r.log.len, "P:abc;P:;C:\\03\\e8;");
  ASSERT_EQ(wsserver_get(s, WSS_PONGS_MATCHED), 2);
  ASSERT_EQ(wsserver_frames(s, 0), 3); /* two pongs and the close */
  ferry_easy_cleanup(e);
  rec_free(&r);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

/* RAW_MODE: the bytes after the 101 as they came, and the application's
 * own frames (masked by itself) as they are. */
static size_t raw_write(char *p, size_t size, size_t n, void *ud) {
  wsrec *r = ud;
  /* a masked close with status 1000 and the mask 01 02 03 04 */
  static const char close_frame[] = "\x88\x82\x01\x02\x03\x04\x02\xea";
  size_t sent = 0;
  if (ferry_ws_meta(r->e) != NULL)
    r->bad_meta++;
  sink_write(p, size, n, &r->data);
  if (r->data.len >= 8 && r->echo == 0) {
    r->echo = 1;
    if (ferry_ws_send(r->e, "x", 1, &sent, 0, FERRYWS_TEXT) !=
        FERRYE_BAD_FUNCTION_ARGUMENT)
      r->echo_rc = FERRYE_LAST;
    if (ferry_ws_send(r->e, close_frame, 8, &sent, 0, 0) != FERRYE_OK ||
        sent != 8)
      r->echo_rc = FERRYE_SEND_ERROR;
  }
  return size * n;
}

TEST_IMPL(wsx_callback_mode_raw_mode_passes_the_bytes_as_they_are) {
  wss_step steps[] = {{.action = WSS_HANDSHAKE},
                      {.action = WSS_SEND_FRAME, .opcode = 1, .data = "hi"},
                      {.action = WSS_CLOSE, .status = 1000}};
  wsserver *s = wsserver_start(NULL);
  ferry_easy *e;
  wsrec r;

  ASSERT_NOT_NULL(s);
  wsserver_default_script(s, STEPS(steps));
  e = rec_easy(&r, ws_url(wsserver_port(s), "/"));
  ferry_easy_setopt(e, FERRYOPT_WS_OPTIONS, FERRYWS_RAW_MODE);
  ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, raw_write);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(r.echo_rc, FERRYE_OK);
  ASSERT_EQ(r.bad_meta, 0);
  ASSERT_EQ(r.data.len, 8);
  ASSERT(memcmp(r.data.data, "\x81\x02hi\x88\x02\x03\xe8", 8) == 0);
  ASSERT_EQ(wsserver_get(s, WSS_CLOSE_ECHOED), 1);
  ferry_easy_cleanup(e);
  rec_free(&r);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

/* UPLOAD with a READFUNCTION (libcurl 8.16's model): what the callback
 * gives is a BINARY frame of its own, or the payload of a frame it
 * started with ferry_ws_start_frame; PAUSE waits for ferry_easy_pause. */
typedef struct upctx {
  ferry_easy *e;
  int call;
  int paused;
  ferry_code start_rc;
} upctx;

static size_t up_read(char *buf, size_t size, size_t n, void *ud) {
  upctx *u = ud;
  (void)size;
  (void)n;
  switch (u->call++) {
  case 0:
    u->start_rc = ferry_ws_start_frame(u->e, FERRYWS_TEXT, 11);
    memcpy(buf, "hello", 5);
    return 5;
  case 1:
    /* the rest of the frame started above */
    memcpy(buf, " world", 6);
    return 6;
  case 2:
    memcpy(buf, "\x01\x02\x03", 3);
    return 3;
  case 3:
    u->paused = 1;
    return FERRY_READFUNC_PAUSE;
  case 4:
    /* a frame without payload: 0 then is not the end */
    if (ferry_ws_start_frame(u->e, FERRYWS_PING, 0) != FERRYE_OK)
      u->start_rc = FERRYE_LAST;
    return 0;
  case 5:
    if (ferry_ws_start_frame(u->e, FERRYWS_CLOSE, 2) != FERRYE_OK)
      u->start_rc = FERRYE_LAST;
    memcpy(buf, "\x0f\xa1", 2);
    return 2;
  default:
    return 0;
  }
}

static size_t unpause_on_go(char *p, size_t size, size_t n, void *ud) {
  wsrec *r = ud;
  size_t k = rec_write(p, size, n, ud);
  if (size * n == 2 && memcmp(p, "go", 2) == 0)
    ferry_easy_pause(r->e, FERRY_PAUSE_CONT);
  return k;
}

TEST_IMPL(wsx_callback_mode_read_callback_sends_frames) {
  wss_step steps[] = {{.action = WSS_HANDSHAKE},
                      {.action = WSS_WAIT_MESSAGES, .n = 2},
                      {.action = WSS_SEND_FRAME, .opcode = 1, .data = "go"},
                      {.action = WSS_WAIT_CLOSE}};
  wsserver *s = wsserver_start(NULL);
  ferry_easy *e;
  upctx u = {0};
  wsrec r;

  ASSERT_NOT_NULL(s);
  wsserver_default_script(s, STEPS(steps));
  e = rec_easy(&r, ws_url(wsserver_port(s), "/"));
  u.e = e;
  ferry_easy_setopt(e, FERRYOPT_UPLOAD, 1L);
  ferry_easy_setopt(e, FERRYOPT_READFUNCTION, up_read);
  ferry_easy_setopt(e, FERRYOPT_READDATA, &u);
  ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, unpause_on_go);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(u.start_rc, FERRYE_OK);
  ASSERT_EQ(u.paused, 1);
  ASSERT_GE(u.call, 6);
  /* the handshake was a GET without a body */
  {
    size_t len;
    char *req = wsserver_request(s, 0, &len);
    ASSERT(strncmp(req, "GET / HTTP/1.1\r\n", 16) == 0);
    ASSERT_NULL(strstr(req, "Content-Length"));
    ASSERT_NULL(strstr(req, "Transfer-Encoding"));
    free(req);
  }
  ASSERT_EQ(wsserver_frames(s, 0), 4);
  ASSERT(client_frame(s, 0, 0, FERRY__WS_TEXT, 1, "hello world", 11));
  ASSERT(client_frame(s, 0, 1, FERRY__WS_BINARY, 1, "\x01\x02\x03", 3));
  ASSERT(client_frame(s, 0, 2, FERRY__WS_PING, 1, "", 0));
  ASSERT(client_frame(s, 0, 3, FERRY__WS_CLOSE, 1, "\x0f\xa1", 2));
  ASSERT_MEM_EQ(r.log.data, r.log.len, "T:go;O:;C:\\0f\\a1;");
  ferry_easy_cleanup(e);
  rec_free(&r);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(wsx_callback_mode_application_closes_first) {
  wss_step steps[] = {{.action = WSS_HANDSHAKE},
                      {.action = WSS_SEND_FRAME, .opcode = 1, .data = "x"},
                      {.action = WSS_WAIT_CLOSE}};
  wsserver *s = wsserver_start(NULL);
  ferry_easy *e;
  wsrec r;

  ASSERT_NOT_NULL(s);
  wsserver_default_script(s, STEPS(steps));
  e = rec_easy(&r, ws_url(wsserver_port(s), "/"));
  r.close_at = 1;
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  /* the server's answer is delivered; no close goes back to it */
  ASSERT_MEM_EQ(r.log.data, r.log.len, "T:x;C:\\0f\\a0;");
  ASSERT_EQ(wsserver_frames(s, 0), 1);
  ASSERT(client_frame(s, 0, 0, FERRY__WS_CLOSE, 1, "\x0f\xa0", 2));
  ferry_easy_cleanup(e);
  rec_free(&r);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

/* -- on a libuv loop: sends from outside callbacks, back-pressure ------------ */

#define BP_MESSAGES 2000
#define BP_SIZE 16384

typedef struct bpctx {
  wsrec r;
  uv_timer_t timer;
  int started;
  unsigned next;        /* the next message to send */
  size_t off;           /* how much of it went */
  unsigned agains, partial;
  int closed;
  ferry_code send_rc;
  int done;
  ferry_code result;
} bpctx;

static void bp_message(unsigned i, char *out) {
  memset(out, (int)(i & 0xff), BP_SIZE);
  memcpy(out, &i, sizeof(i));
}

static void bp_tick(uv_timer_t *t) {
  bpctx *b = t->data;
  char msg[BP_SIZE];

  while (b->next < BP_MESSAGES) {
    size_t sent = 0;
    ferry_code rc;
    bp_message(b->next, msg);
    rc = ferry_ws_send(b->r.e, msg + b->off, BP_SIZE - b->off, &sent, 0,
                       FERRYWS_BINARY);
    if (rc == FERRYE_AGAIN) {
      b->agains++;
      return; /* the next tick tries again */
    }
    if (rc != FERRYE_OK) {
      b->send_rc = rc;
      uv_timer_stop(t);
      return;
    }
    b->off += sent;
    if (b->off < BP_SIZE) {
      b->partial++;
      return;
    }
    b->off = 0;
    b->next++;
  }
  if (!b->closed) {
    size_t sent = 0;
    if (ferry_ws_send(b->r.e, "\x03\xe8", 2, &sent, 0, FERRYWS_CLOSE) ==
        FERRYE_OK)
      b->closed = 1;
    else
      return;
  }
  uv_timer_stop(t);
}

static size_t bp_write(char *p, size_t size, size_t n, void *ud) {
  bpctx *b = ud;
  size_t k = rec_write(p, size, n, &b->r);
  if (!b->started && size * n == 5 && memcmp(p, "ready", 5) == 0) {
    b->started = 1;
    uv_timer_start(&b->timer, bp_tick, 0, 5);
  }
  return k;
}

static void bp_done(ferry_easy *e, ferry_code result, void *ud) {
  bpctx *b = ud;
  (void)e;
  b->done = 1;
  b->result = result;
  uv_timer_stop(&b->timer);
}

static void multi_closed(ferry_multi *m, void *arg) {
  (void)m;
  *(int *)arg = 1;
}

TEST_IMPL(wsx_callback_mode_sends_outside_callbacks_with_back_pressure) {
  wss_step steps[] = {{.action = WSS_HANDSHAKE},
                      {.action = WSS_SEND_FRAME, .opcode = 1, .data = "ready"},
                      {.action = WSS_HOLD_READS, .delay_ms = 400},
                      {.action = WSS_WAIT_MESSAGES, .n = BP_MESSAGES},
                      {.action = WSS_WAIT_CLOSE}};
  wsserver *s = wsserver_start(NULL);
  uv_loop_t loop;
  ferry_multi *m;
  ferry_easy *e;
  bpctx *b = calloc(1, sizeof(*b));
  int closed = 0;
  char want[BP_SIZE];

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(b);
  wsserver_default_script(s, STEPS(steps));
  ASSERT_EQ(uv_loop_init(&loop), 0);
  uv_timer_init(&loop, &b->timer);
  b->timer.data = b;
  m = ferry_multi_init();
  ASSERT_EQ(ferry_multi_use_loop(m, &loop), FERRYM_OK);
  e = rec_easy(&b->r, ws_url(wsserver_port(s), "/"));
  ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, bp_write);
  ferry_easy_setopt(e, FERRYOPT_WRITEDATA, b);
  ferry_easy_setopt(e, FERRYOPT_DONEFUNCTION, bp_done);
  ferry_easy_setopt(e, FERRYOPT_DONEDATA, b);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 30000L);
  ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_OK);
  uv_run(&loop, UV_RUN_DEFAULT);
  ASSERT_EQ(b->done, 1);
  ASSERT_EQ(b->result, FERRYE_OK);
  ASSERT_EQ(b->send_rc, FERRYE_OK);
  ASSERT_EQ(b->next, BP_MESSAGES);
  /* the queue filled while the server held its reads */
  ASSERT_GE(b->agains + b->partial, 1);
  ASSERT_EQ(wsserver_messages(s, 0), BP_MESSAGES);
  for (unsigned i = 0; i < BP_MESSAGES; i += 97) {
    unsigned opcode;
    size_t len;
    char *msg = wsserver_message(s, 0, i, &opcode, &len);
    bp_message(i, want);
    ASSERT_EQ(len, BP_SIZE);
    ASSERT(memcmp(msg, want, BP_SIZE) == 0);
    free(msg);
  }
  ASSERT_MEM_EQ(b->r.log.data, b->r.log.len, "T:ready;C:\\03\\e8;");
  ASSERT_EQ(ferry_multi_remove_handle(m, e), FERRYM_OK);
  ferry_easy_cleanup(e);
  ASSERT_EQ(ferry_multi_close(m, multi_closed, &closed), FERRYM_OK);
  uv_close((uv_handle_t *)&b->timer, NULL);
  MAKE_LOOP_HAPPY(&loop);
  ASSERT_EQ(closed, 1);
  rec_free(&b->r);
  free(b);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

/* -- many WebSockets on one multi ---------------------------------------------- */

#define MANY 100

typedef struct manyctx {
  wsrec r[MANY];
  unsigned ready, done, ok;
  uv_timer_t idle;
  uv_prepare_t prep;
  unsigned long iterations, idle_iterations;
  unsigned long timer_runs_before;
  ferry_multi *m;
  double cpu_before, idle_cpu;
} manyctx;

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static manyctx *many_of(wsrec *r);

static size_t many_write(char *p, size_t size, size_t n, void *ud);

static void many_send_all(manyctx *c) {
  for (int i = 0; i < MANY; i++) {
    size_t sent = 0;
    if (ferry_ws_send(c->r[i].e, "m", 1, &sent, 0, FERRYWS_TEXT) !=
            FERRYE_OK ||
        sent != 1)
      c->r[i].echo_rc = FERRYE_SEND_ERROR;
  }
}

static void many_idle_over(uv_timer_t *t) {
  manyctx *c = t->data;
  c->idle_iterations = c->iterations - c->idle_iterations;
  c->idle_cpu = cpu_seconds() - c->cpu_before;
  c->timer_runs_before = c->m->uv_timer_runs - c->timer_runs_before;
  /* now each WebSocket says something, from outside any callback */
  many_send_all(c);
}

static void many_prepare(uv_prepare_t *p) {
  ((manyctx *)p->data)->iterations++;
}

static size_t many_write(char *p, size_t size, size_t n, void *ud) {
  wsrec *r = ud;
  manyctx *c = many_of(r);
  size_t k = rec_write(p, size, n, ud);
  if (size * n == 2 && memcmp(p, "hi", 2) == 0 && ++c->ready == MANY &&
      c->idle.data != NULL) {
    /* every one is open and idle: watch the loop do nothing */
    c->idle_iterations = c->iterations;
    c->cpu_before = cpu_seconds();
    c->timer_runs_before = c->m->uv_timer_runs;
    uv_timer_start(&c->idle, many_idle_over, 300, 0);
  }
  return k;
}

static manyctx *many_current;
static manyctx *many_of(wsrec *r) {
  (void)r;
  return many_current;
}

static void many_done(ferry_easy *e, ferry_code result, void *ud) {
  manyctx *c = many_current;
  (void)e;
  (void)ud;
  c->done++;
  c->ok += result == FERRYE_OK;
}

static const wss_step many_steps[] = {
    {.action = WSS_HANDSHAKE},
    {.action = WSS_SEND_FRAME, .opcode = 1, .data = "hi"},
    {.action = WSS_WAIT_MESSAGES, .n = 1},
    {.action = WSS_CLOSE, .status = 1000}};

TEST_IMPL(wsx_many_websockets_sit_idle_on_one_multi_in_libuv_mode) {
  wsserver *s = wsserver_start(NULL);
  manyctx *c = calloc(1, sizeof(*c));
  uv_loop_t loop;
  int closed = 0;

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(c);
  many_current = c;
  wsserver_default_script(s, many_steps, sizeof(many_steps) / sizeof(many_steps[0]));
  ASSERT_EQ(uv_loop_init(&loop), 0);
  uv_timer_init(&loop, &c->idle);
  c->idle.data = c;
  uv_prepare_init(&loop, &c->prep);
  c->prep.data = c;
  uv_prepare_start(&c->prep, many_prepare);
  uv_unref((uv_handle_t *)&c->prep);
  c->m = ferry_multi_init();
  ASSERT_EQ(ferry_multi_use_loop(c->m, &loop), FERRYM_OK);
  for (int i = 0; i < MANY; i++) {
    ferry_easy *e = rec_easy(&c->r[i], ws_url(wsserver_port(s), "/"));
    ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, many_write);
    ferry_easy_setopt(e, FERRYOPT_DONEFUNCTION, many_done);
    ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 0L);
    ASSERT_EQ(ferry_multi_add_handle(c->m, e), FERRYM_OK);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  ASSERT_EQ(c->done, MANY);
  ASSERT_EQ(c->ok, MANY);
  /* 300 ms with 100 open WebSockets: the loop slept (a handful of
   * iterations, the timer's own), ferry's timer never ran, next to no CPU */
  ASSERT_LE(c->idle_iterations, 4);
  ASSERT_EQ(c->timer_runs_before, 0);
  ASSERT(c->idle_cpu < 0.05);
  for (int i = 0; i < MANY; i++) {
    ASSERT_MEM_EQ(c->r[i].log.data, c->r[i].log.len, "T:hi;C:\\03\\e8;");
    ASSERT_EQ(c->r[i].echo_rc, FERRYE_OK);
    ASSERT_EQ(ferry_multi_remove_handle(c->m, c->r[i].e), FERRYM_OK);
    ferry_easy_cleanup(c->r[i].e);
    rec_free(&c->r[i]);
  }
  ASSERT_EQ(wsserver_get(s, WSS_CLOSE_ECHOED), MANY);
  ASSERT_EQ(ferry_multi_close(c->m, multi_closed, &closed), FERRYM_OK);
  uv_close((uv_handle_t *)&c->idle, NULL);
  uv_close((uv_handle_t *)&c->prep, NULL);
  MAKE_LOOP_HAPPY(&loop);
  free(c);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

/* socket_action: what the application is asked to watch */
static short sa_want[4096];
static long sa_timeout = -1;

static int sa_socket(ferry_easy *e, ferry_socket_t fd, int what, void *u,
                     void *sp) {
  (void)e;
  (void)u;
  (void)sp;
  if (fd < 0 || fd >= 4096)
    return -1;
  sa_want[fd] = what == FERRY_POLL_REMOVE ? 0 : (short)what;
  return 0;
}

static int sa_timer(ferry_multi *m, long ms, void *u) {
  (void)m;
  (void)u;
  sa_timeout = ms;
  return 0;
}

/* One round: poll what is wanted (at most wait_ms), act. Returns the
 * number of ready sockets. */
static int sa_round(ferry_multi *m, int wait_ms, int *running) {
  struct pollfd p[4096];
  nfds_t n = 0;
  int ready, ms = wait_ms;
  for (int fd = 0; fd < 4096; fd++)
    if (sa_want[fd]) {
      p[n].fd = fd;
      p[n].events = (short)(((sa_want[fd] & FERRY_POLL_IN) ? POLLIN : 0) |
                            ((sa_want[fd] & FERRY_POLL_OUT) ? POLLOUT : 0));
      p[n++].revents = 0;
    }
  if (sa_timeout >= 0 && sa_timeout < ms)
    ms = (int)sa_timeout;
  ready = poll(p, n, ms);
  for (nfds_t i = 0; i < n; i++)
    if (p[i].revents)
      ferry_multi_socket_action(m, p[i].fd, 0, running);
  if (ready == 0 && sa_timeout >= 0)
    ferry_multi_socket_action(m, FERRY_SOCKET_TIMEOUT, 0, running);
  return ready;
}

TEST_IMPL(wsx_many_websockets_in_socket_action_mode_watch_only_input) {
  wsserver *s = wsserver_start(NULL);
  manyctx *c = calloc(1, sizeof(*c));
  ferry_multi *m = ferry_multi_init();
  int running = 1, rounds = 0, in = 0, out = 0;

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(c);
  many_current = c;
  memset(sa_want, 0, sizeof(sa_want));
  sa_timeout = -1;
  wsserver_default_script(s, many_steps, sizeof(many_steps) / sizeof(many_steps[0]));
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_SOCKETFUNCTION, sa_socket),
            FERRYM_OK);
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_TIMERFUNCTION, sa_timer),
            FERRYM_OK);
  for (int i = 0; i < MANY; i++) {
    ferry_easy *e = rec_easy(&c->r[i], ws_url(wsserver_port(s), "/"));
    ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, many_write);
    ferry_easy_setopt(e, FERRYOPT_DONEFUNCTION, many_done);
    ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 0L);
    ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_OK);
  }
  ferry_multi_socket_action(m, FERRY_SOCKET_TIMEOUT, 0, &running);
  while (c->ready < MANY && rounds++ < 5000)
    sa_round(m, 100, &running);
  ASSERT_EQ(c->ready, MANY);
  /* let any last write or timer settle, then look */
  for (int i = 0; i < 5; i++)
    sa_round(m, 10, &running);
  for (int fd = 0; fd < 4096; fd++) {
    in += sa_want[fd] == FERRY_POLL_IN;
    out += (sa_want[fd] & FERRY_POLL_OUT) != 0;
  }
  ASSERT_EQ(in, MANY);
  ASSERT_EQ(out, 0);
  ASSERT_EQ(sa_timeout, -1);
  ASSERT_EQ(running, MANY);
  /* idle: nothing is ready for 200 ms */
  ASSERT_EQ(sa_round(m, 200, &running), 0);
  many_send_all(c);
  rounds = 0;
  while (running > 0 && rounds++ < 5000)
    sa_round(m, 100, &running);
  ASSERT_EQ(running, 0);
  ASSERT_EQ(c->ok, MANY);
  for (int fd = 0; fd < 4096; fd++)
    ASSERT_EQ(sa_want[fd], 0);
  ASSERT_EQ(sa_timeout, -1);
  for (int i = 0; i < MANY; i++) {
    ASSERT_MEM_EQ(c->r[i].log.data, c->r[i].log.len, "T:hi;C:\\03\\e8;");
    ferry_multi_remove_handle(m, c->r[i].e);
    ferry_easy_cleanup(c->r[i].e);
    rec_free(&c->r[i]);
  }
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  free(c);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

/* -- python3-websockets ------------------------------------------------------- */

/* The READFUNCTION gives the messages to send: each as a frame started
 * with ferry_ws_start_frame, the big one in pieces. */
typedef struct pyup {
  ferry_easy *e;
  int msg;
  size_t off;
  const char *big;
  size_t big_len;
  ferry_code rc;
} pyup;

static const char py_utf8[] = "h\xc3\xa9llo \xf0\x9f\x98\x80";

static size_t py_read(char *buf, size_t size, size_t n, void *ud) {
  pyup *u = ud;
  size_t cap = size * n, k;
  const char *text[] = {"hello", py_utf8, NULL, "fragments a b c",
                        "close 4000 see you"};
  if (u->msg >= 5)
    return FERRY_READFUNC_PAUSE; /* nothing more: the server closes */
  if (u->msg == 2) {
    if (u->off == 0 &&
        ferry_ws_start_frame(u->e, FERRYWS_BINARY, (ferry_off_t)u->big_len) !=
            FERRYE_OK)
      u->rc = FERRYE_LAST;
    k = u->big_len - u->off < cap ? u->big_len - u->off : cap;
    memcpy(buf, u->big + u->off, k);
    u->off += k;
    if (u->off == u->big_len)
      u->msg++;
    return k;
  }
  k = strlen(text[u->msg]);
  if (ferry_ws_start_frame(u->e, FERRYWS_TEXT, (ferry_off_t)k) != FERRYE_OK)
    u->rc = FERRYE_LAST;
  memcpy(buf, text[u->msg], k);
  u->msg++;
  return k;
}

TEST_IMPL(wsx_python_websockets_server_in_callback_mode) {
  pyws_server *p = pyws_server_start();
  size_t big_len = 1 << 20;
  char *big = malloc(big_len), *want;
  pyup u = {0};
  ferry_easy *e;
  wsrec r;
  const char *tail;

  ASSERT_NOT_NULL(p);
  ASSERT_NOT_NULL(big);
  for (size_t i = 0; i < big_len; i++)
    big[i] = (char)(i * 7);
  e = rec_easy(&r, ws_url(pyws_server_port(p), "/"));
  u.e = e;
  u.big = big;
  u.big_len = big_len;
  ferry_easy_setopt(e, FERRYOPT_UPLOAD, 1L);
  ferry_easy_setopt(e, FERRYOPT_READFUNCTION, py_read);
  ferry_easy_setopt(e, FERRYOPT_READDATA, &u);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(u.rc, FERRYE_OK);
  ASSERT_EQ(r.bad_meta, 0);
  /* the echoes, in order: hello, the UTF-8 text, 1 MiB of binary, the
   * server's own fragments (ending with an empty final frame), its close */
  want = malloc(5 + strlen(py_utf8) + big_len + 3);
  memcpy(want, "hello", 5);
  memcpy(want + 5, py_utf8, strlen(py_utf8));
  memcpy(want + 5 + strlen(py_utf8), big, big_len);
  memcpy(want + 5 + strlen(py_utf8) + big_len, "abc", 3);
  ASSERT_EQ(r.data.len, 5 + strlen(py_utf8) + big_len + 3);
  ASSERT(memcmp(r.data.data, want, r.data.len) == 0);
  {
    static const char head[] = "T:hello;T:h\\c3\\a9llo \\f0\\9f\\98\\80;B";
    ASSERT(strncmp(r.log.data, head, strlen(head)) == 0);
  }
  tail = r.log.data + r.log.len - strlen("T+:a;T+:b;T+:c;T:;C:\\0f\\a0see you;");
  ASSERT_MEM_EQ(tail, strlen(tail), "T+:a;T+:b;T+:c;T:;C:\\0f\\a0see you;");
  ferry_easy_cleanup(e);
  rec_free(&r);
  free(want);
  free(big);
  ASSERT_EQ(pyws_server_stop(p), 0);
  return 0;
}

static ferry_code send_all_ws(ferry_easy *e, const void *p, size_t n,
                              unsigned flags) {
  size_t off = 0;
  do {
    size_t sent = 0;
    ferry_code rc = ferry_ws_send(e, (const char *)p + off, n - off, &sent,
                                  0, flags);
    if (rc == FERRYE_AGAIN) {
      if (wait_fd(active(e), POLLOUT) != 0)
        return FERRYE_OPERATION_TIMEDOUT;
      continue;
    }
    if (rc != FERRYE_OK)
      return rc;
    off += sent;
  } while (off < n);
  return FERRYE_OK;
}

/* Receive one whole message (frames put together) into out. */
static ferry_code recv_message(ferry_easy *e, sink *out, int *flags) {
  char buf[8192];
  for (;;) {
    const struct ferry_ws_frame *m = NULL;
    size_t got = 0;
    ferry_code rc = ferry_ws_recv(e, buf, sizeof(buf), &got, &m);
    if (rc == FERRYE_AGAIN) {
      if (wait_fd(active(e), POLLIN) != 0)
        return FERRYE_OPERATION_TIMEDOUT;
      continue;
    }
    if (rc != FERRYE_OK)
      return rc;
    sink_write(buf, 1, got, out);
    *flags = m->flags;
    if (m->bytesleft == 0 && !(m->flags & FERRYWS_CONT))
      return FERRYE_OK;
  }
}

TEST_IMPL(wsx_python_websockets_server_with_connect_only) {
  pyws_server *p = pyws_server_start();
  size_t big_len = 3 << 20;
  char *big = malloc(big_len);
  ferry_easy *e;
  sink got = {0};
  int flags = 0;

  ASSERT_NOT_NULL(p);
  ASSERT_NOT_NULL(big);
  for (size_t i = 0; i < big_len; i++)
    big[i] = (char)(i * 13 + 1);
  e = co_easy(ws_url(pyws_server_port(p), "/"));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(send_all_ws(e, py_utf8, strlen(py_utf8), FERRYWS_TEXT), FERRYE_OK);
  ASSERT_EQ(recv_message(e, &got, &flags), FERRYE_OK);
  ASSERT_MEM_EQ(got.data, got.len, py_utf8);
  ASSERT_EQ(flags, FERRYWS_TEXT);
  sink_free(&got);
  /* 3 MiB out and back, partial sends and all */
  ASSERT_EQ(send_all_ws(e, big, big_len, FERRYWS_BINARY), FERRYE_OK);
  ASSERT_EQ(recv_message(e, &got, &flags), FERRYE_OK);
  ASSERT_EQ(got.len, big_len);
  ASSERT(memcmp(got.data, big, big_len) == 0);
  ASSERT_EQ(flags, FERRYWS_BINARY);
  sink_free(&got);
  /* a fragmented message of ours comes back whole */
  ASSERT_EQ(send_all_ws(e, "frag", 4, FERRYWS_TEXT | FERRYWS_CONT), FERRYE_OK);
  ASSERT_EQ(send_all_ws(e, "ments", 5, FERRYWS_TEXT), FERRYE_OK);
  ASSERT_EQ(recv_message(e, &got, &flags), FERRYE_OK);
  ASSERT_MEM_EQ(got.data, got.len, "fragments");
  sink_free(&got);
  /* the close handshake, ours first: its answer, then the end */
  ASSERT_EQ(send_all_ws(e, "\x03\xe8" "bye", 5, FERRYWS_CLOSE), FERRYE_OK);
  ASSERT_EQ(recv_message(e, &got, &flags), FERRYE_OK);
  ASSERT_EQ(flags, FERRYWS_CLOSE);
  ASSERT(got.len >= 2 && memcmp(got.data, "\x03\xe8", 2) == 0);
  sink_free(&got);
  ASSERT_EQ(recv_message(e, &got, &flags), FERRYE_GOT_NOTHING);
  ferry_easy_cleanup(e);
  sink_free(&got);
  free(big);
  ASSERT_EQ(pyws_server_stop(p), 0);
  return 0;
}

/* -- wss, proxies, redirects, authentication, cookies ----------------------------- */

static tcerts certs;
static int certs_made;
static void certs_remove(void) {
  if (certs_made)
    tcerts_cleanup(&certs);
}
static int make_certs(void) {
  if (certs_made)
    return 0;
  if (tcerts_make(&certs) != 0)
    return -1;
  certs_made = 1;
  atexit(certs_remove);
  return 0;
}

TEST_IMPL(wsx_wss_runs_over_tls_in_both_modes) {
  wss_step steps[] = {{.action = WSS_HANDSHAKE},
                      {.action = WSS_SEND_FRAME, .opcode = 1,
                       .data = "secure", .piece = 2, .delay_ms = 2},
                      {.action = WSS_ECHO}};
  wsserver_config cfg = {0};
  wsserver *s;
  ferry_easy *e;
  char url[128];
  sink log = {0};
  size_t sent;
  wsrec r;

  ASSERT_EQ(make_certs(), 0);
  cfg.cert = certs.server;
  cfg.key = certs.server_key;
  s = wsserver_start(&cfg);
  ASSERT_NOT_NULL(s);
  wsserver_default_script(s, STEPS(steps));
  snprintf(url, sizeof(url), "wss://localhost:%d/tls", wsserver_port(s));
  /* callback mode: the echo of what the callback sends back */
  e = rec_easy(&r, url);
  ferry_easy_setopt(e, FERRYOPT_CAINFO, certs.ca);
  r.echo = 1;
  r.close_at = 4; /* "secure" in three writes, its echo: then close */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  /* the echo of the echo sent with the close comes before the answer */
  ASSERT_MEM_EQ(r.log.data, r.log.len,
                "T@0,4:se;T@2,2:cu;T@4,0:re;T:secure;T:secure;C:\\0f\\a0;");
  ferry_easy_cleanup(e);
  rec_free(&r);
  /* CONNECT_ONLY: the same over the handed-over TLS connection */
  e = co_easy(url);
  ferry_easy_setopt(e, FERRYOPT_CAINFO, certs.ca);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(send_all_ws(e, "\x0f\xa0", 2, FERRYWS_CLOSE), FERRYE_OK);
  ASSERT_EQ(recv_all(e, 100, &log, NULL), FERRYE_GOT_NOTHING);
  ASSERT(log.len > 9 && log.data[0] == 'T');
  ASSERT_MEM_EQ(log.data + log.len - 9, 9, "C:\\0f\\a0;");
  (void)sent;
  ferry_easy_cleanup(e);
  sink_free(&log);
  /* a certificate not trusted: the TLS error, as for https */
  e = co_easy(url);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_PEER_FAILED_VERIFICATION);
  ferry_easy_cleanup(e);
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

/* A canned 101 for the RFC's sample key (the tests set it as the user's
 * key), with the given frames after it. */
#define SAMPLE_KEY_HEADER "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="
#define SAMPLE_101                                                            \
  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"                \
  "Connection: Upgrade\r\n"                                                   \
  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"

TEST_IMPL(wsx_through_an_http_proxy_the_upgrade_goes_in_a_tunnel) {
  tserver *p = tserver_start();
  ts_step steps[] = {
      FX_STEP_REQ,
      FX_STEP_SEND("HTTP/1.1 200 Connection established\r\n\r\n"),
      FX_STEP_REQ,
      {TS_SEND, SAMPLE_101 "\x81\x02hi\x88\x02\x03\xe8", 0, 0, 0},
      {TS_WAIT_BYTES, NULL, 0, 8, 0}, /* the client's masked close */
      FX_STEP_CLOSE};
  ferry_slist *h = ferry_slist_append(NULL, SAMPLE_KEY_HEADER);
  char proxy[64], *req;
  ferry_easy *e;
  size_t len;
  long cc = 0;
  wsrec r;

  ASSERT_NOT_NULL(p);
  tserver_default_script(p, FX_STEPS(steps));
  snprintf(proxy, sizeof(proxy), "127.0.0.1:%d", tserver_port(p));
  e = rec_easy(&r, "ws://origin.example/chat");
  ferry_easy_setopt(e, FERRYOPT_PROXY, proxy);
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, h);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(r.log.data, r.log.len, "T:hi;C:\\03\\e8;");
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_HTTP_CONNECTCODE, &cc), FERRYE_OK);
  ASSERT_EQ(cc, 200);
  /* without HTTPPROXYTUNNEL: a tunnel all the same, to port 80 */
  req = tserver_request(p, 0, &len);
  ASSERT(strncmp(req, "CONNECT origin.example:80 HTTP/1.1\r\n", 36) == 0);
  free(req);
  req = tserver_request(p, 1, &len);
  ASSERT(strncmp(req, "GET /chat HTTP/1.1\r\nHost: origin.example\r\n", 42) ==
         0);
  ASSERT(strstr(req, "\r\nUpgrade: websocket\r\n"));
  free(req);
  ferry_easy_cleanup(e);
  ferry_slist_free_all(h);
  rec_free(&r);
  ASSERT_EQ(tserver_stop(p), 0);
  return 0;
}

TEST_IMPL(wsx_redirects_authentication_and_cookies_come_before_the_101) {
  tserver *s = tserver_start();
  ts_step steps[] = {
      FX_STEP_REQ,
      FX_STEP_SEND("HTTP/1.1 302 Found\r\nLocation: /two\r\n"
                   "Set-Cookie: seen=1\r\nContent-Length: 0\r\n\r\n"),
      FX_STEP_REQ,
      FX_STEP_SEND("HTTP/1.1 401 Unauthorized\r\n"
                   "WWW-Authenticate: Basic realm=\"ws\"\r\n"
                   "Content-Length: 0\r\n\r\n"),
      FX_STEP_REQ,
      {TS_SEND, SAMPLE_101 "\x81\x02in\x88\x00",
       sizeof(SAMPLE_101 "\x81\x02in\x88\x00") - 1, 0, 0},
      {TS_WAIT_BYTES, NULL, 0, 6, 0},
      FX_STEP_CLOSE};
  ferry_slist *h = ferry_slist_append(NULL, SAMPLE_KEY_HEADER);
  char url[128], *req;
  ferry_easy *e;
  long redirects = 0;
  size_t len;
  wsrec r;

  ASSERT_NOT_NULL(s);
  tserver_default_script(s, FX_STEPS(steps));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/one", tserver_port(s));
  e = rec_easy(&r, url);
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, h);
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L);
  ferry_easy_setopt(e, FERRYOPT_COOKIEFILE, "");
  ferry_easy_setopt(e, FERRYOPT_USERPWD, "u:p");
  ferry_easy_setopt(e, FERRYOPT_HTTPAUTH, (long)FERRYAUTH_ANY);
  if (getenv("WSX_VERBOSE"))
    ferry_easy_setopt(e, FERRYOPT_VERBOSE, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(r.log.data, r.log.len, "T:in;C:;");
  /* the 302, and the 401 asked again (libcurl counts both) */
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_REDIRECT_COUNT, &redirects),
            FERRYE_OK);
  ASSERT_EQ(redirects, 2);
  /* the three requests on one connection, each an upgrade */
  ASSERT_EQ(tserver_connections(s), 1);
  req = tserver_request(s, 1, &len);
  ASSERT(strncmp(req, "GET /two HTTP/1.1\r\n", 19) == 0);
  ASSERT(strstr(req, "\r\nCookie: seen=1\r\n"));
  ASSERT(strstr(req, "\r\nUpgrade: websocket\r\n"));
  free(req);
  req = tserver_request(s, 2, &len);
  ASSERT(strstr(req, "\r\nAuthorization: Basic dTpw\r\n"));
  ASSERT(strstr(req, "\r\nCookie: seen=1\r\n"));
  ASSERT(strstr(req, "\r\nConnection: Upgrade\r\n"));
  free(req);
  ferry_easy_cleanup(e);
  ferry_slist_free_all(h);
  rec_free(&r);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(wsx_a_redirect_from_ws_to_http_is_refused) {
  tserver *s = tserver_start();
  ts_step steps[] = {FX_STEP_REQ,
                     FX_STEP_SEND("HTTP/1.1 301 Moved\r\n"
                                  "Location: http://127.0.0.1/plain\r\n"
                                  "Content-Length: 0\r\n\r\n")};
  char url[128], errbuf[FERRY_ERROR_SIZE] = "";
  ferry_easy *e;
  wsrec r;

  ASSERT_NOT_NULL(s);
  tserver_default_script(s, FX_STEPS(steps));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", tserver_port(s));
  e = rec_easy(&r, url);
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, errbuf);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_UNSUPPORTED_PROTOCOL);
  ASSERT(strstr(errbuf, "WebSocket"));
  ferry_easy_cleanup(e);
  rec_free(&r);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* -- allocation failure over a WebSocket session ------------------------------ */

static long oom_count, oom_fail_at;

static int oom_should_fail(void) {
  oom_count++;
  return oom_fail_at && oom_count == oom_fail_at;
}
static void *oom_malloc(size_t n) { return oom_should_fail() ? NULL : malloc(n); }
static void oom_free(void *p) { free(p); }
static void *oom_realloc(void *p, size_t n) {
  return oom_should_fail() ? NULL : realloc(p, n);
}
static char *oom_strdup(const char *s) {
  return oom_should_fail() ? NULL : strdup(s);
}
static void *oom_calloc(size_t a, size_t b) {
  return oom_should_fail() ? NULL : calloc(a, b);
}

/* The callback echoes each data chunk; a failed echo fails the write (so
 * the transfer ends instead of waiting for a message that never goes). */
static size_t oom_write(char *p, size_t size, size_t n, void *ud) {
  wsrec *r = ud;
  rec_write(p, size, n, ud);
  return r->echo_rc == FERRYE_OK ? size * n : 0;
}

static ferry_code oom_callback_mode(int port) {
  ferry_easy *e;
  ferry_code rc;
  wsrec r;

  e = ferry_easy_init();
  if (e == NULL)
    return FERRYE_OUT_OF_MEMORY;
  memset(&r, 0, sizeof(r));
  r.e = e;
  r.echo = 1;
  if (ferry_easy_setopt(e, FERRYOPT_URL, ws_url(port, "/oom")) != FERRYE_OK) {
    ferry_easy_cleanup(e);
    return FERRYE_OUT_OF_MEMORY;
  }
  ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, oom_write);
  ferry_easy_setopt(e, FERRYOPT_WRITEDATA, &r);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 5000L);
  rc = ferry_easy_perform(e);
  /* a successful run saw all (how the big frame was cut varies) */
  if (rc == FERRYE_OK &&
      (r.data.len != 5 + 20000 || strncmp(r.log.data, "T:hello;B", 9) != 0 ||
       strstr(r.log.data, "C:\\03\\e8;") == NULL))
    rc = FERRYE_LAST;
  ferry_easy_cleanup(e);
  rec_free(&r);
  return rc;
}

static ferry_code oom_connect_only(int port) {
  ferry_easy *e = ferry_easy_init();
  ferry_code rc;
  sink log = {0};
  size_t sent = 0;

  if (e == NULL)
    return FERRYE_OUT_OF_MEMORY;
  rc = ferry_easy_setopt(e, FERRYOPT_URL, ws_url(port, "/oom"));
  if (rc == FERRYE_OK)
    rc = ferry_easy_setopt(e, FERRYOPT_CONNECT_ONLY, 2L);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 5000L);
  if (rc == FERRYE_OK)
    rc = ferry_easy_perform(e);
  if (rc == FERRYE_OK)
    rc = ferry_ws_send(e, "hello", 5, &sent, 0, FERRYWS_TEXT);
  if (rc == FERRYE_OK) {
    rc = recv_all(e, 4096, &log, NULL);
    /* the end after the close handshake is the good end here */
    if (rc == FERRYE_GOT_NOTHING)
      rc = log.len > 0 && strstr(log.data, "C:\\03\\e8;") ? FERRYE_OK
                                                        : FERRYE_LAST;
  }
  ferry_easy_cleanup(e);
  sink_free(&log);
  return rc;
}

static int oom_code_expected(ferry_code rc) {
  /* a failed allocation surfaces as itself, or as what it did to the
   * conversation: the server saw a connection close (RECV/SEND error,
   * GOT_NOTHING) or the application's write failing */
  return rc == FERRYE_OK || rc == FERRYE_OUT_OF_MEMORY ||
         rc == FERRYE_WRITE_ERROR || rc == FERRYE_RECV_ERROR ||
         rc == FERRYE_SEND_ERROR || rc == FERRYE_GOT_NOTHING ||
         rc == FERRYE_FAILED_INIT;
}

static int oom_each(ferry_code (*fn)(int), const char *name) {
  static char big[20000];
  wss_step steps[] = {
      {.action = WSS_HANDSHAKE},
      {.action = WSS_SEND_FRAME, .opcode = 1, .data = "hello"},
      {.action = WSS_SEND_FRAME, .opcode = 2, .data = big, .len = sizeof(big),
       .piece = 6000},
      {.action = WSS_PING, .data = "p"},
      {.action = WSS_WAIT_MESSAGES, .n = 1},
      {.action = WSS_CLOSE, .status = 1000}};
  wsserver *s = wsserver_start(NULL);
  long total, oom = 0;
  ferry_code rc;

  ASSERT_NOT_NULL(s);
  wsserver_default_script(s, STEPS(steps));
  ASSERT_EQ(ferry_global_init_mem(FERRY_GLOBAL_ALL, oom_malloc, oom_free,
                                  oom_realloc, oom_strdup, oom_calloc),
            FERRYE_OK);
  oom_count = 0;
  oom_fail_at = 0;
  if (fn == oom_callback_mode)
    steps[4].n = 2; /* the echoes of both messages */
  rc = fn(wsserver_port(s));
  ASSERT_EQ(rc, FERRYE_OK);
  total = oom_count;
  ASSERT_GE(total, 10);
  for (long i = 1; i <= total; i++) {
    oom_count = 0;
    oom_fail_at = i;
    rc = fn(wsserver_port(s));
    if (!oom_code_expected(rc)) {
      fprintf(stderr, "  %s: failing allocation %ld of %ld gave %d (%s)\n",
              name, i, total, (int)rc, ferry_easy_strerror(rc));
      return 1;
    }
    oom += rc == FERRYE_OUT_OF_MEMORY;
  }
  oom_fail_at = 0;
  if (getenv("WSX_VERBOSE"))
    fprintf(stderr, "  %s: %ld allocations, %ld gave OUT_OF_MEMORY\n", name,
            total, oom);
  ASSERT_GE(oom * 2, total);
  ferry_global_cleanup();
  ASSERT_EQ(wsserver_stop(s), 0);
  return 0;
}

TEST_IMPL(wsx_oom_each_allocation_of_a_websocket_session_fails_cleanly) {
  return oom_each(oom_callback_mode, "callback mode");
}

TEST_IMPL(wsx_oom_each_allocation_of_a_connect_only_websocket_fails_cleanly) {
  return oom_each(oom_connect_only, "connect only");
}

/* Tests of the scripted test server itself, driven from the test thread
 * with plain blocking sockets. */
#include "server.h"
#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* No blocking read in these tests may wait longer than this. */
#define READ_TIMEOUT_S 10

/* libuv timers run on a millisecond clock that may be read coarsely, so a
 * delay can end up to a few milliseconds before the wall clock says. */
#define TIMER_SLACK_MS 5

#define HTTP_OK "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

static void set_read_timeout(int fd) {
  struct timeval tv = {READ_TIMEOUT_S, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* A blocking socket connected to 127.0.0.1:port, or -1. */
static int connect_to(int port) {
  struct sockaddr_in addr;
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  if (fd < 0)
    return -1;
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  set_read_timeout(fd);
  return fd;
}

static int send_bytes(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

static int send_str(int fd, const char *s) {
  return send_bytes(fd, s, strlen(s));
}

/* Send two strings in one write. */
static int send_joined(int fd, const char *a, const char *b) {
  size_t alen = strlen(a), blen = strlen(b);
  char *both = malloc(alen + blen);
  int r;
  if (both == NULL)
    return -1;
  memcpy(both, a, alen);
  memcpy(both + alen, b, blen);
  r = send_bytes(fd, both, alen + blen);
  free(both);
  return r;
}

/* Read until n bytes, EOF or an error. Returns the bytes read. */
static size_t read_exactly(int fd, char *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = recv(fd, buf + got, n - got, 0);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    got += (size_t)r;
  }
  return got;
}

/* Read until EOF or an error, NUL-terminating buf. Returns the bytes read;
 * *err is 0 after EOF, else the errno of the failed read. */
static size_t read_to_end(int fd, char *buf, size_t cap, int *err) {
  size_t got = 0;
  *err = 0;
  for (;;) {
    ssize_t r = recv(fd, buf + got, cap - 1 - got, 0);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      *err = errno;
      break;
    }
    if (r == 0 || got + (size_t)r == cap - 1) {
      got += (size_t)r;
      break;
    }
    got += (size_t)r;
  }
  buf[got] = '\0';
  return got;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Wait until the server has received at least n bytes on a connection.
 * Returns 0 when it has, -1 after READ_TIMEOUT_S. */
static int wait_received(tserver *s, unsigned conn_index, size_t n) {
  double deadline = now_ms() + READ_TIMEOUT_S * 1000.0;
  struct timespec tick = {0, 1000000};
  for (;;) {
    size_t len;
    char *got = tserver_received(s, conn_index, &len);
    free(got);
    if (got != NULL && len >= n)
      return 0;
    if (now_ms() > deadline)
      return -1;
    nanosleep(&tick, NULL);
  }
}

/* Assert that the req_index-th request is exactly `expected`. */
#define ASSERT_REQUEST(s, req_index, expected)                                \
  do {                                                                        \
    size_t rlen_;                                                             \
    char *req_ = tserver_request((s), (req_index), &rlen_);                   \
    ASSERT_NOT_NULL(req_);                                                    \
    ASSERT_MEM_EQ(req_, rlen_, (expected));                                   \
    free(req_);                                                               \
  } while (0)

TEST_IMPL(server_send_step_echoes_exact_bytes) {
  static const char binary[] = {'a', '\0', 'b', '\r', '\n', '\xff'};
  ts_step steps[] = {
      {.action = TS_WAIT_BYTES, .n = 5},
      {.action = TS_SEND, .data = "hello back"},
      {.action = TS_SEND, .data = binary, .len = sizeof(binary)},
  };
  char buf[32];
  size_t len;
  char *got;
  tserver *s = tserver_start();
  int fd;

  ASSERT_NOT_NULL(s);
  ASSERT_GE(tserver_port(s), 1);
  tserver_script(s, 0, steps, 3);
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(send_str(fd, "hello"), 0);
  ASSERT_EQ(read_exactly(fd, buf, 10 + sizeof(binary)), 10 + sizeof(binary));
  ASSERT_MEM_EQ(buf, 10, "hello back");
  ASSERT_EQ(memcmp(buf + 10, binary, sizeof(binary)), 0);

  got = tserver_received(s, 0, &len);
  ASSERT_NOT_NULL(got);
  ASSERT_MEM_EQ(got, len, "hello");
  ASSERT_EQ(got[len], '\0');
  free(got);
  ASSERT_NULL(tserver_received(s, 1, &len));
  ASSERT_EQ(len, 0);

  close(fd);
  ASSERT_EQ(tserver_wait_closed(s, 1, 10000), 0);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(server_send_split_delivers_pieces_with_delays) {
  ts_step steps[] = {
      {.action = TS_WAIT_BYTES, .n = 1},
      {.action = TS_SEND_SPLIT, .data = "abcdef", .n = 2, .delay_ms = 60},
      {.action = TS_CLOSE},
  };
  char buf[16];
  double t0;
  int err;
  tserver *s = tserver_start();
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, steps, 3);
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  /* The server sends nothing before this byte, so the clock starts first. */
  t0 = now_ms();
  ASSERT_EQ(send_str(fd, "x"), 0);
  ASSERT_EQ(read_to_end(fd, buf, sizeof(buf), &err), 6);
  ASSERT_EQ(err, 0);
  ASSERT_STR_EQ(buf, "abcdef");
  /* Three pieces: two gaps of 60 ms between the first and the last. */
  ASSERT_GE(now_ms() - t0, 2 * 60 - TIMER_SLACK_MS);

  close(fd);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(server_send_split_dribbles_byte_by_byte) {
  static const char text[] =
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  ts_step steps[] = {
      {.action = TS_SEND_SPLIT, .data = text, .n = 1},
      {.action = TS_CLOSE},
  };
  char buf[128];
  int err;
  tserver *s = tserver_start();
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, steps, 2);
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(read_to_end(fd, buf, sizeof(buf), &err), strlen(text));
  ASSERT_EQ(err, 0);
  ASSERT_STR_EQ(buf, text);

  close(fd);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(server_delay_step_holds_the_reply) {
  ts_step steps[] = {
      {.action = TS_WAIT_BYTES, .n = 1},
      {.action = TS_DELAY, .delay_ms = 100},
      {.action = TS_SEND, .data = "late"},
  };
  char buf[8];
  double t0;
  tserver *s = tserver_start();
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, steps, 3);
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  t0 = now_ms();
  ASSERT_EQ(send_str(fd, "x"), 0);
  ASSERT_EQ(read_exactly(fd, buf, 4), 4);
  ASSERT_GE(now_ms() - t0, 100 - TIMER_SLACK_MS);
  ASSERT_MEM_EQ(buf, 4, "late");

  close(fd);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(server_close_step_gives_client_eof) {
  ts_step steps[] = {
      {.action = TS_SEND, .data = "bye"},
      {.action = TS_CLOSE},
  };
  char buf[16];
  int err;
  tserver *s = tserver_start();
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, steps, 2);
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(read_to_end(fd, buf, sizeof(buf), &err), 3);
  ASSERT_EQ(err, 0); /* EOF, not an error */
  ASSERT_STR_EQ(buf, "bye");
  ASSERT_EQ(tserver_wait_closed(s, 1, 10000), 0);

  close(fd);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(server_close_step_flushes_a_large_send_first) {
  enum { BIG = 4 * 1024 * 1024 };
  char *big = malloc(BIG + 1);
  char *buf = malloc(BIG + 16);
  ts_step steps[2];
  size_t got;
  int err;
  tserver *s;
  int fd;

  ASSERT_NOT_NULL(big);
  ASSERT_NOT_NULL(buf);
  for (size_t i = 0; i < BIG; i++)
    big[i] = (char)('a' + i % 26);
  big[BIG] = '\0';
  memset(steps, 0, sizeof(steps));
  steps[0].action = TS_SEND;
  steps[0].data = big;
  steps[0].len = BIG;
  steps[1].action = TS_CLOSE;

  s = tserver_start();
  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, steps, 2);
  free(big); /* the script holds its own copy */
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  got = read_to_end(fd, buf, BIG + 16, &err);
  ASSERT_EQ(err, 0);
  ASSERT_EQ(got, BIG);
  for (size_t i = 0; i < BIG; i++)
    ASSERT_EQ(buf[i], 'a' + i % 26);
  free(buf);

  close(fd);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(server_reset_step_gives_client_econnreset) {
  ts_step steps[] = {
      {.action = TS_WAIT_BYTES, .n = 4},
      {.action = TS_SEND, .data = "partial"},
      {.action = TS_RESET},
  };
  char buf[64];
  size_t got;
  int err;
  tserver *s = tserver_start();
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, steps, 3);
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(send_str(fd, "ping"), 0);
  ASSERT_EQ(tserver_wait_closed(s, 1, 10000), 0);
  got = read_to_end(fd, buf, sizeof(buf), &err);
  ASSERT_EQ(err, ECONNRESET);
  /* Linux keeps bytes that arrived before the reset readable. */
  ASSERT_MEM_EQ(buf, got, "partial");

  close(fd);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(server_shutdown_write_keeps_reading_until_client_closes) {
  ts_step steps[] = {
      {.action = TS_SEND, .data = "x"},
      {.action = TS_SHUTDOWN_WRITE},
      {.action = TS_WAIT_CLOSE},
  };
  char buf[8];
  size_t len;
  char *got;
  int err;
  tserver *s = tserver_start();
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, steps, 3);
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(read_to_end(fd, buf, sizeof(buf), &err), 1);
  ASSERT_EQ(err, 0);
  ASSERT_STR_EQ(buf, "x");
  /* Half-closed: the server still reads. */
  ASSERT_EQ(send_str(fd, "more"), 0);
  ASSERT_EQ(wait_received(s, 0, 4), 0);
  ASSERT_EQ(tserver_wait_closed(s, 1, 0), -1);
  close(fd);
  ASSERT_EQ(tserver_wait_closed(s, 1, 10000), 0);
  got = tserver_received(s, 0, &len);
  ASSERT_MEM_EQ(got, len, "more");
  free(got);

  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(server_script_without_close_keeps_connection_open) {
  ts_step steps[] = {
      {.action = TS_SEND, .data = "hi"},
  };
  char buf[8];
  tserver *s = tserver_start();
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, steps, 1);
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(read_exactly(fd, buf, 2), 2);
  ASSERT_MEM_EQ(buf, 2, "hi");
  /* The script is over, yet the connection stays open... */
  ASSERT_EQ(tserver_wait_closed(s, 1, 50), -1);
  ASSERT_EQ(send_str(fd, "still there"), 0);
  ASSERT_EQ(wait_received(s, 0, 11), 0);
  /* ...until the client closes it. */
  close(fd);
  ASSERT_EQ(tserver_wait_closed(s, 1, 10000), 0);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(server_wait_request_frames_content_length_body) {
  static const char req1[] = "POST /upload HTTP/1.1\r\n"
                             "Host: example\r\n"
                             "content-LENGTH:  5 \r\n"
                             "\r\n"
                             "hello";
  static const char req2[] = "GET /next HTTP/1.1\r\nHost: example\r\n\r\n";
  ts_step steps[] = {
      {.action = TS_WAIT_REQUEST},
      {.action = TS_SEND, .data = "one"},
      {.action = TS_WAIT_REQUEST},
      {.action = TS_SEND, .data = "two"},
      {.action = TS_CLOSE},
  };
  char buf[16];
  int err;
  tserver *s = tserver_start();
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, steps, 5);
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  /* Both requests in one write: only framing can tell them apart. */
  ASSERT_EQ(send_str(fd, "\r\n"), 0); /* a stray empty line first */
  ASSERT_EQ(send_joined(fd, req1, req2), 0);
  ASSERT_EQ(read_to_end(fd, buf, sizeof(buf), &err), 6);
  ASSERT_EQ(err, 0);
  ASSERT_STR_EQ(buf, "onetwo");
  ASSERT_EQ(tserver_requests(s), 2);
  ASSERT_REQUEST(s, 0, req1);
  ASSERT_REQUEST(s, 1, req2);
  ASSERT_NULL(tserver_request(s, 2, NULL));

  close(fd);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(server_wait_request_frames_chunked_body) {
  static const char req1[] = "POST /c HTTP/1.1\r\n"
                             "Host: example\r\n"
                             "Transfer-Encoding: gzip, Chunked\r\n"
                             "\r\n"
                             "5;name=value\r\nhello\r\n"
                             "A\r\n0123456789\r\n"
                             "0\r\n"
                             "Trailer-One: 1\r\n"
                             "\r\n";
  static const char req2[] = "POST /d HTTP/1.1\r\n"
                             "Transfer-Encoding: chunked\r\n"
                             "\r\n"
                             "3\r\nabc\r\n"
                             "0\r\n\r\n";
  ts_step steps[] = {
      {.action = TS_WAIT_REQUEST},
      {.action = TS_WAIT_REQUEST},
      {.action = TS_SEND, .data = "done"},
  };
  char buf[8];
  tserver *s = tserver_start();
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, steps, 3);
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(send_joined(fd, req1, req2), 0);
  ASSERT_EQ(read_exactly(fd, buf, 4), 4);
  ASSERT_MEM_EQ(buf, 4, "done");
  ASSERT_EQ(tserver_requests(s), 2);
  ASSERT_REQUEST(s, 0, req1);
  ASSERT_REQUEST(s, 1, req2);

  close(fd);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(server_wait_request_waits_for_a_body_sent_later) {
  static const char head[] = "PUT /f HTTP/1.1\r\nContent-Length: 10\r\n\r\n";
  ts_step steps[] = {
      {.action = TS_WAIT_REQUEST},
      {.action = TS_SEND, .data = "got it"},
  };
  char buf[8];
  tserver *s = tserver_start();
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, steps, 2);
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(send_str(fd, head), 0);
  ASSERT_EQ(send_str(fd, "01234"), 0);
  ASSERT_EQ(wait_received(s, 0, strlen(head) + 5), 0);
  /* The log has the head and half the body: not a request yet. */
  ASSERT_EQ(tserver_requests(s), 0);
  ASSERT_EQ(send_str(fd, "56789"), 0);
  ASSERT_EQ(read_exactly(fd, buf, 6), 6);
  ASSERT_MEM_EQ(buf, 6, "got it");
  ASSERT_REQUEST(s, 0, "PUT /f HTTP/1.1\r\nContent-Length: 10\r\n\r\n"
                       "0123456789");

  close(fd);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(server_frames_a_request_that_arrives_byte_by_byte) {
  static const char req[] = "POST /slow HTTP/1.1\r\n"
                            "Transfer-Encoding: chunked\r\n"
                            "\r\n"
                            "4\r\nwiki\r\n"
                            "0\r\n"
                            "\r\n";
  ts_step steps[] = {
      {.action = TS_WAIT_REQUEST},
      {.action = TS_SEND, .data = "ok"},
  };
  char buf[8];
  tserver *s = tserver_start();
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, steps, 2);
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  /* Each byte is its own read on the server. */
  for (size_t i = 0; i < strlen(req); i++) {
    ASSERT_EQ(send_bytes(fd, req + i, 1), 0);
    ASSERT_EQ(wait_received(s, 0, i + 1), 0);
    if (i + 1 < strlen(req))
      ASSERT_EQ(tserver_requests(s), 0);
  }
  ASSERT_EQ(read_exactly(fd, buf, 2), 2);
  ASSERT_MEM_EQ(buf, 2, "ok");
  ASSERT_REQUEST(s, 0, req);

  close(fd);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(server_expect_100_continue_leaves_body_for_wait_body) {
  static const char head[] = "POST /e HTTP/1.1\r\n"
                             "Content-Length: 4\r\n"
                             "Expect: 100-Continue\r\n"
                             "\r\n";
  ts_step steps[] = {
      {.action = TS_WAIT_REQUEST},
      {.action = TS_SEND, .data = "HTTP/1.1 100 Continue\r\n\r\n"},
      {.action = TS_WAIT_BODY},
      {.action = TS_SEND, .data = HTTP_OK},
  };
  char buf[64];
  tserver *s = tserver_start();
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, steps, 4);
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(send_str(fd, head), 0);
  ASSERT_EQ(read_exactly(fd, buf, 25), 25);
  ASSERT_MEM_EQ(buf, 25, "HTTP/1.1 100 Continue\r\n\r\n");
  /* The headers count as the request until the body is read. */
  ASSERT_EQ(tserver_requests(s), 1);
  ASSERT_REQUEST(s, 0, head);
  ASSERT_EQ(send_str(fd, "data"), 0);
  ASSERT_EQ(read_exactly(fd, buf, strlen(HTTP_OK)), strlen(HTTP_OK));
  ASSERT_MEM_EQ(buf, strlen(HTTP_OK), HTTP_OK);
  ASSERT_EQ(tserver_requests(s), 1);
  ASSERT_REQUEST(s, 0, "POST /e HTTP/1.1\r\n"
                       "Content-Length: 4\r\n"
                       "Expect: 100-Continue\r\n"
                       "\r\n"
                       "data");

  close(fd);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(server_wait_request_takes_a_leftover_continue_body_first) {
  static const char head[] = "PUT /e HTTP/1.1\r\n"
                             "Expect: 100-continue\r\n"
                             "Content-Length: 4\r\n"
                             "\r\n";
  static const char next[] = "GET /next HTTP/1.1\r\n\r\n";
  char buf[64];
  size_t n = strlen(HTTP_OK);
  tserver *s = tserver_start();
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, HTTP_OK, 0);
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(send_str(fd, head), 0);
  /* Answered at the headers, with no 100 Continue. */
  ASSERT_EQ(read_exactly(fd, buf, n), n);
  ASSERT_MEM_EQ(buf, n, HTTP_OK);
  /* The client sends the body anyway, then its next request. */
  ASSERT_EQ(send_joined(fd, "data", next), 0);
  ASSERT_EQ(read_exactly(fd, buf, n), n);
  ASSERT_MEM_EQ(buf, n, HTTP_OK);
  ASSERT_EQ(tserver_requests(s), 2);
  ASSERT_REQUEST(s, 0, "PUT /e HTTP/1.1\r\n"
                       "Expect: 100-continue\r\n"
                       "Content-Length: 4\r\n"
                       "\r\n"
                       "data");
  ASSERT_REQUEST(s, 1, next);

  close(fd);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(server_wait_bytes_counts_bytes_past_the_request) {
  ts_step steps[] = {
      {.action = TS_WAIT_REQUEST},
      {.action = TS_WAIT_BYTES, .n = 3},
      {.action = TS_SEND, .data = "ok"},
  };
  char buf[8];
  tserver *s = tserver_start();
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, steps, 3);
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(send_str(fd, "GET / HTTP/1.1\r\n\r\nab"), 0);
  ASSERT_EQ(wait_received(s, 0, 20), 0);
  ASSERT_EQ(send_str(fd, "c"), 0);
  ASSERT_EQ(read_exactly(fd, buf, 2), 2);
  ASSERT_MEM_EQ(buf, 2, "ok");
  ASSERT_REQUEST(s, 0, "GET / HTTP/1.1\r\n\r\n");

  close(fd);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(server_respond_always_serves_two_requests_on_one_connection) {
  static const char req1[] = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";
  static const char req2[] = "GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  char buf[64];
  size_t n = strlen(HTTP_OK);
  tserver *s = tserver_start();
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, HTTP_OK, 0);
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(send_str(fd, req1), 0);
  ASSERT_EQ(read_exactly(fd, buf, n), n);
  ASSERT_MEM_EQ(buf, n, HTTP_OK);
  ASSERT_EQ(send_str(fd, req2), 0);
  ASSERT_EQ(read_exactly(fd, buf, n), n);
  ASSERT_MEM_EQ(buf, n, HTTP_OK);

  ASSERT_EQ(tserver_connections(s), 1);
  ASSERT_EQ(tserver_requests(s), 2);
  ASSERT_REQUEST(s, 0, req1);
  ASSERT_REQUEST(s, 1, req2);

  close(fd);
  ASSERT_EQ(tserver_wait_closed(s, 1, 10000), 0);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(server_runs_scripts_in_accept_order_and_counts_connections) {
  ts_step first[] = {
      {.action = TS_SEND, .data = "first"},
      {.action = TS_CLOSE},
  };
  ts_step second[] = {
      {.action = TS_SEND, .data = "second"},
      {.action = TS_CLOSE},
  };
  ts_step other[] = {
      {.action = TS_SEND, .data = "other"},
      {.action = TS_CLOSE},
  };
  const char *want[] = {"first", "second", "other", "other"};
  int fds[4];
  char buf[16];
  int err;
  tserver *s = tserver_start();

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, first, 2);
  tserver_script(s, 1, second, 2);
  tserver_default_script(s, other, 2);
  ASSERT_EQ(tserver_connections(s), 0);
  /* connect() returns once the handshake is done, so the kernel queues
   * the connections for accept() in this order. */
  for (int i = 0; i < 4; i++) {
    fds[i] = connect_to(tserver_port(s));
    ASSERT_GE(fds[i], 0);
  }
  for (int i = 0; i < 4; i++) {
    read_to_end(fds[i], buf, sizeof(buf), &err);
    ASSERT_EQ(err, 0);
    ASSERT_STR_EQ(buf, want[i]);
    close(fds[i]);
  }
  ASSERT_EQ(tserver_connections(s), 4);
  ASSERT_EQ(tserver_wait_closed(s, 4, 10000), 0);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(server_survives_client_reset) {
  struct linger lin = {1, 0};
  char buf[64];
  size_t n = strlen(HTTP_OK);
  tserver *s = tserver_start();
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, HTTP_OK, 0);
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(send_str(fd, "GET / HTTP/1.1\r\n"), 0);
  ASSERT_EQ(wait_received(s, 0, 16), 0);
  ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin)), 0);
  close(fd); /* RST */
  ASSERT_EQ(tserver_wait_closed(s, 1, 10000), 0);

  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(send_str(fd, "GET / HTTP/1.1\r\n\r\n"), 0);
  ASSERT_EQ(read_exactly(fd, buf, n), n);
  ASSERT_MEM_EQ(buf, n, HTTP_OK);
  ASSERT_EQ(tserver_requests(s), 1);

  close(fd);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(server_closes_connection_on_malformed_request) {
  ts_step steps[] = {
      {.action = TS_WAIT_REQUEST},
      {.action = TS_SEND, .data = "never"},
  };
  char buf[16];
  int err;
  tserver *s = tserver_start();
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, steps, 2);
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(send_str(fd, "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n"), 0);
  ASSERT_EQ(read_to_end(fd, buf, sizeof(buf), &err), 0);
  ASSERT_EQ(err, 0);
  ASSERT_EQ(tserver_requests(s), 0);

  close(fd);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(server_looping_script_that_reads_nothing_ends) {
  ts_step steps[] = {{.action = TS_SEND, .data = "x"}};
  char buf[64];
  size_t got;
  int err;
  tserver *s = tserver_start();
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_default_script_loop(s, steps, 1);
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(shutdown(fd, SHUT_WR), 0);
  got = read_to_end(fd, buf, sizeof(buf), &err);
  ASSERT_EQ(err, 0);
  ASSERT_GE(got, 1);
  ASSERT_LE(got, 2);

  close(fd);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(server_stop_closes_open_connections) {
  char buf[8];
  int err;
  tserver *s = tserver_start();
  int fd;

  ASSERT_NOT_NULL(s);
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(send_str(fd, "abc"), 0);
  ASSERT_EQ(wait_received(s, 0, 3), 0);
  ASSERT_EQ(tserver_stop(s), 0);
  ASSERT_EQ(read_to_end(fd, buf, sizeof(buf), &err), 0);
  close(fd);
  return 0;
}

TEST_IMPL(server_ipv6_listens_on_loopback) {
  struct sockaddr_in6 addr;
  char buf[8];
  tserver *s = tserver_start_ipv6();
  int fd;

  if (s == NULL) {
    fprintf(stderr, "  (no IPv6 loopback here: skipped)\n");
    return 0;
  }
  tserver_respond_always(s, "pong", 0);
  fd = socket(AF_INET6, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  set_read_timeout(fd);
  memset(&addr, 0, sizeof(addr));
  addr.sin6_family = AF_INET6;
  addr.sin6_port = htons((unsigned short)tserver_port(s));
  addr.sin6_addr = in6addr_loopback;
  ASSERT_EQ(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
  ASSERT_EQ(send_str(fd, "GET / HTTP/1.1\r\n\r\n"), 0);
  ASSERT_EQ(read_exactly(fd, buf, 4), 4);
  ASSERT_MEM_EQ(buf, 4, "pong");

  close(fd);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* 1000 connections with one request each, then 10000 pipelined requests
 * on one keep-alive connection. */
TEST_IMPL(server_handles_a_thousand_connections_and_ten_thousand_requests) {
  enum { CONNS = 1000, PIPELINED = 10000 };
  static const char req[] = "GET /load HTTP/1.1\r\nHost: h\r\n\r\n";
  size_t reqlen = strlen(req), resplen = strlen(HTTP_OK);
  char *out = malloc(reqlen * PIPELINED);
  char *in = malloc(resplen * PIPELINED);
  char buf[64];
  tserver *s = tserver_start();
  int fd;

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(out);
  ASSERT_NOT_NULL(in);
  tserver_respond_always(s, HTTP_OK, 0);
  for (int i = 0; i < CONNS; i++) {
    fd = connect_to(tserver_port(s));
    ASSERT_GE(fd, 0);
    ASSERT_EQ(send_str(fd, req), 0);
    ASSERT_EQ(read_exactly(fd, buf, resplen), resplen);
    ASSERT_MEM_EQ(buf, resplen, HTTP_OK);
    close(fd);
  }
  ASSERT_EQ(tserver_connections(s), CONNS);
  ASSERT_EQ(tserver_wait_closed(s, CONNS, 10000), 0);

  for (int i = 0; i < PIPELINED; i++)
    memcpy(out + (size_t)i * reqlen, req, reqlen);
  fd = connect_to(tserver_port(s));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(send_bytes(fd, out, reqlen * PIPELINED), 0);
  ASSERT_EQ(read_exactly(fd, in, resplen * PIPELINED), resplen * PIPELINED);
  for (int i = 0; i < PIPELINED; i++)
    ASSERT_EQ(memcmp(in + (size_t)i * resplen, HTTP_OK, resplen), 0);
  free(out);
  free(in);

  ASSERT_EQ(tserver_connections(s), CONNS + 1);
  ASSERT_EQ(tserver_requests(s), CONNS + PIPELINED);
  ASSERT_REQUEST(s, CONNS + PIPELINED - 1, req);
  close(fd);
  ASSERT_EQ(tserver_wait_closed(s, CONNS + 1, 10000), 0);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

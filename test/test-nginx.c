/* Tests of the real-nginx fixture (test/nginx.c), with plain blocking
 * sockets: nothing of ferry is used, so these check the fixture alone.
 * A missing nginx fails these tests; the test scripts install it. */
#include "nginx.h"
#include "test.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* -- a tiny blocking HTTP/1.1 client -------------------------------------- */

#define CONN_BUF_SIZE 65536

struct conn {
  int fd;
  size_t have; /* bytes read but not yet consumed */
  char buf[CONN_BUF_SIZE];
};

struct response {
  int status;
  long long content_length; /* -1 when absent */
  char location[256];
  int connection_close;
  unsigned char *body; /* malloc'd, body_len bytes */
  size_t body_len;
};

static int conn_open(struct conn *c, int port) {
  struct sockaddr_in sa;
  struct timeval tv = {10, 0}; /* no test waits longer on one read */

  c->have = 0;
  c->fd = socket(AF_INET, SOCK_STREAM, 0);
  if (c->fd < 0)
    return -1;
  setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons((uint16_t)port);
  if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    close(c->fd);
    c->fd = -1;
    return -1;
  }
  return 0;
}

static void conn_close(struct conn *c) {
  if (c->fd >= 0)
    close(c->fd);
  c->fd = -1;
}

static int send_all(int fd, const void *data, size_t len) {
  const char *p = data;

  while (len > 0) {
    ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static int conn_get(struct conn *c, const char *path) {
  char req[512];
  int len = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "User-Agent: ferry-test\r\n\r\n",
                     path);
  return send_all(c->fd, req, (size_t)len);
}

/* Read more into the buffer; 0 on success, -1 on EOF, error or timeout. */
static int conn_fill(struct conn *c) {
  ssize_t n;

  if (c->have == sizeof(c->buf))
    return -1;
  do
    n = recv(c->fd, c->buf + c->have, sizeof(c->buf) - c->have, 0);
  while (n < 0 && errno == EINTR);
  if (n <= 0)
    return -1;
  c->have += (size_t)n;
  return 0;
}

static void conn_consume(struct conn *c, size_t len) {
  memmove(c->buf, c->buf + len, c->have - len);
  c->have -= len;
}

static const char *find_header_end(const char *buf, size_t len) {
  for (size_t i = 0; i + 4 <= len; i++)
    if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
      return buf + i + 4;
  return NULL;
}

/* Read one response with a Content-Length body (all this server sends
 * here). Fills *r; r->body must be freed. Returns 0 or -1. */
static int conn_read_response(struct conn *c, struct response *r) {
  const char *end, *line;
  size_t head_len;

  memset(r, 0, sizeof(*r));
  r->content_length = -1;
  while ((end = find_header_end(c->buf, c->have)) == NULL)
    if (conn_fill(c) != 0)
      return -1;
  head_len = (size_t)(end - c->buf);
  if (sscanf(c->buf, "HTTP/1.1 %d ", &r->status) != 1)
    return -1;
  line = memchr(c->buf, '\n', head_len) + 1;
  while (line < end - 2) {
    const char *eol = memchr(line, '\r', (size_t)(end - line));
    size_t llen = (size_t)(eol - line);
    const char *colon = memchr(line, ':', llen);
    if (colon != NULL) {
      size_t nlen = (size_t)(colon - line);
      const char *v = colon + 1;
      while (*v == ' ')
        v++;
      size_t vlen = (size_t)(eol - v);
      if (nlen == 14 && strncasecmp(line, "Content-Length", 14) == 0)
        r->content_length = strtoll(v, NULL, 10);
      else if (nlen == 8 && strncasecmp(line, "Location", 8) == 0 &&
               vlen < sizeof(r->location))
        memcpy(r->location, v, vlen);
      else if (nlen == 10 && strncasecmp(line, "Connection", 10) == 0 &&
               vlen == 5 && strncasecmp(v, "close", 5) == 0)
        r->connection_close = 1;
    }
    line = eol + 2;
  }
  conn_consume(c, head_len);
  if (r->content_length < 0)
    return -1;
  r->body_len = (size_t)r->content_length;
  r->body = malloc(r->body_len ? r->body_len : 1);
  if (r->body == NULL)
    return -1;
  for (size_t got = 0; got < r->body_len;) {
    if (c->have == 0 && conn_fill(c) != 0) {
      free(r->body);
      r->body = NULL;
      return -1;
    }
    size_t take = r->body_len - got < c->have ? r->body_len - got : c->have;
    memcpy(r->body + got, c->buf, take);
    conn_consume(c, take);
    got += take;
  }
  return 0;
}

/* One request on a fresh connection. */
static int fetch(int port, const char *path, struct response *r) {
  struct conn *c = malloc(sizeof(*c));
  int rc = -1;

  if (c == NULL)
    return -1;
  if (conn_open(c, port) == 0) {
    if (conn_get(c, path) == 0)
      rc = conn_read_response(c, r);
    conn_close(c);
  }
  free(c);
  return rc;
}

static long long monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Pids of the processes whose parent is `parent` (nginx's workers). */
static size_t child_pids(pid_t parent, pid_t *pids, size_t max) {
  DIR *d = opendir("/proc");
  struct dirent *e;
  size_t count = 0;

  if (d == NULL)
    return 0;
  while ((e = readdir(d)) != NULL && count < max) {
    char path[64], buf[512];
    const char *paren;
    long ppid = -1;
    FILE *f;
    size_t got;

    char *num_end;
    long pid = strtol(e->d_name, &num_end, 10);

    if (pid <= 0 || *num_end != '\0')
      continue;
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (f == NULL)
      continue;
    got = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[got] = '\0';
    paren = strrchr(buf, ')');
    if (paren != NULL && sscanf(paren + 1, " %*c %ld", &ppid) == 1 &&
        ppid == (long)parent)
      pids[count++] = (pid_t)pid;
  }
  closedir(d);
  return count;
}

/* -- tests ---------------------------------------------------------------- */

TEST_IMPL(nginx_fixture_expected_bytes_agree_at_any_offset) {
  unsigned char whole[1000], part[100], other[1000];

  tnginx_expected_bytes(7, 0, whole, sizeof(whole));
  /* Any window equals the same bytes of the whole, aligned or not. */
  for (size_t off = 0; off < 900; off += 37) {
    tnginx_expected_bytes(7, off, part, sizeof(part));
    ASSERT_EQ(memcmp(part, whole + off, sizeof(part)), 0);
    ASSERT_EQ(tnginx_check_bytes(7, off, whole + off, 100), 100);
  }
  /* Not constant, not 4-periodic, and another seed gives other bytes. */
  ASSERT_NE(memcmp(whole, whole + 4, 996), 0);
  tnginx_expected_bytes(8, 0, other, sizeof(other));
  ASSERT_NE(memcmp(whole, other, sizeof(whole)), 0);
  /* A one-byte shift or a flipped byte is caught at the right index. */
  ASSERT_LE(tnginx_check_bytes(7, 1, whole, 100), 99);
  whole[500] ^= 1;
  ASSERT_EQ(tnginx_check_bytes(7, 0, whole, sizeof(whole)), 500);
  return 0;
}

TEST_IMPL(nginx_fixture_serves_generated_file_exactly) {
  struct response r;
  tnginx *n = tnginx_start(NULL);

  ASSERT_NOT_NULL(n);
  ASSERT_EQ(tnginx_write_file(n, "file-1000.bin", 1000, 42), 0);
  ASSERT_EQ(fetch(tnginx_port(n), "/file-1000.bin", &r), 0);
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.content_length, 1000);
  ASSERT_EQ(tnginx_check_bytes(42, 0, r.body, r.body_len), 1000);
  free(r.body);

  /* Files in subdirectories are served too, and a missing one is 404. */
  ASSERT_EQ(tnginx_write_file(n, "sub/dir/f.bin", 10, 1), 0);
  ASSERT_EQ(fetch(tnginx_port(n), "/sub/dir/f.bin", &r), 0);
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(tnginx_check_bytes(1, 0, r.body, r.body_len), 10);
  free(r.body);
  ASSERT_EQ(fetch(tnginx_port(n), "/missing.bin", &r), 0);
  ASSERT_EQ(r.status, 404);
  free(r.body);

  ASSERT_EQ(tnginx_stop(n), 0);
  return 0;
}

TEST_IMPL(nginx_fixture_rejects_file_names_outside_docroot) {
  tnginx *n = tnginx_start(NULL);

  ASSERT_NOT_NULL(n);
  ASSERT_EQ(tnginx_write_file(n, "../escape.bin", 10, 1), -1);
  ASSERT_EQ(tnginx_write_file(n, "/abs.bin", 10, 1), -1);
  ASSERT_EQ(tnginx_write_file(n, "a//b.bin", 10, 1), -1);
  ASSERT_EQ(tnginx_write_file(n, "", 10, 1), -1);
  ASSERT_EQ(tnginx_stop(n), 0);
  return 0;
}

TEST_IMPL(nginx_fixture_keeps_connection_alive_for_two_requests) {
  struct conn *c = malloc(sizeof(*c));
  struct response r1, r2;
  tnginx *n = tnginx_start(NULL);

  ASSERT_NOT_NULL(c);
  ASSERT_NOT_NULL(n);
  ASSERT_EQ(tnginx_write_file(n, "a.bin", 1000, 1), 0);
  ASSERT_EQ(tnginx_write_file(n, "b.bin", 70000, 2), 0);
  ASSERT_EQ(conn_open(c, tnginx_port(n)), 0);

  ASSERT_EQ(conn_get(c, "/a.bin"), 0);
  ASSERT_EQ(conn_read_response(c, &r1), 0);
  ASSERT_EQ(r1.status, 200);
  ASSERT_EQ(r1.connection_close, 0);
  ASSERT_EQ(tnginx_check_bytes(1, 0, r1.body, r1.body_len), 1000);

  /* Same socket: the second response can only come if it was kept. */
  ASSERT_EQ(conn_get(c, "/b.bin"), 0);
  ASSERT_EQ(conn_read_response(c, &r2), 0);
  ASSERT_EQ(r2.status, 200);
  ASSERT_EQ(r2.content_length, 70000);
  ASSERT_EQ(tnginx_check_bytes(2, 0, r2.body, r2.body_len), 70000);
  ASSERT_EQ(c->have, 0);

  free(r1.body);
  free(r2.body);
  conn_close(c);
  free(c);
  ASSERT_EQ(tnginx_stop(n), 0);
  return 0;
}

TEST_IMPL(nginx_fixture_status_says_ok_and_redirect_points_to_status) {
  struct response r;
  tnginx *n = tnginx_start(NULL);

  ASSERT_NOT_NULL(n);
  ASSERT_EQ(fetch(tnginx_port(n), "/status", &r), 0);
  ASSERT_EQ(r.status, 200);
  ASSERT_MEM_EQ(r.body, r.body_len, "ok\n");
  free(r.body);

  ASSERT_EQ(fetch(tnginx_port(n), "/redirect", &r), 0);
  ASSERT_EQ(r.status, 302);
  ASSERT_STR_EQ(r.location, "/status");
  free(r.body);

  ASSERT_EQ(tnginx_stop(n), 0);
  return 0;
}

TEST_IMPL(nginx_fixture_slow_location_paces_the_response) {
  struct response r;
  long long t0, elapsed;
  tnginx *n = tnginx_start(NULL);

  ASSERT_NOT_NULL(n);
  ASSERT_EQ(tnginx_write_file(n, "paced.bin", 3000, 9), 0);
  /* About 3200 bytes with headers at 1000 B/s: about 3 s (nginx paces in
   * steps, so the bounds are loose). */
  t0 = monotonic_ms();
  ASSERT_EQ(fetch(tnginx_port(n), "/slow/paced.bin?rate=1000", &r), 0);
  elapsed = monotonic_ms() - t0;
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(tnginx_check_bytes(9, 0, r.body, r.body_len), 3000);
  free(r.body);
  ASSERT_GE(elapsed, 1500);
  ASSERT_LE(elapsed, 6000);

  /* Without ?rate= the same file is paced at the default 1000 B/s; the
   * plain path is not paced at all. */
  t0 = monotonic_ms();
  ASSERT_EQ(fetch(tnginx_port(n), "/paced.bin", &r), 0);
  ASSERT_EQ(r.status, 200);
  free(r.body);
  ASSERT_LE(monotonic_ms() - t0, 1000);

  ASSERT_EQ(tnginx_stop(n), 0);
  return 0;
}

/* A throwaway self-signed P-256 certificate for CN=localhost (SAN
 * localhost, 127.0.0.1), valid 2026 to 2126, made for this test only. */
static const char test_cert_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBmzCCAUGgAwIBAgIUGOFPl3yHIkNYbQaw8317GpZogQwwCgYIKoZIzj0EAwIw\n"
    "FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMjIzMTY1NFoYDzIxMjYxMDI5\n"
    "MjMxNjU0WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO\n"
    "PQMBBwNCAATnvinDh9NWgSrXDcxaoUuf3HElf0Jh6VBK8s4ajPXjr8BWcWYKvVkM\n"
    "/ZmUyt1DWqd6qKPzEfVeHNMxZQC9vboSo28wbTAdBgNVHQ4EFgQU++7aZlB/B3c2\n"
    "hi3EvTAE3xTS0egwHwYDVR0jBBgwFoAU++7aZlB/B3c2hi3EvTAE3xTS0egwDwYD\n"
    "VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI\n"
    "zj0EAwIDSAAwRQIhAIw+0hCMx5Po8lFzjdggIqtntkwB0zJdu5h8Dn281OSIAiBI\n"
    "hxQMTOKXXJ7YDHk3kGA+zcvlVyYei579ElS4P+yEoQ==\n"
    "-----END CERTIFICATE-----\n";

static const char test_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgs9im0rKzxdkZnPUG\n"
    "UEhI6FJdLesd+RPS5KGuAe5vsu6hRANCAATnvinDh9NWgSrXDcxaoUuf3HElf0Jh\n"
    "6VBK8s4ajPXjr8BWcWYKvVkM/ZmUyt1DWqd6qKPzEfVeHNMxZQC9vboS\n"
    "-----END PRIVATE KEY-----\n";

static int write_string(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  int ok;

  if (f == NULL)
    return -1;
  ok = fputs(text, f) >= 0;
  return fclose(f) == 0 && ok ? 0 : -1;
}

/* A minimal TLS 1.2 ClientHello offering ECDHE-ECDSA-AES128-GCM-SHA256
 * and ECDHE-RSA-AES128-GCM-SHA256 with P-256. */
static const unsigned char client_hello[] = {
    0x16, 0x03, 0x01, 0x00, 0x4d,                 /* record: handshake */
    0x01, 0x00, 0x00, 0x49,                       /* ClientHello */
    0x03, 0x03,                                   /* TLS 1.2 */
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, /* random */
    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
    0x00,                                         /* no session id */
    0x00, 0x04, 0xc0, 0x2b, 0xc0, 0x2f,           /* cipher suites */
    0x01, 0x00,                                   /* null compression */
    0x00, 0x1c,                                   /* extensions */
    0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17, /* groups: P-256 */
    0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,           /* point formats */
    0x00, 0x0d, 0x00, 0x06, 0x00, 0x04, 0x04, 0x03, 0x08, 0x04, /* sigalgs */
    0x00, 0x17, 0x00, 0x00,                       /* extended master secret */
};

TEST_IMPL(nginx_fixture_tls_port_answers_tls12_client_hello) {
  char dir[] = "/tmp/ferry-nginx-cert-XXXXXX";
  char cert[64], key[64];
  tnginx_opts opts = {0};
  struct conn *c = malloc(sizeof(*c));
  struct response r;
  tnginx *n;

  ASSERT_NOT_NULL(c);
  ASSERT_NOT_NULL(mkdtemp(dir));
  snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
  snprintf(key, sizeof(key), "%s/key.pem", dir);
  ASSERT_EQ(write_string(cert, test_cert_pem), 0);
  ASSERT_EQ(write_string(key, test_key_pem), 0);
  opts.tls = 1;
  opts.tls_cert = cert;
  opts.tls_key = key;
  n = tnginx_start(&opts);
  unlink(cert); /* nginx has read them */
  unlink(key);
  rmdir(dir);
  ASSERT_NOT_NULL(n);
  ASSERT_NE(tnginx_tls_port(n), 0);
  ASSERT_NE(tnginx_tls_port(n), tnginx_port(n));

  /* The TLS port answers a TLS 1.2 hello with a TLS 1.2 ServerHello. */
  ASSERT_EQ(sizeof(client_hello), 5 + 0x4d);
  ASSERT_EQ(conn_open(c, tnginx_tls_port(n)), 0);
  ASSERT_EQ(send_all(c->fd, client_hello, sizeof(client_hello)), 0);
  while (c->have < 11)
    ASSERT_EQ(conn_fill(c), 0);
  ASSERT_EQ((unsigned char)c->buf[0], 0x16);  /* handshake record */
  ASSERT_EQ((unsigned char)c->buf[1], 0x03);  /* record version 3.3 */
  ASSERT_EQ((unsigned char)c->buf[2], 0x03);
  ASSERT_EQ((unsigned char)c->buf[5], 0x02);  /* ServerHello */
  ASSERT_EQ((unsigned char)c->buf[9], 0x03);  /* server_version 3.3 */
  ASSERT_EQ((unsigned char)c->buf[10], 0x03);
  conn_close(c);

  /* Plain HTTP sent to the TLS port gets nginx's 400 for exactly that. */
  ASSERT_EQ(fetch(tnginx_tls_port(n), "/status", &r), 0);
  ASSERT_EQ(r.status, 400);
  free(r.body);

  /* The plain port still speaks plain HTTP. */
  ASSERT_EQ(fetch(tnginx_port(n), "/status", &r), 0);
  ASSERT_EQ(r.status, 200);
  free(r.body);

  free(c);
  ASSERT_EQ(tnginx_stop(n), 0);
  return 0;
}

TEST_IMPL(nginx_fixture_stop_ends_master_and_workers_and_removes_dir) {
  tnginx_opts opts = {0};
  pid_t workers[8], master;
  char prefix[4096];
  struct stat st;
  size_t nworkers = 0;
  long long deadline;
  tnginx *n;

  opts.worker_processes = 2;
  n = tnginx_start(&opts);
  ASSERT_NOT_NULL(n);
  master = tnginx_pid(n);
  ASSERT(master > 0);
  ASSERT_LE(strlen(tnginx_prefix(n)), sizeof(prefix) - 1);
  strcpy(prefix, tnginx_prefix(n));
  ASSERT_EQ(stat(prefix, &st), 0);
  ASSERT_EQ(strncmp(tnginx_docroot(n), prefix, strlen(prefix)), 0);

  /* The master forks its workers right after it is ready. */
  deadline = monotonic_ms() + 5000;
  while ((nworkers = child_pids(master, workers, 8)) < 2 &&
         monotonic_ms() < deadline)
    usleep(10000);
  ASSERT_EQ(nworkers, 2);

  ASSERT_EQ(tnginx_stop(n), 0);
  ASSERT_EQ(kill(master, 0), -1);
  ASSERT_EQ(errno, ESRCH);
  for (size_t i = 0; i < nworkers; i++) {
    ASSERT_EQ(kill(workers[i], 0), -1);
    ASSERT_EQ(errno, ESRCH);
  }
  ASSERT_EQ(stat(prefix, &st), -1);
  ASSERT_EQ(errno, ENOENT);
  return 0;
}

TEST_IMPL(nginx_fixture_stop_cuts_transfer_in_flight_within_bound) {
  struct conn *c = malloc(sizeof(*c));
  struct response r;
  long long t0, elapsed;
  tnginx *n = tnginx_start(NULL);

  ASSERT_NOT_NULL(c);
  ASSERT_NOT_NULL(n);
  ASSERT_EQ(tnginx_write_file(n, "long.bin", 100000, 5), 0);
  ASSERT_EQ(conn_open(c, tnginx_port(n)), 0);
  ASSERT_EQ(conn_get(c, "/slow/long.bin?rate=1000"), 0);
  ASSERT_EQ(conn_fill(c), 0); /* the transfer has begun */

  /* A graceful stop waits worker_shutdown_timeout (2 s) for the paced
   * response, then cuts it, and nginx still exits cleanly. */
  t0 = monotonic_ms();
  ASSERT_EQ(tnginx_stop(n), 0);
  elapsed = monotonic_ms() - t0;
  ASSERT_GE(elapsed, 1000);
  ASSERT_LE(elapsed, 4500);

  /* The client sees a short body: EOF long before 100000 bytes. */
  ASSERT_EQ(conn_read_response(c, &r), -1);
  ASSERT_NULL(r.body);
  conn_close(c);
  free(c);
  return 0;
}

TEST_IMPL(nginx_fixture_start_fails_when_nginx_is_missing) {
  /* This test runs in its own child process, so the variable dies with
   * it. */
  ASSERT_EQ(setenv("FERRY_TEST_NGINX", "/nonexistent/sbin/nginx", 1), 0);
  ASSERT_NULL(tnginx_start(NULL));
  ASSERT_EQ(tnginx_stop(NULL), 0);
  return 0;
}

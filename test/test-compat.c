/* The libcurl-compatible layer, end to end: the example programs (built
 * against the generated <curl/curl.h> only) run as child processes against
 * the scripted server; a libcurl program embedded here is compiled at test
 * time with the uninstalled ferry-curl pkg-config module, linked and run;
 * and libcurl's option names are checked at setopt.
 *
 * The build tree comes from meson as compile-time defines
 * (FERRY_TEST_BUILD_ROOT, FERRY_TEST_EXAMPLES_DIR, FERRY_TEST_CC,
 * FERRY_TEST_SANITIZE), and ferry-tests depends on the examples, so they
 * are built before it. Children inherit the environment (ASAN_OPTIONS in
 * the sanitizer build) and only ever talk to 127.0.0.1.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "fx.h"
#include "proc.h"
#include "test.h"

#ifndef FERRY_TEST_BUILD_ROOT
#error "meson passes FERRY_TEST_BUILD_ROOT"
#endif

#define CHILD_TIMEOUT_MS 60000u

/* ---- helpers --------------------------------------------------------- */

static const char *example_path(const char *name) {
  static char bufs[4][1024];
  static unsigned slot;
  char *b = bufs[slot++ % 4];
  snprintf(b, 1024, "%s/%s", FERRY_TEST_EXAMPLES_DIR, name);
  return b;
}

/* A port on 127.0.0.1 where nothing listens: a socket bound to it, never
 * listening, so a connect is refused and no other process can take the
 * port while the test runs. Close *fd afterwards. Returns -1 on failure. */
static int refused_port(int *fd) {
  struct sockaddr_in sa;
  socklen_t len = sizeof(sa);

  *fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (*fd < 0)
    return -1;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(*fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
      getsockname(*fd, (struct sockaddr *)&sa, &len) != 0) {
    close(*fd);
    *fd = -1;
    return -1;
  }
  return ntohs(sa.sin_port);
}

/* Does text hold exactly this line ("...\n" included in line) n times? */
static unsigned count_line(const char *text, const char *line) {
  size_t l = strlen(line);
  unsigned n = 0;
  const char *p = text;

  while (*p) {
    const char *eol = strchr(p, '\n');
    size_t ll = eol ? (size_t)(eol - p) + 1 : strlen(p);
    if (ll == l && memcmp(p, line, l) == 0)
      n++;
    p += ll;
  }
  return n;
}

static unsigned count_lines(const char *text) {
  unsigned n = 0;
  for (const char *p = text; *p; p++)
    if (*p == '\n')
      n++;
  return n;
}

/* A body bigger than CURL_MAX_WRITE_SIZE, so it reaches the write
 * callback in several calls; printable, so a failure shows it. */
static char *make_body(size_t len) {
  char *b = malloc(len + 1);
  if (b == NULL)
    return NULL;
  for (size_t i = 0; i < len; i++)
    b[i] = (i % 64 == 63) ? '\n' : (char)('a' + (i / 64) % 26);
  b[len] = '\0';
  return b;
}

static char *make_response(const char *body) {
  size_t n = strlen(body) + 128;
  char *r = malloc(n);
  if (r == NULL)
    return NULL;
  snprintf(r, n,
           "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
           "Content-Type: text/plain\r\n\r\n%s",
           strlen(body), body);
  return r;
}

#define ASSERT_PROC(r, what, cond)                                             \
  do {                                                                         \
    if (!(cond)) {                                                             \
      tproc_result_dump((what), &(r));                                         \
      TEST_FAIL_("assertion failed: %s", #cond);                               \
    }                                                                          \
  } while (0)

/* ---- easy-get -------------------------------------------------------- */

TEST_IMPL(compat_easy_get_example_prints_exact_body_and_exits_0) {
  tserver *s = tserver_start();
  char *body = make_body(40000);
  char *resp = make_response(body);
  char want_err[512], want_req[512];
  const char *url;
  tproc_result r;
  char *req;
  size_t len;

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(resp);
  tserver_respond_always(s, resp, 0);
  url = fx_url(s, "/file.txt?x=1");
  {
    const char *argv[] = {example_path("easy-get"), url, NULL};
    ASSERT_EQ(tproc_run(argv, NULL, CHILD_TIMEOUT_MS, &r), 0);
  }
  ASSERT_PROC(r, "easy-get", r.exit_code == 0);
  ASSERT_MEM_EQ(r.out, r.out_len, body);
  snprintf(want_err, sizeof(want_err), "easy-get: %s: response code 200\n",
           url);
  ASSERT_MEM_EQ(r.err, r.err_len, want_err);
  tproc_result_free(&r);

  /* What it sent: libcurl's request, with the example's User-Agent. */
  ASSERT_EQ(tserver_requests(s), 1);
  req = tserver_request(s, 0, &len);
  ASSERT_NOT_NULL(req);
  snprintf(want_req, sizeof(want_req),
           "GET /file.txt?x=1 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
           "User-Agent: easy-get/1.0\r\nAccept: */*\r\n\r\n",
           tserver_port(s));
  ASSERT_MEM_EQ(req, len, want_req);
  free(req);
  free(resp);
  free(body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(compat_easy_get_example_reports_refused_connection_and_exits_1) {
  char url[128], want[512];
  tproc_result r;
  int fd, port = refused_port(&fd);

  ASSERT_GE(port, 1);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
  {
    const char *argv[] = {example_path("easy-get"), url, NULL};
    ASSERT_EQ(tproc_run(argv, NULL, CHILD_TIMEOUT_MS, &r), 0);
  }
  close(fd);
  ASSERT_PROC(r, "easy-get", r.exit_code == 1);
  ASSERT_EQ(r.out_len, 0);
  /* "easy-get: URL: Couldn't connect to server (7): <error buffer>" */
  snprintf(want, sizeof(want), "easy-get: %s: %s (%d): ", url,
           curl_easy_strerror(CURLE_COULDNT_CONNECT),
           (int)CURLE_COULDNT_CONNECT);
  ASSERT_PROC(r, "easy-get", strncmp(r.err, want, strlen(want)) == 0);
  /* The error buffer names where it could not connect. */
  snprintf(want, sizeof(want), "127.0.0.1 port %d", port);
  ASSERT_PROC(r, "easy-get", strstr(r.err, want) != NULL);
  ASSERT_PROC(r, "easy-get", strstr(r.err, "no further detail") == NULL);
  ASSERT_PROC(r, "easy-get", count_lines(r.err) == 1);
  tproc_result_free(&r);
  return 0;
}

/* ---- multi-poll ------------------------------------------------------ */

TEST_IMPL(compat_multi_poll_example_reports_refused_connection_and_exits_1) {
  char url[128], want_out[512], want_err[256];
  tproc_result r;
  int fd, port = refused_port(&fd);

  ASSERT_GE(port, 1);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", port);
  {
    const char *argv[] = {example_path("multi-poll"), url, "2", NULL};
    ASSERT_EQ(tproc_run(argv, NULL, CHILD_TIMEOUT_MS, &r), 0);
  }
  close(fd);
  ASSERT_PROC(r, "multi-poll", r.exit_code == 1);
  /* One error line per failed fetch, then the summary. */
  snprintf(want_err, sizeof(want_err), "multi-poll: %s\n",
           curl_easy_strerror(CURLE_COULDNT_CONNECT));
  ASSERT_PROC(r, "multi-poll", count_line(r.err, want_err) == 2);
  ASSERT_PROC(r, "multi-poll", count_lines(r.err) == 2);
  snprintf(want_out, sizeof(want_out),
           "2 fetches of %s: 0 ok, 2 failed, 0 not run; 0 bytes in ", url);
  ASSERT_PROC(r, "multi-poll", strncmp(r.out, want_out, strlen(want_out)) == 0);
  ASSERT_PROC(r, "multi-poll", count_lines(r.out) == 1);
  tproc_result_free(&r);
  return 0;
}

/* 50 fetches with 10 easy handles: the server sees at most 10 connections
 * open at once (the handles are re-added, so connections get reused), all
 * 50 requests, and the summary counts 50 bodies. Each reply is held 20 ms
 * so that transfers overlap. */
TEST_IMPL(compat_multi_poll_example_fetches_50_with_at_most_10_connections) {
  static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n"
                             "hello world\n";
  ts_step steps[] = {FX_STEP_REQ, FX_STEP_DELAY(20), FX_STEP_SEND(resp)};
  tserver *s = tserver_start();
  char want_out[512], want_req[256];
  const char *url;
  tproc_result r;
  double secs = -1;
  unsigned max_open;

  ASSERT_NOT_NULL(s);
  tserver_default_script_loop(s, FX_STEPS(steps));
  url = fx_url(s, "/fifty");
  {
    const char *argv[] = {example_path("multi-poll"), url, "50", NULL};
    ASSERT_EQ(tproc_run(argv, NULL, CHILD_TIMEOUT_MS, &r), 0);
  }
  ASSERT_PROC(r, "multi-poll", r.exit_code == 0);
  ASSERT_PROC(r, "multi-poll", r.err_len == 0);
  snprintf(want_out, sizeof(want_out),
           "50 fetches of %s: 50 ok, 0 failed, 0 not run; 600 bytes in ", url);
  ASSERT_PROC(r, "multi-poll", strncmp(r.out, want_out, strlen(want_out)) == 0);
  ASSERT_PROC(r, "multi-poll",
              sscanf(r.out + strlen(want_out), "%lf", &secs) == 1 && secs >= 0);
  ASSERT_PROC(r, "multi-poll", r.out_len >= 3 &&
                                   strcmp(r.out + r.out_len - 3, " s\n") == 0);
  tproc_result_free(&r);

  max_open = tserver_max_open_connections(s);
  fprintf(stderr, "  multi-poll: %u connections, at most %u open at once\n",
          tserver_connections(s), max_open);
  ASSERT_LE(max_open, 10);
  ASSERT_GE(max_open, 1);
  ASSERT_EQ(tserver_requests(s), 50);
  snprintf(want_req, sizeof(want_req),
           "GET /fifty HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: */*\r\n\r\n",
           tserver_port(s));
  for (unsigned i = 0; i < 50; i++) {
    size_t len;
    char *req = tserver_request(s, i, &len);
    ASSERT_NOT_NULL(req);
    ASSERT_MEM_EQ(req, len, want_req);
    free(req);
  }
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- multi-uv, multi-epoll, multi-select ----------------------------- */

/* These three take URLs and print one line per finished transfer:
 * "URL: response code 200, N bytes" (uv, epoll) or "URL: response code
 * 200" (select), in the order the transfers finish. */
static int run_url_example_fetches_each_url(const char *name, int with_bytes) {
  static const char *const paths[] = {"/one", "/two?q=2", "/three"};
  tserver *s = tserver_start();
  char *body = make_body(20000);
  char *resp = make_response(body);
  const char *urls[3];
  tproc_result r;

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(resp);
  tserver_respond_always(s, resp, 0);
  for (int i = 0; i < 3; i++)
    urls[i] = fx_url(s, paths[i]);
  {
    const char *argv[] = {example_path(name), urls[0], urls[1], urls[2], NULL};
    ASSERT_EQ(tproc_run(argv, NULL, CHILD_TIMEOUT_MS, &r), 0);
  }
  ASSERT_PROC(r, name, r.exit_code == 0);
  ASSERT_PROC(r, name, r.err_len == 0);
  ASSERT_PROC(r, name, count_lines(r.out) == 3);
  for (int i = 0; i < 3; i++) {
    char line[512];
    if (with_bytes)
      snprintf(line, sizeof(line), "%s: response code 200, 20000 bytes\n",
               urls[i]);
    else
      snprintf(line, sizeof(line), "%s: response code 200\n", urls[i]);
    ASSERT_PROC(r, name, count_line(r.out, line) == 1);
  }
  tproc_result_free(&r);

  ASSERT_EQ(tserver_requests(s), 3);
  for (unsigned i = 0; i < 3; i++) {
    size_t len;
    char *req = tserver_request(s, i, &len);
    ASSERT_NOT_NULL(req);
    ASSERT(strncmp(req, "GET /", 5) == 0);
    free(req);
  }
  free(resp);
  free(body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

static int run_url_example_reports_refused_connection(const char *name) {
  char url[128], line[512];
  tproc_result r;
  int fd, port = refused_port(&fd);

  ASSERT_GE(port, 1);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/refused", port);
  {
    const char *argv[] = {example_path(name), url, NULL};
    ASSERT_EQ(tproc_run(argv, NULL, CHILD_TIMEOUT_MS, &r), 0);
  }
  close(fd);
  ASSERT_PROC(r, name, r.exit_code == 1);
  snprintf(line, sizeof(line), "%s: failed: %s\n", url,
           curl_easy_strerror(CURLE_COULDNT_CONNECT));
  ASSERT_MEM_EQ(r.out, r.out_len, line);
  ASSERT_PROC(r, name, r.err_len == 0);
  tproc_result_free(&r);
  return 0;
}

TEST_IMPL(compat_multi_uv_example_fetches_each_url_and_exits_0) {
  return run_url_example_fetches_each_url("multi-uv", 1);
}

TEST_IMPL(compat_multi_uv_example_reports_refused_connection_and_exits_1) {
  return run_url_example_reports_refused_connection("multi-uv");
}

#ifdef FERRY_TEST_HAVE_MULTI_EPOLL
TEST_IMPL(compat_multi_epoll_example_fetches_each_url_and_exits_0) {
  return run_url_example_fetches_each_url("multi-epoll", 1);
}

TEST_IMPL(compat_multi_epoll_example_reports_refused_connection_and_exits_1) {
  return run_url_example_reports_refused_connection("multi-epoll");
}
#else
/* Not built here (no epoll/timerfd): nothing to run. */
TEST_IMPL(compat_multi_epoll_example_fetches_each_url_and_exits_0) {
  fprintf(stderr, "  multi-epoll is not built on this system\n");
  return 0;
}

TEST_IMPL(compat_multi_epoll_example_reports_refused_connection_and_exits_1) {
  fprintf(stderr, "  multi-epoll is not built on this system\n");
  return 0;
}
#endif

TEST_IMPL(compat_multi_select_example_fetches_each_url_and_exits_0) {
  return run_url_example_fetches_each_url("multi-select", 0);
}

TEST_IMPL(compat_multi_select_example_reports_refused_connection_and_exits_1) {
  return run_url_example_reports_refused_connection("multi-select");
}

/* ---- a libcurl program, compiled at test time ------------------------ */

/* Plain libcurl: socket_action driven by poll(2), a header list, the
 * completion messages, CURLINFO_SIZE_DOWNLOAD_T. It prints one line per
 * URL, in argument order: "URL ok|<strerror> CODE BYTES [BODY]", and
 * exits with the number of failed transfers. Nothing in it knows ferry. */
static const char libcurl_program[] =
    "#include <poll.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include <time.h>\n"
    "\n"
    "#include <curl/curl.h>\n"
    "\n"
    "#define MAX_URLS 8\n"
    "#define MAX_SOCKETS 32\n"
    "\n"
    "struct transfer {\n"
    "  CURL *easy;\n"
    "  char *body;\n"
    "  size_t len;\n"
    "  CURLcode result;\n"
    "  int done;\n"
    "};\n"
    "\n"
    "static struct {\n"
    "  curl_socket_t fd;\n"
    "  int what;\n"
    "} watched[MAX_SOCKETS];\n"
    "static int nwatched;\n"
    "static long long deadline_ms = -1; /* -1: no timer */\n"
    "\n"
    "static long long now_ms(void) {\n"
    "  struct timespec ts;\n"
    "  clock_gettime(CLOCK_MONOTONIC, &ts);\n"
    "  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;\n"
    "}\n"
    "\n"
    "static size_t on_body(char *ptr, size_t size, size_t nmemb,\n"
    "                      void *userp) {\n"
    "  struct transfer *t = userp;\n"
    "  size_t n = size * nmemb;\n"
    "  char *p = realloc(t->body, t->len + n + 1);\n"
    "  if (!p)\n"
    "    return 0;\n"
    "  memcpy(p + t->len, ptr, n);\n"
    "  t->body = p;\n"
    "  t->len += n;\n"
    "  t->body[t->len] = '\\0';\n"
    "  return n;\n"
    "}\n"
    "\n"
    "static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp,\n"
    "                     void *socketp) {\n"
    "  int i;\n"
    "  (void)easy;\n"
    "  (void)userp;\n"
    "  (void)socketp;\n"
    "  for (i = 0; i < nwatched; i++)\n"
    "    if (watched[i].fd == s)\n"
    "      break;\n"
    "  if (what == CURL_POLL_REMOVE) {\n"
    "    if (i < nwatched)\n"
    "      watched[i] = watched[--nwatched];\n"
    "    return 0;\n"
    "  }\n"
    "  if (i == nwatched) {\n"
    "    if (nwatched == MAX_SOCKETS)\n"
    "      return -1;\n"
    "    nwatched++;\n"
    "  }\n"
    "  watched[i].fd = s;\n"
    "  watched[i].what = what;\n"
    "  return 0;\n"
    "}\n"
    "\n"
    "static int on_timer(CURLM *multi, long timeout_ms, void *userp) {\n"
    "  (void)multi;\n"
    "  (void)userp;\n"
    "  deadline_ms = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;\n"
    "  return 0;\n"
    "}\n"
    "\n"
    "static void collect(CURLM *multi) {\n"
    "  CURLMsg *msg;\n"
    "  int left;\n"
    "  while ((msg = curl_multi_info_read(multi, &left))) {\n"
    "    struct transfer *t;\n"
    "    char *priv = NULL;\n"
    "    if (msg->msg != CURLMSG_DONE)\n"
    "      continue;\n"
    "    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);\n"
    "    t = (struct transfer *)(void *)priv;\n"
    "    t->result = msg->data.result;\n"
    "    t->done = 1;\n"
    "  }\n"
    "}\n"
    "\n"
    "int main(int argc, char **argv) {\n"
    "  struct transfer t[MAX_URLS];\n"
    "  struct curl_slist *headers = NULL;\n"
    "  CURLM *multi;\n"
    "  CURLMcode mc = CURLM_OK;\n"
    "  int running = 0, failed = 0, n = argc - 1, i;\n"
    "\n"
    "  if (n < 1 || n > MAX_URLS) {\n"
    "    fprintf(stderr, \"usage: %s URL...\\n\", argv[0]);\n"
    "    return 100;\n"
    "  }\n"
    "  if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)\n"
    "    return 101;\n"
    "  multi = curl_multi_init();\n"
    "  headers = curl_slist_append(headers, \"X-Compat: yes\");\n"
    "  if (!multi || !headers)\n"
    "    return 102;\n"
    "  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket);\n"
    "  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer);\n"
    "  for (i = 0; i < n; i++) {\n"
    "    CURL *e = curl_easy_init();\n"
    "    CURLcode res;\n"
    "    memset(&t[i], 0, sizeof(t[i]));\n"
    "    t[i].easy = e;\n"
    "    if (!e)\n"
    "      return 103;\n"
    "    res = curl_easy_setopt(e, CURLOPT_URL, argv[i + 1]);\n"
    "    if (res == CURLE_OK)\n"
    "      res = curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);\n"
    "    if (res == CURLE_OK)\n"
    "      res = curl_easy_setopt(e, CURLOPT_WRITEDATA, &t[i]);\n"
    "    if (res == CURLE_OK)\n"
    "      res = curl_easy_setopt(e, CURLOPT_PRIVATE, &t[i]);\n"
    "    if (res == CURLE_OK)\n"
    "      res = curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);\n"
    "    if (res != CURLE_OK) {\n"
    "      fprintf(stderr, \"setopt: %s\\n\", curl_easy_strerror(res));\n"
    "      return 103;\n"
    "    }\n"
    "    if (curl_multi_add_handle(multi, e) != CURLM_OK)\n"
    "      return 103;\n"
    "  }\n"
    "\n"
    "  mc = curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0,\n"
    "                                &running);\n"
    "  collect(multi);\n"
    "  while (mc == CURLM_OK && running) {\n"
    "    struct pollfd pfd[MAX_SOCKETS];\n"
    "    int k, npfd = nwatched, wait_ms = 1000;\n"
    "    if (deadline_ms >= 0) {\n"
    "      long long left = deadline_ms - now_ms();\n"
    "      wait_ms = left < 0 ? 0 : left > 1000 ? 1000 : (int)left;\n"
    "    }\n"
    "    for (k = 0; k < npfd; k++) {\n"
    "      pfd[k].fd = watched[k].fd;\n"
    "      pfd[k].events = 0;\n"
    "      if (watched[k].what & CURL_POLL_IN)\n"
    "        pfd[k].events |= POLLIN;\n"
    "      if (watched[k].what & CURL_POLL_OUT)\n"
    "        pfd[k].events |= POLLOUT;\n"
    "      pfd[k].revents = 0;\n"
    "    }\n"
    "    if (poll(pfd, (nfds_t)npfd, wait_ms) < 0)\n"
    "      break;\n"
    "    for (k = 0; k < npfd && mc == CURLM_OK; k++) {\n"
    "      int ev = 0;\n"
    "      if (!pfd[k].revents)\n"
    "        continue;\n"
    "      if (pfd[k].revents & POLLIN)\n"
    "        ev |= CURL_CSELECT_IN;\n"
    "      if (pfd[k].revents & POLLOUT)\n"
    "        ev |= CURL_CSELECT_OUT;\n"
    "      if (pfd[k].revents & (POLLERR | POLLHUP))\n"
    "        ev |= CURL_CSELECT_ERR;\n"
    "      mc = curl_multi_socket_action(multi, pfd[k].fd, ev, &running);\n"
    "      if (mc == CURLM_BAD_SOCKET) /* closed by an earlier action */\n"
    "        mc = CURLM_OK;\n"
    "    }\n"
    "    if (mc == CURLM_OK && deadline_ms >= 0 && now_ms() >= deadline_ms) {\n"
    "      deadline_ms = -1;\n"
    "      mc = curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0,\n"
    "                                    &running);\n"
    "    }\n"
    "    collect(multi);\n"
    "  }\n"
    "  if (mc != CURLM_OK)\n"
    "    fprintf(stderr, \"multi: %s\\n\", curl_multi_strerror(mc));\n"
    "\n"
    "  for (i = 0; i < n; i++) {\n"
    "    long code = 0;\n"
    "    curl_off_t bytes = -1;\n"
    "    curl_easy_getinfo(t[i].easy, CURLINFO_RESPONSE_CODE, &code);\n"
    "    curl_easy_getinfo(t[i].easy, CURLINFO_SIZE_DOWNLOAD_T, &bytes);\n"
    "    if (!t[i].done)\n"
    "      t[i].result = CURLE_RECV_ERROR;\n"
    "    if (t[i].result != CURLE_OK)\n"
    "      failed++;\n"
    "    printf(\"%s %s %ld %\" CURL_FORMAT_CURL_OFF_T \" [%s]\\n\",\n"
    "           argv[i + 1],\n"
    "           t[i].result == CURLE_OK ? \"ok\"\n"
    "                                   : curl_easy_strerror(t[i].result),\n"
    "           code, bytes, t[i].body ? t[i].body : \"\");\n"
    "    curl_multi_remove_handle(multi, t[i].easy);\n"
    "    curl_easy_cleanup(t[i].easy);\n"
    "    free(t[i].body);\n"
    "  }\n"
    "  curl_multi_cleanup(multi);\n"
    "  curl_slist_free_all(headers);\n"
    "  curl_global_cleanup();\n"
    "  return mc != CURLM_OK ? 104 : failed;\n"
    "}\n";

static int write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return -1;
  if (fputs(text, f) < 0) {
    fclose(f);
    return -1;
  }
  return fclose(f) == 0 ? 0 : -1;
}

/* Split a command line on blanks into argv (at most max - 1 words,
 * NULL-terminated); the words point into line, which is modified.
 * pkg-config's output is blank-separated and our paths have no blanks. */
static int split_words(char *line, const char **argv, int max) {
  int n = 0;
  for (char *w = strtok(line, " \t\r\n"); w; w = strtok(NULL, " \t\r\n")) {
    if (n == max - 1)
      return -1;
    argv[n++] = w;
  }
  argv[n] = NULL;
  return n;
}

static int compile_and_run_libcurl_program(const char *dir) {
  char src[1100], exe[1100], pcpath[1100], ldpath[4200], cc_line[512];
  char *flags = NULL;
  const char *cc_argv[96];
  const char *env_pc[] = {pcpath, NULL};
  tproc_result r;
  tserver *s;
  int n, fd, port;

  snprintf(src, sizeof(src), "%s/prog.c", dir);
  snprintf(exe, sizeof(exe), "%s/prog", dir);
  ASSERT_EQ(write_file(src, libcurl_program), 0);

  /* 1. The flags, as a libcurl user gets them from a build tree. */
  snprintf(pcpath, sizeof(pcpath), "PKG_CONFIG_PATH=%s/meson-uninstalled",
           FERRY_TEST_BUILD_ROOT);
  {
    const char *argv[] = {"pkg-config", "--cflags", "--libs", "ferry-curl",
                          NULL};
    ASSERT_EQ(tproc_run(argv, env_pc, CHILD_TIMEOUT_MS, &r), 0);
  }
  ASSERT_PROC(r, "pkg-config", r.exit_code == 0);
  ASSERT_PROC(r, "pkg-config",
              strstr(r.out, "-I" FERRY_TEST_BUILD_ROOT "/include/ferry-curl") !=
                  NULL);
  ASSERT_PROC(r, "pkg-config", strstr(r.out, "-lferry") != NULL);
  flags = r.out; /* keep it: cc_argv points into it */
  r.out = NULL;
  tproc_result_free(&r);

  /* 2. cc prog.c -o prog $(pkg-config ...), with this build's compiler,
   * and its sanitizers when the library has them. */
  snprintf(cc_line, sizeof(cc_line), "%s", FERRY_TEST_CC);
  n = split_words(cc_line, cc_argv, 8);
  ASSERT_GE(n, 1);
  cc_argv[n++] = src;
  cc_argv[n++] = "-o";
  cc_argv[n++] = exe;
  cc_argv[n++] = "-Wall";
  cc_argv[n++] = "-Wextra";
  cc_argv[n++] = "-Werror";
  static char sanitize_flag[128];
  static const char sanitize[] = FERRY_TEST_SANITIZE;
  if (strcmp(sanitize, "none") != 0 && sanitize[0] != '\0') {
    snprintf(sanitize_flag, sizeof(sanitize_flag), "-fsanitize=%s",
             FERRY_TEST_SANITIZE);
    cc_argv[n++] = sanitize_flag;
  }
  {
    int m = split_words(flags, cc_argv + n, 96 - n);
    ASSERT_GE(m, 1);
  }
  ASSERT_EQ(tproc_run(cc_argv, NULL, CHILD_TIMEOUT_MS, &r), 0);
  free(flags);
  ASSERT_PROC(r, "cc", r.exit_code == 0);
  ASSERT_PROC(r, "cc", r.err_len == 0); /* not even a warning */
  tproc_result_free(&r);

  /* 3. Run it: two fetches and a refused connection. libferry.so is not
   * installed, so the loader is told where the build tree has it. */
  s = tserver_start();
  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  port = refused_port(&fd);
  ASSERT_GE(port, 1);
  {
    char refused[128], want[1024];
    const char *url1 = fx_url(s, "/a"), *url2 = fx_url(s, "/b");
    const char *old = getenv("LD_LIBRARY_PATH");
    const char *env[] = {ldpath, NULL};
    snprintf(refused, sizeof(refused), "http://127.0.0.1:%d/c", port);
    snprintf(ldpath, sizeof(ldpath), "LD_LIBRARY_PATH=%s/src%s%s",
             FERRY_TEST_BUILD_ROOT, old && *old ? ":" : "", old ? old : "");
    const char *argv[] = {exe, url1, url2, refused, NULL};
    ASSERT_EQ(tproc_run(argv, env, CHILD_TIMEOUT_MS, &r), 0);
    close(fd);
    snprintf(want, sizeof(want),
             "%s ok 200 5 [hello]\n"
             "%s ok 200 5 [hello]\n"
             "%s %s 0 0 []\n",
             url1, url2, refused, curl_easy_strerror(CURLE_COULDNT_CONNECT));
    ASSERT_PROC(r, "prog", r.exit_code == 1); /* one failed transfer */
    ASSERT_PROC(r, "prog", r.err_len == 0);
    ASSERT_MEM_EQ(r.out, r.out_len, want);
    tproc_result_free(&r);
  }
  /* Both requests carried the program's header list. */
  ASSERT_EQ(tserver_requests(s), 2);
  for (unsigned i = 0; i < 2; i++) {
    size_t len;
    char *req = tserver_request(s, i, &len);
    ASSERT_NOT_NULL(req);
    ASSERT(strstr(req, "\r\nX-Compat: yes\r\n") != NULL);
    free(req);
  }
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(compat_libcurl_program_builds_with_pkg_config_and_runs) {
  char dir[1024], path[1100];
  const char *tmp = getenv("TMPDIR");
  int rc;

  snprintf(dir, sizeof(dir), "%s/ferry-compat-XXXXXX",
           tmp && *tmp ? tmp : "/tmp");
  ASSERT_NOT_NULL(mkdtemp(dir));
  rc = compile_and_run_libcurl_program(dir);
  snprintf(path, sizeof(path), "%s/prog.c", dir);
  unlink(path);
  snprintf(path, sizeof(path), "%s/prog", dir);
  unlink(path);
  ASSERT_EQ(rmdir(dir), 0);
  return rc;
}

/* ---- setopt through libcurl's names ---------------------------------- */

TEST_IMPL(compat_setopt_unsupported_option_is_not_built_in_and_names_it) {
  char errbuf[CURL_ERROR_SIZE];
  CURL *h = curl_easy_init();

  ASSERT_NOT_NULL(h);
  errbuf[0] = '\0';
  ASSERT_EQ(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf), CURLE_OK);
  ASSERT_EQ(CURLE_NOT_BUILT_IN, 4); /* libcurl's number */
  ASSERT_EQ(curl_easy_setopt(h, CURLOPT_PRE_PROXY, "socks5://x"), CURLE_NOT_BUILT_IN);
  ASSERT_STR_EQ(errbuf, "option CURLOPT_PRE_PROXY is not supported by ferry");
  /* A long option and a blob option are refused the same way. (Every
   * off_t option of libcurl's is supported by now.) */
  ASSERT_EQ(curl_easy_setopt(h, CURLOPT_PROXY_SSL_VERIFYPEER, 0L),
            CURLE_NOT_BUILT_IN);
  ASSERT(strstr(errbuf, "CURLOPT_PROXY_SSL_VERIFYPEER") != NULL);
  {
    struct curl_blob blob = {(void *)"x", 1, CURL_BLOB_COPY};
    ASSERT_EQ(curl_easy_setopt(h, CURLOPT_PROXY_SSLCERT_BLOB, &blob),
              CURLE_NOT_BUILT_IN);
    ASSERT(strstr(errbuf, "CURLOPT_PROXY_SSLCERT_BLOB") != NULL);
  }
  /* The handle still works for what is supported. */
  ASSERT_EQ(curl_easy_setopt(h, CURLOPT_URL, "http://127.0.0.1:1/"), CURLE_OK);
  curl_easy_cleanup(h);
  return 0;
}

TEST_IMPL(compat_setopt_made_up_option_is_unknown_option) {
  char errbuf[CURL_ERROR_SIZE];
  CURL *h = curl_easy_init();

  ASSERT_NOT_NULL(h);
  errbuf[0] = '\0';
  ASSERT_EQ(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf), CURLE_OK);
  ASSERT_EQ(CURLE_UNKNOWN_OPTION, 48); /* libcurl's number */
  /* Numbers libcurl has never used, in the long, pointer and off_t ranges. */
  ASSERT_EQ(curl_easy_setopt(h, (CURLoption)9999, 1L), CURLE_UNKNOWN_OPTION);
  ASSERT_STR_EQ(errbuf, "Unknown option 9999");
  ASSERT_EQ(curl_easy_setopt(h, (CURLoption)(CURLOPTTYPE_OBJECTPOINT + 9999),
                             "x"),
            CURLE_UNKNOWN_OPTION);
  ASSERT_EQ(curl_easy_setopt(h, (CURLoption)(CURLOPTTYPE_OFF_T + 9999),
                             (curl_off_t)1),
            CURLE_UNKNOWN_OPTION);
  ASSERT_STR_EQ(errbuf, "Unknown option 39999");
  curl_easy_cleanup(h);
  return 0;
}

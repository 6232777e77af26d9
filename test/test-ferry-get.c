/* ferry-get end to end: the built binary (FERRY_GET_PATH, from meson) is
 * run against a real nginx (test/nginx.h) with its stdout and stderr in
 * files, and the tests check what a user sees: the exit status, the bytes
 * of every file written, the summary and the list of failures. stderr is a
 * file here, so ferry-get prints one plain line per finished transfer. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "certs.h"
#include "nginx.h"
#include "test.h"

#ifndef FERRY_GET_PATH
#error "FERRY_GET_PATH must name the built ferry-get binary (test/meson.build)"
#endif

/* A scratch directory for the URL list, the output and the captured
 * streams, removed with everything in it at the end. */
typedef struct scratch {
  char dir[256];
  char out[300];    /* DIR/out, the -o directory */
  char urls[300];   /* DIR/urls.txt */
  char stdout_path[300], stderr_path[300];
} scratch;

static int scratch_make(scratch *s) {
  const char *tmp = getenv("TMPDIR");
  snprintf(s->dir, sizeof(s->dir), "%s/ferry-get-test-XXXXXX",
           tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp(s->dir) == NULL)
    return -1;
  snprintf(s->out, sizeof(s->out), "%s/out", s->dir);
  snprintf(s->urls, sizeof(s->urls), "%s/urls.txt", s->dir);
  snprintf(s->stdout_path, sizeof(s->stdout_path), "%s/stdout", s->dir);
  snprintf(s->stderr_path, sizeof(s->stderr_path), "%s/stderr", s->dir);
  return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static int scratch_remove(scratch *s) {
  return nftw(s->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The whole of a file, NUL-terminated; NULL when it cannot be read. */
static char *read_all(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  char *buf = NULL;
  size_t cap = 0, n = 0;
  if (fp == NULL)
    return NULL;
  for (;;) {
    if (n + 65536 + 1 > cap) {
      char *nb = realloc(buf, cap = n + 65536 + 1 + cap);
      if (nb == NULL)
        break;
      buf = nb;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, fp);
    n += got;
    if (got == 0)
      break;
  }
  fclose(fp);
  if (buf != NULL)
    buf[n] = '\0';
  if (len != NULL)
    *len = n;
  return buf;
}

static int write_text(const char *path, const char *text) {
  FILE *fp = fopen(path, "w");
  if (fp == NULL)
    return -1;
  fputs(text, fp);
  return fclose(fp);
}

/* Start ferry-get with argv (argv[0] is replaced by the binary's path),
 * stdout and stderr into the scratch files. Returns the child's pid. */
static pid_t spawn_ferry_get(const scratch *s, const char **argv) {
  pid_t pid = fork();
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    int out = open(s->stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(s->stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a timed-out test */
    if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
        dup2(err, 2) < 0)
      _exit(126);
    signal(SIGPIPE, SIG_DFL);
    argv[0] = FERRY_GET_PATH;
    execv(FERRY_GET_PATH, (char *const *)argv);
    _exit(127);
  }
  return pid;
}

/* Wait for pid; its exit status, or 1000 + signal when a signal killed it,
 * or -1. */
static int wait_exit(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? 1000 + WTERMSIG(status) : -1;
}

static int run_ferry_get(const scratch *s, const char **argv) {
  pid_t pid = spawn_ferry_get(s, argv);
  return pid < 0 ? -1 : wait_exit(pid);
}

static char url_buf[8][256];
static const char *nginx_url(tnginx *n, int slot, const char *path) {
  snprintf(url_buf[slot], sizeof(url_buf[slot]), "http://127.0.0.1:%d%s",
           tnginx_port(n), path);
  return url_buf[slot];
}

/* Whether the file at path holds exactly `size` bytes of the fixture's
 * content for `seed`. */
static int file_matches(const char *path, size_t size, unsigned seed) {
  size_t len;
  char *data = read_all(path, &len);
  int ok = data != NULL && len == size &&
           tnginx_check_bytes(seed, 0, data, len) == len;
  free(data);
  return ok;
}

static unsigned count_lines_starting(const char *text, const char *prefix) {
  unsigned n = 0;
  size_t plen = strlen(prefix);
  for (const char *p = text; p != NULL && *p != '\0';) {
    const char *nl = strchr(p, '\n');
    n += strncmp(p, prefix, plen) == 0;
    p = nl ? nl + 1 : NULL;
  }
  return n;
}

/* Entries in dir other than "." and "..". */
static unsigned count_entries(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *de;
  unsigned n = 0;
  if (d == NULL)
    return 0;
  while ((de = readdir(d)) != NULL)
    n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
  closedir(d);
  return n;
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#define N_FILES 20

/* Sizes with an empty file, small ones, one past a write chunk, and one
 * of a megabyte. */
static size_t file_size(int i) {
  if (i == 0)
    return 0;
  if (i == 1)
    return 1024 * 1024;
  return (size_t)i * 7919 % 70000 + (size_t)i;
}

TEST_IMPL(ferry_get_downloads_twenty_files_four_in_flight) {
  tnginx *n = tnginx_start(NULL);
  scratch s;
  char list[N_FILES * 128 + 64], name[64], urlpath[80], path[400], want[256];
  const char *argv[] = {"", "-P", "4", "-o", s.out, "-i", s.urls, NULL};
  char *err;
  const char *opened;
  size_t total = 0, len = 0;
  long connects;

  ASSERT_NOT_NULL(n);
  ASSERT_EQ(scratch_make(&s), 0);
  len += (size_t)snprintf(list, sizeof(list), "# twenty files\n\n");
  for (int i = 0; i < N_FILES; i++) {
    snprintf(name, sizeof(name), "f%02d.bin", i);
    ASSERT_EQ(tnginx_write_file(n, name, file_size(i), 100u + (unsigned)i), 0);
    total += file_size(i);
    snprintf(urlpath, sizeof(urlpath), "/%s", name);
    len += (size_t)snprintf(list + len, sizeof(list) - len, "  %s\n",
                            nginx_url(n, 0, urlpath));
  }
  ASSERT_EQ(write_text(s.urls, list), 0);

  ASSERT_EQ(run_ferry_get(&s, argv), 0);

  for (int i = 0; i < N_FILES; i++) {
    snprintf(path, sizeof(path), "%s/f%02d.bin", s.out, i);
    if (!file_matches(path, file_size(i), 100u + (unsigned)i))
      TEST_FAIL_("%s does not hold the %zu bytes nginx served", path,
                 file_size(i));
  }
  ASSERT_EQ(count_entries(s.out), N_FILES);
  err = read_all(s.stderr_path, NULL);
  ASSERT_NOT_NULL(err);
  /* off a terminal: a line per transfer, then the summary */
  ASSERT_EQ(count_lines_starting(err, "done  f"), N_FILES);
  snprintf(want, sizeof(want), "\n20 done, 0 failed: %zu bytes (", total);
  if (strstr(err, want) == NULL)
    TEST_FAIL_("no summary line \"%s\" in:\n%s", want + 1, err);
  ASSERT_NOT_NULL(strstr(err, " transfers/s, "));
  ASSERT_NOT_NULL(strstr(err, "\ntime per transfer p50 "));
  /* four slots, each reusing its connection for the next URL */
  opened = strstr(strstr(err, "\ntime per transfer p50 "), "; ");
  ASSERT_NOT_NULL(opened);
  connects = strtol(opened + 2, NULL, 10);
  ASSERT_GE(connects, 1);
  ASSERT_LE(connects, 4);
  /* nginx here speaks HTTP/1.1 only: every transfer a request */
  ASSERT_NOT_NULL(strstr(err, " opened, 20 HTTP/1 requests\n"));
  free(err);
  ASSERT_EQ(scratch_remove(&s), 0);
  ASSERT_EQ(tnginx_stop(n), 0);
  return 0;
}

/* HTTP/2: over TLS by default when nginx offers it (ALPN), in the clear
 * with --http2-prior-knowledge; either way the twenty transfers are
 * streams on one connection, and the summary says so. */
TEST_IMPL(ferry_get_over_http2_puts_every_transfer_on_one_connection) {
  tnginx_opts opts;
  tnginx *n;
  tcerts certs;
  scratch s;
  char list[N_FILES * 128 + 64], name[64], path[400];
  size_t len;

  ASSERT_EQ(tcerts_make(&certs), 0);
  memset(&opts, 0, sizeof(opts));
  opts.tls = 1;
  opts.h2 = 1;
  opts.tls_cert = certs.server;
  opts.tls_key = certs.server_key;
  n = tnginx_start(&opts);
  ASSERT_NOT_NULL(n);
  for (int i = 0; i < N_FILES; i++) {
    snprintf(name, sizeof(name), "f%02d.bin", i);
    ASSERT_EQ(tnginx_write_file(n, name, file_size(i), 300u + (unsigned)i), 0);
  }
  for (int tls = 1; tls >= 0; tls--) {
    const char *argv_tls[] = {"", "-P", "8", "--cacert", certs.ca, "-o",
                              s.out, "-i", s.urls, NULL};
    const char *argv_h2c[] = {"", "-P", "8", "--http2-prior-knowledge", "-o",
                              s.out, "-i", s.urls, NULL};
    char *err;

    ASSERT_EQ(scratch_make(&s), 0);
    argv_tls[6] = s.out;
    argv_tls[8] = s.urls;
    argv_h2c[5] = s.out;
    argv_h2c[7] = s.urls;
    len = 0;
    for (int i = 0; i < N_FILES; i++)
      len += (size_t)snprintf(list + len, sizeof(list) - len,
                              "%s://localhost:%d/f%02d.bin\n",
                              tls ? "https" : "http",
                              tls ? tnginx_h2_port(n) : tnginx_h2c_port(n), i);
    ASSERT_EQ(write_text(s.urls, list), 0);
    ASSERT_EQ(run_ferry_get(&s, tls ? argv_tls : argv_h2c), 0);
    for (int i = 0; i < N_FILES; i++) {
      snprintf(path, sizeof(path), "%s/f%02d.bin", s.out, i);
      if (!file_matches(path, file_size(i), 300u + (unsigned)i))
        TEST_FAIL_("%s does not hold the %zu bytes nginx served", path,
                   file_size(i));
    }
    err = read_all(s.stderr_path, NULL);
    ASSERT_NOT_NULL(err);
    if (strstr(err, "; 1 connection opened, 20 HTTP/2 streams\n") == NULL)
      TEST_FAIL_("no \"1 connection opened, 20 HTTP/2 streams\" (%s) in:\n%s",
                 tls ? "TLS" : "h2c", err);
    free(err);
    ASSERT_EQ(scratch_remove(&s), 0);
  }
  ASSERT_EQ(tnginx_stop(n), 0);
  tcerts_cleanup(&certs);
  return 0;
}

TEST_IMPL(ferry_get_404_exits_nonzero_and_lists_the_failed_url) {
  tnginx *n = tnginx_start(NULL);
  scratch s;
  char path[400], want[600];
  const char *argv[] = {"", "-o", s.out, NULL, NULL, NULL};
  char *err;

  ASSERT_NOT_NULL(n);
  ASSERT_EQ(scratch_make(&s), 0);
  ASSERT_EQ(tnginx_write_file(n, "here.bin", 5000, 7), 0);
  argv[3] = nginx_url(n, 0, "/here.bin");
  argv[4] = nginx_url(n, 1, "/missing.bin");

  ASSERT_EQ(run_ferry_get(&s, argv), 1);

  snprintf(path, sizeof(path), "%s/here.bin", s.out);
  ASSERT(file_matches(path, 5000, 7));
  snprintf(path, sizeof(path), "%s/missing.bin", s.out);
  ASSERT_EQ(access(path, F_OK), -1); /* a failure leaves no file */
  err = read_all(s.stderr_path, NULL);
  ASSERT_NOT_NULL(err);
  ASSERT_NOT_NULL(strstr(err, "\n1 done, 1 failed: 5000 bytes"));
  snprintf(want, sizeof(want),
           "\n1 failed:\n  %s  HTTP 404: The requested URL returned error: "
           "404\n",
           argv[4]);
  if (strstr(err, want) == NULL)
    TEST_FAIL_("no failure list \"%s\" in:\n%s", want + 1, err);
  free(err);
  ASSERT_EQ(scratch_remove(&s), 0);
  ASSERT_EQ(tnginx_stop(n), 0);
  return 0;
}

TEST_IMPL(ferry_get_colliding_names_get_suffixes_and_dot_dot_is_refused) {
  tnginx *n = tnginx_start(NULL);
  scratch s;
  char path[400];
  const char *argv[] = {"", "-P", "1", "-o", s.out, NULL, NULL, NULL, NULL};
  char *err;

  ASSERT_NOT_NULL(n);
  ASSERT_EQ(scratch_make(&s), 0);
  ASSERT_EQ(tnginx_write_file(n, "a.bin", 3000, 1), 0);
  ASSERT_EQ(tnginx_write_file(n, "sub/a.bin", 4000, 2), 0);
  argv[5] = nginx_url(n, 0, "/a.bin");
  argv[6] = nginx_url(n, 1, "/sub/a.bin?v=2");
  argv[7] = nginx_url(n, 2, "/sub/%2e%2e");

  ASSERT_EQ(run_ferry_get(&s, argv), 1);

  snprintf(path, sizeof(path), "%s/a.bin", s.out);
  ASSERT(file_matches(path, 3000, 1));
  snprintf(path, sizeof(path), "%s/a.bin.1", s.out);
  ASSERT(file_matches(path, 4000, 2));
  ASSERT_EQ(count_entries(s.out), 2);
  err = read_all(s.stderr_path, NULL);
  ASSERT_NOT_NULL(err);
  ASSERT_NOT_NULL(strstr(err, "\n2 done, 1 failed: 7000 bytes"));
  ASSERT_NOT_NULL(strstr(err, "/sub/%2e%2e  refusing output file name \"..\""));
  free(err);
  ASSERT_EQ(scratch_remove(&s), 0);
  ASSERT_EQ(tnginx_stop(n), 0);
  return 0;
}

TEST_IMPL(ferry_get_single_url_without_o_writes_body_to_stdout) {
  tnginx *n = tnginx_start(NULL);
  scratch s;
  const char *argv[] = {"", NULL, NULL};
  char *out;
  size_t len;

  ASSERT_NOT_NULL(n);
  ASSERT_EQ(scratch_make(&s), 0);
  ASSERT_EQ(tnginx_write_file(n, "body.bin", 123457, 9), 0);
  argv[1] = nginx_url(n, 0, "/body.bin");

  ASSERT_EQ(run_ferry_get(&s, argv), 0);

  out = read_all(s.stdout_path, &len);
  ASSERT_NOT_NULL(out);
  ASSERT_EQ(len, 123457);
  ASSERT_EQ(tnginx_check_bytes(9, 0, out, len), len);
  free(out);
  ASSERT_EQ(scratch_remove(&s), 0);
  ASSERT_EQ(tnginx_stop(n), 0);
  return 0;
}

/* A loopback port nothing listens on: bound, read and closed again. */
static int closed_port(void) {
  struct sockaddr_in sa;
  socklen_t len = sizeof(sa);
  int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
      getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
    port = ntohs(sa.sin_port);
  if (fd >= 0)
    close(fd);
  return port;
}

TEST_IMPL(ferry_get_retries_refused_connection_with_backoff_then_fails) {
  scratch s;
  char url[128], want[300];
  const char *argv[] = {"", "--retry", "2", "-o", NULL, url, NULL};
  char *err;
  uint64_t t0, ms;
  int port = closed_port();

  ASSERT_GE(port, 1);
  ASSERT_EQ(scratch_make(&s), 0);
  argv[4] = s.out;
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/gone.bin", port);

  t0 = now_ms();
  ASSERT_EQ(run_ferry_get(&s, argv), 1);
  ms = now_ms() - t0;

  /* back-off of at least 125 and 250 ms (250 and 500 ms, halved by jitter) */
  ASSERT_GE(ms, 375);
  err = read_all(s.stderr_path, NULL);
  ASSERT_NOT_NULL(err);
  ASSERT_EQ(count_lines_starting(err, "retry gone.bin in "), 2);
  ASSERT_NOT_NULL(strstr(err, "(attempt 1 of 3 failed)"));
  ASSERT_NOT_NULL(strstr(err, "(attempt 2 of 3 failed)"));
  snprintf(want, sizeof(want), "\n1 failed:\n  %s  ", url);
  ASSERT_NOT_NULL(strstr(err, want));
  ASSERT_NOT_NULL(strstr(err, "(Could not connect to server)\n"));
  ASSERT_EQ(count_entries(s.out), 0);
  free(err);
  ASSERT_EQ(scratch_remove(&s), 0);
  return 0;
}

TEST_IMPL(ferry_get_sigint_halts_transfers_and_exits_130) {
  tnginx *n = tnginx_start(NULL);
  scratch s;
  char path[400];
  const char *argv[] = {"", "-o", s.out, NULL, NULL, NULL};
  char *err;
  pid_t pid;
  uint64_t t0;

  ASSERT_NOT_NULL(n);
  ASSERT_EQ(scratch_make(&s), 0);
  ASSERT_EQ(tnginx_write_file(n, "quick.bin", 1000, 3), 0);
  ASSERT_EQ(tnginx_write_file(n, "slow.bin", 100000, 4), 0);
  argv[3] = nginx_url(n, 0, "/quick.bin");
  argv[4] = nginx_url(n, 1, "/slow/slow.bin?rate=2000"); /* ~50 s */

  pid = spawn_ferry_get(&s, argv);
  ASSERT_GE(pid, 1);
  /* quick.bin written: the loop runs and the slow transfer has begun */
  snprintf(path, sizeof(path), "%s/quick.bin", s.out);
  t0 = now_ms();
  while (!file_matches(path, 1000, 3) && now_ms() - t0 < 10000)
    usleep(10000);
  snprintf(path, sizeof(path), "%s/slow.bin", s.out);
  t0 = now_ms();
  while (access(path, F_OK) != 0 && now_ms() - t0 < 10000)
    usleep(10000); /* the first second's bytes */
  ASSERT_EQ(kill(pid, SIGINT), 0);
  ASSERT_EQ(wait_exit(pid), 130);

  ASSERT_EQ(access(path, F_OK), -1); /* the partial file is removed */
  err = read_all(s.stderr_path, NULL);
  ASSERT_NOT_NULL(err);
  ASSERT_NOT_NULL(strstr(err, "interrupted (SIGINT): 1 transfer not finished\n"));
  ASSERT_NOT_NULL(strstr(err, "\n1 done, 0 failed: 1000 bytes"));
  free(err);
  ASSERT_EQ(scratch_remove(&s), 0);
  ASSERT_EQ(tnginx_stop(n), 0);
  return 0;
}

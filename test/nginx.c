/* A real nginx for tests: see nginx.h. */
#include "nginx.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define NGINX_DEFAULT_PATH "/usr/sbin/nginx"
#define START_ATTEMPTS 4
#define START_TIMEOUT_MS 10000
#define QUIT_TIMEOUT_MS 5000
#define TERM_TIMEOUT_MS 5000
#define KILL_TIMEOUT_MS 5000
#define POLL_INTERVAL_MS 10

struct tnginx {
  pid_t pid;
  int port;
  int tls_port;
  int h2_port;   /* HTTP/2 over TLS (ALPN h2), 0 when h2 was off */
  int h2c_port;  /* HTTP/2 by prior knowledge, 0 when h2 was off */
  char *prefix;  /* temp dir, no trailing slash */
  char *docroot; /* prefix/html */
  char *errlog;  /* prefix/error.log */
  char *outlog;  /* prefix/nginx.out: nginx's stdout and stderr */
  tnginx *next;  /* in live_fixtures */
};

/* Fixtures started and not yet stopped. A test that fails an ASSERT
 * returns early without tnginx_stop(); the runner then exit()s the test
 * process, and stop_live_fixtures() stops nginx and removes its temp dir
 * so that nothing is left behind. (A test killed by a signal leaves only
 * the temp dir: nginx gets SIGTERM through PR_SET_PDEATHSIG.) */
static tnginx *live_fixtures;

/* -- small helpers -------------------------------------------------------- */

static char *str_printf(const char *fmt, ...) {
  va_list ap;
  int len;
  char *s;

  va_start(ap, fmt);
  len = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (len < 0)
    return NULL;
  s = malloc((size_t)len + 1);
  if (s == NULL)
    return NULL;
  va_start(ap, fmt);
  vsnprintf(s, (size_t)len + 1, fmt, ap);
  va_end(ap);
  return s;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

/* Read a whole file into a NUL-terminated malloc'd string; NULL on error. */
static char *read_text_file(const char *path) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t len = 0, cap = 0;

  if (f == NULL)
    return NULL;
  for (;;) {
    if (cap - len < 4096) {
      char *nb = realloc(buf, cap + 65536);
      if (nb == NULL) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = nb;
      cap += 65536;
    }
    size_t got = fread(buf + len, 1, cap - len - 1, f);
    len += got;
    if (got == 0)
      break;
  }
  if (ferror(f)) {
    free(buf);
    fclose(f);
    return NULL;
  }
  fclose(f);
  buf[len] = '\0';
  return buf;
}

static int write_text_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  size_t len = strlen(text);

  if (f == NULL)
    return -1;
  if (fwrite(text, 1, len, f) != len) {
    fclose(f);
    return -1;
  }
  return fclose(f) == 0 ? 0 : -1;
}

static void dump_file(const char *label, const char *path) {
  char *text = read_text_file(path);

  if (text == NULL || text[0] == '\0') {
    free(text);
    return;
  }
  fprintf(stderr, "---- %s (%s) ----\n%s", label, path, text);
  if (text[strlen(text) - 1] != '\n')
    fputc('\n', stderr);
  fprintf(stderr, "---- end of %s ----\n", label);
  free(text);
}

static int remove_entry(const char *path, const struct stat *st, int type,
                        struct FTW *ftw) {
  (void)st;
  (void)ftw;
  if (type == FTW_DP)
    return rmdir(path);
  return unlink(path);
}

static int remove_tree(const char *path) {
  return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A path goes into the config inside double quotes, and nginx expands
 * variables in some directives (root, alias), so refuse the characters
 * that would change its meaning. */
static int path_is_config_safe(const char *path) {
  return strpbrk(path, "\"\\$\n\r") == NULL;
}

/* -- ports ---------------------------------------------------------------- */

/* Ask the kernel for `count` distinct free ports on 127.0.0.1. All sockets
 * stay bound until every port is known, so the ports differ. */
static int pick_free_ports(int *ports, int count) {
  int fds[4] = {-1, -1, -1, -1};
  int rc = 0;

  for (int i = 0; i < count && i < 4; i++) {
    struct sockaddr_in sa;
    socklen_t salen = sizeof(sa);

    fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fds[i] < 0) {
      rc = -1;
      break;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    if (bind(fds[i], (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        getsockname(fds[i], (struct sockaddr *)&sa, &salen) != 0) {
      rc = -1;
      break;
    }
    ports[i] = ntohs(sa.sin_port);
  }
  if (rc != 0)
    fprintf(stderr, "tnginx: cannot get a free port: %s\n", strerror(errno));
  for (int i = 0; i < 4; i++)
    if (fds[i] >= 0)
      close(fds[i]);
  return rc;
}

/* 1 if 127.0.0.1:port accepts a TCP connection. */
static int port_accepts(int port) {
  struct sockaddr_in sa;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int ok;

  if (fd < 0)
    return 0;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons((uint16_t)port);
  ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
  close(fd);
  return ok;
}

/* -- configuration -------------------------------------------------------- */

struct conf_var {
  const char *name;
  const char *value;
};

/* Expand the template: lines starting with "@TLS@" are kept (marker
 * removed) only when tls is on; in other non-comment lines each @NAME@ is
 * replaced by its value. An unknown @NAME@ is an error, so a typo in the
 * template fails loudly. Comment lines are copied as they are. */
static char *render_conf(const char *tmpl, const struct conf_var *vars,
                         size_t nvars, int tls, int h2) {
  size_t cap = strlen(tmpl) + 1, len = 0;
  const char *line = tmpl;
  char *out;

  for (size_t i = 0; i < nvars; i++)
    cap += 8 * strlen(vars[i].value); /* a few uses of each value */
  out = malloc(cap);
  if (out == NULL)
    return NULL;

  while (*line != '\0') {
    const char *end = strchr(line, '\n');
    const char *p = line;
    size_t line_len = end ? (size_t)(end - line) + 1 : strlen(line);
    const char *stop = line + line_len;
    int comment;

    if (strncmp(line, "@TLS@", 5) == 0) {
      if (!tls) {
        line = stop;
        continue;
      }
      p += 5;
    } else if (strncmp(line, "@H2@", 4) == 0) {
      if (!h2) {
        line = stop;
        continue;
      }
      p += 4;
    }
    comment = p[strspn(p, " \t")] == '#';
    while (p < stop) {
      const char *val = NULL;
      size_t skip = 1, vlen;

      if (*p == '@' && !comment) {
        const char *close = memchr(p + 1, '@', (size_t)(stop - p - 1));
        size_t nlen = close ? (size_t)(close - p - 1) : 0;

        for (size_t i = 0; close && i < nvars; i++) {
          if (strlen(vars[i].name) == nlen &&
              memcmp(vars[i].name, p + 1, nlen) == 0) {
            val = vars[i].value;
            skip = nlen + 2;
            break;
          }
        }
        if (val == NULL) {
          fprintf(stderr, "tnginx: template: unknown placeholder in: %.*s\n",
                  (int)line_len, line);
          free(out);
          return NULL;
        }
      }
      vlen = val ? strlen(val) : 1;
      if (len + vlen + 1 > cap) {
        char *nb = realloc(out, (cap + vlen) * 2);
        if (nb == NULL) {
          free(out);
          return NULL;
        }
        out = nb;
        cap = (cap + vlen) * 2;
      }
      memcpy(out + len, val ? val : p, vlen);
      len += vlen;
      p += skip;
    }
    line = stop;
  }
  out[len] = '\0';
  return out;
}

static char *template_path(void) {
  const char *dir = getenv("FERRY_TEST_SRCDIR");
#ifdef FERRY_TEST_SRCDIR
  if (dir == NULL || dir[0] == '\0')
    dir = FERRY_TEST_SRCDIR;
#endif
  if (dir == NULL || dir[0] == '\0') {
    fprintf(stderr, "tnginx: set FERRY_TEST_SRCDIR (the repo's test/ "
                    "directory) at build time or in the environment\n");
    return NULL;
  }
  return str_printf("%s/nginx/nginx.conf.in", dir);
}

static int write_conf(const tnginx *n, const tnginx_opts *opts,
                      const char *tls_cert, const char *tls_key) {
  char *tpl_path = template_path();
  char *tmpl = NULL, *conf = NULL, *conf_path = NULL;
  char port[16], tls_port[16], h2_port[16], h2c_port[16], workers[16];
  int rc = -1;

  if (tpl_path == NULL)
    return -1;
  tmpl = read_text_file(tpl_path);
  if (tmpl == NULL) {
    fprintf(stderr, "tnginx: cannot read template %s: %s\n", tpl_path,
            strerror(errno));
    goto done;
  }
  snprintf(port, sizeof(port), "%d", n->port);
  snprintf(tls_port, sizeof(tls_port), "%d", n->tls_port);
  snprintf(h2_port, sizeof(h2_port), "%d", n->h2_port);
  snprintf(h2c_port, sizeof(h2c_port), "%d", n->h2c_port);
  snprintf(workers, sizeof(workers), "%d",
           opts->worker_processes > 0 ? opts->worker_processes : 1);
  {
    const struct conf_var vars[] = {
        {"PREFIX", n->prefix},
        {"DOCROOT", n->docroot},
        {"PORT", port},
        {"TLS_PORT", tls_port},
        {"H2_PORT", h2_port},
        {"H2C_PORT", h2c_port},
        {"TLS_CERT", tls_cert ? tls_cert : ""},
        {"TLS_KEY", tls_key ? tls_key : ""},
        {"WORKER_PROCESSES", workers},
    };
    conf = render_conf(tmpl, vars, sizeof(vars) / sizeof(vars[0]), opts->tls,
                       opts->tls && opts->h2);
  }
  if (conf == NULL)
    goto done;
  conf_path = str_printf("%s/nginx.conf", n->prefix);
  if (conf_path == NULL || write_text_file(conf_path, conf) != 0) {
    fprintf(stderr, "tnginx: cannot write %s\n",
            conf_path ? conf_path : "nginx.conf");
    goto done;
  }
  rc = 0;
done:
  free(conf_path);
  free(conf);
  free(tmpl);
  free(tpl_path);
  return rc;
}

/* -- the child process ---------------------------------------------------- */

static const char *nginx_binary(void) {
  const char *s = getenv("FERRY_TEST_NGINX");
  return s && s[0] ? s : NGINX_DEFAULT_PATH;
}

/* fork + exec nginx. Everything the child needs is prepared before fork;
 * the child then only makes async-signal-safe calls, so this is safe while
 * other threads (a tserver) run. */
static pid_t spawn_nginx(const tnginx *n) {
  const char *bin = nginx_binary();
  char *prefix_arg = str_printf("%s/", n->prefix);
  char *conf_arg = str_printf("%s/nginx.conf", n->prefix);
  /* As root, nginx would run its workers as "nobody", who cannot read the
   * 0700 temp dir. As anyone else the user directive is ignored. */
  const char *globals = geteuid() == 0
                            ? "daemon off; master_process on; user root;"
                            : "daemon off; master_process on;";
  long max_fd = sysconf(_SC_OPEN_MAX);
  pid_t parent = getpid();
  pid_t pid = -1;

  if (prefix_arg == NULL || conf_arg == NULL)
    goto done;
  {
    char *const argv[] = {(char *)bin,        "-p", prefix_arg, "-c",
                          conf_arg,           "-e", n->errlog,  "-g",
                          (char *)globals,    NULL};
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
      fprintf(stderr, "tnginx: fork: %s\n", strerror(errno));
      goto done;
    }
    if (pid == 0) {
      sigset_t none;
      int fd;

#ifdef __linux__
      /* If the test process dies (timeout, crash), take nginx with it. */
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent)
        _exit(127);
#else
      (void)parent;
#endif
      fd = open("/dev/null", O_RDONLY);
      if (fd >= 0 && fd != 0) {
        dup2(fd, 0);
        close(fd);
      }
      fd = open(n->outlog, O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2)
          close(fd);
      }
      /* Do not hand the test's sockets to nginx. */
#ifdef SYS_close_range
      if (syscall(SYS_close_range, 3u, ~0u, 0u) != 0)
#endif
        for (fd = 3; fd < (max_fd > 0 ? max_fd : 65536); fd++)
          close(fd);
      /* The runner ignores SIGPIPE and may block signals: undo both, since
       * ignored dispositions and the mask survive exec. */
      for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = SIG_DFL;
        sigaction(sig, &sa, NULL);
      }
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, NULL);
      execv(bin, argv);
      _exit(127);
    }
  }
done:
  free(conf_arg);
  free(prefix_arg);
  return pid;
}

/* Wait up to timeout_ms for pid to exit; 1 and *status if it did. */
static int wait_exit(pid_t pid, int *status, long long timeout_ms) {
  long long deadline = now_ms() + timeout_ms;

  for (;;) {
    pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid)
      return 1;
    if (r < 0 && errno != EINTR) {
      *status = 0;
      return 1; /* not our child any more: nothing left to wait for */
    }
    if (now_ms() >= deadline)
      return 0;
    sleep_ms(POLL_INTERVAL_MS);
  }
}

/* 1 once nginx has written its own pid into the pid file: the master
 * writes it after it has bound every listening socket. */
static int pid_file_written(const tnginx *n) {
  char *path = str_printf("%s/nginx.pid", n->prefix);
  char *text = path ? read_text_file(path) : NULL;
  int ok = text != NULL && strtol(text, NULL, 10) == (long)n->pid;

  free(text);
  free(path);
  return ok;
}

static int log_contains(const char *path, const char *needle) {
  char *text = read_text_file(path);
  int found = text != NULL && strstr(text, needle) != NULL;

  free(text);
  return found;
}

#ifdef __linux__
/* SIGKILL every process whose parent is `parent` (nginx's workers). */
static void kill_children(pid_t parent) {
  DIR *d = opendir("/proc");
  struct dirent *e;

  if (d == NULL)
    return;
  while ((e = readdir(d)) != NULL) {
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
    /* "pid (comm) state ppid ...": comm may hold spaces and parens. */
    paren = strrchr(buf, ')');
    if (paren == NULL || sscanf(paren + 1, " %*c %ld", &ppid) != 1)
      continue;
    if (ppid == (long)parent)
      kill((pid_t)pid, SIGKILL);
  }
  closedir(d);
}
#endif

/* Signal and reap the master. Returns 0 if SIGQUIT was enough and it
 * exited with status 0. */
static int stop_process(pid_t pid) {
  int status = 0;

  if (kill(pid, SIGQUIT) == 0 && wait_exit(pid, &status, QUIT_TIMEOUT_MS))
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
  fprintf(stderr, "tnginx: nginx %ld did not stop on SIGQUIT, "
                  "sending SIGTERM\n", (long)pid);
  if (kill(pid, SIGTERM) == 0 && wait_exit(pid, &status, TERM_TIMEOUT_MS))
    return -1;
  fprintf(stderr, "tnginx: nginx %ld did not stop on SIGTERM, "
                  "sending SIGKILL\n", (long)pid);
#ifdef __linux__
  kill_children(pid);
#endif
  kill(pid, SIGKILL);
  wait_exit(pid, &status, KILL_TIMEOUT_MS);
  return -1;
}

/* -- public API ----------------------------------------------------------- */

static void stop_live_fixtures(void) {
  while (live_fixtures != NULL) {
    fprintf(stderr, "tnginx: stopping nginx %ld, which the test left "
                    "running\n", (long)live_fixtures->pid);
    tnginx_stop(live_fixtures);
  }
}

static void track_fixture(tnginx *n) {
  static int registered;

  if (!registered && atexit(stop_live_fixtures) == 0)
    registered = 1;
  n->next = live_fixtures;
  live_fixtures = n;
}

static void untrack_fixture(tnginx *n) {
  for (tnginx **p = &live_fixtures; *p != NULL; p = &(*p)->next) {
    if (*p == n) {
      *p = n->next;
      return;
    }
  }
}

static void free_fixture(tnginx *n) {
  free(n->outlog);
  free(n->errlog);
  free(n->docroot);
  free(n->prefix);
  free(n);
}

/* Make the fixture's fresh directory tree. */
static tnginx *create_fixture(void) {
  const char *tmp = getenv("TMPDIR");
  tnginx *n = calloc(1, sizeof(*n));
  char *tmpl = NULL, *sub = NULL;

  if (n == NULL)
    return NULL;
  n->pid = -1;
  if (tmp == NULL || tmp[0] == '\0')
    tmp = "/tmp";
  tmpl = str_printf("%s/ferry-nginx-XXXXXX", tmp);
  if (tmpl == NULL)
    goto failed_alloc;
  if (mkdtemp(tmpl) == NULL) {
    fprintf(stderr, "tnginx: mkdtemp %s: %s\n", tmpl, strerror(errno));
    goto failed_mkdtemp;
  }
  n->prefix = tmpl;
  if (!path_is_config_safe(n->prefix)) {
    fprintf(stderr, "tnginx: temp dir path %s has characters nginx's "
                    "config cannot hold; set TMPDIR\n", n->prefix);
    goto failed_tree;
  }
  n->docroot = str_printf("%s/html", n->prefix);
  n->errlog = str_printf("%s/error.log", n->prefix);
  n->outlog = str_printf("%s/nginx.out", n->prefix);
  sub = str_printf("%s/tmp", n->prefix);
  if (n->docroot == NULL || n->errlog == NULL || n->outlog == NULL ||
      sub == NULL)
    goto failed_tree;
  /* nginx makes only the last component of its temp paths. */
  if (mkdir(n->docroot, 0700) != 0 || mkdir(sub, 0700) != 0) {
    fprintf(stderr, "tnginx: mkdir in %s: %s\n", n->prefix, strerror(errno));
    goto failed_tree;
  }
  free(sub);
  return n;

failed_tree:
  free(sub);
  remove_tree(n->prefix);
failed_mkdtemp:
  if (n->prefix == NULL)
    free(tmpl);
failed_alloc:
  free_fixture(n);
  return NULL;
}

/* One attempt: write the config, run nginx, wait until it serves.
 * Returns 0 when up, 1 when it lost a port race (worth retrying), -1 on
 * any other failure. On failure nginx is not running. */
static int start_attempt(tnginx *n, const tnginx_opts *opts,
                         const char *tls_cert, const char *tls_key) {
  int ports[4] = {0, 0, 0, 0};
  int h2 = opts->tls && opts->h2;
  long long deadline;
  int status = 0;

  if (pick_free_ports(ports, h2 ? 4 : opts->tls ? 2 : 1) != 0)
    return -1;
  n->port = ports[0];
  n->tls_port = opts->tls ? ports[1] : 0;
  n->h2_port = h2 ? ports[2] : 0;
  n->h2c_port = h2 ? ports[3] : 0;
  unlink(n->errlog);
  if (write_conf(n, opts, tls_cert, tls_key) != 0)
    return -1;
  n->pid = spawn_nginx(n);
  if (n->pid < 0)
    return -1;

  deadline = now_ms() + START_TIMEOUT_MS;
  for (;;) {
    pid_t r = waitpid(n->pid, &status, WNOHANG);
    if (r == n->pid) {
      n->pid = -1;
      if (log_contains(n->errlog, "Address already in use"))
        return 1;
      if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        fprintf(stderr, "tnginx: cannot run %s (install the nginx package, "
                        "or set FERRY_TEST_NGINX)\n", nginx_binary());
      else
        fprintf(stderr, "tnginx: nginx exited during start-up (status "
                        "0x%x)\n", (unsigned)status);
      return -1;
    }
    if (pid_file_written(n) && port_accepts(n->port) &&
        (n->tls_port == 0 || port_accepts(n->tls_port)) &&
        (n->h2_port == 0 || port_accepts(n->h2_port)) &&
        (n->h2c_port == 0 || port_accepts(n->h2c_port)))
      return 0;
    if (now_ms() >= deadline) {
      fprintf(stderr, "tnginx: nginx did not accept on 127.0.0.1:%d within "
                      "%d ms\n", n->port, START_TIMEOUT_MS);
      stop_process(n->pid);
      n->pid = -1;
      return -1;
    }
    sleep_ms(POLL_INTERVAL_MS);
  }
}

tnginx *tnginx_start(const tnginx_opts *opts) {
  static const tnginx_opts defaults = {0, NULL, NULL, 0, 0};
  const char *bin = nginx_binary();
  char *tls_cert = NULL, *tls_key = NULL;
  tnginx *n = NULL;
  int rc = -1;

  if (opts == NULL)
    opts = &defaults;
  if (access(bin, X_OK) != 0) {
    fprintf(stderr, "tnginx: nginx is not installed at %s (%s): install "
                    "the nginx package, or set FERRY_TEST_NGINX\n",
            bin, strerror(errno));
    return NULL;
  }
  if (opts->tls) {
    if (opts->tls_cert == NULL || opts->tls_key == NULL) {
      fprintf(stderr, "tnginx: tls needs tls_cert and tls_key\n");
      return NULL;
    }
    tls_cert = realpath(opts->tls_cert, NULL);
    tls_key = realpath(opts->tls_key, NULL);
    if (tls_cert == NULL || tls_key == NULL) {
      fprintf(stderr, "tnginx: cannot find TLS cert %s or key %s\n",
              opts->tls_cert, opts->tls_key);
      goto done;
    }
    if (!path_is_config_safe(tls_cert) || !path_is_config_safe(tls_key)) {
      fprintf(stderr, "tnginx: TLS cert/key path has characters nginx's "
                      "config cannot hold\n");
      goto done;
    }
  }
  n = create_fixture();
  if (n == NULL)
    goto done;
  for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    rc = start_attempt(n, opts, tls_cert, tls_key);
    if (rc != 1)
      break;
    if (n->tls_port != 0)
      fprintf(stderr, "tnginx: port %d or %d was taken before nginx bound "
                      "it; retrying on new ports\n", n->port, n->tls_port);
    else
      fprintf(stderr, "tnginx: port %d was taken before nginx bound it; "
                      "retrying on a new port\n", n->port);
  }
  if (rc != 0) {
    if (rc == 1)
      fprintf(stderr, "tnginx: gave up after %d port races\n",
              START_ATTEMPTS);
    dump_file("nginx output", n->outlog);
    dump_file("nginx error log", n->errlog);
    remove_tree(n->prefix);
    free_fixture(n);
    n = NULL;
  } else {
    track_fixture(n);
  }
done:
  free(tls_key);
  free(tls_cert);
  return n;
}

int tnginx_port(const tnginx *n) { return n->port; }

int tnginx_tls_port(const tnginx *n) { return n->tls_port; }
int tnginx_h2_port(const tnginx *n) { return n->h2_port; }
int tnginx_h2c_port(const tnginx *n) { return n->h2c_port; }

pid_t tnginx_pid(const tnginx *n) { return n->pid; }

const char *tnginx_prefix(const tnginx *n) { return n->prefix; }

const char *tnginx_docroot(const tnginx *n) { return n->docroot; }

/* Four file bytes per word: a murmur-style 32-bit finalizer (xorshifts and
 * odd multipliers) of the seed and the word index. */
static uint32_t file_word(unsigned seed, size_t index) {
  uint32_t x = (uint32_t)seed * 0x9e3779b1u ^ (uint32_t)index;

  x ^= (uint32_t)((uint64_t)index >> 32) * 0x85ebca77u;
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

void tnginx_expected_bytes(unsigned seed, size_t offset, unsigned char *buf,
                           size_t len) {
  for (size_t i = 0; i < len; i++) {
    size_t pos = offset + i;
    buf[i] = (unsigned char)(file_word(seed, pos / 4) >> (8 * (pos % 4)));
  }
}

size_t tnginx_check_bytes(unsigned seed, size_t offset, const void *buf,
                          size_t len) {
  const unsigned char *p = buf;

  for (size_t i = 0; i < len; i++) {
    unsigned char want;
    tnginx_expected_bytes(seed, offset + i, &want, 1);
    if (p[i] != want)
      return i;
  }
  return len;
}

/* mkdir -p for the directories above docroot/name. */
static int make_parents(char *path, size_t root_len) {
  for (char *p = path + root_len + 1; *p != '\0'; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    int rc = mkdir(path, 0700);
    *p = '/';
    if (rc != 0 && errno != EEXIST)
      return -1;
  }
  return 0;
}

static int name_is_relative_and_inside(const char *name) {
  const char *p = name;

  if (name[0] == '\0' || name[0] == '/')
    return 0;
  while (*p != '\0') {
    size_t seg = strcspn(p, "/");
    if (seg == 0 || (seg == 2 && p[0] == '.' && p[1] == '.'))
      return 0;
    p += seg;
    if (*p == '/')
      p++;
  }
  return 1;
}

int tnginx_write_file(tnginx *n, const char *name, size_t size,
                      unsigned seed) {
  unsigned char chunk[16384];
  char *path;
  FILE *f;
  int rc = -1;

  if (n == NULL || name == NULL || !name_is_relative_and_inside(name)) {
    fprintf(stderr, "tnginx: bad file name %s\n", name ? name : "(null)");
    return -1;
  }
  path = str_printf("%s/%s", n->docroot, name);
  if (path == NULL)
    return -1;
  if (make_parents(path, strlen(n->docroot)) != 0) {
    fprintf(stderr, "tnginx: mkdir for %s: %s\n", path, strerror(errno));
    goto done;
  }
  f = fopen(path, "wb");
  if (f == NULL) {
    fprintf(stderr, "tnginx: open %s: %s\n", path, strerror(errno));
    goto done;
  }
  for (size_t off = 0; off < size;) {
    size_t len = size - off < sizeof(chunk) ? size - off : sizeof(chunk);
    tnginx_expected_bytes(seed, off, chunk, len);
    if (fwrite(chunk, 1, len, f) != len) {
      fprintf(stderr, "tnginx: write %s: %s\n", path, strerror(errno));
      fclose(f);
      goto done;
    }
    off += len;
  }
  if (fclose(f) != 0) {
    fprintf(stderr, "tnginx: close %s: %s\n", path, strerror(errno));
    goto done;
  }
  rc = 0;
done:
  free(path);
  return rc;
}

/* Print the error log's [alert], [crit] and [emerg] lines; 1 if any. */
static int log_has_serious_lines(const char *path) {
  static const char *const levels[] = {"[alert]", "[crit]", "[emerg]"};
  char *text = read_text_file(path);
  int found = 0;

  if (text == NULL)
    return 0;
  for (char *line = text; *line != '\0';) {
    char *end = strchr(line, '\n');
    if (end != NULL)
      *end = '\0';
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
      if (strstr(line, levels[i]) != NULL) {
        fprintf(stderr, "tnginx: nginx logged: %s\n", line);
        found = 1;
        break;
      }
    }
    if (end == NULL)
      break;
    line = end + 1;
  }
  free(text);
  return found;
}

int tnginx_stop(tnginx *n) {
  int rc = 0;

  if (n == NULL)
    return 0;
  untrack_fixture(n);
  if (n->pid > 0) {
    if (stop_process(n->pid) != 0) {
      fprintf(stderr, "tnginx: nginx %ld did not exit cleanly\n",
              (long)n->pid);
      rc = -1;
    }
    n->pid = -1;
  }
  if (log_has_serious_lines(n->errlog))
    rc = -1;
  if (rc != 0) {
    dump_file("nginx output", n->outlog);
    dump_file("nginx error log", n->errlog);
  }
  if (remove_tree(n->prefix) != 0) {
    fprintf(stderr, "tnginx: cannot remove %s: %s\n", n->prefix,
            strerror(errno));
    rc = -1;
  }
  free_fixture(n);
  return rc;
}

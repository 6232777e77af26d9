#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

extern char **environ;

typedef struct capture {
  int fd; /* -1 once at EOF */
  char *data;
  size_t len;
  size_t cap;
} capture;

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void die_oom(void) {
  fputs("tproc: out of memory\n", stderr);
  abort(); /* test code: a failed malloc here is not the case under test */
}

static void capture_append(capture *c, const char *p, size_t n) {
  if (c->len + n + 1 > c->cap) {
    size_t cap = c->cap ? c->cap : 4096;
    while (cap < c->len + n + 1)
      cap *= 2;
    c->data = realloc(c->data, cap);
    if (c->data == NULL)
      die_oom();
    c->cap = cap;
  }
  memcpy(c->data + c->len, p, n);
  c->len += n;
  c->data[c->len] = '\0';
}

/* Read what is there; close the fd at EOF or on an error. */
static void capture_read(capture *c) {
  char buf[16384];
  ssize_t n = read(c->fd, buf, sizeof(buf));
  if (n > 0) {
    capture_append(c, buf, (size_t)n);
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    close(c->fd);
    c->fd = -1;
  }
}

static size_t name_len(const char *assignment) {
  const char *eq = strchr(assignment, '=');
  return eq ? (size_t)(eq - assignment) : strlen(assignment);
}

/* environ with the env_add entries replacing or adding variables. Only the
 * array is allocated; the strings are borrowed. */
static char **make_env(const char *const env_add[]) {
  size_t n = 0, nadd = 0, k = 0;
  char **env;

  while (environ[n])
    n++;
  while (env_add && env_add[nadd])
    nadd++;
  env = calloc(n + nadd + 1, sizeof(*env));
  if (env == NULL)
    die_oom();
  for (size_t i = 0; i < n; i++) {
    int replaced = 0;
    for (size_t j = 0; j < nadd; j++) {
      size_t l = name_len(env_add[j]);
      if (name_len(environ[i]) == l && strncmp(environ[i], env_add[j], l) == 0)
        replaced = 1;
    }
    if (!replaced)
      env[k++] = environ[i];
  }
  for (size_t j = 0; j < nadd; j++)
    env[k++] = (char *)env_add[j];
  env[k] = NULL;
  return env;
}

int tproc_run(const char *const argv[], const char *const env_add[],
              unsigned timeout_ms, tproc_result *r) {
  capture out = {-1, NULL, 0, 0}, err = {-1, NULL, 0, 0};
  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  posix_spawn_file_actions_t fa;
  char **env;
  pid_t pid;
  int status = 0, rc;
  long long deadline = now_ms() + timeout_ms;

  memset(r, 0, sizeof(*r));
  r->exit_code = -1;
  capture_append(&out, "", 0);
  capture_append(&err, "", 0);

  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    rc = errno;
    goto failed_start;
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    rc = errno;
    close(out_pipe[0]);
    close(out_pipe[1]);
    goto failed_start;
  }
  env = make_env(env_add);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, env);
  posix_spawn_file_actions_destroy(&fa);
  free(env);
  close(out_pipe[1]);
  close(err_pipe[1]);
  out.fd = out_pipe[0];
  err.fd = err_pipe[0];
  if (rc != 0) {
    close(out.fd);
    close(err.fd);
    goto failed_start;
  }

  /* Collect both streams until EOF on both; kill at the deadline. */
  while (out.fd >= 0 || err.fd >= 0) {
    struct pollfd pfd[2];
    nfds_t npfd = 0;
    long long left = deadline - now_ms();
    int wait_ms;

    if (left <= 0 && !r->timed_out) {
      kill(pid, SIGKILL);
      r->timed_out = 1;
    }
    if (out.fd >= 0)
      pfd[npfd++] = (struct pollfd){out.fd, POLLIN, 0};
    if (err.fd >= 0)
      pfd[npfd++] = (struct pollfd){err.fd, POLLIN, 0};
    wait_ms = r->timed_out || left > 1000 ? 1000 : (int)left;
    if (poll(pfd, npfd, wait_ms) < 0 && errno != EINTR)
      break;
    for (nfds_t i = 0; i < npfd; i++) {
      if (pfd[i].revents == 0)
        continue;
      capture_read(pfd[i].fd == out.fd ? &out : &err);
    }
  }
  if (out.fd >= 0)
    close(out.fd);
  if (err.fd >= 0)
    close(err.fd);

  /* Both streams are closed; the child may still be exiting. */
  for (;;) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid)
      break;
    if (w < 0 && errno != EINTR) {
      perror("tproc: waitpid");
      break;
    }
    if (!r->timed_out && now_ms() >= deadline) {
      kill(pid, SIGKILL);
      r->timed_out = 1;
    }
    usleep(1000);
  }
  if (WIFEXITED(status)) {
    r->exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r->signal = WTERMSIG(status);
  }
  r->out = out.data;
  r->out_len = out.len;
  r->err = err.data;
  r->err_len = err.len;
  return 0;

failed_start:
  {
    char msg[512];
    snprintf(msg, sizeof(msg), "tproc: cannot run %s: %s\n", argv[0],
             strerror(rc));
    fputs(msg, stderr);
    capture_append(&err, msg, strlen(msg));
  }
  r->out = out.data;
  r->out_len = out.len;
  r->err = err.data;
  r->err_len = err.len;
  return -1;
}

void tproc_result_free(tproc_result *r) {
  free(r->out);
  free(r->err);
  memset(r, 0, sizeof(*r));
}

void tproc_result_dump(const char *what, const tproc_result *r) {
  fprintf(stderr, "  --- %s: exit %d, signal %d%s\n", what, r->exit_code,
          r->signal, r->timed_out ? ", timed out" : "");
  fprintf(stderr, "  --- stdout (%zu bytes):\n%s\n", r->out_len,
          r->out ? r->out : "");
  fprintf(stderr, "  --- stderr (%zu bytes):\n%s\n", r->err_len,
          r->err ? r->err : "");
}

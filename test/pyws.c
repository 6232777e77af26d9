/* python3-websockets as a test peer (see pyws.h). */
#include "pyws.h"

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

#define START_TIMEOUT_MS 20000
#define STOP_TIMEOUT_MS 5000

extern char **environ;

/* websockets 10.4 (Debian 12): the asyncio server of its legacy API. */
static const char server_script[] =
    "import asyncio, os, sys, traceback\n"
    "import websockets\n"
    "\n"
    "failed = False\n"
    "\n"
    "async def serve(ws):\n"
    "    async for msg in ws:\n"
    "        if isinstance(msg, str) and msg.startswith('close '):\n"
    "            parts = msg.split(' ', 2)\n"
    "            await ws.close(int(parts[1]), parts[2] if len(parts) > 2 "
    "else '')\n"
    "            return\n"
    "        if isinstance(msg, str) and msg.startswith('fragments '):\n"
    "            await ws.send(msg.split(' ')[1:])\n"
    "            continue\n"
    "        await ws.send(msg)\n"
    "\n"
    "async def handler(ws, path=None):\n"
    "    global failed\n"
    "    try:\n"
    "        await serve(ws)\n"
    "    except websockets.ConnectionClosed:\n"
    "        pass  # a client that went away is not the server's failure\n"
    "    except Exception:\n"
    "        failed = True\n"
    "        traceback.print_exc()\n"
    "\n"
    "async def main():\n"
    "    async with websockets.serve(handler, '127.0.0.1', 0,\n"
    "                                compression=None, ping_interval=None,\n"
    "                                max_size=16 * 1024 * 1024) as server:\n"
    "        print(server.sockets[0].getsockname()[1], flush=True)\n"
    "        # run until this process's stdin (a pipe from the test) ends\n"
    "        await asyncio.get_running_loop().run_in_executor(\n"
    "            None, sys.stdin.buffer.read)\n"
    "        # then go at once, open connections or not\n"
    "        sys.stderr.flush()\n"
    "        os._exit(1 if failed else 0)\n"
    "\n"
    "asyncio.run(main())\n";

struct pyws_server {
  pid_t pid;
  int stdin_fd;  /* our end of the child's stdin */
  int stdout_fd; /* the child's stdout */
  int port;
  char dir[64];
  char script[96];
  char errlog[96];
};

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void print_file(const char *path) {
  char buf[4096];
  FILE *f = fopen(path, "r");
  size_t n;

  if (f == NULL)
    return;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
    fwrite(buf, 1, n, stderr);
  fclose(f);
}

static void remove_files(pyws_server *p) {
  unlink(p->script);
  unlink(p->errlog);
  rmdir(p->dir);
}

/* Wait for the child by its PID until deadline_ms; 1 when it was reaped. */
static int reap(pid_t pid, int *status, long long deadline_ms) {
  for (;;) {
    pid_t w = waitpid(pid, status, WNOHANG);
    if (w == pid)
      return 1;
    if (w < 0 && errno != EINTR)
      return 0;
    if (now_ms() >= deadline_ms)
      return 0;
    usleep(2000);
  }
}

/* End the child: close its stdin, wait, then SIGKILL it by its PID. */
static int end_child(pyws_server *p) {
  int status = 0;

  if (p->stdin_fd >= 0) {
    close(p->stdin_fd);
    p->stdin_fd = -1;
  }
  if (!reap(p->pid, &status, now_ms() + STOP_TIMEOUT_MS)) {
    fprintf(stderr, "pyws: server %d did not exit; killing it\n",
            (int)p->pid);
    kill(p->pid, SIGKILL);
    reap(p->pid, &status, now_ms() + STOP_TIMEOUT_MS);
    return -1;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* The port line from the child's stdout, within the deadline. */
static int read_port(pyws_server *p) {
  char line[32];
  size_t n = 0;
  long long deadline = now_ms() + START_TIMEOUT_MS;

  while (n < sizeof(line) - 1) {
    struct pollfd pfd = {p->stdout_fd, POLLIN, 0};
    long long left = deadline - now_ms();
    ssize_t r;

    if (left <= 0)
      return -1;
    if (poll(&pfd, 1, (int)left) <= 0)
      continue;
    r = read(p->stdout_fd, line + n, 1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return -1;
    if (line[n] == '\n')
      break;
    n++;
  }
  line[n] = '\0';
  p->port = atoi(line);
  return p->port > 0 && p->port < 65536 ? 0 : -1;
}

pyws_server *pyws_server_start(void) {
  posix_spawn_file_actions_t fa;
  int in_pipe[2], out_pipe[2];
  const char *argv[] = {PYWS_PYTHON, NULL, NULL};
  pyws_server *p = calloc(1, sizeof(*p));
  FILE *f;
  int rc;

  if (p == NULL)
    return NULL;
  p->stdin_fd = p->stdout_fd = -1;
  snprintf(p->dir, sizeof(p->dir), "/tmp/ferry-pyws-XXXXXX");
  if (mkdtemp(p->dir) == NULL) {
    perror("pyws: mkdtemp");
    free(p);
    return NULL;
  }
  snprintf(p->script, sizeof(p->script), "%s/echo_server.py", p->dir);
  snprintf(p->errlog, sizeof(p->errlog), "%s/stderr.log", p->dir);
  f = fopen(p->script, "w");
  if (f == NULL || fputs(server_script, f) < 0 || fclose(f) != 0) {
    perror("pyws: writing the script");
    remove_files(p);
    free(p);
    return NULL;
  }
  if (pipe2(in_pipe, O_CLOEXEC) != 0) {
    remove_files(p);
    free(p);
    return NULL;
  }
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    close(in_pipe[0]);
    close(in_pipe[1]);
    remove_files(p);
    free(p);
    return NULL;
  }
  argv[1] = p->script;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, p->errlog,
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  rc = posix_spawn(&p->pid, argv[0], &fa, NULL, (char *const *)argv,
                   environ);
  posix_spawn_file_actions_destroy(&fa);
  close(in_pipe[0]);
  close(out_pipe[1]);
  p->stdin_fd = in_pipe[1];
  p->stdout_fd = out_pipe[0];
  if (rc != 0) {
    fprintf(stderr, "pyws: cannot run %s: %s\n", argv[0], strerror(rc));
    close(p->stdin_fd);
    close(p->stdout_fd);
    remove_files(p);
    free(p);
    return NULL;
  }
  if (read_port(p) != 0) {
    fprintf(stderr, "pyws: the server printed no port; its stderr:\n");
    end_child(p);
    print_file(p->errlog);
    close(p->stdout_fd);
    remove_files(p);
    free(p);
    return NULL;
  }
  return p;
}

int pyws_server_port(const pyws_server *p) {
  return p->port;
}

int pyws_server_stop(pyws_server *p) {
  int r = end_child(p);

  if (r != 0) {
    fprintf(stderr, "pyws: the server did not exit cleanly; its stderr:\n");
    print_file(p->errlog);
  }
  close(p->stdout_fd);
  remove_files(p);
  free(p);
  return r;
}

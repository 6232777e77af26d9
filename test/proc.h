/* Run a program as a child process and collect what it printed.
 *
 * For tests that check a whole program: the example programs, or a program
 * a test compiles. The child gets this process's environment plus the
 * NAME=value strings given, stdin from /dev/null, and its stdout and
 * stderr each captured in full. A child still running at the deadline is
 * killed with SIGKILL and reported as such. Safe to call while a tserver
 * thread runs: the child is made with posix_spawn.
 */
#ifndef FERRY_TEST_PROC_H
#define FERRY_TEST_PROC_H

#include <stddef.h>

typedef struct tproc_result {
  int exit_code; /* the exit status; -1 if killed by a signal or not run */
  int signal;    /* the signal that ended it, else 0 */
  int timed_out; /* 1 if it was killed at the deadline */
  char *out;     /* stdout, NUL-terminated; never NULL after tproc_run() */
  size_t out_len;
  char *err;     /* stderr, likewise */
  size_t err_len;
} tproc_result;

/* Run argv[0] (looked up in PATH when it has no slash) with argv, with the
 * NULL-terminated list env_add (may be NULL) put into the environment
 * (replacing a variable of the same name), for at most timeout_ms.
 * Returns 0 when the child ran and was reaped (whatever its status), -1
 * when it could not be started (a message is on stderr and in *r->err).
 * Free *r with tproc_result_free() either way. */
int tproc_run(const char *const argv[], const char *const env_add[],
              unsigned timeout_ms, tproc_result *r);

void tproc_result_free(tproc_result *r);

/* Print a result on stderr, for a failing assertion's context. */
void tproc_result_dump(const char *what, const tproc_result *r);

#endif

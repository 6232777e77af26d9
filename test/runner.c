/* The ferry test runner.
 *
 *   ferry-tests              run every test, each in its own child process
 *   ferry-tests NAME...      run the named tests (each in a child);
 *                            "prefix*" names every test starting so
 *   ferry-tests -l           list the test names
 *   ferry-tests -n NAME      run one test in this process (for gdb)
 *
 * Each test runs in a forked child with a time limit, so a crash, a hang or a
 * sanitizer report fails that test alone. The last line printed is the
 * summary `N passed, N failed`. The exit status is 0 only if none failed.
 */
#include "test.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define X(name) TEST_DECLARE(name)
#include "test-list.h"
TEST_LIST(X)
#undef X

struct test_entry {
  const char *name;
  int (*fn)(void);
};

static const struct test_entry tests[] = {
#define X(name) {#name, test_##name},
    TEST_LIST(X)
#undef X
};

#define NTESTS (sizeof(tests) / sizeof(tests[0]))

static unsigned test_timeout_s(void) {
  const char *s = getenv("FERRY_TEST_TIMEOUT");
  unsigned v = s ? (unsigned)strtoul(s, NULL, 10) : 0;
  return v ? v : 120;
}

static int run_child(const struct test_entry *t) {
  struct timespec t0, t1;
  int status = 0;
  pid_t pid;

  clock_gettime(CLOCK_MONOTONIC, &t0);
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  if (pid < 0) {
    perror("fork");
    return 1;
  }
  if (pid == 0) {
    int rc;
    signal(SIGPIPE, SIG_IGN);
    alarm(test_timeout_s());
    rc = t->fn();
    fflush(stdout);
    fflush(stderr);
    exit(rc == 0 ? 0 : 1);
  }
  while (waitpid(pid, &status, 0) < 0)
    ;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    printf("ok     %-56s %8.0f ms\n", t->name, ms);
    return 0;
  }
  if (WIFSIGNALED(status))
    printf("FAILED %-56s (signal %d%s)\n", t->name, WTERMSIG(status),
           WTERMSIG(status) == SIGALRM ? ", timed out" : "");
  else
    printf("FAILED %-56s (exit %d)\n", t->name, WEXITSTATUS(status));
  return 1;
}

static const struct test_entry *find_test(const char *name) {
  for (size_t i = 0; i < NTESTS; i++)
    if (strcmp(tests[i].name, name) == 0)
      return &tests[i];
  return NULL;
}

int main(int argc, char **argv) {
  unsigned passed = 0, failed = 0;

  setvbuf(stdout, NULL, _IOLBF, 0);
  /* ferry reads the proxy environment as libcurl does: tests that want a
   * proxy set it themselves, and none may depend on the caller's */
  {
    static const char *const proxy_env[] = {"http_proxy", "https_proxy",
                                            "HTTPS_PROXY", "all_proxy",
                                            "ALL_PROXY", "no_proxy",
                                            "NO_PROXY", "HTTP_PROXY"};
    for (size_t i = 0; i < sizeof(proxy_env) / sizeof(proxy_env[0]); i++)
      unsetenv(proxy_env[i]);
  }
  if (argc == 2 && strcmp(argv[1], "-l") == 0) {
    for (size_t i = 0; i < NTESTS; i++)
      puts(tests[i].name);
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "-n") == 0) {
    const struct test_entry *t = find_test(argv[2]);
    if (t == NULL) {
      fprintf(stderr, "no test named %s\n", argv[2]);
      return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    return t->fn() == 0 ? 0 : 1;
  }
  if (argc > 1) {
    for (int i = 1; i < argc; i++) {
      size_t alen = strlen(argv[i]);
      const struct test_entry *t;
      if (alen > 1 && argv[i][alen - 1] == '*') {
        /* "prefix*": every test whose name starts with prefix */
        unsigned matched = 0;
        for (size_t k = 0; k < NTESTS; k++) {
          if (strncmp(tests[k].name, argv[i], alen - 1) != 0)
            continue;
          matched++;
          if (run_child(&tests[k]) == 0)
            passed++;
          else
            failed++;
        }
        if (matched == 0) {
          printf("FAILED %-56s (no such test)\n", argv[i]);
          failed++;
        }
        continue;
      }
      t = find_test(argv[i]);
      if (t == NULL) {
        printf("FAILED %-56s (no such test)\n", argv[i]);
        failed++;
        continue;
      }
      if (run_child(t) == 0)
        passed++;
      else
        failed++;
    }
  } else {
    for (size_t i = 0; i < NTESTS; i++) {
      if (run_child(&tests[i]) == 0)
        passed++;
      else
        failed++;
    }
  }
  printf("%u passed, %u failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

TEST_IMPL(runner_asserts_work) {
  char buf[4] = {'a', 'b', 'c', 0};
  ASSERT_EQ(1 + 1, 2);
  ASSERT_NE(1, 2);
  ASSERT_STR_EQ(buf, "abc");
  ASSERT_MEM_EQ(buf, 3, "abc");
  return 0;
}

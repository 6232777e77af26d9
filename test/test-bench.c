/* The benchmark's smoke test (the regression guard of test/bench/): the
 * harness runs its small16 row once and quickly, with ferry, libcurl and
 * wrk against an nginx it starts on loopback, and every client must finish
 * every transfer without an error. It checks that the benchmark works,
 * never how fast anything is. The clients are built with -Dbench=true,
 * which test/run sets. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "test.h"

#ifndef FERRY_TEST_BUILD_ROOT
#error "meson passes the build root"
#endif

/* Does the harness's log hold a line for client's run with "ok N, err 0"
 * (N > 0)? */
static int client_ran_clean(const char *log, const char *client) {
  char want[64];
  const char *p = log;

  snprintf(want, sizeof(want), " %s ", client);
  while ((p = strstr(p, "bench: small16 ")) != NULL) {
    const char *end = strchr(p, '\n'), *c = strstr(p, want), *ok;
    long n = 0;
    if (end == NULL)
      end = p + strlen(p);
    if (c != NULL && c < end && (ok = strstr(c, " ok ")) != NULL && ok < end &&
        sscanf(ok, " ok %ld", &n) == 1 && n > 0) {
      const char *err = strstr(ok, ", err 0,");
      return err != NULL && err < end;
    }
    p = end;
  }
  return 0;
}

TEST_IMPL(bench_smoke_small16_runs_every_client_without_errors) {
  const char *root = FERRY_TEST_SRCDIR "/..";
  char harness[1024], ferry[1024], curl[1024];
  tproc_result r;
  const char *argv[] = {"python3", harness, "--builddir", FERRY_TEST_BUILD_ROOT,
                        "--srcdir", root, "--quick", "--rows", "small16",
                        "--runs", "1", NULL};

  snprintf(harness, sizeof(harness), "%s/test/bench/harness.py", root);
  snprintf(ferry, sizeof(ferry), "%s/test/bench/bench-ferry",
           FERRY_TEST_BUILD_ROOT);
  snprintf(curl, sizeof(curl), "%s/test/bench/bench-curl",
           FERRY_TEST_BUILD_ROOT);
  if (access(ferry, X_OK) != 0 || access(curl, X_OK) != 0)
    TEST_FAIL_("%s or %s is missing: configure with -Dbench=true (test/run "
               "does)", ferry, curl);
  ASSERT_EQ(tproc_run(argv, NULL, 180000, &r), 0);
  if (r.exit_code != 0) {
    tproc_result_dump("harness", &r);
    TEST_FAIL_("the harness exited with %d", r.exit_code);
  }
  /* one table row per metric, with all three clients' figures */
  if (strstr(r.out, "small16: transfers/s") == NULL ||
      strstr(r.out, "ferry/libcurl") == NULL) {
    tproc_result_dump("harness", &r);
    TEST_FAIL_("%s", "no table in the harness's output");
  }
  if (!client_ran_clean(r.err, "ferry") || !client_ran_clean(r.err, "libcurl") ||
      !client_ran_clean(r.err, "wrk")) {
    tproc_result_dump("harness", &r);
    TEST_FAIL_("%s", "a client did not finish its transfers cleanly");
  }
  tproc_result_free(&r);
  return 0;
}

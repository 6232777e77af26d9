/* The Node-API addon (examples/node): built against Node's own headers and
 * libuv, and its test suite run with Node's test runner, as part of this
 * suite. Node is on this machine (the project's machines have it); a
 * missing node fails the test rather than skipping it. */
#include <string.h>

#include "proc.h"
#include "test.h"

TEST_IMPL(node_addon_builds_hidden_and_its_node_tests_pass) {
  char build[512], tests[512];
  const char *build_argv[] = {"sh", build, NULL};
  const char *node_argv[] = {"node", "--test", tests, NULL};
  /* the addon is built without sanitizers: node itself is not built with
   * them, so the sanitizer runtime must not be inherited either */
  const char *env[] = {"ASAN_OPTIONS=", "UBSAN_OPTIONS=", "LD_PRELOAD=", NULL};
  tproc_result r;

  snprintf(build, sizeof(build), "%s/../examples/node/build.sh",
           FERRY_TEST_SRCDIR);
  snprintf(tests, sizeof(tests), "%s/../examples/node/test/",
           FERRY_TEST_SRCDIR);
  ASSERT_EQ(tproc_run(build_argv, env, 180000, &r), 0);
  if (r.exit_code != 0)
    tproc_result_dump("build.sh", &r);
  ASSERT_EQ(r.exit_code, 0);
  tproc_result_free(&r);
  ASSERT_EQ(tproc_run(node_argv, env, 180000, &r), 0);
  if (r.exit_code != 0)
    tproc_result_dump("node --test", &r);
  ASSERT_EQ(r.exit_code, 0);
  /* node's runner ends with "# pass N" and "# fail 0" */
  ASSERT_NOT_NULL(strstr(r.out, "# fail 0"));
  ASSERT_NULL(strstr(r.out, "# pass 0\n"));
  tproc_result_free(&r);
  return 0;
}

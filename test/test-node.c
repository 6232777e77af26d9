/* The Node-API addon (examples/node): built against Node's own headers and
 * libuv, and its test suite run with Node's test runner, as part of this
 * suite. Node is on this machine (the project's machines have it); a
 * missing node fails the test rather than skipping it. */
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "test.h"

/* Run argv; 0 when it exited 0 (its output is shown otherwise). With
 * want, its stdout must contain that text and not the refusal text. */
static int run_ok(const char *what, const char *const argv[],
                  const char *const env[], const char *want,
                  const char *refuse) {
  tproc_result r;
  int ok;
  if (tproc_run(argv, env, 180000, &r) != 0) {
    tproc_result_free(&r);
    return -1;
  }
  ok = r.exit_code == 0 && (want == NULL || strstr(r.out, want) != NULL) &&
       (refuse == NULL || strstr(r.out, refuse) == NULL);
  if (!ok)
    tproc_result_dump(what, &r);
  tproc_result_free(&r);
  return ok ? 0 : -1;
}

TEST_IMPL(node_addon_builds_hidden_and_its_node_tests_pass) {
  char build[512], tests[512], dir[] = "/tmp/ferry-node-XXXXXX";
  char outdir_env[600], addon_env[600], rm[700];
  const char *build_argv[] = {"sh", build, NULL};
  const char *node_argv[] = {"node", "--test", tests, NULL};
  /* The addon is built without sanitizers: node itself is not built with
   * them, so the sanitizer runtime must not be inherited either. Each run
   * builds into its own directory, so runs never race on the output. */
  const char *env[] = {"ASAN_OPTIONS=", "UBSAN_OPTIONS=", "LD_PRELOAD=",
                       outdir_env, addon_env, NULL};
  int rc;

  ASSERT_NOT_NULL(mkdtemp(dir));
  snprintf(outdir_env, sizeof(outdir_env), "FERRY_NODE_BUILD_DIR=%s", dir);
  snprintf(addon_env, sizeof(addon_env), "FERRY_NODE_ADDON=%s/ferry.node", dir);
  snprintf(build, sizeof(build), "%s/../examples/node/build.sh",
           FERRY_TEST_SRCDIR);
  snprintf(tests, sizeof(tests), "%s/../examples/node/test/",
           FERRY_TEST_SRCDIR);
  rc = run_ok("build.sh", build_argv, env, NULL, NULL);
  /* node's runner ends with "# pass N" and "# fail 0" */
  if (rc == 0)
    rc = run_ok("node --test", node_argv, env, "# fail 0", "# pass 0\n");
  snprintf(rm, sizeof(rm), "rm -rf '%s'", dir);
  if (system(rm) != 0)
    rc = -1;
  ASSERT_EQ(rc, 0);
  return 0;
}

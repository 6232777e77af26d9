/* NETRC: the .netrc parser on its own (netrc.h), and NETRC / NETRC_FILE
 * through transfers against the scripted server, asserting the exact
 * Authorization each request carried. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ferry.h"
#include "fx.h"
#include "netrc.h"
#include "test.h"

/* ---- the parser -------------------------------------------------------- */

/* Look host (and login) up in text; "login:password", "-" for no match,
 * "!syntax" or "!nomem". In a static buffer per call slot. */
static const char *find(const char *text, const char *host, const char *login) {
  static char bufs[8][9000];
  static unsigned slot;
  char *b = bufs[slot++ % 8], *l = NULL, *p = NULL;
  ferry__netrc_result r =
      ferry__netrc_find(text, strlen(text), host, login, &l, &p);

  switch (r) {
  case FERRY__NETRC_FOUND:
    snprintf(b, 9000, "%s:%s", l, p);
    break;
  case FERRY__NETRC_NO_MATCH:
    snprintf(b, 9000, "-");
    break;
  case FERRY__NETRC_SYNTAX:
    snprintf(b, 9000, "!syntax");
    break;
  case FERRY__NETRC_NOMEM:
    snprintf(b, 9000, "!nomem");
    break;
  }
  if (r != FERRY__NETRC_FOUND && (l != NULL || p != NULL))
    snprintf(b, 9000, "!out set without a match");
  ferry_free(l);
  ferry_free(p);
  return b;
}

TEST_IMPL(netrc_takes_the_first_entry_for_the_host_with_credentials) {
  const char *t = "machine a.test login u password p\n"
                  "machine b.test login v password q\n"
                  "machine b.test login w password r\n";

  ASSERT_STR_EQ(find(t, "a.test", NULL), "u:p");
  ASSERT_STR_EQ(find(t, "b.test", NULL), "v:q");
  ASSERT_STR_EQ(find(t, "B.TEST", NULL), "v:q"); /* names in any case */
  ASSERT_STR_EQ(find(t, "c.test", NULL), "-");
  ASSERT_STR_EQ(find(t, "b.tes", NULL), "-");
  /* an entry without credentials is passed over */
  ASSERT_STR_EQ(find("machine h\nmachine h login x password y", "h", NULL),
                "x:y");
  ASSERT_STR_EQ(find("", "h", NULL), "-");
  return 0;
}

TEST_IMPL(netrc_login_asked_for_takes_only_that_logins_entry) {
  const char *t = "machine h login alice password a1\n"
                  "machine h login bob password b1\n"
                  "default login anon password guest\n";

  ASSERT_STR_EQ(find(t, "h", "bob"), "bob:b1");
  ASSERT_STR_EQ(find(t, "h", "alice"), "alice:a1");
  /* a login the file does not have gets nobody else's password (libcurl
   * would hand it the last one it read) */
  ASSERT_STR_EQ(find(t, "h", "carl"), "-");
  ASSERT_STR_EQ(find(t, "h", "Bob"), "-"); /* logins are exact */
  ASSERT_STR_EQ(find(t, "other", "anon"), "anon:guest");
  /* the login's entry without a password: an empty one */
  ASSERT_STR_EQ(find("machine h login bob", "h", "bob"), "bob:");
  return 0;
}

TEST_IMPL(netrc_default_matches_any_host_and_needs_credentials) {
  ASSERT_STR_EQ(find("machine a login u password p\n"
                     "default login anon password guest\n",
                     "z.test", NULL),
                "anon:guest");
  /* a default with nothing in it gives nothing */
  ASSERT_STR_EQ(find("default\n", "z.test", NULL), "-");
  ASSERT_STR_EQ(find("default machine z.test login m password n", "z.test",
                     NULL),
                "m:n");
  return 0;
}

TEST_IMPL(netrc_login_or_password_alone_gives_the_other_empty) {
  ASSERT_STR_EQ(find("machine h login onlylogin", "h", NULL), "onlylogin:");
  ASSERT_STR_EQ(find("machine h password pwonly", "h", NULL), ":pwonly");
  /* a later login or password in the entry replaces the earlier one; the
   * order within an entry does not matter */
  ASSERT_STR_EQ(find("machine h login a password b login c", "h", NULL),
                "c:b");
  ASSERT_STR_EQ(find("machine h password p login l", "h", "l"), "l:p");
  /* an entry with a login only, followed by another machine, still counts
   * (libcurl gives an empty login and password there) */
  ASSERT_STR_EQ(find("machine h login x\nmachine o login o password op", "h",
                     NULL),
                "x:");
  return 0;
}

TEST_IMPL(netrc_quoted_strings_hold_blanks_and_escapes) {
  ASSERT_STR_EQ(find("machine h login \"a b\" password \"p\\\"q\"", "h", NULL),
                "a b:p\"q");
  ASSERT_STR_EQ(find("machine h login \"\\n\\r\\t\\\\\\x\" password \"\"", "h",
                     NULL),
                "\n\r\t\\x:");
  /* a quoted host name too */
  ASSERT_STR_EQ(find("machine \"h\" login u password p", "h", NULL), "u:p");
  /* quotes only count at the start of a token */
  ASSERT_STR_EQ(find("machine h login a\"b password p", "h", NULL), "a\"b:p");
  return 0;
}

TEST_IMPL(netrc_skips_comments_macros_account_and_unknown_words) {
  ASSERT_STR_EQ(find("# machine h login c password cp\n"
                     "   # indented comment\n"
                     "machine h login d password dp # not a comment here\n",
                     "h", NULL),
                "d:dp");
  ASSERT_STR_EQ(find("macdef init\n"
                     "machine h login inside password macro\n"
                     "\n"
                     "machine h login m password mp\n",
                     "h", NULL),
                "m:mp");
  /* a macro runs to the first blank line, even one of blanks */
  ASSERT_STR_EQ(find("macdef x\nmachine h login in password side\n \t \n"
                     "machine h login after password macro",
                     "h", NULL),
                "after:macro");
  ASSERT_STR_EQ(find("machine h account login login u password p", "h",
                     NULL),
                "u:p");
  ASSERT_STR_EQ(find("MACHINE h LOGIN up PASSWORD uppw", "h", NULL),
                "up:uppw");
  ASSERT_STR_EQ(find("machine\nh\nlogin\r\nu\tpassword   p", "h", NULL),
                "u:p");
  ASSERT_STR_EQ(find("weird words machine h extra login u password p", "h",
                     NULL),
                "u:p");
  return 0;
}

TEST_IMPL(netrc_bad_quoting_and_long_tokens_are_syntax_errors) {
  char *big = malloc(FERRY__NETRC_MAX_TOKEN + 64);

  ASSERT_NOT_NULL(big);
  ASSERT_STR_EQ(find("machine h login \"unterminated password p", "h", NULL),
                "!syntax");
  ASSERT_STR_EQ(find("machine h login \"a\\", "h", NULL), "!syntax");
  /* a quoted string ends on its own line */
  ASSERT_STR_EQ(find("machine h login \"a\nb\" password p", "h", NULL),
                "!syntax");
  /* an error before the host's entry counts; the file is read only as
   * far as the entry taken (and the machine after it), as in libcurl */
  ASSERT_STR_EQ(find("machine x login \"\nmachine h login u password p", "h",
                     NULL),
                "!syntax");
  ASSERT_STR_EQ(find("machine h login u password p\nmachine x login \"", "h",
                     NULL),
                "u:p");
  /* a token of FERRY__NETRC_MAX_TOKEN bytes is fine, one more is not */
  snprintf(big, 64, "machine h login ");
  memset(big + 16, 'a', FERRY__NETRC_MAX_TOKEN);
  big[16 + FERRY__NETRC_MAX_TOKEN] = '\0';
  ASSERT_EQ(strlen(find(big, "h", NULL)), FERRY__NETRC_MAX_TOKEN + 1);
  strcat(big, "a");
  ASSERT_STR_EQ(find(big, "h", NULL), "!syntax");
  free(big);
  return 0;
}

TEST_IMPL(netrc_reads_only_len_bytes_and_nul_ends_a_token) {
  static const char text[] = "machine h login u\0x password p\0q machine";
  char *l = NULL, *p = NULL;

  /* a NUL separates tokens like a blank */
  ASSERT_EQ(ferry__netrc_find(text, sizeof(text) - 1, "h", NULL, &l, &p),
            FERRY__NETRC_FOUND);
  ASSERT_STR_EQ(l, "u");
  ASSERT_STR_EQ(p, "p");
  ferry_free(l);
  ferry_free(p);
  /* the bytes after len are not read */
  ASSERT_EQ(ferry__netrc_find("machine h login u password pXXX", 28, "h",
                              NULL, &l, &p),
            FERRY__NETRC_FOUND);
  ASSERT_STR_EQ(p, "p");
  ferry_free(l);
  ferry_free(p);
  ASSERT_EQ(ferry__netrc_find(NULL, 0, "h", NULL, &l, &p),
            FERRY__NETRC_NO_MATCH);
  ASSERT_NULL(l);
  ASSERT_NULL(p);
  return 0;
}

static long oom_count, oom_fail_at;
static int oom_fail(void) { return ++oom_count == oom_fail_at; }
static void *oom_malloc(size_t n) { return oom_fail() ? NULL : malloc(n); }
static void *oom_realloc(void *p, size_t n) {
  return oom_fail() ? NULL : realloc(p, n);
}
static char *oom_strdup(const char *s) { return oom_fail() ? NULL : strdup(s); }
static void *oom_calloc(size_t a, size_t b) {
  return oom_fail() ? NULL : calloc(a, b);
}

TEST_IMPL(netrc_each_failed_allocation_is_out_of_memory) {
  const char *t = "machine h login u password p";
  long total;

  ASSERT_EQ(ferry_global_init_mem(FERRY_GLOBAL_ALL, oom_malloc, free,
                                  oom_realloc, oom_strdup, oom_calloc),
            FERRYE_OK);
  oom_fail_at = 0;
  oom_count = 0;
  ASSERT_STR_EQ(find(t, "h", NULL), "u:p");
  total = oom_count;
  ASSERT_GE(total, 2);
  for (oom_fail_at = 1; oom_fail_at <= total; oom_fail_at++) {
    oom_count = 0;
    ASSERT_STR_EQ(find(t, "h", NULL), "!nomem");
  }
  ferry_global_cleanup();
  return 0;
}

/* ---- NETRC and NETRC_FILE in transfers ---------------------------------- */

static const char *f(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *f(const char *fmt, ...) {
  static char bufs[16][2048];
  static unsigned slot;
  char *b = bufs[slot++ % 16];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b, sizeof(bufs[0]), fmt, ap);
  va_end(ap);
  return b;
}

/* A netrc file with text, in a fresh temporary directory; the path goes to
 * path (at least 256 bytes). */
static int write_netrc(char *dir, char *path, const char *name,
                       const char *text) {
  FILE *fp;
  const char *tmp = getenv("TMPDIR");

  snprintf(dir, 200, "%s/ferry-netrc-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp(dir) == NULL)
    return -1;
  snprintf(path, 256, "%s/%s", dir, name);
  fp = fopen(path, "w");
  if (fp == NULL)
    return -1;
  fputs(text, fp);
  return fclose(fp);
}

static void remove_netrc(const char *dir, const char *path) {
  unlink(path);
  rmdir(dir);
}

/* The Authorization line of the idx-th request s framed, "" for none. */
static const char *authorization_of(tserver *s, unsigned idx) {
  static char out[512];
  size_t len;
  char *req = tserver_request(s, idx, &len), *a, *end;

  out[0] = '\0';
  if (req == NULL)
    return "(no request)";
  a = strstr(req, "\r\nAuthorization: ");
  if (a != NULL) {
    a += 2;
    end = strstr(a, "\r\n");
    snprintf(out, sizeof(out), "%.*s", (int)(end - a), a);
  }
  free(req);
  return out;
}

/* One GET of url with NETRC level and file (NULL: not set) and USERPWD
 * (NULL: not set). */
static ferry_code get_with_netrc(const char *url, long level, const char *file,
                                 const char *userpwd, char *errbuf) {
  sink body = {0};
  ferry_easy *e = fx_easy(url, &body, NULL);
  ferry_code rc;

  if (e == NULL)
    return FERRYE_OUT_OF_MEMORY;
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, errbuf);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 10000L);
  if (ferry_easy_setopt(e, FERRYOPT_NETRC, level) != FERRYE_OK ||
      (file && ferry_easy_setopt(e, FERRYOPT_NETRC_FILE, file) != FERRYE_OK) ||
      (userpwd && ferry_easy_setopt(e, FERRYOPT_USERPWD, userpwd) != FERRYE_OK))
    rc = FERRYE_BAD_FUNCTION_ARGUMENT;
  else
    rc = ferry_easy_perform(e);
  ferry_easy_cleanup(e);
  sink_free(&body);
  return rc;
}

#define BASIC_ALICE "Authorization: Basic YWxpY2U6c2VjcmV0"  /* alice:secret */
#define BASIC_BOB "Authorization: Basic Ym9iOmJvYnB3"        /* bob:bobpw */
#define BASIC_BOB_X "Authorization: Basic Ym9iOng="          /* bob:x */
#define BASIC_CARL "Authorization: Basic Y2FybDo="           /* carl: */
#define BASIC_ANON "Authorization: Basic YW5vbjpndWVzdA=="   /* anon:guest */
#define BASIC_UP "Authorization: Basic dTpw"                 /* u:p */

TEST_IMPL(netrc_optional_sends_the_files_credentials_for_the_host) {
  tserver *s = tserver_start();
  char dir[256], path[256], err[FERRY_ERROR_SIZE];
  int port;

  ASSERT_NOT_NULL(s);
  port = tserver_port(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  ASSERT_EQ(write_netrc(dir, path, "netrc",
                        "machine 127.0.0.1 login alice password secret\n"
                        "machine 127.0.0.1 login bob password bobpw\n"
                        "default login anon password guest\n"),
            0);
  /* the first entry for the host */
  ASSERT_EQ(get_with_netrc(f("http://127.0.0.1:%d/", port), 1, path, NULL,
                           err),
            FERRYE_OK);
  ASSERT_STR_EQ(authorization_of(s, 0), BASIC_ALICE);
  /* the URL's user name picks its entry */
  ASSERT_EQ(get_with_netrc(f("http://bob@127.0.0.1:%d/", port), 1, path, NULL,
                           err),
            FERRYE_OK);
  ASSERT_STR_EQ(authorization_of(s, 1), BASIC_BOB);
  /* a user name the file does not have goes without a password */
  ASSERT_EQ(get_with_netrc(f("http://carl@127.0.0.1:%d/", port), 1, path,
                           NULL, err),
            FERRYE_OK);
  ASSERT_STR_EQ(authorization_of(s, 2), BASIC_CARL);
  /* OPTIONAL: the URL's own password wins */
  ASSERT_EQ(get_with_netrc(f("http://bob:x@127.0.0.1:%d/", port), 1, path,
                           NULL, err),
            FERRYE_OK);
  ASSERT_STR_EQ(authorization_of(s, 3), BASIC_BOB_X);
  /* REQUIRED: the file's password wins */
  ASSERT_EQ(get_with_netrc(f("http://bob:x@127.0.0.1:%d/", port), 2, path,
                           NULL, err),
            FERRYE_OK);
  ASSERT_STR_EQ(authorization_of(s, 4), BASIC_BOB);
  /* USERPWD wins over the file at either level */
  ASSERT_EQ(get_with_netrc(f("http://127.0.0.1:%d/", port), 2, path, "u:p",
                           err),
            FERRYE_OK);
  ASSERT_STR_EQ(authorization_of(s, 5), BASIC_UP);
  /* IGNORED (the default) reads nothing */
  ASSERT_EQ(get_with_netrc(f("http://127.0.0.1:%d/", port), 0, path, NULL,
                           err),
            FERRYE_OK);
  ASSERT_STR_EQ(authorization_of(s, 6), "");
  /* another host name for the same server: the default entry */
  ASSERT_EQ(get_with_netrc(f("http://localhost:%d/", port), 1, path, NULL,
                           err),
            FERRYE_OK);
  ASSERT_STR_EQ(authorization_of(s, 7), BASIC_ANON);
  remove_netrc(dir, path);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(netrc_required_fails_on_a_missing_or_broken_file_optional_goes_on) {
  tserver *s = tserver_start();
  char dir[256], path[256], err[FERRY_ERROR_SIZE];
  const char *url;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  url = f("http://127.0.0.1:%d/", tserver_port(s));
  ASSERT_EQ(write_netrc(dir, path, "netrc",
                        "machine 127.0.0.1 login \"unterminated\n"),
            0);
  ASSERT_EQ(get_with_netrc(url, 2, "/nonexistent/ferry-netrc", NULL, err),
            FERRYE_READ_ERROR);
  ASSERT_STR_EQ(err, ".netrc error: no such file (/nonexistent/ferry-netrc)");
  ASSERT_EQ(get_with_netrc(url, 2, path, NULL, err), FERRYE_READ_ERROR);
  ASSERT_STR_EQ(err, f(".netrc error: syntax error (%s)", path));
  /* no request went out for those */
  ASSERT_EQ(tserver_requests(s), 0);
  /* OPTIONAL: the transfer goes on without credentials */
  ASSERT_EQ(get_with_netrc(url, 1, "/nonexistent/ferry-netrc", NULL, err),
            FERRYE_OK);
  ASSERT_STR_EQ(authorization_of(s, 0), "");
  ASSERT_EQ(get_with_netrc(url, 1, path, NULL, err), FERRYE_OK);
  ASSERT_STR_EQ(authorization_of(s, 1), "");
  /* an out-of-range level is refused at setopt */
  {
    ferry_easy *e = ferry_easy_init();
    ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_NETRC, 3L),
              FERRYE_BAD_FUNCTION_ARGUMENT);
    ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_NETRC, -1L),
              FERRYE_BAD_FUNCTION_ARGUMENT);
    ferry_easy_cleanup(e);
  }
  remove_netrc(dir, path);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(netrc_file_comes_from_netrc_env_else_home) {
  tserver *s = tserver_start();
  char dir[256], path[256], dir2[256], path2[256], err[FERRY_ERROR_SIZE];
  const char *url;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  url = f("http://127.0.0.1:%d/", tserver_port(s));
  ASSERT_EQ(write_netrc(dir, path, ".netrc",
                        "machine 127.0.0.1 login alice password secret\n"),
            0);
  ASSERT_EQ(write_netrc(dir2, path2, "other",
                        "machine 127.0.0.1 login bob password bobpw\n"),
            0);
  /* each test runs in a process of its own: the environment is ours */
  unsetenv("NETRC");
  setenv("HOME", dir, 1);
  ASSERT_EQ(get_with_netrc(url, 1, NULL, NULL, err), FERRYE_OK);
  ASSERT_STR_EQ(authorization_of(s, 0), BASIC_ALICE);
  /* $NETRC names the file (libcurl 8.16) */
  setenv("NETRC", path2, 1);
  ASSERT_EQ(get_with_netrc(url, 1, NULL, NULL, err), FERRYE_OK);
  ASSERT_STR_EQ(authorization_of(s, 1), BASIC_BOB);
  /* NETRC_FILE before both */
  ASSERT_EQ(get_with_netrc(url, 1, path, NULL, err), FERRYE_OK);
  ASSERT_STR_EQ(authorization_of(s, 2), BASIC_ALICE);
  remove_netrc(dir, path);
  remove_netrc(dir2, path2);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(netrc_credentials_go_only_to_the_host_they_are_for) {
  tserver *first = tserver_start(), *second = tserver_start();
  char dir[256], path[256], err[FERRY_ERROR_SIZE];
  ferry_slist *resolve = NULL;
  sink body = {0};
  ferry_easy *e;
  char redirect[256];
  ts_step steps[] = {FX_STEP_REQ, FX_STEP_SEND(redirect)};

  ASSERT_NOT_NULL(first);
  ASSERT_NOT_NULL(second);
  snprintf(redirect, sizeof(redirect),
           "HTTP/1.1 302 Found\r\nLocation: http://two.test:%d/next\r\n"
           "Content-Length: 0\r\n\r\n",
           tserver_port(second));
  tserver_default_script_loop(first, FX_STEPS(steps));
  tserver_respond_always(second, FX_OK_HELLO, 0);
  resolve = ferry_slist_append(resolve,
                               f("one.test:%d:127.0.0.1", tserver_port(first)));
  resolve = ferry_slist_append(resolve,
                               f("two.test:%d:127.0.0.1", tserver_port(second)));
  ASSERT_EQ(write_netrc(dir, path, "netrc",
                        "machine one.test login alice password secret\n"
                        "machine two.test login bob password bobpw\n"),
            0);
  e = fx_easy(f("http://one.test:%d/", tserver_port(first)), &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_RESOLVE, resolve);
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L);
  ferry_easy_setopt(e, FERRYOPT_NETRC, FERRY_NETRC_OPTIONAL);
  ferry_easy_setopt(e, FERRYOPT_NETRC_FILE, path);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  /* each host got its own, looked up for it */
  ASSERT_STR_EQ(authorization_of(first, 0), BASIC_ALICE);
  ASSERT_STR_EQ(authorization_of(second, 0), BASIC_BOB);
  remove_netrc(dir, path);

  /* a file with the first host only: the second gets nothing */
  ASSERT_EQ(write_netrc(dir, path, "netrc",
                        "machine one.test login alice password secret\n"),
            0);
  ferry_easy_setopt(e, FERRYOPT_NETRC_FILE, path);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_STR_EQ(authorization_of(first, 1), BASIC_ALICE);
  ASSERT_STR_EQ(authorization_of(second, 1), "");
  /* nor the first URL's user and password (as without NETRC) */
  ferry_easy_setopt(e, FERRYOPT_URL,
                    f("http://bob:x@one.test:%d/", tserver_port(first)));
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_STR_EQ(authorization_of(first, 2), BASIC_BOB_X);
  ASSERT_STR_EQ(authorization_of(second, 2), "");
  remove_netrc(dir, path);
  ferry_easy_cleanup(e);
  ferry_slist_free_all(resolve);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(first), 0);
  ASSERT_EQ(tserver_stop(second), 0);
  return 0;
}

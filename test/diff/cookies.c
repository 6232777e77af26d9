/* cookies.c - the cookie engine: COOKIE, Set-Cookie taken in and sent
 * back (paths, expiry, domains, Secure, HttpOnly, replacing, deleting),
 * COOKIEFILE from a file, COOKIELIST (Set-Cookie lines, Netscape lines,
 * SESS, ALL, FLUSH, RELOAD), CURLINFO_COOKIELIST and the COOKIEJAR file.
 *
 * Usage: diff-cookies BASE [quirks]
 * Makes a directory in $TMPDIR (or /tmp) for its files and removes it.
 * With "quirks": what libcurl does with cookies that have no domain, and
 * with a cookie deleted by the last Set-Cookie it saw (test/diff/KNOWN).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dp.h"

static void print_cookielist(CURL *e, const char *label) {
  struct curl_slist *list = NULL, *l;
  CURLcode rc = curl_easy_getinfo(e, CURLINFO_COOKIELIST, &list);

  printf("-- cookielist %s\n", label);
  if (rc != CURLE_OK) {
    dp_print_code("cookielist.result", rc);
    return;
  }
  for (l = list; l; l = l->next)
    dp_print_escaped("cookie", l->data, strlen(l->data));
  curl_slist_free_all(list);
}

/* The jar's lines: comments (the library's own words) apart from the
 * cookies ("#HttpOnly_" starts a cookie line, not a comment). */
static void print_file(const char *path, const char *what) {
  char line[1024];
  FILE *f = fopen(path, "r");

  printf("-- file %s\n", what);
  if (f == NULL) {
    printf("file.missing: yes\n");
    return;
  }
  while (fgets(line, sizeof(line), f) != NULL)
    dp_print_escaped(line[0] == '#' && strncmp(line, "#HttpOnly_", 10) != 0
                         ? "file.comment"
                         : "file.line",
                     line, strlen(line));
  fclose(f);
}

/* Cookies with no domain (a Set-Cookie line given to COOKIELIST or read
 * from a file), and a deletion that is the last cookie news. */
static void quirks(const char *base, const char *in, dp_rec *rec) {
  CURL *e = dp_easy(rec);
  FILE *f;

  curl_easy_setopt(e, CURLOPT_COOKIEFILE, "");
  curl_easy_setopt(e, CURLOPT_COOKIELIST, "Set-Cookie: nodomain=1; Path=/");
  print_cookielist(e, "after a Set-Cookie line with no domain");
  curl_easy_setopt(e, CURLOPT_URL, dp_url(base, "/check"));
  dp_perform("a cookie with no domain", e, rec);
  curl_easy_setopt(e, CURLOPT_COOKIELIST, "ALL");
  curl_easy_setopt(e, CURLOPT_URL, dp_url(base, "/set"));
  dp_perform("cookies set", e, rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(base, "/delete-last"));
  dp_perform("s1 deleted by Max-Age=0, nothing set after it", e, rec);
  print_cookielist(e, "after the deletion");
  curl_easy_cleanup(e);

  f = fopen(in, "w");
  if (f == NULL)
    dp_fatal("fopen");
  fputs("Set-Cookie: fromheaderline=1; Path=/\n", f);
  fclose(f);
  e = dp_easy(rec);
  curl_easy_setopt(e, CURLOPT_COOKIEFILE, in);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(base, "/check"));
  dp_perform("a Set-Cookie line with no domain in a cookie file", e, rec);
  print_cookielist(e, "from the file");
  curl_easy_cleanup(e);
}

int main(int argc, char **argv) {
  dp_rec rec = {0};
  const char *tmp = getenv("TMPDIR");
  char dir[512], jar[600], in[600];
  FILE *f;
  CURL *e;

  if (argc < 2)
    return 2;
  snprintf(dir, sizeof(dir), "%s/diff-cookies-XXXXXX",
           tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp(dir) == NULL)
    dp_fatal("mkdtemp");
  snprintf(jar, sizeof(jar), "%s/jar.txt", dir);
  snprintf(in, sizeof(in), "%s/in.txt", dir);
  dp_start();
  if (argc > 2 && strcmp(argv[2], "quirks") == 0) {
    quirks(argv[1], in, &rec);
    unlink(in);
    rmdir(dir);
    dp_rec_free(&rec);
    return dp_finish();
  }

  /* COOKIE alone: sent as given, no engine. */
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/set"));
  curl_easy_setopt(e, CURLOPT_COOKIE, "a=1; b=2");
  dp_perform("COOKIE without the engine", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/check"));
  dp_perform("after Set-Cookie, still no engine", e, &rec);
  print_cookielist(e, "without the engine");

  /* The engine on: cookies come back. */
  curl_easy_setopt(e, CURLOPT_COOKIEFILE, "");
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/set"));
  dp_perform("Set-Cookie with the engine", e, &rec);
  print_cookielist(e, "after /set");
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/check"));
  dp_perform("cookies for /check, with COOKIE too", e, &rec);
  curl_easy_setopt(e, CURLOPT_COOKIE, NULL);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/other/deeper"));
  dp_perform("cookies for /other/deeper", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/replace"));
  dp_perform("Set-Cookie replacing and deleting", e, &rec);
  print_cookielist(e, "after /replace");
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/check"));
  dp_perform("cookies for /check after /replace", e, &rec);

  /* COOKIELIST commands. */
  curl_easy_setopt(e, CURLOPT_COOKIELIST,
                   "Set-Cookie: added=1; Domain=127.0.0.1; Path=/");
  curl_easy_setopt(e, CURLOPT_COOKIELIST,
                   "127.0.0.1\tFALSE\t/check\tFALSE\t0\tns\tline");
  curl_easy_setopt(e, CURLOPT_COOKIELIST,
                   ".example.com\tTRUE\t/\tFALSE\t4000000000\telse\twhere");
  print_cookielist(e, "after COOKIELIST adds");
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/check"));
  dp_perform("cookies for /check after COOKIELIST", e, &rec);
  curl_easy_setopt(e, CURLOPT_COOKIELIST, "SESS");
  print_cookielist(e, "after SESS");
  curl_easy_setopt(e, CURLOPT_COOKIEJAR, jar);
  curl_easy_setopt(e, CURLOPT_COOKIELIST, "FLUSH");
  print_file(jar, "jar after FLUSH");
  curl_easy_setopt(e, CURLOPT_COOKIELIST, "ALL");
  print_cookielist(e, "after ALL");
  curl_easy_cleanup(e);
  print_file(jar, "jar after cleanup");
  unlink(jar);

  /* COOKIEFILE from a file, then the jar at cleanup. */
  f = fopen(in, "w");
  if (f == NULL)
    dp_fatal("fopen");
  fputs("# a comment\n"
        "127.0.0.1\tFALSE\t/\tFALSE\t4102444800\tfromfile\t1\n"
        "#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t4102444800\thonly\t2\n"
        "127.0.0.1\tFALSE\t/nope\tFALSE\t4102444800\tnotsent\t3\n"
        "127.0.0.1\tFALSE\t/\tFALSE\t1000\texpired\t4\n"
        "malformed line\n"
        "Set-Cookie: header=style; Domain=127.0.0.1; Path=/\n",
        f);
  fclose(f);
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_COOKIEFILE, in);
  curl_easy_setopt(e, CURLOPT_COOKIEJAR, jar);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/check"));
  dp_perform("COOKIEFILE from a file", e, &rec);
  print_cookielist(e, "from the file");
  curl_easy_setopt(e, CURLOPT_COOKIELIST, "ALL");
  curl_easy_setopt(e, CURLOPT_COOKIELIST, "RELOAD");
  print_cookielist(e, "after ALL and RELOAD");
  curl_easy_setopt(e, CURLOPT_COOKIESESSION, 1L);
  curl_easy_cleanup(e);
  print_file(jar, "jar at cleanup");

  unlink(jar);
  unlink(in);
  rmdir(dir);
  dp_rec_free(&rec);
  return dp_finish();
}

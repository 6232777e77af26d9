/* share.c - the share interface: curl_share_setopt's and
 * curl_share_cleanup's answers (errors, in use), cookies shared between
 * two handles (a handle's own jar dropped when it attaches, none after it
 * detaches), DNS shared (RESOLVE entries of one handle serve another),
 * connections shared between two curl_easy_perform handles, and the lock
 * callbacks: which kinds of data were locked, and that every lock had its
 * unlock (how often each is called is each library's own).
 *
 * Usage: diff-share BASE AUTHORITY
 * BASE is http://127.0.0.1:PORT, AUTHORITY 127.0.0.1:PORT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp.h"

static const char *const data_names[] = {"NONE", "SHARE", "COOKIE", "DNS",
                                         "SSL_SESSION", "CONNECT", "PSL",
                                         "HSTS"};
#define N_DATA (sizeof(data_names) / sizeof(data_names[0]))

/* What the lock callbacks saw. */
static struct {
  unsigned locked[N_DATA];   /* locks of each kind */
  int held[N_DATA];
  unsigned unbalanced;       /* an unlock of what was not locked */
  unsigned bad_access;       /* an access that is neither SHARED nor SINGLE */
} seen;

static void on_lock(CURL *e, curl_lock_data data, curl_lock_access access,
                    void *userp) {
  (void)e;
  (void)userp;
  if ((unsigned)data >= N_DATA)
    return;
  if (access != CURL_LOCK_ACCESS_SHARED && access != CURL_LOCK_ACCESS_SINGLE)
    seen.bad_access++;
  seen.locked[data]++;
  seen.held[data]++;
}

static void on_unlock(CURL *e, curl_lock_data data, void *userp) {
  (void)e;
  (void)userp;
  if ((unsigned)data >= N_DATA)
    return;
  if (seen.held[data] != 1)
    seen.unbalanced++;
  seen.held[data] = 0;
}

static void print_locks(const char *label) {
  printf("-- locks %s\n", label);
  for (unsigned i = 1; i < N_DATA; i++)
    printf("lock.%s: %s\n", data_names[i], seen.locked[i] ? "used" : "unused");
  printf("lock.unbalanced: %u\n", seen.unbalanced);
  printf("lock.bad_access: %u\n", seen.bad_access);
  for (unsigned i = 0; i < N_DATA; i++)
    if (seen.held[i])
      printf("lock.still_held: %s\n", data_names[i]);
  memset(&seen, 0, sizeof(seen));
}

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

static void shcode(const char *key, CURLSHcode sc) {
  printf("%s: %d\n", key, (int)sc);
}

static void errors(void) {
  CURLSH *sh = curl_share_init();
  CURL *e = curl_easy_init();

  if (sh == NULL || e == NULL)
    dp_fatal("init");
  printf("-- errors\n");
  shcode("setopt.null", curl_share_setopt(NULL, CURLSHOPT_SHARE,
                                          CURL_LOCK_DATA_DNS));
  shcode("cleanup.null", curl_share_cleanup(NULL));
  shcode("share.none", curl_share_setopt(sh, CURLSHOPT_SHARE,
                                         CURL_LOCK_DATA_NONE));
  shcode("share.share", curl_share_setopt(sh, CURLSHOPT_SHARE,
                                          CURL_LOCK_DATA_SHARE));
  shcode("share.99", curl_share_setopt(sh, CURLSHOPT_SHARE, 99));
  shcode("unshare.none", curl_share_setopt(sh, CURLSHOPT_UNSHARE,
                                           CURL_LOCK_DATA_NONE));
  shcode("unshare.99", curl_share_setopt(sh, CURLSHOPT_UNSHARE, 99));
  shcode("option.none", curl_share_setopt(sh, CURLSHOPT_NONE, 0));
  shcode("option.99", curl_share_setopt(sh, (CURLSHoption)99, 0));
  shcode("share.cookie", curl_share_setopt(sh, CURLSHOPT_SHARE,
                                           CURL_LOCK_DATA_COOKIE));
  shcode("share.cookie.again", curl_share_setopt(sh, CURLSHOPT_SHARE,
                                                 CURL_LOCK_DATA_COOKIE));
  shcode("unshare.dns.not_shared", curl_share_setopt(sh, CURLSHOPT_UNSHARE,
                                                     CURL_LOCK_DATA_DNS));
  dp_print_code("easy.setopt.share", curl_easy_setopt(e, CURLOPT_SHARE, sh));
  shcode("in_use.share", curl_share_setopt(sh, CURLSHOPT_SHARE,
                                           CURL_LOCK_DATA_DNS));
  shcode("in_use.unshare", curl_share_setopt(sh, CURLSHOPT_UNSHARE,
                                             CURL_LOCK_DATA_COOKIE));
  shcode("in_use.userdata", curl_share_setopt(sh, CURLSHOPT_USERDATA, NULL));
  shcode("in_use.option.99", curl_share_setopt(sh, (CURLSHoption)99, 0));
  shcode("in_use.cleanup", curl_share_cleanup(sh));
  /* a copy of the handle does not use the share; a reset keeps it */
  {
    CURL *d = curl_easy_duphandle(e);
    if (d == NULL)
      dp_fatal("duphandle");
    curl_easy_cleanup(e);
    shcode("after_original_cleanup.userdata",
           curl_share_setopt(sh, CURLSHOPT_USERDATA, NULL));
    e = d;
  }
  dp_print_code("easy.setopt.share.again", curl_easy_setopt(e, CURLOPT_SHARE,
                                                            sh));
  curl_easy_reset(e);
  shcode("after_reset.userdata", curl_share_setopt(sh, CURLSHOPT_USERDATA,
                                                   NULL));
  dp_print_code("easy.setopt.share.null", curl_easy_setopt(e, CURLOPT_SHARE,
                                                           NULL));
  shcode("detached.userdata", curl_share_setopt(sh, CURLSHOPT_USERDATA, NULL));
  curl_easy_cleanup(e);
  shcode("cleanup", curl_share_cleanup(sh));
}

static CURLSH *new_share(int with_locks, int n, const curl_lock_data *kinds) {
  CURLSH *sh = curl_share_init();
  if (sh == NULL)
    dp_fatal("curl_share_init");
  for (int i = 0; i < n; i++)
    if (curl_share_setopt(sh, CURLSHOPT_SHARE, kinds[i]) != CURLSHE_OK)
      dp_fatal("curl_share_setopt SHARE");
  if (with_locks &&
      (curl_share_setopt(sh, CURLSHOPT_LOCKFUNC, on_lock) != CURLSHE_OK ||
       curl_share_setopt(sh, CURLSHOPT_UNLOCKFUNC, on_unlock) != CURLSHE_OK))
    dp_fatal("curl_share_setopt LOCKFUNC");
  return sh;
}

static void cookies(const char *base, dp_rec *rec) {
  static const curl_lock_data kinds[] = {CURL_LOCK_DATA_COOKIE};
  CURLSH *sh = new_share(1, 1, kinds);
  CURL *a = dp_easy(rec), *b = dp_easy(rec);

  printf("-- cookies\n");
  curl_easy_setopt(a, CURLOPT_COOKIELIST,
                   "Set-Cookie: own=1; domain=127.0.0.1; path=/");
  print_cookielist(a, "own jar before attaching");
  curl_easy_setopt(a, CURLOPT_SHARE, sh);
  print_cookielist(a, "attached: the share's jar");
  curl_easy_setopt(a, CURLOPT_URL, dp_url(base, "/set"));
  dp_perform("a sets a cookie", a, rec);
  curl_easy_setopt(b, CURLOPT_SHARE, sh);
  curl_easy_setopt(b, CURLOPT_URL, dp_url(base, "/check"));
  dp_perform("b, its cookie engine off, sends none", b, rec);
  print_cookielist(b, "b sees the share's jar");
  curl_easy_setopt(b, CURLOPT_URL, dp_url(base, "/set2"));
  dp_perform("b, its cookie engine off, takes none", b, rec);
  print_cookielist(b, "b took nothing");
  curl_easy_setopt(b, CURLOPT_COOKIEFILE, "");
  curl_easy_setopt(b, CURLOPT_URL, dp_url(base, "/check"));
  dp_perform("b, its engine on, sends it", b, rec);
  curl_easy_setopt(b, CURLOPT_COOKIELIST, "ALL");
  print_cookielist(a, "a after b's ALL");
  curl_easy_setopt(a, CURLOPT_URL, dp_url(base, "/set"));
  dp_perform("a sets it again", a, rec);
  curl_easy_setopt(b, CURLOPT_SHARE, NULL);
  print_cookielist(b, "b detached");
  dp_perform("b detached sends none", b, rec);
  curl_easy_cleanup(a);
  curl_easy_cleanup(b);
  print_locks("cookies");
  shcode("cookies.cleanup", curl_share_cleanup(sh));
  memset(&seen, 0, sizeof(seen));
}

static void dns(const char *base, const char *authority, dp_rec *rec) {
  static const curl_lock_data kinds[] = {CURL_LOCK_DATA_DNS};
  CURLSH *sh = new_share(1, 1, kinds);
  CURL *a = dp_easy(rec), *b = dp_easy(rec);
  const char *port = strrchr(authority, ':');
  struct curl_slist *resolve = NULL;
  char entry[128], url[128];

  (void)base;
  if (port == NULL)
    dp_fatal("authority");
  printf("-- dns\n");
  /* a's RESOLVE entry goes into the shared cache; b, without one, uses it
   * (the name would never resolve otherwise) */
  snprintf(entry, sizeof(entry), "shared.invalid%s:127.0.0.1", port);
  resolve = curl_slist_append(resolve, entry);
  snprintf(url, sizeof(url), "http://shared.invalid%s/dns", port);
  curl_easy_setopt(a, CURLOPT_SHARE, sh);
  curl_easy_setopt(a, CURLOPT_RESOLVE, resolve);
  curl_easy_setopt(a, CURLOPT_URL, url);
  curl_easy_setopt(a, CURLOPT_FORBID_REUSE, 1L);
  dp_perform("a with RESOLVE", a, rec);
  curl_easy_setopt(b, CURLOPT_SHARE, sh);
  curl_easy_setopt(b, CURLOPT_URL, url);
  curl_easy_setopt(b, CURLOPT_FORBID_REUSE, 1L);
  dp_perform("b finds the name in the share", b, rec);
  curl_easy_cleanup(a);
  curl_easy_cleanup(b);
  curl_slist_free_all(resolve);
  print_locks("dns");
  shcode("dns.cleanup", curl_share_cleanup(sh));
  memset(&seen, 0, sizeof(seen));
}

static void connections(const char *base, dp_rec *rec) {
  static const curl_lock_data kinds[] = {CURL_LOCK_DATA_CONNECT};
  CURLSH *sh = new_share(1, 1, kinds);
  CURL *a = dp_easy(rec), *b = dp_easy(rec), *c = dp_easy(rec);

  printf("-- connections\n");
  curl_easy_setopt(a, CURLOPT_SHARE, sh);
  curl_easy_setopt(b, CURLOPT_SHARE, sh);
  curl_easy_setopt(a, CURLOPT_URL, dp_url(base, "/conn-a"));
  curl_easy_setopt(b, CURLOPT_URL, dp_url(base, "/conn-b"));
  curl_easy_setopt(c, CURLOPT_URL, dp_url(base, "/conn-c"));
  dp_perform("a makes a connection", a, rec);
  dp_perform("b reuses it", b, rec);
  dp_perform("a reuses it again", a, rec);
  dp_perform("c without the share makes its own", c, rec);
  curl_easy_cleanup(a);
  curl_easy_cleanup(b);
  curl_easy_cleanup(c);
  print_locks("connections");
  shcode("connections.cleanup", curl_share_cleanup(sh));
  memset(&seen, 0, sizeof(seen));
}

int main(int argc, char **argv) {
  dp_rec rec;

  if (argc < 3) {
    fprintf(stderr, "usage: diff-share BASE AUTHORITY\n");
    return 2;
  }
  dp_start();
  memset(&rec, 0, sizeof(rec));
  errors();
  cookies(argv[1], &rec);
  dns(argv[1], argv[2], &rec);
  connections(argv[1], &rec);
  dp_rec_free(&rec);
  return dp_finish();
}

/* urls.c - how a transfer reads its URLs: CURLOPT_URL in many forms (the
 * host's case, one to four slashes, logins with '@', ':' and escapes,
 * spaces and control bytes, IPv4 in hex, octal and short forms, trailing
 * dots, escaped hosts, IPv6 literals and zone ids, ports, empty queries
 * and fragments, dot segments, guessed schemes), PATH_AS_IS, connection
 * reuse across a host's case, cookies and HSTS against a host's case,
 * redirect Locations in the same forms (followed, and as REDIRECT_URL),
 * and proxy URLs.
 *
 * The server echoes each request's request line and Host header line as
 * its body, so the report shows what it saw; CURLINFO_EFFECTIVE_URL and
 * the result come with every transfer. CONNECT_TO sends every host and
 * port of the direct transfers to the server, so no name is ever looked
 * up.
 *
 * Usage: diff-urls BASE REFUSED FIRST COUNT [libcurl8]
 * REFUSED is a base nobody listens on. The server answers /dir/locN?old
 * with a 302 and a Location each (test/test-diff.c's diff_urls lists
 * them); the program follows those from FIRST to FIRST + COUNT - 1. With
 * "libcurl8": only the URLs libcurl 8 reads otherwise than 7.88
 * (test/diff/KNOWN), and nothing else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp.h"

/* "HOST:PORT" of a base "http://HOST:PORT". */
static const char *authority_of(const char *base) {
  const char *p = strstr(base, "://");
  return p ? p + 3 : base;
}

/* A CONNECT_TO list that sends every host and port to base's server. */
static struct curl_slist *connect_to(const char *base) {
  char entry[128];
  struct curl_slist *l;

  snprintf(entry, sizeof(entry), "::%s", authority_of(base));
  l = curl_slist_append(NULL, entry);
  if (l == NULL)
    dp_fatal("out of memory");
  return l;
}

/* One transfer on a fresh handle; url may hold "$A" for the server's
 * authority. */
static void one_url(const char *url, struct curl_slist *to, dp_rec *rec,
                    long path_as_is) {
  char label[512];
  CURL *e = dp_easy(rec);

  curl_easy_setopt(e, CURLOPT_CONNECT_TO, to);
  curl_easy_setopt(e, CURLOPT_PATH_AS_IS, path_as_is);
  dp_print_code("setopt.url", curl_easy_setopt(e, CURLOPT_URL, url));
  snprintf(label, sizeof(label), "URL%s ", path_as_is ? " PATH_AS_IS" : "");
  {
    size_t n = strlen(label);
    for (const char *p = url; *p && n + 5 < sizeof(label); p++) {
      unsigned char c = (unsigned char)*p;
      if (c < 0x20 || c >= 0x7f || c == '\\')
        n += (size_t)snprintf(label + n, sizeof(label) - n, "\\x%02x", c);
      else
        label[n++] = (char)c;
    }
    label[n] = '\0';
  }
  dp_perform(label, e, rec);
  curl_easy_cleanup(e);
}

static void print_cookielist(CURL *e) {
  struct curl_slist *list = NULL, *l;
  CURLcode rc = curl_easy_getinfo(e, CURLINFO_COOKIELIST, &list);

  if (rc != CURLE_OK) {
    dp_print_code("cookielist.result", rc);
    return;
  }
  for (l = list; l; l = l->next)
    dp_print_escaped("cookie", l->data, strlen(l->data));
  curl_slist_free_all(list);
}

/* A transfer that HSTS sends to https, where nobody listens: only its
 * result and the URL it went to are printed (the rest is how a refused
 * connection is reported, test/diff/errors.c's matter). */
static void perform_hsts(const char *label, CURL *e, dp_rec *rec) {
  CURLcode rc = curl_easy_perform(e);
  char *url = NULL;

  printf("== %s\n", label);
  dp_print_code("result", rc);
  curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url);
  dp_print_escaped("info.effective_url", url, url ? strlen(url) : 0);
  dp_rec_reset(rec);
}

/* The HSTS cache HSTSREADFUNCTION fills: one host, in mixed case. */
static CURLSTScode hsts_read(CURL *e, struct curl_hstsentry *entry,
                             void *userp) {
  int *calls = userp;

  (void)e;
  if ((*calls)++ > 0)
    return CURLSTS_DONE;
  snprintf(entry->name, entry->namelen, "%s", "HsTs.Example");
  entry->includeSubDomains = 0;
  snprintf(entry->expire, sizeof(entry->expire), "%s", "20991231 00:00:00");
  return CURLSTS_OK;
}

int main(int argc, char **argv) {
  static const char *const urls[] = {
      /* the host's and the scheme's case */
      "http://MiXeD.Example/case",
      "HTTP://MiXeD.Example/upper-scheme",
      "hTTp://127.0.0.1/mixed-scheme",
      "MiXeD.Example/guessed-scheme",
      "MiXeD.Example:8080/guessed-with-port",
      "//MiXeD.Example/no-scheme-two-slashes",
      /* slashes */
      "http:/MiXeD.Example/one-slash",
      "http:///MiXeD.Example/three-slashes",
      "http:////MiXeD.Example/four-slashes",
      "http:MiXeD.Example/no-slash",
      "http://",
      "http:///",
      "http:/",
      /* logins */
      "http://a@b@MiXeD.Example/two-ats",
      "http://user:pa%40ss@MiXeD.Example/escaped-at",
      "http://user:pa:ss@host.example/colon-in-password",
      "http://us%0Der:pw@host.example/cr-in-user",
      "http://user:p%0Aw@host.example/lf-in-password",
      "http://us%00er:pw@host.example/nul-in-user",
      "http://:pw@host.example/empty-user",
      "http://user@host.example/no-password",
      "http://user:@host.example/empty-password",
      "http://@host.example/empty-login",
      "http://u;opt@host.example/semicolon",
      "http://us%zzer@host.example/bad-escape-in-user",
      /* spaces and control bytes */
      "http://host.example/a b",
      "http://host.example/a\tb",
      " http://host.example/leading-space",
      "http://host.example/trailing-space ",
      "http://host.example/del\x7f",
      "http://host.example/q?a b",
      "http://host.example/f#a b",
      "http://host.example/caf\xc3\xa9?q=\xc3\xa9#\xc3\xa9",
      /* IPv4 */
      "http://0x7f.1/ipv4-hex",
      "http://127.1/ipv4-short",
      "http://2130706433/ipv4-number",
      "http://0177.0.0.01/ipv4-octal",
      "http://0x7F.0X0.0.1/ipv4-hex-case",
      "http://127.0.0.1./ipv4-trailing-dot",
      "http://256.1.1.1/not-ipv4",
      "http://1.2.3.4.5/five-parts",
      "http://08.1/bad-octal",
      "http://0x/hex-no-digits",
      "http://4294967296/too-big",
      /* names */
      "http://MiXeD.Example./name-trailing-dot",
      "http://%4DiXeD.Example/escaped-host",
      "http://%31%32%37.0.0.1/escaped-ipv4",
      "http://ex%2Fample/escaped-slash-in-host",
      "http://ex%00ample/escaped-nul-in-host",
      "http://h%20st/escaped-space-in-host",
      "http://exa_mple/underscore",
      "http://ex!ample/bang",
      "http://ex$ample/dollar",
      "http://host.example\\back/backslash-in-host",
      "http://-lead.example/dash",
      "http://a..b/double-dot",
      "http://./dot-host",
      /* IPv6 */
      "http://[::1]/ipv6",
      "http://[0:0:0:0:0:0:0:1]/ipv6-long",
      "http://[::FFFF:127.0.0.1]/ipv6-mapped",
      "http://[::1%25lo]/zone",
      "http://[::1%lo]/zone-bare-percent",
      "http://[FE80::1]:8080/ipv6-port",
      "http://[::1/unclosed",
      "http://[::1]x/junk",
      "http://[1.2.3.4]/v4-in-brackets",
      "http://[::g]/bad-hex",
      "http://[]/empty",
      /* ports */
      "http://host.example:80/default-port",
      "http://host.example:0080/leading-zeros",
      "http://host.example:/empty-port",
      "http://host.example:8080/port",
      "http://host.example:65535/max-port",
      "http://host.example:65536/too-big",
      "http://host.example:0/zero",
      "http://host.example:8x/junk",
      "http://host.example:-1/minus",
      "http://host.example:+1/plus",
      "http://host.example:1:2/two-colons",
      /* query and fragment */
      "http://host.example/p#frag",
      "http://host.example/p#",
      "http://host.example/p??",
      "http://host.example/p?a=1&b=2#f?g",
      "http://host.example?q=1",
      "http://host.example#f",
      "http://host.example",
      "http://host.example/p#f#g",
      /* the path */
      "http://host.example/a/../b",
      "http://host.example/a/./b/.",
      "http://host.example/../../x",
      "http://host.example/a/%2e%2e/b",
      "http://host.example/a/%2E/b",
      "http://host.example/a/b/..",
      "http://host.example/%7e%7E%2f",
      "http://host.example/p?x=/../y",
      "http://host.example/a/..?q",
      "http://host.example/back\\slash",
      "http://host.example//double//slash",
      "http://host.example/.hidden/..more",
      "http://host.example/%",
      /* schemes */
      "nosuch://host.example/",
      "ht%74p://host.example/",
  };
  /* What libcurl 8 (8.11) reads otherwise than 7.88 (test/diff/KNOWN). */
  static const char *const urls8[] = {
      "http://ex%zzample/bad-escape-in-host",
      "http://host.example/p?#",
      "http://host.example/p?",
      "1http://host.example/",
  };
  static const char *const proxies[] = {
      "$A",
      "http://$A",
      "HTTP://$A/",
      "http:/$A",
      "http:///$A",
      "http://u:p%40w@$A",
      "http://a@b@$A",
      "http://$A/#frag",
      "http://$A?q",
  };
  static const char *const via_proxy[] = {
      "http://MiXeD.Example:8080/via?q#f",
      "http://MiXeD.Example/a/../b?",
      "http://[::1]:8080/v6",
      "http://u:p@MiXeD.Example/cred",
      "http://0x7f.1/hex",
  };
  dp_rec rec = {0};
  struct curl_slist *to;
  unsigned long first, last;
  int libcurl8;
  CURL *e;

  if (argc < 5)
    return 2;
  first = strtoul(argv[3], NULL, 10);
  last = first + strtoul(argv[4], NULL, 10);
  libcurl8 = argc > 5 && strcmp(argv[5], "libcurl8") == 0;
  dp_start();
  to = connect_to(argv[1]);

  printf("---- CURLOPT_URL\n");
  if (libcurl8) {
    for (size_t i = 0; i < sizeof(urls8) / sizeof(urls8[0]); i++)
      one_url(urls8[i], to, &rec, 0);
    goto locations;
  }
  for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
    one_url(urls[i], to, &rec, 0);
  one_url("http://host.example/a/../b/./c", to, &rec, 1);
  one_url("http://host.example/%2e%2e/x", to, &rec, 1);

  printf("---- connection reuse across a host's case\n");
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_CONNECT_TO, to);
  curl_easy_setopt(e, CURLOPT_URL, "http://MiXeD.Example/r1");
  dp_perform("reuse: first", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, "http://mixed.example/r2");
  dp_perform("reuse: lower case", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, "http://MIXED.EXAMPLE:80/r3");
  dp_perform("reuse: upper case, the default port named", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, "http://127.0.0.1/r4");
  dp_perform("reuse: another host", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, "http://0x7f.0.0.1/r5");
  dp_perform("reuse: the same address in hex", e, &rec);
  curl_easy_cleanup(e);

  printf("---- cookies and a host's case\n");
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_CONNECT_TO, to);
  curl_easy_setopt(e, CURLOPT_COOKIEFILE, "");
  curl_easy_setopt(e, CURLOPT_URL, "http://MiXeD.Example/setc");
  dp_perform("cookies: set by MiXeD.Example", e, &rec);
  print_cookielist(e);
  curl_easy_setopt(e, CURLOPT_URL, "http://mixed.example/getc");
  dp_perform("cookies: sent to mixed.example", e, &rec);
  curl_easy_setopt(e, CURLOPT_URL, "http://www.MIXED.example/getc");
  dp_perform("cookies: sent to www.MIXED.example", e, &rec);
  curl_easy_cleanup(e);

  printf("---- HSTS and a host's case\n");
  {
    struct curl_slist *refused = connect_to(argv[2]);
    int calls = 0;
    e = dp_easy(&rec);
    curl_easy_setopt(e, CURLOPT_CONNECT_TO, refused);
    curl_easy_setopt(e, CURLOPT_HSTSREADFUNCTION, hsts_read);
    curl_easy_setopt(e, CURLOPT_HSTSREADDATA, &calls);
    curl_easy_setopt(e, CURLOPT_HSTS_CTRL, (long)CURLHSTS_ENABLE);
    curl_easy_setopt(e, CURLOPT_URL, "http://hsts.EXAMPLE/upgraded");
    perform_hsts("HSTS: a known host in another case", e, &rec);
    curl_easy_setopt(e, CURLOPT_URL, "http://HSTS.example./upgraded-dot");
    perform_hsts("HSTS: with a trailing dot", e, &rec);
    curl_easy_setopt(e, CURLOPT_URL, "http://other.example:8080/not-upgraded");
    perform_hsts("HSTS: another host", e, &rec);
    curl_easy_cleanup(e);
    curl_slist_free_all(refused);
  }

locations:
  printf("---- redirect Locations, followed\n");
  for (unsigned long i = first; i < last; i++) {
    char url[64], label[64];
    snprintf(url, sizeof(url), "http://Base.Example/dir/loc%lu?old#oldfrag",
             i);
    snprintf(label, sizeof(label), "Location %lu followed", i);
    e = dp_easy(&rec);
    curl_easy_setopt(e, CURLOPT_CONNECT_TO, to);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(e, CURLOPT_URL, url);
    dp_perform(label, e, &rec);
    curl_easy_cleanup(e);
  }

  printf("---- redirect Locations, not followed\n");
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_CONNECT_TO, to);
  for (unsigned long i = first; i < last; i++) {
    char url[64], label[64];
    snprintf(url, sizeof(url), "http://Base.Example/dir/loc%lu?old#oldfrag",
             i);
    snprintf(label, sizeof(label), "Location %lu as REDIRECT_URL", i);
    curl_easy_setopt(e, CURLOPT_URL, url);
    dp_perform(label, e, &rec);
  }
  curl_easy_cleanup(e);
  if (libcurl8)
    goto done;

  printf("---- proxies\n");
  for (size_t i = 0; i < sizeof(proxies) / sizeof(proxies[0]); i++) {
    const char *at = strstr(proxies[i], "$A");
    char proxy[256], label[300];
    snprintf(proxy, sizeof(proxy), "%.*s%s%s", (int)(at - proxies[i]),
             proxies[i], authority_of(argv[1]), at + 2);
    for (size_t j = 0; j < sizeof(via_proxy) / sizeof(via_proxy[0]); j++) {
      if (i > 0 && j > 0)
        continue; /* every URL through one proxy, one URL through each */
      e = dp_easy(&rec);
      dp_print_escaped("proxy", proxy, strlen(proxy));
      dp_print_code("setopt.proxy", curl_easy_setopt(e, CURLOPT_PROXY, proxy));
      curl_easy_setopt(e, CURLOPT_URL, via_proxy[j]);
      snprintf(label, sizeof(label), "proxy %zu, URL %zu", i, j);
      dp_perform(label, e, &rec);
      curl_easy_cleanup(e);
    }
  }

done:
  curl_slist_free_all(to);
  dp_rec_free(&rec);
  return dp_finish();
}

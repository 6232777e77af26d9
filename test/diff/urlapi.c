/* urlapi.c - the URL API on a table of inputs: curl_url_set of a whole
 * URL (alone and over a base, with flags), every part read back with and
 * without decoding, single parts set and the URL rebuilt, and the error
 * codes. No server. Only http and https URLs are parsed without
 * CURLU_NON_SUPPORT_SCHEME: ferry supports no other scheme.
 *
 * Usage: diff-urlapi [libcurl8]
 * With "libcurl8": the inputs where libcurl 8 changed what 7.88 did
 * (test/diff/KNOWN): a reference that is only a fragment ("#s"), an empty
 * query, a URL with a space or a control byte (without
 * CURLU_ALLOW_SPACE, CURLU_URLENCODE included), the empty URL, a
 * scheme set that does not start with a letter, the default port of ws:
 * (WebSockets, built in by default since libcurl 8.11), and a host set
 * with a percent-escape or an IPv6 address (kept as given).
 */
#include <stdio.h>
#include <string.h>

#include "dp.h"

static const struct {
  CURLUPart part;
  const char *name;
} parts[] = {
    {CURLUPART_URL, "url"},       {CURLUPART_SCHEME, "scheme"},
    {CURLUPART_USER, "user"},     {CURLUPART_PASSWORD, "password"},
    {CURLUPART_OPTIONS, "options"}, {CURLUPART_HOST, "host"},
    {CURLUPART_ZONEID, "zoneid"}, {CURLUPART_PORT, "port"},
    {CURLUPART_PATH, "path"},     {CURLUPART_QUERY, "query"},
    {CURLUPART_FRAGMENT, "fragment"},
};

static void print_parts(CURLU *u, unsigned int flags, const char *how) {
  for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
    char *v = NULL;
    char key[64];
    CURLUcode uc = curl_url_get(u, parts[i].part, &v, flags);
    snprintf(key, sizeof(key), "%s.%s", how, parts[i].name);
    if (uc != CURLUE_OK)
      printf("%s: error %d\n", key, (int)uc);
    else
      dp_print_escaped(key, v, strlen(v));
    curl_free(v);
  }
}

static void try_url(const char *base, const char *url, unsigned int flags) {
  CURLU *u = curl_url();
  CURLUcode uc;

  if (u == NULL)
    dp_fatal("curl_url");
  printf("== set url %s", url);
  if (base)
    printf(" over %s", base);
  printf(" flags=0x%x\n", flags);
  if (base != NULL) {
    uc = curl_url_set(u, CURLUPART_URL, base, 0);
    if (uc != CURLUE_OK)
      printf("base: error %d\n", (int)uc);
  }
  uc = curl_url_set(u, CURLUPART_URL, url, flags);
  printf("set: %d\n", (int)uc);
  if (uc == CURLUE_OK) {
    print_parts(u, 0, "get");
    print_parts(u, CURLU_URLDECODE, "decoded");
    {
      char *v = NULL;
      uc = curl_url_get(u, CURLUPART_PORT, &v, CURLU_DEFAULT_PORT);
      printf("default_port: %d %s\n", (int)uc, v ? v : "");
      curl_free(v);
      v = NULL;
      uc = curl_url_get(u, CURLUPART_URL, &v, CURLU_NO_DEFAULT_PORT);
      printf("no_default_port: %d %s\n", (int)uc, v ? v : "");
      curl_free(v);
    }
  }
  curl_url_cleanup(u);
}

static void set_part(const char *url, CURLUPart part, const char *pname,
                     const char *value, unsigned int flags) {
  CURLU *u = curl_url();
  CURLUcode uc;
  char *v = NULL;

  if (u == NULL)
    dp_fatal("curl_url");
  printf("== set %s to %s%s%s on %s flags=0x%x\n", pname,
         value ? "\"" : "", value ? value : "NULL", value ? "\"" : "", url,
         flags);
  uc = curl_url_set(u, CURLUPART_URL, url, 0);
  if (uc == CURLUE_OK)
    uc = curl_url_set(u, part, value, flags);
  printf("set: %d\n", (int)uc);
  uc = curl_url_get(u, CURLUPART_URL, &v, 0);
  if (uc == CURLUE_OK)
    dp_print_escaped("url", v, strlen(v));
  else
    printf("url: error %d\n", (int)uc);
  curl_free(v);
  curl_url_cleanup(u);
}

int main(int argc, char **argv) {
  static const char *const urls[] = {
      "http://example.com",
      "http://example.com/",
      "HTTP://EXAMPLE.COM:80/A/B?C#D",
      "https://user:pass@example.com:8443/p/a/t/h?query=1&b=2#frag",
      "http://u%20ser:p%3Ass@host/",
      "http://[::1]:8080/x",
      "http://[fe80::1%25eth0]/x",
      "http://[FE80:0:0::1]/",
      "http://127.1/",
      "http://0x7f.1/",
      "http://2130706433/",
      "http://example.com/a/./b/../c/%2e%2E/d",
      "http://example.com/%7Euser/a%2fb",
      "http://example.com:/x",
      "http://example.com:65536/",
      "http://example.com:0/",
      "http://example.com:-1/",
      "http://example.com\\path",
      "http:/example.com/",
      "http:example.com/",
      "//example.com/x",
      "example.com/x",
      "unknownscheme://example.com/",
      "http://",
      "http:///x",
      "http:////x",
      "http://example.com/#frag#more",
      "http://example.com/#",
      "http://user@example.com/",
      "http://:pass@example.com/",
      "http://a@b@example.com/",
      "http://example.com./",
      "http://ex%41mple.com/",
      "http://xn--nxasmq6b.com/",
      "http://EXAMPLE.com/%zz",
      "http://256.1.1.1/",
      "http://08.1/",
      "http://1.2.3.4./",
      "http://0x/",
      "http://4294967296/",
      "http://[::ffff:0:0]/",
      "http://[FE80::1]/",
      "http://[fe80::1%eth0]/",
      "http://[fe80::1%25abcdefghijklmnop]/",
      "http://ex~ample.com/",
      "http://r\xc3\xa4ksm\xc3\xb6rg\xc3\xa5s.se/",
      "http://%7f.example/",
      "http://a%00b/",
      "http://a%2eb/",
      "http://u:p:q@h/",
      "http://u;o@h/",
      "http://h:0080/",
      "file:///etc/hosts",
      "file://localhost/x?q#f",
      "file://host/x",
      "file:/x",
      "file:",
  };
  static const struct {
    const char *base, *rel;
  } rels[] = {
      {"http://a/b/c/d;p?q", "g"},
      {"http://a/b/c/d;p?q", "./g"},
      {"http://a/b/c/d;p?q", "g/"},
      {"http://a/b/c/d;p?q", "/g"},
      {"http://a/b/c/d;p?q", "//g"},
      {"http://a/b/c/d;p?q", "?y"},
      {"http://a/b/c/d;p?q", "g?y"},
      {"http://a/b/c/d;p?q", "g#s"},
      {"http://a/b/c/d;p?q", ";x"},
      {"http://a/b/c/d;p?q", ".."},
      {"http://a/b/c/d;p?q", "../g"},
      {"http://a/b/c/d;p?q", "../../../g"},
      {"http://a/b/c/d;p?q", "/./g"},
      {"http://a/b/c/d;p?q", "g."},
      {"http://a/b/c/d;p?q", "g;x=1/../y"},
      {"http://a/b/c/d;p?q", "https://other/x"},
      {"http://a:81/b", "//c:82/d"},
      {"http://a/b", "x y"},
  };
  static const unsigned int flag_sets[] = {
      CURLU_DEFAULT_SCHEME, CURLU_GUESS_SCHEME, CURLU_NON_SUPPORT_SCHEME,
      CURLU_PATH_AS_IS, CURLU_DISALLOW_USER, CURLU_URLENCODE,
      CURLU_ALLOW_SPACE, CURLU_ALLOW_SPACE | CURLU_URLENCODE,
  };
  static const char *const flag_urls[] = {
      "example.com/x", "ftp.example.com/x", "unknownscheme://h/",
      "http://h/a/../b", "http://u:p@h/", "file:///x",
  };
  /* Schemes ferry does not transfer, parsed with CURLU_NON_SUPPORT_SCHEME:
   * their default ports, and login options where the scheme has them. */
  static const char *const other_scheme_urls[] = {
      "imap://u;o:p@h/", "FTP://h:21/", "pop3://u:p;o@h:110/",
      "smtp://u;o@h/", "ldap://h/",
  };
  /* Spaces: refused without CURLU_ALLOW_SPACE by libcurl 8 (the
   * "libcurl8" run), each part's code in 7.88. */
  static const char *const space_url = "http://h/a b?c d";

  dp_start();
  if (argc > 1 && strcmp(argv[1], "libcurl8") == 0) {
    static const char *const changed[] = {
        "http://example.com/with space", "http://example.com/?a=b c",
        "http://exa mple.com/", "", "http://example.com/\x7f",
    };
    try_url("http://a/b/c/d;p?q", "#s", 0);
    try_url(NULL, "http://example.com/?", 0);
    for (size_t i = 0; i < sizeof(changed) / sizeof(changed[0]); i++)
      try_url(NULL, changed[i], 0);
    for (size_t f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]); f++)
      if (!(flag_sets[f] & CURLU_ALLOW_SPACE))
        try_url(NULL, space_url, flag_sets[f]);
    set_part("http://h/p", CURLUPART_SCHEME, "scheme", "1bad",
             CURLU_NON_SUPPORT_SCHEME);
    try_url(NULL, "ws://h/", CURLU_NON_SUPPORT_SCHEME);
    set_part("http://h/p", CURLUPART_HOST, "host", "ex%41mple", 0);
    set_part("http://h/p", CURLUPART_HOST, "host", "[0:0::1]", 0);
    return dp_finish();
  }
  for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
    try_url(NULL, urls[i], 0);
  for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++)
    try_url(rels[i].base, rels[i].rel, 0);
  for (size_t f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]); f++) {
    for (size_t i = 0; i < sizeof(flag_urls) / sizeof(flag_urls[0]); i++)
      try_url(NULL, flag_urls[i], flag_sets[f]);
    if (flag_sets[f] & CURLU_ALLOW_SPACE)
      try_url(NULL, space_url, flag_sets[f]);
  }
  for (size_t i = 0;
       i < sizeof(other_scheme_urls) / sizeof(other_scheme_urls[0]); i++)
    try_url(NULL, other_scheme_urls[i], CURLU_NON_SUPPORT_SCHEME);

  set_part("http://h/p", CURLUPART_SCHEME, "scheme", "https", 0);
  set_part("http://h/p", CURLUPART_SCHEME, "scheme", "nope", 0);
  set_part("http://h/p", CURLUPART_USER, "user", "a b:c", 0);
  set_part("http://h/p", CURLUPART_USER, "user", "a b:c", CURLU_URLENCODE);
  set_part("http://h/p", CURLUPART_PASSWORD, "password", "s@cret", CURLU_URLENCODE);
  set_part("http://h/p", CURLUPART_HOST, "host", "other.example", 0);
  set_part("http://h/p", CURLUPART_HOST, "host", "[::2]", 0);
  set_part("http://h/p", CURLUPART_HOST, "host", "bad host", 0);
  set_part("http://h/p", CURLUPART_HOST, "host", "Example.ORG", 0);
  set_part("http://h/p", CURLUPART_HOST, "host", "127.1", 0);
  set_part("http://h/p", CURLUPART_HOST, "host", "a@b", 0);
  set_part("http://h/p", CURLUPART_PORT, "port", "8080", 0);
  set_part("http://h/p", CURLUPART_PORT, "port", "80", 0);
  set_part("http://h/p", CURLUPART_PORT, "port", "99999", 0);
  set_part("http://h/p", CURLUPART_PORT, "port", NULL, 0);
  set_part("http://h/p", CURLUPART_PATH, "path", "/new path", 0);
  set_part("http://h/p", CURLUPART_PATH, "path", "/new path", CURLU_URLENCODE);
  set_part("http://h/p", CURLUPART_PATH, "path", "relative", 0);
  set_part("http://h/p?q=1", CURLUPART_QUERY, "query", "a=b&c=d e", CURLU_URLENCODE);
  set_part("http://h/p?q=1", CURLUPART_QUERY, "query", "x=1", CURLU_APPENDQUERY);
  set_part("http://h/p?q=1", CURLUPART_QUERY, "query", "y=2 3", CURLU_APPENDQUERY | CURLU_URLENCODE);
  set_part("http://h/p?q=1", CURLUPART_QUERY, "query", NULL, 0);
  set_part("http://h/p", CURLUPART_FRAGMENT, "fragment", "sec 2", CURLU_URLENCODE);
  set_part("http://h/p#f", CURLUPART_FRAGMENT, "fragment", NULL, 0);
  set_part("http://h/p", CURLUPART_URL, "url", "../../x", 0);

  /* A handle with nothing set. */
  {
    CURLU *u = curl_url();
    char *v = NULL;
    if (u == NULL)
      dp_fatal("curl_url");
    printf("== an empty handle\n");
    printf("empty.url: %d\n", (int)curl_url_get(u, CURLUPART_URL, &v, 0));
    curl_free(v);
    v = NULL;
    printf("empty.host: %d\n", (int)curl_url_get(u, CURLUPART_HOST, &v, 0));
    curl_free(v);
    v = NULL;
    printf("empty.path: %d\n", (int)curl_url_get(u, CURLUPART_PATH, &v, 0));
    if (v)
      dp_print_escaped("empty.path.value", v, strlen(v));
    curl_free(v);
    {
      CURLU *d = curl_url_dup(u);
      printf("empty.dup: %s\n", d ? "ok" : "NULL");
      curl_url_cleanup(d);
    }
    curl_url_cleanup(u);
  }
  return dp_finish();
}

/* The cookie engine: the jar on its own (RFC 6265 parsing, domain and path
 * matching, Secure, expiry, replacement, caps, the Netscape file format),
 * and cookies in transfers against the scripted server (sent back on the
 * handle's next request, never to another domain, set along a redirect
 * chain, COOKIEJAR/COOKIEFILE, COOKIELIST commands, CURLINFO_COOKIELIST).
 * The transfer tests assert the exact requests the server received. The
 * jar's clock is replaced through the internal header where expiry is
 * asserted, so nothing depends on today's date. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cookie.h"
#include "easy.h"
#include "fx.h"
#include "test.h"

/* ---- helpers ---------------------------------------------------------- */

#define T0 1700000000 /* Tue, 14 Nov 2023 22:13:20 GMT */

static int64_t fake_clock(void *ud) { return *(int64_t *)ud; }

/* printf into one of a ring of static buffers. */
static const char *f(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *f(const char *fmt, ...) {
  static char bufs[32][4096];
  static unsigned slot;
  char *b = bufs[slot++ % 32];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b, sizeof(bufs[0]), fmt, ap);
  va_end(ap);
  return b;
}

static ferry__cookie_result set(ferry__cookie_jar *jar, const char *hdr,
                                const char *host, const char *path, int secure) {
  return ferry__cookie_set(jar, hdr, strlen(hdr), host, path, secure, NULL);
}

/* The Cookie header value for a request, "" when none; a static buffer
 * per call slot. */
static const char *header_for(ferry__cookie_jar *jar, const char *host,
                              const char *path, int secure) {
  static char bufs[8][16384];
  static unsigned slot;
  char *b = bufs[slot++ % 8], *v = NULL;
  if (ferry__cookie_header(jar, host, path, secure, &v, NULL) != FERRYE_OK)
    return "(out of memory)";
  snprintf(b, sizeof(bufs[0]), "%s", v ? v : "");
  ferry__free(v);
  return b;
}

static char *read_file(const char *path) {
  FILE *fp = fopen(path, "rb");
  char *buf;
  long n;
  if (fp == NULL)
    return NULL;
  fseek(fp, 0, SEEK_END);
  n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  if (buf)
    buf[n] = '\0';
  fclose(fp);
  return buf;
}

static int write_file(const char *path, const char *text) {
  FILE *fp = fopen(path, "wb");
  if (fp == NULL)
    return -1;
  fputs(text, fp);
  return fclose(fp);
}

/* A fresh temporary file name (the file exists, empty). */
static void temp_name(char *buf, size_t n) {
  int fd;
  snprintf(buf, n, "/tmp/ferry-cookie-XXXXXX");
  fd = mkstemp(buf);
  if (fd >= 0)
    close(fd);
}

/* The list as one string, a line each. */
static const char *joined(const ferry_slist *l) {
  static char buf[16384];
  size_t used = 0;
  buf[0] = '\0';
  for (; l; l = l->next)
    used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s\n", l->data);
  return buf;
}

#define FILE_HEADER                                                            \
  "# Netscape HTTP Cookie File\n"                                              \
  "# Written by ferry. Each line: domain, subdomains too, path, https\n"       \
  "# only, expiry (0: session), name, value. Edit at your own risk.\n\n"

/* ---- parsing ---------------------------------------------------------- */

TEST_IMPL(cookie_set_cookie_attributes_are_parsed_and_stored) {
  ferry__cookie_jar *jar = ferry__cookie_jar_new();
  int64_t now = T0;
  const ferry__cookie *c;

  ASSERT_NOT_NULL(jar);
  ferry__cookie_jar_set_clock(jar, fake_clock, &now);
  ASSERT_EQ(set(jar,
                "sid=abc123; Domain=.Example.COM; Path=/app; Secure; "
                "HttpOnly; SameSite=Lax; Max-Age=60",
                "www.example.com", "/app/page", 1),
            FERRY__COOKIE_STORED);
  c = ferry__cookie_jar_find(jar, "sid", "example.com", "/app");
  ASSERT_NOT_NULL(c);
  ASSERT_STR_EQ(c->value, "abc123");
  ASSERT_STR_EQ(c->domain, "example.com");
  ASSERT_EQ(c->host_only, 0);
  ASSERT_EQ(c->secure, 1);
  ASSERT_EQ(c->httponly, 1);
  ASSERT_EQ(c->samesite, FERRY__SAMESITE_LAX);
  ASSERT_EQ(c->expires, T0 + 60);

  /* attribute names in any case, values trimmed, unknown ones ignored */
  ASSERT_EQ(set(jar, "  k  =  v w  ; PATH = /x ; sAmEsItE=strict; Foo=bar; "
                     "secure",
                "example.com", "/", 1),
            FERRY__COOKIE_STORED);
  c = ferry__cookie_jar_find(jar, "k", "example.com", "/x");
  ASSERT_NOT_NULL(c);
  ASSERT_STR_EQ(c->value, "v w");
  ASSERT_EQ(c->host_only, 1);
  ASSERT_EQ(c->samesite, FERRY__SAMESITE_STRICT);
  ASSERT_EQ(c->expires, 0); /* a session cookie */
  ASSERT_EQ(c->httponly, 0);

  /* SameSite=None is stored; a value it does not know leaves it unset */
  ASSERT_EQ(set(jar, "n=1; SameSite=None", "example.com", "/", 0),
            FERRY__COOKIE_STORED);
  ASSERT_EQ(ferry__cookie_jar_find(jar, "n", "example.com", "/")->samesite,
            FERRY__SAMESITE_NONE);
  ASSERT_EQ(set(jar, "u=1; SameSite=Sometimes", "example.com", "/", 0),
            FERRY__COOKIE_STORED);
  ASSERT_EQ(ferry__cookie_jar_find(jar, "u", "example.com", "/")->samesite,
            FERRY__SAMESITE_UNSET);
  /* an empty value is a value; a trailing CR LF is not part of it */
  ASSERT_EQ(set(jar, "empty=\r\n", "example.com", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_STR_EQ(ferry__cookie_jar_find(jar, "empty", "example.com", "/")->value,
                "");
  ferry__cookie_jar_free(jar);
  return 0;
}

TEST_IMPL(cookie_malformed_set_cookie_is_rejected_with_a_reason) {
  ferry__cookie_jar *jar = ferry__cookie_jar_new();
  static const char *const bad[] = {
      "novalue",            /* no '=' */
      "=value",             /* empty name */
      "  =value; Path=/",   /* empty name after trimming */
      "a=b\x01c",           /* a control character */
      "a=b\tc",             /* a tab inside the value */
      "a\tb=c",             /* ... or the name */
      "a=b; Path=/x\ty",    /* ... or the path */
      "a=b\x7f",            /* DEL */
  };
  const char *why = NULL;

  ASSERT_NOT_NULL(jar);
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    why = NULL;
    ASSERT_EQ(ferry__cookie_set(jar, bad[i], strlen(bad[i]), "example.com", "/",
                                0, &why),
              FERRY__COOKIE_REJECTED);
    ASSERT_NOT_NULL(why);
  }
  ASSERT_EQ(ferry__cookie_jar_count(jar), 0);
  ferry__cookie_jar_free(jar);
  return 0;
}

TEST_IMPL(cookie_default_path_is_the_request_directory) {
  ferry__cookie_jar *jar = ferry__cookie_jar_new();

  ASSERT_NOT_NULL(jar);
  ASSERT_EQ(set(jar, "a=1", "h.test", "/dir/sub/page", 0), FERRY__COOKIE_STORED);
  ASSERT_NOT_NULL(ferry__cookie_jar_find(jar, "a", "h.test", "/dir/sub"));
  ASSERT_EQ(set(jar, "b=1", "h.test", "/page", 0), FERRY__COOKIE_STORED);
  ASSERT_NOT_NULL(ferry__cookie_jar_find(jar, "b", "h.test", "/"));
  ASSERT_EQ(set(jar, "c=1", "h.test", "/dir/", 0), FERRY__COOKIE_STORED);
  ASSERT_NOT_NULL(ferry__cookie_jar_find(jar, "c", "h.test", "/dir"));
  /* a Path that does not start with '/' (or is empty) means the default */
  ASSERT_EQ(set(jar, "d=1; Path=relative", "h.test", "/x/y", 0),
            FERRY__COOKIE_STORED);
  ASSERT_NOT_NULL(ferry__cookie_jar_find(jar, "d", "h.test", "/x"));
  ASSERT_EQ(set(jar, "e=1; Path=", "h.test", "/x/y", 0), FERRY__COOKIE_STORED);
  ASSERT_NOT_NULL(ferry__cookie_jar_find(jar, "e", "h.test", "/x"));
  /* the last Path wins */
  ASSERT_EQ(set(jar, "g=1; Path=/one; Path=/two", "h.test", "/", 0),
            FERRY__COOKIE_STORED);
  ASSERT_NOT_NULL(ferry__cookie_jar_find(jar, "g", "h.test", "/two"));
  ferry__cookie_jar_free(jar);
  return 0;
}

/* ---- domains ---------------------------------------------------------- */

TEST_IMPL(cookie_domain_attribute_must_domain_match_the_host) {
  ferry__cookie_jar *jar = ferry__cookie_jar_new();
  const char *h = "www.example.com";

  ASSERT_NOT_NULL(jar);
  ASSERT_EQ(set(jar, "a=1; Domain=example.com", h, "/", 0), FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "b=1; Domain=www.example.com", h, "/", 0),
            FERRY__COOKIE_STORED);
  ASSERT_EQ(ferry__cookie_jar_find(jar, "b", "www.example.com", "/")->host_only,
            0);
  /* other sites, a suffix that is not on a dot boundary, a subdomain of
   * the host, a top-level domain */
  ASSERT_EQ(set(jar, "c=1; Domain=other.com", h, "/", 0), FERRY__COOKIE_REJECTED);
  ASSERT_EQ(set(jar, "c=1; Domain=ample.com", h, "/", 0), FERRY__COOKIE_REJECTED);
  ASSERT_EQ(set(jar, "c=1; Domain=sub.www.example.com", h, "/", 0),
            FERRY__COOKIE_REJECTED);
  ASSERT_EQ(set(jar, "c=1; Domain=com", h, "/", 0), FERRY__COOKIE_REJECTED);
  ASSERT_EQ(set(jar, "c=1; Domain=.com", h, "/", 0), FERRY__COOKIE_REJECTED);
  ASSERT_EQ(set(jar, "c=1; Domain=example.com.", h, "/", 0),
            FERRY__COOKIE_REJECTED);
  /* a dotless Domain equal to the host makes a host-only cookie */
  ASSERT_EQ(set(jar, "l=1; Domain=localhost", "localhost", "/", 0),
            FERRY__COOKIE_STORED);
  ASSERT_EQ(ferry__cookie_jar_find(jar, "l", "localhost", "/")->host_only, 1);
  /* an IP address only for itself, never by suffix */
  ASSERT_EQ(set(jar, "i=1; Domain=127.0.0.1", "127.0.0.1", "/", 0),
            FERRY__COOKIE_STORED);
  ASSERT_EQ(ferry__cookie_jar_find(jar, "i", "127.0.0.1", "/")->host_only, 1);
  ASSERT_EQ(set(jar, "j=1; Domain=0.0.1", "127.0.0.1", "/", 0),
            FERRY__COOKIE_REJECTED);
  ASSERT_EQ(set(jar, "j=1; Domain=10.0.0.1", "a.10.0.0.1", "/", 0),
            FERRY__COOKIE_REJECTED);
  ASSERT_EQ(set(jar, "v6=1; Domain=::1", "::1", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "v6=1; Domain=1", "::1", "/", 0), FERRY__COOKIE_REJECTED);
  /* an empty Domain is ignored: host-only */
  ASSERT_EQ(set(jar, "e=1; Domain=", h, "/", 0), FERRY__COOKIE_STORED);
  ASSERT_EQ(ferry__cookie_jar_find(jar, "e", h, "/")->host_only, 1);
  ASSERT_EQ(ferry__cookie_jar_count(jar), 6);

  ASSERT(ferry__cookie_domain_match("www.example.com", "example.com"));
  ASSERT(ferry__cookie_domain_match("example.com", "example.com"));
  ASSERT(!ferry__cookie_domain_match("badexample.com", "example.com"));
  ASSERT(!ferry__cookie_domain_match("example.com", "www.example.com"));
  ASSERT(!ferry__cookie_domain_match("1.2.3.4", "2.3.4"));
  ferry__cookie_jar_free(jar);
  return 0;
}

TEST_IMPL(cookie_is_never_sent_to_other_hosts_or_sibling_domains) {
  ferry__cookie_jar *jar = ferry__cookie_jar_new();

  ASSERT_NOT_NULL(jar);
  ASSERT_EQ(set(jar, "host=1", "a.example.com", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "dom=1; Domain=a.example.com", "a.example.com", "/", 0),
            FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "top=1; Domain=example.com", "a.example.com", "/", 0),
            FERRY__COOKIE_STORED);
  ASSERT_STR_EQ(header_for(jar, "a.example.com", "/", 0), "host=1; dom=1; top=1");
  /* a host-only cookie stays off subdomains; a Domain one covers them */
  ASSERT_STR_EQ(header_for(jar, "x.a.example.com", "/", 0), "dom=1; top=1");
  /* a sibling gets only what was set for the parent */
  ASSERT_STR_EQ(header_for(jar, "b.example.com", "/", 0), "top=1");
  ASSERT_STR_EQ(header_for(jar, "example.com", "/", 0), "top=1");
  ASSERT_STR_EQ(header_for(jar, "badexample.com", "/", 0), "");
  ASSERT_STR_EQ(header_for(jar, "example.com.evil.test", "/", 0), "");
  ASSERT_STR_EQ(header_for(jar, "other.test", "/", 0), "");
  ASSERT_STR_EQ(header_for(jar, "com", "/", 0), "");
  ferry__cookie_jar_free(jar);
  return 0;
}

TEST_IMPL(cookie_path_match_follows_rfc_6265) {
  ferry__cookie_jar *jar = ferry__cookie_jar_new();

  ASSERT(ferry__cookie_path_match("/", "/"));
  ASSERT(ferry__cookie_path_match("/a/b", "/a"));
  ASSERT(ferry__cookie_path_match("/a/b", "/a/"));
  ASSERT(ferry__cookie_path_match("/a", "/a"));
  ASSERT(!ferry__cookie_path_match("/ab", "/a"));
  ASSERT(!ferry__cookie_path_match("/a", "/a/"));
  ASSERT(!ferry__cookie_path_match("/A", "/a")); /* paths are case-sensitive */

  ASSERT_NOT_NULL(jar);
  ASSERT_EQ(set(jar, "p=1; Path=/docs", "h.test", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_STR_EQ(header_for(jar, "h.test", "/docs", 0), "p=1");
  ASSERT_STR_EQ(header_for(jar, "h.test", "/docs/x/y", 0), "p=1");
  ASSERT_STR_EQ(header_for(jar, "h.test", "/docsearch", 0), "");
  ASSERT_STR_EQ(header_for(jar, "h.test", "/", 0), "");
  ferry__cookie_jar_free(jar);
  return 0;
}

/* ---- Secure and HttpOnly ---------------------------------------------- */

TEST_IMPL(cookie_secure_is_sent_only_over_https_and_set_only_from_https) {
  ferry__cookie_jar *jar = ferry__cookie_jar_new();
  const char *why = NULL;

  ASSERT_NOT_NULL(jar);
  ASSERT_EQ(ferry__cookie_set(jar, "s=1; Secure", 11, "h.test", "/", 0, &why),
            FERRY__COOKIE_REJECTED);
  ASSERT_STR_EQ(why, "Secure from an insecure origin");
  ASSERT_EQ(set(jar, "s=1; Secure", "h.test", "/", 1), FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "plain=1", "h.test", "/", 1), FERRY__COOKIE_STORED);
  /* libcurl's order: the longer name first */
  ASSERT_STR_EQ(header_for(jar, "h.test", "/", 1), "plain=1; s=1");
  ASSERT_STR_EQ(header_for(jar, "h.test", "/", 0), "plain=1");
  /* plain http may not replace or shadow the Secure cookie */
  ASSERT_EQ(set(jar, "s=evil", "h.test", "/", 0), FERRY__COOKIE_REJECTED);
  ASSERT_EQ(set(jar, "s=evil; Path=/deeper", "h.test", "/", 0),
            FERRY__COOKIE_REJECTED);
  ASSERT_STR_EQ(header_for(jar, "h.test", "/", 1), "plain=1; s=1");
  /* https may */
  ASSERT_EQ(set(jar, "s=2; Secure", "h.test", "/", 1), FERRY__COOKIE_STORED);
  ASSERT_STR_EQ(header_for(jar, "h.test", "/", 1), "plain=1; s=2");

  /* the name prefixes */
  ASSERT_EQ(set(jar, "__Secure-a=1", "h.test", "/", 1), FERRY__COOKIE_REJECTED);
  ASSERT_EQ(set(jar, "__Secure-a=1; Secure", "h.test", "/", 1),
            FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "__Host-b=1; Secure; Path=/; Domain=h.test", "h.test", "/",
                1),
            FERRY__COOKIE_REJECTED);
  ASSERT_EQ(set(jar, "__Host-b=1; Secure; Path=/x", "h.test", "/", 1),
            FERRY__COOKIE_REJECTED);
  ASSERT_EQ(set(jar, "__Host-b=1; Secure", "h.test", "/sub/page", 1),
            FERRY__COOKIE_REJECTED); /* the default path is /sub */
  ASSERT_EQ(set(jar, "__Host-b=1; Secure; Path=/", "h.test", "/sub/page", 1),
            FERRY__COOKIE_STORED);
  ferry__cookie_jar_free(jar);
  return 0;
}

TEST_IMPL(cookie_httponly_flag_is_kept_and_written_with_its_prefix) {
  ferry__cookie_jar *jar = ferry__cookie_jar_new();
  const ferry__cookie *c;
  char *line;

  ASSERT_NOT_NULL(jar);
  ASSERT_EQ(set(jar, "h=1; HttpOnly; Domain=example.com", "example.com", "/", 0),
            FERRY__COOKIE_STORED);
  c = ferry__cookie_jar_find(jar, "h", "example.com", "/");
  ASSERT_NOT_NULL(c);
  ASSERT_EQ(c->httponly, 1);
  /* HttpOnly keeps nothing from HTTP requests */
  ASSERT_STR_EQ(header_for(jar, "example.com", "/", 0), "h=1");
  line = ferry__cookie_netscape_line(c);
  ASSERT_STR_EQ(line, "#HttpOnly_.example.com\tTRUE\t/\tFALSE\t0\th\t1");
  ferry__free(line);
  ferry__cookie_jar_free(jar);
  return 0;
}

/* ---- expiry ----------------------------------------------------------- */

TEST_IMPL(cookie_dates_parse_in_every_common_format) {
  static const struct {
    const char *text;
    int64_t t; /* -1: invalid */
  } cases[] = {
      {"Sun, 06 Nov 1994 08:49:37 GMT", 784111777},  /* RFC 1123 */
      {"Sunday, 06-Nov-94 08:49:37 GMT", 784111777}, /* RFC 850 */
      {"Sun Nov  6 08:49:37 1994", 784111777},       /* asctime */
      {"06 Nov 1994 08:49:37", 784111777},
      {"Sun, 6-nov-1994 8:49:37 UTC", 784111777},
      {"1994 NOVEMBER 6 08:49:37", 784111777},
      {"Thu, 01 Jan 1970 00:00:00 GMT", 0},
      {"Wed, 31-Dec-2036 23:59:59 GMT", 2114380799},
      {"Tue, 29 Feb 2000 00:00:00 GMT", 951782400},  /* a leap day */
      {"01 Jan 69 00:00:00", 3124224000},            /* 69 is 2069 */
      {"01 Jan 70 00:00:01", 1},                     /* 70 is 1970 */
      {"01 Jan 1601 00:00:00", -11644473600LL},
      {"Fri, 31 Dec 9999 23:59:59 GMT", 253402300799LL},
      {"Thu, 29 Feb 1900 00:00:00 GMT", -1},         /* not a leap year */
      {"Sun, 31 Apr 2020 00:00:00 GMT", -1},         /* no such day */
      {"Sun, 32 Jan 2020 00:00:00 GMT", -1},
      {"Sun, 00 Jan 2020 00:00:00 GMT", -1},
      {"Sun, 01 Jan 1600 00:00:00 GMT", -1},         /* before 1601 */
      {"Sun, 01 Jan 2020 24:00:00 GMT", -1},
      {"Sun, 01 Jan 2020 23:60:00 GMT", -1},
      {"Sun, 06 Nov 1994", -1},                      /* no time */
      {"Sun, 06 Nov 08:49:37 GMT", -1},              /* no year */
      {"Sun, 06 Foo 1994 08:49:37 GMT", -1},         /* no month */
      {"tomorrow", -1},
      {"", -1},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int64_t t = 42;
    int rc = ferry__cookie_parse_date(cases[i].text, strlen(cases[i].text), &t);
    if (cases[i].t == -1) {
      if (rc != -1)
        TEST_FAIL_("\"%s\" parsed as %lld", cases[i].text, (long long)t);
    } else if (rc != 0 || t != cases[i].t) {
      TEST_FAIL_("\"%s\": rc %d, %lld, want %lld", cases[i].text, rc,
                 (long long)t, (long long)cases[i].t);
    }
  }
  return 0;
}

TEST_IMPL(cookie_expires_and_max_age_expire_cookies_and_max_age_wins) {
  ferry__cookie_jar *jar = ferry__cookie_jar_new();
  int64_t now = T0;

  ASSERT_NOT_NULL(jar);
  ferry__cookie_jar_set_clock(jar, fake_clock, &now);
  /* T0 + 100 */
  ASSERT_EQ(set(jar, "e=1; Expires=Tue, 14 Nov 2023 22:15:00 GMT", "h.test", "/",
                0),
            FERRY__COOKIE_STORED);
  ASSERT_EQ(ferry__cookie_jar_find(jar, "e", "h.test", "/")->expires, T0 + 100);
  /* Max-Age wins, before or after Expires */
  ASSERT_EQ(set(jar, "m1=1; Max-Age=10; Expires=Tue, 14 Nov 2023 22:15:00 GMT",
                "h.test", "/", 0),
            FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "m2=1; Expires=Tue, 14 Nov 2023 22:15:00 GMT; Max-Age=20",
                "h.test", "/", 0),
            FERRY__COOKIE_STORED);
  ASSERT_EQ(ferry__cookie_jar_find(jar, "m1", "h.test", "/")->expires, T0 + 10);
  ASSERT_EQ(ferry__cookie_jar_find(jar, "m2", "h.test", "/")->expires, T0 + 20);
  /* a Max-Age that is not a number, and a bad date, are ignored */
  ASSERT_EQ(set(jar, "s=1; Max-Age=10s; Expires=someday", "h.test", "/", 0),
            FERRY__COOKIE_STORED);
  ASSERT_EQ(ferry__cookie_jar_find(jar, "s", "h.test", "/")->expires, 0);
  /* no expiry beyond 400 days */
  ASSERT_EQ(set(jar, "far=1; Max-Age=999999999999999999999", "h.test", "/", 0),
            FERRY__COOKIE_STORED);
  ASSERT_EQ(ferry__cookie_jar_find(jar, "far", "h.test", "/")->expires,
            T0 + 400LL * 86400);
  ASSERT_EQ(set(jar, "far2=1; Expires=Fri, 31 Dec 9999 23:59:59 GMT", "h.test",
                "/", 0),
            FERRY__COOKIE_STORED);
  ASSERT_EQ(ferry__cookie_jar_find(jar, "far2", "h.test", "/")->expires,
            T0 + 400LL * 86400);
  /* libcurl's order: the longer name first, then the newer cookie */
  ASSERT_STR_EQ(header_for(jar, "h.test", "/", 0),
                "far2=1; far=1; m2=1; m1=1; s=1; e=1");

  now = T0 + 10; /* m1 expires at this second */
  ASSERT_STR_EQ(header_for(jar, "h.test", "/", 0),
                "far2=1; far=1; m2=1; s=1; e=1");
  now = T0 + 100;
  ASSERT_STR_EQ(header_for(jar, "h.test", "/", 0), "far2=1; far=1; s=1");
  ASSERT_EQ(ferry__cookie_jar_count(jar), 3);

  /* Max-Age 0 or below, or a date past, removes the cookie */
  ASSERT_EQ(set(jar, "far=; Max-Age=0", "h.test", "/", 0), FERRY__COOKIE_EXPIRED);
  ASSERT_EQ(set(jar, "far2=; Max-Age=-5", "h.test", "/", 0),
            FERRY__COOKIE_EXPIRED);
  ASSERT_EQ(set(jar, "s=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "h.test", "/",
                0),
            FERRY__COOKIE_EXPIRED);
  ASSERT_EQ(ferry__cookie_jar_count(jar), 0);
  /* the key must match: another path removes nothing */
  ASSERT_EQ(set(jar, "k=1", "h.test", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "k=; Max-Age=0; Path=/other", "h.test", "/", 0),
            FERRY__COOKIE_EXPIRED);
  ASSERT_EQ(ferry__cookie_jar_count(jar), 1);
  ferry__cookie_jar_free(jar);
  return 0;
}

/* ---- replacement and order -------------------------------------------- */

TEST_IMPL(cookie_same_name_domain_and_path_replaces_and_keeps_its_age) {
  ferry__cookie_jar *jar = ferry__cookie_jar_new();

  ASSERT_NOT_NULL(jar);
  ASSERT_EQ(set(jar, "a=1", "h.test", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "b=1", "h.test", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "a=2", "h.test", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_EQ(ferry__cookie_jar_count(jar), 2);
  /* a keeps its age as the older cookie: libcurl sends the newer b first */
  ASSERT_STR_EQ(header_for(jar, "h.test", "/", 0), "b=1; a=2");
  /* another path or domain is another cookie; the name is case-sensitive */
  ASSERT_EQ(set(jar, "a=3; Path=/x", "h.test", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "a=4; Domain=h.test", "h.test", "/", 0),
            FERRY__COOKIE_STORED); /* same domain string: replaces */
  ASSERT_EQ(set(jar, "A=5", "h.test", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_EQ(ferry__cookie_jar_count(jar), 4);
  ASSERT_EQ(ferry__cookie_jar_find(jar, "a", "h.test", "/")->host_only, 0);
  ASSERT_STR_EQ(header_for(jar, "h.test", "/x", 0), "a=3; A=5; b=1; a=4");
  ferry__cookie_jar_free(jar);
  return 0;
}

/* libcurl's order (lib/cookie.c cookie_sort, 7.88 and 8.11 alike), not
 * RFC 6265's "older first among equal paths": the longer path, then the
 * longer domain, then the longer name, then the newer cookie. */
TEST_IMPL(cookie_header_goes_longer_path_domain_name_first_then_newer) {
  ferry__cookie_jar *jar = ferry__cookie_jar_new();

  ASSERT_NOT_NULL(jar);
  ASSERT_EQ(set(jar, "root1=1; Path=/", "h.test", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "deep=1; Path=/a/b", "h.test", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "mid=1; Path=/a", "h.test", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "root2=1; Path=/", "h.test", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "deep2=1; Path=/a/b", "h.test", "/", 0),
            FERRY__COOKIE_STORED);
  ASSERT_STR_EQ(header_for(jar, "h.test", "/a/b/c", 0),
                "deep2=1; deep=1; mid=1; root2=1; root1=1");
  ASSERT_STR_EQ(header_for(jar, "h.test", "/a", 0), "mid=1; root2=1; root1=1");
  ferry__cookie_jar_free(jar);

  /* the domain's length before the name's, the name's before the age */
  jar = ferry__cookie_jar_new();
  ASSERT_NOT_NULL(jar);
  ASSERT_EQ(set(jar, "x=1", "a.h.test", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "longname=1; Domain=h.test", "a.h.test", "/", 0),
            FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "y=1", "a.h.test", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "zz=1", "a.h.test", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "p=1; Path=/p", "a.h.test", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_STR_EQ(header_for(jar, "a.h.test", "/p", 0),
                "p=1; zz=1; y=1; x=1; longname=1");
  ferry__cookie_jar_free(jar);
  return 0;
}

/* ---- caps ------------------------------------------------------------- */

TEST_IMPL(cookie_caps_per_domain_and_in_total_drop_the_oldest) {
  ferry__cookie_jar *jar = ferry__cookie_jar_new();
  char hdr[64], host[64];

  ASSERT_NOT_NULL(jar);
  for (int i = 0; i < FERRY__COOKIE_MAX_PER_DOMAIN + 1; i++) {
    snprintf(hdr, sizeof(hdr), "c%d=%d", i, i);
    ASSERT_EQ(set(jar, hdr, "one.test", "/", 0), FERRY__COOKIE_STORED);
  }
  ASSERT_EQ(ferry__cookie_jar_count(jar), FERRY__COOKIE_MAX_PER_DOMAIN);
  ASSERT_NULL(ferry__cookie_jar_find(jar, "c0", "one.test", "/"));
  ASSERT_NOT_NULL(ferry__cookie_jar_find(jar, "c1", "one.test", "/"));
  ASSERT_NOT_NULL(ferry__cookie_jar_find(jar, "c150", "one.test", "/"));
  /* replacing one does not count twice */
  ASSERT_EQ(set(jar, "c5=new", "one.test", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_EQ(ferry__cookie_jar_count(jar), FERRY__COOKIE_MAX_PER_DOMAIN);
  ASSERT_NOT_NULL(ferry__cookie_jar_find(jar, "c1", "one.test", "/"));

  /* fill up to the total cap with 100 cookies on each other domain */
  for (int d = 0; (int)ferry__cookie_jar_count(jar) < FERRY__COOKIE_MAX_TOTAL;
       d++) {
    snprintf(host, sizeof(host), "d%d.test", d);
    for (int i = 0; i < 100 && (int)jar->len < FERRY__COOKIE_MAX_TOTAL; i++) {
      snprintf(hdr, sizeof(hdr), "x%d=1", i);
      ASSERT_EQ(set(jar, hdr, host, "/", 0), FERRY__COOKIE_STORED);
    }
  }
  ASSERT_EQ(ferry__cookie_jar_count(jar), FERRY__COOKIE_MAX_TOTAL);
  ASSERT_EQ(set(jar, "last=1", "new.test", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_EQ(ferry__cookie_jar_count(jar), FERRY__COOKIE_MAX_TOTAL);
  ASSERT_NULL(ferry__cookie_jar_find(jar, "c1", "one.test", "/")); /* oldest */
  ASSERT_NOT_NULL(ferry__cookie_jar_find(jar, "c2", "one.test", "/"));
  ASSERT_NOT_NULL(ferry__cookie_jar_find(jar, "last", "new.test", "/"));
  ferry__cookie_jar_free(jar);
  return 0;
}

TEST_IMPL(cookie_larger_than_4096_bytes_is_rejected) {
  ferry__cookie_jar *jar = ferry__cookie_jar_new();
  char *big = malloc(8192);

  ASSERT_NOT_NULL(jar);
  ASSERT_NOT_NULL(big);
  /* name "n" + value of 4095: 4096 bytes, taken */
  memcpy(big, "n=", 2);
  memset(big + 2, 'v', 4095);
  big[2 + 4095] = '\0';
  ASSERT_EQ(set(jar, big, "h.test", "/", 0), FERRY__COOKIE_STORED);
  /* one more byte is too many */
  memset(big + 2, 'w', 4096);
  big[2 + 4096] = '\0';
  ASSERT_EQ(set(jar, big, "h.test", "/", 0), FERRY__COOKIE_REJECTED);
  ASSERT_EQ(ferry__cookie_jar_find(jar, "n", "h.test", "/")->value[0], 'v');
  /* an attribute value over 1024 bytes is ignored */
  snprintf(big, 8192, "p=1; Path=/%01100d", 0);
  ASSERT_EQ(set(jar, big, "h.test", "/dir/x", 0), FERRY__COOKIE_STORED);
  ASSERT_NOT_NULL(ferry__cookie_jar_find(jar, "p", "h.test", "/dir"));
  free(big);
  ferry__cookie_jar_free(jar);
  return 0;
}

TEST_IMPL(cookie_header_stops_before_8190_bytes) {
  ferry__cookie_jar *jar = ferry__cookie_jar_new();
  char *big = malloc(8192), *v = NULL;
  size_t left = 0;

  ASSERT_NOT_NULL(jar);
  ASSERT_NOT_NULL(big);
  /* three cookies of 4000 bytes: two fit, the third would pass the cap;
   * the short one after it stays out too */
  static const char *const paths[3] = {"/a/b/c", "/a/b", "/a"};
  for (int i = 0; i < 3; i++) {
    snprintf(big, 8192, "big%d=%0*d; Path=%s", i, 3995, 0, paths[i]);
    ASSERT_EQ(set(jar, big, "h.test", "/", 0), FERRY__COOKIE_STORED);
  }
  ASSERT_EQ(set(jar, "small=1", "h.test", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_EQ(ferry__cookie_header(jar, "h.test", "/a/b/c", 0, &v, &left),
            FERRYE_OK);
  ASSERT_NOT_NULL(v);
  ASSERT_EQ(left, 2);
  ASSERT_EQ(strlen(v), 2 * 4000 + 2);
  ASSERT_LE(strlen(v), FERRY__COOKIE_MAX_HEADER);
  ASSERT(strncmp(v, "big0=", 5) == 0);
  ASSERT(strncmp(v + 4002, "big1=", 5) == 0);
  ferry__free(v);
  free(big);
  ferry__cookie_jar_free(jar);
  return 0;
}

/* ---- the Netscape format ---------------------------------------------- */

TEST_IMPL(cookie_netscape_file_round_trips_every_field) {
  ferry__cookie_jar *jar = ferry__cookie_jar_new(), *back = ferry__cookie_jar_new();
  int64_t now = T0;
  char path[64];
  char *text;
  ferry_slist *l1 = NULL, *l2 = NULL;
  /* libcurl writes its jar newest first (cookie_output) */
  const char *want =
      FILE_HEADER
      "127.0.0.1\tFALSE\t/a\tFALSE\t1700000060\tip\tq\n"
      "#HttpOnly_www.example.com\tFALSE\t/\tFALSE\t0\thonly\t\n"
      ".example.com\tTRUE\t/app\tTRUE\t1700003600\tsec\tv=x\n"
      "h.test\tFALSE\t/\tFALSE\t0\tsession\t1\n";
  /* and lists the cookies (CURLINFO_COOKIELIST) in the order it took them */
  const char *oldest_first =
      "h.test\tFALSE\t/\tFALSE\t0\tsession\t1\n"
      ".example.com\tTRUE\t/app\tTRUE\t1700003600\tsec\tv=x\n"
      "#HttpOnly_www.example.com\tFALSE\t/\tFALSE\t0\thonly\t\n"
      "127.0.0.1\tFALSE\t/a\tFALSE\t1700000060\tip\tq\n";

  ASSERT_NOT_NULL(jar);
  ASSERT_NOT_NULL(back);
  ferry__cookie_jar_set_clock(jar, fake_clock, &now);
  ferry__cookie_jar_set_clock(back, fake_clock, &now);
  ASSERT_EQ(set(jar, "session=1", "h.test", "/", 0), FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "sec=v=x; Secure; Domain=example.com; Path=/app; Max-Age=3600",
                "www.example.com", "/", 1),
            FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "honly=; HttpOnly", "www.example.com", "/", 0),
            FERRY__COOKIE_STORED);
  ASSERT_EQ(set(jar, "ip=q; Max-Age=60", "127.0.0.1", "/a/b", 0),
            FERRY__COOKIE_STORED);
  temp_name(path, sizeof(path));
  ASSERT_EQ(ferry__cookie_save(jar, path), FERRYE_OK);
  text = read_file(path);
  ASSERT_STR_EQ(text, want);
  free(text);

  ASSERT_EQ(ferry__cookie_load(back, path, 0), FERRYE_OK);
  ASSERT_EQ(ferry__cookie_list(jar, &l1), FERRYE_OK);
  ASSERT_EQ(ferry__cookie_list(back, &l2), FERRYE_OK);
  /* the file read back: its first line is the oldest cookie now */
  ASSERT_STR_EQ(joined(l2), want + strlen(FILE_HEADER));
  ASSERT_STR_EQ(joined(l1), oldest_first);
  ASSERT_STR_EQ(header_for(back, "www.example.com", "/app", 1),
                "sec=v=x; honly=");
  ferry_slist_free_all(l1);
  ferry_slist_free_all(l2);

  /* skip_session (COOKIESESSION) leaves the session cookies out */
  ferry__cookie_jar_clear(back, 0);
  ASSERT_EQ(ferry__cookie_load(back, path, 1), FERRYE_OK);
  ASSERT_EQ(ferry__cookie_jar_count(back), 2);
  ASSERT_NULL(ferry__cookie_jar_find(back, "session", "h.test", "/"));
  /* a missing file is a read error that changes nothing */
  ASSERT_EQ(ferry__cookie_load(back, "/nonexistent/ferry/cookies", 0),
            FERRYE_READ_ERROR);
  ASSERT_EQ(ferry__cookie_jar_count(back), 2);
  /* a file that cannot be written */
  ASSERT_EQ(ferry__cookie_save(back, "/nonexistent/ferry/cookies"),
            FERRYE_WRITE_ERROR);
  unlink(path);
  ferry__cookie_jar_free(jar);
  ferry__cookie_jar_free(back);
  return 0;
}

TEST_IMPL(cookie_netscape_malformed_lines_are_skipped) {
  ferry__cookie_jar *jar = ferry__cookie_jar_new();
  int64_t now = T0;
  char path[64];
  char *longline = malloc(20000), *text = malloc(40000);
  ferry_slist *l = NULL;

  ASSERT_NOT_NULL(jar);
  ASSERT_NOT_NULL(longline);
  ASSERT_NOT_NULL(text);
  ferry__cookie_jar_set_clock(jar, fake_clock, &now);
  /* a line longer than the cap, with a valid start */
  snprintf(longline, 20000, "long.test\tFALSE\t/\tFALSE\t0\tlong\t%09000d\n", 0);
  snprintf(text, 40000,
           "# a comment\n"
           "\n"
           "   \n"
           "good.test\tFALSE\t/\tFALSE\t0\tgood\t1\n"
           "crlf.test\tTRUE\t/\tTRUE\t1800000000\tcrlf\t2\r\n"
           "sixfields.test\tFALSE\t/\tFALSE\t0\tsix\n"
           "#HttpOnly_ho.test\tFALSE\t/\tFALSE\t0\tho\t3\n"
           "few.test\tFALSE\t/\tFALSE\t0\n"
           "many.test\tFALSE\t/\tFALSE\t0\tn\tv\textra\n"
           "flag.test\tMAYBE\t/\tFALSE\t0\tn\tv\n"
           "secflag.test\tFALSE\t/\tyes\t0\tn\tv\n"
           "path.test\tFALSE\tnoslash\tFALSE\t0\tn\tv\n"
           "exp.test\tFALSE\t/\tFALSE\tsoon\tn\tv\n"
           "neg.test\tFALSE\t/\tFALSE\t-5\tn\tv\n"
           "huge.test\tFALSE\t/\tFALSE\t99999999999999999999\tn\tv\n"
           "noname.test\tFALSE\t/\tFALSE\t0\t\tv\n"
           "\tFALSE\t/\tFALSE\t0\tn\tv\n"
           "ctl.test\tFALSE\t/\tFALSE\t0\tn\tv\x01\n"
           "old.test\tFALSE\t/\tFALSE\t1600000000\texpired\tv\n"
           "tld\tTRUE\t/\tFALSE\t0\ttld\t4\n"
           "%s"
           "last.test\tFALSE\t/\tFALSE\t0\tlast\t5",
           longline);
  temp_name(path, sizeof(path));
  ASSERT_EQ(write_file(path, text), 0);
  ASSERT_EQ(ferry__cookie_load(jar, path, 0), FERRYE_OK);
  ASSERT_EQ(ferry__cookie_list(jar, &l), FERRYE_OK);
  /* the top-level domain with TRUE is loaded as host-only */
  ASSERT_STR_EQ(joined(l), "good.test\tFALSE\t/\tFALSE\t0\tgood\t1\n"
                           ".crlf.test\tTRUE\t/\tTRUE\t1800000000\tcrlf\t2\n"
                           "sixfields.test\tFALSE\t/\tFALSE\t0\tsix\t\n"
                           "#HttpOnly_ho.test\tFALSE\t/\tFALSE\t0\tho\t3\n"
                           "tld\tFALSE\t/\tFALSE\t0\ttld\t4\n"
                           "last.test\tFALSE\t/\tFALSE\t0\tlast\t5\n");
  ferry_slist_free_all(l);
  ASSERT_STR_EQ(header_for(jar, "sub.crlf.test", "/", 1), "crlf=2");
  ASSERT_STR_EQ(header_for(jar, "sub.tld", "/", 1), "");
  unlink(path);
  free(text);
  free(longline);
  ferry__cookie_jar_free(jar);
  return 0;
}

/* ---- transfers -------------------------------------------------------- */

/* Connection conn of s answers its requests with resp[0..n-1] in turn and
 * then stays open. */
static void serve(tserver *s, unsigned conn, const char *const *resp,
                  size_t n) {
  ts_step *steps = calloc(2 * n, sizeof(*steps));
  for (size_t i = 0; i < n; i++) {
    steps[2 * i].action = TS_WAIT_REQUEST;
    steps[2 * i + 1].action = TS_SEND;
    steps[2 * i + 1].data = resp[i];
  }
  tserver_script(s, conn, steps, 2 * n);
  free(steps);
}

#define SERVE(s, conn, ...)                                                    \
  do {                                                                         \
    const char *const r_[] = {__VA_ARGS__};                                    \
    serve((s), (conn), r_, sizeof(r_) / sizeof(r_[0]));                        \
  } while (0)

/* The idx-th request s framed is exactly `want`. */
#define ASSERT_REQ(srv, idx, want)                                            \
  do {                                                                        \
    size_t l_ = 0;                                                            \
    char *r_ = tserver_request((srv), (idx), &l_);                            \
    const char *w_ = (want);                                                  \
    if (r_ == NULL)                                                           \
      TEST_FAIL_("request %d never arrived", (int)(idx));                     \
    if (l_ != strlen(w_) || memcmp(r_, w_, l_) != 0) {                        \
      fprintf(stderr,                                                         \
              "  %s:%d: request %d differs\n  got (%zu bytes):\n%.*s\n"       \
              "  want (%zu bytes):\n%s\n",                                    \
              __FILE__, __LINE__, (int)(idx), l_, (int)l_, r_, strlen(w_),    \
              w_);                                                            \
      free(r_);                                                               \
      return 1;                                                               \
    }                                                                         \
    free(r_);                                                                 \
  } while (0)

/* A 200 with a 5-byte body and extra header lines (each ending in CR LF). */
static const char *ok_with(const char *headers) {
  return f("HTTP/1.1 200 OK\r\n%sContent-Length: 5\r\n\r\nhello", headers);
}

/* A GET as ferry sends it, with an optional Cookie value. */
static const char *get_req(const char *target, const char *host,
                           const char *cookie) {
  return f("GET %s HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n%s%s%s\r\n", target,
           host, cookie ? "Cookie: " : "", cookie ? cookie : "",
           cookie ? "\r\n" : "");
}

static const char *hostport(tserver *s) {
  return f("127.0.0.1:%d", tserver_port(s));
}

/* An easy handle for http://127.0.0.1:PORT<path> with a 5 s timeout. */
static ferry_easy *easy_for(tserver *s, const char *path, sink *body) {
  ferry_easy *e = fx_easy(fx_url(s, path), body, NULL);
  if (e)
    ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 5000L);
  return e;
}

static int set_url(ferry_easy *e, tserver *s, const char *path) {
  return ferry_easy_setopt(e, FERRYOPT_URL, fx_url(s, path)) == FERRYE_OK ? 0 : -1;
}

TEST_IMPL(cookie_transfer_set_cookie_is_sent_back_on_the_handles_next_request) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e, *other;

  ASSERT_NOT_NULL(s);
  SERVE(s, 0, ok_with("Set-Cookie: sid=abc; Path=/\r\n"
                      "Set-Cookie: lang=en\r\n"
                      "Set-Cookie: deep=1; Path=/deep\r\n"),
        ok_with(""), ok_with(""));
  SERVE(s, 1, ok_with(""));
  e = easy_for(s, "/login", &body);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIEFILE, ""), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(set_url(e, s, "/page?x=1"), 0);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(set_url(e, s, "/deep/er"), 0);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 0, get_req("/login", hostport(s), NULL));
  /* libcurl's order: the longer path, then the longer name first */
  ASSERT_REQ(s, 1, get_req("/page?x=1", hostport(s), "lang=en; sid=abc"));
  ASSERT_REQ(s, 2, get_req("/deep/er", hostport(s), "deep=1; lang=en; sid=abc"));

  /* cookies belong to the handle: another handle sends none */
  other = easy_for(s, "/page", &body);
  ASSERT_NOT_NULL(other);
  ASSERT_EQ(ferry_easy_setopt(other, FERRYOPT_COOKIEFILE, ""), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(other), FERRYE_OK);
  ASSERT_REQ(s, 3, get_req("/page", hostport(s), NULL));
  ferry_easy_cleanup(other);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(cookie_transfer_without_the_engine_ignores_set_cookie) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;

  ASSERT_NOT_NULL(s);
  SERVE(s, 0, ok_with("Set-Cookie: sid=abc\r\n"), ok_with(""));
  e = easy_for(s, "/", &body);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 1, get_req("/", hostport(s), NULL));
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(cookie_transfer_cookie_for_another_domain_is_never_sent) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_slist *resolve = NULL;
  ferry_easy *e;
  int p;

  ASSERT_NOT_NULL(s);
  p = tserver_port(s);
  resolve = ferry_slist_append(resolve, f("a.example.test:%d:127.0.0.1", p));
  resolve = ferry_slist_append(resolve, f("b.example.test:%d:127.0.0.1", p));
  resolve = ferry_slist_append(resolve, f("other.test:%d:127.0.0.1", p));
  /* a.example.test tries to set cookies for its sibling, another site and
   * a top-level domain; all three are refused */
  SERVE(s, 0,
        ok_with("Set-Cookie: sib=1; Domain=b.example.test\r\n"
                "Set-Cookie: far=1; Domain=other.test\r\n"
                "Set-Cookie: tld=1; Domain=test\r\n"
                "Set-Cookie: mine=1\r\n"));
  SERVE(s, 1, ok_with(""));
  SERVE(s, 2, ok_with(""));
  e = fx_easy(f("http://a.example.test:%d/", p), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 5000L);
  ferry_easy_setopt(e, FERRYOPT_RESOLVE, resolve);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIEFILE, ""), FERRYE_OK);
  /* and the application adds one for other.test only */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIELIST,
                              "other.test\tFALSE\t/\tFALSE\t0\tapp\t1"),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_URL,
                              f("http://b.example.test:%d/", p)),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_URL, f("http://other.test:%d/", p)),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 0, get_req("/", f("a.example.test:%d", p), NULL));
  ASSERT_REQ(s, 1, get_req("/", f("b.example.test:%d", p), NULL));
  ASSERT_REQ(s, 2, get_req("/", f("other.test:%d", p), "app=1"));
  ferry_easy_cleanup(e);
  ferry_slist_free_all(resolve);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(cookie_transfer_cookies_set_along_a_redirect_chain_go_to_the_next_hops) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_slist *resolve = NULL;
  ferry_easy *e;
  int p;
  const char *a, *b;

  ASSERT_NOT_NULL(s);
  p = tserver_port(s);
  a = f("a.example.test:%d", p);
  b = f("b.example.test:%d", p);
  resolve = ferry_slist_append(resolve, f("%s:127.0.0.1", a));
  resolve = ferry_slist_append(resolve, f("%s:127.0.0.1", b));
  SERVE(s, 0,
        f("HTTP/1.1 302 Found\r\nLocation: /mid\r\n"
          "Set-Cookie: only_a=1\r\n"
          "Set-Cookie: shared=1; Domain=example.test\r\n"
          "Content-Length: 0\r\n\r\n"),
        f("HTTP/1.1 302 Found\r\nLocation: http://%s/next\r\n"
          "Set-Cookie: late=1; Domain=.example.test\r\n"
          "Content-Length: 0\r\n\r\n",
          b));
  SERVE(s, 1, ok_with("Set-Cookie: from_b=1\r\n"));
  e = fx_easy(f("http://%s/start", a), &body, NULL);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 5000L);
  ferry_easy_setopt(e, FERRYOPT_RESOLVE, resolve);
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIEFILE, ""), FERRYE_OK);
  /* the COOKIE option is the user's: it goes to the first origin only */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIE, "opt=1"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_REQ(s, 0, get_req("/start", a, "opt=1"));
  ASSERT_REQ(s, 1, get_req("/mid", a, "only_a=1; shared=1; opt=1"));
  /* the engine's cookies go wherever they domain-match */
  ASSERT_REQ(s, 2, get_req("/next", b, "shared=1; late=1"));
  ASSERT_EQ(tserver_connections(s), 2);
  ferry_easy_cleanup(e);
  ferry_slist_free_all(resolve);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(cookie_transfer_cookie_option_shares_the_line_and_yields_to_a_user_header) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_slist *headers = NULL;
  ferry_easy *e;
  char err[FERRY_ERROR_SIZE] = "";

  ASSERT_NOT_NULL(s);
  SERVE(s, 0, ok_with("Set-Cookie: sid=abc\r\n"), ok_with(""), ok_with(""),
        ok_with(""));
  e = easy_for(s, "/", &body);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  /* the COOKIE option alone does not turn the engine on */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIE, "opt=1; opt2=2"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 0, get_req("/", hostport(s), "opt=1; opt2=2"));
  ASSERT_REQ(s, 1, get_req("/", hostport(s), "opt=1; opt2=2"));
  /* with the engine, one line: the jar's cookies, then the option */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIELIST,
                              f("127.0.0.1\tFALSE\t/\tFALSE\t0\tjar\t1")),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 2, get_req("/", hostport(s), "jar=1; opt=1; opt2=2"));
  /* a user Cookie header replaces the option, not the jar's cookies */
  headers = ferry_slist_append(headers, "Cookie: user=1");
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, headers);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 3,
             f("GET / HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\nCookie: jar=1\r\n"
               "Cookie: user=1\r\n\r\n",
               hostport(s)));
  /* a line break would make a second header line: refused */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIE, "a=1\r\nX-Evil: 1"),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ferry_easy_cleanup(e);
  ferry_slist_free_all(headers);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(cookie_transfer_cookiejar_is_written_at_cleanup_and_read_with_cookiefile) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  int64_t now = T0;
  char path[64];
  char *text;

  ASSERT_NOT_NULL(s);
  temp_name(path, sizeof(path));
  SERVE(s, 0,
        ok_with("Set-Cookie: keep=1; Max-Age=3600\r\n"
                "Set-Cookie: sess=2\r\n"
                "Set-Cookie: ho=3; HttpOnly; Path=/app\r\n"));
  SERVE(s, 1, ok_with(""));
  SERVE(s, 2, ok_with(""));
  SERVE(s, 3, ok_with(""));

  e = easy_for(s, "/", &body);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIEJAR, path), FERRYE_OK);
  ASSERT_NOT_NULL(e->cookies); /* COOKIEJAR turns the engine on */
  ferry__cookie_jar_set_clock(e->cookies, fake_clock, &now);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_cleanup(e), FERRYE_OK);
  text = read_file(path);
  /* newest first, as libcurl writes its jar */
  ASSERT_STR_EQ(text, FILE_HEADER
                "#HttpOnly_127.0.0.1\tFALSE\t/app\tFALSE\t0\tho\t3\n"
                "127.0.0.1\tFALSE\t/\tFALSE\t0\tsess\t2\n"
                "127.0.0.1\tFALSE\t/\tFALSE\t1700003600\tkeep\t1\n");
  free(text);

  /* a new handle reads it at its first transfer */
  e = easy_for(s, "/app/x", &body);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_FORBID_REUSE, 1L);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIEFILE, path), FERRYE_OK);
  ferry__cookie_jar_set_clock(e->cookies, fake_clock, &now);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 1, get_req("/app/x", hostport(s), "ho=3; keep=1; sess=2"));
  ferry_easy_cleanup(e);

  /* COOKIESESSION: the session cookies of the file are not loaded */
  e = easy_for(s, "/app/x", &body);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_FORBID_REUSE, 1L);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIEFILE, path), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIESESSION, 1L), FERRYE_OK);
  ferry__cookie_jar_set_clock(e->cookies, fake_clock, &now);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 2, get_req("/app/x", hostport(s), "keep=1"));
  ferry_easy_cleanup(e);

  /* an hour later, the persistent one has expired too */
  now = T0 + 3600;
  e = easy_for(s, "/app/x", &body);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIEFILE, path), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIESESSION, 1L), FERRYE_OK);
  ferry__cookie_jar_set_clock(e->cookies, fake_clock, &now);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 3, get_req("/app/x", hostport(s), NULL));
  ferry_easy_cleanup(e);
  unlink(path);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(cookie_transfer_cookielist_all_sess_flush_and_reload) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e;
  char path[64];
  char *text;
  const char *persist = "127.0.0.1\tFALSE\t/\tFALSE\t4102444800\tper\t1";
  const char *session = "127.0.0.1\tFALSE\t/\tFALSE\t0\tses\t2";

  ASSERT_NOT_NULL(s);
  temp_name(path, sizeof(path));
  SERVE(s, 0, ok_with(""), ok_with(""), ok_with(""), ok_with(""), ok_with(""));
  e = easy_for(s, "/", &body);
  ASSERT_NOT_NULL(e);
  /* a Netscape line or a Set-Cookie line turns the engine on and adds */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIELIST, persist), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIELIST, session), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIELIST,
                              "Set-Cookie: hdr=3; Domain=127.0.0.1; Path=/"),
            FERRYE_OK);
  /* malformed ones are ignored, as in libcurl; a Set-Cookie line needs a
   * Domain, for there is no request host */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIELIST, "garbage"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIELIST, "Set-Cookie: nodom=1"),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIELIST, NULL), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  /* libcurl's order: equal lengths, so the newest first */
  ASSERT_REQ(s, 0, get_req("/", hostport(s), "hdr=3; ses=2; per=1"));

  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIELIST, "SESS"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 1, get_req("/", hostport(s), "per=1"));

  /* FLUSH writes the jar now; without COOKIEJAR it does nothing */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIELIST, "FLUSH"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIELIST, session), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIEJAR, path), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIELIST, "flush"), FERRYE_OK);
  text = read_file(path);
  /* newest first, as libcurl writes its jar */
  ASSERT_STR_EQ(text, f(FILE_HEADER "%s\n%s\n", session, persist));
  free(text);

  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIELIST, "ALL"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 2, get_req("/", hostport(s), NULL));

  /* RELOAD reads the COOKIEFILE files again, now (ses first: per is the
   * newer cookie then) */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIEFILE, path), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 3, get_req("/", hostport(s), "per=1; ses=2"));
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIELIST, "ALL"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIELIST, "RELOAD"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_REQ(s, 4, get_req("/", hostport(s), "per=1; ses=2"));

  /* the jar is written once more at cleanup, with what it holds then */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIELIST, "SESS"), FERRYE_OK);
  ferry_easy_cleanup(e);
  text = read_file(path);
  ASSERT_STR_EQ(text, f(FILE_HEADER "%s\n", persist));
  free(text);
  unlink(path);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(cookie_info_cookielist_gives_netscape_lines_to_free) {
  tserver *s = tserver_start();
  sink body = {0};
  ferry_easy *e, *dup;
  ferry_slist *list = (ferry_slist *)1;

  ASSERT_NOT_NULL(s);
  SERVE(s, 0, ok_with("Set-Cookie: a=1; HttpOnly\r\n"
                      "Set-Cookie: b=2; Domain=127.0.0.1; Path=/p\r\n"));
  e = easy_for(s, "/", &body);
  ASSERT_NOT_NULL(e);
  /* without the engine: no list */
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_COOKIELIST, &list), FERRYE_OK);
  ASSERT_NULL(list);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIEFILE, ""), FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_COOKIELIST, &list), FERRYE_OK);
  ASSERT_NULL(list);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIELIST,
                              "x.test\tTRUE\t/\tTRUE\t4102444800\tc\t3"),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_COOKIELIST, &list), FERRYE_OK);
  ASSERT_STR_EQ(joined(list),
                "#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\ta\t1\n"
                "127.0.0.1\tFALSE\t/p\tFALSE\t0\tb\t2\n"
                ".x.test\tTRUE\t/\tTRUE\t4102444800\tc\t3\n");
  ferry_slist_free_all(list);

  /* a copy of the handle has the engine on, with an empty jar */
  dup = ferry_easy_duphandle(e);
  ASSERT_NOT_NULL(dup);
  list = (ferry_slist *)1;
  ASSERT_EQ(ferry_easy_getinfo(dup, FERRYINFO_COOKIELIST, &list), FERRYE_OK);
  ASSERT_NULL(list);
  ASSERT_NOT_NULL(dup->cookies);
  ferry_easy_cleanup(dup);

  /* reset keeps the cookies, as libcurl's does */
  ferry_easy_reset(e);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_COOKIELIST, &list), FERRYE_OK);
  ASSERT_NOT_NULL(list);
  ferry_slist_free_all(list);
  /* COOKIEFILE NULL turns the engine off and drops the jar */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_COOKIEFILE, NULL), FERRYE_OK);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_COOKIELIST, &list), FERRYE_OK);
  ASSERT_NULL(list);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- allocation failure ------------------------------------------------ */

static long oom_count, oom_fail_at;

static int oom_should_fail(void) {
  return ++oom_count == oom_fail_at;
}
static void *oom_malloc(size_t n) { return oom_should_fail() ? NULL : malloc(n); }
static void oom_free(void *p) { free(p); }
static void *oom_realloc(void *p, size_t n) {
  return oom_should_fail() ? NULL : realloc(p, n);
}
static char *oom_strdup(const char *s) {
  return oom_should_fail() ? NULL : strdup(s);
}
static void *oom_calloc(size_t a, size_t b) {
  return oom_should_fail() ? NULL : calloc(a, b);
}

#define OOM_STEP(expr)                                                         \
  do {                                                                         \
    if ((expr) != 0) {                                                         \
      rc = FERRYE_OUT_OF_MEMORY;                                               \
      goto out;                                                                \
    }                                                                          \
  } while (0)

/* The jar on its own: every call either works or says out of memory. */
static ferry_code oom_scenario_jar(tserver *s, const char *path) {
  ferry__cookie_jar *jar = ferry__cookie_jar_new();
  ferry_code rc = FERRYE_OK;
  ferry_slist *l = NULL;
  char *v = NULL, *line = NULL;

  (void)s;
  if (jar == NULL)
    return FERRYE_OUT_OF_MEMORY;
  for (int i = 0; i < 20; i++) {
    const char *hdr = f("c%d=v%d; Domain=example.com; Path=/p%d; Max-Age=60", i,
                        i, i % 3);
    OOM_STEP(set(jar, hdr, "www.example.com", "/", 0) == FERRY__COOKIE_NOMEM);
  }
  static const char netscape[] = "h.test\tFALSE\t/\tFALSE\t0\tn\tv";
  OOM_STEP(ferry__cookie_add_netscape(jar, netscape, strlen(netscape), 0,
                                      NULL) == FERRY__COOKIE_NOMEM);
  OOM_STEP(ferry__cookie_header(jar, "www.example.com", "/p1/x", 0, &v, NULL));
  OOM_STEP(ferry__cookie_list(jar, &l));
  OOM_STEP((line = ferry__cookie_netscape_line(jar->v[0])) == NULL);
  rc = ferry__cookie_save(jar, path);
  if (rc != FERRYE_OK)
    goto out;
  ferry__cookie_jar_clear(jar, 0);
  rc = ferry__cookie_load(jar, path, 0);
  if (rc == FERRYE_OK && ferry__cookie_jar_count(jar) != 21)
    rc = FERRYE_LAST;
out:
  ferry__free(v);
  ferry__free(line);
  ferry_slist_free_all(l);
  ferry__cookie_jar_free(jar);
  return rc;
}

/* Two transfers with the engine, COOKIELIST, the info list and the jar
 * written at cleanup. */
static ferry_code oom_scenario_transfer(tserver *s, const char *path) {
  sink body = {0};
  ferry_easy *e = fx_easy(fx_url(s, "/"), &body, NULL);
  ferry_slist *l = NULL;
  ferry_code rc = FERRYE_OK;

  if (e == NULL)
    return FERRYE_OUT_OF_MEMORY;
  OOM_STEP(ferry_easy_setopt(e, FERRYOPT_COOKIEFILE, ""));
  OOM_STEP(ferry_easy_setopt(e, FERRYOPT_COOKIEJAR, path));
  OOM_STEP(ferry_easy_setopt(e, FERRYOPT_COOKIE, "opt=1"));
  OOM_STEP(ferry_easy_setopt(e, FERRYOPT_COOKIELIST,
                             "127.0.0.1\tFALSE\t/\tFALSE\t0\tapp\t1"));
  rc = ferry_easy_perform(e);
  if (rc == FERRYE_OK)
    rc = ferry_easy_perform(e);
  if (rc == FERRYE_OK)
    rc = ferry_easy_getinfo(e, FERRYINFO_COOKIELIST, &l);
  if (rc == FERRYE_OK && (l == NULL || l->next == NULL))
    rc = FERRYE_LAST; /* app and sid */
out:
  ferry_slist_free_all(l);
  ferry_easy_cleanup(e);
  sink_free(&body);
  return rc;
}

static int oom_run(ferry_code (*fn)(tserver *, const char *), const char *name) {
  tserver *s = tserver_start();
  char path[64];
  long total, oom_results = 0;

  ASSERT_NOT_NULL(s);
  temp_name(path, sizeof(path));
  tserver_respond_always(s, "HTTP/1.1 200 OK\r\nSet-Cookie: sid=1\r\n"
                            "Content-Length: 5\r\n\r\nhello", 0);
  ASSERT_EQ(ferry_global_init_mem(FERRY_GLOBAL_ALL, oom_malloc, oom_free,
                                  oom_realloc, oom_strdup, oom_calloc),
            FERRYE_OK);
  oom_count = 0;
  oom_fail_at = 0;
  ASSERT_EQ(fn(s, path), FERRYE_OK);
  total = oom_count;
  ASSERT_GE(total, 10);
  for (long i = 1; i <= total; i++) {
    ferry_code rc;
    oom_count = 0;
    oom_fail_at = i;
    rc = fn(s, path);
    if (rc != FERRYE_OK && rc != FERRYE_OUT_OF_MEMORY &&
        rc != FERRYE_RECV_ERROR && rc != FERRYE_WRITE_ERROR &&
        rc != FERRYE_COULDNT_CONNECT && rc != FERRYE_FAILED_INIT)
      TEST_FAIL_("%s: failing allocation %ld of %ld gave %d", name, i, total,
                 (int)rc);
    oom_results += rc == FERRYE_OUT_OF_MEMORY;
  }
  oom_fail_at = 0;
  ASSERT_GE(oom_results * 2, total);
  ferry_global_cleanup();
  unlink(path);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(cookie_oom_each_allocation_of_the_jar_fails_cleanly) {
  return oom_run(oom_scenario_jar, "jar");
}

TEST_IMPL(cookie_oom_each_allocation_of_cookie_transfers_fails_cleanly) {
  return oom_run(oom_scenario_transfer, "transfer");
}

/* HSTS: the Strict-Transport-Security parser and the store (src/hsts.c),
 * libcurl's HSTS file format byte for byte, the read and write callbacks,
 * and whole transfers: an https response's header makes a later http://
 * URL go to https:// before any byte reaches the plain server. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "certs.h"
#include "fx.h"
#include "hsts.h"
#include "server.h"
#include "test.h"
#include "tlsserver.h"

#define XFER_TIMEOUT_MS 15000L

static int64_t fake_clock(void *ud) { return *(int64_t *)ud; }

/* 2026-01-01 00:00:00 UTC */
#define T0 1767225600LL

#define ASSERT_CONTAINS(hay, needle)                                          \
  do {                                                                        \
    const char *h_ = (hay), *n_ = (needle);                                   \
    if (h_ == NULL || strstr(h_, n_) == NULL)                                 \
      TEST_FAIL_("\"%s\" does not contain \"%s\"", h_ ? h_ : "(null)", n_);   \
  } while (0)

static int parse(const char *v, int64_t *max_age, int *sub) {
  return ferry__hsts_parse(v, strlen(v), max_age, sub, NULL);
}

static ferry__hsts_result header(ferry__hsts *h, const char *host,
                                 const char *v) {
  return ferry__hsts_header(h, host, v, strlen(v), NULL);
}

static ferry__hsts_result line(ferry__hsts *h, const char *l) {
  return ferry__hsts_add_line(h, l, strlen(l), NULL);
}

static ferry__hsts *new_store(int64_t *now) {
  ferry__hsts *h = ferry__hsts_new();
  if (h)
    ferry__hsts_set_clock(h, fake_clock, now);
  return h;
}

/* A temporary file name (the file is removed). */
static void temp_name(char *buf, size_t n) {
  int fd;
  snprintf(buf, n, "/tmp/ferry-hsts-XXXXXX");
  fd = mkstemp(buf);
  if (fd >= 0) {
    close(fd);
    unlink(buf);
  }
}

static int write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return -1;
  fputs(text, f);
  return fclose(f);
}

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  char *p;
  long n;
  if (f == NULL)
    return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  p = malloc((size_t)n + 1);
  if (fread(p, 1, (size_t)n, f) != (size_t)n)
    n = 0;
  p[n] = '\0';
  fclose(f);
  return p;
}

/* The text after the lines starting with '#'. */
static const char *after_comments(const char *text) {
  while (*text == '#') {
    const char *nl = strchr(text, '\n');
    if (nl == NULL)
      return text + strlen(text);
    text = nl + 1;
  }
  return text;
}

/* ---- the header (RFC 6797 section 6.1) -------------------------------- */

TEST_IMPL(hsts_parse_takes_the_rfc6797_examples) {
  int64_t ma;
  int sub;

  /* section 6.2's examples, and section 6.1.1's quoted form */
  ASSERT_EQ(parse("max-age=31536000", &ma, &sub), 0);
  ASSERT_EQ(ma, 31536000);
  ASSERT_EQ(sub, 0);
  ASSERT_EQ(parse("max-age=15768000 ; includeSubDomains", &ma, &sub), 0);
  ASSERT_EQ(ma, 15768000);
  ASSERT_EQ(sub, 1);
  ASSERT_EQ(parse("max-age=\"31536000\"", &ma, &sub), 0);
  ASSERT_EQ(ma, 31536000);
  ASSERT_EQ(parse("max-age=0", &ma, &sub), 0);
  ASSERT_EQ(ma, 0);
  ASSERT_EQ(parse("max-age=0; includeSubDomains", &ma, &sub), 0);
  ASSERT_EQ(ma, 0);
  ASSERT_EQ(sub, 1);
  /* names in any case, any order, blanks and empty directives around */
  ASSERT_EQ(parse("INCLUDESUBDOMAINS;MAX-AGE=5", &ma, &sub), 0);
  ASSERT_EQ(ma, 5);
  ASSERT_EQ(sub, 1);
  ASSERT_EQ(parse(" ;; \tmax-age = 7 ;\t; ", &ma, &sub), 0);
  ASSERT_EQ(ma, 7);
  ASSERT_EQ(sub, 0);
  /* leading zeros; a quoted-pair stands for its character */
  ASSERT_EQ(parse("max-age=0010", &ma, &sub), 0);
  ASSERT_EQ(ma, 10);
  ASSERT_EQ(parse("max-age=\"1\\2\"", &ma, &sub), 0);
  ASSERT_EQ(ma, 12);
  /* a line ending is not part of the value */
  ASSERT_EQ(parse("max-age=9\r\n", &ma, &sub), 0);
  ASSERT_EQ(ma, 9);
  /* a max-age past what fits is the largest one */
  ASSERT_EQ(parse("max-age=99999999999999999999999999", &ma, &sub), 0);
  ASSERT_EQ(ma, INT64_MAX);
  return 0;
}

TEST_IMPL(hsts_parse_ignores_unknown_directives) {
  int64_t ma;
  int sub;

  ASSERT_EQ(parse("max-age=5; preload", &ma, &sub), 0);
  ASSERT_EQ(ma, 5);
  ASSERT_EQ(parse("foo=\"bar;baz=1\"; max-age=6; x=y; preload; preload", &ma,
                  &sub),
            0);
  ASSERT_EQ(ma, 6);
  ASSERT_EQ(sub, 0);
  return 0;
}

TEST_IMPL(hsts_parse_refuses_invalid_headers_whole) {
  static const char *const bad[] = {
      "",                                      /* no max-age */
      "includeSubDomains",                     /* no max-age */
      "max-age",                               /* no value */
      "max-age=",                              /* empty value */
      "max-age=-1",                            /* not delta-seconds */
      "max-age=1.5",
      "max-age=abc",
      "max-age=\"\"",
      "max-age=\"12a\"",
      "max-age=1; max-age=2",                  /* a directive twice */
      "max-age=1; MAX-AGE=1",
      "includeSubDomains; includeSubDomains; max-age=1",
      "includeSubDomains=1; max-age=1",        /* a value where none goes */
      "max-age=\"5",                           /* unterminated */
      "max-age=5 6",                           /* junk after a value */
      "max-age=\"5\"x",
      "max-age=5, includeSubDomains",          /* ',' is no separator */
      "=5",                                    /* no name */
      "max-age=5; =",
      "max age=5",
      "max-age=5; foo=\"a\001b\"",             /* control byte, quoted */
  };
  int64_t ma;
  int sub;
  const char *why;

  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    why = NULL;
    if (ferry__hsts_parse(bad[i], strlen(bad[i]), &ma, &sub, &why) != -1)
      TEST_FAIL_("\"%s\" was taken", bad[i]);
    ASSERT_NOT_NULL(why);
  }
  return 0;
}

/* ---- the store --------------------------------------------------------- */

TEST_IMPL(hsts_store_notes_updates_and_removes_hosts) {
  int64_t now = T0;
  ferry__hsts *h = new_store(&now);
  const ferry__hsts_entry *ent;

  ASSERT_NOT_NULL(h);
  ASSERT_EQ(header(h, "a.example", "max-age=100"), FERRY__HSTS_STORED);
  ASSERT_EQ(header(h, "b.example", "max-age=200; includeSubDomains"),
            FERRY__HSTS_STORED);
  ASSERT_EQ(ferry__hsts_count(h), 2);
  ent = ferry__hsts_find(h, "a.example");
  ASSERT_NOT_NULL(ent);
  ASSERT_EQ(ent->expires, T0 + 100);
  ASSERT_EQ(ent->subdomains, 0);
  /* a later header replaces expiry and includeSubDomains, in place */
  now += 10;
  ASSERT_EQ(header(h, "A.Example", "max-age=50; includeSubDomains"),
            FERRY__HSTS_STORED);
  ent = ferry__hsts_find(h, "a.example");
  ASSERT_EQ(ent->expires, T0 + 60);
  ASSERT_EQ(ent->subdomains, 1);
  ASSERT_EQ(ferry__hsts_count(h), 2);
  {
    char *t = ferry__hsts_text(h, NULL);
    ASSERT_STR_EQ(after_comments(t), ".a.example \"20260101 00:01:00\"\n"
                                     ".b.example \"20260101 00:03:20\"\n");
    ferry__free(t);
  }
  /* an invalid header changes nothing */
  ASSERT_EQ(header(h, "a.example", "max-age=1; max-age=1"),
            FERRY__HSTS_SKIPPED);
  ASSERT_EQ(ferry__hsts_find(h, "a.example")->expires, T0 + 60);
  /* max-age=0 removes the host's own entry, and only that */
  ASSERT_EQ(header(h, "x.b.example", "max-age=0"), FERRY__HSTS_REMOVED);
  ASSERT_EQ(ferry__hsts_count(h), 2);
  ASSERT_EQ(header(h, "a.example", "max-age=0"), FERRY__HSTS_REMOVED);
  ASSERT_NULL(ferry__hsts_find(h, "a.example"));
  ASSERT_EQ(ferry__hsts_known(h, "a.example"), 0);
  ASSERT_EQ(ferry__hsts_count(h), 1);
  ferry__hsts_free(h);
  return 0;
}

TEST_IMPL(hsts_lookup_is_exact_or_a_parent_with_subdomains) {
  int64_t now = T0;
  ferry__hsts *h = new_store(&now);

  ASSERT_NOT_NULL(h);
  ASSERT_EQ(header(h, "exact.example", "max-age=100"), FERRY__HSTS_STORED);
  ASSERT_EQ(header(h, "wide.example", "max-age=100; includeSubDomains"),
            FERRY__HSTS_STORED);
  ASSERT_EQ(ferry__hsts_known(h, "exact.example"), 1);
  ASSERT_EQ(ferry__hsts_known(h, "EXACT.example."), 1); /* case, root dot */
  ASSERT_EQ(ferry__hsts_known(h, "sub.exact.example"), 0);
  ASSERT_EQ(ferry__hsts_known(h, "example"), 0);
  ASSERT_EQ(ferry__hsts_known(h, "wide.example"), 1);
  ASSERT_EQ(ferry__hsts_known(h, "a.wide.example"), 1);
  ASSERT_EQ(ferry__hsts_known(h, "b.a.Wide.Example"), 1);
  ASSERT_EQ(ferry__hsts_known(h, "xwide.example"), 0); /* not a label */
  ASSERT_EQ(ferry__hsts_known(h, ".wide.example"), 0);
  ASSERT_EQ(ferry__hsts_known(h, "other.example"), 0);
  ASSERT_EQ(ferry__hsts_known(h, ""), 0);
  /* a congruent entry without includeSubDomains under a wide parent */
  ASSERT_EQ(header(h, "x.wide.example", "max-age=100"), FERRY__HSTS_STORED);
  ASSERT_EQ(ferry__hsts_known(h, "y.x.wide.example"), 1);
  ferry__hsts_free(h);
  return 0;
}

TEST_IMPL(hsts_ip_addresses_are_never_noted_nor_known) {
  int64_t now = T0;
  ferry__hsts *h = new_store(&now);

  ASSERT_NOT_NULL(h);
  ASSERT_EQ(header(h, "127.0.0.1", "max-age=100"), FERRY__HSTS_SKIPPED);
  ASSERT_EQ(header(h, "::1", "max-age=100"), FERRY__HSTS_SKIPPED);
  ASSERT_EQ(line(h, "10.0.0.1 \"20300101 00:00:00\""), FERRY__HSTS_SKIPPED);
  ASSERT_EQ(line(h, "[::1] \"20300101 00:00:00\""), FERRY__HSTS_SKIPPED);
  ASSERT_EQ(ferry__hsts_add(h, "192.168.1.1", 11, 0, FERRY__HSTS_UNLIMITED,
                            NULL),
            FERRY__HSTS_SKIPPED);
  ASSERT_EQ(ferry__hsts_count(h), 0);
  ASSERT_EQ(ferry__hsts_known(h, "127.0.0.1"), 0);
  /* a name that only looks numeric in part is a name */
  ASSERT_EQ(header(h, "1.2.3.example", "max-age=100"), FERRY__HSTS_STORED);
  ASSERT_EQ(ferry__hsts_known(h, "1.2.3.example"), 1);
  ferry__hsts_free(h);
  return 0;
}

TEST_IMPL(hsts_entries_expire_at_max_age) {
  int64_t now = T0;
  ferry__hsts *h = new_store(&now);

  ASSERT_NOT_NULL(h);
  ASSERT_EQ(header(h, "short.example", "max-age=10"), FERRY__HSTS_STORED);
  ASSERT_EQ(header(h, "long.example", "max-age=1000"), FERRY__HSTS_STORED);
  ASSERT_EQ(header(h, "huge.example", "max-age=999999999999999"),
            FERRY__HSTS_STORED);
  ASSERT_EQ(ferry__hsts_find(h, "huge.example")->expires,
            FERRY__HSTS_UNLIMITED);
  now = T0 + 9;
  ASSERT_EQ(ferry__hsts_known(h, "short.example"), 1);
  now = T0 + 10;
  ASSERT_EQ(ferry__hsts_known(h, "short.example"), 0);
  ASSERT_NULL(ferry__hsts_find(h, "short.example")); /* removed on the way */
  ASSERT_EQ(ferry__hsts_count(h), 2);
  now = T0 + 5000;
  ASSERT_EQ(ferry__hsts_count(h), 1);
  ASSERT_EQ(ferry__hsts_known(h, "huge.example"), 1);
  ferry__hsts_free(h);
  return 0;
}

TEST_IMPL(hsts_store_is_capped_and_drops_what_expires_first) {
  int64_t now = T0;
  ferry__hsts *h = new_store(&now);
  char host[64];

  ASSERT_NOT_NULL(h);
  for (int i = 0; i < FERRY__HSTS_MAX_ENTRIES; i++) {
    snprintf(host, sizeof(host), "h%d.example", i);
    /* h0 expires last, h1 first */
    ASSERT_EQ(ferry__hsts_add(h, host, strlen(host), 0,
                              i == 0 ? T0 + 100000 : T0 + 100 + i, NULL),
              FERRY__HSTS_STORED);
  }
  ASSERT_EQ(ferry__hsts_count(h), FERRY__HSTS_MAX_ENTRIES);
  ASSERT_EQ(header(h, "new.example", "max-age=50000"), FERRY__HSTS_STORED);
  ASSERT_EQ(ferry__hsts_count(h), FERRY__HSTS_MAX_ENTRIES);
  ASSERT_NULL(ferry__hsts_find(h, "h1.example"));
  ASSERT_NOT_NULL(ferry__hsts_find(h, "h0.example"));
  ASSERT_NOT_NULL(ferry__hsts_find(h, "new.example"));
  /* expired entries go before any in force */
  now = T0 + 100 + 10;
  ASSERT_EQ(header(h, "newer.example", "max-age=50"), FERRY__HSTS_STORED);
  /* h2..h10 had expired (h1 was pushed out before): nine gone, one new */
  ASSERT_NULL(ferry__hsts_find(h, "h10.example"));
  ASSERT_NOT_NULL(ferry__hsts_find(h, "h11.example"));
  ASSERT_EQ(ferry__hsts_count(h), FERRY__HSTS_MAX_ENTRIES - 8);
  ferry__hsts_free(h);
  return 0;
}

/* ---- the file format --------------------------------------------------- */

TEST_IMPL(hsts_expiry_is_written_and_read_as_libcurl_does) {
  char out[18];
  int64_t t;

  ferry__hsts_format_expiry(0, out);
  ASSERT_STR_EQ(out, "19700101 00:00:00");
  ferry__hsts_format_expiry(T0, out);
  ASSERT_STR_EQ(out, "20260101 00:00:00");
  ferry__hsts_format_expiry(1709251199, out);
  ASSERT_STR_EQ(out, "20240229 23:59:59");
  ferry__hsts_format_expiry(FERRY__HSTS_LAST_DATE, out);
  ASSERT_STR_EQ(out, "99991231 23:59:59");
  ferry__hsts_format_expiry(FERRY__HSTS_LAST_DATE + 1, out);
  ASSERT_STR_EQ(out, "unlimited");
  ferry__hsts_format_expiry(FERRY__HSTS_UNLIMITED, out);
  ASSERT_STR_EQ(out, "unlimited");
  ASSERT_EQ(ferry__hsts_parse_expiry("20240229 23:59:59", 17, &t), 0);
  ASSERT_EQ(t, 1709251199);
  ASSERT_EQ(ferry__hsts_parse_expiry("unlimited", 9, &t), 0);
  ASSERT_EQ(t, FERRY__HSTS_UNLIMITED);
  /* a leap second rolls over, as libcurl's date parser does */
  ASSERT_EQ(ferry__hsts_parse_expiry("20301231 23:59:60", 17, &t), 0);
  ferry__hsts_format_expiry(t, out);
  ASSERT_STR_EQ(out, "20310101 00:00:00");
  /* a cookie date too */
  ASSERT_EQ(ferry__hsts_parse_expiry("Wed, 01 Jan 2031 00:00:00 GMT", 29, &t),
            0);
  ferry__hsts_format_expiry(t, out);
  ASSERT_STR_EQ(out, "20310101 00:00:00");
  ASSERT_EQ(ferry__hsts_parse_expiry("2031", 4, &t), -1);
  ASSERT_EQ(ferry__hsts_parse_expiry("20311301 00:00:00", 17, &t), -1);
  ASSERT_EQ(ferry__hsts_parse_expiry("2031010a 00:00:00", 17, &t), -1);
  ASSERT_EQ(ferry__hsts_parse_expiry("Unlimited", 9, &t), -1);
  ASSERT_EQ(ferry__hsts_parse_expiry("", 0, &t), -1);
  return 0;
}

TEST_IMPL(hsts_file_lines_are_read_as_libcurl_reads_them) {
  int64_t now = T0;
  ferry__hsts *h = new_store(&now);
  const ferry__hsts_entry *ent;
  char longhost[300];

  ASSERT_NOT_NULL(h);
  /* comments and blank lines */
  ASSERT_EQ(line(h, "# comment \"20300101 00:00:00\"\n"), FERRY__HSTS_SKIPPED);
  ASSERT_EQ(line(h, "   # indented\n"), FERRY__HSTS_SKIPPED);
  ASSERT_EQ(line(h, "\n"), FERRY__HSTS_SKIPPED);
  ASSERT_EQ(line(h, ""), FERRY__HSTS_SKIPPED);
  /* entries, in libcurl's leniency */
  ASSERT_EQ(line(h, "plain.example \"20300101 00:00:00\"\n"),
            FERRY__HSTS_STORED);
  ASSERT_EQ(line(h, ".wide.example \"unlimited\"\r\n"), FERRY__HSTS_STORED);
  ASSERT_EQ(line(h, "\ttab.example\t\"20300101 00:00:00\""),
            FERRY__HSTS_STORED);
  ASSERT_EQ(line(h, "open.example \"20300101 00:00:00"), FERRY__HSTS_STORED);
  ASSERT_EQ(line(h, "junk.example \"20300101 00:00:00\" and more"),
            FERRY__HSTS_STORED);
  ASSERT_EQ(line(h, "dot.example. \"20300101 00:00:00\""), FERRY__HSTS_STORED);
  ASSERT_EQ(line(h, "Case.Example \"20300101 00:00:00\""), FERRY__HSTS_STORED);
  ASSERT_EQ(line(h, "rfc.example \"Tue, 01 Jan 2030 00:00:00 GMT\""),
            FERRY__HSTS_STORED);
  /* malformed lines and expired or IP entries are skipped */
  ASSERT_EQ(line(h, "bare.example"), FERRY__HSTS_SKIPPED);
  ASSERT_EQ(line(h, "noquote.example 20300101 00:00:00"), FERRY__HSTS_SKIPPED);
  ASSERT_EQ(line(h, "unq.example unlimited"), FERRY__HSTS_SKIPPED);
  ASSERT_EQ(line(h, "bad.example \"2030\""), FERRY__HSTS_SKIPPED);
  ASSERT_EQ(line(h, "old.example \"20250101 00:00:00\""), FERRY__HSTS_SKIPPED);
  ASSERT_EQ(line(h, ". \"20300101 00:00:00\""), FERRY__HSTS_SKIPPED);
  ASSERT_EQ(line(h, ".. \"20300101 00:00:00\""), FERRY__HSTS_SKIPPED);
  ASSERT_EQ(line(h, "dots.example.. \"unlimited\""), FERRY__HSTS_SKIPPED);
  ASSERT_EQ(line(h, "#x.example \"unlimited\""), FERRY__HSTS_SKIPPED);
  ASSERT_EQ(line(h, "\"q.example\" \"20300101 00:00:00\""), FERRY__HSTS_SKIPPED);
  memset(longhost, 'a', sizeof(longhost));
  memcpy(longhost + FERRY__HSTS_MAX_HOST + 1, " \"unlimited\"", 13);
  ASSERT_EQ(line(h, longhost), FERRY__HSTS_SKIPPED);
  memcpy(longhost + FERRY__HSTS_MAX_HOST, " \"unlimited\"", 13);
  ASSERT_EQ(line(h, longhost), FERRY__HSTS_STORED); /* exactly at the cap */
  ASSERT_EQ(ferry__hsts_count(h), 9);
  ent = ferry__hsts_find(h, "wide.example");
  ASSERT_NOT_NULL(ent);
  ASSERT_EQ(ent->subdomains, 1);
  ASSERT_EQ(ent->expires, FERRY__HSTS_UNLIMITED);
  ASSERT_STR_EQ(ferry__hsts_find(h, "dot.example")->host, "dot.example");
  ASSERT_STR_EQ(ferry__hsts_find(h, "case.example")->host, "Case.Example");
  ASSERT_EQ(ferry__hsts_known(h, "x.wide.example"), 1);
  /* a host read again takes the later expiry and keeps its subdomains */
  ASSERT_EQ(line(h, "wide.example \"20310101 00:00:00\""), FERRY__HSTS_STORED);
  ASSERT_EQ(ferry__hsts_find(h, "wide.example")->expires,
            FERRY__HSTS_UNLIMITED);
  ASSERT_EQ(line(h, "plain.example \"20290101 00:00:00\""), FERRY__HSTS_STORED);
  ASSERT_EQ(line(h, ".plain.example \"20310101 00:00:00\""),
            FERRY__HSTS_STORED);
  ent = ferry__hsts_find(h, "plain.example");
  ASSERT_EQ(ent->subdomains, 0);
  ASSERT_EQ(ent->expires, 1924992000); /* 2031-01-01 */
  ASSERT_EQ(ferry__hsts_count(h), 9);
  ferry__hsts_free(h);
  return 0;
}

/* What libcurl 7.88.1 wrote (CURLOPT_HSTS, at curl_easy_cleanup) after its
 * read callback gave these four entries: captured while developing. */
static const char libcurl_file[] =
    "# Your HSTS cache. https://curl.se/docs/hsts.html\n"
    "# This file was generated by libcurl! Edit at your own risk.\n"
    ".example.com \"20310101 00:00:00\"\n"
    "www.example.org \"unlimited\"\n"
    "a.b.example.net \"20300615 12:34:56\"\n"
    ".Mixed.Case.example \"20991231 23:59:59\"\n";

/* What ferry writes for the same entries. */
static const char ferry_file[] =
    "# HSTS hosts, written by ferry: host (a leading '.' covers its\n"
    "# subdomains) and expiry (UTC, or \"unlimited\"). Edit at your own risk.\n"
    ".example.com \"20310101 00:00:00\"\n"
    "www.example.org \"unlimited\"\n"
    "a.b.example.net \"20300615 12:34:56\"\n"
    ".Mixed.Case.example \"20991231 23:59:59\"\n";

TEST_IMPL(hsts_file_is_written_byte_for_byte_as_libcurl_writes_it) {
  int64_t now = T0, t;
  ferry__hsts *h = new_store(&now);
  char *text;
  size_t len;

  ASSERT_NOT_NULL(h);
  /* the entries as the read callback gave them to libcurl */
  ASSERT_EQ(ferry__hsts_parse_expiry("20310101 00:00:00", 17, &t), 0);
  ASSERT_EQ(ferry__hsts_add(h, "example.com", 11, 1, t, NULL),
            FERRY__HSTS_STORED);
  ASSERT_EQ(ferry__hsts_add(h, "www.example.org", 15, 0, FERRY__HSTS_UNLIMITED,
                            NULL),
            FERRY__HSTS_STORED);
  ASSERT_EQ(ferry__hsts_parse_expiry("20300615 12:34:56", 17, &t), 0);
  ASSERT_EQ(ferry__hsts_add(h, "a.b.example.net", 15, 0, t, NULL),
            FERRY__HSTS_STORED);
  ASSERT_EQ(ferry__hsts_parse_expiry("20991231 23:59:59", 17, &t), 0);
  ASSERT_EQ(ferry__hsts_add(h, "Mixed.Case.example", 18, 1, t, NULL),
            FERRY__HSTS_STORED);
  text = ferry__hsts_text(h, &len);
  ASSERT_NOT_NULL(text);
  ASSERT_MEM_EQ(text, len, ferry_file);
  /* every entry line is libcurl's, byte for byte */
  ASSERT_STR_EQ(after_comments(text), after_comments(libcurl_file));
  ferry__free(text);
  ferry__hsts_free(h);
  return 0;
}

TEST_IMPL(hsts_file_libcurl_wrote_is_read_and_written_back_the_same) {
  int64_t now = T0;
  ferry__hsts *h = new_store(&now), *back = new_store(&now);
  char path[64], *text, *again;

  ASSERT_NOT_NULL(h);
  ASSERT_NOT_NULL(back);
  temp_name(path, sizeof(path));
  ASSERT_EQ(write_file(path, libcurl_file), 0);
  ASSERT_EQ(ferry__hsts_load(h, path), FERRYE_OK);
  ASSERT_EQ(ferry__hsts_count(h), 4);
  ASSERT_EQ(ferry__hsts_known(h, "deep.mixed.case.EXAMPLE"), 1);
  ASSERT_EQ(ferry__hsts_save(h, path), FERRYE_OK);
  text = read_file(path);
  ASSERT_NOT_NULL(text);
  ASSERT_STR_EQ(text, ferry_file);
  /* and what ferry wrote reads back to the same */
  ASSERT_EQ(ferry__hsts_load(back, path), FERRYE_OK);
  again = ferry__hsts_text(back, NULL);
  ASSERT_STR_EQ(again, ferry_file);
  ferry__free(again);
  free(text);
  unlink(path);
  /* a file that is not there */
  ASSERT_EQ(ferry__hsts_load(h, path), FERRYE_READ_ERROR);
  /* a line past the cap is skipped, the next one read */
  {
    size_t n = FERRY__HSTS_MAX_LINE + 100;
    char *big = malloc(n + 64);
    memset(big, ' ', n);
    strcpy(big + n, "toolong.example \"unlimited\"\nnext.example \"unlimited\"\n");
    ASSERT_EQ(write_file(path, big), 0);
    free(big);
    ASSERT_EQ(ferry__hsts_load(back, path), FERRYE_OK);
    ASSERT_NULL(ferry__hsts_find(back, "toolong.example"));
    ASSERT_NOT_NULL(ferry__hsts_find(back, "next.example"));
    unlink(path);
  }
  /* a directory cannot be written over */
  ASSERT_EQ(ferry__hsts_save(h, "/"), FERRYE_WRITE_ERROR);
  ferry__hsts_free(h);
  ferry__hsts_free(back);
  return 0;
}

/* ---- the callbacks, on the store alone --------------------------------- */

typedef struct rstate {
  const char *const *entries; /* "[+]name|expire", NULL-ended */
  int calls;
  int fail_at;                /* call index that says FAIL; -1 none */
  size_t namelen_seen;
  int clean_seen;             /* every call got an empty name and expire */
} rstate;

static ferry_stscode read_entries(ferry_easy *e, struct ferry_hstsentry *sts,
                                  void *userp) {
  rstate *r = userp;
  const char *spec, *bar;
  (void)e;
  r->namelen_seen = sts->namelen;
  if (sts->name[0] != '\0' || sts->expire[0] != '\0' || sts->includeSubDomains)
    r->clean_seen = 0;
  if (r->calls == r->fail_at) {
    r->calls++;
    return FERRYSTS_FAIL;
  }
  spec = r->entries[r->calls++];
  if (spec == NULL)
    return FERRYSTS_DONE;
  sts->includeSubDomains = spec[0] == '+';
  if (spec[0] == '+')
    spec++;
  bar = strchr(spec, '|');
  memcpy(sts->name, spec, (size_t)(bar - spec));
  sts->name[bar - spec] = '\0';
  snprintf(sts->expire, sizeof(sts->expire), "%s", bar + 1);
  return FERRYSTS_OK;
}

typedef struct wstate {
  char lines[8][300];
  int calls;
  int stop_after; /* return DONE after this many; 0: never */
} wstate;

static ferry_stscode write_entries(ferry_easy *e, struct ferry_hstsentry *sts,
                                   struct ferry_index *i, void *userp) {
  wstate *w = userp;
  (void)e;
  if (w->calls < 8)
    snprintf(w->lines[w->calls], sizeof(w->lines[0]), "%zu/%zu %s%s %s %zu",
             i->index, i->total, sts->includeSubDomains ? "." : "", sts->name,
             sts->expire, sts->namelen);
  w->calls++;
  return w->stop_after && w->calls >= w->stop_after ? FERRYSTS_DONE
                                                    : FERRYSTS_OK;
}

TEST_IMPL(hsts_read_callback_fills_the_store_until_done) {
  static const char *const entries[] = {
      "+one.example|20300101 00:00:00", "two.example|", "old.example|20000101 00:00:00",
      "nodate.example|garbage", "two.example|20990101 00:00:00", "10.1.1.1|",
      NULL};
  int64_t now = T0;
  ferry__hsts *h = new_store(&now);
  rstate r = {entries, 0, -1, 0, 1};
  int inside = 0;

  ASSERT_NOT_NULL(h);
  ASSERT_EQ(ferry__hsts_read_callback(h, read_entries, NULL, &r, &inside, NULL),
            FERRYE_OK);
  ASSERT_EQ(r.calls, 7); /* six entries, then DONE */
  ASSERT_EQ(r.namelen_seen, FERRY__HSTS_MAX_HOST);
  ASSERT_EQ(r.clean_seen, 1);
  ASSERT_EQ(inside, 0);
  /* the expired, undated and IP entries were not taken; two.example once */
  ASSERT_EQ(ferry__hsts_count(h), 2);
  ASSERT_EQ(ferry__hsts_find(h, "one.example")->subdomains, 1);
  ASSERT_EQ(ferry__hsts_find(h, "two.example")->expires, FERRY__HSTS_UNLIMITED);
  ferry__hsts_free(h);
  return 0;
}

TEST_IMPL(hsts_read_callback_fail_and_empty_name_are_errors) {
  static const char *const entries[] = {"a.example|", "b.example|", NULL};
  static const char *const empty[] = {"a.example|", "|", "c.example|", NULL};
  int64_t now = T0;
  ferry__hsts *h = new_store(&now);
  rstate r = {entries, 0, 1, 0, 1};

  ASSERT_NOT_NULL(h);
  ASSERT_EQ(ferry__hsts_read_callback(h, read_entries, NULL, &r, NULL, NULL),
            FERRYE_ABORTED_BY_CALLBACK);
  ASSERT_EQ(r.calls, 2);
  ASSERT_EQ(ferry__hsts_count(h), 1); /* what came before FAIL stays */
  r.entries = empty;
  r.calls = 0;
  r.fail_at = -1;
  ASSERT_EQ(ferry__hsts_read_callback(h, read_entries, NULL, &r, NULL, NULL),
            FERRYE_BAD_FUNCTION_ARGUMENT);
  ASSERT_EQ(r.calls, 2);
  ASSERT_NULL(ferry__hsts_find(h, "c.example"));
  ferry__hsts_free(h);
  return 0;
}

TEST_IMPL(hsts_write_callback_gets_every_entry_with_its_index) {
  int64_t now = T0;
  ferry__hsts *h = new_store(&now);
  wstate w;

  ASSERT_NOT_NULL(h);
  memset(&w, 0, sizeof(w));
  ASSERT_EQ(header(h, "a.example", "max-age=60; includeSubDomains"),
            FERRY__HSTS_STORED);
  ASSERT_EQ(header(h, "b.example", "max-age=5"), FERRY__HSTS_STORED);
  ASSERT_EQ(line(h, "c.example \"unlimited\""), FERRY__HSTS_STORED);
  ASSERT_EQ(ferry__hsts_write_callback(h, write_entries, NULL, &w, NULL, NULL),
            FERRYE_OK);
  ASSERT_EQ(w.calls, 3);
  ASSERT_STR_EQ(w.lines[0], "0/3 .a.example 20260101 00:01:00 9");
  ASSERT_STR_EQ(w.lines[1], "1/3 b.example 20260101 00:00:05 9");
  ASSERT_STR_EQ(w.lines[2], "2/3 c.example unlimited 9");
  /* expired entries are not handed out; DONE ends the calls */
  now = T0 + 5;
  memset(&w, 0, sizeof(w));
  w.stop_after = 1;
  ASSERT_EQ(ferry__hsts_write_callback(h, write_entries, NULL, &w, NULL, NULL),
            FERRYE_OK);
  ASSERT_EQ(w.calls, 1);
  ASSERT_STR_EQ(w.lines[0], "0/2 .a.example 20260101 00:01:00 9");
  ferry__hsts_free(h);
  return 0;
}

/* ---- transfers --------------------------------------------------------- */

static tcerts certs;
static int certs_made;

static void certs_remove(void) {
  if (certs_made)
    tcerts_cleanup(&certs);
  certs_made = 0;
}

static int make_certs(void) {
  if (certs_made)
    return 0;
  if (tcerts_make(&certs) != 0)
    return -1;
  certs_made = 1;
  atexit(certs_remove);
  return 0;
}

#define STS_RESPONSE(sts)                                                      \
  "HTTP/1.1 200 OK\r\nStrict-Transport-Security: " sts                         \
  "\r\nContent-Length: 5\r\n\r\nhello"

static tlsserver *start_tls(const char *response) {
  tlsserver_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.cert = certs.server;
  cfg.key = certs.server_key;
  cfg.mode = TLSSRV_RESPOND;
  cfg.response = response;
  return tlsserver_start(&cfg);
}

static int debug_text(ferry_easy *e, ferry_infotype type, char *data,
                      size_t len, void *userp) {
  (void)e;
  if (type == FERRYINFO_TEXT)
    sink_write(data, 1, len, userp);
  return 0;
}

/* An easy handle for the HSTS transfers: the test CA, bounded, traced into
 * trace, the body into body, "localhost" pinned to 127.0.0.1 for both
 * servers' ports, and CONNECT_TO sending localhost:80 to the plain server
 * and localhost:443 to the TLS one. */
typedef struct rig {
  tserver *plain;
  tlsserver *tls;
  ferry_slist *resolve, *connect_to;
  sink body, trace;
} rig;

static int rig_start(rig *r, const char *tls_response,
                     const char *plain_response) {
  char buf[128];
  memset(r, 0, sizeof(*r));
  if (make_certs() != 0)
    return -1;
  r->tls = start_tls(tls_response);
  r->plain = tserver_start();
  if (r->tls == NULL || r->plain == NULL)
    return -1;
  tserver_respond_always(r->plain, plain_response ? plain_response
                                                  : FX_OK_HELLO, 0);
  snprintf(buf, sizeof(buf), "localhost:%d:127.0.0.1", tlsserver_port(r->tls));
  r->resolve = ferry_slist_append(NULL, buf);
  snprintf(buf, sizeof(buf), "localhost:%d:127.0.0.1", tserver_port(r->plain));
  r->resolve = ferry_slist_append(r->resolve, buf);
  snprintf(buf, sizeof(buf), "localhost:443:127.0.0.1:%d",
           tlsserver_port(r->tls));
  r->connect_to = ferry_slist_append(NULL, buf);
  snprintf(buf, sizeof(buf), "localhost:80:127.0.0.1:%d",
           tserver_port(r->plain));
  r->connect_to = ferry_slist_append(r->connect_to, buf);
  return 0;
}

static int rig_stop(rig *r) {
  int bad = 0;
  if (r->tls && tlsserver_stop(r->tls) != 0)
    bad = 1;
  if (r->plain && tserver_stop(r->plain) != 0)
    bad = 1;
  ferry_slist_free_all(r->resolve);
  ferry_slist_free_all(r->connect_to);
  sink_free(&r->body);
  sink_free(&r->trace);
  return bad;
}

static ferry_easy *rig_easy(rig *r) {
  ferry_easy *e = ferry_easy_init();
  if (e == NULL)
    return NULL;
  ferry_easy_setopt(e, FERRYOPT_CAINFO, certs.ca);
  ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, sink_write);
  ferry_easy_setopt(e, FERRYOPT_WRITEDATA, &r->body);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, XFER_TIMEOUT_MS);
  ferry_easy_setopt(e, FERRYOPT_VERBOSE, 1L);
  ferry_easy_setopt(e, FERRYOPT_DEBUGFUNCTION, debug_text);
  ferry_easy_setopt(e, FERRYOPT_DEBUGDATA, &r->trace);
  ferry_easy_setopt(e, FERRYOPT_RESOLVE, r->resolve);
  ferry_easy_setopt(e, FERRYOPT_CONNECT_TO, r->connect_to);
  return e;
}

static ferry_code get(ferry_easy *e, const char *fmt, int port) {
  char url[128];
  snprintf(url, sizeof(url), fmt, port);
  ferry_easy_setopt(e, FERRYOPT_URL, url);
  return ferry_easy_perform(e);
}

static const char *effective_url(ferry_easy *e) {
  char *u = NULL;
  ferry_easy_getinfo(e, FERRYINFO_EFFECTIVE_URL, &u);
  return u;
}

TEST_IMPL(hsts_https_header_sends_later_http_urls_to_https_first) {
  rig r;
  ferry_easy *e;
  char want[64];

  ASSERT_EQ(rig_start(&r, STS_RESPONSE("max-age=3600"), NULL), 0);
  e = rig_easy(&r);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTS_CTRL, FERRYHSTS_ENABLE),
            FERRYE_OK);
  ASSERT_EQ(get(e, "https://localhost:%d/", tlsserver_port(r.tls)), FERRYE_OK);
  /* the URL named no port: http's 80 becomes https's 443 */
  ASSERT_EQ(get(e, "http://localhost/path?q=1", 0), FERRYE_OK);
  ASSERT_STR_EQ(effective_url(e), "https://localhost/path?q=1");
  ASSERT_CONTAINS(r.trace.data, "HSTS: localhost is a known HSTS host, using "
                                "https://localhost/path?q=1");
  /* a port the URL names stays, as in libcurl (the TLS server's own) */
  ASSERT_EQ(get(e, "http://localhost:%d/x", tlsserver_port(r.tls)), FERRYE_OK);
  snprintf(want, sizeof(want), "https://localhost:%d/x",
           tlsserver_port(r.tls));
  ASSERT_STR_EQ(effective_url(e), want);
  ASSERT_MEM_EQ(r.body.data, r.body.len, "hellohellohello");
  /* an IP address is never switched: this one reaches the plain server */
  ASSERT_EQ(get(e, "http://127.0.0.1:%d/ip", tserver_port(r.plain)),
            FERRYE_OK);
  ASSERT_EQ(tlsserver_get(r.tls, TLSSRV_REQUESTS), 3);
  ASSERT_EQ(tserver_connections(r.plain), 1);
  ferry_easy_cleanup(e);
  ASSERT_EQ(rig_stop(&r), 0);
  return 0;
}

TEST_IMPL(hsts_known_host_gets_no_byte_over_plain_http) {
  rig r;
  ferry_easy *e;

  ASSERT_EQ(rig_start(&r, STS_RESPONSE("max-age=3600; includeSubDomains"),
                      NULL),
            0);
  e = rig_easy(&r);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTS, ""), FERRYE_OK);
  ASSERT_EQ(get(e, "https://localhost:%d/", tlsserver_port(r.tls)), FERRYE_OK);
  ASSERT_EQ(get(e, "http://localhost/", 0), FERRYE_OK);
  /* the plain server never saw a connection */
  ASSERT_EQ(tserver_connections(r.plain), 0);
  ASSERT_EQ(tlsserver_get(r.tls, TLSSRV_REQUESTS), 2);
  ferry_easy_cleanup(e);
  ASSERT_EQ(rig_stop(&r), 0);
  return 0;
}

TEST_IMPL(hsts_redirect_to_http_of_a_known_host_goes_https) {
  static const ferry_hstsread_callback fn = read_entries;
  static const char *const entries[] = {"localhost|", NULL};
  rstate rs = {entries, 0, -1, 0, 1};
  rig r;
  ferry_easy *e;

  ASSERT_EQ(rig_start(&r, NULL,
                      "HTTP/1.1 302 Found\r\nLocation: http://localhost/next\r\n"
                      "Content-Length: 0\r\n\r\n"),
            0);
  e = rig_easy(&r);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTS_CTRL, FERRYHSTS_ENABLE),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTSREADFUNCTION, fn), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTSREADDATA, &rs), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L), FERRYE_OK);
  /* the first hop is an IP address: plain; its Location is not */
  ASSERT_EQ(get(e, "http://127.0.0.1:%d/", tserver_port(r.plain)), FERRYE_OK);
  ASSERT_STR_EQ(effective_url(e), "https://localhost/next");
  ASSERT_MEM_EQ(r.body.data, r.body.len, "hello");
  ASSERT_EQ(tserver_connections(r.plain), 1);
  ASSERT_EQ(tserver_requests(r.plain), 1);
  ASSERT_EQ(tlsserver_get(r.tls, TLSSRV_REQUESTS), 1);
  ASSERT_EQ(rs.calls, 2); /* at the transfer's start: one entry, then DONE */
  ferry_easy_cleanup(e);
  ASSERT_EQ(rig_stop(&r), 0);
  return 0;
}

/* The write callback at cleanup says what the store held. */
static int store_lines(rig *r, ferry_easy *e, wstate *w) {
  (void)r;
  memset(w, 0, sizeof(*w));
  ferry_easy_setopt(e, FERRYOPT_HSTSWRITEFUNCTION, write_entries);
  ferry_easy_setopt(e, FERRYOPT_HSTSWRITEDATA, w);
  return ferry_easy_cleanup(e);
}

TEST_IMPL(hsts_header_over_plain_http_or_unverified_https_is_ignored) {
  rig r;
  ferry_easy *e;
  wstate w;

  ASSERT_EQ(rig_start(&r, STS_RESPONSE("max-age=3600"),
                      STS_RESPONSE("max-age=3600")),
            0);
  /* plain http */
  e = rig_easy(&r);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTS_CTRL, FERRYHSTS_ENABLE),
            FERRYE_OK);
  ASSERT_EQ(get(e, "http://localhost:%d/", tserver_port(r.plain)), FERRYE_OK);
  ASSERT_CONTAINS(r.trace.data, "HSTS: header ignored: not received over HTTPS");
  ASSERT_EQ(get(e, "http://localhost:%d/", tserver_port(r.plain)), FERRYE_OK);
  ASSERT_EQ(tserver_requests(r.plain), 2);
  ASSERT_EQ(store_lines(&r, e, &w), FERRYE_OK);
  ASSERT_EQ(w.calls, 0);
  /* https without verifying the certificate */
  e = rig_easy(&r);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTS_CTRL, FERRYHSTS_ENABLE),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_SSL_VERIFYPEER, 0L), FERRYE_OK);
  ASSERT_EQ(get(e, "https://localhost:%d/", tlsserver_port(r.tls)), FERRYE_OK);
  ASSERT_CONTAINS(r.trace.data,
                  "HSTS: header ignored: the certificate was not verified");
  ASSERT_EQ(store_lines(&r, e, &w), FERRYE_OK);
  ASSERT_EQ(w.calls, 0);
  /* https to an IP address */
  e = rig_easy(&r);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTS_CTRL, FERRYHSTS_ENABLE),
            FERRYE_OK);
  ASSERT_EQ(get(e, "https://127.0.0.1:%d/", tlsserver_port(r.tls)), FERRYE_OK);
  ASSERT_CONTAINS(r.trace.data, "HSTS: header ignored: the host is an IP address");
  ASSERT_EQ(store_lines(&r, e, &w), FERRYE_OK);
  ASSERT_EQ(w.calls, 0);
  /* and verified https to a name is taken */
  e = rig_easy(&r);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTS_CTRL, FERRYHSTS_ENABLE),
            FERRYE_OK);
  ASSERT_EQ(get(e, "https://localhost:%d/", tlsserver_port(r.tls)), FERRYE_OK);
  ASSERT_EQ(store_lines(&r, e, &w), FERRYE_OK);
  ASSERT_EQ(w.calls, 1);
  ASSERT_EQ(strncmp(w.lines[0], "0/1 localhost ", 14), 0);
  ASSERT_EQ(rig_stop(&r), 0);
  return 0;
}

TEST_IMPL(hsts_only_the_first_header_of_a_response_counts) {
  rig r;
  ferry_easy *e;
  wstate w;

  ASSERT_EQ(rig_start(&r, "HTTP/1.1 200 OK\r\n"
                          "Strict-Transport-Security: max-age=60\r\n"
                          "Strict-Transport-Security: max-age=0\r\n"
                          "Content-Length: 5\r\n\r\nhello",
                      NULL),
            0);
  e = rig_easy(&r);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTS_CTRL, FERRYHSTS_ENABLE),
            FERRYE_OK);
  ASSERT_EQ(get(e, "https://localhost:%d/", tlsserver_port(r.tls)), FERRYE_OK);
  ASSERT_EQ(get(e, "https://localhost:%d/", tlsserver_port(r.tls)), FERRYE_OK);
  ASSERT_EQ(store_lines(&r, e, &w), FERRYE_OK);
  ASSERT_EQ(w.calls, 1);
  ASSERT_EQ(strncmp(w.lines[0], "0/1 localhost ", 14), 0);
  ASSERT_EQ(rig_stop(&r), 0);
  return 0;
}

TEST_IMPL(hsts_file_is_read_at_transfer_start_and_written_at_cleanup) {
  rig r;
  ferry_easy *e;
  char path[64], *text;
  const char *entries;

  ASSERT_EQ(rig_start(&r, STS_RESPONSE("max-age=31536000; includeSubDomains"),
                      NULL),
            0);
  temp_name(path, sizeof(path));
  e = rig_easy(&r);
  ASSERT_NOT_NULL(e);
  /* the file is read when a transfer starts, not at setopt */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTS, path), FERRYE_OK);
  ASSERT_EQ(write_file(path, "# a comment\nlocalhost \"unlimited\"\n"
                             "old.example \"20000101 00:00:00\"\n"),
            0);
  ASSERT_EQ(get(e, "http://localhost/", 0), FERRYE_OK);
  ASSERT_STR_EQ(effective_url(e), "https://localhost/");
  ASSERT_EQ(tserver_connections(r.plain), 0);
  ferry_easy_cleanup(e);
  /* the header updated the entry in place; the expired one is gone */
  text = read_file(path);
  ASSERT_NOT_NULL(text);
  entries = after_comments(text);
  ASSERT_EQ(strncmp(entries, ".localhost \"", 12), 0);
  ASSERT_EQ(strlen(entries), strlen(".localhost \"YYYYMMDD HH:MM:SS\"\n"));
  free(text);
  unlink(path);
  ASSERT_EQ(rig_stop(&r), 0);
  return 0;
}

TEST_IMPL(hsts_readonlyfile_is_never_written) {
  static const char content[] = "# mine\nlocalhost \"unlimited\"\n";
  rig r;
  ferry_easy *e;
  char path[64], *text;
  struct stat st1, st2;

  ASSERT_EQ(rig_start(&r, STS_RESPONSE("max-age=60; includeSubDomains"), NULL),
            0);
  temp_name(path, sizeof(path));
  ASSERT_EQ(write_file(path, content), 0);
  ASSERT_EQ(stat(path, &st1), 0);
  e = rig_easy(&r);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTS, path), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTS_CTRL,
                              FERRYHSTS_ENABLE | FERRYHSTS_READONLYFILE),
            FERRYE_OK);
  ASSERT_EQ(get(e, "http://localhost/", 0), FERRYE_OK); /* read from it */
  ASSERT_STR_EQ(effective_url(e), "https://localhost/");
  ferry_easy_cleanup(e);
  text = read_file(path);
  ASSERT_STR_EQ(text, content);
  free(text);
  ASSERT_EQ(stat(path, &st2), 0);
  ASSERT_EQ(st1.st_ino, st2.st_ino); /* not even replaced */
  unlink(path);
  ASSERT_EQ(tserver_connections(r.plain), 0);
  ASSERT_EQ(rig_stop(&r), 0);
  return 0;
}

TEST_IMPL(hsts_callbacks_see_the_entries_with_their_indexes) {
  static const char *const entries[] = {"+cb.example|20991231 23:59:59",
                                        "other.example|", NULL};
  rstate rs = {entries, 0, -1, 0, 1};
  rig r;
  ferry_easy *e;
  wstate w;

  ASSERT_EQ(rig_start(&r, STS_RESPONSE("max-age=31536000"), NULL), 0);
  e = rig_easy(&r);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTSREADFUNCTION, read_entries),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTSREADDATA, &rs), FERRYE_OK);
  /* the read callback does not turn HSTS on by itself */
  ASSERT_EQ(get(e, "https://localhost:%d/", tlsserver_port(r.tls)), FERRYE_OK);
  ASSERT_EQ(rs.calls, 0);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTS_CTRL, FERRYHSTS_ENABLE),
            FERRYE_OK);
  ASSERT_EQ(get(e, "https://localhost:%d/", tlsserver_port(r.tls)), FERRYE_OK);
  ASSERT_EQ(rs.calls, 3);
  /* called again at every transfer start, until DONE each time */
  rs.calls = 2;
  ASSERT_EQ(get(e, "https://localhost:%d/", tlsserver_port(r.tls)), FERRYE_OK);
  ASSERT_EQ(rs.calls, 3);
  ASSERT_EQ(store_lines(&r, e, &w), FERRYE_OK);
  ASSERT_EQ(w.calls, 3);
  ASSERT_STR_EQ(w.lines[0], "0/3 .cb.example 20991231 23:59:59 10");
  ASSERT_STR_EQ(w.lines[1], "1/3 other.example unlimited 13");
  ASSERT_EQ(strncmp(w.lines[2], "2/3 localhost ", 14), 0);
  ASSERT_EQ(rig_stop(&r), 0);
  return 0;
}

TEST_IMPL(hsts_read_callback_fail_fails_the_transfer_before_connecting) {
  static const char *const entries[] = {"a.example|", "b.example|", NULL};
  rstate rs = {entries, 0, 1, 0, 1};
  rig r;
  ferry_easy *e;
  char err[FERRY_ERROR_SIZE];

  ASSERT_EQ(rig_start(&r, NULL, NULL), 0);
  e = rig_easy(&r);
  ASSERT_NOT_NULL(e);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTS_CTRL, FERRYHSTS_ENABLE),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTSREADFUNCTION, read_entries),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTSREADDATA, &rs), FERRYE_OK);
  ASSERT_EQ(get(e, "http://localhost:%d/", tserver_port(r.plain)),
            FERRYE_ABORTED_BY_CALLBACK);
  ASSERT_STR_EQ(err, "HSTS read callback returned failure");
  ASSERT_EQ(tserver_connections(r.plain), 0);
  /* the next transfer calls it again, from where it was */
  ASSERT_EQ(get(e, "http://localhost:%d/", tserver_port(r.plain)), FERRYE_OK);
  ASSERT_EQ(rs.calls, 3);
  ferry_easy_cleanup(e);
  ASSERT_EQ(rig_stop(&r), 0);
  return 0;
}

TEST_IMPL(hsts_options_turn_the_store_on_and_off_as_libcurl) {
  rig r;
  ferry_easy *e, *d;
  wstate w;
  char path[64];

  ASSERT_EQ(rig_start(&r, STS_RESPONSE("max-age=60"), NULL), 0);
  temp_name(path, sizeof(path));
  /* HSTS NULL after a name turns HSTS off: nothing noted, nothing written */
  e = rig_easy(&r);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTS, path), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTS, NULL), FERRYE_OK);
  ASSERT_EQ(get(e, "https://localhost:%d/", tlsserver_port(r.tls)), FERRYE_OK);
  ASSERT_EQ(store_lines(&r, e, &w), FERRYE_OK);
  ASSERT_EQ(w.calls, 0);
  ASSERT_EQ(access(path, F_OK), -1);
  /* HSTS_CTRL 0, or READONLYFILE alone, turns it off */
  e = rig_easy(&r);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTS_CTRL, FERRYHSTS_ENABLE),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTS_CTRL, FERRYHSTS_READONLYFILE),
            FERRYE_OK);
  ASSERT_EQ(get(e, "https://localhost:%d/", tlsserver_port(r.tls)), FERRYE_OK);
  ASSERT_EQ(store_lines(&r, e, &w), FERRYE_OK);
  ASSERT_EQ(w.calls, 0);
  /* the store outlives ferry_easy_reset; a copy starts with its own */
  e = rig_easy(&r);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HSTS_CTRL, FERRYHSTS_ENABLE),
            FERRYE_OK);
  ASSERT_EQ(get(e, "https://localhost:%d/", tlsserver_port(r.tls)), FERRYE_OK);
  d = ferry_easy_duphandle(e);
  ASSERT_NOT_NULL(d);
  ASSERT_EQ(store_lines(&r, d, &w), FERRYE_OK);
  ASSERT_EQ(w.calls, 0);
  ferry_easy_reset(e);
  ASSERT_EQ(store_lines(&r, e, &w), FERRYE_OK);
  ASSERT_EQ(w.calls, 1);
  ASSERT_EQ(rig_stop(&r), 0);
  return 0;
}

/* ---- allocation failure ------------------------------------------------ */

static long oom_count, oom_fail_at;

static int oom_fails(void) { return ++oom_count == oom_fail_at; }
static void *oom_malloc(size_t n) { return oom_fails() ? NULL : malloc(n); }
static void oom_free(void *p) { free(p); }
static void *oom_realloc(void *p, size_t n) {
  return oom_fails() ? NULL : realloc(p, n);
}
static char *oom_strdup(const char *s) { return oom_fails() ? NULL : strdup(s); }
static void *oom_calloc(size_t a, size_t b) {
  return oom_fails() ? NULL : calloc(a, b);
}

static const char oom_file[] = "# file\n.a.example \"unlimited\"\n"
                               "b.example \"20991231 23:59:59\"\n"
                               "c.example \"20991231 23:59:59\"\n";

/* The store alone: load a file, take headers, write the file. */
static ferry_code oom_store(rig *r, const char *path) {
  int64_t now = T0;
  ferry__hsts *h = new_store(&now);
  ferry_code rc;
  char *text;
  (void)r;
  if (h == NULL)
    return FERRYE_OUT_OF_MEMORY;
  rc = ferry__hsts_load(h, path);
  if (rc == FERRYE_OK &&
      (header(h, "d.example", "max-age=60") == FERRY__HSTS_NOMEM ||
       header(h, "b.example", "max-age=60") == FERRY__HSTS_NOMEM))
    rc = FERRYE_OUT_OF_MEMORY;
  if (rc == FERRYE_OK) {
    char out[80];
    snprintf(out, sizeof(out), "%s.out", path);
    rc = ferry__hsts_save(h, out);
    unlink(out);
  }
  if (rc == FERRYE_OK) {
    text = ferry__hsts_text(h, NULL);
    if (text == NULL)
      rc = FERRYE_OUT_OF_MEMORY;
    else if (strcmp(after_comments(text),
                    ".a.example \"unlimited\"\nb.example \"20260101 00:01:00\"\n"
                    "c.example \"20991231 23:59:59\"\n"
                    "d.example \"20260101 00:01:00\"\n") != 0)
      rc = FERRYE_LAST;
    ferry__free(text);
  }
  ferry__hsts_free(h);
  return rc;
}

/* A transfer: the file read at its start, the header of an https
 * response taken, a known http URL switched, the file written at cleanup. */
static ferry_code oom_transfer(rig *r, const char *path) {
  ferry_easy *e = ferry_easy_init();
  ferry_code rc;
  char url[64];
  if (e == NULL)
    return FERRYE_OUT_OF_MEMORY;
  r->body.len = 0;
  if (ferry_easy_setopt(e, FERRYOPT_CAINFO, certs.ca) != FERRYE_OK ||
      ferry_easy_setopt(e, FERRYOPT_RESOLVE, r->resolve) != FERRYE_OK ||
      ferry_easy_setopt(e, FERRYOPT_CONNECT_TO, r->connect_to) != FERRYE_OK ||
      ferry_easy_setopt(e, FERRYOPT_HSTS, path) != FERRYE_OK) {
    ferry_easy_cleanup(e);
    return FERRYE_OUT_OF_MEMORY;
  }
  ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, sink_write);
  ferry_easy_setopt(e, FERRYOPT_WRITEDATA, &r->body);
  ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, XFER_TIMEOUT_MS);
  ferry_easy_setopt(e, FERRYOPT_HSTS_CTRL,
                    FERRYHSTS_ENABLE | FERRYHSTS_READONLYFILE);
  snprintf(url, sizeof(url), "https://localhost:%d/", tlsserver_port(r->tls));
  rc = ferry_easy_setopt(e, FERRYOPT_URL, url);
  if (rc == FERRYE_OK)
    rc = ferry_easy_perform(e);
  if (rc == FERRYE_OK) {
    /* the header made localhost known: no plain connection */
    rc = ferry_easy_setopt(e, FERRYOPT_URL, "http://localhost/");
    if (rc == FERRYE_OK)
      rc = ferry_easy_perform(e);
    if (rc == FERRYE_OK && tserver_connections(r->plain) != 0)
      rc = FERRYE_LAST;
  }
  if (rc == FERRYE_OK && (r->body.len != 10 ||
                          memcmp(r->body.data, "hellohello", 10) != 0))
    rc = FERRYE_LAST;
  ferry_easy_cleanup(e);
  return rc;
}

static int oom_run(ferry_code (*fn)(rig *, const char *), const char *name) {
  rig r;
  char path[64];
  long total, oom_results = 0;

  ASSERT_EQ(rig_start(&r, STS_RESPONSE("max-age=60; includeSubDomains"), NULL),
            0);
  temp_name(path, sizeof(path));
  ASSERT_EQ(write_file(path, oom_file), 0);
  ASSERT_EQ(ferry_global_init_mem(FERRY_GLOBAL_ALL, oom_malloc, oom_free,
                                  oom_realloc, oom_strdup, oom_calloc),
            FERRYE_OK);
  oom_count = oom_fail_at = 0;
  ASSERT_EQ(fn(&r, path), FERRYE_OK);
  total = oom_count;
  ASSERT_GE(total, 5);
  for (long i = 1; i <= total; i++) {
    ferry_code rc;
    oom_count = 0;
    oom_fail_at = i;
    rc = fn(&r, path);
    if (rc != FERRYE_OK && rc != FERRYE_OUT_OF_MEMORY)
      TEST_FAIL_("%s: failing allocation %ld of %ld gave %d (%s)", name, i,
                 total, (int)rc, ferry_easy_strerror(rc));
    oom_results += rc == FERRYE_OUT_OF_MEMORY;
  }
  oom_fail_at = 0;
  ASSERT_GE(oom_results * 2, total);
  ferry_global_cleanup();
  unlink(path);
  ASSERT_EQ(rig_stop(&r), 0);
  return 0;
}

TEST_IMPL(hsts_oom_each_allocation_of_the_store_fails_cleanly) {
  return oom_run(oom_store, "store");
}

TEST_IMPL(hsts_oom_each_allocation_of_hsts_transfers_fails_cleanly) {
  return oom_run(oom_transfer, "transfer");
}

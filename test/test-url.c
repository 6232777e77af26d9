/* Tests of a transfer's URL (src/url.c): parsed, joined to a redirect's
 * Location and written back as libcurl 8.11 does, through the URL API. */
#include "test.h"

#include "alloc.h"
#include "url.h"

/* Parse s (with guess, FERRY__URL_GUESS_SCHEME) and expect err, with u
 * left all zero and an error message given. Used as
 * ASSERT_EQ(expect_parse_error(...), 0). */
static int expect_parse_error(const char *s, int guess, ferry__url_err err) {
  ferry__url u;
  const char *why = NULL;
  ferry__url_err got;

  memset(&u, 0xff, sizeof(u));
  got = ferry__url_parse(&u, s, guess ? FERRY__URL_GUESS_SCHEME : 0, &why);
  if (got != err) {
    fprintf(stderr, "  parsing \"%s\": got %d, want %d\n", s ? s : "(null)",
            (int)got, (int)err);
    ferry__url_free(&u);
    return 1;
  }
  if (why == NULL || u.scheme != NULL || u.host != NULL || u.path != NULL ||
      u.user != NULL || u.query != NULL || u.port != 0 || u.uh != NULL ||
      u.url != NULL) {
    fprintf(stderr, "  parsing \"%s\": no message or struct not empty\n", s);
    return 1;
  }
  return 0;
}

/* Follow a redirect to ref from base and compare the URL it leads to. */
static int expect_resolved(const char *base, const char *ref,
                           const char *want) {
  ferry__url b;
  char *got = NULL;
  int rc = 0;

  if (ferry__url_parse(&b, base, 0, NULL) != FERRY__URL_OK) {
    fprintf(stderr, "  cannot parse base \"%s\"\n", base);
    return 1;
  }
  if (ferry__url_redirect(&b, ref, 1, &got, NULL) != FERRY__URL_OK) {
    fprintf(stderr, "  cannot follow \"%s\"\n", ref);
    ferry__url_free(&b);
    return 1;
  }
  if (got == NULL || strcmp(got, want) != 0) {
    fprintf(stderr, "  \"%s\" led to \"%s\", want \"%s\"\n", ref,
            got ? got : "(null)", want);
    rc = 1;
  }
  ferry__free(got);
  ferry__url_free(&b);
  return rc;
}

/* Parse s and compare the host and its kind. */
static int expect_host(const char *s, const char *host, int kind) {
  ferry__url u;
  int rc = 0;

  if (ferry__url_parse(&u, s, 0, NULL) != FERRY__URL_OK) {
    fprintf(stderr, "  cannot parse \"%s\"\n", s);
    return 1;
  }
  if (strcmp(u.host, host) != 0 || u.host_kind != kind) {
    fprintf(stderr, "  \"%s\": host \"%s\" kind %d, want \"%s\" kind %d\n", s,
            u.host, u.host_kind, host, kind);
    rc = 1;
  }
  ferry__url_free(&u);
  return rc;
}

/* Parse s and compare the path. */
static int expect_path(const char *s, const char *path) {
  ferry__url u;
  int rc = 0;

  if (ferry__url_parse(&u, s, 0, NULL) != FERRY__URL_OK) {
    fprintf(stderr, "  cannot parse \"%s\"\n", s);
    return 1;
  }
  if (strcmp(u.path, path) != 0) {
    fprintf(stderr, "  \"%s\": path \"%s\", want \"%s\"\n", s, u.path, path);
    rc = 1;
  }
  ferry__url_free(&u);
  return rc;
}

TEST_IMPL(url_parse_splits_every_part) {
  ferry__url u;
  const char *why = "unset";

  ASSERT_EQ(ferry__url_parse(&u, "http://bob:pw@example.com:8080/a/b?x=1&y#top",
                             0, &why),
            FERRY__URL_OK);
  ASSERT_NULL(why);
  ASSERT_STR_EQ(u.scheme, "http");
  ASSERT_STR_EQ(u.user, "bob");
  ASSERT_STR_EQ(u.password, "pw");
  ASSERT_STR_EQ(u.host, "example.com");
  ASSERT_EQ(u.host_kind, FERRY__HOST_NAME);
  ASSERT_EQ(u.port, 8080);
  ASSERT_EQ(u.port_explicit, 1);
  ASSERT_STR_EQ(u.path, "/a/b");
  ASSERT_STR_EQ(u.query, "x=1&y");
  ASSERT_STR_EQ(u.fragment, "top");
  ASSERT_STR_EQ(u.url, "http://bob:pw@example.com:8080/a/b?x=1&y#top");
  ASSERT_NOT_NULL(u.uh);
  ferry__url_free(&u);
  ASSERT_NULL(u.scheme);
  ASSERT_NULL(u.uh);
  ASSERT_NULL(u.host);
  ASSERT_EQ(u.port, 0);
  return 0;
}

/* libcurl sends the host as written (Host:, the proxy's request line),
 * and compares it without regard to case where it compares it. */
TEST_IMPL(url_scheme_is_lowercased_and_host_keeps_its_case) {
  ferry__url u;

  ASSERT_EQ(ferry__url_parse(&u, "HtTpS://Example.COM/", 0, NULL),
            FERRY__URL_OK);
  ASSERT_STR_EQ(u.scheme, "https");
  ASSERT_STR_EQ(u.host, "Example.COM");
  ASSERT_STR_EQ(u.url, "https://Example.COM/");
  ferry__url_free(&u);
  return 0;
}

TEST_IMPL(url_default_port_follows_scheme) {
  ferry__url u;

  ASSERT_EQ(ferry__url_parse(&u, "https://h/", 0, NULL), FERRY__URL_OK);
  ASSERT_EQ(u.port, 443);
  ASSERT_EQ(u.port_explicit, 0);
  ferry__url_free(&u);
  ASSERT_EQ(ferry__url_parse(&u, "http://h/", 0, NULL), FERRY__URL_OK);
  ASSERT_EQ(u.port, 80);
  ASSERT_EQ(u.port_explicit, 0);
  ferry__url_free(&u);
  return 0;
}

TEST_IMPL(url_other_schemes_are_unsupported) {
  ASSERT_EQ(expect_parse_error("ftp://h/f", 0, FERRY__URL_UNSUPPORTED_SCHEME),
            0);
  ASSERT_EQ(expect_parse_error("FILE:///etc/passwd", 0,
                               FERRY__URL_UNSUPPORTED_SCHEME),
            0);
  ASSERT_EQ(expect_parse_error("gopher://h/", 1,
                               FERRY__URL_UNSUPPORTED_SCHEME),
            0);
  ASSERT_EQ(expect_parse_error("nosuch://h/", 0,
                               FERRY__URL_UNSUPPORTED_SCHEME),
            0);
  ASSERT_EQ(expect_parse_error("ftp.example.com/f", 1,
                               FERRY__URL_UNSUPPORTED_SCHEME),
            0);
  /* a scheme without slashes is a malformed URL first */
  ASSERT_EQ(expect_parse_error("javascript:alert(1)", 0,
                               FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(expect_parse_error("httpx://h/", 0,
                               FERRY__URL_UNSUPPORTED_SCHEME),
            0);
  return 0;
}

/* libcurl takes "scheme:" with one, two or three slashes. */
TEST_IMPL(url_scheme_takes_one_to_three_slashes) {
  static const char *const ok[] = {"http:/Example.com/p", "http://Example.com/p",
                                   "http:///Example.com/p"};
  ferry__url u;

  for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
    ASSERT_EQ(ferry__url_parse(&u, ok[i], FERRY__URL_GUESS_SCHEME, NULL),
              FERRY__URL_OK);
    ASSERT_STR_EQ(u.host, "Example.com");
    ASSERT_STR_EQ(u.path, "/p");
    ASSERT_STR_EQ(u.url, "http://Example.com/p");
    ferry__url_free(&u);
  }
  ASSERT_EQ(expect_parse_error("http:example.com/", 0, FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(expect_parse_error("http:example.com/", 1, FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(expect_parse_error("http:////example.com/", 0,
                               FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(expect_parse_error("http:/", 0, FERRY__URL_MALFORMED), 0);
  return 0;
}

TEST_IMPL(url_missing_scheme_without_guess_is_malformed) {
  ASSERT_EQ(expect_parse_error("example.com/x", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("//example.com/x", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("://example.com/x", 0, FERRY__URL_MALFORMED),
            0);
  return 0;
}

TEST_IMPL(url_guess_scheme_takes_bare_host_as_http) {
  ferry__url u;

  ASSERT_EQ(ferry__url_parse(&u, "Example.com/x?q", FERRY__URL_GUESS_SCHEME,
                             NULL),
            FERRY__URL_OK);
  ASSERT_STR_EQ(u.scheme, "http");
  ASSERT_STR_EQ(u.host, "Example.com");
  ASSERT_STR_EQ(u.url, "http://Example.com/x?q");
  ASSERT_STR_EQ(u.path, "/x");
  ASSERT_STR_EQ(u.query, "q");
  ASSERT_EQ(u.port, 80);
  ferry__url_free(&u);

  ASSERT_EQ(ferry__url_parse(&u, "localhost:8080", FERRY__URL_GUESS_SCHEME,
                             NULL),
            FERRY__URL_OK);
  ASSERT_STR_EQ(u.host, "localhost");
  ASSERT_EQ(u.port, 8080);
  ASSERT_STR_EQ(u.path, "/");
  ferry__url_free(&u);

  /* An explicit scheme still wins when guessing. */
  ASSERT_EQ(ferry__url_parse(&u, "https://h/", FERRY__URL_GUESS_SCHEME, NULL),
            FERRY__URL_OK);
  ASSERT_STR_EQ(u.scheme, "https");
  ferry__url_free(&u);

  ASSERT_EQ(expect_parse_error("ht_tp://h/", 1, FERRY__URL_MALFORMED), 0);
  /* libcurl 8: a scheme starts with a letter, so this is a host "1http"
   * with an empty port, which only a URL with a scheme may have */
  ASSERT_EQ(expect_parse_error("1http://h/", 1, FERRY__URL_MALFORMED), 0);
  return 0;
}

TEST_IMPL(url_null_or_empty_input_is_malformed) {
  ASSERT_EQ(expect_parse_error(NULL, 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("", 1, FERRY__URL_MALFORMED), 0);
  return 0;
}

TEST_IMPL(url_space_or_control_character_is_malformed) {
  ASSERT_EQ(expect_parse_error("http://h/a b", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error(" http://h/", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://h/\r\nX: y", 0, FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(expect_parse_error("http://h/\t", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://h/\x7f", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://h/?q#\x01", 0, FERRY__URL_MALFORMED),
            0);
  return 0;
}

TEST_IMPL(url_empty_host_is_malformed) {
  ASSERT_EQ(expect_parse_error("http:///", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://user@/", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://:80/", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://?q", 0, FERRY__URL_MALFORMED), 0);
  return 0;
}

TEST_IMPL(url_bad_ipv6_literal_is_malformed) {
  ASSERT_EQ(expect_parse_error("http://[::1", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://[zz::1]/", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://[::1]x/", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://[]/", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://[1:2:3:4:5:6:7:8:9]/", 0,
                               FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(expect_parse_error("http://[127.0.0.1]/", 0, FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(expect_parse_error("http://[fe80::1%]/", 0, FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(expect_parse_error("http://[fe80::1%25e/0]/", 0,
                               FERRY__URL_MALFORMED),
            0);
  return 0;
}

TEST_IMPL(url_ipv6_literal_strips_brackets_and_sets_kind) {
  ferry__url u;

  ASSERT_EQ(ferry__url_parse(&u, "http://[::1]:8080/p", 0, NULL),
            FERRY__URL_OK);
  ASSERT_STR_EQ(u.host, "::1");
  ASSERT_EQ(u.host_kind, FERRY__HOST_IPV6);
  ASSERT_EQ(u.port, 8080);
  ASSERT_STR_EQ(u.path, "/p");
  ferry__url_free(&u);

  ASSERT_EQ(ferry__url_parse(&u, "http://[::1]", 0, NULL), FERRY__URL_OK);
  ASSERT_STR_EQ(u.host, "::1");
  ASSERT_EQ(u.port, 80);
  ASSERT_STR_EQ(u.path, "/");
  ferry__url_free(&u);
  return 0;
}

/* libcurl writes an IPv6 address in inet_ntop()'s form only when that is
 * shorter than the one given. */
TEST_IMPL(url_ipv6_literal_is_normalised_only_when_shorter) {
  ASSERT_EQ(expect_host("http://[2001:DB8::A]/", "2001:DB8::A",
                        FERRY__HOST_IPV6),
            0);
  ASSERT_EQ(expect_host("http://[2001:DB8:0::A]/", "2001:db8::a",
                        FERRY__HOST_IPV6),
            0);
  ASSERT_EQ(expect_host("http://[0:0:0:0:0:0:0:1]/", "::1", FERRY__HOST_IPV6),
            0);
  return 0;
}

TEST_IMPL(url_ipv6_literal_keeps_zone_id) {
  ASSERT_EQ(expect_host("http://[fe80::1%25eth0]/", "fe80::1%eth0",
                        FERRY__HOST_IPV6),
            0);
  ASSERT_EQ(expect_host("http://[FE80::1%eth0]:81/", "FE80::1%eth0",
                        FERRY__HOST_IPV6),
            0);
  return 0;
}

TEST_IMPL(url_port_out_of_range_is_malformed) {
  ferry__url u;
  const char *why = NULL;

  ASSERT_EQ(ferry__url_parse(&u, "http://h:99999/", 0, &why),
            FERRY__URL_MALFORMED);
  ASSERT_NOT_NULL(strstr(why, "port"));
  ASSERT_EQ(expect_parse_error("http://h:65536/", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://h:99999999999999999999999/", 0,
                               FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(ferry__url_parse(&u, "http://h:65535/", 0, NULL), FERRY__URL_OK);
  ASSERT_EQ(u.port, 65535);
  ferry__url_free(&u);
  return 0;
}

TEST_IMPL(url_port_with_non_digits_is_malformed) {
  ASSERT_EQ(expect_parse_error("http://h:12a/", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://h:-1/", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://h:+80/", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://h:80:81/", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://[::1]:x/", 0, FERRY__URL_MALFORMED), 0);
  return 0;
}

TEST_IMPL(url_empty_port_means_default) {
  ferry__url u;

  ASSERT_EQ(ferry__url_parse(&u, "https://h:/x", 0, NULL), FERRY__URL_OK);
  ASSERT_EQ(u.port, 443);
  ASSERT_EQ(u.port_explicit, 0);
  ferry__url_free(&u);
  ASSERT_EQ(ferry__url_parse(&u, "http://[::1]:", 0, NULL), FERRY__URL_OK);
  ASSERT_EQ(u.port, 80);
  ASSERT_EQ(u.port_explicit, 0);
  ferry__url_free(&u);
  return 0;
}

TEST_IMPL(url_explicit_default_port_is_recorded) {
  ferry__url u;

  ASSERT_EQ(ferry__url_parse(&u, "http://h:0080/", 0, NULL), FERRY__URL_OK);
  ASSERT_EQ(u.port, 80);
  ASSERT_EQ(u.port_explicit, 1);
  ferry__url_free(&u);
  return 0;
}

TEST_IMPL(url_invalid_host_characters_are_malformed) {
  ASSERT_EQ(expect_parse_error("http://a<b/", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://a\\b/", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://ho%20st/", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://a%00b/", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://a%2fb/", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://a]b/", 0, FERRY__URL_MALFORMED), 0);
  return 0;
}

TEST_IMPL(url_host_percent_encoding_is_decoded_or_rejected) {
  ASSERT_EQ(expect_host("http://ex%61mple.com/", "example.com",
                        FERRY__HOST_NAME),
            0);
  ASSERT_EQ(expect_host("http://%31%32%37.0.0.1/", "127.0.0.1",
                        FERRY__HOST_IPV4),
            0);
  ASSERT_EQ(expect_parse_error("http://exa%mple/", 0, FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(expect_parse_error("http://ex%6/", 0, FERRY__URL_MALFORMED), 0);
  return 0;
}

TEST_IMPL(url_host_name_keeps_its_case) {
  ASSERT_EQ(expect_host("http://WWW.Example.ORG/Path", "WWW.Example.ORG",
                        FERRY__HOST_NAME),
            0);
  ASSERT_EQ(expect_host("http://%4DiXeD.Example/", "MiXeD.Example",
                        FERRY__HOST_NAME),
            0);
  /* without IDN, libcurl takes a name with bytes above 0x7f as it is */
  ASSERT_EQ(expect_host("http://ex\xc3\xa4mple/", "ex\xc3\xa4mple",
                        FERRY__HOST_NAME),
            0);
  ASSERT_EQ(expect_host("http://my_host-1.local./", "my_host-1.local.",
                        FERRY__HOST_NAME),
            0);
  ASSERT_EQ(expect_host("http://1.example.com/", "1.example.com",
                        FERRY__HOST_NAME),
            0);
  return 0;
}

TEST_IMPL(url_ipv4_shorthand_is_normalised) {
  ASSERT_EQ(expect_host("http://127.0.0.1/", "127.0.0.1", FERRY__HOST_IPV4),
            0);
  ASSERT_EQ(expect_host("http://127.1/", "127.0.0.1", FERRY__HOST_IPV4), 0);
  ASSERT_EQ(expect_host("http://0x7f.1/", "127.0.0.1", FERRY__HOST_IPV4), 0);
  ASSERT_EQ(expect_host("http://0X7F.0.0.1/", "127.0.0.1", FERRY__HOST_IPV4),
            0);
  ASSERT_EQ(expect_host("http://2130706433/", "127.0.0.1", FERRY__HOST_IPV4),
            0);
  ASSERT_EQ(expect_host("http://0177.0.0.01/", "127.0.0.1", FERRY__HOST_IPV4),
            0);
  ASSERT_EQ(expect_host("http://10.1.258/", "10.1.1.2", FERRY__HOST_IPV4), 0);
  ASSERT_EQ(expect_host("http://4294967295/", "255.255.255.255",
                        FERRY__HOST_IPV4),
            0);
  return 0;
}

/* What libcurl does not read as an IPv4 address is a host name, to be
 * resolved as it is: out of range, five parts, a bad octal digit, a
 * trailing dot. */
TEST_IMPL(url_ipv4_lookalikes_are_names) {
  static const char *const names[] = {
      "256.0.0.1", "1.2.3.256", "1.16777216", "4294967296", "1.2.3.4.5",
      "1..2",      "09.1.1.1",  "example.123", "192.168.0.1.", "0x",
  };

  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    char url[64];
    snprintf(url, sizeof(url), "http://%s/", names[i]);
    ASSERT_EQ(expect_host(url, names[i], FERRY__HOST_NAME), 0);
  }
  return 0;
}

TEST_IMPL(url_empty_path_becomes_slash) {
  ferry__url u;

  ASSERT_EQ(expect_path("http://h", "/"), 0);
  ASSERT_EQ(ferry__url_parse(&u, "http://h?q=1", 0, NULL), FERRY__URL_OK);
  ASSERT_STR_EQ(u.path, "/");
  ASSERT_STR_EQ(u.query, "q=1");
  ferry__url_free(&u);
  ASSERT_EQ(ferry__url_parse(&u, "http://h#f", 0, NULL), FERRY__URL_OK);
  ASSERT_STR_EQ(u.path, "/");
  ASSERT_NULL(u.query);
  ASSERT_STR_EQ(u.fragment, "f");
  ferry__url_free(&u);
  return 0;
}

TEST_IMPL(url_dot_segments_are_removed) {
  ASSERT_EQ(expect_path("http://h/a/b/../c/./d", "/a/c/d"), 0);
  ASSERT_EQ(expect_path("http://h/..", "/"), 0);
  ASSERT_EQ(expect_path("http://h/../../x", "/x"), 0);
  ASSERT_EQ(expect_path("http://h/a/.", "/a/"), 0);
  ASSERT_EQ(expect_path("http://h/a/..", "/"), 0);
  ASSERT_EQ(expect_path("http://h/a/b/..?x/../y", "/a/"), 0);
  ASSERT_EQ(expect_path("http://h/a/.b/..c/", "/a/.b/..c/"), 0);
  ASSERT_EQ(expect_path("http://h//a//", "//a//"), 0);
  return 0;
}

TEST_IMPL(url_percent_encoding_in_path_is_kept) {
  ASSERT_EQ(expect_path("http://h/a%2Fb/%7e/%zz/%2e%2e/", "/a%2Fb/%7e/%zz/%2e%2e/"),
            0);
  return 0;
}

TEST_IMPL(url_query_and_fragment_are_split_at_first_marks) {
  ferry__url u;

  ASSERT_EQ(ferry__url_parse(&u, "http://h/p?a=/b?c#d#e?f", 0, NULL),
            FERRY__URL_OK);
  ASSERT_STR_EQ(u.path, "/p");
  ASSERT_STR_EQ(u.query, "a=/b?c");
  ASSERT_STR_EQ(u.fragment, "d#e?f");
  ferry__url_free(&u);

  ASSERT_EQ(ferry__url_parse(&u, "http://h/p#a?b", 0, NULL), FERRY__URL_OK);
  ASSERT_NULL(u.query);
  ASSERT_STR_EQ(u.fragment, "a?b");
  ferry__url_free(&u);
  return 0;
}

/* libcurl 8 reads an empty query as none (CURLUE_NO_QUERY), so "/p?"
 * asks for "/p"; libcurl 7.88 sent "/p?". */
TEST_IMPL(url_bare_question_mark_is_no_query) {
  ferry__url u;
  char *target;

  ASSERT_EQ(ferry__url_parse(&u, "http://h/p?#", 0, NULL), FERRY__URL_OK);
  ASSERT_NULL(u.query);
  ASSERT_NULL(u.fragment);
  ASSERT_STR_EQ(u.url, "http://h/p");
  target = ferry__url_request_target(&u);
  ASSERT_STR_EQ(target, "/p");
  ferry__free(target);
  ferry__url_free(&u);
  return 0;
}

TEST_IMPL(url_userinfo_is_percent_decoded) {
  ferry__url u;

  ASSERT_EQ(ferry__url_parse(&u, "http://us%40er:p%3Ass@host/", 0, NULL),
            FERRY__URL_OK);
  ASSERT_STR_EQ(u.user, "us@er");
  ASSERT_STR_EQ(u.password, "p:ss");
  ASSERT_STR_EQ(u.host, "host");
  ferry__url_free(&u);
  return 0;
}

/* libcurl's login ends at the first '@': another one is in the host
 * name, where it is refused. An '@' in a password is written %40. */
TEST_IMPL(url_userinfo_ends_at_the_first_at_sign) {
  ferry__url u;

  ASSERT_EQ(expect_parse_error("http://me:p@ss@w@host:81/x@y", 0,
                               FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(expect_parse_error("http://a@b@host/", 1, FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(ferry__url_parse(&u, "http://me:p%40ss%40w@host:81/x@y", 0, NULL),
            FERRY__URL_OK);
  ASSERT_STR_EQ(u.user, "me");
  ASSERT_STR_EQ(u.password, "p@ss@w");
  ASSERT_STR_EQ(u.host, "host");
  ASSERT_EQ(u.port, 81);
  ASSERT_STR_EQ(u.path, "/x@y");
  ASSERT_STR_EQ(u.url, "http://me:p%40ss%40w@host:81/x@y");
  ferry__url_free(&u);
  return 0;
}

TEST_IMPL(url_userinfo_parts_may_be_absent_or_empty) {
  ferry__url u;

  ASSERT_EQ(ferry__url_parse(&u, "http://h/", 0, NULL), FERRY__URL_OK);
  ASSERT_NULL(u.user);
  ASSERT_NULL(u.password);
  ferry__url_free(&u);

  ASSERT_EQ(ferry__url_parse(&u, "http://joe@h/", 0, NULL), FERRY__URL_OK);
  ASSERT_STR_EQ(u.user, "joe");
  ASSERT_NULL(u.password);
  ferry__url_free(&u);

  ASSERT_EQ(ferry__url_parse(&u, "http://:secret@h/", 0, NULL), FERRY__URL_OK);
  ASSERT_STR_EQ(u.user, "");
  ASSERT_STR_EQ(u.password, "secret");
  ferry__url_free(&u);

  ASSERT_EQ(ferry__url_parse(&u, "http://joe:@h/", 0, NULL), FERRY__URL_OK);
  ASSERT_STR_EQ(u.user, "joe");
  ASSERT_STR_EQ(u.password, "");
  ferry__url_free(&u);
  return 0;
}

/* libcurl decodes an HTTP URL's user and password refusing only a NUL
 * (REJECT_ZERO: HTTP takes control bytes there). */
TEST_IMPL(url_userinfo_with_encoded_nul_is_malformed) {
  ferry__url u;

  ASSERT_EQ(expect_parse_error("http://a:b%00@h/", 0, FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(expect_parse_error("http://a%00:b@h/", 0, FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(ferry__url_parse(&u, "http://a%0d%0a:b%01@h/", 0, NULL),
            FERRY__URL_OK);
  ASSERT_STR_EQ(u.user, "a\r\n");
  ASSERT_STR_EQ(u.password, "b\x01");
  ferry__url_free(&u);
  return 0;
}

TEST_IMPL(url_longer_than_8_mib_is_malformed) {
  size_t prefix = strlen("http://h/");
  size_t len = FERRY__URL_MAX_LENGTH + 1;
  ferry__url u;
  const char *why = NULL;
  char *s;

  s = malloc(len + 1);
  ASSERT_NOT_NULL(s);
  memcpy(s, "http://h/", prefix);
  memset(s + prefix, 'a', len - prefix);
  s[len] = '\0';
  ASSERT_EQ(ferry__url_parse(&u, s, 0, &why), FERRY__URL_MALFORMED);
  ASSERT_NOT_NULL(why);
  ASSERT_NULL(u.path);

  /* Exactly the limit is accepted. */
  s[len - 1] = '\0';
  ASSERT_EQ(ferry__url_parse(&u, s, 0, &why), FERRY__URL_OK);
  ASSERT_EQ(strlen(u.path), FERRY__URL_MAX_LENGTH - prefix + 1);
  ferry__url_free(&u);
  free(s);
  return 0;
}

/* Redirects: the Location joined to the URL as libcurl 8.11 joins it
 * (checked against libcurl 8.11): RFC 3986's examples give RFC 3986's
 * answers, but for a fragment alone, which drops the query, and the empty
 * reference, which is no URL. */
TEST_IMPL(url_redirect_joins_rfc3986_normal_examples_as_libcurl) {
  static const char *const cases[][2] = {
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g/"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p#s"},
      {"g#s", "http://a/b/c/g#s"},
      {"g?y#s", "http://a/b/c/g?y#s"},
      {";x", "http://a/b/c/;x"},
      {"g;x", "http://a/b/c/g;x"},
      {"g;x?y#s", "http://a/b/c/g;x?y#s"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../", "http://a/"},
      {"../../g", "http://a/g"},
  };
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    ASSERT_EQ(expect_resolved("http://a/b/c/d;p?q", cases[i][0], cases[i][1]),
              0);
  return 0;
}

TEST_IMPL(url_redirect_joins_rfc3986_abnormal_examples_as_libcurl) {
  static const char *const cases[][2] = {
      {"../../../g", "http://a/g"},
      {"../../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {".g", "http://a/b/c/.g"},
      {"g..", "http://a/b/c/g.."},
      {"..g", "http://a/b/c/..g"},
      {"./../g", "http://a/b/g"},
      {"./g/.", "http://a/b/c/g/"},
      {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"},
      {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
      {"g;x=1/../y", "http://a/b/c/y"},
      {"g?y/./x", "http://a/b/c/g?y/./x"},
      {"g?y/../x", "http://a/b/c/g?y/../x"},
      {"g#s/./x", "http://a/b/c/g#s/./x"},
      {"g#s/../x", "http://a/b/c/g#s/../x"},
  };
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    ASSERT_EQ(expect_resolved("http://a/b/c/d;p?q", cases[i][0], cases[i][1]),
              0);
  return 0;
}

TEST_IMPL(url_redirect_absolute_location_replaces_base) {
  ASSERT_EQ(expect_resolved("http://u:p@a:81/b?q#f", "HTTPS://Other:8443/x?y",
                            "https://Other:8443/x?y"),
            0);
  ASSERT_EQ(expect_resolved("http://a/b", "http:/c/one-slash",
                            "http://c/one-slash"),
            0);
  ASSERT_EQ(expect_resolved("https://a/b", "http://c/", "http://c/"), 0);
  return 0;
}

TEST_IMPL(url_redirect_scheme_relative_keeps_base_scheme) {
  ferry__url base, out;
  char *to = NULL;

  ASSERT_EQ(ferry__url_parse(&base, "https://u:p@a:8443/b/c", 0, NULL),
            FERRY__URL_OK);
  ASSERT_EQ(ferry__url_redirect(&base, "//cdn.example/x/../y?z", 1, &to, NULL),
            FERRY__URL_OK);
  ASSERT_STR_EQ(to, "https://cdn.example/y?z");
  ASSERT_EQ(ferry__url_parse(&out, to, FERRY__URL_GUESS_SCHEME, NULL),
            FERRY__URL_OK);
  ferry__free(to);
  ASSERT_STR_EQ(out.scheme, "https");
  ASSERT_STR_EQ(out.host, "cdn.example");
  ASSERT_EQ(out.port, 443);
  ASSERT_NULL(out.user);
  ASSERT_STR_EQ(out.path, "/y");
  ASSERT_STR_EQ(out.query, "z");
  ferry__url_free(&out);
  ferry__url_free(&base);
  return 0;
}

TEST_IMPL(url_redirect_keeps_base_authority_for_relative_location) {
  ferry__url base, out;
  char *to = NULL;

  ASSERT_EQ(ferry__url_parse(&base, "http://u:p@[::1]:8080/a/b?q#f", 0, NULL),
            FERRY__URL_OK);
  ASSERT_EQ(ferry__url_redirect(&base, "c", 1, &to, NULL), FERRY__URL_OK);
  ASSERT_STR_EQ(to, "http://u:p@[::1]:8080/a/c");
  ASSERT_EQ(ferry__url_parse(&out, to, 0, NULL), FERRY__URL_OK);
  ferry__free(to);
  ASSERT_STR_EQ(out.user, "u");
  ASSERT_STR_EQ(out.password, "p");
  ASSERT_STR_EQ(out.host, "::1");
  ASSERT_EQ(out.host_kind, FERRY__HOST_IPV6);
  ASSERT_EQ(out.port, 8080);
  ASSERT_EQ(out.port_explicit, 1);
  ASSERT_STR_EQ(out.path, "/a/c");
  ASSERT_NULL(out.query);
  ASSERT_NULL(out.fragment);
  ferry__url_free(&out);
  ferry__url_free(&base);
  return 0;
}

TEST_IMPL(url_redirect_query_only_keeps_path) {
  ASSERT_EQ(expect_resolved("http://a/b/c?old#f", "?new=1", "http://a/b/c?new=1"),
            0);
  /* an empty query is none */
  ASSERT_EQ(expect_resolved("http://a/b/c?old", "?", "http://a/b/c"), 0);
  return 0;
}

/* libcurl 8.11 joins "#f" to the URL cut at its '?' (its concat_url), so
 * the query goes, unlike RFC 3986 section 5.2.2; and a URL with no query
 * keeps its fragment, the new one added to it (both checked against
 * libcurl 8.11). */
TEST_IMPL(url_redirect_fragment_only_drops_the_query) {
  ASSERT_EQ(expect_resolved("http://a/b/c?q#old", "#new", "http://a/b/c#new"),
            0);
  ASSERT_EQ(expect_resolved("http://a/b/c?q#old", "#", "http://a/b/c"), 0);
  ASSERT_EQ(expect_resolved("http://a/b/c#old", "#new",
                            "http://a/b/c#old#new"),
            0);
  ASSERT_EQ(expect_resolved("http://a/b/c#old", "?q", "http://a/b/c#old?q"),
            0);
  return 0;
}

/* Followed, a Location's spaces and bytes above 0x7f are percent-encoded
 * (FERRYU_URLENCODE and FERRYU_ALLOW_SPACE, libcurl's flags); "%xx" in
 * lower case, a space after the '?' as '+'. */
TEST_IMPL(url_redirect_encodes_spaces_and_bytes_above_0x7f) {
  ASSERT_EQ(expect_resolved("http://a/b", "/a b?c d", "http://a/a%20b?c+d"),
            0);
  ASSERT_EQ(expect_resolved("http://a/b", "caf\xc3\xa9", "http://a/caf%c3%a9"),
            0);
  ASSERT_EQ(expect_resolved("http://a/b", "http://h/x y",
                            "http://h/x%20y"),
            0);
  return 0;
}

/* Followed, a Location the URL API refuses fails the transfer; only
 * reported (REDIRECT_URL), it is read with FERRYU_NON_SUPPORT_SCHEME and
 * kept as it came when that fails, as libcurl does. */
TEST_IMPL(url_redirect_bad_location_fails_when_followed_and_is_kept_when_not) {
  static const char *const bad[] = {"/a\tb", "//[::1/x", "http://h:99999/",
                                    "https:x", "http://a@b@h/"};
  ferry__url base;
  const char *why = NULL;
  char *to = (char *)"unset";

  ASSERT_EQ(ferry__url_parse(&base, "http://a/b", 0, NULL), FERRY__URL_OK);
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    ASSERT_EQ(ferry__url_redirect(&base, bad[i], 1, &to, &why),
              FERRY__URL_MALFORMED);
    ASSERT_NOT_NULL(why);
    ASSERT_NULL(to);
    ASSERT_EQ(ferry__url_redirect(&base, bad[i], 0, &to, &why), FERRY__URL_OK);
    ASSERT_STR_EQ(to, bad[i]);
    ferry__free(to);
  }
  ASSERT_EQ(ferry__url_redirect(&base, "g:h", 1, &to, &why),
            FERRY__URL_UNSUPPORTED_SCHEME);
  ASSERT_EQ(ferry__url_redirect(&base, "ftp://h/f", 1, &to, &why),
            FERRY__URL_UNSUPPORTED_SCHEME);
  ASSERT_NULL(to);
  /* not followed, another scheme is read as a URL */
  ASSERT_EQ(ferry__url_redirect(&base, "ftp://h/f", 0, &to, &why),
            FERRY__URL_OK);
  ASSERT_STR_EQ(to, "ftp://h/f");
  ferry__free(to);
  ASSERT_EQ(ferry__url_redirect(&base, "/a b", 0, &to, &why), FERRY__URL_OK);
  ASSERT_STR_EQ(to, "http://a/a%20b");
  ferry__free(to);
  ferry__url_free(&base);
  return 0;
}

/* The effective URL keeps a port the URL names, the default one too,
 * in the digits libcurl reads ("0080" is 80). */
TEST_IMPL(url_to_string_is_the_effective_url_with_an_explicit_port) {
  ferry__url u;
  char *s;

  ASSERT_EQ(ferry__url_parse(&u, "HTTP://[FE80::1%25eth0]:80/a?b#c", 0, NULL),
            FERRY__URL_OK);
  s = ferry__url_to_string(&u, 1, 0);
  ASSERT_STR_EQ(s, "http://[FE80::1%25eth0]:80/a?b#c");
  ferry__free(s);
  ferry__url_free(&u);

  ASSERT_EQ(ferry__url_parse(&u, "http://h:0080/", 0, NULL), FERRY__URL_OK);
  ASSERT_STR_EQ(u.url, "http://h:80/");
  ferry__url_free(&u);

  ASSERT_EQ(ferry__url_parse(&u, "https://h:8443", 0, NULL), FERRY__URL_OK);
  s = ferry__url_to_string(&u, 1, 0);
  ASSERT_STR_EQ(s, "https://h:8443/");
  ferry__free(s);
  ferry__url_free(&u);
  return 0;
}

TEST_IMPL(url_to_string_reencodes_userinfo_and_can_drop_parts) {
  ferry__url u;
  char *s;

  ASSERT_EQ(ferry__url_parse(&u, "http://us%40er:p%3As%20s@h/p?q#frag", 0,
                             NULL),
            FERRY__URL_OK);
  s = ferry__url_to_string(&u, 1, 0);
  ASSERT_STR_EQ(s, "http://us%40er:p%3As%20s@h/p?q#frag");
  ferry__free(s);
  s = ferry__url_to_string(&u, 1, 1);
  ASSERT_STR_EQ(s, "http://us%40er:p%3As%20s@h/p?q");
  ferry__free(s);
  s = ferry__url_to_string(&u, 0, 1);
  ASSERT_STR_EQ(s, "http://h/p?q");
  ferry__free(s);
  ferry__url_free(&u);
  return 0;
}

TEST_IMPL(url_request_target_is_path_and_query_without_fragment) {
  ferry__url u;
  char *s;

  ASSERT_EQ(ferry__url_parse(&u, "http://h/a/b?x=1#f", 0, NULL),
            FERRY__URL_OK);
  s = ferry__url_request_target(&u);
  ASSERT_STR_EQ(s, "/a/b?x=1");
  ferry__free(s);
  ferry__url_free(&u);

  ASSERT_EQ(ferry__url_parse(&u, "http://h#f", 0, NULL), FERRY__URL_OK);
  s = ferry__url_request_target(&u);
  ASSERT_STR_EQ(s, "/");
  ferry__free(s);
  ferry__url_free(&u);
  return 0;
}

TEST_IMPL(url_host_header_adds_port_only_when_not_default) {
  static const char *const cases[][2] = {
      {"http://Example.com/", "Example.com"},
      {"http://Example.com.:0/", "Example.com.:0"},
      {"http://[::FFFF:127.0.0.1]/", "[::FFFF:127.0.0.1]"},
      {"http://example.com:80/", "example.com"},
      {"http://example.com:8080/", "example.com:8080"},
      {"https://example.com:80/", "example.com:80"},
      {"https://example.com:443/", "example.com"},
      {"http://[::1]/", "[::1]"},
      {"http://[::1]:81/", "[::1]:81"},
      {"http://[fe80::1%25eth0]/", "[fe80::1]"},
      {"http://127.1:8000/", "127.0.0.1:8000"},
  };
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ferry__url u;
    char *s;
    ASSERT_EQ(ferry__url_parse(&u, cases[i][0], 0, NULL), FERRY__URL_OK);
    s = ferry__url_host_header(&u);
    ferry__url_free(&u);
    ASSERT_NOT_NULL(s);
    if (strcmp(s, cases[i][1]) != 0) {
      fprintf(stderr, "  %s: Host \"%s\", want \"%s\"\n", cases[i][0], s,
              cases[i][1]);
      ferry__free(s);
      return 1;
    }
    ferry__free(s);
  }
  return 0;
}

TEST_IMPL(url_copy_is_deep) {
  ferry__url a, b;

  ASSERT_EQ(ferry__url_parse(&a, "https://u:p@h:8443/x?y#z", 0, NULL),
            FERRY__URL_OK);
  ASSERT_EQ(ferry__url_copy(&b, &a), FERRY__URL_OK);
  ferry__url_free(&a);
  ASSERT_STR_EQ(b.scheme, "https");
  ASSERT_STR_EQ(b.user, "u");
  ASSERT_STR_EQ(b.password, "p");
  ASSERT_STR_EQ(b.host, "h");
  ASSERT_EQ(b.port, 8443);
  ASSERT_EQ(b.port_explicit, 1);
  ASSERT_EQ(b.host_kind, FERRY__HOST_NAME);
  ASSERT_STR_EQ(b.path, "/x");
  ASSERT_STR_EQ(b.query, "y");
  ASSERT_STR_EQ(b.fragment, "z");
  ASSERT_STR_EQ(b.url, "https://u:p@h:8443/x?y#z");
  ASSERT_NOT_NULL(b.uh);
  ferry__url_free(&b);

  /* NULL members stay NULL. */
  ASSERT_EQ(ferry__url_parse(&a, "http://h/", 0, NULL), FERRY__URL_OK);
  ASSERT_EQ(ferry__url_copy(&b, &a), FERRY__URL_OK);
  ASSERT_NULL(b.user);
  ASSERT_NULL(b.query);
  ASSERT_NULL(b.fragment);
  ferry__url_free(&b);
  ferry__url_free(&a);
  return 0;
}

TEST_IMPL(url_decode_turns_escapes_into_bytes) {
  size_t n = 99;
  char *s;

  s = ferry__url_decode("a%41%7a%2F%zz%4", 15, &n, 0);
  ASSERT_NOT_NULL(s);
  ASSERT_MEM_EQ(s, n, "aAz/%zz%4");
  ferry__free(s);

  s = ferry__url_decode("x%00y", 5, &n, 0);
  ASSERT_NOT_NULL(s);
  ASSERT_EQ(n, 3);
  ASSERT_EQ(s[1], '\0');
  ferry__free(s);

  ASSERT_NULL(ferry__url_decode("x%00y", 5, &n, 1));
  ASSERT_NULL(ferry__url_decode("a%0D%0Ab", 8, NULL, 1));
  s = ferry__url_decode("", 0, &n, 1);
  ASSERT_STR_EQ(s, "");
  ASSERT_EQ(n, 0);
  ferry__free(s);
  return 0;
}

TEST_IMPL(url_encode_escapes_all_but_unreserved) {
  char *s;

  s = ferry__url_encode("aZ09-._~ /?%@:\xff", 15);
  ASSERT_STR_EQ(s, "aZ09-._~%20%2F%3F%25%40%3A%FF");
  ferry__free(s);
  s = ferry__url_encode("a\0b", 3);
  ASSERT_STR_EQ(s, "a%00b");
  ferry__free(s);
  s = ferry__url_encode("", 0);
  ASSERT_STR_EQ(s, "");
  ferry__free(s);
  return 0;
}

/* The request line carries the path with its bytes above 0x7f
 * percent-encoded (libcurl reads the path with CURLU_URLENCODE) and the
 * query as it is; the effective URL has both as written. */
TEST_IMPL(url_path_encodes_bytes_above_0x7f_for_the_request_line) {
  ferry__url u;
  char *s;

  ASSERT_EQ(ferry__url_parse(&u, "http://h/caf\xc3\xa9/%7E?q=\xc3\xa9#\xc3\xa9",
                             0, NULL),
            FERRY__URL_OK);
  ASSERT_STR_EQ(u.path, "/caf%c3%a9/%7E");
  s = ferry__url_request_target(&u);
  ASSERT_STR_EQ(s, "/caf%c3%a9/%7E?q=\xc3\xa9");
  ferry__free(s);
  ASSERT_STR_EQ(u.url, "http://h/caf\xc3\xa9/%7E?q=\xc3\xa9#\xc3\xa9");
  ferry__url_free(&u);
  return 0;
}

/* Through a proxy, the request target is the URL without its fragment,
 * its userinfo (for http) and the scheme's default port, its path as
 * written, as libcurl's Curl_http_target makes it. */
TEST_IMPL(url_proxy_target_drops_fragment_userinfo_and_default_port) {
  static const char *const cases[][2] = {
      {"http://u:p@MiXeD.Example:80/a/../b?q#f", "http://MiXeD.Example/b?q"},
      {"http://h:8080/caf\xc3\xa9?", "http://h:8080/caf\xc3\xa9"},
      {"http://[::1]/", "http://[::1]/"},
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ferry__url u;
    char *s;
    ASSERT_EQ(ferry__url_parse(&u, cases[i][0], 0, NULL), FERRY__URL_OK);
    s = ferry__url_proxy_target(&u);
    ferry__url_free(&u);
    ASSERT_STR_EQ(s, cases[i][1]);
    ferry__free(s);
  }
  return 0;
}

/* An HSTS upgrade: the scheme changes in the URL, a port it names stays. */
TEST_IMPL(url_set_scheme_switches_to_https_and_default_port) {
  ferry__url u;

  ASSERT_EQ(ferry__url_parse(&u, "http://Host.Example/p?q#f", 0, NULL),
            FERRY__URL_OK);
  ASSERT_EQ(ferry__url_set_scheme(&u, "https"), FERRY__URL_OK);
  ASSERT_STR_EQ(u.scheme, "https");
  ASSERT_EQ(u.port, 443);
  ASSERT_STR_EQ(u.url, "https://Host.Example/p?q#f");
  ferry__url_free(&u);

  ASSERT_EQ(ferry__url_parse(&u, "http://h:8080/", 0, NULL), FERRY__URL_OK);
  ASSERT_EQ(ferry__url_set_scheme(&u, "https"), FERRY__URL_OK);
  ASSERT_EQ(u.port, 8080);
  ASSERT_STR_EQ(u.url, "https://h:8080/");
  ferry__url_free(&u);
  return 0;
}

/* PATH_AS_IS keeps the dot segments, in the URL and in a redirect. */
TEST_IMPL(url_path_as_is_keeps_dot_segments) {
  ferry__url u;
  char *to = NULL;

  ASSERT_EQ(ferry__url_parse(&u, "http://h/a/../b/./c", FERRY__URL_PATH_AS_IS,
                             NULL),
            FERRY__URL_OK);
  ASSERT_STR_EQ(u.path, "/a/../b/./c");
  ASSERT_EQ(ferry__url_redirect(&u, "/x/../y", 1, &to, NULL), FERRY__URL_OK);
  ASSERT_STR_EQ(to, "http://h/x/../y");
  ferry__free(to);
  ferry__url_free(&u);
  return 0;
}

/* Tests of the URL parser (src/url.c): parse, resolve, serialise. */
#include "test.h"

#include "alloc.h"
#include "url.h"

/* Parse s (no scheme guessing) and expect err, with u left all zero and
 * an error message given. Used as ASSERT_EQ(expect_parse_error(...), 0). */
static int expect_parse_error(const char *s, int guess, ferry__url_err err) {
  ferry__url u;
  const char *why = NULL;
  ferry__url_err got;

  memset(&u, 0xff, sizeof(u));
  got = ferry__url_parse(&u, s, guess, &why);
  if (got != err) {
    fprintf(stderr, "  parsing \"%s\": got %d, want %d\n", s ? s : "(null)",
            (int)got, (int)err);
    ferry__url_free(&u);
    return 1;
  }
  if (why == NULL || u.scheme != NULL || u.host != NULL || u.path != NULL ||
      u.user != NULL || u.query != NULL || u.port != 0) {
    fprintf(stderr, "  parsing \"%s\": no message or struct not empty\n", s);
    return 1;
  }
  return 0;
}

/* Resolve ref against base and compare the serialised result. */
static int expect_resolved(const char *base, const char *ref,
                           const char *want) {
  ferry__url b, out;
  char *got;
  int rc = 0;

  if (ferry__url_parse(&b, base, 0, NULL) != FERRY__URL_OK) {
    fprintf(stderr, "  cannot parse base \"%s\"\n", base);
    return 1;
  }
  if (ferry__url_resolve(&out, &b, ref, NULL) != FERRY__URL_OK) {
    fprintf(stderr, "  cannot resolve \"%s\"\n", ref);
    ferry__url_free(&b);
    return 1;
  }
  got = ferry__url_to_string(&out, 1, 0);
  if (got == NULL || strcmp(got, want) != 0) {
    fprintf(stderr, "  \"%s\" resolved to \"%s\", want \"%s\"\n", ref,
            got ? got : "(null)", want);
    rc = 1;
  }
  ferry__free(got);
  ferry__url_free(&out);
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
  ferry__url_free(&u);
  ASSERT_NULL(u.scheme);
  ASSERT_NULL(u.host);
  ASSERT_EQ(u.port, 0);
  return 0;
}

TEST_IMPL(url_scheme_is_case_insensitive_and_stored_lowercase) {
  ferry__url u;

  ASSERT_EQ(ferry__url_parse(&u, "HtTpS://Example.COM/", 0, NULL),
            FERRY__URL_OK);
  ASSERT_STR_EQ(u.scheme, "https");
  ASSERT_STR_EQ(u.host, "example.com");
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
  ASSERT_EQ(expect_parse_error("javascript:alert(1)", 0,
                               FERRY__URL_UNSUPPORTED_SCHEME),
            0);
  ASSERT_EQ(expect_parse_error("httpx://h/", 0,
                               FERRY__URL_UNSUPPORTED_SCHEME),
            0);
  return 0;
}

TEST_IMPL(url_scheme_without_slashes_is_malformed) {
  ASSERT_EQ(expect_parse_error("http:example.com/", 0, FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(expect_parse_error("http:/example.com/", 0, FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(expect_parse_error("https:/x", 1, FERRY__URL_MALFORMED), 0);
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

  ASSERT_EQ(ferry__url_parse(&u, "Example.com/x?q", 1, NULL), FERRY__URL_OK);
  ASSERT_STR_EQ(u.scheme, "http");
  ASSERT_STR_EQ(u.host, "example.com");
  ASSERT_STR_EQ(u.path, "/x");
  ASSERT_STR_EQ(u.query, "q");
  ASSERT_EQ(u.port, 80);
  ferry__url_free(&u);

  ASSERT_EQ(ferry__url_parse(&u, "localhost:8080", 1, NULL), FERRY__URL_OK);
  ASSERT_STR_EQ(u.host, "localhost");
  ASSERT_EQ(u.port, 8080);
  ASSERT_STR_EQ(u.path, "/");
  ferry__url_free(&u);

  /* An explicit scheme still wins when guessing. */
  ASSERT_EQ(ferry__url_parse(&u, "https://h/", 1, NULL), FERRY__URL_OK);
  ASSERT_STR_EQ(u.scheme, "https");
  ferry__url_free(&u);

  ASSERT_EQ(expect_parse_error("ht_tp://h/", 1, FERRY__URL_MALFORMED), 0);
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
  ASSERT_EQ(expect_parse_error("http:///x", 0, FERRY__URL_MALFORMED), 0);
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
  ASSERT_EQ(expect_parse_error("http://[fe80::1%25]/", 0,
                               FERRY__URL_MALFORMED),
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

TEST_IMPL(url_ipv6_literal_is_lowercased_and_normalised) {
  ASSERT_EQ(expect_host("http://[2001:DB8::A]/", "2001:db8::a",
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
  ASSERT_EQ(expect_host("http://[FE80::1%eth0]:81/", "fe80::1%eth0",
                        FERRY__HOST_IPV6),
            0);
  return 0;
}

TEST_IMPL(url_port_out_of_range_is_malformed) {
  ferry__url u;
  const char *why = NULL;

  ASSERT_EQ(ferry__url_parse(&u, "http://h:99999/", 0, &why),
            FERRY__URL_MALFORMED);
  ASSERT_STR_EQ(why, "port number out of range");
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
  ASSERT_EQ(expect_parse_error("http://ex\xc3\xa4mple/", 0,
                               FERRY__URL_MALFORMED),
            0);
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

TEST_IMPL(url_host_name_is_lowercased) {
  ASSERT_EQ(expect_host("http://WWW.Example.ORG/Path", "www.example.org",
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
  ASSERT_EQ(expect_host("http://192.168.0.1./", "192.168.0.1",
                        FERRY__HOST_IPV4),
            0);
  ASSERT_EQ(expect_host("http://4294967295/", "255.255.255.255",
                        FERRY__HOST_IPV4),
            0);
  return 0;
}

TEST_IMPL(url_ipv4_out_of_range_is_malformed) {
  ASSERT_EQ(expect_parse_error("http://256.0.0.1/", 0, FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(expect_parse_error("http://1.2.3.256/", 0, FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(expect_parse_error("http://1.16777216/", 0, FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(expect_parse_error("http://4294967296/", 0, FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(expect_parse_error("http://1.2.3.4.5/", 0, FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(expect_parse_error("http://1..2/", 0, FERRY__URL_MALFORMED), 0);
  ASSERT_EQ(expect_parse_error("http://09.1.1.1/", 0, FERRY__URL_MALFORMED),
            0);
  /* A name that ends in a number must be an address (as in browsers). */
  ASSERT_EQ(expect_parse_error("http://example.123/", 0, FERRY__URL_MALFORMED),
            0);
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

TEST_IMPL(url_bare_question_mark_gives_empty_query) {
  ferry__url u;
  char *target;

  ASSERT_EQ(ferry__url_parse(&u, "http://h/p?#", 0, NULL), FERRY__URL_OK);
  ASSERT_STR_EQ(u.query, "");
  ASSERT_STR_EQ(u.fragment, "");
  target = ferry__url_request_target(&u);
  ASSERT_STR_EQ(target, "/p?");
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

TEST_IMPL(url_userinfo_splits_on_last_at_sign) {
  ferry__url u;

  ASSERT_EQ(ferry__url_parse(&u, "http://me:p@ss@w@host:81/x@y", 0, NULL),
            FERRY__URL_OK);
  ASSERT_STR_EQ(u.user, "me");
  ASSERT_STR_EQ(u.password, "p@ss@w");
  ASSERT_STR_EQ(u.host, "host");
  ASSERT_EQ(u.port, 81);
  ASSERT_STR_EQ(u.path, "/x@y");
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

TEST_IMPL(url_userinfo_with_encoded_control_byte_is_malformed) {
  ASSERT_EQ(expect_parse_error("http://a%0d%0a:b@h/", 0, FERRY__URL_MALFORMED),
            0);
  ASSERT_EQ(expect_parse_error("http://a:b%00@h/", 0, FERRY__URL_MALFORMED),
            0);
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
  ASSERT_STR_EQ(why, "URL too long");
  ASSERT_NULL(u.path);

  /* Exactly the limit is accepted. */
  s[len - 1] = '\0';
  ASSERT_EQ(ferry__url_parse(&u, s, 0, &why), FERRY__URL_OK);
  ASSERT_EQ(strlen(u.path), FERRY__URL_MAX_LENGTH - prefix + 1);
  ferry__url_free(&u);
  free(s);
  return 0;
}

TEST_IMPL(url_resolve_rfc3986_normal_examples) {
  static const char *const cases[][2] = {
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g/"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q#s"},
      {"g#s", "http://a/b/c/g#s"},
      {"g?y#s", "http://a/b/c/g?y#s"},
      {";x", "http://a/b/c/;x"},
      {"g;x", "http://a/b/c/g;x"},
      {"g;x?y#s", "http://a/b/c/g;x?y#s"},
      {"", "http://a/b/c/d;p?q"},
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

TEST_IMPL(url_resolve_rfc3986_abnormal_examples) {
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
      {"http:g", "http://a/b/c/g"},
  };
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    ASSERT_EQ(expect_resolved("http://a/b/c/d;p?q", cases[i][0], cases[i][1]),
              0);
  return 0;
}

TEST_IMPL(url_resolve_absolute_reference_replaces_base) {
  ASSERT_EQ(expect_resolved("http://u:p@a:81/b?q#f", "HTTPS://Other:8443/x?y",
                            "https://other:8443/x?y"),
            0);
  ASSERT_EQ(expect_resolved("https://a/b", "http://c/", "http://c/"), 0);
  return 0;
}

TEST_IMPL(url_resolve_scheme_relative_keeps_base_scheme) {
  ferry__url base, out;

  ASSERT_EQ(ferry__url_parse(&base, "https://u:p@a:8443/b/c", 0, NULL),
            FERRY__URL_OK);
  ASSERT_EQ(ferry__url_resolve(&out, &base, "//cdn.example/x/../y?z", NULL),
            FERRY__URL_OK);
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

TEST_IMPL(url_resolve_keeps_base_authority_for_relative_reference) {
  ferry__url base, out;

  ASSERT_EQ(ferry__url_parse(&base, "http://u:p@[::1]:8080/a/b?q#f", 0, NULL),
            FERRY__URL_OK);
  ASSERT_EQ(ferry__url_resolve(&out, &base, "c", NULL), FERRY__URL_OK);
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

TEST_IMPL(url_resolve_query_only_keeps_path) {
  ASSERT_EQ(expect_resolved("http://a/b/c?old#f", "?new=1", "http://a/b/c?new=1"),
            0);
  ASSERT_EQ(expect_resolved("http://a/b/c?old", "?", "http://a/b/c?"), 0);
  return 0;
}

TEST_IMPL(url_resolve_fragment_only_keeps_path_and_query) {
  ASSERT_EQ(expect_resolved("http://a/b/c?q#old", "#new", "http://a/b/c?q#new"),
            0);
  ASSERT_EQ(expect_resolved("http://a/b/c?q#old", "", "http://a/b/c?q"), 0);
  return 0;
}

TEST_IMPL(url_resolve_bad_reference_fails_and_leaves_out_empty) {
  ferry__url base, out;
  const char *why = NULL;

  ASSERT_EQ(ferry__url_parse(&base, "http://a/b", 0, NULL), FERRY__URL_OK);
  ASSERT_EQ(ferry__url_resolve(&out, &base, "/a b", &why),
            FERRY__URL_MALFORMED);
  ASSERT_NOT_NULL(why);
  ASSERT_NULL(out.scheme);
  ASSERT_NULL(out.path);
  ASSERT_EQ(ferry__url_resolve(&out, &base, "//[::1/x", &why),
            FERRY__URL_MALFORMED);
  ASSERT_NULL(out.host);
  ASSERT_EQ(ferry__url_resolve(&out, &base, "http://h:99999/", &why),
            FERRY__URL_MALFORMED);
  ASSERT_EQ(ferry__url_resolve(&out, &base, "https:/x", &why),
            FERRY__URL_MALFORMED);
  ASSERT_EQ(ferry__url_resolve(&out, &base, "g:h", &why),
            FERRY__URL_UNSUPPORTED_SCHEME);
  ASSERT_EQ(ferry__url_resolve(&out, &base, "ftp://h/f", &why),
            FERRY__URL_UNSUPPORTED_SCHEME);
  ASSERT_NULL(out.scheme);
  ASSERT_EQ(ferry__url_resolve(&out, &base, NULL, &why), FERRY__URL_MALFORMED);
  ferry__url_free(&base);
  return 0;
}

TEST_IMPL(url_to_string_brackets_ipv6_and_hides_default_port) {
  ferry__url u;
  char *s;

  ASSERT_EQ(ferry__url_parse(&u, "HTTP://[FE80::1%25eth0]:80/a?b#c", 0, NULL),
            FERRY__URL_OK);
  s = ferry__url_to_string(&u, 1, 0);
  ASSERT_STR_EQ(s, "http://[fe80::1%25eth0]/a?b#c");
  ferry__free(s);
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
      {"http://Example.com/", "example.com"},
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

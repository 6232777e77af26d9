/* The URL parser (sans-IO): see url.h for the contract.
 *
 * Parsing first cuts the input into spans (pointer and length into the
 * caller's string) without allocating, and then builds the ferry__url
 * from them. Every builder fills a local ferry__url and hands it over only
 * when complete, so on error the caller's struct is simply zeroed and the
 * local one freed. */
#include "url.h"

#include "alloc.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef _WIN32
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#endif

/* A scheme longer than this is not taken as one. */
#define SCHEME_MAX_LENGTH 40

/* inet_ntop() output for AF_INET6, with its NUL. */
#define IPV6_TEXT_SIZE 46

/* "255.255.255.255" and its NUL. */
#define IPV4_TEXT_SIZE 16

struct span {
  const char *ptr;
  size_t len;
};

/* What follows the authority: path, query and fragment. */
struct url_tail {
  struct span path;
  struct span query;
  struct span fragment;
  int has_query;
  int has_fragment;
};

static const char hex_upper[] = "0123456789ABCDEF";

static int is_alpha(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c) {
  return c >= '0' && c <= '9';
}

static int is_unreserved(int c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

static int hex_value(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int span_equals_nocase(const char *s, size_t len, const char *word) {
  size_t i;

  if (strlen(word) != len)
    return 0;
  for (i = 0; i < len; i++)
    if (ascii_lower(s[i]) != word[i])
      return 0;
  return 1;
}

/* Index of the first byte of s[0..len) that is in set, or len. */
static size_t find_first_of(const char *s, size_t len, const char *set) {
  size_t i;

  for (i = 0; i < len; i++)
    if (strchr(set, s[i]) != NULL)
      return i;
  return len;
}

static int default_port_of(const char *scheme) {
  return ferry__url_scheme_tls(scheme) ? 443 : 80;
}

/* The canonical name of a supported scheme written s[0..len), or NULL. */
static const char *supported_scheme(const char *s, size_t len) {
  if (span_equals_nocase(s, len, "http"))
    return "http";
  if (span_equals_nocase(s, len, "https"))
    return "https";
  if (span_equals_nocase(s, len, "ws"))
    return "ws";
  if (span_equals_nocase(s, len, "wss"))
    return "wss";
  return NULL;
}

/* Length of a scheme-shaped prefix of s, ALPHA *(ALPHA / DIGIT / "+" / "-"
 * / ".") directly followed by ':', or 0 if s has none. */
static size_t scheme_prefix_length(const char *s, size_t len) {
  size_t i;

  if (len == 0 || !is_alpha(s[0]))
    return 0;
  for (i = 1; i < len && i <= SCHEME_MAX_LENGTH; i++) {
    char c = s[i];
    if (c == ':')
      return i;
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.')
      return 0;
  }
  return 0;
}

/* Check what every URL and reference must meet: at most
 * FERRY__URL_MAX_LENGTH bytes, no space and no control byte. Stores the
 * length in *lenp. */
static ferry__url_err check_input(const char *s, size_t *lenp,
                                  const char **why) {
  size_t n;

  for (n = 0; s[n] != '\0'; n++) {
    unsigned char c = (unsigned char)s[n];
    if (n == FERRY__URL_MAX_LENGTH) {
      *why = "URL too long";
      return FERRY__URL_MALFORMED;
    }
    if (c <= 0x20 || c == 0x7f) {
      *why = "URL contains a space or control character";
      return FERRY__URL_MALFORMED;
    }
  }
  *lenp = n;
  return FERRY__URL_OK;
}

/* Cut s[0..len) into path, "?query" and "#fragment". */
static void split_tail(const char *s, size_t len, struct url_tail *t) {
  size_t path_end = find_first_of(s, len, "?#");
  size_t query_end;

  memset(t, 0, sizeof(*t));
  t->path.ptr = s;
  t->path.len = path_end;
  query_end = path_end;
  if (path_end < len && s[path_end] == '?') {
    query_end = path_end + 1 + find_first_of(s + path_end + 1,
                                             len - path_end - 1, "#");
    t->has_query = 1;
    t->query.ptr = s + path_end + 1;
    t->query.len = query_end - path_end - 1;
  }
  if (query_end < len) {
    t->has_fragment = 1;
    t->fragment.ptr = s + query_end + 1;
    t->fragment.len = len - query_end - 1;
  }
}

/* Percent-decode s[0..len). A '%' not followed by two hex digits is kept
 * as it is, or with strict makes the input malformed. With reject_ctrl a
 * decoded byte below 0x20 makes it malformed. */
static ferry__url_err decode_span(const char *s, size_t len, int strict,
                                  int reject_ctrl, char **out,
                                  size_t *outlen) {
  char *buf;
  size_t i, n = 0;

  *out = NULL;
  buf = ferry__malloc(len + 1);
  if (buf == NULL)
    return FERRY__URL_NOMEM;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '%') {
      int hi = -1, lo = -1;
      if (i + 2 < len) {
        hi = hex_value(s[i + 1]);
        lo = hex_value(s[i + 2]);
      }
      if (hi >= 0 && lo >= 0) {
        c = (unsigned char)(hi << 4 | lo);
        i += 2;
      } else if (strict) {
        goto failed_malformed;
      }
    }
    if (reject_ctrl && c < 0x20)
      goto failed_malformed;
    buf[n++] = (char)c;
  }
  buf[n] = '\0';
  *out = buf;
  if (outlen != NULL)
    *outlen = n;
  return FERRY__URL_OK;

failed_malformed:
  ferry__free(buf);
  return FERRY__URL_MALFORMED;
}

/* A growing string for the serialisers. After a failed allocation every
 * further append does nothing and finishing returns NULL. */
struct strbuf {
  char *data;
  size_t len;
  size_t cap;
  int failed;
};

static int strbuf_reserve(struct strbuf *b, size_t more) {
  size_t cap;
  char *p;

  if (b->failed)
    return -1;
  if (b->len + more + 1 <= b->cap)
    return 0;
  cap = b->cap ? b->cap : 64;
  while (cap < b->len + more + 1)
    cap *= 2;
  p = ferry__realloc(b->data, cap);
  if (p == NULL) {
    b->failed = 1;
    return -1;
  }
  b->data = p;
  b->cap = cap;
  return 0;
}

static void strbuf_add(struct strbuf *b, const char *s, size_t len) {
  if (strbuf_reserve(b, len) != 0)
    return;
  memcpy(b->data + b->len, s, len);
  b->len += len;
  b->data[b->len] = '\0';
}

static void strbuf_add_str(struct strbuf *b, const char *s) {
  strbuf_add(b, s, strlen(s));
}

/* Append s[0..len) with every byte that is not unreserved as "%XX". */
static void strbuf_add_encoded(struct strbuf *b, const char *s, size_t len) {
  size_t i;

  if (strbuf_reserve(b, len * 3) != 0)
    return;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (is_unreserved(c)) {
      b->data[b->len++] = (char)c;
    } else {
      b->data[b->len++] = '%';
      b->data[b->len++] = hex_upper[c >> 4];
      b->data[b->len++] = hex_upper[c & 0x0f];
    }
  }
  b->data[b->len] = '\0';
}

/* Hand over the string built, or NULL if an allocation failed. */
static char *strbuf_finish(struct strbuf *b) {
  if (b->failed) {
    ferry__free(b->data);
    return NULL;
  }
  if (b->data == NULL)
    return ferry__strdup("");
  return b->data;
}

char *ferry__url_remove_dot_segments(const char *in, size_t len) {
  const char *end = in + len;
  char *out;
  size_t n = 0;

  out = ferry__malloc(len + 2);
  if (out == NULL)
    return NULL;
  if (len == 0) {
    out[0] = '/';
    out[1] = '\0';
    return out;
  }
  while (in < end) {
    size_t left = (size_t)(end - in);
    if (left >= 3 && memcmp(in, "../", 3) == 0) {
      in += 3;
    } else if (left >= 2 && memcmp(in, "./", 2) == 0) {
      in += 2;
    } else if (left >= 3 && memcmp(in, "/./", 3) == 0) {
      in += 2;
    } else if (left == 2 && memcmp(in, "/.", 2) == 0) {
      out[n++] = '/';
      in = end;
    } else if ((left >= 4 && memcmp(in, "/../", 4) == 0) ||
               (left == 3 && memcmp(in, "/..", 3) == 0)) {
      /* Drop the last output segment and the '/' before it. */
      while (n > 0 && out[n - 1] != '/')
        n--;
      if (n > 0)
        n--;
      if (left == 3) {
        out[n++] = '/';
        in = end;
      } else {
        in += 3;
      }
    } else if ((left == 1 && in[0] == '.') ||
               (left == 2 && memcmp(in, "..", 2) == 0)) {
      in = end;
    } else {
      const char *segment = in;
      if (*in == '/')
        in++;
      while (in < end && *in != '/')
        in++;
      memcpy(out + n, segment, (size_t)(in - segment));
      n += (size_t)(in - segment);
    }
  }
  out[n] = '\0';
  return out;
}

/* Parse one part of an IPv4 address: decimal, "0x" hex (digits may be
 * none, meaning 0) or "0" octal, at most 2^32 - 1. */
static int parse_ipv4_number(const char *s, size_t len, uint32_t *value) {
  uint64_t v = 0;
  unsigned base = 10;
  size_t i;

  if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s += 2;
    len -= 2;
  } else if (len >= 2 && s[0] == '0') {
    base = 8;
    s += 1;
    len -= 1;
  }
  for (i = 0; i < len; i++) {
    int d = hex_value(s[i]);
    if (d < 0 || (unsigned)d >= base)
      return -1;
    v = v * base + (unsigned)d;
    if (v > UINT32_MAX)
      return -1;
  }
  *value = (uint32_t)v;
  return 0;
}

/* Does the host (lowercase, decoded) end in a number, so that it must be
 * an IPv4 address? This is the WHATWG URL standard's test: the last label
 * (after a trailing dot is ignored) is all digits or "0x" and hex. */
static int host_ends_in_number(const char *h, size_t len) {
  size_t start, i;

  if (len > 0 && h[len - 1] == '.')
    len--;
  start = len;
  while (start > 0 && h[start - 1] != '.')
    start--;
  if (start == len)
    return 0;
  for (i = start; i < len && is_digit(h[i]); i++)
    ;
  if (i == len)
    return 1;
  if (len - start >= 2 && h[start] == '0' && h[start + 1] == 'x') {
    for (i = start + 2; i < len && hex_value(h[i]) >= 0; i++)
      ;
    return i == len;
  }
  return 0;
}

/* Parse an IPv4 address the way browsers and libcurl do: one to four
 * parts, each decimal, octal or hex, the last filling the remaining
 * bytes ("127.1", "0x7f.1", "2130706433"). Writes the dotted quad. */
static int parse_ipv4(const char *h, size_t len, char out[IPV4_TEXT_SIZE]) {
  uint32_t parts[4];
  uint64_t limit;
  uint32_t addr;
  size_t count = 0, pos = 0, i;

  if (len > 0 && h[len - 1] == '.')
    len--;
  for (;;) {
    size_t end = pos;
    while (end < len && h[end] != '.')
      end++;
    if (count == 4 || end == pos)
      return -1;
    if (parse_ipv4_number(h + pos, end - pos, &parts[count]) != 0)
      return -1;
    count++;
    if (end == len)
      break;
    pos = end + 1;
  }
  for (i = 0; i + 1 < count; i++)
    if (parts[i] > 255)
      return -1;
  limit = ((uint64_t)1 << (8 * (5 - count))) - 1;
  if (parts[count - 1] > limit)
    return -1;
  addr = parts[count - 1];
  for (i = 0; i + 1 < count; i++)
    addr |= parts[i] << (8 * (3 - i));
  snprintf(out, IPV4_TEXT_SIZE, "%u.%u.%u.%u", (unsigned)(addr >> 24),
           (unsigned)(addr >> 16 & 0xff), (unsigned)(addr >> 8 & 0xff),
           (unsigned)(addr & 0xff));
  return 0;
}

/* The inside of "[...]": an IPv6 address and an optional zone id after
 * "%25" (RFC 6874) or a bare '%'. */
static ferry__url_err parse_ipv6_literal(ferry__url *u, const char *s,
                                         size_t len, const char **why) {
  char text[IPV6_TEXT_SIZE];
  char normal[IPV6_TEXT_SIZE];
  struct in6_addr addr;
  const char *pct = memchr(s, '%', len);
  const char *zone = NULL;
  size_t addr_len = pct ? (size_t)(pct - s) : len;
  size_t zone_len = 0, normal_len, i;

  if (addr_len == 0 || addr_len >= sizeof(text))
    goto failed_bad_address;
  memcpy(text, s, addr_len);
  text[addr_len] = '\0';
  if (inet_pton(AF_INET6, text, &addr) != 1)
    goto failed_bad_address;
  if (inet_ntop(AF_INET6, &addr, normal, sizeof(normal)) == NULL)
    goto failed_bad_address;
  if (pct != NULL) {
    zone = pct + 1;
    zone_len = len - addr_len - 1;
    if (zone_len >= 2 && zone[0] == '2' && zone[1] == '5') {
      zone += 2;
      zone_len -= 2;
    }
    if (zone_len == 0)
      goto failed_bad_zone;
    for (i = 0; i < zone_len; i++)
      if (!is_unreserved((unsigned char)zone[i]))
        goto failed_bad_zone;
  }
  normal_len = strlen(normal);
  u->host = ferry__malloc(normal_len + (zone ? 1 + zone_len : 0) + 1);
  if (u->host == NULL) {
    *why = "out of memory";
    return FERRY__URL_NOMEM;
  }
  memcpy(u->host, normal, normal_len);
  if (zone != NULL) {
    u->host[normal_len] = '%';
    memcpy(u->host + normal_len + 1, zone, zone_len);
    normal_len += 1 + zone_len;
  }
  u->host[normal_len] = '\0';
  u->host_kind = FERRY__HOST_IPV6;
  return FERRY__URL_OK;

failed_bad_address:
  *why = "bad IPv6 address";
  return FERRY__URL_MALFORMED;
failed_bad_zone:
  *why = "bad IPv6 zone id";
  return FERRY__URL_MALFORMED;
}

/* A host name or IPv4 address, possibly percent-encoded. Host names may
 * hold letters, digits, '-', '.' and '_' (no IDN). */
static ferry__url_err parse_host_name(ferry__url *u, const char *s,
                                      size_t len, const char **why) {
  char ipv4[IPV4_TEXT_SIZE];
  char *host;
  size_t host_len, i;
  ferry__url_err err;

  err = decode_span(s, len, 1, 0, &host, &host_len);
  if (err == FERRY__URL_NOMEM) {
    *why = "out of memory";
    return err;
  }
  if (err != FERRY__URL_OK) {
    *why = "bad percent-encoding in host name";
    return err;
  }
  for (i = 0; i < host_len; i++) {
    char c = ascii_lower(host[i]);
    if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '.' && c != '_') {
      *why = "bad character in host name";
      goto failed_malformed;
    }
    host[i] = c;
  }
  if (!host_ends_in_number(host, host_len)) {
    u->host = host;
    u->host_kind = FERRY__HOST_NAME;
    return FERRY__URL_OK;
  }
  if (parse_ipv4(host, host_len, ipv4) != 0) {
    *why = "bad IPv4 address";
    goto failed_malformed;
  }
  ferry__free(host);
  u->host = ferry__strdup(ipv4);
  if (u->host == NULL) {
    *why = "out of memory";
    return FERRY__URL_NOMEM;
  }
  u->host_kind = FERRY__HOST_IPV4;
  return FERRY__URL_OK;

failed_malformed:
  ferry__free(host);
  return FERRY__URL_MALFORMED;
}

/* The digits after the host's ':'. None means the scheme's default. */
static ferry__url_err parse_port(ferry__url *u, const char *s, size_t len,
                                 const char **why) {
  long port = 0;
  size_t i;

  u->port = default_port_of(u->scheme);
  u->port_explicit = 0;
  if (len == 0)
    return FERRY__URL_OK;
  for (i = 0; i < len; i++) {
    if (!is_digit(s[i])) {
      *why = "port number is not a decimal number";
      return FERRY__URL_MALFORMED;
    }
  }
  for (i = 0; i < len; i++) {
    port = port * 10 + (s[i] - '0');
    if (port > 65535) {
      *why = "port number out of range";
      return FERRY__URL_MALFORMED;
    }
  }
  u->port = (int)port;
  u->port_explicit = 1;
  return FERRY__URL_OK;
}

/* "user[:password]", each percent-decoded, no control bytes. */
static ferry__url_err parse_userinfo(ferry__url *u, const char *s,
                                     size_t len, const char **why) {
  const char *colon = memchr(s, ':', len);
  size_t user_len = colon ? (size_t)(colon - s) : len;
  ferry__url_err err;

  err = decode_span(s, user_len, 0, 1, &u->user, NULL);
  if (err == FERRY__URL_OK && colon != NULL)
    err = decode_span(colon + 1, len - user_len - 1, 0, 1, &u->password,
                      NULL);
  if (err == FERRY__URL_NOMEM)
    *why = "out of memory";
  else if (err != FERRY__URL_OK)
    *why = "control character in user name or password";
  return err;
}

/* "[userinfo@]host[:port]". The userinfo ends at the last '@', so that a
 * password may hold one. */
static ferry__url_err parse_authority(ferry__url *u, const char *s,
                                      size_t len, const char **why) {
  const char *host = s;
  const char *port = NULL;
  size_t host_len = len, port_len = 0, at = len;
  ferry__url_err err;

  while (at > 0 && s[at - 1] != '@')
    at--;
  if (at > 0) {
    err = parse_userinfo(u, s, at - 1, why);
    if (err != FERRY__URL_OK)
      return err;
    host = s + at;
    host_len = len - at;
  }
  if (host_len > 0 && host[0] == '[') {
    const char *close = memchr(host, ']', host_len);
    const char *end = host + host_len;
    if (close == NULL) {
      *why = "missing ] in IPv6 address";
      return FERRY__URL_MALFORMED;
    }
    if (close + 1 < end) {
      if (close[1] != ':') {
        *why = "junk after IPv6 address";
        return FERRY__URL_MALFORMED;
      }
      port = close + 2;
      port_len = (size_t)(end - port);
    }
    err = parse_ipv6_literal(u, host + 1, (size_t)(close - host - 1), why);
  } else {
    const char *colon = memchr(host, ':', host_len);
    if (colon != NULL) {
      port = colon + 1;
      port_len = host_len - (size_t)(port - host);
      host_len = (size_t)(colon - host);
    }
    if (host_len == 0) {
      *why = "no host name";
      return FERRY__URL_MALFORMED;
    }
    err = parse_host_name(u, host, host_len, why);
  }
  if (err != FERRY__URL_OK)
    return err;
  return parse_port(u, port, port_len, why);
}

/* Copy a query or fragment span if present. */
static ferry__url_err copy_optional(char **dst, const struct span *s,
                                    int present) {
  *dst = NULL;
  if (!present)
    return FERRY__URL_OK;
  *dst = ferry__memdup0(s->ptr, s->len);
  return *dst ? FERRY__URL_OK : FERRY__URL_NOMEM;
}

/* Build u from the scheme and everything after "scheme://". */
static ferry__url_err parse_hierarchical(ferry__url *u, const char *scheme,
                                         const char *s, size_t len,
                                         const char **why) {
  size_t authority_len = find_first_of(s, len, "/?#");
  struct url_tail tail;
  ferry__url_err err;

  u->scheme = ferry__strdup(scheme);
  if (u->scheme == NULL)
    goto failed_nomem;
  err = parse_authority(u, s, authority_len, why);
  if (err != FERRY__URL_OK)
    return err;
  split_tail(s + authority_len, len - authority_len, &tail);
  u->path = ferry__url_remove_dot_segments(tail.path.ptr, tail.path.len);
  if (u->path == NULL)
    goto failed_nomem;
  if (copy_optional(&u->query, &tail.query, tail.has_query) != 0)
    goto failed_nomem;
  if (copy_optional(&u->fragment, &tail.fragment, tail.has_fragment) != 0)
    goto failed_nomem;
  return FERRY__URL_OK;

failed_nomem:
  *why = "out of memory";
  return FERRY__URL_NOMEM;
}

ferry__url_err ferry__url_parse(ferry__url *u, const char *s,
                                int allow_guess_scheme, const char **errmsg) {
  ferry__url tmp;
  const char *why = NULL;
  const char *scheme;
  const char *rest;
  size_t len, scheme_len;
  ferry__url_err err;

  assert(u != NULL);
  memset(u, 0, sizeof(*u));
  memset(&tmp, 0, sizeof(tmp));
  if (s == NULL) {
    why = "no URL given";
    err = FERRY__URL_MALFORMED;
    goto failed;
  }
  err = check_input(s, &len, &why);
  if (err != FERRY__URL_OK)
    goto failed;
  if (len == 0) {
    why = "URL is empty";
    err = FERRY__URL_MALFORMED;
    goto failed;
  }

  /* With guessing, only "name:/" is a scheme, so that "localhost:8080"
   * stays a host and port. */
  scheme_len = scheme_prefix_length(s, len);
  if (scheme_len > 0 && allow_guess_scheme && s[scheme_len + 1] != '/')
    scheme_len = 0;
  if (scheme_len > 0) {
    scheme = supported_scheme(s, scheme_len);
    if (scheme == NULL) {
      why = "unsupported scheme";
      err = FERRY__URL_UNSUPPORTED_SCHEME;
      goto failed;
    }
    if (s[scheme_len + 1] != '/' || s[scheme_len + 2] != '/') {
      why = "missing // after scheme";
      err = FERRY__URL_MALFORMED;
      goto failed;
    }
    rest = s + scheme_len + 3;
  } else if (allow_guess_scheme) {
    size_t first = find_first_of(s, len, "/?#");
    if (first > 0 && first + 1 < len && s[first] == '/' &&
        s[first - 1] == ':' && s[first + 1] == '/') {
      why = "bad scheme";
      err = FERRY__URL_MALFORMED;
      goto failed;
    }
    scheme = "http";
    rest = s;
  } else {
    why = "URL has no scheme";
    err = FERRY__URL_MALFORMED;
    goto failed;
  }

  err = parse_hierarchical(&tmp, scheme, rest, len - (size_t)(rest - s),
                           &why);
  if (err != FERRY__URL_OK)
    goto failed;
  *u = tmp;
  if (errmsg != NULL)
    *errmsg = NULL;
  return FERRY__URL_OK;

failed:
  ferry__url_free(&tmp);
  if (errmsg != NULL)
    *errmsg = why;
  return err;
}

void ferry__url_free(ferry__url *u) {
  if (u == NULL)
    return;
  ferry__free(u->scheme);
  ferry__free(u->user);
  ferry__free(u->password);
  ferry__free(u->host);
  ferry__free(u->path);
  ferry__free(u->query);
  ferry__free(u->fragment);
  memset(u, 0, sizeof(*u));
}

/* *dst = a copy of src (NULL stays NULL). */
static int copy_string(char **dst, const char *src) {
  *dst = NULL;
  if (src == NULL)
    return 0;
  *dst = ferry__strdup(src);
  return *dst ? 0 : -1;
}

/* Copy scheme, userinfo, host and port: what a relative reference keeps. */
static int copy_scheme_and_authority(ferry__url *dst, const ferry__url *src) {
  if (copy_string(&dst->scheme, src->scheme) != 0 ||
      copy_string(&dst->user, src->user) != 0 ||
      copy_string(&dst->password, src->password) != 0 ||
      copy_string(&dst->host, src->host) != 0)
    return -1;
  dst->port = src->port;
  dst->port_explicit = src->port_explicit;
  dst->host_kind = src->host_kind;
  return 0;
}

ferry__url_err ferry__url_copy(ferry__url *dst, const ferry__url *src) {
  ferry__url tmp;

  memset(&tmp, 0, sizeof(tmp));
  if (copy_scheme_and_authority(&tmp, src) != 0 ||
      copy_string(&tmp.path, src->path) != 0 ||
      copy_string(&tmp.query, src->query) != 0 ||
      copy_string(&tmp.fragment, src->fragment) != 0)
    goto failed_nomem;
  *dst = tmp;
  return FERRY__URL_OK;

failed_nomem:
  ferry__url_free(&tmp);
  memset(dst, 0, sizeof(*dst));
  return FERRY__URL_NOMEM;
}

/* RFC 3986 section 5.2.3: the base path up to its last '/', then ref. */
static char *merge_paths(const char *base_path, const char *ref,
                         size_t ref_len) {
  const char *slash = strrchr(base_path, '/');
  size_t keep = slash ? (size_t)(slash - base_path) + 1 : 0;
  char *merged;

  merged = ferry__malloc(keep + ref_len + 2);
  if (merged == NULL)
    return NULL;
  if (keep == 0)
    merged[keep++] = '/';
  else
    memcpy(merged, base_path, keep);
  memcpy(merged + keep, ref, ref_len);
  merged[keep + ref_len] = '\0';
  return merged;
}

/* A reference with no scheme and no authority: path, query, fragment. */
static ferry__url_err resolve_relative(ferry__url *t, const ferry__url *base,
                                       const char *ref, size_t len) {
  struct url_tail tail;
  char *merged;

  if (copy_scheme_and_authority(t, base) != 0)
    return FERRY__URL_NOMEM;
  split_tail(ref, len, &tail);
  if (tail.path.len == 0) {
    if (copy_string(&t->path, base->path) != 0)
      return FERRY__URL_NOMEM;
    if (tail.has_query) {
      if (copy_optional(&t->query, &tail.query, 1) != 0)
        return FERRY__URL_NOMEM;
    } else if (copy_string(&t->query, base->query) != 0) {
      return FERRY__URL_NOMEM;
    }
  } else {
    if (tail.path.ptr[0] == '/') {
      t->path = ferry__url_remove_dot_segments(tail.path.ptr, tail.path.len);
    } else {
      merged = merge_paths(base->path, tail.path.ptr, tail.path.len);
      if (merged == NULL)
        return FERRY__URL_NOMEM;
      t->path = ferry__url_remove_dot_segments(merged, strlen(merged));
      ferry__free(merged);
    }
    if (t->path == NULL)
      return FERRY__URL_NOMEM;
    if (copy_optional(&t->query, &tail.query, tail.has_query) != 0)
      return FERRY__URL_NOMEM;
  }
  if (copy_optional(&t->fragment, &tail.fragment, tail.has_fragment) != 0)
    return FERRY__URL_NOMEM;
  return FERRY__URL_OK;
}

/* "//authority..." takes the base's scheme and is parsed as absolute. */
static ferry__url_err resolve_scheme_relative(ferry__url *out,
                                              const ferry__url *base,
                                              const char *ref, size_t len,
                                              const char **why) {
  size_t scheme_len = strlen(base->scheme);
  char *absolute;
  ferry__url_err err;

  absolute = ferry__malloc(scheme_len + 1 + len + 1);
  if (absolute == NULL) {
    *why = "out of memory";
    return FERRY__URL_NOMEM;
  }
  memcpy(absolute, base->scheme, scheme_len);
  absolute[scheme_len] = ':';
  memcpy(absolute + scheme_len + 1, ref, len + 1);
  err = ferry__url_parse(out, absolute, 0, why);
  ferry__free(absolute);
  return err;
}

ferry__url_err ferry__url_resolve(ferry__url *out, const ferry__url *base,
                                  const char *ref, const char **errmsg) {
  ferry__url tmp;
  const char *why = NULL;
  size_t len, scheme_len;
  ferry__url_err err;

  assert(out != NULL && base != NULL && out != base);
  assert(base->scheme != NULL && base->path != NULL);
  memset(out, 0, sizeof(*out));
  memset(&tmp, 0, sizeof(tmp));
  if (ref == NULL) {
    why = "no URL given";
    err = FERRY__URL_MALFORMED;
    goto failed;
  }
  err = check_input(ref, &len, &why);
  if (err != FERRY__URL_OK)
    goto failed;

  scheme_len = scheme_prefix_length(ref, len);
  if (scheme_len > 0) {
    if (ref[scheme_len + 1] == '/' && ref[scheme_len + 2] == '/')
      return ferry__url_parse(out, ref, 0, errmsg);
    if (span_equals_nocase(ref, scheme_len, base->scheme)) {
      /* "http:g" against an http base: the same as "g". */
      ref += scheme_len + 1;
      len -= scheme_len + 1;
    } else if (supported_scheme(ref, scheme_len) != NULL) {
      why = "missing // after scheme";
      err = FERRY__URL_MALFORMED;
      goto failed;
    } else {
      why = "unsupported scheme";
      err = FERRY__URL_UNSUPPORTED_SCHEME;
      goto failed;
    }
  }
  if (len >= 2 && ref[0] == '/' && ref[1] == '/') {
    err = resolve_scheme_relative(out, base, ref, len, &why);
    if (errmsg != NULL)
      *errmsg = why;
    return err;
  }
  err = resolve_relative(&tmp, base, ref, len);
  if (err != FERRY__URL_OK) {
    why = "out of memory";
    goto failed;
  }
  *out = tmp;
  if (errmsg != NULL)
    *errmsg = NULL;
  return FERRY__URL_OK;

failed:
  ferry__url_free(&tmp);
  if (errmsg != NULL)
    *errmsg = why;
  return err;
}

/* The host as it goes in a URL or a Host: header: an IPv6 address in
 * brackets, its zone id as "%25zone" or (without_zone) dropped. */
static void strbuf_add_host(struct strbuf *b, const ferry__url *u,
                            int without_zone) {
  const char *pct;

  if (u->host_kind != FERRY__HOST_IPV6) {
    strbuf_add_str(b, u->host);
    return;
  }
  pct = strchr(u->host, '%');
  strbuf_add_str(b, "[");
  if (pct == NULL) {
    strbuf_add_str(b, u->host);
  } else {
    strbuf_add(b, u->host, (size_t)(pct - u->host));
    if (!without_zone) {
      strbuf_add_str(b, "%25");
      strbuf_add_str(b, pct + 1);
    }
  }
  strbuf_add_str(b, "]");
}

static void strbuf_add_port(struct strbuf *b, int port) {
  char text[8];

  snprintf(text, sizeof(text), ":%d", port);
  strbuf_add_str(b, text);
}

char *ferry__url_to_string(const ferry__url *u, int with_userinfo,
                           int without_fragment) {
  struct strbuf b = {NULL, 0, 0, 0};

  if (u->scheme == NULL || u->host == NULL || u->path == NULL)
    return NULL;
  strbuf_add_str(&b, u->scheme);
  strbuf_add_str(&b, "://");
  if (with_userinfo && u->user != NULL) {
    strbuf_add_encoded(&b, u->user, strlen(u->user));
    if (u->password != NULL) {
      strbuf_add_str(&b, ":");
      strbuf_add_encoded(&b, u->password, strlen(u->password));
    }
    strbuf_add_str(&b, "@");
  }
  strbuf_add_host(&b, u, 0);
  if (u->port_explicit && u->port != default_port_of(u->scheme))
    strbuf_add_port(&b, u->port);
  strbuf_add_str(&b, u->path);
  if (u->query != NULL) {
    strbuf_add_str(&b, "?");
    strbuf_add_str(&b, u->query);
  }
  if (u->fragment != NULL && !without_fragment) {
    strbuf_add_str(&b, "#");
    strbuf_add_str(&b, u->fragment);
  }
  return strbuf_finish(&b);
}

char *ferry__url_request_target(const ferry__url *u) {
  struct strbuf b = {NULL, 0, 0, 0};

  strbuf_add_str(&b, u->path);
  if (u->query != NULL) {
    strbuf_add_str(&b, "?");
    strbuf_add_str(&b, u->query);
  }
  return strbuf_finish(&b);
}

char *ferry__url_host_header(const ferry__url *u) {
  struct strbuf b = {NULL, 0, 0, 0};

  strbuf_add_host(&b, u, 1);
  if (u->port != default_port_of(u->scheme))
    strbuf_add_port(&b, u->port);
  return strbuf_finish(&b);
}

char *ferry__url_decode(const char *s, size_t len, size_t *outlen,
                        int reject_ctrl) {
  char *out;

  if (decode_span(s, len, 0, reject_ctrl, &out, outlen) != FERRY__URL_OK)
    return NULL;
  return out;
}

char *ferry__url_encode(const char *s, size_t len) {
  struct strbuf b = {NULL, 0, 0, 0};

  strbuf_add_encoded(&b, s, len);
  return strbuf_finish(&b);
}

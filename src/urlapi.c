/* The URL API: ferry_url, ferry_url_set, ferry_url_get, ferry_url_dup and
 * ferry_url_cleanup, in libcurl's CURLU model.
 *
 * A handle keeps each part as libcurl does: in its URL-encoded form, as it
 * appears in a URL, except the host of a parsed URL, which is
 * percent-decoded (an IPv4 or IPv6 address normalised, a name in its own
 * case). A whole URL is parsed in libcurl 8.11's steps (lib/urlapi.c),
 * so that each fault gets libcurl's code: the scan for control bytes and
 * spaces, the scheme and its slashes (or a file: URL), the login up to the
 * first '@', the port, the host, then the fragment, the query and the
 * path. A relative reference is joined to the handle's URL as text, the
 * way libcurl 8.11 joins one, and the result parsed as a whole URL. This
 * is ferry's one URL parser: the transfers read their URLs through it too
 * (url.c), as libcurl's do. Sans-IO: nothing here touches a socket or a
 * loop. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#ifdef _WIN32
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#endif

#include "ferry.h"
#include "alloc.h"
#include "buf.h"
#include "urlapi.h"

struct ferry_urlh {
  char *scheme;     /* lower-case when parsed, as given when set */
  char *user;       /* user, password, options: URL-encoded */
  char *password;
  char *options;
  char *host;       /* parsed: decoded, IPv6 as "[addr]"; set: as given */
  char *zoneid;
  char *port;       /* decimal text; NULL when none */
  char *path;       /* URL-encoded; NULL stands for "/" */
  char *query;      /* without the '?'; "" for a bare '?' */
  char *fragment;   /* without the '#'; NULL for a bare '#' */
  unsigned portnum; /* the value of port */
  unsigned query_present : 1;
  unsigned fragment_present : 1;
  unsigned guessed_scheme : 1; /* taken by FERRYU_GUESS_SCHEME */
};

/* The longest scheme taken as one, as libcurl. */
#define SCHEME_MAX 40

/* The longest IPv6 zone id libcurl keeps, in bytes. */
#define ZONEID_MAX 15

/* What libcurl's host name check refuses in a (decoded) host name. */
static const char host_name_bad_bytes[] =
    " \r\n\t/:#?!@{}[]\\$'\"^`*<>=;,+&()%";

static const char hex_lower[] = "0123456789abcdef";

/* The schemes libcurl knows (its protocol handlers), their default ports,
 * and whether a login in their URLs holds ";options". ferry transfers
 * http, https, ws and wss only, so only those are parsed without
 * FERRYU_NON_SUPPORT_SCHEME; the others keep their default ports and
 * login options in the URL API, as in a libcurl built with them (and
 * FERRYU_GUESS_SCHEME finds ftp, dict, ldap, imap, smtp and pop3). */
static const struct url_scheme {
  const char *name;
  unsigned short port;
  unsigned char login_options;
} url_schemes[] = {
    {"dict", 2628, 0},  {"file", 0, 0},     {"ftp", 21, 0},
    {"ftps", 990, 0},   {"gopher", 70, 0},  {"gophers", 70, 0},
    {"http", 80, 0},    {"https", 443, 0},  {"imap", 143, 1},
    {"imaps", 993, 1},  {"ldap", 389, 0},   {"ldaps", 636, 0},
    {"mqtt", 1883, 0},  {"pop3", 110, 1},   {"pop3s", 995, 1},
    {"rtmp", 1935, 0},  {"rtmpe", 1935, 0}, {"rtmps", 443, 0},
    {"rtmpt", 80, 0},   {"rtmpte", 80, 0},  {"rtmpts", 443, 0},
    {"rtsp", 554, 0},   {"scp", 22, 0},     {"sftp", 22, 0},
    {"smb", 445, 0},    {"smbs", 445, 0},   {"smtp", 25, 1},
    {"smtps", 465, 1},  {"telnet", 23, 0},  {"tftp", 69, 0},
    {"ws", 80, 0},      {"wss", 443, 0},
};

/* The host name prefixes FERRYU_GUESS_SCHEME takes a scheme from (any
 * case), as libcurl; any other host is http. */
static const struct {
  const char *prefix, *scheme;
} guessed_schemes[] = {
    {"ftp.", "ftp"},   {"dict.", "dict"}, {"ldap.", "ldap"},
    {"imap.", "imap"}, {"smtp.", "smtp"}, {"pop3.", "pop3"},
};

static int is_alpha(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }

static int is_hex(int c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_value(int c) {
  if (is_digit(c))
    return c - '0';
  return (c | 0x20) - 'a' + 10;
}

static int is_unreserved(int c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

static void parts_free(struct ferry_urlh *u) {
  ferry__free(u->scheme);
  ferry__free(u->user);
  ferry__free(u->password);
  ferry__free(u->options);
  ferry__free(u->host);
  ferry__free(u->zoneid);
  ferry__free(u->port);
  ferry__free(u->path);
  ferry__free(u->query);
  ferry__free(u->fragment);
  memset(u, 0, sizeof(*u));
}

/* Is s[0..n) a scheme ferry transfers (any case)? */
static int scheme_known(const char *s, size_t n) {
  return (n == 4 && strncasecmp(s, "http", 4) == 0) ||
         (n == 5 && strncasecmp(s, "https", 5) == 0) ||
         (n == 2 && strncasecmp(s, "ws", 2) == 0) ||
         (n == 3 && strncasecmp(s, "wss", 3) == 0);
}

/* The scheme libcurl knows by this name (any case), or NULL. */
static const struct url_scheme *scheme_info(const char *scheme) {
  size_t i;

  if (scheme == NULL)
    return NULL;
  for (i = 0; i < sizeof(url_schemes) / sizeof(url_schemes[0]); i++)
    if (strcasecmp(scheme, url_schemes[i].name) == 0)
      return &url_schemes[i];
  return NULL;
}

static int is_file_scheme(const char *scheme) {
  return scheme != NULL && strcasecmp(scheme, "file") == 0;
}

/* Length of the scheme s starts with, "ALPHA *(ALPHA / DIGIT / + / - /
 * .)" before a ':', or 0. With need_slash only a ':' followed by '/'
 * counts, so that "host:8080" is a host and a port. */
static size_t scheme_length(const char *s, int need_slash) {
  size_t i;

  if (!is_alpha((unsigned char)s[0]))
    return 0;
  for (i = 1; i <= SCHEME_MAX; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == ':')
      return (!need_slash || s[i + 1] == '/') ? i : 0;
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.')
      return 0;
  }
  return 0;
}

/* Hand over what b holds ("" when it is empty), or NULL after a failed
 * append (rc != 0). */
static char *buf_take(ferry__buf *b, int rc) {
  char *s;

  if (rc != 0) {
    ferry__buf_free(b);
    return NULL;
  }
  if (b->data == NULL)
    return ferry__strdup("");
  s = b->data;
  b->data = NULL;
  return s;
}

static int buf_add_escape(ferry__buf *b, unsigned char c) {
  char e[3];

  e[0] = '%';
  e[1] = hex_lower[c >> 4];
  e[2] = hex_lower[c & 0x0f];
  return ferry__buf_add(b, e, 3);
}

/* What set encodes with FERRYU_URLENCODE: every byte but unreserved ones
 * as "%xx"; with keep_slash '/' stays, with plus_space a space becomes
 * '+', with keep_equals the first '=' stays. */
static char *encode_strict(const char *s, int keep_slash, int plus_space,
                           int keep_equals) {
  ferry__buf b;
  int rc = 0;

  ferry__buf_init(&b, SIZE_MAX / 2);
  for (; *s && rc == 0; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == ' ' && plus_space) {
      rc = ferry__buf_add(&b, "+", 1);
    } else if (is_unreserved(c) || (c == '/' && keep_slash) ||
               (c == '=' && keep_equals)) {
      if (c == '=')
        keep_equals = 0;
      rc = ferry__buf_add(&b, s, 1);
    } else {
      rc = buf_add_escape(&b, c);
    }
  }
  return buf_take(&b, rc);
}

/* The lighter encoding of a URL's path, query and fragment, and of a
 * relative reference: a space becomes "%20" (or '+' after a '?', or
 * everywhere with plus_space) and a byte above 0x7f "%xx"; the rest stays.
 * s[0..n). */
static char *encode_loose(const char *s, size_t n, int plus_space) {
  ferry__buf b;
  size_t i;
  int rc = 0;

  ferry__buf_init(&b, SIZE_MAX / 2);
  for (i = 0; i < n && rc == 0; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '?')
      plus_space = 1;
    if (c == ' ')
      rc = plus_space ? ferry__buf_add(&b, "+", 1)
                      : ferry__buf_add(&b, "%20", 3);
    else if (c > 0x7f)
      rc = buf_add_escape(&b, c);
    else
      rc = ferry__buf_add(&b, s + i, 1);
  }
  return buf_take(&b, rc);
}

/* Write the hex digits of every "%XX" escape in s in lower case. */
static void lower_escapes(char *s) {
  for (; *s; s++) {
    if (s[0] == '%' && is_hex((unsigned char)s[1]) &&
        is_hex((unsigned char)s[2])) {
      s[1] = (char)(s[1] | (is_alpha((unsigned char)s[1]) ? 0x20 : 0));
      s[2] = (char)(s[2] | (is_alpha((unsigned char)s[2]) ? 0x20 : 0));
      s += 2;
    }
  }
}

char *ferry__url_decode(const char *s, size_t len, size_t *outlen,
                        int reject_ctrl) {
  char *out = ferry__malloc(len + 1);
  size_t i, n = 0;

  if (out == NULL)
    return NULL;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '%' && i + 2 < len && is_hex((unsigned char)s[i + 1]) &&
        is_hex((unsigned char)s[i + 2])) {
      c = (unsigned char)(hex_value((unsigned char)s[i + 1]) << 4 |
                          hex_value((unsigned char)s[i + 2]));
      i += 2;
    }
    if (reject_ctrl && c < 0x20) {
      ferry__free(out);
      return NULL;
    }
    out[n++] = (char)c;
  }
  out[n] = '\0';
  if (outlen != NULL)
    *outlen = n;
  return out;
}

char *ferry__url_encode(const char *s, size_t len) {
  static const char hex_upper[] = "0123456789ABCDEF";
  char *out = ferry__malloc(len * 3 + 1);
  size_t i, n = 0;

  if (out == NULL)
    return NULL;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (is_unreserved(c)) {
      out[n++] = (char)c;
    } else {
      out[n++] = '%';
      out[n++] = hex_upper[c >> 4];
      out[n++] = hex_upper[c & 0x0f];
    }
  }
  out[n] = '\0';
  return out;
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

/* One number of an IPv4 address as strtoul() with base 0 reads it: "0x"
 * and a hex digit start hex, a leading '0' octal, else decimal. Returns
 * the bytes read; *v is above UINT32_MAX when the number is. */
static size_t ipv4_number(const char *s, size_t n, uint64_t *v) {
  unsigned base = 10;
  size_t i = 0;
  uint64_t x = 0;

  if (n >= 3 && s[0] == '0' && (s[1] | 0x20) == 'x' &&
      is_hex((unsigned char)s[2])) {
    base = 16;
    i = 2;
  } else if (s[0] == '0') {
    base = 8;
  }
  for (; i < n && is_hex((unsigned char)s[i]); i++) {
    unsigned d = (unsigned)hex_value((unsigned char)s[i]);
    if (d >= base)
      break;
    if (x <= UINT32_MAX)
      x = x * base + d;
  }
  *v = x;
  return i;
}

/* libcurl's reading of a host as an IPv4 address: one to four numbers
 * (decimal, "0x" hex or '0' octal) joined by dots, the last one filling
 * the bytes left ("127.1", "0x7f.1", "2130706433"). 1 with the dotted
 * quad in out, or 0 when h[0..n) is not one: it is then a host name
 * ("256.1.1.1", "1.2.3.4.", "08.1" are names to libcurl). */
static int ipv4_normalise(const char *h, size_t n, char out[16]) {
  uint64_t p[4];
  uint32_t addr;
  size_t count = 0, i = 0;

  for (;;) {
    if (i >= n || !is_digit((unsigned char)h[i]))
      return 0;
    i += ipv4_number(h + i, n - i, &p[count]);
    if (p[count++] > UINT32_MAX)
      return 0;
    if (i == n)
      break;
    if (h[i] != '.' || count == 4)
      return 0;
    i++;
  }
  switch (count) {
  case 1:
    addr = (uint32_t)p[0];
    break;
  case 2:
    if (p[0] > 0xff || p[1] > 0xffffff)
      return 0;
    addr = (uint32_t)(p[0] << 24 | p[1]);
    break;
  case 3:
    if (p[0] > 0xff || p[1] > 0xff || p[2] > 0xffff)
      return 0;
    addr = (uint32_t)(p[0] << 24 | p[1] << 16 | p[2]);
    break;
  default:
    if (p[0] > 0xff || p[1] > 0xff || p[2] > 0xff || p[3] > 0xff)
      return 0;
    addr = (uint32_t)(p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]);
    break;
  }
  snprintf(out, 16, "%u.%u.%u.%u", (unsigned)(addr >> 24),
           (unsigned)(addr >> 16 & 0xff), (unsigned)(addr >> 8 & 0xff),
           (unsigned)(addr & 0xff));
  return 1;
}

/* An IPv6 literal h[0..n), "[addr]" or "[addr%zone]" (the '%' may be
 * written "%25"), checked as libcurl checks it: hex digits, ':' and '.',
 * an address inet_pton() takes, a zone id of 1 to 15 bytes. *host gets
 * "[addr]", the address in inet_ntop()'s form when that is shorter than
 * the one given (libcurl's rule), else as given; *zoneid the zone id or
 * NULL. FERRYUE_BAD_IPV6 or FERRYUE_OUT_OF_MEMORY with both NULL. */
static ferry_ucode ipv6_literal(const char *h, size_t n, char **host,
                                char **zoneid) {
  char addr[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN];
  unsigned char bin[16];
  const char *a = h + 1, *zone = NULL;
  size_t alen = 0, zlen = 0;
  ferry__buf b;

  *host = *zoneid = NULL;
  if (n < 4 || h[0] != '[' || h[n - 1] != ']')
    return FERRYUE_BAD_IPV6;
  while (alen < n - 2 && (is_hex((unsigned char)a[alen]) || a[alen] == ':' ||
                          a[alen] == '.'))
    alen++;
  if (alen < n - 2) {
    if (a[alen] != '%')
      return FERRYUE_BAD_IPV6;
    zone = a + alen + 1;
    zlen = (size_t)(h + n - 1 - zone);
    if (zlen >= 3 && zone[0] == '2' && zone[1] == '5') {
      zone += 2;
      zlen -= 2;
    }
    if (zlen == 0 || zlen > ZONEID_MAX)
      return FERRYUE_BAD_IPV6;
  }
  if (alen >= sizeof(addr))
    return FERRYUE_BAD_IPV6;
  memcpy(addr, a, alen);
  addr[alen] = '\0';
  if (inet_pton(AF_INET6, addr, bin) != 1)
    return FERRYUE_BAD_IPV6;
  if (inet_ntop(AF_INET6, bin, text, sizeof(text)) != NULL &&
      strlen(text) < alen)
    memcpy(addr, text, strlen(text) + 1);
  ferry__buf_init(&b, SIZE_MAX / 2);
  *host = buf_take(&b, ferry__buf_cat(&b, "[", addr, "]", NULL));
  if (*host == NULL)
    return FERRYUE_OUT_OF_MEMORY;
  if (zone != NULL) {
    *zoneid = ferry__memdup0(zone, zlen);
    if (*zoneid == NULL) {
      ferry__free(*host);
      *host = NULL;
      return FERRYUE_OUT_OF_MEMORY;
    }
  }
  return FERRYUE_OK;
}

/* Percent-decode a host h[0..n) into *out (*outlen bytes): a control
 * byte in the result is FERRYUE_BAD_HOSTNAME, as libcurl rejects it. */
static ferry_ucode decode_host(const char *h, size_t n, char **out,
                               size_t *outlen) {
  size_t i;

  *out = ferry__url_decode(h, n, outlen, 0);
  if (*out == NULL)
    return FERRYUE_OUT_OF_MEMORY;
  for (i = 0; i < *outlen; i++) {
    if ((unsigned char)(*out)[i] < 0x20) {
      ferry__free(*out);
      *out = NULL;
      return FERRYUE_BAD_HOSTNAME;
    }
  }
  return FERRYUE_OK;
}

/* Does the host name h[0..n) hold a byte libcurl refuses in one? */
static int host_name_is_bad(const char *h, size_t n) {
  size_t i;

  for (i = 0; i < n; i++)
    if (strchr(host_name_bad_bytes, h[i]) != NULL)
      return 1;
  return 0;
}

/* A host name h[0..n): percent-decoded and checked. Its case is kept. */
static ferry_ucode host_name(const char *h, size_t n, char **host) {
  size_t len;
  ferry_ucode rc = decode_host(h, n, host, &len);

  if (rc == FERRYUE_OK && host_name_is_bad(*host, len)) {
    ferry__free(*host);
    *host = NULL;
    rc = FERRYUE_BAD_HOSTNAME;
  }
  return rc;
}

/* The host of a URL, h[0..n) (not empty), as libcurl reads it: an IPv6
 * literal, an IPv4 address (normalised), or a host name. */
static ferry_ucode parse_host(const char *h, size_t n, char **host,
                              char **zoneid) {
  char quad[16];

  *host = *zoneid = NULL;
  if (h[0] == '[')
    return ipv6_literal(h, n, host, zoneid);
  if (ipv4_normalise(h, n, quad)) {
    *host = ferry__strdup(quad);
    return *host ? FERRYUE_OK : FERRYUE_OUT_OF_MEMORY;
  }
  return host_name(h, n, host);
}

/* The login before the authority's first '@', s[0..n): the user up to a
 * ':' (or, for a scheme that has them, a ';'), the password after the
 * ':' and the options after the ';', each up to the other separator. All
 * stay URL-encoded. */
static ferry_ucode parse_login(struct ferry_urlh *t, const char *s, size_t n,
                               int with_options) {
  const char *colon = memchr(s, ':', n);
  const char *semi = with_options ? memchr(s, ';', n) : NULL;
  const char *end = s + n;
  const char *user_end = colon ? colon : end;

  if (semi && semi < user_end)
    user_end = semi;
  t->user = ferry__memdup0(s, (size_t)(user_end - s));
  if (t->user == NULL)
    return FERRYUE_OUT_OF_MEMORY;
  if (colon) {
    const char *p_end = (semi && semi > colon) ? semi : end;
    t->password = ferry__memdup0(colon + 1, (size_t)(p_end - colon - 1));
    if (t->password == NULL)
      return FERRYUE_OUT_OF_MEMORY;
  }
  if (semi) {
    const char *o_end = (colon && colon > semi) ? colon : end;
    if (o_end > semi + 1) {
      t->options = ferry__memdup0(semi + 1, (size_t)(o_end - semi - 1));
      if (t->options == NULL)
        return FERRYUE_OUT_OF_MEMORY;
    }
  }
  return FERRYUE_OK;
}

/* The authority s[0..n) (not empty): [login@]host[:port]. The login ends
 * at the first '@' (a host holding another '@' is a bad host name), the
 * port is decimal, at most 65535, and may be empty only after a scheme
 * (has_scheme): "host:" without one could be a scheme. */
static ferry_ucode parse_authority(struct ferry_urlh *t, const char *s,
                                   size_t n, unsigned flags, int has_scheme) {
  const char *at = memchr(s, '@', n), *hp = s, *end = s + n, *port = NULL;
  size_t host_len;
  ferry_ucode rc;

  if (at != NULL) {
    const struct url_scheme *info = scheme_info(t->scheme);
    if (flags & FERRYU_DISALLOW_USER)
      return FERRYUE_USER_NOT_ALLOWED;
    rc = parse_login(t, s, (size_t)(at - s), info && info->login_options);
    if (rc != FERRYUE_OK)
      return rc;
    hp = at + 1;
  }
  if (hp < end && hp[0] == '[') {
    const char *close = memchr(hp, ']', (size_t)(end - hp));
    if (close == NULL)
      return FERRYUE_BAD_IPV6;
    if (close + 1 < end) {
      if (close[1] != ':')
        return FERRYUE_BAD_PORT_NUMBER;
      port = close + 1;
    }
    host_len = (size_t)(close + 1 - hp);
  } else {
    port = memchr(hp, ':', (size_t)(end - hp));
    host_len = port ? (size_t)(port - hp) : (size_t)(end - hp);
  }
  if (port != NULL && port + 1 == end) {
    if (!has_scheme)
      return FERRYUE_BAD_PORT_NUMBER;
  } else if (port != NULL) {
    const char *p = port + 1;
    unsigned long v = 0;
    char num[8];
    if (!is_digit((unsigned char)*p))
      return FERRYUE_BAD_PORT_NUMBER;
    for (; p < end; p++) {
      if (!is_digit((unsigned char)*p))
        return FERRYUE_BAD_PORT_NUMBER;
      v = v * 10 + (unsigned long)(*p - '0');
      if (v > 65535)
        return FERRYUE_BAD_PORT_NUMBER;
    }
    snprintf(num, sizeof(num), "%lu", v); /* leading zeros dropped */
    t->port = ferry__strdup(num);
    if (t->port == NULL)
      return FERRYUE_OUT_OF_MEMORY;
    t->portnum = (unsigned)v;
  }
  if (host_len == 0)
    return FERRYUE_NO_HOST;
  return parse_host(hp, host_len, &t->host, &t->zoneid);
}

/* "file:" URLs, as libcurl reads them (s is the whole URL, len its
 * length): a path after "file:", or after "file://" when the host is
 * empty, "localhost" or "127.0.0.1"; no host is kept, and a Windows
 * drive letter is refused. Stores where the path starts in *path. */
static ferry_ucode parse_file_start(struct ferry_urlh *t, const char *s,
                                    size_t len, const char **path) {
  const char *p = s + 5;

#define DRIVE_PREFIX(x)                                                        \
  (is_alpha((unsigned char)(x)[0]) && ((x)[1] == ':' || (x)[1] == '|') &&   \
   ((x)[2] == '/' || (x)[2] == '\\' || (x)[2] == '\0'))
  if (len <= 6)
    return FERRYUE_BAD_FILE_URL;
  if (p[0] == '/' && p[1] == '/') {
    p += 2;
    if (p[0] != '/' && !DRIVE_PREFIX(p)) {
      if (strncasecmp(p, "localhost/", 10) == 0 ||
          strncasecmp(p, "127.0.0.1/", 10) == 0)
        p += 9;
      else
        return FERRYUE_BAD_FILE_URL;
    }
  }
  if ((p[0] == '/' && DRIVE_PREFIX(p + 1)) || DRIVE_PREFIX(p))
    return FERRYUE_BAD_FILE_URL;
#undef DRIVE_PREFIX
  t->scheme = ferry__strdup("file");
  if (t->scheme == NULL)
    return FERRYUE_OUT_OF_MEMORY;
  *path = p;
  return FERRYUE_OK;
}

/* What follows the authority, s[0..n): "#fragment", "?query" and the
 * path, each encoded with FERRYU_URLENCODE (a space as "%20", in the
 * query as '+'; a byte above 0x7f as "%xx"), the path's dot segments
 * removed unless FERRYU_PATH_AS_IS. */
static ferry_ucode parse_tail(struct ferry_urlh *t, const char *s, size_t n,
                              unsigned flags) {
  int encode = (flags & FERRYU_URLENCODE) != 0;
  const char *hash = memchr(s, '#', n), *qmark;
  size_t path_len;

  if (hash != NULL) {
    size_t flen = (size_t)(s + n - hash - 1);
    t->fragment_present = 1;
    if (flen > 0) {
      t->fragment = encode ? encode_loose(hash + 1, flen, 0)
                           : ferry__memdup0(hash + 1, flen);
      if (t->fragment == NULL)
        return FERRYUE_OUT_OF_MEMORY;
    }
    n = (size_t)(hash - s);
  }
  qmark = memchr(s, '?', n);
  if (qmark != NULL) {
    size_t qlen = (size_t)(s + n - qmark - 1);
    t->query_present = 1;
    t->query = encode ? encode_loose(qmark + 1, qlen, 1)
                      : ferry__memdup0(qmark + 1, qlen);
    if (t->query == NULL)
      return FERRYUE_OUT_OF_MEMORY;
    n = (size_t)(qmark - s);
  }
  path_len = n;
  if (path_len > 0 && encode) {
    t->path = encode_loose(s, path_len, 0);
    if (t->path == NULL)
      return FERRYUE_OUT_OF_MEMORY;
    path_len = strlen(t->path);
  }
  if (path_len <= 1) { /* none, or only the '/' */
    ferry__free(t->path);
    t->path = NULL;
    return FERRYUE_OK;
  }
  if (t->path == NULL) {
    t->path = ferry__memdup0(s, path_len);
    if (t->path == NULL)
      return FERRYUE_OUT_OF_MEMORY;
  }
  if (!(flags & FERRYU_PATH_AS_IS) && memchr(t->path, '.', path_len)) {
    char *dedotted = ferry__url_remove_dot_segments(t->path, path_len);
    if (dedotted == NULL)
      return FERRYUE_OUT_OF_MEMORY;
    ferry__free(t->path);
    t->path = dedotted;
  }
  return FERRYUE_OK;
}

/* Parse the absolute URL s into t (all zero before; on an error the
 * caller frees what t holds). */
static ferry_ucode parse_url(struct ferry_urlh *t, const char *s,
                             unsigned flags) {
  char scheme[SCHEME_MAX + 1];
  const char *rest, *tail;
  size_t len = strlen(s), slen, alen, i;
  ferry_ucode rc;

  if (len == 0 || len > FERRY__URL_MAX_LENGTH)
    return FERRYUE_MALFORMED_INPUT;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c == 0x7f || (c == ' ' && !(flags & FERRYU_ALLOW_SPACE)))
      return FERRYUE_MALFORMED_INPUT;
  }

  slen = scheme_length(s, (flags & (FERRYU_GUESS_SCHEME |
                                    FERRYU_DEFAULT_SCHEME)) != 0);
  for (i = 0; i < slen; i++)
    scheme[i] = (char)(s[i] | (is_alpha((unsigned char)s[i]) ? 0x20 : 0));
  scheme[slen] = '\0';
  if (slen > 0 && strcmp(scheme, "file") == 0) {
    rc = parse_file_start(t, s, len, &tail);
    if (rc != FERRYUE_OK)
      return rc;
    return parse_tail(t, tail, len - (size_t)(tail - s), flags);
  }
  if (slen > 0) {
    size_t slashes = 0;
    while (slashes < 4 && s[slen + 1 + slashes] == '/')
      slashes++;
    if (!scheme_known(scheme, slen) && !(flags & FERRYU_NON_SUPPORT_SCHEME))
      return FERRYUE_UNSUPPORTED_SCHEME;
    if (slashes < 1 || slashes > 3)
      return FERRYUE_BAD_SLASHES;
    rest = s + slen + 1 + slashes;
    t->scheme = ferry__strdup(scheme);
  } else {
    if (!(flags & (FERRYU_GUESS_SCHEME | FERRYU_DEFAULT_SCHEME)))
      return FERRYUE_BAD_SCHEME;
    rest = s;
    if (flags & FERRYU_DEFAULT_SCHEME)
      t->scheme = ferry__strdup("https");
  }
  if ((slen > 0 || (flags & FERRYU_DEFAULT_SCHEME)) && t->scheme == NULL)
    return FERRYUE_OUT_OF_MEMORY;

  alen = strcspn(rest, "/?#");
  if (alen > 0) {
    rc = parse_authority(t, rest, alen, flags, slen > 0);
    if (rc != FERRYUE_OK)
      return rc;
    if (t->scheme == NULL) { /* FERRYU_GUESS_SCHEME alone */
      const char *guess = "http";
      for (i = 0; i < sizeof(guessed_schemes) / sizeof(guessed_schemes[0]);
           i++) {
        const char *prefix = guessed_schemes[i].prefix;
        if (strncasecmp(t->host, prefix, strlen(prefix)) == 0) {
          guess = guessed_schemes[i].scheme;
          break;
        }
      }
      t->scheme = ferry__strdup(guess);
      if (t->scheme == NULL)
        return FERRYUE_OUT_OF_MEMORY;
      t->guessed_scheme = 1;
    }
  } else if (flags & FERRYU_NO_AUTHORITY) {
    t->host = ferry__strdup("");
    if (t->host == NULL)
      return FERRYUE_OUT_OF_MEMORY;
  } else {
    return FERRYUE_NO_HOST;
  }
  tail = rest + alen;
  return parse_tail(t, tail, len - (size_t)(tail - s), flags);
}

/* Replace every part of u with those of the absolute URL s. */
static ferry_ucode set_absolute(struct ferry_urlh *u, const char *s,
                                unsigned flags) {
  struct ferry_urlh t;
  ferry_ucode rc;

  memset(&t, 0, sizeof(t));
  rc = parse_url(&t, s, flags);
  if (rc == FERRYUE_OK) {
    parts_free(u);
    *u = t;
  } else {
    parts_free(&t);
  }
  return rc;
}

/* Append ref[0..n) as libcurl appends a reference to a base URL: a space
 * as "%20" (as '+' once a '?' has passed), a byte above 0x7f as "%xx",
 * anything else as it is. With authority (a "//host..." reference), the
 * bytes up to the first '/' or '?' after the first "//" in ref stay as
 * they are (libcurl's find_host_sep). Returns 0, or -1 when out of
 * memory. */
static int add_reference_bytes(ferry__buf *b, const char *ref, size_t n,
                               int authority) {
  size_t i, raw = 0;
  int in_query = 0, rc = 0;

  if (authority) {
    const char *slashes = strstr(ref, "//");
    const char *start = slashes ? slashes + 2 : ref;
    raw = (size_t)(start - ref) + strcspn(start, "/?");
  }
  for (i = 0; i < n && rc == 0; i++) {
    unsigned char c = (unsigned char)ref[i];
    if (i < raw)
      rc = ferry__buf_add(b, ref + i, 1);
    else if (c == ' ')
      rc = in_query ? ferry__buf_add(b, "+", 1) : ferry__buf_add(b, "%20", 3);
    else if (c > 0x7f)
      rc = buf_add_escape(b, c);
    else
      rc = ferry__buf_add(b, ref + i, 1);
    if (i >= raw && c == '?')
      in_query = 1;
  }
  return rc;
}

/* The URL that the relative reference ref makes of the whole URL base,
 * joined as text the way libcurl 8.11's URL API joins them (its
 * concat_url), not by RFC 3986 section 5.2:
 *   "//host/p"  the base's "scheme:" and "//", then ref's host and path;
 *   "/p"        the base up to its path (or its '?'), then ref;
 *   "?q", "#f"  the base without its query and fragment, then ref (so a
 *               fragment alone drops the base's query, as in libcurl);
 *   "p"         the base's path up to its last '/', less one segment for
 *               each leading "../" (a leading "./" skipped), then ref.
 * The result is parsed again as a whole URL, which removes the dot
 * segments left. Returns a new string, or NULL when out of memory. */
static char *join_reference(const char *base, const char *ref) {
  const char *slashes = strstr(base, "//");
  size_t host_at = slashes ? (size_t)(slashes - base) + 2 : 0;
  size_t keep = strlen(base);
  size_t path_at = 0;  /* just past the first '/' after the host, if any */
  int has_path_at = 0; /* keep == path_at then means "no '/' to add" */
  int add_slash = 1, authority = 0;
  const char *use = ref;
  ferry__buf b;
  int rc;

  if (ref[0] != '/') {
    keep = host_at + strcspn(base + host_at, "?");
    if (ref[0] == '?' || ref[0] == '#') {
      add_slash = 0;
    } else {
      size_t i = keep, levels = 0;
      const char *first;
      while (i > host_at && base[i - 1] != '/')
        i--;
      if (i > host_at)
        keep = i - 1; /* the last segment goes */
      first = memchr(base + host_at, '/', keep - host_at);
      if (first != NULL) {
        path_at = (size_t)(first - base) + 1;
        has_path_at = 1;
      }
      if (use[0] == '.' && use[1] == '/')
        use += 2;
      while (use[0] == '.' && use[1] == '.' && use[2] == '/') {
        levels++;
        use += 3;
      }
      while (has_path_at && levels-- > 0) {
        i = keep;
        while (i > path_at && base[i - 1] != '/')
          i--;
        if (i > path_at) {
          keep = i - 1;
        } else {
          keep = path_at;
          break;
        }
      }
      if (has_path_at && keep == path_at)
        add_slash = 0;
    }
  } else if (ref[1] == '/') {
    keep = host_at; /* "scheme://" */
    use = ref + 2;
    authority = 1;
    add_slash = 0;
  } else {
    size_t slash = host_at + strcspn(base + host_at, "/");
    size_t query = host_at + strcspn(base + host_at, "?");
    keep = query < slash ? query : slash;
  }
  if (use[0] == '/')
    add_slash = 0;
  ferry__buf_init(&b, SIZE_MAX / 2);
  rc = ferry__buf_add(&b, base, keep);
  if (rc == 0 && add_slash)
    rc = ferry__buf_add(&b, "/", 1);
  if (rc == 0)
    rc = add_reference_bytes(&b, use, strlen(use), authority);
  return buf_take(&b, rc);
}

static ferry_ucode set_scheme(struct ferry_urlh *u, const char *s,
                              unsigned flags) {
  size_t n = strlen(s), i;
  char *copy;

  if (n < 1 || n > SCHEME_MAX)
    return FERRYUE_BAD_SCHEME;
  if (!(flags & FERRYU_NON_SUPPORT_SCHEME) && !scheme_known(s, n))
    return FERRYUE_UNSUPPORTED_SCHEME;
  if (!is_alpha((unsigned char)s[0]))
    return FERRYUE_BAD_SCHEME;
  for (i = 1; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.')
      return FERRYUE_BAD_SCHEME;
  }
  copy = ferry__strdup(s);
  if (copy == NULL)
    return FERRYUE_OUT_OF_MEMORY;
  ferry__free(u->scheme);
  u->scheme = copy;
  u->guessed_scheme = 0;
  return FERRYUE_OK;
}

static ferry_ucode set_port(struct ferry_urlh *u, const char *s) {
  unsigned long v = 0;
  const char *p;
  char *copy;

  if (!is_digit((unsigned char)s[0]))
    return FERRYUE_BAD_PORT_NUMBER;
  for (p = s; *p; p++) {
    if (!is_digit((unsigned char)*p))
      return FERRYUE_BAD_PORT_NUMBER;
    v = v * 10 + (unsigned long)(*p - '0');
    if (v > 65535)
      return FERRYUE_BAD_PORT_NUMBER;
  }
  copy = ferry__strdup(s);
  if (copy == NULL)
    return FERRYUE_OUT_OF_MEMORY;
  ferry__free(u->port);
  u->port = copy;
  u->portnum = (unsigned)v;
  return FERRYUE_OK;
}

/* A host, checked as libcurl checks it (percent-decoded, unless
 * FERRYU_URLENCODE encoded it): an IPv6 literal inet_pton() takes, or a
 * name without the bytes libcurl refuses in one. It is kept as given,
 * escapes in lower case, not normalised; only the zone id of an IPv6
 * literal is split off into the zone id part (libcurl keeps it in the host
 * too, and then writes it twice in the URL). Empty only with
 * FERRYU_NO_AUTHORITY. */
static ferry_ucode set_host(struct ferry_urlh *u, const char *s,
                            unsigned flags) {
  char *v, *check = NULL, *addr = NULL, *zoneid = NULL;
  size_t n, check_len = 0;
  ferry_ucode rc = FERRYUE_OK;

  if (flags & FERRYU_URLENCODE) {
    v = encode_strict(s, 0, 0, 0);
  } else {
    v = ferry__strdup(s);
    if (v)
      lower_escapes(v);
  }
  if (v == NULL)
    return FERRYUE_OUT_OF_MEMORY;
  n = strlen(v);
  if (n == 0) {
    if (!(flags & FERRYU_NO_AUTHORITY))
      rc = FERRYUE_BAD_HOSTNAME;
  } else if (flags & FERRYU_URLENCODE) {
    check = ferry__strdup(v);
    check_len = n;
    if (check == NULL)
      rc = FERRYUE_OUT_OF_MEMORY;
  } else {
    rc = decode_host(v, n, &check, &check_len);
  }
  if (rc == FERRYUE_OK && check != NULL && check[0] == '[') {
    rc = ipv6_literal(check, check_len, &addr, &zoneid);
    if (rc == FERRYUE_BAD_IPV6)
      rc = FERRYUE_BAD_HOSTNAME;
    if (rc == FERRYUE_OK) {
      /* keep the address as given, without the zone */
      size_t alen = strcspn(check, "%]");
      ferry__free(v);
      v = ferry__malloc(alen + 2);
      if (v == NULL) {
        rc = FERRYUE_OUT_OF_MEMORY;
      } else {
        memcpy(v, check, alen);
        v[alen] = ']';
        v[alen + 1] = '\0';
      }
    }
  } else if (rc == FERRYUE_OK && check != NULL &&
             host_name_is_bad(check, check_len)) {
    rc = FERRYUE_BAD_HOSTNAME;
  }
  ferry__free(check);
  ferry__free(addr);
  if (rc != FERRYUE_OK) {
    ferry__free(zoneid);
    ferry__free(v);
    return rc;
  }
  ferry__free(u->host);
  ferry__free(u->zoneid);
  u->host = v;
  u->zoneid = zoneid;
  return FERRYUE_OK;
}

/* Where a part's text is kept; NULL for FERRYUPART_URL and unknown parts. */
static char **part_slot(struct ferry_urlh *u, ferry_upart part) {
  switch (part) {
  case FERRYUPART_SCHEME: return &u->scheme;
  case FERRYUPART_USER: return &u->user;
  case FERRYUPART_PASSWORD: return &u->password;
  case FERRYUPART_OPTIONS: return &u->options;
  case FERRYUPART_HOST: return &u->host;
  case FERRYUPART_ZONEID: return &u->zoneid;
  case FERRYUPART_PORT: return &u->port;
  case FERRYUPART_PATH: return &u->path;
  case FERRYUPART_QUERY: return &u->query;
  case FERRYUPART_FRAGMENT: return &u->fragment;
  default: return NULL;
  }
}

/* The other parts: stored as given (escapes lower-cased), or encoded. */
static ferry_ucode set_text(struct ferry_urlh *u, ferry_upart part,
                            const char *s, unsigned flags) {
  int is_path = part == FERRYUPART_PATH, is_query = part == FERRYUPART_QUERY;
  int append = is_query && (flags & FERRYU_APPENDQUERY) != 0;
  char *v, **slot;

  if (flags & FERRYU_URLENCODE) {
    v = encode_strict(s, is_path, is_query, append);
  } else {
    v = ferry__strdup(s);
    if (v)
      lower_escapes(v);
  }
  if (v == NULL)
    return FERRYUE_OUT_OF_MEMORY;
  if (is_path && v[0] != '/') {
    ferry__buf b;
    char *p;
    ferry__buf_init(&b, SIZE_MAX / 2);
    p = buf_take(&b, ferry__buf_cat(&b, "/", v, NULL));
    ferry__free(v);
    if (p == NULL)
      return FERRYUE_OUT_OF_MEMORY;
    v = p;
  }
  if (append && u->query != NULL && u->query[0] != '\0') {
    size_t old = strlen(u->query);
    ferry__buf b;
    char *q;
    ferry__buf_init(&b, SIZE_MAX / 2);
    q = buf_take(&b, ferry__buf_cat(&b, u->query,
                                    u->query[old - 1] == '&' ? "" : "&", v,
                                    NULL));
    ferry__free(v);
    if (q == NULL)
      return FERRYUE_OUT_OF_MEMORY;
    v = q;
  }
  slot = part_slot(u, part);
  if (part == FERRYUPART_QUERY)
    u->query_present = 1;
  else if (part == FERRYUPART_FRAGMENT)
    u->fragment_present = 1;
  ferry__free(*slot);
  *slot = v;
  return FERRYUE_OK;
}

/* Clear one part (content NULL). */
static ferry_ucode clear_part(struct ferry_urlh *u, ferry_upart part) {
  char **slot;

  if (part == FERRYUPART_URL) {
    parts_free(u);
    return FERRYUE_OK;
  }
  slot = part_slot(u, part);
  if (slot == NULL)
    return FERRYUE_UNKNOWN_PART;
  if (part == FERRYUPART_SCHEME)
    u->guessed_scheme = 0;
  else if (part == FERRYUPART_PORT)
    u->portnum = 0;
  else if (part == FERRYUPART_QUERY)
    u->query_present = 0;
  else if (part == FERRYUPART_FRAGMENT)
    u->fragment_present = 0;
  ferry__free(*slot);
  *slot = NULL;
  return FERRYUE_OK;
}

ferry_urlh *ferry_url(void) { return ferry__calloc(1, sizeof(ferry_urlh)); }

void ferry_url_cleanup(ferry_urlh *url) {
  if (url == NULL)
    return;
  parts_free(url);
  ferry__free(url);
}

/* *dst = a copy of src (NULL stays NULL); -1 when out of memory. */
static int copy_part(char **dst, const char *src) {
  *dst = NULL;
  if (src == NULL)
    return 0;
  *dst = ferry__strdup(src);
  return *dst ? 0 : -1;
}

ferry_urlh *ferry_url_dup(const ferry_urlh *in) {
  ferry_urlh *u;

  if (in == NULL)
    return NULL;
  u = ferry__calloc(1, sizeof(*u));
  if (u == NULL)
    return NULL;
  if (copy_part(&u->scheme, in->scheme) || copy_part(&u->user, in->user) ||
      copy_part(&u->password, in->password) ||
      copy_part(&u->options, in->options) || copy_part(&u->host, in->host) ||
      copy_part(&u->zoneid, in->zoneid) || copy_part(&u->port, in->port) ||
      copy_part(&u->path, in->path) || copy_part(&u->query, in->query) ||
      copy_part(&u->fragment, in->fragment)) {
    ferry_url_cleanup(u);
    return NULL;
  }
  u->portnum = in->portnum;
  u->query_present = in->query_present;
  u->fragment_present = in->fragment_present;
  u->guessed_scheme = in->guessed_scheme;
  return u;
}

/* FERRYUPART_URL: a whole URL, or, when content has no scheme and the
 * handle makes a whole URL (read back with the same flags, as libcurl
 * reads it), a reference joined to that URL (join_reference). */
static ferry_ucode get_url(const ferry_urlh *u, char **content,
                           unsigned flags);

static ferry_ucode set_url(struct ferry_urlh *u, const char *content,
                           unsigned flags) {
  char *base = NULL, *joined;
  ferry_ucode rc;

  if (scheme_length(content, (flags & (FERRYU_GUESS_SCHEME |
                                       FERRYU_DEFAULT_SCHEME)) != 0) > 0)
    return set_absolute(u, content, flags);
  rc = get_url(u, &base, flags);
  if (rc == FERRYUE_OUT_OF_MEMORY)
    return rc; /* libcurl would go on as if the handle held no URL */
  if (rc != FERRYUE_OK)
    return set_absolute(u, content, flags);
  joined = join_reference(base, content);
  ferry__free(base);
  if (joined == NULL)
    return FERRYUE_OUT_OF_MEMORY;
  rc = set_absolute(u, joined, flags);
  ferry__free(joined);
  return rc;
}

ferry_ucode ferry_url_set(ferry_urlh *url, ferry_upart part,
                          const char *content, unsigned int flags) {
  if (url == NULL)
    return FERRYUE_BAD_HANDLE;
  if (content == NULL)
    return clear_part(url, part);
  if ((unsigned)part > (unsigned)FERRYUPART_ZONEID)
    return FERRYUE_UNKNOWN_PART;
  if (strlen(content) > FERRY__URL_MAX_LENGTH)
    return FERRYUE_MALFORMED_INPUT;
  switch (part) {
  case FERRYUPART_URL:
    if (content[0] == '\0')
      return FERRYUE_MALFORMED_INPUT;
    return set_url(url, content, flags);
  case FERRYUPART_SCHEME:
    return set_scheme(url, content, flags);
  case FERRYUPART_PORT:
    return set_port(url, content);
  case FERRYUPART_HOST:
    return set_host(url, content, flags);
  default:
    return set_text(url, part, content, flags);
  }
}

/* Is a host all ASCII, or one that FERRYU_PUNY2IDN would convert (ASCII
 * and starting "xn--", in that case, as libcurl)? ferry has no IDN, so
 * converting either way fails with FERRYUE_LACKS_IDN. */
static int is_ascii(const char *host) {
  for (; *host; host++)
    if ((unsigned char)*host > 0x7f)
      return 0;
  return 1;
}

static int is_punycode(const char *host) {
  return is_ascii(host) && strncmp(host, "xn--", 4) == 0;
}

/* Would FERRYU_PUNYCODE or FERRYU_PUNY2IDN (without FERRYU_URLENCODE,
 * which comes first) have to convert the host? */
static int needs_idn(const char *host, unsigned flags) {
  if (flags & FERRYU_URLENCODE)
    return 0;
  if (flags & FERRYU_PUNYCODE)
    return !is_ascii(host);
  return (flags & FERRYU_PUNY2IDN) && is_punycode(host);
}

/* The URL of a file: scheme: "file://", the path, the fragment; never a
 * host, a port or a query, as libcurl writes it. */
static ferry_ucode get_file_url(const ferry_urlh *u, char **content,
                                int show_fragment) {
  ferry__buf b;
  int rc;

  ferry__buf_init(&b, SIZE_MAX / 2);
  rc = ferry__buf_cat(&b, "file://", u->path ? u->path : "/", NULL);
  if (rc == 0 && show_fragment)
    rc = ferry__buf_cat(&b, "#", u->fragment ? u->fragment : "", NULL);
  *content = buf_take(&b, rc);
  return *content ? FERRYUE_OK : FERRYUE_OUT_OF_MEMORY;
}

static ferry_ucode get_url(const ferry_urlh *u, char **content,
                           unsigned flags) {
  const char *scheme = u->scheme, *port = u->port, *options = u->options;
  const struct url_scheme *info;
  char portbuf[12], *host = NULL;
  int rc, show_query, show_fragment;
  ferry__buf b;

  show_query = (u->query != NULL && u->query[0] != '\0') ||
               (u->query_present && (flags & FERRYU_GET_EMPTY));
  show_fragment = u->fragment != NULL ||
                  (u->fragment_present && (flags & FERRYU_GET_EMPTY));
  if (is_file_scheme(scheme))
    return get_file_url(u, content, show_fragment);
  if (u->host == NULL)
    return FERRYUE_NO_HOST;
  if (scheme == NULL) {
    if (!(flags & FERRYU_DEFAULT_SCHEME))
      return FERRYUE_NO_SCHEME;
    scheme = "https";
  }
  info = scheme_info(scheme);
  if (port == NULL && (flags & FERRYU_DEFAULT_PORT) && info) {
    snprintf(portbuf, sizeof(portbuf), "%u", info->port);
    port = portbuf;
  } else if (port != NULL && (flags & FERRYU_NO_DEFAULT_PORT) && info &&
             info->port == u->portnum) {
    port = NULL;
  }
  if (info && !info->login_options)
    options = NULL; /* only some schemes take login options */
  if (u->host[0] == '[') {
    if (u->zoneid != NULL) {
      ferry__buf_init(&b, SIZE_MAX / 2);
      rc = ferry__buf_add(&b, u->host, strlen(u->host) - 1);
      if (rc == 0)
        rc = ferry__buf_cat(&b, "%25", u->zoneid, "]", NULL);
      host = buf_take(&b, rc);
      if (host == NULL)
        return FERRYUE_OUT_OF_MEMORY;
    }
  } else if (flags & FERRYU_URLENCODE) {
    host = ferry__url_encode(u->host, strlen(u->host));
    if (host == NULL)
      return FERRYUE_OUT_OF_MEMORY;
  } else if (needs_idn(u->host, flags)) {
    return FERRYUE_LACKS_IDN;
  }

  ferry__buf_init(&b, SIZE_MAX / 2);
  rc = 0;
  if (!((flags & FERRYU_NO_GUESS_SCHEME) && u->guessed_scheme))
    rc = ferry__buf_cat(&b, scheme, "://", NULL);
  if (rc == 0 && u->user)
    rc = ferry__buf_adds(&b, u->user);
  if (rc == 0 && u->password)
    rc = ferry__buf_cat(&b, ":", u->password, NULL);
  if (rc == 0 && options)
    rc = ferry__buf_cat(&b, ";", options, NULL);
  if (rc == 0 && (u->user || u->password || options))
    rc = ferry__buf_adds(&b, "@");
  if (rc == 0)
    rc = ferry__buf_adds(&b, host ? host : u->host);
  if (rc == 0 && port)
    rc = ferry__buf_cat(&b, ":", port, NULL);
  if (rc == 0)
    rc = ferry__buf_adds(&b, u->path ? u->path : "/");
  if (rc == 0 && show_query)
    rc = ferry__buf_cat(&b, "?", u->query ? u->query : "", NULL);
  if (rc == 0 && show_fragment)
    rc = ferry__buf_cat(&b, "#", u->fragment ? u->fragment : "", NULL);
  ferry__free(host);
  *content = buf_take(&b, rc);
  return *content ? FERRYUE_OK : FERRYUE_OUT_OF_MEMORY;
}

/* Decode a part for FERRYU_URLDECODE ('+' first a space with plus):
 * FERRYUE_URLDECODE when the result holds a byte below 0x20. */
static ferry_ucode decode_part(char **s, int plus) {
  size_t n = strlen(*s), outlen, i;
  char *out;

  if (plus) {
    for (i = 0; i < n; i++) {
      if ((*s)[i] == '+')
        (*s)[i] = ' ';
    }
  }
  out = ferry__url_decode(*s, n, &outlen, 0);
  if (out == NULL)
    return FERRYUE_OUT_OF_MEMORY;
  ferry__free(*s);
  *s = out;
  for (i = 0; i < outlen; i++) {
    if ((unsigned char)out[i] < 0x20)
      return FERRYUE_URLDECODE;
  }
  return FERRYUE_OK;
}

ferry_ucode ferry_url_get(const ferry_urlh *url, ferry_upart part,
                          char **content, unsigned int flags) {
  const ferry_urlh *u = url;
  const char *v;
  char portbuf[12];
  int decode = (flags & FERRYU_URLDECODE) != 0;
  int encode = (flags & FERRYU_URLENCODE) != 0;
  ferry_ucode missing, rc;
  char *s;

  if (u == NULL)
    return FERRYUE_BAD_HANDLE;
  if (content == NULL)
    return FERRYUE_BAD_PARTPOINTER;
  *content = NULL;
  switch (part) {
  case FERRYUPART_URL:
    return get_url(u, content, flags);
  case FERRYUPART_SCHEME:
    v = u->scheme;
    missing = FERRYUE_NO_SCHEME;
    if ((flags & FERRYU_NO_GUESS_SCHEME) && u->guessed_scheme)
      v = NULL;
    decode = 0;
    break;
  case FERRYUPART_USER:
    v = u->user;
    missing = FERRYUE_NO_USER;
    break;
  case FERRYUPART_PASSWORD:
    v = u->password;
    missing = FERRYUE_NO_PASSWORD;
    break;
  case FERRYUPART_OPTIONS:
    v = u->options;
    missing = FERRYUE_NO_OPTIONS;
    break;
  case FERRYUPART_HOST:
    v = u->host;
    missing = FERRYUE_NO_HOST;
    if (v && needs_idn(v, flags))
      return FERRYUE_LACKS_IDN;
    break;
  case FERRYUPART_ZONEID:
    v = u->zoneid;
    missing = FERRYUE_NO_ZONEID;
    break;
  case FERRYUPART_PORT: {
    const struct url_scheme *info = scheme_info(u->scheme);
    v = u->port;
    missing = FERRYUE_NO_PORT;
    decode = 0;
    if (v == NULL && (flags & FERRYU_DEFAULT_PORT) && info) {
      snprintf(portbuf, sizeof(portbuf), "%u", info->port);
      v = portbuf;
    } else if (v != NULL && (flags & FERRYU_NO_DEFAULT_PORT) && info &&
               info->port == u->portnum) {
      v = NULL;
    }
    break;
  }
  case FERRYUPART_PATH:
    v = u->path ? u->path : "/";
    missing = FERRYUE_OK;
    break;
  case FERRYUPART_QUERY:
    v = u->query;
    missing = FERRYUE_NO_QUERY;
    if (v && v[0] == '\0' && !(flags & FERRYU_GET_EMPTY))
      v = NULL;
    break;
  case FERRYUPART_FRAGMENT:
    v = u->fragment;
    missing = FERRYUE_NO_FRAGMENT;
    if (v == NULL && u->fragment_present && (flags & FERRYU_GET_EMPTY))
      v = "";
    break;
  default:
    return FERRYUE_UNKNOWN_PART;
  }
  if (v == NULL)
    return missing;
  s = ferry__strdup(v);
  if (s == NULL)
    return FERRYUE_OUT_OF_MEMORY;
  if (decode) {
    rc = decode_part(&s, part == FERRYUPART_QUERY);
    if (rc != FERRYUE_OK) {
      ferry__free(s);
      return rc;
    }
  }
  if (encode) {
    char *e = encode_loose(s, strlen(s), part == FERRYUPART_QUERY);
    ferry__free(s);
    if (e == NULL)
      return FERRYUE_OUT_OF_MEMORY;
    s = e;
  }
  *content = s;
  return FERRYUE_OK;
}

const char *ferry_url_strerror(ferry_ucode code) {
  /* no default: the compiler names a code left out */
  switch (code) {
  case FERRYUE_OK:
    return "No error";
  case FERRYUE_BAD_HANDLE:
    return "No URL handle was given";
  case FERRYUE_BAD_PARTPOINTER:
    return "No pointer was given for the part";
  case FERRYUE_MALFORMED_INPUT:
    return "The input is not a well-formed URL or part";
  case FERRYUE_BAD_PORT_NUMBER:
    return "The port is not a number from 0 to 65535";
  case FERRYUE_UNSUPPORTED_SCHEME:
    return "The URL scheme is not supported";
  case FERRYUE_URLDECODE:
    return "Decoding the part gave a control character";
  case FERRYUE_OUT_OF_MEMORY:
    return "Out of memory";
  case FERRYUE_USER_NOT_ALLOWED:
    return "The URL has credentials where none are allowed";
  case FERRYUE_UNKNOWN_PART:
    return "No such URL part";
  case FERRYUE_NO_SCHEME:
    return "The URL has no scheme";
  case FERRYUE_NO_USER:
    return "The URL has no user name";
  case FERRYUE_NO_PASSWORD:
    return "The URL has no password";
  case FERRYUE_NO_OPTIONS:
    return "The URL has no options";
  case FERRYUE_NO_HOST:
    return "The URL has no host";
  case FERRYUE_NO_PORT:
    return "The URL has no port";
  case FERRYUE_NO_QUERY:
    return "The URL has no query";
  case FERRYUE_NO_FRAGMENT:
    return "The URL has no fragment";
  case FERRYUE_NO_ZONEID:
    return "The URL has no zone id";
  case FERRYUE_BAD_FILE_URL:
    return "Bad file:// URL";
  case FERRYUE_BAD_FRAGMENT:
    return "Bad fragment";
  case FERRYUE_BAD_HOSTNAME:
    return "Bad host name";
  case FERRYUE_BAD_IPV6:
    return "Bad IPv6 address";
  case FERRYUE_BAD_LOGIN:
    return "Bad login part";
  case FERRYUE_BAD_PASSWORD:
    return "Bad password";
  case FERRYUE_BAD_PATH:
    return "Bad path";
  case FERRYUE_BAD_QUERY:
    return "Bad query";
  case FERRYUE_BAD_SCHEME:
    return "Bad scheme";
  case FERRYUE_BAD_SLASHES:
    return "The scheme is not followed by two slashes";
  case FERRYUE_BAD_USER:
    return "Bad user name";
  case FERRYUE_LACKS_IDN:
    return "ferry cannot convert international domain names";
  case FERRYUE_TOO_LARGE:
    return "A part is too large";
  case FERRYUE_LAST:
    break;
  }
  return "Unknown URL API code";
}

/* The URL API: ferry_url, ferry_url_set, ferry_url_get, ferry_url_dup and
 * ferry_url_cleanup, in libcurl's CURLU model, on ferry's URL parser.
 *
 * A handle keeps each part as libcurl does: in its URL-encoded form, as it
 * appears in a URL, except the host, which the parser has decoded and
 * normalised. A whole URL is first cut into its parts here, without
 * allocating, so that each structural fault gets libcurl's code; then
 * ferry__url_parse() parses it, which checks and normalises the host, the
 * port and the path exactly as for a transfer. A relative reference goes
 * through ferry__url_resolve(). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ferry.h"
#include "alloc.h"
#include "buf.h"
#include "url.h"

struct ferry_urlh {
  char *scheme;     /* lower-case when parsed, as given when set */
  char *user;       /* user, password, options: URL-encoded */
  char *password;
  char *options;
  char *host;       /* decoded and normalised; IPv6 as "[addr]" */
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

/* The longest "scheme://" put in front of a URL given without one. */
#define SCHEME_PREFIX_MAX (sizeof("https://") - 1)

static const char hex_lower[] = "0123456789abcdef";

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

/* Is s[0..n) a scheme ferry implements (any case)? */
static int scheme_known(const char *s, size_t n) {
  return (n == 4 && strncasecmp(s, "http", 4) == 0) ||
         (n == 5 && strncasecmp(s, "https", 5) == 0) ||
         (n == 2 && strncasecmp(s, "ws", 2) == 0) ||
         (n == 3 && strncasecmp(s, "wss", 3) == 0);
}

/* The default port of a scheme ferry implements, else 0. */
static unsigned default_port(const char *scheme) {
  if (scheme == NULL)
    return 0;
  if (strcasecmp(scheme, "http") == 0)
    return 80;
  if (strcasecmp(scheme, "https") == 0)
    return 443;
  if (strcasecmp(scheme, "ws") == 0)
    return 80;
  if (strcasecmp(scheme, "wss") == 0)
    return 443;
  return 0;
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

/* Does s[0..n) hold a "%XX" escape of a byte below 0x20, which ferry's
 * parser refuses in user info? */
static int has_escaped_control(const char *s, size_t n) {
  size_t i;

  for (i = 0; i + 2 < n; i++) {
    if (s[i] == '%' && is_hex((unsigned char)s[i + 1]) &&
        is_hex((unsigned char)s[i + 2]) &&
        (hex_value((unsigned char)s[i + 1]) << 4 |
         hex_value((unsigned char)s[i + 2])) < 0x20)
      return 1;
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

/* The host of a parsed URL as the handle keeps it, and its zone id. */
static int host_from(const ferry__url *fu, char **host, char **zoneid) {
  const char *pct;
  size_t n;

  *host = *zoneid = NULL;
  if (fu->host_kind != FERRY__HOST_IPV6) {
    *host = ferry__strdup(fu->host);
    return *host ? 0 : -1;
  }
  pct = strchr(fu->host, '%');
  n = pct ? (size_t)(pct - fu->host) : strlen(fu->host);
  *host = ferry__malloc(n + 3);
  if (*host == NULL)
    return -1;
  (*host)[0] = '[';
  memcpy(*host + 1, fu->host, n);
  (*host)[n + 1] = ']';
  (*host)[n + 2] = '\0';
  if (pct != NULL) {
    *zoneid = ferry__strdup(pct + 1);
    if (*zoneid == NULL) {
      ferry__free(*host);
      *host = NULL;
      return -1;
    }
  }
  return 0;
}

/* Parse ferry_scheme "://" rest with ferry's parser into fu. */
static ferry_ucode ferry_parse(ferry__url *fu, const char *ferry_scheme,
                               const char *rest, int ipv6) {
  ferry__buf b;
  ferry__url_err err;
  char *s;

  ferry__buf_init(&b, SIZE_MAX / 2);
  s = buf_take(&b, ferry__buf_cat(&b, ferry_scheme, "://", rest, NULL));
  if (s == NULL)
    return FERRYUE_OUT_OF_MEMORY;
  err = ferry__url_parse(fu, s, 0, NULL);
  ferry__free(s);
  if (err == FERRY__URL_NOMEM)
    return FERRYUE_OUT_OF_MEMORY;
  if (err == FERRY__URL_UNSUPPORTED_SCHEME)
    return FERRYUE_UNSUPPORTED_SCHEME;
  if (err != FERRY__URL_OK) {
    /* The structure was checked before: what is left is the host. */
    return ipv6 ? FERRYUE_BAD_IPV6 : FERRYUE_BAD_HOSTNAME;
  }
  return FERRYUE_OK;
}

/* Parse the absolute URL s into t (all zero before). */
static ferry_ucode parse_url(struct ferry_urlh *t, const char *s,
                             unsigned flags) {
  char scheme[SCHEME_MAX + 1];
  const char *rest, *at = NULL, *hp, *port = NULL, *tail, *path_src;
  size_t len = strlen(s), slen, alen, hp_len, host_len, path_len, i;
  int known, has_port = 0, encode = (flags & FERRYU_URLENCODE) != 0;
  ferry__url fu;
  ferry_ucode rc;

  if (len == 0 || len > FERRY__URL_MAX_LENGTH - SCHEME_PREFIX_MAX)
    return FERRYUE_MALFORMED_INPUT;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c <= 0x20 || c == 0x7f)
      return FERRYUE_MALFORMED_INPUT; /* FERRYU_ALLOW_SPACE is ignored */
  }

  slen = scheme_length(s, (flags & (FERRYU_GUESS_SCHEME |
                                    FERRYU_DEFAULT_SCHEME)) != 0);
  if (slen > 0) {
    for (i = 0; i < slen; i++)
      scheme[i] = (char)(s[i] | (is_alpha((unsigned char)s[i]) ? 0x20 : 0));
    scheme[slen] = '\0';
    known = scheme_known(scheme, slen);
    if (!known && !(flags & FERRYU_NON_SUPPORT_SCHEME))
      return FERRYUE_UNSUPPORTED_SCHEME;
    if (s[slen + 1] != '/' || s[slen + 2] != '/' || s[slen + 3] == '/')
      return FERRYUE_BAD_SLASHES;
    rest = s + slen + 3;
  } else {
    if (!(flags & (FERRYU_GUESS_SCHEME | FERRYU_DEFAULT_SCHEME)))
      return FERRYUE_BAD_SCHEME;
    strcpy(scheme, (flags & FERRYU_DEFAULT_SCHEME) ? "https" : "http");
    known = 1;
    rest = s;
  }

  /* authority: [userinfo@]host[:port], the userinfo up to the last '@' */
  alen = strcspn(rest, "/?#");
  if (alen == 0)
    return FERRYUE_NO_HOST;
  for (i = alen; i > 0; i--) {
    if (rest[i - 1] == '@') {
      at = rest + i - 1;
      break;
    }
  }
  hp = rest;
  if (at != NULL) {
    const char *colon = memchr(rest, ':', (size_t)(at - rest));
    size_t ulen = colon ? (size_t)(colon - rest) : (size_t)(at - rest);
    if (flags & FERRYU_DISALLOW_USER)
      return FERRYUE_USER_NOT_ALLOWED;
    if (has_escaped_control(rest, ulen))
      return FERRYUE_BAD_USER;
    if (colon && has_escaped_control(colon + 1, (size_t)(at - colon - 1)))
      return FERRYUE_BAD_PASSWORD;
    hp = at + 1;
  }
  hp_len = (size_t)(rest + alen - hp);
  if (hp_len > 0 && hp[0] == '[') {
    const char *close = memchr(hp, ']', hp_len);
    if (close == NULL)
      return FERRYUE_BAD_IPV6;
    host_len = (size_t)(close + 1 - hp);
    if (host_len < hp_len) {
      if (close[1] != ':')
        return FERRYUE_BAD_PORT_NUMBER;
      port = close + 2;
      has_port = 1;
    }
  } else {
    const char *colon = memchr(hp, ':', hp_len);
    host_len = colon ? (size_t)(colon - hp) : hp_len;
    if (colon) {
      port = colon + 1;
      has_port = 1;
    }
  }
  if (host_len == 0)
    return FERRYUE_NO_HOST;
  if (has_port) {
    size_t plen = (size_t)(hp + hp_len - port);
    unsigned long v = 0;
    if (plen == 0 && slen == 0)
      return FERRYUE_BAD_PORT_NUMBER; /* "host:" could be a scheme */
    for (i = 0; i < plen; i++) {
      if (!is_digit((unsigned char)port[i]))
        return FERRYUE_BAD_PORT_NUMBER;
      v = v * 10 + (unsigned long)(port[i] - '0');
      if (v > 65535)
        return FERRYUE_BAD_PORT_NUMBER;
    }
  }

  rc = ferry_parse(&fu, known ? scheme : "http", rest, hp[0] == '[');
  if (rc != FERRYUE_OK)
    return rc;

  tail = rest + alen;
  path_len = strcspn(tail, "?#");
  path_src = (flags & FERRYU_PATH_AS_IS) ? tail : fu.path;
  if (!(flags & FERRYU_PATH_AS_IS))
    path_len = strlen(fu.path);

  t->scheme = ferry__strdup(scheme);
  if (t->scheme == NULL)
    goto failed_nomem;
  t->guessed_scheme = slen == 0 && !(flags & FERRYU_DEFAULT_SCHEME);
  if (at != NULL) {
    const char *colon = memchr(rest, ':', (size_t)(at - rest));
    const char *uend = colon ? colon : at;
    t->user = ferry__memdup0(rest, (size_t)(uend - rest));
    if (t->user == NULL)
      goto failed_nomem;
    if (colon) {
      t->password = ferry__memdup0(colon + 1, (size_t)(at - colon - 1));
      if (t->password == NULL)
        goto failed_nomem;
    }
  }
  if (host_from(&fu, &t->host, &t->zoneid) != 0)
    goto failed_nomem;
  if (fu.port_explicit) {
    char num[12];
    snprintf(num, sizeof(num), "%d", fu.port);
    t->port = ferry__strdup(num);
    if (t->port == NULL)
      goto failed_nomem;
    t->portnum = (unsigned)fu.port;
  }
  if (path_len > 1) {
    t->path = encode ? encode_loose(path_src, path_len, 0)
                     : ferry__memdup0(path_src, path_len);
    if (t->path == NULL)
      goto failed_nomem;
  }
  if (fu.query != NULL) {
    t->query_present = 1;
    t->query = encode ? encode_loose(fu.query, strlen(fu.query), 1)
                      : ferry__strdup(fu.query);
    if (t->query == NULL)
      goto failed_nomem;
  }
  if (fu.fragment != NULL) {
    t->fragment_present = 1;
    if (fu.fragment[0] != '\0') {
      t->fragment = encode ? encode_loose(fu.fragment, strlen(fu.fragment), 0)
                           : ferry__strdup(fu.fragment);
      if (t->fragment == NULL)
        goto failed_nomem;
    }
  }
  ferry__url_free(&fu);
  return FERRYUE_OK;

failed_nomem:
  ferry__url_free(&fu);
  parts_free(t);
  return FERRYUE_OUT_OF_MEMORY;
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
  }
  return rc;
}

/* Resolve the relative reference ref against the URL u holds. */
static ferry_ucode set_relative(struct ferry_urlh *u, const char *ref,
                                unsigned flags) {
  ferry__url base, r;
  ferry__url_err err;
  char *enc;
  ferry_ucode rc;

  enc = encode_loose(ref, strlen(ref), 0);
  if (enc == NULL)
    return FERRYUE_OUT_OF_MEMORY;
  if (enc[0] == '/' && enc[1] == '/') {
    /* another authority: a whole URL with the handle's scheme */
    ferry__buf b;
    char *abs;
    ferry__buf_init(&b, SIZE_MAX / 2);
    abs = buf_take(&b, ferry__buf_cat(&b, u->scheme ? u->scheme : "https", ":",
                                      enc, NULL));
    ferry__free(enc);
    if (abs == NULL)
      return FERRYUE_OUT_OF_MEMORY;
    rc = set_absolute(u, abs, flags & ~(unsigned)FERRYU_PATH_AS_IS);
    ferry__free(abs);
    return rc;
  }
  /* Same authority: only the path, query and fragment come from the
   * resolution, so the base needs no more than them and a scheme. */
  memset(&base, 0, sizeof(base));
  base.scheme = (char *)(u->scheme && strcasecmp(u->scheme, "https") == 0
                             ? "https"
                             : "http");
  base.host = (char *)"base";
  base.host_kind = FERRY__HOST_NAME;
  base.port = 80;
  base.path = u->path ? u->path : (char *)"/";
  base.query = u->query_present ? (u->query ? u->query : (char *)"") : NULL;
  base.fragment = u->fragment;
  err = ferry__url_resolve(&r, &base, enc, NULL);
  ferry__free(enc);
  if (err == FERRY__URL_NOMEM)
    return FERRYUE_OUT_OF_MEMORY;
  if (err == FERRY__URL_UNSUPPORTED_SCHEME)
    return FERRYUE_UNSUPPORTED_SCHEME;
  if (err != FERRY__URL_OK)
    return FERRYUE_MALFORMED_INPUT;
  ferry__free(u->path);
  ferry__free(u->query);
  ferry__free(u->fragment);
  u->path = NULL;
  if (strcmp(r.path, "/") != 0) {
    u->path = r.path;
    r.path = NULL;
  }
  u->query = r.query;
  u->query_present = r.query != NULL;
  r.query = NULL;
  u->fragment = NULL;
  u->fragment_present = r.fragment != NULL;
  if (r.fragment != NULL && r.fragment[0] != '\0') {
    u->fragment = r.fragment;
    r.fragment = NULL;
  }
  ferry__url_free(&r);
  return FERRYUE_OK;
}

/* Could ferry_url_get(URL) build a URL from u? */
static int has_full_url(const struct ferry_urlh *u, unsigned flags) {
  return u->host != NULL &&
         (u->scheme != NULL || (flags & FERRYU_DEFAULT_SCHEME) != 0);
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

/* A host as ferry's parser takes it, normalised; an IPv6 zone id in it
 * replaces the handle's. */
static ferry_ucode set_host(struct ferry_urlh *u, const char *s,
                            unsigned flags) {
  char *v, *host, *zoneid;
  size_t n;
  int ipv6;
  ferry__url fu;
  ferry_ucode rc;

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
  ipv6 = v[0] == '[';
  /* only a host: nothing the parser would take as the end of one */
  if (n == 0 || strcspn(v, "/?#@") != n ||
      (ipv6 ? strchr(v, ']') != v + n - 1 : strcspn(v, ":[]") != n)) {
    ferry__free(v);
    return FERRYUE_BAD_HOSTNAME; /* FERRYU_NO_AUTHORITY is ignored */
  }
  rc = ferry_parse(&fu, "http", v, ipv6);
  ferry__free(v);
  if (rc != FERRYUE_OK)
    return rc;
  if (host_from(&fu, &host, &zoneid) != 0) {
    ferry__url_free(&fu);
    return FERRYUE_OUT_OF_MEMORY;
  }
  ferry__url_free(&fu);
  ferry__free(u->host);
  ferry__free(u->zoneid);
  u->host = host;
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
    if (scheme_length(content, (flags & (FERRYU_GUESS_SCHEME |
                                         FERRYU_DEFAULT_SCHEME)) != 0) > 0 ||
        !has_full_url(url, flags))
      return set_absolute(url, content, flags);
    return set_relative(url, content, flags);
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

/* Is a host of the handle one that FERRYU_PUNY2IDN would convert? */
static int is_punycode(const char *host) {
  return strncasecmp(host, "xn--", 4) == 0;
}

static ferry_ucode get_url(const ferry_urlh *u, char **content,
                           unsigned flags) {
  const char *scheme = u->scheme, *port = u->port, *options = u->options;
  char portbuf[12], *host = NULL;
  unsigned dp;
  int rc, show_query, show_fragment;
  ferry__buf b;

  if (u->host == NULL)
    return FERRYUE_NO_HOST;
  if (scheme == NULL) {
    if (!(flags & FERRYU_DEFAULT_SCHEME))
      return FERRYUE_NO_SCHEME;
    scheme = "https";
  }
  dp = default_port(scheme);
  if (port == NULL && (flags & FERRYU_DEFAULT_PORT) && dp) {
    snprintf(portbuf, sizeof(portbuf), "%u", dp);
    port = portbuf;
  } else if (port != NULL && (flags & FERRYU_NO_DEFAULT_PORT) && dp &&
             dp == u->portnum) {
    port = NULL;
  }
  if (dp)
    options = NULL; /* http and https take no login options */
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
  } else if ((flags & FERRYU_PUNY2IDN) && !(flags & FERRYU_PUNYCODE) &&
             is_punycode(u->host)) {
    return FERRYUE_LACKS_IDN;
  }
  show_query = (u->query != NULL && u->query[0] != '\0') ||
               (u->query_present && (flags & FERRYU_GET_EMPTY));
  show_fragment = u->fragment != NULL ||
                  (u->fragment_present && (flags & FERRYU_GET_EMPTY));

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
    if (v && !encode && (flags & FERRYU_PUNY2IDN) &&
        !(flags & FERRYU_PUNYCODE) && is_punycode(v))
      return FERRYUE_LACKS_IDN;
    break;
  case FERRYUPART_ZONEID:
    v = u->zoneid;
    missing = FERRYUE_NO_ZONEID;
    break;
  case FERRYUPART_PORT: {
    unsigned dp = default_port(u->scheme);
    v = u->port;
    missing = FERRYUE_NO_PORT;
    decode = 0;
    if (v == NULL && (flags & FERRYU_DEFAULT_PORT) && dp) {
      snprintf(portbuf, sizeof(portbuf), "%u", dp);
      v = portbuf;
    } else if (v != NULL && (flags & FERRYU_NO_DEFAULT_PORT) && dp &&
               dp == u->portnum) {
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

/* The cookie engine (RFC 6265). See cookie.h.
 *
 * The jar is a flat array of cookies. A jar holds at most
 * FERRY__COOKIE_MAX_TOTAL of them, so a linear scan per request or per
 * Set-Cookie costs little next to the request itself, and it keeps the
 * rules easy to read against the RFC's text. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "cookie.h"

/* An expiry already past: the date RFC 6265 calls "the earliest
 * representable date and time". Not 0, which means a session cookie. */
#define EXPIRES_EARLIEST 1

/* ---- the jar ---------------------------------------------------------- */

static int64_t system_clock(void *ud) {
  (void)ud;
  return (int64_t)time(NULL);
}

static int64_t jar_now(const ferry__cookie_jar *jar) {
  return jar->clock(jar->clock_ud);
}

ferry__cookie_jar *ferry__cookie_jar_new(void) {
  ferry__cookie_jar *jar = ferry__calloc(1, sizeof(*jar));
  if (jar == NULL)
    return NULL;
  jar->clock = system_clock;
  jar->next_order = 1;
  return jar;
}

static void cookie_free(ferry__cookie *c) {
  if (c == NULL)
    return;
  ferry__free(c->name);
  ferry__free(c->value);
  ferry__free(c->domain);
  ferry__free(c->path);
  ferry__free(c);
}

void ferry__cookie_jar_free(ferry__cookie_jar *jar) {
  if (jar == NULL)
    return;
  for (size_t i = 0; i < jar->len; i++)
    cookie_free(jar->v[i]);
  ferry__free(jar->v);
  ferry__free(jar);
}

void ferry__cookie_jar_set_clock(ferry__cookie_jar *jar,
                                 ferry__cookie_clock clock, void *ud) {
  jar->clock = clock ? clock : system_clock;
  jar->clock_ud = clock ? ud : NULL;
}

static void remove_at(ferry__cookie_jar *jar, size_t i) {
  cookie_free(jar->v[i]);
  memmove(&jar->v[i], &jar->v[i + 1], (jar->len - i - 1) * sizeof(jar->v[0]));
  jar->len--;
}

static int is_expired(const ferry__cookie *c, int64_t now) {
  return c->expires != 0 && c->expires <= now;
}

/* Keep the cookies for which drop() is false, in their order. */
static void remove_if(ferry__cookie_jar *jar,
                      int (*drop)(const ferry__cookie *, int64_t),
                      int64_t arg) {
  size_t keep = 0;
  for (size_t i = 0; i < jar->len; i++) {
    if (drop(jar->v[i], arg))
      cookie_free(jar->v[i]);
    else
      jar->v[keep++] = jar->v[i];
  }
  jar->len = keep;
}

static void remove_expired(ferry__cookie_jar *jar) {
  remove_if(jar, is_expired, jar_now(jar));
}

static int is_any(const ferry__cookie *c, int64_t unused) {
  (void)c;
  (void)unused;
  return 1;
}

static int is_session(const ferry__cookie *c, int64_t unused) {
  (void)unused;
  return c->expires == 0;
}

void ferry__cookie_jar_clear(ferry__cookie_jar *jar, int session_only) {
  remove_if(jar, session_only ? is_session : is_any, 0);
}

size_t ferry__cookie_jar_count(ferry__cookie_jar *jar) {
  remove_expired(jar);
  return jar->len;
}

static ssize_t find_key(const ferry__cookie_jar *jar, const char *name,
                        const char *domain, const char *path) {
  for (size_t i = 0; i < jar->len; i++) {
    const ferry__cookie *c = jar->v[i];
    if (strcmp(c->name, name) == 0 && strcasecmp(c->domain, domain) == 0 &&
        strcmp(c->path, path) == 0)
      return (ssize_t)i;
  }
  return -1;
}

const ferry__cookie *ferry__cookie_jar_find(ferry__cookie_jar *jar,
                                            const char *name,
                                            const char *domain,
                                            const char *path) {
  ssize_t i;
  remove_expired(jar);
  i = find_key(jar, name, domain, path);
  return i < 0 ? NULL : jar->v[i];
}

/* Drop the oldest cookie for which domain is NULL or its domain. */
static void remove_oldest(ferry__cookie_jar *jar, const char *domain) {
  size_t oldest = SIZE_MAX;
  for (size_t i = 0; i < jar->len; i++) {
    if (domain && strcasecmp(jar->v[i]->domain, domain) != 0)
      continue;
    if (oldest == SIZE_MAX || jar->v[i]->order < jar->v[oldest]->order)
      oldest = i;
  }
  if (oldest != SIZE_MAX)
    remove_at(jar, oldest);
}

static void enforce_caps(ferry__cookie_jar *jar, const char *domain) {
  size_t n = 0;
  for (size_t i = 0; i < jar->len; i++)
    if (strcasecmp(jar->v[i]->domain, domain) == 0)
      n++;
  for (; n > FERRY__COOKIE_MAX_PER_DOMAIN; n--)
    remove_oldest(jar, domain);
  while (jar->len > FERRY__COOKIE_MAX_TOTAL)
    remove_oldest(jar, NULL);
}

/* Put c in the jar (RFC 6265 section 5.3, steps 11 and 12), taking
 * ownership of it in every case. */
static ferry__cookie_result store(ferry__cookie_jar *jar, ferry__cookie *c) {
  ssize_t old;

  remove_expired(jar);
  old = find_key(jar, c->name, c->domain, c->path);
  if (is_expired(c, jar_now(jar))) {
    if (old >= 0)
      remove_at(jar, (size_t)old);
    cookie_free(c);
    return FERRY__COOKIE_EXPIRED;
  }
  if (old >= 0) {
    c->order = jar->v[old]->order; /* the old creation time is kept */
    cookie_free(jar->v[old]);
    jar->v[old] = c;
    return FERRY__COOKIE_STORED;
  }
  if (jar->len == jar->cap) {
    size_t cap = jar->cap ? jar->cap * 2 : 16;
    ferry__cookie **v = ferry__realloc(jar->v, cap * sizeof(*v));
    if (v == NULL) {
      cookie_free(c);
      return FERRY__COOKIE_NOMEM;
    }
    jar->v = v;
    jar->cap = cap;
  }
  c->order = jar->next_order++;
  jar->v[jar->len++] = c;
  /* c is the newest cookie, so the caps evict others, never c */
  enforce_caps(jar, c->domain);
  return FERRY__COOKIE_STORED;
}

/* ---- matching (RFC 6265 section 5.1) ----------------------------------- */

/* An IPv4 dotted quad or an IPv6 address (only those have a ':'). */
static int is_ip_literal(const char *s) {
  unsigned char a[4];
  return strchr(s, ':') != NULL || inet_pton(AF_INET, s, a) == 1;
}

int ferry__cookie_domain_match(const char *host, const char *domain) {
  size_t hl = strlen(host), dl = strlen(domain);

  if (hl == dl)
    return strcasecmp(host, domain) == 0;
  if (dl == 0 || hl < dl + 1)
    return 0;
  return strcasecmp(host + hl - dl, domain) == 0 && host[hl - dl - 1] == '.' &&
         !is_ip_literal(host);
}

int ferry__cookie_path_match(const char *request_path,
                             const char *cookie_path) {
  size_t n = strlen(cookie_path);

  if (strncmp(request_path, cookie_path, n) != 0)
    return 0;
  return request_path[n] == '\0' || (n > 0 && cookie_path[n - 1] == '/') ||
         request_path[n] == '/';
}

/* The default-path of a request path (section 5.1.4), as a new string. */
static char *default_path(const char *uri_path) {
  const char *last;
  if (uri_path == NULL || uri_path[0] != '/')
    return ferry__strdup("/");
  last = strrchr(uri_path, '/');
  if (last == uri_path)
    return ferry__strdup("/");
  return ferry__memdup0(uri_path, (size_t)(last - uri_path));
}

/* ---- cookie-date (RFC 6265 section 5.1.1) ------------------------------ */

static int is_date_delimiter(unsigned char c) {
  return c == 0x09 || (c >= 0x20 && c <= 0x2f) || (c >= 0x3b && c <= 0x40) ||
         (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* The rule "min*maxDIGIT ( non-digit *OCTET )" at the start of t[0..n):
 * the number of digits (their value in *v), or 0 if t does not match. */
static size_t leading_number(const char *t, size_t n, size_t min, size_t max,
                             int *v) {
  size_t i = 0;
  int x = 0;
  while (i < n && i < max && is_digit(t[i]))
    x = x * 10 + (t[i++] - '0');
  if (i < min || (i < n && is_digit(t[i])))
    return 0;
  *v = x;
  return i;
}

/* time = hms-time ( non-digit *OCTET ), hms-time = 1*2DIGIT ":" 1*2DIGIT
 * ":" 1*2DIGIT */
static int date_time(const char *t, size_t n, int hms[3]) {
  size_t i = 0;
  for (int j = 0; j < 3; j++) {
    size_t k = leading_number(t + i, n - i, 1, 2, &hms[j]);
    if (k == 0)
      return 0;
    i += k;
    if (j < 2) {
      if (i >= n || t[i] != ':')
        return 0;
      i++;
    }
  }
  return 1;
}

/* month = ( "jan" / ... / "dec" ) *OCTET: 1 to 12, or 0. */
static int date_month(const char *t, size_t n) {
  static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
  if (n < 3)
    return 0;
  for (int m = 0; m < 12; m++)
    if (strncasecmp(t, names + 3 * m, 3) == 0)
      return m + 1;
  return 0;
}

static int is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Seconds since the epoch of a UTC date (year >= 1601). */
static int64_t utc_seconds(int y, int mon, int d, int h, int mi, int s) {
  static const int before[12] = {0,   31,  59,  90,  120, 151,
                                 181, 212, 243, 273, 304, 334};
  int64_t y1 = y - 1;
  /* days from 1970-01-01 to January 1st of y: 477 is the count of leap
   * days in years 1 to 1969 */
  int64_t days = 365 * ((int64_t)y - 1970) + (y1 / 4 - y1 / 100 + y1 / 400) - 477;
  days += before[mon - 1] + (mon > 2 && is_leap(y)) + (d - 1);
  return days * 86400 + h * 3600 + mi * 60 + s;
}

int ferry__cookie_parse_date(const char *s, size_t len, int64_t *t) {
  int hms[3] = {0, 0, 0}, day = 0, month = 0, year = 0;
  int have_time = 0, have_day = 0, have_month = 0, have_year = 0;
  size_t i = 0;

  while (i < len) {
    size_t start, n;
    while (i < len && is_date_delimiter((unsigned char)s[i]))
      i++;
    start = i;
    while (i < len && !is_date_delimiter((unsigned char)s[i]))
      i++;
    n = i - start;
    if (n == 0)
      break;
    /* each token counts for the first rule it matches that is still
     * unfound, in this order */
    if (!have_time && date_time(s + start, n, hms))
      have_time = 1;
    else if (!have_day && leading_number(s + start, n, 1, 2, &day))
      have_day = 1;
    else if (!have_month && (month = date_month(s + start, n)) != 0)
      have_month = 1;
    else if (!have_year && leading_number(s + start, n, 2, 4, &year))
      have_year = 1;
  }
  if (!have_time || !have_day || !have_month || !have_year)
    return -1;
  if (year >= 70 && year <= 99)
    year += 1900;
  else if (year >= 0 && year <= 69)
    year += 2000;
  if (year < 1601 || day < 1 || day > days_in_month(year, month) ||
      hms[0] > 23 || hms[1] > 59 || hms[2] > 59)
    return -1;
  *t = utc_seconds(year, month, day, hms[0], hms[1], hms[2]);
  return 0;
}

/* ---- Set-Cookie (RFC 6265 sections 5.2 and 5.3) ------------------------ */

typedef struct span {
  const char *p;
  size_t n;
} span;

static span trim(const char *p, size_t n) {
  span s;
  while (n && (*p == ' ' || *p == '\t')) {
    p++;
    n--;
  }
  while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
    n--;
  s.p = p;
  s.n = n;
  return s;
}

static int span_is(span s, const char *word) {
  return s.n == strlen(word) && strncasecmp(s.p, word, s.n) == 0;
}

static int has_byte(span s, char c) { return s.n && memchr(s.p, c, s.n); }

/* A control character other than a tab, or DEL. */
static int has_control(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if ((c < 0x20 && c != '\t') || c == 0x7f)
      return 1;
  }
  return 0;
}

static void lowercase(char *s) {
  for (; *s; s++)
    if (*s >= 'A' && *s <= 'Z')
      *s = (char)(*s + ('a' - 'A'));
}

static int starts_with_nocase(span s, const char *prefix) {
  size_t n = strlen(prefix);
  return s.n >= n && strncasecmp(s.p, prefix, n) == 0;
}

/* The parsed attributes of one Set-Cookie. */
typedef struct set_cookie_attrs {
  span domain;        /* the last non-empty Domain, leading dot removed */
  int have_domain;
  span path;          /* the last Path, if it starts with '/' */
  int have_path;
  int64_t expires;    /* Expires, when have_expires */
  int have_expires;
  int64_t max_age;    /* the expiry Max-Age makes, when have_max_age */
  int have_max_age;
  int secure, httponly, samesite;
} set_cookie_attrs;

/* Max-Age's value: "-"? 1*DIGIT. 0 and the expiry time, or -1. */
static int parse_max_age(span v, int64_t now, int64_t *expires) {
  size_t i = 0;
  int64_t delta = 0;
  int negative = 0;

  if (v.n && v.p[0] == '-') {
    negative = 1;
    i = 1;
  }
  if (i == v.n)
    return -1;
  for (; i < v.n; i++) {
    if (!is_digit(v.p[i]))
      return -1;
    if (delta < FERRY__COOKIE_MAX_AGE)
      delta = delta * 10 + (v.p[i] - '0');
  }
  if (negative || delta == 0)
    *expires = EXPIRES_EARLIEST;
  else
    *expires = now + (delta < FERRY__COOKIE_MAX_AGE ? delta : FERRY__COOKIE_MAX_AGE);
  return 0;
}

static void parse_attribute(set_cookie_attrs *a, span av, int64_t now) {
  const char *eq = memchr(av.p, '=', av.n);
  span key = trim(av.p, eq ? (size_t)(eq - av.p) : av.n);
  span val = eq ? trim(eq + 1, (size_t)(av.p + av.n - eq - 1)) : trim(av.p, 0);

  if (val.n > FERRY__COOKIE_MAX_ATTR)
    return;
  if (span_is(key, "expires")) {
    int64_t t;
    if (ferry__cookie_parse_date(val.p, val.n, &t) == 0) {
      a->expires = t;
      a->have_expires = 1;
    }
  } else if (span_is(key, "max-age")) {
    if (parse_max_age(val, now, &a->max_age) == 0)
      a->have_max_age = 1;
  } else if (span_is(key, "domain")) {
    if (val.n == 0)
      return; /* section 5.2.3: ignore an empty Domain */
    if (val.p[0] == '.') {
      val.p++;
      val.n--;
    }
    a->domain = val;
    a->have_domain = 1;
  } else if (span_is(key, "path")) {
    a->have_path = val.n > 0 && val.p[0] == '/';
    a->path = val;
  } else if (span_is(key, "secure")) {
    a->secure = 1;
  } else if (span_is(key, "httponly")) {
    a->httponly = 1;
  } else if (span_is(key, "samesite")) {
    a->samesite = span_is(val, "strict") ? FERRY__SAMESITE_STRICT
                  : span_is(val, "lax")  ? FERRY__SAMESITE_LAX
                  : span_is(val, "none") ? FERRY__SAMESITE_NONE
                                         : FERRY__SAMESITE_UNSET;
  }
}

/* Would a cookie from an insecure origin replace or shadow a Secure one
 * (6265bis section 5.7, step 16)? */
static int shadows_secure(const ferry__cookie_jar *jar, const ferry__cookie *c) {
  for (size_t i = 0; i < jar->len; i++) {
    const ferry__cookie *o = jar->v[i];
    if (o->secure && strcmp(o->name, c->name) == 0 &&
        (ferry__cookie_domain_match(c->domain, o->domain) ||
         ferry__cookie_domain_match(o->domain, c->domain)) &&
        ferry__cookie_path_match(c->path, o->path))
      return 1;
  }
  return 0;
}

#define REJECT(text)                                                           \
  do {                                                                         \
    *why = (text);                                                             \
    goto rejected;                                                             \
  } while (0)

ferry__cookie_result ferry__cookie_set(ferry__cookie_jar *jar,
                                       const char *header, size_t len,
                                       const char *host, const char *path,
                                       int secure, const char **why) {
  const char *semi, *eq, *end;
  const char *unused_why;
  span name, value;
  set_cookie_attrs a;
  ferry__cookie *c = NULL;
  int64_t now = jar_now(jar);

  if (why == NULL)
    why = &unused_why;
  *why = NULL;
  while (len && (header[len - 1] == '\r' || header[len - 1] == '\n'))
    len--;
  end = header + len;
  if (has_control(header, len))
    REJECT("a control character");
  semi = memchr(header, ';', len);
  if (semi == NULL)
    semi = end;
  eq = memchr(header, '=', (size_t)(semi - header));
  if (eq == NULL)
    REJECT("no '=' in the name-value pair");
  name = trim(header, (size_t)(eq - header));
  value = trim(eq + 1, (size_t)(semi - eq - 1));
  if (name.n == 0)
    REJECT("an empty name");
  if (name.n + value.n > FERRY__COOKIE_MAX_SIZE)
    REJECT("name and value larger than 4096 bytes");
  if (has_byte(name, '\t') || has_byte(value, '\t'))
    REJECT("a tab in the name or value");

  memset(&a, 0, sizeof(a));
  while (semi < end) {
    const char *av = semi + 1, *next = memchr(av, ';', (size_t)(end - av));
    span s;
    if (next == NULL)
      next = end;
    s.p = av;
    s.n = (size_t)(next - av);
    parse_attribute(&a, s, now);
    semi = next;
  }
  if (a.secure && !secure)
    REJECT("Secure from an insecure origin");
  if (host == NULL && !a.have_domain)
    REJECT("no Domain and no request host");
  if (has_byte(a.domain, '\t') || has_byte(a.domain, ' ') ||
      has_byte(a.domain, ','))
    REJECT("a bad character in Domain");
  if (a.have_path && has_byte(a.path, '\t'))
    REJECT("a tab in Path");

  c = ferry__calloc(1, sizeof(*c));
  if (c == NULL)
    return FERRY__COOKIE_NOMEM;
  c->name = ferry__memdup0(name.p, name.n);
  c->value = ferry__memdup0(value.p, value.n);
  c->domain = a.have_domain ? ferry__memdup0(a.domain.p, a.domain.n)
                            : ferry__strdup(host);
  c->path = a.have_path ? ferry__memdup0(a.path.p, a.path.n)
                        : default_path(path ? path : "/");
  if (!c->name || !c->value || !c->domain || !c->path) {
    cookie_free(c);
    return FERRY__COOKIE_NOMEM;
  }
  lowercase(c->domain);

  /* section 5.3 steps 5 and 6, without a public suffix list */
  c->host_only = 1;
  if (a.have_domain && host != NULL) {
    if (is_ip_literal(c->domain)) {
      if (strcasecmp(c->domain, host) != 0)
        REJECT("Domain is an IP address that is not the host");
    } else if (strchr(c->domain, '.') == NULL) {
      if (strcasecmp(c->domain, host) != 0)
        REJECT("Domain is a top-level domain");
    } else if (!ferry__cookie_domain_match(host, c->domain)) {
      REJECT("Domain does not match the host");
    } else {
      c->host_only = 0;
    }
  } else if (a.have_domain) {
    /* an application's cookie: a name with a dot covers its subdomains */
    c->host_only = strchr(c->domain, '.') == NULL || is_ip_literal(c->domain);
  }

  if (a.have_max_age)
    c->expires = a.max_age; /* Max-Age wins over Expires */
  else if (a.have_expires)
    c->expires = a.expires <= 0 ? EXPIRES_EARLIEST
                 : a.expires - now > FERRY__COOKIE_MAX_AGE
                     ? now + FERRY__COOKIE_MAX_AGE
                     : a.expires;
  c->secure = a.secure != 0;
  c->httponly = a.httponly != 0;
  c->samesite = (unsigned)a.samesite;

  /* the name prefixes of 6265bis section 4.1.3 */
  if (starts_with_nocase(name, "__Secure-") && !c->secure)
    REJECT("__Secure- prefix without Secure");
  if (starts_with_nocase(name, "__Host-") &&
      (!c->secure || a.have_domain || strcmp(c->path, "/") != 0))
    REJECT("__Host- prefix without Secure, with Domain or a Path other than /");
  if (!secure && shadows_secure(jar, c))
    REJECT("would replace a Secure cookie from an insecure origin");
  return store(jar, c);

rejected:
  cookie_free(c);
  return FERRY__COOKIE_REJECTED;
}

/* ---- the Cookie header (RFC 6265 section 5.4) ------------------------- */

/* The order libcurl sends cookies in (lib/cookie.c, the same in 7.88 and
 * 8.11): the longer path first, then the longer domain, then the longer
 * name, then the newer cookie (a replacement keeps the age of the cookie
 * it replaced). RFC 6265 section 5.4 asks for older first among equal
 * paths; libcurl's users see this order. */
static int by_libcurl_send_order(const void *pa, const void *pb) {
  const ferry__cookie *a = *(ferry__cookie *const *)pa;
  const ferry__cookie *b = *(ferry__cookie *const *)pb;
  size_t la = strlen(a->path), lb = strlen(b->path);
  if (la != lb)
    return la > lb ? -1 : 1;
  la = strlen(a->domain);
  lb = strlen(b->domain);
  if (la != lb)
    return la > lb ? -1 : 1;
  la = strlen(a->name);
  lb = strlen(b->name);
  if (la != lb)
    return la > lb ? -1 : 1;
  return a->order > b->order ? -1 : a->order < b->order;
}

static int by_age(const void *pa, const void *pb) {
  const ferry__cookie *a = *(ferry__cookie *const *)pa;
  const ferry__cookie *b = *(ferry__cookie *const *)pb;
  return a->order < b->order ? -1 : a->order > b->order;
}

static int by_age_newest_first(const void *pa, const void *pb) {
  return by_age(pb, pa);
}

ferry_code ferry__cookie_header(ferry__cookie_jar *jar, const char *host,
                                const char *path, int secure, char **out,
                                size_t *left_out) {
  ferry__cookie **match;
  size_t n = 0, i;
  ferry__buf b;

  *out = NULL;
  if (left_out)
    *left_out = 0;
  if (path == NULL)
    path = "/";
  remove_expired(jar);
  if (jar->len == 0)
    return FERRYE_OK;
  match = ferry__malloc(jar->len * sizeof(*match));
  if (match == NULL)
    return FERRYE_OUT_OF_MEMORY;
  for (i = 0; i < jar->len; i++) {
    ferry__cookie *c = jar->v[i];
    if ((c->host_only ? strcasecmp(host, c->domain) == 0
                      : ferry__cookie_domain_match(host, c->domain)) &&
        ferry__cookie_path_match(path, c->path) && (secure || !c->secure))
      match[n++] = c;
  }
  if (n == 0) {
    ferry__free(match);
    return FERRYE_OK;
  }
  qsort(match, n, sizeof(*match), by_libcurl_send_order);
  ferry__buf_init(&b, FERRY__COOKIE_MAX_HEADER);
  for (i = 0; i < n; i++) {
    size_t need = (b.len ? 2 : 0) + strlen(match[i]->name) + 1 +
                  strlen(match[i]->value);
    if (need > FERRY__COOKIE_MAX_HEADER - b.len)
      break; /* the cap: this one and the rest stay out */
    if (ferry__buf_cat(&b, b.len ? "; " : "", match[i]->name, "=",
                       match[i]->value, NULL) != 0) {
      ferry__buf_free(&b);
      ferry__free(match);
      return FERRYE_OUT_OF_MEMORY;
    }
  }
  if (left_out)
    *left_out = n - i;
  ferry__free(match);
  *out = b.data;
  return FERRYE_OK;
}

/* ---- the Netscape cookie file format ---------------------------------- */

#define HTTPONLY_PREFIX "#HttpOnly_"

/* "TRUE" 1, "FALSE" 0, else -1 */
static int parse_bool(span s) {
  if (span_is(s, "TRUE"))
    return 1;
  if (span_is(s, "FALSE"))
    return 0;
  return -1;
}

ferry__cookie_result ferry__cookie_add_netscape(ferry__cookie_jar *jar,
                                                const char *line, size_t len,
                                                int skip_session,
                                                const char **why) {
  span f[7];
  size_t nf = 0, i, start = 0;
  const char *unused_why;
  int httponly = 0, subdomains, secure;
  int64_t expires = 0;
  ferry__cookie *c = NULL;

  if (why == NULL)
    why = &unused_why;
  *why = NULL;
  while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
    len--;
  if (len >= strlen(HTTPONLY_PREFIX) &&
      memcmp(line, HTTPONLY_PREFIX, strlen(HTTPONLY_PREFIX)) == 0) {
    httponly = 1;
    line += strlen(HTTPONLY_PREFIX);
    len -= strlen(HTTPONLY_PREFIX);
  }
  if (len == 0)
    REJECT("a blank line");
  if (line[0] == '#')
    REJECT("a comment");
  if (has_control(line, len))
    REJECT("a control character");
  for (i = 0; i <= len; i++) {
    if (i < len && line[i] != '\t')
      continue;
    if (nf == 7)
      REJECT("more than seven fields");
    f[nf].p = line + start;
    f[nf].n = i - start;
    nf++;
    start = i + 1;
  }
  if (nf == 6) { /* no value at all: an empty one */
    f[6].p = line + len;
    f[6].n = 0;
    nf = 7;
  }
  if (nf != 7)
    REJECT("fewer than six fields");
  if (f[0].n && f[0].p[0] == '.') {
    f[0].p++;
    f[0].n--;
  }
  if (f[0].n == 0 || has_byte(f[0], ' ') || has_byte(f[0], ','))
    REJECT("a bad domain");
  if ((subdomains = parse_bool(f[1])) < 0 || (secure = parse_bool(f[3])) < 0)
    REJECT("a flag that is neither TRUE nor FALSE");
  if (f[2].n == 0 || f[2].p[0] != '/')
    REJECT("a path that does not start with /");
  if (f[4].n == 0)
    REJECT("no expiry");
  for (i = 0; i < f[4].n; i++) {
    if (!is_digit(f[4].p[i]) || expires > (INT64_MAX - 9) / 10)
      REJECT("a bad expiry");
    expires = expires * 10 + (f[4].p[i] - '0');
  }
  if (f[5].n == 0)
    REJECT("an empty name");
  if (f[5].n + f[6].n > FERRY__COOKIE_MAX_SIZE)
    REJECT("name and value larger than 4096 bytes");
  if (skip_session && expires == 0)
    REJECT("a session cookie");

  c = ferry__calloc(1, sizeof(*c));
  if (c == NULL)
    return FERRY__COOKIE_NOMEM;
  c->domain = ferry__memdup0(f[0].p, f[0].n);
  c->path = ferry__memdup0(f[2].p, f[2].n);
  c->name = ferry__memdup0(f[5].p, f[5].n);
  c->value = ferry__memdup0(f[6].p, f[6].n);
  if (!c->name || !c->value || !c->domain || !c->path) {
    cookie_free(c);
    return FERRY__COOKIE_NOMEM;
  }
  lowercase(c->domain);
  /* a top-level domain or an address never covers other hosts */
  c->host_only = !subdomains || strchr(c->domain, '.') == NULL ||
                 is_ip_literal(c->domain);
  c->secure = secure != 0;
  c->httponly = httponly != 0;
  c->expires = expires;
  return store(jar, c);

rejected:
  return FERRY__COOKIE_REJECTED;
}

char *ferry__cookie_netscape_line(const ferry__cookie *c) {
  ferry__buf b;
  ferry__buf_init(&b, SIZE_MAX / 2);
  if (ferry__buf_cat(&b, c->httponly ? HTTPONLY_PREFIX : "",
                     c->host_only ? "" : ".", c->domain, "\t",
                     c->host_only ? "FALSE" : "TRUE", "\t", c->path, "\t",
                     c->secure ? "TRUE" : "FALSE", "\t", NULL) ||
      ferry__buf_add_int(&b, (long long)c->expires) ||
      ferry__buf_cat(&b, "\t", c->name, "\t", c->value, NULL)) {
    ferry__buf_free(&b);
    return NULL;
  }
  return b.data;
}

/* The unexpired cookies in a new array (*n of them), sorted by cmp. */
static ferry__cookie **sorted_cookies(ferry__cookie_jar *jar, size_t *n,
                                      int (*cmp)(const void *,
                                                 const void *)) {
  ferry__cookie **v;
  remove_expired(jar);
  *n = jar->len;
  v = ferry__malloc((jar->len ? jar->len : 1) * sizeof(*v));
  if (v == NULL)
    return NULL;
  if (jar->len)
    memcpy(v, jar->v, jar->len * sizeof(*v));
  qsort(v, jar->len, sizeof(*v), cmp);
  return v;
}

ferry_code ferry__cookie_list(ferry__cookie_jar *jar, ferry_slist **out) {
  ferry_slist *head = NULL, **tail = &head;
  size_t n;
  ferry__cookie **v = sorted_cookies(jar, &n, by_age);

  *out = NULL;
  if (v == NULL)
    return FERRYE_OUT_OF_MEMORY;
  for (size_t i = 0; i < n; i++) {
    ferry_slist *item = ferry__malloc(sizeof(*item));
    if (item == NULL)
      goto failed;
    item->next = NULL;
    item->data = ferry__cookie_netscape_line(v[i]);
    *tail = item; /* linked first, so that a failure frees it too */
    tail = &item->next;
    if (item->data == NULL)
      goto failed;
  }
  ferry__free(v);
  *out = head;
  return FERRYE_OK;
failed:
  ferry__free(v);
  ferry_slist_free_all(head);
  return FERRYE_OUT_OF_MEMORY;
}

/* Does the attribute part of a Set-Cookie value (after its first ';')
 * name an expiry? A cookie without one is a session cookie. */
static int names_an_expiry(const char *v, size_t n) {
  const char *semi = memchr(v, ';', n);

  for (const char *p = semi; p != NULL && p < v + n; p++) {
    size_t left = (size_t)(v + n - p);
    if ((left >= 8 && strncasecmp(p, "expires=", 8) == 0) ||
        (left >= 8 && strncasecmp(p, "max-age=", 8) == 0))
      return 1;
  }
  return 0;
}

ferry_code ferry__cookie_load(ferry__cookie_jar *jar, const char *filename,
                              int skip_session) {
  static const char set_cookie[] = "Set-Cookie:";
  const size_t sc_len = sizeof(set_cookie) - 1;
  int use_stdin = strcmp(filename, "-") == 0;
  FILE *fp = use_stdin ? stdin : fopen(filename, "re");
  char *line;
  ferry_code rc = FERRYE_OK;

  if (fp == NULL)
    return FERRYE_READ_ERROR;
  line = ferry__malloc(FERRY__COOKIE_MAX_LINE + 2);
  if (line == NULL) {
    rc = FERRYE_OUT_OF_MEMORY;
    goto done;
  }
  while (fgets(line, FERRY__COOKIE_MAX_LINE + 2, fp) != NULL) {
    size_t n = strlen(line);
    if (n && line[n - 1] != '\n' && !feof(fp)) {
      int ch; /* too long (or a NUL inside): skip the rest of the line */
      while ((ch = fgetc(fp)) != EOF && ch != '\n')
        ;
      continue;
    }
    if (n >= sc_len && strncasecmp(line, set_cookie, sc_len) == 0) {
      /* a header line, which libcurl reads from cookie files too: the
       * file names no host, so the cookie needs a Domain attribute */
      if (skip_session && !names_an_expiry(line + sc_len, n - sc_len))
        continue;
      if (ferry__cookie_set(jar, line + sc_len, n - sc_len, NULL, NULL, 1,
                            NULL) == FERRY__COOKIE_NOMEM) {
        rc = FERRYE_OUT_OF_MEMORY;
        goto done;
      }
      continue;
    }
    if (ferry__cookie_add_netscape(jar, line, n, skip_session, NULL) ==
        FERRY__COOKIE_NOMEM) {
      rc = FERRYE_OUT_OF_MEMORY;
      goto done;
    }
  }
  if (ferror(fp))
    rc = FERRYE_READ_ERROR;
done:
  ferry__free(line);
  if (!use_stdin)
    fclose(fp);
  return rc;
}

static const char file_header[] =
    "# Netscape HTTP Cookie File\n"
    "# Written by ferry. Each line: domain, subdomains too, path, https\n"
    "# only, expiry (0: session), name, value. Edit at your own risk.\n\n";

static int write_cookies(FILE *fp, ferry__cookie **v, size_t n) {
  if (fputs(file_header, fp) == EOF)
    return -1;
  for (size_t i = 0; i < n; i++) {
    char *line = ferry__cookie_netscape_line(v[i]);
    int bad;
    if (line == NULL)
      return -2;
    bad = fputs(line, fp) == EOF || fputc('\n', fp) == EOF;
    ferry__free(line);
    if (bad)
      return -1;
  }
  return 0;
}

ferry_code ferry__cookie_save(ferry__cookie_jar *jar, const char *filename) {
  size_t n;
  /* newest first, as libcurl writes its jar (cookie_output) */
  ferry__cookie **v = sorted_cookies(jar, &n, by_age_newest_first);
  ferry__buf tmp;
  FILE *fp;
  int fd, rc;

  if (v == NULL)
    return FERRYE_OUT_OF_MEMORY;
  if (strcmp(filename, "-") == 0) {
    rc = write_cookies(stdout, v, n);
    if (rc == 0 && fflush(stdout) != 0)
      rc = -1;
    ferry__free(v);
    return rc == 0 ? FERRYE_OK : rc == -2 ? FERRYE_OUT_OF_MEMORY
                                          : FERRYE_WRITE_ERROR;
  }
  ferry__buf_init(&tmp, SIZE_MAX / 2);
  if (ferry__buf_cat(&tmp, filename, ".XXXXXX", NULL)) {
    ferry__free(v);
    return FERRYE_OUT_OF_MEMORY;
  }
  fd = mkstemp(tmp.data);
  if (fd < 0) {
    ferry__buf_free(&tmp);
    ferry__free(v);
    return FERRYE_WRITE_ERROR;
  }
  fp = fdopen(fd, "w");
  if (fp == NULL) {
    close(fd);
    rc = -1;
  } else {
    rc = write_cookies(fp, v, n);
    if (fclose(fp) != 0 && rc == 0)
      rc = -1;
  }
  if (rc == 0 && rename(tmp.data, filename) != 0)
    rc = -1;
  if (rc != 0)
    unlink(tmp.data);
  ferry__buf_free(&tmp);
  ferry__free(v);
  return rc == 0 ? FERRYE_OK : rc == -2 ? FERRYE_OUT_OF_MEMORY
                                        : FERRYE_WRITE_ERROR;
}

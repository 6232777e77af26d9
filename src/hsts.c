/* HTTP Strict Transport Security: the store, the header parser, the file
 * format and the callback plumbing. See hsts.h. */
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
#include "hsts.h"

struct ferry__hsts {
  ferry__hsts_entry *v; /* in the order hosts were first noted */
  size_t len, cap;
  ferry__hsts_clock clock;
  void *clock_ud;
};

static int64_t system_clock(void *ud) {
  (void)ud;
  return (int64_t)time(NULL);
}

static int64_t now_of(const ferry__hsts *h) { return h->clock(h->clock_ud); }

ferry__hsts *ferry__hsts_new(void) {
  ferry__hsts *h = ferry__calloc(1, sizeof(*h));
  if (h == NULL)
    return NULL;
  h->clock = system_clock;
  return h;
}

void ferry__hsts_free(ferry__hsts *h) {
  if (h == NULL)
    return;
  for (size_t i = 0; i < h->len; i++)
    ferry__free(h->v[i].host);
  ferry__free(h->v);
  ferry__free(h);
}

void ferry__hsts_set_clock(ferry__hsts *h, ferry__hsts_clock clock, void *ud) {
  h->clock = clock ? clock : system_clock;
  h->clock_ud = clock ? ud : NULL;
}

/* ---- the entries ------------------------------------------------------ */

static int in_force(const ferry__hsts_entry *ent, int64_t now) {
  return ent->expires > now;
}

/* Remove entry i, keeping the order of the others. */
static void remove_at(ferry__hsts *h, size_t i) {
  ferry__free(h->v[i].host);
  memmove(&h->v[i], &h->v[i + 1], (h->len - i - 1) * sizeof(h->v[0]));
  h->len--;
}

static void remove_expired(ferry__hsts *h, int64_t now) {
  size_t i = 0;
  while (i < h->len) {
    if (in_force(&h->v[i], now))
      i++;
    else
      remove_at(h, i);
  }
}

size_t ferry__hsts_count(ferry__hsts *h) {
  remove_expired(h, now_of(h));
  return h->len;
}

/* Do a and b (alen, blen bytes) name the same host, ASCII case aside? */
static int same_name(const char *a, size_t alen, const char *b, size_t blen) {
  return alen == blen && strncasecmp(a, b, alen) == 0;
}

/* The host name without one trailing '.'. */
static size_t name_len(const char *host, size_t len) {
  return len > 0 && host[len - 1] == '.' ? len - 1 : len;
}

static ssize_t find_exact(const ferry__hsts *h, const char *host, size_t len) {
  for (size_t i = 0; i < h->len; i++) {
    if (same_name(h->v[i].host, strlen(h->v[i].host), host, len))
      return (ssize_t)i;
  }
  return -1;
}

const ferry__hsts_entry *ferry__hsts_find(ferry__hsts *h, const char *host) {
  ssize_t i = find_exact(h, host, name_len(host, strlen(host)));
  return i < 0 ? NULL : &h->v[i];
}

/* An IPv4 dotted quad, or an IPv6 address (anything with a ':', brackets
 * or not): never an HSTS host (RFC 6797 section 8.1.1). */
static int is_ip_address(const char *host, size_t len) {
  char buf[64];
  struct in_addr a4;

  if (memchr(host, ':', len) != NULL)
    return 1;
  if (len == 0 || len >= sizeof(buf))
    return 0;
  memcpy(buf, host, len);
  buf[len] = '\0';
  return inet_pton(AF_INET, buf, &a4) == 1;
}

/* Is this a host name the store can hold and the file format can write? */
static int valid_name(const char *host, size_t len) {
  /* a '#' first would read back as a comment line */
  if (len == 0 || len > FERRY__HSTS_MAX_HOST || host[0] == '.' ||
      host[0] == '#' || host[len - 1] == '.')
    return 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)host[i];
    if (c <= 0x20 || c == 0x7f || c == '"')
      return 0;
  }
  return 1;
}

/* Make room for one more entry: grow up to the cap; at the cap, expired
 * entries go first, then the entry that expires first. 0, or -1 when out
 * of memory. */
static int make_room(ferry__hsts *h, int64_t now) {
  if (h->len == FERRY__HSTS_MAX_ENTRIES) {
    size_t soonest = 0;
    remove_expired(h, now);
    if (h->len < FERRY__HSTS_MAX_ENTRIES)
      return 0;
    for (size_t i = 1; i < h->len; i++) {
      if (h->v[i].expires < h->v[soonest].expires)
        soonest = i;
    }
    remove_at(h, soonest);
    return 0;
  }
  if (h->len == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 8;
    ferry__hsts_entry *v;
    if (cap > FERRY__HSTS_MAX_ENTRIES)
      cap = FERRY__HSTS_MAX_ENTRIES;
    v = ferry__realloc(h->v, cap * sizeof(*v));
    if (v == NULL)
      return -1;
    h->v = v;
    h->cap = cap;
  }
  return 0;
}

static ferry__hsts_result append(ferry__hsts *h, const char *host, size_t len,
                                 int subdomains, int64_t expires,
                                 int64_t now) {
  char *copy = ferry__memdup0(host, len);
  ferry__hsts_entry *ent;

  if (copy == NULL || make_room(h, now) != 0) {
    ferry__free(copy);
    return FERRY__HSTS_NOMEM;
  }
  ent = &h->v[h->len++];
  ent->host = copy;
  ent->expires = expires;
  ent->subdomains = subdomains != 0;
  return FERRY__HSTS_STORED;
}

static ferry__hsts_result skip(const char **why, const char *text) {
  if (why)
    *why = text;
  return FERRY__HSTS_SKIPPED;
}

ferry__hsts_result ferry__hsts_add(ferry__hsts *h, const char *host,
                                   size_t hostlen, int subdomains,
                                   int64_t expires, const char **why) {
  int64_t now = now_of(h);
  ssize_t i;

  if (why)
    *why = NULL;
  if (hostlen > 0 && host[0] == '.') {
    subdomains = 1;
    host++;
    hostlen--;
  }
  hostlen = name_len(host, hostlen);
  if (!valid_name(host, hostlen))
    return skip(why, "bad host name");
  if (is_ip_address(host, hostlen))
    return skip(why, "an IP address");
  if (expires <= now)
    return skip(why, "expired");
  i = find_exact(h, host, hostlen);
  if (i >= 0) {
    if (expires > h->v[i].expires)
      h->v[i].expires = expires;
    return FERRY__HSTS_STORED;
  }
  return append(h, host, hostlen, subdomains, expires, now);
}

ferry__hsts_result ferry__hsts_header(ferry__hsts *h, const char *host,
                                      const char *value, size_t len,
                                      const char **why) {
  int64_t max_age, now = now_of(h), expires;
  int subdomains;
  size_t hostlen;
  ssize_t i;

  if (why)
    *why = NULL;
  if (host == NULL)
    return skip(why, "no host");
  hostlen = name_len(host, strlen(host));
  if (is_ip_address(host, hostlen))
    return skip(why, "an IP address host");
  if (!valid_name(host, hostlen))
    return skip(why, "bad host name");
  if (ferry__hsts_parse(value, len, &max_age, &subdomains, why) != 0)
    return FERRY__HSTS_SKIPPED;
  i = find_exact(h, host, hostlen);
  if (max_age == 0) {
    if (i >= 0)
      remove_at(h, (size_t)i);
    return FERRY__HSTS_REMOVED;
  }
  expires = max_age > FERRY__HSTS_LAST_DATE - now ? FERRY__HSTS_UNLIMITED
                                                  : now + max_age;
  if (i >= 0) {
    h->v[i].expires = expires;
    h->v[i].subdomains = subdomains != 0;
    return FERRY__HSTS_STORED;
  }
  return append(h, host, hostlen, subdomains, expires, now);
}

int ferry__hsts_known(ferry__hsts *h, const char *host) {
  int64_t now = now_of(h);
  size_t hostlen, i = 0;
  int known = 0;

  if (host == NULL)
    return 0;
  hostlen = name_len(host, strlen(host));
  if (hostlen == 0 || is_ip_address(host, hostlen))
    return 0;
  while (i < h->len) {
    const ferry__hsts_entry *ent = &h->v[i];
    size_t n = strlen(ent->host);
    if (!in_force(ent, now)) {
      remove_at(h, i);
      continue;
    }
    /* host itself, or a parent domain that covers its subdomains */
    if (same_name(ent->host, n, host, hostlen) ||
        (ent->subdomains && hostlen > n + 1 && host[hostlen - n - 1] == '.' &&
         same_name(ent->host, n, host + hostlen - n, n)))
      known = 1;
    i++;
  }
  return known;
}

/* ---- the header (RFC 6797 section 6.1) -------------------------------- */

static int is_tchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9'))
    return 1;
  return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* A value's digits as delta-seconds into *out, capped at INT64_MAX. The
 * value is raw (a quoted-string keeps its quotes and backslashes). 0, or
 * -1 when it is not 1*DIGIT. */
static int delta_seconds(const char *v, size_t n, int64_t *out) {
  int64_t t = 0;
  size_t digits = 0;
  int quoted = n > 0 && v[0] == '"';
  size_t i = quoted ? 1 : 0, end = quoted ? n - 1 : n;

  for (; i < end; i++) {
    char c = v[i];
    if (quoted && c == '\\')
      c = v[++i]; /* a quoted-pair stands for its character */
    if (c < '0' || c > '9')
      return -1;
    digits++;
    t = t > (INT64_MAX - (c - '0')) / 10 ? INT64_MAX : t * 10 + (c - '0');
  }
  if (digits == 0)
    return -1;
  *out = t;
  return 0;
}

static int invalid(const char **why, const char *text) {
  if (why)
    *why = text;
  return -1;
}

int ferry__hsts_parse(const char *value, size_t len, int64_t *max_age,
                      int *subdomains, const char **why) {
  size_t i = 0;
  int have_max_age = 0, have_sub = 0;

  *max_age = 0;
  *subdomains = 0;
  while (len > 0 && (value[len - 1] == '\n' || value[len - 1] == '\r'))
    len--;
  for (;;) {
    size_t name, name_n, val = 0, val_n = 0;

    while (i < len && is_blank(value[i]))
      i++;
    if (i == len)
      break;
    if (value[i] == ';') { /* an empty directive */
      i++;
      continue;
    }
    name = i;
    while (i < len && is_tchar((unsigned char)value[i]))
      i++;
    name_n = i - name;
    if (name_n == 0)
      return invalid(why, "not a directive name");
    while (i < len && is_blank(value[i]))
      i++;
    if (i < len && value[i] == '=') {
      i++;
      while (i < len && is_blank(value[i]))
        i++;
      val = i;
      if (i < len && value[i] == '"') {
        /* quoted-string: qdtext and quoted-pairs up to the closing quote */
        for (i++;; i++) {
          unsigned char c;
          if (i >= len)
            return invalid(why, "unterminated quoted-string");
          c = (unsigned char)value[i];
          if (c == '"')
            break;
          if (c == '\\') {
            if (++i >= len)
              return invalid(why, "unterminated quoted-string");
            c = (unsigned char)value[i];
            if (c < 0x20 ? c != '\t' : c == 0x7f)
              return invalid(why, "bad quoted-pair");
          } else if (c < 0x20 ? c != '\t' : c == 0x7f) {
            return invalid(why, "control byte in a quoted-string");
          }
        }
        i++;
      } else {
        while (i < len && is_tchar((unsigned char)value[i]))
          i++;
      }
      val_n = i - val;
      if (val_n == 0)
        return invalid(why, "empty directive value");
      while (i < len && is_blank(value[i]))
        i++;
    }
    if (i < len && value[i] != ';')
      return invalid(why, "junk after a directive");
    if (name_n == 7 && strncasecmp(value + name, "max-age", 7) == 0) {
      if (have_max_age)
        return invalid(why, "max-age given twice");
      have_max_age = 1;
      if (val_n == 0 || delta_seconds(value + val, val_n, max_age) != 0)
        return invalid(why, "max-age is not a number of seconds");
    } else if (name_n == 17 &&
               strncasecmp(value + name, "includeSubDomains", 17) == 0) {
      if (have_sub)
        return invalid(why, "includeSubDomains given twice");
      if (val_n != 0)
        return invalid(why, "includeSubDomains with a value");
      have_sub = 1;
    }
    /* other directives are ignored (section 6.1) */
  }
  if (!have_max_age)
    return invalid(why, "no max-age");
  *subdomains = have_sub;
  return 0;
}

/* ---- the file format -------------------------------------------------- */

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  int64_t era;
  unsigned yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = (unsigned)(y - era * 400);
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  int64_t era;
  unsigned doe, yoe, doy, mp;

  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = (unsigned)(z - era * 146097);
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* n digits at s as a number, or -1. */
static int digits_at(const char *s, size_t n) {
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

int ferry__hsts_parse_expiry(const char *s, size_t len, int64_t *t) {
  static const char unlimited[] = "unlimited";

  if (len == sizeof(unlimited) - 1 && memcmp(s, unlimited, len) == 0) {
    *t = FERRY__HSTS_UNLIMITED;
    return 0;
  }
  /* YYYYMMDD HH:MM:SS */
  if (len == 17 && s[8] == ' ' && s[11] == ':' && s[14] == ':') {
    int y = digits_at(s, 4), mo = digits_at(s + 4, 2), d = digits_at(s + 6, 2);
    int hh = digits_at(s + 9, 2), mi = digits_at(s + 12, 2);
    int ss = digits_at(s + 15, 2);
    if (y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && hh >= 0 &&
        hh <= 23 && mi >= 0 && mi <= 59 && ss >= 0 && ss <= 60) {
      *t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
           hh * 3600 + mi * 60 + ss;
      return 0;
    }
    return -1;
  }
  return ferry__cookie_parse_date(s, len, t) == 0 ? 0 : -1;
}

/* v as n decimal digits, zero-padded. */
static void put_digits(char *out, unsigned v, int n) {
  while (n-- > 0) {
    out[n] = (char)('0' + v % 10);
    v /= 10;
  }
}

void ferry__hsts_format_expiry(int64_t t, char out[18]) {
  int64_t y, days, secs;
  unsigned m, d;

  if (t == FERRY__HSTS_UNLIMITED || t > FERRY__HSTS_LAST_DATE) {
    memcpy(out, "unlimited", 10);
    return;
  }
  if (t < 0)
    t = 0;
  days = t / 86400;
  secs = t % 86400;
  civil_from_days(days, &y, &m, &d);
  put_digits(out, (unsigned)y, 4);
  put_digits(out + 4, m, 2);
  put_digits(out + 6, d, 2);
  out[8] = ' ';
  put_digits(out + 9, (unsigned)(secs / 3600), 2);
  out[11] = ':';
  put_digits(out + 12, (unsigned)(secs / 60 % 60), 2);
  out[14] = ':';
  put_digits(out + 15, (unsigned)(secs % 60), 2);
  out[17] = '\0';
}

ferry__hsts_result ferry__hsts_add_line(ferry__hsts *h, const char *line,
                                        size_t len, const char **why) {
  size_t i = 0, host, host_n, date, date_n;
  int64_t expires;

  if (why)
    *why = NULL;
  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    len--;
  while (i < len && is_blank(line[i]))
    i++;
  if (i == len || line[i] == '#')
    return FERRY__HSTS_SKIPPED; /* a blank line or a comment */
  host = i;
  while (i < len && !is_blank(line[i]))
    i++;
  host_n = i - host;
  while (i < len && is_blank(line[i]))
    i++;
  if (i == len || line[i] != '"')
    return skip(why, "no quoted expiry");
  date = ++i;
  while (i < len && line[i] != '"')
    i++;
  date_n = i - date; /* a missing closing quote is let pass, as libcurl */
  if (ferry__hsts_parse_expiry(line + date, date_n, &expires) != 0)
    return skip(why, "bad expiry");
  return ferry__hsts_add(h, line + host, host_n, 0, expires, why);
}

ferry_code ferry__hsts_load(ferry__hsts *h, const char *filename) {
  FILE *fp = fopen(filename, "re");
  char *line;
  ferry_code rc = FERRYE_OK;

  if (fp == NULL)
    return FERRYE_READ_ERROR;
  line = ferry__malloc(FERRY__HSTS_MAX_LINE + 2);
  if (line == NULL) {
    fclose(fp);
    return FERRYE_OUT_OF_MEMORY;
  }
  while (fgets(line, FERRY__HSTS_MAX_LINE + 2, fp) != NULL) {
    size_t n = strlen(line);
    if (n && line[n - 1] != '\n' && !feof(fp)) {
      int ch; /* too long (or a NUL inside): skip the rest of the line */
      while ((ch = fgetc(fp)) != EOF && ch != '\n')
        ;
      continue;
    }
    if (ferry__hsts_add_line(h, line, n, NULL) == FERRY__HSTS_NOMEM) {
      rc = FERRYE_OUT_OF_MEMORY;
      break;
    }
  }
  if (rc == FERRYE_OK && ferror(fp))
    rc = FERRYE_READ_ERROR;
  ferry__free(line);
  fclose(fp);
  return rc;
}

static const char file_header[] =
    "# HSTS hosts, written by ferry: host (a leading '.' covers its\n"
    "# subdomains) and expiry (UTC, or \"unlimited\"). Edit at your own risk.\n";

char *ferry__hsts_text(ferry__hsts *h, size_t *len) {
  ferry__buf b;
  int bad;

  remove_expired(h, now_of(h));
  ferry__buf_init(&b, SIZE_MAX / 2);
  bad = ferry__buf_adds(&b, file_header);
  for (size_t i = 0; i < h->len && !bad; i++) {
    char expire[18];
    ferry__hsts_format_expiry(h->v[i].expires, expire);
    bad = ferry__buf_cat(&b, h->v[i].subdomains ? "." : "", h->v[i].host,
                         " \"", expire, "\"\n", NULL);
  }
  if (bad) {
    ferry__buf_free(&b);
    return NULL;
  }
  if (len)
    *len = b.len;
  return ferry__buf_take(&b);
}

ferry_code ferry__hsts_save(ferry__hsts *h, const char *filename) {
  size_t len;
  char *text = ferry__hsts_text(h, &len);
  ferry__buf tmp;
  FILE *fp;
  int fd, bad;

  if (text == NULL)
    return FERRYE_OUT_OF_MEMORY;
  ferry__buf_init(&tmp, SIZE_MAX / 2);
  if (ferry__buf_cat(&tmp, filename, ".XXXXXX", NULL)) {
    ferry__free(text);
    return FERRYE_OUT_OF_MEMORY;
  }
  fd = mkstemp(tmp.data);
  if (fd < 0) {
    ferry__buf_free(&tmp);
    ferry__free(text);
    return FERRYE_WRITE_ERROR;
  }
  fp = fdopen(fd, "w");
  if (fp == NULL) {
    close(fd);
    bad = 1;
  } else {
    bad = fwrite(text, 1, len, fp) != len;
    if (fclose(fp) != 0)
      bad = 1;
  }
  if (!bad && rename(tmp.data, filename) != 0)
    bad = 1;
  if (bad)
    unlink(tmp.data);
  ferry__buf_free(&tmp);
  ferry__free(text);
  return bad ? FERRYE_WRITE_ERROR : FERRYE_OK;
}

/* ---- the callbacks ---------------------------------------------------- */

ferry_code ferry__hsts_read_callback(ferry__hsts *h,
                                     ferry_hstsread_callback fn,
                                     ferry_easy *easy, void *userp,
                                     int *in_callback, const ferry__lock *lock) {
  char name[FERRY__HSTS_MAX_HOST + 1];
  struct ferry_hstsentry ent;
  ferry__hsts_result res;
  ferry_stscode sc;

  for (;;) {
    size_t n;
    int64_t expires = FERRY__HSTS_UNLIMITED;

    memset(name, 0, sizeof(name));
    memset(&ent, 0, sizeof(ent));
    ent.name = name;
    ent.namelen = FERRY__HSTS_MAX_HOST;
    if (in_callback)
      (*in_callback)++;
    sc = fn(easy, &ent, userp);
    if (in_callback)
      (*in_callback)--;
    if (sc == FERRYSTS_DONE)
      return FERRYE_OK;
    if (sc != FERRYSTS_OK)
      return FERRYE_ABORTED_BY_CALLBACK;
    name[FERRY__HSTS_MAX_HOST] = '\0'; /* whatever the callback did */
    ent.expire[sizeof(ent.expire) - 1] = '\0';
    n = strlen(name);
    if (n == 0)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    if (ent.expire[0] &&
        ferry__hsts_parse_expiry(ent.expire, strlen(ent.expire), &expires) != 0)
      continue; /* no date: the entry is not taken */
    ferry__lock_write(lock, FERRY_LOCK_DATA_HSTS);
    res = ferry__hsts_add(h, name, n, ent.includeSubDomains, expires, NULL);
    ferry__unlock(lock, FERRY_LOCK_DATA_HSTS);
    if (res == FERRY__HSTS_NOMEM)
      return FERRYE_OUT_OF_MEMORY;
  }
}

ferry_code ferry__hsts_write_callback(ferry__hsts *h,
                                      ferry_hstswrite_callback fn,
                                      ferry_easy *easy, void *userp,
                                      int *in_callback,
                                      const ferry__lock *lock) {
  struct ferry_hstsentry ent;
  struct ferry_index idx;
  ferry__hsts_entry *v = NULL;
  size_t total, i;
  ferry_code rc = FERRYE_OK;

  /* a copy of the entries, made under the lock: the callback runs
   * without it, and may be slow */
  ferry__lock_write(lock, FERRY_LOCK_DATA_HSTS); /* drops expired ones */
  total = ferry__hsts_count(h);
  if (total > 0 && (v = ferry__calloc(total, sizeof(*v))) == NULL)
    rc = FERRYE_OUT_OF_MEMORY;
  for (i = 0; i < total && rc == FERRYE_OK; i++) {
    v[i] = h->v[i];
    if ((v[i].host = ferry__strdup(h->v[i].host)) == NULL)
      rc = FERRYE_OUT_OF_MEMORY;
  }
  ferry__unlock(lock, FERRY_LOCK_DATA_HSTS);
  for (i = 0; i < total && rc == FERRYE_OK; i++) {
    /* the callback gets the name in a buffer it may write into */
    ferry_stscode sc;
    memset(&ent, 0, sizeof(ent));
    ent.name = v[i].host;
    ent.namelen = strlen(v[i].host);
    ent.includeSubDomains = v[i].subdomains;
    ferry__hsts_format_expiry(v[i].expires, ent.expire);
    idx.index = i;
    idx.total = total;
    if (in_callback)
      (*in_callback)++;
    sc = fn(easy, &ent, &idx, userp);
    if (in_callback)
      (*in_callback)--;
    if (sc != FERRYSTS_OK)
      break;
  }
  for (i = 0; v != NULL && i < total; i++)
    ferry__free(v[i].host);
  ferry__free(v);
  return rc;
}

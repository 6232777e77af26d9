/* The cookie engine: an in-memory cookie jar that follows RFC 6265.
 *
 * The jar takes Set-Cookie header values received for a request URL
 * (ferry__cookie_set) and gives the Cookie header value for the next
 * request URL (ferry__cookie_header). It speaks the Netscape cookie file
 * format that libcurl, wget and browsers' exporters use, line by line
 * (ferry__cookie_add_netscape, ferry__cookie_netscape_line) and for whole
 * files (ferry__cookie_load, ferry__cookie_save).
 *
 * Nothing here touches a socket or libuv; the only I/O is the stdio of the
 * two file functions. Time comes from a clock the caller can replace, so
 * expiry is tested without waiting. Every string is allocated with
 * ferry__malloc and owned by the jar.
 *
 * What ferry adds to RFC 6265, from its successor draft (6265bis) and
 * libcurl's practice: a Secure cookie is only taken from a secure
 * origin (the caller says which: https, and the loopback names, as in
 * libcurl), and a cookie from an insecure origin may not replace or
 * shadow a Secure one; the __Secure- and __Host- name prefixes are
 * enforced; expiry is capped at 400 days; control characters (a tab
 * included, which would break the file format) reject a cookie. There is
 * no public suffix list: a Domain attribute with no dot in it (a top-level
 * domain such as "com") is refused unless it equals the request host, and
 * then makes a host-only cookie.
 *
 * A jar is used by one thread at a time.
 */
#ifndef FERRY_COOKIE_H
#define FERRY_COOKIE_H

#include <stddef.h>
#include <stdint.h>

#include "ferry.h"

/* Caps. */
#define FERRY__COOKIE_MAX_SIZE 4096     /* name and value together */
#define FERRY__COOKIE_MAX_ATTR 1024     /* one attribute's value; longer
                                           attributes are ignored */
#define FERRY__COOKIE_MAX_PER_DOMAIN 150
#define FERRY__COOKIE_MAX_TOTAL 3000
#define FERRY__COOKIE_MAX_HEADER 8190   /* the Cookie header value, as
                                           libcurl caps it */
#define FERRY__COOKIE_MAX_LINE 8192     /* a Netscape file line; longer
                                           lines are skipped */
#define FERRY__COOKIE_MAX_AGE (400LL * 24 * 3600) /* 6265bis's cap */

enum ferry__samesite {
  FERRY__SAMESITE_UNSET = 0, /* no (valid) SameSite attribute */
  FERRY__SAMESITE_STRICT,
  FERRY__SAMESITE_LAX,
  FERRY__SAMESITE_NONE
};

typedef struct ferry__cookie {
  char *name;
  char *value;
  char *domain;       /* lowercase, no leading dot */
  char *path;         /* starts with '/' */
  int64_t expires;    /* seconds since the epoch; 0: a session cookie */
  uint64_t order;     /* creation order, smaller is older; a replacement
                         keeps the order of the cookie it replaces */
  unsigned host_only : 1; /* sent to domain itself, not its subdomains */
  unsigned secure : 1;
  unsigned httponly : 1;
  unsigned samesite : 2;  /* an enum ferry__samesite; stored, not enforced */
} ferry__cookie;

/* The current time in seconds since the epoch. */
typedef int64_t (*ferry__cookie_clock)(void *ud);

typedef struct ferry__cookie_jar {
  ferry__cookie **v;  /* in no particular order */
  size_t len, cap;
  uint64_t next_order;
  ferry__cookie_clock clock;
  void *clock_ud;
} ferry__cookie_jar;

/* What became of a cookie offered to the jar. */
typedef enum {
  FERRY__COOKIE_STORED,   /* added, or replaced one with its key */
  FERRY__COOKIE_EXPIRED,  /* already expired: removed any with its key */
  FERRY__COOKIE_REJECTED, /* malformed or not allowed; *why says which */
  FERRY__COOKIE_NOMEM
} ferry__cookie_result;

/* A new empty jar on the system clock, or NULL when out of memory. */
ferry__cookie_jar *ferry__cookie_jar_new(void);
/* Free the jar and every cookie in it. NULL is a no-op. */
void ferry__cookie_jar_free(ferry__cookie_jar *jar);
/* Replace the clock (tests); NULL restores the system clock. */
void ferry__cookie_jar_set_clock(ferry__cookie_jar *jar,
                                 ferry__cookie_clock clock, void *ud);
/* Remove every cookie, or with session_only only the session cookies. */
void ferry__cookie_jar_clear(ferry__cookie_jar *jar, int session_only);
/* The number of cookies, expired ones removed first. */
size_t ferry__cookie_jar_count(ferry__cookie_jar *jar);
/* The cookie with this key, or NULL. Borrowed until the jar changes. */
const ferry__cookie *ferry__cookie_jar_find(ferry__cookie_jar *jar,
                                            const char *name,
                                            const char *domain,
                                            const char *path);

/* Take one Set-Cookie header value (len bytes, no line ending needed; a
 * trailing CR LF is ignored) received in a response to a request for
 * host (lowercase, an IPv6 address without brackets) and path (the URL's
 * path, without the query), over a secure channel when secure is set.
 * host may be NULL for a cookie that the application adds: it must then
 * carry a Domain attribute. path NULL means "/". why (optional) is set to
 * a static text for REJECTED. */
ferry__cookie_result ferry__cookie_set(ferry__cookie_jar *jar,
                                       const char *header, size_t len,
                                       const char *host, const char *path,
                                       int secure, const char **why);

/* The Cookie header value for a request to host and path, secure when the
 * scheme is https: "n1=v1; n2=v2" in libcurl's order (not RFC 6265's):
 * the longest path first, then the longest domain, then the longest name,
 * then the newest cookie (a replacement keeps the age of the one it
 * replaced).
 * Cookies that would take it past FERRY__COOKIE_MAX_HEADER bytes are left
 * out, and so are all that would follow them. *out is NULL when no cookie
 * matches, else a string the caller frees with ferry__free. *left_out
 * (optional) counts the cookies the cap left out. Returns FERRYE_OK or
 * FERRYE_OUT_OF_MEMORY (with *out NULL). */
ferry_code ferry__cookie_header(ferry__cookie_jar *jar, const char *host,
                                const char *path, int secure, char **out,
                                size_t *left_out);

/* Take one line of a Netscape cookie file (len bytes; a trailing CR LF is
 * ignored): "domain TAB subdomains TAB path TAB secure TAB expires TAB name
 * TAB value", with "#HttpOnly_" before the domain of an HttpOnly cookie.
 * A missing value (six fields) is an empty one. Blank and other comment
 * lines, and malformed lines, are REJECTED with *why saying which. With
 * skip_session, a session cookie (expires 0) is REJECTED too. */
ferry__cookie_result ferry__cookie_add_netscape(ferry__cookie_jar *jar,
                                                const char *line, size_t len,
                                                int skip_session,
                                                const char **why);
/* The Netscape line of a cookie, without a line ending; the caller frees
 * it. NULL when out of memory. */
char *ferry__cookie_netscape_line(const ferry__cookie *c);
/* Every unexpired cookie as a Netscape line, oldest first, in a new list
 * the caller frees with ferry_slist_free_all; *out is NULL for an empty
 * jar. FERRYE_OK or FERRYE_OUT_OF_MEMORY (with *out NULL). */
ferry_code ferry__cookie_list(ferry__cookie_jar *jar, ferry_slist **out);

/* Read a Netscape cookie file ("-" reads stdin) into the jar, skipping
 * lines ferry__cookie_add_netscape rejects. A "Set-Cookie:" header line is
 * taken as ferry__cookie_set takes it from an application (it needs a
 * Domain attribute), as libcurl reads such lines too; with skip_session,
 * one that names no expiry is skipped. Returns FERRYE_OK,
 * FERRYE_READ_ERROR when the file cannot be opened or read (the cookies
 * read before a read error are kept), FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__cookie_load(ferry__cookie_jar *jar, const char *filename,
                              int skip_session);
/* Write every unexpired cookie to a Netscape cookie file ("-" writes to
 * stdout), after a comment header, newest first as libcurl writes its jar
 * (a replacement keeps the age of the cookie it replaced). The file is written under a temporary
 * name (mode 0600) and renamed over filename, so a reader never sees half
 * a file. Returns FERRYE_OK, FERRYE_WRITE_ERROR, FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__cookie_save(ferry__cookie_jar *jar, const char *filename);

/* The pieces of RFC 6265, exposed for tests. */

/* Parse a cookie-date (RFC 6265 section 5.1.1): RFC 1123, RFC 850,
 * asctime and the many variants servers send. 0 with *t set, or -1. */
int ferry__cookie_parse_date(const char *s, size_t len, int64_t *t);
/* Does host domain-match domain (section 5.1.3)? Both lowercase. */
int ferry__cookie_domain_match(const char *host, const char *domain);
/* Does the request path path-match the cookie path (section 5.1.4)? */
int ferry__cookie_path_match(const char *request_path,
                             const char *cookie_path);

#endif

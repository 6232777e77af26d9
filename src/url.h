/* A transfer's URL: what CURLOPT_URL, a redirect's Location and a proxy
 * become, read as libcurl reads them.
 *
 * libcurl's transfers parse their URLs with its own URL API
 * (lib/url.c: parseurlandfillconn, parse_proxy; lib/multi.c: the
 * redirect), and so do ferry's: every function here goes through
 * ferry_url_set and ferry_url_get (urlapi.c), with the flags libcurl 8.11
 * uses, and takes the parts from there. There is one URL parser.
 *
 * Sans-IO: no sockets, no libuv, only bytes in and strings out. Every
 * string these functions return or store is allocated with ferry__malloc()
 * and freed with ferry__free() (or ferry__url_free() for a ferry__url).
 *
 * All functions are reentrant and keep no state between calls. A
 * ferry__url may be read from several threads at once but not written.
 */
#ifndef FERRY_URL_H
#define FERRY_URL_H

#include <stddef.h>

#include <string.h>

#include "ferry.h"
#include "urlapi.h"

typedef enum {
  FERRY__URL_OK = 0,
  FERRY__URL_MALFORMED,          /* maps to URL_MALFORMAT (3) */
  FERRY__URL_UNSUPPORTED_SCHEME, /* maps to UNSUPPORTED_PROTOCOL (1) */
  FERRY__URL_NOMEM
} ferry__url_err;

/* What ferry__url.host holds. Zero means "no host" (an empty ferry__url). */
enum ferry__host_kind {
  FERRY__HOST_NAME = 1, /* a DNS name (or anything else to be resolved) */
  FERRY__HOST_IPV4,     /* a dotted quad, "a.b.c.d" */
  FERRY__HOST_IPV6      /* an IPv6 address without brackets */
};

/* Flags of ferry__url_parse(). */
enum {
  /* CURLOPT_URL and proxies: no "scheme:/" prefix? the URL API guesses
   * one (FERRYU_GUESS_SCHEME): http, or ftp for "ftp.host" and so on,
   * which ferry then does not support. */
  FERRY__URL_GUESS_SCHEME = 1 << 0,
  /* CURLOPT_PATH_AS_IS: keep "." and ".." segments, in redirects too */
  FERRY__URL_PATH_AS_IS = 1 << 1,
  /* a proxy: any scheme is parsed (the caller judges it) */
  FERRY__URL_ANY_SCHEME = 1 << 2
};

typedef struct ferry__url {
  ferry_urlh *uh;    /* the URL API's parse: every string below is read
                        from it, and redirects are joined to it */
  char *url;         /* the whole URL as the URL API writes it back: the
                        scheme in lower case, the host as written (escapes
                        decoded, an IPv4 address normalised), an explicit
                        port kept (":80" too), no empty query; libcurl's
                        CURLINFO_EFFECTIVE_URL */
  char *scheme;      /* lower case: "http", "https", "ws" or "wss" (any
                        scheme with FERRY__URL_ANY_SCHEME) */
  char *user;        /* userinfo user part, percent-decoded; NULL if absent,
                        "" for "http://@host/" or "http://:pw@host/" */
  char *password;    /* percent-decoded; NULL if there was no ':' */
  char *host;        /* percent-decoded and in the case it was written in
                        (DNS names compare without regard to case); IPv4 as
                        a dotted quad; IPv6 without brackets, as written
                        unless inet_ntop()'s form is shorter, a zone id
                        after a '%' ("fe80::1%eth0") */
  int port;          /* the explicit port, or the scheme default (80 for
                        http and ws, 443 for https and wss) */
  int port_explicit; /* 1 if the URL named a port (even the default one) */
  int host_kind;     /* an enum ferry__host_kind */
  unsigned flags;    /* the FERRY__URL_* flags it was parsed with */
  char *path;        /* starts with "/"; as the request line carries it: a
                        byte above 0x7f percent-encoded ("%c3"), other
                        escapes as given, dot segments removed */
  char *query;       /* without the '?'; NULL if none or empty ("?" alone
                        is no query, as in libcurl 8) */
  char *fragment;    /* without the '#'; NULL if none or empty; never
                        sent */
} ferry__url;

/* Of a transfer's scheme (lower case): does it run over TLS (https,
 * wss)? */
static inline int ferry__url_scheme_tls(const char *scheme) {
  return strcmp(scheme, "https") == 0 || strcmp(scheme, "wss") == 0;
}
/* ... is it a WebSocket scheme (ws, wss)? */
static inline int ferry__url_scheme_ws(const char *scheme) {
  return strcmp(scheme, "ws") == 0 || strcmp(scheme, "wss") == 0;
}

/* Parse the URL s for a transfer into u, as libcurl 8.11 parses
 * CURLOPT_URL (ferry_url_set with FERRYU_NON_SUPPORT_SCHEME, and
 * FERRYU_GUESS_SCHEME and FERRYU_PATH_AS_IS as flags say): "scheme:" and
 * one to three slashes; the login up to the first '@'; the host as
 * written, percent-decoded (a name keeps its case; "127.1" and "0x7f.1"
 * are 127.0.0.1; "256.1.1.1" and "1.2.3.4." are names); a decimal port
 * up to 65535; the path's dot segments removed. A NUL byte in the decoded
 * user or password is refused (other control bytes are taken, as libcurl
 * takes them for HTTP).
 *
 * u's previous contents are overwritten, not freed. On success u owns
 * fresh copies of every part; free them with ferry__url_free(). On error
 * u is all zero and, if errmsg is not NULL, *errmsg points to a static
 * string saying what was wrong (on success *errmsg is set to NULL).
 *
 * Returns:
 *   FERRY__URL_OK
 *   FERRY__URL_MALFORMED          s is NULL, or the URL API refuses s (any
 *                                 code but UNSUPPORTED_SCHEME and
 *                                 OUT_OF_MEMORY), or a NUL in the login
 *   FERRY__URL_UNSUPPORTED_SCHEME a scheme other than http and https
 *                                 (without FERRY__URL_ANY_SCHEME)
 *   FERRY__URL_NOMEM              an allocation failed
 */
ferry__url_err ferry__url_parse(ferry__url *u, const char *s, unsigned flags,
                                const char **errmsg);

/* As ferry__url_parse, except that an s that does not begin with
 * "scheme:/" is read as default_scheme "://" s when default_scheme is not
 * NULL (DEFAULT_PROTOCOL, as libcurl applies it): "http" or "https" in any
 * case; another gives FERRY__URL_UNSUPPORTED_SCHEME (without
 * FERRY__URL_ANY_SCHEME). A URL with a scheme keeps its own. */
ferry__url_err ferry__url_parse_default(ferry__url *u, const char *s,
                                        unsigned flags,
                                        const char *default_scheme,
                                        const char **errmsg);

/* Where the scheme ferry__url_parse_default takes for s begins: s itself
 * when it names one (or default_scheme is NULL), else default_scheme. For
 * messages: the scheme is the text up to the first ':' or the end. */
const char *ferry__url_scheme_of(const char *s, const char *default_scheme);

/* Free every member of u and leave u all zero. u may be NULL, and may be
 * all zero already. */
void ferry__url_free(ferry__url *u);

/* Make dst a deep copy of src. dst's previous contents are overwritten,
 * not freed. Returns FERRY__URL_OK, or FERRY__URL_NOMEM with dst all
 * zero. */
ferry__url_err ferry__url_copy(ferry__url *dst, const ferry__url *src);

/* The URL a redirect to location (a Location header's value) leads to
 * from base, as libcurl 8.11 makes it: location set over base's parse
 * with the URL API, so that an absolute URL replaces it and anything else
 * is joined to it (see ferry_url_set), and the result read back.
 *
 * With follow (a redirect to be followed) the flags are libcurl's for
 * that: FERRYU_URLENCODE and FERRYU_ALLOW_SPACE (a space becomes "%20",
 * a byte above 0x7f "%xx"), and FERRYU_PATH_AS_IS if base was parsed so;
 * a location the URL API refuses is an error. Without follow (the
 * REDIRECT_URL of a redirect not followed), the flag is
 * FERRYU_NON_SUPPORT_SCHEME alone, and a location it refuses is given
 * back as it is.
 *
 * On success *out is a new string for the caller to ferry__free(). The
 * scheme of the result is not checked: parse it with ferry__url_parse().
 * errmsg and the error codes are as for ferry__url_parse()
 * (FERRY__URL_MALFORMED or FERRY__URL_NOMEM), *out NULL on an error. */
ferry__url_err ferry__url_redirect(const ferry__url *base,
                                   const char *location, int follow,
                                   char **out, const char **errmsg);

/* u's URL as libcurl writes it: with with_userinfo and without
 * without_fragment, a copy of u->url (the effective URL); else u->url
 * parsed again with no flags, less its user, password and options
 * (unless with_userinfo) and its fragment (with without_fragment), and
 * read back: AUTOREFERER's Referer is made so (with_userinfo 0,
 * without_fragment 1). Returns a new string for the caller to
 * ferry__free(), or NULL on allocation failure. */
char *ferry__url_to_string(const ferry__url *u, int with_userinfo,
                           int without_fragment);

/* The request target for a proxy that forwards the request (no tunnel):
 * the whole URL as the URL API writes it, without its fragment, without
 * the scheme's default port, and for http without the userinfo (the
 * path as written, not encoded: libcurl sends it so). Returns a new
 * string for the caller to ferry__free(), or NULL on allocation
 * failure. */
char *ferry__url_proxy_target(const ferry__url *u);

/* The request target for the HTTP request line: "path" or "path?query"
 * (a URL with an empty query has none). Never the fragment. Returns a new
 * string for the caller to ferry__free(), or NULL on allocation failure. */
char *ferry__url_request_target(const ferry__url *u);

/* The value of the Host: header: the host as the URL has it (a name in
 * its case; "[v6]" in brackets, without any zone id, as RFC 6874 section
 * 4 asks), plus ":port" only when the port is not the scheme's default.
 * Returns a new string for the caller to ferry__free(), or NULL on
 * allocation failure. */
char *ferry__url_host_header(const ferry__url *u);

/* Change u's scheme to scheme (an HSTS upgrade to "https"), as libcurl
 * does it: in the URL API's parse, then u->url read back again; a port
 * the URL did not name becomes the new scheme's default. Returns
 * FERRY__URL_OK, or FERRY__URL_NOMEM with u unchanged. */
ferry__url_err ferry__url_set_scheme(ferry__url *u, const char *scheme);

#endif

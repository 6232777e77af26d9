/* The URL parser: absolute http/https/ws/wss URLs and RFC 3986 reference
 * resolution (for Location headers).
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

/* Longest URL or reference accepted, in bytes without the NUL. Longer
 * input fails with FERRY__URL_MALFORMED ("URL too long"). */
#define FERRY__URL_MAX_LENGTH (8u * 1024 * 1024)

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

typedef struct ferry__url {
  char *scheme;      /* lowercase: "http", "https", "ws" or "wss" */
  char *user;        /* userinfo user part, percent-decoded; NULL if absent,
                        "" for "http://@host/" or "http://:pw@host/" */
  char *password;    /* percent-decoded; NULL if there was no ':' */
  char *host;        /* lowercase; IPv6 without brackets, in inet_ntop()
                        form, a zone id kept after a '%' in its own case
                        ("fe80::1%eth0"); IPv4 always as a dotted quad */
  int port;          /* the explicit port, or the scheme default (80 for
                        http and ws, 443 for https and wss) */
  int port_explicit; /* 1 if the URL named a port (even the default one) */
  int host_kind;     /* an enum ferry__host_kind */
  char *path;        /* starts with "/"; percent-encoding kept as given,
                        dot segments removed */
  char *query;       /* without the '?'; NULL if none, "" for a bare '?' */
  char *fragment;    /* without the '#'; NULL if none; never sent */
} ferry__url;

/* Of a scheme the parser gives (one of the four, lowercase): does it run
 * over TLS (https, wss)? */
static inline int ferry__url_scheme_tls(const char *scheme) {
  return scheme[0] == 'h' ? scheme[4] == 's' : scheme[2] == 's';
}
/* ... is it a WebSocket scheme (ws, wss)? */
static inline int ferry__url_scheme_ws(const char *scheme) {
  return scheme[0] == 'w';
}

/* Parse the absolute URL s into u.
 *
 * The URL must be "scheme://authority[path][?query][#fragment]" with the
 * scheme http, https, ws or wss (WebSocket, RFC 6455 section 3), in any
 * case. With allow_guess_scheme, input with
 * no scheme ("example.com/x", "localhost:8080") is taken as http, as
 * libcurl does; a prefix then counts as a scheme only when followed by
 * ":/". Without it, any "name:" prefix counts as a scheme.
 *
 * u's previous contents are overwritten, not freed. On success u owns
 * fresh copies of every part; free them with ferry__url_free(). On error
 * u is all zero and, if errmsg is not NULL, *errmsg points to a static
 * string saying what was wrong (on success *errmsg is set to NULL).
 *
 * Returns:
 *   FERRY__URL_OK
 *   FERRY__URL_MALFORMED          not a valid URL: NULL, empty, too long
 *                                 (FERRY__URL_MAX_LENGTH), a space or a
 *                                 control byte, no scheme, "http:" without
 *                                 "//", empty or bad host, bad IPv6 or IPv4
 *                                 literal, bad port, control byte in the
 *                                 decoded user name or password
 *   FERRY__URL_UNSUPPORTED_SCHEME a scheme other than http, https, ws, wss
 *   FERRY__URL_NOMEM              an allocation failed
 */
ferry__url_err ferry__url_parse(ferry__url *u, const char *s,
                                int allow_guess_scheme, const char **errmsg);

/* Free every member of u and leave u all zero. u may be NULL, and may be
 * all zero already. */
void ferry__url_free(ferry__url *u);

/* Make dst a deep copy of src. dst's previous contents are overwritten,
 * not freed. Returns FERRY__URL_OK, or FERRY__URL_NOMEM with dst all
 * zero. */
ferry__url_err ferry__url_copy(ferry__url *dst, const ferry__url *src);

/* Resolve the reference ref (a Location header value: absolute,
 * scheme-relative "//host/p", absolute-path "/p", relative "../x", "?q",
 * "#f" or "") against base, as RFC 3986 section 5.2 says, into out.
 *
 * As RFC 3986 section 5.2.2 says, out's fragment is ref's (NULL if ref
 * has none); carrying the base's fragment over a redirect (RFC 9110
 * section 10.2.2) is the caller's choice. A reference whose scheme equals
 * base's but has no "//" ("http:g") is taken as relative ("g"), the
 * backward-compatible reading of RFC 3986 section 5.4.2.
 *
 * base is only read; out must not be base. out's previous contents are
 * overwritten, not freed. Ownership, errmsg and the error codes are as for
 * ferry__url_parse(); a reference with another scheme ("ftp://h/",
 * "g:h") gives FERRY__URL_UNSUPPORTED_SCHEME.
 */
ferry__url_err ferry__url_resolve(ferry__url *out, const ferry__url *base,
                                  const char *ref, const char **errmsg);

/* Serialise u as "scheme://[user[:password]@]host[:port]/path[?query]
 * [#fragment]".
 *
 * An IPv6 host is put in brackets with its zone id as "%25zone". The port
 * appears only when explicit and not the scheme's default. The user and
 * password appear only with with_userinfo, percent-encoded again (every
 * byte that is not unreserved). The fragment is left out with
 * without_fragment. Returns a new string for the caller to ferry__free(),
 * or NULL on allocation failure or if u has no scheme, host or path.
 */
char *ferry__url_to_string(const ferry__url *u, int with_userinfo,
                           int without_fragment);

/* The request target for the HTTP request line: "path" or "path?query"
 * (a bare '?' is kept as "path?"). Never the fragment. Returns a new
 * string for the caller to ferry__free(), or NULL on allocation failure. */
char *ferry__url_request_target(const ferry__url *u);

/* The value of the Host: header: the host ("[v6]" in brackets, without any
 * zone id, as RFC 6874 section 4 asks), plus ":port" only when the port is
 * not the scheme's default. Returns a new string for the caller to
 * ferry__free(), or NULL on allocation failure. */
char *ferry__url_host_header(const ferry__url *u);

/* RFC 3986 section 5.2.4: path[0..len) without its "." and ".."
 * segments ("/a/./b/../c" gives "/a/c"). An empty path gives "/"; a path
 * that does not start with '/' is handled as the RFC says ("a/../b" gives
 * "/b"). Percent-encoded dots are not dots. Returns a new string, never
 * longer than len + 1 bytes, for the caller to ferry__free(), or NULL on
 * allocation failure. */
char *ferry__url_remove_dot_segments(const char *path, size_t len);

/* Percent-decode len bytes of s: each "%XX" (X a hex digit, either case)
 * becomes one byte; a '%' not followed by two hex digits is kept as it is.
 * Returns a new NUL-terminated string for the caller to ferry__free() and,
 * if outlen is not NULL, its length in *outlen (it may hold NULs). Returns
 * NULL on allocation failure or, with reject_ctrl, when the result holds a
 * byte below 0x20. */
char *ferry__url_decode(const char *s, size_t len, size_t *outlen,
                        int reject_ctrl);

/* Percent-encode len bytes of s: every byte other than ALPHA, DIGIT, '-',
 * '.', '_' and '~' becomes "%XX" with upper-case hex digits. Returns a new
 * NUL-terminated string for the caller to ferry__free(), or NULL on
 * allocation failure. */
char *ferry__url_encode(const char *s, size_t len);

#endif

/* A transfer's URL (sans-IO): see url.h for the contract.
 *
 * Nothing here parses a URL by itself: each function sets the URL (or a
 * part) in a URL API handle with the flags libcurl 8.11's transfer code
 * uses, and reads the parts back, as libcurl's lib/url.c, lib/http.c and
 * lib/multi.c do. Every builder fills a local ferry__url and hands it
 * over only when complete, so on error the caller's struct is simply
 * zeroed and the local one freed. */
#include "url.h"

#include "alloc.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#endif

static int default_port_of(const char *scheme) {
  if (strcmp(scheme, "https") == 0 || strcmp(scheme, "wss") == 0)
    return 443;
  return strcmp(scheme, "http") == 0 || strcmp(scheme, "ws") == 0 ? 80 : 0;
}

/* What a URL API code says, in a few words. */
static const char *ucode_reason(ferry_ucode uc) {
  switch (uc) {
  case FERRYUE_MALFORMED_INPUT:
    return "malformed input (empty, too long, a space or a control byte)";
  case FERRYUE_BAD_PORT_NUMBER:
    return "port number is not a decimal number from 0 to 65535";
  case FERRYUE_UNSUPPORTED_SCHEME:
    return "unsupported scheme";
  case FERRYUE_OUT_OF_MEMORY:
    return "out of memory";
  case FERRYUE_NO_HOST:
    return "no host name";
  case FERRYUE_BAD_HOSTNAME:
    return "bad host name";
  case FERRYUE_BAD_IPV6:
    return "bad IPv6 address";
  case FERRYUE_BAD_SCHEME:
    return "bad scheme";
  case FERRYUE_BAD_SLASHES:
    return "not one to three slashes after the scheme";
  case FERRYUE_BAD_FILE_URL:
    return "bad file: URL";
  case FERRYUE_USER_NOT_ALLOWED:
    return "credentials in the URL are not allowed";
  default:
    return "malformed URL";
  }
}

/* The ferry__url_err of a URL API code that is not FERRYUE_OK. */
static ferry__url_err from_ucode(ferry_ucode uc, const char **why) {
  *why = ucode_reason(uc);
  if (uc == FERRYUE_OUT_OF_MEMORY)
    return FERRY__URL_NOMEM;
  if (uc == FERRYUE_UNSUPPORTED_SCHEME)
    return FERRY__URL_UNSUPPORTED_SCHEME;
  return FERRY__URL_MALFORMED;
}

/* One part of h in *out: NULL when the part is missing. Returns
 * FERRY__URL_OK or FERRY__URL_NOMEM (or MALFORMED, which the URL API
 * does not give for a part it parsed). */
static ferry__url_err get_part(const ferry_urlh *h, ferry_upart part,
                               unsigned flags, char **out) {
  ferry_ucode uc = ferry_url_get(h, part, out, flags);

  switch (uc) {
  case FERRYUE_OK:
    return FERRY__URL_OK;
  case FERRYUE_NO_SCHEME:
  case FERRYUE_NO_USER:
  case FERRYUE_NO_PASSWORD:
  case FERRYUE_NO_OPTIONS:
  case FERRYUE_NO_HOST:
  case FERRYUE_NO_PORT:
  case FERRYUE_NO_QUERY:
  case FERRYUE_NO_FRAGMENT:
  case FERRYUE_NO_ZONEID:
    *out = NULL;
    return FERRY__URL_OK;
  case FERRYUE_OUT_OF_MEMORY:
    return FERRY__URL_NOMEM;
  default:
    return FERRY__URL_MALFORMED;
  }
}

/* A user name or password from the URL, decoded as libcurl decodes one
 * for HTTP (lib/url.c, REJECT_ZERO): every escape, a NUL refused. *s is
 * replaced; NULL stays NULL. */
static ferry__url_err decode_login(char **s, const char **why) {
  size_t n;
  char *d;

  if (*s == NULL)
    return FERRY__URL_OK;
  d = ferry__url_decode(*s, strlen(*s), &n, 0);
  if (d == NULL) {
    *why = "out of memory";
    return FERRY__URL_NOMEM;
  }
  ferry__free(*s);
  *s = d;
  if (memchr(d, '\0', n) != NULL) {
    *why = "a NUL byte in the user name or password";
    return FERRY__URL_MALFORMED;
  }
  return FERRY__URL_OK;
}

/* The host of t->uh into t->host and t->host_kind: brackets off an IPv6
 * address, its zone id after a '%'. */
static ferry__url_err take_host(ferry__url *t) {
  char *host, *zone = NULL;
  unsigned char a4[4];
  ferry__url_err err;

  err = get_part(t->uh, FERRYUPART_HOST, 0, &host);
  if (err != FERRY__URL_OK)
    return err;
  if (host == NULL)
    return FERRY__URL_MALFORMED; /* a file: URL: not for a transfer */
  if (host[0] != '[') {
    t->host = host;
    t->host_kind = inet_pton(AF_INET, host, a4) == 1 ? FERRY__HOST_IPV4
                                                     : FERRY__HOST_NAME;
    return FERRY__URL_OK;
  }
  err = get_part(t->uh, FERRYUPART_ZONEID, 0, &zone);
  if (err == FERRY__URL_OK) {
    size_t n = strlen(host) - 2, z = zone ? strlen(zone) : 0;
    t->host = ferry__malloc(n + (zone ? 1 + z : 0) + 1);
    if (t->host == NULL) {
      err = FERRY__URL_NOMEM;
    } else {
      memcpy(t->host, host + 1, n);
      if (zone != NULL) {
        t->host[n++] = '%';
        memcpy(t->host + n, zone, z);
        n += z;
      }
      t->host[n] = '\0';
      t->host_kind = FERRY__HOST_IPV6;
    }
  }
  ferry__free(zone);
  ferry__free(host);
  return err;
}

/* The port: the one the URL names, or the scheme's default. */
static ferry__url_err take_port(ferry__url *t) {
  char *port;
  ferry__url_err err = get_part(t->uh, FERRYUPART_PORT, 0, &port);

  if (err != FERRY__URL_OK)
    return err;
  t->port_explicit = port != NULL;
  t->port = port ? atoi(port) : default_port_of(t->scheme);
  ferry__free(port);
  return FERRY__URL_OK;
}

/* Read every part of t from t->uh, as libcurl's parseurlandfillconn
 * reads them. */
static ferry__url_err take_parts(ferry__url *t, const char **why) {
  ferry__url_err err;

  if ((err = get_part(t->uh, FERRYUPART_URL, 0, &t->url)) != FERRY__URL_OK ||
      (err = get_part(t->uh, FERRYUPART_SCHEME, 0, &t->scheme)) !=
          FERRY__URL_OK)
    goto failed;
  if (t->scheme == NULL || t->url == NULL) {
    err = FERRY__URL_MALFORMED;
    goto failed;
  }
  if (!(t->flags & FERRY__URL_ANY_SCHEME) && strcmp(t->scheme, "http") != 0 &&
      strcmp(t->scheme, "https") != 0 && strcmp(t->scheme, "ws") != 0 &&
      strcmp(t->scheme, "wss") != 0) {
    *why = "unsupported scheme";
    return FERRY__URL_UNSUPPORTED_SCHEME;
  }
  if ((err = take_host(t)) != FERRY__URL_OK ||
      (err = take_port(t)) != FERRY__URL_OK ||
      (err = get_part(t->uh, FERRYUPART_USER, 0, &t->user)) !=
          FERRY__URL_OK ||
      (err = get_part(t->uh, FERRYUPART_PASSWORD, 0, &t->password)) !=
          FERRY__URL_OK ||
      (err = get_part(t->uh, FERRYUPART_PATH, FERRYU_URLENCODE, &t->path)) !=
          FERRY__URL_OK ||
      (err = get_part(t->uh, FERRYUPART_QUERY, 0, &t->query)) !=
          FERRY__URL_OK ||
      (err = get_part(t->uh, FERRYUPART_FRAGMENT, 0, &t->fragment)) !=
          FERRY__URL_OK)
    goto failed;
  if (t->path == NULL) {
    err = FERRY__URL_MALFORMED;
    goto failed;
  }
  if ((err = decode_login(&t->user, why)) != FERRY__URL_OK)
    return err;
  return decode_login(&t->password, why);

failed:
  *why = err == FERRY__URL_NOMEM ? "out of memory" : "malformed URL";
  return err;
}

ferry__url_err ferry__url_parse(ferry__url *u, const char *s, unsigned flags,
                                const char **errmsg) {
  ferry__url tmp;
  const char *why = NULL;
  unsigned uflags = FERRYU_NON_SUPPORT_SCHEME;
  ferry__url_err err;
  ferry_ucode uc;

  assert(u != NULL);
  memset(u, 0, sizeof(*u));
  memset(&tmp, 0, sizeof(tmp));
  tmp.flags = flags;
  if (s == NULL) {
    why = "no URL given";
    err = FERRY__URL_MALFORMED;
    goto failed;
  }
  if (flags & FERRY__URL_GUESS_SCHEME)
    uflags |= FERRYU_GUESS_SCHEME;
  if (flags & FERRY__URL_PATH_AS_IS)
    uflags |= FERRYU_PATH_AS_IS;
  tmp.uh = ferry_url();
  if (tmp.uh == NULL) {
    why = "out of memory";
    err = FERRY__URL_NOMEM;
    goto failed;
  }
  uc = ferry_url_set(tmp.uh, FERRYUPART_URL, s, uflags);
  if (uc != FERRYUE_OK) {
    err = from_ucode(uc, &why);
    goto failed;
  }
  err = take_parts(&tmp, &why);
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

/* Does s begin with "scheme:/", as libcurl's check for an absolute URL
 * sees it when it guesses schemes (so "localhost:8080" has none)? A
 * scheme is letters, digits, '+', '-' and '.', at most 40 of them. */
static int has_scheme(const char *s) {
  size_t i = 0;

  while (i < 40 && s[i] != '\0' &&
         (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' ||
          s[i] == '.'))
    i++;
  return i > 0 && s[i] == ':' && s[i + 1] == '/';
}

ferry__url_err ferry__url_parse_default(ferry__url *u, const char *s,
                                        unsigned flags,
                                        const char *default_scheme,
                                        const char **errmsg) {
  size_t n;
  char *full;
  ferry__url_err err;

  if (s == NULL || default_scheme == NULL || has_scheme(s))
    return ferry__url_parse(u, s, flags, errmsg);
  /* as libcurl: "DEFAULT_PROTOCOL://" before the URL, then the parse */
  n = strlen(default_scheme) + 3 + strlen(s) + 1;
  full = ferry__malloc(n);
  if (full == NULL) {
    memset(u, 0, sizeof(*u));
    if (errmsg != NULL)
      *errmsg = "out of memory";
    return FERRY__URL_NOMEM;
  }
  snprintf(full, n, "%s://%s", default_scheme, s);
  err = ferry__url_parse(u, full, flags, errmsg);
  ferry__free(full);
  return err;
}

const char *ferry__url_scheme_of(const char *s, const char *default_scheme) {
  if (s == NULL || default_scheme == NULL || has_scheme(s))
    return s;
  return default_scheme;
}

void ferry__url_free(ferry__url *u) {
  if (u == NULL)
    return;
  ferry_url_cleanup(u->uh);
  ferry__free(u->url);
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

ferry__url_err ferry__url_copy(ferry__url *dst, const ferry__url *src) {
  ferry__url tmp;

  memset(&tmp, 0, sizeof(tmp));
  tmp.port = src->port;
  tmp.port_explicit = src->port_explicit;
  tmp.host_kind = src->host_kind;
  tmp.flags = src->flags;
  if ((src->uh != NULL && (tmp.uh = ferry_url_dup(src->uh)) == NULL) ||
      copy_string(&tmp.url, src->url) != 0 ||
      copy_string(&tmp.scheme, src->scheme) != 0 ||
      copy_string(&tmp.user, src->user) != 0 ||
      copy_string(&tmp.password, src->password) != 0 ||
      copy_string(&tmp.host, src->host) != 0 ||
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

ferry__url_err ferry__url_redirect(const ferry__url *base,
                                   const char *location, int follow,
                                   char **out, const char **errmsg) {
  unsigned flags = FERRYU_NON_SUPPORT_SCHEME;
  const char *why = NULL;
  ferry__url_err err = FERRY__URL_OK;
  ferry_urlh *h;
  ferry_ucode uc;

  assert(base != NULL && base->uh != NULL && location != NULL);
  *out = NULL;
  if (follow)
    flags = FERRYU_URLENCODE | FERRYU_ALLOW_SPACE |
            ((base->flags & FERRY__URL_PATH_AS_IS) ? FERRYU_PATH_AS_IS : 0);
  h = ferry_url_dup(base->uh);
  if (h == NULL) {
    why = "out of memory";
    err = FERRY__URL_NOMEM;
    goto done;
  }
  uc = ferry_url_set(h, FERRYUPART_URL, location, flags);
  if (uc == FERRYUE_OK) {
    err = get_part(h, FERRYUPART_URL, 0, out);
    if (err == FERRY__URL_OK && *out == NULL)
      err = FERRY__URL_MALFORMED;
    if (err != FERRY__URL_OK)
      why = err == FERRY__URL_NOMEM ? "out of memory" : "malformed URL";
  } else if (uc != FERRYUE_OUT_OF_MEMORY && !follow) {
    /* REDIRECT_URL: what the server said, as libcurl gives it */
    *out = ferry__strdup(location);
    if (*out == NULL) {
      why = "out of memory";
      err = FERRY__URL_NOMEM;
    }
  } else {
    err = from_ucode(uc, &why);
  }
done:
  ferry_url_cleanup(h);
  if (err != FERRY__URL_OK) {
    ferry__free(*out);
    *out = NULL;
  }
  if (errmsg != NULL)
    *errmsg = why;
  return err;
}

/* A URL API code as a string result: *s on success, else NULL. */
static char *get_url_of(ferry_urlh *h, unsigned flags) {
  char *s = NULL;

  if (ferry_url_get(h, FERRYUPART_URL, &s, flags) != FERRYUE_OK)
    return NULL;
  return s;
}

char *ferry__url_to_string(const ferry__url *u, int with_userinfo,
                           int without_fragment) {
  ferry_urlh *h;
  char *s = NULL;

  if (u->url == NULL)
    return NULL;
  if (with_userinfo && !without_fragment)
    return ferry__strdup(u->url);
  /* libcurl's Referer: the URL parsed again as it is, with no flags */
  h = ferry_url();
  if (h == NULL)
    return NULL;
  if (ferry_url_set(h, FERRYUPART_URL, u->url,
                    (u->flags & FERRY__URL_ANY_SCHEME)
                        ? FERRYU_NON_SUPPORT_SCHEME
                        : 0) != FERRYUE_OK) {
    ferry_url_cleanup(h);
    if (u->uh == NULL || (h = ferry_url_dup(u->uh)) == NULL)
      return NULL;
  }
  if ((!with_userinfo &&
       (ferry_url_set(h, FERRYUPART_USER, NULL, 0) != FERRYUE_OK ||
        ferry_url_set(h, FERRYUPART_PASSWORD, NULL, 0) != FERRYUE_OK ||
        ferry_url_set(h, FERRYUPART_OPTIONS, NULL, 0) != FERRYUE_OK)) ||
      (without_fragment &&
       ferry_url_set(h, FERRYUPART_FRAGMENT, NULL, 0) != FERRYUE_OK))
    goto done;
  s = get_url_of(h, 0);
done:
  ferry_url_cleanup(h);
  return s;
}

char *ferry__url_proxy_target(const ferry__url *u) {
  ferry_urlh *h = u->uh ? ferry_url_dup(u->uh) : NULL;
  char *s = NULL;

  if (h == NULL)
    return NULL;
  if (ferry_url_set(h, FERRYUPART_FRAGMENT, NULL, 0) != FERRYUE_OK ||
      (strcmp(u->scheme, "http") == 0 &&
       (ferry_url_set(h, FERRYUPART_USER, NULL, 0) != FERRYUE_OK ||
        ferry_url_set(h, FERRYUPART_PASSWORD, NULL, 0) != FERRYUE_OK)))
    goto done;
  s = get_url_of(h, FERRYU_NO_DEFAULT_PORT);
done:
  ferry_url_cleanup(h);
  return s;
}

char *ferry__url_request_target(const ferry__url *u) {
  size_t plen = strlen(u->path), qlen = u->query ? strlen(u->query) : 0;
  char *s = ferry__malloc(plen + (u->query ? 1 + qlen : 0) + 1);

  if (s == NULL)
    return NULL;
  memcpy(s, u->path, plen);
  if (u->query != NULL) {
    s[plen++] = '?';
    memcpy(s + plen, u->query, qlen);
    plen += qlen;
  }
  s[plen] = '\0';
  return s;
}

char *ferry__url_host_header(const ferry__url *u) {
  int v6 = u->host_kind == FERRY__HOST_IPV6;
  size_t hlen = v6 ? strcspn(u->host, "%") : strlen(u->host);
  char *s = ferry__malloc(hlen + 2 + 7 + 1);
  size_t n = 0;

  if (s == NULL)
    return NULL;
  if (v6)
    s[n++] = '[';
  memcpy(s + n, u->host, hlen);
  n += hlen;
  if (v6)
    s[n++] = ']';
  if (u->port != default_port_of(u->scheme))
    n += (size_t)snprintf(s + n, 8, ":%d", u->port);
  s[n] = '\0';
  return s;
}

ferry__url_err ferry__url_set_scheme(ferry__url *u, const char *scheme) {
  ferry_urlh *h = ferry_url_dup(u->uh);
  char *url = NULL, *copy = ferry__strdup(scheme);

  if (h == NULL || copy == NULL ||
      ferry_url_set(h, FERRYUPART_SCHEME, scheme, FERRYU_NON_SUPPORT_SCHEME) !=
          FERRYUE_OK ||
      (url = get_url_of(h, 0)) == NULL) {
    ferry_url_cleanup(h);
    ferry__free(copy);
    return FERRY__URL_NOMEM;
  }
  ferry_url_cleanup(u->uh);
  u->uh = h;
  ferry__free(u->url);
  u->url = url;
  ferry__free(u->scheme);
  u->scheme = copy;
  if (!u->port_explicit)
    u->port = default_port_of(u->scheme);
  return FERRY__URL_OK;
}

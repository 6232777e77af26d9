/* HTTP proxies. See proxy.h.
 *
 * The environment is read the way libcurl reads it: "http_proxy" only in
 * lower case (an upper-case HTTP_PROXY can be set by a CGI request's
 * "Proxy:" header), "https_proxy"/"HTTPS_PROXY", "ws_proxy"/"WS_PROXY"
 * and "wss_proxy"/"WSS_PROXY" (libcurl's "<scheme>_proxy"), then
 * "all_proxy"/"ALL_PROXY"; "no_proxy"/"NO_PROXY". PROXY set to "" uses no
 * proxy. WebSocket goes through an HTTP proxy's tunnel always, as libcurl
 * does: a proxy that forwards requests cannot be asked to switch
 * protocols. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/base64.h>

#include "alloc.h"
#include "auth.h"
#include "h1.h"
#include "proxy.h"

extern char **environ;

/* The variables a transfer may look at, in the order they are tried. */
enum { ENV_HTTPS, ENV_HTTPS_UC, ENV_HTTP, ENV_WS, ENV_WS_UC, ENV_WSS,
       ENV_WSS_UC, ENV_ALL, ENV_ALL_UC, ENV_NO, ENV_NO_UC, ENV_COUNT };

/* Every one of them in one pass over the environment: getenv() would scan
 * it once per name, and this runs for every transfer. An entry is compared
 * only with the names that start with its first letter. */
static void env_read(const char *v[ENV_COUNT]) {
  char **ep;

  for (int i = 0; i < ENV_COUNT; i++)
    v[i] = NULL;
  if (environ == NULL)
    return;
  for (ep = environ; *ep != NULL; ep++) {
    const char *s = *ep;
    int which = -1;

#define ENV_IS(lit, idx)                                                       \
  if (which < 0 && strncmp(s, lit, sizeof(lit) - 1) == 0)                      \
    which = (idx)
    switch (s[0]) {
    case 'h':
      ENV_IS("https_proxy=", ENV_HTTPS);
      ENV_IS("http_proxy=", ENV_HTTP);
      break;
    case 'H':
      ENV_IS("HTTPS_PROXY=", ENV_HTTPS_UC);
      break;
    case 'a':
      ENV_IS("all_proxy=", ENV_ALL);
      break;
    case 'A':
      ENV_IS("ALL_PROXY=", ENV_ALL_UC);
      break;
    case 'n':
      ENV_IS("no_proxy=", ENV_NO);
      break;
    case 'w':
      ENV_IS("ws_proxy=", ENV_WS);
      ENV_IS("wss_proxy=", ENV_WSS);
      break;
    case 'W':
      ENV_IS("WS_PROXY=", ENV_WS_UC);
      ENV_IS("WSS_PROXY=", ENV_WSS_UC);
      break;
    case 'N':
      ENV_IS("NO_PROXY=", ENV_NO_UC);
      break;
    default:
      break;
    }
#undef ENV_IS
    /* the first definition wins, as with getenv() */
    if (which >= 0 && v[which] == NULL)
      v[which] = strchr(s, '=') + 1;
  }
}

/* The first non-empty one of the given variables, or NULL. */
static const char *env_first(const char *v[ENV_COUNT], int a, int b, int c,
                             int d) {
  int order[4] = {a, b, c, d};
  for (int i = 0; i < 4; i++)
    if (order[i] >= 0 && v[order[i]] != NULL && v[order[i]][0] != '\0')
      return v[order[i]];
  return NULL;
}

int ferry__proxy_exempt(const char *list, const char *host) {
  size_t hlen = strlen(host);
  const char *p = list;

  if (list == NULL)
    return 0;
  while (*p) {
    size_t n;
    const char *name;
    while (*p == ' ' || *p == ',' || *p == '\t')
      p++;
    name = p;
    n = strcspn(p, ", \t");
    p += n;
    if (n == 0)
      continue;
    if (n == 1 && name[0] == '*')
      return 1;
    if (name[0] == '.') {
      name++;
      n--;
    }
    if (n == hlen && strncasecmp(name, host, n) == 0)
      return 1;
    /* a parent domain: "example.com" exempts "www.example.com" */
    if (hlen > n && host[hlen - n - 1] == '.' &&
        strncasecmp(host + hlen - n, name, n) == 0)
      return 1;
  }
  return 0;
}

ferry_code ferry__proxy_choose(ferry_easy *e) {
  int tls = ferry__url_scheme_tls(e->url.scheme);
  int ws = ferry__url_scheme_ws(e->url.scheme);
  const char *spec = e->set.proxy, *noproxy = e->set.noproxy;
  const char *why = NULL;
  ferry__url_err uerr;

  ferry__url_free(&e->proxy_url);
  e->use_proxy = e->tunnel = e->in_tunnel = 0;
  e->dest_host = e->url.host;
  e->dest_port = e->url.port;
  e->dest_kind = e->url.host_kind;
  /* as libcurl: a Unix domain socket and a proxy do not mix */
  if (e->set.unix_socket_path != NULL)
    return FERRYE_OK;
  if (spec == NULL || noproxy == NULL) {
    const char *env[ENV_COUNT];
    env_read(env);
    if (spec == NULL && ws)
      spec = tls ? env_first(env, ENV_WSS, ENV_WSS_UC, ENV_ALL, ENV_ALL_UC)
                 : env_first(env, ENV_WS, ENV_WS_UC, ENV_ALL, ENV_ALL_UC);
    else if (spec == NULL)
      spec = tls ? env_first(env, ENV_HTTPS, ENV_HTTPS_UC, ENV_ALL, ENV_ALL_UC)
                 : env_first(env, ENV_HTTP, ENV_ALL, ENV_ALL_UC, -1);
    if (noproxy == NULL)
      noproxy = env_first(env, ENV_NO, ENV_NO_UC, -1, -1);
  }
  if (spec == NULL || *spec == '\0')
    return FERRYE_OK;
  if (ferry__proxy_exempt(noproxy, e->url.host))
    return FERRYE_OK;
  /* as libcurl's parse_proxy: the URL API with FERRYU_GUESS_SCHEME (no
   * scheme is http) and any scheme, which is judged after */
  uerr = ferry__url_parse(&e->proxy_url, spec,
                          FERRY__URL_GUESS_SCHEME | FERRY__URL_ANY_SCHEME,
                          &why);
  if (uerr == FERRY__URL_NOMEM)
    return FERRYE_OUT_OF_MEMORY;
  if (uerr != FERRY__URL_OK) {
    snprintf(e->errtext, sizeof(e->errtext),
             "Unsupported proxy syntax in \"%.64s\": %s", spec,
             why ? why : "bad URL");
    return FERRYE_COULDNT_RESOLVE_PROXY;
  }
  if (strcmp(e->proxy_url.scheme, "http") != 0) {
    static const char *const known[] = {"https",   "socks5h", "socks5",
                                        "socks4a", "socks4",  "socks"};
    int kind_known = 0;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
      kind_known |= strcmp(e->proxy_url.scheme, known[i]) == 0;
    snprintf(e->errtext, sizeof(e->errtext),
             kind_known ? "Unsupported proxy scheme in \"%.64s\": ferry "
                          "speaks to http:// proxies only"
                        : "Unsupported proxy scheme for \"%.64s\"",
             spec);
    ferry__url_free(&e->proxy_url);
    /* libcurl's proxy kinds ferry lacks, or no kind at all (libcurl's
     * answer for that) */
    return kind_known ? FERRYE_UNSUPPORTED_PROTOCOL : FERRYE_COULDNT_CONNECT;
  }
  if (!e->proxy_url.port_explicit)
    e->proxy_url.port = e->set.proxyport > 0 ? (int)e->set.proxyport : 1080;
  e->use_proxy = 1;
  e->tunnel = tls || ws || e->set.httpproxytunnel;
  e->dest_host = e->proxy_url.host;
  e->dest_port = e->proxy_url.port;
  e->dest_kind = e->proxy_url.host_kind;
  return FERRYE_OK;
}

char *ferry__proxy_authorization(const ferry_easy *e, int *oom) {
  const char *user = NULL, *pass = "";
  size_t ulen = 0;

  *oom = 0;
  if (e->set.proxyuserpwd) {
    const char *colon = strchr(e->set.proxyuserpwd, ':');
    user = e->set.proxyuserpwd;
    ulen = colon ? (size_t)(colon - user) : strlen(user);
    pass = colon ? colon + 1 : "";
  } else if (e->proxy_url.user) {
    user = e->proxy_url.user;
    ulen = strlen(user);
    pass = e->proxy_url.password ? e->proxy_url.password : "";
  } else {
    return NULL;
  }
  return ferry__auth_basic(user, ulen, pass, oom);
}

ferry_code ferry__proxy_connect_request(ferry_easy *e, ferry__buf *out) {
  const ferry_slist *h;
  char *auth;
  int oom = 0, v6 = e->url.host_kind == FERRY__HOST_IPV6;
  size_t hlen = v6 ? strcspn(e->url.host, "%") : strlen(e->url.host);
  ferry_code rc = FERRYE_OUT_OF_MEMORY;

  auth = ferry__proxy_authorization(e, &oom);
  e->proxyauth_used = auth ? FERRYAUTH_BASIC : 0; /* PROXYAUTH_USED */
  if (oom)
    return FERRYE_OUT_OF_MEMORY;
  /* CONNECT host:port HTTP/1.1, and Host: the same authority (an IPv6
   * address without its zone id, as libcurl sends it) */
  if (ferry__buf_adds(out, v6 ? "CONNECT [" : "CONNECT ") ||
      ferry__buf_add(out, e->url.host, hlen) ||
      ferry__buf_adds(out, v6 ? "]:" : ":") ||
      ferry__buf_add_int(out, e->url.port) ||
      ferry__buf_adds(out, v6 ? " HTTP/1.1\r\nHost: [" : " HTTP/1.1\r\nHost: ") ||
      ferry__buf_add(out, e->url.host, hlen) ||
      ferry__buf_adds(out, v6 ? "]:" : ":") ||
      ferry__buf_add_int(out, e->url.port) || ferry__buf_adds(out, "\r\n"))
    goto done;
  if (auth && ferry__buf_cat(out, "Proxy-Authorization: ", auth, "\r\n", NULL))
    goto done;
  if (e->set.useragent &&
      ferry__buf_cat(out, "User-Agent: ", e->set.useragent, "\r\n", NULL))
    goto done;
  /* HEADEROPT: PROXYHEADER (SEPARATE, the default) or HTTPHEADER */
  for (h = e->set.headeropt_unified ? e->set.httpheader : e->set.proxyheader;
       h != NULL; h = h->next) {
    if (h->data == NULL || strchr(h->data, ':') == NULL ||
        strpbrk(h->data, "\r\n") != NULL)
      continue;
    if (ferry__buf_cat(out, h->data, "\r\n", NULL))
      goto done;
  }
  if (ferry__buf_adds(out, "\r\n"))
    goto done;
  rc = FERRYE_OK;
done:
  if (auth) {
    memset(auth, 0, strlen(auth));
    ferry__free(auth);
  }
  return rc;
}

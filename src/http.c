/* HTTP semantics above the codec: the request a hop sends, and redirects.
 *
 * Credentials (USERPWD, USERNAME/PASSWORD, the URL's userinfo, a bearer
 * token, and the user's own Authorization/Cookie/Proxy-Authorization
 * headers) go only to the scheme, host and port of the first URL, unless
 * UNRESTRICTED_AUTH says otherwise. A redirect elsewhere, HTTPS to HTTP
 * included, carries none of them. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>


#include "alloc.h"
#include "h1.h"
#include "cookie.h"
#include "decode.h"
#include "hsts.h"
#include "http.h"
#include "mime.h"
#include "multidef.h"
#include "netrc.h"
#include "partial.h"
#include "proxy.h"
#include "share.h"
#include "trace.h"
#include "websocket.h"

const char *ferry__http_method(const ferry_easy *e) {
  /* CUSTOMREQUEST wins, until a FOLLOWLOCATION mode drops it */
  if (e->set.customrequest && !e->ignore_custom)
    return e->set.customrequest;
  /* a WebSocket's handshake is a GET, whatever else is set (as libcurl);
   * UPLOAD then means frames from the read callback */
  if (e->ws != NULL && ferry__ws_hop(e))
    return "GET";
  if (e->hop_get)
    return e->set.nobody ? "HEAD" : "GET";
  if (e->set.nobody)
    return "HEAD";
  if (e->set.form_post)
    return "POST";
  if (e->set.upload)
    return "PUT";
  if (e->set.post || e->set.postfields)
    return "POST";
  return "GET";
}

/* "scheme://host:port" of a URL, the host name in lower case: a key that
 * compares hosts as libcurl does, without regard to case (an IPv6 zone id
 * kept as it is). NULL when out of memory. Made in one allocation of the
 * exact size: it runs for every transfer, and the string lives as long as
 * the transfer. */
char *ferry__http_origin(const ferry__url *u) {
  int v6 = u->host_kind == FERRY__HOST_IPV6;
  size_t slen = strlen(u->scheme), hlen = strlen(u->host), plen = 0;
  char digits[12], *out, *p;
  unsigned port = u->port > 0 ? (unsigned)u->port : 0;

  do {
    digits[sizeof(digits) - 1 - plen++] = (char)('0' + port % 10);
    port /= 10;
  } while (port != 0 && plen < sizeof(digits));
  out = ferry__malloc(slen + 3 + hlen + (v6 ? 2 : 0) + 1 + plen + 1);
  if (out == NULL)
    return NULL;
  p = out;
  memcpy(p, u->scheme, slen);
  p += slen;
  memcpy(p, "://", 3);
  p += 3;
  if (v6)
    *p++ = '[';
  for (size_t i = 0; i < hlen; i++) {
    char c = u->host[i];
    if (c == '%')
      v6 = 2; /* the zone id: as it is */
    *p++ = (c >= 'A' && c <= 'Z' && v6 != 2) ? (char)(c - 'A' + 'a') : c;
  }
  if (v6)
    *p++ = ']';
  *p++ = ':';
  memcpy(p, digits + sizeof(digits) - plen, plen);
  p[plen] = '\0';
  return out;
}

#define AUTH_BASIC FERRYAUTH_BASIC
#define AUTH_DIGEST FERRYAUTH_DIGEST
#define AUTH_BEARER FERRYAUTH_BEARER
/* No method could be picked: none is used (libcurl's CURLAUTH_PICKNONE;
 * FERRYAUTH_ANY holds this bit, so it survives a transfer's "picked &=
 * HTTPAUTH" as it does in libcurl) */
#define AUTH_PICKNONE (1UL << 30)

/* The credentials for this hop: *user (ulen bytes) and *pass, or 0 when
 * there are none. */
static int credentials(const ferry_easy *e, const char **user, size_t *ulen,
                       const char **pass) {
  if (e->netrc_user) {
    /* found for this hop's host: they may go there whatever the hop */
    *user = e->netrc_user;
    *ulen = strlen(*user);
    *pass = e->netrc_password;
  } else if (e->strip_auth) {
    return 0; /* a redirect left the host of the others */
  } else if (e->set.userpwd) {
    const char *colon = strchr(e->set.userpwd, ':');
    *ulen = colon ? (size_t)(colon - e->set.userpwd) : strlen(e->set.userpwd);
    *user = e->set.userpwd;
    *pass = colon ? colon + 1 : "";
  } else if (e->set.username || e->set.password) {
    *user = e->set.username ? e->set.username : "";
    *ulen = strlen(*user);
    *pass = e->set.password ? e->set.password : "";
  } else if (e->url.user) {
    *user = e->url.user;
    *ulen = strlen(*user);
    *pass = e->url.password ? e->url.password : "";
  } else if (e->first_user) {
    /* a hop whose URL has no userinfo (an absolute Location) keeps the
     * first URL's; strip_auth has said whether they may go here */
    *user = e->first_user;
    *ulen = strlen(*user);
    *pass = e->first_password ? e->first_password : "";
  } else {
    return 0;
  }
  return 1;
}

/* Has this hop something to authenticate with: credentials or a bearer
 * token that may go to its host? */
static int has_credentials(const ferry_easy *e) {
  const char *user, *pass;
  size_t ulen;
  /* credentials() leaves out what may not go to a redirect's new host,
   * and gives NETRC's for it */
  return (!e->strip_auth && e->set.bearer != NULL) ||
         credentials(e, &user, &ulen, &pass);
}

/* The Authorization value for this hop's request (method to target), or
 * NULL (none, or out of memory: *oom says which). Sets e->auth_probe.
 *
 * As libcurl's handle does: a method HTTPAUTH names alone is used at
 * once, and several wait for a 401 to pick one (ferry__http_check_auth);
 * the pick stays for the handle's later requests. Digest with no
 * challenge yet sends nothing, and a request with a body then goes as a
 * probe, with an empty one (body: the request has a body to send). */
static char *authorization(ferry_easy *e, const char *method,
                           const char *target, int body, int *oom) {
  const char *user = NULL, *pass = NULL;
  char *out = NULL, *name, *uri = NULL;
  size_t ulen = 0;
  int have_user, named = 0;

  *oom = 0;
  e->auth_probe = 0;
  have_user = credentials(e, &user, &ulen, &pass);
  if (!have_user && e->set.bearer == NULL) {
    e->auth_done = 1;
    return NULL; /* nothing to authenticate with */
  }
  if (e->set.httpauth && !e->auth_picked)
    e->auth_picked = e->set.httpauth;
  if ((e->strip_auth && e->netrc_user == NULL) || target == NULL) {
    e->auth_done = 1;
    return NULL; /* a redirect left the host the credentials are for */
  }
  if (e->auth_picked == AUTH_DIGEST) {
    named = 1;
    if (e->digest.nonce == NULL) {
      e->auth_done = 0; /* a 401 has to bring the challenge first */
    } else {
      /* DIGEST_IE: the uri is the path without the query */
      const char *u = target;
      if (e->set.digest_ie && strchr(target, '?') != NULL) {
        if ((uri = ferry__memdup0(target, strcspn(target, "?"))) == NULL) {
          *oom = 1;
          return NULL;
        }
        u = uri;
      }
      /* a URL's user name may hold control bytes (libcurl takes them for
       * HTTP); Digest would write them into the header line: no answer */
      for (size_t i = 0; have_user && i < ulen; i++) {
        if ((unsigned char)user[i] < 0x20 || user[i] == 0x7f) {
          ferry__free(uri);
          e->auth_done = 1;
          return NULL;
        }
      }
      name = ferry__memdup0(have_user ? user : "", have_user ? ulen : 0);
      if (name != NULL)
        out = ferry__digest_response(&e->digest, name, have_user ? pass : "",
                                     method, u, NULL);
      ferry__free(name);
      ferry__free(uri);
      if (out == NULL) {
        *oom = 1;
        return NULL;
      }
      e->auth_done = 1;
    }
  } else if (e->auth_picked == AUTH_BASIC) {
    if (have_user) {
      out = ferry__auth_basic(user, ulen, pass, oom);
      named = 1;
    }
    e->auth_done = 1;
  } else if (e->auth_picked == AUTH_BEARER) {
    if (e->set.bearer && !e->strip_auth) {
      size_t n = strlen(e->set.bearer) + 8;
      out = ferry__malloc(n);
      if (out == NULL) {
        *oom = 1;
        return NULL;
      }
      snprintf(out, n, "Bearer %s", e->set.bearer);
      named = 1;
    }
    e->auth_done = 1;
  }
  /* a method that needs another round trip, and a body to send: ask with
   * an empty one first */
  e->auth_probe = named && !e->auth_done && body;
  return out;
}

/* Pick the method for the next request from what the 401s offered and
 * HTTPAUTH allows, in libcurl's order of preference. 1 when one was. */
static int pick_auth(ferry_easy *e) {
  unsigned long avail = e->auth_avail & e->set.httpauth;

  if (e->set.bearer == NULL)
    avail &= ~AUTH_BEARER;
  e->auth_avail = 0;
  if (avail & AUTH_BEARER)
    e->auth_picked = AUTH_BEARER;
  else if (avail & AUTH_DIGEST)
    e->auth_picked = AUTH_DIGEST;
  else if (avail & AUTH_BASIC)
    e->auth_picked = AUTH_BASIC;
  else {
    e->auth_picked = AUTH_PICKNONE;
    return 0;
  }
  return 1;
}

/* A 401's challenges: what is offered, and the Digest challenge taken in
 * (even when Digest is not wanted yet, as libcurl does). A challenge that
 * shows the credentials just sent were refused is a problem: this
 * transfer stops asking. */
static ferry_code take_challenges(ferry_easy *e) {
  const char *v = e->www_auth;

  if (ferry__auth_offers(v, "Digest")) {
    if (e->auth_avail & AUTH_DIGEST) {
      if (ferry__trace_on(e))
        ferry__infof(e, "Ignoring a second Digest challenge");
    } else {
      int before = e->digest.nonce != NULL;
      int r = ferry__digest_challenge(&e->digest, v);
      e->auth_avail |= AUTH_DIGEST;
      if (r < 0)
        return FERRYE_OUT_OF_MEMORY;
      /* a new nonce that is not stale after one was answered: the
       * credentials were refused */
      if (r == 0 || (before && !e->digest.stale)) {
        e->auth_problem = 1;
        if (ferry__trace_on(e))
          ferry__infof(e, "Digest challenge refused: no more asking");
      }
    }
  }
  if (ferry__auth_offers(v, "Basic")) {
    e->auth_avail |= AUTH_BASIC;
    if (e->auth_picked == AUTH_BASIC) {
      /* Basic went with the request, and was refused */
      e->auth_avail = 0;
      e->auth_problem = 1;
    }
  }
  if (ferry__auth_offers(v, "Bearer")) {
    e->auth_avail |= AUTH_BEARER;
    if (e->auth_picked == AUTH_BEARER) {
      e->auth_avail = 0;
      e->auth_problem = 1;
    }
  }
  return FERRYE_OK;
}

ferry_code ferry__http_check_auth(ferry_easy *e, int status) {
  int retry = 0;

  e->auth_retry = 0;
  if (status == 401 && e->www_auth != NULL)
    e->httpauth_avail |= ferry__http_auth_bits(e->www_auth);
  if (status == 401 && e->www_auth != NULL) {
    ferry_code rc = take_challenges(e);
    if (rc != FERRYE_OK)
      return rc;
  }
  if (e->auth_problem)
    return FERRYE_OK;
  if (has_credentials(e) &&
      (status == 401 || (e->auth_probe && status < 300))) {
    if (pick_auth(e))
      retry = 1;
    else
      e->auth_problem = 1;
  }
  if (!retry && status < 300 && e->auth_probe && !e->auth_done) {
    /* the probe needed no credentials: send the body now */
    retry = 1;
    e->auth_done = 1;
  }
  if (retry) {
    e->auth_retry = 1;
    e->follow = 1; /* this response's body is not the transfer's data */
  }
  return FERRYE_OK;
}

void ferry__http_auth_start(ferry_easy *e) {
  e->auth_problem = 0;
  e->auth_probe = 0;
  e->auth_retry = 0;
  /* a pick stays only while HTTPAUTH allows it */
  e->auth_picked &= e->set.httpauth;
}

void ferry__http_auth_forget(ferry_easy *e) {
  ferry__digest_free(&e->digest);
  e->auth_picked = e->auth_avail = 0;
  e->auth_done = e->auth_problem = e->auth_probe = e->auth_retry = 0;
}

/* May this hop set and get Secure cookies? Over https, and, as in libcurl
 * (and RFC 6265bis), on the loopback names: localhost, 127.0.0.1, ::1. */
static int cookie_secure_origin(const ferry_easy *e) {
  const char *h = e->url.host;
  return ferry__url_scheme_tls(e->url.scheme) || strcasecmp(h, "localhost") == 0 ||
         strcmp(h, "127.0.0.1") == 0 || strcmp(h, "::1") == 0;
}

/* The lock of the handle's jar when it is a share's (NULL: its own). */
static const ferry__lock *cookie_lock(const ferry_easy *e) {
  return ferry__lock_for(&e->lock, FERRY_LOCK_DATA_COOKIE);
}

/* The cookie engine's Cookie value for this hop, or NULL. */
static ferry_code cookie_header(ferry_easy *e, char **out) {
  const ferry__lock *l = cookie_lock(e);
  size_t left_out = 0;
  ferry_code rc;

  *out = NULL;
  if (e->cookies == NULL || !e->cookie_engine)
    return FERRYE_OK;
  /* it drops expired cookies: a change */
  ferry__lock_write(l, FERRY_LOCK_DATA_COOKIE);
  rc = ferry__cookie_header(e->cookies, e->url.host, e->url.path,
                            cookie_secure_origin(e), out, &left_out);
  ferry__unlock(l, FERRY_LOCK_DATA_COOKIE);
  if (rc == FERRYE_OK && left_out && ferry__trace_on(e))
    ferry__infof(e, "Left out %zu cookies: the Cookie header would pass "
                 "%d bytes", left_out, FERRY__COOKIE_MAX_HEADER);
  return rc;
}

/* A form (MIMEPOST, or HTTPPOST made into a mime once per transfer) as
 * the hop's body: prepared with the user's own Content-Type, if any, and
 * read and rewound by the engine like a READFUNCTION upload. */
static ferry_code form_body(ferry_easy *e, ferry__h1_request *r) {
  ferry_mime *m = e->set.mimepost;
  ferry_code rc;

  if (e->set.form_httppost) {
    if (e->form_mime == NULL) {
      rc = ferry__form_to_mime(&e->form_mime, e->set.httppost,
                               e->set.readfn, 1);
      if (rc == FERRYE_READ_ERROR)
        snprintf(e->errtext, sizeof(e->errtext),
                 "a file of the HTTPPOST form cannot be read");
      if (rc != FERRYE_OK)
        return rc;
    }
    m = e->form_mime;
  }
  rc = ferry__mime_prepare(
      m, ferry__h1_user_header_value(e->set.httpheader, "Content-Type"),
      e->set.mime_options);
  if (rc != FERRYE_OK) {
    if (rc == FERRYE_SEND_FAIL_REWIND)
      snprintf(e->errtext, sizeof(e->errtext), "%s", m->errtext);
    return rc;
  }
  e->upload_mime = m;
  e->stream.pull = 1;
  r->body_len = ferry__mime_size(m) >= 0 ? ferry__mime_size(m) : -2;
  r->mime_content_type = ferry__mime_content_type(m);
  return FERRYE_OK;
}

/* ---- NETRC ------------------------------------------------------------ *
 *
 * As libcurl 8.17 does: NETRC_FILE, else the file $NETRC names, else
 * .netrc in $HOME (or the user's home directory from the password
 * database). Not with USERPWD or USERNAME set. With NETRC_OPTIONAL the
 * URL's password, when it has one, wins and the file is not read; with
 * NETRC_REQUIRED the file's password wins. The URL's user name, on the
 * host it was given for, picks the entry with that login. A redirect to
 * another host looks that host up (without the first URL's user name):
 * what the file gives a host goes to that host, whatever the redirect.
 * A missing or unreadable file, and a syntax error, fail the transfer
 * with FERRYE_READ_ERROR under NETRC_REQUIRED and are only traced under
 * NETRC_OPTIONAL; no entry for the host is never an error. */

static void netrc_forget(ferry_easy *e) {
  if (e->netrc_user)
    memset(e->netrc_user, 0, strlen(e->netrc_user));
  ferry__free(e->netrc_user);
  e->netrc_user = NULL;
  if (e->netrc_password)
    memset(e->netrc_password, 0, strlen(e->netrc_password));
  ferry__free(e->netrc_password);
  e->netrc_password = NULL;
}

/* The netrc file's name (a new string), or NULL when out of memory or
 * there is no home directory to look in (*no_home set). */
static char *netrc_path(const ferry_easy *e, int *no_home) {
  const char *env = getenv("NETRC"), *home;
  struct passwd pw, *found = NULL;
  char pwbuf[1024];
  size_t n;
  char *path;

  *no_home = 0;
  if (e->set.netrc_file)
    return ferry__strdup(e->set.netrc_file);
  if (env && *env)
    return ferry__strdup(env);
  home = getenv("HOME");
  if (home == NULL || *home == '\0') {
    if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &found) != 0 ||
        found == NULL || found->pw_dir == NULL) {
      *no_home = 1;
      return NULL;
    }
    home = found->pw_dir;
  }
  n = strlen(home) + sizeof("/.netrc");
  path = ferry__malloc(n);
  if (path != NULL)
    snprintf(path, n, "%s/.netrc", home);
  return path;
}

/* Read at most FERRY__NETRC_MAX_FILE bytes of path into a new buffer.
 * 0, -1 (cannot be read: *why), -2 (larger), -3 (out of memory). */
static int netrc_read(const char *path, char **text, size_t *len) {
  FILE *f = fopen(path, "rb");
  size_t n;

  *text = NULL;
  *len = 0;
  if (f == NULL)
    return -1;
  *text = ferry__malloc(FERRY__NETRC_MAX_FILE + 1);
  if (*text == NULL) {
    fclose(f);
    return -3;
  }
  n = fread(*text, 1, FERRY__NETRC_MAX_FILE + 1, f);
  if (ferror(f)) {
    fclose(f);
    ferry__free(*text);
    *text = NULL;
    return -1;
  }
  fclose(f);
  if (n > FERRY__NETRC_MAX_FILE) {
    ferry__free(*text);
    *text = NULL;
    return -2;
  }
  *len = n;
  return 0;
}

/* NETRC's credentials for this hop, into e->netrc_user and
 * e->netrc_password (none when the file gives none). */
static ferry_code netrc_credentials(ferry_easy *e) {
  const char *login = NULL, *problem = NULL;
  char *path, *text = NULL;
  size_t len = 0;
  int no_home, r;
  ferry__netrc_result nr;

  netrc_forget(e);
  if (e->set.netrc == FERRY_NETRC_IGNORED || e->set.userpwd ||
      e->set.username)
    return FERRYE_OK;
  if (!e->strip_auth) {
    const char *url_password = e->url.user ? e->url.password
                                           : e->first_password;
    login = e->url.user ? e->url.user : e->first_user;
    if (e->set.netrc == FERRY_NETRC_OPTIONAL && login && url_password)
      return FERRYE_OK; /* the URL's own password is preferred */
  }
  path = netrc_path(e, &no_home);
  if (path == NULL && !no_home)
    return FERRYE_OUT_OF_MEMORY;
  r = path ? netrc_read(path, &text, &len) : -1;
  if (r == -3) {
    ferry__free(path);
    return FERRYE_OUT_OF_MEMORY;
  }
  if (r == 0) {
    nr = ferry__netrc_find(text, len, e->url.host, login, &e->netrc_user,
                           &e->netrc_password);
    if (nr == FERRY__NETRC_NOMEM)
      r = -3;
    else if (nr == FERRY__NETRC_SYNTAX)
      problem = "syntax error";
    else if (nr == FERRY__NETRC_NO_MATCH && ferry__trace_on(e))
      ferry__infof(e, "Could not find host %s in the .netrc file %s",
                   e->url.host, path);
  } else {
    problem = r == -2 ? "file larger than 128 KiB" : "no such file";
  }
  if (text != NULL) {
    memset(text, 0, len);
    ferry__free(text);
  }
  if (r == -3) {
    ferry__free(path);
    return FERRYE_OUT_OF_MEMORY;
  }
  if (problem != NULL) {
    if (e->set.netrc == FERRY_NETRC_REQUIRED) {
      snprintf(e->errtext, sizeof(e->errtext), ".netrc error: %s (%s)",
               problem, path ? path : "no home directory");
      ferry__free(path);
      return FERRYE_READ_ERROR;
    }
    if (ferry__trace_on(e))
      ferry__infof(e, ".netrc file %s not used: %s",
                   path ? path : "(no home directory)", problem);
  }
  ferry__free(path);
  return FERRYE_OK;
}

ferry_code ferry__http_build_request(ferry_easy *e) {
  ferry__h1_request r;
  char *target = NULL, *host = NULL, *auth = NULL, *cookies = NULL;
  char *proxy_auth = NULL;
  char *range_line = NULL, *cond_line = NULL;
  char h2c[64];
  ferry_code rc = FERRYE_OUT_OF_MEMORY;
  int has_body = 0, oom = 0;

  memset(&r, 0, sizeof(r));
  e->hsts_taken = 0; /* a new request: its response's header counts */
  /* a hop starts when its request is made (QUEUE_TIME_T and
   * POSTTRANSFER_TIME_T count from here) */
  e->t_hop = uv_hrtime();
  e->hop_queued = 0;
  if (!e->use_proxy || e->tunnel)
    e->proxyauth_used = 0; /* a CONNECT sets it when the tunnel is made */
  rc = netrc_credentials(e);
  if (rc != FERRYE_OK)
    return rc;
  rc = FERRYE_OUT_OF_MEMORY;
  r.method = ferry__http_method(e);
  r.body_len = -1;
  e->upload_mime = NULL;
  if (e->ws != NULL && ferry__ws_hop(e)) {
    /* a WebSocket's opening handshake: a GET without a body (RFC 6455
     * 4.1; with UPLOAD, the read callback gives frames once upgraded),
     * CUSTOMREQUEST aside, as libcurl */
    r.ws_key = e->ws->key;
    e->stream.upgrade = 1;
  } else if (e->hop_get) {
    /* a redirect turned the request into a GET: no body */
  } else if (e->set.form_post) {
    rc = form_body(e, &r);
    if (rc != FERRYE_OK)
      return rc;
    has_body = 1;
  } else if (e->set.upload && !e->set.nobody) {
    e->stream.pull = 1;
    r.body_len = e->set.infilesize >= 0 ? e->set.infilesize : -2;
    has_body = 1;
  } else if ((e->set.post || e->set.postfields) && !e->set.nobody) {
    has_body = 1;
    r.form_content_type = 1;
    if (e->set.postfields) {
      e->stream.body = e->set.postfields;
      r.body_len = e->set.postfieldsize >= 0
                       ? e->set.postfieldsize
                       : (ferry_off_t)strlen(e->stream.body);
    } else {
      /* POST=1 without POSTFIELDS reads the body from the read callback */
      e->stream.pull = 1;
      r.body_len = e->set.postfieldsize >= 0 ? e->set.postfieldsize
                   : e->set.infilesize >= 0  ? e->set.infilesize
                                             : -2;
    }
  }
  e->stream.body_len = has_body ? r.body_len : -1;
  e->stream.is_head = e->set.nobody && !has_body && r.ws_key == NULL;
  /* RANGE, RESUME_FROM and TIMECONDITION (partial.c): a resumed upload
   * sends less */
  rc = ferry__partial_request(e, &range_line, &cond_line);
  if (rc != FERRYE_OK)
    goto done;
  rc = FERRYE_OUT_OF_MEMORY;
  if (has_body)
    r.body_len = e->stream.body_len;
  r.range_line = range_line;
  r.cond_line = cond_line;
  /* through a proxy without a tunnel, the request names the whole URL */
  if (e->use_proxy && !e->tunnel) {
    target = ferry__url_proxy_target(&e->url);
    proxy_auth = ferry__proxy_authorization(e, &oom);
    if (oom)
      goto done;
    e->proxyauth_used = proxy_auth ? FERRYAUTH_BASIC : 0;
    r.proxy_authorization = proxy_auth;
    r.proxy_keepalive = 1;
    /* HEADEROPT UNIFIED: HTTPHEADER alone goes to the proxy too */
    r.proxy_headers = e->set.headeropt_unified ? NULL : e->set.proxyheader;
  } else {
    target = ferry__url_request_target(&e->url);
  }
  if (e->set.request_target != NULL && target != NULL) {
    /* REQUEST_TARGET replaces the path and query, or the whole URL a
     * proxy would get, in every request (as in libcurl) */
    ferry__free(target);
    target = ferry__strdup(e->set.request_target);
  }
  auth = authorization(e, r.method, target, has_body, &oom);
  if (oom)
    goto done;
  /* HTTPAUTH_USED: what this request's Authorization is */
  e->auth_used = auth == NULL                      ? 0
                 : strncmp(auth, "Basic ", 6) == 0  ? FERRYAUTH_BASIC
                 : strncmp(auth, "Digest ", 7) == 0 ? FERRYAUTH_DIGEST
                                                    : FERRYAUTH_BEARER;
  if (e->auth_probe) {
    /* As libcurl's authneg: the body waits for the challenge. This
     * request says "Content-Length: 0" (the user's own Content-Length
     * left out), with POSTFIELDS' default Content-Type but no form's, no
     * Expect, nothing read from the body's source. */
    e->stream.body = NULL;
    e->stream.pull = 0;
    e->stream.body_len = r.body_len = 0;
    e->upload_mime = NULL;
    r.mime_content_type = NULL;
    r.form_probe = e->set.form_post;
    r.auth_probe = 1;
  }
  /* Ask first before a large or unknown-size body, as libcurl does (over
   * 1 MiB): the server can refuse it before it is sent. An "Expect:" of
   * the user's own (empty, to turn it off) wins. */
  e->stream.expect_100 = has_body &&
                         (r.body_len == -2 || r.body_len > 1024 * 1024) &&
                         !ferry__h1_user_sets_header(e->set.httpheader, "Expect");
  r.expect_100 = e->stream.expect_100;
  /* HTTP_VERSION 1.0: that request line, no Expect, and no chunks */
  if (e->set.httpversion == FERRY_HTTP_VERSION_1_0) {
    r.http10 = 1;
    e->stream.expect_100 = r.expect_100 = 0;
    if (r.body_len == -2 &&
        !ferry__h1_user_sets_header(e->set.httpheader, "Transfer-Encoding")) {
      snprintf(e->errtext, sizeof(e->errtext),
               "Chunky upload is not supported by HTTP 1.0");
      rc = FERRYE_UPLOAD_FAILED;
      goto done;
    }
  }
  host = ferry__url_host_header(&e->url);
  if (target == NULL || host == NULL ||
      cookie_header(e, &cookies) != FERRYE_OK)
    goto done;
  r.target = target;
  r.host = host;
  r.user_agent = e->set.useragent;
  r.headers = e->set.httpheader;
  r.authorization = auth;
  r.referer = e->hop_referer ? e->hop_referer : e->set.referer;
  if (e->set.accept_encoding)
    r.accept_encoding = e->set.accept_encoding[0] ? e->set.accept_encoding
                                                  : ferry__decoder_all();
  r.strip_credentials = e->strip_auth;
  /* HTTP_VERSION 2_0 on http://: a GET or HEAD without a body asks to
   * switch to HTTP/2 (h2c), as libcurl does */
  e->stream.h2c_upgrade = 0;
  if (ferry__http_h2c_upgrade(e) && !has_body &&
      (strcmp(r.method, "GET") == 0 || strcmp(r.method, "HEAD") == 0) &&
      ferry__h2_settings_header(h2c, sizeof(h2c),
                                e->multi && e->multi->pushfn) > 0) {
    r.h2c_settings = h2c;
    e->stream.h2c_upgrade = 1;
  }
  r.cookie = cookies;
  /* the COOKIE option is the user's own, like a Cookie in HTTPHEADER */
  if (!e->strip_auth && e->set.cookie && e->set.cookie[0])
    r.cookie_option = e->set.cookie;
  ferry__buf_init(&e->stream.head, SIZE_MAX / 2);
  rc = ferry__h1_build_request(&e->stream.head, &r);
  if (rc != FERRYE_OK)
    goto done;
  if (e->stream.body && e->stream.body_len >= 0 &&
      e->stream.body_len <= FERRY__INLINE_BODY_MAX) {
    if (ferry__buf_add(&e->stream.head, e->stream.body,
                       (size_t)e->stream.body_len)) {
      rc = FERRYE_OUT_OF_MEMORY;
      goto done;
    }
    e->stream.body_sent = e->stream.body_len; /* it travels inside the head */
  }
  ferry__buf_fit(&e->stream.head);
  rc = FERRYE_OK;
done:
  if (auth)
    memset(auth, 0, strlen(auth));
  ferry__free(auth);
  if (proxy_auth)
    memset(proxy_auth, 0, strlen(proxy_auth));
  ferry__free(proxy_auth);
  ferry__free(cookies);
  ferry__free(target);
  ferry__free(host);
  ferry__free(range_line);
  ferry__free(cond_line);
  return rc;
}

int ferry__http_h2c_upgrade(const ferry_easy *e) {
  return e->set.httpversion == FERRY_HTTP_VERSION_2_0 && !e->tls_hop &&
         !(e->use_proxy && !e->tunnel) &&
         !ferry__ws_hop(e); /* a WebSocket upgrades to itself */
}

ferry_code ferry__http_check_redirect(ferry_easy *e, int status) {
  ferry__free(e->redirect_url);
  e->redirect_url = NULL;
  e->follow = 0;
  /* as libcurl: any 3xx with a Location is followed when asked to; where
   * it leads is worked out once the response is in */
  if (status >= 300 && status <= 399 && e->location != NULL &&
      e->location[0] != '\0' && e->set.follow_mode)
    e->follow = 1;
  return FERRYE_OK;
}

/* Where the response's Location leads from the hop's URL, as libcurl
 * makes it to follow it (the URL API's reading of the Location over the
 * URL's, ferry__url_redirect), parsed into *next as the transfer's URL,
 * as libcurl parses the URL it follows. */
static ferry__url_err resolve_location(ferry_easy *e, ferry__url *next,
                                       const char **why) {
  ferry__url_err uerr;
  char *to = NULL;

  uerr = ferry__url_redirect(&e->url, e->location, 1, &to, why);
  if (uerr == FERRY__URL_OK)
    uerr = ferry__url_parse(next, to, e->url.flags, why);
  ferry__free(to);
  return uerr;
}

/* REDIRECT_URL: where the Location would lead, read as libcurl reads one
 * it does not follow, or the Location as it came when that fails. */
static ferry_code set_redirect_url(ferry_easy *e) {
  ferry__free(e->redirect_url);
  e->redirect_url = NULL;
  return ferry__url_redirect(&e->url, e->location, 0, &e->redirect_url,
                             NULL) == FERRY__URL_OK
             ? FERRYE_OK
             : FERRYE_OUT_OF_MEMORY;
}

ferry_code ferry__http_redirect_url(ferry_easy *e) {
  if (e->response_code < 300 || e->response_code > 399 || e->location == NULL ||
      e->location[0] == '\0')
    return FERRYE_OK;
  return set_redirect_url(e);
}

unsigned ferry__http_parse_protocols(const char *list) {
  unsigned bits = 0;
  const char *p = list;

  if (list == NULL)
    return 0;
  while (*p) {
    size_t n = strcspn(p, ",");
    if (n == 3 && strncasecmp(p, "all", 3) == 0)
      bits |= FERRY__PROTO_ALL;
    else if (n == 4 && strncasecmp(p, "http", 4) == 0)
      bits |= FERRY__PROTO_HTTP;
    else if (n == 5 && strncasecmp(p, "https", 5) == 0)
      bits |= FERRY__PROTO_HTTPS;
    else if (n == 2 && strncasecmp(p, "ws", 2) == 0)
      bits |= FERRY__PROTO_WS;
    else if (n == 3 && strncasecmp(p, "wss", 3) == 0)
      bits |= FERRY__PROTO_WSS;
    /* other libcurl protocol names are known but never available here */
    p += n;
    if (*p == ',')
      p++;
  }
  return bits;
}

unsigned ferry__http_proto_bit(const ferry__url *u) {
  if (ferry__url_scheme_ws(u->scheme))
    return ferry__url_scheme_tls(u->scheme) ? FERRY__PROTO_WSS
                                            : FERRY__PROTO_WS;
  return ferry__url_scheme_tls(u->scheme) ? FERRY__PROTO_HTTPS
                                          : FERRY__PROTO_HTTP;
}

/* What the options make of the request, CUSTOMREQUEST aside (libcurl's
 * httpreq), in ferry__http_method's order: a GET once a redirect made it
 * one. */
enum { REQ_GET, REQ_POST, REQ_PUT, REQ_HEAD };

static int request_kind(const ferry_easy *e) {
  if (e->hop_get)
    return REQ_GET;
  if (e->set.nobody)
    return REQ_HEAD;
  if (e->set.form_post)
    return REQ_POST; /* MIMEPOST or HTTPPOST */
  if (e->set.upload)
    return REQ_PUT;
  if (e->set.post || e->set.postfields)
    return REQ_POST;
  return REQ_GET;
}

ferry_code ferry__http_next_hop(ferry_easy *e, ferry__url *next) {
  const char *why = NULL;
  ferry__url_err uerr;
  char *origin;
  int status = (int)e->response_code;
  int kind = request_kind(e);

  /* as libcurl, an authentication retry counts as a redirect: MAXREDIRS
   * bounds it, REDIRECT_COUNT counts it, AUTOREFERER names the URL */
  if (e->set.maxredirs >= 0 && e->redirect_count >= e->set.maxredirs) {
    ferry_code rc;
    if (e->auth_retry) {
      ferry__free(e->redirect_url);
      e->redirect_url = ferry__url_to_string(&e->url, 1, 0);
      rc = e->redirect_url ? FERRYE_OK : FERRYE_OUT_OF_MEMORY;
    } else {
      rc = set_redirect_url(e);
    }
    if (rc != FERRYE_OK)
      return rc;
    snprintf(e->errtext, sizeof(e->errtext), "Maximum (%ld) redirects followed",
             e->set.maxredirs);
    return FERRYE_TOO_MANY_REDIRECTS;
  }
  e->redirect_count++;
  if (e->set.autoreferer) {
    ferry__free(e->hop_referer);
    e->hop_referer = ferry__url_to_string(&e->url, 0, 1);
    if (e->hop_referer == NULL)
      return FERRYE_OUT_OF_MEMORY;
  }
  if (e->auth_retry)
    return ferry__url_copy(next, &e->url) == FERRY__URL_OK
               ? FERRYE_OK
               : FERRYE_OUT_OF_MEMORY;
  uerr = resolve_location(e, next, &why);
  if (uerr == FERRY__URL_NOMEM)
    return FERRYE_OUT_OF_MEMORY;
  if (uerr != FERRY__URL_OK) {
    snprintf(e->errtext, sizeof(e->errtext),
             "The redirect target URL could not be parsed: %s",
             why ? why : "bad URL");
    return uerr == FERRY__URL_UNSUPPORTED_SCHEME ? FERRYE_UNSUPPORTED_PROTOCOL
                                                 : FERRYE_URL_MALFORMAT;
  }
  /* a known HSTS host is only ever asked over https, redirects included */
  if (ferry__http_hsts_upgrade(e, next, NULL) != FERRYE_OK) {
    ferry__url_free(next);
    return FERRYE_OUT_OF_MEMORY;
  }
  /* a WebSocket transfer stays one (ws:// or wss://), and an HTTP one
   * HTTP: the request and what becomes of its answer differ */
  if (ferry__url_scheme_ws(next->scheme) !=
      ferry__url_scheme_ws(e->url.scheme)) {
    snprintf(e->errtext, sizeof(e->errtext),
             "Redirect from %s:// to %s:// refused: a %s transfer does not "
             "turn into a%s one",
             e->url.scheme, next->scheme,
             ferry__url_scheme_ws(e->url.scheme) ? "WebSocket" : "HTTP",
             ferry__url_scheme_ws(e->url.scheme) ? "n HTTP" : " WebSocket");
    ferry__url_free(next);
    return FERRYE_UNSUPPORTED_PROTOCOL;
  }
  /* from now on REDIR_PROTOCOLS_STR applies (prepare_hop checks it, once
   * the hop's URL is the transfer's, as in libcurl) */
  e->followed = 1;
  /* As libcurl decides, from what the options make of the request (its
   * kind), not from a CUSTOMREQUEST: 303 makes anything but a GET a GET
   * without a body (a HEAD stays a HEAD; a POST stays with POSTREDIR's 303
   * bit); 301 and 302 turn a POST into a GET unless POSTREDIR keeps it;
   * 307, 308 and the other 3xx keep the method and body. A CUSTOMREQUEST
   * method stays in use after such a switch with FOLLOWLOCATION 1
   * (FERRYFOLLOW_ALL); OBEYCODE drops it from then on; FIRSTONLY drops it
   * after the first request. */
  if ((status == 303 && kind != REQ_GET &&
       !(kind == REQ_POST && (e->set.postredir & 4))) ||
      (status == 301 && kind == REQ_POST && !(e->set.postredir & 1)) ||
      (status == 302 && kind == REQ_POST && !(e->set.postredir & 2))) {
    e->hop_get = 1;
    if (e->set.follow_mode == FERRYFOLLOW_OBEYCODE)
      e->ignore_custom = 1;
  }
  if (e->set.follow_mode == FERRYFOLLOW_FIRSTONLY)
    e->ignore_custom = 1;
  origin = ferry__http_origin(next);
  if (origin == NULL) {
    ferry__url_free(next);
    return FERRYE_OUT_OF_MEMORY;
  }
  e->strip_auth = !e->set.unrestricted_auth && e->first_host &&
                  strcmp(origin, e->first_host) != 0;
  ferry__free(origin);
  return FERRYE_OK;
}

static void free_secret(char **s) {
  if (*s)
    memset(*s, 0, strlen(*s));
  ferry__free(*s);
  *s = NULL;
}

void ferry__http_forget_first_userinfo(ferry_easy *e) {
  free_secret(&e->first_user);
  free_secret(&e->first_password);
  netrc_forget(e);
}

unsigned long ferry__http_auth_bits(const char *challenges) {
  /* the schemes ferry speaks; a server's NTLM or Negotiate is left out,
   * as a libcurl built without them leaves them out */
  return (ferry__auth_offers(challenges, "Basic") ? FERRYAUTH_BASIC : 0) |
         (ferry__auth_offers(challenges, "Digest") ? FERRYAUTH_DIGEST : 0) |
         (ferry__auth_offers(challenges, "Bearer") ? FERRYAUTH_BEARER : 0);
}

void ferry__http_reset_infos(ferry_easy *e) {
  e->httpauth_avail = 0;
  e->queue_us = e->posttransfer_us = 0;
  e->delivered = 0;
  e->auth_used = e->proxyauth_used = 0;
}

/* Remember where credentials may go, the first hop's origin, and the
 * first URL's userinfo. */
ferry_code ferry__http_first_hop(ferry_easy *e) {
  ferry_code rc;
  int switched = 0;

  ferry__http_auth_start(e);
  e->ignore_custom = 0;
  ferry__http_reset_infos(e);
  ferry__free(e->first_host);
  ferry__http_forget_first_userinfo(e);
  /* HSTS first: the URL may go to https before anything is decided */
  rc = ferry__http_hsts_load(e);
  if (rc != FERRYE_OK)
    return rc;
  rc = ferry__http_hsts_upgrade(e, &e->url, &switched);
  if (rc != FERRYE_OK)
    return rc;
  if (switched)
    e->url_cached = 0; /* e->url is no longer the option's parse */
  e->first_host = ferry__http_origin(&e->url);
  if (e->first_host == NULL)
    return FERRYE_OUT_OF_MEMORY;
  if (e->url.user && (e->first_user = ferry__strdup(e->url.user)) == NULL)
    return FERRYE_OUT_OF_MEMORY;
  if (e->url.password &&
      (e->first_password = ferry__strdup(e->url.password)) == NULL)
    return FERRYE_OUT_OF_MEMORY;
  /* RESOLVE entries set since the last transfer go into the DNS cache the
   * handle uses (the multi's or the share's), as libcurl does */
  e->dns.resolve = e->set.resolve;
  e->dns.ttl = e->set.dns_cache_timeout;
  if (ferry__dns_load_resolve(&e->multi->dns, &e->dns) != FERRYE_OK)
    return FERRYE_OUT_OF_MEMORY;
  return ferry__http_cookies_load(e, 0);
}

/* ---- cookies ---------------------------------------------------------- *
 *
 * Without a share the jar belongs to the easy handle, as in libcurl: its
 * cookies last across the handle's transfers, ferry_easy_reset keeps
 * them, and ferry_easy_cleanup writes them to COOKIEJAR. With a share that
 * shares cookies, e->cookies is the share's jar (or NULL while the engine
 * is off), and every use of it is made under the share's COOKIE lock,
 * around the jar's own work only: traces come after the unlock. */

/* Is e->cookies a jar of the handle's own (not a share's)? */
static int own_jar(const ferry_easy *e) {
  return e->cookies != NULL && e->cookies != ferry__share_cookies(e->share);
}

ferry_code ferry__http_cookies_enable(ferry_easy *e) {
  e->cookie_engine = 1;
  if (e->cookies != NULL)
    return FERRYE_OK;
  e->cookies = ferry__share_cookies(e->share);
  if (e->cookies == NULL && (e->cookies = ferry__cookie_jar_new()) == NULL)
    return FERRYE_OUT_OF_MEMORY;
  return FERRYE_OK;
}

void ferry__http_cookies_free(ferry_easy *e) {
  if (own_jar(e))
    ferry__cookie_jar_free(e->cookies);
  e->cookies = NULL;
}

ferry_code ferry__http_cookiefile(ferry_easy *e, const char *name) {
  ferry_slist *l;

  if (name == NULL) {
    /* as in libcurl 7.77 and later: the engine is off, the list empty (a
     * share's jar stays as it is) */
    ferry_slist_free_all(e->set.cookiefiles);
    e->set.cookiefiles = NULL;
    e->set.cookiefiles_loaded = 0;
    ferry__http_cookies_free(e);
    return FERRYE_OK;
  }
  if (ferry__http_cookies_enable(e) != FERRYE_OK)
    return FERRYE_OUT_OF_MEMORY;
  if (name[0] == '\0')
    return FERRYE_OK; /* the engine on, nothing to read */
  l = ferry_slist_append(e->set.cookiefiles, name);
  if (l == NULL)
    return FERRYE_OUT_OF_MEMORY;
  e->set.cookiefiles = l;
  return FERRYE_OK;
}

ferry_code ferry__http_cookies_load(ferry_easy *e, int all) {
  const ferry_slist *f;
  size_t i = 0;

  if (e->cookies == NULL)
    return FERRYE_OK;
  for (f = e->set.cookiefiles; f != NULL; f = f->next, i++) {
    const ferry__lock *l = cookie_lock(e);
    ferry_code rc;
    if (!all && i < e->set.cookiefiles_loaded)
      continue;
    ferry__lock_write(l, FERRY_LOCK_DATA_COOKIE);
    rc = ferry__cookie_load(e->cookies, f->data, e->set.cookiesession);
    ferry__unlock(l, FERRY_LOCK_DATA_COOKIE);
    if (rc == FERRYE_OUT_OF_MEMORY)
      return rc; /* the files from this one on are read next time */
    if (rc != FERRYE_OK && ferry__trace_on(e))
      ferry__infof(e, "Could not read cookie file %s", f->data);
    e->set.cookiefiles_loaded = i + 1;
  }
  return FERRYE_OK;
}

ferry_code ferry__http_cookies_flush(ferry_easy *e) {
  ferry_code rc;

  if (e->cookies == NULL || e->set.cookiejar == NULL)
    return FERRYE_OK;
  /* files not read yet are read first, so that writing a jar that is
   * also a COOKIEFILE never loses what the file held */
  rc = ferry__http_cookies_load(e, 0);
  if (rc == FERRYE_OK) {
    /* writing the file only reads the jar */
    ferry__lock_read(cookie_lock(e), FERRY_LOCK_DATA_COOKIE);
    rc = ferry__cookie_save(e->cookies, e->set.cookiejar);
    ferry__unlock(cookie_lock(e), FERRY_LOCK_DATA_COOKIE);
  }
  if (rc != FERRYE_OK && ferry__trace_on(e))
    ferry__infof(e, "Could not write cookie jar %s", e->set.cookiejar);
  return rc;
}

/* Trace what became of a cookie. */
static void trace_cookie(ferry_easy *e, ferry__cookie_result res,
                         const char *what, size_t len, const char *why) {
  int n = (int)(len > 200 ? 200 : len);
  if (!ferry__trace_on(e))
    return;
  if (res == FERRY__COOKIE_REJECTED)
    ferry__infof(e, "Ignored cookie (%s): %.*s", why ? why : "malformed", n,
                 what);
  else if (res == FERRY__COOKIE_EXPIRED)
    ferry__infof(e, "Cookie expired at once, removed: %.*s", n, what);
}

ferry_code ferry__http_set_cookie(ferry_easy *e, const char *line, size_t len) {
  static const char name[] = "Set-Cookie:";
  const size_t n = sizeof(name) - 1;
  const char *why = NULL;
  ferry__cookie_result res;

  if (e->cookies == NULL || !e->cookie_engine || len < n ||
      strncasecmp(line, name, n) != 0)
    return FERRYE_OK;
  ferry__lock_write(cookie_lock(e), FERRY_LOCK_DATA_COOKIE);
  res = ferry__cookie_set(e->cookies, line + n, len - n, e->url.host,
                          e->url.path, cookie_secure_origin(e), &why);
  ferry__unlock(cookie_lock(e), FERRY_LOCK_DATA_COOKIE);
  if (res == FERRY__COOKIE_NOMEM)
    return FERRYE_OUT_OF_MEMORY;
  trace_cookie(e, res, line, len, why);
  return FERRYE_OK;
}

ferry_code ferry__http_cookielist(ferry_easy *e, const char *cmd) {
  static const char set_cookie[] = "Set-Cookie:";
  const size_t n = sizeof(set_cookie) - 1;
  const char *why = NULL;
  int engine;
  ferry__cookie_result res;

  if (cmd == NULL)
    return FERRYE_OK;
  if (strcasecmp(cmd, "ALL") == 0 || strcasecmp(cmd, "SESS") == 0) {
    if (e->cookies) {
      ferry__lock_write(cookie_lock(e), FERRY_LOCK_DATA_COOKIE);
      ferry__cookie_jar_clear(e->cookies, cmd[0] == 'S' || cmd[0] == 's');
      ferry__unlock(cookie_lock(e), FERRY_LOCK_DATA_COOKIE);
    }
    return FERRYE_OK;
  }
  if (strcasecmp(cmd, "FLUSH") == 0)
    return ferry__http_cookies_flush(e);
  /* as libcurl: a jar made now turns the engine on; the share's jar,
   * already there, leaves it as it was */
  engine = e->cookie_engine || e->cookies == NULL;
  if (ferry__http_cookies_enable(e) != FERRYE_OK)
    return FERRYE_OUT_OF_MEMORY;
  e->cookie_engine = engine;
  if (strcasecmp(cmd, "RELOAD") == 0)
    return ferry__http_cookies_load(e, 1);
  /* a cookie: a Set-Cookie header line, or a line of a cookie file. A
   * malformed one is ignored with FERRYE_OK, as libcurl does. */
  ferry__lock_write(cookie_lock(e), FERRY_LOCK_DATA_COOKIE);
  if (strncasecmp(cmd, set_cookie, n) == 0)
    res = ferry__cookie_set(e->cookies, cmd + n, strlen(cmd + n), NULL, NULL,
                            1, &why);
  else
    res = ferry__cookie_add_netscape(e->cookies, cmd, strlen(cmd), 0, &why);
  ferry__unlock(cookie_lock(e), FERRY_LOCK_DATA_COOKIE);
  if (res == FERRY__COOKIE_NOMEM)
    return FERRYE_OUT_OF_MEMORY;
  trace_cookie(e, res, cmd, strlen(cmd), why);
  return FERRYE_OK;
}

ferry_code ferry__http_cookie_list(ferry_easy *e, ferry_slist **out) {
  ferry_code rc;

  *out = NULL;
  if (e->cookies == NULL)
    return FERRYE_OK;
  ferry__lock_read(cookie_lock(e), FERRY_LOCK_DATA_COOKIE);
  rc = ferry__cookie_list(e->cookies, out);
  ferry__unlock(cookie_lock(e), FERRY_LOCK_DATA_COOKIE);
  return rc;
}

ferry_code ferry__http_trailers(ferry_easy *e, ferry__buf *out) {
  ferry_multi *m = e->multi;
  ferry_slist *trailers = NULL, *t;
  ferry_code rc = FERRYE_OUT_OF_MEMORY;
  int cb;

  if (e->set.trailerfn == NULL)
    return FERRYE_OK;
  FERRY__CALLBACK_ENTER(m);
  cb = e->set.trailerfn(&trailers, e->set.trailerdata);
  FERRY__CALLBACK_LEAVE(m);
  if (cb != FERRY_TRAILERFUNC_OK) {
    snprintf(e->errtext, sizeof(e->errtext),
             "operation aborted by trailing headers callback");
    rc = FERRYE_ABORTED_BY_CALLBACK;
    goto done;
  }
  for (t = trailers; t != NULL; t = t->next) {
    /* only "Name: value" lines, as libcurl, and never a line break */
    const char *colon = t->data ? strchr(t->data, ':') : NULL;
    if (colon == NULL || colon[1] != ' ' || strpbrk(t->data, "\r\n") != NULL) {
      if (ferry__trace_on(e))
        ferry__infof(e, "Malformatted trailing header, skipping trailer");
      continue;
    }
    if (ferry__buf_cat(out, t->data, "\r\n", NULL))
      goto done;
  }
  rc = FERRYE_OK;
done:
  ferry_slist_free_all(trailers);
  return rc;
}

/* ---- HSTS ------------------------------------------------------------- *
 *
 * As in libcurl without a share, the store belongs to the easy handle: it
 * lasts across the handle's transfers and ferry_easy_reset, the HSTS files
 * are read at every transfer start, and ferry_easy_cleanup writes the last
 * one. With a share that shares HSTS, e->hsts is the share's store (or
 * NULL while HSTS is off), used under the share's HSTS lock around the
 * store's own work: the HSTS callbacks and traces run unlocked. */

static int *callback_counter(ferry_easy *e) {
  return e->multi ? &e->multi->in_callback : NULL;
}

static const ferry__lock *hsts_lock(const ferry_easy *e) {
  return ferry__lock_for(&e->lock, FERRY_LOCK_DATA_HSTS);
}

static ferry_code hsts_enable(ferry_easy *e) {
  if (e->hsts != NULL)
    return FERRYE_OK;
  e->hsts = ferry__share_hsts(e->share);
  if (e->hsts == NULL && (e->hsts = ferry__hsts_new()) == NULL)
    return FERRYE_OUT_OF_MEMORY;
  return FERRYE_OK;
}

void ferry__http_hsts_free(ferry_easy *e) {
  if (e->hsts != ferry__share_hsts(e->share))
    ferry__hsts_free(e->hsts);
  e->hsts = NULL;
}

ferry_code ferry__http_hsts_ctrl(ferry_easy *e, long bits) {
  e->set.hsts_readonly = (bits & FERRYHSTS_READONLYFILE) != 0;
  if (bits & FERRYHSTS_ENABLE)
    return hsts_enable(e);
  ferry__http_hsts_free(e);
  return FERRYE_OK;
}

ferry_code ferry__http_hsts_file(ferry_easy *e, const char *name) {
  ferry_slist *l;

  if (name == NULL) {
    ferry_slist_free_all(e->set.hstsfiles);
    e->set.hstsfiles = NULL;
    ferry__http_hsts_free(e);
    return FERRYE_OK;
  }
  if (hsts_enable(e) != FERRYE_OK)
    return FERRYE_OUT_OF_MEMORY;
  if (name[0] == '\0')
    return FERRYE_OK; /* HSTS on, no file */
  l = ferry_slist_append(e->set.hstsfiles, name);
  if (l == NULL)
    return FERRYE_OUT_OF_MEMORY;
  e->set.hstsfiles = l;
  e->set.hstsfiles_loaded = 0;
  return FERRYE_OK;
}

/* Read every HSTS file into the store. */
static ferry_code hsts_read_files(ferry_easy *e) {
  for (const ferry_slist *f = e->set.hstsfiles; f != NULL; f = f->next) {
    ferry_code rc;
    ferry__lock_write(hsts_lock(e), FERRY_LOCK_DATA_HSTS);
    rc = ferry__hsts_load(e->hsts, f->data);
    ferry__unlock(hsts_lock(e), FERRY_LOCK_DATA_HSTS);
    if (rc == FERRYE_OUT_OF_MEMORY)
      return rc;
    if (rc != FERRYE_OK && ferry__trace_on(e))
      ferry__infof(e, "Could not read HSTS file %s", f->data);
  }
  e->set.hstsfiles_loaded = 1;
  return FERRYE_OK;
}

ferry_code ferry__http_hsts_load(ferry_easy *e) {
  ferry_code rc;

  if (e->hsts == NULL)
    return FERRYE_OK;
  rc = hsts_read_files(e);
  if (rc != FERRYE_OK || e->set.hstsreadfn == NULL)
    return rc;
  rc = ferry__hsts_read_callback(e->hsts, e->set.hstsreadfn, e,
                                 e->set.hstsreaddata, callback_counter(e),
                                 hsts_lock(e));
  if (rc == FERRYE_ABORTED_BY_CALLBACK)
    snprintf(e->errtext, sizeof(e->errtext),
             "HSTS read callback returned failure");
  else if (rc == FERRYE_BAD_FUNCTION_ARGUMENT)
    snprintf(e->errtext, sizeof(e->errtext),
             "HSTS read callback gave an entry without a host name");
  return rc;
}

ferry_code ferry__http_hsts_upgrade(ferry_easy *e, ferry__url *u,
                                   int *switched) {
  int known;

  if (switched)
    *switched = 0;
  if (e->hsts == NULL || strcmp(u->scheme, "http") != 0 ||
      u->host_kind != FERRY__HOST_NAME)
    return FERRYE_OK;
  /* it drops the expired entries it meets: a change */
  ferry__lock_write(hsts_lock(e), FERRY_LOCK_DATA_HSTS);
  known = ferry__hsts_known(e->hsts, u->host);
  ferry__unlock(hsts_lock(e), FERRY_LOCK_DATA_HSTS);
  if (!known)
    return FERRYE_OK;
  /* never a byte in the clear to a known host: out of memory fails */
  if (ferry__url_set_scheme(u, "https") != FERRY__URL_OK)
    return FERRYE_OUT_OF_MEMORY;
  if (switched)
    *switched = 1;
  if (ferry__trace_on(e)) {
    char *s = ferry__url_to_string(u, 0, 1);
    ferry__infof(e, "HSTS: %s is a known HSTS host, using %s", u->host,
                 s ? s : "https");
    ferry__free(s);
  }
  return FERRYE_OK;
}

ferry_code ferry__http_sts_header(ferry_easy *e, const char *line,
                                  size_t len) {
  static const char name[] = "Strict-Transport-Security:";
  const size_t n = sizeof(name) - 1;
  const char *why = NULL;
  ferry__hsts_result res;

  if (e->hsts == NULL || len < n || strncasecmp(line, name, n) != 0 ||
      e->in_tunnel || e->headers.origin != FERRYH_HEADER)
    return FERRYE_OK;
  if (!e->tls_hop || !e->set.ssl_verifypeer || !e->set.ssl_verifyhost ||
      e->url.host_kind != FERRY__HOST_NAME) {
    if (ferry__trace_on(e))
      ferry__infof(e, "HSTS: header ignored: %s",
                   !e->tls_hop ? "not received over HTTPS"
                   : e->url.host_kind != FERRY__HOST_NAME
                       ? "the host is an IP address"
                       : "the certificate was not verified");
    return FERRYE_OK;
  }
  if (e->hsts_taken)
    return FERRYE_OK; /* only a response's first one counts (RFC 6797 8.1) */
  e->hsts_taken = 1;
  ferry__lock_write(hsts_lock(e), FERRY_LOCK_DATA_HSTS);
  res = ferry__hsts_header(e->hsts, e->url.host, line + n, len - n, &why);
  ferry__unlock(hsts_lock(e), FERRY_LOCK_DATA_HSTS);
  if (res == FERRY__HSTS_NOMEM)
    return FERRYE_OUT_OF_MEMORY;
  if (res == FERRY__HSTS_SKIPPED && ferry__trace_on(e))
    ferry__infof(e, "HSTS: header ignored: %s", why ? why : "invalid");
  return FERRYE_OK;
}

void ferry__http_hsts_flush(ferry_easy *e) {
  ferry__hsts *h = e->hsts;
  const ferry_slist *last = e->set.hstsfiles;
  const ferry__lock *l = hsts_lock(e);

  if (h == NULL)
    return;
  while (last && last->next)
    last = last->next;
  if (last && !e->set.hsts_readonly) {
    ferry_code rc = FERRYE_OK;
    if (!e->set.hstsfiles_loaded)
      rc = hsts_read_files(e);
    if (rc == FERRYE_OK) {
      ferry__lock_write(l, FERRY_LOCK_DATA_HSTS); /* drops expired ones */
      rc = ferry__hsts_save(h, last->data);
      ferry__unlock(l, FERRY_LOCK_DATA_HSTS);
    }
    if (rc != FERRYE_OK && ferry__trace_on(e))
      ferry__infof(e, "Could not write HSTS file %s", last->data);
  }
  /* the callback cannot reach the store through the handle now */
  e->hsts = NULL;
  if (e->set.hstswritefn)
    ferry__hsts_write_callback(h, e->set.hstswritefn, e, e->set.hstswritedata,
                               callback_counter(e), l);
  if (h != ferry__share_hsts(e->share))
    ferry__hsts_free(h);
}

ferry_code ferry__http_hsts_dup(ferry_easy *e) {
  ferry_code rc = hsts_enable(e);

  if (rc == FERRYE_OK)
    rc = hsts_read_files(e);
  if (rc == FERRYE_OK && e->set.hstsreadfn)
    rc = ferry__hsts_read_callback(e->hsts, e->set.hstsreadfn, e,
                                   e->set.hstsreaddata, NULL, NULL);
  return rc == FERRYE_OUT_OF_MEMORY ? rc : FERRYE_OK;
}

/* ---- SHARE ------------------------------------------------------------ */

ferry_code ferry__http_use_share(ferry_easy *e, ferry_share *sh) {
  ferry__cookie_jar *jar;
  ferry__hsts *hsts;

  if (sh != NULL && !ferry__share_valid(sh))
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  /* not while its transfer runs (libcurl leaves that undefined) */
  if (e->multi != NULL && e->state != FERRY__XS_INIT &&
      e->state != FERRY__XS_DONE)
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  if (e->share != NULL) {
    /* as libcurl: the handle keeps no copy of what it shared */
    if (e->cookies != NULL && e->cookies == ferry__share_cookies(e->share))
      e->cookies = NULL;
    if (e->hsts != NULL && e->hsts == ferry__share_hsts(e->share))
      e->hsts = NULL;
    e->dns.store = NULL;
    e->dns.lock = NULL;
    ferry__share_detach(&e->lock);
    e->share = NULL;
  }
  /* RESOLVE entries go into the cache the handle uses from now */
  e->dns.resolve_pending = e->set.resolve != NULL;
  if (sh == NULL)
    return FERRYE_OK;
  ferry__share_attach(sh, &e->lock, e);
  e->share = sh;
  /* the share's jar and store replace the handle's own, which go */
  if ((jar = ferry__share_cookies(sh)) != NULL) {
    ferry__cookie_jar_free(e->cookies);
    e->cookies = jar;
  }
  if ((hsts = ferry__share_hsts(sh)) != NULL) {
    ferry__hsts_free(e->hsts);
    e->hsts = hsts;
  }
  e->dns.store = ferry__share_dns(sh);
  e->dns.lock = ferry__lock_for(&e->lock, FERRY_LOCK_DATA_DNS);
  return FERRYE_OK;
}

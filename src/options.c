/* ferry_easy_setopt: each option's argument type comes from ferry_table.h;
 * options ferry does not implement are refused with FERRYE_NOT_BUILT_IN. */
#include <limits.h>
#include <stdint.h>
#include <stdarg.h>
#include <string.h>

#include "alloc.h"
#include "easy.h"
#include "http.h"
#include "mime.h"

void ferry__opts_defaults(ferry__opts *o) {
  memset(o, 0, sizeof(*o));
  o->noprogress = 1;
  o->tcp_nodelay = 1;
  o->infilesize = -1;
  o->postfieldsize = -1;
  o->dns_cache_timeout = 60;
  o->maxredirs = 30; /* libcurl's default since 8.3 */
  o->httpauth = 1UL << 0; /* Basic */
  o->expect_100_timeout_ms = 1000;
  o->upkeep_interval_ms = 60000;
  o->happy_eyeballs_ms = 200;
  o->ssl_verifypeer = 1;
  o->ssl_verifyhost = 2;
  o->protocols = FERRY__PROTO_ALL;
  /* ws and wss too: a WebSocket transfer follows a redirect to another
   * ws:// or wss:// URL (http.c keeps it a WebSocket) */
  o->redir_protocols = FERRY__PROTO_ALL;
  o->buffersize = FERRY_MAX_WRITE_SIZE;
  o->maxage_conn = 118; /* libcurl's defaults */
  o->tcp_keepidle = 60;
  o->tcp_keepintvl = 60;
  o->tcp_keepcnt = 9;
  o->ca_cache_timeout = 86400; /* a day, as libcurl */
  o->server_response_timeout_ms = 60000;
}

static void tls_opts_free(ferry__tls_opts *t);

void ferry__opts_free(ferry__opts *o) {
  ferry__free(o->url);
  ferry__free(o->useragent);
  ferry__free(o->customrequest);
  ferry__free(o->postfields_copy);
  ferry__free(o->referer);
  ferry__free(o->accept_encoding);
  ferry__free(o->cookie);
  ferry__free(o->cookiejar);
  ferry_slist_free_all(o->cookiefiles);
  ferry_slist_free_all(o->hstsfiles);
  ferry__free(o->proxy);
  ferry__free(o->noproxy);
  if (o->proxyuserpwd)
    memset(o->proxyuserpwd, 0, strlen(o->proxyuserpwd));
  ferry__free(o->proxyuserpwd);
  tls_opts_free(o->tls);
  ferry__free(o->sockcb);
  ferry__free(o->userpwd);
  ferry__free(o->username);
  ferry__free(o->password);
  ferry__free(o->bearer);
  ferry__free(o->range);
  ferry__free(o->unix_socket_path);
  ferry__free(o->interface);
  ferry_mime_free(o->mimepost_copy);
  ferry__free(o->default_protocol);
  ferry__free(o->request_target);
  ferry__free(o->netrc_file);
  memset(o, 0, sizeof(*o));
}

static int dup_string(char **dst, const char *src) {
  if (src == NULL) {
    *dst = NULL;
    return 0;
  }
  *dst = ferry__strdup(src);
  return *dst == NULL ? -1 : 0;
}

/* Copy a blob's bytes (ferry always copies). -1 when out of memory. */
static int copy_blob(ferry_blob *dst, const ferry_blob *src) {
  dst->data = NULL;
  dst->len = 0;
  dst->flags = FERRY_BLOB_COPY;
  if (src == NULL || src->data == NULL)
    return 0;
  dst->data = ferry__memdup0(src->data, src->len);
  if (dst->data == NULL)
    return -1;
  dst->len = src->len;
  return 0;
}

static void tls_opts_free(ferry__tls_opts *t) {
  if (t == NULL)
    return;
  ferry__free(t->cainfo);
  ferry__free(t->capath);
  ferry__free(t->sslcert);
  ferry__free(t->sslkey);
  if (t->keypasswd)
    memset(t->keypasswd, 0, strlen(t->keypasswd));
  ferry__free(t->keypasswd);
  ferry__free(t->pinnedpubkey);
  ferry__free(t->cipher_list);
  ferry__free(t->ec_curves);
  ferry__free(t->cainfo_blob.data);
  ferry__free(t->sslcert_blob.data);
  ferry__free(t->sslkey_blob.data);
  ferry__free(t->sslcerttype);
  ferry__free(t->sslkeytype);
  ferry__free(t);
}

/* The TLS options changed: their configuration key must be made again. */
static void tls_key_stale(ferry__opts *o) {
  if (o->tls != NULL)
    o->tls->key_valid = 0;
}

/* The handle's TLS block, made if it has none. NULL when out of memory. */
static ferry__tls_opts *tls_opts_of(ferry__opts *o) {
  if (o->tls == NULL)
    o->tls = ferry__calloc(1, sizeof(*o->tls));
  return o->tls;
}

/* Copy a list the options own. -1 when out of memory (*dst then holds
 * what was copied, for ferry__opts_free). */
static int copy_slist(ferry_slist **dst, const ferry_slist *src) {
  for (*dst = NULL; src != NULL; src = src->next) {
    ferry_slist *l = ferry_slist_append(*dst, src->data);
    if (l == NULL)
      return -1;
    *dst = l;
  }
  return 0;
}

/* A copy of src's TLS block in *dst (NULL for none). */
static int tls_opts_copy(ferry__tls_opts **dst, const ferry__tls_opts *src) {
  ferry__tls_opts *t;

  *dst = NULL;
  if (src == NULL)
    return 0;
  t = ferry__calloc(1, sizeof(*t));
  if (t == NULL)
    return -1;
  *dst = t;
  return copy_blob(&t->cainfo_blob, &src->cainfo_blob) ||
         copy_blob(&t->sslcert_blob, &src->sslcert_blob) ||
         copy_blob(&t->sslkey_blob, &src->sslkey_blob) ||
         dup_string(&t->cainfo, src->cainfo) ||
         dup_string(&t->capath, src->capath) ||
         dup_string(&t->sslcert, src->sslcert) ||
         dup_string(&t->sslkey, src->sslkey) ||
         dup_string(&t->keypasswd, src->keypasswd) ||
         dup_string(&t->pinnedpubkey, src->pinnedpubkey) ||
         dup_string(&t->cipher_list, src->cipher_list) ||
         dup_string(&t->ec_curves, src->ec_curves) ||
         dup_string(&t->sslcerttype, src->sslcerttype) ||
         dup_string(&t->sslkeytype, src->sslkeytype);
}

ferry_code ferry__opts_copy(ferry__opts *dst, const ferry__opts *src) {
  *dst = *src;
  dst->url = dst->useragent = dst->customrequest = dst->postfields_copy = NULL;
  dst->referer = dst->userpwd = dst->username = dst->password = NULL;
  dst->bearer = dst->accept_encoding = NULL;
  dst->range = dst->unix_socket_path = dst->interface = NULL;
  dst->cookie = dst->cookiejar = NULL;
  dst->default_protocol = dst->request_target = dst->netrc_file = NULL;
  dst->cookiefiles = NULL;
  dst->cookiefiles_loaded = 0; /* the copy's jar starts empty */
  dst->hstsfiles = NULL;
  dst->proxy = dst->noproxy = dst->proxyuserpwd = NULL;
  dst->tls = NULL;
  dst->sockcb = NULL;
  dst->mimepost = dst->mimepost_copy = NULL;
  if (tls_opts_copy(&dst->tls, src->tls))
    goto failed;
  if (src->sockcb != NULL) {
    dst->sockcb = ferry__malloc(sizeof(*dst->sockcb));
    if (dst->sockcb == NULL)
      goto failed;
    *dst->sockcb = *src->sockcb;
  }
  /* as libcurl, the copy sends a form of its own: the mime is copied
   * (callback parts share their functions and arg); HTTPPOST's list is
   * shared */
  if (ferry__mime_dup(&dst->mimepost_copy, src->mimepost) != FERRYE_OK)
    goto failed;
  dst->mimepost = dst->mimepost_copy;
  if (dup_string(&dst->url, src->url) ||
      dup_string(&dst->useragent, src->useragent) ||
      dup_string(&dst->customrequest, src->customrequest) ||
      dup_string(&dst->referer, src->referer) ||
      dup_string(&dst->accept_encoding, src->accept_encoding) ||
      dup_string(&dst->cookie, src->cookie) ||
      dup_string(&dst->cookiejar, src->cookiejar) ||
      copy_slist(&dst->cookiefiles, src->cookiefiles) ||
      copy_slist(&dst->hstsfiles, src->hstsfiles) ||
      dup_string(&dst->proxy, src->proxy) ||
      dup_string(&dst->noproxy, src->noproxy) ||
      dup_string(&dst->proxyuserpwd, src->proxyuserpwd) ||
      dup_string(&dst->userpwd, src->userpwd) ||
      dup_string(&dst->username, src->username) ||
      dup_string(&dst->password, src->password) ||
      dup_string(&dst->bearer, src->bearer) ||
      dup_string(&dst->range, src->range) ||
      dup_string(&dst->unix_socket_path, src->unix_socket_path) ||
      dup_string(&dst->interface, src->interface) ||
      dup_string(&dst->default_protocol, src->default_protocol) ||
      dup_string(&dst->request_target, src->request_target) ||
      dup_string(&dst->netrc_file, src->netrc_file))
    goto failed;
  if (src->postfields_copy) {
    size_t n = src->postfieldsize >= 0 ? (size_t)src->postfieldsize
                                       : strlen(src->postfields_copy);
    dst->postfields_copy = ferry__memdup0(src->postfields_copy, n);
    if (dst->postfields_copy == NULL)
      goto failed;
    dst->postfields = dst->postfields_copy;
  }
  return FERRYE_OK;
failed:
  ferry__opts_free(dst);
  return FERRYE_OUT_OF_MEMORY;
}

/* From the table: is the option known, and implemented? */
static int option_known(ferry_option opt, int *supported, const char **name) {
  switch (opt) {
#define FERRY_X_(n, type, num, sup)                                            \
  case FERRYOPT_##n:                                                           \
    *supported = sup;                                                          \
    *name = #n;                                                                \
    return 1;
    FERRY_OPTIONS(FERRY_X_)
    FERRY_OWN_OPTIONS(FERRY_X_)
#undef FERRY_X_
  default:
    return 0;
  }
}

static ferry_code set_string(ferry_easy *e, char **dst, const char *v) {
  char *copy = NULL;
  (void)e;
  if (v != NULL && (copy = ferry__strdup(v)) == NULL)
    return FERRYE_OUT_OF_MEMORY;
  ferry__free(*dst);
  *dst = copy;
  return FERRYE_OK;
}

static ferry_code seconds_to_ms(long s, long *out) {
  if (s < 0)
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  if (s > LONG_MAX / 1000)
    s = LONG_MAX / 1000;
  *out = s * 1000;
  return FERRYE_OK;
}

ferry_code ferry_easy_setopt(ferry_easy *e, ferry_option opt, ...) {
  va_list ap;
  long lv = 0;
  void *pv = NULL;
  ferry_off_t ov = 0;
  int supported = 0;
  const char *name = NULL;
  ferry__opts *o;
  ferry_code rc = FERRYE_OK;

  if (!ferry__easy_valid(e))
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  o = &e->set;
  va_start(ap, opt);
  if (opt < FERRYOPTTYPE_OBJECTPOINT)
    lv = va_arg(ap, long);
  else if (opt < FERRYOPTTYPE_OFF_T || opt >= FERRYOPTTYPE_BLOB)
    pv = va_arg(ap, void *);
  else
    ov = va_arg(ap, ferry_off_t);
  va_end(ap);

  if (!option_known(opt, &supported, &name)) {
    ferry__easy_set_error(e, "Unknown option %d", (int)opt);
    return FERRYE_UNKNOWN_OPTION;
  }
  if (!supported) {
    ferry__easy_set_error(e, "option CURLOPT_%s is not supported by ferry", name);
    return FERRYE_NOT_BUILT_IN;
  }

  switch (opt) {
  case FERRYOPT_URL:
    /* the same text again (a handle re-added for the same URL): the parse
     * made of it still holds */
    if (pv != NULL && o->url != NULL && strcmp(o->url, pv) == 0)
      break;
    e->url_cached = 0;
    return set_string(e, &o->url, pv);
  case FERRYOPT_USERAGENT:
    return set_string(e, &o->useragent, pv);
  case FERRYOPT_REFERER:
    return set_string(e, &o->referer, pv);
  case FERRYOPT_SSL_VERIFYPEER:
    o->ssl_verifypeer = lv != 0;
    tls_key_stale(o);
    break;
  case FERRYOPT_CERTINFO:
    o->certinfo = lv != 0;
    break;
  case FERRYOPT_SSL_VERIFYHOST:
    if (lv < 0 || lv > 2)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->ssl_verifyhost = lv ? 2 : 0; /* 1 acts as 2, as in libcurl */
    tls_key_stale(o);
    break;
  case FERRYOPT_SSLVERSION:
    if (lv < 0)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->sslversion = lv;
    tls_key_stale(o);
    break;
  case FERRYOPT_CAINFO:
  case FERRYOPT_CAPATH:
  case FERRYOPT_SSLCERT:
  case FERRYOPT_SSLKEY:
  case FERRYOPT_KEYPASSWD:
  case FERRYOPT_PINNEDPUBLICKEY:
  case FERRYOPT_SSL_CIPHER_LIST:
  case FERRYOPT_SSL_EC_CURVES:
  case FERRYOPT_SSLCERTTYPE:
  case FERRYOPT_SSLKEYTYPE: {
    ferry__tls_opts *t = tls_opts_of(o);
    if (t == NULL)
      return FERRYE_OUT_OF_MEMORY;
    t->key_valid = 0;
    /* SSLCERTTYPE and SSLKEYTYPE are checked when the TLS configuration
     * is made, as in libcurl: "P12", "ENG" and unknown names fail the
     * transfer with FERRYE_SSL_CERTPROBLEM (tls.c) */
    return set_string(e,
                      opt == FERRYOPT_CAINFO           ? &t->cainfo
                      : opt == FERRYOPT_CAPATH         ? &t->capath
                      : opt == FERRYOPT_SSLCERT        ? &t->sslcert
                      : opt == FERRYOPT_SSLKEY         ? &t->sslkey
                      : opt == FERRYOPT_KEYPASSWD      ? &t->keypasswd
                      : opt == FERRYOPT_PINNEDPUBLICKEY ? &t->pinnedpubkey
                      : opt == FERRYOPT_SSL_CIPHER_LIST ? &t->cipher_list
                      : opt == FERRYOPT_SSLCERTTYPE    ? &t->sslcerttype
                      : opt == FERRYOPT_SSLKEYTYPE     ? &t->sslkeytype
                                                        : &t->ec_curves,
                      pv);
  }
  case FERRYOPT_CAINFO_BLOB:
  case FERRYOPT_SSLCERT_BLOB:
  case FERRYOPT_SSLKEY_BLOB: {
    ferry__tls_opts *t = tls_opts_of(o);
    ferry_blob copy, *dst;
    if (t == NULL)
      return FERRYE_OUT_OF_MEMORY;
    t->key_valid = 0;
    dst = opt == FERRYOPT_CAINFO_BLOB    ? &t->cainfo_blob
          : opt == FERRYOPT_SSLCERT_BLOB ? &t->sslcert_blob
                                         : &t->sslkey_blob;
    if (copy_blob(&copy, pv) != 0)
      return FERRYE_OUT_OF_MEMORY;
    ferry__free(dst->data);
    *dst = copy;
    break;
  }
  case FERRYOPT_PROXY:
    return set_string(e, &o->proxy, pv);
  case FERRYOPT_NOPROXY:
    return set_string(e, &o->noproxy, pv);
  case FERRYOPT_PROXYUSERPWD:
    return set_string(e, &o->proxyuserpwd, pv);
  case FERRYOPT_PROXYHEADER:
    o->proxyheader = pv;
    break;
  case FERRYOPT_PROXYPORT:
    if (lv < 0 || lv > 65535)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->proxyport = lv;
    break;
  case FERRYOPT_HTTPPROXYTUNNEL:
    o->httpproxytunnel = lv != 0;
    break;
  case FERRYOPT_HAPPY_EYEBALLS_TIMEOUT_MS:
    if (lv < 0)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->happy_eyeballs_ms = lv;
    break;
  case FERRYOPT_UPKEEP_INTERVAL_MS:
    if (lv < 0)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->upkeep_interval_ms = lv;
    break;
  case FERRYOPT_EXPECT_100_TIMEOUT_MS:
    if (lv < 0)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->expect_100_timeout_ms = lv;
    break;
  case FERRYOPT_SEEKFUNCTION:
    o->seekfn = (long (*)(void *, ferry_off_t, int))pv;
    break;
  case FERRYOPT_SEEKDATA:
    o->seekdata = pv;
    break;
  case FERRYOPT_DONEFUNCTION:
    o->donefn = (ferry_done_callback)pv;
    break;
  case FERRYOPT_DONEDATA:
    o->donedata = pv;
    break;
  case FERRYOPT_PRIORITY:
    o->priority = lv;
    break;
  case FERRYOPT_ACCEPT_ENCODING:
    return set_string(e, &o->accept_encoding, pv);
  case FERRYOPT_COOKIE:
    /* one header line: a line break would start another header */
    if (pv && strpbrk(pv, "\r\n"))
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    return set_string(e, &o->cookie, pv);
  case FERRYOPT_COOKIEFILE:
    return ferry__http_cookiefile(e, pv);
  case FERRYOPT_COOKIEJAR:
    if (pv && ferry__http_cookies_enable(e) != FERRYE_OK)
      return FERRYE_OUT_OF_MEMORY;
    return set_string(e, &o->cookiejar, pv);
  case FERRYOPT_COOKIESESSION:
    o->cookiesession = lv != 0;
    break;
  case FERRYOPT_COOKIELIST:
    return ferry__http_cookielist(e, pv);
  case FERRYOPT_HSTS_CTRL:
    return ferry__http_hsts_ctrl(e, lv);
  case FERRYOPT_HSTS:
    return ferry__http_hsts_file(e, pv);
  case FERRYOPT_HSTSREADFUNCTION:
    o->hstsreadfn = (ferry_hstsread_callback)pv;
    break;
  case FERRYOPT_HSTSREADDATA:
    o->hstsreaddata = pv;
    break;
  case FERRYOPT_HSTSWRITEFUNCTION:
    o->hstswritefn = (ferry_hstswrite_callback)pv;
    break;
  case FERRYOPT_HSTSWRITEDATA:
    o->hstswritedata = pv;
    break;
  case FERRYOPT_HTTP_CONTENT_DECODING:
    o->content_decoding_off = lv == 0;
    break;
  case FERRYOPT_MAXFILESIZE:
    if (lv < 0)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->maxfilesize = lv;
    break;
  case FERRYOPT_MAXFILESIZE_LARGE:
    if (ov < 0)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->maxfilesize = ov;
    break;
  case FERRYOPT_USERPWD:
    return set_string(e, &o->userpwd, pv);
  case FERRYOPT_USERNAME:
    return set_string(e, &o->username, pv);
  case FERRYOPT_PASSWORD:
    return set_string(e, &o->password, pv);
  case FERRYOPT_XOAUTH2_BEARER:
    return set_string(e, &o->bearer, pv);
  case FERRYOPT_HTTPAUTH: {
    /* Basic, Digest and Bearer are what ferry speaks. As in libcurl, 0
     * (NONE) sends no credentials, and DIGEST_IE is Digest with the
     * query left out of the uri it hashes. */
    unsigned long bits = (unsigned long)lv;
    int ie = (bits & FERRYAUTH_DIGEST_IE) != 0;
    if (ie)
      bits = (bits | FERRYAUTH_DIGEST) & ~FERRYAUTH_DIGEST_IE;
    if (bits != 0 &&
        !(bits & (FERRYAUTH_BASIC | FERRYAUTH_DIGEST | FERRYAUTH_BEARER))) {
      ferry__easy_set_error(e, "HTTPAUTH: only Basic, Digest and Bearer are "
                               "supported");
      return FERRYE_NOT_BUILT_IN;
    }
    o->httpauth = bits;
    o->digest_ie = (unsigned)ie;
    break;
  }
  case FERRYOPT_FOLLOWLOCATION:
    /* 1 (ALL), or libcurl 8.13's OBEYCODE and FIRSTONLY (http.c) */
    if (lv < 0 || lv > FERRYFOLLOW_FIRSTONLY)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->follow_mode = (unsigned char)lv;
    break;
  case FERRYOPT_MAXREDIRS:
    if (lv < -1)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->maxredirs = lv;
    break;
  case FERRYOPT_POSTREDIR:
    if (lv < 0 || lv > 7)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->postredir = lv;
    break;
  case FERRYOPT_AUTOREFERER:
    o->autoreferer = lv != 0;
    break;
  case FERRYOPT_PATH_AS_IS:
    o->path_as_is = lv != 0;
    e->url_cached = 0; /* the URL reads otherwise now */
    break;
  case FERRYOPT_UNRESTRICTED_AUTH:
    o->unrestricted_auth = lv != 0;
    break;
  case FERRYOPT_PROTOCOLS_STR:
  case FERRYOPT_REDIR_PROTOCOLS_STR: {
    unsigned bits = pv ? ferry__http_parse_protocols(pv) : FERRY__PROTO_ALL;
    if (bits == 0) {
      ferry__easy_set_error(e, "no protocol ferry knows in \"%s\"",
                            (const char *)pv);
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    }
    if (opt == FERRYOPT_PROTOCOLS_STR)
      o->protocols = bits;
    else
      o->redir_protocols = bits;
    break;
  }
  case FERRYOPT_CUSTOMREQUEST:
    if (pv && (strpbrk(pv, " \r\n\t") || ((const char *)pv)[0] == '\0'))
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    return set_string(e, &o->customrequest, pv);
  case FERRYOPT_PORT:
    if (lv < 0 || lv > 65535)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->port = lv;
    break;
  case FERRYOPT_WRITEDATA:
    o->writedata = pv;
    break;
  case FERRYOPT_WRITEFUNCTION:
    o->writefn = (ferry_write_callback)pv;
    break;
  case FERRYOPT_READDATA:
    o->readdata = pv;
    break;
  case FERRYOPT_READFUNCTION:
    o->readfn = (ferry_read_callback)pv;
    break;
  case FERRYOPT_HEADERDATA:
    o->headerdata = pv;
    break;
  case FERRYOPT_HEADERFUNCTION:
    o->headerfn = (ferry_header_callback)pv;
    break;
  case FERRYOPT_XFERINFODATA:
    o->xferinfodata = pv;
    break;
  case FERRYOPT_XFERINFOFUNCTION:
    o->xferinfofn = (ferry_xferinfo_callback)pv;
    break;
  case FERRYOPT_PROGRESSFUNCTION:
    /* called only while XFERINFOFUNCTION is not set (xfer.c) */
    o->progressfn = (ferry_progress_callback)pv;
    break;
  case FERRYOPT_DEBUGDATA:
    o->debugdata = pv;
    break;
  case FERRYOPT_DEBUGFUNCTION:
    o->debugfn = (ferry_debug_callback)pv;
    break;
  case FERRYOPT_ERRORBUFFER:
    o->errorbuffer = pv;
    break;
  case FERRYOPT_STDERR:
    o->stderr_stream = pv;
    break;
  case FERRYOPT_PRIVATE:
    o->private_ptr = pv;
    break;
  case FERRYOPT_TIMEOUT:
    return seconds_to_ms(lv, &o->timeout_ms);
  case FERRYOPT_TIMEOUT_MS:
    if (lv < 0)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->timeout_ms = lv;
    break;
  case FERRYOPT_CONNECTTIMEOUT:
    return seconds_to_ms(lv, &o->connecttimeout_ms);
  case FERRYOPT_CONNECTTIMEOUT_MS:
    if (lv < 0)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->connecttimeout_ms = lv;
    break;
  case FERRYOPT_LOW_SPEED_LIMIT:
  case FERRYOPT_LOW_SPEED_TIME:
    if (lv < 0)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    if (opt == FERRYOPT_LOW_SPEED_LIMIT)
      o->low_speed_limit = lv;
    else
      o->low_speed_time = lv;
    break;
  case FERRYOPT_INFILESIZE:
    o->infilesize = lv < 0 ? -1 : lv;
    break;
  case FERRYOPT_INFILESIZE_LARGE:
    o->infilesize = ov < 0 ? -1 : ov;
    break;
  case FERRYOPT_POSTFIELDS:
    ferry__free(o->postfields_copy);
    o->postfields_copy = NULL;
    o->postfields = pv;
    o->post = pv != NULL;
    /* as in libcurl, NOBODY (a HEAD) and UPLOAD (a PUT from the read
     * callback) still win over a body set here; a form does not */
    o->form_post = 0;
    break;
  case FERRYOPT_COPYPOSTFIELDS: {
    char *copy = NULL;
    if (pv != NULL) {
      size_t n = o->postfieldsize >= 0 ? (size_t)o->postfieldsize
                                       : strlen(pv);
      copy = ferry__memdup0(pv, n);
      if (copy == NULL)
        return FERRYE_OUT_OF_MEMORY;
    }
    ferry__free(o->postfields_copy);
    o->postfields_copy = copy;
    o->postfields = copy;
    o->post = copy != NULL;
    o->form_post = 0;
    break;
  }
  case FERRYOPT_MIMEPOST: {
    ferry_mime *m = pv;
    /* a mime nested in a part is not a body of its own */
    if (m != NULL && m->parent != NULL)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    if (o->mimepost_copy != NULL && o->mimepost_copy != m) {
      ferry_mime_free(o->mimepost_copy);
      o->mimepost_copy = NULL;
    }
    o->mimepost = m;
    /* NULL goes back to the default request, as libcurl documents */
    o->form_post = m != NULL;
    o->form_httppost = 0;
    if (m != NULL)
      o->upload = o->nobody = 0;
    break;
  }
  case FERRYOPT_HTTPPOST:
    o->httppost = pv;
    o->form_post = pv != NULL;
    o->form_httppost = 1;
    if (pv != NULL)
      o->upload = o->nobody = 0;
    break;
  case FERRYOPT_MIME_OPTIONS:
    o->mime_options = lv;
    break;
  case FERRYOPT_POSTFIELDSIZE:
    o->postfieldsize = lv < 0 ? -1 : lv;
    break;
  case FERRYOPT_POSTFIELDSIZE_LARGE:
    o->postfieldsize = ov < 0 ? -1 : ov;
    break;
  case FERRYOPT_HTTPHEADER:
    o->httpheader = pv;
    break;
  case FERRYOPT_RESOLVE:
    o->resolve = pv;
    /* as libcurl: put into the DNS cache at the next transfer's start */
    e->dns.resolve_pending = pv != NULL;
    break;
  case FERRYOPT_SHARE:
    return ferry__http_use_share(e, pv);
  case FERRYOPT_VERBOSE:
    o->verbose = lv != 0;
    break;
  case FERRYOPT_HEADER:
    o->header = lv != 0;
    break;
  case FERRYOPT_NOPROGRESS:
    o->noprogress = lv != 0;
    break;
  case FERRYOPT_NOBODY:
    o->nobody = lv != 0;
    if (o->nobody) {
      o->upload = 0;
      o->post = 0;
      o->form_post = 0;
    }
    break;
  case FERRYOPT_FAILONERROR:
    o->failonerror = lv != 0;
    break;
  case FERRYOPT_UPLOAD:
  case FERRYOPT_PUT:
    o->upload = lv != 0;
    if (o->upload) {
      o->nobody = 0;
      o->post = 0;
      o->form_post = 0;
    }
    break;
  case FERRYOPT_POST:
    o->form_post = 0; /* a plain POST, or none */
    o->post = lv != 0;
    if (o->post) {
      o->upload = 0;
      o->nobody = 0;
    } else {
      o->postfields = NULL;
    }
    break;
  case FERRYOPT_HTTPGET:
    if (lv) {
      o->post = o->upload = o->nobody = o->form_post = 0;
      o->postfields = NULL;
    }
    break;
  case FERRYOPT_MAXCONNECTS:
    if (lv < 0)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->maxconnects = lv;
    break;
  case FERRYOPT_FRESH_CONNECT:
    o->fresh_connect = lv != 0;
    break;
  case FERRYOPT_WS_OPTIONS:
    /* libcurl takes any bits and uses those it knows */
    o->ws_options = lv & (FERRYWS_RAW_MODE | FERRYWS_NOAUTOPONG);
    break;
  case FERRYOPT_CONNECT_ONLY:
    if (lv < 0 || lv > 2)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->connect_only = (unsigned char)lv;
    break;
  case FERRYOPT_FORBID_REUSE:
    o->forbid_reuse = lv != 0;
    break;
  case FERRYOPT_DNS_CACHE_TIMEOUT:
    if (lv < -1)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->dns_cache_timeout = lv;
    break;
  case FERRYOPT_BUFFERSIZE:
    /* ferry reads through one shared buffer per multi; the value is
     * checked like libcurl does and otherwise has no effect. */
    if (lv < 1024 || lv > 10 * 1024 * 1024)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->buffersize = lv;
    break;
  case FERRYOPT_NOSIGNAL:
    /* ferry never uses signals: nothing to turn off */
    break;
  case FERRYOPT_IPRESOLVE:
    if (lv < FERRY_IPRESOLVE_WHATEVER || lv > FERRY_IPRESOLVE_V6)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->ipresolve = lv;
    break;
  case FERRYOPT_TCP_NODELAY:
    o->tcp_nodelay = lv != 0;
    break;
  case FERRYOPT_RANGE:
    return set_string(e, &o->range, pv);
  case FERRYOPT_RESUME_FROM:
  case FERRYOPT_RESUME_FROM_LARGE:
    if (opt == FERRYOPT_RESUME_FROM)
      ov = lv;
    if (ov < -1)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->resume_from = ov;
    break;
  case FERRYOPT_HTTP_VERSION:
    /* as a libcurl built with HTTP/2 and without HTTP/3 */
    if (lv < 0)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    if (lv > FERRY_HTTP_VERSION_2_PRIOR_KNOWLEDGE) {
      ferry__easy_set_error(e, "HTTP_VERSION %ld: ferry speaks HTTP/1.x and "
                               "HTTP/2, not HTTP/3", lv);
      return FERRYE_UNSUPPORTED_PROTOCOL;
    }
    o->httpversion = lv;
    break;
  case FERRYOPT_PIPEWAIT:
    o->pipewait = lv != 0;
    break;
  case FERRYOPT_STREAM_WEIGHT:
    if (lv < 1 || lv > 256)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->stream_weight = lv;
    break;
  case FERRYOPT_STREAM_DEPENDS:
  case FERRYOPT_STREAM_DEPENDS_E:
    /* RFC 9113 deprecates the priority tree: accepted, as HTTP/2 servers
     * are free to ignore it (ferry sends no dependency) */
    if (pv != NULL && !ferry__easy_valid(pv))
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    break;
  case FERRYOPT_TIMECONDITION:
    if (lv < FERRY_TIMECOND_NONE || lv > FERRY_TIMECOND_LASTMOD)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->timecondition = lv;
    break;
  case FERRYOPT_TIMEVALUE:
    o->timevalue = lv;
    break;
  case FERRYOPT_TIMEVALUE_LARGE:
    o->timevalue = ov;
    break;
  case FERRYOPT_HEADEROPT:
    o->headeropt_unified = !(lv & FERRYHEADER_SEPARATE);
    break;
  case FERRYOPT_OPENSOCKETFUNCTION:
  case FERRYOPT_OPENSOCKETDATA:
  case FERRYOPT_SOCKOPTFUNCTION:
  case FERRYOPT_SOCKOPTDATA:
  case FERRYOPT_CLOSESOCKETFUNCTION:
  case FERRYOPT_CLOSESOCKETDATA:
  case FERRYOPT_PREREQFUNCTION:
  case FERRYOPT_PREREQDATA: {
    ferry__sockcb_opts *k = o->sockcb;
    if (k == NULL && pv == NULL)
      break; /* nothing set, nothing to clear */
    if (k == NULL && (k = o->sockcb = ferry__calloc(1, sizeof(*k))) == NULL)
      return FERRYE_OUT_OF_MEMORY;
    if (opt == FERRYOPT_OPENSOCKETFUNCTION)
      k->opensocketfn = (ferry_opensocket_callback)pv;
    else if (opt == FERRYOPT_OPENSOCKETDATA)
      k->opensocketdata = pv;
    else if (opt == FERRYOPT_SOCKOPTFUNCTION)
      k->sockoptfn = (ferry_sockopt_callback)pv;
    else if (opt == FERRYOPT_SOCKOPTDATA)
      k->sockoptdata = pv;
    else if (opt == FERRYOPT_CLOSESOCKETFUNCTION)
      k->closesocketfn = (ferry_closesocket_callback)pv;
    else if (opt == FERRYOPT_CLOSESOCKETDATA)
      k->closesocketdata = pv;
    else if (opt == FERRYOPT_PREREQFUNCTION)
      k->prereqfn = (ferry_prereq_callback)pv;
    else
      k->prereqdata = pv;
    break;
  }
  case FERRYOPT_TRAILERFUNCTION:
    o->trailerfn = (ferry_trailer_callback)pv;
    break;
  case FERRYOPT_TRAILERDATA:
    o->trailerdata = pv;
    break;
  case FERRYOPT_MAXAGE_CONN:
  case FERRYOPT_MAXLIFETIME_CONN:
    if (lv < 0)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    if (opt == FERRYOPT_MAXAGE_CONN)
      o->maxage_conn = lv;
    else
      o->maxlifetime_conn = lv;
    break;
  case FERRYOPT_TCP_KEEPALIVE:
    o->tcp_keepalive = lv != 0;
    break;
  case FERRYOPT_TCP_KEEPIDLE:
  case FERRYOPT_TCP_KEEPINTVL:
  case FERRYOPT_TCP_KEEPCNT:
    if (lv < 0)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    if (lv > INT_MAX)
      lv = INT_MAX;
    if (opt == FERRYOPT_TCP_KEEPIDLE)
      o->tcp_keepidle = lv;
    else if (opt == FERRYOPT_TCP_KEEPINTVL)
      o->tcp_keepintvl = lv;
    else
      o->tcp_keepcnt = lv;
    break;
  case FERRYOPT_CONNECT_TO:
    o->connect_to = pv;
    break;
  case FERRYOPT_UNIX_SOCKET_PATH:
    return set_string(e, &o->unix_socket_path, pv);
  case FERRYOPT_INTERFACE:
    /* "name", "if!name", "host!address" or "ifhost!name!address", as
     * libcurl parses it; NULL binds to nothing again */
    if (pv != NULL) {
      const char *s = pv, *rest = s;
      if (strncmp(s, "if!", 3) == 0)
        rest = s + 3;
      else if (strncmp(s, "host!", 5) == 0)
        rest = s + 5;
      else if (strncmp(s, "ifhost!", 7) == 0)
        rest = strchr(s + 7, '!') ? strchr(s + 7, '!') + 1 : "";
      if (strlen(s) > 512 || *rest == '\0')
        return FERRYE_BAD_FUNCTION_ARGUMENT;
    }
    return set_string(e, &o->interface, pv);
  case FERRYOPT_LOCALPORT:
  case FERRYOPT_LOCALPORTRANGE:
    if (lv < 0 || lv > 65535)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    if (opt == FERRYOPT_LOCALPORT)
      o->localport = lv;
    else
      o->localportrange = lv;
    break;
  case FERRYOPT_MAX_RECV_SPEED_LARGE:
  case FERRYOPT_MAX_SEND_SPEED_LARGE:
    if (ov < 0)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    if (opt == FERRYOPT_MAX_RECV_SPEED_LARGE)
      o->max_recv_speed = ov;
    else
      o->max_send_speed = ov;
    break;
  case FERRYOPT_DEFAULT_PROTOCOL:
    /* checked when a URL without a scheme needs it, as in libcurl; the
     * URL's parse must be made again */
    e->url_cached = 0;
    return set_string(e, &o->default_protocol, pv);
  case FERRYOPT_REQUEST_TARGET:
    /* libcurl sends it verbatim; ferry refuses what would break the
     * request line or start a header */
    if (pv != NULL) {
      const unsigned char *p = pv;
      if (*p == '\0')
        return FERRYE_BAD_FUNCTION_ARGUMENT;
      for (; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == ' ') {
          ferry__easy_set_error(e, "REQUEST_TARGET: no blanks or control "
                                   "characters in a request target");
          return FERRYE_BAD_FUNCTION_ARGUMENT;
        }
    }
    return set_string(e, &o->request_target, pv);
  case FERRYOPT_NETRC:
    if (lv < FERRY_NETRC_IGNORED || lv >= FERRY_NETRC_LAST)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->netrc = lv;
    break;
  case FERRYOPT_NETRC_FILE:
    return set_string(e, &o->netrc_file, pv);
  case FERRYOPT_CA_CACHE_TIMEOUT:
    if (lv < -1 || lv > INT_MAX)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->ca_cache_timeout = lv;
    break;
  case FERRYOPT_SSL_SESSIONID_CACHE:
    o->no_session_cache = lv == 0;
    break;
  case FERRYOPT_ADDRESS_SCOPE:
    if ((unsigned long)lv > UINT32_MAX)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->address_scope = (unsigned long)lv;
    break;
  case FERRYOPT_QUICK_EXIT:
    o->quick_exit = lv != 0;
    break;
  case FERRYOPT_SERVER_RESPONSE_TIMEOUT:
    /* libcurl uses it for FTP, IMAP, POP3, SMTP, SFTP and SCP commands
     * only; for HTTP it has no effect there either */
    return seconds_to_ms(lv, &o->server_response_timeout_ms);
  case FERRYOPT_SERVER_RESPONSE_TIMEOUT_MS:
    if (lv < 0)
      return FERRYE_BAD_FUNCTION_ARGUMENT;
    o->server_response_timeout_ms = lv;
    break;
  default:
    /* marked supported in the table but not handled here: a ferry bug */
    ferry__easy_set_error(e, "option %s is not handled", name);
    rc = FERRYE_NOT_BUILT_IN;
  }
  return rc;
}

/* ferry_easy_getinfo. */
#include <stdarg.h>
#include <string.h>

#include "alloc.h"
#include "conn.h"
#include "cookie.h"
#include "easy.h"
#include "http.h"
#include "multi.h"

static int info_known(ferry_info info, int *supported) {
  switch (info) {
#define FERRY_X_(n, type, num, sup)                                            \
  case FERRYINFO_##n:                                                          \
    *supported = sup;                                                          \
    return 1;
    FERRY_INFOS(FERRY_X_)
#undef FERRY_X_
  default:
    return 0;
  }
}

/* Microseconds from the transfer's start to time t (0 if t never came). */
static ferry_off_t since_start_us(const ferry_easy *e, uint64_t t) {
  if (t == 0 || e->t_start == 0 || t < e->t_start)
    return 0;
  return (ferry_off_t)((t - e->t_start) / 1000u);
}

static ferry_off_t total_us(const ferry_easy *e) {
  if (e->t_total)
    return since_start_us(e, e->t_total);
  if (e->t_start)
    return (ferry_off_t)((uv_hrtime() - e->t_start) / 1000u);
  return 0;
}

/* PROXYAUTH_AVAIL: the schemes of the Proxy-Authenticate headers of the
 * proxy's 407 answer, to a CONNECT or to a request it was to forward. */
static void add_auth_bits(void *ud, const char *value) {
  *(unsigned long *)ud |= ferry__http_auth_bits(value);
}

static unsigned long proxyauth_avail(const ferry_easy *e) {
  unsigned long bits = 0;
  if (e->connectcode == 407)
    ferry__headers_each(&e->headers, "Proxy-Authenticate", FERRYH_CONNECT, -1,
                        add_auth_bits, &bits);
  else if (e->use_proxy && !e->tunnel && e->response_code == 407)
    ferry__headers_each(&e->headers, "Proxy-Authenticate", FERRYH_HEADER, -1,
                        add_auth_bits, &bits);
  return bits;
}

static ferry_off_t speed(ferry_off_t bytes, ferry_off_t us) {
  if (us <= 0)
    return 0;
  return (ferry_off_t)((double)bytes * 1e6 / (double)us);
}

/* ACTIVESOCKET and LASTSOCKET: a CONNECT_ONLY transfer's connection while
 * ferry_easy_send and ferry_easy_recv can use it; else, as in libcurl, the
 * socket of the connection the handle used last while the multi it is
 * added to (or ferry_easy_perform's own) still has it in its pool. */
static ferry_socket_t last_socket(const ferry_easy *e) {
  const ferry_multi *m = e->multi ? e->multi : e->own_multi;
  int fd = ferry__raw_fd(&e->raw);
  if (fd >= 0)
    return fd;
  if (e->conn != NULL)
    return e->conn->fd >= 0 ? e->conn->fd : FERRY_SOCKET_BAD;
  if (m == NULL)
    return FERRY_SOCKET_BAD;
  fd = ferry__pool_conn_fd(&m->pool, e->conn_id);
  return fd >= 0 ? fd : FERRY_SOCKET_BAD;
}

ferry_code ferry_easy_getinfo(ferry_easy *e, ferry_info info, ...) {
  va_list ap;
  void *out;
  int supported = 0;
  ferry_off_t t;

  if (!ferry__easy_valid(e))
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  va_start(ap, info);
  out = va_arg(ap, void *);
  va_end(ap);
  if (out == NULL)
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  if (!info_known(info, &supported))
    return FERRYE_UNKNOWN_OPTION;
  if (!supported)
    return FERRYE_NOT_BUILT_IN;

#define STR(v) (*(const char **)out = (v))
#define LNG(v) (*(long *)out = (long)(v))
#define DBL(v) (*(double *)out = (double)(v))
#define OFF(v) (*(ferry_off_t *)out = (ferry_off_t)(v))
  switch (info) {
  case FERRYINFO_EFFECTIVE_URL:
    /* made when asked for: most transfers never are. With its fragment,
     * as libcurl gives it, and "" when there is no URL at all. */
    if (e->effective_url == NULL && e->url.scheme != NULL)
      e->effective_url = ferry__url_to_string(&e->url, 1, 0);
    STR(e->effective_url ? e->effective_url
        : e->set.url     ? e->set.url
                         : "");
    break;
  case FERRYINFO_RESPONSE_CODE:
    LNG(e->response_code);
    break;
  case FERRYINFO_CONDITION_UNMET:
    /* a 304, or a time condition that stopped the transfer (partial.c) */
    LNG(e->response_code == 304 || e->timecond_unmet);
    break;
  case FERRYINFO_HTTP_VERSION:
    LNG(e->http_version);
    break;
  case FERRYINFO_TOTAL_TIME:
    DBL(total_us(e) / 1e6);
    break;
  case FERRYINFO_NAMELOOKUP_TIME:
    DBL(since_start_us(e, e->t_namelookup) / 1e6);
    break;
  case FERRYINFO_CONNECT_TIME:
    DBL(since_start_us(e, e->t_connect) / 1e6);
    break;
  case FERRYINFO_APPCONNECT_TIME:
    DBL(since_start_us(e, e->t_appconnect) / 1e6);
    break;
  case FERRYINFO_PRETRANSFER_TIME:
    DBL(since_start_us(e, e->t_pretransfer) / 1e6);
    break;
  case FERRYINFO_STARTTRANSFER_TIME:
    DBL(since_start_us(e, e->t_starttransfer) / 1e6);
    break;
  case FERRYINFO_TOTAL_TIME_T:
    OFF(total_us(e));
    break;
  case FERRYINFO_NAMELOOKUP_TIME_T:
    OFF(since_start_us(e, e->t_namelookup));
    break;
  case FERRYINFO_CONNECT_TIME_T:
    OFF(since_start_us(e, e->t_connect));
    break;
  case FERRYINFO_APPCONNECT_TIME_T:
    OFF(since_start_us(e, e->t_appconnect));
    break;
  case FERRYINFO_PRETRANSFER_TIME_T:
    OFF(since_start_us(e, e->t_pretransfer));
    break;
  case FERRYINFO_STARTTRANSFER_TIME_T:
    OFF(since_start_us(e, e->t_starttransfer));
    break;
  case FERRYINFO_SIZE_DOWNLOAD_T:
    OFF(e->dl_bytes);
    break;
  case FERRYINFO_SIZE_UPLOAD_T:
    OFF(e->ul_bytes);
    break;
  case FERRYINFO_SPEED_DOWNLOAD_T:
    t = total_us(e);
    OFF(speed(e->dl_bytes, t));
    break;
  case FERRYINFO_SPEED_UPLOAD_T:
    t = total_us(e);
    OFF(speed(e->ul_bytes, t));
    break;
  case FERRYINFO_CONTENT_LENGTH_DOWNLOAD_T:
    OFF(e->content_length);
    break;
  case FERRYINFO_CONTENT_LENGTH_UPLOAD_T:
    /* As libcurl: -1 until a request is sent, then the size of the last
     * request's body: 0 for none, -1 for one of unknown size (chunked). */
    OFF(e->t_pretransfer == 0        ? -1
        : e->stream.body_len == -1 ? 0
        : e->stream.body_len < 0   ? -1
                                   : e->stream.body_len);
    break;
  case FERRYINFO_HEADER_SIZE:
    LNG(e->header_size);
    break;
  case FERRYINFO_REQUEST_SIZE:
    LNG(e->request_size);
    break;
  case FERRYINFO_CONTENT_TYPE:
    STR(e->content_type);
    break;
  case FERRYINFO_PRIVATE:
    *(void **)out = e->set.private_ptr;
    break;
  case FERRYINFO_OS_ERRNO:
    LNG(e->os_errno);
    break;
  case FERRYINFO_NUM_CONNECTS:
    LNG(e->num_connects);
    break;
  case FERRYINFO_ACTIVESOCKET:
    *(ferry_socket_t *)out = last_socket(e);
    break;
  case FERRYINFO_LASTSOCKET:
    LNG(last_socket(e));
    break;
  case FERRYINFO_SSL_VERIFYRESULT:
    LNG(e->ssl_verifyresult);
    break;
  case FERRYINFO_CERTINFO:
    *(struct ferry_certinfo **)out = &e->certinfo;
    break;
  case FERRYINFO_PRIMARY_IP:
    STR(e->primary_ip);
    break;
  case FERRYINFO_PRIMARY_PORT:
    LNG(e->primary_port);
    break;
  case FERRYINFO_LOCAL_IP:
    STR(e->local_ip);
    break;
  case FERRYINFO_LOCAL_PORT:
    LNG(e->local_port);
    break;
  case FERRYINFO_HTTP_CONNECTCODE:
    LNG(e->connectcode);
    break;
  case FERRYINFO_REDIRECT_URL:
    STR(e->redirect_url);
    break;
  case FERRYINFO_REDIRECT_COUNT:
    LNG(e->redirect_count);
    break;
  case FERRYINFO_SCHEME:
    STR(e->url.scheme);
    break;
  case FERRYINFO_EFFECTIVE_METHOD:
    STR(ferry__http_method(e));
    break;
  case FERRYINFO_REFERER:
    /* the Referer of the last request: AUTOREFERER's, else REFERER */
    STR(e->hop_referer ? e->hop_referer : e->set.referer);
    break;
  case FERRYINFO_USED_PROXY:
    LNG(e->use_proxy);
    break;
  case FERRYINFO_HTTPAUTH_USED:
    LNG(e->auth_used);
    break;
  case FERRYINFO_PROXYAUTH_USED:
    LNG(e->proxyauth_used);
    break;
  case FERRYINFO_HTTPAUTH_AVAIL:
    LNG(e->httpauth_avail);
    break;
  case FERRYINFO_PROXYAUTH_AVAIL:
    LNG(proxyauth_avail(e));
    break;
  case FERRYINFO_SIZE_DELIVERED:
    OFF(e->delivered);
    break;
  case FERRYINFO_QUEUE_TIME_T:
    OFF(e->queue_us);
    break;
  case FERRYINFO_POSTTRANSFER_TIME_T:
    OFF(e->posttransfer_us);
    break;
  case FERRYINFO_XFER_ID:
    OFF(e->xfer_id);
    break;
  case FERRYINFO_CONN_ID:
    OFF(e->conn ? e->conn->id : e->conn_id);
    break;
  case FERRYINFO_COOKIELIST: {
    /* a new list of Netscape lines, the caller's to free */
    ferry_slist *list = NULL;
    if (ferry__http_cookie_list(e, &list) != FERRYE_OK)
      return FERRYE_OUT_OF_MEMORY;
    *(ferry_slist **)out = list;
    break;
  }
  default:
    return FERRYE_NOT_BUILT_IN;
  }
#undef STR
#undef LNG
#undef DBL
#undef OFF
  return FERRYE_OK;
}

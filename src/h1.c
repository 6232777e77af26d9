/* The HTTP/1.1 codec (sans-IO). See h1.h.
 *
 * Response parsing: while in a header section, ferry itself finds the blank
 * line that ends it, keeps the raw bytes (capped) so that header callbacks
 * receive the exact lines, and feeds llhttp only the header bytes. So when
 * llhttp reports the headers complete, the whole section is in p->hdr. Body
 * bytes go to llhttp as they come; llhttp is paused at the end of the
 * message so that bytes after it are never taken as part of it. */
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "h1.h"

static int on_headers_complete(llhttp_t *llh);
static int on_body(llhttp_t *llh, const char *at, size_t len);
static int on_message_complete(llhttp_t *llh);

static const llhttp_settings_t h1_settings = {
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

void ferry__h1_fail(ferry__h1_parser *p, ferry_code code, const char *msg) {
  if (p->err != FERRYE_OK)
    return;
  p->err = code;
  p->errprefix = "";
  p->errmsg = msg;
}

void ferry__h1_parser_init(ferry__h1_parser *p, const ferry__h1_callbacks *cb,
                           void *ud, int head_request) {
  memset(p, 0, sizeof(*p));
  llhttp_init(&p->llh, HTTP_RESPONSE, &h1_settings);
  p->llh.data = p;
  p->cb = cb;
  p->ud = ud;
  p->in_headers = 1;
  p->head_request = (unsigned char)head_request;
  ferry__buf_init(&p->hdr, FERRY__H1_MAX_HEADERS);
}

void ferry__h1_parser_free(ferry__h1_parser *p) { ferry__buf_free(&p->hdr); }

void ferry__h1_expect_upgrade(ferry__h1_parser *p) {
  p->upgrade_ok = 1;
  p->upgrade_final = 1;
}

static int on_headers_complete(llhttp_t *llh) {
  ferry__h1_parser *p = llh->data;
  const char *s = p->hdr.data, *end = s + p->hdr.len;
  int status = llh->status_code;
  /* a WebSocket's 101 is its final answer; h2c's is a 1xx before the
   * HTTP/2 response */
  int interim = status >= 100 && status < 200 &&
                !(status == 101 && p->upgrade_final);
  int rc;

  if (status == 101 && !p->upgrade_ok) {
    ferry__h1_fail(p, FERRYE_WEIRD_SERVER_REPLY,
                   "server switched protocols (101) without being asked");
    return -1;
  }
  if (interim && ++p->interim > FERRY__H1_MAX_INTERIM) {
    ferry__h1_fail(p, FERRYE_WEIRD_SERVER_REPLY, "too many 1xx responses");
    return -1;
  }
  while (s < end) {
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    size_t n = nl ? (size_t)(nl - s) + 1 : (size_t)(end - s);
    ferry_code rc2 = p->cb->on_header_line(p->ud, s, n);
    if (rc2 != FERRYE_OK) {
      ferry__h1_fail(p, rc2, "header callback failed");
      return -1;
    }
    s += n;
  }
  rc = p->cb->on_headers_done(p->ud, status, llh->http_major, llh->http_minor,
                              interim);
  if (rc < 0) {
    ferry__h1_fail(p, FERRYE_WEIRD_SERVER_REPLY, "stopped after headers");
    return -1;
  }
  p->line_len = 0;
  p->nl = 0;
  if (status == 101) {
    /* switched: the bytes after this section are the new protocol's
     * (HTTP/2, or WebSocket) */
    ferry__buf_free(&p->hdr);
    p->in_headers = 0;
    p->upgraded = 1;
    p->complete = 1;
    return HPE_PAUSED;
  }
  if (interim) {
    ferry__buf_reset(&p->hdr);
    return 0; /* llhttp ends the 1xx message; another header section follows */
  }
  /* the final header section is done with: a transfer that now waits for
   * its body keeps no header bytes */
  ferry__buf_free(&p->hdr);
  p->in_headers = 0;
  if (p->head_request || status == 204 || status == 304)
    return 1;
  return rc == FERRY__H1_NOBODY ? 1 : 0;
}

static int on_body(llhttp_t *llh, const char *at, size_t len) {
  ferry__h1_parser *p = llh->data;
  if (p->cb->on_body(p->ud, at, len) < 0) {
    ferry__h1_fail(p, FERRYE_WRITE_ERROR, "body callback failed");
    return -1;
  }
  return 0;
}

static int on_message_complete(llhttp_t *llh) {
  ferry__h1_parser *p = llh->data;
  if (p->in_headers)
    return 0; /* an interim response ended; keep going */
  p->complete = 1;
  return HPE_PAUSED;
}

static ferry_code map_llhttp_error(ferry__h1_parser *p, llhttp_errno_t e) {
  const char *reason = llhttp_get_error_reason(&p->llh);
  ferry_code code;

  if (p->err != FERRYE_OK)
    return p->err;
  if (p->in_headers)
    code = FERRYE_WEIRD_SERVER_REPLY;
  else if (e == HPE_INVALID_CHUNK_SIZE || e == HPE_STRICT ||
           e == HPE_LF_EXPECTED || e == HPE_CR_EXPECTED)
    code = FERRYE_RECV_ERROR;
  else
    code = FERRYE_WEIRD_SERVER_REPLY;
  p->err = code;
  /* both are llhttp's string literals */
  p->errprefix = "invalid HTTP response: ";
  p->errmsg = reason ? reason : llhttp_errno_name(e);
  return code;
}

/* Is there a bare CR (one not followed by LF) in the header bytes
 * data[0..len), given the ones before? RFC 9112 2.2 makes it invalid, and
 * it must be refused: llhttp takes a CR at the start of a line as the end
 * of the section whatever follows, while scan_header_end() waits for the
 * blank line, so the two would disagree on where the body starts (lines
 * given to the header callback would also reach the write callback). */
static int bare_cr(ferry__h1_parser *p, const char *data, size_t len) {
  const char *q = data, *end = data + len;

  if (len == 0)
    return 0;
  if (p->cr) {
    if (*q != '\n')
      return 1;
    p->cr = 0;
  }
  while ((q = memchr(q, '\r', (size_t)(end - q))) != NULL) {
    if (q + 1 == end) {
      p->cr = 1;
      return 0;
    }
    if (q[1] != '\n')
      return 1;
    q += 2;
  }
  return 0;
}

/* Find the end of the header section in data[0..len). Returns the number of
 * bytes up to and including the blank line's \n, or 0 if not in this piece.
 * Tracks line lengths for the per-line cap. */
static size_t scan_header_end(ferry__h1_parser *p, const char *data, size_t len,
                              int *too_long) {
  size_t i = 0;
  while (i < len) {
    char c = data[i];
    if (c == '\n') {
      if (p->nl)
        return i + 1;
      p->nl = 1;
      p->line_len = 0;
      i++;
      continue;
    }
    if (c == '\r' && p->nl == 1) {
      p->nl = 2;
      i++;
      continue;
    }
    /* inside a line: jump to its end */
    {
      const char *nl = memchr(data + i, '\n', len - i);
      size_t run = nl ? (size_t)(nl - (data + i)) : len - i;
      p->nl = 0;
      if (p->line_len + run > FERRY__H1_MAX_LINE) {
        *too_long = 1;
        return 0;
      }
      p->line_len += run;
      i += run;
    }
  }
  return 0;
}

ferry_code ferry__h1_feed(ferry__h1_parser *p, const char *data, size_t len,
                          size_t *consumed) {
  size_t off = 0;
  llhttp_errno_t e;

  *consumed = 0;
  if (p->err != FERRYE_OK)
    return p->err;
  if (len)
    p->any_bytes = 1;
  while (off < len && !p->complete) {
    if (p->in_headers) {
      int too_long = 0;
      size_t end = scan_header_end(p, data + off, len - off, &too_long);
      size_t n = end ? end : len - off;
      if (too_long) {
        ferry__h1_fail(p, FERRYE_TOO_LARGE, "response header line too long");
        return p->err;
      }
      /* llhttp refuses NUL in header names and values but not in the
       * status line's reason; header callbacks get raw lines, which many
       * applications treat as C strings. Refuse it anywhere, as curl does. */
      if (memchr(data + off, '\0', n) != NULL) {
        ferry__h1_fail(p, FERRYE_WEIRD_SERVER_REPLY,
                       "invalid HTTP response: NUL byte in the header");
        return p->err;
      }
      if (bare_cr(p, data + off, n)) {
        ferry__h1_fail(p, FERRYE_WEIRD_SERVER_REPLY,
                       "invalid HTTP response: CR without LF in the header");
        return p->err;
      }
      if (p->hdr_total + n > FERRY__H1_MAX_HEADERS) {
        ferry__h1_fail(p, FERRYE_TOO_LARGE, "response header section too large");
        return p->err;
      }
      if (ferry__buf_add(&p->hdr, data + off, n) != 0) {
        ferry__h1_fail(p, FERRYE_OUT_OF_MEMORY, "out of memory for headers");
        return p->err;
      }
      p->hdr_total += n;
      e = llhttp_execute(&p->llh, data + off, n);
      if (p->upgraded) {
        off += n; /* llhttp had the section alone: it ends there */
        break;
      }
      if (e == HPE_PAUSED) {
        /* The message ended with its header section (no body). */
        off = (size_t)(llhttp_get_error_pos(&p->llh) - data);
        break;
      }
      off += n;
      if (e != HPE_OK)
        return map_llhttp_error(p, e);
      if (end && p->in_headers && p->hdr.len != 0) {
        /* The blank line came but llhttp did not finish the section: it
         * cannot happen with a valid parse, but never loop on it. */
        ferry__h1_fail(p, FERRYE_WEIRD_SERVER_REPLY, "malformed header section");
        return p->err;
      }
    } else {
      e = llhttp_execute(&p->llh, data + off, len - off);
      if (e == HPE_PAUSED) {
        off = (size_t)(llhttp_get_error_pos(&p->llh) - data);
        break;
      }
      if (e != HPE_OK)
        return map_llhttp_error(p, e);
      off = len;
    }
  }
  *consumed = off;
  return FERRYE_OK;
}

ferry_code ferry__h1_eof(ferry__h1_parser *p) {
  llhttp_errno_t e;

  if (p->err != FERRYE_OK)
    return p->err;
  if (p->complete)
    return FERRYE_OK;
  if (p->in_headers) {
    if (!p->any_bytes) {
      ferry__h1_fail(p, FERRYE_GOT_NOTHING, "empty reply from server");
      return p->err;
    }
    ferry__h1_fail(p, FERRYE_WEIRD_SERVER_REPLY,
                   "connection closed inside the response header");
    return p->err;
  }
  e = llhttp_finish(&p->llh);
  /* For a close-delimited body, finish runs on_message_complete. */
  if ((e == HPE_OK || e == HPE_PAUSED) && p->complete)
    return FERRYE_OK;
  if (p->llh.flags & F_CHUNKED)
    ferry__h1_fail(p, FERRYE_PARTIAL_FILE,
                   "connection closed before the last chunk");
  else
    ferry__h1_fail(p, FERRYE_PARTIAL_FILE,
                   "connection closed before all of the body arrived");
  return p->err;
}

int ferry__h1_keep_alive(const ferry__h1_parser *p) {
  return p->complete && llhttp_should_keep_alive(&p->llh);
}

int ferry__h1_says_keep_alive(const ferry__h1_parser *p) {
  return (p->llh.flags & F_CONNECTION_KEEP_ALIVE) != 0;
}

int64_t ferry__h1_content_length(const ferry__h1_parser *p) {
  /* 204 and 304 never have a body, whatever they say (libcurl then
   * reports a length of 0) */
  if (p->llh.status_code == 204 || p->llh.status_code == 304)
    return 0;
  if (p->llh.flags & F_CONTENT_LENGTH)
    return (int64_t)p->llh.content_length;
  return -1;
}

/* Is header `name` (length n) among the user's HTTPHEADER entries, as a
 * replacement ("N: v"), removal ("N:") or empty ("N;")? */
static int user_sets_header(const ferry_slist *h, const char *name) {
  size_t n = strlen(name);
  for (; h != NULL; h = h->next) {
    const char *d = h->data;
    if (d && strncasecmp(d, name, n) == 0 && (d[n] == ':' || d[n] == ';'))
      return 1;
  }
  return 0;
}

int ferry__h1_user_sets_header(const ferry_slist *h, const char *name) {
  return user_sets_header(h, name);
}

const char *ferry__h1_user_header_value(const ferry_slist *h,
                                        const char *name) {
  size_t n = strlen(name);
  for (; h != NULL; h = h->next) {
    const char *d = h->data;
    if (d && strncasecmp(d, name, n) == 0 && (d[n] == ':' || d[n] == ';')) {
      if (strpbrk(d, "\r\n"))
        return NULL;
      for (d += n + 1; *d == ' ' || *d == '\t'; d++)
        ;
      return d;
    }
  }
  return NULL;
}

/* The user's replacement Host header ("Host: v" with a value and no line
 * break), or NULL. It goes where ferry's own Host would: first, as RFC 9112
 * section 3.2 asks and as libcurl does. */
static const char *user_host_header(const ferry_slist *h) {
  for (; h != NULL; h = h->next) {
    const char *d = h->data, *v;
    if (d == NULL || strncasecmp(d, "Host:", 5) != 0)
      continue;
    for (v = d + 5; *v == ' ' || *v == '\t'; v++)
      ;
    if (*v != '\0' && strpbrk(d, "\r\n") == NULL)
      return d;
  }
  return NULL;
}

/* host_sent: the user's Host went first already; no other Host goes out. */
static int is_credential_header(const char *d, size_t nlen) {
  static const char *const names[] = {"Authorization", "Cookie",
                                      "Proxy-Authorization"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (strlen(names[i]) == nlen && strncasecmp(d, names[i], nlen) == 0)
      return 1;
  return 0;
}

/* Is d ("Name: value" or "Name;") the header name (length nlen)? */
static int names_header(const char *d, size_t nlen, const char *name) {
  return strlen(name) == nlen && strncasecmp(d, name, nlen) == 0;
}

/* skip_type: a form's Content-Type, made from the user's, goes apart.
 * skip_length: an authentication probe says its own Content-Length.
 * skip_connection: the user's Connection lines go apart (a WebSocket
 * handshake joins the first to its own). */
static int add_user_headers(ferry__buf *out, const ferry_slist *h,
                            int host_sent, int strip_credentials,
                            int skip_type, int skip_length,
                            int skip_connection) {
  for (; h != NULL; h = h->next) {
    const char *d = h->data, *sep;
    size_t nlen;
    if (d == NULL || (host_sent && strncasecmp(d, "Host:", 5) == 0))
      continue;
    sep = d + strcspn(d, ":;");
    nlen = (size_t)(sep - d);
    if (*sep == '\0' || nlen == 0)
      continue; /* not a header line: skip it, as libcurl does */
    if (strip_credentials && is_credential_header(d, nlen))
      continue;
    if (skip_type && nlen == 12 && strncasecmp(d, "Content-Type", 12) == 0)
      continue;
    if (skip_length && nlen == 14 &&
        strncasecmp(d, "Content-Length", 14) == 0)
      continue;
    if (skip_connection && names_header(d, nlen, "Connection"))
      continue;
    if (*sep == ';') {
      const char *rest = sep + 1;
      while (*rest == ' ' || *rest == '\t')
        rest++;
      if (*rest != '\0')
        continue; /* "N; junk" is not the empty-header form */
      if (ferry__buf_add(out, d, nlen) || ferry__buf_adds(out, ":\r\n"))
        return -1;
      continue;
    }
    {
      const char *v = sep + 1;
      while (*v == ' ' || *v == '\t')
        v++;
      if (*v == '\0')
        continue; /* "N:" removes the header */
    }
    /* Never let a header carry a line break into the request. */
    if (strpbrk(d, "\r\n") != NULL)
      continue;
    if (ferry__buf_adds(out, d) || ferry__buf_adds(out, "\r\n"))
      return -1;
  }
  return 0;
}

/* A WebSocket handshake's own headers (RFC 6455 4.1), each unless the
 * user's HTTPHEADER names it. */
static int add_ws_upgrade(ferry__buf *out, const ferry__h1_request *r) {
  const ferry_slist *h = r->headers;
  return (!user_sets_header(h, "Upgrade") &&
          ferry__buf_adds(out, "Upgrade: websocket\r\n")) ||
         (!user_sets_header(h, "Sec-WebSocket-Version") &&
          ferry__buf_adds(out, "Sec-WebSocket-Version: 13\r\n")) ||
         (!user_sets_header(h, "Sec-WebSocket-Key") &&
          ferry__buf_cat(out, "Sec-WebSocket-Key: ", r->ws_key, "\r\n",
                         NULL));
}

/* "Connection: Upgrade", after the value of the user's first Connection
 * header that has one, then the user's other Connection lines, as libcurl
 * sends them. */
static int add_ws_connection(ferry__buf *out, const ferry_slist *h) {
  int first = 1;

  for (const ferry_slist *i = h; i != NULL; i = i->next) {
    const char *d = i->data, *v;
    size_t vlen;
    if (d == NULL || strncasecmp(d, "Connection:", 11) != 0 ||
        strpbrk(d, "\r\n") != NULL)
      continue;
    for (v = d + 11; *v == ' ' || *v == '\t'; v++)
      ;
    vlen = strlen(v);
    while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
      vlen--;
    if (vlen == 0)
      continue;
    if (first) {
      first = 0;
      if (ferry__buf_adds(out, "Connection: ") ||
          ferry__buf_add(out, v, vlen) ||
          ferry__buf_adds(out, ", Upgrade\r\n"))
        return -1;
    } else if (ferry__buf_adds(out, d) || ferry__buf_adds(out, "\r\n")) {
      return -1;
    }
  }
  if (first && ferry__buf_adds(out, "Connection: Upgrade\r\n"))
    return -1;
  return 0;
}

/* One Cookie line: the engine's cookies, then the COOKIE option's string
 * (which a user's own Cookie header replaces, as in libcurl). */
static int add_cookie(ferry__buf *out, const ferry__h1_request *r) {
  const char *opt = r->cookie_option;
  if (opt && user_sets_header(r->headers, "Cookie"))
    opt = NULL;
  if (r->cookie == NULL && opt == NULL)
    return 0;
  return ferry__buf_cat(out, "Cookie: ", r->cookie ? r->cookie : "",
                        r->cookie && opt ? "; " : "", opt ? opt : "", "\r\n",
                        NULL);
}

ferry_code ferry__h1_build_request(ferry__buf *out, const ferry__h1_request *r) {
  const ferry_slist *h = r->headers;
  const char *host_line = user_host_header(h);

  if (ferry__buf_cat(out, r->method, " ", r->target,
                     r->http10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n", NULL))
    return FERRYE_OUT_OF_MEMORY;
  if (host_line != NULL) {
    if (ferry__buf_adds(out, host_line) || ferry__buf_adds(out, "\r\n"))
      return FERRYE_OUT_OF_MEMORY;
  } else if (!user_sets_header(h, "Host") &&
             ferry__buf_cat(out, "Host: ", r->host, "\r\n", NULL)) {
    return FERRYE_OUT_OF_MEMORY;
  }
  if (r->proxy_authorization &&
      ferry__buf_cat(out, "Proxy-Authorization: ", r->proxy_authorization,
                     "\r\n", NULL))
    return FERRYE_OUT_OF_MEMORY;
  /* Range goes where libcurl puts it, before User-Agent; partial.c left
   * it out if the user has one */
  if (r->range_line && ferry__buf_cat(out, r->range_line, "\r\n", NULL))
    return FERRYE_OUT_OF_MEMORY;
  if (r->user_agent && !user_sets_header(h, "User-Agent") &&
      ferry__buf_cat(out, "User-Agent: ", r->user_agent, "\r\n", NULL))
    return FERRYE_OUT_OF_MEMORY;
  if (r->authorization &&
      (r->strip_credentials || !user_sets_header(h, "Authorization")) &&
      ferry__buf_cat(out, "Authorization: ", r->authorization, "\r\n", NULL))
    return FERRYE_OUT_OF_MEMORY;
  if (!user_sets_header(h, "Accept") && ferry__buf_adds(out, "Accept: */*\r\n"))
    return FERRYE_OUT_OF_MEMORY;
  if (r->accept_encoding && !user_sets_header(h, "Accept-Encoding") &&
      ferry__buf_cat(out, "Accept-Encoding: ", r->accept_encoding, "\r\n",
                     NULL))
    return FERRYE_OUT_OF_MEMORY;
  if (r->referer && !user_sets_header(h, "Referer") &&
      ferry__buf_cat(out, "Referer: ", r->referer, "\r\n", NULL))
    return FERRYE_OUT_OF_MEMORY;
  if (r->proxy_keepalive && !user_sets_header(h, "Proxy-Connection") &&
      !user_sets_header(r->proxy_headers, "Proxy-Connection") &&
      ferry__buf_adds(out, "Proxy-Connection: Keep-Alive\r\n"))
    return FERRYE_OUT_OF_MEMORY;
  if (r->ws_key && add_ws_upgrade(out, r))
    return FERRYE_OUT_OF_MEMORY;
  if (add_cookie(out, r))
    return FERRYE_OUT_OF_MEMORY;
  if (r->cond_line && ferry__buf_cat(out, r->cond_line, "\r\n", NULL))
    return FERRYE_OUT_OF_MEMORY;
  if (add_user_headers(out, h, host_line != NULL, r->strip_credentials,
                       r->mime_content_type != NULL || r->form_probe,
                       r->auth_probe, r->ws_key != NULL))
    return FERRYE_OUT_OF_MEMORY;
  if (add_user_headers(out, r->proxy_headers, host_line != NULL, 0, 0, 0, 0))
    return FERRYE_OUT_OF_MEMORY;
  if (r->body_len >= 0 &&
      (r->auth_probe || !user_sets_header(h, "Content-Length")) &&
      (ferry__buf_adds(out, "Content-Length: ") ||
       ferry__buf_add_int(out, (long long)r->body_len) ||
       ferry__buf_adds(out, "\r\n")))
    return FERRYE_OUT_OF_MEMORY;
  if (r->body_len == -2 && !user_sets_header(h, "Transfer-Encoding") &&
      ferry__buf_adds(out, "Transfer-Encoding: chunked\r\n"))
    return FERRYE_OUT_OF_MEMORY;
  /* Content-Type before Expect, where libcurl puts them: a form's type,
   * or POSTFIELDS' default */
  if (r->mime_content_type &&
      ferry__buf_cat(out, "Content-Type: ", r->mime_content_type, "\r\n",
                     NULL))
    return FERRYE_OUT_OF_MEMORY;
  if (r->form_content_type && !user_sets_header(h, "Content-Type") &&
      ferry__buf_adds(out,
                      "Content-Type: application/x-www-form-urlencoded\r\n"))
    return FERRYE_OUT_OF_MEMORY;
  if (r->expect_100 && ferry__buf_adds(out, "Expect: 100-continue\r\n"))
    return FERRYE_OUT_OF_MEMORY;
  if (r->ws_key && add_ws_connection(out, r->headers))
    return FERRYE_OUT_OF_MEMORY;
  if (r->h2c_settings &&
      ferry__buf_cat(out, "Connection: Upgrade, HTTP2-Settings\r\n"
                          "Upgrade: h2c\r\nHTTP2-Settings: ",
                     r->h2c_settings, "\r\n", NULL))
    return FERRYE_OUT_OF_MEMORY;
  if (ferry__buf_adds(out, "\r\n"))
    return FERRYE_OUT_OF_MEMORY;
  return FERRYE_OK;
}

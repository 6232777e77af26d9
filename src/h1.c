/* The HTTP/1 codec (sans-IO). See h1.h.
 *
 * Response parsing follows libcurl's reading of HTTP/1 (lib/http.c,
 * lib/http_chunks.c), written anew: a header section is taken a line at a
 * time, each line checked, interpreted and handed on before the next is
 * read, so that what the application saw before an error is what libcurl
 * shows. A line that is not complete in one piece of input is kept in
 * p->line (capped); a complete one is used where it lies. */
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "h1.h"

static const char *const state_names[] = {
#define FERRY__H1_STATE_NAME(name) #name,
    FERRY__H1_STATES(FERRY__H1_STATE_NAME)
#undef FERRY__H1_STATE_NAME
};

const char *ferry__h1_state_name(ferry__h1_state s) {
  return (size_t)s < sizeof(state_names) / sizeof(state_names[0])
             ? state_names[s]
             : "?";
}

void ferry__h1_fail(ferry__h1_parser *p, ferry_code code, const char *msg) {
  if (p->err != FERRYE_OK)
    return;
  p->err = code;
  p->errprefix = "";
  p->errmsg = msg;
}

/* Fail with a message of ferry's: "invalid HTTP response: " and msg. */
static ferry_code bad(ferry__h1_parser *p, ferry_code code, const char *msg) {
  if (p->err == FERRYE_OK) {
    p->err = code;
    p->errprefix = "invalid HTTP response: ";
    p->errmsg = msg;
  }
  return p->err;
}

void ferry__h1_parser_init(ferry__h1_parser *p, const ferry__h1_callbacks *cb,
                           void *ud, int head_request) {
  memset(p, 0, sizeof(*p));
  p->cb = cb;
  p->ud = ud;
  p->state = FERRY__H1_HEADERS;
  p->content_length = -1;
  p->head_request = (unsigned char)(head_request != 0);
  ferry__buf_init(&p->line, FERRY__H1_MAX_LINE);
}

void ferry__h1_parser_free(ferry__h1_parser *p) { ferry__buf_free(&p->line); }

/* ---- small helpers ---------------------------------------------------- */

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* libcurl's ISSPACE: blanks and the line-ending and form characters. */
static int is_space(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = (char)(c | 0x20);
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* Does the line start with `name` (with its colon), in any case? */
static int has_name(const char *line, size_t n, const char *name, size_t nlen) {
  return n >= nlen && strncasecmp(line, name, nlen) == 0;
}
#define HAS_NAME(line, n, lit) has_name((line), (n), lit, sizeof(lit) - 1)

/* Does the value (after a header name of nlen bytes) contain `word`, in
 * any case? libcurl's test for "close" and "keep-alive" in Connection. */
static int value_says(const char *line, size_t n, size_t nlen,
                      const char *word) {
  size_t wlen = strlen(word), i;
  const char *v = line + nlen, *end = line + n;

  while (v < end && is_space(*v))
    v++;
  for (i = 0; v + i < end && v[i] != '\r' && v[i] != '\n'; i++)
    ;
  end = v + i;
  for (; (size_t)(end - v) >= wlen; v++)
    if (strncasecmp(v, word, wlen) == 0)
      return 1;
  return 0;
}

/* Could the bytes so far (n of them) begin a status line? libcurl takes
 * anything that starts with "HTTP/" in any case, and decides on the first
 * bytes, before the line is complete. */
static int http_prefix(const char *s, size_t n) {
  return strncasecmp(s, "HTTP/", n < 5 ? n : 5) == 0;
}

/* The first line is not a status line: an HTTP/0.9 answer, which libcurl
 * refuses unless asked (HTTP09_ALLOWED, which ferry does not have); on a
 * connection that answered in HTTP/1 before, an invalid status line. */
static ferry_code not_a_status_line(ferry__h1_parser *p) {
  if (p->conn_version >= 10)
    return bad(p, FERRYE_WEIRD_SERVER_REPLY, "invalid status line");
  return bad(p, FERRYE_UNSUPPORTED_PROTOCOL,
             "received HTTP/0.9, which is not allowed (no status line)");
}

/* Count n more header bytes: past FERRY__H1_MAX_HEADERS is an error, as
 * libcurl's, once the line has been handed on. */
static ferry_code count_header_bytes(ferry__h1_parser *p, size_t n) {
  p->hdr_total += n;
  if (p->hdr_total > FERRY__H1_MAX_HEADERS)
    return bad(p, FERRYE_RECV_ERROR,
               "response header section too large (over 300 KiB)");
  return FERRYE_OK;
}

static ferry_code hand_on(ferry__h1_parser *p, const char *line, size_t n) {
  ferry_code rc = p->cb->on_header_line(p->ud, line, n);
  if (rc != FERRYE_OK) {
    ferry__h1_fail(p, rc, "header callback failed");
    return p->err;
  }
  return count_header_bytes(p, n);
}

/* ---- the status line -------------------------------------------------- */

/* Three digits and then a space (or the line's end): the status code. */
static int status_code(const char *s, int *code) {
  if (!is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) ||
      !is_space(s[3]))
    return 0;
  *code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
  return 1;
}

/* The status line (n bytes, ending in LF). As libcurl 8: "HTTP/1.0" or
 * "HTTP/1.1", a blank and three digits, or "HTTP/2" (or "HTTP/3") and a
 * blank and three digits. Any other major version, or an HTTP/1 line
 * that breaks that form, is refused (UNSUPPORTED_PROTOCOL). A line that
 * only starts with "HTTP/" some other way (another case, "HTTP/2.0") is
 * taken as an HTTP/1.0 200, which is what libcurl makes of it. */
static ferry_code status_line(ferry__h1_parser *p, const char *line, size_t n) {
  int code = 0, version = 0, ok = 0;
  ferry_code rc;

  if (!http_prefix(line, n) || n < 5)
    return not_a_status_line(p);
  if (strncmp(line, "HTTP/", 5) == 0) {
    /* the line ends in LF, so v[0] and v[1] exist */
    const char *v = line + 5;
    switch (v[0]) {
    case '1':
      if (n >= 13 && v[1] == '.' && (v[2] == '0' || v[2] == '1') &&
          is_blank(v[3]) && status_code(v + 4, &code)) {
        version = 10 + (v[2] - '0');
        ok = 1;
      }
      if (!ok)
        return bad(p, FERRYE_UNSUPPORTED_PROTOCOL,
                   "unsupported HTTP/1 version or status code in the "
                   "status line");
      break;
    case '2':
    case '3':
      if (!is_blank(v[1]))
        break; /* "HTTP/2.0": taken below, as libcurl does */
      if (n >= 11 && status_code(v + 2, &code)) {
        version = (v[0] - '0') * 10;
        ok = 1;
      }
      break;
    default:
      return bad(p, FERRYE_UNSUPPORTED_PROTOCOL,
                 "unsupported HTTP version in the status line");
    }
  }
  if (!ok) {
    code = 200;
    version = 10;
  }
  if (version == 30)
    return bad(p, FERRYE_UNSUPPORTED_PROTOCOL,
               "HTTP/3 status line (ferry has no HTTP/3)");
  if (p->conn_version && p->conn_version / 10 != version / 10)
    return bad(p, FERRYE_UNSUPPORTED_PROTOCOL,
               "the HTTP major version changed on the connection");
  if (memchr(line, '\0', n) != NULL)
    return bad(p, FERRYE_WEIRD_SERVER_REPLY, "NUL byte in the header");
  p->conn_version = (unsigned char)version;
  p->status = code;
  p->major = (unsigned char)(version / 10);
  p->minor = (unsigned char)(version % 10);
  p->lineno = 1;
  p->bodyless = code / 100 == 1 || code == 204 || code == 304;
  p->content_length = -1;
  p->chunked = p->te_seen = p->cl_overflow = 0;
  if (version == 10)
    p->keep_alive = 0; /* HTTP/1.0 closes unless this response says so */
  if (p->cb->on_status != NULL &&
      (rc = p->cb->on_status(p->ud, code, p->major, p->minor)) != FERRYE_OK) {
    ferry__h1_fail(p, rc, "status callback failed");
    return p->err;
  }
  return hand_on(p, line, n);
}

/* ---- header lines ----------------------------------------------------- */

/* Content-Length, as libcurl 8.17 reads it: digits (blanks around them),
 * or a comma-separated list of equal ones; every Content-Length of the
 * response must say the same. One past 64 bits is ignored and the
 * connection closed (libcurl's choice: the body then ends at the close;
 * with MAXFILESIZE set it fails, see on_headers_end). */
static ferry_code content_length(ferry__h1_parser *p, const char *v,
                                 const char *end) {
  for (;;) {
    int64_t num = 0;
    int digits = 0;

    while (v < end && is_blank(*v))
      v++;
    while (v < end && is_digit(*v)) {
      int d = *v++ - '0';
      if (num > (INT64_MAX - d) / 10) {
        p->cl_overflow = 1;
        p->close = 1;
        return FERRYE_OK;
      }
      num = num * 10 + d;
      digits++;
    }
    if (!digits)
      return bad(p, FERRYE_WEIRD_SERVER_REPLY, "invalid Content-Length value");
    if (p->content_length != -1 && p->content_length != num)
      return bad(p, FERRYE_WEIRD_SERVER_REPLY,
                 "differing Content-Length values");
    p->content_length = num;
    while (v < end && is_blank(*v))
      v++;
    if (v < end && *v == ',') {
      v++;
      continue;
    }
    if (v < end && (*v == '\r' || *v == '\n'))
      return FERRYE_OK;
    return bad(p, FERRYE_WEIRD_SERVER_REPLY, "invalid Content-Length value");
  }
}

/* Transfer-Encoding, as libcurl 8.14 and later read it: chunked (once; a
 * repeat is ignored), identity (ignored) before it; any other coding, or
 * anything after chunked, is refused, since ferry decodes no transfer
 * coding but chunked (libcurl's TRANSFER_ENCODING is not available). */
static ferry_code transfer_encoding(ferry__h1_parser *p, const char *v,
                                    const char *end) {
  p->te_seen = 1;
  while (v < end) {
    const char *name;
    size_t len = 0;

    while (v < end && (is_blank(*v) || *v == ','))
      v++;
    name = v;
    for (; v < end && *v != ','; v++)
      if ((unsigned char)*v > ' ')
        len = (size_t)(v - name) + 1;
    if (len == 0)
      continue;
    if (len == 7 && strncasecmp(name, "chunked", 7) == 0) {
      p->chunked = 1;
      continue;
    }
    if (p->chunked)
      return bad(p, FERRYE_BAD_CONTENT_ENCODING,
                 "a transfer coding after chunked");
    if (len == 8 && strncasecmp(name, "identity", 8) == 0)
      continue;
    return bad(p, FERRYE_BAD_CONTENT_ENCODING,
               "a Transfer-Encoding other than chunked");
  }
  return FERRYE_OK;
}

/* What a header line says about the framing and the connection. */
static ferry_code interpret(ferry__h1_parser *p, const char *line, size_t n) {
  const char *end = line + n;

  switch (line[0] | 0x20) {
  case 'c':
    if (HAS_NAME(line, n, "Content-Length:")) {
      if (p->bodyless)
        return FERRYE_OK;
      return content_length(p, line + 15, end);
    }
    if (HAS_NAME(line, n, "Connection:")) {
      if (value_says(line, n, 11, "close"))
        p->close = 1;
      else if (p->major == 1 && p->minor == 0 &&
               value_says(line, n, 11, "keep-alive"))
        p->keep_alive = 1;
    }
    return FERRYE_OK;
  case 't':
    /* not for a body that cannot come: a HEAD's or a 304's (RFC 9112
     * 6.1), or a 1xx's or 204's */
    if (HAS_NAME(line, n, "Transfer-Encoding:") && !p->bodyless &&
        !p->head_request)
      return transfer_encoding(p, line + 18, end);
    return FERRYE_OK;
  default:
    return FERRYE_OK;
  }
}

/* A header line after the status line. */
static ferry_code header_line(ferry__h1_parser *p, const char *line, size_t n) {
  ferry_code rc;

  if (memchr(line, '\0', n) != NULL)
    return bad(p, FERRYE_WEIRD_SERVER_REPLY, "NUL byte in the header");
  p->lineno++;
  /* a line that starts with a blank continues the one before it (obs-fold),
   * but not the status line */
  if (!(p->lineno > 2 && is_blank(line[0])) && memchr(line, ':', n) == NULL)
    return bad(p, FERRYE_WEIRD_SERVER_REPLY, "header line without a colon");
  rc = interpret(p, line, n);
  if (rc != FERRYE_OK)
    return rc;
  return hand_on(p, line, n);
}

/* ---- the end of a header section --------------------------------------- */

/* The body length the final response announces (see on_headers_end). */
static int64_t announced_length(const ferry__h1_parser *p) {
  if (p->status == 204 || p->status == 304)
    return 0;
  if (p->bodyless || p->chunked)
    return -1;
  if (p->cl_overflow)
    return INT64_MAX;
  return p->content_length;
}

/* The line that ends a header section (blank, or anything starting with
 * CR or LF, as libcurl takes it). */
static ferry_code section_end(ferry__h1_parser *p, const char *line, size_t n) {
  int interim = p->status / 100 == 1;
  ferry_code rc;
  int r;

  /* A 101 nobody asked for is the final response over HTTP/1.1, as in
   * libcurl: its body runs to the close. One that answers an upgrade to
   * h2c (RFC 7540 3.2) ends HTTP/1 on the connection. */
  if (p->status == 101 && p->major == 1 && p->minor == 1 && !p->upgrade_ok)
    interim = 0;
  if (interim || p->status < 100) {
    rc = hand_on(p, line, n);
    if (rc != FERRYE_OK)
      return rc;
    if (p->status == 101 && !(p->upgrade_ok && p->major == 1 &&
                              p->minor == 1))
      return bad(p, FERRYE_WEIRD_SERVER_REPLY,
                 "101 Switching Protocols over HTTP/2 or HTTP/1.0");
    if (p->status < 100)
      return bad(p, FERRYE_UNSUPPORTED_PROTOCOL,
                 "status code below 100 in the status line");
    r = p->cb->on_headers_done(p->ud, p->status, p->major, p->minor, 1);
    if (r < 0)
      return bad(p, FERRYE_WEIRD_SERVER_REPLY, "stopped after headers");
    if (p->status == 101) {
      /* switched: the bytes after this section are HTTP/2 */
      ferry__buf_free(&p->line);
      p->upgraded = 1;
      p->complete = 1;
      p->state = FERRY__H1_DONE;
      return FERRYE_OK;
    }
    /* another header section follows */
    p->lineno = 0;
    return FERRYE_OK;
  }
  /* Transfer-Encoding beside Content-Length: the chunks frame the body and
   * the length is ignored (RFC 9112 6.3), as in libcurl; a message like
   * that may be a smuggling attempt, so the connection ends with it. So
   * does a Transfer-Encoding in an HTTP/1.0 response (RFC 9112 6.1). */
  if (p->te_seen && (p->content_length >= 0 || p->minor == 0))
    p->close = 1;
  if (p->cb->on_headers_end != NULL &&
      (rc = p->cb->on_headers_end(p->ud, p->status, announced_length(p))) !=
          FERRYE_OK) {
    ferry__h1_fail(p, rc, "stopped at the end of the headers");
    return p->err;
  }
  rc = hand_on(p, line, n);
  if (rc != FERRYE_OK)
    return rc;
  r = p->cb->on_headers_done(p->ud, p->status, p->major, p->minor, 0);
  if (r < 0)
    return bad(p, FERRYE_WEIRD_SERVER_REPLY, "stopped after headers");
  /* the final header section is done with: a transfer that now waits for
   * its body keeps no header bytes */
  ferry__buf_free(&p->line);
  if (p->head_request || r == FERRY__H1_NOBODY || p->status == 204 ||
      p->status == 304) {
    p->state = FERRY__H1_DONE;
  } else if (p->status == 101) {
    p->state = FERRY__H1_CLOSE;
    p->close = 1;
  } else if (p->chunked) {
    p->state = FERRY__H1_CHUNK_HEX;
    p->hexlen = 0;
  } else if (p->content_length >= 0 && !p->cl_overflow) {
    p->left = p->content_length;
    p->state = p->left ? FERRY__H1_LENGTH : FERRY__H1_DONE;
  } else {
    /* no length, no chunks: the close ends the body (RFC 9112 6.3 7) */
    p->state = FERRY__H1_CLOSE;
    p->close = 1;
  }
  if (p->state == FERRY__H1_DONE)
    p->complete = 1;
  return FERRYE_OK;
}

static ferry_code one_line(ferry__h1_parser *p, const char *line, size_t n) {
  if (p->lineno == 0)
    return status_line(p, line, n);
  if (line[0] == '\r' || line[0] == '\n')
    return section_end(p, line, n);
  return header_line(p, line, n);
}

/* Take header bytes from data[0..len): at most one line. *used: how many. */
static ferry_code header_bytes(ferry__h1_parser *p, const char *data,
                               size_t len, size_t *used) {
  const char *nl = memchr(data, '\n', len);
  size_t n = nl ? (size_t)(nl - data) + 1 : len;
  ferry_code rc;
  int r;

  *used = n;
  /* libcurl's line buffer holds FERRY__H1_MAX_LINE bytes with its NUL */
  if (p->line.len + n >= FERRY__H1_MAX_LINE)
    return bad(p, FERRYE_TOO_LARGE, "response header line too long");
  if (nl != NULL && p->line.len == 0)
    return one_line(p, data, n); /* whole in this piece: used where it is */
  r = ferry__buf_add(&p->line, data, n);
  if (r != 0)
    return bad(p, r == -2 ? FERRYE_TOO_LARGE : FERRYE_OUT_OF_MEMORY,
               r == -2 ? "response header line too long"
                       : "out of memory for a header line");
  if (nl == NULL) {
    /* libcurl refuses a first line that cannot be a status line before
     * it is complete */
    if (p->lineno == 0 && !http_prefix(p->line.data, p->line.len))
      return not_a_status_line(p);
    return FERRYE_OK;
  }
  rc = one_line(p, p->line.data, p->line.len);
  ferry__buf_reset(&p->line);
  return rc;
}

/* ---- the body ---------------------------------------------------------- */

static ferry_code body_out(ferry__h1_parser *p, const char *data, size_t n) {
  if (n && p->cb->on_body(p->ud, data, n) < 0) {
    ferry__h1_fail(p, FERRYE_WRITE_ERROR, "body callback failed");
    return p->err;
  }
  return FERRYE_OK;
}

static ferry_code chunk_error(ferry__h1_parser *p, const char *msg) {
  p->state = FERRY__H1_DONE; /* nothing more is taken */
  return bad(p, FERRYE_RECV_ERROR, msg);
}

/* One complete trailer line (in p->line, without its line ending). */
static ferry_code trailer_out(ferry__h1_parser *p) {
  ferry_code rc;
  int r = ferry__buf_add(&p->line, "\r\n", 2);

  if (r != 0 || p->line.len >= FERRY__H1_MAX_TRAILER)
    return bad(p, r == -1 ? FERRYE_OUT_OF_MEMORY : FERRYE_TOO_LARGE,
               r == -1 ? "out of memory for a trailer" : "trailer line too long");
  if (p->cb->on_trailer != NULL &&
      (rc = p->cb->on_trailer(p->ud, p->line.data, p->line.len)) != FERRYE_OK) {
    ferry__h1_fail(p, rc, "trailer callback failed");
    return p->err;
  }
  ferry__buf_reset(&p->line);
  return FERRYE_OK;
}

/* A chunked body, as libcurl's chunk reader takes it. *used: bytes taken
 * (fewer than len only when the body ended). */
static ferry_code chunked_bytes(ferry__h1_parser *p, const char *data,
                                size_t len, size_t *used) {
  size_t i = 0;
  ferry_code rc;

  while (i < len && p->state != FERRY__H1_DONE) {
    char c = data[i];
    switch ((ferry__h1_state)p->state) {
    case FERRY__H1_CHUNK_HEX:
      if (hex_value(c) >= 0) {
        if (p->hexlen == 16)
          return chunk_error(p, "chunk size longer than 16 hex digits "
                                "(it would overflow)");
        p->hex[p->hexlen++] = c;
        i++;
        break;
      }
      if (p->hexlen == 0)
        return chunk_error(p, "chunk size is not a hex number");
      p->left = 0;
      for (unsigned k = 0; k < p->hexlen; k++) {
        int d = hex_value(p->hex[k]);
        if (p->left > (INT64_MAX - d) / 16)
          return chunk_error(p, "chunk size overflows 63 bits");
        p->left = p->left * 16 + d;
      }
      p->hexlen = 0;
      p->state = FERRY__H1_CHUNK_LF; /* the byte is looked at there */
      break;
    case FERRY__H1_CHUNK_LF: {
      /* a chunk extension, or anything, up to the LF */
      const char *nl = memchr(data + i, '\n', len - i);
      if (nl == NULL) {
        i = len;
        break;
      }
      i = (size_t)(nl - data) + 1;
      p->state = p->left ? FERRY__H1_CHUNK_DATA : FERRY__H1_TRAILER;
      break;
    }
    case FERRY__H1_CHUNK_DATA: {
      size_t k = len - i;
      if ((int64_t)k > p->left)
        k = (size_t)p->left;
      p->left -= (int64_t)k;
      if (p->left == 0)
        p->state = FERRY__H1_CHUNK_POSTLF;
      rc = body_out(p, data + i, k);
      if (rc != FERRYE_OK)
        return rc;
      i += k;
      break;
    }
    case FERRY__H1_CHUNK_POSTLF:
      if (c == '\n')
        p->state = FERRY__H1_CHUNK_HEX;
      else if (c != '\r')
        return chunk_error(p, "no CRLF after a chunk's data");
      i++;
      break;
    case FERRY__H1_TRAILER:
      if (c == '\r' || c == '\n') {
        if (p->line.len == 0) {
          /* no trailer (more): the last CRLF */
          p->state = FERRY__H1_TRAILER_POSTCR;
          break;
        }
        rc = trailer_out(p);
        if (rc != FERRYE_OK)
          return rc;
        p->state = FERRY__H1_TRAILER_CR;
        if (c == '\n')
          break; /* the LF is looked at there */
        i++;
        break;
      }
      if (p->line.len + 1 + 2 >= FERRY__H1_MAX_TRAILER)
        return bad(p, FERRYE_TOO_LARGE, "trailer line too long");
      {
        /* the rest of the line at once */
        size_t k = i;
        while (k < len && data[k] != '\r' && data[k] != '\n' &&
               p->line.len + (k - i) + 1 + 2 < FERRY__H1_MAX_TRAILER)
          k++;
        if (ferry__buf_add(&p->line, data + i, k - i) != 0)
          return bad(p, FERRYE_OUT_OF_MEMORY, "out of memory for a trailer");
        i = k;
      }
      break;
    case FERRY__H1_TRAILER_CR:
      if (c != '\n')
        return chunk_error(p, "a CR inside a trailer line");
      p->state = FERRY__H1_TRAILER_POSTCR;
      i++;
      break;
    case FERRY__H1_TRAILER_POSTCR:
      if (c != '\r' && c != '\n') {
        p->state = FERRY__H1_TRAILER; /* another trailer */
        break;
      }
      if (c == '\r')
        i++;
      p->state = FERRY__H1_CHUNK_STOP;
      break;
    case FERRY__H1_CHUNK_STOP:
      if (c != '\n')
        return chunk_error(p, "no CRLF at the end of the chunks");
      i++;
      p->state = FERRY__H1_DONE;
      p->complete = 1;
      break;
    default:
      return chunk_error(p, "chunk parser in a bad state");
    }
  }
  *used = i;
  return FERRYE_OK;
}

/* Body bytes: *used is how many belong to the response. */
static ferry_code body_bytes(ferry__h1_parser *p, const char *data, size_t len,
                             size_t *used) {
  ferry_code rc;

  *used = 0;
  switch ((ferry__h1_state)p->state) {
  case FERRY__H1_LENGTH: {
    size_t k = len;
    if ((int64_t)k > p->left)
      k = (size_t)p->left;
    p->left -= (int64_t)k;
    if (p->left == 0) {
      p->state = FERRY__H1_DONE;
      p->complete = 1;
    }
    *used = k;
    return body_out(p, data, k);
  }
  case FERRY__H1_CLOSE:
    *used = len;
    return body_out(p, data, len);
  case FERRY__H1_DONE:
    return FERRYE_OK;
  default:
    rc = chunked_bytes(p, data, len, used);
    return rc;
  }
}

ferry_code ferry__h1_feed(ferry__h1_parser *p, const char *data, size_t len,
                          size_t *consumed) {
  size_t off = 0, used;
  ferry_code rc;

  *consumed = 0;
  if (p->err != FERRYE_OK)
    return p->err;
  if (len)
    p->any_bytes = 1;
  while (off < len && p->state == FERRY__H1_HEADERS) {
    rc = header_bytes(p, data + off, len - off, &used);
    if (rc != FERRYE_OK)
      return rc;
    off += used;
  }
  if (off < len && !p->complete) {
    /* what follows the header section, as it came (libcurl's DATA_IN) */
    if (p->cb->on_body_raw != NULL)
      p->cb->on_body_raw(p->ud, data + off, len - off);
    rc = body_bytes(p, data + off, len - off, &used);
    if (rc != FERRYE_OK)
      return rc;
    off += used;
  }
  *consumed = off;
  return FERRYE_OK;
}

ferry_code ferry__h1_eof(ferry__h1_parser *p) {
  if (p->err != FERRYE_OK)
    return p->err;
  if (p->complete)
    return FERRYE_OK;
  p->close = 1;
  switch ((ferry__h1_state)p->state) {
  case FERRY__H1_HEADERS:
    if (p->lineno == 0) {
      /* not a line of a final response came (libcurl counts the header
       * bytes of a 1xx out) */
      ferry__h1_fail(p, FERRYE_GOT_NOTHING, "empty reply from server");
      return p->err;
    }
    /* libcurl takes a header section cut after a line as the whole
     * response, unless a Content-Length says a body was due */
    if (p->content_length > 0 && !p->head_request && !p->bodyless) {
      ferry__h1_fail(p, FERRYE_PARTIAL_FILE,
                     "connection closed inside the response header");
      return p->err;
    }
    p->state = FERRY__H1_DONE;
    p->complete = 1;
    return FERRYE_OK;
  case FERRY__H1_CLOSE:
    p->state = FERRY__H1_DONE;
    p->complete = 1;
    return FERRYE_OK;
  case FERRY__H1_LENGTH:
    ferry__h1_fail(p, FERRYE_PARTIAL_FILE,
                   "connection closed before all of the body arrived");
    return p->err;
  default:
    ferry__h1_fail(p, FERRYE_PARTIAL_FILE,
                   "connection closed before the last chunk");
    return p->err;
  }
}

int ferry__h1_keep_alive(const ferry__h1_parser *p) {
  if (!p->complete || p->close || p->major != 1)
    return 0;
  return p->minor == 1 || p->keep_alive;
}

int64_t ferry__h1_content_length(const ferry__h1_parser *p) {
  int64_t n = announced_length(p);
  return n == INT64_MAX ? -1 : n;
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

/* skip_type: a form's Content-Type, made from the user's, goes apart.
 * skip_length: an authentication probe says its own Content-Length. */
static int add_user_headers(ferry__buf *out, const ferry_slist *h,
                            int host_sent, int strip_credentials,
                            int skip_type, int skip_length) {
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
  if (add_cookie(out, r))
    return FERRYE_OUT_OF_MEMORY;
  if (r->cond_line && ferry__buf_cat(out, r->cond_line, "\r\n", NULL))
    return FERRYE_OUT_OF_MEMORY;
  if (add_user_headers(out, h, host_line != NULL, r->strip_credentials,
                       r->mime_content_type != NULL || r->form_probe,
                       r->auth_probe))
    return FERRYE_OUT_OF_MEMORY;
  if (add_user_headers(out, r->proxy_headers, host_line != NULL, 0, 0, 0))
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
  if (r->h2c_settings &&
      ferry__buf_cat(out, "Connection: Upgrade, HTTP2-Settings\r\n"
                          "Upgrade: h2c\r\nHTTP2-Settings: ",
                     r->h2c_settings, "\r\n", NULL))
    return FERRYE_OUT_OF_MEMORY;
  if (ferry__buf_adds(out, "\r\n"))
    return FERRYE_OUT_OF_MEMORY;
  return FERRYE_OK;
}

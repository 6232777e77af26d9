/* The HTTP/1.1 codec (sans-IO). See h1.h.
 *
 * Response parsing is llhttp's. In a header section ferry cuts the bytes
 * into lines, checks each complete line, gives it to llhttp alone (p->cur)
 * and hands it on once llhttp took it; llhttp's callbacks for the status
 * line and for the end of the section run while it is given that line. A
 * line not complete in one piece of input waits in p->line (capped). Body
 * bytes go to llhttp as they come; llhttp is paused at the end of the
 * message, so that bytes after it are never taken as part of it. */
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "h1.h"

static int on_status_complete(llhttp_t *llh);
static int on_headers_complete(llhttp_t *llh);
static int on_message_complete(llhttp_t *llh);
static int on_body(llhttp_t *llh, const char *at, size_t len);
static int on_chunk_header(llhttp_t *llh);
static int on_header_field(llhttp_t *llh, const char *at, size_t len);
static int on_header_field_complete(llhttp_t *llh);
static int on_header_value(llhttp_t *llh, const char *at, size_t len);
static int on_header_value_complete(llhttp_t *llh);

static const llhttp_settings_t h1_settings = {
    .on_status_complete = on_status_complete,
    .on_headers_complete = on_headers_complete,
    .on_message_complete = on_message_complete,
    .on_body = on_body,
    .on_chunk_header = on_chunk_header,
    .on_header_field = on_header_field,
    .on_header_field_complete = on_header_field_complete,
    .on_header_value = on_header_value,
    .on_header_value_complete = on_header_value_complete,
};

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

/* The one place the state changes. */
static void set_state(ferry__h1_parser *p, ferry__h1_state s) {
  p->state = (unsigned char)s;
  if (s == FERRY__H1_STATE_DONE)
    p->complete = 1;
}

void ferry__h1_parser_init(ferry__h1_parser *p, const ferry__h1_callbacks *cb,
                           void *ud, int head_request) {
  memset(p, 0, sizeof(*p));
  llhttp_init(&p->llh, HTTP_RESPONSE, &h1_settings);
  p->llh.data = p;
  /* Lenient only where no defence is weakened (h1.h): header values, with
   * ferry refusing whitespace before a colon (which the flag would let
   * through in Content-Length and Transfer-Encoding) and at the start of
   * the first header line; Transfer-Encoding beside Content-Length, whose
   * connection ferry closes after the response; and the connection tokens
   * of interim responses (without it llhttp drops all that follows an
   * HTTP/1.0 "100 Continue"), while ferry gives the parser no byte after
   * the final response. */
  llhttp_set_lenient_headers(&p->llh, 1);
  llhttp_set_lenient_chunked_length(&p->llh, 1);
  llhttp_set_lenient_keep_alive(&p->llh, 1);
  p->cb = cb;
  p->ud = ud;
  set_state(p, FERRY__H1_STATE_HEADERS);
  p->length = -1;
  p->head_request = (unsigned char)(head_request != 0);
  ferry__buf_init(&p->line, FERRY__H1_MAX_LINE);
  ferry__buf_init(&p->trailer, FERRY__H1_MAX_TRAILER - 1);
}

void ferry__h1_parser_free(ferry__h1_parser *p) {
  ferry__buf_free(&p->line);
  ferry__buf_free(&p->trailer);
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Could the bytes so far (n of them) begin a status line? */
static int http_prefix(const char *s, size_t n) {
  return memcmp(s, "HTTP/", n < 5 ? n : 5) == 0;
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

/* llhttp refused what it was given (or a callback stopped it). */
static ferry_code llhttp_failed(ferry__h1_parser *p, llhttp_errno_t e) {
  const char *reason = llhttp_get_error_reason(&p->llh);
  const char *prefix = "invalid HTTP response: ";
  ferry_code code;

  if (p->err != FERRYE_OK)
    return p->err;
  if (reason == NULL)
    reason = llhttp_errno_name(e);
  if (p->state == FERRY__H1_STATE_HEADERS) {
    if (p->lineno == 0) {
      code = FERRYE_UNSUPPORTED_PROTOCOL; /* as libcurl's, for status lines */
      prefix = "unsupported HTTP version or invalid status line: ";
    } else {
      code = FERRYE_WEIRD_SERVER_REPLY;
    }
  } else if (p->llh.flags & F_TRAILING) {
    if (e == HPE_INVALID_HEADER_TOKEN) {
      /* libcurl's header store refuses a trailer that is not a header
       * field, and its code is the transfer's */
      code = FERRYE_BAD_FUNCTION_ARGUMENT;
      reason = "a trailer that is not a header field";
    } else {
      code = FERRYE_RECV_ERROR;
    }
  } else if (e == HPE_INVALID_CHUNK_SIZE || e == HPE_STRICT ||
             e == HPE_LF_EXPECTED || e == HPE_CR_EXPECTED) {
    code = FERRYE_RECV_ERROR; /* chunk framing, as libcurl's */
  } else {
    code = FERRYE_WEIRD_SERVER_REPLY;
  }
  p->err = code;
  p->errprefix = prefix;
  p->errmsg = reason;
  return code;
}

/* Hand a header line on, and count it against the cap on one response's
 * header lines: past FERRY__H1_MAX_HEADERS is an error, as libcurl's, once
 * the line has been handed on. */
static ferry_code hand_on(ferry__h1_parser *p, const char *line, size_t n) {
  ferry_code rc = p->cb->on_header_line(p->ud, line, n);
  if (rc != FERRYE_OK) {
    ferry__h1_fail(p, rc, "header callback failed");
    return p->err;
  }
  p->hdr_total += n;
  if (p->hdr_total > FERRY__H1_MAX_HEADERS)
    return bad(p, FERRYE_RECV_ERROR,
               "response header section too large (over 300 KiB)");
  return FERRYE_OK;
}

/* ---- llhttp's callbacks: the header section ------------------------------ */

/* The status line was parsed (p->cur is it). llhttp takes versions 0.9 and
 * 2.0 too, and one to three digits or none; libcurl refuses all of those on
 * an HTTP/1 connection. */
static int on_status_complete(llhttp_t *llh) {
  ferry__h1_parser *p = llh->data;
  const char *s = p->cur;
  ferry_code rc;

  if (llh->http_major != 1 || llh->http_minor > 1) {
    bad(p, FERRYE_UNSUPPORTED_PROTOCOL,
        "unsupported HTTP version in the status line");
    return -1;
  }
  /* "HTTP/1.x " is 9 bytes */
  if (p->cur_len < 13 || !is_digit(s[9]) || !is_digit(s[10]) ||
      !is_digit(s[11]) || !(s[12] == ' ' || s[12] == '\r' || s[12] == '\n')) {
    bad(p, FERRYE_UNSUPPORTED_PROTOCOL,
        "the status code in the status line is not three digits");
    return -1;
  }
  p->status = llh->status_code;
  p->major = 1;
  p->minor = llh->http_minor;
  p->conn_version = (unsigned char)(10 + p->minor);
  if (p->cb->on_status != NULL &&
      (rc = p->cb->on_status(p->ud, p->status, 1, p->minor)) != FERRYE_OK) {
    ferry__h1_fail(p, rc, "status callback failed");
    return -1;
  }
  return 0;
}

void ferry__h1_expect_upgrade(ferry__h1_parser *p) {
  p->upgrade_ok = 1;
  p->upgrade_final = 1;
}

/* The blank line (p->cur) ended a header section. Returns 0 (a body
 * follows, as llhttp frames it), 1 (no body), HPE_PAUSED (llhttp is done
 * with the connection: a 101), or -1 (failed, p->err set). */
static int on_headers_complete(llhttp_t *llh) {
  ferry__h1_parser *p = llh->data;
  int status = p->status, r;
  unsigned flags = llh->flags;
  /* A 101 nobody asked for is the final response over HTTP/1.1, as in
   * libcurl: its body runs to the close. One that answers an upgrade to
   * h2c (RFC 7540 3.2) ends HTTP/1 on the connection. */
  int unasked_101 = status == 101 && p->minor == 1 && !p->upgrade_ok;
  /* A WebSocket's 101 is its final answer (h2c's is a 1xx before the
   * HTTP/2 response): what follows its header section is the new
   * protocol's */
  int ws_101 = status == 101 && p->upgrade_final;
  int no_body =
      p->head_request || status == 204 || status == 304 || ws_101;
  ferry_code rc;

  if (status / 100 == 1 && !unasked_101 && !ws_101) {
    if (hand_on(p, p->cur, p->cur_len) != FERRYE_OK)
      return -1;
    if (status == 101 && p->minor != 1) {
      bad(p, FERRYE_WEIRD_SERVER_REPLY,
          "101 Switching Protocols over HTTP/1.0");
      return -1;
    }
    r = p->cb->on_headers_done(p->ud, status, 1, p->minor, 1);
    if (r < 0) {
      bad(p, FERRYE_WEIRD_SERVER_REPLY, "stopped after headers");
      return -1;
    }
    if (status == 101) {
      /* switched to h2c: the bytes after this section are HTTP/2 */
      p->upgraded = 1;
      set_state(p, FERRY__H1_STATE_DONE);
      return HPE_PAUSED;
    }
    /* another header section follows: no body, whatever this one says
     * (on_message_complete knows it by lineno 0) */
    p->lineno = 0;
    return 1;
  }
  if (status < 100) {
    if (hand_on(p, p->cur, p->cur_len) == FERRYE_OK)
      bad(p, FERRYE_UNSUPPORTED_PROTOCOL,
          "status code below 100 in the status line");
    return -1;
  }
  if (!no_body && !unasked_101 && (flags & F_TRANSFER_ENCODING)) {
    /* ferry decodes no transfer coding but chunked: as libcurl 8.14 and
     * later without TRANSFER_ENCODING, any other (or one after chunked,
     * which llhttp then does not take as chunked) is refused */
    if (!(flags & F_CHUNKED)) {
      bad(p, FERRYE_BAD_CONTENT_ENCODING,
          "a Transfer-Encoding other than chunked (or after it)");
      return -1;
    }
    /* Beside a Content-Length the chunks frame the body and the length is
     * ignored (RFC 9112 6.3), as in libcurl; a message like that may be a
     * smuggling attempt, so the connection ends with it. So does a
     * Transfer-Encoding in an HTTP/1.0 response (RFC 9112 6.1). */
    if ((flags & F_CONTENT_LENGTH) || p->minor == 0)
      p->close = 1;
  }
  if (ws_101 && p->minor != 1) {
    bad(p, FERRYE_WEIRD_SERVER_REPLY, "101 Switching Protocols over HTTP/1.0");
    return -1;
  }
  if (status == 204 || status == 304)
    p->length = 0;
  else if (unasked_101 || ws_101 || (flags & F_CHUNKED) || !(flags & F_CONTENT_LENGTH))
    p->length = -1;
  else
    p->length = (int64_t)llh->content_length;
  if (p->cb->on_headers_end != NULL &&
      (rc = p->cb->on_headers_end(p->ud, status, p->length)) != FERRYE_OK) {
    ferry__h1_fail(p, rc, "stopped at the end of the headers");
    return -1;
  }
  if (hand_on(p, p->cur, p->cur_len) != FERRYE_OK)
    return -1;
  r = p->cb->on_headers_done(p->ud, status, 1, p->minor, 0);
  if (r < 0) {
    bad(p, FERRYE_WEIRD_SERVER_REPLY, "stopped after headers");
    return -1;
  }
  if (ws_101) {
    /* switched: the bytes after this section are the WebSocket's */
    p->upgraded = 1;
    set_state(p, FERRY__H1_STATE_DONE);
    return HPE_PAUSED;
  }
  if (no_body || r == FERRY__H1_NOBODY)
    return 1;
  if (unasked_101) {
    /* llhttp would take it as interim; ferry reads the rest itself */
    p->close = 1;
    set_state(p, FERRY__H1_STATE_RAW);
    return HPE_PAUSED;
  }
  /* no length, no chunks: the close ends the body (RFC 9112 6.3 7) */
  if (!(flags & (F_CHUNKED | F_CONTENT_LENGTH)))
    p->close = 1;
  set_state(p, FERRY__H1_STATE_BODY);
  return 0;
}

static int on_message_complete(llhttp_t *llh) {
  ferry__h1_parser *p = llh->data;

  if (p->state == FERRY__H1_STATE_HEADERS && p->lineno == 0) {
    /* An interim response ended; llhttp reads the next. llhttp 8.1 clears
     * the Content-Length it read only on the way that keeps the
     * connection, not on the lenient one, and would add the next
     * response's digits to it. */
    llh->content_length = 0;
    return 0;
  }
  /* llhttp's flags still hold the final response's: it is paused here
   * and never resumed */
  p->keep_alive = (unsigned char)(llhttp_should_keep_alive(llh) != 0);
  set_state(p, FERRY__H1_STATE_DONE);
  return HPE_PAUSED;
}

/* ---- llhttp's callbacks: the body ---------------------------------------- */

/* Check the bytes from q to end against the CRLF due after a chunk's
 * data: llhttp skips those two bytes whatever they are. */
static int check_crlf(ferry__h1_parser *p, const char *q, const char *end) {
  while (p->crlf_due > 0 && q < end) {
    char want = p->crlf_due == 2 ? '\r' : '\n';
    if (*q++ != want) {
      bad(p, FERRYE_RECV_ERROR, "no CRLF after a chunk's data");
      return -1;
    }
    p->crlf_due--;
  }
  return 0;
}

static int on_body(llhttp_t *llh, const char *at, size_t len) {
  ferry__h1_parser *p = llh->data;

  if (len == 0)
    return 0;
  if (p->cb->on_body(p->ud, at, len) < 0) {
    ferry__h1_fail(p, FERRYE_WRITE_ERROR, "body callback failed");
    return -1;
  }
  if ((llh->flags & F_CHUNKED) && llh->content_length == 0) {
    /* the chunk's data ended here */
    p->crlf_due = 2;
    return check_crlf(p, at + len, p->feed_end);
  }
  return 0;
}

/* A chunk's size was read: llhttp takes up to 64 bits, a size is at most
 * 63 (as libcurl's curl_off_t). */
static int on_chunk_header(llhttp_t *llh) {
  ferry__h1_parser *p = llh->data;

  if (llh->content_length > (uint64_t)INT64_MAX) {
    bad(p, FERRYE_RECV_ERROR, "chunk size past 63 bits");
    return -1;
  }
  return 0;
}

/* Trailers: llhttp parses the fields after the last chunk as it parses
 * header fields, and gives their names and values in pieces. ferry puts
 * each together as "Name: value\r\n" (capped). The same callbacks run in
 * a header section, where the raw lines are handed on instead. */
static int trailer_add(ferry__h1_parser *p, const char *at, size_t len) {
  int r;

  if (p->state != FERRY__H1_STATE_BODY)
    return 0;
  r = ferry__buf_add(&p->trailer, at, len);
  if (r != 0) {
    bad(p, r == -2 ? FERRYE_TOO_LARGE : FERRYE_OUT_OF_MEMORY,
        r == -2 ? "trailer line too long" : "out of memory for a trailer");
    return -1;
  }
  return 0;
}

static int on_header_field(llhttp_t *llh, const char *at, size_t len) {
  return trailer_add(llh->data, at, len);
}

static int on_header_field_complete(llhttp_t *llh) {
  return trailer_add(llh->data, ": ", 2);
}

static int on_header_value(llhttp_t *llh, const char *at, size_t len) {
  return trailer_add(llh->data, at, len);
}

static int on_header_value_complete(llhttp_t *llh) {
  ferry__h1_parser *p = llh->data;
  ferry_code rc;

  if (p->state != FERRY__H1_STATE_BODY)
    return 0;
  if (trailer_add(p, "\r\n", 2) != 0)
    return -1;
  if (p->cb->on_trailer != NULL &&
      (rc = p->cb->on_trailer(p->ud, p->trailer.data, p->trailer.len)) !=
          FERRYE_OK) {
    ferry__h1_fail(p, rc, "trailer callback failed");
    return -1;
  }
  ferry__buf_reset(&p->trailer);
  return 0;
}

/* ---- feeding ------------------------------------------------------------- */

/* One complete header line (ending in LF): checked, given to llhttp, and
 * handed on. */
static ferry_code one_line(ferry__h1_parser *p, const char *line, size_t n) {
  int section_end = line[0] == '\r' || line[0] == '\n';
  const char *cr;
  llhttp_errno_t e;

  /* llhttp refuses a NUL in header names and values but not in the status
   * line's reason; header callbacks get raw lines, which many applications
   * treat as C strings. Refused anywhere, as libcurl does. */
  if (memchr(line, '\0', n) != NULL)
    return bad(p, FERRYE_WEIRD_SERVER_REPLY, "NUL byte in the header");
  /* A CR anywhere but before the LF is invalid (RFC 9112 2.2), and llhttp
   * would end the status line, or the section, at it: the parser and the
   * lines handed on would disagree on where the body starts. */
  cr = memchr(line, '\r', n - 1);
  if (cr != NULL && cr != line + n - 2)
    return bad(p, FERRYE_WEIRD_SERVER_REPLY, "CR without LF in the header");
  if (p->lineno == 0) {
    if (n < 5 || !http_prefix(line, n))
      return not_a_status_line(p);
  } else if (!section_end) {
    /* What llhttp's lenient header parsing lets through and must not be:
     * a first header line that starts with whitespace (RFC 9112 2.2), and
     * whitespace between a field's name and its colon (RFC 9112 5.1),
     * which llhttp would then take as Content-Length or
     * Transfer-Encoding. */
    if (is_blank(line[0])) {
      if (p->lineno == 1)
        return bad(p, FERRYE_WEIRD_SERVER_REPLY,
                   "the first header line starts with whitespace");
    } else {
      const char *colon = memchr(line, ':', n);
      if (colon != NULL && (memchr(line, ' ', (size_t)(colon - line)) ||
                            memchr(line, '\t', (size_t)(colon - line))))
        return bad(p, FERRYE_WEIRD_SERVER_REPLY,
                   "whitespace in a header field's name");
    }
  }
  p->cur = line;
  p->cur_len = n;
  e = llhttp_execute(&p->llh, line, n);
  p->cur = NULL;
  if (e != HPE_OK && e != HPE_PAUSED)
    return llhttp_failed(p, e);
  if (p->err != FERRYE_OK)
    return p->err;
  if (section_end) {
    /* on_headers_complete ran and handed the line on; the state says what
     * comes next. llhttp always ends the section at a line like this. */
    if (p->state == FERRY__H1_STATE_HEADERS && p->lineno != 0)
      return bad(p, FERRYE_WEIRD_SERVER_REPLY, "malformed header section");
    return FERRYE_OK;
  }
  /* llhttp takes up to 64 bits; ferry's sizes are signed 64-bit */
  if ((p->llh.flags & F_CONTENT_LENGTH) &&
      p->llh.content_length > (uint64_t)INT64_MAX)
    return bad(p, FERRYE_WEIRD_SERVER_REPLY, "Content-Length past 63 bits");
  p->lineno++;
  return hand_on(p, line, n);
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

/* Body bytes: *used is how many belong to the response. */
static ferry_code body_bytes(ferry__h1_parser *p, const char *data, size_t len,
                             size_t *used) {
  llhttp_errno_t e;

  *used = len;
  if (p->state == FERRY__H1_STATE_RAW) {
    if (p->cb->on_body(p->ud, data, len) < 0) {
      ferry__h1_fail(p, FERRYE_WRITE_ERROR, "body callback failed");
      return p->err;
    }
    return FERRYE_OK;
  }
  if (p->crlf_due && check_crlf(p, data, data + len) != 0)
    return p->err;
  p->feed_end = data + len;
  e = llhttp_execute(&p->llh, data, len);
  if (e == HPE_PAUSED) {
    /* the message ended there */
    *used = (size_t)(llhttp_get_error_pos(&p->llh) - data);
    return p->err;
  }
  if (e != HPE_OK)
    return llhttp_failed(p, e);
  return p->err;
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
  while (off < len && p->state == FERRY__H1_STATE_HEADERS) {
    rc = header_bytes(p, data + off, len - off, &used);
    if (rc != FERRYE_OK)
      return rc;
    off += used;
  }
  /* the final header section is done with: a transfer that now waits for
   * its body keeps no header bytes */
  if (p->state != FERRY__H1_STATE_HEADERS)
    ferry__buf_free(&p->line);
  if (off < len &&
      (p->state == FERRY__H1_STATE_BODY || p->state == FERRY__H1_STATE_RAW)) {
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
  llhttp_errno_t e;

  if (p->err != FERRYE_OK)
    return p->err;
  if (p->complete)
    return FERRYE_OK;
  p->close = 1;
  switch ((ferry__h1_state)p->state) {
  case FERRY__H1_STATE_HEADERS:
    if (p->lineno == 0) {
      /* not a line of a final response came (libcurl counts the header
       * bytes of a 1xx out) */
      ferry__h1_fail(p, FERRYE_GOT_NOTHING, "empty reply from server");
      return p->err;
    }
    /* a WebSocket switches only at the end of its 101's header section:
     * a cut one is no answer to its handshake */
    if (p->upgrade_final) {
      ferry__h1_fail(p, FERRYE_WEIRD_SERVER_REPLY,
                     "connection closed inside the response header");
      return p->err;
    }
    /* libcurl takes a header section cut after a line as the whole
     * response, unless a Content-Length said a body was due */
    if ((p->llh.flags & F_CONTENT_LENGTH) && p->llh.content_length > 0 &&
        !p->head_request && p->status / 100 != 1 && p->status != 204 &&
        p->status != 304) {
      ferry__h1_fail(p, FERRYE_PARTIAL_FILE,
                     "connection closed inside the response header");
      return p->err;
    }
    set_state(p, FERRY__H1_STATE_DONE);
    return FERRYE_OK;
  case FERRY__H1_STATE_RAW:
    set_state(p, FERRY__H1_STATE_DONE);
    return FERRYE_OK;
  case FERRY__H1_STATE_BODY:
    /* a body up to the close: llhttp_finish completes it */
    e = llhttp_finish(&p->llh);
    if ((e == HPE_OK || e == HPE_PAUSED) && p->complete)
      return FERRYE_OK;
    if (p->llh.flags & F_CHUNKED)
      ferry__h1_fail(p, FERRYE_PARTIAL_FILE,
                     "connection closed before the last chunk");
    else
      ferry__h1_fail(p, FERRYE_PARTIAL_FILE,
                     "connection closed before all of the body arrived");
    return p->err;
  default:
    return FERRYE_OK;
  }
}

int ferry__h1_keep_alive(const ferry__h1_parser *p) {
  return p->complete && !p->close && p->keep_alive;
}

int64_t ferry__h1_content_length(const ferry__h1_parser *p) {
  return p->length;
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

/* libFuzzer target: the HTTP/1 response codec (llhttp with ferry's checks
 * and caps). The first byte picks HEAD or not (bit 0), an upgrade asked for
 * (bits 1-2: 1 h2c, 2 a WebSocket) and a split size (bits 3-7, 1 to 32);
 * the rest is fed as a response in pieces of that size, then EOF. Checked:
 * a status line reported is HTTP/1.0 or 1.1 with three digits, the length
 * announced is -1 or more (0 for a 204 or 304), a switch happens only when
 * asked and ends the parse, every header
 * and trailer line handed on ends with its newline, holds no NUL and no CR
 * but one right before that newline, a trailer line ends with CRLF within
 * its cap; the body bytes handed on are never more than what was fed, and
 * neither are the raw body bytes shown. */
#include <stdint.h>
#include <string.h>

#include "h1.h"

typedef struct fz {
  size_t body;
  size_t raw;
  size_t lines;
} fz;

static ferry_code on_line(void *ud, const char *l, size_t n) {
  fz *f = ud;
  const char *cr;
  if (n == 0 || l[n - 1] != '\n')
    __builtin_trap(); /* every header line ends with its newline */
  if (memchr(l, '\0', n) != NULL)
    __builtin_trap();
  cr = memchr(l, '\r', n);
  if (cr != NULL && cr != l + n - 2)
    __builtin_trap(); /* a CR only right before the LF */
  f->lines++;
  return FERRYE_OK;
}

static int on_done(void *ud, int status, int major, int minor, int interim) {
  (void)ud;
  (void)major;
  (void)minor;
  if (interim && !(status >= 100 && status < 200))
    __builtin_trap();
  return FERRY__H1_BODY;
}

static int on_body(void *ud, const char *p, size_t n) {
  fz *f = ud;
  (void)p;
  f->body += n;
  return 0;
}

static ferry_code on_trailer(void *ud, const char *l, size_t n) {
  fz *f = ud;
  if (n < 2 || l[n - 2] != '\r' || l[n - 1] != '\n' ||
      n >= FERRY__H1_MAX_TRAILER || memchr(l, '\n', n - 1) != NULL)
    __builtin_trap();
  f->lines++;
  return FERRYE_OK;
}

static ferry_code on_status(void *ud, int status, int major, int minor) {
  (void)ud;
  if (status < 0 || status > 999 || major != 1 || minor > 1)
    __builtin_trap(); /* only HTTP/1.0 and 1.1, three digits */
  return FERRYE_OK;
}

static ferry_code on_headers_end(void *ud, int status, int64_t length) {
  (void)ud;
  if (length < -1 || ((status == 204 || status == 304) && length != 0))
    __builtin_trap();
  return FERRYE_OK;
}

static void on_body_raw(void *ud, const char *p, size_t n) {
  fz *f = ud;
  (void)p;
  f->raw += n;
}

static const ferry__h1_callbacks cbs = {.on_header_line = on_line,
                                        .on_headers_done = on_done,
                                        .on_body = on_body,
                                        .on_trailer = on_trailer,
                                        .on_status = on_status,
                                        .on_headers_end = on_headers_end,
                                        .on_body_raw = on_body_raw};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ferry__h1_parser p;
  fz f = {0, 0, 0};
  size_t split, off = 1;
  int head, upgrade;

  if (size < 1)
    return 0;
  head = data[0] & 1;
  upgrade = (data[0] >> 1) & 3;
  split = (data[0] >> 3) + 1;
  ferry__h1_parser_init(&p, &cbs, &f, head);
  if (upgrade == 1)
    p.upgrade_ok = 1; /* an upgrade to h2c asked for */
  else if (upgrade == 2)
    ferry__h1_expect_upgrade(&p); /* a WebSocket handshake */
  while (off < size) {
    size_t n = size - off < split ? size - off : split, used = 0;
    ferry_code rc = ferry__h1_feed(&p, (const char *)data + off, n, &used);
    if (rc != FERRYE_OK || p.complete)
      break;
    if (used != n)
      __builtin_trap(); /* all is taken unless complete */
    off += n;
  }
  if (!p.complete && p.err == FERRYE_OK)
    (void)ferry__h1_eof(&p);
  if (f.body > size || f.raw > size || f.body > f.raw)
    __builtin_trap();
  if (p.upgraded && (!p.complete || !upgrade))
    __builtin_trap(); /* a switch only when asked, and it ends the parse */
  ferry__h1_parser_free(&p);
  return 0;
}

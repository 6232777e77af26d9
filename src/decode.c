/* The content decoders (sans-IO). See decode.h.
 *
 * A chain is an array of stages in decoding order: stage 0 takes the body
 * as it arrives, each stage's output is the next one's input, and the last
 * stage's output goes to the caller's out(). Every stage inflates into its
 * own fixed buffer and passes the buffer on as soon as it fills or its
 * input runs out, so a byte travels the whole chain before the next input
 * is read, and nothing grows with the size of the body. The hand-off is a
 * call into the next stage (depth at most FERRY__DECODE_MAX_STACK), which
 * keeps each stage's input pointer valid while the stages after it run.
 *
 * zlib does the inflating and the gzip framing (header, CRC-32 and ISIZE
 * checks with windowBits 16 + MAX_WBITS). ferry decides zlib or raw for
 * deflate from the first two bytes, restarts zlib at each new gzip member,
 * and decides when a stream has ended properly. */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "alloc.h"
#include "errors.h"
#include "decode.h"

typedef enum { CODING_GZIP, CODING_DEFLATE } coding_kind;

typedef struct decode_stage {
  z_stream z;
  coding_kind kind;
  unsigned char z_ready;     /* inflateInit2 succeeded: inflateEnd is owed */
  unsigned char got_input;   /* at least one byte arrived */
  unsigned char wrap_chosen; /* deflate: zlib or raw has been decided */
  unsigned char head_len;    /* deflate: bytes held in head[] until then */
  unsigned char head[2];
  unsigned char ended;       /* the stream (gzip: the last member) ended */
  unsigned char out[FERRY_MAX_WRITE_SIZE];
} decode_stage;

struct ferry__decoder {
  decode_stage *stage[FERRY__DECODE_MAX_STACK]; /* in decoding order */
  size_t nstages;
  int64_t total;          /* bytes handed to out() */
  /* The caller's output and cap, valid during one feed call. */
  ferry__decoder_out out;
  void *ud;
  int64_t max_decoded;
  ferry_code err;         /* sticky */
  char errmsg[128];
};

static const char *coding_name(coding_kind k) {
  return k == CODING_GZIP ? "gzip" : "deflate";
}

static ferry_code decoder_fail(ferry__decoder *d, ferry_code code,
                               const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static ferry_code decoder_fail(ferry__decoder *d, ferry_code code,
                               const char *fmt, ...) {
  va_list ap;
  if (d->err != FERRYE_OK)
    return d->err;
  d->err = code;
  va_start(ap, fmt);
  vsnprintf(d->errmsg, sizeof(d->errmsg), fmt, ap);
  va_end(ap);
  return code;
}

/* zlib allocates through ferry's allocator, so global_init_mem and the
 * allocation-failure tests see its state and window too. */
static voidpf zlib_alloc(voidpf opaque, uInt items, uInt size) {
  (void)opaque;
  if (size != 0 && items > SIZE_MAX / size)
    return Z_NULL;
  return ferry__malloc((size_t)items * size);
}

static void zlib_free(voidpf opaque, voidpf p) {
  (void)opaque;
  ferry__free(p);
}

/* ---- building a chain -------------------------------------------------- */

static int is_ows(char c) { return c == ' ' || c == '\t'; }

static int token_is(const char *t, size_t len, const char *name) {
  return strlen(name) == len && strncasecmp(t, name, len) == 0;
}

/* Copy a header token into dst for an error message: at most 40 bytes,
 * anything unprintable shown as '?'. */
static void quote_token(char *dst, size_t dstlen, const char *t, size_t len) {
  size_t i, n = len < 40 ? len : 40;
  if (n >= dstlen)
    n = dstlen - 1;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)t[i];
    dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
  }
  dst[n] = '\0';
}

static void stage_free(decode_stage *s) {
  if (s == NULL)
    return;
  if (s->z_ready)
    inflateEnd(&s->z);
  ferry__free(s);
}

static ferry_code stage_new(decode_stage **out, coding_kind kind) {
  decode_stage *s;
  int zr;

  *out = NULL;
  s = ferry__malloc(sizeof(*s));
  if (s == NULL)
    goto failed_malloc;
  memset(s, 0, offsetof(decode_stage, out));
  s->kind = kind;
  s->z.zalloc = zlib_alloc;
  s->z.zfree = zlib_free;
  s->z.opaque = Z_NULL;
  /* deflate starts as zlib-wrapped; feeding switches it to raw when the
   * first two bytes are not a zlib header. zlib allocates the window only
   * when inflating begins, so switching costs nothing. */
  zr = inflateInit2(&s->z, kind == CODING_GZIP ? 16 + MAX_WBITS : MAX_WBITS);
  if (zr != Z_OK)
    goto failed_inflate_init;
  s->z_ready = 1;
  *out = s;
  return FERRYE_OK;

failed_inflate_init:
  ferry__free(s);
  /* Anything but Z_MEM_ERROR means a zlib that does not match its header. */
  return zr == Z_MEM_ERROR ? FERRYE_OUT_OF_MEMORY : FERRYE_FAILED_INIT;
failed_malloc:
  return FERRYE_OUT_OF_MEMORY;
}

/* The next coding of a Content-Encoding list at *s, "identity" skipped:
 * its text (t, len) and whether it is one ferry decodes (*kind then set).
 * Returns 0 at the end of the list. */
static int next_coding(const char **s, const char **t, size_t *len,
                       int *known, coding_kind *kind) {
  for (;;) {
    const char *end;

    while (is_ows(**s) || **s == ',')
      (*s)++;
    if (**s == '\0')
      return 0;
    *t = *s;
    while (**s && **s != ',')
      (*s)++;
    end = *s;
    while (end > *t && is_ows(end[-1]))
      end--;
    *len = (size_t)(end - *t);
    if (token_is(*t, *len, "identity"))
      continue;
    *known = 1;
    if (token_is(*t, *len, "gzip") || token_is(*t, *len, "x-gzip"))
      *kind = CODING_GZIP;
    else if (token_is(*t, *len, "deflate"))
      *kind = CODING_DEFLATE;
    else
      *known = 0;
    return 1;
  }
}

int ferry__decoder_unknown(const char *content_encoding) {
  const char *s = content_encoding ? content_encoding : "", *t;
  size_t stages = 0, len;
  int unknown = 0, known;
  coding_kind k = CODING_GZIP; /* set with known */

  while (next_coding(&s, &t, &len, &known, &k)) {
    if (!known)
      unknown = 1;
    stages++;
  }
  return unknown && stages <= FERRY__DECODE_MAX_STACK;
}

ferry_code ferry__decoder_new(ferry__decoder **out, const char *content_encoding,
                              char *errbuf, size_t errlen) {
  coding_kind kinds[FERRY__DECODE_MAX_STACK];
  size_t nkinds = 0, i, len;
  const char *s = content_encoding ? content_encoding : "", *t;
  ferry__decoder *d;
  ferry_code rc;
  coding_kind k = CODING_GZIP; /* set with known */
  int known;

  *out = NULL;
  ferry__errf(errbuf, errlen, "%s", "");
  /* Parse the whole list before allocating anything. */
  while (next_coding(&s, &t, &len, &known, &k)) {
    if (!known) {
      char name[48];
      quote_token(name, sizeof(name), t, len);
      ferry__errf(errbuf, errlen, "unsupported Content-Encoding \"%s%s\"", name,
              len > 40 ? "..." : "");
      return FERRYE_BAD_CONTENT_ENCODING;
    }
    if (nkinds == FERRY__DECODE_MAX_STACK) {
      ferry__errf(errbuf, errlen,
              "more than %d stacked content encodings in Content-Encoding",
              FERRY__DECODE_MAX_STACK);
      return FERRYE_BAD_CONTENT_ENCODING;
    }
    kinds[nkinds++] = k;
  }

  d = ferry__calloc(1, sizeof(*d));
  if (d == NULL)
    goto failed_malloc;
  /* The coding listed last was applied last: it is decoded first. */
  for (i = 0; i < nkinds; i++) {
    rc = stage_new(&d->stage[i], kinds[nkinds - 1 - i]);
    if (rc != FERRYE_OK)
      goto failed_stage;
    d->nstages++;
  }
  *out = d;
  return FERRYE_OK;

failed_stage:
  ferry__decoder_free(d);
  ferry__errf(errbuf, errlen, "%s",
          rc == FERRYE_OUT_OF_MEMORY ? "out of memory for a content decoder"
                                     : "zlib failed to initialise");
  return rc;
failed_malloc:
  ferry__errf(errbuf, errlen, "out of memory for a content decoder");
  return FERRYE_OUT_OF_MEMORY;
}

void ferry__decoder_free(ferry__decoder *d) {
  size_t i;
  if (d == NULL)
    return;
  for (i = 0; i < d->nstages; i++)
    stage_free(d->stage[i]);
  ferry__free(d);
}

/* ---- decoding ---------------------------------------------------------- */

static ferry_code stage_push(ferry__decoder *d, size_t i, const unsigned char *p,
                             size_t n);

/* Hand decoded bytes to the caller in pieces of at most
 * FERRY_MAX_WRITE_SIZE, within the cap. */
static ferry_code deliver(ferry__decoder *d, const unsigned char *p, size_t n) {
  while (n > 0) {
    size_t k = n < FERRY_MAX_WRITE_SIZE ? n : FERRY_MAX_WRITE_SIZE;
    int rc;

    if (d->max_decoded > 0 &&
        (d->total > d->max_decoded || (int64_t)k > d->max_decoded - d->total))
      return decoder_fail(d, FERRYE_FILESIZE_EXCEEDED,
                          "decoded body is larger than the maximum file size "
                          "(%lld bytes)",
                          (long long)d->max_decoded);
    d->total += (int64_t)k;
    rc = d->out(d->ud, (const char *)p, k);
    if (rc != 0)
      return decoder_fail(d, (ferry_code)rc,
                          "the output callback stopped decoding");
    p += k;
    n -= k;
  }
  return FERRYE_OK;
}

/* Is h[0..2) a zlib (RFC 1950) header? Method 8, a window of at most
 * 32 KiB and a valid check value. A raw deflate stream's first byte has a
 * different shape (its padding bits are zero), so the two are told apart
 * before zlib sees a byte. */
static int is_zlib_header(const unsigned char *h) {
  return (h[0] & 0x0f) == 8 && (h[0] >> 4) <= 7 &&
         ((unsigned)h[0] << 8 | h[1]) % 31 == 0;
}

/* Inflate p[0..n) in stage i, passing each full (or final) output buffer
 * on to stage i + 1. */
static ferry_code stage_inflate(ferry__decoder *d, size_t i,
                                const unsigned char *p, size_t n) {
  decode_stage *s = d->stage[i];
  z_stream *z = &s->z;

  /* zlib counts in uInt; feed a huge piece in slices. */
  while (n > 0) {
    uInt slice = n > (size_t)UINT_MAX ? UINT_MAX : (uInt)n;
    z->next_in = (unsigned char *)p;
    z->avail_in = slice;
    p += slice;
    n -= slice;
    for (;;) {
      size_t produced;
      int zr;

      if (s->ended) {
        if (z->avail_in == 0)
          break;
        if (s->kind != CODING_GZIP)
          return decoder_fail(d, FERRYE_BAD_CONTENT_ENCODING,
                              "deflate stream: data after its end");
        /* Another gzip member follows: same window, fresh header. */
        if (inflateReset(z) != Z_OK)
          return decoder_fail(d, FERRYE_BAD_CONTENT_ENCODING,
                              "gzip stream: cannot restart zlib");
        s->ended = 0;
      }
      z->next_out = s->out;
      z->avail_out = sizeof(s->out);
      zr = inflate(z, Z_NO_FLUSH);
      produced = sizeof(s->out) - z->avail_out;
      /* What zlib decoded before any error goes on first, so the bytes
       * delivered never depend on how the input was split. */
      if (produced > 0) {
        ferry_code rc = stage_push(d, i + 1, s->out, produced);
        if (rc != FERRYE_OK)
          return rc;
      }
      switch (zr) {
      case Z_OK:
      case Z_BUF_ERROR: /* no progress possible: all input is used */
        break;
      case Z_STREAM_END:
        s->ended = 1;
        break;
      case Z_MEM_ERROR:
        return decoder_fail(d, FERRYE_OUT_OF_MEMORY,
                            "%s stream: out of memory", coding_name(s->kind));
      case Z_NEED_DICT:
        return decoder_fail(d, FERRYE_BAD_CONTENT_ENCODING,
                            "deflate stream: needs a preset dictionary");
      default:
        return decoder_fail(d, FERRYE_BAD_CONTENT_ENCODING, "%s stream: %s",
                            coding_name(s->kind),
                            z->msg ? z->msg : "corrupt data");
      }
      /* Done with this slice once the input is used up and zlib had room
       * to spare (so it holds no more output). */
      if (!s->ended && z->avail_in == 0 && z->avail_out != 0)
        break;
    }
  }
  return FERRYE_OK;
}

/* Give p[0..n) to stage i (or to the caller after the last stage). */
static ferry_code stage_push(ferry__decoder *d, size_t i, const unsigned char *p,
                             size_t n) {
  decode_stage *s;
  ferry_code rc;

  if (i == d->nstages)
    return deliver(d, p, n);
  if (n == 0)
    return FERRYE_OK;
  s = d->stage[i];
  s->got_input = 1;
  if (s->kind == CODING_DEFLATE && !s->wrap_chosen) {
    /* Two bytes tell zlib-wrapped from raw; they may come one at a time. */
    const unsigned char *head = p;
    if (s->head_len > 0 || n < 2) {
      s->head[s->head_len++] = *p++;
      n--;
      if (s->head_len < 2)
        return FERRYE_OK;
      head = s->head;
    }
    s->wrap_chosen = 1;
    if (!is_zlib_header(head) && inflateReset2(&s->z, -MAX_WBITS) != Z_OK)
      return decoder_fail(d, FERRYE_BAD_CONTENT_ENCODING,
                          "deflate stream: cannot switch zlib to raw");
    if (head == s->head) {
      rc = stage_inflate(d, i, s->head, 2);
      if (rc != FERRYE_OK)
        return rc;
    }
  }
  return stage_inflate(d, i, p, n);
}

ferry_code ferry__decoder_feed(ferry__decoder *d, const char *p, size_t n,
                               ferry__decoder_out out, void *ud,
                               int64_t max_decoded) {
  ferry_code rc;

  if (d->err != FERRYE_OK)
    return d->err;
  if (n == 0)
    return FERRYE_OK;
  d->out = out;
  d->ud = ud;
  d->max_decoded = max_decoded;
  rc = stage_push(d, 0, (const unsigned char *)p, n);
  d->out = NULL;
  d->ud = NULL;
  return rc;
}

ferry_code ferry__decoder_finish(ferry__decoder *d, ferry__decoder_out out,
                                 void *ud) {
  size_t i;

  (void)out; /* zlib hands over all output during feed; nothing is held */
  (void)ud;
  if (d->err != FERRYE_OK)
    return d->err;
  for (i = 0; i < d->nstages; i++) {
    const decode_stage *s = d->stage[i];
    if (!s->got_input)
      continue; /* an empty body */
    if (!s->ended)
      return decoder_fail(d, FERRYE_BAD_CONTENT_ENCODING,
                          "%s stream: the body ended inside it (truncated)",
                          coding_name(s->kind));
  }
  return FERRYE_OK;
}

const char *ferry__decoder_errmsg(const ferry__decoder *d) { return d->errmsg; }

int64_t ferry__decoder_decoded_total(const ferry__decoder *d) {
  return d->total;
}

size_t ferry__decoder_stages(const ferry__decoder *d) { return d->nstages; }

const char *ferry__decoder_all(void) { return "deflate, gzip"; }

/* libFuzzer target: the multipart encoder (src/mime.c).
 *
 * The first byte picks one of two games. In the first, the input is a
 * little program that builds a form: parts with names, filenames, types,
 * data, callback content (sized or not, given in pieces), a file, header
 * lines, encoders (good and bad names), nested multiparts, and the form's
 * own Content-Type and MIME options. The form is then read with buffer
 * sizes the input chooses, rewound, and read again in one go: both reads
 * must give the same bytes, and a known size must be their number.
 *
 * In the second, the rest of the input is one part's content, encoded
 * with base64 or quoted-printable and read in input-chosen pieces: the
 * content must decode back to itself, and no encoded line may pass 76
 * characters. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "mime.h"

#define MAX_PARTS 64
#define MAX_DEPTH 4

typedef struct input {
  const uint8_t *p;
  size_t n;
} input;

static unsigned take_byte(input *in) {
  unsigned b;
  if (in->n == 0)
    return 0;
  b = in->p[0];
  in->p++;
  in->n--;
  return b;
}

/* A string of the next (length byte) input bytes, NUL-free. */
static const char *take_string(input *in, char *buf, size_t cap) {
  size_t len = take_byte(in) % cap, i;
  for (i = 0; i < len && in->n > 0; i++) {
    buf[i] = (char)take_byte(in);
    if (buf[i] == '\0')
      buf[i] = 'z';
  }
  buf[i] = '\0';
  return buf;
}

/* Callback content: bytes in memory, given `piece` at a time. */
typedef struct cb_data {
  uint8_t bytes[256];
  size_t len, pos, piece;
} cb_data;

static size_t cb_read(char *buf, size_t size, size_t nitems, void *arg) {
  cb_data *c = arg;
  size_t n = size * nitems;
  if (n > c->len - c->pos)
    n = c->len - c->pos;
  if (c->piece && n > c->piece)
    n = c->piece;
  memcpy(buf, c->bytes + c->pos, n);
  c->pos += n;
  return n;
}

static int cb_seek(void *arg, ferry_off_t offset, int origin) {
  cb_data *c = arg;
  if (origin != SEEK_SET || offset < 0 || (size_t)offset > c->len)
    return FERRY_SEEKFUNC_FAIL;
  c->pos = (size_t)offset;
  return FERRY_SEEKFUNC_OK;
}

static void cb_free(void *arg) { free(arg); }

static char file_path[64];

static void remove_file(void) { unlink(file_path); }

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  static const char content[] = "a file's content,\r\nwith = and \t and \x80";
  FILE *f;
  (void)argc;
  (void)argv;
  snprintf(file_path, sizeof(file_path), "/tmp/ferry-fuzz-mime-%d.txt",
           (int)getpid());
  f = fopen(file_path, "wb");
  if (f == NULL)
    abort();
  fwrite(content, 1, sizeof(content) - 1, f);
  fclose(f);
  atexit(remove_file);
  return 0;
}

/* Read m whole with buffer sizes taken from sizes (cycled; 0 -> 1). NULL
 * when a read aborted. */
static uint8_t *read_all(ferry_mime *m, const uint8_t *sizes, size_t nsizes,
                         size_t *len) {
  size_t cap = 1024, n = 0, k = 0;
  uint8_t *out = malloc(cap);

  for (;;) {
    size_t step = nsizes ? sizes[k++ % nsizes] % 97 + 1 : 65536, got;
    if (n + step > cap) {
      cap = (n + step) * 2;
      out = realloc(out, cap);
    }
    got = ferry__mime_read((char *)out + n, 1, step, m);
    if (got == FERRY_READFUNC_PAUSE)
      __builtin_trap(); /* no part here pauses */
    if (got == FERRY_READFUNC_ABORT) {
      free(out);
      return NULL;
    }
    if (got > step)
      __builtin_trap();
    if (got == 0)
      break;
    n += got;
  }
  *len = n;
  return out;
}

static const char *const encoders[] = {NULL,      "binary", "8bit",
                                       "7bit",    "base64", "quoted-printable",
                                       "bogus",   "BASE64"};

/* The form game. */
static void build_and_read(input *in) {
  ferry_mime *stack[MAX_DEPTH + 1];
  ferry_mimepart *parent[MAX_DEPTH + 1], *p = NULL;
  int depth = 0, parts = 0;
  char s1[64], s2[64];
  const char *ctype = NULL;
  long options = 0;
  const uint8_t *sizes;
  size_t nsizes, len1 = 0, len2 = 0;
  uint8_t *a, *b;
  ferry_off_t size;

  stack[0] = ferry_mime_init(NULL);
  if (stack[0] == NULL)
    return;
  while (in->n > 0) {
    unsigned op = take_byte(in);
    if (op == 0xff)
      break; /* the rest are read sizes */
    switch (op % 16) {
    case 0:
      if (parts++ < MAX_PARTS)
        p = ferry_mime_addpart(stack[depth]);
      break;
    case 1:
      ferry_mime_name(p, take_string(in, s1, sizeof(s1)));
      break;
    case 2:
      ferry_mime_filename(p, (op & 0x10) ? NULL
                                         : take_string(in, s1, sizeof(s1)));
      break;
    case 3:
      ferry_mime_type(p, take_string(in, s1, sizeof(s1)));
      break;
    case 4:
      ferry_mime_encoder(p, encoders[(op >> 4) % 8]);
      break;
    case 5: {
      size_t n = take_byte(in);
      if (n > in->n)
        n = in->n;
      ferry_mime_data(p, (const char *)in->p, n);
      in->p += n;
      in->n -= n;
      break;
    }
    case 6: {
      cb_data *c = calloc(1, sizeof(*c));
      size_t n = take_byte(in);
      if (n > in->n)
        n = in->n;
      memcpy(c->bytes, in->p, n);
      in->p += n;
      in->n -= n;
      c->len = n;
      c->piece = take_byte(in) % 8;
      if (p == NULL || ferry_mime_data_cb(p, (op & 0x10) ? -1 : (ferry_off_t)n,
                                          cb_read, cb_seek, cb_free,
                                          c) != FERRYE_OK)
        free(c);
      break;
    }
    case 7:
      ferry_mime_filedata(p, file_path);
      break;
    case 8: {
      ferry_slist *h = ferry_slist_append(NULL, take_string(in, s1, sizeof(s1)));
      if (h && (op & 0x10)) {
        ferry_slist *h2 = ferry_slist_append(h, take_string(in, s2, sizeof(s2)));
        if (h2)
          h = h2;
      }
      if (p == NULL || ferry_mime_headers(p, h, 1) != FERRYE_OK)
        ferry_slist_free_all(h);
      break;
    }
    case 9: /* open a nested multipart in the current part */
      if (p && depth < MAX_DEPTH) {
        ferry_mime *sub = ferry_mime_init(NULL);
        if (sub == NULL)
          break;
        parent[depth] = p;
        stack[++depth] = sub;
        p = NULL;
      }
      break;
    case 10: /* close it: it becomes its part's content */
      if (depth > 0) {
        ferry_mime *sub = stack[depth--];
        p = parent[depth];
        if (ferry_mime_subparts(p, sub) != FERRYE_OK)
          ferry_mime_free(sub);
      }
      break;
    case 11:
      options = op & 0x10 ? FERRYMIMEOPT_FORMESCAPE : 0;
      break;
    case 12:
      ctype = (op & 0x10) ? NULL : strcpy(s2, take_string(in, s1, sizeof(s1)));
      break;
    case 13:
      ferry_mime_data(p, NULL, 0);
      break;
    default:
      break;
    }
  }
  while (depth > 0) {
    ferry_mime *sub = stack[depth--];
    if (ferry_mime_subparts(parent[depth], sub) != FERRYE_OK)
      ferry_mime_free(sub);
  }
  sizes = in->p;
  nsizes = in->n;
  if (ferry__mime_prepare(stack[0], ctype, options) != FERRYE_OK)
    goto out;
  size = ferry__mime_size(stack[0]);
  a = read_all(stack[0], sizes, nsizes, &len1);
  if (ferry__mime_seek(stack[0], 0, SEEK_SET) != FERRY_SEEKFUNC_OK)
    __builtin_trap(); /* every callback here can seek */
  b = read_all(stack[0], NULL, 0, &len2);
  if ((a == NULL) != (b == NULL))
    __builtin_trap(); /* an error (7bit) comes whatever the sizes */
  if (a && (len1 != len2 || memcmp(a, b, len1) != 0))
    __builtin_trap(); /* the bytes do not depend on the buffer sizes */
  if (a && size >= 0 && (size_t)size != len1)
    __builtin_trap(); /* a known size is the bytes given */
  free(a);
  free(b);
out:
  ferry_mime_free(stack[0]);
}

static int unhex(int c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decode quoted-printable; -1 on a malformed escape. */
static long qp_decode(const uint8_t *s, size_t n, uint8_t *out) {
  size_t i = 0, w = 0;
  while (i < n) {
    if (s[i] == '=') {
      if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
        i += 3; /* a soft break */
        continue;
      }
      if (i + 2 >= n || unhex(s[i + 1]) < 0 || unhex(s[i + 2]) < 0)
        return -1;
      out[w++] = (uint8_t)(unhex(s[i + 1]) << 4 | unhex(s[i + 2]));
      i += 3;
      continue;
    }
    out[w++] = s[i++];
  }
  return (long)w;
}

static long b64_decode(const uint8_t *s, size_t n, uint8_t *out) {
  static const char tab[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  unsigned acc = 0, bits = 0;
  size_t w = 0;
  for (size_t i = 0; i < n; i++) {
    const char *c;
    if (s[i] == '\r' || s[i] == '\n' || s[i] == '=')
      continue;
    c = memchr(tab, s[i], 64);
    if (c == NULL)
      return -1;
    acc = acc << 6 | (unsigned)(c - tab);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[w++] = (uint8_t)(acc >> bits);
    }
  }
  return (long)w;
}

/* The round-trip game. */
static void encode_roundtrip(input *in) {
  unsigned mode = take_byte(in);
  size_t nsizes = take_byte(in) % 16, clen, blen = 0, len = 0;
  const uint8_t *sizes = in->p;
  ferry_mime *m = ferry_mime_init(NULL);
  ferry_mimepart *p = ferry_mime_addpart(m);
  uint8_t *body, *dec;
  const uint8_t *start, *end;
  long dlen;

  if (nsizes > in->n)
    nsizes = in->n;
  in->p += nsizes;
  in->n -= nsizes;
  clen = in->n;
  if (p == NULL || ferry_mime_data(p, (const char *)in->p, clen) ||
      ferry_mime_encoder(p, (mode & 1) ? "quoted-printable" : "base64") ||
      ferry__mime_set_boundary(m, "B") ||
      ferry__mime_prepare(m, NULL, 0)) {
    ferry_mime_free(m);
    return;
  }
  body = read_all(m, sizes, nsizes, &len);
  if (body == NULL || ferry__mime_size(m) != (ferry_off_t)len)
    __builtin_trap();
  /* the part's content lies between the blank line and CRLF--B-- */
  start = memmem(body, len, "\r\n\r\n", 4);
  if (start == NULL || len < 9 || memcmp(body + len - 9, "\r\n--B--\r\n", 9))
    __builtin_trap();
  start += 4;
  end = body + len - 9;
  blen = (size_t)(end - start);
  for (const uint8_t *l = start; l < end;) {
    const uint8_t *e = memmem(l, (size_t)(end - l), "\r\n", 2);
    size_t ll = e ? (size_t)(e - l) : (size_t)(end - l);
    if (ll > 76)
      __builtin_trap();
    l += ll + 2;
  }
  dec = malloc(blen + 1);
  dlen = (mode & 1) ? qp_decode(start, blen, dec) : b64_decode(start, blen, dec);
  if (dlen != (long)clen || memcmp(dec, in->p, clen) != 0)
    __builtin_trap();
  free(dec);
  free(body);
  ferry_mime_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  input in = {data, size};
  unsigned game = take_byte(&in);

  if (game & 1)
    encode_roundtrip(&in);
  else
    build_and_read(&in);
  return 0;
}

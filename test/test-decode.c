/* The content decoders (src/decode.c), tested without sockets: bodies are
 * encoded here with zlib's deflate, fed to a chain in pieces, and the
 * output, the result codes and ferry's allocations are checked. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "decode.h"
#include "ferry.h"
#include "test.h"

#define WBITS_GZIP (16 + MAX_WBITS)
#define WBITS_ZLIB MAX_WBITS
#define WBITS_RAW (-MAX_WBITS)

/* ---- encoding with zlib --------------------------------------------- */

typedef struct bytes {
  unsigned char *data;
  size_t len;
  size_t cap;
} bytes;

static void bytes_add(bytes *b, const void *p, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    unsigned char *q;
    while (cap < b->len + n + 1)
      cap *= 2;
    q = realloc(b->data, cap);
    if (q == NULL)
      abort();
    b->data = q;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

static void bytes_free(bytes *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

/* Deflate `repeat` copies of p[0..n) into one stream (gzip, zlib or raw by
 * wbits), with an optional gzip header and zlib preset dictionary. */
static bytes encode_ex(const void *p, size_t n, size_t repeat, int wbits,
                       gz_header *gzhead, const char *dict) {
  bytes out = {NULL, 0, 0};
  unsigned char buf[16384];
  z_stream z;
  size_t r;

  memset(&z, 0, sizeof(z));
  if (deflateInit2(&z, 9, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    abort();
  if (gzhead && deflateSetHeader(&z, gzhead) != Z_OK)
    abort();
  if (dict && deflateSetDictionary(&z, (const Bytef *)dict,
                                   (uInt)strlen(dict)) != Z_OK)
    abort();
  for (r = 0; r <= repeat; r++) {
    int last = r == repeat, zr;
    z.next_in = (Bytef *)(last ? NULL : p);
    z.avail_in = last ? 0 : (uInt)n;
    do {
      z.next_out = buf;
      z.avail_out = sizeof(buf);
      zr = deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
      if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
        abort();
      bytes_add(&out, buf, sizeof(buf) - z.avail_out);
    } while (last ? zr != Z_STREAM_END : z.avail_out == 0);
  }
  deflateEnd(&z);
  return out;
}

static bytes encode(const void *p, size_t n, int wbits) {
  return encode_ex(p, n, 1, wbits, NULL, NULL);
}

/* Encode and free the input. */
static bytes reencode(bytes in, int wbits) {
  bytes out = encode(in.data, in.len, wbits);
  bytes_free(&in);
  return out;
}

/* Text-like data with random bits in it: compresses, but not to nothing. */
static bytes sample_data(size_t n, uint32_t seed) {
  static const char *words[] = {"ferry ", "gzip ", "deflate ", "body ",
                                "\r\n", "chunk ", "window "};
  bytes b = {NULL, 0, 0};
  uint32_t x = seed ? seed : 1;
  while (b.len < n) {
    unsigned char c;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    if (x % 3 == 0) {
      c = (unsigned char)(x >> 8);
      bytes_add(&b, &c, 1);
    } else {
      const char *w = words[(x >> 4) % 7];
      bytes_add(&b, w, strlen(w));
    }
  }
  b.len = n;
  return b;
}

/* ---- the output side --------------------------------------------------- */

typedef struct out_sink {
  bytes got;
  size_t calls;
  size_t max_piece;
  size_t min_piece;
  size_t stop_at_call; /* return stop_code from this call (1-based) */
  int stop_code;
  int keep;            /* 0: only count bytes (for the bombs) */
  int nonzero_seen;    /* a decoded byte was not zero */
} out_sink;

static int sink_out(void *ud, const char *p, size_t n) {
  static const char zeros[FERRY_MAX_WRITE_SIZE];
  out_sink *s = ud;
  s->calls++;
  if (n > s->max_piece)
    s->max_piece = n;
  if (s->min_piece == 0 || n < s->min_piece)
    s->min_piece = n;
  if (s->keep)
    bytes_add(&s->got, p, n);
  else {
    if (n > sizeof(zeros) || memcmp(p, zeros, n) != 0)
      s->nonzero_seen = 1;
    s->got.len += n;
  }
  if (s->stop_at_call && s->calls == s->stop_at_call)
    return s->stop_code;
  return 0;
}

/* Decode p[0..n) with a chain for ce, fed in pieces of `split` bytes (0:
 * all at once), then finish. Returns the first error. */
static ferry_code decode_split(const char *ce, const unsigned char *p, size_t n,
                               size_t split, out_sink *s, int64_t max) {
  ferry__decoder *d;
  ferry_code rc;
  size_t off = 0;

  rc = ferry__decoder_new(&d, ce, NULL, 0);
  if (rc != FERRYE_OK)
    return rc;
  if (split == 0)
    split = n ? n : 1;
  while (rc == FERRYE_OK && off < n) {
    size_t k = n - off < split ? n - off : split;
    rc = ferry__decoder_feed(d, (const char *)p + off, k, sink_out, s, max);
    off += k;
  }
  if (rc == FERRYE_OK)
    rc = ferry__decoder_finish(d, sink_out, s);
  ferry__decoder_free(d);
  return rc;
}

/* Decode with text back: the error message of the failing call. */
static ferry_code decode_msg(const char *ce, const unsigned char *p, size_t n,
                             char *msg, size_t msglen) {
  out_sink s = {.keep = 1};
  ferry__decoder *d;
  ferry_code rc = ferry__decoder_new(&d, ce, msg, msglen);
  if (rc != FERRYE_OK)
    return rc;
  rc = ferry__decoder_feed(d, (const char *)p, n, sink_out, &s, 0);
  if (rc == FERRYE_OK)
    rc = ferry__decoder_finish(d, sink_out, &s);
  snprintf(msg, msglen, "%s", ferry__decoder_errmsg(d));
  ferry__decoder_free(d);
  bytes_free(&s.got);
  return rc;
}

/* ---- a counting allocator ----------------------------------------------- */

/* Each block carries its size in front so that live bytes can be counted. */
#define HDR 16

static size_t live_bytes, live_blocks, peak_bytes, largest_block;
static long alloc_count, fail_at, failures;

static int alloc_should_fail(void) {
  alloc_count++;
  if (fail_at && alloc_count == fail_at) {
    failures++;
    return 1;
  }
  return 0;
}

static void account(size_t n) {
  live_bytes += n;
  live_blocks++;
  if (live_bytes > peak_bytes)
    peak_bytes = live_bytes;
  if (n > largest_block)
    largest_block = n;
}

static void *c_malloc(size_t n) {
  unsigned char *h;
  if (alloc_should_fail() || (h = malloc(HDR + n)) == NULL)
    return NULL;
  memcpy(h, &n, sizeof(n));
  account(n);
  return h + HDR;
}

static void c_free(void *p) {
  size_t n;
  if (p == NULL)
    return;
  memcpy(&n, (unsigned char *)p - HDR, sizeof(n));
  live_bytes -= n;
  live_blocks--;
  free((unsigned char *)p - HDR);
}

static void *c_realloc(void *p, size_t n) {
  unsigned char *q;
  if (p == NULL)
    return c_malloc(n);
  q = c_malloc(n);
  if (q != NULL) {
    size_t old;
    memcpy(&old, (unsigned char *)p - HDR, sizeof(old));
    memcpy(q, p, old < n ? old : n);
    c_free(p);
  }
  return q;
}

static char *c_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = c_malloc(n);
  if (p)
    memcpy(p, s, n);
  return p;
}

static void *c_calloc(size_t a, size_t b) {
  void *p;
  if (b && a > SIZE_MAX / b)
    return NULL;
  p = c_malloc(a * b);
  if (p)
    memset(p, 0, a * b);
  return p;
}

static int counting_allocator_install(void) {
  live_bytes = live_blocks = peak_bytes = largest_block = 0;
  alloc_count = fail_at = failures = 0;
  return ferry_global_init_mem(FERRY_GLOBAL_DEFAULT, c_malloc, c_free,
                               c_realloc, c_strdup, c_calloc) == FERRYE_OK;
}

/* A gzip stream of `mib` MiB of zeros, wrapped in `layers` gzip layers. */
static bytes zero_bomb(size_t mib, int layers) {
  static const unsigned char zeros[1024 * 1024];
  bytes b = encode_ex(zeros, sizeof(zeros), mib, WBITS_GZIP, NULL, NULL);
  for (int i = 1; i < layers; i++)
    b = reencode(b, WBITS_GZIP);
  return b;
}

/* ---- tests -------------------------------------------------------------- */

TEST_IMPL(decode_gzip_roundtrip_survives_every_split_size) {
  bytes plain = sample_data(6000, 7);
  bytes gz = encode(plain.data, plain.len, WBITS_GZIP);

  ASSERT(gz.len > 1000 && gz.len < plain.len);
  for (size_t split = 1; split <= gz.len + 1; split++) {
    out_sink s = {.keep = 1};
    ferry_code rc = decode_split("gzip", gz.data, gz.len, split, &s, 0);
    if (rc != FERRYE_OK || s.got.len != plain.len ||
        memcmp(s.got.data, plain.data, plain.len) != 0)
      TEST_FAIL_("split %zu: rc %d, %zu bytes", split, (int)rc, s.got.len);
    bytes_free(&s.got);
  }
  bytes_free(&gz);
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(decode_deflate_accepts_zlib_wrapped_and_raw_streams) {
  bytes plain = sample_data(3000, 11);
  int wbits[2] = {WBITS_ZLIB, WBITS_RAW};

  for (int w = 0; w < 2; w++) {
    bytes z = encode(plain.data, plain.len, wbits[w]);
    /* Byte by byte puts the two header bytes in separate feeds. */
    size_t splits[4] = {0, 1, 2, 3};
    if (w == 0)
      ASSERT_EQ(z.data[0], 0x78); /* a zlib header ... */
    else
      ASSERT((z.data[0] & 0x0f) != 8); /* ... and a raw first byte */
    for (int i = 0; i < 4; i++) {
      out_sink s = {.keep = 1};
      ASSERT_EQ(decode_split("deflate", z.data, z.len, splits[i], &s, 0),
                FERRYE_OK);
      ASSERT_EQ(s.got.len, plain.len);
      ASSERT(memcmp(s.got.data, plain.data, plain.len) == 0);
      bytes_free(&s.got);
    }
    bytes_free(&z);
  }
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(decode_deflate_with_preset_dictionary_is_bad_content_encoding) {
  char msg[200];
  bytes z = encode_ex("dictionary words", 16, 1, WBITS_ZLIB, NULL,
                      "dictionary words");
  ASSERT_EQ(decode_msg("deflate", z.data, z.len, msg, sizeof(msg)),
            FERRYE_BAD_CONTENT_ENCODING);
  ASSERT(strstr(msg, "preset dictionary") != NULL);
  bytes_free(&z);
  return 0;
}

TEST_IMPL(decode_stacked_gzip_deflate_decodes_deflate_first) {
  bytes plain = sample_data(5000, 3);
  /* "gzip, deflate": gzip applied first, then deflate. */
  bytes body = reencode(encode(plain.data, plain.len, WBITS_GZIP), WBITS_ZLIB);
  ferry__decoder *d;

  ASSERT_EQ(ferry__decoder_new(&d, "gzip, deflate", NULL, 0), FERRYE_OK);
  ASSERT_EQ(ferry__decoder_stages(d), 2);
  ferry__decoder_free(d);
  for (size_t split = 0; split <= 64; split++) {
    out_sink s = {.keep = 1};
    ASSERT_EQ(decode_split("gzip, deflate", body.data, body.len, split, &s, 0),
              FERRYE_OK);
    ASSERT_EQ(s.got.len, plain.len);
    ASSERT(memcmp(s.got.data, plain.data, plain.len) == 0);
    bytes_free(&s.got);
  }
  /* The other order is a different body: deflate first is not gzip. */
  {
    out_sink s = {.keep = 1};
    ASSERT_EQ(decode_split("deflate, gzip", body.data, body.len, 0, &s, 0),
              FERRYE_BAD_CONTENT_ENCODING);
    bytes_free(&s.got);
  }
  bytes_free(&body);
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(decode_identity_and_empty_header_pass_through) {
  static const char *ces[] = {NULL, "", "identity", " , Identity ,, ",
                              "identity, identity"};
  static const char body[] = "not encoded at all\n";

  for (size_t i = 0; i < sizeof(ces) / sizeof(ces[0]); i++) {
    out_sink s = {.keep = 1};
    ferry__decoder *d;
    ASSERT_EQ(ferry__decoder_new(&d, ces[i], NULL, 0), FERRYE_OK);
    ASSERT_EQ(ferry__decoder_stages(d), 0);
    ferry__decoder_free(d);
    ASSERT_EQ(decode_split(ces[i], (const unsigned char *)body, strlen(body), 5,
                           &s, 0),
              FERRYE_OK);
    ASSERT_MEM_EQ(s.got.data, s.got.len, body);
    bytes_free(&s.got);
  }
  return 0;
}

TEST_IMPL(decode_coding_names_are_case_insensitive_and_x_gzip_is_gzip) {
  bytes plain = sample_data(700, 5);
  bytes gz = encode(plain.data, plain.len, WBITS_GZIP);
  static const char *ces[] = {"gzip", "GZIP", "x-gzip", "X-Gzip", "\tgzip ",
                              "identity, gzip"};

  for (size_t i = 0; i < sizeof(ces) / sizeof(ces[0]); i++) {
    out_sink s = {.keep = 1};
    ASSERT_EQ(decode_split(ces[i], gz.data, gz.len, 0, &s, 0), FERRYE_OK);
    ASSERT_EQ(s.got.len, plain.len);
    bytes_free(&s.got);
  }
  bytes_free(&gz);
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(decode_unknown_coding_is_bad_content_encoding_with_text) {
  static const char *ces[] = {"br", "gzip, br", "compress", "zstd",
                              "gzip;q=1", "gzip deflate", "chunked"};
  char err[FERRY_ERROR_SIZE];
  ferry__decoder *d = (ferry__decoder *)&d; /* not NULL: new must clear it */

  for (size_t i = 0; i < sizeof(ces) / sizeof(ces[0]); i++) {
    err[0] = '\0';
    ASSERT_EQ(ferry__decoder_new(&d, ces[i], err, sizeof(err)),
              FERRYE_BAD_CONTENT_ENCODING);
    ASSERT_NULL(d);
    ASSERT(strstr(err, "unsupported Content-Encoding") != NULL);
  }
  ASSERT_EQ(ferry__decoder_new(&d, "gzip, br", err, sizeof(err)),
            FERRYE_BAD_CONTENT_ENCODING);
  ASSERT_STR_EQ(err, "unsupported Content-Encoding \"br\"");
  /* A long or binary name is clipped and made printable. */
  ASSERT_EQ(ferry__decoder_new(&d,
                               "x\x01yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
                               "yyyyyyyyyyyyyyyyyyyy",
                               err, sizeof(err)),
            FERRYE_BAD_CONTENT_ENCODING);
  ASSERT(strncmp(err, "unsupported Content-Encoding \"x?yyy",
                 strlen("unsupported Content-Encoding \"x?yyy")) == 0);
  ASSERT_EQ(strlen(err), strlen("unsupported Content-Encoding \"") + 40 + 4);
  ASSERT(strcmp(err + strlen(err) - 5, "y...\"") == 0);
  /* A small error buffer is still terminated. */
  ASSERT_EQ(ferry__decoder_new(&d, "br", err, 8), FERRYE_BAD_CONTENT_ENCODING);
  ASSERT_STR_EQ(err, "unsuppo");
  return 0;
}

TEST_IMPL(decode_more_than_five_codings_is_bad_content_encoding) {
  char err[FERRY_ERROR_SIZE];
  ferry__decoder *d;
  bytes plain = sample_data(2000, 9);
  bytes body = encode(plain.data, plain.len, WBITS_GZIP);
  out_sink s = {.keep = 1};

  ASSERT_EQ(ferry__decoder_new(&d, "gzip, gzip, gzip, gzip, gzip, gzip", err,
                               sizeof(err)),
            FERRYE_BAD_CONTENT_ENCODING);
  ASSERT_NULL(d);
  ASSERT(strstr(err, "more than 5") != NULL);
  ASSERT_EQ(ferry__decoder_new(&d, "deflate,gzip,x-gzip,deflate,gzip,deflate",
                               err, sizeof(err)),
            FERRYE_BAD_CONTENT_ENCODING);
  /* Five are fine, and identity makes no stage. */
  for (int i = 1; i < 5; i++)
    body = reencode(body, i % 2 ? WBITS_RAW : WBITS_GZIP);
  ASSERT_EQ(decode_split("identity, gzip, deflate, gzip, deflate, gzip, "
                         "identity",
                         body.data, body.len, 7, &s, 0),
            FERRYE_OK);
  ASSERT_EQ(s.got.len, plain.len);
  ASSERT(memcmp(s.got.data, plain.data, plain.len) == 0);
  bytes_free(&s.got);
  bytes_free(&body);
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(decode_gzip_bad_crc_is_bad_content_encoding) {
  char msg[200];
  bytes plain = sample_data(1000, 13);
  bytes gz = encode(plain.data, plain.len, WBITS_GZIP);

  gz.data[gz.len - 8] ^= 0x01; /* CRC-32, first of the 8 trailer bytes */
  ASSERT_EQ(decode_msg("gzip", gz.data, gz.len, msg, sizeof(msg)),
            FERRYE_BAD_CONTENT_ENCODING);
  ASSERT_STR_EQ(msg, "gzip stream: incorrect data check");
  bytes_free(&gz);
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(decode_gzip_bad_isize_is_bad_content_encoding) {
  char msg[200];
  bytes plain = sample_data(1000, 13);
  bytes gz = encode(plain.data, plain.len, WBITS_GZIP);

  gz.data[gz.len - 4] ^= 0x01; /* ISIZE, the length mod 2^32 */
  ASSERT_EQ(decode_msg("gzip", gz.data, gz.len, msg, sizeof(msg)),
            FERRYE_BAD_CONTENT_ENCODING);
  ASSERT_STR_EQ(msg, "gzip stream: incorrect length check");
  bytes_free(&gz);
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(decode_gzip_header_with_optional_fields_is_decoded) {
  gz_header h;
  bytes gz;
  out_sink s = {.keep = 1};

  memset(&h, 0, sizeof(h));
  h.text = 1;
  h.extra = (Bytef *)"XYextra";
  h.extra_len = 7;
  h.name = (Bytef *)"body.txt";
  h.comment = (Bytef *)"a comment";
  h.hcrc = 1;
  gz = encode_ex("optional header fields", 22, 1, WBITS_GZIP, &h, NULL);
  ASSERT_EQ(gz.data[3], 0x1f); /* FTEXT FHCRC FEXTRA FNAME FCOMMENT */
  ASSERT_EQ(decode_split("gzip", gz.data, gz.len, 1, &s, 0), FERRYE_OK);
  ASSERT_MEM_EQ(s.got.data, s.got.len, "optional header fields");
  bytes_free(&s.got);
  /* A broken header CRC (FHCRC) is caught. */
  gz.data[10 + 2 + 7 + 9 + 10] ^= 0x01;
  ASSERT_EQ(decode_split("gzip", gz.data, gz.len, 0, &s, 0),
            FERRYE_BAD_CONTENT_ENCODING);
  bytes_free(&s.got);
  bytes_free(&gz);
  return 0;
}

TEST_IMPL(decode_truncated_stream_fails_at_finish) {
  bytes plain = sample_data(2000, 17);
  int wbits[3] = {WBITS_GZIP, WBITS_ZLIB, WBITS_RAW};
  const char *ce[3] = {"gzip", "deflate", "deflate"};

  for (int w = 0; w < 3; w++) {
    bytes z = encode(plain.data, plain.len, wbits[w]);
    for (size_t cut = 1; cut < z.len; cut++) {
      out_sink s = {.keep = 1};
      ferry__decoder *d;
      ASSERT_EQ(ferry__decoder_new(&d, ce[w], NULL, 0), FERRYE_OK);
      /* A prefix is a valid start: feeding it succeeds ... */
      ASSERT_EQ(ferry__decoder_feed(d, (const char *)z.data, cut, sink_out, &s,
                                    0),
                FERRYE_OK);
      ASSERT(s.got.len <= plain.len);
      ASSERT(memcmp(s.got.data ? (void *)s.got.data : (void *)"", plain.data,
                    s.got.len) == 0);
      /* ... and the end of the body says it was cut. */
      if (ferry__decoder_finish(d, sink_out, &s) != FERRYE_BAD_CONTENT_ENCODING)
        TEST_FAIL_("%s cut at %zu of %zu not reported", ce[w], cut, z.len);
      ASSERT(strstr(ferry__decoder_errmsg(d), "truncated") != NULL);
      ferry__decoder_free(d);
      bytes_free(&s.got);
    }
    bytes_free(&z);
  }
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(decode_garbage_after_gzip_trailer_is_bad_content_encoding) {
  /* A member header and an empty final stored block, but no trailer. */
  static const char cut_member[] = "\x1f\x8b\x08\0\0\0\0\0\0\xff"
                                   "\x01\0\0\xff\xff";
  static const char *tails[] = {"x", "\0\0\0\0", "\n", cut_member};
  static const size_t tail_len[] = {1, 4, 1, sizeof(cut_member) - 1};
  bytes plain = sample_data(500, 19);

  for (size_t i = 0; i < 4; i++) {
    bytes gz = encode(plain.data, plain.len, WBITS_GZIP);
    out_sink s = {.keep = 1};
    bytes_add(&gz, tails[i], tail_len[i]);
    if (decode_split("gzip", gz.data, gz.len, 0, &s, 0) !=
        FERRYE_BAD_CONTENT_ENCODING)
      TEST_FAIL_("tail %zu accepted", i);
    bytes_free(&s.got);
    bytes_free(&gz);
  }
  /* A lone first magic byte is a member cut short. */
  {
    char msg[200];
    bytes gz = encode(plain.data, plain.len, WBITS_GZIP);
    bytes_add(&gz, "\x1f", 1);
    ASSERT_EQ(decode_msg("gzip", gz.data, gz.len, msg, sizeof(msg)),
              FERRYE_BAD_CONTENT_ENCODING);
    ASSERT(strstr(msg, "truncated") != NULL);
    bytes_free(&gz);
  }
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(decode_data_after_deflate_end_is_bad_content_encoding) {
  bytes plain = sample_data(500, 23);
  int wbits[2] = {WBITS_ZLIB, WBITS_RAW};

  for (int w = 0; w < 2; w++) {
    char msg[200];
    bytes z = encode(plain.data, plain.len, wbits[w]);
    bytes_add(&z, "\0", 1);
    ASSERT_EQ(decode_msg("deflate", z.data, z.len, msg, sizeof(msg)),
              FERRYE_BAD_CONTENT_ENCODING);
    ASSERT_STR_EQ(msg, "deflate stream: data after its end");
    bytes_free(&z);
  }
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(decode_concatenated_gzip_members_are_all_decoded) {
  bytes a = encode("hello, ", 7, WBITS_GZIP);
  bytes b = encode("", 0, WBITS_GZIP);
  bytes c = encode("world", 5, WBITS_GZIP);
  bytes all = {NULL, 0, 0};

  bytes_add(&all, a.data, a.len);
  bytes_add(&all, b.data, b.len);
  bytes_add(&all, c.data, c.len);
  for (size_t split = 0; split <= all.len; split++) {
    out_sink s = {.keep = 1};
    ASSERT_EQ(decode_split("gzip", all.data, all.len, split, &s, 0), FERRYE_OK);
    ASSERT_MEM_EQ(s.got.data, s.got.len, "hello, world");
    bytes_free(&s.got);
  }
  bytes_free(&a);
  bytes_free(&b);
  bytes_free(&c);
  bytes_free(&all);
  return 0;
}

TEST_IMPL(decode_empty_body_is_accepted) {
  static const char *ces[] = {"gzip", "deflate", "gzip, deflate"};
  for (int i = 0; i < 3; i++) {
    out_sink s = {.keep = 1};
    ferry__decoder *d;
    ASSERT_EQ(ferry__decoder_new(&d, ces[i], NULL, 0), FERRYE_OK);
    ASSERT_EQ(ferry__decoder_feed(d, "", 0, sink_out, &s, 0), FERRYE_OK);
    ASSERT_EQ(ferry__decoder_finish(d, sink_out, &s), FERRYE_OK);
    ASSERT_EQ(s.calls, 0);
    ASSERT_EQ(ferry__decoder_decoded_total(d), 0);
    ferry__decoder_free(d);
  }
  /* An encoded empty body decodes to nothing, through every stage. */
  {
    bytes z = reencode(encode("", 0, WBITS_GZIP), WBITS_ZLIB);
    out_sink s = {.keep = 1};
    ASSERT_EQ(decode_split("gzip, deflate", z.data, z.len, 1, &s, 0),
              FERRYE_OK);
    ASSERT_EQ(s.calls, 0);
    bytes_free(&z);
  }
  return 0;
}

TEST_IMPL(decode_errors_are_sticky) {
  out_sink s = {.keep = 1};
  ferry__decoder *d;
  bytes gz = encode("fine", 4, WBITS_GZIP);

  ASSERT_EQ(ferry__decoder_new(&d, "gzip", NULL, 0), FERRYE_OK);
  ASSERT_STR_EQ(ferry__decoder_errmsg(d), "");
  ASSERT_EQ(ferry__decoder_feed(d, "not gzip", 8, sink_out, &s, 0),
            FERRYE_BAD_CONTENT_ENCODING);
  ASSERT(strncmp(ferry__decoder_errmsg(d), "gzip stream: ", 13) == 0);
  ASSERT_EQ(ferry__decoder_feed(d, (const char *)gz.data, gz.len, sink_out, &s,
                                0),
            FERRYE_BAD_CONTENT_ENCODING);
  ASSERT_EQ(ferry__decoder_finish(d, sink_out, &s), FERRYE_BAD_CONTENT_ENCODING);
  ASSERT_EQ(s.calls, 0);
  ferry__decoder_free(d);
  bytes_free(&gz);
  return 0;
}

TEST_IMPL(decode_gzip_bomb_is_decoded_in_bounded_memory) {
  bytes bomb = zero_bomb(64, 1);
  out_sink s = {.keep = 0};
  ferry__decoder *d;

  ASSERT(bomb.len < 100 * 1024);
  ASSERT(counting_allocator_install());
  ASSERT_EQ(ferry__decoder_new(&d, "gzip", NULL, 0), FERRYE_OK);
  for (size_t off = 0; off < bomb.len; off += 4096) {
    size_t k = bomb.len - off < 4096 ? bomb.len - off : 4096;
    ASSERT_EQ(ferry__decoder_feed(d, (const char *)bomb.data + off, k, sink_out,
                                  &s, 0),
              FERRYE_OK);
  }
  ASSERT_EQ(ferry__decoder_finish(d, sink_out, &s), FERRYE_OK);
  ASSERT_EQ(s.got.len, 64 * 1024 * 1024);
  ASSERT_EQ(ferry__decoder_decoded_total(d), 64 * 1024 * 1024);
  ASSERT_EQ(s.nonzero_seen, 0);
  ASSERT_LE(s.max_piece, FERRY_MAX_WRITE_SIZE);
  ferry__decoder_free(d);
  /* One stage: zlib's state, its 32 KiB window and a 16 KiB buffer. */
  ASSERT_LE(peak_bytes, 64 * 1024);
  ASSERT_LE(largest_block, 32 * 1024 + 64);
  ASSERT_EQ(live_bytes, 0);
  ASSERT_EQ(live_blocks, 0);
  ferry_global_cleanup();
  bytes_free(&bomb);
  return 0;
}

TEST_IMPL(decode_five_stacked_bomb_stays_within_five_stages_of_memory) {
  bytes bomb = zero_bomb(64, 5);
  out_sink s = {.keep = 0};

  ASSERT(bomb.len < 16 * 1024);
  ASSERT(counting_allocator_install());
  ASSERT_EQ(decode_split("gzip, gzip, gzip, gzip, gzip", bomb.data, bomb.len,
                         100, &s, 0),
            FERRYE_OK);
  ASSERT_EQ(s.got.len, 64 * 1024 * 1024);
  ASSERT_EQ(s.nonzero_seen, 0);
  ASSERT_LE(peak_bytes, 5 * 64 * 1024);
  ASSERT_EQ(live_bytes, 0);
  ferry_global_cleanup();
  bytes_free(&bomb);
  return 0;
}

TEST_IMPL(decode_max_decoded_stops_bomb_with_filesize_exceeded) {
  bytes bomb = zero_bomb(64, 1);
  const int64_t max = 1024 * 1024 + 100;
  out_sink s = {.keep = 0};
  ferry__decoder *d;
  size_t calls;

  ASSERT_EQ(ferry__decoder_new(&d, "gzip", NULL, 0), FERRYE_OK);
  ASSERT_EQ(ferry__decoder_feed(d, (const char *)bomb.data, bomb.len, sink_out,
                                &s, max),
            FERRYE_FILESIZE_EXCEEDED);
  /* What was delivered is a prefix within the cap, and decoding stopped
   * right at it rather than running through the 64 MiB. */
  ASSERT_LE(s.got.len, max);
  ASSERT_GE(s.got.len, max - FERRY_MAX_WRITE_SIZE + 1);
  ASSERT_EQ(ferry__decoder_decoded_total(d), s.got.len);
  ASSERT(strstr(ferry__decoder_errmsg(d), "maximum file size") != NULL);
  calls = s.calls;
  ASSERT_EQ(ferry__decoder_feed(d, "", 1, sink_out, &s, max),
            FERRYE_FILESIZE_EXCEEDED);
  ASSERT_EQ(ferry__decoder_finish(d, sink_out, &s), FERRYE_FILESIZE_EXCEEDED);
  ASSERT_EQ(s.calls, calls);
  ferry__decoder_free(d);

  /* Exactly at the cap is fine; one byte less is not. */
  {
    out_sink s2 = {.keep = 0};
    ASSERT_EQ(decode_split("gzip", bomb.data, bomb.len, 0, &s2,
                           64 * 1024 * 1024),
              FERRYE_OK);
    memset(&s2, 0, sizeof(s2));
    ASSERT_EQ(decode_split("gzip", bomb.data, bomb.len, 0, &s2,
                           64 * 1024 * 1024 - 1),
              FERRYE_FILESIZE_EXCEEDED);
    ASSERT_EQ(s2.got.len, 64 * 1024 * 1024 - FERRY_MAX_WRITE_SIZE);
  }
  /* The cap counts decoded bytes, for pass-through too. */
  {
    out_sink s3 = {.keep = 1};
    ASSERT_EQ(decode_split("identity", (const unsigned char *)"0123456789", 10,
                           0, &s3, 9),
              FERRYE_FILESIZE_EXCEEDED);
    ASSERT_EQ(s3.got.len, 0);
    bytes_free(&s3.got);
  }
  bytes_free(&bomb);
  return 0;
}

TEST_IMPL(decode_output_pieces_never_exceed_max_write_size) {
  bytes plain = sample_data(1024 * 1024 + 7, 29);
  bytes gz = encode(plain.data, plain.len, WBITS_GZIP);
  size_t splits[3] = {0, 1000, 100000};

  for (int i = 0; i < 3; i++) {
    out_sink s = {.keep = 1};
    ASSERT_EQ(decode_split("gzip", gz.data, gz.len, splits[i], &s, 0),
              FERRYE_OK);
    ASSERT_EQ(s.got.len, plain.len);
    ASSERT(memcmp(s.got.data, plain.data, plain.len) == 0);
    ASSERT_LE(s.max_piece, FERRY_MAX_WRITE_SIZE);
    ASSERT_GE(s.min_piece, 1);
    bytes_free(&s.got);
  }
  /* Pass-through splits a big feed too. */
  {
    out_sink s = {.keep = 1};
    ASSERT_EQ(decode_split(NULL, plain.data, plain.len, 0, &s, 0), FERRYE_OK);
    ASSERT_EQ(s.max_piece, FERRY_MAX_WRITE_SIZE);
    ASSERT_EQ(s.calls, (plain.len + FERRY_MAX_WRITE_SIZE - 1) /
                           FERRY_MAX_WRITE_SIZE);
    ASSERT(memcmp(s.got.data, plain.data, plain.len) == 0);
    bytes_free(&s.got);
  }
  bytes_free(&gz);
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(decode_out_callback_nonzero_stops_with_its_code) {
  bytes plain = sample_data(200000, 31);
  bytes gz = encode(plain.data, plain.len, WBITS_GZIP);
  out_sink s = {.keep = 1, .stop_at_call = 3, .stop_code = FERRYE_WRITE_ERROR};
  ferry__decoder *d;

  ASSERT_EQ(ferry__decoder_new(&d, "gzip, identity", NULL, 0), FERRYE_OK);
  ASSERT_EQ(ferry__decoder_feed(d, (const char *)gz.data, gz.len, sink_out, &s,
                                0),
            FERRYE_WRITE_ERROR);
  ASSERT_EQ(s.calls, 3);
  ASSERT_EQ(ferry__decoder_decoded_total(d), s.got.len);
  ASSERT(memcmp(s.got.data, plain.data, s.got.len) == 0);
  ASSERT_EQ(ferry__decoder_feed(d, (const char *)gz.data, gz.len, sink_out, &s,
                                0),
            FERRYE_WRITE_ERROR);
  ASSERT_EQ(ferry__decoder_finish(d, sink_out, &s), FERRYE_WRITE_ERROR);
  ASSERT_EQ(s.calls, 3);
  ferry__decoder_free(d);
  bytes_free(&s.got);

  /* Any code comes back as it was returned, through pass-through too. */
  memset(&s, 0, sizeof(s));
  s.stop_at_call = 1;
  s.stop_code = 12345;
  ASSERT_EQ(decode_split("", plain.data, plain.len, 0, &s, 0), 12345);
  ASSERT_EQ(s.calls, 1);
  bytes_free(&gz);
  bytes_free(&plain);
  return 0;
}

/* new + feed in two pieces + finish for a two-stage chain. */
static ferry_code oom_scenario(const bytes *body, const bytes *plain,
                               const char *ce) {
  out_sink s = {.keep = 1};
  char err[FERRY_ERROR_SIZE];
  ferry__decoder *d;
  ferry_code rc = ferry__decoder_new(&d, ce, err, sizeof(err));
  size_t half = body->len / 2;

  if (rc != FERRYE_OK)
    return rc == FERRYE_OUT_OF_MEMORY && strstr(err, "out of memory")
               ? rc
               : FERRYE_LAST;
  rc = ferry__decoder_feed(d, (const char *)body->data, half, sink_out, &s, 0);
  if (rc == FERRYE_OK)
    rc = ferry__decoder_feed(d, (const char *)body->data + half,
                             body->len - half, sink_out, &s, 0);
  if (rc == FERRYE_OK)
    rc = ferry__decoder_finish(d, sink_out, &s);
  if (rc == FERRYE_OK &&
      (s.got.len != plain->len || memcmp(s.got.data, plain->data, plain->len)))
    rc = FERRYE_LAST; /* a successful run must deliver the body */
  ferry__decoder_free(d);
  bytes_free(&s.got);
  return rc;
}

TEST_IMPL(decode_oom_each_allocation_fails_cleanly) {
  bytes plain = sample_data(100000, 37);
  bytes body = reencode(encode(plain.data, plain.len, WBITS_GZIP), WBITS_RAW);
  long total;

  ASSERT(counting_allocator_install());
  ASSERT_EQ(oom_scenario(&body, &plain, "gzip, deflate"), FERRYE_OK);
  total = alloc_count;
  ASSERT_EQ(live_blocks, 0);
  /* The chain, two stages, two zlib states, two windows. */
  ASSERT_GE(total, 7);
  for (long k = 1; k <= total; k++) {
    alloc_count = 0;
    failures = 0;
    fail_at = k;
    if (oom_scenario(&body, &plain, "gzip, deflate") != FERRYE_OUT_OF_MEMORY)
      TEST_FAIL_("allocation %ld of %ld failed without OUT_OF_MEMORY", k, total);
    ASSERT_EQ(failures, 1);
    ASSERT_EQ(live_blocks, 0);
    ASSERT_EQ(live_bytes, 0);
  }
  fail_at = 0;
  ferry_global_cleanup();
  bytes_free(&body);
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(decode_all_lists_supported_codings) {
  ferry__decoder *d;
  ASSERT_STR_EQ(ferry__decoder_all(), "deflate, gzip");
  ASSERT_EQ(ferry__decoder_new(&d, ferry__decoder_all(), NULL, 0), FERRYE_OK);
  ASSERT_EQ(ferry__decoder_stages(d), 2);
  ferry__decoder_free(d);
  return 0;
}

/* How a body flows to the application: content decoding (ACCEPT_ENCODING,
 * HTTP_CONTENT_DECODING, MAXFILESIZE), pausing and resuming in both
 * directions, progress and the low-speed check. Bodies are encoded here
 * with zlib, the scripted server sends them, and each test asserts what an
 * application sees: the result, the bytes its callbacks got and in which
 * order, and how much the loop and the process did meanwhile. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uv.h>
#include <zlib.h>

#include "ferry_uv.h"
#include "fx.h"
#include "test.h"

#define WBITS_GZIP (16 + MAX_WBITS)
#define WBITS_ZLIB MAX_WBITS
#define WBITS_RAW (-MAX_WBITS)

#define MIB (1024 * 1024)

/* ---- byte strings and encoding ----------------------------------------- */

typedef struct bytes {
  char *data;
  size_t len, cap;
} bytes;

static void bytes_add(bytes *b, const void *p, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    char *q;
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
  b->data[b->len] = '\0';
}

static void bytes_addf(bytes *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void bytes_addf(bytes *b, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof(tmp))
    abort();
  bytes_add(b, tmp, (size_t)n);
}

static void bytes_free(bytes *b) {
  free(b->data);
  memset(b, 0, sizeof(*b));
}

/* Text-like data with random bytes in it: it compresses, but not to
 * nothing, so a decoded body is checked byte by byte. */
static bytes sample_data(size_t n, uint32_t seed) {
  static const char *words[] = {"ferry ", "gzip ", "deflate ", "body ",
                                "\r\n", "chunk ", "pause "};
  bytes b = {0};
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

/* One deflate stream (gzip, zlib or raw by wbits) of `total` bytes made by
 * repeating p[0..n): a bomb is made without holding its decoded size. */
static bytes encode_repeat(const void *p, size_t n, size_t total, int wbits) {
  bytes out = {0};
  unsigned char buf[16384];
  z_stream z;
  size_t done = 0;
  int zr;

  memset(&z, 0, sizeof(z));
  if (deflateInit2(&z, 9, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    abort();
  for (;;) {
    int last = done == total;
    size_t k = total - done < n ? total - done : n;
    z.next_in = (Bytef *)p;
    z.avail_in = last ? 0 : (uInt)k;
    do {
      z.next_out = buf;
      z.avail_out = sizeof(buf);
      zr = deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
      if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
        abort();
      bytes_add(&out, buf, sizeof(buf) - z.avail_out);
    } while (last ? zr != Z_STREAM_END : z.avail_out == 0);
    if (last)
      break;
    done += k;
  }
  deflateEnd(&z);
  return out;
}

static bytes encode(const bytes *in, int wbits) {
  return encode_repeat(in->data, in->len, in->len, wbits);
}

/* "HTTP/1.1 200 OK", the extra header lines (each ending in CRLF), a
 * Content-Length and the body. */
static bytes response_cl(const char *headers, const void *body, size_t n) {
  bytes r = {0};
  bytes_addf(&r, "HTTP/1.1 200 OK\r\n%sContent-Length: %zu\r\n\r\n", headers,
             n);
  bytes_add(&r, body, n);
  return r;
}

/* The same with a chunked body in chunks of `chunk` bytes. */
static bytes response_chunked(const char *headers, const void *body, size_t n,
                              size_t chunk) {
  bytes r = {0};
  const char *p = body;
  bytes_addf(&r, "HTTP/1.1 200 OK\r\n%sTransfer-Encoding: chunked\r\n\r\n",
             headers);
  while (n) {
    size_t k = n < chunk ? n : chunk;
    bytes_addf(&r, "%zx\r\n", k);
    bytes_add(&r, p, k);
    bytes_add(&r, "\r\n", 2);
    p += k;
    n -= k;
  }
  bytes_add(&r, "0\r\n\r\n", 5);
  return r;
}

/* Peak resident set size of this process in KiB. */
static long peak_rss_kib(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0)
    return -1;
  return ru.ru_maxrss;
}

/* ---- fixture: one transfer with ferry_easy_perform ---------------------- */

typedef struct fl {
  tserver *s;
  ferry_easy *e;
  sink body, hdr;
  char err[FERRY_ERROR_SIZE];
  uint64_t ms; /* how long the last fl_perform took */
} fl;

/* A server whose first connection waits for the request and sends
 * resp[0..len) (in pieces of `split` bytes 1 ms apart when split > 0),
 * and an easy handle for it with an ERRORBUFFER and a 5 s TIMEOUT_MS that
 * turns a hang into a quick, named failure. */
static int fl_start(fl *f, const bytes *resp, size_t split) {
  ts_step steps[] = {FX_STEP_REQ,
                     {TS_SEND_SPLIT, resp->data, resp->len, split,
                      split ? 1 : 0}};
  memset(f, 0, sizeof(*f));
  f->s = tserver_start();
  ASSERT_NOT_NULL(f->s);
  tserver_script(f->s, 0, FX_STEPS(steps));
  f->e = fx_easy(fx_url(f->s, "/"), &f->body, &f->hdr);
  ASSERT_NOT_NULL(f->e);
  ASSERT_EQ(ferry_easy_setopt(f->e, FERRYOPT_ERRORBUFFER, f->err), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(f->e, FERRYOPT_TIMEOUT_MS, 5000L), FERRYE_OK);
  return 0;
}

static ferry_code fl_perform(fl *f) {
  uint64_t t0 = uv_hrtime();
  ferry_code rc = ferry_easy_perform(f->e);
  f->ms = (uv_hrtime() - t0) / 1000000u;
  return rc;
}

static int fl_finish(fl *f) {
  ferry_easy_cleanup(f->e);
  sink_free(&f->body);
  sink_free(&f->hdr);
  ASSERT_EQ(tserver_stop(f->s), 0);
  return 0;
}

#define FL_START(f, resp, split) ASSERT_EQ(fl_start((f), (resp), (split)), 0)
#define FL_FINISH(f) ASSERT_EQ(fl_finish(f), 0)

#define ASSERT_ERR_HAS(f, want)                                               \
  do {                                                                        \
    if (strstr((f)->err, (want)) == NULL)                                     \
      TEST_FAIL_("ERRORBUFFER \"%s\" lacks \"%s\"", (f)->err, (want));        \
  } while (0)

/* The body delivered is exactly want[0..n). */
#define ASSERT_BODY_IS(got, gotlen, want, n)                                  \
  do {                                                                        \
    ASSERT_EQ((gotlen), (n));                                                 \
    ASSERT((n) == 0 || memcmp((got), (want), (n)) == 0);                      \
  } while (0)

static ferry_off_t info_off(ferry_easy *e, ferry_info what) {
  ferry_off_t v = -1;
  if (ferry_easy_getinfo(e, what, &v) != FERRYE_OK)
    return -2;
  return v;
}

/* ---- decoding ------------------------------------------------------------ */

TEST_IMPL(flow_accept_encoding_empty_asks_for_deflate_gzip_and_decodes_gzip) {
  bytes plain = sample_data(100000, 7), gz = encode(&plain, WBITS_GZIP);
  bytes resp = response_cl("Content-Encoding: gzip\r\n", gz.data, gz.len);
  char want[256], *req;
  size_t len;
  fl f;

  FL_START(&f, &resp, 0);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_ACCEPT_ENCODING, ""), FERRYE_OK);
  ASSERT_EQ(fl_perform(&f), FERRYE_OK);
  ASSERT_BODY_IS(f.body.data, f.body.len, plain.data, plain.len);
  ASSERT_LE(f.body.max_call, FERRY_MAX_WRITE_SIZE);
  /* SIZE_DOWNLOAD counts the body as it came over the wire, as libcurl's. */
  ASSERT_EQ(info_off(f.e, FERRYINFO_SIZE_DOWNLOAD_T), gz.len);
  req = tserver_request(f.s, 0, &len);
  ASSERT_NOT_NULL(req);
  snprintf(want, sizeof(want),
           "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: */*\r\n"
           "Accept-Encoding: deflate, gzip\r\n\r\n",
           tserver_port(f.s));
  ASSERT_MEM_EQ(req, len, want);
  free(req);
  FL_FINISH(&f);
  bytes_free(&resp);
  bytes_free(&gz);
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(flow_chunked_gzip_body_in_small_pieces_is_decoded_byte_exact) {
  bytes plain = sample_data(150000, 11), gz = encode(&plain, WBITS_GZIP);
  /* 777-byte chunks arriving in 1000-byte pieces: chunk framing, gzip
   * header and deflate blocks are cut at every sort of place. */
  bytes resp = response_chunked("Content-Encoding: gzip\r\n", gz.data, gz.len,
                                777);
  fl f;

  FL_START(&f, &resp, 1000);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_ACCEPT_ENCODING, ""), FERRYE_OK);
  ASSERT_EQ(fl_perform(&f), FERRYE_OK);
  ASSERT_BODY_IS(f.body.data, f.body.len, plain.data, plain.len);
  ASSERT_LE(f.body.max_call, FERRY_MAX_WRITE_SIZE);
  FL_FINISH(&f);
  bytes_free(&resp);
  bytes_free(&gz);
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(flow_deflate_body_zlib_wrapped_or_raw_is_decoded) {
  const int wbits[] = {WBITS_ZLIB, WBITS_RAW};
  bytes plain = sample_data(60000, 3);

  for (int i = 0; i < 2; i++) {
    bytes z = encode(&plain, wbits[i]);
    bytes resp = response_cl("Content-Encoding: deflate\r\n", z.data, z.len);
    fl f;

    FL_START(&f, &resp, 0);
    ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_ACCEPT_ENCODING, ""), FERRYE_OK);
    ASSERT_EQ(fl_perform(&f), FERRYE_OK);
    ASSERT_BODY_IS(f.body.data, f.body.len, plain.data, plain.len);
    FL_FINISH(&f);
    bytes_free(&resp);
    bytes_free(&z);
  }
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(flow_stacked_gzip_deflate_body_is_decoded_in_reverse_order) {
  /* "gzip, deflate": gzip was applied first, deflate last. Listed in one
   * header or in two, it means the same. */
  const char *headers[] = {"Content-Encoding: gzip, deflate\r\n",
                           "Content-Encoding: gzip\r\n"
                           "Content-Encoding: deflate\r\n"};
  bytes plain = sample_data(80000, 5), gz = encode(&plain, WBITS_GZIP);
  bytes both = encode(&gz, WBITS_ZLIB);

  for (int i = 0; i < 2; i++) {
    bytes resp = response_cl(headers[i], both.data, both.len);
    fl f;

    FL_START(&f, &resp, 0);
    ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_ACCEPT_ENCODING, "gzip, deflate"),
              FERRYE_OK);
    ASSERT_EQ(fl_perform(&f), FERRYE_OK);
    ASSERT_BODY_IS(f.body.data, f.body.len, plain.data, plain.len);
    FL_FINISH(&f);
    bytes_free(&resp);
  }
  bytes_free(&both);
  bytes_free(&gz);
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(flow_content_decoding_off_delivers_the_raw_gzip_bytes) {
  bytes plain = sample_data(30000, 9), gz = encode(&plain, WBITS_GZIP);
  bytes resp = response_cl("Content-Encoding: gzip\r\n", gz.data, gz.len);
  char *req;
  fl f;

  FL_START(&f, &resp, 0);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_ACCEPT_ENCODING, ""), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_HTTP_CONTENT_DECODING, 0L),
            FERRYE_OK);
  ASSERT_EQ(fl_perform(&f), FERRYE_OK);
  ASSERT_BODY_IS(f.body.data, f.body.len, gz.data, gz.len);
  /* Still asked for: decoding is the application's business now. */
  req = tserver_request(f.s, 0, NULL);
  ASSERT_NOT_NULL(req);
  ASSERT(strstr(req, "\r\nAccept-Encoding: deflate, gzip\r\n") != NULL);
  free(req);
  FL_FINISH(&f);
  bytes_free(&resp);
  bytes_free(&gz);
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(flow_without_accept_encoding_gzip_body_is_delivered_raw) {
  bytes plain = sample_data(30000, 13), gz = encode(&plain, WBITS_GZIP);
  bytes resp = response_cl("Content-Encoding: gzip\r\n", gz.data, gz.len);
  char *req;
  fl f;

  FL_START(&f, &resp, 0);
  ASSERT_EQ(fl_perform(&f), FERRYE_OK);
  ASSERT_BODY_IS(f.body.data, f.body.len, gz.data, gz.len);
  req = tserver_request(f.s, 0, NULL);
  ASSERT_NOT_NULL(req);
  ASSERT(strstr(req, "Accept-Encoding") == NULL);
  free(req);
  FL_FINISH(&f);
  bytes_free(&resp);
  bytes_free(&gz);
  bytes_free(&plain);
  return 0;
}

/* Bytes delivered before an error form a prefix of the decoded body. */
#define ASSERT_PREFIX_OF(got, gotlen, want, n)                                \
  do {                                                                        \
    ASSERT_LE((gotlen), (n));                                                 \
    ASSERT((gotlen) == 0 || memcmp((got), (want), (gotlen)) == 0);            \
  } while (0)

TEST_IMPL(flow_corrupt_gzip_body_is_bad_content_encoding) {
  bytes plain = sample_data(50000, 17), gz = encode(&plain, WBITS_GZIP), resp;
  fl f;

  /* Flip the bits of 64 bytes in the middle of the deflate data. */
  for (size_t i = gz.len / 2; i < gz.len / 2 + 64; i++)
    gz.data[i] = (char)~gz.data[i];
  resp = response_cl("Content-Encoding: gzip\r\n", gz.data, gz.len);
  FL_START(&f, &resp, 0);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_ACCEPT_ENCODING, ""), FERRYE_OK);
  ASSERT_EQ(fl_perform(&f), FERRYE_BAD_CONTENT_ENCODING);
  ASSERT_ERR_HAS(&f, "gzip");
  /* zlib may decode the damaged blocks to the full length; the CRC then
   * tells. What was delivered is not the body. */
  ASSERT(f.body.len != plain.len ||
         memcmp(f.body.data, plain.data, plain.len) != 0);
  FL_FINISH(&f);
  bytes_free(&resp);
  bytes_free(&gz);
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(flow_truncated_gzip_body_is_bad_content_encoding) {
  bytes plain = sample_data(50000, 19), gz = encode(&plain, WBITS_GZIP);
  /* The HTTP body is whole (Content-Length says so); the gzip stream in it
   * stops 100 bytes short of its end. */
  bytes resp = response_cl("Content-Encoding: gzip\r\n", gz.data, gz.len - 100);
  fl f;

  FL_START(&f, &resp, 0);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_ACCEPT_ENCODING, ""), FERRYE_OK);
  ASSERT_EQ(fl_perform(&f), FERRYE_BAD_CONTENT_ENCODING);
  ASSERT_ERR_HAS(&f, "gzip");
  ASSERT_PREFIX_OF(f.body.data, f.body.len, plain.data, plain.len);
  ASSERT(f.body.len < plain.len);
  FL_FINISH(&f);
  bytes_free(&resp);
  bytes_free(&gz);
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(flow_brotli_body_is_bad_content_encoding_naming_br) {
  bytes resp = response_cl("Content-Encoding: br\r\n", "\x0b\x02\x80hello\x03", 9);
  fl f;

  FL_START(&f, &resp, 0);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_ACCEPT_ENCODING, ""), FERRYE_OK);
  ASSERT_EQ(fl_perform(&f), FERRYE_BAD_CONTENT_ENCODING);
  ASSERT_ERR_HAS(&f, "\"br\"");
  ASSERT_EQ(f.body.calls, 0);
  FL_FINISH(&f);
  bytes_free(&resp);
  return 0;
}

TEST_IMPL(flow_five_stacked_gzips_decode_and_six_are_bad_content_encoding) {
  const char *ce[] = {"Content-Encoding: gzip, gzip, gzip, gzip, gzip\r\n",
                      "Content-Encoding: gzip, gzip, gzip, gzip, gzip, gzip\r\n"};
  bytes plain = sample_data(20000, 23);

  for (int n = 5; n <= 6; n++) {
    bytes body = encode(&plain, WBITS_GZIP), resp;
    fl f;

    for (int i = 1; i < n; i++) {
      bytes again = encode(&body, WBITS_GZIP);
      bytes_free(&body);
      body = again;
    }
    resp = response_cl(ce[n - 5], body.data, body.len);
    FL_START(&f, &resp, 0);
    ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_ACCEPT_ENCODING, ""), FERRYE_OK);
    if (n == 5) {
      ASSERT_EQ(fl_perform(&f), FERRYE_OK);
      ASSERT_BODY_IS(f.body.data, f.body.len, plain.data, plain.len);
    } else {
      ASSERT_EQ(fl_perform(&f), FERRYE_BAD_CONTENT_ENCODING);
      ASSERT_ERR_HAS(&f, "stacked");
      ASSERT_EQ(f.body.calls, 0);
    }
    FL_FINISH(&f);
    bytes_free(&resp);
    bytes_free(&body);
  }
  bytes_free(&plain);
  return 0;
}

/* A write callback that counts what it is given and keeps none of it. */
typedef struct counter {
  uint64_t bytes;
  unsigned calls;
  size_t max_call;
  int nonzero;
} counter;

static size_t count_write(char *p, size_t size, size_t n, void *ud) {
  static const char zeros[FERRY_MAX_WRITE_SIZE];
  counter *c = ud;
  size_t len = size * n;
  c->bytes += len;
  c->calls++;
  if (len > c->max_call)
    c->max_call = len;
  if (len > sizeof(zeros) || memcmp(p, zeros, len) != 0)
    c->nonzero = 1;
  return len;
}

/* A gzip body that decodes to `size` zero bytes, ~1/1000 of that on the
 * wire, framed with Content-Length. */
static bytes bomb_response(size_t size) {
  static const char zeros[65536];
  bytes gz = encode_repeat(zeros, sizeof(zeros), size, WBITS_GZIP);
  bytes resp = response_cl("Content-Encoding: gzip\r\n", gz.data, gz.len);
  bytes_free(&gz);
  return resp;
}

/* Peak memory is measured with getrusage(RUSAGE_SELF).ru_maxrss, the
 * high-water mark of resident memory of this process. The runner forks
 * each test, so the process is this test (and its server thread) alone.
 * The mark is read after the response is made and the server started, and
 * again after the transfer: the difference is how far the transfer pushed
 * the peak. Holding the decoded body would push it by 64 MiB. */
#define BOMB_SIZE (64 * MIB)
#define BOMB_RSS_LIMIT_KIB (32 * 1024)

TEST_IMPL(flow_gzip_bomb_of_64_mib_is_delivered_in_bounded_memory) {
  bytes resp = bomb_response(BOMB_SIZE);
  counter c = {0};
  long rss0, rss1;
  fl f;

  FL_START(&f, &resp, 0);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_ACCEPT_ENCODING, ""), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_WRITEFUNCTION, count_write),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_WRITEDATA, &c), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_TIMEOUT_MS, 30000L), FERRYE_OK);
  rss0 = peak_rss_kib();
  ASSERT_GE(rss0, 1);
  ASSERT_EQ(fl_perform(&f), FERRYE_OK);
  rss1 = peak_rss_kib();
  ASSERT_EQ(c.bytes, BOMB_SIZE);
  ASSERT_EQ(c.nonzero, 0);
  ASSERT_LE(c.max_call, FERRY_MAX_WRITE_SIZE);
  ASSERT_LE(rss1 - rss0, BOMB_RSS_LIMIT_KIB);
  FL_FINISH(&f);
  bytes_free(&resp);
  return 0;
}

TEST_IMPL(flow_gzip_bomb_over_maxfilesize_large_is_filesize_exceeded) {
  bytes resp = bomb_response(BOMB_SIZE);
  counter c = {0};
  fl f;

  FL_START(&f, &resp, 0);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_ACCEPT_ENCODING, ""), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_WRITEFUNCTION, count_write),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_WRITEDATA, &c), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_MAXFILESIZE_LARGE,
                              (ferry_off_t)MIB),
            FERRYE_OK);
  ASSERT_EQ(fl_perform(&f), FERRYE_FILESIZE_EXCEEDED);
  ASSERT_ERR_HAS(&f, "maximum file size");
  /* What was delivered never passes the cap. */
  ASSERT_LE(c.bytes, MIB);
  ASSERT_GE(c.bytes, MIB - FERRY_MAX_WRITE_SIZE);
  ASSERT_EQ(c.nonzero, 0);
  FL_FINISH(&f);
  bytes_free(&resp);
  return 0;
}

TEST_IMPL(flow_content_length_over_maxfilesize_fails_before_any_body_byte) {
  bytes plain = sample_data(2000, 29);
  bytes resp = response_cl("", plain.data, plain.len);
  fl f;

  FL_START(&f, &resp, 0);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_MAXFILESIZE, 1999L), FERRYE_OK);
  ASSERT_EQ(fl_perform(&f), FERRYE_FILESIZE_EXCEEDED);
  ASSERT_ERR_HAS(&f, "Maximum file size exceeded");
  ASSERT_EQ(f.body.calls, 0);
  FL_FINISH(&f);
  /* At the cap exactly, the body is fine. */
  FL_START(&f, &resp, 0);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_MAXFILESIZE, 2000L), FERRYE_OK);
  ASSERT_EQ(fl_perform(&f), FERRYE_OK);
  ASSERT_BODY_IS(f.body.data, f.body.len, plain.data, plain.len);
  FL_FINISH(&f);
  bytes_free(&resp);
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(flow_chunked_body_passing_maxfilesize_is_filesize_exceeded) {
  bytes plain = sample_data(5000, 31);
  bytes resp = response_chunked("", plain.data, plain.len, 500);
  fl f;

  /* No Content-Length to check up front: the count stops it. */
  FL_START(&f, &resp, 0);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_MAXFILESIZE_LARGE,
                              (ferry_off_t)2200),
            FERRYE_OK);
  ASSERT_EQ(fl_perform(&f), FERRYE_FILESIZE_EXCEEDED);
  ASSERT_ERR_HAS(&f, "Maximum file size exceeded");
  ASSERT_PREFIX_OF(f.body.data, f.body.len, plain.data, 2200);
  FL_FINISH(&f);
  /* A chunked body as long as the cap is fine. */
  FL_START(&f, &resp, 0);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_MAXFILESIZE_LARGE,
                              (ferry_off_t)5000),
            FERRYE_OK);
  ASSERT_EQ(fl_perform(&f), FERRYE_OK);
  ASSERT_BODY_IS(f.body.data, f.body.len, plain.data, plain.len);
  FL_FINISH(&f);
  bytes_free(&resp);
  bytes_free(&plain);
  return 0;
}

/* ---- fixture: one transfer on the test's own loop (libuv mode) --------- */

/* A pause that the application lifts from a uv_timer `resume_ms` later.
 * A uv_prepare handle counts loop iterations: a paused transfer must leave
 * the loop asleep, so only a handful of iterations may pass while paused
 * (a transfer still watching its socket would spin thousands of times). */
typedef struct uvx {
  uv_loop_t loop;
  uv_prepare_t prep;
  uv_timer_t resume;
  unsigned long iterations;
  ferry_multi *m;
  ferry_easy *e;
  tserver *s;
  unsigned resume_ms;
  int paused;         /* paused and not yet resumed */
  int pauses;
  unsigned long iter_paused, iter_resumed;
  uint64_t t_paused, t_resumed;
  ferry_code resume_rc;
  int closed;
} uvx;

static void uvx_on_prepare(uv_prepare_t *h) {
  uvx *x = h->data;
  x->iterations++;
}

static void uvx_on_resume(uv_timer_t *t) {
  uvx *x = t->data;
  x->iter_resumed = x->iterations;
  x->t_resumed = uv_hrtime();
  x->paused = 0;
  x->resume_rc = ferry_easy_pause(x->e, FERRY_PAUSE_CONT);
}

/* Called by a callback that pauses the transfer: note it, and arm the
 * timer that resumes it. */
static void uvx_pausing(uvx *x) {
  x->paused = 1;
  x->pauses++;
  x->iter_paused = x->iterations;
  x->t_paused = uv_hrtime();
  uv_timer_start(&x->resume, uvx_on_resume, x->resume_ms, 0);
}

static int uvx_start(uvx *x, const ts_step *steps, size_t nsteps) {
  memset(x, 0, sizeof(*x));
  x->resume_ms = 300;
  x->resume_rc = FERRYE_LAST;
  x->s = tserver_start();
  ASSERT_NOT_NULL(x->s);
  tserver_script(x->s, 0, steps, nsteps);
  ASSERT_EQ(uv_loop_init(&x->loop), 0);
  ASSERT_EQ(uv_prepare_init(&x->loop, &x->prep), 0);
  x->prep.data = x;
  ASSERT_EQ(uv_prepare_start(&x->prep, uvx_on_prepare), 0);
  uv_unref((uv_handle_t *)&x->prep); /* counting keeps nothing alive */
  ASSERT_EQ(uv_timer_init(&x->loop, &x->resume), 0);
  x->resume.data = x;
  x->m = ferry_multi_init();
  ASSERT_NOT_NULL(x->m);
  ASSERT_EQ(ferry_multi_use_loop(x->m, &x->loop), FERRYM_OK);
  x->e = ferry_easy_init();
  ASSERT_NOT_NULL(x->e);
  ASSERT_EQ(ferry_easy_setopt(x->e, FERRYOPT_URL, fx_url(x->s, "/")),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(x->e, FERRYOPT_TIMEOUT_MS, 5000L), FERRYE_OK);
  return 0;
}

/* Run the loop until nothing is left to do; the transfer's result, or
 * FERRYE_LAST if it did not finish. */
static ferry_code uvx_run(uvx *x) {
  ferry_msg *msg;
  ASSERT_EQ(ferry_multi_add_handle(x->m, x->e), FERRYM_OK);
  uv_run(&x->loop, UV_RUN_DEFAULT);
  msg = ferry_multi_info_read(x->m, NULL);
  if (msg == NULL || msg->easy_handle != x->e)
    return FERRYE_LAST;
  return msg->data.result;
}

static void uvx_closed(ferry_multi *m, void *arg) {
  (void)m;
  ((uvx *)arg)->closed = 1;
}

static int uvx_finish(uvx *x) {
  ASSERT_EQ(ferry_multi_remove_handle(x->m, x->e), FERRYM_OK);
  ferry_easy_cleanup(x->e);
  ASSERT_EQ(ferry_multi_close(x->m, uvx_closed, x), FERRYM_OK);
  uv_run(&x->loop, UV_RUN_DEFAULT);
  ASSERT_EQ(x->closed, 1);
  uv_close((uv_handle_t *)&x->prep, NULL);
  uv_close((uv_handle_t *)&x->resume, NULL);
  MAKE_LOOP_HAPPY(&x->loop);
  ASSERT_EQ(tserver_stop(x->s), 0);
  return 0;
}

#define UVX_START(x, steps) ASSERT_EQ(uvx_start((x), FX_STEPS(steps)), 0)
#define UVX_FINISH(x) ASSERT_EQ(uvx_finish(x), 0)

/* The pause lasted its time, and the loop slept through it. */
#define ASSERT_PAUSE_WAS_IDLE(x)                                              \
  do {                                                                        \
    ASSERT_EQ((x)->pauses, 1);                                                \
    ASSERT_EQ((x)->paused, 0);                                                \
    ASSERT_EQ((x)->resume_rc, FERRYE_OK);                                     \
    ASSERT_GE(((x)->t_resumed - (x)->t_paused) / 1000000u,                    \
              (x)->resume_ms - 5);                                            \
    ASSERT_LE((x)->iter_resumed - (x)->iter_paused, 5);                       \
  } while (0)

/* ---- pausing a download ---------------------------------------------- */

enum { PAUSE_BY_RETURN, PAUSE_BY_CALL };

/* A write callback that pauses on call `pause_at`: by returning
 * FERRY_WRITEFUNC_PAUSE (the bytes come again after the resume), or by
 * calling ferry_easy_pause(RECV) and taking the bytes. */
typedef struct pwriter {
  uvx *x;
  bytes got;
  uint64_t counted;   /* with count_only: bytes taken, not kept */
  unsigned calls, calls_while_paused, pause_at;
  int how, count_only;
  ferry_code pause_rc;
} pwriter;

static size_t pause_write(char *p, size_t size, size_t n, void *ud) {
  pwriter *w = ud;
  size_t len = size * n;
  w->calls++;
  if (w->x->paused)
    w->calls_while_paused++;
  if (w->calls == w->pause_at) {
    uvx_pausing(w->x);
    if (w->how == PAUSE_BY_RETURN)
      return FERRY_WRITEFUNC_PAUSE;
    w->pause_rc = ferry_easy_pause(w->x->e, FERRY_PAUSE_RECV);
  }
  if (w->count_only)
    w->counted += len;
  else
    bytes_add(&w->got, p, len);
  return len;
}

/* Serve resp in two halves 50 ms apart and pause the transfer on the third
 * write; the body must arrive whole, once and in order, with no write
 * while paused and an idle loop meanwhile. */
static int uv_pause_roundtrip(const bytes *resp, const char *accept_encoding,
                              const bytes *want, int how) {
  ts_step steps[] = {FX_STEP_REQ,
                     {TS_SEND, resp->data, resp->len / 2, 0, 0},
                     FX_STEP_DELAY(50),
                     {TS_SEND, resp->data + resp->len / 2,
                      resp->len - resp->len / 2, 0, 0}};
  pwriter w;
  uvx x;

  UVX_START(&x, steps);
  memset(&w, 0, sizeof(w));
  w.x = &x;
  w.pause_at = 3;
  w.how = how;
  w.pause_rc = FERRYE_LAST;
  if (accept_encoding)
    ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_ACCEPT_ENCODING, accept_encoding),
              FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_WRITEFUNCTION, pause_write),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_WRITEDATA, &w), FERRYE_OK);
  ASSERT_EQ(uvx_run(&x), FERRYE_OK);
  ASSERT_PAUSE_WAS_IDLE(&x);
  ASSERT_EQ(w.calls_while_paused, 0);
  if (how == PAUSE_BY_CALL)
    ASSERT_EQ(w.pause_rc, FERRYE_OK);
  ASSERT_BODY_IS(w.got.data, w.got.len, want->data, want->len);
  UVX_FINISH(&x);
  bytes_free(&w.got);
  return 0;
}

TEST_IMPL(flow_uv_write_pause_resumed_from_timer_delivers_all_once_in_order) {
  bytes plain = sample_data(200000, 37);
  bytes resp = response_cl("", plain.data, plain.len);

  ASSERT_EQ(uv_pause_roundtrip(&resp, NULL, &plain, PAUSE_BY_RETURN), 0);
  bytes_free(&resp);
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(flow_uv_write_pause_on_gzip_body_delivers_decoded_bytes_once) {
  bytes plain = sample_data(300000, 41), gz = encode(&plain, WBITS_GZIP);
  bytes resp = response_chunked("Content-Encoding: gzip\r\n", gz.data, gz.len,
                                4000);

  ASSERT_EQ(uv_pause_roundtrip(&resp, "", &plain, PAUSE_BY_RETURN), 0);
  bytes_free(&resp);
  bytes_free(&gz);
  bytes_free(&plain);
  return 0;
}

TEST_IMPL(flow_uv_pause_recv_called_in_write_callback_holds_rest_until_resume) {
  bytes plain = sample_data(200000, 43), gz = encode(&plain, WBITS_GZIP);
  bytes resp = response_cl("", plain.data, plain.len);
  bytes gzresp = response_cl("Content-Encoding: gzip\r\n", gz.data, gz.len);

  ASSERT_EQ(uv_pause_roundtrip(&resp, NULL, &plain, PAUSE_BY_CALL), 0);
  ASSERT_EQ(uv_pause_roundtrip(&gzresp, "", &plain, PAUSE_BY_CALL), 0);
  bytes_free(&gzresp);
  bytes_free(&resp);
  bytes_free(&gz);
  bytes_free(&plain);
  return 0;
}

/* A write callback for perform mode: pauses once, on call `pause_at`. */
typedef struct ppause {
  bytes got;
  unsigned calls, calls_while_paused, pause_at;
  int paused;
} ppause;

static size_t perform_pause_write(char *p, size_t size, size_t n, void *ud) {
  ppause *w = ud;
  w->calls++;
  if (w->paused)
    w->calls_while_paused++;
  if (w->calls == w->pause_at) {
    w->paused = 1;
    return FERRY_WRITEFUNC_PAUSE;
  }
  bytes_add(&w->got, p, size * n);
  return size * n;
}

TEST_IMPL(flow_perform_write_pause_on_gzip_body_resumed_from_loop_delivers_once) {
  bytes plain = sample_data(300000, 47), gz = encode(&plain, WBITS_GZIP);
  bytes resp = response_chunked("Content-Encoding: gzip\r\n", gz.data, gz.len,
                                3000);
  ts_step steps[] = {FX_STEP_REQ, {TS_SEND_SPLIT, resp.data, resp.len, 20000, 5}};
  tserver *s = tserver_start();
  ferry_multi *m = ferry_multi_init();
  ferry_easy *e;
  ferry_msg *msg;
  ppause w = {.pause_at = 4};
  int running = 1, waits_paused = 0;
  uint64_t t_paused = 0, paused_ms = 0;

  ASSERT_NOT_NULL(s);
  ASSERT_NOT_NULL(m);
  tserver_script(s, 0, FX_STEPS(steps));
  e = fx_easy(fx_url(s, "/"), NULL, NULL);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_ACCEPT_ENCODING, ""), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, perform_pause_write),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_WRITEDATA, &w), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 5000L), FERRYE_OK);
  ASSERT_EQ(ferry_multi_add_handle(m, e), FERRYM_OK);
  for (int i = 0; running; i++) {
    ASSERT_LE(i, 2000);
    ASSERT_EQ(ferry_multi_perform(m, &running), FERRYM_OK);
    if (!running)
      break;
    if (w.paused) {
      if (waits_paused == 0)
        t_paused = uv_hrtime();
      if (waits_paused++ == 3) {
        /* From the application's loop, outside any callback. */
        paused_ms = (uv_hrtime() - t_paused) / 1000000u;
        w.paused = 0;
        ASSERT_EQ(ferry_easy_pause(e, FERRY_PAUSE_CONT), FERRYE_OK);
      }
    }
    ASSERT_EQ(ferry_multi_wait(m, NULL, 0, 100, NULL), FERRYM_OK);
  }
  msg = ferry_multi_info_read(m, NULL);
  ASSERT_NOT_NULL(msg);
  ASSERT_EQ(msg->data.result, FERRYE_OK);
  ASSERT_EQ(waits_paused, 4);
  /* Three waits while paused each slept their 100 ms: nothing woke them. */
  ASSERT_GE(paused_ms, 290);
  ASSERT_EQ(w.calls_while_paused, 0);
  ASSERT_BODY_IS(w.got.data, w.got.len, plain.data, plain.len);
  ASSERT_EQ(ferry_multi_remove_handle(m, e), FERRYM_OK);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  ferry_easy_cleanup(e);
  ASSERT_EQ(tserver_stop(s), 0);
  bytes_free(&w.got);
  bytes_free(&resp);
  bytes_free(&gz);
  bytes_free(&plain);
  return 0;
}

static unsigned always_pause_calls;

static size_t always_pause(char *p, size_t size, size_t n, void *ud) {
  (void)p;
  (void)size;
  (void)n;
  (void)ud;
  always_pause_calls++;
  return FERRY_WRITEFUNC_PAUSE;
}

TEST_IMPL(flow_paused_transfer_still_times_out) {
  bytes plain = sample_data(10000, 53);
  bytes resp = response_cl("", plain.data, plain.len);
  fl f;

  FL_START(&f, &resp, 0);
  always_pause_calls = 0;
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_WRITEFUNCTION, always_pause),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_TIMEOUT_MS, 400L), FERRYE_OK);
  ASSERT_EQ(fl_perform(&f), FERRYE_OPERATION_TIMEDOUT);
  ASSERT_ERR_HAS(&f, "timed out after");
  ASSERT_GE(f.ms, 395);
  ASSERT_LE(f.ms, 1400);
  ASSERT_EQ(always_pause_calls, 1); /* never called again while paused */
  FL_FINISH(&f);
  bytes_free(&resp);
  bytes_free(&plain);
  return 0;
}

/* A paused gzip bomb: what the decoder makes while the application does
 * not take it must not pile up. Measured as in the bomb test above. */
TEST_IMPL(flow_uv_paused_gzip_bomb_holds_bounded_memory) {
  bytes resp = bomb_response(BOMB_SIZE);
  ts_step steps[] = {FX_STEP_REQ, {TS_SEND, resp.data, resp.len, 0, 0}};
  pwriter w;
  long rss0, rss1;
  uvx x;

  UVX_START(&x, steps);
  memset(&w, 0, sizeof(w));
  w.x = &x;
  w.pause_at = 1;
  w.how = PAUSE_BY_RETURN;
  w.count_only = 1;
  x.resume_ms = 100;
  ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_ACCEPT_ENCODING, ""), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_WRITEFUNCTION, pause_write),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_WRITEDATA, &w), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_TIMEOUT_MS, 30000L), FERRYE_OK);
  rss0 = peak_rss_kib();
  ASSERT_EQ(uvx_run(&x), FERRYE_OK);
  rss1 = peak_rss_kib();
  ASSERT_PAUSE_WAS_IDLE(&x);
  ASSERT_EQ(w.calls_while_paused, 0);
  ASSERT_EQ(w.counted, BOMB_SIZE);
  ASSERT_LE(rss1 - rss0, BOMB_RSS_LIMIT_KIB);
  UVX_FINISH(&x);
  bytes_free(&w.got);
  bytes_free(&resp);
  return 0;
}

/* Two stacked gzip layers over 128 MiB of zeros: the outer layer is a few
 * hundred bytes, so no slicing of the encoded input bounds what one slice
 * decodes to. A pause then holds decoded bytes up to its cap, and the
 * transfer fails with TOO_LARGE instead of taking the memory. Without a
 * pause the same body streams through. */
TEST_IMPL(flow_uv_paused_stacked_gzip_bomb_is_too_large_in_bounded_memory) {
  static const char zeros[65536];
  bytes inner = encode_repeat(zeros, sizeof(zeros), 128 * (size_t)MIB,
                              WBITS_GZIP);
  bytes outer = encode(&inner, WBITS_GZIP);
  bytes resp = response_cl("Content-Encoding: gzip, gzip\r\n", outer.data,
                           outer.len);
  ts_step steps[] = {FX_STEP_REQ, {TS_SEND, resp.data, resp.len, 0, 0}};
  char err[FERRY_ERROR_SIZE] = "";
  pwriter w;
  long rss0, rss1;
  uvx x;

  ASSERT_LE(outer.len, 4096);
  for (int paused = 1; paused >= 0; paused--) {
    UVX_START(&x, steps);
    memset(&w, 0, sizeof(w));
    w.x = &x;
    w.pause_at = paused ? 1 : 0;
    w.how = PAUSE_BY_RETURN;
    w.count_only = 1;
    x.resume_ms = 100;
    ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_ACCEPT_ENCODING, ""), FERRYE_OK);
    ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_WRITEFUNCTION, pause_write),
              FERRYE_OK);
    ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_WRITEDATA, &w), FERRYE_OK);
    ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_ERRORBUFFER, err), FERRYE_OK);
    ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_TIMEOUT_MS, 30000L), FERRYE_OK);
    rss0 = peak_rss_kib();
    if (paused) {
      ASSERT_EQ(uvx_run(&x), FERRYE_TOO_LARGE);
      ASSERT(strstr(err, "paused") != NULL);
      ASSERT_EQ(w.counted, 0);
    } else {
      ASSERT_EQ(uvx_run(&x), FERRYE_OK);
      ASSERT_EQ(w.counted, 128 * (uint64_t)MIB);
    }
    rss1 = peak_rss_kib();
    ASSERT_LE(rss1 - rss0, BOMB_RSS_LIMIT_KIB);
    UVX_FINISH(&x);
  }
  bytes_free(&resp);
  bytes_free(&outer);
  bytes_free(&inner);
  return 0;
}

/* ---- pausing an upload ------------------------------------------------ */

typedef struct preader {
  uvx *x;
  const char *data;
  size_t len, off;
  unsigned calls, calls_while_paused, pause_at, abort_at;
} preader;

static size_t pause_read(char *buf, size_t size, size_t n, void *ud) {
  preader *r = ud;
  size_t room = size * n, left = r->len - r->off;
  r->calls++;
  if (r->x && r->x->paused)
    r->calls_while_paused++;
  if (r->calls == r->abort_at)
    return FERRY_READFUNC_ABORT;
  if (r->calls == r->pause_at) {
    uvx_pausing(r->x);
    return FERRY_READFUNC_PAUSE;
  }
  if (room > left)
    room = left;
  memcpy(buf, r->data + r->off, room);
  r->off += room;
  return room;
}

TEST_IMPL(flow_uv_read_pause_resumed_with_pause_cont_uploads_exact_body) {
  bytes data = sample_data(100000, 59);
  ts_step steps[] = {FX_STEP_REQ, FX_STEP_SEND(FX_OK_HELLO)};
  preader r;
  sink body = {0};
  char head[256], *req;
  size_t len, hlen;
  uvx x;

  UVX_START(&x, steps);
  memset(&r, 0, sizeof(r));
  r.x = &x;
  r.data = data.data;
  r.len = data.len;
  r.pause_at = 2;
  ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_UPLOAD, 1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_READFUNCTION, pause_read),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_READDATA, &r), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_INFILESIZE_LARGE,
                              (ferry_off_t)data.len),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_WRITEFUNCTION, sink_write),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_WRITEDATA, &body), FERRYE_OK);
  ASSERT_EQ(uvx_run(&x), FERRYE_OK);
  ASSERT_PAUSE_WAS_IDLE(&x);
  ASSERT_EQ(r.calls_while_paused, 0);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  hlen = (size_t)snprintf(head, sizeof(head),
                          "PUT / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                          "Accept: */*\r\nContent-Length: %zu\r\n\r\n",
                          tserver_port(x.s), data.len);
  req = tserver_request(x.s, 0, &len);
  ASSERT_NOT_NULL(req);
  ASSERT_EQ(len, hlen + data.len);
  ASSERT_MEM_EQ(req, hlen, head);
  ASSERT(memcmp(req + hlen, data.data, data.len) == 0);
  free(req);
  ASSERT_EQ(info_off(x.e, FERRYINFO_SIZE_UPLOAD_T), data.len);
  UVX_FINISH(&x);
  sink_free(&body);
  bytes_free(&data);
  return 0;
}

TEST_IMPL(flow_read_abort_is_aborted_by_callback) {
  bytes data = sample_data(100000, 61);
  ts_step steps[] = {FX_STEP_REQ, FX_STEP_SEND(FX_OK_HELLO)};
  preader r;
  tserver *s = tserver_start();
  ferry_easy *e;
  sink body = {0};
  char err[FERRY_ERROR_SIZE] = "";

  ASSERT_NOT_NULL(s);
  tserver_script(s, 0, FX_STEPS(steps));
  memset(&r, 0, sizeof(r));
  r.data = data.data;
  r.len = data.len;
  r.abort_at = 2;
  e = fx_easy(fx_url(s, "/"), &body, NULL);
  ASSERT_NOT_NULL(e);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, 5000L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_UPLOAD, 1L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_READFUNCTION, pause_read), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_READDATA, &r), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_INFILESIZE_LARGE,
                              (ferry_off_t)data.len),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_ABORTED_BY_CALLBACK);
  ASSERT(strstr(err, "aborted") != NULL);
  ASSERT_EQ(r.calls, 2);
  ASSERT_EQ(body.len, 0);
  ASSERT_EQ(tserver_requests(s), 0); /* the body never got whole */
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  bytes_free(&data);
  return 0;
}

/* ---- progress and speed ------------------------------------------------ */

#define MAX_PROGRESS 100000

typedef struct prog {
  unsigned calls;
  uint64_t t[MAX_PROGRESS];
  ferry_off_t dltotal[MAX_PROGRESS], dlnow[MAX_PROGRESS];
  ferry_off_t abort_after; /* return 1 once dlnow reaches this (0: never) */
  unsigned calls_after_abort;
  int aborted;
} prog;

static int record_progress(void *clientp, ferry_off_t dltotal,
                           ferry_off_t dlnow, ferry_off_t ultotal,
                           ferry_off_t ulnow) {
  prog *p = clientp;
  (void)ultotal;
  (void)ulnow;
  if (p->aborted)
    p->calls_after_abort++;
  if (p->calls < MAX_PROGRESS) {
    p->t[p->calls] = uv_hrtime();
    p->dltotal[p->calls] = dltotal;
    p->dlnow[p->calls] = dlnow;
  }
  p->calls++;
  if (p->abort_after && dlnow >= p->abort_after) {
    p->aborted = 1;
    return 1;
  }
  return 0;
}

#define SLOW_BODY 3000

TEST_IMPL(flow_xferinfo_sees_growing_dlnow_and_content_length_every_second) {
  /* Three 1000-byte pieces 1250 ms apart: 2.5 s in which data comes less
   * often than once a second, so the callback must be called by the clock,
   * not only by arriving bytes. */
  static char body[SLOW_BODY];
  static prog p;
  bytes resp;
  uint64_t t0, t_end, gap = 0;
  fl f;

  memset(body, 'p', sizeof(body));
  resp = response_cl("", body, sizeof(body));
  {
    size_t hl = resp.len - SLOW_BODY;
    ts_step steps[] = {FX_STEP_REQ,
                       {TS_SEND, resp.data, hl, 0, 0},
                       {TS_SEND_SPLIT, resp.data + hl, SLOW_BODY, 1000, 1250}};
    FL_START(&f, &resp, 0);
    tserver_script(f.s, 0, FX_STEPS(steps)); /* replaces fl_start's script */
  }
  memset(&p, 0, sizeof(p));
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_NOPROGRESS, 0L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_XFERINFOFUNCTION, record_progress),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_XFERINFODATA, &p), FERRYE_OK);
  t0 = uv_hrtime();
  ASSERT_EQ(fl_perform(&f), FERRYE_OK);
  t_end = uv_hrtime();
  ASSERT_BODY_IS(f.body.data, f.body.len, body, SLOW_BODY);
  ASSERT_GE(f.ms, 2400);
  ASSERT_GE(p.calls, 4);
  ASSERT_LE(p.calls, MAX_PROGRESS);
  for (unsigned i = 0; i < p.calls; i++) {
    uint64_t d = p.t[i] - (i ? p.t[i - 1] : t0);
    if (d > gap)
      gap = d;
    if (i)
      ASSERT_GE(p.dlnow[i], p.dlnow[i - 1]);
    /* Once a body byte is in, the total is known. */
    if (p.dlnow[i] > 0)
      ASSERT_EQ(p.dltotal[i], SLOW_BODY);
  }
  if (t_end - p.t[p.calls - 1] > gap)
    gap = t_end - p.t[p.calls - 1];
  /* At least once a second, with 100 ms for the timer to be late. */
  ASSERT_LE(gap / 1000000u, 1100);
  /* The last call shows the whole body, as libcurl's does at the end. */
  ASSERT_EQ(p.dlnow[p.calls - 1], SLOW_BODY);
  ASSERT_EQ(p.dltotal[p.calls - 1], SLOW_BODY);
  FL_FINISH(&f);
  bytes_free(&resp);
  return 0;
}

TEST_IMPL(flow_xferinfo_nonzero_return_is_aborted_by_callback) {
  static prog p;
  bytes plain = sample_data(3000, 67), resp = response_cl("", plain.data, 3000);
  size_t hl = resp.len - 3000;
  ts_step steps[] = {FX_STEP_REQ,
                     {TS_SEND, resp.data, hl + 1000, 0, 0},
                     FX_STEP_DELAY(200),
                     {TS_SEND, resp.data + hl + 1000, 2000, 0, 0}};
  fl f;

  FL_START(&f, &resp, 0);
  tserver_script(f.s, 0, FX_STEPS(steps));
  memset(&p, 0, sizeof(p));
  p.abort_after = 1;
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_NOPROGRESS, 0L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_XFERINFOFUNCTION, record_progress),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(f.e, FERRYOPT_XFERINFODATA, &p), FERRYE_OK);
  ASSERT_EQ(fl_perform(&f), FERRYE_ABORTED_BY_CALLBACK);
  ASSERT_ERR_HAS(&f, "Callback aborted");
  ASSERT_EQ(p.aborted, 1);
  ASSERT_EQ(p.calls_after_abort, 0);
  ASSERT_LE(f.ms, 1000); /* it did not wait for the rest */
  ASSERT_PREFIX_OF(f.body.data, f.body.len, plain.data, 1000);
  FL_FINISH(&f);
  bytes_free(&resp);
  bytes_free(&plain);
  return 0;
}

/* LOW_SPEED_LIMIT/TIME judge the transfer only while it runs: a pause does
 * not count as slow, and, as in libcurl's curl_easy_pause, resuming starts
 * the slow-time count afresh. The progress callback pauses the transfer
 * at the first once-a-second tick (the first call a second in), which has
 * just found it slow; a timer resumes it 1.4 s later. It then stays slow
 * for one more tick, and the last bytes come before the next. */
typedef struct slow_pauser {
  uvx *x;
  uint64_t t0;
  ferry_code pause_rc;
} slow_pauser;

static int pause_at_first_tick(void *clientp, ferry_off_t dltotal,
                               ferry_off_t dlnow, ferry_off_t ultotal,
                               ferry_off_t ulnow) {
  slow_pauser *sp = clientp;
  (void)dltotal;
  (void)dlnow;
  (void)ultotal;
  (void)ulnow;
  if (sp->x->pauses == 0 && (uv_hrtime() - sp->t0) / 1000000u >= 900) {
    uvx_pausing(sp->x);
    sp->pause_rc = ferry_easy_pause(sp->x->e, FERRY_PAUSE_RECV);
  }
  return 0;
}

TEST_IMPL(flow_low_speed_limit_ignores_a_pause_and_restarts_after_it) {
  static char body[1240 + 1];
  bytes resp;
  size_t hl;
  sink got = {0};
  slow_pauser sp = {0};
  uvx x;

  memset(body, 's', 1240);
  resp = response_cl("", body, 1240);
  hl = resp.len - 1240;
  {
    /* T=0: 100 bytes; T=1.6..3.0: 80 bytes, 10 each 200 ms; T=3.3: the
     * last 1060. Ticks at T=1 (slow since 0: pause), 2 (paused), 3 (slow
     * again, since the resume at 2.4), 4 (after the end). */
    ts_step steps[] = {FX_STEP_REQ,
                       {TS_SEND, resp.data, hl + 100, 0, 0},
                       FX_STEP_DELAY(1600),
                       {TS_SEND_SPLIT, resp.data + hl + 100, 80, 10, 200},
                       FX_STEP_DELAY(300),
                       {TS_SEND, resp.data + hl + 180, 1060, 0, 0}};
    UVX_START(&x, steps);
  }
  x.resume_ms = 1400;
  sp.x = &x;
  sp.pause_rc = FERRYE_LAST;
  ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_WRITEFUNCTION, sink_write),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_WRITEDATA, &got), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_LOW_SPEED_LIMIT, 1000L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_LOW_SPEED_TIME, 2L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_NOPROGRESS, 0L), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_XFERINFOFUNCTION,
                              pause_at_first_tick),
            FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(x.e, FERRYOPT_XFERINFODATA, &sp), FERRYE_OK);
  sp.t0 = uv_hrtime();
  ASSERT_EQ(uvx_run(&x), FERRYE_OK);
  ASSERT_EQ(sp.pause_rc, FERRYE_OK);
  ASSERT_PAUSE_WAS_IDLE(&x);
  /* The pause came at the first tick, not before it. */
  ASSERT_GE((x.t_paused - sp.t0) / 1000000u, 990);
  ASSERT_MEM_EQ(got.data, got.len, body);
  UVX_FINISH(&x);
  sink_free(&got);
  bytes_free(&resp);
  return 0;
}

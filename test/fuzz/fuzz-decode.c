/* libFuzzer target for the content decoders (src/decode.c).
 *
 * Input: byte 0 picks the chain, byte 1 picks where the body is split in
 * two feeds, the rest is the encoded body. The body is decoded twice, in
 * one feed and in two, and both runs must agree: decoding may not depend
 * on how the bytes arrived. Output pieces must be 1..FERRY_MAX_WRITE_SIZE
 * bytes and add up to what the decoder reports. A cap on the decoded size,
 * low enough that small bombs reach it, keeps them from slowing the runs.
 *
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true && ninja -C build-fuzz
 * Run:   build-fuzz/test/fuzz/fuzz-decode test/fuzz/corpus/decode
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

#define FUZZ_MAX_DECODED (256 * 1024)

static const char *const chains[] = {"gzip", "deflate", "gzip, deflate",
                                     "x-gzip, gzip"};

typedef struct run {
  ferry_code rc;
  uint64_t hash; /* FNV-1a of every delivered byte */
  uint64_t len;
} run;

static int fuzz_out(void *ud, const char *p, size_t n) {
  run *r = ud;
  if (n == 0 || n > FERRY_MAX_WRITE_SIZE)
    abort();
  for (size_t i = 0; i < n; i++)
    r->hash = (r->hash ^ (unsigned char)p[i]) * 0x100000001b3ULL;
  r->len += n;
  return 0;
}

static void decode_in_two(const char *ce, const uint8_t *body, size_t n,
                          size_t split, run *r) {
  ferry__decoder *d;

  r->hash = 0xcbf29ce484222325ULL;
  r->len = 0;
  r->rc = ferry__decoder_new(&d, ce, NULL, 0);
  if (r->rc != FERRYE_OK)
    abort(); /* every chain above is valid */
  r->rc = ferry__decoder_feed(d, (const char *)body, split, fuzz_out, r,
                              FUZZ_MAX_DECODED);
  if (r->rc == FERRYE_OK)
    r->rc = ferry__decoder_feed(d, (const char *)body + split, n - split,
                                fuzz_out, r, FUZZ_MAX_DECODED);
  if (r->rc == FERRYE_OK)
    r->rc = ferry__decoder_finish(d, fuzz_out, r);
  if ((uint64_t)ferry__decoder_decoded_total(d) != r->len)
    abort();
  if (r->len > FUZZ_MAX_DECODED)
    abort();
  if (r->rc != FERRYE_OK && ferry__decoder_errmsg(d)[0] == '\0')
    abort(); /* every error has text */
  ferry__decoder_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *ce;
  const uint8_t *body;
  size_t n, split;
  run whole, parts;

  if (size < 2)
    return 0;
  ce = chains[data[0] % (sizeof(chains) / sizeof(chains[0]))];
  body = data + 2;
  n = size - 2;
  split = n * data[1] / 255;

  decode_in_two(ce, body, n, n, &whole);
  decode_in_two(ce, body, n, split, &parts);
  if (whole.rc != parts.rc)
    abort();
  /* Under the cap the two runs deliver the same bytes. Past it, each stops
   * at a piece boundary of its own. */
  if (whole.rc != FERRYE_FILESIZE_EXCEEDED &&
      (whole.len != parts.len || whole.hash != parts.hash))
    abort();
  return 0;
}

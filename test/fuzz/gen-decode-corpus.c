/* Writes the seed corpus of fuzz-decode into a folder:
 *   gen-decode-corpus test/fuzz/corpus/decode
 * Each file is fuzz-decode's input: a chain byte (0 gzip, 1 deflate,
 * 2 "gzip, deflate", 3 "x-gzip, gzip"), a split byte, then a body that
 * zlib encodes here. Run once by hand; the files are kept in git. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct blob {
  unsigned char data[65536];
  size_t len;
} blob;

static const char text[] =
    "HTTP bodies come gzip'd or deflated; ferry decodes them as they arrive.\n"
    "The quick brown fox jumps over the lazy dog. 0123456789 abcdefghij\n"
    "The quick brown fox jumps over the lazy dog. 0123456789 abcdefghij\n"
    "{\"id\": 1, \"name\": \"ferry\", \"tags\": [\"http\", \"libuv\", \"zlib\"]}\n";

static void encode(blob *out, const void *p, size_t n, int wbits, int level,
                   int strategy, gz_header *head) {
  z_stream z;
  memset(&z, 0, sizeof(z));
  if (deflateInit2(&z, level, Z_DEFLATED, wbits, 8, strategy) != Z_OK)
    exit(1);
  if (head && deflateSetHeader(&z, head) != Z_OK)
    exit(1);
  z.next_in = (Bytef *)p;
  z.avail_in = (uInt)n;
  z.next_out = out->data + out->len;
  z.avail_out = (uInt)(sizeof(out->data) - out->len);
  if (deflate(&z, Z_FINISH) != Z_STREAM_END)
    exit(1);
  out->len = sizeof(out->data) - z.avail_out;
  deflateEnd(&z);
}

static void write_seed(const char *dir, const char *name, int chain, int split,
                       const blob *b) {
  char path[4096];
  FILE *f;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  f = fopen(path, "wb");
  if (f == NULL || fputc(chain, f) == EOF || fputc(split, f) == EOF ||
      fwrite(b->data, 1, b->len, f) != b->len || fclose(f) != 0) {
    perror(path);
    exit(1);
  }
}

int main(int argc, char **argv) {
  static blob b, inner;
  static unsigned char zeros[65536];
  const size_t tlen = sizeof(text) - 1;
  gz_header h;

  if (argc != 2) {
    fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  b.len = 0;
  encode(&b, text, tlen, 31, 9, Z_DEFAULT_STRATEGY, NULL);
  write_seed(argv[1], "gzip-text", 0, 128, &b);

  encode(&b, "second member\n", 14, 31, 6, Z_DEFAULT_STRATEGY, NULL);
  write_seed(argv[1], "gzip-two-members", 0, 200, &b);

  b.len = 0;
  memset(&h, 0, sizeof(h));
  h.text = 1;
  h.extra = (Bytef *)"AB\x02\0hi";
  h.extra_len = 6;
  h.name = (Bytef *)"index.html";
  h.comment = (Bytef *)"seed";
  h.hcrc = 1;
  encode(&b, text, tlen, 31, 9, Z_DEFAULT_STRATEGY, &h);
  write_seed(argv[1], "gzip-header-fields", 0, 20, &b);

  b.len = 0;
  encode(&b, "", 0, 31, 9, Z_DEFAULT_STRATEGY, NULL);
  write_seed(argv[1], "gzip-empty", 0, 0, &b);

  b.len = 0;
  encode(&b, text, tlen, 31, 9, Z_FIXED, NULL);
  write_seed(argv[1], "gzip-fixed-huffman", 0, 90, &b);

  b.len = 0;
  encode(&b, zeros, sizeof(zeros), 31, 9, Z_DEFAULT_STRATEGY, NULL);
  write_seed(argv[1], "gzip-zeros", 0, 255, &b);

  b.len = 0;
  encode(&b, text, tlen, 15, 9, Z_DEFAULT_STRATEGY, NULL);
  write_seed(argv[1], "deflate-zlib", 1, 1, &b);

  b.len = 0;
  encode(&b, text, tlen, -15, 9, Z_DEFAULT_STRATEGY, NULL);
  write_seed(argv[1], "deflate-raw", 1, 3, &b);

  b.len = 0;
  encode(&b, text, tlen, -15, 0, Z_DEFAULT_STRATEGY, NULL);
  write_seed(argv[1], "deflate-raw-stored", 1, 100, &b);

  inner.len = 0;
  encode(&inner, text, tlen, 31, 9, Z_DEFAULT_STRATEGY, NULL);
  b.len = 0;
  encode(&b, inner.data, inner.len, 15, 9, Z_DEFAULT_STRATEGY, NULL);
  write_seed(argv[1], "gzip-then-deflate-zlib", 2, 60, &b);
  b.len = 0;
  encode(&b, inner.data, inner.len, -15, 1, Z_DEFAULT_STRATEGY, NULL);
  write_seed(argv[1], "gzip-then-deflate-raw", 2, 180, &b);
  b.len = 0;
  encode(&b, inner.data, inner.len, 31, 9, Z_DEFAULT_STRATEGY, NULL);
  write_seed(argv[1], "gzip-then-gzip", 3, 40, &b);
  return 0;
}

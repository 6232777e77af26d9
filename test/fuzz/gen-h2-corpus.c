/* Writes the seed corpus of fuzz-h2 (test/fuzz/corpus/h2): server byte
 * streams for the situations the target knows, each after the two knob
 * bytes (see fuzz-h2.c). Frames are written by hand, header blocks as
 * HPACK literals without indexing. Run by hand:
 *   build-fuzz/test/fuzz/gen-h2-corpus test/fuzz/corpus/h2 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct out {
  unsigned char b[65536];
  size_t n;
} out;

static void put(out *o, const void *p, size_t n) {
  memcpy(o->b + o->n, p, n);
  o->n += n;
}

static void frame(out *o, uint8_t type, uint8_t flags, uint32_t sid,
                  const void *payload, size_t n) {
  unsigned char h[9] = {(unsigned char)(n >> 16), (unsigned char)(n >> 8),
                        (unsigned char)n,         type,
                        flags,                    (unsigned char)(sid >> 24),
                        (unsigned char)(sid >> 16), (unsigned char)(sid >> 8),
                        (unsigned char)sid};
  put(o, h, 9);
  put(o, payload, n);
}

/* A literal field without indexing, new name (lengths below 127). */
static size_t lit(unsigned char *p, const char *name, const char *value) {
  size_t nl = strlen(name), vl = strlen(value), k = 0;
  p[k++] = 0;
  p[k++] = (unsigned char)nl;
  memcpy(p + k, name, nl);
  k += nl;
  p[k++] = (unsigned char)vl;
  memcpy(p + k, value, vl);
  return k + vl;
}

static void settings(out *o) {
  static const unsigned char mcs[6] = {0, 3, 0, 0, 0, 100};
  frame(o, 4, 0, 0, mcs, 6);
  frame(o, 4, 1, 0, NULL, 0); /* ACK of ours */
}

static void headers(out *o, uint32_t sid, const char *status, int end,
                    const char *extra_name, const char *extra_value) {
  unsigned char p[512];
  size_t k = lit(p, ":status", status);
  if (extra_name)
    k += lit(p + k, extra_name, extra_value);
  frame(o, 1, (uint8_t)(4 | (end ? 1 : 0)), sid, p, k);
}

static void data(out *o, uint32_t sid, const char *s, int end) {
  frame(o, 0, end ? 1 : 0, sid, s, strlen(s));
}

static void save(const char *dir, const char *name, uint8_t knobs,
                 uint8_t piece, const out *o) {
  char path[512];
  FILE *f;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  f = fopen(path, "wb");
  if (f == NULL) {
    perror(path);
    exit(1);
  }
  fputc(knobs, f);
  fputc(piece, f);
  fwrite(o->b, 1, o->n, f);
  fclose(f);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  out o;
  unsigned char p[512];
  size_t k;

  /* one GET answered */
  o.n = 0;
  settings(&o);
  headers(&o, 1, "200", 0, "content-length", "5");
  data(&o, 1, "hello", 1);
  save(dir, "get", 0, 0, &o);
  save(dir, "get-split", 0, 5, &o);
  save(dir, "get-paused", 8, 3, &o);

  /* trailers, and 1xx first */
  o.n = 0;
  settings(&o);
  headers(&o, 1, "103", 0, "link", "</a>");
  headers(&o, 1, "200", 0, NULL, NULL);
  data(&o, 1, "body", 0);
  k = lit(p, "x-trailer", "yes");
  frame(&o, 1, 5, 1, p, k);
  save(dir, "trailers", 0, 0, &o);

  /* four streams, interleaved, one reset mid-body, one HEAD */
  o.n = 0;
  settings(&o);
  headers(&o, 1, "200", 0, NULL, NULL);
  headers(&o, 3, "201", 0, NULL, NULL);
  data(&o, 1, "one-a", 0);
  data(&o, 3, "three", 1);
  {
    unsigned char rst[4] = {0, 0, 0, 8};
    frame(&o, 3, 0, 5, rst, 4);
  }
  headers(&o, 7, "200", 1, "content-length", "10");
  data(&o, 1, "one-b", 1);
  save(dir, "four-streams", 3, 0, &o);
  save(dir, "four-streams-throttled", 3 | 16 | 32, 9, &o);

  /* a push promise and the pushed response */
  o.n = 0;
  settings(&o);
  {
    unsigned char pp[512];
    size_t n = 4;
    pp[0] = pp[1] = pp[2] = 0;
    pp[3] = 2;
    n += lit(pp + n, ":method", "GET");
    n += lit(pp + n, ":scheme", "https");
    n += lit(pp + n, ":authority", "fuzz.test");
    n += lit(pp + n, ":path", "/pushed");
    frame(&o, 5, 4, 1, pp, n);
  }
  headers(&o, 1, "200", 0, NULL, NULL);
  headers(&o, 2, "200", 0, NULL, NULL);
  data(&o, 2, "pushed", 1);
  data(&o, 1, "page", 1);
  save(dir, "push", 4, 0, &o);

  /* GOAWAY: stream 1 finishes, 3 is refused */
  o.n = 0;
  settings(&o);
  {
    unsigned char ga[8] = {0, 0, 0, 1, 0, 0, 0, 0};
    frame(&o, 7, 0, 0, ga, 8);
  }
  headers(&o, 1, "200", 1, NULL, NULL);
  save(dir, "goaway", 1, 0, &o);

  /* PING, WINDOW_UPDATE, a header block in CONTINUATIONs */
  o.n = 0;
  settings(&o);
  frame(&o, 6, 0, 0, "12345678", 8);
  {
    unsigned char wu[4] = {0, 1, 0, 0};
    frame(&o, 8, 0, 0, wu, 4);
    frame(&o, 8, 0, 3, wu, 4);
  }
  k = lit(p, ":status", "200");
  frame(&o, 1, 0, 1, p, k);
  k = lit(p, "x-one", "1");
  frame(&o, 9, 0, 1, p, k);
  k = lit(p, "x-two", "2");
  frame(&o, 9, 4, 1, p, k);
  data(&o, 1, "continued", 1);
  save(dir, "continuation", 1 | 128, 7, &o);
  return 0;
}

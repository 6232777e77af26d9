/* A growable byte buffer with a hard cap. */
#ifndef FERRY_BUF_H
#define FERRY_BUF_H

#include <stddef.h>

typedef struct ferry__buf {
  char *data;
  size_t len;
  size_t cap;  /* allocated */
  size_t max;  /* never grow past this many bytes */
} ferry__buf;

void ferry__buf_init(ferry__buf *b, size_t max);
void ferry__buf_free(ferry__buf *b);
/* Hand over the NUL-terminated data, its memory cut to fit (a string kept
 * for a long time does not hold the buffer's spare room); b is left empty.
 * NULL if b holds nothing. */
char *ferry__buf_take(ferry__buf *b);
/* Cut the buffer's memory to what it holds (a buffer that will not grow
 * and is kept for a while). Nothing changes if that fails. */
void ferry__buf_fit(ferry__buf *b);
/* Append bytes; keeps the data NUL-terminated. Returns 0, or -1 when out of
 * memory, -2 when the cap would be passed (nothing is appended then). */
int ferry__buf_add(ferry__buf *b, const void *p, size_t n);
/* Make room for n more bytes (and the NUL) without adding them, so that
 * the next n bytes written at data + len cannot fail. Returns as
 * ferry__buf_add. */
int ferry__buf_reserve(ferry__buf *b, size_t n);
int ferry__buf_adds(ferry__buf *b, const char *s);
int ferry__buf_printf(ferry__buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append the strings given, up to a NULL: the cheap way to glue pieces
 * (no format parsing). Returns as ferry__buf_add. */
int ferry__buf_cat(ferry__buf *b, ...) __attribute__((sentinel));
/* Append a number in decimal. */
int ferry__buf_add_int(ferry__buf *b, long long v);
/* Drop the first n bytes. */
void ferry__buf_consume(ferry__buf *b, size_t n);
static inline void ferry__buf_reset(ferry__buf *b) {
  b->len = 0;
  if (b->data)
    b->data[0] = '\0';
}

#endif

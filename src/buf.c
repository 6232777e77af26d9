/* Growable byte buffers with a cap. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"

void ferry__buf_init(ferry__buf *b, size_t max) {
  b->data = NULL;
  b->len = b->cap = 0;
  b->max = max;
}

void ferry__buf_free(ferry__buf *b) {
  ferry__free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

void ferry__buf_fit(ferry__buf *b) {
  char *fit;

  if (b->data != NULL && b->cap > b->len + 1 &&
      (fit = ferry__realloc(b->data, b->len + 1)) != NULL) {
    b->data = fit; /* if shrinking fails, the bigger block does as well */
    b->cap = b->len + 1;
  }
}

char *ferry__buf_take(ferry__buf *b) {
  char *p;

  ferry__buf_fit(b);
  p = b->data;
  b->data = NULL;
  b->len = b->cap = 0;
  return p;
}

static int buf_reserve(ferry__buf *b, size_t n) {
  size_t need, cap;
  char *p;

  if (n > b->max || b->len > b->max - n)
    return -2;
  need = b->len + n + 1;
  if (need <= b->cap)
    return 0;
  cap = b->cap ? b->cap : 256;
  while (cap < need)
    cap *= 2;
  p = ferry__realloc(b->data, cap);
  if (p == NULL)
    return -1;
  b->data = p;
  b->cap = cap;
  return 0;
}

int ferry__buf_reserve(ferry__buf *b, size_t n) {
  return buf_reserve(b, n);
}

int ferry__buf_add(ferry__buf *b, const void *p, size_t n) {
  int rc = buf_reserve(b, n);
  if (rc)
    return rc;
  if (n)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

int ferry__buf_adds(ferry__buf *b, const char *s) {
  return ferry__buf_add(b, s, strlen(s));
}

int ferry__buf_printf(ferry__buf *b, const char *fmt, ...) {
  va_list ap;
  int n, rc;

  /* Most often it fits in the room there is: format once. */
  if (b->cap > b->len + 1) {
    size_t room = b->cap - b->len;
    va_start(ap, fmt);
    n = vsnprintf(b->data + b->len, room, fmt, ap);
    va_end(ap);
    if (n < 0)
      return -1;
    if ((size_t)n < room) {
      if ((size_t)n > b->max || b->len > b->max - (size_t)n) {
        b->data[b->len] = '\0';
        return -2;
      }
      b->len += (size_t)n;
      return 0;
    }
    b->data[b->len] = '\0';
  }
  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    return -1;
  rc = buf_reserve(b, (size_t)n);
  if (rc)
    return rc;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return 0;
}

void ferry__buf_consume(ferry__buf *b, size_t n) {
  if (n >= b->len) {
    ferry__buf_reset(b);
    return;
  }
  memmove(b->data, b->data + n, b->len - n);
  b->len -= n;
  b->data[b->len] = '\0';
}

int ferry__buf_cat(ferry__buf *b, ...) {
  va_list ap;
  const char *piece;
  int rc = 0;

  va_start(ap, b);
  while (rc == 0 && (piece = va_arg(ap, const char *)) != NULL)
    rc = ferry__buf_add(b, piece, strlen(piece));
  va_end(ap);
  return rc;
}

int ferry__buf_add_int(ferry__buf *b, long long v) {
  char tmp[24], *p = tmp + sizeof(tmp);
  unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

  do
    *--p = (char)('0' + u % 10);
  while ((u /= 10) != 0);
  if (v < 0)
    *--p = '-';
  return ferry__buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

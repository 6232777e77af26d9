/* The received-header store behind the header API (ferry_easy_header,
 * ferry_easy_nextheader, in easy.c). See headers.h for its contract.
 *
 * The store is a singly linked list in the order the headers arrived; each
 * entry holds its name and value in one piece, taken from chunks of memory
 * that are reused from transfer to transfer (no allocation per header on
 * the hot path). Lookups walk the list, as libcurl's do: a response holds
 * tens of headers, and the store's cap bounds the worst case. */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "headers.h"

struct ferry__hentry {
  ferry__hentry *next;
  char *value_heap;   /* the value after an unfold; NULL: it is in text */
  int request;
  unsigned origin;
  char text[];        /* name, NUL, value, NUL */
};

#define ENTRY_ALIGN _Alignof(ferry__hentry)

/* The first chunk's size: a small response's headers (nginx's eight take
 * about 450 bytes) fit, and a transfer held open keeps no more. A chunk
 * that does not fit is followed by one twice as big. */
#define HCHUNK_SIZE 512
/* The biggest chunk kept across transfers: a handle that once met a huge
 * header section does not hold on to it. */
#define HCHUNK_KEEP_MAX 4096

struct ferry__hchunk {
  ferry__hchunk *next;
  size_t size, used;
  union {
    ferry__hentry align;
    char bytes[1];
  } mem[];
};

static char *entry_value(ferry__hentry *x) {
  return x->value_heap ? x->value_heap : x->text + strlen(x->text) + 1;
}

/* Room for one entry of n bytes, aligned. NULL when out of memory. */
static void *entry_alloc(ferry__headers *h, size_t n) {
  ferry__hchunk *c = h->chunks;
  size_t need = (n + ENTRY_ALIGN - 1) & ~(ENTRY_ALIGN - 1);

  if (c == NULL || c->size - c->used < need) {
    size_t size = c == NULL ? HCHUNK_SIZE : 2 * c->size;
    if (size < need)
      size = need;
    c = ferry__malloc(sizeof(*c) + size);
    if (c == NULL)
      return NULL;
    c->size = size;
    c->used = 0;
    c->next = h->chunks;
    h->chunks = c;
  }
  c->used += need;
  return (char *)c->mem + c->used - need;
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }

static int is_digit(char c) { return c >= '0' && c <= '9'; }

void ferry__headers_clear(ferry__headers *h) {
  ferry__hentry *x;
  ferry__hchunk *keep = h->chunks, *c;
  struct ferry_header *out;

  for (x = h->first; x != NULL; x = x->next)
    ferry__free(x->value_heap);
  /* keep the newest chunk, the biggest: the next response of the same
   * size then fits in it without an allocation; free the others (and that
   * one too when it is big) */
  c = keep;
  if (keep != NULL && keep->size <= HCHUNK_KEEP_MAX)
    c = keep->next;
  else
    keep = NULL;
  while (c != NULL) {
    ferry__hchunk *next = c->next;
    ferry__free(c);
    c = next;
  }
  if (keep != NULL)
    keep->next = NULL;
  out = h->out;
  memset(h, 0, sizeof(*h));
  if (keep != NULL) {
    keep->used = 0;
    h->chunks = keep;
  }
  if (out != NULL) {
    memset(out, 0, 2 * sizeof(*out)); /* what they pointed to is gone */
    h->out = out;
  }
}

void ferry__headers_free(ferry__headers *h) {
  ferry__headers_clear(h);
  ferry__free(h->chunks);
  h->chunks = NULL;
  ferry__free(h->out);
  h->out = NULL;
}

/* The two structs the API hands out; NULL when out of memory. */
static struct ferry_header *out_structs(ferry__headers *h) {
  if (h->out == NULL)
    h->out = ferry__calloc(2, sizeof(*h->out));
  return h->out;
}

void ferry__headers_next_request(ferry__headers *h) {
  h->request++;
  h->in_section = 0;
  h->section_last = NULL;
}

/* Is the status line (without its line ending) one of a 1xx response?
 * "HTTP/1.1 103 Early Hints": the first word after the version. */
static int status_is_interim(const char *line, size_t n) {
  const char *end = line + n;
  const char *p = memchr(line, ' ', n);

  if (p == NULL)
    return 0;
  while (p < end && *p == ' ')
    p++;
  return end - p >= 3 && p[0] == '1' && is_digit(p[1]) && is_digit(p[2]);
}

/* Append " text" (or "text" to an empty value) to the section's last
 * header: the continuation of an obs-folded value. */
static ferry_code unfold(ferry__headers *h, const char *p, size_t n) {
  ferry__hentry *x = h->section_last;
  size_t old, extra;
  char *v;
  int i;

  while (n > 0 && is_blank(*p)) {
    p++;
    n--;
  }
  while (n > 0 && is_blank(p[n - 1]))
    n--;
  if (x == NULL || n == 0)
    return FERRYE_OK; /* nothing to continue, or nothing to add */
  old = strlen(entry_value(x));
  extra = n + (old ? 1 : 0);
  if (extra > FERRY__HEADERS_MAX - h->charged)
    return FERRYE_TOO_LARGE;
  v = ferry__malloc(old + extra + 1);
  if (v == NULL)
    return FERRYE_OUT_OF_MEMORY;
  memcpy(v, entry_value(x), old);
  if (old)
    v[old] = ' ';
  memcpy(v + old + extra - n, p, n);
  v[old + extra] = '\0';
  ferry__free(x->value_heap);
  x->value_heap = v;
  h->charged += extra;
  /* what the API handed out for this header shows the new value */
  for (i = 0; h->out != NULL && i < 2; i++) {
    if (h->out[i].anchor == x)
      h->out[i].value = v;
  }
  return FERRYE_OK;
}

/* Store a header: its name up to the colon (as received), its value
 * without blanks at either end. line[0..len) has no line ending. */
static ferry_code add_entry(ferry__headers *h, const char *line, size_t len,
                            const char *colon, unsigned origin) {
  const char *v = colon + 1, *end = line + len;
  size_t name_len = (size_t)(colon - line), value_len, charge;
  ferry__hentry *x;

  while (v < end && is_blank(*v))
    v++;
  while (end > v && is_blank(end[-1]))
    end--;
  value_len = (size_t)(end - v);
  charge = FERRY__HEADERS_ENTRY_CHARGE + name_len + value_len;
  if (charge > FERRY__HEADERS_MAX - h->charged)
    return FERRYE_TOO_LARGE;
  x = entry_alloc(h, sizeof(*x) + name_len + 1 + value_len + 1);
  if (x == NULL)
    return FERRYE_OUT_OF_MEMORY;
  x->next = NULL;
  x->value_heap = NULL;
  x->request = h->request;
  x->origin = origin;
  memcpy(x->text, line, name_len);
  x->text[name_len] = '\0';
  memcpy(x->text + name_len + 1, v, value_len);
  x->text[name_len + 1 + value_len] = '\0';
  if (h->last != NULL)
    h->last->next = x;
  else
    h->first = x;
  h->last = x;
  h->section_last = x;
  h->charged += charge;
  return FERRYE_OK;
}

ferry_code ferry__headers_line(ferry__headers *h, const char *line,
                               size_t len, int connect) {
  const char *colon;

  if (h->in_section && len > 0 && (line[0] == '\r' || line[0] == '\n')) {
    /* what ends the section: a blank line, or (as libcurl takes it) any
     * line that starts with CR or LF */
    h->in_section = 0;
    h->section_last = NULL;
    return FERRYE_OK;
  }
  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    len--;
  if (!h->in_section) {
    h->in_section = 1;
    h->section_last = NULL;
    if (connect)
      h->origin = FERRYH_CONNECT;
    else
      h->origin = status_is_interim(line, len) ? FERRYH_1XX : FERRYH_HEADER;
    return FERRYE_OK;
  }
  if (len == 0) {
    h->in_section = 0;
    h->section_last = NULL;
    return FERRYE_OK;
  }
  if (is_blank(line[0]))
    return unfold(h, line, len);
  colon = memchr(line, ':', len);
  if (colon == NULL || colon == line)
    return FERRYE_OK; /* not a header line */
  return add_entry(h, line, len, colon, h->origin);
}

ferry_code ferry__headers_trailer_line(ferry__headers *h, const char *line,
                                       size_t len) {
  const char *colon;

  /* libcurl's store reads the line as a C string up to its CR */
  if (memchr(line, '\0', len) != NULL)
    return FERRYE_WEIRD_SERVER_REPLY;
  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    len--;
  while (len > 0 && is_blank(line[0])) {
    line++;
    len--;
  }
  if (len == 0)
    return FERRYE_WEIRD_SERVER_REPLY;
  colon = memchr(line, ':', len);
  if (colon == NULL)
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  h->section_last = NULL; /* a trailer is continued by nothing */
  return add_entry(h, line, len, colon, FERRYH_TRAILER);
}

static int matches(const ferry__hentry *x, unsigned origin, int request) {
  return (x->origin & origin) != 0 && x->request == request;
}

static void fill(struct ferry_header *out, ferry__hentry *x, size_t amount,
                 size_t index) {
  out->name = x->text;
  out->value = entry_value(x);
  out->amount = amount;
  out->index = index;
  out->origin = x->origin;
  out->anchor = x;
}

ferry_hcode ferry__headers_find(ferry__headers *h, const char *name,
                                size_t index, unsigned origin, int request,
                                struct ferry_header **hout) {
  ferry__hentry *x, *pick = NULL;
  size_t amount = 0;

  if (hout != NULL)
    *hout = NULL;
  if (name == NULL || hout == NULL || origin == 0 ||
      (origin & ~(unsigned)FERRY__HEADERS_ORIGINS) != 0 || request < -1)
    return FERRYHE_BAD_ARGUMENT;
  if (h->first == NULL)
    return FERRYHE_NOHEADERS;
  if (request > h->request)
    return FERRYHE_NOREQUEST;
  if (request == -1)
    request = h->request;
  for (x = h->first; x != NULL; x = x->next) {
    if (matches(x, origin, request) && strcasecmp(x->text, name) == 0) {
      if (amount == index)
        pick = x;
      amount++;
    }
  }
  if (amount == 0)
    return FERRYHE_MISSING;
  if (pick == NULL)
    return FERRYHE_BADINDEX;
  if (out_structs(h) == NULL)
    return FERRYHE_OUT_OF_MEMORY;
  fill(&h->out[0], pick, amount, index);
  *hout = &h->out[0];
  return FERRYHE_OK;
}

/* The entry prev stands for, or NULL. What the API returned carries a
 * trusted anchor (cleared with the store); a copy of it is checked
 * against the list first. */
static ferry__hentry *entry_of(ferry__headers *h,
                               const struct ferry_header *prev) {
  ferry__hentry *x;

  if (h->out != NULL && (prev == &h->out[0] || prev == &h->out[1]))
    return prev->anchor;
  for (x = h->first; x != NULL; x = x->next) {
    if (x == prev->anchor)
      return x;
  }
  return NULL;
}

void ferry__headers_each(const ferry__headers *h, const char *name,
                         unsigned origin, int request,
                         void (*fn)(void *ud, const char *value), void *ud) {
  ferry__hentry *x;

  if (request == -1)
    request = h->request;
  for (x = h->first; x != NULL; x = x->next)
    if (matches(x, origin, request) && strcasecmp(x->text, name) == 0)
      fn(ud, entry_value(x));
}

struct ferry_header *ferry__headers_next(ferry__headers *h, unsigned origin,
                                         int request,
                                         const struct ferry_header *prev) {
  ferry__hentry *x, *y;
  size_t amount = 0, index = 0;

  if (request < -1 || request > h->request)
    return NULL;
  if (request == -1)
    request = h->request;
  if (prev != NULL) {
    x = entry_of(h, prev);
    if (x == NULL)
      return NULL;
    x = x->next;
  } else {
    x = h->first;
  }
  while (x != NULL && !matches(x, origin, request))
    x = x->next;
  if (x == NULL)
    return NULL;
  for (y = h->first; y != NULL; y = y->next) {
    if (matches(y, origin, request) && strcasecmp(y->text, x->text) == 0) {
      if (y == x)
        index = amount;
      amount++;
    }
  }
  if (out_structs(h) == NULL)
    return NULL;
  fill(&h->out[1], x, amount, index);
  return &h->out[1];
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fx.h"

size_t sink_write(char *p, size_t size, size_t n, void *userdata) {
  sink *s = userdata;
  size_t len = size * n;

  if (s->len + len + 1 > s->cap) {
    /* doubled: many small calls (a header line each) stay linear, also
     * under ASan, whose realloc always moves */
    size_t cap = s->cap ? s->cap : 64;
    char *d;
    while (cap < s->len + len + 1)
      cap *= 2;
    d = realloc(s->data, cap);
    if (d == NULL)
      return 0;
    s->data = d;
    s->cap = cap;
  }
  memcpy(s->data + s->len, p, len);
  s->len += len;
  s->data[s->len] = '\0';
  s->calls++;
  if (len > s->max_call)
    s->max_call = len;
  return len;
}

void sink_free(sink *s) {
  free(s->data);
  memset(s, 0, sizeof(*s));
}

const char *fx_url(tserver *s, const char *path) {
  static char bufs[8][256];
  static unsigned slot;
  char *b = bufs[slot++ % 8];
  snprintf(b, 256, "http://127.0.0.1:%d%s", tserver_port(s), path);
  return b;
}

ferry_easy *fx_easy(const char *url, sink *body, sink *headers) {
  ferry_easy *e = ferry_easy_init();
  if (e == NULL)
    return NULL;
  if (ferry_easy_setopt(e, FERRYOPT_URL, url) != FERRYE_OK) {
    ferry_easy_cleanup(e); /* out of memory copying the URL */
    return NULL;
  }
  ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, sink_write);
  ferry_easy_setopt(e, FERRYOPT_WRITEDATA, body);
  if (headers) {
    ferry_easy_setopt(e, FERRYOPT_HEADERFUNCTION, sink_write);
    ferry_easy_setopt(e, FERRYOPT_HEADERDATA, headers);
  }
  return e;
}

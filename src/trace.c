/* Verbose output and the debug callback. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "handle.h"
#include "multidef.h"
#include "trace.h"

int ferry__trace_on(const ferry_easy *e) {
  return e->set.verbose;
}

void ferry__trace_data(ferry_easy *e, ferry_infotype type, const char *data,
                       size_t len) {
  if (!e->set.verbose)
    return;
  if (e->set.debugfn) {
    ferry_multi *m = e->multi;
    FERRY__CALLBACK_ENTER(m);
    e->set.debugfn(e, type, (char *)data, len, e->set.debugdata);
    FERRY__CALLBACK_LEAVE(m);
    return;
  }
  {
    FILE *out = e->set.stderr_stream ? e->set.stderr_stream : stderr;
    switch (type) {
    case FERRYINFO_TEXT:
      fprintf(out, "* %.*s", (int)len, data);
      break;
    case FERRYINFO_HEADER_IN:
      fprintf(out, "< %.*s", (int)len, data);
      break;
    case FERRYINFO_HEADER_OUT: {
      /* one "> " per line */
      const char *p = data, *end = data + len;
      while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        fprintf(out, "> %.*s", (int)n, p);
        p += n;
      }
      break;
    }
    default:
      break; /* data is not dumped to stderr */
    }
  }
}

void ferry__infof(ferry_easy *e, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  int n;

  if (!e->set.verbose)
    return;
  va_start(ap, fmt);
  n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n > sizeof(buf) - 2)
    n = (int)sizeof(buf) - 2;
  buf[n++] = '\n';
  buf[n] = '\0';
  ferry__trace_data(e, FERRYINFO_TEXT, buf, (size_t)n);
}

ferry_code ferry_global_trace(const char *config) {
  /* libcurl's components ("tcp", "ssl", "dns", "lib-ids", "all", ...)
   * choose which parts of its trace a VERBOSE transfer shows. ferry's
   * trace is one stream per transfer with no components, so every config
   * string, NULL included, leaves it as it is (libcurl too ignores names
   * it does not know). */
  (void)config;
  return FERRYE_OK;
}

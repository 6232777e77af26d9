/* HTTP/2 server push, the application's side (see push.h). */
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "easy.h"
#include "multi.h"
#include "push.h"
#include "trace.h"
#include "xfer.h"

char *ferry_pushheader_bynum(struct ferry_pushheaders *h, size_t num) {
  if (h == NULL || h->pp == NULL || num >= h->pp->n)
    return NULL;
  return h->pp->fields[num];
}

char *ferry_pushheader_byname(struct ferry_pushheaders *h, const char *name) {
  size_t n;
  /* a name with a colon past its first byte could match inside a value,
   * and ":" alone is no name: libcurl refuses both */
  if (h == NULL || h->pp == NULL || name == NULL || name[0] == '\0' ||
      strcmp(name, ":") == 0 || strchr(name + 1, ':') != NULL)
    return NULL;
  n = strlen(name);
  for (size_t i = 0; i < h->pp->n; i++) {
    char *f = h->pp->fields[i];
    if (strncmp(f, name, n) == 0 && f[n] == ':')
      return f + n + 1;
  }
  return NULL;
}

int ferry__push_promised(void *ud, const ferry__push_promise *pp,
                         ferry__stream **child) {
  ferry_easy *parent = ud, *e;
  ferry_multi *m = parent->multi;
  struct ferry_pushheaders h = {pp};
  const char *scheme, *authority, *path;
  ferry__buf url;
  int rc;

  if (m == NULL || m->pushfn == NULL)
    return FERRY__PUSH_DENY;
  scheme = ferry_pushheader_byname(&h, ":scheme");
  authority = ferry_pushheader_byname(&h, ":authority");
  path = ferry_pushheader_byname(&h, ":path");
  if (scheme == NULL || authority == NULL || path == NULL)
    return FERRY__PUSH_DENY;
  /* the new handle has the parent's options and the promised URL */
  e = ferry_easy_duphandle(parent);
  if (e == NULL)
    return FERRY__PUSH_DENY;
  ferry__buf_init(&url, 64 * 1024);
  if (ferry__buf_cat(&url, scheme, "://", authority, path, NULL) ||
      ferry__buf_add(&url, "", 1) ||
      ferry_easy_setopt(e, FERRYOPT_URL, url.data) != FERRYE_OK) {
    ferry__buf_free(&url);
    ferry_easy_cleanup(e);
    return FERRY__PUSH_DENY;
  }
  ferry__buf_free(&url);
  if (ferry__trace_on(parent))
    ferry__infof(parent, "Server push of %s://%s%s offered", scheme,
                 authority, path);
  FERRY__CALLBACK_ENTER(m);
  rc = m->pushfn(parent, e, pp->n, &h, m->pushdata);
  FERRY__CALLBACK_LEAVE(m);
  if (rc != FERRY_PUSH_OK) {
    ferry_easy_cleanup(e);
    return rc == FERRY_PUSH_ERROROUT ? FERRY__PUSH_ERROROUT : FERRY__PUSH_DENY;
  }
  /* accepted: it runs as a transfer of the multi on the parent's
   * connection */
  if (ferry__xfer_adopt_push(parent, e) != FERRYE_OK) {
    ferry_easy_cleanup(e);
    return FERRY__PUSH_DENY;
  }
  *child = &e->stream;
  return FERRY__PUSH_OK;
}

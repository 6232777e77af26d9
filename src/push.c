/* The fields of a server push for a PUSHFUNCTION (see push.h). */
#include <string.h>

#include "push.h"

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

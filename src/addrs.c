/* Address lists (see addrs.h). */
#include "addrs.h"
#include "alloc.h"

ferry__addrs *ferry__addrs_new(size_t n) {
  ferry__addrs *a = ferry__calloc(1, sizeof(*a) + (n ? n : 1) * sizeof(a->a[0]));
  if (a == NULL)
    return NULL;
  a->refs = 1;
  return a;
}

ferry__addrs *ferry__addrs_ref(ferry__addrs *a) {
  a->refs++;
  return a;
}

void ferry__addrs_unref(ferry__addrs *a) {
  if (a != NULL && --a->refs == 0)
    ferry__free(a);
}

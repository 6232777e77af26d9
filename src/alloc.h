/* Every allocation ferry makes goes through these, so that
 * ferry_global_init_mem() can replace the allocator (and the
 * allocation-failure tests can fail each allocation in turn). */
#ifndef FERRY_ALLOC_H
#define FERRY_ALLOC_H

#include <stddef.h>

void *ferry__malloc(size_t size);
void *ferry__calloc(size_t nmemb, size_t size);
void *ferry__realloc(void *ptr, size_t size);
char *ferry__strdup(const char *s);
void ferry__free(void *ptr);

/* Copy len bytes of s into a new NUL-terminated string. */
char *ferry__memdup0(const char *s, size_t len);

#endif

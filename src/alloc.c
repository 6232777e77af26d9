/* The allocator and global init/cleanup. */
#include <string.h>
#include <stdlib.h>

#include "ferry.h"
#include "alloc.h"

static ferry_malloc_callback alloc_malloc = malloc;
static ferry_free_callback alloc_free = free;
static ferry_realloc_callback alloc_realloc = realloc;
static ferry_strdup_callback alloc_strdup = strdup;
static ferry_calloc_callback alloc_calloc = calloc;
static unsigned global_init_count;

void *ferry__malloc(size_t size) { return alloc_malloc(size ? size : 1); }
void *ferry__calloc(size_t n, size_t size) { return alloc_calloc(n ? n : 1, size ? size : 1); }
void *ferry__realloc(void *p, size_t size) { return alloc_realloc(p, size ? size : 1); }
char *ferry__strdup(const char *s) { return alloc_strdup(s); }
void ferry__free(void *p) {
  if (p != NULL)
    alloc_free(p);
}

char *ferry__memdup0(const char *s, size_t len) {
  char *p = ferry__malloc(len + 1);
  if (p == NULL)
    return NULL;
  if (len)
    memcpy(p, s, len);
  p[len] = '\0';
  return p;
}

ferry_code ferry_global_init(long flags) {
  (void)flags;
  global_init_count++;
  return FERRYE_OK;
}

ferry_code ferry_global_init_mem(long flags, ferry_malloc_callback m,
                                 ferry_free_callback f, ferry_realloc_callback r,
                                 ferry_strdup_callback s, ferry_calloc_callback c) {
  if (m == NULL || f == NULL || r == NULL || s == NULL || c == NULL)
    return FERRYE_BAD_FUNCTION_ARGUMENT;
  /* Like libcurl: a second init keeps the allocator chosen first. */
  if (global_init_count == 0) {
    alloc_malloc = m;
    alloc_free = f;
    alloc_realloc = r;
    alloc_strdup = s;
    alloc_calloc = c;
  }
  return ferry_global_init(flags);
}

void ferry_global_cleanup(void) {
  if (global_init_count == 0)
    return;
  if (--global_init_count == 0) {
    alloc_malloc = malloc;
    alloc_free = free;
    alloc_realloc = realloc;
    alloc_strdup = strdup;
    alloc_calloc = calloc;
  }
}

void ferry_free(void *p) { ferry__free(p); }

/* names.c - output file names for ferry-get -o DIR.
 *
 * A URL's file name is its last path segment, percent-decoded, as wget
 * does; "index.html" when the path ends with '/'. Two URLs that give the
 * same name get "NAME", "NAME.1", "NAME.2", ... in list order. A name that
 * would escape the directory or cannot be a file name is refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry-get.h"

#define NAME_MAX_BYTES 255

const char *names_last_segment(const char *url, size_t *len) {
  const char *path = url, *end, *seg;
  const char *scheme_end = strstr(url, "://");

  if (scheme_end != NULL) {
    /* skip the authority; no '/' after it means an empty path */
    path = scheme_end + 3;
    path += strcspn(path, "/?#");
  }
  end = path + strcspn(path, "?#");
  seg = end;
  while (seg > path && seg[-1] != '/')
    seg--;
  *len = (size_t)(end - seg);
  return seg;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Decode %XX escapes of s[0..len) into a new string; *outlen is its length
 * (it may hold a NUL byte, which the caller refuses). */
static char *percent_decode(const char *s, size_t len, size_t *outlen) {
  char *out = malloc(len + 1);
  size_t o = 0;

  if (out == NULL)
    return NULL;
  for (size_t i = 0; i < len; i++) {
    int hi, lo;
    if (s[i] == '%' && i + 2 < len && (hi = hex_value(s[i + 1])) >= 0 &&
        (lo = hex_value(s[i + 2])) >= 0) {
      out[o++] = (char)(hi * 16 + lo);
      i += 2;
    } else {
      out[o++] = s[i];
    }
  }
  out[o] = '\0';
  *outlen = o;
  return out;
}

/* Why name[0..len) cannot be a file name in the output directory, or NULL
 * when it can. */
static const char *name_problem(const char *name, size_t len) {
  if (len > NAME_MAX_BYTES)
    return "is longer than 255 bytes";
  if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    return "would name a directory, not a file";
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)name[i];
    if (c == '/')
      return "holds a '/' (%2F in the URL)";
    if (c < 0x20 || c == 0x7f)
      return "holds a control byte";
  }
  return NULL;
}

/* Print name for an error message, control bytes as \xNN. */
static void quote_name(char *buf, size_t size, const char *name, size_t len) {
  size_t o = 0;
  for (size_t i = 0; i < len && o + 5 < size; i++) {
    unsigned char c = (unsigned char)name[i];
    if (c < 0x20 || c == 0x7f || c == '\\')
      o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
    else
      buf[o++] = (char)c;
  }
  buf[o] = '\0';
}

/* ---- a set of the names taken so far ---- */

typedef struct name_set {
  const char **slots;
  size_t mask;
} name_set;

static uint64_t name_hash(const char *s) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

/* Add name unless present. Returns 1 when added, 0 when it was taken. The
 * set never fills: it has room for twice the jobs and holds one name per
 * job. */
static int name_set_add(name_set *set, const char *name) {
  size_t i = (size_t)name_hash(name) & set->mask;
  while (set->slots[i] != NULL) {
    if (strcmp(set->slots[i], name) == 0)
      return 0;
    i = (i + 1) & set->mask;
  }
  set->slots[i] = name;
  return 1;
}

/* name, or name.1, name.2, ... whichever is free first; NULL on OOM. */
static char *unique_name(name_set *set, char *name) {
  size_t len = strlen(name);
  char *alt;

  if (name_set_add(set, name))
    return name;
  alt = malloc(len + 24);
  if (alt == NULL) {
    free(name);
    return NULL;
  }
  for (unsigned long n = 1;; n++) {
    snprintf(alt, len + 24, "%s.%lu", name, n);
    if (name_set_add(set, alt))
      break;
  }
  free(name);
  return alt;
}

int names_assign(job *jobs, size_t njobs) {
  name_set set;
  size_t cap = 16;

  while (cap < 2 * njobs)
    cap *= 2;
  set.slots = calloc(cap, sizeof(*set.slots));
  if (set.slots == NULL)
    return -1;
  set.mask = cap - 1;

  for (size_t i = 0; i < njobs; i++) {
    job *j = &jobs[i];
    size_t seglen, len;
    const char *seg = names_last_segment(j->url, &seglen);
    const char *problem;
    char *name = seglen ? percent_decode(seg, seglen, &len)
                        : strdup("index.html");

    if (name == NULL)
      goto failed_malloc;
    if (seglen == 0)
      len = strlen(name);
    problem = name_problem(name, len);
    if (problem != NULL) {
      char quoted[NAME_MAX_BYTES * 4 + 8], msg[sizeof(quoted) + 128];
      quote_name(quoted, sizeof(quoted), name, len);
      snprintf(msg, sizeof(msg), "refusing output file name \"%s\": it %s",
               quoted, problem);
      free(name);
      j->error = strdup(msg);
      if (j->error == NULL)
        goto failed_malloc;
      j->state = JOB_FAILED;
      continue;
    }
    j->name = unique_name(&set, name);
    if (j->name == NULL)
      goto failed_malloc;
  }
  free(set.slots);
  return 0;

failed_malloc:
  free(set.slots);
  return -1;
}

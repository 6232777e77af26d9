/* Option introspection: ferry_easy_option_by_name, _by_id and _next.
 *
 * Every row comes from ferry_table.h through X-macros: one per
 * FERRY_OPTIONS and FERRY_OWN_OPTIONS row, and one alias row per
 * CURLOPT_ spelling in FERRY_ALIASES. Option rows are built at compile
 * time. An alias row takes its id and type from the option it names, and
 * FERRY_ALIASES gives that name only as text (its rows hold numbers, types
 * and macros too), so the alias rows are built once, on first use, under
 * uv_once. */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <uv.h>

#include "ferry.h"

/* The ferry_easytype of each option type of the table. */
#define OPTINFO_TYPE_LONG FERRYOT_LONG
#define OPTINFO_TYPE_VALUES FERRYOT_VALUES
#define OPTINFO_TYPE_OFF_T FERRYOT_OFF_T
#define OPTINFO_TYPE_OBJECTPOINT FERRYOT_OBJECT
#define OPTINFO_TYPE_STRINGPOINT FERRYOT_STRING
#define OPTINFO_TYPE_SLISTPOINT FERRYOT_SLIST
#define OPTINFO_TYPE_CBPOINT FERRYOT_CBPTR
#define OPTINFO_TYPE_FUNCTIONPOINT FERRYOT_FUNCTION
#define OPTINFO_TYPE_BLOB FERRYOT_BLOB

#define OPTINFO_ROW(name, type, num, supported)                                \
  {#name, FERRYOPT_##name, OPTINFO_TYPE_##type,                                \
   (supported) ? 0u : (unsigned)FERRYOT_FLAG_NOT_BUILT_IN},

static const struct ferry_easyoption options[] = {
    FERRY_OPTIONS(OPTINFO_ROW) FERRY_OWN_OPTIONS(OPTINFO_ROW)};
#undef OPTINFO_ROW

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

/* FERRY_ALIASES as text; the rows whose both names start with CURLOPT_
 * become alias options. */
struct alias_text {
  const char *alias;
  const char *target;
};

#define OPTINFO_ALIAS(alias, target) {#alias, #target},
static const struct alias_text alias_texts[] = {FERRY_ALIASES(OPTINFO_ALIAS)};
#undef OPTINFO_ALIAS

#define N_ALIAS_TEXTS (sizeof(alias_texts) / sizeof(alias_texts[0]))

#define CURLOPT_PREFIX "CURLOPT_"
#define CURLOPT_PREFIX_LEN (sizeof(CURLOPT_PREFIX) - 1)

static struct ferry_easyoption aliases[N_ALIAS_TEXTS];
static size_t n_aliases;
static uv_once_t aliases_once = UV_ONCE_INIT;

/* The row named exactly name (without the prefix) among rows[0..n). */
static const struct ferry_easyoption *
find_exact(const struct ferry_easyoption *rows, size_t n, const char *name) {
  size_t i;

  for (i = 0; i < n; i++) {
    if (strcmp(rows[i].name, name) == 0)
      return &rows[i];
  }
  return NULL;
}

static void build_aliases(void) {
  size_t i;

  for (i = 0; i < N_ALIAS_TEXTS; i++) {
    const struct alias_text *a = &alias_texts[i];
    const struct ferry_easyoption *target;
    const char *tname;

    if (strncmp(a->alias, CURLOPT_PREFIX, CURLOPT_PREFIX_LEN) != 0 ||
        strncmp(a->target, CURLOPT_PREFIX, CURLOPT_PREFIX_LEN) != 0)
      continue;
    tname = a->target + CURLOPT_PREFIX_LEN;
    /* an alias may name an option or an earlier alias */
    target = find_exact(options, N_OPTIONS, tname);
    if (target == NULL)
      target = find_exact(aliases, n_aliases, tname);
    if (target == NULL)
      continue;
    aliases[n_aliases].name = a->alias + CURLOPT_PREFIX_LEN;
    aliases[n_aliases].id = target->id;
    aliases[n_aliases].type = target->type;
    aliases[n_aliases].flags = target->flags | FERRYOT_FLAG_ALIAS;
    n_aliases++;
  }
}

static void aliases_ready(void) { uv_once(&aliases_once, build_aliases); }

/* Index of p in rows[0..n), or -1: p may point anywhere, so compare
 * addresses as integers. */
static long index_in(const struct ferry_easyoption *p,
                     const struct ferry_easyoption *rows, size_t n) {
  uintptr_t a = (uintptr_t)p, base = (uintptr_t)rows;
  size_t off;

  if (a < base || a >= base + n * sizeof(*rows))
    return -1;
  off = (size_t)(a - base);
  if (off % sizeof(*rows) != 0)
    return -1;
  return (long)(off / sizeof(*rows));
}

const struct ferry_easyoption *ferry_easy_option_by_name(const char *name) {
  size_t i;

  if (name == NULL)
    return NULL;
  for (i = 0; i < N_OPTIONS; i++) {
    if (strcasecmp(options[i].name, name) == 0)
      return &options[i];
  }
  aliases_ready();
  for (i = 0; i < n_aliases; i++) {
    if (strcasecmp(aliases[i].name, name) == 0)
      return &aliases[i];
  }
  return NULL;
}

const struct ferry_easyoption *ferry_easy_option_by_id(ferry_option id) {
  size_t i;

  /* option rows only: an id's alias rows share it, and libcurl returns
   * the row that is not an alias */
  for (i = 0; i < N_OPTIONS; i++) {
    if (options[i].id == id)
      return &options[i];
  }
  return NULL;
}

const struct ferry_easyoption *
ferry_easy_option_next(const struct ferry_easyoption *prev) {
  long i;

  aliases_ready();
  if (prev == NULL)
    return &options[0];
  i = index_in(prev, options, N_OPTIONS);
  if (i >= 0) {
    if ((size_t)i + 1 < N_OPTIONS)
      return &options[i + 1];
    return n_aliases > 0 ? &aliases[0] : NULL;
  }
  i = index_in(prev, aliases, n_aliases);
  if (i >= 0 && (size_t)i + 1 < n_aliases)
    return &aliases[i + 1];
  return NULL;
}

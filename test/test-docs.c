/* README.md's coverage table is generated from include/ferry_table.h, the
 * one table of names: this test regenerates it and fails when README.md
 * differs. FERRY_UPDATE_README=1 rewrites README.md instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry.h"
#include "test.h"

#define BEGIN_MARK "<!-- coverage:begin -->"
#define END_MARK "<!-- coverage:end -->"

typedef struct mdbuf {
  char *p;
  size_t len, cap;
} mdbuf;

static void md(mdbuf *b, const char *s) {
  size_t n = strlen(s);
  if (b->len + n + 1 > b->cap) {
    b->cap = (b->len + n + 1) * 2;
    b->p = realloc(b->p, b->cap);
  }
  memcpy(b->p + b->len, s, n + 1);
  b->len += n;
}

static void list_names(mdbuf *b, const char *const *names, size_t n) {
  for (size_t i = 0; i < n; i++) {
    md(b, i ? ", `" : "`");
    md(b, names[i]);
    md(b, "`");
  }
  md(b, n ? ".\n" : "none.\n");
}

static char *coverage_markdown(void) {
  mdbuf b = {0, 0, 0};
  char line[256];
  const char *yes[512], *no_names[512];
  size_t ny, nn;
  unsigned o_yes = 0, o_no = 0, m_yes = 0, m_no = 0, i_yes = 0, i_no = 0;

#define COUNT_(name, type, num, sup) (sup ? o_yes++ : o_no++);
  FERRY_OPTIONS(COUNT_)
#undef COUNT_
#define COUNT_(name, type, num, sup) (sup ? m_yes++ : m_no++);
  FERRY_MOPTIONS(COUNT_)
#undef COUNT_
#define COUNT_(name, type, num, sup) (sup ? i_yes++ : i_no++);
  FERRY_INFOS(COUNT_)
#undef COUNT_

  md(&b, BEGIN_MARK "\n");
  md(&b, "_Generated from `include/ferry_table.h` (test `docs_readme_coverage_matches_the_name_table`)._\n\n");
  md(&b, "| libcurl names | supported | refused with `NOT_BUILT_IN` |\n|---|---|---|\n");
  snprintf(line, sizeof(line), "| easy options `CURLOPT_*` | %u | %u |\n", o_yes, o_no);
  md(&b, line);
  snprintf(line, sizeof(line), "| multi options `CURLMOPT_*` | %u | %u |\n", m_yes, m_no);
  md(&b, line);
  snprintf(line, sizeof(line), "| infos `CURLINFO_*` | %u | %u |\n\n", i_yes, i_no);
  md(&b, line);

  ny = 0;
#define NAME_(name, type, num, sup)                                            \
  if (sup)                                                                     \
    yes[ny++] = #name;
  FERRY_OPTIONS(NAME_)
#undef NAME_
  md(&b, "**Easy options supported:** ");
  list_names(&b, yes, ny);
  md(&b, "\n**Supported, but different from libcurl:**\n\n");
#define NOTE_(name, how)                                                       \
  md(&b, "- `" #name "`: " how "\n");
  FERRY_OPTION_NOTES(NOTE_)
#undef NOTE_
  ny = 0;
#define NAME_(name, type, num, sup)                                            \
  if (sup)                                                                     \
    yes[ny++] = #name;
  FERRY_MOPTIONS(NAME_)
#undef NAME_
  md(&b, "\n**Multi options supported:** ");
  list_names(&b, yes, ny);
  ny = 0;
#define NAME_(name, type, num, sup)                                            \
  if (sup)                                                                     \
    yes[ny++] = #name;
  FERRY_INFOS(NAME_)
#undef NAME_
  md(&b, "\n**Infos supported:** ");
  list_names(&b, yes, ny);
  nn = 0;
#define NAME_(name, type, num, sup) no_names[nn++] = #name;
  FERRY_OWN_OPTIONS(NAME_)
  md(&b, "\n**ferry's own easy options** (`FERRYOPT_*`, no libcurl name): ");
  list_names(&b, no_names, nn);
  nn = 0;
  FERRY_OWN_MOPTIONS(NAME_)
#undef NAME_
  md(&b, "\n**ferry's own multi options** (`FERRYMOPT_*`): ");
  list_names(&b, no_names, nn);
  md(&b, END_MARK "\n");
  return b.p;
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *p;
  long n;
  if (f == NULL)
    return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  p = malloc((size_t)n + 1);
  if (fread(p, 1, (size_t)n, f) != (size_t)n)
    n = 0;
  p[n] = '\0';
  fclose(f);
  *len = (size_t)n;
  return p;
}

TEST_IMPL(docs_readme_coverage_matches_the_name_table) {
  char path[1024], *readme, *want, *begin, *end;
  size_t len;

  snprintf(path, sizeof(path), "%s/../README.md", FERRY_TEST_SRCDIR);
  readme = read_file(path, &len);
  ASSERT_NOT_NULL(readme);
  want = coverage_markdown();
  begin = strstr(readme, BEGIN_MARK);
  end = begin ? strstr(begin, END_MARK) : NULL;
  ASSERT_NOT_NULL(begin);
  ASSERT_NOT_NULL(end);
  end += strlen(END_MARK "\n");
  if (getenv("FERRY_UPDATE_README")) {
    FILE *f = fopen(path, "wb");
    ASSERT_NOT_NULL(f);
    fwrite(readme, 1, (size_t)(begin - readme), f);
    fputs(want, f);
    fputs(end, f);
    fclose(f);
  } else if ((size_t)(end - begin) != strlen(want) ||
             memcmp(begin, want, strlen(want)) != 0) {
    fprintf(stderr, "  README.md's coverage section is stale: run\n"
                    "  FERRY_UPDATE_README=1 build/test/ferry-tests "
                    "docs_readme_coverage_matches_the_name_table\n");
    free(want);
    free(readme);
    return 1;
  }
  free(want);
  free(readme);
  return 0;
}

/* gen-curl-h.c - writes the libcurl-compatible <curl/curl.h> for ferry.
 *
 * Usage: gen-curl-h [CURL_H [STUB_H...]]
 *
 * Writes curl.h to the file CURL_H, or to stdout when no argument is given.
 * Each STUB_H (curl/easy.h, curl/multi.h, curl/system.h, curl/curlver.h,
 * curl/urlapi.h, curl/options.h, curl/header.h) gets a header that only
 * includes "curl.h": libcurl programs sometimes include those directly.
 *
 * Every name in the output comes from the lists in ferry_table.h, so this
 * program keeps no list of its own. It runs at build time on the build
 * machine and also checks the table: result codes and option rows sorted,
 * option and info ids unique, no libcurl name defined twice, and
 * FERRY_LIBCURL_VERSION_NUM below the release of every libcurl function
 * ferry lacks. A failed check or a write error exits with status 1, which
 * fails the build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry.h"

/* A row of a numbered list: its name, its id (type base + number) and its
 * number within the list. */
struct row {
  const char *name;
  long id;
  long num;
};

/* A ferry name paired with its libcurl spelling, or an alias and its text. */
struct pair {
  const char *ferry;
  const char *curl;
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct row codes[] = {
#define GEN_ROW(name, num, text) {#name, num, num},
    FERRY_CODES(GEN_ROW)
#undef GEN_ROW
};

static const struct row mcodes[] = {
#define GEN_ROW(name, num, text) {#name, num, num},
    FERRY_MCODES(GEN_ROW)
#undef GEN_ROW
};

static const struct row shcodes[] = {
#define GEN_ROW(name, num, text) {#name, num, num},
    FERRY_SHCODES(GEN_ROW)
#undef GEN_ROW
};

#define GEN_ROW(name, type, num, supported)                                    \
  {#name, FERRYOPTTYPE_##type + num, num},
static const struct row options[] = {FERRY_OPTIONS(GEN_ROW)};
static const struct row own_options[] = {
    FERRY_OWN_OPTIONS(GEN_ROW){NULL, 0, 0}};
static const struct row moptions[] = {FERRY_MOPTIONS(GEN_ROW)};
static const struct row own_moptions[] = {
    FERRY_OWN_MOPTIONS(GEN_ROW){NULL, 0, 0}};
#undef GEN_ROW

static const struct row infos[] = {
#define GEN_ROW(name, type, num, supported)                                    \
  {#name, FERRYINFO_##type + num, num},
    FERRY_INFOS(GEN_ROW)
#undef GEN_ROW
};

#define GEN_PAIR(a, b) {#a, #b},
static const struct pair constants[] = {FERRY_CONSTANTS(GEN_PAIR)};
static const struct pair types[] = {FERRY_TYPES(GEN_PAIR)};
static const struct pair structs[] = {FERRY_STRUCTS(GEN_PAIR)};
static const struct pair enums[] = {FERRY_ENUMS(GEN_PAIR)};
static const struct pair functions[] = {FERRY_FUNCTIONS(GEN_PAIR)};
static const struct pair aliases[] = {FERRY_ALIASES(GEN_PAIR)};
#undef GEN_PAIR

/* libcurl functions ferry lacks, and the libcurl version that added each. */
struct missing {
  const char *curl;
  unsigned long since;
};
#define GEN_MISSING(name, since) {#name, since},
static const struct missing missing_functions[] = {
    FERRY_MISSING_FUNCTIONS(GEN_MISSING){NULL, 0}}; /* NULL ends it */
#undef GEN_MISSING

/* The headers written besides curl.h (argv[2..]), for their CURLINC_
 * guard names. */
static char **stub_paths;
static int n_stub_paths;

/* Every ferry name the lists pair with a libcurl one must exist in ferry.h:
 * these arrays use each of them, so a missing one fails this compile rather
 * than a libcurl program's. Nothing reads them; they have external linkage
 * only so that compilers do not warn about arrays that are never read. */
extern const long long gen_constant_values[];
extern const size_t gen_type_sizes[], gen_struct_sizes[], gen_enum_sizes[],
    gen_function_sizes[];
#define GEN_VALUE(ferry_name, curl_name) (long long)(ferry_name),
const long long gen_constant_values[] = {FERRY_CONSTANTS(GEN_VALUE)};
#undef GEN_VALUE
#define GEN_SIZE(ferry_name, curl_name) sizeof(ferry_name *),
const size_t gen_type_sizes[] = {FERRY_TYPES(GEN_SIZE)};
#undef GEN_SIZE
#define GEN_SIZE(ferry_name, curl_name) sizeof(struct ferry_name *),
const size_t gen_struct_sizes[] = {FERRY_STRUCTS(GEN_SIZE)};
#undef GEN_SIZE
/* An enum's size needs the whole enum, not only its tag. */
#define GEN_SIZE(ferry_name, curl_name) sizeof(enum ferry_name),
const size_t gen_enum_sizes[] = {FERRY_ENUMS(GEN_SIZE)};
#undef GEN_SIZE
#define GEN_SIZE(ferry_name, curl_name) sizeof(&ferry_name),
const size_t gen_function_sizes[] = {FERRY_FUNCTIONS(GEN_SIZE)};
#undef GEN_SIZE

static int failed;

static void check_fail(const char *what, const char *name, const char *why) {
  fprintf(stderr, "gen-curl-h: ferry_table.h: %s %s: %s\n", what, name, why);
  failed = 1;
}

/* Rows must be sorted by number (strictly when `strict`) and, for the
 * numbered lists, no two may share an id. own[] (may be NULL) is the list of
 * ferry's own rows, whose ids must not collide with the main list's. */
static void check_rows(const char *what, const struct row *rows, size_t n,
                       const struct row *own, size_t n_own, int strict) {
  size_t i, j;

  for (i = 1; i < n; i++) {
    if (rows[i].num < rows[i - 1].num ||
        (strict && rows[i].num == rows[i - 1].num))
      check_fail(what, rows[i].name, "row out of order");
  }
  for (i = 0; i < n; i++) {
    for (j = i + 1; j < n; j++) {
      if (rows[i].id == rows[j].id)
        check_fail(what, rows[j].name, "id used twice");
    }
    for (j = 0; own && j < n_own; j++) {
      if (own[j].name && own[j].id == rows[i].id)
        check_fail(what, own[j].name, "id of ferry's own row collides");
    }
  }
}

/* Every libcurl name the header defines, to find one defined twice. */
static char **names;
static size_t n_names, cap_names;

static void note_name(const char *prefix, const char *name) {
  char buf[128];
  size_t i, len;
  char *stored;

  snprintf(buf, sizeof(buf), "%s%s", prefix, name);
  /* An alias like CURL_OFF_T_C(v) is named up to its parenthesis. */
  buf[strcspn(buf, "(")] = '\0';
  for (i = 0; i < n_names; i++) {
    if (strcmp(names[i], buf) == 0) {
      check_fail("name", buf, "defined twice");
      return;
    }
  }
  if (n_names == cap_names) {
    char **grown;
    cap_names = cap_names ? cap_names * 2 : 1024;
    grown = realloc(names, cap_names * sizeof(*names));
    if (!grown) {
      fprintf(stderr, "gen-curl-h: out of memory\n");
      exit(1);
    }
    names = grown;
  }
  len = strlen(buf) + 1;
  stored = malloc(len);
  if (!stored) {
    fprintf(stderr, "gen-curl-h: out of memory\n");
    exit(1);
  }
  memcpy(stored, buf, len);
  names[n_names++] = stored;
}

/* Free what note_name kept (a leak checker in the build would object). */
static void free_names(void) {
  size_t i;

  for (i = 0; i < n_names; i++)
    free(names[i]);
  free(names);
  names = NULL;
  n_names = cap_names = 0;
}

/* FERRY_LIBCURL_VERSION_NUM must stay below the version of every libcurl
 * function ferry lacks (ferry.h says why), and a missing function must not
 * be one ferry has. */
static void check_version(void) {
  char name[64];
  size_t i, j;

  for (i = 0; missing_functions[i].curl != NULL; i++) {
    unsigned long since = missing_functions[i].since;
    if ((unsigned long)FERRY_LIBCURL_VERSION_NUM >= since) {
      snprintf(name, sizeof(name), "libcurl %lu.%lu.%lu", (since >> 16) & 0xff,
               (since >> 8) & 0xff, since & 0xff);
      check_fail("FERRY_LIBCURL_VERSION_NUM reaches", name,
                 "that release added a function ferry lacks (see "
                 "FERRY_MISSING_FUNCTIONS)");
    }
    for (j = 0; j < COUNT(functions); j++) {
      if (strcmp(functions[j].curl, missing_functions[i].curl) == 0)
        check_fail("missing function", missing_functions[i].curl,
                   "is in FERRY_FUNCTIONS too");
    }
  }
}

static int is_struct_name(const char *curl_name) {
  size_t i;

  for (i = 0; i < COUNT(structs); i++) {
    if (strcmp(structs[i].curl, curl_name) == 0)
      return 1;
  }
  return 0;
}

static void emit_rows(FILE *out, const char *title, const char *curl_prefix,
                      const char *ferry_prefix, const struct row *rows,
                      size_t n) {
  size_t i;

  fprintf(out, "\n/* %s */\n", title);
  for (i = 0; i < n; i++) {
    note_name(curl_prefix, rows[i].name);
    fprintf(out, "#define %s%s %s%s\n", curl_prefix, rows[i].name, ferry_prefix,
            rows[i].name);
  }
}

static void emit_curl_h(FILE *out) {
  unsigned long v = FERRY_LIBCURL_VERSION_NUM;
  size_t i;

  fputs("/* curl/curl.h - libcurl's names for ferry.\n"
        " *\n"
        " * Generated from ferry_table.h by gen-curl-h; do not edit. Each\n"
        " * libcurl name is defined as ferry's name for the same thing, with\n"
        " * the same number, so a libcurl program builds against ferry\n"
        " * unchanged. Options and infos ferry does not implement are\n"
        " * defined too, so such a program still compiles; using one fails\n"
        " * at run time (CURLE_NOT_BUILT_IN for an easy option or info).\n"
        " * CURL and CURLM are distinct types here, not void, so passing one\n"
        " * for the other is a compile error.\n"
        " */\n"
        "#ifndef CURLINC_CURL_H\n"
        "#define CURLINC_CURL_H\n"
        "\n"
        "#include <inttypes.h>\n"
        "#include <limits.h>\n"
        "#include <stdio.h>\n"
        "#include <sys/socket.h>\n"
        "#include <sys/types.h>\n"
        "#include <time.h>\n"
        "\n"
        "#include <ferry.h>\n",
        out);

  fprintf(out,
          "\n/* The libcurl release whose API this header stands for (ferry.h\n"
          "   says how FERRY_LIBCURL_VERSION_NUM is chosen). */\n"
          "#define LIBCURL_VERSION \"%lu.%lu.%lu\"\n"
          "#define LIBCURL_VERSION_MAJOR %lu\n"
          "#define LIBCURL_VERSION_MINOR %lu\n"
          "#define LIBCURL_VERSION_PATCH %lu\n"
          "#define LIBCURL_VERSION_NUM 0x%06lx\n"
          "#define CURL_VERSION_BITS(x, y, z) ((x) << 16 | (y) << 8 | (z))\n"
          "#define CURL_AT_LEAST_VERSION(x, y, z) \\\n"
          "  (LIBCURL_VERSION_NUM >= CURL_VERSION_BITS(x, y, z))\n",
          (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff, (v >> 16) & 0xff,
          (v >> 8) & 0xff, v & 0xff, v);
  note_name("", "LIBCURL_VERSION");
  note_name("", "LIBCURL_VERSION_MAJOR");
  note_name("", "LIBCURL_VERSION_MINOR");
  note_name("", "LIBCURL_VERSION_PATCH");
  note_name("", "LIBCURL_VERSION_NUM");
  note_name("", "CURL_VERSION_BITS");
  note_name("", "CURL_AT_LEAST_VERSION");

  fputs("\n/* The guards of libcurl's headers, which programs test to see whether\n"
        "   a header's API is there. ferry's curl.h holds all of them. */\n",
        out);
  for (i = 0; i < (size_t)n_stub_paths; i++) {
    const char *base = strrchr(stub_paths[i], '/');
    char guard[64];
    size_t k, n;

    base = base ? base + 1 : stub_paths[i];
    n = strcspn(base, ".");
    if (n > 32)
      n = 32;
    memcpy(guard, "CURLINC_", 8);
    for (k = 0; k < n; k++) {
      char c = base[k];
      guard[8 + k] = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    }
    memcpy(guard + 8 + n, "_H", 3);
    note_name("", guard);
    fprintf(out, "#define %s\n", guard);
  }

  fputs("\n/* Deprecation marks, spelled as libcurl spells them. ferry's names are\n"
        "   not marked (an old option works, or is refused at run time), so\n"
        "   these only act on what a program marks itself; statements in\n"
        "   CURL_IGNORE_DEPRECATION compile without deprecation warnings.\n"
        "   CURL_DISABLE_DEPRECATION turns both off. */\n"
        "#if defined(__GNUC__) && !defined(CURL_DISABLE_DEPRECATION)\n"
        "#define CURL_DEPRECATED(version, message) \\\n"
        "  __attribute__((deprecated(\"since \" #version \". \" message)))\n"
        "#define CURL_IGNORE_DEPRECATION(statements) \\\n"
        "  _Pragma(\"GCC diagnostic push\") \\\n"
        "  _Pragma(\"GCC diagnostic ignored \\\"-Wdeprecated-declarations\\\"\") \\\n"
        "  statements \\\n"
        "  _Pragma(\"GCC diagnostic pop\")\n"
        "#else\n"
        "#define CURL_DEPRECATED(version, message)\n"
        "#define CURL_IGNORE_DEPRECATION(statements) statements\n"
        "#endif\n",
        out);
  note_name("", "CURL_DEPRECATED");
  note_name("", "CURL_IGNORE_DEPRECATION");

  fputs("\n/* Types. A name that is also a struct tag (CURLMsg) is defined "
        "with\n   the tags below instead. */\n",
        out);
  for (i = 0; i < COUNT(types); i++) {
    if (is_struct_name(types[i].curl))
      continue;
    note_name("", types[i].curl);
    fprintf(out, "typedef %s %s;\n", types[i].ferry, types[i].curl);
  }

  fputs("\n/* Struct tags (and typedef names equal to their tag): `struct "
        "curl_slist`\n   is `struct ferry_slist`. */\n",
        out);
  for (i = 0; i < COUNT(structs); i++) {
    note_name("", structs[i].curl);
    fprintf(out, "#define %s %s\n", structs[i].curl, structs[i].ferry);
  }

  fputs("\n/* Enum tags: `enum curl_khmatch` is `enum ferry_khmatch`. */\n",
        out);
  for (i = 0; i < COUNT(enums); i++) {
    note_name("", enums[i].curl);
    fprintf(out, "#define %s %s\n", enums[i].curl, enums[i].ferry);
  }

  emit_rows(out, "Result codes (CURLcode)", "CURLE_", "FERRYE_", codes,
            COUNT(codes));
  emit_rows(out, "Multi result codes (CURLMcode)", "CURLM_", "FERRYM_", mcodes,
            COUNT(mcodes));
  emit_rows(out, "Share result codes (CURLSHcode)", "CURLSHE_", "FERRYSHE_",
            shcodes, COUNT(shcodes));
  emit_rows(out, "Easy options (CURLoption)", "CURLOPT_", "FERRYOPT_", options,
            COUNT(options));
  emit_rows(out, "Multi options (CURLMoption)", "CURLMOPT_", "FERRYMOPT_",
            moptions, COUNT(moptions));
  emit_rows(out, "Info ids (CURLINFO)", "CURLINFO_", "FERRYINFO_", infos,
            COUNT(infos));

  fputs("\n/* Constants */\n", out);
  for (i = 0; i < COUNT(constants); i++) {
    note_name("", constants[i].curl);
    fprintf(out, "#define %s %s\n", constants[i].curl, constants[i].ferry);
  }

  fputs("\n/* Functions */\n", out);
  for (i = 0; i < COUNT(functions); i++) {
    note_name("", functions[i].curl);
    fprintf(out, "#define %s %s\n", functions[i].curl, functions[i].ferry);
  }

  fputs("\n/* Older and alternative libcurl spellings */\n", out);
  for (i = 0; i < COUNT(aliases); i++) {
    note_name("", aliases[i].ferry);
    fprintf(out, "#define %s %s\n", aliases[i].ferry, aliases[i].curl);
  }

  fputs("\n#endif /* CURLINC_CURL_H */\n", out);
}

static void emit_stub(FILE *out, const char *path) {
  const char *base = strrchr(path, '/');

  base = base ? base + 1 : path;
  fprintf(out,
          "/* curl/%s - generated by gen-curl-h; do not edit.\n"
          " * ferry keeps every libcurl name in curl.h. */\n"
          "#include \"curl.h\"\n",
          base);
}

/* Write one file with `emit`; returns 0, or 1 after a message. */
static int write_file(const char *path, void (*emit)(FILE *, const char *)) {
  FILE *out = path ? fopen(path, "w") : stdout;
  int bad;

  if (!out) {
    perror(path);
    return 1;
  }
  emit(out, path);
  bad = ferror(out);
  if (path ? fclose(out) != 0 : fflush(out) != 0)
    bad = 1;
  if (bad) {
    fprintf(stderr, "gen-curl-h: cannot write %s\n", path ? path : "stdout");
    return 1;
  }
  return 0;
}

static void emit_curl_h_file(FILE *out, const char *path) {
  (void)path;
  emit_curl_h(out);
}

int main(int argc, char **argv) {
  int i;
  int rc;

  check_rows("result code", codes, COUNT(codes), NULL, 0, 1);
  check_rows("multi result code", mcodes, COUNT(mcodes), NULL, 0, 1);
  check_rows("share result code", shcodes, COUNT(shcodes), NULL, 0, 1);
  check_rows("option", options, COUNT(options), own_options, COUNT(own_options),
             1);
  check_rows("own option", own_options, COUNT(own_options) - 1, NULL, 0, 1);
  check_rows("multi option", moptions, COUNT(moptions), own_moptions,
             COUNT(own_moptions), 1);
  check_rows("own multi option", own_moptions, COUNT(own_moptions) - 1, NULL, 0,
             1);
  check_rows("info", infos, COUNT(infos), NULL, 0, 0);
  check_version();
  stub_paths = argc > 2 ? argv + 2 : NULL;
  n_stub_paths = argc > 2 ? argc - 2 : 0;

  /* Emitting also records every name, so write curl.h before deciding. */
  rc = write_file(argc > 1 ? argv[1] : NULL, emit_curl_h_file);
  if (failed) {
    if (argc > 1)
      remove(argv[1]);
    free_names();
    return 1;
  }
  for (i = 2; i < argc && rc == 0; i++)
    rc = write_file(argv[i], emit_stub);
  free_names();
  return rc;
}

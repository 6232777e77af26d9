/* The differential test: the same libcurl programs on the system's libcurl
 * and on ferry, compared.
 *
 * Each program in test/diff/ (and each libcurl program in examples/) is
 * built twice (test/diff/meson.build): diff-NAME-curl against Debian's
 * libcurl, diff-NAME-ferry against ferry's <curl/curl.h>. A test diff_NAME
 * runs each build as a child process against its own fresh router server
 * (test/server.h, tserver_routes: the answer depends on the request, not
 * on which connection it came on), with identical routes, and compares
 * what a user would observe:
 *
 *   exit       the exit status (or the signal, or the deadline)
 *   stdout     what the program printed (test/diff/dp.h says what)
 *   stderr     likewise
 *   requests   the exact bytes each server received, connection by
 *              connection, in accept order
 *
 * Only what must differ is normalised: each server's port (the two runs
 * have different servers) becomes $PORT1 or $PORT2, and a case may mask
 * values that are random or timed (a Digest cnonce, "after N ms").
 * Nothing else. A difference fails the test unless test/diff/KNOWN lists
 * it (the program, the field, the reason); the report on failure is a
 * line diff, libcurl's side "-", ferry's side "+".
 *
 * KNOWN, one entry a line, '#' starts a comment:
 *   PROGRAM FIELD REASON...      (PROGRAM "*": every program)
 * where FIELD is one of
 *   exit | stdout | stderr | requests     the whole field may differ
 *   stdout:KEY  stderr:KEY                lines whose key (the text before
 *                                         the first ": ") is KEY; KEY* for
 *                                         every key starting with KEY
 *   request:NAME                          request header lines NAME: ...
 *                                         (case-insensitive)
 * Keyed lines are left out on both sides before the rest is compared. An
 * entry that no longer matches a difference is reported, not failed.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "fx.h"
#include "proc.h"
#include "server.h"
#include "test.h"

#ifndef FERRY_TEST_DIFF_DIR
#error "meson passes FERRY_TEST_DIFF_DIR"
#endif

#define CHILD_TIMEOUT_MS 20000u

/* ---- a growing string -------------------------------------------------- */

typedef struct dstr {
  char *p;
  size_t len, cap;
} dstr;

static void ds_add(dstr *d, const char *s, size_t n) {
  if (d->len + n + 1 > d->cap) {
    size_t cap = d->cap ? d->cap : 256;
    while (cap < d->len + n + 1)
      cap *= 2;
    d->p = realloc(d->p, cap);
    if (d->p == NULL)
      abort(); /* test code */
    d->cap = cap;
  }
  memcpy(d->p + d->len, s, n);
  d->len += n;
  d->p[d->len] = '\0';
}

static void ds_str(dstr *d, const char *s) {
  ds_add(d, s, strlen(s));
}

static void ds_fmt(dstr *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void ds_fmt(dstr *d, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (n > 0)
    ds_add(d, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static char *ds_take(dstr *d) {
  char *p = d->p ? d->p : strdup("");
  d->p = NULL;
  d->len = d->cap = 0;
  return p;
}

/* Bytes as text lines: each byte outside printable ASCII escaped (\r,
 * \t, \xNN), a line ending at each \n; a last line with no \n gets a
 * marker. */
static void ds_escaped_lines(dstr *d, const char *data, size_t len) {
  size_t i = 0;

  while (i < len) {
    for (; i < len && data[i] != '\n'; i++) {
      unsigned char c = (unsigned char)data[i];
      if (c == '\r')
        ds_str(d, "\\r");
      else if (c == '\t')
        ds_str(d, "\\t");
      else if (c == '\\')
        ds_str(d, "\\\\");
      else if (c < 0x20 || c >= 0x7f)
        ds_fmt(d, "\\x%02x", c);
      else
        ds_add(d, (const char *)&c, 1);
    }
    if (i < len) {
      ds_str(d, "\n");
      i++;
    } else {
      ds_str(d, " [no newline at the end]\n");
    }
  }
}

/* ---- a case ------------------------------------------------------------- */

/* A value to mask: the text after `after`, up to (not including) the first
 * byte of `until` or the end of the line, becomes "*" (on lines that
 * contain only_if, when it is set). */
typedef struct diff_mask {
  const char *after;
  const char *until;
  const char *only_if; /* if not NULL: only on lines that contain it */
} diff_mask;

enum {
  /* Sort stdout's lines: the program prints in completion order. */
  DIFF_SORT_STDOUT = 1,
  /* Compare the requests each server framed, sorted, instead of the bytes
   * per connection: how transfers share connections depends on timing. */
  DIFF_REQUESTS_UNORDERED = 2,
  /* Compare each connection's bytes, but sorted, not in accept order:
   * parallel transfers connect in any order. */
  DIFF_CONNECTIONS_UNORDERED = 4,
};

typedef struct diff_case {
  const char *program; /* diff-PROGRAM-curl, diff-PROGRAM-ferry */
  /* The run's name in KNOWN and in the report: PROGRAM, or PROGRAM-WHAT
   * for a run of a part the program does on request. NULL: program. */
  const char *name;
  /* argv[1..]: "$1", "$2" in an argument become server 1's and server 2's
   * base URL (http://127.0.0.1:PORT), "$R" one where nothing listens, "$A"
   * server 1's authority (127.0.0.1:PORT). The routes' text responses are
   * expanded the same way. */
  const char *args[8];
  const ts_route *routes; /* server 1 */
  size_t nroutes;
  const ts_route *routes2; /* server 2, if any */
  size_t nroutes2;
  unsigned flags;
  const diff_mask *masks; /* ends with {NULL, NULL}; may be NULL */
} diff_case;

#define ROUTES_N(a) (sizeof(a) / sizeof((a)[0]))

/* What one run (libcurl or ferry) gave. */
typedef struct side {
  const char *name; /* "libcurl" or "ferry" */
  char *field[4];   /* exit, stdout, stderr, requests, normalised */
} side;

static const char *const field_names[4] = {"exit", "stdout", "stderr",
                                           "requests"};

/* ---- templates and normalising ------------------------------------------ */

/* s with $1, $2 and $R replaced (by base1, base2, refused) and $A by
 * base1's authority (127.0.0.1:PORT). Returns a malloc'd string. */
static char *expand(const char *s, const char *base1, const char *base2,
                    const char *refused) {
  dstr d = {0};

  for (const char *p = s; *p; p++) {
    if (p[0] == '$' && (p[1] == '1' || p[1] == '2' || p[1] == 'R')) {
      ds_str(&d, p[1] == '1' ? base1 : p[1] == '2' ? base2 : refused);
      p++;
    } else if (p[0] == '$' && p[1] == 'A') {
      ds_str(&d, base1 + strlen("http://"));
      p++;
    } else {
      ds_add(&d, p, 1);
    }
  }
  return ds_take(&d);
}

/* Replace the decimal number `port` where it stands alone (no digit
 * before or after) with `name`. */
static char *replace_port(char *text, int port, const char *name) {
  char num[16];
  size_t nlen;
  dstr d = {0};
  const char *p = text;

  if (port <= 0)
    return text;
  nlen = (size_t)snprintf(num, sizeof(num), "%d", port);
  while (*p) {
    const char *hit = strstr(p, num);
    if (hit == NULL)
      break;
    if ((hit > text && isdigit((unsigned char)hit[-1])) ||
        isdigit((unsigned char)hit[nlen])) {
      ds_add(&d, p, (size_t)(hit - p) + 1);
      p = hit + 1;
      continue;
    }
    ds_add(&d, p, (size_t)(hit - p));
    ds_str(&d, name);
    p = hit + nlen;
  }
  ds_str(&d, p);
  free(text);
  return ds_take(&d);
}

/* Does the line around text[pos] contain needle? */
static int line_contains(const char *text, const char *pos,
                         const char *needle) {
  const char *start = pos, *end = strchr(pos, '\n');
  size_t n = strlen(needle);

  while (start > text && start[-1] != '\n')
    start--;
  if (end == NULL)
    end = pos + strlen(pos);
  for (const char *p = start; p + n <= end; p++)
    if (memcmp(p, needle, n) == 0)
      return 1;
  return 0;
}

static char *apply_masks(char *text, const diff_mask *masks) {
  for (const diff_mask *m = masks; m && m->after; m++) {
    dstr d = {0};
    const char *p = text;
    size_t alen = strlen(m->after);
    for (;;) {
      const char *hit = strstr(p, m->after);
      const char *end;
      if (hit == NULL)
        break;
      ds_add(&d, p, (size_t)(hit - p) + alen);
      end = hit + alen;
      p = end;
      if (m->only_if != NULL && !line_contains(text, hit, m->only_if))
        continue;
      while (*end && *end != '\n' && strchr(m->until, *end) == NULL)
        end++;
      ds_str(&d, "*");
      p = end;
    }
    ds_str(&d, p);
    free(text);
    text = ds_take(&d);
  }
  return text;
}

/* ---- running one side ----------------------------------------------------- */

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What server `label` received, as text. */
static void describe_server(dstr *d, tserver *s, const char *label,
                            unsigned flags) {
  unsigned nconn = tserver_connections(s);
  unsigned nreq = tserver_requests(s);
  unsigned n = (flags & DIFF_REQUESTS_UNORDERED) ? nreq : nconn;
  char **blocks = calloc(n ? n : 1, sizeof(*blocks));

  if (blocks == NULL)
    abort();
  if (flags & DIFF_REQUESTS_UNORDERED)
    ds_fmt(d, "== %s: %u requests\n", label, nreq);
  else
    ds_fmt(d, "== %s: %u connections\n", label, nconn);
  for (unsigned i = 0; i < n; i++) {
    dstr b = {0};
    size_t len;
    char *bytes = (flags & DIFF_REQUESTS_UNORDERED) ? tserver_request(s, i, &len)
                                                    : tserver_received(s, i, &len);
    if (bytes != NULL)
      ds_escaped_lines(&b, bytes, len);
    free(bytes);
    blocks[i] = ds_take(&b);
  }
  if (flags & (DIFF_REQUESTS_UNORDERED | DIFF_CONNECTIONS_UNORDERED))
    qsort(blocks, n, sizeof(*blocks), cmp_str);
  for (unsigned i = 0; i < n; i++) {
    if (flags & DIFF_REQUESTS_UNORDERED)
      ds_str(d, "-- request\n");
    else
      ds_fmt(d, "-- connection %u\n",
             (flags & DIFF_CONNECTIONS_UNORDERED) ? 0u : i);
    ds_str(d, blocks[i]);
    free(blocks[i]);
  }
  free(blocks);
}

static char *sort_lines(char *text) {
  size_t n = 0, k = 0;
  char **lines;
  dstr d = {0};

  for (char *p = text; *p; p++)
    if (*p == '\n')
      n++;
  lines = calloc(n + 1, sizeof(*lines));
  if (lines == NULL)
    abort();
  for (char *p = text, *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
    *nl = '\0';
    lines[k++] = p;
  }
  qsort(lines, k, sizeof(*lines), cmp_str);
  for (size_t i = 0; i < k; i++) {
    ds_str(&d, lines[i]);
    ds_str(&d, "\n");
  }
  free(lines);
  free(text);
  return ds_take(&d);
}

/* Give s the routes, text responses expanded as templates (binary ones,
 * with len set, are sent as they are). */
static void set_routes(tserver *s, const ts_route *routes, size_t nroutes,
                       const char *base1, const char *base2,
                       const char *refused) {
  ts_route *copy = calloc(nroutes ? nroutes : 1, sizeof(*copy));
  char **texts = calloc(nroutes ? nroutes : 1, sizeof(*texts));

  if (copy == NULL || texts == NULL)
    abort();
  for (size_t i = 0; i < nroutes; i++) {
    copy[i] = routes[i];
    if (routes[i].len == 0) {
      texts[i] = expand(routes[i].response, base1, base2, refused);
      copy[i].response = texts[i];
    }
  }
  tserver_routes(s, copy, nroutes);
  for (size_t i = 0; i < nroutes; i++)
    free(texts[i]);
  free(texts);
  free(copy);
}

/* Run diff-PROGRAM-WHICH against fresh servers; fill *out. Returns 0, or
 * -1 when the run could not be set up. */
static int run_side(const diff_case *c, const char *which, const char *refused,
                    side *out) {
  tserver *s1 = tserver_start();
  tserver *s2 = NULL;
  char base1[64], base2[64] = "", path[1024];
  const char *argv[10];
  char *expanded[8] = {0};
  tproc_result r;
  int argc = 0, rc;
  dstr req = {0};

  if (s1 == NULL)
    return -1;
  snprintf(base1, sizeof(base1), "http://127.0.0.1:%d", tserver_port(s1));
  if (c->routes2 != NULL) {
    s2 = tserver_start();
    if (s2 == NULL) {
      tserver_stop(s1);
      return -1;
    }
    snprintf(base2, sizeof(base2), "http://127.0.0.1:%d", tserver_port(s2));
  }
  /* Both bases are known before any route is set: a route on either
   * server may point at the other. */
  set_routes(s1, c->routes, c->nroutes, base1, base2, refused);
  if (s2 != NULL)
    set_routes(s2, c->routes2, c->nroutes2, base1, base2, refused);
  snprintf(path, sizeof(path), "%s/diff-%s-%s", FERRY_TEST_DIFF_DIR,
           c->program, which);
  argv[argc++] = path;
  for (int i = 0; i < 8 && c->args[i] != NULL; i++) {
    expanded[i] = expand(c->args[i], base1, base2, refused);
    argv[argc++] = expanded[i];
  }
  argv[argc] = NULL;

  rc = tproc_run(argv, NULL, CHILD_TIMEOUT_MS, &r);
  for (int i = 0; i < 8; i++)
    free(expanded[i]);

  /* The child is gone, so every connection it had is closed or closing:
   * wait for the servers to have read all of it. */
  tserver_wait_closed(s1, tserver_connections(s1), 5000);
  describe_server(&req, s1, "server 1", c->flags);
  if (s2 != NULL) {
    tserver_wait_closed(s2, tserver_connections(s2), 5000);
    describe_server(&req, s2, "server 2", c->flags);
  }

  {
    dstr ex = {0};
    if (rc != 0)
      ds_str(&ex, "could not run\n");
    else if (r.timed_out)
      ds_fmt(&ex, "killed at the deadline (%u ms): it hung\n",
             CHILD_TIMEOUT_MS);
    else if (r.signal)
      ds_fmt(&ex, "killed by signal %d\n", r.signal);
    else
      ds_fmt(&ex, "exit %d\n", r.exit_code);
    out->field[0] = ds_take(&ex);
  }
  out->field[1] = strdup(r.out);
  out->field[2] = strdup(r.err);
  out->field[3] = ds_take(&req);
  for (int f = 1; f < 4; f++) {
    out->field[f] = replace_port(out->field[f], tserver_port(s1), "$PORT1");
    if (s2 != NULL)
      out->field[f] = replace_port(out->field[f], tserver_port(s2), "$PORT2");
    out->field[f] = apply_masks(out->field[f], c->masks);
  }
  if (c->flags & DIFF_SORT_STDOUT)
    out->field[1] = sort_lines(out->field[1]);
  tproc_result_free(&r);
  if (s2 != NULL && tserver_stop(s2) != 0)
    return -1;
  return tserver_stop(s1);
}

static void side_free(side *s) {
  for (int f = 0; f < 4; f++)
    free(s->field[f]);
}

/* ---- lines and the diff ------------------------------------------------- */

typedef struct lines {
  char **v; /* borrowed from the text they were split from */
  size_t n;
} lines;

/* Split text (modified: each \n becomes NUL) into lines. */
static lines split_lines(char *text) {
  lines l = {NULL, 0};
  size_t cap = 0;

  for (char *p = text; *p;) {
    char *nl = strchr(p, '\n');
    if (l.n == cap) {
      cap = cap ? cap * 2 : 64;
      l.v = realloc(l.v, cap * sizeof(*l.v));
      if (l.v == NULL)
        abort();
    }
    l.v[l.n++] = p;
    if (nl == NULL)
      break;
    *nl = '\0';
    p = nl + 1;
  }
  return l;
}

static int lines_equal(const lines *a, const lines *b) {
  if (a->n != b->n)
    return 0;
  for (size_t i = 0; i < a->n; i++)
    if (strcmp(a->v[i], b->v[i]) != 0)
      return 0;
  return 1;
}

/* Print a - b as a unified diff (3 lines of context) on stderr. Past a
 * size where the table would be too big, print both sides' first
 * difference instead. */
static void print_diff(const lines *a, const lines *b) {
  size_t n = a->n, m = b->n;
  uint32_t *t;
  char *ops;
  size_t nops = 0, i = 0, j = 0;

  if ((n + 1) * (m + 1) > 16u * 1024 * 1024) {
    size_t k = 0;
    while (k < n && k < m && strcmp(a->v[k], b->v[k]) == 0)
      k++;
    fprintf(stderr, "    (too long for a diff: %zu and %zu lines; first "
                    "difference at line %zu)\n", n, m, k + 1);
    fprintf(stderr, "    -%s\n    +%s\n", k < n ? a->v[k] : "(end)",
            k < m ? b->v[k] : "(end)");
    return;
  }
  /* t[i][j]: the longest common subsequence of a[i..] and b[j..]. */
  t = calloc((n + 1) * (m + 1), sizeof(*t));
  ops = malloc(n + m + 1);
  if (t == NULL || ops == NULL)
    abort();
  for (size_t x = n + 1; x-- > 0;)
    for (size_t y = m + 1; y-- > 0;) {
      uint32_t *cell = &t[x * (m + 1) + y];
      if (x == n || y == m)
        *cell = 0;
      else if (strcmp(a->v[x], b->v[y]) == 0)
        *cell = t[(x + 1) * (m + 1) + y + 1] + 1;
      else {
        uint32_t down = t[(x + 1) * (m + 1) + y];
        uint32_t right = t[x * (m + 1) + y + 1];
        *cell = down >= right ? down : right;
      }
    }
  while (i < n || j < m) {
    if (i < n && j < m && strcmp(a->v[i], b->v[j]) == 0) {
      ops[nops++] = '=';
      i++;
      j++;
    } else if (i < n && (j == m || t[(i + 1) * (m + 1) + j] >=
                                       t[i * (m + 1) + j + 1])) {
      ops[nops++] = '-';
      i++;
    } else {
      ops[nops++] = '+';
      j++;
    }
  }
  free(t);

  /* Hunks: every change with 3 lines of context around it. */
  i = j = 0;
  for (size_t k = 0; k < nops;) {
    size_t start, end, ai, bj;
    if (ops[k] == '=') {
      k++;
      i++;
      j++;
      continue;
    }
    start = k;
    ai = i;
    bj = j;
    /* back up to 3 lines of context */
    for (int c = 0; c < 3 && start > 0 && ops[start - 1] == '='; c++) {
      start--;
      ai--;
      bj--;
    }
    /* run on while the next change is within 6 equal lines */
    end = k;
    for (;;) {
      size_t eq = 0;
      while (end < nops && ops[end] != '=')
        end++;
      while (end + eq < nops && ops[end + eq] == '=' && eq < 7)
        eq++;
      if (end + eq < nops && eq < 7) {
        end += eq;
        continue;
      }
      end += eq < 3 ? eq : 3;
      break;
    }
    fprintf(stderr, "    @@ line %zu (libcurl), line %zu (ferry) @@\n",
            ai + 1, bj + 1);
    for (size_t x = start; x < end; x++) {
      if (ops[x] == '=') {
        fprintf(stderr, "     %s\n", a->v[ai++]);
        bj++;
      } else if (ops[x] == '-') {
        fprintf(stderr, "    -%s\n", a->v[ai++]);
      } else {
        fprintf(stderr, "    +%s\n", b->v[bj++]);
      }
    }
    i = ai;
    j = bj;
    k = end;
  }
  free(ops);
}

/* ---- KNOWN ---------------------------------------------------------------- */

typedef struct known {
  char program[64];
  char field[128];
  char reason[512];
  int line;
} known;

/* The entries of test/diff/KNOWN for program. Returns how many (at most
 * max), or -1 if the file cannot be read. */
static int read_known(const char *program, known *out, int max) {
  FILE *f = fopen(FERRY_TEST_SRCDIR "/diff/KNOWN", "r");
  char line[1024];
  int n = 0, lineno = 0;

  if (f == NULL) {
    perror(FERRY_TEST_SRCDIR "/diff/KNOWN");
    return -1;
  }
  while (fgets(line, sizeof(line), f) != NULL) {
    char prog[64], field[128];
    int used = 0;
    lineno++;
    if (line[0] == '#' || strspn(line, " \t\r\n") == strlen(line))
      continue;
    if (sscanf(line, "%63s %127s %n", prog, field, &used) != 2 || used == 0) {
      fprintf(stderr, "  KNOWN:%d: want PROGRAM FIELD REASON\n", lineno);
      continue;
    }
    if ((strcmp(prog, program) != 0 && strcmp(prog, "*") != 0) || n == max)
      continue;
    snprintf(out[n].program, sizeof(out[n].program), "%s", prog);
    snprintf(out[n].field, sizeof(out[n].field), "%s", field);
    snprintf(out[n].reason, sizeof(out[n].reason), "%s", line + used);
    out[n].reason[strcspn(out[n].reason, "\r\n")] = '\0';
    out[n].line = lineno;
    n++;
  }
  fclose(f);
  return n;
}

/* Does line belong to the keyed entry "STREAM:KEY" on field f? */
static int known_line_matches(const known *k, int f, const char *line) {
  const char *colon = strchr(k->field, ':');
  const char *key;
  size_t klen;

  if (colon == NULL)
    return 0;
  key = colon + 1;
  klen = strlen(key);
  if (f == 3) {
    if (strncmp(k->field, "request:", 8) != 0)
      return 0;
    return strncasecmp(line, key, klen) == 0 && line[klen] == ':';
  }
  if ((size_t)(colon - k->field) != strlen(field_names[f]) ||
      strncmp(k->field, field_names[f], (size_t)(colon - k->field)) != 0)
    return 0;
  if (klen > 0 && key[klen - 1] == '*')
    return strncmp(line, key, klen - 1) == 0;
  {
    const char *sep = strstr(line, ": ");
    size_t llen = sep ? (size_t)(sep - line) : strlen(line);
    return llen == klen && strncmp(line, key, klen) == 0;
  }
}

/* Move the lines matching k out of l into *taken. */
static void take_known_lines(const known *k, int f, lines *l, lines *taken) {
  size_t w = 0;

  taken->n = 0;
  taken->v = malloc((l->n ? l->n : 1) * sizeof(*taken->v));
  if (taken->v == NULL)
    abort();
  for (size_t i = 0; i < l->n; i++) {
    if (known_line_matches(k, f, l->v[i]))
      taken->v[taken->n++] = l->v[i];
    else
      l->v[w++] = l->v[i];
  }
  l->n = w;
}

/* ---- comparing ------------------------------------------------------------ */

static const char *case_name(const diff_case *c) {
  return c->name ? c->name : c->program;
}

/* A port on 127.0.0.1 where nothing listens: a socket bound to it that
 * never listens, so a connect is refused and no other process takes the
 * port while the test runs. Close *fd afterwards. -1 on failure. */
static int refused_port_open(int *fd) {
  struct sockaddr_in sa;
  socklen_t len = sizeof(sa);

  *fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (*fd < 0)
    return -1;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(*fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
      getsockname(*fd, (struct sockaddr *)&sa, &len) != 0) {
    close(*fd);
    *fd = -1;
    return -1;
  }
  return ntohs(sa.sin_port);
}

/* With FERRY_DIFF_KEEP=DIR in the environment, write both sides' fields,
 * normalised, to DIR/PROGRAM.SIDE.FIELD, for a closer look. */
static void keep_sides(const diff_case *c, const side sides[2]) {
  const char *dir = getenv("FERRY_DIFF_KEEP");

  if (dir == NULL || *dir == '\0')
    return;
  for (int s = 0; s < 2; s++)
    for (int f = 0; f < 4; f++) {
      char path[1024];
      FILE *out;
      snprintf(path, sizeof(path), "%s/%s.%s.%s", dir, case_name(c),
               sides[s].name, field_names[f]);
      out = fopen(path, "w");
      if (out == NULL) {
        perror(path);
        continue;
      }
      fputs(sides[s].field[f], out);
      fclose(out);
    }
}

#define MAX_KNOWN 32

static int diff_run(const diff_case *c) {
  side sides[2] = {{"libcurl", {0}}, {"ferry", {0}}};
  known kn[MAX_KNOWN];
  int used[MAX_KNOWN] = {0};
  int nknown, failed = 0;
  int refused_fd = -1, refused_port;
  char refused[64];

#ifndef FERRY_TEST_HAVE_DIFF
  fprintf(stderr, "  the diff programs were not built: meson found no libcurl "
                  "(Debian: libcurl4-openssl-dev)\n");
  return 1;
#endif
  nknown = read_known(case_name(c), kn, MAX_KNOWN);
  ASSERT_GE(nknown, 0);
  refused_port = refused_port_open(&refused_fd);
  ASSERT_GE(refused_port, 1);
  snprintf(refused, sizeof(refused), "http://127.0.0.1:%d", refused_port);

  ASSERT_EQ(run_side(c, "curl", refused, &sides[0]), 0);
  ASSERT_EQ(run_side(c, "ferry", refused, &sides[1]), 0);
  close(refused_fd);
  keep_sides(c, sides);

  for (int f = 0; f < 4; f++) {
    lines a = split_lines(sides[0].field[f]);
    lines b = split_lines(sides[1].field[f]);
    int whole_known = -1;

    for (int k = 0; k < nknown; k++) {
      lines ta, tb;
      if (strcmp(kn[k].field, field_names[f]) == 0) {
        whole_known = k;
        continue;
      }
      {
        /* used: its lines differ, or taking them out makes the rest
         * equal (lines in another order) */
        int equal_before = lines_equal(&a, &b);
        take_known_lines(&kn[k], f, &a, &ta);
        take_known_lines(&kn[k], f, &b, &tb);
        if (!lines_equal(&ta, &tb) || (!equal_before && lines_equal(&a, &b)))
          used[k] = 1;
      }
      free(ta.v);
      free(tb.v);
    }
    if (!lines_equal(&a, &b)) {
      if (whole_known >= 0) {
        used[whole_known] = 1;
      } else {
        failed = 1;
        fprintf(stderr, "  %s: %s differs: --- libcurl (diff-%s-curl) +++ "
                        "ferry (diff-%s-ferry)\n",
                case_name(c), field_names[f], c->program, c->program);
        print_diff(&a, &b);
      }
    }
    free(a.v);
    free(b.v);
  }
  /* The entries for every program ("*") are named in one line; the
   * program's own each on its line. */
  {
    int any = 0;
    for (int k = 0; k < nknown; k++)
      if (used[k] && strcmp(kn[k].program, "*") == 0)
        fprintf(stderr, "%s%s", any++ ? ", " : "  known differences (KNOWN, *): ",
                kn[k].field);
    if (any)
      fprintf(stderr, "\n");
  }
  for (int k = 0; k < nknown; k++) {
    if (strcmp(kn[k].program, "*") == 0)
      continue;
    if (used[k])
      fprintf(stderr, "  known difference, %s %s: %s\n", case_name(c),
              kn[k].field, kn[k].reason);
    else if (!failed) /* other differences can hide whether it still holds */
      fprintf(stderr, "  note: KNOWN:%d (%s %s) matched no difference: "
                      "remove it once it stays so\n",
              kn[k].line, kn[k].program, kn[k].field);
  }
  side_free(&sides[0]);
  side_free(&sides[1]);
  return failed;
}

/* ---- the router server itself -------------------------------------------- */

/* A router answers by the request's bytes (first match wins, "contains"
 * narrows a prefix), sends 100 Continue to a request that asks, answers an
 * early route at the headers, a request no route matches with 500, and
 * closes after a route that says so. */
TEST_IMPL(server_routes_answer_by_request_and_send_100_continue) {
  static const ts_route routes[] = {
      {.prefix = "GET /a ", .contains = "\r\nX-Key: 2\r\n",
       .response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\na2"},
      {.prefix = "GET /a ",
       .response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\na1"},
      {.prefix = "POST /early ", .early = 1,
       .response = "HTTP/1.1 403 No\r\nContent-Length: 0\r\n\r\n"},
      {.prefix = "POST /p ", .delay_ms = 10, .close = 1,
       .response = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"},
  };
  static const char reqs[] =
      "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /a HTTP/1.1\r\nHost: x\r\nX-Key: 2\r\n\r\n"
      "GET /none HTTP/1.1\r\nHost: x\r\n\r\n";
  static const char early_head[] =
      "POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
      "Expect: 100-continue\r\n\r\n";
  static const char post_head[] =
      "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
      "Expect: 100-continue\r\n\r\n";
  static const char want1[] =
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\na1"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\na2"
      "HTTP/1.1 500 No Route\r\nContent-Length: 0\r\n\r\n";
  static const char want_early[] = "HTTP/1.1 403 No\r\nContent-Length: 0\r\n\r\n";
  static const char want_continue[] = "HTTP/1.1 100 Continue\r\n\r\n";
  static const char want_created[] =
      "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
  tserver *s = tserver_start();
  struct sockaddr_in sa;
  char buf[512];
  size_t got = 0;
  ssize_t n;
  int fd;

  ASSERT_NOT_NULL(s);
  tserver_routes(s, routes, sizeof(routes) / sizeof(routes[0]));
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)tserver_port(s));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

  fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  ASSERT_EQ(write(fd, reqs, sizeof(reqs) - 1), (ssize_t)(sizeof(reqs) - 1));
  while (got < sizeof(want1) - 1 &&
         (n = read(fd, buf + got, sizeof(buf) - got)) > 0)
    got += (size_t)n;
  ASSERT_MEM_EQ(buf, got, want1);

  /* An early route: the answer at the headers, no 100; the body the
   * client then sends anyway is read before the next request. */
  ASSERT_EQ(write(fd, early_head, sizeof(early_head) - 1),
            (ssize_t)(sizeof(early_head) - 1));
  got = 0;
  while (got < sizeof(want_early) - 1 &&
         (n = read(fd, buf + got, sizeof(want_early) - 1 - got)) > 0)
    got += (size_t)n;
  ASSERT_MEM_EQ(buf, got, want_early);
  ASSERT_EQ(write(fd, "zz", 2), 2);

  /* 100 Continue first; the answer only once the body is in; then the
   * route's close. */
  ASSERT_EQ(write(fd, post_head, sizeof(post_head) - 1),
            (ssize_t)(sizeof(post_head) - 1));
  got = 0;
  while (got < sizeof(want_continue) - 1 &&
         (n = read(fd, buf + got, sizeof(want_continue) - 1 - got)) > 0)
    got += (size_t)n;
  ASSERT_MEM_EQ(buf, got, want_continue);
  ASSERT_EQ(write(fd, "abc", 3), 3);
  got = 0;
  while ((n = read(fd, buf + got, sizeof(buf) - got)) > 0)
    got += (size_t)n;
  ASSERT_EQ(n, 0); /* the server closed */
  ASSERT_MEM_EQ(buf, got, want_created);
  close(fd);

  ASSERT_EQ(tserver_requests(s), 5);
  {
    size_t len;
    char *req = tserver_request(s, 4, &len);
    ASSERT_NOT_NULL(req);
    ASSERT_MEM_EQ(req, len,
                  "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                  "Expect: 100-continue\r\n\r\nabc");
    free(req);
    req = tserver_request(s, 3, &len);
    ASSERT_NOT_NULL(req);
    ASSERT_MEM_EQ(req, len,
                  "POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                  "Expect: 100-continue\r\n\r\nzz");
    free(req);
  }
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- the programs ---------------------------------------------------------- */

#define R(p, resp) {.prefix = (p), .response = (resp)}
#define R_IF(p, c, resp) {.prefix = (p), .contains = (c), .response = (resp)}
#define R_CLOSE(p, resp) {.prefix = (p), .response = (resp), .close = 1}
#define R_DELAY(p, resp, ms) {.prefix = (p), .response = (resp), .delay_ms = (ms)}

#define OK_HELLO                                                               \
  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"                                   \
  "Content-Type: text/plain; charset=utf-8\r\n\r\nhello"
#define OK_2 "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

/* A body of n bytes in lines, for routes that want a bigger one. */
static char *text_body(size_t n) {
  char *b = malloc(n + 1);
  if (b == NULL)
    abort();
  for (size_t i = 0; i < n; i++)
    b[i] = (i % 61 == 60) ? '\n' : (char)('a' + (i * 7 / 61) % 26);
  b[n] = '\0';
  return b;
}

static char *response_with_body(const char *head, const char *body) {
  dstr d = {0};
  ds_fmt(&d, "%sContent-Length: %zu\r\n\r\n", head, strlen(body));
  ds_str(&d, body);
  return ds_take(&d);
}

/* Strings a test builds for its routes, freed together. */
typedef struct strpool {
  char *s[64];
  int n;
} strpool;

static const char *pool_add(strpool *p, char *s) {
  if (p->n == 64)
    abort();
  p->s[p->n++] = s;
  return s;
}

static const char *pool_fmt(strpool *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static const char *pool_fmt(strpool *p, const char *fmt, ...) {
  char buf[4096];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  return pool_add(p, strdup(buf));
}

static void pool_free(strpool *p) {
  for (int i = 0; i < p->n; i++)
    free(p->s[i]);
  p->n = 0;
}

TEST_IMPL(diff_get) {
  char *big = text_body(70000);
  char *big_resp =
      response_with_body("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n", big);
  const ts_route routes[] = {
      R("GET /hello ", OK_HELLO),
      R("GET / ", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nroot"),
      R("GET /chunked ",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
        "Content-Type: text/html\r\n\r\n"
        "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"),
      R("GET /big ", big_resp),
      R("GET /b/c?x=1&y=%20z ", OK_HELLO),
      R("GET /early-hints ",
        "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n" OK_HELLO),
      R("GET /nocontent ", "HTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n"),
      R("GET /notmodified ",
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\nETag: \"e\"\r\n\r\n"),
      R("GET /notfound ",
        "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n"
        "Content-Length: 9\r\n\r\nnot there"),
      R_CLOSE("GET /close ",
              "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nup to the close"),
      R("GET /http10 ", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"),
      R_CLOSE("GET /conn-close ",
              "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"),
  };
  diff_case c = {.program = "get", .args = {"$1"}, .routes = routes,
                 .nroutes = ROUTES_N(routes)};
  diff_case debug = {.program = "get", .name = "get-debug",
                     .args = {"$1", "debug"}, .routes = routes,
                     .nroutes = ROUTES_N(routes)};
  int rc = diff_run(&c);

  rc |= diff_run(&debug);
  free(big_resp);
  free(big);
  return rc;
}

TEST_IMPL(diff_post) {
  static const ts_route routes[] = {
      R("POST /form ", "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nposted"),
      R("POST /form?custom ", OK_2),
      R("GET /after ", OK_2),
  };
  diff_case c = {.program = "post", .args = {"$1"}, .routes = routes,
                 .nroutes = ROUTES_N(routes)};
  return diff_run(&c);
}

TEST_IMPL(diff_put) {
  static const ts_route routes[] = {
      R("PUT /file ", "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"),
      R("PATCH /file ", OK_2),
      {.prefix = "PUT /refused ", .early = 1, .close = 1,
       .response = "HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n"
                   "Connection: close\r\n\r\nno way"},
  };
  diff_case c = {.program = "put", .args = {"$1"}, .routes = routes,
                 .nroutes = ROUTES_N(routes)};
  diff_case small = {.program = "put", .name = "put-expect-small",
                     .args = {"$1", "expect-small"}, .routes = routes,
                     .nroutes = ROUTES_N(routes)};
  int rc = diff_run(&c);

  return diff_run(&small) | rc;
}

TEST_IMPL(diff_headers) {
  static const ts_route routes[] = {R("", OK_2)};
  diff_case c = {.program = "headers", .args = {"$1"}, .routes = routes,
                 .nroutes = ROUTES_N(routes)};
  return diff_run(&c);
}

TEST_IMPL(diff_redirect) {
  static const char *const codes[] = {"301", "302", "303", "307", "308"};
  static const char *const methods[] = {"GET", "POST", "PUT"};
  ts_route routes[64];
  size_t n = 0;
  strpool pool = {{0}, 0};
  static const ts_route other[] = {R("GET /landed ", OK_2)};
  int rc;

  for (int i = 0; i < 5; i++)
    for (int m = 0; m < 3; m++) {
      routes[n++] = (ts_route)R(
          pool_fmt(&pool, "%s /r%s ", methods[m], codes[i]),
          pool_fmt(&pool,
                   "HTTP/1.1 %s Moved\r\nLocation: /dest\r\n"
                   "Content-Length: 5\r\n\r\nmoved",
                   codes[i]));
      routes[n++] = (ts_route)R(
          pool_fmt(&pool, "%s /r%s?q=1 ", methods[m], codes[i]),
          pool_fmt(&pool,
                   "HTTP/1.1 %s Moved\r\nLocation: /dest\r\n"
                   "Content-Length: 0\r\n\r\n",
                   codes[i]));
    }
  {
    const ts_route fixed[] = {
        R("GET /dest ", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndest"),
        R("POST /dest ", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndest"),
        R("PUT /dest ", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndest"),
        R("GET /chain/a ",
          "HTTP/1.1 302 Found\r\nLocation: b\r\nContent-Length: 0\r\n\r\n"),
        R("GET /chain/b ",
          "HTTP/1.1 302 Found\r\nLocation: ../c?x=1\r\nContent-Length: 0\r\n\r\n"),
        R("GET /c?x=1 ",
          "HTTP/1.1 301 Moved\r\nLocation: //$A/dest\r\n"
          "Content-Length: 0\r\n\r\n"),
        R("GET /loop ",
          "HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n"),
        R("GET /to-other ",
          "HTTP/1.1 302 Found\r\nLocation: $2/landed\r\nContent-Length: 0\r\n\r\n"),
        R("GET /absolute ",
          "HTTP/1.1 302 Found\r\nLocation: $1/dest#frag\r\nContent-Length: 0\r\n\r\n"),
        R("GET /badlocation ",
          "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:99999/x y\r\n"
          "Content-Length: 0\r\n\r\n"),
        R("GET /nolocation ",
          "HTTP/1.1 302 Found\r\nContent-Length: 7\r\n\r\nnowhere"),
        R("GET /otherscheme ",
          "HTTP/1.1 302 Found\r\nLocation: nosuch://127.0.0.1:1/file\r\n"
          "Content-Length: 0\r\n\r\n"),
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
      routes[n++] = fixed[i];
  }
  {
    diff_case c = {.program = "redirect", .args = {"$1", "$2"},
                   .routes = routes, .nroutes = n, .routes2 = other,
                   .nroutes2 = ROUTES_N(other)};
    diff_case sticky = {.program = "redirect", .name = "redirect-sticky-referer",
                        .args = {"$1", "$2", "sticky-referer"},
                        .routes = routes, .nroutes = n, .routes2 = other,
                        .nroutes2 = ROUTES_N(other)};
    rc = diff_run(&c);
    rc |= diff_run(&sticky);
  }
  pool_free(&pool);
  return rc;
}

/* An Expires date 30 days from now: far enough to hold through the test,
 * near enough for ferry's 400-day cap (libcurl 8.12's too) to leave it
 * alone, and the same text for both runs. */
static void expires_in_30_days(char *buf, size_t len) {
  time_t t = time(NULL) + 30 * 86400;
  struct tm tm;

  gmtime_r(&t, &tm);
  strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

TEST_IMPL(diff_cookies) {
  char when[64];
  strpool pool = {{0}, 0};
  const char *set;
  int rc;

  expires_in_30_days(when, sizeof(when));
  set = pool_fmt(&pool,
                 "HTTP/1.1 200 OK\r\n"
                 "Set-Cookie: s1=v1; Path=/\r\n"
                 "Set-Cookie: s2=v2; Path=/other\r\n"
                 "Set-Cookie: s3=v3; Expires=%s\r\n"
                 "Set-Cookie: gone=x; Expires=Thu, 01 Jan 1970 00:00:01 GMT\r\n"
                 "Set-Cookie: dom=1; Domain=other.example\r\n"
                 "Set-Cookie: sec=1; Secure\r\n"
                 "Set-Cookie: ho=1; HttpOnly; Path=/\r\n"
                 "Set-Cookie:  spaced  =  with space  ; path=/\r\n"
                 "Set-Cookie: empty=; Path=/\r\n"
                 "Content-Length: 0\r\n\r\n",
                 when);
  {
    const ts_route routes[] = {
        R("GET /set ", set),
        R("GET /check ", OK_2),
        R("GET /other/deeper ", OK_2),
        /* the deletions come before another cookie is set: libcurl drops
         * expired cookies when it next adds one (see the quirks run) */
        R("GET /replace ",
          "HTTP/1.1 200 OK\r\n"
          "Set-Cookie: s3=; Expires=Thu, 01 Jan 1970 00:00:01 GMT\r\n"
          "Set-Cookie: ho=2; Max-Age=0; Path=/\r\n"
          "Set-Cookie: s1=new; Path=/\r\n"
          "Content-Length: 0\r\n\r\n"),
        R("GET /delete-last ",
          "HTTP/1.1 200 OK\r\n"
          "Set-Cookie: s1=; Max-Age=0; Path=/\r\n"
          "Content-Length: 0\r\n\r\n"),
    };
    diff_case c = {.program = "cookies", .args = {"$1"}, .routes = routes,
                   .nroutes = ROUTES_N(routes)};
    diff_case quirks = {.program = "cookies", .name = "cookies-quirks",
                        .args = {"$1", "quirks"}, .routes = routes,
                        .nroutes = ROUTES_N(routes)};
    rc = diff_run(&c);
    rc |= diff_run(&quirks);
  }
  pool_free(&pool);
  return rc;
}

#define UNAUTHORIZED(challenge)                                                \
  "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: " challenge "\r\n"           \
  "Content-Length: 4\r\n\r\nauth"

TEST_IMPL(diff_auth) {
  static const ts_route routes[] = {
      R_IF("GET /basic ", "\r\nAuthorization: Basic ", OK_2),
      R("GET /basic ", UNAUTHORIZED("Basic realm=\"r\"")),
      R_IF("GET /basic-challenge ", "\r\nAuthorization: Basic ", OK_2),
      R("GET /basic-challenge ", UNAUTHORIZED("Basic realm=\"r\"")),
      R_IF("GET /digest?x=1 ", "\r\nAuthorization: Digest ", OK_2),
      R("GET /digest?x=1 ",
        UNAUTHORIZED("Digest realm=\"testrealm@host.com\", "
                     "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
                     "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"")),
      R_IF("GET /digest-qop ", "\r\nAuthorization: Digest ", OK_2),
      R("GET /digest-qop ",
        UNAUTHORIZED("Digest realm=\"r\", qop=\"auth\", nonce=\"abc123\", "
                     "opaque=\"op\"")),
      R_IF("GET /digest-sha256 ", "\r\nAuthorization: Digest ", OK_2),
      R("GET /digest-sha256 ",
        UNAUTHORIZED("Digest realm=\"r\", qop=\"auth\", algorithm=SHA-256, "
                     "nonce=\"n256\"")),
      R_IF("GET /digest-sess ", "\r\nAuthorization: Digest ", OK_2),
      R("GET /digest-sess ",
        UNAUTHORIZED("Digest realm=\"r\", qop=\"auth\", algorithm=MD5-sess, "
                     "nonce=\"nsess\"")),
      R_IF("POST /digest-post ", "\r\nAuthorization: Digest ", OK_2),
      R("POST /digest-post ",
        UNAUTHORIZED("Digest realm=\"r\", nonce=\"np\"")),
      R("GET /always-401 ", UNAUTHORIZED("Basic realm=\"x\"")),
      R_IF("GET /bearer ", "\r\nAuthorization: Bearer ", OK_2),
      R("GET /bearer ", UNAUTHORIZED("Bearer")),
  };
  /* A Digest answer with a client nonce is random: its cnonce and the
   * response computed from it. (Without qop there is none, and the
   * response stays unmasked.) */
  static const diff_mask masks[] = {
      {"cnonce=\"", "\"", NULL},
      {"response=\"", "\"", "cnonce="},
      {NULL, NULL, NULL},
  };
  diff_case c = {.program = "auth", .args = {"$1"}, .routes = routes,
                 .nroutes = ROUTES_N(routes), .masks = masks};
  return diff_run(&c);
}

#define PARTIAL(range, body)                                                   \
  "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " range "\r\n"         \
  "Content-Length: " body

TEST_IMPL(diff_range) {
  static const ts_route routes[] = {
      R_IF("GET /partial ", "\r\nRange: bytes=0-9\r\n",
           PARTIAL("0-9/26", "10\r\n\r\nabcdefghij")),
      R_IF("GET /partial ", "\r\nRange: bytes=10-\r\n",
           PARTIAL("10-25/26", "16\r\n\r\nklmnopqrstuvwxyz")),
      R_IF("GET /partial ", "\r\nRange: bytes=-5\r\n",
           PARTIAL("21-25/26", "5\r\n\r\nvwxyz")),
      R_IF("GET /partial ", "\r\nRange: bytes=0-1,4-5\r\n",
           "HTTP/1.1 206 Partial Content\r\n"
           "Content-Type: multipart/byteranges; boundary=BND\r\n"
           "Content-Length: 128\r\n\r\n"
           "--BND\r\nContent-Range: bytes 0-1/26\r\n\r\nab\r\n"
           "--BND\r\nContent-Range: bytes 4-5/26\r\n\r\nef\r\n--BND--\r\n"
           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
      R("GET /partial ", "HTTP/1.1 400 Bad Range\r\nContent-Length: 0\r\n\r\n"),
      R("GET /whole ",
        "HTTP/1.1 200 OK\r\nContent-Length: 26\r\n\r\nabcdefghijklmnopqrstuvwxyz"),
      R("GET /unsatisfiable ",
        "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */26\r\n"
        "Content-Length: 0\r\n\r\n"),
      R("GET /wrong-start ",
        PARTIAL("0-25/26", "26\r\n\r\nabcdefghijklmnopqrstuvwxyz")),
  };
  diff_case c = {.program = "range", .args = {"$1"}, .routes = routes,
                 .nroutes = ROUTES_N(routes)};
  return diff_run(&c);
}

TEST_IMPL(diff_timecond) {
  static const ts_route routes[] = {
      R("GET /not-modified ", "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n"),
      R("GET /older ",
        "HTTP/1.1 200 OK\r\nLast-Modified: Mon, 01 Jan 2001 00:00:00 GMT\r\n"
        "Content-Length: 5\r\n\r\nolder"),
      R("GET /newer ",
        "HTTP/1.1 200 OK\r\nLast-Modified: Fri, 01 Jan 2038 00:00:00 GMT\r\n"
        "Content-Length: 5\r\n\r\nnewer"),
      R("GET /precondition ",
        "HTTP/1.1 412 Precondition Failed\r\nContent-Length: 0\r\n\r\n"),
  };
  diff_case c = {.program = "timecond", .args = {"$1"}, .routes = routes,
                 .nroutes = ROUTES_N(routes)};
  return diff_run(&c);
}

/* data compressed with zlib: gzip (windowBits 31) or zlib (15). */
static void compress_into(dstr *out, const char *data, size_t len,
                          int window_bits) {
  z_stream z;
  unsigned char buf[65536];

  memset(&z, 0, sizeof(z));
  if (deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK)
    abort();
  z.next_in = (unsigned char *)data;
  z.avail_in = (uInt)len;
  for (;;) {
    int r;
    z.next_out = buf;
    z.avail_out = sizeof(buf);
    r = deflate(&z, Z_FINISH);
    ds_add(out, (const char *)buf, sizeof(buf) - z.avail_out);
    if (r == Z_STREAM_END)
      break;
    if (r != Z_OK && r != Z_BUF_ERROR)
      abort();
  }
  deflateEnd(&z);
}

static ts_route binary_route(const char *prefix, dstr *resp) {
  ts_route r = {.prefix = prefix, .response = resp->p, .len = resp->len};
  return r;
}

TEST_IMPL(diff_encoding) {
  dstr text = {0}, gz = {0}, zl = {0}, stacked_inner = {0}, stacked = {0};
  dstr r_gzip = {0}, r_deflate = {0}, r_chunked = {0}, r_stacked = {0},
       r_head = {0};
  ts_route routes[16];
  size_t n = 0;
  int rc;

  for (int i = 0; i < 200; i++)
    ds_fmt(&text, "line %03d: hello, compressed world\n", i);
  compress_into(&gz, text.p, text.len, 31);
  compress_into(&zl, text.p, text.len, 15);
  compress_into(&stacked_inner, text.p, text.len, 15);
  compress_into(&stacked, stacked_inner.p, stacked_inner.len, 31);

  ds_fmt(&r_gzip, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
                  "Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n",
         gz.len);
  ds_add(&r_gzip, gz.p, gz.len);
  ds_fmt(&r_deflate, "HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n"
                     "Content-Length: %zu\r\n\r\n",
         zl.len);
  ds_add(&r_deflate, zl.p, zl.len);
  ds_fmt(&r_chunked, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n%zx\r\n",
         gz.len / 2);
  ds_add(&r_chunked, gz.p, gz.len / 2);
  ds_fmt(&r_chunked, "\r\n%zx\r\n", gz.len - gz.len / 2);
  ds_add(&r_chunked, gz.p + gz.len / 2, gz.len - gz.len / 2);
  ds_str(&r_chunked, "\r\n0\r\n\r\n");
  ds_fmt(&r_stacked, "HTTP/1.1 200 OK\r\nContent-Encoding: deflate, gzip\r\n"
                     "Content-Length: %zu\r\n\r\n",
         stacked.len);
  ds_add(&r_stacked, stacked.p, stacked.len);
  ds_fmt(&r_head, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
                  "Content-Length: %zu\r\n\r\n",
         gz.len);

  routes[n++] = binary_route("GET /gzip ", &r_gzip);
  routes[n++] = binary_route("GET /deflate ", &r_deflate);
  routes[n++] = binary_route("GET /gzip-chunked ", &r_chunked);
  routes[n++] = binary_route("GET /stacked ", &r_stacked);
  routes[n++] = binary_route("HEAD /gzip-head ", &r_head);
  routes[n++] = (ts_route)R("GET /identity ",
                            "HTTP/1.1 200 OK\r\nContent-Encoding: identity\r\n"
                            "Content-Length: 5\r\n\r\nplain");
  routes[n++] = (ts_route)R("GET /unknown ",
                            "HTTP/1.1 200 OK\r\nContent-Encoding: bogus\r\n"
                            "Content-Length: 3\r\n\r\nraw");
  routes[n++] = (ts_route)R("GET /broken ",
                            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
                            "Content-Length: 16\r\n\r\nthis is not gzip");
  {
    diff_case c = {.program = "encoding", .args = {"$1"}, .routes = routes,
                   .nroutes = n};
    diff_case all = {.program = "encoding", .name = "encoding-all",
                     .args = {"$1", "all"}, .routes = routes, .nroutes = n};
    rc = diff_run(&c);
    rc |= diff_run(&all);
  }
  free(text.p);
  free(gz.p);
  free(zl.p);
  free(stacked_inner.p);
  free(stacked.p);
  free(r_gzip.p);
  free(r_deflate.p);
  free(r_chunked.p);
  free(r_stacked.p);
  free(r_head.p);
  return rc;
}

TEST_IMPL(diff_failonerror) {
  static const ts_route routes[] = {
      R("GET /200 ", OK_2),
      R("GET /301 ",
        "HTTP/1.1 301 Moved\r\nLocation: /200\r\nContent-Length: 5\r\n\r\nmoved"),
      R("GET /399 ", "HTTP/1.1 399 Odd\r\nContent-Length: 3\r\n\r\nodd"),
      R("GET /400 ", "HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad"),
      R("GET /404 ",
        "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n"
        "Content-Length: 9\r\n\r\nnot there"),
      R("GET /500 ",
        "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops"),
      R("GET /401 ", UNAUTHORIZED("Basic realm=\"x\"")),
      R("GET /999 ", "HTTP/1.1 999 Whatever\r\nContent-Length: 0\r\n\r\n"),
  };
  diff_case c = {.program = "failonerror", .args = {"$1"}, .routes = routes,
                 .nroutes = ROUTES_N(routes)};
  return diff_run(&c);
}

TEST_IMPL(diff_head) {
  static const ts_route routes[] = {
      R("GET /doc ",
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
        "Content-Length: 10\r\n\r\n0123456789"),
      R("HEAD /doc ",
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
        "Content-Length: 10\r\n\r\n"),
      R("POST /doc ", OK_2),
      R("HEAD /doc-chunked ",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
      R("GET /continue ",
        "HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
  };
  diff_case c = {.program = "head", .args = {"$1"}, .routes = routes,
                 .nroutes = ROUTES_N(routes)};
  return diff_run(&c);
}

TEST_IMPL(diff_connectonly) {
  static const ts_route routes[] = {
      R("GET /doc ", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
  };
  diff_case c = {.program = "connectonly", .args = {"$1", "$A"},
                 .routes = routes, .nroutes = ROUTES_N(routes)};
  diff_case quirk = {.program = "connectonly", .name = "connectonly-quirk",
                     .args = {"$1", "$A", "quirk"}, .routes = routes,
                     .nroutes = ROUTES_N(routes)};
  int rc = diff_run(&c);

  return diff_run(&quirk) | rc;
}

TEST_IMPL(diff_share) {
  static const ts_route routes[] = {
      R("GET /set ", "HTTP/1.1 200 OK\r\nSet-Cookie: s=1; Path=/\r\n"
                     "Content-Length: 2\r\n\r\nok"),
      R("GET /set2 ", "HTTP/1.1 200 OK\r\nSet-Cookie: t=2; Path=/\r\n"
                      "Content-Length: 2\r\n\r\nok"),
      R("GET /", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
  };
  diff_case c = {.program = "share", .args = {"$1", "$A"}, .routes = routes,
                 .nroutes = ROUTES_N(routes)};
  return diff_run(&c);
}

TEST_IMPL(diff_headerapi) {
  static const ts_route routes[] = {
      R("GET /many ",
        "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
        "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nset-cookie: c=3\r\n"
        "X-Spaced:   v  a  \r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
        "3\r\nabc\r\n0\r\nX-Trailer: yes\r\n\r\n"),
      R("GET /moved ",
        "HTTP/1.1 302 Found\r\nLocation: /hop2\r\nX-Hop: 1\r\n"
        "Content-Length: 0\r\n\r\n"),
      R("GET /hop2 ",
        "HTTP/1.1 301 Moved\r\nLocation: /final\r\nX-Hop: 2\r\n"
        "Content-Length: 0\r\n\r\n"),
      R("GET /final ",
        "HTTP/1.1 200 OK\r\nX-Hop: 3\r\nContent-Length: 2\r\n\r\nok"),
      R("GET /empty ",
        "HTTP/1.1 200 OK\r\nX-Empty:\r\nContent-Length: 2\r\n\r\nok"),
  };
  diff_case c = {.program = "headerapi", .args = {"$1"}, .routes = routes,
                 .nroutes = ROUTES_N(routes)};
  diff_case empty = {.program = "headerapi", .name = "headerapi-empty-value",
                     .args = {"$1", "empty"}, .routes = routes,
                     .nroutes = ROUTES_N(routes)};
  int rc = diff_run(&c);

  return diff_run(&empty) | rc;
}

TEST_IMPL(diff_urlapi) {
  diff_case c = {.program = "urlapi"};
  diff_case fragment = {.program = "urlapi", .name = "urlapi-libcurl8",
                        .args = {"libcurl8"}};
  int rc = diff_run(&c);

  return diff_run(&fragment) | rc;
}

TEST_IMPL(diff_escape) {
  diff_case c = {.program = "escape"};
  return diff_run(&c);
}

TEST_IMPL(diff_options) {
  diff_case c = {.program = "options", .flags = DIFF_SORT_STDOUT};
  return diff_run(&c);
}

/* Each of n parallel transfers to /PREFIXi gets its own connection: every
 * answer is held back 100 ms, so all are open before any is free again. */
static size_t parallel_routes(ts_route *routes, strpool *pool,
                              const char *prefix, int n) {
  size_t k = 0;
  for (int i = 0; i < n; i++) {
    const char *resp = pool_fmt(pool,
                                "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n"
                                "%s%d",
                                (int)strlen(prefix) + (i > 9 ? 2 : 1), prefix, i);
    routes[k++] = (ts_route)R_DELAY(pool_fmt(pool, "GET /%s%d ", prefix, i),
                                    resp, 100);
    routes[k++] = (ts_route)R_DELAY(pool_fmt(pool, "POST /%s%d ", prefix, i),
                                    resp, 100);
  }
  return k;
}

TEST_IMPL(diff_multi) {
  ts_route routes[32];
  strpool pool = {{0}, 0};
  size_t n = parallel_routes(routes, &pool, "m", 10);
  diff_case c = {.program = "multi", .args = {"$1"}, .routes = routes,
                 .nroutes = n, .flags = DIFF_CONNECTIONS_UNORDERED};
  int rc = diff_run(&c);

  pool_free(&pool);
  return rc;
}

TEST_IMPL(diff_socket_epoll) {
  ts_route routes[8];
  strpool pool = {{0}, 0};
  size_t n = parallel_routes(routes, &pool, "s", 3);
  diff_case c = {.program = "socket-epoll", .args = {"$1"}, .routes = routes,
                 .nroutes = n, .flags = DIFF_CONNECTIONS_UNORDERED};
  int rc = diff_run(&c);

  pool_free(&pool);
  return rc;
}

TEST_IMPL(diff_errors) {
  static const char nul_header[] =
      "HTTP/1.1 200 OK\r\nConnection: close\r\nX-Nul: a\0b\r\n"
      "Content-Length: 2\r\n\r\nok";
  /* Each answer that a client could take whole says Connection: close
   * before the server closes, so that no client reuses a connection the
   * server is closing (whether it notices in time would be a race). */
  static const ts_route routes[] = {
      R_CLOSE("GET /bad-status-line ", "HTTP/1.1 abc\r\n\r\n"),
      R_CLOSE("GET /http09 ", "hello there\r\n"),
      R_CLOSE("GET /nothing ", ""),
      R_CLOSE("GET /cut-body ",
              "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 100\r\n\r\n"
              "only this"),
      R_CLOSE("GET /bad-chunk ",
              "HTTP/1.1 200 OK\r\nConnection: close\r\n"
              "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"),
      R_CLOSE("GET /two-lengths ",
              "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\nContent-Length: 6\r\n"
              "\r\nhello!"),
      R_CLOSE("GET /no-colon ",
              "HTTP/1.1 200 OK\r\nConnection: close\r\nX-Good: 1\r\nNoColonHere\r\n"
              "Content-Length: 2\r\n\r\nok"),
      R_CLOSE("GET /bad-length ",
              "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: abc\r\n\r\nok"),
      R_CLOSE("GET /space-before-colon ",
              "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length : 2\r\n\r\nok"),
      R_CLOSE("GET /http2-status ", "HTTP/2 200\r\nConnection: close\r\n"
                                      "Content-Length: 2\r\n\r\nok"),
      R_CLOSE("GET /status-999 ",
              "HTTP/1.1 999 Weird\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"),
      R_CLOSE("GET /status-abc ",
              "HTTP/1.1 2x0 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"),
      R_CLOSE("GET /lf-only ", "HTTP/1.1 200 OK\nConnection: close\n"
                                 "Content-Length: 2\n\nok"),
      R_CLOSE("GET /folded ",
              "HTTP/1.1 200 OK\r\nConnection: close\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n"
              "\r\nok"),
      {.prefix = "GET /nul-in-header ", .response = nul_header,
       .len = sizeof(nul_header) - 1, .close = 1},
      R_CLOSE("GET /chunked-and-length ",
              "HTTP/1.1 200 OK\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n"
              "Content-Length: 100\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
      R_CLOSE("GET /cut-chunked ",
              "HTTP/1.1 200 OK\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"),
      R_CLOSE("GET /huge-chunk ",
              "HTTP/1.1 200 OK\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
              "FFFFFFFFFFFFFFFFFF\r\nab"),
      R("GET /ok ", OK_HELLO),
  };
  /* libcurl's connect error counts the milliseconds it took. */
  static const diff_mask masks[] = {
      {" after ", " ", "errbuf: "},
      {NULL, NULL, NULL},
  };
  /* the responses errors.c runs apart, each in a run of its own
   * (errors-NAME in test/diff/KNOWN) */
  static const char *const apart[][2] = {
      {"errors-two-lengths", "/two-lengths"},
      {"errors-space-before-colon", "/space-before-colon"},
      {"errors-http2-status", "/http2-status"},
  };
  diff_case c = {.program = "errors", .args = {"$1", "$R"}, .routes = routes,
                 .nroutes = ROUTES_N(routes), .masks = masks};
  int rc = diff_run(&c);

  for (size_t i = 0; i < sizeof(apart) / sizeof(apart[0]); i++) {
    diff_case one = {.program = "errors", .name = apart[i][0],
                     .args = {"$1", "$R", apart[i][1]}, .routes = routes,
                     .nroutes = ROUTES_N(routes), .masks = masks};
    rc |= diff_run(&one);
  }
  return rc;
}

/* ---- the examples ---------------------------------------------------------- */

TEST_IMPL(diff_easy_get) {
  char *body = text_body(30000);
  char *resp = response_with_body("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n",
                                  body);
  const ts_route routes[] = {R("GET /file.txt?x=1 ", resp)};
  /* "easy-get: URL: STRERROR (7): ERRBUF": both texts are each
   * library's own (see KNOWN, strerror and errbuf). */
  static const diff_mask masks[] = {{"/: ", "(", "easy-get: "},
                                    {"): ", "\n", "easy-get: "},
                                    {NULL, NULL, NULL}};
  diff_case ok = {.program = "easy-get", .args = {"$1/file.txt?x=1"},
                  .routes = routes, .nroutes = ROUTES_N(routes)};
  diff_case refused = {.program = "easy-get", .name = "easy-get-refused",
                       .args = {"$R/"}, .masks = masks};
  int rc = diff_run(&ok);

  rc |= diff_run(&refused);
  free(resp);
  free(body);
  return rc;
}

TEST_IMPL(diff_multi_poll) {
  static const ts_route routes[] = {
      R_DELAY("GET /fifty ", "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n"
                             "hello world\n", 20),
  };
  /* It prints how long the fetches took. */
  static const diff_mask masks[] = {{" bytes in ", " ", NULL},
                                    {NULL, NULL, NULL}};
  diff_case c = {.program = "multi-poll", .args = {"$1/fifty", "50"},
                 .routes = routes, .nroutes = ROUTES_N(routes),
                 .flags = DIFF_REQUESTS_UNORDERED, .masks = masks};
  return diff_run(&c);
}

/* multi-select, multi-uv and multi-epoll print a line per URL in the order
 * the transfers finish: three URLs, and one where nothing listens. */
static int run_url_example(const char *program) {
  ts_route routes[8];
  strpool pool = {{0}, 0};
  size_t n = parallel_routes(routes, &pool, "u", 3);
  /* curl_easy_strerror's text goes with the URL: its wording is each
   * library's own (see KNOWN, strerror). */
  static const diff_mask masks[] = {{": failed: ", "\n", NULL},
                                    {NULL, NULL, NULL}};
  diff_case c = {.program = program, .args = {"$1/u0", "$1/u1", "$1/u2"},
                 .routes = routes, .nroutes = n,
                 .flags = DIFF_SORT_STDOUT | DIFF_CONNECTIONS_UNORDERED};
  diff_case refused = {.program = program, .args = {"$R/refused"},
                       .masks = masks};
  int rc = diff_run(&c);

  rc |= diff_run(&refused);
  pool_free(&pool);
  return rc;
}

TEST_IMPL(diff_multi_select) {
  return run_url_example("multi-select");
}

TEST_IMPL(diff_multi_uv) {
  return run_url_example("multi-uv");
}

TEST_IMPL(diff_multi_epoll) {
#ifdef FERRY_TEST_HAVE_MULTI_EPOLL
  return run_url_example("multi-epoll");
#else
  fprintf(stderr, "  multi-epoll is not built on this system\n");
  return 0;
#endif
}

/* How a transfer reads URLs (test/diff/urls.c): CURLOPT_URL, redirect
 * Locations and proxy URLs in many forms. Every request is answered with
 * an echo of its request line and Host header; /dir/locN?old redirects to
 * the Nth Location below. The last ones libcurl 8 reads otherwise than
 * 7.88: they run apart, in urls-libcurl8 (test/diff/KNOWN). */
TEST_IMPL(diff_urls) {
  static const char *const locations[] = {
      "/a b",
      "//MiXeD.Example/scheme-relative",
      "HTTP://MiXeD.Example/upper",
      "http:/MiXeD.Example/one-slash",
      "http:///MiXeD.Example/three-slashes",
      "http:MiXeD.Example/no-slash",
      "../x/./y",
      "?only-query",
      "http://a@b@host.example/two-ats",
      "/caf\xc3\xa9?\xc3\xa9",
      "http://MiXeD.Example:80/default-port",
      "/p?",
      "/p?#",
      "http://[::1]/v6",
      "/a/../b?x#y",
      "http://user:pw@host.example/login",
      "http://0x7f.1/hex",
      "http://MiXeD.Example./trailing-dot",
      "http://%4DiXeD.Example/escaped",
      "http://host.example:65536/bad-port",
      "http://host.example/a%20b c",
      "HTTP:/MiXeD.Example/upper-one-slash",
      "/p#",
      "http://[::1%25lo]:8080/zone",
      "  /padded  ",
      "///MiXeD.Example/three-slashes-relative",
      "HTTP://MiXeD.Example:0080/leading-zeros",
      /* libcurl 8 only */
      "#only-fragment",
      "http://MiXeD.Example/a b/c?d e#f g",
  };
  enum { NLOC = sizeof(locations) / sizeof(locations[0]), NLOC8 = 2 };
  ts_route routes[NLOC + 2];
  strpool pool = {{0}, 0};
  size_t n = 0;
  char nloc[16], first8[16];
  int rc;

  for (size_t i = 0; i < NLOC; i++)
    routes[n++] = (ts_route)R(
        pool_fmt(&pool, "GET /dir/loc%zu?old ", i),
        pool_fmt(&pool,
                 "HTTP/1.1 302 Found\r\nLocation: %s\r\n"
                 "Content-Length: 0\r\n\r\n",
                 locations[i]));
  routes[n++] = (ts_route){
      .prefix = "GET /setc ",
      .response = "HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Path=/\r\n"
                  "Set-Cookie: b=2; Domain=mixed.EXAMPLE; Path=/\r\n",
      .echo = 1};
  routes[n++] = (ts_route){.prefix = "", .response = "HTTP/1.1 200 OK\r\n",
                           .echo = 1};
  snprintf(nloc, sizeof(nloc), "%d", (int)(NLOC - NLOC8));
  snprintf(first8, sizeof(first8), "%d", (int)(NLOC - NLOC8));
  {
    diff_case c = {.program = "urls", .args = {"$1", "$R", "0", nloc},
                   .routes = routes, .nroutes = n};
    diff_case c8 = {.program = "urls", .name = "urls-libcurl8",
                    .args = {"$1", "$R", first8, "2", "libcurl8"},
                    .routes = routes, .nroutes = n};
    rc = diff_run(&c);
    rc |= diff_run(&c8);
  }
  pool_free(&pool);
  return rc;
}

/* ferry-get - download many URLs in parallel with ferry on one libuv loop.
 *
 * main.c reads the command line and the URL list, names the output files
 * (names.c) and hands the jobs to fetch.c. See usage() for the options. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry-get.h"

#define PARALLEL_DEFAULT 8
#define PARALLEL_MAX 4096
#define RETRY_MAX 100

static void usage(FILE *out) {
  fputs(
      "Usage: " FG_NAME " [options] URL...\n"
      "       " FG_NAME " [options] -i FILE\n"
      "\n"
      "Download URLs in parallel with ferry, on one libuv loop.\n"
      "\n"
      "Input and output:\n"
      "  -i, --input FILE       read URLs from FILE (- for stdin), one per line;\n"
      "                         blank lines and lines starting with # are skipped\n"
      "  -o, --output-dir DIR   save each URL in DIR, named after the last segment\n"
      "                         of its path (index.html if empty); a name taken by\n"
      "                         an earlier URL gets .1, .2, ...; names such as ..\n"
      "                         are refused. Without -o, one URL is written to stdout\n"
      "  -P, --parallel N       transfers in flight (default 8)\n"
      "\n"
      "Transfers:\n"
      "      --retry N          retry a failed transfer up to N times, after 250 ms\n"
      "                         doubling (jittered), on connect, timeout, send and\n"
      "                         receive errors, empty or cut replies, HTTP 5xx and 429\n"
      "      --timeout SECS     give up on an attempt after SECS seconds\n"
      "  -H, --header 'N: v'    add a request header (repeatable)\n"
      "      --compressed       ask for a compressed response, decode it\n"
      "  -L, --location         follow redirects\n"
      "  -k, --insecure         do not verify the server's TLS certificate\n"
      "      --cacert FILE      verify TLS servers with the CA certificates in FILE\n"
      "      --http1.1          HTTP/1.1 only (by default HTTPS servers that offer\n"
      "                         HTTP/2 get it, many transfers on one connection)\n"
      "      --http2-prior-knowledge\n"
      "                         HTTP/2 over http:// too, without asking first\n"
      "\n"
      "Display (on stderr):\n"
      "  -q, --quiet            no progress and no summary; failures are still listed\n"
      "  -h, --help             show this text\n"
      "  -V, --version          show ferry's version\n"
      "\n"
      "On a terminal, live progress is shown; otherwise one line per finished\n"
      "transfer. A summary follows: counts, bytes, transfers/s, MB/s, p50 and p99\n"
      "time per transfer, connections opened and the HTTP/2 streams or HTTP/1\n"
      "requests they carried. A failed transfer leaves no file.\n"
      "\n"
      "Exit status: 0 all done, 1 some failed, 2 bad usage or an option this ferry\n"
      "does not support, 130 interrupted (SIGINT), 143 terminated (SIGTERM).\n",
      out);
}

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, FG_NAME ": ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nTry '" FG_NAME " --help'.\n");
  return 2;
}

static int parse_long(const char *s, long lo, long hi, long *out) {
  char *end;
  long v;
  errno = 0;
  v = strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
    return -1;
  *out = v;
  return 0;
}

/* ---- the URL list ---- */

typedef struct url_list {
  char **v;
  size_t n, cap;
} url_list;

static int url_list_add(url_list *l, const char *url, size_t len) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 64;
    char **nv = realloc(l->v, cap * sizeof(*nv));
    if (nv == NULL)
      return -1;
    l->v = nv;
    l->cap = cap;
  }
  l->v[l->n] = strndup(url, len);
  if (l->v[l->n] == NULL)
    return -1;
  l->n++;
  return 0;
}

static int is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
         c == '\f';
}

/* Add the URLs in path (one per line, # comments and blank lines skipped). */
static int read_url_file(url_list *l, const char *path) {
  FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
  char *line = NULL;
  size_t cap = 0;
  ssize_t got;
  int rc = 0;

  if (fp == NULL) {
    fprintf(stderr, FG_NAME ": %s: %s\n", path, strerror(errno));
    return -1;
  }
  while ((got = getline(&line, &cap, fp)) >= 0) {
    char *s = line, *e = line + got;
    while (s < e && is_space(*s))
      s++;
    while (e > s && is_space(e[-1]))
      e--;
    if (s == e || *s == '#')
      continue;
    if (url_list_add(l, s, (size_t)(e - s)) != 0) {
      fprintf(stderr, FG_NAME ": out of memory\n");
      rc = -1;
      break;
    }
  }
  if (rc == 0 && ferror(fp)) {
    fprintf(stderr, FG_NAME ": reading %s: %s\n", path, strerror(errno));
    rc = -1;
  }
  free(line);
  if (fp != stdin)
    fclose(fp);
  return rc;
}

enum { OPT_RETRY = 256, OPT_TIMEOUT, OPT_CACERT, OPT_COMPRESSED, OPT_HTTP11,
       OPT_H2PK };

static const struct option long_options[] = {
    {"input", required_argument, NULL, 'i'},
    {"output-dir", required_argument, NULL, 'o'},
    {"parallel", required_argument, NULL, 'P'},
    {"retry", required_argument, NULL, OPT_RETRY},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"header", required_argument, NULL, 'H'},
    {"compressed", no_argument, NULL, OPT_COMPRESSED},
    {"location", no_argument, NULL, 'L'},
    {"insecure", no_argument, NULL, 'k'},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"http1.1", no_argument, NULL, OPT_HTTP11},
    {"http2-prior-knowledge", no_argument, NULL, OPT_H2PK},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* Parse argv into cfg and urls. Returns -1 to go on, else an exit code. */
static int parse_args(int argc, char **argv, fg_config *cfg, url_list *urls) {
  int c;
  long v;
  double secs;
  char *end;

  cfg->parallel = PARALLEL_DEFAULT;
  while ((c = getopt_long(argc, argv, "i:o:P:H:LkqhV", long_options, NULL)) !=
         -1) {
    switch (c) {
    case 'i':
      if (read_url_file(urls, optarg) != 0)
        return 2;
      break;
    case 'o':
      cfg->outdir = optarg;
      break;
    case 'P':
      if (parse_long(optarg, 1, PARALLEL_MAX, &v) != 0)
        return usage_error("-P wants a number from 1 to 4096, not '%s'", optarg);
      cfg->parallel = (int)v;
      break;
    case OPT_RETRY:
      if (parse_long(optarg, 0, RETRY_MAX, &v) != 0)
        return usage_error("--retry wants a number from 0 to 100, not '%s'",
                           optarg);
      cfg->retries = (int)v;
      break;
    case OPT_TIMEOUT:
      errno = 0;
      secs = strtod(optarg, &end);
      if (errno != 0 || end == optarg || *end != '\0' || !(secs > 0) ||
          secs > 86400.0 * 365)
        return usage_error("--timeout wants seconds (> 0), not '%s'", optarg);
      cfg->timeout_ms = (long)(secs * 1000.0 + 0.5);
      if (cfg->timeout_ms < 1)
        cfg->timeout_ms = 1;
      break;
    case 'H': {
      const char *colon = strchr(optarg, ':');
      ferry_slist *l;
      if (colon == NULL || colon == optarg)
        return usage_error("-H wants 'Name: value', not '%s'", optarg);
      l = ferry_slist_append(cfg->headers, optarg);
      if (l == NULL) {
        fprintf(stderr, FG_NAME ": out of memory\n");
        return 2;
      }
      cfg->headers = l;
      break;
    }
    case OPT_COMPRESSED:
      cfg->compressed = 1;
      break;
    case 'L':
      cfg->follow = 1;
      break;
    case 'k':
      cfg->insecure = 1;
      break;
    case OPT_CACERT:
      cfg->cacert = optarg;
      break;
    case OPT_HTTP11:
      cfg->http_version = FERRY_HTTP_VERSION_1_1;
      break;
    case OPT_H2PK:
      cfg->http_version = FERRY_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
      break;
    case 'q':
      cfg->quiet = 1;
      break;
    case 'h':
      usage(stdout);
      return 0;
    case 'V':
      printf(FG_NAME " %s\n", ferry_version());
      return 0;
    default:
      fprintf(stderr, "Try '" FG_NAME " --help'.\n");
      return 2;
    }
  }
  for (int i = optind; i < argc; i++)
    if (url_list_add(urls, argv[i], strlen(argv[i])) != 0) {
      fprintf(stderr, FG_NAME ": out of memory\n");
      return 2;
    }
  if (urls->n == 0)
    return usage_error("%s", "no URL given (as arguments or with -i FILE)");
  if (urls->n > 1 && cfg->outdir == NULL)
    return usage_error("%s", "several URLs need -o DIR (only one can go to "
                             "stdout)");
  return -1;
}

int main(int argc, char **argv) {
  fg_config cfg;
  url_list urls = {0};
  job *jobs = NULL;
  int rc;

  memset(&cfg, 0, sizeof(cfg));
  if (ferry_global_init(FERRY_GLOBAL_DEFAULT) != FERRYE_OK) {
    fprintf(stderr, FG_NAME ": ferry_global_init failed\n");
    return 2;
  }
  rc = parse_args(argc, argv, &cfg, &urls);
  if (rc >= 0)
    goto done;
  jobs = calloc(urls.n, sizeof(*jobs));
  if (jobs == NULL) {
    fprintf(stderr, FG_NAME ": out of memory\n");
    rc = 2;
    goto done;
  }
  for (size_t i = 0; i < urls.n; i++)
    jobs[i].url = urls.v[i];
  if (cfg.outdir != NULL && names_assign(jobs, urls.n) != 0) {
    fprintf(stderr, FG_NAME ": out of memory\n");
    rc = 2;
    goto done;
  }
  cfg.urls = urls.v;
  cfg.nurls = urls.n;
  rc = fetch_run(&cfg, jobs, urls.n);

done:
  if (jobs != NULL)
    for (size_t i = 0; i < urls.n; i++) {
      free(jobs[i].name);
      free(jobs[i].error);
    }
  free(jobs);
  for (size_t i = 0; i < urls.n; i++)
    free(urls.v[i]);
  free(urls.v);
  ferry_slist_free_all(cfg.headers);
  ferry_global_cleanup();
  return rc;
}

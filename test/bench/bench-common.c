/* Shared parts of the benchmark clients: see bench-common.h. */
#include "bench-common.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <malloc.h>

static void usage(const char *prog) {
  fprintf(stderr,
          "usage: %s --url URL --size BYTES [-n N] [-k K] [--seconds S]\n"
          "          [--fresh] [--http2] [--buffersize B] [--cainfo PATH] [--hold S]\n"
          "          [--threads T --share dns,ssl,connect,cookie]\n",
          prog);
}

static int parse_num(const char *s, double *out) {
  char *end;
  if (s == NULL)
    return -1;
  *out = strtod(s, &end);
  return (end == s || *end != '\0') ? -1 : 0;
}

/* "dns,ssl,connect,cookie" into BENCH_SHARE_* bits. */
static int parse_share(const char *v, unsigned *out) {
  static const struct {
    const char *name;
    unsigned bit;
  } kinds[] = {{"dns", BENCH_SHARE_DNS},
               {"ssl", BENCH_SHARE_SSL},
               {"connect", BENCH_SHARE_CONNECT},
               {"cookie", BENCH_SHARE_COOKIE}};
  *out = 0;
  while (*v) {
    size_t n = strcspn(v, ","), i;
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
      if (strlen(kinds[i].name) == n && strncmp(v, kinds[i].name, n) == 0)
        break;
    if (i == sizeof(kinds) / sizeof(kinds[0]))
      return -1;
    *out |= kinds[i].bit;
    v += n;
    if (*v == ',')
      v++;
  }
  return 0;
}

int bench_parse_args(bench_opts *o, int argc, char **argv, const char *client) {
  int size_given = 0;

  memset(o, 0, sizeof(*o));
  o->client = client;
  o->size = -1;
  o->n = 1000;
  o->k = 16;
  o->seconds = 60;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    double d;

    if (strcmp(a, "--fresh") == 0) {
      o->fresh = 1;
      continue;
    }
    if (strcmp(a, "--http2") == 0) {
      o->http2 = 1;
      continue;
    }
    if (strcmp(a, "--url") == 0 && v != NULL) {
      o->url = v;
    } else if (strcmp(a, "--share") == 0 && v != NULL) {
      if (parse_share(v, &o->share) != 0) {
        fprintf(stderr, "%s: bad --share %s\n", argv[0], v);
        usage(argv[0]);
        return -1;
      }
    } else if (strcmp(a, "--cainfo") == 0 && v != NULL) {
      o->cainfo = v;
    } else if (parse_num(v, &d) != 0) {
      fprintf(stderr, "%s: bad or missing value for %s\n", argv[0], a);
      usage(argv[0]);
      return -1;
    } else if (strcmp(a, "--size") == 0) {
      o->size = (long long)d;
      size_given = 1;
    } else if (strcmp(a, "-n") == 0) {
      o->n = (long)d;
    } else if (strcmp(a, "-k") == 0) {
      o->k = (long)d;
    } else if (strcmp(a, "--seconds") == 0) {
      o->seconds = d;
    } else if (strcmp(a, "--buffersize") == 0) {
      o->buffersize = (long)d;
    } else if (strcmp(a, "--hold") == 0) {
      o->hold = d;
    } else if (strcmp(a, "--threads") == 0) {
      o->threads = (long)d;
    } else {
      fprintf(stderr, "%s: unknown option %s\n", argv[0], a);
      usage(argv[0]);
      return -1;
    }
    i++;
  }
  if (o->url == NULL || !size_given || o->n < 1 || o->k < 1 ||
      o->seconds <= 0 || o->hold < 0 || o->threads < 0 ||
      (o->threads > 0 && o->hold > 0)) {
    usage(argv[0]);
    return -1;
  }
  if (o->hold > 0)
    o->k = o->n; /* every transfer at once */
  if (o->k > o->n)
    o->k = o->n;
  return 0;
}

long bench_raise_nofile(long need) {
  struct rlimit rl;

  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return -1;
  if ((rlim_t)need > rl.rlim_cur) {
    rl.rlim_cur = (rlim_t)need < rl.rlim_max ? (rlim_t)need : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  return (long)rl.rlim_cur;
}

uint64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bench_mark_now(bench_mark *m) {
  struct rusage ru;

  m->wall_ns = bench_now_ns();
  getrusage(RUSAGE_SELF, &ru);
  m->user_us = (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec;
  m->sys_us = (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
  m->cpu_us = m->user_us + m->sys_us;
}

static long status_field_kb(const char *field) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  size_t flen = strlen(field);
  long kb = -1;

  if (f == NULL)
    return -1;
  while (fgets(line, sizeof(line), f) != NULL) {
    if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
      kb = strtol(line + flen + 1, NULL, 10);
      break;
    }
  }
  fclose(f);
  return kb;
}

long bench_rss_kb(void) { return status_field_kb("VmRSS"); }
long bench_hwm_kb(void) { return status_field_kb("VmHWM"); }

void bench_judge(bench_result *r, const bench_opts *o, long code,
                 const char *code_text, const char *errbuf, long status,
                 long long bytes) {
  if (o->hold > 0) {
    bench_error(r, code, "a held transfer ended early: %s (status %ld)",
                code_text, status);
  } else if (code != 0) {
    bench_error(r, code, "%s: %s", code_text, errbuf[0] ? errbuf : "-");
  } else if (status != 200) {
    bench_error(r, 0, "status %ld", status);
  } else if (o->size >= 0 && bytes != o->size) {
    bench_error(r, 0, "got %lld body bytes, expected %lld", bytes, o->size);
  } else {
    r->transfers++;
  }
  r->bytes += bytes;
}

void bench_error(bench_result *r, long code, const char *fmt, ...) {
  va_list ap;

  if (r->errors == 0) {
    va_start(ap, fmt);
    vsnprintf(r->first_error, sizeof(r->first_error), fmt, ap);
    va_end(ap);
    r->first_error_code = code;
  } else if (code != r->first_error_code) {
    r->mixed_error_codes = 1;
  }
  r->errors++;
}

static void print_json_string(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      printf("\\%c", c);
    else if (c < 0x20)
      printf("\\u%04x", c);
    else
      putchar(c);
  }
  putchar('"');
}

int bench_report(const bench_opts *o, bench_result *r) {
  double secs = (double)(r->end.wall_ns - r->start.wall_ns) / 1e9;
  long long cpu = r->end.cpu_us - r->start.cpu_us;
  long per = r->transfers > 0 ? r->transfers : r->held > 0 ? r->held : 1;

  if (r->peak_rss_kb <= 0)
    r->peak_rss_kb = bench_hwm_kb();
  if (secs <= 0)
    secs = 1e-9;
  printf("{\"client\":");
  print_json_string(o->client);
  printf(",\"url\":");
  print_json_string(o->url);
  printf(",\"n\":%ld,\"k\":%ld,\"fresh\":%d,\"buffersize\":%ld", o->n, o->k,
         o->fresh, o->buffersize);
  printf(",\"transfers\":%ld,\"errors\":%ld,\"first_error\":", r->transfers,
         r->errors);
  print_json_string(r->first_error);
  printf(",\"first_error_code\":%ld,\"mixed_error_codes\":%s",
         r->first_error_code, r->mixed_error_codes ? "true" : "false");
  printf(",\"seconds\":%.6f,\"transfers_per_s\":%.1f,\"bytes\":%lld"
         ",\"mb_per_s\":%.2f,\"cpu_s\":%.6f,\"cpu_us_per_transfer\":%.2f"
         ",\"peak_rss_kb\":%ld",
         secs, (double)r->transfers / secs, r->bytes,
         (double)r->bytes / secs / 1e6, (double)cpu / 1e6,
         (double)cpu / (double)per, r->peak_rss_kb);
  printf(",\"http2\":%d,\"connections\":%ld", o->http2, r->connections);
  printf(",\"user_us_per_transfer\":%.2f,\"sys_us_per_transfer\":%.2f",
         (double)(r->end.user_us - r->start.user_us) / (double)per,
         (double)(r->end.sys_us - r->start.sys_us) / (double)per);
  if (o->hold > 0)
    printf(",\"held\":%ld,\"base_rss_kb\":%ld,\"rss_per_transfer_kb\":%.2f",
           r->held, r->base_rss_kb,
           r->held > 0 ? (double)(r->peak_rss_kb - r->base_rss_kb) /
                             (double)r->held
                       : 0.0);
  if (o->hold > 0 && r->heap_held_bytes >= 0 && r->held > 0)
    printf(",\"heap_setup_per_transfer\":%.1f"
           ",\"heap_running_per_transfer\":%.1f",
           (double)r->heap_setup_bytes / (double)o->k,
           (double)(r->heap_held_bytes - r->heap_setup_bytes) /
               (double)r->held);
  printf("}\n");
  fflush(stdout);
  return r->errors ? 1 : 0;
}

/* ---- heap accounting ------------------------------------------------------ */

static long long heap_live; /* updated atomically: lookups run off the loop */

static void heap_count(void *p, int sign) {
  if (p != NULL)
    __atomic_add_fetch(&heap_live, sign * (long long)malloc_usable_size(p),
                       __ATOMIC_RELAXED);
}

void *bench_heap_malloc(size_t n) {
  void *p = malloc(n);
  heap_count(p, 1);
  return p;
}

void bench_heap_free(void *p) {
  heap_count(p, -1);
  free(p);
}

void *bench_heap_realloc(void *p, size_t n) {
  size_t old = p ? malloc_usable_size(p) : 0;
  void *q = realloc(p, n);
  if (q != NULL) {
    __atomic_sub_fetch(&heap_live, (long long)old, __ATOMIC_RELAXED);
    heap_count(q, 1);
  }
  return q;
}

char *bench_heap_strdup(const char *s) {
  char *p = strdup(s);
  heap_count(p, 1);
  return p;
}

void *bench_heap_calloc(size_t n, size_t size) {
  void *p = calloc(n, size);
  heap_count(p, 1);
  return p;
}

long long bench_heap_live(void) {
  return __atomic_load_n(&heap_live, __ATOMIC_RELAXED);
}

/* ---- share mode ---------------------------------------------------------- */

typedef struct threads_run {
  const bench_opts *o;
  bench_result *r;
  bench_one_fn one;
  void *ctx;
  pthread_mutex_t mu; /* started and r */
  long started;
  uint64_t deadline_ns;
} threads_run;

static void *thread_main(void *arg) {
  threads_run *t = arg;
  for (;;) {
    char errbuf[256] = "";
    const char *text = "";
    long code, status = 0;
    long long bytes = 0;
    pthread_mutex_lock(&t->mu);
    if (t->started >= t->o->n || bench_now_ns() >= t->deadline_ns) {
      pthread_mutex_unlock(&t->mu);
      return NULL;
    }
    t->started++;
    pthread_mutex_unlock(&t->mu);
    code = t->one(t->ctx, &text, errbuf, &status, &bytes);
    pthread_mutex_lock(&t->mu);
    bench_judge(t->r, t->o, code, text, errbuf, status, bytes);
    pthread_mutex_unlock(&t->mu);
  }
}

int bench_run_threads(const bench_opts *o, bench_result *r, bench_one_fn one,
                      void *ctx) {
  threads_run t;
  pthread_t *tids = calloc((size_t)o->threads, sizeof(*tids));
  long made = 0;
  int rc = 0;

  if (tids == NULL)
    return -1;
  memset(&t, 0, sizeof(t));
  t.o = o;
  t.r = r;
  t.one = one;
  t.ctx = ctx;
  pthread_mutex_init(&t.mu, NULL);
  bench_mark_now(&r->start);
  t.deadline_ns = r->start.wall_ns + (uint64_t)(o->seconds * 1e9);
  for (; made < o->threads; made++)
    if (pthread_create(&tids[made], NULL, thread_main, &t) != 0) {
      rc = -1;
      break;
    }
  for (long i = 0; i < made; i++)
    pthread_join(tids[i], NULL);
  bench_mark_now(&r->end);
  r->peak_rss_kb = bench_hwm_kb();
  pthread_mutex_destroy(&t.mu);
  free(tids);
  return rc;
}

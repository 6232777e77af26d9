/* What the two benchmark clients (bench-ferry.c, bench-curl.c) share: the
 * command line, the clock and CPU marks, RSS readings, the result record
 * and the one JSON line each run prints on stdout.
 *
 * Command line (both clients):
 *
 *   --url URL         what to fetch (required)
 *   --size BYTES      expected body size; a transfer with another size is an
 *                     error (-1: do not check; required otherwise)
 *   -n N              transfers to run (default 1000)
 *   -k K              transfers in flight (default 16)
 *   --seconds S       start no new transfer after S seconds; in hold mode,
 *                     how long to wait for every transfer's first byte
 *                     (default 60)
 *   --fresh           a new connection for every transfer (FRESH_CONNECT
 *                     and FORBID_REUSE)
 *   --buffersize B    set BUFFERSIZE to B (default: the library's own)
 *   --cainfo PATH     CA file for https:// (peer verification stays on)
 *   --http2           HTTP/2: ALPN h2 for https://, prior knowledge for
 *                     http://; PIPEWAIT, so transfers share connections
 *   --hold S          hold mode: start all N transfers at once, wait until
 *                     each has received its first body byte, keep them open
 *                     S more seconds, read the peak RSS, then abort them all
 *   --threads T       share mode: T threads run the N transfers with the
 *                     easy interface, one after another in each thread,
 *                     each on a new easy handle (init, perform, cleanup)
 *                     that uses one share of the kinds --share names, with
 *                     a pthread mutex per kind as its lock callbacks; IPv4
 *                     only (the URL may name localhost). -k is not used.
 *   --share KINDS     what the share shares (share mode): a comma list of
 *                     dns, ssl, connect and cookie
 *
 * A transfer counts as done only if the library reports success, the status
 * is 200 and the body has the expected size; anything else is an error.
 * The exit status is 0 with no errors, 1 with errors, 2 on bad usage or a
 * failed setup.
 *
 * Output: one JSON line with the fields
 *   client, url, n, k, transfers, errors, first_error, first_error_code,
 *   mixed_error_codes, seconds, transfers_per_s, bytes, mb_per_s (10^6 B),
 *   cpu_s, cpu_us_per_transfer (user+sys from getrusage, between the first
 *   add and the last completion), user_us_per_transfer and
 *   sys_us_per_transfer (the two parts), peak_rss_kb, http2, connections
 *   (connections the finished transfers made), and in hold mode held,
 *   base_rss_kb (before the easy handles were made) and rss_per_transfer_kb
 *   ((peak - base) / held).
 *
 * Peak RSS is VmHWM from /proc/self/status, the high-water mark of this
 * program's own address space. ru_maxrss would be the same number, except
 * that Linux carries the RSS of the pre-exec image into it: a client started
 * from the (larger) Python harness would report the harness's RSS. */
#ifndef FERRY_BENCH_COMMON_H
#define FERRY_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

typedef struct bench_opts {
  const char *client; /* "ferry" or "libcurl" */
  const char *url;
  long long size; /* expected body bytes, -1 = not checked */
  long n;
  long k;
  double seconds;
  int fresh;
  long buffersize; /* 0 = the library's default */
  const char *cainfo;
  double hold; /* > 0: hold mode */
  int http2;   /* --http2 */
  long threads; /* > 0: share mode */
  unsigned share; /* BENCH_SHARE_* bits */
} bench_opts;

#define BENCH_SHARE_DNS 1u
#define BENCH_SHARE_SSL 2u
#define BENCH_SHARE_CONNECT 4u
#define BENCH_SHARE_COOKIE 8u

typedef struct bench_mark {
  uint64_t wall_ns;
  long long cpu_us; /* user + sys */
  long long user_us, sys_us;
} bench_mark;

typedef struct bench_result {
  long transfers; /* successful (hold mode: transfers held open) */
  long errors;
  long long bytes; /* body bytes received */
  char first_error[256];
  long first_error_code; /* the library's result code, 0 for our checks */
  int mixed_error_codes;
  bench_mark start, end;
  long peak_rss_kb;
  long base_rss_kb; /* hold mode: RSS before the transfers were made */
  long held;
  long connections; /* NUM_CONNECTS summed over finished transfers */
  /* hold mode, clients that can count their library's heap (ferry, through
   * ferry_global_init_mem): bytes live once the handles are made and set,
   * and once every transfer holds its first byte; -1 when not counted */
  long long heap_setup_bytes, heap_held_bytes;
} bench_result;

/* A counting allocator for a library's global_init_mem (malloc, free,
 * realloc, strdup, calloc, in that order): bench_heap_live() is how many
 * bytes it has handed out and not got back (malloc_usable_size). */
void *bench_heap_malloc(size_t n);
void bench_heap_free(void *p);
void *bench_heap_realloc(void *p, size_t n);
char *bench_heap_strdup(const char *s);
void *bench_heap_calloc(size_t n, size_t size);
long long bench_heap_live(void);

/* Parse argv into o; prints usage and returns -1 on a bad command line. */
int bench_parse_args(bench_opts *o, int argc, char **argv, const char *client);

/* Raise the soft RLIMIT_NOFILE to what `need` fds ask for (at most the hard
 * limit). Returns the soft limit now in force. */
long bench_raise_nofile(long need);

void bench_mark_now(bench_mark *m);
uint64_t bench_now_ns(void);

/* VmRSS / VmHWM of this process in KiB (-1 if /proc is unreadable). */
long bench_rss_kb(void);
long bench_hwm_kb(void);

/* Judge one finished transfer and count it: a success needs the library's
 * OK (code 0), status 200 and, when o->size >= 0, that many body bytes; in
 * hold mode any end is a failure (the transfer was to stay open). code and
 * code_text are the library's result and its text, errbuf its ERRORBUFFER.
 * Adds bytes to r->bytes either way. */
void bench_judge(bench_result *r, const bench_opts *o, long code,
                 const char *code_text, const char *errbuf, long status,
                 long long bytes);

/* Count one failed transfer. `code` is the library's result code (0 for a
 * failed status or size check); the text of the first one is kept. */
void bench_error(bench_result *r, long code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Share mode: one transfer on a new easy handle, made, run and cleaned up
 * by the client in the calling thread. Returns the library's result code
 * and sets its text, the status and the body bytes; errbuf (256 bytes)
 * gets the library's error text. */
typedef long (*bench_one_fn)(void *ctx, const char **code_text, char *errbuf,
                             long *status, long long *bytes);
/* Share mode: run o->n transfers in o->threads threads, each calling one()
 * until the transfers are all started or o->seconds have passed; fills r
 * (start and end marks, peak RSS). 0, or -1 when a thread cannot start. */
int bench_run_threads(const bench_opts *o, bench_result *r, bench_one_fn one,
                      void *ctx);

/* Print the JSON line for a run; returns the exit status to use. */
int bench_report(const bench_opts *o, bench_result *r);

#endif

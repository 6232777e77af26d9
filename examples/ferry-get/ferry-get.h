/* ferry-get.h - the pieces of ferry-get, the command-line parallel
 * downloader, and what they share.
 *
 *   main.c     command line, URL list, exit code
 *   names.c    output file names from URLs (unique, never "..")
 *   fetch.c    the libuv loop: one multi in libuv mode, a slot per transfer
 *              in flight, retries with back-off, SIGINT
 *   report.c   live progress on a terminal, one line per transfer
 *              elsewhere, the summary and the list of failures
 */
#ifndef FERRY_GET_H
#define FERRY_GET_H

#include <stddef.h>
#include <stdint.h>

#include "ferry.h"

#define FG_NAME "ferry-get"

/* What ferry-get was asked to do (main.c fills it in). */
typedef struct fg_config {
  char **urls;
  size_t nurls;
  const char *outdir;   /* NULL: the single URL goes to stdout */
  int parallel;         /* transfers in flight, >= 1 */
  int retries;          /* extra attempts after a retryable failure */
  long timeout_ms;      /* 0: none */
  int insecure;         /* -k */
  const char *cacert;   /* --cacert */
  ferry_slist *headers; /* -H, in order */
  int compressed;       /* --compressed */
  int follow;           /* -L */
  int quiet;            /* -q */
  long http_version;    /* --http1.1, --http2-prior-knowledge; 0: ferry's
                           default (HTTP/2 over TLS when offered) */
} fg_config;

typedef enum {
  JOB_QUEUED,  /* not started yet, or due for another attempt */
  JOB_RUNNING, /* in a slot */
  JOB_BACKOFF, /* failed, waiting for its next attempt */
  JOB_DONE,    /* finished with 2xx */
  JOB_FAILED   /* finished for good with an error */
} job_state;

/* One URL and what became of it. */
typedef struct job {
  char *url;
  char *name;       /* file name in outdir; NULL when writing stdout */
  char *error;      /* why it failed (malloc'd), NULL while it has not */
  job_state state;
  int attempts;     /* attempts started so far */
  ferry_code result;
  long http_code;
  ferry_off_t bytes;   /* body bytes of the last attempt */
  int64_t total_us;    /* FERRYINFO_TOTAL_TIME_T of the last attempt */
  uint64_t retry_at;   /* uv_now() in ms when JOB_BACKOFF ends */
} job;

struct fg_state;

/* One transfer in flight; its easy handle is reused for the next URL. */
typedef struct slot {
  struct fg_state *st;
  ferry_easy *easy;
  job *job;             /* NULL when the slot is free */
  int fd;               /* output file, -1 until the first byte */
  int write_errno;      /* why writing the output failed, 0 if it did not */
  ferry_off_t bytes;    /* body bytes of this attempt so far */
  uint64_t started_ms;  /* uv_hrtime() / 1e6 when this attempt started */
  char errbuf[FERRY_ERROR_SIZE];
} slot;

/* Everything a report needs to draw, owned by fetch.c. */
typedef struct fg_state {
  const fg_config *cfg;
  job *jobs;
  size_t njobs;
  slot *slots;
  int nslots;
  size_t ndone, nfailed, nbackoff;
  ferry_off_t bytes_done; /* body bytes of finished transfers */
  long connects;          /* sum of FERRYINFO_NUM_CONNECTS, every attempt */
  long h2_streams;        /* finished attempts that ran as HTTP/2 streams */
  long h1_requests;       /* ... and as HTTP/1.x exchanges */
  uint64_t start_ns, end_ns;
  int interrupted;        /* the signal number that stopped the run */
} fg_state;

/* ---- names.c ---- */

/* Give every job an output file name in jobs[i].name: the last path
 * segment of its URL, percent-decoded, "index.html" when empty, made unique
 * within the run by adding ".1", ".2", ... A name that could leave the
 * directory or that no file may have ("." or "..", a '/', a NUL or another
 * control byte) is refused: the job is marked JOB_FAILED with a reason.
 * Returns 0, or -1 when out of memory. */
int names_assign(job *jobs, size_t njobs);

/* The last path segment of url, for display; points into url. *len is its
 * length (0 when the URL ends with '/'). */
const char *names_last_segment(const char *url, size_t *len);

/* ---- fetch.c ---- */

/* Run every job to its end on a fresh uv loop. Returns 0 when all were
 * done, 1 when some failed, 2 when ferry could not be set up as asked (an
 * option it does not support: the reason is on stderr), 128 + signal when
 * interrupted. */
int fetch_run(const fg_config *cfg, job *jobs, size_t njobs);

/* ---- report.c ---- */

/* Start reporting (decides TTY or plain from stderr). */
void report_start(fg_state *st);
/* Redraw the live view; called about 10 times a second on a terminal. */
void report_tick(fg_state *st);
/* A job finished for good (done or failed). */
void report_finished(fg_state *st, const job *j);
/* A job failed and will be tried again in delay_ms. */
void report_retry(fg_state *st, const job *j, uint64_t delay_ms);
/* Whether live progress is drawn (stderr is a terminal and not -q). */
int report_is_live(const fg_state *st);
/* Clear the live view, then print the summary and every failure. */
void report_end(fg_state *st);

/* "12.3 MB" style, decimal units, into buf. */
const char *report_fmt_bytes(char *buf, size_t size, double bytes);

#endif /* FERRY_GET_H */

/* dp.h - what the differential test's programs share.
 *
 * Every program in test/diff/ is plain libcurl code: it includes
 * <curl/curl.h> and nothing of ferry's, and meson builds it twice, once
 * against the system's libcurl and once against ferry's generated header
 * (test/diff/meson.build). test/test-diff.c runs both builds against
 * identical scripted servers and compares what they print.
 *
 * What a program prints is what a user of the library would observe, and
 * only what is deterministic: one "KEY: VALUE" line each, KEY without
 * spaces, so that test/diff/KNOWN can name a line by its key. No times,
 * no local ports, no addresses of memory.
 *
 * A transfer's report (dp_report) prints, in order:
 *   "== LABEL"
 *   "result: N"                the CURLcode, then "strerror: N TEXT"
 *   "errbuf: \"...\""          CURLOPT_ERRORBUFFER, when not empty
 *   the callbacks in the order they ran: "header: \"LINE\"" for each header
 *   callback, "body: ..." for each run of write callbacks (merged: how a
 *   body is cut into calls is not deterministic), "debug.TYPE: ..." with
 *   dp_rec.debug set (TEXT left out: its wording is the library's own)
 *   "progress.last: ..."       with dp_rec.progress set
 *   "info.NAME: VALUE"         the deterministic CURLINFO values
 */
#ifndef DIFF_DP_H
#define DIFF_DP_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

/* What the callbacks of one transfer saw. Zero it (or dp_rec_reset) before
 * each transfer. */
typedef struct dp_rec {
  int debug;    /* set: VERBOSE with a DEBUGFUNCTION that records */
  int progress; /* set: NOPROGRESS 0 with an XFERINFOFUNCTION that records */
  int quiet_body; /* set: do not record the body's bytes, only their count */
  /* set: leave out REQUEST_SIZE, for a request that holds a random value
   * whose length is each library's own (a Digest cnonce) */
  int no_request_size;

  /* Filled in by the callbacks. */
  char *events; /* the lines to print, in order */
  size_t events_len, events_cap;
  int run_kind; /* the event run being built: 0 none, else a kind */
  size_t run_len;
  uint64_t run_hash;
  char *run_buf; /* the run's first bytes (up to 64 KiB) */
  size_t run_buf_len;
  char run_type[32];
  curl_off_t last_dltotal, last_dlnow, last_ultotal, last_ulnow;
  unsigned progress_calls;
  char errbuf[CURL_ERROR_SIZE];
} dp_rec;

/* curl_global_init, and stdout line-buffered so that a program killed at
 * its deadline still shows how far it got. */
void dp_start(void);
/* curl_global_cleanup; returns 0 for main's exit status. */
int dp_finish(void);

/* BASE followed by PATH, in one of 8 static buffers used in turn. */
const char *dp_url(const char *base, const char *path);

/* A new easy handle whose write, header (and, per rec, debug and
 * progress) callbacks and error buffer record into rec. NULL when out of
 * memory (the program then prints so and exits 1). */
CURL *dp_easy(dp_rec *rec);
/* Point an existing handle's callbacks at rec again (after
 * curl_easy_reset, say). */
void dp_attach(CURL *e, dp_rec *rec);
/* Forget what rec recorded; keeps its settings. */
void dp_rec_reset(dp_rec *rec);
/* Free what rec holds (it can be used again, empty). */
void dp_rec_free(dp_rec *rec);

/* curl_easy_perform, then dp_report; returns the result. */
CURLcode dp_perform(const char *label, CURL *e, dp_rec *rec);
/* Print a finished transfer: "== LABEL", its result, its events and its
 * info. Leaves rec reset for the next transfer. */
void dp_report(const char *label, CURL *e, CURLcode rc, dp_rec *rec);
/* Only the "info.NAME: VALUE" lines (REQUEST_SIZE left out if asked). */
void dp_print_info(CURL *e, int no_request_size);

/* "KEY: \"...\"" with bytes outside printable ASCII as \r, \n, \t, \xNN. */
void dp_print_escaped(const char *key, const char *data, size_t len);
/* "KEY: N" for a CURLcode, then "strerror: N TEXT": the text on a line of
 * its own, since each library words it itself (test/diff/KNOWN). */
void dp_print_code(const char *key, CURLcode rc);
/* "KEY: N" for a CURLMcode, then "multi_strerror: N TEXT". */
void dp_print_mcode(const char *key, CURLMcode mc);

/* FNV-1a, 64 bits, for printing a body's hash. */
uint64_t dp_hash(uint64_t h, const void *data, size_t len);
#define DP_HASH_INIT 0xcbf29ce484222325ull

/* Exit with status 1 after printing "fatal: WHAT". */
void dp_fatal(const char *what);

#endif

/* dp.c - see dp.h. Plain libcurl API only. */
#include "dp.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Event runs: consecutive callbacks of one kind are merged. */
enum { RUN_NONE, RUN_BODY, RUN_DEBUG };

/* A run keeps at most this many bytes for printing; the rest is counted
 * and hashed. */
#define RUN_KEEP 65536


void dp_fatal(const char *what) {
  printf("fatal: %s\n", what);
  fflush(stdout);
  exit(1);
}

uint64_t dp_hash(uint64_t h, const void *data, size_t len) {
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

void dp_start(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    dp_fatal("curl_global_init");
}

int dp_finish(void) {
  curl_global_cleanup();
  return 0;
}

const char *dp_url(const char *base, const char *path) {
  static char bufs[8][2048];
  static unsigned slot;
  char *b = bufs[slot++ % 8];
  snprintf(b, sizeof(bufs[0]), "%s%s", base, path);
  return b;
}

/* ---- escaped text ----------------------------------------------------- */

static void escape_to(FILE *f, const char *data, size_t len) {
  const unsigned char *p = (const unsigned char *)data;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = p[i];
    if (c == '\r')
      fputs("\\r", f);
    else if (c == '\n')
      fputs("\\n", f);
    else if (c == '\t')
      fputs("\\t", f);
    else if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20 || c >= 0x7f)
      fprintf(f, "\\x%02x", c);
    else
      fputc(c, f);
  }
}

void dp_print_escaped(const char *key, const char *data, size_t len) {
  printf("%s: \"", key);
  if (data != NULL)
    escape_to(stdout, data, len);
  printf("\"\n");
}

void dp_print_code(const char *key, CURLcode rc) {
  printf("%s: %d\n", key, (int)rc);
  printf("strerror: %d %s\n", (int)rc, curl_easy_strerror(rc));
}

void dp_print_mcode(const char *key, CURLMcode mc) {
  printf("%s: %d\n", key, (int)mc);
  printf("multi_strerror: %d %s\n", (int)mc, curl_multi_strerror(mc));
}

/* ---- the event log ---------------------------------------------------- */

static void events_append(dp_rec *r, const char *s, size_t n) {
  if (r->events_len + n + 1 > r->events_cap) {
    size_t cap = r->events_cap ? r->events_cap : 4096;
    char *p;
    while (cap < r->events_len + n + 1)
      cap *= 2;
    p = realloc(r->events, cap);
    if (p == NULL)
      dp_fatal("out of memory");
    r->events = p;
    r->events_cap = cap;
  }
  memcpy(r->events + r->events_len, s, n);
  r->events_len += n;
  r->events[r->events_len] = '\0';
}

static void events_printf(dp_rec *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void events_printf(dp_rec *r, const char *fmt, ...) {
  char line[512];
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n >= sizeof(line))
    n = (int)sizeof(line) - 1;
  events_append(r, line, (size_t)n);
}

/* "KEY: \"...\"\n" into the event log. */
static void events_escaped(dp_rec *r, const char *key, const char *data,
                           size_t len) {
  char *buf = NULL;
  size_t blen = 0;
  FILE *f = open_memstream(&buf, &blen);

  if (f == NULL)
    dp_fatal("open_memstream");
  fprintf(f, "%s: \"", key);
  escape_to(f, data, len);
  fprintf(f, "\"\n");
  fclose(f);
  events_append(r, buf, blen);
  free(buf);
}

static int printable(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if ((c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c >= 0x7f)
      return 0;
  }
  return 1;
}

/* Print the run being built into the event log, and end it. */
static void run_flush(dp_rec *r) {
  if (r->run_kind == RUN_NONE)
    return;
  if (r->run_kind == RUN_BODY || strncmp(r->run_type, "data", 4) == 0) {
    char key[64];
    snprintf(key, sizeof(key), "%s%s", r->run_kind == RUN_BODY ? "" : "debug.",
             r->run_kind == RUN_BODY ? "body" : r->run_type);
    if (!r->quiet_body && r->run_len <= 96 && r->run_len == r->run_buf_len &&
        printable(r->run_buf, r->run_buf_len))
      events_escaped(r, key, r->run_buf, r->run_buf_len);
    else
      events_printf(r, "%s: %zu bytes, fnv1a %016" PRIx64 "\n", key,
                    r->run_len, r->run_hash);
  } else {
    /* Header text: one line each. */
    char key[64];
    size_t start = 0;
    snprintf(key, sizeof(key), "debug.%s", r->run_type);
    for (size_t i = 0; i < r->run_buf_len; i++) {
      if (r->run_buf[i] == '\n') {
        events_escaped(r, key, r->run_buf + start, i + 1 - start);
        start = i + 1;
      }
    }
    if (start < r->run_buf_len)
      events_escaped(r, key, r->run_buf + start, r->run_buf_len - start);
    if (r->run_len > r->run_buf_len)
      events_printf(r, "%s: ... %zu bytes in all\n", key, r->run_len);
  }
  r->run_kind = RUN_NONE;
  r->run_len = 0;
  r->run_buf_len = 0;
}

static void run_add(dp_rec *r, int kind, const char *type, const char *data,
                    size_t len) {
  if (r->run_kind != kind ||
      (kind == RUN_DEBUG && strcmp(r->run_type, type) != 0)) {
    run_flush(r);
    r->run_kind = kind;
    r->run_hash = DP_HASH_INIT;
    snprintf(r->run_type, sizeof(r->run_type), "%s", type);
  }
  r->run_len += len;
  r->run_hash = dp_hash(r->run_hash, data, len);
  if (r->run_buf_len < RUN_KEEP) {
    size_t take = len;
    if (take > RUN_KEEP - r->run_buf_len)
      take = RUN_KEEP - r->run_buf_len;
    if (r->run_buf == NULL) {
      r->run_buf = malloc(RUN_KEEP);
      if (r->run_buf == NULL)
        dp_fatal("out of memory");
    }
    memcpy(r->run_buf + r->run_buf_len, data, take);
    r->run_buf_len += take;
  }
}

/* ---- callbacks -------------------------------------------------------- */

static size_t on_write(char *data, size_t size, size_t nmemb, void *userp) {
  dp_rec *r = userp;
  run_add(r, RUN_BODY, "body", data, size * nmemb);
  return size * nmemb;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp) {
  dp_rec *r = userp;
  run_flush(r);
  events_escaped(r, "header", data, size * nmemb);
  return size * nmemb;
}

static int on_debug(CURL *e, curl_infotype type, char *data, size_t size,
                    void *userp) {
  dp_rec *r = userp;
  const char *name;

  (void)e;
  switch (type) {
  case CURLINFO_HEADER_IN:
    name = "header_in";
    break;
  case CURLINFO_HEADER_OUT:
    name = "header_out";
    break;
  case CURLINFO_DATA_IN:
    name = "data_in";
    break;
  case CURLINFO_DATA_OUT:
    name = "data_out";
    break;
  default:
    return 0; /* TEXT is the library's own wording; SSL data is TLS's */
  }
  run_add(r, RUN_DEBUG, name, data, size);
  return 0;
}

static int on_progress(void *userp, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow) {
  dp_rec *r = userp;
  r->progress_calls++;
  r->last_dltotal = dltotal;
  r->last_dlnow = dlnow;
  r->last_ultotal = ultotal;
  r->last_ulnow = ulnow;
  return 0;
}

void dp_attach(CURL *e, dp_rec *rec) {
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, rec);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, rec);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, rec->errbuf);
  if (rec->debug) {
    curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(e, CURLOPT_DEBUGDATA, rec);
    curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
  }
  if (rec->progress) {
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, rec);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
  }
}

CURL *dp_easy(dp_rec *rec) {
  CURL *e = curl_easy_init();
  if (e == NULL)
    dp_fatal("curl_easy_init");
  dp_attach(e, rec);
  return e;
}

void dp_rec_reset(dp_rec *rec) {
  rec->events_len = 0;
  if (rec->events)
    rec->events[0] = '\0';
  rec->run_kind = RUN_NONE;
  rec->run_len = 0;
  rec->run_buf_len = 0;
  rec->progress_calls = 0;
  rec->last_dltotal = rec->last_dlnow = rec->last_ultotal = rec->last_ulnow = 0;
  rec->errbuf[0] = '\0';
}

void dp_rec_free(dp_rec *rec) {
  free(rec->events);
  free(rec->run_buf);
  rec->events = NULL;
  rec->run_buf = NULL;
  rec->events_len = rec->events_cap = 0;
  rec->run_buf_len = 0;
}

/* ---- info ------------------------------------------------------------- */

static void info_long(CURL *e, const char *name, CURLINFO info) {
  long v = -1;
  CURLcode rc = curl_easy_getinfo(e, info, &v);
  if (rc != CURLE_OK)
    printf("info.%s: error %d\n", name, (int)rc);
  else
    printf("info.%s: %ld\n", name, v);
}

static void info_off(CURL *e, const char *name, CURLINFO info) {
  curl_off_t v = -1;
  CURLcode rc = curl_easy_getinfo(e, info, &v);
  if (rc != CURLE_OK)
    printf("info.%s: error %d\n", name, (int)rc);
  else
    printf("info.%s: %" CURL_FORMAT_CURL_OFF_T "\n", name, v);
}

static void info_str(CURL *e, const char *name, CURLINFO info) {
  char *v = NULL;
  CURLcode rc = curl_easy_getinfo(e, info, &v);
  char key[64];
  if (rc != CURLE_OK) {
    printf("info.%s: error %d\n", name, (int)rc);
    return;
  }
  if (v == NULL) {
    printf("info.%s: (null)\n", name);
    return;
  }
  snprintf(key, sizeof(key), "info.%s", name);
  dp_print_escaped(key, v, strlen(v));
}

void dp_print_info(CURL *e, int no_request_size) {
  info_long(e, "response_code", CURLINFO_RESPONSE_CODE);
  info_long(e, "http_connectcode", CURLINFO_HTTP_CONNECTCODE);
  info_long(e, "http_version", CURLINFO_HTTP_VERSION);
  info_str(e, "content_type", CURLINFO_CONTENT_TYPE);
  info_str(e, "effective_url", CURLINFO_EFFECTIVE_URL);
  info_str(e, "effective_method", CURLINFO_EFFECTIVE_METHOD);
  info_long(e, "redirect_count", CURLINFO_REDIRECT_COUNT);
  info_str(e, "redirect_url", CURLINFO_REDIRECT_URL);
  info_off(e, "size_download", CURLINFO_SIZE_DOWNLOAD_T);
  info_off(e, "size_upload", CURLINFO_SIZE_UPLOAD_T);
  info_off(e, "content_length_download", CURLINFO_CONTENT_LENGTH_DOWNLOAD_T);
  info_off(e, "content_length_upload", CURLINFO_CONTENT_LENGTH_UPLOAD_T);
  info_long(e, "header_size", CURLINFO_HEADER_SIZE);
  if (!no_request_size)
    info_long(e, "request_size", CURLINFO_REQUEST_SIZE);
  info_long(e, "num_connects", CURLINFO_NUM_CONNECTS);
  info_str(e, "primary_ip", CURLINFO_PRIMARY_IP);
  info_long(e, "primary_port", CURLINFO_PRIMARY_PORT);
  info_str(e, "local_ip", CURLINFO_LOCAL_IP);
  info_str(e, "scheme", CURLINFO_SCHEME);
  info_long(e, "condition_unmet", CURLINFO_CONDITION_UNMET);
  info_long(e, "os_errno", CURLINFO_OS_ERRNO);
}

/* ---- a transfer ------------------------------------------------------- */

void dp_report(const char *label, CURL *e, CURLcode rc, dp_rec *rec) {
  run_flush(rec);
  printf("== %s\n", label);
  dp_print_code("result", rc);
  if (rec->errbuf[0])
    dp_print_escaped("errbuf", rec->errbuf, strlen(rec->errbuf));
  if (rec->events_len)
    fwrite(rec->events, 1, rec->events_len, stdout);
  if (rec->progress)
    printf("progress.last: called=%s dltotal=%" CURL_FORMAT_CURL_OFF_T
           " dlnow=%" CURL_FORMAT_CURL_OFF_T " ultotal=%" CURL_FORMAT_CURL_OFF_T
           " ulnow=%" CURL_FORMAT_CURL_OFF_T "\n",
           rec->progress_calls ? "yes" : "no", rec->last_dltotal,
           rec->last_dlnow, rec->last_ultotal, rec->last_ulnow);
  dp_print_info(e, rec->no_request_size);
  dp_rec_reset(rec);
}

CURLcode dp_perform(const char *label, CURL *e, dp_rec *rec) {
  CURLcode rc;

  dp_rec_reset(rec);
  rc = curl_easy_perform(e);
  dp_report(label, e, rc, rec);
  return rc;
}

/* Partial and conditional requests. See partial.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "alloc.h"
#include "h1.h"
#include "cookie.h"
#include "multidef.h"
#include "mime.h"
#include "partial.h"

int ferry__partial_http_date(int64_t t, char *out, size_t n) {
  static const char wkday[7][4] = {"Sun", "Mon", "Tue", "Wed",
                                   "Thu", "Fri", "Sat"};
  static const char month[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t tt = (time_t)t;
  struct tm tm;

  if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL)
    return -1;
  /* libcurl's format: the year as %4d */
  snprintf(out, n, "%s, %02d %s %4d %02d:%02d:%02d GMT", wkday[tm.tm_wday],
           tm.tm_mday, month[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
           tm.tm_min, tm.tm_sec);
  return 0;
}

/* The Range or Content-Range line of the hop, or NULL (none wanted, or out
 * of memory: *oom). */
static char *range_line(ferry_easy *e, int *oom) {
  char num[96];
  const char *name, *pre, *value, *post = "";
  ferry_off_t len = e->stream.body_len >= 0 ? e->stream.body_len : -1; /* -1: unknown */
  size_t n;
  char *out;

  *oom = 0;
  if (e->stream.body_len == -1) {
    /* GET or HEAD; a resume from -1 ("the end") means nothing here */
    name = "Range";
    pre = "Range: bytes=";
    if (e->resume_from > 0) {
      snprintf(num, sizeof(num), "%" PRId64 "-", (int64_t)e->resume_from);
      value = num;
    } else if (e->set.range) {
      value = e->set.range;
    } else {
      return NULL;
    }
  } else {
    /* POST or PUT: which part of the whole the body is */
    name = "Content-Range";
    pre = "Content-Range: bytes ";
    if (e->set.resume_from < 0) {
      snprintf(num, sizeof(num), "0-%" PRId64 "/%" PRId64, (int64_t)(len - 1),
               (int64_t)len);
      value = num;
    } else if (e->resume_from > 0) {
      ferry_off_t total = e->resume_from + len;
      snprintf(num, sizeof(num), "%" PRId64 "-%" PRId64 "/%" PRId64,
               (int64_t)e->resume_from, (int64_t)(total - 1), (int64_t)total);
      value = num;
    } else if (e->set.range) {
      value = e->set.range;
      snprintf(num, sizeof(num), "/%" PRId64, (int64_t)len);
      post = num;
    } else {
      return NULL;
    }
  }
  /* never let a line break into the request */
  if (ferry__h1_user_sets_header(e->set.httpheader, name) || strpbrk(value, "\r\n"))
    return NULL;
  n = strlen(pre) + strlen(value) + strlen(post) + 1;
  out = ferry__malloc(n);
  if (out == NULL) {
    *oom = 1;
    return NULL;
  }
  snprintf(out, n, "%s%s%s", pre, value, post);
  return out;
}

ferry_code ferry__partial_request(ferry_easy *e, char **range_out,
                                  char **cond_out) {
  static const char *const cond_names[] = {NULL, "If-Modified-Since",
                                           "If-Unmodified-Since",
                                           "Last-Modified"};
  int oom = 0;

  *range_out = *cond_out = NULL;
  e->resume_from = e->set.resume_from > 0 ? e->set.resume_from : 0;
  e->range_asked = e->resume_from > 0 || e->set.range != NULL;
  e->timecond_unmet = 0;
  e->skip_body = 0;
  e->content_range_ok = 0;
  e->last_modified = 0;
  e->upload_skip = 0;
  if (e->stream.body_len != -1 && e->resume_from > 0) {
    /* resuming an upload: the first resume_from bytes of the body stay
     * behind, as with libcurl's readers */
    if (e->stream.body != NULL) {
      if (e->resume_from > e->stream.body_len) {
        snprintf(e->errtext, sizeof(e->errtext),
                 "Unable to resume from offset %" PRId64,
                 (int64_t)e->resume_from);
        return FERRYE_READ_ERROR;
      }
      e->stream.body += e->resume_from;
      e->stream.body_len -= e->resume_from;
    } else {
      e->upload_skip = e->resume_from;
      if (e->stream.body_len >= 0 && (e->stream.body_len -= e->resume_from) <= 0) {
        snprintf(e->errtext, sizeof(e->errtext),
                 "File already completely uploaded");
        return FERRYE_PARTIAL_FILE;
      }
    }
  }
  if (e->range_asked || (e->set.resume_from < 0 && e->stream.body_len != -1)) {
    *range_out = range_line(e, &oom);
    if (oom)
      return FERRYE_OUT_OF_MEMORY;
  }
  if (e->set.timecondition != FERRY_TIMECOND_NONE) {
    const char *name = cond_names[e->set.timecondition];
    char date[64];
    if (!ferry__h1_user_sets_header(e->set.httpheader, name)) {
      size_t n;
      if (ferry__partial_http_date(e->set.timevalue, date, sizeof(date)) != 0) {
        snprintf(e->errtext, sizeof(e->errtext), "Invalid TIMEVALUE");
        ferry__free(*range_out);
        *range_out = NULL;
        return FERRYE_BAD_FUNCTION_ARGUMENT;
      }
      n = strlen(name) + strlen(date) + 3;
      *cond_out = ferry__malloc(n);
      if (*cond_out == NULL) {
        ferry__free(*range_out);
        *range_out = NULL;
        return FERRYE_OUT_OF_MEMORY;
      }
      snprintf(*cond_out, n, "%s: %s", name, date);
    }
  }
  return FERRYE_OK;
}

ferry_code ferry__partial_skip_upload(ferry_easy *e) {
  ferry_multi *m = e->multi;
  ferry_off_t offset = e->upload_skip, passed = 0;

  e->upload_skip = 0;
  /* a form (mime.c) rewinds only to its start: it is read and dropped */
  if (e->set.seekfn != NULL && e->upload_mime == NULL) {
    long rc;
    FERRY__CALLBACK_ENTER(m);
    rc = e->set.seekfn(e->set.seekdata, offset, SEEK_SET);
    FERRY__CALLBACK_LEAVE(m);
    if (rc == FERRY_SEEKFUNC_OK)
      return FERRYE_OK;
    if (rc != FERRY_SEEKFUNC_CANTSEEK) {
      snprintf(e->errtext, sizeof(e->errtext), "Could not seek stream");
      return FERRYE_READ_ERROR;
    }
  }
  /* no seeking: read the bytes and drop them */
  while (passed < offset) {
    char scratch[4096];
    size_t want = offset - passed > (ferry_off_t)sizeof(scratch)
                      ? sizeof(scratch)
                      : (size_t)(offset - passed),
           got;
    if (e->upload_mime != NULL) {
      FERRY__CALLBACK_ENTER(m);
      got = ferry__mime_read(scratch, 1, want, e->upload_mime);
      FERRY__CALLBACK_LEAVE(m);
    } else if (e->set.readfn != NULL) {
      FERRY__CALLBACK_ENTER(m);
      got = e->set.readfn(scratch, 1, want, e->set.readdata);
      FERRY__CALLBACK_LEAVE(m);
    } else {
      got = fread(scratch, 1, want,
                  e->set.readdata ? (FILE *)e->set.readdata : stdin);
    }
    passed += (ferry_off_t)got;
    /* more than asked covers ABORT and PAUSE too */
    if (got == 0 || got > want) {
      snprintf(e->errtext, sizeof(e->errtext),
               "Could only read %" PRId64 " bytes from the input",
               (int64_t)passed);
      return FERRYE_READ_ERROR;
    }
  }
  return FERRYE_OK;
}

/* "Name:" at the start of a raw header line, in any case? */
static int header_is(const char *line, size_t len, const char *name) {
  size_t n = strlen(name);
  return len > n && strncasecmp(line, name, n) == 0;
}

void ferry__partial_header(ferry_easy *e, const char *line, size_t len) {
  if (len > 12 && memcmp(line, "HTTP/", 5) == 0) {
    /* a new response: "HTTP/1.1 206 ..." */
    const char *sp = memchr(line, ' ', len);
    int status = 0;
    if (sp != NULL)
      for (sp++; sp < line + len && *sp >= '0' && *sp <= '9'; sp++)
        status = status * 10 + (*sp - '0');
    e->partial_status = status;
    e->content_range_ok = 0;
    e->last_modified = 0;
    return;
  }
  if ((line[0] | 0x20) == 'c' && header_is(line, len, "Content-Range:")) {
    /* "bytes 5-9/10", "bytes: 5-", "5-", "bytes *\/10": libcurl looks for
     * the first digit or '*' */
    const char *p = line + 14, *end = line + len;
    while (p < end && !(*p >= '0' && *p <= '9') && *p != '*')
      p++;
    if (p < end && *p >= '0' && *p <= '9') {
      int64_t v = 0;
      for (; p < end && *p >= '0' && *p <= '9'; p++) {
        if (v > (INT64_MAX - 9) / 10)
          return; /* no such offset was asked for */
        v = v * 10 + (*p - '0');
      }
      if (v == e->resume_from)
        e->content_range_ok = 1;
    } else if (e->partial_status < 300) {
      e->resume_from = 0; /* the server sends it all */
    }
    return;
  }
  if ((line[0] | 0x20) == 'l' && e->partial_status >= 200 &&
      e->set.timecondition != FERRY_TIMECOND_NONE &&
      header_is(line, len, "Last-Modified:")) {
    int64_t t;
    /* one that does not parse counts as none */
    if (ferry__cookie_parse_date(line + 14, len - 14, &t) == 0)
      e->last_modified = t;
  }
}

/* Does the document's time meet TIMECONDITION? (libcurl's
 * Curl_meets_timecondition: LASTMOD is checked like IFMODSINCE.) */
static int meets_timecondition(const ferry_easy *e) {
  if (e->last_modified == 0 || e->set.timevalue == 0)
    return 1;
  if (e->set.timecondition == FERRY_TIMECOND_IFUNMODSINCE)
    return e->last_modified < e->set.timevalue;
  return e->last_modified > e->set.timevalue;
}

ferry_code ferry__partial_check(ferry_easy *e, int status, int *stop) {
  int get = e->stream.body_len == -1 && !e->stream.is_head;

  *stop = 0;
  if (status == 304 && e->set.timecondition != FERRY_TIMECOND_NONE)
    e->timecond_unmet = 1;
  if (e->resume_from > 0 && get) {
    if (status == 416) {
      /* "Requested Range Not Satisfiable": nothing more to get */
      e->skip_body = 1;
      return FERRYE_OK;
    }
    if (!e->content_range_ok) {
      if (e->content_length == e->resume_from) {
        /* the whole document is as long as what we have */
        *stop = 1;
        return FERRYE_OK;
      }
      snprintf(e->errtext, sizeof(e->errtext),
               "HTTP server does not seem to support byte ranges. Cannot "
               "resume.");
      return FERRYE_RANGE_ERROR;
    }
  }
  if (e->set.timecondition != FERRY_TIMECOND_NONE && !e->range_asked &&
      !meets_timecondition(e)) {
    /* as if the server had said 304 */
    e->response_code = 304;
    e->timecond_unmet = 1;
    *stop = 1;
  }
  return FERRYE_OK;
}

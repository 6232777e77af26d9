/* report.c - what ferry-get shows on stderr.
 *
 * On a terminal (live mode) the bottom of the screen is redrawn about ten
 * times a second: one line per transfer in flight (name, bytes, a bar, the
 * percentage, rate and ETA when the Content-Length is known) and an
 * aggregate line. Failures and retries scroll up above it. Elsewhere
 * (plain mode) each finished transfer gets one line. Both end with the
 * summary and the list of failures; -q keeps only the failures.
 *
 * Sizes and rates use decimal units: 1 MB = 1,000,000 bytes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <unistd.h>

#include <uv.h>

#include "ferry-get.h"

#define BAR_WIDTH 20
#define NAME_WIDTH 40
#define RATE_SAMPLES 11 /* ~1 s of 100 ms ticks */
#define LIVE_LINES 16   /* transfer lines at most */

typedef struct frame {
  char *buf;
  size_t len, cap;
} frame;

static struct {
  int live;
  int quiet;
  int drawn;           /* lines of the live view now on screen */
  uint64_t sample_ms[RATE_SAMPLES];
  double sample_bytes[RATE_SAMPLES];
  unsigned nsamples, next_sample;
  double rate;         /* bytes per second over the last second */
  frame fr;
} rep;

/* Milliseconds on uv_hrtime's clock, which slot->started_ms also uses. */
static uint64_t now_ms(void) { return uv_hrtime() / 1000000; }

/* ---- formatting ---- */

const char *report_fmt_bytes(char *buf, size_t size, double b) {
  static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
  unsigned u = 0;
  while (b >= 1000.0 && u < 4) {
    b /= 1000.0;
    u++;
  }
  if (u == 0)
    snprintf(buf, size, "%.0f B", b);
  else
    snprintf(buf, size, "%.*f %s", b < 10 ? 2 : b < 100 ? 1 : 0, b, units[u]);
  return buf;
}

/* "0.4 s", "12 s", "3:07", "1:02:03" */
static const char *fmt_duration(char *buf, size_t size, double secs) {
  unsigned long s = secs < 0 ? 0 : (unsigned long)(secs + 0.5);
  if (secs < 9.95)
    snprintf(buf, size, "%.1f s", secs < 0 ? 0 : secs);
  else if (s < 60)
    snprintf(buf, size, "%lu s", s);
  else if (s < 3600)
    snprintf(buf, size, "%lu:%02lu", s / 60, s % 60);
  else
    snprintf(buf, size, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
  return buf;
}

static const char *fmt_ms(char *buf, size_t size, double us) {
  double ms = us / 1000.0;
  snprintf(buf, size, ms < 10 ? "%.2f ms" : ms < 1000 ? "%.1f ms" : "%.0f ms",
           ms);
  return buf;
}

/* The name a job is shown under: its output file, else its URL's last
 * segment, else the URL. */
static void display_name(char *buf, size_t size, const job *j) {
  size_t len;
  const char *seg;
  if (j->name != NULL) {
    snprintf(buf, size, "%s", j->name);
    return;
  }
  seg = names_last_segment(j->url, &len);
  if (len == 0)
    snprintf(buf, size, "%s", j->url);
  else
    snprintf(buf, size, "%.*s", (int)len, seg);
}

/* Cut s to at most width columns (ASCII), marking the cut with "..". */
static void fit(char *s, size_t width) {
  if (strlen(s) > width && width >= 2) {
    s[width - 2] = '.';
    s[width - 1] = '.';
    s[width] = '\0';
  }
}

/* ---- the live view ---- */

static void frame_add(frame *fr, const char *fmt, ...) {
  va_list ap;
  int n;
  for (;;) {
    size_t room = fr->cap - fr->len;
    va_start(ap, fmt);
    n = vsnprintf(fr->buf ? fr->buf + fr->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0)
      return;
    if ((size_t)n < room) {
      fr->len += (size_t)n;
      return;
    }
    size_t cap = fr->cap ? fr->cap * 2 : 4096;
    while (cap < fr->len + (size_t)n + 1)
      cap *= 2;
    char *nb = realloc(fr->buf, cap);
    if (nb == NULL)
      return; /* drop this piece of the frame */
    fr->buf = nb;
    fr->cap = cap;
  }
}

static void frame_flush(frame *fr) {
  size_t off = 0;
  while (off < fr->len) {
    ssize_t n = write(STDERR_FILENO, fr->buf + off, fr->len - off);
    if (n <= 0)
      break;
    off += (size_t)n;
  }
  fr->len = 0;
}

/* Move to the top of the live view and clear it. */
static void frame_erase(frame *fr) {
  if (rep.drawn > 0)
    frame_add(fr, "\r\033[%dA", rep.drawn);
  frame_add(fr, "\r\033[J");
  rep.drawn = 0;
}

static void terminal_size(int *cols, int *rows) {
  struct winsize ws;
  *cols = 80;
  *rows = 24;
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0) {
    if (ws.ws_col > 0)
      *cols = ws.ws_col;
    if (ws.ws_row > 0)
      *rows = ws.ws_row;
  }
}

/* Add one line, cut to the terminal width so that it never wraps (a
 * wrapped line would throw the line count off). */
static void frame_line(frame *fr, int cols, const char *text) {
  frame_add(fr, "%.*s\033[K\n", cols > 1 ? cols - 1 : 1, text);
  rep.drawn++;
}

/* A transfer's line is
 *   " NAME GOT/TOTAL [BAR] PCT RATE/s ETA m:ss"
 * The name column is as wide as the longest name shown (at most what the
 * fixed columns leave minus a small bar); the bar takes the rest, up to
 * BAR_WIDTH. */
#define FIXED_COLUMNS 51
static void widths(int cols, int longest_name, int *name_w, int *bar_w) {
  int room = cols - 1 - FIXED_COLUMNS;
  *name_w = longest_name;
  if (*name_w > room - 8)
    *name_w = room - 8;
  if (*name_w > NAME_WIDTH)
    *name_w = NAME_WIDTH;
  if (*name_w < 8)
    *name_w = 8;
  *bar_w = room - *name_w;
  if (*bar_w > BAR_WIDTH)
    *bar_w = BAR_WIDTH;
  if (*bar_w < 4)
    *bar_w = 4;
}

static void slot_line(char *line, size_t size, const slot *s, uint64_t now,
                      int name_w, int bar_w) {
  char name[300], got[32], total[32], rate[32], eta[32];
  char bar[BAR_WIDTH + 1];
  ferry_off_t cl = -1;
  double secs = (double)(now - s->started_ms) / 1000.0;
  double bps = secs > 0.001 ? (double)s->bytes / secs : 0;

  display_name(name, sizeof(name), s->job);
  fit(name, (size_t)name_w);
  ferry_easy_getinfo(s->easy, FERRYINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
  report_fmt_bytes(got, sizeof(got), (double)s->bytes);
  report_fmt_bytes(rate, sizeof(rate), bps);
  if (cl > 0) {
    double frac = (double)s->bytes / (double)cl;
    int fill;
    if (frac > 1)
      frac = 1;
    fill = (int)(frac * bar_w);
    memset(bar, '#', (size_t)fill);
    memset(bar + fill, '-', (size_t)(bar_w - fill));
    bar[bar_w] = '\0';
    report_fmt_bytes(total, sizeof(total), (double)cl);
    if (bps > 0)
      fmt_duration(eta, sizeof(eta), (double)(cl - s->bytes) / bps);
    else
      snprintf(eta, sizeof(eta), "-");
    snprintf(line, size, " %-*s %8s/%-8s [%s] %3d%% %9s/s ETA %s", name_w,
             name, got, total, bar, (int)(frac * 100), rate, eta);
  } else if (s->bytes == 0) {
    snprintf(line, size, " %-*s %8s", name_w, name, "waiting for the reply");
  } else {
    snprintf(line, size, " %-*s %8s %-8s  %-*s       %9s/s", name_w, name, got,
             "", bar_w, "", rate);
  }
}

static double bytes_so_far(const fg_state *st) {
  double b = (double)st->bytes_done;
  for (int i = 0; i < st->nslots; i++)
    if (st->slots[i].job != NULL)
      b += (double)st->slots[i].bytes;
  return b;
}

/* Bytes per second over the last second of ticks. */
static double recent_rate(uint64_t now, double bytes) {
  unsigned oldest;
  double rate = 0;
  if (rep.nsamples > 0) {
    oldest = rep.nsamples < RATE_SAMPLES ? 0 : rep.next_sample;
    if (now > rep.sample_ms[oldest])
      rate = (bytes - rep.sample_bytes[oldest]) * 1000.0 /
             (double)(now - rep.sample_ms[oldest]);
  }
  rep.sample_ms[rep.next_sample] = now;
  rep.sample_bytes[rep.next_sample] = bytes;
  rep.next_sample = (rep.next_sample + 1) % RATE_SAMPLES;
  if (rep.nsamples < RATE_SAMPLES)
    rep.nsamples++;
  return rate < 0 ? 0 : rate;
}

static void draw(fg_state *st, uint64_t now, int sample) {
  char line[512], got[32], rate[32], el[32], retrying[64];
  int cols, rows, shown = 0, active = 0, room, longest = 0, name_w, bar_w;
  double bytes = bytes_so_far(st);

  terminal_size(&cols, &rows);
  frame_erase(&rep.fr);
  for (int i = 0; i < st->nslots; i++)
    if (st->slots[i].job != NULL) {
      char name[300];
      int len;
      display_name(name, sizeof(name), st->slots[i].job);
      len = (int)strlen(name);
      longest = len > longest ? len : longest;
      active++;
    }
  widths(cols, longest, &name_w, &bar_w);
  /* at most LIVE_LINES transfer lines, fewer on a short terminal, so that
   * what was printed before the live view stays in sight */
  room = rows - 3 < LIVE_LINES ? rows - 3 : LIVE_LINES;
  if (room < 2)
    room = 2;
  /* transfers that are receiving first, then those waiting for a reply */
  for (int pass = 0; pass < 2 && shown < active; pass++)
    for (int i = 0; i < st->nslots && shown < active; i++) {
      const slot *s = &st->slots[i];
      if (s->job == NULL || (s->bytes > 0) != (pass == 0))
        continue;
      if (shown == room - 1 && active > room) {
        snprintf(line, sizeof(line), " ... and %d more", active - shown);
        frame_line(&rep.fr, cols, line);
        shown = active;
        break;
      }
      slot_line(line, sizeof(line), s, now, name_w, bar_w);
      frame_line(&rep.fr, cols, line);
      shown++;
    }
  if (sample)
    rep.rate = recent_rate(now, bytes);
  report_fmt_bytes(got, sizeof(got), bytes);
  report_fmt_bytes(rate, sizeof(rate), rep.rate);
  fmt_duration(el, sizeof(el), (double)(uv_hrtime() - st->start_ns) / 1e9);
  snprintf(retrying, sizeof(retrying), ", %zu waiting to retry", st->nbackoff);
  {
    /* the aggregate bar: files finished (done or failed) of all */
    char all[BAR_WIDTH + 1];
    size_t ended = st->ndone + st->nfailed;
    int fill = st->njobs ? (int)((double)ended / (double)st->njobs * bar_w) : 0;
    if (fill > bar_w)
      fill = bar_w;
    memset(all, '#', (size_t)fill);
    memset(all + fill, '-', (size_t)(bar_w - fill));
    all[bar_w] = '\0';
    snprintf(line, sizeof(line), "[%s] %zu/%zu done, %zu failed, %d active%s | "
                                 "%s | %s/s | %s",
             all, st->ndone, st->njobs, st->nfailed, active,
             st->nbackoff ? retrying : "", got, rate, el);
  }
  frame_line(&rep.fr, cols, line);
  frame_flush(&rep.fr);
}

/* ---- the interface ---- */

int report_is_live(const fg_state *st) {
  (void)st;
  return rep.live;
}

void report_start(fg_state *st) {
  memset(&rep, 0, sizeof(rep));
  rep.quiet = st->cfg->quiet;
  /* live only on a terminal, and not when the body goes to it too */
  rep.live = !rep.quiet && isatty(STDERR_FILENO) &&
             !(st->cfg->outdir == NULL && isatty(STDOUT_FILENO));
  if (rep.live) {
    frame_add(&rep.fr, "\033[?25l"); /* hide the cursor while drawing */
    frame_flush(&rep.fr);
  }
}

void report_tick(fg_state *st) {
  if (rep.live)
    draw(st, now_ms(), 1);
}

/* A line that scrolls up above the live view (or is just printed). */
static void log_line(fg_state *st, const char *text) {
  if (!rep.live) {
    fprintf(stderr, "%s\n", text);
    return;
  }
  frame_erase(&rep.fr);
  frame_add(&rep.fr, "%s\n", text);
  frame_flush(&rep.fr);
  draw(st, now_ms(), 0);
}

void report_finished(fg_state *st, const job *j) {
  char name[300], size[32], ms[32], line[1024 + FERRY_ERROR_SIZE];

  if (rep.quiet)
    return;
  display_name(name, sizeof(name), j);
  if (j->state == JOB_DONE) {
    if (rep.live)
      return; /* the aggregate line counts it */
    snprintf(line, sizeof(line), "done  %s  %s  %s", name,
             report_fmt_bytes(size, sizeof(size), (double)j->bytes),
             fmt_ms(ms, sizeof(ms), (double)j->total_us));
  } else {
    snprintf(line, sizeof(line), "FAIL  %s  %s  %s", name,
             j->error ? j->error : "failed", j->url);
  }
  log_line(st, line);
}

void report_retry(fg_state *st, const job *j, uint64_t delay_ms) {
  char name[300], line[1024 + FERRY_ERROR_SIZE];

  if (rep.quiet)
    return;
  display_name(name, sizeof(name), j);
  snprintf(line, sizeof(line), "retry %s in %.2f s (attempt %d of %d failed): %s",
           name, (double)delay_ms / 1000.0, j->attempts,
           st->cfg->retries + 1, j->error ? j->error : "failed");
  log_line(st, line);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[0..n). */
static int64_t percentile(const int64_t *v, size_t n, double p) {
  size_t rank = (size_t)(p * (double)n + 0.999999);
  if (rank < 1)
    rank = 1;
  if (rank > n)
    rank = n;
  return v[rank - 1];
}

static void print_summary(const fg_state *st) {
  double secs = (double)(st->end_ns - st->start_ns) / 1e9;
  char total[32], rate[32], p50[32], p99[32];
  int64_t *times = malloc((st->ndone ? st->ndone : 1) * sizeof(*times));
  size_t n = 0;

  if (secs <= 0)
    secs = 1e-9;
  for (size_t i = 0; i < st->njobs && times != NULL; i++)
    if (st->jobs[i].state == JOB_DONE)
      times[n++] = st->jobs[i].total_us;
  fprintf(stderr, "%zu done, %zu failed: %lld bytes (%s) in %.2f s, %.1f "
                  "transfers/s, %s/s\n",
          st->ndone, st->nfailed, (long long)st->bytes_done,
          report_fmt_bytes(total, sizeof(total), (double)st->bytes_done), secs,
          (double)st->ndone / secs,
          report_fmt_bytes(rate, sizeof(rate), (double)st->bytes_done / secs));
  if (n > 0) {
    qsort(times, n, sizeof(*times), cmp_i64);
    fprintf(stderr, "time per transfer p50 %s, p99 %s; ",
            fmt_ms(p50, sizeof(p50), (double)percentile(times, n, 0.50)),
            fmt_ms(p99, sizeof(p99), (double)percentile(times, n, 0.99)));
  }
  fprintf(stderr, "%ld connection%s opened", st->connects,
          st->connects == 1 ? "" : "s");
  if (st->h2_streams > 0)
    fprintf(stderr, ", %ld HTTP/2 stream%s", st->h2_streams,
            st->h2_streams == 1 ? "" : "s");
  if (st->h1_requests > 0)
    fprintf(stderr, "%s %ld HTTP/1 request%s", st->h2_streams ? " and" : ",",
            st->h1_requests, st->h1_requests == 1 ? "" : "s");
  fprintf(stderr, "\n");
  free(times);
}

void report_end(fg_state *st) {
  size_t unfinished = st->njobs - st->ndone - st->nfailed;

  if (rep.live) {
    frame_erase(&rep.fr);
    frame_add(&rep.fr, "\033[?25h");
    frame_flush(&rep.fr);
  }
  free(rep.fr.buf);
  rep.fr.buf = NULL;
  rep.fr.cap = 0;
  rep.live = 0;

  if (st->interrupted)
    fprintf(stderr, FG_NAME ": interrupted (%s): %zu transfer%s not finished\n",
            st->interrupted == SIGINT ? "SIGINT" : "SIGTERM", unfinished,
            unfinished == 1 ? "" : "s");
  if (!rep.quiet)
    print_summary(st);
  if (st->nfailed > 0) {
    fprintf(stderr, "%zu failed:\n", st->nfailed);
    for (size_t i = 0; i < st->njobs; i++) {
      const job *j = &st->jobs[i];
      if (j->state == JOB_FAILED)
        fprintf(stderr, "  %s  %s\n", j->url, j->error ? j->error : "failed");
    }
  }
}

/* fetch.c - ferry-get's transfers on one libuv loop.
 *
 * One multi runs on the loop in libuv mode (ferry_multi_use_loop). There
 * are -P slots, each with an easy handle made once from a template and
 * reused for URL after URL, so the multi's pool hands the next URL the
 * connection the last one left. The notify callback reaps finished
 * transfers and starts the next ones. A uv_timer redraws the progress, a
 * second one wakes transfers that wait out their retry back-off, and
 * uv_signal handles catch SIGINT and SIGTERM.
 *
 * Teardown never runs inside a ferry callback: the last reap (or a signal)
 * arms a 0 ms timer, and its callback removes the handles, closes our uv
 * handles and calls ferry_multi_close, after which uv_run returns.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "ferry-get.h"
#include "ferry_uv.h"

#define TICK_MS 100
#define BACKOFF_FIRST_MS 250
#define BACKOFF_MAX_MS 30000

typedef struct fetch {
  fg_state st;
  uv_loop_t loop;
  ferry_multi *multi;
  ferry_easy *template_easy;
  char template_errbuf[FERRY_ERROR_SIZE];
  uv_timer_t tick;    /* progress redraw (live mode only) */
  uv_timer_t wake;    /* end of the earliest back-off, or teardown */
  uv_signal_t sigint, sigterm;
  int dirfd;          /* the -o directory, -1 for stdout */
  size_t next_job;    /* the first job not started yet */
  job **waiting;      /* jobs in JOB_BACKOFF */
  size_t nwaiting;
  int active;         /* slots with a job */
  int tearing_down;
  int multi_closed;
  uint64_t rng;
} fetch;

static void teardown_soon(fetch *f);

/* ---- output ---- */

static int open_output(fetch *f, slot *s) {
  if (f->dirfd < 0) {
    s->fd = STDOUT_FILENO;
    return 0;
  }
  /* O_NOFOLLOW: a symlink planted in the directory is not written through */
  s->fd = openat(f->dirfd, s->job->name,
                 O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (s->fd < 0) {
    s->write_errno = errno;
    return -1;
  }
  return 0;
}

/* Close the output; when the attempt failed, remove what it wrote. */
static void close_output(fetch *f, slot *s, int keep) {
  if (f->dirfd < 0 || s->fd < 0) {
    s->fd = -1;
    return;
  }
  if (close(s->fd) != 0 && keep && s->write_errno == 0)
    s->write_errno = errno;
  s->fd = -1;
  if (!keep || s->write_errno != 0)
    unlinkat(f->dirfd, s->job->name, 0);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata) {
  slot *s = userdata;
  fetch *f = (fetch *)s->st;
  size_t len = size * nmemb, off = 0;

  if (s->fd < 0 && open_output(f, s) != 0)
    return 0; /* ferry fails the transfer with FERRYE_WRITE_ERROR */
  while (off < len) {
    ssize_t n = write(s->fd, data + off, len - off);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      s->write_errno = errno;
      return 0;
    }
    off += (size_t)n;
  }
  s->bytes += (ferry_off_t)len;
  return len;
}

/* ---- retries ---- */

static int is_retryable(ferry_code rc, long http_code) {
  switch (rc) {
  case FERRYE_COULDNT_CONNECT:
  case FERRYE_OPERATION_TIMEDOUT:
  case FERRYE_RECV_ERROR:
  case FERRYE_SEND_ERROR:
  case FERRYE_GOT_NOTHING:
  case FERRYE_PARTIAL_FILE:
    return 1;
  case FERRYE_HTTP_RETURNED_ERROR:
    return http_code >= 500 || http_code == 429;
  default:
    return 0;
  }
}

static uint64_t next_random(fetch *f) {
  /* xorshift64*, seeded from the clock and pid */
  f->rng ^= f->rng >> 12;
  f->rng ^= f->rng << 25;
  f->rng ^= f->rng >> 27;
  return f->rng * 2685821657736338717ull;
}

/* Back-off before attempt n+1 after n failed ones: 250 ms doubling up to
 * 30 s, jittered to between half and all of that. */
static uint64_t backoff_ms(fetch *f, int attempts) {
  uint64_t base = BACKOFF_FIRST_MS;
  for (int i = 1; i < attempts && base < BACKOFF_MAX_MS; i++)
    base *= 2;
  if (base > BACKOFF_MAX_MS)
    base = BACKOFF_MAX_MS;
  return base / 2 + next_random(f) % (base / 2 + 1);
}

/* The waiting job whose back-off ends first, or NULL. */
static size_t earliest_waiting(const fetch *f) {
  size_t best = 0;
  for (size_t i = 1; i < f->nwaiting; i++)
    if (f->waiting[i]->retry_at < f->waiting[best]->retry_at)
      best = i;
  return best;
}

/* ---- starting and reaping transfers ---- */

static void on_wake(uv_timer_t *t);

static void fail_job(fetch *f, job *j, const char *why) {
  free(j->error);
  j->error = strdup(why ? why : "failed");
  j->state = JOB_FAILED;
  f->st.nfailed++;
  report_finished(&f->st, j);
}

static void start_job(fetch *f, slot *s, job *j) {
  ferry_code rc;
  ferry_mcode mc;

  s->job = j;
  s->fd = -1;
  s->write_errno = 0;
  s->bytes = 0;
  s->errbuf[0] = '\0';
  s->started_ms = uv_hrtime() / 1000000;
  j->state = JOB_RUNNING;
  j->attempts++;
  rc = ferry_easy_setopt(s->easy, FERRYOPT_URL, j->url);
  if (rc != FERRYE_OK) {
    s->job = NULL;
    fail_job(f, j, s->errbuf[0] ? s->errbuf : ferry_easy_strerror(rc));
    return;
  }
  mc = ferry_multi_add_handle(f->multi, s->easy);
  if (mc != FERRYM_OK) {
    s->job = NULL;
    fail_job(f, j, ferry_multi_strerror(mc));
    return;
  }
  f->active++;
}

/* The next job to start now: a retry whose back-off is over, else the
 * next job never started. NULL when none is ready. */
static job *next_ready_job(fetch *f) {
  if (f->nwaiting > 0) {
    size_t i = earliest_waiting(f);
    if (f->waiting[i]->retry_at <= uv_now(&f->loop)) {
      job *j = f->waiting[i];
      f->waiting[i] = f->waiting[--f->nwaiting];
      f->st.nbackoff--;
      return j;
    }
  }
  while (f->next_job < f->st.njobs) {
    job *j = &f->st.jobs[f->next_job++];
    if (j->state == JOB_QUEUED)
      return j;
  }
  return NULL;
}

static int all_finished(const fetch *f) {
  return f->active == 0 && f->nwaiting == 0 && f->next_job >= f->st.njobs;
}

/* Put ready jobs into free slots; arm the wake timer for the earliest
 * back-off if a slot is still free; tear down when nothing is left. */
static void fill_slots(fetch *f) {
  if (f->tearing_down)
    return;
  for (int i = 0; i < f->st.nslots; i++) {
    slot *s = &f->st.slots[i];
    job *j;
    /* start_job may fail the job at once: try the next one then */
    while (s->job == NULL && (j = next_ready_job(f)) != NULL)
      start_job(f, s, j);
  }
  if (all_finished(f)) {
    teardown_soon(f);
    return;
  }
  if (f->nwaiting > 0 && f->active < f->st.nslots) {
    uint64_t now = uv_now(&f->loop);
    uint64_t at = f->waiting[earliest_waiting(f)]->retry_at;
    uv_timer_start(&f->wake, on_wake, at > now ? at - now : 0, 0);
  }
}

/* Turn a failed attempt into an error text for the job. */
static void attempt_error(fetch *f, const slot *s, const job *j,
                          ferry_code rc, char *buf, size_t size) {
  const char *detail = s->errbuf[0] ? s->errbuf : ferry_easy_strerror(rc);
  if (s->write_errno != 0) {
    if (f->dirfd < 0)
      snprintf(buf, size, "writing stdout: %s", strerror(s->write_errno));
    else
      snprintf(buf, size, "writing %s/%s: %s", f->st.cfg->outdir, j->name,
               strerror(s->write_errno));
  } else if (rc == FERRYE_HTTP_RETURNED_ERROR && j->http_code > 0) {
    snprintf(buf, size, "HTTP %ld: %s", j->http_code, detail);
  } else if (strcmp(detail, ferry_easy_strerror(rc)) == 0) {
    snprintf(buf, size, "%s", detail);
  } else {
    snprintf(buf, size, "%s (%s)", detail, ferry_easy_strerror(rc));
  }
}

static void reap_attempt(fetch *f, slot *s, ferry_code rc) {
  job *j = s->job;
  long code = 0, connects = 0, version = 0;
  ferry_off_t total_us = 0;
  char why[FERRY_ERROR_SIZE + 512];

  ferry_easy_getinfo(s->easy, FERRYINFO_RESPONSE_CODE, &code);
  ferry_easy_getinfo(s->easy, FERRYINFO_TOTAL_TIME_T, &total_us);
  ferry_easy_getinfo(s->easy, FERRYINFO_NUM_CONNECTS, &connects);
  ferry_easy_getinfo(s->easy, FERRYINFO_HTTP_VERSION, &version);
  ferry_multi_remove_handle(f->multi, s->easy);
  if (version == FERRY_HTTP_VERSION_2_0)
    f->st.h2_streams++;
  else if (version != 0)
    f->st.h1_requests++;
  f->active--;
  j->http_code = code;
  j->total_us = total_us;
  j->bytes = s->bytes;
  f->st.connects += connects;

  /* an empty body never opened the file */
  if (rc == FERRYE_OK && s->fd < 0 && f->dirfd >= 0 && open_output(f, s) != 0)
    rc = FERRYE_WRITE_ERROR;
  close_output(f, s, rc == FERRYE_OK);
  if (rc == FERRYE_OK && s->write_errno != 0)
    rc = FERRYE_WRITE_ERROR; /* close() failed: the data may be lost */
  j->result = rc;
  s->job = NULL;

  if (rc == FERRYE_OK) {
    j->state = JOB_DONE;
    f->st.ndone++;
    f->st.bytes_done += j->bytes;
    report_finished(&f->st, j);
    return;
  }
  attempt_error(f, s, j, rc, why, sizeof(why));
  if (s->write_errno == 0 && is_retryable(rc, code) &&
      j->attempts <= f->st.cfg->retries) {
    if (f->dirfd < 0 && j->bytes > 0) {
      size_t len = strlen(why);
      snprintf(why + len, sizeof(why) - len,
               "; not retried: part of the body already went to stdout");
    } else {
      uint64_t delay = backoff_ms(f, j->attempts);
      free(j->error);
      j->error = strdup(why);
      j->state = JOB_BACKOFF;
      j->retry_at = uv_now(&f->loop) + delay;
      f->waiting[f->nwaiting++] = j;
      f->st.nbackoff++;
      report_retry(&f->st, j, delay);
      return;
    }
  }
  fail_job(f, j, why);
}

/* FERRYMOPT_NOTIFYFUNCTION: completion messages are queued. Outside any
 * ferry callback, so handles may be removed and added here. */
static void on_notify(ferry_multi *m, unsigned int what, ferry_easy *easy,
                      void *userp) {
  (void)what;
  (void)easy;
  fetch *f = userp;
  ferry_msg *msg;
  int left;

  while ((msg = ferry_multi_info_read(m, &left)) != NULL) {
    char *priv = NULL;
    slot *s;
    if (msg->msg != FERRYMSG_DONE)
      continue;
    ferry_easy_getinfo(msg->easy_handle, FERRYINFO_PRIVATE, &priv);
    s = (slot *)priv;
    if (s == NULL || s->job == NULL)
      continue;
    reap_attempt(f, s, msg->data.result);
  }
  fill_slots(f);
}

static void on_wake(uv_timer_t *t) { fill_slots(t->data); }

static void on_tick(uv_timer_t *t) {
  fetch *f = t->data;
  report_tick(&f->st);
}

/* ---- teardown ---- */

static void on_multi_closed(ferry_multi *m, void *arg) {
  fetch *f = arg;
  (void)m;
  f->multi_closed = 1;
}

static void teardown(uv_timer_t *t) {
  fetch *f = t->data;

  /* An interrupt leaves transfers running: halt them, drop partial files. */
  for (int i = 0; i < f->st.nslots; i++) {
    slot *s = &f->st.slots[i];
    if (s->job != NULL) {
      ferry_multi_remove_handle(f->multi, s->easy);
      close_output(f, s, 0);
      s->job = NULL;
      f->active--;
    }
  }
  f->st.end_ns = uv_hrtime();
  report_end(&f->st);

  uv_close((uv_handle_t *)&f->tick, NULL);
  uv_close((uv_handle_t *)&f->wake, NULL);
  uv_close((uv_handle_t *)&f->sigint, NULL);
  uv_close((uv_handle_t *)&f->sigterm, NULL);
  ferry_multi_close(f->multi, on_multi_closed, f);
  f->multi = NULL;
}

static void teardown_soon(fetch *f) {
  if (f->tearing_down)
    return;
  f->tearing_down = 1;
  uv_timer_stop(&f->tick);
  uv_timer_start(&f->wake, teardown, 0, 0);
}

static void on_signal(uv_signal_t *h, int signum) {
  fetch *f = h->data;
  if (f->tearing_down)
    return;
  f->st.interrupted = signum;
  teardown_soon(f);
}

/* ---- setup ---- */

/* Report an option ferry refused, naming the command-line flag. */
static int option_refused(fetch *f, const char *flag, const char *opt,
                          ferry_code rc) {
  if (rc == FERRYE_OK)
    return 0;
  if (rc == FERRYE_NOT_BUILT_IN)
    fprintf(stderr,
            FG_NAME ": %s needs %s, which this ferry does not support yet "
                    "(ferry: \"%s\")\n",
            flag, opt, f->template_errbuf[0] ? f->template_errbuf
                                             : ferry_easy_strerror(rc));
  else
    fprintf(stderr, FG_NAME ": %s: setting %s failed: %s%s%s\n", flag, opt,
            ferry_easy_strerror(rc), f->template_errbuf[0] ? ": " : "",
            f->template_errbuf);
  return -1;
}

#define SETOPT(flag, name, value)                                              \
  (f->template_errbuf[0] = '\0',                                               \
   option_refused(f, flag, "FERRYOPT_" #name,                                  \
                  ferry_easy_setopt(e, FERRYOPT_##name, value)))

static int make_template(fetch *f) {
  const fg_config *cfg = f->st.cfg;
  ferry_easy *e = ferry_easy_init();

  if (e == NULL) {
    fprintf(stderr, FG_NAME ": out of memory\n");
    return -1;
  }
  f->template_easy = e;
  f->template_errbuf[0] = '\0';
  if (ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, f->template_errbuf) != FERRYE_OK)
    return -1;
  if (SETOPT("output", WRITEFUNCTION, on_body) ||
      SETOPT("output", FAILONERROR, 1L) ||
      SETOPT("user agent", USERAGENT, FG_NAME "/" FERRY_VERSION_STRING))
    return -1;
  if (cfg->headers && SETOPT("-H", HTTPHEADER, cfg->headers))
    return -1;
  if (cfg->timeout_ms > 0 && SETOPT("--timeout", TIMEOUT_MS, cfg->timeout_ms))
    return -1;
  if (cfg->compressed && SETOPT("--compressed", ACCEPT_ENCODING, ""))
    return -1;
  if (cfg->follow && SETOPT("-L", FOLLOWLOCATION, 1L))
    return -1;
  if (cfg->insecure &&
      (SETOPT("-k", SSL_VERIFYPEER, 0L) || SETOPT("-k", SSL_VERIFYHOST, 0L)))
    return -1;
  if (cfg->cacert && SETOPT("--cacert", CAINFO, cfg->cacert))
    return -1;
  if (cfg->http_version != 0 &&
      SETOPT("--http", HTTP_VERSION, cfg->http_version))
    return -1;
  /* streams of one origin wait for its first connection when it may be
   * HTTP/2, rather than each opening its own */
  if (SETOPT("output", PIPEWAIT, 1L))
    return -1;
  return 0;
}

static int make_slots(fetch *f) {
  for (int i = 0; i < f->st.nslots; i++) {
    slot *s = &f->st.slots[i];
    s->st = &f->st;
    s->fd = -1;
    s->easy = ferry_easy_duphandle(f->template_easy);
    if (s->easy == NULL ||
        ferry_easy_setopt(s->easy, FERRYOPT_ERRORBUFFER, s->errbuf) ||
        ferry_easy_setopt(s->easy, FERRYOPT_WRITEDATA, s) ||
        ferry_easy_setopt(s->easy, FERRYOPT_PRIVATE, s)) {
      fprintf(stderr, FG_NAME ": out of memory\n");
      return -1;
    }
  }
  return 0;
}

static void free_all(fetch *f) {
  if (f->st.slots != NULL)
    for (int i = 0; i < f->st.nslots; i++)
      ferry_easy_cleanup(f->st.slots[i].easy);
  ferry_easy_cleanup(f->template_easy);
  free(f->st.slots);
  free(f->waiting);
  if (f->dirfd >= 0)
    close(f->dirfd);
}

static int open_outdir(fetch *f) {
  const char *dir = f->st.cfg->outdir;
  if (dir == NULL)
    return 0;
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, FG_NAME ": creating %s: %s\n", dir, strerror(errno));
    return -1;
  }
  f->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (f->dirfd < 0) {
    fprintf(stderr, FG_NAME ": opening %s: %s\n", dir, strerror(errno));
    return -1;
  }
  return 0;
}

int fetch_run(const fg_config *cfg, job *jobs, size_t njobs) {
  fetch f;
  int rc;

  memset(&f, 0, sizeof(f));
  f.dirfd = -1;
  f.st.cfg = cfg;
  f.st.jobs = jobs;
  f.st.njobs = njobs;
  f.st.nslots = (size_t)cfg->parallel < njobs ? cfg->parallel : (int)njobs;
  f.rng = (uv_hrtime() ^ ((uint64_t)getpid() << 32)) | 1;
  signal(SIGPIPE, SIG_IGN); /* a closed stdout is a write error, not death */

  if (open_outdir(&f) != 0 || make_template(&f) != 0)
    goto failed_setup;
  f.st.slots = calloc((size_t)f.st.nslots + 1, sizeof(*f.st.slots));
  f.waiting = calloc(njobs + 1, sizeof(*f.waiting));
  if (f.st.slots == NULL || f.waiting == NULL) {
    fprintf(stderr, FG_NAME ": out of memory\n");
    goto failed_setup;
  }
  if (make_slots(&f) != 0)
    goto failed_setup;

  if (uv_loop_init(&f.loop) != 0)
    goto failed_setup;
  f.multi = ferry_multi_init();
  if (f.multi == NULL ||
      ferry_multi_use_loop(f.multi, &f.loop) != FERRYM_OK ||
      ferry_multi_setopt(f.multi, FERRYMOPT_NOTIFYFUNCTION, on_notify) ||
      ferry_multi_notify_enable(f.multi, FERRYMNOTIFY_INFO_READ) ||
      ferry_multi_setopt(f.multi, FERRYMOPT_NOTIFYDATA, &f)) {
    fprintf(stderr, FG_NAME ": setting up the multi handle failed\n");
    if (f.multi != NULL)
      ferry_multi_cleanup(f.multi);
    uv_loop_close(&f.loop);
    goto failed_setup;
  }
  uv_timer_init(&f.loop, &f.tick);
  uv_timer_init(&f.loop, &f.wake);
  uv_signal_init(&f.loop, &f.sigint);
  uv_signal_init(&f.loop, &f.sigterm);
  f.tick.data = f.wake.data = f.sigint.data = f.sigterm.data = &f;
  uv_signal_start(&f.sigint, on_signal, SIGINT);
  uv_signal_start(&f.sigterm, on_signal, SIGTERM);

  f.st.start_ns = uv_hrtime();
  report_start(&f.st);
  for (size_t i = 0; i < njobs; i++)
    if (jobs[i].state == JOB_FAILED) { /* refused before it started */
      f.st.nfailed++;
      report_finished(&f.st, &jobs[i]);
    }
  if (report_is_live(&f.st))
    uv_timer_start(&f.tick, on_tick, 0, TICK_MS);
  fill_slots(&f);

  uv_run(&f.loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&f.loop) != 0 || !f.multi_closed)
    fprintf(stderr, FG_NAME ": internal error: the loop did not close cleanly\n");

  if (f.st.interrupted)
    rc = 128 + f.st.interrupted;
  else
    rc = f.st.nfailed > 0 ? 1 : 0;
  free_all(&f);
  return rc;

failed_setup:
  free_all(&f);
  return 2;
}

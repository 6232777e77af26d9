/* libFuzzer target: a whole ferry transfer whose server reply is the fuzz
 * input. Everything above the socket runs for real: connect, request,
 * HTTP/1 framing, content decoding, redirects, pause, connection reuse,
 * errors and the handle's reuse for a second transfer.
 *
 * Input: byte 0 is a set of knobs, the rest is what the server sends.
 *   bit 0     NOBODY (a HEAD request)
 *   bit 1     ACCEPT_ENCODING "" (decode gzip/deflate), with MAXFILESIZE
 *             capping the decoded size
 *   bit 2     FOLLOWLOCATION with MAXREDIRS 3, and credentials with
 *             HTTPAUTH Basic|Digest (a 401's challenge is answered)
 *   bits 3-5  the piece size the server writes the reply in (0: all at
 *             once; never more than 16 pieces); it waits for the client
 *             to take each piece before sending the next (10 ms in all at
 *             most), so the client really meets the splits
 *   bits 6-7  the write callback pauses every 2nd, 3rd or 5th call (0: it
 *             never does); the transfer then runs in a perform/poll loop
 *             that resumes it
 *
 * The server is a listening Unix domain socket in a temporary folder,
 * made once per process and removed at exit, served by one thread: for
 * each connection it reads the request head, sends the reply bytes and
 * closes. Every connection (a redirect's too) gets the same bytes. No
 * TCP, no network. The client is a real transfer to "http://fuzz.test/x"
 * through UNIX_SOCKET_PATH with a 2 s TIMEOUT_MS.
 *
 * The checks (__builtin_trap on failure): the result is a known code;
 * SIZE_DOWNLOAD_T is not negative; without decoding, a successful transfer
 * delivered no more body bytes than the reply holds (and as many as
 * SIZE_DOWNLOAD_T says), and a failed one no more than every allowed hop
 * could carry; with decoding, never more than the MAXFILESIZE cap; a HEAD
 * delivers no body; a failure leaves a text in the ERRORBUFFER; no
 * transfer outlives its timeout by far; and the handle runs a second
 * transfer (the same checks) after the first.
 *
 * FERRY_FUZZ_VERBOSE=1 in the environment prints each transfer's result,
 * which helps when replaying one input.
 *
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true && ninja -C build-fuzz
 * Run:   build-fuzz/test/fuzz/fuzz-transfer /tmp/transfer
 *          test/fuzz/corpus/transfer
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "ferry.h"

#define FUZZ_MAX_REPLY (64 * 1024)
#define FUZZ_MAX_DECODED (256 * 1024)
#define FUZZ_MAX_PIECES 16       /* a piece grows so no reply has more */
#define FUZZ_TIMEOUT_MS 2000L
#define FUZZ_HANG_MS 10000       /* a transfer taking this long is a bug */
#define FUZZ_MAXREDIRS 3L

/* ---- the server thread ------------------------------------------------- */

static char sock_dir[64], sock_path[108];
static int listen_fd = -1;
static int verbose; /* FERRY_FUZZ_VERBOSE set: print each result */

/* What the next accepted connection sends; written by the fuzzing thread. */
static pthread_mutex_t reply_mu = PTHREAD_MUTEX_INITIALIZER;
static char reply[FUZZ_MAX_REPLY];
static size_t reply_len, reply_piece;

/* The server's own copy, so a connection keeps its bytes whatever the next
 * input sets. Static: the server allocates nothing, which keeps the leak
 * checker's per-input counts exact. */
static char serve_buf[FUZZ_MAX_REPLY];
static char req_buf[8192];

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Read until the request head ends (a blank line), EOF or 2.5 s. */
static void read_request_head(int fd) {
  size_t have = 0;
  uint64_t until = now_ms() + 2500;

  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    uint64_t t = now_ms();
    ssize_t r;
    if (t >= until || poll(&p, 1, (int)(until - t)) <= 0)
      return;
    if (have == sizeof(req_buf))
      have = 0; /* only the end matters: keep looking for the blank line */
    r = recv(fd, req_buf + have, sizeof(req_buf) - have, 0);
    if (r <= 0)
      return;
    have += (size_t)r;
    if (have >= 4 && memmem(req_buf, have, "\r\n\r\n", 4) != NULL)
      return;
  }
}

/* Wait until the peer has read everything sent so far (the socket's
 * unread bytes, SIOCOUTQ, are 0), spending at most what is left of
 * *budget_ms. A paused or finished client may never read. */
static void wait_taken(int fd, int *budget_ms) {
  uint64_t t0 = now_ms(), t;
  int q;

  while (*budget_ms > 0 && ioctl(fd, SIOCOUTQ, &q) == 0 && q > 0) {
    usleep(20);
    t = now_ms();
    *budget_ms -= (int)(t - t0);
    t0 = t;
  }
}

static int send_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static void serve(int fd) {
  size_t len, piece, off = 0;
  int budget_ms = 10; /* for waiting on the client, in all */

  pthread_mutex_lock(&reply_mu);
  len = reply_len;
  piece = reply_piece;
  memcpy(serve_buf, reply, len);
  pthread_mutex_unlock(&reply_mu);

  read_request_head(fd);
  if (piece == 0 || piece > len)
    piece = len;
  if (len / FUZZ_MAX_PIECES >= piece)
    piece = len / FUZZ_MAX_PIECES + 1;
  while (off < len) {
    size_t n = len - off < piece ? len - off : piece;
    if (off > 0)
      wait_taken(fd, &budget_ms);
    if (send_all(fd, serve_buf + off, n) != 0)
      break;
    off += n;
  }
  shutdown(fd, SHUT_WR);
  /* take what the client sent meanwhile, so the close is not a reset */
  while (recv(fd, req_buf, sizeof(req_buf), MSG_DONTWAIT) > 0)
    ;
  close(fd);
}

static void *server_main(void *arg) {
  (void)arg;
  for (;;) {
    int fd = accept(listen_fd, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED)
        continue;
      return NULL; /* the listener was shut at exit */
    }
    serve(fd);
  }
}

static void remove_socket(void) {
  if (listen_fd >= 0)
    shutdown(listen_fd, SHUT_RDWR);
  unlink(sock_path);
  rmdir(sock_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  struct sockaddr_un sa;
  pthread_t t;
  (void)argc;
  (void)argv;

  signal(SIGPIPE, SIG_IGN);
  verbose = getenv("FERRY_FUZZ_VERBOSE") != NULL;
  snprintf(sock_dir, sizeof(sock_dir), "/tmp/ferry-fuzz-XXXXXX");
  if (mkdtemp(sock_dir) == NULL) {
    perror("fuzz-transfer: mkdtemp");
    exit(1);
  }
  snprintf(sock_path, sizeof(sock_path), "%s/s", sock_dir);
  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
  listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
      listen(listen_fd, 64) != 0) {
    perror("fuzz-transfer: listen");
    exit(1);
  }
  atexit(remove_socket);
  if (pthread_create(&t, NULL, server_main, NULL) != 0) {
    perror("fuzz-transfer: pthread_create");
    exit(1);
  }
  pthread_detach(t);
  if (ferry_global_init(FERRY_GLOBAL_DEFAULT) != FERRYE_OK)
    exit(1);
  return 0;
}

/* ---- the client -------------------------------------------------------- */

typedef struct fz {
  size_t written;        /* body bytes the write callback took */
  unsigned calls;        /* write callback calls, paused ones included */
  unsigned pause_every;  /* 0: never pause */
  int paused;            /* the last call paused; resume it */
} fz;

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud) {
  fz *f = ud;
  size_t n = size * nmemb;
  (void)p;
  if (size != 1 || n == 0 || n > FERRY_MAX_WRITE_SIZE)
    __builtin_trap();
  f->calls++;
  if (f->pause_every && f->calls % f->pause_every == 0) {
    f->paused = 1;
    return FERRY_WRITEFUNC_PAUSE; /* the bytes come again on resume */
  }
  f->written += n;
  return n;
}

/* The transfer through a perform/poll loop that resumes every pause. */
static ferry_code perform_pausing(ferry_easy *e, fz *f) {
  ferry_multi *m = ferry_multi_init();
  ferry_msg *msg;
  ferry_code rc;
  int running = 1, left;

  if (m == NULL)
    __builtin_trap();
  if (ferry_multi_add_handle(m, e) != FERRYM_OK)
    __builtin_trap();
  while (running) {
    if (ferry_multi_perform(m, &running) != FERRYM_OK)
      __builtin_trap();
    if (!running)
      break;
    if (f->paused) {
      f->paused = 0;
      ferry_easy_pause(e, FERRY_PAUSE_CONT);
      continue;
    }
    if (ferry_multi_poll(m, NULL, 0, 50, NULL) != FERRYM_OK)
      __builtin_trap();
  }
  msg = ferry_multi_info_read(m, &left);
  if (msg == NULL || msg->msg != FERRYMSG_DONE || msg->easy_handle != e)
    __builtin_trap();
  rc = msg->data.result;
  ferry_multi_remove_handle(m, e);
  ferry_multi_cleanup(m);
  return rc;
}

static void run_and_check(ferry_easy *e, fz *f, const char *err, int pausing,
                          int head, int decoding, size_t len) {
  uint64_t t0 = now_ms();
  ferry_off_t dl = -1;
  ferry_code rc;

  f->written = 0;
  f->calls = 0;
  f->paused = 0;
  rc = pausing ? perform_pausing(e, f) : ferry_easy_perform(e);
  if (ferry_easy_getinfo(e, FERRYINFO_SIZE_DOWNLOAD_T, &dl) != FERRYE_OK ||
      dl < 0)
    __builtin_trap();
  if (verbose)
    fprintf(stderr, "fuzz-transfer: %s: result %d (%s), %zu body bytes, "
            "SIZE_DOWNLOAD_T %lld, %llu ms, \"%s\"\n",
            pausing ? "poll loop" : "perform",
            (int)rc, ferry_easy_strerror(rc), f->written, (long long)dl,
            (unsigned long long)(now_ms() - t0), err);
  if (now_ms() - t0 > FUZZ_HANG_MS)
    __builtin_trap(); /* TIMEOUT_MS did not end it */
  if (strcmp(ferry_easy_strerror(rc), "Unknown error") == 0)
    __builtin_trap();
  if (rc != FERRYE_OK && err[0] == '\0')
    __builtin_trap();
  if (head && rc == FERRYE_OK && f->written != 0)
    __builtin_trap();
  if (decoding) {
    if (f->written > FUZZ_MAX_DECODED)
      __builtin_trap();
  } else if (rc == FERRYE_OK) {
    if (f->written > len || (ferry_off_t)f->written != dl)
      __builtin_trap();
  } else if (f->written > len * (FUZZ_MAXREDIRS + 1)) {
    __builtin_trap();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const size_t pieces[8] = {0, 1, 2, 3, 7, 16, 64, 512};
  static const unsigned pause_every[4] = {0, 2, 3, 5};
  char err[FERRY_ERROR_SIZE];
  ferry_easy *e;
  fz f;
  int head, decoding, follow;
  size_t len;

  if (size < 1)
    return 0;
  head = data[0] & 1;
  decoding = (data[0] >> 1) & 1;
  follow = (data[0] >> 2) & 1;
  len = size - 1 > FUZZ_MAX_REPLY ? FUZZ_MAX_REPLY : size - 1;

  pthread_mutex_lock(&reply_mu);
  memcpy(reply, data + 1, len);
  reply_len = len;
  reply_piece = pieces[(data[0] >> 3) & 7];
  pthread_mutex_unlock(&reply_mu);

  memset(&f, 0, sizeof(f));
  f.pause_every = pause_every[data[0] >> 6];
  e = ferry_easy_init();
  if (e == NULL)
    __builtin_trap();
  err[0] = '\0';
  if (ferry_easy_setopt(e, FERRYOPT_URL, "http://fuzz.test/x") != FERRYE_OK ||
      ferry_easy_setopt(e, FERRYOPT_UNIX_SOCKET_PATH, sock_path) != FERRYE_OK ||
      ferry_easy_setopt(e, FERRYOPT_TIMEOUT_MS, FUZZ_TIMEOUT_MS) != FERRYE_OK ||
      ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err) != FERRYE_OK ||
      ferry_easy_setopt(e, FERRYOPT_WRITEFUNCTION, on_write) != FERRYE_OK ||
      ferry_easy_setopt(e, FERRYOPT_WRITEDATA, &f) != FERRYE_OK ||
      /* an https Location would load the CA bundle for each hop: slow, and
       * fuzz-tls covers TLS */
      ferry_easy_setopt(e, FERRYOPT_REDIR_PROTOCOLS_STR, "http") != FERRYE_OK)
    __builtin_trap();
  if (head && ferry_easy_setopt(e, FERRYOPT_NOBODY, 1L) != FERRYE_OK)
    __builtin_trap();
  if (decoding &&
      (ferry_easy_setopt(e, FERRYOPT_ACCEPT_ENCODING, "") != FERRYE_OK ||
       ferry_easy_setopt(e, FERRYOPT_MAXFILESIZE_LARGE,
                         (ferry_off_t)FUZZ_MAX_DECODED) != FERRYE_OK))
    __builtin_trap();
  if (follow &&
      (ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L) != FERRYE_OK ||
       ferry_easy_setopt(e, FERRYOPT_MAXREDIRS, FUZZ_MAXREDIRS) != FERRYE_OK ||
       ferry_easy_setopt(e, FERRYOPT_HTTPAUTH,
                         (long)(FERRYAUTH_BASIC | FERRYAUTH_DIGEST)) != FERRYE_OK ||
       ferry_easy_setopt(e, FERRYOPT_USERPWD, "user:secret") != FERRYE_OK))
    __builtin_trap();

  run_and_check(e, &f, err, f.pause_every != 0, head, decoding, len);
  /* the handle must carry a second transfer, on its private multi */
  f.pause_every = 0;
  err[0] = '\0';
  run_and_check(e, &f, err, 0, head, decoding, len);
  if (ferry_easy_cleanup(e) != FERRYE_OK)
    __builtin_trap();
  return 0;
}

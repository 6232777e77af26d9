/* What a binding written against libcurl's whole API (pycurl, for one)
 * needs beyond HTTP: ferry_multi_socket_all (libcurl's deprecated
 * curl_multi_socket_all), and the callback types and values of options for
 * protocols ferry does not have, which compile but are refused. */
#include <poll.h>
#include <string.h>

#include "fx.h"
#include "test.h"

#define N 3

/* Runs every transfer of m to its end with ferry_multi_socket_all alone,
 * waiting with ferry_multi_wait between calls. Returns 0, or -1 on an
 * error or after 500 rounds. */
static int run_with_socket_all(ferry_multi *m) {
  int running = 1, rounds = 0;
  while (running) {
    if (ferry_multi_socket_all(m, &running) != FERRYM_OK || ++rounds > 500)
      return -1;
    if (running && ferry_multi_wait(m, NULL, 0, 200, NULL) != FERRYM_OK)
      return -1;
  }
  return 0;
}

/* Reads every message: the result of each of ours, by index. */
static int read_results(ferry_multi *m, ferry_easy **e, ferry_code *res) {
  ferry_msg *msg;
  int left, n = 0;
  while ((msg = ferry_multi_info_read(m, &left)) != NULL) {
    for (int i = 0; i < N; i++)
      if (msg->msg == FERRYMSG_DONE && msg->easy_handle == e[i]) {
        res[i] = msg->data.result;
        n++;
      }
  }
  return n;
}

TEST_IMPL(compat_multi_socket_all_runs_every_transfer_as_perform_does) {
  tserver *s = tserver_start();
  ferry_multi *m;
  ferry_easy *e[N];
  ferry_code res[N];
  sink body[N];
  int running = -1;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  memset(body, 0, sizeof(body));
  m = ferry_multi_init();
  ASSERT_NOT_NULL(m);
  for (int i = 0; i < N; i++) {
    res[i] = FERRYE_LAST;
    e[i] = fx_easy(fx_url(s, "/all"), &body[i], NULL);
    ASSERT_NOT_NULL(e[i]);
    ASSERT_EQ(ferry_multi_add_handle(m, e[i]), FERRYM_OK);
  }
  ASSERT_EQ(run_with_socket_all(m), 0);
  ASSERT_EQ(read_results(m, e, res), N);
  for (int i = 0; i < N; i++) {
    ASSERT_EQ(res[i], FERRYE_OK);
    ASSERT_MEM_EQ(body[i].data, body[i].len, "hello");
    ASSERT_EQ(ferry_multi_remove_handle(m, e[i]), FERRYM_OK);
    ferry_easy_cleanup(e[i]);
    sink_free(&body[i]);
  }
  /* nothing left: 0 running, still OK */
  ASSERT_EQ(ferry_multi_socket_all(m, &running), FERRYM_OK);
  ASSERT_EQ(running, 0);
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  ASSERT_EQ(ferry_multi_socket_all(NULL, &running), FERRYM_BAD_HANDLE);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- with the application's socket callback ----------------------------- */

#define MAXFDS 16

typedef struct watched {
  ferry_socket_t fd[MAXFDS];
  int what[MAXFDS];
  int n;
  int told; /* calls that were not REMOVE */
  int bad; /* a REMOVE for a socket not watched, or no room */
} watched;

static int watch_cb(ferry_easy *easy, ferry_socket_t s, int what, void *userp,
                    void *socketp) {
  watched *w = userp;
  int i;
  (void)easy;
  (void)socketp;
  for (i = 0; i < w->n && w->fd[i] != s; i++)
    ;
  if (what == FERRY_POLL_REMOVE) {
    if (i == w->n) {
      w->bad = 1;
      return 0;
    }
    w->fd[i] = w->fd[w->n - 1];
    w->what[i] = w->what[w->n - 1];
    w->n--;
    return 0;
  }
  w->told++;
  if (i == w->n) {
    if (w->n == MAXFDS) {
      w->bad = 1;
      return 0;
    }
    w->n++;
  }
  w->fd[i] = s;
  w->what[i] = what;
  return 0;
}

TEST_IMPL(compat_multi_socket_all_keeps_the_socket_callback_told) {
  tserver *s = tserver_start();
  ferry_multi *m;
  ferry_easy *e[N];
  ferry_code res[N];
  sink body[N];
  watched w;
  int running = 1, rounds = 0;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  memset(body, 0, sizeof(body));
  memset(&w, 0, sizeof(w));
  m = ferry_multi_init();
  ASSERT_NOT_NULL(m);
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_SOCKETFUNCTION, watch_cb),
            FERRYM_OK);
  ASSERT_EQ(ferry_multi_setopt(m, FERRYMOPT_SOCKETDATA, &w), FERRYM_OK);
  for (int i = 0; i < N; i++) {
    res[i] = FERRYE_LAST;
    e[i] = fx_easy(fx_url(s, "/cb"), &body[i], NULL);
    ASSERT_NOT_NULL(e[i]);
    ASSERT_EQ(ferry_multi_add_handle(m, e[i]), FERRYM_OK);
  }
  /* the way an old socket-callback program runs: poll what the callback
   * was told, then let socket_all act on everything */
  while (running) {
    struct pollfd p[MAXFDS];
    long t = -1;
    ASSERT_EQ(ferry_multi_socket_all(m, &running), FERRYM_OK);
    ASSERT_LE(++rounds, 500);
    if (!running)
      break;
    for (int i = 0; i < w.n; i++) {
      p[i].fd = w.fd[i];
      p[i].events = (short)(((w.what[i] & FERRY_POLL_IN) ? POLLIN : 0) |
                            ((w.what[i] & FERRY_POLL_OUT) ? POLLOUT : 0));
      p[i].revents = 0;
    }
    ASSERT_EQ(ferry_multi_timeout(m, &t), FERRYM_OK);
    ASSERT_GE(poll(p, (nfds_t)w.n, t < 0 || t > 200 ? 200 : (int)t), 0);
  }
  ASSERT_EQ(w.bad, 0);
  ASSERT_GE(w.told, 1);
  ASSERT_EQ(read_results(m, e, res), N);
  for (int i = 0; i < N; i++) {
    ASSERT_EQ(res[i], FERRYE_OK);
    ASSERT_MEM_EQ(body[i].data, body[i].len, "hello");
    ASSERT_EQ(ferry_multi_remove_handle(m, e[i]), FERRYM_OK);
    ferry_easy_cleanup(e[i]);
    sink_free(&body[i]);
  }
  ASSERT_EQ(ferry_multi_cleanup(m), FERRYM_OK);
  /* every socket it was told of was removed again */
  ASSERT_EQ(w.n, 0);
  ASSERT_EQ(w.bad, 0);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* ---- options of protocols ferry lacks, with their own types ------------ */

static ferry_ioerr an_ioctl(ferry_easy *h, int cmd, void *clientp) {
  (void)h;
  (void)clientp;
  return cmd == FERRYIOCMD_RESTARTREAD ? FERRYIOE_FAILRESTART : FERRYIOE_OK;
}
static int a_match(void *p, const char *pattern, const char *string) {
  (void)p;
  return strcmp(pattern, string) ? FERRY_FNMATCHFUNC_NOMATCH
                                 : FERRY_FNMATCHFUNC_MATCH;
}
static long a_chunk_start(const void *info, void *p, int remains) {
  const struct ferry_fileinfo *fi = info;
  (void)p;
  (void)remains;
  return fi->filetype == FERRYFILETYPE_FILE ? FERRY_CHUNK_BGN_FUNC_OK
                                            : FERRY_CHUNK_BGN_FUNC_SKIP;
}
static long a_chunk_end(void *p) {
  (void)p;
  return FERRY_CHUNK_END_FUNC_OK;
}
static int a_resolver_start(void *state, void *reserved, void *userdata) {
  (void)state;
  (void)reserved;
  (void)userdata;
  return 0;
}
static int a_key_check(ferry_easy *h, const struct ferry_khkey *known,
                       const struct ferry_khkey *found,
                       enum ferry_khmatch match, void *clientp) {
  (void)h;
  (void)clientp;
  (void)known;
  (void)found;
  return match == FERRYKHMATCH_OK ? FERRYKHSTAT_FINE : FERRYKHSTAT_REJECT;
}
static int a_hostkey_check(void *clientp, int keytype, const char *key,
                           size_t len) {
  (void)clientp;
  (void)key;
  (void)len;
  return keytype == FERRYKHTYPE_ED25519 ? FERRYE_OK
                                        : FERRYE_PEER_FAILED_VERIFICATION;
}

TEST_IMPL(compat_refused_protocols_callbacks_and_values_are_not_built_in) {
  ferry_easy *e = ferry_easy_init();
  ferry_ioctl_callback io = an_ioctl;
  ferry_fnmatch_callback fn = a_match;
  ferry_resolver_start_callback rs = a_resolver_start;
  ferry_sshkey_callback kc = a_key_check;
  ferry_sshhostkey_callback hk = a_hostkey_check;
  ferry_chunk_bgn_callback cb = a_chunk_start;
  ferry_chunk_end_callback ce = a_chunk_end;

  ASSERT_NOT_NULL(e);
  /* FTP wildcard downloads (node-libcurl names these) */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_CHUNK_BGN_FUNCTION, cb),
            FERRYE_NOT_BUILT_IN);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_CHUNK_END_FUNCTION, ce),
            FERRYE_NOT_BUILT_IN);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_IOCTLFUNCTION, io),
            FERRYE_NOT_BUILT_IN);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_FNMATCH_FUNCTION, fn),
            FERRYE_NOT_BUILT_IN);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_RESOLVER_START_FUNCTION, rs),
            FERRYE_NOT_BUILT_IN);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_SSH_KEYFUNCTION, kc),
            FERRYE_NOT_BUILT_IN);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_SSH_HOSTKEYFUNCTION, hk),
            FERRYE_NOT_BUILT_IN);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_SSH_AUTH_TYPES,
                              (long)FERRYSSH_AUTH_DEFAULT),
            FERRYE_NOT_BUILT_IN);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_GSSAPI_DELEGATION,
                              FERRYGSSAPI_DELEGATION_FLAG),
            FERRYE_NOT_BUILT_IN);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_FTPSSLAUTH, FERRYFTPAUTH_TLS),
            FERRYE_NOT_BUILT_IN);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_FTP_FILEMETHOD,
                              FERRYFTPMETHOD_SINGLECWD),
            FERRYE_NOT_BUILT_IN);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_RTSP_REQUEST, FERRY_RTSPREQ_OPTIONS),
            FERRYE_NOT_BUILT_IN);
  /* the one new HTTP value: past the last version, never valid */
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_HTTP_VERSION,
                              FERRY_HTTP_VERSION_LAST),
            FERRYE_UNSUPPORTED_PROTOCOL);
  ferry_easy_cleanup(e);
  return 0;
}

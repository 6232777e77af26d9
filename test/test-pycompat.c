/* What a binding written against libcurl's whole API (pycurl, for one)
 * needs beyond HTTP: the callback types and values of options for
 * protocols ferry does not have, which compile but are refused. */
#include <string.h>

#include "fx.h"
#include "test.h"

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

  ASSERT_NOT_NULL(e);
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

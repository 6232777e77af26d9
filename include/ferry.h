/* ferry.h - HTTP(S) transfers on libuv, in libcurl's easy/multi model.
 *
 * An easy handle (ferry_easy) is one transfer. A multi handle (ferry_multi)
 * drives many easy handles in one thread and queues a message for each one
 * that finishes (ferry_multi_info_read). The multi talks to the outside only
 * through a socket callback and a timer callback. Who implements them:
 *
 *  - libuv mode (ferry_uv.h: ferry_multi_use_loop): ferry's own adapter, one
 *    uv_poll_t per socket and one uv_timer_t per multi on your loop;
 *  - socket_action style: you set FERRYMOPT_SOCKETFUNCTION and
 *    FERRYMOPT_TIMERFUNCTION and call ferry_multi_socket_action();
 *  - perform style: ferry_multi_perform/wait/poll/fdset run the same engine,
 *    its sockets watched by the same adapter on a loop the multi owns.
 *
 * Outside libuv mode nothing is locked in, as with libcurl: the callbacks
 * may be set before or after handles are added, changed and cleared at any
 * time, and perform, wait, poll, fdset and socket_action all work whatever
 * callbacks are set at the moment. Sockets move from the multi's own loop
 * to your SOCKETFUNCTION when you set one (it hears of them at your next
 * perform or socket_action call), and back when you clear it; a callback
 * that is replaced or cleared is not called again, not even with REMOVE.
 *
 * In every style your loop ends when ferry's work ends. What ferry asks to
 * be watched:
 *  - a transfer's socket, while the transfer needs it;
 *  - in socket_action style, one socket of ferry's own (the backend fd of
 *    the loop ferry runs name lookups on), only while a lookup runs;
 *  - an idle pooled keep-alive connection: not in socket_action style (the
 *    socket callback hears REMOVE when the connection goes idle, as with
 *    libcurl; a connection the server closed meanwhile is found, without
 *    blocking, when it is taken again, and a request that still meets a
 *    dead connection is retried once on a new one); in libuv and perform
 *    mode ferry's adapter keeps watching it, through a handle that does not
 *    keep the loop alive, so that a server's close is seen at once.
 * When no transfer needs anything, nothing is watched and the timer
 * callback has been told -1, whether or not finished handles are still
 * added.
 *
 * Threads: a handle is used by one thread at a time. The exceptions are
 * ferry_multi_wakeup(), which any thread may call, and the global functions,
 * which must not race with anything else. ferry starts no threads; libuv's
 * thread pool runs getaddrinfo.
 *
 * Result codes and option numbers are libcurl's (see ferry_table.h), and
 * <curl/curl.h> from the ferry-curl pkg-config module maps libcurl's names
 * onto these.
 */
#ifndef FERRY_H
#define FERRY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>

#include "ferry_table.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(FERRY_BUILDING) && defined(__GNUC__)
#define FERRY_EXTERN __attribute__((visibility("default")))
#else
#define FERRY_EXTERN
#endif

#define FERRY_VERSION_MAJOR 0
#define FERRY_VERSION_MINOR 1
#define FERRY_VERSION_PATCH 0
#define FERRY_VERSION_STRING "0.1.0"
/* The libcurl release whose API <curl/curl.h> stands for: its
 * LIBCURL_VERSION_NUM (so CURL_AT_LEAST_VERSION), and the version_num of
 * ferry_version_info() at run time.
 *
 * The names are not what decides it: the table has every result code,
 * option and info of libcurl 8.17 (and a few newer), and an option ferry
 * does not implement compiles and is refused at run time. Functions are
 * different: a program that tests the version before it calls a function
 * (`#if CURL_AT_LEAST_VERSION(8, 8, 0)` around curl_multi_waitfds, with
 * curl_multi_fdset as the fallback) must still build. So this is the last
 * libcurl release before the oldest function ferry lacks
 * (FERRY_MISSING_FUNCTIONS in ferry_table.h; gen-curl-h fails the build if
 * the number passes one of them). Functions libcurl had by 7.56.0 are not
 * counted: shares, forms and MIME, curl_easy_send/recv, HTTP/2 push
 * headers and the printf family come with no version a program could test
 * to avoid them, so no number would help such a program.
 *
 * Hence 8.17.0: ferry has every function libcurl added up to that
 * release (the WebSocket calls of 7.86.0 and 8.16.0, curl_global_trace of
 * 8.3.0, curl_multi_waitfds of 8.8.0, curl_easy_ssls_export/import of
 * 8.12.0, curl_multi_get_offt of 8.16.0 and the notify calls of 8.17.0).
 * The table's options and infos of later releases are there too, but a
 * program cannot test for those by version. */
#define FERRY_LIBCURL_VERSION_NUM 0x081100

/* Distinct incomplete types: a multi cannot be passed where an easy is
 * wanted; the compiler catches it. */
typedef struct ferry_easy ferry_easy;
typedef struct ferry_multi ferry_multi;
/* Data easy handles hold in common (ferry_share_init). */
typedef struct ferry_share ferry_share;

typedef int ferry_socket_t;
typedef int64_t ferry_off_t;

#define FERRY_SOCKET_BAD (-1)
#define FERRY_SOCKET_TIMEOUT FERRY_SOCKET_BAD

/* ---- result codes ---------------------------------------------------- */

typedef enum {
#define FERRY_X_(name, num, text) FERRYE_##name = num,
  FERRY_CODES(FERRY_X_)
#undef FERRY_X_
  FERRYE_LAST
} ferry_code;

typedef enum {
#define FERRY_X_(name, num, text) FERRYM_##name = num,
  FERRY_MCODES(FERRY_X_)
#undef FERRY_X_
  FERRYM_LAST
} ferry_mcode;

typedef enum {
#define FERRY_X_(name, num, text) FERRYSHE_##name = num,
  FERRY_SHCODES(FERRY_X_)
#undef FERRY_X_
  FERRYSHE_LAST
} ferry_shcode;

/* ---- options --------------------------------------------------------- */

#define FERRYOPTTYPE_LONG 0
#define FERRYOPTTYPE_VALUES 0
#define FERRYOPTTYPE_OBJECTPOINT 10000
#define FERRYOPTTYPE_STRINGPOINT 10000
#define FERRYOPTTYPE_SLISTPOINT 10000
#define FERRYOPTTYPE_CBPOINT 10000
#define FERRYOPTTYPE_FUNCTIONPOINT 20000
#define FERRYOPTTYPE_OFF_T 30000
#define FERRYOPTTYPE_BLOB 40000

typedef enum {
#define FERRY_X_(name, type, num, supported)                                   \
  FERRYOPT_##name = FERRYOPTTYPE_##type + num,
  FERRY_OPTIONS(FERRY_X_) FERRY_OWN_OPTIONS(FERRY_X_)
#undef FERRY_X_
  FERRYOPT_LASTENTRY
} ferry_option;

typedef enum {
#define FERRY_X_(name, type, num, supported)                                   \
  FERRYMOPT_##name = FERRYOPTTYPE_##type + num,
  FERRY_MOPTIONS(FERRY_X_) FERRY_OWN_MOPTIONS(FERRY_X_)
#undef FERRY_X_
  FERRYMOPT_LASTENTRY
} ferry_moption;

#define FERRYINFO_STRING 0x100000
#define FERRYINFO_LONG 0x200000
#define FERRYINFO_DOUBLE 0x300000
#define FERRYINFO_SLIST 0x400000
#define FERRYINFO_PTR 0x400000
#define FERRYINFO_SOCKET 0x500000
#define FERRYINFO_OFF_T 0x600000
#define FERRYINFO_MASK 0x0fffff
#define FERRYINFO_TYPEMASK 0xf00000

typedef enum {
  FERRYINFO_NONE = 0,
#define FERRY_X_(name, type, num, supported)                                   \
  FERRYINFO_##name = FERRYINFO_##type + num,
  FERRY_INFOS(FERRY_X_)
#undef FERRY_X_
  FERRYINFO_LASTONE = 71
} ferry_info;

/* ---- constants (paired with libcurl's names in ferry_table.h) -------- */

#define FERRY_POLL_NONE 0
#define FERRY_POLL_IN 1
#define FERRY_POLL_OUT 2
#define FERRY_POLL_INOUT 3
#define FERRY_POLL_REMOVE 4

#define FERRY_CSELECT_IN 0x01
#define FERRY_CSELECT_OUT 0x02
#define FERRY_CSELECT_ERR 0x04

#define FERRY_WAIT_POLLIN 0x0001
#define FERRY_WAIT_POLLPRI 0x0002
#define FERRY_WAIT_POLLOUT 0x0004

#define FERRY_PAUSE_RECV (1 << 0)
#define FERRY_PAUSE_RECV_CONT 0
#define FERRY_PAUSE_SEND (1 << 2)
#define FERRY_PAUSE_SEND_CONT 0
#define FERRY_PAUSE_ALL (FERRY_PAUSE_RECV | FERRY_PAUSE_SEND)
#define FERRY_PAUSE_CONT (FERRY_PAUSE_RECV_CONT | FERRY_PAUSE_SEND_CONT)

/* Returned by a write callback to pause the transfer. */
#define FERRY_WRITEFUNC_PAUSE 0x10000001
/* Returned by a write callback to fail with FERRYE_WRITE_ERROR. */
#define FERRY_WRITEFUNC_ERROR 0xFFFFFFFF
#define FERRY_READFUNC_ABORT 0x10000000
#define FERRY_READFUNC_PAUSE 0x10000001
/* Returned by a FERRYOPT_SEEKFUNCTION callback. */
#define FERRY_SEEKFUNC_OK 0
#define FERRY_SEEKFUNC_FAIL 1
#define FERRY_SEEKFUNC_CANTSEEK 2
/* Returned by a FERRYOPT_TRAILERFUNCTION callback. */
#define FERRY_TRAILERFUNC_OK 0
#define FERRY_TRAILERFUNC_ABORT 1
/* Returned by a FERRYMOPT_PUSHFUNCTION callback. */
#define FERRY_PUSH_OK 0       /* take the pushed stream: the new handle is
                                 added to the multi and the application
                                 owns it */
#define FERRY_PUSH_DENY 1     /* refuse it: ferry frees the new handle */
#define FERRY_PUSH_ERROROUT 2 /* refuse it, and fail the parent's transfer
                                 (FERRYE_HTTP2) */

/* At most this many bytes are handed to a write callback in one call. */
#define FERRY_MAX_WRITE_SIZE 16384
/* The largest FERRYOPT_BUFFERSIZE libcurl accepts. */
#define FERRY_MAX_READ_SIZE (10 * 1024 * 1024)
/* The longest header line (and header section) ferry accepts. */
#define FERRY_MAX_HTTP_HEADER (100 * 1024)
/* The size of a buffer given to FERRYOPT_ERRORBUFFER. */
#define FERRY_ERROR_SIZE 256

#define FERRY_GLOBAL_SSL (1 << 0)
#define FERRY_GLOBAL_WIN32 (1 << 1)
#define FERRY_GLOBAL_ALL (FERRY_GLOBAL_SSL | FERRY_GLOBAL_WIN32)
#define FERRY_GLOBAL_NOTHING 0
#define FERRY_GLOBAL_DEFAULT FERRY_GLOBAL_ALL
#define FERRY_GLOBAL_ACK_EINTR (1 << 2)

/* Values of long options are longs, since setopt reads a long for them. */

/* FERRYOPT_HTTP_VERSION. NONE (the default), 2_0 and 2TLS offer HTTP/2
 * over TLS (ALPN h2, then http/1.1); 2_0 also asks an http:// server to
 * upgrade (Upgrade: h2c) on a GET or HEAD without a body, and
 * 2_PRIOR_KNOWLEDGE speaks HTTP/2 on http:// from the start; 1_0 and 1_1
 * keep to HTTP/1. 3 and 3ONLY are refused. */
#define FERRY_HTTP_VERSION_NONE 0L
#define FERRY_HTTP_VERSION_1_0 1L
#define FERRY_HTTP_VERSION_1_1 2L
#define FERRY_HTTP_VERSION_2_0 3L
#define FERRY_HTTP_VERSION_2TLS 4L
#define FERRY_HTTP_VERSION_2_PRIOR_KNOWLEDGE 5L
#define FERRY_HTTP_VERSION_3 30L
#define FERRY_HTTP_VERSION_3ONLY 31L
#define FERRY_HTTP_VERSION_LAST 32L /* one past the last; never valid */

/* FERRYOPT_IPRESOLVE */
#define FERRY_IPRESOLVE_WHATEVER 0L
#define FERRY_IPRESOLVE_V4 1L
#define FERRY_IPRESOLVE_V6 2L

/* FERRYOPT_HTTPAUTH and FERRYOPT_PROXYAUTH bits. ferry speaks Basic, Digest
 * (RFC 7616: MD5, SHA-256 and their -sess forms, qop "auth" or "auth-int")
 * and Bearer; a set without any of them is refused with FERRYE_NOT_BUILT_IN
 * (NONE sends no credentials; DIGEST_IE is Digest hashing the path without
 * its query). As in libcurl: a method named alone goes with the first
 * request; a set of several sends the first request without credentials
 * and picks from what the server's 401 offers (Bearer, Digest, then
 * Basic), asking again on the same connection when it stays open. Digest
 * alone, before any challenge, sends a request's body behind an empty
 * probe ("Content-Length: 0"). The method picked and the Digest challenge
 * stay with the handle for its later transfers and redirects
 * (ferry_easy_reset forgets them). A request asked again counts as a
 * redirect (REDIRECT_COUNT, MAXREDIRS); the 401's body is not delivered
 * then. A 401 that refuses the credentials sent ends the transfer with it. */
#define FERRYAUTH_NONE ((unsigned long)0)
#define FERRYAUTH_BASIC (((unsigned long)1) << 0)
#define FERRYAUTH_DIGEST (((unsigned long)1) << 1)
#define FERRYAUTH_NEGOTIATE (((unsigned long)1) << 2)
#define FERRYAUTH_NTLM (((unsigned long)1) << 3)
#define FERRYAUTH_DIGEST_IE (((unsigned long)1) << 4)
#define FERRYAUTH_NTLM_WB (((unsigned long)1) << 5)
#define FERRYAUTH_BEARER (((unsigned long)1) << 6)
#define FERRYAUTH_AWS_SIGV4 (((unsigned long)1) << 7)
#define FERRYAUTH_ONLY (((unsigned long)1) << 31)
#define FERRYAUTH_ANY (~FERRYAUTH_DIGEST_IE)
#define FERRYAUTH_ANYSAFE (~(FERRYAUTH_BASIC | FERRYAUTH_DIGEST_IE))

/* FERRYOPT_POSTREDIR bits */
#define FERRY_REDIR_GET_ALL 0L
#define FERRY_REDIR_POST_301 1L
#define FERRY_REDIR_POST_302 2L
#define FERRY_REDIR_POST_303 4L
#define FERRY_REDIR_POST_ALL                                                   \
  (FERRY_REDIR_POST_301 | FERRY_REDIR_POST_302 | FERRY_REDIR_POST_303)

/* FERRYOPT_SSLVERSION: a minimum, OR'ed with an optional MAX_ value */
#define FERRY_SSLVERSION_DEFAULT 0L
#define FERRY_SSLVERSION_TLSv1 1L
#define FERRY_SSLVERSION_SSLv2 2L
#define FERRY_SSLVERSION_SSLv3 3L
#define FERRY_SSLVERSION_TLSv1_0 4L
#define FERRY_SSLVERSION_TLSv1_1 5L
#define FERRY_SSLVERSION_TLSv1_2 6L
#define FERRY_SSLVERSION_TLSv1_3 7L
#define FERRY_SSLVERSION_MAX_NONE 0L
#define FERRY_SSLVERSION_MAX_DEFAULT (FERRY_SSLVERSION_TLSv1 << 16)
#define FERRY_SSLVERSION_MAX_TLSv1_0 (FERRY_SSLVERSION_TLSv1_0 << 16)
#define FERRY_SSLVERSION_MAX_TLSv1_1 (FERRY_SSLVERSION_TLSv1_1 << 16)
#define FERRY_SSLVERSION_MAX_TLSv1_2 (FERRY_SSLVERSION_TLSv1_2 << 16)
#define FERRY_SSLVERSION_MAX_TLSv1_3 (FERRY_SSLVERSION_TLSv1_3 << 16)

/* FERRYOPT_TIMECONDITION */
#define FERRY_TIMECOND_NONE 0L
#define FERRY_TIMECOND_IFMODSINCE 1L
#define FERRY_TIMECOND_IFUNMODSINCE 2L
#define FERRY_TIMECOND_LASTMOD 3L

/* HSTS (RFC 6797), as libcurl has it. A handle with HSTS on keeps a store
 * of known HSTS hosts for its whole life (ferry_easy_reset keeps it): an
 * http:// URL to a known host, or to a subdomain of one known with
 * includeSubDomains, goes to https:// before anything is sent (a port the
 * URL did not name becomes 443; a named one stays), redirects included;
 * the first Strict-Transport-Security header of a response over HTTPS
 * with its certificate verified (SSL_VERIFYPEER and SSL_VERIFYHOST on)
 * notes or updates its host, max-age=0 removes it. IP addresses are never
 * noted nor switched. The store holds at most 1000 hosts.
 *
 * FERRYOPT_HSTS (char *, copied): turns HSTS on and adds a file in
 * libcurl's HSTS format to those read at every transfer start; the last
 * one is written at ferry_easy_cleanup (under a temporary name, then
 * renamed). "" turns HSTS on without a file; NULL forgets the files and
 * turns HSTS off, dropping the store. A file that cannot be read or
 * written is skipped (traced with VERBOSE).
 * FERRYOPT_HSTS_CTRL (long): the bits below.
 * FERRYOPT_HSTSREADFUNCTION / HSTSREADDATA, FERRYOPT_HSTSWRITEFUNCTION /
 * HSTSWRITEDATA: see ferry_hstsread_callback and ferry_hstswrite_callback;
 * the data pointers are handed over as they are. Neither turns HSTS on.
 *
 * FERRYOPT_HSTS_CTRL bits: ENABLE turns the handle's HSTS store on (0
 * turns it off and drops it); READONLYFILE keeps ferry_easy_cleanup from
 * writing the FERRYOPT_HSTS file. */
#define FERRYHSTS_ENABLE (1L << 0)
#define FERRYHSTS_READONLYFILE (1L << 1)

/* FERRYOPT_HEADEROPT */
#define FERRYHEADER_UNIFIED 0L
#define FERRYHEADER_SEPARATE (1L << 0)

/* FERRYOPT_NETRC */
#define FERRY_NETRC_IGNORED 0L
#define FERRY_NETRC_OPTIONAL 1L
#define FERRY_NETRC_REQUIRED 2L
#define FERRY_NETRC_LAST 3L

/* FERRYOPT_FOLLOWLOCATION (0 does not follow). ALL: a CUSTOMREQUEST
 * method is used in every request, also after a 301, 302 or 303 that
 * turns the request into a GET without a body; OBEYCODE: such a switch to
 * GET drops the custom method for the rest of the transfer; FIRSTONLY:
 * the custom method is used in the first request only. */
#define FERRYFOLLOW_ALL 1L
#define FERRYFOLLOW_OBEYCODE 2L
#define FERRYFOLLOW_FIRSTONLY 3L

/* FERRYOPT_PROXYTYPE */
#define FERRYPROXY_HTTP 0L
#define FERRYPROXY_HTTP_1_0 1L
#define FERRYPROXY_HTTPS 2L
#define FERRYPROXY_HTTPS2 3L
#define FERRYPROXY_SOCKS4 4L
#define FERRYPROXY_SOCKS5 5L
#define FERRYPROXY_SOCKS4A 6L
#define FERRYPROXY_SOCKS5_HOSTNAME 7L

/* FERRYOPT_USE_SSL */
#define FERRYUSESSL_NONE 0L
#define FERRYUSESSL_TRY 1L
#define FERRYUSESSL_CONTROL 2L
#define FERRYUSESSL_ALL 3L

/* FERRYOPT_SSL_OPTIONS and FERRYOPT_PROXY_SSL_OPTIONS bits */
#define FERRYSSLOPT_ALLOW_BEAST (1L << 0)
#define FERRYSSLOPT_NO_REVOKE (1L << 1)
#define FERRYSSLOPT_NO_PARTIALCHAIN (1L << 2)
#define FERRYSSLOPT_REVOKE_BEST_EFFORT (1L << 3)
#define FERRYSSLOPT_NATIVE_CA (1L << 4)
#define FERRYSSLOPT_AUTO_CLIENT_CERT (1L << 5)
#define FERRYSSLOPT_EARLYDATA (1L << 6)

/* FERRYMOPT_PIPELINING bits */
#define FERRYPIPE_NOTHING 0L
#define FERRYPIPE_HTTP1 1L
#define FERRYPIPE_MULTIPLEX 2L

/* FERRYOPT_PROTOCOLS and FERRYOPT_REDIR_PROTOCOLS bits (libcurl deprecates
 * both for the _STR options) */
#define FERRYPROTO_HTTP (1L << 0)
#define FERRYPROTO_HTTPS (1L << 1)
#define FERRYPROTO_FTP (1L << 2)
#define FERRYPROTO_FTPS (1L << 3)
#define FERRYPROTO_SCP (1L << 4)
#define FERRYPROTO_SFTP (1L << 5)
#define FERRYPROTO_TELNET (1L << 6)
#define FERRYPROTO_LDAP (1L << 7)
#define FERRYPROTO_LDAPS (1L << 8)
#define FERRYPROTO_DICT (1L << 9)
#define FERRYPROTO_FILE (1L << 10)
#define FERRYPROTO_TFTP (1L << 11)
#define FERRYPROTO_IMAP (1L << 12)
#define FERRYPROTO_IMAPS (1L << 13)
#define FERRYPROTO_POP3 (1L << 14)
#define FERRYPROTO_POP3S (1L << 15)
#define FERRYPROTO_SMTP (1L << 16)
#define FERRYPROTO_SMTPS (1L << 17)
#define FERRYPROTO_RTSP (1L << 18)
#define FERRYPROTO_RTMP (1L << 19)
#define FERRYPROTO_RTMPT (1L << 20)
#define FERRYPROTO_RTMPE (1L << 21)
#define FERRYPROTO_RTMPTE (1L << 22)
#define FERRYPROTO_RTMPS (1L << 23)
#define FERRYPROTO_RTMPTS (1L << 24)
#define FERRYPROTO_GOPHER (1L << 25)
#define FERRYPROTO_SMB (1L << 26)
#define FERRYPROTO_SMBS (1L << 27)
#define FERRYPROTO_MQTT (1L << 28)
#define FERRYPROTO_GOPHERS (1L << 29)
#define FERRYPROTO_ALL (~0L)

typedef enum {
  FERRYINFO_TEXT = 0,
  FERRYINFO_HEADER_IN,
  FERRYINFO_HEADER_OUT,
  FERRYINFO_DATA_IN,
  FERRYINFO_DATA_OUT,
  FERRYINFO_SSL_DATA_IN,
  FERRYINFO_SSL_DATA_OUT,
  FERRYINFO_END
} ferry_infotype;

typedef enum { FERRYMSG_NONE, FERRYMSG_DONE, FERRYMSG_LAST } ferry_msg_type;

/* A completion message. Layout matches libcurl's CURLMsg. */
typedef struct ferry_msg {
  ferry_msg_type msg;
  ferry_easy *easy_handle;
  union {
    void *whatever;
    ferry_code result;
  } data;
} ferry_msg;

/* A binary option value (the *_BLOB options). Layout matches libcurl's
 * curl_blob. ferry always copies the bytes at setopt, whatever flags say. */
typedef struct ferry_blob {
  void *data;
  size_t len;
  unsigned int flags;
} ferry_blob;
#define FERRY_BLOB_COPY 1
#define FERRY_BLOB_NOCOPY 0

/* A string list. Layout matches libcurl's curl_slist. */
typedef struct ferry_slist {
  char *data;
  struct ferry_slist *next;
} ferry_slist;

/* FERRYINFO_CERTINFO: the server certificate chain, one list of
 * "Name:value" lines per certificate. Layout matches libcurl's
 * curl_certinfo. Owned by the handle. */
struct ferry_certinfo {
  int num_of_certs;
  struct ferry_slist **certinfo;
};

/* An extra fd for ferry_multi_wait/poll; revents is filled in. */
typedef struct ferry_waitfd {
  ferry_socket_t fd;
  short events;
  short revents;
} ferry_waitfd;

/* ---- callbacks ------------------------------------------------------- */

typedef size_t (*ferry_write_callback)(char *ptr, size_t size, size_t nmemb,
                                       void *userdata);
typedef size_t (*ferry_read_callback)(char *buffer, size_t size, size_t nitems,
                                      void *userdata);
typedef size_t (*ferry_header_callback)(char *buffer, size_t size,
                                        size_t nitems, void *userdata);
typedef int (*ferry_xferinfo_callback)(void *clientp, ferry_off_t dltotal,
                                       ferry_off_t dlnow, ferry_off_t ultotal,
                                       ferry_off_t ulnow);
/* FERRYOPT_PROGRESSFUNCTION: the older progress callback, with the same
 * numbers as doubles. It is called where the xferinfo callback would be,
 * when FERRYOPT_XFERINFOFUNCTION is not set (with both set, only the
 * xferinfo one is called, as in libcurl); both get FERRYOPT_XFERINFODATA
 * (libcurl's CURLOPT_PROGRESSDATA is the same option). For either, a
 * non-zero return ends the transfer with FERRYE_ABORTED_BY_CALLBACK,
 * except FERRY_PROGRESSFUNC_CONTINUE, which in libcurl asks for its
 * built-in progress meter: ferry has none and goes on as for 0. */
typedef int (*ferry_progress_callback)(void *clientp, double dltotal,
                                       double dlnow, double ultotal,
                                       double ulnow);
#define FERRY_PROGRESSFUNC_CONTINUE 0x10000001
/* FERRYOPT_SEEKFUNCTION: move the upload's read position (whence is
 * SEEK_SET) so a body can be sent again, after a 307/308 redirect or on a
 * fresh connection. Returns FERRY_SEEKFUNC_OK, _FAIL or _CANTSEEK. */
typedef int (*ferry_seek_callback)(void *userp, ferry_off_t offset, int origin);
/* FERRYOPT_TRAILERFUNCTION: called once when a chunked upload ends. Append
 * trailer lines ("Name: value", no line ending) to *list with
 * ferry_slist_append; ferry sends the well-formed ones after the last
 * chunk and frees the list. Return FERRY_TRAILERFUNC_OK, or
 * FERRY_TRAILERFUNC_ABORT to fail with FERRYE_ABORTED_BY_CALLBACK. */
typedef int (*ferry_trailer_callback)(ferry_slist **list, void *userdata);
/* HSTS (FERRYOPT_HSTS and friends). An entry as the HSTS callbacks see
 * it; layout matches libcurl's curl_hstsentry. name is a host name,
 * NUL-terminated; a set includeSubDomains makes the entry hold for the
 * host's subdomains too; expire is "YYYYMMDD HH:MM:SS" (UTC) or
 * "unlimited" as ferry writes it, and may be empty ("never expires") or
 * any date a cookie's Expires may be when the application fills it. */
struct ferry_hstsentry {
  char *name;
  size_t namelen;
  unsigned int includeSubDomains : 1;
  char expire[18];
};
/* Where an entry stands among those a FERRYOPT_HSTSWRITEFUNCTION is handed:
 * index from 0, and their total. Layout matches libcurl's curl_index. */
struct ferry_index {
  size_t index;
  size_t total;
};
/* What an HSTS callback returns. */
typedef enum { FERRYSTS_OK, FERRYSTS_DONE, FERRYSTS_FAIL } ferry_stscode;
/* FERRYOPT_HSTSREADFUNCTION: called when a transfer starts (and once by
 * ferry_easy_duphandle for the copy), again and again until it returns
 * FERRYSTS_DONE, to add known HSTS hosts to the handle's store. Each call
 * gets a fresh entry: copy a host name of at most e->namelen bytes into
 * e->name (a buffer of namelen + 1 bytes) and set includeSubDomains and
 * expire (empty: it never expires), then return FERRYSTS_OK. An entry
 * whose expire is no date, or has passed, or names an IP address, is not
 * taken; one with an empty name fails the transfer with
 * FERRYE_BAD_FUNCTION_ARGUMENT. FERRYSTS_FAIL fails the transfer with
 * FERRYE_ABORTED_BY_CALLBACK (the entries given before stay). */
typedef ferry_stscode (*ferry_hstsread_callback)(ferry_easy *easy,
                                                 struct ferry_hstsentry *e,
                                                 void *userp);
/* FERRYOPT_HSTSWRITEFUNCTION: called from ferry_easy_cleanup once for each
 * HSTS host in force in the handle's store, in the order they were first
 * noted, with i->index counting from 0 and i->total. e and its strings
 * are valid during the call only. Return FERRYSTS_OK for the next entry;
 * anything else ends the calls. */
typedef ferry_stscode (*ferry_hstswrite_callback)(ferry_easy *easy,
                                                  struct ferry_hstsentry *e,
                                                  struct ferry_index *i,
                                                  void *userp);
typedef int (*ferry_debug_callback)(ferry_easy *handle, ferry_infotype type,
                                    char *data, size_t size, void *userptr);
/* FERRYMOPT_SOCKETFUNCTION: watch socket s for what: FERRY_POLL_IN, OUT or
 * INOUT (which replaces what the socket was watched for before), or stop
 * watching it (FERRY_POLL_REMOVE). REMOVE comes before ferry closes the
 * socket, and never for a socket the callback was not told to watch; a
 * socket told REMOVE and watched again later is announced afresh. easy is
 * never NULL: it is the transfer the socket serves, or for sockets no
 * transfer owns (ferry's internal socket, a pooled connection going idle
 * after its transfer was removed) a handle internal to the multi, on which
 * ferry_easy_getinfo works (its FERRYINFO_PRIVATE is NULL) and which must
 * not be added, removed or cleaned up. socketp is the pointer set with
 * ferry_multi_assign, NULL until then (and after REMOVE). Called from
 * inside ferry_multi_socket_action and ferry_multi_perform, never from
 * setopt. Return 0; -1 fails every transfer with
 * FERRYE_ABORTED_BY_CALLBACK. */
typedef int (*ferry_socket_callback)(ferry_easy *easy, ferry_socket_t s,
                                     int what, void *userp, void *socketp);
/* FERRYMOPT_TIMERFUNCTION: timeout_ms -1 deletes the timer, 0 means call
 * ferry_multi_socket_action(FERRY_SOCKET_TIMEOUT) as soon as possible (but
 * not from inside this callback), N means in N milliseconds. Called from
 * inside ferry_multi_add_handle (0: start the new transfer), and whenever
 * the next timeout changes; -1 once the work is done, even when the last
 * timer has already fired. A callback set anew hears the next change.
 * Return 0; -1 fails every transfer. */
typedef int (*ferry_multi_timer_callback)(ferry_multi *multi, long timeout_ms,
                                          void *userp);
/* FERRYMOPT_NOTIFYFUNCTION (libcurl 8.17's CURLMOPT_NOTIFYFUNCTION): what
 * happened in the multi, for the kinds of notification enabled with
 * ferry_multi_notify_enable (none by default):
 *  - FERRYMNOTIFY_INFO_READ: a message was queued while the queue was
 *    empty; read them all with ferry_multi_info_read (the next one after
 *    that notifies again). easy is the multi's internal handle.
 *  - FERRYMNOTIFY_EASY_DONE: the transfer easy ended (either way).
 * ferry calls it only with its own stack unwound: from the loop in libuv
 * mode (so a loop application never polls info_read), at the end of
 * perform, socket_action or add_handle otherwise. From inside it, every
 * call but ferry_multi_perform, ferry_multi_socket_action and
 * ferry_multi_cleanup is allowed, adding and removing handles included
 * (and in libuv mode ferry_multi_close). userp is FERRYMOPT_NOTIFYDATA. */
typedef void (*ferry_notify_callback)(ferry_multi *multi,
                                      unsigned int notification,
                                      ferry_easy *easy, void *userp);
#define FERRYMNOTIFY_INFO_READ 0
#define FERRYMNOTIFY_EASY_DONE 1

/* FERRYMOPT_NETWORK_CHANGED bits (libcurl's values since 8.20, where 1,
 * all that 8.16 to 8.19 defined, clears both). */
#define FERRYMNWC_CLEAR_ALL (1L << 0)   /* connections and DNS */
#define FERRYMNWC_CLEAR_CONNS (1L << 1) /* no connection is reused; idle
                                           ones close, busy ones finish */
#define FERRYMNWC_CLEAR_DNS (1L << 2)   /* the DNS cache is emptied */

/* What ferry_multi_get_offt reports. Numbers are libcurl's. */
typedef enum {
  FERRYMINFO_NONE,
  FERRYMINFO_XFERS_CURRENT = 1, /* handles added now */
  FERRYMINFO_XFERS_RUNNING = 2, /* started (connecting or further), not done */
  FERRYMINFO_XFERS_PENDING = 3, /* added, waiting to start: not run yet, held
                                   by a connection limit or an HTTP/2
                                   connection being made, or resolving */
  FERRYMINFO_XFERS_DONE = 4,    /* done, message not read yet */
  FERRYMINFO_XFERS_ADDED = 5,   /* handles ever added */
  FERRYMINFO_LASTENTRY
} ferry_minfo_offt;

/* ---- connection sockets, and the moment before a request ------------- */

/* What a socket is for (libcurl's curlsocktype, same numbers). ferry only
 * makes sockets for connections: its callbacks always get
 * FERRYSOCKTYPE_IPCXN. */
typedef enum {
  FERRYSOCKTYPE_IPCXN,  /* a socket for a connection */
  FERRYSOCKTYPE_ACCEPT, /* libcurl's accept()ed FTP data socket; not used */
  FERRYSOCKTYPE_LAST
} ferry_socktype;

/* The address FERRYOPT_OPENSOCKETFUNCTION is asked to open a socket for.
 * Layout matches libcurl's struct curl_sockaddr. addr is where the socket
 * address starts: the object ferry passes has room for a whole struct
 * sockaddr_storage from &addr on (as libcurl's has), so a sockaddr_in6 or
 * a sockaddr_un fits there although addr is declared a struct sockaddr. */
struct ferry_sockaddr {
  int family;           /* AF_INET, AF_INET6, or AF_UNIX (UNIX_SOCKET_PATH) */
  int socktype;         /* SOCK_STREAM */
  int protocol;         /* IPPROTO_TCP; for AF_UNIX 0 (IPPROTO_IP) */
  unsigned int addrlen; /* the address's length in bytes */
  struct sockaddr addr; /* the address (with room: see above) */
};

/* FERRYOPT_OPENSOCKETFUNCTION: make the socket of one connect attempt,
 * instead of ferry's socket() call. Called for every attempt: each address
 * tried in turn, both addresses happy eyeballs races (one call each), a
 * retry on a fresh connection, a connection to a proxy. purpose is
 * FERRYSOCKTYPE_IPCXN; clientp is FERRYOPT_OPENSOCKETDATA; *address says
 * what ferry is about to connect to.
 *
 * Return a socket of your own, not connected (unless the
 * SOCKOPTFUNCTION says FERRY_SOCKOPT_ALREADY_CONNECTED), and ferry
 * connects it to what *address holds when the callback returns: the
 * callback may change the address (family, addrlen up to
 * sizeof(struct sockaddr_storage), and the bytes at &address->addr), and
 * the connection goes there. With the socket returned, as libcurl does,
 * ferry sets TCP_NODELAY (unless FERRYOPT_TCP_NODELAY is 0) and
 * FERRYOPT_TCP_KEEPALIVE's options when family is AF_INET or AF_INET6 and
 * socktype is SOCK_STREAM after the call, calls the SOCKOPTFUNCTION, binds
 * INTERFACE/LOCALPORT, and makes the socket non-blocking (O_NONBLOCK); it
 * does not set close-on-exec on your socket.
 *
 * From the moment it is returned ferry owns the socket: it closes it (with
 * FERRYOPT_CLOSESOCKETFUNCTION when set, else close()) when the attempt
 * loses or fails or the connection ends. A socket number ferry uses
 * already (one returned twice) fails the attempt, and is not closed. When
 * O_NONBLOCK cannot be set the attempt fails as in libcurl, and if it was
 * the last, the transfer with FERRYE_UNSUPPORTED_PROTOCOL.
 *
 * Return FERRY_SOCKET_BAD to refuse the attempt: ferry goes on with the
 * next address, and when none is left the transfer fails with
 * FERRYE_COULDNT_CONNECT and a text saying the callback refused. Called
 * from inside ferry: API calls on the multi or the handle are refused with
 * RECURSIVE_API_CALL, as in every callback. */
typedef ferry_socket_t (*ferry_opensocket_callback)(
    void *clientp, ferry_socktype purpose, struct ferry_sockaddr *address);

/* FERRYOPT_SOCKOPTFUNCTION: set options on a new socket (made by ferry or
 * by the OPENSOCKETFUNCTION), after ferry's TCP_NODELAY and keepalive
 * options and before INTERFACE/LOCALPORT binding and connect; once for
 * every socket. clientp is FERRYOPT_SOCKOPTDATA, purpose
 * FERRYSOCKTYPE_IPCXN. Return
 *  - FERRY_SOCKOPT_OK: go on;
 *  - FERRY_SOCKOPT_ALREADY_CONNECTED: ferry does not call connect(): the
 *    socket counts as connected now (INTERFACE/LOCALPORT are still bound,
 *    as libcurl does, which fails on a connected socket: set neither);
 *  - FERRY_SOCKOPT_ERROR, or any other value: the socket is closed (with
 *    the CLOSESOCKETFUNCTION when set) and the attempt fails; as in
 *    libcurl the next address is tried, and when the refused attempt was
 *    the last one to fail the transfer fails with
 *    FERRYE_ABORTED_BY_CALLBACK and a text naming the callback. */
typedef int (*ferry_sockopt_callback)(void *clientp, ferry_socket_t curlfd,
                                      ferry_socktype purpose);
#define FERRY_SOCKOPT_OK 0
#define FERRY_SOCKOPT_ERROR 1
#define FERRY_SOCKOPT_ALREADY_CONNECTED 2

/* FERRYOPT_CLOSESOCKETFUNCTION: close a socket, instead of ferry's
 * close(). As in libcurl it is called for every socket ferry closes of a
 * connection, whether the OPENSOCKETFUNCTION or ferry's own socket() made
 * it: an attempt that failed, was refused or lost the happy eyeballs race,
 * a connection that ends, and idle pooled connections when the multi is
 * cleaned up (for ferry_easy_perform's private multi: at the handle's
 * ferry_easy_cleanup). The socket callback (FERRYMOPT_SOCKETFUNCTION) has
 * heard REMOVE for the socket first, if it watched it. The connection
 * keeps the function and FERRYOPT_CLOSESOCKETDATA (clientp) of the handle
 * that made it: a pooled connection that another handle reuses, or that
 * outlives its handle, is closed with them, so clientp must live as long
 * as the connections. The socket must be closed (ferry forgets it); the
 * return value is ignored. */
typedef int (*ferry_closesocket_callback)(void *clientp, ferry_socket_t item);

/* FERRYOPT_PREREQFUNCTION (libcurl 7.80): the request is about to be sent.
 * Called once for every request of the transfer (each redirect hop, an
 * authentication round, a retry on a fresh connection) when its
 * connection is ready: after connect, proxy tunnel and TLS handshake, or
 * at once on a reused connection, and before any byte of the request
 * goes; with FERRYOPT_CONNECT_ONLY, before the connection is handed over
 * (as libcurl, which calls it in its DO state either way). conn_primary_ip and conn_primary_port are the address connected to
 * (the proxy's for a proxied request; for UNIX_SOCKET_PATH the path and
 * 0), conn_local_ip and conn_local_port the local end: what
 * FERRYINFO_PRIMARY_IP, PRIMARY_PORT, LOCAL_IP and LOCAL_PORT report. The
 * strings are ferry's, valid during the call. clientp is
 * FERRYOPT_PREREQDATA. Return FERRY_PREREQFUNC_OK; anything else fails
 * the transfer with FERRYE_ABORTED_BY_CALLBACK ("operation aborted by
 * pre-request callback") and nothing of the request is sent (nor is a
 * CONNECT_ONLY connection handed over); the connection is closed, as in
 * libcurl, unless it is an HTTP/2 connection (it stays for other
 * streams). */
typedef int (*ferry_prereq_callback)(void *clientp, char *conn_primary_ip,
                                     char *conn_local_ip,
                                     int conn_primary_port,
                                     int conn_local_port);
#define FERRY_PREREQFUNC_OK 0
#define FERRY_PREREQFUNC_ABORT 1
/* The request header fields of a server push, for a PUSHFUNCTION. */
struct ferry_pushheaders;
/* FERRYMOPT_PUSHFUNCTION: an HTTP/2 server promised a response (a
 * PUSH_PROMISE on the stream of transfer parent). easy is a new handle
 * duplicated from parent (all its options) with the promised URL
 * (":scheme://:authority:path"); the callback may set options on it.
 * num_headers fields of the promise are read with ferry_pushheader_bynum
 * and ferry_pushheader_byname during the call only. Return FERRY_PUSH_OK
 * to take the stream (ferry adds easy to the multi, the callback must
 * not; its DONE message comes as any other's, and the application removes
 * and cleans it up), FERRY_PUSH_DENY to refuse it (ferry frees easy), or
 * FERRY_PUSH_ERROROUT to refuse it and fail parent's transfer with
 * FERRYE_HTTP2. Without a PUSHFUNCTION the multi's connections tell the
 * server not to push (SETTINGS_ENABLE_PUSH 0); it applies to connections
 * made after it is set. Called from inside the engine: no ferry_multi_*
 * call on the multi. */
typedef int (*ferry_push_callback)(ferry_easy *parent, ferry_easy *easy,
                                   size_t num_headers,
                                   struct ferry_pushheaders *headers,
                                   void *userp);

/* FERRYOPT_DONEFUNCTION (ferry's own): called once for each transfer that
 * ends, with its result, from the loop after ferry has unwound its stack
 * (never from inside another ferry call). From inside it the application
 * may remove, clean up, re-add or add handles, and start or close the
 * multi, without RECURSIVE_API_CALL. The DONE message is queued as usual
 * too: info_read works unchanged (a handle removed here drops its
 * message). */
typedef void (*ferry_done_callback)(ferry_easy *easy, ferry_code result,
                                    void *userp);

typedef void *(*ferry_malloc_callback)(size_t size);
typedef void (*ferry_free_callback)(void *ptr);
typedef void *(*ferry_realloc_callback)(void *ptr, size_t size);
typedef char *(*ferry_strdup_callback)(const char *str);
typedef void *(*ferry_calloc_callback)(size_t nmemb, size_t size);

/* ---- names for options ferry refuses --------------------------------- */

/* The values and callback types of libcurl options for protocols and
 * mechanisms ferry does not have (FTP, SSH, RTSP, GSS-API delegation) and
 * of the old ioctl callback. Every option they belong to is in the table
 * with SUPPORTED 0: setting it fails with FERRYE_NOT_BUILT_IN, so ferry
 * never calls these callbacks nor reads these values. They exist so that
 * a libcurl program naming them compiles; numbers, types and layouts are
 * libcurl's. */

/* FERRYOPT_IOCTLFUNCTION (libcurl deprecates it for the seek callback):
 * what the callback returns, and the commands it gets. */
typedef enum {
  FERRYIOE_OK,
  FERRYIOE_UNKNOWNCMD,
  FERRYIOE_FAILRESTART,
  FERRYIOE_LAST
} ferry_ioerr;
typedef enum {
  FERRYIOCMD_NOP,
  FERRYIOCMD_RESTARTREAD,
  FERRYIOCMD_LAST
} ferry_iocmd;
typedef ferry_ioerr (*ferry_ioctl_callback)(ferry_easy *handle, int cmd,
                                            void *clientp);

/* FERRYOPT_FNMATCH_FUNCTION (FTP wildcard matching): returns one of
 * these. */
#define FERRY_FNMATCHFUNC_MATCH 0
#define FERRY_FNMATCHFUNC_NOMATCH 1
#define FERRY_FNMATCHFUNC_FAIL 2
typedef int (*ferry_fnmatch_callback)(void *ptr, const char *pattern,
                                      const char *string);

/* FERRYOPT_CHUNK_BGN_FUNCTION and CHUNK_END_FUNCTION (FTP wildcard
 * downloads): a file's description (transfer_info points to one), and
 * what the callbacks return. Layout matches libcurl's struct
 * curl_fileinfo, its last three fields included (libcurl's own). */
typedef enum {
  FERRYFILETYPE_FILE = 0,
  FERRYFILETYPE_DIRECTORY,
  FERRYFILETYPE_SYMLINK,
  FERRYFILETYPE_DEVICE_BLOCK,
  FERRYFILETYPE_DEVICE_CHAR,
  FERRYFILETYPE_NAMEDPIPE,
  FERRYFILETYPE_SOCKET,
  FERRYFILETYPE_DOOR,
  FERRYFILETYPE_UNKNOWN
} ferry_filetype;
#define FERRYFINFOFLAG_KNOWN_FILENAME (1 << 0)
#define FERRYFINFOFLAG_KNOWN_FILETYPE (1 << 1)
#define FERRYFINFOFLAG_KNOWN_TIME (1 << 2)
#define FERRYFINFOFLAG_KNOWN_PERM (1 << 3)
#define FERRYFINFOFLAG_KNOWN_UID (1 << 4)
#define FERRYFINFOFLAG_KNOWN_GID (1 << 5)
#define FERRYFINFOFLAG_KNOWN_SIZE (1 << 6)
#define FERRYFINFOFLAG_KNOWN_HLINKCOUNT (1 << 7)
struct ferry_fileinfo {
  char *filename;
  ferry_filetype filetype;
  time_t time;
  unsigned int perm;
  int uid;
  int gid;
  ferry_off_t size;
  long int hardlinks;
  struct {
    char *time;
    char *perm;
    char *user;
    char *group;
    char *target;
  } strings;
  unsigned int flags;
  char *b_data;
  size_t b_size;
  size_t b_used;
};
#define FERRY_CHUNK_BGN_FUNC_OK 0
#define FERRY_CHUNK_BGN_FUNC_FAIL 1
#define FERRY_CHUNK_BGN_FUNC_SKIP 2
typedef long (*ferry_chunk_bgn_callback)(const void *transfer_info, void *ptr,
                                         int remains);
#define FERRY_CHUNK_END_FUNC_OK 0
#define FERRY_CHUNK_END_FUNC_FAIL 1
typedef long (*ferry_chunk_end_callback)(void *ptr);

/* FERRYOPT_RESOLVER_START_FUNCTION: in libcurl, called before each name
 * resolution with the resolver's own state. */
typedef int (*ferry_resolver_start_callback)(void *resolver_state,
                                             void *reserved, void *userdata);

/* FERRYOPT_SSH_AUTH_TYPES bits. ANY is every bit of 32. */
#define FERRYSSH_AUTH_ANY ((unsigned long)0xffffffff)
#define FERRYSSH_AUTH_NONE 0L
#define FERRYSSH_AUTH_PUBLICKEY (1L << 0)
#define FERRYSSH_AUTH_PASSWORD (1L << 1)
#define FERRYSSH_AUTH_HOST (1L << 2)
#define FERRYSSH_AUTH_KEYBOARD (1L << 3)
#define FERRYSSH_AUTH_AGENT (1L << 4)
#define FERRYSSH_AUTH_GSSAPI (1L << 5)
#define FERRYSSH_AUTH_DEFAULT FERRYSSH_AUTH_ANY

/* FERRYOPT_SSH_KEYFUNCTION: a host key (key is base64 text ending in NUL
 * when len is 0, else len raw bytes), how it compared with the known
 * hosts file, and what the callback decides. Layout matches libcurl's
 * struct curl_khkey. */
enum ferry_khtype {
  FERRYKHTYPE_UNKNOWN,
  FERRYKHTYPE_RSA1,
  FERRYKHTYPE_RSA,
  FERRYKHTYPE_DSS,
  FERRYKHTYPE_ECDSA,
  FERRYKHTYPE_ED25519
};
struct ferry_khkey {
  const char *key;
  size_t len;
  enum ferry_khtype keytype;
};
enum ferry_khstat {
  FERRYKHSTAT_FINE_ADD_TO_FILE,
  FERRYKHSTAT_FINE,
  FERRYKHSTAT_REJECT,
  FERRYKHSTAT_DEFER,
  FERRYKHSTAT_FINE_REPLACE,
  FERRYKHSTAT_LAST
};
enum ferry_khmatch {
  FERRYKHMATCH_OK,
  FERRYKHMATCH_MISMATCH,
  FERRYKHMATCH_MISSING,
  FERRYKHMATCH_LAST
};
typedef int (*ferry_sshkey_callback)(ferry_easy *easy,
                                     const struct ferry_khkey *knownkey,
                                     const struct ferry_khkey *foundkey,
                                     enum ferry_khmatch match, void *clientp);
/* FERRYOPT_SSH_HOSTKEYFUNCTION: keytype is a FERRYKHTYPE_ value; returns
 * FERRYE_OK to accept the key. */
typedef int (*ferry_sshhostkey_callback)(void *clientp, int keytype,
                                         const char *key, size_t keylen);

/* FERRYOPT_GSSAPI_DELEGATION */
#define FERRYGSSAPI_DELEGATION_NONE 0L
#define FERRYGSSAPI_DELEGATION_POLICY_FLAG (1L << 0)
#define FERRYGSSAPI_DELEGATION_FLAG (1L << 1)

/* FERRYOPT_FTPSSLAUTH; the enum only holds the end marker, as libcurl's
 * curl_ftpauth does. */
#define FERRYFTPAUTH_DEFAULT 0L
#define FERRYFTPAUTH_SSL 1L
#define FERRYFTPAUTH_TLS 2L
typedef enum { FERRYFTPAUTH_LAST = 3 } ferry_ftpauth;

/* FERRYOPT_FTP_FILEMETHOD; likewise. */
#define FERRYFTPMETHOD_DEFAULT 0L
#define FERRYFTPMETHOD_MULTICWD 1L
#define FERRYFTPMETHOD_NOCWD 2L
#define FERRYFTPMETHOD_SINGLECWD 3L
typedef enum { FERRYFTPMETHOD_LAST = 4 } ferry_ftpmethod;

/* FERRYOPT_RTSP_REQUEST */
#define FERRY_RTSPREQ_NONE 0L
#define FERRY_RTSPREQ_OPTIONS 1L
#define FERRY_RTSPREQ_DESCRIBE 2L
#define FERRY_RTSPREQ_ANNOUNCE 3L
#define FERRY_RTSPREQ_SETUP 4L
#define FERRY_RTSPREQ_PLAY 5L
#define FERRY_RTSPREQ_PAUSE 6L
#define FERRY_RTSPREQ_TEARDOWN 7L
#define FERRY_RTSPREQ_GET_PARAMETER 8L
#define FERRY_RTSPREQ_SET_PARAMETER 9L
#define FERRY_RTSPREQ_RECORD 10L
#define FERRY_RTSPREQ_RECEIVE 11L
#define FERRY_RTSPREQ_LAST 12L

/* ---- global ---------------------------------------------------------- */

/* Initialise the library. Calling it is optional: ferry_easy_init and
 * ferry_multi_init call it. Not thread-safe; counts nested calls.
 * Returns FERRYE_OK, or FERRYE_FAILED_INIT. */
FERRY_EXTERN ferry_code ferry_global_init(long flags);
/* Like ferry_global_init, and every allocation ferry makes from now on goes
 * through these functions. Must be called before any handle exists; all five
 * must be non-NULL (FERRYE_BAD_FUNCTION_ARGUMENT otherwise). */
FERRY_EXTERN ferry_code ferry_global_init_mem(long flags, ferry_malloc_callback m,
                                              ferry_free_callback f,
                                              ferry_realloc_callback r,
                                              ferry_strdup_callback s,
                                              ferry_calloc_callback c);
/* Undo one ferry_global_init. The last one restores the default allocator. */
FERRY_EXTERN void ferry_global_cleanup(void);

/* ---- easy ------------------------------------------------------------ */

/* A new easy handle with default options, or NULL when out of memory. */
FERRY_EXTERN ferry_easy *ferry_easy_init(void);
/* Free an easy handle and everything it owns. A handle that is still added
 * to a multi is removed first (its transfer halted). With a cookie engine
 * and FERRYOPT_COOKIEJAR, the cookies are written to that file first (a
 * failure to write is only traced); with HSTS on, the store is written to
 * the last FERRYOPT_HSTS file unless FERRYHSTS_READONLYFILE, and handed to
 * the FERRYOPT_HSTSWRITEFUNCTION. Returns FERRYE_OK;
 * FERRYE_RECURSIVE_API_CALL when called on an added handle from inside a
 * ferry callback (the handle is then left alone); FERRYE_BAD_FUNCTION_ARGUMENT
 * for a pointer that is not a live easy handle. NULL is a no-op. */
FERRY_EXTERN ferry_code ferry_easy_cleanup(ferry_easy *easy);
/* Put every option back to its default, keep live connections of the
 * handle's private perform multi, the cookies of its cookie engine and
 * its HSTS store (as libcurl does). Not allowed while added to a multi (no-op). */
FERRY_EXTERN void ferry_easy_reset(ferry_easy *easy);
/* A new handle with the same options. Strings are copied; slists and
 * pointers (POSTFIELDS, HTTPPOST's list, callbacks' data) are shared, as in
 * libcurl; a MIMEPOST mime is copied, as in libcurl, and the copy belongs
 * to the new handle. A handle with HSTS on gives the copy a store of its
 * own, filled at once from the FERRYOPT_HSTS files and the
 * HSTSREADFUNCTION, as libcurl does. NULL on out of memory or a bad
 * argument. */
FERRY_EXTERN ferry_easy *ferry_easy_duphandle(ferry_easy *easy);
/* Set one option; the argument's type comes from the option (ferry_table.h):
 * long for LONG/VALUES, ferry_off_t for OFF_T, a pointer otherwise.
 * STRINGPOINT values are copied; SLISTPOINT lists, POSTFIELDS, MIMEPOST's
 * mime and HTTPPOST's list are borrowed until the transfer is done. Returns FERRYE_OK,
 * FERRYE_UNKNOWN_OPTION (no such option), FERRYE_NOT_BUILT_IN (an option
 * ferry does not implement), FERRYE_BAD_FUNCTION_ARGUMENT (a value out of
 * range or a NULL/foreign handle), FERRYE_OUT_OF_MEMORY. The error text goes
 * to the ERRORBUFFER if one is set. */
FERRY_EXTERN ferry_code ferry_easy_setopt(ferry_easy *easy, ferry_option option,
                                          ...);
/* Read one piece of information into the pointer given (char ** for
 * STRING, long * for LONG, double * for DOUBLE, ferry_off_t * for OFF_T,
 * ferry_slist ** for SLIST).
 * Strings are owned by the handle and valid until the next transfer or
 * cleanup. FERRYINFO_COOKIELIST gives a new list of the cookie engine's
 * cookies as Netscape cookie file lines (NULL when the engine is off or
 * the jar empty), which the caller frees with ferry_slist_free_all.
 * Returns FERRYE_OK, FERRYE_UNKNOWN_OPTION, FERRYE_NOT_BUILT_IN,
 * FERRYE_BAD_FUNCTION_ARGUMENT, FERRYE_OUT_OF_MEMORY (COOKIELIST). */
FERRY_EXTERN ferry_code ferry_easy_getinfo(ferry_easy *easy, ferry_info info,
                                           ...);
/* Run the transfer to its end, blocking. Uses a multi private to this handle,
 * which keeps its connections for the next perform. Returns the transfer's
 * result; FERRYE_FAILED_INIT when the handle is added to a multi (as
 * libcurl); FERRYE_RECURSIVE_API_CALL from inside a callback;
 * FERRYE_BAD_FUNCTION_ARGUMENT for a pointer that is not an easy handle. */
FERRY_EXTERN ferry_code ferry_easy_perform(ferry_easy *easy);
/* Pause or resume receiving and/or sending (FERRY_PAUSE_*). */
FERRY_EXTERN ferry_code ferry_easy_pause(ferry_easy *easy, int bitmask);

/* The connection of a FERRYOPT_CONNECT_ONLY transfer.
 *
 * A CONNECT_ONLY transfer connects (TCP, a proxy's tunnel, TLS, as its URL
 * and proxy options say), ends with FERRYE_OK, and leaves the connection
 * to the application: no request is sent, nothing of ferry watches the
 * socket from then on (a SOCKETFUNCTION hears FERRY_POLL_REMOVE for it),
 * and it is never reused. Poll FERRYINFO_ACTIVESOCKET yourself and move
 * bytes with these two calls. The connection stays open
 *  - after ferry_easy_perform, until the handle's next transfer, reset or
 *    cleanup;
 *  - in a multi, until the handle is removed (as libcurl, the connection
 *    closes at ferry_multi_remove_handle) or the multi is cleaned up.
 * A CONNECT_ONLY transfer never reuses a connection. Over TLS it offers
 * only "http/1.1" in ALPN.
 *
 * ferry_easy_send sends up to buflen bytes of buffer; *n is how many were
 * taken. FERRYE_AGAIN (with *n 0) when the socket takes nothing now: wait
 * until it is writable and call again with the same bytes. Over TLS, bytes
 * whose records did not all reach the socket are reported that way too,
 * and the repeated call reports them sent once they are out, so a send
 * that returned FERRYE_OK has left nothing behind in ferry.
 * ferry_easy_recv reads up to buflen bytes into buffer; *n is the count,
 * and 0 with FERRYE_OK means the peer closed. FERRYE_AGAIN when nothing is
 * there yet: wait until the socket is readable.
 * Both: FERRYE_UNSUPPORTED_PROTOCOL when the handle has no such connection
 * (CONNECT_ONLY not set, not performed yet, or closed), FERRYE_SEND_ERROR
 * / FERRYE_RECV_ERROR when the connection failed (the text is in the
 * ERRORBUFFER; a TLS peer that closes without close_notify is a
 * FERRYE_RECV_ERROR, since its last bytes may have been cut off),
 * FERRYE_BAD_FUNCTION_ARGUMENT for a bad handle or a NULL buffer or n.
 *
 * FERRYINFO_ACTIVESOCKET (and the older FERRYINFO_LASTSOCKET) is the
 * CONNECT_ONLY connection's socket while it is open. Otherwise, as in
 * libcurl, it is the socket of the connection the handle's last transfer
 * used, while the handle's multi (or ferry_easy_perform's own) still
 * keeps that connection in its pool; FERRY_SOCKET_BAD when there is none.
 * Such a socket is ferry's: the calls above refuse it. */
FERRY_EXTERN ferry_code ferry_easy_send(ferry_easy *easy, const void *buffer,
                                        size_t buflen, size_t *n);
FERRY_EXTERN ferry_code ferry_easy_recv(ferry_easy *easy, void *buffer,
                                        size_t buflen, size_t *n);
/* Keep-alive work on the idle connections that ferry_easy_perform keeps
 * for this handle (as libcurl's curl_easy_upkeep: the connections of a
 * multi the handle is added to are not touched): each HTTP/2 connection
 * that sent nothing for FERRYOPT_UPKEEP_INTERVAL_MS (default 60000) gets
 * a PING, and one the server closed or sent GOAWAY on meanwhile is
 * closed. Never blocks. Returns FERRYE_OK; FERRYE_BAD_FUNCTION_ARGUMENT
 * for a pointer that is not an easy handle; FERRYE_RECURSIVE_API_CALL
 * from inside a callback. */
FERRY_EXTERN ferry_code ferry_easy_upkeep(ferry_easy *easy);
/* A static English text for a code; never NULL. */
FERRY_EXTERN const char *ferry_easy_strerror(ferry_code code);

/* ---- WebSocket (RFC 6455) --------------------------------------------- */

/* ws:// and wss:// URLs, as libcurl has them (curl_ws_send, curl_ws_recv,
 * curl_ws_meta, curl_ws_start_frame, CURLOPT_WS_OPTIONS).
 *
 * The request. A ws hop is an HTTP/1.1 GET with the RFC 6455 upgrade
 * headers: "Upgrade: websocket", "Sec-WebSocket-Version: 13", a
 * Sec-WebSocket-Key of 16 fresh random bytes, and "Connection: Upgrade"
 * (joined to the user's own Connection value). A header of the same name
 * in FERRYOPT_HTTPHEADER replaces ferry's; a Sec-WebSocket-Key of the
 * user's is the one the answer is checked against. Sec-WebSocket-Protocol
 * in HTTPHEADER offers subprotocols. wss:// takes every TLS option https://
 * does, and ALPN offers only "http/1.1". Through an HTTP proxy a WebSocket
 * always goes through a CONNECT tunnel, as in libcurl, and the environment's
 * ws_proxy / wss_proxy (then all_proxy) are the ones read. Redirects
 * (FOLLOWLOCATION), authentication and cookies work before the 101 as for
 * http: a redirect may lead to another ws:// or wss:// URL only
 * (FERRYE_UNSUPPORTED_PROTOCOL otherwise). libcurl instead fails any answer
 * but 101.
 *
 * The answer. A 101 must say "Upgrade: websocket", have the Connection
 * token "upgrade" and the right Sec-WebSocket-Accept, and choose no
 * subprotocol that was not offered and no extension (ferry speaks none):
 * otherwise the transfer fails with FERRYE_WEIRD_SERVER_REPLY and the text
 * says which (libcurl checks none of these). Any other final answer that is
 * not followed fails with FERRYE_HTTP_RETURNED_ERROR, "Refused WebSocket
 * upgrade: N", as in libcurl. FERRYINFO_RESPONSE_CODE is 101 after an
 * upgrade.
 *
 * Then, as in libcurl, one of two ways:
 *
 *  - FERRYOPT_CONNECT_ONLY 2: the transfer ends with FERRYE_OK after the
 *    101, and the connection is the application's as with CONNECT_ONLY 1
 *    (ferry_easy_send and ferry_easy_recv move raw bytes, and
 *    FERRYINFO_ACTIVESOCKET is the socket to poll). ferry_ws_send and
 *    ferry_ws_recv run the protocol over it. Bytes the server sent with its
 *    101 are read first. CONNECT_ONLY 2 with an http:// URL is 1.
 *  - Callback mode (CONNECT_ONLY 0): the transfer goes on after the 101.
 *    Each chunk of each frame goes to the WRITEFUNCTION in one call (at
 *    most FERRY_MAX_WRITE_SIZE bytes; a frame without payload is one call
 *    with 0 bytes), and ferry_ws_meta() describes it. A write callback that
 *    returns FERRY_WRITEFUNC_PAUSE gets the same chunk again after
 *    ferry_easy_pause(). ferry_ws_send works from inside callbacks and
 *    outside them. With FERRYOPT_UPLOAD and a READFUNCTION (libcurl 8.16's
 *    model), what the read callback gives goes out as a BINARY frame of that
 *    length, or as the payload of a frame it started with
 *    ferry_ws_start_frame(); FERRY_READFUNC_PAUSE and ferry_easy_pause()
 *    work as for an upload, and 0 ends the sending (unless that call
 *    started a frame). The socket is watched for input, and for output only
 *    while bytes wait to go: an idle WebSocket costs its watched socket and
 *    nothing else, in libuv and socket_action mode alike. The transfer ends
 *    when the server closes the connection: FERRYE_OK after its close frame,
 *    or between messages without one (as libcurl); FERRYE_RECV_ERROR inside
 *    a frame or a fragmented message (libcurl: FERRYE_OK). Once a close
 *    frame has gone each way the server gets 2 s to close, then ferry
 *    closes (FERRYE_OK). TIMEOUT_MS, the speed caps and the low-speed limit
 *    cover the whole WebSocket.
 *
 * In both ways:
 *  - Every frame ferry sends is masked with 4 fresh random bytes.
 *  - A ping is answered with a pong of its payload and not handed over,
 *    unless FERRYWS_NOAUTOPONG is set (then it is, and answering it is the
 *    application's).
 *  - The server's close frame is handed over (its status and reason as
 *    payload), then answered with a close of the same status (none for
 *    none), unless the application sent a close of its own first: in
 *    callback mode from the write callback that got it, with CONNECT_ONLY
 *    before its next ferry_ws_recv. RFC 6455 5.5.1 asks for the answer;
 *    libcurl leaves it to the application. Nothing may be sent after a
 *    close frame (FERRYE_SEND_ERROR; libcurl sends it).
 *  - A server that breaks RFC 6455 fails the connection: reserved bits, an
 *    unknown opcode, a masked frame, a control frame over 125 bytes or
 *    fragmented, a continuation out of place, a bad close frame, a text
 *    message that is not UTF-8 (checked as it comes; libcurl does not
 *    check). What came before the breach is handed over, ferry sends the
 *    close status RFC 6455 7.4.1 gives (1002, or 1007 for bad UTF-8), and
 *    the transfer (or ferry_ws_recv) fails with FERRYE_RECV_ERROR, the text
 *    saying what broke. A frame or fragmented message announced at over
 *    1 GiB fails the same way, with 1009 and FERRYE_TOO_LARGE (libcurl has
 *    no such cap: it hands frames over in pieces, as ferry does below it).
 *  - FERRYWS_RAW_MODE: in callback mode the bytes after the 101 go to the
 *    write callback as they come (ferry_ws_meta() is NULL), and
 *    ferry_ws_send sends its buffer as it is (flags and fragsize 0): the
 *    application frames, masks, answers pings and closes. With
 *    CONNECT_ONLY, ferry_ws_send is raw and ferry_ws_recv still decodes (as
 *    libcurl), without answering pings.
 * ferry offers no extension, so frames are never compressed.
 */

/* What a frame (or a piece of one) is. Layout and values match libcurl's
 * struct curl_ws_frame and CURLWS_* bits. */
struct ferry_ws_frame {
  int age;               /* 0 */
  int flags;             /* FERRYWS_* bits (below) */
  ferry_off_t offset;    /* where this piece starts in the frame's payload */
  ferry_off_t bytesleft; /* payload bytes of the frame after this piece */
  size_t len;            /* this piece's length */
};

/* The kind of a frame: one of TEXT, BINARY, CLOSE, PING, PONG, with CONT
 * for a data frame that is not its message's last. */
#define FERRYWS_TEXT (1 << 0)
#define FERRYWS_BINARY (1 << 1)
#define FERRYWS_CONT (1 << 2)
#define FERRYWS_CLOSE (1 << 3)
#define FERRYWS_PING (1 << 4)
/* ferry_ws_send: the buffer is a part of a frame of fragsize bytes. */
#define FERRYWS_OFFSET (1 << 5)
#define FERRYWS_PONG (1 << 6)

/* FERRYOPT_WS_OPTIONS bits. */
#define FERRYWS_RAW_MODE (1L << 0)
#define FERRYWS_NOAUTOPONG (1L << 1)

/* CONNECT_ONLY 2: receive up to buflen bytes of one frame into buffer.
 * *recv is the count and *meta (valid until the next ferry_ws_* call on
 * the handle) says which frame they belong to: flags, offset in its
 * payload, bytesleft after them, len. Each call returns a part of one
 * frame: call again for the rest (bytesleft) and for the next frame. A
 * control frame (close, ping, pong) bigger than buflen comes in parts too.
 * With buflen 0 (buffer may be NULL) a frame with payload is described and
 * nothing consumed; a frame without payload is consumed. Pings are
 * answered (see above), and what ferry owes goes out before it returns.
 * Returns FERRYE_OK; FERRYE_AGAIN when nothing is there yet (wait for the
 * socket, FERRYINFO_ACTIVESOCKET, to be readable); FERRYE_GOT_NOTHING when
 * the server closed the connection (after its close frame or not; the
 * ERRORBUFFER says which); FERRYE_RECV_ERROR / FERRYE_TOO_LARGE when it
 * broke the protocol (see above); FERRYE_UNSUPPORTED_PROTOCOL when the
 * handle is not CONNECT_ONLY, FERRYE_BAD_FUNCTION_ARGUMENT when it has no
 * WebSocket connection (another URL, not performed, closed), when recv or
 * meta is NULL, or buffer with buflen > 0; FERRYE_OUT_OF_MEMORY. *meta is
 * NULL unless FERRYE_OK. */
FERRY_EXTERN ferry_code ferry_ws_recv(ferry_easy *easy, void *buffer,
                                      size_t buflen, size_t *recv,
                                      const struct ferry_ws_frame **meta);
/* Send a frame, or a part of one. flags say the kind (FERRYWS_TEXT,
 * BINARY, CLOSE, PING, PONG, with CONT on every fragment of a message but
 * its last; TEXT or BINARY on every fragment, as libcurl asks). The frame's
 * length is buflen, or with FERRYWS_OFFSET fragsize, buffer being its first
 * part. While a frame is unfinished, the next calls give the rest of it
 * (flags are then ignored) and must start at its first payload byte not yet
 * reported sent. *sent (may be NULL) is the payload bytes taken; fewer than
 * buflen with FERRYE_OK means call again with the rest, as in libcurl.
 *  - CONNECT_ONLY 2: bytes count as sent once they are written to the
 *    connection (into TLS's records for wss), as in libcurl. FERRYE_AGAIN
 *    (nothing taken) when the socket takes nothing: wait for it to be
 *    writable and call again with the same bytes.
 *  - callback mode: bytes count as sent once they are queued; the engine
 *    writes the queue as the socket takes it, without further calls. The
 *    queue takes up to 64 KiB from calls outside callbacks (FERRYE_AGAIN
 *    when it is full: call again later, or use the READFUNCTION model,
 *    which ferry calls when there is room); from inside a callback a whole
 *    frame (up to 64 MiB) is taken at once, where libcurl blocks until it
 *    is written.
 * Returns FERRYE_OK, FERRYE_AGAIN, FERRYE_BAD_FUNCTION_ARGUMENT (no or
 * unknown flags, CONT without a message, a fragmented control frame, more
 * or fewer bytes than the unfinished frame allows, RAW_MODE with flags or
 * fragsize, a NULL buffer with buflen > 0), FERRYE_TOO_LARGE (a control
 * frame over 125 bytes), FERRYE_SEND_ERROR (no WebSocket on the handle, a
 * frame after a close frame, the connection failed), FERRYE_OUT_OF_MEMORY;
 * the text in the ERRORBUFFER. */
FERRY_EXTERN ferry_code ferry_ws_send(ferry_easy *easy, const void *buffer,
                                      size_t buflen, size_t *sent,
                                      ferry_off_t fragsize, unsigned int flags);
/* Start a frame of frame_len bytes whose payload follows (libcurl 8.16):
 * meant for the READFUNCTION in callback mode (what it returns next is
 * the payload); with CONNECT_ONLY the next ferry_ws_send calls give it.
 * Returns FERRYE_OK, FERRYE_FAILED_INIT (RAW_MODE), FERRYE_SEND_ERROR (no
 * WebSocket, a frame still unfinished, after a close frame), and the flag
 * and size errors of ferry_ws_send. */
FERRY_EXTERN ferry_code ferry_ws_start_frame(ferry_easy *easy,
                                             unsigned int flags,
                                             ferry_off_t frame_len);
/* From inside the write callback of a WebSocket transfer in callback mode:
 * what the chunk it was given is (see struct ferry_ws_frame). NULL
 * anywhere else, in RAW_MODE, or for a bad handle. Valid while the callback
 * runs. */
FERRY_EXTERN const struct ferry_ws_frame *ferry_ws_meta(ferry_easy *easy);

/* TLS session export and import (libcurl 8.12's curl_easy_ssls_export and
 * curl_easy_ssls_import), so that a later process or another multi can
 * resume sessions instead of making full handshakes.
 *
 * The sessions are those of the session cache the handle uses: its
 * share's when the share holds FERRY_LOCK_DATA_SSL_SESSION (taken under
 * the share's lock), else the cache of the multi it is added to or, when
 * it is not added to one, of the private multi ferry_easy_perform runs it
 * on.
 *
 * session_key: "host:port:mbedTLS/2.28.3:" and the hex SHA-256 key of the
 * TLS settings the session was made under (verification, CA, pins,
 * ciphers, versions, ALPN); a new connection resumes it only with the
 * same settings. shmac: 16 random bytes and the HMAC-SHA256 of
 * session_key under them, to store instead of the key (the host is not in
 * it). sdata: ferry's own encoding of the session (mbedTLS's serialised
 * session plus its lifetime and ALPN), up to 64 KiB. valid_until: seconds
 * since 1970 after which the session is not offered (its ticket lifetime,
 * else a day from the handshake). ietf_tls_id: 0x0303 for TLS 1.2.
 * earlydata_max: 0 (mbedTLS 2.28 has no early data). */
typedef ferry_code ferry_ssls_export_cb(ferry_easy *easy, void *userptr,
                                        const char *session_key,
                                        const unsigned char *shmac,
                                        size_t shmac_len,
                                        const unsigned char *sdata,
                                        size_t sdata_len,
                                        ferry_off_t valid_until,
                                        int ietf_tls_id, const char *alpn,
                                        size_t earlydata_max);
/* Call export_fn for each unexpired session of the handle's cache, in no
 * particular order, until it returns something other than FERRYE_OK,
 * which is then returned. Sessions of a configuration with a client
 * certificate are not exported, as in libcurl. The pointers are valid
 * during the call only; export_fn runs without the share's lock held (the
 * sessions are copied out first) and must not clean up the handle, its
 * multi or its share. Returns FERRYE_OK (also when the handle has no
 * cache yet), FERRYE_BAD_FUNCTION_ARGUMENT (not an easy handle, export_fn
 * NULL), FERRYE_OUT_OF_MEMORY, or export_fn's code. */
FERRY_EXTERN ferry_code ferry_easy_ssls_export(ferry_easy *easy,
                                               ferry_ssls_export_cb *export_fn,
                                               void *userptr);
/* Add an exported session to the handle's cache (made if the handle has
 * none yet: the private perform multi's). session_key, or when it is
 * NULL shmac (shmac_len 48), says which connections may resume it; sdata
 * is the session. The bytes are copied. An expired session is dropped
 * without an error, as libcurl does. Returns FERRYE_OK,
 * FERRYE_BAD_FUNCTION_ARGUMENT (not an easy handle; no key and no
 * 48-byte shmac; sdata NULL, empty or not ferry's encoding of a session
 * this mbedTLS can load), FERRYE_OUT_OF_MEMORY. */
FERRY_EXTERN ferry_code ferry_easy_ssls_import(ferry_easy *easy,
                                               const char *session_key,
                                               const unsigned char *shmac,
                                               size_t shmac_len,
                                               const unsigned char *sdata,
                                               size_t sdata_len);


/* ---- multi ----------------------------------------------------------- */

/* A new multi handle in perform mode, or NULL when out of memory. */
FERRY_EXTERN ferry_multi *ferry_multi_init(void);
/* Close a multi. Easy handles still added are detached (their transfers
 * halted, no message posted) and stay usable on their own; ferry never frees
 * them. Returns FERRYM_OK, FERRYM_BAD_HANDLE for NULL or a non-multi,
 * FERRYM_RECURSIVE_API_CALL from inside a callback. In libuv mode some memory
 * lives on until the loop has run the last close callback: see
 * ferry_multi_close in ferry_uv.h. */
FERRY_EXTERN ferry_mcode ferry_multi_cleanup(ferry_multi *multi);
/* Add a transfer. Calls the timer callback from inside with 0 (start at
 * once). Returns FERRYM_OK, FERRYM_BAD_HANDLE, FERRYM_BAD_EASY_HANDLE (NULL
 * or not an easy handle), FERRYM_ADDED_ALREADY (in this or another multi),
 * FERRYM_OUT_OF_MEMORY. Allowed from inside callbacks. */
FERRY_EXTERN ferry_mcode ferry_multi_add_handle(ferry_multi *multi,
                                                ferry_easy *easy);
/* Remove a transfer, halting it if it runs; no message is posted for it and
 * a queued message for it is dropped. The connection goes back to the pool
 * if the protocol state allows. Removing a handle that is not added returns
 * FERRYM_OK. FERRYM_RECURSIVE_API_CALL inside a callback. */
FERRY_EXTERN ferry_mcode ferry_multi_remove_handle(ferry_multi *multi,
                                                   ferry_easy *easy);
/* Do all the work that can be done now without blocking; *running is the
 * number of transfers not yet done. Works with or without socket and timer
 * callbacks set (with a SOCKETFUNCTION set, it checks the sockets that
 * callback watches itself, with one poll() without waiting).
 * FERRYM_BAD_HANDLE in libuv mode, FERRYM_RECURSIVE_API_CALL inside a
 * callback, FERRYM_OUT_OF_MEMORY. */
FERRY_EXTERN ferry_mcode ferry_multi_perform(ferry_multi *multi, int *running);
/* Wait up to timeout_ms for activity on ferry's sockets or the extra fds
 * (their revents are set), or until ferry's next timeout. Returns at once
 * when no transfer runs and no extra fd is given. *numfds (optional) is the
 * number of fds with activity. Works whatever callbacks are set; not in
 * libuv mode (FERRYM_BAD_HANDLE). */
FERRY_EXTERN ferry_mcode ferry_multi_wait(ferry_multi *multi,
                                          ferry_waitfd extra_fds[],
                                          unsigned int extra_nfds,
                                          int timeout_ms, int *numfds);
/* Like ferry_multi_wait, but sleeps the whole timeout even with nothing to
 * wait for, and ferry_multi_wakeup ends it early. */
FERRY_EXTERN ferry_mcode ferry_multi_poll(ferry_multi *multi,
                                          ferry_waitfd extra_fds[],
                                          unsigned int extra_nfds,
                                          int timeout_ms, int *numfds);
/* End a ferry_multi_poll/wait early; in libuv mode, wake the loop. Safe to
 * call from any thread. In socket_action style it only ends a poll/wait,
 * as in libcurl: the socket callback cannot be called from another thread.
 * FERRYM_WAKEUP_FAILURE if the wakeup could not be sent. */
FERRY_EXTERN ferry_mcode ferry_multi_wakeup(ferry_multi *multi);
/* For select() loops: adds ferry's fds to the sets and sets *max_fd (-1 when
 * none): the backend fd of the multi's own loop (readable when one of the
 * sockets it watches is ready, a name lookup ended or a wakeup came), and
 * with a SOCKETFUNCTION set the sockets that callback watches. fds at or
 * above FD_SETSIZE are left out. Use ferry_multi_timeout for the select
 * timeout, then call ferry_multi_perform. Not in libuv mode
 * (FERRYM_BAD_HANDLE). */
FERRY_EXTERN ferry_mcode ferry_multi_fdset(ferry_multi *multi, fd_set *read_fd_set,
                                           fd_set *write_fd_set,
                                           fd_set *exc_fd_set, int *max_fd);
/* Milliseconds until ferry needs ferry_multi_perform (or socket_action with
 * FERRY_SOCKET_TIMEOUT) to be called; -1 when there is no timeout. */
FERRY_EXTERN ferry_mcode ferry_multi_timeout(ferry_multi *multi, long *timeout_ms);
/* The next completion message, or NULL. *msgs_in_queue is the number left.
 * The message is owned by ferry and valid until the handle is removed or
 * cleaned up. */
FERRY_EXTERN ferry_msg *ferry_multi_info_read(ferry_multi *multi, int *msgs_in_queue);
/* Set a multi option (long / pointer / function per ferry_table.h).
 * Returns FERRYM_OK, FERRYM_UNKNOWN_OPTION, FERRYM_BAD_FUNCTION_ARGUMENT,
 * FERRYM_BAD_HANDLE, FERRYM_OUT_OF_MEMORY. SOCKETFUNCTION and TIMERFUNCTION
 * may be set, replaced and cleared (NULL) at any time, before or after
 * handles are added (see the top of this file); in libuv mode they are
 * ferry's own and setting them is FERRYM_BAD_FUNCTION_ARGUMENT. */
FERRY_EXTERN ferry_mcode ferry_multi_setopt(ferry_multi *multi, ferry_moption option,
                                            ...);
/* Attach a pointer to a socket ferry told you about; it comes back as
 * socketp in the socket callback. FERRYM_BAD_SOCKET for an unknown socket. */
FERRY_EXTERN ferry_mcode ferry_multi_assign(ferry_multi *multi, ferry_socket_t s,
                                            void *sockp);
/* Act on socket s (ev_bitmask of FERRY_CSELECT_*, 0 to find out), or on
 * timeouts with FERRY_SOCKET_TIMEOUT. A program that adds handles before it
 * sets its callbacks starts them with a FERRY_SOCKET_TIMEOUT call. *running
 * is the number of transfers not yet done. FERRYM_BAD_SOCKET for an unknown
 * socket (the call still handles timeouts). FERRYM_RECURSIVE_API_CALL
 * inside a callback. */
FERRY_EXTERN ferry_mcode ferry_multi_socket_action(ferry_multi *multi,
                                                   ferry_socket_t s,
                                                   int ev_bitmask, int *running);
/* libcurl's deprecated curl_multi_socket_all (use socket_action): act on
 * every transfer at once. It does what ferry_multi_perform does (which
 * tells FERRYMOPT_SOCKETFUNCTION of every change as it goes), and returns
 * the same codes. */
FERRY_EXTERN ferry_mcode ferry_multi_socket_all(ferry_multi *multi,
                                                int *running);
/* A NULL-terminated array of the added easy handles, to be freed with
 * ferry_free. NULL on a bad handle or out of memory. */
FERRY_EXTERN ferry_easy **ferry_multi_get_handles(ferry_multi *multi);
/* A static English text for a multi code; never NULL. */
FERRY_EXTERN const char *ferry_multi_strerror(ferry_mcode code);
/* The fds ferry_multi_poll would wait on, with their events, in ufds (room
 * for size; NULL with size 0 just counts); *fd_count (optional) is how
 * many there are. FERRYM_OUT_OF_MEMORY when size is too small (the first
 * size are filled), FERRYM_BAD_HANDLE (also in libuv mode),
 * FERRYM_BAD_FUNCTION_ARGUMENT (ufds NULL with size > 0). Call
 * ferry_multi_perform when one is ready. */
FERRY_EXTERN ferry_mcode ferry_multi_waitfds(ferry_multi *multi,
                                             ferry_waitfd *ufds,
                                             unsigned int size,
                                             unsigned int *fd_count);
/* A count of the multi's transfers (ferry_minfo_offt) into *value.
 * FERRYM_UNKNOWN_OPTION for another info, FERRYM_BAD_HANDLE,
 * FERRYM_BAD_FUNCTION_ARGUMENT (value NULL). */
FERRY_EXTERN ferry_mcode ferry_multi_get_offt(ferry_multi *multi,
                                              ferry_minfo_offt info,
                                              ferry_off_t *value);
/* Enable or disable a kind of notification (FERRYMNOTIFY_*) for
 * FERRYMOPT_NOTIFYFUNCTION; enabling one twice is not an error.
 * FERRYM_UNKNOWN_OPTION for an unknown kind, FERRYM_BAD_HANDLE. */
FERRY_EXTERN ferry_mcode ferry_multi_notify_enable(ferry_multi *multi,
                                                   unsigned int notification);
FERRY_EXTERN ferry_mcode ferry_multi_notify_disable(ferry_multi *multi,
                                                    unsigned int notification);

/* ---- HTTP/2 server push ---------------------------------------------- */

/* The num-th (from 0) field of the promise a PUSHFUNCTION is called for,
 * "name:value" (pseudo-headers such as ":path" first, as received), or
 * NULL when there are fewer. Owned by ferry, valid until the callback
 * returns, not to be altered. Outside the callback: NULL. */
FERRY_EXTERN char *ferry_pushheader_bynum(struct ferry_pushheaders *h,
                                          size_t num);
/* The value of the first field of that promise named name (exactly, as
 * received: lower case), or NULL: no such field, an empty name, ":", or a
 * name with a colon after its first byte. Owned as above. */
FERRY_EXTERN char *ferry_pushheader_byname(struct ferry_pushheaders *h,
                                           const char *name);
/* ---- share ----------------------------------------------------------- */

/* A share (libcurl's CURLSH) keeps data that easy handles hold in common
 * instead of each handle (or each multi) keeping its own: a handle uses
 * the share given to it with FERRYOPT_SHARE. What is shared is chosen
 * with FERRYSHOPT_SHARE, one kind of data (ferry_lock_data) at a time:
 *
 *  - FERRY_LOCK_DATA_COOKIE: one cookie jar. Attaching a handle drops the
 *    handle's own jar (its cookies are lost, as in libcurl) and gives it
 *    the share's. As in libcurl (whatever its CURLOPT_SHARE page says),
 *    that alone does not turn the handle's cookie engine on: it sends and
 *    takes cookies once COOKIEFILE or COOKIEJAR was set on it (at any time
 *    in its life), or a COOKIELIST cookie was given to it while it had no
 *    jar. From then on COOKIEFILE files are read into the share's jar at
 *    the handle's next transfer, COOKIEJAR is written from it at the
 *    handle's cleanup, COOKIELIST works on it ("ALL" and "SESS" empty it
 *    for every handle of the share; a cookie line adds to it) and
 *    FERRYINFO_COOKIELIST lists it, engine on or not. COOKIEFILE NULL
 *    leaves the share's jar alone and the handle without one; turning the
 *    engine on again (COOKIEFILE, COOKIEJAR) takes the share's jar again.
 *    Detaching leaves the handle without a jar: as in libcurl it keeps no
 *    copy of the shared cookies (set COOKIEFILE "" for a new empty jar of
 *    its own).
 *  - FERRY_LOCK_DATA_DNS: the answers of finished name lookups. Without a
 *    share each multi keeps its own. Lookups still run on the multi of
 *    the transfer that needs them (uv_getaddrinfo on that multi's loop),
 *    and one in flight serves the transfers of its own multi only: a name
 *    being looked up by another multi (another thread, or another handle's
 *    ferry_easy_perform) is looked up again, not waited for. The answer
 *    goes into the share's cache when the lookup ends. As in libcurl,
 *    RESOLVE entries are put into the cache the handle uses (the share's,
 *    so they serve every handle of the share) when a transfer starts after
 *    RESOLVE was set (or, ferry's addition, after the handle changed
 *    share): "HOST:PORT:ADDR[,ADDR]" entries never expire,
 *    "+HOST:PORT:ADDR" ones expire like looked-up names, and "-HOST:PORT"
 *    removes the entry. Whether an entry is fresh is decided by the
 *    DNS_CACHE_TIMEOUT of the handle that reads it (0: never, -1: always),
 *    against the time the entry was made. The cache holds at most 1000
 *    names; failed lookups are not kept.
 *  - FERRY_LOCK_DATA_SSL_SESSION: TLS sessions. A handshake of any handle
 *    of the share, in any multi or thread, resumes a session another one
 *    stored for the same host, port and TLS configuration. At most 64
 *    sessions, the least recently used dropped first.
 *  - FERRY_LOCK_DATA_CONNECT: idle connections. When a transfer of a handle
 *    of the share ends with an HTTP/1.1 connection that may carry another
 *    request, the connection goes to the share instead of to its multi's
 *    pool, and nothing watches it there; a later transfer of any handle of
 *    the share, in any multi, that finds no idle connection in its own
 *    multi takes it (after a non-blocking check that the server has not
 *    closed it), and that multi watches it from then on. So handles used
 *    one after another (several ferry_easy_perform calls on different
 *    handles, or a multi's transfer and then an easy_perform) reuse each
 *    other's connections. The multi of the taking transfer applies its
 *    MAX_HOST_CONNECTIONS and MAX_TOTAL_CONNECTIONS to it; the share keeps
 *    as many idle connections as the multi that parked the last one would
 *    keep (its MAXCONNECTS), closing the oldest. HTTP/2 connections stay
 *    in their multi. As libcurl documents, sharing connections between
 *    threads that run at the same time is not supported.
 *  - FERRY_LOCK_DATA_HSTS: one HSTS store. Attaching a handle drops the
 *    handle's own store and turns HSTS on for it with the share's; HSTS
 *    files are read into the share's store at each of the handle's
 *    transfers, and the handle's cleanup writes the share's store to its
 *    last HSTS file and hands it to its HSTSWRITEFUNCTION (the store stays
 *    with the share). HSTS_CTRL 0, HSTS NULL or detaching turn HSTS off for
 *    the handle and leave the share's store alone.
 *  - FERRY_LOCK_DATA_PSL: refused with FERRYSHE_NOT_BUILT_IN (ferry has no
 *    public suffix list).
 * What a share does not share, each handle keeps as it would without one.
 *
 * Locking. With FERRYSHOPT_LOCKFUNC and FERRYSHOPT_UNLOCKFUNC both set,
 * ferry calls lock(easy, data, access, userdata) before and
 * unlock(easy, data, userdata) after each access to data of a kind the
 * share shares: access is FERRY_LOCK_ACCESS_SHARED for an access that
 * only reads (a DNS cache lookup, listing the cookies for COOKIELIST,
 * writing the COOKIEJAR or HSTS file), FERRY_LOCK_ACCESS_SINGLE for one
 * that may change it. FERRY_LOCK_DATA_SHARE guards the share's count of
 * the handles that use it: ferry locks it SINGLE when a handle attaches or
 * detaches (FERRYOPT_SHARE, ferry_easy_cleanup) and in ferry_share_cleanup
 * (with easy NULL, as libcurl). easy is the handle on whose behalf the
 * access is made. Between a lock and its unlock ferry takes no other lock
 * of the share, calls no other callback of the application (write,
 * header, debug, HSTS callbacks: none), and never waits for the network;
 * every lock is unlocked before the call that made it returns. With only
 * one of the two callbacks set, neither is called.
 *
 * Threads. With the lock callbacks set (a mutex per kind of data; a
 * read-write lock lets SHARED accesses run side by side), handles running
 * in several threads at once may use one share for COOKIE, DNS,
 * SSL_SESSION and HSTS: ferry locks every access (libcurl does not support
 * cookies and HSTS that way). CONNECT: one thread at a time, as above.
 * ferry_share_setopt and ferry_share_cleanup must not run while another
 * thread uses the share. */

/* The options of ferry_share_setopt. Numbers are libcurl's CURLSHoption. */
typedef enum {
  FERRYSHOPT_NONE,
  FERRYSHOPT_SHARE,      /* int: a ferry_lock_data to share */
  FERRYSHOPT_UNSHARE,    /* int: a ferry_lock_data to stop sharing */
  FERRYSHOPT_LOCKFUNC,   /* ferry_lock_function */
  FERRYSHOPT_UNLOCKFUNC, /* ferry_unlock_function */
  FERRYSHOPT_USERDATA,   /* void *: handed to both callbacks */
  FERRYSHOPT_LAST
} ferry_shoption;

/* The kinds of data. Numbers are libcurl's curl_lock_data. */
typedef enum {
  FERRY_LOCK_DATA_NONE = 0,
  FERRY_LOCK_DATA_SHARE,       /* the share's own state (not shareable) */
  FERRY_LOCK_DATA_COOKIE,
  FERRY_LOCK_DATA_DNS,
  FERRY_LOCK_DATA_SSL_SESSION,
  FERRY_LOCK_DATA_CONNECT,
  FERRY_LOCK_DATA_PSL,         /* not built in */
  FERRY_LOCK_DATA_HSTS,
  FERRY_LOCK_DATA_LAST
} ferry_lock_data;

/* Numbers are libcurl's curl_lock_access. */
typedef enum {
  FERRY_LOCK_ACCESS_NONE = 0,
  FERRY_LOCK_ACCESS_SHARED = 1, /* reading */
  FERRY_LOCK_ACCESS_SINGLE = 2, /* reading and writing */
  FERRY_LOCK_ACCESS_LAST
} ferry_lock_access;

typedef void (*ferry_lock_function)(ferry_easy *easy, ferry_lock_data data,
                                    ferry_lock_access access, void *userdata);
typedef void (*ferry_unlock_function)(ferry_easy *easy, ferry_lock_data data,
                                      void *userdata);

/* FERRYOPT_SHARE (ferry_share *): the handle uses the share's data of the
 * kinds it shares (see above) from now on; NULL stops that. Setting a
 * share first detaches the handle from the one it had. Detaching turns
 * off the cookie engine and HSTS of a handle that used the share's jar or
 * store; names, sessions and connections go back to the multi's own. A
 * handle keeps its share through ferry_easy_reset; the copy
 * ferry_easy_duphandle makes has none (both as libcurl); ferry_easy_cleanup
 * detaches. Returns FERRYE_OK; FERRYE_BAD_FUNCTION_ARGUMENT for a pointer
 * that is not a live share (libcurl ignores it), or while the handle's
 * transfer runs (added to a multi, started and not done: libcurl leaves
 * that undefined); nothing changes then. */

/* A new share that shares nothing yet, or NULL when out of memory. */
FERRY_EXTERN ferry_share *ferry_share_init(void);
/* Set one option of the share (see ferry_shoption for the argument).
 * FERRYSHOPT_SHARE of a kind already shared, and FERRYSHOPT_UNSHARE of one
 * not shared, change nothing. FERRYSHOPT_UNSHARE drops the share's data of
 * that kind (its cookies, HSTS hosts, names, sessions; its idle
 * connections are closed). Returns FERRYSHE_OK;
 * FERRYSHE_INVALID (share NULL or not a share);
 * FERRYSHE_IN_USE while an easy handle uses the share, whatever the
 * option (as libcurl: change a share only between transfers, with no
 * handle attached); FERRYSHE_BAD_OPTION (an unknown option, or a kind of
 * data that is none of COOKIE, DNS, SSL_SESSION, CONNECT, HSTS and PSL);
 * FERRYSHE_NOT_BUILT_IN (PSL, shared or unshared);
 * FERRYSHE_NOMEM (nothing changed). */
FERRY_EXTERN ferry_shcode ferry_share_setopt(ferry_share *share,
                                             ferry_shoption option, ...);
/* Free the share and its data (idle connections are closed). Returns
 * FERRYSHE_OK; FERRYSHE_INVALID for NULL or a pointer that is not a share
 * (as libcurl); FERRYSHE_IN_USE while an easy handle still uses it
 * (nothing is freed). Locks FERRY_LOCK_DATA_SHARE around its check (easy
 * NULL). */
FERRY_EXTERN ferry_shcode ferry_share_cleanup(ferry_share *share);
/* A static English text for a share code; never NULL. */
FERRY_EXTERN const char *ferry_share_strerror(ferry_shcode code);

/* ---- received headers ------------------------------------------------ */

/* Where a header came from: the bits of ferry_header.origin, and of the
 * origin mask ferry_easy_header and ferry_easy_nextheader take. */
#define FERRYH_HEADER (1 << 0)  /* a header of a final (non-1xx) response */
#define FERRYH_TRAILER (1 << 1) /* a trailer (after a chunked body, or of an
                                   HTTP/2 response) */
#define FERRYH_CONNECT (1 << 2) /* a header of a proxy's CONNECT response */
#define FERRYH_1XX (1 << 3)     /* a header of an interim 1xx response */
#define FERRYH_PSEUDO (1 << 4)  /* an HTTP/2 pseudo-header; none in HTTP/1 */

/* Results of ferry_easy_header. Numbers are libcurl's CURLHcode. */
typedef enum {
  FERRYHE_OK,
  FERRYHE_BADINDEX,      /* the header exists, but not with this index */
  FERRYHE_MISSING,       /* no such header */
  FERRYHE_NOHEADERS,     /* no headers at all (yet) */
  FERRYHE_NOREQUEST,     /* no request with this number (yet) */
  FERRYHE_OUT_OF_MEMORY, /* not returned by ferry */
  FERRYHE_BAD_ARGUMENT,  /* a NULL, foreign or out-of-range argument */
  FERRYHE_NOT_BUILT_IN   /* not returned by ferry */
} ferry_hcode;

/* One received header. Layout matches libcurl's struct curl_header. */
typedef struct ferry_header {
  char *name;          /* as the server wrote it */
  char *value;         /* without blanks at either end */
  size_t amount;       /* headers of this name in this request and origins */
  size_t index;        /* this one's place among them, from 0 */
  unsigned int origin; /* one FERRYH_* bit */
  void *anchor;        /* ferry's own */
} ferry_header;

/* The index-th (from 0) header called name (compared without regard to
 * case) among those of request `request` whose origin is one of the bits
 * in `origin`. request is 0 for the transfer's first request, and one
 * more for each redirect hop; -1 means the latest. Every response of the
 * last transfer is kept, 1xx ones and those of redirect hops included,
 * and the trailers after a chunked body, from the moment each line
 * arrived (so header callbacks see the headers so far) until the handle
 * starts its next transfer, is reset or is cleaned up. A header the server
 * folded over several lines comes joined with single spaces.
 *
 * *hout points to a struct owned by the handle, valid until the next call
 * of this function on it and while the headers are kept. Returns
 * FERRYHE_OK; FERRYHE_MISSING (no such header in that request and those
 * origins), FERRYHE_BADINDEX (fewer of them than index + 1),
 * FERRYHE_NOHEADERS (no header kept at all), FERRYHE_NOREQUEST (request
 * is beyond the latest), FERRYHE_BAD_ARGUMENT (easy not an easy handle,
 * name or hout NULL, origin 0 or with unknown bits, request below -1). */
FERRY_EXTERN ferry_hcode ferry_easy_header(ferry_easy *easy, const char *name,
                                           size_t index, unsigned int origin,
                                           int request,
                                           struct ferry_header **hout);
/* The header after prev (the first when prev is NULL) among those of
 * request `request` (-1: the latest) with an origin in `origin`, in the
 * order received; NULL when there is none, or on a bad argument. prev is
 * a header this function or ferry_easy_header returned for the same
 * handle. The result is owned by the handle and valid until the next call
 * of this function and while the headers are kept (see
 * ferry_easy_header). */
FERRY_EXTERN struct ferry_header *ferry_easy_nextheader(
    ferry_easy *easy, unsigned int origin, int request,
    struct ferry_header *prev);

/* ---- percent-encoding ------------------------------------------------ */

/* A copy of the length bytes of string (strlen(string) when length is 0)
 * with every byte but ALPHA, DIGIT, '-', '.', '_' and '~' written as "%XX"
 * (upper-case hex). Free it with ferry_free. NULL when out of memory, when
 * string is NULL or when length is negative. easy is not used and may be
 * NULL. Thread-safe. */
FERRY_EXTERN char *ferry_easy_escape(ferry_easy *easy, const char *string,
                                     int length);
/* A copy of the length bytes of string (strlen(string) when length is 0)
 * with each "%XX" (hex digits in either case) turned into its byte; a '%'
 * without two hex digits stays as it is. The copy is NUL-terminated but
 * may hold NUL bytes: *outlength (if outlength is not NULL) is its length.
 * Free it with ferry_free. NULL when out of memory, when string is NULL,
 * when length is negative, or when the length does not fit *outlength.
 * easy is not used and may be NULL. Thread-safe. */
FERRY_EXTERN char *ferry_easy_unescape(ferry_easy *easy, const char *string,
                                       int length, int *outlength);

/* ---- option information ---------------------------------------------- */

/* The type of an option's argument. Numbers are libcurl's curl_easytype. */
typedef enum {
  FERRYOT_LONG,    /* long, a range of values */
  FERRYOT_VALUES,  /* long, a set of named values or bits */
  FERRYOT_OFF_T,   /* ferry_off_t */
  FERRYOT_OBJECT,  /* void * */
  FERRYOT_STRING,  /* char *, a NUL-terminated string */
  FERRYOT_SLIST,   /* ferry_slist * */
  FERRYOT_CBPTR,   /* void * handed to a callback as it is */
  FERRYOT_BLOB,    /* ferry_blob * */
  FERRYOT_FUNCTION /* a function pointer */
} ferry_easytype;

/* Bits of ferry_easyoption.flags. */
/* An older spelling, kept for old programs; another row has the name
 * libcurl prefers for the same id. */
#define FERRYOT_FLAG_ALIAS (1 << 0)
/* ferry's own, not libcurl's: ferry does not implement the option, and
 * setting it fails with FERRYE_NOT_BUILT_IN. */
#define FERRYOT_FLAG_NOT_BUILT_IN (1 << 16)

/* What an option is. Layout matches libcurl's struct curl_easyoption. */
typedef struct ferry_easyoption {
  const char *name;     /* libcurl's name without "CURLOPT_", e.g. "URL" */
  ferry_option id;
  ferry_easytype type;
  unsigned int flags;   /* FERRYOT_FLAG_* bits */
} ferry_easyoption;

/* Every option of libcurl's API is listed, those ferry does not implement
 * too (flagged FERRYOT_FLAG_NOT_BUILT_IN), with the older spellings as
 * alias rows. The rows are static: never free them. Thread-safe. */

/* The row called name (without the "CURLOPT_" prefix, as in libcurl;
 * compared without regard to case), or NULL. */
FERRY_EXTERN const struct ferry_easyoption *ferry_easy_option_by_name(
    const char *name);
/* The row of option id that is not an alias, or NULL. */
FERRY_EXTERN const struct ferry_easyoption *ferry_easy_option_by_id(
    ferry_option id);
/* The row after prev (the first when prev is NULL), or NULL after the last
 * one or for a prev that is not a row. Every row comes once: options in
 * the order of their ids, then the aliases. */
FERRY_EXTERN const struct ferry_easyoption *ferry_easy_option_next(
    const struct ferry_easyoption *prev);

/* ---- URL handles ------------------------------------------------------- */

/* A URL held as its parts, to parse, change and build URLs as libcurl's
 * URL API (8.11) does. A distinct incomplete type (libcurl's CURLU). */
typedef struct ferry_urlh ferry_urlh;

/* Results of ferry_url_set and ferry_url_get. Numbers are libcurl's
 * CURLUcode. */
typedef enum {
  FERRYUE_OK,
  FERRYUE_BAD_HANDLE,         /* the handle is NULL */
  FERRYUE_BAD_PARTPOINTER,    /* the content pointer of a get is NULL */
  FERRYUE_MALFORMED_INPUT,    /* empty, too long, a space or control byte */
  FERRYUE_BAD_PORT_NUMBER,    /* not a number from 0 to 65535 */
  FERRYUE_UNSUPPORTED_SCHEME, /* not http or https (see NON_SUPPORT_SCHEME) */
  FERRYUE_URLDECODE,          /* decoding gave a byte below 0x20 */
  FERRYUE_OUT_OF_MEMORY,
  FERRYUE_USER_NOT_ALLOWED,   /* user info with FERRYU_DISALLOW_USER */
  FERRYUE_UNKNOWN_PART,       /* no such part */
  FERRYUE_NO_SCHEME,
  FERRYUE_NO_USER,
  FERRYUE_NO_PASSWORD,
  FERRYUE_NO_OPTIONS,
  FERRYUE_NO_HOST,
  FERRYUE_NO_PORT,
  FERRYUE_NO_QUERY,
  FERRYUE_NO_FRAGMENT,
  FERRYUE_NO_ZONEID,
  FERRYUE_BAD_FILE_URL,       /* a file: URL with a host or a drive */
  FERRYUE_BAD_FRAGMENT,       /* not returned by ferry */
  FERRYUE_BAD_HOSTNAME,
  FERRYUE_BAD_IPV6,
  FERRYUE_BAD_LOGIN,          /* not returned by ferry */
  FERRYUE_BAD_PASSWORD,       /* not returned by ferry (nor libcurl 8) */
  FERRYUE_BAD_PATH,           /* not returned by ferry */
  FERRYUE_BAD_QUERY,          /* not returned by ferry */
  FERRYUE_BAD_SCHEME,         /* not a scheme, or none without a flag */
  FERRYUE_BAD_SLASHES,        /* not 1 to 3 slashes after "scheme:" */
  FERRYUE_BAD_USER,           /* not returned by ferry (nor libcurl 8) */
  FERRYUE_LACKS_IDN,          /* a host to convert to or from IDN: none */
  FERRYUE_TOO_LARGE,          /* not returned by ferry */
  FERRYUE_LAST
} ferry_ucode;

/* The parts of a URL. Numbers are libcurl's CURLUPart. */
typedef enum {
  FERRYUPART_URL,
  FERRYUPART_SCHEME,
  FERRYUPART_USER,
  FERRYUPART_PASSWORD,
  FERRYUPART_OPTIONS,
  FERRYUPART_HOST,
  FERRYUPART_PORT,
  FERRYUPART_PATH,
  FERRYUPART_QUERY,
  FERRYUPART_FRAGMENT,
  FERRYUPART_ZONEID
} ferry_upart;

/* Flags of ferry_url_set and ferry_url_get; bits are libcurl's CURLU_*.
 * Those ferry ignores are marked. */
#define FERRYU_DEFAULT_PORT (1 << 0)       /* get: no port? the scheme's */
#define FERRYU_NO_DEFAULT_PORT (1 << 1)    /* get: the scheme's port? none */
#define FERRYU_DEFAULT_SCHEME (1 << 2)     /* no scheme? "https" */
#define FERRYU_NON_SUPPORT_SCHEME (1 << 3) /* set: any "scheme://" URL */
#define FERRYU_PATH_AS_IS (1 << 4)         /* set URL: keep dot segments */
#define FERRYU_DISALLOW_USER (1 << 5)      /* set URL: no user info */
#define FERRYU_URLDECODE (1 << 6)          /* get: decode the part */
#define FERRYU_URLENCODE (1 << 7)          /* set: encode; get: see below */
#define FERRYU_APPENDQUERY (1 << 8)        /* set QUERY: add with '&' */
#define FERRYU_GUESS_SCHEME (1 << 9)       /* set URL: no scheme? guess */
#define FERRYU_NO_AUTHORITY (1 << 10)      /* set: the host may be empty */
#define FERRYU_ALLOW_SPACE (1 << 11)       /* set URL: take spaces */
#define FERRYU_PUNYCODE (1 << 12)          /* get: IDN host? LACKS_IDN */
#define FERRYU_PUNY2IDN (1 << 13)          /* get: xn-- host? LACKS_IDN */
#define FERRYU_GET_EMPTY (1 << 14)         /* get: empty query, fragment */
#define FERRYU_NO_GUESS_SCHEME (1 << 15)   /* get: a guessed scheme? none */

/* A new empty URL handle, or NULL when out of memory. */
FERRY_EXTERN ferry_urlh *ferry_url(void);
/* Free a URL handle; NULL is a no-op. Strings it handed out stay valid. */
FERRY_EXTERN void ferry_url_cleanup(ferry_urlh *url);
/* A new handle with copies of every part of url, or NULL when out of
 * memory or url is NULL. */
FERRY_EXTERN ferry_urlh *ferry_url_dup(const ferry_urlh *url);
/* Set one part, or with FERRYUPART_URL the whole URL, from content, a
 * NUL-terminated string of at most 8 MiB (copied). NULL content clears
 * the part (with FERRYUPART_URL, every part).
 *
 * FERRYUPART_URL parses content as libcurl 8.11's URL API does, with its
 * error codes: no control byte, and no space without FERRYU_ALLOW_SPACE;
 * "scheme:" and one to three slashes; a login up to the first '@' (user,
 * ":password", and ";options" for imap, pop3 and smtp); a decimal port;
 * the host: an IPv4 address (normalised, "127.1" is 127.0.0.1), an IPv6
 * literal (its zone id split off into ZONEID), or a name, percent-decoded
 * and kept in its case, refused when it holds a control byte, a space or
 * one of the bytes / : # ? ! @ { } [ ] \ $ ' " ^ ` < > = ; , + & ( ) % *
 * (as in libcurl); dot segments removed from the path (unless
 * FERRYU_PATH_AS_IS). Schemes are http and https, others only with
 * FERRYU_NON_SUPPORT_SCHEME (parsed the same way, with libcurl's default
 * ports); a file: URL is a path, with an empty, "localhost" or
 * "127.0.0.1" host (FERRYUE_BAD_FILE_URL else).
 * Without a scheme the URL is refused, unless FERRYU_DEFAULT_SCHEME makes
 * it https or FERRYU_GUESS_SCHEME guesses from the host name (ftp., dict.,
 * ldap., imap., smtp. and pop3. give those schemes, anything else http).
 * FERRYU_URLENCODE encodes spaces ("%20", '+' in the query) and bytes
 * above 0x7f of the path, query and fragment. When content has no scheme
 * and the handle makes a whole URL (read back with the same flags),
 * content is a relative reference joined to that URL as text, as libcurl
 * 8.11 joins one (not quite RFC 3986 section 5.2), and the result parsed:
 * "//h/p" keeps the scheme; "/p" the scheme and authority; "?q" and "#f"
 * the URL up to its '?' (so "#f" drops the query, and over a URL with a
 * fragment and no query is added after that fragment); "p" the path up
 * to its last '/', one segment less for each leading "../". The
 * reference's spaces become "%20" ('+' after a '?') and its bytes above
 * 0x7f "%xx" first.
 *
 * Other parts are stored as given, in URL-encoded form, percent-escapes
 * lower-cased; with FERRYU_URLENCODE, content is encoded first (every byte
 * but unreserved ones, '/' kept in a path, a space as '+' in a query).
 * SCHEME must be a scheme (and http or https without
 * FERRYU_NON_SUPPORT_SCHEME), PORT a decimal number up to 65535, HOST a
 * host libcurl takes (checked as above but kept as given, not normalised;
 * the zone id of an IPv6 literal split off into ZONEID). A PATH gets a
 * leading '/'. QUERY with FERRYU_APPENDQUERY adds content after an '&'
 * (with FERRYU_URLENCODE its first '=' is kept).
 *
 * Returns FERRYUE_OK and the codes above: FERRYUE_BAD_HANDLE,
 * FERRYUE_UNKNOWN_PART, FERRYUE_MALFORMED_INPUT, FERRYUE_BAD_SCHEME,
 * FERRYUE_UNSUPPORTED_SCHEME, FERRYUE_BAD_SLASHES, FERRYUE_BAD_FILE_URL,
 * FERRYUE_NO_HOST, FERRYUE_BAD_HOSTNAME, FERRYUE_BAD_IPV6,
 * FERRYUE_BAD_PORT_NUMBER, FERRYUE_USER_NOT_ALLOWED,
 * FERRYUE_OUT_OF_MEMORY. On an error the handle is unchanged. */
FERRY_EXTERN ferry_ucode ferry_url_set(ferry_urlh *url, ferry_upart part,
                                       const char *content,
                                       unsigned int flags);
/* A new string (free it with ferry_free) in *content: one part, or with
 * FERRYUPART_URL the whole URL. A missing part gives its FERRYUE_NO_*
 * code (a missing path gives "/"); an empty query, and a fragment that is
 * a bare '#', count as missing unless FERRYU_GET_EMPTY.
 *
 * FERRYU_URLDECODE decodes the part (not SCHEME, PORT or URL; in a query
 * '+' becomes a space first), failing with FERRYUE_URLDECODE for a byte
 * below 0x20. FERRYU_URLENCODE encodes spaces ("%20", '+' in a query) and
 * non-ASCII bytes of a part, and the host of a URL. For PORT and URL,
 * FERRYU_DEFAULT_PORT gives the scheme's port when none is set and
 * FERRYU_NO_DEFAULT_PORT leaves out a port equal to it (libcurl's default
 * ports). A URL needs a host (FERRYUE_NO_HOST) and a scheme
 * (FERRYUE_NO_SCHEME, unless FERRYU_DEFAULT_SCHEME gives https); it leaves
 * the OPTIONS part out for the schemes that take none (all that libcurl
 * knows but imap, pop3 and smtp), and a file: URL is "file://", the path
 * and the fragment, as libcurl does. ferry has no IDN: FERRYU_PUNYCODE on
 * a host with a byte above 0x7f, and FERRYU_PUNY2IDN on an "xn--" one,
 * give FERRYUE_LACKS_IDN.
 *
 * Returns FERRYUE_OK, FERRYUE_BAD_HANDLE, FERRYUE_BAD_PARTPOINTER,
 * FERRYUE_UNKNOWN_PART, FERRYUE_NO_*, FERRYUE_URLDECODE,
 * FERRYUE_LACKS_IDN, FERRYUE_OUT_OF_MEMORY; *content is NULL on an
 * error. Reads the handle only. */
FERRY_EXTERN ferry_ucode ferry_url_get(const ferry_urlh *url, ferry_upart part,
                                       char **content, unsigned int flags);
/* A static English text for a URL API code ("Unknown URL API code" for a
 * number that is none); never NULL. Thread-safe. */
FERRY_EXTERN const char *ferry_url_strerror(ferry_ucode code);

/* ---- multipart forms: the MIME API ------------------------------------ */

/* A multipart body (libcurl's curl_mime) and one of its parts
 * (curl_mimepart): distinct incomplete types. A mime is a list of parts;
 * a part's content is data copied from memory, a file read while it is
 * sent, a read callback, or another mime (a nested multipart). Give the
 * top mime to FERRYOPT_MIMEPOST to send it as a multipart/form-data POST.
 *
 * The body is made as it is sent, in whatever pieces the transfer asks
 * for: "--" boundary CRLF, each part's headers, a blank line, its
 * (encoded) content, CRLF, and "--" boundary "--" CRLF after the last
 * part. A boundary is 24 dashes and 22 random letters and digits. Its
 * size is known (and sent as Content-Length) when every part's size is
 * known, otherwise the body goes chunked.
 *
 * Each part gets the headers libcurl makes, in libcurl's order:
 * Content-Disposition ("form-data" with name and filename in a form,
 * "attachment" inside other multiparts when the part has a name or a
 * filename), Content-Type (curl_mime_type's; else a "Content-Type:" of the
 * part's own headers; else multipart/mixed for a multipart, a type from
 * the filename's extension (.gif .jpg .jpeg .png .svg .txt .htm .html
 * .pdf .xml) for a part with a filename, and for a file part with a
 * filename one from the file's own name, or application/octet-stream),
 * Content-Transfer-Encoding when an encoder is set, then the part's own
 * headers (their Content-Type lines excepted). A header of the part's own
 * named Content-Disposition or Content-Transfer-Encoding replaces ferry's.
 * In a name or filename, '"', CR and LF are sent as %22, %0D and %0A;
 * with FERRYMIMEOPT_FORMESCAPE (FERRYOPT_MIME_OPTIONS) '\' and '"' get a
 * backslash in front instead.
 *
 * Threads: a mime and its parts are used by one thread at a time, and not
 * changed while a transfer sends them. */
typedef struct ferry_mime ferry_mime;
typedef struct ferry_mimepart ferry_mimepart;

/* A datasize for ferry_mime_data: data is a NUL-terminated string. */
#define FERRY_ZERO_TERMINATED ((size_t)-1)
/* FERRYOPT_MIME_OPTIONS bits. */
#define FERRYMIMEOPT_FORMESCAPE (1L << 0) /* backslash-escape, not %XX */

/* A new empty mime, or NULL when out of memory. easy is not kept (libcurl
 * took it for its random numbers and error messages) and may be NULL.
 * Free the mime with ferry_mime_free, unless it was handed to
 * ferry_mime_subparts. */
FERRY_EXTERN ferry_mime *ferry_mime_init(ferry_easy *easy);
/* Free a mime, its parts and every mime nested in them; calls each
 * callback part's freefunc, closes open files, frees headers lists given
 * with take_ownership. NULL is a no-op. A mime nested in a part is taken
 * out of that part first. Do not free a mime that an easy handle still
 * uses (FERRYOPT_MIMEPOST) before its transfer is done. */
FERRY_EXTERN void ferry_mime_free(ferry_mime *mime);
/* Append a new empty part (no name, no content) to mime and return it;
 * the part belongs to the mime. NULL when out of memory or mime is NULL. */
FERRY_EXTERN ferry_mimepart *ferry_mime_addpart(ferry_mime *mime);
/* Set (copied) or with NULL clear the part's name, its form field name.
 * FERRYE_OK, FERRYE_BAD_FUNCTION_ARGUMENT (part NULL),
 * FERRYE_OUT_OF_MEMORY (the part is then unchanged). */
FERRY_EXTERN ferry_code ferry_mime_name(ferry_mimepart *part,
                                        const char *name);
/* Set (copied) or with NULL clear the part's remote filename, sent in its
 * Content-Disposition. Errors as ferry_mime_name. */
FERRY_EXTERN ferry_code ferry_mime_filename(ferry_mimepart *part,
                                            const char *filename);
/* Set (copied) or with NULL clear the part's Content-Type. Errors as
 * ferry_mime_name. */
FERRY_EXTERN ferry_code ferry_mime_type(ferry_mimepart *part,
                                        const char *mimetype);
/* Encode the part's content as it is sent, and say so in a
 * Content-Transfer-Encoding header: "binary", "8bit" (sent as they are),
 * "7bit" (as it is; a byte above 127 fails the transfer with
 * FERRYE_READ_ERROR), "base64" (lines of 76 characters), or
 * "quoted-printable" (lines of at most 76 characters, soft breaks as
 * "=" CRLF); names in any case. NULL removes the encoder. Returns
 * FERRYE_OK, FERRYE_BAD_FUNCTION_ARGUMENT (part NULL, or an encoding
 * ferry does not know: the part is then unchanged). */
FERRY_EXTERN ferry_code ferry_mime_encoder(ferry_mimepart *part,
                                           const char *encoding);
/* The part's content: a copy of datasize bytes of data (strlen(data) with
 * FERRY_ZERO_TERMINATED). NULL data clears the content. Replaces the
 * part's earlier content (calling its freefunc, or freeing its subparts).
 * FERRYE_OK, FERRYE_BAD_FUNCTION_ARGUMENT (part NULL),
 * FERRYE_OUT_OF_MEMORY (the part is then unchanged). */
FERRY_EXTERN ferry_code ferry_mime_data(ferry_mimepart *part, const char *data,
                                        size_t datasize);
/* The part's content: the file at path filename (copied), opened when its
 * part starts to be sent and read as it goes, never loaded whole. Its size
 * is taken with stat() when the transfer starts; a file that is not a
 * regular file (a pipe, a device) has an unknown size, and the body goes
 * chunked. Also sets the part's filename to the last component of the
 * path. NULL clears the content. Returns FERRYE_OK;
 * FERRYE_READ_ERROR when the file cannot be read now (the part is set
 * all the same, as in libcurl; sending it fails unless the file appears);
 * FERRYE_BAD_FUNCTION_ARGUMENT (part NULL); FERRYE_OUT_OF_MEMORY (the
 * part is then unchanged). */
FERRY_EXTERN ferry_code ferry_mime_filedata(ferry_mimepart *part,
                                            const char *filename);
/* The part's content comes from readfunc(buffer, size, nitems, arg),
 * called as it is sent; it returns the bytes it wrote (at most
 * size * nitems), 0 at the end, FERRY_READFUNC_ABORT (the transfer fails
 * with FERRYE_ABORTED_BY_CALLBACK) or FERRY_READFUNC_PAUSE (sending
 * pauses until ferry_easy_pause resumes it). datasize is the number of
 * bytes it gives, or -1 when unknown (the body then goes chunked); with a
 * known size, ending early or giving more fails with FERRYE_READ_ERROR.
 * seekfunc(arg, 0, SEEK_SET), if not NULL, rewinds it when the body must
 * be sent again (a 307 or 308 redirect, a retry, authentication); a part
 * that was read and has none makes the rewind fail. freefunc(arg), if not
 * NULL, is called when the content is replaced or the mime freed. A NULL
 * readfunc clears the content. Returns FERRYE_OK,
 * FERRYE_BAD_FUNCTION_ARGUMENT (part NULL). */
FERRY_EXTERN ferry_code ferry_mime_data_cb(ferry_mimepart *part,
                                           ferry_off_t datasize,
                                           ferry_read_callback readfunc,
                                           ferry_seek_callback seekfunc,
                                           ferry_free_callback freefunc,
                                           void *arg);
/* The part's content is the multipart subparts, which the part then owns
 * (do not free it yourself; it is freed with the part's mime). Its
 * default type is multipart/mixed. NULL clears the content. Returns
 * FERRYE_OK; FERRYE_BAD_FUNCTION_ARGUMENT when part is NULL, when
 * subparts already belongs to another part, or when part lies inside
 * subparts (a loop). */
FERRY_EXTERN ferry_code ferry_mime_subparts(ferry_mimepart *part,
                                            ferry_mime *subparts);
/* Extra header lines ("Name: value") for the part; NULL removes them.
 * With take_ownership non-zero the part frees the list (when it is
 * replaced or the mime freed), otherwise it is borrowed and must live as
 * long as the mime is used. FERRYE_OK, FERRYE_BAD_FUNCTION_ARGUMENT
 * (part NULL). */
FERRY_EXTERN ferry_code ferry_mime_headers(ferry_mimepart *part,
                                           ferry_slist *headers,
                                           int take_ownership);

/* ---- multipart forms: the older formadd API ----------------------------- */

/* The options of ferry_formadd (libcurl's CURLformoption, same numbers). */
typedef enum {
  FERRYFORM_NOTHING,        /* not an option: refused */
  FERRYFORM_COPYNAME,       /* char *: the field name, copied */
  FERRYFORM_PTRNAME,        /* char *: the field name, borrowed */
  FERRYFORM_NAMELENGTH,     /* long: the name's length (0: strlen) */
  FERRYFORM_COPYCONTENTS,   /* char *: the contents, copied */
  FERRYFORM_PTRCONTENTS,    /* char *: the contents, borrowed */
  FERRYFORM_CONTENTSLENGTH, /* long: the contents' length (0: strlen) */
  FERRYFORM_FILECONTENT,    /* char *: a file whose bytes are the contents */
  FERRYFORM_ARRAY,          /* struct ferry_forms *: more options */
  FERRYFORM_OBSOLETE,       /* refused */
  FERRYFORM_FILE,           /* char *: a file to upload (may repeat) */
  FERRYFORM_BUFFER,         /* char *: the filename of a buffer upload */
  FERRYFORM_BUFFERPTR,      /* char *: the buffer, borrowed */
  FERRYFORM_BUFFERLENGTH,   /* long: the buffer's length */
  FERRYFORM_CONTENTTYPE,    /* char *: the Content-Type, copied */
  FERRYFORM_CONTENTHEADER,  /* ferry_slist *: extra headers, borrowed */
  FERRYFORM_FILENAME,       /* char *: the filename to send, copied */
  FERRYFORM_END,            /* the end of the options */
  FERRYFORM_OBSOLETE2,      /* refused */
  FERRYFORM_STREAM,         /* void *: READDATA for the READFUNCTION */
  FERRYFORM_CONTENTLEN,     /* ferry_off_t: the contents' length */
  FERRYFORM_LASTENTRY
} ferry_formoption;

/* One option of a FERRYFORM_ARRAY; the array ends with FERRYFORM_END. A
 * long option's value is the number cast to char *. */
struct ferry_forms {
  ferry_formoption option;
  const char *value;
};

/* Results of ferry_formadd (libcurl's CURLFORMcode, same numbers). */
typedef enum {
  FERRY_FORMADD_OK,
  FERRY_FORMADD_MEMORY,         /* out of memory */
  FERRY_FORMADD_OPTION_TWICE,   /* an option given twice for one field */
  FERRY_FORMADD_NULL,           /* a NULL where a pointer is needed */
  FERRY_FORMADD_UNKNOWN_OPTION, /* not an option ferry_formadd takes */
  FERRY_FORMADD_INCOMPLETE,     /* no name, no contents, or a combination
                                   that does not make a field */
  FERRY_FORMADD_ILLEGAL_ARRAY,  /* FERRYFORM_ARRAY inside an array */
  FERRY_FORMADD_DISABLED,       /* not returned by ferry */
  FERRY_FORMADD_LAST
} ferry_formcode;

/* Bits of ferry_httppost.flags (libcurl's CURL_HTTPPOST_*). */
#define FERRY_HTTPPOST_FILENAME (1 << 0)    /* contents names a file */
#define FERRY_HTTPPOST_READFILE (1 << 1)    /* contents: read this file */
#define FERRY_HTTPPOST_PTRNAME (1 << 2)     /* name is borrowed */
#define FERRY_HTTPPOST_PTRCONTENTS (1 << 3) /* contents is borrowed */
#define FERRY_HTTPPOST_BUFFER (1 << 4)      /* buffer upload */
#define FERRY_HTTPPOST_PTRBUFFER (1 << 5)   /* buffer is borrowed */
#define FERRY_HTTPPOST_CALLBACK (1 << 6)    /* userp goes to READFUNCTION */
#define FERRY_HTTPPOST_LARGE (1 << 7)       /* contentlen holds the length */

/* One field of a form built with ferry_formadd. Layout matches libcurl's
 * struct curl_httppost, so a list built by hand works too. */
struct ferry_httppost {
  struct ferry_httppost *next;  /* the next field */
  char *name;                   /* field name */
  long namelength;              /* its length, or 0 for strlen */
  char *contents;               /* contents, or a file's path */
  long contentslength;          /* its length, 0 for strlen (not LARGE) */
  char *buffer;                 /* a BUFFER upload's bytes */
  long bufferlength;            /* their length */
  char *contenttype;            /* Content-Type, or NULL */
  struct ferry_slist *contentheader; /* extra headers, or NULL */
  struct ferry_httppost *more;  /* the next file of this field */
  long flags;                   /* FERRY_HTTPPOST_* */
  char *showfilename;           /* the filename to send, or NULL */
  void *userp;                  /* READDATA of a CALLBACK field */
  ferry_off_t contentlen;       /* contents' length when LARGE */
};

/* Called by ferry_formget with the next piece of the serialised form;
 * returns len to go on (anything else stops ferry_formget). */
typedef size_t (*ferry_formget_callback)(void *arg, const char *buf,
                                         size_t len);

/* Add one field to the form *httppost (NULL for a new form), after
 * *last_post (the field the previous call added; NULL to look for the
 * end). The options (ferry_formoption values, each followed by its
 * argument) end with FERRYFORM_END; FERRYFORM_FILE may be given several
 * times to send several files in one field (as a multipart/mixed). Names,
 * COPYCONTENTS, CONTENTTYPE, FILENAME and file paths are copied; PTRNAME,
 * PTRCONTENTS, BUFFERPTR, CONTENTHEADER lists and STREAM pointers are
 * borrowed and must live until the form is freed. A FILE or BUFFER field
 * without CONTENTTYPE gets one from its file name's extension (else the
 * field's previous file's type, else application/octet-stream). A file
 * named "-" is read from stdin. On success *last_post is the new field.
 * Returns FERRY_FORMADD_OK or the error (nothing is added then). Free the
 * form with ferry_formfree. */
FERRY_EXTERN ferry_formcode ferry_formadd(struct ferry_httppost **httppost,
                                          struct ferry_httppost **last_post,
                                          ...);
/* Serialise form as FERRYOPT_HTTPPOST would send it, headers included
 * ("Content-Type: multipart/form-data; boundary=..." and a blank line
 * first), through append(arg, buf, len), in pieces. Files are read now;
 * STREAM fields give no bytes (their callback is the transfer's). Returns
 * 0, or a ferry_code: FERRYE_READ_ERROR (append returned another length,
 * or a file could not be read), FERRYE_OUT_OF_MEMORY. */
FERRY_EXTERN int ferry_formget(struct ferry_httppost *form, void *arg,
                               ferry_formget_callback append);
/* Free a form built with ferry_formadd: every field, the strings it
 * copied, and the files' fields chained with `more`; borrowed pointers
 * stay. NULL is a no-op. */
FERRY_EXTERN void ferry_formfree(struct ferry_httppost *form);

/* ---- utilities ------------------------------------------------------- */

/* Append a copy of s to the list (list may be NULL). Returns the list head,
 * or NULL when out of memory (the old list is then left untouched). */
FERRY_EXTERN ferry_slist *ferry_slist_append(ferry_slist *list, const char *s);
FERRY_EXTERN void ferry_slist_free_all(ferry_slist *list);
/* Free memory ferry handed out (e.g. from ferry_multi_get_handles). */
FERRY_EXTERN void ferry_free(void *p);

/* ---- version and TLS backend ----------------------------------------- */

/* The age of a ferry_version_info_data: which fields it has. Numbers are
 * libcurl's CURLversion; ferry fills every field up to FERRY_VERSION_NOW. */
typedef enum {
  FERRY_VERSION_FIRST,    /* version .. protocols */
  FERRY_VERSION_SECOND,   /* ares, ares_num */
  FERRY_VERSION_THIRD,    /* libidn */
  FERRY_VERSION_FOURTH,   /* iconv_ver_num, libssh_version */
  FERRY_VERSION_FIFTH,    /* brotli_ver_num, brotli_version */
  FERRY_VERSION_SIXTH,    /* nghttp2_ver_num, nghttp2_version, quic_version */
  FERRY_VERSION_SEVENTH,  /* cainfo, capath */
  FERRY_VERSION_EIGHTH,   /* zstd_ver_num, zstd_version */
  FERRY_VERSION_NINTH,    /* hyper_version */
  FERRY_VERSION_TENTH,    /* gsasl_version */
  FERRY_VERSION_ELEVENTH, /* feature_names */
  FERRY_VERSION_TWELFTH,  /* rtmp_version */
  FERRY_VERSION_LAST
} ferry_version_type;
#define FERRY_VERSION_NOW FERRY_VERSION_TWELFTH

/* Bits of ferry_version_info_data.features (libcurl's CURL_VERSION_*). */
#define FERRY_VERSION_IPV6 (1 << 0)
#define FERRY_VERSION_KERBEROS4 (1 << 1)
#define FERRY_VERSION_SSL (1 << 2)
#define FERRY_VERSION_LIBZ (1 << 3)
#define FERRY_VERSION_NTLM (1 << 4)
#define FERRY_VERSION_GSSNEGOTIATE (1 << 5)
#define FERRY_VERSION_DEBUG (1 << 6)
#define FERRY_VERSION_ASYNCHDNS (1 << 7)
#define FERRY_VERSION_SPNEGO (1 << 8)
#define FERRY_VERSION_LARGEFILE (1 << 9)
#define FERRY_VERSION_IDN (1 << 10)
#define FERRY_VERSION_SSPI (1 << 11)
#define FERRY_VERSION_CONV (1 << 12)
#define FERRY_VERSION_CURLDEBUG (1 << 13)
#define FERRY_VERSION_TLSAUTH_SRP (1 << 14)
#define FERRY_VERSION_NTLM_WB (1 << 15)
#define FERRY_VERSION_HTTP2 (1 << 16)
#define FERRY_VERSION_GSSAPI (1 << 17)
#define FERRY_VERSION_KERBEROS5 (1 << 18)
#define FERRY_VERSION_UNIX_SOCKETS (1 << 19)
#define FERRY_VERSION_PSL (1 << 20)
#define FERRY_VERSION_HTTPS_PROXY (1 << 21)
#define FERRY_VERSION_MULTI_SSL (1 << 22)
#define FERRY_VERSION_BROTLI (1 << 23)
#define FERRY_VERSION_ALTSVC (1 << 24)
#define FERRY_VERSION_HTTP3 (1 << 25)
#define FERRY_VERSION_ZSTD (1 << 26)
#define FERRY_VERSION_UNICODE (1 << 27)
#define FERRY_VERSION_HSTS (1 << 28)
#define FERRY_VERSION_GSASL (1 << 29)
#define FERRY_VERSION_THREADSAFE (1 << 30)

/* What ferry is built with. Layout matches libcurl's
 * curl_version_info_data of age FERRY_VERSION_TWELFTH (libcurl 8.8 to at
 * least 8.17); a field for something ferry does not have is NULL or 0. */
typedef struct ferry_version_info_data {
  ferry_version_type age;     /* FERRY_VERSION_NOW */
  const char *version;        /* the libcurl API level, "8.17.0" */
  unsigned int version_num;   /* FERRY_LIBCURL_VERSION_NUM */
  const char *host;           /* the build's target, "x86_64-linux-gnu" */
  int features;               /* FERRY_VERSION_* bits */
  const char *ssl_version;    /* "mbedTLS/2.28.3" */
  long ssl_version_num;       /* 0, as in libcurl */
  const char *libz_version;   /* zlib's, "1.2.13" */
  const char *const *protocols; /* {"http", "https", NULL} */
  const char *ares;           /* NULL: lookups use getaddrinfo on libuv's
                                 thread pool, not c-ares */
  int ares_num;
  const char *libidn;         /* NULL */
  int iconv_ver_num;          /* 0 */
  const char *libssh_version; /* NULL */
  unsigned int brotli_ver_num;
  const char *brotli_version; /* NULL */
  unsigned int nghttp2_ver_num; /* nghttp2's, as ferry was built with it */
  const char *nghttp2_version;
  const char *quic_version;   /* NULL */
  const char *cainfo;         /* the CA bundle used without CAINFO */
  const char *capath;         /* NULL */
  unsigned int zstd_ver_num;
  const char *zstd_version;   /* NULL */
  const char *hyper_version;  /* NULL */
  const char *gsasl_version;  /* NULL */
  const char *const *feature_names; /* names of the features, NULL-ended */
  const char *rtmp_version;   /* NULL */
} ferry_version_info_data;

/* "ferry/0.1.0 libcurl/8.17.0 mbedTLS/2.28.3 zlib/1.2.13 nghttp2/1.52.0
 * libuv/1.44.2 llhttp/8.1.0": ferry, the libcurl API level, and the
 * libraries (zlib's and libuv's asked at run time, the others as built). A static string: never
 * free it. Thread-safe. */
FERRY_EXTERN char *ferry_version(void);
/* A static struct describing ferry; age is not used (every field is
 * filled). Never NULL, never to be freed. Thread-safe. */
FERRY_EXTERN ferry_version_info_data *ferry_version_info(ferry_version_type age);

/* TLS backends, by libcurl's curl_sslbackend numbers. ferry has one:
 * mbedTLS. */
typedef enum {
  FERRYSSLBACKEND_NONE = 0,
  FERRYSSLBACKEND_OPENSSL = 1,
  FERRYSSLBACKEND_GNUTLS = 2,
  FERRYSSLBACKEND_NSS = 3,
  FERRYSSLBACKEND_OBSOLETE4 = 4,
  FERRYSSLBACKEND_GSKIT = 5,
  FERRYSSLBACKEND_POLARSSL = 6,
  FERRYSSLBACKEND_WOLFSSL = 7,
  FERRYSSLBACKEND_SCHANNEL = 8,
  FERRYSSLBACKEND_SECURETRANSPORT = 9,
  FERRYSSLBACKEND_AXTLS = 10,
  FERRYSSLBACKEND_MBEDTLS = 11,
  FERRYSSLBACKEND_MESALINK = 12,
  FERRYSSLBACKEND_BEARSSL = 13,
  FERRYSSLBACKEND_RUSTLS = 14
} ferry_sslbackend;

/* One TLS backend. Layout matches libcurl's struct curl_ssl_backend. */
typedef struct ferry_ssl_backend {
  ferry_sslbackend id;
  const char *name;
} ferry_ssl_backend;

/* Results of ferry_global_sslset (libcurl's CURLsslset). */
typedef enum {
  FERRYSSLSET_OK = 0,
  FERRYSSLSET_UNKNOWN_BACKEND,
  FERRYSSLSET_TOO_LATE,      /* not returned by ferry */
  FERRYSSLSET_NO_BACKENDS    /* not returned by ferry */
} ferry_sslset;

/* Choose the TLS backend, as libcurl built with one backend does: id
 * FERRYSSLBACKEND_MBEDTLS, or name "mbedTLS" (any case) whatever the id,
 * gives FERRYSSLSET_OK, at any time (before or after ferry_global_init);
 * anything else (id FERRYSSLBACKEND_NONE with a NULL name included) gives
 * FERRYSSLSET_UNKNOWN_BACKEND. When
 * avail is not NULL, *avail is set to the static NULL-terminated list of
 * backends ({mbedTLS}) either way. Thread-safe. */
FERRY_EXTERN ferry_sslset ferry_global_sslset(ferry_sslbackend id,
                                              const char *name,
                                              const ferry_ssl_backend ***avail);

/* libcurl's curl_global_trace: config names components whose tracing a
 * VERBOSE or DEBUGFUNCTION transfer should show ("all", "-dns,+ssl", ...),
 * unknown names ignored. ferry's trace has no components: every traced
 * transfer shows its state changes, connection and TLS events and the
 * bytes, whatever config says. So the string (NULL included) is accepted
 * and changes nothing. Returns FERRYE_OK. Thread-safe. */
FERRY_EXTERN ferry_code ferry_global_trace(const char *config);

#ifdef __cplusplus
}
#endif

#endif /* FERRY_H */

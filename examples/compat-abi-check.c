/* compat-abi-check.c - libcurl's numbers, checked at compile time.
 *
 * A program built against libcurl's own header has these numbers compiled
 * in, so ferry's <curl/curl.h> must give the same ones. The values below
 * are written out from libcurl's documented ABI (libcurl 8.x), on purpose
 * not derived from ferry_table.h: if a row of the table gets a wrong
 * number or type, this file stops compiling and so does the build.
 * Nothing here runs; the build compiles it into a static library.
 */
#include <stddef.h>

#include <curl/curl.h>

#define SAME(name, value)                                                      \
  _Static_assert((name) == (value), #name " is not " #value)

/* Option type bases */
SAME(CURLOPTTYPE_LONG, 0);
SAME(CURLOPTTYPE_OBJECTPOINT, 10000);
SAME(CURLOPTTYPE_FUNCTIONPOINT, 20000);
SAME(CURLOPTTYPE_OFF_T, 30000);
SAME(CURLOPTTYPE_BLOB, 40000);

/* Easy options */
SAME(CURLOPT_WRITEDATA, 10001);
SAME(CURLOPT_URL, 10002);
SAME(CURLOPT_PORT, 3);
SAME(CURLOPT_PROXY, 10004);
SAME(CURLOPT_USERPWD, 10005);
SAME(CURLOPT_READDATA, 10009);
SAME(CURLOPT_ERRORBUFFER, 10010);
SAME(CURLOPT_WRITEFUNCTION, 20011);
SAME(CURLOPT_READFUNCTION, 20012);
SAME(CURLOPT_TIMEOUT, 13);
SAME(CURLOPT_INFILESIZE, 14);
SAME(CURLOPT_POSTFIELDS, 10015);
SAME(CURLOPT_USERAGENT, 10018);
SAME(CURLOPT_HTTPHEADER, 10023);
SAME(CURLOPT_HEADERDATA, 10029);
SAME(CURLOPT_CUSTOMREQUEST, 10036);
SAME(CURLOPT_VERBOSE, 41);
SAME(CURLOPT_HEADER, 42);
SAME(CURLOPT_NOPROGRESS, 43);
SAME(CURLOPT_NOBODY, 44);
SAME(CURLOPT_FAILONERROR, 45);
SAME(CURLOPT_UPLOAD, 46);
SAME(CURLOPT_POST, 47);
SAME(CURLOPT_FOLLOWLOCATION, 52);
SAME(CURLOPT_XFERINFODATA, 10057);
SAME(CURLOPT_POSTFIELDSIZE, 60);
SAME(CURLOPT_SSL_VERIFYPEER, 64);
SAME(CURLOPT_CAINFO, 10065);
SAME(CURLOPT_MAXREDIRS, 68);
SAME(CURLOPT_CONNECTTIMEOUT, 78);
SAME(CURLOPT_HEADERFUNCTION, 20079);
SAME(CURLOPT_HTTPGET, 80);
SAME(CURLOPT_SSL_VERIFYHOST, 81);
SAME(CURLOPT_HTTP_VERSION, 84);
SAME(CURLOPT_DEBUGFUNCTION, 20094);
SAME(CURLOPT_DEBUGDATA, 10095);
SAME(CURLOPT_NOSIGNAL, 99);
SAME(CURLOPT_ACCEPT_ENCODING, 10102);
SAME(CURLOPT_PRIVATE, 10103);
SAME(CURLOPT_HTTPAUTH, 107);
SAME(CURLOPT_IPRESOLVE, 113);
SAME(CURLOPT_INFILESIZE_LARGE, 30115);
SAME(CURLOPT_POSTFIELDSIZE_LARGE, 30120);
SAME(CURLOPT_TCP_NODELAY, 121);
SAME(CURLOPT_SOCKOPTFUNCTION, 20148);
SAME(CURLOPT_SOCKOPTDATA, 10149);
SAME(CURLOPT_MAX_RECV_SPEED_LARGE, 30146);
SAME(CURLOPT_TIMEOUT_MS, 155);
SAME(CURLOPT_CONNECTTIMEOUT_MS, 156);
SAME(CURLOPT_OPENSOCKETFUNCTION, 20163);
SAME(CURLOPT_OPENSOCKETDATA, 10164);
SAME(CURLOPT_COPYPOSTFIELDS, 10165);
SAME(CURLOPT_RESOLVE, 10203);
SAME(CURLOPT_CLOSESOCKETFUNCTION, 20208);
SAME(CURLOPT_CLOSESOCKETDATA, 10209);
SAME(CURLOPT_XFERINFOFUNCTION, 20219);
SAME(CURLOPT_UNIX_SOCKET_PATH, 10231);
SAME(CURLOPT_CONNECT_TO, 10243);
SAME(CURLOPT_SSLCERT_BLOB, 40291);
SAME(CURLOPT_CAINFO_BLOB, 40309);
SAME(CURLOPT_PREREQFUNCTION, 20312);
SAME(CURLOPT_PREREQDATA, 10313);
SAME(CURLOPT_MAXLIFETIME_CONN, 314);
SAME(CURLOPT_PROTOCOLS_STR, 10318);
SAME(CURLOPT_ECH, 10325);
SAME(CURLOPT_SSL_SIGNATURE_ALGORITHMS, 10328);

/* Old names programs still use */
SAME(CURLOPT_FILE, 10001);
SAME(CURLOPT_INFILE, 10009);
SAME(CURLOPT_WRITEHEADER, 10029);
SAME(CURLOPT_PROGRESSDATA, 10057);
SAME(CURLOPT_ENCODING, 10102);
SAME(CURLOPT_SSLKEYPASSWD, 10026);
SAME(CURLINFO_HTTP_CODE, 0x200002);
SAME(CURLE_OPERATION_TIMEOUTED, 28);

/* Multi options */
SAME(CURLMOPT_SOCKETFUNCTION, 20001);
SAME(CURLMOPT_SOCKETDATA, 10002);
SAME(CURLMOPT_PIPELINING, 3);
SAME(CURLMOPT_TIMERFUNCTION, 20004);
SAME(CURLMOPT_TIMERDATA, 10005);
SAME(CURLMOPT_MAXCONNECTS, 6);
SAME(CURLMOPT_MAX_HOST_CONNECTIONS, 7);
SAME(CURLMOPT_MAX_TOTAL_CONNECTIONS, 13);
SAME(CURLMOPT_MAX_CONCURRENT_STREAMS, 16);

/* Info ids */
SAME(CURLINFO_STRING, 0x100000);
SAME(CURLINFO_LONG, 0x200000);
SAME(CURLINFO_DOUBLE, 0x300000);
SAME(CURLINFO_SLIST, 0x400000);
SAME(CURLINFO_OFF_T, 0x600000);
SAME(CURLINFO_EFFECTIVE_URL, 0x100001);
SAME(CURLINFO_RESPONSE_CODE, 0x200002);
SAME(CURLINFO_TOTAL_TIME, 0x300003);
SAME(CURLINFO_SIZE_DOWNLOAD, 0x300008);
SAME(CURLINFO_SIZE_DOWNLOAD_T, 0x600008);
SAME(CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, 0x60000f);
SAME(CURLINFO_CONTENT_TYPE, 0x100012);
SAME(CURLINFO_PRIVATE, 0x100015);
SAME(CURLINFO_COOKIELIST, 0x40001c);
SAME(CURLINFO_CERTINFO, 0x400022);
SAME(CURLINFO_ACTIVESOCKET, 0x50002c);
SAME(CURLINFO_HTTP_VERSION, 0x20002e);
SAME(CURLINFO_TOTAL_TIME_T, 0x600032);
SAME(CURLINFO_EFFECTIVE_METHOD, 0x10003a);
SAME(CURLINFO_PROXYAUTH_USED, 0x200046);

/* Result codes */
SAME(CURLE_OK, 0);
SAME(CURLE_UNSUPPORTED_PROTOCOL, 1);
SAME(CURLE_URL_MALFORMAT, 3);
SAME(CURLE_NOT_BUILT_IN, 4);
SAME(CURLE_COULDNT_RESOLVE_HOST, 6);
SAME(CURLE_COULDNT_CONNECT, 7);
SAME(CURLE_HTTP_RETURNED_ERROR, 22);
SAME(CURLE_WRITE_ERROR, 23);
SAME(CURLE_OUT_OF_MEMORY, 27);
SAME(CURLE_OPERATION_TIMEDOUT, 28);
SAME(CURLE_ABORTED_BY_CALLBACK, 42);
SAME(CURLE_BAD_FUNCTION_ARGUMENT, 43);
SAME(CURLE_TOO_MANY_REDIRECTS, 47);
SAME(CURLE_UNKNOWN_OPTION, 48);
SAME(CURLE_GOT_NOTHING, 52);
SAME(CURLE_SEND_ERROR, 55);
SAME(CURLE_RECV_ERROR, 56);
SAME(CURLE_PEER_FAILED_VERIFICATION, 60);
SAME(CURLE_BAD_CONTENT_ENCODING, 61);
SAME(CURLE_FILESIZE_EXCEEDED, 63);
SAME(CURLE_AGAIN, 81);
SAME(CURLE_RECURSIVE_API_CALL, 93);
SAME(CURLE_UNRECOVERABLE_POLL, 99);
SAME(CURLE_TOO_LARGE, 100);
SAME(CURLE_ECH_REQUIRED, 101);
SAME(CURL_LAST, 102);

/* Multi result codes */
SAME(CURLM_CALL_MULTI_PERFORM, -1);
SAME(CURLM_OK, 0);
SAME(CURLM_BAD_HANDLE, 1);
SAME(CURLM_BAD_EASY_HANDLE, 2);
SAME(CURLM_BAD_SOCKET, 5);
SAME(CURLM_UNKNOWN_OPTION, 6);
SAME(CURLM_ADDED_ALREADY, 7);
SAME(CURLM_RECURSIVE_API_CALL, 8);
SAME(CURLM_WAKEUP_FAILURE, 9);
SAME(CURLM_UNRECOVERABLE_POLL, 12);
SAME(CURLM_LAST, 13);

/* Constants */
SAME(CURL_SOCKET_BAD, -1);
SAME(CURL_SOCKET_TIMEOUT, -1);
SAME(CURL_POLL_NONE, 0);
SAME(CURL_POLL_IN, 1);
SAME(CURL_POLL_OUT, 2);
SAME(CURL_POLL_INOUT, 3);
SAME(CURL_POLL_REMOVE, 4);
SAME(CURL_CSELECT_IN, 1);
SAME(CURL_CSELECT_OUT, 2);
SAME(CURL_CSELECT_ERR, 4);
SAME(CURL_WAIT_POLLIN, 1);
SAME(CURL_WAIT_POLLPRI, 2);
SAME(CURL_WAIT_POLLOUT, 4);
SAME(CURLPAUSE_RECV, 1);
SAME(CURLPAUSE_SEND, 4);
SAME(CURLPAUSE_ALL, 5);
SAME(CURLPAUSE_CONT, 0);
SAME(CURL_WRITEFUNC_PAUSE, 0x10000001);
SAME(CURL_WRITEFUNC_ERROR, 0xFFFFFFFF);
SAME(CURL_READFUNC_ABORT, 0x10000000);
SAME(CURL_READFUNC_PAUSE, 0x10000001);
SAME(CURL_ERROR_SIZE, 256);
SAME(CURL_MAX_WRITE_SIZE, 16384);
SAME(CURL_MAX_HTTP_HEADER, 100 * 1024);
SAME(CURL_GLOBAL_ALL, 3);
SAME(CURL_GLOBAL_DEFAULT, 3);
SAME(CURLMSG_DONE, 1);
SAME(CURLINFO_TEXT, 0);
SAME(CURLINFO_HEADER_IN, 1);
SAME(CURLINFO_DATA_OUT, 4);
SAME(CURLINFO_SSL_DATA_OUT, 6);
SAME(CURLSOCKTYPE_IPCXN, 0);
SAME(CURLSOCKTYPE_ACCEPT, 1);
SAME(CURLSOCKTYPE_LAST, 2);
SAME(CURL_SOCKOPT_OK, 0);
SAME(CURL_SOCKOPT_ERROR, 1);
SAME(CURL_SOCKOPT_ALREADY_CONNECTED, 2);
SAME(CURL_PREREQFUNC_OK, 0);
SAME(CURL_PREREQFUNC_ABORT, 1);
SAME(CURL_HTTP_VERSION_1_1, 2);
SAME(CURL_HTTP_VERSION_2TLS, 4);
SAME(CURL_HTTP_VERSION_3, 30);
SAME(CURL_IPRESOLVE_V6, 2);
SAME(CURLAUTH_BASIC, 1);
SAME(CURLAUTH_DIGEST, 2);
SAME(CURLAUTH_BEARER, 64);
SAME(CURLAUTH_ANY, ~(unsigned long)16);
SAME(CURL_REDIR_POST_ALL, 7);
SAME(CURL_SSLVERSION_TLSv1_2, 6);
SAME(CURL_SSLVERSION_MAX_TLSv1_3, 7L << 16);
SAME(CURL_TIMECOND_IFMODSINCE, 1);
SAME(CURLHEADER_SEPARATE, 1);
SAME(CURLPIPE_MULTIPLEX, 2);
SAME(CURLPROTO_HTTPS, 2);
SAME(CURL_VERSION_SSL, 4);
SAME(CURL_VERSION_HTTP2, 1 << 16);
SAME(CURL_VERSION_THREADSAFE, 1 << 30);
SAME(CURLVERSION_ELEVENTH, 10);
SAME(CURLVERSION_TWELFTH, 11);
SAME(CURLVERSION_NOW, 11);
SAME(CURLSSLBACKEND_MBEDTLS, 11);
SAME(CURLSSLBACKEND_RUSTLS, 14);
SAME(CURLSSLSET_NO_BACKENDS, 3);
SAME(CURLFOLLOW_ALL, 1);
SAME(CURLFOLLOW_OBEYCODE, 2);
SAME(CURLFOLLOW_FIRSTONLY, 3);
SAME(CURL_PROGRESSFUNC_CONTINUE, 0x10000001);
SAME(CURL_NETRC_REQUIRED, 2);
SAME(CURLOPT_PROGRESSFUNCTION, 20056);
SAME(CURLOPT_NETRC_FILE, 10118);
SAME(CURLOPT_SSL_SESSIONID_CACHE, 150);
SAME(CURLOPT_DEFAULT_PROTOCOL, 10238);
SAME(CURLOPT_REQUEST_TARGET, 10266);
SAME(CURLOPT_CA_CACHE_TIMEOUT, 321);
SAME(CURLOPT_QUICK_EXIT, 322);
SAME(CURLOPT_SERVER_RESPONSE_TIMEOUT_MS, 324);
SAME(CURLINFO_HTTPAUTH_AVAIL, 0x200000 + 23);
SAME(CURLINFO_REFERER, 0x100000 + 60);
SAME(CURLINFO_XFER_ID, 0x600000 + 63);
SAME(CURLINFO_CONN_ID, 0x600000 + 64);
SAME(CURLINFO_QUEUE_TIME_T, 0x600000 + 65);
SAME(CURLINFO_USED_PROXY, 0x200000 + 66);
SAME(CURLINFO_POSTTRANSFER_TIME_T, 0x600000 + 67);
SAME(CURLINFO_PROXYAUTH_USED, 0x200000 + 70);
SAME(CURLINFO_SIZE_DELIVERED, 0x600000 + 71);

/* Values and return codes of options ferry refuses (FTP, SSH, RTSP, GSS-API
 * delegation, the ioctl callback): programs name them, so they compile. */
SAME(CURL_HTTP_VERSION_LAST, 32);
SAME(CURLIOE_OK, 0);
SAME(CURLIOE_UNKNOWNCMD, 1);
SAME(CURLIOE_FAILRESTART, 2);
SAME(CURLIOE_LAST, 3);
SAME(CURLIOCMD_NOP, 0);
SAME(CURLIOCMD_RESTARTREAD, 1);
SAME(CURLIOCMD_LAST, 2);
SAME(CURL_FNMATCHFUNC_MATCH, 0);
SAME(CURL_FNMATCHFUNC_NOMATCH, 1);
SAME(CURL_FNMATCHFUNC_FAIL, 2);
SAME(CURLSSH_AUTH_ANY, 0xffffffffUL);
SAME(CURLSSH_AUTH_NONE, 0);
SAME(CURLSSH_AUTH_PUBLICKEY, 1);
SAME(CURLSSH_AUTH_PASSWORD, 2);
SAME(CURLSSH_AUTH_HOST, 4);
SAME(CURLSSH_AUTH_KEYBOARD, 8);
SAME(CURLSSH_AUTH_AGENT, 16);
SAME(CURLSSH_AUTH_GSSAPI, 32);
SAME(CURLSSH_AUTH_DEFAULT, 0xffffffffUL);
SAME(CURLKHTYPE_UNKNOWN, 0);
SAME(CURLKHTYPE_RSA1, 1);
SAME(CURLKHTYPE_RSA, 2);
SAME(CURLKHTYPE_DSS, 3);
SAME(CURLKHTYPE_ECDSA, 4);
SAME(CURLKHTYPE_ED25519, 5);
SAME(CURLKHSTAT_FINE_ADD_TO_FILE, 0);
SAME(CURLKHSTAT_FINE, 1);
SAME(CURLKHSTAT_REJECT, 2);
SAME(CURLKHSTAT_DEFER, 3);
SAME(CURLKHSTAT_FINE_REPLACE, 4);
SAME(CURLKHSTAT_LAST, 5);
SAME(CURLKHMATCH_OK, 0);
SAME(CURLKHMATCH_MISMATCH, 1);
SAME(CURLKHMATCH_MISSING, 2);
SAME(CURLKHMATCH_LAST, 3);
SAME(CURLGSSAPI_DELEGATION_NONE, 0);
SAME(CURLGSSAPI_DELEGATION_POLICY_FLAG, 1);
SAME(CURLGSSAPI_DELEGATION_FLAG, 2);
SAME(CURLFTPAUTH_DEFAULT, 0);
SAME(CURLFTPAUTH_SSL, 1);
SAME(CURLFTPAUTH_TLS, 2);
SAME(CURLFTPAUTH_LAST, 3);
SAME(CURLFTPMETHOD_DEFAULT, 0);
SAME(CURLFTPMETHOD_MULTICWD, 1);
SAME(CURLFTPMETHOD_NOCWD, 2);
SAME(CURLFTPMETHOD_SINGLECWD, 3);
SAME(CURLFTPMETHOD_LAST, 4);
SAME(CURL_RTSPREQ_NONE, 0);
SAME(CURL_RTSPREQ_OPTIONS, 1);
SAME(CURL_RTSPREQ_DESCRIBE, 2);
SAME(CURL_RTSPREQ_ANNOUNCE, 3);
SAME(CURL_RTSPREQ_SETUP, 4);
SAME(CURL_RTSPREQ_PLAY, 5);
SAME(CURL_RTSPREQ_PAUSE, 6);
SAME(CURL_RTSPREQ_TEARDOWN, 7);
SAME(CURL_RTSPREQ_GET_PARAMETER, 8);
SAME(CURL_RTSPREQ_SET_PARAMETER, 9);
SAME(CURL_RTSPREQ_RECORD, 10);
SAME(CURL_RTSPREQ_RECEIVE, 11);
SAME(CURL_RTSPREQ_LAST, 12);
SAME(CURLFILETYPE_FILE, 0);
SAME(CURLFILETYPE_DIRECTORY, 1);
SAME(CURLFILETYPE_SYMLINK, 2);
SAME(CURLFILETYPE_DEVICE_BLOCK, 3);
SAME(CURLFILETYPE_DEVICE_CHAR, 4);
SAME(CURLFILETYPE_NAMEDPIPE, 5);
SAME(CURLFILETYPE_SOCKET, 6);
SAME(CURLFILETYPE_DOOR, 7);
SAME(CURLFILETYPE_UNKNOWN, 8);
SAME(CURLFINFOFLAG_KNOWN_FILENAME, 1);
SAME(CURLFINFOFLAG_KNOWN_FILETYPE, 2);
SAME(CURLFINFOFLAG_KNOWN_TIME, 4);
SAME(CURLFINFOFLAG_KNOWN_PERM, 8);
SAME(CURLFINFOFLAG_KNOWN_UID, 16);
SAME(CURLFINFOFLAG_KNOWN_GID, 32);
SAME(CURLFINFOFLAG_KNOWN_SIZE, 64);
SAME(CURLFINFOFLAG_KNOWN_HLINKCOUNT, 128);
SAME(CURL_CHUNK_BGN_FUNC_OK, 0);
SAME(CURL_CHUNK_BGN_FUNC_FAIL, 1);
SAME(CURL_CHUNK_BGN_FUNC_SKIP, 2);
SAME(CURL_CHUNK_END_FUNC_OK, 0);
SAME(CURL_CHUNK_END_FUNC_FAIL, 1);

/* Values passed to setopt for a long option must be longs. */
_Static_assert(sizeof(CURL_HTTP_VERSION_1_1) == sizeof(long),
               "CURL_HTTP_VERSION_* must be long");
_Static_assert(sizeof(CURL_IPRESOLVE_V4) == sizeof(long),
               "CURL_IPRESOLVE_* must be long");
_Static_assert(sizeof(CURLAUTH_ANY) == sizeof(long), "CURLAUTH_* must be long");
_Static_assert(sizeof(CURL_RTSPREQ_SETUP) == sizeof(long),
               "CURL_RTSPREQ_* must be long");
_Static_assert(sizeof(CURLFTPMETHOD_NOCWD) == sizeof(long),
               "CURLFTPMETHOD_* must be long");
_Static_assert(sizeof(CURLFTPAUTH_TLS) == sizeof(long),
               "CURLFTPAUTH_* must be long");
_Static_assert(sizeof(CURLGSSAPI_DELEGATION_FLAG) == sizeof(long),
               "CURLGSSAPI_DELEGATION_* must be long");
_Static_assert(sizeof(CURLSSH_AUTH_ANY) == sizeof(long) &&
                   sizeof(CURLSSH_AUTH_AGENT) == sizeof(long),
               "CURLSSH_AUTH_* must be long");

/* Layouts programs touch directly */
_Static_assert(offsetof(CURLMsg, msg) == 0, "CURLMsg.msg first");
_Static_assert(offsetof(struct curl_slist, data) == 0, "curl_slist.data");
_Static_assert(offsetof(struct curl_slist, next) == sizeof(char *),
               "curl_slist.next");
_Static_assert(sizeof(curl_off_t) == 8, "curl_off_t is 64 bits");
/* struct curl_sockaddr: four ints, then the address (libcurl passes room
 * for a whole sockaddr_storage from addr on) */
_Static_assert(offsetof(struct curl_sockaddr, family) == 0, "family");
_Static_assert(offsetof(struct curl_sockaddr, socktype) == 4, "socktype");
_Static_assert(offsetof(struct curl_sockaddr, protocol) == 8, "protocol");
_Static_assert(offsetof(struct curl_sockaddr, addrlen) == 12, "addrlen");
_Static_assert(offsetof(struct curl_sockaddr, addr) == 16, "addr");
_Static_assert(sizeof(struct curl_sockaddr) == 16 + sizeof(struct sockaddr),
               "curl_sockaddr size");
_Static_assert(sizeof(curlsocktype) == sizeof(int), "curlsocktype is an enum");
/* struct curl_khkey: the key, its length, then its type (an enum) */
_Static_assert(offsetof(struct curl_khkey, key) == 0, "curl_khkey.key");
_Static_assert(offsetof(struct curl_khkey, len) == sizeof(char *),
               "curl_khkey.len");
_Static_assert(offsetof(struct curl_khkey, keytype) ==
                   sizeof(char *) + sizeof(size_t),
               "curl_khkey.keytype");
_Static_assert(sizeof(enum curl_khtype) == sizeof(int), "curl_khtype");
/* struct curl_fileinfo (FTP wildcard downloads): every field in libcurl's
 * order, the three it keeps for itself included */
_Static_assert(offsetof(struct curl_fileinfo, filename) == 0, "fileinfo");
_Static_assert(offsetof(struct curl_fileinfo, filetype) == sizeof(char *),
               "curl_fileinfo.filetype");
_Static_assert(offsetof(struct curl_fileinfo, time) == 16, "curl_fileinfo.time");
_Static_assert(offsetof(struct curl_fileinfo, perm) == 24, "curl_fileinfo.perm");
_Static_assert(offsetof(struct curl_fileinfo, uid) == 28, "curl_fileinfo.uid");
_Static_assert(offsetof(struct curl_fileinfo, gid) == 32, "curl_fileinfo.gid");
_Static_assert(offsetof(struct curl_fileinfo, size) == 40, "curl_fileinfo.size");
_Static_assert(offsetof(struct curl_fileinfo, hardlinks) == 48,
               "curl_fileinfo.hardlinks");
_Static_assert(offsetof(struct curl_fileinfo, strings.time) == 56,
               "curl_fileinfo.strings.time");
_Static_assert(offsetof(struct curl_fileinfo, strings.target) == 88,
               "curl_fileinfo.strings.target");
_Static_assert(offsetof(struct curl_fileinfo, flags) == 96,
               "curl_fileinfo.flags");
_Static_assert(offsetof(struct curl_fileinfo, b_data) == 104,
               "curl_fileinfo.b_data");
_Static_assert(sizeof(struct curl_fileinfo) == 128, "curl_fileinfo size");
_Static_assert(sizeof(curlfiletype) == sizeof(int), "curlfiletype is an enum");
_Static_assert(sizeof(curlioerr) == sizeof(int) &&
                   sizeof(curliocmd) == sizeof(int) &&
                   sizeof(curl_ftpauth) == sizeof(int) &&
                   sizeof(curl_ftpmethod) == sizeof(int),
               "curlioerr, curliocmd, curl_ftpauth, curl_ftpmethod are enums");

/* The callbacks' types, as libcurl declares them */
#define SAME_TYPE(a, b)                                                        \
  _Static_assert(__builtin_types_compatible_p(a, b), #a " is not " #b)
SAME_TYPE(curl_opensocket_callback,
          curl_socket_t (*)(void *, curlsocktype, struct curl_sockaddr *));
SAME_TYPE(curl_sockopt_callback, int (*)(void *, curl_socket_t, curlsocktype));
SAME_TYPE(curl_closesocket_callback, int (*)(void *, curl_socket_t));
SAME_TYPE(curl_prereq_callback, int (*)(void *, char *, char *, int, int));
SAME_TYPE(curl_ioctl_callback, curlioerr (*)(CURL *, int, void *));
SAME_TYPE(curl_fnmatch_callback, int (*)(void *, const char *, const char *));
SAME_TYPE(curl_resolver_start_callback, int (*)(void *, void *, void *));
SAME_TYPE(curl_chunk_bgn_callback, long (*)(const void *, void *, int));
SAME_TYPE(curl_chunk_end_callback, long (*)(void *));
SAME_TYPE(curl_sshkeycallback,
          int (*)(CURL *, const struct curl_khkey *, const struct curl_khkey *,
                  enum curl_khmatch, void *));
SAME_TYPE(curl_sshhostkeycallback,
          int (*)(void *, int, const char *, size_t));

#if __SIZEOF_POINTER__ == 8 && __SIZEOF_LONG__ == 8
/* curl_version_info_data of age CURLVERSION_TWELFTH on LP64, as libcurl's
 * header lays it out */
#define VOFF(field, off)                                                       \
  _Static_assert(offsetof(curl_version_info_data, field) == (off),             \
                 "curl_version_info_data." #field)
VOFF(version, 8);
VOFF(host, 24);
VOFF(features, 32);
VOFF(ssl_version_num, 48);
VOFF(protocols, 64);
VOFF(ares_num, 80);
VOFF(iconv_ver_num, 96);
VOFF(brotli_ver_num, 112);
VOFF(nghttp2_version, 136);
VOFF(cainfo, 152);
VOFF(zstd_ver_num, 168);
VOFF(gsasl_version, 192);
VOFF(feature_names, 200);
VOFF(rtmp_version, 208);
_Static_assert(sizeof(curl_version_info_data) == 216, "curl_version_info_data");
_Static_assert(sizeof(struct curl_khkey) == 24, "curl_khkey size");
_Static_assert(offsetof(struct curl_ssl_backend, name) == 8 &&
                   sizeof(curl_ssl_backend) == 16,
               "curl_ssl_backend");
#endif

/* A static library needs a symbol; nothing calls this. */
int ferry_compat_abi_check(void);
int ferry_compat_abi_check(void) { return 0; }

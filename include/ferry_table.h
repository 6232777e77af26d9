/* ferry_table.h - the one table of ferry's public names.
 *
 * Every result code, option and info id of ferry is listed here once, with
 * its number. ferry.h turns these lists into enums (FERRYE_*, FERRYM_*,
 * FERRYSHE_*, FERRYOPT_*, FERRYMOPT_*, FERRYINFO_*), setopt/getinfo take
 * each option's type from here, and the curl-compatible <curl/curl.h> is generated from
 * the same lists at build time. Nothing else keeps a second list.
 *
 * Numbers follow libcurl's documented ABI, so CURLOPT_X == FERRYOPT_X.
 *
 * Option rows: X(NAME, TYPE, NUMBER, SUPPORTED)
 *   TYPE is LONG, VALUES (a long taking named values), OBJECTPOINT,
 *   STRINGPOINT (copied by setopt), SLISTPOINT (borrowed ferry_slist *),
 *   CBPOINT (a user pointer handed to a callback), FUNCTIONPOINT, OFF_T or
 *   BLOB. The option's id is the type's base plus NUMBER, as in libcurl.
 *   SUPPORTED is 1 when ferry implements the option; setting an option with
 *   0 fails with FERRYE_NOT_BUILT_IN and an error text naming it.
 *   Options ferry adds beyond libcurl use numbers from 9000 up and have no
 *   CURLOPT_ name.
 *
 * Rows are sorted by NUMBER. The lists hold every code, option and info id
 * of libcurl 8.17, and CURLINFO_SIZE_DELIVERED of 8.20, so an
 * unmodified libcurl program compiles; ferry refuses what it does not
 * implement at run time, with a code that says so. The generator
 * (include/gen-curl-h.c) checks at build time that ids are unique and rows
 * sorted, and that FERRY_LIBCURL_VERSION_NUM (ferry.h) stays below every
 * row of FERRY_MISSING_FUNCTIONS.
 */
#ifndef FERRY_TABLE_H
#define FERRY_TABLE_H

/* Easy result codes: X(NAME, NUMBER, "text for ferry_easy_strerror") */
#define FERRY_CODES(X)                                                         \
  X(OK, 0, "No error")                                                         \
  X(UNSUPPORTED_PROTOCOL, 1, "Unsupported protocol")                           \
  X(FAILED_INIT, 2, "Failed initialization")                                   \
  X(URL_MALFORMAT, 3, "URL using bad/illegal format or missing URL")           \
  X(NOT_BUILT_IN, 4, "A requested feature or option is not supported by ferry") \
  X(COULDNT_RESOLVE_PROXY, 5, "Could not resolve proxy name")                  \
  X(COULDNT_RESOLVE_HOST, 6, "Could not resolve host name")                    \
  X(COULDNT_CONNECT, 7, "Could not connect to server")                         \
  X(WEIRD_SERVER_REPLY, 8, "Weird server reply")                               \
  X(REMOTE_ACCESS_DENIED, 9, "Access denied to remote resource")               \
  X(FTP_ACCEPT_FAILED, 10, "FTP: the server failed to connect to data port")   \
  X(FTP_WEIRD_PASS_REPLY, 11, "FTP: unknown PASS reply")                       \
  X(FTP_ACCEPT_TIMEOUT, 12, "FTP: timeout waiting for the server to connect")  \
  X(FTP_WEIRD_PASV_REPLY, 13, "FTP: unknown PASV reply")                       \
  X(FTP_WEIRD_227_FORMAT, 14, "FTP: unknown 227 response format")              \
  X(FTP_CANT_GET_HOST, 15, "FTP: cannot figure out the host in the PASV response") \
  X(HTTP2, 16, "Error in the HTTP2 framing layer")                             \
  X(FTP_COULDNT_SET_TYPE, 17, "FTP: could not set file type")                  \
  X(PARTIAL_FILE, 18, "Transferred a partial file")                            \
  X(FTP_COULDNT_RETR_FILE, 19, "FTP: could not retrieve the file")             \
  X(OBSOLETE20, 20, "Unknown error (obsolete code 20)")                        \
  X(QUOTE_ERROR, 21, "Quote command returned error")                           \
  X(HTTP_RETURNED_ERROR, 22, "HTTP response code said error")                  \
  X(WRITE_ERROR, 23, "Failed writing received data to disk/application")       \
  X(OBSOLETE24, 24, "Unknown error (obsolete code 24)")                        \
  X(UPLOAD_FAILED, 25, "Upload failed")                                        \
  X(READ_ERROR, 26, "Failed to open/read local data from file/application")    \
  X(OUT_OF_MEMORY, 27, "Out of memory")                                        \
  X(OPERATION_TIMEDOUT, 28, "Timeout was reached")                             \
  X(OBSOLETE29, 29, "Unknown error (obsolete code 29)")                        \
  X(FTP_PORT_FAILED, 30, "FTP: command PORT failed")                           \
  X(FTP_COULDNT_USE_REST, 31, "FTP: command REST failed")                      \
  X(OBSOLETE32, 32, "Unknown error (obsolete code 32)")                        \
  X(RANGE_ERROR, 33, "Requested range was not delivered by the server")        \
  X(OBSOLETE34, 34, "Unknown error (obsolete code 34)")                        \
  X(SSL_CONNECT_ERROR, 35, "SSL connect error")                                \
  X(BAD_DOWNLOAD_RESUME, 36, "Could not resume download")                      \
  X(FILE_COULDNT_READ_FILE, 37, "Could not read a file:// file")               \
  X(LDAP_CANNOT_BIND, 38, "LDAP: cannot bind")                                 \
  X(LDAP_SEARCH_FAILED, 39, "LDAP: search failed")                             \
  X(OBSOLETE40, 40, "Unknown error (obsolete code 40)")                        \
  X(OBSOLETE41, 41, "Unknown error (obsolete code 41)")                        \
  X(ABORTED_BY_CALLBACK, 42, "Operation was aborted by an application callback") \
  X(BAD_FUNCTION_ARGUMENT, 43, "A function was called with a bad argument")    \
  X(OBSOLETE44, 44, "Unknown error (obsolete code 44)")                        \
  X(INTERFACE_FAILED, 45, "Failed binding local connection end")               \
  X(OBSOLETE46, 46, "Unknown error (obsolete code 46)")                        \
  X(TOO_MANY_REDIRECTS, 47, "Number of redirects hit maximum amount")          \
  X(UNKNOWN_OPTION, 48, "An unknown option was passed in")                     \
  X(SETOPT_OPTION_SYNTAX, 49, "Malformed option value")                        \
  X(OBSOLETE50, 50, "Unknown error (obsolete code 50)")                        \
  X(OBSOLETE51, 51, "Unknown error (obsolete code 51)")                        \
  X(GOT_NOTHING, 52, "Server returned nothing (no headers, no data)")          \
  X(SSL_ENGINE_NOTFOUND, 53, "SSL crypto engine not found")                    \
  X(SSL_ENGINE_SETFAILED, 54, "Can not set SSL crypto engine as default")      \
  X(SEND_ERROR, 55, "Failed sending data to the peer")                         \
  X(RECV_ERROR, 56, "Failure when receiving data from the peer")               \
  X(OBSOLETE57, 57, "Unknown error (obsolete code 57)")                        \
  X(SSL_CERTPROBLEM, 58, "Problem with the local SSL certificate")             \
  X(SSL_CIPHER, 59, "Could not use specified SSL cipher")                      \
  X(PEER_FAILED_VERIFICATION, 60, "SSL peer certificate or SSH remote key was not OK") \
  X(BAD_CONTENT_ENCODING, 61, "Unrecognized or bad HTTP Content or Transfer-Encoding") \
  X(OBSOLETE62, 62, "Unknown error (obsolete code 62)")                        \
  X(FILESIZE_EXCEEDED, 63, "Maximum file size exceeded")                       \
  X(USE_SSL_FAILED, 64, "Requested SSL level failed")                          \
  X(SEND_FAIL_REWIND, 65, "Send failed since rewinding of the data stream failed") \
  X(SSL_ENGINE_INITFAILED, 66, "Failed to initialise SSL crypto engine")       \
  X(LOGIN_DENIED, 67, "Login denied")                                          \
  X(TFTP_NOTFOUND, 68, "TFTP: file not found")                                 \
  X(TFTP_PERM, 69, "TFTP: access violation")                                   \
  X(REMOTE_DISK_FULL, 70, "Disk full or allocation exceeded")                  \
  X(TFTP_ILLEGAL, 71, "TFTP: illegal operation")                               \
  X(TFTP_UNKNOWNID, 72, "TFTP: unknown transfer ID")                           \
  X(REMOTE_FILE_EXISTS, 73, "Remote file already exists")                      \
  X(TFTP_NOSUCHUSER, 74, "TFTP: no such user")                                 \
  X(OBSOLETE75, 75, "Unknown error (obsolete code 75)")                        \
  X(OBSOLETE76, 76, "Unknown error (obsolete code 76)")                        \
  X(SSL_CACERT_BADFILE, 77, "Problem with the SSL CA cert (path? access rights?)") \
  X(REMOTE_FILE_NOT_FOUND, 78, "Remote file not found")                        \
  X(SSH, 79, "Error in the SSH layer")                                         \
  X(SSL_SHUTDOWN_FAILED, 80, "Failed to shut down the SSL connection")         \
  X(AGAIN, 81, "Socket not ready for send/recv")                               \
  X(SSL_CRL_BADFILE, 82, "Failed to load CRL file (path? access rights?, format?)") \
  X(SSL_ISSUER_ERROR, 83, "Issuer check against peer certificate failed")      \
  X(FTP_PRET_FAILED, 84, "FTP: the server did not accept the PRET command")    \
  X(RTSP_CSEQ_ERROR, 85, "RTSP CSeq mismatch or invalid CSeq")                 \
  X(RTSP_SESSION_ERROR, 86, "RTSP session error")                              \
  X(FTP_BAD_FILE_LIST, 87, "Unable to parse FTP file list")                    \
  X(CHUNK_FAILED, 88, "Chunk callback failed")                                 \
  X(NO_CONNECTION_AVAILABLE, 89, "The max connection limit is reached")        \
  X(SSL_PINNEDPUBKEYNOTMATCH, 90, "SSL public key does not match pinned public key") \
  X(SSL_INVALIDCERTSTATUS, 91, "SSL server certificate status verification FAILED") \
  X(HTTP2_STREAM, 92, "Stream error in the HTTP/2 framing layer")              \
  X(RECURSIVE_API_CALL, 93, "API function called from within callback")        \
  X(AUTH_ERROR, 94, "An authentication function returned an error")            \
  X(HTTP3, 95, "HTTP/3 error")                                                 \
  X(QUIC_CONNECT_ERROR, 96, "QUIC connection error")                           \
  X(PROXY, 97, "proxy handshake error")                                        \
  X(SSL_CLIENTCERT, 98, "SSL Client Certificate required")                     \
  X(UNRECOVERABLE_POLL, 99, "Unrecoverable error in select/poll")              \
  X(TOO_LARGE, 100, "A value or data field grew larger than allowed")          \
  X(ECH_REQUIRED, 101, "Encrypted Client Hello was required but failed")

/* Multi result codes: X(NAME, NUMBER, "text") */
#define FERRY_MCODES(X)                                                        \
  X(CALL_MULTI_PERFORM, -1, "Please call ferry_multi_perform() soon")          \
  X(OK, 0, "No error")                                                         \
  X(BAD_HANDLE, 1, "Invalid multi handle")                                     \
  X(BAD_EASY_HANDLE, 2, "Invalid easy handle")                                 \
  X(OUT_OF_MEMORY, 3, "Out of memory")                                         \
  X(INTERNAL_ERROR, 4, "Internal error")                                       \
  X(BAD_SOCKET, 5, "Invalid socket argument")                                  \
  X(UNKNOWN_OPTION, 6, "Unknown option")                                       \
  X(ADDED_ALREADY, 7, "The easy handle is already added to a multi handle")    \
  X(RECURSIVE_API_CALL, 8, "API function called from within callback")        \
  X(WAKEUP_FAILURE, 9, "Wakeup is unavailable or failed")                      \
  X(BAD_FUNCTION_ARGUMENT, 10, "A libcurl function was given a bad argument")  \
  X(ABORTED_BY_CALLBACK, 11, "Operation was aborted by an application callback") \
  X(UNRECOVERABLE_POLL, 12, "Unrecoverable error in select/poll")

/* Share result codes: X(NAME, NUMBER, "text for ferry_share_strerror") */
#define FERRY_SHCODES(X)                                                       \
  X(OK, 0, "No error")                                                         \
  X(BAD_OPTION, 1, "Unknown share option or kind of data")                     \
  X(IN_USE, 2, "The share is in use by an easy handle")                        \
  X(INVALID, 3, "Not a share handle")                                          \
  X(NOMEM, 4, "Out of memory")                                                 \
  X(NOT_BUILT_IN, 5, "That kind of data cannot be shared by ferry")

/* Easy options: X(NAME, TYPE, NUMBER, SUPPORTED) */
#define FERRY_OPTIONS(X)                                                       \
  X(WRITEDATA, CBPOINT, 1, 1)                                                  \
  X(URL, STRINGPOINT, 2, 1)                                                    \
  X(PORT, LONG, 3, 1)                                                          \
  X(PROXY, STRINGPOINT, 4, 1)                                                  \
  X(USERPWD, STRINGPOINT, 5, 1)                                                \
  X(PROXYUSERPWD, STRINGPOINT, 6, 1)                                           \
  X(RANGE, STRINGPOINT, 7, 1)                                                  \
  X(READDATA, CBPOINT, 9, 1)                                                   \
  X(ERRORBUFFER, OBJECTPOINT, 10, 1)                                           \
  X(WRITEFUNCTION, FUNCTIONPOINT, 11, 1)                                       \
  X(READFUNCTION, FUNCTIONPOINT, 12, 1)                                        \
  X(TIMEOUT, LONG, 13, 1)                                                      \
  X(INFILESIZE, LONG, 14, 1)                                                   \
  X(POSTFIELDS, OBJECTPOINT, 15, 1)                                            \
  X(REFERER, STRINGPOINT, 16, 1)                                               \
  X(FTPPORT, STRINGPOINT, 17, 0)                                               \
  X(USERAGENT, STRINGPOINT, 18, 1)                                             \
  X(LOW_SPEED_LIMIT, LONG, 19, 1)                                              \
  X(LOW_SPEED_TIME, LONG, 20, 1)                                               \
  X(RESUME_FROM, LONG, 21, 1)                                                  \
  X(COOKIE, STRINGPOINT, 22, 1)                                                \
  X(HTTPHEADER, SLISTPOINT, 23, 1)                                             \
  X(HTTPPOST, OBJECTPOINT, 24, 1)                                              \
  X(SSLCERT, STRINGPOINT, 25, 1)                                               \
  X(KEYPASSWD, STRINGPOINT, 26, 1)                                             \
  X(CRLF, LONG, 27, 0)                                                         \
  X(QUOTE, SLISTPOINT, 28, 0)                                                  \
  X(HEADERDATA, CBPOINT, 29, 1)                                                \
  X(COOKIEFILE, STRINGPOINT, 31, 1)                                            \
  X(SSLVERSION, VALUES, 32, 1)                                                 \
  X(TIMECONDITION, VALUES, 33, 1)                                              \
  X(TIMEVALUE, LONG, 34, 1)                                                    \
  X(CUSTOMREQUEST, STRINGPOINT, 36, 1)                                         \
  X(STDERR, OBJECTPOINT, 37, 1)                                                \
  X(POSTQUOTE, SLISTPOINT, 39, 0)                                              \
  X(VERBOSE, LONG, 41, 1)                                                      \
  X(HEADER, LONG, 42, 1)                                                       \
  X(NOPROGRESS, LONG, 43, 1)                                                   \
  X(NOBODY, LONG, 44, 1)                                                       \
  X(FAILONERROR, LONG, 45, 1)                                                  \
  X(UPLOAD, LONG, 46, 1)                                                       \
  X(POST, LONG, 47, 1)                                                         \
  X(DIRLISTONLY, LONG, 48, 0)                                                  \
  X(APPEND, LONG, 50, 0)                                                       \
  X(NETRC, VALUES, 51, 1)                                                      \
  X(FOLLOWLOCATION, LONG, 52, 1)                                               \
  X(TRANSFERTEXT, LONG, 53, 0)                                                 \
  X(PUT, LONG, 54, 1)                                                          \
  X(PROGRESSFUNCTION, FUNCTIONPOINT, 56, 1)                                    \
  X(XFERINFODATA, CBPOINT, 57, 1)                                              \
  X(AUTOREFERER, LONG, 58, 1)                                                  \
  X(PROXYPORT, LONG, 59, 1)                                                    \
  X(POSTFIELDSIZE, LONG, 60, 1)                                                \
  X(HTTPPROXYTUNNEL, LONG, 61, 1)                                              \
  X(INTERFACE, STRINGPOINT, 62, 1)                                             \
  X(KRBLEVEL, STRINGPOINT, 63, 0)                                              \
  X(SSL_VERIFYPEER, LONG, 64, 1)                                               \
  X(CAINFO, STRINGPOINT, 65, 1)                                                \
  X(MAXREDIRS, LONG, 68, 1)                                                    \
  X(FILETIME, LONG, 69, 0)                                                     \
  X(TELNETOPTIONS, SLISTPOINT, 70, 0)                                          \
  X(MAXCONNECTS, LONG, 71, 1)                                                  \
  X(FRESH_CONNECT, LONG, 74, 1)                                                \
  X(FORBID_REUSE, LONG, 75, 1)                                                 \
  X(RANDOM_FILE, STRINGPOINT, 76, 0)                                           \
  X(EGDSOCKET, STRINGPOINT, 77, 0)                                             \
  X(CONNECTTIMEOUT, LONG, 78, 1)                                               \
  X(HEADERFUNCTION, FUNCTIONPOINT, 79, 1)                                      \
  X(HTTPGET, LONG, 80, 1)                                                      \
  X(SSL_VERIFYHOST, LONG, 81, 1)                                               \
  X(COOKIEJAR, STRINGPOINT, 82, 1)                                             \
  X(SSL_CIPHER_LIST, STRINGPOINT, 83, 1)                                       \
  X(HTTP_VERSION, VALUES, 84, 1)                                               \
  X(FTP_USE_EPSV, LONG, 85, 0)                                                 \
  X(SSLCERTTYPE, STRINGPOINT, 86, 1)                                           \
  X(SSLKEY, STRINGPOINT, 87, 1)                                                \
  X(SSLKEYTYPE, STRINGPOINT, 88, 1)                                            \
  X(SSLENGINE, STRINGPOINT, 89, 0)                                             \
  X(SSLENGINE_DEFAULT, LONG, 90, 0)                                            \
  X(DNS_USE_GLOBAL_CACHE, LONG, 91, 0)                                         \
  X(DNS_CACHE_TIMEOUT, LONG, 92, 1)                                            \
  X(PREQUOTE, SLISTPOINT, 93, 0)                                               \
  X(DEBUGFUNCTION, FUNCTIONPOINT, 94, 1)                                       \
  X(DEBUGDATA, CBPOINT, 95, 1)                                                 \
  X(COOKIESESSION, LONG, 96, 1)                                                \
  X(CAPATH, STRINGPOINT, 97, 1)                                                \
  X(BUFFERSIZE, LONG, 98, 1)                                                   \
  X(NOSIGNAL, LONG, 99, 1)                                                     \
  X(SHARE, OBJECTPOINT, 100, 1)                                                \
  X(PROXYTYPE, VALUES, 101, 0)                                                 \
  X(ACCEPT_ENCODING, STRINGPOINT, 102, 1)                                      \
  X(PRIVATE, OBJECTPOINT, 103, 1)                                              \
  X(HTTP200ALIASES, SLISTPOINT, 104, 0)                                        \
  X(UNRESTRICTED_AUTH, LONG, 105, 1)                                           \
  X(FTP_USE_EPRT, LONG, 106, 0)                                                \
  X(HTTPAUTH, VALUES, 107, 1)                                                  \
  X(SSL_CTX_FUNCTION, FUNCTIONPOINT, 108, 0)                                   \
  X(SSL_CTX_DATA, CBPOINT, 109, 0)                                             \
  X(FTP_CREATE_MISSING_DIRS, LONG, 110, 0)                                     \
  X(PROXYAUTH, VALUES, 111, 0)                                                 \
  X(SERVER_RESPONSE_TIMEOUT, LONG, 112, 1)                                     \
  X(IPRESOLVE, VALUES, 113, 1)                                                 \
  X(MAXFILESIZE, LONG, 114, 1)                                                 \
  X(INFILESIZE_LARGE, OFF_T, 115, 1)                                           \
  X(RESUME_FROM_LARGE, OFF_T, 116, 1)                                          \
  X(MAXFILESIZE_LARGE, OFF_T, 117, 1)                                          \
  X(NETRC_FILE, STRINGPOINT, 118, 1)                                           \
  X(USE_SSL, VALUES, 119, 0)                                                   \
  X(POSTFIELDSIZE_LARGE, OFF_T, 120, 1)                                        \
  X(TCP_NODELAY, LONG, 121, 1)                                                 \
  X(FTPSSLAUTH, VALUES, 129, 0)                                                \
  X(IOCTLFUNCTION, FUNCTIONPOINT, 130, 0)                                      \
  X(IOCTLDATA, CBPOINT, 131, 0)                                                \
  X(FTP_ACCOUNT, STRINGPOINT, 134, 0)                                          \
  X(COOKIELIST, STRINGPOINT, 135, 1)                                           \
  X(IGNORE_CONTENT_LENGTH, LONG, 136, 0)                                       \
  X(FTP_SKIP_PASV_IP, LONG, 137, 0)                                            \
  X(FTP_FILEMETHOD, VALUES, 138, 0)                                            \
  X(LOCALPORT, LONG, 139, 1)                                                   \
  X(LOCALPORTRANGE, LONG, 140, 1)                                              \
  X(CONNECT_ONLY, LONG, 141, 1)                                                \
  X(CONV_FROM_NETWORK_FUNCTION, FUNCTIONPOINT, 142, 0)                         \
  X(CONV_TO_NETWORK_FUNCTION, FUNCTIONPOINT, 143, 0)                           \
  X(CONV_FROM_UTF8_FUNCTION, FUNCTIONPOINT, 144, 0)                            \
  X(MAX_SEND_SPEED_LARGE, OFF_T, 145, 1)                                       \
  X(MAX_RECV_SPEED_LARGE, OFF_T, 146, 1)                                       \
  X(FTP_ALTERNATIVE_TO_USER, STRINGPOINT, 147, 0)                              \
  X(SOCKOPTFUNCTION, FUNCTIONPOINT, 148, 1)                                    \
  X(SOCKOPTDATA, CBPOINT, 149, 1)                                              \
  X(SSL_SESSIONID_CACHE, LONG, 150, 1)                                         \
  X(SSH_AUTH_TYPES, VALUES, 151, 0)                                            \
  X(SSH_PUBLIC_KEYFILE, STRINGPOINT, 152, 0)                                   \
  X(SSH_PRIVATE_KEYFILE, STRINGPOINT, 153, 0)                                  \
  X(FTP_SSL_CCC, LONG, 154, 0)                                                 \
  X(TIMEOUT_MS, LONG, 155, 1)                                                  \
  X(CONNECTTIMEOUT_MS, LONG, 156, 1)                                           \
  X(HTTP_TRANSFER_DECODING, LONG, 157, 0)                                      \
  X(HTTP_CONTENT_DECODING, LONG, 158, 1)                                       \
  X(NEW_FILE_PERMS, LONG, 159, 0)                                              \
  X(NEW_DIRECTORY_PERMS, LONG, 160, 0)                                         \
  X(POSTREDIR, VALUES, 161, 1)                                                 \
  X(SSH_HOST_PUBLIC_KEY_MD5, STRINGPOINT, 162, 0)                              \
  X(OPENSOCKETFUNCTION, FUNCTIONPOINT, 163, 1)                                 \
  X(OPENSOCKETDATA, CBPOINT, 164, 1)                                           \
  X(COPYPOSTFIELDS, OBJECTPOINT, 165, 1)                                       \
  X(PROXY_TRANSFER_MODE, LONG, 166, 0)                                         \
  X(SEEKFUNCTION, FUNCTIONPOINT, 167, 1)                                       \
  X(SEEKDATA, CBPOINT, 168, 1)                                                 \
  X(CRLFILE, STRINGPOINT, 169, 0)                                              \
  X(ISSUERCERT, STRINGPOINT, 170, 0)                                           \
  X(ADDRESS_SCOPE, LONG, 171, 1)                                               \
  X(CERTINFO, LONG, 172, 1)                                                    \
  X(USERNAME, STRINGPOINT, 173, 1)                                             \
  X(PASSWORD, STRINGPOINT, 174, 1)                                             \
  X(PROXYUSERNAME, STRINGPOINT, 175, 0)                                        \
  X(PROXYPASSWORD, STRINGPOINT, 176, 0)                                        \
  X(NOPROXY, STRINGPOINT, 177, 1)                                              \
  X(TFTP_BLKSIZE, LONG, 178, 0)                                                \
  X(SOCKS5_GSSAPI_SERVICE, STRINGPOINT, 179, 0)                                \
  X(SOCKS5_GSSAPI_NEC, LONG, 180, 0)                                           \
  X(PROTOCOLS, LONG, 181, 0)                                                   \
  X(REDIR_PROTOCOLS, LONG, 182, 0)                                             \
  X(SSH_KNOWNHOSTS, STRINGPOINT, 183, 0)                                       \
  X(SSH_KEYFUNCTION, FUNCTIONPOINT, 184, 0)                                    \
  X(SSH_KEYDATA, CBPOINT, 185, 0)                                              \
  X(MAIL_FROM, STRINGPOINT, 186, 0)                                            \
  X(MAIL_RCPT, SLISTPOINT, 187, 0)                                             \
  X(FTP_USE_PRET, LONG, 188, 0)                                                \
  X(RTSP_REQUEST, VALUES, 189, 0)                                              \
  X(RTSP_SESSION_ID, STRINGPOINT, 190, 0)                                      \
  X(RTSP_STREAM_URI, STRINGPOINT, 191, 0)                                      \
  X(RTSP_TRANSPORT, STRINGPOINT, 192, 0)                                       \
  X(RTSP_CLIENT_CSEQ, LONG, 193, 0)                                            \
  X(RTSP_SERVER_CSEQ, LONG, 194, 0)                                            \
  X(INTERLEAVEDATA, CBPOINT, 195, 0)                                           \
  X(INTERLEAVEFUNCTION, FUNCTIONPOINT, 196, 0)                                 \
  X(WILDCARDMATCH, LONG, 197, 0)                                               \
  X(CHUNK_BGN_FUNCTION, FUNCTIONPOINT, 198, 0)                                 \
  X(CHUNK_END_FUNCTION, FUNCTIONPOINT, 199, 0)                                 \
  X(FNMATCH_FUNCTION, FUNCTIONPOINT, 200, 0)                                   \
  X(CHUNK_DATA, CBPOINT, 201, 0)                                               \
  X(FNMATCH_DATA, CBPOINT, 202, 0)                                             \
  X(RESOLVE, SLISTPOINT, 203, 1)                                               \
  X(TLSAUTH_USERNAME, STRINGPOINT, 204, 0)                                     \
  X(TLSAUTH_PASSWORD, STRINGPOINT, 205, 0)                                     \
  X(TLSAUTH_TYPE, STRINGPOINT, 206, 0)                                         \
  X(TRANSFER_ENCODING, LONG, 207, 0)                                           \
  X(CLOSESOCKETFUNCTION, FUNCTIONPOINT, 208, 1)                                \
  X(CLOSESOCKETDATA, CBPOINT, 209, 1)                                          \
  X(GSSAPI_DELEGATION, VALUES, 210, 0)                                         \
  X(DNS_SERVERS, STRINGPOINT, 211, 0)                                          \
  X(ACCEPTTIMEOUT_MS, LONG, 212, 0)                                            \
  X(TCP_KEEPALIVE, LONG, 213, 1)                                               \
  X(TCP_KEEPIDLE, LONG, 214, 1)                                                \
  X(TCP_KEEPINTVL, LONG, 215, 1)                                               \
  X(SSL_OPTIONS, VALUES, 216, 0)                                               \
  X(MAIL_AUTH, STRINGPOINT, 217, 0)                                            \
  X(SASL_IR, LONG, 218, 0)                                                     \
  X(XFERINFOFUNCTION, FUNCTIONPOINT, 219, 1)                                   \
  X(XOAUTH2_BEARER, STRINGPOINT, 220, 1)                                       \
  X(DNS_INTERFACE, STRINGPOINT, 221, 0)                                        \
  X(DNS_LOCAL_IP4, STRINGPOINT, 222, 0)                                        \
  X(DNS_LOCAL_IP6, STRINGPOINT, 223, 0)                                        \
  X(LOGIN_OPTIONS, STRINGPOINT, 224, 0)                                        \
  X(SSL_ENABLE_NPN, LONG, 225, 0)                                              \
  X(SSL_ENABLE_ALPN, LONG, 226, 0)                                             \
  X(EXPECT_100_TIMEOUT_MS, LONG, 227, 1)                                       \
  X(PROXYHEADER, SLISTPOINT, 228, 1)                                           \
  X(HEADEROPT, VALUES, 229, 1)                                                 \
  X(PINNEDPUBLICKEY, STRINGPOINT, 230, 1)                                      \
  X(UNIX_SOCKET_PATH, STRINGPOINT, 231, 1)                                     \
  X(SSL_VERIFYSTATUS, LONG, 232, 0)                                            \
  X(SSL_FALSESTART, LONG, 233, 0)                                              \
  X(PATH_AS_IS, LONG, 234, 1)                                                  \
  X(PROXY_SERVICE_NAME, STRINGPOINT, 235, 0)                                   \
  X(SERVICE_NAME, STRINGPOINT, 236, 0)                                         \
  X(PIPEWAIT, LONG, 237, 1)                                                    \
  X(DEFAULT_PROTOCOL, STRINGPOINT, 238, 1)                                     \
  X(STREAM_WEIGHT, LONG, 239, 1)                                               \
  X(STREAM_DEPENDS, OBJECTPOINT, 240, 1)                                       \
  X(STREAM_DEPENDS_E, OBJECTPOINT, 241, 1)                                     \
  X(TFTP_NO_OPTIONS, LONG, 242, 0)                                             \
  X(CONNECT_TO, SLISTPOINT, 243, 1)                                            \
  X(TCP_FASTOPEN, LONG, 244, 0)                                                \
  X(KEEP_SENDING_ON_ERROR, LONG, 245, 0)                                       \
  X(PROXY_CAINFO, STRINGPOINT, 246, 0)                                         \
  X(PROXY_CAPATH, STRINGPOINT, 247, 0)                                         \
  X(PROXY_SSL_VERIFYPEER, LONG, 248, 0)                                        \
  X(PROXY_SSL_VERIFYHOST, LONG, 249, 0)                                        \
  X(PROXY_SSLVERSION, VALUES, 250, 0)                                          \
  X(PROXY_TLSAUTH_USERNAME, STRINGPOINT, 251, 0)                               \
  X(PROXY_TLSAUTH_PASSWORD, STRINGPOINT, 252, 0)                               \
  X(PROXY_TLSAUTH_TYPE, STRINGPOINT, 253, 0)                                   \
  X(PROXY_SSLCERT, STRINGPOINT, 254, 0)                                        \
  X(PROXY_SSLCERTTYPE, STRINGPOINT, 255, 0)                                    \
  X(PROXY_SSLKEY, STRINGPOINT, 256, 0)                                         \
  X(PROXY_SSLKEYTYPE, STRINGPOINT, 257, 0)                                     \
  X(PROXY_KEYPASSWD, STRINGPOINT, 258, 0)                                      \
  X(PROXY_SSL_CIPHER_LIST, STRINGPOINT, 259, 0)                                \
  X(PROXY_CRLFILE, STRINGPOINT, 260, 0)                                        \
  X(PROXY_SSL_OPTIONS, LONG, 261, 0)                                           \
  X(PRE_PROXY, STRINGPOINT, 262, 0)                                            \
  X(PROXY_PINNEDPUBLICKEY, STRINGPOINT, 263, 0)                                \
  X(ABSTRACT_UNIX_SOCKET, STRINGPOINT, 264, 0)                                 \
  X(SUPPRESS_CONNECT_HEADERS, LONG, 265, 0)                                    \
  X(REQUEST_TARGET, STRINGPOINT, 266, 1)                                       \
  X(SOCKS5_AUTH, LONG, 267, 0)                                                 \
  X(SSH_COMPRESSION, LONG, 268, 0)                                             \
  X(MIMEPOST, OBJECTPOINT, 269, 1)                                             \
  X(TIMEVALUE_LARGE, OFF_T, 270, 1)                                            \
  X(HAPPY_EYEBALLS_TIMEOUT_MS, LONG, 271, 1)                                   \
  X(RESOLVER_START_FUNCTION, FUNCTIONPOINT, 272, 0)                            \
  X(RESOLVER_START_DATA, CBPOINT, 273, 0)                                      \
  X(HAPROXYPROTOCOL, LONG, 274, 0)                                             \
  X(DNS_SHUFFLE_ADDRESSES, LONG, 275, 0)                                       \
  X(TLS13_CIPHERS, STRINGPOINT, 276, 0)                                        \
  X(PROXY_TLS13_CIPHERS, STRINGPOINT, 277, 0)                                  \
  X(DISALLOW_USERNAME_IN_URL, LONG, 278, 0)                                    \
  X(DOH_URL, STRINGPOINT, 279, 0)                                              \
  X(UPLOAD_BUFFERSIZE, LONG, 280, 0)                                           \
  X(UPKEEP_INTERVAL_MS, LONG, 281, 1)                                          \
  X(CURLU, OBJECTPOINT, 282, 0)                                                \
  X(TRAILERFUNCTION, FUNCTIONPOINT, 283, 1)                                    \
  X(TRAILERDATA, CBPOINT, 284, 1)                                              \
  X(HTTP09_ALLOWED, LONG, 285, 0)                                              \
  X(ALTSVC_CTRL, LONG, 286, 0)                                                 \
  X(ALTSVC, STRINGPOINT, 287, 0)                                               \
  X(MAXAGE_CONN, LONG, 288, 1)                                                 \
  X(SASL_AUTHZID, STRINGPOINT, 289, 0)                                         \
  X(MAIL_RCPT_ALLOWFAILS, LONG, 290, 0)                                        \
  X(SSLCERT_BLOB, BLOB, 291, 1)                                                \
  X(SSLKEY_BLOB, BLOB, 292, 1)                                                 \
  X(PROXY_SSLCERT_BLOB, BLOB, 293, 0)                                          \
  X(PROXY_SSLKEY_BLOB, BLOB, 294, 0)                                           \
  X(ISSUERCERT_BLOB, BLOB, 295, 0)                                             \
  X(PROXY_ISSUERCERT, STRINGPOINT, 296, 0)                                     \
  X(PROXY_ISSUERCERT_BLOB, BLOB, 297, 0)                                       \
  X(SSL_EC_CURVES, STRINGPOINT, 298, 1)                                        \
  X(HSTS_CTRL, LONG, 299, 1)                                                   \
  X(HSTS, STRINGPOINT, 300, 1)                                                 \
  X(HSTSREADFUNCTION, FUNCTIONPOINT, 301, 1)                                   \
  X(HSTSREADDATA, CBPOINT, 302, 1)                                             \
  X(HSTSWRITEFUNCTION, FUNCTIONPOINT, 303, 1)                                  \
  X(HSTSWRITEDATA, CBPOINT, 304, 1)                                            \
  X(AWS_SIGV4, STRINGPOINT, 305, 0)                                            \
  X(DOH_SSL_VERIFYPEER, LONG, 306, 0)                                          \
  X(DOH_SSL_VERIFYHOST, LONG, 307, 0)                                          \
  X(DOH_SSL_VERIFYSTATUS, LONG, 308, 0)                                        \
  X(CAINFO_BLOB, BLOB, 309, 1)                                                 \
  X(PROXY_CAINFO_BLOB, BLOB, 310, 0)                                           \
  X(SSH_HOST_PUBLIC_KEY_SHA256, STRINGPOINT, 311, 0)                           \
  X(PREREQFUNCTION, FUNCTIONPOINT, 312, 1)                                     \
  X(PREREQDATA, CBPOINT, 313, 1)                                               \
  X(MAXLIFETIME_CONN, LONG, 314, 1)                                            \
  X(MIME_OPTIONS, LONG, 315, 1)                                                \
  X(SSH_HOSTKEYFUNCTION, FUNCTIONPOINT, 316, 0)                                \
  X(SSH_HOSTKEYDATA, CBPOINT, 317, 0)                                          \
  X(PROTOCOLS_STR, STRINGPOINT, 318, 1)                                        \
  X(REDIR_PROTOCOLS_STR, STRINGPOINT, 319, 1)                                  \
  X(WS_OPTIONS, LONG, 320, 1)                                                  \
  X(CA_CACHE_TIMEOUT, LONG, 321, 1)                                            \
  X(QUICK_EXIT, LONG, 322, 1)                                                  \
  X(HAPROXY_CLIENT_IP, STRINGPOINT, 323, 0)                                    \
  X(SERVER_RESPONSE_TIMEOUT_MS, LONG, 324, 1)                                  \
  X(ECH, STRINGPOINT, 325, 0)                                                  \
  X(TCP_KEEPCNT, LONG, 326, 1)                                                 \
  X(UPLOAD_FLAGS, LONG, 327, 0)                                                \
  X(SSL_SIGNATURE_ALGORITHMS, STRINGPOINT, 328, 0)

/* Where a supported option behaves differently from libcurl:
 * X(NAME, "how"). README's coverage table is generated from these lists. */
#define FERRY_OPTION_NOTES(X)                                                  \
  X(BUFFERSIZE, "checked, then unused: ferry reads through one 256 KiB buffer per multi") \
  X(NOSIGNAL, "accepted: ferry never uses signals")                           \
  X(HTTPAUTH, "Basic, Digest (MD5, SHA-256, -sess; qop auth, auth-int) and Bearer") \
  X(SSLVERSION, "TLS 1.2 at most (Debian's mbedTLS 2.28)")                     \
  X(SSL_EC_CURVES, "OpenSSL or mbedTLS names; default X25519:P-256:P-384:P-521:X448, brainpool, secp256k1") \
  X(PROXY, "http:// proxies only (no SOCKS, no https:// proxy)")              \
  X(MAXREDIRS, "default 30, as libcurl 8")                                     \
  X(PUT, "the same as UPLOAD")                                                \
  X(CONNECT_ONLY, "over TLS, ALPN offers only http/1.1 (the bytes are the application's); 2 on a ws:// or wss:// URL upgrades first, for ferry_ws_send/recv") \
  X(WS_OPTIONS, "RAW_MODE and NOAUTOPONG; ferry answers the server's close frame and checks text as UTF-8 (RFC 6455), where libcurl does neither") \
  X(HSTS, "the header is taken only over HTTPS with a verified certificate, and never noted or applied for an IP address; at most 1000 hosts") \
  X(HSTS_CTRL, "READONLYFILE keeps the file unwritten, as documented (libcurl 7.88 writes it anyway)") \
  X(HSTSREADFUNCTION, "an entry for a host already known raises its expiry (libcurl adds a second one); an expired or undated one is not taken") \
  X(SHARE, "cookies and HSTS may be shared by concurrent threads; a name lookup in flight in another multi is not waited for; CONNECT shares HTTP/1.1 connections; a pointer that is not a share is refused") \
  X(PROGRESSFUNCTION, "CURL_PROGRESSFUNC_CONTINUE goes on as 0: ferry has no built-in meter") \
  X(NETRC, "a login asked for gets only its own entry's password") \
  X(REQUEST_TARGET, "refused with blanks or control characters (libcurl sends them as given)") \
  X(SSLCERTTYPE, "PEM and DER; P12, ENG and PROV fail with SSL_CERTPROBLEM (mbedTLS 2.28)") \
  X(SSLKEYTYPE, "PEM and DER; ENG and PROV fail with SSL_CERTPROBLEM") \
  X(CA_CACHE_TIMEOUT, "the whole TLS configuration is made again (libcurl on mbedTLS refuses the option)") \
  X(QUICK_EXIT, "cleanup leaves a hung lookup behind; exit() still waits for libuv's thread pool, quick_exit() does not") \
  X(SERVER_RESPONSE_TIMEOUT, "kept, no effect on HTTP (libcurl's is for FTP, IMAP, POP3, SMTP, SFTP, SCP)") \
  X(SERVER_RESPONSE_TIMEOUT_MS, "as SERVER_RESPONSE_TIMEOUT")

/* Options ferry adds: X(NAME, TYPE, NUMBER, SUPPORTED), no CURLOPT_ name. */
#define FERRY_OWN_OPTIONS(X)                                                   \
  X(DONEFUNCTION, FUNCTIONPOINT, 9001, 1)                                      \
  X(DONEDATA, CBPOINT, 9002, 1)                                                \
  X(PRIORITY, LONG, 9003, 1)

/* Multi options: X(NAME, TYPE, NUMBER, SUPPORTED) */
#define FERRY_MOPTIONS(X)                                                      \
  X(SOCKETFUNCTION, FUNCTIONPOINT, 1, 1)                                       \
  X(SOCKETDATA, OBJECTPOINT, 2, 1)                                             \
  X(PIPELINING, LONG, 3, 1)                                                    \
  X(TIMERFUNCTION, FUNCTIONPOINT, 4, 1)                                        \
  X(TIMERDATA, OBJECTPOINT, 5, 1)                                              \
  X(MAXCONNECTS, LONG, 6, 1)                                                   \
  X(MAX_HOST_CONNECTIONS, LONG, 7, 1)                                          \
  X(MAX_PIPELINE_LENGTH, LONG, 8, 0)                                           \
  X(CONTENT_LENGTH_PENALTY_SIZE, OFF_T, 9, 0)                                  \
  X(CHUNK_LENGTH_PENALTY_SIZE, OFF_T, 10, 0)                                   \
  X(PIPELINING_SITE_BL, OBJECTPOINT, 11, 0)                                    \
  X(PIPELINING_SERVER_BL, OBJECTPOINT, 12, 0)                                  \
  X(MAX_TOTAL_CONNECTIONS, LONG, 13, 1)                                        \
  X(PUSHFUNCTION, FUNCTIONPOINT, 14, 1)                                        \
  X(PUSHDATA, OBJECTPOINT, 15, 1)                                              \
  X(MAX_CONCURRENT_STREAMS, LONG, 16, 1)                                       \
  X(NETWORK_CHANGED, LONG, 17, 1)                                              \
  X(NOTIFYFUNCTION, FUNCTIONPOINT, 18, 1)                                      \
  X(NOTIFYDATA, OBJECTPOINT, 19, 1)

/* Multi options ferry adds (no CURLMOPT_ name): none now. ferry's
 * NOTIFYFUNCTION is libcurl 8.17's CURLMOPT_NOTIFYFUNCTION, with what
 * ferry's earlier one gave (calls only with ferry's stack unwound). */
#define FERRY_OWN_MOPTIONS(X)

/* Info ids: X(NAME, TYPE, NUMBER, SUPPORTED); TYPE is STRING, LONG, DOUBLE,
 * SLIST, PTR, SOCKET or OFF_T, and the id is the type's base plus NUMBER. */
#define FERRY_INFOS(X)                                                         \
  X(EFFECTIVE_URL, STRING, 1, 1)                                               \
  X(RESPONSE_CODE, LONG, 2, 1)                                                 \
  X(TOTAL_TIME, DOUBLE, 3, 1)                                                  \
  X(NAMELOOKUP_TIME, DOUBLE, 4, 1)                                             \
  X(CONNECT_TIME, DOUBLE, 5, 1)                                                \
  X(PRETRANSFER_TIME, DOUBLE, 6, 1)                                            \
  X(SIZE_UPLOAD, DOUBLE, 7, 0)                                                 \
  X(SIZE_UPLOAD_T, OFF_T, 7, 1)                                                \
  X(SIZE_DOWNLOAD, DOUBLE, 8, 0)                                               \
  X(SIZE_DOWNLOAD_T, OFF_T, 8, 1)                                              \
  X(SPEED_DOWNLOAD, DOUBLE, 9, 0)                                              \
  X(SPEED_DOWNLOAD_T, OFF_T, 9, 1)                                             \
  X(SPEED_UPLOAD, DOUBLE, 10, 0)                                               \
  X(SPEED_UPLOAD_T, OFF_T, 10, 1)                                              \
  X(HEADER_SIZE, LONG, 11, 1)                                                  \
  X(REQUEST_SIZE, LONG, 12, 1)                                                 \
  X(SSL_VERIFYRESULT, LONG, 13, 1)                                             \
  X(FILETIME, LONG, 14, 0)                                                     \
  X(FILETIME_T, OFF_T, 14, 0)                                                  \
  X(CONTENT_LENGTH_DOWNLOAD, DOUBLE, 15, 0)                                    \
  X(CONTENT_LENGTH_DOWNLOAD_T, OFF_T, 15, 1)                                   \
  X(CONTENT_LENGTH_UPLOAD, DOUBLE, 16, 0)                                      \
  X(CONTENT_LENGTH_UPLOAD_T, OFF_T, 16, 1)                                     \
  X(STARTTRANSFER_TIME, DOUBLE, 17, 1)                                         \
  X(CONTENT_TYPE, STRING, 18, 1)                                               \
  X(REDIRECT_TIME, DOUBLE, 19, 0)                                              \
  X(REDIRECT_COUNT, LONG, 20, 1)                                               \
  X(PRIVATE, STRING, 21, 1)                                                    \
  X(HTTP_CONNECTCODE, LONG, 22, 1)                                             \
  X(HTTPAUTH_AVAIL, LONG, 23, 1)                                               \
  X(PROXYAUTH_AVAIL, LONG, 24, 1)                                              \
  X(OS_ERRNO, LONG, 25, 1)                                                     \
  X(NUM_CONNECTS, LONG, 26, 1)                                                 \
  X(SSL_ENGINES, SLIST, 27, 0)                                                 \
  X(COOKIELIST, SLIST, 28, 1)                                                  \
  X(LASTSOCKET, LONG, 29, 1)                                                   \
  X(FTP_ENTRY_PATH, STRING, 30, 0)                                             \
  X(REDIRECT_URL, STRING, 31, 1)                                               \
  X(PRIMARY_IP, STRING, 32, 1)                                                 \
  X(APPCONNECT_TIME, DOUBLE, 33, 1)                                            \
  X(CERTINFO, PTR, 34, 1)                                                      \
  X(CONDITION_UNMET, LONG, 35, 1)                                              \
  X(RTSP_SESSION_ID, STRING, 36, 0)                                            \
  X(RTSP_CLIENT_CSEQ, LONG, 37, 0)                                             \
  X(RTSP_SERVER_CSEQ, LONG, 38, 0)                                             \
  X(RTSP_CSEQ_RECV, LONG, 39, 0)                                               \
  X(PRIMARY_PORT, LONG, 40, 1)                                                 \
  X(LOCAL_IP, STRING, 41, 1)                                                   \
  X(LOCAL_PORT, LONG, 42, 1)                                                   \
  X(TLS_SESSION, PTR, 43, 0)                                                   \
  X(ACTIVESOCKET, SOCKET, 44, 1)                                               \
  X(TLS_SSL_PTR, PTR, 45, 0)                                                   \
  X(HTTP_VERSION, LONG, 46, 1)                                                 \
  X(PROXY_SSL_VERIFYRESULT, LONG, 47, 0)                                       \
  X(PROTOCOL, LONG, 48, 0)                                                     \
  X(SCHEME, STRING, 49, 1)                                                     \
  X(TOTAL_TIME_T, OFF_T, 50, 1)                                                \
  X(NAMELOOKUP_TIME_T, OFF_T, 51, 1)                                           \
  X(CONNECT_TIME_T, OFF_T, 52, 1)                                              \
  X(PRETRANSFER_TIME_T, OFF_T, 53, 1)                                          \
  X(STARTTRANSFER_TIME_T, OFF_T, 54, 1)                                        \
  X(REDIRECT_TIME_T, OFF_T, 55, 0)                                             \
  X(APPCONNECT_TIME_T, OFF_T, 56, 1)                                           \
  X(RETRY_AFTER, OFF_T, 57, 0)                                                 \
  X(EFFECTIVE_METHOD, STRING, 58, 1)                                           \
  X(PROXY_ERROR, LONG, 59, 0)                                                  \
  X(REFERER, STRING, 60, 1)                                                    \
  X(CAINFO, STRING, 61, 0)                                                     \
  X(CAPATH, STRING, 62, 0)                                                     \
  X(XFER_ID, OFF_T, 63, 1)                                                     \
  X(CONN_ID, OFF_T, 64, 1)                                                     \
  X(QUEUE_TIME_T, OFF_T, 65, 1)                                                \
  X(USED_PROXY, LONG, 66, 1)                                                   \
  X(POSTTRANSFER_TIME_T, OFF_T, 67, 1)                                         \
  X(EARLYDATA_SENT_T, OFF_T, 68, 0)                                            \
  X(HTTPAUTH_USED, LONG, 69, 1)                                                \
  X(PROXYAUTH_USED, LONG, 70, 1)                                               \
  X(SIZE_DELIVERED, OFF_T, 71, 1)

/* Constants: X(FERRY_NAME, CURL_NAME). Values are defined once, in ferry.h;
 * this list only pairs each with its libcurl spelling. */
#define FERRY_CONSTANTS(X)                                                     \
  X(FERRY_BLOB_COPY, CURL_BLOB_COPY)                                           \
  X(FERRY_BLOB_NOCOPY, CURL_BLOB_NOCOPY)                                       \
  X(FERRY_POLL_NONE, CURL_POLL_NONE)                                           \
  X(FERRY_POLL_IN, CURL_POLL_IN)                                               \
  X(FERRY_POLL_OUT, CURL_POLL_OUT)                                             \
  X(FERRY_POLL_INOUT, CURL_POLL_INOUT)                                         \
  X(FERRY_POLL_REMOVE, CURL_POLL_REMOVE)                                       \
  X(FERRY_CSELECT_IN, CURL_CSELECT_IN)                                         \
  X(FERRY_CSELECT_OUT, CURL_CSELECT_OUT)                                       \
  X(FERRY_CSELECT_ERR, CURL_CSELECT_ERR)                                       \
  X(FERRY_SOCKET_BAD, CURL_SOCKET_BAD)                                         \
  X(FERRY_SOCKET_TIMEOUT, CURL_SOCKET_TIMEOUT)                                 \
  X(FERRY_WAIT_POLLIN, CURL_WAIT_POLLIN)                                       \
  X(FERRY_WAIT_POLLPRI, CURL_WAIT_POLLPRI)                                     \
  X(FERRY_WAIT_POLLOUT, CURL_WAIT_POLLOUT)                                     \
  X(FERRY_PAUSE_RECV, CURLPAUSE_RECV)                                          \
  X(FERRY_PAUSE_RECV_CONT, CURLPAUSE_RECV_CONT)                                \
  X(FERRY_PAUSE_SEND, CURLPAUSE_SEND)                                          \
  X(FERRY_PAUSE_SEND_CONT, CURLPAUSE_SEND_CONT)                                \
  X(FERRY_PAUSE_ALL, CURLPAUSE_ALL)                                            \
  X(FERRY_PAUSE_CONT, CURLPAUSE_CONT)                                          \
  X(FERRY_WRITEFUNC_PAUSE, CURL_WRITEFUNC_PAUSE)                               \
  X(FERRY_WRITEFUNC_ERROR, CURL_WRITEFUNC_ERROR)                               \
  X(FERRY_READFUNC_ABORT, CURL_READFUNC_ABORT)                                 \
  X(FERRY_READFUNC_PAUSE, CURL_READFUNC_PAUSE)                                 \
  X(FERRY_SEEKFUNC_OK, CURL_SEEKFUNC_OK)                                       \
  X(FERRY_SEEKFUNC_FAIL, CURL_SEEKFUNC_FAIL)                                   \
  X(FERRY_SEEKFUNC_CANTSEEK, CURL_SEEKFUNC_CANTSEEK)                           \
  X(FERRY_TRAILERFUNC_OK, CURL_TRAILERFUNC_OK)                                 \
  X(FERRY_TRAILERFUNC_ABORT, CURL_TRAILERFUNC_ABORT)                           \
  X(FERRYSOCKTYPE_IPCXN, CURLSOCKTYPE_IPCXN)                                   \
  X(FERRYSOCKTYPE_ACCEPT, CURLSOCKTYPE_ACCEPT)                                 \
  X(FERRYSOCKTYPE_LAST, CURLSOCKTYPE_LAST)                                     \
  X(FERRY_SOCKOPT_OK, CURL_SOCKOPT_OK)                                         \
  X(FERRY_SOCKOPT_ERROR, CURL_SOCKOPT_ERROR)                                   \
  X(FERRY_SOCKOPT_ALREADY_CONNECTED, CURL_SOCKOPT_ALREADY_CONNECTED)           \
  X(FERRY_PREREQFUNC_OK, CURL_PREREQFUNC_OK)                                   \
  X(FERRY_PREREQFUNC_ABORT, CURL_PREREQFUNC_ABORT)                             \
  X(FERRY_PUSH_OK, CURL_PUSH_OK)                                               \
  X(FERRY_PUSH_DENY, CURL_PUSH_DENY)                                           \
  X(FERRY_PUSH_ERROROUT, CURL_PUSH_ERROROUT)                                   \
  X(FERRY_ZERO_TERMINATED, CURL_ZERO_TERMINATED)                               \
  X(FERRYMIMEOPT_FORMESCAPE, CURLMIMEOPT_FORMESCAPE)                           \
  X(FERRYFORM_NOTHING, CURLFORM_NOTHING)                                       \
  X(FERRYFORM_COPYNAME, CURLFORM_COPYNAME)                                     \
  X(FERRYFORM_PTRNAME, CURLFORM_PTRNAME)                                       \
  X(FERRYFORM_NAMELENGTH, CURLFORM_NAMELENGTH)                                 \
  X(FERRYFORM_COPYCONTENTS, CURLFORM_COPYCONTENTS)                             \
  X(FERRYFORM_PTRCONTENTS, CURLFORM_PTRCONTENTS)                               \
  X(FERRYFORM_CONTENTSLENGTH, CURLFORM_CONTENTSLENGTH)                         \
  X(FERRYFORM_FILECONTENT, CURLFORM_FILECONTENT)                               \
  X(FERRYFORM_ARRAY, CURLFORM_ARRAY)                                           \
  X(FERRYFORM_OBSOLETE, CURLFORM_OBSOLETE)                                     \
  X(FERRYFORM_FILE, CURLFORM_FILE)                                             \
  X(FERRYFORM_BUFFER, CURLFORM_BUFFER)                                         \
  X(FERRYFORM_BUFFERPTR, CURLFORM_BUFFERPTR)                                   \
  X(FERRYFORM_BUFFERLENGTH, CURLFORM_BUFFERLENGTH)                             \
  X(FERRYFORM_CONTENTTYPE, CURLFORM_CONTENTTYPE)                               \
  X(FERRYFORM_CONTENTHEADER, CURLFORM_CONTENTHEADER)                           \
  X(FERRYFORM_FILENAME, CURLFORM_FILENAME)                                     \
  X(FERRYFORM_END, CURLFORM_END)                                               \
  X(FERRYFORM_OBSOLETE2, CURLFORM_OBSOLETE2)                                   \
  X(FERRYFORM_STREAM, CURLFORM_STREAM)                                         \
  X(FERRYFORM_CONTENTLEN, CURLFORM_CONTENTLEN)                                 \
  X(FERRYFORM_LASTENTRY, CURLFORM_LASTENTRY)                                   \
  X(FERRY_FORMADD_OK, CURL_FORMADD_OK)                                         \
  X(FERRY_FORMADD_MEMORY, CURL_FORMADD_MEMORY)                                 \
  X(FERRY_FORMADD_OPTION_TWICE, CURL_FORMADD_OPTION_TWICE)                     \
  X(FERRY_FORMADD_NULL, CURL_FORMADD_NULL)                                     \
  X(FERRY_FORMADD_UNKNOWN_OPTION, CURL_FORMADD_UNKNOWN_OPTION)                 \
  X(FERRY_FORMADD_INCOMPLETE, CURL_FORMADD_INCOMPLETE)                         \
  X(FERRY_FORMADD_ILLEGAL_ARRAY, CURL_FORMADD_ILLEGAL_ARRAY)                   \
  X(FERRY_FORMADD_DISABLED, CURL_FORMADD_DISABLED)                             \
  X(FERRY_FORMADD_LAST, CURL_FORMADD_LAST)                                     \
  X(FERRY_HTTPPOST_FILENAME, CURL_HTTPPOST_FILENAME)                           \
  X(FERRY_HTTPPOST_READFILE, CURL_HTTPPOST_READFILE)                           \
  X(FERRY_HTTPPOST_PTRNAME, CURL_HTTPPOST_PTRNAME)                             \
  X(FERRY_HTTPPOST_PTRCONTENTS, CURL_HTTPPOST_PTRCONTENTS)                     \
  X(FERRY_HTTPPOST_BUFFER, CURL_HTTPPOST_BUFFER)                               \
  X(FERRY_HTTPPOST_PTRBUFFER, CURL_HTTPPOST_PTRBUFFER)                         \
  X(FERRY_HTTPPOST_CALLBACK, CURL_HTTPPOST_CALLBACK)                           \
  X(FERRY_HTTPPOST_LARGE, CURL_HTTPPOST_LARGE)                                 \
  X(FERRY_MAX_WRITE_SIZE, CURL_MAX_WRITE_SIZE)                                 \
  X(FERRY_MAX_READ_SIZE, CURL_MAX_READ_SIZE)                                   \
  X(FERRY_MAX_HTTP_HEADER, CURL_MAX_HTTP_HEADER)                               \
  X(FERRY_ERROR_SIZE, CURL_ERROR_SIZE)                                         \
  X(FERRY_GLOBAL_SSL, CURL_GLOBAL_SSL)                                         \
  X(FERRY_GLOBAL_WIN32, CURL_GLOBAL_WIN32)                                     \
  X(FERRY_GLOBAL_ALL, CURL_GLOBAL_ALL)                                         \
  X(FERRY_GLOBAL_NOTHING, CURL_GLOBAL_NOTHING)                                 \
  X(FERRY_GLOBAL_DEFAULT, CURL_GLOBAL_DEFAULT)                                 \
  X(FERRY_GLOBAL_ACK_EINTR, CURL_GLOBAL_ACK_EINTR)                             \
  X(FERRYMSG_NONE, CURLMSG_NONE)                                               \
  X(FERRYMSG_DONE, CURLMSG_DONE)                                               \
  X(FERRYMSG_LAST, CURLMSG_LAST)                                               \
  X(FERRYINFO_TEXT, CURLINFO_TEXT)                                             \
  X(FERRYINFO_HEADER_IN, CURLINFO_HEADER_IN)                                   \
  X(FERRYINFO_HEADER_OUT, CURLINFO_HEADER_OUT)                                 \
  X(FERRYINFO_DATA_IN, CURLINFO_DATA_IN)                                       \
  X(FERRYINFO_DATA_OUT, CURLINFO_DATA_OUT)                                     \
  X(FERRYINFO_SSL_DATA_IN, CURLINFO_SSL_DATA_IN)                               \
  X(FERRYINFO_SSL_DATA_OUT, CURLINFO_SSL_DATA_OUT)                             \
  X(FERRYINFO_END, CURLINFO_END)                                               \
  X(FERRY_HTTP_VERSION_NONE, CURL_HTTP_VERSION_NONE)                           \
  X(FERRY_HTTP_VERSION_1_0, CURL_HTTP_VERSION_1_0)                             \
  X(FERRY_HTTP_VERSION_1_1, CURL_HTTP_VERSION_1_1)                             \
  X(FERRY_HTTP_VERSION_2_0, CURL_HTTP_VERSION_2_0)                             \
  X(FERRY_HTTP_VERSION_2TLS, CURL_HTTP_VERSION_2TLS)                           \
  X(FERRY_HTTP_VERSION_2_PRIOR_KNOWLEDGE, CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE) \
  X(FERRY_HTTP_VERSION_3, CURL_HTTP_VERSION_3)                                 \
  X(FERRY_HTTP_VERSION_3ONLY, CURL_HTTP_VERSION_3ONLY)                         \
  X(FERRY_HTTP_VERSION_LAST, CURL_HTTP_VERSION_LAST)                           \
  X(FERRY_IPRESOLVE_WHATEVER, CURL_IPRESOLVE_WHATEVER)                         \
  X(FERRY_IPRESOLVE_V4, CURL_IPRESOLVE_V4)                                     \
  X(FERRY_IPRESOLVE_V6, CURL_IPRESOLVE_V6)                                     \
  X(FERRY_VERSION_FIRST, CURLVERSION_FIRST)                                    \
  X(FERRY_VERSION_SECOND, CURLVERSION_SECOND)                                  \
  X(FERRY_VERSION_THIRD, CURLVERSION_THIRD)                                    \
  X(FERRY_VERSION_FOURTH, CURLVERSION_FOURTH)                                  \
  X(FERRY_VERSION_FIFTH, CURLVERSION_FIFTH)                                    \
  X(FERRY_VERSION_SIXTH, CURLVERSION_SIXTH)                                    \
  X(FERRY_VERSION_SEVENTH, CURLVERSION_SEVENTH)                                \
  X(FERRY_VERSION_EIGHTH, CURLVERSION_EIGHTH)                                  \
  X(FERRY_VERSION_NINTH, CURLVERSION_NINTH)                                    \
  X(FERRY_VERSION_TENTH, CURLVERSION_TENTH)                                    \
  X(FERRY_VERSION_ELEVENTH, CURLVERSION_ELEVENTH)                              \
  X(FERRY_VERSION_TWELFTH, CURLVERSION_TWELFTH)                                \
  X(FERRY_VERSION_LAST, CURLVERSION_LAST)                                      \
  X(FERRY_VERSION_NOW, CURLVERSION_NOW)                                        \
  X(FERRY_VERSION_IPV6, CURL_VERSION_IPV6)                                     \
  X(FERRY_VERSION_KERBEROS4, CURL_VERSION_KERBEROS4)                           \
  X(FERRY_VERSION_SSL, CURL_VERSION_SSL)                                       \
  X(FERRY_VERSION_LIBZ, CURL_VERSION_LIBZ)                                     \
  X(FERRY_VERSION_NTLM, CURL_VERSION_NTLM)                                     \
  X(FERRY_VERSION_GSSNEGOTIATE, CURL_VERSION_GSSNEGOTIATE)                     \
  X(FERRY_VERSION_DEBUG, CURL_VERSION_DEBUG)                                   \
  X(FERRY_VERSION_ASYNCHDNS, CURL_VERSION_ASYNCHDNS)                           \
  X(FERRY_VERSION_SPNEGO, CURL_VERSION_SPNEGO)                                 \
  X(FERRY_VERSION_LARGEFILE, CURL_VERSION_LARGEFILE)                           \
  X(FERRY_VERSION_IDN, CURL_VERSION_IDN)                                       \
  X(FERRY_VERSION_SSPI, CURL_VERSION_SSPI)                                     \
  X(FERRY_VERSION_CONV, CURL_VERSION_CONV)                                     \
  X(FERRY_VERSION_CURLDEBUG, CURL_VERSION_CURLDEBUG)                           \
  X(FERRY_VERSION_TLSAUTH_SRP, CURL_VERSION_TLSAUTH_SRP)                       \
  X(FERRY_VERSION_NTLM_WB, CURL_VERSION_NTLM_WB)                               \
  X(FERRY_VERSION_HTTP2, CURL_VERSION_HTTP2)                                   \
  X(FERRY_VERSION_GSSAPI, CURL_VERSION_GSSAPI)                                 \
  X(FERRY_VERSION_KERBEROS5, CURL_VERSION_KERBEROS5)                           \
  X(FERRY_VERSION_UNIX_SOCKETS, CURL_VERSION_UNIX_SOCKETS)                     \
  X(FERRY_VERSION_PSL, CURL_VERSION_PSL)                                       \
  X(FERRY_VERSION_HTTPS_PROXY, CURL_VERSION_HTTPS_PROXY)                       \
  X(FERRY_VERSION_MULTI_SSL, CURL_VERSION_MULTI_SSL)                           \
  X(FERRY_VERSION_BROTLI, CURL_VERSION_BROTLI)                                 \
  X(FERRY_VERSION_ALTSVC, CURL_VERSION_ALTSVC)                                 \
  X(FERRY_VERSION_HTTP3, CURL_VERSION_HTTP3)                                   \
  X(FERRY_VERSION_ZSTD, CURL_VERSION_ZSTD)                                     \
  X(FERRY_VERSION_UNICODE, CURL_VERSION_UNICODE)                               \
  X(FERRY_VERSION_HSTS, CURL_VERSION_HSTS)                                     \
  X(FERRY_VERSION_GSASL, CURL_VERSION_GSASL)                                   \
  X(FERRY_VERSION_THREADSAFE, CURL_VERSION_THREADSAFE)                         \
  X(FERRYAUTH_NONE, CURLAUTH_NONE)                                             \
  X(FERRYAUTH_BASIC, CURLAUTH_BASIC)                                           \
  X(FERRYAUTH_DIGEST, CURLAUTH_DIGEST)                                         \
  X(FERRYAUTH_NEGOTIATE, CURLAUTH_NEGOTIATE)                                   \
  X(FERRYAUTH_NTLM, CURLAUTH_NTLM)                                             \
  X(FERRYAUTH_DIGEST_IE, CURLAUTH_DIGEST_IE)                                   \
  X(FERRYAUTH_NTLM_WB, CURLAUTH_NTLM_WB)                                       \
  X(FERRYAUTH_BEARER, CURLAUTH_BEARER)                                         \
  X(FERRYAUTH_AWS_SIGV4, CURLAUTH_AWS_SIGV4)                                   \
  X(FERRYAUTH_ONLY, CURLAUTH_ONLY)                                             \
  X(FERRYAUTH_ANY, CURLAUTH_ANY)                                               \
  X(FERRYAUTH_ANYSAFE, CURLAUTH_ANYSAFE)                                       \
  X(FERRY_REDIR_GET_ALL, CURL_REDIR_GET_ALL)                                   \
  X(FERRY_REDIR_POST_301, CURL_REDIR_POST_301)                                 \
  X(FERRY_REDIR_POST_302, CURL_REDIR_POST_302)                                 \
  X(FERRY_REDIR_POST_303, CURL_REDIR_POST_303)                                 \
  X(FERRY_REDIR_POST_ALL, CURL_REDIR_POST_ALL)                                 \
  X(FERRY_SSLVERSION_DEFAULT, CURL_SSLVERSION_DEFAULT)                         \
  X(FERRY_SSLVERSION_TLSv1, CURL_SSLVERSION_TLSv1)                             \
  X(FERRY_SSLVERSION_SSLv2, CURL_SSLVERSION_SSLv2)                             \
  X(FERRY_SSLVERSION_SSLv3, CURL_SSLVERSION_SSLv3)                             \
  X(FERRY_SSLVERSION_TLSv1_0, CURL_SSLVERSION_TLSv1_0)                         \
  X(FERRY_SSLVERSION_TLSv1_1, CURL_SSLVERSION_TLSv1_1)                         \
  X(FERRY_SSLVERSION_TLSv1_2, CURL_SSLVERSION_TLSv1_2)                         \
  X(FERRY_SSLVERSION_TLSv1_3, CURL_SSLVERSION_TLSv1_3)                         \
  X(FERRY_SSLVERSION_MAX_NONE, CURL_SSLVERSION_MAX_NONE)                       \
  X(FERRY_SSLVERSION_MAX_DEFAULT, CURL_SSLVERSION_MAX_DEFAULT)                 \
  X(FERRY_SSLVERSION_MAX_TLSv1_0, CURL_SSLVERSION_MAX_TLSv1_0)                 \
  X(FERRY_SSLVERSION_MAX_TLSv1_1, CURL_SSLVERSION_MAX_TLSv1_1)                 \
  X(FERRY_SSLVERSION_MAX_TLSv1_2, CURL_SSLVERSION_MAX_TLSv1_2)                 \
  X(FERRY_SSLVERSION_MAX_TLSv1_3, CURL_SSLVERSION_MAX_TLSv1_3)                 \
  X(FERRY_TIMECOND_NONE, CURL_TIMECOND_NONE)                                   \
  X(FERRY_TIMECOND_IFMODSINCE, CURL_TIMECOND_IFMODSINCE)                       \
  X(FERRY_TIMECOND_IFUNMODSINCE, CURL_TIMECOND_IFUNMODSINCE)                   \
  X(FERRY_TIMECOND_LASTMOD, CURL_TIMECOND_LASTMOD)                             \
  X(FERRYHSTS_ENABLE, CURLHSTS_ENABLE)                                         \
  X(FERRYHSTS_READONLYFILE, CURLHSTS_READONLYFILE)                             \
  X(FERRYSTS_OK, CURLSTS_OK)                                                   \
  X(FERRYSTS_DONE, CURLSTS_DONE)                                               \
  X(FERRYSTS_FAIL, CURLSTS_FAIL)                                               \
  X(FERRYHEADER_UNIFIED, CURLHEADER_UNIFIED)                                   \
  X(FERRYHEADER_SEPARATE, CURLHEADER_SEPARATE)                                 \
  X(FERRYH_HEADER, CURLH_HEADER)                                               \
  X(FERRYH_TRAILER, CURLH_TRAILER)                                             \
  X(FERRYH_CONNECT, CURLH_CONNECT)                                             \
  X(FERRYH_1XX, CURLH_1XX)                                                     \
  X(FERRYH_PSEUDO, CURLH_PSEUDO)                                               \
  X(FERRYHE_OK, CURLHE_OK)                                                     \
  X(FERRYHE_BADINDEX, CURLHE_BADINDEX)                                         \
  X(FERRYHE_MISSING, CURLHE_MISSING)                                           \
  X(FERRYHE_NOHEADERS, CURLHE_NOHEADERS)                                       \
  X(FERRYHE_NOREQUEST, CURLHE_NOREQUEST)                                       \
  X(FERRYHE_OUT_OF_MEMORY, CURLHE_OUT_OF_MEMORY)                               \
  X(FERRYHE_BAD_ARGUMENT, CURLHE_BAD_ARGUMENT)                                 \
  X(FERRYHE_NOT_BUILT_IN, CURLHE_NOT_BUILT_IN)                                 \
  X(FERRYOT_LONG, CURLOT_LONG)                                                 \
  X(FERRYOT_VALUES, CURLOT_VALUES)                                             \
  X(FERRYOT_OFF_T, CURLOT_OFF_T)                                               \
  X(FERRYOT_OBJECT, CURLOT_OBJECT)                                             \
  X(FERRYOT_STRING, CURLOT_STRING)                                             \
  X(FERRYOT_SLIST, CURLOT_SLIST)                                               \
  X(FERRYOT_CBPTR, CURLOT_CBPTR)                                               \
  X(FERRYOT_BLOB, CURLOT_BLOB)                                                 \
  X(FERRYOT_FUNCTION, CURLOT_FUNCTION)                                         \
  X(FERRYOT_FLAG_ALIAS, CURLOT_FLAG_ALIAS)                                     \
  X(FERRYUE_OK, CURLUE_OK)                                                     \
  X(FERRYUE_BAD_HANDLE, CURLUE_BAD_HANDLE)                                     \
  X(FERRYUE_BAD_PARTPOINTER, CURLUE_BAD_PARTPOINTER)                           \
  X(FERRYUE_MALFORMED_INPUT, CURLUE_MALFORMED_INPUT)                           \
  X(FERRYUE_BAD_PORT_NUMBER, CURLUE_BAD_PORT_NUMBER)                           \
  X(FERRYUE_UNSUPPORTED_SCHEME, CURLUE_UNSUPPORTED_SCHEME)                     \
  X(FERRYUE_URLDECODE, CURLUE_URLDECODE)                                       \
  X(FERRYUE_OUT_OF_MEMORY, CURLUE_OUT_OF_MEMORY)                               \
  X(FERRYUE_USER_NOT_ALLOWED, CURLUE_USER_NOT_ALLOWED)                         \
  X(FERRYUE_UNKNOWN_PART, CURLUE_UNKNOWN_PART)                                 \
  X(FERRYUE_NO_SCHEME, CURLUE_NO_SCHEME)                                       \
  X(FERRYUE_NO_USER, CURLUE_NO_USER)                                           \
  X(FERRYUE_NO_PASSWORD, CURLUE_NO_PASSWORD)                                   \
  X(FERRYUE_NO_OPTIONS, CURLUE_NO_OPTIONS)                                     \
  X(FERRYUE_NO_HOST, CURLUE_NO_HOST)                                           \
  X(FERRYUE_NO_PORT, CURLUE_NO_PORT)                                           \
  X(FERRYUE_NO_QUERY, CURLUE_NO_QUERY)                                         \
  X(FERRYUE_NO_FRAGMENT, CURLUE_NO_FRAGMENT)                                   \
  X(FERRYUE_NO_ZONEID, CURLUE_NO_ZONEID)                                       \
  X(FERRYUE_BAD_FILE_URL, CURLUE_BAD_FILE_URL)                                 \
  X(FERRYUE_BAD_FRAGMENT, CURLUE_BAD_FRAGMENT)                                 \
  X(FERRYUE_BAD_HOSTNAME, CURLUE_BAD_HOSTNAME)                                 \
  X(FERRYUE_BAD_IPV6, CURLUE_BAD_IPV6)                                         \
  X(FERRYUE_BAD_LOGIN, CURLUE_BAD_LOGIN)                                       \
  X(FERRYUE_BAD_PASSWORD, CURLUE_BAD_PASSWORD)                                 \
  X(FERRYUE_BAD_PATH, CURLUE_BAD_PATH)                                         \
  X(FERRYUE_BAD_QUERY, CURLUE_BAD_QUERY)                                       \
  X(FERRYUE_BAD_SCHEME, CURLUE_BAD_SCHEME)                                     \
  X(FERRYUE_BAD_SLASHES, CURLUE_BAD_SLASHES)                                   \
  X(FERRYUE_BAD_USER, CURLUE_BAD_USER)                                         \
  X(FERRYUE_LACKS_IDN, CURLUE_LACKS_IDN)                                       \
  X(FERRYUE_TOO_LARGE, CURLUE_TOO_LARGE)                                       \
  X(FERRYUE_LAST, CURLUE_LAST)                                                 \
  X(FERRYUPART_URL, CURLUPART_URL)                                             \
  X(FERRYUPART_SCHEME, CURLUPART_SCHEME)                                       \
  X(FERRYUPART_USER, CURLUPART_USER)                                           \
  X(FERRYUPART_PASSWORD, CURLUPART_PASSWORD)                                   \
  X(FERRYUPART_OPTIONS, CURLUPART_OPTIONS)                                     \
  X(FERRYUPART_HOST, CURLUPART_HOST)                                           \
  X(FERRYUPART_PORT, CURLUPART_PORT)                                           \
  X(FERRYUPART_PATH, CURLUPART_PATH)                                           \
  X(FERRYUPART_QUERY, CURLUPART_QUERY)                                         \
  X(FERRYUPART_FRAGMENT, CURLUPART_FRAGMENT)                                   \
  X(FERRYUPART_ZONEID, CURLUPART_ZONEID)                                       \
  X(FERRYU_DEFAULT_PORT, CURLU_DEFAULT_PORT)                                   \
  X(FERRYU_NO_DEFAULT_PORT, CURLU_NO_DEFAULT_PORT)                             \
  X(FERRYU_DEFAULT_SCHEME, CURLU_DEFAULT_SCHEME)                               \
  X(FERRYU_NON_SUPPORT_SCHEME, CURLU_NON_SUPPORT_SCHEME)                       \
  X(FERRYU_PATH_AS_IS, CURLU_PATH_AS_IS)                                       \
  X(FERRYU_DISALLOW_USER, CURLU_DISALLOW_USER)                                 \
  X(FERRYU_URLDECODE, CURLU_URLDECODE)                                         \
  X(FERRYU_URLENCODE, CURLU_URLENCODE)                                         \
  X(FERRYU_APPENDQUERY, CURLU_APPENDQUERY)                                     \
  X(FERRYU_GUESS_SCHEME, CURLU_GUESS_SCHEME)                                   \
  X(FERRYU_NO_AUTHORITY, CURLU_NO_AUTHORITY)                                   \
  X(FERRYU_ALLOW_SPACE, CURLU_ALLOW_SPACE)                                     \
  X(FERRYU_PUNYCODE, CURLU_PUNYCODE)                                           \
  X(FERRYU_PUNY2IDN, CURLU_PUNY2IDN)                                           \
  X(FERRYU_GET_EMPTY, CURLU_GET_EMPTY)                                         \
  X(FERRYU_NO_GUESS_SCHEME, CURLU_NO_GUESS_SCHEME)                             \
  X(FERRY_NETRC_IGNORED, CURL_NETRC_IGNORED)                                   \
  X(FERRY_NETRC_OPTIONAL, CURL_NETRC_OPTIONAL)                                 \
  X(FERRY_NETRC_REQUIRED, CURL_NETRC_REQUIRED)                                 \
  X(FERRY_NETRC_LAST, CURL_NETRC_LAST)                                         \
  X(FERRYFOLLOW_ALL, CURLFOLLOW_ALL)                                           \
  X(FERRYFOLLOW_OBEYCODE, CURLFOLLOW_OBEYCODE)                                 \
  X(FERRYFOLLOW_FIRSTONLY, CURLFOLLOW_FIRSTONLY)                               \
  X(FERRY_PROGRESSFUNC_CONTINUE, CURL_PROGRESSFUNC_CONTINUE)                   \
  X(FERRYSSLBACKEND_NONE, CURLSSLBACKEND_NONE)                                 \
  X(FERRYSSLBACKEND_OPENSSL, CURLSSLBACKEND_OPENSSL)                           \
  X(FERRYSSLBACKEND_GNUTLS, CURLSSLBACKEND_GNUTLS)                             \
  X(FERRYSSLBACKEND_NSS, CURLSSLBACKEND_NSS)                                   \
  X(FERRYSSLBACKEND_OBSOLETE4, CURLSSLBACKEND_OBSOLETE4)                       \
  X(FERRYSSLBACKEND_GSKIT, CURLSSLBACKEND_GSKIT)                               \
  X(FERRYSSLBACKEND_POLARSSL, CURLSSLBACKEND_POLARSSL)                         \
  X(FERRYSSLBACKEND_WOLFSSL, CURLSSLBACKEND_WOLFSSL)                           \
  X(FERRYSSLBACKEND_SCHANNEL, CURLSSLBACKEND_SCHANNEL)                         \
  X(FERRYSSLBACKEND_SECURETRANSPORT, CURLSSLBACKEND_SECURETRANSPORT)           \
  X(FERRYSSLBACKEND_AXTLS, CURLSSLBACKEND_AXTLS)                               \
  X(FERRYSSLBACKEND_MBEDTLS, CURLSSLBACKEND_MBEDTLS)                           \
  X(FERRYSSLBACKEND_MESALINK, CURLSSLBACKEND_MESALINK)                         \
  X(FERRYSSLBACKEND_BEARSSL, CURLSSLBACKEND_BEARSSL)                           \
  X(FERRYSSLBACKEND_RUSTLS, CURLSSLBACKEND_RUSTLS)                             \
  X(FERRYSSLSET_OK, CURLSSLSET_OK)                                             \
  X(FERRYSSLSET_UNKNOWN_BACKEND, CURLSSLSET_UNKNOWN_BACKEND)                   \
  X(FERRYSSLSET_TOO_LATE, CURLSSLSET_TOO_LATE)                                 \
  X(FERRYSSLSET_NO_BACKENDS, CURLSSLSET_NO_BACKENDS)                           \
  X(FERRYPROXY_HTTP, CURLPROXY_HTTP)                                           \
  X(FERRYPROXY_HTTP_1_0, CURLPROXY_HTTP_1_0)                                   \
  X(FERRYPROXY_HTTPS, CURLPROXY_HTTPS)                                         \
  X(FERRYPROXY_HTTPS2, CURLPROXY_HTTPS2)                                       \
  X(FERRYPROXY_SOCKS4, CURLPROXY_SOCKS4)                                       \
  X(FERRYPROXY_SOCKS5, CURLPROXY_SOCKS5)                                       \
  X(FERRYPROXY_SOCKS4A, CURLPROXY_SOCKS4A)                                     \
  X(FERRYPROXY_SOCKS5_HOSTNAME, CURLPROXY_SOCKS5_HOSTNAME)                     \
  X(FERRYUSESSL_NONE, CURLUSESSL_NONE)                                         \
  X(FERRYUSESSL_TRY, CURLUSESSL_TRY)                                           \
  X(FERRYUSESSL_CONTROL, CURLUSESSL_CONTROL)                                   \
  X(FERRYUSESSL_ALL, CURLUSESSL_ALL)                                           \
  X(FERRYSSLOPT_ALLOW_BEAST, CURLSSLOPT_ALLOW_BEAST)                           \
  X(FERRYSSLOPT_NO_REVOKE, CURLSSLOPT_NO_REVOKE)                               \
  X(FERRYSSLOPT_NO_PARTIALCHAIN, CURLSSLOPT_NO_PARTIALCHAIN)                   \
  X(FERRYSSLOPT_REVOKE_BEST_EFFORT, CURLSSLOPT_REVOKE_BEST_EFFORT)             \
  X(FERRYSSLOPT_NATIVE_CA, CURLSSLOPT_NATIVE_CA)                               \
  X(FERRYSSLOPT_AUTO_CLIENT_CERT, CURLSSLOPT_AUTO_CLIENT_CERT)                 \
  X(FERRYSSLOPT_EARLYDATA, CURLSSLOPT_EARLYDATA)                               \
  X(FERRYPIPE_NOTHING, CURLPIPE_NOTHING)                                       \
  X(FERRYPIPE_HTTP1, CURLPIPE_HTTP1)                                           \
  X(FERRYPIPE_MULTIPLEX, CURLPIPE_MULTIPLEX)                                   \
  X(FERRYMNOTIFY_INFO_READ, CURLMNOTIFY_INFO_READ)                             \
  X(FERRYMNOTIFY_EASY_DONE, CURLMNOTIFY_EASY_DONE)                             \
  X(FERRYMNWC_CLEAR_ALL, CURLMNWC_CLEAR_ALL)                                   \
  X(FERRYMNWC_CLEAR_CONNS, CURLMNWC_CLEAR_CONNS)                               \
  X(FERRYMNWC_CLEAR_DNS, CURLMNWC_CLEAR_DNS)                                   \
  X(FERRYMINFO_NONE, CURLMINFO_NONE)                                           \
  X(FERRYMINFO_XFERS_CURRENT, CURLMINFO_XFERS_CURRENT)                         \
  X(FERRYMINFO_XFERS_RUNNING, CURLMINFO_XFERS_RUNNING)                         \
  X(FERRYMINFO_XFERS_PENDING, CURLMINFO_XFERS_PENDING)                         \
  X(FERRYMINFO_XFERS_DONE, CURLMINFO_XFERS_DONE)                               \
  X(FERRYMINFO_XFERS_ADDED, CURLMINFO_XFERS_ADDED)                             \
  X(FERRYMINFO_LASTENTRY, CURLMINFO_LASTENTRY)                                 \
  X(FERRYSHE_LAST, CURLSHE_LAST)                                               \
  X(FERRYSHOPT_NONE, CURLSHOPT_NONE)                                           \
  X(FERRYSHOPT_SHARE, CURLSHOPT_SHARE)                                         \
  X(FERRYSHOPT_UNSHARE, CURLSHOPT_UNSHARE)                                     \
  X(FERRYSHOPT_LOCKFUNC, CURLSHOPT_LOCKFUNC)                                   \
  X(FERRYSHOPT_UNLOCKFUNC, CURLSHOPT_UNLOCKFUNC)                               \
  X(FERRYSHOPT_USERDATA, CURLSHOPT_USERDATA)                                   \
  X(FERRYSHOPT_LAST, CURLSHOPT_LAST)                                           \
  X(FERRY_LOCK_DATA_NONE, CURL_LOCK_DATA_NONE)                                 \
  X(FERRY_LOCK_DATA_SHARE, CURL_LOCK_DATA_SHARE)                               \
  X(FERRY_LOCK_DATA_COOKIE, CURL_LOCK_DATA_COOKIE)                             \
  X(FERRY_LOCK_DATA_DNS, CURL_LOCK_DATA_DNS)                                   \
  X(FERRY_LOCK_DATA_SSL_SESSION, CURL_LOCK_DATA_SSL_SESSION)                   \
  X(FERRY_LOCK_DATA_CONNECT, CURL_LOCK_DATA_CONNECT)                           \
  X(FERRY_LOCK_DATA_PSL, CURL_LOCK_DATA_PSL)                                   \
  X(FERRY_LOCK_DATA_HSTS, CURL_LOCK_DATA_HSTS)                                 \
  X(FERRY_LOCK_DATA_LAST, CURL_LOCK_DATA_LAST)                                 \
  X(FERRY_LOCK_ACCESS_NONE, CURL_LOCK_ACCESS_NONE)                             \
  X(FERRY_LOCK_ACCESS_SHARED, CURL_LOCK_ACCESS_SHARED)                         \
  X(FERRY_LOCK_ACCESS_SINGLE, CURL_LOCK_ACCESS_SINGLE)                         \
  X(FERRY_LOCK_ACCESS_LAST, CURL_LOCK_ACCESS_LAST)                             \
  X(FERRYPROTO_HTTP, CURLPROTO_HTTP)                                           \
  X(FERRYPROTO_HTTPS, CURLPROTO_HTTPS)                                         \
  X(FERRYPROTO_FTP, CURLPROTO_FTP)                                             \
  X(FERRYPROTO_FTPS, CURLPROTO_FTPS)                                           \
  X(FERRYPROTO_SCP, CURLPROTO_SCP)                                             \
  X(FERRYPROTO_SFTP, CURLPROTO_SFTP)                                           \
  X(FERRYPROTO_TELNET, CURLPROTO_TELNET)                                       \
  X(FERRYPROTO_LDAP, CURLPROTO_LDAP)                                           \
  X(FERRYPROTO_LDAPS, CURLPROTO_LDAPS)                                         \
  X(FERRYPROTO_DICT, CURLPROTO_DICT)                                           \
  X(FERRYPROTO_FILE, CURLPROTO_FILE)                                           \
  X(FERRYPROTO_TFTP, CURLPROTO_TFTP)                                           \
  X(FERRYPROTO_IMAP, CURLPROTO_IMAP)                                           \
  X(FERRYPROTO_IMAPS, CURLPROTO_IMAPS)                                         \
  X(FERRYPROTO_POP3, CURLPROTO_POP3)                                           \
  X(FERRYPROTO_POP3S, CURLPROTO_POP3S)                                         \
  X(FERRYPROTO_SMTP, CURLPROTO_SMTP)                                           \
  X(FERRYPROTO_SMTPS, CURLPROTO_SMTPS)                                         \
  X(FERRYPROTO_RTSP, CURLPROTO_RTSP)                                           \
  X(FERRYPROTO_RTMP, CURLPROTO_RTMP)                                           \
  X(FERRYPROTO_RTMPT, CURLPROTO_RTMPT)                                         \
  X(FERRYPROTO_RTMPE, CURLPROTO_RTMPE)                                         \
  X(FERRYPROTO_RTMPTE, CURLPROTO_RTMPTE)                                       \
  X(FERRYPROTO_RTMPS, CURLPROTO_RTMPS)                                         \
  X(FERRYPROTO_RTMPTS, CURLPROTO_RTMPTS)                                       \
  X(FERRYPROTO_GOPHER, CURLPROTO_GOPHER)                                       \
  X(FERRYPROTO_SMB, CURLPROTO_SMB)                                             \
  X(FERRYPROTO_SMBS, CURLPROTO_SMBS)                                           \
  X(FERRYPROTO_MQTT, CURLPROTO_MQTT)                                           \
  X(FERRYPROTO_GOPHERS, CURLPROTO_GOPHERS)                                     \
  X(FERRYPROTO_ALL, CURLPROTO_ALL)                                             \
  X(FERRYOPTTYPE_LONG, CURLOPTTYPE_LONG)                                       \
  X(FERRYOPTTYPE_VALUES, CURLOPTTYPE_VALUES)                                   \
  X(FERRYOPTTYPE_OBJECTPOINT, CURLOPTTYPE_OBJECTPOINT)                         \
  X(FERRYOPTTYPE_STRINGPOINT, CURLOPTTYPE_STRINGPOINT)                         \
  X(FERRYOPTTYPE_SLISTPOINT, CURLOPTTYPE_SLISTPOINT)                           \
  X(FERRYOPTTYPE_CBPOINT, CURLOPTTYPE_CBPOINT)                                 \
  X(FERRYOPTTYPE_FUNCTIONPOINT, CURLOPTTYPE_FUNCTIONPOINT)                     \
  X(FERRYOPTTYPE_OFF_T, CURLOPTTYPE_OFF_T)                                     \
  X(FERRYOPTTYPE_BLOB, CURLOPTTYPE_BLOB)                                       \
  X(FERRYINFO_STRING, CURLINFO_STRING)                                         \
  X(FERRYINFO_LONG, CURLINFO_LONG)                                             \
  X(FERRYINFO_DOUBLE, CURLINFO_DOUBLE)                                         \
  X(FERRYINFO_SLIST, CURLINFO_SLIST)                                           \
  X(FERRYINFO_PTR, CURLINFO_PTR)                                               \
  X(FERRYINFO_SOCKET, CURLINFO_SOCKET)                                         \
  X(FERRYWS_TEXT, CURLWS_TEXT)                                                 \
  X(FERRYWS_BINARY, CURLWS_BINARY)                                             \
  X(FERRYWS_CONT, CURLWS_CONT)                                                 \
  X(FERRYWS_CLOSE, CURLWS_CLOSE)                                               \
  X(FERRYWS_PING, CURLWS_PING)                                                 \
  X(FERRYWS_OFFSET, CURLWS_OFFSET)                                             \
  X(FERRYWS_PONG, CURLWS_PONG)                                                 \
  X(FERRYWS_RAW_MODE, CURLWS_RAW_MODE)                                         \
  X(FERRYWS_NOAUTOPONG, CURLWS_NOAUTOPONG)                                     \
  X(FERRYINFO_OFF_T, CURLINFO_OFF_T)                                           \
  X(FERRYINFO_MASK, CURLINFO_MASK)                                             \
  X(FERRYINFO_TYPEMASK, CURLINFO_TYPEMASK)                                     \
  X(FERRYINFO_NONE, CURLINFO_NONE)                                             \
  X(FERRYINFO_LASTONE, CURLINFO_LASTONE)                                       \
  X(FERRYE_LAST, CURL_LAST)                                                    \
  X(FERRYM_LAST, CURLM_LAST)                                                   \
  X(FERRYOPT_LASTENTRY, CURLOPT_LASTENTRY)                                     \
  X(FERRYIOE_OK, CURLIOE_OK)                                                   \
  X(FERRYIOE_UNKNOWNCMD, CURLIOE_UNKNOWNCMD)                                   \
  X(FERRYIOE_FAILRESTART, CURLIOE_FAILRESTART)                                 \
  X(FERRYIOE_LAST, CURLIOE_LAST)                                               \
  X(FERRYIOCMD_NOP, CURLIOCMD_NOP)                                             \
  X(FERRYIOCMD_RESTARTREAD, CURLIOCMD_RESTARTREAD)                             \
  X(FERRYIOCMD_LAST, CURLIOCMD_LAST)                                           \
  X(FERRY_FNMATCHFUNC_MATCH, CURL_FNMATCHFUNC_MATCH)                           \
  X(FERRY_FNMATCHFUNC_NOMATCH, CURL_FNMATCHFUNC_NOMATCH)                       \
  X(FERRY_FNMATCHFUNC_FAIL, CURL_FNMATCHFUNC_FAIL)                             \
  X(FERRYSSH_AUTH_ANY, CURLSSH_AUTH_ANY)                                       \
  X(FERRYSSH_AUTH_NONE, CURLSSH_AUTH_NONE)                                     \
  X(FERRYSSH_AUTH_PUBLICKEY, CURLSSH_AUTH_PUBLICKEY)                           \
  X(FERRYSSH_AUTH_PASSWORD, CURLSSH_AUTH_PASSWORD)                             \
  X(FERRYSSH_AUTH_HOST, CURLSSH_AUTH_HOST)                                     \
  X(FERRYSSH_AUTH_KEYBOARD, CURLSSH_AUTH_KEYBOARD)                             \
  X(FERRYSSH_AUTH_AGENT, CURLSSH_AUTH_AGENT)                                   \
  X(FERRYSSH_AUTH_GSSAPI, CURLSSH_AUTH_GSSAPI)                                 \
  X(FERRYSSH_AUTH_DEFAULT, CURLSSH_AUTH_DEFAULT)                               \
  X(FERRYKHTYPE_UNKNOWN, CURLKHTYPE_UNKNOWN)                                   \
  X(FERRYKHTYPE_RSA1, CURLKHTYPE_RSA1)                                         \
  X(FERRYKHTYPE_RSA, CURLKHTYPE_RSA)                                           \
  X(FERRYKHTYPE_DSS, CURLKHTYPE_DSS)                                           \
  X(FERRYKHTYPE_ECDSA, CURLKHTYPE_ECDSA)                                       \
  X(FERRYKHTYPE_ED25519, CURLKHTYPE_ED25519)                                   \
  X(FERRYKHSTAT_FINE_ADD_TO_FILE, CURLKHSTAT_FINE_ADD_TO_FILE)                 \
  X(FERRYKHSTAT_FINE, CURLKHSTAT_FINE)                                         \
  X(FERRYKHSTAT_REJECT, CURLKHSTAT_REJECT)                                     \
  X(FERRYKHSTAT_DEFER, CURLKHSTAT_DEFER)                                       \
  X(FERRYKHSTAT_FINE_REPLACE, CURLKHSTAT_FINE_REPLACE)                         \
  X(FERRYKHSTAT_LAST, CURLKHSTAT_LAST)                                         \
  X(FERRYKHMATCH_OK, CURLKHMATCH_OK)                                           \
  X(FERRYKHMATCH_MISMATCH, CURLKHMATCH_MISMATCH)                               \
  X(FERRYKHMATCH_MISSING, CURLKHMATCH_MISSING)                                 \
  X(FERRYKHMATCH_LAST, CURLKHMATCH_LAST)                                       \
  X(FERRYGSSAPI_DELEGATION_NONE, CURLGSSAPI_DELEGATION_NONE)                   \
  X(FERRYGSSAPI_DELEGATION_POLICY_FLAG, CURLGSSAPI_DELEGATION_POLICY_FLAG)     \
  X(FERRYGSSAPI_DELEGATION_FLAG, CURLGSSAPI_DELEGATION_FLAG)                   \
  X(FERRYFTPAUTH_DEFAULT, CURLFTPAUTH_DEFAULT)                                 \
  X(FERRYFTPAUTH_SSL, CURLFTPAUTH_SSL)                                         \
  X(FERRYFTPAUTH_TLS, CURLFTPAUTH_TLS)                                         \
  X(FERRYFTPAUTH_LAST, CURLFTPAUTH_LAST)                                       \
  X(FERRYFTPMETHOD_DEFAULT, CURLFTPMETHOD_DEFAULT)                             \
  X(FERRYFTPMETHOD_MULTICWD, CURLFTPMETHOD_MULTICWD)                           \
  X(FERRYFTPMETHOD_NOCWD, CURLFTPMETHOD_NOCWD)                                 \
  X(FERRYFTPMETHOD_SINGLECWD, CURLFTPMETHOD_SINGLECWD)                         \
  X(FERRYFTPMETHOD_LAST, CURLFTPMETHOD_LAST)                                   \
  X(FERRY_RTSPREQ_NONE, CURL_RTSPREQ_NONE)                                     \
  X(FERRY_RTSPREQ_OPTIONS, CURL_RTSPREQ_OPTIONS)                               \
  X(FERRY_RTSPREQ_DESCRIBE, CURL_RTSPREQ_DESCRIBE)                             \
  X(FERRY_RTSPREQ_ANNOUNCE, CURL_RTSPREQ_ANNOUNCE)                             \
  X(FERRY_RTSPREQ_SETUP, CURL_RTSPREQ_SETUP)                                   \
  X(FERRY_RTSPREQ_PLAY, CURL_RTSPREQ_PLAY)                                     \
  X(FERRY_RTSPREQ_PAUSE, CURL_RTSPREQ_PAUSE)                                   \
  X(FERRY_RTSPREQ_TEARDOWN, CURL_RTSPREQ_TEARDOWN)                             \
  X(FERRY_RTSPREQ_GET_PARAMETER, CURL_RTSPREQ_GET_PARAMETER)                   \
  X(FERRY_RTSPREQ_SET_PARAMETER, CURL_RTSPREQ_SET_PARAMETER)                   \
  X(FERRY_RTSPREQ_RECORD, CURL_RTSPREQ_RECORD)                                 \
  X(FERRY_RTSPREQ_RECEIVE, CURL_RTSPREQ_RECEIVE)                               \
  X(FERRY_RTSPREQ_LAST, CURL_RTSPREQ_LAST)                                     \
  X(FERRYFILETYPE_FILE, CURLFILETYPE_FILE)                                     \
  X(FERRYFILETYPE_DIRECTORY, CURLFILETYPE_DIRECTORY)                           \
  X(FERRYFILETYPE_SYMLINK, CURLFILETYPE_SYMLINK)                               \
  X(FERRYFILETYPE_DEVICE_BLOCK, CURLFILETYPE_DEVICE_BLOCK)                     \
  X(FERRYFILETYPE_DEVICE_CHAR, CURLFILETYPE_DEVICE_CHAR)                       \
  X(FERRYFILETYPE_NAMEDPIPE, CURLFILETYPE_NAMEDPIPE)                           \
  X(FERRYFILETYPE_SOCKET, CURLFILETYPE_SOCKET)                                 \
  X(FERRYFILETYPE_DOOR, CURLFILETYPE_DOOR)                                     \
  X(FERRYFILETYPE_UNKNOWN, CURLFILETYPE_UNKNOWN)                               \
  X(FERRYFINFOFLAG_KNOWN_FILENAME, CURLFINFOFLAG_KNOWN_FILENAME)               \
  X(FERRYFINFOFLAG_KNOWN_FILETYPE, CURLFINFOFLAG_KNOWN_FILETYPE)               \
  X(FERRYFINFOFLAG_KNOWN_TIME, CURLFINFOFLAG_KNOWN_TIME)                       \
  X(FERRYFINFOFLAG_KNOWN_PERM, CURLFINFOFLAG_KNOWN_PERM)                       \
  X(FERRYFINFOFLAG_KNOWN_UID, CURLFINFOFLAG_KNOWN_UID)                         \
  X(FERRYFINFOFLAG_KNOWN_GID, CURLFINFOFLAG_KNOWN_GID)                         \
  X(FERRYFINFOFLAG_KNOWN_SIZE, CURLFINFOFLAG_KNOWN_SIZE)                       \
  X(FERRYFINFOFLAG_KNOWN_HLINKCOUNT, CURLFINFOFLAG_KNOWN_HLINKCOUNT)           \
  X(FERRY_CHUNK_BGN_FUNC_OK, CURL_CHUNK_BGN_FUNC_OK)                           \
  X(FERRY_CHUNK_BGN_FUNC_FAIL, CURL_CHUNK_BGN_FUNC_FAIL)                       \
  X(FERRY_CHUNK_BGN_FUNC_SKIP, CURL_CHUNK_BGN_FUNC_SKIP)                       \
  X(FERRY_CHUNK_END_FUNC_OK, CURL_CHUNK_END_FUNC_OK)                           \
  X(FERRY_CHUNK_END_FUNC_FAIL, CURL_CHUNK_END_FUNC_FAIL)                       \
  X(FERRYMOPT_LASTENTRY, CURLMOPT_LASTENTRY)

/* Types: X(ferry_type, CURL_TYPE) */
#define FERRY_TYPES(X)                                                         \
  X(ferry_easy, CURL)                                                          \
  X(ferry_multi, CURLM)                                                        \
  X(ferry_code, CURLcode)                                                      \
  X(ferry_mcode, CURLMcode)                                                    \
  X(ferry_option, CURLoption)                                                  \
  X(ferry_moption, CURLMoption)                                                \
  X(ferry_info, CURLINFO)                                                      \
  X(ferry_msg, CURLMsg)                                                        \
  X(ferry_msg_type, CURLMSG)                                                   \
  X(ferry_socket_t, curl_socket_t)                                             \
  X(ferry_off_t, curl_off_t)                                                   \
  X(ferry_infotype, curl_infotype)                                             \
  X(ferry_waitfd, curl_waitfd)                                                 \
  X(ferry_version_info_data, curl_version_info_data)                           \
  X(ferry_version_type, CURLversion)                                           \
  X(ferry_hcode, CURLHcode)                                                    \
  X(ferry_easytype, curl_easytype)                                             \
  X(ferry_urlh, CURLU)                                                         \
  X(ferry_ucode, CURLUcode)                                                    \
  X(ferry_upart, CURLUPart)                                                    \
  X(ferry_write_callback, curl_write_callback)                                 \
  X(ferry_read_callback, curl_read_callback)                                   \
  X(ferry_header_callback, curl_header_callback)                               \
  X(ferry_xferinfo_callback, curl_xferinfo_callback)                           \
  X(ferry_debug_callback, curl_debug_callback)                                 \
  X(ferry_socket_callback, curl_socket_callback)                               \
  X(ferry_multi_timer_callback, curl_multi_timer_callback)                     \
  X(ferry_malloc_callback, curl_malloc_callback)                               \
  X(ferry_free_callback, curl_free_callback)                                   \
  X(ferry_realloc_callback, curl_realloc_callback)                             \
  X(ferry_strdup_callback, curl_strdup_callback)                               \
  X(ferry_calloc_callback, curl_calloc_callback)                               \
  X(ferry_trailer_callback, curl_trailer_callback)                             \
  X(ferry_socktype, curlsocktype)                                              \
  X(ferry_opensocket_callback, curl_opensocket_callback)                       \
  X(ferry_sockopt_callback, curl_sockopt_callback)                             \
  X(ferry_closesocket_callback, curl_closesocket_callback)                     \
  X(ferry_prereq_callback, curl_prereq_callback)                               \
  X(ferry_notify_callback, curl_notify_callback)                               \
  X(ferry_minfo_offt, CURLMinfo_offt)                             \
  X(ferry_push_callback, curl_push_callback)                                   \
  X(ferry_seek_callback, curl_seek_callback)                                   \
  X(ferry_mime, curl_mime)                                                     \
  X(ferry_mimepart, curl_mimepart)                                             \
  X(ferry_formoption, CURLformoption)                                          \
  X(ferry_formcode, CURLFORMcode)                                              \
  X(ferry_formget_callback, curl_formget_callback)                             \
  X(ferry_stscode, CURLSTScode)                                                \
  X(ferry_hstsread_callback, curl_hstsread_callback)                           \
  X(ferry_hstswrite_callback, curl_hstswrite_callback)                         \
  X(ferry_share, CURLSH)                                                       \
  X(ferry_shcode, CURLSHcode)                                                  \
  X(ferry_shoption, CURLSHoption)                                              \
  X(ferry_lock_data, curl_lock_data)                                           \
  X(ferry_lock_access, curl_lock_access)                                       \
  X(ferry_lock_function, curl_lock_function)                                   \
  X(ferry_unlock_function, curl_unlock_function)                               \
  X(ferry_progress_callback, curl_progress_callback)                           \
  X(ferry_sslbackend, curl_sslbackend)                                         \
  X(ferry_sslset, CURLsslset)                                                  \
  X(ferry_ssls_export_cb, curl_ssls_export_cb)                                 \
  X(ferry_ioerr, curlioerr)                                                    \
  X(ferry_iocmd, curliocmd)                                                    \
  X(ferry_ioctl_callback, curl_ioctl_callback)                                 \
  X(ferry_fnmatch_callback, curl_fnmatch_callback)                             \
  X(ferry_resolver_start_callback, curl_resolver_start_callback)               \
  X(ferry_sshkey_callback, curl_sshkeycallback)                                \
  X(ferry_sshhostkey_callback, curl_sshhostkeycallback)                        \
  X(ferry_ftpauth, curl_ftpauth)                                               \
  X(ferry_ftpmethod, curl_ftpmethod)                                           \
  X(ferry_filetype, curlfiletype)                                              \
  X(ferry_chunk_bgn_callback, curl_chunk_bgn_callback)                         \
  X(ferry_chunk_end_callback, curl_chunk_end_callback)

/* Struct tags: X(ferry_tag, curl_tag) so `struct curl_slist` works. */
#define FERRY_STRUCTS(X)                                                       \
  X(ferry_slist, curl_slist)                                                   \
  X(ferry_blob, curl_blob)                                                     \
  X(ferry_header, curl_header)                                                 \
  X(ferry_easyoption, curl_easyoption)                                         \
  X(ferry_waitfd, curl_waitfd)                                                 \
  X(ferry_msg, CURLMsg)                                                        \
  X(ferry_version_info_data, curl_version_info_data)                           \
  X(ferry_certinfo, curl_certinfo)                                             \
  X(ferry_sockaddr, curl_sockaddr)                                             \
  X(ferry_mime, curl_mime)                                                     \
  X(ferry_mimepart, curl_mimepart)                                             \
  X(ferry_httppost, curl_httppost)                                             \
  X(ferry_forms, curl_forms)                                                   \
  X(ferry_hstsentry, curl_hstsentry)                                           \
  X(ferry_index, curl_index)                                                   \
  X(ferry_pushheaders, curl_pushheaders)                                       \
  X(ferry_ws_frame, curl_ws_frame)                                             \
  X(ferry_ssl_backend, curl_ssl_backend)                                       \
  X(ferry_khkey, curl_khkey)                                                   \
  X(ferry_fileinfo, curl_fileinfo)

/* Enum tags: X(ferry_tag, curl_tag) so `enum curl_khmatch` works. */
#define FERRY_ENUMS(X)                                                         \
  X(ferry_khtype, curl_khtype)                                                 \
  X(ferry_khstat, curl_khstat)                                                 \
  X(ferry_khmatch, curl_khmatch)

/* Functions: X(ferry_name, curl_name) */
#define FERRY_FUNCTIONS(X)                                                     \
  X(ferry_global_init, curl_global_init)                                       \
  X(ferry_global_init_mem, curl_global_init_mem)                               \
  X(ferry_global_cleanup, curl_global_cleanup)                                 \
  X(ferry_easy_init, curl_easy_init)                                           \
  X(ferry_easy_cleanup, curl_easy_cleanup)                                     \
  X(ferry_easy_reset, curl_easy_reset)                                         \
  X(ferry_easy_duphandle, curl_easy_duphandle)                                 \
  X(ferry_easy_setopt, curl_easy_setopt)                                       \
  X(ferry_easy_getinfo, curl_easy_getinfo)                                     \
  X(ferry_easy_perform, curl_easy_perform)                                     \
  X(ferry_easy_pause, curl_easy_pause)                                         \
  X(ferry_easy_send, curl_easy_send)                                           \
  X(ferry_easy_recv, curl_easy_recv)                                           \
  X(ferry_easy_upkeep, curl_easy_upkeep)                                       \
  X(ferry_easy_strerror, curl_easy_strerror)                                   \
  X(ferry_easy_header, curl_easy_header)                                       \
  X(ferry_easy_nextheader, curl_easy_nextheader)                               \
  X(ferry_easy_escape, curl_easy_escape)                                       \
  X(ferry_easy_unescape, curl_easy_unescape)                                   \
  X(ferry_easy_option_by_name, curl_easy_option_by_name)                       \
  X(ferry_easy_option_by_id, curl_easy_option_by_id)                           \
  X(ferry_easy_option_next, curl_easy_option_next)                             \
  X(ferry_url, curl_url)                                                       \
  X(ferry_url_cleanup, curl_url_cleanup)                                       \
  X(ferry_url_dup, curl_url_dup)                                               \
  X(ferry_url_set, curl_url_set)                                               \
  X(ferry_url_get, curl_url_get)                                               \
  X(ferry_multi_init, curl_multi_init)                                         \
  X(ferry_multi_cleanup, curl_multi_cleanup)                                   \
  X(ferry_multi_add_handle, curl_multi_add_handle)                             \
  X(ferry_multi_remove_handle, curl_multi_remove_handle)                       \
  X(ferry_multi_perform, curl_multi_perform)                                   \
  X(ferry_multi_wait, curl_multi_wait)                                         \
  X(ferry_multi_poll, curl_multi_poll)                                         \
  X(ferry_multi_wakeup, curl_multi_wakeup)                                     \
  X(ferry_multi_fdset, curl_multi_fdset)                                       \
  X(ferry_multi_timeout, curl_multi_timeout)                                   \
  X(ferry_multi_info_read, curl_multi_info_read)                               \
  X(ferry_multi_setopt, curl_multi_setopt)                                     \
  X(ferry_multi_assign, curl_multi_assign)                                     \
  X(ferry_multi_socket_action, curl_multi_socket_action)                       \
  X(ferry_multi_socket_all, curl_multi_socket_all)                             \
  X(ferry_multi_get_handles, curl_multi_get_handles)                           \
  X(ferry_multi_strerror, curl_multi_strerror)                                 \
  X(ferry_multi_waitfds, curl_multi_waitfds)                                   \
  X(ferry_multi_get_offt, curl_multi_get_offt)                                 \
  X(ferry_multi_notify_enable, curl_multi_notify_enable)                       \
  X(ferry_multi_notify_disable, curl_multi_notify_disable)                     \
  X(ferry_pushheader_bynum, curl_pushheader_bynum)                             \
  X(ferry_pushheader_byname, curl_pushheader_byname)                           \
  X(ferry_slist_append, curl_slist_append)                                     \
  X(ferry_slist_free_all, curl_slist_free_all)                                 \
  X(ferry_free, curl_free)                                                     \
  X(ferry_version, curl_version)                                               \
  X(ferry_version_info, curl_version_info)                                     \
  X(ferry_mime_init, curl_mime_init)                                           \
  X(ferry_mime_free, curl_mime_free)                                           \
  X(ferry_mime_addpart, curl_mime_addpart)                                     \
  X(ferry_mime_name, curl_mime_name)                                           \
  X(ferry_mime_filename, curl_mime_filename)                                   \
  X(ferry_mime_type, curl_mime_type)                                           \
  X(ferry_mime_encoder, curl_mime_encoder)                                     \
  X(ferry_mime_data, curl_mime_data)                                           \
  X(ferry_mime_filedata, curl_mime_filedata)                                   \
  X(ferry_mime_data_cb, curl_mime_data_cb)                                     \
  X(ferry_mime_subparts, curl_mime_subparts)                                   \
  X(ferry_mime_headers, curl_mime_headers)                                     \
  X(ferry_formadd, curl_formadd)                                               \
  X(ferry_formget, curl_formget)                                               \
  X(ferry_formfree, curl_formfree)                                             \
  X(ferry_share_init, curl_share_init)                                         \
  X(ferry_share_setopt, curl_share_setopt)                                     \
  X(ferry_share_cleanup, curl_share_cleanup)                                   \
  X(ferry_share_strerror, curl_share_strerror)                                 \
  X(ferry_ws_recv, curl_ws_recv)                                               \
  X(ferry_ws_send, curl_ws_send)                                               \
  X(ferry_ws_start_frame, curl_ws_start_frame)                                 \
  X(ferry_ws_meta, curl_ws_meta)                                               \
  X(ferry_global_sslset, curl_global_sslset)                                   \
  X(ferry_global_trace, curl_global_trace)                                     \
  X(ferry_url_strerror, curl_url_strerror)                                     \
  X(ferry_easy_ssls_export, curl_easy_ssls_export)                             \
  X(ferry_easy_ssls_import, curl_easy_ssls_import)

/* libcurl functions ferry does not have, added after 7.56.0, with the
 * libcurl version that added each: X(curl_name, VERSION_NUM). They decide
 * FERRY_LIBCURL_VERSION_NUM (see ferry.h), which must stay below each of
 * them; <curl/curl.h> declares none of them. A row goes when ferry gets
 * the function. */
#define FERRY_MISSING_FUNCTIONS(X) /* none: ferry has every one to 8.17 */

/* libcurl-only spellings: X(CURL_ALIAS, CURL_TARGET). <curl/curl.h> gets
 * `#define CURL_ALIAS CURL_TARGET`. TARGET is the text the alias stands for:
 * a name the header defines from the lists above (old and renamed libcurl
 * names), a call of such a name (curl_multi_socket, a macro in libcurl's
 * header too), a number, or a standard C macro (curl/system.h's curl_off_t
 * printing helpers). ferry has no names of its own for these. */
#define FERRY_ALIASES(X)                                                       \
  X(CURLE_OPERATION_TIMEOUTED, CURLE_OPERATION_TIMEDOUT)                       \
  X(CURLE_HTTP_POST_ERROR, CURLE_OBSOLETE34)                                   \
  X(CURLE_FUNCTION_NOT_FOUND, CURLE_OBSOLETE41)                                \
  X(CURLE_OBSOLETE10, CURLE_FTP_ACCEPT_FAILED)                                 \
  X(CURLE_OBSOLETE12, CURLE_FTP_ACCEPT_TIMEOUT)                                \
  X(CURLE_OBSOLETE16, CURLE_HTTP2)                                             \
  X(CURLE_OBSOLETE, CURLE_OBSOLETE50)                                          \
  X(CURLE_FTP_WEIRD_SERVER_REPLY, CURLE_WEIRD_SERVER_REPLY)                    \
  X(CURLE_SSL_CACERT, CURLE_PEER_FAILED_VERIFICATION)                          \
  X(CURLE_SSL_PEER_CERTIFICATE, CURLE_PEER_FAILED_VERIFICATION)                \
  X(CURLE_UNKNOWN_TELNET_OPTION, CURLE_UNKNOWN_OPTION)                         \
  X(CURLE_TELNET_OPTION_SYNTAX, CURLE_SETOPT_OPTION_SYNTAX)                    \
  X(CURLE_BAD_PASSWORD_ENTERED, CURLE_OBSOLETE46)                              \
  X(CURLE_BAD_CALLING_ORDER, CURLE_OBSOLETE44)                                 \
  X(CURLE_FTP_USER_PASSWORD_INCORRECT, CURLE_OBSOLETE10)                       \
  X(CURLE_FTP_CANT_RECONNECT, CURLE_OBSOLETE16)                                \
  X(CURLE_FTP_COULDNT_GET_SIZE, CURLE_OBSOLETE32)                              \
  X(CURLE_FTP_COULDNT_SET_ASCII, CURLE_OBSOLETE29)                             \
  X(CURLE_FTP_WEIRD_USER_REPLY, CURLE_OBSOLETE12)                              \
  X(CURLE_FTP_WRITE_ERROR, CURLE_OBSOLETE20)                                   \
  X(CURLE_LIBRARY_NOT_FOUND, CURLE_OBSOLETE40)                                 \
  X(CURLE_MALFORMAT_USER, CURLE_OBSOLETE24)                                    \
  X(CURLE_SHARE_IN_USE, CURLE_OBSOLETE57)                                      \
  X(CURLE_URL_MALFORMAT_USER, CURLE_NOT_BUILT_IN)                              \
  X(CURLE_FTP_ACCESS_DENIED, CURLE_REMOTE_ACCESS_DENIED)                       \
  X(CURLE_FTP_COULDNT_SET_BINARY, CURLE_FTP_COULDNT_SET_TYPE)                  \
  X(CURLE_FTP_QUOTE_ERROR, CURLE_QUOTE_ERROR)                                  \
  X(CURLE_TFTP_DISKFULL, CURLE_REMOTE_DISK_FULL)                               \
  X(CURLE_TFTP_EXISTS, CURLE_REMOTE_FILE_EXISTS)                               \
  X(CURLE_HTTP_RANGE_ERROR, CURLE_RANGE_ERROR)                                 \
  X(CURLE_FTP_SSL_FAILED, CURLE_USE_SSL_FAILED)                                \
  X(CURLE_HTTP_NOT_FOUND, CURLE_HTTP_RETURNED_ERROR)                           \
  X(CURLE_HTTP_PORT_FAILED, CURLE_INTERFACE_FAILED)                            \
  X(CURLE_FTP_COULDNT_STOR_FILE, CURLE_UPLOAD_FAILED)                          \
  X(CURLE_FTP_PARTIAL_FILE, CURLE_PARTIAL_FILE)                                \
  X(CURLE_FTP_BAD_DOWNLOAD_RESUME, CURLE_BAD_DOWNLOAD_RESUME)                  \
  X(CURLE_LDAP_INVALID_URL, CURLE_OBSOLETE62)                                  \
  X(CURLE_CONV_REQD, CURLE_OBSOLETE76)                                         \
  X(CURLE_CONV_FAILED, CURLE_OBSOLETE75)                                       \
  X(CURLE_ALREADY_COMPLETE, 99999)                                             \
  X(CURLM_CALL_MULTI_SOCKET, CURLM_CALL_MULTI_PERFORM)                         \
  X(curl_multi_socket(m, s, running),                                          \
    curl_multi_socket_action(m, s, 0, running))                                \
  X(CURLOPT_FILE, CURLOPT_WRITEDATA)                                           \
  X(CURLOPT_INFILE, CURLOPT_READDATA)                                          \
  X(CURLOPT_WRITEHEADER, CURLOPT_HEADERDATA)                                   \
  X(CURLOPT_PROGRESSDATA, CURLOPT_XFERINFODATA)                                \
  X(CURLOPT_ENCODING, CURLOPT_ACCEPT_ENCODING)                                 \
  X(CURLOPT_SSLKEYPASSWD, CURLOPT_KEYPASSWD)                                   \
  X(CURLOPT_SSLCERTPASSWD, CURLOPT_KEYPASSWD)                                  \
  X(CURLOPT_POST301, CURLOPT_POSTREDIR)                                        \
  X(CURLOPT_FTPAPPEND, CURLOPT_APPEND)                                         \
  X(CURLOPT_FTPLISTONLY, CURLOPT_DIRLISTONLY)                                  \
  X(CURLOPT_FTP_SSL, CURLOPT_USE_SSL)                                          \
  X(CURLOPT_KRB4LEVEL, CURLOPT_KRBLEVEL)                                       \
  X(CURLOPT_FTP_RESPONSE_TIMEOUT, CURLOPT_SERVER_RESPONSE_TIMEOUT)             \
  X(CURLOPT_MAIL_RCPT_ALLLOWFAILS, CURLOPT_MAIL_RCPT_ALLOWFAILS)               \
  X(CURLOPT_RTSPHEADER, CURLOPT_HTTPHEADER)                                    \
  X(CURLINFO_HTTP_CODE, CURLINFO_RESPONSE_CODE)                                \
  X(CURL_HTTP_VERSION_2, CURL_HTTP_VERSION_2_0)                                \
  X(CURLAUTH_GSSNEGOTIATE, CURLAUTH_NEGOTIATE)                                 \
  X(CURLAUTH_GSSAPI, CURLAUTH_NEGOTIATE)                                       \
  X(CURLFTPSSL_NONE, CURLUSESSL_NONE)                                          \
  X(CURLFTPSSL_TRY, CURLUSESSL_TRY)                                            \
  X(CURLFTPSSL_CONTROL, CURLUSESSL_CONTROL)                                    \
  X(CURLFTPSSL_ALL, CURLUSESSL_ALL)                                            \
  X(CURLSSLBACKEND_AWSLC, CURLSSLBACKEND_OPENSSL)                              \
  X(CURLSSLBACKEND_BORINGSSL, CURLSSLBACKEND_OPENSSL)                          \
  X(CURLSSLBACKEND_LIBRESSL, CURLSSLBACKEND_OPENSSL)                           \
  X(CURLSSLBACKEND_CYASSL, CURLSSLBACKEND_WOLFSSL)                             \
  X(CURLSSLBACKEND_DARWINSSL, CURLSSLBACKEND_SECURETRANSPORT)                  \
  X(CURL_TYPEOF_CURL_OFF_T, ferry_off_t)                                       \
  X(CURL_SIZEOF_CURL_OFF_T, 8)                                                 \
  X(CURL_FORMAT_CURL_OFF_T, PRId64)                                            \
  X(CURL_FORMAT_CURL_OFF_TU, PRIu64)                                           \
  X(CURL_OFF_T_C(v), INT64_C(v))                                               \
  X(CURL_OFF_TU_C(v), UINT64_C(v))

#endif /* FERRY_TABLE_H */

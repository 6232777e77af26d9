/* The URL API's parser (urlapi.c), seen from inside ferry.
 *
 * urlapi.c holds ferry's one URL parser: ferry_url_set and ferry_url_get
 * (ferry.h) read and write URLs as libcurl 8.11's URL API does, and the
 * transfers (url.h) go through them too, as libcurl's do. These are the
 * byte-level helpers it shares with the rest of ferry.
 *
 * Sans-IO: no sockets, no libuv. Every string returned is allocated with
 * ferry__malloc() for the caller to ferry__free(). Reentrant.
 */
#ifndef FERRY_URLAPI_H
#define FERRY_URLAPI_H

#include <stddef.h>

/* Longest URL, or part of one, taken, in bytes without the NUL (libcurl's
 * CURL_MAX_INPUT_LENGTH). */
#define FERRY__URL_MAX_LENGTH (8u * 1024 * 1024)

/* RFC 3986 section 5.2.4: path[0..len) without its "." and ".."
 * segments ("/a/./b/../c" gives "/a/c"). An empty path gives "/"; a path
 * that does not start with '/' is handled as the RFC says ("a/../b" gives
 * "/b"). Percent-encoded dots are not dots. Returns a new string, never
 * longer than len + 1 bytes, or NULL on allocation failure. */
char *ferry__url_remove_dot_segments(const char *path, size_t len);

/* Percent-decode len bytes of s: each "%XX" (X a hex digit, either case)
 * becomes one byte; a '%' not followed by two hex digits is kept as it is.
 * Returns a new NUL-terminated string and, if outlen is not NULL, its
 * length in *outlen (it may hold NULs). Returns NULL on allocation failure
 * or, with reject_ctrl, when the result holds a byte below 0x20. */
char *ferry__url_decode(const char *s, size_t len, size_t *outlen,
                        int reject_ctrl);

/* Percent-encode len bytes of s: every byte other than ALPHA, DIGIT, '-',
 * '.', '_' and '~' becomes "%XX" with upper-case hex digits (as
 * curl_easy_escape). Returns a new NUL-terminated string, or NULL on
 * allocation failure. */
char *ferry__url_encode(const char *s, size_t len);

#endif

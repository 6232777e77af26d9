/* compat-get-handles.h - curl_multi_get_handles() for a libcurl older than
 * 8.4, forced into the libcurl builds of examples/multi-select.c and
 * examples/multi-epoll.c (test/diff/meson.build), which call it.
 *
 * Those examples follow libcurl 8.x, as ferry does, and use the function
 * only on their error path (a multi call failed), to free the transfers
 * still added. libcurl 7.88 (Debian 12) has no way to list a multi's
 * handles, so this one returns an empty list: on that path the 7.88 build
 * frees nothing and counts no failure. The tests never take that path on
 * libcurl; had they, stdout would differ and show it.
 */
#ifndef DIFF_COMPAT_GET_HANDLES_H
#define DIFF_COMPAT_GET_HANDLES_H

#include <stdlib.h>

#include <curl/curl.h>

static inline CURL **curl_multi_get_handles(CURLM *multi) {
  (void)multi;
  return calloc(1, sizeof(CURL *));
}

#endif

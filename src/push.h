/* HTTP/2 server push, the application's side: a pushed stream becomes a
 * new easy handle, duplicated from the handle whose stream the promise
 * came on, when the multi's PUSHFUNCTION accepts it (libcurl's
 * CURLMOPT_PUSHFUNCTION). The session (h2session.c) calls the stream hook
 * below; the callback reads the promise's fields through
 * ferry_pushheader_bynum / ferry_pushheader_byname. */
#ifndef FERRY_PUSH_H
#define FERRY_PUSH_H

#include "session.h"

/* What the PUSHFUNCTION's headers argument points to: valid during the
 * callback only. */
struct ferry_pushheaders {
  const ferry__push_promise *pp;
};

/* The stream hook (ferry__stream_hooks.push) of a transfer (ud): with no
 * PUSHFUNCTION, or a promise without :scheme, :authority or :path, or
 * when out of memory, FERRY__PUSH_DENY; otherwise what the callback
 * returned, and for FERRY__PUSH_OK the new handle is added to the multi,
 * its stream in *child. */
int ferry__push_promised(void *ud, const ferry__push_promise *pp,
                         ferry__stream **child);

#endif

/* HTTP/2 server push, the application's side: what a PUSHFUNCTION reads
 * the promise's fields through (ferry_pushheader_bynum and _byname). The
 * transfer layer (xfer.c) makes the pushed stream a new easy handle when
 * the callback takes it. */
#ifndef FERRY_PUSH_H
#define FERRY_PUSH_H

#include "session.h"

/* What the PUSHFUNCTION's headers argument points to: valid during the
 * callback only. */
struct ferry_pushheaders {
  const ferry__push_promise *pp;
};

#endif

/* Speed caps (MAX_RECV_SPEED_LARGE, MAX_SEND_SPEED_LARGE): one token
 * bucket per direction, sans-IO. The bucket holds at most a sixteenth of a
 * second's worth of bytes (at least one), so a capped transfer moves in
 * bursts of that size about sixteen times a second, and its average never
 * exceeds the cap by more than one burst. Nothing is granted until a
 * whole burst has accrued, so a slow caller cannot trickle a few bytes per
 * loop iteration either. The caller reads or writes at
 * most what ferry__rate_allow grants, and when it grants nothing the
 * caller stops watching the socket and comes back after *wait_ms: a
 * throttled transfer costs no CPU between bursts. */
#ifndef FERRY_RATE_H
#define FERRY_RATE_H

#include <stddef.h>
#include <stdint.h>

typedef struct ferry__rate {
  double tokens;  /* bytes that may move now */
  uint64_t at_ns; /* when tokens was worked out; 0: never (a full bucket) */
} ferry__rate;

/* How many bytes may move now under limit bytes per second (> 0), at most
 * cap (> 0). Something is granted only when the bucket holds a whole burst,
 * or cap when that is less; else 0, and *wait_ms is how long until it
 * does (at least 1). now_ns is on uv_hrtime's clock. */
size_t ferry__rate_allow(ferry__rate *r, int64_t limit, uint64_t now_ns,
                         size_t cap, uint64_t *wait_ms);
/* n bytes moved. Usually no more than the last ferry__rate_allow
 * granted; more (an HTTP/2 stream receives what the server sent within
 * the stream's window) is a debt that later grants wait for. */
void ferry__rate_spend(ferry__rate *r, size_t n);

#endif

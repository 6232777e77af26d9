/* The engine's clock: milliseconds on libuv's monotonic high-resolution
 * clock. */
#ifndef FERRY_CLOCK_H
#define FERRY_CLOCK_H

#include <stdint.h>
#include <uv.h>

static inline uint64_t ferry__now_ms(void) { return uv_hrtime() / 1000000u; }

#endif

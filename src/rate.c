/* Speed caps: token buckets. See rate.h. */
#include "rate.h"

/* The burst: a sixteenth of a second of traffic, at least one byte. */
static double burst_of(int64_t limit) {
  double b = (double)limit / 16.0;
  return b < 1.0 ? 1.0 : b;
}

size_t ferry__rate_allow(ferry__rate *r, int64_t limit, uint64_t now_ns,
                         size_t cap, uint64_t *wait_ms) {
  double burst = burst_of(limit), need, ms;

  if (r->at_ns == 0 || now_ns < r->at_ns) {
    r->tokens = burst;
  } else {
    r->tokens += (double)limit * (double)(now_ns - r->at_ns) / 1e9;
    if (r->tokens > burst)
      r->tokens = burst;
  }
  r->at_ns = now_ns;
  /* Grant only a whole burst (or all that is asked, when less): granting
   * the trickle that accrued since the last call would have a slow
   * caller move a few bytes per loop iteration, never pausing. */
  need = (double)cap < burst ? (double)cap : burst;
  if (r->tokens + 0.5 >= need) {
    size_t n = r->tokens < (double)cap ? (size_t)r->tokens : cap;
    return n ? n : 1;
  }
  ms = (need - r->tokens) * 1000.0 / (double)limit;
  *wait_ms = (uint64_t)ms + 1;
  return 0;
}

void ferry__rate_spend(ferry__rate *r, size_t n) {
  /* more than was granted (an HTTP/2 stream gets what the server sent
   * within its window) leaves a debt, paid before the next grant */
  r->tokens -= (double)n;
}

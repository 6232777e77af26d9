/* Verbose output: text, headers and data through DEBUGFUNCTION, or to
 * STDERR when VERBOSE is on and no DEBUGFUNCTION is set. */
#ifndef FERRY_TRACE_H
#define FERRY_TRACE_H

#include "ferry.h"

struct ferry_easy;

/* Is anything listening? Cheap check before building a message. */
int ferry__trace_on(const struct ferry_easy *e);
/* "* text\n" as FERRYINFO_TEXT. */
void ferry__infof(struct ferry_easy *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Raw bytes of the given type. */
void ferry__trace_data(struct ferry_easy *e, ferry_infotype type,
                       const char *data, size_t len);

#endif

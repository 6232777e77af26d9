/* The easy handle's API façade (easy.c, options.c, getinfo.c): what those
 * files share besides the handle's fields (handle.h). */
#ifndef FERRY_EASY_H
#define FERRY_EASY_H

#include "ferry.h"
#include "handle.h"

void ferry__opts_defaults(ferry__opts *o);
void ferry__opts_free(ferry__opts *o);
ferry_code ferry__opts_copy(ferry__opts *dst, const ferry__opts *src);

/* Write the error text to the ERRORBUFFER and trace it. */
void ferry__easy_set_error(ferry_easy *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif

/* Error texts: the result codes' own (errors.c), and messages written into
 * a caller's buffer by the layers that report failures as text. */
#ifndef FERRY_ERRORS_H
#define FERRY_ERRORS_H

#include <stddef.h>

/* printf into errbuf (errlen bytes, always terminated); nothing when
 * errbuf is NULL or errlen 0. */
void ferry__errf(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif

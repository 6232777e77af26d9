/* The received-header store behind ferry_easy_header() and
 * ferry_easy_nextheader(): every header of every response a transfer
 * received (interim 1xx responses and redirect hops included), each with
 * its origin and the index of the request it answered (trailers too).
 *
 * Sans-IO: the store is fed the raw lines the HTTP/1 parser hands to the
 * transfer, one header section at a time (status line, header lines, blank
 * line), and keeps copies of the names and values. It allocates with
 * ferry__malloc() and frees everything in ferry__headers_clear(). An
 * all-zero ferry__headers is an empty store for request 0.
 */
#ifndef FERRY_HEADERS_H
#define FERRY_HEADERS_H

#include <stddef.h>

#include "ferry.h"
#include "h1.h"

/* The most a transfer's store may hold, all requests together: the bytes
 * of the names and values plus a fixed charge per header for its
 * bookkeeping (FERRY__HEADERS_ENTRY_CHARGE). libcurl bounds the response
 * headers of one transfer, redirects included, at 20 times its cap on one
 * response; this is the same multiple of ferry's cap on one response
 * (FERRY__H1_MAX_HEADERS). One response alone stays far below it. */
#define FERRY__HEADERS_MAX (20 * (size_t)FERRY__H1_MAX_HEADERS)
#define FERRY__HEADERS_ENTRY_CHARGE 64

/* Every FERRYH_* origin bit libcurl defines. */
#define FERRY__HEADERS_ORIGINS                                                 \
  (FERRYH_HEADER | FERRYH_TRAILER | FERRYH_CONNECT | FERRYH_1XX | FERRYH_PSEUDO)

typedef struct ferry__hentry ferry__hentry;
typedef struct ferry__hchunk ferry__hchunk;

typedef struct ferry__headers {
  ferry__hchunk *chunks;     /* the entries' memory, newest chunk first;
                                the oldest is kept across clears */
  ferry__hentry *first;      /* in the order received */
  ferry__hentry *last;
  ferry__hentry *section_last; /* last header of the section being fed */
  size_t charged;            /* counted against FERRY__HEADERS_MAX */
  int request;               /* index of the current request, from 0 */
  unsigned origin;           /* FERRYH_* bit of the section being fed */
  unsigned in_section : 1;   /* its status line was fed, its end not yet */
  /* What ferry_easy_header() (out[0]) and ferry_easy_nextheader()
   * (out[1]) returned last: each valid until the next call of the same
   * function, or until the store is cleared. Made at the first call: a
   * transfer whose headers nobody asks for does not carry them. */
  struct ferry_header *out;
} ferry__headers;

/* Forget every header and leave the store empty, for request 0. The
 * store's first chunk of memory is kept for the next transfer. */
void ferry__headers_clear(ferry__headers *h);
/* Free everything (the handle goes away). */
void ferry__headers_free(ferry__headers *h);

/* Feed one raw line with its line ending. The first line of a section is
 * the status line: it is not stored, and it decides the origin of the
 * section's headers (FERRYH_CONNECT with connect set, else FERRYH_1XX for
 * a 1xx status, else FERRYH_HEADER). A blank line ends the section, as
 * does any line that starts with CR or LF (the HTTP/1 parser's end). A
 * header line is stored as its name (up to the colon, as received) and its
 * value (without blanks at either end); a line starting with a blank
 * continues the previous header's value (obs-fold), joined with one space.
 * A line without a colon is ignored.
 *
 * Returns FERRYE_OK, FERRYE_OUT_OF_MEMORY, or FERRYE_TOO_LARGE when the
 * store would pass FERRY__HEADERS_MAX (the header is then not stored). */
ferry_code ferry__headers_line(ferry__headers *h, const char *line,
                               size_t len, int connect);

/* Feed one trailer line of the response (it comes after the body; with
 * or without its line ending): stored with origin FERRYH_TRAILER, blanks
 * before it skipped. As libcurl's store: FERRYE_BAD_FUNCTION_ARGUMENT for
 * a line without a colon, FERRYE_WEIRD_SERVER_REPLY for an empty one or
 * one with a NUL byte; else as ferry__headers_line. */
ferry_code ferry__headers_trailer_line(ferry__headers *h, const char *line,
                                       size_t len);

/* The transfer went on to its next request (a redirect hop): headers fed
 * from now on belong to request index + 1. */
void ferry__headers_next_request(ferry__headers *h);

/* ferry_easy_header() and ferry_easy_nextheader() on a store, for the
 * easy handle's functions and for tests. */
ferry_hcode ferry__headers_find(ferry__headers *h, const char *name,
                                size_t index, unsigned origin, int request,
                                struct ferry_header **hout);
struct ferry_header *ferry__headers_next(ferry__headers *h, unsigned origin,
                                         int request,
                                         const struct ferry_header *prev);

/* Call fn with the value of each header called name (any case) with an
 * origin in origin, of request `request` (-1: the latest), in the order
 * received. Reads the store only (what ferry_easy_header and
 * ferry_easy_nextheader returned stays valid). */
void ferry__headers_each(const ferry__headers *h, const char *name,
                         unsigned origin, int request,
                         void (*fn)(void *ud, const char *value), void *ud);

#endif

/* Partial and conditional requests (RFC 9110 sections 13 and 14), as
 * libcurl makes them:
 *
 *  - RANGE and RESUME_FROM ask for part of the document: "Range:
 *    bytes=..." on a GET or HEAD, "Content-Range: bytes .../<size>" on a
 *    POST or PUT. RESUME_FROM wins over RANGE. A GET that resumes checks
 *    the answer: a Content-Range starting at the offset is what was asked;
 *    a 416 is taken as "nothing more to get" (its body is dropped); a
 *    whole document as long as the offset means it was complete already
 *    (the transfer ends there, OK, with no body); anything else fails with
 *    FERRYE_RANGE_ERROR. A plain RANGE accepts whatever comes.
 *  - TIMECONDITION with TIMEVALUE sends If-Modified-Since,
 *    If-Unmodified-Since or Last-Modified with an RFC 9110 date. A 304
 *    answer, or (when no range was asked) a Last-Modified that does not
 *    meet the condition, sets CONDITION_UNMET; the latter ends the
 *    transfer after the header, OK, as if the server had said 304.
 *
 * A header of the same name in HTTPHEADER replaces ferry's own. No socket
 * or loop calls here: only the transfer's fields, and for a resumed upload
 * the application's read or seek callback. */
#ifndef FERRY_PARTIAL_H
#define FERRY_PARTIAL_H

#include "ferry.h"
#include "handle.h"

/* The current hop's request asks for these (e->body_len and e->is_head are
 * set): sets e->resume_from and e->range_asked, and gives the header
 * lines without line ending in *range_line and *cond_line (NULL when not
 * wanted; the caller frees them). FERRYE_OK or FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__partial_request(ferry_easy *e, char **range_line,
                                  char **cond_line);
/* Move a read-callback upload past the e->upload_skip bytes a resumed
 * upload leaves out: SEEKFUNCTION if it can, else by reading them and
 * dropping them. FERRYE_OK, or FERRYE_READ_ERROR with e->errtext set. */
ferry_code ferry__partial_skip_upload(ferry_easy *e);
/* One raw header line of a response, its status line included. Cheap for
 * lines that do not matter. */
void ferry__partial_header(ferry_easy *e, const char *line, size_t len);
/* The header section of a final response that is not a redirect being
 * followed has ended (e->content_length is set). Returns FERRYE_OK to go
 * on, with *stop set when the transfer ends here without the body (and
 * e->skip_body set when the body is to be read and dropped); or
 * FERRYE_RANGE_ERROR with the reason in e->errtext. */
ferry_code ferry__partial_check(ferry_easy *e, int status, int *stop);
/* Format t (seconds since 1970, UTC) as "Sun, 06 Nov 1994 08:49:37 GMT"
 * into out (at least 40 bytes). -1 if t is out of range. */
int ferry__partial_http_date(int64_t t, char *out, size_t n);

#endif

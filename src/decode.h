/* The content decoders, sans-IO: a chain of stages that turns a response
 * body encoded per Content-Encoding into plain bytes as the body arrives.
 * Nothing here calls libuv or the socket API.
 *
 * Supported codings: gzip (and its alias x-gzip), deflate (zlib-wrapped as
 * RFC 9110 says, or raw RFC 1951 as some servers send it), identity (no
 * stage). Anything else is refused when the chain is built. A gzip body
 * made of several members one after another (RFC 1952 section 2.2, what
 * `cat a.gz b.gz` gives) decodes to all of them in order, as gzip(1) does;
 * anything after a member that is not a whole valid member is an error.
 * A deflate stream must be the whole body: bytes after its end are an error.
 *
 * Memory is bounded whatever the encoded or decoded size: each stage holds
 * zlib's state (about 7 KiB), a 32 KiB window and a FERRY_MAX_WRITE_SIZE
 * output buffer, allocated once, and at most FERRY__DECODE_MAX_STACK stages
 * exist. Decoded bytes are never accumulated; they go to the output
 * callback as each buffer fills.
 */
#ifndef FERRY_DECODE_H
#define FERRY_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "ferry.h"

/* The most decoding stages one response may stack. A longer list is
 * refused (curl's CVE-2022-32206 was an unbounded chain). identity does not
 * count: it makes no stage. */
#define FERRY__DECODE_MAX_STACK 5

/* A chain of decoding stages, applied in reverse order of the header list. */
typedef struct ferry__decoder ferry__decoder;

/* Output callback: p[0..n) is borrowed until it returns, n is never 0 and
 * never more than FERRY_MAX_WRITE_SIZE. Return 0 to go on; anything else
 * stops decoding and is returned (as a ferry_code) by the call that fed.
 * It must not feed, finish or free the decoder that called it. */
typedef int (*ferry__decoder_out)(void *ud, const char *p, size_t n);

/* Build a chain from a Content-Encoding value such as "gzip",
 * "gzip, deflate" or "identity". Names are case-insensitive, list elements
 * are separated by commas with optional spaces/tabs, and empty elements are
 * skipped. NULL or "" (or only identity) gives an empty chain that passes
 * bytes through unchanged. "gzip, deflate" means deflate was applied last,
 * so it is decoded first.
 *
 * Returns FERRYE_OK and sets *out (free it with ferry__decoder_free);
 * FERRYE_BAD_CONTENT_ENCODING for a coding ferry cannot decode or more than
 * FERRY__DECODE_MAX_STACK stages; FERRYE_OUT_OF_MEMORY; FERRYE_FAILED_INIT
 * if the zlib linked in refuses to start (a version mismatch). On failure
 * *out is NULL and, if errbuf is not NULL, errbuf[0..errlen) gets a
 * NUL-terminated explanation. content_encoding is only read during the
 * call. */
ferry_code ferry__decoder_new(ferry__decoder **out, const char *content_encoding,
                              char *errbuf, size_t errlen);
/* Does the Content-Encoding list name a coding ferry cannot decode, in
 * no more than FERRY__DECODE_MAX_STACK stages? ferry__decoder_new refuses
 * it; libcurl refuses it only when the body's first byte comes (too many
 * stages it refuses at once), and the transfer does the same. */
int ferry__decoder_unknown(const char *content_encoding);
/* Free a chain and everything it holds. NULL is allowed. */
void ferry__decoder_free(ferry__decoder *d);

/* Feed the next n encoded bytes of the body (p is only read during the
 * call; n may be 0). Decoded bytes are handed to out(ud, ...) before this
 * returns, in pieces of at most FERRY_MAX_WRITE_SIZE.
 *
 * max_decoded > 0 caps the decoded total (FERRYOPT_MAXFILESIZE): a piece
 * that would take the total past it is not delivered, and the call fails
 * with FERRYE_FILESIZE_EXCEEDED. So what out() has seen is always a prefix
 * of the decoded body no longer than max_decoded.
 *
 * Bytes decoded before a stream turns out to be corrupt are delivered
 * before the error is returned. What out() receives in total (bytes and
 * result) does not depend on how the body was split into feeds, except
 * where the cap cuts it: the pieces are cut at different places.
 *
 * Returns FERRYE_OK; FERRYE_BAD_CONTENT_ENCODING for a corrupt stream (bad
 * header, bad deflate data, gzip CRC or length mismatch, bytes after the
 * end of a stream that are not another gzip member); FERRYE_OUT_OF_MEMORY;
 * FERRYE_FILESIZE_EXCEEDED; or out()'s non-zero return. Every error is
 * sticky: later feed and finish calls return it again and call nothing.
 * ferry__decoder_errmsg() has the text. */
ferry_code ferry__decoder_feed(ferry__decoder *d, const char *p, size_t n,
                               ferry__decoder_out out, void *ud,
                               int64_t max_decoded);

/* The body ended. Returns FERRYE_OK when every stage's stream ended
 * properly (a stage that received no bytes at all counts as an empty body
 * and is fine, as servers send empty bodies with Content-Encoding: gzip);
 * FERRYE_BAD_CONTENT_ENCODING for a truncated stream; or the sticky error
 * of an earlier call. Pass the same out and ud as to feed: finish may hand
 * out bytes a stage still holds (with zlib's streaming none are held
 * today, as feed passes on everything zlib can produce). */
ferry_code ferry__decoder_finish(ferry__decoder *d, ferry__decoder_out out,
                                 void *ud);

/* Text for the last error of feed or finish ("" if none). Owned by d. */
const char *ferry__decoder_errmsg(const ferry__decoder *d);

/* Bytes handed to out() so far. */
int64_t ferry__decoder_decoded_total(const ferry__decoder *d);

/* Number of decoding stages in the chain (0 for pass-through). */
size_t ferry__decoder_stages(const ferry__decoder *d);

/* The Accept-Encoding value that FERRYOPT_ACCEPT_ENCODING "" stands for:
 * every coding ferry decodes. A static string. */
const char *ferry__decoder_all(void);

#endif

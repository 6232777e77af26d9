/* HTTP Strict Transport Security (RFC 6797): a store of known HSTS hosts.
 *
 * The store takes Strict-Transport-Security header values received over
 * HTTPS (ferry__hsts_header), says whether an http:// URL to a host must
 * go to https:// instead (ferry__hsts_known), and speaks libcurl's HSTS
 * file format, line by line (ferry__hsts_add_line) and for whole files
 * (ferry__hsts_load, ferry__hsts_save), and libcurl's HSTS read and write
 * callbacks (ferry__hsts_read_callback, ferry__hsts_write_callback).
 *
 * Nothing here touches a socket or libuv; the only I/O is the stdio of the
 * two file functions. Time comes from a clock the caller can replace, so
 * expiry is tested without waiting. Every string is allocated with
 * ferry__malloc and owned by the store.
 *
 * The file format, as libcurl writes it: comment lines start with '#';
 * every other line is `host "YYYYMMDD HH:MM:SS"`, the expiry in UTC, or
 * `host "unlimited"`; a host written with a leading '.' holds for its
 * subdomains too (includeSubDomains). Reading is as lenient as libcurl's:
 * blanks before the host and between the fields may be spaces or tabs, the
 * closing quote may be missing, what follows it is ignored, a trailing
 * '.' of the host is dropped, and the expiry may also be any date a
 * cookie's Expires may be (RFC 6265). Malformed lines, and lines naming an
 * IP address, are skipped.
 *
 * A store is an object of its own so that several easy handles can point
 * at one (a share's, share.h). Every access goes through the functions
 * below that take a ferry__hsts: a lock around each call is all that
 * sharing a store between threads needs (nothing returned points into the
 * store, except ferry__hsts_find's entry, which is for tests). Callers
 * take the lock around the other calls; the two callback functions, which
 * call the application, take it themselves (their lock argument) around
 * the store's work only. A store is used by one thread at a time.
 */
#ifndef FERRY_HSTS_H
#define FERRY_HSTS_H

#include <stddef.h>
#include <stdint.h>

#include "ferry.h"
#include "lock.h"

/* Caps. */
#define FERRY__HSTS_MAX_ENTRIES 1000 /* hosts in a store; a new one past it
                                        pushes out the one that expires
                                        first (expired ones go first) */
#define FERRY__HSTS_MAX_HOST 256     /* bytes of a host name, as libcurl's
                                        read callback buffer allows */
#define FERRY__HSTS_MAX_LINE 4096    /* a file line; longer lines are
                                        skipped */

/* The expiry of an entry that never expires ("unlimited" in the file, an
 * empty expire from the read callback, or a max-age past 9999-12-31). */
#define FERRY__HSTS_UNLIMITED INT64_MAX
/* 9999-12-31 23:59:59 UTC: the last expiry the file format can write. */
#define FERRY__HSTS_LAST_DATE 253402300799LL

/* The current time in seconds since the epoch. */
typedef int64_t (*ferry__hsts_clock)(void *ud);

typedef struct ferry__hsts_entry {
  char *host;        /* as received: no leading or trailing '.'; compared
                        without regard to ASCII case */
  int64_t expires;   /* seconds since the epoch, or FERRY__HSTS_UNLIMITED */
  unsigned subdomains : 1; /* includeSubDomains */
} ferry__hsts_entry;

typedef struct ferry__hsts ferry__hsts;

/* What became of a policy offered to the store. */
typedef enum {
  FERRY__HSTS_STORED,   /* added, or an entry for the host updated */
  FERRY__HSTS_REMOVED,  /* max-age=0: the host's entry (if any) removed */
  FERRY__HSTS_SKIPPED,  /* malformed, expired, an IP address, or a comment;
                           *why (where asked for) says which */
  FERRY__HSTS_NOMEM
} ferry__hsts_result;

/* ---- the store --------------------------------------------------------
 * Each of these is one access to the store. */

/* A new empty store on the system clock, or NULL when out of memory. */
ferry__hsts *ferry__hsts_new(void);
/* Free the store and every entry. NULL is a no-op. */
void ferry__hsts_free(ferry__hsts *h);
/* Replace the clock (tests); NULL restores the system clock. */
void ferry__hsts_set_clock(ferry__hsts *h, ferry__hsts_clock clock, void *ud);
/* The number of entries in force (expired ones are removed first). */
size_t ferry__hsts_count(ferry__hsts *h);

/* Take one Strict-Transport-Security header value (len bytes; blanks and
 * a line ending around it are ignored) received over HTTPS, with a
 * certificate that was verified, from host (as the URL has it). The
 * caller checks the transport; this refuses an IP address host (an IPv4
 * dotted quad or anything with a ':'). A valid header notes the host, or
 * updates its entry (expiry and includeSubDomains both replaced, the
 * entry keeping its place); max-age=0 removes the host's own entry. An
 * invalid header (ferry__hsts_parse) changes nothing: SKIPPED, with *why
 * (optional) set to a static text. */
ferry__hsts_result ferry__hsts_header(ferry__hsts *h, const char *host,
                                      const char *value, size_t len,
                                      const char **why);

/* Must an http:// URL to host go to https://? 1 when an entry in force
 * names host itself, or a parent domain of host with includeSubDomains;
 * else 0. Names compare without regard to ASCII case and to one trailing
 * '.'. An IP address is never known. Expired entries met on the way are
 * removed. */
int ferry__hsts_known(ferry__hsts *h, const char *host);

/* Add a known host from a file or the read callback: host (hostlen bytes;
 * a leading '.' is the same as subdomains, one trailing '.' is dropped),
 * expiring at expires (seconds since the epoch, or FERRY__HSTS_UNLIMITED).
 * An entry already there for the same host keeps its place and its
 * includeSubDomains, and takes the later of the two expiries. SKIPPED for
 * an empty or overlong host, a host with a blank, a control byte or a
 * '"', an IP address, or an expiry that has passed. */
ferry__hsts_result ferry__hsts_add(ferry__hsts *h, const char *host,
                                   size_t hostlen, int subdomains,
                                   int64_t expires, const char **why);

/* Take one line of an HSTS file (len bytes; a line ending is ignored).
 * Comments and blank lines are SKIPPED with *why NULL. */
ferry__hsts_result ferry__hsts_add_line(ferry__hsts *h, const char *line,
                                        size_t len, const char **why);

/* Read an HSTS file into the store, skipping the lines
 * ferry__hsts_add_line skips and lines longer than FERRY__HSTS_MAX_LINE.
 * Returns FERRYE_OK, FERRYE_READ_ERROR when the file cannot be opened or
 * read (the entries read before a read error are kept),
 * FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__hsts_load(ferry__hsts *h, const char *filename);

/* The whole file ferry__hsts_save writes: two comment lines, then one line
 * per entry in force, in the store's order (the order hosts were first
 * noted). A new NUL-terminated string the caller frees with ferry__free,
 * its length in *len (optional); NULL when out of memory. */
char *ferry__hsts_text(ferry__hsts *h, size_t *len);

/* Write the store to an HSTS file. The file is written under a temporary
 * name and renamed over filename, so a reader never sees half a file.
 * Returns FERRYE_OK, FERRYE_WRITE_ERROR, FERRYE_OUT_OF_MEMORY. */
ferry_code ferry__hsts_save(ferry__hsts *h, const char *filename);

/* Fill the store from a FERRYOPT_HSTSREADFUNCTION callback: call fn(easy,
 * entry, userp) until it returns FERRYSTS_DONE or FERRYSTS_FAIL. Each
 * call gets a fresh entry: name points to a zeroed buffer of
 * FERRY__HSTS_MAX_HOST + 1 bytes with namelen FERRY__HSTS_MAX_HOST,
 * includeSubDomains 0 and expire empty. An entry with FERRYSTS_OK goes
 * through ferry__hsts_add (an empty expire: it never expires; an expire
 * that is no date: the entry is skipped). *in_callback (when not NULL) is
 * raised around each call. Returns FERRYE_OK; FERRYE_ABORTED_BY_CALLBACK
 * for FERRYSTS_FAIL or any other value (the entries before it are kept);
 * FERRYE_BAD_FUNCTION_ARGUMENT for an entry with an empty name, as
 * libcurl; FERRYE_OUT_OF_MEMORY. lock (NULL: none) is taken, SINGLE,
 * around each addition, never around a call of fn. */
ferry_code ferry__hsts_read_callback(ferry__hsts *h,
                                     ferry_hstsread_callback fn,
                                     ferry_easy *easy, void *userp,
                                     int *in_callback, const ferry__lock *lock);

/* Hand every entry in force to a FERRYOPT_HSTSWRITEFUNCTION callback, in
 * the store's order, with its index (from 0) and the total, until it
 * returns anything but FERRYSTS_OK. The entry's name and expire
 * ("YYYYMMDD HH:MM:SS" or "unlimited") are valid during the call only.
 * *in_callback as above. The entries are copied first, under lock (NULL:
 * none; SINGLE, since expired entries are dropped), and fn is called
 * without it. Returns FERRYE_OK, FERRYE_OUT_OF_MEMORY (fn not called). */
ferry_code ferry__hsts_write_callback(ferry__hsts *h,
                                      ferry_hstswrite_callback fn,
                                      ferry_easy *easy, void *userp,
                                      int *in_callback,
                                      const ferry__lock *lock);

/* The entry for exactly host (no parent), or NULL; expired ones too.
 * Borrowed until the store changes. For tests. */
const ferry__hsts_entry *ferry__hsts_find(ferry__hsts *h, const char *host);

/* ---- the pieces, exposed for tests and the fuzzer ------------------- */

/* Parse a Strict-Transport-Security header value (RFC 6797 section 6.1):
 * directives separated by ';' (empty ones allowed), each a token with an
 * optional "=" and a token or quoted-string value, blanks around them;
 * names are case-insensitive. max-age (delta-seconds, quoted or not) is
 * required; includeSubDomains takes no value; unknown directives are
 * ignored; a directive given twice, or anything that is not of this
 * syntax, makes the whole header invalid. Returns 0 with *max_age (capped
 * at INT64_MAX) and *subdomains set, or -1 with *why (optional) set to a
 * static text. */
int ferry__hsts_parse(const char *value, size_t len, int64_t *max_age,
                      int *subdomains, const char **why);

/* Parse an expiry as the file has it (without the quotes): "unlimited",
 * "YYYYMMDD HH:MM:SS" (UTC; a second of 60 and the like roll over, as
 * libcurl's do), or a cookie date (RFC 6265 section 5.1.1). 0 with *t
 * set, or -1. */
int ferry__hsts_parse_expiry(const char *s, size_t len, int64_t *t);

/* Write an expiry as "YYYYMMDD HH:MM:SS" or "unlimited" into out. */
void ferry__hsts_format_expiry(int64_t t, char out[18]);

#endif

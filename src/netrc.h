/* The .netrc file format: which login and password a file gives a host.
 *
 * Sans-IO: the caller reads the file (at most FERRY__NETRC_MAX_FILE
 * bytes) and hands over its text; nothing here touches a file, a socket
 * or libuv.
 *
 * The format, as libcurl reads it (CURLOPT_NETRC):
 *  - tokens are separated by blanks (space, tab, CR, LF); a line whose
 *    first non-blank byte is '#' is a comment;
 *  - a token that starts with '"' is a quoted string up to the next '"',
 *    in which \n, \r and \t stand for those bytes and a backslash before
 *    any other byte for that byte (so \" and \\); it may hold blanks;
 *  - keywords, in any case: "machine NAME" and "default" start an entry
 *    (default matches every host); "login NAME" and "password SECRET"
 *    belong to the entry before them; "macdef NAME" starts a macro, which
 *    runs to the next empty (or blank) line and is skipped; "account X"
 *    is skipped with its value; other tokens are ignored.
 *
 * Which entry a lookup takes: the first, in file order, that matches the
 * host (names compared without regard to case; "default" matches any)
 * and has credentials. Without a login asked for, an entry with a login
 * or a password has credentials: its login ("" when it has none) and its
 * password ("" when it has none). With a login asked for (the URL's user
 * name), only an entry with that same login counts, and gives its
 * password ("" when none). Within an entry, a later login or password
 * replaces an earlier one.
 *
 * Where this differs from libcurl 8.17: libcurl can hand a login asked for
 * the password that belongs to another login of the same host (or of
 * "default"), and gives an empty login and password when an entry with a
 * login but no password is followed by another machine; ferry does
 * neither.
 *
 * Reentrant; keeps no state between calls.
 */
#ifndef FERRY_NETRC_H
#define FERRY_NETRC_H

#include <stddef.h>

/* The largest file, and the longest token, ferry reads (libcurl's caps). */
#define FERRY__NETRC_MAX_FILE (128 * 1024)
#define FERRY__NETRC_MAX_TOKEN 4096

typedef enum {
  FERRY__NETRC_FOUND,    /* *login_out and *password_out are set */
  FERRY__NETRC_NO_MATCH, /* no entry for the host (and login) */
  FERRY__NETRC_SYNTAX,   /* a quoted string without its end, or a token
                            longer than FERRY__NETRC_MAX_TOKEN, before
                            the entry that would be taken (the text is
                            read only that far, as libcurl reads it);
                            nothing is taken from the file then */
  FERRY__NETRC_NOMEM
} ferry__netrc_result;

/* Look host (not NULL) up in the netrc text (len bytes; it need not end
 * with a NUL and may hold NUL bytes, which end a token), for login when
 * it is not NULL. On FERRY__NETRC_FOUND, *login_out and *password_out are
 * new strings (allocated with ferry__malloc) the caller frees; otherwise
 * both are NULL. */
ferry__netrc_result ferry__netrc_find(const char *text, size_t len,
                                      const char *host, const char *login,
                                      char **login_out, char **password_out);

#endif

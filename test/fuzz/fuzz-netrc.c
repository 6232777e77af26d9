/* libFuzzer target: the .netrc parser (netrc.h). The input is
 * "host\nlogin\ntext": the first line is the host looked up, the second
 * the login asked for ("" for none), the rest the file's text.
 *
 * What it checks besides memory safety: a found login is the one asked
 * for; and what a lookup without a login finds, a lookup for that login
 * finds again (the first entry with that login is the one found). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "netrc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *buf = malloc(size + 1), *host, *login, *text, *nl;
  char *l = NULL, *p = NULL, *l2 = NULL, *p2 = NULL;
  ferry__netrc_result r;

  if (buf == NULL)
    return 0;
  memcpy(buf, data, size);
  buf[size] = '\0';
  host = buf;
  nl = memchr(host, '\n', size);
  if (nl == NULL)
    goto done;
  *nl = '\0';
  login = nl + 1;
  nl = memchr(login, '\n', size - (size_t)(login - buf));
  if (nl == NULL)
    goto done;
  *nl = '\0';
  text = nl + 1;
  r = ferry__netrc_find(text, size - (size_t)(text - buf), host,
                        *login ? login : NULL, &l, &p);
  if (r == FERRY__NETRC_FOUND) {
    if (l == NULL || p == NULL || (*login && strcmp(l, login) != 0))
      __builtin_trap();
    if (!*login && *l &&
        ferry__netrc_find(text, size - (size_t)(text - buf), host, l, &l2,
                          &p2) == FERRY__NETRC_FOUND &&
        strcmp(p, p2) != 0)
      __builtin_trap();
  } else if (l != NULL || p != NULL) {
    __builtin_trap();
  }
  ferry__free(l);
  ferry__free(p);
  ferry__free(l2);
  ferry__free(p2);
done:
  free(buf);
  return 0;
}

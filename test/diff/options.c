/* options.c - the option introspection API: every option by
 * curl_easy_option_next (name, id, type, alias flag), and lookups by name
 * and by id. No server.
 *
 * Usage: diff-options
 * The walk's order is not part of the API: the test sorts the lines.
 */
#include <stdio.h>

#include "dp.h"

/* An option: its name, id, type and whether it is an alias (the one flag
 * libcurl documents); other flag bits on a line of their own. */
static void print_option(const char *key, const struct curl_easyoption *o) {
  if (o == NULL) {
    printf("%s: NULL\n", key);
    return;
  }
  printf("%s: %s id=%d type=%d alias=%s\n", key, o->name, (int)o->id,
         (int)o->type, (o->flags & CURLOT_FLAG_ALIAS) ? "yes" : "no");
  if (o->flags & ~(unsigned int)CURLOT_FLAG_ALIAS)
    printf("option_extra_flags.%s: 0x%x\n", o->name,
           o->flags & ~(unsigned int)CURLOT_FLAG_ALIAS);
}

int main(void) {
  static const char *const names[] = {
      "URL", "url", "Url", "POSTFIELDS", "WRITEFUNCTION", "POST301",
      "ENCODING", "ACCEPT_ENCODING", "NOPE", "", "CURLOPT_URL",
      "XFERINFODATA", "PROGRESSDATA", "RTSPHEADER", "SSLKEYPASSWD",
  };
  static const int ids[] = {10002, 20011, 52, 161, 0, 99999, 10102, 40053};
  const struct curl_easyoption *o = NULL;
  unsigned count = 0;

  dp_start();
  while ((o = curl_easy_option_next(o)) != NULL) {
    char key[80];
    snprintf(key, sizeof(key), "option.%s", o->name);
    print_option(key, o);
    count++;
  }
  printf("options.count: %u\n", count);
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    char key[80];
    snprintf(key, sizeof(key), "by_name.%s", names[i]);
    print_option(key, curl_easy_option_by_name(names[i]));
  }
  for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
    char key[80];
    snprintf(key, sizeof(key), "by_id.%d", ids[i]);
    print_option(key, curl_easy_option_by_id((CURLoption)ids[i]));
  }
  return dp_finish();
}

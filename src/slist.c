/* String lists (ferry_slist), laid out like libcurl's curl_slist. */
#include "ferry.h"
#include "alloc.h"

ferry_slist *ferry_slist_append(ferry_slist *list, const char *s) {
  ferry_slist *item, *last;

  if (s == NULL)
    return NULL;
  item = ferry__malloc(sizeof(*item));
  if (item == NULL)
    return NULL;
  item->data = ferry__strdup(s);
  if (item->data == NULL) {
    ferry__free(item);
    return NULL;
  }
  item->next = NULL;
  if (list == NULL)
    return item;
  for (last = list; last->next != NULL; last = last->next)
    ;
  last->next = item;
  return list;
}

void ferry_slist_free_all(ferry_slist *list) {
  while (list != NULL) {
    ferry_slist *next = list->next;
    ferry__free(list->data);
    ferry__free(list);
    list = next;
  }
}

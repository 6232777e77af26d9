/* A tiny intrusive circular doubly-linked list. A node that is not on any
 * list points at itself, so unlinking twice is harmless. */
#ifndef FERRY_LIST_H
#define FERRY_LIST_H

#include <stddef.h>

typedef struct ferry__list {
  struct ferry__list *next, *prev;
} ferry__list;

#define FERRY__CONTAINER_OF(ptr, type, member)                                 \
  ((type *)((char *)(ptr)-offsetof(type, member)))

static inline void ferry__list_init(ferry__list *l) { l->next = l->prev = l; }
static inline int ferry__list_empty(const ferry__list *l) { return l->next == l; }

static inline void ferry__list_insert_tail(ferry__list *head, ferry__list *n) {
  n->prev = head->prev;
  n->next = head;
  head->prev->next = n;
  head->prev = n;
}

static inline void ferry__list_insert_head(ferry__list *head, ferry__list *n) {
  n->next = head->next;
  n->prev = head;
  head->next->prev = n;
  head->next = n;
}

static inline void ferry__list_remove(ferry__list *n) {
  n->prev->next = n->next;
  n->next->prev = n->prev;
  n->next = n->prev = n;
}

static inline int ferry__list_linked(const ferry__list *n) { return n->next != n; }

#define FERRY__LIST_FOREACH_SAFE(pos, tmp, head)                               \
  for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head);             \
       (pos) = (tmp), (tmp) = (pos)->next)

#endif

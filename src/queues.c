/* The multi's queues and timer heap, as a transfer uses them (see
 * queues.h). */
#include <assert.h>
#include <stdint.h>

#include "conn.h"
#include "handle.h"
#include "multidef.h"
#include "queues.h"

/* ---- timer heap ------------------------------------------------------- */

static int heap_less(ferry_easy *a, ferry_easy *b) {
  return a->deadline_ms < b->deadline_ms;
}

static void heap_swap(ferry_multi *m, size_t i, size_t j) {
  ferry_easy *t = m->heap[i];
  m->heap[i] = m->heap[j];
  m->heap[j] = t;
  m->heap[i]->heap_idx = i;
  m->heap[j]->heap_idx = j;
}

static void heap_up(ferry_multi *m, size_t i) {
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!heap_less(m->heap[i], m->heap[parent]))
      break;
    heap_swap(m, i, parent);
    i = parent;
  }
}

static void heap_down(ferry_multi *m, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, min = i;
    if (l < m->heap_len && heap_less(m->heap[l], m->heap[min]))
      min = l;
    if (r < m->heap_len && heap_less(m->heap[r], m->heap[min]))
      min = r;
    if (min == i)
      break;
    heap_swap(m, i, min);
    i = min;
  }
}

static void heap_remove(ferry_multi *m, ferry_easy *e) {
  size_t i = e->heap_idx;
  if (i == SIZE_MAX)
    return;
  e->heap_idx = SIZE_MAX;
  m->heap_len--;
  if (i == m->heap_len)
    return;
  m->heap[i] = m->heap[m->heap_len];
  m->heap[i]->heap_idx = i;
  heap_up(m, i);
  heap_down(m, i);
}

void ferry__queues_set_deadline(ferry_multi *m, ferry_easy *e,
                                uint64_t due_ms) {
  if (m == NULL)
    return;
  if (due_ms == 0) {
    heap_remove(m, e);
    e->deadline_ms = 0;
    return;
  }
  if (e->heap_idx != SIZE_MAX) {
    if (e->deadline_ms == due_ms)
      return;
    e->deadline_ms = due_ms;
    heap_up(m, e->heap_idx);
    heap_down(m, e->heap_idx);
    return;
  }
  /* add_handle made room for every added handle */
  assert(m->heap_len < m->heap_cap);
  e->deadline_ms = due_ms;
  e->heap_idx = m->heap_len;
  m->heap[m->heap_len++] = e;
  heap_up(m, e->heap_idx);
}

/* ---- queues ----------------------------------------------------------- */

void ferry__queues_run_soon(ferry_multi *m, ferry_easy *e) {
  ferry__list_remove(&e->queue_node);
  ferry__list_insert_tail(&m->soon, &e->queue_node);
}

void ferry__queues_post_done(ferry_multi *m, ferry_easy *e) {
  e->msg.msg = FERRYMSG_DONE;
  e->msg.easy_handle = e;
  e->msg.data.result = e->result;
  ferry__list_insert_tail(&m->msgs, &e->msg_node);
  m->num_msgs++;
  if (e->set.donefn)
    ferry__list_insert_tail(&m->done_calls, &e->done_node);
  m->num_alive--;
  if (m->notifyfn != NULL) {
    if (m->notify_enabled & (1u << FERRYMNOTIFY_EASY_DONE))
      ferry__list_insert_tail(&m->notify_done, &e->notify_node);
    /* INFO_READ when the queue was empty: the callback reads them all */
    if ((m->notify_enabled & (1u << FERRYMNOTIFY_INFO_READ)) &&
        m->num_msgs == 1)
      m->notify_info = 1;
  }
  m->progress++;
}

void ferry__queues_wake_pending(ferry_multi *m) {
  ferry__list *it, *tmp;
  if (m->closing)
    return;
  /* every transfer an HTTP/2 connection has room for, and the first one a
   * freed connection slot lets go (first come, first served) */
  FERRY__LIST_FOREACH_SAFE(it, tmp, &m->pending) {
    ferry_easy *e = FERRY__CONTAINER_OF(it, ferry_easy, queue_node);
    ferry__bundle *b = ferry__pool_bundle(&m->pool, e->conn_key, 0);
    if (b != NULL && ferry__pool_mux_room(b)) {
      ferry__queues_run_soon(m, e);
      continue;
    }
    if (b != NULL && b->n_connecting_mux > 0 && (e->set.pipewait || b->mux_seen))
      continue; /* it waits for that connection */
    if (b == NULL || !ferry__list_empty(&b->idle) ||
        ferry__pool_may_open(&m->pool, b)) {
      ferry__queues_run_soon(m, e);
      return;
    }
  }
}

void ferry__queues_add_pending(ferry_multi *m, ferry_easy *e) {
  ferry__list *it;
  /* highest PRIORITY first; first come, first served among equals */
  ferry__list_remove(&e->queue_node);
  for (it = m->pending.prev; it != &m->pending; it = it->prev) {
    ferry_easy *o = FERRY__CONTAINER_OF(it, ferry_easy, queue_node);
    if (o->set.priority >= e->set.priority)
      break;
  }
  ferry__list_insert_head(it, &e->queue_node);
}

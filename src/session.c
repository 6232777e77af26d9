/* Streams and the choice of a session (see session.h). */
#include <string.h>

#include "alloc.h"
#include "session.h"

void ferry__stream_init(ferry__stream *st, const ferry__stream_hooks *hooks,
                        void *ud, char *errbuf, size_t errlen) {
  memset(st, 0, sizeof(*st));
  st->hooks = hooks;
  st->ud = ud;
  st->errbuf = errbuf;
  st->errlen = errlen;
  st->body_len = -1;
  ferry__buf_init(&st->head, SIZE_MAX / 2);
}

void ferry__stream_free(ferry__stream *st) {
  ferry__buf_free(&st->head);
  st->head_sent = 0;
}

void ferry__stream_reset(ferry__stream *st) {
  const ferry__stream_hooks *hooks = st->hooks;
  void *ud = st->ud;
  char *errbuf = st->errbuf;
  size_t errlen = st->errlen;
  ferry__stream_free(st);
  ferry__stream_init(st, hooks, ud, errbuf, errlen);
}

static void session_free(ferry__session *s) { s->ops->destroy(s); }

ferry__session *ferry__session_of(ferry__conn *c) {
  if (c->session == NULL) {
    c->session = ferry__h1_session_new(c);
    c->session_free = session_free;
  }
  return c->session;
}

ferry_code ferry__stream_open(ferry__session *s, ferry__stream *st) {
  return s->ops->open(s, st);
}

void ferry__stream_resume(ferry__stream *st, int expect_timeout) {
  if (st->session != NULL)
    st->session->ops->resume(st->session, st, expect_timeout);
}

void ferry__stream_pause(ferry__stream *st, int send, int paused) {
  if (st->session != NULL)
    st->session->ops->pause(st->session, st, send, paused);
}

void ferry__stream_close(ferry__stream *st, int how) {
  if (st->session != NULL)
    st->session->ops->close(st->session, st, how);
}

/* Streams and the choice of a session (see session.h). */
#include <string.h>

#include <stdio.h>

#include "alloc.h"
#include "clock.h"
#include "session.h"
#include "tls.h"

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

/* RFC 9113 section 9.2.2: HTTP/2 over TLS 1.2 needs an ephemeral key
 * exchange and an AEAD cipher. */
static int suite_fits_h2(const char *suite) {
  return suite != NULL && (strstr(suite, "ECDHE") || strstr(suite, "DHE")) &&
         (strstr(suite, "GCM") || strstr(suite, "CCM") ||
          strstr(suite, "CHACHA20-POLY1305"));
}

ferry_code ferry__session_of(ferry__conn *c, const ferry__session_config *cfg,
                             ferry__session **out, char *errbuf,
                             size_t errlen) {
  ferry__tls *t;
  int h2;

  *out = c->session;
  if (c->session != NULL)
    return FERRYE_OK;
  t = ferry__conn_tls(c);
  if (t != NULL) {
    const char *alpn = ferry__tls_alpn(t);
    h2 = cfg->h2_allowed && alpn != NULL && strcmp(alpn, "h2") == 0;
    if (h2 && !suite_fits_h2(ferry__tls_cipher(t))) {
      snprintf(errbuf, errlen,
               "the TLS suite %s is not allowed for HTTP/2 (RFC 9113 9.2)",
               ferry__tls_cipher(t));
      return FERRYE_HTTP2;
    }
  } else {
    h2 = cfg->h2_prior_knowledge;
  }
  c->session = h2 ? ferry__h2_session_new(c, cfg->max_streams, cfg->push_enabled)
                  : ferry__h1_session_new(c, cfg);
  if (c->session == NULL)
    return FERRYE_OUT_OF_MEMORY;
  c->session_free = session_free;
  *out = c->session;
  return FERRYE_OK;
}

int ferry__session_multiplexes(const ferry__session *s) {
  return s->conn->max_streams > 1 || strcmp(s->ops->name, "h2") == 0;
}

int ferry__session_usable(ferry__session *s) {
  return s->ops->usable(s);
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

void ferry__sessions_upkeep(ferry__pool *pool, long interval_ms) {
  ferry__list *it, *tmp;
  uint64_t now = ferry__now_ms();
  /* a session's upkeep may find its connection finished and free it */
  FERRY__LIST_FOREACH_SAFE(it, tmp, &pool->idle_lru) {
    ferry__conn *c = FERRY__CONTAINER_OF(it, ferry__conn, lru_node);
    if (c->session != NULL && c->session->ops->upkeep != NULL)
      c->session->ops->upkeep(c->session, now, interval_ms);
  }
}

void ferry__stream_close(ferry__stream *st, int how) {
  if (st->session != NULL)
    st->session->ops->close(st->session, st, how);
}

/* The CONNECT tunnel filter: asks an HTTP proxy to open a TCP tunnel to
 * the origin, and once it says 2xx passes bytes through unchanged. The
 * proxy's answer is parsed with the HTTP/1 codec (h1.c) as a response to
 * a HEAD: whatever it says, it has no body. Its lines and status go to the
 * connection's owner, which shows them as libcurl does (HEADERFUNCTION,
 * HTTP_CONNECTCODE). */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "alloc.h"
#include "buf.h"
#include "cf.h"
#include "conn.h"
#include "h1.h"

typedef struct cf_tunnel {
  ferry__cf cf;
  ferry__buf req;           /* the CONNECT request */
  size_t sent;
  ferry__h1_parser parser;
  int status;
  ferry_code hook_err;      /* an owner hook refused a line */
  char errtext[FERRY_ERROR_SIZE];
} cf_tunnel;

static ferry_code on_line(void *ud, const char *line, size_t len) {
  cf_tunnel *t = ud;
  ferry__conn *c = t->cf.conn;
  ferry_code rc = FERRYE_OK;
  if (c->hooks->tunnel_header != NULL)
    rc = c->hooks->tunnel_header(c->ud, line, len);
  return rc;
}

static int on_done(void *ud, int status, int major, int minor, int interim) {
  cf_tunnel *t = ud;
  ferry__conn *c = t->cf.conn;
  (void)major;
  (void)minor;
  if (interim)
    return FERRY__H1_BODY; /* a 1xx before the answer: wait on */
  t->status = status;
  if (c->hooks->tunnel_status != NULL)
    c->hooks->tunnel_status(c->ud, status);
  if (status / 100 != 2) {
    snprintf(t->errtext, sizeof(t->errtext),
             "CONNECT tunnel failed, response %d", status);
    ferry__h1_fail(&t->parser, FERRYE_COULDNT_CONNECT, t->errtext);
    return -1;
  }
  return FERRY__H1_NOBODY;
}

static int on_body(void *ud, const char *p, size_t n) {
  (void)ud;
  (void)p;
  (void)n;
  return 0;
}

static const ferry__h1_callbacks tunnel_callbacks = {
    .on_header_line = on_line, .on_headers_done = on_done, .on_body = on_body};

/* The parser's error as the connect error. */
static ferry_code parser_failed(cf_tunnel *t, ferry_code rc, ferry__ioerr *err) {
  if (t->parser.errmsg != NULL)
    ferry__ioerr_set(err, rc, 0, "%s%s", t->parser.errprefix, t->parser.errmsg);
  else
    err->code = rc;
  return rc;
}

static ferry_code tunnel_connect(ferry__cf *cf, int cselect, ferry__ioerr *err) {
  cf_tunnel *t = (cf_tunnel *)cf;
  ferry__conn *c = cf->conn;
  char *buf;

  while (t->sent < t->req.len) {
    struct iovec iov = {t->req.data + t->sent, t->req.len - t->sent};
    ssize_t n = ferry__cf_send(cf->below, &iov, 1, err);
    if (n == FERRY__IO_AGAIN) {
      ferry__conn_watch(c, FERRY_POLL_OUT);
      return FERRYE_AGAIN;
    }
    if (n == FERRY__IO_ERROR) {
      ferry__ioerr_set(err, FERRYE_SEND_ERROR, err->os_errno,
                       "Send failure to the proxy: %s", strerror(err->os_errno));
      return FERRYE_SEND_ERROR;
    }
    if (c->hooks->trace_data != NULL)
      c->hooks->trace_data(c->ud, FERRYINFO_HEADER_OUT, t->req.data + t->sent,
                           (size_t)n);
    t->sent += (size_t)n;
  }
  ferry__conn_watch(c, FERRY_POLL_IN);
  if (!(cselect & (FERRY_CSELECT_IN | FERRY_CSELECT_ERR)))
    return FERRYE_AGAIN;
  buf = ferry__pool_rbuf(c->pool);
  if (buf == NULL) {
    ferry__ioerr_set(err, FERRYE_OUT_OF_MEMORY, 0,
                     "out of memory for the read buffer");
    return FERRYE_OUT_OF_MEMORY;
  }
  for (;;) {
    int clean;
    size_t used = 0;
    ferry_code rc;
    ssize_t n = ferry__cf_recv(cf->below, buf, FERRY__RBUF_SIZE, &clean, err);
    if (n == FERRY__IO_AGAIN)
      return FERRYE_AGAIN;
    if (n == FERRY__IO_ERROR) {
      ferry__ioerr_set(err, FERRYE_RECV_ERROR, err->os_errno,
                       "Recv failure from the proxy: %s",
                       strerror(err->os_errno));
      return FERRYE_RECV_ERROR;
    }
    if (n == 0) {
      rc = ferry__h1_eof(&t->parser);
      if (rc != FERRYE_OK)
        return parser_failed(t, rc, err);
      ferry__ioerr_set(err, FERRYE_COULDNT_CONNECT, 0,
                       "Proxy closed the connection during CONNECT");
      return FERRYE_COULDNT_CONNECT;
    }
    rc = ferry__h1_feed(&t->parser, buf, (size_t)n, &used);
    if (rc != FERRYE_OK)
      return parser_failed(t, rc, err);
    if (t->parser.complete) {
      if (used < (size_t)n) {
        ferry__ioerr_set(err, FERRYE_WEIRD_SERVER_REPLY, 0,
                         "Proxy sent bytes after its CONNECT response");
        return FERRYE_WEIRD_SERVER_REPLY;
      }
      return FERRYE_OK;
    }
  }
}

static ssize_t tunnel_send(ferry__cf *cf, const struct iovec *iov, int n_iov,
                           ferry__ioerr *err) {
  return ferry__cf_send(cf->below, iov, n_iov, err);
}

static ssize_t tunnel_recv(ferry__cf *cf, char *buf, size_t cap, int *clean,
                           ferry__ioerr *err) {
  return ferry__cf_recv(cf->below, buf, cap, clean, err);
}

static void tunnel_destroy(ferry__cf *cf) {
  cf_tunnel *t = (cf_tunnel *)cf;
  ferry__h1_parser_free(&t->parser);
  ferry__buf_free(&t->req);
  ferry__free(t);
}

static const ferry__cf_ops tunnel_ops = {
    "tunnel", tunnel_connect, tunnel_send, tunnel_recv, NULL,
    NULL,     NULL,           NULL,        tunnel_destroy,
};

ferry_code ferry__cf_tunnel_new(ferry__cf **out, ferry__conn *c,
                                ferry__buf *request) {
  cf_tunnel *t = ferry__calloc(1, sizeof(*t));

  *out = NULL;
  if (t == NULL)
    return FERRYE_OUT_OF_MEMORY;
  t->cf.ops = &tunnel_ops;
  t->cf.conn = c;
  t->req = *request;
  ferry__buf_init(request, request->max);
  /* the answer to CONNECT has no body whatever it says */
  ferry__h1_parser_init(&t->parser, &tunnel_callbacks, t, 1);
  *out = &t->cf;
  return FERRYE_OK;
}

/* Uploads: Expect: 100-continue, a final answer before the body, the
 * expect timeout, and SEEKFUNCTION to send a body again. */
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "fx.h"
#include "test.h"

/* A read callback over a string, with a seek callback to rewind it. */
typedef struct src {
  const char *data;
  size_t len, off;
  int seeks;
} src;

static size_t src_read(char *buf, size_t size, size_t n, void *ud) {
  src *r = ud;
  size_t want = size * n, left = r->len - r->off;
  if (want > left)
    want = left;
  memcpy(buf, r->data + r->off, want);
  r->off += want;
  return want;
}

static int src_seek(void *ud, ferry_off_t offset, int origin) {
  src *r = ud;
  if (origin != SEEK_SET || offset < 0 || (size_t)offset > r->len)
    return FERRY_SEEKFUNC_FAIL;
  r->off = (size_t)offset;
  r->seeks++;
  return FERRY_SEEKFUNC_OK;
}

static ferry_easy *upload_easy(tserver *s, const char *path, src *r,
                               sink *body) {
  ferry_easy *e = fx_easy(fx_url(s, path), body, NULL);
  ferry_easy_setopt(e, FERRYOPT_UPLOAD, 1L);
  ferry_easy_setopt(e, FERRYOPT_READFUNCTION, src_read);
  ferry_easy_setopt(e, FERRYOPT_READDATA, r);
  return e;
}

TEST_IMPL(upload_expect_100_sends_the_body_after_continue) {
  tserver *s = tserver_start();
  ts_step steps[] = {
      FX_STEP_REQ,
      FX_STEP_SEND("HTTP/1.1 100 Continue\r\n\r\n"),
      {TS_WAIT_BODY, NULL, 0, 0, 0},
      FX_STEP_SEND(FX_OK_HELLO),
  };
  src r = {"abc", 3, 0, 0};
  sink body = {0};
  ferry_easy *e;
  char *req, want[512];
  size_t len;

  tserver_script(s, 0, FX_STEPS(steps));
  e = upload_easy(s, "/up", &r, &body); /* unknown size: chunked, Expect */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  req = tserver_request(s, 0, &len);
  snprintf(want, sizeof(want),
           "PUT /up HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: */*\r\n"
           "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
           "3\r\nabc\r\n0\r\n\r\n",
           tserver_port(s));
  ASSERT_MEM_EQ(req, len, want);
  free(req);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(upload_final_answer_before_the_body_skips_the_body) {
  tserver *s = tserver_start();
  ts_step steps[] = {
      FX_STEP_REQ,
      FX_STEP_SEND("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 4\r\n\r\nnope"),
      {TS_WAIT_CLOSE, NULL, 0, 0, 0},
  };
  src r = {"abc", 3, 0, 0};
  sink body = {0};
  ferry_easy *e;
  long code = 0;
  char *all;
  size_t len;

  tserver_script(s, 0, FX_STEPS(steps));
  e = upload_easy(s, "/refused", &r, &body);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ferry_easy_getinfo(e, FERRYINFO_RESPONSE_CODE, &code);
  ASSERT_EQ(code, 417);
  ASSERT_MEM_EQ(body.data, body.len, "nope");
  /* the connection, whose request never got its body, is closed */
  ferry_easy_cleanup(e);
  ASSERT_EQ(tserver_wait_closed(s, 1, 5000), 0);
  all = tserver_received(s, 0, &len);
  ASSERT(len > 4 && memcmp(all + len - 4, "\r\n\r\n", 4) == 0); /* no body */
  ASSERT_EQ(r.off, 0); /* not one byte was read from the callback */
  free(all);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(upload_expect_timeout_sends_the_body_anyway) {
  tserver *s = tserver_start();
  ts_step steps[] = {
      FX_STEP_REQ,
      {TS_WAIT_BODY, NULL, 0, 0, 0},
      FX_STEP_SEND(FX_OK_HELLO),
  };
  src r = {"abcdef", 6, 0, 0};
  sink body = {0};
  ferry_easy *e;
  uint64_t t0;

  tserver_script(s, 0, FX_STEPS(steps));
  e = upload_easy(s, "/slowpoke", &r, &body);
  ferry_easy_setopt(e, FERRYOPT_EXPECT_100_TIMEOUT_MS, 300L);
  t0 = uv_hrtime();
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_GE((uv_hrtime() - t0) / 1000000, 290);
  ASSERT_LE((uv_hrtime() - t0) / 1000000, 3000);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(r.off, 6);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(upload_seekfunction_sends_the_body_again_after_a_307) {
  tserver *s = tserver_start();
  ts_step steps[] = {
      FX_STEP_REQ,
      FX_STEP_SEND("HTTP/1.1 307 Temporary Redirect\r\nLocation: /again\r\n"
                   "Content-Length: 0\r\n\r\n"),
      FX_STEP_REQ,
      FX_STEP_SEND(FX_OK_HELLO),
  };
  src r = {"0123456789", 10, 0, 0};
  sink body = {0};
  ferry_easy *e;
  char *req;
  size_t len;

  tserver_script(s, 0, FX_STEPS(steps));
  e = upload_easy(s, "/first", &r, &body);
  ferry_easy_setopt(e, FERRYOPT_INFILESIZE_LARGE, (ferry_off_t)10);
  ferry_easy_setopt(e, FERRYOPT_SEEKFUNCTION, src_seek);
  ferry_easy_setopt(e, FERRYOPT_SEEKDATA, &r);
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(r.seeks, 1);
  req = tserver_request(s, 1, &len);
  ASSERT(len > 10 && memcmp(req + len - 10, "0123456789", 10) == 0);
  ASSERT(strncmp(req, "PUT /again HTTP/1.1\r\n", 21) == 0);
  free(req);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

TEST_IMPL(upload_seekfunction_failing_is_send_fail_rewind) {
  tserver *s = tserver_start();
  ts_step steps[] = {
      FX_STEP_REQ,
      FX_STEP_SEND("HTTP/1.1 308 Permanent Redirect\r\nLocation: /again\r\n"
                   "Content-Length: 0\r\n\r\n"),
  };
  src r = {"0123456789", 10, 0, 0};
  sink body = {0};
  ferry_easy *e;

  tserver_script(s, 0, FX_STEPS(steps));
  e = upload_easy(s, "/first", &r, &body);
  ferry_easy_setopt(e, FERRYOPT_INFILESIZE_LARGE, (ferry_off_t)10);
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L);
  /* no SEEKFUNCTION and a read callback: it cannot be rewound */
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_SEND_FAIL_REWIND);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

/* HTTP/1.1 behaviour through ferry_easy_perform against the scripted
 * server: exact request bytes, response framing, errors. */
#include <string.h>

#include "fx.h"
#include "test.h"

TEST_IMPL(http_get_sends_exact_request_and_delivers_body) {
  tserver *s = tserver_start();
  sink body = {0}, hdr = {0};
  ferry_easy *e;
  char *req;
  size_t len;
  long code = 0;
  char *ctype = NULL;

  ASSERT_NOT_NULL(s);
  tserver_respond_always(s, FX_OK_HELLO, 0);
  e = fx_easy(fx_url(s, "/a/b?x=1"), &body, &hdr);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_MEM_EQ(hdr.data, hdr.len,
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                "Content-Type: text/plain\r\n\r\n");
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_RESPONSE_CODE, &code), FERRYE_OK);
  ASSERT_EQ(code, 200);
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_CONTENT_TYPE, &ctype), FERRYE_OK);
  ASSERT_STR_EQ(ctype, "text/plain");
  req = tserver_request(s, 0, &len);
  ASSERT_NOT_NULL(req);
  {
    char want[256];
    snprintf(want, sizeof(want),
             "GET /a/b?x=1 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: */*\r\n\r\n",
             tserver_port(s));
    ASSERT_MEM_EQ(req, len, want);
  }
  free(req);
  ferry_easy_cleanup(e);
  sink_free(&body);
  sink_free(&hdr);
  ASSERT_EQ(tserver_stop(s), 0);
  return 0;
}

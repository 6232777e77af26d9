/* HTTP proxies: absolute-form requests, CONNECT tunnels, credentials for
 * the proxy, NOPROXY and the proxy environment variables. The scripted
 * server plays the proxy, so every byte sent to it is checked. */
#include <stdlib.h>
#include <string.h>

#include "fx.h"
#include "test.h"

static char *proxy_spec(tserver *p) {
  static char buf[64];
  snprintf(buf, sizeof(buf), "http://127.0.0.1:%d", tserver_port(p));
  return buf;
}

TEST_IMPL(proxy_http_request_goes_to_the_proxy_in_absolute_form) {
  tserver *p = tserver_start();
  sink body = {0};
  ferry_easy *e;
  char *req, want[512];
  size_t len;
  long code = 0;

  tserver_respond_always(p, FX_OK_HELLO, 0);
  e = fx_easy("http://origin.test:8080/path?q=1", &body, NULL);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_PROXY, proxy_spec(p)), FERRYE_OK);
  ASSERT_EQ(ferry_easy_setopt(e, FERRYOPT_PROXYUSERPWD, "puser:ppass"), FERRYE_OK);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_RESPONSE_CODE, &code), FERRYE_OK);
  ASSERT_EQ(code, 200);
  req = tserver_request(p, 0, &len);
  snprintf(want, sizeof(want),
           "GET http://origin.test:8080/path?q=1 HTTP/1.1\r\n"
           "Host: origin.test:8080\r\n"
           "Proxy-Authorization: Basic cHVzZXI6cHBhc3M=\r\n"
           "Accept: */*\r\nProxy-Connection: Keep-Alive\r\n\r\n");
  ASSERT_MEM_EQ(req, len, want);
  free(req);
  /* a second transfer to another origin reuses the proxy connection */
  sink_free(&body);
  ferry_easy_setopt(e, FERRYOPT_URL, "http://other.test/x");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_connections(p), 1);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(p), 0);
  return 0;
}

TEST_IMPL(proxy_tunnel_sends_connect_then_the_request_through_it) {
  tserver *p = tserver_start();
  ts_step steps[] = {
      FX_STEP_REQ,
      FX_STEP_SEND("HTTP/1.1 200 Connection established\r\n\r\n"),
      FX_STEP_REQ,
      FX_STEP_SEND(FX_OK_HELLO),
  };
  ferry_slist *ph = ferry_slist_append(NULL, "X-Proxy-Only: 1");
  ferry_slist *hh = ferry_slist_append(NULL, "X-Server-Only: 1");
  sink body = {0}, hdr = {0};
  ferry_easy *e;
  char *req;
  size_t len;
  long cc = 0;

  tserver_script(p, 0, FX_STEPS(steps));
  e = fx_easy("http://origin.test:8080/t", &body, &hdr);
  ferry_easy_setopt(e, FERRYOPT_PROXY, proxy_spec(p));
  ferry_easy_setopt(e, FERRYOPT_HTTPPROXYTUNNEL, 1L);
  ferry_easy_setopt(e, FERRYOPT_PROXYHEADER, ph);
  ferry_easy_setopt(e, FERRYOPT_HTTPHEADER, hh);
  ferry_easy_setopt(e, FERRYOPT_PROXYUSERPWD, "a:b");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  ASSERT_EQ(ferry_easy_getinfo(e, FERRYINFO_HTTP_CONNECTCODE, &cc), FERRYE_OK);
  ASSERT_EQ(cc, 200);
  req = tserver_request(p, 0, &len);
  ASSERT_MEM_EQ(req, len,
                "CONNECT origin.test:8080 HTTP/1.1\r\nHost: origin.test:8080\r\n"
                "Proxy-Authorization: Basic YTpi\r\nX-Proxy-Only: 1\r\n\r\n");
  free(req);
  /* inside the tunnel: an origin-form request, no proxy headers */
  req = tserver_request(p, 1, &len);
  ASSERT_MEM_EQ(req, len,
                "GET /t HTTP/1.1\r\nHost: origin.test:8080\r\nAccept: */*\r\n"
                "X-Server-Only: 1\r\n\r\n");
  free(req);
  ferry_easy_cleanup(e);
  ferry_slist_free_all(ph);
  ferry_slist_free_all(hh);
  sink_free(&body);
  sink_free(&hdr);
  ASSERT_EQ(tserver_stop(p), 0);
  return 0;
}

TEST_IMPL(proxy_tunnel_refused_is_couldnt_connect_with_the_code) {
  tserver *p = tserver_start();
  ts_step steps[] = {
      FX_STEP_REQ,
      FX_STEP_SEND("HTTP/1.1 407 Proxy Authentication Required\r\n"
                   "Content-Length: 0\r\n\r\n"),
  };
  sink body = {0};
  char err[FERRY_ERROR_SIZE] = "";
  ferry_easy *e;
  long cc = 0;

  tserver_script(p, 0, FX_STEPS(steps));
  e = fx_easy("http://origin.test/t", &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_PROXY, proxy_spec(p));
  ferry_easy_setopt(e, FERRYOPT_HTTPPROXYTUNNEL, 1L);
  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_COULDNT_CONNECT);
  ASSERT_NOT_NULL(strstr(err, "CONNECT tunnel failed, response 407"));
  ferry_easy_getinfo(e, FERRYINFO_HTTP_CONNECTCODE, &cc);
  ASSERT_EQ(cc, 407);
  ASSERT_EQ(body.len, 0);
  ferry_easy_cleanup(e);
  ASSERT_EQ(tserver_stop(p), 0);
  return 0;
}

TEST_IMPL(proxy_environment_and_noproxy_decide_the_route) {
  tserver *p = tserver_start();
  tserver *direct = tserver_start();
  sink body = {0};
  ferry_easy *e;
  char url[128], *req;
  size_t len;

  tserver_respond_always(p, FX_OK_HELLO, 0);
  tserver_respond_always(direct, FX_OK_HELLO, 0);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/env", tserver_port(direct));
  /* http_proxy in lower case is used */
  setenv("http_proxy", proxy_spec(p), 1);
  unsetenv("no_proxy");
  unsetenv("NO_PROXY");
  e = fx_easy(url, &body, NULL);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_requests(p), 1);
  ASSERT_EQ(tserver_requests(direct), 0);
  req = tserver_request(p, 0, &len);
  ASSERT(len > 4 && strncmp(req, "GET http://127.0.0.1:", 21) == 0);
  free(req);
  /* no_proxy exempts the host */
  setenv("no_proxy", "localhost, 127.0.0.1", 1);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_requests(direct), 1);
  /* NOPROXY "*" overrides the environment; PROXY "" disables the proxy */
  unsetenv("no_proxy");
  ferry_easy_setopt(e, FERRYOPT_NOPROXY, "*");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_requests(direct), 2);
  ferry_easy_setopt(e, FERRYOPT_NOPROXY, NULL);
  ferry_easy_setopt(e, FERRYOPT_PROXY, "");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_requests(direct), 3);
  ASSERT_EQ(tserver_requests(p), 1);
  /* upper-case HTTP_PROXY is never read for http (httpoxy) */
  unsetenv("http_proxy");
  setenv("HTTP_PROXY", proxy_spec(p), 1);
  ferry_easy_setopt(e, FERRYOPT_PROXY, NULL);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_requests(direct), 4);
  ASSERT_EQ(tserver_requests(p), 1);
  unsetenv("HTTP_PROXY");
  /* all_proxy, then ALL_PROXY, stand in for an unset or empty http_proxy */
  setenv("all_proxy", proxy_spec(p), 1);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_requests(p), 2);
  unsetenv("all_proxy");
  setenv("http_proxy", "", 1);
  setenv("ALL_PROXY", proxy_spec(p), 1);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_requests(p), 3);
  /* NO_PROXY counts when no_proxy is unset or empty */
  setenv("no_proxy", "", 1);
  setenv("NO_PROXY", "127.0.0.1", 1);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_requests(p), 3);
  ASSERT_EQ(tserver_requests(direct), 5);
  /* ... and no_proxy, when set, wins over it */
  setenv("no_proxy", "example.com", 1);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_requests(p), 4);
  unsetenv("http_proxy");
  unsetenv("ALL_PROXY");
  unsetenv("no_proxy");
  unsetenv("NO_PROXY");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_EQ(tserver_requests(direct), 6);
  ASSERT_EQ(tserver_requests(p), 4);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(p), 0);
  ASSERT_EQ(tserver_stop(direct), 0);
  return 0;
}

TEST_IMPL(proxy_unresolvable_is_couldnt_resolve_proxy_and_bad_scheme_is_refused) {
  sink body = {0};
  char err[FERRY_ERROR_SIZE] = "";
  ferry_easy *e = fx_easy("http://origin.test/", &body, NULL);

  ferry_easy_setopt(e, FERRYOPT_ERRORBUFFER, err);
  ferry_easy_setopt(e, FERRYOPT_PROXY, "http://proxy.invalid:3128");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_COULDNT_RESOLVE_PROXY);
  ASSERT_NOT_NULL(strstr(err, "proxy.invalid"));
  ferry_easy_setopt(e, FERRYOPT_PROXY, "socks5://127.0.0.1:1080");
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_UNSUPPORTED_PROTOCOL);
  ASSERT_NOT_NULL(strstr(err, "http:// proxies only"));
  ferry_easy_cleanup(e);
  sink_free(&body);
  return 0;
}

TEST_IMPL(proxy_redirect_to_another_origin_keeps_the_proxy_credentials_only) {
  tserver *p = tserver_start();
  ts_step steps[] = {
      FX_STEP_REQ,
      FX_STEP_SEND("HTTP/1.1 302 Found\r\nLocation: http://b.test/next\r\n"
                   "Content-Length: 0\r\n\r\n"),
      FX_STEP_REQ,
      FX_STEP_SEND(FX_OK_HELLO),
  };
  sink body = {0};
  ferry_easy *e;
  char *req;
  size_t len;

  tserver_script(p, 0, FX_STEPS(steps));
  e = fx_easy("http://a.test/first", &body, NULL);
  ferry_easy_setopt(e, FERRYOPT_PROXY, proxy_spec(p));
  ferry_easy_setopt(e, FERRYOPT_PROXYUSERPWD, "p:q");
  ferry_easy_setopt(e, FERRYOPT_USERPWD, "user:secret");
  ferry_easy_setopt(e, FERRYOPT_FOLLOWLOCATION, 1L);
  ASSERT_EQ(ferry_easy_perform(e), FERRYE_OK);
  ASSERT_MEM_EQ(body.data, body.len, "hello");
  req = tserver_request(p, 1, &len);
  /* the proxy's credentials go on; the server's do not follow to b.test */
  ASSERT_MEM_EQ(req, len,
                "GET http://b.test/next HTTP/1.1\r\nHost: b.test\r\n"
                "Proxy-Authorization: Basic cDpx\r\nAccept: */*\r\n"
                "Proxy-Connection: Keep-Alive\r\n\r\n");
  free(req);
  ferry_easy_cleanup(e);
  sink_free(&body);
  ASSERT_EQ(tserver_stop(p), 0);
  return 0;
}

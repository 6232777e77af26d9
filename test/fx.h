/* Shared fixtures for the engine tests: byte sinks for callbacks, URL
 * building, and a few canned responses. */
#ifndef FERRY_TEST_FX_H
#define FERRY_TEST_FX_H

#include <stddef.h>

#include "ferry.h"
#include "server.h"

typedef struct sink {
  char *data;
  size_t len;
  unsigned calls;
  size_t max_call;  /* largest single callback */
  size_t cap;       /* bytes allocated at data (0: as many as it needs) */
} sink;

/* WRITEFUNCTION/HEADERFUNCTION that append to a sink (userdata). */
size_t sink_write(char *p, size_t size, size_t n, void *userdata);
void sink_free(sink *s);

/* "http://127.0.0.1:PORT/path" in a static buffer per call slot. */
const char *fx_url(tserver *s, const char *path);

/* An easy handle for url writing into body (and headers if non-NULL);
 * NULL when out of memory. */
ferry_easy *fx_easy(const char *url, sink *body, sink *headers);

#define FX_STEP_REQ {TS_WAIT_REQUEST, NULL, 0, 0, 0}
#define FX_STEP_SEND(s) {TS_SEND, s, 0, 0, 0}
#define FX_STEP_CLOSE {TS_CLOSE, NULL, 0, 0, 0}
#define FX_STEP_RESET {TS_RESET, NULL, 0, 0, 0}
#define FX_STEP_DELAY(ms) {TS_DELAY, NULL, 0, 0, ms}
#define FX_STEP_SPLIT(s, n, ms) {TS_SEND_SPLIT, s, 0, n, ms}
#define FX_STEPS(a) (a), (sizeof(a) / sizeof((a)[0]))

#define FX_OK_HELLO                                                            \
  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello"

#endif

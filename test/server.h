/* The scripted HTTP test server.
 *
 * Tests give it the exact bytes to send and the faults to inject (split,
 * delay, close, reset), and read back the exact bytes it received, like
 * curl's test server with its <reply><data>. Its scripts are plain
 * step lists, so every case is deterministic.
 *
 * The server runs on its own thread with its own uv_loop_t, so a client
 * under test can run in any mode: blocking on a private loop, or on the
 * test's loop. It listens on a port the kernel picks, on 127.0.0.1 (or
 * [::1] from tserver_start_ipv6()): point clients at that address, not at
 * "localhost", which may resolve to the other family first. Every function
 * here may be called from any thread except the server's own.
 *
 * Writing to a peer that has gone away raises SIGPIPE unless it is
 * ignored; the test runner ignores it in every test process.
 *
 * A script is the list of steps run for one accepted connection. Connection
 * k (0-based, in accept order) runs the script set for k; other connections
 * run the default script, which is empty unless set. When a script ends
 * without a CLOSE or RESET step, the connection stays open: the server goes
 * on reading (and recording) until the peer closes, then closes its side.
 *
 * Reading: the server reads everything the peer sends, all the time, and
 * appends it to the connection's receive log. The WAIT_* steps move a read
 * cursor through that log: WAIT_REQUEST and WAIT_BODY frame one request
 * from the cursor on, WAIT_BYTES takes n bytes past the cursor. Bytes that
 * arrive while no WAIT step runs are kept for the next one.
 *
 * Writing: SEND queues a write and goes on at once; writes go out in step
 * order. CLOSE, RESET and SHUTDOWN_WRITE first let the queued writes reach
 * the kernel.
 *
 * If the peer closes (EOF) while a WAIT step still needs bytes, or the
 * connection fails (read or write error, such as a reset by the peer), the
 * script stops and the server closes the connection.
 */
#ifndef FERRY_TEST_SERVER_H
#define FERRY_TEST_SERVER_H

#include <stddef.h>

typedef struct tserver tserver;

/* The actions a script step can take. */
typedef enum {
  /* Read until one complete HTTP/1.x request has arrived past the cursor:
   * the headers up to the blank line, then a body per Content-Length, or
   * a chunked body up to and including the last chunk and the trailers.
   * Empty lines before the request line are skipped and are not part of
   * the request. For a request with "Expect: 100-continue" and a body, the
   * headers count as complete; the body is left pending for a WAIT_BODY
   * step (or, if none comes, is taken by the next WAIT_REQUEST before it
   * looks for the next request). A request that cannot be framed (bad
   * Content-Length, bad chunk size) is reported on stderr and the server
   * closes the connection. */
  TS_WAIT_REQUEST,
  /* Read the body that a preceding WAIT_REQUEST left pending (the
   * 100-continue case). Goes on at once if no body is pending. */
  TS_WAIT_BODY,
  /* Read until n more bytes past the cursor have arrived; the cursor then
   * moves past those n bytes. */
  TS_WAIT_BYTES,
  /* Send data/len as one write. */
  TS_SEND,
  /* Send data/len in pieces of n bytes (the last may be shorter), with
   * delay_ms between pieces; n = 1 dribbles byte by byte. n = 0 sends it
   * all in one piece. */
  TS_SEND_SPLIT,
  /* Wait delay_ms. */
  TS_DELAY,
  /* Graceful close: once the queued writes are flushed, send FIN. The
   * script ends here. The server still reads (and records) what the peer
   * sends until the peer closes, so a peer still sending sees a clean
   * close, not a reset; then it closes the socket. */
  TS_CLOSE,
  /* Abortive close: once the queued writes are flushed, set
   * SO_LINGER {1, 0} and close, so the peer sees ECONNRESET. The script
   * ends here. "Flushed" means handed to the kernel: bytes the kernel
   * still holds (say, because the peer's receive window is full) are
   * dropped by the reset. */
  TS_RESET,
  /* Wait until the peer closes its side (read returns EOF). */
  TS_WAIT_CLOSE,
  /* Half-close: once the queued writes are flushed, send FIN, and go on
   * with the script (the server can still read). */
  TS_SHUTDOWN_WRITE,
  /* Answer the request that the preceding WAIT_REQUEST framed with the
   * first matching route of tserver_routes() (see there). */
  TS_ROUTE,
  /* Close gracefully (as CLOSE) if the route that ROUTE just used asks
   * for it; otherwise go on at once. */
  TS_ROUTE_CLOSE
} ts_action;

typedef struct ts_step {
  ts_action action;
  const char *data; /* for SEND/SEND_SPLIT; copied when the step is added */
  size_t len;       /* 0 with data != NULL means strlen(data) */
  size_t n;         /* bytes for WAIT_BYTES / piece size for SEND_SPLIT */
  unsigned delay_ms; /* for DELAY and SEND_SPLIT */
} ts_step;

/* Start a server on 127.0.0.1 at a port the kernel picks, on a new thread.
 * Returns NULL on failure (with a message on stderr). Stop it with
 * tserver_stop(). */
tserver *tserver_start(void);

/* The same on [::1]. Returns NULL if IPv6 is unavailable or on failure. */
tserver *tserver_start_ipv6(void);

/* The port the server listens on, in host byte order. */
int tserver_port(const tserver *s);

/* Set the script for the conn_index-th accepted connection (0-based).
 * The steps, and the data they point to, are copied; the caller keeps
 * ownership of its arrays. Call it before that connection is accepted: a
 * connection takes its script when it is accepted. Setting a script again
 * replaces it for connections accepted later. */
void tserver_script(tserver *s, unsigned conn_index, const ts_step *steps,
                    size_t nsteps);

/* Set the script for every connection that has no script of its own.
 * Copies like tserver_script(). */
void tserver_default_script(tserver *s, const ts_step *steps, size_t nsteps);

/* The same, but the script loops: after the last step it starts again at
 * step 0, for keep-alive connections that serve many requests. The script
 * should contain a step that waits (WAIT_REQUEST, WAIT_BYTES, ...): when a
 * full round consumes no input, the server ends the script to avoid
 * spinning. */
void tserver_default_script_loop(tserver *s, const ts_step *steps,
                                 size_t nsteps);

/* Answer every request on every connection with the same response bytes
 * (a keep-alive server): the default script becomes the loop
 * { WAIT_REQUEST; SEND response }. len 0 means strlen(response). The
 * response is copied. */
void tserver_respond_always(tserver *s, const char *response, size_t len);

/* A route: how a router server (tserver_routes()) answers a request,
 * chosen by the request's own bytes rather than by the connection's order,
 * so that a client reusing connections differently still gets the same
 * answers. */
typedef struct ts_route {
  /* The request starts with these bytes ("GET /a " or "POST /form "); an
   * empty string matches every request. */
  const char *prefix;
  /* If not NULL, the request must also contain these bytes somewhere
   * (a header line such as "\r\nAuthorization: Basic "). */
  const char *contains;
  /* The bytes to send back, as one write; len 0 means strlen(response).
   * Copied. */
  const char *response;
  size_t len;
  unsigned delay_ms; /* wait this long before sending */
  int close;         /* 1: close gracefully (as TS_CLOSE) after sending */
  /* 1: for a request that asks for 100-continue, answer as soon as its
   * headers are in (this route is matched on them alone), with no 100
   * Continue and without reading the body; a later WAIT_REQUEST reads the
   * body first, should the client send it anyway. */
  int early;
  /* 1: the body echoes the request: its request line and its Host header
   * line, each ending in "\n" (a Content-Length is added); response holds
   * the status line and the headers without the blank line that ends
   * them. */
  int echo;
} ts_route;

/* Make the server a router: every connection runs the loop { WAIT_REQUEST;
 * ROUTE; ROUTE_CLOSE } as its default script, and each request gets the
 * response of the first route (in array order) that matches it. The
 * routes are copied; set them before a client connects.
 *
 * A request that asks for "Expect: 100-continue" and has a body first gets
 * "HTTP/1.1 100 Continue" once its headers are in (unless an early route
 * matches the headers), then its body is read and the route is chosen on
 * the whole request. A request that no route
 * matches gets "HTTP/1.1 500 No Route" with an empty body (and a line on
 * stderr), so that a missing route shows in what the client saw. */
void tserver_routes(tserver *s, const ts_route *routes, size_t nroutes);

/* Every byte received so far on the conn_index-th connection. Returns a
 * malloc'd copy with a NUL after the last byte (the caller frees it) and
 * sets *len (if len is not NULL) to the byte count. Returns NULL (and
 * *len = 0) if that connection has not been accepted yet. */
char *tserver_received(tserver *s, unsigned conn_index, size_t *len);

/* The req_index-th request (0-based) that a WAIT_REQUEST step framed,
 * counted over all connections in the order they were framed: the exact
 * bytes from the request line through the body. A body left pending by a
 * 100-continue request is added to its request once it is read. Returns a
 * malloc'd NUL-terminated copy (the caller frees it) and sets *len, or
 * NULL (and *len = 0) if there is no such request yet. */
char *tserver_request(tserver *s, unsigned req_index, size_t *len);

/* The number of connections accepted so far. */
unsigned tserver_connections(tserver *s);

/* The most connections that were open at once so far: at each accept, the
 * connections accepted minus those closed (as tserver_wait_closed()
 * counts them). A peer's close counts once the server has read its EOF. */
unsigned tserver_max_open_connections(tserver *s);

/* The number of requests framed so far (see tserver_request()). */
unsigned tserver_requests(tserver *s);

/* Block until at least n connections have been closed by either side, or
 * timeout_ms has passed. A connection counts as closed when the server has
 * sent FIN for a CLOSE step, reset it, seen EOF or an error from the peer,
 * or closed it when stopping. Returns 0 if n was reached, -1 on timeout. */
int tserver_wait_closed(tserver *s, unsigned n, unsigned timeout_ms);

/* Stop the server: close every connection and handle, join the thread,
 * check that the loop closes with no handle left, and free everything
 * (the server and its logs). s must not be used afterwards. Returns 0 on
 * a clean stop, -1 if uv_loop_close() failed (the open handles are listed
 * on stderr). A process that exits with a server not stopped prints so
 * and exits with status 1, which fails the test. */
int tserver_stop(tserver *s);

#endif

/* A real nginx for tests: start /usr/sbin/nginx as a child process on free
 * loopback ports, in a fresh temp directory, with the configuration from
 * test/nginx/nginx.conf.in, and stop it again.
 *
 * What the server offers (see the template for details):
 *
 *   GET /NAME              a file made with tnginx_write_file()
 *   GET /status            200, body "ok\n" (text/plain)
 *   GET /redirect          302, "Location: /status"
 *   GET /slow/NAME?rate=N  docroot/NAME sent at about N bytes per second,
 *                          headers included (1000 when rate is absent):
 *                          S bytes take about S/N s, give or take 1 s
 *
 * Keep-alive: keepalive_requests 100000, keepalive_timeout 60s. Only
 * 127.0.0.1 is listened on (no ::1: a port free on one family need not be
 * free on the other).
 *
 * Files found at run time:
 *   nginx binary   $FERRY_TEST_NGINX, else /usr/sbin/nginx
 *   template       $FERRY_TEST_SRCDIR/nginx/nginx.conf.in, else the
 *                  compile-time FERRY_TEST_SRCDIR (the repo's test/ dir)
 *   temp dir       mkdtemp("$TMPDIR/ferry-nginx-XXXXXX"), TMPDIR or /tmp
 *
 * Everything nginx writes (config, pid file, error.log, temp paths) lives in
 * the temp directory, which tnginx_stop() removes. A fixture the test did
 * not stop (an ASSERT returned early) is stopped by an atexit() handler when
 * the test process exits. The child gets PR_SET_PDEATHSIG(SIGTERM) on
 * Linux, so a test killed by a signal or its timeout does not leave nginx
 * running either (its temp dir does stay behind then).
 *
 * These functions print why they failed on stderr. They are not thread-safe:
 * call them from the test's main thread (PR_SET_PDEATHSIG fires when the
 * thread that started nginx exits, not the process). Other threads may run
 * meanwhile; nginx is started with fork + exec doing only
 * async-signal-safe calls in between. */
#ifndef FERRY_TEST_NGINX_H
#define FERRY_TEST_NGINX_H

#include <stddef.h>
#include <sys/types.h>

typedef struct tnginx tnginx;

typedef struct tnginx_opts {
  int tls;              /* also listen with TLS on a second port */
  const char *tls_cert; /* PEM certificate path, used when tls */
  const char *tls_key;  /* PEM private key path, used when tls */
  int worker_processes; /* 0 = 1 */
  int h2;               /* with tls: also HTTP/2 on two more ports, over
                           TLS (ALPN h2) and cleartext by prior knowledge
                           (h2c); same locations */
} tnginx_opts;

/* Start nginx (opts may be NULL: plain HTTP, one worker) and wait, at most
 * 10 s, until it has written its pid file and every port accepts
 * connections. Ports come from the kernel (bind 127.0.0.1:0, read, close);
 * if nginx then loses a port to someone else ("Address already in use"),
 * it is started again on new ports, up to 4 attempts in all. The cert and
 * key paths are copied (made absolute). Returns NULL on failure (nginx
 * missing, template missing, nginx refused the config, timeout), with the
 * reason and nginx's error log on stderr. */
tnginx *tnginx_start(const tnginx_opts *opts);

int tnginx_port(const tnginx *n);     /* plain HTTP port on 127.0.0.1 */
int tnginx_tls_port(const tnginx *n); /* TLS port, 0 when tls was off */
int tnginx_h2_port(const tnginx *n);  /* HTTP/2 over TLS, 0 without h2 */
int tnginx_h2c_port(const tnginx *n); /* HTTP/2 cleartext (prior knowledge),
                                         0 without h2 */
pid_t tnginx_pid(const tnginx *n);    /* the nginx master's pid */

/* The temp directory (nginx's prefix) and the document root inside it.
 * Both strings are owned by n and die with tnginx_stop(). */
const char *tnginx_prefix(const tnginx *n);
const char *tnginx_docroot(const tnginx *n);

/* Create docroot/NAME (parent directories made as needed) holding `size`
 * bytes of tnginx_expected_bytes(seed, 0, ...). NAME is relative, without
 * ".." components. Returns 0 on success, -1 on error. */
int tnginx_write_file(tnginx *n, const char *name, size_t size,
                      unsigned seed);

/* The bytes tnginx_write_file(n, name, size, seed) writes, from `offset`
 * on, into buf[0..len). Byte i of the file is byte (i % 4), little-endian,
 * of a 32-bit xorshift-multiply mix of (seed, i / 4), so any range can be
 * produced without generating what comes before it. */
void tnginx_expected_bytes(unsigned seed, size_t offset, unsigned char *buf,
                           size_t len);

/* Compare buf[0..len) with the file bytes at `offset`. Returns len when all
 * match, else the index of the first byte that differs. */
size_t tnginx_check_bytes(unsigned seed, size_t offset, const void *buf,
                          size_t len);

/* Stop nginx and free n (n may be NULL). Sends SIGQUIT (graceful stop) to
 * the master's pid and waits up to 5 s; nginx closes idle keep-alive
 * connections at once and cuts requests still in flight (a /slow/
 * transfer) after worker_shutdown_timeout, 2 s. Then SIGTERM and 5 s more;
 * then SIGKILL to each worker (found as the master's children in /proc)
 * and to the master. The master is always reaped and the temp directory
 * removed. Returns 0 if nginx stopped on SIGQUIT with exit status 0 and its
 * error log has no [alert], [crit] or [emerg] line (such as a worker that
 * crashed); otherwise prints what went wrong and the log, and returns -1. */
int tnginx_stop(tnginx *n);

#endif

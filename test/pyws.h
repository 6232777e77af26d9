/* python3-websockets as an independent WebSocket peer for tests.
 *
 * pyws_server_start() writes a small echo server (python3-websockets'
 * asyncio server, Debian's /usr/bin/python3) to a file in a fresh
 * temporary directory and runs it as a child process. It listens on
 * 127.0.0.1 at a port the kernel picks (it prints the port, which
 * pyws_server_start() reads), offers no extension (compression=None),
 * takes messages up to 16 MiB and sends no pings of its own. It echoes
 * each message as it came (text as text, binary as binary), and answers
 * two text commands:
 *   "close <status> <reason>"  close the connection with that status and
 *                              reason (the reason may be empty);
 *   "fragments <a> <b> ..."    send the words as one text message in as
 *                              many fragments.
 * Pings are answered by the library, and a client's close handshake is
 * answered with the same status. (Its fragmented messages end with an
 * empty final continuation frame: that is how websockets 10.4 sends them.)
 *
 * The child reads its stdin, which is a pipe from this process, and exits
 * at once when it ends (open connections or not): so it goes away with the
 * test process even if the test never calls pyws_server_stop(). Its exit
 * status is 1 if a handler raised anything but ConnectionClosed (the
 * traceback is on its stderr). pyws_server_stop() closes the pipe, waits
 * for the child by its PID (then SIGKILL by that PID after 5 s) and removes
 * the directory.
 *
 * PYWS_PYTHON is the interpreter to use for any python3-websockets script:
 * the system one, which has the package (a python3 earlier on PATH may
 * not).
 */
#ifndef FERRY_TEST_PYWS_H
#define FERRY_TEST_PYWS_H

#define PYWS_PYTHON "/usr/bin/python3"

typedef struct pyws_server pyws_server;

/* Start the echo server. NULL on failure, with its output on stderr. */
pyws_server *pyws_server_start(void);

/* Its port, in host byte order. */
int pyws_server_port(const pyws_server *p);

/* Stop it and clean up. Returns 0 when the child exited with status 0
 * (else its stderr is printed and -1 returned). */
int pyws_server_stop(pyws_server *p);

#endif

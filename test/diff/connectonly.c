/* connectonly.c - CONNECT_ONLY, curl_easy_send and curl_easy_recv, and
 * ACTIVESOCKET / LASTSOCKET: on curl_easy_perform, reused handles, and a
 * multi (what its socket callback hears, and what removing the handle
 * does to the connection).
 *
 * Usage: diff-connectonly BASE AUTHORITY [quirk]
 * With "quirk": only curl_easy_send on a handle whose last transfer was a
 * plain one, after CONNECT_ONLY is set (libcurl writes into that
 * transfer's pooled HTTP connection; see KNOWN).
 */
/* LASTSOCKET is deprecated in libcurl's header, and tested on purpose */
#define CURL_DISABLE_DEPRECATION 1
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp.h"

/* Wait for the socket to be readable (in) or writable. */
static void wait_socket(curl_socket_t s, int in) {
  struct pollfd p = {s, in ? POLLIN : POLLOUT, 0};
  if (poll(&p, 1, 5000) != 1)
    dp_fatal("the socket never became ready");
}

static curl_socket_t active(CURL *e) {
  curl_socket_t s = CURL_SOCKET_BAD;
  if (curl_easy_getinfo(e, CURLINFO_ACTIVESOCKET, &s) != CURLE_OK)
    return CURL_SOCKET_BAD;
  return s;
}

static void print_sockets(CURL *e) {
  long last = -2;
  curl_socket_t s = active(e);
  curl_easy_getinfo(e, CURLINFO_LASTSOCKET, &last);
  printf("activesocket: %s\n", s == CURL_SOCKET_BAD ? "bad" : "valid");
  printf("lastsocket_same: %d\n", (long)s == last);
}

/* Send all of text, waiting whenever the socket is full. */
static void send_all(CURL *e, const char *text) {
  size_t len = strlen(text), off = 0;
  while (off < len) {
    size_t n = 0;
    CURLcode rc = curl_easy_send(e, text + off, len - off, &n);
    if (rc == CURLE_AGAIN) {
      wait_socket(active(e), 0);
      continue;
    }
    if (rc != CURLE_OK) {
      dp_print_code("send", rc);
      return;
    }
    off += n;
  }
  printf("sent: %zu\n", off);
}

/* Read one response (head, then Content-Length bytes), or to the end of
 * the stream; print it. */
static void recv_response(CURL *e) {
  char buf[4096];
  size_t have = 0;
  for (;;) {
    size_t n = 0;
    const char *end;
    CURLcode rc = curl_easy_recv(e, buf + have, sizeof(buf) - 1 - have, &n);
    if (rc == CURLE_AGAIN) {
      wait_socket(active(e), 1);
      continue;
    }
    if (rc != CURLE_OK) {
      dp_print_code("recv", rc);
      break;
    }
    if (n == 0) {
      printf("recv_eof: 1\n");
      break;
    }
    have += n;
    buf[have] = '\0';
    end = strstr(buf, "\r\n\r\n");
    if (end != NULL) {
      const char *cl = strstr(buf, "Content-Length: ");
      size_t body = cl ? (size_t)strtoul(cl + 16, NULL, 10) : 0;
      if (have >= (size_t)(end + 4 - buf) + body)
        break;
    }
    if (have == sizeof(buf) - 1)
      dp_fatal("response too long");
  }
  dp_print_escaped("response", buf, have);
}

static const char *request(const char *authority, const char *path,
                           int close) {
  static char r[256];
  snprintf(r, sizeof(r), "GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", path,
           authority, close ? "Connection: close\r\n" : "");
  return r;
}

/* The multi's socket callback: what it hears, in order (no fds). */
static int on_socket(CURL *e, curl_socket_t s, int what, void *userp,
                     void *sockp) {
  static const char *const names[] = {"NONE", "IN", "OUT", "INOUT", "REMOVE"};
  (void)e;
  (void)s;
  (void)userp;
  (void)sockp;
  printf("socketcb: %s\n", what >= 0 && what <= 4 ? names[what] : "?");
  return 0;
}

int main(int argc, char **argv) {
  dp_rec rec = {0};
  CURL *e;
  CURLM *m;
  CURLMsg *msg;
  size_t n = 0;
  char byte;
  int running = 1, left;

  if (argc < 3)
    return 2;
  dp_start();
  if (argc > 3 && strcmp(argv[3], "quirk") == 0) {
    e = dp_easy(&rec);
    curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/doc"));
    dp_perform("a plain GET", e, &rec);
    curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
    dp_print_code("send_into_the_pooled_connection",
                  curl_easy_send(e, "x", 1, &n));
    curl_easy_cleanup(e);
    dp_rec_free(&rec);
    return dp_finish();
  }

  /* without CONNECT_ONLY the calls refuse */
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/doc"));
  dp_perform("a plain GET", e, &rec);
  print_sockets(e);
  dp_print_code("send_without", curl_easy_send(e, "x", 1, &n));
  printf("send_without_n: %zu\n", n);
  dp_print_code("recv_without", curl_easy_recv(e, &byte, 1, &n));
  dp_print_code("setopt_3", curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 3L));
  dp_print_code("setopt_neg", curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, -1L));
  curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);

  /* CONNECT_ONLY on the same handle: a new connection, not the pooled one */
  dp_perform("CONNECT_ONLY 1", e, &rec);
  print_sockets(e);
  dp_print_code("recv_idle", curl_easy_recv(e, &byte, 1, &n));
  send_all(e, request(argv[2], "/doc", 0));
  recv_response(e);
  send_all(e, request(argv[2], "/doc", 1));
  recv_response(e);
  recv_response(e); /* the end of the stream */

  /* the next transfer on the handle: the CONNECT_ONLY connection goes */
  curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 0L);
  dp_perform("a plain GET after", e, &rec);
  print_sockets(e);
  dp_print_code("recv_after", curl_easy_recv(e, &byte, 1, &n));
  curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
  dp_perform("CONNECT_ONLY again", e, &rec);
  print_sockets(e);
  send_all(e, request(argv[2], "/doc", 0));
  recv_response(e);
  curl_easy_cleanup(e);

  /* in a multi */
  e = dp_easy(&rec);
  curl_easy_setopt(e, CURLOPT_URL, dp_url(argv[1], "/doc"));
  curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
  m = curl_multi_init();
  curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_add_handle(m, e);
  while (running) {
    if (curl_multi_perform(m, &running) != CURLM_OK)
      dp_fatal("curl_multi_perform");
    if (running && curl_multi_wait(m, NULL, 0, 1000, NULL) != CURLM_OK)
      dp_fatal("curl_multi_wait");
  }
  msg = curl_multi_info_read(m, &left);
  dp_report("CONNECT_ONLY in a multi", e,
            msg ? msg->data.result : CURLE_GOT_NOTHING, &rec);
  print_sockets(e);
  send_all(e, request(argv[2], "/doc", 0));
  recv_response(e);
  curl_multi_remove_handle(m, e);
  print_sockets(e);
  dp_print_code("recv_removed", curl_easy_recv(e, &byte, 1, &n));
  curl_multi_cleanup(m);
  curl_easy_cleanup(e);

  dp_rec_free(&rec);
  return dp_finish();
}

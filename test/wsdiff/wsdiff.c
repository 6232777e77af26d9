/* wsdiff.c - one libcurl WebSocket program, built against libcurl 8 and
 * against ferry's <curl/curl.h> (test/wsdiff/run), run on the cases of
 * test/wsdiff/server.py. It prints what a user observes, one line each:
 * every chunk the write callback or curl_ws_recv gives (its flags, offset,
 * bytesleft, length and bytes), each call's result code.
 *
 * Usage: wsdiff PORT cb|co CASE
 *   cb: callback mode (WRITEFUNCTION and curl_ws_meta), curl_easy_perform
 *   co: CONNECT_ONLY 2, curl_ws_send "abc", then curl_ws_recv with a
 *       4-byte buffer until an error; co_close_first sends a close first
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

static CURL *easy;

static void print_chunk(const char *who, const struct curl_ws_frame *m,
                        const char *p, size_t n) {
  printf("%s: flags=0x%x offset=%lld bytesleft=%lld len=%zu data=", who,
         m->flags, (long long)m->offset, (long long)m->bytesleft, m->len);
  for (size_t i = 0; i < n && i < 32; i++)
    printf("%02x", (unsigned char)p[i]);
  printf("%s\n", n > 32 ? "..." : "");
}

/* Callback mode: a frame's chunks are put together and printed once the
 * frame is whole (how a frame is cut into chunks is each library's own),
 * with whether their offsets and bytesleft agreed. */
static char frame_buf[1 << 20];
static size_t frame_len;
static int frame_flags, frame_bad;

static size_t on_write(char *p, size_t size, size_t n, void *ud) {
  const struct curl_ws_frame *m = curl_ws_meta(easy);
  size_t len = size * n;
  unsigned long sum = 0;
  (void)ud;
  if (m == NULL) {
    printf("chunk: no meta, len=%zu\n", len);
    return len;
  }
  if ((size_t)m->offset != frame_len || m->len != len ||
      (frame_len > 0 && m->flags != frame_flags))
    frame_bad = 1;
  frame_flags = m->flags;
  if (frame_len + len <= sizeof(frame_buf))
    memcpy(frame_buf + frame_len, p, len);
  frame_len += len;
  if (m->bytesleft != 0)
    return len;
  for (size_t i = 0; i < frame_len && i < sizeof(frame_buf); i++)
    sum = sum * 31 + (unsigned char)frame_buf[i];
  printf("frame: flags=0x%x len=%zu sum=%lu chunks_agree=%d data=", m->flags,
         frame_len, sum, !frame_bad);
  for (size_t i = 0; i < frame_len && i < 32; i++)
    printf("%02x", (unsigned char)frame_buf[i]);
  printf("%s\n", frame_len > 32 ? "..." : "");
  frame_len = 0;
  frame_bad = 0;
  return len;
}

static void wait_socket(int in) {
  curl_socket_t s = CURL_SOCKET_BAD;
  struct pollfd pfd;
  curl_easy_getinfo(easy, CURLINFO_ACTIVESOCKET, &s);
  pfd.fd = s;
  pfd.events = in ? POLLIN : POLLOUT;
  pfd.revents = 0;
  poll(&pfd, 1, 3000);
}

static int connect_only(const char *name) {
  char buf[4];
  size_t sent = 0;
  CURLcode rc;
  int rounds = 0;

  if (strcmp(name, "co_close_first") == 0) {
    rc = curl_ws_send(easy, "\x03\xe8", 2, &sent, 0, CURLWS_CLOSE);
    printf("send close: %d sent=%zu\n", (int)rc, sent);
  } else {
    rc = curl_ws_send(easy, "abc", 3, &sent, 0, CURLWS_TEXT);
    printf("send text: %d sent=%zu\n", (int)rc, sent);
  }
  for (;;) {
    const struct curl_ws_frame *m = NULL;
    size_t got = 0;
    rc = curl_ws_recv(easy, buf, sizeof(buf), &got, &m);
    if (rc == CURLE_AGAIN) {
      if (rounds++ > 50) {
        printf("recv: still AGAIN\n");
        break;
      }
      wait_socket(1);
      continue;
    }
    if (rc != CURLE_OK) {
      printf("recv: %d\n", (int)rc);
      break;
    }
    print_chunk("recv", m, buf, got);
    if ((m->flags & CURLWS_CLOSE) && m->bytesleft == 0 &&
        strcmp(name, "co_basic") == 0) {
      rc = curl_ws_send(easy, "", 0, &sent, 0, CURLWS_CLOSE);
      printf("send close reply: %d\n", (int)rc);
    }
  }
  rc = curl_ws_send(easy, "z", 1, &sent, 0, CURLWS_TEXT);
  printf("send after: %d\n", (int)rc);
  return 0;
}

int main(int argc, char **argv) {
  char url[256];
  CURLcode rc;
  long code = 0;

  if (argc != 4)
    return 2;
  curl_global_init(CURL_GLOBAL_ALL);
  setvbuf(stdout, NULL, _IOLBF, 0);
  easy = curl_easy_init();
  snprintf(url, sizeof(url), "ws://127.0.0.1:%s/%s", argv[1], argv[3]);
  curl_easy_setopt(easy, CURLOPT_URL, url);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 4000L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_write);
  if (strcmp(argv[2], "co") == 0)
    curl_easy_setopt(easy, CURLOPT_CONNECT_ONLY, 2L);
  rc = curl_easy_perform(easy);
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
  printf("perform: %d response=%ld\n", (int)rc, code);
  if (rc == CURLE_OK && strcmp(argv[2], "co") == 0)
    connect_only(argv[3]);
  curl_easy_cleanup(easy);
  curl_global_cleanup();
  return 0;
}

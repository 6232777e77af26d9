/* multi.c - the multi interface with curl_multi_perform and
 * curl_multi_poll: 10 transfers at once, each to its own path, and the
 * multi calls' return codes on misuse.
 *
 * Usage: diff-multi BASE
 * Prints each transfer's report in the order the handles were made (not
 * the order they finished), then the misuse checks.
 */
#include <stdio.h>
#include <stdlib.h>

#include "dp.h"

#define N 10

int main(int argc, char **argv) {
  dp_rec recs[N];
  CURL *easy[N];
  CURLcode results[N];
  int done[N] = {0};
  unsigned msgs = 0, not_done_msgs = 0;
  CURLM *m;
  CURLMcode mc;
  int running = 0;

  if (argc < 2)
    return 2;
  dp_start();
  m = curl_multi_init();
  if (m == NULL)
    dp_fatal("curl_multi_init");

  for (int i = 0; i < N; i++) {
    char path[32];
    recs[i] = (dp_rec){0};
    easy[i] = dp_easy(&recs[i]);
    snprintf(path, sizeof(path), "/m%d", i);
    curl_easy_setopt(easy[i], CURLOPT_URL, dp_url(argv[1], path));
    curl_easy_setopt(easy[i], CURLOPT_PRIVATE, (void *)(intptr_t)i);
    if (i == 7)
      curl_easy_setopt(easy[i], CURLOPT_POSTFIELDS, "seven=7");
    mc = curl_multi_add_handle(m, easy[i]);
    if (mc != CURLM_OK)
      dp_print_mcode("add", mc);
  }
  dp_print_mcode("add.again", curl_multi_add_handle(m, easy[0]));

  do {
    CURLMsg *msg;
    int left;
    mc = curl_multi_perform(m, &running);
    if (mc != CURLM_OK)
      break;
    while ((msg = curl_multi_info_read(m, &left)) != NULL) {
      char *priv = NULL;
      msgs++;
      if (msg->msg != CURLMSG_DONE) {
        not_done_msgs++;
        continue;
      }
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
      {
        int i = (int)(intptr_t)priv;
        if (i >= 0 && i < N) {
          results[i] = msg->data.result;
          done[i]++;
        }
      }
    }
    if (running)
      mc = curl_multi_poll(m, NULL, 0, 1000, NULL);
  } while (running && mc == CURLM_OK);
  dp_print_mcode("loop.end", mc);
  printf("messages: %u, not DONE: %u\n", msgs, not_done_msgs);

  for (int i = 0; i < N; i++) {
    char label[32];
    printf("done.%d: %d\n", i, done[i]);
    snprintf(label, sizeof(label), "transfer %d", i);
    dp_report(label, easy[i], done[i] ? results[i] : CURLE_OK, &recs[i]);
  }
  /* After the last DONE, nothing is left to read. */
  {
    int left = -1;
    CURLMsg *msg = curl_multi_info_read(m, &left);
    printf("info_read.after: %s left=%d\n", msg ? "a message" : "NULL", left);
  }

  /* Removing: each once, then again. */
  for (int i = 0; i < N; i++) {
    mc = curl_multi_remove_handle(m, easy[i]);
    if (mc != CURLM_OK)
      dp_print_mcode("remove", mc);
  }
  dp_print_mcode("remove.again", curl_multi_remove_handle(m, easy[0]));
  dp_print_mcode("perform.empty", curl_multi_perform(m, &running));
  printf("perform.empty.running: %d\n", running);
  {
    int numfds = -1;
    dp_print_mcode("wait.empty", curl_multi_wait(m, NULL, 0, 0, &numfds));
    printf("wait.empty.numfds: %d\n", numfds);
  }
  dp_print_mcode("wakeup", curl_multi_wakeup(m));
  dp_print_mcode("add.null", curl_multi_add_handle(m, NULL));
  dp_print_mcode("setopt.unknown",
                 curl_multi_setopt(m, (CURLMoption)9999, 1L));
  dp_print_mcode("setopt.maxconnects",
                 curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, 3L));
  dp_print_mcode("perform.null", curl_multi_perform(NULL, &running));
  for (int i = -1; i <= 12; i++)
    printf("multi_strerror: %d %s\n", i, curl_multi_strerror((CURLMcode)i));

  for (int i = 0; i < N; i++) {
    curl_easy_cleanup(easy[i]);
    dp_rec_free(&recs[i]);
  }
  dp_print_mcode("cleanup", curl_multi_cleanup(m));
  return dp_finish();
}

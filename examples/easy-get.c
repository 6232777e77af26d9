/* easy-get.c - fetch one URL with the blocking easy interface.
 *
 * Shows curl_easy_perform: the body goes to stdout through a write
 * callback, CURLINFO_RESPONSE_CODE gives the HTTP status, and on failure
 * CURLOPT_ERRORBUFFER holds a text more precise than curl_easy_strerror.
 * Written against <curl/curl.h> only, as a libcurl program would be.
 *
 * Usage: easy-get URL
 * Exits 0 when the transfer completed (whatever the status), 1 when it
 * failed, 2 on bad usage.
 */
#include <stdio.h>

#include <curl/curl.h>

/* Copy the body to the FILE * set with CURLOPT_WRITEDATA. Returning less
 * than size * nmemb makes the transfer fail with CURLE_WRITE_ERROR. */
static size_t write_body(char *data, size_t size, size_t nmemb, void *userp) {
  FILE *out = userp;

  return fwrite(data, size, nmemb, out) * size;
}

int main(int argc, char **argv) {
  char errbuf[CURL_ERROR_SIZE];
  CURL *curl;
  CURLcode res;
  long status = 0;

  if (argc != 2) {
    fprintf(stderr, "usage: %s URL\n", argv[0]);
    return 2;
  }

  res = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (res != CURLE_OK) {
    fprintf(stderr, "easy-get: init: %s\n", curl_easy_strerror(res));
    return 1;
  }
  curl = curl_easy_init();
  if (!curl) {
    fprintf(stderr, "easy-get: out of memory\n");
    curl_global_cleanup();
    return 1;
  }

  errbuf[0] = '\0';
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, stdout);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "easy-get/1.0");
  res = curl_easy_setopt(curl, CURLOPT_URL, argv[1]);
  if (res == CURLE_OK)
    res = curl_easy_perform(curl);

  if (fflush(stdout) != 0 && res == CURLE_OK)
    res = CURLE_WRITE_ERROR;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);

  if (res == CURLE_OK) {
    fprintf(stderr, "easy-get: %s: response code %ld\n", argv[1], status);
  } else {
    /* The error buffer may be empty if the failure left no detail. */
    fprintf(stderr, "easy-get: %s: %s (%d): %s\n", argv[1],
            curl_easy_strerror(res), (int)res,
            errbuf[0] ? errbuf : "no further detail");
    if (status)
      fprintf(stderr, "easy-get: response code %ld\n", status);
  }

  curl_easy_cleanup(curl);
  curl_global_cleanup();
  return res == CURLE_OK ? 0 : 1;
}

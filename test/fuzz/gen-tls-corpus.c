/* Writes the seed corpus of fuzz-tls into a folder:
 *   gen-tls-corpus test/fuzz/corpus/tls
 *
 * Each seed is recorded from a real exchange: ferry's client (made by
 * fuzz_tls_client(), deterministic in this program as in fuzz-tls, see
 * fuzz-tls-common.h) against an mbedTLS server in memory, with one cipher
 * suite, key type and ending per seed. The server's bytes are written
 * after the two fuzz-tls header bytes, and the seed is checked by
 * replaying it through fuzz_tls_run(): the handshake must complete and the
 * response arrive, so the fuzzer starts from inputs that reach every stage.
 * Run once by hand; the files are kept in git. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>

#include "fuzz-tls-common.h"
#include "tls.h"

#define RESPONSE "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

enum ending { END_CLOSE_NOTIFY, END_EOF, END_HELLO_REQUEST };

typedef struct seed {
  const char *name;
  int rsa;            /* the RSA identity, else the EC one */
  const char *suite;  /* the one suite the server allows */
  int tickets;        /* the server issues a session ticket */
  int cert_request;   /* the server asks for a client certificate */
  enum ending ending;
  unsigned char split, flags;
} seed;

static const seed seeds[] = {
    {"ecdsa-aes128-gcm", 0, "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256", 0, 0,
     END_CLOSE_NOTIFY, 0, FUZZ_TLS_VERIFY | FUZZ_TLS_WRITE},
    {"ecdsa-aes128-gcm-split", 0, "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256", 0,
     0, END_EOF, 7, FUZZ_TLS_SMALL_READS},
    {"ecdsa-chacha20", 0, "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256", 0,
     0, END_EOF, 0, FUZZ_TLS_VERIFY},
    {"ecdsa-aes128-cbc-sha256", 0, "TLS-ECDHE-ECDSA-WITH-AES-128-CBC-SHA256", 0,
     0, END_HELLO_REQUEST, 0, FUZZ_TLS_VERIFY | FUZZ_TLS_WRITE},
    {"ecdsa-aes256-cbc-sha", 0, "TLS-ECDHE-ECDSA-WITH-AES-256-CBC-SHA", 0, 0,
     END_CLOSE_NOTIFY, 100, 0},
    {"ecdsa-aes128-ccm8", 0, "TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8", 0, 0,
     END_CLOSE_NOTIFY, 0, FUZZ_TLS_VERIFY},
    {"ecdsa-ticket", 0, "TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384", 1, 0,
     END_CLOSE_NOTIFY, 0, FUZZ_TLS_VERIFY | FUZZ_TLS_WRITE},
    {"ecdsa-cert-request", 0, "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256", 0, 1,
     END_CLOSE_NOTIFY, 0, FUZZ_TLS_VERIFY},
    {"ecdsa-ip-host", 0, "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256", 0, 0,
     END_CLOSE_NOTIFY, 0, FUZZ_TLS_VERIFY | FUZZ_TLS_IP_HOST},
    {"rsa-ecdhe-aes256-gcm", 1, "TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384", 0, 0,
     END_CLOSE_NOTIFY, 0, FUZZ_TLS_VERIFY | FUZZ_TLS_WRITE},
    {"rsa-dhe-aes128-gcm", 1, "TLS-DHE-RSA-WITH-AES-128-GCM-SHA256", 0, 0,
     END_CLOSE_NOTIFY, 0, FUZZ_TLS_VERIFY},
    {"rsa-kx-aes128-cbc", 1, "TLS-RSA-WITH-AES-128-CBC-SHA", 0, 0,
     END_HELLO_REQUEST, 0, FUZZ_TLS_VERIFY},
    {"rsa-dhe-chacha20", 1, "TLS-DHE-RSA-WITH-CHACHA20-POLY1305-SHA256", 1, 0,
     END_EOF, 13, FUZZ_TLS_WRITE},
};

/* A growing byte array. */
typedef struct bytes {
  unsigned char *data;
  size_t len, off;
} bytes;

static void bytes_add(bytes *b, const void *p, size_t n) {
  b->data = realloc(b->data, b->len + n + 1);
  if (b->data == NULL)
    abort();
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

typedef struct server {
  mbedtls_ctr_drbg_context drbg;
  mbedtls_entropy_context entropy;
  mbedtls_ssl_config conf;
  mbedtls_ssl_context ssl;
  mbedtls_x509_crt cert, ca;
  mbedtls_pk_context key;
  mbedtls_ssl_ticket_context ticket;
  int suites[2];
  bytes in, out; /* from the client, to the client (the seed) */
} server;

static int srv_send(void *ctx, const unsigned char *p, size_t n) {
  server *s = ctx;
  bytes_add(&s->out, p, n);
  return (int)n;
}

static int srv_recv(void *ctx, unsigned char *p, size_t n) {
  server *s = ctx;
  size_t avail = s->in.len - s->in.off;
  if (avail == 0)
    return MBEDTLS_ERR_SSL_WANT_READ;
  if (n > avail)
    n = avail;
  memcpy(p, s->in.data + s->in.off, n);
  s->in.off += n;
  return (int)n;
}

static void check(int ret, const char *what) {
  char text[160];
  if (ret == 0)
    return;
  mbedtls_strerror(ret, text, sizeof(text));
  fprintf(stderr, "gen-tls-corpus: %s: -0x%04x %s\n", what, (unsigned)-ret,
          text);
  exit(1);
}

static void server_init(server *s, const seed *sd) {
  static const char *alpn[] = {"http/1.1", NULL};
  static const char pers[] = "gen-tls-corpus";
  const char *cert = sd->rsa ? fuzz_tls_rsa_cert : fuzz_tls_ec_cert;
  const char *key = sd->rsa ? fuzz_tls_rsa_key : fuzz_tls_ec_key;

  memset(s, 0, sizeof(*s));
  mbedtls_ctr_drbg_init(&s->drbg);
  mbedtls_entropy_init(&s->entropy);
  mbedtls_ssl_config_init(&s->conf);
  mbedtls_ssl_init(&s->ssl);
  mbedtls_x509_crt_init(&s->cert);
  mbedtls_x509_crt_init(&s->ca);
  mbedtls_pk_init(&s->key);
  mbedtls_ssl_ticket_init(&s->ticket);
  check(mbedtls_ctr_drbg_seed(&s->drbg, mbedtls_entropy_func, &s->entropy,
                              (const unsigned char *)pers, sizeof(pers) - 1),
        "drbg");
  check(mbedtls_ssl_config_defaults(&s->conf, MBEDTLS_SSL_IS_SERVER,
                                    MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT),
        "config");
  mbedtls_ssl_conf_rng(&s->conf, mbedtls_ctr_drbg_random, &s->drbg);
  mbedtls_ssl_conf_min_version(&s->conf, 3, 3);
  check(mbedtls_x509_crt_parse(&s->cert, (const unsigned char *)cert,
                               strlen(cert) + 1),
        "cert");
  check(mbedtls_pk_parse_key(&s->key, (const unsigned char *)key,
                             strlen(key) + 1, NULL, 0),
        "key");
  check(mbedtls_ssl_conf_own_cert(&s->conf, &s->cert, &s->key), "own cert");
  s->suites[0] = mbedtls_ssl_get_ciphersuite_id(sd->suite);
  if (s->suites[0] == 0) {
    fprintf(stderr, "gen-tls-corpus: unknown suite %s\n", sd->suite);
    exit(1);
  }
  mbedtls_ssl_conf_ciphersuites(&s->conf, s->suites);
  check(mbedtls_ssl_conf_alpn_protocols(&s->conf, alpn), "alpn");
  if (sd->cert_request) {
    check(mbedtls_x509_crt_parse(&s->ca, (const unsigned char *)fuzz_tls_ec_cert,
                                 strlen(fuzz_tls_ec_cert) + 1),
          "ca");
    mbedtls_ssl_conf_ca_chain(&s->conf, &s->ca, NULL);
    mbedtls_ssl_conf_authmode(&s->conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
  } else {
    mbedtls_ssl_conf_authmode(&s->conf, MBEDTLS_SSL_VERIFY_NONE);
  }
  if (sd->tickets) {
    check(mbedtls_ssl_ticket_setup(&s->ticket, mbedtls_ctr_drbg_random,
                                   &s->drbg, MBEDTLS_CIPHER_AES_256_GCM, 86400),
          "ticket");
    mbedtls_ssl_conf_session_tickets_cb(&s->conf, mbedtls_ssl_ticket_write,
                                        mbedtls_ssl_ticket_parse, &s->ticket);
  }
  if (sd->ending == END_HELLO_REQUEST)
    mbedtls_ssl_conf_renegotiation(&s->conf, MBEDTLS_SSL_RENEGOTIATION_ENABLED);
  check(mbedtls_ssl_setup(&s->ssl, &s->conf), "setup");
  mbedtls_ssl_set_bio(&s->ssl, s, srv_send, srv_recv, NULL);
}

static void server_free(server *s) {
  mbedtls_ssl_free(&s->ssl);
  mbedtls_ssl_config_free(&s->conf);
  mbedtls_x509_crt_free(&s->cert);
  mbedtls_x509_crt_free(&s->ca);
  mbedtls_pk_free(&s->key);
  mbedtls_ssl_ticket_free(&s->ticket);
  mbedtls_ctr_drbg_free(&s->drbg);
  mbedtls_entropy_free(&s->entropy);
  free(s->in.data);
  free(s->out.data);
}

/* Move the client's output to the server. */
static void client_to_server(ferry__tls *t, server *s) {
  size_t len;
  const char *p;
  while ((p = ferry__tls_pending_out(t, &len)) != NULL && len > 0) {
    bytes_add(&s->in, p, len);
    ferry__tls_consume_out(t, len);
  }
}

static void record(const seed *sd, bytes *file) {
  char err[FERRY_ERROR_SIZE];
  unsigned char head[2];
  size_t fed = 0;
  ferry__tls *t;
  server s;
  ferry_code rc = FERRYE_AGAIN;
  int ret = MBEDTLS_ERR_SSL_WANT_READ;

  server_init(&s, sd);
  if (fuzz_tls_client(sd->flags, &t) != FERRYE_OK)
    exit(1);
  for (int round = 0; round < 50 && (rc != FERRYE_OK || ret != 0); round++) {
    if (rc == FERRYE_AGAIN) {
      rc = ferry__tls_handshake(t, err, sizeof(err));
      if (rc != FERRYE_OK && rc != FERRYE_AGAIN) {
        fprintf(stderr, "gen-tls-corpus: %s: client: %s\n", sd->name, err);
        exit(1);
      }
      client_to_server(t, &s);
    }
    if (ret != 0) {
      ret = mbedtls_ssl_handshake(&s.ssl);
      if (ret != 0 && ret != MBEDTLS_ERR_SSL_WANT_READ)
        check(ret, sd->name);
    }
    if (s.out.len > fed) {
      if (ferry__tls_feed(t, (const char *)s.out.data + fed, s.out.len - fed) !=
          FERRYE_OK)
        exit(1);
      fed = s.out.len;
    }
  }
  if (rc != FERRYE_OK || ret != 0) {
    fprintf(stderr, "gen-tls-corpus: %s: the handshake did not finish\n",
            sd->name);
    exit(1);
  }
  ret = mbedtls_ssl_write(&s.ssl, (const unsigned char *)RESPONSE,
                          strlen(RESPONSE));
  if (ret != (int)strlen(RESPONSE))
    check(ret < 0 ? ret : -1, "write");
  if (sd->ending == END_CLOSE_NOTIFY)
    check(mbedtls_ssl_close_notify(&s.ssl), "close_notify");
  if (sd->ending == END_HELLO_REQUEST) {
    ret = mbedtls_ssl_renegotiate(&s.ssl);
    if (ret != 0 && ret != MBEDTLS_ERR_SSL_WANT_READ)
      check(ret, "renegotiate");
  }
  head[0] = sd->split;
  head[1] = sd->flags;
  bytes_add(file, head, 2);
  bytes_add(file, s.out.data, s.out.len);
  ferry__tls_free(t);
  server_free(&s);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: gen-tls-corpus DIR\n");
    return 2;
  }
  for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
    const seed *sd = &seeds[i];
    bytes file = {NULL, 0, 0};
    fuzz_tls_outcome out;
    char path[4096];
    FILE *f;
    int want_closed = sd->ending == END_CLOSE_NOTIFY ? FERRY__TLS_CLOSE_NOTIFY
                                                     : FERRY__TLS_CLOSE_EOF;

    record(sd, &file);
    /* the seed must replay to the end */
    fuzz_tls_run(file.data, file.len, &out);
    if (!out.opened || out.rc != FERRYE_OK || out.closed != want_closed ||
        strcmp(out.head, RESPONSE) != 0) {
      fprintf(stderr,
              "gen-tls-corpus: %s does not replay: opened %d rc %d closed %d "
              "read %zu\n",
              sd->name, out.opened, (int)out.rc, out.closed, out.read);
      return 1;
    }
    snprintf(path, sizeof(path), "%s/%s", argv[1], sd->name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(file.data, 1, file.len, f) != file.len ||
        fclose(f) != 0) {
      perror(path);
      return 1;
    }
    printf("%s: %zu bytes\n", path, file.len);
    free(file.data);
  }
  return 0;
}

/* See fuzz-tls-common.h. */
#include "fuzz-tls-common.h"

#include <string.h>
#include <time.h>

#include <mbedtls/entropy.h>

#include "tls.h"

/* ---- determinism (see the header) ---------------------------------------- */

int mbedtls_entropy_func(void *data, unsigned char *output, size_t len) {
  (void)data;
  for (size_t i = 0; i < len; i++)
    output[i] = (unsigned char)(0xa5 ^ (i * 29));
  return 0;
}

time_t time(time_t *t) {
  if (t != NULL)
    *t = (time_t)FUZZ_TLS_TIME;
  return (time_t)FUZZ_TLS_TIME;
}

/* ---- identities ------------------------------------------------------------ */

const char fuzz_tls_ec_cert[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBnDCCAUGgAwIBAgIUPrQxYafdR89veqfNE3nxMVDXcawwCgYIKoZIzj0EAwIw\n"
    "FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMzAwMDYyMloYDzIxMjYxMDMw\n"
    "MDAwNjIyWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO\n"
    "PQMBBwNCAATEkAAtMxgEswVJWGvqw/twbuDVXp5RvwoQVwQEE511JX95c/QbTwFh\n"
    "0ZJFT+V40oFGZ++EVlWU9WZRIrnj5h4Ho28wbTAdBgNVHQ4EFgQUfqGncewq0/W9\n"
    "0fdoxFh3AHmv0qwwHwYDVR0jBBgwFoAUfqGncewq0/W90fdoxFh3AHmv0qwwDwYD\n"
    "VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI\n"
    "zj0EAwIDSQAwRgIhALJbr4COHVMxyOYGShB61juHdU5LS7hy7Lg6Wvnur/mwAiEA\n"
    "qxXbMWKB//jZvJOq21UEvBlBlt9ADJTVWgA6BQd0dt4=\n"
    "-----END CERTIFICATE-----\n";

const char fuzz_tls_ec_key[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIH7oZ+nT/Iafpr3s1s09tGN0QFjOkP98Ews7JtVZih+aoAoGCCqGSM49\n"
    "AwEHoUQDQgAExJAALTMYBLMFSVhr6sP7cG7g1V6eUb8KEFcEBBOddSV/eXP0G08B\n"
    "YdGSRU/leNKBRmfvhFZVlPVmUSK54+YeBw==\n"
    "-----END EC PRIVATE KEY-----\n";

const char fuzz_tls_rsa_cert[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDJzCCAg+gAwIBAgIUWymXQOcOJYWDsS8CAtM7fH9bx+AwDQYJKoZIhvcNAQEL\n"
    "BQAwFDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMzAwMDYyMloYDzIxMjYx\n"
    "MDMwMDAwNjIyWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwggEiMA0GCSqGSIb3DQEB\n"
    "AQUAA4IBDwAwggEKAoIBAQC9Tw+TvJuF3cSbsxNS+010DfHXTZQaIkBsUp796aoi\n"
    "D0B0afl6vFEIlBGPfTjJBe2pBmatJGUlxqIw9sBEP2L9eW5fFIjQ+sZ5hmSU3wOB\n"
    "eWdq181DmBzGhlNPmit0+R+IvPBv1TS2yybXwlEvihVRY2K7zJcy11ElMVyPYlGB\n"
    "90+crekWFjWvCY3SS9wT9uRCX0qG4qK4+0sxmvcWxacLmY8CWNa6OBhS5EZlo8vH\n"
    "jeTKPHVcaISG40k+j30QBWDeqYk4Lqr4ECTNyieDKIRtWdDjoma1964WtGTiN2UA\n"
    "bToe0FBTJmOC1cpJ8HikJOY22TDYWhY2RyH+I1ZwdcS3AgMBAAGjbzBtMB0GA1Ud\n"
    "DgQWBBSn5UZP/RfIyq5Hza5/JBeywskCEDAfBgNVHSMEGDAWgBSn5UZP/RfIyq5H\n"
    "za5/JBeywskCEDAPBgNVHRMBAf8EBTADAQH/MBoGA1UdEQQTMBGCCWxvY2FsaG9z\n"
    "dIcEfwAAATANBgkqhkiG9w0BAQsFAAOCAQEApHcAxtpNZanSmUp5Nsh3eFljUfzu\n"
    "t95zaeohU7G5mjhsndUuqGlhTjubKaQyhrbIXTMq8ChRJm020SVW2DeJz+ir7NOG\n"
    "3MUjMOwOsCySlGdWR/K/jhmwq0PM4vqrDA+ox4CQPxa1b2J+v9HW+cYp8LGGvZtx\n"
    "7J2JaKrUuBGw41SAO9JePaFwIDVOxoJa9xoyNoV0UAtlqY8jdpVNg205kIa0fULR\n"
    "59DD8r3IDh0elEO8xiJL0YjX1WNE9IW8RqJgRCh/YZ5qWY6eyG9UOLpyFtRN29Db\n"
    "7YYt+AKiBCrT35LTn/3SgN+AQMM13y/1EUVavQYl1Jw7NLS/DhXd1apVKA==\n"
    "-----END CERTIFICATE-----\n";

const char fuzz_tls_rsa_key[] =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAvU8Pk7ybhd3Em7MTUvtNdA3x102UGiJAbFKe/emqIg9AdGn5\n"
    "erxRCJQRj304yQXtqQZmrSRlJcaiMPbARD9i/XluXxSI0PrGeYZklN8DgXlnatfN\n"
    "Q5gcxoZTT5ordPkfiLzwb9U0tssm18JRL4oVUWNiu8yXMtdRJTFcj2JRgfdPnK3p\n"
    "FhY1rwmN0kvcE/bkQl9KhuKiuPtLMZr3FsWnC5mPAljWujgYUuRGZaPLx43kyjx1\n"
    "XGiEhuNJPo99EAVg3qmJOC6q+BAkzcongyiEbVnQ46JmtfeuFrRk4jdlAG06HtBQ\n"
    "UyZjgtXKSfB4pCTmNtkw2FoWNkch/iNWcHXEtwIDAQABAoIBAELYONLcxTmmjfbA\n"
    "a7FgZP/2sI9qqEH2GDNnlRZpPJbcNdElXl81QZO63NyCxdtNiZamWPkIIeMN2VVa\n"
    "u5cdnrGMACn4kTrhYdWlW7ypZo6ANMEoRCV6/6Yl5iL0eCXMlZLtzCRg70UgRK3o\n"
    "wkv8AP0FD+bqHfVozBFK9bj3aXpvIqfcb9FFLIG9wH24ayXuF408sZW1Z42teqwp\n"
    "WQXPUuslWpt9NLWuNNyzTzv6a1myVaC/fhQH5EjBKA8s0VUAMw2LPipi+m3sn3wG\n"
    "OgR2s3DNStXF1F1XKjxb9CcJhMQIzDnSUaS96kAWge72ZWJ8LtbqxtcVjJLKYs+7\n"
    "rhtCU4ECgYEA3bWB1/TjwrIrg3DzQXvFfDyw9jJIzSgSaGVk1Yo0nT0dkzEFEnKf\n"
    "FA6K1WR9h8gciMhqrmiO4deHdLIQawpYRcNIvmDrKmUr8nzXKJyT87wlfyciuVQE\n"
    "FnI1cjqZn2h51MkcFTSh65E3l8XrdUO4AXV3ulDU4u8/2KJE6wMiPvcCgYEA2pat\n"
    "9Oav3lcf1qKbAM8pFPizqd+MKG9paFPT7Rl3npJKI2PxL3/znQ3GjX+krKvHnGx+\n"
    "sua67ukLngdQnOSo0vWbZ8HSnxA9xu9veMftzvJxjgyKXLv5JoWB5VuK1bd76q08\n"
    "ihKKoWgOl+CTrD+yJFearnl9FYmSD3eFGhLAeEECgYB2LwYrD1DF/WHyrCgPtSG9\n"
    "q0CNzJpAOmctnTcWGZkYZHa6erwAbHdeIq5hODMuST7kryknFXds7g4355+W36nU\n"
    "blf9m/5f2BSIK4IqFOVNXPMEB+GbtyyCppjU7mXrsq6W/ilpKGhUAVIIJqnwFYwl\n"
    "wu9ysxn4ap63JTDlsgL0WwKBgQCyf2ssWpjw2nqQXhZvcbudeX3VUUx11Izh+dpM\n"
    "eoh5AAL0pW9Vl4nLDW2/LKW/r0MAlIRd+RZbdAjdkiGdDQhjxNaTwu4IoE2iPvHr\n"
    "Um/6l3ZtRgZStdk+QLWTIs7buMrDF5YhNgToyz1nfqd4eEczcCpLIcAoL0ALy1Dw\n"
    "urFbQQKBgFbiFVkVwe5zXg6Z2MnDZTFTCi0EsrbGzLhrlETQh3nQnBg0s50KCcpU\n"
    "SR5xNj8UvyibKzSKJgIY0IKEARCl0RwQB1q4gtfRVy6hguL0eedEVorCf42ZBbwF\n"
    "DcVK9VRNR2jxoFlc49Dhb0ciHoLnB8L2KeuoqMbTJ+51jBgLpIuh\n"
    "-----END RSA PRIVATE KEY-----\n";

/* ---- the client ----------------------------------------------------------- */

ferry_code fuzz_tls_client(unsigned flags, ferry__tls **out) {
  static const char *const alpn[] = {"http/1.1", NULL};
  static char ca[sizeof(fuzz_tls_ec_cert) + sizeof(fuzz_tls_rsa_cert)];
  ferry__tls_config cfg;
  ferry__tls_ctx *ctx;
  char err[FERRY_ERROR_SIZE];
  ferry_code rc;

  if (ca[0] == '\0') {
    strcpy(ca, fuzz_tls_ec_cert);
    strcat(ca, fuzz_tls_rsa_cert);
  }
  ferry__tls_config_init(&cfg);
  cfg.alpn = alpn;
  cfg.verify_peer = (flags & FUZZ_TLS_VERIFY) != 0;
  if (cfg.verify_peer) {
    cfg.cainfo_blob = ca;
    cfg.cainfo_blob_len = strlen(ca) + 1;
  }
  rc = ferry__tls_ctx_new(&ctx, &cfg, err, sizeof(err));
  if (rc != FERRYE_OK)
    return rc;
  rc = ferry__tls_new(out, ctx, NULL, NULL,
                      (flags & FUZZ_TLS_IP_HOST) ? "127.0.0.1" : "localhost",
                      443, err, sizeof(err));
  ferry__tls_ctx_free(ctx); /* the connection holds its own reference */
  return rc;
}

/* Drop the client's output (there is no server to read it). */
static void drain(ferry__tls *t) {
  size_t len;
  while (ferry__tls_pending_out(t, &len) != NULL && len > 0)
    ferry__tls_consume_out(t, len);
}

void fuzz_tls_run(const uint8_t *data, size_t size, fuzz_tls_outcome *out) {
  enum { HANDSHAKE, OPEN, DONE } state = HANDSHAKE;
  char err[FERRY_ERROR_SIZE], buf[16384];
  const uint8_t *p;
  size_t n, chunk, cap, off = 0;
  unsigned flags;
  ferry__tls *t;
  ferry_code rc;
  int eof = 0;

  memset(out, 0, sizeof(*out));
  if (size < 2)
    return;
  chunk = data[0] ? data[0] : size;
  flags = data[1];
  p = data + 2;
  n = size - 2;
  cap = (flags & FUZZ_TLS_SMALL_READS) ? 1 + data[0] % 16u : sizeof(buf);

  if (fuzz_tls_client(flags, &t) != FERRYE_OK)
    __builtin_trap(); /* nothing about this setup can fail */
  err[0] = '\0';
  if (ferry__tls_handshake(t, err, sizeof(err)) != FERRYE_AGAIN)
    __builtin_trap(); /* the ClientHello is out, the reply awaited */
  drain(t);

  while (state != DONE) {
    if (off < n) {
      size_t k = n - off < chunk ? n - off : chunk;
      if (ferry__tls_feed(t, (const char *)p + off, k) != FERRYE_OK)
        __builtin_trap(); /* inputs are far below the 1 MiB cap */
      off += k;
    } else if (!eof) {
      ferry__tls_feed_eof(t);
      eof = 1;
    } else {
      /* an input that is used up must have ended the connection */
      __builtin_trap();
    }

    if (state == HANDSHAKE) {
      err[0] = '\0';
      rc = ferry__tls_handshake(t, err, sizeof(err));
      drain(t);
      if (rc == FERRYE_AGAIN) {
        if (eof)
          __builtin_trap(); /* after EOF it must fail, not wait */
        continue;
      }
      if (rc != FERRYE_OK) {
        if (err[0] == '\0')
          __builtin_trap(); /* every failure says why */
        out->rc = rc;
        state = DONE;
        break;
      }
      state = OPEN;
      out->opened = 1;
      if (ferry__tls_handshake(t, err, sizeof(err)) != FERRYE_OK)
        __builtin_trap(); /* OK on every later call */
      if (flags & FUZZ_TLS_WRITE) {
        size_t taken = 0;
        rc = ferry__tls_write(t, FUZZ_TLS_REQUEST, strlen(FUZZ_TLS_REQUEST),
                              &taken, err, sizeof(err));
        if (rc != FERRYE_OK || taken != strlen(FUZZ_TLS_REQUEST))
          __builtin_trap();
        drain(t);
      }
    }

    /* OPEN: read all there is, as the engine does */
    for (;;) {
      size_t got = 0;
      int closed = 0;
      err[0] = '\0';
      rc = ferry__tls_read(t, buf, cap, &got, &closed, err, sizeof(err));
      drain(t); /* a refused renegotiation queues an alert */
      if (rc == FERRYE_OK && got > 0) {
        if (got > cap || closed)
          __builtin_trap();
        if (out->read < sizeof(out->head) - 1) {
          size_t room = sizeof(out->head) - 1 - out->read;
          memcpy(out->head + out->read, buf, got < room ? got : room);
        }
        out->read += got;
        continue;
      }
      if (rc == FERRYE_OK) {
        if (closed != FERRY__TLS_CLOSE_NOTIFY && closed != FERRY__TLS_CLOSE_EOF)
          __builtin_trap(); /* OK with no bytes must mean the end */
        if (closed == FERRY__TLS_CLOSE_EOF && !eof)
          __builtin_trap(); /* no EOF was fed */
        out->closed = closed;
        state = DONE;
        break;
      }
      if (rc == FERRYE_AGAIN) {
        if (got != 0 || closed)
          __builtin_trap();
        /* the engine loops on has_buffered: it must be 0 now, and after
         * EOF nothing more can come, so AGAIN would hang it */
        if (ferry__tls_has_buffered(t) || eof)
          __builtin_trap();
        break;
      }
      if (err[0] == '\0')
        __builtin_trap();
      out->rc = rc;
      state = DONE;
      break;
    }
  }
  if (out->opened) {
    ferry__tls_close_notify(t);
    drain(t);
  }
  ferry__tls_free(t);
}

/* Test certificates, made at test time with mbedTLS's own writers.
 *
 * tcerts_make() creates a private temporary directory and writes PEM files
 * into it: a CA, leaf certificates signed by it (or not) for each
 * verification case, a client certificate, and a second CA that signed
 * nothing the servers use (the "unknown CA" case). Every key is a fresh
 * P-256 EC key, so the whole set takes milliseconds. tcerts_cleanup()
 * removes the files and the directory.
 *
 * Every path is a NUL-terminated absolute path inside dir. A test that
 * needs the bytes of a file can read it with tcerts_read().
 *
 * Memory: test code, so an allocation failure aborts.
 */
#ifndef FERRY_TEST_CERTS_H
#define FERRY_TEST_CERTS_H

#include <stddef.h>

#define TCERTS_PATH_MAX 256

typedef struct tcerts {
  char dir[TCERTS_PATH_MAX];
  /* The CA that signs the servers' and the client's certificates: CN
   * "ferry test CA", valid 2020..2049, basicConstraints CA:TRUE. */
  char ca[TCERTS_PATH_MAX];
  /* A CA with CN "ferry other CA" that signed nothing used here. */
  char other_ca[TCERTS_PATH_MAX];
  /* CN "localhost", SAN dNSName localhost, iPAddress 127.0.0.1 and ::1;
   * signed by ca, valid 2020..2049. */
  char server[TCERTS_PATH_MAX], server_key[TCERTS_PATH_MAX];
  /* server's public key (SubjectPublicKeyInfo) as PEM and DER files, and
   * its pin string "sha256//<base64 of SHA-256 of the DER>". */
  char server_pub_pem[TCERTS_PATH_MAX], server_pub_der[TCERTS_PATH_MAX];
  char server_pin[64];
  /* Like server but expired: valid 2010-01-01..2011-01-01. */
  char expired[TCERTS_PATH_MAX], expired_key[TCERTS_PATH_MAX];
  /* CN and SAN dNSName "wrong.example"; signed by ca. */
  char wrong_name[TCERTS_PATH_MAX], wrong_name_key[TCERTS_PATH_MAX];
  /* Self-signed, CN and SAN localhost + 127.0.0.1 (no CA signed it). */
  char self_signed[TCERTS_PATH_MAX], self_signed_key[TCERTS_PATH_MAX];
  /* CN "127.0.0.1" but SAN iPAddress 127.0.0.2 only; signed by ca. */
  char ip_only[TCERTS_PATH_MAX], ip_only_key[TCERTS_PATH_MAX];
  /* CN "127.0.0.1" and no SAN extension at all; signed by ca. */
  char ip_cn_only[TCERTS_PATH_MAX], ip_cn_only_key[TCERTS_PATH_MAX];
  /* Signed by other_ca, CN and SAN localhost + 127.0.0.1. */
  char other_ca_server[TCERTS_PATH_MAX], other_ca_server_key[TCERTS_PATH_MAX];
  /* A client certificate, CN "ferry test client", signed by ca. */
  char client[TCERTS_PATH_MAX], client_key[TCERTS_PATH_MAX];
  /* A path for the client key encrypted with a password; not made by
   * tcerts_make() (mbedTLS 2.28 cannot write encrypted keys), but removed
   * by tcerts_cleanup() if a test made it. */
  char client_key_encrypted[TCERTS_PATH_MAX];
  /* Both at once: client certificate and key in one PEM file. */
  char client_combined[TCERTS_PATH_MAX];
  /* A file that is not a certificate or key at all. */
  char garbage[TCERTS_PATH_MAX];
  /* A path that does not exist (inside dir). */
  char missing[TCERTS_PATH_MAX];
  /* A directory (for CAPATH) holding a copy of ca only, as capath_ca. */
  char capath[TCERTS_PATH_MAX], capath_ca[TCERTS_PATH_MAX];
} tcerts;

/* Make the directory and every file. Returns 0, or -1 with a message on
 * stderr (then nothing is left behind). */
int tcerts_make(tcerts *c);

/* Remove every file and the directory. Safe to call twice. */
void tcerts_cleanup(tcerts *c);

/* The bytes of a file, malloc'd with a NUL after them (the caller frees),
 * and their count in *len. NULL if it cannot be read. */
char *tcerts_read(const char *path, size_t *len);

#endif

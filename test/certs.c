/* Test certificates (see certs.h). Built with mbedTLS 2.28's writers:
 * x509write_crt for the certificates, and the subjectAltName extension
 * encoded here by hand, since 2.28 has no SAN setter. */
#include "certs.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#define PEM_MAX 8192

/* The validity of everything but the expired certificate. */
#define VALID_FROM "20200101000000"
#define VALID_TO "20491231235959"

struct maker {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  int serial;
};

/* A key and the name it signs as, for issuing. */
struct issuer {
  mbedtls_pk_context key;
  const char *name; /* "CN=..." */
};

/* One certificate to make. sans is a NULL-terminated list of "DNS:name"
 * or "IP:address" strings; NULL for no SAN extension. */
struct cert_spec {
  const char *subject;
  const char *const *sans;
  int is_ca;
  const char *not_before, *not_after;
  const struct issuer *issuer; /* NULL: self-signed */
};

static int report(const char *what, int ret) {
  char text[160];
  mbedtls_strerror(ret, text, sizeof(text));
  fprintf(stderr, "tcerts: %s: -0x%04x %s\n", what, (unsigned)-ret, text);
  return -1;
}

static int write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    perror(path);
    return -1;
  }
  if (fwrite(data, 1, len, f) != len) {
    perror(path);
    fclose(f);
    return -1;
  }
  if (fclose(f) != 0) {
    perror(path);
    return -1;
  }
  return 0;
}

char *tcerts_read(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *data = NULL;
  size_t n = 0, cap = 0;

  if (f == NULL)
    return NULL;
  for (;;) {
    size_t got;
    if (cap - n < 4096) {
      cap = cap ? cap * 2 : 8192;
      data = realloc(data, cap + 1);
      if (data == NULL)
        abort();
    }
    got = fread(data + n, 1, cap - n, f);
    n += got;
    if (got == 0)
      break;
  }
  fclose(f);
  data[n] = '\0';
  if (len != NULL)
    *len = n;
  return data;
}

static int make_key(struct maker *mk, mbedtls_pk_context *key) {
  int ret;

  mbedtls_pk_init(key);
  ret = mbedtls_pk_setup(key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (ret != 0)
    return report("pk_setup", ret);
  ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*key),
                            mbedtls_ctr_drbg_random, &mk->drbg);
  if (ret != 0)
    return report("ecp_gen_key", ret);
  return 0;
}

static int write_key_pem(const mbedtls_pk_context *key, const char *path) {
  unsigned char pem[PEM_MAX];
  int ret = mbedtls_pk_write_key_pem((mbedtls_pk_context *)key, pem,
                                     sizeof(pem));
  if (ret != 0)
    return report("pk_write_key_pem", ret);
  return write_file(path, pem, strlen((char *)pem));
}

/* Encode GeneralNames for the subjectAltName extension. ASN.1 is written
 * backwards from the end of buf; *out points at the first byte. Returns
 * the length, or a negative mbedTLS error. */
static int encode_sans(const char *const *sans, unsigned char *buf,
                       size_t size, unsigned char **out) {
  unsigned char *p = buf + size;
  size_t count = 0, len = 0;
  int ret;

  while (sans[count] != NULL)
    count++;
  while (count-- > 0) {
    const char *san = sans[count];
    unsigned char ip[16];
    int tag;
    const unsigned char *value;
    size_t value_len;

    if (strncmp(san, "DNS:", 4) == 0) {
      tag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2; /* dNSName */
      value = (const unsigned char *)san + 4;
      value_len = strlen(san + 4);
    } else if (strncmp(san, "IP:", 3) == 0) {
      tag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7; /* iPAddress */
      value = ip;
      if (inet_pton(AF_INET, san + 3, ip) == 1)
        value_len = 4;
      else if (inet_pton(AF_INET6, san + 3, ip) == 1)
        value_len = 16;
      else
        return MBEDTLS_ERR_X509_BAD_INPUT_DATA;
    } else {
      return MBEDTLS_ERR_X509_BAD_INPUT_DATA;
    }
    ret = mbedtls_asn1_write_raw_buffer(&p, buf, value, value_len);
    if (ret < 0)
      return ret;
    len += (size_t)ret;
    ret = mbedtls_asn1_write_len(&p, buf, value_len);
    if (ret < 0)
      return ret;
    len += (size_t)ret;
    ret = mbedtls_asn1_write_tag(&p, buf, (unsigned char)tag);
    if (ret < 0)
      return ret;
    len += (size_t)ret;
  }
  ret = mbedtls_asn1_write_len(&p, buf, len);
  if (ret < 0)
    return ret;
  len += (size_t)ret;
  ret = mbedtls_asn1_write_tag(&p, buf,
                               MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
  if (ret < 0)
    return ret;
  len += (size_t)ret;
  *out = p;
  return (int)len;
}

/* Write a certificate for key per spec into path (PEM). */
static int make_cert(struct maker *mk, const struct cert_spec *spec,
                     mbedtls_pk_context *key, const char *path) {
  mbedtls_x509write_cert crt;
  mbedtls_mpi serial;
  unsigned char pem[PEM_MAX];
  unsigned char san[512];
  int ret;

  mbedtls_x509write_crt_init(&crt);
  mbedtls_mpi_init(&serial);
  mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&crt, key);
  if (spec->issuer != NULL) {
    mbedtls_x509write_crt_set_issuer_key(&crt, (mbedtls_pk_context *)&spec->issuer->key);
    ret = mbedtls_x509write_crt_set_issuer_name(&crt, spec->issuer->name);
  } else {
    mbedtls_x509write_crt_set_issuer_key(&crt, key);
    ret = mbedtls_x509write_crt_set_issuer_name(&crt, spec->subject);
  }
  if (ret != 0)
    goto failed;
  ret = mbedtls_x509write_crt_set_subject_name(&crt, spec->subject);
  if (ret != 0)
    goto failed;
  ret = mbedtls_mpi_lset(&serial, ++mk->serial);
  if (ret == 0)
    ret = mbedtls_x509write_crt_set_serial(&crt, &serial);
  if (ret != 0)
    goto failed;
  ret = mbedtls_x509write_crt_set_validity(&crt, spec->not_before,
                                           spec->not_after);
  if (ret != 0)
    goto failed;
  ret = mbedtls_x509write_crt_set_basic_constraints(&crt, spec->is_ca,
                                                    spec->is_ca ? 0 : -1);
  if (ret != 0)
    goto failed;
  ret = mbedtls_x509write_crt_set_key_usage(
      &crt, spec->is_ca ? MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN
                        : MBEDTLS_X509_KU_DIGITAL_SIGNATURE);
  if (ret != 0)
    goto failed;
  if (spec->sans != NULL) {
    unsigned char *der;
    ret = encode_sans(spec->sans, san, sizeof(san), &der);
    if (ret < 0)
      goto failed;
    ret = mbedtls_x509write_crt_set_extension(
        &crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
        MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, der, (size_t)ret);
    if (ret != 0)
      goto failed;
  }
  ret = mbedtls_x509write_crt_pem(&crt, pem, sizeof(pem),
                                  mbedtls_ctr_drbg_random, &mk->drbg);
  if (ret != 0)
    goto failed;
  mbedtls_x509write_crt_free(&crt);
  mbedtls_mpi_free(&serial);
  return write_file(path, pem, strlen((char *)pem));

failed:
  mbedtls_x509write_crt_free(&crt);
  mbedtls_mpi_free(&serial);
  return report(path, ret);
}

/* Make a fresh key, write it to key_path, and a certificate for it. */
static int make_leaf(struct maker *mk, const struct cert_spec *spec,
                     const char *cert_path, const char *key_path,
                     mbedtls_pk_context *key_out) {
  mbedtls_pk_context key;
  int rc;

  if (make_key(mk, &key) != 0) {
    mbedtls_pk_free(&key);
    return -1;
  }
  rc = write_key_pem(&key, key_path);
  if (rc == 0)
    rc = make_cert(mk, spec, &key, cert_path);
  if (rc == 0 && key_out != NULL)
    *key_out = key; /* the caller frees it */
  else
    mbedtls_pk_free(&key);
  return rc;
}

/* The server's public key files and its sha256// pin. */
static int write_public_key(tcerts *c, mbedtls_pk_context *key) {
  unsigned char der[1024], pem[2048], hash[32];
  size_t b64_len;
  int len, ret;

  ret = mbedtls_pk_write_pubkey_pem(key, pem, sizeof(pem));
  if (ret != 0)
    return report("pk_write_pubkey_pem", ret);
  if (write_file(c->server_pub_pem, pem, strlen((char *)pem)) != 0)
    return -1;
  len = mbedtls_pk_write_pubkey_der(key, der, sizeof(der));
  if (len < 0)
    return report("pk_write_pubkey_der", len);
  /* The DER is written at the end of the buffer. */
  if (write_file(c->server_pub_der, der + sizeof(der) - len, (size_t)len) != 0)
    return -1;
  ret = mbedtls_sha256_ret(der + sizeof(der) - len, (size_t)len, hash, 0);
  if (ret != 0)
    return report("sha256", ret);
  memcpy(c->server_pin, "sha256//", 8);
  ret = mbedtls_base64_encode((unsigned char *)c->server_pin + 8,
                              sizeof(c->server_pin) - 8, &b64_len, hash,
                              sizeof(hash));
  if (ret != 0)
    return report("base64", ret);
  return 0;
}

static int set_path(tcerts *c, char *out, const char *name) {
  int n = snprintf(out, TCERTS_PATH_MAX, "%s/%s", c->dir, name);
  return n > 0 && n < TCERTS_PATH_MAX ? 0 : -1;
}

/* Every path field, for naming and for cleanup. */
#define TCERTS_FILES(X)                                                       \
  X(ca, "ca.pem")                                                             \
  X(other_ca, "other-ca.pem")                                                 \
  X(server, "server.pem")                                                     \
  X(server_key, "server.key")                                                 \
  X(server_pub_pem, "server-pub.pem")                                         \
  X(server_pub_der, "server-pub.der")                                         \
  X(expired, "expired.pem")                                                   \
  X(expired_key, "expired.key")                                               \
  X(wrong_name, "wrong-name.pem")                                             \
  X(wrong_name_key, "wrong-name.key")                                         \
  X(self_signed, "self-signed.pem")                                           \
  X(self_signed_key, "self-signed.key")                                       \
  X(ip_only, "ip-only.pem")                                                   \
  X(ip_only_key, "ip-only.key")                                               \
  X(ip_cn_only, "ip-cn-only.pem")                                             \
  X(ip_cn_only_key, "ip-cn-only.key")                                         \
  X(other_ca_server, "other-ca-server.pem")                                   \
  X(other_ca_server_key, "other-ca-server.key")                               \
  X(client, "client.pem")                                                     \
  X(client_key, "client.key")                                                 \
  X(client_key_encrypted, "client-encrypted.key")                             \
  X(client_combined, "client-combined.pem")                                   \
  X(garbage, "garbage.pem")                                                   \
  X(missing, "missing.pem")                                                   \
  X(capath_ca, "capath/ca.pem")

static int make_all(tcerts *c, struct maker *mk) {
  static const char *const server_sans[] = {"DNS:localhost", "IP:127.0.0.1",
                                            "IP:::1", NULL};
  static const char *const local_sans[] = {"DNS:localhost", "IP:127.0.0.1",
                                           NULL};
  static const char *const wrong_sans[] = {"DNS:wrong.example", NULL};
  static const char *const ip_only_sans[] = {"IP:127.0.0.2", NULL};
  struct issuer ca = {.name = "CN=ferry test CA"};
  struct issuer other = {.name = "CN=ferry other CA"};
  mbedtls_pk_context server_key;
  char *cert_pem = NULL, *key_pem = NULL;
  size_t cert_len, key_len;
  int rc = -1;

  mbedtls_pk_init(&ca.key);
  mbedtls_pk_init(&other.key);
  mbedtls_pk_init(&server_key);

  /* The two CAs. */
  if (make_key(mk, &ca.key) != 0 || make_key(mk, &other.key) != 0)
    goto done;
  {
    struct cert_spec spec = {ca.name, NULL, 1, VALID_FROM, VALID_TO, NULL};
    if (make_cert(mk, &spec, &ca.key, c->ca) != 0)
      goto done;
    spec.subject = other.name;
    if (make_cert(mk, &spec, &other.key, c->other_ca) != 0)
      goto done;
  }
  {
    struct cert_spec spec = {"CN=localhost", server_sans, 0, VALID_FROM,
                             VALID_TO, &ca};
    if (make_leaf(mk, &spec, c->server, c->server_key, &server_key) != 0)
      goto done;
    if (write_public_key(c, &server_key) != 0)
      goto done;
  }
  {
    struct cert_spec spec = {"CN=localhost", server_sans, 0, "20100101000000",
                             "20110101000000", &ca};
    if (make_leaf(mk, &spec, c->expired, c->expired_key, NULL) != 0)
      goto done;
  }
  {
    struct cert_spec spec = {"CN=wrong.example", wrong_sans, 0, VALID_FROM,
                             VALID_TO, &ca};
    if (make_leaf(mk, &spec, c->wrong_name, c->wrong_name_key, NULL) != 0)
      goto done;
  }
  {
    struct cert_spec spec = {"CN=localhost", local_sans, 0, VALID_FROM,
                             VALID_TO, NULL};
    if (make_leaf(mk, &spec, c->self_signed, c->self_signed_key, NULL) != 0)
      goto done;
  }
  {
    struct cert_spec spec = {"CN=127.0.0.1", ip_only_sans, 0, VALID_FROM,
                             VALID_TO, &ca};
    if (make_leaf(mk, &spec, c->ip_only, c->ip_only_key, NULL) != 0)
      goto done;
  }
  {
    struct cert_spec spec = {"CN=127.0.0.1", NULL, 0, VALID_FROM, VALID_TO,
                             &ca};
    if (make_leaf(mk, &spec, c->ip_cn_only, c->ip_cn_only_key, NULL) != 0)
      goto done;
  }
  {
    struct cert_spec spec = {"CN=localhost", local_sans, 0, VALID_FROM,
                             VALID_TO, &other};
    if (make_leaf(mk, &spec, c->other_ca_server, c->other_ca_server_key,
                  NULL) != 0)
      goto done;
  }
  {
    struct cert_spec spec = {"CN=ferry test client", NULL, 0, VALID_FROM,
                             VALID_TO, &ca};
    if (make_leaf(mk, &spec, c->client, c->client_key, NULL) != 0)
      goto done;
  }
  cert_pem = tcerts_read(c->client, &cert_len);
  key_pem = tcerts_read(c->client_key, &key_len);
  if (cert_pem == NULL || key_pem == NULL)
    goto done;
  cert_pem = realloc(cert_pem, cert_len + key_len + 1);
  if (cert_pem == NULL)
    abort();
  memcpy(cert_pem + cert_len, key_pem, key_len);
  if (write_file(c->client_combined, cert_pem, cert_len + key_len) != 0)
    goto done;
  if (write_file(c->garbage, "this is not a certificate\n", 26) != 0)
    goto done;
  free(cert_pem);
  cert_pem = tcerts_read(c->ca, &cert_len);
  if (cert_pem == NULL || mkdir(c->capath, 0700) != 0 ||
      write_file(c->capath_ca, cert_pem, cert_len) != 0)
    goto done;
  rc = 0;

done:
  free(cert_pem);
  free(key_pem);
  mbedtls_pk_free(&ca.key);
  mbedtls_pk_free(&other.key);
  mbedtls_pk_free(&server_key);
  return rc;
}

int tcerts_make(tcerts *c) {
  static const char pers[] = "ferry test certs";
  const char *tmp = getenv("TMPDIR");
  struct maker mk;
  int ret, rc;

  memset(c, 0, sizeof(*c));
  if (tmp == NULL || tmp[0] == '\0')
    tmp = "/tmp";
  if (snprintf(c->dir, sizeof(c->dir), "%s/ferry-certs-XXXXXX", tmp) >=
      (int)sizeof(c->dir))
    return -1;
  if (mkdtemp(c->dir) == NULL) {
    perror("tcerts: mkdtemp");
    c->dir[0] = '\0';
    return -1;
  }
#define X(field, name)                                                        \
  if (set_path(c, c->field, name) != 0) {                                     \
    tcerts_cleanup(c);                                                        \
    return -1;                                                                \
  }
  TCERTS_FILES(X)
#undef X
  if (set_path(c, c->capath, "capath") != 0) {
    tcerts_cleanup(c);
    return -1;
  }

  memset(&mk, 0, sizeof(mk));
  mbedtls_entropy_init(&mk.entropy);
  mbedtls_ctr_drbg_init(&mk.drbg);
  ret = mbedtls_ctr_drbg_seed(&mk.drbg, mbedtls_entropy_func, &mk.entropy,
                              (const unsigned char *)pers, sizeof(pers) - 1);
  rc = ret == 0 ? make_all(c, &mk) : report("ctr_drbg_seed", ret);
  mbedtls_ctr_drbg_free(&mk.drbg);
  mbedtls_entropy_free(&mk.entropy);
  if (rc != 0)
    tcerts_cleanup(c);
  return rc;
}

void tcerts_cleanup(tcerts *c) {
  if (c->dir[0] == '\0')
    return;
#define X(field, name)                                                        \
  if (c->field[0] != '\0')                                                    \
    unlink(c->field);
  TCERTS_FILES(X)
#undef X
  if (c->capath[0] != '\0')
    rmdir(c->capath);
  if (rmdir(c->dir) != 0)
    perror("tcerts: rmdir");
  c->dir[0] = '\0';
}

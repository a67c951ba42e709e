/* pki.c: a scenario's certificate authority and the peer certificates it issues. */
#include "pki.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/x509.h>

struct pki_ca {
  gnutls_x509_privkey_t key;
  gnutls_x509_crt_t crt;
};

#define DAY 86400

void pki_name(uint32_t id, char *buf, size_t len) { snprintf(buf, len, "peer-%u.natsim", id); }

static int fail(char *err, size_t len, const char *what, int rc) {
  snprintf(err, len, "%s: %s", what, gnutls_strerror(rc));
  return rc;
}

/* A certificate for key, named `name`, valid from a day ago for ten years. */
static int make_crt(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char *name,
                    uint64_t serial) {
  uint8_t sn[8];
  for (int i = 0; i < 8; i++) sn[i] = (uint8_t)(serial >> (56 - 8 * i));
  sn[0] &= 0x7f; /* a positive integer */
  time_t now = time(NULL);
  int rc;
  if ((rc = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
      (rc = gnutls_x509_crt_set_serial(crt, sn, sizeof sn)) < 0 ||
      (rc = gnutls_x509_crt_set_activation_time(crt, now - DAY)) < 0 ||
      (rc = gnutls_x509_crt_set_expiration_time(crt, now + 3650L * DAY)) < 0 ||
      (rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, name,
                                          (unsigned)strlen(name))) < 0)
    return rc;
  return gnutls_x509_crt_set_key(crt, key);
}

static int new_key(gnutls_x509_privkey_t *key) {
  int rc = gnutls_x509_privkey_init(key);
  if (rc < 0) return rc;
  return gnutls_x509_privkey_generate(*key, GNUTLS_PK_EDDSA_ED25519, 0, 0);
}

pki_ca *pki_ca_new(const char *name, char *err, size_t len) {
  pki_ca *ca = calloc(1, sizeof *ca);
  if (!ca) {
    snprintf(err, len, "out of memory");
    return NULL;
  }
  int rc;
  if ((rc = new_key(&ca->key)) < 0 || (rc = gnutls_x509_crt_init(&ca->crt)) < 0 ||
      (rc = make_crt(ca->crt, ca->key, name, 1)) < 0 ||
      (rc = gnutls_x509_crt_set_basic_constraints(ca->crt, 1, -1)) < 0 ||
      (rc = gnutls_x509_crt_set_key_usage(ca->crt, GNUTLS_KEY_KEY_CERT_SIGN)) < 0 ||
      (rc = gnutls_x509_crt_sign2(ca->crt, ca->crt, ca->key, GNUTLS_DIG_SHA512, 0)) < 0) {
    fail(err, len, "certificate authority", rc);
    pki_ca_free(ca);
    return NULL;
  }
  return ca;
}

void pki_ca_free(pki_ca *ca) {
  if (!ca) return;
  if (ca->crt) gnutls_x509_crt_deinit(ca->crt);
  if (ca->key) gnutls_x509_privkey_deinit(ca->key);
  free(ca);
}

struct pki_cert {
  gnutls_pcert_st pcert;
  int pcert_set; /* pcert holds a certificate (to deinit) */
  gnutls_privkey_t key;
};

/* Makes trust's certificate the only authority cred trusts, in a trust
** list of one bucket: GnuTLS's default list has 127 (6 KB a credential).
** Added as gnutls_certificate_set_x509_trust adds it (a copy, named in
** certificate requests). */
static int set_trust(gnutls_certificate_credentials_t cred, const pki_ca *trust) {
  gnutls_datum_t der = {NULL, 0};
  gnutls_x509_trust_list_t tl;
  int rc = gnutls_x509_trust_list_init(&tl, 1);
  if (rc < 0) return rc;
  rc = gnutls_x509_crt_export2(trust->crt, GNUTLS_X509_FMT_DER, &der);
  if (rc >= 0)
    rc = gnutls_x509_trust_list_add_trust_mem(tl, &der, NULL, GNUTLS_X509_FMT_DER,
                                              GNUTLS_TL_USE_IN_TLS, 0);
  gnutls_free(der.data);
  if (rc < 0) {
    gnutls_x509_trust_list_deinit(tl, 1);
    return rc;
  }
  gnutls_certificate_set_trust_list(cred, tl, 0);
  return 0;
}

gnutls_certificate_credentials_t pki_trust(const pki_ca *trust, char *err, size_t len) {
  gnutls_certificate_credentials_t cred;
  int rc = gnutls_certificate_allocate_credentials(&cred);
  if (rc < 0) {
    fail(err, len, "credentials", rc);
    return NULL;
  }
  rc = set_trust(cred, trust);
  if (rc < 0) {
    fail(err, len, "trusted certificate authority", rc);
    gnutls_certificate_free_credentials(cred);
    return NULL;
  }
  return cred;
}

/* Signs a certificate for peer `id`'s key into c->pcert. */
static int sign(pki_ca *issuer, uint32_t id, gnutls_x509_privkey_t key, pki_cert *c) {
  char name[64];
  pki_name(id, name, sizeof name);
  gnutls_x509_crt_t crt = NULL;
  int rc;
  if ((rc = gnutls_x509_crt_init(&crt)) >= 0 &&
      (rc = make_crt(crt, key, name, (uint64_t)id + 2)) >= 0 &&
      (rc = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) >= 0 &&
      (rc = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) >= 0 &&
      (rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, name,
                                                 (unsigned)strlen(name), GNUTLS_FSAN_SET)) >= 0 &&
      (rc = gnutls_x509_crt_sign2(crt, issuer->crt, issuer->key, GNUTLS_DIG_SHA512, 0)) >= 0)
    rc = gnutls_pcert_import_x509(&c->pcert, crt, 0);
  if (crt) gnutls_x509_crt_deinit(crt);
  return rc;
}

/* c's signing key: key's raw Ed25519 pair, imported without the ASN.1
** tree an X.509 key keeps (0.7 KB against 3.2 KB); the signatures are the
** same. */
static int keep_key(gnutls_x509_privkey_t key, pki_cert *c) {
  gnutls_ecc_curve_t curve;
  gnutls_datum_t pub = {NULL, 0};
  gnutls_datum_t secret = {NULL, 0};
  int rc = gnutls_x509_privkey_export_ecc_raw(key, &curve, &pub, NULL, &secret);
  if (rc >= 0) rc = gnutls_privkey_init(&c->key);
  if (rc >= 0) rc = gnutls_privkey_import_ecc_raw(c->key, curve, &pub, NULL, &secret);
  gnutls_free(pub.data);
  if (secret.data) {
    gnutls_memset(secret.data, 0, secret.size);
    gnutls_free(secret.data);
  }
  return rc;
}

/* A new key for c and its certificate. */
static int issue(pki_ca *issuer, uint32_t id, pki_cert *c) {
  gnutls_x509_privkey_t key = NULL;
  int rc = new_key(&key);
  if (rc >= 0) rc = sign(issuer, id, key, c);
  if (rc >= 0) {
    c->pcert_set = 1;
    rc = keep_key(key, c);
  }
  if (key) gnutls_x509_privkey_deinit(key);
  return rc;
}

pki_cert *pki_issue(pki_ca *issuer, uint32_t id, char *err, size_t len) {
  pki_cert *c = calloc(1, sizeof *c);
  if (!c) {
    snprintf(err, len, "out of memory");
    return NULL;
  }
  int rc = issue(issuer, id, c);
  if (rc < 0) {
    fail(err, len, "peer certificate", rc);
    pki_cert_free(c);
    return NULL;
  }
  return c;
}

void pki_cert_free(pki_cert *c) {
  if (!c) return;
  if (c->pcert_set) gnutls_pcert_deinit(&c->pcert);
  if (c->key) gnutls_privkey_deinit(c->key);
  free(c);
}

void pki_cert_get(pki_cert *c, gnutls_pcert_st **pcert, gnutls_privkey_t *key) {
  *pcert = &c->pcert;
  *key = c->key;
}

/*
** pki.h: the certificates of one scenario. A pki_ca is a certificate
** authority made for the scenario (an Ed25519 key and a self-signed
** certificate); it issues each peer an Ed25519 key and a certificate that
** names the peer ("peer-ID.natsim", pki_name) as its subject alternative
** name. Ed25519 keeps every handshake the same size: its signatures are
** always 64 bytes, so the simulated timeline does not depend on the keys.
**
** Keys come from GnuTLS's generator, which cannot be seeded: certificates
** differ between runs, their sizes and what they allow do not.
** Errors: NULL, with the reason in err.
*/
#ifndef NATSIM_PKI_H
#define NATSIM_PKI_H

#include <stddef.h>
#include <stdint.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

typedef struct pki_ca pki_ca;

/* A new CA whose certificate's common name is name (read during the call
** only). Returns NULL, with the reason in err (truncated to len), when
** memory runs out or GnuTLS fails. The caller frees it with pki_ca_free. */
pki_ca *pki_ca_new(const char *name, char *err, size_t len);
/* Frees ca (which may be NULL); certificates it issued, and credentials
** that trust it (pki_trust), stay valid. */
void pki_ca_free(pki_ca *ca);

/* One peer's key and certificate, which it shows in its TLS handshakes. */
typedef struct pki_cert pki_cert;

/* Peer `id`'s key and a certificate signed by `issuer`. Its serial number
** is id + 2 (a CA's is 1), so its size does not depend on what else was
** issued before; the issuer need not outlive it. The caller frees it with
** pki_cert_free. Returns NULL, with the reason in err (truncated to len),
** when memory runs out or GnuTLS fails. */
pki_cert *pki_issue(pki_ca *issuer, uint32_t id, char *err, size_t len);
/* Frees c (which may be NULL). */
void pki_cert_free(pki_cert *c);
/* c's certificate (a chain of one) and key, as GnuTLS's certificate
** callback hands them over (gnutls_certificate_set_retrieve_function2):
** both stay c's. */
void pki_cert_get(pki_cert *c, gnutls_pcert_st **pcert, gnutls_privkey_t *key);

/* Credentials that accept certificates from `trust` only and name it in
** certificate requests, with no certificate of their own: a connection
** shows its own pki_cert through a certificate callback (quic.h), so one
** set serves every peer of a scenario, whatever issued its certificate.
** trust's certificate is copied; the caller frees the result with
** gnutls_certificate_free_credentials. Returns NULL, with the reason in err
** (truncated to len), when memory runs out or GnuTLS fails. */
gnutls_certificate_credentials_t pki_trust(const pki_ca *trust, char *err, size_t len);

/* The name in peer id's certificate, "peer-ID.natsim", written into buf
** (truncated to len). */
void pki_name(uint32_t id, char *buf, size_t len);

#endif

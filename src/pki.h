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

#include <gnutls/gnutls.h>

typedef struct pki_ca pki_ca;

/* A new CA whose certificate's common name is name (read during the call
** only). Returns NULL, with the reason in err (truncated to len), when
** memory runs out or GnuTLS fails. The caller frees it with pki_ca_free. */
pki_ca *pki_ca_new(const char *name, char *err, size_t len);
/* Frees ca (which may be NULL); credentials it issued stay valid. */
void pki_ca_free(pki_ca *ca);

/* Credentials for peer `id`: a key and a certificate signed by `issuer`,
** and `trust` as the only authority whose certificates it accepts (a peer
** with a certificate from a foreign issuer still trusts the scenario's
** CA). Its serial number is id + 2 (a CA's is 1), so its size does not
** depend on what else was issued before; trust's certificate is copied, so
** neither CA need outlive the result. The caller frees them with
** gnutls_certificate_free_credentials. Returns NULL, with the reason in err
** (truncated to len), when memory runs out or GnuTLS fails. */
gnutls_certificate_credentials_t pki_issue(pki_ca *issuer, const pki_ca *trust, uint32_t id,
                                           char *err, size_t len);

/* The name in peer id's certificate, "peer-ID.natsim", written into buf
** (truncated to len). */
void pki_name(uint32_t id, char *buf, size_t len);

#endif

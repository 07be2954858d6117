/*
 * certs.h: certificates for TLS, made in memory at start ("cert": "auto")
 * or loaded from files. A CA signs the server certificates; a second CA,
 * never written out, signs the "untrusted_ca" ones. Broken certificates
 * (expired, not yet valid, for the wrong host, self-signed) are made on
 * purpose for the tls "cert" fault.
 */
#ifndef STANDIN_CERTS_H
#define STANDIN_CERTS_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

enum cert_kind {
	CERT_GOOD,
	CERT_EXPIRED, /* valid until yesterday */
	CERT_NOT_YET_VALID, /* valid from tomorrow */
	CERT_WRONG_HOST, /* names only "wrong.invalid" */
	CERT_SELF_SIGNED, /* signed by its own key, not the CA */
	CERT_UNTRUSTED_CA, /* signed by a CA the client was never given */
};

struct certs;

/* Make the CA and the untrusted CA (EC P-256 keys). NULL with *cause. */
struct certs *certs_new(char **cause);

/*
 * Issue a server certificate of a kind for these DNS names or IP
 * addresses (an IP literal becomes an IP SAN), with a new key. *cert and
 * *key are the caller's (X509_free, EVP_PKEY_free); *chain_ca is the
 * issuing CA certificate to send after it, or NULL for a self-signed one
 * (not owned: it lives as long as the certs). Returns 0, or -1 with *cause.
 */
int certs_issue(struct certs *, enum cert_kind, const char *const *names,
    size_t nnames, X509 **cert, EVP_PKEY **key, X509 **chain_ca, char **cause);

/* The CA certificate as PEM into a file (for --ca-out). 0, or -1. */
int certs_write_ca(const struct certs *, const char *path, char **cause);

/* Load a PEM certificate and key from files. 0, or -1 with *cause. */
int certs_load(const char *cert_path, const char *key_path, X509 **cert,
    EVP_PKEY **key, char **cause);

/* Free; safe on NULL. */
void certs_free(struct certs *);

#endif

/*
 * certs.c: the certificates standin serves, made in memory or loaded from
 * files.
 *
 * Two CAs are made at start: one whose certificate a client can be given
 * (certs_write_ca), and one that is never written out. Server certificates
 * are issued on demand, good or broken in exactly one way each, so a
 * client's verifier fails with the one error that kind is meant to cause.
 * Everything here is libcrypto; nothing needs libssl.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certs.h"
#include "util.h"

#define CERTS_SERIAL_BYTES 16
#define CERTS_WRONG_HOST "wrong.invalid"

struct certs {
	X509 *ca;
	EVP_PKEY *ca_key;
	X509 *untrusted;
	EVP_PKEY *untrusted_key;
};

/*
 * Each kind's validity in days from now, and who signs it. Only the
 * validity window and the issuer differ between kinds; the names are
 * replaced for CERT_WRONG_HOST alone.
 */
enum certs_signer {
	CERTS_BY_CA,
	CERTS_BY_UNTRUSTED,
	CERTS_BY_SELF,
};
static const struct {
	int not_before;
	int not_after;
	enum certs_signer signer;
} certs_kinds[] = {
	[CERT_GOOD] = { -1, 364, CERTS_BY_CA },
	[CERT_EXPIRED] = { -30, -1, CERTS_BY_CA },
	[CERT_NOT_YET_VALID] = { 1, 366, CERTS_BY_CA },
	[CERT_WRONG_HOST] = { -1, 364, CERTS_BY_CA },
	[CERT_SELF_SIGNED] = { -1, 364, CERTS_BY_SELF },
	[CERT_UNTRUSTED_CA] = { -1, 364, CERTS_BY_UNTRUSTED },
};

/* The CAs: from a day ago for ten years. */
#define CERTS_CA_NOT_BEFORE (-1)
#define CERTS_CA_NOT_AFTER (3652 - 1)

static char *certs_error(const char *, ...)
    __attribute__((format(printf, 1, 2)));

/* A message followed by the first reason on OpenSSL's error queue. */
static char *
certs_error(const char *fmt, ...)
{
	char buf[256], *msg, *out;
	const char *reason;
	unsigned long e;
	va_list ap;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);

	e = ERR_get_error();
	ERR_clear_error();
	if (e == 0)
		return msg;
	reason = ERR_reason_error_string(e);
	if (reason == NULL) {
		ERR_error_string_n(e, buf, sizeof buf);
		reason = buf;
	}
	out = xasprintf("%s: %s", msg, reason);
	free(msg);
	return out;
}

/* A new EC P-256 key, or NULL with *cause. */
static EVP_PKEY *
certs_keygen(char **cause)
{
	EVP_PKEY *key;

	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (key == NULL)
		*cause = certs_error("cannot make an EC P-256 key");
	return key;
}

/* Give a certificate a random positive 128-bit serial number. */
static int
certs_set_serial(X509 *x, char **cause)
{
	unsigned char buf[CERTS_SERIAL_BYTES];
	BIGNUM *bn = NULL;
	ASN1_INTEGER *serial = NULL;

	if (RAND_bytes(buf, sizeof buf) != 1) {
		*cause = certs_error("cannot make a serial number");
		goto fail;
	}
	if ((bn = BN_bin2bn(buf, sizeof buf, NULL)) == NULL ||
	    (serial = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    X509_set_serialNumber(x, serial) != 1) {
		*cause = certs_error("cannot set a serial number");
		goto fail;
	}
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	return 0;

fail:
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	return -1;
}

/* Set the validity to a window given in days from now. */
static int
certs_set_validity(X509 *x, int not_before, int not_after, char **cause)
{
	if (X509_time_adj_ex(X509_getm_notBefore(x), not_before, 0, NULL) ==
	        NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), not_after, 0, NULL) ==
	        NULL) {
		*cause = certs_error("cannot set the validity");
		return -1;
	}
	return 0;
}

/* Set the subject to CN=cn. */
static int
certs_set_subject(X509 *x, const char *cn, char **cause)
{
	X509_NAME *name = X509_get_subject_name(x);

	if (X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
	        (const unsigned char *)cn, -1, -1, 0) != 1) {
		*cause = certs_error("cannot use \"%s\" as a common name", cn);
		return -1;
	}
	return 0;
}

/*
 * Add an extension given in OpenSSL's configuration syntax; issuer is the
 * certificate that signs x (x itself for a self-signed one), which the
 * authority key identifier is taken from.
 */
static int
certs_add_ext(X509 *x, X509 *issuer, int nid, const char *value, char **cause)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int rc;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL) {
		*cause = certs_error(
		    "cannot make %s \"%s\"", OBJ_nid2sn(nid), value);
		return -1;
	}
	rc = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (rc != 1) {
		*cause = certs_error("cannot add %s", OBJ_nid2sn(nid));
		return -1;
	}
	return 0;
}

/*
 * Add a subjectAltName with every name: an IPv4 or IPv6 literal as an IP
 * address, anything else as a DNS name. The names are built one by one
 * rather than as configuration text, so no name can be read as syntax.
 */
static int
certs_add_names(X509 *x, const char *const *names, size_t nnames, char **cause)
{
	GENERAL_NAMES *gens;
	GENERAL_NAME *gen = NULL;
	ASN1_OCTET_STRING *ip;
	ASN1_IA5STRING *dns;
	size_t i;

	if ((gens = sk_GENERAL_NAME_new_null()) == NULL)
		goto fail;
	for (i = 0; i < nnames; i++) {
		if ((gen = GENERAL_NAME_new()) == NULL)
			goto fail;
		if ((ip = a2i_IPADDRESS(names[i])) != NULL)
			GENERAL_NAME_set0_value(gen, GEN_IPADD, ip);
		else {
			if ((dns = ASN1_IA5STRING_new()) == NULL)
				goto fail;
			if (ASN1_STRING_set(dns, names[i], -1) != 1) {
				ASN1_IA5STRING_free(dns);
				goto fail;
			}
			GENERAL_NAME_set0_value(gen, GEN_DNS, dns);
		}
		if (sk_GENERAL_NAME_push(gens, gen) == 0)
			goto fail;
		gen = NULL;
	}
	if (X509_add1_ext_i2d(
	        x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) != 1)
		goto fail;
	GENERAL_NAMES_free(gens);
	return 0;

fail:
	*cause = certs_error("cannot make the subjectAltName");
	GENERAL_NAME_free(gen);
	GENERAL_NAMES_free(gens);
	return -1;
}

/* Make a self-signed CA certificate and its key. */
static int
certs_make_ca(const char *cn, X509 **cert, EVP_PKEY **key, char **cause)
{
	X509 *x = NULL;
	EVP_PKEY *k;

	if ((k = certs_keygen(cause)) == NULL)
		return -1;
	if ((x = X509_new()) == NULL ||
	    X509_set_version(x, X509_VERSION_3) != 1) {
		*cause = certs_error("cannot make a certificate");
		goto fail;
	}
	if (certs_set_serial(x, cause) != 0 ||
	    certs_set_validity(
	        x, CERTS_CA_NOT_BEFORE, CERTS_CA_NOT_AFTER, cause) != 0 ||
	    certs_set_subject(x, cn, cause) != 0)
		goto fail;
	if (X509_set_issuer_name(x, X509_get_subject_name(x)) != 1 ||
	    X509_set_pubkey(x, k) != 1) {
		*cause = certs_error("cannot make a certificate");
		goto fail;
	}
	if (certs_add_ext(
	        x, x, NID_basic_constraints, "critical,CA:TRUE", cause) != 0 ||
	    certs_add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign",
	        cause) != 0 ||
	    certs_add_ext(x, x, NID_subject_key_identifier, "hash", cause) != 0)
		goto fail;
	if (X509_sign(x, k, EVP_sha256()) == 0) {
		*cause = certs_error("cannot sign \"%s\"", cn);
		goto fail;
	}
	*cert = x;
	*key = k;
	return 0;

fail:
	X509_free(x);
	EVP_PKEY_free(k);
	return -1;
}

/* Make the CA and the untrusted CA (EC P-256 keys). NULL with *cause. */
struct certs *
certs_new(char **cause)
{
	struct certs *certs;

	certs = xcalloc(1, sizeof *certs);
	if (certs_make_ca(
	        "standin test CA", &certs->ca, &certs->ca_key, cause) != 0)
		goto fail;
	if (certs_make_ca("standin untrusted CA", &certs->untrusted,
	        &certs->untrusted_key, cause) != 0)
		goto fail;
	return certs;

fail:
	certs_free(certs);
	return NULL;
}

/* Issue a server certificate of a kind for these names, with a new key. */
int
certs_issue(struct certs *certs, enum cert_kind kind, const char *const *names,
    size_t nnames, X509 **cert, EVP_PKEY **key, X509 **chain_ca, char **cause)
{
	static const char *const wrong_names[] = { CERTS_WRONG_HOST };
	X509 *x = NULL, *issuer;
	EVP_PKEY *k = NULL, *issuer_key;

	*cert = NULL;
	*key = NULL;
	*chain_ca = NULL;

	if ((size_t)kind >= nitems(certs_kinds)) {
		*cause = xasprintf("unknown certificate kind %d", (int)kind);
		return -1;
	}
	if (kind == CERT_WRONG_HOST) {
		names = wrong_names;
		nnames = nitems(wrong_names);
	}
	if (nnames == 0) {
		*cause = xasprintf("a certificate needs at least one name");
		return -1;
	}

	if ((k = certs_keygen(cause)) == NULL)
		return -1;
	if ((x = X509_new()) == NULL ||
	    X509_set_version(x, X509_VERSION_3) != 1) {
		*cause = certs_error("cannot make a certificate");
		goto fail;
	}
	switch (certs_kinds[kind].signer) {
	case CERTS_BY_CA:
		issuer = certs->ca;
		issuer_key = certs->ca_key;
		break;
	case CERTS_BY_UNTRUSTED:
		issuer = certs->untrusted;
		issuer_key = certs->untrusted_key;
		break;
	case CERTS_BY_SELF:
	default:
		issuer = x;
		issuer_key = k;
		break;
	}

	if (certs_set_serial(x, cause) != 0 ||
	    certs_set_validity(x, certs_kinds[kind].not_before,
	        certs_kinds[kind].not_after, cause) != 0 ||
	    certs_set_subject(x, names[0], cause) != 0)
		goto fail;
	if (X509_set_issuer_name(x, X509_get_subject_name(issuer)) != 1 ||
	    X509_set_pubkey(x, k) != 1) {
		*cause = certs_error("cannot make a certificate");
		goto fail;
	}
	/* The key identifier must exist before a self-signed one refers to it. */
	if (certs_add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE",
	        cause) != 0 ||
	    certs_add_ext(x, issuer, NID_key_usage, "critical,digitalSignature",
	        cause) != 0 ||
	    certs_add_ext(x, issuer, NID_ext_key_usage, "serverAuth", cause) !=
	        0 ||
	    certs_add_ext(
	        x, issuer, NID_subject_key_identifier, "hash", cause) != 0 ||
	    certs_add_ext(x, issuer, NID_authority_key_identifier,
	        "keyid:always", cause) != 0 ||
	    certs_add_names(x, names, nnames, cause) != 0)
		goto fail;
	if (X509_sign(x, issuer_key, EVP_sha256()) == 0) {
		*cause = certs_error(
		    "cannot sign the certificate for \"%s\"", names[0]);
		goto fail;
	}

	*cert = x;
	*key = k;
	*chain_ca = issuer == x ? NULL : issuer;
	return 0;

fail:
	X509_free(x);
	EVP_PKEY_free(k);
	return -1;
}

/* Write the CA certificate as PEM to a file: a temporary one, renamed. */
int
certs_write_ca(const struct certs *certs, const char *path, char **cause)
{
	char *tmp;
	FILE *f = NULL;
	int fd;

	tmp = xasprintf("%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	if (fchmod(fd, 0644) != 0 || (f = fdopen(fd, "w")) == NULL) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		close(fd);
		goto fail;
	}
	if (PEM_write_X509(f, certs->ca) != 1) {
		*cause =
		    certs_error("%s: cannot write the CA certificate", path);
		goto fail;
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		goto fail;
	}
	if (fclose(f) != 0) {
		f = NULL;
		*cause = xasprintf("%s: %s", path, strerror(errno));
		goto fail;
	}
	f = NULL;
	if (rename(tmp, path) != 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		goto fail;
	}
	free(tmp);
	return 0;

fail:
	if (f != NULL)
		fclose(f);
	unlink(tmp);
	free(tmp);
	return -1;
}

/*
 * Refuse to ask for a passphrase: OpenSSL's default would prompt on the
 * terminal, and an encrypted key should fail like any other bad key.
 */
static int
certs_no_passphrase_cb(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return -1;
}

/* Load a PEM certificate and key from files, and check they belong. */
int
certs_load(const char *cert_path, const char *key_path, X509 **cert,
    EVP_PKEY **key, char **cause)
{
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	FILE *f;

	*cert = NULL;
	*key = NULL;

	if ((f = fopen(cert_path, "r")) == NULL) {
		*cause = xasprintf("%s: %s", cert_path, strerror(errno));
		goto fail;
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL) {
		*cause = certs_error("%s: no PEM certificate", cert_path);
		goto fail;
	}

	if ((f = fopen(key_path, "r")) == NULL) {
		*cause = xasprintf("%s: %s", key_path, strerror(errno));
		goto fail;
	}
	k = PEM_read_PrivateKey(f, NULL, certs_no_passphrase_cb, NULL);
	fclose(f);
	if (k == NULL) {
		*cause =
		    certs_error("%s: no unencrypted PEM private key", key_path);
		goto fail;
	}

	if (X509_check_private_key(x, k) != 1) {
		*cause = certs_error("%s: the key does not match the "
		                     "certificate in %s",
		    key_path, cert_path);
		goto fail;
	}
	*cert = x;
	*key = k;
	return 0;

fail:
	X509_free(x);
	EVP_PKEY_free(k);
	return -1;
}

/* Free the CAs; safe on NULL and on a half-made certs. */
void
certs_free(struct certs *certs)
{
	if (certs == NULL)
		return;
	X509_free(certs->ca);
	EVP_PKEY_free(certs->ca_key);
	X509_free(certs->untrusted);
	EVP_PKEY_free(certs->untrusted_key);
	free(certs);
}

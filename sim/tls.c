/*
 * tls.c: one SSL_CTX per TLS service, and server-side OpenSSL bufferevents
 * over accepted sockets. Old protocol versions are really offered when a
 * scenario asks for them: below TLS 1.2 the security level drops to 0.
 * A step of the pipeline (pipeline.h): conn.c makes each connection's
 * TLS bufferevent here, with the tls fault it carries (tls_shapes).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "certs.h"
#include "fault.h"
#include "log.h"
#include "scenario.h"
#include "tls.h"
#include "util.h"

/* One SSL_CTX and what its callbacks need. */
struct tls_profile {
	/*
	 * The fault it was made for, written out (fault_conf_json): faults
	 * come and go at run time (the control API) and a new one may reuse
	 * a freed one's address, so profiles are found by what the fault
	 * says, never by its pointer. NULL for the service's own.
	 */
	char *key;
	SSL_CTX *ctx;
	unsigned char *alpn; /* wire format: length-prefixed protocols */
	size_t alpn_len;
	int alert; /* alert fault: the alert to send, else 0 */
};

#define TLS_PROFILES_MAX 64

/* A service's TLS: its own profile, and one per tls fault met so far. */
struct tls_server {
	const struct tls_conf *conf;
	struct certs *certs;
	char host[256];
	struct tls_profile *profiles[TLS_PROFILES_MAX];
	size_t nprofiles;
};

static const struct {
	const char *name;
	int version;
	int openssl;
} tls_versions[] = {
	{ "1.0", 10, TLS1_VERSION },
	{ "1.1", 11, TLS1_1_VERSION },
	{ "1.2", 12, TLS1_2_VERSION },
	{ "1.3", 13, TLS1_3_VERSION },
};

int
tls_version_parse(const char *s, int *out)
{
	size_t i;

	for (i = 0; i < nitems(tls_versions); i++) {
		if (strcmp(tls_versions[i].name, s) == 0) {
			*out = tls_versions[i].version;
			return 0;
		}
	}
	return -1;
}

int
tls_openssl_version(int v)
{
	size_t i;

	for (i = 0; i < nitems(tls_versions); i++) {
		if (tls_versions[i].version == v)
			return tls_versions[i].openssl;
	}
	return 0;
}

/*
 * Set *cause to a message for a user; at run time, so out of memory
 * leaves it NULL rather than ending the process.
 */
static void __attribute__((format(printf, 2, 3)))
tls_cause(char **cause, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) == -1)
		*cause = NULL;
	va_end(ap);
}

/* The first error on OpenSSL's queue as text ("unknown" if none). */
static void
tls_openssl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_get_error();
	const char *r;

	r = e != 0 ? ERR_reason_error_string(e) : NULL;
	snprintf(buf, len, "%s", r != NULL ? r : "unknown");
	ERR_clear_error();
}

int
tls_ciphers_check(const char *list, int tls13, char **cause)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char why[256];
	int ok;

	if (ctx == NULL) {
		tls_cause(cause, "cannot make an SSL_CTX");
		return -1;
	}
	ok = tls13 ? SSL_CTX_set_ciphersuites(ctx, list)
	           : SSL_CTX_set_cipher_list(ctx, list);
	SSL_CTX_free(ctx);
	if (!ok) {
		tls_openssl_reason(why, sizeof why);
		tls_cause(cause, "OpenSSL selects no %s from it (%s)",
		    tls13 ? "TLS 1.3 ciphersuite" : "cipher", why);
		return -1;
	}
	return 0;
}

/* ALPN: the first of our protocols the client offers, or a fatal alert. */
static int
tls_alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	struct tls_profile *p = arg;

	(void)ssl;
	if (SSL_select_next_proto((unsigned char **)out, outlen, p->alpn,
	        (unsigned int)p->alpn_len, in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL; /* no_application_protocol */
	return SSL_TLSEXT_ERR_OK;
}

/* The alert fault: answer the ClientHello with the alert, from OpenSSL. */
static int
tls_alert_cb(SSL *ssl, int *al, void *arg)
{
	struct tls_profile *p = arg;

	(void)ssl;
	*al = p->alert;
	return SSL_CLIENT_HELLO_ERROR;
}

/* Encode ALPN protocols in wire format. */
static int
tls_alpn_encode(
    struct tls_profile *p, char *const *alpn, size_t nalpn, char **cause)
{
	size_t i, n, len = 0;

	for (i = 0; i < nalpn; i++)
		len += 1 + strlen(alpn[i]);
	if ((p->alpn = malloc(len + 1)) == NULL) {
		tls_cause(cause, "out of memory");
		return -1;
	}
	for (i = 0; i < nalpn; i++) {
		n = strlen(alpn[i]);
		if (n == 0 || n > 255) {
			tls_cause(cause,
			    "ALPN protocol \"%s\" is not 1 to 255 bytes",
			    alpn[i]);
			return -1;
		}
		p->alpn[p->alpn_len++] = (unsigned char)n;
		memcpy(p->alpn + p->alpn_len, alpn[i], n);
		p->alpn_len += n;
	}
	return 0;
}

/* Put a certificate (from files, or issued of a kind) into a context. */
static int
tls_profile_cert(struct tls_server *t, struct tls_profile *p,
    enum cert_kind kind, char **cause)
{
	const struct tls_conf *conf = t->conf;
	const char *names[34];
	X509 *cert = NULL, *ca = NULL;
	EVP_PKEY *key = NULL;
	size_t n = 0, i;
	char why[256];
	int rc = -1;

	if (conf->cert_file != NULL && kind == CERT_GOOD) {
		if (certs_load(conf->cert_file, conf->key_file, &cert, &key,
		        cause) != 0)
			return -1;
	} else {
		names[n++] = "localhost";
		if (strcmp(t->host, "localhost") != 0)
			names[n++] = t->host;
		for (i = 0; i < conf->nnames && n < nitems(names); i++)
			names[n++] = conf->names[i];
		if (certs_issue(
		        t->certs, kind, names, n, &cert, &key, &ca, cause) != 0)
			return -1;
	}
	if (SSL_CTX_use_certificate(p->ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(p->ctx, key) != 1 ||
	    (ca != NULL && SSL_CTX_add1_chain_cert(p->ctx, ca) != 1)) {
		tls_openssl_reason(why, sizeof why);
		tls_cause(cause, "cannot use the certificate: %s", why);
		goto out;
	}
	rc = 0;
out:
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}

static void
tls_profile_free(struct tls_profile *p)
{
	if (p == NULL)
		return;
	SSL_CTX_free(p->ctx);
	free(p->alpn);
	free(p->key);
	free(p);
}

/* What a profile's SSL_CTX is made of: the service's settings, or a
 * tls fault's changes to them. */
struct tls_shape {
	int min, max; /* TLS_V10..TLS_V13 */
	const char *ciphers, *suites;
	char *const *alpn;
	size_t nalpn;
	enum cert_kind kind;
	int alert; /* an alert to answer the ClientHello with, or 0 */
};

/* version_mismatch narrows the protocol window. */
static void
tls_shape_window(struct tls_shape *sh, const struct fault_conf *f)
{
	sh->min = TLS_V10 + (int)f->args.tls_window.min_version;
	sh->max = TLS_V10 + (int)f->args.tls_window.max_version;
}

/* cert presents a broken certificate. */
static void
tls_shape_cert(struct tls_shape *sh, const struct fault_conf *f)
{
	sh->kind = (enum cert_kind)(CERT_EXPIRED + f->args.tls_cert.kind);
}

/* cipher_mismatch offers ciphers clients do not enable. */
static void
tls_shape_ciphers(struct tls_shape *sh, const struct fault_conf *f)
{
	(void)f;
	/* Not in a client's default lists; PSK needs a key we never set. */
	sh->ciphers = "PSK-AES128-CBC-SHA";
	sh->suites = "TLS_AES_128_CCM_8_SHA256";
}

/* alpn_mismatch accepts no protocol the client offers. */
static void
tls_shape_alpn(struct tls_shape *sh, const struct fault_conf *f)
{
	static char none[] = "standin-accepts-none";
	static char *no_alpn[] = { none };

	sh->alpn = f->present[0] ? f->args.tls_alpn.protocols.v : no_alpn;
	sh->nalpn = f->present[0] ? f->args.tls_alpn.protocols.n : 1;
}

/* alert answers the ClientHello with an alert. */
static void
tls_shape_alert(struct tls_shape *sh, const struct fault_conf *f)
{
	sh->alert = fault_tls_alert_codes[f->args.tls_alert.alert];
}

/* How each tls fault type changes a profile (the others do not). */
static void (*const tls_shapes[])(
    struct tls_shape *, const struct fault_conf *) = {
	[FAULT_TLS_VERSION_MISMATCH] = tls_shape_window,
	[FAULT_TLS_CERT] = tls_shape_cert,
	[FAULT_TLS_CIPHER_MISMATCH] = tls_shape_ciphers,
	[FAULT_TLS_ALPN_MISMATCH] = tls_shape_alpn,
	[FAULT_TLS_ALERT] = tls_shape_alert,
};

/*
 * A context for the service as configured, or as a tls fault changes it
 * (tls_shapes). NULL with *cause (which may be NULL: out of memory).
 */
static struct tls_profile *
tls_profile_new(struct tls_server *t, const struct fault_conf *f, char **cause)
{
	const struct tls_conf *conf = t->conf;
	struct tls_shape sh = { conf->min_version, conf->max_version,
		conf->ciphers, conf->ciphersuites, conf->alpn, conf->nalpn,
		CERT_GOOD, 0 };
	struct tls_profile *p;
	char why[256];

	if ((p = calloc(1, sizeof *p)) == NULL) {
		tls_cause(cause, "out of memory");
		return NULL;
	}
	if (f != NULL && (size_t)f->kind->type < nitems(tls_shapes) &&
	    tls_shapes[f->kind->type] != NULL)
		tls_shapes[f->kind->type](&sh, f);
	p->alert = sh.alert;
	p->ctx = SSL_CTX_new(TLS_server_method());
	if (p->ctx == NULL) {
		tls_cause(cause, "cannot make an SSL_CTX");
		goto fail;
	}
	/* TLS 1.0 and 1.1 need security level 0 in OpenSSL 3. */
	if (sh.min < 12) {
		SSL_CTX_set_security_level(p->ctx, 0);
		if (sh.ciphers == NULL)
			sh.ciphers = "DEFAULT:@SECLEVEL=0";
	}
	if (!SSL_CTX_set_min_proto_version(
	        p->ctx, tls_openssl_version(sh.min)) ||
	    !SSL_CTX_set_max_proto_version(
	        p->ctx, tls_openssl_version(sh.max)) ||
	    (sh.ciphers != NULL &&
	        !SSL_CTX_set_cipher_list(p->ctx, sh.ciphers)) ||
	    (sh.suites != NULL &&
	        !SSL_CTX_set_ciphersuites(p->ctx, sh.suites))) {
		tls_openssl_reason(why, sizeof why);
		tls_cause(cause, "cannot set up TLS: %s", why);
		goto fail;
	}
	SSL_CTX_set_options(p->ctx, SSL_OP_NO_RENEGOTIATION);
	if (sh.nalpn > 0) {
		if (tls_alpn_encode(p, sh.alpn, sh.nalpn, cause) != 0)
			goto fail;
		SSL_CTX_set_alpn_select_cb(p->ctx, tls_alpn_cb, p);
	}
	if (p->alert != 0)
		SSL_CTX_set_client_hello_cb(p->ctx, tls_alert_cb, p);
	if (tls_profile_cert(t, p, sh.kind, cause) != 0)
		goto fail;
	return p;
fail:
	tls_profile_free(p);
	return NULL;
}

struct tls_server *
tls_server_new(const struct tls_conf *conf, struct certs *certs,
    const char *host, char **cause)
{
	struct tls_server *t;

	t = xcalloc(1, sizeof *t);
	t->conf = conf;
	t->certs = certs;
	snprintf(t->host, sizeof t->host, "%s", host);
	t->profiles[0] = tls_profile_new(t, NULL, cause);
	if (t->profiles[0] == NULL) {
		if (*cause == NULL)
			*cause = xstrdup("out of memory");
		tls_server_free(t);
		return NULL;
	}
	t->nprofiles = 1;
	return t;
}

/* The profile for a fault (made on first use), or the service's own. */
static struct tls_profile *
tls_profile_for(struct tls_server *t, const struct fault_conf *f)
{
	struct tls_profile *p;
	char *cause = NULL, *key;
	json_t *j;
	size_t i;

	if (f == NULL)
		return t->profiles[0];
	j = fault_conf_json(f);
	key = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	for (i = 1; key != NULL && i < t->nprofiles; i++) {
		if (strcmp(t->profiles[i]->key, key) == 0) {
			free(key);
			return t->profiles[i];
		}
	}
	if (key == NULL || t->nprofiles == TLS_PROFILES_MAX) {
		/* Profiles live as long as the service's TLS (connections in
		 * a handshake point into them): past the limit, say so. */
		log_error("tls %s fault: more than %d different tls faults on "
		          "one service; this one is not applied",
		    f->kind->name, TLS_PROFILES_MAX - 1);
		free(key);
		return t->profiles[0];
	}
	p = tls_profile_new(t, f, &cause);
	if (p == NULL) {
		log_error("tls %s fault: %s", f->kind->name,
		    cause != NULL ? cause : "out of memory");
		free(cause);
		free(key);
		return t->profiles[0];
	}
	p->key = key;
	t->profiles[t->nprofiles++] = p;
	return p;
}

struct bufferevent *
tls_accept(struct tls_server *t, const struct fault_conf *f,
    struct event_base *base, evutil_socket_t fd)
{
	struct bufferevent *bev;
	SSL *ssl = SSL_new(tls_profile_for(t, f)->ctx);

	if (ssl == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(
	    base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	/* A client that closes without close_notify is not an error here. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

void
tls_describe(struct bufferevent *bev, char *buf, size_t len)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	const unsigned char *alpn = NULL;
	unsigned int alpn_len = 0;
	const char *sni;
	char esc[300], proto[256];

	if (ssl == NULL) {
		snprintf(buf, len, "\"version\":null");
		return;
	}
	SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
	snprintf(proto, sizeof proto, "%.*s", (int)alpn_len,
	    alpn != NULL ? (const char *)alpn : "");
	sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	snprintf(buf, len, "\"version\":\"%s\",\"cipher\":\"%s\",\"alpn\":%s",
	    SSL_get_version(ssl), SSL_get_cipher_name(ssl),
	    alpn_len > 0 ? json_escape(proto, esc, sizeof esc) : "null");
	if (sni != NULL) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, ",\"sni\":%s",
		    json_escape(sni, esc, sizeof esc));
	}
}

void
tls_error(struct bufferevent *bev, char *buf, size_t len)
{
	unsigned long e = bufferevent_get_openssl_error(bev);
	const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;

	snprintf(buf, len, "TLS: %s", r != NULL ? r : "handshake failed");
	ERR_clear_error();
}

void
tls_server_free(struct tls_server *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nprofiles; i++)
		tls_profile_free(t->profiles[i]);
	free(t);
}

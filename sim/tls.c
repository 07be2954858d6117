/*
 * tls.c: one SSL_CTX per TLS service, and server-side OpenSSL bufferevents
 * over accepted sockets. Old protocol versions are really offered when a
 * scenario asks for them: below TLS 1.2 the security level drops to 0.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "certs.h"
#include "scenario.h"
#include "tls.h"
#include "util.h"

struct tls_server {
	SSL_CTX *ctx;
	unsigned char *alpn; /* wire format: length-prefixed protocols */
	size_t alpn_len;
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

/* OpenSSL's constant for one of our versions. */
static int
tls_openssl_version(int v)
{
	size_t i;

	for (i = 0; i < nitems(tls_versions); i++) {
		if (tls_versions[i].version == v)
			return tls_versions[i].openssl;
	}
	return 0;
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
		*cause = xstrdup("cannot make an SSL_CTX");
		return -1;
	}
	ok = tls13 ? SSL_CTX_set_ciphersuites(ctx, list)
	           : SSL_CTX_set_cipher_list(ctx, list);
	SSL_CTX_free(ctx);
	if (!ok) {
		tls_openssl_reason(why, sizeof why);
		*cause = xasprintf("OpenSSL selects no %s from it (%s)",
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
	struct tls_server *t = arg;

	(void)ssl;
	if (SSL_select_next_proto((unsigned char **)out, outlen, t->alpn,
	        (unsigned int)t->alpn_len, in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL; /* no_application_protocol */
	return SSL_TLSEXT_ERR_OK;
}

/* Encode the ALPN list in wire format. */
static int
tls_alpn_encode(struct tls_server *t, const struct tls_conf *conf, char **cause)
{
	size_t i, n, len = 0;

	for (i = 0; i < conf->nalpn; i++)
		len += 1 + strlen(conf->alpn[i]);
	t->alpn = xmalloc(len);
	for (i = 0; i < conf->nalpn; i++) {
		n = strlen(conf->alpn[i]);
		if (n == 0 || n > 255) {
			*cause =
			    xasprintf("ALPN protocol \"%s\" is not 1 to 255 "
			              "bytes",
			        conf->alpn[i]);
			return -1;
		}
		t->alpn[t->alpn_len++] = (unsigned char)n;
		memcpy(t->alpn + t->alpn_len, conf->alpn[i], n);
		t->alpn_len += n;
	}
	return 0;
}

/* Put the certificate (auto or from files) into the context. */
static int
tls_server_cert(struct tls_server *t, const struct tls_conf *conf,
    struct certs *certs, const char *host, char **cause)
{
	const char *names[34];
	X509 *cert = NULL, *ca = NULL;
	EVP_PKEY *key = NULL;
	size_t n = 0, i;
	char why[256];
	int rc = -1;

	if (conf->cert_file != NULL) {
		if (certs_load(conf->cert_file, conf->key_file, &cert, &key,
		        cause) != 0)
			return -1;
	} else {
		names[n++] = "localhost";
		if (strcmp(host, "localhost") != 0)
			names[n++] = host;
		for (i = 0; i < conf->nnames && n < nitems(names); i++)
			names[n++] = conf->names[i];
		if (certs_issue(certs, CERT_GOOD, names, n, &cert, &key, &ca,
		        cause) != 0)
			return -1;
	}
	if (SSL_CTX_use_certificate(t->ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(t->ctx, key) != 1 ||
	    (ca != NULL && SSL_CTX_add1_chain_cert(t->ctx, ca) != 1)) {
		tls_openssl_reason(why, sizeof why);
		*cause = xasprintf("cannot use the certificate: %s", why);
		goto out;
	}
	rc = 0;
out:
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}

struct tls_server *
tls_server_new(const struct tls_conf *conf, struct certs *certs,
    const char *host, char **cause)
{
	struct tls_server *t;
	char why[256];

	t = xcalloc(1, sizeof *t);
	t->ctx = SSL_CTX_new(TLS_server_method());
	if (t->ctx == NULL) {
		*cause = xstrdup("cannot make an SSL_CTX");
		goto fail;
	}
	/* TLS 1.0 and 1.1 need security level 0 in OpenSSL 3. */
	if (conf->min_version < 12) {
		SSL_CTX_set_security_level(t->ctx, 0);
		if (conf->ciphers == NULL)
			SSL_CTX_set_cipher_list(t->ctx, "DEFAULT:@SECLEVEL=0");
	}
	if (!SSL_CTX_set_min_proto_version(
	        t->ctx, tls_openssl_version(conf->min_version)) ||
	    !SSL_CTX_set_max_proto_version(
	        t->ctx, tls_openssl_version(conf->max_version)) ||
	    (conf->ciphers != NULL &&
	        !SSL_CTX_set_cipher_list(t->ctx, conf->ciphers)) ||
	    (conf->ciphersuites != NULL &&
	        !SSL_CTX_set_ciphersuites(t->ctx, conf->ciphersuites))) {
		tls_openssl_reason(why, sizeof why);
		*cause = xasprintf("cannot set up TLS: %s", why);
		goto fail;
	}
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_RENEGOTIATION);
	if (conf->nalpn > 0) {
		if (tls_alpn_encode(t, conf, cause) != 0)
			goto fail;
		SSL_CTX_set_alpn_select_cb(t->ctx, tls_alpn_cb, t);
	}
	if (tls_server_cert(t, conf, certs, host, cause) != 0)
		goto fail;
	return t;
fail:
	tls_server_free(t);
	return NULL;
}

struct bufferevent *
tls_accept(struct tls_server *t, struct event_base *base, evutil_socket_t fd)
{
	struct bufferevent *bev;
	SSL *ssl = SSL_new(t->ctx);

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
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	free(t->alpn);
	free(t);
}

/*
 * upstream_tls.c: TLS from a proxy to its upstream, with OpenSSL doing
 * the checking: the chain against the CA file or the system's store, the
 * name (host name or IP address) against the certificate.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "scenario.h"
#include "tls.h"
#include "upstream_tls.h"

/* OpenSSL's last error as text, for a message. */
static void
upstream_tls_reason(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();

	snprintf(err, errlen, "%s: %s", what,
	    e != 0 ? ERR_reason_error_string(e) : "failed");
	ERR_clear_error();
}

SSL_CTX *
upstream_tls_ctx(const struct upstream_tls_conf *conf, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		upstream_tls_reason(err, errlen, "upstream_tls");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(
	    ctx, tls_openssl_version(conf->min_version));
	SSL_CTX_set_max_proto_version(
	    ctx, tls_openssl_version(conf->max_version));
	/* Old versions asked for: let OpenSSL offer them. */
	if (conf->min_version < 12)
		SSL_CTX_set_security_level(ctx, 0);
	if (conf->verify) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
		if (conf->ca_file != NULL
		        ? SSL_CTX_load_verify_locations(
		              ctx, conf->ca_file, NULL) != 1
		        : SSL_CTX_set_default_verify_paths(ctx) != 1) {
			upstream_tls_reason(err, errlen,
			    conf->ca_file != NULL ? conf->ca_file
			                          : "the system's CA store");
			SSL_CTX_free(ctx);
			return NULL;
		}
	}
	if (conf->cert_file != NULL &&
	    (SSL_CTX_use_certificate_chain_file(ctx, conf->cert_file) != 1 ||
	        SSL_CTX_use_PrivateKey_file(
	            ctx, conf->key_file, SSL_FILETYPE_PEM) != 1 ||
	        SSL_CTX_check_private_key(ctx) != 1)) {
		upstream_tls_reason(err, errlen, conf->cert_file);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

SSL *
upstream_tls_session(
    SSL_CTX *ctx, const struct upstream_tls_conf *conf, const char *host)
{
	const char *name = conf->server_name != NULL ? conf->server_name : host;
	unsigned char addr[16];
	int is_ip = inet_pton(AF_INET, name, addr) == 1 ||
	    inet_pton(AF_INET6, name, addr) == 1;
	X509_VERIFY_PARAM *param;
	SSL *ssl = SSL_new(ctx);

	if (ssl == NULL)
		return NULL;
	param = SSL_get0_param(ssl);
	if (is_ip)
		X509_VERIFY_PARAM_set1_ip_asc(param, name);
	else {
		SSL_set_tlsext_host_name(ssl, name);
		X509_VERIFY_PARAM_set_hostflags(
		    param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		X509_VERIFY_PARAM_set1_host(param, name, 0);
	}
	return ssl;
}

void
upstream_tls_error(SSL *ssl, unsigned long err, char *buf, size_t len)
{
	long v = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
	const char *r = err != 0 ? ERR_reason_error_string(err) : NULL;

	if (v != X509_V_OK)
		snprintf(buf, len, "TLS: the upstream's certificate: %s",
		    X509_verify_cert_error_string(v));
	else
		snprintf(
		    buf, len, "TLS: %s", r != NULL ? r : "handshake failed");
}

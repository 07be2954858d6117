/*
 * upstream_tls.h: the TLS a proxy speaks to its upstream ("upstream_tls"):
 * an OpenSSL client context made once from the scenario, and one session
 * per dial with its SNI and the name the certificate must carry.
 */
#ifndef STANDIN_UPSTREAM_TLS_H
#define STANDIN_UPSTREAM_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

struct upstream_tls_conf;

/*
 * A client context as conf says (trust: its CA file or the system's
 * store; a client certificate; the version window). NULL with the reason
 * in err if a file cannot be used.
 */
SSL_CTX *upstream_tls_ctx(
    const struct upstream_tls_conf *, char *err, size_t errlen);

/*
 * A session for one dial to host: SNI and the checked name are
 * conf->server_name, else host (an IP address is checked as one and sent
 * no SNI). NULL if out of memory.
 */
SSL *upstream_tls_session(
    SSL_CTX *, const struct upstream_tls_conf *, const char *host);

/*
 * Why a handshake with the upstream failed: the certificate's
 * verification error if that was it, else OpenSSL's reason.
 */
void upstream_tls_error(SSL *, unsigned long err, char *buf, size_t len);

#endif

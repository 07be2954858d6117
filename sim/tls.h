/*
 * tls.h: TLS on a service through libevent's OpenSSL bufferevents: the
 * protocol window, ciphers, ALPN and the certificate of one service. Only
 * tls.c (and certs.c) include OpenSSL's headers.
 */
#ifndef STANDIN_TLS_H
#define STANDIN_TLS_H

#include <stddef.h>

#include <event2/util.h>

struct bufferevent;
struct certs;
struct event_base;
struct fault_conf;
struct tls_conf;
struct tls_server;

/* Versions as written in scenarios: 10 for "1.0" ... 13 for "1.3". */
#define TLS_V10 10
#define TLS_V13 13

/* Parse "1.0".."1.3"; returns 0 or -1. */
int tls_version_parse(const char *, int *);

/* OpenSSL's constant (TLS1_2_VERSION) for one of ours (12); 0 if none. */
int tls_openssl_version(int);

/*
 * Is this an OpenSSL cipher list (tls13 = 0) or TLS 1.3 ciphersuite list
 * (tls13 = 1) that selects something? 0, or -1 with *cause.
 */
int tls_ciphers_check(const char *, int tls13, char **cause);

/*
 * A service's TLS: its SSL_CTX with the protocol window, ciphers, ALPN
 * and certificate (issued by certs for "auto": the host, "localhost" and
 * the conf's names). NULL with *cause.
 */
struct tls_server *tls_server_new(
    const struct tls_conf *, struct certs *, const char *host, char **cause);

/*
 * A server-side TLS bufferevent over an accepted socket, or NULL; with a
 * tls fault (version_mismatch, cert, cipher_mismatch, alpn_mismatch,
 * alert) its handshake fails the way that fault says.
 */
struct bufferevent *tls_accept(struct tls_server *, const struct fault_conf *,
    struct event_base *, evutil_socket_t);

/*
 * After a TLS bufferevent's handshake: what was negotiated, as a JSON
 * fragment ("\"version\":\"TLSv1.3\",\"cipher\":...") for the journal.
 */
void tls_describe(struct bufferevent *, char *, size_t);

/* Why a TLS bufferevent failed, from OpenSSL's errors, into buf. */
void tls_error(struct bufferevent *, char *, size_t);

void tls_server_free(struct tls_server *);

#endif

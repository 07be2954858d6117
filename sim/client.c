/*
 * client.c: one HTTP/1.1 request on one connection, on libevent, with
 * http-parser reading the response and OpenSSL for TLS.
 *
 * A request moves through stages: connect (each address of the name in
 * turn, under one timeout), then, for TLS, the handshake (the connected
 * socket wrapped in an OpenSSL bufferevent, under the TLS timeout), then
 * HTTP (the request written, the response read under the response
 * timeout). Every ending, good or bad, goes through client_finish(),
 * which records the stage it happened in, releases the connection and
 * calls back once.
 *
 * The client side of TLS lives here rather than in tls.c, which is the
 * server side of a service: the two share no state, and the client's
 * handshake is one stage of this file's state machine.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <http_parser.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "client.h"
#include "clock.h"
#include "util.h"

#define CLIENT_ADDRS_MAX 8 /* addresses of a name tried in turn */
#define CLIENT_TLS_ERRORS_MAX 4 /* libevent keeps at most 3 */

struct client {
	struct event_base *base;
	enum client_stage stage;
	int over;
	client_cb cb;
	void *arg;

	/* connect */
	struct sockaddr_storage addrs[CLIENT_ADDRS_MAX];
	socklen_t addrlens[CLIENT_ADDRS_MAX];
	size_t naddrs, next_addr;
	evutil_socket_t fd;
	struct event *step; /* starts the request from the loop */
	struct event *connect_ev; /* the socket becomes writable */
	struct event *timer; /* the current stage's timeout */
	uint64_t connect_timeout_us, response_timeout_us;
	int last_errno; /* of the last address tried */
	char host[256]; /* of the address, for TLS's name */

	/* tls */
	SSL_CTX *ssl_ctx; /* NULL: plain TCP */
	uint64_t tls_timeout_us;
	char tls_name[256]; /* sent as SNI (unless an IP) and verified */
	int tls_name_is_ip;
	int insecure;
	int verified; /* the verify callback ran */
	int tls_ended; /* EOF or an error on the connection: no close_notify */
	struct client_tls_info tls_info;

	/* http */
	struct bufferevent *bev;
	struct evbuffer *request; /* sent once connected */
	http_parser parser;
	int head; /* a HEAD request: the response has no body */
	int in_value; /* the last header callback was for a value */
	int received; /* any byte of a response came */
	int complete;
	size_t header_bytes, body_max, body_cap;
	enum client_failure parse_failure; /* set by a parser callback */
	char parse_message[128];

	struct client_response resp;
	struct client_error err;
};

static int client_on_status(http_parser *, const char *, size_t);
static int client_on_header_field(http_parser *, const char *, size_t);
static int client_on_header_value(http_parser *, const char *, size_t);
static int client_on_headers_complete(http_parser *);
static int client_on_body(http_parser *, const char *, size_t);
static int client_on_message_complete(http_parser *);

static const http_parser_settings client_settings = {
	.on_status = client_on_status,
	.on_header_field = client_on_header_field,
	.on_header_value = client_on_header_value,
	.on_headers_complete = client_on_headers_complete,
	.on_body = client_on_body,
	.on_message_complete = client_on_message_complete,
};

static const char *const client_stage_names[] = {
	[CLIENT_STAGE_NONE] = "none",
	[CLIENT_STAGE_CONNECT] = "connect",
	[CLIENT_STAGE_TLS] = "tls",
	[CLIENT_STAGE_HTTP] = "http",
};

static void client_step_cb(evutil_socket_t, short, void *);
static void client_connect_cb(evutil_socket_t, short, void *);
static void client_timer_cb(evutil_socket_t, short, void *);
static void client_read_cb(struct bufferevent *, void *);
static void client_event_cb(struct bufferevent *, short, void *);
static void client_tls_event_cb(struct bufferevent *, short, void *);

/* Our TLS versions (10..13, as tls_version_parse() reads) in OpenSSL. */
static const struct {
	int version;
	int openssl;
} client_tls_versions[] = {
	{ 10, TLS1_VERSION },
	{ 11, TLS1_1_VERSION },
	{ 12, TLS1_2_VERSION },
	{ 13, TLS1_3_VERSION },
};

const char *
client_stage_name(enum client_stage stage)
{
	if ((size_t)stage >= nitems(client_stage_names))
		return "unknown";
	return client_stage_names[stage];
}

/* Fill an error of this stage. */
static void __attribute__((format(printf, 5, 6)))
client_error_set(struct client_error *err, enum client_stage stage,
    enum client_failure failure, int code, const char *fmt, ...)
{
	va_list ap;

	err->stage = stage;
	err->failure = failure;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
}

/*
 * Say close_notify on a TLS connection that is still whole: one
 * SSL_shutdown(), not waiting for the server's; the socket closes next.
 * Not after EOF or an error (OpenSSL forbids it after a fatal one).
 */
static void
client_tls_shutdown(struct client *c)
{
	SSL *ssl;

	if (c->ssl_ctx == NULL || !c->tls_info.done || c->tls_ended)
		return;
	ssl = bufferevent_openssl_get_ssl(c->bev);
	if (ssl != NULL)
		(void)SSL_shutdown(ssl);
	ERR_clear_error();
}

/* Close whatever connection the request holds. */
static void
client_release(struct client *c)
{
	if (c->step != NULL) {
		event_free(c->step);
		c->step = NULL;
	}
	if (c->connect_ev != NULL) {
		event_free(c->connect_ev);
		c->connect_ev = NULL;
	}
	if (c->timer != NULL)
		evtimer_del(c->timer);
	if (c->bev != NULL) {
		client_tls_shutdown(c);
		/* Closes the socket, and frees the SSL of a TLS one. */
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	if (c->fd != -1) {
		evutil_closesocket(c->fd);
		c->fd = -1;
	}
}

/*
 * End the request: with CLIENT_OK a response came; otherwise record the
 * failure against the current stage. Calls back once, last: the callback
 * may free the client, so callers return at once.
 */
static void __attribute__((format(printf, 4, 5)))
client_finish(struct client *c, enum client_failure failure, int code,
    const char *fmt, ...)
{
	va_list ap;

	if (c->over)
		return;
	c->over = 1;
	memset(&c->err, 0, sizeof c->err);
	if (failure != CLIENT_OK) {
		c->err.stage = c->stage;
		c->err.failure = failure;
		c->err.code = code;
		va_start(ap, fmt);
		vsnprintf(c->err.message, sizeof c->err.message, fmt, ap);
		va_end(ap);
		client_response_clear(&c->resp);
	} else if (c->resp.body == NULL) {
		c->resp.body = calloc(1, 1);
		if (c->resp.body == NULL) {
			c->err.stage = c->stage;
			c->err.failure = CLIENT_ERR_SYSTEM;
			c->err.code = ENOMEM;
			snprintf(c->err.message, sizeof c->err.message, "%s",
			    strerror(ENOMEM));
			client_response_clear(&c->resp);
		}
	}
	c->stage = CLIENT_STAGE_NONE;
	client_release(c);
	c->cb(c, c->arg);
}

/* Arm the timer with the current stage's timeout. */
static void
client_arm_timer(struct client *c, uint64_t usec)
{
	struct timeval tv = clock_tv(usec);

	evtimer_add(c->timer, &tv);
}

/* The timeout of the current stage, for messages. */
static uint64_t
client_stage_timeout(const struct client *c)
{
	switch (c->stage) {
	case CLIENT_STAGE_CONNECT:
		return c->connect_timeout_us;
	case CLIENT_STAGE_TLS:
		return c->tls_timeout_us;
	default:
		return c->response_timeout_us;
	}
}

/*
 * Resolve "HOST:PORT" into c->addrs: an IP literal directly, a name with
 * getaddrinfo(3). Returns 0 or -1 with err filled.
 */
static int
client_resolve(struct client *c, const char *address, struct client_error *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	char host[256];
	uint16_t port;
	int rc;

	if (address == NULL ||
	    hostport_parse(address, host, sizeof host, &port) == -1) {
		client_error_set(err, CLIENT_STAGE_CONNECT, CLIENT_ERR_ADDRESS,
		    0, "\"%s\" is not an address (use HOST:PORT)",
		    address == NULL ? "" : address);
		return -1;
	}
	snprintf(c->host, sizeof c->host, "%s", host);
	if (sockaddr_fill(host, port, &c->addrs[0], &c->addrlens[0]) == 0) {
		c->naddrs = 1;
		return 0;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0) {
		client_error_set(err, CLIENT_STAGE_CONNECT, CLIENT_ERR_RESOLVE,
		    rc == EAI_SYSTEM ? errno : 0, "cannot resolve %s: %s", host,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && c->naddrs < CLIENT_ADDRS_MAX;
	     ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (ai->ai_addrlen > sizeof c->addrs[0])
			continue;
		memcpy(&c->addrs[c->naddrs], ai->ai_addr, ai->ai_addrlen);
		if (ai->ai_family == AF_INET)
			((struct sockaddr_in *)&c->addrs[c->naddrs])->sin_port =
			    htons(port);
		else
			((struct sockaddr_in6 *)&c->addrs[c->naddrs])
			    ->sin6_port = htons(port);
		c->addrlens[c->naddrs++] = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	if (c->naddrs == 0) {
		client_error_set(err, CLIENT_STAGE_CONNECT, CLIENT_ERR_RESOLVE,
		    0, "cannot resolve %s: no IPv4 or IPv6 address", host);
		return -1;
	}
	return 0;
}

/* Is a header of that name among the request's own? */
static int
client_has_header(const struct client_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++) {
		if (strcasecmp(req->headers[i].name, name) == 0)
			return 1;
	}
	return 0;
}

/* Format the request into c->request. Returns 0 or -1. */
static int
client_format_request(struct client *c, const struct client_request *req)
{
	const char *method = req->method != NULL ? req->method : "GET";
	struct evbuffer *b = c->request;
	int rc = 0;
	size_t i;

	rc |= evbuffer_add_printf(b, "%s %s HTTP/1.1\r\n", method,
	    req->path != NULL ? req->path : "/");
	if (!client_has_header(req, "Host"))
		rc |= evbuffer_add_printf(b, "Host: %s\r\n", req->address);
	if (!client_has_header(req, "Connection"))
		rc |= evbuffer_add_printf(b, "Connection: close\r\n");
	if (!client_has_header(req, "Content-Length") &&
	    (req->body != NULL || strcmp(method, "POST") == 0 ||
	        strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0))
		rc |= evbuffer_add_printf(
		    b, "Content-Length: %zu\r\n", req->body_len);
	for (i = 0; i < req->nheaders; i++)
		rc |= evbuffer_add_printf(b, "%s: %s\r\n", req->headers[i].name,
		    req->headers[i].value);
	rc |= evbuffer_add(b, "\r\n", 2);
	if (req->body != NULL && req->body_len > 0)
		rc |= evbuffer_add(b, req->body, req->body_len);
	return rc < 0 ? -1 : 0;
}

/* OpenSSL's constant for one of our TLS versions, or 0. */
static int
client_tls_version(int v)
{
	size_t i;

	for (i = 0; i < nitems(client_tls_versions); i++) {
		if (client_tls_versions[i].version == v)
			return client_tls_versions[i].openssl;
	}
	return 0;
}

/* An OpenSSL error code in words: the reason, or strerror for errno. */
static void
client_openssl_words(unsigned long e, char *buf, size_t len)
{
	const char *r;

	if (ERR_SYSTEM_ERROR(e)) {
		snprintf(buf, len, "%s", strerror((int)ERR_GET_REASON(e)));
		return;
	}
	r = ERR_reason_error_string(e);
	if (r != NULL)
		snprintf(buf, len, "%s", r);
	else
		ERR_error_string_n(e, buf, len);
}

/* The first error on this thread's queue in words, and clear it. */
static void
client_openssl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_get_error();

	if (e != 0)
		client_openssl_words(e, buf, len);
	else
		snprintf(buf, len, "unknown error");
	ERR_clear_error();
}

/*
 * The certificate callback: note that verification ran and its first
 * error; with insecure, let the handshake go on whatever it found.
 */
static int
client_verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(
	    xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct client *c = SSL_get_app_data(ssl);

	c->verified = 1;
	if (!ok && c->tls_info.verify_result == X509_V_OK)
		c->tls_info.verify_result = X509_STORE_CTX_get_error(xs);
	return c->insecure ? 1 : ok;
}

/*
 * Note the first alert the server sends that ends something: a fatal
 * one, or close_notify during the handshake (warnings such as
 * unrecognized_name are not the reason for anything, nor is the
 * close_notify after a response).
 */
static void
client_tls_info_cb(const SSL *ssl, int where, int ret)
{
	struct client *c = SSL_get_app_data(ssl);
	struct client_tls_info *ti = &c->tls_info;
	int fatal = (ret >> 8) == SSL3_AL_FATAL;

	/* SSL_CB_READ_ALERT shares its SSL_CB_ALERT bit with WRITE_ALERT. */
	if (!(where & SSL_CB_ALERT) || !(where & SSL_CB_READ) ||
	    ti->alert_received != -1)
		return;
	if (!fatal && ((ret & 0xff) != SSL_AD_CLOSE_NOTIFY || ti->done))
		return;
	ti->alert_received = ret & 0xff;
	snprintf(
	    ti->alert, sizeof ti->alert, "%s", SSL_alert_desc_string_long(ret));
}

/* Offer these ALPN protocols (each 1 to 255 bytes). 0, or -1 with err. */
static int
client_tls_alpn(
    struct client *c, const struct client_tls *tls, struct client_error *err)
{
	unsigned char *wire;
	size_t i, n, len = 0;
	int rc;

	for (i = 0; i < tls->nalpn; i++) {
		n = strlen(tls->alpn[i]);
		if (n == 0 || n > 255) {
			client_error_set(err, CLIENT_STAGE_TLS, CLIENT_ERR_TLS,
			    0, "ALPN protocol \"%s\" is not 1 to 255 bytes",
			    tls->alpn[i]);
			return -1;
		}
		len += 1 + n;
	}
	if (len == 0)
		return 0;
	if ((wire = malloc(len)) == NULL) {
		client_error_set(err, CLIENT_STAGE_TLS, CLIENT_ERR_SYSTEM,
		    ENOMEM, "%s", strerror(ENOMEM));
		return -1;
	}
	for (i = 0, len = 0; i < tls->nalpn; i++) {
		n = strlen(tls->alpn[i]);
		wire[len++] = (unsigned char)n;
		memcpy(wire + len, tls->alpn[i], n);
		len += n;
	}
	/* 0 is success here, unlike the rest of OpenSSL. */
	rc = SSL_CTX_set_alpn_protos(c->ssl_ctx, wire, (unsigned int)len);
	free(wire);
	if (rc != 0) {
		client_error_set(err, CLIENT_STAGE_TLS, CLIENT_ERR_SYSTEM,
		    ENOMEM, "%s", strerror(ENOMEM));
		return -1;
	}
	return 0;
}

/*
 * Make the request's SSL_CTX: the protocol window (old versions really
 * offered: below TLS 1.2 security level 0, as tls.c does for servers),
 * what to trust, the ALPN offer and peer verification. The name to
 * verify is server_name or the address's host. 0, or -1 with err.
 */
static int
client_tls_setup(
    struct client *c, const struct client_tls *tls, struct client_error *err)
{
	int min = tls->min_version != 0 ? tls->min_version : 12;
	int max = tls->max_version != 0 ? tls->max_version : 13;
	const char *name =
	    tls->server_name != NULL ? tls->server_name : c->host;
	struct in6_addr in6;
	char why[256];

	ERR_clear_error();
	if (client_tls_version(min) == 0 || client_tls_version(max) == 0 ||
	    min > max) {
		client_error_set(err, CLIENT_STAGE_TLS, CLIENT_ERR_TLS, 0,
		    "no TLS versions from %d to %d (10 to 13: TLS 1.0 to 1.3)",
		    min, max);
		return -1;
	}
	if (*name == '\0' || strlen(name) >= sizeof c->tls_name) {
		client_error_set(err, CLIENT_STAGE_TLS, CLIENT_ERR_TLS, 0,
		    "\"%.64s\" is not a server name", name);
		return -1;
	}
	snprintf(c->tls_name, sizeof c->tls_name, "%s", name);
	c->tls_name_is_ip = inet_pton(AF_INET, name, &in6) == 1 ||
	    inet_pton(AF_INET6, name, &in6) == 1;
	c->insecure = tls->insecure;
	c->tls_info.verify_result = X509_V_OK;
	c->tls_info.alert_received = -1;

	if ((c->ssl_ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		client_openssl_reason(why, sizeof why);
		client_error_set(err, CLIENT_STAGE_TLS, CLIENT_ERR_TLS, 0,
		    "cannot make an SSL_CTX: %s", why);
		return -1;
	}
	if (min < 12) {
		SSL_CTX_set_security_level(c->ssl_ctx, 0);
		if (!SSL_CTX_set_cipher_list(c->ssl_ctx, "DEFAULT:@SECLEVEL=0"))
			goto openssl;
	}
	if (!SSL_CTX_set_min_proto_version(
	        c->ssl_ctx, client_tls_version(min)) ||
	    !SSL_CTX_set_max_proto_version(c->ssl_ctx, client_tls_version(max)))
		goto openssl;
	SSL_CTX_set_options(c->ssl_ctx, SSL_OP_NO_RENEGOTIATION);
	if (tls->cafile != NULL) {
		if (SSL_CTX_load_verify_locations(
		        c->ssl_ctx, tls->cafile, NULL) != 1) {
			client_openssl_reason(why, sizeof why);
			client_error_set(err, CLIENT_STAGE_TLS, CLIENT_ERR_TLS,
			    0, "cannot load CA file %s: %s", tls->cafile, why);
			return -1;
		}
	} else if (SSL_CTX_set_default_verify_paths(c->ssl_ctx) != 1) {
		client_openssl_reason(why, sizeof why);
		client_error_set(err, CLIENT_STAGE_TLS, CLIENT_ERR_TLS, 0,
		    "cannot use the system's CA certificates: %s", why);
		return -1;
	}
	SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_PEER, client_verify_cb);
	if (client_tls_alpn(c, tls, err) == -1)
		return -1;
	ERR_clear_error();
	return 0;

openssl:
	client_openssl_reason(why, sizeof why);
	client_error_set(err, CLIENT_STAGE_TLS, CLIENT_ERR_TLS, 0,
	    "cannot set up TLS: %s", why);
	return -1;
}

struct client *
client_new(struct event_base *base, const struct client_request *req,
    client_cb cb, void *arg, struct client_error *err)
{
	struct client *c;

	memset(err, 0, sizeof *err);
	c = calloc(1, sizeof *c);
	if (c == NULL)
		goto nomem;
	c->base = base;
	c->cb = cb;
	c->arg = arg;
	c->fd = -1;
	c->stage = CLIENT_STAGE_CONNECT;
	c->connect_timeout_us = req->connect_timeout_us != 0
	    ? req->connect_timeout_us
	    : CLIENT_TIMEOUT_DEFAULT;
	c->response_timeout_us = req->response_timeout_us != 0
	    ? req->response_timeout_us
	    : CLIENT_TIMEOUT_DEFAULT;
	c->body_max = req->body_max != 0 ? req->body_max : CLIENT_BODY_MAX;
	c->head = req->method != NULL && strcmp(req->method, "HEAD") == 0;
	http_parser_init(&c->parser, HTTP_RESPONSE);
	c->parser.data = c;

	if (client_resolve(c, req->address, err) == -1) {
		client_free(c);
		return NULL;
	}
	c->tls_timeout_us = req->tls_timeout_us != 0 ? req->tls_timeout_us
	                                             : CLIENT_TIMEOUT_DEFAULT;
	if (req->tls != NULL && client_tls_setup(c, req->tls, err) == -1) {
		client_free(c);
		return NULL;
	}
	c->request = evbuffer_new();
	c->timer = evtimer_new(base, client_timer_cb, c);
	c->step = event_new(base, -1, 0, client_step_cb, c);
	if (c->request == NULL || c->timer == NULL || c->step == NULL ||
	    client_format_request(c, req) == -1)
		goto nomem;
	/* Connect from the loop, so that every ending calls back from it. */
	client_arm_timer(c, c->connect_timeout_us);
	event_active(c->step, EV_TIMEOUT, 1);
	return c;

nomem:
	client_error_set(err, CLIENT_STAGE_CONNECT, CLIENT_ERR_SYSTEM, ENOMEM,
	    "%s", strerror(ENOMEM));
	client_free(c);
	return NULL;
}

/*
 * Start the HTTP stage on c->bev (plain or TLS, connected): the request
 * out, the response in, under the response timeout.
 */
static void
client_http_start(struct client *c)
{
	c->stage = CLIENT_STAGE_HTTP;
	evtimer_del(c->timer);
	client_arm_timer(c, c->response_timeout_us);
	bufferevent_setcb(c->bev, client_read_cb, NULL, client_event_cb, c);
	if (bufferevent_write_buffer(c->bev, c->request) == -1 ||
	    bufferevent_enable(c->bev, EV_READ | EV_WRITE) == -1)
		client_finish(
		    c, CLIENT_ERR_SYSTEM, ENOMEM, "%s", strerror(ENOMEM));
}

/* An ASN1_TIME as RFC 3339 UTC ("2026-11-23T10:00:00Z"), or "". */
static void
client_asn1_time(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	buf[0] = '\0';
	if (t != NULL && ASN1_TIME_to_tm(t, &tm) == 1)
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A name on one line, RFC 2253 ("CN=localhost"), UTF-8 kept, or "". */
static void
client_x509_name(const X509_NAME *name, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n;

	buf[0] = '\0';
	if (b == NULL)
		return;
	if (X509_NAME_print_ex(
	        b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		n = BIO_read(b, buf, (int)len - 1);
		buf[n > 0 ? n : 0] = '\0';
	}
	BIO_free(b);
}

/*
 * Record what the handshake showed, as far as it got: the chain the
 * server sent and the verification whenever they came; the version,
 * cipher and ALPN protocol once it completed.
 */
static void
client_tls_describe(struct client *c, SSL *ssl, int done)
{
	struct client_tls_info *ti = &c->tls_info;
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
	const unsigned char *alpn = NULL;
	unsigned int alpn_len = 0;
	struct client_cert *cc;
	X509 *x;
	int i;

	ti->done = done;
	if (done) {
		snprintf(ti->version, sizeof ti->version, "%s",
		    SSL_get_version(ssl));
		snprintf(ti->cipher, sizeof ti->cipher, "%s",
		    SSL_get_cipher_name(ssl));
		SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
		if (alpn != NULL && alpn_len < sizeof ti->alpn) {
			memcpy(ti->alpn, alpn, alpn_len);
			ti->alpn[alpn_len] = '\0';
		}
	}
	if (c->verified) {
		if (ti->verify_result == X509_V_OK)
			ti->verify_result = SSL_get_verify_result(ssl);
		snprintf(ti->verify_error, sizeof ti->verify_error, "%s",
		    X509_verify_cert_error_string(ti->verify_result));
	}
	ti->nchain = 0;
	for (i = 0; chain != NULL && i < sk_X509_num(chain) &&
	     ti->nchain < CLIENT_CHAIN_MAX;
	     i++) {
		x = sk_X509_value(chain, i);
		cc = &ti->chain[ti->nchain++];
		client_x509_name(
		    X509_get_subject_name(x), cc->subject, sizeof cc->subject);
		client_x509_name(
		    X509_get_issuer_name(x), cc->issuer, sizeof cc->issuer);
		client_asn1_time(X509_get0_notBefore(x), cc->not_before,
		    sizeof cc->not_before);
		client_asn1_time(
		    X509_get0_notAfter(x), cc->not_after, sizeof cc->not_after);
	}
}

/*
 * Connected over TCP: start the handshake on the socket, under the TLS
 * timeout, with SNI (for a name, not an IP) and the name or IP the
 * certificate must match.
 */
static void
client_tls_start(struct client *c)
{
	X509_VERIFY_PARAM *vp;
	SSL *ssl;
	char why[256];
	int ok;

	c->stage = CLIENT_STAGE_TLS;
	client_arm_timer(c, c->tls_timeout_us);
	c->tls_info.attempted = 1;
	ERR_clear_error();
	if ((ssl = SSL_new(c->ssl_ctx)) == NULL)
		goto fail;
	SSL_set_app_data(ssl, c);
	SSL_set_info_callback(ssl, client_tls_info_cb);
	vp = SSL_get0_param(ssl);
	X509_VERIFY_PARAM_set_hostflags(
	    vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (c->tls_name_is_ip)
		ok = X509_VERIFY_PARAM_set1_ip_asc(vp, c->tls_name);
	else
		ok = SSL_set_tlsext_host_name(ssl, c->tls_name) &&
		    X509_VERIFY_PARAM_set1_host(vp, c->tls_name, 0);
	if (!ok) {
		SSL_free(ssl);
		goto fail;
	}
	/* On failure libevent frees ssl (BEV_OPT_CLOSE_ON_FREE); c->fd
	 * stays ours. */
	c->bev = bufferevent_openssl_socket_new(c->base, c->fd, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		goto fail;
	c->fd = -1; /* the bufferevent owns it */
	bufferevent_setcb(c->bev, NULL, NULL, client_tls_event_cb, c);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE) == -1)
		client_finish(
		    c, CLIENT_ERR_SYSTEM, ENOMEM, "%s", strerror(ENOMEM));
	return;

fail:
	client_openssl_reason(why, sizeof why);
	client_finish(c, CLIENT_ERR_TLS, 0, "cannot start TLS: %s", why);
}

/* The handshake completed: record it, and on to HTTP/1.1. */
static void
client_tls_done(struct client *c)
{
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
	const char *alpn = c->tls_info.alpn;

	client_tls_describe(c, ssl, 1);
	/*
	 * A response ended by closing the connection (no close_notify) is
	 * an end, not an error: OpenSSL 3 says "unexpected eof" unless told,
	 * and libevent reports it as EOF with dirty shutdowns allowed. Not
	 * during the handshake, where a close is the server failing it.
	 */
	SSL_set_options(ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	if (*alpn != '\0' && strcmp(alpn, "http/1.1") != 0 &&
	    strcmp(alpn, "http/1.0") != 0) {
		c->stage = CLIENT_STAGE_HTTP;
		client_finish(c, CLIENT_ERR_TLS, 0,
		    "the server selected ALPN protocol \"%s\": this client "
		    "speaks HTTP/1.1",
		    alpn);
		return;
	}
	client_http_start(c);
}

/*
 * Pop the errors libevent kept for a failed TLS bufferevent (it pushes
 * SSL_get_error()'s code, then OpenSSL's queue, and pops the last
 * first): the first real one into *first (0 if none), and whether the
 * failure was a system call's (errno says which).
 */
static void
client_tls_errors(struct bufferevent *bev, unsigned long *first, int *syscall)
{
	unsigned long e[CLIENT_TLS_ERRORS_MAX];
	size_t n = 0, i;

	*first = 0;
	*syscall = 0;
	while (
	    n < nitems(e) && (e[n] = bufferevent_get_openssl_error(bev)) != 0)
		n++;
	for (i = n; i-- > 0;) {
		if (ERR_GET_LIB(e[i]) == 0 && !ERR_SYSTEM_ERROR(e[i])) {
			/* SSL_get_error()'s code, not an error code. */
			if (e[i] == SSL_ERROR_SYSCALL)
				*syscall = 1;
			continue;
		}
		if (*first == 0)
			*first = e[i];
	}
	ERR_clear_error();
}

/* Is errno worth reporting after a TLS failure? Not a stale EAGAIN. */
static int
client_errno_real(int error)
{
	return error != 0 && error != EAGAIN && error != EWOULDBLOCK &&
	    error != EINPROGRESS;
}

/*
 * The handshake failed: say why in OpenSSL's words, with the
 * verification error when that was it, or the system's when a system
 * call failed.
 */
static void
client_tls_failed(struct client *c, short what, int error)
{
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
	struct client_tls_info *ti = &c->tls_info;
	unsigned long e;
	char why[200];
	int syscall;

	c->tls_ended = 1;
	client_tls_errors(c->bev, &e, &syscall);
	if (ssl != NULL)
		client_tls_describe(c, ssl, 0);
	if (e != 0)
		client_openssl_words(e, why, sizeof why);
	if (e != 0 && ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
		if (ti->verify_result != X509_V_OK)
			client_finish(c, CLIENT_ERR_VERIFY, 0, "%s: %s", why,
			    ti->verify_error);
		else
			client_finish(c, CLIENT_ERR_VERIFY, 0, "%s", why);
	} else if (e != 0 && ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		client_finish(c, CLIENT_ERR_CLOSED, 0,
		    "the server closed the connection during the TLS "
		    "handshake (%s)",
		    why);
	} else if (e != 0) {
		client_finish(c, CLIENT_ERR_TLS, 0, "%s", why);
	} else if ((syscall || (what & BEV_EVENT_ERROR)) &&
	    client_errno_real(error)) {
		client_finish(
		    c, CLIENT_ERR_SYSTEM, error, "%s", strerror(error));
	} else {
		client_finish(c, CLIENT_ERR_CLOSED, 0,
		    "the server closed the connection during the TLS "
		    "handshake");
	}
}

/* The TLS bufferevent during the handshake: done, or failed. */
static void
client_tls_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct client *c = arg;
	int error = EVUTIL_SOCKET_ERROR();

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		client_tls_done(c);
	else if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		client_tls_failed(c, what, error);
}

/*
 * Connected: on to the next stage, the TLS handshake for a TLS request,
 * else straight to HTTP.
 */
static void
client_connected(struct client *c)
{
	struct sockaddr_storage *ss = &c->addrs[c->next_addr - 1];

	sockaddr_format(ss, c->resp.peer, sizeof c->resp.peer);
	event_free(c->connect_ev);
	c->connect_ev = NULL;
	evtimer_del(c->timer);

	if (c->ssl_ctx != NULL) {
		client_tls_start(c);
		return;
	}
	c->bev = bufferevent_socket_new(c->base, c->fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		c->stage = CLIENT_STAGE_HTTP;
		client_finish(
		    c, CLIENT_ERR_SYSTEM, ENOMEM, "%s", strerror(ENOMEM));
		return;
	}
	c->fd = -1; /* the bufferevent owns it */
	client_http_start(c);
}

/*
 * Connect to the next address that takes a socket; when none is left,
 * the request is over with the last address's error.
 */
static void
client_connect_next(struct client *c)
{
	struct sockaddr_storage *ss;
	int rc;

	while (c->next_addr < c->naddrs) {
		ss = &c->addrs[c->next_addr++];
		c->fd = socket(ss->ss_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd == -1) {
			c->last_errno = errno;
			continue;
		}
		rc = connect(c->fd, (struct sockaddr *)ss,
		    c->addrlens[c->next_addr - 1]);
		if (rc == 0 || errno == EINPROGRESS) {
			c->connect_ev = event_new(
			    c->base, c->fd, EV_WRITE, client_connect_cb, c);
			if (c->connect_ev == NULL ||
			    event_add(c->connect_ev, NULL) == -1) {
				client_finish(c, CLIENT_ERR_SYSTEM, ENOMEM,
				    "%s", strerror(ENOMEM));
			}
			return;
		}
		c->last_errno = errno;
		evutil_closesocket(c->fd);
		c->fd = -1;
	}
	client_finish(
	    c, CLIENT_ERR_SYSTEM, c->last_errno, "%s", strerror(c->last_errno));
}

static void
client_step_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	(void)fd;
	(void)what;
	client_connect_next(c);
}

/* The socket is writable: connected, or refused (SO_ERROR says). */
static void
client_connect_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	socklen_t len = sizeof(int);
	int error = 0;

	(void)what;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == -1)
		error = errno;
	if (error == 0) {
		client_connected(c);
		return;
	}
	c->last_errno = error;
	event_free(c->connect_ev);
	c->connect_ev = NULL;
	evutil_closesocket(c->fd);
	c->fd = -1;
	client_connect_next(c);
}

static void
client_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	char d[32];

	(void)fd;
	(void)what;
	duration_format(client_stage_timeout(c), d, sizeof d);
	client_finish(c, CLIENT_ERR_TIMEOUT, 0, "timed out after %s", d);
}

static int client_parse_fail(struct client *, enum client_failure, const char *,
    ...) __attribute__((format(printf, 3, 4)));

/* Fail the parse from a callback: the failure is reported after it. */
static int
client_parse_fail(
    struct client *c, enum client_failure failure, const char *fmt, ...)
{
	va_list ap;

	c->parse_failure = failure;
	va_start(ap, fmt);
	vsnprintf(c->parse_message, sizeof c->parse_message, fmt, ap);
	va_end(ap);
	return -1;
}

/* Append len bytes to the NUL-terminated *s. 0 or -1. */
static int
client_str_append(char **s, const char *data, size_t len)
{
	size_t have = *s != NULL ? strlen(*s) : 0;
	char *p;

	p = realloc(*s, have + len + 1);
	if (p == NULL)
		return -1;
	memcpy(p + have, data, len);
	p[have + len] = '\0';
	*s = p;
	return 0;
}

/* Count status-line and header bytes against the limit. */
static int
client_count_header(struct client *c, size_t len)
{
	c->header_bytes += len;
	if (c->header_bytes > CLIENT_HEADERS_MAX)
		return client_parse_fail(c, CLIENT_ERR_TOO_LARGE,
		    "response headers larger than %d KiB",
		    CLIENT_HEADERS_MAX / 1024);
	return 0;
}

static int
client_on_status(http_parser *p, const char *at, size_t len)
{
	(void)at;
	return client_count_header(p->data, len);
}

static int
client_on_header_field(http_parser *p, const char *at, size_t len)
{
	struct client *c = p->data;
	struct client_response *r = &c->resp;
	void *h;

	if (client_count_header(c, len) == -1)
		return -1;
	if (r->nheaders == 0 || c->in_value) {
		h = realloc(r->headers, (r->nheaders + 1) * sizeof *r->headers);
		if (h == NULL)
			return client_parse_fail(
			    c, CLIENT_ERR_SYSTEM, "%s", strerror(ENOMEM));
		r->headers = h;
		memset(&r->headers[r->nheaders++], 0, sizeof *r->headers);
		c->in_value = 0;
	}
	if (client_str_append(&r->headers[r->nheaders - 1].name, at, len) == -1)
		return client_parse_fail(
		    c, CLIENT_ERR_SYSTEM, "%s", strerror(ENOMEM));
	return 0;
}

static int
client_on_header_value(http_parser *p, const char *at, size_t len)
{
	struct client *c = p->data;
	struct client_response *r = &c->resp;

	if (client_count_header(c, len) == -1)
		return -1;
	c->in_value = 1;
	if (client_str_append(&r->headers[r->nheaders - 1].value, at, len) ==
	    -1)
		return client_parse_fail(
		    c, CLIENT_ERR_SYSTEM, "%s", strerror(ENOMEM));
	return 0;
}

static int
client_on_headers_complete(http_parser *p)
{
	struct client *c = p->data;
	size_t i;

	c->resp.status = (int)p->status_code;
	c->resp.http_major = p->http_major;
	c->resp.http_minor = p->http_minor;
	/* A header without a value ("X-A:") has an empty one. */
	for (i = 0; i < c->resp.nheaders; i++) {
		if (c->resp.headers[i].value == NULL &&
		    client_str_append(&c->resp.headers[i].value, "", 0) == -1)
			return client_parse_fail(
			    c, CLIENT_ERR_SYSTEM, "%s", strerror(ENOMEM));
	}
	if ((p->flags & F_CONTENTLENGTH) && p->content_length > c->body_max)
		return client_parse_fail(c, CLIENT_ERR_TOO_LARGE,
		    "response body larger than %zu bytes "
		    "(Content-Length: %llu)",
		    c->body_max, (unsigned long long)p->content_length);
	return c->head ? 1 : 0; /* 1: no body follows */
}

static int
client_on_body(http_parser *p, const char *at, size_t len)
{
	struct client *c = p->data;
	struct client_response *r = &c->resp;
	size_t cap;
	char *b;

	if (len > c->body_max - r->body_len)
		return client_parse_fail(c, CLIENT_ERR_TOO_LARGE,
		    "response body larger than %zu bytes", c->body_max);
	if (r->body_len + len + 1 > c->body_cap) {
		cap = c->body_cap == 0 ? 4096 : c->body_cap;
		while (cap < r->body_len + len + 1)
			cap *= 2;
		b = realloc(r->body, cap);
		if (b == NULL)
			return client_parse_fail(
			    c, CLIENT_ERR_SYSTEM, "%s", strerror(ENOMEM));
		r->body = b;
		c->body_cap = cap;
	}
	memcpy(r->body + r->body_len, at, len);
	r->body_len += len;
	r->body[r->body_len] = '\0';
	return 0;
}

static int
client_on_message_complete(http_parser *p)
{
	struct client *c = p->data;

	char peer[sizeof c->resp.peer];

	/* An interim answer (100 Continue): the real one follows. */
	if (p->status_code >= 100 && p->status_code < 200 &&
	    p->status_code != 101) {
		memcpy(peer, c->resp.peer, sizeof peer);
		client_response_clear(&c->resp);
		memcpy(c->resp.peer, peer, sizeof peer);
		c->body_cap = 0;
		c->in_value = 0;
		c->header_bytes = 0;
		return 0;
	}
	c->complete = 1;
	http_parser_pause(p, 1); /* whatever follows is not ours */
	return 0;
}

/*
 * Feed len bytes (0: the end of the stream) to the parser. Returns 0, or
 * -1 after finishing the request with a parse failure.
 */
static int
client_parse(struct client *c, const char *data, size_t len)
{
	enum http_errno e;

	http_parser_execute(&c->parser, &client_settings, data, len);
	e = HTTP_PARSER_ERRNO(&c->parser);
	if (e == HPE_OK || e == HPE_PAUSED)
		return 0;
	if (c->parse_failure != CLIENT_OK) {
		client_finish(c, c->parse_failure,
		    c->parse_failure == CLIENT_ERR_SYSTEM ? ENOMEM : 0, "%s",
		    c->parse_message);
		return -1;
	}
	if (len == 0)
		return 0; /* the end came too early: the caller says so */
	client_finish(c, CLIENT_ERR_MALFORMED, 0, "malformed response: %s",
	    http_errno_description(e));
	return -1;
}

/*
 * Parse whatever has arrived; finish once the response is complete.
 * Returns -1 when the request is over (c may be gone), else 0.
 */
static int
client_read(struct client *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t n;

	while (!c->complete && (n = evbuffer_get_contiguous_space(in)) > 0) {
		c->received = 1;
		if (client_parse(c, (const char *)evbuffer_pullup(in, n), n) ==
		    -1)
			return -1;
		evbuffer_drain(in, n);
	}
	if (!c->complete)
		return 0;
	client_finish(c, CLIENT_OK, 0, "%s", "");
	return -1;
}

static void
client_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	(void)client_read(arg);
}

/*
 * The connection ended or failed. What came before it may still make a
 * complete response (a close-delimited body, or an answer sent before
 * the server stopped reading our request). Over TLS an error is
 * OpenSSL's unless a system call failed.
 */
static void
client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct client *c = arg;
	int error = EVUTIL_SOCKET_ERROR();
	unsigned long e = 0;
	char why[200];
	int syscall;

	(void)bev;
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	if (c->ssl_ctx != NULL) {
		/* With dirty shutdowns allowed libevent reports a failed
		 * read (a reset) as EOF: the system call's error says. */
		c->tls_ended = 1;
		client_tls_errors(c->bev, &e, &syscall);
		if (!client_errno_real(error) ||
		    !(syscall || (what & BEV_EVENT_ERROR)))
			error = 0;
		else
			what |= BEV_EVENT_ERROR;
	}
	if (client_read(c) == -1)
		return;
	if (client_parse(c, NULL, 0) == -1)
		return;
	if (c->complete) {
		client_finish(c, CLIENT_OK, 0, "%s", "");
		return;
	}
	if ((what & BEV_EVENT_ERROR) && e != 0) {
		client_openssl_words(e, why, sizeof why);
		client_finish(c, CLIENT_ERR_TLS, 0, "%s", why);
	} else if ((what & BEV_EVENT_ERROR) && error != 0)
		client_finish(
		    c, CLIENT_ERR_SYSTEM, error, "%s", strerror(error));
	else if (!c->received)
		client_finish(c, CLIENT_ERR_CLOSED, 0,
		    "connection closed before any response");
	else
		client_finish(c, CLIENT_ERR_CLOSED, 0,
		    "connection closed before the response was complete");
}

enum client_stage
client_stage(const struct client *c)
{
	return c->stage;
}

const struct client_error *
client_error(const struct client *c)
{
	return &c->err;
}

const struct client_tls_info *
client_tls_info(const struct client *c)
{
	return c->ssl_ctx != NULL ? &c->tls_info : NULL;
}

struct client_response *
client_response(struct client *c)
{
	return &c->resp;
}

void
client_free(struct client *c)
{
	if (c == NULL)
		return;
	client_release(c);
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->request != NULL)
		evbuffer_free(c->request);
	SSL_CTX_free(c->ssl_ctx);
	client_response_clear(&c->resp);
	free(c);
}

struct client_fetch {
	int done;
};

static void
client_fetch_cb(struct client *c, void *arg)
{
	struct client_fetch *f = arg;

	(void)c;
	f->done = 1;
}

int
client_run(struct event_base *base, const struct client_request *req,
    const int *stop, struct client_response *resp, struct client_error *err,
    struct client_tls_info *tls)
{
	struct client_fetch f = { 0 };
	struct client *c;

	memset(resp, 0, sizeof *resp);
	if (tls != NULL)
		memset(tls, 0, sizeof *tls);
	c = client_new(base, req, client_fetch_cb, &f, err);
	if (c == NULL)
		return -1;
	while (!f.done && (stop == NULL || !*stop)) {
		if (event_base_loop(base, EVLOOP_ONCE) == -1)
			break;
	}
	if (!f.done) {
		if (stop != NULL && *stop) {
			client_free(c);
			return CLIENT_STOPPED;
		}
		client_error_set(err, client_stage(c), CLIENT_ERR_SYSTEM, EIO,
		    "the event loop failed");
		client_free(c);
		return -1;
	}
	*err = c->err;
	if (tls != NULL && client_tls_info(c) != NULL)
		*tls = *client_tls_info(c);
	if (err->stage != CLIENT_STAGE_NONE) {
		client_free(c);
		return -1;
	}
	*resp = c->resp;
	memset(&c->resp, 0, sizeof c->resp);
	client_free(c);
	return 0;
}

int
client_fetch(struct event_base *base, const struct client_request *req,
    struct client_response *resp, struct client_error *err)
{
	return client_run(base, req, NULL, resp, err, NULL);
}

const char *
client_response_header(const struct client_response *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++) {
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	}
	return NULL;
}

void
client_response_clear(struct client_response *r)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	free(r->body);
	memset(r, 0, sizeof *r);
}

/*
 * client.h: a small HTTP/1.1 client on libevent: one request on one
 * connection, in explicit stages (connect, then TLS, then HTTP), each
 * with its own timeout, and every failure reported with the stage it
 * happened in and the library's own words for it. `standin ctl` uses it
 * for the control API; `standin probe` will use it for the services.
 *
 * Writing to a peer that has gone may raise SIGPIPE: callers ignore it.
 */
#ifndef STANDIN_CLIENT_H
#define STANDIN_CLIENT_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct client;

#define CLIENT_TIMEOUT_DEFAULT 5000000 /* microseconds, for each stage */
#define CLIENT_BODY_MAX (64 * 1024 * 1024) /* response bodies */
#define CLIENT_HEADERS_MAX (64 * 1024) /* status line and headers */

/* Where a request stands, and so where it failed. */
enum client_stage {
	CLIENT_STAGE_NONE, /* not started, or finished without error */
	CLIENT_STAGE_CONNECT, /* the address, its name, the TCP connection */
	CLIENT_STAGE_TLS, /* the TLS handshake (and setting TLS up) */
	CLIENT_STAGE_HTTP, /* the request out, the response in */
};

/* What went wrong, whatever the stage. */
enum client_failure {
	CLIENT_OK,
	CLIENT_ERR_ADDRESS, /* not HOST:PORT */
	CLIENT_ERR_RESOLVE, /* the host name did not resolve */
	CLIENT_ERR_SYSTEM, /* a system call failed: errno is in code */
	CLIENT_ERR_TIMEOUT, /* the stage's timeout passed */
	CLIENT_ERR_CLOSED, /* the peer closed before the response was complete */
	CLIENT_ERR_MALFORMED, /* the response is not HTTP */
	CLIENT_ERR_TOO_LARGE, /* headers or body over the limit */
	CLIENT_ERR_TLS, /* TLS failed: OpenSSL's reason is in message */
	CLIENT_ERR_VERIFY, /* the server's certificate did not verify */
};

struct client_error {
	enum client_stage stage;
	enum client_failure failure;
	int code; /* errno for CLIENT_ERR_SYSTEM, else 0 */
	/*
	 * "Connection refused", "timed out after 5s", "malformed response:
	 * ...", and for TLS OpenSSL's reason: "tlsv1 alert protocol version",
	 * "certificate verify failed: certificate has expired", "the server
	 * closed the connection during the TLS handshake (unexpected eof while
	 * reading)".
	 */
	char message[256];
};

/* TLS for a request: what the client offers and what it trusts. */
struct client_tls {
	int min_version; /* 10..13 as tls_version_parse() reads; 0: 12 */
	int max_version; /* 0: 13 */
	const char *cafile; /* PEM bundle to verify with; NULL: the system's */
	int insecure; /* complete the handshake even if verification fails */
	const char *server_name; /* SNI and the name checked; NULL: the host */
	const char *const *alpn; /* protocols to offer, or NULL for none */
	size_t nalpn;
};

/* One certificate of the chain the server sent. */
struct client_cert {
	char subject[256]; /* RFC 2253: "CN=localhost" */
	char issuer[256];
	char not_before[32], not_after[32]; /* "2026-11-23T10:00:00Z" */
};

#define CLIENT_CHAIN_MAX 8

/*
 * What a TLS handshake showed, filled as far as it got: after a failure
 * too (the alert, the verification error), which is how the probe names
 * the reason.
 */
struct client_tls_info {
	int attempted; /* a TLS request reached its handshake */
	int done; /* the handshake completed */
	char version[16]; /* "TLSv1.3" */
	char cipher[64]; /* "TLS_AES_256_GCM_SHA384" */
	char alpn[32]; /* the protocol selected, or "" */
	/* The first verification error, or X509_V_OK; verify_error is
	 * X509_verify_cert_error_string() of it ("ok"), or "" if the
	 * handshake ended before a certificate was verified. */
	long verify_result;
	char verify_error[128];
	/* The server's first fatal alert (or a close_notify during the
	 * handshake): 70, "protocol version"; -1 and "" if none came. */
	int alert_received;
	char alert[64];
	struct client_cert chain[CLIENT_CHAIN_MAX];
	size_t nchain;
};

struct client_header {
	const char *name;
	const char *value;
};

/*
 * One request. client_new() copies what it needs: nothing here has to
 * outlive the call. Headers are sent as given (no CR or LF in them);
 * Host, Connection: close and, for a body or a POST/PUT/PATCH,
 * Content-Length are added unless given.
 */
struct client_request {
	const char *address; /* HOST:PORT; HOST a name or an IP literal */
	const char *method; /* "GET" if NULL */
	const char *path; /* "/" if NULL */
	const struct client_header *headers;
	size_t nheaders;
	const char *body; /* NULL: none */
	size_t body_len;
	uint64_t connect_timeout_us; /* 0: CLIENT_TIMEOUT_DEFAULT */
	uint64_t response_timeout_us; /* 0: CLIENT_TIMEOUT_DEFAULT */
	size_t body_max; /* 0: CLIENT_BODY_MAX */
	/* TLS: NULL for plain TCP. The TLS handshake is its own stage
	 * (CLIENT_STAGE_TLS) with its own timeout. The response is read as
	 * HTTP/1.1: a server that selects another ALPN protocol fails the
	 * request at the HTTP stage. */
	const struct client_tls *tls;
	uint64_t tls_timeout_us; /* 0: CLIENT_TIMEOUT_DEFAULT */
};

/* A response; its strings belong to it. */
struct client_response {
	int status;
	unsigned short http_major, http_minor;
	struct client_response_header {
		char *name;
		char *value;
	} * headers;
	size_t nheaders;
	char *body; /* NUL-terminated (the body may hold NULs too) */
	size_t body_len;
	char peer[64]; /* the address connected to, "127.0.0.1:8474" */
};

/* Called once when the request is over, either way. */
typedef void (*client_cb)(struct client *, void *arg);

/*
 * Start a request on base; cb runs when it is over, from the loop (it may
 * free the client). NULL with *err filled if it cannot start: a bad
 * address, a name that does not resolve; for TLS (stage CLIENT_STAGE_TLS,
 * CLIENT_ERR_TLS, before connecting) a version window outside 10..13, a
 * CA file that does not load, an ALPN protocol not 1 to 255 bytes. Names
 * are resolved with getaddrinfo(3), which blocks: fine for the command
 * line, which is the only user.
 */
struct client *client_new(struct event_base *, const struct client_request *,
    client_cb cb, void *arg, struct client_error *err);

/* The stage the request is in (CLIENT_STAGE_NONE once over). */
enum client_stage client_stage(const struct client *);

/* Once over: how it ended (stage CLIENT_STAGE_NONE: a response came). */
const struct client_error *client_error(const struct client *);

/* Once over, either way: what the TLS handshake showed (NULL without
 * TLS). */
const struct client_tls_info *client_tls_info(const struct client *);

/* Once over without error: the response, which the client keeps. */
struct client_response *client_response(struct client *);

/* Abandon the request if it is not over, and free; safe on NULL. */
void client_free(struct client *);

/*
 * Run one request to the end on base (running its loop). Returns 0 with
 * *resp filled, for the caller to client_response_clear(), or -1 with
 * *err filled.
 */
int client_fetch(struct event_base *, const struct client_request *,
    struct client_response *resp, struct client_error *err);

/* client_run(): the request was given up because *stop was set. */
#define CLIENT_STOPPED (-2)

/*
 * client_fetch() with more: give up (CLIENT_STOPPED) once *stop is set
 * (by a signal handler's event, say; stop may be NULL), and copy what the
 * TLS handshake showed into *tls (if not NULL; zeroed without TLS),
 * whether the request succeeded or not.
 */
int client_run(struct event_base *, const struct client_request *,
    const int *stop, struct client_response *resp, struct client_error *err,
    struct client_tls_info *tls);

/* The first header of that name, case-insensitively, or NULL. */
const char *client_response_header(
    const struct client_response *, const char *name);

/* Free what a response holds and zero it. */
void client_response_clear(struct client_response *);

/* "connect", "tls", "http" (and "none"). */
const char *client_stage_name(enum client_stage);

#endif

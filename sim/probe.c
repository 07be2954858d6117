/*
 * probe.c: `standin probe`. It plays a UMS client of the financial engine
 * (--as ums) or a financial-engine client of UMS (--as financial-engine)
 * and goes through the layers a real client goes through, each on the
 * wire with libevent and OpenSSL (sim/client.c):
 *
 *   connect    a TCP connection, kept open a short settle time without a
 *              word from the client: a server that resets or closes an
 *              accepted connection does it then (a connection limit, a
 *              backend gone);
 *   tls        the TLS handshake of the hello's connection (https only):
 *              version, cipher, ALPN, the chain and its verification;
 *   handshake  POST /v1/handshake with the client's protocol versions;
 *   http       GET /health and one read-only call of the target persona,
 *              with the negotiated X-Protocol-Version.
 *
 * The first layer that fails is the verdict, and its exit code. --matrix
 * tries each TLS version the client could offer against each protocol
 * version and prints the grid of what works.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <jansson.h>

#include "client.h"
#include "clock.h"
#include "probe.h"
#include "tls.h"
#include "util.h"

#define PROBE_VERSIONS_MAX 16
#define PROBE_SETTLE_DEFAULT 250000 /* us */

/* clang-format off */
static const char probe_usage[] =
    "usage: standin probe --as ums|financial-engine URL [--versions V,...]\n"
    "                     [--tls-versions V,...] [--cacert FILE] [--insecure]\n"
    "                     [--alpn P,...] [--timeout DUR] [--settle DUR]\n"
    "                     [--matrix] [--json]\n"
    "\n"
    "Impersonate a client of the service at URL (http:// or https://) and\n"
    "report, layer by layer, whether it can connect:\n"
    "  connect    TCP, then a settle time in which the server must not\n"
    "             reset or close the accepted connection\n"
    "  tls        the handshake (https): version, cipher, ALPN, the chain\n"
    "             and its verification\n"
    "  handshake  POST /v1/handshake with the client's protocol versions\n"
    "  http       GET /health and one read-only call (as ums: GET\n"
    "             /v1/ledger; as financial-engine: GET /v1/users?email=)\n"
    "\n"
    "options:\n"
    "  --as CLIENT         ums (a UMS client of the financial engine) or\n"
    "                      financial-engine (a client of UMS)\n"
    "  --versions V,...    the protocol versions the client speaks\n"
    "                      (default 1.1,1.2)\n"
    "  --tls-versions V,...  the TLS versions it offers, from 1.0 to 1.3\n"
    "                      (default 1.2,1.3; --matrix: 1.0,1.1,1.2,1.3)\n"
    "  --cacert FILE       trust the CAs in FILE (PEM) instead of the system's\n"
    "  --insecure          finish the handshake even if the certificate does\n"
    "                      not verify (the report still says why)\n"
    "  --alpn P,...        ALPN protocols to offer (default http/1.1;\n"
    "                      \"\" offers none)\n"
    "  --timeout DUR       for each layer (default 5s)\n"
    "  --settle DUR        how long the connect layer holds the connection\n"
    "                      before speaking (default 250ms; 0: not at all)\n"
    "  --matrix            try each TLS version with each protocol version\n"
    "                      and print the grid of what works\n"
    "  --json              one JSON object instead of the report\n"
    "\n"
    "exit codes: 0 every layer passed (--matrix: some combination works),\n"
    "10 connect, 11 tls, 12 handshake, 13 http (the first layer that\n"
    "failed; --matrix: the furthest any combination got), 64 usage,\n"
    "66 unreadable --cacert.\n";
/* clang-format on */

enum probe_layer {
	PROBE_CONNECT,
	PROBE_TLS,
	PROBE_HANDSHAKE,
	PROBE_HTTP,
	PROBE_LAYERS,
};

static const char *const probe_layer_names[PROBE_LAYERS] = { "connect", "tls",
	"handshake", "http" };

static const int probe_exit_codes[PROBE_LAYERS] = { PROBE_EXIT_CONNECT,
	PROBE_EXIT_TLS, PROBE_EXIT_HANDSHAKE, PROBE_EXIT_HTTP };

enum probe_state {
	PROBE_NOT_TRIED,
	PROBE_OK,
	PROBE_FAILED,
	PROBE_SKIPPED, /* tls over plain http */
};

/* What one layer showed. */
struct probe_result {
	enum probe_state state;
	char summary[512]; /* one line for a person */
	json_t *detail; /* the same for machines */
};

struct probe {
	struct event_base *base;
	/* The command line. */
	const char *as; /* "ums" or "financial-engine" */
	const char *url;
	int https;
	char host[256];
	uint16_t port;
	char address[300]; /* HOST:PORT for the client */
	char base_path[512]; /* a path prefix from the URL, without a final / */
	char *versions[PROBE_VERSIONS_MAX];
	size_t nversions;
	int tls_versions[4];
	size_t ntls_versions;
	const char *cacert;
	int insecure;
	char *alpn[8];
	size_t nalpn;
	uint64_t timeout_us;
	uint64_t settle_us;
	int matrix, json;
	/* The report. */
	struct probe_result layers[PROBE_LAYERS];
	char negotiated[32]; /* the protocol version the hello agreed on */
};

static void __attribute__((format(printf, 1, 2)))
probe_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("standin: probe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Set a layer's outcome; detail (taken over) may be NULL. */
static void __attribute__((format(printf, 4, 5))) probe_set(struct probe *p,
    enum probe_layer l, enum probe_state state, const char *fmt, ...)
{
	struct probe_result *r = &p->layers[l];
	va_list ap;

	r->state = state;
	va_start(ap, fmt);
	vsnprintf(r->summary, sizeof r->summary, fmt, ap);
	va_end(ap);
	if (r->detail == NULL)
		r->detail = json_object();
}

/* Add a member to a layer's detail. */
static void
probe_detail(struct probe *p, enum probe_layer l, const char *key, json_t *v)
{
	if (p->layers[l].detail == NULL)
		p->layers[l].detail = json_object();
	json_object_set_new(p->layers[l].detail, key, v);
}

/* --- the connect layer ------------------------------------------------ */

struct probe_connect {
	struct probe *p;
	struct bufferevent *bev;
	struct event *timer;
	int connected, done;
	int error; /* errno, or 0 */
	const char *ending; /* "reset", "closed", "timeout", "data" */
	uint64_t t0, t_connected;
};

static void
probe_connect_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct probe_connect *pc = arg;
	struct timeval tv;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		pc->connected = 1;
		pc->t_connected = clock_now_us();
		if (pc->p->settle_us == 0) {
			pc->done = 1;
			return;
		}
		tv = clock_tv(pc->p->settle_us);
		evtimer_add(pc->timer, &tv);
		bufferevent_enable(pc->bev, EV_READ);
		return;
	}
	pc->error = EVUTIL_SOCKET_ERROR();
	if (what & BEV_EVENT_EOF)
		pc->ending = "closed";
	else if (pc->connected && pc->error == ECONNRESET)
		pc->ending = "reset";
	else
		pc->ending = "error";
	pc->done = 1;
}

/* The server spoke first: HTTP and TLS servers never do. */
static void
probe_connect_read_cb(struct bufferevent *bev, void *arg)
{
	struct probe_connect *pc = arg;

	(void)bev;
	pc->ending = "data";
	pc->done = 1;
}

static void
probe_connect_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe_connect *pc = arg;

	(void)fd;
	(void)what;
	if (!pc->connected)
		pc->ending = "timeout";
	pc->done = 1;
}

/* Resolve HOST:PORT to its first address. */
static int
probe_resolve(struct probe *p, struct sockaddr_storage *ss, socklen_t *len,
    char *why, size_t whylen)
{
	struct addrinfo hints, *res = NULL;
	char port[8];
	int rc;

	if (sockaddr_fill(p->host, p->port, ss, len) == 0)
		return 0;
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof port, "%u", p->port);
	rc = getaddrinfo(p->host, port, &hints, &res);
	if (rc != 0 || res == NULL) {
		snprintf(why, whylen, "cannot resolve %s: %s", p->host,
		    gai_strerror(rc));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* The connect layer: connect, then hold the connection quietly. */
static int
probe_connect(struct probe *p)
{
	struct probe_connect pc;
	struct sockaddr_storage ss;
	struct timeval tv;
	socklen_t len;
	char why[300], peer[80], settle[32], took[32];

	memset(&pc, 0, sizeof pc);
	pc.p = p;
	if (probe_resolve(p, &ss, &len, why, sizeof why) != 0) {
		probe_set(p, PROBE_CONNECT, PROBE_FAILED, "%s", why);
		return -1;
	}
	sockaddr_format(&ss, peer, sizeof peer);
	probe_detail(p, PROBE_CONNECT, "address", json_string(peer));
	pc.bev = bufferevent_socket_new(p->base, -1, BEV_OPT_CLOSE_ON_FREE);
	pc.timer = evtimer_new(p->base, probe_connect_timer_cb, &pc);
	if (pc.bev == NULL || pc.timer == NULL) {
		probe_set(p, PROBE_CONNECT, PROBE_FAILED, "out of memory");
		goto out;
	}
	bufferevent_setcb(
	    pc.bev, probe_connect_read_cb, NULL, probe_connect_event_cb, &pc);
	tv = clock_tv(p->timeout_us);
	evtimer_add(pc.timer, &tv);
	pc.t0 = clock_now_us();
	if (bufferevent_socket_connect(
	        pc.bev, (struct sockaddr *)&ss, (int)len) == -1) {
		pc.error = EVUTIL_SOCKET_ERROR();
		pc.done = 1;
	}
	while (!pc.done)
		event_base_loop(p->base, EVLOOP_ONCE);

	duration_format(p->settle_us, settle, sizeof settle);
	if (!pc.connected) {
		if (pc.ending != NULL && strcmp(pc.ending, "timeout") == 0) {
			duration_format(p->timeout_us, took, sizeof took);
			probe_set(p, PROBE_CONNECT, PROBE_FAILED,
			    "%s: no answer to the TCP handshake in %s", peer,
			    took);
			probe_detail(
			    p, PROBE_CONNECT, "reason", json_string("timeout"));
		} else {
			probe_set(p, PROBE_CONNECT, PROBE_FAILED, "%s: %s",
			    peer, strerror(pc.error));
			probe_detail(p, PROBE_CONNECT, "errno",
			    json_string(strerror(pc.error)));
		}
		goto out;
	}
	probe_detail(p, PROBE_CONNECT, "ms",
	    json_real((double)(pc.t_connected - pc.t0) / 1000));
	if (pc.ending == NULL || strcmp(pc.ending, "data") == 0) {
		probe_set(p, PROBE_CONNECT, PROBE_OK, "%s in %.1f ms%s%s%s%s",
		    peer, (double)(pc.t_connected - pc.t0) / 1000,
		    p->settle_us > 0 ? ", held " : "",
		    p->settle_us > 0 ? settle : "",
		    p->settle_us > 0 ? " without a reset" : "",
		    pc.ending != NULL ? " (the server spoke first)" : "");
		goto out;
	}
	if (strcmp(pc.ending, "closed") == 0)
		probe_set(p, PROBE_CONNECT, PROBE_FAILED,
		    "%s: the server closed the connection it had accepted "
		    "(EOF) before the client spoke",
		    peer);
	else
		probe_set(p, PROBE_CONNECT, PROBE_FAILED,
		    "%s: %s: the server reset the connection it had accepted "
		    "before the client spoke",
		    peer, strerror(pc.error));
	probe_detail(p, PROBE_CONNECT, "reason", json_string(pc.ending));
	if (pc.error != 0)
		probe_detail(
		    p, PROBE_CONNECT, "errno", json_string(strerror(pc.error)));
out:
	if (pc.timer != NULL)
		event_free(pc.timer);
	if (pc.bev != NULL)
		bufferevent_free(pc.bev);
	return p->layers[PROBE_CONNECT].state == PROBE_OK ? 0 : -1;
}

/* --- requests through the client -------------------------------------- */

/* One request and everything it showed. */
struct probe_call {
	struct client_error err;
	struct client_response resp;
	struct client_tls_info tls;
};

/*
 * Run one request to the end; tls_min/tls_max narrow the TLS window (0:
 * the command line's). Returns 0 if a response came.
 */
static int
probe_call(struct probe *p, const char *method, const char *path,
    const char *body, const char *version, int tls_min, int tls_max,
    struct probe_call *call)
{
	struct client_header headers[3];
	struct client_request req;
	struct client_tls tls;
	char full[1024];
	size_t nh = 0;

	memset(call, 0, sizeof *call);
	memset(&req, 0, sizeof req);
	snprintf(full, sizeof full, "%s%s", p->base_path, path);
	headers[nh++] = (struct client_header){ "Accept", "application/json" };
	if (body != NULL)
		headers[nh++] = (struct client_header){ "Content-Type",
			"application/json" };
	if (version != NULL)
		headers[nh++] =
		    (struct client_header){ "X-Protocol-Version", version };
	req.address = p->address;
	req.method = method;
	req.path = full;
	req.headers = headers;
	req.nheaders = nh;
	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	req.connect_timeout_us = p->timeout_us;
	req.response_timeout_us = p->timeout_us;
	req.tls_timeout_us = p->timeout_us;
	if (p->https) {
		memset(&tls, 0, sizeof tls);
		tls.min_version = tls_min != 0 ? tls_min : p->tls_versions[0];
		tls.max_version = tls_max != 0
		    ? tls_max
		    : p->tls_versions[p->ntls_versions - 1];
		tls.cafile = p->cacert;
		tls.insecure = p->insecure;
		tls.alpn = (const char *const *)p->alpn;
		tls.nalpn = p->nalpn;
		req.tls = &tls;
	}
	return client_run(
	    p->base, &req, NULL, &call->resp, &call->err, &call->tls);
}

static void
probe_call_clear(struct probe_call *call)
{
	client_response_clear(&call->resp);
}

/* "TLS 1.2" for 12. */
static const char *
probe_tls_name(int v)
{
	static const char *const names[] = { "1.0", "1.1", "1.2", "1.3" };

	return v >= 10 && v <= 13 ? names[v - 10] : "?";
}

/* The tls layer from what the hello's connection showed. */
static void
probe_report_tls(struct probe *p, const struct probe_call *call)
{
	const struct client_tls_info *ti = &call->tls;
	json_t *chain;
	size_t i;

	if (!p->https) {
		probe_set(p, PROBE_TLS, PROBE_SKIPPED, "plain http");
		return;
	}
	if (!ti->attempted)
		return;
	chain = json_array();
	for (i = 0; i < ti->nchain; i++)
		json_array_append_new(chain,
		    json_pack("{s:s, s:s, s:s, s:s}", "subject",
		        ti->chain[i].subject, "issuer", ti->chain[i].issuer,
		        "not_before", ti->chain[i].not_before, "not_after",
		        ti->chain[i].not_after));
	probe_detail(p, PROBE_TLS, "chain", chain);
	probe_detail(p, PROBE_TLS, "offered",
	    json_pack("[s, s]", probe_tls_name(p->tls_versions[0]),
	        probe_tls_name(p->tls_versions[p->ntls_versions - 1])));
	if (ti->alert_received >= 0) {
		probe_detail(
		    p, PROBE_TLS, "alert", json_integer(ti->alert_received));
		probe_detail(
		    p, PROBE_TLS, "alert_name", json_string(ti->alert));
	}
	probe_detail(p, PROBE_TLS, "verify", json_string(ti->verify_error));
	if (!ti->done) {
		probe_detail(
		    p, PROBE_TLS, "reason", json_string(call->err.message));
		if (ti->alert_received >= 0)
			probe_set(p, PROBE_TLS, PROBE_FAILED,
			    "%s (alert %d %s from the server; offered TLS "
			    "%s to %s)",
			    call->err.message, ti->alert_received, ti->alert,
			    probe_tls_name(p->tls_versions[0]),
			    probe_tls_name(
			        p->tls_versions[p->ntls_versions - 1]));
		else
			probe_set(p, PROBE_TLS, PROBE_FAILED,
			    "%s (offered TLS %s to %s)", call->err.message,
			    probe_tls_name(p->tls_versions[0]),
			    probe_tls_name(
			        p->tls_versions[p->ntls_versions - 1]));
		return;
	}
	probe_detail(p, PROBE_TLS, "version", json_string(ti->version));
	probe_detail(p, PROBE_TLS, "cipher", json_string(ti->cipher));
	probe_detail(p, PROBE_TLS, "alpn", json_string(ti->alpn));
	probe_set(p, PROBE_TLS, PROBE_OK, "%s %s, ALPN %s, certificate %s%s%s",
	    ti->version, ti->cipher, ti->alpn[0] != '\0' ? ti->alpn : "none",
	    ti->nchain > 0 ? ti->chain[0].subject : "(none)",
	    ti->verify_result == 0 ? ", verified" : ", NOT verified: ",
	    ti->verify_result == 0 ? "" : ti->verify_error);
}

/* A JSON array of strings as "1.1, 1.2". */
static void
probe_list(const json_t *a, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; json_is_array(a) && i < json_array_size(a); i++) {
		const char *s = json_string_value(json_array_get(a, i));

		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s",
		    i > 0 ? ", " : "", s != NULL ? s : "?");
	}
}

/* The hello's body: {"client": AS, "versions": [...]}. */
static char *
probe_hello_body(struct probe *p, const char *only)
{
	json_t *o, *v = json_array();
	char *text;
	size_t i;

	if (only != NULL)
		json_array_append_new(v, json_string(only));
	for (i = 0; only == NULL && i < p->nversions; i++)
		json_array_append_new(v, json_string(p->versions[i]));
	o = json_pack("{s:s, s:o}", "client", p->as, "versions", v);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

/* The "message" or "error" of a JSON error body, or "". */
static const char *
probe_error_text(json_t *body)
{
	const char *s = json_string_value(json_object_get(body, "message"));

	if (s == NULL)
		s = json_string_value(json_object_get(body, "error"));
	return s != NULL ? s : "";
}

/* The failure of a request that got no response, at its layer. */
static void
probe_no_answer(struct probe *p, enum probe_layer l, const char *what,
    const struct probe_call *call)
{
	enum probe_layer at = l;

	if (call->err.stage == CLIENT_STAGE_CONNECT)
		at = PROBE_CONNECT;
	else if (call->err.stage == CLIENT_STAGE_TLS)
		at = PROBE_TLS;
	if (at == PROBE_TLS) {
		/* probe_report_tls() says it, with what OpenSSL said. */
		if (p->layers[PROBE_TLS].state != PROBE_FAILED)
			probe_set(p, PROBE_TLS, PROBE_FAILED, "%s",
			    call->err.message);
		return;
	}
	probe_set(p, at, PROBE_FAILED, "%s: %s", what, call->err.message);
	probe_detail(p, at, "reason", json_string(call->err.message));
}

/* The handshake layer: the hello. Returns 0 if it agreed on a version. */
static int
probe_hello(struct probe *p)
{
	struct probe_call call;
	json_t *body;
	char *text, cv[256], sv[256];
	int rc;

	text = probe_hello_body(p, NULL);
	rc = probe_call(p, "POST", "/v1/handshake", text, NULL, 0, 0, &call);
	free(text);
	probe_report_tls(p, &call);
	if (rc != 0) {
		probe_no_answer(
		    p, PROBE_HANDSHAKE, "POST /v1/handshake", &call);
		return -1;
	}
	if (p->https && p->layers[PROBE_TLS].state == PROBE_NOT_TRIED)
		probe_set(p, PROBE_TLS, PROBE_OK, "TLS");
	body = json_loadb(call.resp.body, call.resp.body_len, 0, NULL);
	probe_detail(
	    p, PROBE_HANDSHAKE, "status", json_integer(call.resp.status));
	if (call.resp.status == 200 &&
	    json_is_string(json_object_get(body, "version"))) {
		snprintf(p->negotiated, sizeof p->negotiated, "%s",
		    json_string_value(json_object_get(body, "version")));
		probe_detail(
		    p, PROBE_HANDSHAKE, "version", json_string(p->negotiated));
		probe_detail(p, PROBE_HANDSHAKE, "server",
		    json_incref(json_object_get(body, "server")));
		probe_detail(p, PROBE_HANDSHAKE, "session",
		    json_incref(json_object_get(body, "session")));
		probe_set(p, PROBE_HANDSHAKE, PROBE_OK,
		    "version %s agreed with %s (session %s)", p->negotiated,
		    json_string_value(json_object_get(body, "server")) != NULL
		        ? json_string_value(json_object_get(body, "server"))
		        : "?",
		    json_string_value(json_object_get(body, "session")) != NULL
		        ? json_string_value(json_object_get(body, "session"))
		        : "?");
		rc = 0;
	} else if (call.resp.status == 426) {
		probe_list(
		    json_object_get(body, "client_versions"), cv, sizeof cv);
		probe_list(
		    json_object_get(body, "server_versions"), sv, sizeof sv);
		probe_detail(p, PROBE_HANDSHAKE, "client_versions",
		    json_incref(json_object_get(body, "client_versions")));
		probe_detail(p, PROBE_HANDSHAKE, "server_versions",
		    json_incref(json_object_get(body, "server_versions")));
		probe_set(p, PROBE_HANDSHAKE, PROBE_FAILED,
		    "426 %s: the client speaks [%s], the server [%s]",
		    json_string_value(json_object_get(body, "error")) != NULL
		        ? json_string_value(json_object_get(body, "error"))
		        : "version_mismatch",
		    cv, sv);
		rc = -1;
	} else {
		probe_set(p, PROBE_HANDSHAKE, PROBE_FAILED, "%d %s%s%s",
		    call.resp.status,
		    body != NULL ? probe_error_text(body) : "",
		    body == NULL ? "(the answer is not JSON)" : "",
		    call.resp.status == 200 ? " (no \"version\" in the answer)"
		                            : "");
		rc = -1;
	}
	json_decref(body);
	probe_call_clear(&call);
	return rc;
}

/* One GET of the http layer; returns 0 if it answered 200 with JSON. */
static int
probe_get(struct probe *p, const char *path, char *line, size_t len)
{
	struct probe_call call;
	json_t *body;
	int rc = -1;

	if (probe_call(p, "GET", path, NULL,
	        strncmp(path, "/v1/", 4) == 0 ? p->negotiated : NULL, 0, 0,
	        &call) != 0) {
		snprintf(line, len, "GET %s: %s", path, call.err.message);
		return -1;
	}
	body = json_loadb(call.resp.body, call.resp.body_len, 0, NULL);
	if (call.resp.status != 200)
		snprintf(line, len, "GET %s: %d %s", path, call.resp.status,
		    body != NULL ? probe_error_text(body) : "");
	else if (body == NULL)
		snprintf(
		    line, len, "GET %s: 200 but the answer is not JSON", path);
	else {
		snprintf(line, len, "GET %s 200", path);
		rc = 0;
	}
	json_decref(body);
	probe_call_clear(&call);
	return rc;
}

/* The http layer: health and one read-only call of the target. */
static int
probe_http(struct probe *p)
{
	const char *read_path = strcmp(p->as, "ums") == 0
	    ? "/v1/ledger"
	    : "/v1/users?email=probe%40standin.invalid";
	char a[600], b[600];

	if (probe_get(p, "/health", a, sizeof a) != 0) {
		probe_set(p, PROBE_HTTP, PROBE_FAILED, "%s", a);
		return -1;
	}
	if (probe_get(p, read_path, b, sizeof b) != 0) {
		probe_set(p, PROBE_HTTP, PROBE_FAILED, "%s; %s", a, b);
		return -1;
	}
	probe_set(p, PROBE_HTTP, PROBE_OK, "%s, %s", a, b);
	return 0;
}

/* --- the report ----------------------------------------------------------- */

static int
probe_verdict(const struct probe *p, enum probe_layer *failed)
{
	size_t i;

	for (i = 0; i < PROBE_LAYERS; i++) {
		if (p->layers[i].state == PROBE_FAILED) {
			*failed = (enum probe_layer)i;
			return probe_exit_codes[i];
		}
	}
	return 0;
}

static void
probe_print(struct probe *p)
{
	static const char *const states[] = { "-", "ok", "FAILED", "skipped" };
	enum probe_layer failed = PROBE_CONNECT;
	json_t *o, *layers;
	int code = probe_verdict(p, &failed);
	size_t i;
	char *text;

	if (p->json) {
		layers = json_array();
		for (i = 0; i < PROBE_LAYERS; i++) {
			o = p->layers[i].detail != NULL
			    ? json_incref(p->layers[i].detail)
			    : json_object();
			json_object_set_new(
			    o, "layer", json_string(probe_layer_names[i]));
			json_object_set_new(o, "state",
			    json_string(p->layers[i].state == PROBE_NOT_TRIED
			            ? "not_tried"
			            : p->layers[i].state == PROBE_OK ? "ok"
			            : p->layers[i].state == PROBE_FAILED
			            ? "failed"
			            : "skipped"));
			json_object_set_new(
			    o, "summary", json_string(p->layers[i].summary));
			json_array_append_new(layers, o);
		}
		o = json_pack("{s:s, s:s, s:b, s:o, s:i, s:o}", "url", p->url,
		    "as", p->as, "ok", code == 0, "failed_layer",
		    code == 0 ? json_null()
		              : json_string(probe_layer_names[failed]),
		    "exit", code, "layers", layers);
		text = json_dumps(o, JSON_COMPACT);
		puts(text);
		free(text);
		json_decref(o);
		return;
	}
	printf("standin probe as %s: %s\n", p->as, p->url);
	for (i = 0; i < PROBE_LAYERS; i++)
		printf("  %-10s %-7s %s\n", probe_layer_names[i],
		    states[p->layers[i].state],
		    p->layers[i].state == PROBE_NOT_TRIED
		        ? "not tried"
		        : p->layers[i].summary);
	if (code == 0)
		printf("verdict: ok, a %s client can connect\n", p->as);
	else
		printf("verdict: FAILED at %s (exit %d)\n",
		    probe_layer_names[failed], code);
}

/* --- the matrix ------------------------------------------------------------- */

/* One cell: TLS version tv (0: plain) with protocol version pv. */
static void
probe_cell(struct probe *p, int tv, const char *pv, json_t *cells,
    json_t *server_versions, char *out, size_t len, int *furthest)
{
	struct probe_call call;
	enum probe_layer at = PROBE_HANDSHAKE;
	json_t *body, *sv, *cell;
	const char *reason;
	char *text;
	size_t i;
	int ok = 0;

	text = probe_hello_body(p, pv);
	probe_call(p, "POST", "/v1/handshake", text, NULL, tv, tv, &call);
	free(text);
	if (call.err.stage != CLIENT_STAGE_NONE) {
		at = call.err.stage == CLIENT_STAGE_CONNECT ? PROBE_CONNECT
		    : call.err.stage == CLIENT_STAGE_TLS    ? PROBE_TLS
		                                            : PROBE_HANDSHAKE;
		reason = call.tls.attempted && call.tls.alert_received >= 0
		    ? call.tls.alert
		    : call.err.message;
		snprintf(out, len, "%s: %.100s", probe_layer_names[at], reason);
	} else if (call.resp.status == 200) {
		snprintf(out, len, "ok");
		ok = 1;
		at = PROBE_HTTP;
	} else {
		body = json_loadb(call.resp.body, call.resp.body_len, 0, NULL);
		sv = json_object_get(body, "server_versions");
		for (i = 0; json_is_array(sv) && i < json_array_size(sv); i++) {
			json_t *v = json_array_get(sv, i);
			size_t k;
			int seen = 0;

			for (k = 0; k < json_array_size(server_versions); k++)
				seen |= json_equal(
				    v, json_array_get(server_versions, k));
			if (!seen)
				json_array_append(server_versions, v);
		}
		snprintf(out, len, "%d", call.resp.status);
		json_decref(body);
	}
	if ((int)at > *furthest)
		*furthest = (int)at;
	cell = json_pack("{s:s, s:s, s:b, s:s}", "tls",
	    tv != 0 ? probe_tls_name(tv) : "none", "version", pv, "ok", ok,
	    "result", out);
	if (!ok)
		json_object_set_new(
		    cell, "layer", json_string(probe_layer_names[at]));
	json_array_append_new(cells, cell);
	probe_call_clear(&call);
}

static int
probe_matrix(struct probe *p)
{
	json_t *cells = json_array(), *server_versions = json_array(), *o;
	char results[4][PROBE_VERSIONS_MAX][160], row[32], sv[256];
	size_t r, v, nrows = p->https ? p->ntls_versions : 1;
	int furthest = -1, works = 0, width = 8;
	char *text;

	for (r = 0; r < nrows; r++) {
		for (v = 0; v < p->nversions; v++) {
			probe_cell(p, p->https ? p->tls_versions[r] : 0,
			    p->versions[v], cells, server_versions,
			    results[r][v], sizeof results[r][v], &furthest);
			works |= strcmp(results[r][v], "ok") == 0;
			if ((int)strlen(results[r][v]) > width)
				width = (int)strlen(results[r][v]);
		}
	}
	if (width > 40)
		width = 40;
	if (p->json) {
		o = json_pack("{s:s, s:s, s:o, s:o, s:b}", "url", p->url, "as",
		    p->as, "matrix", cells, "server_versions", server_versions,
		    "works", works);
		text = json_dumps(o, JSON_COMPACT);
		puts(text);
		free(text);
		json_decref(o);
	} else {
		printf("standin probe --matrix as %s: %s\n", p->as, p->url);
		printf("%-10s", p->https ? "TLS \\ protocol" : "protocol");
		if (p->https)
			printf("\n%-10s", "");
		for (v = 0; v < p->nversions; v++)
			printf("  %-*s", v + 1 < p->nversions ? width : 0,
			    p->versions[v]);
		printf("\n");
		for (r = 0; r < nrows; r++) {
			snprintf(row, sizeof row, "TLS %s",
			    probe_tls_name(p->tls_versions[r]));
			printf("%-10s", p->https ? row : "plain");
			for (v = 0; v < p->nversions; v++)
				printf("  %-*.*s",
				    v + 1 < p->nversions ? width : 0, width,
				    results[r][v]);
			printf("\n");
		}
		probe_list(server_versions, sv, sizeof sv);
		if (sv[0] != '\0')
			printf("the server speaks protocol versions %s\n", sv);
		printf("%s\n",
		    works ? "verdict: ok, some combination works"
		          : "verdict: FAILED, no combination works");
		json_decref(cells);
		json_decref(server_versions);
	}
	if (works)
		return 0;
	return probe_exit_codes[furthest >= 0 && furthest < PROBE_HTTP
	        ? furthest
	        : PROBE_HANDSHAKE];
}

/* --- the command line --------------------------------------------------------- */

/* Split "a,b,c" into at most max strings (allocated). */
static int
probe_split(const char *s, char **out, size_t max, size_t *n)
{
	const char *p = s, *comma;

	*n = 0;
	if (*s == '\0')
		return 0;
	for (;;) {
		comma = strchr(p, ',');
		if (*n == max)
			return -1;
		out[(*n)++] = comma != NULL ? xstrndup(p, (size_t)(comma - p))
		                            : xstrdup(p);
		if (out[*n - 1][0] == '\0')
			return -1;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

/* Read the URL into scheme, host, port and path prefix. */
static int
probe_parse_url(struct probe *p, const char *url)
{
	const char *rest, *slash;
	char hostport[300];
	size_t n;

	if (strncmp(url, "https://", 8) == 0) {
		p->https = 1;
		rest = url + 8;
	} else if (strncmp(url, "http://", 7) == 0)
		rest = url + 7;
	else
		return -1;
	slash = strchr(rest, '/');
	n = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
	if (n == 0 || n >= sizeof hostport)
		return -1;
	memcpy(hostport, rest, n);
	hostport[n] = '\0';
	if (strchr(hostport, ':') == NULL ||
	    (hostport[0] == '[' && hostport[n - 1] == ']')) {
		snprintf(hostport + n, sizeof hostport - n, ":%u",
		    p->https ? 443 : 80);
	}
	if (hostport_parse(hostport, p->host, sizeof p->host, &p->port) != 0)
		return -1;
	snprintf(p->address, sizeof p->address, "%s", hostport);
	if (slash != NULL) {
		snprintf(p->base_path, sizeof p->base_path, "%s", slash);
		n = strlen(p->base_path);
		while (n > 0 && p->base_path[n - 1] == '/')
			p->base_path[--n] = '\0';
	}
	return 0;
}

static int __attribute__((format(printf, 1, 2)))
probe_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("standin: probe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'standin probe --help'.\n", stderr);
	return EXIT_USAGE;
}

static void
probe_free(struct probe *p)
{
	size_t i;

	for (i = 0; i < p->nversions; i++)
		free(p->versions[i]);
	for (i = 0; i < p->nalpn; i++)
		free(p->alpn[i]);
	for (i = 0; i < PROBE_LAYERS; i++)
		json_decref(p->layers[i].detail);
	if (p->base != NULL)
		event_base_free(p->base);
}

/* Compare TLS versions for qsort. */
static int
probe_int_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int
probe_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "as", required_argument, NULL, 'a' },
		{ "versions", required_argument, NULL, 'V' },
		{ "tls-versions", required_argument, NULL, 'T' },
		{ "cacert", required_argument, NULL, 'c' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "alpn", required_argument, NULL, 'A' },
		{ "timeout", required_argument, NULL, 't' },
		{ "settle", required_argument, NULL, 's' },
		{ "matrix", no_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe p;
	char *tls[8];
	const char *tls_arg = NULL;
	size_t i, n = 0;
	int ch, code = 0;
	FILE *f;

	memset(&p, 0, sizeof p);
	p.timeout_us = 5000000;
	p.settle_us = PROBE_SETTLE_DEFAULT;
	p.alpn[0] = xstrdup("http/1.1");
	p.nalpn = 1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "hk", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			if (strcmp(optarg, "ums") != 0 &&
			    strcmp(optarg, "financial-engine") != 0) {
				code =
				    probe_usage_error("--as: %s is not ums or "
				                      "financial-engine",
				        optarg);
				goto out;
			}
			p.as = optarg;
			break;
		case 'V':
			for (i = 0; i < p.nversions; i++)
				free(p.versions[i]);
			if (probe_split(optarg, p.versions, PROBE_VERSIONS_MAX,
			        &p.nversions) != 0 ||
			    p.nversions == 0) {
				code = probe_usage_error(
				    "--versions: expected a comma-separated "
				    "list of versions (1.1,1.2), got \"%s\"",
				    optarg);
				goto out;
			}
			for (i = 0; i < p.nversions; i++) {
				if (!version_valid(p.versions[i])) {
					code = probe_usage_error(
					    "--versions: \"%s\" is not a "
					    "version (1.2, 2.0)",
					    p.versions[i]);
					goto out;
				}
			}
			break;
		case 'T':
			tls_arg = optarg;
			break;
		case 'c':
			if ((f = fopen(optarg, "r")) == NULL) {
				probe_warn(
				    "--cacert %s: %s", optarg, strerror(errno));
				code = EXIT_NOINPUT;
				goto out;
			}
			fclose(f);
			p.cacert = optarg;
			break;
		case 'k':
			p.insecure = 1;
			break;
		case 'A':
			for (i = 0; i < p.nalpn; i++)
				free(p.alpn[i]);
			if (probe_split(optarg, p.alpn, nitems(p.alpn),
			        &p.nalpn) != 0) {
				code = probe_usage_error(
				    "--alpn: expected protocols separated "
				    "by commas, got \"%s\"",
				    optarg);
				goto out;
			}
			break;
		case 's':
			if (strcmp(optarg, "0") == 0) {
				p.settle_us = 0;
				break;
			}
			/* FALLTHROUGH */
		case 't':
			if (duration_parse(optarg,
			        ch == 't' ? &p.timeout_us : &p.settle_us) !=
			        0 ||
			    (ch == 't' && p.timeout_us == 0)) {
				code = probe_usage_error(
				    "--%s: \"%s\" is not a duration (250ms, "
				    "2s)",
				    ch == 't' ? "timeout" : "settle", optarg);
				goto out;
			}
			break;
		case 'm':
			p.matrix = 1;
			break;
		case 'j':
			p.json = 1;
			break;
		case 'h':
			fputs(probe_usage, stdout);
			goto out;
		default:
			code = probe_usage_error("%s", "bad option");
			goto out;
		}
	}
	if (p.as == NULL) {
		code = probe_usage_error("%s",
		    "--as ums|financial-engine is "
		    "required");
		goto out;
	}
	if (argc - optind != 1) {
		code = probe_usage_error(
		    "%s", argc - optind == 0 ? "no URL given" : "only one URL");
		goto out;
	}
	p.url = argv[optind];
	if (probe_parse_url(&p, p.url) != 0) {
		code = probe_usage_error("%s is not an http:// or https:// URL "
		                         "with a host (and a port)",
		    p.url);
		goto out;
	}
	if (p.nversions == 0) {
		p.versions[0] = xstrdup("1.1");
		p.versions[1] = xstrdup("1.2");
		p.nversions = 2;
	}
	if (tls_arg == NULL)
		tls_arg = p.matrix ? "1.0,1.1,1.2,1.3" : "1.2,1.3";
	if (probe_split(tls_arg, tls, nitems(tls), &n) != 0 || n == 0 ||
	    n > 4) {
		for (i = 0; i < n; i++)
			free(tls[i]);
		code = probe_usage_error("--tls-versions: expected versions "
		                         "from 1.0 to 1.3 separated by commas, "
		                         "got \"%s\"",
		    tls_arg);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (tls_version_parse(tls[i], &p.tls_versions[i]) != 0)
			code = probe_usage_error("--tls-versions: \"%s\" is "
			                         "not 1.0, 1.1, 1.2 or 1.3",
			    tls[i]);
		free(tls[i]);
	}
	if (code != 0)
		goto out;
	p.ntls_versions = n;
	qsort(p.tls_versions, n, sizeof *p.tls_versions, probe_int_cmp);
	signal(SIGPIPE, SIG_IGN);
	p.base = event_base_new();
	if (p.base == NULL) {
		probe_warn("cannot create the event loop");
		code = EXIT_OSERR;
		goto out;
	}
	if (p.matrix) {
		code = probe_matrix(&p);
		goto out;
	}
	if (probe_connect(&p) == 0 && probe_hello(&p) == 0)
		probe_http(&p);
	if (!p.https)
		probe_set(&p, PROBE_TLS, PROBE_SKIPPED, "plain http");
	probe_print(&p);
	code = probe_verdict(&p, &(enum probe_layer){ PROBE_CONNECT });
out:
	probe_free(&p);
	return code;
}

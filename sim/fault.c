/*
 * fault.c: the fault catalogue. One const table says, for every fault
 * type, its layer, its parameters (kind, range, default), the common
 * fields it takes, what standin does and what the client sees; the
 * scenario validator, `standin faults` and docs/faults.md follow it.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fault.h"
#include "util.h"

static const char *const layer_names[] = {
	[FAULT_LAYER_CONNECT] = "connect",
	[FAULT_LAYER_TLS] = "tls",
	[FAULT_LAYER_HANDSHAKE] = "handshake",
	[FAULT_LAYER_HTTP] = "http",
	[FAULT_LAYER_STREAM] = "stream",
};

/* What a layer's faults act on, for the catalogue's headings. */
static const char *const layer_help[] = {
	[FAULT_LAYER_CONNECT] = "the TCP connection, before any byte",
	[FAULT_LAYER_TLS] = "the TLS handshake",
	[FAULT_LAYER_HANDSHAKE] =
	    ("the hello (POST /v1/handshake), X-Protocol-Version and the "
	     "versions GET /health lists"),
	[FAULT_LAYER_HTTP] = "one HTTP request and its response",
	[FAULT_LAYER_STREAM] = "the bytes of a connection, in each direction",
};

/* Where a parameter lives in union fault_args. */
#define ARG(field) offsetof(union fault_args, field)

static const char *const malformed_kinds[] = { "status_line", "header",
	"chunked", NULL };

static const struct fault_param max_connections_params[] = {
	{ "limit", FAULT_PARAM_INT, ARG(max_connections.limit), 1, 0, 1000000,
	    NULL, NULL,
	    "open connections allowed; past it new ones are reset" },
};

static const char *const tls_version_names[] = { "1.0", "1.1", "1.2", "1.3",
	NULL };
/* The alerts the alert fault can send, as OpenSSL and RFC 8446 name them. */
const char *const fault_tls_alerts[] = { "handshake_failure",
	"protocol_version", "internal_error", "access_denied", NULL };
const int fault_tls_alert_codes[] = { 40, 70, 80, 49 };
static const char *const tls_cert_kinds[] = { "expired", "not_yet_valid",
	"wrong_host", "self_signed", "untrusted_ca", NULL };

static const struct fault_param tls_version_mismatch_params[] = {
	{ "min_version", FAULT_PARAM_CHOICE, ARG(tls_window.min_version), 0, 0,
	    0, "1.3", tls_version_names,
	    "the lowest TLS version accepted while the fault is active" },
	{ "max_version", FAULT_PARAM_CHOICE, ARG(tls_window.max_version), 0, 0,
	    0, "1.3", tls_version_names, "the highest" },
};

static const struct fault_param tls_slow_handshake_params[] = {
	{ "delay", FAULT_PARAM_DELAY, ARG(tls_slow.delay), 1, 0, 0, NULL, NULL,
	    "how long the ClientHello waits for its ServerHello" },
};

static const struct fault_param tls_alert_params[] = {
	{ "alert", FAULT_PARAM_CHOICE, ARG(tls_alert.alert), 0, 0, 0,
	    "handshake_failure", fault_tls_alerts,
	    "the alert sent in answer to the ClientHello" },
};

static const struct fault_param tls_cert_params[] = {
	{ "kind", FAULT_PARAM_CHOICE, ARG(tls_cert.kind), 1, 0, 0, NULL,
	    tls_cert_kinds, "what is wrong with the certificate" },
};

static const struct fault_param tls_alpn_mismatch_params[] = {
	{ "protocols", FAULT_PARAM_STRINGS, ARG(tls_alpn.protocols), 0, 0, 0,
	    NULL, NULL,
	    "the only ALPN protocols accepted (default: none the client "
	    "offers)" },
};

static const struct fault_param hello_version_mismatch_params[] = {
	{ "server_versions", FAULT_PARAM_VERSIONS,
	    ARG(hello_versions.server_versions), 1, 0, 0, NULL, NULL,
	    "the versions the service claims to speak instead of its own" },
};

static const struct fault_param hello_slow_params[] = {
	{ "delay", FAULT_PARAM_DELAY, ARG(hello_slow.delay), 1, 0, 0, NULL,
	    NULL, "how late the hello answers" },
};

static const struct fault_param hello_error_params[] = {
	{ "status", FAULT_PARAM_STATUS, ARG(answer.status), 0, 100, 599, "503",
	    NULL, "the hello's status" },
	{ "headers", FAULT_PARAM_HEADERS, ARG(answer.headers), 0, 0, 0, NULL,
	    NULL, "response headers" },
	{ "body", FAULT_PARAM_BODY, ARG(answer.body), 0, 0, 0, NULL, NULL,
	    "response body (default: a JSON error naming the fault)" },
};

static const struct fault_param status_params[] = {
	{ "status", FAULT_PARAM_STATUS, ARG(answer.status), 1, 100, 599, NULL,
	    NULL, "the response status" },
	{ "headers", FAULT_PARAM_HEADERS, ARG(answer.headers), 0, 0, 0, NULL,
	    NULL, "response headers, such as Retry-After" },
	{ "body", FAULT_PARAM_BODY, ARG(answer.body), 0, 0, 0, NULL, NULL,
	    "response body (default: a JSON error naming the fault)" },
};

static const struct fault_param delay_params[] = {
	{ "delay", FAULT_PARAM_DELAY, ARG(delay.delay), 1, 0, 0, NULL, NULL,
	    "how long the request or response waits" },
};

static const struct fault_param drip_params[] = {
	{ "chunk", FAULT_PARAM_INT, ARG(drip.chunk), 0, 1, 65536, "1", NULL,
	    "bytes per write" },
	{ "interval", FAULT_PARAM_DURATION, ARG(drip.interval_us), 0, 0, 0,
	    "100ms", NULL, "the gap between writes" },
};

static const struct fault_param http_reset_params[] = {
	{ "after_bytes", FAULT_PARAM_INT, ARG(reset.after_bytes), 0, 0, 0, "0",
	    NULL, "response bytes sent before the RST" },
};

static const struct fault_param truncate_params[] = {
	{ "bytes", FAULT_PARAM_INT, ARG(truncate.bytes), 0, 0, 0, NULL, NULL,
	    "body bytes actually sent (default: half the body)" },
};

static const struct fault_param malformed_params[] = {
	{ "kind", FAULT_PARAM_CHOICE, ARG(malformed.kind), 0, 0, 0,
	    "status_line", malformed_kinds,
	    "what is broken: the status line, a header line or the chunk "
	    "encoding" },
};

static const struct fault_param garbage_params[] = {
	{ "bytes", FAULT_PARAM_INT, ARG(garbage.bytes), 0, 1, 1048576, "64",
	    NULL, "random bytes sent" },
};

static const struct fault_param timeout_params[] = {
	{ "close_after", FAULT_PARAM_DURATION, ARG(timeout.close_after_us), 0,
	    0, 0, NULL, NULL,
	    "close the connection after this long (default: never)" },
};

static const struct fault_param schema_drift_params[] = {
	{ "drop", FAULT_PARAM_STRINGS, ARG(drift.drop), FAULT_PARAM_ONE_OF, 0,
	    0, NULL, NULL, "field names removed wherever they appear" },
	{ "rename", FAULT_PARAM_RENAMES, ARG(drift.rename), FAULT_PARAM_ONE_OF,
	    0, 0, NULL, NULL,
	    "old name to new name, wherever the old one appears" },
};

static const struct fault_param latency_params[] = {
	{ "latency", FAULT_PARAM_DELAY, ARG(latency.latency), 1, 0, 0, NULL,
	    NULL, "added to every chunk of bytes" },
	{ "jitter", FAULT_PARAM_DURATION, ARG(latency.jitter_us), 0, 0, 0,
	    "0ms", NULL, "up to this much more or less, at random" },
};

static const struct fault_param bandwidth_params[] = {
	{ "rate", FAULT_PARAM_INT, ARG(bandwidth.rate), 1, 1, 0, NULL, NULL,
	    "bytes per second" },
};

static const struct fault_param slicer_params[] = {
	{ "size", FAULT_PARAM_INT, ARG(slicer.size), 0, 1, 65536, "1", NULL,
	    "average bytes per write" },
	{ "variation", FAULT_PARAM_INT, ARG(slicer.variation), 0, 0, 0, "0",
	    NULL, "up to this many bytes more or less per write" },
	{ "delay", FAULT_PARAM_DURATION, ARG(slicer.delay_us), 0, 0, 0, "1ms",
	    NULL, "the gap between writes" },
};

static const struct fault_param limit_data_params[] = {
	{ "bytes", FAULT_PARAM_INT, ARG(limit_data.bytes), 1, 0, 0, NULL, NULL,
	    "bytes let through before the close" },
};

static const struct fault_param slow_close_params[] = {
	{ "delay", FAULT_PARAM_DURATION, ARG(slow_close.delay_us), 1, 0, 0,
	    NULL, NULL, "how long the close is held" },
};

static const struct fault_param corrupt_params[] = {
	{ "rate", FAULT_PARAM_NUMBER, ARG(corrupt.rate), 1, 0, 1, NULL, NULL,
	    "probability that a byte gets one bit flipped" },
};

static const struct fault_param stream_timeout_params[] = {
	{ "timeout", FAULT_PARAM_DURATION, ARG(stream_timeout.timeout_us), 0, 0,
	    0, "0s", NULL,
	    "close the connection this long after the fault began to apply "
	    "(0s: never)" },
};

static const struct fault_param reset_peer_params[] = {
	{ "timeout", FAULT_PARAM_DURATION, ARG(reset_peer.timeout_us), 0, 0, 0,
	    "0s", NULL, "how long after the first bytes the reset comes" },
};

#define HTTP_TAKES (FAULT_TAKES_MATCH | FAULT_TAKES_AT)

const struct fault_kind fault_kinds[] = {
	{ .layer = FAULT_LAYER_CONNECT,
	    .name = "refuse",
	    .type = FAULT_REFUSE,
	    .does = FAULT_IS_STATE,
	    .listen = FAULT_LISTEN_REFUSE,
	    .help = "close the listening socket while the fault is active",
	    .observed = "ECONNREFUSED: the kernel answers the SYN with a RST" },
	{ .layer = FAULT_LAYER_CONNECT,
	    .name = "reset",
	    .type = FAULT_CONNECT_RESET,
	    .accept = FAULT_ACCEPT_RESET,
	    .outcome = "reset",
	    .help = "accept the connection, then reset it",
	    .observed = "ECONNRESET" },
	{ .layer = FAULT_LAYER_CONNECT,
	    .name = "close",
	    .type = FAULT_CONNECT_CLOSE,
	    .accept = FAULT_ACCEPT_CLOSE,
	    .outcome = "closed",
	    .help = "accept the connection, then close it (FIN)",
	    .observed = "EOF: an empty reply (curl 52)" },
	{ .layer = FAULT_LAYER_CONNECT,
	    .name = "blackhole",
	    .type = FAULT_BLACKHOLE,
	    .accept = FAULT_ACCEPT_BLACKHOLE,
	    .outcome = "blackholed",
	    .help = "accept, read and discard everything, never answer",
	    .observed = "the connection opens, then a read timeout" },
	{ .layer = FAULT_LAYER_CONNECT,
	    .name = "stall_accept",
	    .type = FAULT_STALL_ACCEPT,
	    .does = FAULT_IS_STATE,
	    .listen = FAULT_LISTEN_STALL,
	    .help = "stop accepting; connections wait in the kernel's backlog",
	    .observed = "connect succeeds, then nothing: a timeout" },
	{ .layer = FAULT_LAYER_CONNECT,
	    .name = "max_connections",
	    .type = FAULT_MAX_CONNECTIONS,
	    .params = max_connections_params,
	    .nparams = nitems(max_connections_params),
	    .does = FAULT_PAST_LIMIT,
	    .accept = FAULT_ACCEPT_RESET,
	    .outcome = "max_connections",
	    .help = "reset new connections while `limit` are open",
	    .observed = "ECONNRESET past the limit" },

	{ .layer = FAULT_LAYER_TLS,
	    .name = "version_mismatch",
	    .type = FAULT_TLS_VERSION_MISMATCH,
	    .params = tls_version_mismatch_params,
	    .nparams = nitems(tls_version_mismatch_params),
	    .help = "accept only the protocol window min_version..max_version "
	            "(default only TLS 1.3)",
	    .observed = "a protocol_version alert from OpenSSL (curl 35)" },
	{ .layer = FAULT_LAYER_TLS,
	    .name = "slow_handshake",
	    .type = FAULT_TLS_SLOW_HANDSHAKE,
	    .params = tls_slow_handshake_params,
	    .nparams = nitems(tls_slow_handshake_params),
	    .does = FAULT_TLS_HOLD,
	    .help = "hold the ClientHello for `delay` before answering it",
	    .observed = "a handshake that takes `delay` longer" },
	{ .layer = FAULT_LAYER_TLS,
	    .name = "stall",
	    .type = FAULT_TLS_STALL,
	    .accept = FAULT_ACCEPT_BLACKHOLE,
	    .outcome = "blackholed",
	    .help = "never answer the ClientHello",
	    .observed = "a handshake timeout (curl 28)" },
	{ .layer = FAULT_LAYER_TLS,
	    .name = "alert",
	    .type = FAULT_TLS_ALERT,
	    .params = tls_alert_params,
	    .nparams = nitems(tls_alert_params),
	    .help = "answer the ClientHello with a fatal alert, then close",
	    .observed = "that alert, from OpenSSL (curl 35)" },
	{ .layer = FAULT_LAYER_TLS,
	    .name = "cert",
	    .type = FAULT_TLS_CERT,
	    .params = tls_cert_params,
	    .nparams = nitems(tls_cert_params),
	    .help =
	        "present a certificate that is expired, not yet valid, for the "
	        "wrong host, self-signed or from a CA the client does not "
	        "trust",
	    .observed =
	        "the client's verify error: 10, 9, 62, 18 or 19 (curl 60)" },
	{ .layer = FAULT_LAYER_TLS,
	    .name = "cipher_mismatch",
	    .type = FAULT_TLS_CIPHER_MISMATCH,
	    .help = "offer only ciphers clients do not enable by default "
	            "(TLS_AES_128_CCM_8_SHA256; PSK suites below TLS 1.3)",
	    .observed = "a handshake_failure alert (curl 35)" },
	{ .layer = FAULT_LAYER_TLS,
	    .name = "alpn_mismatch",
	    .type = FAULT_TLS_ALPN_MISMATCH,
	    .params = tls_alpn_mismatch_params,
	    .nparams = nitems(tls_alpn_mismatch_params),
	    .help =
	        "refuse every ALPN protocol the client offers but `protocols`",
	    .observed = "a no_application_protocol alert (curl 35) when the "
	                "client offers "
	                "ALPN" },

	{ .layer = FAULT_LAYER_HANDSHAKE,
	    .name = "version_mismatch",
	    .type = FAULT_HELLO_VERSION_MISMATCH,
	    .params = hello_version_mismatch_params,
	    .nparams = nitems(hello_version_mismatch_params),
	    .help = "answer the hello, the X-Protocol-Version check and GET "
	            "/health as if the service spoke only `server_versions`",
	    .observed = "426 with client_versions and server_versions" },
	{ .layer = FAULT_LAYER_HANDSHAKE,
	    .name = "slow",
	    .type = FAULT_HELLO_SLOW,
	    .params = hello_slow_params,
	    .nparams = nitems(hello_slow_params),
	    .does = FAULT_HELLO_ONLY,
	    .help = "answer the hello late",
	    .observed = "the hello's answer after `delay`" },
	{ .layer = FAULT_LAYER_HANDSHAKE,
	    .name = "error",
	    .type = FAULT_HELLO_ERROR,
	    .params = hello_error_params,
	    .nparams = nitems(hello_error_params),
	    .does = FAULT_HELLO_ONLY,
	    .help = "fail the hello with a status",
	    .observed = "that status, headers and body" },
	{ .layer = FAULT_LAYER_HANDSHAKE,
	    .name = "drop",
	    .type = FAULT_HELLO_DROP,
	    .does = FAULT_HELLO_ONLY | FAULT_UNANSWERED,
	    .help = "close the connection when the hello arrives",
	    .observed = "EOF with no answer (curl 52)" },

	{ .layer = FAULT_LAYER_HTTP,
	    .name = "status",
	    .type = FAULT_STATUS,
	    .params = status_params,
	    .nparams = nitems(status_params),
	    .takes = HTTP_TAKES,
	    .help = "answer with this status instead",
	    .observed = "that status, headers and body" },
	{ .layer = FAULT_LAYER_HTTP,
	    .name = "delay",
	    .type = FAULT_DELAY,
	    .params = delay_params,
	    .nparams = nitems(delay_params),
	    .takes = HTTP_TAKES,
	    .help = "hold the request (or the response) for `delay`",
	    .observed = "a late answer" },
	{ .layer = FAULT_LAYER_HTTP,
	    .name = "drip",
	    .type = FAULT_DRIP,
	    .params = drip_params,
	    .nparams = nitems(drip_params),
	    .takes = FAULT_TAKES_MATCH,
	    .does = FAULT_NEEDS_ANSWER,
	    .help = "send the persona's response `chunk` bytes at a time, "
	            "`interval` "
	            "apart (it damages an answer: it takes no \"at\")",
	    .observed = "a slow, complete answer" },
	{ .layer = FAULT_LAYER_HTTP,
	    .name = "empty",
	    .type = FAULT_EMPTY,
	    .takes = HTTP_TAKES,
	    .does = FAULT_UNANSWERED,
	    .help = "close the connection without a response",
	    .observed = "an empty reply (curl 52)" },
	{ .layer = FAULT_LAYER_HTTP,
	    .name = "reset",
	    .type = FAULT_HTTP_RESET,
	    .params = http_reset_params,
	    .nparams = nitems(http_reset_params),
	    .takes = HTTP_TAKES,
	    .does = FAULT_UNANSWERED | FAULT_NEEDS_ANSWER_PAST_ZERO,
	    .help =
	        "reset the connection after `after_bytes` bytes of the "
	        "response "
	        "(with `after_bytes` above 0 the persona always answers first)",
	    .observed = "ECONNRESET mid-answer (curl 56)" },
	{ .layer = FAULT_LAYER_HTTP,
	    .name = "truncate",
	    .type = FAULT_TRUNCATE,
	    .params = truncate_params,
	    .nparams = nitems(truncate_params),
	    .takes = FAULT_TAKES_MATCH,
	    .does = FAULT_NEEDS_ANSWER,
	    .help =
	        "send fewer body bytes than Content-Length says, then close "
	        "(it damages the persona's answer: it takes no \"at\")",
	    .observed = "a short body (curl 18)" },
	{ .layer = FAULT_LAYER_HTTP,
	    .name = "malformed",
	    .type = FAULT_MALFORMED,
	    .params = malformed_params,
	    .nparams = nitems(malformed_params),
	    .takes = FAULT_TAKES_MATCH,
	    .does = FAULT_NEEDS_ANSWER,
	    .help =
	        "break the status line, a header line or the chunk encoding of "
	        "the persona's answer (it takes no \"at\")",
	    .observed =
	        "an HTTP parse error: curl 1 (status line), 8 (header) or 56 "
	        "(chunks)" },
	{ .layer = FAULT_LAYER_HTTP,
	    .name = "garbage",
	    .type = FAULT_GARBAGE,
	    .params = garbage_params,
	    .nparams = nitems(garbage_params),
	    .takes = HTTP_TAKES,
	    .does = FAULT_UNANSWERED,
	    .help = "send `bytes` random bytes, then close",
	    .observed = "bytes that are not HTTP, then EOF" },
	{ .layer = FAULT_LAYER_HTTP,
	    .name = "timeout",
	    .type = FAULT_TIMEOUT,
	    .params = timeout_params,
	    .nparams = nitems(timeout_params),
	    .takes = HTTP_TAKES,
	    .does = FAULT_UNANSWERED,
	    .help = "never answer; close after `close_after` if given",
	    .observed =
	        "its own timeout (curl 28), or EOF after `close_after`" },
	{ .layer = FAULT_LAYER_HTTP,
	    .name = "schema_drift",
	    .type = FAULT_SCHEMA_DRIFT,
	    .params = schema_drift_params,
	    .nparams = nitems(schema_drift_params),
	    .takes = FAULT_TAKES_MATCH,
	    .does = FAULT_NEEDS_ANSWER,
	    .help = "drop or rename fields in the persona's JSON answer "
	            "(always after "
	            "the persona: it takes no \"at\")",
	    .observed = "a 2xx answer whose JSON lacks or renames fields" },

	{ .layer = FAULT_LAYER_STREAM,
	    .name = "latency",
	    .type = FAULT_LATENCY,
	    .params = latency_params,
	    .nparams = nitems(latency_params),
	    .takes = FAULT_TAKES_DIRECTION,
	    .help = "delay every chunk of bytes",
	    .observed = "slow traffic" },
	{ .layer = FAULT_LAYER_STREAM,
	    .name = "bandwidth",
	    .type = FAULT_BANDWIDTH,
	    .params = bandwidth_params,
	    .nparams = nitems(bandwidth_params),
	    .takes = FAULT_TAKES_DIRECTION,
	    .help = "pass at most `rate` bytes per second",
	    .observed = "slow traffic" },
	{ .layer = FAULT_LAYER_STREAM,
	    .name = "slicer",
	    .type = FAULT_SLICER,
	    .params = slicer_params,
	    .nparams = nitems(slicer_params),
	    .takes = FAULT_TAKES_DIRECTION,
	    .help = "split the bytes into small writes with gaps between them",
	    .observed = "fragmented reads" },
	{ .layer = FAULT_LAYER_STREAM,
	    .name = "limit_data",
	    .type = FAULT_LIMIT_DATA,
	    .params = limit_data_params,
	    .nparams = nitems(limit_data_params),
	    .takes = FAULT_TAKES_DIRECTION,
	    .help = "close the connection after `bytes` bytes",
	    .observed = "EOF part-way: a truncated request or answer" },
	{ .layer = FAULT_LAYER_STREAM,
	    .name = "slow_close",
	    .type = FAULT_SLOW_CLOSE,
	    .params = slow_close_params,
	    .nparams = nitems(slow_close_params),
	    .takes = FAULT_TAKES_DIRECTION,
	    .help = "hold the close for `delay`",
	    .observed = "the EOF arrives late" },
	{ .layer = FAULT_LAYER_STREAM,
	    .name = "corrupt",
	    .type = FAULT_CORRUPT,
	    .params = corrupt_params,
	    .nparams = nitems(corrupt_params),
	    .takes = FAULT_TAKES_DIRECTION,
	    .help = "flip one bit of each byte with probability `rate`",
	    .observed = "damaged bytes: bad JSON, bad HTTP" },
	{ .layer = FAULT_LAYER_STREAM,
	    .name = "timeout",
	    .type = FAULT_STREAM_TIMEOUT,
	    .params = stream_timeout_params,
	    .nparams = nitems(stream_timeout_params),
	    .takes = FAULT_TAKES_DIRECTION,
	    .help = "drop every byte; close the connection `timeout` after the "
	            "fault began to apply (0s: never), or as soon as the "
	            "direction's sender closes (Toxiproxy's timeout toxic)",
	    .observed = "silence: nothing arrives, then EOF after `timeout` "
	                "(or when the other side closes), or a hang" },
	{ .layer = FAULT_LAYER_STREAM,
	    .name = "reset_peer",
	    .type = FAULT_RESET_PEER,
	    .params = reset_peer_params,
	    .nparams = nitems(reset_peer_params),
	    .takes = FAULT_TAKES_DIRECTION,
	    .help = "on the first bytes, drop them and all after, wait "
	            "`timeout`, then reset the connection",
	    .observed = "ECONNRESET `timeout` after the first bytes" },
};

const size_t nfault_kinds = nitems(fault_kinds);

const char *
fault_layer_name(enum fault_layer layer)
{
	if ((size_t)layer >= nitems(layer_names))
		return NULL;
	return layer_names[layer];
}

int
fault_layer_parse(const char *s, enum fault_layer *out)
{
	size_t i;

	for (i = 0; i < nitems(layer_names); i++) {
		if (strcmp(s, layer_names[i]) == 0) {
			*out = (enum fault_layer)i;
			return 0;
		}
	}
	return -1;
}

const struct fault_kind *
fault_kind_find(enum fault_layer layer, const char *type)
{
	size_t i;

	for (i = 0; i < nfault_kinds; i++) {
		if (fault_kinds[i].layer == layer &&
		    strcmp(fault_kinds[i].name, type) == 0)
			return &fault_kinds[i];
	}
	return NULL;
}

int
fault_param_index(const struct fault_kind *kind, const char *name)
{
	size_t i;

	for (i = 0; i < kind->nparams; i++) {
		if (strcmp(kind->params[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

/* A parameter's kind and range as the catalogue shows it. */
static void
fault_param_describe(const struct fault_param *p, char *buf, size_t len)
{
	const char *const *c;
	size_t n;

	switch (p->kind) {
	case FAULT_PARAM_DURATION:
		snprintf(buf, len, "duration");
		return;
	case FAULT_PARAM_DELAY:
		snprintf(buf, len, "duration or distribution");
		return;
	case FAULT_PARAM_INT:
		if (p->max != 0)
			snprintf(
			    buf, len, "integer %.0f..%.0f", p->min, p->max);
		else
			snprintf(buf, len, "integer %.0f..", p->min);
		return;
	case FAULT_PARAM_NUMBER:
		if (p->max != 0)
			snprintf(buf, len, "number %g..%g", p->min, p->max);
		else
			snprintf(buf, len, "number %g..", p->min);
		return;
	case FAULT_PARAM_STATUS:
		snprintf(buf, len, "status 100..599");
		return;
	case FAULT_PARAM_CHOICE:
		n = (size_t)snprintf(buf, len, "one of");
		for (c = p->choices; *c != NULL && n < len; c++) {
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
			    c == p->choices ? " " : "|", *c);
		}
		return;
	case FAULT_PARAM_VERSIONS:
		snprintf(buf, len, "array of versions");
		return;
	case FAULT_PARAM_STRINGS:
		snprintf(buf, len, "array of strings");
		return;
	case FAULT_PARAM_RENAMES:
		snprintf(buf, len, "object of old name: new name");
		return;
	case FAULT_PARAM_HEADERS:
		snprintf(buf, len, "object of header: value");
		return;
	case FAULT_PARAM_BODY:
		snprintf(buf, len, "any JSON");
		return;
	}
	snprintf(buf, len, "value");
}

/* Width the catalogue is wrapped to. */
#define CATALOGUE_WIDTH 79

/*
 * Print text wrapped at word boundaries: the first line indented by
 * indent spaces, the others by indent + hang.
 */
static void
fault_wrap_print(FILE *f, int indent, int hang, const char *text)
{
	const char *p = text;
	size_t col, len;

	col = (size_t)fprintf(f, "%*s", indent, "");
	for (;;) {
		while (*p == ' ')
			p++;
		if ((len = strcspn(p, " ")) == 0)
			break;
		if (p == text + strspn(text, " "))
			;
		else if (col + 1 + len > CATALOGUE_WIDTH)
			col =
			    (size_t)fprintf(f, "\n%*s", indent + hang, "") - 1;
		else
			col += (size_t)fprintf(f, " ");
		col += (size_t)fprintf(f, "%.*s", (int)len, p);
		p += len;
	}
	fputc('\n', f);
}

/* Print one parameter of a kind: name, kind, range, default, help. */
static void
fault_param_print(
    FILE *f, const struct fault_kind *k, const struct fault_param *p)
{
	char what[128], need[128], *line;
	size_t i, n;

	fault_param_describe(p, what, sizeof what);
	if (p->required == 1)
		snprintf(need, sizeof need, "required");
	else if (p->required == FAULT_PARAM_ONE_OF) {
		n = (size_t)snprintf(need, sizeof need, "at least one of");
		for (i = 0; i < k->nparams && n < sizeof need; i++) {
			if (k->params[i].required != FAULT_PARAM_ONE_OF)
				continue;
			n += (size_t)snprintf(need + n, sizeof need - n, "%s%s",
			    n == strlen("at least one of") ? " " : ", ",
			    k->params[i].name);
		}
	} else if (p->defval != NULL)
		snprintf(need, sizeof need, "default %s", p->defval);
	else
		snprintf(need, sizeof need, "optional");
	line = xasprintf("%s (%s, %s): %s", p->name, what, need, p->help);
	fault_wrap_print(f, 6, 4, line);
	free(line);
}

void
fault_catalogue_print(FILE *f)
{
	const struct fault_kind *k;
	char *line;
	size_t layer, i, j, n;

	fault_wrap_print(f, 0, 0,
	    "Fault types, by layer. Every fault takes \"layer\" and "
	    "\"type\", and may take \"service\" (default: every service), "
	    "\"probability\" (0..1, default 1) and \"times\" (default: "
	    "every match). http faults also take \"match\" {\"method\", "
	    "\"path\"} and \"at\" (request|response, default request); "
	    "stream faults take \"direction\" (both|upstream|downstream, "
	    "default both).");
	fputc('\n', f);
	fault_wrap_print(f, 0, 0,
	    "A duration is \"250ms\", \"1.5s\", \"2m\", \"1h\". A delay is "
	    "a duration or a distribution: {\"dist\": \"fixed\", "
	    "\"value\": D}, {\"dist\": \"uniform\", \"min\": D, \"max\": D}, "
	    "{\"dist\": \"normal\", \"mean\": D, \"stddev\": D} or "
	    "{\"dist\": \"lognormal\", \"median\": D, \"sigma\": N}.");
	for (layer = 0; layer < nitems(layer_names); layer++) {
		line =
		    xasprintf("%s: %s", layer_names[layer], layer_help[layer]);
		fputc('\n', f);
		fault_wrap_print(f, 0, 4, line);
		free(line);
		n = 0;
		for (i = 0; i < nfault_kinds; i++) {
			k = &fault_kinds[i];
			if ((size_t)k->layer != layer)
				continue;
			n++;
			fprintf(f, "  %s\n", k->name);
			fault_wrap_print(f, 6, 0, k->help);
			for (j = 0; j < k->nparams; j++)
				fault_param_print(f, k, &k->params[j]);
			line = xasprintf("client sees: %s", k->observed);
			fault_wrap_print(f, 6, 4, line);
			free(line);
		}
		if (n == 0)
			fputs("  (none in this standin)\n", f);
	}
}

/*
 * The catalogue as Markdown, for docs/faults.md and docs/scenario-format.md:
 * named blocks between marker lines, which docs/generate.sh copies into the
 * docs, so that what they say of each type is what this table says.
 */
#define FAULT_MD_BEGIN "<!-- BEGIN standin faults --markdown: "
#define FAULT_MD_END "<!-- END standin faults --markdown: "

/* What a layer's faults need beyond the table, said once in the docs. */
static const char *const layer_md_notes[] = {
	[FAULT_LAYER_TLS] =
	    "A tls fault needs a service with `\"tls\"` (the one it names, or "
	    "one of the scenario's). It is drawn when a connection is accepted "
	    "and decides how that connection's handshake goes.",
};

/* Print text for a table cell: a "|" would end the cell. */
static void
fault_md_cell(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

/* Does kind k match: its takes (or, with does set, its does) has bit? */
static int
fault_md_has(const struct fault_kind *k, int does, unsigned bit)
{
	return ((does ? k->does : k->takes) & bit) != 0;
}

/* How many kinds of layer there are, and how many have bit. */
static void
fault_md_count(
    enum fault_layer layer, int does, unsigned bit, size_t *all, size_t *with)
{
	size_t i;

	*all = *with = 0;
	for (i = 0; i < nfault_kinds; i++) {
		if (fault_kinds[i].layer != layer)
			continue;
		(*all)++;
		if (bit == 0 || fault_md_has(&fault_kinds[i], does, bit))
			(*with)++;
	}
}

/*
 * Print the kinds of layer that have bit (bit 0: every kind) as
 * "`a`, `b` and `c`".
 */
static void
fault_md_kinds(FILE *f, enum fault_layer layer, int does, unsigned bit)
{
	size_t i, all, with, n = 0;

	fault_md_count(layer, does, bit, &all, &with);
	for (i = 0; i < nfault_kinds; i++) {
		if (fault_kinds[i].layer != layer ||
		    (bit != 0 && !fault_md_has(&fault_kinds[i], does, bit)))
			continue;
		n++;
		fprintf(f, "%s`%s`",
		    n == 1          ? ""
		        : n == with ? " and "
		                    : ", ",
		    fault_kinds[i].name);
	}
}

/*
 * Print which faults have bit, by layer: "every stream fault", or
 * "http `a` and `b`", layers joined by "; ".
 */
static void
fault_md_which(FILE *f, int does, unsigned bit)
{
	size_t layer, all, with, n = 0;

	for (layer = 0; layer < nitems(layer_names); layer++) {
		fault_md_count((enum fault_layer)layer, does, bit, &all, &with);
		if (with == 0)
			continue;
		fputs(n++ > 0 ? "; " : "", f);
		if (with == all) {
			fprintf(f, "every %s fault", layer_names[layer]);
			continue;
		}
		fprintf(f, "%s ", layer_names[layer]);
		fault_md_kinds(f, (enum fault_layer)layer, does, bit);
	}
}

/* A parameter's value as the docs describe it. */
static void
fault_md_value(const struct fault_param *p, char *buf, size_t len)
{
	const char *const *c;
	size_t n, nc;

	switch (p->kind) {
	case FAULT_PARAM_INT:
		if (p->max != 0)
			snprintf(
			    buf, len, "integer, %.0f to %.0f", p->min, p->max);
		else
			snprintf(buf, len, "integer, %.0f or more", p->min);
		return;
	case FAULT_PARAM_NUMBER:
		if (p->max != 0)
			snprintf(buf, len, "number, %g to %g", p->min, p->max);
		else
			snprintf(buf, len, "number, %g or more", p->min);
		return;
	case FAULT_PARAM_STATUS:
		snprintf(buf, len, "HTTP status, 100 to 599");
		return;
	case FAULT_PARAM_CHOICE:
		for (nc = 0; p->choices[nc] != NULL; nc++)
			;
		n = 0;
		for (c = p->choices; *c != NULL && n < len; c++) {
			n += (size_t)snprintf(buf + n, len - n, "%s`%s`",
			    c == p->choices                ? ""
			        : c + 1 == p->choices + nc ? " or "
			                                   : ", ",
			    *c);
		}
		return;
	default:
		fault_param_describe(p, buf, len);
		return;
	}
}

/* Whether a parameter is required, or its default, as the docs say it. */
static void
fault_md_need(const struct fault_kind *k, const struct fault_param *p,
    char *buf, size_t len)
{
	size_t i, n, m = 0, nof = 0;

	if (p->required == 1) {
		snprintf(buf, len, "required");
		return;
	}
	if (p->required == FAULT_PARAM_ONE_OF) {
		for (i = 0; i < k->nparams; i++)
			nof += k->params[i].required == FAULT_PARAM_ONE_OF;
		n = (size_t)snprintf(buf, len, "at least one of ");
		for (i = 0; i < k->nparams && n < len; i++) {
			if (k->params[i].required != FAULT_PARAM_ONE_OF)
				continue;
			m++;
			n += (size_t)snprintf(buf + n, len - n, "%s`%s`",
			    m == 1         ? ""
			        : m == nof ? " and "
			                   : ", ",
			    k->params[i].name);
		}
		return;
	}
	if (p->defval != NULL)
		snprintf(buf, len, "default `%s`", p->defval);
	else
		snprintf(buf, len, "optional");
}

/* The common fields a kind takes beyond those every fault takes. */
static void
fault_md_takes(FILE *f, const struct fault_kind *k)
{
	static const struct {
		unsigned bit;
		const char *name;
	} fields[] = {
		{ FAULT_TAKES_MATCH, "match" },
		{ FAULT_TAKES_AT, "at" },
		{ FAULT_TAKES_DIRECTION, "direction" },
	};
	size_t i, n = 0;

	for (i = 0; i < nitems(fields); i++) {
		if (k->takes & fields[i].bit)
			fprintf(
			    f, "%s`%s`", n++ > 0 ? ", " : "", fields[i].name);
	}
	if (n == 0)
		fputs("none", f);
}

/* What a layer's kinds share that a reader must know, from their flags. */
static void
fault_md_layer_notes(FILE *f, enum fault_layer layer)
{
	size_t all, with;

	fault_md_count(layer, 1, FAULT_IS_STATE, &all, &with);
	if (with > 0) {
		fault_md_kinds(f, layer, 1, FAULT_IS_STATE);
		fprintf(f,
		    " %s states of the listener, not draws: %s no "
		    "`probability` and no `times`.\n\n",
		    with == 1 ? "is a" : "are",
		    with == 1 ? "it takes" : "they take");
	}
	fault_md_count(layer, 1, FAULT_HELLO_ONLY, &all, &with);
	if (with > 0) {
		fault_md_kinds(f, layer, 1, FAULT_HELLO_ONLY);
		fprintf(f,
		    " act%s on the hello (`POST /v1/handshake`) only; the "
		    "others also on any `/v1` request with an "
		    "`X-Protocol-Version` header and on `GET /health`, which "
		    "lists the versions.\n\n",
		    with == 1 ? "s" : "");
	}
	fault_md_count(layer, 1, FAULT_NEEDS_ANSWER, &all, &with);
	if (with > 0) {
		fault_md_kinds(f, layer, 1, FAULT_NEEDS_ANSWER);
		fprintf(f,
		    " damage%s the persona's answer, so %s after it and "
		    "take%s no `at`.\n\n",
		    with == 1 ? "s" : "",
		    with == 1 ? "it always acts" : "they always act",
		    with == 1 ? "s" : "");
	}
	if ((size_t)layer < nitems(layer_md_notes) &&
	    layer_md_notes[layer] != NULL)
		fprintf(f, "%s\n\n", layer_md_notes[layer]);
}

/* One layer: its heading, notes, types and their parameters. */
static void
fault_md_layer(FILE *f, enum fault_layer layer)
{
	const struct fault_kind *k;
	const struct fault_param *p;
	char value[160], need[128];
	size_t i, j, nparams = 0;

	fprintf(f, "### %s: %s\n\n", layer_names[layer], layer_help[layer]);
	fault_md_layer_notes(f, layer);
	fputs("| type | what standin does | what the client sees | also takes "
	      "|\n|---|---|---|---|\n",
	    f);
	for (i = 0; i < nfault_kinds; i++) {
		k = &fault_kinds[i];
		if (k->layer != layer)
			continue;
		nparams += k->nparams;
		fprintf(f, "| `%s` | ", k->name);
		fault_md_cell(f, k->help);
		fputs(" | ", f);
		fault_md_cell(f, k->observed);
		fputs(" | ", f);
		fault_md_takes(f, k);
		fputs(" |\n", f);
	}
	if (nparams == 0)
		return;
	fputs("\n| type | parameter | value | required or default | meaning "
	      "|\n|---|---|---|---|---|\n",
	    f);
	for (i = 0; i < nfault_kinds; i++) {
		k = &fault_kinds[i];
		if (k->layer != layer)
			continue;
		for (j = 0; j < k->nparams; j++) {
			p = &k->params[j];
			fault_md_value(p, value, sizeof value);
			fault_md_need(k, p, need, sizeof need);
			if (j == 0)
				fprintf(
				    f, "| `%s` | `%s` | ", k->name, p->name);
			else
				fprintf(f, "| | `%s` | ", p->name);
			fault_md_cell(f, value);
			fputs(" | ", f);
			fault_md_cell(f, need);
			fputs(" | ", f);
			fault_md_cell(f, p->help);
			fputs(" |\n", f);
		}
	}
}

/* The block "catalogue": every layer's types and parameters. */
static void
fault_md_catalogue(FILE *f)
{
	size_t layer;

	for (layer = 0; layer < nitems(layer_names); layer++) {
		if (layer > 0)
			fputc('\n', f);
		fault_md_layer(f, (enum fault_layer)layer);
	}
}

/* The block "fields": the keys of a fault object and which types take
 * them. */
static void
fault_md_fields(FILE *f)
{
	size_t i;

	fputs("| key | taken by | value | default | meaning |\n"
	      "|---|---|---|---|---|\n"
	      "| `layer` | every fault (required) | ",
	    f);
	for (i = 0; i < nitems(layer_names); i++)
		fprintf(f, "%s`%s`",
		    i == 0                             ? ""
		        : i + 1 == nitems(layer_names) ? " or "
		                                       : ", ",
		    layer_names[i]);
	fputs(" | | the layer the fault acts on |\n"
	      "| `type` | every fault (required) | a type of that layer "
	      "(`standin faults`) | | what the fault does |\n"
	      "| `service` | every fault | the name of a declared service | "
	      "every service | the service it acts on |\n"
	      "| `probability` | every fault but ",
	    f);
	fault_md_which(f, 1, FAULT_IS_STATE);
	fputs(" | number, 0 to 1 | `1` | the chance that it applies to a "
	      "match, drawn from the seed |\n"
	      "| `times` | every fault but ",
	    f);
	fault_md_which(f, 1, FAULT_IS_STATE);
	fputs(" | integer, 1 or more | every match | it applies to the first "
	      "N matches only (the count starts again when the phase "
	      "changes) |\n"
	      "| `direction` | ",
	    f);
	fault_md_which(f, 0, FAULT_TAKES_DIRECTION);
	fputs(" | `both`, `upstream` (client to server) or `downstream` "
	      "(server to client) | `both` | which bytes it acts on |\n"
	      "| `match` | ",
	    f);
	fault_md_which(f, 0, FAULT_TAKES_MATCH);
	fputs(" | object: `method` (`GET`, `HEAD`, `POST`, `PUT`, `PATCH`, "
	      "`DELETE` or `OPTIONS`) and `path` (a path pattern, as in "
	      "stubs), each optional | every request | which requests it "
	      "applies to |\n"
	      "| `at` | ",
	    f);
	fault_md_which(f, 0, FAULT_TAKES_AT);
	fputs(" | `request` or `response` | `request` | `request`: the persona "
	      "never sees the request, nothing is stored; `response`: the "
	      "persona handles it (the donation *is* committed), then the "
	      "answer is lost, late or damaged |\n",
	    f);
}

/* Print one named block between its marker lines. */
static void
fault_md_block(FILE *f, const char *name, void (*body)(FILE *))
{
	fprintf(f,
	    FAULT_MD_BEGIN "%s (generated from sim/fault.c: edit that, then "
	                   "run \"make update-docs\") -->\n",
	    name);
	body(f);
	fprintf(f, FAULT_MD_END "%s -->\n", name);
}

void
fault_catalogue_markdown(FILE *f)
{
	fault_md_block(f, "catalogue", fault_md_catalogue);
	fputc('\n', f);
	fault_md_block(f, "fields", fault_md_fields);
}

/* A duration as scenario text ("250ms"). */
static json_t *
fault_duration_json(uint64_t us)
{
	char buf[32];

	duration_format(us, buf, sizeof buf);
	return json_string(buf);
}

/* A delay: a duration, or a distribution object. */
static json_t *
fault_delay_json(const struct delay *d)
{
	switch (d->dist) {
	case DELAY_UNIFORM:
		return json_pack("{s:s, s:o, s:o}", "dist", "uniform", "min",
		    fault_duration_json(d->a), "max",
		    fault_duration_json(d->b));
	case DELAY_NORMAL:
		return json_pack("{s:s, s:o, s:o}", "dist", "normal", "mean",
		    fault_duration_json(d->a), "stddev",
		    fault_duration_json(d->b));
	case DELAY_LOGNORMAL:
		return json_pack("{s:s, s:o, s:f}", "dist", "lognormal",
		    "median", fault_duration_json(d->a), "sigma", d->sigma);
	default:
		return fault_duration_json(d->a);
	}
}

void *
fault_arg(struct fault_conf *fc, size_t i)
{
	return (char *)&fc->args + fc->kind->params[i].offset;
}

const void *
fault_arg_const(const struct fault_conf *fc, size_t i)
{
	return (const char *)&fc->args + fc->kind->params[i].offset;
}

void
fault_conf_settle(struct fault_conf *fc)
{
	unsigned does = fc->kind->does;

	fc->needs_answer = (does & FAULT_NEEDS_ANSWER) != 0 ||
	    ((does & FAULT_NEEDS_ANSWER_PAST_ZERO) != 0 &&
	        *(const int64_t *)fault_arg_const(fc, 0) > 0);
}

/* A list of strings as a JSON array. */
static json_t *
fault_strings_json(const struct fault_strings *l)
{
	json_t *o = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		json_array_append_new(o, json_string(l->v[i]));
	return o;
}

/* One parameter's value (at v, typed by its kind) as scenario JSON. */
static json_t *
fault_value_json(const struct fault_param *p, const void *v)
{
	const struct fault_renames *rn = v;
	const struct fault_headers *h = v;
	const struct fault_body *b = v;
	json_t *o;
	size_t i;

	switch (p->kind) {
	case FAULT_PARAM_DURATION:
		return fault_duration_json(*(const uint64_t *)v);
	case FAULT_PARAM_DELAY:
		return fault_delay_json(v);
	case FAULT_PARAM_INT:
	case FAULT_PARAM_STATUS:
		return json_integer(*(const int64_t *)v);
	case FAULT_PARAM_NUMBER:
		return json_real(*(const double *)v);
	case FAULT_PARAM_CHOICE:
		return json_string(p->choices[*(const int64_t *)v]);
	case FAULT_PARAM_VERSIONS:
	case FAULT_PARAM_STRINGS:
		return fault_strings_json(v);
	case FAULT_PARAM_RENAMES:
		o = json_object();
		for (i = 0; i < rn->n; i++)
			json_object_set_new(
			    o, rn->from[i], json_string(rn->to[i]));
		return o;
	case FAULT_PARAM_HEADERS:
		o = json_object();
		for (i = 0; i < h->n; i++)
			json_object_set_new(
			    o, h->v[i].name, json_string(h->v[i].value));
		return o;
	case FAULT_PARAM_BODY:
		if (b->is_json &&
		    (o = json_loadb(b->text, b->len, JSON_DECODE_ANY, NULL)) !=
		        NULL)
			return o;
		return json_stringn(b->text, b->len);
	}
	return json_null();
}

json_t *
fault_conf_json(const struct fault_conf *fc)
{
	static const char *const dirs[] = { "both", "upstream", "downstream" };
	json_t *o = json_object(), *m;
	size_t i;

	if (fc->service != NULL)
		json_object_set_new(o, "service", json_string(fc->service));
	json_object_set_new(
	    o, "layer", json_string(fault_layer_name(fc->kind->layer)));
	json_object_set_new(o, "type", json_string(fc->kind->name));
	for (i = 0; i < fc->kind->nparams; i++) {
		if (fc->present[i])
			json_object_set_new(o, fc->kind->params[i].name,
			    fault_value_json(
			        &fc->kind->params[i], fault_arg_const(fc, i)));
	}
	if (fc->probability < 1)
		json_object_set_new(
		    o, "probability", json_real(fc->probability));
	if (fc->times >= 0)
		json_object_set_new(o, "times", json_integer(fc->times));
	if (fc->kind->takes & FAULT_TAKES_DIRECTION)
		json_object_set_new(
		    o, "direction", json_string(dirs[fc->direction]));
	if (fc->kind->takes & FAULT_TAKES_AT)
		json_object_set_new(o, "at",
		    json_string(
		        fc->at == FAULT_AT_RESPONSE ? "response" : "request"));
	if (fc->match_method != NULL || fc->match_path != NULL) {
		m = json_object();
		if (fc->match_method != NULL)
			json_object_set_new(
			    m, "method", json_string(fc->match_method));
		if (fc->match_path != NULL)
			json_object_set_new(
			    m, "path", json_string(fc->match_path));
		json_object_set_new(o, "match", m);
	}
	return o;
}

/* Free a list of strings. */
static void
fault_strings_clear(struct fault_strings *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* Free what one parameter value (at v, typed by its kind) owns. */
static void
fault_value_clear(enum fault_param_kind kind, void *v)
{
	struct fault_renames *rn = v;
	struct fault_headers *h = v;
	struct fault_body *b = v;
	size_t i;

	switch (kind) {
	case FAULT_PARAM_VERSIONS:
	case FAULT_PARAM_STRINGS:
		fault_strings_clear(v);
		break;
	case FAULT_PARAM_RENAMES:
		for (i = 0; i < rn->n; i++) {
			free(rn->from[i]);
			free(rn->to[i]);
		}
		free(rn->from);
		free(rn->to);
		break;
	case FAULT_PARAM_HEADERS:
		for (i = 0; i < h->n; i++) {
			free(h->v[i].name);
			free(h->v[i].value);
		}
		free(h->v);
		break;
	case FAULT_PARAM_BODY:
		free(b->text);
		break;
	default:
		break;
	}
}

void
fault_conf_clear(struct fault_conf *fc)
{
	size_t i;

	free(fc->service);
	free(fc->match_method);
	free(fc->match_path);
	for (i = 0; fc->kind != NULL && i < fc->kind->nparams; i++) {
		if (fc->present[i])
			fault_value_clear(
			    fc->kind->params[i].kind, fault_arg(fc, i));
	}
	memset(fc, 0, sizeof *fc);
}

/*
 * fault.c: the fault catalogue. One const table says, for every fault
 * type, its layer, its parameters (kind, range, default), the common
 * fields it takes, what standin does and what the client sees; the
 * scenario validator, `standin faults` and docs/faults.md follow it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fault.h"
#include "scenario.h"
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
	    "the hello (POST /v1/handshake) and X-Protocol-Version",
	[FAULT_LAYER_HTTP] = "one HTTP request and its response",
	[FAULT_LAYER_STREAM] = "the bytes of a connection, in each direction",
};

static const char *const malformed_kinds[] = { "status_line", "header",
	"chunked", NULL };

static const struct fault_param max_connections_params[] = {
	{ "limit", FAULT_PARAM_INT, 1, 0, 1000000, NULL, NULL,
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
	{ "min_version", FAULT_PARAM_CHOICE, 0, 0, 0, "1.3", tls_version_names,
	    "the lowest TLS version accepted while the fault is active" },
	{ "max_version", FAULT_PARAM_CHOICE, 0, 0, 0, "1.3", tls_version_names,
	    "the highest" },
};

static const struct fault_param tls_slow_handshake_params[] = {
	{ "delay", FAULT_PARAM_DELAY, 1, 0, 0, NULL, NULL,
	    "how long the ClientHello waits for its ServerHello" },
};

static const struct fault_param tls_alert_params[] = {
	{ "alert", FAULT_PARAM_CHOICE, 0, 0, 0, "handshake_failure",
	    fault_tls_alerts, "the alert sent in answer to the ClientHello" },
};

static const struct fault_param tls_cert_params[] = {
	{ "kind", FAULT_PARAM_CHOICE, 1, 0, 0, NULL, tls_cert_kinds,
	    "what is wrong with the certificate" },
};

static const struct fault_param tls_alpn_mismatch_params[] = {
	{ "protocols", FAULT_PARAM_STRINGS, 0, 0, 0, NULL, NULL,
	    "the only ALPN protocols accepted (default: none the client "
	    "offers)" },
};

static const struct fault_param hello_version_mismatch_params[] = {
	{ "server_versions", FAULT_PARAM_VERSIONS, 1, 0, 0, NULL, NULL,
	    "the versions the service claims to speak instead of its own" },
};

static const struct fault_param hello_slow_params[] = {
	{ "delay", FAULT_PARAM_DELAY, 1, 0, 0, NULL, NULL,
	    "how late the hello answers" },
};

static const struct fault_param hello_error_params[] = {
	{ "status", FAULT_PARAM_STATUS, 0, 100, 599, "503", NULL,
	    "the hello's status" },
	{ "headers", FAULT_PARAM_HEADERS, 0, 0, 0, NULL, NULL,
	    "response headers" },
	{ "body", FAULT_PARAM_BODY, 0, 0, 0, NULL, NULL,
	    "response body (default: a JSON error naming the fault)" },
};

static const struct fault_param status_params[] = {
	{ "status", FAULT_PARAM_STATUS, 1, 100, 599, NULL, NULL,
	    "the response status" },
	{ "headers", FAULT_PARAM_HEADERS, 0, 0, 0, NULL, NULL,
	    "response headers, such as Retry-After" },
	{ "body", FAULT_PARAM_BODY, 0, 0, 0, NULL, NULL,
	    "response body (default: a JSON error naming the fault)" },
};

static const struct fault_param delay_params[] = {
	{ "delay", FAULT_PARAM_DELAY, 1, 0, 0, NULL, NULL,
	    "how long the request or response waits" },
};

static const struct fault_param drip_params[] = {
	{ "chunk", FAULT_PARAM_INT, 0, 1, 65536, "1", NULL, "bytes per write" },
	{ "interval", FAULT_PARAM_DURATION, 0, 0, 0, "100ms", NULL,
	    "the gap between writes" },
};

static const struct fault_param http_reset_params[] = {
	{ "after_bytes", FAULT_PARAM_INT, 0, 0, 0, "0", NULL,
	    "response bytes sent before the RST" },
};

static const struct fault_param truncate_params[] = {
	{ "bytes", FAULT_PARAM_INT, 0, 0, 0, NULL, NULL,
	    "body bytes actually sent (default: half the body)" },
};

static const struct fault_param malformed_params[] = {
	{ "kind", FAULT_PARAM_CHOICE, 0, 0, 0, "status_line", malformed_kinds,
	    "what is broken: the status line, a header line or the chunk "
	    "encoding" },
};

static const struct fault_param garbage_params[] = {
	{ "bytes", FAULT_PARAM_INT, 0, 1, 1048576, "64", NULL,
	    "random bytes sent" },
};

static const struct fault_param timeout_params[] = {
	{ "close_after", FAULT_PARAM_DURATION, 0, 0, 0, NULL, NULL,
	    "close the connection after this long (default: never)" },
};

static const struct fault_param schema_drift_params[] = {
	{ "drop", FAULT_PARAM_STRINGS, FAULT_PARAM_ONE_OF, 0, 0, NULL, NULL,
	    "field names removed wherever they appear" },
	{ "rename", FAULT_PARAM_RENAMES, FAULT_PARAM_ONE_OF, 0, 0, NULL, NULL,
	    "old name to new name, wherever the old one appears" },
};

static const struct fault_param latency_params[] = {
	{ "latency", FAULT_PARAM_DELAY, 1, 0, 0, NULL, NULL,
	    "added to every chunk of bytes" },
	{ "jitter", FAULT_PARAM_DURATION, 0, 0, 0, "0ms", NULL,
	    "up to this much more or less, at random" },
};

static const struct fault_param bandwidth_params[] = {
	{ "rate", FAULT_PARAM_INT, 1, 1, 0, NULL, NULL, "bytes per second" },
};

static const struct fault_param slicer_params[] = {
	{ "size", FAULT_PARAM_INT, 0, 1, 65536, "1", NULL,
	    "average bytes per write" },
	{ "variation", FAULT_PARAM_INT, 0, 0, 0, "0", NULL,
	    "up to this many bytes more or less per write" },
	{ "delay", FAULT_PARAM_DURATION, 0, 0, 0, "1ms", NULL,
	    "the gap between writes" },
};

static const struct fault_param limit_data_params[] = {
	{ "bytes", FAULT_PARAM_INT, 1, 0, 0, NULL, NULL,
	    "bytes let through before the close" },
};

static const struct fault_param slow_close_params[] = {
	{ "delay", FAULT_PARAM_DURATION, 1, 0, 0, NULL, NULL,
	    "how long the close is held" },
};

static const struct fault_param corrupt_params[] = {
	{ "rate", FAULT_PARAM_NUMBER, 1, 0, 1, NULL, NULL,
	    "probability that a byte gets one bit flipped" },
};

#define PARAMS(p) (p), nitems(p)
#define NO_PARAMS NULL, 0
#define HTTP_TAKES (FAULT_TAKES_MATCH | FAULT_TAKES_AT)

const struct fault_kind fault_kinds[] = {
	{ FAULT_LAYER_CONNECT, "refuse", FAULT_REFUSE, NO_PARAMS, 0,
	    "close the listening socket while the fault is active",
	    "ECONNREFUSED: the kernel answers the SYN with a RST" },
	{ FAULT_LAYER_CONNECT, "reset", FAULT_CONNECT_RESET, NO_PARAMS, 0,
	    "accept the connection, then reset it", "ECONNRESET" },
	{ FAULT_LAYER_CONNECT, "close", FAULT_CONNECT_CLOSE, NO_PARAMS, 0,
	    "accept the connection, then close it (FIN)",
	    "EOF: an empty reply (curl 52)" },
	{ FAULT_LAYER_CONNECT, "blackhole", FAULT_BLACKHOLE, NO_PARAMS, 0,
	    "accept, read and discard everything, never answer",
	    "the connection opens, then a read timeout" },
	{ FAULT_LAYER_CONNECT, "stall_accept", FAULT_STALL_ACCEPT, NO_PARAMS, 0,
	    "stop accepting; connections wait in the kernel's backlog",
	    "connect succeeds, then nothing: a timeout" },
	{ FAULT_LAYER_CONNECT, "max_connections", FAULT_MAX_CONNECTIONS,
	    PARAMS(max_connections_params), 0,
	    "reset new connections while `limit` are open",
	    "ECONNRESET past the limit" },

	{ FAULT_LAYER_TLS, "version_mismatch", FAULT_TLS_VERSION_MISMATCH,
	    PARAMS(tls_version_mismatch_params), 0,
	    "accept only the protocol window min_version..max_version (default "
	    "only TLS 1.3)",
	    "a protocol_version alert from OpenSSL (curl 35)" },
	{ FAULT_LAYER_TLS, "slow_handshake", FAULT_TLS_SLOW_HANDSHAKE,
	    PARAMS(tls_slow_handshake_params), 0,
	    "hold the ClientHello for `delay` before answering it",
	    "a handshake that takes `delay` longer" },
	{ FAULT_LAYER_TLS, "stall", FAULT_TLS_STALL, NO_PARAMS, 0,
	    "never answer the ClientHello", "a handshake timeout (curl 28)" },
	{ FAULT_LAYER_TLS, "alert", FAULT_TLS_ALERT, PARAMS(tls_alert_params),
	    0, "answer the ClientHello with a fatal alert, then close",
	    "that alert, from OpenSSL (curl 35)" },
	{ FAULT_LAYER_TLS, "cert", FAULT_TLS_CERT, PARAMS(tls_cert_params), 0,
	    "present a certificate that is expired, not yet valid, for the "
	    "wrong host, self-signed or from a CA the client does not trust",
	    "the client's verify error: 10, 9, 62, 18 or 19 (curl 60)" },
	{ FAULT_LAYER_TLS, "cipher_mismatch", FAULT_TLS_CIPHER_MISMATCH,
	    NO_PARAMS, 0,
	    "offer only ciphers clients do not enable by default "
	    "(TLS_AES_128_CCM_8_SHA256; PSK suites below TLS 1.3)",
	    "a handshake_failure alert (curl 35)" },
	{ FAULT_LAYER_TLS, "alpn_mismatch", FAULT_TLS_ALPN_MISMATCH,
	    PARAMS(tls_alpn_mismatch_params), 0,
	    "refuse every ALPN protocol the client offers but `protocols`",
	    "a no_application_protocol alert (curl 35) when the client offers "
	    "ALPN" },

	{ FAULT_LAYER_HANDSHAKE, "version_mismatch",
	    FAULT_HELLO_VERSION_MISMATCH, PARAMS(hello_version_mismatch_params),
	    0,
	    "answer the hello and the X-Protocol-Version check as if the "
	    "service spoke only `server_versions`",
	    "426 with client_versions and server_versions" },
	{ FAULT_LAYER_HANDSHAKE, "slow", FAULT_HELLO_SLOW,
	    PARAMS(hello_slow_params), 0, "answer the hello late",
	    "the hello's answer after `delay`" },
	{ FAULT_LAYER_HANDSHAKE, "error", FAULT_HELLO_ERROR,
	    PARAMS(hello_error_params), 0, "fail the hello with a status",
	    "that status, headers and body" },
	{ FAULT_LAYER_HANDSHAKE, "drop", FAULT_HELLO_DROP, NO_PARAMS, 0,
	    "close the connection when the hello arrives",
	    "EOF with no answer (curl 52)" },

	{ FAULT_LAYER_HTTP, "status", FAULT_STATUS, PARAMS(status_params),
	    HTTP_TAKES, "answer with this status instead",
	    "that status, headers and body" },
	{ FAULT_LAYER_HTTP, "delay", FAULT_DELAY, PARAMS(delay_params),
	    HTTP_TAKES, "hold the request (or the response) for `delay`",
	    "a late answer" },
	{ FAULT_LAYER_HTTP, "drip", FAULT_DRIP, PARAMS(drip_params),
	    FAULT_TAKES_MATCH,
	    "send the persona's response `chunk` bytes at a time, `interval` "
	    "apart (it damages an answer: it takes no \"at\")",
	    "a slow, complete answer" },
	{ FAULT_LAYER_HTTP, "empty", FAULT_EMPTY, NO_PARAMS, HTTP_TAKES,
	    "close the connection without a response",
	    "an empty reply (curl 52)" },
	{ FAULT_LAYER_HTTP, "reset", FAULT_HTTP_RESET,
	    PARAMS(http_reset_params), HTTP_TAKES,
	    "reset the connection after `after_bytes` bytes of the response "
	    "(with `after_bytes` above 0 the persona always answers first)",
	    "ECONNRESET mid-answer (curl 56)" },
	{ FAULT_LAYER_HTTP, "truncate", FAULT_TRUNCATE, PARAMS(truncate_params),
	    FAULT_TAKES_MATCH,
	    "send fewer body bytes than Content-Length says, then close "
	    "(it damages the persona's answer: it takes no \"at\")",
	    "a short body (curl 18)" },
	{ FAULT_LAYER_HTTP, "malformed", FAULT_MALFORMED,
	    PARAMS(malformed_params), FAULT_TAKES_MATCH,
	    "break the status line, a header line or the chunk encoding of "
	    "the persona's answer (it takes no \"at\")",
	    "an HTTP parse error: curl 1 (status line), 8 (header) or 56 "
	    "(chunks)" },
	{ FAULT_LAYER_HTTP, "garbage", FAULT_GARBAGE, PARAMS(garbage_params),
	    HTTP_TAKES, "send `bytes` random bytes, then close",
	    "bytes that are not HTTP, then EOF" },
	{ FAULT_LAYER_HTTP, "timeout", FAULT_TIMEOUT, PARAMS(timeout_params),
	    HTTP_TAKES, "never answer; close after `close_after` if given",
	    "its own timeout (curl 28), or EOF after `close_after`" },
	{ FAULT_LAYER_HTTP, "schema_drift", FAULT_SCHEMA_DRIFT,
	    PARAMS(schema_drift_params), FAULT_TAKES_MATCH,
	    "drop or rename fields in the persona's JSON answer (always after "
	    "the persona: it takes no \"at\")",
	    "a 2xx answer whose JSON lacks or renames fields" },

	{ FAULT_LAYER_STREAM, "latency", FAULT_LATENCY, PARAMS(latency_params),
	    FAULT_TAKES_DIRECTION, "delay every chunk of bytes",
	    "slow traffic" },
	{ FAULT_LAYER_STREAM, "bandwidth", FAULT_BANDWIDTH,
	    PARAMS(bandwidth_params), FAULT_TAKES_DIRECTION,
	    "pass at most `rate` bytes per second", "slow traffic" },
	{ FAULT_LAYER_STREAM, "slicer", FAULT_SLICER, PARAMS(slicer_params),
	    FAULT_TAKES_DIRECTION,
	    "split the bytes into small writes with gaps between them",
	    "fragmented reads" },
	{ FAULT_LAYER_STREAM, "limit_data", FAULT_LIMIT_DATA,
	    PARAMS(limit_data_params), FAULT_TAKES_DIRECTION,
	    "close the connection after `bytes` bytes",
	    "EOF part-way: a truncated request or answer" },
	{ FAULT_LAYER_STREAM, "slow_close", FAULT_SLOW_CLOSE,
	    PARAMS(slow_close_params), FAULT_TAKES_DIRECTION,
	    "hold the close for `delay`", "the EOF arrives late" },
	{ FAULT_LAYER_STREAM, "corrupt", FAULT_CORRUPT, PARAMS(corrupt_params),
	    FAULT_TAKES_DIRECTION,
	    "flip one bit of each byte with probability `rate`",
	    "damaged bytes: bad JSON, bad HTTP" },
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
param_describe(const struct fault_param *p, char *buf, size_t len)
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
wrap_print(FILE *f, int indent, int hang, const char *text)
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
param_print(FILE *f, const struct fault_kind *k, const struct fault_param *p)
{
	char what[128], need[128], *line;
	size_t i, n;

	param_describe(p, what, sizeof what);
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
	wrap_print(f, 6, 4, line);
	free(line);
}

void
fault_catalogue_print(FILE *f)
{
	const struct fault_kind *k;
	char *line;
	size_t layer, i, j, n;

	wrap_print(f, 0, 0,
	    "Fault types, by layer. Every fault takes \"layer\" and "
	    "\"type\", and may take \"service\" (default: every service), "
	    "\"probability\" (0..1, default 1) and \"times\" (default: "
	    "every match). http faults also take \"match\" {\"method\", "
	    "\"path\"} and \"at\" (request|response, default request); "
	    "stream faults take \"direction\" (both|upstream|downstream, "
	    "default both).");
	fputc('\n', f);
	wrap_print(f, 0, 0,
	    "A duration is \"250ms\", \"1.5s\", \"2m\", \"1h\". A delay is "
	    "a duration or a distribution: {\"dist\": \"fixed\", "
	    "\"value\": D}, {\"dist\": \"uniform\", \"min\": D, \"max\": D}, "
	    "{\"dist\": \"normal\", \"mean\": D, \"stddev\": D} or "
	    "{\"dist\": \"lognormal\", \"median\": D, \"sigma\": N}.");
	for (layer = 0; layer < nitems(layer_names); layer++) {
		line =
		    xasprintf("%s: %s", layer_names[layer], layer_help[layer]);
		fputc('\n', f);
		wrap_print(f, 0, 4, line);
		free(line);
		n = 0;
		for (i = 0; i < nfault_kinds; i++) {
			k = &fault_kinds[i];
			if ((size_t)k->layer != layer)
				continue;
			n++;
			fprintf(f, "  %s\n", k->name);
			wrap_print(f, 6, 0, k->help);
			for (j = 0; j < k->nparams; j++)
				param_print(f, k, &k->params[j]);
			line = xasprintf("client sees: %s", k->observed);
			wrap_print(f, 6, 4, line);
			free(line);
		}
		if (n == 0)
			fputs("  (none in this standin)\n", f);
	}
}

/* A duration as scenario text ("250ms"). */
static json_t *
duration_json(uint64_t us)
{
	char buf[32];

	duration_format(us, buf, sizeof buf);
	return json_string(buf);
}

/* A delay: a duration, or a distribution object. */
static json_t *
delay_json(const struct delay *d)
{
	switch (d->dist) {
	case DELAY_UNIFORM:
		return json_pack("{s:s, s:o, s:o}", "dist", "uniform", "min",
		    duration_json(d->a), "max", duration_json(d->b));
	case DELAY_NORMAL:
		return json_pack("{s:s, s:o, s:o}", "dist", "normal", "mean",
		    duration_json(d->a), "stddev", duration_json(d->b));
	case DELAY_LOGNORMAL:
		return json_pack("{s:s, s:o, s:f}", "dist", "lognormal",
		    "median", duration_json(d->a), "sigma", d->sigma);
	default:
		return duration_json(d->a);
	}
}

/* One parameter's value as scenario JSON. */
static json_t *
value_json(const struct fault_param *p, const union fault_value *v)
{
	json_t *o;
	size_t i;

	switch (p->kind) {
	case FAULT_PARAM_DURATION:
		return duration_json(v->us);
	case FAULT_PARAM_DELAY:
		return delay_json(&v->delay);
	case FAULT_PARAM_INT:
	case FAULT_PARAM_STATUS:
		return json_integer(v->i);
	case FAULT_PARAM_NUMBER:
		return json_real(v->d);
	case FAULT_PARAM_CHOICE:
		return json_string(p->choices[v->i]);
	case FAULT_PARAM_VERSIONS:
	case FAULT_PARAM_STRINGS:
		o = json_array();
		for (i = 0; i < v->list.n; i++)
			json_array_append_new(o, json_string(v->list.v[i]));
		return o;
	case FAULT_PARAM_RENAMES:
		o = json_object();
		for (i = 0; i < v->renames.n; i++)
			json_object_set_new(o, v->renames.from[i],
			    json_string(v->renames.to[i]));
		return o;
	case FAULT_PARAM_HEADERS:
		o = json_object();
		for (i = 0; i < v->headers.n; i++)
			json_object_set_new(o, v->headers.v[i].name,
			    json_string(v->headers.v[i].value));
		return o;
	case FAULT_PARAM_BODY:
		if (v->body.is_json &&
		    (o = json_loadb(v->body.text, v->body.len, JSON_DECODE_ANY,
		         NULL)) != NULL)
			return o;
		return json_stringn(v->body.text, v->body.len);
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
			    value_json(&fc->kind->params[i], &fc->values[i]));
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

/* Free what one parameter value owns. */
static void
value_clear(enum fault_param_kind kind, union fault_value *v)
{
	size_t i;

	switch (kind) {
	case FAULT_PARAM_VERSIONS:
	case FAULT_PARAM_STRINGS:
		for (i = 0; i < v->list.n; i++)
			free(v->list.v[i]);
		free(v->list.v);
		break;
	case FAULT_PARAM_RENAMES:
		for (i = 0; i < v->renames.n; i++) {
			free(v->renames.from[i]);
			free(v->renames.to[i]);
		}
		free(v->renames.from);
		free(v->renames.to);
		break;
	case FAULT_PARAM_HEADERS:
		for (i = 0; i < v->headers.n; i++) {
			free(v->headers.v[i].name);
			free(v->headers.v[i].value);
		}
		free(v->headers.v);
		break;
	case FAULT_PARAM_BODY:
		free(v->body.text);
		break;
	default:
		break;
	}
	memset(v, 0, sizeof *v);
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
			value_clear(fc->kind->params[i].kind, &fc->values[i]);
	}
	memset(fc, 0, sizeof *fc);
}

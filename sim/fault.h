/*
 * fault.h: the fault catalogue (one const table: layer, type, parameters
 * with their kinds and ranges, help text, what the client sees) and faults
 * as a scenario describes them. The validator, `standin faults` and the
 * docs all read the same table.
 */
#ifndef STANDIN_FAULT_H
#define STANDIN_FAULT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A header a fault or a stub adds to a response: name and value. */
struct header_conf {
	char *name;
	char *value;
};

enum fault_layer {
	FAULT_LAYER_CONNECT,
	FAULT_LAYER_TLS,
	FAULT_LAYER_HANDSHAKE,
	FAULT_LAYER_HTTP,
	FAULT_LAYER_STREAM,
};

enum fault_type {
	/* connect */
	FAULT_REFUSE,
	FAULT_CONNECT_RESET,
	FAULT_CONNECT_CLOSE,
	FAULT_BLACKHOLE,
	FAULT_STALL_ACCEPT,
	FAULT_MAX_CONNECTIONS,
	/* tls */
	FAULT_TLS_VERSION_MISMATCH,
	FAULT_TLS_SLOW_HANDSHAKE,
	FAULT_TLS_STALL,
	FAULT_TLS_ALERT,
	FAULT_TLS_CERT,
	FAULT_TLS_CIPHER_MISMATCH,
	FAULT_TLS_ALPN_MISMATCH,
	/* handshake (the POST /v1/handshake hello and X-Protocol-Version) */
	FAULT_HELLO_VERSION_MISMATCH,
	FAULT_HELLO_SLOW,
	FAULT_HELLO_ERROR,
	FAULT_HELLO_DROP,
	/* http */
	FAULT_STATUS,
	FAULT_DELAY,
	FAULT_DRIP,
	FAULT_EMPTY,
	FAULT_HTTP_RESET,
	FAULT_TRUNCATE,
	FAULT_MALFORMED,
	FAULT_GARBAGE,
	FAULT_TIMEOUT,
	FAULT_SCHEMA_DRIFT,
	/* stream */
	FAULT_LATENCY,
	FAULT_BANDWIDTH,
	FAULT_SLICER,
	FAULT_LIMIT_DATA,
	FAULT_SLOW_CLOSE,
	FAULT_CORRUPT,
	FAULT_STREAM_TIMEOUT, /* "timeout" on the stream layer */
	FAULT_RESET_PEER,
};

/* What a parameter's value is, so the validator knows how to read it. */
enum fault_param_kind {
	FAULT_PARAM_DURATION, /* "250ms", stored in .us */
	FAULT_PARAM_DELAY, /* a duration or a distribution, stored in .delay */
	FAULT_PARAM_INT, /* integer in [min, max], stored in .i */
	FAULT_PARAM_NUMBER, /* number in [min, max], stored in .d */
	FAULT_PARAM_STATUS, /* HTTP status 100..599, stored in .i */
	FAULT_PARAM_CHOICE, /* one of choices, stored in .i (its index) */
	FAULT_PARAM_VERSIONS, /* non-empty array of version strings, .list */
	FAULT_PARAM_STRINGS, /* array of strings, .list */
	FAULT_PARAM_RENAMES, /* object of string -> string, .renames */
	FAULT_PARAM_HEADERS, /* object of header name -> string, .headers */
	FAULT_PARAM_BODY, /* any JSON (a string is sent as is), .body */
};

/* fault_param.required: 1, or one of the kind's ONE_OF params at least. */
#define FAULT_PARAM_ONE_OF 2

struct fault_param {
	const char *name;
	enum fault_param_kind kind;
	size_t offset; /* where its value lives in union fault_args */
	int required; /* 0, 1 or FAULT_PARAM_ONE_OF */
	double min, max; /* INT and NUMBER; durations: max in us, 0 = none */
	const char
	    *defval; /* default, as scenario text ("100ms", "1"), or NULL */
	const char *const *choices; /* CHOICE: NULL-terminated */
	const char *help;
};

#define FAULT_PARAMS_MAX 4

/* Which of the common fields a fault type takes. */
#define FAULT_TAKES_MATCH 0x1 /* "match": {"method", "path"} */
#define FAULT_TAKES_AT 0x2 /* "at": "request" | "response" */
#define FAULT_TAKES_DIRECTION \
	0x4 /* "direction": "both" | "upstream" | "downstream" */

/*
 * What a fault type does beyond its layer, for the code that applies it:
 * each is a fact of the type, read from the table rather than restated in
 * a switch where it is used.
 */
/* A state of the listener, not a draw: no probability, no times. */
#define FAULT_IS_STATE 0x01
/* http: damages the far end's answer, so it applies after it (no "at"). */
#define FAULT_NEEDS_ANSWER 0x02
/* http reset: needs the answer when its after_bytes is above 0. */
#define FAULT_NEEDS_ANSWER_PAST_ZERO 0x04
/* Leaves the client without an HTTP answer (the metrics count 0). */
#define FAULT_UNANSWERED 0x08
/* handshake: applies to the hello only, not to X-Protocol-Version. */
#define FAULT_HELLO_ONLY 0x10
/* connect: applies only while the service holds `limit` connections. */
#define FAULT_PAST_LIMIT 0x20
/* tls: holds the ClientHello before TLS starts (slow_handshake). */
#define FAULT_TLS_HOLD 0x40

/* What a connect fault (or a tls stall) makes of an accepted connection. */
enum fault_accept {
	FAULT_ACCEPT_SERVE, /* nothing: it is served */
	FAULT_ACCEPT_RESET, /* reset once the client has spoken */
	FAULT_ACCEPT_CLOSE, /* close (FIN) once the client has spoken */
	FAULT_ACCEPT_BLACKHOLE, /* read and discard, never answer */
};

/* The state a connect fault puts the listening socket in. */
enum fault_listen {
	FAULT_LISTEN_OPEN, /* accepting: not a listener state */
	FAULT_LISTEN_REFUSE, /* no listening socket: ECONNREFUSED */
	FAULT_LISTEN_STALL, /* listening, not accepting: the backlog fills */
};

struct fault_kind {
	enum fault_layer layer;
	const char *name; /* as written in scenario files: "refuse" */
	enum fault_type type;
	const struct fault_param *params;
	size_t nparams;
	unsigned takes; /* FAULT_TAKES_* */
	unsigned does; /* FAULT_IS_STATE, FAULT_NEEDS_ANSWER, ... */
	enum fault_accept accept; /* connect (and tls stall) */
	enum fault_listen listen; /* connect: refuse, stall_accept */
	const char *outcome; /* the connections metric's outcome, or NULL */
	const char *help; /* what standin does */
	const char *observed; /* what the client sees */
};

extern const struct fault_kind fault_kinds[];
extern const size_t nfault_kinds;

/* The layer's name ("connect"), or NULL. */
const char *fault_layer_name(enum fault_layer);
/* Parse a layer name; returns 0 or -1. */
int fault_layer_parse(const char *, enum fault_layer *);
/* The kind of fault named type on layer, or NULL. */
const struct fault_kind *fault_kind_find(enum fault_layer, const char *type);
/* The index of a kind's parameter by name, or -1. */
int fault_param_index(const struct fault_kind *, const char *name);

/* The tls alert fault's alert names (NULL-terminated) and their codes. */
extern const char *const fault_tls_alerts[];
extern const int fault_tls_alert_codes[];

/* Print the catalogue for `standin faults`. */
void fault_catalogue_print(FILE *);

/*
 * Print the catalogue as Markdown (`standin faults --markdown`): named
 * blocks ("catalogue": every type and parameter; "fields": the common
 * fields and which types take them), each between marker lines
 * "<!-- BEGIN standin faults --markdown: NAME ...-->" and
 * "<!-- END standin faults --markdown: NAME -->", which docs/generate.sh
 * copies into the docs.
 */
void fault_catalogue_markdown(FILE *);

enum delay_dist {
	DELAY_FIXED, /* a */
	DELAY_UNIFORM, /* between a and b */
	DELAY_NORMAL, /* mean a, standard deviation b, never below 0 */
	DELAY_LOGNORMAL, /* median a, sigma */
};

struct delay {
	enum delay_dist dist;
	uint64_t a, b; /* microseconds */
	double sigma;
};

enum fault_direction {
	FAULT_DIR_BOTH,
	FAULT_DIR_UPSTREAM, /* client to server */
	FAULT_DIR_DOWNSTREAM, /* server to client */
};

enum fault_at {
	FAULT_AT_REQUEST, /* the persona never sees the request */
	FAULT_AT_RESPONSE, /* the persona handles it, then the answer is damaged */
};

/* Strings a fault owns: versions, protocols, field names. */
struct fault_strings {
	char **v;
	size_t n;
};

/* schema_drift's renames: from[i] becomes to[i]. */
struct fault_renames {
	char **from, **to;
	size_t n;
};

/* Response headers a fault adds. */
struct fault_headers {
	struct header_conf *v;
	size_t n;
};

/* A response body a fault sends: text, or compact JSON. */
struct fault_body {
	char *text;
	size_t len;
	int is_json;
};

/*
 * Every fault type's parameters, typed and filled once by the loader: each
 * row of a kind's parameter table names its field here by offset, so the
 * loader, fault_conf_json() and fault_conf_clear() follow the table, and
 * the code that applies a fault reads plain fields (f->args.drip.chunk).
 * A parameter's C type follows its kind: DURATION uint64_t microseconds,
 * DELAY struct delay, INT, STATUS and CHOICE (the index) int64_t, NUMBER
 * double, VERSIONS and STRINGS struct fault_strings, RENAMES struct
 * fault_renames, HEADERS struct fault_headers, BODY struct fault_body.
 */
union fault_args {
	struct {
		int64_t limit;
	} max_connections;
	struct {
		int64_t min_version, max_version; /* indexes: "1.0".."1.3" */
	} tls_window;
	struct {
		struct delay delay;
	} tls_slow;
	struct {
		int64_t alert; /* index into fault_tls_alerts */
	} tls_alert;
	struct {
		int64_t kind; /* index: expired, not_yet_valid, ... */
	} tls_cert;
	struct {
		struct fault_strings protocols;
	} tls_alpn;
	struct {
		struct fault_strings server_versions;
	} hello_versions;
	struct {
		struct delay delay;
	} hello_slow;
	struct {
		int64_t status;
		struct fault_headers headers;
		struct fault_body body;
	} answer; /* handshake error, http status */
	struct {
		struct delay delay;
	} delay;
	struct {
		int64_t chunk;
		uint64_t interval_us;
	} drip;
	struct {
		int64_t after_bytes;
	} reset;
	struct {
		int64_t bytes;
	} truncate;
	struct {
		int64_t kind; /* index: status_line, header, chunked */
	} malformed;
	struct {
		int64_t bytes;
	} garbage;
	struct {
		uint64_t close_after_us;
	} timeout;
	struct {
		struct fault_strings drop;
		struct fault_renames rename;
	} drift;
	struct {
		struct delay latency;
		uint64_t jitter_us;
	} latency;
	struct {
		int64_t rate;
	} bandwidth;
	struct {
		int64_t size, variation;
		uint64_t delay_us;
	} slicer;
	struct {
		int64_t bytes;
	} limit_data;
	struct {
		uint64_t delay_us;
	} slow_close;
	struct {
		double rate;
	} corrupt;
	struct {
		uint64_t timeout_us; /* 0: never closes by itself */
	} stream_timeout;
	struct {
		uint64_t timeout_us;
	} reset_peer;
};

/* One fault of a scenario: on a phase, at the root, or added at run time. */
struct fault_conf {
	const struct fault_kind *kind;
	char *service; /* NULL: every service */
	double probability; /* 1 unless given */
	int64_t times; /* -1: every match */
	enum fault_direction direction;
	char *match_method; /* http: NULL for any */
	char *match_path; /* http: a route pattern, NULL for any */
	enum fault_at at;
	/* http: it damages the answer, so it applies only after the far end
	 * (the kind's FAULT_NEEDS_ANSWER, resolved once by the loader). */
	int needs_answer;
	union fault_args args; /* by the kind's parameter table */
	int present[FAULT_PARAMS_MAX]; /* given (or defaulted), by index */
};

/* Where a kind's parameter i lives in a fault's args. */
void *fault_arg(struct fault_conf *, size_t i);
const void *fault_arg_const(const struct fault_conf *, size_t i);

/* Resolve what the loader derives from the kind (needs_answer). */
void fault_conf_settle(struct fault_conf *);

/*
 * A fault written out in the scenario format, with its defaults: what
 * GET /faults shows. Returns a new JSON object (jansson's json_t).
 */
struct json_t;
struct json_t *fault_conf_json(const struct fault_conf *);

/* Free what a fault owns (not the struct itself); safe on a zeroed one. */
void fault_conf_clear(struct fault_conf *);

#endif

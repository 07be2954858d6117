/*
 * scenario.h: a scenario file turned into plain C structs. Nothing outside
 * the scenario loader (scenario.c and the scenario_*.c it calls) touches
 * the JSON of a scenario file; everything else reads these structs.
 */
#ifndef STANDIN_SCENARIO_H
#define STANDIN_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "fault.h"
#include "persona.h"
#include "util.h"

/* The "standin" key: the version of the file format this program reads. */
#define SCENARIO_FORMAT 1

/* A service's "tls" object. */
struct tls_conf {
	int enabled; /* the service has "tls" */
	int min_version; /* TLS_V10..TLS_V13 (tls.h); default 12 */
	int max_version; /* default 13 */
	char *ciphers; /* TLS 1.2 and below, OpenSSL syntax, or NULL */
	char *ciphersuites; /* TLS 1.3, or NULL */
	char **alpn; /* protocols to accept, in preference order */
	size_t nalpn;
	char *cert_file; /* NULL: "cert": "auto" */
	char *key_file;
	char **names; /* more names for an automatic certificate */
	size_t nnames;
};

/* A proxy's "upstream_tls": TLS from standin to the real service. */
struct upstream_tls_conf {
	int enabled; /* the service has "upstream_tls" */
	int verify; /* "verify": check the upstream's certificate (default) */
	char *ca_file; /* "ca": a PEM file; NULL: the system's store */
	char *server_name; /* SNI and the name checked; NULL: the host */
	char *cert_file; /* a client certificate (mTLS), or NULL */
	char *key_file;
	int min_version; /* TLS_V10..TLS_V13; default 12 */
	int max_version; /* default 13 */
};

/* What a proxy's client sees while its upstream refuses. */
enum upstream_down {
	UPSTREAM_DOWN_REFUSE, /* stop listening: a real ECONNREFUSED */
	UPSTREAM_DOWN_RESET, /* accept, then reset (RST) */
	UPSTREAM_DOWN_CLOSE, /* accept, then close (FIN) */
	/* accept, then close at once: EOF if the client had sent nothing, RST
	 * if it had (what Toxiproxy does, its #265) */
	UPSTREAM_DOWN_DROP,
};

/* An http proxy waits this long for its upstream's answer, unless it says. */
#define SCENARIO_UPSTREAM_TIMEOUT_US (60 * 1000000ULL)

/* A proxy's dial to its upstream gives up after this, unless it says. */
#define SCENARIO_CONNECT_TIMEOUT_US (5 * 1000000ULL)

struct service_conf {
	char *name; /* its key in "services" */
	enum persona_kind persona; /* "persona" (not for a proxy) */
	/* Proxy mode: "upstream" as written ("HOST:PORT"), or NULL for a
	 * persona; its host (a name or an IP literal) and port. */
	char *upstream;
	char upstream_host[256];
	uint16_t upstream_port;
	enum upstream_down upstream_down; /* "upstream_down" */
	uint64_t connect_timeout_us; /* "connect_timeout" */
	/* "upstream_timeout": an http proxy's request unanswered this long
	 * is a 504 (SCENARIO_UPSTREAM_TIMEOUT_US if not given). */
	uint64_t upstream_timeout_us;
	struct upstream_tls_conf upstream_tls; /* "upstream_tls" */
	int protocol_http; /* "protocol": "http" (a proxy that parses HTTP) */
	char *listen; /* as written, or the persona's default */
	/* The listen host, an IP literal ("localhost" is 127.0.0.1). */
	char host[256];
	uint16_t port; /* listen port; 0 lets the OS choose */
	char **versions; /* protocol versions it speaks, as written */
	size_t nversions;
	/* Financial engine: the UMS service whose users it checks, or NULL. */
	char *users_from;
	struct tls_conf tls; /* "tls" */
	/* "request_timeout": a request must arrive whole within this much of
	 * its first byte (408 past it); SCENARIO_REQUEST_TIMEOUT_US if not
	 * given. */
	uint64_t request_timeout_us;
	/* "idle_timeout": a connection that reads and writes nothing for this
	 * long is closed; SCENARIO_IDLE_TIMEOUT_US if not given. */
	uint64_t idle_timeout_us;
	/* "enabled": false: declared, its data kept, but not listening (a
	 * client gets ECONNREFUSED); a disabled Toxiproxy proxy. */
	int disabled;
	/* "live_stream_faults": stream faults added or removed while a
	 * connection is open apply to it at once, as Toxiproxy's toxics do
	 * (each of its connections then stages its bytes). */
	int live_stream_faults;
};

/* A connection's silence before it is closed, unless a service says. */
#define SCENARIO_IDLE_TIMEOUT_US (60 * 1000000ULL)

/* A request's first byte to its last, unless a service says otherwise. */
#define SCENARIO_REQUEST_TIMEOUT_US (30 * 1000000ULL)

/* The name of an upstream_down value ("refuse"). */
const char *scenario_upstream_down_name(enum upstream_down);

/* One entry of "stubs": a canned answer that adds or overrides a route. */
struct stub_conf {
	char *service; /* service it applies to; NULL for every service */
	char *method; /* "GET", ...; NULL for any method */
	char *
	    path; /* path pattern: "/v1/users/{id}"; a final "*" matches the rest */
	int status; /* default 200 */
	struct header_conf *headers;
	size_t nheaders;
	char *body; /* serialized body: a JSON string's text, or compact JSON */
	size_t body_len;
	int body_is_json; /* body was a JSON value other than a string */
};

/* How a phase begins (the first phase begins at start). */
enum phase_start {
	PHASE_START_NOW, /* the first phase, without a condition */
	PHASE_START_AFTER, /* "after": a duration since the previous phase began */
	PHASE_START_CONNECTIONS, /* "after_connections": N connections since then */
	PHASE_START_REQUESTS, /* "after_requests": N requests since then */
	PHASE_START_MANUAL, /* "manual": true: only by hand */
};

/* One entry of "phases". */
struct phase_conf {
	char *name;
	enum phase_start start;
	uint64_t
	    after_us; /* AFTER, unscaled (the timeline applies time_scale) */
	char *after_text; /* AFTER as written ("30s"), for messages */
	uint64_t after_n; /* CONNECTIONS, REQUESTS */
	struct fault_conf *faults;
	size_t nfaults;
};

struct scenario {
	char *file; /* where it was loaded from, or "(built-in)" */
	int format; /* "standin" */
	char *name; /* "name", or the file's base name without .json */
	char *description; /* "description", or "" */
	uint64_t seed; /* "seed", default 1 */
	double time_scale; /* "time_scale", default 1 */
	struct service_conf *services;
	size_t nservices;
	struct stub_conf *stubs;
	size_t nstubs;
	struct fault_conf *faults; /* root "faults": active in every phase */
	size_t nfaults;
	struct phase_conf
	    *phases; /* "phases"; a scenario without has one, "default" */
	size_t nphases;
	int repeat; /* "repeat": after the last phase, the first again */
	char *source; /* the document as loaded, for GET /scenario */
	size_t source_len;
};

/*
 * Load and validate a scenario file. On any error return NULL with every
 * error found added to errs, each a complete line: "FILE:LINE:COLUMN: msg"
 * for syntax, "FILE: /json/pointer: msg" for meaning.
 */
struct scenario *scenario_load_file(const char *path, struct errlist *errs);

/* The same for text already in memory; label stands for the file name. */
struct scenario *scenario_load_text(
    const char *label, const char *text, size_t len, struct errlist *errs);

/*
 * Read faults given at run time (POST /faults): one fault object, or an
 * array of them, in the scenario format, validated against the services of
 * sc exactly as a scenario's faults are. On success return 0 with a new
 * array in *faults (free each with fault_conf_clear(), then the array);
 * on any error return -1 with every error in errs, pointers relative to
 * the text ("LABEL: /0/delay: ...").
 */
int scenario_parse_faults(const struct scenario *sc, const char *label,
    const char *text, size_t len, struct fault_conf **faults, size_t *nfaults,
    struct errlist *errs);

/*
 * How long a phase's "after" may be once divided by time_scale, in real
 * microseconds. Shorter than the floor, phases would flap as fast as the
 * loop runs; the ceiling keeps every wait within what the timers that run
 * it can hold (a timeval, even with a 32-bit time_t).
 */
#define SCENARIO_AFTER_MIN_US 1000ULL /* 1ms */
#define SCENARIO_AFTER_MAX_YEARS 10
#define SCENARIO_AFTER_MAX_US \
	((uint64_t)SCENARIO_AFTER_MAX_YEARS * 365 * 86400 * 1000000)

/*
 * Check that every phase's "after", divided by scale (above 0), lies
 * within SCENARIO_AFTER_MIN_US..SCENARIO_AFTER_MAX_US. The loader calls
 * it with the file's own time_scale, so `standin check` and PUT /scenario
 * refuse such a file; `standin serve` calls it again with the time_scale
 * that actually runs (after --time-scale). scale_name names where scale
 * came from in the message ("time_scale", "--time-scale"). Returns 0, or
 * -1 with one error per phase: "FILE: /phases/N/after: MESSAGE".
 */
int scenario_check_scale(const struct scenario *, double scale,
    const char *scale_name, struct errlist *errs);

/* The built-in default: both personas on their default addresses. */
struct scenario *scenario_default(void);

/* The service of that name, or NULL. */
const struct service_conf *scenario_service(
    const struct scenario *, const char *name);

/* Free a scenario; safe on NULL and on a half-built one. */
void scenario_free(struct scenario *);

#endif

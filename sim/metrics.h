/*
 * metrics.h: counters and a latency histogram of what standin did, rendered
 * in the Prometheus text format (0.0.4) for GET /metrics. Every function is
 * safe on a NULL struct metrics (and then does nothing). The metric names,
 * labels and values are documented in docs/control-api.md ("Metrics").
 *
 * Series are keyed by their label strings, which are copied when a series
 * is first seen: callers may pass strings they free later (a reload frees
 * a removed service's name). Counting a series seen before neither
 * allocates nor formats. Counters are never reset.
 */
#ifndef STANDIN_METRICS_H
#define STANDIN_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

/* Most series kept; samples of new series past it go to "overflow". */
#define METRICS_SERIES_MAX 10000

/* The label value of the series that count what did not fit. */
#define METRICS_OVERFLOW "overflow"

struct metrics;

/* An empty set of metrics; out of memory is fatal (start-up). */
struct metrics *metrics_new(void);

/* Free them; safe on NULL. */
void metrics_free(struct metrics *);

/*
 * Count an accepted connection by what became of it (its outcome):
 * "served" (handed to the service: TLS if it has it, then HTTP),
 * "reset", "closed", "blackholed" (a connect fault's ending; a tls stall
 * is a blackhole too) or "max_connections" (reset for being over that
 * fault's limit).
 */
void metrics_connection(
    struct metrics *, const char *service, const char *outcome);

/*
 * Count a TLS handshake: "ok" (completed), "alert" (the tls alert fault
 * ended it) or "failed" (the connection ended before its handshake
 * completed: a TLS error, the client's alert or EOF, a timeout).
 */
void metrics_tls_handshake(
    struct metrics *, const char *service, const char *outcome);

/*
 * Count a proxy's dial to its upstream: "connected", "refused", "timeout"
 * (its connect_timeout passed) or "failed" (any other error, a name that
 * does not resolve).
 */
void metrics_upstream_dial(
    struct metrics *, const char *service, const char *outcome);

/* Count n bytes a proxy passed on: "upstream" (the client's) or
 * "downstream" (the upstream's answer). */
void metrics_proxied_bytes(
    struct metrics *, const char *service, const char *direction, uint64_t n);

/*
 * Count a protocol hello (POST /v1/handshake): "ok" (200),
 * "version_mismatch" (426) or "error" (any other status, or no answer).
 */
void metrics_hello(struct metrics *, const char *service, const char *outcome);

/*
 * Count one answered request. route is the pattern of the stub or route
 * it went to ("/v1/users/{id}"), or a fixed label ("unmatched",
 * "unparsed"): never a raw path. status 0: no HTTP answer (empty, reset,
 * garbage, timeout, hello drop); those are not observed in the histogram.
 * duration_us: from the request complete to its answer queued.
 */
void metrics_request(struct metrics *, const char *service, const char *route,
    int status, uint64_t duration_us);

/*
 * A held answer (delay, drip, slow hello) went out: late_us after its
 * fault said it should be released, and its last byte reached the
 * kernel write_us after that.
 */
void metrics_hold(
    struct metrics *, const char *service, uint64_t late_us, uint64_t write_us);

/* Count one injected fault by its layer and type names. */
void metrics_fault(
    struct metrics *, const char *service, const char *layer, const char *type);

/* Count a phase change (not the phase standin starts in). */
void metrics_phase_changed(struct metrics *);

/*
 * The gauges' values at the time of a render, told by whoever owns what
 * they measure: the services' open connections and the scenario's phases.
 * The strings are only read during metrics_render().
 */
struct metrics_gauges {
	const char *const *services; /* service names, in order */
	const size_t *open; /* open connections, one per service */
	size_t nservices;
	const char *const *phases; /* the scenario's phase names, in order */
	size_t nphases;
	size_t phase; /* the current phase's index; SIZE_MAX: none */
	/* Per service, for Toxiproxy's metric names: where it listens and
	 * its upstream (NULL: not a proxy). NULL arrays: none rendered. */
	const char *const *listeners;
	const char *const *upstreams;
};

/*
 * Append everything, in the Prometheus text format 0.0.4, to out, with the
 * gauges as g tells them (open connections per service, the current
 * phase). g may be NULL (no gauge samples); m may be NULL (no counts).
 */
void metrics_render(
    struct metrics *, const struct metrics_gauges *g, struct evbuffer *);

#endif

/*
 * metrics.c: the counters and the latency histogram behind GET /metrics,
 * and their rendering in the Prometheus text format 0.0.4.
 *
 * Each series (one family, one set of label values) is a small record
 * found through an open-addressing hash table keyed by its label strings.
 * The first sample of a series allocates it, with copies of its labels;
 * every later one costs a hash and a compare. The families are one const
 * table, which the renderer walks in order.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "metrics.h"
#include "util.h"

enum metrics_family {
	MF_CONNECTIONS,
	MF_CONNECTIONS_OPEN,
	MF_TLS,
	MF_HELLOS,
	MF_REQUESTS,
	MF_DURATION,
	MF_HOLD_LATENESS,
	MF_WRITE_LAG,
	MF_FAULTS,
	MF_UPSTREAM_DIALS,
	MF_PROXIED_BYTES,
	MF_PHASE,
	MF_PHASE_CHANGES,
	MF_COUNT
};

/* Most string labels a family has (besides "status" and "le"). */
#define METRICS_KEYS_MAX 3

/* A histogram's upper bound, in microseconds and as rendered. */
struct metrics_bucket {
	uint64_t us;
	const char *le;
};

/* Request durations. */
static const struct metrics_bucket metrics_duration_buckets[] = {
	{ 500, "0.0005" },
	{ 1000, "0.001" },
	{ 2500, "0.0025" },
	{ 5000, "0.005" },
	{ 10000, "0.01" },
	{ 25000, "0.025" },
	{ 50000, "0.05" },
	{ 100000, "0.1" },
	{ 250000, "0.25" },
	{ 500000, "0.5" },
	{ 1000000, "1" },
	{ 2500000, "2.5" },
	{ 5000000, "5" },
	{ 10000000, "10" },
};

/* How late a held answer goes out: microseconds matter. */
static const struct metrics_bucket metrics_late_buckets[] = {
	{ 25, "0.000025" },
	{ 50, "0.00005" },
	{ 100, "0.0001" },
	{ 250, "0.00025" },
	{ 500, "0.0005" },
	{ 1000, "0.001" },
	{ 2500, "0.0025" },
	{ 5000, "0.005" },
	{ 10000, "0.01" },
	{ 100000, "0.1" },
};

#define METRICS_BUCKETS(b) (b), nitems(b)

struct metrics_family_def {
	const char *name;
	const char *type; /* "counter", "gauge", "histogram" */
	const char *help;
	const char *keys[METRICS_KEYS_MAX]; /* string labels, in order */
	size_t nkeys;
	int status; /* has an integer "status" label after the keys */
	const struct metrics_bucket *buckets; /* histograms: upper bounds */
	size_t nbuckets; /* ... not counting +Inf */
};

/* Every family, in the order they are rendered (docs/control-api.md). */
static const struct metrics_family_def metrics_families[MF_COUNT] = {
	[MF_CONNECTIONS] = { "standin_connections_total", "counter",
	    "Connections accepted, by what became of them.",
	    { "service", "outcome" }, 2, 0, NULL, 0 },
	[MF_CONNECTIONS_OPEN] = { "standin_connections_open", "gauge",
	    "Connections open now.", { "service" }, 1, 0, NULL, 0 },
	[MF_TLS] = { "standin_tls_handshakes_total", "counter",
	    "TLS handshakes, by outcome.", { "service", "outcome" }, 2, 0, NULL,
	    0 },
	[MF_HELLOS] = { "standin_hellos_total", "counter",
	    "Protocol hellos (POST /v1/handshake), by outcome.",
	    { "service", "outcome" }, 2, 0, NULL, 0 },
	[MF_REQUESTS] = { "standin_requests_total", "counter",
	    "Requests answered, by route pattern and status "
	    "(0: no HTTP answer).",
	    { "service", "route" }, 2, 1, NULL, 0 },
	[MF_DURATION] = { "standin_request_duration_seconds", "histogram",
	    "Time from a request complete to its answer queued, "
	    "for requests that got an HTTP answer.",
	    { "service" }, 1, 0, METRICS_BUCKETS(metrics_duration_buckets) },
	[MF_HOLD_LATENESS] = { "standin_hold_lateness_seconds", "histogram",
	    "How much later than its fault said a held answer was released "
	    "(delay, drip, slow hello): the loop's timer error.",
	    { "service" }, 1, 0, METRICS_BUCKETS(metrics_late_buckets) },
	[MF_WRITE_LAG] = { "standin_hold_write_seconds", "histogram",
	    "From a held answer's release to its last byte handed to the "
	    "kernel.",
	    { "service" }, 1, 0, METRICS_BUCKETS(metrics_late_buckets) },
	[MF_FAULTS] = { "standin_faults_injected_total", "counter",
	    "Faults injected, by layer and type.",
	    { "service", "layer", "type" }, 3, 0, NULL, 0 },
	[MF_UPSTREAM_DIALS] = { "standin_upstream_dials_total", "counter",
	    "A proxy's dials to its upstream, by outcome.",
	    { "service", "outcome" }, 2, 0, NULL, 0 },
	[MF_PROXIED_BYTES] = { "standin_proxied_bytes_total", "counter",
	    "Bytes a proxy passed on, by direction (upstream: the client's).",
	    { "service", "direction" }, 2, 0, NULL, 0 },
	[MF_PHASE] = { "standin_phase", "gauge",
	    "The scenario's phases: 1 for the current one, 0 for the others.",
	    { "phase" }, 1, 0, NULL, 0 },
	[MF_PHASE_CHANGES] = { "standin_phase_changes_total", "counter",
	    "Phase changes since standin started.", { NULL }, 0, 0, NULL, 0 },
};

struct metrics_series {
	struct metrics_series
	    *next; /* in its family, in the order first seen */
	enum metrics_family family;
	uint32_t hash;
	int status;
	int overflow; /* the family's series for what did not fit */
	const char *keys[METRICS_KEYS_MAX]; /* copies, in this allocation */
	uint64_t count;
	/* Histograms: the sum, and counts per bucket (not cumulative; the
	 * last is +Inf). */
	uint64_t sum_us;
	uint64_t *buckets;
	/* Requests: the service's histogram, found once. */
	struct metrics_series *hist;
};

/* The table starts with this many slots and doubles at half full. */
#define METRICS_SLOTS_MIN 64

struct metrics {
	struct metrics_series **slots;
	size_t nslots; /* a power of two */
	size_t nseries; /* in the table (overflow series are not) */
	struct metrics_series *head[MF_COUNT], **tail[MF_COUNT];
	struct metrics_series *overflow[MF_COUNT];
	uint64_t phase_changes;
};

struct metrics *
metrics_new(void)
{
	struct metrics *m;
	size_t i;

	m = xcalloc(1, sizeof *m);
	m->nslots = METRICS_SLOTS_MIN;
	m->slots = xcalloc(m->nslots, sizeof *m->slots);
	for (i = 0; i < MF_COUNT; i++)
		m->tail[i] = &m->head[i];
	return m;
}

void
metrics_free(struct metrics *m)
{
	struct metrics_series *s, *next;
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < MF_COUNT; i++) {
		for (s = m->head[i]; s != NULL; s = next) {
			next = s->next;
			free(s);
		}
	}
	free(m->slots);
	free(m);
}

/* FNV-1a over the family, the label strings and the status. */
static uint32_t
metrics_hash(
    enum metrics_family f, const char *const *keys, size_t n, int status)
{
	uint32_t h = 2166136261u;
	const unsigned char *p;
	size_t i;

	h = (h ^ (uint32_t)f) * 16777619u;
	for (i = 0; i < n; i++) {
		for (p = (const unsigned char *)keys[i]; *p != '\0'; p++)
			h = (h ^ *p) * 16777619u;
		h = (h ^ 0xff) * 16777619u; /* "a","bc" differs from "ab","c" */
	}
	return (h ^ (uint32_t)status) * 16777619u;
}

/* Is s the series of family f with these labels? */
static int
metrics_same(const struct metrics_series *s, enum metrics_family f,
    uint32_t hash, const char *const *keys, size_t n, int status)
{
	size_t i;

	if (s->hash != hash || s->family != f || s->status != status)
		return 0;
	for (i = 0; i < n; i++) {
		if (strcmp(s->keys[i], keys[i]) != 0)
			return 0;
	}
	return 1;
}

/*
 * Make a series with copies of its labels, in one allocation (with the
 * histogram's buckets), and append it to its family. NULL if out of memory.
 */
static struct metrics_series *
metrics_series_new(struct metrics *m, enum metrics_family f,
    const char *const *keys, size_t n, int status, uint32_t hash)
{
	struct metrics_series *s;
	size_t len[METRICS_KEYS_MAX], size = sizeof *s, nb = 0, i;
	char *p;

	if (metrics_families[f].buckets != NULL)
		nb = metrics_families[f].nbuckets + 1;
	size += nb * sizeof *s->buckets;
	for (i = 0; i < n; i++) {
		len[i] = strlen(keys[i]) + 1;
		size += len[i];
	}
	s = calloc(1, size);
	if (s == NULL)
		return NULL;
	s->family = f;
	s->hash = hash;
	s->status = status;
	p = (char *)(s + 1);
	if (nb > 0) {
		s->buckets = (uint64_t *)p;
		p += nb * sizeof *s->buckets;
	}
	for (i = 0; i < n; i++) {
		memcpy(p, keys[i], len[i]);
		s->keys[i] = p;
		p += len[i];
	}
	*m->tail[f] = s;
	m->tail[f] = &s->next;
	return s;
}

/* Double the table; on failure keep the old one (it still has room). */
static void
metrics_grow(struct metrics *m)
{
	struct metrics_series **slots, *s;
	size_t nslots = m->nslots * 2, i, j;

	slots = calloc(nslots, sizeof *slots);
	if (slots == NULL)
		return;
	for (i = 0; i < m->nslots; i++) {
		if ((s = m->slots[i]) == NULL)
			continue;
		for (j = s->hash & (nslots - 1); slots[j] != NULL;
		     j = (j + 1) & (nslots - 1))
			;
		slots[j] = s;
	}
	free(m->slots);
	m->slots = slots;
	m->nslots = nslots;
}

/* The family's overflow series, made on first use; NULL if out of memory. */
static struct metrics_series *
metrics_overflow(struct metrics *m, enum metrics_family f)
{
	const char *keys[METRICS_KEYS_MAX];
	struct metrics_series *s;
	size_t i, n = metrics_families[f].nkeys;

	if (m->overflow[f] != NULL)
		return m->overflow[f];
	for (i = 0; i < n; i++)
		keys[i] = METRICS_OVERFLOW;
	s = metrics_series_new(m, f, keys, n, 0, 0);
	if (s != NULL)
		s->overflow = 1;
	return m->overflow[f] = s;
}

/*
 * The series of family f with these labels (NULL labels read as ""):
 * found, or made if it is new. Past METRICS_SERIES_MAX series (or out of
 * memory) the family's overflow series; NULL if even that cannot be made.
 */
static struct metrics_series *
metrics_find(struct metrics *m, enum metrics_family f, const char *k0,
    const char *k1, const char *k2, int status)
{
	const char *keys[METRICS_KEYS_MAX] = { k0 != NULL ? k0 : "",
		k1 != NULL ? k1 : "", k2 != NULL ? k2 : "" };
	size_t n = metrics_families[f].nkeys, mask = m->nslots - 1, i;
	struct metrics_series *s;
	uint32_t hash;

	hash = metrics_hash(f, keys, n, status);
	for (i = hash & mask; (s = m->slots[i]) != NULL; i = (i + 1) & mask) {
		if (metrics_same(s, f, hash, keys, n, status))
			return s;
	}
	if (m->nseries >= METRICS_SERIES_MAX)
		return metrics_overflow(m, f);
	s = metrics_series_new(m, f, keys, n, status, hash);
	if (s == NULL)
		return metrics_overflow(m, f);
	m->slots[i] = s;
	m->nseries++;
	if (m->nseries * 2 >= m->nslots)
		metrics_grow(m);
	return s;
}

/* Add one to a counter series. */
static void
metrics_count(struct metrics *m, enum metrics_family f, const char *k0,
    const char *k1, const char *k2)
{
	struct metrics_series *s;

	if (m == NULL)
		return;
	if ((s = metrics_find(m, f, k0, k1, k2, 0)) != NULL)
		s->count++;
}

void
metrics_connection(struct metrics *m, const char *service, const char *outcome)
{
	metrics_count(m, MF_CONNECTIONS, service, outcome, NULL);
}

void
metrics_tls_handshake(
    struct metrics *m, const char *service, const char *outcome)
{
	metrics_count(m, MF_TLS, service, outcome, NULL);
}

void
metrics_hello(struct metrics *m, const char *service, const char *outcome)
{
	metrics_count(m, MF_HELLOS, service, outcome, NULL);
}

void
metrics_upstream_dial(
    struct metrics *m, const char *service, const char *outcome)
{
	metrics_count(m, MF_UPSTREAM_DIALS, service, outcome, NULL);
}

void
metrics_proxied_bytes(
    struct metrics *m, const char *service, const char *direction, uint64_t n)
{
	struct metrics_series *s;

	if (m == NULL || n == 0)
		return;
	if ((s = metrics_find(
	         m, MF_PROXIED_BYTES, service, direction, NULL, 0)) != NULL)
		s->count += n;
}

void
metrics_fault(
    struct metrics *m, const char *service, const char *layer, const char *type)
{
	metrics_count(m, MF_FAULTS, service, layer, type);
}

/* Put one duration in a histogram series. */
static void
metrics_observe(struct metrics_series *h, uint64_t us)
{
	const struct metrics_family_def *d = &metrics_families[h->family];
	size_t i;

	for (i = 0; i < d->nbuckets && us > d->buckets[i].us; i++)
		;
	h->buckets[i]++;
	h->count++;
	h->sum_us += us;
}

void
metrics_request(struct metrics *m, const char *service, const char *route,
    int status, uint64_t duration_us)
{
	struct metrics_series *s, *h;

	if (m == NULL)
		return;
	if ((s = metrics_find(m, MF_REQUESTS, service, route, NULL, status)) ==
	    NULL)
		return;
	s->count++;
	if (status == 0)
		return;
	/* The overflow series mixes services: it cannot keep one's. */
	h = s->hist;
	if (h == NULL) {
		h = metrics_find(m, MF_DURATION, service, NULL, NULL, 0);
		if (!s->overflow)
			s->hist = h;
	}
	if (h != NULL)
		metrics_observe(h, duration_us);
}

/* Put one duration in a service's series of a histogram family. */
static void
metrics_time(
    struct metrics *m, enum metrics_family f, const char *service, uint64_t us)
{
	struct metrics_series *h;

	if (m == NULL)
		return;
	if ((h = metrics_find(m, f, service, NULL, NULL, 0)) != NULL)
		metrics_observe(h, us);
}

void
metrics_hold(
    struct metrics *m, const char *service, uint64_t late_us, uint64_t write_us)
{
	metrics_time(m, MF_HOLD_LATENESS, service, late_us);
	metrics_time(m, MF_WRITE_LAG, service, write_us);
}

void
metrics_phase_changed(struct metrics *m)
{
	if (m == NULL)
		return;
	m->phase_changes++;
}

/* Append a label value escaped as the text format says: \\, \" and \n. */
static void
metrics_escape(struct evbuffer *out, const char *v)
{
	const char *p;

	for (p = v; *p != '\0'; p++) {
		if (*p != '\\' && *p != '"' && *p != '\n')
			continue;
		evbuffer_add(out, v, (size_t)(p - v));
		evbuffer_add(out,
		    *p == '\n'      ? "\\n"
		        : *p == '"' ? "\\\""
		                    : "\\\\",
		    2);
		v = p + 1;
	}
	evbuffer_add(out, v, (size_t)(p - v));
}

/*
 * Append "{k="v",...}" for a series' labels, and le="..." if le is not
 * NULL; nothing for a series without labels.
 */
static void
metrics_labels(
    struct evbuffer *out, const struct metrics_series *s, const char *le)
{
	const struct metrics_family_def *d = &metrics_families[s->family];
	size_t i;

	if (d->nkeys == 0 && !d->status && le == NULL)
		return;
	evbuffer_add(out, "{", 1);
	for (i = 0; i < d->nkeys; i++) {
		evbuffer_add_printf(
		    out, "%s%s=\"", i > 0 ? "," : "", d->keys[i]);
		metrics_escape(out, s->keys[i]);
		evbuffer_add(out, "\"", 1);
	}
	if (d->status && s->overflow)
		evbuffer_add_printf(out, ",status=\"%s\"", METRICS_OVERFLOW);
	else if (d->status)
		evbuffer_add_printf(out, ",status=\"%d\"", s->status);
	if (le != NULL)
		evbuffer_add_printf(
		    out, "%sle=\"%s\"", d->nkeys > 0 ? "," : "", le);
	evbuffer_add(out, "}", 1);
}

/* One gauge sample with a single label. */
static void
metrics_gauge(struct evbuffer *out, enum metrics_family f, const char *v,
    unsigned long long value)
{
	const struct metrics_family_def *d = &metrics_families[f];

	evbuffer_add_printf(out, "%s{%s=\"", d->name, d->keys[0]);
	metrics_escape(out, v);
	evbuffer_add_printf(out, "\"} %llu\n", value);
}

/* A histogram series: cumulative buckets up to +Inf, its sum and count. */
static void
metrics_render_histogram(struct evbuffer *out, const struct metrics_series *s)
{
	const struct metrics_family_def *d = &metrics_families[s->family];
	const char *name = d->name;
	uint64_t cum = 0;
	size_t i;

	for (i = 0; i <= d->nbuckets; i++) {
		cum += s->buckets[i];
		evbuffer_add_printf(out, "%s_bucket", name);
		metrics_labels(
		    out, s, i < d->nbuckets ? d->buckets[i].le : "+Inf");
		evbuffer_add_printf(out, " %llu\n", (unsigned long long)cum);
	}
	evbuffer_add_printf(out, "%s_sum", name);
	metrics_labels(out, s, NULL);
	evbuffer_add_printf(out, " %llu.%06llu\n",
	    (unsigned long long)(s->sum_us / 1000000),
	    (unsigned long long)(s->sum_us % 1000000));
	evbuffer_add_printf(out, "%s_count", name);
	metrics_labels(out, s, NULL);
	evbuffer_add_printf(out, " %llu\n", (unsigned long long)s->count);
}

/* The gauges' samples as g tells them: open connections, the phase. */
static void
metrics_render_gauges(
    struct evbuffer *out, enum metrics_family f, const struct metrics_gauges *g)
{
	size_t i;

	if (g == NULL)
		return;
	if (f == MF_CONNECTIONS_OPEN) {
		for (i = 0; i < g->nservices; i++)
			metrics_gauge(out, f, g->services[i], g->open[i]);
		return;
	}
	for (i = 0; i < g->nphases; i++)
		metrics_gauge(out, f, g->phases[i], i == g->phase);
}

/*
 * Toxiproxy's names for a proxy's bytes, so its dashboards read standin:
 * toxiproxy_proxy_{received,sent}_bytes_total{direction, listener, proxy,
 * upstream}. standin counts a proxy's bytes once, where it passes them
 * on; both names carry that count.
 */
static void
metrics_render_toxiproxy(
    struct metrics *m, const struct metrics_gauges *g, struct evbuffer *out)
{
	static const char *const names[] = {
		"toxiproxy_proxy_received_bytes_total",
		"toxiproxy_proxy_sent_bytes_total",
	};
	const struct metrics_series *s;
	size_t n, i;

	if (g == NULL || g->listeners == NULL || g->upstreams == NULL)
		return;
	for (n = 0; n < nitems(names); n++) {
		evbuffer_add_printf(out,
		    "# HELP %s Bytes a proxy %s, by direction (Toxiproxy's "
		    "name; standin_proxied_bytes_total's count).\n"
		    "# TYPE %s counter\n",
		    names[n], n == 0 ? "received" : "sent", names[n]);
		for (s = m != NULL ? m->head[MF_PROXIED_BYTES] : NULL;
		     s != NULL; s = s->next) {
			for (i = 0; i < g->nservices; i++) {
				if (strcmp(g->services[i], s->keys[0]) == 0)
					break;
			}
			if (i == g->nservices || g->upstreams[i] == NULL)
				continue;
			evbuffer_add_printf(out, "%s{direction=\"", names[n]);
			metrics_escape(out, s->keys[1]);
			evbuffer_add_printf(out, "\",listener=\"");
			metrics_escape(out,
			    g->listeners[i] != NULL ? g->listeners[i] : "");
			evbuffer_add_printf(out, "\",proxy=\"");
			metrics_escape(out, s->keys[0]);
			evbuffer_add_printf(out, "\",upstream=\"");
			metrics_escape(out, g->upstreams[i]);
			evbuffer_add_printf(
			    out, "\"} %llu\n", (unsigned long long)s->count);
		}
	}
}

void
metrics_render(
    struct metrics *m, const struct metrics_gauges *g, struct evbuffer *out)
{
	const struct metrics_family_def *d;
	const struct metrics_series *s;
	size_t f;

	for (f = 0; f < MF_COUNT; f++) {
		d = &metrics_families[f];
		evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n",
		    d->name, d->help, d->name, d->type);
		switch (f) {
		case MF_CONNECTIONS_OPEN:
		case MF_PHASE:
			metrics_render_gauges(out, f, g);
			continue;
		case MF_PHASE_CHANGES:
			evbuffer_add_printf(out, "%s %llu\n", d->name,
			    (unsigned long long)(m != NULL ? m->phase_changes
			                                   : 0));
			continue;
		default:
			break;
		}
		for (s = m != NULL ? m->head[f] : NULL; s != NULL;
		     s = s->next) {
			if (d->buckets != NULL) {
				metrics_render_histogram(out, s);
				continue;
			}
			evbuffer_add(out, d->name, strlen(d->name));
			metrics_labels(out, s, NULL);
			evbuffer_add_printf(
			    out, " %llu\n", (unsigned long long)s->count);
		}
	}
	metrics_render_toxiproxy(m, g, out);
}

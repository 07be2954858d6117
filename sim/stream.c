/*
 * stream.c: stream faults on the bytes of one connection.
 *
 * Bytes written by the layer above (downstream) or read from the client
 * (upstream) enter a staging buffer; an evbuffer callback notes each
 * write as a chunk with the time it may leave (now, or now plus a latency
 * draw). Releasing walks the chunks in order: a slicer hands out one small
 * piece per gap, corrupt flips bits on the way, limit_data stops at its
 * count, timeout and reset_peer drop everything. Bandwidth is libevent's
 * own rate limiting on the socket.
 *
 * A live stream (a service with live_stream_faults) stages both
 * directions whatever its faults, so that they can change under an open
 * connection (stream_update) without the layers above seeing other
 * buffers: Toxiproxy's toxics act on open connections that way.
 *
 * A step of the pipeline (pipeline.h) between a connection's socket and
 * its protocol: conn.c makes one when stream faults apply and points the
 * protocol's buffers at it; it tells the connection back only through
 * the callbacks conn.c lends it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "clock.h"
#include "delay.h"
#include "fault.h"
#include "rng.h"
#include "stream.h"
#include "util.h"

/*
 * Past this much in the socket's output, downstream releases wait for it
 * to drain: staged bytes then stay staged, where the far end sees them
 * (a proxy's upstream stops reading), not in an output without bound.
 */
#define STREAM_OUT_HIGH (1024 * 1024)

/* A write waiting in the staging buffer, and when it may leave. */
struct stream_chunk {
	uint64_t release_us;
	size_t len;
};

/* The faults one direction applies, one of each. */
enum stream_slot {
	SLOT_LATENCY,
	SLOT_SLICER,
	SLOT_LIMIT,
	SLOT_CORRUPT,
	SLOT_TIMEOUT,
	SLOT_RESET,
	SLOT_N
};

/* One direction of a stream. */
struct stream_dir {
	struct stream *stream;
	int upstream;
	const struct fault_conf *f[SLOT_N]; /* NULL: not applied */
	/*
	 * Copies of the faults above: a connection outlives a reload that
	 * frees its scenario. Only their kinds and scalar parameters are read.
	 */
	struct fault_conf copies[SLOT_N];
	struct evbuffer *staged; /* bytes in order, not yet released */
	struct evbuffer *to; /* where released bytes go */
	struct stream_chunk *q; /* a ring of chunks over staged */
	size_t qhead, qlen, qcap;
	uint64_t passed; /* bytes let through while limit_data applied */
	int limited;
	int full; /* downstream: releasing waits for the output to drain */
	int reset_due; /* reset_peer saw bytes: the reset waits on reset_at */
	struct event *timer; /* the next release */
	struct event *timeout_at; /* the timeout fault's close */
	struct event *reset_at; /* reset_peer's reset */
};

struct stream {
	struct bufferevent *bev;
	struct rng *rng;
	struct stream_callbacks cb;
	int live;
	struct stream_dir up, down;
	struct evbuffer *input; /* upstream bytes released to HTTP */
	struct evbuffer_cb_entry *out_cb; /* on the socket's output */
	const struct fault_conf *slow_close;
	struct fault_conf slow_close_copy; /* as copies[] above */
	struct ev_token_bucket_cfg *rate;
	size_t rate_up, rate_down; /* per tick; EV_RATE_LIMIT_MAX: none */
	struct event *close_timer;
	int close_held;
};

static void stream_release(struct stream_dir *);

/* Does the fault apply to this direction? */
static int
stream_dir_wants(const struct fault_conf *f, int upstream)
{
	return f->direction == FAULT_DIR_BOTH ||
	    (upstream ? f->direction == FAULT_DIR_UPSTREAM
	              : f->direction == FAULT_DIR_DOWNSTREAM);
}

/* The slot of a direction's fault type, or -1 (not a direction's). */
static int
stream_slot(enum fault_type type)
{
	switch (type) {
	case FAULT_LATENCY:
		return SLOT_LATENCY;
	case FAULT_SLICER:
		return SLOT_SLICER;
	case FAULT_LIMIT_DATA:
		return SLOT_LIMIT;
	case FAULT_CORRUPT:
		return SLOT_CORRUPT;
	case FAULT_STREAM_TIMEOUT:
		return SLOT_TIMEOUT;
	case FAULT_RESET_PEER:
		return SLOT_RESET;
	default:
		return -1;
	}
}

/* The faults of one direction: the first of each type. */
static void
stream_dir_pick(const struct fault_conf *const *faults, size_t n, int upstream,
    const struct fault_conf **out)
{
	size_t i;
	int k;

	memset(out, 0, SLOT_N * sizeof *out);
	for (i = 0; i < n; i++) {
		if (!stream_dir_wants(faults[i], upstream) ||
		    (k = stream_slot(faults[i]->kind->type)) == -1)
			continue;
		if (out[k] == NULL)
			out[k] = faults[i];
	}
}

/* Does a direction's fault do what it did (the same type and values)? */
static int
stream_same(const struct fault_conf *a, const struct fault_conf *b)
{
	const struct delay *x, *y;

	if (a == NULL || b == NULL)
		return a == b;
	if (a->kind != b->kind)
		return 0;
	switch (a->kind->type) {
	case FAULT_LATENCY:
		x = &a->args.latency.latency;
		y = &b->args.latency.latency;
		return x->dist == y->dist && x->a == y->a && x->b == y->b &&
		    x->sigma == y->sigma &&
		    a->args.latency.jitter_us == b->args.latency.jitter_us;
	case FAULT_SLICER:
		return a->args.slicer.size == b->args.slicer.size &&
		    a->args.slicer.variation == b->args.slicer.variation &&
		    a->args.slicer.delay_us == b->args.slicer.delay_us;
	case FAULT_STREAM_TIMEOUT:
		return a->args.stream_timeout.timeout_us ==
		    b->args.stream_timeout.timeout_us;
	default:
		return 1;
	}
}

/* Does the direction throw its bytes away (timeout, a due reset)? */
static int
stream_dropping(const struct stream_dir *d)
{
	return d->f[SLOT_TIMEOUT] != NULL || d->reset_due;
}

/* Throw away everything staged. */
static void
stream_drop(struct stream_dir *d)
{
	evbuffer_drain(d->staged, evbuffer_get_length(d->staged));
	d->qlen = 0;
}

/*
 * Stop passing bytes in this direction (limit_data reached, or out of
 * memory) and tell the connection once, which ends it.
 */
static void
stream_stop(struct stream_dir *d)
{
	struct stream *s = d->stream;

	stream_drop(d);
	if (d->limited < 2 && s->cb.limit != NULL) {
		d->limited = 2; /* tell once */
		s->cb.limit(s->cb.arg);
	}
}

/* A write entered the staging buffer: queue it as a chunk. */
static void
stream_staged_cb(
    struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct stream_dir *d = arg;
	const struct fault_conf *lat = d->f[SLOT_LATENCY];
	struct stream_chunk *ch;
	uint64_t delay = 0, jitter;
	int64_t j;

	(void)buf;
	if (info->n_added == 0)
		return;
	if (d->qlen == d->qcap) {
		struct stream_chunk *q;
		size_t i, cap = d->qcap == 0 ? 16 : d->qcap * 2;

		if ((q = calloc(cap, sizeof *q)) == NULL) {
			/* Out of memory: this connection cannot go on. */
			stream_stop(d);
			return;
		}
		for (i = 0; i < d->qlen; i++)
			q[i] = d->q[(d->qhead + i) % d->qcap];
		free(d->q);
		d->q = q;
		d->qhead = 0;
		d->qcap = cap;
	}
	if (lat != NULL && !stream_dropping(d)) {
		delay =
		    delay_sample(&lat->args.latency.latency, d->stream->rng);
		jitter = lat->args.latency.jitter_us;
		if (jitter > 0) {
			j = (int64_t)(rng_uniform(d->stream->rng) * 2 *
			        (double)jitter) -
			    (int64_t)jitter;
			delay = j < 0 && (uint64_t)-j > delay ? 0 : delay + j;
		}
	}
	ch = &d->q[(d->qhead + d->qlen) % d->qcap];
	ch->release_us = clock_now_us() + delay;
	ch->len = info->n_added;
	d->qlen++;
	if (d->qlen == 1)
		stream_release(d);
}

/* Flip one bit of each byte with the corrupt fault's probability. */
static void
stream_corrupt(struct stream_dir *d, unsigned char *p, size_t n)
{
	double rate = d->f[SLOT_CORRUPT]->args.corrupt.rate;
	size_t i;

	for (i = 0; i < n; i++) {
		if (rng_uniform(d->stream->rng) < rate)
			p[i] ^= (unsigned char)(1u
			    << (rng_next(d->stream->rng) % 8));
	}
}

/* Move n bytes from staged to the destination, corrupting if asked. */
static void
stream_move(struct stream_dir *d, size_t n)
{
	unsigned char *tmp;

	if (d->f[SLOT_CORRUPT] == NULL) {
		evbuffer_remove_buffer(d->staged, d->to, n);
		return;
	}
	tmp = malloc(n);
	if (tmp == NULL) {
		evbuffer_remove_buffer(d->staged, d->to, n);
		return;
	}
	evbuffer_remove(d->staged, tmp, n);
	stream_corrupt(d, tmp, n);
	evbuffer_add(d->to, tmp, n);
	free(tmp);
}

/* The size of the slicer's next piece. */
static size_t
stream_piece(struct stream_dir *d)
{
	int64_t size = d->f[SLOT_SLICER]->args.slicer.size;
	int64_t var = d->f[SLOT_SLICER]->args.slicer.variation;

	if (var > 0)
		size += (int64_t)(rng_next(d->stream->rng) %
		            (uint64_t)(2 * var + 1)) -
		    var;
	return size < 1 ? 1 : (size_t)size;
}

/*
 * reset_peer saw its first bytes: from now on the direction drops, and
 * the reset comes after its timeout.
 */
static void
stream_reset_start(struct stream_dir *d)
{
	struct timeval tv =
	    clock_tv(d->f[SLOT_RESET]->args.reset_peer.timeout_us);

	d->reset_due = 1;
	evtimer_add(d->reset_at, &tv);
}

/* How many of n bytes limit_data lets through (1 in *last: the last). */
static size_t
stream_allowed(struct stream_dir *d, size_t n, int *last)
{
	uint64_t bytes = (uint64_t)d->f[SLOT_LIMIT]->args.limit_data.bytes;
	uint64_t left = d->passed < bytes ? bytes - d->passed : 0;

	*last = 0;
	if ((uint64_t)n >= left) {
		*last = 1;
		return (size_t)left;
	}
	return n;
}

/* Release what is due; arm the timer for what is not. */
static void
stream_release(struct stream_dir *d)
{
	struct stream *s = d->stream;
	struct stream_chunk *ch;
	struct timeval tv;
	uint64_t now = clock_now_us();
	size_t n, moved = 0, piece;
	int last;

	if (d->qlen > 0 && !stream_dropping(d) && d->f[SLOT_RESET] != NULL &&
	    d->q[d->qhead].release_us <= now)
		stream_reset_start(d); /* its first bytes */
	if (stream_dropping(d))
		stream_drop(d);
	d->full = 0;
	while (d->qlen > 0 && !d->limited) {
		ch = &d->q[d->qhead];
		if (ch->release_us > now) {
			tv = clock_tv(ch->release_us - now);
			evtimer_add(d->timer, &tv);
			break;
		}
		if (!d->upstream &&
		    evbuffer_get_length(d->to) >= STREAM_OUT_HIGH) {
			d->full = 1; /* stream_out_cb goes on */
			break;
		}
		n = ch->len;
		if (d->f[SLOT_SLICER] != NULL) {
			piece = stream_piece(d);
			if (piece < n)
				n = piece;
		}
		if (d->f[SLOT_LIMIT] != NULL) {
			n = stream_allowed(d, n, &last);
			if (last)
				d->limited = 1;
		}
		stream_move(d, n);
		d->passed += n;
		moved += n;
		ch->len -= n;
		if (ch->len == 0) {
			d->qhead = (d->qhead + 1) % d->qcap;
			d->qlen--;
		} else if (d->f[SLOT_SLICER] != NULL && !d->limited)
			ch->release_us =
			    now + d->f[SLOT_SLICER]->args.slicer.delay_us;
	}
	if (d->limited)
		stream_drop(d);
	if (d->upstream && moved > 0 && s->cb.readable != NULL)
		s->cb.readable(s->cb.arg);
	if (d->limited)
		stream_stop(d);
}

static void
stream_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	stream_release(arg);
}

/* The socket's output drained some: downstream releasing may go on. */
static void
stream_out_cb(
    struct evbuffer *out, const struct evbuffer_cb_info *info, void *arg)
{
	struct stream_dir *d = arg;

	if (info->n_deleted > 0 && d->full &&
	    evbuffer_get_length(out) < STREAM_OUT_HIGH) {
		d->full = 0;
		event_active(d->timer, EV_TIMEOUT, 1); /* from the loop */
	}
}

/* The timeout fault's time is up: close. */
static void
stream_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stream *s = ((struct stream_dir *)arg)->stream;

	(void)fd;
	(void)what;
	if (s->cb.end != NULL)
		s->cb.end(s->cb.arg, 0, "closed by a stream timeout fault");
}

/* reset_peer's time is up: reset. */
static void
stream_reset_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stream *s = ((struct stream_dir *)arg)->stream;

	(void)fd;
	(void)what;
	if (s->cb.end != NULL)
		s->cb.end(s->cb.arg, 1, "reset by a stream reset_peer fault");
}

static void
stream_close_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stream *s = arg;

	(void)fd;
	(void)what;
	if (s->cb.closed != NULL)
		s->cb.closed(s->cb.arg);
}

/*
 * Make a direction's faults these (pick: by slot), from what it had.
 * What latency or slicer held goes at once if they changed; limit_data
 * counts from 0 when it starts to apply; a timeout's clock starts when it
 * starts to apply (or changes); a reset_peer that goes takes its reset
 * with it. Releasing happens from the loop. Returns 1 if a timeout fault
 * stopped applying, else 0.
 */
static int
stream_dir_apply(struct stream_dir *d, const struct fault_conf *const *pick)
{
	const struct fault_conf *was[SLOT_N];
	struct timeval tv;
	uint64_t now = clock_now_us();
	size_t i;
	int ended;

	memcpy(was, d->f, sizeof was);
	for (i = 0; i < SLOT_N; i++) {
		if (pick[i] == NULL) {
			d->f[i] = NULL;
			continue;
		}
		d->copies[i] = *pick[i];
		d->f[i] = &d->copies[i];
	}
	if (!stream_same(was[SLOT_LATENCY], d->f[SLOT_LATENCY]) ||
	    !stream_same(was[SLOT_SLICER], d->f[SLOT_SLICER])) {
		for (i = 0; i < d->qlen; i++)
			d->q[(d->qhead + i) % d->qcap].release_us = now;
	}
	if (was[SLOT_LIMIT] == NULL && d->f[SLOT_LIMIT] != NULL)
		d->passed = 0;
	ended = was[SLOT_TIMEOUT] != NULL && d->f[SLOT_TIMEOUT] == NULL;
	if (!stream_same(was[SLOT_TIMEOUT], d->f[SLOT_TIMEOUT])) {
		evtimer_del(d->timeout_at);
		if (d->f[SLOT_TIMEOUT] != NULL &&
		    d->f[SLOT_TIMEOUT]->args.stream_timeout.timeout_us > 0) {
			tv = clock_tv(
			    d->f[SLOT_TIMEOUT]->args.stream_timeout.timeout_us);
			evtimer_add(d->timeout_at, &tv);
		}
	}
	if (d->f[SLOT_RESET] == NULL && d->reset_due) {
		d->reset_due = 0;
		evtimer_del(d->reset_at);
	}
	if (d->qlen > 0 || d->full)
		event_active(d->timer, EV_TIMEOUT, 1);
	return ended;
}

/*
 * Set up one direction: staged when it has faults (always when live).
 * Returns whether it is staged, or -1 if out of memory.
 */
static int
stream_dir_init(struct stream *s, struct stream_dir *d, int upstream,
    const struct fault_conf *const *faults, size_t n, struct evbuffer *to)
{
	struct event_base *base = bufferevent_get_base(s->bev);
	const struct fault_conf *pick[SLOT_N];
	size_t i;
	int any = 0;

	d->stream = s;
	d->upstream = upstream;
	stream_dir_pick(faults, n, upstream, pick);
	for (i = 0; i < SLOT_N; i++)
		any |= pick[i] != NULL;
	if (!any && !s->live)
		return 0;
	d->staged = evbuffer_new();
	d->timer = evtimer_new(base, stream_timer_cb, d);
	d->timeout_at = evtimer_new(base, stream_timeout_cb, d);
	d->reset_at = evtimer_new(base, stream_reset_cb, d);
	if (d->staged == NULL || d->timer == NULL || d->timeout_at == NULL ||
	    d->reset_at == NULL)
		return -1;
	d->to = to;
	if (evbuffer_add_cb(d->staged, stream_staged_cb, d) == NULL)
		return -1;
	(void)stream_dir_apply(d, pick);
	return 1;
}

/*
 * Make the socket's rate limits what the bandwidth faults say (the first
 * of each direction). Returns whether there are any, or -1 if out of
 * memory.
 */
static int
stream_rate(struct stream *s, const struct fault_conf *const *faults, size_t n)
{
	struct timeval tick = { 0, 100000 }; /* 10 ticks a second */
	struct ev_token_bucket_cfg *cfg = NULL, *old = s->rate;
	size_t up = EV_RATE_LIMIT_MAX, down = EV_RATE_LIMIT_MAX, per, i;

	for (i = 0; i < n; i++) {
		if (faults[i]->kind->type != FAULT_BANDWIDTH)
			continue;
		per = (size_t)faults[i]->args.bandwidth.rate / 10;
		if (per < 1)
			per = 1;
		if (stream_dir_wants(faults[i], 1) && up == EV_RATE_LIMIT_MAX)
			up = per;
		if (stream_dir_wants(faults[i], 0) && down == EV_RATE_LIMIT_MAX)
			down = per;
	}
	if (up == s->rate_up && down == s->rate_down)
		return s->rate != NULL;
	if (up != EV_RATE_LIMIT_MAX || down != EV_RATE_LIMIT_MAX) {
		cfg = ev_token_bucket_cfg_new(up, up, down, down, &tick);
		if (cfg == NULL)
			return -1;
	}
	/* The bufferevent keeps the cfg it is given: free the old after. */
	if (bufferevent_set_rate_limit(s->bev, cfg) == -1) {
		if (cfg != NULL)
			ev_token_bucket_cfg_free(cfg);
		return -1;
	}
	s->rate = cfg;
	s->rate_up = up;
	s->rate_down = down;
	if (old != NULL)
		ev_token_bucket_cfg_free(old);
	return cfg != NULL;
}

/* The first slow_close fault, copied, or none. */
static void
stream_slow_close(
    struct stream *s, const struct fault_conf *const *faults, size_t n)
{
	size_t k;

	s->slow_close = NULL;
	for (k = 0; k < n; k++) {
		if (faults[k]->kind->type == FAULT_SLOW_CLOSE) {
			s->slow_close_copy = *faults[k];
			s->slow_close = &s->slow_close_copy;
			break;
		}
	}
}

struct stream *
stream_new(struct bufferevent *bev, const struct fault_conf *const *faults,
    size_t n, struct rng *rng, const struct stream_callbacks *cb, int live)
{
	struct stream *s;
	int up, down, rate;

	if (n == 0 && !live)
		return NULL;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	s->bev = bev;
	s->rng = rng;
	s->cb = *cb;
	s->live = live;
	s->rate_up = s->rate_down = EV_RATE_LIMIT_MAX;
	s->input = evbuffer_new();
	if (s->input == NULL)
		goto fail;
	up = stream_dir_init(s, &s->up, 1, faults, n, s->input);
	down = stream_dir_init(
	    s, &s->down, 0, faults, n, bufferevent_get_output(bev));
	if (up == -1 || down == -1)
		goto fail;
	if (down == 1 &&
	    (s->out_cb = evbuffer_add_cb(
	         bufferevent_get_output(bev), stream_out_cb, &s->down)) == NULL)
		goto fail;
	if ((rate = stream_rate(s, faults, n)) == -1)
		goto fail;
	stream_slow_close(s, faults, n);
	if (up + down + rate + (s->slow_close != NULL) == 0)
		goto fail; /* nothing to do: no stream */
	s->close_timer =
	    evtimer_new(bufferevent_get_base(bev), stream_close_cb, s);
	if (s->close_timer == NULL)
		goto fail;
	return s;
fail:
	stream_free(s);
	return NULL;
}

int
stream_update(
    struct stream *s, const struct fault_conf *const *faults, size_t n)
{
	const struct fault_conf *pick[SLOT_N];
	int ended;

	if (s == NULL || !s->live)
		return 0;
	stream_dir_pick(faults, n, 1, pick);
	ended = stream_dir_apply(&s->up, pick);
	stream_dir_pick(faults, n, 0, pick);
	ended |= stream_dir_apply(&s->down, pick);
	stream_slow_close(s, faults, n);
	/* A close slow_close held and no longer holds is due now. */
	if (s->close_held && s->slow_close == NULL)
		event_active(s->close_timer, EV_TIMEOUT, 1);
	if (stream_rate(s, faults, n) == -1)
		return -1;
	return ended;
}

/* Free one direction's buffers and timers. */
static void
stream_dir_free(struct stream_dir *d)
{
	if (d->timer != NULL)
		event_free(d->timer);
	if (d->timeout_at != NULL)
		event_free(d->timeout_at);
	if (d->reset_at != NULL)
		event_free(d->reset_at);
	if (d->staged != NULL)
		evbuffer_free(d->staged);
	free(d->q);
}

void
stream_free(struct stream *s)
{
	if (s == NULL)
		return;
	if (s->rate != NULL && s->bev != NULL)
		bufferevent_set_rate_limit(s->bev, NULL);
	if (s->out_cb != NULL)
		evbuffer_remove_cb_entry(
		    bufferevent_get_output(s->bev), s->out_cb);
	stream_dir_free(&s->up);
	stream_dir_free(&s->down);
	if (s->input != NULL)
		evbuffer_free(s->input);
	if (s->close_timer != NULL)
		event_free(s->close_timer);
	if (s->rate != NULL)
		ev_token_bucket_cfg_free(s->rate);
	free(s);
}

struct evbuffer *
stream_output(struct stream *s)
{
	return s != NULL ? s->down.staged : NULL;
}

struct evbuffer *
stream_input(struct stream *s)
{
	return s != NULL && s->up.staged != NULL ? s->input : NULL;
}

void
stream_read(struct stream *s)
{
	struct evbuffer *in = bufferevent_get_input(s->bev);

	if (s->up.limited) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	evbuffer_add_buffer(s->up.staged, in);
}

size_t
stream_input_pending(const struct stream *s)
{
	return s != NULL && s->up.staged != NULL
	    ? evbuffer_get_length(s->up.staged)
	    : 0;
}

size_t
stream_pending(const struct stream *s)
{
	return s != NULL && s->down.staged != NULL
	    ? evbuffer_get_length(s->down.staged)
	    : 0;
}

int
stream_eof_closes(const struct stream *s)
{
	return s != NULL && s->up.f[SLOT_TIMEOUT] != NULL;
}

int
stream_hold_close(struct stream *s)
{
	struct timeval tv;

	if (s == NULL || s->slow_close == NULL || s->close_held)
		return 0;
	s->close_held = 1;
	tv = clock_tv(s->slow_close->args.slow_close.delay_us);
	evtimer_add(s->close_timer, &tv);
	return 1;
}

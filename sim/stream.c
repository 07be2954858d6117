/*
 * stream.c: stream faults on the bytes of one connection.
 *
 * Bytes written by the layer above (downstream) or read from the client
 * (upstream) enter a staging buffer; an evbuffer callback notes each
 * write as a chunk with the time it may leave (now, or now plus a latency
 * draw). Releasing walks the chunks in order: a slicer hands out one small
 * piece per gap, corrupt flips bits on the way, limit_data stops at its
 * count. Bandwidth is libevent's own rate limiting on the socket.
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

/* A write waiting in the staging buffer, and when it may leave. */
struct stream_chunk {
	uint64_t release_us;
	size_t len;
};

/* One direction of a stream. */
struct stream_dir {
	struct stream *stream;
	int upstream;
	const struct fault_conf *latency, *slicer, *limit, *corrupt;
	/*
	 * Copies of the faults above: a connection outlives a reload that
	 * frees its scenario. Only their kinds and scalar parameters are read.
	 */
	struct fault_conf copies[4];
	struct evbuffer *staged; /* bytes in order, not yet released */
	struct evbuffer *to; /* where released bytes go */
	struct stream_chunk *q; /* a ring of chunks over staged */
	size_t qhead, qlen, qcap;
	uint64_t passed;
	int limited;
	struct event *timer;
};

struct stream {
	struct bufferevent *bev;
	struct rng *rng;
	struct stream_callbacks cb;
	struct stream_dir up, down;
	struct evbuffer *input; /* upstream bytes released to HTTP */
	const struct fault_conf *slow_close;
	struct fault_conf slow_close_copy; /* as copies[] above */
	struct ev_token_bucket_cfg *rate;
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

/*
 * Stop passing bytes in this direction (limit_data reached, or out of
 * memory) and tell the connection once, which ends it.
 */
static void
stream_stop(struct stream_dir *d)
{
	struct stream *s = d->stream;

	evbuffer_drain(d->staged, evbuffer_get_length(d->staged));
	d->qlen = 0;
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
	if (d->latency != NULL) {
		delay = delay_sample(
		    &d->latency->args.latency.latency, d->stream->rng);
		jitter = d->latency->args.latency.jitter_us;
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
	double rate = d->corrupt->args.corrupt.rate;
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

	if (d->corrupt == NULL) {
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
	int64_t size = d->slicer->args.slicer.size;
	int64_t var = d->slicer->args.slicer.variation;

	if (var > 0)
		size += (int64_t)(rng_next(d->stream->rng) %
		            (uint64_t)(2 * var + 1)) -
		    var;
	return size < 1 ? 1 : (size_t)size;
}

/* Release what is due; arm the timer for what is not. */
static void
stream_release(struct stream_dir *d)
{
	struct stream *s = d->stream;
	struct stream_chunk *ch;
	struct timeval tv;
	uint64_t now = clock_now_us();
	size_t n, moved = 0, allowed, piece;

	while (d->qlen > 0 && !d->limited) {
		ch = &d->q[d->qhead];
		if (ch->release_us > now) {
			tv = clock_tv(ch->release_us - now);
			evtimer_add(d->timer, &tv);
			break;
		}
		n = ch->len;
		if (d->slicer != NULL) {
			piece = stream_piece(d);
			if (piece < n)
				n = piece;
		}
		if (d->limit != NULL) {
			allowed =
			    (size_t)d->limit->args.limit_data.bytes - d->passed;
			if (n >= allowed) {
				n = allowed;
				d->limited = 1;
			}
		}
		stream_move(d, n);
		d->passed += n;
		moved += n;
		ch->len -= n;
		if (ch->len == 0) {
			d->qhead = (d->qhead + 1) % d->qcap;
			d->qlen--;
		} else if (d->slicer != NULL && !d->limited)
			ch->release_us = now + d->slicer->args.slicer.delay_us;
	}
	if (d->limited) {
		evbuffer_drain(d->staged, evbuffer_get_length(d->staged));
		d->qlen = 0;
	}
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

static void
stream_close_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stream *s = arg;

	(void)fd;
	(void)what;
	if (s->cb.closed != NULL)
		s->cb.closed(s->cb.arg);
}

/* Set up one direction; returns whether it shapes anything. */
static int
stream_dir_init(struct stream *s, struct stream_dir *d, int upstream,
    const struct fault_conf *const *faults, size_t n, struct evbuffer *to)
{
	const struct fault_conf **slot;
	size_t i, k = 0;

	d->stream = s;
	d->upstream = upstream;
	for (i = 0; i < n; i++) {
		if (!stream_dir_wants(faults[i], upstream))
			continue;
		switch (faults[i]->kind->type) {
		case FAULT_LATENCY:
			slot = &d->latency;
			break;
		case FAULT_SLICER:
			slot = &d->slicer;
			break;
		case FAULT_LIMIT_DATA:
			slot = &d->limit;
			break;
		case FAULT_CORRUPT:
			slot = &d->corrupt;
			break;
		default:
			continue;
		}
		if (*slot == NULL) {
			d->copies[k] = *faults[i];
			*slot = &d->copies[k++];
		}
	}
	if (d->latency == NULL && d->slicer == NULL && d->limit == NULL &&
	    d->corrupt == NULL)
		return 0;
	d->staged = evbuffer_new();
	d->timer =
	    evtimer_new(bufferevent_get_base(s->bev), stream_timer_cb, d);
	if (d->staged == NULL || d->timer == NULL)
		return -1;
	d->to = to;
	evbuffer_add_cb(d->staged, stream_staged_cb, d);
	return 1;
}

/* Turn bandwidth faults into libevent rate limits on the socket. */
static int
stream_rate(struct stream *s, const struct fault_conf *const *faults, size_t n)
{
	struct timeval tick = { 0, 100000 }; /* 10 ticks a second */
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
	if (up == EV_RATE_LIMIT_MAX && down == EV_RATE_LIMIT_MAX)
		return 0;
	s->rate = ev_token_bucket_cfg_new(up, up, down, down, &tick);
	if (s->rate == NULL ||
	    bufferevent_set_rate_limit(s->bev, s->rate) == -1)
		return -1;
	return 1;
}

struct stream *
stream_new(struct bufferevent *bev, const struct fault_conf *const *faults,
    size_t n, struct rng *rng, const struct stream_callbacks *cb)
{
	struct stream *s;
	int up, down, rate, i;
	size_t k;

	if (n == 0)
		return NULL;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	s->bev = bev;
	s->rng = rng;
	s->cb = *cb;
	s->input = evbuffer_new();
	if (s->input == NULL)
		goto fail;
	up = stream_dir_init(s, &s->up, 1, faults, n, s->input);
	down = stream_dir_init(
	    s, &s->down, 0, faults, n, bufferevent_get_output(bev));
	rate = stream_rate(s, faults, n);
	for (k = 0; k < n; k++) {
		if (faults[k]->kind->type == FAULT_SLOW_CLOSE &&
		    s->slow_close == NULL) {
			s->slow_close_copy = *faults[k];
			s->slow_close = &s->slow_close_copy;
		}
	}
	if (up == -1 || down == -1 || rate == -1)
		goto fail;
	i = up + down + rate + (s->slow_close != NULL);
	if (i == 0)
		goto fail;
	s->close_timer =
	    evtimer_new(bufferevent_get_base(bev), stream_close_cb, s);
	if (s->close_timer == NULL)
		goto fail;
	return s;
fail:
	stream_free(s);
	return NULL;
}

/* Free one direction's buffers and timer. */
static void
stream_dir_free(struct stream_dir *d)
{
	if (d->timer != NULL)
		event_free(d->timer);
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

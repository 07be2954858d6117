/*
 * conn.c: a client connection's life: accepted, (TLS,) read, handed down,
 * closed. It owns the socket's bufferevent and the connection's one state
 * machine; the protocol below (proto_ops, pipeline.h) sees only the link
 * it lends and says what to do next by the flow it returns.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <errno.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "clock.h"
#include "conn.h"
#include "delay.h"
#include "inject.h"
#include "journal.h"
#include "log.h"
#include "metrics.h"
#include "scenario.h"
#include "service.h"
#include "stream.h"
#include "tls.h"
#include "util.h"

/* How often a service's connections are looked over for idleness. */
#define CONN_SWEEP_SEC 1

/* How long a connect fault's reset or close waits for the client. */
#define CONN_FAULT_WAIT_USEC 200000

/* Most stream faults one connection takes (one per type and direction). */
#define CONN_STREAM_FAULTS_MAX 16

/* What one direct read asks the kernel for at most. */
#define CONN_READ_CHUNK (16 * 1024)

static const char *const conn_state_names[] = {
	[CONN_TLS_HOLD] = "tls-hold",
	[CONN_TLS] = "tls",
	[CONN_READING] = "reading",
	[CONN_BLOCKED] = "blocked",
	[CONN_WAITING] = "waiting",
	[CONN_DRAINING] = "draining",
	[CONN_RESETTING] = "resetting",
	[CONN_LINGERING] = "lingering",
	[CONN_BLACKHOLE] = "blackhole",
	[CONN_FAULT_RESET] = "fault-reset",
	[CONN_FAULT_CLOSE] = "fault-close",
	[CONN_CLOSED] = "closed",
};

/* The state a connect fault's ending starts the connection in. */
static const enum conn_state conn_accept_states[] = {
	[FAULT_ACCEPT_SERVE] = CONN_READING,
	[FAULT_ACCEPT_RESET] = CONN_FAULT_RESET,
	[FAULT_ACCEPT_CLOSE] = CONN_FAULT_CLOSE,
	[FAULT_ACCEPT_BLACKHOLE] = CONN_BLACKHOLE,
};

static void conn_read_cb(struct bufferevent *, void *);
static void conn_write_cb(struct bufferevent *, void *);
static void conn_event_cb(struct bufferevent *, short, void *);
static void conn_wake(struct link *, enum flow);
static void conn_peer_eof(struct conn *);

const char *
conn_state_name(enum conn_state state)
{
	return conn_state_names[state];
}

/* Is the connection one a connect fault took over (no protocol)? */
static int
conn_is_fault(const struct conn *c)
{
	return c->state == CONN_BLACKHOLE || c->state == CONN_FAULT_RESET ||
	    c->state == CONN_FAULT_CLOSE;
}

/* Format a peer address as "HOST:PORT". */
static void
conn_peer_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
	} else
		snprintf(buf, len, "local");
}

/* Bytes written and not yet handed to the kernel. */
static size_t
conn_pending(struct conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev)) +
	    stream_pending(c->stream);
}

/*
 * Point the link at the buffers the protocol reads and writes: the
 * stream's, where stream faults shape a direction, else the socket's.
 */
static void
conn_link_buffers(struct conn *c)
{
	struct evbuffer *i = stream_input(c->stream);
	struct evbuffer *o = stream_output(c->stream);

	c->link.in = i != NULL ? i : bufferevent_get_input(c->bev);
	c->link.out = o != NULL ? o : bufferevent_get_output(c->bev);
}

/*
 * Read, or stop reading, as the state says. A direct connection's own
 * read event is added only while reading is wanted and its input is not
 * full (the bufferevent's read watermark does that for the others).
 */
static void
conn_reading(struct conn *c, int on)
{
	if (!c->direct) {
		if (on)
			bufferevent_enable(c->bev, EV_READ);
		else
			bufferevent_disable(c->bev, EV_READ);
		return;
	}
	c->rd_on = on;
	if (on && !c->rd_full) {
		if (!event_pending(c->rd, EV_READ, NULL))
			event_add(c->rd, NULL);
	} else
		event_del(c->rd);
}

/* A direct connection's input fell below the limit: read again. */
static void
conn_input_room(struct conn *c)
{
	if (c->direct && c->rd_full &&
	    evbuffer_get_length(bufferevent_get_input(c->bev)) <
	        CONN_INPUT_HIGH) {
		c->rd_full = 0;
		conn_reading(c, c->rd_on);
	}
}

static void conn_read_cb(struct bufferevent *, void *);
static void conn_write_cb(struct bufferevent *, void *);

/* Is a failed read or write one to try again later? */
static int
conn_retry(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

/*
 * A direct connection's socket is readable: one recv() into the
 * bufferevent's input (whose end libevent keeps frozen for its own
 * reads), then on as if the bufferevent had read it.
 */
static void
conn_direct_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer_iovec v;
	char reason[160];
	ssize_t n = -1;

	(void)what;
	evbuffer_unfreeze(in, 0);
	if (evbuffer_reserve_space(in, CONN_READ_CHUNK, &v, 1) == 1) {
		n = recv(fd, v.iov_base, v.iov_len, 0);
		v.iov_len = n > 0 ? (size_t)n : 0;
		evbuffer_commit_space(in, &v, 1);
	} else
		errno = ENOMEM;
	evbuffer_freeze(in, 0);
	if (n < 0 && conn_retry(errno))
		return;
	if (n < 0) {
		snprintf(reason, sizeof reason, "socket error: %s",
		    evutil_socket_error_to_string(errno));
		c->link.peer_reset = 1;
		conn_close(c, reason);
		return;
	}
	if (n == 0) {
		conn_reading(c, 0); /* nothing more will come */
		c->active_us = clock_now_us();
		conn_peer_eof(c);
		return;
	}
	if (evbuffer_get_length(in) >= CONN_INPUT_HIGH) {
		c->rd_full = 1;
		event_del(c->rd);
	}
	conn_read_cb(c->bev, c);
}

/*
 * Output was added to a direct connection (an evbuffer callback, so every
 * writer is seen: answers, a drip's timer, a 408): write it once the
 * current callback is done, so an answer's head and body leave together.
 */
static void
conn_out_cb(
    struct evbuffer *out, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;

	(void)out;
	if (info->n_added > 0 && c->direct && !c->flush_due &&
	    !(bufferevent_get_enabled(c->bev) & EV_WRITE)) {
		c->flush_due = 1; /* once: a head and a body are two adds */
		event_active(c->flush, EV_WRITE, 0);
	}
}

/*
 * Write a direct connection's output with one writev(). What the kernel
 * does not take is left to the bufferevent's write event (added only
 * then); once all of it is out the connection goes on as after a
 * bufferevent's write callback.
 */
static void
conn_flush_cb(evutil_socket_t unused, short what, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	char reason[160];
	int n;

	(void)unused;
	(void)what;
	c->flush_due = 0;
	if (!c->direct || (bufferevent_get_enabled(c->bev) & EV_WRITE) ||
	    evbuffer_get_length(out) == 0)
		return;
	evbuffer_unfreeze(out, 1);
	n = evbuffer_write(out, bufferevent_getfd(c->bev));
	evbuffer_freeze(out, 1);
	if (n < 0 && !conn_retry(errno)) {
		snprintf(reason, sizeof reason, "socket error: %s",
		    evutil_socket_error_to_string(errno));
		c->link.peer_reset = 1;
		conn_close(c, reason);
		return;
	}
	if (evbuffer_get_length(out) > 0)
		bufferevent_enable(c->bev, EV_WRITE);
	else
		conn_write_cb(c->bev, c);
}

/*
 * Make a plain connection without stream faults direct. Returns 0, or -1
 * (out of memory: it stays with the bufferevent's I/O).
 */
static int
conn_direct_start(struct conn *c)
{
	struct event_base *base = c->link.pipeline->base;
	evutil_socket_t fd = bufferevent_getfd(c->bev);

	c->rd =
	    event_new(base, fd, EV_READ | EV_PERSIST, conn_direct_read_cb, c);
	c->flush = event_new(base, -1, 0, conn_flush_cb, c);
	if (c->rd == NULL || c->flush == NULL ||
	    evbuffer_add_cb(bufferevent_get_output(c->bev), conn_out_cb, c) ==
	        NULL) {
		if (c->rd != NULL)
			event_free(c->rd);
		if (c->flush != NULL)
			event_free(c->flush);
		c->rd = c->flush = NULL;
		return -1;
	}
	c->direct = 1;
	/* What the kernel did not take goes out by the bufferevent: in large
	 * writes (16 KB by default held a proxied 100 MB body back). */
	bufferevent_set_max_single_write(c->bev, 256 * 1024);
	return 0;
}

/*
 * Hand a direct connection's I/O back to its bufferevent (a lingering
 * close reads with the bufferevent's timeout). Its output is empty then.
 */
static void
conn_direct_stop(struct conn *c)
{
	if (!c->direct)
		return;
	event_del(c->rd);
	c->direct = 0;
}

static void conn_stream_readable(void *);
static void conn_stream_limit(void *);
static void conn_stream_closed(void *);
static void conn_stream_end(void *, int, const char *);

/* Does the connection's service change stream faults under it? */
static int
conn_live(const struct conn *c)
{
	return c->service->conf != NULL && c->service->conf->live_stream_faults;
}

/* Draw the stream faults that apply to the connection now. */
static size_t
conn_stream_pick(struct conn *c, const struct fault_conf **faults, size_t max)
{
	struct inject_ctx ctx = { 0 };

	ctx.service = c->service->name;
	ctx.conn = c->id;
	return inject_pick_all(
	    c->link.pipeline->inject, FAULT_LAYER_STREAM, &ctx, faults, max);
}

/*
 * Choose the stream faults for a new connection: they stay with it for
 * its life, whatever the phase does later, unless its service has live
 * stream faults (conn_stream_faults_changed).
 */
static void
conn_stream_setup(struct conn *c)
{
	struct injector *in = c->link.pipeline->inject;
	const struct fault_conf *faults[CONN_STREAM_FAULTS_MAX];
	struct stream_callbacks cb = { conn_stream_readable, conn_stream_limit,
		conn_stream_closed, conn_stream_end, c };
	int live = conn_live(c);
	size_t n;

	n = conn_stream_pick(c, faults, nitems(faults));
	if (n > 0 || live)
		c->stream = stream_new(c->bev, faults, n, &in->rng, &cb, live);
	conn_link_buffers(c);
}

void
conn_stream_faults_changed(struct service *svc)
{
	const struct fault_conf *faults[CONN_STREAM_FAULTS_MAX];
	struct conn *c, *next;
	size_t n;
	int rc;

	if (svc->conf == NULL || !svc->conf->live_stream_faults)
		return;
	service_ref(svc); /* a close may drop the last other reference */
	for (c = TAILQ_FIRST(&svc->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->stream == NULL || c->state == CONN_CLOSED)
			continue;
		n = conn_stream_pick(c, faults, nitems(faults));
		rc = stream_update(c->stream, faults, n);
		if (rc == 1)
			conn_close(c,
			    "closed: its stream timeout fault no longer "
			    "applies");
		else if (rc == -1)
			conn_close(c, "out of memory");
	}
	service_unref(svc);
}

/* Callbacks, watermarks and timeouts of a connection's bufferevent. */
static void
conn_bev_setup(struct conn *c)
{
	struct timeval wait = { 0, CONN_FAULT_WAIT_USEC };

	bufferevent_setcb(
	    c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	/* Past this, reading pauses until requests are answered. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, CONN_INPUT_HIGH);
	/*
	 * A connect fault's reset or close waits for the client a moment. The
	 * idle timeout of the others is the service's sweep (conn_sweep_cb),
	 * not a timeout of the bufferevent's: that would be re-armed on every
	 * read and write (a heap update per request, in the profile). A
	 * blackhole holds its connections for as long as they stay.
	 */
	if (c->state == CONN_FAULT_RESET || c->state == CONN_FAULT_CLOSE)
		bufferevent_set_timeouts(c->bev, &wait, NULL);
}

/*
 * A slow TLS handshake's hold is over: only now does TLS start over the
 * socket, so the ClientHello waited unanswered until here. TLS runs on
 * the socket itself, as for any connection (not as a filter over the
 * plain bufferevent, which would keep encrypted bytes in a buffer of its
 * own that a close could lose).
 */
static void
conn_tls_hold_cb(evutil_socket_t unused, short what, void *arg)
{
	struct conn *c = arg;
	struct bufferevent *tls;
	evutil_socket_t fd = bufferevent_getfd(c->bev);

	(void)unused;
	(void)what;
	tls = tls_accept(c->service->tls, NULL, c->link.pipeline->base, fd);
	if (tls == NULL) {
		conn_close(c, "cannot start TLS: out of memory");
		return;
	}
	/* The plain bufferevent goes; the socket stays, the TLS one's now. */
	bufferevent_setfd(c->bev, -1);
	bufferevent_free(c->bev);
	c->bev = tls;
	conn_set_state(c, CONN_TLS);
	conn_bev_setup(c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	conn_stream_setup(c);
}

/* Hold the start of TLS as a slow_handshake fault says; -1 if no memory. */
static int
conn_tls_hold(struct conn *c, const struct fault_conf *f)
{
	struct pipeline *p = c->link.pipeline;
	struct timeval hold;

	hold = clock_tv(delay_sample(&f->args.tls_slow.delay, &p->inject->rng));
	c->tls_hold = evtimer_new(p->base, conn_tls_hold_cb, c);
	if (c->tls_hold == NULL)
		return -1;
	evtimer_add(c->tls_hold, &hold);
	return 0;
}

/*
 * No Nagle: every write a fault times (a drip's piece, a slicer's slice, a
 * held answer) leaves when the fault says, not when the client's ACK of
 * the last one comes back. (Not TCP: nothing to do.)
 */
static void
conn_nodelay(evutil_socket_t fd)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/*
 * The service's idle sweep, once a second: a connection that has read
 * nothing and written nothing for its idle timeout is closed, "idle
 * timeout" when nothing waits to be written, else "write timeout" (the
 * client stopped reading). Held answers (a fault's delay, however long)
 * and connect faults keep their own time.
 */
static void
conn_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct service *svc = arg;
	struct conn *c, *next;
	uint64_t now = clock_now_us();
	size_t pending;

	(void)fd;
	(void)what;
	service_ref(svc); /* a close may drop the last other reference */
	for (c = TAILQ_FIRST(&svc->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state == CONN_WAITING || c->state == CONN_TLS_HOLD ||
		    c->state == CONN_LINGERING || conn_is_fault(c))
			continue;
		pending = conn_pending(c);
		if (pending < c->swept_pending)
			c->active_us = now; /* its output moved */
		c->swept_pending = pending;
		if (now - c->active_us < c->idle_us)
			continue;
		conn_close(c, pending > 0 ? "write timeout" : "idle timeout");
	}
	service_unref(svc);
}

/* Start the service's idle sweep with its first connection. */
static void
conn_sweep_start(struct service *svc)
{
	struct timeval tick = { CONN_SWEEP_SEC, 0 };

	if (svc->sweep != NULL)
		return;
	svc->sweep =
	    event_new(svc->pipeline->base, -1, EV_PERSIST, conn_sweep_cb, svc);
	if (svc->sweep != NULL)
		event_add(svc->sweep, &tick);
}

/* The state a new connection starts in. */
static enum conn_state
conn_first_state(struct service *svc, enum fault_accept how, int hold)
{
	if (how != FAULT_ACCEPT_SERVE)
		return conn_accept_states[how];
	if (svc->tls == NULL)
		return CONN_READING;
	return hold ? CONN_TLS_HOLD : CONN_TLS;
}

struct conn *
conn_new(struct service *svc, evutil_socket_t fd, const struct sockaddr *sa,
    int salen, enum fault_accept how, const struct fault_conf *tls_fault)
{
	struct pipeline *p = svc->pipeline;
	struct journal_fields jf;
	struct conn *c;
	int hold;

	(void)salen;
	conn_nodelay(fd);
	c = calloc(1, sizeof *c);
	if (c == NULL)
		goto fail;
	hold = tls_fault != NULL && (tls_fault->kind->does & FAULT_TLS_HOLD);
	c->state = conn_first_state(svc, how, hold);
	/* The connect layer is below TLS: its faults answer in plain TCP. */
	if (c->state == CONN_TLS)
		c->bev = tls_accept(svc->tls, tls_fault, p->base, fd);
	else
		c->bev =
		    bufferevent_socket_new(p->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		goto fail;
	c->id = ++p->next_conn_id;
	c->service = svc;
	c->link.pipeline = p;
	c->link.service = svc->name;
	c->link.conn = c->id;
	c->link.counts = &svc->counts;
	c->link.farend = &svc->farend;
	c->link.request_timeout_us = svc->conf != NULL
	    ? svc->conf->request_timeout_us
	    : SCENARIO_REQUEST_TIMEOUT_US;
	c->idle_us = svc->conf != NULL ? svc->conf->idle_timeout_us
	                               : SCENARIO_IDLE_TIMEOUT_US;
	c->link.wake = conn_wake;
	c->link.owner = c;
	conn_link_buffers(c);
	if (!conn_is_fault(c) &&
	    (c->session = svc->proto->open(&c->link)) == NULL)
		goto fail;
	/* The alert's name, not the fault: a reload may free the fault. */
	if (tls_fault != NULL && tls_fault->kind->type == FAULT_TLS_ALERT)
		c->tls_alert =
		    fault_tls_alerts[tls_fault->args.tls_alert.alert];
	conn_peer_format(sa, c->peer, sizeof c->peer);

	service_ref(svc);
	TAILQ_INSERT_TAIL(&svc->conns, c, entry);
	svc->counts.open++;
	c->active_us = clock_now_us();
	conn_sweep_start(svc);

	conn_bev_setup(c);
	if (hold) {
		if (conn_tls_hold(c, tls_fault) == -1) {
			conn_close(c, "out of memory");
			return NULL;
		}
	} else if (!conn_is_fault(c))
		conn_stream_setup(c);
	if (c->state == CONN_READING && c->stream == NULL &&
	    conn_direct_start(c) == 0)
		conn_reading(c, 1);
	else if (!hold)
		bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (p->journal != NULL) {
		journal_fields_init(&jf);
		journal_field_str(&jf, "peer", c->peer);
		journal_add_fields(
		    p->journal, svc->name, c->id, "connection", &jf);
	}
	log_msg(LOG_DEBUG, svc->name, "connection %llu from %s",
	    (unsigned long long)c->id, c->peer);
	return c;
fail:
	log_msg(LOG_WARN, svc->name, "cannot take a connection: out of memory");
	if (c != NULL && c->bev != NULL)
		bufferevent_free(c->bev);
	else
		evutil_closesocket(fd);
	free(c);
	return NULL;
}

/*
 * A TLS handshake that was under way is over without completing: count
 * it as the alert fault's, or as failed.
 */
static void
conn_tls_failed(struct conn *c)
{
	metrics_tls_handshake(c->link.pipeline->metrics, c->service->name,
	    c->tls_alert != NULL ? "alert" : "failed");
}

void
conn_set_state(struct conn *c, enum conn_state state)
{
	enum conn_state was = c->state;

	if (was == state)
		return;
	if (was == CONN_CLOSED) {
		log_warn("connection %llu: no way out of closed to %s",
		    (unsigned long long)c->id, conn_state_names[state]);
		return;
	}
	log_msg(LOG_DEBUG, c->service->name, "connection %llu: %s -> %s",
	    (unsigned long long)c->id, conn_state_names[was],
	    conn_state_names[state]);
	c->state = state;
	if ((was == CONN_TLS_HOLD && state != CONN_TLS) ||
	    (was == CONN_TLS && state != CONN_READING))
		conn_tls_failed(c);
	switch (state) {
	case CONN_READING:
		bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
		/* After the client's FIN there is nothing more to read. */
		if (!c->link.peer_closed)
			conn_reading(c, 1);
		break;
	case CONN_BLOCKED:
		/* The write callback fires when output falls to a quarter. */
		conn_reading(c, 0);
		bufferevent_setwatermark(
		    c->bev, EV_WRITE, CONN_OUTPUT_HIGH / 4, 0);
		break;
	case CONN_WAITING:
		/* Keep reading (to see the client go); handing down waits. */
		bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
		break;
	case CONN_DRAINING:
	case CONN_RESETTING:
		conn_reading(c, 0);
		bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
		/*
		 * Close from the write callback even when nothing is queued,
		 * so that no caller ever finds its connection freed under it.
		 */
		if (conn_pending(c) == 0)
			bufferevent_trigger(c->bev, EV_WRITE,
			    BEV_TRIG_IGNORE_WATERMARKS |
			        BEV_TRIG_DEFER_CALLBACKS);
		break;
	default:
		break;
	}
}

/* Stop reading and end (FIN or RST, as state says) once flushed. */
static void
conn_end(struct conn *c, enum conn_state state, const char *why)
{
	if (c->state == CONN_DRAINING || c->state == CONN_RESETTING ||
	    c->state == CONN_LINGERING || c->state == CONN_CLOSED)
		return;
	c->ending = why;
	conn_set_state(c, state);
}

void
conn_drain(struct conn *c)
{
	conn_end(c, CONN_DRAINING,
	    c->state == CONN_FAULT_CLOSE ? "closed by a connect fault"
	                                 : "done");
}

void
conn_close(struct conn *c, const char *reason)
{
	struct service *svc = c->service;
	struct pipeline *p = c->link.pipeline;
	struct journal_fields jf;
	evutil_socket_t fd;

	log_msg(LOG_DEBUG, svc->name,
	    "connection %llu closed: %s (%llu requests)",
	    (unsigned long long)c->id, reason,
	    (unsigned long long)c->link.requests);
	if (p->journal != NULL) {
		journal_fields_init(&jf);
		journal_field_str(&jf, "reason", reason);
		journal_field_int(&jf, "requests", (int64_t)c->link.requests);
		journal_add_fields(p->journal, svc->name, c->id, "close", &jf);
	}
	if (c->state == CONN_RESETTING) {
		/* Linger 0: closing the socket sends a reset (RST). */
		struct linger lg = { 1, 0 };

		fd = bufferevent_getfd(c->bev);
		if (fd >= 0)
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	}
	conn_set_state(c, CONN_CLOSED);
	TAILQ_REMOVE(&svc->conns, c, entry);
	svc->counts.open--;
	if (c->session != NULL)
		svc->proto->close(c->session);
	stream_free(c->stream);
	if (c->tls_hold != NULL)
		event_free(c->tls_hold);
	if (c->rd != NULL)
		event_free(c->rd);
	if (c->flush != NULL)
		event_free(c->flush);
	bufferevent_free(c->bev);
	free(c);
	service_unref(svc);
}

void
conn_close_all(struct service *svc, const char *reason)
{
	struct conn *c, *next;

	/* A connection may be the last reference: hold one while walking. */
	service_ref(svc);
	for (c = TAILQ_FIRST(&svc->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		conn_close(c, reason);
	}
	service_unref(svc);
}

/*
 * Go on as the protocol says. Returns 0, or -1 if the connection is gone
 * (FLOW_ABORT): the caller must not touch it.
 */
static int
conn_follow(struct conn *c, enum flow flow)
{
	/* Already ending (a stream limit, say): only an abort changes that. */
	if ((c->state == CONN_DRAINING || c->state == CONN_RESETTING ||
	        c->state == CONN_LINGERING) &&
	    flow != FLOW_ABORT)
		return 0;
	switch (flow) {
	case FLOW_NEED:
		break;
	case FLOW_NEXT:
		if (conn_pending(c) > CONN_OUTPUT_HIGH)
			conn_set_state(c, CONN_BLOCKED);
		else
			conn_set_state(c, CONN_READING);
		break;
	case FLOW_HOLD:
		conn_set_state(c, CONN_WAITING);
		break;
	case FLOW_CLOSE:
		conn_end(c, CONN_DRAINING,
		    c->link.reason != NULL ? c->link.reason : "done");
		c->link.reason = NULL;
		break;
	case FLOW_RESET:
		conn_end(c, CONN_RESETTING,
		    c->link.reason != NULL ? c->link.reason
		                           : "reset by an http fault");
		c->link.reason = NULL;
		break;
	case FLOW_ABORT:
		conn_close(c, c->link.reason != NULL ? c->link.reason : "done");
		return -1;
	}
	return 0;
}

/*
 * Hand what the client sent down to the protocol while it reads on. A
 * client that half-closed (sent its requests, then its FIN) gets every
 * answer to what it sent before the connection ends: only when nothing it
 * sent is left to hand down does the connection close (after flushing).
 */
static void
conn_feed(struct conn *c)
{
	enum flow flow;

	while (
	    c->state == CONN_READING && evbuffer_get_length(c->link.in) > 0) {
		flow = c->service->proto->input(c->session);
		if (flow == FLOW_NEED)
			break;
		if (conn_follow(c, flow) == -1)
			return;
	}
	/* Everything the client sent before its FIN is handed down: the
	 * protocol says whether that ends the connection. */
	if (c->state == CONN_READING && c->link.peer_closed &&
	    stream_input_pending(c->stream) == 0 && !c->eof_told) {
		c->eof_told = 1;
		if (conn_follow(c, c->service->proto->eof(c->session)) == -1)
			return;
	}
	conn_input_room(c);
}

/* The protocol moved on from a held answer (link's wake). */
static void
conn_wake(struct link *link, enum flow flow)
{
	struct conn *c = link->owner;

	if (conn_follow(c, flow) == -1)
		return;
	if (c->state == CONN_READING)
		conn_feed(c);
}

/* A connect fault's connection has heard the client: end it as it says. */
static void
conn_fault_end(struct conn *c)
{
	if (c->state == CONN_FAULT_RESET)
		conn_end(c, CONN_RESETTING, "reset by a connect fault");
	else if (c->state == CONN_FAULT_CLOSE)
		conn_end(c, CONN_DRAINING, "closed by a connect fault");
}

/* Data arrived: hand it down, or (a connect fault's) throw it away. */
static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	c->active_us = clock_now_us();
	if (conn_is_fault(c)) {
		evbuffer_drain(in, evbuffer_get_length(in));
		conn_fault_end(c);
	} else if (c->state == CONN_LINGERING)
		evbuffer_drain(in, evbuffer_get_length(in));
	else if (stream_input(c->stream) != NULL)
		stream_read(c->stream); /* conn_stream_readable() follows */
	else if (c->state == CONN_READING)
		conn_feed(c);
}

/* How long a lingering close waits for the client's FIN. */
#define CONN_LINGER_SEC 2

/*
 * Everything is written and the connection should close: on a plain HTTP
 * connection whose client may still be sending, send the FIN and go on
 * reading (and discarding) until the client's FIN, as nginx's lingering
 * close does: closing a socket with unread input sends a RST, and a RST
 * can destroy the answer in the client's buffer before it reads it (a
 * 408 to a client still trickling headers, a 400 to garbage). Returns 0,
 * or -1 when there is no need (close now).
 */
static int
conn_linger(struct conn *c)
{
	struct timeval two = { CONN_LINGER_SEC, 0 };
	evutil_socket_t fd = bufferevent_getfd(c->bev);

	if (c->link.peer_closed || c->session == NULL ||
	    c->service->tls != NULL || fd < 0 || shutdown(fd, SHUT_WR) != 0)
		return -1;
	conn_direct_stop(c);
	conn_set_state(c, CONN_LINGERING);
	bufferevent_set_timeouts(c->bev, &two, NULL);
	bufferevent_enable(c->bev, EV_READ);
	return 0;
}

/* Output fell to the low watermark (or drained). */
static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	size_t left = conn_pending(c);

	(void)bev;
	c->active_us = clock_now_us();
	/* Drained: a direct connection writes for itself again. */
	if (left == 0 && c->direct)
		bufferevent_disable(c->bev, EV_WRITE);
	if (left == 0 && c->link.released_us != 0) {
		/* A held answer's last byte is with the kernel: time it. */
		metrics_hold(c->link.pipeline->metrics, c->service->name,
		    c->link.late_us, clock_now_us() - c->link.released_us);
		c->link.released_us = 0;
	}
	switch (c->state) {
	case CONN_DRAINING:
	case CONN_RESETTING:
		if (left > 0)
			break;
		if (stream_hold_close(c->stream))
			break; /* slow_close: conn_stream_closed() ends it */
		if (c->state == CONN_DRAINING && conn_linger(c) == 0)
			break;
		conn_close(c, c->ending);
		break;
	case CONN_BLOCKED:
		conn_set_state(c, CONN_READING);
		/* Requests may be waiting in the input already. */
		conn_feed(c);
		break;
	default:
		break;
	}
}

/* The TLS handshake completed: journal what was negotiated. */
static void
conn_tls_done(struct conn *c)
{
	struct pipeline *p = c->link.pipeline;
	char what[512];

	metrics_tls_handshake(p->metrics, c->service->name, "ok");
	if (p->journal != NULL) {
		tls_describe(c->bev, what, sizeof what);
		journal_addf(
		    p->journal, c->service->name, c->id, "tls", "%s", what);
	}
	conn_set_state(c, CONN_READING);
	conn_feed(c);
}

/*
 * The client closed its side. Replies to requests it sent whole are
 * still delivered (a half-closed client is waiting for them), and a held
 * answer still goes out when its fault says, unless the protocol gives up
 * on it.
 */
static void
conn_peer_eof(struct conn *c)
{
	c->link.peer_closed = 1;
	/* A timeout fault upstream closes at its input's end (Toxiproxy). */
	if (c->state != CONN_LINGERING && stream_eof_closes(c->stream)) {
		conn_close(c, "client closed (stream timeout fault)");
		return;
	}
	switch (c->state) {
	case CONN_LINGERING:
		conn_close(c, c->ending); /* the client's FIN: all done */
		return;
	case CONN_WAITING:
		if (c->service->proto->held_eof(c->session) == FLOW_ABORT)
			conn_close(c, "client closed");
		return;
	case CONN_READING:
		conn_feed(c); /* ends the connection once all is answered */
		return;
	case CONN_BLOCKED:
	case CONN_DRAINING:
	case CONN_RESETTING:
		return; /* answering (or ending) goes on */
	default:
		break;
	}
	if (conn_pending(c) > 0 || c->stream != NULL)
		conn_end(c, CONN_DRAINING, "client closed");
	else
		conn_close(c, "client closed");
}

/* Why a connection failed, from the TLS handshake or the socket. */
static void
conn_error_reason(struct conn *c, char *buf, size_t len)
{
	if (c->state == CONN_TLS && c->tls_alert != NULL)
		snprintf(buf, len, "TLS: alert %s sent by the tls alert fault",
		    c->tls_alert);
	else if (c->state == CONN_TLS)
		tls_error(c->bev, buf, len);
	else
		snprintf(buf, len, "socket error: %s",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

/* TLS done, EOF, error or timeout. */
static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	char reason[512];

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		if (c->state == CONN_TLS)
			conn_tls_done(c);
	} else if (what & BEV_EVENT_EOF)
		conn_peer_eof(c);
	else if ((what & BEV_EVENT_TIMEOUT) && conn_is_fault(c))
		conn_fault_end(c); /* the client did not speak in time */
	else if (c->state == CONN_LINGERING)
		conn_close(c, c->ending); /* lingered long enough, or a RST */
	else if (what & BEV_EVENT_TIMEOUT)
		conn_close(c,
		    (what & BEV_EVENT_READING) ? "idle timeout"
		                               : "write timeout");
	else if (what & BEV_EVENT_ERROR) {
		conn_error_reason(c, reason, sizeof reason);
		c->link.peer_reset = 1;
		conn_close(c, reason);
	}
}

/* Shaped client bytes arrived: hand them down. */
static void
conn_stream_readable(void *arg)
{
	struct conn *c = arg;

	if (c->state == CONN_READING)
		conn_feed(c);
}

/* limit_data was reached: close once what passed is written. */
static void
conn_stream_limit(void *arg)
{
	conn_drain(arg);
}

/* A close held by slow_close is due. */
static void
conn_stream_closed(void *arg)
{
	struct conn *c = arg;

	conn_close(c,
	    c->state == CONN_RESETTING ? "reset (slow close)"
	                               : "done (slow close)");
}

/* A timeout fault's close or a reset_peer fault's reset is due: now. */
static void
conn_stream_end(void *arg, int reset, const char *why)
{
	struct conn *c = arg;

	/* Resetting: conn_close sets linger 0, so the close is a RST. */
	if (reset)
		conn_set_state(c, CONN_RESETTING);
	conn_close(c, why);
}

/* conn.c: a client connection's life: accept, read, answer, close. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <jansson.h>

#include "clock.h"
#include "conn.h"
#include "journal.h"
#include "delay.h"
#include "fault.h"
#include "inject.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "service.h"
#include "stream.h"
#include "timeline.h"
#include "tls.h"
#include "util.h"

/* A client that sends nothing (or reads nothing) for this long is closed. */
#define CONN_IDLE_TIMEOUT_SEC 60

static const char *const conn_state_names[] = {
	[CONN_READING] = "reading",
	[CONN_BLOCKED] = "blocked",
	[CONN_WAITING] = "waiting",
	[CONN_DRAINING] = "draining",
	[CONN_RESETTING] = "resetting",
	[CONN_BLACKHOLE] = "blackhole",
	[CONN_CLOSED] = "closed",
};

static void conn_read_cb(struct bufferevent *, void *);
static void conn_write_cb(struct bufferevent *, void *);
static void conn_event_cb(struct bufferevent *, short, void *);

const char *
conn_state_name(enum conn_state state)
{
	return conn_state_names[state];
}

/* Format a peer address as "HOST:PORT". */
static void
peer_format(const struct sockaddr *sa, char *buf, size_t len)
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

/* Most stream faults one connection takes (one per type and direction). */
#define CONN_STREAM_FAULTS_MAX 16

static void conn_stream_readable(void *);
static void conn_stream_limit(void *);
static void conn_stream_closed(void *);

struct evbuffer *
conn_output(struct conn *c)
{
	struct evbuffer *o = stream_output(c->stream);

	return o != NULL ? o : bufferevent_get_output(c->bev);
}

struct evbuffer *
conn_input(struct conn *c)
{
	struct evbuffer *i = stream_input(c->stream);

	return i != NULL ? i : bufferevent_get_input(c->bev);
}

size_t
conn_pending(struct conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev)) +
	    stream_pending(c->stream);
}

/*
 * Choose the stream faults for a new connection: they stay with it for
 * its life, whatever the phase does later.
 */
static void
conn_stream_setup(struct conn *c)
{
	struct server *srv = c->service->server;
	const struct fault_conf *faults[CONN_STREAM_FAULTS_MAX];
	struct stream_callbacks cb = { conn_stream_readable, conn_stream_limit,
		conn_stream_closed, c };
	struct inject_ctx ctx = { 0 };
	size_t n;

	ctx.service = c->service->name;
	ctx.conn = c->id;
	n = inject_pick_all(
	    &srv->inject, FAULT_LAYER_STREAM, &ctx, faults, nitems(faults));
	if (n > 0)
		c->stream =
		    stream_new(c->bev, faults, n, &srv->inject.rng, &cb);
}

/* How long a reset or close fault waits for the client to speak. */
#define CONN_FAULT_WAIT_USEC 200000

/* Callbacks, watermarks and timeouts of a connection's bufferevent. */
static void
conn_bev_setup(struct conn *c)
{
	struct timeval idle = { CONN_IDLE_TIMEOUT_SEC, 0 };
	struct timeval wait = { 0, CONN_FAULT_WAIT_USEC };

	bufferevent_setcb(
	    c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	/* Past this, reading pauses until requests are answered. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, CONN_INPUT_HIGH);
	/* A blackhole holds its connections for as long as they stay. */
	if (c->mode == CONN_MODE_HTTP)
		bufferevent_set_timeouts(c->bev, &idle, &idle);
	else if (c->mode != CONN_MODE_BLACKHOLE)
		bufferevent_set_timeouts(c->bev, &wait, NULL);
}

/*
 * A slow TLS handshake's hold is over: only now does TLS start over the
 * socket, so the ClientHello waited unanswered until here.
 */
static void
conn_tls_hold_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct bufferevent *tls;

	(void)fd;
	(void)what;
	tls = tls_accept_over(c->service->tls, c->bev);
	if (tls == NULL) {
		conn_close(c, "cannot start TLS: out of memory");
		return;
	}
	c->bev = tls;
	conn_bev_setup(c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	conn_stream_setup(c);
}

struct conn *
conn_new(struct service *svc, evutil_socket_t fd, const struct sockaddr *sa,
    int salen, enum conn_mode mode, const struct fault_conf *tls_fault)
{
	struct server *srv = svc->server;
	struct timeval hold;
	struct conn *c;
	int slow;

	(void)salen;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		goto fail;
	/* The connect layer is below TLS: its faults answer in plain TCP. */
	slow = tls_fault != NULL &&
	    tls_fault->kind->type == FAULT_TLS_SLOW_HANDSHAKE;
	if (svc->tls != NULL && mode == CONN_MODE_HTTP && !slow)
		c->bev = tls_accept(svc->tls, tls_fault, srv->base, fd);
	else
		c->bev = bufferevent_socket_new(
		    srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		goto fail;
	if (mode == CONN_MODE_HTTP) {
		c->http = malloc(sizeof *c->http);
		if (c->http == NULL)
			goto fail;
		http_session_init(c->http, c);
	}
	c->id = ++srv->next_conn_id;
	c->service = svc;
	c->mode = mode;
	c->tls = svc->tls != NULL && mode == CONN_MODE_HTTP;
	/* The alert's index, not the fault: a reload may free the fault. */
	if (tls_fault != NULL && tls_fault->kind->type == FAULT_TLS_ALERT)
		c->tls_alert = (int)tls_fault->args.tls_alert.alert + 1;
	c->state = mode == CONN_MODE_HTTP ? CONN_READING : CONN_BLACKHOLE;
	peer_format(sa, c->peer, sizeof c->peer);

	service_ref(svc);
	TAILQ_INSERT_TAIL(&svc->conns, c, entry);
	svc->nconns++;

	conn_bev_setup(c);
	if (slow) {
		/* slow_handshake: TLS starts when the hold is over. */
		hold = clock_tv(delay_sample(
		    &tls_fault->args.tls_slow.delay, &srv->inject.rng));
		c->tls_hold = evtimer_new(srv->base, conn_tls_hold_cb, c);
		if (c->tls_hold == NULL)
			goto fail_linked;
		evtimer_add(c->tls_hold, &hold);
	} else
		bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (srv->journal != NULL)
		journal_addf(srv->journal, svc->name, c->id, "connection",
		    "\"peer\":\"%s\"", c->peer);
	if (mode == CONN_MODE_HTTP && !slow)
		conn_stream_setup(c);
	log_msg(LOG_DEBUG, svc->name, "connection %llu from %s",
	    (unsigned long long)c->id, c->peer);
	return c;
fail_linked:
	conn_close(c, "out of memory");
	return NULL;
fail:
	log_msg(LOG_WARN, svc->name, "cannot take a connection: out of memory");
	if (c != NULL && c->bev != NULL)
		bufferevent_free(c->bev);
	else
		evutil_closesocket(fd);
	if (c != NULL)
		free(c->http);
	free(c);
	return NULL;
}

void
conn_set_state(struct conn *c, enum conn_state state)
{
	if (c->state == state)
		return;
	if (c->state == CONN_CLOSED) {
		log_warn("connection %llu: no way out of closed to %s",
		    (unsigned long long)c->id, conn_state_names[state]);
		return;
	}
	log_msg(LOG_DEBUG, c->service->name, "connection %llu: %s -> %s",
	    (unsigned long long)c->id, conn_state_names[c->state],
	    conn_state_names[state]);
	c->state = state;
	switch (state) {
	case CONN_READING:
		bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
		bufferevent_enable(c->bev, EV_READ);
		break;
	case CONN_BLOCKED:
		/* The write callback fires when output falls to a quarter. */
		bufferevent_disable(c->bev, EV_READ);
		bufferevent_setwatermark(
		    c->bev, EV_WRITE, CONN_OUTPUT_HIGH / 4, 0);
		break;
	case CONN_WAITING:
		/* Keep reading (to see the client go); parsing waits. */
		bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
		break;
	case CONN_DRAINING:
	case CONN_RESETTING:
		bufferevent_disable(c->bev, EV_READ);
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
	case CONN_BLACKHOLE:
	case CONN_CLOSED:
		break;
	}
}

void
conn_drain(struct conn *c)
{
	conn_set_state(c, CONN_DRAINING);
}

void
conn_reset_after_flush(struct conn *c)
{
	conn_set_state(c, CONN_RESETTING);
}

void
conn_close(struct conn *c, const char *reason)
{
	struct service *svc = c->service;
	struct server *srv = svc->server;
	evutil_socket_t fd;

	log_msg(LOG_DEBUG, svc->name,
	    "connection %llu closed: %s (%llu requests)",
	    (unsigned long long)c->id, reason, (unsigned long long)c->requests);
	if (srv->journal != NULL)
		journal_addf(srv->journal, svc->name, c->id, "close",
		    "\"reason\":\"%s\",\"requests\":%llu", reason,
		    (unsigned long long)c->requests);
	if (c->state == CONN_RESETTING) {
		/* Linger 0: closing the socket sends a reset (RST). */
		struct linger lg = { 1, 0 };

		fd = bufferevent_getfd(c->bev);
		if (fd >= 0)
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	}
	if (c->tls && !c->tls_done)
		metrics_tls_handshake(srv->metrics, svc->name,
		    c->tls_alert > 0 ? "alert" : "failed");
	c->state = CONN_CLOSED;
	TAILQ_REMOVE(&svc->conns, c, entry);
	svc->nconns--;
	stream_free(c->stream);
	if (c->tls_hold != NULL)
		event_free(c->tls_hold);
	bufferevent_free(c->bev);
	answer_state_free(&c->answer);
	if (c->http != NULL) {
		http_session_free(c->http);
		free(c->http);
	}
	free(c);
	service_unref(svc);
}

/* A connect fault's connection has heard the client: end it as it says. */
static void
conn_fault_end(struct conn *c)
{
	if (c->mode == CONN_MODE_RESET)
		conn_reset_after_flush(c);
	else if (c->mode == CONN_MODE_CLOSE)
		conn_drain(c);
}

/* Data arrived: parse and answer, or (blackhole) throw it away. */
static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	if (c->state == CONN_BLACKHOLE) {
		evbuffer_drain(in, evbuffer_get_length(in));
		conn_fault_end(c);
	} else if (stream_input(c->stream) != NULL)
		stream_read(c->stream); /* conn_stream_readable() follows */
	else if (c->state == CONN_READING)
		http_read(c);
}

/* Output fell to the low watermark (or drained). */
static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	size_t left = conn_pending(c);

	(void)bev;
	if ((c->state == CONN_DRAINING || c->state == CONN_RESETTING) &&
	    left == 0 && stream_hold_close(c->stream))
		return; /* slow_close: conn_stream_closed() ends it */
	switch (c->state) {
	case CONN_DRAINING:
		if (left == 0)
			conn_close(c,
			    c->mode == CONN_MODE_CLOSE
			        ? "closed by a connect fault"
			        : "done");
		break;
	case CONN_RESETTING:
		if (left == 0)
			conn_close(c,
			    c->mode == CONN_MODE_HTTP
			        ? "reset by an http fault"
			        : "reset by a connect fault");
		break;
	case CONN_BLOCKED:
		conn_set_state(c, CONN_READING);
		/* Requests may be waiting in the input already. */
		http_read(c);
		break;
	default:
		break;
	}
}

/* EOF, error or timeout. */
static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	char reason[512];

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		/* The TLS handshake is done: journal what was negotiated. */
		if (!c->tls_done)
			metrics_tls_handshake(c->service->server->metrics,
			    c->service->name, "ok");
		c->tls_done = 1;
		if (c->service->server->journal != NULL) {
			tls_describe(c->bev, reason, sizeof reason);
			journal_addf(c->service->server->journal,
			    c->service->name, c->id, "tls", "%s", reason);
		}
		return;
	}
	if (what & BEV_EVENT_EOF) {
		/*
		 * The client closed its side. Replies to requests it sent whole
		 * are still delivered (a half-closed client is waiting for
		 * them), and a held answer still goes out when its fault says.
		 */
		c->peer_closed = 1;
		if (c->state == CONN_WAITING && c->answer.step == ANSWER_HOLD) {
			conn_close(c, "client closed");
			return;
		}
		if (c->state == CONN_WAITING || c->state == CONN_DRAINING ||
		    c->state == CONN_RESETTING)
			return;
		if (conn_pending(c) > 0 || c->stream != NULL)
			conn_drain(c);
		else
			conn_close(c, "client closed");
	} else if ((what & BEV_EVENT_TIMEOUT) && c->state == CONN_BLACKHOLE) {
		conn_fault_end(c); /* the client did not speak in time */
	} else if (what & BEV_EVENT_TIMEOUT) {
		conn_close(c,
		    (what & BEV_EVENT_READING) ? "idle timeout"
		                               : "write timeout");
	} else if (what & BEV_EVENT_ERROR) {
		if (c->tls_alert > 0 && !c->tls_done)
			snprintf(reason, sizeof reason,
			    "TLS: alert %s sent by the tls alert fault",
			    fault_tls_alerts[c->tls_alert - 1]);
		else if (c->service->tls != NULL && c->mode == CONN_MODE_HTTP &&
		    !c->tls_done)
			tls_error(c->bev, reason, sizeof reason);
		else
			snprintf(reason, sizeof reason, "socket error: %s",
			    evutil_socket_error_to_string(
			        EVUTIL_SOCKET_ERROR()));
		conn_close(c, reason);
	}
}

/* Shaped client bytes arrived: parse them. */
static void
conn_stream_readable(void *arg)
{
	struct conn *c = arg;

	if (c->state == CONN_READING)
		http_read(c);
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

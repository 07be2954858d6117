/* conn.c: a client connection's life: accept, read, answer, close. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "conn.h"
#include "log.h"
#include "server.h"
#include "service.h"

/* A client that sends nothing (or reads nothing) for this long is closed. */
#define CONN_IDLE_TIMEOUT_SEC 60
/* Past this much unsent output, stop reading requests (backpressure). */

static const char *const conn_state_names[] = {
	[CONN_READING] = "reading",
	[CONN_BLOCKED] = "blocked",
	[CONN_DRAINING] = "draining",
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
		snprintf(buf, len, "unknown");
}

struct conn *
conn_new(struct service *svc, evutil_socket_t fd, const struct sockaddr *sa,
    int salen)
{
	struct event_base *base = svc->server->base;
	struct timeval idle = { CONN_IDLE_TIMEOUT_SEC, 0 };
	struct conn *c;

	(void)salen;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		goto fail;
	c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		goto fail;
	c->id = ++svc->server->next_conn_id;
	c->service = svc;
	c->state = CONN_READING;
	peer_format(sa, c->peer, sizeof c->peer);
	http_session_init(&c->http);

	service_ref(svc);
	svc->connections++;
	TAILQ_INSERT_TAIL(&svc->conns, c, entry);

	bufferevent_setcb(
	    c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	bufferevent_set_timeouts(c->bev, &idle, &idle);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	log_debug("%s: connection %llu from %s", svc->name,
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

void
conn_set_state(struct conn *c, enum conn_state state)
{
	struct evbuffer *out;

	if (c->state == state)
		return;
	if (c->state == CONN_CLOSED) {
		log_warn("connection %llu: no way out of closed to %s",
		    (unsigned long long)c->id, conn_state_names[state]);
		return;
	}
	if (log_enabled(LOG_DEBUG))
		log_debug("%s: connection %llu: %s -> %s", c->service->name,
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
	case CONN_DRAINING:
		bufferevent_disable(c->bev, EV_READ);
		bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
		out = bufferevent_get_output(c->bev);
		if (evbuffer_get_length(out) == 0)
			conn_close(c, "done");
		break;
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
conn_close(struct conn *c, const char *reason)
{
	struct service *svc = c->service;

	log_debug("%s: connection %llu closed: %s (%llu requests)", svc->name,
	    (unsigned long long)c->id, reason, (unsigned long long)c->requests);
	c->state = CONN_CLOSED;
	TAILQ_REMOVE(&svc->conns, c, entry);
	bufferevent_free(c->bev);
	http_session_free(&c->http);
	free(c);
	service_unref(svc);
}

/* Data arrived: parse and answer. */
static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (c->state == CONN_READING)
		http_read(c);
}

/* Output fell to the low watermark (or drained). */
static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	size_t left = evbuffer_get_length(bufferevent_get_output(bev));

	switch (c->state) {
	case CONN_DRAINING:
		if (left == 0)
			conn_close(c, "done");
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
	char reason[128];

	(void)bev;
	if (what & BEV_EVENT_EOF) {
		/*
		 * The client closed its side. Replies to requests it sent whole
		 * are still delivered (a half-closed client is waiting for them).
		 */
		if (c->state == CONN_CLOSED)
			return;
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
			conn_drain(c);
		else
			conn_close(c, "client closed");
	} else if (what & BEV_EVENT_TIMEOUT) {
		conn_close(c,
		    (what & BEV_EVENT_READING) ? "idle timeout"
		                               : "write timeout");
	} else if (what & BEV_EVENT_ERROR) {
		snprintf(reason, sizeof reason, "socket error: %s",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		conn_close(c, reason);
	}
}

/*
 * conn.h: one client connection to a service. Every state change goes
 * through conn_set_state() and every ending through conn_close().
 */
#ifndef STANDIN_CONN_H
#define STANDIN_CONN_H

#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/util.h>

#include "http.h"

/* Past this much unsent output a connection stops reading (backpressure). */
#define CONN_OUTPUT_HIGH (1024 * 1024)

struct bufferevent;
struct service;

enum conn_state {
	CONN_READING, /* parsing requests and answering them */
	CONN_BLOCKED, /* output is full: reading waits until it drains */
	CONN_DRAINING, /* last reply queued: close once it is flushed */
	CONN_CLOSED,
};

struct conn {
	uint64_t id;
	struct service *service;
	struct bufferevent *bev;
	enum conn_state state;
	char peer[64];
	struct http_session http;
	uint64_t requests;
	TAILQ_ENTRY(conn) entry;
};

TAILQ_HEAD(conn_list, conn);

/* Take over an accepted socket; NULL (socket closed) if out of memory. */
struct conn *conn_new(
    struct service *, evutil_socket_t, const struct sockaddr *, int);

/* Move to a new state; the only place that changes c->state. */
void conn_set_state(struct conn *, enum conn_state);

/* End the connection for a reason (logged), unlink it and free it. */
void conn_close(struct conn *, const char *reason);

/* Stop reading and close once everything queued has been written. */
void conn_drain(struct conn *);

/* The state's name, for logs. */
const char *conn_state_name(enum conn_state);

#endif

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

#include "answer.h"
#include "http.h"

/* Past this much unsent output a connection stops reading (backpressure). */
#define CONN_OUTPUT_HIGH (1024 * 1024)
/* Past this much unparsed input a connection stops reading. */
#define CONN_INPUT_HIGH (2 * 1024 * 1024)

struct bufferevent;
struct event;
struct evbuffer;
struct fault_conf;
struct service;
struct stream;

enum conn_state {
	CONN_READING, /* parsing requests and answering them */
	CONN_BLOCKED, /* output is full: reading waits until it drains */
	CONN_WAITING, /* a fault holds the answer: nothing is read meanwhile */
	CONN_DRAINING, /* last bytes queued: close (FIN) once they are flushed */
	CONN_RESETTING, /* last bytes queued: reset (RST) once they are flushed */
	CONN_BLACKHOLE, /* read and discard everything, never answer */
	CONN_CLOSED,
};

/* What a new connection is for: HTTP, or a connect fault's ending. */
enum conn_mode {
	CONN_MODE_HTTP,
	CONN_MODE_BLACKHOLE, /* read and discard, never answer */
	CONN_MODE_RESET, /* reset once the client has spoken */
	CONN_MODE_CLOSE, /* close (FIN) once the client has spoken */
};

struct conn {
	uint64_t id;
	struct service *service;
	struct bufferevent *bev;
	enum conn_state state;
	enum conn_mode mode;
	char peer[64];
	struct http_session *http; /* NULL for a blackholed connection */
	struct stream *stream; /* stream faults, or NULL */
	struct answer_state answer;
	uint64_t requests;
	int peer_closed; /* the client sent its FIN */
	int tls; /* it speaks TLS: its handshake is counted in the metrics */
	int tls_done; /* the TLS handshake completed */
	/* slow_handshake: fires when the handshake may start. */
	struct event *tls_hold;
	int tls_alert; /* the tls alert fault's alert index + 1, or 0 */
	TAILQ_ENTRY(conn) entry;
};

TAILQ_HEAD(conn_list, conn);

/*
 * Take over an accepted socket; NULL (socket closed) if out of memory.
 * Other modes than HTTP read and discard: a blackhole forever; reset and
 * close end the connection once the client has sent something (or 200 ms
 * passed), so the client sees ECONNRESET or EOF on its read rather than a
 * race with its own connect.
 */
struct conn *conn_new(struct service *, evutil_socket_t,
    const struct sockaddr *, int, enum conn_mode,
    const struct fault_conf *tls_fault);

/* Move to a new state; the only place that changes c->state. */
void conn_set_state(struct conn *, enum conn_state);

/* End the connection for a reason (logged), unlink it and free it. */
void conn_close(struct conn *, const char *reason);

/* Stop reading and close once everything queued has been written. */
void conn_drain(struct conn *);

/* Stop reading and reset once everything queued has been written. */
void conn_reset_after_flush(struct conn *);

/* Where answers are written: through the stream faults, if any. */
struct evbuffer *conn_output(struct conn *);

/* Where requests are read from: through the stream faults, if any. */
struct evbuffer *conn_input(struct conn *);

/* Bytes written and not yet handed to the kernel. */
size_t conn_pending(struct conn *);

/* The state's name, for logs. */
const char *conn_state_name(enum conn_state);

#endif

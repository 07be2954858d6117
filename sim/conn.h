/*
 * conn.h: one client connection to a service, the pipeline's middle step
 * (pipeline.h): it owns the socket, TLS and the stream faults, and hands
 * the client's bytes down to the service's protocol. Every state change
 * goes through conn_set_state() and every ending through conn_close().
 */
#ifndef STANDIN_CONN_H
#define STANDIN_CONN_H

#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/util.h>

#include "fault.h"
#include "pipeline.h"

/* Past this much unsent output a connection stops reading (backpressure). */
#define CONN_OUTPUT_HIGH (1024 * 1024)
/* Past this much unparsed input a connection stops reading. */
#define CONN_INPUT_HIGH (2 * 1024 * 1024)

struct bufferevent;
struct event;
struct service;
struct stream;

/* A connection's one state machine. */
enum conn_state {
	CONN_TLS_HOLD, /* slow_handshake: TLS has not started yet */
	CONN_TLS, /* the TLS handshake is under way */
	CONN_READING, /* handing requests down and answering them */
	CONN_BLOCKED, /* output is full: reading waits until it drains */
	CONN_WAITING, /* an answer is held: nothing is handed down meanwhile */
	CONN_DRAINING, /* last bytes queued: close (FIN) once they are flushed */
	CONN_RESETTING, /* last bytes queued: reset (RST) once they are flushed */
	/* Answer and FIN sent: read and discard until the client closes (2 s
	 * at most), so bytes it still sends cannot turn into a RST that
	 * destroys the answer before it is read (a lingering close). */
	CONN_LINGERING,
	CONN_BLACKHOLE, /* a connect fault: read and discard, never answer */
	CONN_FAULT_RESET, /* a connect fault: reset once the client speaks */
	CONN_FAULT_CLOSE, /* a connect fault: close once the client speaks */
	CONN_CLOSED,
};

struct conn {
	uint64_t id;
	struct service *service;
	struct bufferevent *bev;
	enum conn_state state;
	const char *ending; /* why it will close, once draining or resetting */
	char peer[64];
	/*
	 * A plain connection without stream faults does its own socket I/O
	 * (conn_direct_*): the bufferevent's buffers stay, its events rest.
	 * Its read asks the kernel how much is readable (an ioctl) before
	 * every read, and its write event is added and deleted around every
	 * answer (two epoll_ctl calls): 5 system calls a request where nginx
	 * makes 3 (the profile: the kernel was 3/4 of the CPU spent).
	 */
	int direct;
	struct event *rd; /* direct: the socket is readable */
	struct event *flush; /* direct: output was added, write it */
	int flush_due; /* direct: flush is active, not run yet */
	int rd_on; /* direct: reading is wanted (the state allows it) */
	int rd_full; /* direct: paused, CONN_INPUT_HIGH bytes wait unparsed */
	int eof_told; /* the protocol heard of the client's FIN */
	struct link link; /* what the steps below see */
	void *session; /* the protocol's; NULL for a connect fault's */
	struct stream *stream; /* stream faults, or NULL */
	struct event *tls_hold; /* slow_handshake: fires when TLS may start */
	const char *tls_alert; /* the tls alert fault's alert, or NULL */
	uint64_t active_us; /* when it last read, or its output moved */
	uint64_t idle_us; /* silence past this closes it (the service's) */
	size_t swept_pending; /* output pending at the last sweep */
	TAILQ_ENTRY(conn) entry;
};

/*
 * Take over an accepted socket, made into what the accept-time faults
 * say: served (with tls_fault, if any, on its handshake), or a connect
 * fault's blackhole, reset or close. Reset and close end the connection
 * once the client has sent something (or 200 ms passed), so the client
 * sees ECONNRESET or EOF on its read rather than a race with its own
 * connect. NULL (socket closed) if out of memory.
 */
struct conn *conn_new(struct service *, evutil_socket_t,
    const struct sockaddr *, int, enum fault_accept,
    const struct fault_conf *tls_fault);

/* Move to a new state; the only place that changes c->state. */
void conn_set_state(struct conn *, enum conn_state);

/* End the connection for a reason (journaled), unlink it and free it. */
void conn_close(struct conn *, const char *reason);

/* Stop reading and close once everything queued has been written. */
void conn_drain(struct conn *);

/* Close every connection of a service (shutdown). */
void conn_close_all(struct service *, const char *reason);

/*
 * The active faults changed: on a service with live stream faults, draw
 * each open connection's stream faults again and apply them to it in
 * place (a connection whose timeout fault went is closed). Does nothing
 * for other services.
 */
void conn_stream_faults_changed(struct service *);

/* The state's name, for logs. */
const char *conn_state_name(enum conn_state);

#endif

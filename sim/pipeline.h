/*
 * pipeline.h: the one-way pipeline a connection flows through, and the
 * interfaces between its steps.
 *
 *   listener.c  accepts a socket and hands it to the service's accept
 *   accept.c    chooses the connect and tls faults for it, then makes
 *   conn.c      one connection: the socket, its one state machine, TLS
 *               (tls.c) and the stream faults (stream.c); it hands the
 *               client's bytes down to the service's protocol through
 *   proto_ops   HTTP today (http.c), which runs each request through the
 *               handshake and http faults (answer.c) down to the service's
 *   farend_ops  far end: what answers. A persona today (persona.c); an
 *               upstream (proxy mode) or a set of stubs plug in here.
 *
 * Calls go down only: no step names a function of the step above it.
 * What a step has to say comes back up as the flow it returns, or, when it
 * happens later (a timer fires, a far end answers), through the one
 * callback its owner lent it: struct link's wake.
 *
 * A new far end implements struct farend_ops and is chosen for a service
 * in service_new(); a new protocol (raw bytes for a TCP proxy) implements
 * struct proto_ops the same way. Nothing above them changes.
 */
#ifndef STANDIN_PIPELINE_H
#define STANDIN_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct event_base;
struct injector;
struct journal;
struct metrics;
struct reply;
struct request;
struct response_writer;
struct timeline;

/* What every connection's steps share: one per server, owned by it. */
struct pipeline {
	struct event_base *base;
	struct injector *inject; /* the active faults and the generator */
	struct journal *journal; /* NULL: none */
	struct metrics *metrics; /* NULL: none */
	struct timeline *timeline; /* NULL: no phases counted */
	struct response_writer *responses; /* HTTP responses written out */
	uint64_t next_conn_id; /* the last connection's id */
};

/* A service's counts, kept by the steps that see each event. */
struct pipe_counts {
	uint64_t connections; /* accepted so far */
	size_t open; /* connections open now */
	uint64_t requests; /* requests begun so far */
};

/* What a step tells the one above it: how the connection goes on. */
enum flow {
	FLOW_NEED, /* nothing to do until more bytes arrive */
	FLOW_NEXT, /* a request is answered: hand down what waits */
	FLOW_HOLD, /* an answer is held: hand nothing down until woken */
	FLOW_CLOSE, /* close (FIN) once everything queued has left */
	FLOW_RESET, /* reset (RST) once everything queued has left */
	FLOW_ABORT, /* close now, for link->reason */
};

struct farend;

/*
 * What a connection lends the steps below it. They read and write its
 * buffers and count on it; they tell it things only by returning a flow
 * or, later, through wake().
 */
struct link {
	struct pipeline *pipeline;
	const char *service; /* the service's name, for journal and metrics */
	uint64_t conn; /* the connection's id */
	struct pipe_counts *counts; /* the service's */
	const struct farend *farend; /* the service's far end */
	struct evbuffer
	    *in; /* the client's bytes, past tls and stream faults */
	struct evbuffer *out; /* bytes to the client */
	void *
	    stream; /* the far end's stream for the connection (ask), or NULL */
	uint64_t requests; /* requests begun on this connection */
	uint64_t request_timeout_us; /* a request's first byte to its last */
	int peer_closed; /* the client sent its FIN */
	int peer_reset; /* the connection ends because the client reset it */
	const char *reason; /* why, with FLOW_ABORT (or FLOW_CLOSE) */
	/* A held answer went out at released_us, late_us after its fault said
	 * (0: none waiting to be measured): the connection times its write. */
	uint64_t released_us, late_us;
	/*
	 * The owner's: a step that held the connection (FLOW_HOLD) moved on.
	 * The connection may be gone when it returns: call it last.
	 */
	void (*wake)(struct link *, enum flow);
	void *owner;
};

/* A protocol on a connection: HTTP, or (proxy mode) raw bytes. */
struct proto_ops {
	const char *name;
	/* A session for a new connection; NULL if out of memory. */
	void *(*open)(struct link *);
	/* Bytes wait in link->in: take them, at most one request's worth. */
	enum flow (*input)(void *session);
	/*
	 * The client sent its FIN while the session holds an answer:
	 * FLOW_HOLD lets the answer come, FLOW_ABORT gives up on it.
	 */
	enum flow (*held_eof)(void *session);
	/*
	 * The client sent its FIN and everything it sent has been handed
	 * down: FLOW_CLOSE ends the connection once answered (HTTP), FLOW_NEED
	 * keeps it open (a proxy passes the FIN on; the far end ends it).
	 */
	enum flow (*eof)(void *session);
	/* The connection is going: free the session and what it holds. */
	void (*close)(void *session);
};

/* What a fault changes about one call to a far end. */
struct farend_call {
	char **versions; /* answer as if it spoke only these (NULL: as usual) */
	size_t nversions;
};

/* What answers requests: a persona (later an upstream, stubs). */
struct farend_ops {
	const char *name;
	/* Answer one request: fill reply (always). */
	void (*answer)(void *impl, const struct request *,
	    const struct farend_call *, struct reply *);
	/*
	 * The label of the route that takes this request, for the metrics
	 * (a pattern, never a raw path; it belongs to the far end).
	 */
	const char *(*route)(void *impl, const struct request *);
	/*
	 * A byte stream to the far end, one per connection (a proxy's
	 * upstream); NULL for a far end that answers requests. stream_open
	 * dials for the link and returns the stream (NULL if out of memory);
	 * stream_send takes the bytes waiting in link->in, all of them, or
	 * none while its side is full (FLOW_NEED; it wakes the link with
	 * FLOW_NEXT once it can take more); stream_eof passes the client's
	 * FIN on; stream_close ends it (reset: the client reset, so does it).
	 */
	void *(*stream_open)(void *impl, struct link *);
	enum flow (*stream_send)(void *stream);
	void (*stream_eof)(void *stream);
	void (*stream_close)(void *stream, int reset);
	/*
	 * Answer one request later, on the stream stream_open made for the
	 * connection (an http proxy's upstream): ready(arg, reply) comes
	 * once, from the loop, never from inside ask, and never after
	 * stream_close; the reply is the far end's until ready returns
	 * (ready releases it). NULL for a far end that answers at once.
	 */
	void (*ask)(void *stream, const struct request *,
	    void (*ready)(void *arg, struct reply *), void *arg);
};

/* A far end and its instance. */
struct farend {
	const struct farend_ops *ops;
	void *impl;
};

#endif

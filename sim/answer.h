/*
 * answer.h: answering one complete request through the fault layers:
 * the handshake faults (for the hello and the X-Protocol-Version check),
 * the http faults due before the persona sees the request, the persona (or
 * a stub), the http faults due after it, and delivery. A fault that holds
 * the answer (delay, drip, timeout, slow hello) parks the connection in
 * CONN_WAITING with a timer; pipelined requests wait behind it.
 */
#ifndef STANDIN_ANSWER_H
#define STANDIN_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "persona.h"

struct conn;
struct evbuffer;
struct event;
struct fault_conf;

/* Where a held answer goes on when its timer fires. */
enum answer_step {
	ANSWER_IDLE,
	ANSWER_PERSONA, /* a delay before the persona: ask it, then deliver */
	ANSWER_SEND, /* a held answer: write it now */
	ANSWER_DRIP, /* write the next piece of a dripped answer */
	ANSWER_HOLD, /* timeout: never answer (close if close_after is due) */
};

struct answer_state {
	enum answer_step step;
	struct event *timer;
	struct evbuffer *held; /* a serialized answer not yet written */
	struct persona_call call; /* overrides for the persona (versions) */
	size_t drip_chunk;
	uint64_t drip_interval_us;
	uint64_t started_us; /* the request was complete (for the metrics) */
};

/* Answer the request complete in c->http. */
void answer_request(struct conn *);

/* Free what a connection's answer state holds; safe when idle. */
void answer_state_free(struct answer_state *);

#endif

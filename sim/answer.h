/*
 * answer.h: the http layer's answer to one complete request, in the order
 * of the wire: the handshake faults (the hello, and the X-Protocol-Version
 * check), the http faults due before the far end, the far end's answer
 * (pipeline.h), the http faults due after it, and delivery into the
 * link's output. A fault that holds the answer (delay, drip, timeout, a
 * slow hello) returns FLOW_HOLD and tells its owner later, through the
 * done callback, how the connection goes on.
 */
#ifndef STANDIN_ANSWER_H
#define STANDIN_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline.h"
#include "response.h"

struct evbuffer;
struct event;
struct request;

/* The owner's: a held answer is out (or given up), go on with flow. */
typedef void answer_done_fn(void *arg, enum flow);

/* Where a held answer goes on when its timer fires. */
enum answer_step {
	ANSWER_IDLE,
	ANSWER_FAREND, /* a delay before the far end: ask it, then deliver */
	ANSWER_SEND, /* a held answer: write it now */
	ANSWER_DRIP, /* write the next piece of a dripped answer */
	ANSWER_HOLD, /* timeout: never answer (close if close_after is due) */
	ANSWER_ASKED, /* the far end answers later (an http proxy's upstream) */
};

/* One connection's answering: at most one request at a time. */
struct answer {
	struct link *link;
	answer_done_fn *done;
	void *arg;
	const struct request *req; /* being answered; the owner's, kept */
	struct response_opts opts; /* how its response is written */
	enum answer_step step;
	struct event *timer;
	struct evbuffer *held; /* a serialized answer not yet written */
	struct farend_call call; /* overrides for the far end (versions) */
	size_t drip_chunk;
	uint64_t drip_interval_us;
	uint64_t started_us; /* the request was complete (for the metrics) */
	uint64_t due_us; /* when the timer should fire (its lateness) */
	/* A far end that answers later: when it was asked, how long it took
	 * (0: not asked), for the journal's response event. */
	uint64_t asked_us, upstream_us;
};

/* Ready to answer on a link; done(arg, flow) after a held answer. */
void answer_init(struct answer *, struct link *, answer_done_fn *, void *arg);

/*
 * Answer a complete request (kept, with opts, until the answer is out):
 * FLOW_NEXT when its answer is queued, FLOW_HOLD when a fault holds it
 * (done() follows), FLOW_CLOSE, FLOW_RESET or FLOW_ABORT as a fault (or
 * running out of memory) ends the connection.
 */
enum flow answer_request(
    struct answer *, const struct request *, const struct response_opts *);

/*
 * The client sent its FIN while an answer is held: FLOW_ABORT if it is
 * one that never comes (a timeout fault), else FLOW_HOLD.
 */
enum flow answer_held_eof(const struct answer *);

/* Free what the answering holds; safe when idle. */
void answer_free(struct answer *);

#endif

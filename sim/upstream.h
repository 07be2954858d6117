/*
 * upstream.h: a proxy service's far end (pipeline.h): the real service
 * behind standin. Every client connection gets its own connection to the
 * upstream, dialled when the client connects; the client's bytes go up
 * and the upstream's come down through the link's buffers, so that every
 * layer above (connect, tls and stream faults) shapes them as it shapes a
 * persona's. It tells the connection how things end only through the
 * link's wake: FLOW_CLOSE when the upstream closes, FLOW_RESET when it
 * resets or cannot be reached.
 */
#ifndef STANDIN_UPSTREAM_H
#define STANDIN_UPSTREAM_H

#include "pipeline.h"

struct service_conf;
struct upstream;

/*
 * A service's upstream, as its scenario entry says; NULL if out of
 * memory. down(arg, refusing) is the service's, lent: the upstream tells
 * it when its dials start being refused and when one gets through again
 * (only with "upstream_down": "refuse").
 */
struct upstream *upstream_new(struct pipeline *, const struct service_conf *,
    void (*down)(void *arg, int refusing), void *arg);

/*
 * Point it at a (re)loaded scenario entry: new dials go there. Returns 0,
 * or -1 (logged) if its upstream_tls cannot be set up: nothing changed.
 */
int upstream_configure(struct upstream *, const struct service_conf *);

/* Free it; connections it dialled must be gone. Safe on NULL. */
void upstream_free(struct upstream *);

/* The far end's operations: a byte stream per client connection. */
extern const struct farend_ops upstream_farend;

#endif

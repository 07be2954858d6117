/*
 * accept.h: what becomes of a socket a service's listener accepted: the
 * pipeline's second step (pipeline.h).
 */
#ifndef STANDIN_ACCEPT_H
#define STANDIN_ACCEPT_H

#include <event2/util.h>

struct sockaddr;

/*
 * A listener_accept_fn for a service (arg is the struct service): choose
 * the connect faults (reset, close, blackhole, max_connections) and the
 * tls fault the handshake will carry (or a tls stall), then make the
 * connection in the state they say, counting it in the metrics and
 * toward the phases.
 */
void accept_connection(evutil_socket_t, const struct sockaddr *, int, void *);

#endif

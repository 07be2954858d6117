/*
 * service.h: one running service: its listener, its TLS, its protocol and
 * far end (pipeline.h), and the connections it holds. A service outlives
 * a scenario reload when its name and persona stay, so its data sticks
 * while standin runs.
 */
#ifndef STANDIN_SERVICE_H
#define STANDIN_SERVICE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "pipeline.h"

struct conn;
struct event;
struct listener;
struct persona;
struct service_conf;
struct stub_conf;
struct tls_server;
struct upstream;

TAILQ_HEAD(conn_list, conn);

struct service {
	struct pipeline *pipeline; /* the server's */
	char *name;
	const struct service_conf
	    *conf; /* in the server's scenario; NULL once removed */
	struct persona *persona; /* or, for a proxy, */
	struct upstream *upstream; /* the real service behind it */
	struct farend farend; /* what answers: the persona or the upstream */
	const struct proto_ops *proto; /* what its connections speak */
	struct listener *listener;
	struct tls_server *tls; /* NULL: plain TCP */
	struct conn_list conns;
	struct event *sweep; /* looks over conns for idleness (conn.c) */
	struct pipe_counts counts;
	/* What its listener is asked to do: the connect faults' refuse and
	 * stall, and a proxy's upstream refusing ("upstream_down"). */
	int fault_refuse, fault_stall, upstream_refusing;
	int refs; /* the server's, and one per connection */
	TAILQ_ENTRY(service) entry;
};

TAILQ_HEAD(service_list, service);

/* A service for a scenario entry, with its persona; not yet listening. */
struct service *service_new(
    struct pipeline *, const struct service_conf *, uint64_t seed);

/* Point a service at a (re)loaded scenario entry and its stubs. */
void service_configure(struct service *, const struct service_conf *,
    const struct stub_conf *stubs, size_t nstubs);

/*
 * Put the listener in the state the connect faults ask for (refuse:
 * closed, stall: not accepting); a proxy whose upstream refuses refuses
 * too. Returns 0, or -1 with err set if the socket cannot be bound again.
 */
int service_listen_faults(
    struct service *, int refuse, int stall, char *err, size_t errlen);

/* Are a running service and a scenario entry the same kind of service
 * (the same persona, or both proxies), so a reload may keep it? */
int service_same_kind(const struct service *, const struct service_conf *);

/* The kind of service, for logs and GET /status: the persona's name or
 * "proxy". */
const char *service_kind_name(const struct service *);

/* Take and drop references; the last drop frees it. */
void service_ref(struct service *);
void service_unref(struct service *);

#endif

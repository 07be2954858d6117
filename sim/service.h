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

TAILQ_HEAD(conn_list, conn);

struct service {
	struct pipeline *pipeline; /* the server's */
	char *name;
	const struct service_conf
	    *conf; /* in the server's scenario; NULL once removed */
	struct persona *persona;
	struct farend farend; /* what answers its requests: the persona */
	const struct proto_ops *proto; /* what its connections speak */
	struct listener *listener;
	struct tls_server *tls; /* NULL: plain TCP */
	struct conn_list conns;
	struct event *sweep; /* looks over conns for idleness (conn.c) */
	struct pipe_counts counts;
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

/* Take and drop references; the last drop frees it. */
void service_ref(struct service *);
void service_unref(struct service *);

#endif

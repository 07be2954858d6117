/*
 * accept.c: an accepted socket meets the connect and tls layers' faults.
 * Which fault applies is the injector's decision; what it makes of the
 * connection is the catalogue's (fault.h: accept, outcome); conn.c then
 * takes the socket over in that state.
 */
#include "config.h"

#include "accept.h"
#include "conn.h"
#include "fault.h"
#include "inject.h"
#include "metrics.h"
#include "service.h"
#include "timeline.h"

void
accept_connection(
    evutil_socket_t fd, const struct sockaddr *sa, int salen, void *arg)
{
	struct service *svc = arg;
	struct pipeline *p = svc->pipeline;
	struct inject_ctx ctx = { 0 };
	const struct fault_conf *f, *tls_fault = NULL;
	enum fault_accept how = FAULT_ACCEPT_SERVE;
	const char *outcome = "served";

	svc->counts.connections++;
	ctx.service = svc->name;
	ctx.conn = p->next_conn_id + 1;
	ctx.open_conns = svc->counts.open;
	f = inject_pick(p->inject, FAULT_LAYER_CONNECT, &ctx);
	/* The tls layer, above connect: a stall is a blackhole in TLS. */
	if (f == NULL && svc->tls != NULL)
		f = tls_fault = inject_pick(p->inject, FAULT_LAYER_TLS, &ctx);
	if (f != NULL && f->kind->accept != FAULT_ACCEPT_SERVE) {
		how = f->kind->accept;
		outcome = f->kind->outcome;
		tls_fault = NULL;
	}
	conn_new(svc, fd, sa, salen, how, tls_fault);
	metrics_connection(p->metrics, svc->name, outcome);
	timeline_count_connection(p->timeline);
}

/* service.c: a running service and the references that keep it alive. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "listener.h"
#include "persona.h"
#include "scenario.h"
#include "server.h"
#include "service.h"
#include "tls.h"
#include "util.h"

struct service *
service_new(struct server *srv, const struct service_conf *conf, uint64_t seed)
{
	struct service *svc;

	svc = xcalloc(1, sizeof *svc);
	svc->server = srv;
	svc->name = xstrdup(conf->name);
	svc->conf = conf;
	svc->refs = 1;
	TAILQ_INIT(&svc->conns);
	svc->persona = persona_new(conf, seed);
	if (svc->persona == NULL) {
		service_unref(svc);
		return NULL;
	}
	return svc;
}

void
service_configure(struct service *svc, const struct service_conf *conf,
    const struct stub_conf *stubs, size_t nstubs)
{
	size_t i;

	svc->conf = conf;
	svc->nstubs = 0;
	free(svc->stubs);
	svc->stubs = NULL;
	if (conf == NULL)
		return;
	persona_configure(svc->persona, conf);
	svc->stubs = xcalloc(nstubs, sizeof *svc->stubs);
	for (i = 0; i < nstubs; i++) {
		if (stubs[i].service == NULL ||
		    strcmp(stubs[i].service, svc->name) == 0)
			svc->stubs[svc->nstubs++] = &stubs[i];
	}
}

void
service_ref(struct service *svc)
{
	svc->refs++;
}

void
service_unref(struct service *svc)
{
	if (--svc->refs > 0)
		return;
	listener_free(svc->listener);
	tls_server_free(svc->tls);
	persona_free(svc->persona);
	free(svc->stubs);
	free(svc->name);
	free(svc);
}

void
service_close_conns(struct service *svc, const char *reason)
{
	struct conn *c, *next;

	/* A connection may be the last reference: hold one while walking. */
	service_ref(svc);
	for (c = TAILQ_FIRST(&svc->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		conn_close(c, reason);
	}
	service_unref(svc);
}

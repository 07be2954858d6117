/*
 * server.c: `standin serve`: load the scenario, make its services live,
 * write the ready file, and run the loop until told to stop. SIGHUP
 * reloads the scenario without dropping what still applies.
 */
#include "config.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "accept.h"
#include "certs.h"
#include "clock.h"
#include "conn.h"
#include "control.h"
#include "journal.h"
#include "listener.h"
#include "metrics.h"
#include "timeline.h"
#include "tls.h"
#include "log.h"
#include "persona.h"
#include "response.h"
#include "scenario.h"
#include "server.h"
#include "service.h"
#include "util.h"

/* How long open connections get to finish after SIGTERM. */
#define SERVER_GRACE_SEC 5

static void server_signal_cb(evutil_socket_t, short, void *);
static void server_stop_cb(evutil_socket_t, short, void *);
static void server_ready_cb(evutil_socket_t, short, void *);

/* How long the ready file waits after a Toxiproxy API change. */
#define SERVER_READY_DELAY_USEC 10000

/*
 * Raise the soft limit on open files to the hard one: a stand-in is
 * expected to hold many connections (blackhole, stall faults).
 */
static void
server_raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * Keep freed buffers mapped: a proxied transfer reads into 256 KB chains
 * and frees each once written. glibc's defaults gave the top of the heap
 * back after every one (a brk each way) and took page faults to grow it
 * again: a sixth of a 100 MB transfer's time (perf). Up to 16 MB stays
 * mapped once used; buffers under 4 MB come from the heap.
 */
static void
server_tune_malloc(void)
{
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 16 * 1024 * 1024);
#endif
}

/*
 * The event loop, with precise timers (timerfd on Linux): injected delays
 * must not be rounded up to the next millisecond.
 */
static struct event_base *
server_base_new(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;

	if (cfg == NULL)
		return NULL;
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

/*
 * What the command line overrides in any scenario it runs. Every scenario
 * that runs comes through here, so the phases are judged again at the
 * time_scale that actually runs: -1, with the errors in errs, when one
 * would be shorter than the floor or longer than the timers can hold.
 */
static int
server_overrides(struct server *srv, struct scenario *sc, struct errlist *errs)
{
	if (srv->opts.has_seed)
		sc->seed = srv->opts.seed;
	if (srv->opts.time_scale > 0)
		sc->time_scale = srv->opts.time_scale;
	return scenario_check_scale(sc, sc->time_scale,
	    srv->opts.time_scale > 0 ? "--time-scale" : "time_scale", errs);
}

/* Load the configured scenario, or the built-in default. */
static struct scenario *
server_load(struct server *srv, int *code, char **cause)
{
	struct errlist errs = { 0 };
	struct scenario *sc;

	if (srv->opts.scenario_path == NULL)
		sc = scenario_default();
	else {
		errno = 0;
		sc = scenario_load_file(srv->opts.scenario_path, &errs);
	}
	if (sc == NULL) {
		/* errno is set only when the file could not be read. */
		*code = errno != 0 ? EXIT_NOINPUT : EXIT_DATAERR;
		*cause = errlist_join(&errs);
		errlist_clear(&errs);
		return NULL;
	}
	if (server_overrides(srv, sc, &errs) != 0) {
		scenario_free(sc);
		*code = EXIT_DATAERR;
		*cause = errlist_join(&errs);
		errlist_clear(&errs);
		return NULL;
	}
	return sc;
}

/* The running service of that name and persona, or NULL. */
static struct service *
server_find(struct server *srv, const struct service_conf *conf)
{
	struct service *svc;

	TAILQ_FOREACH(svc, &srv->services, entry)
	{
		if (strcmp(svc->name, conf->name) == 0 &&
		    service_same_kind(svc, conf))
			return svc;
	}
	return NULL;
}

/*
 * A running service whose listener can serve conf: bound to the same host
 * and port, or (port 0) the same service asking for port 0 again, so a
 * reload keeps the port the OS chose.
 */
static struct service *
server_listener_owner(struct server *srv, const struct service_conf *conf)
{
	struct service *svc;

	TAILQ_FOREACH(svc, &srv->services, entry)
	{
		if (svc->listener == NULL ||
		    !listener_matches(svc->listener, conf->host, conf->port))
			continue;
		if (conf->port != 0 || strcmp(svc->name, conf->name) == 0)
			return svc;
	}
	return NULL;
}

/*
 * Make the services of a scenario live. A running service of the same name
 * and persona is kept (its data sticks); a listener already bound to the
 * address is kept; the rest are bound. Nothing changes unless every
 * listener could be had. Takes ownership of sc on success and hands back
 * the scenario it replaces in *old, for the caller to free once nothing
 * points into it.
 */
static int
server_apply(struct server *srv, struct scenario *sc, struct scenario **old,
    char **cause)
{
	struct service **svcs, **owners, *svc, *next;
	struct listener **fresh;
	struct tls_server **tlss;
	const struct service_conf *conf;
	struct service_list live;
	char err[512], *why = NULL;
	size_t i, j;
	int code = 0;

	svcs = xcalloc(sc->nservices, sizeof *svcs);
	owners = xcalloc(sc->nservices, sizeof *owners);
	fresh = xcalloc(sc->nservices, sizeof *fresh);
	tlss = xcalloc(sc->nservices, sizeof *tlss);
	/* TLS first: a bad certificate file should not cost a bind. */
	for (i = 0; i < sc->nservices; i++) {
		conf = &sc->services[i];
		if (!conf->tls.enabled)
			continue;
		if (srv->certs == NULL &&
		    (srv->certs = certs_new(&why)) == NULL) {
			*cause = xasprintf("cannot make certificates: %s", why);
			free(why);
			code = EXIT_SOFTWARE;
			goto fail;
		}
		tlss[i] =
		    tls_server_new(&conf->tls, srv->certs, conf->host, &why);
		if (tlss[i] == NULL) {
			*cause = xasprintf("%s: TLS: %s", conf->name, why);
			free(why);
			code = EXIT_DATAERR;
			goto fail;
		}
	}
	for (i = 0; i < sc->nservices; i++) {
		conf = &sc->services[i];
		/* A disabled service keeps no listener: connections are
		 * refused. */
		owners[i] =
		    conf->disabled ? NULL : server_listener_owner(srv, conf);
		if (owners[i] == NULL && !conf->disabled) {
			fresh[i] = listener_open(
			    srv->base, conf->host, conf->port, err, sizeof err);
			if (fresh[i] == NULL) {
				*cause = xasprintf("%s: %s", conf->name, err);
				code = EXIT_OSERR;
				goto fail;
			}
		}
		svcs[i] = server_find(srv, conf);
		if (svcs[i] == NULL) {
			svcs[i] = service_new(&srv->pipeline, conf, sc->seed);
			if (svcs[i] == NULL) {
				*cause = xasprintf(
				    "%s: cannot load its fixture data",
				    conf->name);
				code = EXIT_SOFTWARE;
				goto fail;
			}
			svcs[i]->refs = 0; /* taken below, once committed */
		}
	}

	/* Commit: nothing below can fail. */
	for (i = 0; i < sc->nservices; i++) {
		if (owners[i] != NULL) {
			fresh[i] = owners[i]->listener;
			owners[i]->listener = NULL;
		}
	}
	TAILQ_INIT(&live);
	for (i = 0; i < sc->nservices; i++) {
		svc = svcs[i];
		if (svc->refs > 0)
			TAILQ_REMOVE(&srv->services, svc, entry);
		else
			svc->refs = 1;
		TAILQ_INSERT_TAIL(&live, svc, entry);
		service_configure(svc, &sc->services[i], sc->stubs, sc->nstubs);
		listener_free(svc->listener);
		svc->listener = fresh[i];
		if (svc->listener != NULL)
			listener_attach(
			    svc->listener, accept_connection, svc, svc->name);
		else /* disabled: its open connections go too */
			conn_close_all(svc, "the service was disabled");
		tls_server_free(svc->tls);
		svc->tls = tlss[i];
		tlss[i] = NULL;
	}
	/* Services the new scenario dropped: stop listening, let them go. */
	for (svc = TAILQ_FIRST(&srv->services); svc != NULL; svc = next) {
		next = TAILQ_NEXT(svc, entry);
		TAILQ_REMOVE(&srv->services, svc, entry);
		log_msg(LOG_INFO, svc->name, "removed by the new scenario");
		listener_free(svc->listener);
		svc->listener = NULL;
		/* Its connections live on; never through a UMS about to go. */
		persona_set_users_from(svc->persona, NULL);
		service_configure(svc, NULL, NULL, 0);
		service_unref(svc);
	}
	TAILQ_CONCAT(&srv->services, &live, entry);
	for (i = 0; i < sc->nservices; i++) {
		conf = &sc->services[i];
		persona_set_users_from(svcs[i]->persona, NULL);
		for (j = 0; conf->users_from != NULL && j < sc->nservices;
		     j++) {
			if (strcmp(sc->services[j].name, conf->users_from) == 0)
				persona_set_users_from(
				    svcs[i]->persona, svcs[j]->persona);
		}
	}
	*old = srv->scenario;
	srv->scenario = sc;
	goto out;
fail:
	for (i = 0; i < sc->nservices; i++) {
		listener_free(fresh[i]);
		tls_server_free(tlss[i]);
		if (svcs[i] != NULL && svcs[i]->refs == 0) {
			svcs[i]->refs = 1;
			service_unref(svcs[i]);
		}
	}
out:
	free(svcs);
	free(owners);
	free(fresh);
	free(tlss);
	return code;
}

void
server_apply_states(struct server *srv)
{
	server_faults_changed(srv, NULL);
}

void
server_faults_changed(struct server *srv, const char *service)
{
	struct service *svc;
	char err[512];
	int refuse, stall;

	TAILQ_FOREACH(svc, &srv->services, entry)
	{
		if (service == NULL || strcmp(svc->name, service) == 0)
			conn_stream_faults_changed(svc);
		if (svc->listener == NULL)
			continue;
		refuse =
		    inject_state(&srv->inject, svc->name, FAULT_REFUSE) != NULL;
		stall = inject_state(&srv->inject, svc->name,
		            FAULT_STALL_ACCEPT) != NULL;
		if (service_listen_faults(
		        svc, refuse, stall, err, sizeof err) == -1)
			log_msg(LOG_ERROR, svc->name, "%s", err);
	}
}

/*
 * Make the current phase's faults the active ones and put every listener
 * in the state its connect faults ask for.
 */
static void
server_phase_apply(struct server *srv)
{
	inject_activate(
	    &srv->inject, srv->scenario, timeline_phase(srv->timeline));
	server_apply_states(srv);
}

/* The timeline moved to another phase (or began the same one again). */
static void
server_phase_changed(void *arg)
{
	struct server *srv = arg;

	metrics_phase_changed(srv->metrics);
	server_phase_apply(srv);
}

/* Write the ready file atomically: a temporary file renamed into place. */
static int
server_write_ready(struct server *srv, char **cause)
{
	const char *path = srv->opts.ready_file;
	struct service *svc;
	json_t *o, *svcs;
	char *tmp;
	int rc = 0;

	if (path == NULL)
		return 0;
	svcs = json_object();
	TAILQ_FOREACH(svc, &srv->services, entry)
	{
		json_object_set_new(svcs, svc->name,
		    svc->listener != NULL
		        ? json_string(listener_address(svc->listener))
		        : json_null());
	}
	o = json_pack("{s:I, s:s, s:o}", "pid", (json_int_t)getpid(),
	    "scenario", srv->scenario->name, "services", svcs);
	if (srv->control != NULL)
		json_object_set_new(
		    o, "control", json_string(control_address(srv->control)));
	tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	if (json_dump_file(o, tmp, JSON_COMPACT) == -1 ||
	    rename(tmp, path) == -1) {
		*cause = xasprintf("cannot write the ready file %s: %s", path,
		    strerror(errno));
		unlink(tmp);
		rc = -1;
	}
	free(tmp);
	json_decref(o);
	return rc;
}

/* Log where each service listens. */
static void
server_log_services(struct server *srv)
{
	struct service *svc;

	TAILQ_FOREACH(svc, &srv->services, entry)
	{
		if (svc->listener == NULL) {
			log_msg(LOG_INFO, svc->name, "%s disabled",
			    service_kind_name(svc));
			continue;
		}
		log_msg(LOG_INFO, svc->name, "%s listening on %s%s%s",
		    service_kind_name(svc), listener_address(svc->listener),
		    svc->upstream != NULL ? ", upstream " : "",
		    svc->upstream != NULL ? svc->conf->upstream : "");
	}
}

/* The control API's hook for the running scenario. */
static const struct scenario *
server_control_scenario(void *arg)
{
	struct server *srv = arg;

	return srv->scenario;
}

/* The control API's hook for PUT /scenario. */
static int
server_control_replace(void *arg, struct scenario *sc, char **cause)
{
	return server_replace(arg, sc, cause);
}

/* The control API's hook for a scenario changed in its services. */
static int
server_control_amend(void *arg, struct scenario *sc, char **cause)
{
	return server_amend(arg, sc, cause);
}

/* The control API's hook to restart a service's connections. */
static void
server_control_restart(void *arg, const char *service)
{
	struct server *srv = arg;
	struct service *svc;

	TAILQ_FOREACH(svc, &srv->services, entry)
	{
		if (strcmp(svc->name, service) == 0)
			conn_close_all(svc, "the proxy was restarted");
	}
}

/* The control API's hook for POST /reset. */
static void
server_control_reset(void *arg)
{
	server_reset(arg);
}

/* The control API's hook after it added or removed faults. */
static void
server_control_faults_changed(void *arg, const char *service)
{
	server_faults_changed(arg, service);
}

/* The control API's hook listing the services, as plain data. */
static void
server_control_services(void *arg, control_service_fn *fn, void *fnarg)
{
	struct server *srv = arg;
	struct control_service cs;
	struct service *svc;

	TAILQ_FOREACH(svc, &srv->services, entry)
	{
		memset(&cs, 0, sizeof cs);
		cs.name = svc->name;
		cs.persona =
		    svc->upstream == NULL ? service_kind_name(svc) : NULL;
		cs.upstream = svc->conf->upstream;
		cs.listen = svc->conf->listen;
		cs.enabled = !svc->conf->disabled;
		cs.address = svc->listener != NULL
		    ? listener_address(svc->listener)
		    : NULL;
		cs.tls = svc->tls != NULL;
		cs.connections = svc->counts.connections;
		cs.open = svc->counts.open;
		cs.requests = svc->counts.requests;
		fn(&cs, fnarg);
	}
}

/* Start the control API, lending it what it drives. */
static struct control *
server_control_start(struct server *srv, char **cause)
{
	struct control_target t;

	memset(&t, 0, sizeof t);
	t.inject = &srv->inject;
	t.journal = srv->journal;
	t.metrics = srv->metrics;
	t.timeline = srv->timeline;
	t.started_us = srv->started_us;
	t.arg = srv;
	t.scenario = server_control_scenario;
	t.replace = server_control_replace;
	t.amend = server_control_amend;
	t.restart = server_control_restart;
	t.reset = server_control_reset;
	t.faults_changed = server_control_faults_changed;
	t.services = server_control_services;
	return control_start(srv->base, &t, srv->opts.control_addr,
	    srv->opts.control_token, srv->opts.control_insecure, cause);
}

/*
 * Make the proxies of a Toxiproxy -config file, as Toxiproxy does: an
 * error is logged and serving goes on with what could be made.
 */
static void
server_toxiproxy_config(struct server *srv, const char *path)
{
	char *text, *msg = NULL;
	size_t len;

	text = file_read(path, CONTROL_BODY_MAX, &len);
	if (text == NULL) {
		log_error("--toxiproxy-config %s: cannot read: %s", path,
		    strerror(errno));
		return;
	}
	if (control_toxiproxy_populate(srv->control, text, len, &msg) != 0) {
		log_error("--toxiproxy-config %s: %s", path, msg);
		free(msg);
	} else
		log_info("--toxiproxy-config %s: proxies made", path);
	free(text);
}

int
server_start(
    struct server *srv, const struct server_options *opts, char **cause)
{
	struct scenario *sc, *old = NULL;
	int code;

	memset(srv, 0, sizeof *srv);
	srv->opts = *opts;
	TAILQ_INIT(&srv->services);
	srv->base = server_base_new();
	if (srv->base == NULL) {
		*cause = xstrdup("cannot create the event loop");
		return EXIT_OSERR;
	}
	srv->journal = journal_new(
	    srv->base, JOURNAL_RING_DEFAULT, opts->journal_file, cause);
	if (srv->journal == NULL)
		return EXIT_OSERR;
	srv->metrics = metrics_new();
	sc = server_load(srv, &code, cause);
	if (sc == NULL)
		return code;
	srv->started_us = clock_now_us();
	inject_init(&srv->inject, sc->seed, srv->journal, srv->metrics);
	srv->pipeline.base = srv->base;
	srv->pipeline.inject = &srv->inject;
	srv->pipeline.journal = srv->journal;
	srv->pipeline.metrics = srv->metrics;
	srv->pipeline.responses = response_writer_new();
	if (srv->pipeline.responses == NULL) {
		scenario_free(sc);
		*cause = xstrdup("out of memory");
		return EXIT_OSERR;
	}
	code = server_apply(srv, sc, &old, cause);
	if (code != 0) {
		scenario_free(sc);
		return code;
	}
	if (opts->ca_out != NULL) {
		if (srv->certs == NULL &&
		    (srv->certs = certs_new(cause)) == NULL)
			return EXIT_SOFTWARE;
		if (certs_write_ca(srv->certs, opts->ca_out, cause) != 0)
			return EXIT_OSERR;
	}
	srv->timeline = timeline_new(
	    srv->base, srv->scenario, srv->journal, server_phase_changed, srv);
	srv->pipeline.timeline = srv->timeline;
	server_phase_apply(srv);
	signal(SIGPIPE, SIG_IGN);
	server_raise_fd_limit();
	server_tune_malloc();
	srv->sig_term = evsignal_new(srv->base, SIGTERM, server_signal_cb, srv);
	srv->sig_int = evsignal_new(srv->base, SIGINT, server_signal_cb, srv);
	srv->sig_hup = evsignal_new(srv->base, SIGHUP, server_signal_cb, srv);
	srv->stop_timer =
	    event_new(srv->base, -1, EV_PERSIST, server_stop_cb, srv);
	srv->ready_timer = evtimer_new(srv->base, server_ready_cb, srv);
	if (srv->sig_term == NULL || srv->sig_int == NULL ||
	    srv->sig_hup == NULL || srv->stop_timer == NULL ||
	    srv->ready_timer == NULL) {
		*cause = xstrdup("cannot set up signal handling");
		return EXIT_OSERR;
	}
	evsignal_add(srv->sig_term, NULL);
	evsignal_add(srv->sig_int, NULL);
	evsignal_add(srv->sig_hup, NULL);
	if (opts->control_addr != NULL) {
		srv->control = server_control_start(srv, cause);
		if (srv->control == NULL)
			return EXIT_OSERR;
	}
	if (opts->toxiproxy_config != NULL)
		server_toxiproxy_config(srv, opts->toxiproxy_config);
	if (server_write_ready(srv, cause) == -1)
		return EXIT_OSERR;
	log_info("scenario %s (%s), seed %llu", srv->scenario->name,
	    srv->scenario->file, (unsigned long long)srv->scenario->seed);
	server_log_services(srv);
	return 0;
}

int
server_reload(struct server *srv, char **cause)
{
	struct scenario *sc, *old = NULL;
	const char *was;
	int code;

	if (srv->opts.scenario_path == NULL) {
		*cause =
		    xstrdup("serving the built-in default: nothing to reload");
		return -1;
	}
	sc = server_load(srv, &code, cause);
	if (sc == NULL)
		return -1;
	if (server_apply(srv, sc, &old, cause) != 0) {
		scenario_free(sc);
		return -1;
	}
	/* The old scenario (and its phase's name) lives until freed below. */
	was = timeline_phase(srv->timeline)->name;
	timeline_rebase(srv->timeline, srv->scenario);
	if (strcmp(was, timeline_phase(srv->timeline)->name) != 0)
		metrics_phase_changed(srv->metrics);
	server_phase_apply(srv);
	scenario_free(old);
	if (server_write_ready(srv, cause) == -1)
		return -1;
	log_info("reloaded scenario %s from %s", sc->name, sc->file);
	server_log_services(srv);
	return 0;
}

/*
 * Run a scenario the control API hands over: the command line's overrides
 * first (a refusal is a bad scenario, 400), then its services. The old
 * scenario comes back in *old, for the caller to free once the timeline
 * has moved on.
 */
static int
server_take(struct server *srv, struct scenario *sc, struct scenario **old,
    char **cause)
{
	struct errlist errs = { 0 };

	if (server_overrides(srv, sc, &errs) != 0) {
		*cause = errlist_join(&errs);
		errlist_clear(&errs);
		return EXIT_DATAERR;
	}
	return server_apply(srv, sc, old, cause);
}

/*
 * The ready file anew, after the control API changed the services: a
 * failure is logged (the change stands).
 */
static void
server_rewrite_ready(struct server *srv)
{
	char *cause = NULL;

	if (server_write_ready(srv, &cause) == -1) {
		log_error("%s", cause);
		free(cause);
	}
}

int
server_replace(struct server *srv, struct scenario *sc, char **cause)
{
	struct scenario *old = NULL;
	int code;

	if ((code = server_take(srv, sc, &old, cause)) != 0)
		return code;
	inject_remove_all(&srv->inject);
	inject_reseed(&srv->inject, sc->seed);
	timeline_rebase(srv->timeline, srv->scenario);
	/* Its first phase, begun now; this also activates its faults. */
	timeline_goto(srv->timeline, sc->phases[0].name, "scenario replaced");
	scenario_free(old);
	server_rewrite_ready(srv);
	log_info("scenario %s replaced through the control API", sc->name);
	server_log_services(srv);
	return 0;
}

int
server_amend(struct server *srv, struct scenario *sc, char **cause)
{
	struct scenario *old = NULL;
	int code;

	if ((code = server_take(srv, sc, &old, cause)) != 0)
		return code;
	/* The same phase (by name), its clock running on; the API's faults
	 * stay, the phase's are the new scenario's. */
	timeline_rebase(srv->timeline, srv->scenario);
	server_phase_apply(srv);
	scenario_free(old);
	/* The ready file follows shortly: writing it costs more than the
	 * change (a file made and renamed), and changes come in bursts. */
	if (!evtimer_pending(srv->ready_timer, NULL)) {
		struct timeval tv = { 0, SERVER_READY_DELAY_USEC };

		evtimer_add(srv->ready_timer, &tv);
	}
	return 0;
}

/* The Toxiproxy API changed the services a moment ago: the ready file. */
static void
server_ready_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	(void)fd;
	(void)what;
	if (!srv->stopping)
		server_rewrite_ready(srv);
}

void
server_reset(struct server *srv)
{
	struct service *svc;

	inject_remove_all(&srv->inject);
	inject_reseed(&srv->inject, srv->scenario->seed);
	TAILQ_FOREACH(svc, &srv->services, entry)
	persona_reset(svc->persona);
	/* The first phase, begun now, its counts (and the root's) at zero. */
	timeline_goto(srv->timeline, srv->scenario->phases[0].name, "reset");
	log_info("reset to phase %s", srv->scenario->phases[0].name);
}

/* Connections still open, across every service. */
static size_t
server_open_conns(struct server *srv)
{
	struct service *svc;
	size_t n = 0;

	TAILQ_FOREACH(svc, &srv->services, entry)
	n += svc->counts.open;
	return n;
}

/*
 * Stop: close the listeners, let connections flush what they were sent,
 * close idle ones, and leave the loop when none are left (or the grace
 * period is over).
 */
static void
server_stop(struct server *srv)
{
	struct timeval tick = { 0, 20000 };
	struct service *svc;
	struct conn *c, *next;

	srv->stopping = 1;
	control_free(srv->control);
	srv->control = NULL;
	TAILQ_FOREACH(svc, &srv->services, entry)
	{
		listener_free(svc->listener);
		svc->listener = NULL;
		for (c = TAILQ_FIRST(&svc->conns); c != NULL; c = next) {
			next = TAILQ_NEXT(c, entry);
			conn_drain(c);
		}
	}
	event_add(srv->stop_timer, &tick);
}

static void
server_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	(void)fd;
	(void)what;
	if (server_open_conns(srv) == 0 ||
	    ++srv->stop_ticks > SERVER_GRACE_SEC * 50)
		event_base_loopexit(srv->base, NULL);
}

static void
server_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	char *cause = NULL;

	(void)what;
	if (sig == SIGHUP) {
		if (server_reload(srv, &cause) == -1) {
			log_error(
			    "reload refused, the running scenario stays:\n%s",
			    cause);
			free(cause);
		}
		return;
	}
	if (srv->stopping)
		return;
	log_info("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	server_stop(srv);
}

int
server_run(struct server *srv)
{
	event_base_dispatch(srv->base);
	journal_flush(srv->journal);
	if (srv->opts.ready_file != NULL)
		unlink(srv->opts.ready_file);
	log_info("stopped");
	return 0;
}

void
server_free(struct server *srv)
{
	struct service *svc;

	while ((svc = TAILQ_FIRST(&srv->services)) != NULL) {
		TAILQ_REMOVE(&srv->services, svc, entry);
		conn_close_all(svc, "shutdown");
		service_configure(svc, NULL, NULL, 0);
		service_unref(svc);
	}
	control_free(srv->control);
	if (srv->sig_term != NULL)
		event_free(srv->sig_term);
	if (srv->sig_int != NULL)
		event_free(srv->sig_int);
	if (srv->sig_hup != NULL)
		event_free(srv->sig_hup);
	if (srv->stop_timer != NULL)
		event_free(srv->stop_timer);
	if (srv->ready_timer != NULL)
		event_free(srv->ready_timer);
	timeline_free(srv->timeline);
	response_writer_free(srv->pipeline.responses);
	inject_free(&srv->inject);
	journal_free(srv->journal);
	metrics_free(srv->metrics);
	certs_free(srv->certs);
	scenario_free(srv->scenario);
	if (srv->base != NULL)
		event_base_free(srv->base);
	memset(srv, 0, sizeof *srv);
}

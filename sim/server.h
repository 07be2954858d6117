/*
 * server.h: the running program behind `standin serve`: the event loop,
 * the scenario, its services, signals, reloads and the ready file.
 */
#ifndef STANDIN_SERVER_H
#define STANDIN_SERVER_H

#include <stdint.h>

#include "inject.h"
#include "service.h"

struct event;
struct event_base;
struct certs;
struct control;
struct metrics;
struct scenario;

struct server_options {
	const char *scenario_path; /* NULL: the built-in default */
	const char *ready_file; /* NULL: none */
	const char *journal_file; /* NULL: the in-memory ring only */
	const char *ca_out; /* NULL: keep the CA in memory */
	int has_seed;
	uint64_t seed;
	double time_scale; /* 0: as the scenario says */
	const char *control_addr; /* the control API's address; NULL: none */
	const char *control_token; /* bearer token it requires, or NULL */
	/* --control-insecure-no-token: off loopback without a token */
	int control_insecure;
	/* --toxiproxy-config: a Toxiproxy -config file, or NULL */
	const char *toxiproxy_config;
};

struct server {
	struct event_base *base;
	struct server_options opts;
	struct scenario *scenario;
	struct service_list services;
	struct journal *journal;
	struct timeline *timeline;
	struct injector inject;
	struct certs *certs; /* made when a service needs "cert": "auto" */
	struct metrics *metrics; /* counters for GET /metrics */
	struct event *sig_term, *sig_int, *sig_hup;
	struct control *control; /* the control API, or NULL */
	struct event *stop_timer;
	/* Rewrites the ready file a moment after the Toxiproxy API changed
	 * the services: a burst of changes costs one write, not one each. */
	struct event *ready_timer;
	int stopping;
	int stop_ticks; /* stop_timer's ticks since stopping began */
	struct pipeline pipeline; /* what every connection's steps share */
	uint64_t started_us; /* clock_now_us() at start */
};

/*
 * Load the scenario, bind every listener and write the ready file. On
 * failure return the sysexits code (65 bad scenario, 66 unreadable, 71
 * cannot listen) with the message in *cause (allocated).
 */
int server_start(struct server *, const struct server_options *, char **cause);

/* Run the loop until SIGTERM or SIGINT; returns the exit code. */
int server_run(struct server *);

/* Reload the scenario file; a bad one is refused and the old one kept. */
int server_reload(struct server *, char **cause);

/*
 * Run a new scenario instead (PUT /scenario), as a reload would, but from
 * its first phase, with the generator re-seeded and no faults from the
 * API. Takes ownership of sc on success. On failure nothing changes and
 * the sysexits code comes back (65: its phases do not fit the running
 * --time-scale; 71: a listener could not be bound) with the message in
 * *cause.
 */
int server_replace(struct server *, struct scenario *, char **cause);

/*
 * Run a scenario that differs from the running one in its services only
 * (the Toxiproxy API's proxies): as a reload, the phase of the same name
 * goes on and the API's faults stay. Takes ownership of sc on success; on
 * failure nothing changes and the sysexits code comes back with *cause.
 */
int server_amend(struct server *, struct scenario *, char **cause);

/*
 * Back to the start (POST /reset): the first phase, no faults from the
 * API, the generator re-seeded, every persona's fixture data restored.
 */
void server_reset(struct server *);

/*
 * Put every listener in the state its connect faults ask for (refuse,
 * stall_accept): after a phase change, or a fault added or removed.
 */
void server_apply_states(struct server *);

/*
 * The same after the API added or removed faults of one service (NULL:
 * any): the open connections of that service only re-pick their stream
 * faults (live_stream_faults), so a toxic on one proxy does not cost
 * every other proxy's connections a draw.
 */
void server_faults_changed(struct server *, const char *service);

/* Free everything; safe on a half-started server. */
void server_free(struct server *);

#endif

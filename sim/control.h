/*
 * control.h: the control API, HTTP+JSON on its own port (127.0.0.1:8474
 * by default): status, the scenario, phases, faults added at run time,
 * the journal, metrics and reset. docs/control-api.md is its reference.
 */
#ifndef STANDIN_CONTROL_H
#define STANDIN_CONTROL_H

#define CONTROL_ADDRESS_DEFAULT "127.0.0.1:8474"
#define CONTROL_BODY_MAX (1024 * 1024) /* request bodies: 413 past it */
#define CONTROL_HEADERS_MAX (16 * 1024) /* request line and headers */

#include <stddef.h>
#include <stdint.h>

struct control;
struct event_base;
struct injector;
struct journal;
struct metrics;
struct scenario;
struct timeline;

/* A service as GET /status shows it: plain data, read during the call. */
struct control_service {
	const char *name;
	const char *persona; /* its persona's name, or NULL (a proxy) */
	const char *upstream; /* a proxy's upstream, or NULL */
	const char *listen; /* its "listen", as written */
	const char *address; /* bound "HOST:PORT", or NULL if not listening */
	int enabled; /* not "enabled": false */
	int tls;
	uint64_t connections; /* accepted so far */
	size_t open; /* open now */
	uint64_t requests; /* answered so far */
};

/* Called once per service by the services hook. */
typedef void control_service_fn(const struct control_service *, void *);

/*
 * What the control API drives, lent by its owner at control_start() (which
 * copies this struct): the pointers must outlive the control API. Every
 * hook is called with arg.
 */
struct control_target {
	struct injector *inject;
	struct journal *journal;
	struct metrics *metrics;
	struct timeline *timeline;
	uint64_t started_us; /* clock_now_us() when serving began */
	void *arg;

	/* The running scenario. */
	const struct scenario *(*scenario)(void *arg);
	/*
	 * Run sc instead (PUT /scenario) from its first phase, without the
	 * API's faults. Takes ownership of sc on success; on failure nothing
	 * changes and the sysexits code comes back with *cause set.
	 */
	int (*replace)(void *arg, struct scenario *sc, char **cause);
	/*
	 * Run sc instead, changed in its services only (the Toxiproxy API
	 * adds, changes and removes proxies): the phase, its clock and the
	 * API's faults stay. Takes ownership of sc on success; on failure
	 * nothing changes and the sysexits code comes back with *cause set.
	 */
	int (*amend)(void *arg, struct scenario *sc, char **cause);
	/*
	 * Close every open connection of the service named (a Toxiproxy
	 * proxy restarts: its clients see their connections end).
	 */
	void (*restart)(void *arg, const char *service);
	/*
	 * Back to the start (POST /reset): the first phase, no faults from the
	 * API, the generator re-seeded, fixture data restored.
	 */
	void (*reset)(void *arg);
	/*
	 * The API added or removed faults: apply the connect faults' states,
	 * and the stream faults of open connections that follow them. service
	 * names the only service whose faults changed, or is NULL for any.
	 */
	void (*faults_changed)(void *arg, const char *service);
	/* Call fn for each running service, in order. */
	void (*services)(void *arg, control_service_fn *fn, void *fnarg);
};

/*
 * Is "HOST:PORT" a loopback address (127.0.0.0/8, ::1, localhost)? Off
 * loopback the control API requires a token. -1 if it is not an address.
 */
int control_address_loopback(const char *addr);

/*
 * Listen on addr, on the loop base, and answer for target; with a token,
 * every request must carry "Authorization: Bearer TOKEN". Off loopback a
 * token is required unless insecure (--control-insecure-no-token, for a
 * container whose Toxiproxy client sends none). NULL with *cause set on
 * failure.
 */
struct control *control_start(struct event_base *,
    const struct control_target *, const char *addr, const char *token,
    int insecure, char **cause);

/*
 * Also serve the connections accepted on fd, a listening socket the
 * caller made (a UNIX one, say) and hands over: for tests/fuzz/, which
 * drives the API without a TCP port. Returns 0, or -1.
 */
int control_accept_socket(struct control *, int fd);

/* Where it listens, as bound ("127.0.0.1:40123"). */
const char *control_address(const struct control *);

/*
 * Make the proxies and toxics of a Toxiproxy config file (its -config: a
 * JSON array, as POST /populate takes). Returns 0, or -1 with *msg set;
 * what was made before an error stays.
 */
int control_toxiproxy_populate(
    struct control *, const char *text, size_t len, char **msg);

/* Stop listening and free; safe on NULL. */
void control_free(struct control *);

#endif

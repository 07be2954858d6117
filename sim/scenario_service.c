/*
 * scenario_service.c: read a scenario's "services": persona, listen
 * address, versions, users_from and the "tls" block.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "persona.h"
#include "scenario_impl.h"
#include "tls.h"
#include "util.h"

/* Service names: what may appear in a journal, a URL or a ready file. */
#define SERVICE_NAME_MAX 64

static void scenario_service_persona(
    struct scenario_loader *, json_t *, void *);
static void scenario_service_listen(struct scenario_loader *, json_t *, void *);
static void scenario_service_versions(
    struct scenario_loader *, json_t *, void *);
static void scenario_service_users_from(
    struct scenario_loader *, json_t *, void *);
static void scenario_service_tls(struct scenario_loader *, json_t *, void *);
static void scenario_service_request_timeout(
    struct scenario_loader *, json_t *, void *);
static void scenario_service_idle_timeout(
    struct scenario_loader *, json_t *, void *);
static void scenario_service_upstream(
    struct scenario_loader *, json_t *, void *);
static void scenario_service_upstream_down(
    struct scenario_loader *, json_t *, void *);
static void scenario_service_connect_timeout(
    struct scenario_loader *, json_t *, void *);
static void scenario_service_protocol(
    struct scenario_loader *, json_t *, void *);
static void scenario_service_upstream_timeout(
    struct scenario_loader *, json_t *, void *);
static void scenario_service_enabled(
    struct scenario_loader *, json_t *, void *);
static void scenario_service_live_stream_faults(
    struct scenario_loader *, json_t *, void *);

static const struct scenario_key_rule scenario_service_rules[] = {
	{ "persona", 0, scenario_service_persona },
	{ "upstream", 0, scenario_service_upstream },
	{ "upstream_down", 0, scenario_service_upstream_down },
	{ "connect_timeout", 0, scenario_service_connect_timeout },
	{ "upstream_tls", 0, scenario_upstream_tls },
	{ "protocol", 0, scenario_service_protocol },
	{ "upstream_timeout", 0, scenario_service_upstream_timeout },
	{ "listen", 0, scenario_service_listen },
	{ "versions", 0, scenario_service_versions },
	{ "users_from", 0, scenario_service_users_from },
	{ "tls", 0, scenario_service_tls },
	{ "request_timeout", 0, scenario_service_request_timeout },
	{ "idle_timeout", 0, scenario_service_idle_timeout },
	{ "enabled", 0, scenario_service_enabled },
	{ "live_stream_faults", 0, scenario_service_live_stream_faults },
};

/*
 * The persona type a declared service names, read without reporting
 * anything (its own "persona" key reports what is wrong); NULL if it
 * names none that exists.
 */
static const struct persona_type *
scenario_service_declared_type(struct scenario_loader *ld, const char *service)
{
	json_t *svc, *persona;

	if (ld->services == NULL)
		return NULL;
	svc = json_object_get(ld->services, service);
	if (!json_is_object(svc))
		return NULL;
	persona = json_object_get(svc, "persona");
	if (!json_is_string(persona))
		return NULL;
	return persona_type_find(json_string_value(persona));
}

/* Is this a service name: 1 to 32 letters, digits, "_" or "-"? */
static int
scenario_service_name_valid(const char *s)
{
	size_t n = strspn(s,
	    "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:");

	return n > 0 && n <= SERVICE_NAME_MAX && s[n] == '\0';
}

enum clash {
	CLASH_NONE,
	CLASH_SAME, /* the same address and port */
	CLASH_OVERLAPS, /* one is the unspecified address on the same port */
};

/* Can the two addresses not be bound at once? */
static enum clash
scenario_service_clash(
    const struct service_conf *a, const struct service_conf *b)
{
	unsigned char x[16], y[16];
	static const unsigned char any[16];
	int xf, yf, xany, yany;

	if (a->port == 0 || a->port != b->port)
		return CLASH_NONE;
	xf = strchr(a->host, ':') != NULL ? AF_INET6 : AF_INET;
	yf = strchr(b->host, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(xf, a->host, x) != 1 || inet_pton(yf, b->host, y) != 1)
		return CLASH_NONE;
	if (xf == yf && memcmp(x, y, xf == AF_INET ? 4 : 16) == 0)
		return CLASH_SAME;
	xany = memcmp(x, any, xf == AF_INET ? 4 : 16) == 0;
	yany = memcmp(y, any, yf == AF_INET ? 4 : 16) == 0;
	/* "::" takes IPv4 too, as a dual-stack socket does. */
	if ((xany && (xf == yf || xf == AF_INET6)) ||
	    (yany && (xf == yf || yf == AF_INET6)))
		return CLASH_OVERLAPS;
	return CLASH_NONE;
}

/*
 * Report when a service's address clashes with an earlier one's. The
 * message tells a default address apart from one that was written.
 */
static void
scenario_service_check_clash(
    struct scenario_loader *ld, const struct service_conf *svc, int written)
{
	const struct service_conf *other;
	enum clash how;
	size_t i;

	for (i = 0; i < ld->sc->nservices; i++) {
		other = &ld->sc->services[i];
		if (other == svc)
			break;
		if (other->listen == NULL)
			continue;
		if ((how = scenario_service_clash(svc, other)) == CLASH_NONE)
			continue;
		if (how == CLASH_SAME && written) {
			scenario_read_error(ld,
			    "%s is already used by service %s",
			    scenario_read_quote(ld, svc->listen),
			    scenario_read_quote(ld, other->name));
		} else if (how == CLASH_SAME) {
			scenario_read_error(ld,
			    "default listen address %s is already used by "
			    "service %s (set \"listen\")",
			    scenario_read_quote(ld, svc->listen),
			    scenario_read_quote(ld, other->name));
		} else {
			scenario_read_error(ld,
			    "%s%s overlaps %s of service %s",
			    written ? "" : "default listen address ",
			    scenario_read_quote(ld, svc->listen),
			    scenario_read_quote(ld, other->listen),
			    scenario_read_quote(ld, other->name));
		}
		return;
	}
}

/*
 * Say what is wrong with a listen address that is not HOST:PORT: a port
 * out of range, an IPv6 address without brackets, or anything else.
 */
static void
scenario_service_listen_error(struct scenario_loader *ld, const char *s,
    const char *example, int lowest_port)
{
	const char *colon = strrchr(s, ':'), *port;
	char *fix;
	size_t digits;

	port = colon != NULL ? colon + 1 : "";
	digits = strspn(port, "0123456789");
	if (colon != NULL && colon != s && digits > 0 && port[digits] == '\0' &&
	    (digits > 5 || strtoul(port, NULL, 10) > 65535) &&
	    (*s != '[' || colon[-1] == ']') &&
	    (*s == '[' || memchr(s, ':', (size_t)(colon - s)) == NULL)) {
		scenario_read_error(ld, "port must be %d to 65535, got %.12s%s",
		    lowest_port, port, digits > 12 ? "..." : "");
		return;
	}
	if (*s != '[' && colon != NULL && digits > 0 && port[digits] == '\0' &&
	    memchr(s, ':', (size_t)(colon - s)) != NULL) {
		fix = xasprintf("[%.*s]:%s", (int)(colon - s), s, port);
		scenario_read_error(ld,
		    "%s is not an address (an IPv6 address goes in "
		    "brackets: %s)",
		    scenario_read_quote(ld, s), scenario_read_quote(ld, fix));
		free(fix);
		return;
	}
	scenario_read_error(ld, "%s is not an address (use HOST:PORT, e.g. %s)",
	    scenario_read_quote(ld, s), example);
}

/*
 * Parse "HOST:PORT" into a service. HOST must be an IP literal or
 * localhost: standin binds before anything else happens and does no DNS.
 */
static int
scenario_service_listen_set(struct scenario_loader *ld,
    struct service_conf *svc, const char *s, const char *example)
{
	char host[sizeof svc->host];
	unsigned char addr[16];
	uint16_t port;
	int af;

	if (hostport_parse(s, host, sizeof host, &port) != 0) {
		scenario_service_listen_error(ld, s, example, 0);
		return -1;
	}
	if (*s != '[' && strcasecmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	af = *s == '[' ? AF_INET6 : AF_INET;
	if (inet_pton(af, host, addr) != 1) {
		if (af == AF_INET6) {
			scenario_read_error(ld,
			    "host %s is not an IPv6 address (only IPv6 "
			    "goes in brackets)",
			    scenario_read_quote(ld, host));
		} else {
			scenario_read_error(ld,
			    "host %s is not an IP address or localhost",
			    scenario_read_quote(ld, host));
		}
		return -1;
	}
	/* Keep the canonical spelling, so that equal addresses compare equal. */
	if (inet_ntop(af, addr, svc->host, sizeof svc->host) == NULL)
		snprintf(svc->host, sizeof svc->host, "%s", host);
	svc->port = port;
	free(svc->listen);
	svc->listen = xstrdup(s);
	return 0;
}

/* A service's "persona": a known type, else a hint or the list. */
static void
scenario_service_persona(struct scenario_loader *ld, json_t *v, void *out)
{
	struct service_conf *svc = out;
	const struct persona_type *pt;
	const char *names[8] = { NULL }, *hint, *s;
	char *list, *tmp;
	size_t i, n;

	if (scenario_read_expect(ld, v, JSON_STRING) != 0)
		return;
	s = json_string_value(v);
	if ((pt = persona_type_find(s)) != NULL) {
		svc->persona = pt->kind;
		return;
	}
	for (n = 0; n < npersona_types && n < nitems(names); n++)
		names[n] = persona_types[n].name;
	if ((hint = scenario_read_suggest(s, names, n)) != NULL) {
		scenario_read_error(ld, "unknown persona %s (did you mean %s?)",
		    scenario_read_quote(ld, s), scenario_read_quote(ld, hint));
		return;
	}
	list = xstrdup("");
	for (i = 0; i < n; i++) {
		tmp = xasprintf("%s%s\"%s\"", list,
		    i == 0 ? "" : (i + 1 == n ? " or " : ", "), names[i]);
		free(list);
		list = tmp;
	}
	scenario_read_error(ld, "unknown persona %s (use %s)",
	    scenario_read_quote(ld, s), list);
	free(list);
}

/* A service's "listen": HOST:PORT, clashing with no earlier service. */
static void
scenario_service_listen(struct scenario_loader *ld, json_t *v, void *out)
{
	struct service_conf *svc = out;
	const struct persona_type *pt;

	if (scenario_read_expect(ld, v, JSON_STRING) != 0)
		return;
	pt = scenario_service_declared_type(ld, svc->name);
	if (scenario_service_listen_set(ld, svc, json_string_value(v),
	        pt != NULL ? pt->default_listen : "127.0.0.1:8080") == 0)
		scenario_service_check_clash(ld, svc, 1);
}

static void
scenario_service_versions(struct scenario_loader *ld, json_t *v, void *out)
{
	struct service_conf *svc = out;

	scenario_read_versions(ld, v, &svc->versions, &svc->nversions);
}

/* A financial engine's "users_from": a declared UMS service. */
static void
scenario_service_users_from(struct scenario_loader *ld, json_t *v, void *out)
{
	struct service_conf *svc = out;
	const struct persona_type *self, *target;
	const char *s;

	if (scenario_read_expect(ld, v, JSON_STRING) != 0)
		return;
	s = json_string_value(v);
	self = scenario_service_declared_type(ld, svc->name);
	if (self != NULL && self->kind != PERSONA_FINANCIAL_ENGINE) {
		scenario_read_error(ld, "only allowed on a %s service",
		    persona_type_get(PERSONA_FINANCIAL_ENGINE)->name);
		return;
	}
	if (json_object_get(ld->services, s) == NULL) {
		scenario_read_unknown_service(ld, s);
		return;
	}
	target = scenario_service_declared_type(ld, s);
	if (target != NULL && target->kind != PERSONA_UMS) {
		scenario_read_error(ld, "service %s has persona %s, not %s",
		    scenario_read_quote(ld, s),
		    scenario_read_quote(ld, target->name),
		    scenario_read_quote(
		        ld, persona_type_get(PERSONA_UMS)->name));
		return;
	}
	svc->users_from = xstrdup(s);
}

static void
scenario_service_tls_min_version(
    struct scenario_loader *ld, json_t *v, void *out)
{
	scenario_read_tls_version(
	    ld, v, &((struct tls_conf *)out)->min_version);
}

static void
scenario_service_tls_max_version(
    struct scenario_loader *ld, json_t *v, void *out)
{
	scenario_read_tls_version(
	    ld, v, &((struct tls_conf *)out)->max_version);
}

/* Read "ciphers" or "ciphersuites": a list OpenSSL understands. */
static void
scenario_service_tls_cipher_list(
    struct scenario_loader *ld, json_t *v, int tls13, char **out)
{
	char *cause = NULL;

	if (scenario_read_expect(ld, v, JSON_STRING) != 0)
		return;
	if (tls_ciphers_check(json_string_value(v), tls13, &cause) != 0) {
		scenario_read_error(ld, "%s: %s",
		    scenario_read_quote(ld, json_string_value(v)), cause);
		free(cause);
		return;
	}
	*out = xstrdup(json_string_value(v));
}

static void
scenario_service_tls_ciphers(struct scenario_loader *ld, json_t *v, void *out)
{
	scenario_service_tls_cipher_list(
	    ld, v, 0, &((struct tls_conf *)out)->ciphers);
}

static void
scenario_service_tls_ciphersuites(
    struct scenario_loader *ld, json_t *v, void *out)
{
	scenario_service_tls_cipher_list(
	    ld, v, 1, &((struct tls_conf *)out)->ciphersuites);
}

static void
scenario_service_tls_alpn(struct scenario_loader *ld, json_t *v, void *out)
{
	struct tls_conf *tls = out;

	scenario_read_strings(ld, v, &tls->alpn, &tls->nalpn);
}

static void
scenario_service_tls_names(struct scenario_loader *ld, json_t *v, void *out)
{
	struct tls_conf *tls = out;

	scenario_read_strings(ld, v, &tls->names, &tls->nnames);
}

static void
scenario_service_tls_cert_file(struct scenario_loader *ld, json_t *v, void *out)
{
	scenario_read_file(ld, v, &((struct tls_conf *)out)->cert_file);
}

static void
scenario_service_tls_key_file(struct scenario_loader *ld, json_t *v, void *out)
{
	scenario_read_file(ld, v, &((struct tls_conf *)out)->key_file);
}

static const struct scenario_key_rule scenario_service_tls_cert_rules[] = {
	{ "cert", 1, scenario_service_tls_cert_file },
	{ "key", 1, scenario_service_tls_key_file },
};

/* "cert": "auto" (made in memory at start) or {"cert", "key"} files. */
static void
scenario_service_tls_cert(struct scenario_loader *ld, json_t *v, void *out)
{
	if (json_is_string(v)) {
		if (strcmp(json_string_value(v), "auto") != 0)
			scenario_read_error(ld,
			    "%s is not \"auto\" (or give {\"cert\": FILE, "
			    "\"key\": FILE})",
			    scenario_read_quote(ld, json_string_value(v)));
		return;
	}
	if (!json_is_object(v)) {
		scenario_read_error(ld,
		    "expected \"auto\" or an object {\"cert\", \"key\"}, "
		    "got %s",
		    scenario_read_type_name(v));
		return;
	}
	scenario_read_object(ld, v, scenario_service_tls_cert_rules,
	    nitems(scenario_service_tls_cert_rules), out);
}

static const struct scenario_key_rule scenario_service_tls_rules[] = {
	{ "min_version", 0, scenario_service_tls_min_version },
	{ "max_version", 0, scenario_service_tls_max_version },
	{ "ciphers", 0, scenario_service_tls_ciphers },
	{ "ciphersuites", 0, scenario_service_tls_ciphersuites },
	{ "alpn", 0, scenario_service_tls_alpn },
	{ "cert", 0, scenario_service_tls_cert },
	{ "names", 0, scenario_service_tls_names },
};

/* A service's "tls": the protocol window, ciphers, ALPN, certificate. */
static void
scenario_service_tls(struct scenario_loader *ld, json_t *v, void *out)
{
	struct service_conf *svc = out;
	struct tls_conf *tls = &svc->tls;

	tls->enabled = 1;
	tls->min_version = 12;
	tls->max_version = 13;
	if (scenario_read_expect(ld, v, JSON_OBJECT) != 0)
		return;
	scenario_read_object(ld, v, scenario_service_tls_rules,
	    nitems(scenario_service_tls_rules), tls);
	if (tls->min_version > tls->max_version)
		scenario_read_error(ld,
		    "min_version 1.%d is above max_version 1.%d",
		    tls->min_version - 10, tls->max_version - 10);
}

/* A timeout between 1ms and 1h, or an error; 0 or -1. */
static int
scenario_service_timeout_read(
    struct scenario_loader *ld, json_t *v, uint64_t *out)
{
	uint64_t us;

	if (scenario_read_duration(ld, v, &us) != 0)
		return -1;
	if (us < 1000 || us > 3600 * 1000000ULL) {
		scenario_read_error(ld, "must be 1ms to 1h, got %s",
		    scenario_read_quote(ld, json_string_value(v)));
		return -1;
	}
	*out = us;
	return 0;
}

/*
 * "request_timeout": how long a request may take to arrive whole, from
 * its first byte (a slowloris client is answered 408 and closed).
 */
static void
scenario_service_request_timeout(
    struct scenario_loader *ld, json_t *v, void *out)
{
	struct service_conf *svc = out;

	scenario_service_timeout_read(ld, v, &svc->request_timeout_us);
}

/* "idle_timeout": how long a connection may read and write nothing. */
static void
scenario_service_idle_timeout(struct scenario_loader *ld, json_t *v, void *out)
{
	struct service_conf *svc = out;

	scenario_service_timeout_read(ld, v, &svc->idle_timeout_us);
}

/* The names of upstream_down's values, by enum upstream_down. */
static const char *const scenario_upstream_downs[] = {
	[UPSTREAM_DOWN_REFUSE] = "refuse",
	[UPSTREAM_DOWN_RESET] = "reset",
	[UPSTREAM_DOWN_CLOSE] = "close",
	[UPSTREAM_DOWN_DROP] = "drop",
};

/* A proxy's "upstream": HOST:PORT, HOST a name or an IP literal. */
static void
scenario_service_upstream(struct scenario_loader *ld, json_t *v, void *out)
{
	struct service_conf *svc = out;
	const char *s;
	uint16_t port;

	if (scenario_read_expect(ld, v, JSON_STRING) != 0)
		return;
	s = json_string_value(v);
	if (hostport_parse(
	        s, svc->upstream_host, sizeof svc->upstream_host, &port) != 0 ||
	    svc->upstream_host[0] == '\0') {
		scenario_service_listen_error(ld, s, "\"10.0.0.5:8443\"", 1);
		return;
	}
	if (port == 0) {
		scenario_read_error(ld, "port must be 1 to 65535, got 0");
		return;
	}
	svc->upstream_port = port;
	svc->upstream = xstrdup(s);
}

/* A proxy's "upstream_down": refuse, reset or close. */
static void
scenario_service_upstream_down(struct scenario_loader *ld, json_t *v, void *out)
{
	struct service_conf *svc = out;
	size_t i;

	if (scenario_read_expect(ld, v, JSON_STRING) != 0)
		return;
	for (i = 0; i < nitems(scenario_upstream_downs); i++) {
		if (strcmp(json_string_value(v), scenario_upstream_downs[i]) ==
		    0) {
			svc->upstream_down = (enum upstream_down)i;
			return;
		}
	}
	scenario_read_error(ld,
	    "upstream_down must be \"refuse\", \"reset\", \"close\" or "
	    "\"drop\", not %s",
	    scenario_read_quote(ld, json_string_value(v)));
}

static void
scenario_service_connect_timeout(
    struct scenario_loader *ld, json_t *v, void *out)
{
	struct service_conf *svc = out;

	scenario_service_timeout_read(ld, v, &svc->connect_timeout_us);
}

static void
scenario_service_upstream_timeout(
    struct scenario_loader *ld, json_t *v, void *out)
{
	struct service_conf *svc = out;

	scenario_service_timeout_read(ld, v, &svc->upstream_timeout_us);
}

/* A boolean into *flag; -1 after reporting anything else. */
static int
scenario_service_bool(struct scenario_loader *ld, json_t *v, int *flag)
{
	if (!json_is_boolean(v)) {
		scenario_read_error(ld, "expected true or false, got %s",
		    scenario_read_type_name(v));
		return -1;
	}
	*flag = json_is_true(v);
	return 0;
}

/* "enabled": false declares a service that does not listen. */
static void
scenario_service_enabled(struct scenario_loader *ld, json_t *v, void *out)
{
	struct service_conf *svc = out;
	int enabled;

	if (scenario_service_bool(ld, v, &enabled) == 0)
		svc->disabled = !enabled;
}

static void
scenario_service_live_stream_faults(
    struct scenario_loader *ld, json_t *v, void *out)
{
	struct service_conf *svc = out;

	(void)scenario_service_bool(ld, v, &svc->live_stream_faults);
}

/* A proxy's "protocol": "tcp" (bytes, the default) or "http". */
static void
scenario_service_protocol(struct scenario_loader *ld, json_t *v, void *out)
{
	struct service_conf *svc = out;

	if (scenario_read_expect(ld, v, JSON_STRING) != 0)
		return;
	if (strcmp(json_string_value(v), "http") == 0)
		svc->protocol_http = 1;
	else if (strcmp(json_string_value(v), "tcp") != 0)
		scenario_read_error(ld,
		    "protocol must be \"tcp\" or \"http\", not %s",
		    scenario_read_quote(ld, json_string_value(v)));
}

const char *
scenario_upstream_down_name(enum upstream_down d)
{
	return scenario_upstream_downs[d];
}

/*
 * A service is a persona or a proxy: one of "persona" and "upstream",
 * and only the keys of its kind.
 */
static void
scenario_service_check_kind(struct scenario_loader *ld, json_t *v)
{
	static const char *const persona_only[] = { "versions", "users_from" };
	static const char *const proxy_only[] = { "upstream_down",
		"connect_timeout", "upstream_tls", "protocol",
		"upstream_timeout" };
	int persona = json_object_get(v, "persona") != NULL;
	int proxy = json_object_get(v, "upstream") != NULL;
	size_t i, saved;

	if (persona && proxy) {
		saved = scenario_read_push(ld, "upstream");
		scenario_read_error(ld,
		    "a service is a persona or a proxy: \"upstream\" and "
		    "\"persona\" exclude each other");
		scenario_read_pop(ld, saved);
		return;
	}
	if (!persona && !proxy) {
		scenario_read_error(ld,
		    "missing required key \"persona\" (or \"upstream\" for "
		    "a proxy)");
		return;
	}
	if (proxy && json_object_get(v, "listen") == NULL)
		scenario_read_error(
		    ld, "a proxy needs \"listen\": it has no default address");
	for (i = 0; proxy && i < nitems(persona_only); i++) {
		if (json_object_get(v, persona_only[i]) == NULL)
			continue;
		saved = scenario_read_push(ld, persona_only[i]);
		scenario_read_error(ld,
		    "%s is for a persona, not a proxy (\"upstream\")",
		    scenario_read_quote(ld, persona_only[i]));
		scenario_read_pop(ld, saved);
	}
	for (i = 0; persona && i < nitems(proxy_only); i++) {
		if (json_object_get(v, proxy_only[i]) == NULL)
			continue;
		saved = scenario_read_push(ld, proxy_only[i]);
		scenario_read_error(ld,
		    "%s is for a proxy (a service with \"upstream\")",
		    scenario_read_quote(ld, proxy_only[i]));
		scenario_read_pop(ld, saved);
	}
}

/* Read one service; its name and persona are already set. */
static void
scenario_service_read(
    struct scenario_loader *ld, json_t *v, struct service_conf *svc)
{
	const struct persona_type *pt;
	size_t i;

	if (!scenario_service_name_valid(svc->name)) {
		scenario_read_error(ld,
		    "service name must be 1 to %d letters, digits, \"_\", "
		    "\"-\", \".\" or \":\"",
		    SERVICE_NAME_MAX);
	}
	svc->request_timeout_us = SCENARIO_REQUEST_TIMEOUT_US;
	svc->idle_timeout_us = SCENARIO_IDLE_TIMEOUT_US;
	svc->connect_timeout_us = SCENARIO_CONNECT_TIMEOUT_US;
	svc->upstream_timeout_us = SCENARIO_UPSTREAM_TIMEOUT_US;
	if (scenario_read_expect(ld, v, JSON_OBJECT) != 0)
		return;
	scenario_service_check_kind(ld, v);
	pt = scenario_service_declared_type(ld, svc->name);
	/* A default address clashes at the service itself, before its keys. */
	if (pt != NULL && json_object_get(v, "listen") == NULL) {
		if (scenario_service_listen_set(
		        ld, svc, pt->default_listen, pt->default_listen) == 0)
			scenario_service_check_clash(ld, svc, 0);
	}
	scenario_read_object(
	    ld, v, scenario_service_rules, nitems(scenario_service_rules), svc);
	if (pt != NULL && svc->upstream == NULL &&
	    json_object_get(v, "versions") == NULL) {
		svc->versions =
		    xcalloc(pt->ndefault_versions, sizeof *svc->versions);
		for (i = 0; i < pt->ndefault_versions; i++)
			svc->versions[i] = xstrdup(pt->default_versions[i]);
		svc->nversions = pt->ndefault_versions;
	}
}

/* Read "services", the object of every service by name, into sc. */
void
scenario_service_read_all(
    struct scenario_loader *ld, json_t *v, struct scenario *sc)
{
	struct service_conf *svc;
	const char *key;
	json_t *e;
	void *it;
	size_t saved;

	if (scenario_read_expect(ld, v, JSON_OBJECT) != 0)
		return;
	if (json_object_size(v) == 0) {
		scenario_read_error(ld, "must declare at least one service");
		return;
	}
	sc->services = xcalloc(json_object_size(v), sizeof *sc->services);
	for (it = json_object_iter(v); it != NULL;
	     it = json_object_iter_next(v, it)) {
		key = json_object_iter_key(it);
		e = json_object_iter_value(it);
		svc = &sc->services[sc->nservices++];
		svc->name = xstrdup(key);
		saved = scenario_read_push(ld, key);
		scenario_service_read(ld, e, svc);
		scenario_read_pop(ld, saved);
	}
}

/* The service of that name, or NULL. */
const struct service_conf *
scenario_service(const struct scenario *sc, const char *name)
{
	size_t i;

	for (i = 0; i < sc->nservices; i++) {
		if (strcmp(sc->services[i].name, name) == 0)
			return &sc->services[i];
	}
	return NULL;
}

/* Free what a service owns, not the struct itself. */
void
scenario_service_clear(struct service_conf *svc)
{
	size_t i;

	free(svc->name);
	free(svc->listen);
	free(svc->upstream);
	scenario_upstream_tls_clear(&svc->upstream_tls);
	for (i = 0; i < svc->nversions; i++)
		free(svc->versions[i]);
	free(svc->versions);
	free(svc->users_from);
	free(svc->tls.ciphers);
	free(svc->tls.ciphersuites);
	for (i = 0; i < svc->tls.nalpn; i++)
		free(svc->tls.alpn[i]);
	free(svc->tls.alpn);
	for (i = 0; i < svc->tls.nnames; i++)
		free(svc->tls.names[i]);
	free(svc->tls.names);
	free(svc->tls.cert_file);
	free(svc->tls.key_file);
}

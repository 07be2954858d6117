/*
 * scenario_service.c: read a scenario's "services": persona, listen
 * address, versions, users_from and the "tls" block.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "persona.h"
#include "scenario_impl.h"
#include "tls.h"
#include "util.h"

/* Service names: what may appear in a journal, a URL or a ready file. */
#define SERVICE_NAME_MAX 32

static void service_persona(struct loader *, json_t *, void *);
static void service_listen(struct loader *, json_t *, void *);
static void service_versions(struct loader *, json_t *, void *);
static void service_users_from(struct loader *, json_t *, void *);

static void service_tls(struct loader *, json_t *, void *);

static const struct key_rule service_rules[] = {
	{ "persona", 1, service_persona },
	{ "listen", 0, service_listen },
	{ "versions", 0, service_versions },
	{ "users_from", 0, service_users_from },
	{ "tls", 0, service_tls },
};

/*
 * The persona type a declared service names, read without reporting
 * anything (its own "persona" key reports what is wrong); NULL if it
 * names none that exists.
 */
static const struct persona_type *
declared_type(struct loader *ld, const char *service)
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
service_name_valid(const char *s)
{
	size_t n = strspn(s,
	    "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");

	return n > 0 && n <= SERVICE_NAME_MAX && s[n] == '\0';
}

enum clash {
	CLASH_NONE,
	CLASH_SAME, /* the same address and port */
	CLASH_OVERLAPS, /* one is the unspecified address on the same port */
};

/* Can the two addresses not be bound at once? */
static enum clash
address_clash(const struct service_conf *a, const struct service_conf *b)
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
check_clash(struct loader *ld, const struct service_conf *svc, int written)
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
		if ((how = address_clash(svc, other)) == CLASH_NONE)
			continue;
		if (how == CLASH_SAME && written) {
			verr(ld, "%s is already used by service %s",
			    q(ld, svc->listen), q(ld, other->name));
		} else if (how == CLASH_SAME) {
			verr(ld,
			    "default listen address %s is already used by "
			    "service %s (set \"listen\")",
			    q(ld, svc->listen), q(ld, other->name));
		} else {
			verr(ld, "%s%s overlaps %s of service %s",
			    written ? "" : "default listen address ",
			    q(ld, svc->listen), q(ld, other->listen),
			    q(ld, other->name));
		}
		return;
	}
}

/*
 * Say what is wrong with a listen address that is not HOST:PORT: a port
 * out of range, an IPv6 address without brackets, or anything else.
 */
static void
listen_error(struct loader *ld, const char *s, const char *example)
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
		verr(ld, "port must be 0 to 65535, got %.12s%s", port,
		    digits > 12 ? "..." : "");
		return;
	}
	if (*s != '[' && colon != NULL && digits > 0 && port[digits] == '\0' &&
	    memchr(s, ':', (size_t)(colon - s)) != NULL) {
		fix = xasprintf("[%.*s]:%s", (int)(colon - s), s, port);
		verr(ld,
		    "%s is not an address (an IPv6 address goes in "
		    "brackets: %s)",
		    q(ld, s), q(ld, fix));
		free(fix);
		return;
	}
	verr(ld, "%s is not an address (use HOST:PORT, e.g. %s)", q(ld, s),
	    example);
}

/*
 * Parse "HOST:PORT" into a service. HOST must be an IP literal or
 * localhost: standin binds before anything else happens and does no DNS.
 */
static int
listen_set(struct loader *ld, struct service_conf *svc, const char *s,
    const char *example)
{
	char host[sizeof svc->host];
	unsigned char addr[16];
	uint16_t port;
	int af;

	if (hostport_parse(s, host, sizeof host, &port) != 0) {
		listen_error(ld, s, example);
		return -1;
	}
	if (*s != '[' && strcasecmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	af = *s == '[' ? AF_INET6 : AF_INET;
	if (inet_pton(af, host, addr) != 1) {
		if (af == AF_INET6) {
			verr(ld,
			    "host %s is not an IPv6 address (only IPv6 "
			    "goes in brackets)",
			    q(ld, host));
		} else {
			verr(ld, "host %s is not an IP address or localhost",
			    q(ld, host));
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

static void
service_persona(struct loader *ld, json_t *v, void *out)
{
	struct service_conf *svc = out;
	const struct persona_type *pt;
	const char *names[8] = { NULL }, *hint, *s;
	char *list, *tmp;
	size_t i, n;

	if (expect(ld, v, JSON_STRING) != 0)
		return;
	s = json_string_value(v);
	if ((pt = persona_type_find(s)) != NULL) {
		svc->persona = pt->kind;
		return;
	}
	for (n = 0; n < npersona_types && n < nitems(names); n++)
		names[n] = persona_types[n].name;
	if ((hint = suggest(s, names, n)) != NULL) {
		verr(ld, "unknown persona %s (did you mean %s?)", q(ld, s),
		    q(ld, hint));
		return;
	}
	list = xstrdup("");
	for (i = 0; i < n; i++) {
		tmp = xasprintf("%s%s\"%s\"", list,
		    i == 0 ? "" : (i + 1 == n ? " or " : ", "), names[i]);
		free(list);
		list = tmp;
	}
	verr(ld, "unknown persona %s (use %s)", q(ld, s), list);
	free(list);
}

static void
service_listen(struct loader *ld, json_t *v, void *out)
{
	struct service_conf *svc = out;
	const struct persona_type *pt;

	if (expect(ld, v, JSON_STRING) != 0)
		return;
	pt = declared_type(ld, svc->name);
	if (listen_set(ld, svc, json_string_value(v),
	        pt != NULL ? pt->default_listen : "127.0.0.1:8080") == 0)
		check_clash(ld, svc, 1);
}

static void
service_versions(struct loader *ld, json_t *v, void *out)
{
	struct service_conf *svc = out;

	versions_read(ld, v, &svc->versions, &svc->nversions);
}

static void
service_users_from(struct loader *ld, json_t *v, void *out)
{
	struct service_conf *svc = out;
	const struct persona_type *self, *target;
	const char *s;

	if (expect(ld, v, JSON_STRING) != 0)
		return;
	s = json_string_value(v);
	self = declared_type(ld, svc->name);
	if (self != NULL && self->kind != PERSONA_FINANCIAL_ENGINE) {
		verr(ld, "only allowed on a %s service",
		    persona_type_get(PERSONA_FINANCIAL_ENGINE)->name);
		return;
	}
	if (json_object_get(ld->services, s) == NULL) {
		unknown_service(ld, s);
		return;
	}
	target = declared_type(ld, s);
	if (target != NULL && target->kind != PERSONA_UMS) {
		verr(ld, "service %s has persona %s, not %s", q(ld, s),
		    q(ld, target->name),
		    q(ld, persona_type_get(PERSONA_UMS)->name));
		return;
	}
	svc->users_from = xstrdup(s);
}

/* Read "min_version" or "max_version" of "tls". */
static void
tls_version_read(struct loader *ld, json_t *v, int *out)
{
	if (expect(ld, v, JSON_STRING) != 0)
		return;
	if (tls_version_parse(json_string_value(v), out) != 0)
		verr(ld, "%s is not a TLS version (use 1.0, 1.1, 1.2 or 1.3)",
		    q(ld, json_string_value(v)));
}

static void
tls_min_version(struct loader *ld, json_t *v, void *out)
{
	tls_version_read(ld, v, &((struct tls_conf *)out)->min_version);
}

static void
tls_max_version(struct loader *ld, json_t *v, void *out)
{
	tls_version_read(ld, v, &((struct tls_conf *)out)->max_version);
}

/* Read "ciphers" or "ciphersuites": a list OpenSSL understands. */
static void
tls_cipher_list_read(struct loader *ld, json_t *v, int tls13, char **out)
{
	char *cause = NULL;

	if (expect(ld, v, JSON_STRING) != 0)
		return;
	if (tls_ciphers_check(json_string_value(v), tls13, &cause) != 0) {
		verr(ld, "%s: %s", q(ld, json_string_value(v)), cause);
		free(cause);
		return;
	}
	*out = xstrdup(json_string_value(v));
}

static void
tls_ciphers(struct loader *ld, json_t *v, void *out)
{
	tls_cipher_list_read(ld, v, 0, &((struct tls_conf *)out)->ciphers);
}

static void
tls_ciphersuites(struct loader *ld, json_t *v, void *out)
{
	tls_cipher_list_read(ld, v, 1, &((struct tls_conf *)out)->ciphersuites);
}

static void
tls_alpn(struct loader *ld, json_t *v, void *out)
{
	struct tls_conf *tls = out;

	strings_read(ld, v, &tls->alpn, &tls->nalpn);
}

static void
tls_names(struct loader *ld, json_t *v, void *out)
{
	struct tls_conf *tls = out;

	strings_read(ld, v, &tls->names, &tls->nnames);
}

/* Read one file name of "cert": {"cert": FILE, "key": FILE}. */
static void
tls_file_read(struct loader *ld, json_t *v, char **out)
{
	if (expect(ld, v, JSON_STRING) != 0)
		return;
	if (access(json_string_value(v), R_OK) != 0) {
		verr(ld, "%s: cannot read: %s", q(ld, json_string_value(v)),
		    strerror(errno));
		return;
	}
	*out = xstrdup(json_string_value(v));
}

static void
tls_cert_file(struct loader *ld, json_t *v, void *out)
{
	tls_file_read(ld, v, &((struct tls_conf *)out)->cert_file);
}

static void
tls_key_file(struct loader *ld, json_t *v, void *out)
{
	tls_file_read(ld, v, &((struct tls_conf *)out)->key_file);
}

static const struct key_rule tls_cert_rules[] = {
	{ "cert", 1, tls_cert_file },
	{ "key", 1, tls_key_file },
};

/* "cert": "auto" (made in memory at start) or {"cert", "key"} files. */
static void
tls_cert(struct loader *ld, json_t *v, void *out)
{
	if (json_is_string(v)) {
		if (strcmp(json_string_value(v), "auto") != 0)
			verr(ld,
			    "%s is not \"auto\" (or give {\"cert\": FILE, "
			    "\"key\": FILE})",
			    q(ld, json_string_value(v)));
		return;
	}
	if (!json_is_object(v)) {
		verr(ld,
		    "expected \"auto\" or an object {\"cert\", \"key\"}, "
		    "got %s",
		    type_name(v));
		return;
	}
	parse_object(ld, v, tls_cert_rules, nitems(tls_cert_rules), out);
}

static const struct key_rule tls_rules[] = {
	{ "min_version", 0, tls_min_version },
	{ "max_version", 0, tls_max_version },
	{ "ciphers", 0, tls_ciphers },
	{ "ciphersuites", 0, tls_ciphersuites },
	{ "alpn", 0, tls_alpn },
	{ "cert", 0, tls_cert },
	{ "names", 0, tls_names },
};

/* A service's "tls": the protocol window, ciphers, ALPN, certificate. */
static void
service_tls(struct loader *ld, json_t *v, void *out)
{
	struct service_conf *svc = out;
	struct tls_conf *tls = &svc->tls;

	tls->enabled = 1;
	tls->min_version = 12;
	tls->max_version = 13;
	if (expect(ld, v, JSON_OBJECT) != 0)
		return;
	parse_object(ld, v, tls_rules, nitems(tls_rules), tls);
	if (tls->min_version > tls->max_version)
		verr(ld, "min_version 1.%d is above max_version 1.%d",
		    tls->min_version - 10, tls->max_version - 10);
}

/* Read one service; its name and persona are already set. */
static void
parse_service(struct loader *ld, json_t *v, struct service_conf *svc)
{
	const struct persona_type *pt;
	size_t i;

	if (!service_name_valid(svc->name)) {
		verr(ld,
		    "service name must be 1 to %d letters, digits, \"_\" "
		    "or \"-\"",
		    SERVICE_NAME_MAX);
	}
	if (expect(ld, v, JSON_OBJECT) != 0)
		return;
	pt = declared_type(ld, svc->name);
	/* A default address clashes at the service itself, before its keys. */
	if (pt != NULL && json_object_get(v, "listen") == NULL) {
		if (listen_set(
		        ld, svc, pt->default_listen, pt->default_listen) == 0)
			check_clash(ld, svc, 0);
	}
	parse_object(ld, v, service_rules, nitems(service_rules), svc);
	if (pt != NULL && json_object_get(v, "versions") == NULL) {
		svc->versions =
		    xcalloc(pt->ndefault_versions, sizeof *svc->versions);
		for (i = 0; i < pt->ndefault_versions; i++)
			svc->versions[i] = xstrdup(pt->default_versions[i]);
		svc->nversions = pt->ndefault_versions;
	}
}

void
root_services(struct loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;
	struct service_conf *svc;
	const char *key;
	json_t *e;
	void *it;
	size_t saved;

	if (expect(ld, v, JSON_OBJECT) != 0)
		return;
	if (json_object_size(v) == 0) {
		verr(ld, "must declare at least one service");
		return;
	}
	sc->services = xcalloc(json_object_size(v), sizeof *sc->services);
	for (it = json_object_iter(v); it != NULL;
	     it = json_object_iter_next(v, it)) {
		key = json_object_iter_key(it);
		e = json_object_iter_value(it);
		svc = &sc->services[sc->nservices++];
		svc->name = xstrdup(key);
		saved = ptr_push(ld, key);
		parse_service(ld, e, svc);
		ptr_pop(ld, saved);
	}
}

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
service_conf_clear(struct service_conf *svc)
{
	size_t i;

	free(svc->name);
	free(svc->listen);
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

/*
 * scenario.c: load a scenario file, validate all of it, and turn it into
 * the plain structs of scenario.h. Every error found is reported, each
 * with the JSON pointer of the value it is about.
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

#include "persona.h"
#include "route.h"
#include "scenario.h"
#include "util.h"

/* Scenario files are small; anything bigger is not one. */
#define SCENARIO_MAX_SIZE (16 * 1024 * 1024)

/* Longest part of a user's value quoted back in a message. */
#define QUOTE_MAX 60

/* Service names: what may appear in a journal, a URL or a ready file. */
#define SERVICE_NAME_MAX 32

struct loader;

/* How one key of an object is read. */
struct key_rule {
	const char *name;
	int required;
	void (*parse)(struct loader *, json_t *, void *);
};

/* The state of one load: where errors go and where we are in the file. */
struct loader {
	const char *file;
	struct errlist *errs;
	size_t nerrs;
	struct scenario *sc;
	json_t *services; /* the "services" object, for references */

	char *ptr; /* JSON pointer of the value being read */
	size_t ptrlen;
	size_t ptrcap;

	char quotes[4][QUOTE_MAX * 6 + 8];
	size_t nextquote;
};

static const char *const http_methods[] = { "GET", "HEAD", "POST", "PUT",
	"PATCH", "DELETE", "OPTIONS" };

static void root_standin(struct loader *, json_t *, void *);
static void root_name(struct loader *, json_t *, void *);
static void root_description(struct loader *, json_t *, void *);
static void root_seed(struct loader *, json_t *, void *);
static void root_time_scale(struct loader *, json_t *, void *);
static void root_services(struct loader *, json_t *, void *);
static void root_stubs(struct loader *, json_t *, void *);
static void service_persona(struct loader *, json_t *, void *);
static void service_listen(struct loader *, json_t *, void *);
static void service_versions(struct loader *, json_t *, void *);
static void service_users_from(struct loader *, json_t *, void *);
static void stub_service(struct loader *, json_t *, void *);
static void stub_method(struct loader *, json_t *, void *);
static void stub_path(struct loader *, json_t *, void *);
static void stub_status(struct loader *, json_t *, void *);
static void stub_headers(struct loader *, json_t *, void *);
static void stub_body(struct loader *, json_t *, void *);

static const struct key_rule root_rules[] = {
	{ "standin", 1, root_standin },
	{ "name", 0, root_name },
	{ "description", 0, root_description },
	{ "seed", 0, root_seed },
	{ "time_scale", 0, root_time_scale },
	{ "services", 1, root_services },
	{ "stubs", 0, root_stubs },
};

static const struct key_rule service_rules[] = {
	{ "persona", 1, service_persona },
	{ "listen", 0, service_listen },
	{ "versions", 0, service_versions },
	{ "users_from", 0, service_users_from },
};

static const struct key_rule stub_rules[] = {
	{ "service", 0, stub_service },
	{ "method", 0, stub_method },
	{ "path", 1, stub_path },
	{ "status", 0, stub_status },
	{ "headers", 0, stub_headers },
	{ "body", 0, stub_body },
};

/* Add one error about the value at the current pointer. */
static void __attribute__((format(printf, 2, 3)))
verr(struct loader *ld, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	errlist_add(ld->errs, "%s: %s: %s", ld->file,
	    ld->ptrlen == 0 ? "/" : ld->ptr, msg);
	free(msg);
	ld->nerrs++;
}

/* Append bytes to the current pointer. */
static void
ptr_append(struct loader *ld, const char *s, size_t len)
{
	if (ld->ptrlen + len + 1 > ld->ptrcap) {
		while (ld->ptrlen + len + 1 > ld->ptrcap)
			ld->ptrcap = ld->ptrcap == 0 ? 64 : ld->ptrcap * 2;
		ld->ptr = xrealloc(ld->ptr, ld->ptrcap);
	}
	memcpy(ld->ptr + ld->ptrlen, s, len);
	ld->ptrlen += len;
	ld->ptr[ld->ptrlen] = '\0';
}

/*
 * Descend into a key, escaped as RFC 6901 says ("~" is "~0", "/" is
 * "~1"). Control characters are shown as \uXXXX so that every message
 * stays one line. Returns the length to give back to ptr_pop.
 */
static size_t
ptr_push(struct loader *ld, const char *key)
{
	size_t saved = ld->ptrlen;
	char esc[8];

	ptr_append(ld, "/", 1);
	for (; *key != '\0'; key++) {
		if (*key == '~')
			ptr_append(ld, "~0", 2);
		else if (*key == '/')
			ptr_append(ld, "~1", 2);
		else if ((unsigned char)*key < 0x20 || *key == 0x7f) {
			snprintf(
			    esc, sizeof esc, "\\u%04x", (unsigned char)*key);
			ptr_append(ld, esc, strlen(esc));
		} else
			ptr_append(ld, key, 1);
	}
	return saved;
}

/* Descend into an array element. */
static size_t
ptr_push_index(struct loader *ld, size_t i)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%zu", i);
	return ptr_push(ld, buf);
}

/* Go back up to where ptr_push was called. */
static void
ptr_pop(struct loader *ld, size_t saved)
{
	ld->ptrlen = saved;
	if (ld->ptr != NULL)
		ld->ptr[saved] = '\0';
}

/*
 * A user's string quoted for a message, with JSON escapes and cut short
 * when long. The result lives until four more quotes have been made.
 */
static const char *
q(struct loader *ld, const char *s)
{
	char *buf = ld->quotes[ld->nextquote++ % nitems(ld->quotes)], *p;
	size_t n = strlen(s), i, cut = n;

	if (cut > QUOTE_MAX) {
		cut = QUOTE_MAX;
		/* Do not split a UTF-8 sequence. */
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
	}
	p = buf;
	*p++ = '"';
	for (i = 0; i < cut; i++) {
		if (s[i] == '"' || s[i] == '\\') {
			*p++ = '\\';
			*p++ = s[i];
		} else if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			p += sprintf(p, "\\u%04x", (unsigned char)s[i]);
		else
			*p++ = s[i];
	}
	if (cut < n)
		p += sprintf(p, "...");
	*p++ = '"';
	*p = '\0';
	return buf;
}

/* "a string", "an object", ... for the type of a value. */
static const char *
type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "a value";
}

/*
 * Check the type of a value; on a mismatch report it and return -1.
 * JSON_REAL stands for any number, integers included.
 */
static int
expect(struct loader *ld, const json_t *v, json_type type)
{
	const char *want, *got = type_name(v);

	if (json_typeof(v) == type)
		return 0;
	switch (type) {
	case JSON_OBJECT:
		want = "an object";
		break;
	case JSON_ARRAY:
		want = "an array";
		break;
	case JSON_STRING:
		want = "a string";
		break;
	case JSON_INTEGER:
		want = "an integer";
		if (json_is_real(v))
			got = "a non-integer number";
		break;
	default:
		want = "a number";
		if (json_is_integer(v))
			return 0;
		break;
	}
	verr(ld, "expected %s, got %s", want, got);
	return -1;
}

/* Format a JSON number as it might have been written. */
static void
number_format(const json_t *v, char *buf, size_t len)
{
	if (json_is_integer(v))
		snprintf(
		    buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		snprintf(buf, len, "%g", json_real_value(v));
}

/* Is one string the other with two neighbouring characters swapped? */
static int
swapped(const char *a, const char *b)
{
	size_t i, n = strlen(a);

	if (n != strlen(b))
		return 0;
	for (i = 0; i < n && a[i] == b[i]; i++)
		;
	if (i + 1 >= n || a[i] != b[i + 1] || a[i + 1] != b[i])
		return 0;
	return strcmp(a + i + 2, b + i + 2) == 0;
}

/*
 * The candidate closest to a word a user wrote, if it is close enough to
 * be what they meant: the same but for case, two letters swapped, or one
 * edit per three letters away ("persnoa" is "persona", "FETCH" is not
 * "PATCH"). NULL if none is.
 */
static const char *
suggest(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t i, d, bestd, limit, len = strlen(word);

	for (i = 0; i < n; i++) {
		if (strcasecmp(word, cands[i]) == 0 || swapped(word, cands[i]))
			return cands[i];
	}
	limit = (len < 3 ? 3 : len) / 3;
	bestd = limit + 1;
	for (i = 0; i < n; i++) {
		d = edit_distance(word, cands[i]);
		if (d < bestd && d < strlen(cands[i])) {
			best = cands[i];
			bestd = d;
		}
	}
	return best;
}

/* Report an unknown key, with a hint when a known one is close. */
static void
unknown_key(struct loader *ld, const char *key, const struct key_rule *rules,
    size_t nrules)
{
	const char *names[16], *hint;
	size_t i;

	for (i = 0; i < nrules && i < nitems(names); i++)
		names[i] = rules[i].name;
	hint = suggest(key, names, i);
	if (hint != NULL)
		verr(ld, "unknown key (did you mean %s?)", q(ld, hint));
	else
		verr(ld, "unknown key");
}

/*
 * Read an object by its rules: first what is wrong with the object as a
 * whole (missing keys), then each member in the order written, so that
 * errors come in document order.
 */
static void
parse_object(struct loader *ld, json_t *obj, const struct key_rule *rules,
    size_t nrules, void *out)
{
	const char *key;
	json_t *v;
	void *it;
	size_t i, saved;

	for (i = 0; i < nrules; i++) {
		if (rules[i].required &&
		    json_object_get(obj, rules[i].name) == NULL)
			verr(ld, "missing required key %s",
			    q(ld, rules[i].name));
	}
	for (it = json_object_iter(obj); it != NULL;
	     it = json_object_iter_next(obj, it)) {
		key = json_object_iter_key(it);
		v = json_object_iter_value(it);
		saved = ptr_push(ld, key);
		for (i = 0; i < nrules; i++) {
			if (strcmp(key, rules[i].name) == 0)
				break;
		}
		if (i == nrules)
			unknown_key(ld, key, rules, nrules);
		else
			rules[i].parse(ld, v, out);
		ptr_pop(ld, saved);
	}
}

/* The names of the declared services, for did-you-mean; caller frees. */
static const char **
service_names(struct loader *ld, size_t *n)
{
	const char **names;
	void *it;

	*n = 0;
	if (ld->services == NULL)
		return NULL;
	names = xcalloc(json_object_size(ld->services), sizeof *names);
	for (it = json_object_iter(ld->services); it != NULL;
	     it = json_object_iter_next(ld->services, it))
		names[(*n)++] = json_object_iter_key(it);
	return names;
}

/* Report a reference to a service that is not declared. */
static void
unknown_service(struct loader *ld, const char *name)
{
	const char **names, *hint;
	size_t n;

	names = service_names(ld, &n);
	hint = suggest(name, names, n);
	if (hint != NULL) {
		verr(ld, "no service named %s (did you mean %s?)", q(ld, name),
		    q(ld, hint));
	} else
		verr(ld, "no service named %s", q(ld, name));
	free(names);
}

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

static void
root_standin(struct loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;

	/* Another version stopped the load before this point. */
	if (expect(ld, v, JSON_INTEGER) == 0)
		sc->format = (int)json_integer_value(v);
}

static void
root_name(struct loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;

	if (expect(ld, v, JSON_STRING) != 0)
		return;
	if (*json_string_value(v) == '\0') {
		verr(ld, "must not be empty");
		return;
	}
	free(sc->name);
	sc->name = xstrdup(json_string_value(v));
}

static void
root_description(struct loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;

	if (expect(ld, v, JSON_STRING) != 0)
		return;
	free(sc->description);
	sc->description = xstrdup(json_string_value(v));
}

static void
root_seed(struct loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;

	if (expect(ld, v, JSON_INTEGER) != 0)
		return;
	if (json_integer_value(v) < 0) {
		verr(ld, "must be 0 or more, got %" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return;
	}
	sc->seed = (uint64_t)json_integer_value(v);
}

static void
root_time_scale(struct loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;
	char num[64];

	if (expect(ld, v, JSON_REAL) != 0)
		return;
	if (json_number_value(v) <= 0) {
		number_format(v, num, sizeof num);
		verr(ld, "must be more than 0, got %s", num);
		return;
	}
	sc->time_scale = json_number_value(v);
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
	const char *s;
	json_t *e;
	size_t i, j, saved;

	if (expect(ld, v, JSON_ARRAY) != 0)
		return;
	if (json_array_size(v) == 0) {
		verr(ld, "must list at least one version");
		return;
	}
	svc->versions = xcalloc(json_array_size(v), sizeof *svc->versions);
	for (i = 0; i < json_array_size(v); i++) {
		e = json_array_get(v, i);
		saved = ptr_push_index(ld, i);
		if (expect(ld, e, JSON_STRING) == 0) {
			s = json_string_value(e);
			if (!version_valid(s)) {
				verr(ld,
				    "%s is not a version (use digits and "
				    "dots, e.g. 1.2)",
				    q(ld, s));
				ptr_pop(ld, saved);
				continue;
			}
			/* "1.2" and "1.02" are the same version. */
			for (j = 0; j < svc->nversions; j++) {
				if (version_compare(s, svc->versions[j]) == 0)
					break;
			}
			if (j < svc->nversions)
				verr(ld, "%s is listed twice", q(ld, s));
			else
				svc->versions[svc->nversions++] = xstrdup(s);
		}
		ptr_pop(ld, saved);
	}
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

static void
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

static void
stub_service(struct loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;
	const char *s;

	if (expect(ld, v, JSON_STRING) != 0)
		return;
	s = json_string_value(v);
	if (ld->services != NULL && json_object_get(ld->services, s) == NULL) {
		unknown_service(ld, s);
		return;
	}
	stub->service = xstrdup(s);
}

static void
stub_method(struct loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;
	const char *s, *hint;
	size_t i;

	if (expect(ld, v, JSON_STRING) != 0)
		return;
	s = json_string_value(v);
	for (i = 0; i < nitems(http_methods); i++) {
		if (strcmp(s, http_methods[i]) == 0) {
			stub->method = xstrdup(s);
			return;
		}
	}
	hint = suggest(s, http_methods, nitems(http_methods));
	if (hint != NULL) {
		verr(ld, "unknown method %s (did you mean %s?)", q(ld, s),
		    q(ld, hint));
	} else {
		verr(ld,
		    "unknown method %s (use GET, HEAD, POST, PUT, PATCH, "
		    "DELETE or OPTIONS)",
		    q(ld, s));
	}
}

static void
stub_path(struct loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;
	const char *s, *cause = NULL;

	if (expect(ld, v, JSON_STRING) != 0)
		return;
	s = json_string_value(v);
	if (*s != '/') {
		verr(ld, "%s does not start with \"/\"", q(ld, s));
		return;
	}
	if (route_pattern_valid(s, &cause) != 0) {
		verr(ld, "%s is not a path pattern: %s", q(ld, s),
		    cause != NULL ? cause : "malformed");
		return;
	}
	stub->path = xstrdup(s);
}

static void
stub_status(struct loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;

	if (expect(ld, v, JSON_INTEGER) != 0)
		return;
	if (json_integer_value(v) < 100 || json_integer_value(v) > 599) {
		verr(ld, "must be 100 to 599, got %" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return;
	}
	stub->status = (int)json_integer_value(v);
}

/* Is this an HTTP token (RFC 9110 5.6.2), as a header name must be? */
static int
http_token_valid(const char *s)
{
	size_t n = strspn(s,
	    "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~");

	return n > 0 && s[n] == '\0';
}

/* May this be sent as a header value: no control characters but tab? */
static int
header_value_valid(const char *s)
{
	for (; *s != '\0'; s++) {
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 0;
	}
	return 1;
}

static void
stub_headers(struct loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;
	struct header_conf *h;
	const char *key;
	json_t *e;
	void *it;
	size_t saved;

	if (expect(ld, v, JSON_OBJECT) != 0)
		return;
	stub->headers = xcalloc(json_object_size(v), sizeof *stub->headers);
	for (it = json_object_iter(v); it != NULL;
	     it = json_object_iter_next(v, it)) {
		key = json_object_iter_key(it);
		e = json_object_iter_value(it);
		saved = ptr_push(ld, key);
		if (!http_token_valid(key)) {
			verr(ld,
			    "not a header name (use letters, digits and "
			    "!#$%%&'*+-.^_`|~)");
		} else if (expect(ld, e, JSON_STRING) != 0)
			;
		else if (!header_value_valid(json_string_value(e)))
			verr(ld,
			    "header value must not contain control "
			    "characters");
		else {
			h = &stub->headers[stub->nheaders++];
			h->name = xstrdup(key);
			h->value = xstrdup(json_string_value(e));
		}
		ptr_pop(ld, saved);
	}
}

static void
stub_body(struct loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;

	(void)ld;
	free(stub->body);
	if (json_is_string(v)) {
		stub->body_len = json_string_length(v);
		stub->body = xmalloc(stub->body_len + 1);
		memcpy(stub->body, json_string_value(v), stub->body_len);
		stub->body[stub->body_len] = '\0';
		stub->body_is_json = 0;
		return;
	}
	stub->body = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (stub->body == NULL) {
		fputs("standin: out of memory\n", stderr);
		abort();
	}
	stub->body_len = strlen(stub->body);
	stub->body_is_json = 1;
}

static void
root_stubs(struct loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;
	struct stub_conf *stub;
	json_t *e;
	size_t i, saved;

	if (expect(ld, v, JSON_ARRAY) != 0)
		return;
	sc->stubs = xcalloc(json_array_size(v), sizeof *sc->stubs);
	for (i = 0; i < json_array_size(v); i++) {
		e = json_array_get(v, i);
		stub = &sc->stubs[sc->nstubs++];
		stub->status = 200;
		stub->body = xstrdup("");
		saved = ptr_push_index(ld, i);
		if (expect(ld, e, JSON_OBJECT) == 0)
			parse_object(
			    ld, e, stub_rules, nitems(stub_rules), stub);
		ptr_pop(ld, saved);
	}
}

/* The file's base name without ".json": the default scenario name. */
static char *
default_name(const char *label)
{
	const char *base = strrchr(label, '/');
	size_t len;

	base = base != NULL ? base + 1 : label;
	len = strlen(base);
	if (len > 5 && strcmp(base + len - 5, ".json") == 0)
		len -= 5;
	if (len == 0)
		return xstrdup("scenario");
	return xstrndup(base, len);
}

/* Is this text nothing but JSON white space? */
static int
blank(const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (strchr(" \t\r\n", text[i]) == NULL || text[i] == '\0')
			return 0;
	}
	return 1;
}

struct scenario *
scenario_load_text(
    const char *label, const char *text, size_t len, struct errlist *errs)
{
	struct loader ld;
	struct scenario *sc;
	json_error_t jerr;
	json_t *root, *format;

	memset(&ld, 0, sizeof ld);
	ld.file = label;
	ld.errs = errs;

	sc = xcalloc(1, sizeof *sc);
	sc->file = xstrdup(label);
	sc->format = SCENARIO_FORMAT;
	sc->name = default_name(label);
	sc->description = xstrdup("");
	sc->seed = 1;
	sc->time_scale = 1;
	ld.sc = sc;

	if (blank(text, len)) {
		verr(&ld, "expected an object, got an empty file");
		goto fail;
	}
	/*
	 * Any value is decoded so that a root of the wrong type gets the
	 * same message as any other value of the wrong type.
	 */
	root = json_loadb(
	    text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (root == NULL) {
		if (jerr.line >= 0) {
			errlist_add(errs, "%s:%d:%d: %s", label, jerr.line,
			    jerr.column, jerr.text);
		} else
			errlist_add(errs, "%s: %s", label, jerr.text);
		goto fail;
	}
	if (expect(&ld, root, JSON_OBJECT) != 0)
		goto done;

	/*
	 * Another format version would make every other message a guess:
	 * say only that.
	 */
	format = json_object_get(root, "standin");
	if (json_is_integer(format) &&
	    json_integer_value(format) != SCENARIO_FORMAT) {
		ptr_push(&ld, "standin");
		verr(&ld,
		    "format version %" JSON_INTEGER_FORMAT " is not "
		    "supported (this standin reads %d)",
		    json_integer_value(format), SCENARIO_FORMAT);
		goto done;
	}
	ld.services = json_object_get(root, "services");
	if (!json_is_object(ld.services))
		ld.services = NULL;
	parse_object(&ld, root, root_rules, nitems(root_rules), sc);

done:
	json_decref(root);
	if (ld.nerrs == 0) {
		free(ld.ptr);
		return sc;
	}
fail:
	free(ld.ptr);
	scenario_free(sc);
	return NULL;
}

struct scenario *
scenario_load_file(const char *path, struct errlist *errs)
{
	struct scenario *sc;
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int saved;

	if ((f = fopen(path, "rb")) == NULL)
		goto fail;
	for (;;) {
		if (len == cap) {
			if (cap >= SCENARIO_MAX_SIZE) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap == 0 ? 8192 : cap * 2;
			buf = xrealloc(buf, cap);
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				goto fail;
			break;
		}
	}
	fclose(f);
	sc = scenario_load_text(path, buf, len, errs);
	free(buf);
	errno = 0;
	return sc;

fail:
	saved = errno != 0 ? errno : EIO;
	if (f != NULL)
		fclose(f);
	free(buf);
	errlist_add(errs, "%s: cannot read: %s", path, strerror(saved));
	errno = saved;
	return NULL;
}

struct scenario *
scenario_default(void)
{
	static const char text[] =
	    "{\"standin\": 1, \"name\": \"default\", "
	    "\"description\": \"built-in healthy default: "
	    "UMS and the financial engine\", "
	    "\"services\": {\"ums\": {\"persona\": \"ums\"}, "
	    "\"fin\": {\"persona\": \"financial-engine\"}}}";
	struct errlist errs = { NULL, 0, 0 };
	struct scenario *sc;
	char *msg;

	sc = scenario_load_text("(built-in)", text, sizeof text - 1, &errs);
	if (sc == NULL) {
		msg = errlist_join(&errs);
		fprintf(stderr, "standin: bad built-in scenario: %s\n", msg);
		abort();
	}
	return sc;
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
static void
service_conf_clear(struct service_conf *svc)
{
	size_t i;

	free(svc->name);
	free(svc->listen);
	for (i = 0; i < svc->nversions; i++)
		free(svc->versions[i]);
	free(svc->versions);
	free(svc->users_from);
}

/* Free what a stub owns, not the struct itself. */
static void
stub_conf_clear(struct stub_conf *stub)
{
	size_t i;

	free(stub->service);
	free(stub->method);
	free(stub->path);
	for (i = 0; i < stub->nheaders; i++) {
		free(stub->headers[i].name);
		free(stub->headers[i].value);
	}
	free(stub->headers);
	free(stub->body);
}

void
scenario_free(struct scenario *sc)
{
	size_t i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->nservices; i++)
		service_conf_clear(&sc->services[i]);
	free(sc->services);
	for (i = 0; i < sc->nstubs; i++)
		stub_conf_clear(&sc->stubs[i]);
	free(sc->stubs);
	free(sc->file);
	free(sc->name);
	free(sc->description);
	free(sc);
}

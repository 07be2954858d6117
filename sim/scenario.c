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
#include <unistd.h>
#include <strings.h>

#include "persona.h"
#include "route.h"
#include "scenario.h"
#include "tls.h"
#include "util.h"

/* Scenario files are small; anything bigger is not one. */
#define SCENARIO_MAX_SIZE (16 * 1024 * 1024)

/* Longest part of a user's value quoted back in a message. */
#define QUOTE_MAX 60

/* Service names: what may appear in a journal, a URL or a ready file. */
#define SERVICE_NAME_MAX 32

/* Phase names: what `standin ctl phase NAME` and the journal show. */
#define PHASE_NAME_MAX 64

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
	json_t *root; /* the root object, for keys read ahead */
	int repeat; /* "repeat" is true (read ahead) */
	size_t phase; /* index of the phase being read */

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
static void root_faults(struct loader *, json_t *, void *);
static void root_phases(struct loader *, json_t *, void *);
static void root_repeat(struct loader *, json_t *, void *);
static void phase_name(struct loader *, json_t *, void *);
static void phase_after(struct loader *, json_t *, void *);
static void phase_after_connections(struct loader *, json_t *, void *);
static void phase_after_requests(struct loader *, json_t *, void *);
static void phase_manual(struct loader *, json_t *, void *);
static void phase_faults(struct loader *, json_t *, void *);
static void match_method(struct loader *, json_t *, void *);
static void match_path(struct loader *, json_t *, void *);
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
	{ "faults", 0, root_faults },
	{ "phases", 0, root_phases },
	{ "repeat", 0, root_repeat },
};

static void service_tls(struct loader *, json_t *, void *);

static const struct key_rule service_rules[] = {
	{ "persona", 1, service_persona },
	{ "listen", 0, service_listen },
	{ "versions", 0, service_versions },
	{ "users_from", 0, service_users_from },
	{ "tls", 0, service_tls },
};

static const struct key_rule stub_rules[] = {
	{ "service", 0, stub_service },
	{ "method", 0, stub_method },
	{ "path", 1, stub_path },
	{ "status", 0, stub_status },
	{ "headers", 0, stub_headers },
	{ "body", 0, stub_body },
};

static const struct key_rule phase_rules[] = {
	{ "name", 1, phase_name },
	{ "after", 0, phase_after },
	{ "after_connections", 0, phase_after_connections },
	{ "after_requests", 0, phase_after_requests },
	{ "manual", 0, phase_manual },
	{ "faults", 0, phase_faults },
};

/* The keys that say how a phase starts; a phase has at most one. */
static const char *const phase_start_keys[] = { "after", "after_connections",
	"after_requests", "manual" };

static const struct key_rule match_rules[] = {
	{ "method", 0, match_method },
	{ "path", 0, match_path },
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
 * JSON_REAL stands for any number, integers included; JSON_TRUE for
 * either boolean.
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
	case JSON_TRUE:
	case JSON_FALSE:
		want = "a boolean";
		if (json_is_boolean(v))
			return 0;
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

/*
 * Read a non-empty array of distinct protocol versions into a new array
 * (left NULL when v is not an array or is empty).
 */
static void
versions_read(struct loader *ld, json_t *v, char ***versions, size_t *nversions)
{
	const char *s;
	json_t *e;
	size_t i, j, saved;

	if (expect(ld, v, JSON_ARRAY) != 0)
		return;
	if (json_array_size(v) == 0) {
		verr(ld, "must list at least one version");
		return;
	}
	*versions = xcalloc(json_array_size(v), sizeof **versions);
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
			for (j = 0; j < *nversions; j++) {
				if (version_compare(s, (*versions)[j]) == 0)
					break;
			}
			if (j < *nversions)
				verr(ld, "%s is listed twice", q(ld, s));
			else
				(*versions)[(*nversions)++] = xstrdup(s);
		}
		ptr_pop(ld, saved);
	}
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

static void strings_read(struct loader *, json_t *, char ***, size_t *);

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

/* Read an HTTP method; returns a copy, or NULL if it is not one. */
static char *
method_read(struct loader *ld, json_t *v)
{
	const char *s, *hint;
	size_t i;

	if (expect(ld, v, JSON_STRING) != 0)
		return NULL;
	s = json_string_value(v);
	for (i = 0; i < nitems(http_methods); i++) {
		if (strcmp(s, http_methods[i]) == 0)
			return xstrdup(s);
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
	return NULL;
}

static void
stub_method(struct loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;

	stub->method = method_read(ld, v);
}

/* Read a path pattern; returns a copy, or NULL if it is not one. */
static char *
path_read(struct loader *ld, json_t *v)
{
	const char *s, *cause = NULL;

	if (expect(ld, v, JSON_STRING) != 0)
		return NULL;
	s = json_string_value(v);
	if (*s != '/') {
		verr(ld, "%s does not start with \"/\"", q(ld, s));
		return NULL;
	}
	if (route_pattern_valid(s, &cause) != 0) {
		verr(ld, "%s is not a path pattern: %s", q(ld, s),
		    cause != NULL ? cause : "malformed");
		return NULL;
	}
	return xstrdup(s);
}

static void
stub_path(struct loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;

	stub->path = path_read(ld, v);
}

/* Read an HTTP status, 100 to 599; returns it, or -1. */
static int
status_read(struct loader *ld, json_t *v)
{
	if (expect(ld, v, JSON_INTEGER) != 0)
		return -1;
	if (json_integer_value(v) < 100 || json_integer_value(v) > 599) {
		verr(ld, "must be 100 to 599, got %" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return -1;
	}
	return (int)json_integer_value(v);
}

static void
stub_status(struct loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;
	int status;

	if ((status = status_read(ld, v)) != -1)
		stub->status = status;
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

/* Read an object of response headers into a new array. */
static void
headers_read(struct loader *ld, json_t *v, struct header_conf **headers,
    size_t *nheaders)
{
	struct header_conf *h;
	const char *key;
	json_t *e;
	void *it;
	size_t saved;

	if (expect(ld, v, JSON_OBJECT) != 0)
		return;
	*headers = xcalloc(json_object_size(v), sizeof **headers);
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
			h = &(*headers)[(*nheaders)++];
			h->name = xstrdup(key);
			h->value = xstrdup(json_string_value(e));
		}
		ptr_pop(ld, saved);
	}
}

static void
stub_headers(struct loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;

	headers_read(ld, v, &stub->headers, &stub->nheaders);
}

/*
 * Serialize a body: a string is its text, as is; any other value is
 * compact JSON. Returns the allocated text; sets its length and kind.
 */
static char *
body_read(json_t *v, size_t *len, int *is_json)
{
	char *text;

	if (json_is_string(v)) {
		*len = json_string_length(v);
		text = xmalloc(*len + 1);
		memcpy(text, json_string_value(v), *len);
		text[*len] = '\0';
		*is_json = 0;
		return text;
	}
	text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (text == NULL) {
		fputs("standin: out of memory\n", stderr);
		abort();
	}
	*len = strlen(text);
	*is_json = 1;
	return text;
}

static void
stub_body(struct loader *ld, json_t *v, void *out)
{
	struct stub_conf *stub = out;

	(void)ld;
	free(stub->body);
	stub->body = body_read(v, &stub->body_len, &stub->body_is_json);
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

/*
 * Quoted names joined for a message: "a", "b" and "c" (or "or" as conj
 * says). The caller frees the result.
 */
static char *
names_join(const char *const *names, size_t n, const char *conj)
{
	char *list = xstrdup(""), *tmp;
	size_t i;

	for (i = 0; i < n; i++) {
		tmp = xasprintf("%s%s\"%s\"", list,
		    i == 0 ? "" : (i + 1 == n ? conj : ", "), names[i]);
		free(list);
		list = tmp;
	}
	return list;
}

/*
 * Read one of a few words; returns its index, or -1 after reporting
 * "unknown NOUN" with a hint or the list of choices.
 */
static int
choice_read(struct loader *ld, json_t *v, const char *noun,
    const char *const *choices, size_t n)
{
	const char *s, *hint;
	char *list;
	size_t i;

	if (expect(ld, v, JSON_STRING) != 0)
		return -1;
	s = json_string_value(v);
	for (i = 0; i < n; i++) {
		if (strcmp(s, choices[i]) == 0)
			return (int)i;
	}
	if ((hint = suggest(s, choices, n)) != NULL) {
		verr(ld, "unknown %s %s (did you mean %s?)", noun, q(ld, s),
		    q(ld, hint));
		return -1;
	}
	list = names_join(choices, n, " or ");
	verr(ld, "unknown %s %s (use %s)", noun, q(ld, s), list);
	free(list);
	return -1;
}

/* Read a duration string such as "250ms"; returns 0 or -1. */
static int
duration_read(struct loader *ld, json_t *v, uint64_t *us)
{
	if (!json_is_string(v)) {
		verr(ld, "expected a duration such as \"250ms\", got %s",
		    type_name(v));
		return -1;
	}
	if (duration_parse(json_string_value(v), us) != 0) {
		verr(ld, "%s is not a duration (use 250ms, 1.5s, 2m)",
		    q(ld, json_string_value(v)));
		return -1;
	}
	return 0;
}

/* Report a number outside [min, max] (max 0: no upper bound). */
static void
range_error(struct loader *ld, const json_t *v, double min, double max)
{
	char num[64];

	number_format(v, num, sizeof num);
	if (max != 0)
		verr(ld, "must be %.15g to %.15g, got %s", min, max, num);
	else
		verr(ld, "must be %.15g or more, got %s", min, num);
}

/* The delay distributions and the keys each takes. */
struct dist_rule {
	const char *name;
	enum delay_dist dist;
	const char *keys[2]; /* a, then b (lognormal: sigma, a number) */
};

static const struct dist_rule dist_rules[] = {
	{ "fixed", DELAY_FIXED, { "value", NULL } },
	{ "uniform", DELAY_UNIFORM, { "min", "max" } },
	{ "normal", DELAY_NORMAL, { "mean", "stddev" } },
	{ "lognormal", DELAY_LOGNORMAL, { "median", "sigma" } },
};

/* Read one key of a distribution object into the delay. */
static void
dist_key_read(struct loader *ld, json_t *v, const struct dist_rule *dr,
    size_t k, struct delay *d)
{
	if (dr->dist == DELAY_LOGNORMAL && k == 1) {
		if (expect(ld, v, JSON_REAL) != 0)
			return;
		if (json_number_value(v) <= 0) {
			char num[64];

			number_format(v, num, sizeof num);
			verr(ld, "must be more than 0, got %s", num);
			return;
		}
		d->sigma = json_number_value(v);
		return;
	}
	duration_read(ld, v, k == 0 ? &d->a : &d->b);
}

/* Report an unknown key of a distribution object. */
static void
dist_unknown_key(struct loader *ld, const char *key, const struct dist_rule *dr)
{
	const char *names[3], *hint;
	char *list;
	size_t n = 0;

	names[n++] = "dist";
	names[n++] = dr->keys[0];
	if (dr->keys[1] != NULL)
		names[n++] = dr->keys[1];
	if ((hint = suggest(key, names, n)) != NULL) {
		verr(ld, "unknown key (did you mean %s?)", q(ld, hint));
		return;
	}
	list = names_join(names + 1, n - 1, " and ");
	verr(ld, "unknown key (a %s distribution takes %s)", q(ld, dr->name),
	    list);
	free(list);
}

/*
 * Read a delay: a duration (fixed), or a distribution object such as
 * {"dist": "uniform", "min": "50ms", "max": "150ms"}.
 */
static void
delay_read(struct loader *ld, json_t *v, struct delay *d)
{
	const char *names[nitems(dist_rules)], *key;
	const struct dist_rule *dr = NULL;
	json_t *dist, *e, *lo, *hi;
	uint64_t min, max;
	size_t i, k, saved;
	void *it;
	int idx;

	memset(d, 0, sizeof *d);
	if (json_is_string(v)) {
		d->dist = DELAY_FIXED;
		duration_read(ld, v, &d->a);
		return;
	}
	if (!json_is_object(v)) {
		verr(ld, "expected a duration or a distribution object, got %s",
		    type_name(v));
		return;
	}
	for (i = 0; i < nitems(dist_rules); i++)
		names[i] = dist_rules[i].name;
	/* Object first: the distribution decides which keys belong. */
	dist = json_object_get(v, "dist");
	if (dist == NULL)
		verr(ld, "missing required key \"dist\"");
	else if (json_is_string(dist)) {
		for (i = 0; i < nitems(dist_rules); i++) {
			if (strcmp(json_string_value(dist), names[i]) == 0)
				dr = &dist_rules[i];
		}
	}
	for (k = 0; dr != NULL && k < nitems(dr->keys); k++) {
		if (dr->keys[k] != NULL &&
		    json_object_get(v, dr->keys[k]) == NULL)
			verr(ld, "missing required key %s", q(ld, dr->keys[k]));
	}
	for (it = json_object_iter(v); it != NULL;
	     it = json_object_iter_next(v, it)) {
		key = json_object_iter_key(it);
		e = json_object_iter_value(it);
		saved = ptr_push(ld, key);
		if (strcmp(key, "dist") == 0) {
			idx = choice_read(
			    ld, e, "distribution", names, nitems(names));
			if (idx >= 0)
				d->dist = dist_rules[idx].dist;
		} else if (dr != NULL) {
			for (k = 0; k < nitems(dr->keys); k++) {
				if (dr->keys[k] != NULL &&
				    strcmp(key, dr->keys[k]) == 0)
					break;
			}
			if (k < nitems(dr->keys))
				dist_key_read(ld, e, dr, k, d);
			else
				dist_unknown_key(ld, key, dr);
		}
		ptr_pop(ld, saved);
	}
	lo = json_object_get(v, "min");
	hi = json_object_get(v, "max");
	if (dr != NULL && dr->dist == DELAY_UNIFORM && json_is_string(lo) &&
	    json_is_string(hi) &&
	    duration_parse(json_string_value(lo), &min) == 0 &&
	    duration_parse(json_string_value(hi), &max) == 0 && min > max) {
		verr(ld, "min %s is more than max %s",
		    q(ld, json_string_value(lo)), q(ld, json_string_value(hi)));
	}
}

/* Read a non-empty array of strings (the names schema_drift drops). */
static void
strings_read(struct loader *ld, json_t *v, char ***list, size_t *n)
{
	json_t *e;
	size_t i, saved;

	if (expect(ld, v, JSON_ARRAY) != 0)
		return;
	if (json_array_size(v) == 0) {
		verr(ld, "must list at least one name");
		return;
	}
	*list = xcalloc(json_array_size(v), sizeof **list);
	for (i = 0; i < json_array_size(v); i++) {
		e = json_array_get(v, i);
		saved = ptr_push_index(ld, i);
		if (expect(ld, e, JSON_STRING) == 0) {
			if (*json_string_value(e) == '\0')
				verr(ld, "must not be empty");
			else
				(*list)[(*n)++] = xstrdup(json_string_value(e));
		}
		ptr_pop(ld, saved);
	}
}

/* Read a non-empty object of old name to new name. */
static void
renames_read(struct loader *ld, json_t *v, struct fault_renames *val)
{
	const char *key;
	json_t *e;
	size_t saved, n;
	void *it;

	if (expect(ld, v, JSON_OBJECT) != 0)
		return;
	if ((n = json_object_size(v)) == 0) {
		verr(ld, "must rename at least one name");
		return;
	}
	val->from = xcalloc(n, sizeof *val->from);
	val->to = xcalloc(n, sizeof *val->to);
	for (it = json_object_iter(v); it != NULL;
	     it = json_object_iter_next(v, it)) {
		key = json_object_iter_key(it);
		e = json_object_iter_value(it);
		saved = ptr_push(ld, key);
		if (*key == '\0')
			verr(ld, "the name to rename must not be empty");
		else if (expect(ld, e, JSON_STRING) != 0)
			;
		else if (*json_string_value(e) == '\0')
			verr(ld, "must not be empty");
		else if (strcmp(key, json_string_value(e)) == 0)
			verr(ld, "renames %s to itself", q(ld, key));
		else {
			n = val->n++;
			val->from[n] = xstrdup(key);
			val->to[n] = xstrdup(json_string_value(e));
		}
		ptr_pop(ld, saved);
	}
}

/*
 * Read the value of a fault's parameter as its kind says. The value is
 * marked present first, so that whatever was allocated is freed.
 */
static void
param_read(struct loader *ld, json_t *v, const struct fault_param *p,
    struct fault_conf *fc, size_t i)
{
	void *val = fault_arg(fc, i);
	int64_t *ival = val;
	struct fault_strings *list = val;
	struct fault_headers *headers = val;
	struct fault_body *body = val;
	size_t n;
	int x;

	fc->present[i] = 1;
	switch (p->kind) {
	case FAULT_PARAM_DURATION:
		duration_read(ld, v, val);
		break;
	case FAULT_PARAM_DELAY:
		delay_read(ld, v, val);
		break;
	case FAULT_PARAM_INT:
		if (expect(ld, v, JSON_INTEGER) != 0)
			break;
		if ((double)json_integer_value(v) < p->min ||
		    (p->max != 0 && (double)json_integer_value(v) > p->max))
			range_error(ld, v, p->min, p->max);
		else
			*ival = json_integer_value(v);
		break;
	case FAULT_PARAM_NUMBER:
		if (expect(ld, v, JSON_REAL) != 0)
			break;
		if (json_number_value(v) < p->min ||
		    (p->max != 0 && json_number_value(v) > p->max))
			range_error(ld, v, p->min, p->max);
		else
			*(double *)val = json_number_value(v);
		break;
	case FAULT_PARAM_STATUS:
		if ((x = status_read(ld, v)) != -1)
			*ival = x;
		break;
	case FAULT_PARAM_CHOICE:
		for (n = 0; p->choices[n] != NULL; n++)
			;
		if ((x = choice_read(ld, v, p->name, p->choices, n)) >= 0)
			*ival = x;
		break;
	case FAULT_PARAM_VERSIONS:
		versions_read(ld, v, &list->v, &list->n);
		break;
	case FAULT_PARAM_STRINGS:
		strings_read(ld, v, &list->v, &list->n);
		break;
	case FAULT_PARAM_RENAMES:
		renames_read(ld, v, val);
		break;
	case FAULT_PARAM_HEADERS:
		headers_read(ld, v, &headers->v, &headers->n);
		break;
	case FAULT_PARAM_BODY:
		body->text = body_read(v, &body->len, &body->is_json);
		break;
	}
}

/* Fill in the default of every parameter not given that has one. */
static void
params_default(struct loader *ld, struct fault_conf *fc)
{
	const struct fault_param *p;
	size_t i, saved;
	json_t *v;

	for (i = 0; i < fc->kind->nparams; i++) {
		p = &fc->kind->params[i];
		if (fc->present[i] || p->defval == NULL)
			continue;
		if (p->kind == FAULT_PARAM_DURATION ||
		    p->kind == FAULT_PARAM_DELAY ||
		    p->kind == FAULT_PARAM_CHOICE)
			v = json_string(p->defval);
		else
			v = json_loads(p->defval, JSON_DECODE_ANY, NULL);
		if (v == NULL) {
			fprintf(stderr, "standin: bad default %s of %s\n",
			    p->defval, p->name);
			abort();
		}
		/* A default is scenario text: a bad one reads as the key's. */
		saved = ptr_push(ld, p->name);
		param_read(ld, v, p, fc, i);
		ptr_pop(ld, saved);
		json_decref(v);
	}
}

static void
fault_service(struct loader *ld, json_t *v, struct fault_conf *fc)
{
	const char *s;

	if (expect(ld, v, JSON_STRING) != 0)
		return;
	s = json_string_value(v);
	if (ld->services != NULL && json_object_get(ld->services, s) == NULL) {
		unknown_service(ld, s);
		return;
	}
	fc->service = xstrdup(s);
}

/* Does the catalogue have faults on this layer? */
static int
layer_has_faults(enum fault_layer layer)
{
	size_t i;

	for (i = 0; i < nfault_kinds; i++) {
		if (fault_kinds[i].layer == layer)
			return 1;
	}
	return 0;
}

static void
fault_layer_key(struct loader *ld, json_t *v, struct fault_conf *fc)
{
	const char *names[8], *all[8], *s, *hint;
	enum fault_layer layer;
	size_t n = 0, nall = 0;
	char *list;

	(void)fc;
	if (expect(ld, v, JSON_STRING) != 0)
		return;
	s = json_string_value(v);
	if (fault_layer_parse(s, &layer) == 0) {
		/* A layer of the design without faults in this build. */
		if (!layer_has_faults(layer))
			verr(ld, "no %s faults in this standin", s);
		return;
	}
	for (layer = FAULT_LAYER_CONNECT; layer <= FAULT_LAYER_STREAM;
	     layer++) {
		all[nall++] = fault_layer_name(layer);
		if (layer_has_faults(layer))
			names[n++] = fault_layer_name(layer);
	}
	if ((hint = suggest(s, all, nall)) != NULL) {
		verr(ld, "unknown layer %s (did you mean %s?)", q(ld, s),
		    q(ld, hint));
		return;
	}
	list = names_join(names, n, " or ");
	verr(ld, "unknown layer %s (use %s)", q(ld, s), list);
	free(list);
}

/* The layer a fault object names, read without reporting anything. */
static int
fault_peek_layer(json_t *obj, enum fault_layer *layer)
{
	json_t *v = json_object_get(obj, "layer");

	if (!json_is_string(v))
		return -1;
	return fault_layer_parse(json_string_value(v), layer);
}

static void
fault_type_key(struct loader *ld, json_t *v, struct fault_conf *fc, json_t *obj)
{
	const char *names[32], *s, *hint;
	enum fault_layer layer;
	char *list;
	size_t i, n = 0;

	(void)fc;
	if (expect(ld, v, JSON_STRING) != 0)
		return;
	if (fault_peek_layer(obj, &layer) != 0)
		return; /* "layer" says what is wrong */
	s = json_string_value(v);
	for (i = 0; i < nfault_kinds && n < nitems(names); i++) {
		if (fault_kinds[i].layer == layer)
			names[n++] = fault_kinds[i].name;
	}
	if (n == 0 || fault_kind_find(layer, s) != NULL)
		return;
	for (i = 0; i < nfault_kinds; i++) {
		if (strcmp(fault_kinds[i].name, s) == 0) {
			verr(ld,
			    "no fault type %s on layer %s (it is on layer %s)",
			    q(ld, s), q(ld, fault_layer_name(layer)),
			    q(ld, fault_layer_name(fault_kinds[i].layer)));
			return;
		}
	}
	if ((hint = suggest(s, names, n)) != NULL) {
		verr(ld, "no fault type %s on layer %s (did you mean %s?)",
		    q(ld, s), q(ld, fault_layer_name(layer)), q(ld, hint));
		return;
	}
	list = names_join(names, n, " or ");
	verr(ld, "no fault type %s on layer %s (use %s)", q(ld, s),
	    q(ld, fault_layer_name(layer)), list);
	free(list);
}

/*
 * refuse and stall_accept are states of the listener, not draws per
 * connection: a probability or a count would silently mean nothing.
 */
static int
fault_is_state(struct loader *ld, const struct fault_conf *fc, const char *key)
{
	if (fc->kind == NULL || (fc->kind->does & FAULT_IS_STATE) == 0)
		return 0;
	verr(ld,
	    "connect %s faults are a state of the listener, not a draw: "
	    "they take no %s",
	    q(ld, fc->kind->name), q(ld, key));
	return 1;
}

static void
fault_probability(struct loader *ld, json_t *v, struct fault_conf *fc)
{
	if (fault_is_state(ld, fc, "probability"))
		return;
	if (expect(ld, v, JSON_REAL) != 0)
		return;
	if (json_number_value(v) < 0 || json_number_value(v) > 1) {
		range_error(ld, v, 0, 1);
		return;
	}
	fc->probability = json_number_value(v);
}

static void
fault_times(struct loader *ld, json_t *v, struct fault_conf *fc)
{
	if (fault_is_state(ld, fc, "times"))
		return;
	if (expect(ld, v, JSON_INTEGER) != 0)
		return;
	if (json_integer_value(v) < 1) {
		range_error(ld, v, 1, 0);
		return;
	}
	fc->times = json_integer_value(v);
}

static void
fault_direction(struct loader *ld, json_t *v, struct fault_conf *fc)
{
	static const char *const names[] = { "both", "upstream", "downstream" };
	static const enum fault_direction dirs[] = { FAULT_DIR_BOTH,
		FAULT_DIR_UPSTREAM, FAULT_DIR_DOWNSTREAM };
	int i;

	if ((i = choice_read(ld, v, "direction", names, nitems(names))) >= 0)
		fc->direction = dirs[i];
}

static void
fault_at(struct loader *ld, json_t *v, struct fault_conf *fc)
{
	static const char *const names[] = { "request", "response" };
	static const enum fault_at ats[] = { FAULT_AT_REQUEST,
		FAULT_AT_RESPONSE };
	int i;

	if ((i = choice_read(ld, v, "value", names, nitems(names))) >= 0)
		fc->at = ats[i];
}

static void
match_method(struct loader *ld, json_t *v, void *out)
{
	struct fault_conf *fc = out;

	fc->match_method = method_read(ld, v);
}

static void
match_path(struct loader *ld, json_t *v, void *out)
{
	struct fault_conf *fc = out;

	fc->match_path = path_read(ld, v);
}

static void
fault_match(struct loader *ld, json_t *v, struct fault_conf *fc)
{
	if (expect(ld, v, JSON_OBJECT) == 0)
		parse_object(ld, v, match_rules, nitems(match_rules), fc);
}

/* The keys every fault object may have, and those only some take. */
struct fault_field {
	const char *name;
	unsigned takes; /* FAULT_TAKES_*, 0 for every fault */
	enum fault_layer only; /* with takes: the layer whose faults do */
	void (*parse)(struct loader *, json_t *, struct fault_conf *);
};

static const struct fault_field fault_fields[] = {
	{ "service", 0, FAULT_LAYER_CONNECT, fault_service },
	{ "layer", 0, FAULT_LAYER_CONNECT, fault_layer_key },
	{ "type", 0, FAULT_LAYER_CONNECT, NULL },
	{ "probability", 0, FAULT_LAYER_CONNECT, fault_probability },
	{ "times", 0, FAULT_LAYER_CONNECT, fault_times },
	{ "direction", FAULT_TAKES_DIRECTION, FAULT_LAYER_STREAM,
	    fault_direction },
	{ "match", FAULT_TAKES_MATCH, FAULT_LAYER_HTTP, fault_match },
	{ "at", FAULT_TAKES_AT, FAULT_LAYER_HTTP, fault_at },
};

/* Is this the name of a parameter of any fault type? */
static int
any_param(const char *key)
{
	size_t i;

	for (i = 0; i < nfault_kinds; i++) {
		if (fault_param_index(&fault_kinds[i], key) >= 0)
			return 1;
	}
	return 0;
}

/*
 * Report an unknown key of a fault: a hint among what this kind takes,
 * else the list of its parameters. With no kind (its layer or type is
 * wrong) only keys that no fault takes are reported.
 */
static void
fault_unknown_key(
    struct loader *ld, const char *key, const struct fault_kind *kind)
{
	const char *names[nitems(fault_fields) + FAULT_PARAMS_MAX], *hint;
	const char *params[FAULT_PARAMS_MAX];
	const char *lname;
	char *list;
	size_t i, n = 0;

	if (kind == NULL && any_param(key))
		return;
	for (i = 0; i < nitems(fault_fields); i++) {
		if (fault_fields[i].takes == 0 || kind == NULL ||
		    (kind->takes & fault_fields[i].takes) != 0)
			names[n++] = fault_fields[i].name;
	}
	for (i = 0; kind != NULL && i < kind->nparams; i++)
		names[n++] = params[i] = kind->params[i].name;
	if ((hint = suggest(key, names, n)) != NULL) {
		verr(ld, "unknown key (did you mean %s?)", q(ld, hint));
		return;
	}
	if (kind == NULL) {
		verr(ld, "unknown key");
		return;
	}
	lname = fault_layer_name(kind->layer);
	if (kind->nparams == 0) {
		verr(ld, "unknown key (%s %s faults take no parameters)", lname,
		    q(ld, kind->name));
		return;
	}
	list = names_join(params, kind->nparams, " and ");
	verr(ld, "unknown key (%s %s faults take %s)", lname, q(ld, kind->name),
	    list);
	free(list);
}

/*
 * The kind a fault object names, read without reporting anything;
 * NULL if its layer or type is wrong.
 */
static const struct fault_kind *
fault_peek_kind(json_t *obj)
{
	enum fault_layer layer;
	json_t *type = json_object_get(obj, "type");

	if (fault_peek_layer(obj, &layer) != 0 || !json_is_string(type))
		return NULL;
	return fault_kind_find(layer, json_string_value(type));
}

/* Report what is missing from a fault object as a whole. */
static void
fault_missing(struct loader *ld, json_t *obj, const struct fault_kind *kind)
{
	const char *oneof[FAULT_PARAMS_MAX];
	size_t i, n = 0, given = 0;
	char *list;

	if (json_object_get(obj, "layer") == NULL)
		verr(ld, "missing required key \"layer\"");
	if (json_object_get(obj, "type") == NULL)
		verr(ld, "missing required key \"type\"");
	for (i = 0; kind != NULL && i < kind->nparams; i++) {
		if (kind->params[i].required == FAULT_PARAM_ONE_OF) {
			oneof[n++] = kind->params[i].name;
			if (json_object_get(obj, kind->params[i].name) != NULL)
				given++;
		} else if (kind->params[i].required &&
		    json_object_get(obj, kind->params[i].name) == NULL)
			verr(ld, "missing required key %s",
			    q(ld, kind->params[i].name));
	}
	if (n > 0 && given == 0) {
		list = names_join(oneof, n, " or ");
		verr(ld, "missing required key %s (give at least one)", list);
		free(list);
	}
}

/* Report a common field this fault does not take. */
static void
fault_field_refused(struct loader *ld, const struct fault_field *ff,
    const struct fault_kind *kind)
{
	if (kind->layer == ff->only) {
		verr(ld, "%s %s faults do not take %s",
		    fault_layer_name(kind->layer), q(ld, kind->name),
		    q(ld, ff->name));
	} else {
		verr(ld, "only %s faults take %s", fault_layer_name(ff->only),
		    q(ld, ff->name));
	}
}

/* Does the declared service of that name have "tls"? */
static int
service_has_tls(struct loader *ld, const char *name)
{
	json_t *svc =
	    ld->services != NULL ? json_object_get(ld->services, name) : NULL;

	return json_is_object(svc) && json_object_get(svc, "tls") != NULL;
}

/*
 * A tls fault needs a TLS service to act on: the one it names, or at
 * least one of the scenario's.
 */
static void
fault_check_tls(struct loader *ld, json_t *obj)
{
	json_t *svc = json_object_get(obj, "service");
	size_t saved;
	void *it;

	if (json_is_string(svc)) {
		if (json_object_get(ld->services, json_string_value(svc)) !=
		        NULL &&
		    !service_has_tls(ld, json_string_value(svc))) {
			saved = ptr_push(ld, "service");
			verr(ld,
			    "service %s has no \"tls\": a tls fault cannot "
			    "apply",
			    q(ld, json_string_value(svc)));
			ptr_pop(ld, saved);
		}
		return;
	}
	for (it = ld->services != NULL ? json_object_iter(ld->services) : NULL;
	     it != NULL; it = json_object_iter_next(ld->services, it)) {
		if (service_has_tls(ld, json_object_iter_key(it)))
			return;
	}
	saved = ptr_push(ld, "layer");
	verr(ld, "no service has \"tls\": a tls fault cannot apply");
	ptr_pop(ld, saved);
}

/*
 * Read one fault object. Its layer and type are read ahead, since they
 * decide which keys belong; then what is missing, then every member in
 * document order; then the defaults of parameters not given.
 */
static void
parse_fault(struct loader *ld, json_t *obj, struct fault_conf *fc)
{
	const struct fault_field *ff;
	const struct fault_kind *kind;
	enum fault_layer layer;
	const char *key;
	json_t *v;
	void *it;
	size_t i, saved;
	int pi, layer_ok;

	fc->probability = 1;
	fc->times = -1;
	fc->direction = FAULT_DIR_BOTH;
	fc->at = FAULT_AT_REQUEST;
	if (expect(ld, obj, JSON_OBJECT) != 0)
		return;
	kind = fc->kind = fault_peek_kind(obj);
	layer_ok = fault_peek_layer(obj, &layer) == 0;
	fault_missing(ld, obj, kind);
	for (it = json_object_iter(obj); it != NULL;
	     it = json_object_iter_next(obj, it)) {
		key = json_object_iter_key(it);
		v = json_object_iter_value(it);
		saved = ptr_push(ld, key);
		ff = NULL;
		for (i = 0; i < nitems(fault_fields); i++) {
			if (strcmp(key, fault_fields[i].name) == 0)
				ff = &fault_fields[i];
		}
		pi = kind != NULL ? fault_param_index(kind, key) : -1;
		if (pi >= 0)
			param_read(ld, v, &kind->params[pi], fc, (size_t)pi);
		else if (ff == NULL)
			fault_unknown_key(ld, key, kind);
		else if (ff->parse == NULL)
			fault_type_key(ld, v, fc, obj);
		else if (ff->takes != 0 && kind != NULL &&
		    (kind->takes & ff->takes) == 0)
			fault_field_refused(ld, ff, kind);
		else if (ff->takes != 0 && kind == NULL && layer_ok &&
		    layer != ff->only)
			verr(ld, "only %s faults take %s",
			    fault_layer_name(ff->only), q(ld, ff->name));
		else
			ff->parse(ld, v, fc);
		ptr_pop(ld, saved);
	}
	if (kind != NULL) {
		params_default(ld, fc);
		fault_conf_settle(fc);
	}
	if (kind != NULL && kind->layer == FAULT_LAYER_TLS)
		fault_check_tls(ld, obj);
}

/* Read an array of faults into a new array. */
static void
faults_read(
    struct loader *ld, json_t *v, struct fault_conf **faults, size_t *nfaults)
{
	size_t i, saved;

	if (expect(ld, v, JSON_ARRAY) != 0)
		return;
	*faults = xcalloc(json_array_size(v), sizeof **faults);
	for (i = 0; i < json_array_size(v); i++) {
		saved = ptr_push_index(ld, i);
		parse_fault(ld, json_array_get(v, i), &(*faults)[(*nfaults)++]);
		ptr_pop(ld, saved);
	}
}

static void
root_faults(struct loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;

	faults_read(ld, v, &sc->faults, &sc->nfaults);
}

static void
root_repeat(struct loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;

	if (expect(ld, v, JSON_TRUE) != 0)
		return;
	if (json_is_true(v) && json_object_get(ld->root, "phases") == NULL) {
		verr(ld, "needs \"phases\" to repeat");
		return;
	}
	sc->repeat = json_is_true(v);
}

/* Is this a phase name: 1 to 64 letters, digits, "_", "-" or "."? */
static int
phase_name_valid(const char *s)
{
	size_t n = strspn(s,
	    "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.");

	return n > 0 && n <= PHASE_NAME_MAX && s[n] == '\0';
}

static void
phase_name(struct loader *ld, json_t *v, void *out)
{
	struct phase_conf *ph = out;
	const char *s;
	size_t i;

	if (expect(ld, v, JSON_STRING) != 0)
		return;
	s = json_string_value(v);
	if (!phase_name_valid(s)) {
		verr(ld,
		    "phase name must be 1 to %d letters, digits, \"_\", \"-\" "
		    "or \".\"",
		    PHASE_NAME_MAX);
		return;
	}
	for (i = 0; i < ld->phase; i++) {
		if (ld->sc->phases[i].name != NULL &&
		    strcmp(ld->sc->phases[i].name, s) == 0) {
			verr(ld, "phase %zu is already named %s", i, q(ld, s));
			return;
		}
	}
	ph->name = xstrdup(s);
}

/*
 * Is a start condition allowed on this phase? The first begins at start
 * unless the phases repeat: then the condition brings the loop back.
 */
static int
phase_start_allowed(struct loader *ld, const char *key)
{
	if (ld->phase > 0 || ld->repeat)
		return 1;
	verr(ld,
	    "the first phase begins at start and takes no %s (unless "
	    "\"repeat\" is true)",
	    q(ld, key));
	return 0;
}

static void
phase_after(struct loader *ld, json_t *v, void *out)
{
	struct phase_conf *ph = out;
	uint64_t us;

	if (!phase_start_allowed(ld, "after") || duration_read(ld, v, &us) != 0)
		return;
	if (us == 0) {
		verr(ld, "must be more than 0, got %s",
		    q(ld, json_string_value(v)));
		return;
	}
	ph->start = PHASE_START_AFTER;
	ph->after_us = us;
}

/* Read a count of connections or requests, 1 or more. */
static void
phase_after_count(struct loader *ld, json_t *v, struct phase_conf *ph,
    const char *key, enum phase_start start)
{
	if (!phase_start_allowed(ld, key) || expect(ld, v, JSON_INTEGER) != 0)
		return;
	if (json_integer_value(v) < 1) {
		range_error(ld, v, 1, 0);
		return;
	}
	ph->start = start;
	ph->after_n = (uint64_t)json_integer_value(v);
}

static void
phase_after_connections(struct loader *ld, json_t *v, void *out)
{
	phase_after_count(
	    ld, v, out, "after_connections", PHASE_START_CONNECTIONS);
}

static void
phase_after_requests(struct loader *ld, json_t *v, void *out)
{
	phase_after_count(ld, v, out, "after_requests", PHASE_START_REQUESTS);
}

static void
phase_manual(struct loader *ld, json_t *v, void *out)
{
	struct phase_conf *ph = out;

	if (!phase_start_allowed(ld, "manual") || expect(ld, v, JSON_TRUE) != 0)
		return;
	if (!json_is_true(v)) {
		verr(ld, "must be true (leave it out otherwise)");
		return;
	}
	ph->start = PHASE_START_MANUAL;
}

static void
phase_faults(struct loader *ld, json_t *v, void *out)
{
	struct phase_conf *ph = out;

	faults_read(ld, v, &ph->faults, &ph->nfaults);
}

/* Report what is wrong with how a phase starts, as a whole. */
static void
phase_start_check(struct loader *ld, json_t *obj)
{
	char *list;
	size_t i, n = 0;

	for (i = 0; i < nitems(phase_start_keys); i++) {
		if (json_object_get(obj, phase_start_keys[i]) != NULL)
			n++;
	}
	list = names_join(phase_start_keys, nitems(phase_start_keys), " or ");
	if (n == 0 && ld->phase > 0)
		verr(ld, "missing how the phase starts (give %s)", list);
	else if (n == 0 && ld->repeat) {
		verr(ld,
		    "missing how the phase starts: with \"repeat\" the first "
		    "phase needs one too, to loop back to it (give %s)",
		    list);
	} else if (n > 1)
		verr(ld, "give only one of %s", list);
	free(list);
}

static void
root_phases(struct loader *ld, json_t *v, void *out)
{
	struct scenario *sc = out;
	struct phase_conf *ph;
	json_t *e;
	size_t i, saved;

	if (expect(ld, v, JSON_ARRAY) != 0)
		return;
	if (json_array_size(v) == 0) {
		verr(ld, "must list at least one phase");
		return;
	}
	sc->phases = xcalloc(json_array_size(v), sizeof *sc->phases);
	for (i = 0; i < json_array_size(v); i++) {
		e = json_array_get(v, i);
		ph = &sc->phases[sc->nphases++];
		ph->start = PHASE_START_NOW;
		ld->phase = i;
		saved = ptr_push_index(ld, i);
		if (expect(ld, e, JSON_OBJECT) == 0) {
			phase_start_check(ld, e);
			parse_object(
			    ld, e, phase_rules, nitems(phase_rules), ph);
		}
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
	sc->source = xmalloc(len + 1);
	memcpy(sc->source, text, len);
	sc->source[len] = '\0';
	sc->source_len = len;
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
	ld.root = root;
	ld.repeat = json_is_true(json_object_get(root, "repeat"));
	parse_object(&ld, root, root_rules, nitems(root_rules), sc);
	/* Without "phases" there is one, with the root faults only. */
	if (json_object_get(root, "phases") == NULL) {
		sc->phases = xcalloc(1, sizeof *sc->phases);
		sc->phases[0].name = xstrdup("default");
		sc->phases[0].start = PHASE_START_NOW;
		sc->nphases = 1;
	}

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

int
scenario_parse_faults(const struct scenario *sc, const char *label,
    const char *text, size_t len, struct fault_conf **faults, size_t *nfaults,
    struct errlist *errs)
{
	struct loader ld;
	json_error_t jerr;
	json_t *doc, *v;
	size_t i, n = 0;

	*faults = NULL;
	*nfaults = 0;
	memset(&ld, 0, sizeof ld);
	ld.file = label;
	ld.errs = errs;
	ld.sc = (struct scenario *)sc;
	v = json_loadb(
	    text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (v == NULL) {
		if (blank(text, len))
			errlist_add(errs,
			    "%s: expected a fault object or an "
			    "array of them, got nothing",
			    label);
		else if (jerr.line >= 0)
			errlist_add(errs, "%s:%d:%d: %s", label, jerr.line,
			    jerr.column, jerr.text);
		else
			errlist_add(errs, "%s: %s", label, jerr.text);
		return -1;
	}
	/* The running scenario's services, as its own faults saw them. */
	doc = json_loadb(sc->source, sc->source_len, JSON_DECODE_ANY, NULL);
	ld.services = json_object_get(doc, "services");
	if (!json_is_object(ld.services))
		ld.services = NULL;
	ld.root = doc;
	if (json_is_array(v)) {
		if (json_array_size(v) == 0)
			verr(&ld, "expected at least one fault");
		faults_read(&ld, v, faults, &n);
	} else if (json_is_object(v)) {
		*faults = xcalloc(1, sizeof **faults);
		parse_fault(&ld, v, &(*faults)[n++]);
	} else
		verr(&ld, "expected a fault object or an array of them, got %s",
		    type_name(v));
	json_decref(v);
	json_decref(doc);
	free(ld.ptr);
	if (ld.nerrs == 0) {
		*nfaults = n;
		return 0;
	}
	for (i = 0; i < n; i++)
		fault_conf_clear(&(*faults)[i]);
	free(*faults);
	*faults = NULL;
	return -1;
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

/* Free what a phase owns, not the struct itself. */
static void
phase_conf_clear(struct phase_conf *ph)
{
	size_t i;

	free(ph->name);
	for (i = 0; i < ph->nfaults; i++)
		fault_conf_clear(&ph->faults[i]);
	free(ph->faults);
}

void
scenario_free(struct scenario *sc)
{
	size_t i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->nfaults; i++)
		fault_conf_clear(&sc->faults[i]);
	free(sc->faults);
	for (i = 0; i < sc->nphases; i++)
		phase_conf_clear(&sc->phases[i]);
	free(sc->phases);
	for (i = 0; i < sc->nservices; i++)
		service_conf_clear(&sc->services[i]);
	free(sc->services);
	for (i = 0; i < sc->nstubs; i++)
		stub_conf_clear(&sc->stubs[i]);
	free(sc->stubs);
	free(sc->file);
	free(sc->name);
	free(sc->description);
	free(sc->source);
	free(sc);
}

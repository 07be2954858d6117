/*
 * scenario_read.c: what every part of the scenario loader reads with:
 * errors at a JSON pointer, quoting, type checks, did-you-mean hints, the
 * key-rule walker, and the small readers several parts share.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "route.h"
#include "scenario_impl.h"
#include "tls.h"
#include "util.h"

/* The methods a stub or a fault's "match" may name. */
static const char *const scenario_read_methods[] = { "GET", "HEAD", "POST",
	"PUT", "PATCH", "DELETE", "OPTIONS" };

/* Add one error about the value at the current pointer. */
void
scenario_read_error(struct scenario_loader *ld, const char *fmt, ...)
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

/*
 * Add a syntax error as jansson reported it. Its text may quote the input
 * near the error (a string cut short, say): control characters there are
 * shown as \uXXXX so that the message stays one line.
 */
void
scenario_read_syntax(
    struct errlist *errs, const char *label, const json_error_t *jerr)
{
	char text[sizeof jerr->text * 6], *o = text;
	const unsigned char *p;

	for (p = (const unsigned char *)jerr->text; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			o += sprintf(o, "\\u%04x", *p);
		else
			*o++ = (char)*p;
	}
	*o = '\0';
	if (jerr->line >= 0)
		errlist_add(errs, "%s:%d:%d: %s", label, jerr->line,
		    jerr->column, text);
	else
		errlist_add(errs, "%s: %s", label, text);
}

/* Append bytes to the current pointer. */
static void
scenario_read_ptr_append(struct scenario_loader *ld, const char *s, size_t len)
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
 * stays one line. Returns the length to give back to scenario_read_pop.
 */
size_t
scenario_read_push(struct scenario_loader *ld, const char *key)
{
	size_t saved = ld->ptrlen;
	char esc[8];

	scenario_read_ptr_append(ld, "/", 1);
	for (; *key != '\0'; key++) {
		if (*key == '~')
			scenario_read_ptr_append(ld, "~0", 2);
		else if (*key == '/')
			scenario_read_ptr_append(ld, "~1", 2);
		else if ((unsigned char)*key < 0x20 || *key == 0x7f) {
			snprintf(
			    esc, sizeof esc, "\\u%04x", (unsigned char)*key);
			scenario_read_ptr_append(ld, esc, strlen(esc));
		} else
			scenario_read_ptr_append(ld, key, 1);
	}
	return saved;
}

/* Descend into an array element. */
size_t
scenario_read_push_index(struct scenario_loader *ld, size_t i)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%zu", i);
	return scenario_read_push(ld, buf);
}

/* Go back up to where scenario_read_push was called. */
void
scenario_read_pop(struct scenario_loader *ld, size_t saved)
{
	ld->ptrlen = saved;
	if (ld->ptr != NULL)
		ld->ptr[saved] = '\0';
}

/*
 * A user's string quoted for a message, with JSON escapes and cut short
 * when long. The result lives until four more quotes have been made.
 */
const char *
scenario_read_quote(struct scenario_loader *ld, const char *s)
{
	char *buf = ld->quotes[ld->nextquote++ % nitems(ld->quotes)], *p;
	size_t n = strlen(s), i, cut = n;

	if (cut > SCENARIO_QUOTE_MAX) {
		cut = SCENARIO_QUOTE_MAX;
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
const char *
scenario_read_type_name(const json_t *v)
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
int
scenario_read_expect(
    struct scenario_loader *ld, const json_t *v, json_type type)
{
	const char *want, *got = scenario_read_type_name(v);

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
	scenario_read_error(ld, "expected %s, got %s", want, got);
	return -1;
}

/* Format a JSON number as it might have been written. */
void
scenario_read_number_format(const json_t *v, char *buf, size_t len)
{
	if (json_is_integer(v))
		snprintf(
		    buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		snprintf(buf, len, "%g", json_real_value(v));
}

/* Is one string the other with two neighbouring characters swapped? */
static int
scenario_read_swapped(const char *a, const char *b)
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
const char *
scenario_read_suggest(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t i, d, bestd, limit, len = strlen(word);

	for (i = 0; i < n; i++) {
		if (strcasecmp(word, cands[i]) == 0 ||
		    scenario_read_swapped(word, cands[i]))
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
scenario_read_unknown_key(struct scenario_loader *ld, const char *key,
    const struct scenario_key_rule *rules, size_t nrules)
{
	const char *names[16], *hint;
	size_t i;

	for (i = 0; i < nrules && i < nitems(names); i++)
		names[i] = rules[i].name;
	hint = scenario_read_suggest(key, names, i);
	if (hint != NULL)
		scenario_read_error(ld, "unknown key (did you mean %s?)",
		    scenario_read_quote(ld, hint));
	else
		scenario_read_error(ld, "unknown key");
}

/*
 * Read an object by its rules: first what is wrong with the object as a
 * whole (missing keys), then each member in the order written, so that
 * errors come in document order.
 */
void
scenario_read_object(struct scenario_loader *ld, json_t *obj,
    const struct scenario_key_rule *rules, size_t nrules, void *out)
{
	const char *key;
	json_t *v;
	void *it;
	size_t i, saved;

	for (i = 0; i < nrules; i++) {
		if (rules[i].required &&
		    json_object_get(obj, rules[i].name) == NULL)
			scenario_read_error(ld, "missing required key %s",
			    scenario_read_quote(ld, rules[i].name));
	}
	for (it = json_object_iter(obj); it != NULL;
	     it = json_object_iter_next(obj, it)) {
		key = json_object_iter_key(it);
		v = json_object_iter_value(it);
		saved = scenario_read_push(ld, key);
		for (i = 0; i < nrules; i++) {
			if (strcmp(key, rules[i].name) == 0)
				break;
		}
		if (i == nrules)
			scenario_read_unknown_key(ld, key, rules, nrules);
		else
			rules[i].parse(ld, v, out);
		scenario_read_pop(ld, saved);
	}
}

/* The names of the declared services, for did-you-mean; caller frees. */
static const char **
scenario_read_service_names(struct scenario_loader *ld, size_t *n)
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
void
scenario_read_unknown_service(struct scenario_loader *ld, const char *name)
{
	const char **names, *hint;
	size_t n;

	names = scenario_read_service_names(ld, &n);
	hint = scenario_read_suggest(name, names, n);
	if (hint != NULL) {
		scenario_read_error(ld,
		    "no service named %s (did you mean %s?)",
		    scenario_read_quote(ld, name),
		    scenario_read_quote(ld, hint));
	} else
		scenario_read_error(
		    ld, "no service named %s", scenario_read_quote(ld, name));
	free(names);
}

/*
 * Read a non-empty array of distinct protocol versions into a new array
 * (left NULL when v is not an array or is empty).
 */
void
scenario_read_versions(
    struct scenario_loader *ld, json_t *v, char ***versions, size_t *nversions)
{
	const char *s;
	json_t *e;
	size_t i, j, saved;

	if (scenario_read_expect(ld, v, JSON_ARRAY) != 0)
		return;
	if (json_array_size(v) == 0) {
		scenario_read_error(ld, "must list at least one version");
		return;
	}
	*versions = xcalloc(json_array_size(v), sizeof **versions);
	for (i = 0; i < json_array_size(v); i++) {
		e = json_array_get(v, i);
		saved = scenario_read_push_index(ld, i);
		if (scenario_read_expect(ld, e, JSON_STRING) == 0) {
			s = json_string_value(e);
			if (!version_valid(s)) {
				scenario_read_error(ld,
				    "%s is not a version (use digits and "
				    "dots, e.g. 1.2)",
				    scenario_read_quote(ld, s));
				scenario_read_pop(ld, saved);
				continue;
			}
			/* "1.2" and "1.02" are the same version. */
			for (j = 0; j < *nversions; j++) {
				if (version_compare(s, (*versions)[j]) == 0)
					break;
			}
			if (j < *nversions)
				scenario_read_error(ld, "%s is listed twice",
				    scenario_read_quote(ld, s));
			else
				(*versions)[(*nversions)++] = xstrdup(s);
		}
		scenario_read_pop(ld, saved);
	}
}

/* Read an HTTP method; returns a copy, or NULL if it is not one. */
char *
scenario_read_method(struct scenario_loader *ld, json_t *v)
{
	const char *s, *hint;
	size_t i;

	if (scenario_read_expect(ld, v, JSON_STRING) != 0)
		return NULL;
	s = json_string_value(v);
	for (i = 0; i < nitems(scenario_read_methods); i++) {
		if (strcmp(s, scenario_read_methods[i]) == 0)
			return xstrdup(s);
	}
	hint = scenario_read_suggest(
	    s, scenario_read_methods, nitems(scenario_read_methods));
	if (hint != NULL) {
		scenario_read_error(ld, "unknown method %s (did you mean %s?)",
		    scenario_read_quote(ld, s), scenario_read_quote(ld, hint));
	} else {
		scenario_read_error(ld,
		    "unknown method %s (use GET, HEAD, POST, PUT, PATCH, "
		    "DELETE or OPTIONS)",
		    scenario_read_quote(ld, s));
	}
	return NULL;
}

/* Read a path pattern; returns a copy, or NULL if it is not one. */
char *
scenario_read_path(struct scenario_loader *ld, json_t *v)
{
	const char *s, *cause = NULL;

	if (scenario_read_expect(ld, v, JSON_STRING) != 0)
		return NULL;
	s = json_string_value(v);
	if (*s != '/') {
		scenario_read_error(ld, "%s does not start with \"/\"",
		    scenario_read_quote(ld, s));
		return NULL;
	}
	if (route_pattern_valid(s, &cause) != 0) {
		scenario_read_error(ld, "%s is not a path pattern: %s",
		    scenario_read_quote(ld, s),
		    cause != NULL ? cause : "malformed");
		return NULL;
	}
	return xstrdup(s);
}

/* Read an HTTP status, 100 to 599; returns it, or -1. */
int
scenario_read_status(struct scenario_loader *ld, json_t *v)
{
	if (scenario_read_expect(ld, v, JSON_INTEGER) != 0)
		return -1;
	if (json_integer_value(v) < 100 || json_integer_value(v) > 599) {
		scenario_read_error(ld,
		    "must be 100 to 599, got %" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return -1;
	}
	return (int)json_integer_value(v);
}

/* Is this an HTTP token (RFC 9110 5.6.2), as a header name must be? */
static int
scenario_read_token_valid(const char *s)
{
	size_t n = strspn(s,
	    "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~");

	return n > 0 && s[n] == '\0';
}

/* May this be sent as a header value: no control characters but tab? */
static int
scenario_read_header_value_valid(const char *s)
{
	for (; *s != '\0'; s++) {
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 0;
	}
	return 1;
}

/* Read an object of response headers into a new array. */
void
scenario_read_headers(struct scenario_loader *ld, json_t *v,
    struct header_conf **headers, size_t *nheaders)
{
	struct header_conf *h;
	const char *key;
	json_t *e;
	void *it;
	size_t saved;

	if (scenario_read_expect(ld, v, JSON_OBJECT) != 0)
		return;
	*headers = xcalloc(json_object_size(v), sizeof **headers);
	for (it = json_object_iter(v); it != NULL;
	     it = json_object_iter_next(v, it)) {
		key = json_object_iter_key(it);
		e = json_object_iter_value(it);
		saved = scenario_read_push(ld, key);
		if (!scenario_read_token_valid(key)) {
			scenario_read_error(ld,
			    "not a header name (use letters, digits and "
			    "!#$%%&'*+-.^_`|~)");
		} else if (scenario_read_expect(ld, e, JSON_STRING) != 0)
			;
		else if (!scenario_read_header_value_valid(
		             json_string_value(e)))
			scenario_read_error(ld,
			    "header value must not contain control "
			    "characters");
		else {
			h = &(*headers)[(*nheaders)++];
			h->name = xstrdup(key);
			h->value = xstrdup(json_string_value(e));
		}
		scenario_read_pop(ld, saved);
	}
}

/*
 * Serialize a body: a string is its text, as is; any other value is
 * compact JSON. Returns the allocated text; sets its length and kind.
 */
char *
scenario_read_body(json_t *v, size_t *len, int *is_json)
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

/*
 * Quoted names joined for a message: "a", "b" and "c" (or "or" as conj
 * says). The caller frees the result.
 */
char *
scenario_read_names_join(const char *const *names, size_t n, const char *conj)
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
int
scenario_read_choice(struct scenario_loader *ld, json_t *v, const char *noun,
    const char *const *choices, size_t n)
{
	const char *s, *hint;
	char *list;
	size_t i;

	if (scenario_read_expect(ld, v, JSON_STRING) != 0)
		return -1;
	s = json_string_value(v);
	for (i = 0; i < n; i++) {
		if (strcmp(s, choices[i]) == 0)
			return (int)i;
	}
	if ((hint = scenario_read_suggest(s, choices, n)) != NULL) {
		scenario_read_error(ld, "unknown %s %s (did you mean %s?)",
		    noun, scenario_read_quote(ld, s),
		    scenario_read_quote(ld, hint));
		return -1;
	}
	list = scenario_read_names_join(choices, n, " or ");
	scenario_read_error(ld, "unknown %s %s (use %s)", noun,
	    scenario_read_quote(ld, s), list);
	free(list);
	return -1;
}

/* Read a duration string such as "250ms"; returns 0 or -1. */
int
scenario_read_duration(struct scenario_loader *ld, json_t *v, uint64_t *us)
{
	if (!json_is_string(v)) {
		scenario_read_error(ld,
		    "expected a duration such as \"250ms\", got %s",
		    scenario_read_type_name(v));
		return -1;
	}
	if (duration_parse(json_string_value(v), us) != 0) {
		scenario_read_error(ld,
		    "%s is not a duration (use 250ms, 1.5s, 2m)",
		    scenario_read_quote(ld, json_string_value(v)));
		return -1;
	}
	return 0;
}

/* Report a number outside [min, max] (max 0: no upper bound). */
void
scenario_read_range_error(
    struct scenario_loader *ld, const json_t *v, double min, double max)
{
	char num[64];

	scenario_read_number_format(v, num, sizeof num);
	if (max != 0)
		scenario_read_error(
		    ld, "must be %.15g to %.15g, got %s", min, max, num);
	else
		scenario_read_error(
		    ld, "must be %.15g or more, got %s", min, num);
}

/* Read a non-empty array of strings (ALPN, names, what schema_drift drops). */
void
scenario_read_strings(
    struct scenario_loader *ld, json_t *v, char ***list, size_t *n)
{
	json_t *e;
	size_t i, saved;

	if (scenario_read_expect(ld, v, JSON_ARRAY) != 0)
		return;
	if (json_array_size(v) == 0) {
		scenario_read_error(ld, "must list at least one name");
		return;
	}
	*list = xcalloc(json_array_size(v), sizeof **list);
	for (i = 0; i < json_array_size(v); i++) {
		e = json_array_get(v, i);
		saved = scenario_read_push_index(ld, i);
		if (scenario_read_expect(ld, e, JSON_STRING) == 0) {
			if (*json_string_value(e) == '\0')
				scenario_read_error(ld, "must not be empty");
			else
				(*list)[(*n)++] = xstrdup(json_string_value(e));
		}
		scenario_read_pop(ld, saved);
	}
}

/* Read "min_version" or "max_version" of "tls" (or "upstream_tls"). */
void
scenario_read_tls_version(struct scenario_loader *ld, json_t *v, int *out)
{
	if (scenario_read_expect(ld, v, JSON_STRING) != 0)
		return;
	if (tls_version_parse(json_string_value(v), out) != 0)
		scenario_read_error(ld,
		    "%s is not a TLS version (use 1.0, 1.1, 1.2 or 1.3)",
		    scenario_read_quote(ld, json_string_value(v)));
}

/* Read the name of a readable file ("cert", "key", "ca"). */
void
scenario_read_file(struct scenario_loader *ld, json_t *v, char **out)
{
	if (scenario_read_expect(ld, v, JSON_STRING) != 0)
		return;
	if (access(json_string_value(v), R_OK) != 0) {
		scenario_read_error(ld, "%s: cannot read: %s",
		    scenario_read_quote(ld, json_string_value(v)),
		    strerror(errno));
		return;
	}
	free(*out);
	*out = xstrdup(json_string_value(v));
}

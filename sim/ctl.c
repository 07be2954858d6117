/*
 * ctl.c: `standin ctl`, the command-line client of the control API. Each
 * verb is one request (journal --follow: one every 200 ms) whose answer
 * is printed for people, or with --json as the API wrote it; the exit
 * code says whose fault a failure was (sysexits: 64 ours, 65 refused by
 * the API, 69 no API, 70 the API's).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "client.h"
#include "clock.h"
#include "control.h"
#include "ctl.h"
#include "util.h"

#define CTL_POLL_US 200000 /* journal --follow */
#define CTL_STOPPED (-2) /* SIGINT or SIGTERM came (not an exit code) */

/* clang-format off */
static const char ctl_usage_text[] =
    "usage: standin ctl [--control ADDR] [--token TOKEN] [--ready-file FILE]\n"
    "                   [--json] [--timeout DUR] COMMAND\n"
    "\n"
    "commands:\n"
    "  status                 scenario, phase, services and their counters\n"
    "  phase NAME             go to phase NAME now\n"
    "  next                   go to the next phase\n"
    "  faults                 the active faults, in the order they are tried\n"
    "  fault add JSON         add a fault (an object, or an array of them);\n"
    "                         JSON may be - (read stdin) or @FILE\n"
    "  fault rm ID            remove a fault added with fault add\n"
    "  journal [--follow] [--since SEQ] [--limit N] [--service S] [--event E]\n"
    "                         print the journal's events; --follow keeps\n"
    "                         printing new ones until SIGINT or SIGTERM\n"
    "  reset                  first phase, no added faults, fixture data\n"
    "                         restored\n"
    "\n"
    "options:\n"
    "  --control ADDR     the control API's HOST:PORT; else the \"control\"\n"
    "                     of --ready-file, else $STANDIN_CONTROL, else\n"
    "                     " CONTROL_ADDRESS_DEFAULT "\n"
    "  --token TOKEN      sent as Authorization: Bearer TOKEN; else\n"
    "                     $STANDIN_CONTROL_TOKEN\n"
    "  --ready-file FILE  the ready file of standin serve --ready-file\n"
    "  --json             print the API's JSON as it is (journal: one\n"
    "                     event a line)\n"
    "  --timeout DUR      for connecting, and for each answer (default 5s)\n"
    "\n"
    "exit codes: 0 ok, 64 usage, 65 the API refused the request (4xx),\n"
    "66 unreadable file, 69 the control API cannot be reached (or the ready\n"
    "file is gone: standin is not running), 70 a server error (5xx) or an\n"
    "answer that is not the expected JSON.\n";
/* clang-format on */

struct ctl {
	struct event_base *base;
	const char *address;
	char *authorization; /* "Bearer TOKEN", or NULL */
	int json;
	uint64_t timeout_us;
	int stop; /* SIGINT or SIGTERM during journal --follow */

	/* journal */
	int follow;
	int has_since;
	uint64_t since;
	const char *limit, *service, *event;
};

struct ctl_verb {
	const char *name;
	const char *sub; /* the second word, or NULL */
	int nargs; /* arguments after the words */
	const char *args; /* for the usage line */
	int (*fn)(struct ctl *, char **);
};

static const char *ctl_str(const json_t *, const char *, const char *);
static int ctl_status(struct ctl *, char **);
static int ctl_phase(struct ctl *, char **);
static int ctl_next(struct ctl *, char **);
static int ctl_faults(struct ctl *, char **);
static int ctl_fault_add(struct ctl *, char **);
static int ctl_fault_rm(struct ctl *, char **);
static int ctl_journal(struct ctl *, char **);
static int ctl_reset(struct ctl *, char **);

static const struct ctl_verb ctl_verbs[] = {
	{ "status", NULL, 0, "", ctl_status },
	{ "phase", NULL, 1, " NAME", ctl_phase },
	{ "next", NULL, 0, "", ctl_next },
	{ "faults", NULL, 0, "", ctl_faults },
	{ "fault", "add", 1, " JSON|-|@FILE", ctl_fault_add },
	{ "fault", "rm", 1, " ID", ctl_fault_rm },
	{ "journal", NULL, 0,
	    " [--follow] [--since SEQ] [--limit N] [--service S] [--event E]",
	    ctl_journal },
	{ "reset", NULL, 0, "", ctl_reset },
};

/* The verb of that name (and second word), which the table has. */
static const struct ctl_verb *
ctl_verb_named(const char *name, const char *sub)
{
	const struct ctl_verb *v;
	size_t i;

	for (i = 0; i < nitems(ctl_verbs); i++) {
		v = &ctl_verbs[i];
		if (strcmp(v->name, name) == 0 &&
		    (sub == NULL ? v->sub == NULL
		                 : v->sub != NULL && strcmp(v->sub, sub) == 0))
			return v;
	}
	abort();
}

static void ctl_warn(const char *, ...) __attribute__((format(printf, 1, 2)));

/* Print "standin: ..." on stderr. */
static void
ctl_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("standin: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * Report a usage error with the usage line of verb (NULL: the general
 * one); returns the exit code for it.
 */
static int __attribute__((format(printf, 2, 3)))
ctl_usage_error(const struct ctl_verb *verb, const char *fmt, ...)
{
	va_list ap;

	fputs("standin: ctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (verb != NULL)
		fprintf(stderr, "\nusage: standin ctl [OPTIONS] %s%s%s%s\n",
		    verb->name, verb->sub != NULL ? " " : "",
		    verb->sub != NULL ? verb->sub : "", verb->args);
	else
		fputs("\nusage: standin ctl [OPTIONS] status | phase NAME | "
		      "next | faults | fault add JSON\n"
		      "                           | fault rm ID | journal "
		      "[OPTIONS] | reset\n",
		    stderr);
	fputs("Try 'standin ctl --help'.\n", stderr);
	return EXIT_USAGE;
}

/*
 * Read a whole file ("-": standard input) of at most max bytes into an
 * allocated, NUL-terminated buffer. Returns 0, or -1 with errno set
 * (EFBIG: over max).
 */
static int
ctl_read_file(const char *path, size_t max, char **out, size_t *outlen)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	size_t len = 0, cap = 4096, n;
	char *buf;
	int error = 0;

	if (f == NULL)
		return -1;
	buf = xmalloc(cap);
	for (;;) {
		if (len + 1 == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (len > max) {
			error = EFBIG;
			break;
		}
		if (n == 0) {
			if (ferror(f))
				error = errno != 0 ? errno : EIO;
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	if (error != 0) {
		free(buf);
		errno = error;
		return -1;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

/*
 * Append s to the string in buf (len bytes in all), percent-encoding all
 * but unreserved bytes; 3 * strlen(s) bytes more always fit.
 */
static void
ctl_url_encode(char *buf, size_t len, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t at = strlen(buf);
	unsigned char ch;

	for (; *s != '\0' && at + 3 < len; s++) {
		ch = (unsigned char)*s;
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch) != NULL)
			buf[at++] = (char)ch;
		else {
			buf[at++] = '%';
			buf[at++] = hex[ch >> 4];
			buf[at++] = hex[ch & 15];
		}
	}
	buf[at] = '\0';
}

/*
 * Like client_fetch(), but given up when SIGINT or SIGTERM comes during
 * journal --follow. Returns 0, -1 with err filled, or CTL_STOPPED.
 */
static int
ctl_fetch(struct ctl *ctl, const struct client_request *req,
    struct client_response *resp, struct client_error *err)
{
	int rc = client_run(ctl->base, req, &ctl->stop, resp, err, NULL);

	return rc == CLIENT_STOPPED ? CTL_STOPPED : rc;
}

/* Report a request that got no answer; returns the exit code. */
static int
ctl_report_client_error(struct ctl *ctl, const struct client_error *err)
{
	switch (err->failure) {
	case CLIENT_ERR_MALFORMED:
	case CLIENT_ERR_TOO_LARGE:
		ctl_warn("bad answer from the control API at %s: %s",
		    ctl->address, err->message);
		return EXIT_SOFTWARE;
	default:
		break;
	}
	if (err->stage == CLIENT_STAGE_CONNECT)
		ctl_warn("cannot reach the control API at %s: %s (is standin "
		         "serve running with --control?)",
		    ctl->address, err->message);
	else
		ctl_warn("no answer from the control API at %s: %s",
		    ctl->address, err->message);
	return EXIT_UNAVAILABLE;
}

/* Is line one of the lines of text? */
static int
ctl_has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while (p != NULL) {
		if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
			return 1;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return 0;
}

/*
 * Report an error answer ({"error","message","errors"}): each line of the
 * message, then each of the errors it does not already say. Returns the
 * exit code.
 */
static int
ctl_report_refusal(struct ctl *ctl, const struct client_response *resp)
{
	int code = resp->status < 500 ? EXIT_DATAERR : EXIT_SOFTWARE;
	const char *msg, *p, *nl;
	json_t *j, *errors, *e;
	size_t i;

	j = json_loadb(resp->body, resp->body_len, 0, NULL);
	msg = ctl_str(j, "message", NULL);
	if (resp->status >= 500)
		ctl_warn("the control API at %s failed with %d%s", ctl->address,
		    resp->status, msg != NULL ? ":" : "");
	else if (msg == NULL)
		ctl_warn("the control API at %s answered %d", ctl->address,
		    resp->status);
	for (p = msg; p != NULL && *p != '\0'; p = nl != NULL ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		ctl_warn(
		    "%.*s", nl != NULL ? (int)(nl - p) : (int)strlen(p), p);
	}
	errors = json_object_get(j, "errors");
	json_array_foreach(errors, i, e)
	{
		if (json_is_string(e) &&
		    (msg == NULL || !ctl_has_line(msg, json_string_value(e))))
			ctl_warn("%s", json_string_value(e));
	}
	if (resp->status == 401)
		ctl_warn("%s",
		    "unauthorized: give the control API's token with --token "
		    "or STANDIN_CONTROL_TOKEN");
	json_decref(j);
	return code;
}

/*
 * One request to the control API. On a 2xx answer that is a JSON object,
 * returns 0 with *out (and resp, for --json); otherwise says why on
 * stderr and returns the exit code, or CTL_STOPPED.
 */
static int
ctl_call(struct ctl *ctl, const char *method, const char *path,
    const char *body, size_t body_len, struct client_response *resp,
    json_t **out)
{
	struct client_header headers[2];
	struct client_request req = {
		.address = ctl->address,
		.method = method,
		.path = path,
		.headers = headers,
		.body = body,
		.body_len = body_len,
		.connect_timeout_us = ctl->timeout_us,
		.response_timeout_us = ctl->timeout_us,
	};
	struct client_error err;
	json_error_t jerr;
	int rc;

	*out = NULL;
	memset(resp, 0, sizeof *resp);
	headers[req.nheaders++] =
	    (struct client_header){ "Accept", "application/json" };
	if (ctl->authorization != NULL)
		headers[req.nheaders++] =
		    (struct client_header){ "Authorization",
			    ctl->authorization };
	rc = ctl_fetch(ctl, &req, resp, &err);
	if (rc == CTL_STOPPED)
		return rc;
	if (rc == -1)
		return ctl_report_client_error(ctl, &err);
	if (resp->status >= 400 && resp->status < 600) {
		rc = ctl_report_refusal(ctl, resp);
		client_response_clear(resp);
		return rc;
	}
	if (resp->status < 200 || resp->status >= 300) {
		ctl_warn("unexpected answer from the control API at %s: "
		         "status %d",
		    ctl->address, resp->status);
		client_response_clear(resp);
		return EXIT_SOFTWARE;
	}
	*out = json_loadb(resp->body, resp->body_len, 0, &jerr);
	if (!json_is_object(*out)) {
		ctl_warn("unexpected answer from the control API at %s: %s%s",
		    ctl->address, *out == NULL ? "not JSON: " : "",
		    *out == NULL ? jerr.text : "not a JSON object");
		json_decref(*out);
		*out = NULL;
		client_response_clear(resp);
		return EXIT_SOFTWARE;
	}
	return 0;
}

/*
 * The member key of an answer, if it has the type wanted; otherwise say
 * so and return NULL (the answer is not the expected JSON: exit 70).
 */
static json_t *
ctl_expect(struct ctl *ctl, json_t *j, const char *key, json_type type)
{
	static const char *const names[] = {
		[JSON_OBJECT] = "an object",
		[JSON_ARRAY] = "an array",
		[JSON_STRING] = "a string",
		[JSON_INTEGER] = "an integer",
		[JSON_REAL] = "a number",
		[JSON_TRUE] = "true",
		[JSON_FALSE] = "false",
		[JSON_NULL] = "null",
	};
	json_t *v = json_object_get(j, key);

	if (v != NULL && json_typeof(v) == type)
		return v;
	ctl_warn("unexpected answer from the control API at %s: \"%s\" is "
	         "not %s",
	    ctl->address, key, names[type]);
	return NULL;
}

/* Print the API's answer as it is (--json). */
static void
ctl_print_raw(const struct client_response *resp)
{
	fwrite(resp->body, 1, resp->body_len, stdout);
	if (resp->body_len == 0 || resp->body[resp->body_len - 1] != '\n')
		putchar('\n');
}

/*
 * Print a JSON value for a key=value list: a plain string as it is, one
 * with spaces, quotes or '=' quoted, anything else as compact JSON.
 */
static void
ctl_print_value(const json_t *v)
{
	const char *s;
	char *text;

	if (json_is_string(v)) {
		s = json_string_value(v);
		if (*s != '\0' && strpbrk(s, " \t\r\n\"'=\\") == NULL) {
			fputs(s, stdout);
			return;
		}
	}
	text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (text != NULL)
		fputs(text, stdout);
	free(text);
}

/* A string member, or def. */
static const char *
ctl_str(const json_t *j, const char *key, const char *def)
{
	const json_t *v = json_object_get(j, key);

	return json_is_string(v) ? json_string_value(v) : def;
}

/* An integer member, or def. */
static long long
ctl_int(const json_t *j, const char *key, long long def)
{
	const json_t *v = json_object_get(j, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

/* Milliseconds as a duration ("5.012s"). */
static const char *
ctl_ms(long long ms, char *buf, size_t len)
{
	if (ms < 0)
		snprintf(buf, len, "?");
	else
		duration_format((uint64_t)ms * 1000, buf, len);
	return buf;
}

/* `status`: the scenario, the phase and what comes next, each service. */
static int
ctl_status(struct ctl *ctl, char **argv)
{
	struct client_response resp;
	json_t *j, *sc, *phase, *phases, *services, *faults, *svc, *next;
	const char *name;
	char d[32];
	int rc, wname = 0, wpersona = 0, waddr = 0, w;

	(void)argv;
	if ((rc = ctl_call(ctl, "GET", "/status", NULL, 0, &resp, &j)) != 0)
		return rc;
	if ((phase = ctl_expect(ctl, j, "phase", JSON_OBJECT)) == NULL ||
	    (services = ctl_expect(ctl, j, "services", JSON_OBJECT)) == NULL) {
		rc = EXIT_SOFTWARE;
		goto out;
	}
	if (ctl->json) {
		ctl_print_raw(&resp);
		goto out;
	}
	sc = json_object_get(j, "scenario");
	phases = json_object_get(j, "phases");
	faults = json_object_get(j, "faults");

	printf("standin %s, pid %lld, up %s\n", ctl_str(j, "version", "?"),
	    ctl_int(j, "pid", 0),
	    ctl_ms(ctl_int(j, "uptime_ms", -1), d, sizeof d));
	printf("scenario: %s", ctl_str(sc, "name", "?"));
	name = ctl_str(sc, "file", NULL);
	if (name != NULL)
		printf(name[0] == '(' ? " %s" : " (%s)", name);
	if (json_is_integer(json_object_get(sc, "seed")))
		printf(", seed %lld", ctl_int(sc, "seed", 0));
	if (json_is_number(json_object_get(sc, "time_scale")) &&
	    json_number_value(json_object_get(sc, "time_scale")) != 1)
		printf(", time scale %g",
		    json_number_value(json_object_get(sc, "time_scale")));
	putchar('\n');

	printf("phase:    %s", ctl_str(phase, "name", "?"));
	if (json_is_integer(json_object_get(phase, "index")))
		printf(" (%lld of %zu, for %s)", ctl_int(phase, "index", 0) + 1,
		    json_array_size(phases),
		    ctl_ms(ctl_int(phase, "since_ms", -1), d, sizeof d));
	next = json_object_get(phase, "next");
	printf(", next: %s\n",
	    json_is_string(next) ? json_string_value(next) : "none (last)");

	json_object_foreach(services, name, svc)
	{
		if ((w = (int)strlen(name)) > wname)
			wname = w;
		if ((w = (int)strlen(ctl_str(svc, "persona", "?"))) > wpersona)
			wpersona = w;
		if ((w = (int)strlen(ctl_str(svc, "listen", "?"))) > waddr)
			waddr = w;
	}
	printf("services:%s\n", json_object_size(services) == 0 ? " none" : "");
	json_object_foreach(services, name, svc)
	{
		printf(
		    "  %-*s  %-*s  %-*s  %-3s  %lld connections (%lld open), "
		    "%lld requests\n",
		    wname, name, wpersona, ctl_str(svc, "persona", "?"), waddr,
		    ctl_str(svc, "listen", "?"),
		    json_is_true(json_object_get(svc, "tls")) ? "tls" : "tcp",
		    ctl_int(svc, "connections", 0), ctl_int(svc, "open", 0),
		    ctl_int(svc, "requests", 0));
	}
	printf("faults:   %lld from the scenario, %lld added\n",
	    ctl_int(faults, "scenario", 0), ctl_int(faults, "api", 0));
	printf("journal:  last seq %lld\n",
	    ctl_int(json_object_get(j, "journal"), "seq", 0));
out:
	json_decref(j);
	client_response_clear(&resp);
	return rc;
}

/* POST /phase with body; prints "phase: PREVIOUS -> NEW". */
static int
ctl_post_phase(struct ctl *ctl, json_t *body)
{
	struct client_response resp;
	json_t *j, *name;
	char *text;
	int rc;

	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	rc = ctl_call(ctl, "POST", "/phase", text, strlen(text), &resp, &j);
	free(text);
	if (rc != 0)
		return rc;
	if ((name = ctl_expect(ctl, j, "phase", JSON_STRING)) == NULL)
		rc = EXIT_SOFTWARE;
	else if (ctl->json)
		ctl_print_raw(&resp);
	else
		printf("phase: %s -> %s\n", ctl_str(j, "previous", "?"),
		    json_string_value(name));
	json_decref(j);
	client_response_clear(&resp);
	return rc;
}

/* `phase NAME`: go to that phase. */
static int
ctl_phase(struct ctl *ctl, char **argv)
{
	return ctl_post_phase(ctl, json_pack("{s:s}", "name", argv[0]));
}

/* `next`: go to the next phase. */
static int
ctl_next(struct ctl *ctl, char **argv)
{
	(void)argv;
	return ctl_post_phase(ctl, json_pack("{s:b}", "next", 1));
}

/* The column widths of a fault list. */
struct ctl_fault_widths {
	int id, source, kind, service;
};

/* "layer/type" of a fault entry, in buf. */
static const char *
ctl_fault_kind(const json_t *entry, char *buf, size_t len)
{
	const json_t *f = json_object_get(entry, "fault");

	snprintf(buf, len, "%s/%s", ctl_str(f, "layer", "?"),
	    ctl_str(f, "type", "?"));
	return buf;
}

/*
 * One line for a fault entry: id, source, layer/type, service (* for
 * every one), how often it was used, then its other keys as key=value.
 */
static void
ctl_print_fault(const json_t *entry, const struct ctl_fault_widths *w)
{
	const json_t *f = json_object_get(entry, "fault"), *v;
	const char *key;
	char kind[128];

	printf("%-*s  %-*s  %-*s  %-*s  used %lld", w->id,
	    ctl_str(entry, "id", "?"), w->source, ctl_str(entry, "source", "?"),
	    w->kind, ctl_fault_kind(entry, kind, sizeof kind), w->service,
	    ctl_str(f, "service", "*"), ctl_int(entry, "used", 0));
	json_object_foreach((json_t *)f, key, v)
	{
		if (strcmp(key, "service") == 0 || strcmp(key, "layer") == 0 ||
		    strcmp(key, "type") == 0)
			continue;
		printf(" %s=", key);
		ctl_print_value(v);
	}
	putchar('\n');
}

/* Print a list of fault entries in aligned columns. */
static void
ctl_print_faults(const json_t *list)
{
	struct ctl_fault_widths w = { 0 };
	const json_t *entry;
	char kind[128];
	size_t i;
	int n;

	json_array_foreach(list, i, entry)
	{
		if ((n = (int)strlen(ctl_str(entry, "id", "?"))) > w.id)
			w.id = n;
		if ((n = (int)strlen(ctl_str(entry, "source", "?"))) > w.source)
			w.source = n;
		n = (int)strlen(ctl_fault_kind(entry, kind, sizeof kind));
		if (n > w.kind)
			w.kind = n;
		n = (int)strlen(
		    ctl_str(json_object_get(entry, "fault"), "service", "*"));
		if (n > w.service)
			w.service = n;
	}
	json_array_foreach(list, i, entry) ctl_print_fault(entry, &w);
}

/* `faults`: every active fault, one a line. */
static int
ctl_faults(struct ctl *ctl, char **argv)
{
	struct client_response resp;
	json_t *j, *list;
	int rc;

	(void)argv;
	if ((rc = ctl_call(ctl, "GET", "/faults", NULL, 0, &resp, &j)) != 0)
		return rc;
	if ((list = ctl_expect(ctl, j, "faults", JSON_ARRAY)) == NULL)
		rc = EXIT_SOFTWARE;
	else if (ctl->json)
		ctl_print_raw(&resp);
	else if (json_array_size(list) == 0)
		printf("no active faults\n");
	else
		ctl_print_faults(list);
	json_decref(j);
	client_response_clear(&resp);
	return rc;
}

/* `fault add JSON|-|@FILE`: add faults; prints the new ids. */
static int
ctl_fault_add(struct ctl *ctl, char **argv)
{
	struct client_response resp;
	const char *arg = argv[0], *file = NULL;
	char *text = NULL;
	size_t len, i;
	json_t *j, *list, *entry;
	int rc;

	if (strcmp(arg, "-") == 0)
		file = "-";
	else if (arg[0] == '@')
		file = arg + 1;
	if (file != NULL) {
		if (ctl_read_file(file, CONTROL_BODY_MAX, &text, &len) == -1) {
			if (errno == EFBIG) {
				ctl_warn("%s: larger than the %d KiB the "
				         "control API takes",
				    strcmp(file, "-") == 0 ? "stdin" : file,
				    CONTROL_BODY_MAX / 1024);
				return EXIT_DATAERR;
			}
			ctl_warn("%s: %s",
			    strcmp(file, "-") == 0 ? "stdin" : file,
			    strerror(errno));
			return EXIT_NOINPUT;
		}
	} else {
		text = xstrdup(arg);
		len = strlen(text);
	}
	rc = ctl_call(ctl, "POST", "/faults", text, len, &resp, &j);
	free(text);
	if (rc != 0)
		return rc;
	if ((list = ctl_expect(ctl, j, "faults", JSON_ARRAY)) == NULL)
		rc = EXIT_SOFTWARE;
	else if (ctl->json)
		ctl_print_raw(&resp);
	else {
		json_array_foreach(list, i, entry)
		    printf("added fault %s\n", ctl_str(entry, "id", "?"));
	}
	json_decref(j);
	client_response_clear(&resp);
	return rc;
}

/* Print "removed fault ID" for each id of an answer's "removed". */
static void
ctl_print_removed(const json_t *removed)
{
	const json_t *id;
	size_t i;

	json_array_foreach(removed, i, id)
	{
		fputs("removed fault ", stdout);
		ctl_print_value(id);
		putchar('\n');
	}
}

/* `fault rm ID`: remove a fault added with the API. */
static int
ctl_fault_rm(struct ctl *ctl, char **argv)
{
	struct client_response resp;
	size_t len = strlen("/faults/") + 3 * strlen(argv[0]) + 1;
	char *path = xmalloc(len);
	json_t *j, *removed;
	int rc;

	snprintf(path, len, "/faults/");
	ctl_url_encode(path, len, argv[0]);
	rc = ctl_call(ctl, "DELETE", path, NULL, 0, &resp, &j);
	free(path);
	if (rc != 0)
		return rc;
	if ((removed = ctl_expect(ctl, j, "removed", JSON_ARRAY)) == NULL)
		rc = EXIT_SOFTWARE;
	else if (ctl->json)
		ctl_print_raw(&resp);
	else
		ctl_print_removed(removed);
	json_decref(j);
	client_response_clear(&resp);
	return rc;
}

/* `reset`: the first phase, no faults added by the API. */
static int
ctl_reset(struct ctl *ctl, char **argv)
{
	struct client_response resp;
	json_t *j, *removed, *phase;
	int rc;

	(void)argv;
	if ((rc = ctl_call(ctl, "POST", "/reset", "{}", 2, &resp, &j)) != 0)
		return rc;
	if ((phase = ctl_expect(ctl, j, "phase", JSON_STRING)) == NULL ||
	    (removed = ctl_expect(ctl, j, "removed", JSON_ARRAY)) == NULL)
		rc = EXIT_SOFTWARE;
	else if (ctl->json)
		ctl_print_raw(&resp);
	else {
		printf("phase: %s\n", json_string_value(phase));
		if (json_array_size(removed) == 0)
			printf("no faults to remove\n");
		ctl_print_removed(removed);
	}
	json_decref(j);
	client_response_clear(&resp);
	return rc;
}

/* One journal event: SEQ TIME SERVICE EVENT key=value... */
static void
ctl_print_event(const json_t *ev)
{
	static const char *const skip[] = { "seq", "time", "mono_ms", "service",
		"event" };
	const char *key;
	json_t *v;
	size_t i;

	printf("%lld %s %s %s", ctl_int(ev, "seq", 0), ctl_str(ev, "time", "-"),
	    ctl_str(ev, "service", "-"), ctl_str(ev, "event", "?"));
	json_object_foreach((json_t *)ev, key, v)
	{
		for (i = 0; i < nitems(skip); i++) {
			if (strcmp(key, skip[i]) == 0)
				break;
		}
		if (i < nitems(skip))
			continue;
		printf(" %s=", key);
		ctl_print_value(v);
	}
	putchar('\n');
}

static void
ctl_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Wait usec on the loop: 0, CTL_STOPPED if a signal came, or 71. */
static int
ctl_sleep(struct ctl *ctl, uint64_t usec)
{
	struct timeval tv = clock_tv(usec);
	struct event *ev;
	int fired = 0;

	ev = evtimer_new(ctl->base, ctl_wake_cb, &fired);
	if (ev == NULL || evtimer_add(ev, &tv) == -1) {
		ctl_warn("%s", strerror(ENOMEM));
		if (ev != NULL)
			event_free(ev);
		return EXIT_OSERR;
	}
	while (!fired && !ctl->stop) {
		if (event_base_loop(ctl->base, EVLOOP_ONCE) == -1)
			break;
	}
	event_free(ev);
	return ctl->stop ? CTL_STOPPED : 0;
}

/* `journal`: the events, and with --follow the new ones as they come. */
static int
ctl_journal(struct ctl *ctl, char **argv)
{
	struct client_response resp;
	json_t *j, *events, *seq, *ev;
	uint64_t since = ctl->since, last;
	size_t i, n, len;
	char *path;
	int rc, has_since = ctl->has_since;

	(void)argv;
	len = 128 + (ctl->limit != NULL ? strlen(ctl->limit) : 0) +
	    3 * (ctl->service != NULL ? strlen(ctl->service) : 0) +
	    3 * (ctl->event != NULL ? strlen(ctl->event) : 0);
	path = xmalloc(len);
	for (;;) {
		snprintf(path, len, "/journal?");
		if (has_since)
			snprintf(path + strlen(path), len - strlen(path),
			    "since=%llu&", (unsigned long long)since);
		if (ctl->limit != NULL)
			snprintf(path + strlen(path), len - strlen(path),
			    "limit=%s&", ctl->limit);
		if (ctl->service != NULL) {
			strcat(path, "service=");
			ctl_url_encode(path, len, ctl->service);
			strcat(path, "&");
		}
		if (ctl->event != NULL) {
			strcat(path, "event=");
			ctl_url_encode(path, len, ctl->event);
			strcat(path, "&");
		}
		path[strlen(path) - 1] = '\0'; /* the last '&' or '?' */

		rc = ctl_call(ctl, "GET", path, NULL, 0, &resp, &j);
		if (rc != 0)
			break;
		if ((events = ctl_expect(ctl, j, "events", JSON_ARRAY)) ==
		        NULL ||
		    (seq = ctl_expect(ctl, j, "seq", JSON_INTEGER)) == NULL) {
			json_decref(j);
			client_response_clear(&resp);
			rc = EXIT_SOFTWARE;
			break;
		}
		n = json_array_size(events);
		json_array_foreach(events, i, ev)
		{
			if (ctl->json) {
				char *text = json_dumps(ev, JSON_COMPACT);

				if (text != NULL)
					puts(text);
				free(text);
			} else
				ctl_print_event(ev);
		}
		/*
		 * Go on after the last event of a full page (--limit), else
		 * after the last seq handed out: events filtered out are
		 * skipped, and after a DELETE /journal or a wrap of the ring
		 * there is nothing before it to wait for.
		 */
		last = (uint64_t)json_integer_value(seq);
		if (ctl->limit != NULL && n > 0 &&
		    n >= strtoull(ctl->limit, NULL, 10))
			last = (uint64_t)ctl_int(json_array_get(events, n - 1),
			    "seq", (long long)last);
		since = last;
		has_since = 1;
		json_decref(j);
		client_response_clear(&resp);
		if (fflush(stdout) == EOF || ferror(stdout))
			break; /* the reader went away */
		if (!ctl->follow)
			break;
		if ((rc = ctl_sleep(ctl, CTL_POLL_US)) != 0)
			break;
	}
	free(path);
	return rc == CTL_STOPPED ? 0 : rc;
}

/* SIGINT or SIGTERM during journal --follow: stop, exit 0. */
static void
ctl_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct ctl *ctl = arg;

	(void)sig;
	(void)what;
	ctl->stop = 1;
	event_base_loopbreak(ctl->base);
}

/*
 * The "control" address of a ready file, in an allocated string. Returns
 * 0, or the exit code after saying why.
 */
static int
ctl_ready_address(const char *path, char **out)
{
	json_error_t jerr;
	json_t *j, *v;
	size_t len;
	char *text;

	if (ctl_read_file(path, CONTROL_BODY_MAX, &text, &len) == -1) {
		/* standin serve removes it on exit: it is not running. */
		if (errno == ENOENT) {
			ctl_warn("cannot reach the control API: no ready file "
			         "%s (is standin serve running?)",
			    path);
			return EXIT_UNAVAILABLE;
		}
		ctl_warn("%s: %s", path,
		    errno == EFBIG ? "too large for a ready file"
		                   : strerror(errno));
		return EXIT_NOINPUT;
	}
	j = json_loadb(text, len, 0, &jerr);
	free(text);
	if (j == NULL) {
		ctl_warn(
		    "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		return EXIT_NOINPUT;
	}
	v = json_object_get(j, "control");
	if (!json_is_string(v)) {
		ctl_warn("%s names no \"control\" address (was standin serve "
		         "started with --no-control?)",
		    path);
		json_decref(j);
		return EXIT_UNAVAILABLE;
	}
	*out = xstrdup(json_string_value(v));
	json_decref(j);
	return 0;
}

/*
 * Find the verb that argv names; NULL after a usage error, with *rc set
 * to its exit code.
 */
static const struct ctl_verb *
ctl_find_verb(int argc, char **argv, int *rc)
{
	const struct ctl_verb *v;
	size_t i;
	int known = 0;

	for (i = 0; i < nitems(ctl_verbs); i++) {
		v = &ctl_verbs[i];
		if (strcmp(argv[0], v->name) != 0)
			continue;
		known = 1;
		if (v->sub == NULL ||
		    (argc > 1 && strcmp(argv[1], v->sub) == 0))
			return v;
	}
	if (!known)
		*rc = ctl_usage_error(NULL, "unknown command '%s'", argv[0]);
	else if (argc > 1)
		*rc = ctl_usage_error(
		    NULL, "%s: '%s' is not add or rm", argv[0], argv[1]);
	else
		*rc = ctl_usage_error(NULL, "%s: add or rm?", argv[0]);
	return NULL;
}

int
ctl_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "control", required_argument, NULL, 'c' },
		{ "token", required_argument, NULL, 't' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "follow", no_argument, NULL, 'f' },
		{ "since", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ "service", required_argument, NULL, 'S' },
		{ "event", required_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl = { .timeout_us = CLIENT_TIMEOUT_DEFAULT };
	const char *control = NULL, *ready = NULL, *token = NULL;
	const char *journal_opt = NULL;
	const struct ctl_verb *verb;
	struct event *sigint = NULL, *sigterm = NULL;
	char *ready_address = NULL, *end, host[256];
	uint16_t port;
	int ch, nargs, rc;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			control = optarg;
			break;
		case 't':
			token = optarg;
			break;
		case 'r':
			ready = optarg;
			break;
		case 'j':
			ctl.json = 1;
			break;
		case 'T':
			if (duration_parse(optarg, &ctl.timeout_us) == -1 ||
			    ctl.timeout_us == 0)
				return ctl_usage_error(NULL,
				    "--timeout: \"%s\" is not a duration above "
				    "0 (use 250ms, 1.5s, 2m)",
				    optarg);
			break;
		case 'f':
			ctl.follow = 1;
			journal_opt = "--follow";
			break;
		case 's':
			errno = 0;
			ctl.since = strtoull(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || *optarg == '-' ||
			    *optarg == '\0')
				return ctl_usage_error(
				    ctl_verb_named("journal", NULL),
				    "--since: \"%s\" is not a whole number",
				    optarg);
			ctl.has_since = 1;
			journal_opt = "--since";
			break;
		case 'l':
			errno = 0;
			if (strtoull(optarg, &end, 10) == 0 || errno != 0 ||
			    *end != '\0' || *optarg == '-')
				return ctl_usage_error(
				    ctl_verb_named("journal", NULL),
				    "--limit: \"%s\" is not a whole number "
				    "above 0",
				    optarg);
			ctl.limit = optarg;
			journal_opt = "--limit";
			break;
		case 'S':
			ctl.service = optarg;
			journal_opt = "--service";
			break;
		case 'E':
			ctl.event = optarg;
			journal_opt = "--event";
			break;
		case 'h':
			fputs(ctl_usage_text, stdout);
			return 0;
		case ':':
			return ctl_usage_error(
			    NULL, "%s needs a value", argv[optind - 1]);
		default:
			return ctl_usage_error(
			    NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return ctl_usage_error(NULL, "no command given");
	if ((verb = ctl_find_verb(argc, argv, &rc)) == NULL)
		return rc;
	argc -= verb->sub != NULL ? 2 : 1;
	argv += verb->sub != NULL ? 2 : 1;
	nargs = verb->nargs;
	if (argc < nargs)
		return ctl_usage_error(verb, "%s%s%s: missing%s", verb->name,
		    verb->sub != NULL ? " " : "",
		    verb->sub != NULL ? verb->sub : "", verb->args);
	if (argc > nargs)
		return ctl_usage_error(verb, "%s%s%s: unexpected argument '%s'",
		    verb->name, verb->sub != NULL ? " " : "",
		    verb->sub != NULL ? verb->sub : "", argv[nargs]);
	if (journal_opt != NULL && verb->fn != ctl_journal)
		return ctl_usage_error(
		    verb, "%s is an option of journal only", journal_opt);

	/* Where: --control, the ready file, the environment, the default. */
	if (control == NULL && ready != NULL) {
		if ((rc = ctl_ready_address(ready, &ready_address)) != 0)
			return rc;
		control = ready_address;
	}
	if (control == NULL)
		control = getenv("STANDIN_CONTROL");
	if (control == NULL || *control == '\0')
		control = CONTROL_ADDRESS_DEFAULT;
	if (hostport_parse(control, host, sizeof host, &port) == -1) {
		rc = ctl_usage_error(NULL,
		    "\"%s\" is not an address for the control API (use "
		    "HOST:PORT, e.g. %s)",
		    control, CONTROL_ADDRESS_DEFAULT);
		free(ready_address);
		return rc;
	}
	ctl.address = control;
	if (token == NULL)
		token = getenv("STANDIN_CONTROL_TOKEN");
	if (token != NULL && *token != '\0')
		ctl.authorization = xasprintf("Bearer %s", token);

	signal(SIGPIPE, SIG_IGN);
	ctl.base = event_base_new();
	if (ctl.base == NULL) {
		ctl_warn("cannot create an event loop");
		free(ready_address);
		free(ctl.authorization);
		return EXIT_OSERR;
	}
	if (ctl.follow) {
		sigint = evsignal_new(ctl.base, SIGINT, ctl_signal_cb, &ctl);
		sigterm = evsignal_new(ctl.base, SIGTERM, ctl_signal_cb, &ctl);
		if (sigint == NULL || sigterm == NULL ||
		    evsignal_add(sigint, NULL) == -1 ||
		    evsignal_add(sigterm, NULL) == -1) {
			ctl_warn("cannot handle SIGINT and SIGTERM");
			rc = EXIT_OSERR;
			goto out;
		}
	}
	rc = verb->fn(&ctl, argv);
out:
	if (sigint != NULL)
		event_free(sigint);
	if (sigterm != NULL)
		event_free(sigterm);
	event_base_free(ctl.base);
	free(ready_address);
	free(ctl.authorization);
	return rc;
}

/*
 * fuzz_control.c: the control API (control.c, on libevent's evhttp) with
 * the requests an input describes, driving a real server (server.c)
 * started on a scenario whose services listen on port 0. Each input gets
 * a fresh connection over a UNIX socket handed to the API
 * (control_accept_socket), so no TCP port is used up per input.
 *
 * An input is one or more requests separated by a line "%%". A request is
 * its request line without the version, "METHOD TARGET" ("POST /faults"),
 * then a newline and the body: this file adds "HTTP/1.1", Host and
 * Content-Length. Bytes of the target that may not appear in a request
 * line are percent-encoded, so that requests reach control.c rather than
 * stop at evhttp's parser.
 *
 * What comes back must be a complete response, never a 5xx (but evhttp's
 * 501 for a method it does not know), and JSON whenever it says it is.
 *
 * A scenario sent with PUT /scenario has its listeners moved to
 * 127.0.0.1:0 before the server binds them, so that no input takes a port
 * another program may want. After each input the server is put back as it
 * was: the first scenario, reset (POST /reset), the journal emptied.
 *
 * Toxiproxy's endpoints (/version, /proxies, /populate) are fuzzed the
 * same way: their seeds are in tests/fuzz/control/ and their keys in
 * tests/fuzz/control.dict (make-seeds.py writes the seeds). A proxy they
 * make listens on 127.0.0.1:0 whatever it asked for.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>

#include "control.h"
#include "fuzz.h"
#include "journal.h"
#include "listener.h"
#include "log.h"
#include "persona.h"
#include "conn.h"
#include "scenario.h"
#include "server.h"
#include "service.h"
#include "util.h"

/* Requests in one input, at most. */
#define FUZZ_REQUESTS_MAX 16

/* How often the loop runs for one response before it counts as lost. */
#define FUZZ_SPINS 2000

/* The scenario the server starts on, and is put back on after each input. */
static const char fuzz_scenario[] =
    "{\"standin\": 1, \"name\": \"fuzz-control\", \"seed\": 5,\n"
    "\"services\": {\"ums\": {\"persona\": \"ums\", \"listen\": "
    "\"127.0.0.1:0\"},\n"
    "  \"fin\": {\"persona\": \"financial-engine\", \"listen\": "
    "\"127.0.0.1:0\",\n"
    "    \"users_from\": \"ums\", \"versions\": [\"1.2\", \"2.0\"]}},\n"
    "\"stubs\": [{\"path\": \"/robots.txt\", \"body\": \"no\"}],\n"
    "\"faults\": [{\"service\": \"ums\", \"layer\": \"http\", \"type\": "
    "\"status\", \"status\": 503,\n"
    "  \"match\": {\"path\": \"/v1/users/u1001\"}}],\n"
    "\"phases\": [{\"name\": \"healthy\", \"after_connections\": 1000},\n"
    "  {\"name\": \"slow\", \"after_requests\": 100, \"faults\": "
    "[{\"layer\": \"http\",\n"
    "    \"type\": \"delay\", \"delay\": \"10ms\"}]},\n"
    "  {\"name\": \"refused\", \"manual\": true, \"faults\": [{\"service\": "
    "\"fin\",\n"
    "    \"layer\": \"connect\", \"type\": \"refuse\"}]},\n"
    "  {\"name\": \"down\", \"after\": \"1h\"}],\n"
    "\"repeat\": true}\n";

static struct server srv;
static struct control *ctl;
static struct sockaddr_un addr;
static socklen_t addr_len;
static int replaced; /* PUT /scenario took a scenario in this input */
static int changed; /* a request of this input may have changed things */

/* Move every listener of sc to 127.0.0.1:0. */
static void
fuzz_port0(struct scenario *sc)
{
	size_t i;

	for (i = 0; i < sc->nservices; i++) {
		snprintf(sc->services[i].host, sizeof sc->services[i].host,
		    "127.0.0.1");
		sc->services[i].port = 0;
	}
}

/* The control API's hooks: the server's own (server.c), but PUT. */
static const struct scenario *
fuzz_scenario_hook(void *arg)
{
	return ((struct server *)arg)->scenario;
}

static int
fuzz_replace_hook(void *arg, struct scenario *sc, char **cause)
{
	int code;

	fuzz_port0(sc);
	code = server_replace(arg, sc, cause);
	if (code == 0)
		replaced = 1;
	return code;
}

static int
fuzz_amend_hook(void *arg, struct scenario *sc, char **cause)
{
	int code;

	fuzz_port0(sc);
	code = server_amend(arg, sc, cause);
	if (code == 0)
		replaced = 1;
	return code;
}

static void
fuzz_restart_hook(void *arg, const char *service)
{
	struct server *s = arg;
	struct service *svc;

	TAILQ_FOREACH(svc, &s->services, entry)
	{
		if (strcmp(svc->name, service) == 0)
			conn_close_all(svc, "restarted");
	}
}

static void
fuzz_reset_hook(void *arg)
{
	server_reset(arg);
}

static void
fuzz_faults_changed_hook(void *arg, const char *service)
{
	server_faults_changed(arg, service);
}

static void
fuzz_services_hook(void *arg, control_service_fn *fn, void *fnarg)
{
	struct server *s = arg;
	struct control_service cs;
	struct service *svc;

	TAILQ_FOREACH(svc, &s->services, entry)
	{
		memset(&cs, 0, sizeof cs);
		cs.name = svc->name;
		cs.persona = svc->upstream == NULL
		    ? persona_type_get(svc->conf->persona)->name
		    : NULL;
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

/* A UNIX socket in the abstract namespace (no file), for the API. */
static int
fuzz_listen(void)
{
	int fd;

	memset(&addr, 0, sizeof addr);
	addr.sun_family = AF_UNIX;
	snprintf(addr.sun_path + 1, sizeof addr.sun_path - 1,
	    "standin-fuzz-control-%ld", (long)getpid());
	addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(addr.sun_path + 1));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&addr, addr_len) != 0 ||
	    listen(fd, 16) != 0 || evutil_make_socket_nonblocking(fd) != 0)
		return -1;
	return fd;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct server_options opts;
	struct control_target t;
	char path[] = "/tmp/standin-fuzz-XXXXXX";
	char *cause = NULL;
	int fd;

	(void)argc;
	(void)argv;
	log_init(LOG_TEXT, LOG_ERROR);
	/* server_start() reads its scenario from a file. */
	if ((fd = mkstemp(path)) == -1 ||
	    write(fd, fuzz_scenario, sizeof fuzz_scenario - 1) !=
	        (ssize_t)(sizeof fuzz_scenario - 1))
		abort();
	close(fd);
	memset(&opts, 0, sizeof opts);
	opts.scenario_path = path;
	if (server_start(&srv, &opts, &cause) != 0) {
		fprintf(stderr, "fuzz_control: %s\n", cause);
		abort();
	}
	unlink(path);
	/* The signals stay libFuzzer's. */
	event_del(srv.sig_term);
	event_del(srv.sig_int);
	event_del(srv.sig_hup);

	memset(&t, 0, sizeof t);
	t.inject = &srv.inject;
	t.journal = srv.journal;
	t.metrics = srv.metrics;
	t.timeline = srv.timeline;
	t.started_us = srv.started_us;
	t.arg = &srv;
	t.scenario = fuzz_scenario_hook;
	t.replace = fuzz_replace_hook;
	t.reset = fuzz_reset_hook;
	t.amend = fuzz_amend_hook;
	t.restart = fuzz_restart_hook;
	t.faults_changed = fuzz_faults_changed_hook;
	t.services = fuzz_services_hook;
	ctl = control_start(srv.base, &t, "127.0.0.1:0", NULL, 0, &cause);
	if (ctl == NULL || (fd = fuzz_listen()) == -1 ||
	    control_accept_socket(ctl, fd) != 0) {
		fprintf(stderr, "fuzz_control: cannot start the API: %s\n",
		    cause != NULL ? cause : strerror(errno));
		abort();
	}
	return 0;
}

/* An oracle failed: say what, and what came back, then crash. */
static void
fuzz_fail(const char *what, const char *got)
{
	fprintf(
	    stderr, "fuzz_control: %s; the response:\n%.4000s\n", what, got);
	abort();
}

/* Run the loop once without blocking. */
static void
fuzz_spin(void)
{
	event_base_loop(srv.base, EVLOOP_NONBLOCK);
}

/* A connection to the API, or -1. */
static int
fuzz_connect(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&addr, addr_len) != 0 ||
	    evutil_make_socket_nonblocking(fd) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* May this byte stand in a request target as it is? */
static int
fuzz_target_byte(unsigned char ch)
{
	return ch > 0x20 && ch < 0x7f && strchr("\"<>\\^`{|}", ch) == NULL;
}

/* One request, "METHOD TARGET\nBODY", as HTTP/1.1 into a buffer. */
static struct evbuffer *
fuzz_request(const char *text, size_t len, int *head)
{
	const char *nl, *sp, *body;
	struct evbuffer *b = evbuffer_new();
	size_t line, mlen, i, blen;

	nl = memchr(text, '\n', len);
	line = nl != NULL ? (size_t)(nl - text) : len;
	body = nl != NULL ? nl + 1 : text + len;
	blen = (size_t)(text + len - body);
	sp = memchr(text, ' ', line);
	mlen = sp != NULL ? (size_t)(sp - text) : line;
	if (b == NULL)
		abort();
	for (i = 0; i < mlen; i++) /* the method: a token, or evhttp's 400 */
		evbuffer_add_printf(b, "%c",
		    fuzz_target_byte((unsigned char)text[i]) ? text[i] : 'X');
	if (mlen == 0)
		evbuffer_add_printf(b, "GET");
	*head = mlen == 4 && memcmp(text, "HEAD", 4) == 0;
	/* Only GET and HEAD leave everything as it was. */
	if (!*head && !(mlen == 3 && memcmp(text, "GET", 3) == 0) && mlen != 0)
		changed = 1;
	evbuffer_add_printf(b, " ");
	if (sp == NULL || sp + 1 == text + line || sp[1] != '/')
		evbuffer_add_printf(b, "/");
	for (i = sp != NULL ? (size_t)(sp + 1 - text) : line; i < line; i++) {
		if (fuzz_target_byte((unsigned char)text[i]))
			evbuffer_add(b, &text[i], 1);
		else
			evbuffer_add_printf(
			    b, "%%%02X", (unsigned char)text[i]);
	}
	evbuffer_add_printf(b,
	    " HTTP/1.1\r\nHost: fuzz\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n",
	    blen);
	evbuffer_add(b, body, blen);
	return b;
}

/* The value of a header in a response's head, or NULL. */
static const char *
fuzz_header(const char *head, const char *name)
{
	const char *p = head;
	size_t n = strlen(name);

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':')
			return p + n + 1 + strspn(p + n + 1, " ");
	}
	return NULL;
}

/*
 * Send one request and read its response. Returns 0 if the connection
 * stays open, 1 if the API closed it.
 */
static int
fuzz_exchange(int fd, const char *text, size_t len)
{
	static char buf[8 * 1024 * 1024];
	struct evbuffer *req;
	const char *end, *cl, *type;
	size_t got = 0, want = 0;
	ssize_t n;
	int head, i, status, closed = 0;
	json_t *o;

	req = fuzz_request(text, len, &head);
	for (i = 0; evbuffer_get_length(req) > 0; i++) {
		if (i > FUZZ_SPINS)
			abort(); /* the API stopped reading */
		n = evbuffer_write(req, fd);
		if (n < 0 && errno != EAGAIN)
			break;
		fuzz_spin();
	}
	evbuffer_free(req);
	for (i = 0, end = NULL; i < FUZZ_SPINS; i++) {
		fuzz_spin();
		n = read(fd, buf + got, sizeof buf - 1 - got);
		/* evhttp closes after some errors, resetting if it had not
		 * read the whole request. */
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			closed = 1;
			break;
		}
		if (n < 0 && errno != EAGAIN)
			fuzz_fail(strerror(errno), buf);
		if (n > 0)
			got += (size_t)n;
		buf[got] = '\0';
		if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			cl = fuzz_header(buf, "Content-Length");
			want = (size_t)(end + 4 - buf) +
			    (cl != NULL && !head ? strtoul(cl, NULL, 10) : 0);
		}
		if (end != NULL && got >= want)
			break;
	}
	if (end == NULL || got < want) {
		if (closed && got == 0)
			return 1; /* evhttp refused the request outright */
		fuzz_fail("no complete response", buf);
	}
	/* 501: evhttp's own answer to a method it does not know. */
	if (sscanf(buf, "HTTP/1.1 %d ", &status) != 1 || status < 100 ||
	    (status >= 500 && status != 501))
		fuzz_fail("a server error, or no status line", buf);
	type = fuzz_header(buf, "Content-Type");
	if (!head && type != NULL &&
	    strncmp(type, "application/json", 16) == 0) {
		o = json_loadb(
		    end + 4, want - (size_t)(end + 4 - buf), 0, NULL);
		if (o == NULL)
			fuzz_fail("a body that says JSON and is not", buf);
		json_decref(o);
	}
	return closed;
}

/* Put the server back as it started, if a request may have changed it. */
static void
fuzz_restore(void)
{
	struct errlist errs = { NULL, 0, 0 };
	struct scenario *sc;
	char *cause = NULL;

	if (replaced) {
		sc = scenario_load_text("fuzz-control", fuzz_scenario,
		    sizeof fuzz_scenario - 1, &errs);
		if (sc == NULL || server_replace(&srv, sc, &cause) != 0)
			abort();
		replaced = 0;
	}
	if (changed) {
		server_reset(&srv);
		journal_clear(srv.journal);
		changed = 0;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *end = text + size, *sep;
	int fd = -1, i, n;

	for (n = 0; n < FUZZ_REQUESTS_MAX && text <= end; n++) {
		sep = memmem(text, (size_t)(end - text), "\n%%\n", 4);
		if (sep == NULL)
			sep = end;
		if (fd == -1 && (fd = fuzz_connect()) == -1)
			abort();
		if (fuzz_exchange(fd, text, (size_t)(sep - text)) != 0) {
			close(fd);
			fd = -1;
		}
		text = sep + 4;
	}
	if (fd != -1)
		close(fd);
	/* Let evhttp see the close and free the connection. */
	for (i = 0; i < 4; i++)
		fuzz_spin();
	fuzz_restore();
	return 0;
}

/* main.c: the standin command line: serve, check, --help, --version. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "ctl.h"
#include "fault.h"
#include "log.h"
#include "probe.h"
#include "scenario.h"
#include "server.h"
#include "util.h"

/* clang-format off */
static const char usage_text[] =
    "usage: standin serve [SCENARIO] [--ready-file FILE] [--journal FILE]\n"
    "                     [--control ADDR | --no-control] [--control-token T]\n"
    "                     [--control-insecure-no-token] [--toxiproxy-config FILE]\n"
    "                     [--ca-out FILE] [--seed N] [--time-scale X]\n"
    "                     [--log-format text|json] [-v|-q]\n"
    "       standin check SCENARIO...\n"
    "       standin faults [--markdown]\n"
    "       standin ctl [--control ADDR] [--token TOKEN] [--ready-file FILE]\n"
    "                   [--json] [--timeout DUR] status | phase NAME | next\n"
    "                   | faults | fault add JSON | fault rm ID\n"
    "                   | journal [--follow] | reset\n"
    "       standin probe --as ums|financial-engine URL [--versions V,...]\n"
    "                     [--tls-versions V,...] [--matrix] [--json] ...\n"
    "       standin --help | --version\n"
    "\n"
    "commands:\n"
    "  serve   serve the scenario's services (the built-in healthy default:\n"
    "          UMS on 127.0.0.1:8081, financial engine on 127.0.0.1:8082)\n"
    "  check   validate scenario files without serving; every error is\n"
    "          reported as FILE:LINE:COLUMN or FILE: /json/pointer\n"
    "  faults  print the catalogue of faults: layer, type, parameters,\n"
    "          and what the client sees (--markdown: as docs/faults.md\n"
    "          shows it)\n"
    "  ctl     drive a running standin through its control API: status,\n"
    "          phases, faults, the journal, reset ('standin ctl --help')\n"
    "  probe   impersonate a UMS or financial-engine client and say, layer\n"
    "          by layer, whether it can connect ('standin probe --help')\n"
    "\n"
    "serve options:\n"
    "  --ready-file FILE   once every listener is bound, write {\"pid\":...,\n"
    "                      \"control\":\"HOST:PORT\",\"services\":{NAME:\"HOST:PORT\"}}\n"
    "  --control ADDR      the control API's address (default 127.0.0.1:8474;\n"
    "                      port 0: the OS chooses, see the ready file)\n"
    "  --no-control        no control API\n"
    "  --control-token T   require \"Authorization: Bearer T\" on the control\n"
    "                      API (also $STANDIN_CONTROL_TOKEN); required when\n"
    "                      ADDR is not loopback\n"
    "  --control-insecure-no-token\n"
    "                      let ADDR be off loopback without a token (a\n"
    "                      container driven by Toxiproxy clients, which send\n"
    "                      none): anyone who reaches it can steer standin\n"
    "  --toxiproxy-config FILE\n"
    "                      make the proxies (and toxics) of a Toxiproxy\n"
    "                      -config file at start, as POST /populate would\n"
    "  --journal FILE      write every event (connections, TLS handshakes,\n"
    "                      hellos, requests, responses, faults, phase\n"
    "                      changes) there as JSON lines\n"
    "  --ca-out FILE       write the CA of the automatic TLS certificates\n"
    "  --seed N            override the scenario's seed\n"
    "  --time-scale X      override the scenario's time_scale\n"
    "  --log-format F      text (default) or json, on stderr\n"
    "  -v, --verbose       log every connection and request\n"
    "  -q, --quiet         log errors only\n"
    "\n"
    "signals: SIGTERM/SIGINT stop gracefully (exit 0); SIGHUP reloads the\n"
    "scenario (a bad file is refused and the running one kept).\n"
    "exit codes: 0 ok, 64 usage, 65 bad scenario, 66 unreadable file,\n"
    "71 cannot listen (port in use) or other OS error.\n";
/* clang-format on */

/* Report a usage error; returns the exit code for it. */
static int __attribute__((format(printf, 1, 2)))
main_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("standin: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'standin --help'.\n", stderr);
	return EXIT_USAGE;
}

/* `standin check FILE...`: validate each file; 65 if any is bad. */
static int
main_check(int argc, char **argv)
{
	struct errlist errs = { 0 };
	struct scenario *sc;
	int i, rc = 0, io;

	if (argc < 2)
		return main_usage_error("check: %s", "no scenario file given");
	for (i = 1; i < argc; i++) {
		errno = 0;
		sc = scenario_load_file(argv[i], &errs);
		io = errno != 0; /* set only when the file could not be read */
		if (sc == NULL) {
			char *msg = errlist_join(&errs);

			fprintf(stderr, "%s\n", msg);
			free(msg);
			errlist_clear(&errs);
			if (io) {
				if (rc == 0)
					rc = EXIT_NOINPUT;
			} else
				rc = EXIT_DATAERR;
			continue;
		}
		printf("%s: ok: %s, %zu service%s, %zu stub%s\n", argv[i],
		    sc->name, sc->nservices, sc->nservices == 1 ? "" : "s",
		    sc->nstubs, sc->nstubs == 1 ? "" : "s");
		scenario_free(sc);
	}
	return rc;
}

/* `standin serve [SCENARIO] [options]`. */
static int
main_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ready-file", required_argument, NULL, 'r' },
		{ "journal", required_argument, NULL, 'j' },
		{ "ca-out", required_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 's' },
		{ "time-scale", required_argument, NULL, 't' },
		{ "log-format", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "control", required_argument, NULL, 'C' },
		{ "no-control", no_argument, NULL, 'N' },
		{ "control-token", required_argument, NULL, 'T' },
		{ "control-insecure-no-token", no_argument, NULL, 'I' },
		{ "toxiproxy-config", required_argument, NULL, 'X' },
		{ NULL, 0, NULL, 0 },
	};
	struct server_options opts = { .control_addr =
		                           CONTROL_ADDRESS_DEFAULT };
	enum log_format fmt = LOG_TEXT;
	enum log_level lvl = LOG_INFO;
	struct server srv;
	char *cause = NULL, *end;
	int ch, code;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "vq", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			opts.ready_file = optarg;
			break;
		case 'j':
			opts.journal_file = optarg;
			break;
		case 'c':
			opts.ca_out = optarg;
			break;
		case 's':
			errno = 0;
			opts.seed = strtoull(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || *optarg == '-' ||
			    *optarg == '\0')
				return main_usage_error(
				    "--seed: %s is not a whole number "
				    "(0 or more)",
				    optarg);
			opts.has_seed = 1;
			break;
		case 't':
			opts.time_scale = strtod(optarg, &end);
			if (*end != '\0' || !(opts.time_scale > 0))
				return main_usage_error(
				    "--time-scale: %s is not a number "
				    "above 0",
				    optarg);
			break;
		case 'l':
			if (strcmp(optarg, "text") == 0)
				fmt = LOG_TEXT;
			else if (strcmp(optarg, "json") == 0)
				fmt = LOG_JSON;
			else
				return main_usage_error(
				    "--log-format: %s is not text or "
				    "json",
				    optarg);
			break;
		case 'C':
			opts.control_addr = optarg;
			break;
		case 'N':
			opts.control_addr = NULL;
			break;
		case 'T':
			opts.control_token = optarg;
			break;
		case 'I':
			opts.control_insecure = 1;
			break;
		case 'X':
			opts.toxiproxy_config = optarg;
			break;
		case 'v':
			lvl = LOG_DEBUG;
			break;
		case 'q':
			lvl = LOG_ERROR;
			break;
		default:
			fputs("Try 'standin --help'.\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1)
		return main_usage_error(
		    "serve: %s: only one scenario file", argv[optind + 1]);
	if (argc - optind == 1)
		opts.scenario_path = argv[optind];
	if (opts.control_token == NULL)
		opts.control_token = getenv("STANDIN_CONTROL_TOKEN");
	if (opts.control_token != NULL && opts.control_token[0] == '\0')
		return main_usage_error("--control-token: the token is empty");
	if (opts.control_addr != NULL &&
	    control_address_loopback(opts.control_addr) == -1)
		return main_usage_error(
		    "--control: %s is not HOST:PORT with an IP "
		    "address (127.0.0.1:8474, [::1]:0)",
		    opts.control_addr);
	if (opts.toxiproxy_config != NULL && opts.control_addr == NULL)
		return main_usage_error("--toxiproxy-config needs the control "
		                        "API: drop --no-control");
	if (opts.control_addr != NULL && opts.control_token == NULL &&
	    !opts.control_insecure &&
	    control_address_loopback(opts.control_addr) != 1)
		return main_usage_error(
		    "--control %s is not a loopback address: "
		    "give --control-token TOKEN too, or anyone "
		    "who can reach it can steer standin "
		    "(--control-insecure-no-token if that is meant)",
		    opts.control_addr);
	log_init(fmt, lvl);

	code = server_start(&srv, &opts, &cause);
	if (code != 0) {
		if (code == EXIT_DATAERR || code == EXIT_NOINPUT)
			fprintf(stderr, "%s\n", cause);
		else
			fprintf(stderr, "standin: %s\n", cause);
		free(cause);
		server_free(&srv);
		return code;
	}
	code = server_run(&srv);
	server_free(&srv);
	return code;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		return main_usage_error("%s", "no command given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "version") == 0) {
		printf("standin %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "serve") == 0)
		return main_serve(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return main_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "ctl") == 0)
		return ctl_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "probe") == 0)
		return probe_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "faults") == 0) {
		if (argc == 3 && strcmp(argv[2], "--markdown") == 0) {
			fault_catalogue_markdown(stdout);
			return 0;
		}
		if (argc > 2)
			return main_usage_error(
			    "faults takes no arguments but --markdown");
		fault_catalogue_print(stdout);
		return 0;
	}
	return main_usage_error("unknown command '%s'", argv[1]);
}

/*
 * fuzz_scenario.c: every input is a scenario file, given to the loader
 * (scenario_load_text) as `standin check` and `standin serve` would. A
 * file it takes must make sense to what runs it (at least one phase, every
 * fault typed and of a layer); a file it refuses must say why, each error
 * a complete line.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "log.h"
#include "scenario.h"
#include "util.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init(LOG_TEXT, LOG_ERROR);
	return 0;
}

/* What the rest of the program counts on in a scenario the loader took. */
static void
fuzz_check_scenario(const struct scenario *sc)
{
	size_t i, j;

	if (sc->nphases == 0 || sc->phases == NULL || sc->name == NULL)
		abort();
	for (i = 0; i < sc->nservices; i++) {
		if (sc->services[i].name == NULL ||
		    scenario_service(sc, sc->services[i].name) == NULL ||
		    persona_type_get(sc->services[i].persona) == NULL)
			abort();
	}
	for (i = 0; i < sc->nfaults; i++) {
		if (sc->faults[i].kind == NULL)
			abort();
	}
	for (i = 0; i < sc->nphases; i++) {
		if (sc->phases[i].name == NULL)
			abort();
		for (j = 0; j < sc->phases[i].nfaults; j++) {
			if (sc->phases[i].faults[j].kind == NULL)
				abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errlist errs = { NULL, 0, 0 };
	struct scenario *sc;
	char *msg;
	size_t i;

	sc = scenario_load_text("fuzz.json", (const char *)data, size, &errs);
	if (sc != NULL) {
		if (errs.n != 0)
			abort();
		fuzz_check_scenario(sc);
		scenario_free(sc);
		return 0;
	}
	/* Refused: with at least one message, each a line of its own. */
	if (errs.n == 0)
		abort();
	for (i = 0; i < errs.n; i++) {
		if (errs.msgs[i] == NULL || strchr(errs.msgs[i], '\n') != NULL)
			abort();
	}
	msg = errlist_join(&errs);
	free(msg);
	errlist_clear(&errs);
	return 0;
}

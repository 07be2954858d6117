/* log.c: one line per event on stderr, as text or as JSON objects. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "clock.h"
#include "log.h"
#include "util.h"

static enum log_format log_fmt = LOG_TEXT;
static enum log_level log_lvl = LOG_INFO;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void
log_init(enum log_format fmt, enum log_level lvl)
{
	log_fmt = fmt;
	log_lvl = lvl;
}

int
log_enabled(enum log_level lvl)
{
	return lvl <= log_lvl;
}

void
log_msg(enum log_level lvl, const char *service, const char *fmt, ...)
{
	char stamp[96], msg[1024];
	va_list ap;
	json_t *o;
	char *line;

	if (!log_enabled(lvl))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	clock_rfc3339(stamp, sizeof stamp);

	if (log_fmt == LOG_TEXT) {
		fprintf(stderr, "%s standin %s: %s%s%s\n", stamp,
		    level_names[lvl], service ? service : "",
		    service ? ": " : "", msg);
		return;
	}
	o = json_pack("{s:s, s:s, s:s}", "time", stamp, "level",
	    level_names[lvl], "msg", msg);
	if (o != NULL && service != NULL)
		json_object_set_new(o, "service", json_string(service));
	line = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (line != NULL)
		fprintf(stderr, "%s\n", line);
	free(line);
	json_decref(o);
}

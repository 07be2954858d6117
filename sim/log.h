/* log.h: text or JSON log lines on stderr. */
#ifndef STANDIN_LOG_H
#define STANDIN_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };
enum log_format { LOG_TEXT, LOG_JSON };

void log_init(enum log_format, enum log_level);
int log_enabled(enum log_level);
/* Log one line; service may be NULL. */
void log_msg(enum log_level, const char *service, const char *, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error(...) log_msg(LOG_ERROR, NULL, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, NULL, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, NULL, __VA_ARGS__)
#define log_debug(...) \
	do { \
		if (log_enabled(LOG_DEBUG)) \
			log_msg(LOG_DEBUG, NULL, __VA_ARGS__); \
	} while (0)

#endif

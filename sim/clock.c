/* clock.c: monotonic microseconds and RFC 3339 wall-clock text. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "clock.h"

/* Monotonic time in microseconds. */
uint64_t
clock_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Write the wall-clock time now as "2026-11-23T20:34:09.906Z". */
void
clock_rfc3339(char *buf, size_t len)
{
	static char second[64];
	static time_t last = -1;
	struct timespec ts;
	struct tm tm;
	size_t n;
	int ms;

	/* gmtime_r once a second, not once an event. */
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != last) {
		last = ts.tv_sec;
		gmtime_r(&ts.tv_sec, &tm);
		snprintf(second, sizeof second, "%04d-%02d-%02dT%02d:%02d:%02d",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
	}
	/* No printf: this runs for every journal event. */
	ms = (int)(ts.tv_nsec / 1000000);
	n = strlen(second);
	if (len < n + 6) {
		if (len > 0)
			buf[0] = '\0';
		return;
	}
	memcpy(buf, second, n);
	buf[n] = '.';
	buf[n + 1] = (char)('0' + ms / 100);
	buf[n + 2] = (char)('0' + ms / 10 % 10);
	buf[n + 3] = (char)('0' + ms % 10);
	buf[n + 4] = 'Z';
	buf[n + 5] = '\0';
}

int64_t
clock_wall_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return (int64_t)ts.tv_sec;
}

/* Microseconds as a timeval. */
struct timeval
clock_tv(uint64_t usec)
{
	struct timeval tv = { (time_t)(usec / 1000000),
		(suseconds_t)(usec % 1000000) };

	return tv;
}

/* Write the wall-clock time now as "2024-04-16T09:30:00Z". */
void
clock_utc_seconds(char *buf, size_t len)
{
	static char text[CLOCK_UTC_SECONDS_LEN];
	static time_t last = -1;
	struct tm tm;
	time_t t;
	size_t n;

	/* Formatted once a second (every donation is stamped with it). */
	t = time(NULL);
	if (t != last) {
		gmtime_r(&t, &tm);
		strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
		last = t;
	}
	n = strlen(text);
	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(buf, text, n);
	buf[n] = '\0';
}

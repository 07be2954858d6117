/*
 * clock.h: the one source of time. Monotonic microseconds for phases and
 * delays; wall-clock text for the journal.
 */
#ifndef STANDIN_CLOCK_H
#define STANDIN_CLOCK_H

#include <stddef.h>
#include <stdint.h>

struct timeval;

/* Monotonic time in microseconds (CLOCK_MONOTONIC). */
uint64_t clock_now_us(void);

/*
 * The wall-clock second now, from the kernel's coarse clock (as cheap as
 * the loop's cached time): for the Date header, formatted once a second.
 */
int64_t clock_wall_sec(void);

/* Microseconds as a timeval, for libevent timers. */
struct timeval clock_tv(uint64_t usec);

/* The wall-clock time now as RFC 3339 with milliseconds, UTC. */
void clock_rfc3339(char *buf, size_t len);

/* Room for clock_utc_seconds()'s text: "2024-04-16T09:30:00Z". */
#define CLOCK_UTC_SECONDS_LEN 32

/* The wall-clock time now as RFC 3339 with seconds, UTC, for records. */
void clock_utc_seconds(char *buf, size_t len);

#endif

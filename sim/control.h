/*
 * control.h: the control API, HTTP+JSON on its own port (127.0.0.1:8474
 * by default): status, the scenario, phases, faults added at run time,
 * the journal, metrics and reset. docs/control-api.md is its reference.
 */
#ifndef STANDIN_CONTROL_H
#define STANDIN_CONTROL_H

#define CONTROL_ADDRESS_DEFAULT "127.0.0.1:8474"
#define CONTROL_BODY_MAX (1024 * 1024) /* request bodies: 413 past it */
#define CONTROL_HEADERS_MAX (16 * 1024) /* request line and headers */

struct control;
struct server;

/*
 * Is "HOST:PORT" a loopback address (127.0.0.0/8, ::1, localhost)? Off
 * loopback the control API requires a token. -1 if it is not an address.
 */
int control_address_loopback(const char *addr);

/*
 * Listen on addr and answer for srv; with a token, every request must
 * carry "Authorization: Bearer TOKEN". NULL with *cause set on failure.
 */
struct control *control_start(
    struct server *, const char *addr, const char *token, char **cause);

/* Where it listens, as bound ("127.0.0.1:40123"). */
const char *control_address(const struct control *);

/* Stop listening and free; safe on NULL. */
void control_free(struct control *);

#endif

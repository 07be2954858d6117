/*
 * toxiproxy.h: Toxiproxy's HTTP API on the control port (/version,
 * /proxies, /proxies/{name}/toxics, /populate; /reset is shared with
 * standin's own), so that existing Toxiproxy clients drive standin
 * unchanged. A Toxiproxy proxy is a proxy service of the running scenario
 * (a service with "upstream"); a toxic is a stream fault added through the
 * API. docs/control-api.md says where standin differs, and why.
 */
#ifndef STANDIN_TOXIPROXY_H
#define STANDIN_TOXIPROXY_H

#include <stddef.h>
#include <stdint.h>

#include <event2/http.h>

struct control_target;
struct toxiproxy;

/* The Toxiproxy API version standin implements, as /version reports it. */
#define TOXIPROXY_API_VERSION "2.12.0"

/* Serve the API for the target (which must outlive it). */
struct toxiproxy *toxiproxy_new(const struct control_target *);

/* Free; safe on NULL. */
void toxiproxy_free(struct toxiproxy *);

/* Is path one of the API's own (/version, /populate, /proxies...)? */
int toxiproxy_serves(const char *path);

/* Answer a request for one of its paths (HEAD given as GET). */
void toxiproxy_request(struct toxiproxy *, struct evhttp_request *,
    const char *path, enum evhttp_cmd_type);

/*
 * POST /reset took every fault the API added away: forget the toxics
 * and start every proxy again, as Toxiproxy does (a disabled one
 * listens; open connections go on). Returns 0, or -1 if a proxy could
 * not listen (logged).
 */
int toxiproxy_reset(struct toxiproxy *);

/*
 * The toxic whose fault has this id (an API fault's), and its proxy in
 * *proxy; NULL if it is not a toxic's. Valid until the next request.
 */
const char *toxiproxy_toxic_of(
    const struct toxiproxy *, uint64_t rule, const char **proxy);

/*
 * Make the proxies (and their toxics) of a Toxiproxy config file or
 * /populate body: a JSON array of {name, listen, upstream, enabled,
 * toxics}. Returns 0, or -1 with *msg set (what was made before the
 * error stays, as in Toxiproxy).
 */
int toxiproxy_populate_text(
    struct toxiproxy *, const char *text, size_t len, char **msg);

#endif

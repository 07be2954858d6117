/*
 * probe.h: `standin probe`: impersonate a UMS or financial-engine client
 * against any deployment and say, layer by layer (connect, tls, handshake,
 * http), whether it can connect; --matrix tries every TLS version and
 * protocol version and prints which combinations work.
 */
#ifndef STANDIN_PROBE_H
#define STANDIN_PROBE_H

/* The exit code of each failing layer (0: every layer passed). */
#define PROBE_EXIT_CONNECT 10
#define PROBE_EXIT_TLS 11
#define PROBE_EXIT_HANDSHAKE 12
#define PROBE_EXIT_HTTP 13

/* `standin probe ARGS...` (argv[0] is "probe"); returns the exit code. */
int probe_main(int argc, char **argv);

#endif

/*
 * http.h: HTTP/1.1 as a protocol of the pipeline (pipeline.h). Requests
 * are parsed by http-parser, answered one at a time in order (pipelined
 * requests wait in the input buffer) by answer.c, and their responses
 * written by response.c.
 */
#ifndef STANDIN_HTTP_H
#define STANDIN_HTTP_H

#include "pipeline.h"

#define HTTP_HEADER_BYTES_MAX \
	(16 * 1024) /* request line + headers: 431 past it */
#define HTTP_HEADERS_MAX 100 /* header lines: 431 past it */
#define HTTP_BODY_MAX (1024 * 1024) /* request body: 413 past it */

/* Where a request target's path and query are (offsets into it). */
struct http_target {
	size_t path_off, path_len; /* path_len 0: none ("*", authority) */
	size_t query_off, query_len;
	int has_query;
};

/*
 * Split a request target that http-parser has already accepted into its
 * path and query: what http_parser_parse_url() says, without running its
 * state machine over the URL a second time for the common origin-form
 * ("/path?query", 4% of a GET's instructions in the profile). Other
 * forms go to http_parser_parse_url(). Returns 0, or -1 if not a URL.
 */
int http_target_parse(
    const char *url, size_t len, int is_connect, struct http_target *);

/* HTTP on a connection: open, input, held_eof, close. */
extern const struct proto_ops http_proto;

#endif

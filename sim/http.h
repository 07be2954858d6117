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

/* HTTP on a connection: open, input, held_eof, close. */
extern const struct proto_ops http_proto;

#endif

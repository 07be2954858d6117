/*
 * raw.h: raw bytes as a protocol of the pipeline (pipeline.h), for a TCP
 * proxy: the client's bytes go to the far end's byte stream unparsed.
 */
#ifndef STANDIN_RAW_H
#define STANDIN_RAW_H

#include "pipeline.h"

/* Raw bytes on a connection: open, input, held_eof, eof, close. */
extern const struct proto_ops raw_proto;

#endif

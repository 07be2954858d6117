/* server.c: placeholder until written */

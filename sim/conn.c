/* conn.c: placeholder until written */

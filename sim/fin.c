/* fin.c: placeholder until written */

/* scenario.c: placeholder until written */

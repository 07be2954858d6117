/* persona.c: placeholder until written */

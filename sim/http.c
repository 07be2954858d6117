/* http.c: placeholder until written */

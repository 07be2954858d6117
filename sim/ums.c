/* ums.c: placeholder until written */

/*
 * fin.h: the financial engine persona (donations and a ledger), as
 * persona.c sees it.
 */
#ifndef STANDIN_FIN_H
#define STANDIN_FIN_H

struct persona_ops;

/* The financial engine's routes, fixture loader and store destructor. */
extern const struct persona_ops fin_ops;

#endif

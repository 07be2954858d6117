/*
 * fuzz.h: what every libFuzzer target in tests/fuzz/ shares: the entry
 * points libFuzzer calls (declared here for -Wmissing-prototypes) and a
 * quiet start. Targets are built only by configure --enable-fuzz (see
 * "Fuzzing" in README.md); tests/fuzz/run.sh runs them.
 */
#ifndef STANDIN_FUZZ_H
#define STANDIN_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's: run one input; must return 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer's: called once before the first input. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif

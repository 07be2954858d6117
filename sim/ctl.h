/*
 * ctl.h: `standin ctl`, the command-line client of the control API
 * (docs/control-api.md).
 */
#ifndef STANDIN_CTL_H
#define STANDIN_CTL_H

/* Run `standin ctl ...` (argv[0] is "ctl"); returns the exit code. */
int ctl_main(int argc, char **argv);

#endif

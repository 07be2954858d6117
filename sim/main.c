/* main.c: the standin command line. */
#include "config.h"

#include <stdio.h>

int
main(void)
{
	puts(PACKAGE_STRING);
	return 0;
}

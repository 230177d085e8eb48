/* SPDX-License-Identifier: Apache-2.0 */
/* gslbd.c — (being written) */
#include "config.h"
int main(void) { return 1; }

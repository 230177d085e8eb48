/* SPDX-License-Identifier: Apache-2.0 */
/* render.c — (being written) */
#include "config.h"

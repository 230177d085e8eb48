/* SPDX-License-Identifier: Apache-2.0 */
/* wire.c — (being written) */
#include "config.h"

/* SPDX-License-Identifier: Apache-2.0 */
/* zone_load.c — (being written) */
#include "config.h"

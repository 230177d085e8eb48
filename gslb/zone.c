/* SPDX-License-Identifier: Apache-2.0 */
/* zone.c — (being written) */
#include "config.h"

/* SPDX-License-Identifier: Apache-2.0 */
/* conf.c — (being written) */
#include "config.h"

/* SPDX-License-Identifier: Apache-2.0 */
/* snapshot.c — (being written) */
#include "config.h"

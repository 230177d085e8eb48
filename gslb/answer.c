/* SPDX-License-Identifier: Apache-2.0 */
/* answer.c — (being written) */
#include "config.h"

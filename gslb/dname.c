/* SPDX-License-Identifier: Apache-2.0 */
/* dname.c — (being written) */
#include "config.h"

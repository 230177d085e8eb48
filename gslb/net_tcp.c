/* SPDX-License-Identifier: Apache-2.0 */
/* net_tcp.c — (being written) */
#include "config.h"

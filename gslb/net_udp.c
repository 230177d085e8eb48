/* SPDX-License-Identifier: Apache-2.0 */
/* net_udp.c — (being written) */
#include "config.h"

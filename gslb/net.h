/* SPDX-License-Identifier: Apache-2.0 */
/* net.h — (being written) */

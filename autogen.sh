#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# autogen.sh — regenerate the autotools files
set -e
cd "$(dirname "$0")"
mkdir -p m4
autoreconf -fi

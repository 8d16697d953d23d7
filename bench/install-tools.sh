#!/bin/sh
# System tools for `make bench`: wrk (load generator) and virtuoso-opensource (a peer).
# Installed with apt-get only when missing and running as root; otherwise says what is missing
# (the harness then skips what it cannot run and says so in the report).
set -eu
missing=""
command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
command -v virtuoso-t >/dev/null 2>&1 || missing="$missing virtuoso-opensource"
if [ -z "$missing" ]; then
    echo "bench tools: wrk and virtuoso-t present"
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "bench tools: installing with apt-get:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
else
    echo "bench tools: MISSING:$missing (not root or no apt-get; install them to measure all peers)"
fi

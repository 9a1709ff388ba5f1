#!/usr/bin/env bash
# The load benchmark (make bench) drives the portal with wrk, a native load generator that leaves
# the cores to the server; its test in tests/meta plays wrk against a small server. Install it
# with apt when it is missing (as root); without it the benchmark falls back to its own client.
set -euo pipefail
command -v wrk >/dev/null && exit 0
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
  echo "ensure-wrk: wrk is not installed (apt-get install -y wrk); using the Python client" >&2
  exit 0
fi
echo "ensure-wrk: installing wrk with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends wrk >/dev/null 2>&1 \
  || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends wrk >/dev/null; } \
  || echo "ensure-wrk: could not install wrk; using the Python client" >&2

#!/usr/bin/env bash
# The PostgreSQL tests start a throwaway server from the installed binaries; install them with
# apt when they are missing (as root). An external server can be named instead with
# PORTAL_TEST_POSTGRES_URL (then nothing is installed).
set -euo pipefail
[ -n "${PORTAL_TEST_POSTGRES_URL:-}" ] && exit 0
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "ensure-postgres: please install the PostgreSQL server (apt-get install -y postgresql)" >&2
  exit 1
fi
echo "ensure-postgres: installing postgresql with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends postgresql >/dev/null

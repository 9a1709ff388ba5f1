#!/usr/bin/env bash
# Make sure the browser tests have what they need: Debian's chromium (with an Arabic-capable
# font) and axe-core from the npm registry (pinned). Installs with apt when missing (as root).
set -euo pipefail
AXE_VERSION="4.14.1"
here="$(cd "$(dirname "$0")/.." && pwd)"
cache="$here/.cache"
mkdir -p "$cache"

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -d /usr/share/fonts/truetype/noto ] || need_apt+=(fonts-noto-core)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != "0" ]; then
    echo "ensure-browser: please install ${need_apt[*]} (apt-get install -y ${need_apt[*]})" >&2
    exit 1
  fi
  echo "ensure-browser: installing ${need_apt[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

axe="$cache/axe-core-$AXE_VERSION/axe.min.js"
if [ ! -f "$axe" ]; then
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack "axe-core@$AXE_VERSION" --silent >/dev/null && tar xzf "axe-core-$AXE_VERSION.tgz")
  mkdir -p "$(dirname "$axe")"
  cp "$tmp/package/axe.min.js" "$axe"
  rm -rf "$tmp"
fi
echo "$axe"

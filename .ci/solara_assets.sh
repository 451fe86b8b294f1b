#!/usr/bin/env bash
# Solara loads its page scripts from a CDN, unreachable on machines without internet; it also
# reads them from a local cache in the venv. Fill that cache from the npm registry.
# Usage: bash .ci/solara_assets.sh [VENV]   (default .venv)
set -euo pipefail
venv=${1:-.venv}
cache="$venv/share/solara/cdn"
command -v npm >/dev/null || { echo "solara assets: npm not found, skipped" >&2; exit 0; }
tmp=$(mktemp -d)
for spec in @widgetti/solara-vuetify3-app@5.2.0 requirejs@2.3.6 font-awesome@4.5.0 @widgetti/vue-grid-layout@2.3.13-alpha.2 echarts@5.4.0; do
  dest="$cache/$spec"
  [ -d "$dest" ] && continue
  mkdir -p "$dest"
  tarball=$(cd "$tmp" && npm pack -q "$spec" 2>/dev/null | tail -1)
  tar xzf "$tmp/$tarball" -C "$dest" --strip-components=1
done
rm -rf "$tmp"

#!/usr/bin/env bash
# Builds crates/lockstep-serve/assets/vendor.js, the graph libraries that
# `lockstep serve` compiles into the binary (sigma.js, graphology,
# ForceAtlas2), from the exact versions in ui/package-lock.json, with their
# licences at the top. Needs Node.js and npm (the registry, once).
#
#   scripts/build-ui.sh          rebuild the bundle
#   scripts/build-ui.sh --check  rebuild into a temporary file and fail if
#                                it differs from the committed bundle
set -euo pipefail
cd "$(dirname "$0")/../ui"
bundle=../crates/lockstep-serve/assets/vendor.js

# --ignore-scripts: esbuild's binary comes as an optional dependency; no
# install script of any package runs.
npm ci --ignore-scripts --no-audit --no-fund --silent

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
  echo "/*! lockstep serve: vendored graph libraries, built by scripts/build-ui.sh from ui/package-lock.json."
  for p in sigma graphology graphology-layout-forceatlas2 graphology-utils events; do
    version=$(node -p "require('./node_modules/$p/package.json').version")
    echo
    echo "== $p $version =="
    # A licence text cannot end the comment early.
    sed 's#\*/#* /#g' node_modules/$p/LICENSE*
  done
  echo "*/"
  node_modules/.bin/esbuild vendor.js --bundle --minify --format=iife --target=es2020 \
    --legal-comments=none --log-level=warning
} > "$tmp"

if [ "${1:-}" = "--check" ]; then
  if ! cmp -s "$tmp" "$bundle"; then
    echo "$bundle is not what ui/package-lock.json builds: run scripts/build-ui.sh" >&2
    exit 1
  fi
  echo "vendor.js matches ui/package-lock.json"
else
  cp "$tmp" "$bundle"
  echo "wrote $bundle ($(wc -c < "$bundle") bytes)"
fi

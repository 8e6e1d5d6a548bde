#!/usr/bin/env bash
# Deno and Bun, pinned, for the tests and `npm run start:deno|bun`: installed beside the project's packages
# (node_modules/.bin/deno, node_modules/.bin/bun) without entering package.json, so `npm ci` for a user who
# runs only the service and the command line fetches neither (about 190 MB). Run it after `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."
DENO_VERSION=2.9.6
BUN_VERSION=1.4.5
have() { [ -x "node_modules/.bin/$1" ] && [ "$("node_modules/.bin/$1" --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1)" = "$2" ]; }
if have deno "$DENO_VERSION" && have bun "$BUN_VERSION"; then exit 0; fi
echo "installing deno $DENO_VERSION and bun $BUN_VERSION into node_modules (not saved in package.json)"
npm install --no-save --no-audit --no-fund "deno@$DENO_VERSION" "bun@$BUN_VERSION"

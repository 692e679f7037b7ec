#!/usr/bin/env node
// User data sizes over the corpus: `aspire-arm plan --no-resources --json` of every manifest that
// `check` accepts, and each VM's user data as sent (AWS: gzip'ed; GCP: plain unless too large).
// usage (from the repository's root):
//   node scripts/user-data-sizes.mjs [--cloud aws|gcp] [--runtime docker|dotnet] [CORPUS_DIR]
// CORPUS_DIR defaults to ../shared/manifests/corpus. Prints min, median and max bytes over the VMs
// and the largest manifests. A benchmark, not a test: its figures are in the README.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const args = process.argv.slice(2);
const cloudAt = args.indexOf("--cloud");
const cloud = cloudAt >= 0 ? args.splice(cloudAt, 2)[1] : "aws";
const runtimeAt = args.indexOf("--runtime");
const runtime = runtimeAt >= 0 ? args.splice(runtimeAt, 2)[1] : "docker";
const corpus = path.resolve(args[0] ?? "../shared/manifests/corpus");
const cli = path.resolve("bin/aspire-arm.js");
const run = (...argv) =>
  spawnSync(process.execPath, [cli, ...argv], { encoding: "utf8", maxBuffer: 64 << 20 });

const files = fs
  .readdirSync(corpus)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => path.join(corpus, f));
// check exits 1 when any file is rejected; its stdout is the array all the same.
const deployable = JSON.parse(run("check", "--json", ...files).stdout)
  .filter((r) => r.ok)
  .map((r) => r.file);

const rows = [];
const failed = [];
for (const file of deployable) {
  const r = run("plan", file, "--no-resources", "--json", "--cloud", cloud, "--runtime", runtime);
  if (r.status !== 0) {
    failed.push(`${path.basename(file)}: ${r.stderr.trim().split("\n")[0]}`);
    continue;
  }
  const plan = JSON.parse(r.stdout);
  for (const vm of plan.vms)
    rows.push({
      file: path.basename(file),
      vm: vm.name,
      services: vm.services.length,
      bytes: vm.userData.bytes,
      encoding: vm.userData.encoding,
    });
}
rows.sort((a, b) => a.bytes - b.bytes);
const at = (q) => rows[Math.min(rows.length - 1, Math.floor(q * rows.length))].bytes;
console.log(
  `${cloud}, runtime ${runtime}: ${deployable.length} deployable manifests, ${rows.length} VMs planned` +
    (failed.length ? `, ${failed.length} not planned offline` : ""),
);
console.log(`user data as sent (bytes): min ${at(0)}, median ${at(0.5)}, max ${at(1)}`);
for (const r of rows.slice(-3).reverse())
  console.log(`  ${r.bytes} B (${r.encoding}) ${r.file} VM ${r.vm}, ${r.services} services`);
for (const f of failed) console.log(`  not planned: ${f}`);

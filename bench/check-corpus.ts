// Benchmark: wall time of `aspire-arm check --json` over every corpus manifest at once, as a user
// (and ../shared/tools/corpus-check) runs it: a fresh process each time. Prints the median of runs.
// Usage: npm run bench:check [-- RUNS]
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "../..");
const corpus = path.resolve(root, "../shared/manifests/corpus");
if (!fs.existsSync(corpus)) {
  console.log(`bench: ${corpus} not found; nothing to measure.`);
  process.exit(0);
}
const files = fs
  .readdirSync(corpus)
  .filter((f) => /\.(json|ya?ml)$/.test(f))
  .map((f) => path.join(corpus, f));
const runs = Number(process.argv[2] ?? 10);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(label: string, command: string, args: string[]): void {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(command, args, { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (r.status !== 0 && r.status !== 1)
      throw new Error(`${label} exited ${r.status}: ${r.stderr}`);
  }
  console.log(
    `${label}: ${files.length} files, median ${median(ms).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms over ${runs} runs`,
  );
}

time("node bin/aspire-arm.js check --json", process.execPath, [
  "bin/aspire-arm.js",
  "check",
  "--json",
  ...files,
]);
time("npx aspire-arm check --json", "npx", [
  "--no-install",
  "aspire-arm",
  "check",
  "--json",
  ...files,
]);

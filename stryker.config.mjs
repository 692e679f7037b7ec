// StrykerJS over the pure core (npm run mutate; see the README's "Mutation testing").
// One run per stage, chosen by MUTATE_STAGE: each file's mutants are tested by the test folder of
// its own stage only, so a mutant counts as killed only when that stage's own tests see it.
//   manifest: src/manifest/**  by test/unit
//   plan:     src/plan/**      by test/plan
//   render:   src/render/**    by test/plan + test/render  (.ts only: not the vm/*.sh and *.py it embeds),
//             and test/vm-scripts/compact.test.ts, the unit test of src/render/vm-scripts.ts (the
//             other test/vm-scripts files test the shell and Python scripts, not the TypeScript)
// The tests run compiled (buildCommand) with Node's test runner under the tap runner, which spawns
// `node` from PATH (the project's Node 20) while Stryker itself runs on Node 22 (scripts/mutate.sh).
const STAGES = {
  manifest: { mutate: ["src/manifest/**/*.ts"], tests: ["unit"] },
  plan: { mutate: ["src/plan/**/*.ts"], tests: ["plan"] },
  render: { mutate: ["src/render/**/*.ts"], tests: ["plan", "render"], extraTests: ["dist/test/vm-scripts/compact.test.js"] },
};

const stage = process.env.MUTATE_STAGE ?? "";
const chosen = STAGES[stage];
if (!chosen) throw new Error(`stryker.config.mjs: set MUTATE_STAGE to one of ${Object.keys(STAGES).join(", ")} (got "${stage}")`);

// MUTATE_FILES narrows the run to some files of the stage (a comma-separated list of globs).
const mutate = process.env.MUTATE_FILES ? process.env.MUTATE_FILES.split(",") : chosen.mutate;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "tap",
  plugins: ["@stryker-mutator/tap-runner"],
  // The tap runner's "test" is a test file: each mutant runs only the files whose run covered it.
  coverageAnalysis: "perTest",
  buildCommand: "tsc -p tsconfig.json",
  mutate,
  tap: {
    testFiles: [...chosen.tests.map((folder) => `dist/test/${folder}/*.test.js`), ...(chosen.extraTests ?? [])],
    nodeArgs: ["--test-reporter=tap", "-r", "{{hookFile}}", "{{testFile}}"],
  },
  // What the sandbox needs is the sources, fixtures and node_modules (linked); dist is rebuilt there.
  ignorePatterns: ["/dist", "/out"],
  concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 2),
  timeoutMS: 10000,
  reporters: ["clear-text", "progress-append-only", "json", "html"],
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  jsonReporter: { fileName: `reports/mutation/${stage}/mutation.json` },
  htmlReporter: { fileName: `reports/mutation/${stage}/mutation.html` },
  incremental: process.env.MUTATE_INCREMENTAL === "1",
  incrementalFile: `reports/mutation/${stage}/incremental.json`,
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
  thresholds: { high: 85, low: 75, break: null },
};

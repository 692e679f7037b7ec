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
import fs from "node:fs";

const STAGES = {
  manifest: { mutate: ["src/manifest/**/*.ts"], tests: ["unit"] },
  plan: { mutate: ["src/plan/**/*.ts"], tests: ["plan"] },
  render: { mutate: ["src/render/**/*.ts"], tests: ["plan", "render"], extraTests: ["dist/test/vm-scripts/compact.test.js"] },
};

/** Test files that run the CLI in child processes or the Pulumi program, seconds each: listed
 *  last, so that a mutant runs them only when no quicker file of its stage has killed it (the
 *  tap runner tests a mutant's files in the order of the dry run, and stops at the first failure). */
const SLOW_LAST = ["corpus-render", "deployer-files", "restart", "native-apps", "starter", "cli-plan", "secrets"];

/** The compiled test files of some test folders, the slow ones last. */
function testFilesOf(folders, extra = []) {
  const files = [...folders.flatMap((folder) =>
    fs
      .readdirSync(`test/${folder}`)
      .filter((f) => f.endsWith(".test.ts"))
      .sort()
      .map((f) => `dist/test/${folder}/${f.replace(/\.ts$/, ".js")}`),
  ), ...extra];
  const rank = (file) => SLOW_LAST.indexOf(file.replace(/^.*\/|\.test\.js$/g, ""));
  return files.map((file, i) => [rank(file), i, file]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, , file]) => file);
}

const stage = process.env.MUTATE_STAGE ?? "";
const chosen = STAGES[stage];
if (!chosen) throw new Error(`stryker.config.mjs: set MUTATE_STAGE to one of ${Object.keys(STAGES).join(", ")} (got "${stage}")`);

// MUTATE_FILES narrows the run to some files of the stage (a comma-separated list of globs).
// Such a run reports to reports/mutation/<stage>-<files>/, beside the stage's own reports.
const mutate = process.env.MUTATE_FILES ? process.env.MUTATE_FILES.split(",") : chosen.mutate;
const reportDir = process.env.MUTATE_FILES ? `${stage}-${mutate.map((m) => m.replace(/^.*\//, "").replace(/\.ts$/, "").replace(/[^A-Za-z0-9.-]+/g, "_")).join("+")}` : stage;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "tap",
  plugins: ["@stryker-mutator/tap-runner"],
  // The tap runner's "test" is a test file: each mutant runs only the files whose run covered it.
  coverageAnalysis: "perTest",
  buildCommand: "tsc -p tsconfig.json",
  mutate,
  tap: {
    testFiles: testFilesOf(chosen.tests, chosen.extraTests),
    nodeArgs: ["--test-reporter=tap", "-r", "{{hookFile}}", "{{testFile}}"],
  },
  // What the sandbox needs is the sources, fixtures and node_modules (linked); dist is rebuilt there.
  ignorePatterns: ["/dist", "/out"],
  concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 2),
  timeoutMS: 10000,
  reporters: ["clear-text", "progress-append-only", "json", "html"],
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  jsonReporter: { fileName: `reports/mutation/${reportDir}/mutation.json` },
  htmlReporter: { fileName: `reports/mutation/${reportDir}/mutation.html` },
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
  thresholds: { high: 85, low: 75, break: null },
};

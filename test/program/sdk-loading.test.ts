// Only the chosen cloud's SDK is loaded (index.ts requires one component; each SDK takes about a
// second to load): a GCP stack never loads @pulumi/aws, an AWS stack never loads @pulumi/gcp.
// The policies load none (the policy pack brings its own). Each run is a fresh node process, so
// that nothing another test loaded counts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { programFile, repoRoot, starterManifest } from "../support/paths";

const mockProgram = path.join(repoRoot, "dist/src/cli/mock-program.js");

/** The @pulumi packages in the module cache of a fresh process after `script` ran. */
function loadedPulumiPackages(script: string): string[] {
  const probe = `
    const loaded = () => [...new Set(Object.keys(require.cache).map((k) => /node_modules[\\\\/]@pulumi[\\\\/]([^\\\\/]+)/.exec(k)?.[1]).filter(Boolean))].sort();
    Promise.resolve().then(async () => { ${script} }).then(() => process.stdout.write(JSON.stringify(loaded())), (e) => { console.error(e); process.exit(1); });`;
  return JSON.parse(
    execFileSync(process.execPath, ["-e", probe], { cwd: repoRoot, encoding: "utf8" }),
  ) as string[];
}

/** The SDKs a mock run of the starter app on `cloud` loads. */
function sdksOfRun(config: Record<string, string>): string[] {
  return loadedPulumiPackages(
    `await require(${JSON.stringify(mockProgram)}).runProgramWithMocks(${JSON.stringify(programFile)}, "dev", ${JSON.stringify({ "aspire:manifest": starterManifest, "aspire:parameters.cache-password": "p", ...config })});`,
  );
}

test("a GCP stack loads @pulumi/gcp and never @pulumi/aws", () => {
  const loaded = sdksOfRun({
    "aspire:cloud": "gcp",
    "gcp:zone": "us-central1-a",
    "gcp:project": "demo",
  });
  assert.ok(loaded.includes("gcp"), loaded.join(", "));
  assert.ok(!loaded.includes("aws"), `@pulumi/aws was loaded: ${loaded.join(", ")}`);
});

test("an AWS stack loads @pulumi/aws and never @pulumi/gcp", () => {
  const loaded = sdksOfRun({ "aspire:cloud": "aws", "aws:region": "us-east-1" });
  assert.ok(loaded.includes("aws"), loaded.join(", "));
  assert.ok(!loaded.includes("gcp"), `@pulumi/gcp was loaded: ${loaded.join(", ")}`);
});

test("the policies (and the cloud-neutral components/arm-app.ts they use) load no @pulumi package: the pack runs them beside its own", () => {
  const policies = path.join(repoRoot, "dist/policies/index.js");
  assert.deepEqual(loadedPulumiPackages(`require(${JSON.stringify(policies)}).checkAll([]);`), []);
});

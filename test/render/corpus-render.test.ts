// Every deployable corpus manifest, planned and rendered for both clouds, checked with the real
// tools: cloud-init's own schema validator, the Compose Specification schema, shellcheck for the
// shell-sourced files, and the 16 KB EC2 user-data limit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { loadManifest } from "../../src/manifest";
import { buildPlan, type Cloud } from "../../src/plan";
import { defaultSecretSource, renderVm, renderVmEnv, USER_DATA_LIMIT } from "../../src/render";
import { composeSchemaErrors } from "../support/compose-schema";
import { deployableCorpus, SHARED_MISSING } from "../support/paths";

const run = promisify(execFile);
const files = deployableCorpus();
const CLOUDS: Cloud[] = ["aws", "gcp"];

function have(tool: string): boolean {
  return (process.env.PATH ?? "").split(":").some((d) => fs.existsSync(path.join(d, tool)));
}

/** Why a check by `tool` is skipped: the corpus is absent, or the tool is missing outside CI. In
 *  CI (CI=true, where .ci/run installs cloud-init and shellcheck) a missing tool fails the test. */
function toolSkip(tool: string): string | false {
  if (!files) return SHARED_MISSING;
  return have(tool) || process.env.CI === "true"
    ? false
    : `${tool} is not installed (apt-get install ${tool}): its check is skipped here and fails in CI`;
}

function requireTool(tool: string): void {
  assert.ok(
    have(tool),
    `${tool} is not installed: CI installs it (.ci/run), and this check may not pass without it`,
  );
}

/** Runs jobs two at a time (the machine has 2 cores). */
async function pool<T>(items: readonly T[], job: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    [0, 1].map(async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await job(item);
    }),
  );
}

interface Rendered {
  file: string;
  cloud: Cloud;
  vm: string;
  cloudConfig: string;
  compose?: string;
  vmEnv: string;
  userDataBytes: number;
}

function renderAll(): Rendered[] {
  const out: Rendered[] = [];
  for (const file of files ?? []) {
    const { manifest } = loadManifest(file);
    for (const cloud of CLOUDS) {
      // Plain parameters without defaults get a value, as a user would set them.
      const params = [...manifest.resources.values()]
        .filter((r) => r.kind === "parameter.v0")
        .map((r) => r.name);
      const { plan } = buildPlan(manifest, {
        cloud,
        stack: "ci",
        parameters: Object.fromEntries(params.map((p) => [p, `value-of-${p}`])),
      });
      const ctx = { secretSource: defaultSecretSource(plan) };
      for (const vm of plan.vms) {
        const r = renderVm(plan, vm, ctx);
        out.push({
          file: path.basename(file),
          cloud,
          vm: vm.name,
          cloudConfig: r.cloudConfig,
          compose: r.appConfig.find((f) => f.path === "compose.yaml")?.content,
          vmEnv: renderVmEnv(plan, vm, ctx),
          userDataBytes: r.userData.length,
        });
      }
    }
  }
  return out;
}

const rendered = files ? renderAll() : [];

test(
  "every deployable corpus manifest plans and renders on both clouds",
  { skip: files ? false : SHARED_MISSING },
  () => {
    assert.ok(
      (files ?? []).length >= 50,
      `expected the 56 deployable corpus files, found ${files?.length}`,
    );
    assert.equal(
      new Set(rendered.map((r) => `${r.file}:${r.cloud}`)).size,
      (files ?? []).length * 2,
    );
  },
);

test(
  "every rendered user data passes `cloud-init schema --config-file`",
  { skip: toolSkip("cloud-init") },
  async () => {
    requireTool("cloud-init");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-arm-cloud-init-"));
    const failures: string[] = [];
    await pool(rendered, async (r) => {
      const file = path.join(dir, `${r.cloud}-${r.vm}-${r.file}.yaml`);
      fs.writeFileSync(file, r.cloudConfig);
      try {
        await run("cloud-init", ["schema", "--config-file", file]);
      } catch (e) {
        const err = e as { stdout?: string; stderr?: string };
        failures.push(`${r.file} (${r.cloud}, vm ${r.vm}): ${err.stderr ?? ""}${err.stdout ?? ""}`);
      }
    });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(failures, []);
  },
);

test(
  "every rendered compose file is valid against the Compose Specification schema",
  { skip: files ? false : SHARED_MISSING },
  () => {
    const failures = rendered
      .filter((r) => r.compose)
      .flatMap((r) =>
        composeSchemaErrors(r.compose as string).map(
          (e) => `${r.file} (${r.cloud}, ${r.vm}): ${e}`,
        ),
      );
    assert.deepEqual(failures, []);
    assert.ok(rendered.filter((r) => r.compose).length > 100);
  },
);

test(
  "the shell-sourced vm.env of every VM passes shellcheck",
  { skip: toolSkip("shellcheck") },
  async () => {
    requireTool("shellcheck");
    const distinct = [...new Set(rendered.map((r) => r.vmEnv))];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-arm-vmenv-"));
    const failures: string[] = [];
    await pool(distinct, async (text) => {
      const file = path.join(dir, `vm-${distinct.indexOf(text)}.env`);
      // Sourced with `set -a` by bash: check it as bash, with the variables used (SC2034 would flag them as unused).
      fs.writeFileSync(file, `#!/bin/bash\n# shellcheck disable=SC2034\n${text}`);
      try {
        await run("shellcheck", ["-s", "bash", "-S", "style", file]);
      } catch (e) {
        failures.push(`${(e as { stdout?: string }).stdout ?? e}`);
      }
    });
    fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(failures, []);
  },
);

test(
  "gzipped AWS user data of every deployable corpus app on one VM fits in 16 KB",
  { skip: files ? false : SHARED_MISSING },
  () => {
    const aws = rendered.filter((r) => r.cloud === "aws");
    const largest = aws.reduce((a, b) => (b.userDataBytes > a.userDataBytes ? b : a));
    const over = aws
      .filter((r) => r.userDataBytes > USER_DATA_LIMIT.aws)
      .map((r) => `${r.file}: ${r.userDataBytes} bytes`);
    assert.deepEqual(over, []);
    console.log(`largest gzipped AWS user data: ${largest.userDataBytes} bytes (${largest.file})`);
  },
);

test(
  "gzipped AWS user data of every deployable corpus app on one VM with runtime dotnet (units, env templates, the runtimes' installer and exec-env.py) fits in 16 KB",
  { skip: files ? false : SHARED_MISSING },
  () => {
    let largest = { file: "", bytes: 0 };
    const over: string[] = [];
    for (const file of files ?? []) {
      const { manifest } = loadManifest(file);
      const params = [...manifest.resources.values()]
        .filter((r) => r.kind === "parameter.v0")
        .map((r) => r.name);
      const { plan } = buildPlan(manifest, {
        cloud: "aws",
        stack: "ci",
        runtime: "dotnet",
        parameters: Object.fromEntries(params.map((p) => [p, `value-of-${p}`])),
      });
      for (const vm of plan.vms) {
        const bytes = renderVm(plan, vm, { secretSource: defaultSecretSource(plan) }).userData
          .length;
        if (bytes > largest.bytes) largest = { file: path.basename(file), bytes };
        if (bytes > USER_DATA_LIMIT.aws) over.push(`${path.basename(file)}: ${bytes} bytes`);
      }
    }
    assert.deepEqual(over, []);
    console.log(
      `largest gzipped AWS user data with runtime dotnet: ${largest.bytes} bytes (${largest.file})`,
    );
  },
);

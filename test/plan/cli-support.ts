// `aspire-arm` as a user runs it: bin/aspire-arm.js (the compiled CLI) in a child process, with its
// output and exit code. It runs in an empty working folder, so that no Pulumi.<stack>.yaml of the
// repository is read. A child process, not process.chdir(): the test process keeps its own working
// folder, so nothing that writes relative to it (StrykerJS's tap runner writes its results file
// there when the process exits) ends up elsewhere, and tests never see a folder they did not ask for.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { PlanComparison } from "../../src/cli/compare-plans";
import type { VmInputs } from "../../src/render/vm-inputs";
import { repoRoot } from "../support/paths";

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** The `aspire-arm plan --json` document (planJson in src/cli/plan-command.ts), as far as tests read it. */
export interface JsonPlan {
  cloud: string;
  stack: string;
  manifest: string;
  vms: {
    name: string;
    instanceType: string;
    os: string;
    runtime: string;
    diskSizeGb: number;
    userData: { bytes: number; encoding: string; uncompressedBytes: number; limit: number };
    services: {
      name: string;
      resource: string;
      runAs: string;
      image: string;
      env: Record<string, string>;
      args: string[];
      dependsOn: string[];
    }[];
    secrets: string[];
    vmInputs: VmInputs;
    vmInputsFingerprint: string;
    release: { id: string; bytes: number };
  }[];
  parameters: {
    name: string;
    secret: boolean;
    source: string;
    storedOnVm: boolean;
    value?: string;
  }[];
  warnings: { resource: string | null; field: string | null; message: string }[];
  errors: unknown[];
  /** With --against PREVIOUS.json. */
  against?: PlanComparison & { file: string };
}

/** The document of a `plan --json` run, which must have exited 0. */
export function jsonPlanOf(r: CliRun): JsonPlan {
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as JsonPlan;
}

const emptyCwd = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-arm-cwd-"));
const bin = path.join(repoRoot, "bin/aspire-arm.js");

export function cli(...argv: string[]): Promise<CliRun> {
  return cliIn(emptyCwd, ...argv);
}

/** `aspire-arm` run in `cwd`, which may hold a Pulumi.<stack>.yaml. */
export function cliIn(cwd: string, ...argv: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [bin, ...argv],
      { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
      (error, out, err) => {
        if (error && typeof error.code !== "number") reject(error);
        else resolve({ code: error ? Number(error.code) : 0, out, err });
      },
    );
  });
}

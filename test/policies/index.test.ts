// Every policy together (policies/index.ts): a compliant stack on both clouds, the list the pack
// runs, then every rule over what the real program creates for the starter app under Pulumi's mocks.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  checkAll,
  POLICIES,
  type PolicyContext,
  policyContextFromPlan,
  secretsInOutputs,
  secretValues,
} from "../../policies";
import { readStackConfig } from "../../src/config/stack-config";
import { loadManifest } from "../../src/manifest";
import { buildPlan } from "../../src/plan";
import { runProgramWithMocks } from "../../src/cli/mock-program";
import { compliant, ctx, found, sshCtx } from "./support";
import { programFile, repoRoot, starterManifest } from "../support/paths";

test("a compliant stack on both clouds breaks no policy", () => {
  assert.deepEqual(checkAll(compliant(), ctx), []);
  assert.deepEqual(checkAll(compliant(), sshCtx), []);
});

test("the policies are listed once each, with a description, in the order checkAll runs them", () => {
  assert.deepEqual(
    POLICIES.map((p) => p.name),
    [
      "arm64-only",
      "imdsv2-required",
      "disks-encrypted",
      "no-open-ingress",
      "no-ssh-unless-enabled",
      "no-secret-in-user-data",
      "gcp-ingress-default-deny",
    ],
  );
  for (const p of POLICIES) assert.ok(p.description.length > 20, p.name);
  assert.deepEqual(
    POLICIES.filter((p) => p.usesContext).map((p) => p.name),
    ["no-open-ingress", "no-ssh-unless-enabled"],
  );
});

// --- end to end: the real program under mocks -------------------------------------------------

const CANARY = "CANARY-policy-7c1e5b2a9d";

/** The plan the program deploys for this config, and so the policy context of its stack. */
function contextFor(config: Record<string, string>, stack: string): PolicyContext {
  const { config: deploy, errors } = readStackConfig(config);
  assert.deepEqual(errors, []);
  const { manifest } = loadManifest(deploy.manifest);
  const { plan } = buildPlan(manifest, { ...deploy.plan, stack });
  return policyContextFromPlan(plan, deploy.ssh);
}

async function endToEnd(
  cloud: "aws" | "gcp",
  extra: Record<string, string>,
  instanceType: string,
): Promise<void> {
  const config = {
    "aspire:cloud": cloud,
    "aspire:manifest": starterManifest,
    "aspire:parameters.cache-password": CANARY,
    ...extra,
  };
  const run = await runProgramWithMocks(programFile, "policytest", config, [
    "aspire:parameters.cache-password",
  ]);
  const types = new Set(run.resources.map((r) => r.type));
  assert.ok(
    types.has(instanceType),
    `dist/index.js created no ${instanceType} for the starter app on ${cloud} (created: ${[...types].join(", ") || "nothing"}): the program does not deploy its cloud component yet`,
  );
  const secrets = secretValues(run.resources);
  assert.ok(
    secrets.includes(CANARY),
    `the cache-password canary is not among the stack's secret values (${secrets.length} found): the secret check would prove nothing`,
  );

  const ctx = contextFor(config, "policytest");
  const violations = checkAll(run.resources, ctx);
  assert.deepEqual(
    violations,
    [],
    violations.map((v) => `${v.policy} ${v.type} ${v.resource}: ${v.message}`).join("\n"),
  );
  assert.deepEqual(secretsInOutputs(run.outputs, [CANARY]), []);

  // The rules did look at the instances: the same stack with an x86 type breaks arm64-only.
  const x86 = run.resources.map((r) =>
    r.type === instanceType
      ? {
          ...r,
          inputs: {
            ...r.inputs,
            [cloud === "aws" ? "instanceType" : "machineType"]:
              cloud === "aws" ? "t3.small" : "n2-standard-2",
          },
        }
      : r,
  );
  assert.ok(checkAll(x86, ctx).some((v) => v.policy === "arm64-only"));
  // On GCP, the deny of all other ingress is there: without it the stack breaks its policy.
  if (cloud === "gcp") {
    const open = run.resources.filter(
      (r) => !(r.type === "gcp:compute/firewall:Firewall" && r.inputs.denies),
    );
    assert.equal(open.length, run.resources.length - 1);
    assert.deepEqual(found(checkAll(open, ctx)), ["gcp-ingress-default-deny app-app"]);
  }
}

test("end to end: the starter app on AWS breaks no policy, and no output holds the secret", async () => {
  await endToEnd("aws", { "aws:region": "us-east-1" }, "aws:ec2/instance:Instance");
});

test(
  "end to end: the starter app on GCP breaks no policy, and no output holds the secret",
  {
    skip: fs.existsSync(path.join(repoRoot, "components/gcp/arm-app.ts"))
      ? false
      : "components/gcp/arm-app.ts does not exist yet",
  },
  async () => {
    await endToEnd(
      "gcp",
      { "gcp:zone": "us-central1-a", "gcp:project": "demo" },
      "gcp:compute/instance:Instance",
    );
  },
);

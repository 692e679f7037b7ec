// The GitHub Actions workflows (.github/workflows/) validated offline with @action-validator/cli
// (the workflow schema it ships; it fetches nothing), and the pipeline's promises checked in them:
// every stack of the repository is in .github/stacks.json, the plan report is one sticky comment
// per stack, previews go through pulumi/actions with comment-on-pr and edit-pr-comment, cloud
// access only through OIDC (no key in any workflow), and `pulumi up` only for opted-in stacks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { repoRoot } from "../support/paths";

const workflowsDir = path.join(repoRoot, ".github/workflows");
const validator = path.join(repoRoot, "node_modules/.bin/action-validator");
const workflows = fs.readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f));

type Step = { uses?: string; with?: Record<string, unknown>; run?: string; if?: string };
type Job = {
  permissions?: Record<string, string>;
  steps?: Step[];
  if?: string;
  strategy?: { matrix?: { include?: string } };
};
const load = (f: string) =>
  yaml.load(fs.readFileSync(path.join(workflowsDir, f), "utf8")) as {
    on: Record<string, unknown>;
    permissions?: Record<string, string>;
    jobs: Record<string, Job>;
  };

test("every workflow passes @action-validator/cli, and a broken one does not (the validator really checks)", () => {
  assert.deepEqual(workflows.sort(), ["deploy.yml", "pull-request.yml"]);
  for (const f of workflows) {
    const r = spawnSync(validator, [path.join(workflowsDir, f)], { encoding: "utf8" });
    assert.equal(r.status, 0, `${f}: ${r.stdout}${r.stderr}`);
  }
  const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wf-")), "broken.yml");
  fs.writeFileSync(
    broken,
    fs
      .readFileSync(path.join(workflowsDir, "pull-request.yml"), "utf8")
      .replace("runs-on:", "runs-onn:"),
  );
  const r = spawnSync(validator, [broken], { encoding: "utf8" });
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout + r.stderr, /runs-onn/);
});

test("stacks.json lists every Pulumi.<stack>.yaml with its cloud; up is opt-in", () => {
  const stacks = JSON.parse(
    fs.readFileSync(path.join(repoRoot, ".github/stacks.json"), "utf8"),
  ) as {
    stack: string;
    cloud: string;
    up: boolean;
  }[];
  const files = fs
    .readdirSync(repoRoot)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
  assert.deepEqual(stacks.map((s) => s.stack).sort(), files);
  for (const s of stacks) {
    const config = (
      yaml.load(fs.readFileSync(path.join(repoRoot, `Pulumi.${s.stack}.yaml`), "utf8")) as {
        config: Record<string, unknown>;
      }
    ).config;
    assert.equal(s.cloud, config["aspire:cloud"] ?? "aws", s.stack);
    assert.equal(typeof s.up, "boolean");
  }
});

test("pull requests: npm ci and npm test; per stack check, the plan report as one sticky comment per stack, and pulumi preview commenting once per stack", () => {
  const wf = load("pull-request.yml");
  assert.ok("pull_request" in wf.on);
  assert.deepEqual(wf.permissions, { contents: "read" });
  const runs = (job: Job) => (job.steps ?? []).map((s) => s.run ?? "").join("\n");
  assert.match(runs(wf.jobs.test), /npm ci\n[^]*npm test/);
  const report = wf.jobs["plan-report"];
  assert.equal(report.strategy?.matrix?.include, "${{ fromJSON(needs.stacks.outputs.stacks) }}");
  assert.match(runs(report), /bin\/aspire-arm\.js check /);
  assert.match(
    runs(report),
    /plan --stack "\$STACK" --json --no-resources > \.\.\/base-plan\.json/,
  );
  assert.match(runs(report), /plan --stack "\$STACK" --markdown \$against > \.\.\/report\.md/);
  const sticky = report.steps?.find((s) =>
    s.uses?.startsWith("marocchino/sticky-pull-request-comment@"),
  );
  assert.equal(sticky?.with?.header, "aspire-arm-plan-${{ matrix.stack }}");
  assert.deepEqual(report.permissions, { contents: "read", "pull-requests": "write" });
  const preview = wf.jobs.preview;
  const pulumi = preview.steps?.find((s) => s.uses?.startsWith("pulumi/actions@"));
  assert.equal(pulumi?.with?.command, "preview");
  assert.equal(pulumi?.with?.["comment-on-pr"], true);
  assert.equal(pulumi?.with?.["edit-pr-comment"], true);
  assert.deepEqual(preview.permissions, {
    contents: "read",
    "pull-requests": "write",
    "id-token": "write",
  });
});

test("cloud access by OIDC only: a role to assume and a workload identity provider, no key or password anywhere; every action pinned to a major version", () => {
  for (const f of workflows) {
    const text = fs.readFileSync(path.join(workflowsDir, f), "utf8");
    assert.doesNotMatch(
      text,
      /aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|credentials_json|PULUMI_ACCESS_TOKEN/,
      f,
    );
    for (const [, action, ref] of text.matchAll(/uses: ([\w./-]+)@(\S+)/g))
      assert.match(ref, /^v\d+$/, `${f}: ${action}@${ref}`);
    const steps = Object.values(load(f).jobs).flatMap((j) => j.steps ?? []);
    const aws = steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
    const gcp = steps.find((s) => s.uses?.startsWith("google-github-actions/auth@"));
    assert.match(
      String(aws?.with?.["role-to-assume"]),
      /^\$\{\{ vars\.AWS_(PREVIEW|DEPLOY)_ROLE_ARN \}\}$/,
      f,
    );
    assert.match(
      String(gcp?.with?.workload_identity_provider),
      /vars\.GCP_WORKLOAD_IDENTITY_PROVIDER/,
      f,
    );
  }
  // Previews assume the read-only role, deploys the deploy role.
  assert.match(
    fs.readFileSync(path.join(workflowsDir, "pull-request.yml"), "utf8"),
    /AWS_PREVIEW_ROLE_ARN/,
  );
  assert.doesNotMatch(
    fs.readFileSync(path.join(workflowsDir, "pull-request.yml"), "utf8"),
    /DEPLOY/,
  );
});

test("main: pulumi up only for the stacks that opt in", () => {
  const wf = load("deploy.yml");
  assert.deepEqual(wf.on, { push: { branches: ["main"] } });
  const list = wf.jobs.stacks.steps?.map((s) => s.run ?? "").join("\n") ?? "";
  assert.match(list, /select\(\.up == true\)/);
  // The filter as the job runs it, with jq when the machine has it.
  const jq = spawnSync("jq", ["--version"]);
  if (jq.status === 0) {
    const up = execFileSync("jq", ["-c", "[.[] | select(.up == true)]"], {
      input: JSON.stringify([
        { stack: "a", up: true },
        { stack: "b", up: false },
      ]),
      encoding: "utf8",
    });
    assert.equal(up.trim(), '[{"stack":"a","up":true}]');
  }
  const pulumi = wf.jobs.up.steps?.find((s) => s.uses?.startsWith("pulumi/actions@"));
  assert.equal(pulumi?.with?.command, "up");
  assert.equal(wf.jobs.up.if, "needs.stacks.outputs.up != '[]'");
});

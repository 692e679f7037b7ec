// The Markdown report of `plan --markdown` (src/cli/plan-report.ts), in-process on plan documents:
// a 200-VM change stays under the 60,000 characters of a pull request comment and says what it
// left out; unchanged VMs are counted, not listed; a value from the manifest cannot close a
// section, start a table row or a link; and the cost per VM and its change.
import { test } from "node:test";
import assert from "node:assert/strict";
import { comparePlans, type PlanDocument, type PlannedVm } from "../../src/cli/compare-plans";
import type { PlannedService } from "../../src/cli/app-changes";
import { md, planReport, REPORT_LIMIT } from "../../src/cli/plan-report";
import { stackCost } from "../../src/plan";
import type { VmInputs } from "../../src/render/vm-inputs";

const INPUTS: VmInputs = {
  cloud: "gcp",
  instanceType: "t2a-standard-1",
  os: "ubuntu-24.04",
  image: "ubuntu-os-cloud/ubuntu-2404-lts-arm64",
  runtime: "docker",
  bootDiskGb: 20,
  bootDiskType: "pd-balanced",
  dataDiskGb: 0,
  dataDiskType: null,
  network: "default",
  sshKey: null,
  userDataSha256: "a".repeat(64),
  vmEnv: { ASPIRE_RUNTIME: "docker" },
};

const service = (name: string, image: string, env: Record<string, string>): PlannedService => ({
  name,
  image,
  env,
  secretEnv: [],
  ports: [{ binding: "http", protocol: "tcp", targetPort: 8080, exposure: "none" }],
});

/** `n` VMs of three services each, at version `v`: every service's image and env differ by v. */
function fleet(n: number, v: number, inputs: Partial<VmInputs> = {}): PlanDocument {
  const vms: PlannedVm[] = [];
  for (let i = 0; i < n; i++)
    vms.push({
      name: `vm-${i}`,
      vmInputs: { ...INPUTS, ...inputs },
      release: { id: `${v}`.padStart(16, "0"), bytes: 9000 },
      app: {
        services: ["api", "worker", "cache"].map((s) =>
          service(
            `${s}-${i}`,
            `registry.example.com/team/${s}@sha256:${`${v}`.repeat(64).slice(0, 64)}`,
            {
              FEATURE_FLAGS: `on-${v}-${"x".repeat(80)}`,
              [`ONLY_IN_V${v}`]: "1",
            },
          ),
        ),
        publicEndpoints: [],
        secrets: ["db-password"],
        secretVersions: { "db-password": `stack-file:${v}` },
      },
    });
  return { cloud: "gcp", stack: "prod", vms };
}

const reportOf = (before: PlanDocument, after: PlanDocument, limit?: number) =>
  planReport(
    {
      cloud: "gcp",
      stack: "prod",
      vms: after.vms.map((vm) => ({
        name: vm.name,
        services: vm.app?.services.map((s) => s.name) ?? [],
      })),
      cost: stackCost(
        "gcp",
        after.vms.map((vm) => vm.vmInputs),
      ),
      comparison: comparePlans(before, after),
      previousCost: stackCost(
        "gcp",
        before.vms.map((vm) => vm.vmInputs),
      ),
      previousVmCost: new Map(
        before.vms.map((vm) => [vm.name, stackCost("gcp", [vm.vmInputs]).vms[0]]),
      ),
      problems: [],
      warnings: 0,
    },
    limit,
  );

test("a 200-VM change (every VM replaced, every service's image and env changed, a secret rotated): under 60,000 characters, the summary table first, and the details it left out said", () => {
  const report = reportOf(
    fleet(200, 1),
    fleet(200, 2, { instanceType: "c4a-standard-1", bootDiskType: "hyperdisk-balanced" }),
  );
  assert.ok(report.length <= REPORT_LIMIT, `${report.length} characters`);
  assert.ok(report.length > REPORT_LIMIT * 0.8, `${report.length}: the budget is used`);
  assert.match(
    report,
    /^### aspire-arm plan: stack prod on GCP\n\n\*\*200 new VM \(replaced\)\*\*\./,
  );
  const table = report.indexOf("| VM | deploy |");
  const firstDetails = report.indexOf("<details>");
  assert.ok(table > 0 && table < firstDetails, "the table comes before the details");
  // Every opened section is closed: nothing left out cuts one in half.
  assert.equal(report.split("<details>").length, report.split("</details>").length);
  const shown = report.split("<details>").length - 1;
  assert.ok(shown > 0 && shown < 200, `${shown} sections`);
  assert.match(
    report,
    new RegExp(
      `_Details of ${200 - shown} more VMs left out to stay under 60,000 characters: run \`aspire-arm plan --against\` for all of them\\._`,
    ),
  );
  // The replacement and what forces it, the image digest, the env keys, the rotated secret.
  assert.match(
    report,
    /<summary><b>vm-0<\/b>: new VM: boot disk type changed \(pd-balanced -&gt; hyperdisk-balanced\), instance type changed/,
  );
  assert.match(
    report,
    /- api-0: image registry\.example\.com\/team\/api@sha256:1{64} -&gt; registry\.example\.com\/team\/api@sha256:2{64}/,
  );
  assert.match(report, /- api-0: env ONLY\\_IN\\_V2 added \("1"\)/);
  assert.match(report, /- api-0: env ONLY\\_IN\\_V1 removed \(was "1"\)/);
  assert.match(report, /- secret: db-password rotated \(a new version\)/);
  // The new type has no price here (Hyperdisk Balanced is not in the table): said, not guessed.
  assert.match(report, /Cost unknown \(a VM part has no price\)/);
  assert.match(report, /\| vm-0 \| \*\*new VM \(replaced\)\*\* \| 13 \| no price \| — \|/);
});

test("a smaller limit keeps the head and foot and cuts table rows, saying how many", () => {
  const report = reportOf(fleet(200, 1), fleet(200, 2), 6000);
  assert.ok(report.length <= 6000, `${report.length}`);
  assert.match(report, /_\d+ more table rows left out \(the comment's size limit\)\._/);
  assert.match(report, /<sub>On-demand prices of us-central1/);
});

test("unchanged VMs are counted and named in one line, never a row each; a change's cost delta", () => {
  const before = fleet(5, 1);
  const changed = fleet(5, 2, { instanceType: "t2a-standard-2" }).vms[2];
  const after = { ...before, vms: before.vms.map((vm, i) => (i === 2 ? changed : vm)) };
  const report = reportOf(before, after);
  assert.match(report, /^4 VMs unchanged: vm-0, vm-1, vm-3, vm-4$/m);
  assert.equal(report.match(/^\| vm-/gm)?.length, 1);
  // t2a-standard-1 -> -2 in us-central1: 0.0385/h more, x 730; 20 GB pd-balanced $2, IPv4 $3.65.
  // 13 app changes: 3 services x (image, 1 env changed, 1 added, 1 removed), and the secret.
  assert.match(report, /^\| vm-2 \| stopped and started \| 13 \| \$61\.86 \| \+\$28\.10 \|$/m);
  assert.match(
    report,
    /Cost \$196\.88\/month \(was \$168\.78: \+\$28\.10\); on x86 \$\d+\.\d\d\/month, Arm saves \$\d+\.\d\d/,
  );
});

test("md: a manifest value cannot close a section, add a table cell, a link or an image; long values are cut", () => {
  const evil =
    "x</details><details><summary>y | z ![i](http://e) [l](http://e) `c` *b* _u_ \\ ~s~\nnext";
  const out = md(evil);
  assert.doesNotMatch(out, /<|>/);
  assert.doesNotMatch(out, /(^|[^\\])\|/);
  assert.doesNotMatch(out, /(^|[^\\])\[/);
  assert.doesNotMatch(out, /\n/);
  assert.equal(
    out,
    "x&lt;/details&gt;&lt;details&gt;&lt;summary&gt;y \\| z !\\[i\\](http://e) \\[l\\](http://e) \\`c\\` \\*b\\* \\_u\\_ \\\\ \\~s\\~ next",
  );
  assert.equal(md("a".repeat(500)).length, 201);
});

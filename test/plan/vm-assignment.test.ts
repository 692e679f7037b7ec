// Which VM each service lands on, and the VM settings refused before anything is created: asserted
// on the plan (its VMs, their services and settings) and on the warnings and errors it gives.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadManifest } from "../../src/manifest";
import {
  buildPlan,
  DOTNET_END_OF_SUPPORT,
  osImage,
  PlanError,
  type PlanOptions,
} from "../../src/plan";
import { fixture, starterManifest } from "./plan-support";

const { manifest: starter } = loadManifest(starterManifest);
const plan = (options: Partial<PlanOptions>) =>
  buildPlan(starter, { cloud: "aws", stack: "dev", ...options });
/** The plan's errors as `field: message`, none when it plans. */
function errorsOf(options: Partial<PlanOptions>, cloud: "aws" | "gcp" = "aws"): string[] {
  try {
    buildPlan(starter, { cloud, stack: "dev", ...options });
    return [];
  } catch (e) {
    if (!(e instanceof PlanError)) throw e;
    return e.diagnostics.map((d) => `${d.field}: ${d.message}`);
  }
}
const layout = (options: Partial<PlanOptions>) =>
  plan(options).plan.vms.map((v) => `${v.name}: ${v.services.map((s) => s.name).join(" ")}`);

test("a service no VM group names runs on the first VM, with a warning naming it and the VM", () => {
  const { plan: p, warnings } = plan({
    vms: { data: { resources: ["cache"] }, web: { resources: ["webfrontend"] } },
  });
  assert.deepEqual(
    p.vms.map((v) => `${v.name}: ${v.services.map((s) => s.name).join(" ")}`),
    ["data: cache apiservice", "web: webfrontend"],
  );
  assert.deepEqual(
    warnings.filter((w) => w.resource === "apiservice"),
    [
      {
        resource: "apiservice",
        field: null,
        message: "no VM group names apiservice: it runs on data, the first VM.",
      },
    ],
  );
  // Every service named: no such warning.
  const named = plan({
    vms: { data: { resources: ["cache"] }, web: { resources: ["webfrontend", "APISERVICE"] } },
  });
  assert.deepEqual(
    named.warnings.filter((w) => /no VM group names/.test(w.message)),
    [],
  );
  assert.deepEqual(
    named.plan.vms.map((v) => v.services.map((s) => s.name)),
    [["cache"], ["apiservice", "webfrontend"]],
  );
});

test("a VM group that ends up with no service is not created, unless it is the only VM", () => {
  assert.deepEqual(
    layout({
      vms: { app: { resources: ["cache", "apiservice", "webfrontend"] }, spare: { resources: [] } },
    }),
    ["app: cache apiservice webfrontend"],
  );
  assert.deepEqual(layout({ vms: { only: { resources: [] } } }), [
    "only: cache apiservice webfrontend",
  ]);
});

test("VM groups keep their own settings and take the stack defaults for the rest", () => {
  const { plan: p } = plan({
    instanceType: "m7g.large",
    diskSizeGb: 30,
    runtime: "dotnet",
    vms: {
      data: {
        resources: ["cache"],
        instanceType: "r7g.large",
        diskSizeGb: 50,
        runtime: "docker",
        os: "al2023",
      },
      app: { resources: ["apiservice", "webfrontend"] },
    },
  });
  assert.deepEqual(
    p.vms.map((v) => [v.name, v.instanceType, v.diskSizeGb, v.runtime, v.os]),
    [
      ["data", "r7g.large", 50, "docker", "al2023"],
      ["app", "m7g.large", 30, "dotnet", "ubuntu-24.04"],
    ],
  );
  assert.deepEqual(
    plan({}).plan.vms.map((v) => [v.name, v.instanceType, v.diskSizeGb, v.runtime, v.os]),
    [["app", "t4g.small", 20, "docker", "ubuntu-24.04"]],
  );
  const gcp = buildPlan(starter, { cloud: "gcp", stack: "dev" }).plan;
  assert.equal(gcp.vms[0].instanceType, "t2a-standard-1");
});

test("vmPerService: one VM per service, named after it, and each runs that service only", () => {
  assert.deepEqual(layout({ vmPerService: true }), [
    "cache: cache",
    "apiservice: apiservice",
    "webfrontend: webfrontend",
  ]);
  // Names that collide once made safe get a numeric suffix.
  const { manifest } = loadManifest(fixture("plan-redis-family.json"));
  const names = buildPlan(manifest, {
    cloud: "aws",
    stack: "dev",
    vmPerService: true,
  }).plan.vms.map((v) => v.name);
  assert.equal(new Set(names).size, names.length, names.join(" "));
  // vms wins over vmPerService.
  assert.deepEqual(
    layout({
      vmPerService: true,
      vms: { one: { resources: ["cache", "apiservice", "webfrontend"] } },
    }),
    ["one: cache apiservice webfrontend"],
  );
});

test("VM group mistakes are errors naming the group: unknown service, a parameter, a service placed twice, a bad or long name", () => {
  assert.deepEqual(errorsOf({ vms: { a: { resources: ["cache", "nope"] } } }), [
    "vms.a: there is no service named nope in the manifest (services: cache, apiservice, webfrontend).",
  ]);
  assert.deepEqual(errorsOf({ vms: { a: { resources: ["cache-password"] } } }), [
    "vms.a: cache-password is a parameter.v0, which does not run anywhere: place only services (cache, apiservice, webfrontend).",
  ]);
  assert.deepEqual(
    errorsOf({ vms: { a: { resources: ["cache"] }, b: { resources: ["Cache"] } } }),
    ["vms.b: cache is placed on both a and b: place it on one VM."],
  );
  assert.deepEqual(errorsOf({ vms: { Data_1: { resources: ["cache"] } } }), [
    'vms.Data_1: VM name "Data_1" must be lower-case letters, digits and dashes (for example "data-1").',
  ]);
  const long = "v".repeat(41);
  const e = errorsOf({ vms: { [long]: { resources: ["cache"] } } });
  assert.equal(e.length, 1);
  assert.match(
    e[0],
    new RegExp(
      `^vms\\.${long}: VM name "${long}" is 41 characters: at most 40 .*for example "${"v".repeat(40)}"\\.$`,
    ),
  );
  assert.deepEqual(errorsOf({ vms: { ["v".repeat(40)]: { resources: ["cache"] } } }), []);
});

test("x86 instance types are refused with the Arm type to use, under the key that set them", () => {
  assert.deepEqual(errorsOf({ instanceType: "t3.small" }), [
    "instanceType: VM app: t3.small is not an Arm EC2 instance type (use Graviton families such as t4g, m7g, c7g, r8g): try t4g.small.",
  ]);
  assert.deepEqual(
    errorsOf({
      vms: {
        data: { resources: ["cache"], instanceType: "m5.large" },
        app: { resources: ["apiservice", "webfrontend"] },
      },
    }),
    [
      "vms.data.instanceType: VM data: m5.large is not an Arm EC2 instance type (use Graviton families such as t4g, m7g, c7g, r8g): try m7g.large.",
    ],
  );
  // The stack default applies to every group that sets none: each VM is named.
  assert.deepEqual(
    errorsOf({
      instanceType: "c5.xlarge",
      vms: { a: { resources: ["cache"] }, b: { resources: ["apiservice", "webfrontend"] } },
    }).map((e) => e.slice(0, e.indexOf(" is "))),
    ["instanceType: VM a: c5.xlarge", "instanceType: VM b: c5.xlarge"],
  );
  assert.deepEqual(errorsOf({ instanceType: "e2-standard-2" }, "gcp"), [
    "instanceType: VM app: e2-standard-2 is not an Arm machine type (use t2a-*, c4a-* or n4a-*): try t2a-standard-2.",
  ]);
  for (const ok of ["t4g.nano", "m7g.large", "c7gn.xlarge", "a1.medium"])
    assert.deepEqual(errorsOf({ instanceType: ok }), [], ok);
  for (const ok of ["t2a-standard-4", "c4a-highmem-8", "n4a-standard-2"])
    assert.equal(
      buildPlan(starter, { cloud: "gcp", stack: "dev", instanceType: ok }).plan.vms[0].instanceType,
      ok,
    );
});

test("every problem of a plan is in one PlanError: its message names each, one after another", () => {
  assert.throws(
    () =>
      plan({
        instanceType: "c5.xlarge",
        vms: { a: { resources: ["cache"] }, b: { resources: ["apiservice", "webfrontend"] } },
      }),
    (e: unknown) => {
      assert.ok(e instanceof PlanError);
      assert.equal(e.name, "PlanError");
      const one = (vm: string) =>
        `instanceType: VM ${vm}: c5.xlarge is not an Arm EC2 instance type (use Graviton families such as t4g, m7g, c7g, r8g): try c7g.xlarge.`;
      assert.equal(e.message, `${one("a")}; ${one("b")}`);
      assert.equal(e.diagnostics.length, 2);
      return true;
    },
  );
});

test("Amazon Linux 2023 is refused on GCP, per VM, and taken on AWS", () => {
  const gcp = (options: Partial<PlanOptions>) => errorsOf(options, "gcp");
  assert.deepEqual(gcp({ os: "al2023" }), [
    'vms.app.os: Amazon Linux 2023 runs on AWS only: use "ubuntu-24.04" on GCP.',
  ]);
  assert.deepEqual(
    gcp({
      vms: {
        a: { resources: ["cache"], os: "al2023" },
        b: { resources: ["apiservice", "webfrontend"] },
      },
    }),
    ['vms.a.os: Amazon Linux 2023 runs on AWS only: use "ubuntu-24.04" on GCP.'],
  );
  assert.deepEqual(plan({ os: "al2023" }).plan.vms[0].os, "al2023");
});

test("boot disks below 10 GB, fractional or too large are refused: once for the stack key, once per VM that sets its own", () => {
  assert.deepEqual(
    errorsOf({
      diskSizeGb: 9,
      vms: {
        a: { resources: ["cache"] },
        b: { resources: ["apiservice"], diskSizeGb: 5 },
        c: { resources: ["webfrontend"] },
      },
    }).map((e) => e.slice(0, e.indexOf(":"))),
    ["diskSizeGb", "vms.b.diskSizeGb"],
  );
  assert.match(
    errorsOf({ diskSizeGb: 12.5 })[0],
    /^diskSizeGb: the boot disk size must be a whole number of GB \(got 12\.5\)\. Example: pulumi config set aspire:diskSizeGb 20$/,
  );
  assert.match(
    errorsOf({ diskSizeGb: 9 })[0],
    /^diskSizeGb: a boot disk of 9 GB is too small: at least 10 GB/,
  );
  assert.match(
    errorsOf({ diskSizeGb: 65537 }, "gcp")[0],
    /a boot disk of 65537 GB is larger than a Google Cloud disk can be: at most 65536 GB\./,
  );
  assert.deepEqual(errorsOf({ diskSizeGb: 10 }), []);
  assert.deepEqual(plan({ diskSizeGb: 10 }).plan.vms[0].diskSizeGb, 10);
});

test("each OS boots its arm64 image: the SSM public parameters on AWS (FACTS.md 2b), the image family on GCP; .NET's support dates", () => {
  assert.equal(
    osImage("aws", "al2023"),
    "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
  );
  assert.equal(
    osImage("aws", "ubuntu-24.04"),
    "/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id",
  );
  assert.equal(osImage("gcp", "ubuntu-24.04"), "ubuntu-os-cloud/ubuntu-2404-lts-arm64");
  assert.equal(osImage("gcp", "al2023"), undefined);
  // https://dotnet.microsoft.com/platform/support/policy/dotnet-core: .NET 10 (LTS) to 2028-11-14.
  assert.deepEqual(DOTNET_END_OF_SUPPORT, {
    "8.0": "2026-11-10",
    "9.0": "2026-11-10",
    "10.0": "2028-11-14",
  });
});

// Two plans compared VM by VM (src/cli/compare-plans.ts), in-process on plan documents: the
// verdict per VM (unchanged, rolled out, updated or stopped and started in place, new VM, refused,
// added, removed), the changed inputs with the deciding one first, the user data's changed vm.env
// settings, the text; and the previous plans it refuses, each with one reason.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  comparePlans,
  comparisonLines,
  parsePlanDocument,
  PlanDocumentError,
  verdictText,
  type PlanDocument,
  type PlannedVm,
} from "../../src/cli/compare-plans";
import type { VmInputs } from "../../src/render/vm-inputs";

const INPUTS: VmInputs = {
  cloud: "aws",
  instanceType: "t4g.small",
  os: "ubuntu-24.04",
  image: "/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id",
  runtime: "docker",
  bootDiskGb: 20,
  bootDiskType: "gp3",
  dataDiskGb: 0,
  dataDiskType: null,
  network: "default",
  sshKey: null,
  userDataSha256: "a".repeat(64),
  vmEnv: { ASPIRE_VM: "app", ASPIRE_RUNTIME: "docker", ASPIRE_DATA_DISK: "" },
};

const vm = (name: string, release: string, inputs: Partial<VmInputs> = {}): PlannedVm => ({
  name,
  vmInputs: { ...INPUTS, vmEnv: { ...INPUTS.vmEnv, ASPIRE_VM: name }, ...inputs },
  release: { id: release, bytes: 7000 },
});

const doc = (...vms: PlannedVm[]): PlanDocument => ({ cloud: "aws", stack: "dev", vms });

const verdicts = (before: PlanDocument, after: PlanDocument) =>
  Object.fromEntries(comparePlans(before, after).vms.map((c) => [c.vm, verdictText(c)]));

test("the same inputs and releases: unchanged; a new release only: rolled out in place, with both ids", () => {
  const before = doc(vm("app", "1111111111111111"), vm("data", "2222222222222222"));
  assert.deepEqual(verdicts(before, before), { app: "unchanged", data: "unchanged" });
  const after = doc(vm("app", "3333333333333333"), vm("data", "2222222222222222"));
  assert.deepEqual(verdicts(before, after), {
    app: "rolled out in place: release 1111111111111111 -> 3333333333333333",
    data: "unchanged",
  });
  const [app] = comparePlans(before, after).vms;
  assert.deepEqual(app, {
    vm: "app",
    verdict: "rollout",
    release: { before: "1111111111111111", after: "3333333333333333" },
    changes: [],
  });
});

test("a new VM names every changed input, the deciding ones first, and the user data's changed settings", () => {
  const before = doc(vm("app", "1111111111111111"));
  const after = doc(
    vm("app", "3333333333333333", {
      runtime: "dotnet",
      instanceType: "t4g.medium",
      userDataSha256: "b".repeat(64),
      vmEnv: { ASPIRE_VM: "app", ASPIRE_RUNTIME: "dotnet", ASPIRE_DATA_DISK: "" },
    }),
  );
  const [c] = comparePlans(before, after).vms;
  assert.equal(c.verdict, "replace");
  assert.deepEqual(
    c.changes.map((x) => [x.key, x.effect]),
    [
      ["runtime", "replace"],
      ["userDataSha256", "replace"],
      ["instanceType", "restart"],
    ],
  );
  assert.deepEqual(c.changes[1].details, ['ASPIRE_RUNTIME "docker" -> "dotnet"']);
  assert.equal(
    verdictText(c),
    'new VM: runtime changed (docker -> dotnet), user data changed (ASPIRE_RUNTIME "docker" -> "dotnet"), instance type changed (t4g.small -> t4g.medium); release 1111111111111111 -> 3333333333333333',
  );
  // Why, for the changes that decide the verdict.
  const lines = comparisonLines(comparePlans(before, after));
  assert.equal(lines[0], `  app: ${verdictText(c)}`);
  assert.deepEqual(
    lines.slice(1).map((l) => l.trim().split(":")[0]),
    ["runtime", "user data"],
  );
  // A user data that changed in its scripts only (an upgrade of aspire-arm) says so.
  const scripts = comparePlans(before, doc(vm("app", "1111111111111111", { userDataSha256: "c" })));
  assert.equal(verdictText(scripts.vms[0]), "new VM: user data changed (its bootstrap scripts)");
});

test("in place: a type change stops and starts the VM; a larger boot disk is updated; a release rides along", () => {
  const before = doc(vm("app", "1111111111111111"));
  assert.deepEqual(
    verdicts(before, doc(vm("app", "1111111111111111", { instanceType: "m7g.large" }))),
    {
      app: "stopped and started in place: instance type changed (t4g.small -> m7g.large)",
    },
  );
  assert.deepEqual(verdicts(before, doc(vm("app", "3333333333333333", { bootDiskGb: 30 }))), {
    app: "updated in place: boot disk size changed (20 GB -> 30 GB); rolled out in place: release 1111111111111111 -> 3333333333333333",
  });
  assert.deepEqual(verdicts(before, doc(vm("app", "1111111111111111", { bootDiskGb: 10 }))), {
    app: "cannot be applied: boot disk size changed (20 GB -> 10 GB)",
  });
});

test("a data disk that comes is one change (its type with it); a data disk of another type is refused", () => {
  const before = doc(vm("app", "1111111111111111"));
  const [c] = comparePlans(
    before,
    doc(
      vm("app", "3333333333333333", {
        dataDiskGb: 20,
        dataDiskType: "gp3",
        userDataSha256: "b".repeat(64),
        vmEnv: { ASPIRE_VM: "app", ASPIRE_RUNTIME: "docker", ASPIRE_DATA_DISK: "/dev/x" },
      }),
    ),
  ).vms;
  assert.equal(
    verdictText(c),
    'new VM: data disk changed (none -> 20 GB), user data changed (ASPIRE_DATA_DISK "" -> "/dev/x"); release 1111111111111111 -> 3333333333333333',
  );
  const gcp = (type: string): Partial<VmInputs> => ({
    cloud: "gcp",
    dataDiskGb: 20,
    dataDiskType: type,
  });
  const [t] = comparePlans(
    doc(vm("db", "1111111111111111", gcp("pd-balanced"))),
    doc(vm("db", "1111111111111111", gcp("hyperdisk-balanced"))),
  ).vms;
  assert.equal(t.verdict, "refused");
  assert.match(t.changes[0].why, /protectData/);
});

test("VMs only one plan has: added (with its release) and removed, after the current plan's VMs", () => {
  const one = doc(vm("app", "1111111111111111"));
  const two = doc(vm("app", "3333333333333333"), vm("data", "2222222222222222"));
  assert.deepEqual(verdicts(one, two), {
    app: "rolled out in place: release 1111111111111111 -> 3333333333333333",
    data: "added (release 2222222222222222)",
  });
  const back = comparePlans(two, one);
  assert.deepEqual(
    back.vms.map((c) => [c.vm, c.verdict]),
    [
      ["app", "rollout"],
      ["data", "removed"],
    ],
  );
  assert.equal(verdictText(back.vms[1]), "removed");
});

test("a previous plan of another stack or cloud: a note first; every VM compared by name", () => {
  const lines = comparisonLines(
    comparePlans(
      { ...doc(vm("app", "1111111111111111")), stack: "prod" },
      doc(vm("app", "1111111111111111")),
    ),
  );
  assert.deepEqual(lines, [
    "  note: the previous plan is of stack prod on aws, this one of stack dev on aws",
    "  app: unchanged",
  ]);
});

test("previous plans that cannot be compared: one reason each", () => {
  const reason = (text: string) => {
    try {
      parsePlanDocument(text);
    } catch (e) {
      assert.ok(e instanceof PlanDocumentError, String(e));
      assert.ok(!e.message.includes("\n"), e.message);
      return e.message;
    }
    assert.fail(`accepted: ${text}`);
  };
  assert.match(reason("{"), /^not JSON \(/);
  assert.match(reason("[1]"), /^not the output of `aspire-arm plan --json`/);
  assert.match(reason('{"cloud":"aws","vms":{}}'), /^not the output of/);
  assert.match(reason('{"cloud":"aws","vms":[{}]}'), /^vms\[0\] has no name/);
  assert.match(
    reason('{"cloud":"aws","vms":[{"name":"app"}]}'),
    /^VM app has no vmInputs: write it again/,
  );
  const { vmEnv: _env, ...noEnv } = INPUTS;
  void _env;
  const { runtime: _runtime, ...noRuntime } = INPUTS;
  void _runtime;
  const planned = (inputs: unknown, release: unknown = { id: "1", bytes: 1 }) =>
    JSON.stringify({
      cloud: "aws",
      stack: "dev",
      vms: [{ name: "app", vmInputs: inputs, release }],
    });
  assert.match(reason(planned(noRuntime)), /^VM app has no vmInputs\.runtime/);
  assert.match(reason(planned(noEnv)), /^VM app has no vmInputs\.vmEnv/);
  assert.match(reason(planned(INPUTS, {})), /^VM app has no release id/);
  assert.deepEqual(
    parsePlanDocument(planned(INPUTS)),
    doc({ name: "app", vmInputs: INPUTS, release: { id: "1", bytes: 1 } }),
  );
});

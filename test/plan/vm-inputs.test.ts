// What `aspire-arm plan` says each VM is created with (vmInputs, src/render/vm-inputs.ts) and the
// release app changes roll out to it: --json on both clouds, for one VM and for two, checked
// against what --out writes (the user data, the release and its id); the text line per VM; and
// the rules of what a change of each input does.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { readStackConfig } from "../../src/config/stack-config";
import type { Cloud } from "../../src/plan";
import { renderVm } from "../../src/render";
import {
  sshFingerprint,
  VM_INPUT_RULES,
  vmInputs,
  vmInputsFingerprint,
  type InputKey,
  type VmInputs,
} from "../../src/render/vm-inputs";
import { cli, jsonPlanOf } from "./cli-support";
import { planFile, starterManifest, tempDir, vmEnvOf } from "./plan-support";

const SPLIT = ["--vm", "app=apiservice,webfrontend", "--vm", "data=cache"];

for (const cloud of ["aws", "gcp"] as const)
  for (const [what, placement] of [
    ["one VM", []],
    ["two VMs", SPLIT],
  ] as const)
    test(`--json on ${cloud}, ${what}: each VM's vmInputs, fingerprint and release are what --out writes; the text names them`, async () => {
      const dir = tempDir(`vm-inputs-${cloud}`);
      const args = ["plan", starterManifest, "--cloud", cloud, "--no-resources", ...placement];
      const [json, text] = await Promise.all([cli(...args, "--json", "--out", dir), cli(...args)]);
      const doc = jsonPlanOf(json);
      assert.equal(text.code, 0, text.err);
      assert.equal(doc.vms.length, placement.length ? 2 : 1);
      for (const vm of doc.vms) {
        const i = vm.vmInputs;
        assert.deepEqual(Object.keys(i).sort(), [...VM_INPUT_KEYS, "vmEnv"].sort());
        assert.equal(i.cloud, cloud);
        assert.equal(i.instanceType, vm.instanceType);
        assert.equal(i.os, vm.os);
        assert.equal(i.runtime, vm.runtime);
        assert.equal(i.bootDiskGb, vm.diskSizeGb);
        assert.equal(
          i.image,
          cloud === "aws"
            ? "/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id"
            : "ubuntu-os-cloud/ubuntu-2404-lts-arm64",
        );
        assert.equal(i.bootDiskType, cloud === "aws" ? "gp3" : "pd-balanced");
        assert.deepEqual(
          [i.dataDiskGb, i.dataDiskType, i.network, i.sshKey],
          [0, null, "default", null],
        );
        // The user data exactly as sent: gzipped on AWS, the cloud-config itself on GCP.
        const cloudConfig = fs.readFileSync(path.join(dir, vm.name, "user-data"));
        const sent = cloud === "aws" ? zlib.gzipSync(cloudConfig, { level: 9 }) : cloudConfig;
        assert.equal(i.userDataSha256, crypto.createHash("sha256").update(sent).digest("hex"));
        assert.deepEqual(i.vmEnv, Object.fromEntries(vmEnvOf(cloudConfig.toString("utf8"))));
        assert.equal(i.vmEnv.ASPIRE_VM, vm.name);
        // The release: its id and gzipped size, as --out writes it.
        const gz = fs.readFileSync(path.join(dir, vm.name, "release.json.gz"));
        assert.deepEqual(vm.release, {
          id: fs.readFileSync(path.join(dir, vm.name, "release-id"), "utf8").trim(),
          bytes: gz.length,
        });
        assert.match(vm.release.id, /^[0-9a-f]{16}$/);
        assert.equal(vm.vmInputsFingerprint, vmInputsFingerprint(i));
        assert.match(vm.vmInputsFingerprint, /^[0-9a-f]{16}$/);
        // One line per VM after its listing: the release, and the VM inputs' fingerprint.
        const listing = text.out.slice(text.out.indexOf(`\nVM ${vm.name}:`));
        const line = `  release ${vm.release.id} (${(gz.length / 1024).toFixed(1)} KB gzipped): app changes roll out to this VM in place; VM inputs ${vm.vmInputsFingerprint}\n`;
        assert.ok(listing.includes(line), `${vm.name}: ${line}`);
        assert.ok(listing.indexOf(line) < (listing.indexOf("\n\n", 1) + 1 || listing.length));
      }
      // Two VMs: the same shape, their own settings.
      if (placement.length)
        assert.notEqual(doc.vms[0].vmInputs.userDataSha256, doc.vms[1].vmInputs.userDataSha256);
      fs.rmSync(dir, { recursive: true, force: true });
    });

const VM_INPUT_KEYS: readonly InputKey[] = [
  "cloud",
  "instanceType",
  "os",
  "image",
  "runtime",
  "bootDiskGb",
  "bootDiskType",
  "dataDiskGb",
  "dataDiskType",
  "network",
  "sshKey",
  "userDataSha256",
];

test("every VM input has one rule of what its change does, and vmInputs gives every input", () => {
  assert.deepEqual(VM_INPUT_RULES.map((r) => r.key).sort(), [...VM_INPUT_KEYS].sort());
  assert.equal(new Set(VM_INPUT_RULES.map((r) => r.label)).size, VM_INPUT_RULES.length);
});

/** vmInputs of the starter's VM in-process, with stack settings. */
function inputsOf(cloud: Cloud, config: Record<string, unknown> = {}): VmInputs {
  const { config: c, errors } = readStackConfig({
    "aws:region": "us-east-1",
    "gcp:zone": "us-central1-a",
    "gcp:project": "p",
    "aspire:cloud": cloud,
    "aspire:manifest": starterManifest,
    ...config,
  });
  assert.deepEqual(errors, []);
  const plan = planFile(starterManifest, c.plan);
  const vm = plan.vms[0];
  const r = renderVm(plan, vm, { secretSource: { kind: "aws-ssm", region: "us-east-1" } });
  return vmInputs(plan, r, { network: c.network, ssh: c.ssh });
}

const KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAA8vZN+BKCDUB51b9kEgBKDL2RqskPbpx0jNUmKgdR6 me@laptop";

test("vmInputs: the SSH key by its OpenSSH fingerprint (as ssh-keygen -l prints it), only when SSH is on; the network as configured", () => {
  assert.equal(
    sshFingerprint(KEY),
    "ssh-ed25519 SHA256:w/C+nRQFg63zTeMUziE3eWvYSWZYBDpw0IWHHhLBX2M",
  );
  const ssh = { enabled: true, cidrs: ["203.0.113.7/32"], publicKey: KEY };
  assert.equal(inputsOf("aws", { "aspire:ssh": ssh }).sshKey, sshFingerprint(KEY));
  assert.equal(inputsOf("aws", { "aspire:ssh": { ...ssh, enabled: false } }).sshKey, null);
  assert.equal(inputsOf("aws").network, "default");
  assert.equal(inputsOf("aws", { "aspire:network": "create" }).network, "created 10.42.0.0/16");
  assert.equal(
    inputsOf("aws", { "aspire:network": { vpcId: "vpc-0abc", subnetIds: ["subnet-0def"] } })
      .network,
    "vpc vpc-0abc, subnets subnet-0def",
  );
  assert.equal(
    inputsOf("gcp", { "aspire:network": { network: "my-vpc", subnetwork: "my-subnet" } }).network,
    "network my-vpc, subnetwork my-subnet",
  );
  // The fingerprint follows every input, and only the inputs.
  const base = inputsOf("aws");
  assert.equal(vmInputsFingerprint(base), vmInputsFingerprint({ ...base }));
  assert.notEqual(vmInputsFingerprint(base), vmInputsFingerprint({ ...base, bootDiskGb: 30 }));
  assert.notEqual(
    vmInputsFingerprint(base),
    vmInputsFingerprint({ ...base, vmEnv: { ...base.vmEnv, ASPIRE_RUNTIME: "dotnet" } }),
  );
});

const effectOf = (cloud: Cloud, key: InputKey, before: unknown, after: unknown) => {
  const rule = VM_INPUT_RULES.find((r) => r.key === key);
  assert.ok(rule, key);
  return rule.effect(cloud, before as never, after as never)?.effect ?? "(with another input)";
};

test("what a change of each input does: new VM, stopped and started, updated in place, or refused, per cloud", () => {
  const cases: [Cloud, InputKey, unknown, unknown, string][] = [
    ["aws", "cloud", "aws", "gcp", "replace"],
    ["aws", "userDataSha256", "a", "b", "replace"],
    ["gcp", "userDataSha256", "a", "b", "replace"],
    ["aws", "runtime", "docker", "dotnet", "replace"],
    ["aws", "os", "ubuntu-24.04", "al2023", "replace"],
    ["gcp", "image", "x", "y", "replace"],
    // EC2 and Compute Engine change the type of a stopped instance.
    ["aws", "instanceType", "t4g.small", "t4g.medium", "restart"],
    ["gcp", "instanceType", "t2a-standard-1", "t2a-standard-2", "restart"],
    ["gcp", "bootDiskType", "pd-balanced", "hyperdisk-balanced", "replace"],
    // An EBS root volume grows in place and never shrinks; a GCP boot disk is made with its size.
    ["aws", "bootDiskGb", 20, 30, "update"],
    ["aws", "bootDiskGb", 30, 20, "refused"],
    ["gcp", "bootDiskGb", 20, 30, "replace"],
    // A data disk appearing or going changes the user data (its device); its growth is in place.
    ["aws", "dataDiskGb", 0, 20, "replace"],
    ["gcp", "dataDiskGb", 20, 0, "replace"],
    ["aws", "dataDiskGb", 20, 30, "update"],
    ["gcp", "dataDiskGb", 30, 20, "refused"],
    ["gcp", "dataDiskType", "pd-balanced", "hyperdisk-balanced", "refused"],
    // A data disk coming or going is the data disk input's change, not its type's.
    ["gcp", "dataDiskType", null, "pd-balanced", "(with another input)"],
    // The key pair is set at launch on EC2; GCP's ssh-keys metadata changes in place.
    ["aws", "sshKey", null, "k", "replace"],
    ["gcp", "sshKey", null, "k", "update"],
    ["aws", "network", "default", "created 10.42.0.0/16", "replace"],
    ["gcp", "network", "default", "created 10.42.0.0/16", "restart"],
  ];
  for (const [cloud, key, before, after, effect] of cases)
    assert.equal(
      effectOf(cloud, key, before, after),
      effect,
      `${cloud} ${key} ${before} -> ${after}`,
    );
});

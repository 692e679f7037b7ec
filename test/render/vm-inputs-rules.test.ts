// What `aspire-arm plan --against PREVIOUS.json` tells a user about a change of each VM-level input
// (VM_INPUT_RULES, src/render/vm-inputs.ts), per cloud: the verdict (new VM, stopped and started,
// updated in place, cannot be applied) and the reason printed under it, which must name the
// mechanism the user has to know about (the EC2 subnetId, Compute Engine's allowStoppingForUpdate,
// an EBS volume that cannot shrink, protectData, ...); and, when a deploy changes several inputs,
// that the most severe change decides the verdict.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  comparePlans,
  comparisonLines,
  verdictText,
  type PlanDocument,
} from "../../src/cli/compare-plans";
import type { Cloud } from "../../src/plan";
import { sshFingerprint, vmInputs, type VmInputs } from "../../src/render/vm-inputs";
import { planFile, render, starterManifest } from "../plan/plan-support";

/** The starter's one VM on a cloud, its inputs as `plan --json` gives them. */
const STARTER: Record<Cloud, VmInputs> = {
  aws: starterInputs("aws"),
  gcp: starterInputs("gcp"),
};

function starterInputs(cloud: Cloud): VmInputs {
  const plan = planFile(starterManifest, { cloud });
  return vmInputs(plan, render(plan, plan.vms[0]));
}

/** A plan document of the starter's VM "app" on a cloud, some of its inputs changed. */
function planned(cloud: Cloud, change: Partial<VmInputs>): PlanDocument {
  return {
    cloud,
    stack: "dev",
    vms: [
      {
        name: "app",
        vmInputs: { ...STARTER[cloud], ...change },
        release: { id: "1111111111111111", bytes: 7000 },
      },
    ],
  };
}

/** What `plan --against` prints for the VM when the previous plan had `before` and this one `after`. */
function deploy(cloud: Cloud, before: Partial<VmInputs>, after: Partial<VmInputs>) {
  const comparison = comparePlans(planned(cloud, before), planned(cloud, after));
  const [vm] = comparison.vms;
  const lines = comparisonLines(comparison);
  assert.equal(lines[0], `  app: ${verdictText(vm)}`);
  return {
    verdict: vm.verdict,
    text: verdictText(vm),
    /** The reason printed under the verdict for the input the user knows by this name. */
    why(name: string): string {
      const line = lines.find((l) => l.startsWith(`      ${name}: `));
      assert.ok(line, `no reason printed for "${name}" in:\n${lines.join("\n")}`);
      return line.slice(`      ${name}: `.length);
    },
  };
}

const UBUNTU_AMI =
  "/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id";
const AL2023_AMI = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";

const KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAA8vZN+BKCDUB51b9kEgBKDL2RqskPbpx0jNUmKgdR6 me@laptop";

interface Case {
  readonly spec: string;
  readonly cloud: Cloud;
  readonly before: Partial<VmInputs>;
  readonly after: Partial<VmInputs>;
  /** The verdict the user reads for the VM. */
  readonly verdict: string;
  /** The input's name in the verdict and its reason; the reason must match every `says`, no `not`. */
  readonly name: string;
  readonly says: readonly RegExp[];
  readonly not?: readonly RegExp[];
}

const CASES: readonly Case[] = [
  {
    spec: "a VM moved to another cloud is a new VM: a VM does not move between clouds",
    cloud: "aws",
    before: {},
    after: { cloud: "gcp" },
    verdict: "new VM: cloud changed (aws -> gcp)",
    name: "cloud",
    says: [/does not move between clouds/],
  },
  {
    spec: "AWS, another network: a new VM, as an EC2 instance does not move to another subnet (subnetId)",
    cloud: "aws",
    before: {},
    after: { network: "vpc vpc-0abc, subnets subnet-0def" },
    verdict: "new VM: network changed (default -> vpc vpc-0abc, subnets subnet-0def)",
    name: "network",
    says: [/EC2 instance/, /another subnet/, /\(subnetId\)/],
  },
  {
    spec: "GCP, another network: stopped and started (allowStoppingForUpdate), disks kept, a new ephemeral address",
    cloud: "gcp",
    before: {},
    after: { network: "network my-vpc, subnetwork my-subnet" },
    verdict:
      "stopped and started in place: network changed (default -> network my-vpc, subnetwork my-subnet)",
    name: "network",
    says: [
      /Compute Engine stops the instance/,
      /network interface/,
      /\(allowStoppingForUpdate\)/,
      /disks are kept/,
      /ephemeral public address changes/,
    ],
  },
  {
    spec: "AWS, another OS: a new VM, its boot disk made from another image, the AMI following the OS",
    cloud: "aws",
    before: {},
    after: { os: "al2023", image: AL2023_AMI },
    verdict: `new VM: OS changed (ubuntu-24.04 -> al2023), OS image changed (${UBUNTU_AMI} -> ${AL2023_AMI})`,
    name: "OS",
    says: [/boot disk is made from another image/],
  },
  {
    spec: "AWS, another image: a new VM, as the AMI forces a new instance",
    cloud: "aws",
    before: {},
    after: { image: AL2023_AMI },
    verdict: `new VM: OS image changed (${UBUNTU_AMI} -> ${AL2023_AMI})`,
    name: "OS image",
    says: [/\bAMI\b/, /forces a new instance/, /follows its OS/],
    not: [/initializeParams/],
  },
  {
    spec: "GCP, another image family: a new VM, as the boot disk's image is set when it is made (initializeParams)",
    cloud: "gcp",
    before: {},
    after: { image: "ubuntu-os-cloud/ubuntu-2504-arm64" },
    verdict:
      "new VM: OS image changed (ubuntu-os-cloud/ubuntu-2404-lts-arm64 -> ubuntu-os-cloud/ubuntu-2504-arm64)",
    name: "OS image",
    says: [/boot disk's image/, /set when the disk is made/, /\(initializeParams\)/],
    not: [/\bAMI\b/],
  },
  {
    spec: "another runtime: a new VM, as the bootstrap installs it from the user data (ASPIRE_RUNTIME)",
    cloud: "aws",
    before: {},
    after: { runtime: "dotnet" },
    verdict: "new VM: runtime changed (docker -> dotnet)",
    name: "runtime",
    says: [/bootstrap installs it/, /user data/, /vm\.env ASPIRE_RUNTIME/],
  },
  {
    spec: "GCP, another boot disk type: a new VM, as the type is set when the disk is made (Hyperdisk or Persistent Disk by series)",
    cloud: "gcp",
    before: {},
    after: { bootDiskType: "hyperdisk-balanced" },
    verdict: "new VM: boot disk type changed (pd-balanced -> hyperdisk-balanced)",
    name: "boot disk type",
    says: [
      /set when it is made/,
      /initializeParams/,
      /C4A and N4A take Hyperdisk/,
      /T2A Persistent Disk/,
    ],
  },
  {
    spec: "GCP, another boot disk size: a new VM, as the size is set when the disk is made (initializeParams)",
    cloud: "gcp",
    before: {},
    after: { bootDiskGb: 40 },
    verdict: "new VM: boot disk size changed (20 GB -> 40 GB)",
    name: "boot disk size",
    says: [/boot disk's size is set when it is made/, /initializeParams forces a new instance/],
  },
  {
    spec: "AWS, a larger boot disk: updated in place, the EBS root volume grows (ModifyVolume)",
    cloud: "aws",
    before: {},
    after: { bootDiskGb: 30 },
    verdict: "updated in place: boot disk size changed (20 GB -> 30 GB)",
    name: "boot disk size",
    says: [/EBS root volume grows in place/, /\(ModifyVolume\)/],
  },
  {
    spec: "AWS, a smaller boot disk: cannot be applied, an EBS volume cannot shrink",
    cloud: "aws",
    before: { bootDiskGb: 30 },
    after: { bootDiskGb: 20 },
    verdict: "cannot be applied: boot disk size changed (30 GB -> 20 GB)",
    name: "boot disk size",
    says: [/EBS volume cannot shrink/, /the update fails/],
  },
  {
    spec: "AWS, a data disk that comes: a new VM, as the user data names its device (ASPIRE_DATA_DISK); its type comes with it",
    cloud: "aws",
    before: {},
    after: { dataDiskGb: 20, dataDiskType: "gp3" },
    verdict: "new VM: data disk changed (none -> 20 GB)",
    name: "data disk",
    says: [/user data names the data disk's device/, /vm\.env ASPIRE_DATA_DISK/],
  },
  {
    spec: "GCP, a data disk that goes: a new VM (not refused for its type going too); a protected disk is kept",
    cloud: "gcp",
    before: { dataDiskGb: 20, dataDiskType: "pd-balanced" },
    after: {},
    verdict: "new VM: data disk changed (20 GB -> none)",
    name: "data disk",
    says: [/ASPIRE_DATA_DISK/, /protected data disk \(aspire:protectData\) is kept/],
  },
  {
    spec: "a larger data disk: updated in place, the disk grows",
    cloud: "gcp",
    before: { dataDiskGb: 20, dataDiskType: "pd-balanced" },
    after: { dataDiskGb: 50, dataDiskType: "pd-balanced" },
    verdict: "updated in place: data disk changed (20 GB -> 50 GB)",
    name: "data disk",
    says: [/data disk grows in place/],
  },
  {
    spec: "AWS, a smaller data disk: cannot be applied, an EBS volume cannot shrink",
    cloud: "aws",
    before: { dataDiskGb: 50, dataDiskType: "gp3" },
    after: { dataDiskGb: 20, dataDiskType: "gp3" },
    verdict: "cannot be applied: data disk changed (50 GB -> 20 GB)",
    name: "data disk",
    says: [/EBS volume cannot shrink/, /the update fails/],
    not: [/protectData/],
  },
  {
    spec: "GCP, a smaller data disk: cannot be applied, it would be made again empty and protectData stops it",
    cloud: "gcp",
    before: { dataDiskGb: 50, dataDiskType: "pd-balanced" },
    after: { dataDiskGb: 20, dataDiskType: "pd-balanced" },
    verdict: "cannot be applied: data disk changed (50 GB -> 20 GB)",
    name: "data disk",
    says: [/made again, empty/, /protectData stops it/],
    not: [/EBS/],
  },
  {
    spec: "GCP, a data disk of another type: cannot be applied, a new empty disk that protectData stops",
    cloud: "gcp",
    before: { dataDiskGb: 20, dataDiskType: "pd-balanced" },
    after: { dataDiskGb: 20, dataDiskType: "hyperdisk-balanced" },
    verdict: "cannot be applied: data disk type changed (pd-balanced -> hyperdisk-balanced)",
    name: "data disk type",
    says: [/new, empty disk/, /protectData stops it/, /move the data yourself/],
  },
  {
    spec: "AWS, another instance type: stopped and started by EC2, disks kept, the address changes unless aspire:elasticIp",
    cloud: "aws",
    before: {},
    after: { instanceType: "m7g.large" },
    verdict: "stopped and started in place: instance type changed (t4g.small -> m7g.large)",
    name: "instance type",
    says: [/EC2 stops the instance/, /disks are kept/, /unless aspire:elasticIp/, /new VMs/],
    not: [/allowStoppingForUpdate/],
  },
  {
    spec: "GCP, another machine type: stopped and started by Compute Engine (allowStoppingForUpdate), disks kept",
    cloud: "gcp",
    before: {},
    after: { instanceType: "t2a-standard-2" },
    verdict:
      "stopped and started in place: instance type changed (t2a-standard-1 -> t2a-standard-2)",
    name: "instance type",
    says: [
      /Compute Engine stops the instance/,
      /machine type/,
      /\(allowStoppingForUpdate\)/,
      /ephemeral public address changes/,
    ],
    not: [/EC2/, /elasticIp/],
  },
  {
    spec: "AWS, another SSH key: a new VM, as EC2 gives the key pair at launch only (keyName)",
    cloud: "aws",
    before: {},
    after: { sshKey: sshFingerprint(KEY) },
    verdict: `new VM: SSH key changed (none -> ${sshFingerprint(KEY)})`,
    name: "SSH key",
    says: [/key pair at launch only/, /\(keyName\)/],
  },
  {
    spec: "GCP, another SSH key: updated in place, in the ssh-keys metadata",
    cloud: "gcp",
    before: {},
    after: { sshKey: sshFingerprint(KEY) },
    verdict: `updated in place: SSH key changed (none -> ${sshFingerprint(KEY)})`,
    name: "SSH key",
    says: [/ssh-keys metadata is updated in place/],
  },
  {
    spec: "another user data: a new VM, as cloud-init runs it at first boot only",
    cloud: "gcp",
    before: {},
    after: { userDataSha256: "b".repeat(64) },
    verdict: "new VM: user data changed (its bootstrap scripts)",
    name: "user data",
    says: [/first boot only/, /replaceOnChanges on GCP/],
  },
];

for (const c of CASES)
  test(`plan --against: ${c.spec}`, () => {
    const d = deploy(c.cloud, c.before, c.after);
    assert.equal(d.text, c.verdict);
    const why = d.why(c.name);
    for (const says of c.says) assert.match(why, says);
    for (const not of c.not ?? []) assert.doesNotMatch(why, not);
  });

test("plan --against: several changes at once, the most severe decides the verdict and its reason is printed", () => {
  // A larger EBS root volume (in place) and another instance type (a stop): stopped and started.
  const restart = deploy("aws", {}, { bootDiskGb: 30, instanceType: "m7g.large" });
  assert.equal(
    restart.text,
    "stopped and started in place: instance type changed (t4g.small -> m7g.large), boot disk size changed (20 GB -> 30 GB)",
  );
  assert.match(restart.why("instance type"), /EC2 stops the instance/);
  // Another SSH key (in place on GCP) and another network (a stop): stopped and started.
  const gcp = deploy("gcp", {}, { network: "network my-vpc", sshKey: sshFingerprint(KEY) });
  assert.equal(gcp.verdict, "restart");
  assert.match(gcp.why("network"), /allowStoppingForUpdate/);
  // A smaller data disk (refused: the disk is its own EBS volume, kept across a new instance) and
  // another user data (a new VM): cannot be applied.
  const refused = deploy(
    "aws",
    { dataDiskGb: 50, dataDiskType: "gp3" },
    { dataDiskGb: 20, dataDiskType: "gp3", userDataSha256: "b".repeat(64) },
  );
  assert.equal(
    refused.text,
    "cannot be applied: data disk changed (50 GB -> 20 GB), user data changed (its bootstrap scripts)",
  );
  assert.match(refused.why("data disk"), /EBS volume cannot shrink/);
  // A new VM (another runtime) over a stop (another instance type): a new VM.
  assert.equal(
    deploy("aws", {}, { runtime: "dotnet", instanceType: "m7g.large" }).verdict,
    "replace",
  );
});

test("plan --against: AWS, a smaller boot disk in a VM that another change makes new: a new VM, its root volume made at that size (refused only in place)", () => {
  const shrunk = deploy(
    "aws",
    { bootDiskGb: 30 },
    { bootDiskGb: 20, userDataSha256: "b".repeat(64) },
  );
  assert.equal(shrunk.verdict, "replace");
  assert.match(
    shrunk.why("boot disk size"),
    /new instance is made with a root volume of this size/,
  );
  assert.match(shrunk.why("user data"), /first boot only/);
  // Without the new instance, the EBS root volume would have to shrink in place: refused.
  assert.equal(deploy("aws", { bootDiskGb: 30 }, { bootDiskGb: 20 }).verdict, "refused");
  // A smaller data disk stays refused: it is its own volume, kept across the new instance.
  const data = deploy(
    "aws",
    { bootDiskGb: 30, dataDiskGb: 50, dataDiskType: "gp3" },
    { bootDiskGb: 20, dataDiskGb: 20, dataDiskType: "gp3", userDataSha256: "b".repeat(64) },
  );
  assert.equal(data.verdict, "refused");
  assert.match(data.why("data disk"), /EBS volume cannot shrink/);
});

// Arm instance and machine types: which types are Arm, the Arm type suggested for an x86 one (the
// size kept where Graviton or Tau/Axion has it), and the disk type each GCP series takes.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  armEquivalent,
  gcpDiskType,
  isArmInstanceType,
  nonArmTypeMessage,
  type Cloud,
} from "../../src/plan";

test("AWS: Graviton families (a1 and <letters><generation>g<options>) are Arm, with a size; x86 and look-alikes are not", () => {
  for (const type of [
    "a1.medium",
    "t4g.nano",
    "m7g.large",
    "c8g.xlarge",
    "r8gd.2xlarge",
    "c7gn.large",
    "im4gn.large",
    "is4gen.xlarge",
    "x2gd.metal",
  ])
    assert.equal(isArmInstanceType("aws", type), true, type);
  for (const type of [
    "m7.large",
    "t3.micro",
    "m7i-flex.large",
    "m7g", // no size
    "xa1.large", // contains a1, is not a1
    "a1x.large",
    "m7g1.large", // a Graviton family followed by more
    "7g.large",
  ])
    assert.equal(isArmInstanceType("aws", type), false, type);
});

/** Cloud, x86 type and the Arm type suggested for it; `#` lines say why. */
const SUGGESTED = `
aws  t3.micro             t4g.micro
aws  t2.nano              t4g.nano
aws  t3a.small            t4g.small
aws  m5.large             m7g.large
aws  c5.xlarge            c7g.xlarge
aws  r6i.4xlarge          r7g.4xlarge
aws  x1e.xlarge           x2gd.xlarge
aws  i3.large             i4g.large
aws  g4dn.xlarge          g5g.xlarge
aws  z1d.large            m7g.large
aws  h1.2xlarge           c7g.2xlarge
# A class Graviton has no family for: the general-purpose one.
aws  p3.2xlarge           m7g.2xlarge
# Below medium there is only t4g: a nano or micro of another class becomes a medium.
aws  m5.micro             m7g.medium
aws  c5.nano              c7g.medium
# No size: a large.
aws  m5                   m7g.large
# GCP: standard types up to 48 vCPUs go to T2A, highcpu, highmem and larger ones to C4A.
gcp  n2-standard-4        t2a-standard-4
gcp  e2-standard-16       t2a-standard-16
gcp  n2d-standard-48      t2a-standard-48
gcp  n2-standard-64       c4a-standard-64
gcp  n2-highcpu-8         c4a-highcpu-8
gcp  e2-highmem-4         c4a-highmem-4
gcp  c2-highcpu-60        c4a-highcpu-60
# Shapes and suffixes the Arm series do not have: the smallest T2A.
gcp  e2-micro             t2a-standard-1
gcp  e2-medium            t2a-standard-1
gcp  n1-custom-4-16384    t2a-standard-1
gcp  c3-standard-4-lssd   t2a-standard-1
gcp  f1                   t2a-standard-1
`
  .split("\n")
  .filter((l) => l !== "" && !l.startsWith("#"))
  .map((l) => l.split(/ +/) as [Cloud, string, string]);

test("the suggested Arm type keeps the class and the size where the Arm series have them", () => {
  assert.equal(SUGGESTED.length, 27, "every row of the table is read");
  for (const [cloud, type, arm] of SUGGESTED) assert.equal(armEquivalent(cloud, type), arm, type);
});

test("the message for an x86 type names the Arm families and the type to try; an Arm type has none", () => {
  assert.equal(
    nonArmTypeMessage("aws", "m5"),
    "m5 is not an Arm EC2 instance type (use Graviton families such as t4g, m7g, c7g, r8g): try m7g.large.",
  );
  assert.equal(
    nonArmTypeMessage("gcp", "n2-highmem-8"),
    "n2-highmem-8 is not an Arm machine type (use t2a-*, c4a-* or n4a-*): try c4a-highmem-8.",
  );
  assert.equal(nonArmTypeMessage("aws", "m7g.large"), undefined);
  assert.equal(nonArmTypeMessage("gcp", "c4a-highcpu-8"), undefined);
});

test("GCP: the T2A, C4A and N4A series are Arm; other series and a bare series name are not", () => {
  const arm = ["t2a-standard-4", "c4a-highcpu-8", "n4a-standard-2"];
  const x86 = ["n2-standard-4", "t2d-standard-4", "c4-standard-8", "t2a"];
  assert.deepEqual(
    [...arm, ...x86].filter((t) => isArmInstanceType("gcp", t)),
    arm,
  );
});

test("GCP disks: Persistent Disk for T2A, Hyperdisk for C4A and N4A", () => {
  const pd = ["t2a-standard-1", "t2a-standard-48"];
  const hyperdisk = ["c4a-standard-4", "c4a-highmem-8", "n4a-standard-2"];
  assert.deepEqual(
    [...pd, ...hyperdisk].map((t) => gcpDiskType(t) === "pd-balanced"),
    [true, true, false, false, false],
  );
  assert.equal(gcpDiskType("c4a-standard-4"), "hyperdisk-balanced");
});

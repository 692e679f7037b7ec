// arm64-only (policies/arm64-only.ts) over hand-built resources.
import { test } from "node:test";
import assert from "node:assert/strict";
import { arm64Only, checkAll, type PolicyResource } from "../../policies";
import { awsInstance, ctx, found, gcpInstance } from "./support";

test("arm64-only: an x86 EC2 type (t3.small) is caught; Graviton types and an unknown type are not", () => {
  const vs = arm64Only([
    awsInstance("x86", { instanceType: "t3.small" }),
    awsInstance("graviton", { instanceType: "c7gn.large" }),
    awsInstance("a1", { instanceType: "a1.medium" }),
    awsInstance("later", { instanceType: undefined }),
  ]);
  assert.deepEqual(found(vs), ["arm64-only x86"]);
  assert.match(vs[0].message, /t3\.small is not a Graviton/);
  assert.equal(vs[0].type, "aws:ec2/instance:Instance");
  assert.deepEqual(found(checkAll([awsInstance("x86", { instanceType: "t3.small" })], ctx)), [
    "arm64-only x86",
  ]);
});

test("arm64-only: GCP needs an Arm series, an ARM64 arm64-image boot disk, and the disk type the series takes", () => {
  const cases: [PolicyResource, RegExp][] = [
    [gcpInstance("n2", "n2-standard-2"), /n2-standard-2 is not an Arm machine type/],
    [
      gcpInstance("noarch", "t2a-standard-1", {
        bootDisk: {
          initializeParams: { image: "ubuntu-os-cloud/ubuntu-2404-lts-arm64", type: "pd-balanced" },
        },
      }),
      /architecture is not set/,
    ],
    [
      gcpInstance("x86arch", "t2a-standard-1", {
        bootDisk: {
          initializeParams: {
            image: "ubuntu-os-cloud/ubuntu-2404-lts-arm64",
            type: "pd-balanced",
            architecture: "X86_64",
          },
        },
      }),
      /architecture is "X86_64"/,
    ],
    [
      gcpInstance("x86image", "t2a-standard-1", {
        bootDisk: {
          initializeParams: {
            image: "ubuntu-os-cloud/ubuntu-2404-lts-amd64",
            type: "pd-balanced",
            architecture: "ARM64",
          },
        },
      }),
      /not an arm64 image/,
    ],
    [
      gcpInstance("c4a-pd", "c4a-standard-4", {
        bootDisk: {
          initializeParams: {
            image: "ubuntu-os-cloud/ubuntu-2404-lts-arm64",
            type: "pd-balanced",
            architecture: "ARM64",
          },
        },
      }),
      /boots only from Hyperdisk.*pd-balanced/,
    ],
    [
      gcpInstance("n4a-default", "n4a-standard-2", {
        bootDisk: {
          initializeParams: {
            image: "ubuntu-os-cloud/ubuntu-2404-lts-arm64",
            architecture: "ARM64",
          },
        },
      }),
      /boots only from Hyperdisk.*not set/,
    ],
    [
      gcpInstance("t2a-hd", "t2a-standard-1", {
        bootDisk: {
          initializeParams: {
            image: "ubuntu-os-cloud/ubuntu-2404-lts-arm64",
            type: "hyperdisk-balanced",
            architecture: "ARM64",
          },
        },
      }),
      /does not support Hyperdisk/,
    ],
  ];
  for (const [r, message] of cases) {
    const vs = arm64Only([r]);
    assert.deepEqual(found(vs), [`arm64-only ${r.name}`], r.name);
    assert.match(vs[0].message, message);
  }
  // Unknown machine type and image (Outputs during a preview) are not violations.
  assert.deepEqual(
    arm64Only([
      gcpInstance("later", "t2a-standard-1", {
        machineType: undefined,
        bootDisk: { initializeParams: { architecture: "ARM64" } },
      }),
    ]),
    [],
  );
});

// disks-encrypted (policies/disks-encrypted.ts) over hand-built resources.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkAll, disksEncrypted } from "../../policies";
import { awsInstance, ctx, found } from "./support";

test("disks-encrypted: an unencrypted root, extra EBS device or volume is caught", () => {
  const vs = disksEncrypted([
    awsInstance("root", { rootBlockDevice: { volumeType: "gp3", encrypted: false } }),
    awsInstance("no-root", { rootBlockDevice: undefined }),
    awsInstance("extra", {
      ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: true }, { deviceName: "/dev/sdg" }],
    }),
    { type: "aws:ebs/volume:Volume", name: "data", inputs: { size: 20 } },
    { type: "gcp:compute/disk:Disk", name: "gcp-data", inputs: { type: "pd-balanced" } },
  ]);
  assert.deepEqual(found(vs), [
    "disks-encrypted root",
    "disks-encrypted no-root",
    "disks-encrypted extra",
    "disks-encrypted data",
  ]);
  assert.match(vs[2].message, /ebsBlockDevices\[1\]/);
  assert.deepEqual(
    found(checkAll([awsInstance("root", { rootBlockDevice: { encrypted: false } })], ctx)),
    ["disks-encrypted root"],
  );
});

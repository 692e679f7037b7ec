// The VM-level inputs `aspire-arm plan --json` shows (vmInputs, src/render/vm-inputs.ts) are what
// the program gives each instance and data disk under Pulumi's mocks, on both clouds: the type,
// the image, the boot and data disks, and the user data byte for byte (on AWS once the EBS volume's
// id, which only the cloud assigns, is the plan's placeholder). And the options the rules of what a
// change does rest on: a new user data replaces the instance, a machine type change stops it.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { runProgramWithMocks, type RecordedResource } from "../../src/cli/mock-program";
import { ebsDevicePath, OFFLINE_VOLUME_ID } from "../../src/render";
import { cli, jsonPlanOf } from "../plan/cli-support";
import { userData } from "../support/delivered";
import { programFile, SHARED_MISSING, starterManifest } from "../support/paths";
import { TESTSHOP, TESTSHOP_VMS } from "../support/testshop";

/** The plan command's offline locations (src/cli/plan-command.ts), given to the program too. */
const CLOUDS = {
  aws: { "aspire:cloud": "aws", "aws:region": "us-east-1" },
  gcp: { "aspire:cloud": "gcp", "gcp:zone": "us-central1-a", "gcp:project": "(your-gcp-project)" },
} as const;

const APPS = [
  {
    name: "the starter",
    manifest: starterManifest,
    vms: {} as Readonly<Record<string, readonly string[]>>,
  },
  {
    name: "TestShop on two VMs (data disks on both)",
    manifest: TESTSHOP,
    vms: TESTSHOP_VMS,
  },
];

/** The inputs of an instance this test reads. */
interface AwsInstance {
  instanceType: string;
  ami: string;
  rootBlockDevice: { volumeSize: number; volumeType: string };
  keyName?: string;
  userDataReplaceOnChange: boolean;
}
interface GcpInstance {
  machineType: string;
  bootDisk: { initializeParams: { image: string; size: number; type: string } };
  metadata: Record<string, string>;
  attachedDisks: unknown[];
  allowStoppingForUpdate: boolean;
}

const sha256 = (b: Buffer | string) => crypto.createHash("sha256").update(b).digest("hex");

for (const app of APPS)
  for (const cloud of ["aws", "gcp"] as const)
    test(
      `${cloud}, ${app.name}: plan's vmInputs are what the program gives each instance and data disk`,
      { skip: fs.existsSync(app.manifest) ? false : SHARED_MISSING },
      async () => {
        const placement = Object.entries(app.vms);
        const doc = jsonPlanOf(
          await cli(
            "plan",
            app.manifest,
            "--cloud",
            cloud,
            "--no-resources",
            "--json",
            ...placement.flatMap(([vm, rs]) => ["--vm", `${vm}=${rs.join(",")}`]),
          ),
        );
        const run = await runProgramWithMocks(programFile, "dev", {
          ...CLOUDS[cloud],
          "aspire:manifest": app.manifest,
          ...(placement.length ? { "aspire:vms": JSON.stringify(app.vms) } : {}),
        });
        const one = (type: string, name: string): RecordedResource | undefined =>
          run.resources.find((r) => r.type === type && r.name === name);
        assert.ok(doc.vms.length >= 1);
        for (const vm of doc.vms) {
          const want = vm.vmInputs;
          assert.equal(want.cloud, cloud);
          assert.equal(want.runtime, vm.runtime);
          assert.equal(want.vmEnv.ASPIRE_RUNTIME, vm.runtime);
          if (cloud === "aws") {
            const instance = one("aws:ec2/instance:Instance", `app-${vm.name}`);
            assert.ok(instance, vm.name);
            const i = instance.inputs as unknown as AwsInstance;
            assert.equal(i.instanceType, want.instanceType);
            assert.equal(i.ami, `ami-(${want.image})`, "the AMI the image's parameter names");
            assert.equal(i.rootBlockDevice.volumeSize, want.bootDiskGb);
            assert.equal(i.rootBlockDevice.volumeType, want.bootDiskType);
            assert.equal(i.keyName, undefined, "no SSH key: sshKey null");
            assert.equal(want.sshKey, null);
            // Premise of the rules: a new user data is a new instance.
            assert.equal(i.userDataReplaceOnChange, true);
            const disk = one("aws:ebs/volume:Volume", `app-${vm.name}-data`);
            assert.equal(disk?.inputs.size ?? 0, want.dataDiskGb);
            assert.equal(disk?.inputs.type ?? null, want.dataDiskType);
            // The user data byte for byte, the volume id (the cloud's) put back to the plan's placeholder.
            const sent = userData(instance).replace(
              ebsDevicePath(`app-${vm.name}-data-id`),
              ebsDevicePath(OFFLINE_VOLUME_ID),
            );
            assert.equal(
              sha256(zlib.gzipSync(Buffer.from(sent, "utf8"), { level: 9 })),
              want.userDataSha256,
              `${vm.name}: the user data`,
            );
            if (disk)
              assert.notEqual(sent, userData(instance), "the data disk is in the user data");
          } else {
            const instance = one("gcp:compute/instance:Instance", `app-${vm.name}`);
            assert.ok(instance, vm.name);
            const i = instance.inputs as unknown as GcpInstance;
            assert.equal(i.machineType, want.instanceType);
            assert.equal(i.bootDisk.initializeParams.image, want.image);
            assert.equal(i.bootDisk.initializeParams.size, want.bootDiskGb);
            assert.equal(i.bootDisk.initializeParams.type, want.bootDiskType);
            assert.equal(i.metadata["ssh-keys"], undefined, "no SSH key: sshKey null");
            // Premises of the rules: a new user data is a new instance; a machine type change stops it.
            assert.deepEqual(instance.options?.replaceOnChanges, ['metadata["user-data"]']);
            assert.equal(i.allowStoppingForUpdate, true);
            const disk = one("gcp:compute/disk:Disk", `app-${vm.name}-data`);
            assert.equal(disk?.inputs.size ?? 0, want.dataDiskGb);
            assert.equal(disk?.inputs.type ?? null, want.dataDiskType);
            assert.equal(i.attachedDisks.length, disk ? 1 : 0);
            // The user-data metadata value exactly as the plan renders it (plain, or base64 of gzip).
            const value = String(i.metadata["user-data"]);
            const bytes =
              i.metadata["user-data-encoding"] === "base64"
                ? Buffer.from(value, "base64")
                : Buffer.from(value, "utf8");
            assert.equal(sha256(bytes), want.userDataSha256, `${vm.name}: the user data`);
          }
        }
      },
    );

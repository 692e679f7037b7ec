// Boot disk sizes the clouds accept: at least the boot image (10 GB for Ubuntu 24.04 arm64 on
// Google Cloud), at most the disk type's maximum; refused at plan time with the key to set.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PlanError } from "../../src/plan";
import { runProgramWithMocks, type RecordedResource } from "../../src/cli/mock-program";
import { programFile } from "../support/paths";
import { planFile, starterManifest } from "./plan-support";

function planErrors(options: Parameters<typeof planFile>[1]): string[] {
  try {
    planFile(starterManifest, options);
    return [];
  } catch (e) {
    if (!(e instanceof PlanError)) throw e;
    return e.diagnostics.map((d) => `${d.field}: ${d.message}`);
  }
}

test("the boot disk is at least 10 GB: aspire:diskSizeGb below is refused once, naming the key and the image", () => {
  for (const cloud of ["aws", "gcp"] as const) {
    assert.deepEqual(planErrors({ cloud, diskSizeGb: 10 }), []);
    const errors = planErrors({ cloud, diskSizeGb: 8, vmPerService: true });
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(
      errors[0],
      /^diskSizeGb: a boot disk of 8 GB is too small: at least 10 GB \(the Ubuntu 24\.04 arm64 image on Google Cloud is 10 GB.*pulumi config set aspire:diskSizeGb 20$/,
    );
  }
});

test("a VM's own diskSizeGb is checked under its own key", () => {
  const errors = planErrors({
    cloud: "gcp",
    diskSizeGb: 30,
    vms: {
      data: { resources: ["cache"], diskSizeGb: 9 },
      app: { resources: ["apiservice", "webfrontend"] },
    },
  });
  assert.deepEqual(
    errors.map((e) => e.split(":")[0]),
    ["vms.data.diskSizeGb"],
  );
  assert.match(
    errors[0],
    /VM data: a boot disk of 9 GB is too small.*--path 'aspire:vms\.data\.diskSizeGb' 20/,
  );
});

test("at most what the disk type takes: 16,384 GiB for gp3, 65,536 GB on Google Cloud", () => {
  assert.match(
    planErrors({ cloud: "aws", diskSizeGb: 16385 })[0],
    /larger than a gp3 volume can be: at most 16384 GB/,
  );
  assert.deepEqual(planErrors({ cloud: "aws", diskSizeGb: 16384 }), []);
  assert.deepEqual(planErrors({ cloud: "gcp", diskSizeGb: 65536 }), []);
});

test("pulumi up with aspire:diskSizeGb 8 on GCP fails before any resource exists", async () => {
  let created: readonly RecordedResource[] = [];
  await assert.rejects(
    runProgramWithMocks(programFile, "test", {
      "aspire:cloud": "gcp",
      "gcp:zone": "us-central1-a",
      "gcp:project": "demo",
      "aspire:manifest": starterManifest,
      "aspire:diskSizeGb": "8",
    }).then((r) => {
      created = r.resources;
    }),
    (e: unknown) => {
      assert.equal((e as Error).constructor.name, "RunError", String(e));
      assert.match(
        (e as Error).message,
        /diskSizeGb.*at least 10 GB.*pulumi config set aspire:diskSizeGb 20/s,
      );
      return true;
    },
  );
  assert.deepEqual(created, []);
});

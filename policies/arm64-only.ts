// arm64-only: every VM is Arm, on either cloud.
import { isArmInstanceType } from "../src/plan/arm-types";
import {
  baseName,
  checkEach,
  rec,
  str,
  TYPES,
  type PolicyResource,
  type Violation,
} from "./resources";

export const ARM64_ONLY = "arm64-only";

/** Graviton EC2 types only; GCP T2A/C4A/N4A with an ARM64 boot disk of an arm64 image and the
 *  disk type the series takes. An unknown instance/machine type or image is not a violation. */
export function arm64Only(resources: readonly PolicyResource[]): Violation[] {
  return checkEach(ARM64_ONLY, resources, (r, report) => {
    if (r.type === TYPES.awsInstance) {
      const type = str(r.inputs.instanceType);
      if (type !== undefined && !isArmInstanceType("aws", type))
        report(
          `instance type ${type} is not a Graviton (arm64) type: use a family with a "g" after the generation, such as t4g, m7g, c7g, r8g.`,
        );
    } else if (r.type === TYPES.gcpInstance) {
      const machine = str(r.inputs.machineType);
      const series = machine === undefined ? undefined : baseName(machine);
      if (series !== undefined && !isArmInstanceType("gcp", series))
        report(`machine type ${series} is not an Arm machine type: use t2a-*, c4a-* or n4a-*.`);
      const params = rec(rec(r.inputs.bootDisk)?.initializeParams);
      const arch = params?.architecture;
      if (arch !== "ARM64")
        report(
          `bootDisk.initializeParams.architecture is ${arch === undefined ? "not set" : JSON.stringify(arch)}: set it to "ARM64".`,
        );
      const image = str(params?.image);
      if (image !== undefined && !image.toLowerCase().includes("arm64"))
        report(
          `boot image ${image} is not an arm64 image: use an arm64 image family (e.g. ubuntu-os-cloud/ubuntu-2404-lts-arm64).`,
        );
      if (series !== undefined && isArmInstanceType("gcp", series)) {
        const diskType = str(params?.type);
        const disk = diskType === undefined ? undefined : baseName(diskType);
        const hyperdisk = disk?.startsWith("hyperdisk-") ?? false;
        if (!series.startsWith("t2a-") && !hyperdisk)
          report(
            `${series} boots only from Hyperdisk, and the boot disk type is ${disk ?? "not set (pd-standard)"}: use hyperdisk-balanced.`,
          );
        if (series.startsWith("t2a-") && hyperdisk)
          report(`${series} (Tau T2A) does not support Hyperdisk (${disk}): use pd-balanced.`);
      }
    }
  });
}

// disks-encrypted: every EBS volume is encrypted.
import { arr, checkEach, rec, TYPES, type PolicyResource, type Violation } from "./resources";

export const DISKS_ENCRYPTED = "disks-encrypted";

/** EBS root, extra and separate volumes are encrypted. GCP Persistent Disk and Hyperdisk are
 *  always encrypted at rest (Google-managed keys unless a CMEK is given): nothing to check there. */
export function disksEncrypted(resources: readonly PolicyResource[]): Violation[] {
  return checkEach(DISKS_ENCRYPTED, resources, (r, report) => {
    if (r.type === TYPES.awsInstance) {
      if (rec(r.inputs.rootBlockDevice)?.encrypted !== true)
        report("rootBlockDevice.encrypted is not true: encrypt the root volume.");
      (arr(r.inputs.ebsBlockDevices) ?? []).forEach((d, i) => {
        if (rec(d)?.encrypted !== true)
          report(`ebsBlockDevices[${i}].encrypted is not true: encrypt the volume.`);
      });
    } else if (r.type === TYPES.awsVolume && r.inputs.encrypted !== true) {
      report("encrypted is not true: encrypt the EBS volume.");
    }
  });
}

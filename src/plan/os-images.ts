// The image each VM boots, by cloud and OS: on AWS the SSM public parameter that names the current
// arm64 AMI (FACTS.md 2b; the component pins the AMI it names when the VM is created), on GCP the
// arm64 image family the boot disk is made from (FACTS.md 2c).
import type { Cloud, OsImage } from "./options";

/** SSM public parameters of the arm64 images. */
export const AMI_PARAMETERS: Readonly<Record<OsImage, string>> = {
  "ubuntu-24.04":
    "/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id",
  al2023: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
};

/** The arm64 image family of each OS GCP can run. Amazon Linux exists only on AWS: the plan
 *  rejects it for GCP. */
export const IMAGE_FAMILIES: Readonly<Partial<Record<OsImage, string>>> = {
  "ubuntu-24.04": "ubuntu-os-cloud/ubuntu-2404-lts-arm64",
};

/** The image a VM of `os` boots on `cloud`: the AMI's SSM parameter, or the GCP image family. */
export function osImage(cloud: Cloud, os: OsImage): string | undefined {
  return cloud === "aws" ? AMI_PARAMETERS[os] : IMAGE_FAMILIES[os];
}

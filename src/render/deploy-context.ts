// What a VM is rendered with when it is deployed: where it reads its secrets, the registry it logs
// in to, its data disk's device. One function for both clouds' components (with what the cloud
// answers: account, project, the data volume's id) and for `aspire-arm plan` (with placeholders
// for what only the cloud assigns), so that the user data the plan shows is the one the VM gets.
import type { DeploymentPlan, VmPlan } from "../plan";
import type { RenderContext } from "./context";

/** GCP: the data disk's device name, and so its path on the VM (the guest environment's udev
 *  rules name attached disks `google-<device name>`). */
export const GCP_DATA_DEVICE_NAME = "data";
export const GCP_DATA_DISK = `/dev/disk/by-id/google-${GCP_DATA_DEVICE_NAME}`;

/** AWS: the data disk as the VM sees it: Nitro exposes EBS volumes as NVMe devices named by volume id. */
export function ebsDevicePath(volumeId: string): string {
  return `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volumeId.replace("-", "")}`;
}

/** GCP: the region of a zone (gcp:zone): us-central1-a -> us-central1. */
export function regionOf(zone: string): string {
  return zone.replace(/-[a-z]$/, "");
}

/** What the deployment knows about where a VM runs. */
export interface DeployFacts {
  /** AWS: the region; GCP: the zone's region. */
  readonly region: string;
  /** AWS: the account id (the registry's host). */
  readonly account?: string;
  /** GCP: the project id (the secrets' project). */
  readonly project?: string;
  /** AWS: the id of the VM's EBS data volume, once it exists (a VM with named volumes has one). */
  readonly dataVolumeId?: string;
  readonly dotnetChannel?: string;
}

/** The render context of a VM as its cloud's component renders it. */
export function deployRenderContext(
  plan: DeploymentPlan,
  vm: VmPlan,
  facts: DeployFacts,
): RenderContext {
  return plan.cloud === "aws"
    ? {
        secretSource: { kind: "aws-ssm", region: facts.region },
        registry: `${facts.account}.dkr.ecr.${facts.region}.amazonaws.com`,
        dataDisks: facts.dataVolumeId ? { [vm.name]: ebsDevicePath(facts.dataVolumeId) } : {},
        dotnetChannel: facts.dotnetChannel,
      }
    : {
        secretSource: { kind: "gcp-secret-manager", project: facts.project },
        dataDisks: vm.dataDiskGb ? { [vm.name]: GCP_DATA_DISK } : {},
        registry: `${facts.region}-docker.pkg.dev`,
        dotnetChannel: facts.dotnetChannel,
      };
}

/** Offline (`aspire-arm plan`), what only the cloud assigns: the AWS account, as the mock run
 *  answers it, and the data volume's id. Placeholders, the same in every plan, so that two plans
 *  compare as two deployments would. */
export const OFFLINE_AWS_ACCOUNT = "000000000000";
export const OFFLINE_VOLUME_ID = "vol-00000000000000000";

export function offlineDeployFacts(
  plan: DeploymentPlan,
  vm: VmPlan,
  where: { readonly region?: string; readonly zone?: string; readonly project?: string },
  dotnetChannel?: string,
): DeployFacts {
  return plan.cloud === "aws"
    ? {
        region: where.region ?? "us-east-1",
        account: OFFLINE_AWS_ACCOUNT,
        dataVolumeId: vm.dataDiskGb ? OFFLINE_VOLUME_ID : undefined,
        dotnetChannel,
      }
    : { region: regionOf(where.zone ?? "us-central1-a"), project: where.project, dotnetChannel };
}

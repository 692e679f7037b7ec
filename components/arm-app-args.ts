// What both cloud components take and give: one deployment plan in, VMs and endpoints out.
import type * as pulumi from "@pulumi/pulumi";
import type { NetworkOptions, SshOptions } from "../src/config/stack-config";
import type { DeploymentPlan } from "../src/plan";

export interface ArmAppArgs {
  readonly plan: DeploymentPlan;
  /** Every parameter's value (AppParameters.values); only the ones stored on the VM are used. */
  readonly parameters: Readonly<Record<string, pulumi.Output<string>>>;
  /** Image references of built services (projects, Dockerfiles) by resource name, once pushed. */
  readonly builtImages?: Readonly<Record<string, pulumi.Input<string>>>;
  readonly ssh: SshOptions;
  readonly network: NetworkOptions;
  /** Keep data disks on `pulumi destroy` and protect them from deletion. */
  readonly protectData: boolean;
  readonly dotnetChannel: string;
  /** AWS: give each VM an Elastic IP, so its public address survives replacement. */
  readonly elasticIp?: boolean;
  /** AWS: move the VMs to the current image instead of the one they were created from. */
  readonly imageUpgrade?: boolean;
}

export interface VmOutputs {
  readonly publicIp: pulumi.Output<string>;
  readonly privateIp: pulumi.Output<string>;
  /** The command that opens a shell on the VM without open SSH (Session Manager / IAP). */
  readonly connect: pulumi.Output<string>;
}

export interface ArmAppOutputs {
  /** Public URL (or host:port for tcp/udp) of each external endpoint, by `service/binding`. */
  readonly endpoints: pulumi.Output<Record<string, string>>;
  readonly vms: Readonly<Record<string, VmOutputs>>;
  /** The Aspire dashboard's URL, when enabled (log in with the token from the secret store). */
  readonly dashboardUrl?: pulumi.Output<string>;
}

/** Tags/labels every resource of the app carries. */
export function appTags(plan: DeploymentPlan, extra: Record<string, string> = {}): Record<string, string> {
  return { "aspire-arm-stack": plan.stack, "managed-by": "aspire-arm", ...extra };
}

// What rendering needs beyond the plan: facts only known at deploy time (pushed images, the data
// disk's device) or chosen by the caller (where secrets are read from).
import { own } from "../manifest";
import type { DeploymentPlan, ServicePlan } from "../plan";

export type SecretSource =
  | { readonly kind: "aws-ssm"; readonly region: string }
  | { readonly kind: "gcp-secret-manager"; readonly project?: string }
  /** A JSON file {storeName: value} on the VM: the emulated-VM tests' stand-in for a cloud store. */
  | { readonly kind: "file"; readonly path: string };

export interface RenderContext {
  readonly secretSource: SecretSource;
  /** Image references of built services (projects, Dockerfiles) by resource name, once pushed. */
  readonly builtImages?: Readonly<Record<string, string>>;
  /** Device path of each VM's data disk as the VM sees it, by VM name. */
  readonly dataDisks?: Readonly<Record<string, string>>;
  /** Host of the registry the stack pushes built images to (ECR / Artifact Registry): the VM logs in to it. */
  readonly registry?: string;
  /** ASP.NET Core runtime channel for VMs with the dotnet runtime. */
  readonly dotnetChannel?: string;
}

/** Shown where a value will only exist after deployment, so offline output never looks real. */
export const UNKNOWN_REGISTRY = "registry.invalid";

export function defaultSecretSource(plan: DeploymentPlan): SecretSource {
  return plan.cloud === "aws"
    ? { kind: "aws-ssm", region: "us-east-1" }
    : { kind: "gcp-secret-manager" };
}

/** The image a service runs: a published one, or the one the stack builds and pushes. */
export function imageReference(
  plan: DeploymentPlan,
  service: ServicePlan,
  ctx: RenderContext,
): string {
  if (service.image.kind === "pull") return service.image.image;
  return (
    own(ctx.builtImages, service.resource) ??
    `${UNKNOWN_REGISTRY}/aspire-arm/${plan.stack}/${service.image.repository}:latest`
  );
}

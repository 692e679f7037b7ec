// What rendering needs beyond the plan: facts only known at deploy time (pushed images, the data
// disk's device) or chosen by the caller (where secrets are read from).
import { own } from "../manifest";
import type { DeploymentPlan, ServicePlan } from "../plan";
import { CADDY_IMAGE } from "./caddyfile";

export type SecretSource =
  | { readonly kind: "aws-ssm"; readonly region: string }
  | { readonly kind: "gcp-secret-manager"; readonly project?: string }
  /** A JSON file {storeName: value} on the VM: the emulated-VM tests' stand-in for a cloud store. */
  | { readonly kind: "file"; readonly path: string };

/** How a VM receives its releases (src/render/bundle.ts), which rollout.sh applies. */
export type ReleaseSource =
  /** Run Command sends `rollout.sh s3 BUCKET KEY ID`: the object is fetched with the VM's role. */
  | { readonly kind: "aws-s3" }
  /** The instance metadata key aspire-arm-bundle, watched by gce-agent.py. */
  | { readonly kind: "gce-metadata" }
  /** A bundle file on the VM, applied at boot: the emulated-VM tests' stand-in for the clouds'. */
  | { readonly kind: "file"; readonly path: string };

export interface RenderContext {
  readonly secretSource: SecretSource;
  /** Image references of built services (projects, Dockerfiles) by resource name, once pushed. */
  readonly builtImages?: Readonly<Record<string, string>>;
  /** Published images as the plan names them -> the reference VMs run, `name@sha256:...`, found
   *  in the registry at deploy time (components/image-check.ts). Offline, images keep their tags. */
  readonly pinnedImages?: Readonly<Record<string, string>>;
  /** Device path of each VM's data disk as the VM sees it, by VM name. */
  readonly dataDisks?: Readonly<Record<string, string>>;
  /** Host of the registry the stack pushes built images to (ECR / Artifact Registry): the VM logs in to it. */
  readonly registry?: string;
  /** ASP.NET Core runtime channel for VMs with the dotnet runtime. */
  readonly dotnetChannel?: string;
  /** The version of each stored secret the VM reads, by store name: a new version is a new
   *  release, so a rotated value reaches the services that use it. */
  readonly secretVersions?: Readonly<Record<string, string>>;
  /** Default: the cloud's own (aws-s3, gce-metadata). */
  readonly releaseSource?: ReleaseSource;
}

/** Shown where a value will only exist after deployment, so offline output never looks real. */
export const UNKNOWN_REGISTRY = "registry.invalid";

export function defaultSecretSource(plan: DeploymentPlan): SecretSource {
  return plan.cloud === "aws"
    ? { kind: "aws-ssm", region: "us-east-1" }
    : { kind: "gcp-secret-manager" };
}

export function defaultReleaseSource(plan: DeploymentPlan): ReleaseSource {
  return plan.cloud === "aws" ? { kind: "aws-s3" } : { kind: "gce-metadata" };
}

/** The image a service runs: a published one, or the one the stack builds and pushes. */
export function imageReference(
  plan: DeploymentPlan,
  service: ServicePlan,
  ctx: RenderContext,
): string {
  if (service.image.kind === "pull") return pinnedImage(service.image.image, ctx);
  return (
    own(ctx.builtImages, service.resource) ??
    `${UNKNOWN_REGISTRY}/aspire-arm/${plan.stack}/${service.image.repository}:latest`
  );
}

/** A published image as VMs run it: at the digest the deploy found for it, when it did. */
export function pinnedImage(image: string, ctx: RenderContext): string {
  return own(ctx.pinnedImages, image) ?? image;
}

/** A published image some VM runs, and what for: the deploy checks each in its registry. */
export interface PublishedImage {
  /** The manifest resource, or null for the proxy of a VM. */
  readonly resource: string | null;
  /** Where a message points: `image` of the resource, or the VM's proxy. */
  readonly field: string;
  readonly image: string;
}

/** Every published image the plan's VMs run: services' pulled images (manifest images and
 *  aspire:images overrides, containers and native apps' /app images alike) and the proxy's. */
export function publishedImages(plan: DeploymentPlan): PublishedImage[] {
  return plan.vms.flatMap((vm) => [
    ...vm.services.flatMap((s) =>
      s.image.kind === "pull"
        ? [{ resource: s.resource, field: "image", image: s.image.image }]
        : [],
    ),
    ...(vm.proxy
      ? [{ resource: null, field: `the proxy (Caddy) of VM ${vm.name}`, image: CADDY_IMAGE }]
      : []),
  ]);
}

// The cloud-neutral half of the ArmApp components: what the AWS and GCP components take and give,
// and what they (and the policies, and so the policy pack) derive from a deployment plan the same
// way on both clouds: the ports a VM opens to the internet, the parameters kept in the cloud's
// secret store, the user data checked against the cloud's limit, and the endpoints' public URLs.
// No cloud SDK and no Pulumi runtime here (type imports only): a GCP stack loads no AWS code through
// it, and the policies run it without Pulumi. The components turn what it returns into resources.
import type * as pulumi from "@pulumi/pulumi";
import type { NetworkOptions, SshOptions } from "../src/config/stack-config";
import { diagnostic, type Diagnostic } from "../src/manifest";
import {
  isStoredOnVm,
  type DeploymentPlan,
  type ParameterPlan,
  type PublicEndpoint,
  type VmPlan,
} from "../src/plan";
import { DASHBOARD_NAME } from "../src/plan/dashboard";
import {
  renderVm,
  USER_DATA_LIMIT,
  USER_DATA_TOO_LARGE_ADVICE,
  userDataProblem,
  releaseProblem,
  RELEASE_LIMIT,
  type RenderContext,
  type RenderedVm,
} from "../src/render";

export interface ArmAppArgs {
  readonly plan: DeploymentPlan;
  /** Every parameter's value (AppParameters.values); only the ones stored on the VM are used. */
  readonly parameters: Readonly<Record<string, pulumi.Output<string>>>;
  /** Image references of built services (projects, Dockerfiles) by resource name, once pushed. */
  readonly builtImages?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Published images -> the reference VMs run (`name@sha256:...`), found in their registries
   *  before the components were made (components/image-check.ts). */
  readonly pinnedImages?: Readonly<Record<string, string>>;
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
export function appTags(
  plan: DeploymentPlan,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { "aspire-arm-stack": plan.stack, "managed-by": "aspire-arm", ...extra };
}

// ---------------------------------------------------------------------------------------------
// Public ports

export interface PublicPort {
  readonly port: number;
  readonly protocol: "tcp" | "udp";
}

/** A port a VM opens to the whole internet, with what it is for (the rule's description). */
export interface PublicIngress extends PublicPort {
  readonly description: string;
}

/** The ports a VM opens to the internet: its external endpoints' ports, and, when a domain is
 *  set and the VM runs the proxy, both of the proxy's: Caddy serves every site of the domain over
 *  HTTPS on 443 (an http binding's too) and answers ACME challenges and redirects on 80, as the
 *  compose file publishes them. Each port and protocol once, by port. The AWS security group rules
 *  and the GCP firewall rule open exactly these. */
export function publicIngress(plan: DeploymentPlan, vm: VmPlan): PublicIngress[] {
  const rules = new Map<string, PublicIngress>();
  for (const e of vm.publicEndpoints) {
    const protocol = e.scheme === "udp" ? "udp" : "tcp";
    rules.set(`${protocol}/${e.port}`, {
      port: e.port,
      protocol,
      description: `${e.service} ${e.binding}`,
    });
  }
  if (plan.domain && vm.proxy && !rules.has("tcp/80"))
    rules.set("tcp/80", {
      port: 80,
      protocol: "tcp",
      description: "HTTP, redirects and ACME challenges",
    });
  if (plan.domain && vm.proxy && !rules.has("tcp/443"))
    rules.set("tcp/443", {
      port: 443,
      protocol: "tcp",
      description: "HTTPS of the domain's sites",
    });
  return [...rules.values()].sort((a, b) => a.port - b.port);
}

/** Every port some VM of the stack opens to the internet, each once, by port then protocol. */
export function stackPublicPorts(plan: DeploymentPlan): PublicPort[] {
  const ports = new Map<string, PublicPort>();
  for (const vm of plan.vms)
    for (const { port, protocol } of publicIngress(plan, vm))
      ports.set(`${protocol}/${port}`, { port, protocol });
  return [...ports.values()].sort(
    (a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol),
  );
}

// ---------------------------------------------------------------------------------------------
// Stored secrets

/** The parameters kept in the cloud's secret store (SSM SecureString / Secret Manager): the
 *  secret ones whose value is read on a VM at boot, and only those some VM reads. */
export function storedSecrets(plan: DeploymentPlan): ParameterPlan[] {
  return plan.parameters
    .filter(isStoredOnVm)
    .filter((p) => plan.vms.some((vm) => vm.secrets.includes(p.name)));
}

// ---------------------------------------------------------------------------------------------
// User data

/** A VM's user data in the form its cloud takes it. */
export interface VmUserData {
  readonly problem?: undefined;
  readonly rendered: RenderedVm;
  /** What is sent: AWS `userDataBase64` (always gzipped); GCP the `user-data` metadata value. */
  readonly text: string;
  /** "base64": `text` is the base64 of the gzipped user data (GCP then says so with the
   *  `user-data-encoding` metadata key); "plain": `text` is the cloud-config itself (GCP only). */
  readonly encoding: "base64" | "plain";
}

/** Renders a VM's user data for the plan's cloud and checks it against the cloud's limit: the
 *  user data, or the problem (naming the VM, the size and what to do) when it cannot be sent. */
export function vmUserData(
  plan: DeploymentPlan,
  vm: VmPlan,
  ctx: RenderContext,
): VmUserData | { readonly problem: Diagnostic } {
  const rendered = renderVm(plan, vm, ctx);
  const problem = userDataProblem(plan, rendered);
  if (problem) return { problem };
  if (plan.cloud === "aws" || rendered.userDataEncoding === "gzip") {
    const text = rendered.userData.toString("base64");
    // GCP's limit is on the metadata value, so on the base64 text of the gzipped bytes.
    const size = Buffer.byteLength(text);
    if (plan.cloud === "gcp" && size > USER_DATA_LIMIT.gcp)
      return {
        problem: diagnostic(
          null,
          `vms.${vm.name}`,
          `the user data of VM ${vm.name} is ${size} bytes gzipped and base64-encoded and the GCP limit is ${USER_DATA_LIMIT.gcp}: ${USER_DATA_TOO_LARGE_ADVICE}`,
        ),
      };
    return { rendered, text, encoding: "base64" };
  }
  return { rendered, text: rendered.cloudConfig, encoding: "plain" };
}

// ---------------------------------------------------------------------------------------------
// Releases

/** A VM's release as the clouds carry it: the id, and the gzipped bundle in base64. */
export interface VmRelease {
  readonly id: string;
  readonly gzBase64: string;
}

/** GCP's limit on the release it carries in metadata (src/render's RELEASE_LIMIT). */
export const GCE_METADATA_VALUE_LIMIT = RELEASE_LIMIT.gcpMetadataValue;

/** Renders a VM's release with everything known at deploy time (built images, secret versions),
 *  or the problem: a release its VM cannot receive (releaseProblem), naming the VM. */
export function vmRelease(
  plan: DeploymentPlan,
  vm: VmPlan,
  ctx: RenderContext,
): VmRelease | { readonly problem: Diagnostic } {
  const rendered = vmUserData(plan, vm, ctx);
  if (rendered.problem) return rendered;
  const problem = releaseProblem(plan, rendered.rendered);
  if (problem) return { problem };
  const bundle = rendered.rendered.release;
  return { id: bundle.id, gzBase64: bundle.gz.toString("base64") };
}

// ---------------------------------------------------------------------------------------------
// Endpoint URLs

/** The public URL of an external endpoint (http/https), or host:port (tcp/udp), given its VM's
 *  public address. With a domain, the host name. */
export function endpointUrl(e: PublicEndpoint, ip: string): string {
  const host = e.hostName ?? ip;
  const defaultPort =
    (e.scheme === "https" && e.port === 443) || (e.scheme === "http" && e.port === 80);
  return e.upstream
    ? `${e.scheme}://${host}${defaultPort ? "" : `:${e.port}`}`
    : `${host}:${e.port}`;
}

/** The app's external endpoints (the dashboard's apart) with their VM, keyed `service/binding`. */
export function appEndpoints(
  plan: DeploymentPlan,
): { readonly key: string; readonly vm: string; readonly endpoint: PublicEndpoint }[] {
  return plan.vms.flatMap((vm) =>
    vm.publicEndpoints
      .filter((e) => e.service !== DASHBOARD_NAME)
      .map((e) => ({ key: `${e.service}/${e.binding}`, vm: vm.name, endpoint: e })),
  );
}

/** The dashboard's endpoint and its VM, when the plan runs it. */
export function dashboardEndpoint(
  plan: DeploymentPlan,
): { readonly vm: string; readonly endpoint: PublicEndpoint } | undefined {
  for (const vm of plan.vms) {
    const e = vm.publicEndpoints.find((x) => x.service === DASHBOARD_NAME);
    if (e) return { vm: vm.name, endpoint: e };
  }
  return undefined;
}

/** The dashboard's URL given its VM's public address: https on its host name with a domain. */
export function dashboardUrlOf(e: PublicEndpoint, ip: string): string {
  return e.hostName ? `https://${e.hostName}` : `http://${ip}:${e.port}`;
}

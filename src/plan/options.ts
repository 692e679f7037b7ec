// What a user decides about a deployment, beyond the manifest: clouds, VMs, runtimes, images.
// Filled from Pulumi stack config (index.ts) or from `aspire-arm plan` flags; validated in plan.

export type Cloud = "aws" | "gcp";
export type Runtime = "docker" | "dotnet";
export type OsImage = "ubuntu-24.04" | "al2023";

export interface VmOptions {
  /** Manifest resources placed on this VM. */
  readonly resources: readonly string[];
  readonly instanceType?: string;
  readonly diskSizeGb?: number;
  readonly runtime?: Runtime;
  readonly os?: OsImage;
}

export interface PlanOptions {
  readonly cloud: Cloud;
  /** Stack name: prefixes secret names so that stacks never share secrets. */
  readonly stack: string;
  /**
   * VM groups. Absent: the whole app on one VM named "app". A resource that no group names goes
   * to the first group. `"*"` as the only entry of `perResource` puts each service on its own VM.
   */
  readonly vms?: Readonly<Record<string, VmOptions>>;
  /** Put every service on its own VM (named after it). Ignored when `vms` is given. */
  readonly vmPerService?: boolean;
  /** Defaults for every VM. */
  readonly instanceType?: string;
  readonly diskSizeGb?: number;
  readonly runtime?: Runtime;
  readonly os?: OsImage;
  /** Size of the data disk of VMs with named volumes (default 20 GB). */
  readonly dataDiskSizeGb?: number;
  /** A domain for automatic HTTPS on external endpoints (Caddy, Let's Encrypt). */
  readonly domain?: string;
  /** Run the Aspire dashboard on the VM (behind the proxy, with a login token) and send telemetry to it. */
  readonly dashboard?: boolean;
  /** Image to run per resource: overrides a container's image, or names the pushed image of a project or build. */
  readonly images?: Readonly<Record<string, string>>;
  /** The HTTP path apply.sh's health gate probes, per resource (aspire:healthChecks); a service
   *  without one (and without its image's own HEALTHCHECK) is probed by TCP connects. */
  readonly healthChecks?: Readonly<Record<string, string>>;
  /** The folder every file the manifest names must stay in (aspire:sourceRoot); default: the
   *  folder above the manifest's (Aspire's <solution>/<App>.AppHost layout). */
  readonly sourceRoot?: string;
  /** Values of non-secret parameters known now (stack config or `--set`). */
  readonly parameters?: Readonly<Record<string, string>>;
}

/** The .NET channels `aspire:dotnetChannel` takes: the runtime installed for a native app whose
 *  published files name none (no *.runtimeconfig.json). Every other app gets the channel its own
 *  runtimeconfig.json names (src/render/vm/dotnet-runtimes.py). */
export const DOTNET_CHANNELS = ["8.0", "9.0", "10.0"] as const;
export type DotnetChannel = (typeof DOTNET_CHANNELS)[number];
/** 10.0 (LTS, supported to 2028-11-14): .NET 8 (LTS) and 9 (STS) left support on 2026-11-10. */
export const DEFAULT_DOTNET_CHANNEL: DotnetChannel = "10.0";
export const DOTNET_END_OF_SUPPORT: Readonly<Record<DotnetChannel, string>> = {
  "8.0": "2026-11-10",
  "9.0": "2026-11-10",
  "10.0": "2028-11-14",
};

/** Defaults of the learning path: the cheapest Arm instance on each cloud. */
export const DEFAULT_INSTANCE_TYPE: Readonly<Record<Cloud, string>> = {
  aws: "t4g.small",
  gcp: "t2a-standard-1",
};
export const DEFAULT_DISK_SIZE_GB = 20;
/** The smallest boot disk: the size of the largest boot image, Ubuntu 24.04 arm64 on Google Cloud
 *  (diskSizeGb 10; a boot disk may not be smaller than its image). The AWS AMIs' root snapshots
 *  are 8 GiB, but one minimum for both clouds keeps a stack portable. */
export const MIN_BOOT_DISK_GB = 10;
/** The largest boot disk: gp3 volumes go up to 16,384 GiB, Persistent Disk and Hyperdisk Balanced
 *  to 65,536 GB. */
export const MAX_BOOT_DISK_GB: Readonly<Record<Cloud, number>> = { aws: 16384, gcp: 65536 };
export const DEFAULT_DATA_DISK_SIZE_GB = 20;
export const DEFAULT_VM_NAME = "app";
/** The longest VM name. Pulumi names each VM's resources after it and GCP takes names of at most
 *  63 characters: the longest, a firewall rule auto-named "app-<vm>-private-<7 hex>", fits with
 *  a VM name of 43; 40 leaves room. */
export const MAX_VM_NAME_LENGTH = 40;

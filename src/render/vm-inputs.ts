// A VM's VM-level inputs: what its instance (and data disk) is created with, from the plan and the
// stack's config, as the components pass it (components/aws/arm-app.ts, components/gcp/arm-app.ts),
// and what a change of each does to the running VM. App changes travel in releases and never
// touch these. The one list: `aspire-arm plan` prints them (--json: vmInputs) and compares two plans
// by them (--against: src/cli/compare-plans.ts); test/program checks them against the inputs the
// program gives the instances under Pulumi's mocks.
import * as crypto from "node:crypto";
import type { NetworkOptions, SshOptions } from "../config/stack-config";
import {
  gcpDiskType,
  osImage,
  type Cloud,
  type DeploymentPlan,
  type OsImage,
  type Runtime,
} from "../plan";
import type { RenderedVm } from "./user-data";

export interface VmInputs {
  readonly cloud: Cloud;
  /** AWS `instanceType`, GCP `machineType`. */
  readonly instanceType: string;
  readonly os: OsImage;
  /** AWS: the SSM parameter that names the AMI (pinned when the VM is created); GCP: the image family. */
  readonly image: string;
  /** Reaches the VM through its user data (vm.env ASPIRE_RUNTIME: the bootstrap installs it). */
  readonly runtime: Runtime;
  readonly bootDiskGb: number;
  readonly bootDiskType: string;
  /** 0: no data disk (the VM has no named volume). */
  readonly dataDiskGb: number;
  readonly dataDiskType: string | null;
  /** Where the VMs go (aspire:network): the subnet (AWS) or network (GCP) of the instance. */
  readonly network: string;
  /** The SSH key the instance is created with (aspire:ssh.publicKey), by its OpenSSH fingerprint. */
  readonly sshKey: string | null;
  /** SHA-256 of the user data's bytes as sent (gzipped on AWS; base64 is only the transport). */
  readonly userDataSha256: string;
  /** The VM's settings in its user data (vm.env): they tell what changed in it. */
  readonly vmEnv: Readonly<Record<string, string>>;
}

/** The stack settings that reach the instances beside the plan. */
export interface StackInputs {
  readonly network?: NetworkOptions;
  readonly ssh?: SshOptions;
}

export function vmInputs(
  plan: DeploymentPlan,
  rendered: RenderedVm,
  stack: StackInputs = {},
): VmInputs {
  const { vm } = rendered;
  const diskType = plan.cloud === "aws" ? "gp3" : gcpDiskType(vm.instanceType);
  const key = stack.ssh?.enabled && stack.ssh.publicKey ? stack.ssh.publicKey : undefined;
  return {
    cloud: plan.cloud,
    instanceType: vm.instanceType,
    os: vm.os,
    image: osImage(plan.cloud, vm.os) ?? `(no ${plan.cloud} image for ${vm.os})`,
    runtime: vm.runtime,
    bootDiskGb: vm.diskSizeGb,
    bootDiskType: diskType,
    dataDiskGb: vm.dataDiskGb,
    dataDiskType: vm.dataDiskGb ? diskType : null,
    network: networkText(plan.cloud, stack.network ?? { kind: "default" }),
    sshKey: key === undefined ? null : sshFingerprint(key),
    userDataSha256: crypto.createHash("sha256").update(rendered.userData).digest("hex"),
    vmEnv: rendered.vmEnv,
  };
}

/** 16 hex digits of the SHA-256 of the inputs' canonical JSON: equal exactly when the inputs are. */
export function vmInputsFingerprint(inputs: VmInputs): string {
  return crypto.createHash("sha256").update(canonicalJson(inputs)).digest("hex").slice(0, 16);
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object")
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v);
}

function networkText(cloud: Cloud, n: NetworkOptions): string {
  if (n.kind === "default") return "default";
  if (n.kind === "create") return `created ${n.cidr}`;
  return cloud === "aws"
    ? `vpc ${n.vpcId ?? "?"}, subnets ${n.subnetIds.join(",")}`
    : `network ${n.network ?? "?"}${n.subnetwork ? `, subnetwork ${n.subnetwork}` : ""}`;
}

/** OpenSSH's fingerprint of a public key line: SHA256: and the unpadded base64 of its blob's hash. */
export function sshFingerprint(publicKey: string): string {
  const [type, blob] = publicKey.trim().split(/\s+/);
  const bytes = Buffer.from(blob ?? "", "base64");
  const hash = crypto
    .createHash("sha256")
    .update(bytes.length ? bytes : publicKey)
    .digest("base64");
  return `${type} SHA256:${hash.replace(/=+$/, "")}`;
}

// ---------------------------------------------------------------------------------------------
// What a change does

/** What a changed VM-level input does to the running VM, mildest first. */
export type InputEffect =
  /** Changed in place, the VM keeps running. */
  | "update"
  /** The instance is stopped, changed and started: same VM, same disks. */
  | "restart"
  /** A new instance (the data disk, separate, is detached and attached to it). */
  | "replace"
  /** The change cannot be applied: `pulumi up` fails (or protectData stops it). */
  | "refused";

export const EFFECT_ORDER: readonly InputEffect[] = ["update", "restart", "replace", "refused"];

/** The inputs that can change; vmEnv only tells what changed in the user data. */
export type InputKey = Exclude<keyof VmInputs, "vmEnv">;

export interface InputRule {
  readonly key: InputKey;
  /** As a sentence names it: "instance type". */
  readonly label: string;
  /** What changing it from `before` to `after` does on `cloud`, and why; undefined when another
   *  input's change says it all (a data disk's type when the disk comes or goes). */
  readonly effect: (
    cloud: Cloud,
    before: VmInputs[InputKey],
    after: VmInputs[InputKey],
  ) => { readonly effect: InputEffect; readonly why: string } | undefined;
  /** What a change that `effect` refuses does when another change makes the VM a new instance,
   *  where the new instance is simply made with the input as it now is. */
  readonly withNewInstance?: { readonly effect: InputEffect; readonly why: string };
}

const USER_DATA_ONCE =
  "cloud-init runs the user data at first boot only, so the instance is replaced when it changes (userDataReplaceOnChange on AWS, replaceOnChanges on GCP)";

const always =
  (effect: InputEffect, why: string): InputRule["effect"] =>
  () => ({ effect, why });

/** Every VM-level input, in the order a change is reported. */
export const VM_INPUT_RULES: readonly InputRule[] = [
  { key: "cloud", label: "cloud", effect: always("replace", "a VM does not move between clouds") },
  {
    key: "network",
    label: "network",
    effect: (cloud) =>
      cloud === "aws"
        ? { effect: "replace", why: "an EC2 instance does not move to another subnet (subnetId)" }
        : {
            effect: "restart",
            why: "Compute Engine stops the instance and moves its network interface (allowStoppingForUpdate): its disks are kept, its ephemeral public address changes",
          },
  },
  {
    key: "os",
    label: "OS",
    effect: always("replace", "the boot disk is made from another image"),
  },
  {
    key: "image",
    label: "OS image",
    effect: (cloud) => ({
      effect: "replace",
      why:
        cloud === "aws"
          ? "the AMI forces a new instance (the AMI pinned for the VM follows its OS)"
          : "the boot disk's image is set when the disk is made (initializeParams)",
    }),
  },
  {
    key: "runtime",
    label: "runtime",
    effect: always(
      "replace",
      "the bootstrap installs it, from the user data (vm.env ASPIRE_RUNTIME)",
    ),
  },
  {
    key: "bootDiskType",
    label: "boot disk type",
    effect: always(
      "replace",
      "the boot disk's type is set when it is made (GCP initializeParams: C4A and N4A take Hyperdisk, T2A Persistent Disk)",
    ),
  },
  {
    key: "bootDiskGb",
    label: "boot disk size",
    effect: (cloud, before, after) =>
      cloud === "gcp"
        ? {
            effect: "replace",
            why: "the boot disk's size is set when it is made (initializeParams forces a new instance)",
          }
        : Number(after) > Number(before)
          ? { effect: "update", why: "the EBS root volume grows in place (ModifyVolume)" }
          : { effect: "refused", why: "an EBS volume cannot shrink: the update fails" },
    // Refused only on AWS, where the root volume goes with its instance (deleteOnTermination).
    withNewInstance: {
      effect: "replace",
      why: "the new instance is made with a root volume of this size (the old one is deleted with its instance)",
    },
  },
  {
    key: "dataDiskGb",
    label: "data disk",
    effect: (cloud, before, after) =>
      !before || !after
        ? {
            effect: "replace",
            why: "the user data names the data disk's device (vm.env ASPIRE_DATA_DISK); a protected data disk (aspire:protectData) is kept when the VM no longer needs it",
          }
        : Number(after) > Number(before)
          ? { effect: "update", why: "the data disk grows in place" }
          : {
              effect: "refused",
              why:
                cloud === "aws"
                  ? "an EBS volume cannot shrink: the update fails"
                  : "a disk asked to shrink is made again, empty: protectData stops it",
            },
  },
  {
    key: "dataDiskType",
    label: "data disk type",
    effect: (_cloud, before, after) =>
      before === null || after === null
        ? undefined
        : {
            effect: "refused",
            why: "a disk of another type is a new, empty disk: protectData stops it (move the data yourself first)",
          },
  },
  {
    key: "instanceType",
    label: "instance type",
    effect: (cloud) => ({
      effect: "restart",
      why:
        cloud === "aws"
          ? "EC2 stops the instance, changes its type and starts it: its disks are kept, its public address changes unless aspire:elasticIp (and should the VMs' zone not offer the new type, every VM moves to one that does: new VMs)"
          : "Compute Engine stops the instance, changes its machine type and starts it (allowStoppingForUpdate): its disks are kept, its ephemeral public address changes",
    }),
  },
  {
    key: "sshKey",
    label: "SSH key",
    effect: (cloud) =>
      cloud === "aws"
        ? { effect: "replace", why: "EC2 gives an instance its key pair at launch only (keyName)" }
        : { effect: "update", why: "the ssh-keys metadata is updated in place" },
  },
  {
    key: "userDataSha256",
    label: "user data",
    effect: always("replace", USER_DATA_ONCE),
  },
];

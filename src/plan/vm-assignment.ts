// Which VM each service runs on. Default: the whole app on one VM (the cheapest shape, and the
// learning path's). Options can group services onto named VMs or give each service its own.
import { diagnostic, runsAsService, type Diagnostic, type Manifest } from "../manifest";
import {
  DEFAULT_DISK_SIZE_GB,
  DEFAULT_INSTANCE_TYPE,
  DEFAULT_VM_NAME,
  MAX_BOOT_DISK_GB,
  MAX_VM_NAME_LENGTH,
  MIN_BOOT_DISK_GB,
  type OsImage,
  type PlanOptions,
  type Runtime,
} from "./options";
import { safeName } from "./names";
import { nonArmTypeMessage } from "./arm-types";

export interface AssignedVm {
  readonly name: string;
  readonly instanceType: string;
  readonly diskSizeGb: number;
  readonly runtime: Runtime;
  readonly os: OsImage;
  /** Manifest resource names, in manifest order. */
  readonly resources: string[];
}

export interface Assignment {
  readonly vms: readonly AssignedVm[];
  /** resource name -> VM name, for every service. */
  readonly vmOf: ReadonlyMap<string, string>;
  readonly warnings: readonly Diagnostic[];
}

export function assignVms(
  manifest: Manifest,
  options: PlanOptions,
  errors: Diagnostic[],
): Assignment {
  const services = [...manifest.resources.values()].filter(runsAsService).map((r) => r.name);
  const warnings: Diagnostic[] = [];
  const defaults = {
    instanceType: options.instanceType ?? DEFAULT_INSTANCE_TYPE[options.cloud],
    diskSizeGb: options.diskSizeGb ?? DEFAULT_DISK_SIZE_GB,
    runtime: options.runtime ?? "docker",
    os: options.os ?? "ubuntu-24.04",
  };
  const vms: AssignedVm[] = [];
  const vmOf = new Map<string, string>();

  if (options.vms && Object.keys(options.vms).length > 0) {
    for (const [name, vm] of Object.entries(options.vms)) {
      if (safeName(name) !== name)
        errors.push(
          diagnostic(
            null,
            `vms.${name}`,
            `VM name "${name}" must be lower-case letters, digits and dashes (for example "${safeName(name)}").`,
          ),
        );
      else if (name.length > MAX_VM_NAME_LENGTH)
        errors.push(
          diagnostic(
            null,
            `vms.${name}`,
            `VM name "${name}" is ${name.length} characters: at most ${MAX_VM_NAME_LENGTH} (the VM's cloud resources are named after it, and GCP takes names of at most 63 characters), for example "${shortVmName(name)}".`,
          ),
        );
      vms.push({
        name,
        instanceType: vm.instanceType ?? defaults.instanceType,
        diskSizeGb: vm.diskSizeGb ?? defaults.diskSizeGb,
        runtime: vm.runtime ?? defaults.runtime,
        os: vm.os ?? defaults.os,
        resources: [],
      });
    }
    const byLower = new Map(services.map((s) => [s.toLowerCase(), s]));
    for (const [name, vm] of Object.entries(options.vms)) {
      for (const wanted of vm.resources) {
        const resource = byLower.get(wanted.toLowerCase());
        const field = `vms.${name}`;
        if (!resource) {
          const r = [...manifest.resources.values()].find(
            (x) => x.name.toLowerCase() === wanted.toLowerCase(),
          );
          errors.push(
            diagnostic(
              null,
              field,
              r
                ? `${r.name} is a ${r.kind}, which does not run anywhere: place only services (${services.join(", ")}).`
                : `there is no service named ${wanted} in the manifest (services: ${services.join(", ")}).`,
            ),
          );
        } else if (vmOf.has(resource)) {
          errors.push(
            diagnostic(
              null,
              field,
              `${resource} is placed on both ${vmOf.get(resource)} and ${name}: place it on one VM.`,
            ),
          );
        } else {
          vmOf.set(resource, name);
        }
      }
    }
    for (const s of services) {
      if (vmOf.has(s)) continue;
      vmOf.set(s, vms[0].name);
      warnings.push(
        diagnostic(s, null, `no VM group names ${s}: it runs on ${vms[0].name}, the first VM.`),
      );
    }
  } else if (options.vmPerService && services.length > 0) {
    const names = new Set<string>();
    for (const s of services) {
      let name = shortVmName(safeName(s));
      for (let i = 2; names.has(name); i++) name = shortVmName(safeName(s), `-${i}`);
      names.add(name);
      vms.push({ name, ...defaults, resources: [] });
      vmOf.set(s, name);
    }
  } else {
    vms.push({ name: DEFAULT_VM_NAME, ...defaults, resources: [] });
    for (const s of services) vmOf.set(s, DEFAULT_VM_NAME);
  }

  for (const s of services) vms.find((v) => v.name === vmOf.get(s))?.resources.push(s);
  let defaultDiskChecked = false;
  for (const vm of vms) {
    const notArm = nonArmTypeMessage(options.cloud, vm.instanceType);
    if (notArm)
      errors.push(
        diagnostic(
          null,
          options.vms?.[vm.name]?.instanceType ? `vms.${vm.name}.instanceType` : "instanceType",
          `VM ${vm.name}: ${notArm}`,
        ),
      );
    if (vm.os === "al2023" && options.cloud === "gcp")
      errors.push(
        diagnostic(
          null,
          `vms.${vm.name}.os`,
          `Amazon Linux 2023 runs on AWS only: use "ubuntu-24.04" on GCP.`,
        ),
      );
    // Checked where it is set: once for aspire:diskSizeGb, once per VM that sets its own.
    const own = options.vms?.[vm.name]?.diskSizeGb !== undefined;
    const diskProblem =
      (own || !defaultDiskChecked) && bootDiskProblem(options.cloud, vm.diskSizeGb);
    if (!own) defaultDiskChecked = true;
    if (diskProblem)
      errors.push(
        own
          ? diagnostic(
              null,
              `vms.${vm.name}.diskSizeGb`,
              `VM ${vm.name}: ${diskProblem} Example: pulumi config set --path 'aspire:vms.${vm.name}.diskSizeGb' ${DEFAULT_DISK_SIZE_GB}`,
            )
          : diagnostic(
              null,
              "diskSizeGb",
              `${diskProblem} Example: pulumi config set aspire:diskSizeGb ${DEFAULT_DISK_SIZE_GB}`,
            ),
      );
  }
  return { vms: vms.filter((v) => v.resources.length > 0 || vms.length === 1), vmOf, warnings };
}

/** Why a boot disk size cannot be used, or undefined when it can. */
function bootDiskProblem(cloud: PlanOptions["cloud"], gb: number): string | undefined {
  if (!Number.isInteger(gb)) return `the boot disk size must be a whole number of GB (got ${gb}).`;
  if (gb < MIN_BOOT_DISK_GB)
    return `a boot disk of ${gb} GB is too small: at least ${MIN_BOOT_DISK_GB} GB (the Ubuntu 24.04 arm64 image on Google Cloud is ${MIN_BOOT_DISK_GB} GB, and a boot disk may not be smaller than its image; the OS, Docker and the app's images need room beyond it).`;
  if (gb > MAX_BOOT_DISK_GB[cloud])
    return `a boot disk of ${gb} GB is larger than ${cloud === "aws" ? "a gp3 volume can be" : "a Google Cloud disk can be"}: at most ${MAX_BOOT_DISK_GB[cloud]} GB.`;
  return undefined;
}

/** A safe name within MAX_VM_NAME_LENGTH characters, `suffix` included. */
function shortVmName(safe: string, suffix = ""): string {
  return `${safe.slice(0, MAX_VM_NAME_LENGTH - suffix.length).replace(/-+$/, "")}${suffix}`;
}

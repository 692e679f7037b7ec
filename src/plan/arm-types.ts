// Arm instance and machine types, checked before anything is created. AWS names Graviton families
// with a "g" after the generation (t4g, m7g, c7gn, m8gd, im4gn, is4gen) plus the first-generation
// a1; GCP's Arm series are Tau T2A and Axion C4A / N4A. The AWS component also confirms each type
// with EC2's own `supportedArchitectures` at deploy time.
import type { Cloud } from "./options";

const AWS_ARM_FAMILY = /^(a1|[a-z]+\d+g[a-z]*)$/;
const GCP_ARM_SERIES = ["t2a", "c4a", "n4a"] as const;

/** Graviton families to suggest for an x86 family's class letter. */
const AWS_ARM_BY_CLASS: Readonly<Record<string, string>> = {
  t: "t4g",
  m: "m7g",
  c: "c7g",
  r: "r7g",
  x: "x2gd",
  i: "i4g",
  g: "g5g",
  z: "m7g",
  h: "c7g",
};

export function isArmInstanceType(cloud: Cloud, type: string): boolean {
  if (cloud === "aws") {
    const [family, size] = type.split(".");
    return size !== undefined && AWS_ARM_FAMILY.test(family);
  }
  return GCP_ARM_SERIES.some((s) => type.startsWith(`${s}-`));
}

/** The Arm type to suggest instead of an x86 one, keeping the size where it maps. */
export function armEquivalent(cloud: Cloud, type: string): string {
  if (cloud === "aws") {
    const [family, size = "large"] = type.split(".");
    const arm = AWS_ARM_BY_CLASS[family.charAt(0)] ?? "m7g";
    // Graviton has no nano/micro below t4g; metal sizes differ by family.
    return `${arm}.${arm === "t4g" || !/^(nano|micro)$/.test(size) ? size : "medium"}`;
  }
  const m = /^[a-z0-9]+-(standard|highcpu|highmem)-(\d+)$/.exec(type);
  if (!m) return "t2a-standard-1";
  const [, shape, n] = m;
  // T2A is standard-only and goes up to 48 vCPUs; C4A has the other shapes and larger sizes.
  return shape === "standard" && Number(n) <= 48 ? `t2a-standard-${n}` : `c4a-${shape}-${n}`;
}

/** Why a type cannot be used, with the Arm type to use instead; undefined when it is Arm. */
export function nonArmTypeMessage(cloud: Cloud, type: string): string | undefined {
  if (isArmInstanceType(cloud, type)) return undefined;
  const what = cloud === "aws" ? "EC2 instance type" : "machine type";
  const families =
    cloud === "aws" ? "Graviton families such as t4g, m7g, c7g, r8g" : "t2a-*, c4a-* or n4a-*";
  return `${type} is not an Arm ${what} (use ${families}): try ${armEquivalent(cloud, type)}.`;
}

/** GCP boot and data disk type: C4A and N4A take Hyperdisk only, T2A takes Persistent Disk. */
export function gcpDiskType(machineType: string): "pd-balanced" | "hyperdisk-balanced" {
  return machineType.startsWith("t2a-") ? "pd-balanced" : "hyperdisk-balanced";
}

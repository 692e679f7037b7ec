// What every policy reads and reports: the resources a Pulumi program registers ({type, name,
// inputs}) as plain data, readers of their inputs, and the violations. No Pulumi runtime here
// (see ./index.ts).
import type { PolicyContext } from "./context";

export interface PolicyResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Readonly<Record<string, unknown>>;
}

export interface Violation {
  readonly policy: string;
  /** The resource's Pulumi name (or the stack output's name, for secretsInOutputs). */
  readonly resource: string;
  /** The resource's type token, so that a name shared by several resources stays unambiguous. */
  readonly type: string;
  /** What is wrong and what to do. Never contains a secret value. */
  readonly message: string;
}

export type PolicyCheck = (resources: readonly PolicyResource[], ctx: PolicyContext) => Violation[];

export interface PolicyDefinition {
  readonly name: string;
  readonly description: string;
  /** Whether the check reads the context (the pack gives only those a config schema). */
  readonly usesContext: boolean;
  readonly check: PolicyCheck;
}

/** The resource types the policies read. */
export const TYPES = {
  awsInstance: "aws:ec2/instance:Instance",
  awsVolume: "aws:ebs/volume:Volume",
  awsSecurityGroup: "aws:ec2/securityGroup:SecurityGroup",
  awsSecurityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  awsIngressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  awsSsmParameter: "aws:ssm/parameter:Parameter",
  gcpInstance: "gcp:compute/instance:Instance",
  gcpFirewall: "gcp:compute/firewall:Firewall",
  gcpSecretVersion: "gcp:secretmanager/secretVersion:SecretVersion",
} as const;

// ---------------------------------------------------------------------------------------------
// Plain data: Pulumi's mocks hand secret inputs over wrapped in a signature object,
// {[PULUMI_SIG_KEY]: PULUMI_SECRET_SIG, value}; unwrap them.

/** Pulumi's `runtime.specialSigKey` and `runtime.specialSecretSig`, copied here because the policies
 *  load no @pulumi package (the pack runs them beside its own; test/program/sdk-loading.test.ts).
 *  The one copy: test/policies/resources.test.ts checks it equals the SDK's. */
export const PULUMI_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const PULUMI_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o[PULUMI_SIG_KEY] === PULUMI_SECRET_SIG) return plain(o.value);
    if (Object.getPrototypeOf(o) !== Object.prototype && Object.getPrototypeOf(o) !== null)
      return v;
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

/** The resources as plain data, secret inputs unwrapped. */
export function prepare(resources: readonly PolicyResource[]): PolicyResource[] {
  return resources.map((r) => ({
    type: r.type,
    name: r.name,
    inputs: plain(r.inputs ?? {}) as Record<string, unknown>,
  }));
}

// Readers of inputs: a value of another type (or unknown during a preview) reads as undefined.
export const rec = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
export const arr = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : undefined);
export const str = (v: unknown): string | undefined =>
  typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
export const strs = (v: unknown): string[] =>
  (arr(v) ?? []).map(str).filter((s): s is string => s !== undefined && s !== "");
export function num(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && /^-?\d+$/.test(v.trim())) return Number(v);
  return undefined;
}
/** The last segment of a GCP resource path (zones/z/machineTypes/t2a-standard-1 → t2a-standard-1). */
export const baseName = (s: string): string => s.slice(s.lastIndexOf("/") + 1);

export function violation(policy: string, r: PolicyResource, message: string): Violation {
  return { policy, resource: r.name, type: r.type, message };
}

/** A policy's violations, resource by resource (as prepare gives them): `check` reports each
 *  problem of a resource with its message. */
export function checkEach(
  policy: string,
  resources: readonly PolicyResource[],
  check: (r: PolicyResource, report: (message: string) => void) => void,
): Violation[] {
  const out: Violation[] = [];
  for (const r of prepare(resources))
    check(r, (message) => out.push(violation(policy, r, message)));
  return out;
}

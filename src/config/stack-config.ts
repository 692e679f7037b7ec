// Reads the stack's configuration (the `aspire:*` keys, plus the providers' region/zone) into
// deployment options. Pure: the Pulumi program passes `pulumi.runtime.allConfig()`, the CLI the
// `config:` block of Pulumi.<stack>.yaml. Every problem names the key and shows a valid example.
import { diagnostic, imageReferenceProblem, setOwn, type Diagnostic } from "../manifest";
import { ipv4CidrProblem } from "./cidr";
import { DEFAULT_DOTNET_CHANNEL, DOTNET_CHANNELS, DOTNET_END_OF_SUPPORT, type Cloud, type DotnetChannel, type OsImage, type PlanOptions, type Runtime, type VmOptions } from "../plan";

export const NS = "aspire";
export const DEFAULT_MANIFEST = "manifests/aspire-starter/aspire-manifest.json";

/** A config value as the runtime gives it (strings; objects JSON-encoded) or as a stack file
 *  holds it (YAML values; `{secure: ...}` for encrypted secrets). */
export type RawConfig = Readonly<Record<string, unknown>>;

export interface SshOptions {
  readonly enabled: boolean;
  /** Source ranges allowed to reach port 22 when enabled. Never defaulted to the whole internet. */
  readonly cidrs: readonly string[];
  /** An OpenSSH public key for the default user (AWS key pair / GCP ssh-keys metadata). */
  readonly publicKey?: string;
}

export type NetworkOptions =
  | { readonly kind: "default" }
  | { readonly kind: "create"; readonly cidr: string }
  | { readonly kind: "existing"; readonly vpcId?: string; readonly subnetIds: readonly string[]; readonly network?: string; readonly subnetwork?: string };

export interface DeployConfig {
  readonly cloud: Cloud;
  readonly manifest: string;
  /** AWS region (aws:region) or GCP zone (gcp:zone) and project (gcp:project). */
  readonly region?: string;
  readonly zone?: string;
  readonly project?: string;
  readonly plan: Omit<PlanOptions, "stack">;
  readonly ssh: SshOptions;
  readonly network: NetworkOptions;
  readonly elasticIp: boolean;
  /** AWS: move every VM to the image the SSM parameter names now (replacing those on an older one). */
  readonly imageUpgrade: boolean;
  /** Protect data disks from `pulumi destroy` and deletion (default true). */
  readonly protectData: boolean;
  /** The .NET channel installed for a native app whose published files name no runtime (see DOTNET_CHANNELS). */
  readonly dotnetChannel: DotnetChannel;
  /** Parameters given a value in config, secret ones included (their values are not kept here). */
  readonly configuredParameters: readonly string[];
}

const KNOWN = new Set(["cloud", "manifest", "vms", "vmPerService", "instanceType", "diskSizeGb", "runtime", "os", "domain", "dashboard", "ssh", "parameters", "images", "network", "elasticIp", "imageUpgrade", "protectData", "dotnetChannel", "sourceRoot"]);

export function readStackConfig(raw: RawConfig): { config: DeployConfig; errors: Diagnostic[]; warnings: Diagnostic[] } {
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const key = (k: string) => `${NS}:${k}`;
  const fail = (k: string, message: string) => errors.push(diagnostic(null, key(k), message));
  const get = (k: string): unknown => decode(raw[key(k)]);

  for (const full of Object.keys(raw)) {
    if (!full.startsWith(`${NS}:`)) continue;
    const k = full.slice(NS.length + 1);
    if (!KNOWN.has(k) && !k.startsWith("parameters.")) warnings.push(diagnostic(null, full, `unknown setting ${full} is ignored (known: ${[...KNOWN].map(key).join(", ")}).`));
  }

  const cloudRaw = get("cloud") ?? "aws";
  let cloud: Cloud = "aws";
  if (cloudRaw === "aws" || cloudRaw === "gcp") cloud = cloudRaw;
  else fail("cloud", `must be aws or gcp, not ${JSON.stringify(cloudRaw)}. Example: pulumi config set aspire:cloud aws`);

  const manifest = str(get("manifest"), "manifest", fail, "pulumi config set aspire:manifest path/to/aspire-manifest.json") ?? DEFAULT_MANIFEST;
  const runtime = oneOf<Runtime>(get("runtime"), ["docker", "dotnet"], "runtime", fail);
  const os = oneOf<OsImage>(get("os"), ["ubuntu-24.04", "al2023"], "os", fail);
  const instanceType = str(get("instanceType"), "instanceType", fail, `pulumi config set aspire:instanceType ${cloud === "aws" ? "t4g.small" : "t2a-standard-1"}`);
  const diskSizeGb = int(get("diskSizeGb"), "diskSizeGb", fail);
  const domain = str(get("domain"), "domain", fail, "pulumi config set aspire:domain app.example.com");
  if (domain !== undefined && !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(domain)) fail("domain", `${JSON.stringify(domain)} is not a DNS name. Example: pulumi config set aspire:domain app.example.com`);

  // Region and zone: the providers' own keys, checked here so a typo fails before anything is created.
  let region: string | undefined;
  let zone: string | undefined;
  let project: string | undefined;
  if (cloud === "aws") {
    region = strAt(decode(raw["aws:region"]));
    if (region === undefined) errors.push(diagnostic(null, "aws:region", "is not set. Example: pulumi config set aws:region us-east-1"));
    else if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) errors.push(diagnostic(null, "aws:region", `${JSON.stringify(region)} is not an AWS region name. Example: pulumi config set aws:region us-east-1`));
  } else {
    zone = strAt(decode(raw["gcp:zone"]));
    project = strAt(decode(raw["gcp:project"]));
    if (zone === undefined) errors.push(diagnostic(null, "gcp:zone", "is not set. Example: pulumi config set gcp:zone us-central1-a"));
    else if (!/^[a-z]+-[a-z]+\d+-[a-z]$/.test(zone)) errors.push(diagnostic(null, "gcp:zone", `${JSON.stringify(zone)} is not a zone name (region-zone, such as us-central1-a). Example: pulumi config set gcp:zone us-central1-a`));
    if (project === undefined) errors.push(diagnostic(null, "gcp:project", "is not set. Example: pulumi config set gcp:project my-project-id"));
  }

  const vms = readVms(get("vms"), fail);
  const images = stringRecord(get("images"), "images", fail, "pulumi config set --path 'aspire:images.apiservice' registry.example.com/apiservice:1.0");
  // Written into compose files and native.list like the manifest's own images: the same rule.
  for (const [resource, image] of Object.entries(images ?? {})) {
    const problem = imageReferenceProblem(image);
    if (problem) fail(`images.${resource}`, `${problem} Example: pulumi config set --path 'aspire:images.${resource}' registry.example.com/${resource.toLowerCase()}:1.0`);
  }
  const sourceRoot = str(get("sourceRoot"), "sourceRoot", fail, "pulumi config set aspire:sourceRoot ../my-solution");
  const { values: parameters, configured } = readParameters(raw, fail);
  const ssh = readSsh(get("ssh"), fail);
  const network = readNetwork(get("network"), cloud, fail);

  return {
    config: {
      cloud,
      manifest,
      region,
      zone,
      project,
      plan: {
        cloud,
        vms,
        vmPerService: bool(get("vmPerService"), "vmPerService", fail),
        instanceType,
        diskSizeGb,
        runtime,
        os,
        domain,
        dashboard: bool(get("dashboard"), "dashboard", fail),
        images,
        parameters,
        sourceRoot,
      },
      ssh,
      network,
      elasticIp: bool(get("elasticIp"), "elasticIp", fail) ?? false,
      imageUpgrade: bool(get("imageUpgrade"), "imageUpgrade", fail) ?? false,
      protectData: bool(get("protectData"), "protectData", fail) ?? true,
      dotnetChannel: readDotnetChannel(get("dotnetChannel"), fail, warnings),
      configuredParameters: configured,
    },
    errors,
    warnings,
  };
}

/** `aspire:dotnetChannel`: 8.0, 9.0 or 10.0 (a YAML number such as 10.0 or 8 too). */
function readDotnetChannel(v: unknown, fail: Fail, warnings: Diagnostic[]): DotnetChannel {
  if (v === undefined || v === null || v === "") return DEFAULT_DOTNET_CHANNEL;
  const text = typeof v === "number" && Number.isFinite(v) ? (Number.isInteger(v) ? `${v}.0` : String(v)) : v;
  const what = `the .NET runtime installed for a native app whose published files name none (every other app gets the one its *.runtimeconfig.json names)`;
  if (!(DOTNET_CHANNELS as readonly unknown[]).includes(text)) {
    fail("dotnetChannel", `must be one of ${DOTNET_CHANNELS.join(", ")}, not ${JSON.stringify(v)}: ${what}. Example: pulumi config set aspire:dotnetChannel ${DEFAULT_DOTNET_CHANNEL}`);
    return DEFAULT_DOTNET_CHANNEL;
  }
  const channel = text as DotnetChannel;
  if (channel !== DEFAULT_DOTNET_CHANNEL)
    warnings.push(diagnostic(null, `${NS}:dotnetChannel`, `.NET ${channel} left support on ${DOTNET_END_OF_SUPPORT[channel]}; it is ${what}. ${DEFAULT_DOTNET_CHANNEL} (LTS) is supported until ${DOTNET_END_OF_SUPPORT[DEFAULT_DOTNET_CHANNEL]}: pulumi config set aspire:dotnetChannel ${DEFAULT_DOTNET_CHANNEL}`));
  return channel;
}

/** A secret in a stack file (`{secure: ...}`): set, value unknown here. */
export const SECRET_SET = Symbol("secret");

function decode(v: unknown): unknown {
  if (typeof v === "object" && v !== null && "secure" in v) return SECRET_SET;
  if (typeof v !== "string") return v;
  const t = v.trim();
  // The runtime hands structured values over as JSON text.
  if (t.startsWith("{") || t.startsWith("[")) {
    try {
      return JSON.parse(t);
    } catch {
      return v;
    }
  }
  return v;
}

type Fail = (key: string, message: string) => void;

function strAt(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function str(v: unknown, k: string, fail: Fail, example: string): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") {
    fail(k, `must be a string. Example: ${example}`);
    return undefined;
  }
  return v;
}

function bool(v: unknown, k: string, fail: Fail): boolean | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (v === true || v === "true") return true;
  if (v === false || v === "false") return false;
  fail(k, `must be true or false, not ${JSON.stringify(v)}. Example: pulumi config set aspire:${k} true`);
  return undefined;
}

function int(v: unknown, k: string, fail: Fail): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n)) fail(k, `must be a whole number, not ${JSON.stringify(v)}. Example: pulumi config set aspire:${k} 30`);
  return Number.isInteger(n) ? n : undefined;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], k: string, fail: Fail): T | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if ((allowed as readonly unknown[]).includes(v)) return v as T;
  fail(k, `must be one of ${allowed.join(", ")}, not ${JSON.stringify(v)}. Example: pulumi config set aspire:${k} ${allowed[0]}`);
  return undefined;
}

function stringRecord(v: unknown, k: string, fail: Fail, example: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) {
    fail(k, `must be an object of names to strings. Example: ${example}`);
    return undefined;
  }
  const out: [string, string][] = [];
  for (const [name, value] of Object.entries(v as Record<string, unknown>)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") out.push([name, String(value)]);
    else fail(`${k}.${name}`, `must be a string. Example: ${example}`);
  }
  // Own keys, whatever they are called (`__proto__` included).
  return Object.fromEntries(out);
}

const VM_EXAMPLE = `pulumi config set --path 'aspire:vms.data[0]' cache   (or in Pulumi.<stack>.yaml: aspire:vms: {data: [cache], app: {resources: [apiservice, webfrontend], instanceType: t4g.medium}})`;

function readVms(v: unknown, fail: Fail): Record<string, VmOptions> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) {
    fail("vms", `must be an object of VM names to resource lists. Example: ${VM_EXAMPLE}`);
    return undefined;
  }
  const out: Record<string, VmOptions> = {};
  for (const [name, body] of Object.entries(v as Record<string, unknown>)) {
    const k = `vms.${name}`;
    if (Array.isArray(body)) {
      setOwn(out, name, { resources: body.map(String) });
      continue;
    }
    if (typeof body !== "object" || body === null) {
      fail(k, `must be a list of resources or an object with resources. Example: ${VM_EXAMPLE}`);
      continue;
    }
    const b = body as Record<string, unknown>;
    const resources = Array.isArray(b.resources) ? b.resources.map(String) : [];
    if (!Array.isArray(b.resources)) fail(`${k}.resources`, `must be a list of resource names. Example: ${VM_EXAMPLE}`);
    for (const field of Object.keys(b)) if (!["resources", "instanceType", "diskSizeGb", "runtime", "os"].includes(field)) fail(`${k}.${field}`, `unknown VM setting (use resources, instanceType, diskSizeGb, runtime, os).`);
    setOwn(out, name, {
      resources,
      instanceType: str(b.instanceType, `${k}.instanceType`, fail, "t4g.medium"),
      diskSizeGb: int(b.diskSizeGb, `${k}.diskSizeGb`, fail),
      runtime: oneOf<Runtime>(b.runtime, ["docker", "dotnet"], `${k}.runtime`, fail),
      os: oneOf<OsImage>(b.os, ["ubuntu-24.04", "al2023"], `${k}.os`, fail),
    });
  }
  return out;
}

/** `aspire:parameters` (object) and `aspire:parameters.<name>` (flat keys). Secret values are
 *  recorded as configured without their value: they never enter the plan. */
function readParameters(raw: RawConfig, fail: Fail): { values: Record<string, string>; configured: string[] } {
  const values: Record<string, string> = {};
  const configured: string[] = [];
  const put = (name: string, v: unknown) => {
    configured.push(name);
    if (v === SECRET_SET) return;
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") setOwn(values, name, String(v));
    else fail(`parameters.${name}`, "must be a string. Example: pulumi config set aspire:parameters.NAME VALUE");
  };
  const obj = decode(raw[`${NS}:parameters`]);
  if (obj === SECRET_SET) fail("parameters", "set each parameter as its own key: pulumi config set --secret aspire:parameters.NAME VALUE");
  else if (obj !== undefined) {
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) fail("parameters", "must be an object of parameter names to values. Example: pulumi config set aspire:parameters.NAME VALUE");
    else for (const [name, v] of Object.entries(obj)) put(name, decode(v));
  }
  for (const [full, v] of Object.entries(raw)) if (full.startsWith(`${NS}:parameters.`)) put(full.slice(`${NS}:parameters.`.length), decode(v));
  return { values, configured };
}

function readSsh(v: unknown, fail: Fail): SshOptions {
  if (v === undefined || v === null) return { enabled: false, cidrs: [] };
  if (typeof v !== "object" || Array.isArray(v)) {
    fail("ssh", `must be an object. Example (Pulumi.<stack>.yaml): aspire:ssh: {enabled: true, cidrs: [203.0.113.7/32], publicKey: "ssh-ed25519 AAAA..."}`);
    return { enabled: false, cidrs: [] };
  }
  const s = v as Record<string, unknown>;
  const enabled = s.enabled === true || s.enabled === "true";
  const cidrs = Array.isArray(s.cidrs) ? s.cidrs.map(String) : [];
  for (const c of cidrs) {
    const problem = ipv4CidrProblem(c);
    if (problem) fail("ssh.cidrs", `${problem}. Example: 203.0.113.7/32`);
  }
  if (enabled && cidrs.length === 0) fail("ssh.cidrs", "SSH is enabled but no source range is given: list the addresses allowed to connect, such as [203.0.113.7/32] (SSH is never opened to the whole internet by default).");
  const publicKey = typeof s.publicKey === "string" ? s.publicKey.trim() : undefined;
  // One line: GCP's ssh-keys metadata is a key a line, so a line break would add a key of its own.
  if (publicKey !== undefined && !/^(ssh-(ed25519|rsa)|ecdsa-sha2-[a-z0-9-]+) [A-Za-z0-9+/]+={0,3}( [^\u0000-\u001f\u007f]*)?$/.test(publicKey))
    fail("ssh.publicKey", "must be one OpenSSH public key on one line (ssh-ed25519 AAAA... [comment], or ssh-rsa AAAA...).");
  return { enabled, cidrs, publicKey };
}

function readNetwork(v: unknown, cloud: Cloud, fail: Fail): NetworkOptions {
  if (v === undefined || v === null || v === "default") return { kind: "default" };
  if (v === "create") return { kind: "create", cidr: "10.42.0.0/16" };
  const example = cloud === "aws" ? "aspire:network: {vpcId: vpc-0abc, subnetIds: [subnet-0def]}  (or \"create\", or \"default\")" : "aspire:network: {network: my-vpc, subnetwork: my-subnet}  (or \"create\", or \"default\")";
  if (typeof v !== "object" || Array.isArray(v)) {
    fail("network", `must be "default", "create" or an object. Example: ${example}`);
    return { kind: "default" };
  }
  const n = v as Record<string, unknown>;
  if (n.create === true) {
    const cidr = typeof n.cidr === "string" ? n.cidr : "10.42.0.0/16";
    const problem = ipv4CidrProblem(cidr);
    if (problem) fail("network.cidr", `${problem}. Example: aspire:network: {create: true, cidr: 10.42.0.0/16}`);
    return { kind: "create", cidr };
  }
  const subnetIds = Array.isArray(n.subnetIds) ? n.subnetIds.map(String) : [];
  if (cloud === "aws" && (typeof n.vpcId !== "string" || subnetIds.length === 0)) fail("network", `needs vpcId and subnetIds. Example: ${example}`);
  if (cloud === "gcp" && typeof n.network !== "string") fail("network", `needs network. Example: ${example}`);
  return {
    kind: "existing",
    vpcId: typeof n.vpcId === "string" ? n.vpcId : undefined,
    subnetIds,
    network: typeof n.network === "string" ? n.network : undefined,
    subnetwork: typeof n.subnetwork === "string" ? n.subnetwork : undefined,
  };
}

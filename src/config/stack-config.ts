// Reads the stack's configuration (the `aspire:*` keys, plus the providers' region/zone) into
// deployment options. Pure: the Pulumi program passes `pulumi.runtime.allConfig()`, the CLI the
// `config:` block of Pulumi.<stack>.yaml. Every problem names the key and shows its documented
// example: the keys, the values they allow, their defaults and examples are one table (./keys.ts).
import { diagnostic, imageReferenceProblem, setOwn, type Diagnostic } from "../manifest";
import { x86OnlyImageMessage } from "../manifest/arm64-images";
import { ipv4CidrProblem } from "./cidr";
import {
  exampleText,
  fieldsOf,
  flatPrefixes,
  flow,
  itemExample,
  exampleValue,
  NS,
  stackKey,
  topLevelKeys,
  valuesOf,
} from "./keys";
import {
  DEFAULT_DOTNET_CHANNEL,
  DOTNET_END_OF_SUPPORT,
  type Cloud,
  type DotnetChannel,
  type OsImage,
  type PlanOptions,
  type Runtime,
  type VmOptions,
} from "../plan";

export { DEFAULT_MANIFEST, NS } from "./keys";

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
  | {
      readonly kind: "existing";
      readonly vpcId?: string;
      readonly subnetIds: readonly string[];
      readonly network?: string;
      readonly subnetwork?: string;
    };

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

/** The `aspire:*` keys set at the top, and the prefixes of those set flat (`parameters.`), from the table. */
const KNOWN = new Set(topLevelKeys());
const FLAT = flatPrefixes();

export function readStackConfig(raw: RawConfig): {
  config: DeployConfig;
  errors: Diagnostic[];
  warnings: Diagnostic[];
} {
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const key = (k: string) => `${NS}:${k}`;
  const fail = (k: string, message: string) => errors.push(diagnostic(null, key(k), message));
  const get = (k: string): unknown => decode(raw[key(k)]);

  for (const full of Object.keys(raw)) {
    if (!full.startsWith(`${NS}:`)) continue;
    const k = full.slice(NS.length + 1);
    if (!KNOWN.has(k) && !FLAT.some((prefix) => k.startsWith(prefix)))
      warnings.push(
        diagnostic(
          null,
          full,
          `unknown setting ${full} is ignored (known: ${[...KNOWN].map(key).join(", ")}).`,
        ),
      );
  }

  const cloudRaw = get("cloud") ?? stackKey(key("cloud")).default;
  let cloud: Cloud = "aws";
  if (cloudRaw === "aws" || cloudRaw === "gcp") cloud = cloudRaw;
  else
    fail(
      "cloud",
      `must be ${valuesOf(key("cloud")).join(" or ")}, not ${JSON.stringify(cloudRaw)}. Example: ${exampleText(key("cloud"), cloud)}`,
    );
  const r: Reader = { fail, cloud };

  const manifest =
    str(get("manifest"), top("manifest"), r) ?? String(stackKey(key("manifest")).default);
  const runtime = oneOf<Runtime>(get("runtime"), top("runtime"), r);
  const os = oneOf<OsImage>(get("os"), top("os"), r);
  const instanceType = str(get("instanceType"), top("instanceType"), r);
  const diskSizeGb = int(get("diskSizeGb"), top("diskSizeGb"), r);
  const domain = str(get("domain"), top("domain"), r);
  if (
    domain !== undefined &&
    !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(domain)
  )
    fail(
      "domain",
      `${JSON.stringify(domain)} is not a DNS name. Example: ${exampleText(key("domain"), cloud)}`,
    );

  // Region and zone: the providers' own keys, checked here so a typo fails before anything is created.
  let region: string | undefined;
  let zone: string | undefined;
  let project: string | undefined;
  if (cloud === "aws") {
    region = strAt(decode(raw["aws:region"]));
    if (region === undefined)
      errors.push(
        diagnostic(null, "aws:region", `is not set. Example: ${exampleText("aws:region", cloud)}`),
      );
    else if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region))
      errors.push(
        diagnostic(
          null,
          "aws:region",
          `${JSON.stringify(region)} is not an AWS region name. Example: ${exampleText("aws:region", cloud)}`,
        ),
      );
  } else {
    zone = strAt(decode(raw["gcp:zone"]));
    project = strAt(decode(raw["gcp:project"]));
    if (zone === undefined)
      errors.push(
        diagnostic(null, "gcp:zone", `is not set. Example: ${exampleText("gcp:zone", cloud)}`),
      );
    else if (!/^[a-z]+-[a-z]+\d+-[a-z]$/.test(zone))
      errors.push(
        diagnostic(
          null,
          "gcp:zone",
          `${JSON.stringify(zone)} is not a zone name (region-zone, such as us-central1-a). Example: ${exampleText("gcp:zone", cloud)}`,
        ),
      );
    if (project === undefined)
      errors.push(
        diagnostic(
          null,
          "gcp:project",
          `is not set. Example: ${exampleText("gcp:project", cloud)}`,
        ),
      );
  }

  const vms = readVms(get("vms"), r);
  const images = readImages(get("images"), r);
  // Written into compose files and native.list like the manifest's own images: the same rule.
  for (const [resource, image] of Object.entries(images ?? {})) {
    const problem = imageReferenceProblem(image);
    if (problem)
      fail(
        `images.${resource}`,
        `${problem} Example: ${exampleText(key("images.<resource>"), cloud)}`,
      );
    // The fixed list, as for the manifest's images (the registry is asked at deploy time).
    else {
      const x86 = x86OnlyImageMessage(image);
      if (x86) fail(`images.${resource}`, x86);
    }
  }
  const healthChecks = readHealthChecks(get("healthChecks"), r);
  const sourceRoot = str(get("sourceRoot"), top("sourceRoot"), r);
  const { values: parameters, configured } = readParameters(raw, r);
  const ssh = readSsh(get("ssh"), r);
  const network = readNetwork(get("network"), r);

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
        vmPerService: bool(get("vmPerService"), top("vmPerService"), r),
        instanceType,
        diskSizeGb,
        runtime,
        os,
        domain,
        dashboard: bool(get("dashboard"), top("dashboard"), r),
        images,
        healthChecks,
        parameters,
        sourceRoot,
      },
      ssh,
      network,
      elasticIp: bool(get("elasticIp"), top("elasticIp"), r) ?? booleanDefault("elasticIp"),
      imageUpgrade:
        bool(get("imageUpgrade"), top("imageUpgrade"), r) ?? booleanDefault("imageUpgrade"),
      protectData: bool(get("protectData"), top("protectData"), r) ?? booleanDefault("protectData"),
      dotnetChannel: readDotnetChannel(get("dotnetChannel"), r, warnings),
      configuredParameters: configured,
    },
    errors,
    warnings,
  };
}

/** `aspire:dotnetChannel`: 8.0, 9.0 or 10.0 (a YAML number such as 10.0 or 8 too). */
function readDotnetChannel(v: unknown, r: Reader, warnings: Diagnostic[]): DotnetChannel {
  if (v === undefined || v === null || v === "") return DEFAULT_DOTNET_CHANNEL;
  const text =
    typeof v === "number" && Number.isFinite(v) ? (Number.isInteger(v) ? `${v}.0` : String(v)) : v;
  const what = `the .NET runtime installed for a native app whose published files name none (every other app gets the one its *.runtimeconfig.json names)`;
  const channels = valuesOf(`${NS}:dotnetChannel`);
  if (!(channels as readonly unknown[]).includes(text)) {
    r.fail(
      "dotnetChannel",
      `must be one of ${channels.join(", ")}, not ${JSON.stringify(v)}: ${what}. Example: ${exampleText(`${NS}:dotnetChannel`, r.cloud)}`,
    );
    return DEFAULT_DOTNET_CHANNEL;
  }
  const channel = text as DotnetChannel;
  if (channel !== DEFAULT_DOTNET_CHANNEL)
    warnings.push(
      diagnostic(
        null,
        `${NS}:dotnetChannel`,
        `.NET ${channel} left support on ${DOTNET_END_OF_SUPPORT[channel]}; it is ${what}. ${DEFAULT_DOTNET_CHANNEL} (LTS) is supported until ${DOTNET_END_OF_SUPPORT[DEFAULT_DOTNET_CHANNEL]}: pulumi config set aspire:dotnetChannel ${DEFAULT_DOTNET_CHANNEL}`,
      ),
    );
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

/** What the readers below share: where problems go, and the cloud whose examples they show. */
interface Reader {
  readonly fail: Fail;
  readonly cloud: Cloud;
}

/** Where a value sits: the field a message names (`vms.web.os`) and its key in the table of
 *  keys (`aspire:vms.<name>.os`), whose values and example the message shows. */
interface At {
  readonly field: string;
  readonly key: string;
}

const top = (k: string): At => ({ field: k, key: `${NS}:${k}` });

/** A boolean key's default, from the table. */
function booleanDefault(k: string): boolean {
  return stackKey(`${NS}:${k}`).default === true;
}

function strAt(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function str(v: unknown, at: At, r: Reader): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") {
    r.fail(at.field, `must be a string. Example: ${exampleText(at.key, r.cloud)}`);
    return undefined;
  }
  return v;
}

function bool(v: unknown, at: At, r: Reader): boolean | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (v === true || v === "true") return true;
  if (v === false || v === "false") return false;
  r.fail(
    at.field,
    `must be true or false, not ${JSON.stringify(v)}. Example: ${exampleText(at.key, r.cloud)}`,
  );
  return undefined;
}

function int(v: unknown, at: At, r: Reader): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n))
    r.fail(
      at.field,
      `must be a whole number, not ${JSON.stringify(v)}. Example: ${exampleText(at.key, r.cloud)}`,
    );
  return Number.isInteger(n) ? n : undefined;
}

function oneOf<T extends string>(v: unknown, at: At, r: Reader): T | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const allowed = valuesOf(at.key);
  if ((allowed as readonly unknown[]).includes(v)) return v as T;
  r.fail(
    at.field,
    `must be one of ${allowed.join(", ")}, not ${JSON.stringify(v)}. Example: ${exampleText(at.key, r.cloud)}`,
  );
  return undefined;
}

/** `aspire:images`: resource names to image references (checked by the caller). */
function readImages(v: unknown, r: Reader): Record<string, string> | undefined {
  return readStringMap("images", v, r);
}

/** An object of resource names to strings (`aspire:images`, `aspire:healthChecks`). */
function readStringMap(name: string, v: unknown, r: Reader): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) {
    r.fail(
      name,
      `must be an object of names to strings. Example: ${exampleText(`${NS}:${name}`, r.cloud)}`,
    );
    return undefined;
  }
  const out: [string, string][] = [];
  for (const [field, value] of Object.entries(v as Record<string, unknown>)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      out.push([field, String(value)]);
    else
      r.fail(
        `${name}.${field}`,
        `must be a string. Example: ${exampleText(`${NS}:${name}.<resource>`, r.cloud)}`,
      );
  }
  // Own keys, whatever they are called (`__proto__` included).
  return Object.fromEntries(out);
}

/** The characters of an HTTP health check's path: RFC 3986's unreserved and sub-delims, `:`,
 *  `@`, `/`, `?` and `%` (already encoded), never a space, quote or control character, which the
 *  prober (apply.sh) would have to escape. */
export const HEALTH_PATH_RE = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]{0,200}$/;

/** `aspire:healthChecks`: resource names to the HTTP path apply.sh probes. */
function readHealthChecks(v: unknown, r: Reader): Record<string, string> | undefined {
  const map = readStringMap("healthChecks", v, r);
  for (const [resource, p] of Object.entries(map ?? {}))
    if (!HEALTH_PATH_RE.test(p))
      r.fail(
        `healthChecks.${resource}`,
        `${JSON.stringify(p)} is not an HTTP path: it starts with "/" and holds only letters, digits and - . _ ~ ! $ & ' ( ) * + , ; = : @ / ? %, at most 200 of them. Example: ${exampleText(`${NS}:healthChecks.<resource>`, r.cloud)}`,
      );
  return map;
}

const VMS = `${NS}:vms`;
const VM = `${VMS}.<name>`;

function readVms(v: unknown, r: Reader): Record<string, VmOptions> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) {
    r.fail(
      "vms",
      `must be an object of VM names to resource lists. Example: ${exampleText(VMS, r.cloud)}`,
    );
    return undefined;
  }
  const fields = fieldsOf(VM);
  const out: Record<string, VmOptions> = {};
  for (const [name, body] of Object.entries(v as Record<string, unknown>)) {
    const k = `vms.${name}`;
    const at = (field: string): At => ({ field: `${k}.${field}`, key: `${VM}.${field}` });
    if (Array.isArray(body)) {
      setOwn(out, name, { resources: body.map(String) });
      continue;
    }
    if (typeof body !== "object" || body === null) {
      r.fail(
        k,
        `must be a list of resources or an object with resources. Example: ${exampleText(VM, r.cloud)}`,
      );
      continue;
    }
    const b = body as Record<string, unknown>;
    const resources = Array.isArray(b.resources) ? b.resources.map(String) : [];
    if (!Array.isArray(b.resources))
      r.fail(
        `${k}.resources`,
        `must be a list of resource names. Example: ${exampleText(`${VM}.resources`, r.cloud)}`,
      );
    for (const field of Object.keys(b))
      if (!fields.includes(field))
        r.fail(
          `${k}.${field}`,
          `unknown VM setting (use ${fields.join(", ")}). Example: ${exampleText(VMS, r.cloud)}`,
        );
    setOwn(out, name, {
      resources,
      instanceType: str(b.instanceType, at("instanceType"), r),
      diskSizeGb: int(b.diskSizeGb, at("diskSizeGb"), r),
      runtime: oneOf<Runtime>(b.runtime, at("runtime"), r),
      os: oneOf<OsImage>(b.os, at("os"), r),
    });
  }
  return out;
}

/** `aspire:parameters` (object) and `aspire:parameters.<name>` (flat keys). Secret values are
 *  recorded as configured without their value: they never enter the plan. */
function readParameters(
  raw: RawConfig,
  r: Reader,
): { values: Record<string, string>; configured: string[] } {
  const values: Record<string, string> = {};
  const configured: string[] = [];
  const one = `${NS}:parameters.<name>`;
  const put = (name: string, v: unknown) => {
    configured.push(name);
    if (v === SECRET_SET) return;
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean")
      setOwn(values, name, String(v));
    else r.fail(`parameters.${name}`, `must be a string. Example: ${exampleText(one, r.cloud)}`);
  };
  const obj = decode(raw[`${NS}:parameters`]);
  if (obj === SECRET_SET)
    r.fail(
      "parameters",
      `set each parameter as its own key: ${exampleText(one, r.cloud, { secret: true })}`,
    );
  else if (obj !== undefined) {
    if (typeof obj !== "object" || obj === null || Array.isArray(obj))
      r.fail(
        "parameters",
        `must be an object of parameter names to values. Example: ${exampleText(one, r.cloud)}`,
      );
    else for (const [name, v] of Object.entries(obj)) put(name, decode(v));
  }
  for (const [full, v] of Object.entries(raw))
    if (full.startsWith(`${NS}:parameters.`))
      put(full.slice(`${NS}:parameters.`.length), decode(v));
  return { values, configured };
}

function readSsh(v: unknown, r: Reader): SshOptions {
  if (v === undefined || v === null) return { enabled: false, cidrs: [] };
  if (typeof v !== "object" || Array.isArray(v)) {
    r.fail("ssh", `must be an object. Example: ${exampleText(`${NS}:ssh`, r.cloud)}`);
    return { enabled: false, cidrs: [] };
  }
  const s = v as Record<string, unknown>;
  const enabled = s.enabled === true || s.enabled === "true";
  const cidrs = Array.isArray(s.cidrs) ? s.cidrs.map(String) : [];
  for (const c of cidrs) {
    const problem = ipv4CidrProblem(c);
    if (problem)
      r.fail("ssh.cidrs", `${problem}. Example: ${itemExample(`${NS}:ssh.cidrs`, r.cloud)}`);
  }
  if (enabled && cidrs.length === 0)
    r.fail(
      "ssh.cidrs",
      `SSH is enabled but no source range is given: list the addresses allowed to connect, such as ${flow(exampleValue(`${NS}:ssh.cidrs`, r.cloud))} (SSH is never opened to the whole internet by default).`,
    );
  const publicKey = typeof s.publicKey === "string" ? s.publicKey.trim() : undefined;
  // One line: GCP's ssh-keys metadata is a key a line, so a line break would add a key of its own.
  if (
    publicKey !== undefined &&
    !/^(ssh-(ed25519|rsa)|ecdsa-sha2-[a-z0-9-]+) [A-Za-z0-9+/]+={0,3}( [^\u0000-\u001f\u007f]*)?$/.test(
      publicKey,
    )
  )
    r.fail(
      "ssh.publicKey",
      `must be one OpenSSH public key on one line (ssh-ed25519 AAAA... [comment], or ssh-rsa AAAA...). Example: ${exampleText(`${NS}:ssh.publicKey`, r.cloud)}`,
    );
  return { enabled, cidrs, publicKey };
}

function readNetwork(v: unknown, r: Reader): NetworkOptions {
  const { cloud, fail } = r;
  const kinds = valuesOf(`${NS}:network`).map((k) => JSON.stringify(k));
  const defaultCidr = String(stackKey(`${NS}:network.cidr`).default);
  if (v === undefined || v === null || v === "default") return { kind: "default" };
  if (v === "create") return { kind: "create", cidr: defaultCidr };
  // The existing network's form on this cloud: {vpcId, subnetIds} or {network, subnetwork}.
  const existing = cloud === "aws" ? `${NS}:network.vpcId` : `${NS}:network.network`;
  const example = `${exampleText(existing, cloud)}  (or ${kinds.join(", or ")})`;
  if (typeof v !== "object" || Array.isArray(v)) {
    fail("network", `must be ${kinds.join(", ")} or an object. Example: ${example}`);
    return { kind: "default" };
  }
  const n = v as Record<string, unknown>;
  if (n.create === true) {
    const cidr = typeof n.cidr === "string" ? n.cidr : defaultCidr;
    const problem = ipv4CidrProblem(cidr);
    if (problem)
      fail("network.cidr", `${problem}. Example: ${exampleText(`${NS}:network.cidr`, cloud)}`);
    return { kind: "create", cidr };
  }
  const subnetIds = Array.isArray(n.subnetIds) ? n.subnetIds.map(String) : [];
  if (cloud === "aws" && (typeof n.vpcId !== "string" || subnetIds.length === 0))
    fail("network", `needs vpcId and subnetIds. Example: ${example}`);
  if (cloud === "gcp" && typeof n.network !== "string")
    fail("network", `needs network. Example: ${example}`);
  return {
    kind: "existing",
    vpcId: typeof n.vpcId === "string" ? n.vpcId : undefined,
    subnetIds,
    network: typeof n.network === "string" ? n.network : undefined,
    subnetwork: typeof n.subnetwork === "string" ? n.subnetwork : undefined,
  };
}

// The security policies of a deployment, as pure functions over the resources a Pulumi program
// registers ({type, name, inputs}): arm64 only, IMDSv2, encrypted disks, no ingress from anywhere
// except the app's public ports, no SSH unless enabled, no secret in user data or outputs, and on
// GCP a deny of all other ingress above the network's own allow rules.
// No Pulumi runtime here: the tests run these over runProgramWithMocks' records, and the policy
// pack (policy/index.ts) runs them over `pulumi preview`'s resources. A value that is unknown
// (an Output not resolved during a preview) arrives as undefined; see each policy for what that means.
import * as zlib from "node:zlib";
import { isArmInstanceType } from "../src/plan/arm-types";
import { DENY_PRIORITY, IAP_RANGE } from "./gcp/firewall";
import type { DeploymentPlan } from "../src/plan/model";
import { stackPublicPorts, type PublicPort } from "./arm-app";

export interface PolicyResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Readonly<Record<string, unknown>>;
}

export type { PublicPort };

export interface PolicyContext {
  readonly sshEnabled: boolean;
  /** Sources allowed to reach port 22 when SSH is enabled. */
  readonly sshCidrs: readonly string[];
  /** The only ports that may be open to the whole internet. */
  readonly publicPorts: readonly PublicPort[];
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

/** Web ports only, no SSH: what the policy pack assumes without config. */
export const DEFAULT_POLICY_CONTEXT: PolicyContext = {
  sshEnabled: false,
  sshCidrs: [],
  publicPorts: [
    { port: 80, protocol: "tcp" },
    { port: 443, protocol: "tcp" },
  ],
};

/** Google's IAP TCP-forwarding range (`gcloud compute ssh --tunnel-through-iap`), which the GCP
 *  component opens to port 22 beside the SSH CIDRs. */
export const GCP_IAP_RANGE = IAP_RANGE;

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

/** The context of a stack: its public ports (what the cloud components open: publicIngress in
 *  components/arm-app.ts, for every VM) and its SSH settings. */
export function policyContextFromPlan(plan: DeploymentPlan, ssh: { readonly enabled: boolean; readonly cidrs: readonly string[] }): PolicyContext {
  return { sshEnabled: ssh.enabled, sshCidrs: [...ssh.cidrs], publicPorts: stackPublicPorts(plan) };
}

// ---------------------------------------------------------------------------------------------
// Plain data: Pulumi's mocks hand secret inputs over wrapped in a signature object; unwrap them.

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o[SIG_KEY] === SECRET_SIG) return plain(o.value);
    if (Object.getPrototypeOf(o) !== Object.prototype && Object.getPrototypeOf(o) !== null) return v;
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

function prepare(resources: readonly PolicyResource[]): PolicyResource[] {
  return resources.map((r) => ({ type: r.type, name: r.name, inputs: plain(r.inputs ?? {}) as Record<string, unknown> }));
}

const rec = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const arr = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined);
const strs = (v: unknown): string[] => (arr(v) ?? []).map(str).filter((s): s is string => s !== undefined && s !== "");
function num(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && /^-?\d+$/.test(v.trim())) return Number(v);
  return undefined;
}
/** The last segment of a GCP resource path (zones/z/machineTypes/t2a-standard-1 → t2a-standard-1). */
const baseName = (s: string): string => s.slice(s.lastIndexOf("/") + 1);

function violation(policy: string, r: PolicyResource, message: string): Violation {
  return { policy, resource: r.name, type: r.type, message };
}

// ---------------------------------------------------------------------------------------------
// 1. arm64-only

export const ARM64_ONLY = "arm64-only";

/** Graviton EC2 types only; GCP T2A/C4A/N4A with an ARM64 boot disk of an arm64 image and the
 *  disk type the series takes. An unknown instance/machine type or image is not a violation. */
export function arm64Only(resources: readonly PolicyResource[]): Violation[] {
  const out: Violation[] = [];
  for (const r of prepare(resources)) {
    if (r.type === TYPES.awsInstance) {
      const type = str(r.inputs.instanceType);
      if (type !== undefined && !isArmInstanceType("aws", type))
        out.push(violation(ARM64_ONLY, r, `instance type ${type} is not a Graviton (arm64) type: use a family with a "g" after the generation, such as t4g, m7g, c7g, r8g.`));
    } else if (r.type === TYPES.gcpInstance) {
      const machine = str(r.inputs.machineType);
      const series = machine === undefined ? undefined : baseName(machine);
      if (series !== undefined && !isArmInstanceType("gcp", series))
        out.push(violation(ARM64_ONLY, r, `machine type ${series} is not an Arm machine type: use t2a-*, c4a-* or n4a-*.`));
      const params = rec(rec(r.inputs.bootDisk)?.initializeParams);
      const arch = params?.architecture;
      if (arch !== "ARM64") out.push(violation(ARM64_ONLY, r, `bootDisk.initializeParams.architecture is ${arch === undefined ? "not set" : JSON.stringify(arch)}: set it to "ARM64".`));
      const image = str(params?.image);
      if (image !== undefined && !image.toLowerCase().includes("arm64"))
        out.push(violation(ARM64_ONLY, r, `boot image ${image} is not an arm64 image: use an arm64 image family (e.g. ubuntu-os-cloud/ubuntu-2404-lts-arm64).`));
      if (series !== undefined && isArmInstanceType("gcp", series)) {
        const diskType = str(params?.type);
        const disk = diskType === undefined ? undefined : baseName(diskType);
        const hyperdisk = disk?.startsWith("hyperdisk-") ?? false;
        if (!series.startsWith("t2a-") && !hyperdisk)
          out.push(violation(ARM64_ONLY, r, `${series} boots only from Hyperdisk, and the boot disk type is ${disk ?? "not set (pd-standard)"}: use hyperdisk-balanced.`));
        if (series.startsWith("t2a-") && hyperdisk) out.push(violation(ARM64_ONLY, r, `${series} (Tau T2A) does not support Hyperdisk (${disk}): use pd-balanced.`));
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 2. imdsv2-required

export const IMDSV2_REQUIRED = "imdsv2-required";

/** Every EC2 instance requires IMDSv2 session tokens, with a hop limit of at most 2 (containers). */
export function imdsv2Required(resources: readonly PolicyResource[]): Violation[] {
  const out: Violation[] = [];
  for (const r of prepare(resources)) {
    if (r.type !== TYPES.awsInstance) continue;
    const meta = rec(r.inputs.metadataOptions);
    if (meta?.httpTokens !== "required")
      out.push(violation(IMDSV2_REQUIRED, r, `metadataOptions.httpTokens is ${meta?.httpTokens === undefined ? "not set" : JSON.stringify(meta.httpTokens)}: set it to "required" (IMDSv2 only).`));
    const hops = num(meta?.httpPutResponseHopLimit);
    if (hops !== undefined && hops > 2)
      out.push(violation(IMDSV2_REQUIRED, r, `metadataOptions.httpPutResponseHopLimit is ${hops}: at most 2 (1 for the host, 2 for its containers).`));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 3. disks-encrypted

export const DISKS_ENCRYPTED = "disks-encrypted";

/** EBS root, extra and separate volumes are encrypted. GCP Persistent Disk and Hyperdisk are
 *  always encrypted at rest (Google-managed keys unless a CMEK is given): nothing to check there. */
export function disksEncrypted(resources: readonly PolicyResource[]): Violation[] {
  const out: Violation[] = [];
  for (const r of prepare(resources)) {
    if (r.type === TYPES.awsInstance) {
      if (rec(r.inputs.rootBlockDevice)?.encrypted !== true) out.push(violation(DISKS_ENCRYPTED, r, "rootBlockDevice.encrypted is not true: encrypt the root volume."));
      (arr(r.inputs.ebsBlockDevices) ?? []).forEach((d, i) => {
        if (rec(d)?.encrypted !== true) out.push(violation(DISKS_ENCRYPTED, r, `ebsBlockDevices[${i}].encrypted is not true: encrypt the volume.`));
      });
    } else if (r.type === TYPES.awsVolume && r.inputs.encrypted !== true) {
      out.push(violation(DISKS_ENCRYPTED, r, "encrypted is not true: encrypt the EBS volume."));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Ingress rules of both clouds, in one shape.

type Ports = { readonly from: number; readonly to: number } | "all" | undefined;

interface Ingress {
  readonly resource: PolicyResource;
  /** Which part of the resource: "" for a rule resource, `ingress[1]`, `allows[0]`. */
  readonly where: string;
  readonly cloud: "aws" | "gcp";
  /** tcp, udp, icmp..., "all", or undefined when unknown. */
  readonly protocol: string | undefined;
  /** The port range; "all" for every port; undefined when unknown or not a port protocol. */
  readonly ports: Ports;
  /** Source CIDRs (known ones). */
  readonly cidrs: readonly string[];
  /** Other sources: security groups, prefix lists, self, tags, service accounts. */
  readonly others: readonly string[];
}

function protocolName(p: unknown): string | undefined {
  const s = str(p)?.toLowerCase();
  if (s === undefined) return undefined;
  return ({ "-1": "all", all: "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "132": "sctp" } as Record<string, string>)[s] ?? s;
}

function awsPorts(protocol: string | undefined, from: unknown, to: unknown): Ports {
  if (protocol === "all") return "all";
  const f = num(from);
  const t = num(to);
  if (f === undefined || t === undefined) return undefined;
  // AWS: -1 (or 0-65535) means every port where the protocol has ports.
  if (f === -1 || t === -1 || (f <= 0 && t >= 65535)) return "all";
  return { from: f, to: t };
}

function gcpPorts(p: string): Ports {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(p);
  if (!m) return undefined;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  return from <= 0 && to >= 65535 ? "all" : { from, to };
}

function ingressRules(resources: readonly PolicyResource[]): Ingress[] {
  const out: Ingress[] = [];
  for (const r of resources) {
    const i = r.inputs;
    if (r.type === TYPES.awsIngressRule) {
      const protocol = protocolName(i.ipProtocol);
      out.push({
        resource: r,
        where: "",
        cloud: "aws",
        protocol,
        ports: awsPorts(protocol, i.fromPort, i.toPort),
        cidrs: [str(i.cidrIpv4), str(i.cidrIpv6)].filter((s): s is string => !!s),
        others: [
          ...(str(i.referencedSecurityGroupId) ? [`security group ${str(i.referencedSecurityGroupId)}`] : []),
          ...(str(i.prefixListId) ? [`prefix list ${str(i.prefixListId)}`] : []),
        ],
      });
    } else if (r.type === TYPES.awsSecurityGroupRule || r.type === TYPES.awsSecurityGroup) {
      const entries = r.type === TYPES.awsSecurityGroup ? (arr(i.ingress) ?? []).map((e, n) => [rec(e) ?? {}, `ingress[${n}]`] as const) : i.type === "ingress" ? [[i, ""] as const] : [];
      for (const [e, where] of entries) {
        const protocol = protocolName(e.protocol);
        out.push({
          resource: r,
          where,
          cloud: "aws",
          protocol,
          ports: awsPorts(protocol, e.fromPort, e.toPort),
          cidrs: [...strs(e.cidrBlocks), ...strs(e.ipv6CidrBlocks)],
          others: [
            ...strs(e.securityGroups).map((g) => `security group ${g}`),
            ...(str(e.sourceSecurityGroupId) ? [`security group ${str(e.sourceSecurityGroupId)}`] : []),
            ...strs(e.prefixListIds).map((p) => `prefix list ${p}`),
            ...(e.self === true ? ["the group itself"] : []),
          ],
        });
      }
    } else if (r.type === TYPES.gcpFirewall) {
      if (str(i.direction)?.toUpperCase() === "EGRESS" || i.disabled === true) continue;
      const tags = strs(i.sourceTags);
      const accounts = strs(i.sourceServiceAccounts);
      const ranges = strs(i.sourceRanges);
      // GCP: an ingress rule with no source at all applies to 0.0.0.0/0.
      const cidrs = ranges.length || tags.length || accounts.length ? ranges : ["0.0.0.0/0"];
      const others = [...tags.map((t) => `source tag ${t}`), ...accounts.map((a) => `service account ${a}`)];
      (arr(i.allows) ?? []).forEach((a, n) => {
        const allow = rec(a) ?? {};
        const protocol = protocolName(allow.protocol);
        const ports = arr(allow.ports);
        const list: Ports[] = protocol === "all" || ports === undefined || ports.length === 0 ? ["all"] : ports.map((p) => (str(p) === undefined ? undefined : gcpPorts(str(p)!)));
        for (const p of list) out.push({ resource: r, where: `allows[${n}]`, cloud: "gcp", protocol, ports: p, cidrs, others });
      });
    }
  }
  return out;
}

function describe(g: Ingress): string {
  const ports = g.ports === "all" ? "all ports" : g.ports === undefined ? "unknown ports" : g.ports.from === g.ports.to ? `port ${g.ports.from}` : `ports ${g.ports.from}-${g.ports.to}`;
  const proto = g.protocol === "all" ? "every protocol" : g.protocol === undefined ? "an unknown protocol" : g.protocol;
  return `${g.where ? `${g.where}: ` : ""}${proto === "every protocol" ? proto : `${proto} ${ports}`}`;
}

// ---------------------------------------------------------------------------------------------
// CIDRs

interface Cidr {
  readonly v6: boolean;
  readonly addr: bigint;
  readonly prefix: number;
}

function parseIpv4(s: string): bigint | undefined {
  const parts = s.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((a, p) => (a << 8n) | BigInt(Number(p)), 0n);
}

function parseIpv6(s: string): bigint | undefined {
  let text = s;
  // An embedded IPv4 address (::ffff:192.0.2.1) stands for the last two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = parseIpv4(v4[1]);
    if (n === undefined) return undefined;
    text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if ([...head, ...tail].some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  return [...head, ...Array<string>(fill).fill("0"), ...tail].reduce((a, g) => (a << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function parseCidr(s: string): Cidr | undefined {
  const [ip, len, extra] = s.trim().split("/");
  if (extra !== undefined) return undefined;
  const v6 = ip.includes(":");
  const addr = v6 ? parseIpv6(ip) : parseIpv4(ip);
  const bits = v6 ? 128 : 32;
  const prefix = len === undefined ? bits : /^\d+$/.test(len) ? Number(len) : NaN;
  if (addr === undefined || !(prefix >= 0 && prefix <= bits)) return undefined;
  return { v6, addr, prefix };
}

/** 0.0.0.0/0, ::/0 (or any /0): the whole internet. */
function isWorld(cidr: string): boolean {
  const c = parseCidr(cidr);
  return c ? c.prefix === 0 : /^\s*(0\.0\.0\.0|::)\/0\s*$/.test(cidr);
}

/** Whether `inner` lies within `outer` (same family). Unparsable ones match only themselves. */
function cidrWithin(inner: string, outer: string): boolean {
  const a = parseCidr(inner);
  const b = parseCidr(outer);
  if (!a || !b) return inner.trim() === outer.trim();
  if (a.v6 !== b.v6 || a.prefix < b.prefix) return false;
  const shift = BigInt((a.v6 ? 128 : 32) - b.prefix);
  return a.addr >> shift === b.addr >> shift;
}

// ---------------------------------------------------------------------------------------------
// 4. no-open-ingress

export const NO_OPEN_INGRESS = "no-open-ingress";

/** Ingress from anywhere (0.0.0.0/0, ::/0) only as tcp/udp to a single public port of the app.
 *  A rule whose source is unknown is skipped; one from anywhere with unknown ports is a violation. */
export function noOpenIngress(resources: readonly PolicyResource[], ctx: PolicyContext): Violation[] {
  const out: Violation[] = [];
  const allowed = new Set(ctx.publicPorts.map((p) => `${p.protocol}/${p.port}`));
  const list = ctx.publicPorts.length ? ctx.publicPorts.map((p) => `${p.protocol}/${p.port}`).join(", ") : "none";
  for (const g of ingressRules(prepare(resources))) {
    const world = g.cidrs.filter(isWorld);
    if (!world.length) continue;
    const p = g.ports;
    const ok = (g.protocol === "tcp" || g.protocol === "udp") && p !== undefined && p !== "all" && p.from === p.to && allowed.has(`${g.protocol}/${p.from}`);
    if (!ok)
      out.push(
        violation(
          NO_OPEN_INGRESS,
          g.resource,
          `${describe(g)} is open to ${world.join(" and ")}: only the app's public ports (${list}) may be, one port and protocol per rule. Restrict the source or remove the rule.`,
        ),
      );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 5. no-ssh-unless-enabled

export const NO_SSH_UNLESS_ENABLED = "no-ssh-unless-enabled";

function coversSsh(g: Ingress): boolean {
  if (g.protocol === "all") return true;
  if (g.protocol !== "tcp") return false;
  return g.ports === "all" || (g.ports !== undefined && g.ports.from <= 22 && 22 <= g.ports.to);
}

/** Port 22 (alone, in a range, or in an all-protocol rule) only when SSH is enabled, and then only
 *  from its CIDRs (and Google's IAP range on GCP). */
export function noSshUnlessEnabled(resources: readonly PolicyResource[], ctx: PolicyContext): Violation[] {
  const out: Violation[] = [];
  for (const g of ingressRules(prepare(resources))) {
    if (!coversSsh(g)) continue;
    if (!ctx.sshEnabled) {
      out.push(violation(NO_SSH_UNLESS_ENABLED, g.resource, `${describe(g)} opens SSH (port 22) but SSH is not enabled: remove the rule (use Session Manager / IAP), or enable aspire:ssh with its CIDRs.`));
      continue;
    }
    const permitted = g.cloud === "gcp" ? [...ctx.sshCidrs, GCP_IAP_RANGE] : [...ctx.sshCidrs];
    const bad = [...g.cidrs.filter((c) => !permitted.some((p) => cidrWithin(c, p))), ...g.others];
    if (bad.length)
      out.push(violation(NO_SSH_UNLESS_ENABLED, g.resource, `${describe(g)} opens SSH (port 22) to ${bad.join(", ")}: only to the SSH CIDRs (${permitted.join(", ") || "none"}).`));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 6. no-secret-in-user-data

export const NO_SECRET_IN_USER_DATA = "no-secret-in-user-data";
export const NO_SECRET_IN_OUTPUTS = "no-secret-in-outputs";

interface Secret {
  readonly value: string;
  /** Where the value lives, for messages (never the value itself). */
  readonly source: string;
}

/** The secret values of the stack: SSM SecureStrings and Secret Manager versions (empty ones skipped). */
export function secretValues(resources: readonly PolicyResource[]): string[] {
  return collectSecrets(prepare(resources)).map((s) => s.value);
}

function collectSecrets(resources: readonly PolicyResource[]): Secret[] {
  const out: Secret[] = [];
  for (const r of resources) {
    const value = r.type === TYPES.awsSsmParameter && r.inputs.type === "SecureString" ? str(r.inputs.value) : r.type === TYPES.gcpSecretVersion ? str(r.inputs.secretData) : undefined;
    if (value) out.push({ value, source: `${r.type} ${r.name}` });
  }
  return out;
}

/** The base64 text that encodes `value` wherever it sits in a larger base64 text, for each of the
 *  three byte alignments (the characters shared with neighbouring bytes are left out). */
function base64Cores(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const cores: string[] = [];
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString("base64");
    const core = encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
    if (core.length >= 8) cores.push(core);
  }
  return cores;
}

/** Whether `text` holds `secret` as it is, JSON-escaped, or base64-encoded (cloud-init b64 files). */
function containsSecret(text: string, secret: string): boolean {
  if (text.includes(secret)) return true;
  const escaped = JSON.stringify(secret).slice(1, -1);
  if (escaped !== secret && text.includes(escaped)) return true;
  return base64Cores(secret).some((c) => text.includes(c));
}

/** Decodes base64 user data, gunzipping it when it starts with gzip's magic 1f 8b. */
function decodeBase64UserData(b64: string): { text: string } | { error: string } {
  const bytes = Buffer.from(b64.replace(/\s+/g, ""), "base64");
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return { text: zlib.gunzipSync(bytes).toString("utf8") };
    } catch (e) {
      return { error: `it looks gzip-compressed but does not decompress (${(e as Error).message})` };
    }
  }
  return { text: bytes.toString("utf8") };
}

/** The user data of an instance as the VM reads it, by where it came from. */
function userDataTexts(r: PolicyResource): { where: string; text?: string; error?: string }[] {
  const out: { where: string; text?: string; error?: string }[] = [];
  if (r.type === TYPES.awsInstance) {
    const ud = str(r.inputs.userData);
    if (ud) out.push({ where: "userData", text: ud });
    const b64 = str(r.inputs.userDataBase64);
    if (b64) out.push({ where: "userDataBase64", text: b64 }, { where: "userDataBase64 (decoded)", ...decodeBase64UserData(b64) });
  } else if (r.type === TYPES.gcpInstance) {
    const meta = rec(r.inputs.metadata) ?? {};
    const base64 = str(meta["user-data-encoding"])?.toLowerCase() === "base64";
    for (const [k, v] of Object.entries(meta)) {
      const text = str(v);
      if (!text) continue;
      out.push({ where: `metadata["${k}"]`, text });
      if (k === "user-data" && base64) out.push({ where: `metadata["${k}"] (decoded)`, ...decodeBase64UserData(text) });
    }
    const script = str(r.inputs.metadataStartupScript);
    if (script) out.push({ where: "metadataStartupScript", text: script });
  }
  return out;
}

/** No instance's user data (AWS userData / userDataBase64, gzip or not; GCP metadata, base64 or
 *  not) holds the value of any of the stack's secrets. Anything on the VM can read user data. */
export function noSecretInUserData(resources: readonly PolicyResource[]): Violation[] {
  const rs = prepare(resources);
  const secrets = collectSecrets(rs);
  const out: Violation[] = [];
  for (const r of rs) {
    const parts = userDataTexts(r);
    for (const part of parts)
      if (part.error !== undefined) out.push(violation(NO_SECRET_IN_USER_DATA, r, `${part.where} cannot be checked for secrets: ${part.error}.`));
    for (const s of secrets) {
      const where = parts.filter((part) => part.text !== undefined && containsSecret(part.text, s.value)).map((part) => part.where);
      if (where.length)
        out.push(
          violation(
            NO_SECRET_IN_USER_DATA,
            r,
            `${where.join(" and ")} contain${where.length > 1 ? "" : "s"} the value of the secret ${s.source}: user data is readable by anything on the VM and by anyone who can describe it. Pass the secret's name and read the value at boot.`,
          ),
        );
    }
  }
  return out;
}

/** Stack outputs (resolved, plain) that contain any of `secretValues`, one violation per output. */
export function secretsInOutputs(outputs: Readonly<Record<string, unknown>>, secretValues: readonly string[]): Violation[] {
  const out: Violation[] = [];
  const secrets = secretValues.filter((s) => typeof s === "string" && s !== "");
  for (const [key, value] of Object.entries(outputs)) {
    let text: string;
    try {
      text = JSON.stringify(plain(value), (_k, v) => (typeof v === "bigint" ? v.toString() : v)) ?? "";
    } catch {
      text = String(value);
    }
    const found = secrets.map((s, i) => (containsSecret(text, s) ? i : -1)).filter((i) => i >= 0);
    if (found.length)
      out.push({
        policy: NO_SECRET_IN_OUTPUTS,
        resource: key,
        type: "stack output",
        message: `stack output ${key} contains secret value${found.length > 1 ? "s" : ""} #${found.join(", #")} in plain text: export it with pulumi.secret(), or not at all.`,
      });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 7. gcp-ingress-default-deny

export const GCP_INGRESS_DEFAULT_DENY = "gcp-ingress-default-deny";

/** A GCP firewall that denies every protocol from all of IPv4, enabled, ingress. */
function isDenyAll(r: PolicyResource): boolean {
  const i = r.inputs;
  if (r.type !== TYPES.gcpFirewall || str(i.direction)?.toUpperCase() === "EGRESS" || i.disabled === true) return false;
  const everything = (arr(i.denies) ?? []).some((d) => protocolName(rec(d)?.protocol) === "all" && !(arr(rec(d)?.ports) ?? []).length);
  const ranges = strs(i.sourceRanges);
  // With no source at all, an ingress rule applies to 0.0.0.0/0.
  const fromAnywhere = ranges.length ? ranges.some((c) => isWorld(c) && !c.includes(":")) : !strs(i.sourceTags).length && !strs(i.sourceServiceAccounts).length;
  return everything && fromAnywhere;
}

/** Whether a GCP firewall applies to an instance: same network (when both are known), and its
 *  targets (none: every instance of the network) name one of the instance's tags or its account. */
function firewallTargets(fw: PolicyResource, instance: PolicyResource): boolean {
  const net = str(rec(arr(instance.inputs.networkInterfaces)?.[0])?.network);
  const fwNet = str(fw.inputs.network);
  if (net !== undefined && fwNet !== undefined && baseName(fwNet) !== baseName(net)) return false;
  const tags = strs(fw.inputs.targetTags);
  const accounts = strs(fw.inputs.targetServiceAccounts);
  if (!tags.length && !accounts.length) return true;
  const email = str(rec(instance.inputs.serviceAccount)?.email);
  return tags.some((t) => strs(instance.inputs.tags).includes(t)) || (email !== undefined && accounts.includes(email));
}

/** Every GCP instance is under a deny-all ingress rule of the stack (every protocol, from
 *  0.0.0.0/0) at priority DENY_PRIORITY (1000) or a smaller number. GCP lets a packet in when the
 *  matching rule of highest precedence allows it, so the stack's own allow rules promise nothing
 *  alone: the default network's default-allow-internal, -ssh, -rdp and -icmp (65534) or any allow
 *  rule at the default 1000 would still open every port. Those rules are not the stack's, so
 *  instead of them this checks the deny that overrides them. */
export function gcpIngressDefaultDeny(resources: readonly PolicyResource[]): Violation[] {
  const rs = prepare(resources);
  const denies = rs.filter(isDenyAll);
  const out: Violation[] = [];
  for (const r of rs) {
    if (r.type !== TYPES.gcpInstance) continue;
    const covering = denies.filter((d) => firewallTargets(d, r));
    if (covering.some((d) => (num(d.inputs.priority) ?? 1000) <= DENY_PRIORITY)) continue;
    const low = covering.map((d) => `${d.name} has priority ${num(d.inputs.priority)}`);
    out.push(
      violation(
        GCP_INGRESS_DEFAULT_DENY,
        r,
        `no deny-all ingress firewall rule of the stack covers this instance${low.length ? ` at priority ${DENY_PRIORITY} or a smaller number (${low.join(", ")})` : ""}: the network's own allow rules (the default network's default-allow-internal and default-allow-ssh at 65534, any rule at the default 1000) reach all its ports. Add a rule with denies [{protocol: "all"}] from 0.0.0.0/0 on its network tag at priority ${DENY_PRIORITY}, and put the app's allow rules at a smaller number.`,
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

export const POLICIES: readonly PolicyDefinition[] = [
  {
    name: ARM64_ONLY,
    description: "VMs are Arm: EC2 Graviton instance types; GCP T2A/C4A/N4A machine types with an ARM64 boot disk from an arm64 image (Hyperdisk on C4A/N4A, not on T2A).",
    usesContext: false,
    check: arm64Only,
  },
  {
    name: IMDSV2_REQUIRED,
    description: "EC2 instances require IMDSv2 (metadataOptions.httpTokens = required) with a PUT response hop limit of at most 2.",
    usesContext: false,
    check: imdsv2Required,
  },
  {
    name: DISKS_ENCRYPTED,
    description: "EBS root, attached and separate volumes are encrypted (GCP disks are always encrypted at rest).",
    usesContext: false,
    check: disksEncrypted,
  },
  {
    name: NO_OPEN_INGRESS,
    description: "Ingress from 0.0.0.0/0 or ::/0 only as tcp/udp to a single one of the app's public ports; never all protocols.",
    usesContext: true,
    check: noOpenIngress,
  },
  {
    name: NO_SSH_UNLESS_ENABLED,
    description: "No ingress to port 22 unless SSH is enabled, and then only from the SSH CIDRs (plus Google's IAP range on GCP).",
    usesContext: true,
    check: noSshUnlessEnabled,
  },
  {
    name: NO_SECRET_IN_USER_DATA,
    description: "No VM's user data (plain, base64 or gzipped; GCP metadata) contains the value of an SSM SecureString or Secret Manager version.",
    usesContext: false,
    check: noSecretInUserData,
  },
  {
    name: GCP_INGRESS_DEFAULT_DENY,
    description: `Every GCP instance is under a deny-all ingress firewall rule of the stack (all protocols from 0.0.0.0/0) at priority ${DENY_PRIORITY} or a smaller number, so the network's own allow rules (default-allow-ssh, default-allow-internal) do not reach it.`,
    usesContext: false,
    check: gcpIngressDefaultDeny,
  },
];

/** Every policy over the resources, in POLICIES order. */
export function checkAll(resources: readonly PolicyResource[], ctx: PolicyContext = DEFAULT_POLICY_CONTEXT): Violation[] {
  return POLICIES.flatMap((p) => p.check(resources, ctx));
}

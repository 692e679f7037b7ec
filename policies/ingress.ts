// The ingress rules of both clouds in one shape, for the policies that read them: AWS's
// SecurityGroupIngressRule, the inline and legacy security group rules, and GCP's firewalls.
import { arr, num, rec, str, strs, TYPES, type PolicyResource } from "./resources";

type Ports = { readonly from: number; readonly to: number } | "all" | undefined;

export interface Ingress {
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

export function protocolName(p: unknown): string | undefined {
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

/** Every ingress rule of the resources (AWS rules, inline security group rules, GCP firewalls), one
 *  entry per port range. */
export function ingressRules(resources: readonly PolicyResource[]): Ingress[] {
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

/** The rule as messages name it: where in the resource, protocol, ports. */
export function describe(g: Ingress): string {
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
export function isWorld(cidr: string): boolean {
  const c = parseCidr(cidr);
  return c ? c.prefix === 0 : /^\s*(0\.0\.0\.0|::)\/0\s*$/.test(cidr);
}

/** Whether `inner` lies within `outer` (same family). Unparsable ones match only themselves. */
export function cidrWithin(inner: string, outer: string): boolean {
  const a = parseCidr(inner);
  const b = parseCidr(outer);
  if (!a || !b) return inner.trim() === outer.trim();
  if (a.v6 !== b.v6 || a.prefix < b.prefix) return false;
  const shift = BigInt((a.v6 ? 128 : 32) - b.prefix);
  return a.addr >> shift === b.addr >> shift;
}

// The ingress rules of both clouds in one shape, for the policies that read them: AWS's
// SecurityGroupIngressRule, the inline and legacy security group rules, and GCP's firewalls.
import { cidrContains, parseCidr, type Cidr } from "../src/config/cidr";
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
  return (
    (
      {
        "-1": "all",
        all: "all",
        "6": "tcp",
        "17": "udp",
        "1": "icmp",
        "58": "icmpv6",
        "132": "sctp",
      } as Record<string, string>
    )[s] ?? s
  );
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
          ...(str(i.referencedSecurityGroupId)
            ? [`security group ${str(i.referencedSecurityGroupId)}`]
            : []),
          ...(str(i.prefixListId) ? [`prefix list ${str(i.prefixListId)}`] : []),
        ],
      });
    } else if (r.type === TYPES.awsSecurityGroupRule || r.type === TYPES.awsSecurityGroup) {
      const entries =
        r.type === TYPES.awsSecurityGroup
          ? (arr(i.ingress) ?? []).map((e, n) => [rec(e) ?? {}, `ingress[${n}]`] as const)
          : i.type === "ingress"
            ? [[i, ""] as const]
            : [];
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
            ...(str(e.sourceSecurityGroupId)
              ? [`security group ${str(e.sourceSecurityGroupId)}`]
              : []),
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
      const others = [
        ...tags.map((t) => `source tag ${t}`),
        ...accounts.map((a) => `service account ${a}`),
      ];
      (arr(i.allows) ?? []).forEach((a, n) => {
        const allow = rec(a) ?? {};
        const protocol = protocolName(allow.protocol);
        const ports = arr(allow.ports);
        const list: Ports[] =
          protocol === "all" || ports === undefined || ports.length === 0
            ? ["all"]
            : ports.map((p) => (str(p) === undefined ? undefined : gcpPorts(str(p)!)));
        for (const p of list)
          out.push({
            resource: r,
            where: `allows[${n}]`,
            cloud: "gcp",
            protocol,
            ports: p,
            cidrs,
            others,
          });
      });
    }
  }
  return out;
}

/** The rule as messages name it: where in the resource, protocol, ports. */
export function describe(g: Ingress): string {
  const ports =
    g.ports === "all"
      ? "all ports"
      : g.ports === undefined
        ? "unknown ports"
        : g.ports.from === g.ports.to
          ? `port ${g.ports.from}`
          : `ports ${g.ports.from}-${g.ports.to}`;
  const proto =
    g.protocol === "all"
      ? "every protocol"
      : g.protocol === undefined
        ? "an unknown protocol"
        : g.protocol;
  return `${g.where ? `${g.where}: ` : ""}${proto === "every protocol" ? proto : `${proto} ${ports}`}`;
}

// ---------------------------------------------------------------------------------------------
// Sources, read by src/config/cidr.ts. Around them white space is allowed; a bare address is its
// own block (/32, /128).

const source = (text: string): Cidr | undefined => parseCidr(text.trim(), { bareAddress: true });

/** 0.0.0.0/0, ::/0 (or any /0): the whole internet. */
export function isWorld(cidr: string): boolean {
  return source(cidr)?.prefix === 0;
}

/** The whole internet, or a source that is not a CIDR but ends in /0 (00.0.0.0/0): a rule that
 *  opens to it is read as open to everything, in case the cloud reads it so. (A deny from it is
 *  not read as a deny of everything: isWorld.) */
export function mayBeWorld(cidr: string): boolean {
  return isWorld(cidr) || (source(cidr) === undefined && /\/\s*0+\s*$/.test(cidr));
}

/** Whether `inner` lies within `outer` (same family). Unparsable ones match only themselves. */
export function cidrWithin(inner: string, outer: string): boolean {
  const a = source(inner);
  const b = source(outer);
  if (!a || !b) return inner.trim() === outer.trim();
  return cidrContains(b, a);
}

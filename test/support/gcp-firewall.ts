// What GCP's VPC firewall lets in, from the rules' inputs: enough of its evaluation to ask "can
// this source reach this VM on this protocol and port". The matching ingress rule with the lowest
// priority number wins, a deny beats an allow of the same priority, and what no rule matches is
// denied by the implied rule (65535). (Compute Engine API, Firewall.priority,
// https://cloud.google.com/compute/docs/reference/latest/firewalls; "VPC firewall rules",
// https://cloud.google.com/vpc/docs/firewalls.) Left out: egress rules (the implied allow egress
// stands), service-account sources and targets, IPv6, hierarchical and network firewall policies.
import { cidrContains, parseCidr } from "../../src/config/cidr";

export interface FirewallRule {
  readonly name: string;
  readonly network: string;
  readonly direction?: string;
  readonly priority?: number;
  readonly allows?: readonly { readonly protocol: string; readonly ports?: readonly string[] }[];
  readonly denies?: readonly { readonly protocol: string; readonly ports?: readonly string[] }[];
  readonly sourceRanges?: readonly string[];
  readonly sourceTags?: readonly string[];
  readonly targetTags?: readonly string[];
  readonly disabled?: boolean;
}

/** Where a packet comes from: an address, and the network tags of its VM when it is a VM of the
 *  same network reaching the target's internal address (source tags match only that). */
export interface Source {
  readonly ip: string;
  readonly tags?: readonly string[];
}

/** The VM a packet goes to. */
export interface Target {
  readonly network: string;
  readonly tags: readonly string[];
}

export type Protocol = "tcp" | "udp" | "icmp";

export interface Verdict {
  readonly allowed: boolean;
  /** The rule that decided: its name, or "implied deny ingress". */
  readonly rule: string;
}

/** The rules GCP puts in a project's `default` network (its prepopulated rules). */
export function defaultNetworkRules(network = "default"): FirewallRule[] {
  const rule = (
    name: string,
    allows: FirewallRule["allows"],
    sourceRanges: string[],
  ): FirewallRule => ({
    name,
    network,
    direction: "INGRESS",
    priority: 65534,
    allows,
    sourceRanges,
  });
  return [
    rule(
      "default-allow-internal",
      [
        { protocol: "tcp", ports: ["0-65535"] },
        { protocol: "udp", ports: ["0-65535"] },
        { protocol: "icmp" },
      ],
      ["10.128.0.0/9"],
    ),
    rule("default-allow-ssh", [{ protocol: "tcp", ports: ["22"] }], ["0.0.0.0/0"]),
    rule("default-allow-rdp", [{ protocol: "tcp", ports: ["3389"] }], ["0.0.0.0/0"]),
    rule("default-allow-icmp", [{ protocol: "icmp" }], ["0.0.0.0/0"]),
  ];
}

/** A firewall as the component registered it (its Pulumi inputs), as a rule to evaluate. */
export function ruleFromInputs(name: string, inputs: Record<string, any>): FirewallRule {
  return {
    name,
    network: String(inputs.network),
    direction: inputs.direction,
    priority: inputs.priority,
    allows: inputs.allows,
    denies: inputs.denies,
    sourceRanges: inputs.sourceRanges,
    sourceTags: inputs.sourceTags,
    targetTags: inputs.targetTags,
    disabled: inputs.disabled,
  };
}

/** Whether `source` reaches `target` on `protocol`/`port` (no port for icmp), and which rule says so. */
export function reach(
  rules: readonly FirewallRule[],
  target: Target,
  source: Source,
  protocol: Protocol,
  port?: number,
): Verdict {
  const matching = rules
    .filter((r) => applies(r, target, source))
    .flatMap((r) => {
      const hits: { rule: FirewallRule; allow: boolean }[] = [];
      if ((r.denies ?? []).some((e) => covers(e, protocol, port)))
        hits.push({ rule: r, allow: false });
      if ((r.allows ?? []).some((e) => covers(e, protocol, port)))
        hits.push({ rule: r, allow: true });
      return hits;
    });
  if (!matching.length) return { allowed: false, rule: "implied deny ingress" };
  const best = Math.min(...matching.map((m) => m.rule.priority ?? 1000));
  const top = matching.filter((m) => (m.rule.priority ?? 1000) === best);
  const decider = top.find((m) => !m.allow) ?? top[0];
  return { allowed: decider.allow, rule: decider.rule.name };
}

function applies(r: FirewallRule, target: Target, source: Source): boolean {
  if (r.disabled || (r.direction ?? "INGRESS").toUpperCase() !== "INGRESS") return false;
  if (networkName(r.network) !== networkName(target.network)) return false;
  if (r.targetTags?.length && !r.targetTags.some((t) => target.tags.includes(t))) return false;
  const ranges = r.sourceRanges ?? [];
  const tags = r.sourceTags ?? [];
  // An ingress rule matches sources in its ranges OR of its tags; with neither, every source.
  if (!ranges.length && !tags.length) return true;
  return ranges.some((c) => inCidr(source.ip, c)) || tags.some((t) => source.tags?.includes(t));
}

function covers(
  entry: { protocol: string; ports?: readonly string[] },
  protocol: Protocol,
  port?: number,
): boolean {
  const p = entry.protocol.toLowerCase();
  if (p !== "all" && p !== protocol) return false;
  if (!entry.ports?.length || port === undefined) return true;
  return entry.ports.some((spec) => {
    const [from, to = from] = spec.split("-").map(Number);
    return from <= port && port <= to;
  });
}

/** A network's name, whether given as a name, a path or a URL. */
function networkName(n: string): string {
  return n.slice(n.lastIndexOf("/") + 1);
}

/** Whether the address is in the range (read by src/config/cidr.ts, as the program reads them). */
export function inCidr(ip: string, cidr: string): boolean {
  const address = parseCidr(ip, { bareAddress: true });
  const range = parseCidr(cidr, { bareAddress: true });
  if (!address || address.prefix !== (address.family === 4 ? 32 : 128))
    throw new Error(`not an address: ${ip}`);
  if (!range) throw new Error(`not a CIDR: ${cidr}`);
  return cidrContains(range, address);
}

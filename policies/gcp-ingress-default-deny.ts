// gcp-ingress-default-deny: on GCP, the stack's deny of all other ingress covers every instance.
import { DENY_PRIORITY } from "../components/gcp/firewall";
import { isWorld, protocolName } from "./ingress";
import {
  arr,
  baseName,
  num,
  prepare,
  rec,
  str,
  strs,
  TYPES,
  violation,
  type PolicyResource,
  type Violation,
} from "./resources";

export const GCP_INGRESS_DEFAULT_DENY = "gcp-ingress-default-deny";

/** A GCP firewall that denies every protocol from all of IPv4, enabled, ingress. */
function isDenyAll(r: PolicyResource): boolean {
  const i = r.inputs;
  if (
    r.type !== TYPES.gcpFirewall ||
    str(i.direction)?.toUpperCase() === "EGRESS" ||
    i.disabled === true
  )
    return false;
  const everything = (arr(i.denies) ?? []).some(
    (d) => protocolName(rec(d)?.protocol) === "all" && !(arr(rec(d)?.ports) ?? []).length,
  );
  const ranges = strs(i.sourceRanges);
  // With no source at all, an ingress rule applies to 0.0.0.0/0.
  const fromAnywhere = ranges.length
    ? ranges.some((c) => isWorld(c) && !c.includes(":"))
    : !strs(i.sourceTags).length && !strs(i.sourceServiceAccounts).length;
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
  return (
    tags.some((t) => strs(instance.inputs.tags).includes(t)) ||
    (email !== undefined && accounts.includes(email))
  );
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

// no-ssh-unless-enabled: port 22 is closed unless aspire:ssh opens it, and then only to its CIDRs.
import { IAP_RANGE } from "../components/gcp/firewall";
import type { PolicyContext } from "./context";
import { cidrWithin, describe, ingressRules, type Ingress } from "./ingress";
import { prepare, violation, type PolicyResource, type Violation } from "./resources";

export const NO_SSH_UNLESS_ENABLED = "no-ssh-unless-enabled";

/** Google's IAP TCP-forwarding range (`gcloud compute ssh --tunnel-through-iap`), which the GCP
 *  component opens to port 22 beside the SSH CIDRs. */
export const GCP_IAP_RANGE = IAP_RANGE;

function coversSsh(g: Ingress): boolean {
  if (g.protocol === "all") return true;
  if (g.protocol !== "tcp") return false;
  return g.ports === "all" || (g.ports !== undefined && g.ports.from <= 22 && 22 <= g.ports.to);
}

/** Port 22 (alone, in a range, or in an all-protocol rule) only when SSH is enabled, and then only
 *  from its CIDRs (and Google's IAP range on GCP). */
export function noSshUnlessEnabled(
  resources: readonly PolicyResource[],
  ctx: PolicyContext,
): Violation[] {
  const out: Violation[] = [];
  for (const g of ingressRules(prepare(resources))) {
    if (!coversSsh(g)) continue;
    if (!ctx.sshEnabled) {
      out.push(
        violation(
          NO_SSH_UNLESS_ENABLED,
          g.resource,
          `${describe(g)} opens SSH (port 22) but SSH is not enabled: remove the rule (use Session Manager / IAP), or enable aspire:ssh with its CIDRs.`,
        ),
      );
      continue;
    }
    const permitted = g.cloud === "gcp" ? [...ctx.sshCidrs, GCP_IAP_RANGE] : [...ctx.sshCidrs];
    const bad = [...g.cidrs.filter((c) => !permitted.some((p) => cidrWithin(c, p))), ...g.others];
    if (bad.length)
      out.push(
        violation(
          NO_SSH_UNLESS_ENABLED,
          g.resource,
          `${describe(g)} opens SSH (port 22) to ${bad.join(", ")}: only to the SSH CIDRs (${permitted.join(", ") || "none"}).`,
        ),
      );
  }
  return out;
}

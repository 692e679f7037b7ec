// no-open-ingress: nothing is open to the whole internet but the app's public ports.
import type { PolicyContext } from "./context";
import { describe, ingressRules, mayBeWorld } from "./ingress";
import { prepare, violation, type PolicyResource, type Violation } from "./resources";

export const NO_OPEN_INGRESS = "no-open-ingress";

/** Ingress from anywhere (0.0.0.0/0, ::/0) only as tcp/udp to a single public port of the app.
 *  A rule whose source is unknown is skipped; one from anywhere with unknown ports is a violation. */
export function noOpenIngress(
  resources: readonly PolicyResource[],
  ctx: PolicyContext,
): Violation[] {
  const out: Violation[] = [];
  const allowed = new Set(ctx.publicPorts.map((p) => `${p.protocol}/${p.port}`));
  const list = ctx.publicPorts.length
    ? ctx.publicPorts.map((p) => `${p.protocol}/${p.port}`).join(", ")
    : "none";
  for (const g of ingressRules(prepare(resources))) {
    const world = g.cidrs.filter(mayBeWorld);
    if (!world.length) continue;
    const p = g.ports;
    const ok =
      (g.protocol === "tcp" || g.protocol === "udp") &&
      p !== undefined &&
      p !== "all" &&
      p.from === p.to &&
      allowed.has(`${g.protocol}/${p.from}`);
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

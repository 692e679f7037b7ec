// What two policies need to know of the stack beyond its resources: the ports that may be open to
// the whole internet, and whether SSH is enabled and from where. From a plan, these are what the
// cloud components open (components/arm-app.ts); the policy pack takes them as config.
import type { DeploymentPlan } from "../src/plan/model";
import { stackPublicPorts, type PublicPort } from "../components/arm-app";

export type { PublicPort };

export interface PolicyContext {
  readonly sshEnabled: boolean;
  /** Sources allowed to reach port 22 when SSH is enabled. */
  readonly sshCidrs: readonly string[];
  /** The only ports that may be open to the whole internet. */
  readonly publicPorts: readonly PublicPort[];
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

/** The context of a stack: its public ports (what the cloud components open: publicIngress in
 *  components/arm-app.ts, for every VM) and its SSH settings. */
export function policyContextFromPlan(
  plan: DeploymentPlan,
  ssh: { readonly enabled: boolean; readonly cidrs: readonly string[] },
): PolicyContext {
  return { sshEnabled: ssh.enabled, sshCidrs: [...ssh.cidrs], publicPorts: stackPublicPorts(plan) };
}

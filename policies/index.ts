// The security policies of a deployment, as pure functions over the resources a Pulumi program
// registers ({type, name, inputs}): arm64 only, IMDSv2, encrypted disks, no ingress from anywhere
// except the app's public ports, no SSH unless enabled, no secret in user data or outputs, and on
// GCP a deny of all other ingress above the network's own allow rules. A file per policy.
// No Pulumi runtime here: the tests run these over runProgramWithMocks' records, and the policy
// pack (policy/index.ts) runs them over `pulumi preview`'s resources. A value that is unknown
// (an Output not resolved during a preview) arrives as undefined; see each policy for what that means.
import { DENY_PRIORITY } from "../components/gcp/firewall";
import { ARM64_ONLY, arm64Only } from "./arm64-only";
import { DEFAULT_POLICY_CONTEXT, type PolicyContext } from "./context";
import { DISKS_ENCRYPTED, disksEncrypted } from "./disks-encrypted";
import { GCP_INGRESS_DEFAULT_DENY, gcpIngressDefaultDeny } from "./gcp-ingress-default-deny";
import { IMDSV2_REQUIRED, imdsv2Required } from "./imdsv2-required";
import { NO_OPEN_INGRESS, noOpenIngress } from "./no-open-ingress";
import { NO_SSH_UNLESS_ENABLED, noSshUnlessEnabled } from "./no-ssh-unless-enabled";
import type { PolicyDefinition, PolicyResource, Violation } from "./resources";
import { NO_SECRET_IN_USER_DATA, noSecretInUserData } from "./secrets";

export { ARM64_ONLY, arm64Only } from "./arm64-only";
export {
  DEFAULT_POLICY_CONTEXT,
  policyContextFromPlan,
  type PolicyContext,
  type PublicPort,
} from "./context";
export { DISKS_ENCRYPTED, disksEncrypted } from "./disks-encrypted";
export { GCP_INGRESS_DEFAULT_DENY, gcpIngressDefaultDeny } from "./gcp-ingress-default-deny";
export { IMDSV2_REQUIRED, imdsv2Required } from "./imdsv2-required";
export { NO_OPEN_INGRESS, noOpenIngress } from "./no-open-ingress";
export { GCP_IAP_RANGE, NO_SSH_UNLESS_ENABLED, noSshUnlessEnabled } from "./no-ssh-unless-enabled";
export {
  TYPES,
  type PolicyCheck,
  type PolicyDefinition,
  type PolicyResource,
  type Violation,
} from "./resources";
export {
  NO_SECRET_IN_OUTPUTS,
  NO_SECRET_IN_USER_DATA,
  noSecretInUserData,
  secretsInOutputs,
  secretValues,
} from "./secrets";

/** Every policy, in the order checkAll runs them (and the pack lists them). */
export const POLICIES: readonly PolicyDefinition[] = [
  {
    name: ARM64_ONLY,
    description:
      "VMs are Arm: EC2 Graviton instance types; GCP T2A/C4A/N4A machine types with an ARM64 boot disk from an arm64 image (Hyperdisk on C4A/N4A, not on T2A).",
    usesContext: false,
    check: arm64Only,
  },
  {
    name: IMDSV2_REQUIRED,
    description:
      "EC2 instances require IMDSv2 (metadataOptions.httpTokens = required) with a PUT response hop limit of at most 2.",
    usesContext: false,
    check: imdsv2Required,
  },
  {
    name: DISKS_ENCRYPTED,
    description:
      "EBS root, attached and separate volumes are encrypted (GCP disks are always encrypted at rest).",
    usesContext: false,
    check: disksEncrypted,
  },
  {
    name: NO_OPEN_INGRESS,
    description:
      "Ingress from 0.0.0.0/0 or ::/0 only as tcp/udp to a single one of the app's public ports; never all protocols.",
    usesContext: true,
    check: noOpenIngress,
  },
  {
    name: NO_SSH_UNLESS_ENABLED,
    description:
      "No ingress to port 22 unless SSH is enabled, and then only from the SSH CIDRs (plus Google's IAP range on GCP).",
    usesContext: true,
    check: noSshUnlessEnabled,
  },
  {
    name: NO_SECRET_IN_USER_DATA,
    description:
      "No VM's user data (plain, base64 or gzipped; GCP metadata) contains the value of an SSM SecureString or Secret Manager version.",
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
export function checkAll(
  resources: readonly PolicyResource[],
  ctx: PolicyContext = DEFAULT_POLICY_CONTEXT,
): Violation[] {
  return POLICIES.flatMap((p) => p.check(resources, ctx));
}

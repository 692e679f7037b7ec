// Where the app's firewall rules sit among the other rules of the network, and the range IAP
// connects from. No Pulumi here: the policies read these numbers too.
//
// GCP applies, to each packet, the matching VPC firewall rule of highest precedence: the one with
// the lowest priority number (0 to 65535, 1000 when not given); between a deny and an allow of the
// same priority the deny wins; what no rule matches meets the implied deny-ingress rule (65535).
// (Compute Engine API reference, resource Firewall, field `priority`:
// https://cloud.google.com/compute/docs/reference/latest/firewalls. The implied rules, the
// default network's prepopulated rules and the always-allowed metadata server traffic: "VPC
// firewall rules", https://cloud.google.com/vpc/docs/firewalls.)
//
// So our allow rules alone promise nothing: any allow rule of the network that matches a packet is
// enough. The project's `default` network comes with default-allow-internal (every port from
// 10.128.0.0/9), default-allow-ssh (22 from 0.0.0.0/0), default-allow-rdp (3389) and
// default-allow-icmp, all at priority 65534, and an existing network can hold any rule at the
// default 1000. Hence a deny-all ingress rule on the app's VMs at DENY_PRIORITY, which beats those
// (65534 by number, 1000 by the tie that deny wins), and the app's own allow rules (public ports,
// private ports from the app's VMs, SSH and IAP when enabled) at ALLOW_PRIORITY, above the deny.
//
// What the deny does not touch: the VM's traffic with the metadata server (169.254.169.254: the
// metadata, the service account's tokens, the VPC's DNS resolver), which GCP always allows; and
// replies to the VM's own connections (firewall rules are stateful), so egress keeps working.
// What still comes first, as the network owner's deliberate choice: an allow rule of the network
// with a number below DENY_PRIORITY (it opens what it matches), a deny rule with a number below
// ALLOW_PRIORITY (it closes what it matches), and hierarchical firewall policies.

/** The app's allow rules: above the deny, and above every allow rule at the default priority. */
export const ALLOW_PRIORITY = 900;

/** The deny-all ingress rule of the app's VMs: the default priority, where deny wins the tie with
 *  any allow at 1000, and far above the default network's rules (65534). */
export const DENY_PRIORITY = 1000;

/** Google's range for IAP TCP forwarding: `gcloud compute ssh --tunnel-through-iap` comes from it. */
export const IAP_RANGE = "35.235.240.0/20";

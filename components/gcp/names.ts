// GCP names that the component chooses itself: network tags, service account ids, labels. Each
// has its own rules (RFC 1035 labels of at most 63 or 30 characters, label keys and values), and
// each must stay unique between stacks that share a project and a network.
import { fitName, safeName, stackSegment } from "../../src/plan";

export { fitName };

/** The network tag every VM of the stack carries: private ports are open to it, and to nothing else. */
export function appNetworkTag(stack: string): string {
  return fitName(`aspire-arm-${stackSegment(stack)}`, 63);
}

/** The network tag of one VM, the target of its own firewall rules. The double dash keeps it
 *  apart from every stack's app tag and from other stacks' VM tags (safe names never contain
 *  "--"): with a single dash, VM `b-c` of stack `a` and VM `c` of stack `a-b` would share a tag,
 *  and stack `a-b`'s app tag would be VM `b` of stack `a`'s, so one stack's rules would open
 *  ports on another's VMs in a shared network. */
export function vmNetworkTag(stack: string, vm: string): string {
  return fitName(`aspire-arm-${stackSegment(stack)}--${safeName(vm)}`, 63);
}

/** The VM's service account id: 6 to 30 characters, [a-z][-a-z0-9]*[a-z0-9], unique per project. */
export function serviceAccountId(stack: string, vm: string): string {
  return fitName(`aspire-${stackSegment(stack)}--${safeName(vm)}`, 30);
}

/** Free text cut to `maxBytes` UTF-8 bytes, with "..." when cut: the service account's display
 *  name takes at most 100 bytes and its description 256
 *  (https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts), and a stack
 *  name alone can be 100 characters. */
export function fitText(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let cut = text;
  while (Buffer.byteLength(`${cut}...`) > maxBytes) cut = cut.slice(0, -1);
  return `${cut}...`;
}

/** Tags as GCP labels: keys start with a lower-case letter, keys and values are lower-case
 *  letters, digits, `-` and `_`, at most 63 characters. */
export function gcpLabels(tags: Readonly<Record<string, string>>): Record<string, string> {
  const clean = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, "-")
      .slice(0, 63);
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) {
    const key = clean(/^[a-z]/i.test(k) ? k : `l-${k}`);
    labels[key] = clean(v);
  }
  return labels;
}

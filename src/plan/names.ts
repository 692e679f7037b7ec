// Names that are safe everywhere a plan name goes: DNS labels, Docker container and compose
// service names, systemd units, cloud resource names. Aspire names are case-preserving and may
// contain upper case, dots or underscores (`CQRS-Library-BookService-Db`).
import { createHash } from "node:crypto";

/** Lower-case, [a-z0-9-], no leading/trailing dash, at most 50 characters. */
export function safeName(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 50)
    .replace(/-$/, "");
  return s || "x";
}

/** `base` when it fits in `max` characters, else its head and a hash of the whole: still unique,
 *  still a lower-case RFC 1035 label when `base` is one. */
export function fitName(base: string, max: number): string {
  if (base.length <= max) return base;
  const hash = createHash("sha256").update(base).digest("hex").slice(0, 6);
  return `${base.slice(0, max - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/** The stack's name inside the physical names that stacks of one account, project or network must
 *  not share: SSM parameter paths, Secret Manager ids, ECR and Artifact Registry repositories, GCP
 *  service accounts and network tags, the private DNS zone. Pulumi allows stack names of up to 100
 *  characters of letters, digits, `-`, `_` and `.`, in either case; these names take lower-case
 *  [a-z0-9-] (ECR: lower case only; GCP: RFC 1035). A stack whose name already is its safe name
 *  (dev, prod, gcp-dev) keeps it; any other gets its safe name and a hash of the exact name, so
 *  that `Prod` and `prod`, or `feature_branch.42` and `feature-branch-42`, or two long names alike
 *  in their first 50 characters, never share a secret, a repository or a firewall tag. At most
 *  50 characters. */
export function stackSegment(stack: string): string {
  const safe = safeName(stack);
  if (safe === stack) return safe;
  const hash = createHash("sha256").update(stack).digest("hex").slice(0, 8);
  return `${safe.slice(0, 50 - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/** Safe names for a list of names, made unique with numeric suffixes where sanitising collides. */
export function uniqueSafeNames(
  names: readonly string[],
  reserved: readonly string[] = [],
): Map<string, string> {
  const used = new Set(reserved);
  const out = new Map<string, string>();
  for (const name of names) {
    const base = safeName(name);
    let candidate = base;
    for (let i = 2; used.has(candidate); i++) candidate = `${base}-${i}`;
    used.add(candidate);
    out.set(name, candidate);
  }
  return out;
}

/** An environment-variable-safe upper-case form: `cache-password` -> `CACHE_PASSWORD`. */
export function envName(name: string): string {
  return name
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, "_")
    .replace(/^_|_$/g, "");
}

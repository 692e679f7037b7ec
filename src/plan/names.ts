// Names that are safe everywhere a plan name goes: DNS labels, Docker container and compose
// service names, systemd units, cloud resource names. Aspire names are case-preserving and may
// contain upper case, dots or underscores (`CQRS-Library-BookService-Db`).

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

/** Safe names for a list of names, made unique with numeric suffixes where sanitising collides. */
export function uniqueSafeNames(names: readonly string[], reserved: readonly string[] = []): Map<string, string> {
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
  return name.toUpperCase().replace(/[^A-Z0-9]+/g, "_").replace(/^_|_$/g, "");
}

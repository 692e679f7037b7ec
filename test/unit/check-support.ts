// Shared by the manifest-stage tests: an inline manifest checked as if in /apps/t, and its
// diagnostics as `resource|field|message` lines.
import { checkManifest, type CheckResult } from "../../src/manifest";

export const img = "docker.io/library/redis:7.4";

export function check(resources: Record<string, unknown>): CheckResult {
  return checkManifest({
    file: "/apps/t/aspire-manifest.json",
    dir: "/apps/t",
    document: { resources },
  });
}

export function lines(
  d: readonly { resource: string | null; field: string | null; message: string }[],
): string[] {
  return d.map((e) => `${e.resource}|${e.field}|${e.message}`);
}

/** The errors of checking these resources, as lines. */
export function errorLines(resources: Record<string, unknown>): string[] {
  return lines(check(resources).errors);
}

/** What `fn` throws (undefined when it returns). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

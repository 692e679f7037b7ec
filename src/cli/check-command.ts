// `aspire-arm check [--json] MANIFEST...`: validates manifests without any cloud.
import { checkManifestFile, formatDiagnostic, type CheckResult } from "../manifest";
import { DEPLOY_TIME_CHECK } from "../registry/client";
import { UsageError } from "./usage";

export function checkCommand(argv: readonly string[], out: (text: string) => void): number {
  let json = false;
  const files: string[] = [];
  for (const arg of argv) {
    if (arg === "--json") json = true;
    else if (arg.startsWith("-") && arg !== "-")
      throw new UsageError(
        `check: unknown option ${arg}. Usage: aspire-arm check [--json] MANIFEST...`,
      );
    else files.push(arg);
  }
  if (files.length === 0)
    throw new UsageError(
      "check: give at least one manifest file. Usage: aspire-arm check [--json] MANIFEST...",
    );

  const results = files.map((file) => ({ ...checkManifestFile(file), file }));
  const note = results.some((r) => r.manifest) ? `${DEPLOY_TIME_CHECK}\n` : "";
  out(
    json
      ? JSON.stringify(results.map(toJson), null, 2) + "\n"
      : results.map(toText).join("") + note,
  );
  return results.every((r) => r.manifest) ? 0 : 1;
}

function toJson(r: CheckResult) {
  return { file: r.file, ok: r.manifest !== undefined, errors: r.errors, warnings: r.warnings };
}

function toText(r: CheckResult): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const head = r.manifest
    ? `${r.file}: deployable (${count(r.manifest.resources.size, "resource")}${r.warnings.length ? `, ${count(r.warnings.length, "warning")}` : ""})`
    : `${r.file}: rejected (${count(r.errors.length, "error")})`;
  const lines = [
    head,
    ...r.errors.map((d) => `  error: ${formatDiagnostic(d)}`),
    ...r.warnings.map((d) => `  warning: ${formatDiagnostic(d)}`),
  ];
  return lines.join("\n") + "\n";
}

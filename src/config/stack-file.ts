// Reads the `config:` block of Pulumi.<stack>.yaml, for commands that run without the Pulumi CLI.
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { diagnostic, ManifestError } from "../manifest";
import type { RawConfig } from "./stack-config";

/** The stack file's config, or an empty one when the stack has no file here. */
export function readStackFile(dir: string, stack: string): { file?: string; config: RawConfig } {
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) return { config: {} };
  let doc: unknown;
  try {
    doc = yaml.load(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new ManifestError(file, [
      diagnostic(null, null, `invalid YAML: ${(e as Error).message.split("\n")[0]}`),
    ]);
  }
  const config =
    typeof doc === "object" && doc !== null ? (doc as { config?: unknown }).config : undefined;
  if (config === undefined || config === null) return { file, config: {} };
  if (typeof config !== "object" || Array.isArray(config))
    throw new ManifestError(file, [diagnostic(null, "config", "must be a map of keys to values.")]);
  return { file, config: config as RawConfig };
}

/** Config as Pulumi's runtime holds it: strings, with objects as JSON text. */
export function asRuntimeConfig(raw: RawConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined || v === null) continue;
    out[k] =
      typeof v === "string"
        ? v
        : typeof v === "object" && "secure" in (v as object)
          ? "(secret from the stack file)"
          : JSON.stringify(v);
  }
  return out;
}

/** Keys whose values are encrypted in the stack file. */
export function secretKeys(raw: RawConfig): string[] {
  return Object.entries(raw)
    .filter(([, v]) => typeof v === "object" && v !== null && "secure" in v)
    .map(([k]) => k);
}

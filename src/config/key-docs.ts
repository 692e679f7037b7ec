// Pulumi.yaml's `config:` block and the README's "Stack configuration" table, both written from
// the table of stack config keys (./keys.ts). test/config/key-docs.test.ts checks the two files
// against them, and rewrites them with UPDATE_CONFIG_DOCS=1.
import * as yaml from "js-yaml";
import {
  exampleValue,
  flow,
  NS,
  STACK_KEYS,
  type ExampleValue,
  type Scalar,
  type StackKey,
} from "./keys";

export interface PulumiConfigType {
  readonly type: "string" | "integer" | "boolean";
  readonly description: string;
  readonly default: Scalar;
}

/**
 * The keys Pulumi.yaml declares: the `aspire:*` keys set at the top whose value Pulumi can type.
 * Pulumi's project config has no object type, so ssh, vms, network, images and parameters are
 * left out (Pulumi would refuse their objects). Pulumi requires a declared key that has no
 * default in every stack ("Stack 'dev' is missing configuration value"), so an optional key
 * without one declares "", which readStackConfig reads as unset (its description then ends with
 * what that means).
 */
export function pulumiConfig(): Record<string, PulumiConfigType> {
  const out: Record<string, PulumiConfigType> = {};
  for (const k of STACK_KEYS) {
    const name = k.key.slice(NS.length + 1);
    if (!k.key.startsWith(`${NS}:`) || name.includes(".")) continue;
    if (k.type !== "string" && k.type !== "integer" && k.type !== "boolean") continue;
    // "" stands for unset: the description says what that means.
    const description =
      k.default === undefined && k.defaultText !== undefined
        ? `${k.description} Default: ${k.defaultText}.`
        : k.description;
    out[name] = { type: k.type, description, default: k.default ?? "" };
  }
  return out;
}

/** Pulumi.yaml's `config:` block as YAML text. */
export function pulumiConfigYaml(): string {
  return yaml.dump({ config: pulumiConfig() }, { lineWidth: -1, quotingType: '"' });
}

export const README_COLUMNS = ["key", "type", "default", "example", "meaning"] as const;

/** The README table's cells, a row per key, as Markdown. */
export function readmeRows(): string[][] {
  return STACK_KEYS.map((k) => [
    code(k.key),
    k.type,
    defaultCell(k),
    exampleCell(k),
    k.see ? `${k.description} See [${k.see.title}](#${k.see.anchor}).` : k.description,
  ]);
}

/** The README's table of stack config keys as Markdown. */
export function readmeTable(): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [
    line(README_COLUMNS),
    line(README_COLUMNS.map(() => "---")),
    ...readmeRows().map(line),
  ].join("\n");
}

function defaultCell(k: StackKey): string {
  if (k.default !== undefined) return code(inline(k.default));
  return k.defaultText ?? "";
}

function exampleCell(k: StackKey): string {
  const clouds = k.cloud ? [k.cloud] : (["aws", "gcp"] as const);
  return [...new Set(clouds.map((c) => inline(exampleValue(k.key, c))))].map(code).join(" / ");
}

/** A value as the table shows it: a scalar as it is, a list or object in YAML flow style. */
function inline(v: ExampleValue): string {
  return typeof v === "object" ? flow(v) : String(v);
}

function code(text: string): string {
  return `\`${text}\``;
}

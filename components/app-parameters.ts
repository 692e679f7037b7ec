// Parameter values at deploy time: stack config (`aspire:parameters.<name>`, secret ones set with
// `pulumi config set --secret`), the manifest's default, or a password generated once by
// @pulumi/random and kept in the stack's state, so it is the same on every deploy (a database
// volume initialised with it stays readable). Secret values stay Pulumi secrets throughout.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { GenerateOptions } from "../src/manifest";
import { safeName, type ParameterPlan } from "../src/plan";

export interface AppParametersArgs {
  readonly parameters: readonly ParameterPlan[];
  /** The stack config namespace that holds `parameters.<name>` (normally `new pulumi.Config("aspire")`). */
  readonly config: pulumi.Config;
}

export class AppParameters extends pulumi.ComponentResource {
  /** Every parameter's value, secret ones as Pulumi secrets. Never exported as plain outputs. */
  readonly values: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: AppParametersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aspire-arm:index:AppParameters", name, {}, opts);
    const values: Record<string, pulumi.Output<string>> = {};
    for (const p of args.parameters) {
      const configured = configValue(args.config, p.name);
      if (configured !== undefined) values[p.name] = p.secret ? pulumi.secret(configured) : pulumi.output(configured);
      else if (p.source === "generate" && p.generate) values[p.name] = new random.RandomPassword(`${name}-${safeName(p.name)}`, randomPasswordArgs(p.generate), { parent: this }).result;
      else if (p.value !== undefined || p.source === "default") values[p.name] = p.secret ? pulumi.secret(p.value ?? "") : pulumi.output(p.value ?? "");
      else
        throw new pulumi.RunError(
          `parameter ${p.name} has no value: run \`pulumi config set${p.secret ? " --secret" : ""} aspire:parameters.${p.name} VALUE\` (the manifest gives it no default).`,
        );
    }
    this.values = values;
    this.registerOutputs({});
  }
}

/** Reads `parameters.<name>` as a flat key or from the `parameters` object (`pulumi config set
 *  --path`). Config values are wrapped as secrets when the config marks them so. */
function configValue(config: pulumi.Config, name: string): pulumi.Output<string> | undefined {
  const flat = config.getSecret(`parameters.${name}`);
  if (flat !== undefined) return flat;
  // The raw text tells whether the key exists without unwrapping a secret into a plain value.
  const raw = pulumi.runtime.getConfig(`${config.name}:parameters`);
  if (raw === undefined) return undefined;
  let obj: unknown;
  try {
    obj = JSON.parse(raw);
  } catch {
    throw new pulumi.RunError(`${config.name}:parameters must be an object of parameter names to values (pulumi config set --path ${config.name}:parameters.NAME VALUE).`);
  }
  const v = typeof obj === "object" && obj !== null ? (obj as Record<string, unknown>)[name] : undefined;
  if (v === undefined || v === null) return undefined;
  // Structured config is decrypted as a whole and the SDK does not say which keys were secret:
  // treat every value from it as secret.
  return pulumi.secret(String(v));
}

/** Aspire's generate options, read as @pulumi/random does them: the booleans allow a character
 *  class, the min* counts require some, and the length is max(minLength, sum of the mins). */
export function randomPasswordArgs(g: GenerateOptions): random.RandomPasswordArgs {
  const mins = g.minLower + g.minUpper + g.minNumeric + g.minSpecial;
  return {
    length: Math.max(g.minLength || 22, mins),
    lower: g.lower,
    upper: g.upper,
    numeric: g.numeric,
    special: g.special,
    minLower: g.minLower,
    minUpper: g.minUpper,
    minNumeric: g.minNumeric,
    minSpecial: g.minSpecial,
  };
}

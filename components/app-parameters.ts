// Parameter values at deploy time: stack config (`aspire:parameters.<name>`, secret ones set with
// `pulumi config set --secret`), the manifest's default, or a password generated once by
// @pulumi/random and kept in the stack's state, so it is the same on every deploy (a database
// volume initialised with it stays readable). Secret values stay Pulumi secrets throughout.
//
// Generated passwords use the special characters of Aspire's own generator, which can stand in a
// URL's user info or a `key=value;` connection string as they are: @pulumi/random's default set
// (`!@#$%&*()-_=+[]{}<>:?`): about 3 passwords in 4 of 22 characters hold # ? [ ] or %, and
// more than half make `http://user:{password}@host` fail to parse or lose its host. Stacks
// deployed before this change keep their passwords: see passwordOptions.
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
      if (configured !== undefined)
        values[p.name] =
          p.secret || configured.secret
            ? pulumi.secret(configured.value)
            : pulumi.output(configured.value);
      else if (p.source === "generate" && p.generate)
        values[p.name] = new random.RandomPassword(
          `${name}-${safeName(p.name)}`,
          randomPasswordArgs(p.generate),
          { ...passwordOptions(), parent: this },
        ).result;
      else if (p.value !== undefined || p.source === "default")
        values[p.name] = p.secret ? pulumi.secret(p.value ?? "") : pulumi.output(p.value ?? "");
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
 *  --path`), matching the name case-insensitively as Aspire and the plan do. The value is secret
 *  when the parameter is, or when the config holds it encrypted. */
function configValue(
  config: pulumi.Config,
  name: string,
): { value: string; secret: boolean } | undefined {
  const all = pulumi.runtime.allConfig();
  const wanted = `${config.name}:parameters.${name}`.toLowerCase();
  const flat = Object.keys(all).find((k) => k.toLowerCase() === wanted);
  if (flat !== undefined) return { value: all[flat], secret: isConfigSecret(flat) };
  const objectKey = `${config.name}:parameters`;
  const raw = all[objectKey];
  if (raw === undefined) return undefined;
  let obj: unknown;
  try {
    obj = JSON.parse(raw);
  } catch {
    throw new pulumi.RunError(
      `${objectKey} must be an object of parameter names to values (pulumi config set --path ${objectKey}.NAME VALUE).`,
    );
  }
  if (typeof obj !== "object" || obj === null) return undefined;
  const entry = Object.entries(obj).find(([k]) => k.toLowerCase() === name.toLowerCase());
  if (entry === undefined || entry[1] === undefined || entry[1] === null) return undefined;
  return { value: String(entry[1]), secret: isConfigSecret(objectKey) };
}

/** Whether the stack holds a config key encrypted. The SDK exports this check at run time without
 *  typing it; when it is missing, assume secret (the safe side). */
function isConfigSecret(key: string): boolean {
  const check = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean })
    .isConfigSecret;
  return check ? check(key) : true;
}

/** The special characters of Aspire's password generator, `PasswordGenerator.SpecialChars` in
 *  dotnet/aspire src/Shared/PasswordGenerator.cs (src/Aspire.Hosting/Utils/ before 2026-01; the same
 *  set since "Remove URI reserved characters from password generator", dotnet/aspire#2323,
 *  2024-02-22; checked at d44e195d60, 2026-03-21). Aspire's comment: it excludes "special chars
 *  which could interfere with command line arguments, URL (rfc3986 gen-delims), or connection
 *  strings" and names them: & < > = ; , ` ' ^ % $ # @ / : [ ]. So none of : / ? # [ ] @ (which end
 *  the user info or the authority), % (an escape), ; or = (connection string separators) or $
 *  (compose and shell interpolation). Note that { and } are not RFC 3986 user-info characters
 *  either: WHATWG URL parsers (Node, browsers) accept and percent-encode them, strict ones (Go's
 *  net/url) refuse them, as they would refuse the passwords Aspire generates when run locally.
 *  Aspire also leaves out the letters i, l, o, I, L, O; @pulumi/random has no setting for that,
 *  and letters are harmless in URLs. */
export const ASPIRE_PASSWORD_SPECIALS = "-_.{}~()*+!";

/** Resource options of every generated password. `overrideSpecial` is replace-on-change in the
 *  random provider (terraform-provider-random internal/provider/resource_password.go: its plan
 *  modifier is RequiresReplaceIf(RequiresReplaceUnlessEmptyStringToNull), so going from unset to a
 *  value replaces the resource, that is, generates a new password). Passwords created before it
 *  was set have no `overrideSpecial` in their state: ignoring changes to it makes Pulumi use the
 *  old value from the state (here: none) instead of the program's when it diffs, so those stacks see
 *  no change and keep their passwords, which still match the databases initialised with them. New
 *  passwords are created with the program's value (ignoreChanges does not apply to a create:
 *  https://www.pulumi.com/docs/iac/concepts/options/ignorechanges/).
 *  Consequence: an existing password that is replaced for another reason (its manifest `generate`
 *  options changed) is regenerated with the state's characters, the provider's default set. To
 *  move such a stack to Aspire's set, and accept a new password (a database volume initialised
 *  with the old one must then be changed by hand), delete the password from the state
 *  (`pulumi state delete <urn>`) and run `pulumi up`, or set the value in stack config. */
export function passwordOptions(): pulumi.CustomResourceOptions {
  return { ignoreChanges: ["overrideSpecial"] };
}

/** Aspire's generate options, read as @pulumi/random does them: the booleans allow a character
 *  class, the min* counts require some, and the length is max(minLength, sum of the mins), as in
 *  Aspire's PasswordGenerator.Generate. minLength is absent only from hand-written manifests (the
 *  writer always emits it): Aspire's default, 22, applies. The special characters are Aspire's. */
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
    overrideSpecial: ASPIRE_PASSWORD_SPECIALS,
  };
}

// Where each parameter's value comes from. Known, non-secret values are written into the VM's
// configuration; secret and generated ones go to the cloud's secret store and are read on the VM,
// so their values never appear in user data, plan output or files.
import {
  diagnostic,
  valueToText,
  type Diagnostic,
  type Manifest,
  type ParameterResource,
  type Part,
  type Value,
} from "../manifest";
import type { ParameterPlan } from "./model";
import type { PlanOptions } from "./options";

export function planParameters(
  manifest: Manifest,
  options: PlanOptions,
  errors: Diagnostic[],
  warnings: Diagnostic[],
): ParameterPlan[] {
  const given = new Map(
    Object.entries(options.parameters ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const plans: ParameterPlan[] = [];
  const params = [...manifest.resources.values()].filter(
    (r): r is ParameterResource => r.kind === "parameter.v0",
  );
  for (const p of params) {
    const input = p.inputs.value ?? Object.values(p.inputs)[0];
    const value = given.get(p.name.toLowerCase());
    given.delete(p.name.toLowerCase());
    if (!input) {
      // Aspire always writes `inputs.value`; without inputs (which check accepts) the parameter's
      // value is its own `value` field, evaluated like a value.v0's: no reference reads an input,
      // so there is nothing to ask for, and a value given for it would be silently ignored.
      if (value !== undefined)
        errors.push(
          diagnostic(
            p.name,
            `parameters.${p.name}`,
            `parameter ${p.name} has no inputs in the manifest, so its value is its value field and nothing reads a value set for it: remove aspire:parameters.${p.name} (or --set ${p.name}=...).`,
          ),
        );
      continue;
    }
    const secret = input.secret ?? false;
    if (value !== undefined) {
      plans.push({ name: p.name, secret, source: "config", value: secret ? undefined : value });
    } else if (input.default?.kind === "value") {
      // A default is written in the manifest for anyone to read: kept even for a secret parameter,
      // which still goes to the secret store (and is never printed by the plan).
      plans.push({ name: p.name, secret, source: "default", value: input.default.value });
    } else if (input.default?.kind === "generate") {
      plans.push({ name: p.name, secret, source: "generate", generate: input.default.generate });
    } else {
      const how = secret
        ? `pulumi config set --secret aspire:parameters.${p.name} VALUE (or --set ${p.name}=VALUE for aspire-arm plan)`
        : `pulumi config set aspire:parameters.${p.name} VALUE (or --set ${p.name}=VALUE for aspire-arm plan)`;
      // A secret is only read on the VM, so a plan can be made without it; a plain value is written into files now.
      (secret ? warnings : errors).push(
        diagnostic(
          p.name,
          "inputs.value",
          `parameter ${p.name} has no value and no default: set it with ${how}.`,
        ),
      );
      plans.push({ name: p.name, secret, source: "unset" });
    }
  }
  for (const name of given.keys())
    errors.push(
      diagnostic(
        null,
        `parameters.${name}`,
        `there is no parameter named ${name} in the manifest (parameters: ${params.map((p) => p.name).join(", ") || "none"}).`,
      ),
    );
  return plans;
}

/** Parameters whose values are only known on the VM: secret, or generated at deploy time. */
export function isStoredOnVm(p: ParameterPlan): boolean {
  return p.secret || p.source === "generate" || p.source === "unset";
}

/** Replaces the slots of parameters whose values are known now by their text; the slots left are
 *  the parameters the VM reads from the secret store. */
export function fillKnownParameters(value: Value, known: ReadonlyMap<string, string>): Value {
  const parts: Part[] = [];
  for (const p of value.parts) {
    const text =
      typeof p === "string"
        ? p
        : p.kind === "parameter" && known.has(p.parameter)
          ? valueToText({ parts: [p], secret: false }, () => known.get(p.parameter) ?? "")
          : undefined;
    if (text === undefined) parts.push(p);
    else if (typeof parts[parts.length - 1] === "string") parts[parts.length - 1] += text;
    else if (text) parts.push(text);
  }
  return { parts, secret: value.secret };
}

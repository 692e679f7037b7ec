// Whether a `{resource.path}` reference can be resolved against its target, without evaluating it.
// Shared by the checker (which reports every bad reference) and the evaluator (which throws on one).
import type { Reference } from "./expressions";
import { isCompute, type Resource } from "./model";

export const BINDING_PROPERTIES = [
  "url",
  "host",
  "port",
  "targetPort",
  "scheme",
  "protocol",
  "transport",
  "external",
  "tlsEnabled",
] as const;
export type BindingProperty = (typeof BINDING_PROPERTIES)[number];

/** Why the reference cannot be resolved, or undefined when it can. `target` is the resource
 *  the reference names (undefined for azd's global `{.outputs.X}`). */
export function referenceProblem(target: Resource | undefined, ref: Reference): string | undefined {
  if (!target)
    return "azd's global Azure outputs ({.outputs.NAME}) exist only in Azure deployments.";
  const [head, ...rest] = ref.path;
  const what = `${target.name} is a ${target.kind}`;
  switch (head) {
    case "connectionString":
      if (rest.length) break;
      return "connectionString" in target && target.connectionString !== undefined
        ? undefined
        : `${what} with no connectionString.`;
    case "value":
      if (rest.length) break;
      if (target.kind === "parameter.v0" || target.kind === "annotated.string") return undefined;
      return target.kind === "value.v0" && target.value !== undefined
        ? undefined
        : `${what} with no value.`;
    case "inputs":
      if (rest.length !== 1) break;
      if (target.kind !== "parameter.v0") return `${what}; only parameters have inputs.`;
      return Object.hasOwn(target.inputs, rest[0])
        ? undefined
        : `parameter ${target.name} has no input named ${rest[0]} (it has: ${Object.keys(target.inputs).join(", ") || "none"}).`;
    case "bindings": {
      if (rest.length !== 2) break;
      if (!isCompute(target)) return `${what} and has no bindings.`;
      const names = Object.keys(target.bindings);
      if (!Object.hasOwn(target.bindings, rest[0]))
        return `${target.name} has no binding named ${rest[0]} (it has: ${names.join(", ") || "none"}).`;
      if (!(BINDING_PROPERTIES as readonly string[]).includes(rest[1]))
        return `a binding has no property ${rest[1]} (use one of ${BINDING_PROPERTIES.join(", ")}).`;
      return undefined;
    }
    case "outputs":
    case "secretOutputs":
    case "secrets":
      return "Bicep outputs exist only in Azure deployments.";
    case "output":
      return "CloudFormation outputs exist only in AWS CloudFormation deployments.";
    case "volumes":
    case "bindMounts":
      return "storage names of volumes and bind mounts are an azd convention for Azure storage; aspire-arm keeps volumes on the VM.";
    case "containerImage":
    case "containerPort":
      return "this is filled in by Azure deployers inside a deployment section only.";
  }
  return `unknown field path ${ref.path.join(".")} (use connectionString, value, inputs.NAME or bindings.NAME.PROPERTY).`;
}

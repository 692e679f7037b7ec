// Names of secret parameters in the cloud's secret store, and of the variables that carry their
// values on the VM. The user data and app config hold only these names, never the values. Each
// name must identify one parameter of one stack: the plan refuses two parameters with one name
// (secretNameCollisions), and the stack part ends where a separator no safe name holds begins.
import type { Cloud } from "./options";
import { envName, stackSegment } from "./names";

/** Prefix of every secret of a stack: an SSM parameter path on AWS (`/` ends the stack part), a
 *  secret id prefix on GCP, where `--` ends it: stack segments never hold `--`, so stack `a` with
 *  parameter `b-c` and stack `a-b` with parameter `c` get different ids. The stack segment is
 *  distinct for every two stacks (`Prod` and `prod` included): a parameter name is unique in a
 *  region, a secret id in a project. */
export function secretPrefix(cloud: Cloud, stack: string): string {
  return cloud === "aws"
    ? `/aspire-arm/${stackSegment(stack)}/`
    : `aspire-arm-${stackSegment(stack)}--`;
}

/** The parameter's name in the store, after the prefix: its name in lower case (Aspire's names are
 *  ASCII letters, digits and single hyphens, at most 64, unique regardless of case). */
export function secretStoreName(parameter: string): string {
  return parameter.toLowerCase();
}

/** The variable holding the parameter's value on the VM (`ASPIRE_P_CACHE_PASSWORD`), and its
 *  percent-encoded form for annotated.string `uri` (`..._CACHE_PASSWORD__URI`: envName never
 *  writes `__`, so no parameter's own variable, `cache-password-uri`'s included, can be it). */
export function secretVariable(parameter: string, uriEncoded = false): string {
  return `ASPIRE_P_${envName(parameter)}${uriEncoded ? "__URI" : ""}`;
}

/** Pairs of parameters that would share a store name or a variable, as [first, second, what]. */
export function secretNameCollisions(parameters: readonly string[]): [string, string, string][] {
  const out: [string, string, string][] = [];
  const seen = new Map<string, number>();
  parameters.forEach((p, i) => {
    for (const [kind, name] of [
      ["secret store name", secretStoreName(p)],
      ["variable", secretVariable(p)],
    ]) {
      const other = seen.get(`${kind}:${name}`);
      if (other === undefined) seen.set(`${kind}:${name}`, i);
      else if (!out.some(([a, b]) => a === parameters[other] && b === p))
        out.push([parameters[other], p, `${kind} ${name}`]);
    }
  });
  return out;
}

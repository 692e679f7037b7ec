// Names of secret parameters in the cloud's secret store, and of the variables that carry their
// values on the VM. The user data and app config hold only these names, never the values.
import { envName, safeName, stackSegment, type Cloud } from "../plan";

/** Prefix of every secret of a stack: an SSM parameter path on AWS, a secret id prefix on GCP.
 *  Distinct for every two stacks (stackSegment): a parameter name is unique in a region, a secret
 *  id in a project. */
export function secretPrefix(cloud: Cloud, stack: string): string {
  return cloud === "aws" ? `/aspire-arm/${stackSegment(stack)}/` : `aspire-arm-${stackSegment(stack)}-`;
}

/** The parameter's name in the store, after the prefix. */
export function secretStoreName(parameter: string): string {
  return safeName(parameter);
}

/** The variable holding the parameter's value on the VM (`ASPIRE_P_CACHE_PASSWORD`), and its
 *  percent-encoded form for annotated.string `uri` (`..._URI`). */
export function secretVariable(parameter: string, uriEncoded = false): string {
  return `ASPIRE_P_${envName(parameter)}${uriEncoded ? "_URI" : ""}`;
}

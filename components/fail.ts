// Where a deployment stops on a problem found while resources are being computed (a size limit):
// one message naming the VM and what to do, as a Pulumi RunError (no stack trace).
import * as pulumi from "@pulumi/pulumi";
import { formatDiagnostic, type Diagnostic } from "../src/manifest";

export function orFail<T extends object>(result: T | { readonly problem: Diagnostic }): T {
  if ("problem" in result && result.problem)
    throw new pulumi.RunError(formatDiagnostic(result.problem));
  return result as T;
}

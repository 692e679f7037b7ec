// Problems with the deployment options (stack config or CLI flags), reported like manifest problems.
import { formatDiagnostic, type Diagnostic } from "../manifest";

export class PlanError extends Error {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join("; "));
    this.name = "PlanError";
  }
}

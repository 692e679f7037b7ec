// Usage errors (exit code 2) and the help text.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export const HELP = `aspire-arm: run a .NET Aspire application on Arm virtual machines (AWS Graviton, Google Cloud Tau T2A / Axion).

Usage:
  aspire-arm check [--json] MANIFEST...   Check that manifests can be deployed to Arm VMs (no cloud needed).
  aspire-arm help                         Show this help.

check prints, for each manifest, whether it is deployable, with every error and warning naming
the resource and field. --json prints a JSON array instead, one object per file:
  {"file", "ok", "errors": [{"resource", "field", "message"}], "warnings": [...]}

Exit codes: 0 all manifests deployable, 1 some manifest rejected, 2 usage error.
`;

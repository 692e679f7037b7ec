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
  aspire-arm plan MANIFEST [options]      Print the deployment plan, offline (no credentials, no Pulumi CLI).
  aspire-arm preview|up [--stack NAME] [ARGS...]
                                          pulumi preview|up --stack NAME (default dev), after checking
                                          that the Pulumi CLI is installed and the stack's cloud has
                                          credentials (each missing one: a line saying what to do)
  aspire-arm help                         Show this help.

check prints, for each manifest, whether it is deployable, with every error and warning naming
the resource and field. --json prints a JSON array instead, one object per file:
  {"file", "ok", "errors": [{"resource", "field", "message"}], "warnings": [...]}

plan options:
  --cloud aws|gcp         target cloud (default aws)
  --stack NAME            stack name, used in secret names (default dev)
  --set NAME=VALUE        value of a manifest parameter (repeatable)
  --vm NAME=R1,R2         place resources R1, R2 on VM NAME (repeatable; default: one VM "app")
  --vm-per-service        one VM per service
  --runtime docker|dotnet run .NET projects in containers (default) or natively on the ASP.NET Core runtime
  --instance-type TYPE    instance/machine type of every VM (default t4g.small / t2a-standard-1)
  --image RESOURCE=IMAGE  run IMAGE for RESOURCE instead of its manifest image or build (repeatable)
  --domain NAME           serve external endpoints with automatic HTTPS under NAME
  --dashboard             run the Aspire dashboard on the VM and send telemetry to it
  --source-root DIR       the folder every file the manifest names must stay in (default: the folder
                          above the manifest's, Aspire's <solution>/<App>.AppHost layout)
  --out DIR               write DIR/<vm>/user-data, its release (release.json.gz, release-id) and the
                          release's files (compose.yaml, caddy/Caddyfile, units, bin/);
                          DIR is new, empty, or one that plan wrote before (it keeps a .aspire-arm-plan file)
  --markdown              print a Markdown report for a pull request comment: a summary table, then
                          each changed VM in a collapsed section, never over 60,000 characters
  --json                  print the plan as JSON (per VM also vmInputs, what its instance is created
                          with, and its release: {id, bytes})
  --against PREVIOUS.json compare with an earlier plan --json of the same options: per VM, unchanged,
                          rolled out in place (release OLD -> NEW), updated or stopped and started in
                          place, new VM (naming every VM-level input that changed), added or removed;
                          per service its image, env keys (values of plain ones only), ports; public
                          endpoints opened and closed, secrets rotated (by name); the cost's change
  --secret-file PATH      render VMs that read secrets from a JSON file at PATH on the VM (emulated-VM tests)
  --release-file PATH     render VMs that apply their first release from the bundle file at PATH on the VM
                          (emulated-VM tests; the clouds deliver releases through S3 or instance metadata)
  --no-resources          skip the resource list (running the Pulumi program under mocks takes seconds)

plan reads Pulumi.<stack>.yaml in the current folder when it exists; flags override it. It runs
the Pulumi program (index.ts) under Pulumi's mocks to list the resources "pulumi up" would
create; cloud lookups (AMI, default VPC) are shown as placeholders. It prints each VM's on-demand
monthly cost (instance, disks, public IPv4 address; hourly x 730) from the price table in
src/plan/prices.ts (one region per cloud, each price with its source and date; "no price" where the
table has none) beside the x86 type of the same shape. Each VM's line "release ID"
names the release app changes roll out in place, and "VM inputs" the fingerprint of what its
instance is created with (type, image, disks, user data): a change there needs a new VM or a stop.

Exit codes: 0 success (check: all deployable), 1 rejected input, a plan that cannot fit or a
PREVIOUS.json that cannot be compared, 2 usage error.
`;

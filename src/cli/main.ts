// The aspire-arm command line. Every failure the user can fix is one message and an exit code
// (1 for rejected input, 2 for usage), never a stack trace.
import { ManifestError, formatDiagnostic } from "../manifest";
import { PlanError } from "../plan";
import { checkCommand } from "./check-command";
import { PlanDocumentError } from "./compare-plans";
import { planCommand } from "./plan-command";
import { pulumiCommand, SetupError } from "./pulumi-command";
import { HELP, UsageError } from "./usage";

/** Runs a command; `plan` answers asynchronously (it runs the Pulumi program under mocks). */
export function main(
  argv: readonly string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): number | Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "check":
        return checkCommand(rest, out);
      case "plan":
        return planCommand(rest, out, err).catch((e: unknown) => handle(e, err));
      case "preview":
      case "up":
        return pulumiCommand(command, rest);
      case "help":
      case "--help":
      case "-h":
        out(HELP);
        return 0;
      case undefined:
        throw new UsageError("no command given.");
      default:
        throw new UsageError(`unknown command ${command}.`);
    }
  } catch (e) {
    return handle(e, err);
  }
}

/** Input errors become one message and an exit code; anything else is a bug and propagates. */
function handle(e: unknown, err: (text: string) => void): number {
  if (e instanceof UsageError) {
    err(`aspire-arm: ${e.message}\n\n${HELP}`);
    return 2;
  }
  if (e instanceof ManifestError) {
    err(e.diagnostics.map((d) => `aspire-arm: ${e.file}: ${formatDiagnostic(d)}\n`).join(""));
    return 1;
  }
  // A previous plan (--against) that cannot be compared, or a setup step missing (the Pulumi CLI,
  // credentials): why and what to do, in one line.
  if (e instanceof PlanDocumentError || e instanceof SetupError) {
    err(`aspire-arm: ${e.message}\n`);
    return 1;
  }
  if (e instanceof PlanError) {
    err(e.diagnostics.map((d) => `aspire-arm: ${formatDiagnostic(d)}\n`).join(""));
    return 1;
  }
  // The Pulumi program's own input errors (pulumi.RunError), met when plan runs it under mocks.
  if (e instanceof Error && e.constructor.name === "RunError") {
    err(`aspire-arm: ${e.message}\n`);
    return 1;
  }
  throw e;
}

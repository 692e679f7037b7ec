// What a .NET project running natively (a systemd unit) can be given: its args are words of the
// unit's ExecStart line and its env values lines of an environment file, so a line break, a CR or
// any other control character would end the line and start a directive of the manifest's choosing
// (`ExecStartPre=+...` runs as root). Containers take any text; native units refuse it, naming the
// field, before anything is rendered.
import { diagnostic, type Diagnostic, type Value } from "../manifest";
import type { ServicePlan } from "./model";

const CONTROL = /[\u0000-\u001f\u007f]/;

/** The literal text of a value (secret parts are filled on the VM, quoted for systemd there). */
const literal = (v: Value) => v.parts.filter((p): p is string => typeof p === "string").join("");

export function nativeTextProblems(s: ServicePlan): Diagnostic[] {
  if (s.runAs !== "native") return [];
  const fix = `run ${s.resource} in a container (aspire:runtime docker, or a VM group with runtime docker) or remove the control characters.`;
  const problems: Diagnostic[] = [];
  s.args.forEach((a, i) => {
    if (CONTROL.test(literal(a)))
      problems.push(
        diagnostic(
          s.resource,
          `args.${i}`,
          `the argument has a line break or another control character, which a systemd unit line cannot hold: ${fix}`,
        ),
      );
  });
  for (const [k, v] of Object.entries(s.env))
    if (CONTROL.test(literal(v).replace(/\t/g, "")))
      problems.push(
        diagnostic(
          s.resource,
          `env.${k}`,
          `the value has a line break or another control character, which a line of the service's environment template cannot hold: ${fix}`,
        ),
      );
  return problems;
}

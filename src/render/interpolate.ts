// Writes a plan Value as text for files that interpolate `${VAR}` (Docker Compose, and our own
// env templates): literal `$` doubled, secret parameters as variables the VM fills in.
import type { Value } from "../manifest";
import { secretVariable } from "../plan";

export function interpolated(value: Value): string {
  return value.parts
    .map((p) => {
      if (typeof p === "string") return p.replace(/\$/g, "$$$$");
      if (p.kind !== "parameter") throw new Error(`unexpected ${p.kind} slot in a plan value`);
      if (p.filters.length > 1)
        throw new Error(
          `parameter ${p.parameter} is filtered twice; only one uri filter is supported`,
        );
      return "${" + secretVariable(p.parameter, p.filters.length === 1) + "}";
    })
    .join("");
}

/** Escapes literal text for the same files. */
export function escapeDollar(text: string): string {
  return text.replace(/\$/g, "$$$$");
}

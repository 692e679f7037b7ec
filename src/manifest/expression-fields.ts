// Where placeholders may appear in a resource (FORMAT.md section 4), with each field's dotted path.
import type { ExpressionField } from "./expressions";
import { buildOf, type Resource } from "./model";

export function expressionFields(r: Resource): ExpressionField[] {
  const out: ExpressionField[] = [];
  const add = (field: string, text: string | null | undefined) => {
    if (typeof text === "string") out.push({ field, text });
  };
  if ("connectionString" in r) add("connectionString", r.connectionString);
  switch (r.kind) {
    case "parameter.v0":
    case "annotated.string":
    case "value.v0":
      add("value", r.value);
      break;
    default:
      for (const [k, v] of Object.entries(r.env)) add(`env.${k}`, v);
      r.args.forEach((a, i) => add(`args.${i}`, a));
      const build = buildOf(r);
      if (build) {
        for (const [k, v] of Object.entries(build.args)) add(`build.args.${k}`, v);
        for (const [k, s] of Object.entries(build.secrets))
          add(`build.secrets.${k}.value`, s.value);
      }
  }
  return out;
}

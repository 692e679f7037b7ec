// parseExpression / referencesIn: the placeholder syntax `{resource.path}` (FORMAT.md section 4).
// A `{...}` is a reference only when the text before its first dot names a declared resource
// (compared case-insensitively) or is empty (`{.outputs.X}`); everything else stays literal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseExpression, referencesIn, type ExpressionPart } from "../../src/manifest";

const declared = ["kafka", "catalogservice", "postgres", "postgres-password", "cache"];

/** Maps a first segment to the declared name, case-insensitively, like the evaluator does. */
function resolveName(segment: string): string | undefined {
  return declared.find((name) => name.toLowerCase() === segment.toLowerCase());
}

test("a YARP catch-all route is one literal, braces kept", () => {
  assert.deepEqual(parseExpression("/catalog/{**catch-all}", resolveName), [
    { literal: "/catalog/{**catch-all}" },
  ]);
  assert.deepEqual(parseExpression("/{**catchall}", resolveName), [{ literal: "/{**catchall}" }]);
  assert.deepEqual(referencesIn("/catalog/{**catch-all}", resolveName), []);
});

test("braces whose first segment is not a declared resource stay literal", () => {
  assert.deepEqual(parseExpression("{notaresource.x}", resolveName), [
    { literal: "{notaresource.x}" },
  ]);
  // No dot at all: not a reference even when the text is a resource name.
  assert.deepEqual(parseExpression("{cache}", resolveName), [{ literal: "{cache}" }]);
  assert.deepEqual(parseExpression("{}", resolveName), [{ literal: "{}" }]);
});

test("literal braces next to a real reference: only the reference is split out", () => {
  const parts = parseExpression(
    "{catalogservice.bindings.http.url}/api/{**catch-all}?q={notaresource.x}",
    resolveName,
  );
  assert.deepEqual(parts, [
    {
      ref: {
        resource: "catalogservice",
        path: ["bindings", "http", "url"],
        text: "{catalogservice.bindings.http.url}",
      },
    },
    { literal: "/api/{**catch-all}?q={notaresource.x}" },
  ]);
});

test("kafka listeners: literals mixed with several placeholders, in order", () => {
  const text =
    "PLAINTEXT://{kafka.bindings.tcp.host}:29092,PLAINTEXT_HOST://{kafka.bindings.tcp.host}:{kafka.bindings.tcp.port},PLAINTEXT_INTERNAL://{kafka.bindings.internal.host}:{kafka.bindings.internal.port}";
  const host = {
    resource: "kafka",
    path: ["bindings", "tcp", "host"],
    text: "{kafka.bindings.tcp.host}",
  };
  const expected: ExpressionPart[] = [
    { literal: "PLAINTEXT://" },
    { ref: host },
    { literal: ":29092,PLAINTEXT_HOST://" },
    { ref: host },
    { literal: ":" },
    {
      ref: {
        resource: "kafka",
        path: ["bindings", "tcp", "port"],
        text: "{kafka.bindings.tcp.port}",
      },
    },
    { literal: ",PLAINTEXT_INTERNAL://" },
    {
      ref: {
        resource: "kafka",
        path: ["bindings", "internal", "host"],
        text: "{kafka.bindings.internal.host}",
      },
    },
    { literal: ":" },
    {
      ref: {
        resource: "kafka",
        path: ["bindings", "internal", "port"],
        text: "{kafka.bindings.internal.port}",
      },
    },
  ];
  assert.deepEqual(parseExpression(text, resolveName), expected);
  assert.deepEqual(
    referencesIn(text, resolveName).map((r) => r.text),
    [
      "{kafka.bindings.tcp.host}",
      "{kafka.bindings.tcp.host}",
      "{kafka.bindings.tcp.port}",
      "{kafka.bindings.internal.host}",
      "{kafka.bindings.internal.port}",
    ],
  );
});

test("resource names are matched case-insensitively and reported as declared; the text is kept as written", () => {
  assert.deepEqual(
    referencesIn(
      "Host={POSTGRES.bindings.tcp.host};Password={Postgres-Password.value}",
      resolveName,
    ),
    [
      {
        resource: "postgres",
        path: ["bindings", "tcp", "host"],
        text: "{POSTGRES.bindings.tcp.host}",
      },
      { resource: "postgres-password", path: ["value"], text: "{Postgres-Password.value}" },
    ],
  );
});

test('{.outputs.X} is a reference to resource "" (azd\'s global outputs), without asking resolveName', () => {
  const asked: string[] = [];
  const refs = referencesIn("{.outputs.AZURE_CONTAINER_APPS_ENVIRONMENT_ID}", (segment) => {
    asked.push(segment);
    return resolveName(segment);
  });
  assert.deepEqual(refs, [
    {
      resource: "",
      path: ["outputs", "AZURE_CONTAINER_APPS_ENVIRONMENT_ID"],
      text: "{.outputs.AZURE_CONTAINER_APPS_ENVIRONMENT_ID}",
    },
  ]);
  assert.deepEqual(asked, []);
});

test("resolveName is asked about the text before the first dot only", () => {
  const asked: string[] = [];
  parseExpression("{cache.bindings.tcp.port} {a.b.c} {**catch-all}", (segment) => {
    asked.push(segment);
    return resolveName(segment);
  });
  assert.deepEqual(asked, ["cache", "a"]);
});

test("a string with no braces is one literal, and the empty string has no parts", () => {
  assert.deepEqual(parseExpression("redis-server --requirepass $REDIS_PASSWORD", resolveName), [
    { literal: "redis-server --requirepass $REDIS_PASSWORD" },
  ]);
  assert.deepEqual(parseExpression("", resolveName), []);
  assert.deepEqual(referencesIn("", resolveName), []);
});

test("a whole-string reference has no literal parts around it", () => {
  assert.deepEqual(parseExpression("{postgres.connectionString}", resolveName), [
    {
      ref: {
        resource: "postgres",
        path: ["connectionString"],
        text: "{postgres.connectionString}",
      },
    },
  ]);
});

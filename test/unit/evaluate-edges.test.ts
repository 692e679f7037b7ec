// Edges of evaluation and validation that a manifest can reach: values joined around slots, empty
// values, the uri filter only where it is declared, a cycle named from where it closes, where a
// cycle's error is reported, and the limits of names and images.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  checkManifest,
  checkManifestFile,
  EvaluationError,
  Evaluator,
  expressionFields,
  isProject,
  manifestPlacement,
  runsAsService,
  type CheckResult,
  type Manifest,
} from "../../src/manifest";
import { thrown } from "./check-support";

const dir = "/apps/t";
const img = "docker.io/library/redis:7.4";
const check = (resources: Record<string, unknown>): CheckResult =>
  checkManifest({ file: `${dir}/aspire-manifest.json`, dir, document: { resources } });
function manifestOf(resources: Record<string, unknown>): Manifest {
  const r = check(resources);
  assert.deepEqual(r.errors, []);
  return r.manifest as Manifest;
}
const secretParam = {
  type: "parameter.v0",
  value: "{p.inputs.value}",
  inputs: { value: { type: "string", secret: true } },
};

test("text around a parameter's slot stays separate parts; empty values add no part", () => {
  const m = manifestOf({
    p: secretParam,
    empty: { type: "value.v0", value: "" },
    w: { type: "value.v0", value: "a b" },
  });
  const ev = new Evaluator(m, manifestPlacement);
  const slot = { kind: "parameter", parameter: "p", secret: true, filters: [] };
  assert.deepEqual(ev.evaluate("w", "{p.value}tail", { resource: "w", field: "value" }), {
    parts: [slot, "tail"],
    secret: true,
  });
  assert.deepEqual(
    ev.evaluate("w", "head{p.value}{empty.value}{p.value}", { resource: "w", field: "value" }),
    { parts: ["head", slot, slot], secret: true },
  );
  assert.deepEqual(ev.evaluate("w", "{empty.value}", { resource: "w", field: "value" }), {
    parts: [],
    secret: false,
  });
  assert.deepEqual(ev.evaluate("w", "x{empty.value}y", { resource: "w", field: "value" }), {
    parts: ["xy"],
    secret: false,
  });
  // Only annotated strings with the uri filter are percent-encoded.
  assert.deepEqual(ev.evaluate("w", "{w.value}", { resource: "w", field: "value" }), {
    parts: ["a b"],
    secret: false,
  });
});

test("a cycle entered from outside is named from where it closes, and reported on the field that closes it", () => {
  const m: Manifest = {
    file: `${dir}/m.json`,
    dir,
    resources: new Map([
      ["c", { kind: "value.v0", name: "c", connectionString: "{a.connectionString}" }],
      ["a", { kind: "value.v0", name: "a", connectionString: "x{b.connectionString}" }],
      ["b", { kind: "value.v0", name: "b", connectionString: "{a.connectionString}" }],
    ]),
  };
  const caught = thrown(() =>
    new Evaluator(m, manifestPlacement).evaluate("c", "{c.connectionString}", {
      resource: "c",
      field: "connectionString",
    }),
  );
  assert.ok(caught instanceof EvaluationError);
  assert.equal(caught.name, "EvaluationError");
  assert.deepEqual(caught.cycle, ["a.connectionString", "b.connectionString"]);
  assert.deepEqual(caught.diagnostic, {
    resource: "b",
    field: "connectionString",
    message:
      "reference cycle: a.connectionString -> b.connectionString -> a.connectionString. Break the cycle in the AppHost.",
  });
  assert.equal(
    caught.message,
    "b (connectionString): reference cycle: a.connectionString -> b.connectionString -> a.connectionString. Break the cycle in the AppHost.",
  );
  // checkManifest reports it once, on a resource of the cycle.
  const r = check({
    c: { type: "value.v0", connectionString: "{a.connectionString}" },
    a: { type: "value.v0", connectionString: "x{b.connectionString}" },
    b: { type: "value.v0", connectionString: "{a.connectionString}" },
  });
  assert.deepEqual(
    r.errors.map((e) => [e.resource, e.field]),
    [["b", "connectionString"]],
  );
});

test("rejection reaches only what references a rejected resource; a deployment section's reference says so", () => {
  const r = check({
    bad: { type: "azure.bicep.v0", path: "x.bicep" },
    w: { type: "value.v0", value: "ok" },
    user: { type: "container.v0", image: img, env: { W: "{w.value}" } },
    self: {
      type: "container.v0",
      image: img,
      env: { S: "{self.bindings.tcp.port}" },
      bindings: { tcp: { scheme: "tcp", targetPort: 1 } },
    },
    az: { type: "container.v1", image: img, deployment: { params: { x: "{bad.outputs.x}" } } },
  });
  assert.deepEqual(r.errors.map((e) => e.resource).sort(), ["az", "bad"]);
  const az = r.errors.find((e) => e.resource === "az");
  assert.equal(az?.field, "deployment.params.x");
  assert.equal(
    az?.message,
    "references unsupported bad (in its Azure deployment section) through {bad.outputs.x}, so it cannot run without it. Fix bad first, or remove this reference from the AppHost.",
  );
});

test("top-level fields other than resources and $schema are warned about; a file that cannot be read has errors only", () => {
  const r = checkManifest({
    file: `${dir}/m.json`,
    dir,
    document: { $schema: "x", resources: {}, extra: 1 },
  });
  assert.deepEqual(r.warnings, [
    { resource: null, field: "extra", message: "unknown top-level field extra is ignored." },
  ]);
  const missing = checkManifestFile(`${dir}/does-not-exist.json`);
  assert.equal(missing.manifest, undefined);
  assert.deepEqual(missing.warnings, []);
  assert.equal(missing.errors.length, 1);
});

test("names and images at their length limits: env names 256, volume names 255, images 512; long names are quoted cut at 80", () => {
  const env = (name: string) =>
    check({ c: { type: "container.v0", image: img, env: { [name]: "x" } } }).errors.length;
  assert.equal(env("E".repeat(256)), 0);
  assert.equal(env("E".repeat(257)), 1);
  const vol = (name: string) =>
    check({ c: { type: "container.v0", image: img, volumes: [{ name, target: "/d" }] } }).errors
      .length;
  assert.equal(vol("v".repeat(255)), 0);
  assert.equal(vol("v".repeat(256)), 1);
  const image = (length: number) =>
    check({
      c: {
        type: "container.v0",
        image: `docker.io/library/${"r".repeat(length - "docker.io/library/".length - 2)}:1`,
      },
    }).errors.length;
  assert.equal(image(512), 0);
  assert.equal(image(513), 1);
  assert.match(
    check({ c: { type: "container.v0", image: img, env: { ["9".repeat(81)]: "x" } } }).errors[0]
      .message,
    new RegExp(`^env name "${"9".repeat(80)}\\.\\.\\." is not`),
  );
  assert.match(
    check({ c: { type: "container.v0", image: img, env: { ["9".repeat(80)]: "x" } } }).errors[0]
      .message,
    new RegExp(`^env name "${"9".repeat(80)}" is not`),
  );
  // A mount target may not be the root, however written; a path merely starting with / is fine.
  for (const target of ["/", "//"])
    assert.match(
      check({ c: { type: "container.v0", image: img, volumes: [{ name: "vv", target }] } })
        .errors[0].message,
      /is the container's root/,
      target,
    );
  assert.deepEqual(
    check({ c: { type: "container.v0", image: img, volumes: [{ name: "vv", target: "/a/" }] } })
      .errors,
    [],
  );
});

test("expression fields: a compute resource's connection string, env, args, build args and env build secrets", () => {
  const m = manifestOf({
    p: secretParam,
    c: {
      type: "container.v1",
      connectionString: "{c.bindings.t.host}",
      env: { E: "e" },
      args: ["a0"],
      bindings: { t: { scheme: "tcp", targetPort: 1 } },
      build: {
        context: ".",
        dockerfile: "D",
        args: { A: "{p.value}", N: null },
        secrets: { s: { type: "env", value: "{p.value}" }, f: { type: "file", source: "x" } },
      },
    },
    api: { type: "project.v1", path: "Api/Api.csproj" },
  });
  assert.deepEqual(
    expressionFields(m.resources.get("c")!).map((f) => f.field),
    ["connectionString", "env.E", "args.0", "build.args.A", "build.secrets.s.value"],
  );
  assert.deepEqual(
    expressionFields(m.resources.get("p")!).map((f) => f.field),
    ["value"],
  );
  assert.equal(isProject(m.resources.get("api")!), true);
  assert.equal(isProject(m.resources.get("c")!), false);
  const buildOnly = manifestOf({
    b: { type: "container.v1", build: { context: ".", dockerfile: "D", buildOnly: true } },
    r: { type: "container.v1", build: { context: ".", dockerfile: "D" } },
  });
  assert.deepEqual([...buildOnly.resources.values()].map(runsAsService), [false, true]);
});

test("the 8.0-preview abstract types are named as such; other unknown types get the list of supported ones", () => {
  const message = (type: string) => check({ x: { type } }).errors[0].message;
  for (const type of [
    "redis.server.v0",
    "postgres.database.v0",
    "kafka.v0",
    "mongodb.connection.v0",
  ])
    assert.match(message(type), /abstract resource of the Aspire 8\.0 previews/, type);
  for (const type of ["myredis.server.v0", "redis.server.v0.x", "redis.server.v1"])
    assert.match(
      message(type),
      /^unsupported type .*: aspire-arm runs project\.v0, project\.v1, container\.v0, container\.v1, dockerfile\.v0, parameter\.v0, value\.v0, annotated\.string\./,
      type,
    );
});

// checkManifest / checkManifestFile: what is rejected, what is only warned about, and that every
// diagnostic names the resource (and field) the user has to change.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import {
  checkManifest,
  checkManifestFile,
  loadManifest,
  ManifestError,
  type CheckResult,
  type Diagnostic,
} from "../../src/manifest";
import { fixturesDir } from "../support/paths";
import { thrown } from "./check-support";

const fixture = (name: string) => path.join(fixturesDir, name);

/** Checks an inline manifest document. */
function check(resources: Record<string, unknown>): CheckResult {
  return checkManifest({
    file: "/apps/test/aspire-manifest.json",
    dir: "/apps/test",
    document: { resources },
  });
}

function errorsOf(result: CheckResult, resource: string): Diagnostic[] {
  return result.errors.filter((d) => d.resource === resource);
}

/** The one error of a resource. */
function onlyError(result: CheckResult, resource: string): Diagnostic {
  const errors = errorsOf(result, resource);
  assert.equal(errors.length, 1, `${resource}: expected one error, got ${JSON.stringify(errors)}`);
  return errors[0];
}

const redis = {
  type: "container.v0",
  image: "docker.io/library/redis:7.4",
  bindings: { tcp: { scheme: "tcp", protocol: "tcp", transport: "tcp", targetPort: 6379 } },
};

// ---- deployable -------------------------------------------------------------------------------------

test("a deployable manifest gives `manifest`, with every resource in order, and no errors", () => {
  const result = checkManifestFile(fixture("starter.json"));
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.warnings, []);
  assert.ok(result.manifest);
  assert.equal(result.file, fixture("starter.json"));
  assert.deepEqual(
    [...result.manifest.resources.keys()],
    ["cache", "cache-password", "npm-token", "prometheus", "apiservice", "frontend", "legacyweb"],
  );
  assert.deepEqual(loadManifest(fixture("starter.json")).warnings, []);
});

test("literal braces (YARP routes, {notaresource.x}) are neither errors nor warnings", () => {
  const result = checkManifestFile(fixture("yarp-literal-braces.json"));
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.warnings, []);
  assert.ok(result.manifest);
});

// ---- each rejection class -------------------------------------------------------------------------------

const rejectedEachType = checkManifestFile(fixture("rejected-each-type.json"));

const rejections: { resource: string; field: string; says: RegExp }[] = [
  {
    resource: "storage",
    field: "type",
    says: /^unsupported type azure\.bicep\.v0: Azure resources/,
  },
  {
    resource: "AspireSampleDevResources",
    field: "type",
    says: /^unsupported type aws\.cloudformation\.template\.v0: CloudFormation/,
  },
  { resource: "servicea-dapr", field: "type", says: /^unsupported type dapr\.v0: Dapr/ },
  { resource: "nodeapp", field: "type", says: /^unsupported type executable\.v0: executables/ },
  {
    resource: "basketcache",
    field: "type",
    says: /^unsupported type redis\.v0: this is an abstract resource of the Aspire 8\.0 previews/,
  },
  { resource: "mysql", field: "inputs", says: /^legacy inputs on container\.v0: / },
  {
    resource: "broken",
    field: "type",
    says: /^unsupported type \(none\): .*The AppHost wrote: "This resource does not support generation in the manifest\."/,
  },
  {
    resource: "cheese",
    field: "type",
    says: /^unsupported type with\.cheese\.and\.ham\.v0: aspire-arm runs project\.v0, /,
  },
  {
    resource: "sql",
    field: "image",
    says: /^image mcr\.microsoft\.com\/mssql\/server:2022-latest has no linux\/arm64 variant, so it cannot run on an Arm VM\./,
  },
];

for (const { resource, field, says } of rejections) {
  test(`rejected: ${resource} (${field}) is named with what it is`, () => {
    const e = onlyError(rejectedEachType, resource);
    assert.equal(e.field, field);
    assert.match(e.message, says);
  });
}

test("rejected-each-type.json: rejected as a whole, and exactly the bad resources are named", () => {
  assert.equal(rejectedEachType.manifest, undefined);
  assert.deepEqual(
    rejectedEachType.errors.map((e) => e.resource).sort(),
    rejections.map((r) => r.resource).sort(),
  );
  assert.deepEqual(errorsOf(rejectedEachType, "cache"), []);
});

test("the x86-only image check matches any registry alias and tag of mssql/server, and only that repository", () => {
  for (const image of [
    "mcr.microsoft.com/mssql/server:2019-latest",
    "mcr.microsoft.com/mssql/server",
    "MCR.microsoft.com/mssql/server@sha256:abc",
    "mssql/server:2022-CU14-ubuntu-22.04",
  ]) {
    const e = onlyError(check({ sql: { type: "container.v0", image } }), "sql");
    assert.equal(e.field, "image");
    assert.match(e.message, /has no linux\/arm64 variant/, image);
    assert.ok(e.message.includes(image), e.message);
  }
  assert.ok(
    check({ pg: { type: "container.v0", image: "docker.io/library/postgres:17.6" } }).manifest,
  );
  assert.ok(
    check({ edge: { type: "container.v0", image: "mcr.microsoft.com/mssql/server-tools:1" } })
      .manifest,
  );
});

// ---- rejection spreads to references ----------------------------------------------------------------------

test("a resource referencing a rejected one is named, transitively: web -> api -> blobs -> azure storage", () => {
  const result = checkManifestFile(fixture("rejected-azure-chain.json"));
  assert.equal(result.manifest, undefined);
  assert.match(onlyError(result, "storage").message, /^unsupported type azure\.bicep\.v0/);

  const blobs = onlyError(result, "blobs");
  assert.equal(blobs.field, "connectionString");
  assert.match(
    blobs.message,
    /^references unsupported storage through \{storage\.outputs\.blobEndpoint\}/,
  );

  const api = onlyError(result, "api");
  assert.equal(api.field, "env.ConnectionStrings__blobs");
  assert.match(api.message, /^references unsupported blobs through \{blobs\.connectionString\}/);

  const web = onlyError(result, "web");
  assert.equal(web.field, "env.services__api__http__0");
  assert.match(web.message, /^references unsupported api through \{api\.bindings\.http\.url\}/);

  assert.deepEqual(errorsOf(result, "cache"), []);
  assert.equal(result.errors.length, 4);
});

test("a bad reference rejects the resource, and the rejection spreads to its consumers", () => {
  const result = check({
    sql: {
      type: "parameter.v0",
      value: "{sql.inputs.value}",
      connectionString: "{sql.value}",
      inputs: { value: { type: "string", secret: true } },
    },
    cs: { type: "value.v0", connectionString: "sql={sql.bindings.tcp.url}" },
    app: {
      type: "container.v0",
      image: "docker.io/library/alpine:3.20",
      env: { CS: "{cs.connectionString}" },
    },
  });
  const cs = onlyError(result, "cs");
  assert.equal(cs.field, "connectionString");
  assert.ok(
    cs.message.startsWith(
      "bad reference {sql.bindings.tcp.url} in cs.connectionString: sql is a parameter.v0 and has no bindings.",
    ),
    cs.message,
  );
  assert.match(
    onlyError(result, "app").message,
    /^references unsupported cs through \{cs\.connectionString\}/,
  );
  assert.deepEqual(errorsOf(result, "sql"), []);
});

test("bad references name resource, field and expression (missing binding, missing field, missing input)", () => {
  const result = check({
    cache: redis,
    pw: { type: "parameter.v0", value: "{pw.inputs.value}", inputs: { value: { type: "string" } } },
    a: { type: "container.v0", image: "x/a:1", env: { URL: "{cache.bindings.http.url}" } },
    b: { type: "container.v0", image: "x/b:1", args: ["--cs", "{cache.connectionString}"] },
    c: { type: "container.v0", image: "x/c:1", env: { PW: "{pw.inputs.password}" } },
  });
  assert.equal(onlyError(result, "a").field, "env.URL");
  assert.match(
    onlyError(result, "a").message,
    /^bad reference \{cache\.bindings\.http\.url\} in a\.env\.URL: cache has no binding named http \(it has: tcp\)\./,
  );
  assert.equal(onlyError(result, "b").field, "args.1");
  assert.match(
    onlyError(result, "b").message,
    /^bad reference \{cache\.connectionString\} in b\.args\.1: cache is a container\.v0 with no connectionString\./,
  );
  assert.equal(onlyError(result, "c").field, "env.PW");
  assert.match(
    onlyError(result, "c").message,
    /^bad reference \{pw\.inputs\.password\} in c\.env\.PW: parameter pw has no input named password/,
  );
});

// ---- deployment sections ------------------------------------------------------------------------------------

test("a deployment section that needs only the manifest is a warning, and the manifest is deployable", () => {
  const result = checkManifestFile(fixture("deployment-manifest-only.json"));
  assert.deepEqual(result.errors, []);
  assert.ok(result.manifest);
  assert.deepEqual(
    result.warnings.map((w) => [w.resource, w.field]),
    [["api", "deployment"]],
  );
  assert.match(result.warnings[0].message, /ignored: the resource runs on the VM as a project\.v0/);
});

test("a deployment section needing {.outputs.X} or {x.containerImage} is an error naming the param", () => {
  const result = checkManifestFile(fixture("deployment-azure-only.json"));
  assert.equal(result.manifest, undefined);
  const api = onlyError(result, "api");
  assert.equal(api.field, "deployment.params.env_id");
  assert.ok(api.message.includes("{.outputs.AZURE_CONTAINER_APPS_ENVIRONMENT_ID}"), api.message);
  assert.match(api.message, /deployment section is for Azure Container Apps or App Service/);
  const cache = onlyError(result, "cache");
  assert.equal(cache.field, "deployment.params.cache_containerimage");
  assert.ok(cache.message.includes("{cache.containerImage}"), cache.message);
  assert.deepEqual(result.warnings, []);
});

test("a consumer of a resource rejected for its deployment section says so", () => {
  const result = check({
    api: {
      type: "project.v1",
      path: "a.csproj",
      bindings: { http: { scheme: "http", protocol: "tcp", transport: "http" } },
      deployment: {
        type: "azure.bicep.v0",
        path: "api.bicep",
        params: { img: "{api.containerImage}" },
      },
    },
    web: { type: "project.v0", path: "w.csproj", env: { API: "{api.bindings.http.url}" } },
  });
  assert.equal(onlyError(result, "api").field, "deployment.params.img");
  assert.equal(onlyError(result, "web").field, "env.API");
});

test("a deployment section on a project.v0 is warned about once", () => {
  const result = check({
    api: {
      type: "project.v0",
      path: "a.csproj",
      deployment: { type: "azure.bicep.v0", path: "api.bicep", params: { sku: "Basic" } },
    },
  });
  assert.ok(result.manifest);
  assert.equal(
    result.warnings.filter((w) => w.resource === "api" && w.field === "deployment").length,
    1,
    JSON.stringify(result.warnings),
  );
});

// ---- warnings, not errors ----------------------------------------------------------------------------------------

test("unknown fields (resource, binding, top level) are warnings, not errors; containerPort is read as targetPort", () => {
  const result = checkManifestFile(fixture("legacy-and-unknown-fields.json"));
  assert.deepEqual(result.errors, []);
  assert.ok(result.manifest);
  const cache = result.manifest.resources.get("cache");
  assert.ok(cache && cache.kind === "container.v0");
  assert.equal(cache.bindings.tcp.targetPort, 6379);
  assert.deepEqual(
    result.warnings.map((w) => [w.resource, w.field]).sort(),
    [
      [null, "generatedBy"],
      ["cache", "annotations"],
      ["cache", "bindings.tcp.color"],
      ["cache", "bindings.tcp.containerPort"],
    ].sort(),
  );
  const legacy = result.warnings.find((w) => w.field === "bindings.tcp.containerPort");
  assert.match(
    legacy?.message ?? "",
    /containerPort is the 8\.0-preview name of targetPort; read as targetPort 6379\./,
  );
});

test("targetPort wins over a legacy containerPort when both are present", () => {
  const result = check({
    c: {
      type: "container.v0",
      image: "x/c:1",
      bindings: {
        tcp: {
          scheme: "tcp",
          protocol: "tcp",
          transport: "tcp",
          targetPort: 80,
          containerPort: 8080,
        },
      },
    },
  });
  const c = result.manifest?.resources.get("c");
  assert.ok(c && c.kind === "container.v0");
  assert.equal(c.bindings.tcp.targetPort, 80);
  assert.equal(result.warnings.length, 1);
});

// ---- wrong shapes -----------------------------------------------------------------------------------------------

test("an env value that is an object is an error naming env.KEY", () => {
  const result = checkManifestFile(fixture("env-object.json"));
  assert.equal(result.manifest, undefined);
  const e = onlyError(result, "api");
  assert.match(e.message, /^env\.Logging must be a string, not an object\./);
});

test("an env value that is an object has the field env.KEY in its diagnostic", () => {
  assert.equal(
    onlyError(checkManifestFile(fixture("env-object.json")), "api").field,
    "env.Logging",
  );
});

test("wrongly typed fields are errors naming the field", () => {
  const result = check({
    a: {
      type: "container.v0",
      image: "x/a:1",
      bindings: { http: { scheme: "http", protocol: "tcp", transport: "http", targetPort: 70000 } },
    },
    b: { type: "container.v0", image: "x/b:1", args: ["--port", 8080] },
    c: { type: "container.v0" },
    d: { type: 7 },
  });
  assert.equal(onlyError(result, "a").field, "bindings.http.targetPort");
  assert.match(
    onlyError(result, "a").message,
    /must be a port number between 1 and 65535, not number 70000/,
  );
  assert.equal(onlyError(result, "b").field, "args.1");
  assert.match(onlyError(result, "b").message, /args\.1 must be a string, not number 8080/);
  assert.match(onlyError(result, "c").message, /a container\.v0 needs an image/);
  assert.deepEqual(
    [onlyError(result, "d").field, onlyError(result, "d").message],
    ["type", "type must be a string, not number 7."],
  );
});

test("resource names that differ only in case clash", () => {
  const result = check({ Cache: redis, cache: redis });
  assert.equal(result.manifest, undefined);
  assert.match(onlyError(result, "cache").message, /cache clashes with Cache/);
});

// ---- cycles ---------------------------------------------------------------------------------------------------------

test("a reference cycle rejects the manifest, with the cycle's path in the message", () => {
  const result = checkManifestFile(fixture("cycle.json"));
  assert.equal(result.manifest, undefined);
  const cycles = result.errors.filter((e) => e.message.startsWith("reference cycle: "));
  assert.ok(cycles.length >= 1);
  for (const e of cycles)
    assert.match(
      e.message,
      /^reference cycle: (a|b)\.connectionString -> (?!\1)(a|b)\.connectionString -> \1\.connectionString\. Break the cycle in the AppHost\.$/,
    );
  assert.deepEqual(errorsOf(result, "bystander"), []);
});

test("a reference cycle is reported once", () => {
  const result = checkManifestFile(fixture("cycle.json"));
  assert.equal(
    result.errors.filter((e) => e.message.startsWith("reference cycle: ")).length,
    1,
    JSON.stringify(result.errors, null, 1),
  );
});

// ---- loadManifest ----------------------------------------------------------------------------------------------------

test("loadManifest throws a ManifestError carrying every error of a rejected manifest", () => {
  const caught = thrown(() => loadManifest(fixture("rejected-azure-chain.json")));
  assert.ok(caught instanceof ManifestError);
  assert.deepEqual(
    caught.diagnostics.map((d) => d.resource),
    ["storage", "blobs", "api", "web"],
  );
  assert.match(
    caught.message,
    /rejected-azure-chain\.json: storage \(type\): unsupported type azure\.bicep\.v0/,
  );
});

test("generate options: a min* count for a character class that is switched off is refused, as Aspire's generator refuses it", () => {
  const param = (generate: Record<string, unknown>) => ({
    type: "parameter.v0",
    value: "{p.inputs.value}",
    inputs: { value: { type: "string", secret: true, default: { generate } } },
  });
  const bad = onlyError(check({ p: param({ minLength: 12, upper: false, minUpper: 2 }) }), "p");
  assert.equal(bad.field, "inputs.value.default.generate.minUpper");
  assert.match(bad.message, /minUpper must be 0 when upper is false/);
  assert.deepEqual(
    errorsOf(
      check({ p: param({ minLength: 12, special: false, minSpecial: 0, minLower: 3 }) }),
      "p",
    ),
    [],
  );
  assert.equal(
    errorsOf(
      check({ p: param({ lower: false, upper: false, numeric: false, special: false }) }),
      "p",
    ).length,
    1,
  );
});

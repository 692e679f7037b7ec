// A manifest is untrusted input (a dependency's or a pull request's AppHost). What `check` refuses
// so that nothing from it can change the meaning of a file we write: names and identifiers beyond
// what their consumers accept, prototype keys, NULs and control characters, and documents built
// to exhaust the reader (alias bombs, deep nesting, huge or endless files).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  checkManifest,
  checkManifestFile,
  formatDiagnostic,
  MAX_MANIFEST_BYTES,
  type CheckResult,
  type Diagnostic,
} from "../../src/manifest";
import { buildPlan } from "../../src/plan";

function check(resources: Record<string, unknown>): CheckResult {
  return checkManifest({
    file: "/apps/test/aspire-manifest.json",
    dir: "/apps/test",
    document: { resources },
  });
}

const nginx = (extra: Record<string, unknown> = {}) => ({
  type: "container.v0",
  image: "docker.io/library/nginx:1.27",
  ...extra,
});

function errorAt(result: CheckResult, resource: string, field: string | null): Diagnostic {
  const found = result.errors.find((d) => d.resource === resource && d.field === field);
  assert.ok(
    found,
    `expected an error on ${resource} (${field}), got ${JSON.stringify(result.errors)}`,
  );
  return found;
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-arm-untrusted-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** checkManifestFile on a file, in under a second, with one file-level error. */
function fileError(file: string): string {
  const started = Date.now();
  const result = checkManifestFile(file);
  assert.ok(Date.now() - started < 1000, `${file} took ${Date.now() - started} ms`);
  assert.equal(result.manifest, undefined);
  assert.equal(result.errors.length, 1, JSON.stringify(result.errors));
  assert.equal(result.errors[0].resource, null);
  return result.errors[0].message;
}

// ---- names ------------------------------------------------------------------------------------------

test("resource names: only Aspire's own (letters, digits, single hyphens, a letter first, at most 64)", () => {
  for (const good of [
    "a",
    "api",
    "Api-Service2",
    "cache-password",
    "x".repeat(64),
    "constructor",
    "toString",
  ])
    assert.deepEqual(check({ [good]: nginx() }).errors, [], good);
  const bad = [
    "api$(touch /tmp/x)",
    "api`id`",
    "db_password",
    "a.b",
    "a--b",
    "-a",
    "a-",
    "1a",
    "x".repeat(65),
    "api\n[Service]",
    "café",
    "a b",
    "__proto__",
    "",
  ];
  for (const name of bad) {
    const result = check({ [name]: nginx() });
    assert.equal(result.manifest, undefined, JSON.stringify(name));
    assert.match(errorAt(result, name, null).message, /is not a name Aspire writes/);
  }
});

test("a reference to a resource with a bad name rejects the referencing resource too", () => {
  const result = check({
    db_password: {
      type: "parameter.v0",
      value: "{db_password.inputs.value}",
      inputs: { value: { type: "string", secret: true } },
    },
    app: nginx({ env: { P: "{db_password.value}" } }),
  });
  assert.match(errorAt(result, "app", "env.P").message, /references unsupported db_password/);
});

test("a resource named with the empty name is not what {.outputs.X} names: that stays azd's global outputs", () => {
  const result = check({ "": nginx(), app: nginx({ env: { X: "{.outputs.X}" } }) });
  assert.match(errorAt(result, "", null).message, /is not a name Aspire writes/);
  assert.equal(
    errorAt(result, "app", "env.X").message,
    "bad reference {.outputs.X} in app.env.X: azd's global Azure outputs ({.outputs.NAME}) exist only in Azure deployments. Fix the AppHost and publish the manifest again.",
  );
});

test("endpoint names follow the same rule", () => {
  const result = check({
    api: nginx({ bindings: { "http$(id)": { scheme: "http" }, ok: { scheme: "http" } } }),
  });
  assert.match(
    errorAt(result, "api", "bindings.http$(id)").message,
    /endpoint name "http\$\(id\)" is not a name Aspire writes/,
  );
  assert.equal(result.errors.length, 1);
});

test("env and build-arg names: what .NET configuration and Docker read, nothing compose would interpolate or split", () => {
  for (const good of [
    "ConnectionStrings__db",
    "services__catalog-api__http__0",
    "discovery.type",
    "Logging:LogLevel:Default",
    "_X",
    "__proto__",
    "constructor",
  ])
    assert.deepEqual(check({ c: nginx({ env: { [good]: "v" } }) }).errors, [], good);
  for (const bad of [
    "",
    "${ASPIRE_P_X}",
    "$HOME",
    "A=B",
    "A B",
    "A\nB",
    "1A",
    "é",
    "x".repeat(257),
  ]) {
    const result = check({ c: nginx({ env: { [bad]: "v" } }) });
    assert.match(
      errorAt(result, "c", `env.${bad}`).message,
      /is not a variable name/,
      JSON.stringify(bad),
    );
  }
  const build = check({
    b: {
      type: "container.v1",
      build: { context: "b", dockerfile: "b/Dockerfile", args: { "X=$(id)": "1" } },
    },
  });
  assert.match(
    errorAt(build, "b", "build.args.X=$(id)").message,
    /build arg "X=\$\(id\)" is not a variable name/,
  );
  const old = check({
    d: { type: "dockerfile.v0", path: "d/Dockerfile", context: "d", buildArgs: { "A B": "1" } },
  });
  assert.match(errorAt(old, "d", "buildArgs.A B").message, /build arg/);
});

test("an env name __proto__ is an ordinary variable: kept, never the object's prototype", () => {
  // As JSON.parse reads it: an own key (an object literal's `__proto__:` would set the prototype).
  const result = check({
    c: nginx({ env: JSON.parse('{"__proto__": "x", "constructor": "y", "A": "z"}') }),
  });
  assert.deepEqual(result.errors, []);
  const env = (result.manifest?.resources.get("c") as { env: Record<string, string> }).env;
  assert.deepEqual(Object.keys(env), ["__proto__", "constructor", "A"]);
  assert.equal(Object.getPrototypeOf(env), Object.prototype);
  const plan = buildPlan(result.manifest!, { cloud: "aws", stack: "dev" }).plan;
  assert.deepEqual(Object.keys(plan.vms[0].services[0].env), ["__proto__", "constructor", "A"]);
});

test("volume names: Docker's own rule, so no dot folders and nothing compose interpolates", () => {
  for (const good of [
    "data",
    "testshop.apphost-48e1ce2b9b-postgres-data",
    "Project.AppHost-volumeOne",
    "a_b",
  ])
    assert.deepEqual(
      check({ db: nginx({ volumes: [{ name: good, target: "/data" }] }) }).errors,
      [],
      good,
    );
  for (const bad of ["..", ".", ".data", "${PWD}", "a/b", "x", "-data", "data\n"]) {
    const result = check({ db: nginx({ volumes: [{ name: bad, target: "/data" }] }) });
    assert.match(
      errorAt(result, "db", "volumes.0.name").message,
      /is not one Docker accepts/,
      JSON.stringify(bad),
    );
  }
});

test("mount targets: absolute container paths without ':' (no host mounts), '..' or control characters, not '/'", () => {
  for (const good of [
    "/data",
    "/var/lib/postgresql/data",
    "/opt/keycloak/data/import",
    "/docker-entrypoint-initdb.d/two",
    "/data/${HOME}",
  ])
    assert.deepEqual(
      check({
        c: nginx({ volumes: [{ target: good }], bindMounts: [{ source: "cfg", target: good }] }),
      }).errors,
      [],
      good,
    );
  for (const bad of [
    "/:/host-root",
    "/var/run/docker.sock:/var/run/docker.sock",
    "relative",
    "/",
    "//",
    "/a/../b",
    "/a\nb",
    "/a\rb",
  ]) {
    const result = check({
      c: nginx({ volumes: [{ target: bad }], bindMounts: [{ source: "cfg", target: bad }] }),
    });
    assert.ok(
      errorAt(result, "c", "volumes.0.target").message.startsWith("volume target"),
      JSON.stringify(bad),
    );
    assert.ok(
      errorAt(result, "c", "bindMounts.0.target").message.startsWith("bind mount target"),
      JSON.stringify(bad),
    );
  }
});

test("images: Docker's reference grammar, so no spaces, shell or compose syntax in an image", () => {
  for (const good of [
    "redis",
    "docker.io/library/redis:7.4",
    "localhost:5000/a/b:1",
    "ghcr.io/o/r@sha256:" + "a".repeat(64),
    "quay.io/keycloak/keycloak:26.0",
    "MCR.microsoft.com/dotnet/aspire-dashboard:9.0",
  ])
    assert.deepEqual(check({ c: { type: "container.v0", image: good } }).errors, [], good);
  for (const bad of [
    "redis $(id)",
    "Redis:7",
    "redis:7\nx",
    "${IMAGE}",
    "redis;id",
    "",
    "redis:",
  ]) {
    const result = check({ c: { type: "container.v0", image: bad } });
    assert.match(
      errorAt(result, "c", "image").message,
      /is not an image reference/,
      JSON.stringify(bad),
    );
  }
});

test("build secret ids: what BuildKit's --secret id=... can take", () => {
  const result = check({
    b: {
      type: "container.v1",
      build: {
        context: "b",
        dockerfile: "b/Dockerfile",
        secrets: {
          "ok.id_1": { type: "env", value: "x" },
          "a,src=/etc/shadow": { type: "env", value: "x" },
        },
      },
    },
  });
  assert.match(errorAt(result, "b", "build.secrets.a,src=/etc/shadow").message, /build secret id/);
  assert.equal(result.errors.length, 1);
});

test("a NUL anywhere (values, args, paths) and control characters in paths are refused", () => {
  const result = check({
    c: nginx({ env: { A: "x\u0000y" }, args: ["--a", "b\u0000"], entrypoint: "/bin/sh\u0000" }),
    p: { type: "project.v0", path: "Api/Api\n.csproj" },
  });
  for (const field of ["env.A", "args.1", "entrypoint"])
    assert.match(errorAt(result, "c", field).message, /NUL character/);
  assert.match(errorAt(result, "p", "path").message, /control character/);
});

// ---- prototype keys -----------------------------------------------------------------------------------

test("bindings, inputs and fields named like Object.prototype's members are not found by accident", () => {
  const api = nginx({ bindings: { http: { scheme: "http", targetPort: 80 } } });
  const result = check({
    api,
    web: nginx({ env: { U: "{api.bindings.constructor.url}" } }),
    web2: nginx({ env: { P: "{api.bindings.toString.port}" } }),
    web3: nginx({ env: { T: "{api.bindings.hasOwnProperty.targetPort}" } }),
    p: {
      type: "parameter.v0",
      value: "{p.inputs.constructor}",
      inputs: { value: { type: "string" } },
    },
  });
  assert.match(
    errorAt(result, "web", "env.U").message,
    /api has no binding named constructor \(it has: http\)/,
  );
  assert.match(errorAt(result, "web2", "env.P").message, /no binding named toString/);
  assert.match(errorAt(result, "web3", "env.T").message, /no binding named hasOwnProperty/);
  assert.match(errorAt(result, "p", "value").message, /has no input named constructor/);
});

test("a resource named constructor plans like any other: its own image, not an inherited member", () => {
  const result = check({
    constructor: nginx(),
    toString: { type: "container.v0", image: "docker.io/library/redis:7.4" },
  });
  assert.deepEqual(result.errors, []);
  const plan = buildPlan(result.manifest!, { cloud: "aws", stack: "dev", images: {} }).plan;
  assert.deepEqual(
    plan.vms[0].services.map((s) => s.image),
    [
      { kind: "pull", image: "docker.io/library/nginx:1.27" },
      { kind: "pull", image: "docker.io/library/redis:7.4" },
    ],
  );
});

// ---- messages ------------------------------------------------------------------------------------------

test("every problem prints as one line, whatever the name holds", () => {
  const result = check({ "api\n[Service]\nExecStartPre=+/bin/sh\r\u001b[31m\u202e": nginx() });
  assert.equal(result.errors.length, 1);
  const line = formatDiagnostic(result.errors[0]);
  assert.ok(!/[\u0000-\u001f\u007f\u202e]/.test(line), line);
  assert.match(
    line,
    /^api\\n\[Service\]\\nExecStartPre=\+\/bin\/sh\\r\\u001b\[31m\\u202e: resource name/,
  );
});

// ---- documents built to exhaust the reader -------------------------------------------------------------

test("YAML anchors and aliases are refused before anything walks them (a billion laughs in 600 bytes)", (t) => {
  const dir = tempDir(t);
  const levels = Array.from({ length: 10 }, (_, i) =>
    i === 0
      ? `        l0: &l0 [x,x,x,x,x,x,x,x,x,x]`
      : `        l${i}: &l${i} [${Array(10)
          .fill(`*l${i - 1}`)
          .join(",")}]`,
  );
  const file = path.join(dir, "bomb.yaml");
  fs.writeFileSync(
    file,
    [
      "resources:",
      "  a:",
      "    type: container.v0",
      "    image: redis:7",
      "    deployment:",
      "      params:",
      ...levels,
      "",
    ].join("\n"),
  );
  assert.match(fileError(file), /YAML anchors and aliases .* are not accepted \(near line 7\)/);
  const scalar = path.join(dir, "scalar.yaml");
  fs.writeFileSync(scalar, "resources:\n  a:\n    type: &t container.v0\n    image: *t\n");
  assert.match(fileError(scalar), /anchors and aliases/);
});

test("deep nesting is one error, not a stack overflow, in JSON and YAML", (t) => {
  const dir = tempDir(t);
  const json = path.join(dir, "deep.json");
  fs.writeFileSync(
    json,
    `{"resources": {"a": {"type": "container.v0", "image": "redis:7", "deployment": {"params": ${"[".repeat(20000)}${"]".repeat(20000)}}}}}`,
  );
  assert.match(fileError(json), /nests more than 32 levels deep/);
  const yml = path.join(dir, "deep.yaml");
  fs.writeFileSync(
    yml,
    `resources:\n  a:\n    type: container.v0\n    x: ${"[".repeat(20000)}${"]".repeat(20000)}\n`,
  );
  assert.match(fileError(yml), /invalid YAML at line 4, .*nesting exceeded maxDepth/);
  // A real manifest nests 7 levels: far from the limit.
  const ok = path.join(dir, "ok.json");
  fs.writeFileSync(
    ok,
    JSON.stringify({
      resources: {
        a: {
          type: "container.v0",
          image: "redis:7",
          deployment: { params: { a: [[[[{ b: [1] }]]]] } },
        },
      },
    }),
  );
  assert.ok(checkManifestFile(ok).manifest);
});

// Without the evaluator's memo this takes 2^40 steps: the test would not finish.
test("values that each reference the one before twice are evaluated once per reader: 40 levels check at once", () => {
  const resources: Record<string, unknown> = { v0: { type: "value.v0", value: "" } };
  for (let i = 1; i <= 40; i++)
    resources[`v${i}`] = { type: "value.v0", value: `{v${i - 1}.value}{v${i - 1}.value}` };
  resources.app = nginx({ env: { V: "[{v40.value}]" } });
  const result = check(resources);
  assert.deepEqual(result.errors, []);
  const { plan } = buildPlan(result.manifest!, { cloud: "aws", stack: "dev" });
  assert.deepEqual(plan.vms[0].services[0].env.V, { parts: ["[]"], secret: false });
});

test("only regular files of sane size are read: no FIFOs, devices or giant files", (t) => {
  const dir = tempDir(t);
  const fifo = path.join(dir, "manifest.json");
  execFileSync("mkfifo", [fifo]);
  assert.match(fileError(fifo), /is not a regular file/);
  assert.match(fileError("/dev/zero"), /is not a regular file/);
  assert.match(fileError(dir), /is a folder/);
  const big = path.join(dir, "big.json");
  fs.writeFileSync(big, "");
  fs.truncateSync(big, MAX_MANIFEST_BYTES + 1);
  assert.match(fileError(big), /more than the 4194304 a manifest can have/);
  const dangling = path.join(dir, "dangling.json");
  fs.symlinkSync(path.join(dir, "nowhere"), dangling);
  assert.match(fileError(dangling), /no such file/);
});

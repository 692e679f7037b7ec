// Placement edges: an empty VM group list, one VM per service for an app with no service, long
// names cut to the same VM name, disk sizes checked per VM, and how each kind of client reaches
// each kind of endpoint (container or native, same VM or another, itself, a build-only image).
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPlan, PlanError, type DeploymentPlan, type PlanOptions } from "../../src/plan";
import { findService, manifestOf, planErrorsOf, shown } from "./plan-support";

const planOf = (resources: Record<string, unknown>, options: Partial<PlanOptions> = {}) =>
  buildPlan(manifestOf(resources), { cloud: "aws", stack: "dev", ...options }).plan;
const img = "docker.io/library/redis:7.4";
const c = (extra: Record<string, unknown> = {}) => ({ type: "container.v0", image: img, ...extra });
const http = (extra: Record<string, unknown> = {}) => ({
  scheme: "http",
  protocol: "tcp",
  transport: "http",
  ...extra,
});

test("an empty VM group list is no list: one VM, or one per service", () => {
  const resources = { a: c(), b: c() };
  assert.deepEqual(
    planOf(resources, { vms: {} }).vms.map((v) => [v.name, v.services.map((s) => s.name)]),
    [["app", ["a", "b"]]],
  );
  assert.deepEqual(
    planOf(resources, { vms: {}, vmPerService: true }).vms.map((v) => v.name),
    ["a", "b"],
  );
  // One VM per service of an app with no service: still its one VM.
  assert.deepEqual(
    planOf({ v: { type: "value.v0", value: "x" } }, { vmPerService: true }).vms.map((v) => [
      v.name,
      v.services.length,
    ]),
    [["app", 0]],
  );
  // An x86 type is refused under the stack's key, as without the empty list.
  assert.deepEqual(
    planErrorsOf(() => planOf(resources, { vms: {}, instanceType: "m5.large" })).map(
      (d) => d.field,
    ),
    ["instanceType"],
  );
});

test("vmPerService: names cut to 40 characters that collide get -2, -3, ... within the 40", () => {
  const head = "s".repeat(40);
  const names = planOf(
    { [`${head}-aa`]: c(), [`${head}-bb`]: c(), [`${head}-cc`]: c() },
    { vmPerService: true },
  ).vms.map((v) => v.name);
  assert.deepEqual(names, [head, `${head.slice(0, 38)}-2`, `${head.slice(0, 38)}-3`]);
  for (const n of names) assert.ok(n.length <= 40, n);
});

test("the stack's disk size is checked for the VMs that do not set their own, even after one that does", () => {
  const errors = (() => {
    try {
      planOf(
        { a: c(), b: c() },
        {
          diskSizeGb: 5,
          vms: { a: { resources: ["a"], diskSizeGb: 30 }, b: { resources: ["b"] } },
        },
      );
      return [];
    } catch (e) {
      assert.ok(e instanceof PlanError);
      return e.diagnostics.map((d) => d.field);
    }
  })();
  assert.deepEqual(errors, ["diskSizeGb"]);
});

test("addresses: https of a project is plain HTTP inside the app, of a container stays https; other schemes stay", () => {
  const plan = planOf({
    api: {
      type: "project.v0",
      path: "../Api/Api.csproj",
      bindings: {
        https: { scheme: "https", protocol: "tcp", transport: "http" },
        grpc: { scheme: "tcp", protocol: "tcp", transport: "tcp", targetPort: 5001 },
      },
    },
    tls: c({
      bindings: {
        https: { scheme: "https", protocol: "tcp", transport: "http", targetPort: 8443 },
      },
    }),
    client: c({
      env: {
        API: "{api.bindings.https.url}",
        TLS: "{tls.bindings.https.url}",
        TLS_ON: "{tls.bindings.https.tlsEnabled}",
        API_TLS: "{api.bindings.https.tlsEnabled}",
        API_GRPC: "{api.bindings.grpc.url}",
      },
    }),
  });
  const env = findService(plan, "client").env;
  assert.deepEqual(
    [shown(env.API), shown(env.TLS), shown(env.TLS_ON), shown(env.API_TLS)],
    ["http://api:8080", "https://tls:8443", "True", "False"],
  );
  // Only https becomes http: a project's other schemes stay as they are.
  assert.equal(shown(env.API_GRPC), "tcp://api:5001");
});

test("addresses from every kind of client to every kind of endpoint", () => {
  const resources = {
    api: {
      type: "project.v0",
      path: "../Api/Api.csproj",
      env: { SELF: "{api.bindings.http.url}" },
      bindings: { http: http() },
    },
    web: {
      type: "project.v0",
      path: "../Web/Web.csproj",
      env: { API: "{api.bindings.http.url}", DB: "{db.bindings.tcp.url}" },
      bindings: { http: http() },
    },
    db: c({
      env: { API: "{api.bindings.http.url}" },
      bindings: { tcp: { scheme: "tcp", protocol: "tcp", transport: "tcp", targetPort: 5432 } },
    }),
  };
  /** Env values as the services see them, each named "service.KEY". */
  const envValues = (plan: DeploymentPlan, ...names: string[]) =>
    names.map((n) => {
      const [service, key] = n.split(".");
      return shown(findService(plan, service).env[key]);
    });
  // All native but db, on one VM: native -> native on localhost, native -> container on localhost
  // and the host port, container -> native through the host gateway, a native process to itself on localhost.
  const one = planOf(resources, { runtime: "dotnet" });
  assert.deepEqual(envValues(one, "web.API", "web.DB", "db.API", "api.SELF"), [
    "http://localhost:8080",
    "tcp://localhost:5432",
    "http://host.docker.internal:8080",
    "http://localhost:8080",
  ]);
  // api native on its own VM: the others reach it by the VM's name on its own port, and so does it itself.
  const split = planOf(resources, {
    vms: { back: { resources: ["api"], runtime: "dotnet" }, front: { resources: ["web", "db"] } },
  });
  assert.deepEqual(envValues(split, "web.API", "db.API", "api.SELF", "web.DB"), [
    "http://back.dev.aspire.internal:8080",
    "http://back.dev.aspire.internal:8080",
    "http://back.dev.aspire.internal:8080",
    "tcp://db:5432",
  ]);
});

test("a reference to a build-only image's endpoint names it: it runs nowhere", () => {
  const plan = planOf({
    front: {
      type: "container.v1",
      build: { context: "../front", dockerfile: "../front/Dockerfile", buildOnly: true },
      bindings: { http: http({ targetPort: 3000 }) },
    },
    web: c({ env: { FRONT: "{front.bindings.http.url}" } }),
  });
  assert.equal(shown(findService(plan, "web").env.FRONT), "http://front:3000");
  assert.deepEqual(
    plan.vms[0].services.map((s) => s.name),
    ["web"],
  );
});

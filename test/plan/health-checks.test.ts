// aspire:healthChecks through the plan (ServicePlan.healthCheck: the path and the target port of
// the binding it is probed on) into each VM's health.list, which apply.sh's health gate reads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { healthList } from "../../src/render/app-config";
import { buildPlan } from "../../src/plan";
import {
  appFiles,
  findService,
  manifestOf,
  planErrorsOf,
  planFile,
  starterManifest,
  vmOf,
} from "./plan-support";

test("a health check path is probed on the service's first http binding, at its target port", () => {
  const plan = planFile(starterManifest, {
    healthChecks: { apiservice: "/health", webfrontend: "/alive?x=1" },
  });
  const api = findService(plan, "apiservice");
  const http = api.ports.find((p) => p.binding === "http");
  assert.ok(http);
  assert.deepEqual(api.healthCheck, { path: "/health", port: http.targetPort });
  assert.deepEqual(findService(plan, "webfrontend").healthCheck?.path, "/alive?x=1");
  assert.equal(findService(plan, "cache").healthCheck, undefined);
  // Without the key, no service has one.
  const none = planFile(starterManifest);
  assert.ok(none.vms.every((vm) => vm.services.every((s) => s.healthCheck === undefined)));
});

test("health.list: an http line for a service with a path, a tcp line per target port of the others", () => {
  const plan = planFile(starterManifest, { healthChecks: { webfrontend: "/health" } });
  const port = (name: string, binding: string) =>
    findService(plan, name).ports.find((p) => p.binding === binding)?.targetPort;
  const list = appFiles(plan, "app").get("health.list");
  assert.ok(list, "health.list is written");
  const lines = list.split("\n").filter((l) => l && !l.startsWith("#"));
  assert.deepEqual(
    lines.sort(),
    [
      `apiservice container tcp ${port("apiservice", "http")}`,
      ...(port("apiservice", "https") !== port("apiservice", "http")
        ? [`apiservice container tcp ${port("apiservice", "https")}`]
        : []),
      `cache container tcp 6379`,
      `webfrontend container http ${port("webfrontend", "http")} /health`,
    ].sort(),
  );
  // Each line has the shape apply.sh reads.
  for (const l of lines)
    assert.match(l, /^[a-z0-9-]+ (container|native) (http \d+ \/\S*|tcp \d+)$/);
});

test("health.list: native services are listed as native; no file for a VM without TCP bindings", () => {
  const plan = planFile(starterManifest, {
    runtime: "dotnet",
    healthChecks: { apiservice: "/health" },
  });
  const list = appFiles(plan, "app").get("health.list") ?? "";
  assert.match(list, /^apiservice native http \d+ \/health$/m);
  assert.match(list, /^cache container tcp 6379$/m);
  const vm = vmOf(plan, "app");
  assert.equal(healthList({ ...vm, services: [] }), undefined);
  assert.equal(
    healthList({
      ...vm,
      services: vm.services.map((s) => ({ ...s, ports: [], healthCheck: undefined })),
    }),
    undefined,
  );
});

test("aspire:healthChecks on a resource that is not deployed, or has no http binding, is a plan error", () => {
  const unknown = planErrorsOf(() =>
    planFile(starterManifest, { healthChecks: { apiservce: "/health" } }),
  );
  assert.deepEqual(
    unknown.map((d) => [d.resource, d.field]),
    [["apiservce", "aspire:healthChecks.apiservce"]],
  );
  assert.match(
    unknown[0].message,
    /names no service of the app .*: apiservice, cache, webfrontend\.$/,
  );
  const tcp = planErrorsOf(() => planFile(starterManifest, { healthChecks: { cache: "/health" } }));
  assert.deepEqual(
    tcp.map((d) => [d.resource, d.field]),
    [["cache", "aspire:healthChecks.cache"]],
  );
  assert.match(tcp[0].message, /cache has no http binding for its health check path \/health/);
});

test("the health check is probed on the http binding even when an https one comes first, else on the https one", () => {
  const container = (bindings: Record<string, unknown>) => ({
    type: "container.v0",
    image: "docker.io/library/nginx:1.27",
    bindings,
  });
  const web = (scheme: string, targetPort: number) => ({
    scheme,
    protocol: "tcp",
    transport: "http",
    targetPort,
  });
  const manifest = manifestOf({
    both: container({ secure: web("https", 8443), plain: web("http", 8080) }),
    tlsonly: container({ secure: web("https", 9443) }),
  });
  const plan = buildPlan(manifest, {
    cloud: "aws",
    stack: "dev",
    healthChecks: { both: "/health", tlsonly: "/ready" },
  }).plan;
  assert.deepEqual(findService(plan, "both").healthCheck, { path: "/health", port: 8080 });
  assert.deepEqual(findService(plan, "tlsonly").healthCheck, { path: "/ready", port: 9443 });
});

test("aspire:healthChecks in an app with no service at all says so: none", () => {
  const manifest = manifestOf({
    p: { type: "parameter.v0", value: "{p.inputs.value}", inputs: { value: { type: "string" } } },
  });
  const errors = planErrorsOf(() =>
    buildPlan(manifest, {
      cloud: "aws",
      stack: "dev",
      parameters: { p: "x" },
      healthChecks: { api: "/health" },
    }),
  );
  assert.match(errors[0].message, /names no service of the app .*: none\.$/);
});

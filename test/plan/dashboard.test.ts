// The optional Aspire dashboard as the plan holds it: its container (image, token login, unsecured
// OTLP, forwarded headers), its ports, whether the OTLP port is published (only when a native
// process or another VM sends telemetry), where each project sends it, and the UI's endpoint.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { DeploymentPlan, PlanOptions, PortPlan } from "../../src/plan";
import { findService, planFile, plain, shown, starterManifest, vmOf } from "./plan-support";

const dashboardOf = (options: Partial<PlanOptions>) => {
  const plan = planFile(starterManifest, { dashboard: true, ...options });
  return { plan, dashboard: findService(plan, "aspire-dashboard") };
};
/** Where apiservice and webfrontend send their telemetry. */
const otlpEndpoints = (plan: DeploymentPlan) =>
  ["apiservice", "webfrontend"].map((p) =>
    shown(findService(plan, p).env.OTEL_EXPORTER_OTLP_ENDPOINT),
  );
const ui: PortPlan = { binding: "http", protocol: "tcp", targetPort: 18888, exposure: "none" };
const otlp = (published: boolean): PortPlan => ({
  binding: "otlp-grpc",
  protocol: "tcp",
  targetPort: 18889,
  hostPort: published ? 18889 : undefined,
  exposure: published ? "private" : "none",
});

test("the dashboard container: token login, unsecured OTLP, forwarded headers, no volumes or dependencies", () => {
  const { dashboard } = dashboardOf({});
  assert.deepEqual(dashboard, {
    resource: "aspire-dashboard",
    name: "aspire-dashboard",
    kind: "aspire-dashboard",
    runAs: "container",
    image: { kind: "pull", image: "mcr.microsoft.com/dotnet/aspire-dashboard:9.5" },
    args: [],
    env: {
      DASHBOARD__FRONTEND__AUTHMODE: plain("BrowserToken"),
      DASHBOARD__FRONTEND__BROWSERTOKEN: {
        parts: [
          { kind: "parameter", parameter: "aspire-dashboard-token", secret: true, filters: [] },
        ],
        secret: true,
      },
      DASHBOARD__OTLP__AUTHMODE: plain("Unsecured"),
      ASPNETCORE_FORWARDEDHEADERS_ENABLED: plain("true"),
    },
    ports: [ui, otlp(false)],
    volumes: [],
    bindMounts: [],
    dependsOn: [],
  });
});

test("the login token is a generated secret of 32 letters and digits", () => {
  const token = dashboardOf({}).plan.parameters.find((p) => p.name === "aspire-dashboard-token");
  assert.deepEqual(
    [token?.secret, token?.source, token?.generate?.minLength],
    [true, "generate", 32],
  );
  const kinds = Object.entries(token?.generate ?? {}).filter(([, v]) => typeof v === "boolean");
  assert.deepEqual(kinds, [
    ["lower", true],
    ["upper", true],
    ["numeric", true],
    ["special", false],
  ]);
});

test("containers on the dashboard's VM send telemetry over the Docker network: the OTLP port is not published", () => {
  const { plan, dashboard } = dashboardOf({});
  assert.deepEqual(dashboard.ports, [ui, otlp(false)]);
  assert.deepEqual(vmOf(plan, "app").privatePorts, []);
  assert.deepEqual(otlpEndpoints(plan), [
    "http://aspire-dashboard:18889",
    "http://aspire-dashboard:18889",
  ]);
});

test("a container on another VM sends no telemetry: with every project on the dashboard's VM, the OTLP port is not published", () => {
  const { plan, dashboard } = dashboardOf({
    vms: { app: { resources: ["apiservice", "webfrontend"] }, data: { resources: ["cache"] } },
  });
  assert.deepEqual(dashboard.ports, [ui, otlp(false)]);
  assert.deepEqual(vmOf(plan, "app").privatePorts, []);
});

test("a VM with a project beside a container routes to the dashboard's VM", () => {
  const { plan } = dashboardOf({
    vms: { front: { resources: ["webfrontend"] }, back: { resources: ["apiservice", "cache"] } },
  });
  assert.deepEqual(vmOf(plan, "back").peers, ["front"]);
  assert.equal(
    shown(findService(plan, "apiservice").env.OTEL_EXPORTER_OTLP_ENDPOINT),
    "http://front.dev.aspire.internal:18889",
  );
});

test("one project on another VM is enough to publish the OTLP port, privately", () => {
  const { plan, dashboard } = dashboardOf({
    vms: { app: { resources: ["cache", "apiservice"] }, web: { resources: ["webfrontend"] } },
  });
  assert.deepEqual(dashboard.ports, [ui, otlp(true)]);
  assert.deepEqual(otlpEndpoints(plan), [
    "http://aspire-dashboard:18889",
    "http://app.dev.aspire.internal:18889",
  ]);
});

test("native projects on the dashboard's VM send telemetry to localhost: the OTLP port is published", () => {
  const { plan, dashboard } = dashboardOf({ runtime: "dotnet" });
  assert.equal(findService(plan, "apiservice").runAs, "native");
  assert.deepEqual(dashboard.ports, [ui, otlp(true)]);
  assert.deepEqual(otlpEndpoints(plan), ["http://localhost:18889", "http://localhost:18889"]);
});

test("the dashboard's UI: on its own port over plain HTTP without a domain, on dashboard.<domain> over HTTPS with one", () => {
  const endpoint = (domain?: string) =>
    vmOf(dashboardOf({ domain }).plan, "app").publicEndpoints.find(
      (e) => e.service === "aspire-dashboard",
    );
  assert.deepEqual(endpoint(), {
    service: "aspire-dashboard",
    binding: "http",
    scheme: "http",
    transport: "http",
    port: 18888,
    hostName: undefined,
    upstream: "aspire-dashboard:18888",
  });
  assert.deepEqual(endpoint("shop.example.com"), {
    service: "aspire-dashboard",
    binding: "http",
    scheme: "https",
    transport: "http",
    port: 443,
    hostName: "dashboard.shop.example.com",
    upstream: "aspire-dashboard:18888",
  });
});

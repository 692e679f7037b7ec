// Ports 80 and 443 belong to the reverse proxy only on VMs that run one; 22 is always the VM's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPlan } from "../../src/plan";
import { fixture, manifestOf, planFile, serviceOf, tcp, vmOf } from "./plan-support";

test("an external tcp endpoint keeps port 80 on a VM without a proxy", () => {
  const plan = planFile(fixture("plan-tcp-on-80.json"), {
    vms: { edge: { resources: ["gopher"] }, www: { resources: ["web"] } },
  });
  const edge = vmOf(plan, "edge");
  assert.equal(edge.proxy, false);
  assert.equal(serviceOf(edge, "gopher").ports[0].hostPort, 80);
  assert.deepEqual(
    edge.publicEndpoints.map((e) => e.port),
    [80],
  );
});

test("on a VM with a proxy, an external tcp endpoint asking for 80 moves to the next free port", () => {
  const plan = planFile(fixture("plan-tcp-on-80.json"));
  const app = vmOf(plan, "app");
  assert.equal(app.proxy, true);
  assert.equal(serviceOf(app, "gopher").ports[0].hostPort, 81);
  assert.deepEqual(app.publicEndpoints.map((e) => `${e.service}:${e.port}`).sort(), [
    "gopher:81",
    "web:80",
  ]);
});

test("a native project never listens on the VM's own ports: 22, 80 and 443 move to the next free one", () => {
  const { plan } = buildPlan(
    manifestOf({
      api: {
        type: "project.v0",
        path: "../Api/Api.csproj",
        bindings: {
          ssh: tcp(22),
          http: { scheme: "http", protocol: "tcp", transport: "http", targetPort: 80 },
          https: { scheme: "https", protocol: "tcp", transport: "http", targetPort: 443 },
        },
      },
    }),
    { cloud: "aws", stack: "dev", runtime: "dotnet" },
  );
  const api = serviceOf(vmOf(plan, "app"), "api");
  assert.equal(api.runAs, "native");
  assert.deepEqual(
    api.ports.map((p) => [p.binding, p.targetPort]),
    [
      ["ssh", 23],
      ["http", 81],
      ["https", 444],
    ],
  );
});

test("an external tcp endpoint of a native project is opened on the port the process listens on", () => {
  const resources = {
    api: {
      type: "project.v0",
      path: "../Api/Api.csproj",
      bindings: { grpc: tcp(5000, { external: true }) },
    },
  };
  const { plan } = buildPlan(manifestOf(resources), {
    cloud: "aws",
    stack: "dev",
    runtime: "dotnet",
  });
  const app = vmOf(plan, "app");
  assert.deepEqual(serviceOf(app, "api").ports, [
    { binding: "grpc", protocol: "tcp", targetPort: 5000, hostPort: undefined, exposure: "public" },
  ]);
  assert.deepEqual(app.publicEndpoints, [
    { service: "api", binding: "grpc", scheme: "tcp", transport: "tcp", port: 5000 },
  ]);
  // In a container, the same endpoint is opened on its host port.
  const docker = vmOf(buildPlan(manifestOf(resources), { cloud: "aws", stack: "dev" }).plan, "app");
  assert.deepEqual(
    docker.publicEndpoints.map((e) => [e.service, e.port]),
    [["api", 5000]],
  );
});

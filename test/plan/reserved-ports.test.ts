// Ports 80 and 443 belong to the reverse proxy only on VMs that run one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture, planFile, serviceOf, vmOf } from "./plan-support";

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

// The policy context of a plan (policies/context.ts): the ports the components open.
import { test } from "node:test";
import assert from "node:assert/strict";
import { policyContextFromPlan } from "../../policies";
import type { DeploymentPlan, VmPlan } from "../../src/plan";

test("policyContextFromPlan: every VM's public endpoints, plus 80 when a domain and a proxy are set", () => {
  const vm = (name: string, ports: [number, string][], proxy: boolean) =>
    ({
      name,
      proxy,
      publicEndpoints: ports.map(([port, scheme]) => ({
        service: name,
        binding: scheme,
        scheme,
        transport: scheme,
        port,
      })),
    }) as unknown as VmPlan;
  const plan = {
    cloud: "aws",
    stack: "dev",
    manifestFile: "m.json",
    parameters: [],
    dashboard: false,
    vms: [
      vm("web", [[443, "https"]], true),
      vm(
        "game",
        [
          [27015, "udp"],
          [443, "https"],
        ],
        false,
      ),
    ],
  } as unknown as DeploymentPlan;
  assert.deepEqual(
    policyContextFromPlan(
      { ...plan, domain: "app.example.com" },
      { enabled: true, cidrs: ["203.0.113.7/32"] },
    ),
    {
      sshEnabled: true,
      sshCidrs: ["203.0.113.7/32"],
      publicPorts: [
        { port: 80, protocol: "tcp" },
        { port: 443, protocol: "tcp" },
        { port: 27015, protocol: "udp" },
      ],
    },
  );
  assert.deepEqual(policyContextFromPlan(plan, { enabled: false, cidrs: [] }).publicPorts, [
    { port: 443, protocol: "tcp" },
    { port: 27015, protocol: "udp" },
  ]);
});

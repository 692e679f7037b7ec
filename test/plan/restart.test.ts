// Restart policies in the compose file: servers (a service with a binding) come back after a
// crash and a reboot (`unless-stopped`); a container with no binding (a migration, a seeder) is
// restarted only after a failure, so a one-shot that exits 0 stays done (`on-failure`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { restartPolicy } from "../../src/render";
import { composeSchemaErrors } from "../support/compose-schema";
import { cli } from "./cli-support";
import {
  appFiles,
  composeOf,
  findService,
  fixture,
  planFile,
  starterManifest,
} from "./plan-support";

const oneShot = fixture("plan-one-shot.json");

function policies(
  file: string,
  options: Parameters<typeof planFile>[1] = {},
): Record<string, string | undefined> {
  const plan = planFile(file, options);
  const out: Record<string, string | undefined> = {};
  for (const vm of plan.vms)
    for (const [name, s] of Object.entries(composeOf(plan, vm.name).services))
      out[name] = s.restart;
  return out;
}

test("servers are unless-stopped; a project and a container with no binding are on-failure; the proxy is unless-stopped", () => {
  assert.deepEqual(policies(oneShot), {
    db: "unless-stopped",
    migrations: "on-failure",
    seeder: "on-failure",
    api: "unless-stopped",
    caddy: "unless-stopped",
  });
  const plan = planFile(oneShot);
  assert.deepEqual(composeSchemaErrors(appFiles(plan, "app").get("compose.yaml") ?? ""), []);
});

test("the policy follows the bindings, not the image or the kind: restartPolicy of the planned services", () => {
  const plan = planFile(oneShot);
  assert.equal(restartPolicy(findService(plan, "migrations")), "on-failure");
  assert.equal(restartPolicy(findService(plan, "db")), "unless-stopped");
  // A binding that nothing outside reaches still makes a server.
  assert.equal(findService(plan, "db").ports[0].exposure, "none");
});

test("one VM per service: each VM's compose file keeps the same policy for its service", () => {
  assert.deepEqual(policies(oneShot, { vmPerService: true }), {
    db: "unless-stopped",
    migrations: "on-failure",
    seeder: "on-failure",
    api: "unless-stopped",
    caddy: "unless-stopped",
  });
});

test("the starter (the emulated VM's reboot test) and the dashboard keep unless-stopped: every one of them has a binding", () => {
  const all = policies(starterManifest, { dashboard: true });
  assert.ok(Object.keys(all).includes("aspire-dashboard"), Object.keys(all).join(", "));
  for (const [name, policy] of Object.entries(all)) assert.equal(policy, "unless-stopped", name);
});

test("plan says which containers have no endpoint and when they run again; --json gives each container's policy", async () => {
  const text = await cli("plan", oneShot, "--no-resources");
  assert.equal(text.code, 0, text.err);
  assert.match(
    text.out,
    /\n {2}migrations: container, [^\n]*; no endpoint: restarted only after a failure, run again at each boot and app update\n/,
  );
  assert.match(text.out, /\n {2}db: container, [^\n]*tcp 5432\n/);
  const json = await cli("plan", oneShot, "--no-resources", "--json");
  assert.equal(json.code, 0, json.err);
  const services = (
    JSON.parse(json.out) as { vms: { services: { name: string; restart?: string }[] }[] }
  ).vms[0].services;
  assert.deepEqual(Object.fromEntries(services.map((s) => [s.name, s.restart])), {
    db: "unless-stopped",
    migrations: "on-failure",
    seeder: "on-failure",
    api: "unless-stopped",
  });
});

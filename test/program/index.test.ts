// The Pulumi program's exports and its failure on a manifest that cannot run on Arm.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { runProgramWithMocks, type RecordedResource } from "../../src/cli/mock-program";
import { repoRoot } from "../support/paths";

const program = path.join(repoRoot, "dist/index.js");

test("the program exports the services with their VM, endpoints and VM addresses", async () => {
  const r = await runProgramWithMocks(program, "test", { "aws:region": "us-east-1", "aspire:manifest": path.join(repoRoot, "manifests/aspire-starter/aspire-manifest.json") });
  assert.deepEqual(r.outputs.services, [
    { name: "cache", vm: "app", runAs: "container" },
    { name: "apiservice", vm: "app", runAs: "container" },
    { name: "webfrontend", vm: "app", runAs: "container" },
  ]);
  assert.deepEqual(r.outputs.vms, { app: { publicIp: "(public ip of app-app)", privateIp: "(private ip of app-app)", connect: "aws ssm start-session --target app-app-id --region us-east-1" } });
  assert.equal(r.outputs.dashboardUrl, undefined);
});

test("with aspire:dashboard the dashboard URL is exported", async () => {
  const r = await runProgramWithMocks(program, "test", { "aws:region": "us-east-1", "aspire:dashboard": "true", "aspire:manifest": path.join(repoRoot, "manifests/aspire-starter/aspire-manifest.json") });
  assert.equal(r.outputs.dashboardUrl, "http://(public ip of app-app):18888");
});

test("a manifest that cannot run on Arm fails with a RunError naming the resource, before any resource", async () => {
  let created: readonly RecordedResource[] = [];
  await assert.rejects(
    runProgramWithMocks(program, "test", { "aws:region": "us-east-1", "aspire:manifest": path.join(repoRoot, "test/fixtures/program-rejected.json") }).then((r) => {
      created = r.resources;
    }),
    (e: unknown) => {
      assert.equal((e as Error).constructor.name, "RunError", `expected RunError, got ${String(e)}`);
      assert.match((e as Error).message, /sql.*mssql\/server.*no linux\/arm64 variant/s);
      assert.match((e as Error).message, /aspire-arm check/);
      return true;
    },
  );
  assert.deepEqual(created, []);
});

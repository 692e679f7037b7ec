// The Pulumi program run for real under Pulumi's mocks: no credentials, no CLI.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

const root = path.resolve(__dirname, "../../..");
const program = path.join(root, "dist/index.js");

/** Every resource the program asked Pulumi to create, by type and name. */
const created: string[] = [];

async function runProgram(config: Record<string, string>): Promise<Record<string, unknown>> {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        created.push(`${args.type}::${args.name}`);
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    "aspire",
    "test",
  );
  pulumi.runtime.setAllConfig(config);
  created.length = 0;
  delete require.cache[require.resolve(program)];
  return require(program) as Record<string, unknown>;
}

test("the program loads the configured manifest and exports its services", async () => {
  const exports = await runProgram({ "aspire:manifest": path.join(root, "manifests/aspire-starter/aspire-manifest.json") });
  const services = exports.services as { name: string; kind: string }[];
  assert.deepEqual(services, [
    { name: "cache", kind: "container.v0" },
    { name: "apiservice", kind: "project.v0" },
    { name: "webfrontend", kind: "project.v0" },
  ]);
});

test("a manifest that cannot run on Arm fails with a RunError naming the resource, before any resource", async () => {
  await assert.rejects(
    runProgram({ "aspire:manifest": path.join(root, "test/fixtures/program-rejected.json") }),
    (e: unknown) => {
      assert.ok(e instanceof pulumi.RunError, `expected RunError, got ${String(e)}`);
      assert.match((e as Error).message, /sql.*mssql\/server.*no linux\/arm64 variant/s);
      assert.match((e as Error).message, /aspire-arm check/);
      return true;
    },
  );
  assert.deepEqual(created, []);
});

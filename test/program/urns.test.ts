// Every resource keeps its URN: the URNs of the program's resources under mocks, for the starter
// app and a data-disk app on both clouds, against the lists recorded in test/fixtures/urns/ before
// the components were reorganised (issue 11). A changed URN would make `pulumi up` delete and
// recreate the resource (a VM, its data disk) on an existing stack. A deliberate change of a
// resource's name or parent needs an alias; rewrite a list only with that alias in the same commit:
// ASPIRE_UPDATE_URNS=1 node --test dist/test/program/urns.test.js
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { runProgramWithMocks } from "../../src/cli/mock-program";
import { engineUrns } from "../support/urns";
import { fixturesDir, programFile, repoRoot, starterManifest } from "../support/paths";

const volumeApp = path.join(fixturesDir, "volume-app.json");
const AWS = { "aspire:cloud": "aws", "aws:region": "eu-west-1" };
const GCP = { "aspire:cloud": "gcp", "gcp:zone": "us-central1-a", "gcp:project": "demo-project" };
/** Everything a stack can switch on that adds or names resources. */
const ALL_ON = {
  "aspire:dashboard": "true",
  "aspire:domain": "app.example.com",
  "aspire:ssh": JSON.stringify({
    enabled: true,
    cidrs: ["203.0.113.7/32"],
    publicKey:
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl urns@test",
  }),
  "aspire:network": "create",
  "aspire:vms": JSON.stringify({
    data: ["cache"],
    app: { resources: ["apiservice", "webfrontend"], runtime: "dotnet" },
  }),
};

const scenarios: Record<string, Record<string, string>> = {
  "aws-starter": {
    ...AWS,
    "aspire:manifest": starterManifest,
    "aspire:parameters.cache-password": "p",
  },
  "gcp-starter": {
    ...GCP,
    "aspire:manifest": starterManifest,
    "aspire:parameters.cache-password": "p",
  },
  "aws-starter-all-on": {
    ...AWS,
    ...ALL_ON,
    "aspire:elasticIp": "true",
    "aspire:manifest": starterManifest,
    "aspire:parameters.cache-password": "p",
  },
  "gcp-starter-all-on": {
    ...GCP,
    ...ALL_ON,
    "aspire:manifest": starterManifest,
    "aspire:parameters.cache-password": "p",
  },
  "aws-volume-per-service": {
    ...AWS,
    "aspire:manifest": volumeApp,
    "aspire:vmPerService": "true",
    "aspire:parameters.postgres-password": "p",
  },
  "gcp-volume-per-service": {
    ...GCP,
    "aspire:manifest": volumeApp,
    "aspire:vmPerService": "true",
    "aspire:parameters.postgres-password": "p",
  },
};

const update = process.env.ASPIRE_UPDATE_URNS === "1";

for (const [name, config] of Object.entries(scenarios)) {
  test(`${name}: every resource keeps its URN`, async () => {
    const run = await runProgramWithMocks(
      programFile,
      "dev",
      config,
      Object.keys(config).filter((k) => k.startsWith("aspire:parameters.")),
    );
    const urns = engineUrns(run, "dev").sort();
    const file = path.join(fixturesDir, "urns", `${name}.txt`);
    if (update) fs.writeFileSync(file, urns.join("\n") + "\n");
    const recorded = fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
    const added = urns.filter((u) => !recorded.includes(u));
    const gone = recorded.filter((u) => !urns.includes(u));
    assert.deepEqual(
      { added, gone },
      { added: [], gone: [] },
      `URNs differ from ${path.relative(repoRoot, file)}`,
    );
    assert.deepEqual(urns, recorded);
  });
}

// VM names within 40 characters: the VM's cloud resources are named after it, and GCP takes names
// of at most 63 characters (a firewall rule "app-<vm>-private-<7 hex>" is the longest).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadManifest } from "../../src/manifest";
import { buildPlan, PlanError } from "../../src/plan";
import { fixture } from "./plan-support";

test("aspire:vms names longer than 40 characters are refused with a shorter example", () => {
  const { manifest } = loadManifest(fixture("volume-app.json"));
  const name = "a-virtual-machine-name-of-fifty-characters-exactly";
  assert.throws(
    () =>
      buildPlan(manifest, {
        cloud: "gcp",
        stack: "dev",
        vms: { [name]: { resources: ["postgres"] }, app: { resources: ["api"] } },
      }),
    (e: unknown) => {
      assert.ok(e instanceof PlanError);
      assert.match(
        e.diagnostics.map((d) => `${d.field}: ${d.message}`).join("\n"),
        /vms\.a-virtual.*is 50 characters: at most 40.*for example "a-virtual-machine-name-of-fifty-characte"/,
      );
      return true;
    },
  );
  const forty = name.slice(0, 40);
  assert.equal(
    buildPlan(manifest, {
      cloud: "gcp",
      stack: "dev",
      vms: { [forty]: { resources: ["postgres"] }, app: { resources: ["api"] } },
    }).plan.vms[0].name,
    forty,
  );
});

test("one VM per service: names of long services cut to 40 characters, still unique", () => {
  const doc = {
    resources: {
      "a-service-with-a-name-long-enough-to-be-cut-one": {
        type: "container.v0",
        image: "nginx:1.27",
      },
      "a-service-with-a-name-long-enough-to-be-cut-two": {
        type: "container.v0",
        image: "nginx:1.27",
      },
    },
  };
  const file = path.join(os.tmpdir(), `vm-names-${process.pid}.json`);
  fs.writeFileSync(file, JSON.stringify(doc));
  const { manifest } = loadManifest(file);
  const names = buildPlan(manifest, {
    cloud: "gcp",
    stack: "dev",
    vmPerService: true,
  }).plan.vms.map((v) => v.name);
  assert.deepEqual(names, [
    "a-service-with-a-name-long-enough-to-be",
    "a-service-with-a-name-long-enough-to-b-2",
  ]);
  for (const n of names) assert.ok(n.length <= 40, n);
  fs.rmSync(file);
});

// Each secret's name in the cloud's store, and its variable on the VM, belongs to one parameter of
// one stack: across stacks (prefixes end where no safe name can), within a stack (no truncation,
// collisions refused naming both parameters).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  checkManifest,
  type Manifest,
  type ParameterResource,
  type Resource,
} from "../../src/manifest";
import {
  buildPlan,
  PlanError,
  secretNameCollisions,
  secretPrefix,
  secretStoreName,
  secretVariable,
  type Cloud,
} from "../../src/plan";
import { runProgramWithMocks } from "../../src/cli/mock-program";
import { manifestOf, planErrorsOf, tempDir } from "./plan-support";
import { programFile } from "../support/paths";

const secretParameter = (name: string) => ({
  type: "parameter.v0",
  value: `{${name}.inputs.value}`,
  inputs: { value: { type: "string", secret: true } },
});
const app = (env: Record<string, string>) => ({
  type: "container.v0",
  image: "docker.io/library/alpine:3.20",
  env,
});

test("store ids are unambiguous across stacks: (a, b-c) and (a-b, c) differ, on both clouds", () => {
  const names = ["a", "b", "c", "a-b", "b-c", "a-b-c", "ab", "Ab", "x1", "app-dev"];
  for (const cloud of ["aws", "gcp"] as Cloud[]) {
    const seen = new Map<string, string>();
    for (const stack of names)
      for (const parameter of names) {
        if (parameter === "Ab" || stack === "Ab") continue; // names are unique regardless of case; stacks: see the note on safeName
        const id = secretPrefix(cloud, stack) + secretStoreName(parameter);
        const owner = `${stack}/${parameter}`;
        assert.equal(
          seen.get(id) ?? owner,
          owner,
          `${cloud}: ${id} is both ${seen.get(id)} and ${owner}`,
        );
        seen.set(id, owner);
      }
  }
  assert.equal(secretPrefix("gcp", "a") + secretStoreName("b-c"), "aspire-arm-a--b-c");
  assert.equal(secretPrefix("gcp", "a-b") + secretStoreName("c"), "aspire-arm-a-b--c");
  assert.equal(secretPrefix("aws", "a") + secretStoreName("b-c"), "/aspire-arm/a/b-c");
});

test("long parameter names keep their whole name: two 64-character names that share 50 do not meet", () => {
  const [one, two] = [
    "p".repeat(50) + "-one-" + "x".repeat(9),
    "p".repeat(50) + "-two-" + "x".repeat(9),
  ];
  assert.notEqual(secretStoreName(one), secretStoreName(two));
  assert.deepEqual(secretNameCollisions([one, two]), []);
  assert.equal(secretVariable("cache-password"), "ASPIRE_P_CACHE_PASSWORD");
});

test("two parameters that would share a store name or a variable are refused, naming both", () => {
  // `check` already refuses names that differ only in case and names with `_`; a plan built from
  // another source of manifests is still protected.
  const resources = new Map<string, Resource>([
    [
      "Db-Password",
      {
        kind: "parameter.v0",
        name: "Db-Password",
        value: "{Db-Password.inputs.value}",
        inputs: { value: { name: "value", secret: true } },
      } as ParameterResource,
    ],
    [
      "db-password",
      {
        kind: "parameter.v0",
        name: "db-password",
        value: "{db-password.inputs.value}",
        inputs: { value: { name: "value", secret: true } },
      } as ParameterResource,
    ],
  ]);
  const manifest: Manifest = { file: "/apps/t/aspire-manifest.json", dir: "/apps/t", resources };
  assert.throws(
    () => buildPlan(manifest, { cloud: "aws", stack: "dev" }),
    (e: unknown) =>
      e instanceof PlanError &&
      e.diagnostics.some(
        (d) =>
          d.resource === "db-password" &&
          /parameters Db-Password and db-password would share the secret store name db-password/.test(
            d.message,
          ),
      ),
  );
});

test("secretNameCollisions names each pair once, with what they would share: a store name, a variable or both", () => {
  assert.deepEqual(secretNameCollisions(["a-b", "a.b"]), [["a-b", "a.b", "variable ASPIRE_P_A_B"]]);
  // Sharing both the store name and the variable: one pair, the first thing shared.
  assert.deepEqual(secretNameCollisions(["Db-Password", "db-password"]), [
    ["Db-Password", "db-password", "secret store name db-password"],
  ]);
  // One parameter meeting two others, each over something else: two pairs, each named.
  assert.deepEqual(secretNameCollisions(["a_b", "A-B", "a-b"]), [
    ["a_b", "A-B", "variable ASPIRE_P_A_B"],
    ["A-B", "a-b", "secret store name a-b"],
    ["a_b", "a-b", "variable ASPIRE_P_A_B"],
  ]);
  assert.deepEqual(secretNameCollisions(["a-b", "A-B", "a_b"]), [
    ["a-b", "A-B", "secret store name a-b"],
    ["a-b", "a_b", "variable ASPIRE_P_A_B"],
  ]);
});

test("a parameter named x-uri and the percent-encoded form of x have different variables", () => {
  assert.deepEqual(secretNameCollisions(["db", "db-uri"]), []);
  assert.notEqual(secretVariable("db", true), secretVariable("db-uri"));
  assert.equal(secretVariable("db", true), "ASPIRE_P_DB__URI");
});

test("a manifest parameter named like the dashboard's token is refused when the dashboard is on", () => {
  const result = checkManifest({
    file: "/apps/t/m.json",
    dir: "/apps/t",
    document: {
      resources: {
        "aspire-dashboard-token": secretParameter("aspire-dashboard-token"),
        web: app({ T: "{aspire-dashboard-token.value}" }),
      },
    },
  });
  assert.deepEqual(result.errors, []);
  assert.ok(buildPlan(result.manifest!, { cloud: "aws", stack: "dev" }).plan);
  assert.throws(
    () => buildPlan(result.manifest!, { cloud: "aws", stack: "dev", dashboard: true }),
    (e: unknown) =>
      e instanceof PlanError &&
      /would share the secret store name aspire-dashboard-token/.test(e.message),
  );
});

test("a plain parameter named like the dashboard's token is no conflict: its value is written into files, never stored", () => {
  const manifest = manifestOf({
    "aspire-dashboard-token": {
      type: "parameter.v0",
      value: "{aspire-dashboard-token.inputs.value}",
      inputs: { value: { type: "string", default: { value: "plain" } } },
    },
    web: app({ T: "{aspire-dashboard-token.value}" }),
  });
  const { plan } = buildPlan(manifest, { cloud: "aws", stack: "dev", dashboard: true });
  const web = plan.vms[0].services.find((s) => s.name === "web");
  assert.deepEqual(web?.env.T, { parts: ["plain"], secret: false });
});

test("a shared secret name stops the plan at once: what later steps would find is not listed with it", () => {
  const manifest = manifestOf({
    "aspire-dashboard-token": secretParameter("aspire-dashboard-token"),
    // Outside the source root (/apps/t): refused when its service is planned.
    api: { type: "project.v0", path: "../../outside/Api/Api.csproj" },
  });
  const errors = (dashboard: boolean) =>
    planErrorsOf(() => buildPlan(manifest, { cloud: "aws", stack: "dev", dashboard })).map((d) => [
      d.resource,
      d.field,
    ]);
  assert.deepEqual(errors(true), [["aspire-dashboard-token", null]]);
  assert.deepEqual(errors(false), [["api", "path"]]);
  // An error of the stack's settings (an x86 instance type) stops it earlier still: the names of
  // a plan that cannot be placed are not checked.
  const x86 = planErrorsOf(() =>
    buildPlan(manifest, { cloud: "aws", stack: "dev", dashboard: true, instanceType: "t3.small" }),
  ).map((d) => d.field);
  assert.deepEqual(x86, ["instanceType"]);
});

test("the GCP program gives stack a's parameter b-c and stack a-b's parameter c different Secret Manager ids", async () => {
  const dir = tempDir("secret-ids");
  const write = (name: string, doc: object) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(doc));
    return file;
  };
  const a = write("a.json", {
    resources: { "b-c": secretParameter("b-c"), app: app({ S: "{b-c.value}" }) },
  });
  const b = write("b.json", {
    resources: { c: secretParameter("c"), app: app({ S: "{c.value}" }) },
  });
  const ids: string[] = [];
  for (const [stack, file, parameter] of [
    ["a", a, "b-c"],
    ["a-b", b, "c"],
  ]) {
    const config = {
      "aspire:cloud": "gcp",
      "gcp:zone": "us-central1-a",
      "gcp:project": "demo",
      "aspire:manifest": file,
      [`aspire:parameters.${parameter}`]: "v",
    };
    const run = await runProgramWithMocks(programFile, stack, config, [
      `aspire:parameters.${parameter}`,
    ]);
    ids.push(
      ...run.resources
        .filter((r) => r.type === "gcp:secretmanager/secret:Secret")
        .map((r) => String(r.inputs.secretId)),
    );
  }
  assert.deepEqual(ids, ["aspire-arm-a--b-c", "aspire-arm-a-b--c"]);
  fs.rmSync(dir, { recursive: true, force: true });
});

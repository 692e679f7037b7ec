// Secret canary: a secret parameter's value, given to `aspire-arm plan --set` or to buildPlan, must
// appear nowhere: not in any file written, not in the JSON or text output. The VM only learns the
// secret's name and the variable to put it in; compose and env templates reference the variable.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import type { Cloud } from "../../src/plan";
import { composeSchemaErrors } from "../support/compose-schema";
import { bundleBytes } from "../support/delivered";
import { cli, jsonPlanOf, type JsonPlan } from "./cli-support";
import {
  appFiles,
  composeOf,
  composeService,
  filesUnder,
  findService,
  fixture,
  parseCompose,
  planFile,
  render,
  tempDir,
  vmOf,
  writeFilesOf,
} from "./plan-support";

const manifestFile = fixture("plan-secrets-canary.json");
const CANARY = 'CANARY-9f3b2c-$ecret "quote"';
/** A fragment no escaping (JSON, YAML, shell, $$) changes: finds partial and escaped leaks too. */
const CANARY_CORE = "9f3b2c";
const CLOUDS: readonly Cloud[] = ["aws", "gcp"];
const SHAPES = [
  { label: "one VM", flags: [] as string[], vms: undefined },
  {
    label: "split",
    flags: ["--vm", "db=postgres", "--vm", "web=api"],
    vms: { db: { resources: ["postgres"] }, web: { resources: ["api"] } },
  },
];
const SECRETS_HEADER =
  "# store-name variable: fetched by fetch-secrets.py at boot and on every apply\n";

function composeText(dir: string): string {
  return fs.readFileSync(path.join(dir, "app/compose.yaml"), "utf8");
}

function assertNoCanary(where: string, text: string): void {
  assert.ok(!text.includes(CANARY_CORE), `${where} contains the secret value`);
}

// ---- the canary appears nowhere ------------------------------------------------------------------

for (const cloud of CLOUDS)
  for (const shape of SHAPES) {
    /** `aspire-arm plan` with the canary as the secret's value. */
    const canaryPlan = [
      "plan",
      manifestFile,
      "--cloud",
      cloud,
      "--set",
      `api-key=${CANARY}`,
      "--set",
      "region=eu-west-1",
      ...shape.flags,
    ];
    test(`canary (${cloud}, ${shape.label}): \`plan --set\` with --out and --json writes the secret value in no file and no output`, async () => {
      const dir = tempDir("canary");
      const r = await cli(...canaryPlan, "--out", dir, "--json");
      assert.equal(r.code, 0, r.err);
      assertNoCanary("stdout (--json)", r.out);
      assertNoCanary("stderr", r.err);
      const files = filesUnder(dir);
      const vmNames = shape.vms ? ["db", "web"] : ["app"];
      for (const vm of vmNames)
        assert.ok(files.includes(`${vm}/user-data`), `no ${vm}/user-data in ${files.join(", ")}`);
      for (const vm of vmNames)
        assert.ok(files.includes(`${vm}/release.json.gz`), `no ${vm}/release.json.gz`);
      // The release as delivered is gzip'ed: read as the VM reads it.
      for (const f of files) {
        const bytes = fs.readFileSync(path.join(dir, f));
        assertNoCanary(f, (f.endsWith(".gz") ? zlib.gunzipSync(bytes) : bytes).toString("utf8"));
      }
      const doc = JSON.parse(r.out) as JsonPlan;
      assert.deepEqual(
        doc.parameters.find((p) => p.name === "api-key"),
        { name: "api-key", secret: true, source: "config", storedOnVm: true },
      );
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test(`canary (${cloud}, ${shape.label}): the text output does not contain the secret value either`, async () => {
      const r = await cli(...canaryPlan);
      assert.equal(r.code, 0, r.err);
      assertNoCanary("stdout (text)", r.out);
      assertNoCanary("stderr", r.err);
      assert.match(r.out, /^ {2}api-key: secret, config$/m);
    });

    test(`canary (${cloud}, ${shape.label}): --markdown and --against (text, JSON, Markdown) do not contain the secret value either`, async () => {
      const dir = tempDir("canary-against");
      const previous = path.join(dir, "previous.json");
      const saved = await cli(...canaryPlan, "--json");
      assert.equal(saved.code, 0, saved.err);
      fs.writeFileSync(previous, saved.out);
      // The secret rotated (another value) and a plain change beside it.
      const rotated = canaryPlan.map((a) =>
        a === `api-key=${CANARY}` ? `api-key=${CANARY}-2` : a,
      );
      for (const extra of [
        ["--markdown"],
        ["--against", previous],
        ["--against", previous, "--json"],
        ["--against", previous, "--markdown"],
      ]) {
        const r = await cli(...rotated, "--set", "region=eu-central-1", ...extra);
        assert.equal(r.code, 0, r.err);
        assertNoCanary(`stdout (${extra.join(" ")})`, r.out);
        assertNoCanary(`stderr (${extra.join(" ")})`, r.err);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test(`canary (${cloud}, ${shape.label}): buildPlan with options.parameters keeps the value out of the plan and every rendered file`, () => {
      const plan = planFile(manifestFile, {
        cloud,
        vms: shape.vms,
        parameters: { "api-key": CANARY, region: "eu-west-1" },
      });
      assertNoCanary("the plan", JSON.stringify(plan));
      for (const vm of plan.vms) {
        const r = render(plan, vm);
        assertNoCanary(`${vm.name} cloud-config`, r.cloudConfig);
        for (const f of r.appConfig) assertNoCanary(`${vm.name}/${f.path}`, f.content);
        assertNoCanary(`${vm.name} release`, zlib.gunzipSync(r.release.gz).toString("utf8"));
      }
      assert.deepEqual(
        plan.parameters.find((p) => p.name === "api-key"),
        { name: "api-key", secret: true, source: "config", value: undefined },
      );
    });
  }

// ---- only names reach the VM ---------------------------------------------------------------------

test("a VM learns only secret names: its release's secrets.list lines `name VAR`, its user data's store prefix in vm.env", async () => {
  const dir = tempDir("names");
  const r = await cli(
    "plan",
    manifestFile,
    "--set",
    `api-key=${CANARY}`,
    "--set",
    "region=eu-west-1",
    "--vm",
    "db=postgres",
    "--vm",
    "web=api",
    "--out",
    dir,
  );
  assert.equal(r.code, 0, r.err);
  const release = (vm: string) =>
    bundleBytes(fs.readFileSync(path.join(dir, vm, "release.json.gz")));
  assert.equal(
    release("db").get("secrets.list")?.toString(),
    `${SECRETS_HEADER}db-password ASPIRE_P_DB_PASSWORD\n`,
  );
  assert.equal(
    release("web").get("secrets.list")?.toString(),
    `${SECRETS_HEADER}api-key ASPIRE_P_API_KEY\ndb-password ASPIRE_P_DB_PASSWORD\n`,
  );
  const web = writeFilesOf(fs.readFileSync(path.join(dir, "web/user-data"), "utf8"));
  assert.match(
    web.get("/etc/aspire-arm/vm.env") ?? "",
    /^ASPIRE_SECRET_PREFIX='\/aspire-arm\/dev\/'$/m,
  );
  assert.equal(web.get("/etc/aspire-arm/app/secrets.list"), undefined, "not in the user data");
  assert.equal(
    fs.readFileSync(path.join(dir, "web/secrets.list"), "utf8"),
    release("web").get("secrets.list")?.toString(),
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test("on gcp the store prefix is the stack's secret id prefix", () => {
  const plan = planFile(manifestFile, {
    cloud: "gcp",
    stack: "prod",
    parameters: { region: "eu-west-1" },
  });
  const r = render(plan, vmOf(plan, "app"));
  assert.match(
    writeFilesOf(r.cloudConfig).get("/etc/aspire-arm/vm.env") ?? "",
    /^ASPIRE_SECRET_PREFIX='aspire-arm-prod--'$/m,
  );
  assert.equal(
    bundleBytes(r.release.gz).get("secrets.list")?.toString(),
    `${SECRETS_HEADER}api-key ASPIRE_P_API_KEY\ndb-password ASPIRE_P_DB_PASSWORD\n`,
  );
});

test("secret env values in compose are ${ASPIRE_P_...} references, the uri-encoded one as ...__URI", () => {
  const plan = planFile(manifestFile, { parameters: { "api-key": CANARY, region: "eu-west-1" } });
  const text = appFiles(plan, "app").get("compose.yaml") as string;
  assert.deepEqual(composeSchemaErrors(text), []);
  const compose = parseCompose(text);
  const api = composeService(compose, "api").environment ?? {};
  assert.equal(api.ExternalApi__Key, "${ASPIRE_P_API_KEY}");
  assert.equal(
    api.ConnectionStrings__postgres,
    "Host=postgres;Port=5432;Username=postgres;Password=${ASPIRE_P_DB_PASSWORD}",
  );
  assert.equal(
    api.POSTGRES_URI,
    "postgresql://postgres:${ASPIRE_P_DB_PASSWORD__URI}@postgres:5432",
  );
  assert.equal(
    composeService(compose, "postgres").environment?.POSTGRES_PASSWORD,
    "${ASPIRE_P_DB_PASSWORD}",
  );
  // Every value that carries a secret is marked secret in the plan.
  const env = findService(plan, "api").env;
  assert.deepEqual(
    Object.entries(env)
      .filter(([, v]) => v.secret)
      .map(([k]) => k),
    ["ConnectionStrings__postgres", "POSTGRES_URI", "ExternalApi__Key"],
  );
});

test("a literal `$` in a manifest value is written `$$` in compose (env and command), and in a plain --set value too", async () => {
  const dir = tempDir("dollar");
  const r = await cli(
    "plan",
    manifestFile,
    "--set",
    "api-key=k",
    "--set",
    "region=eu-$west",
    "--out",
    dir,
  );
  assert.equal(r.code, 0, r.err);
  const api = composeService(
    parseCompose(fs.readFileSync(path.join(dir, "app/compose.yaml"), "utf8")),
    "api",
  );
  assert.equal(api.environment?.Shop__PriceNote, "costs $$5, not $${HOME}");
  assert.equal(api.environment?.Shop__Region, "eu-$$west");
  assert.deepEqual(api.command, ["--banner", "costs $$5, not $${HOME}"]);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("dotnet runtime: the env template of a native project uses the same `$$` and ${ASPIRE_P_...} forms", () => {
  const plan = planFile(manifestFile, {
    runtime: "dotnet",
    parameters: { "api-key": CANARY, region: "eu-$west" },
  });
  const lines = (appFiles(plan, "app").get("env/api.env.in") ?? "").split("\n");
  assert.ok(lines.includes("Shop__PriceNote=costs $$5, not $${HOME}"), lines.join("\n"));
  assert.ok(lines.includes("Shop__Region=eu-$$west"), lines.join("\n"));
  assert.ok(lines.includes("ExternalApi__Key=${ASPIRE_P_API_KEY}"), lines.join("\n"));
  assert.ok(
    lines.includes(
      "ConnectionStrings__postgres=Host=localhost;Port=5432;Username=postgres;Password=${ASPIRE_P_DB_PASSWORD}",
    ),
    lines.join("\n"),
  );
  for (const l of lines) assertNoCanary("env/api.env.in", l);
});

// ---- unset parameters -----------------------------------------------------------------------------

test("an unset secret parameter does not make `aspire-arm plan` fail, and is rendered as its variable, never as an empty string", async () => {
  const dir = tempDir("unset-secret");
  const r = await cli("plan", manifestFile, "--set", "region=eu-west-1", "--out", dir, "--json");
  const doc = jsonPlanOf(r);
  assert.deepEqual(
    doc.parameters.find((p) => p.name === "api-key"),
    { name: "api-key", secret: true, source: "unset", storedOnVm: true },
  );
  const warning = doc.warnings.find((w) => w.resource === "api-key");
  assert.ok(warning, `no warning about api-key in ${JSON.stringify(doc.warnings)}`);
  assert.match(warning.message, /parameter api-key has no value and no default/);
  assert.ok(
    warning.message.includes("pulumi config set --secret aspire:parameters.api-key"),
    warning.message,
  );
  assert.equal(
    doc.vms[0].services.find((s) => s.name === "api")?.env.ExternalApi__Key,
    "${ASPIRE_P_API_KEY}",
  );
  const compose = parseCompose(fs.readFileSync(path.join(dir, "app/compose.yaml"), "utf8"));
  assert.equal(composeService(compose, "api").environment?.ExternalApi__Key, "${ASPIRE_P_API_KEY}");
  assert.deepEqual(doc.vms[0].secrets, ["api-key", "db-password"]);
  assert.ok(
    fs
      .readFileSync(path.join(dir, "app/secrets.list"), "utf8")
      .includes("\napi-key ASPIRE_P_API_KEY\n"),
  );
  // Whatever stands in for the missing value while planning stays out of the files.
  for (const f of filesUnder(dir))
    assert.ok(!fs.readFileSync(path.join(dir, f), "utf8").includes("(unset"), f);
  assert.doesNotMatch(composeText(dir), /ExternalApi__Key: ""/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("an unset secret parameter in buildPlan: a warning, source unset, and the slot kept in the value", () => {
  const plan = planFile(manifestFile, { parameters: { region: "eu-west-1" } });
  assert.deepEqual(
    plan.parameters.find((p) => p.name === "api-key"),
    { name: "api-key", secret: true, source: "unset" },
  );
  assert.deepEqual(findService(plan, "api").env.ExternalApi__Key, {
    parts: [{ kind: "parameter", parameter: "api-key", secret: true, filters: [] }],
    secret: true,
  });
  assert.equal(
    composeService(composeOf(plan, "app"), "api").environment?.ExternalApi__Key,
    "${ASPIRE_P_API_KEY}",
  );
});

test("an unset NON-secret parameter fails with exit 1, naming the parameter and how to set it, and writes nothing", async () => {
  const dir = path.join(tempDir("unset-plain"), "out");
  const r = await cli("plan", manifestFile, "--set", `api-key=${CANARY}`, "--out", dir);
  assert.equal(r.code, 1);
  assert.equal(r.out, "");
  assert.match(r.err, /parameter region has no value and no default/);
  assert.ok(r.err.includes("pulumi config set aspire:parameters.region VALUE"), r.err);
  assert.ok(r.err.includes("--set region=VALUE"), r.err);
  assert.ok(!r.err.includes("Error:") && !r.err.includes("    at "), `a stack trace: ${r.err}`);
  assertNoCanary("stderr", r.err);
  assert.equal(fs.existsSync(dir), false);
});

// The AppParameters component under Pulumi's mocks: generated passwords as @pulumi/random
// RandomPasswords that keep their names across deploys, config values as secrets, and a clear
// RunError for a parameter nobody gave a value.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  AppParameters,
  ASPIRE_PASSWORD_SPECIALS,
  randomPasswordArgs,
} from "../../components/app-parameters";
import { loadManifest } from "../../src/manifest";
import { buildPlan, type ParameterPlan } from "../../src/plan";
import { fixturesDir } from "../support/paths";

const manifestFile = path.join(fixturesDir, "params-components.json");
const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";

interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  readonly custom: boolean;
}

/** Every resource registered under the current mocks, in order. Each useMocks starts a new list, so
 *  late registrations of an earlier test land in that test's list, not in this one. */
let registered: Registered[] = [];

async function useMocks(
  config: Record<string, string> = {},
  secretKeys: string[] = [],
): Promise<void> {
  const mine: Registered[] = [];
  registered = mine;
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        mine.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs as Record<string, unknown>,
          custom: args.custom ?? false,
        });
        // RandomPassword's result is computed by the provider: the mock makes one from the name.
        const state =
          args.type === RANDOM_PASSWORD
            ? { ...args.inputs, result: `generated-for-${args.name}` }
            : args.inputs;
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    "aspire",
    "test",
  );
  pulumi.runtime.setAllConfig(config, secretKeys);
}

/** The plan's parameters for the fixture: two generated, one secret without default, two defaults. */
function planParameters(): ParameterPlan[] {
  const { manifest } = loadManifest(manifestFile);
  return [...buildPlan(manifest, { cloud: "aws", stack: "test" }).plan.parameters];
}

function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/** The API key is secret with no default: give it in config so the component can be built. */
const API_KEY_CONFIG = { "aspire:parameters.api-key": "key-from-config" };
const API_KEY_SECRET = ["aspire:parameters.api-key"];

/** Resource options each resource was registered with, by name. The mock monitor does not see
 *  options, so a transformation on the component (which its children inherit) records them. */
let registeredOptions = new Map<string, pulumi.ResourceOptions>();

function build(parameters: readonly ParameterPlan[] = planParameters()): AppParameters {
  const seen = new Map<string, pulumi.ResourceOptions>();
  registeredOptions = seen;
  const record: pulumi.ResourceTransformation = (args) => {
    seen.set(args.name, args.opts);
    return undefined;
  };
  return new AppParameters(
    "params",
    { parameters, config: new pulumi.Config("aspire") },
    { transformations: [record] },
  );
}

/** Builds the component and waits until every value has resolved (so every resource is registered). */
async function buildAndSettle(
  parameters?: readonly ParameterPlan[],
): Promise<{ params: AppParameters; values: Record<string, string> }> {
  const params = build(parameters);
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(params.values)) values[k] = await valueOf(v);
  return { params, values };
}

const passwordFields = [
  "length",
  "lower",
  "upper",
  "numeric",
  "special",
  "minLower",
  "minUpper",
  "minNumeric",
  "minSpecial",
] as const;

function passwordInputs(r: Registered): Record<string, unknown> {
  return Object.fromEntries(passwordFields.map((f) => [f, r.inputs[f]]));
}

/** The fixture's RandomPassword inputs but overrideSpecial (the passwordFields), by resource name. */
const PASSWORD_INPUTS: Readonly<Record<string, Record<string, unknown>>> = {
  // cache-password: {minLength: 22, special: false}.
  "params-cache-password": {
    length: 22,
    lower: true,
    upper: true,
    numeric: true,
    special: false,
    minLower: 0,
    minUpper: 0,
    minNumeric: 0,
    minSpecial: 0,
  },
  // pg-password: {minLength: 8, upper: false, minLower: 5, minNumeric: 4, minSpecial: 3}: 5 + 4 + 3 = 12 > 8.
  "params-pg-password": {
    length: 12,
    lower: true,
    upper: false,
    numeric: true,
    special: true,
    minLower: 5,
    minUpper: 0,
    minNumeric: 4,
    minSpecial: 3,
  },
};

test("the fixture's plan has the parameter sources the component tests rely on", () => {
  assert.deepEqual(
    planParameters().map((p) => [p.name, p.secret, p.source]),
    [
      ["cache-password", true, "generate"],
      ["pg-password", true, "generate"],
      ["api-key", true, "unset"],
      ["region", false, "default"],
      ["signing-key", true, "default"],
    ],
  );
});

test("one RandomPassword per generated parameter, a child of the AppParameters component, named after it", async () => {
  await useMocks(API_KEY_CONFIG, API_KEY_SECRET);
  const { values } = await buildAndSettle();
  assert.deepEqual(
    registered.map((r) => [r.type, r.name, r.custom]),
    [
      ["aspire-arm:index:AppParameters", "params", false],
      [RANDOM_PASSWORD, "params-cache-password", true],
      [RANDOM_PASSWORD, "params-pg-password", true],
    ],
  );
  assert.equal(values["cache-password"], "generated-for-params-cache-password");
  assert.equal(values["pg-password"], "generated-for-params-pg-password");
});

test("RandomPassword inputs follow the manifest: allowed classes as given, length max(minLength, sum of the mins)", async () => {
  await useMocks(API_KEY_CONFIG, API_KEY_SECRET);
  await buildAndSettle();
  const passwords = registered.filter((r) => r.type === RANDOM_PASSWORD);
  assert.deepEqual(passwordInputs(passwords[0]), PASSWORD_INPUTS["params-cache-password"]);
  assert.deepEqual(passwordInputs(passwords[1]), PASSWORD_INPUTS["params-pg-password"]);
});

test("randomPasswordArgs: the length is minLength when the mins fit in it, their sum when they do not", () => {
  const g = {
    minLength: 10,
    lower: true,
    upper: true,
    numeric: true,
    special: false,
    minLower: 2,
    minUpper: 2,
    minNumeric: 2,
    minSpecial: 0,
  };
  assert.equal(randomPasswordArgs(g).length, 10);
  assert.equal(randomPasswordArgs({ ...g, minLower: 6, minUpper: 6 }).length, 14);
  assert.equal(randomPasswordArgs(g).special, false);
});

test("the same program run twice asks for identical RandomPasswords, so Pulumi keeps the stored passwords", async () => {
  const runOnce = async () => {
    await useMocks(API_KEY_CONFIG, API_KEY_SECRET);
    await buildAndSettle();
    return registered
      .filter((r) => r.type === RANDOM_PASSWORD)
      .map((r) => ({ name: r.name, inputs: r.inputs }));
  };
  const first = await runOnce();
  const second = await runOnce();
  assert.equal(first.length, 2);
  assert.deepEqual(second, first);
});

test("adding a parameter to the app does not rename the existing RandomPasswords", async () => {
  await useMocks(API_KEY_CONFIG, API_KEY_SECRET);
  await buildAndSettle();
  const before = registered
    .filter((r) => r.type === RANDOM_PASSWORD)
    .map((r) => [r.name, passwordInputs(r)]);
  const extra: ParameterPlan = {
    name: "new-password",
    secret: true,
    source: "generate",
    generate: {
      minLength: 16,
      lower: true,
      upper: true,
      numeric: true,
      special: false,
      minLower: 0,
      minUpper: 0,
      minNumeric: 0,
      minSpecial: 0,
    },
  };
  await useMocks(API_KEY_CONFIG, API_KEY_SECRET);
  await buildAndSettle([extra, ...planParameters()]);
  const after = registered
    .filter((r) => r.type === RANDOM_PASSWORD)
    .map((r) => [r.name, passwordInputs(r)]);
  assert.deepEqual(after.slice(1), before);
  assert.equal(after[0][0], "params-new-password");
});

test("a secret given in stack config (aspire:parameters.NAME, marked secret) is a secret Output with that value", async () => {
  await useMocks(API_KEY_CONFIG, API_KEY_SECRET);
  const { params, values } = await buildAndSettle();
  const key = params.values["api-key"];
  assert.ok(key, "no value for api-key");
  assert.equal(await pulumi.isSecret(key), true);
  assert.equal(values["api-key"], "key-from-config");
});

test("a config value overrides a generated default, and no RandomPassword is created for it", async () => {
  await useMocks({ ...API_KEY_CONFIG, "aspire:parameters.cache-password": "chosen-by-user" }, [
    ...API_KEY_SECRET,
    "aspire:parameters.cache-password",
  ]);
  const { params, values } = await buildAndSettle();
  assert.equal(values["cache-password"], "chosen-by-user");
  assert.equal(await pulumi.isSecret(params.values["cache-password"]), true);
  assert.deepEqual(
    registered.filter((r) => r.type === RANDOM_PASSWORD).map((r) => r.name),
    ["params-pg-password"],
  );
});

test("a value from the structured `aspire:parameters` object (pulumi config set --path) is a secret Output", async () => {
  await useMocks({ "aspire:parameters": JSON.stringify({ "api-key": "key-from-object" }) });
  const { params } = await buildAndSettle();
  assert.equal(await valueOf(params.values["api-key"]), "key-from-object");
  assert.equal(await pulumi.isSecret(params.values["api-key"]), true);
});

test("a plain parameter with a manifest default is that default, and not a secret", async () => {
  await useMocks(API_KEY_CONFIG, API_KEY_SECRET);
  const { params } = await buildAndSettle();
  assert.equal(await valueOf(params.values.region), "eu-west-1");
  assert.equal(await pulumi.isSecret(params.values.region), false);
});

test("a secret parameter with a manifest default value deploys that default (as a secret)", async () => {
  await useMocks(API_KEY_CONFIG, API_KEY_SECRET);
  const { params } = await buildAndSettle();
  assert.equal(await pulumi.isSecret(params.values["signing-key"]), true);
  assert.equal(await valueOf(params.values["signing-key"]), "dev-signing-key");
});

test("a plain parameter set in stack config without --secret stays a plain Output", async () => {
  await useMocks({ ...API_KEY_CONFIG, "aspire:parameters.region": "us-east-2" }, API_KEY_SECRET);
  const { params } = await buildAndSettle();
  assert.equal(await valueOf(params.values.region), "us-east-2");
  assert.equal(await pulumi.isSecret(params.values.region), false);
});

// ---- the characters of generated passwords, and stacks deployed before they changed -------------

test("Aspire's special characters (dotnet/aspire PasswordGenerator.SpecialChars): none ends a URL's user info or authority, none is an escape or a connection string separator", () => {
  assert.equal(ASPIRE_PASSWORD_SPECIALS, "-_.{}~()*+!");
  for (const c of ":/?#[]@%;=$&,'\"` <>^\\|")
    assert.ok(!ASPIRE_PASSWORD_SPECIALS.includes(c), `${c} is in the set`);
});

test("every RandomPassword is asked for Aspire's special characters, whatever its generate options", async () => {
  await useMocks(API_KEY_CONFIG, API_KEY_SECRET);
  await buildAndSettle();
  const passwords = registered.filter((r) => r.type === RANDOM_PASSWORD);
  assert.equal(passwords.length, 2);
  for (const p of passwords)
    assert.equal(p.inputs.overrideSpecial, ASPIRE_PASSWORD_SPECIALS, p.name);
  // No other input than the generate options and overrideSpecial: the set the next test relies on.
  for (const p of passwords)
    assert.deepEqual(
      Object.keys(p.inputs).sort(),
      [...passwordFields, "overrideSpecial"].sort(),
      p.name,
    );
});

test("every RandomPassword ignores changes to overrideSpecial, and stays a child of the component", async () => {
  await useMocks(API_KEY_CONFIG, API_KEY_SECRET);
  const { params } = await buildAndSettle();
  for (const name of ["params-cache-password", "params-pg-password"]) {
    const opts = registeredOptions.get(name);
    assert.ok(opts, `no options recorded for ${name}`);
    assert.deepEqual(opts.ignoreChanges, ["overrideSpecial"], name);
    assert.equal(opts.parent, params, name);
  }
});

/** The inputs Pulumi diffs when a resource has state: for each ignoreChanges path the value from
 *  the state's inputs, or no value when the state has none (the engine's processIgnoreChanges,
 *  pkg/resource/deploy/step_generator.go, `path.Reset(oldInputs, news)`; the ignoreChanges page:
 *  "using the old value from the state instead of the value provided by the Pulumi program"). */
function inputsPulumiDiffs(
  news: Record<string, unknown>,
  olds: Record<string, unknown>,
  ignoreChanges: readonly string[],
): Record<string, unknown> {
  const out = { ...news };
  for (const key of ignoreChanges) {
    if (Object.hasOwn(olds, key)) out[key] = olds[key];
    else delete out[key];
  }
  return out;
}

test("a stack whose passwords were generated before overrideSpecial was set sees no change, so it keeps its passwords", async () => {
  // What the previous version of this program registered for the fixture (no overrideSpecial):
  // the stack's state holds these inputs.
  const stateInputs = PASSWORD_INPUTS;
  await useMocks(API_KEY_CONFIG, API_KEY_SECRET);
  await buildAndSettle();
  for (const r of registered.filter((x) => x.type === RANDOM_PASSWORD)) {
    const olds = stateInputs[r.name];
    assert.ok(olds, `unexpected password ${r.name}`);
    const ignored = registeredOptions.get(r.name)?.ignoreChanges ?? [];
    // Without ignoreChanges the program's inputs differ from the state's (a replacement)...
    assert.notDeepEqual(r.inputs, olds);
    // ...with it, the inputs Pulumi compares are the state's: no diff, no replacement.
    assert.deepEqual(inputsPulumiDiffs(r.inputs, olds, ignored), olds, r.name);
  }
});

test("a new password (no state) is created with Aspire's special characters: ignoreChanges plays no part in a create", async () => {
  await useMocks(API_KEY_CONFIG, API_KEY_SECRET);
  await buildAndSettle();
  const pg = registered.find((r) => r.name === "params-pg-password");
  assert.ok(pg);
  // The program's inputs are what the provider's Create receives.
  assert.equal(pg.inputs.overrideSpecial, ASPIRE_PASSWORD_SPECIALS);
  assert.equal(pg.inputs.minSpecial, 3);
});

// The two tests that make the constructor throw stay last: the component they leave half-registered
// talks to the mock monitor after they end, and would land in a later test's mocks.
test("a secret parameter with no value and no default throws a RunError naming `pulumi config set --secret aspire:parameters.NAME`", async () => {
  await useMocks();
  assert.throws(
    () => build(),
    (e: unknown) => {
      assert.ok(e instanceof pulumi.RunError, `expected a RunError, got ${String(e)}`);
      assert.match(e.message, /parameter api-key has no value/);
      assert.ok(
        e.message.includes("pulumi config set --secret aspire:parameters.api-key VALUE"),
        e.message,
      );
      return true;
    },
  );
});

test("a plain parameter with no value and no default throws a RunError naming `pulumi config set aspire:parameters.NAME` (no --secret)", async () => {
  await useMocks();
  const unset: ParameterPlan = { name: "region", secret: false, source: "unset" };
  assert.throws(
    () => build([unset]),
    (e: unknown) => {
      assert.ok(e instanceof pulumi.RunError, `expected a RunError, got ${String(e)}`);
      assert.ok(e.message.includes("pulumi config set aspire:parameters.region VALUE"), e.message);
      assert.ok(!e.message.includes("--secret"), e.message);
      return true;
    },
  );
});

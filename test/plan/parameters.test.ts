// Where a parameter's value comes from (src/plan/parameters.ts): the stack's config or `--set`, the
// manifest's default, a generated value, or nothing. Plain values known now are written into the
// VM's files; secret ones stay store entries whatever their source. Asserted on the plan and on
// the compose file the VM receives.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPlan, type PlanOptions } from "../../src/plan";
import {
  composeOf,
  composeService,
  findService,
  manifestOf,
  planErrorsOf,
  shown,
} from "./plan-support";

const planOf = (resources: Record<string, unknown>, options: Partial<PlanOptions> = {}) =>
  buildPlan(manifestOf(resources), { cloud: "aws", stack: "dev", ...options });
const parameter = (name: string, input: Record<string, unknown>) => ({
  type: "parameter.v0",
  value: `{${name}.inputs.value}`,
  inputs: { value: { type: "string", ...input } },
});
const app = (env: Record<string, string>) => ({
  type: "container.v0",
  image: "docker.io/library/alpine:3.20",
  env,
});

test("a manifest default: a plain one is written into the files, a secret one stays a store entry holding it", () => {
  const { plan, warnings } = planOf({
    region: parameter("region", { default: { value: "eu-west-1" } }),
    password: parameter("password", { secret: true, default: { value: "from-the-manifest" } }),
    web: app({ REGION: "{region.value}", PASSWORD: "{password.value}" }),
  });
  assert.deepEqual(warnings, []);
  assert.deepEqual(plan.parameters, [
    { name: "region", secret: false, source: "default", value: "eu-west-1" },
    { name: "password", secret: true, source: "default", value: "from-the-manifest" },
  ]);
  const web = findService(plan, "web");
  assert.equal(shown(web.env.REGION), "eu-west-1");
  assert.equal(shown(web.env.PASSWORD), "${ASPIRE_P_PASSWORD}");
  assert.deepEqual(plan.vms[0].secrets, ["password"]);
  const environment = composeService(composeOf(plan, "app"), "web").environment;
  assert.deepEqual(environment, { REGION: "eu-west-1", PASSWORD: "${ASPIRE_P_PASSWORD}" });
});

test("a value known now is filled in where it stands: the text around it stays one text", () => {
  const { plan } = planOf(
    {
      region: parameter("region", {}),
      web: app({ URL: "https://{region.value}.example.com/{region.value}" }),
    },
    { parameters: { region: "eu-west-1" } },
  );
  assert.deepEqual(findService(plan, "web").env.URL, {
    parts: ["https://eu-west-1.example.com/eu-west-1"],
    secret: false,
  });
  assert.deepEqual(plan.parameters, [
    { name: "region", secret: false, source: "config", value: "eu-west-1" },
  ]);
});

test("a plain parameter with no value and no default stops the plan, saying how to set it", () => {
  assert.deepEqual(
    planErrorsOf(() => planOf({ region: parameter("region", {}), web: app({}) })),
    [
      {
        resource: "region",
        field: "inputs.value",
        message:
          "parameter region has no value and no default: set it with pulumi config set aspire:parameters.region VALUE (or --set region=VALUE for aspire-arm plan).",
      },
    ],
  );
});

test("a value for a name that is no parameter is refused, listing the manifest's parameters (or none)", () => {
  const resources = {
    region: parameter("region", { default: { value: "eu-west-1" } }),
    zone: parameter("zone", { default: { value: "a" } }),
    web: app({}),
  };
  assert.deepEqual(
    planErrorsOf(() => planOf(resources, { parameters: { regoin: "eu-west-1" } })),
    [
      {
        resource: null,
        field: "parameters.regoin",
        message: "there is no parameter named regoin in the manifest (parameters: region, zone).",
      },
    ],
  );
  assert.deepEqual(
    planErrorsOf(() => planOf({ web: app({}) }, { parameters: { region: "eu-west-1" } })).map(
      (d) => d.message,
    ),
    ["there is no parameter named region in the manifest (parameters: none)."],
  );
});

test("an input named otherwise is the parameter's input all the same: its secrecy and default count", () => {
  const { plan, warnings } = planOf({
    token: {
      type: "parameter.v0",
      value: "{token.inputs.pw}",
      inputs: { pw: { type: "string", secret: true, default: { value: "from-the-manifest" } } },
    },
    web: app({ TOKEN: "{token.value}" }),
  });
  assert.deepEqual(warnings, []);
  assert.deepEqual(plan.parameters, [
    { name: "token", secret: true, source: "default", value: "from-the-manifest" },
  ]);
  assert.equal(shown(findService(plan, "web").env.TOKEN), "${ASPIRE_P_TOKEN}");
});

test("a generated value is made at deploy time, so the VM fetches it from the store even when it is not secret", () => {
  const { plan } = planOf({
    salt: parameter("salt", { default: { generate: { minLength: 16 } } }),
    web: app({ SALT: "{salt.value}" }),
  });
  assert.equal(plan.parameters[0].source, "generate");
  assert.equal(plan.parameters[0].secret, false);
  assert.deepEqual(plan.vms[0].secrets, ["salt"]);
  assert.equal(shown(findService(plan, "web").env.SALT), "${ASPIRE_P_SALT}");
});

test("a parameter without inputs is its value field: no value is asked for, and one given is refused", () => {
  // Aspire always writes `inputs.value`; check accepts a parameter without inputs, whose value is
  // then its own `value` field (a literal or an expression), like a value.v0's.
  const resources = {
    fixed: { type: "parameter.v0", value: "eu-{zone.value}" },
    zone: parameter("zone", { default: { value: "west-1" } }),
    web: app({ REGION: "{fixed.value}" }),
  };
  const { plan, warnings } = planOf(resources);
  assert.deepEqual(warnings, []);
  assert.deepEqual(plan.parameters, [
    { name: "zone", secret: false, source: "default", value: "west-1" },
  ]);
  assert.equal(shown(findService(plan, "web").env.REGION), "eu-west-1");
  assert.deepEqual(composeService(composeOf(plan, "app"), "web").environment, {
    REGION: "eu-west-1",
  });
  assert.deepEqual(
    planErrorsOf(() => planOf(resources, { parameters: { FIXED: "x" } })),
    [
      {
        resource: "fixed",
        field: "parameters.fixed",
        message:
          "parameter fixed has no inputs in the manifest, so its value is its value field and nothing reads a value set for it: remove aspire:parameters.fixed (or --set fixed=...).",
      },
    ],
  );
});

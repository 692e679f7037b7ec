// The sample manifests/aspire-starter/aspire-manifest.json (Redis cache, API, web front end),
// planned and rendered: on one VM, split across two, and with the optional dashboard.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Cloud } from "../../src/plan";
import { composeSchemaErrors } from "../support/compose-schema";
import {
  appFiles,
  composeOf,
  composeService,
  envTemplateKeys,
  findService,
  manifestEnvKeys,
  parseCompose,
  plain,
  planFile,
  render,
  serviceOf,
  starterManifest,
  vmOf,
} from "./plan-support";
import { cli, jsonPlanOf, type JsonPlan } from "./cli-support";

const CLOUDS: readonly Cloud[] = ["aws", "gcp"];
const INSTANCE: Readonly<Record<Cloud, string>> = { aws: "t4g.small", gcp: "t2a-standard-1" };
const cacheSlot = {
  kind: "parameter",
  parameter: "cache-password",
  secret: true,
  filters: [],
} as const;
const SPLIT = { data: { resources: ["cache"] }, app: { resources: ["apiservice", "webfrontend"] } };

// ---- (a) one VM ----------------------------------------------------------------------------------

for (const cloud of CLOUDS) {
  test(`starter on ${cloud}: one VM "app" of type ${INSTANCE[cloud]} running cache, apiservice and webfrontend`, () => {
    const plan = planFile(starterManifest, { cloud });
    assert.equal(plan.cloud, cloud);
    assert.deepEqual(
      plan.vms.map((v) => [v.name, v.instanceType, v.runtime, v.os, v.diskSizeGb]),
      [["app", INSTANCE[cloud], "docker", "ubuntu-24.04", 20]],
    );
    const vm = vmOf(plan, "app");
    assert.deepEqual(
      vm.services.map((s) => [s.name, s.runAs, s.image.kind]),
      [
        ["cache", "container", "pull"],
        ["apiservice", "container", "project"],
        ["webfrontend", "container", "project"],
      ],
    );
    assert.deepEqual(
      plan.parameters.map((p) => [p.name, p.secret, p.source]),
      [["cache-password", true, "generate"]],
    );
  });

  test(`starter on ${cloud}: webfrontend's connection string is cache:6379 plus a secret slot for cache-password`, () => {
    const web = serviceOf(vmOf(planFile(starterManifest, { cloud }), "app"), "webfrontend");
    assert.deepEqual(web.env.ConnectionStrings__cache, {
      parts: ["cache:6379,password=", cacheSlot],
      secret: true,
    });
  });

  test(`starter on ${cloud}: https of a project ends at the proxy, so both service URLs are http://apiservice:8080`, () => {
    const vm = vmOf(planFile(starterManifest, { cloud }), "app");
    const web = serviceOf(vm, "webfrontend");
    assert.deepEqual(web.env.services__apiservice__http__0, plain("http://apiservice:8080"));
    assert.deepEqual(web.env.services__apiservice__https__0, plain("http://apiservice:8080"));
    assert.deepEqual(web.env.HTTP_PORTS, plain("8080"));
    assert.deepEqual(serviceOf(vm, "apiservice").env.HTTP_PORTS, plain("8080"));
  });

  test(`starter on ${cloud}: webfrontend starts after cache and apiservice; nothing depends on webfrontend`, () => {
    const vm = vmOf(planFile(starterManifest, { cloud }), "app");
    assert.deepEqual(serviceOf(vm, "webfrontend").dependsOn, ["cache", "apiservice"]);
    assert.deepEqual(serviceOf(vm, "apiservice").dependsOn, []);
    assert.deepEqual(serviceOf(vm, "cache").dependsOn, []);
  });

  test(`starter on ${cloud}: Caddy serves port 80 and forwards to webfrontend:8080`, () => {
    const plan = planFile(starterManifest, { cloud });
    const vm = vmOf(plan, "app");
    assert.equal(vm.proxy, true);
    assert.deepEqual(
      vm.publicEndpoints.map((e) => [
        e.service,
        e.binding,
        e.scheme,
        e.transport,
        e.port,
        e.hostName,
        e.upstream,
      ]),
      [["webfrontend", "http", "http", "http", 80, undefined, "webfrontend:8080"]],
    );
    const files = appFiles(plan, "app");
    assert.equal(
      files.get("caddy/Caddyfile"),
      "# Reverse proxy of VM app, written by aspire-arm.\n{\n\tauto_https off\n}\n\n:80 {\n\treverse_proxy webfrontend:8080 {\n\t\tlb_try_duration 10s\n\t}\n}\n",
    );
    const caddy = composeService(parseCompose(files.get("compose.yaml")), "caddy");
    assert.deepEqual(caddy.ports, ["80:80"]);
    assert.deepEqual(caddy.depends_on, ["webfrontend"]);
  });

  test(`starter on ${cloud}: no host port is published for cache or apiservice, and no private port is opened`, () => {
    const plan = planFile(starterManifest, { cloud });
    const vm = vmOf(plan, "app");
    for (const name of ["cache", "apiservice", "webfrontend"])
      for (const p of serviceOf(vm, name).ports) {
        assert.equal(p.hostPort, undefined, `${name}.${p.binding}`);
        assert.equal(p.exposure, "none", `${name}.${p.binding}`);
      }
    assert.deepEqual(vm.privatePorts, []);
    const compose = composeOf(plan, "app");
    for (const name of ["cache", "apiservice", "webfrontend"])
      assert.equal(composeService(compose, name).ports, undefined, name);
  });

  test(`starter on ${cloud}: the VM reads exactly one secret, cache-password, and has no peers`, () => {
    const plan = planFile(starterManifest, { cloud });
    const vm = vmOf(plan, "app");
    assert.deepEqual(vm.secrets, ["cache-password"]);
    assert.deepEqual(vm.peers, []);
    assert.equal(
      appFiles(plan, "app").get("secrets.list"),
      "# store-name variable: fetched by fetch-secrets.py at boot and on every apply\ncache-password ASPIRE_P_CACHE_PASSWORD\n",
    );
  });
}

test("starter compose file: the secret is a ${ASPIRE_P_...} reference, shell variables in args are escaped, and the file is valid Compose", () => {
  const plan = planFile(starterManifest);
  const text = appFiles(plan, "app").get("compose.yaml") as string;
  assert.deepEqual(composeSchemaErrors(text), []);
  const compose = parseCompose(text);
  assert.deepEqual(Object.keys(compose.services), ["cache", "apiservice", "webfrontend", "caddy"]);
  const web = composeService(compose, "webfrontend");
  assert.equal(
    web.environment?.ConnectionStrings__cache,
    "cache:6379,password=${ASPIRE_P_CACHE_PASSWORD}",
  );
  assert.deepEqual(web.depends_on, ["cache", "apiservice"]);
  const cache = composeService(compose, "cache");
  assert.deepEqual(cache.entrypoint, ["/bin/sh"]);
  assert.deepEqual(cache.command, ["-c", "redis-server --requirepass $$REDIS_PASSWORD"]);
  assert.deepEqual(cache.environment, { REDIS_PASSWORD: "${ASPIRE_P_CACHE_PASSWORD}" });
  assert.equal(
    composeService(compose, "apiservice").image,
    "registry.invalid/aspire-arm/dev/apiservice:latest",
  );
});

// ---- (b) split across two VMs ----------------------------------------------------------------------

test("starter split {data: [cache], app: [apiservice, webfrontend]}: two VMs, in the order given", () => {
  const plan = planFile(starterManifest, { vms: SPLIT });
  assert.deepEqual(
    plan.vms.map((v) => [v.name, v.services.map((s) => s.name)]),
    [
      ["data", ["cache"]],
      ["app", ["apiservice", "webfrontend"]],
    ],
  );
});

test("starter split: webfrontend reaches the cache by VM data's private DNS name on port 6379", () => {
  const plan = planFile(starterManifest, { vms: SPLIT });
  const web = serviceOf(vmOf(plan, "app"), "webfrontend");
  assert.deepEqual(web.env.ConnectionStrings__cache, {
    parts: ["data.dev.aspire.internal:6379,password=", cacheSlot],
    secret: true,
  });
  // apiservice stays on the same VM: still the container name.
  assert.deepEqual(web.env.services__apiservice__http__0, plain("http://apiservice:8080"));
  assert.deepEqual(web.dependsOn, ["apiservice"]);
  assert.equal(
    composeService(composeOf(plan, "app"), "webfrontend").environment?.ConnectionStrings__cache,
    "data.dev.aspire.internal:6379,password=${ASPIRE_P_CACHE_PASSWORD}",
  );
});

test("starter split: the VM name is qualified by the stack, so two stacks never share names", () => {
  const plan = planFile(starterManifest, { vms: SPLIT, stack: "prod" });
  assert.deepEqual(findService(plan, "webfrontend").env.ConnectionStrings__cache, {
    parts: ["data.prod.aspire.internal:6379,password=", cacheSlot],
    secret: true,
  });
});

test("starter split: the cache's port 6379 is published on VM data and listed as its private port", () => {
  const plan = planFile(starterManifest, { vms: SPLIT });
  const data = vmOf(plan, "data");
  assert.deepEqual(serviceOf(data, "cache").ports, [
    { binding: "tcp", protocol: "tcp", targetPort: 6379, hostPort: 6379, exposure: "private" },
  ]);
  assert.deepEqual(data.privatePorts, [{ port: 6379, protocol: "tcp", service: "cache" }]);
  assert.deepEqual(data.publicEndpoints, []);
  assert.equal(data.proxy, false);
  assert.deepEqual(composeService(composeOf(plan, "data"), "cache").ports, ["6379:6379"]);
  assert.deepEqual(vmOf(plan, "app").privatePorts, []);
});

test("starter split: VM app has peers [data], VM data has none, and both read cache-password", () => {
  const plan = planFile(starterManifest, { vms: SPLIT });
  assert.deepEqual(vmOf(plan, "app").peers, ["data"]);
  assert.deepEqual(vmOf(plan, "data").peers, []);
  assert.deepEqual(vmOf(plan, "app").secrets, ["cache-password"]);
  assert.deepEqual(vmOf(plan, "data").secrets, ["cache-password"]);
});

test("starter split: each VM's app config holds exactly its own files, and every compose file is valid", () => {
  const plan = planFile(starterManifest, { vms: SPLIT });
  const app = appFiles(plan, "app");
  const data = appFiles(plan, "data");
  assert.deepEqual([...data.keys()].sort(), ["compose.yaml", "health.list", "secrets.list"]);
  assert.deepEqual([...app.keys()].sort(), [
    "caddy/Caddyfile",
    "compose.yaml",
    "health.list",
    "secrets.list",
  ]);
  assert.deepEqual(composeSchemaErrors(app.get("compose.yaml") as string), []);
  assert.deepEqual(composeSchemaErrors(data.get("compose.yaml") as string), []);
  assert.deepEqual(Object.keys(parseCompose(data.get("compose.yaml")).services), ["cache"]);
  assert.deepEqual(Object.keys(parseCompose(app.get("compose.yaml")).services), [
    "apiservice",
    "webfrontend",
    "caddy",
  ]);
});

test("starter split: VM data is reached by its name in the stack's private DNS zone, so no VM's files carry an address or host mapping", () => {
  const plan = planFile(starterManifest, { vms: SPLIT });
  for (const vm of plan.vms) {
    const compose = composeOf(plan, vm.name);
    for (const [name, s] of Object.entries(compose.services))
      assert.equal(s.extra_hosts, undefined, `${vm.name}/${name}`);
    const rendered = render(plan, vm);
    assert.doesNotMatch(
      rendered.cloudConfig,
      /ASPIRE_HOST_|\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3} data\./,
    );
  }
});

// ---- (c) nothing but what Aspire wrote, unless the dashboard is asked for ------------------------------

const SHAPES = [
  { label: "one VM, docker", options: {} },
  { label: "split, docker", options: { vms: SPLIT } },
  { label: "one VM, dotnet runtime", options: { runtime: "dotnet" as const } },
];

for (const { label, options } of SHAPES) {
  test(`starter (${label}), dashboard off: every service's env keys are exactly the manifest's, in the plan and in the rendered files`, () => {
    const plan = planFile(starterManifest, options);
    assert.equal(plan.dashboard, false);
    for (const vm of plan.vms) {
      const files = appFiles(plan, vm.name);
      const compose = files.has("compose.yaml")
        ? parseCompose(files.get("compose.yaml"))
        : undefined;
      for (const s of vm.services) {
        const expected = manifestEnvKeys(starterManifest, s.resource);
        assert.deepEqual(Object.keys(s.env), expected, `${s.name} in the plan`);
        if (s.runAs === "container")
          assert.deepEqual(
            Object.keys(compose?.services[s.name]?.environment ?? {}),
            expected,
            `${s.name} in compose.yaml`,
          );
        else
          assert.deepEqual(
            envTemplateKeys(files.get(`env/${s.name}.env.in`)),
            expected,
            `${s.name} in env/${s.name}.env.in`,
          );
      }
      // The proxy and anything else aspire-arm adds carry no environment at all.
      const added = Object.keys(compose?.services ?? {}).filter(
        (n) => !vm.services.some((s) => s.name === n),
      );
      assert.deepEqual(added, vm.proxy ? ["caddy"] : []);
      for (const n of added) assert.equal(compose?.services[n]?.environment, undefined, n);
      assert.ok(!vm.services.some((s) => s.name === "aspire-dashboard"));
    }
    assert.deepEqual(
      plan.parameters.map((p) => p.name),
      ["cache-password"],
    );
  });
}

test("starter with dashboard: true: projects get exactly OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_SERVICE_NAME, the cache nothing", () => {
  const plan = planFile(starterManifest, { dashboard: true });
  assert.equal(plan.dashboard, true);
  const vm = vmOf(plan, "app");
  for (const name of ["apiservice", "webfrontend"]) {
    const s = serviceOf(vm, name);
    assert.deepEqual(Object.keys(s.env), [
      ...manifestEnvKeys(starterManifest, name),
      "OTEL_EXPORTER_OTLP_ENDPOINT",
      "OTEL_SERVICE_NAME",
    ]);
    assert.deepEqual(s.env.OTEL_EXPORTER_OTLP_ENDPOINT, plain("http://aspire-dashboard:18889"));
    assert.deepEqual(s.env.OTEL_SERVICE_NAME, plain(name));
  }
  assert.deepEqual(
    Object.keys(serviceOf(vm, "cache").env),
    manifestEnvKeys(starterManifest, "cache"),
  );
  const compose = composeOf(plan, "app");
  assert.deepEqual(Object.keys(composeService(compose, "webfrontend").environment ?? {}), [
    ...manifestEnvKeys(starterManifest, "webfrontend"),
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_SERVICE_NAME",
  ]);
});

test("starter with dashboard: true: an aspire-dashboard service with a generated secret login token", () => {
  const plan = planFile(starterManifest, { dashboard: true });
  const vm = vmOf(plan, "app");
  assert.deepEqual(
    vm.services.map((s) => s.name),
    ["cache", "apiservice", "webfrontend", "aspire-dashboard"],
  );
  const dashboard = serviceOf(vm, "aspire-dashboard");
  assert.deepEqual(dashboard.image, {
    kind: "pull",
    image: "mcr.microsoft.com/dotnet/aspire-dashboard:9.5",
  });
  const token = plan.parameters.find((p) => p.name === "aspire-dashboard-token");
  assert.ok(token, "no aspire-dashboard-token parameter");
  assert.equal(token.secret, true);
  assert.equal(token.source, "generate");
  assert.equal(token.value, undefined);
  assert.deepEqual(dashboard.env.DASHBOARD__FRONTEND__BROWSERTOKEN, {
    parts: [{ kind: "parameter", parameter: "aspire-dashboard-token", secret: true, filters: [] }],
    secret: true,
  });
  assert.deepEqual(vm.secrets, ["aspire-dashboard-token", "cache-password"]);
  const compose = composeOf(plan, "app");
  assert.equal(
    composeService(compose, "aspire-dashboard").environment?.DASHBOARD__FRONTEND__BROWSERTOKEN,
    "${ASPIRE_P_ASPIRE_DASHBOARD_TOKEN}",
  );
  // OTLP stays inside the VM's Docker network when every project runs there.
  assert.equal(composeService(compose, "aspire-dashboard").ports, undefined);
  assert.deepEqual(
    vm.publicEndpoints.map((e) => [e.service, e.port, e.upstream]),
    [
      ["webfrontend", 80, "webfrontend:8080"],
      ["aspire-dashboard", 18888, "aspire-dashboard:18888"],
    ],
  );
});

test("starter split with the dashboard: it runs on the first VM, and projects on the other VM send telemetry to its private DNS name", () => {
  const plan = planFile(starterManifest, { dashboard: true, vms: SPLIT });
  const data = vmOf(plan, "data");
  assert.deepEqual(
    data.services.map((s) => s.name),
    ["cache", "aspire-dashboard"],
  );
  assert.deepEqual(
    findService(plan, "apiservice").env.OTEL_EXPORTER_OTLP_ENDPOINT,
    plain("http://data.dev.aspire.internal:18889"),
  );
  assert.deepEqual(data.privatePorts, [
    { port: 6379, protocol: "tcp", service: "cache" },
    { port: 18889, protocol: "tcp", service: "aspire-dashboard" },
  ]);
  assert.deepEqual(vmOf(plan, "app").peers, ["data"]);
});

test("`aspire-arm plan --dashboard --json` shows the same: OTEL_* on projects only, and the token as a stored-on-VM parameter", async () => {
  const doc = jsonPlanOf(await cli("plan", starterManifest, "--dashboard", "--json"));
  const services = doc.vms[0].services;
  assert.deepEqual(
    services.map((s) => s.name),
    ["cache", "apiservice", "webfrontend", "aspire-dashboard"],
  );
  for (const s of services.filter((x) => x.name === "apiservice" || x.name === "webfrontend"))
    assert.deepEqual(Object.keys(s.env), [
      ...manifestEnvKeys(starterManifest, s.name),
      "OTEL_EXPORTER_OTLP_ENDPOINT",
      "OTEL_SERVICE_NAME",
    ]);
  assert.deepEqual(Object.keys(services[0].env), ["REDIS_PASSWORD"]);
  assert.deepEqual(
    doc.parameters.find((p) => p.name === "aspire-dashboard-token"),
    { name: "aspire-dashboard-token", secret: true, source: "generate", storedOnVm: true },
  );

  const without = JSON.parse((await cli("plan", starterManifest, "--json")).out) as JsonPlan;
  for (const s of without.vms[0].services)
    assert.deepEqual(Object.keys(s.env), manifestEnvKeys(starterManifest, s.name));
  assert.deepEqual(
    without.parameters.map((p) => p.name),
    ["cache-password"],
  );
});

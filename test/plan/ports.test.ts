// Ports: three Redis-family containers that all listen on 6379 (modelled on the Aspire Redis
// playground), native .NET projects sharing one VM's network, and external tcp endpoints.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { composeSchemaErrors } from "../support/compose-schema";
import { corpusDir, SHARED_MISSING } from "../support/paths";
import {
  appFiles,
  composeOf,
  composeService,
  findService,
  fixture,
  plain,
  planFile,
  serviceOf,
  shown,
  vmOf,
} from "./plan-support";

const redisFamily = fixture("plan-redis-family.json");
const externalTcp = fixture("plan-external-tcp.json");
const tcpAndUdp = fixture("plan-tcp-udp-same-port.json");
const CACHES = ["redis", "garnet", "valkey"] as const;
const SPLIT = {
  data: { resources: [...CACHES] },
  app: { resources: ["apiservice", "webfrontend"] },
};

const slot = (parameter: string) =>
  ({ kind: "parameter", parameter, secret: true, filters: [] }) as const;

// ---- (i) one VM ------------------------------------------------------------------------------------

test("redis family on one VM: no host port is published, each cache is reached by its container name on 6379", () => {
  const plan = planFile(redisFamily);
  const vm = vmOf(plan, "app");
  for (const name of CACHES)
    assert.deepEqual(
      serviceOf(vm, name).ports,
      [
        {
          binding: "tcp",
          protocol: "tcp",
          targetPort: 6379,
          hostPort: undefined,
          exposure: "none",
        },
      ],
      name,
    );
  assert.deepEqual(vm.privatePorts, []);
  const api = serviceOf(vm, "apiservice");
  for (const name of CACHES)
    assert.deepEqual(
      api.env[`ConnectionStrings__${name}`],
      { parts: [`${name}:6379,password=`, slot(`${name}-password`)], secret: true },
      name,
    );
  assert.deepEqual(api.dependsOn, ["redis", "garnet", "valkey"]);
});

test("redis family on one VM: compose publishes no cache port and writes each password as its own variable", () => {
  const plan = planFile(redisFamily);
  const text = appFiles(plan, "app").get("compose.yaml") as string;
  assert.deepEqual(composeSchemaErrors(text), []);
  const compose = composeOf(plan, "app");
  for (const name of CACHES) assert.equal(composeService(compose, name).ports, undefined, name);
  assert.deepEqual(
    composeService(compose, "apiservice").environment?.ConnectionStrings__garnet,
    "garnet:6379,password=${ASPIRE_P_GARNET_PASSWORD}",
  );
  // A secret in args stays a variable, never a value.
  assert.deepEqual(composeService(compose, "garnet").command, [
    "--auth",
    "Password",
    "--password",
    "${ASPIRE_P_GARNET_PASSWORD}",
    "--checkpointdir",
    "/data/checkpoints",
    "--recover",
  ]);
  assert.deepEqual(vmOf(plan, "app").secrets, [
    "garnet-password",
    "redis-password",
    "valkey-password",
  ]);
});

// ---- (ii) the project on another VM -----------------------------------------------------------------------

test("redis family split from its clients: the three caches get distinct host ports 6379, 6380, 6381 on VM data", () => {
  const plan = planFile(redisFamily, { vms: SPLIT });
  const data = vmOf(plan, "data");
  assert.deepEqual(
    CACHES.map((n) => serviceOf(data, n).ports),
    [
      [{ binding: "tcp", protocol: "tcp", targetPort: 6379, hostPort: 6379, exposure: "private" }],
      [{ binding: "tcp", protocol: "tcp", targetPort: 6379, hostPort: 6380, exposure: "private" }],
      [{ binding: "tcp", protocol: "tcp", targetPort: 6379, hostPort: 6381, exposure: "private" }],
    ],
  );
  assert.deepEqual(data.privatePorts, [
    { port: 6379, protocol: "tcp", service: "redis" },
    { port: 6380, protocol: "tcp", service: "garnet" },
    { port: 6381, protocol: "tcp", service: "valkey" },
  ]);
  const compose = composeOf(plan, "data");
  assert.deepEqual(
    CACHES.map((n) => composeService(compose, n).ports),
    [["6379:6379"], ["6380:6379"], ["6381:6379"]],
  );
});

test("redis family split from its clients: the project's connection strings use VM data's name and each cache's own host port", () => {
  const plan = planFile(redisFamily, { vms: SPLIT });
  const api = serviceOf(vmOf(plan, "app"), "apiservice");
  assert.deepEqual(api.env.ConnectionStrings__redis, {
    parts: ["data.dev.aspire.internal:6379,password=", slot("redis-password")],
    secret: true,
  });
  assert.deepEqual(api.env.ConnectionStrings__garnet, {
    parts: ["data.dev.aspire.internal:6380,password=", slot("garnet-password")],
    secret: true,
  });
  assert.deepEqual(api.env.ConnectionStrings__valkey, {
    parts: ["data.dev.aspire.internal:6381,password=", slot("valkey-password")],
    secret: true,
  });
  // Start order only covers services on the same VM.
  assert.deepEqual(api.dependsOn, []);
  assert.deepEqual(vmOf(plan, "app").peers, ["data"]);
  assert.deepEqual(vmOf(plan, "app").privatePorts, []);
});

// ---- (iii) native projects on one VM -----------------------------------------------------------------------

test("dotnet runtime, two projects on one VM: they listen on distinct ports 8080 and 8081, http and https sharing one", () => {
  const plan = planFile(redisFamily, { runtime: "dotnet" });
  const vm = vmOf(plan, "app");
  assert.deepEqual(
    serviceOf(vm, "apiservice").ports.map((p) => [p.binding, p.targetPort, p.hostPort]),
    [
      ["http", 8080, undefined],
      ["https", 8080, undefined],
    ],
  );
  assert.deepEqual(
    serviceOf(vm, "webfrontend").ports.map((p) => [p.binding, p.targetPort, p.hostPort]),
    [
      ["http", 8081, undefined],
      ["https", 8081, undefined],
    ],
  );
  assert.equal(serviceOf(vm, "apiservice").runAs, "native");
  assert.equal(serviceOf(vm, "webfrontend").runAs, "native");
});

test("dotnet runtime: HTTP_PORTS follows each project's port, and clients use it", () => {
  const plan = planFile(redisFamily, { runtime: "dotnet" });
  const vm = vmOf(plan, "app");
  assert.deepEqual(serviceOf(vm, "apiservice").env.HTTP_PORTS, plain("8080"));
  const web = serviceOf(vm, "webfrontend");
  assert.deepEqual(web.env.HTTP_PORTS, plain("8081"));
  assert.deepEqual(web.env.services__apiservice__http__0, plain("http://localhost:8080"));
  assert.deepEqual(web.env.services__apiservice__https__0, plain("http://localhost:8080"));
  const files = appFiles(plan, "app");
  assert.ok(
    (files.get("env/webfrontend.env.in") ?? "").split("\n").includes("HTTP_PORTS=8081"),
    files.get("env/webfrontend.env.in"),
  );
  assert.ok(
    (files.get("env/apiservice.env.in") ?? "").split("\n").includes("HTTP_PORTS=8080"),
    files.get("env/apiservice.env.in"),
  );
  // The proxy reaches the native front end on the host, on its own port.
  assert.deepEqual(
    vm.publicEndpoints.map((e) => [e.service, e.port, e.upstream]),
    [["webfrontend", 80, "host.docker.internal:8081"]],
  );
  assert.match(
    files.get("caddy/Caddyfile") ?? "",
    /:80 \{\n\treverse_proxy host\.docker\.internal:8081 \{\n\t\tlb_try_duration 10s\n\t\}\n\}/,
  );
});

test("dotnet runtime: native clients reach the caches on localhost, so each cache gets its own host port, on loopback only", () => {
  const plan = planFile(redisFamily, { runtime: "dotnet" });
  const vm = vmOf(plan, "app");
  assert.deepEqual(
    CACHES.map((n) => serviceOf(vm, n).ports.map((p) => [p.targetPort, p.hostPort])),
    [[[6379, 6379]], [[6379, 6380]], [[6379, 6381]]],
  );
  const api = serviceOf(vm, "apiservice");
  assert.equal(
    shown(api.env.ConnectionStrings__redis),
    "localhost:6379,password=${ASPIRE_P_REDIS_PASSWORD}",
  );
  assert.equal(
    shown(api.env.ConnectionStrings__garnet),
    "localhost:6380,password=${ASPIRE_P_GARNET_PASSWORD}",
  );
  assert.equal(
    shown(api.env.ConnectionStrings__valkey),
    "localhost:6381,password=${ASPIRE_P_VALKEY_PASSWORD}",
  );
  const compose = composeOf(plan, "app");
  assert.deepEqual(Object.keys(compose.services), ["redis", "garnet", "valkey", "caddy"]);
  assert.deepEqual(
    CACHES.map((n) => serviceOf(vm, n).ports[0].exposure),
    ["local", "local", "local"],
  );
  assert.deepEqual(
    CACHES.map((n) => composeService(compose, n).ports),
    [["127.0.0.1:6379:6379"], ["127.0.0.1:6380:6379"], ["127.0.0.1:6381:6379"]],
  );
  // Nothing outside the VM needs them: no firewall opening.
  assert.deepEqual(vm.privatePorts, []);
});

test("dotnet runtime split: a native project reached from another VM opens its own port privately, and keeps it", () => {
  const plan = planFile(redisFamily, {
    runtime: "dotnet",
    vms: { data: { resources: [...CACHES, "apiservice"] }, app: { resources: ["webfrontend"] } },
  });
  const data = vmOf(plan, "data");
  assert.deepEqual(
    serviceOf(data, "apiservice").ports.map((p) => [
      p.binding,
      p.targetPort,
      p.hostPort,
      p.exposure,
    ]),
    [
      ["http", 8080, undefined, "private"],
      ["https", 8080, undefined, "private"],
    ],
  );
  const unique = [...new Set(data.privatePorts.map((p) => `${p.service} ${p.port}/${p.protocol}`))];
  // The caches serve only the native project beside them (loopback); the project serves the other VM.
  assert.deepEqual(unique, ["apiservice 8080/tcp"]);
  assert.deepEqual(
    findService(plan, "webfrontend").env.services__apiservice__http__0,
    plain("http://data.dev.aspire.internal:8080"),
  );
  // Alone on its VM, the front end keeps 8080.
  assert.deepEqual(findService(plan, "webfrontend").env.HTTP_PORTS, plain("8080"));
});

// ---- external tcp --------------------------------------------------------------------------------------------

test("an external tcp binding is published publicly on its `port` and listed in publicEndpoints, not behind the proxy", () => {
  const plan = planFile(externalTcp);
  const vm = vmOf(plan, "app");
  const mqtt = serviceOf(vm, "mqtt");
  assert.deepEqual(mqtt.ports, [
    { binding: "tcp", protocol: "tcp", targetPort: 1883, hostPort: 11883, exposure: "public" },
    { binding: "ws", protocol: "tcp", targetPort: 9001, hostPort: undefined, exposure: "none" },
  ]);
  assert.deepEqual(vm.publicEndpoints, [
    { service: "mqtt", binding: "tcp", scheme: "tcp", transport: "tcp", port: 11883 },
  ]);
  assert.deepEqual(vm.privatePorts, []);
  assert.equal(vm.proxy, false);
  const files = appFiles(plan, "app");
  assert.equal(files.has("caddy/Caddyfile"), false);
  const compose = composeOf(plan, "app");
  assert.deepEqual(Object.keys(compose.services), ["mqtt", "telemetry"]);
  assert.deepEqual(composeService(compose, "mqtt").ports, ["11883:1883"]);
  assert.deepEqual(composeSchemaErrors(files.get("compose.yaml") as string), []);
});

test("an external tcp endpoint: a client on the same VM still uses the container name and target port", () => {
  const plan = planFile(externalTcp);
  assert.deepEqual(
    findService(plan, "telemetry").env.ConnectionStrings__mqtt,
    plain("mqtt://mqtt:1883"),
  );
});

test("an external tcp endpoint: a client on another VM uses the VM's name and the published port; the port stays public only", () => {
  const plan = planFile(externalTcp, {
    vms: { edge: { resources: ["mqtt"] }, app: { resources: ["telemetry"] } },
  });
  assert.deepEqual(
    findService(plan, "telemetry").env.ConnectionStrings__mqtt,
    plain("mqtt://edge.dev.aspire.internal:11883"),
  );
  const edge = vmOf(plan, "edge");
  assert.deepEqual(serviceOf(edge, "mqtt").ports[0], {
    binding: "tcp",
    protocol: "tcp",
    targetPort: 1883,
    hostPort: 11883,
    exposure: "public",
  });
  assert.deepEqual(edge.publicEndpoints, [
    { service: "mqtt", binding: "tcp", scheme: "tcp", transport: "tcp", port: 11883 },
  ]);
  assert.deepEqual(edge.privatePorts, []);
});

test("tcp and udp bindings on the same port (STUN/TURN 3478) are both published on 3478: a port is taken per protocol", () => {
  const plan = planFile(tcpAndUdp);
  const vm = vmOf(plan, "app");
  assert.deepEqual(serviceOf(vm, "turn").ports, [
    { binding: "tcp", protocol: "tcp", targetPort: 3478, hostPort: 3478, exposure: "public" },
    { binding: "udp", protocol: "udp", targetPort: 3478, hostPort: 3478, exposure: "public" },
  ]);
  assert.deepEqual(composeService(composeOf(plan, "app"), "turn").ports, [
    "3478:3478",
    "3478:3478/udp",
  ]);
});

test("an external udp binding is published with /udp and listed as a udp public endpoint", () => {
  const plan = planFile(tcpAndUdp);
  const vm = vmOf(plan, "app");
  const udp = vm.publicEndpoints.find((e) => e.binding === "udp");
  assert.ok(udp, JSON.stringify(vm.publicEndpoints));
  assert.equal(udp.scheme, "udp");
  assert.equal(udp.transport, "udp");
  const ports = composeService(composeOf(plan, "app"), "turn").ports ?? [];
  assert.equal(ports.length, 2);
  assert.ok(ports[1].endsWith(":3478/udp"), ports.join(", "));
  assert.equal(vm.proxy, false);
});

// ---- the real playground, when ../shared is there ---------------------------------------------------------

const corpusRedis = path.join(
  corpusDir,
  "dotnet__aspire@v9.0.0__playground__Redis__Redis.AppHost__aspire-manifest.json",
);

test(
  "the real Aspire 9.0 Redis playground (corpus), split from its API: redis, garnet, valkey on host ports 6379, 6380, 6381",
  { skip: fs.existsSync(corpusRedis) ? false : SHARED_MISSING },
  () => {
    const plan = planFile(corpusRedis, {
      vms: { data: { resources: [...CACHES] }, app: { resources: ["apiservice"] } },
    });
    const data = vmOf(plan, "data");
    assert.deepEqual(
      CACHES.map((n) =>
        serviceOf(data, n).ports.map((p) => [p.targetPort, p.hostPort, p.exposure]),
      ),
      [[[6379, 6379, "private"]], [[6379, 6380, "private"]], [[6379, 6381, "private"]]],
    );
    const api = findService(plan, "apiservice");
    assert.deepEqual(
      CACHES.map((n) => shown(api.env[`ConnectionStrings__${n}`])),
      [
        "data.dev.aspire.internal:6379",
        "data.dev.aspire.internal:6380",
        "data.dev.aspire.internal:6381",
      ],
    );
  },
);

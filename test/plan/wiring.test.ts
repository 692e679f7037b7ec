// How the plan wires an app beyond the starter: names the VM keeps for itself, ports of native
// projects against containers' host ports, data disks, the dashboard's route from other VMs, a
// domain, several external web services, Dockerfile builds' args and secrets, and bind mounts.
// Asserted on the plan and on the files the VMs receive.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { loadManifest, type Manifest } from "../../src/manifest";
import { buildPlan, type PlanOptions } from "../../src/plan";
import {
  appFiles,
  composeOf,
  composeService,
  findService,
  fixture,
  manifestInTemp,
  render,
  shown,
  tcp,
  starterManifest,
  vmOf,
} from "./plan-support";

const planOf = (m: Manifest, options: Partial<PlanOptions> = {}) =>
  buildPlan(m, { cloud: "aws", stack: "dev", ...options });
const http = (extra: Record<string, unknown> = {}) => ({
  scheme: "http",
  protocol: "tcp",
  transport: "http",
  ...extra,
});
const web = (image: string, extra: Record<string, unknown> = {}) => ({
  type: "container.v0",
  image,
  bindings: { http: http({ targetPort: 80, external: true }) },
  ...extra,
});

test("services named caddy or aspire-dashboard get other names: the proxy and the dashboard keep theirs", () => {
  const m = manifestInTemp({
    caddy: web("docker.io/library/nginx:1.27"),
    "aspire-dashboard": web("docker.io/library/httpd:2.4"),
  });
  const { plan } = planOf(m, { dashboard: true });
  const vm = vmOf(plan, "app");
  assert.deepEqual(
    vm.services.map((s) => [s.resource, s.name]),
    [
      ["caddy", "caddy-2"],
      ["aspire-dashboard", "aspire-dashboard-2"],
      ["aspire-dashboard", "aspire-dashboard"],
    ],
  );
  const compose = composeOf(plan, "app");
  assert.deepEqual(Object.keys(compose.services).sort(), [
    "aspire-dashboard",
    "aspire-dashboard-2",
    "caddy",
    "caddy-2",
  ]);
  assert.equal(composeService(compose, "caddy-2").image, "docker.io/library/nginx:1.27");
  assert.equal(composeService(compose, "aspire-dashboard-2").image, "docker.io/library/httpd:2.4");
  assert.match(composeService(compose, "caddy").image, /^docker\.io\/library\/caddy:/);
  assert.match(composeService(compose, "aspire-dashboard").image, /aspire-dashboard:/);
  const caddyfile = appFiles(plan, "app").get("caddy/Caddyfile") as string;
  assert.match(
    caddyfile,
    /:80 \{\n\treverse_proxy caddy-2:80 \{\n\t\tlb_try_duration 10s\n\t\}\n\}/,
  );
  assert.match(
    caddyfile,
    /:8001 \{\n\treverse_proxy aspire-dashboard-2:80 \{\n\t\tlb_try_duration 10s\n\t\}\n\}/,
  );
});

/** A project's http endpoint on its default port (8080), and a container's tcp one on the same port. */
const api = (env: Record<string, string>) => ({
  type: "project.v0",
  path: "../Api/Api.csproj",
  env,
  bindings: { http: http() },
});
const cacheOn8080 = {
  type: "container.v0",
  image: "docker.io/library/redis:7.4",
  bindings: { tcp: tcp(8080) },
};

test("a native project's port is taken on the VM: a container published for a native client gets the next host port", () => {
  const m = manifestInTemp(
    {
      cache: {
        ...cacheOn8080,
        connectionString: "{cache.bindings.tcp.host}:{cache.bindings.tcp.port}",
      },
      api: api({ ConnectionStrings__cache: "{cache.connectionString}" }),
    },
    { "Api/Api.csproj": "<Project />" },
  );
  const { plan } = planOf(m, { runtime: "dotnet" });
  const vm = vmOf(plan, "app");
  assert.deepEqual(
    findService(plan, "api").ports.map((p) => [p.binding, p.targetPort, p.hostPort]),
    [["http", 8080, undefined]],
  );
  assert.deepEqual(
    findService(plan, "cache").ports.map((p) => [p.binding, p.targetPort, p.hostPort, p.exposure]),
    [["tcp", 8080, 8081, "local"]],
  );
  assert.equal(shown(findService(plan, "api").env.ConnectionStrings__cache), "localhost:8081");
  assert.deepEqual(composeService(composeOf(plan, "app"), "cache").ports, ["127.0.0.1:8081:8080"]);
  assert.equal(vm.services.length, 2);
});

test("a native project reached from another VM listens on its own port and takes no host port: the container beside it gets the next free one", () => {
  const m = manifestInTemp(
    {
      api: api({ CACHE: "{cache.bindings.tcp.url}" }),
      cache: cacheOn8080,
      web: {
        type: "container.v0",
        image: "docker.io/library/nginx:1.27",
        env: { API: "{api.bindings.http.url}" },
      },
    },
    { "Api/Api.csproj": "<Project />" },
  );
  const { plan } = planOf(m, {
    vms: { app: { resources: ["api", "cache"], runtime: "dotnet" }, front: { resources: ["web"] } },
  });
  assert.deepEqual(
    ["api", "cache"].map((s) => findService(plan, s).ports.map((p) => [p.targetPort, p.hostPort])),
    [[[8080, undefined]], [[8080, 8081]]],
  );
  assert.deepEqual(vmOf(plan, "app").privatePorts, [
    { port: 8080, protocol: "tcp", service: "api" },
  ]);
});

test("named volumes give their VM a data disk (aspire:dataDiskSizeGb, 20 GB by default); other VMs and anonymous volumes get none", () => {
  const { manifest } = loadManifest(fixture("volume-app.json"));
  const one = planOf(manifest).plan.vms[0];
  assert.deepEqual([one.namedVolumes, one.dataDiskGb], [["app-postgres-data"], 20]);
  const split = planOf(manifest, {
    dataDiskSizeGb: 50,
    vms: { db: { resources: ["postgres"] }, web: { resources: ["api"] } },
  }).plan;
  assert.deepEqual(
    split.vms.map((v) => [v.name, v.namedVolumes, v.dataDiskGb]),
    [
      ["db", ["app-postgres-data"], 50],
      ["web", [], 0],
    ],
  );
  assert.equal(appFiles(split, "db").get("volumes.list"), "app-postgres-data\n");
  assert.equal(appFiles(split, "web").get("volumes.list"), undefined);
  const anonymous = manifestInTemp({
    tmp: {
      type: "container.v0",
      image: "docker.io/library/nginx:1.27",
      volumes: [{ target: "/cache", readOnly: false }],
    },
  });
  const vm = planOf(anonymous).plan.vms[0];
  assert.deepEqual([vm.namedVolumes, vm.dataDiskGb], [[], 0]);
});

test("dashboard: a project on another VM sends telemetry to the dashboard VM, which it lists as a peer", () => {
  const { manifest } = loadManifest(starterManifest);
  const vms = {
    data: { resources: ["cache"] },
    api: { resources: ["apiservice"] },
    web: { resources: ["webfrontend"] },
  };
  const without = planOf(manifest, { vms }).plan;
  assert.deepEqual(vmOf(without, "api").peers, []);
  const { plan } = planOf(manifest, { vms, dashboard: true });
  assert.deepEqual(
    plan.vms.map((v) => [v.name, v.peers]),
    [
      ["data", []],
      ["api", ["data"]],
      ["web", ["api", "data"]],
    ],
  );
  assert.equal(
    shown(findService(plan, "apiservice").env.OTEL_EXPORTER_OTLP_ENDPOINT),
    "http://data.dev.aspire.internal:18889",
  );
  assert.equal(shown(findService(plan, "apiservice").env.OTEL_SERVICE_NAME), "apiservice");
  assert.deepEqual(vmOf(plan, "data").privatePorts, [
    { port: 6379, protocol: "tcp", service: "cache" },
    { port: 18889, protocol: "tcp", service: "aspire-dashboard" },
  ]);
  assert.equal(
    findService(plan, "cache").env.OTEL_EXPORTER_OTLP_ENDPOINT,
    undefined,
    "only projects send telemetry",
  );
});

test("--domain: the only web service answers on the domain itself over HTTPS, the dashboard on dashboard.<domain>", () => {
  const { manifest } = loadManifest(starterManifest);
  const { plan } = planOf(manifest, { domain: "shop.example.com", dashboard: true });
  const vm = vmOf(plan, "app");
  assert.equal(plan.domain, "shop.example.com");
  assert.deepEqual(
    vm.publicEndpoints.map((e) => [e.service, e.binding, e.scheme, e.port, e.hostName, e.upstream]),
    [
      ["webfrontend", "http", "http", 80, "shop.example.com", "webfrontend:8080"],
      ["webfrontend", "https", "https", 443, "shop.example.com", "webfrontend:8080"],
      [
        "aspire-dashboard",
        "http",
        "https",
        443,
        "dashboard.shop.example.com",
        "aspire-dashboard:18888",
      ],
    ],
  );
  const files = appFiles(plan, "app");
  const caddyfile = files.get("caddy/Caddyfile") as string;
  assert.doesNotMatch(caddyfile, /auto_https off/);
  assert.match(
    caddyfile,
    /^shop\.example\.com \{\n\treverse_proxy webfrontend:8080 \{\n\t\tlb_try_duration 10s\n\t\}\n\}$/m,
  );
  assert.match(
    caddyfile,
    /^dashboard\.shop\.example\.com \{\n\treverse_proxy aspire-dashboard:18888 \{\n\t\tlb_try_duration 10s\n\t\}\n\}$/m,
  );
  assert.deepEqual(composeService(composeOf(plan, "app"), "caddy").ports, ["80:80", "443:443"]);
});

test("a second external web service: its own port (8001) without a domain, its own host name (<service>.<domain>) with one", () => {
  const m = manifestInTemp({
    shop: web("docker.io/library/nginx:1.27"),
    blog: web("docker.io/library/httpd:2.4"),
  });
  const plain = planOf(m).plan.vms[0];
  assert.deepEqual(
    plain.publicEndpoints.map((e) => [e.service, e.port, e.hostName, e.upstream]),
    [
      ["shop", 80, undefined, "shop:80"],
      ["blog", 8001, undefined, "blog:80"],
    ],
  );
  assert.deepEqual(composeService(composeOf(planOf(m).plan, "app"), "caddy").ports, [
    "80:80",
    "8001:8001",
  ]);
  const { plan } = planOf(m, { domain: "example.org" });
  assert.deepEqual(
    plan.vms[0].publicEndpoints.map((e) => [e.service, e.port, e.hostName]),
    [
      ["shop", 80, "shop.example.org"],
      ["blog", 80, "blog.example.org"],
    ],
  );
  const caddyfile = appFiles(plan, "app").get("caddy/Caddyfile") as string;
  assert.match(
    caddyfile,
    /^shop\.example\.org \{\n\treverse_proxy shop:80 \{\n\t\tlb_try_duration 10s\n\t\}\n\}$/m,
  );
  assert.match(
    caddyfile,
    /^blog\.example\.org \{\n\treverse_proxy blog:80 \{\n\t\tlb_try_duration 10s\n\t\}\n\}$/m,
  );
});

test("a Dockerfile build: args evaluated (a parameter's value filled in, a secret one warned about), env secrets kept as values, file secrets as paths", () => {
  const m = manifestInTemp(
    {
      region: {
        type: "parameter.v0",
        value: "{region.inputs.value}",
        inputs: { value: { type: "string" } },
      },
      token: {
        type: "parameter.v0",
        value: "{token.inputs.value}",
        inputs: { value: { type: "string", secret: true } },
      },
      worker: {
        type: "container.v1",
        build: {
          context: "../worker",
          dockerfile: "../worker/Dockerfile",
          args: { REGION: "{region.value}", EMPTY: null, TOKEN: "{token.value}" },
          secrets: {
            npmrc: { type: "file", source: "../worker/.npmrc" },
            apikey: { type: "env", value: "{token.value}" },
          },
        },
      },
    },
    { "worker/Dockerfile": "FROM scratch\n", "worker/.npmrc": "x\n" },
  );
  const { plan, warnings } = planOf(m, { parameters: { region: "eu-west-1" } });
  const image = findService(plan, "worker").image;
  assert.equal(image.kind, "dockerfile");
  if (image.kind !== "dockerfile") return;
  assert.equal(image.repository, "worker");
  assert.equal(shown(image.args.REGION ?? undefined), "eu-west-1");
  assert.equal(image.args.EMPTY, null);
  assert.equal(image.args.TOKEN?.secret, true);
  assert.deepEqual(
    warnings.filter((w) => w.resource === "worker").map((w) => [w.field, w.message]),
    [
      [
        "build.args.TOKEN",
        "a secret in a build arg stays in the image history: pass it as a build secret (WithBuildSecret) instead.",
      ],
    ],
  );
  assert.equal(image.secrets.npmrc.type, "file");
  assert.equal(
    image.secrets.npmrc.type === "file" && image.secrets.npmrc.sourcePath,
    path.join(path.dirname(path.dirname(m.file)), "worker/.npmrc"),
  );
  assert.equal(image.secrets.apikey.type === "env" && image.secrets.apikey.value.secret, true);
  assert.equal(
    image.build.dockerfilePath,
    path.join(path.dirname(path.dirname(m.file)), "worker/Dockerfile"),
  );
});

test("bind mounts are planned with their target, read-only flag and the files found, and mounted long-syntax in compose", () => {
  const m = manifestInTemp(
    {
      web: {
        type: "container.v0",
        image: "docker.io/library/nginx:1.27",
        bindMounts: [
          { source: "../conf", target: "/etc/nginx/conf.d", readOnly: true },
          { source: "../missing", target: "/data", readOnly: false },
        ],
      },
    },
    { "conf/site.conf": "server {}\n" },
  );
  const { plan, warnings } = planOf(m);
  const web = findService(plan, "web");
  assert.deepEqual(
    web.bindMounts.map((b) => [b.target, b.readOnly, b.source.kind]),
    [
      ["/etc/nginx/conf.d", true, "directory"],
      ["/data", false, "missing"],
    ],
  );
  assert.ok(
    warnings.some((w) => w.resource === "web" && w.field === "bindMounts.1.source"),
    JSON.stringify(warnings),
  );
  assert.deepEqual(composeService(composeOf(plan, "app"), "web").volumes, [
    {
      type: "bind",
      source: "./files/web/0",
      target: "/etc/nginx/conf.d",
      read_only: true,
      bind: { create_host_path: true },
    },
    { type: "bind", source: "./files/web/1", target: "/data", bind: { create_host_path: true } },
  ]);
  assert.equal(appFiles(plan, "app").get("files/web/0/site.conf"), "server {}\n");
  // The missing source adds no file; the one found is a plain file, not executable.
  assert.deepEqual(
    render(plan, vmOf(plan, "app"))
      .appConfig.filter((f) => f.path.startsWith("files/"))
      .map((f) => [f.path, f.permissions]),
    [["files/web/0/site.conf", "0644"]],
  );
});

test("a container.v1 with an image keeps its entrypoint, volumes and bind mounts as container.v0 does; projects and Dockerfile builds have none", () => {
  const m = manifestInTemp(
    {
      web: {
        type: "container.v1",
        image: "docker.io/library/nginx:1.27",
        entrypoint: "/docker-entrypoint.sh",
        volumes: [{ name: "cache", target: "/var/cache/nginx", readOnly: false }],
        bindMounts: [{ source: "../conf", target: "/etc/nginx/conf.d", readOnly: true }],
      },
      api: { type: "project.v0", path: "../Api/Api.csproj" },
      worker: { type: "dockerfile.v0", path: "../worker/Dockerfile", context: "../worker" },
    },
    {
      "conf/site.conf": "server {}\n",
      "Api/Api.csproj": "<Project/>\n",
      "worker/Dockerfile": "FROM scratch\n",
    },
  );
  const { plan } = planOf(m);
  const web = findService(plan, "web");
  assert.equal(web.entrypoint, "/docker-entrypoint.sh");
  assert.deepEqual(web.volumes, [{ name: "cache", target: "/var/cache/nginx", readOnly: false }]);
  assert.deepEqual(
    web.bindMounts.map((b) => [b.target, b.readOnly, b.source.kind]),
    [["/etc/nginx/conf.d", true, "directory"]],
  );
  assert.deepEqual(vmOf(plan, "app").namedVolumes, ["cache"]);
  const compose = composeOf(plan, "app");
  assert.deepEqual(composeService(compose, "web").entrypoint, ["/docker-entrypoint.sh"]);
  for (const name of ["api", "worker"]) {
    const s = findService(plan, name);
    assert.deepEqual([s.entrypoint, s.volumes, s.bindMounts], [undefined, [], []], name);
    assert.equal(composeService(compose, name).volumes, undefined, name);
  }
});

// What a VM receives, file by file: the cloud-config (what it writes, with which permissions, and
// what it runs), the release (the app config and the scripts that apply it), the compose file's
// proxy and mounts, and native units' ExecStart words, secret
// arguments and refusals. Asserted on the rendered text, parsed as the VM's tools read it.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { loadManifest } from "../../src/manifest";
import { buildPlan, type DeploymentPlan, type PlanOptions, type ServicePlan } from "../../src/plan";
import { renderNativeServices, renderVm, defaultSecretSource } from "../../src/render";
import { APP_DIR, APP_UNIT, LIB_DIR, VM_ENV_FILE } from "../../src/render/vm-paths";
import {
  appFiles,
  composeOf,
  composeService,
  fixture,
  manifestInTemp,
  manifestOf,
  planFile,
  starterManifest,
  vmOf,
} from "../plan/plan-support";
import { bundleFiles } from "../support/delivered";

interface CloudConfig {
  write_files: { path: string; content: string; permissions: string; encoding?: string }[];
  runcmd: string[][];
}

function cloudConfigOf(plan: DeploymentPlan, vmName: string): CloudConfig {
  const text = renderVm(plan, vmOf(plan, vmName), {
    secretSource: defaultSecretSource(plan),
  }).cloudConfig;
  assert.ok(text.startsWith("#cloud-config\n"));
  return yaml.load(text) as CloudConfig;
}

const { manifest: starter } = loadManifest(starterManifest);
const planStarter = (options: Partial<PlanOptions> = {}) =>
  buildPlan(starter, { cloud: "aws", stack: "dev", ...options }).plan;
const renderOf = (plan: DeploymentPlan, vmName: string) =>
  renderVm(plan, vmOf(plan, vmName), { secretSource: defaultSecretSource(plan) });

test("cloud-init runs bootstrap.sh once the files are written; the user data holds only what receives releases (the cloud's own part), the release brings what applies it, the dotnet runtime's tools only where they are needed", () => {
  for (const [cloud, runtime] of [
    ["aws", "docker"],
    ["aws", "dotnet"],
    ["gcp", "docker"],
  ] as const) {
    const plan = planStarter({ cloud, runtime });
    const cc = cloudConfigOf(plan, "app");
    assert.deepEqual(cc.runcmd, [[`${LIB_DIR}/bootstrap.sh`]]);
    const perms = new Map(cc.write_files.map((f) => [f.path, f.permissions]));
    // What receives releases: AWS downloads them from S3 (cloud-http.py), GCP's agent takes them
    // from the instance metadata (gce-agent.py).
    const scripts = [
      "bootstrap.sh",
      "rollout.sh",
      "release.py",
      cloud === "aws" ? "cloud-http.py" : "gce-agent.py",
    ];
    for (const s of scripts) assert.equal(perms.get(`${LIB_DIR}/${s}`), "0755", `${runtime}: ${s}`);
    assert.deepEqual(
      cc.write_files
        .filter((f) => f.path.startsWith(`${LIB_DIR}/`))
        .map((f) => f.path.slice(LIB_DIR.length + 1)),
      scripts,
      `${cloud} ${runtime}: the user data's scripts`,
    );
    for (const f of cc.write_files.filter((x) => x.path.startsWith(`${LIB_DIR}/`))) {
      assert.ok(f.content.startsWith("#!/"), `${f.path} starts with its interpreter`);
      assert.ok(f.content.length > 200, `${f.path} has its script`);
    }
    assert.equal(perms.get(VM_ENV_FILE), "0644");
    assert.match(
      cc.write_files.find((f) => f.path === VM_ENV_FILE)?.content ?? "",
      /^ASPIRE_VM='app'\nASPIRE_STACK='dev'\nASPIRE_RUNTIME='/,
    );
    // What applies a release comes with it, in its bin/ (RELEASE_BIN_DIR on the VM).
    const bin = bundleFiles(renderOf(plan, "app").release.gz).filter((f) =>
      f.path.startsWith("bin/"),
    );
    assert.deepEqual(
      bin.map((f) => f.path),
      [
        "bin/apply-tools.py",
        "bin/apply.sh",
        "bin/cloud-http.py",
        ...(runtime === "dotnet" ? ["bin/dotnet-runtimes.py", "bin/exec-env.py"] : []),
        "bin/fetch-secrets.py",
        "bin/rollout-apply.sh",
      ],
      `${runtime}: the dotnet runtime's tools only where they are needed`,
    );
    for (const f of bin) {
      assert.equal(f.mode, "0755", `${runtime}: ${f.path}`);
      assert.ok(f.text?.startsWith("#!/"), `${f.path} starts with its interpreter`);
      assert.ok((f.text ?? "").length > 200, `${f.path} has its script`);
    }
  }
});

test("the app unit applies the current release at every boot until it succeeds, and waits for the first; on GCP the release agent runs as long as the VM", () => {
  for (const cloud of ["aws", "gcp"] as const) {
    const cc = cloudConfigOf(planStarter({ cloud }), "app");
    const unit = cc.write_files.find((f) => f.path === `/etc/systemd/system/${APP_UNIT}`);
    assert.ok(unit, "the app unit is written");
    assert.equal(unit.permissions, "0644");
    const lines = unit.content.split("\n");
    for (const l of [
      "[Unit]",
      "Wants=network-online.target",
      "After=network-online.target docker.service",
      "StartLimitIntervalSec=0",
      `ConditionPathExists=${APP_DIR}/bin/apply.sh`,
      "[Service]",
      "Type=oneshot",
      "RemainAfterExit=yes",
      `ExecStart=${APP_DIR}/bin/apply.sh`,
      "Restart=on-failure",
      "RestartSec=15",
      "[Install]",
      "WantedBy=multi-user.target",
    ])
      assert.ok(lines.includes(l), `the app unit has ${l}`);
    const agent = cc.write_files.find(
      (f) => f.path === "/etc/systemd/system/aspire-arm-agent.service",
    );
    if (cloud === "aws") {
      assert.equal(agent, undefined, "AWS: releases come by Run Command, no agent");
      continue;
    }
    assert.ok(agent, "GCP: the agent unit is written");
    assert.equal(agent.permissions, "0644");
    const agentLines = agent.content.split("\n");
    for (const l of [
      `After=network-online.target ${APP_UNIT}`,
      `ExecStart=${LIB_DIR}/gce-agent.py`,
      "Restart=always",
      "WantedBy=multi-user.target",
    ])
      assert.ok(agentLines.includes(l), `the agent unit has ${l}`);
  }
});

test("the app config travels in the release, not in the user data: each file at its path in the app folder, with its own permissions", () => {
  const plan = planStarter();
  const cc = cloudConfigOf(plan, "app");
  assert.deepEqual(
    cc.write_files.filter((f) => f.path.startsWith(`${APP_DIR}/`)).map((f) => f.path),
    [],
    "the user data writes nothing into the app folder",
  );
  const files = appFiles(plan, "app");
  const release = new Map(bundleFiles(renderOf(plan, "app").release.gz).map((f) => [f.path, f]));
  for (const [p, content] of files) {
    const delivered = release.get(p);
    assert.ok(delivered, `${p} is in the release`);
    assert.equal(delivered.text, content);
    assert.equal(delivered.mode, "0644");
    assert.equal(delivered.base64, undefined);
  }
  assert.deepEqual(
    [...files.keys()],
    ["compose.yaml", "caddy/Caddyfile", "secrets.list", "health.list"],
  );
  assert.deepEqual(
    [...release.keys()].filter((p) => !p.startsWith("bin/")).sort(),
    [...files.keys()].sort(),
    "nothing else but its bin/",
  );
  // No secret to fetch: no list at all.
  assert.deepEqual(
    [...appFiles(planFile(fixture("plan-tcp-on-80.json")), "app").keys()],
    ["compose.yaml", "caddy/Caddyfile", "health.list"],
  );
});

test("a bind-mount file that changed after the plan measured it is not copied: the render stops, naming it", () => {
  const m = manifestInTemp(
    {
      web: {
        type: "container.v0",
        image: "docker.io/library/nginx:1.27",
        bindMounts: [{ source: "../conf", target: "/etc/nginx/conf.d", readOnly: true }],
      },
    },
    { "conf/site.conf": "server {}\n" },
  );
  const { plan } = buildPlan(m, { cloud: "aws", stack: "dev" });
  const file = path.join(path.dirname(m.dir), "conf/site.conf");
  fs.writeFileSync(file, "server { listen 8080; }\n");
  assert.throws(
    () => appFiles(plan, "app"),
    new Error(
      `${file} changed while the plan was made (10 bytes, now 24): run the deployment again.`,
    ),
  );
});

test("compose: Caddy mounts its Caddyfile read-only and keeps its state in named volumes; it waits for the containers it proxies", () => {
  const plan = planStarter({
    vms: { data: { resources: ["cache"] }, app: { resources: ["apiservice", "webfrontend"] } },
  });
  const compose = composeOf(plan, "app");
  const caddy = composeService(compose, "caddy");
  assert.deepEqual(caddy.volumes, [
    "./caddy/:/etc/caddy/:ro",
    "caddy-data:/data",
    "caddy-config:/config",
  ]);
  assert.deepEqual(caddy.depends_on, ["webfrontend"]);
  assert.equal(caddy.restart, "unless-stopped");
  assert.equal(caddy.extra_hosts, undefined, "no native service: no host name");
  assert.deepEqual(compose.volumes, { "caddy-data": {}, "caddy-config": {} });
  // Containers wait only for containers of their own compose file.
  assert.deepEqual(composeService(compose, "webfrontend").depends_on, ["apiservice"]);
  assert.equal(composeService(compose, "apiservice").depends_on, undefined);
  assert.equal(composeOf(plan, "data").services.caddy, undefined, "no web service: no proxy");
});

test("compose next to native services: the proxy and the containers reach the host as host.docker.internal, and wait only for containers", () => {
  const plan = planStarter({ runtime: "dotnet" });
  const compose = composeOf(plan, "app");
  assert.deepEqual(Object.keys(compose.services), ["cache", "caddy"]);
  assert.deepEqual(composeService(compose, "caddy").extra_hosts, [
    "host.docker.internal:host-gateway",
  ]);
  assert.deepEqual(composeService(compose, "cache").extra_hosts, [
    "host.docker.internal:host-gateway",
  ]);
  assert.deepEqual(
    composeService(compose, "caddy").depends_on,
    [],
    "webfrontend is a native unit, not a container",
  );
  assert.match(
    appFiles(plan, "app").get("caddy/Caddyfile") as string,
    /reverse_proxy host\.docker\.internal:8081/,
  );
  // A native unit that depends on a container waits for the app unit that starts the containers.
  const units = renderNativeServices(vmOf(plan, "app"));
  const web = units.find((u) => u.unitName === "aspire-webfrontend.service");
  assert.ok(web);
  assert.match(
    web.unit,
    /^After=network-online\.target aspire-arm-app\.service aspire-apiservice\.service$/m,
  );
});

test("compose of a VM of native services: Caddy alone when the proxy runs, no compose file when nothing runs in Docker", () => {
  const api = (external: boolean) => ({
    api: {
      type: "project.v0",
      path: "../Api/Api.csproj",
      bindings: { http: { scheme: "http", protocol: "tcp", transport: "http", external } },
    },
  });
  const options = { cloud: "aws", stack: "dev", runtime: "dotnet" } as const;
  const proxied = buildPlan(manifestOf(api(true)), options).plan;
  assert.deepEqual(Object.keys(composeOf(proxied, "app").services), ["caddy"]);
  const internal = buildPlan(manifestOf(api(false)), options).plan;
  assert.deepEqual(
    [...appFiles(internal, "app").keys()],
    ["units/aspire-api.service", "env/api.env.in", "native.list", "health.list"],
  );
});

test("with a domain, Caddy publishes 80 and 443 whatever its sites' bindings, in port order", () => {
  const web = (scheme: string) => ({
    web: {
      type: "container.v0",
      image: "docker.io/library/nginx:1.27",
      bindings: {
        b: { scheme, protocol: "tcp", transport: "http", targetPort: 8080, external: true },
      },
    },
  });
  for (const scheme of ["http", "https"]) {
    const plan = buildPlan(manifestOf(web(scheme)), {
      cloud: "aws",
      stack: "dev",
      domain: "shop.example.com",
    }).plan;
    assert.deepEqual(
      composeService(composeOf(plan, "app"), "caddy").ports,
      ["80:80", "443:443"],
      scheme,
    );
  }
});

test("compose mounts: named and anonymous volumes long-syntax, read_only only where the manifest says so", () => {
  const m = manifestOf({
    db: {
      type: "container.v0",
      image: "docker.io/library/postgres:17.6",
      volumes: [
        { name: "pgdata", target: "/var/lib/postgresql/data", readOnly: false },
        { name: "seed", target: "/seed", readOnly: true },
        { target: "/scratch", readOnly: false },
      ],
    },
  });
  const plan = buildPlan(m, { cloud: "aws", stack: "dev" }).plan;
  const compose = composeOf(plan, "app");
  assert.deepEqual(composeService(compose, "db").volumes, [
    { type: "volume", source: "pgdata", target: "/var/lib/postgresql/data" },
    { type: "volume", source: "seed", target: "/seed", read_only: true },
    { type: "volume", target: "/scratch" },
  ]);
  assert.deepEqual(compose.volumes, {
    pgdata: {
      driver: "local",
      driver_opts: { type: "none", o: "bind", device: "/var/lib/aspire-arm/data/volumes/pgdata" },
    },
    seed: {
      driver: "local",
      driver_opts: { type: "none", o: "bind", device: "/var/lib/aspire-arm/data/volumes/seed" },
    },
  });
});

const project = (extra: Record<string, unknown>) => ({
  type: "project.v0",
  path: "../Api/Api.csproj",
  bindings: { http: { scheme: "http", protocol: "tcp", transport: "http" } },
  ...extra,
});
const secretParam = {
  type: "parameter.v0",
  value: "{key.inputs.value}",
  inputs: { value: { type: "string", secret: true } },
};

function nativeUnit(resources: Record<string, unknown>) {
  const plan = buildPlan(manifestOf(resources), {
    cloud: "aws",
    stack: "dev",
    runtime: "dotnet",
    images: { api: "ghcr.io/example/api:1" },
  }).plan;
  const files = renderNativeServices(plan.vms[0]);
  assert.equal(files.length, 1);
  return files[0];
}

test('ExecStart words are double-quoted with systemd\'s escapes: \\\\ for \\, \\" for ", %% for %', () => {
  const unit = nativeUnit({ api: project({ args: ["a\\b", 'say "hi"', "100%", "plain"] }) }).unit;
  const exec = unit.split("\n").find((l) => l.startsWith("ExecStart="));
  assert.equal(
    exec,
    'ExecStart=:/usr/bin/python3 -I -S /etc/aspire-arm/app/bin/exec-env.py "/usr/share/dotnet/dotnet" "/opt/aspire-arm/apps/api/Api.dll" "a\\\\b" "say \\"hi\\"" "100%%" "plain"',
  );
});

test("a secret argument of a native service: ExecStart names its variable, which the env template fills from the fetched secret", () => {
  const files = nativeUnit({
    key: secretParam,
    api: project({ args: ["--key", "{key.value}", "--url={key.value}"], env: { MODE: "x" } }),
  });
  const exec = files.unit.split("\n").find((l) => l.startsWith("ExecStart=")) ?? "";
  assert.ok(exec.endsWith('"--key" "${ASPIRE_P_KEY}" "--url=${ASPIRE_P_KEY}"'), exec);
  assert.equal(
    files.envTemplate,
    "MODE=x\nASPNETCORE_URLS=http://localhost:8080\nASPIRE_P_KEY=${ASPIRE_P_KEY}\n",
  );
  assert.equal(files.envTemplateName, "api.env.in");
  // No secret argument: no such line.
  assert.equal(
    nativeUnit({ api: project({ args: ["--plain"], env: { MODE: "x" } }) }).envTemplate,
    "MODE=x\nASPNETCORE_URLS=http://localhost:8080\n",
  );
  // A percent-encoded secret (a uri-filtered annotated string) has a variable of its own.
  const encoded = nativeUnit({
    key: secretParam,
    "key-uri": { type: "annotated.string", value: "{key.value}", filter: "uri" },
    api: project({ args: ["--dsn=pg://u:{key-uri.value}@db"] }),
  });
  const dsn = encoded.unit.split("\n").find((l) => l.startsWith("ExecStart=")) ?? "";
  assert.ok(dsn.endsWith('"--dsn=pg://u:${ASPIRE_P_KEY__URI}@db"'), dsn);
  assert.equal(
    encoded.envTemplate,
    "ASPNETCORE_URLS=http://localhost:8080\nASPIRE_P_KEY__URI=${ASPIRE_P_KEY__URI}\n",
  );
});

test("a line break that reaches the unit renderer is refused, in an argument or an environment value", () => {
  const plan = buildPlan(manifestOf({ api: project({ args: ["ok"], env: { MODE: "x" } }) }), {
    cloud: "aws",
    stack: "dev",
    runtime: "dotnet",
    images: { api: "ghcr.io/example/api:1" },
  }).plan;
  const vm = plan.vms[0];
  const api = vm.services[0];
  const withService = (s: ServicePlan) => ({ ...vm, services: [s] });
  assert.throws(
    () =>
      renderNativeServices(
        withService({ ...api, args: [{ parts: ["a\nExecStartPre=+/bin/sh"], secret: false }] }),
      ),
    /control character reached an ExecStart word/,
  );
  assert.throws(
    () =>
      renderNativeServices(
        withService({ ...api, env: { MODE: { parts: ["x\r\nLoadCredential=y"], secret: false } } }),
      ),
    /api env\.MODE: a control character reached an environment template/,
  );
  assert.doesNotThrow(
    () =>
      renderNativeServices(
        withService({ ...api, env: { MODE: { parts: ["a\tb"], secret: false } } }),
      ),
    "a tab is not a line break",
  );
  assert.throws(
    () => renderNativeServices(withService({ ...api, assembly: undefined })),
    /api: only \.NET projects run natively/,
  );
});

test("the volume app's compose file and VM settings: one data disk, its volume bound under the data folder", () => {
  const { manifest } = loadManifest(fixture("volume-app.json"));
  const plan = buildPlan(manifest, { cloud: "aws", stack: "dev" }).plan;
  const env =
    cloudConfigOf(plan, "app").write_files.find((f) => f.path === VM_ENV_FILE)?.content ?? "";
  assert.match(env, /^ASPIRE_DATA_DIR='\/var\/lib\/aspire-arm\/data'$/m);
  assert.match(env, /^ASPIRE_NEEDS_DOCKER='1'$/m);
});

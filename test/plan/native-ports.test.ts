// Native .NET projects (runtime dotnet) listen on every port the plan gave their http and https
// bindings, on the addresses their clients use: Kestrel's default (localhost:5000) is what a
// native process gets when nothing says otherwise, and a container's ASPNETCORE_HTTP_PORTS=8080
// comes from the image, which a native process does not run in.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { checkManifest, loadManifest, type Diagnostic } from "../../src/manifest";
import {
  buildPlan,
  HOST_GATEWAY,
  vmAlias,
  type DeploymentPlan,
  type PlanOptions,
  type ServicePlan,
} from "../../src/plan";
import { appFiles, findService, fixture, planFile, shown, starterManifest } from "./plan-support";
import { corpusDir, deployableCorpus, SHARED_MISSING } from "../support/paths";

const NATIVE_PORTS = fixture("native-ports.json");

function planWithWarnings(
  file: string,
  options: Partial<PlanOptions> = {},
): { plan: DeploymentPlan; warnings: readonly Diagnostic[] } {
  const { manifest } = loadManifest(file);
  return buildPlan(manifest, { cloud: "aws", stack: "dev", runtime: "dotnet", ...options });
}

function planResources(resources: Record<string, unknown>, options: Partial<PlanOptions> = {}) {
  const result = checkManifest({
    file: "/apps/t/aspire-manifest.json",
    dir: "/apps/t",
    document: { resources },
  });
  assert.deepEqual(result.errors, []);
  return buildPlan(result.manifest!, { cloud: "aws", stack: "dev", runtime: "dotnet", ...options });
}

const env = (s: ServicePlan, key: string): string | undefined =>
  s.env[key] ? shown(s.env[key]) : undefined;
const httpPorts = (s: ServicePlan) => [
  ...new Set(s.ports.filter((p) => p.protocol === "tcp").map((p) => p.targetPort)),
];

/** Where Kestrel listens, read from the service's env as Kestrel reads it: `urls` first (any
 *  prefix, entries as they are), then the http port lists (every address, entries trimmed).
 *  Port -> "wide" (every address) or "loopback". */
function listening(s: ServicePlan): Map<number, "wide" | "loopback"> {
  const out = new Map<number, "wide" | "loopback">();
  const keys = Object.keys(s.env);
  const urls = keys.filter((k) => /^(ASPNETCORE_|DOTNET_)?URLS$/i.test(k));
  if (urls.length) {
    // The unprefixed key is read last; the test fixtures never disagree among keys.
    for (const u of shown(s.env[urls[urls.length - 1]])
      .split(";")
      .filter(Boolean)) {
      const m = /^http:\/\/([^/]+):(\d+)$/.exec(u);
      assert.ok(m, `${s.name}: ${u} is a plain http URL with a port`);
      out.set(
        Number(m[2]),
        ["localhost", "127.0.0.1", "[::1]"].includes(m[1]) ? "loopback" : "wide",
      );
    }
    return out;
  }
  for (const k of keys.filter((x) => /^(ASPNETCORE_|DOTNET_)?HTTP_PORTS$/i.test(x)))
    for (const p of shown(s.env[k])
      .split(";")
      .map((x) => x.trim())
      .filter(Boolean))
      out.set(Number(p), "wide");
  return out;
}

/**
 * Every native project of the plan listens on each of its planned http(s) ports, on the addresses
 * its callers use, found in the rendered text: the proxy's upstreams (host.docker.internal),
 * containers' env (host.docker.internal), other VMs' env (the VM's private name), native peers'
 * env (localhost).
 */
function assertNativeListening(plan: DeploymentPlan): number {
  let checked = 0;
  for (const vm of plan.vms) {
    const natives = vm.services.filter((s) => s.runAs === "native");
    const byPort = new Map(natives.flatMap((s) => httpPorts(s).map((p) => [p, s] as const)));
    const need = (port: number, how: "wide" | "loopback", why: string) => {
      const s = byPort.get(port);
      if (!s) return;
      const got = listening(s).get(port);
      assert.ok(
        got === "wide" || got === how,
        `${s.name} on VM ${vm.name} must listen ${how} on ${port} (${why}); it listens ${got ?? "not at all"} there`,
      );
    };
    for (const s of natives) {
      const l = listening(s);
      assert.deepEqual(
        [...l.keys()].sort(),
        httpPorts(s).sort(),
        `${s.name}: listens on exactly its planned ports`,
      );
      assert.ok(
        env(s, "ASPNETCORE_URLS") === undefined || !/https:/.test(env(s, "ASPNETCORE_URLS") ?? ""),
        "plain HTTP: TLS ends at the proxy",
      );
      checked++;
    }
    for (const e of vm.publicEndpoints) {
      const m = e.upstream && new RegExp(`^${HOST_GATEWAY}:(\\d+)$`).exec(e.upstream);
      if (m) need(Number(m[1]), "wide", `the proxy's upstream ${e.upstream}`);
    }
    for (const other of plan.vms)
      for (const s of other.services) {
        const text = Object.values(s.env).map(shown).join("\n");
        const host =
          other.name !== vm.name
            ? vmAlias(vm.name, plan.stack)
            : s.runAs === "container"
              ? HOST_GATEWAY
              : "localhost";
        for (const m of text.matchAll(
          new RegExp(`(?<![\\w.-])${host.replace(/\./g, "\\.")}:(\\d+)`, "g"),
        ))
          if (s.name !== byPort.get(Number(m[1]))?.name || host !== "localhost")
            need(
              Number(m[1]),
              host === "localhost" ? "loopback" : "wide",
              `${s.name} on ${other.name} calls ${m[0]}`,
            );
      }
  }
  return checked;
}

test("a project with no HTTP_PORTS (Aspire 8 manifests): ASPNETCORE_URLS of its planned ports, every address for the proxy and containers, loopback for native peers", () => {
  const { plan, warnings } = planWithWarnings(NATIVE_PORTS);
  assert.deepEqual(warnings, []);
  const storefront = findService(plan, "storefront");
  const stock = findService(plan, "stock-api");
  // The proxy reaches the storefront through host.docker.internal: every address.
  assert.equal(env(storefront, "ASPNETCORE_URLS"), "http://*:8080");
  // stock-api: http and https share 8081 (8080 is the storefront's), called by the storefront on
  // localhost; its metrics port is scraped by a container.
  assert.equal(env(stock, "ASPNETCORE_URLS"), "http://localhost:8081;http://*:9464");
  assert.equal(env(storefront, "services__stock-api__http__0"), "http://localhost:8081");
  assert.equal(env(storefront, "services__stock-api__https__0"), "http://localhost:8081");
  assert.equal(env(findService(plan, "scraper"), "TARGET"), `http://${HOST_GATEWAY}:9464`);
  // The rest of the env is the manifest's, untouched.
  assert.equal(env(stock, "Logging__LogLevel__Default"), "Information");
  assert.equal(assertNativeListening(plan), 2);
  // Written into the service's environment file.
  assert.match(
    appFiles(plan, "app").get("env/stock-api.env.in") ?? "",
    /^ASPNETCORE_URLS=http:\/\/localhost:8081;http:\/\/\*:9464$/m,
  );
});

test("a native project called from another VM listens on every address; in a container nothing is added", () => {
  const { plan } = planWithWarnings(NATIVE_PORTS, {
    vms: { web: { resources: ["storefront", "scraper"] }, api: { resources: ["stock-api"] } },
  });
  const stock = findService(plan, "stock-api");
  assert.equal(env(stock, "ASPNETCORE_URLS"), "http://*:8080;http://*:9464");
  assert.equal(
    env(findService(plan, "storefront"), "services__stock-api__http__0"),
    `http://${vmAlias("api", "dev")}:8080`,
  );
  assertNativeListening(plan);

  const docker = planFile(NATIVE_PORTS);
  for (const s of docker.vms[0].services)
    assert.equal(
      s.env.ASPNETCORE_URLS,
      undefined,
      `${s.name} runs in a container: the image sets its port`,
    );
});

test("the starter: its HTTP_PORTS already are the planned ports, so the manifest's setting stays and nothing is added", () => {
  const { plan, warnings } = planWithWarnings(starterManifest);
  assert.deepEqual(warnings, []);
  assert.equal(env(findService(plan, "apiservice"), "HTTP_PORTS"), "8080");
  assert.equal(env(findService(plan, "webfrontend"), "HTTP_PORTS"), "8081");
  for (const name of ["apiservice", "webfrontend"])
    assert.equal(findService(plan, name).env.ASPNETCORE_URLS, undefined);
  assert.equal(assertNativeListening(plan), 2);
});

test("a manifest's port setting that contradicts the plan is replaced by the plan's URLs, with a warning naming the field", () => {
  const project = (env: Record<string, string>, external = false) => ({
    type: "project.v0",
    path: "../Api/Api.csproj",
    env,
    bindings: {
      http: { scheme: "http", protocol: "tcp", transport: "http", external },
      https: { scheme: "https", protocol: "tcp", transport: "http", external },
    },
  });
  // [manifest env, external, the warning's field and message, and the URL keys the plan sets
  // when not ASPNETCORE_URLS (replaced), or the env as planned (kept)]
  const cases: [
    Record<string, string>,
    boolean,
    [string, RegExp, Record<string, string>?] | Record<string, string>,
  ][] = [
    // kept: the planned port on every address, or on loopback where only native peers call
    [{ HTTP_PORTS: "{api.bindings.http.targetPort}" }, true, { HTTP_PORTS: "8080" }],
    [{ ASPNETCORE_HTTP_PORTS: "8080" }, false, { ASPNETCORE_HTTP_PORTS: "8080" }],
    // as ASP.NET Core reads a port list: entries trimmed, empty ones dropped
    [{ HTTP_PORTS: " 8080 ;" }, false, { HTTP_PORTS: " 8080 ;" }],
    [
      { ASPNETCORE_URLS: "http://+:{api.bindings.http.targetPort}" },
      true,
      { ASPNETCORE_URLS: "http://+:8080" },
    ],
    [
      { ASPNETCORE_URLS: "http://localhost:8080" },
      false,
      { ASPNETCORE_URLS: "http://localhost:8080" },
    ],
    // every address: Kestrel binds any address for these, and for any host name but localhost
    ...["0.0.0.0", "[::]", "*", "api.internal", "mylocalhost", "10.0.0.5.nip.io"].map(
      (host): [Record<string, string>, boolean, Record<string, string>] => [
        { ASPNETCORE_URLS: `http://${host}:8080` },
        true,
        { ASPNETCORE_URLS: `http://${host}:8080` },
      ],
    ),
    // loopback, for native peers only; an empty entry is no URL (ASP.NET Core drops it)
    ...["127.0.0.1", "[::1]"].map(
      (host): [Record<string, string>, boolean, Record<string, string>] => [
        { ASPNETCORE_URLS: `http://${host}:8080` },
        false,
        { ASPNETCORE_URLS: `http://${host}:8080` },
      ],
    ),
    [
      { ASPNETCORE_URLS: "http://localhost:8080;" },
      false,
      { ASPNETCORE_URLS: "http://localhost:8080;" },
    ],
    // replaced
    [{ HTTP_PORTS: "5000" }, false, ["env.HTTP_PORTS", /5000 is not the planned ports 8080/]],
    // only digits: no decimals, signs or hex (Number() would read these as 8080)
    ...["8080.0", "+8080", "0x1F90"].map(
      (list): [Record<string, string>, boolean, [string, RegExp]] => [
        { HTTP_PORTS: list },
        false,
        ["env.HTTP_PORTS", /is not the planned ports 8080;/],
      ],
    ),
    [
      { ASPNETCORE_URLS: "http://+:8080;http://+:9999" },
      true,
      ["env.ASPNETCORE_URLS", /is not the planned ports 8080;/],
    ],
    [
      { ASPNETCORE_URLS: "http://localhost:8080" },
      true,
      [
        "env.ASPNETCORE_URLS",
        /listens on localhost only, but clients outside the VM's loopback call port 8080/,
      ],
    ],
    [{ ASPNETCORE_URLS: "https://+:8080" }, true, ["env.ASPNETCORE_URLS", /without a certificate/]],
    [
      { HTTP_PORTS: "8080", HTTPS_PORTS: "8443" },
      true,
      ["env.HTTPS_PORTS", /https on 8443 without a certificate/],
    ],
    [
      { ASPNETCORE_URLS: "http://10.0.0.5:8080" },
      false,
      ["env.ASPNETCORE_URLS", /listens on 10\.0\.0\.5 only/],
    ],
    [
      { ASPNETCORE_URLS: "http://10.20.30.40:8080" },
      false,
      ["env.ASPNETCORE_URLS", /^http:\/\/10\.20\.30\.40:8080 listens on 10\.20\.30\.40 only;/],
    ],
    [
      { ASPNETCORE_URLS: "http://[fd00::5]:8080" },
      false,
      ["env.ASPNETCORE_URLS", /^http:\/\/\[fd00::5\]:8080 listens on \[fd00::5\] only;/],
    ],
    [
      { ASPNETCORE_URLS: "http://+:5000" },
      true,
      ["env.ASPNETCORE_URLS", /^http:\/\/\+:5000 is not the planned ports 8080;/],
    ],
    ...["http://+:8080/api", "xhttp://+:8080", "+:8080", " http://+:8080", "http://+:8080 "].map(
      (url): [Record<string, string>, boolean, [string, RegExp]] => [
        { ASPNETCORE_URLS: url },
        false,
        [
          "env.ASPNETCORE_URLS",
          new RegExp(`^${url.replace(/[+/]/g, "\\$&")} is not a URL with a port;`),
        ],
      ],
    ),
    [{ HTTP_PORTS: "{port.value}" }, false, ["env.HTTP_PORTS", /known only on the VM/]],
    [
      { ASPNETCORE_URLS: "http://+:{port.value}" },
      false,
      ["env.ASPNETCORE_URLS", /^the URLs are known only on the VM \(they hold a parameter\);/],
    ],
    // Every `urls` key the manifest has gets the plan's value; no other is added.
    [
      { URLS: "http://localhost:5000", DOTNET_URLS: "http://localhost:5000" },
      true,
      [
        "env.URLS",
        /5000 is not the planned ports 8080/,
        { URLS: "http://*:8080", DOTNET_URLS: "http://*:8080" },
      ],
    ],
  ];
  for (const [manifestEnv, external, expected] of cases) {
    const label = `${JSON.stringify(manifestEnv)}${external ? " (external)" : ""}`;
    const port = {
      type: "parameter.v0",
      value: "{port.inputs.value}",
      inputs: { value: { type: "string", secret: true } },
    };
    const planned = planResources({
      port,
      api: project(manifestEnv, external),
      web: project({ services__api__http__0: "{api.bindings.http.url}" }),
    });
    const plan = planned.plan;
    const warnings = planned.warnings.filter((w) => w.resource !== "port");
    const api = findService(plan, "api");
    const ports = Object.fromEntries(
      Object.keys(api.env)
        .filter((k) => /URLS|PORTS/.test(k))
        .map((k) => [k, env(api, k)]),
    );
    if (!Array.isArray(expected)) {
      assert.deepEqual(warnings, [], label);
      assert.deepEqual(ports, expected, label);
    } else {
      assert.equal(warnings.length, 1, `${label}: ${JSON.stringify(warnings)}`);
      assert.equal(warnings[0].resource, "api");
      assert.equal(warnings[0].field, expected[0], label);
      assert.match(warnings[0].message, expected[1], label);
      const urls = external ? "http://*:8080" : "http://localhost:8080";
      if (expected[2]) assert.deepEqual(ports, expected[2], label);
      else assert.equal(ports.ASPNETCORE_URLS, urls, label);
      // The manifest's port lists stay (ASPNETCORE_URLS wins over them in Kestrel).
      for (const k of Object.keys(manifestEnv).filter((x) => !/URLS$/.test(x)))
        assert.ok(api.env[k], `${label}: ${k} kept`);
    }
    assertNativeListening(plan);
  }
});

test("two planned ports, one reached from outside the VM and one by native peers only: each URL is checked against its own port", () => {
  const api = (env: Record<string, string>) => ({
    type: "project.v0",
    path: "../Api/Api.csproj",
    env,
    bindings: {
      http: { scheme: "http", protocol: "tcp", transport: "http", external: true },
      internal: { scheme: "http", protocol: "tcp", transport: "http", targetPort: 9090 },
    },
  });
  const planned = (env: Record<string, string>) =>
    planResources({
      api: api(env),
      web: {
        type: "project.v0",
        path: "../Web/Web.csproj",
        env: { API: "{api.bindings.internal.url}" },
      },
    });
  const kept = planned({ ASPNETCORE_URLS: "http://*:8080;http://localhost:9090" });
  assert.deepEqual(kept.warnings, []);
  assert.equal(
    env(findService(kept.plan, "api"), "ASPNETCORE_URLS"),
    "http://*:8080;http://localhost:9090",
  );
  assertNativeListening(kept.plan);
  const replaced = planned({ HTTP_PORTS: "5000" });
  assert.deepEqual(
    replaced.warnings.map((w) => [w.field, w.message.split(";")[0]]),
    [["env.HTTP_PORTS", "5000 is not the planned ports 8080"]],
  );
  assert.match(replaced.warnings[0].message, /5000 is not the planned ports 8080;9090;/);
  // As many ports as planned, but not the planned ones.
  assert.match(
    planned({ HTTP_PORTS: "8080;1234" }).warnings[0]?.message ?? "",
    /^8080;1234 is not the planned ports 8080;9090;/,
  );
  assert.equal(
    env(findService(replaced.plan, "api"), "ASPNETCORE_URLS"),
    "http://*:8080;http://localhost:9090",
  );
});

test("only http and https bindings are Kestrel's: a tcp binding adds no URL, a project with none gets no ASPNETCORE_URLS, an https binding alone gets one", () => {
  const project = (bindings: Record<string, unknown>) =>
    planResources({ api: { type: "project.v0", path: "../Api/Api.csproj", bindings } });
  const tcp = { scheme: "tcp", protocol: "tcp", transport: "tcp", targetPort: 5000 };
  const https = { scheme: "https", protocol: "tcp", transport: "http" };
  const urls = (bindings: Record<string, unknown>) => {
    const { plan, warnings } = project(bindings);
    assert.deepEqual(warnings, []);
    return findService(plan, "api").env.ASPNETCORE_URLS;
  };
  assert.equal(urls({ grpc: tcp }), undefined);
  assert.equal(urls({}), undefined);
  // The plan's value is plain text, never a secret.
  assert.deepEqual(urls({ grpc: tcp, https }), {
    parts: ["http://localhost:8080"],
    secret: false,
  });
});

test("a port shared by an http binding the proxy calls and an https one nobody calls listens on every address", () => {
  const { plan } = planResources({
    api: {
      type: "project.v0",
      path: "../Api/Api.csproj",
      bindings: {
        http: { scheme: "http", protocol: "tcp", transport: "http", external: true },
        https: { scheme: "https", protocol: "tcp", transport: "http" },
      },
    },
  });
  assert.equal(env(findService(plan, "api"), "ASPNETCORE_URLS"), "http://*:8080");
});

test("env names that only contain URLS or HTTP_PORTS are no Kestrel setting: kept as they are", () => {
  const names = ["URLS_ALLOWED", "MY_URLS", "HTTP_PORTS_OPEN", "MY_HTTP_PORTS"];
  const { plan, warnings } = planResources({
    api: {
      type: "project.v0",
      path: "../Api/Api.csproj",
      env: Object.fromEntries(names.map((n) => [n, "x"])),
      bindings: { http: { scheme: "http", protocol: "tcp", transport: "http" } },
    },
  });
  assert.deepEqual(warnings, []);
  const api = findService(plan, "api");
  assert.deepEqual(Object.keys(api.env), [...names, "ASPNETCORE_URLS"]);
  for (const n of names) assert.equal(env(api, n), "x", n);
});

const corpusApp = (name: string) => path.join(corpusDir, name);
const noCorpus = fs.existsSync(corpusDir) ? false : SHARED_MISSING;

test(
  "corpus, Aspire 8 TestShop (no HTTP_PORTS anywhere): every project gets its planned ports, the frontend every address for the proxy",
  { skip: noCorpus },
  () => {
    const file = corpusApp(
      "dotnet__aspire@v8.0.0__playground__TestShop__AppHost__aspire-manifest.json",
    );
    assert.ok(!fs.readFileSync(file, "utf8").includes("HTTP_PORTS"));
    const { plan } = planWithWarnings(file, { parameters: {} });
    const natives = plan.vms.flatMap((v) => v.services.filter((s) => s.runAs === "native"));
    assert.ok(natives.length >= 4);
    for (const s of natives)
      if (httpPorts(s).length)
        assert.ok(env(s, "ASPNETCORE_URLS"), `${s.name} gets ASPNETCORE_URLS`);
    assert.equal(env(findService(plan, "frontend"), "ASPNETCORE_URLS"), "http://*:8082");
    assert.equal(assertNativeListening(plan), natives.length);
  },
);

test(
  "corpus, HealthChecksUI: a literal 8080 in ASPNETCORE_HTTP_PORTS that the plan gave another project is replaced, with a warning",
  { skip: noCorpus },
  () => {
    const { plan, warnings } = planWithWarnings(
      corpusApp(
        "dotnet__aspire-samples@3f64f44__samples__HealthChecksUI__HealthChecksUI.AppHost__aspire-manifest.json",
      ),
    );
    assert.equal(env(findService(plan, "apiservice"), "ASPNETCORE_HTTP_PORTS"), "8080;8081");
    assert.equal(findService(plan, "apiservice").env.ASPNETCORE_URLS, undefined);
    const web = findService(plan, "webfrontend");
    assert.deepEqual(httpPorts(web), [8082, 8083]);
    assert.equal(env(web, "ASPNETCORE_URLS"), "http://*:8082;http://*:8083");
    assert.deepEqual(
      warnings.filter((w) => w.resource === "webfrontend").map((w) => w.field),
      ["env.ASPNETCORE_HTTP_PORTS"],
    );
    assertNativeListening(plan);
  },
);

test(
  "every deployable corpus app with runtime dotnet, on one VM and one VM per service: each native project listens where its callers call",
  { skip: deployableCorpus() ? false : SHARED_MISSING },
  () => {
    let natives = 0;
    for (const file of deployableCorpus() ?? [])
      for (const options of [{}, { vmPerService: true }]) {
        let plan: DeploymentPlan;
        try {
          plan = planWithWarnings(file, options).plan;
        } catch {
          continue; // parameters without values and the like: the plan tests cover those
        }
        natives += assertNativeListening(plan);
      }
    assert.ok(natives > 50, `${natives} native projects checked`);
  },
);

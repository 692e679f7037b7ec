// The Evaluator, on hand-built Manifest objects and a Placement that records what it is asked.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import {
  checkManifest,
  defaultPort,
  defaultTargetPort,
  EvaluationError,
  Evaluator,
  loadManifestFile,
  manifestPlacement,
  PROJECT_DEFAULT_PORT,
  uriEscape,
  valueToText,
  type AnnotatedStringResource,
  type Binding,
  type ComputeResource,
  type ContainerResource,
  type EndpointAddress,
  type Manifest,
  type ParameterResource,
  type ParameterSlot,
  type Placement,
  type ProjectResource,
  type Resource,
  type Value,
  type ValueResource,
} from "../../src/manifest";
import { fixturesDir } from "../support/paths";
import { thrown } from "./check-support";

// ---- builders -------------------------------------------------------------------------------

function binding(name: string, fields: Partial<Binding> = {}): Binding {
  return { name, scheme: "tcp", protocol: "tcp", transport: "tcp", external: false, ...fields };
}

function container(name: string, fields: Partial<ContainerResource> = {}): ContainerResource {
  return {
    kind: "container.v0",
    name,
    image: `docker.io/library/${name}:latest`,
    env: {},
    args: [],
    bindings: {},
    containerFiles: {},
    volumes: [],
    bindMounts: [],
    ...fields,
  };
}

function project(name: string, fields: Partial<ProjectResource> = {}): ProjectResource {
  return {
    kind: "project.v0",
    name,
    path: `../${name}/${name}.csproj`,
    projectPath: `/src/${name}/${name}.csproj`,
    env: {},
    args: [],
    bindings: {},
    containerFiles: {},
    ...fields,
  };
}

function parameter(
  name: string,
  secret: boolean,
  fields: Partial<ParameterResource> = {},
): ParameterResource {
  return {
    kind: "parameter.v0",
    name,
    value: `{${name}.inputs.value}`,
    inputs: { value: { name: "value", secret } },
    ...fields,
  };
}

function value(name: string, connectionString: string): ValueResource {
  return { kind: "value.v0", name, connectionString };
}

function annotated(name: string, text: string, filter?: "uri"): AnnotatedStringResource {
  return { kind: "annotated.string", name, value: text, filter };
}

function manifestOf(...resources: Resource[]): Manifest {
  return {
    file: "/apps/test/aspire-manifest.json",
    dir: "/apps/test",
    resources: new Map(resources.map((r) => [r.name, r])),
  };
}

/** A placement that puts resources on named VMs: same VM -> container name, other VM -> the VM's host name.
 *  It records every question, as "from->target.binding". */
class RecordingPlacement implements Placement {
  readonly addressCalls: string[] = [];
  readonly targetPortCalls: string[] = [];
  constructor(private readonly vmOf: Readonly<Record<string, string>> = {}) {}

  address(from: string, target: ComputeResource, b: Binding): EndpointAddress {
    this.addressCalls.push(`${from}->${target.name}.${b.name}`);
    const sameVm = (this.vmOf[from] ?? "vm0") === (this.vmOf[target.name] ?? "vm0");
    const host = sameVm ? target.name : `${this.vmOf[target.name] ?? "vm0"}.internal`;
    return { scheme: b.scheme, host, port: b.port ?? b.targetPort ?? 80 };
  }

  targetPort(target: ComputeResource, b: Binding): number {
    this.targetPortCalls.push(`${target.name}.${b.name}`);
    return b.targetPort ?? 8080;
  }
}

const site = (resource: string, field: string) => ({ resource, field });

function paramSlot(
  parameter: string,
  secret: boolean,
  filters: readonly "uri"[] = [],
): ParameterSlot {
  return { kind: "parameter", parameter, secret, filters };
}

/** Asserts that `fn` throws an EvaluationError and returns it. */
function evaluationError(fn: () => unknown): EvaluationError {
  const caught = thrown(fn);
  assert.ok(
    caught instanceof EvaluationError,
    `expected an EvaluationError, got ${String(caught)}`,
  );
  return caught;
}

// The eShop shape: catalogdb -> postgres connectionString -> password parameter -> inputs.value.
const postgres = container("postgres", {
  connectionString:
    "Host={postgres.bindings.tcp.host};Port={postgres.bindings.tcp.port};Username={postgres-user.value};Password={postgres-password.value}",
  bindings: { tcp: binding("tcp", { targetPort: 5432 }) },
});
const eshop = manifestOf(
  parameter("postgres-user", false),
  parameter("postgres-password", true),
  postgres,
  value("catalogdb", "{postgres.connectionString};Database=catalogdb"),
  project("api", {
    env: { ConnectionStrings__catalogdb: "{catalogdb.connectionString}" },
    bindings: { http: binding("http", { scheme: "http", transport: "http" }) },
  }),
);

// ---- recursion and memoisation ----------------------------------------------------------------

test("recursion: catalogdb -> postgres.connectionString -> password parameter -> its inputs.value slot", () => {
  const ev = new Evaluator(eshop, new RecordingPlacement());
  const v = ev.evaluate(
    "api",
    "{catalogdb.connectionString}",
    site("api", "env.ConnectionStrings__catalogdb"),
  );
  assert.deepEqual(v, {
    parts: [
      "Host=postgres;Port=5432;Username=",
      paramSlot("postgres-user", false),
      ";Password=",
      paramSlot("postgres-password", true),
      ";Database=catalogdb",
    ],
    secret: true,
  });
});

test("a parameter's value is a slot named after the parameter, secret as its input says", () => {
  const ev = new Evaluator(eshop, new RecordingPlacement());
  assert.deepEqual(ev.evaluate("api", "{postgres-password.value}", site("api", "env.P")), {
    parts: [paramSlot("postgres-password", true)],
    secret: true,
  });
  assert.deepEqual(ev.evaluate("api", "user={postgres-user.inputs.value}", site("api", "env.U")), {
    parts: ["user=", paramSlot("postgres-user", false)],
    secret: false,
  });
});

test("memoisation: a connection string referenced again by the same reader asks the placement nothing new", () => {
  const placement = new RecordingPlacement();
  const ev = new Evaluator(eshop, placement);
  const first = ev.evaluate("api", "{catalogdb.connectionString}", site("api", "env.A"));
  assert.ok(
    placement.addressCalls.includes("api->postgres.tcp"),
    placement.addressCalls.join(", "),
  );
  const callsAfterFirst = placement.addressCalls.length;
  const again = ev.evaluate(
    "api",
    "{catalogdb.connectionString} {catalogdb.connectionString} {postgres.connectionString}",
    site("api", "env.B"),
  );
  assert.equal(
    placement.addressCalls.length,
    callsAfterFirst,
    `no new address() calls expected, got ${placement.addressCalls.slice(callsAfterFirst).join(", ")}`,
  );
  assert.deepEqual(again.parts[0], first.parts[0]);
});

test("memoisation: address() is called once per (from, target, binding) even for repeated binding references", () => {
  const placement = new RecordingPlacement();
  const ev = new Evaluator(eshop, placement);
  ev.evaluate(
    "api",
    "{postgres.bindings.tcp.host}:{postgres.bindings.tcp.port} {postgres.bindings.tcp.url} {postgres.bindings.tcp.host}",
    site("api", "env.A"),
  );
  ev.evaluate("api", "{postgres.connectionString}", site("api", "env.B"));
  assert.deepEqual(placement.addressCalls, ["api->postgres.tcp"]);
});

test("memoisation is per reader: each consumer of a connection string is asked about separately", () => {
  const placement = new RecordingPlacement();
  const m = manifestOf(...eshop.resources.values(), project("worker"));
  const ev = new Evaluator(m, placement);
  ev.evaluate("api", "{postgres.connectionString}", site("api", "env.A"));
  ev.evaluate("worker", "{postgres.connectionString}", site("worker", "env.A"));
  assert.deepEqual(
    [...new Set(placement.addressCalls)],
    ["api->postgres.tcp", "worker->postgres.tcp"],
  );
  const before = placement.addressCalls.length;
  ev.evaluate("api", "{postgres.connectionString}", site("api", "env.B"));
  ev.evaluate("worker", "{postgres.connectionString}", site("worker", "env.B"));
  assert.equal(placement.addressCalls.length, before);
});

test("a conditional value.v0 with an empty connection string is a plain, empty value (13.2+ cond-* resources)", () => {
  const cache = container("cache", {
    connectionString:
      "{cache.bindings.tcp.host}:{cache.bindings.tcp.port}{cond-cache-tls-8c2280ff.connectionString}",
    bindings: { tcp: binding("tcp", { scheme: "redis", targetPort: 6379 }) },
  });
  const ev = new Evaluator(
    manifestOf(cache, value("cond-cache-tls-8c2280ff", "")),
    new RecordingPlacement(),
  );
  assert.deepEqual(
    ev.evaluate("api", "{cond-cache-tls-8c2280ff.connectionString}", site("api", "env.A")),
    { parts: [], secret: false },
  );
  assert.deepEqual(ev.evaluate("api", "{cache.connectionString}", site("api", "env.B")), {
    parts: ["cache:6379"],
    secret: false,
  });
});

// ---- cycles ---------------------------------------------------------------------------------------

test("a cycle throws an EvaluationError that prints the cycle path", () => {
  const m = manifestOf(
    value("a", "Server={b.connectionString}"),
    value("b", "{a.connectionString};Database=b"),
    container("user", { env: { CS: "{a.connectionString}" } }),
  );
  const ev = new Evaluator(m, new RecordingPlacement());
  const e = evaluationError(() =>
    ev.evaluate("user", "{a.connectionString}", site("user", "env.CS")),
  );
  assert.match(
    e.diagnostic.message,
    /reference cycle: a\.connectionString -> b\.connectionString -> a\.connectionString\b/,
  );
  assert.equal(e.diagnostic.resource, "b");
  assert.equal(e.diagnostic.field, "connectionString");
});

test("a self-referencing connection string and a cycle through parameter values are cycles too", () => {
  const self = new Evaluator(
    manifestOf(value("a", "x{a.connectionString}")),
    new RecordingPlacement(),
  );
  assert.match(
    evaluationError(() => self.evaluate("a", "{a.connectionString}", site("a", "connectionString")))
      .message,
    /reference cycle: a\.connectionString -> a\.connectionString\b/,
  );

  const params = new Evaluator(
    manifestOf(
      parameter("p", false, { value: "{q.value}" }),
      parameter("q", false, { value: "{p.value}" }),
    ),
    new RecordingPlacement(),
  );
  assert.match(
    evaluationError(() => params.evaluate("p", "{p.value}", site("p", "value"))).message,
    /reference cycle: p\.value -> q\.value -> p\.value\b/,
  );
});

test("after a cycle error the evaluator still evaluates other references", () => {
  const m = manifestOf(
    value("a", "{b.connectionString}"),
    value("b", "{a.connectionString}"),
    value("ok", "Host=db"),
  );
  const ev = new Evaluator(m, new RecordingPlacement());
  evaluationError(() => ev.evaluate("x", "{a.connectionString}", site("x", "env.A")));
  assert.deepEqual(ev.evaluate("x", "{ok.connectionString}", site("x", "env.B")), {
    parts: ["Host=db"],
    secret: false,
  });
});

// ---- bad references ---------------------------------------------------------------------------------

const bad = manifestOf(
  container("cache", { bindings: { tcp: binding("tcp", { targetPort: 6379 }) } }),
  parameter("sql", false, { connectionString: "{sql.value}" }),
  parameter("pw", true),
  project("api"),
);

const badReferences: { name: string; text: string; why: RegExp }[] = [
  {
    name: "missing binding",
    text: "{cache.bindings.http.url}",
    why: /cache has no binding named http \(it has: tcp\)/,
  },
  {
    name: "missing field",
    text: "{cache.connectionString}",
    why: /cache is a container\.v0 with no connectionString/,
  },
  {
    name: "missing input",
    text: "{pw.inputs.password}",
    why: /parameter pw has no input named password \(it has: value\)/,
  },
  {
    name: "bindings on a parameter",
    text: "{sql.bindings.tcp.host}",
    why: /sql is a parameter\.v0 and has no bindings/,
  },
  {
    name: "unknown binding property",
    text: "{cache.bindings.tcp.address}",
    why: /a binding has no property address/,
  },
  { name: "unknown field path", text: "{cache.image}", why: /unknown field path image/ },
  { name: "Azure global output", text: "{.outputs.AZURE_ENV}", why: /only in Azure deployments/ },
];

for (const { name, text, why } of badReferences) {
  test(`bad reference (${name}) throws an EvaluationError naming resource, field and expression`, () => {
    const ev = new Evaluator(bad, new RecordingPlacement());
    const e = evaluationError(() =>
      ev.evaluate("api", `prefix ${text} suffix`, site("api", "env.DB_HOST")),
    );
    assert.equal(e.diagnostic.resource, "api");
    assert.equal(e.diagnostic.field, "env.DB_HOST");
    assert.ok(
      e.diagnostic.message.includes(`bad reference ${text} in api.env.DB_HOST`),
      e.diagnostic.message,
    );
    assert.match(e.diagnostic.message, why);
    assert.equal(e.message, `api (env.DB_HOST): ${e.diagnostic.message}`);
  });
}

test("a bad reference deep inside a connection string names the resource whose field holds it", () => {
  const m = manifestOf(
    value("db", "{cache.connectionString};Database=x"),
    container("cache"),
    project("api"),
  );
  const ev = new Evaluator(m, new RecordingPlacement());
  const e = evaluationError(() =>
    ev.evaluate("api", "{db.connectionString}", site("api", "env.CS")),
  );
  assert.deepEqual([e.diagnostic.resource, e.diagnostic.field], ["db", "connectionString"]);
  assert.ok(e.diagnostic.message.includes("{cache.connectionString}"));
});

// ---- binding properties and viewpoint -------------------------------------------------------------

test("every binding property", () => {
  const web = container("web", {
    bindings: {
      https: binding("https", {
        scheme: "https",
        transport: "http2",
        port: 8443,
        targetPort: 5001,
        external: true,
      }),
      dns: binding("dns", { scheme: "udp", protocol: "udp", transport: "udp", targetPort: 53 }),
    },
  });
  const ev = new Evaluator(manifestOf(web, project("api")), new RecordingPlacement());
  const text = (expr: string) =>
    valueToText(ev.evaluate("api", expr, site("api", "env.X")), () =>
      assert.fail("no slot expected"),
    );
  const props: [string, string, string][] = [
    ["https", "url", "https://web:8443"],
    ["https", "host", "web"],
    ["https", "port", "8443"],
    ["https", "targetPort", "5001"],
    ["https", "scheme", "https"],
    ["https", "protocol", "tcp"],
    ["https", "transport", "http2"],
    ["https", "external", "true"],
    ["https", "tlsEnabled", "True"],
    ["dns", "url", "udp://web:53"],
    ["dns", "protocol", "udp"],
    ["dns", "transport", "udp"],
    ["dns", "external", "false"],
    ["dns", "tlsEnabled", "False"],
  ];
  for (const [b, prop, expected] of props)
    assert.equal(text(`{web.bindings.${b}.${prop}}`), expected, `{web.bindings.${b}.${prop}}`);
});

test("targetPort is asked of placement.targetPort, the others of placement.address", () => {
  const placement = new RecordingPlacement();
  const m = manifestOf(
    container("cache", { bindings: { tcp: binding("tcp", { targetPort: 6379 }) } }),
  );
  const ev = new Evaluator(m, placement);
  ev.evaluate("cache", "{cache.bindings.tcp.targetPort}", site("cache", "args.1"));
  assert.deepEqual(placement.targetPortCalls, ["cache.tcp"]);
  assert.deepEqual(placement.addressCalls, []);
});

test("viewpoint: the same {cache.bindings.tcp.host} resolves per reader, as the placement says", () => {
  const m = manifestOf(
    container("cache", {
      connectionString: "{cache.bindings.tcp.host}:{cache.bindings.tcp.port}",
      bindings: { tcp: binding("tcp", { targetPort: 6379 }) },
    }),
    project("api"),
    project("worker"),
  );
  const placement = new RecordingPlacement({ cache: "vm-data", api: "vm-data", worker: "vm-web" });
  const ev = new Evaluator(m, placement);
  assert.deepEqual(ev.evaluate("api", "{cache.bindings.tcp.host}", site("api", "env.H")), {
    parts: ["cache"],
    secret: false,
  });
  assert.deepEqual(ev.evaluate("worker", "{cache.bindings.tcp.host}", site("worker", "env.H")), {
    parts: ["vm-data.internal"],
    secret: false,
  });
  // Through a connection string too: memoisation must not leak one reader's view to another.
  assert.deepEqual(ev.evaluate("api", "{cache.connectionString}", site("api", "env.CS")), {
    parts: ["cache:6379"],
    secret: false,
  });
  assert.deepEqual(ev.evaluate("worker", "{cache.connectionString}", site("worker", "env.CS")), {
    parts: ["vm-data.internal:6379"],
    secret: false,
  });
  assert.deepEqual(ev.evaluate("worker", "{cache.bindings.tcp.url}", site("worker", "env.U")), {
    parts: ["tcp://vm-data.internal:6379"],
    secret: false,
  });
});

test("a self-reference asks the placement with from === target (kafka's advertised listeners)", () => {
  const kafka = container("kafka", { bindings: { tcp: binding("tcp", { targetPort: 9092 }) } });
  const placement = new RecordingPlacement({ kafka: "vm-kafka" });
  const ev = new Evaluator(manifestOf(kafka), placement);
  const v = ev.evaluate(
    "kafka",
    "PLAINTEXT://{kafka.bindings.tcp.host}:29092,PLAINTEXT_HOST://{kafka.bindings.tcp.host}:{kafka.bindings.tcp.port}",
    site("kafka", "env.KAFKA_ADVERTISED_LISTENERS"),
  );
  assert.deepEqual(v.parts, ["PLAINTEXT://kafka:29092,PLAINTEXT_HOST://kafka:9092"]);
  assert.ok(placement.addressCalls.length > 0);
  assert.ok(
    placement.addressCalls.every((c) => c === "kafka->kafka.tcp"),
    placement.addressCalls.join(", "),
  );
});

test("resource names in references are case-insensitive", () => {
  const ev = new Evaluator(eshop, new RecordingPlacement());
  assert.deepEqual(
    ev.evaluate("api", "{CatalogDB.connectionString}", site("api", "env.A")),
    ev.evaluate("api", "{catalogdb.connectionString}", site("api", "env.B")),
  );
});

test("literal braces survive evaluation (YARP routes from a fixture)", () => {
  const result = checkManifest(
    loadManifestFile(path.join(fixturesDir, "yarp-literal-braces.json")),
  );
  assert.ok(result.manifest, JSON.stringify(result.errors));
  const ev = new Evaluator(result.manifest, manifestPlacement);
  const text = (t: string) =>
    valueToText(ev.evaluate("gateway", t, site("gateway", "env.X")), () =>
      assert.fail("no slot expected"),
    );
  assert.equal(text("/catalog/{**catch-all}"), "/catalog/{**catch-all}");
  assert.equal(text("{notaresource.x}"), "{notaresource.x}");
  assert.equal(
    text("{catalogservice.bindings.http.url}/{**catch-all}"),
    "http://catalogservice:8080/{**catch-all}",
  );
});

// ---- secrets ------------------------------------------------------------------------------------------

test("secret taint flows through connection strings; values without secret parameters stay plain", () => {
  const m = manifestOf(
    ...eshop.resources.values(),
    value("userdb", "{postgres-user.value};Database=users"),
    value("plain", "Host=db"),
    value("outer", "{catalogdb.connectionString};Pooling=true"),
  );
  const ev = new Evaluator(m, new RecordingPlacement());
  assert.equal(ev.evaluate("api", "{outer.connectionString}", site("api", "env.A")).secret, true);
  assert.equal(
    ev.evaluate("api", "Timeout=5;{catalogdb.connectionString}", site("api", "env.B")).secret,
    true,
  );
  assert.equal(ev.evaluate("api", "{userdb.connectionString}", site("api", "env.C")).secret, false);
  assert.equal(ev.evaluate("api", "{plain.connectionString}", site("api", "env.D")).secret, false);
  assert.equal(
    ev.evaluate("api", "{postgres.bindings.tcp.url}", site("api", "env.E")).secret,
    false,
  );
});

// ---- annotated.string uri filter -----------------------------------------------------------------------

test("uriEscape is Uri.EscapeDataString: %20 for space, !'()* escaped, unreserved kept", () => {
  assert.equal(uriEscape("a b"), "a%20b");
  assert.equal(uriEscape("!'()*"), "%21%27%28%29%2A");
  assert.equal(uriEscape("AZaz09-._~"), "AZaz09-._~");
  assert.equal(uriEscape("p@ss/w:rd?#&=+%"), "p%40ss%2Fw%3Ard%3F%23%26%3D%2B%25");
  assert.equal(uriEscape("ä€"), "%C3%A4%E2%82%AC");
});

test("annotated.string uri filter escapes literal text", () => {
  const ev = new Evaluator(
    manifestOf(
      annotated("lit-uri-encoded", "a b!'()*~", "uri"),
      annotated("raw", "a b!", undefined),
    ),
    new RecordingPlacement(),
  );
  assert.deepEqual(ev.evaluate("x", "{lit-uri-encoded.value}", site("x", "env.A")), {
    parts: ["a%20b%21%27%28%29%2A~"],
    secret: false,
  });
  assert.deepEqual(ev.evaluate("x", "{raw.value}", site("x", "env.B")), {
    parts: ["a b!"],
    secret: false,
  });
});

test("annotated.string uri filter on a parameter: the slot carries the filter, stays secret, and valueToText applies it", () => {
  const m = manifestOf(
    ...eshop.resources.values(),
    annotated("postgres-password-uri-encoded", "{postgres-password.value}", "uri"),
    annotated("mixed-uri-encoded", "user name:{postgres-password.value}", "uri"),
  );
  const ev = new Evaluator(m, new RecordingPlacement());
  const uri = ev.evaluate(
    "api",
    "postgresql://postgres:{postgres-password-uri-encoded.value}@{postgres.bindings.tcp.host}:{postgres.bindings.tcp.port}/catalogdb",
    site("api", "env.CATALOGDB_URI"),
  );
  assert.deepEqual(uri, {
    parts: [
      "postgresql://postgres:",
      paramSlot("postgres-password", true, ["uri"]),
      "@postgres:5432/catalogdb",
    ],
    secret: true,
  });
  assert.equal(
    valueToText(uri, () => "p@ss word!"),
    "postgresql://postgres:p%40ss%20word%21@postgres:5432/catalogdb",
  );

  const mixed = ev.evaluate("api", "{mixed-uri-encoded.value}", site("api", "env.M"));
  assert.deepEqual(mixed, {
    parts: ["user%20name%3A", paramSlot("postgres-password", true, ["uri"])],
    secret: true,
  });
  assert.equal(
    valueToText(mixed, () => "(x)"),
    "user%20name%3A%28x%29",
  );
});

// ---- valueToText ----------------------------------------------------------------------------------------

test("valueToText fills parameter slots in order, applying their filters", () => {
  const v: Value = {
    parts: ["Host=db;Password=", paramSlot("pw", true), ";App=", paramSlot("app", false, ["uri"])],
    secret: true,
  };
  const filled: string[] = [];
  const text = valueToText(v, (slot) => {
    filled.push(slot.parameter);
    return slot.parameter === "pw" ? "s3cret" : "x y";
  });
  assert.equal(text, "Host=db;Password=s3cret;App=x%20y");
  assert.deepEqual(filled, ["pw", "app"]);
});

// ---- manifestPlacement -------------------------------------------------------------------------------------

test("manifestPlacement: projects default to port 8080, http and https alike", () => {
  const api = project("api", {
    bindings: {
      http: binding("http", { scheme: "http", transport: "http" }),
      https: binding("https", { scheme: "https", transport: "http" }),
    },
  });
  const ev = new Evaluator(manifestOf(api), manifestPlacement);
  const text = (t: string) =>
    valueToText(ev.evaluate("api", t, site("api", "env.X")), () => assert.fail("no slot expected"));
  assert.equal(PROJECT_DEFAULT_PORT, 8080);
  assert.equal(text("{api.bindings.http.targetPort}"), "8080");
  assert.equal(text("{api.bindings.http.port}"), "8080");
  assert.equal(text("{api.bindings.https.targetPort}"), "8080");
  assert.equal(text("{api.bindings.http.url}"), "http://api:8080");
  assert.equal(text("{api.bindings.http.host}"), "api");
});

test("manifestPlacement: port is what others use, targetPort what the process listens on", () => {
  const cases: { resource: ComputeResource; b: Binding; port: number; targetPort: number }[] = [
    {
      resource: project("p"),
      b: binding("http", { scheme: "http", port: 12345 }),
      port: 12345,
      targetPort: 8080,
    },
    {
      resource: container("c"),
      b: binding("tcp", { port: 9999, targetPort: 6379 }),
      port: 9999,
      targetPort: 6379,
    },
    {
      resource: container("c"),
      b: binding("tcp", { targetPort: 6379 }),
      port: 6379,
      targetPort: 6379,
    },
    {
      resource: container("c"),
      b: binding("http", { scheme: "http", port: 5000 }),
      port: 5000,
      targetPort: 5000,
    },
    { resource: container("c"), b: binding("http", { scheme: "http" }), port: 80, targetPort: 80 },
    {
      resource: container("c"),
      b: binding("https", { scheme: "https" }),
      port: 443,
      targetPort: 443,
    },
  ];
  for (const { resource, b, port, targetPort } of cases) {
    const what = `${resource.kind} ${JSON.stringify(b)}`;
    assert.equal(defaultPort(resource, b), port, what);
    assert.equal(defaultTargetPort(resource, b), targetPort, what);
    assert.deepEqual(
      manifestPlacement.address("someone", resource, b),
      { scheme: b.scheme, host: resource.name, port },
      what,
    );
    assert.equal(manifestPlacement.targetPort(resource, b), targetPort, what);
  }
});

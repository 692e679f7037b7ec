// Plans of apps at the edges: no service at all, container files from another image, the
// dashboard's proxy on a VM with no web service, image overrides, assembly names, which secrets a
// VM fetches and which services it waits for. Asserted on the plan and its warnings.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPlan, type PlanOptions } from "../../src/plan";
import {
  composeOf,
  composeService,
  findService,
  manifestOf,
  planErrorsOf,
  tcp,
  vmOf,
} from "./plan-support";

const planOf = (resources: Record<string, unknown>, options: Partial<PlanOptions> = {}) =>
  buildPlan(manifestOf(resources), { cloud: "aws", stack: "dev", ...options });
const img = "docker.io/library/redis:7.4";
const secret = (name: string) => ({
  type: "parameter.v0",
  value: `{${name}.inputs.value}`,
  inputs: { value: { type: "string", secret: true } },
});

test("a manifest that runs no service: one VM with nothing on it, and a warning saying so", () => {
  const { plan, warnings } = planOf(
    {
      p: { type: "parameter.v0", value: "{p.inputs.value}", inputs: { value: { type: "string" } } },
    },
    { parameters: { p: "x" } },
  );
  assert.deepEqual(
    plan.vms.map((v) => [v.name, v.services.length, v.proxy, v.dataDiskGb]),
    [["app", 0, false, 0]],
  );
  assert.deepEqual(
    warnings.filter((w) => w.field === "resources"),
    [
      {
        resource: null,
        field: "resources",
        message:
          "the manifest runs no service (no project, container or Dockerfile build): its VM runs nothing of the app.",
      },
    ],
  );
  assert.deepEqual(
    planOf({ c: { type: "container.v0", image: img } }).warnings.filter(
      (w) => w.field === "resources",
    ),
    [],
  );
});

test("files another image would copy in (containerFiles) are named in a warning: aspire-arm builds each image on its own", () => {
  const { warnings } = planOf({
    front: {
      type: "container.v1",
      build: { context: "../front", dockerfile: "../front/Dockerfile", buildOnly: true },
    },
    web: {
      type: "container.v0",
      image: img,
      containerFiles: { front: { destination: "/app/wwwroot", sources: ["/dist"] } },
    },
  });
  assert.deepEqual(
    warnings.filter((w) => w.resource === "web"),
    [
      {
        resource: "web",
        field: "containerFiles.front",
        message:
          "files from front's image are not copied into web's image: build them into web yourself (for example a multi-stage Dockerfile), or set aspire:images.web to an image that has them.",
      },
    ],
  );
});

test("the dashboard brings the proxy to the first VM even with no web service: host ports 80 and 443 are kept for it", () => {
  const resources = {
    cache: { type: "container.v0", image: img, bindings: { tcp: tcp(80) } },
    worker: { type: "container.v0", image: img, env: { C: "{cache.bindings.tcp.url}" } },
  };
  const vms = { data: { resources: ["cache"] }, app: { resources: ["worker"] } };
  const without = planOf(resources, { vms }).plan;
  assert.equal(vmOf(without, "data").proxy, false);
  assert.equal(findService(without, "cache").ports[0].hostPort, 80);
  const { plan } = planOf(resources, { vms, dashboard: true });
  const data = vmOf(plan, "data");
  assert.equal(data.proxy, true);
  assert.equal(findService(plan, "cache").ports[0].hostPort, 81, "80 is the proxy's");
  assert.deepEqual(
    data.publicEndpoints.map((e) => [e.service, e.port, e.upstream]),
    [["aspire-dashboard", 18888, "aspire-dashboard:18888"]],
  );
  assert.equal(vmOf(plan, "app").proxy, false);
  assert.deepEqual(composeService(composeOf(plan, "data"), "caddy").ports, ["18888:18888"]);
});

test("an image override replaces a container's image and names the pushed image of a project; the assembly keeps the project file's name", () => {
  const { plan } = planOf(
    {
      c: { type: "container.v0", image: img },
      api: {
        type: "project.v0",
        path: "..\\src\\My.Api\\My.Api.csproj",
        bindings: { http: { scheme: "http" } },
      },
    },
    { images: { c: "ghcr.io/example/redis:8", api: "ghcr.io/example/api:2" } },
  );
  assert.deepEqual(findService(plan, "c").image, {
    kind: "pull",
    image: "ghcr.io/example/redis:8",
  });
  assert.deepEqual(findService(plan, "api").image, {
    kind: "pull",
    image: "ghcr.io/example/api:2",
  });
  assert.equal(findService(plan, "api").assembly, "My.Api");
  assert.equal(findService(plan, "c").assembly, undefined);
  const built = planOf({ api: { type: "project.v0", path: "../Api/Api.csproj" } }).plan;
  assert.deepEqual(findService(built, "api").image, {
    kind: "project",
    projectPath: "/apps/t/Api/Api.csproj",
    repository: "api",
  });
});

test("each VM fetches the stored secrets its own services use, and no other", () => {
  const { plan } = planOf(
    {
      "db-password": secret("db-password"),
      "api-key": secret("api-key"),
      unused: secret("unused"),
      db: {
        type: "container.v0",
        image: img,
        env: { PW: "{db-password.value}" },
        bindings: { tcp: tcp(5432) },
      },
      api: {
        type: "container.v0",
        image: img,
        args: ["--key", "{api-key.value}"],
        env: { DB: "{db.bindings.tcp.host}" },
      },
    },
    { vms: { data: { resources: ["db"] }, app: { resources: ["api"] } } },
  );
  assert.deepEqual(
    plan.vms.map((v) => [v.name, v.secrets]),
    [
      ["data", ["db-password"]],
      ["app", ["api-key"]],
    ],
  );
});

test("a container waits for the containers it references on its own VM, by their container names, never for other VMs' services", () => {
  const { plan } = planOf(
    {
      "My-Cache": { type: "container.v0", image: img, bindings: { tcp: tcp(6379) } },
      db: { type: "container.v0", image: img, bindings: { tcp: tcp(5432) } },
      api: {
        type: "container.v0",
        image: img,
        env: {
          A: "{My-Cache.bindings.tcp.url}",
          B: "{db.bindings.tcp.url}",
          C: "{My-Cache.bindings.tcp.port}",
        },
      },
    },
    { vms: { app: { resources: ["My-Cache", "api"] }, data: { resources: ["db"] } } },
  );
  assert.deepEqual(findService(plan, "api").dependsOn, ["my-cache"]);
  assert.deepEqual(composeService(composeOf(plan, "app"), "api").depends_on, ["my-cache"]);
  assert.deepEqual(vmOf(plan, "app").peers, ["data"]);
});

test("a service that names its own endpoint (Kafka's advertised listeners) does not wait for itself", () => {
  const { plan } = planOf({
    kafka: {
      type: "container.v0",
      image: img,
      env: { ADVERTISED: "PLAINTEXT://{kafka.bindings.tcp.host}:{kafka.bindings.tcp.port}" },
      bindings: { tcp: tcp(9092) },
    },
  });
  assert.deepEqual(findService(plan, "kafka").dependsOn, []);
  assert.equal(composeService(composeOf(plan, "app"), "kafka").depends_on, undefined);
});

test("an external tcp endpoint is public on its host port; an http one goes through the proxy, not published", () => {
  const { plan } = planOf({
    mq: {
      type: "container.v0",
      image: img,
      bindings: {
        amqp: tcp(5672, { external: true }),
        web: {
          scheme: "http",
          protocol: "tcp",
          transport: "http",
          targetPort: 15672,
          external: true,
        },
      },
    },
  });
  const mq = findService(plan, "mq");
  assert.deepEqual(
    mq.ports.map((p) => [p.binding, p.hostPort, p.exposure]),
    [
      ["amqp", 5672, "public"],
      ["web", undefined, "none"],
    ],
  );
  assert.deepEqual(
    plan.vms[0].publicEndpoints.map((e) => [e.service, e.binding, e.scheme, e.port, e.upstream]),
    [
      ["mq", "web", "http", 80, "mq:15672"],
      ["mq", "amqp", "tcp", 5672, undefined],
    ],
  );
  assert.deepEqual(composeService(composeOf(plan, "app"), "mq").ports, ["5672:5672"]);
});

test("a native project's arg or env value with a line break or another control character is refused, naming the field; a tab in env, or a container, is fine", () => {
  const api = (args: string[], env: Record<string, string>) => ({
    api: { type: "project.v0", path: "../Api/Api.csproj", args, env },
  });
  const fix =
    "run api in a container (aspire:runtime docker, or a VM group with runtime docker) or remove the control characters.";
  assert.deepEqual(
    planErrorsOf(() =>
      planOf(api(["--ok", "--x\nExecStartPre=+/bin/sh"], { A: "1\r2", B: "a\tb" }), {
        runtime: "dotnet",
      }),
    ),
    [
      {
        resource: "api",
        field: "args.1",
        message: `the argument has a line break or another control character, which a systemd unit line cannot hold: ${fix}`,
      },
      {
        resource: "api",
        field: "env.A",
        message: `the value has a line break or another control character, which a line of the service's environment template cannot hold: ${fix}`,
      },
    ],
  );
  const { plan } = planOf(api(["--x\nsecond line"], { A: "1\r2" }));
  assert.equal(findService(plan, "api").runAs, "container");
});

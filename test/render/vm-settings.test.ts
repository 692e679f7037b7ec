// What each VM is told about itself (vm.env), how its user data travels (gzip or plain, against
// the cloud's limit), the proxy's upstreams (h2c for HTTP/2), image references before and after a
// push, and the app config files that list secrets, volumes and native apps.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as zlib from "node:zlib";
import { buildPlan, type DeploymentPlan, type PlanOptions } from "../../src/plan";
import {
  imageReference,
  renderCaddyfile,
  renderVm,
  renderVmEnv,
  userDataProblem,
  USER_DATA_LIMIT,
  type RenderContext,
} from "../../src/render";
import { interpolated } from "../../src/render/interpolate";
import { volumeDirName } from "../../src/render/volumes";
import { findService, manifestOf, vmOf } from "../plan/plan-support";

const planOf = (
  resources: Record<string, unknown>,
  options: Partial<PlanOptions> = {},
): DeploymentPlan =>
  buildPlan(manifestOf(resources), { cloud: "aws", stack: "dev", ...options }).plan;
const img = "docker.io/library/redis:7.4";
const env = (plan: DeploymentPlan, vm: string, ctx: RenderContext) =>
  Object.fromEntries(
    renderVmEnv(plan, vmOf(plan, vm), ctx)
      .trimEnd()
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );

test("vm.env: the secret source's own settings only, the release source's, the data disk only with named volumes, the stack's registry on every VM (logged in to only when the release names an image there: apply.sh's tests)", () => {
  const plan = planOf(
    {
      db: { type: "container.v0", image: img, volumes: [{ name: "pgdata", target: "/d" }] },
      api: { type: "project.v0", path: "../Api/Api.csproj" },
    },
    { vms: { data: { resources: ["db"] }, app: { resources: ["api"] } } },
  );
  const ctx: RenderContext = {
    secretSource: { kind: "aws-ssm", region: "eu-west-1" },
    dataDisks: { data: "/dev/nvme1n1", app: "/dev/other" },
    registry: "123.dkr.ecr.eu-west-1.amazonaws.com",
    dotnetChannel: "9.0",
  };
  assert.deepEqual(env(plan, "data", ctx), {
    ASPIRE_VM: "'data'",
    ASPIRE_STACK: "'dev'",
    ASPIRE_RUNTIME: "'docker'",
    ASPIRE_NEEDS_DOCKER: "'1'",
    ASPIRE_DOTNET_CHANNEL: "'9.0'",
    ASPIRE_SECRET_SOURCE: "'aws-ssm'",
    ASPIRE_SECRET_PREFIX: "'/aspire-arm/dev/'",
    ASPIRE_AWS_REGION: "'eu-west-1'",
    ASPIRE_GCP_PROJECT: "''",
    ASPIRE_SECRET_FILE: "''",
    ASPIRE_RELEASE_SOURCE: "'aws-s3'",
    ASPIRE_RELEASE_FILE: "''",
    ASPIRE_DATA_DISK: "'/dev/nvme1n1'",
    ASPIRE_DATA_DIR: "'/var/lib/aspire-arm/data'",
    // The data VM only pulls a published image: the registry is named all the same, so that a
    // service built later changes its release, not its user data.
    ASPIRE_REGISTRY: "'123.dkr.ecr.eu-west-1.amazonaws.com'",
  });
  const app = env(plan, "app", ctx);
  assert.equal(app.ASPIRE_DATA_DISK, "''", "no named volume: no data disk");
  assert.equal(app.ASPIRE_REGISTRY, "'123.dkr.ecr.eu-west-1.amazonaws.com'");
  assert.equal(
    env(plan, "app", { ...ctx, registry: undefined }).ASPIRE_REGISTRY,
    "''",
    "no registry known: none named",
  );
  const released = env(plan, "app", {
    ...ctx,
    releaseSource: { kind: "file", path: "/var/tmp/release.json.gz" },
  });
  assert.deepEqual(
    [released.ASPIRE_RELEASE_SOURCE, released.ASPIRE_RELEASE_FILE],
    ["'file'", "'/var/tmp/release.json.gz'"],
  );
  const gcpPlan = planOf({ c: { type: "container.v0", image: img } }, { cloud: "gcp" });
  assert.deepEqual(
    [
      env(gcpPlan, "app", { secretSource: { kind: "gcp-secret-manager" } }).ASPIRE_RELEASE_SOURCE,
      env(gcpPlan, "app", { secretSource: { kind: "gcp-secret-manager" } }).ASPIRE_RELEASE_FILE,
    ],
    ["'gce-metadata'", "''"],
  );
  const gcp = env(plan, "app", { secretSource: { kind: "gcp-secret-manager", project: "demo" } });
  assert.deepEqual(
    [
      gcp.ASPIRE_SECRET_SOURCE,
      gcp.ASPIRE_AWS_REGION,
      gcp.ASPIRE_GCP_PROJECT,
      gcp.ASPIRE_DOTNET_CHANNEL,
      gcp.ASPIRE_REGISTRY,
    ],
    ["'gcp-secret-manager'", "''", "'demo'", "'10.0'", "''"],
  );
  assert.equal(
    env(plan, "app", { secretSource: { kind: "gcp-secret-manager" } }).ASPIRE_GCP_PROJECT,
    "''",
  );
  const file = env(plan, "app", { secretSource: { kind: "file", path: "/run/secrets.json" } });
  assert.deepEqual(
    [file.ASPIRE_SECRET_SOURCE, file.ASPIRE_SECRET_FILE, file.ASPIRE_AWS_REGION],
    ["'file'", "'/run/secrets.json'", "''"],
  );
});

test("vm.env: the registry when any of the VM's services is built, beside pulled ones; no data disk known, none named", () => {
  const plan = planOf({
    db: { type: "container.v0", image: img, volumes: [{ name: "pgdata", target: "/d" }] },
    api: { type: "project.v0", path: "../Api/Api.csproj" },
  });
  const vm = env(plan, "app", {
    secretSource: { kind: "aws-ssm", region: "eu-west-1" },
    registry: "123.dkr.ecr.eu-west-1.amazonaws.com",
  });
  assert.equal(vm.ASPIRE_REGISTRY, "'123.dkr.ecr.eu-west-1.amazonaws.com'");
  assert.equal(vm.ASPIRE_DATA_DISK, "''");
});

test("vm.env quotes every value as one shell word, quotes included", () => {
  const plan = planOf({ c: { type: "container.v0", image: img } }, { stack: "it's" });
  assert.match(
    renderVmEnv(plan, plan.vms[0], { secretSource: { kind: "file", path: "/a b/'q'" } }),
    /^ASPIRE_SECRET_FILE='\/a b\/'"'"'q'"'"''$/m,
  );
});

test("vm.env: Docker is needed by containers, the proxy, native apps and the dashboard; a VM of native services with nothing else still needs it", () => {
  const native = planOf(
    { api: { type: "project.v0", path: "../Api/Api.csproj" } },
    { runtime: "dotnet" },
  );
  assert.equal(
    env(native, "app", { secretSource: { kind: "aws-ssm", region: "x" } }).ASPIRE_NEEDS_DOCKER,
    "'1'",
  );
  const empty = planOf({ v: { type: "value.v0", value: "x" } }, { runtime: "dotnet" });
  assert.equal(
    env(empty, "app", { secretSource: { kind: "aws-ssm", region: "x" } }).ASPIRE_NEEDS_DOCKER,
    "'0'",
  );
  // The docker runtime has Docker whatever runs; a dotnet VM needs it for its containers.
  const dockerEmpty = planOf({ v: { type: "value.v0", value: "x" } });
  assert.equal(
    env(dockerEmpty, "app", { secretSource: { kind: "aws-ssm", region: "x" } }).ASPIRE_NEEDS_DOCKER,
    "'1'",
  );
  const containerOnDotnet = planOf(
    { c: { type: "container.v0", image: img } },
    { runtime: "dotnet" },
  );
  assert.equal(
    env(containerOnDotnet, "app", { secretSource: { kind: "aws-ssm", region: "x" } })
      .ASPIRE_NEEDS_DOCKER,
    "'1'",
  );
  const dashboard = planOf(
    { v: { type: "value.v0", value: "x" } },
    { runtime: "dotnet", dashboard: true },
  );
  assert.equal(
    env(dashboard, "app", { secretSource: { kind: "aws-ssm", region: "x" } }).ASPIRE_NEEDS_DOCKER,
    "'1'",
  );
});

test("user data: gzip on AWS, plain text on GCP, the same for a small app and a large one (the release grows, not the user data); a VM over its limit is named with its size", () => {
  const resources = { c: { type: "container.v0", image: img } };
  const aws = planOf(resources);
  const r = renderVm(aws, aws.vms[0], { secretSource: { kind: "aws-ssm", region: "x" } });
  assert.equal(r.userDataEncoding, "gzip");
  assert.equal(zlib.gunzipSync(r.userData).toString("utf8"), r.cloudConfig);
  assert.equal(userDataProblem(aws, r), undefined);
  const gcp = planOf(resources, { cloud: "gcp" });
  const g = renderVm(gcp, gcp.vms[0], { secretSource: { kind: "gcp-secret-manager" } });
  assert.equal(g.userDataEncoding, "plain");
  assert.equal(g.userData.toString("utf8"), g.cloudConfig);
  assert.deepEqual(USER_DATA_LIMIT, { aws: 16384, gcp: 262144 });
  const big = { ...r, userData: Buffer.alloc(USER_DATA_LIMIT.aws + 1) };
  assert.deepEqual(userDataProblem(aws, big), {
    resource: null,
    field: "vms.app",
    message:
      "the user data of VM app is 16385 bytes gzipped and the AWS limit is 16384: it holds aspire-arm's bootstrap only, never the app, so no change to the app makes it smaller: report it as a bug of aspire-arm.",
  });
  assert.equal(
    userDataProblem(aws, { ...r, userData: Buffer.alloc(USER_DATA_LIMIT.aws) }),
    undefined,
    "exactly the limit fits",
  );
  // An app whose environment alone is over GCP's limit: the same user data as the small app's
  // (on GCP a release that large is vmRelease's problem, components/arm-app.ts).
  const large = planOf(
    {
      c: {
        type: "container.v0",
        image: img,
        env: Object.fromEntries(
          Array.from({ length: 300 }, (_, i) => [`V${i}`, `${i}-`.repeat(500)]),
        ),
      },
    },
    { cloud: "gcp" },
  );
  const l = renderVm(large, large.vms[0], { secretSource: { kind: "gcp-secret-manager" } });
  assert.ok(Buffer.byteLength(l.release.json) > USER_DATA_LIMIT.gcp, "the release holds the app");
  assert.ok(Buffer.byteLength(g.release.json) < Buffer.byteLength(l.release.json));
  assert.equal(l.cloudConfig, g.cloudConfig);
  assert.equal(l.userDataEncoding, "plain");
  assert.equal(userDataProblem(large, l), undefined);
});

test("the proxy reaches HTTP/2 services over h2c, others as they are; each site once", () => {
  const plan = planOf({
    grpc: {
      type: "container.v0",
      image: img,
      bindings: {
        h: {
          scheme: "http",
          protocol: "tcp",
          transport: "http2",
          targetPort: 5000,
          external: true,
        },
        s: {
          scheme: "https",
          protocol: "tcp",
          transport: "http2",
          targetPort: 5000,
          external: true,
        },
      },
    },
    web: {
      type: "container.v0",
      image: img,
      bindings: {
        h: { scheme: "http", protocol: "tcp", transport: "http", targetPort: 80, external: true },
      },
    },
  });
  assert.equal(
    renderCaddyfile(plan, plan.vms[0]),
    "# Reverse proxy of VM app, written by aspire-arm.\n{\n\tauto_https off\n}\n\n:80 {\n\treverse_proxy h2c://grpc:5000 {\n\t\tlb_try_duration 10s\n\t}\n}\n\n:8001 {\n\treverse_proxy web:80 {\n\t\tlb_try_duration 10s\n\t}\n}\n",
  );
  const none = planOf({ c: { type: "container.v0", image: img } });
  assert.equal(renderCaddyfile(none, none.vms[0]), undefined);
});

test("with a domain, a site is its host name, proxied to its first web binding; a public tcp endpoint is no site", () => {
  const external = (scheme: string, targetPort: number) => ({
    scheme,
    protocol: "tcp",
    transport: scheme === "tcp" ? "tcp" : "http",
    targetPort,
    external: true,
  });
  const plan = planOf(
    {
      web: {
        type: "container.v0",
        image: img,
        bindings: {
          h: external("http", 8080),
          s: external("https", 8443),
          t: external("tcp", 9000),
        },
      },
    },
    { domain: "shop.example.com" },
  );
  assert.deepEqual(
    plan.vms[0].publicEndpoints.map((e) => [e.binding, e.port, e.upstream]),
    [
      ["h", 80, "web:8080"],
      ["s", 443, "web:8443"],
      ["t", 9000, undefined],
    ],
  );
  assert.equal(
    renderCaddyfile(plan, plan.vms[0]),
    "# Reverse proxy of VM app, written by aspire-arm.\nshop.example.com {\n\treverse_proxy web:8080 {\n\t\tlb_try_duration 10s\n\t}\n}\n",
  );
});

test("images: pulled as named, built ones from the registry once pushed, a placeholder before", () => {
  const plan = planOf(
    {
      c: { type: "container.v0", image: img },
      api: { type: "project.v0", path: "../Api/Api.csproj" },
    },
    { stack: "prod" },
  );
  const ctx = (builtImages?: Record<string, string>): RenderContext => ({
    secretSource: { kind: "aws-ssm", region: "x" },
    builtImages,
  });
  assert.equal(imageReference(plan, findService(plan, "c"), ctx()), img);
  assert.equal(
    imageReference(plan, findService(plan, "api"), ctx()),
    "registry.invalid/aspire-arm/prod/api:latest",
  );
  assert.equal(
    imageReference(plan, findService(plan, "api"), ctx({ api: "1.dkr.ecr/x/api@sha256:ab" })),
    "1.dkr.ecr/x/api@sha256:ab",
  );
  assert.equal(
    imageReference(plan, findService(plan, "api"), ctx({ other: "x" })),
    "registry.invalid/aspire-arm/prod/api:latest",
  );
});

test("app config lists: secrets with their store names and variables, volumes by folder name, native apps with their images", () => {
  const plan = planOf(
    {
      "db-password": {
        type: "parameter.v0",
        value: "{db-password.inputs.value}",
        inputs: { value: { type: "string", secret: true } },
      },
      db: {
        type: "container.v0",
        image: img,
        env: { PW: "{db-password.value}" },
        volumes: [
          { name: "app.db-data", target: "/d" },
          { name: "x2", target: "/e" },
        ],
      },
      api: { type: "project.v0", path: "../Api/Api.csproj" },
    },
    { runtime: "dotnet" },
  );
  const files = new Map(
    renderVm(plan, plan.vms[0], {
      secretSource: { kind: "aws-ssm", region: "x" },
      builtImages: { api: "reg/api:1" },
    }).appConfig.map((f) => [f.path, f]),
  );
  assert.equal(
    files.get("secrets.list")?.content,
    "# store-name variable: fetched by fetch-secrets.py at boot and on every apply\ndb-password ASPIRE_P_DB_PASSWORD\n",
  );
  assert.equal(files.get("volumes.list")?.content, "app.db-data\nx2\n");
  assert.equal(files.get("native.list")?.content, "api reg/api:1\n");
  for (const f of files.values()) assert.equal(f.permissions, "0644", f.path);
  assert.equal(volumeDirName("a/b c$d.e_f-g"), "a_b_c_d.e_f-g");
});

test("interpolated values: literal $ doubled, a secret as its variable, a uri-filtered one as its own variable", () => {
  const slot = (filters: "uri"[]) => ({
    kind: "parameter" as const,
    parameter: "db-pw",
    secret: true,
    filters,
  });
  assert.equal(
    interpolated({ parts: ["a$b$$", slot([]), "-", slot(["uri"])], secret: true }),
    "a$$b$$$$${ASPIRE_P_DB_PW}-${ASPIRE_P_DB_PW__URI}",
  );
  assert.throws(
    () => interpolated({ parts: [slot(["uri", "uri"])], secret: true }),
    /parameter db-pw is filtered twice; only one uri filter is supported/,
  );
  assert.throws(
    () => interpolated({ parts: [{ kind: "other" } as never], secret: false }),
    /unexpected other slot in a plan value/,
  );
});

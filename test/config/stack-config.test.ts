// readStackConfig, a line per rule: each wrong value names its key and shows the key's documented
// example (src/config/keys.ts), and every documented example is itself valid config, as Kamal
// validates a deploy.yml against its documented example config. Configs are written as a stack
// file holds them (YAML values, `{secure: ...}` for a secret); the last tests read the runtime's
// JSON text as well. Rules the plan applies later (Arm instance types, disk sizes, VM names,
// al2023 on GCP) are tested in test/plan/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { exampleConfig, STACK_KEYS } from "../../src/config/keys";
import { readStackConfig, type RawConfig } from "../../src/config/stack-config";
import { asRuntimeConfig } from "../../src/config/stack-file";

const aws = (raw: RawConfig = {}): RawConfig => ({ "aws:region": "us-east-1", ...raw });
const gcp = (raw: RawConfig = {}): RawConfig => ({
  "aspire:cloud": "gcp",
  "gcp:project": "my-project-id",
  "gcp:zone": "us-central1-a",
  ...raw,
});

/** The fields the assertions below name, to check at the end that every key of the table has a line. */
const named = new Set<string>();

/** `expected` as "field: message", with `…` for any text: the config has that error, and no other. */
function assertError(expected: string, raw: RawConfig): void {
  const { errors } = readStackConfig(raw);
  const got = errors.map((e) => `${e.field}: ${e.message}`);
  assert.equal(
    got.length,
    1,
    `one error expected (${expected}), got:\n${got.join("\n") || "none"}`,
  );
  assert.match(got[0], pattern(expected));
  named.add(errors[0].field!);
}

/** The config has no error, and that one warning. */
function assertWarning(expected: string, raw: RawConfig): void {
  const { errors, warnings } = readStackConfig(raw);
  assert.deepEqual(errors, []);
  const got = warnings.map((w) => `${w.field}: ${w.message}`);
  assert.equal(
    got.length,
    1,
    `one warning expected (${expected}), got:\n${got.join("\n") || "none"}`,
  );
  assert.match(got[0], pattern(expected));
}

/** The config has no error and no warning: what it reads as. */
function assertOk(raw: RawConfig) {
  const { config, errors, warnings } = readStackConfig(raw);
  assert.deepEqual([...errors, ...warnings], [], JSON.stringify(raw));
  return config;
}

function pattern(expected: string): RegExp {
  return new RegExp(
    `^${expected
      .split("…")
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
    "s",
  );
}

test("aspire:cloud: aws by default, or gcp", () => {
  assert.equal(assertOk(aws()).cloud, "aws");
  assert.equal(assertOk(gcp()).cloud, "gcp");
  assertError(
    'aspire:cloud: must be aws or gcp, not "azure". Example: pulumi config set aspire:cloud aws',
    aws({ "aspire:cloud": "azure" }),
  );
});

test("aspire:manifest: a path, the starter app by default", () => {
  assert.equal(assertOk(aws()).manifest, "manifests/aspire-starter/aspire-manifest.json");
  assert.equal(
    assertOk(aws({ "aspire:manifest": "" })).manifest,
    "manifests/aspire-starter/aspire-manifest.json",
  );
  assert.equal(
    assertOk(aws({ "aspire:manifest": "app/aspire-manifest.json" })).manifest,
    "app/aspire-manifest.json",
  );
  assertError(
    "aspire:manifest: must be a string. Example: pulumi config set aspire:manifest path/to/aspire-manifest.json",
    aws({ "aspire:manifest": 42 }),
  );
});

test("aws:region, gcp:zone, gcp:project: set, and names of the cloud's form", () => {
  assertError("aws:region: is not set. Example: pulumi config set aws:region us-east-1", {});
  assertError(
    'aws:region: "Ireland" is not an AWS region name. Example: pulumi config set aws:region us-east-1',
    { "aws:region": "Ireland" },
  );
  assert.equal(assertOk({ "aws:region": "us-gov-west-1" }).region, "us-gov-west-1");
  assertError(
    "gcp:zone: is not set. Example: pulumi config set gcp:zone us-central1-a",
    gcp({ "gcp:zone": undefined }),
  );
  assertError(
    'gcp:zone: "us-central1" is not a zone name (region-zone, such as us-central1-a). Example: pulumi config set gcp:zone us-central1-a',
    gcp({ "gcp:zone": "us-central1" }),
  );
  assertError(
    "gcp:project: is not set. Example: pulumi config set gcp:project my-project-id",
    gcp({ "gcp:project": "" }),
  );
  assert.deepEqual(
    [assertOk(gcp()).zone, assertOk(gcp()).project, assertOk(gcp()).region],
    ["us-central1-a", "my-project-id", undefined],
  );
});

test("aspire:runtime, aspire:os: one of their values", () => {
  assert.equal(assertOk(aws({ "aspire:runtime": "dotnet" })).plan.runtime, "dotnet");
  assertError(
    'aspire:runtime: must be one of docker, dotnet, not "podman". Example: pulumi config set aspire:runtime dotnet',
    aws({ "aspire:runtime": "podman" }),
  );
  assert.equal(assertOk(aws({ "aspire:os": "al2023" })).plan.os, "al2023");
  assertError(
    'aspire:os: must be one of ubuntu-24.04, al2023, not "debian-12". Example: pulumi config set aspire:os ubuntu-24.04',
    aws({ "aspire:os": "debian-12" }),
  );
});

test("aspire:instanceType: a string, the example the cloud's own", () => {
  assert.equal(
    assertOk(aws({ "aspire:instanceType": "m7g.large" })).plan.instanceType,
    "m7g.large",
  );
  assertError(
    "aspire:instanceType: must be a string. Example: pulumi config set aspire:instanceType t4g.small",
    aws({ "aspire:instanceType": 42 }),
  );
  assertError(
    "aspire:instanceType: must be a string. Example: pulumi config set aspire:instanceType t2a-standard-1",
    gcp({ "aspire:instanceType": ["t2a-standard-1"] }),
  );
});

test("aspire:diskSizeGb: a whole number (as a number or as text)", () => {
  assert.equal(assertOk(aws({ "aspire:diskSizeGb": "30" })).plan.diskSizeGb, 30);
  assert.equal(assertOk(aws({ "aspire:diskSizeGb": 30 })).plan.diskSizeGb, 30);
  assertError(
    'aspire:diskSizeGb: must be a whole number, not "ten". Example: pulumi config set aspire:diskSizeGb 30',
    aws({ "aspire:diskSizeGb": "ten" }),
  );
  assertError(
    "aspire:diskSizeGb: must be a whole number, not 2.5. Example: …",
    aws({ "aspire:diskSizeGb": 2.5 }),
  );
  assertError(
    'aspire:diskSizeGb: must be a whole number, not "-1". Example: …',
    aws({ "aspire:diskSizeGb": "-1" }),
  );
});

test("aspire:domain: a DNS name", () => {
  assert.equal(
    assertOk(aws({ "aspire:domain": "app.example.com" })).plan.domain,
    "app.example.com",
  );
  assertError(
    'aspire:domain: "not a domain" is not a DNS name. Example: pulumi config set aspire:domain app.example.com',
    aws({ "aspire:domain": "not a domain" }),
  );
  assertError(
    'aspire:domain: "localhost" is not a DNS name. Example: …',
    aws({ "aspire:domain": "localhost" }),
  );
  assertError(
    "aspire:domain: must be a string. Example: pulumi config set aspire:domain app.example.com",
    aws({ "aspire:domain": 42 }),
  );
});

test("aspire:dashboard, aspire:vmPerService, aspire:elasticIp, aspire:imageUpgrade, aspire:protectData: true or false (as text too), each its default", () => {
  const none = assertOk(aws());
  assert.deepEqual(
    [
      none.plan.dashboard,
      none.plan.vmPerService,
      none.elasticIp,
      none.imageUpgrade,
      none.protectData,
    ],
    [undefined, undefined, false, false, true],
  );
  const set = assertOk(
    aws({
      "aspire:dashboard": "true",
      "aspire:vmPerService": true,
      "aspire:elasticIp": "true",
      "aspire:imageUpgrade": true,
      "aspire:protectData": "false",
    }),
  );
  assert.deepEqual(
    [set.plan.dashboard, set.plan.vmPerService, set.elasticIp, set.imageUpgrade, set.protectData],
    [true, true, true, true, false],
  );
  assertError(
    'aspire:dashboard: must be true or false, not "yes". Example: pulumi config set aspire:dashboard true',
    aws({ "aspire:dashboard": "yes" }),
  );
  assertError(
    'aspire:vmPerService: must be true or false, not "maybe". Example: pulumi config set aspire:vmPerService true',
    aws({ "aspire:vmPerService": "maybe" }),
  );
  assertError(
    "aspire:elasticIp: must be true or false, not 1. Example: pulumi config set aspire:elasticIp true",
    aws({ "aspire:elasticIp": 1 }),
  );
  assertError(
    'aspire:imageUpgrade: must be true or false, not "on". Example: pulumi config set aspire:imageUpgrade true',
    aws({ "aspire:imageUpgrade": "on" }),
  );
  assertError(
    'aspire:protectData: must be true or false, not "no". Example: pulumi config set aspire:protectData false',
    aws({ "aspire:protectData": "no" }),
  );
});

test("aspire:vms: VM names to a list of resources, or to an object of resources and the VM's own settings", () => {
  assert.deepEqual(
    assertOk(
      aws({
        "aspire:vms": {
          data: ["cache"],
          app: {
            resources: ["api"],
            instanceType: "t4g.medium",
            diskSizeGb: "40",
            runtime: "dotnet",
            os: "al2023",
          },
        },
      }),
    ).plan.vms,
    {
      data: { resources: ["cache"] },
      app: {
        resources: ["api"],
        instanceType: "t4g.medium",
        diskSizeGb: 40,
        runtime: "dotnet",
        os: "al2023",
      },
    },
  );
  assertError(
    "aspire:vms: must be an object of VM names to resource lists. Example: aspire:vms: {data: [cache], app: {resources: [apiservice, webfrontend], instanceType: t4g.medium}}",
    aws({ "aspire:vms": "app" }),
  );
  assertError(
    "aspire:vms: must be an object of VM names to resource lists. Example: aspire:vms: {data: [cache], app: {resources: [apiservice, webfrontend], instanceType: t2a-standard-2}}",
    gcp({ "aspire:vms": ["app"] }),
  );
  assertError(
    "aspire:vms.app: must be a list of resources or an object with resources. Example: pulumi config set --path 'aspire:vms.app[0]' apiservice",
    aws({ "aspire:vms": { app: "cache" } }),
  );
  assertError(
    "aspire:vms.app.resources: must be a list of resource names. Example: pulumi config set --path 'aspire:vms.app.resources[0]' apiservice",
    aws({ "aspire:vms": { app: { instanceType: "t4g.medium" } } }),
  );
  assertError(
    "aspire:vms.app.cpu: unknown VM setting (use resources, instanceType, diskSizeGb, runtime, os). Example: aspire:vms: {…}",
    aws({ "aspire:vms": { app: { resources: ["api"], cpu: 2 } } }),
  );
  assertError(
    "aspire:vms.app.instanceType: must be a string. Example: pulumi config set --path 'aspire:vms.app.instanceType' t2a-standard-2",
    gcp({ "aspire:vms": { app: { resources: ["api"], instanceType: 2 } } }),
  );
  assertError(
    `aspire:vms.db.diskSizeGb: must be a whole number, not "big". Example: pulumi config set --path 'aspire:vms.app.diskSizeGb' 30`,
    aws({ "aspire:vms": { db: { resources: ["pg"], diskSizeGb: "big" } } }),
  );
  assertError(
    `aspire:vms.app.runtime: must be one of docker, dotnet, not "java". Example: pulumi config set --path 'aspire:vms.app.runtime' dotnet`,
    aws({ "aspire:vms": { app: { resources: ["api"], runtime: "java" } } }),
  );
  assertError(
    `aspire:vms.app.os: must be one of ubuntu-24.04, al2023, not "windows". Example: pulumi config set --path 'aspire:vms.app.os' ubuntu-24.04`,
    aws({ "aspire:vms": { app: { resources: ["api"], os: "windows" } } }),
  );
});

test("aspire:vms names: kept as given, own keys whatever they are (the plan checks their form); resource names as text", () => {
  const vms = assertOk(aws({ "aspire:vms": JSON.parse('{"__proto__": ["api"], "Web_1": [7]}') }))
    .plan.vms!;
  assert.deepEqual(Object.keys(vms), ["__proto__", "Web_1"]);
  assert.ok(Object.hasOwn(vms, "__proto__"));
  assert.deepEqual(vms.Web_1.resources, ["7"]);
});

test("aspire:ssh: off unless enabled, then from the listed IPv4 blocks only, with one public key on one line", () => {
  assert.deepEqual(assertOk(aws()).ssh, { enabled: false, cidrs: [] });
  assert.deepEqual(
    assertOk(
      aws({ "aspire:ssh": { enabled: "true", cidrs: ["203.0.113.7/32", "198.51.100.0/24"] } }),
    ).ssh,
    { enabled: true, cidrs: ["203.0.113.7/32", "198.51.100.0/24"], publicKey: undefined },
  );
  assertError(
    "aspire:ssh: must be an object. Example: aspire:ssh: {enabled: true, cidrs: [203.0.113.7/32], publicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE me@laptop}",
    aws({ "aspire:ssh": "on" }),
  );
  assertError(
    "aspire:ssh.cidrs: SSH is enabled but no source range is given: list the addresses allowed to connect, such as [203.0.113.7/32] (SSH is never opened to the whole internet by default).",
    aws({ "aspire:ssh": { enabled: true } }),
  );
  for (const cidr of ["999.1.1.1/99", "10.0.0.0/33", "203.0.113.7", "2001:db8::/32", "0.0.0.0/0 "])
    assertError(
      `aspire:ssh.cidrs: ${cidr} is not an IPv4 CIDR. Example: 203.0.113.7/32`,
      aws({ "aspire:ssh": { enabled: true, cidrs: [cidr] } }),
    );
  assertError(
    "aspire:ssh.cidrs: 10.0.0.1/8 has host bits set: the block it names is written 10.0.0.0/8. Example: 203.0.113.7/32",
    aws({ "aspire:ssh": { enabled: true, cidrs: ["10.0.0.1/8"] } }),
  );
  assertError(
    "aspire:ssh.cidrs: 10.0.0.1/8 has host bits set: …",
    aws({ "aspire:ssh": { enabled: false, cidrs: ["10.0.0.1/8"] } }),
  );
  assert.equal(
    assertOk(
      aws({
        "aspire:ssh": {
          enabled: true,
          cidrs: ["203.0.113.7/32"],
          publicKey: "  ssh-rsa AAAAB3NzaC1yc2E= me@host \n",
        },
      }),
    ).ssh.publicKey,
    "ssh-rsa AAAAB3NzaC1yc2E= me@host",
  );
  assertOk(
    aws({
      "aspire:ssh": {
        enabled: true,
        cidrs: ["203.0.113.7/32"],
        publicKey: "ecdsa-sha2-nistp256 AAAAE2VjZHNh",
      },
    }),
  );
  assertError(
    "aspire:ssh.publicKey: must be one OpenSSH public key on one line (ssh-ed25519 AAAA... [comment], or ssh-rsa AAAA...). Example: pulumi config set --path 'aspire:ssh.publicKey' 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE me@laptop'",
    aws({
      "aspire:ssh": {
        enabled: true,
        cidrs: ["203.0.113.7/32"],
        publicKey: "ssh-ed25519 AAAAC3Nza\nroot:ssh-rsa AAAAB3Nza attacker",
      },
    }),
  );
  assertError(
    "aspire:ssh.publicKey: must be one OpenSSH public key on one line …",
    aws({
      "aspire:ssh": { enabled: true, cidrs: ["203.0.113.7/32"], publicKey: "AAAAC3NzaC1lZDI1NTE5" },
    }),
  );
});

test("aspire:network: default, create (10.42.0.0/16 or its own cidr), or an existing network in the cloud's form", () => {
  assert.deepEqual(assertOk(aws()).network, { kind: "default" });
  assert.deepEqual(assertOk(aws({ "aspire:network": "default" })).network, { kind: "default" });
  assert.deepEqual(assertOk(aws({ "aspire:network": "create" })).network, {
    kind: "create",
    cidr: "10.42.0.0/16",
  });
  assert.deepEqual(assertOk(gcp({ "aspire:network": { create: true } })).network, {
    kind: "create",
    cidr: "10.42.0.0/16",
  });
  assert.deepEqual(
    assertOk(aws({ "aspire:network": { create: true, cidr: "10.1.0.0/16" } })).network,
    { kind: "create", cidr: "10.1.0.0/16" },
  );
  assertError(
    "aspire:network.cidr: 10.1.2.3/16 has host bits set: the block it names is written 10.1.0.0/16. Example: aspire:network: {create: true, cidr: 10.42.0.0/16}",
    aws({ "aspire:network": { create: true, cidr: "10.1.2.3/16" } }),
  );
  assertError(
    "aspire:network.cidr: 10.0.0.0/99 is not an IPv4 CIDR. Example: aspire:network: {create: true, cidr: 10.42.0.0/16}",
    gcp({ "aspire:network": { create: true, cidr: "10.0.0.0/99" } }),
  );
  assertError(
    'aspire:network: must be "default", "create" or an object. Example: aspire:network: {vpcId: vpc-0abc, subnetIds: [subnet-0def]}  (or "default", or "create")',
    aws({ "aspire:network": "vpc-0abc" }),
  );
  assertError(
    'aspire:network: must be "default", "create" or an object. Example: aspire:network: {network: my-vpc, subnetwork: my-subnet}  (or "default", or "create")',
    gcp({ "aspire:network": ["my-vpc"] }),
  );
  assert.deepEqual(
    assertOk(
      aws({ "aspire:network": { vpcId: "vpc-0abc", subnetIds: ["subnet-0def", "subnet-0fed"] } }),
    ).network,
    {
      kind: "existing",
      vpcId: "vpc-0abc",
      subnetIds: ["subnet-0def", "subnet-0fed"],
      network: undefined,
      subnetwork: undefined,
    },
  );
  assertError(
    "aspire:network: needs vpcId and subnetIds. Example: aspire:network: {vpcId: vpc-0abc, subnetIds: [subnet-0def]}  (or …)",
    aws({ "aspire:network": { vpcId: "vpc-0abc" } }),
  );
  assertError(
    "aspire:network: needs vpcId and subnetIds. Example: …",
    aws({ "aspire:network": { vpcId: "vpc-0abc", subnetIds: [] } }),
  );
  assertError(
    "aspire:network: needs vpcId and subnetIds. Example: …",
    aws({ "aspire:network": { network: "my-vpc" } }),
  );
  assert.deepEqual(assertOk(gcp({ "aspire:network": { network: "my-vpc" } })).network, {
    kind: "existing",
    vpcId: undefined,
    subnetIds: [],
    network: "my-vpc",
    subnetwork: undefined,
  });
  assert.equal(
    (
      assertOk(gcp({ "aspire:network": { network: "my-vpc", subnetwork: "my-subnet" } }))
        .network as { subnetwork?: string }
    ).subnetwork,
    "my-subnet",
  );
  assertError(
    "aspire:network: needs network. Example: aspire:network: {network: my-vpc, subnetwork: my-subnet}  (or …)",
    gcp({ "aspire:network": { vpcId: "vpc-0abc", subnetIds: ["subnet-0def"] } }),
  );
});

test("aspire:parameters: flat keys and one object, values as text; secret values configured but never read", () => {
  const flat = assertOk(
    aws({ "aspire:parameters.greeting": "hello", "aspire:parameters.replicas": 3 }),
  );
  assert.deepEqual(
    [flat.plan.parameters, flat.configuredParameters],
    [{ greeting: "hello", replicas: "3" }, ["greeting", "replicas"]],
  );
  assert.deepEqual(
    assertOk(aws({ "aspire:parameters": { greeting: "hello", debug: false } })).plan.parameters,
    { greeting: "hello", debug: "false" },
  );
  const secret = assertOk(
    aws({
      "aspire:parameters.db-password": { secure: "v1:abc" },
      "aspire:parameters": { greeting: "hello" },
    }),
  );
  assert.deepEqual(
    [secret.plan.parameters, secret.configuredParameters],
    [{ greeting: "hello" }, ["greeting", "db-password"]],
  );
  assert.ok(
    Object.hasOwn(
      assertOk(aws({ "aspire:parameters": JSON.parse('{"__proto__": "x"}') })).plan.parameters!,
      "__proto__",
    ),
  );
  assertError(
    "aspire:parameters.greeting: must be a string. Example: pulumi config set aspire:parameters.NAME VALUE",
    aws({ "aspire:parameters.greeting": { text: "hello" } }),
  );
  assertError(
    "aspire:parameters.greeting: must be a string. Example: pulumi config set aspire:parameters.NAME VALUE",
    aws({ "aspire:parameters": { greeting: ["hello"] } }),
  );
  assertError(
    "aspire:parameters: must be an object of parameter names to values. Example: pulumi config set aspire:parameters.NAME VALUE",
    aws({ "aspire:parameters": "greeting=hello" }),
  );
  assertError(
    "aspire:parameters: must be an object of parameter names to values. Example: …",
    aws({ "aspire:parameters": ["hello"] }),
  );
  assertError(
    "aspire:parameters: set each parameter as its own key: pulumi config set --secret aspire:parameters.NAME VALUE",
    aws({ "aspire:parameters": { secure: "v1:abc" } }),
  );
});

test("aspire:healthChecks: resource names to HTTP paths from /, URL-safe characters only", () => {
  assert.deepEqual(
    assertOk(aws({ "aspire:healthChecks": { api: "/health", web: "/alive?full=1&x=%20" } })).plan
      .healthChecks,
    { api: "/health", web: "/alive?full=1&x=%20" },
  );
  assert.equal(assertOk(aws()).plan.healthChecks, undefined);
  assertError(
    "aspire:healthChecks: must be an object of names to strings. Example: aspire:healthChecks: {apiservice: /health}",
    aws({ "aspire:healthChecks": "/health" }),
  );
  assertError(
    "aspire:healthChecks.api: must be a string. Example: pulumi config set --path 'aspire:healthChecks.apiservice' /health",
    aws({ "aspire:healthChecks": { api: ["/health"] } }),
  );
  for (const bad of ["health", "/a b", '/a"b', "/a\nb", "/a<b>", "/\\x", "/" + "a".repeat(201)])
    assertError(
      `aspire:healthChecks.api: ${JSON.stringify(bad)} is not an HTTP path: it starts with "/" and holds only letters, digits and - . _ ~ ! $ & ' ( ) * + , ; = : @ / ? %, at most 200 of them. Example: pulumi config set --path 'aspire:healthChecks.apiservice' /health`,
      aws({ "aspire:healthChecks": { api: bad } }),
    );
});

test("aspire:images: resource names to references Docker can pull", () => {
  const digest = `registry.example.com/api@sha256:${"a".repeat(64)}`;
  assert.deepEqual(
    assertOk(
      aws({
        "aspire:images": { api: "registry.example.com/api:1.0", web: digest, cache: "redis" },
      }),
    ).plan.images,
    { api: "registry.example.com/api:1.0", web: digest, cache: "redis" },
  );
  assertError(
    "aspire:images: must be an object of names to strings. Example: aspire:images: {apiservice: registry.example.com/apiservice:1.0}",
    aws({ "aspire:images": "registry.example.com/api:1.0" }),
  );
  assertError(
    "aspire:images.api: must be a string. Example: pulumi config set --path 'aspire:images.apiservice' registry.example.com/apiservice:1.0",
    aws({ "aspire:images": { api: { tag: "1.0" } } }),
  );
  assertError(
    "aspire:images.web: image \"Web:latest\" is not an image reference Docker can pull: [registry/]repository[:tag][@sha256:digest], repository in lower case. Example: pulumi config set --path 'aspire:images.apiservice' registry.example.com/apiservice:1.0",
    aws({ "aspire:images": { web: "Web:latest" } }),
  );
  assertError(
    'aspire:images.api: image "api:1 $(id)" is not an image reference Docker can pull: …',
    aws({ "aspire:images": { api: "api:1 $(id)" } }),
  );
  assertError(
    'aspire:images.api: image "api@sha256:abc" is not an image reference Docker can pull: …',
    aws({ "aspire:images": { api: "api@sha256:abc" } }),
  );
  // An override to an image known to have no arm64 variant: refused offline too.
  assertError(
    "aspire:images.db: image mcr.microsoft.com/mssql/server:2022-latest has no linux/arm64 variant, so it cannot run on an Arm VM. SQL Server publishes amd64 images only. …",
    aws({ "aspire:images": { db: "mcr.microsoft.com/mssql/server:2022-latest" } }),
  );
});

test("aspire:dotnetChannel: 8.0, 9.0 or 10.0 (the default); the two before 10.0 with a warning", () => {
  assert.equal(assertOk(aws()).dotnetChannel, "10.0");
  assert.equal(assertOk(aws({ "aspire:dotnetChannel": 10 })).dotnetChannel, "10.0");
  assertWarning(
    "aspire:dotnetChannel: .NET 9.0 left support on 2026-11-10; …pulumi config set aspire:dotnetChannel 10.0",
    aws({ "aspire:dotnetChannel": "9.0" }),
  );
  assertError(
    'aspire:dotnetChannel: must be one of 8.0, 9.0, 10.0, not "7.0": …. Example: pulumi config set aspire:dotnetChannel 10.0',
    aws({ "aspire:dotnetChannel": "7.0" }),
  );
});

test("aspire:sourceRoot: a folder path", () => {
  assert.equal(
    assertOk(aws({ "aspire:sourceRoot": "../solution" })).plan.sourceRoot,
    "../solution",
  );
  assertError(
    "aspire:sourceRoot: must be a string. Example: pulumi config set aspire:sourceRoot ../my-solution",
    aws({ "aspire:sourceRoot": true }),
  );
});

test("unknown aspire:* keys: a warning listing the known ones; flat parameter keys and other namespaces are not unknown", () => {
  assertWarning(
    "aspire:instancetype: unknown setting aspire:instancetype is ignored (known: aspire:cloud, aspire:manifest, aspire:vms, …, aspire:sourceRoot).",
    aws({ "aspire:instancetype": "t4g.small" }),
  );
  // `pulumi config set aspire:ssh.enabled true` without --path sets a key of that name.
  assertWarning(
    "aspire:ssh.enabled: unknown setting aspire:ssh.enabled is ignored …",
    aws({ "aspire:ssh.enabled": "true" }),
  );
  assertOk(
    aws({
      "aspire:parameters.greeting": "hello",
      "aws:profile": "dev",
      "gcp:project": "unused-on-aws",
    }),
  );
});

test("the runtime's JSON text reads as the stack file's values", () => {
  const file = {
    "aspire:vms": { app: { resources: ["api"], diskSizeGb: 40 } },
    "aspire:ssh": { enabled: true, cidrs: ["203.0.113.7/32"] },
    "aspire:network": { create: true, cidr: "10.1.0.0/16" },
    "aspire:images": { api: "registry.example.com/api:1.0" },
    "aspire:parameters": { greeting: "hello" },
    "aspire:dashboard": true,
    "aspire:diskSizeGb": 30,
  };
  assert.deepEqual(assertOk(aws(asRuntimeConfig(file))), assertOk(aws(file)));
  assertError(
    "aspire:ssh.cidrs: 999.1.1.1/99 is not an IPv4 CIDR. Example: 203.0.113.7/32",
    aws(asRuntimeConfig({ "aspire:ssh": { enabled: true, cidrs: ["999.1.1.1/99"] } })),
  );
  // Text that is not JSON stays text.
  assertError(
    "aspire:vms: must be an object of VM names to resource lists. Example: …",
    aws({ "aspire:vms": "{app: [api]}" }),
  );
});

test("every documented example (src/config/keys.ts) is valid config, on each cloud that reads its key", () => {
  for (const k of STACK_KEYS)
    for (const cloud of k.cloud ? [k.cloud] : (["aws", "gcp"] as const)) {
      const raw = exampleConfig(k.key, cloud);
      assertOk(cloud === "aws" ? aws(raw) : gcp(raw));
    }
});

// Reads what the tests above recorded, so it runs after them.
test("every key of the table has a rule above that names it, or reads without one of its own", () => {
  // These take any value: a value other than the ones that mean something reads as unset or
  // off, or is checked with the object they belong to (aspire:network needs vpcId, or network).
  const noRuleOfTheirOwn = [
    "aspire:ssh.enabled",
    "aspire:network.create",
    "aspire:network.vpcId",
    "aspire:network.subnetIds",
    "aspire:network.network",
    "aspire:network.subnetwork",
  ];
  const asKey = (field: string) => {
    const row = STACK_KEYS.find((k) =>
      new RegExp(`^${k.key.replace(/[.]/g, "\\.").replace(/<[a-z]+>/g, "[^.]+")}$`).test(field),
    );
    return row?.key ?? field;
  };
  const covered = new Set([...named].map(asKey));
  assert.deepEqual(
    STACK_KEYS.map((k) => k.key).filter((k) => !covered.has(k) && !noRuleOfTheirOwn.includes(k)),
    [],
  );
});

// The cloud-neutral half of the ArmApp components (components/arm-app.ts): public ports, stored
// secrets, user data for each cloud, endpoint URLs; and that the policies' public ports are the
// ones the components open, on both clouds.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import {
  dashboardEndpoint,
  dashboardUrlOf,
  endpointUrl,
  publicIngress,
  stackPublicPorts,
  storedSecrets,
  vmUserData,
  type PublicPort,
} from "../../components/arm-app";
import { policyContextFromPlan } from "../../policies";
import { readStackConfig } from "../../src/config/stack-config";
import { formatDiagnostic, loadManifest } from "../../src/manifest";
import { buildPlan, type DeploymentPlan, type PublicEndpoint } from "../../src/plan";
import { defaultSecretSource, USER_DATA_LIMIT } from "../../src/render";
import { runProgramWithMocks, type MockRun } from "../../src/cli/mock-program";
import { fixture, planFile, starterManifest } from "../plan/plan-support";
import { programFile } from "../support/paths";

test("publicIngress: a VM's endpoint ports, tcp and udp apart, each once, and 80 and 443 with a domain on the proxy's VM", () => {
  const turn = planFile(fixture("plan-tcp-udp-same-port.json"));
  assert.deepEqual(
    publicIngress(turn, turn.vms[0]).map(({ port, protocol }) => `${protocol}/${port}`),
    ["tcp/3478", "udp/3478"],
  );
  const starter = planFile(starterManifest, {
    vms: { data: { resources: ["cache"] }, app: { resources: ["apiservice", "webfrontend"] } },
  });
  const withDomain = planFile(starterManifest, {
    domain: "app.example.com",
    vms: { data: { resources: ["cache"] }, app: { resources: ["apiservice", "webfrontend"] } },
  });
  const ports = (plan: DeploymentPlan, vm: string) =>
    publicIngress(
      plan,
      plan.vms.find((v) => v.name === vm)!,
    ).map((r) => `${r.protocol}/${r.port} ${r.description}`);
  assert.deepEqual(ports(starter, "app"), ["tcp/80 webfrontend http"]);
  assert.deepEqual(ports(starter, "data"), []);
  assert.deepEqual(ports(withDomain, "app"), [
    "tcp/80 webfrontend http",
    "tcp/443 webfrontend https",
  ]);
  assert.deepEqual(ports(withDomain, "data"), []);
  /** withDomain with the external endpoints of one scheme only. */
  const only = (scheme: string): DeploymentPlan => ({
    ...withDomain,
    vms: withDomain.vms.map((vm) => ({
      ...vm,
      publicEndpoints: vm.publicEndpoints.filter((e) => e.scheme === scheme),
    })),
  });
  // An app whose only external endpoint is https still gets 80 for the ACME challenges.
  const httpsOnly = only("https");
  assert.deepEqual(ports(httpsOnly, "app"), [
    "tcp/80 HTTP, redirects and ACME challenges",
    "tcp/443 webfrontend https",
  ]);
  assert.deepEqual(ports(httpsOnly, "data"), [], "no proxy on the data VM: no port 80");
  // One whose only external endpoint is http is served over HTTPS on 443 all the same.
  assert.deepEqual(ports(only("http"), "app"), [
    "tcp/80 webfrontend http",
    "tcp/443 HTTPS of the domain's sites",
  ]);
  assert.deepEqual(stackPublicPorts(withDomain), [
    { port: 80, protocol: "tcp" },
    { port: 443, protocol: "tcp" },
  ]);
  assert.deepEqual(stackPublicPorts(turn), [
    { port: 3478, protocol: "tcp" },
    { port: 3478, protocol: "udp" },
  ]);
});

test("storedSecrets: the secret parameters some VM reads at boot, and no plain one", () => {
  assert.deepEqual(
    storedSecrets(planFile(starterManifest)).map((p) => p.name),
    ["cache-password"],
  );
  assert.deepEqual(
    storedSecrets(
      planFile(fixture("plain-parameter.json"), { parameters: { "region-name": "eu" } }),
    ),
    [],
  );
});

/** A manifest of one container whose environment holds `bytes` random base64 characters: user
 *  data that gzip cannot shrink much. */
function bulkyManifest(bytes: number): string {
  const file = path.join(
    fs.mkdtempSync(path.join(os.tmpdir(), "aspire-arm-bulk-")),
    "aspire-manifest.json",
  );
  const blob = crypto
    .randomBytes(Math.ceil((bytes * 3) / 4))
    .toString("base64")
    .slice(0, bytes);
  fs.writeFileSync(
    file,
    JSON.stringify({
      resources: {
        api: { type: "container.v0", image: "docker.io/library/nginx:1.27", env: { BLOB: blob } },
      },
    }),
  );
  return file;
}

test("vmUserData: AWS takes gzipped base64; GCP plain text, or gzipped base64 above its limit; too large names the VM and the limit", () => {
  const aws = planFile(starterManifest);
  const sent = vmUserData(aws, aws.vms[0], { secretSource: defaultSecretSource(aws) });
  assert.ok(!sent.problem);
  assert.equal(sent.encoding, "base64");
  assert.equal(
    zlib.gunzipSync(Buffer.from(sent.text, "base64")).toString("utf8"),
    sent.rendered.cloudConfig,
  );

  const gcp = planFile(starterManifest, { cloud: "gcp" });
  const plain = vmUserData(gcp, gcp.vms[0], { secretSource: defaultSecretSource(gcp) });
  assert.ok(!plain.problem);
  assert.equal(plain.encoding, "plain");
  assert.equal(plain.text, plain.rendered.cloudConfig);

  // AWS: 16 KB of gzipped user data.
  const bulkyAws = planFile(bulkyManifest(30_000));
  const tooLarge = vmUserData(bulkyAws, bulkyAws.vms[0], {
    secretSource: defaultSecretSource(bulkyAws),
  });
  assert.ok(tooLarge.problem);
  assert.match(
    formatDiagnostic(tooLarge.problem),
    new RegExp(
      `vms\\.app.*the user data of VM app is \\d+ bytes gzipped and the AWS limit is ${USER_DATA_LIMIT.aws}`,
    ),
  );
  // GCP: 256 KiB per metadata value, so for the base64 text of the gzipped bytes (these fit gzipped).
  const bulkyGcp = planFile(bulkyManifest(290_000), { cloud: "gcp" });
  const tooLargeGcp = vmUserData(bulkyGcp, bulkyGcp.vms[0], {
    secretSource: defaultSecretSource(bulkyGcp),
  });
  assert.ok(tooLargeGcp.problem);
  assert.match(
    formatDiagnostic(tooLargeGcp.problem),
    new RegExp(
      `vms\\.app.*the user data of VM app is \\d+ bytes gzipped and base64-encoded and the GCP limit is ${USER_DATA_LIMIT.gcp}: split the app`,
    ),
  );
  // Below 192 KiB gzipped it fits as base64 too.
  const gzipped = planFile(bulkyManifest(240_000), { cloud: "gcp" });
  const fits = vmUserData(gzipped, gzipped.vms[0], { secretSource: defaultSecretSource(gzipped) });
  assert.ok(!fits.problem, fits.problem && formatDiagnostic(fits.problem));
  assert.equal(fits.encoding, "base64");
  assert.equal(
    zlib.gunzipSync(Buffer.from(fits.text, "base64")).toString("utf8"),
    fits.rendered.cloudConfig,
  );
});

test("endpointUrl and dashboardUrlOf: scheme and port unless the default, host:port for tcp, the host name with a domain", () => {
  const e = (x: Partial<PublicEndpoint>): PublicEndpoint => ({
    service: "web",
    binding: "http",
    scheme: "http",
    transport: "http",
    port: 80,
    upstream: "web:8080",
    ...x,
  });
  assert.equal(endpointUrl(e({}), "1.2.3.4"), "http://1.2.3.4");
  assert.equal(endpointUrl(e({ port: 8080 }), "1.2.3.4"), "http://1.2.3.4:8080");
  assert.equal(
    endpointUrl(e({ scheme: "https", port: 443, hostName: "web.example.com" }), "1.2.3.4"),
    "https://web.example.com",
  );
  assert.equal(
    endpointUrl(e({ scheme: "tcp", transport: "tcp", port: 5432, upstream: undefined }), "1.2.3.4"),
    "1.2.3.4:5432",
  );
  const plan = planFile(starterManifest, { dashboard: true });
  const dashboard = dashboardEndpoint(plan);
  assert.ok(dashboard);
  assert.equal(dashboardUrlOf(dashboard.endpoint, "1.2.3.4"), "http://1.2.3.4:18888");
  assert.equal(dashboardEndpoint(planFile(starterManifest)), undefined);
});

// --- the policies' public ports are the ones the components open ------------------------------

/** Every protocol/port a resource of the run opens to 0.0.0.0/0 (AWS rules, GCP firewalls). */
function openToTheWorld(run: MockRun): string[] {
  const open = new Set<string>();
  for (const r of run.resources) {
    const i = r.inputs as Record<string, unknown>;
    if (
      r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" &&
      i.cidrIpv4 === "0.0.0.0/0"
    )
      open.add(`${i.ipProtocol}/${i.fromPort}`);
    if (
      r.type === "gcp:compute/firewall:Firewall" &&
      (i.sourceRanges as string[] | undefined)?.includes("0.0.0.0/0")
    )
      for (const a of (i.allows as { protocol: string; ports: string[] }[] | undefined) ?? [])
        for (const p of a.ports) open.add(`${a.protocol}/${p}`);
  }
  return [...open].sort();
}

const cases: [string, Record<string, string>][] = [
  [
    "starter with a domain and the dashboard, two VMs",
    {
      "aspire:manifest": starterManifest,
      "aspire:parameters.cache-password": "p",
      "aspire:domain": "app.example.com",
      "aspire:dashboard": "true",
      "aspire:vms": JSON.stringify({ data: ["cache"], app: ["apiservice", "webfrontend"] }),
    },
  ],
  [
    "starter with the dashboard, no domain",
    {
      "aspire:manifest": starterManifest,
      "aspire:parameters.cache-password": "p",
      "aspire:dashboard": "true",
    },
  ],
  ["tcp and udp on one port", { "aspire:manifest": fixture("plan-tcp-udp-same-port.json") }],
];

for (const [cloud, location] of [
  ["aws", { "aws:region": "us-east-1" }],
  ["gcp", { "gcp:zone": "us-central1-a", "gcp:project": "demo" }],
] as const)
  for (const [name, extra] of cases)
    test(`${cloud}, ${name}: policyContextFromPlan's public ports are exactly the ports the component opens to the world`, async () => {
      const config = { "aspire:cloud": cloud, ...location, ...extra };
      const run = await runProgramWithMocks(programFile, "dev", config);
      const { config: deploy, errors } = readStackConfig(config);
      assert.deepEqual(errors, []);
      const { plan } = buildPlan(loadManifest(deploy.manifest).manifest, {
        ...deploy.plan,
        stack: "dev",
      });
      const expected = policyContextFromPlan(plan, deploy.ssh)
        .publicPorts.map((p: PublicPort) => `${p.protocol}/${p.port}`)
        .sort();
      assert.ok(expected.length > 0);
      assert.deepEqual(openToTheWorld(run), expected);
    });

// The cloud-neutral half of the ArmApp components (components/arm-app.ts): public ports, stored
// secrets, user data for each cloud, endpoint URLs; and that the policies' public ports are the
// ones the components open, on both clouds.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as zlib from "node:zlib";
import {
  GCE_METADATA_VALUE_LIMIT,
  vmRelease,
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
import { bulkyManifest, fixture, planFile, starterManifest } from "../plan/plan-support";
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

test("vmUserData: AWS takes gzipped base64, GCP plain text; it is the same for a small and a large app on VMs of one shape", () => {
  const aws = planFile(starterManifest);
  const sent = vmUserData(aws, aws.vms[0], { secretSource: defaultSecretSource(aws) });
  assert.ok(!sent.problem);
  assert.equal(sent.encoding, "base64");
  assert.equal(
    zlib.gunzipSync(Buffer.from(sent.text, "base64")).toString("utf8"),
    sent.rendered.cloudConfig,
  );
  assert.ok(Buffer.from(sent.text, "base64").length <= USER_DATA_LIMIT.aws);

  const gcp = planFile(starterManifest, { cloud: "gcp" });
  const plain = vmUserData(gcp, gcp.vms[0], { secretSource: defaultSecretSource(gcp) });
  assert.ok(!plain.problem);
  assert.equal(plain.encoding, "plain");
  assert.equal(plain.text, plain.rendered.cloudConfig);

  // The app's size reaches the release, never the user data: 300 KB of env on a container VM
  // gives the user data of any other container VM of the stack.
  const bulky = planFile(bulkyManifest(300_000));
  const small = planFile(bulkyManifest(10));
  const userData = (p: DeploymentPlan) =>
    vmUserData(p, p.vms[0], { secretSource: defaultSecretSource(p) });
  const [big, little] = [userData(bulky), userData(small)];
  assert.ok(!big.problem && !little.problem);
  assert.equal(big.text, little.text);
  assert.notEqual(big.rendered.release.id, little.rendered.release.id);
});

test("vmRelease: GCP carries a release of at most 256 KiB (base64 of the gzip) in metadata; above it names the VM and the limit", () => {
  const gcpRelease = (bytes: number) => {
    const p = planFile(bulkyManifest(bytes), { cloud: "gcp" });
    return vmRelease(p, p.vms[0], { secretSource: defaultSecretSource(p) });
  };
  // Random base64 text: gzip keeps about 3/4 of it, base64 brings it back up by 4/3.
  const tooLarge = gcpRelease(290_000);
  assert.ok("problem" in tooLarge && tooLarge.problem);
  assert.match(
    formatDiagnostic(tooLarge.problem),
    new RegExp(
      `vms\\.app.*the app config of VM app is \\d+ bytes gzipped and base64-encoded and a GCP metadata value holds ${GCE_METADATA_VALUE_LIMIT}: split the app`,
    ),
  );
  const fits = gcpRelease(240_000);
  assert.ok(!("problem" in fits), "problem" in fits ? formatDiagnostic(fits.problem) : "");
  assert.ok(fits.gzBase64.length <= GCE_METADATA_VALUE_LIMIT);
  assert.match(fits.id, /^[0-9a-f]{16}$/);
  // AWS carries it in S3: no such limit.
  const p = planFile(bulkyManifest(290_000));
  assert.ok(!("problem" in vmRelease(p, p.vms[0], { secretSource: defaultSecretSource(p) })));
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

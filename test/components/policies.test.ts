// The security policies (components/policies.ts): each rule over hand-built resources, then every
// rule over what the real program creates for the starter app under Pulumi's mocks.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import {
  arm64Only,
  checkAll,
  DEFAULT_POLICY_CONTEXT,
  disksEncrypted,
  gcpIngressDefaultDeny,
  imdsv2Required,
  noOpenIngress,
  noSecretInUserData,
  noSshUnlessEnabled,
  POLICIES,
  policyContextFromPlan,
  secretsInOutputs,
  secretValues,
  type PolicyContext,
  type PolicyResource,
  type Violation,
} from "../../components/policies";
import { readStackConfig } from "../../src/config/stack-config";
import { loadManifest } from "../../src/manifest";
import { buildPlan, type DeploymentPlan, type VmPlan } from "../../src/plan";
import { runProgramWithMocks } from "../../src/cli/mock-program";

const root = path.resolve(__dirname, "../../..");
const program = path.join(root, "dist/index.js");
const starter = path.join(root, "manifests/aspire-starter/aspire-manifest.json");

const SECRET = "s3cr3t-Value-9f8e7d6c";
const ctx: PolicyContext = DEFAULT_POLICY_CONTEXT;
const sshCtx: PolicyContext = { ...DEFAULT_POLICY_CONTEXT, sshEnabled: true, sshCidrs: ["203.0.113.0/24", "2001:db8::/32"] };

const gzipB64 = (text: string) => zlib.gzipSync(Buffer.from(text, "utf8"), { level: 9 }).toString("base64");
const cloudConfig = "#cloud-config\nwrite_files:\n  - path: /etc/aspire/secrets.list\n    content: cache-password\n";

/** Pulumi's mocks pass secret inputs wrapped in this signature object. */
const mockSecret = (value: string) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });

function awsInstance(name: string, overrides: Record<string, unknown> = {}): PolicyResource {
  return {
    type: "aws:ec2/instance:Instance",
    name,
    inputs: {
      instanceType: "t4g.small",
      ami: "ami-123",
      userDataBase64: gzipB64(cloudConfig),
      metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 2 },
      rootBlockDevice: { volumeType: "gp3", volumeSize: 30, encrypted: true },
      ...overrides,
    },
  };
}

function gcpInstance(name: string, machineType = "t2a-standard-1", overrides: Record<string, unknown> = {}): PolicyResource {
  const type = machineType.startsWith("t2a-") ? "pd-balanced" : "hyperdisk-balanced";
  return {
    type: "gcp:compute/instance:Instance",
    name,
    inputs: {
      machineType,
      bootDisk: { autoDelete: true, initializeParams: { image: "ubuntu-os-cloud/ubuntu-2404-lts-arm64", type, size: 30, architecture: "ARM64" } },
      metadata: { "user-data": cloudConfig, "enable-oslogin": "TRUE" },
      shieldedInstanceConfig: { enableSecureBoot: false, enableVtpm: true, enableIntegrityMonitoring: true },
      networkInterfaces: [{ network: "default", accessConfigs: [{}] }],
      tags: ["app", name],
      ...overrides,
    },
  };
}

const ingressRule = (name: string, inputs: Record<string, unknown>): PolicyResource => ({ type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name, inputs: { securityGroupId: "sg-1", ...inputs } });
const firewall = (name: string, inputs: Record<string, unknown>): PolicyResource => ({ type: "gcp:compute/firewall:Firewall", name, inputs: { network: "default", direction: "INGRESS", ...inputs } });

/** The deny-all ingress rule the GCP component puts on the app's VMs (tag "app"). */
const denyAll = (name: string, inputs: Record<string, unknown> = {}): PolicyResource =>
  firewall(name, { priority: 1000, denies: [{ protocol: "all" }], sourceRanges: ["0.0.0.0/0"], targetTags: ["app"], ...inputs });

/** A stack that follows every rule, on both clouds. */
function compliant(): PolicyResource[] {
  return [
    awsInstance("app"),
    { type: "aws:ebs/volume:Volume", name: "app-data", inputs: { size: 20, type: "gp3", encrypted: true } },
    { type: "aws:ssm/parameter:Parameter", name: "app-cache-password", inputs: { name: "/aspire-arm/dev/cache-password", type: "SecureString", value: SECRET } },
    { type: "aws:ssm/parameter:Parameter", name: "app-plain", inputs: { name: "/x", type: "String", value: "#cloud-config" } },
    { type: "aws:ec2/securityGroup:SecurityGroup", name: "app", inputs: { vpcId: "vpc-1", description: "app" } },
    ingressRule("app-public-tcp-443", { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" }),
    ingressRule("app-public-tcp-80", { ipProtocol: "tcp", fromPort: 80, toPort: 80, cidrIpv6: "::/0" }),
    ingressRule("app-private-tcp-6379", { ipProtocol: "tcp", fromPort: 6379, toPort: 6379, referencedSecurityGroupId: "sg-members" }),
    { type: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", name: "app-egress", inputs: { ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" } },
    gcpInstance("web", "t2a-standard-2"),
    gcpInstance("db", "c4a-standard-4", { metadata: { "user-data": gzipB64(cloudConfig), "user-data-encoding": "base64" } }),
    gcpInstance("n4a", "zones/us-central1-a/machineTypes/n4a-standard-2"),
    { type: "gcp:compute/disk:Disk", name: "db-data", inputs: { type: "hyperdisk-balanced", size: 20 } },
    firewall("web-public", { allows: [{ protocol: "tcp", ports: ["80", "443"] }], sourceRanges: ["0.0.0.0/0"], targetTags: ["web"] }),
    firewall("web-private", { allows: [{ protocol: "tcp", ports: ["5432", "6379"] }], sourceTags: ["app"], targetTags: ["web"] }),
    firewall("egress", { direction: "EGRESS", allows: [{ protocol: "all" }], destinationRanges: ["0.0.0.0/0"] }),
    denyAll("app-deny-ingress"),
    { type: "gcp:secretmanager/secretVersion:SecretVersion", name: "app-cache-password", inputs: { secret: "projects/p/secrets/x", secretData: mockSecret("gcp-" + SECRET) } },
  ];
}

/** The violations as "policy resource" pairs, for compact assertions. */
const found = (vs: readonly Violation[]) => vs.map((v) => `${v.policy} ${v.resource}`);

test("a compliant stack on both clouds breaks no policy", () => {
  assert.deepEqual(checkAll(compliant(), ctx), []);
  assert.deepEqual(checkAll(compliant(), sshCtx), []);
});

test("the policies are listed once each, with a description, in the order checkAll runs them", () => {
  assert.deepEqual(
    POLICIES.map((p) => p.name),
    ["arm64-only", "imdsv2-required", "disks-encrypted", "no-open-ingress", "no-ssh-unless-enabled", "no-secret-in-user-data", "gcp-ingress-default-deny"],
  );
  for (const p of POLICIES) assert.ok(p.description.length > 20, p.name);
  assert.deepEqual(POLICIES.filter((p) => p.usesContext).map((p) => p.name), ["no-open-ingress", "no-ssh-unless-enabled"]);
});

// --- arm64-only ------------------------------------------------------------------------------

test("arm64-only: an x86 EC2 type (t3.small) is caught; Graviton types and an unknown type are not", () => {
  const vs = arm64Only([awsInstance("x86", { instanceType: "t3.small" }), awsInstance("graviton", { instanceType: "c7gn.large" }), awsInstance("a1", { instanceType: "a1.medium" }), awsInstance("later", { instanceType: undefined })]);
  assert.deepEqual(found(vs), ["arm64-only x86"]);
  assert.match(vs[0].message, /t3\.small is not a Graviton/);
  assert.equal(vs[0].type, "aws:ec2/instance:Instance");
  assert.deepEqual(found(checkAll([awsInstance("x86", { instanceType: "t3.small" })], ctx)), ["arm64-only x86"]);
});

test("arm64-only: GCP needs an Arm series, an ARM64 arm64-image boot disk, and the disk type the series takes", () => {
  const cases: [PolicyResource, RegExp][] = [
    [gcpInstance("n2", "n2-standard-2"), /n2-standard-2 is not an Arm machine type/],
    [gcpInstance("noarch", "t2a-standard-1", { bootDisk: { initializeParams: { image: "ubuntu-os-cloud/ubuntu-2404-lts-arm64", type: "pd-balanced" } } }), /architecture is not set/],
    [gcpInstance("x86arch", "t2a-standard-1", { bootDisk: { initializeParams: { image: "ubuntu-os-cloud/ubuntu-2404-lts-arm64", type: "pd-balanced", architecture: "X86_64" } } }), /architecture is "X86_64"/],
    [gcpInstance("x86image", "t2a-standard-1", { bootDisk: { initializeParams: { image: "ubuntu-os-cloud/ubuntu-2404-lts-amd64", type: "pd-balanced", architecture: "ARM64" } } }), /not an arm64 image/],
    [gcpInstance("c4a-pd", "c4a-standard-4", { bootDisk: { initializeParams: { image: "ubuntu-os-cloud/ubuntu-2404-lts-arm64", type: "pd-balanced", architecture: "ARM64" } } }), /boots only from Hyperdisk.*pd-balanced/],
    [gcpInstance("n4a-default", "n4a-standard-2", { bootDisk: { initializeParams: { image: "ubuntu-os-cloud/ubuntu-2404-lts-arm64", architecture: "ARM64" } } }), /boots only from Hyperdisk.*not set/],
    [gcpInstance("t2a-hd", "t2a-standard-1", { bootDisk: { initializeParams: { image: "ubuntu-os-cloud/ubuntu-2404-lts-arm64", type: "hyperdisk-balanced", architecture: "ARM64" } } }), /does not support Hyperdisk/],
  ];
  for (const [r, message] of cases) {
    const vs = arm64Only([r]);
    assert.deepEqual(found(vs), [`arm64-only ${r.name}`], r.name);
    assert.match(vs[0].message, message);
  }
  // Unknown machine type and image (Outputs during a preview) are not violations.
  assert.deepEqual(arm64Only([gcpInstance("later", "t2a-standard-1", { machineType: undefined, bootDisk: { initializeParams: { architecture: "ARM64" } } })]), []);
});

// --- imdsv2-required -------------------------------------------------------------------------

test("imdsv2-required: missing httpTokens, optional tokens, missing metadataOptions and a hop limit of 3 are caught", () => {
  const vs = imdsv2Required([
    awsInstance("no-tokens", { metadataOptions: { httpEndpoint: "enabled" } }),
    awsInstance("optional", { metadataOptions: { httpTokens: "optional" } }),
    awsInstance("no-options", { metadataOptions: undefined }),
    awsInstance("hops", { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 3 } }),
    awsInstance("ok"),
  ]);
  assert.deepEqual(found(vs), ["imdsv2-required no-tokens", "imdsv2-required optional", "imdsv2-required no-options", "imdsv2-required hops"]);
  assert.match(vs[0].message, /httpTokens is not set/);
  assert.match(vs[3].message, /HopLimit is 3/);
  assert.deepEqual(found(checkAll([awsInstance("no-tokens", { metadataOptions: { httpEndpoint: "enabled" } })], ctx)), ["imdsv2-required no-tokens"]);
});

// --- disks-encrypted -------------------------------------------------------------------------

test("disks-encrypted: an unencrypted root, extra EBS device or volume is caught", () => {
  const vs = disksEncrypted([
    awsInstance("root", { rootBlockDevice: { volumeType: "gp3", encrypted: false } }),
    awsInstance("no-root", { rootBlockDevice: undefined }),
    awsInstance("extra", { ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: true }, { deviceName: "/dev/sdg" }] }),
    { type: "aws:ebs/volume:Volume", name: "data", inputs: { size: 20 } },
    { type: "gcp:compute/disk:Disk", name: "gcp-data", inputs: { type: "pd-balanced" } },
  ]);
  assert.deepEqual(found(vs), ["disks-encrypted root", "disks-encrypted no-root", "disks-encrypted extra", "disks-encrypted data"]);
  assert.match(vs[2].message, /ebsBlockDevices\[1\]/);
  assert.deepEqual(found(checkAll([awsInstance("root", { rootBlockDevice: { encrypted: false } })], ctx)), ["disks-encrypted root"]);
});

// --- no-open-ingress -------------------------------------------------------------------------

test("no-open-ingress: 0.0.0.0/0 on 5432 is caught on every kind of AWS rule and on GCP firewalls", () => {
  const vs = noOpenIngress(
    [
      ingressRule("pg", { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv4: "0.0.0.0/0" }),
      ingressRule("pg6", { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv6: "::/0" }),
      { type: "aws:ec2/securityGroup:SecurityGroup", name: "inline", inputs: { ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }, { protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["0.0.0.0/0"] }] } },
      { type: "aws:ec2/securityGroupRule:SecurityGroupRule", name: "legacy", inputs: { type: "ingress", protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["0.0.0.0/0"] } },
      { type: "aws:ec2/securityGroupRule:SecurityGroupRule", name: "legacy-egress", inputs: { type: "egress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] } },
      firewall("gcp-pg", { allows: [{ protocol: "tcp", ports: ["443", "5432"] }], sourceRanges: ["0.0.0.0/0"] }),
      firewall("gcp-nosource", { allows: [{ protocol: "tcp", ports: ["5432"] }] }),
      firewall("gcp-disabled", { allows: [{ protocol: "tcp", ports: ["5432"] }], sourceRanges: ["0.0.0.0/0"], disabled: true }),
      ingressRule("pg-office", { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv4: "198.51.100.0/24" }),
    ],
    ctx,
  );
  assert.deepEqual(found(vs), ["no-open-ingress pg", "no-open-ingress pg6", "no-open-ingress inline", "no-open-ingress legacy", "no-open-ingress gcp-pg", "no-open-ingress gcp-nosource"]);
  assert.match(vs[0].message, /tcp port 5432 is open to 0\.0\.0\.0\/0.*tcp\/80, tcp\/443/);
  assert.match(vs[2].message, /^ingress\[1\]: tcp port 5432/);
  assert.deepEqual(found(checkAll([ingressRule("pg", { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv4: "0.0.0.0/0" })], ctx)), ["no-open-ingress pg"]);
});

test("no-open-ingress: all protocols, port ranges, other protocols and wrong-protocol ports from anywhere are caught", () => {
  const vs = noOpenIngress(
    [
      ingressRule("all", { ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" }),
      { type: "aws:ec2/securityGroup:SecurityGroup", name: "all-inline", inputs: { ingress: [{ protocol: "all", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] } },
      ingressRule("range", { ipProtocol: "tcp", fromPort: 80, toPort: 443, cidrIpv4: "0.0.0.0/0" }),
      ingressRule("icmp", { ipProtocol: "icmp", fromPort: -1, toPort: -1, cidrIpv4: "0.0.0.0/0" }),
      ingressRule("udp443", { ipProtocol: "udp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" }),
      ingressRule("unknown-ports", { ipProtocol: "tcp", cidrIpv4: "0.0.0.0/0" }),
      firewall("gcp-all", { allows: [{ protocol: "all" }], sourceRanges: ["0.0.0.0/0"] }),
      firewall("gcp-noports", { allows: [{ protocol: "tcp" }], sourceRanges: ["0.0.0.0/0"] }),
      firewall("gcp-range", { allows: [{ protocol: "tcp", ports: ["80-443"] }], sourceRanges: ["0.0.0.0/0"] }),
      ingressRule("udp-game", { ipProtocol: "udp", fromPort: 27015, toPort: 27015, cidrIpv4: "0.0.0.0/0" }),
    ],
    { ...ctx, publicPorts: [...ctx.publicPorts, { port: 27015, protocol: "udp" }] },
  );
  assert.deepEqual(
    found(vs),
    ["all", "all-inline", "range", "icmp", "udp443", "unknown-ports", "gcp-all", "gcp-noports", "gcp-range"].map((n) => `no-open-ingress ${n}`),
  );
  assert.match(vs[0].message, /every protocol is open to 0\.0\.0\.0\/0/);
});

// --- no-ssh-unless-enabled -------------------------------------------------------------------

test("no-ssh-unless-enabled: SSH from 0.0.0.0/0 is caught, and with SSH off any rule covering 22 is", () => {
  const rules: PolicyResource[] = [
    ingressRule("ssh-world", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" }),
    ingressRule("ssh-office", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "203.0.113.7/32" }),
    ingressRule("range", { ipProtocol: "tcp", fromPort: 20, toPort: 25, cidrIpv4: "10.0.0.0/8" }),
    ingressRule("all-protocols", { ipProtocol: "-1", referencedSecurityGroupId: "sg-x" }),
    ingressRule("udp22", { ipProtocol: "udp", fromPort: 22, toPort: 22, cidrIpv4: "10.0.0.0/8" }),
    { type: "aws:ec2/securityGroup:SecurityGroup", name: "inline", inputs: { ingress: [{ protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["10.0.0.0/8"] }] } },
    { type: "aws:ec2/securityGroupRule:SecurityGroupRule", name: "legacy", inputs: { type: "ingress", protocol: "6", fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.0/25"] } },
    firewall("gcp-iap", { allows: [{ protocol: "tcp", ports: ["22"] }], sourceRanges: ["35.235.240.0/20"] }),
    firewall("gcp-noports", { allows: [{ protocol: "tcp" }], sourceTags: ["app"] }),
    ingressRule("https", { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" }),
  ];
  const off = noSshUnlessEnabled(rules, ctx);
  assert.deepEqual(
    found(off),
    ["ssh-world", "ssh-office", "range", "all-protocols", "inline", "legacy", "gcp-iap", "gcp-noports"].map((n) => `no-ssh-unless-enabled ${n}`),
  );
  assert.match(off[0].message, /SSH is not enabled/);
  assert.ok(found(checkAll([rules[0]], ctx)).includes("no-ssh-unless-enabled ssh-world"));

  // Enabled: only from the SSH CIDRs (contained ranges too), plus IAP on GCP.
  const on = noSshUnlessEnabled(rules, sshCtx);
  assert.deepEqual(found(on), ["ssh-world", "range", "all-protocols", "inline", "gcp-noports"].map((n) => `no-ssh-unless-enabled ${n}`));
  assert.match(on[0].message, /opens SSH \(port 22\) to 0\.0\.0\.0\/0/);
  assert.match(on[2].message, /security group sg-x/);
  // IAP is Google's range: on AWS it is just another source.
  assert.deepEqual(found(noSshUnlessEnabled([ingressRule("aws-iap", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "35.235.240.0/20" })], sshCtx)), ["no-ssh-unless-enabled aws-iap"]);
  // IPv6 containment.
  assert.deepEqual(noSshUnlessEnabled([ingressRule("v6", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv6: "2001:db8:1::/48" })], sshCtx), []);
  assert.equal(noSshUnlessEnabled([ingressRule("v6-world", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv6: "::/0" })], sshCtx).length, 1);
});

// --- gcp-ingress-default-deny ----------------------------------------------------------------

test("gcp-ingress-default-deny: each GCP instance needs a deny-all ingress rule from 0.0.0.0/0 at 1000 or a smaller number", () => {
  const vm = gcpInstance("web");
  const check = (...rules: PolicyResource[]) => found(gcpIngressDefaultDeny([vm, ...rules]));
  const caught = ["gcp-ingress-default-deny web"];
  // Covered: by tag, by the whole network, with the default priority, by a path to the network.
  assert.deepEqual(check(denyAll("deny")), []);
  assert.deepEqual(check(denyAll("deny", { targetTags: undefined })), []);
  assert.deepEqual(check(denyAll("deny", { priority: undefined })), []);
  assert.deepEqual(check(denyAll("deny", { priority: 10, network: "projects/p/global/networks/default" })), []);
  assert.deepEqual(check(denyAll("deny", { sourceRanges: undefined })), [], "an ingress rule without a source applies to 0.0.0.0/0");
  // Not covered.
  assert.deepEqual(check(), caught);
  assert.deepEqual(check(denyAll("low", { priority: 65534 })), caught, "below the default 1000: an allow rule at 1000 would win");
  assert.deepEqual(check(denyAll("other-tag", { targetTags: ["other"] })), caught);
  assert.deepEqual(check(denyAll("other-net", { network: "my-vpc" })), caught);
  assert.deepEqual(check(denyAll("off", { disabled: true })), caught);
  assert.deepEqual(check(denyAll("egress", { direction: "EGRESS", sourceRanges: undefined, destinationRanges: ["0.0.0.0/0"] })), caught);
  assert.deepEqual(check(denyAll("tcp-only", { denies: [{ protocol: "tcp" }] })), caught);
  assert.deepEqual(check(denyAll("some-ports", { denies: [{ protocol: "all", ports: ["22"] }] })), caught);
  assert.deepEqual(check(denyAll("internal", { sourceRanges: ["10.128.0.0/9"] })), caught);
  assert.deepEqual(check(denyAll("v6", { sourceRanges: ["::/0"] })), caught);
  assert.deepEqual(check(firewall("allow", { priority: 1000, allows: [{ protocol: "all" }], sourceRanges: ["0.0.0.0/0"], targetTags: ["app"] })), caught);
  const [v] = gcpIngressDefaultDeny([vm, denyAll("low", { priority: 65534 })]);
  assert.match(v.message, /at priority 1000 or a smaller number \(low has priority 65534\)/);
  assert.match(v.message, /default-allow-internal/);
  // AWS instances are not its business; the instance's other tag or its service account count too.
  assert.deepEqual(gcpIngressDefaultDeny([awsInstance("aws")]), []);
  assert.deepEqual(check(denyAll("own", { targetTags: ["web"] })), []);
  const withAccount = gcpInstance("sa", "t2a-standard-1", { serviceAccount: { email: "vm@p.iam.gserviceaccount.com", scopes: [] } });
  assert.deepEqual(gcpIngressDefaultDeny([withAccount, denyAll("sa", { targetTags: undefined, targetServiceAccounts: ["vm@p.iam.gserviceaccount.com"] })]), []);
  assert.deepEqual(found(gcpIngressDefaultDeny([withAccount, denyAll("sa", { targetTags: undefined, targetServiceAccounts: ["other@p.iam.gserviceaccount.com"] })])), ["gcp-ingress-default-deny sa"]);
  assert.deepEqual(found(checkAll([vm], ctx)), caught);
});

// --- no-secret-in-user-data ------------------------------------------------------------------

const secretParam: PolicyResource = { type: "aws:ssm/parameter:Parameter", name: "app-cache-password", inputs: { name: "/aspire-arm/dev/cache-password", type: "SecureString", value: mockSecret(SECRET) } };

test("no-secret-in-user-data: a secret inside gzipped base64 user data is caught, without printing it", () => {
  const leaky = awsInstance("leaky", { userDataBase64: gzipB64(`${cloudConfig}  - path: /etc/app.env\n    content: REDIS_PASSWORD=${SECRET}\n`) });
  const vs = noSecretInUserData([secretParam, leaky, awsInstance("clean")]);
  assert.deepEqual(found(vs), ["no-secret-in-user-data leaky"]);
  assert.match(vs[0].message, /userDataBase64 \(decoded\) contains the value of the secret aws:ssm\/parameter:Parameter app-cache-password/);
  assert.ok(!vs[0].message.includes(SECRET));
  assert.deepEqual(found(checkAll([secretParam, leaky], ctx)), ["no-secret-in-user-data leaky"]);
});

test("no-secret-in-user-data: plain, base64 and b64-embedded user data on AWS and GCP", () => {
  const gcpSecret: PolicyResource = { type: "gcp:secretmanager/secretVersion:SecretVersion", name: "v", inputs: { secretData: "gcp-secret-value-123" } };
  const b64File = `#cloud-config\nwrite_files:\n  - encoding: b64\n    content: ${Buffer.from(`X=${SECRET}\n`).toString("base64")}\n`;
  const vs = noSecretInUserData([
    secretParam,
    gcpSecret,
    { type: "aws:ssm/parameter:Parameter", name: "empty", inputs: { type: "SecureString", value: "" } },
    { type: "aws:ssm/parameter:Parameter", name: "not-secret", inputs: { type: "String", value: "cloud" } },
    awsInstance("plain", { userDataBase64: undefined, userData: `#!/bin/sh\necho ${SECRET}\n` }),
    awsInstance("b64-plain", { userDataBase64: Buffer.from(`#!/bin/sh\necho ${SECRET}\n`).toString("base64") }),
    awsInstance("b64-file", { userDataBase64: undefined, userData: b64File }),
    gcpInstance("gcp-plain", "t2a-standard-1", { metadata: { "user-data": `password: gcp-secret-value-123` } }),
    gcpInstance("gcp-gzip", "t2a-standard-1", { metadata: { "user-data": gzipB64(`password: ${SECRET}`), "user-data-encoding": "base64" } }),
    gcpInstance("gcp-clean-b64", "t2a-standard-1", { metadata: { "user-data": gzipB64(cloudConfig), "user-data-encoding": "base64" } }),
    awsInstance("broken-gzip", { userDataBase64: Buffer.from([0x1f, 0x8b, 1, 2, 3]).toString("base64") }),
  ]);
  assert.deepEqual(found(vs), ["plain", "b64-plain", "b64-file", "gcp-plain", "gcp-gzip", "broken-gzip"].map((n) => `no-secret-in-user-data ${n}`));
  assert.match(vs[3].message, /metadata\["user-data"\] contains the value of the secret gcp:secretmanager\/secretVersion:SecretVersion v/);
  assert.match(vs[5].message, /cannot be checked/);
  assert.deepEqual(secretValues([secretParam, gcpSecret]), [SECRET, "gcp-secret-value-123"]);
});

test("secretsInOutputs finds a secret in any plain output, escaped or nested, and names only the output", () => {
  const outputs = { endpoints: { "webfrontend/http": "http://1.2.3.4" }, leak: { nested: [`pw=${SECRET}`] }, quoted: `say "${'a"b-quoted-secret'}"`, nothing: undefined };
  const vs = secretsInOutputs(outputs, [SECRET, 'a"b-quoted-secret', ""]);
  assert.deepEqual(found(vs), ["no-secret-in-outputs leak", "no-secret-in-outputs quoted"]);
  assert.ok(vs.every((v) => !v.message.includes(SECRET)));
  assert.deepEqual(secretsInOutputs(outputs, []), []);
});

// --- the context -----------------------------------------------------------------------------

test("policyContextFromPlan: every VM's public endpoints, plus 80 when a domain and a proxy are set", () => {
  const vm = (name: string, ports: [number, string][], proxy: boolean) =>
    ({ name, proxy, publicEndpoints: ports.map(([port, scheme]) => ({ service: name, binding: scheme, scheme, transport: scheme, port })) }) as unknown as VmPlan;
  const plan = { cloud: "aws", stack: "dev", manifestFile: "m.json", parameters: [], dashboard: false, vms: [vm("web", [[443, "https"]], true), vm("game", [[27015, "udp"], [443, "https"]], false)] } as unknown as DeploymentPlan;
  assert.deepEqual(policyContextFromPlan({ ...plan, domain: "app.example.com" }, { enabled: true, cidrs: ["203.0.113.7/32"] }), {
    sshEnabled: true,
    sshCidrs: ["203.0.113.7/32"],
    publicPorts: [
      { port: 80, protocol: "tcp" },
      { port: 443, protocol: "tcp" },
      { port: 27015, protocol: "udp" },
    ],
  });
  assert.deepEqual(policyContextFromPlan(plan, { enabled: false, cidrs: [] }).publicPorts, [
    { port: 443, protocol: "tcp" },
    { port: 27015, protocol: "udp" },
  ]);
});

// --- end to end: the real program under mocks -------------------------------------------------

const CANARY = "CANARY-policy-7c1e5b2a9d";

/** The plan the program deploys for this config, and so the policy context of its stack. */
function contextFor(config: Record<string, string>, stack: string): PolicyContext {
  const { config: deploy, errors } = readStackConfig(config);
  assert.deepEqual(errors, []);
  const { manifest } = loadManifest(deploy.manifest);
  const { plan } = buildPlan(manifest, { ...deploy.plan, stack });
  return policyContextFromPlan(plan, deploy.ssh);
}

async function endToEnd(cloud: "aws" | "gcp", extra: Record<string, string>, instanceType: string): Promise<void> {
  const config = { "aspire:cloud": cloud, "aspire:manifest": starter, "aspire:parameters.cache-password": CANARY, ...extra };
  const run = await runProgramWithMocks(program, "policytest", config, ["aspire:parameters.cache-password"]);
  const types = new Set(run.resources.map((r) => r.type));
  assert.ok(types.has(instanceType), `dist/index.js created no ${instanceType} for the starter app on ${cloud} (created: ${[...types].join(", ") || "nothing"}): the program does not deploy its cloud component yet`);
  const secrets = secretValues(run.resources);
  assert.ok(secrets.includes(CANARY), `the cache-password canary is not among the stack's secret values (${secrets.length} found): the secret check would prove nothing`);

  const ctx = contextFor(config, "policytest");
  const violations = checkAll(run.resources, ctx);
  assert.deepEqual(violations, [], violations.map((v) => `${v.policy} ${v.type} ${v.resource}: ${v.message}`).join("\n"));
  assert.deepEqual(secretsInOutputs(run.outputs, [CANARY]), []);

  // The rules did look at the instances: the same stack with an x86 type breaks arm64-only.
  const x86 = run.resources.map((r) => (r.type === instanceType ? { ...r, inputs: { ...r.inputs, [cloud === "aws" ? "instanceType" : "machineType"]: cloud === "aws" ? "t3.small" : "n2-standard-2" } } : r));
  assert.ok(checkAll(x86, ctx).some((v) => v.policy === "arm64-only"));
  // On GCP, the deny of all other ingress is there: without it the stack breaks its policy.
  if (cloud === "gcp") {
    const open = run.resources.filter((r) => !(r.type === "gcp:compute/firewall:Firewall" && r.inputs.denies));
    assert.equal(open.length, run.resources.length - 1);
    assert.deepEqual(found(checkAll(open, ctx)), ["gcp-ingress-default-deny app-app"]);
  }
}

test("end to end: the starter app on AWS breaks no policy, and no output holds the secret", async () => {
  await endToEnd("aws", { "aws:region": "us-east-1" }, "aws:ec2/instance:Instance");
});

test(
  "end to end: the starter app on GCP breaks no policy, and no output holds the secret",
  { skip: fs.existsSync(path.join(root, "components/gcp/arm-app.ts")) ? false : "components/gcp/arm-app.ts does not exist yet" },
  async () => {
    await endToEnd("gcp", { "gcp:zone": "us-central1-a", "gcp:project": "demo" }, "gcp:compute/instance:Instance");
  },
);

// Hand-built resources for the policy tests: instances, rules and firewalls of both clouds, and a
// stack that follows every rule.
import * as zlib from "node:zlib";
import {
  DEFAULT_POLICY_CONTEXT,
  type PolicyContext,
  type PolicyResource,
  type Violation,
} from "../../policies";
import { PULUMI_SECRET_SIG, PULUMI_SIG_KEY } from "../../policies/resources";

export const SECRET = "s3cr3t-Value-9f8e7d6c";
export const ctx: PolicyContext = DEFAULT_POLICY_CONTEXT;
export const sshCtx: PolicyContext = {
  ...DEFAULT_POLICY_CONTEXT,
  sshEnabled: true,
  sshCidrs: ["203.0.113.0/24", "2001:db8::/32"],
};

export const gzipB64 = (text: string) =>
  zlib.gzipSync(Buffer.from(text, "utf8"), { level: 9 }).toString("base64");
export const cloudConfig =
  "#cloud-config\nwrite_files:\n  - path: /etc/aspire/secrets.list\n    content: cache-password\n";

/** Pulumi's mocks pass secret inputs wrapped in this signature object. */
export const mockSecret = (value: string) => ({ [PULUMI_SIG_KEY]: PULUMI_SECRET_SIG, value });

export function awsInstance(name: string, overrides: Record<string, unknown> = {}): PolicyResource {
  return {
    type: "aws:ec2/instance:Instance",
    name,
    inputs: {
      instanceType: "t4g.small",
      ami: "ami-123",
      userDataBase64: gzipB64(cloudConfig),
      metadataOptions: {
        httpTokens: "required",
        httpEndpoint: "enabled",
        httpPutResponseHopLimit: 2,
      },
      rootBlockDevice: { volumeType: "gp3", volumeSize: 30, encrypted: true },
      ...overrides,
    },
  };
}

export function gcpInstance(
  name: string,
  machineType = "t2a-standard-1",
  overrides: Record<string, unknown> = {},
): PolicyResource {
  const type = machineType.startsWith("t2a-") ? "pd-balanced" : "hyperdisk-balanced";
  return {
    type: "gcp:compute/instance:Instance",
    name,
    inputs: {
      machineType,
      bootDisk: {
        autoDelete: true,
        initializeParams: {
          image: "ubuntu-os-cloud/ubuntu-2404-lts-arm64",
          type,
          size: 30,
          architecture: "ARM64",
        },
      },
      metadata: { "user-data": cloudConfig, "enable-oslogin": "TRUE" },
      shieldedInstanceConfig: {
        enableSecureBoot: false,
        enableVtpm: true,
        enableIntegrityMonitoring: true,
      },
      networkInterfaces: [{ network: "default", accessConfigs: [{}] }],
      tags: ["app", name],
      ...overrides,
    },
  };
}

export const ingressRule = (name: string, inputs: Record<string, unknown>): PolicyResource => ({
  type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  name,
  inputs: { securityGroupId: "sg-1", ...inputs },
});
export const firewall = (name: string, inputs: Record<string, unknown>): PolicyResource => ({
  type: "gcp:compute/firewall:Firewall",
  name,
  inputs: { network: "default", direction: "INGRESS", ...inputs },
});

/** The deny-all ingress rule the GCP component puts on the app's VMs (tag "app"). */
export const denyAll = (name: string, inputs: Record<string, unknown> = {}): PolicyResource =>
  firewall(name, {
    priority: 1000,
    denies: [{ protocol: "all" }],
    sourceRanges: ["0.0.0.0/0"],
    targetTags: ["app"],
    ...inputs,
  });

/** A stack that follows every rule, on both clouds. */
export function compliant(): PolicyResource[] {
  return [
    awsInstance("app"),
    {
      type: "aws:ebs/volume:Volume",
      name: "app-data",
      inputs: { size: 20, type: "gp3", encrypted: true },
    },
    {
      type: "aws:ssm/parameter:Parameter",
      name: "app-cache-password",
      inputs: { name: "/aspire-arm/dev/cache-password", type: "SecureString", value: SECRET },
    },
    {
      type: "aws:ssm/parameter:Parameter",
      name: "app-plain",
      inputs: { name: "/x", type: "String", value: "#cloud-config" },
    },
    {
      type: "aws:ec2/securityGroup:SecurityGroup",
      name: "app",
      inputs: { vpcId: "vpc-1", description: "app" },
    },
    ingressRule("app-public-tcp-443", {
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    }),
    ingressRule("app-public-tcp-80", {
      ipProtocol: "tcp",
      fromPort: 80,
      toPort: 80,
      cidrIpv6: "::/0",
    }),
    ingressRule("app-private-tcp-6379", {
      ipProtocol: "tcp",
      fromPort: 6379,
      toPort: 6379,
      referencedSecurityGroupId: "sg-members",
    }),
    {
      type: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
      name: "app-egress",
      inputs: { ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" },
    },
    gcpInstance("web", "t2a-standard-2"),
    gcpInstance("db", "c4a-standard-4", {
      metadata: { "user-data": gzipB64(cloudConfig), "user-data-encoding": "base64" },
    }),
    gcpInstance("n4a", "zones/us-central1-a/machineTypes/n4a-standard-2"),
    {
      type: "gcp:compute/disk:Disk",
      name: "db-data",
      inputs: { type: "hyperdisk-balanced", size: 20 },
    },
    firewall("web-public", {
      allows: [{ protocol: "tcp", ports: ["80", "443"] }],
      sourceRanges: ["0.0.0.0/0"],
      targetTags: ["web"],
    }),
    firewall("web-private", {
      allows: [{ protocol: "tcp", ports: ["5432", "6379"] }],
      sourceTags: ["app"],
      targetTags: ["web"],
    }),
    firewall("egress", {
      direction: "EGRESS",
      allows: [{ protocol: "all" }],
      destinationRanges: ["0.0.0.0/0"],
    }),
    denyAll("app-deny-ingress"),
    {
      type: "gcp:secretmanager/secretVersion:SecretVersion",
      name: "app-cache-password",
      inputs: { secret: "projects/p/secrets/x", secretData: mockSecret("gcp-" + SECRET) },
    },
  ];
}

/** The violations as "policy resource" pairs, for compact assertions. */
export const found = (vs: readonly Violation[]) => vs.map((v) => `${v.policy} ${v.resource}`);

// Runs the real Pulumi program (index.ts) under Pulumi's mocks: no credentials, no Pulumi CLI, no
// cloud calls. Every resource the program registers is recorded with its inputs, so `aspire-arm
// plan` can print the tree `pulumi up` would create, and tests can assert on it. Cloud lookups
// (AMI, default VPC, account, partition) answer with labelled placeholders.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { isArmInstanceType } from "../plan";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly parent?: string;
  readonly urn: string;
}

export interface MockRun {
  readonly resources: readonly RecordedResource[];
  /** The stack outputs, resolved (secret ones included, as plain values). */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** Names of the stack outputs that are Pulumi secrets. */
  readonly secretOutputs: readonly string[];
}

/** The partition of the configured region, as the provider would report it. */
function awsPartition(config: Record<string, string>): { partition: string; dnsSuffix: string; reverseDnsPrefix: string } {
  const region = config["aws:region"] ?? "us-east-1";
  if (region.startsWith("us-gov-")) return { partition: "aws-us-gov", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
  if (region.startsWith("cn-")) return { partition: "aws-cn", dnsSuffix: "amazonaws.com.cn", reverseDnsPrefix: "cn.com.amazonaws" };
  return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
}

/** Placeholder answers for the data sources the components call. Exported for the tests' rules
 *  table (test/support/cloud-rules.ts), which asks the same answers what a zone offers. */
export function invoke(token: string, inputs: Record<string, unknown>, config: Record<string, string>): Record<string, unknown> {
  switch (token) {
    case "aws:index/getRegion:getRegion":
      return { name: config["aws:region"] ?? "us-east-1", region: config["aws:region"] ?? "us-east-1", id: config["aws:region"] ?? "us-east-1" };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: "000000000000", arn: `arn:${awsPartition(config).partition}:iam::000000000000:user/(mock)`, userId: "(mock)" };
    case "aws:index/getPartition:getPartition":
      return { ...awsPartition(config), id: awsPartition(config).partition };
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return { names: ["(zone-a)", "(zone-b)"], zoneIds: ["(zone-a)", "(zone-b)"] };
    case "aws:ec2/getVpc:getVpc":
      return { id: "vpc-(default)", cidrBlock: "172.31.0.0/16" };
    case "aws:ec2/getSubnets:getSubnets":
      return { ids: ["subnet-(default-b)", "subnet-(default-a)"] };
    case "aws:ec2/getSubnet:getSubnet":
      return { id: inputs.id, availabilityZone: "(zone of the subnet)", vpcId: "vpc-(default)" };
    case "aws:ec2/getInstanceType:getInstanceType": {
      const type = String(inputs.instanceType);
      return { instanceType: type, supportedArchitectures: isArmInstanceType("aws", type) ? ["arm64"] : ["x86_64"] };
    }
    case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
      return { proxyEndpoint: "https://000000000000.dkr.ecr.(region).amazonaws.com", userName: "AWS", password: "(registry token)", authorizationToken: "(token)" };
    case "aws:ssm/getParameter:getParameter":
      return { name: inputs.name, type: "String", value: `ami-(${inputs.name})`, insecureValue: `ami-(${inputs.name})` };
    case "gcp:organizations/getProject:getProject":
      return { projectId: config["gcp:project"] ?? "(project)", number: "000000000000" };
    case "gcp:compute/getMachineTypes:getMachineTypes": {
      // Answers as if the zone offered the requested type (filter `name = "t2a-standard-1"`).
      const name = /name\s*=\s*"?([a-z0-9-]+)"?/.exec(String(inputs.filter ?? ""))?.[1];
      return { machineTypes: name ? [{ name, guestCpus: 1, memoryMb: 4096 }] : [], zone: inputs.zone, project: config["gcp:project"] };
    }
    case "gcp:organizations/getClientConfig:getClientConfig":
      return { project: config["gcp:project"] ?? "(project)", zone: config["gcp:zone"], region: (config["gcp:zone"] ?? "").replace(/-[a-z]$/, "") };
    default:
      return inputs;
  }
}

/** Outputs the cloud would compute, as placeholders, so that exports and dependent inputs resolve. */
function computed(type: string, name: string, inputs: Record<string, unknown>, config: Record<string, string>): Record<string, unknown> {
  const id = `(${name})`;
  switch (type) {
    case "aws:ec2/instance:Instance":
      return { publicIp: `(public ip of ${name})`, privateIp: `(private ip of ${name})`, arn: `arn:(${name})` };
    case "aws:ec2/eip:Eip":
      return { publicIp: `(elastic ip of ${name})` };
    case "aws:iam/role:Role":
      // The name AWS would give an unnamed role (Pulumi's auto-name has a random suffix).
      return { name: inputs.name ?? name, arn: `arn:${awsPartition(config).partition}:iam::000000000000:role/${inputs.name ?? name}` };
    case "aws:ecr/repository:Repository":
      return { arn: `arn:${awsPartition(config).partition}:ecr:${config["aws:region"] ?? "us-east-1"}:000000000000:repository/${inputs.name}`, repositoryUrl: `000000000000.dkr.ecr.(region).amazonaws.com/${inputs.name}` };
    case "aws:route53/zone:Zone":
      return { zoneId: `(zone ${inputs.name})` };
    case "aws:ebs/volume:Volume":
      return { arn: `arn:(${name})` };
    case "aws:ec2/keyPair:KeyPair":
      return { keyName: name };
    case "random:index/randomPassword:RandomPassword":
      return { result: `(generated by ${name})` };
    case "gcp:compute/instance:Instance": {
      const nics = (inputs.networkInterfaces as Record<string, unknown>[] | undefined) ?? [{}];
      return {
        networkInterfaces: nics.map((n, i) => ({ ...n, networkIp: `(private ip of ${name})`, accessConfigs: ((n.accessConfigs as object[] | undefined) ?? []).map((a) => ({ ...a, natIp: `(public ip of ${name})` })), name: `nic${i}` })),
        selfLink: id,
      };
    }
    case "gcp:serviceaccount/account:Account":
      return { email: `${inputs.accountId}@(project).iam.gserviceaccount.com`, name: id, member: `serviceAccount:${inputs.accountId}@(project).iam.gserviceaccount.com` };
    case "gcp:compute/network:Network":
    case "gcp:compute/subnetwork:Subnetwork":
    case "gcp:compute/disk:Disk":
      return { selfLink: id };
    case "gcp:artifactregistry/repository:Repository":
      return { registryUri: `(region)-docker.pkg.dev/(project)/${inputs.repositoryId}` };
    case "gcp:secretmanager/secret:Secret":
      return { name: `projects/(project)/secrets/${inputs.secretId}` };
    default:
      return {};
  }
}

/**
 * Runs `programPath` (compiled index.js) with `config` (full keys: "aspire:cloud", "aws:region"...)
 * as stack `stack` of project "aspire". Secret config keys can be listed in `secretKeys`.
 */
export async function runProgramWithMocks(programPath: string, stack: string, config: Record<string, string>, secretKeys: readonly string[] = []): Promise<MockRun> {
  const resources: RecordedResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args: pulumi.runtime.MockResourceArgs) => {
        const urn = `urn:pulumi:${stack}::aspire::${args.type}::${args.name}`;
        resources.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown>, urn });
        return { id: `${args.name}-id`, state: { ...args.inputs, ...computed(args.type, args.name, args.inputs as Record<string, unknown>, config) } };
      },
      call: (args: pulumi.runtime.MockCallArgs) => invoke(args.token, args.inputs as Record<string, unknown>, config),
    },
    "aspire",
    stack,
  );
  pulumi.runtime.setAllConfig(config, [...secretKeys]);
  // An error thrown inside an apply (a RunError of a component) surfaces as an unhandled
  // rejection: catch it and fail the run with it, as `pulumi up` would.
  let failure: unknown;
  const onRejection = (e: unknown) => {
    failure ??= e;
  };
  process.on("unhandledRejection", onRejection);
  try {
    const resolved = require.resolve(path.resolve(programPath));
    delete require.cache[resolved];
    const exports = require(resolved) as Record<string, unknown>;
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [k, v] of Object.entries(exports)) {
      if (pulumi.Output.isInstance(v) && (await pulumi.isSecret(v))) secretOutputs.push(k);
      outputs[k] = await settle(v);
    }
    // Registrations finish asynchronously: wait until no new resource arrives.
    for (let seen = -1; seen !== resources.length; ) {
      seen = resources.length;
      await new Promise((r) => setTimeout(r, 20));
    }
    if (failure) throw failure;
    return { resources, outputs, secretOutputs };
  } finally {
    process.off("unhandledRejection", onRejection);
  }
}

/** Resolves Outputs (deeply, in objects and arrays) to plain values; unknowns become undefined. */
async function settle(v: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(v)) return settle(await new Promise((resolve) => (v as pulumi.Output<unknown>).apply((x) => resolve(x))));
  if (Array.isArray(v)) return Promise.all(v.map(settle));
  if (v && typeof v === "object" && !pulumi.Resource.isInstance(v)) return Object.fromEntries(await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await settle(x)])));
  return v;
}

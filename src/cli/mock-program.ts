// Runs the real Pulumi program (index.ts) under Pulumi's mocks: no credentials, no Pulumi CLI, no
// cloud calls. Every resource the program registers is recorded with its inputs (and the options
// the engine would get), so `aspire-arm plan` can print the tree `pulumi up` would create, and
// tests can assert on it. Cloud lookups (AMI, account, partition) answer with labelled
// placeholders; the AWS zones, default subnets and instance type offerings answer as a small but
// realistic region would (see mockAwsZones, mockAwsOffers).
import { createHash } from "node:crypto";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { useImageResolver, type ImageResolver } from "../../components/image-check";
import { isArmInstanceType } from "../plan";
import { parseImageName, pinnedReference } from "../registry/reference";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The parent's URN as the mock monitor names it (its own parent's type only, not the whole
   *  chain the engine writes); absent for a resource without a parent. */
  readonly parent?: string;
  readonly urn: string;
  /** The resource options as the engine receives them (absent for resources recorded by hand). */
  readonly options?: RecordedOptions;
}

export interface RecordedOptions {
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly deleteBeforeReplace: boolean;
  readonly ignoreChanges: readonly string[];
  readonly replaceOnChanges: readonly string[];
  /** URNs of the resources it depends on (dependsOn and the inputs' resources). */
  readonly dependencies: readonly string[];
  /** The replacementTrigger value, as the engine would compare it with the last recorded one. */
  readonly replacementTrigger?: unknown;
}

export interface MockRun {
  readonly resources: readonly RecordedResource[];
  /** The stack outputs, resolved (secret ones included, as plain values). */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** Names of the stack outputs that are Pulumi secrets. */
  readonly secretOutputs: readonly string[];
}

const awsRegion = (config: Record<string, string>) => config["aws:region"] ?? "us-east-1";

/** The mock region's availability zones: us-east-1a to -1f as in us-east-1, a to c elsewhere. */
export function mockAwsZones(region: string): string[] {
  return [...(region === "us-east-1" ? "abcdef" : "abc")].map((l) => `${region}${l}`);
}

/** The default VPC's default subnet in a zone. The ids do not sort in zone order: the lowest,
 *  the subnet the program once took without asking, is in the last zone (us-east-1e's, which
 *  offers no t4g). */
export function defaultSubnetId(zone: string): string {
  const letter = zone.slice(-1);
  const rank = { e: 1, c: 2, b: 3, a: 4, d: 5, f: 6 }[letter] ?? 9;
  return `subnet-0${rank}-default-${letter}`;
}

/** A subnet's zone: the default subnets' own; a subnet id ending in -<letter> (subnet-0abc-e) is in
 *  that zone of the region; any other is in the region's first zone. */
export function mockSubnetZone(region: string, subnetId: string): string {
  const letter = /-([a-f])$/.exec(subnetId)?.[1];
  return letter && mockAwsZones(region).includes(`${region}${letter}`)
    ? `${region}${letter}`
    : mockAwsZones(region)[0];
}

/**
 * Whether a mock zone offers an instance type, after the shape of the real offer: us-east-1e
 * (use1-az3) offers no Graviton type newer than the 6g families (no t4g, no 7g or 8g); Graviton5
 * (m9g) is in zones a and b only, and x8g in zones c and d only, so the two together fit no zone.
 * Every other type is in every zone.
 */
export function mockAwsOffers(region: string, zone: string, type: string): boolean {
  const letter = zone.slice(-1);
  const family = type.split(".")[0];
  if (!isArmInstanceType("aws", type)) return true;
  if (/^m9g/.test(family)) return "ab".includes(letter);
  if (/^x8g/.test(family)) return "cd".includes(letter);
  if (region === "us-east-1" && letter === "e") return /^(a1|[a-z]+6g[a-z]*)$/.test(family);
  return true;
}

/** DescribeInstanceTypeOfferings by availability zone, with its location and instance-type filters:
 *  parallel lists of types and zones, as the provider returns them. */
function mockAwsOfferings(
  region: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const filters = (inputs.filters as { name: string; values: string[] }[] | undefined) ?? [];
  const values = (name: string) => filters.find((f) => f.name === name)?.values;
  const types = values("instance-type") ?? [];
  const zones = (values("location") ?? mockAwsZones(region)).filter((z) =>
    mockAwsZones(region).includes(z),
  );
  const pairs = zones.flatMap((zone) =>
    types.filter((t) => mockAwsOffers(region, zone, t)).map((t) => ({ zone, t })),
  );
  return {
    id: region,
    region,
    locationType: inputs.locationType,
    instanceTypes: pairs.map((p) => p.t),
    locations: pairs.map((p) => p.zone),
    locationTypes: pairs.map(() => "availability-zone"),
  };
}

/** The partition of the configured region, as the provider would report it. */
function awsPartition(config: Record<string, string>): {
  partition: string;
  dnsSuffix: string;
  reverseDnsPrefix: string;
} {
  const region = config["aws:region"] ?? "us-east-1";
  if (region.startsWith("us-gov-"))
    return {
      partition: "aws-us-gov",
      dnsSuffix: "amazonaws.com",
      reverseDnsPrefix: "com.amazonaws",
    };
  if (region.startsWith("cn-"))
    return {
      partition: "aws-cn",
      dnsSuffix: "amazonaws.com.cn",
      reverseDnsPrefix: "cn.com.amazonaws",
    };
  return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
}

/** Placeholder answers for the data sources the components call. Exported for the tests' rules
 *  table (test/support/cloud-rules.ts), which asks the same answers what a zone offers. */
export function invoke(
  token: string,
  inputs: Record<string, unknown>,
  config: Record<string, string>,
): Record<string, unknown> {
  switch (token) {
    case "aws:index/getRegion:getRegion":
      return {
        name: config["aws:region"] ?? "us-east-1",
        region: config["aws:region"] ?? "us-east-1",
        id: config["aws:region"] ?? "us-east-1",
      };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        accountId: "000000000000",
        arn: `arn:${awsPartition(config).partition}:iam::000000000000:user/(mock)`,
        userId: "(mock)",
      };
    case "aws:index/getPartition:getPartition":
      return { ...awsPartition(config), id: awsPartition(config).partition };
    case "aws:index/getAvailabilityZones:getAvailabilityZones": {
      const zones = mockAwsZones(awsRegion(config));
      return { names: zones, zoneIds: zones.map((z) => `(id of ${z})`), state: inputs.state };
    }
    case "aws:ec2/getVpc:getVpc":
      // DNS support and hostnames are on in a default VPC; a VPC id containing "nodns" has them off.
      return {
        id: inputs.id ?? "vpc-(default)",
        cidrBlock: "172.31.0.0/16",
        enableDnsSupport: !String(inputs.id ?? "").includes("nodns"),
        enableDnsHostnames: !String(inputs.id ?? "").includes("nodns"),
      };
    case "aws:ec2/getSubnets:getSubnets":
      return { ids: mockAwsZones(awsRegion(config)).map(defaultSubnetId) };
    case "aws:ec2/getSubnet:getSubnet": {
      const id = String(inputs.id);
      return {
        id,
        availabilityZone: mockSubnetZone(awsRegion(config), id),
        vpcId: "vpc-(default)",
        defaultForAz: id.includes("-default-"),
      };
    }
    case "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings":
      return mockAwsOfferings(awsRegion(config), inputs);
    case "aws:ec2/getInstanceType:getInstanceType": {
      const type = String(inputs.instanceType);
      return {
        instanceType: type,
        supportedArchitectures: isArmInstanceType("aws", type) ? ["arm64"] : ["x86_64"],
      };
    }
    case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
      return {
        proxyEndpoint: "https://000000000000.dkr.ecr.(region).amazonaws.com",
        userName: "AWS",
        password: "(registry token)",
        authorizationToken: "(token)",
      };
    case "aws:ssm/getParameter:getParameter":
      return {
        name: inputs.name,
        type: "String",
        value: `ami-(${inputs.name})`,
        insecureValue: `ami-(${inputs.name})`,
      };
    case "gcp:organizations/getProject:getProject":
      return { projectId: config["gcp:project"] ?? "(project)", number: "000000000000" };
    case "gcp:compute/getMachineTypes:getMachineTypes": {
      // Answers as if the zone offered the requested type (filter `name = "t2a-standard-1"`).
      const name = /name\s*=\s*"?([a-z0-9-]+)"?/.exec(String(inputs.filter ?? ""))?.[1];
      return {
        machineTypes: name ? [{ name, guestCpus: 1, memoryMb: 4096 }] : [],
        zone: inputs.zone,
        project: config["gcp:project"],
      };
    }
    case "gcp:organizations/getClientConfig:getClientConfig":
      // accessToken: the deployer's OAuth token, the registry password of the image builds.
      return {
        project: config["gcp:project"] ?? "(project)",
        zone: config["gcp:zone"],
        region: (config["gcp:zone"] ?? "").replace(/-[a-z]$/, ""),
        accessToken: "(access token)",
      };
    default:
      return inputs;
  }
}

/** The registry under mocks: every image arm64, at a stand-in digest made from its reference (so
 *  a different image is a different digest, as in a registry). Offline, the real answer is unknown:
 *  `pulumi up` asks the registries (components/image-check.ts). */
export const mockImageResolver: ImageResolver = async (image) => {
  const name = parseImageName(image);
  if (!name)
    return { ok: false, problem: "error", message: `image ${image} is not an image reference` };
  const digest =
    name.digest ?? `sha256:${createHash("sha256").update(`(mock) ${image}`).digest("hex")}`;
  return { ok: true, digest, pinned: pinnedReference(name, digest), platforms: ["linux/arm64"] };
};

/** Outputs the cloud would compute, as placeholders, so that exports and dependent inputs resolve. */
function valueVersion(value: unknown): number {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
  return parseInt(createHash("sha256").update(text).digest("hex").slice(0, 8), 16);
}

function computed(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  config: Record<string, string>,
): Record<string, unknown> {
  const id = `(${name})`;
  switch (type) {
    case "aws:ec2/instance:Instance":
      return {
        publicIp: `(public ip of ${name})`,
        privateIp: `(private ip of ${name})`,
        arn: `arn:(${name})`,
      };
    case "aws:ec2/eip:Eip":
      return { publicIp: `(elastic ip of ${name})` };
    case "aws:iam/role:Role":
      // The name AWS would give an unnamed role (Pulumi's auto-name has a random suffix).
      return {
        name: inputs.name ?? name,
        arn: `arn:${awsPartition(config).partition}:iam::000000000000:role/${inputs.name ?? name}`,
      };
    case "aws:ecr/repository:Repository":
      return {
        arn: `arn:${awsPartition(config).partition}:ecr:${config["aws:region"] ?? "us-east-1"}:000000000000:repository/${inputs.name}`,
        repositoryUrl: `000000000000.dkr.ecr.(region).amazonaws.com/${inputs.name}`,
      };
    case "aws:route53/zone:Zone":
      return { zoneId: `(zone ${inputs.name})` };
    case "aws:ebs/volume:Volume":
      return { arn: `arn:(${name})` };
    // A stored secret's version: the clouds number a secret's values, so a new value is a new
    // version. A mock run is always a creation; a digest of the value stands in for the number
    // so that two runs with different values differ as two deployments would.
    case "aws:ssm/parameter:Parameter":
      return { version: valueVersion(inputs.value) };
    case "gcp:secretmanager/secretVersion:SecretVersion":
      return { version: String(valueVersion(inputs.secretData)) };
    case "aws:ec2/keyPair:KeyPair":
      return { keyName: name };
    case "pulumi:index:Stash":
      // The engine keeps the value the stash was created with; a mock run is always a creation.
      return { output: inputs.input };
    case "random:index/randomPassword:RandomPassword":
      return { result: `(generated by ${name})` };
    case "gcp:compute/instance:Instance": {
      const nics = (inputs.networkInterfaces as Record<string, unknown>[] | undefined) ?? [{}];
      return {
        networkInterfaces: nics.map((n, i) => ({
          ...n,
          networkIp: `(private ip of ${name})`,
          accessConfigs: ((n.accessConfigs as object[] | undefined) ?? []).map((a) => ({
            ...a,
            natIp: `(public ip of ${name})`,
          })),
          name: `nic${i}`,
        })),
        selfLink: id,
      };
    }
    case "gcp:serviceaccount/account:Account":
      return {
        email: `${inputs.accountId}@(project).iam.gserviceaccount.com`,
        name: id,
        member: `serviceAccount:${inputs.accountId}@(project).iam.gserviceaccount.com`,
      };
    case "gcp:compute/network:Network":
    case "gcp:compute/subnetwork:Subnetwork":
    case "gcp:compute/disk:Disk":
      return { selfLink: id };
    case "gcp:artifactregistry/repository:Repository":
      // The provider fills project (the provider's own) and name (the repository id): image references are built from them.
      return {
        project: inputs.project ?? config["gcp:project"] ?? "(project)",
        name: inputs.repositoryId,
        registryUri: `(region)-docker.pkg.dev/(project)/${inputs.repositoryId}`,
      };
    case "gcp:secretmanager/secret:Secret":
      return { name: `projects/(project)/secrets/${inputs.secretId}` };
    default:
      return {};
  }
}

export interface MockOptions {
  /** What the registries answer (components/image-check.ts); default: every image is arm64, at a
   *  stand-in digest (mockImageResolver). Nothing is asked on the network. */
  readonly images?: ImageResolver;
  /** Receives every registration as it happens, also those of a run that fails. */
  readonly registered?: RecordedResource[];
}

/**
 * Runs `programPath` (compiled index.js) with `config` (full keys: "aspire:cloud", "aws:region"...)
 * as stack `stack` of project "aspire". Secret config keys can be listed in `secretKeys`.
 */
export async function runProgramWithMocks(
  programPath: string,
  stack: string,
  config: Record<string, string>,
  secretKeys: readonly string[] = [],
  mock: MockOptions = {},
): Promise<MockRun> {
  const images = mock.images ?? mockImageResolver;
  const resources: RecordedResource[] = mock.registered ?? [];
  const options = new Map<string, { options: RecordedOptions; parent: string }>();
  await pulumi.runtime.setMocks(
    {
      newResource: (args: pulumi.runtime.MockResourceArgs) => {
        const urn = `urn:pulumi:${stack}::aspire::${args.type}::${args.name}`;
        const registered = options.get(`${args.type}::${args.name}`);
        resources.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs as Record<string, unknown>,
          urn,
          options: registered?.options,
          ...(registered?.parent ? { parent: registered.parent } : {}),
        });
        return {
          id: `${args.name}-id`,
          state: {
            ...args.inputs,
            ...computed(args.type, args.name, args.inputs as Record<string, unknown>, config),
          },
        };
      },
      call: (args: pulumi.runtime.MockCallArgs) =>
        invoke(args.token, args.inputs as Record<string, unknown>, config),
    },
    "aspire",
    stack,
  );
  recordOptions(options);
  pulumi.runtime.setAllConfig(config, [...secretKeys]);
  // An error thrown inside an apply (a RunError of a component) surfaces as an unhandled
  // rejection (once per registration that waits for it): catch them and fail the run with the
  // first, as `pulumi up` would.
  let failure: unknown;
  let rejections = 0;
  const onRejection = (e: unknown) => {
    failure ??= e;
    rejections++;
  };
  // While the program runs, its rejections are its own failure, reported by this function's
  // promise: no other listener (a test runner's) takes them for a failure of its own.
  const others = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", onRejection);
  try {
    const resolved = require.resolve(path.resolve(programPath));
    delete require.cache[resolved];
    useImageResolver(images);
    // The program is a function (index.ts): called and awaited, as Pulumi does; its result is the outputs.
    const program = require(resolved) as
      Record<string, unknown> | (() => Promise<Record<string, unknown>>);
    const exports = typeof program === "function" ? await program() : program;
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [k, v] of Object.entries(exports)) {
      if (pulumi.Output.isInstance(v) && (await pulumi.isSecret(v))) secretOutputs.push(k);
      outputs[k] = await settle(v);
    }
    await quiet();
    if (failure) throw failure;
    return { resources, outputs, secretOutputs };
  } catch (e) {
    // A failed output fails every registration that waits for it, one after another: let them all
    // arrive here rather than in whatever runs next.
    await quiet();
    throw e;
  } finally {
    useImageResolver(undefined);
    process.off("unhandledRejection", onRejection);
    for (const listener of others) process.on("unhandledRejection", listener);
  }

  /** Registrations (and the failures of those that wait for a failed output) finish
   *  asynchronously: wait until neither a new resource nor a new failure arrives. */
  async function quiet(): Promise<void> {
    for (let seen = ""; seen !== `${resources.length}/${rejections}`;) {
      seen = `${resources.length}/${rejections}`;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Records the options and the parent of every registration, as the engine would receive them, by
 *  the request the SDK sends to the (mock) monitor: the mocks' newResource sees the inputs only. */
function recordOptions(into: Map<string, { options: RecordedOptions; parent: string }>): void {
  type Request = {
    getType(): string;
    getName(): string;
    getParent(): string;
    getProtect(): boolean;
    getRetainondelete(): boolean;
    getDeletebeforereplace(): boolean;
    getIgnorechangesList(): string[];
    getReplaceonchangesList(): string[];
    getDependenciesList(): string[];
    getReplacementTrigger?(): { toJavaScript(): unknown } | undefined;
  };
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource: (req: Request, callback: unknown) => unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    into.set(`${req.getType()}::${req.getName()}`, {
      options: {
        protect: req.getProtect(),
        retainOnDelete: req.getRetainondelete(),
        deleteBeforeReplace: req.getDeletebeforereplace(),
        ignoreChanges: req.getIgnorechangesList(),
        replaceOnChanges: req.getReplaceonchangesList(),
        dependencies: req.getDependenciesList(),
        replacementTrigger: req.getReplacementTrigger?.()?.toJavaScript(),
      },
      parent: req.getParent(),
    });
    return register(req, callback);
  };
}

/** Resolves Outputs (deeply, in objects and arrays) to plain values; unknowns become undefined. */
async function settle(v: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(v))
    return settle(
      await new Promise((resolve) => (v as pulumi.Output<unknown>).apply((x) => resolve(x))),
    );
  if (Array.isArray(v)) return Promise.all(v.map(settle));
  if (v && typeof v === "object" && !pulumi.Resource.isInstance(v))
    return Object.fromEntries(
      await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await settle(x)])),
    );
  return v;
}

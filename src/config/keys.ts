// The stack's config keys, one table: key, type, default, example, description. readStackConfig
// takes from it the keys it knows (an unknown one is warned about), the fields a VM takes, the
// values a key allows and the example each message shows; Pulumi.yaml's `config:` block and the
// README's "Stack configuration" table are written from it (./key-docs.ts, checked in
// test/config/). As Kamal validates deploy.yml against its documented example config, every
// example here is valid config: readStackConfig accepts each one (test/config/stack-config.test.ts).
import * as yaml from "js-yaml";
import {
  DEFAULT_DISK_SIZE_GB,
  DEFAULT_DOTNET_CHANNEL,
  DEFAULT_INSTANCE_TYPE,
  DEFAULT_VM_NAME,
  DOTNET_CHANNELS,
  DOTNET_END_OF_SUPPORT,
  MAX_VM_NAME_LENGTH,
  MIN_BOOT_DISK_GB,
  type Cloud,
} from "../plan";

export const NS = "aspire";
export const DEFAULT_MANIFEST = "manifests/aspire-starter/aspire-manifest.json";

export type KeyType =
  "string" | "integer" | "boolean" | "list" | "object" | "list or object" | "string or object";
export type Scalar = string | number | boolean;
export type ExampleValue =
  Scalar | readonly ExampleValue[] | { readonly [field: string]: ExampleValue };

export interface StackKey {
  /** As `pulumi config` names it: `aspire:ssh.cidrs`, a provider's `aws:region`. A segment in
   *  angle brackets (`aspire:vms.<name>`) stands for a name the user picks. */
  readonly key: string;
  readonly type: KeyType;
  /** The value of an unset key, as readStackConfig and Pulumi.yaml give it. */
  readonly default?: Scalar;
  /** The default in words, when it is not one value (README). */
  readonly defaultText?: string;
  /** Every value the key takes, when they are few (readStackConfig refuses others). */
  readonly values?: readonly string[];
  /** A valid value: on AWS, and on GCP too unless `gcpExample` is given. An object key without
   *  one has the example its fields make. */
  readonly example?: ExampleValue;
  readonly gcpExample?: ExampleValue;
  /** Read on this cloud only. */
  readonly cloud?: Cloud;
  /** Fields of one form of an object (aspire:network's `create` and `existing`) are set together. */
  readonly form?: string;
  /** A `<name>` key: the name its examples use. */
  readonly sampleName?: string;
  /** Also a key of its own (`pulumi config set aspire:parameters.NAME VALUE`, without --path). */
  readonly flat?: boolean;
  /** The option of `aspire-arm plan` that sets it. */
  readonly flag?: string;
  /** Markdown (the README's table shows it); Pulumi.yaml shows it as written. */
  readonly description: string;
  /** A README section that says more, by its anchor. */
  readonly see?: { readonly title: string; readonly anchor: string };
}

const code = (v: Scalar) => `\`${v}\``;
const list = (items: readonly string[], word: string) =>
  items.length < 2
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} ${word} ${items[items.length - 1]}`;
const orList = (items: readonly string[]) => list(items, "or");
const andList = (items: readonly string[]) => list(items, "and");

export const STACK_KEYS: readonly StackKey[] = [
  {
    key: "aspire:cloud",
    type: "string",
    values: ["aws", "gcp"],
    default: "aws",
    example: "aws",
    gcpExample: "gcp",
    flag: "--cloud",
    description:
      "Target cloud: `aws` (Graviton EC2) or `gcp` (Tau T2A / Axion C4A, N4A). Set `aws:region`, or `gcp:project` and `gcp:zone`.",
  },
  {
    key: "aws:region",
    type: "string",
    cloud: "aws",
    example: "us-east-1",
    description: "AWS, required: the region (the AWS provider's own key).",
  },
  {
    key: "gcp:project",
    type: "string",
    cloud: "gcp",
    example: "my-project-id",
    description: "GCP, required: the project id (the Google provider's own key).",
  },
  {
    key: "gcp:zone",
    type: "string",
    cloud: "gcp",
    example: "us-central1-a",
    description:
      "GCP, required: the zone, such as `us-central1-a` (the Google provider's own key).",
  },
  {
    key: "aspire:manifest",
    type: "string",
    default: DEFAULT_MANIFEST,
    example: "path/to/aspire-manifest.json",
    flag: "MANIFEST",
    description:
      "The Aspire manifest to deploy (`aspire-manifest.json`, JSON or YAML), relative to this folder. Publish it in the AppHost folder so project paths resolve.",
  },
  {
    key: "aspire:vms",
    type: "object",
    defaultText: `one VM ${code(DEFAULT_VM_NAME)}`,
    example: {
      data: ["cache"],
      app: { resources: ["apiservice", "webfrontend"], instanceType: "t4g.medium" },
    },
    gcpExample: {
      data: ["cache"],
      app: { resources: ["apiservice", "webfrontend"], instanceType: "t2a-standard-2" },
    },
    description:
      "VM groups: VM names to the services each runs. A service no group names runs on the first VM.",
  },
  {
    key: "aspire:vms.<name>",
    type: "list or object",
    sampleName: "app",
    example: ["apiservice", "webfrontend"],
    flag: "--vm",
    description: `A VM: the services it runs, or an object of \`resources\` and settings of its own. Its name: lower-case letters, digits and dashes, at most ${MAX_VM_NAME_LENGTH} characters.`,
  },
  {
    key: "aspire:vms.<name>.resources",
    type: "list",
    example: ["apiservice", "webfrontend"],
    description: "The manifest's services this VM runs.",
  },
  {
    key: "aspire:vms.<name>.instanceType",
    type: "string",
    example: "t4g.medium",
    gcpExample: "t2a-standard-2",
    description: "This VM's instance or machine type (default `aspire:instanceType`).",
  },
  {
    key: "aspire:vms.<name>.diskSizeGb",
    type: "integer",
    example: 30,
    description: "This VM's boot disk in GB (default `aspire:diskSizeGb`).",
  },
  {
    key: "aspire:vms.<name>.runtime",
    type: "string",
    values: ["docker", "dotnet"],
    example: "dotnet",
    description: "This VM's runtime, `docker` or `dotnet` (default `aspire:runtime`).",
  },
  {
    key: "aspire:vms.<name>.os",
    type: "string",
    values: ["ubuntu-24.04", "al2023"],
    example: "ubuntu-24.04",
    description: "This VM's system, `ubuntu-24.04` or `al2023` (default `aspire:os`).",
  },
  {
    key: "aspire:vmPerService",
    type: "boolean",
    default: false,
    example: true,
    flag: "--vm-per-service",
    description: "Put every service on its own VM (ignored when `aspire:vms` is set).",
  },
  {
    key: "aspire:instanceType",
    type: "string",
    defaultText: `${code(DEFAULT_INSTANCE_TYPE.aws)} / ${code(DEFAULT_INSTANCE_TYPE.gcp)}`,
    example: DEFAULT_INSTANCE_TYPE.aws,
    gcpExample: DEFAULT_INSTANCE_TYPE.gcp,
    flag: "--instance-type",
    description:
      "Instance (AWS) or machine (GCP) type of every VM, Arm only: x86 types fail with the Arm type to use (`t3.small` -> `t4g.small`, `e2-standard-2` -> `t2a-standard-2`). Per VM as `vms.<name>.instanceType`.",
  },
  {
    key: "aspire:runtime",
    type: "string",
    values: ["docker", "dotnet"],
    default: "docker",
    example: "dotnet",
    flag: "--runtime",
    description:
      "`docker` (every service in a container) or `dotnet` (.NET projects natively on the ASP.NET Core runtime, containers under Docker). Per VM as `vms.<name>.runtime`.",
  },
  {
    key: "aspire:os",
    type: "string",
    values: ["ubuntu-24.04", "al2023"],
    default: "ubuntu-24.04",
    example: "ubuntu-24.04",
    description:
      "The VMs' system: `ubuntu-24.04`, or `al2023` (Amazon Linux 2023, AWS only). Per VM as `vms.<name>.os`.",
  },
  {
    key: "aspire:diskSizeGb",
    type: "integer",
    default: DEFAULT_DISK_SIZE_GB,
    example: 30,
    description: `Boot disk size of every VM, in GB: at least ${MIN_BOOT_DISK_GB} (the Ubuntu 24.04 arm64 image on GCP is ${MIN_BOOT_DISK_GB} GB). Per VM as \`vms.<name>.diskSizeGb\`.`,
  },
  {
    key: "aspire:domain",
    type: "string",
    example: "app.example.com",
    flag: "--domain",
    description:
      "A DNS name pointing at the VM: external http(s) endpoints are then served with automatic HTTPS (Caddy, Let's Encrypt).",
  },
  {
    key: "aspire:dashboard",
    type: "boolean",
    default: false,
    example: true,
    flag: "--dashboard",
    description:
      "Run the Aspire dashboard on the first VM (behind the proxy, with a generated login token) and send the projects' telemetry to it.",
  },
  {
    key: "aspire:ssh",
    type: "object",
    defaultText: "off",
    description:
      "SSH on port 22, off by default. Without it, open a shell with Session Manager (AWS); `gcloud compute ssh --tunnel-through-iap` (GCP) needs it.",
  },
  {
    key: "aspire:ssh.enabled",
    type: "boolean",
    default: false,
    example: true,
    description: "Open port 22 to `ssh.cidrs` (and, on GCP, to Google's IAP range).",
  },
  {
    key: "aspire:ssh.cidrs",
    type: "list",
    example: ["203.0.113.7/32"],
    description:
      "The IPv4 blocks allowed to connect, each from its first address (`10.0.0.0/8`, not `10.0.0.1/8`). Required when enabled: SSH is never opened to the whole internet by default.",
  },
  {
    key: "aspire:ssh.publicKey",
    type: "string",
    example: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE me@laptop",
    description:
      "One OpenSSH public key on one line, for the default user (an EC2 key pair, GCP's `ssh-keys` metadata).",
  },
  {
    key: "aspire:parameters",
    type: "object",
    description:
      "Values of the manifest's parameters by name, in one object or each as a key of its own (secret ones must be).",
  },
  {
    key: "aspire:parameters.<name>",
    type: "string",
    flat: true,
    sampleName: "NAME",
    example: "VALUE",
    flag: "--set",
    description:
      "A manifest parameter's value; a secret one with `pulumi config set --secret` (its value never enters the plan).",
  },
  {
    key: "aspire:images",
    type: "object",
    description:
      "Published images to run instead of building or pulling the manifest's, by resource.",
  },
  {
    key: "aspire:images.<resource>",
    type: "string",
    sampleName: "apiservice",
    example: "registry.example.com/apiservice:1.0",
    flag: "--image",
    description:
      "An image reference Docker can pull, run for that resource instead of its manifest image or build.",
  },
  {
    key: "aspire:healthChecks",
    type: "object",
    description:
      "HTTP paths that gate a rollout, by resource: after a change, the service must answer 2xx or 3xx there before the previous release is dropped.",
    see: {
      title: "Releases, health gate and rollback",
      anchor: "releases-health-gate-and-rollback",
    },
  },
  {
    key: "aspire:healthChecks.<resource>",
    type: "string",
    sampleName: "apiservice",
    example: "/health",
    description:
      "The path (from `/`) probed on the service's HTTP binding, on its target port. Without one, the image's own `HEALTHCHECK` gates, else a TCP connect to each target port.",
  },
  {
    key: "aspire:network",
    type: "string or object",
    values: ["default", "create"],
    default: "default",
    example: "create",
    description:
      "Where the VMs go: `default` (the default VPC or network), `create` (a VPC for the stack), or an object: `{create: true, cidr}`, an existing `{vpcId, subnetIds}` (AWS) or `{network, subnetwork}` (GCP).",
  },
  {
    key: "aspire:network.create",
    type: "boolean",
    form: "create",
    example: true,
    description: "Create a VPC for the stack, its address block `network.cidr`.",
  },
  {
    key: "aspire:network.cidr",
    type: "string",
    form: "create",
    default: "10.42.0.0/16",
    example: "10.42.0.0/16",
    description: "The created VPC's IPv4 block, from its first address.",
  },
  {
    key: "aspire:network.vpcId",
    type: "string",
    form: "existing",
    cloud: "aws",
    example: "vpc-0abc",
    description: "AWS: an existing VPC, with `network.subnetIds`.",
  },
  {
    key: "aspire:network.subnetIds",
    type: "list",
    form: "existing",
    cloud: "aws",
    example: ["subnet-0def"],
    description:
      "AWS: subnets of `network.vpcId`; the VMs go in the first whose zone offers every instance type of the stack.",
  },
  {
    key: "aspire:network.network",
    type: "string",
    form: "existing",
    cloud: "gcp",
    example: "my-vpc",
    description: "GCP: an existing network, by name or self link.",
  },
  {
    key: "aspire:network.subnetwork",
    type: "string",
    form: "existing",
    cloud: "gcp",
    example: "my-subnet",
    description: "GCP: the network's subnetwork for the VMs (none on an auto-mode network).",
  },
  {
    key: "aspire:elasticIp",
    type: "boolean",
    cloud: "aws",
    default: false,
    example: true,
    description:
      "AWS: give each VM an Elastic IP, a fixed public address that survives its replacement.",
  },
  {
    key: "aspire:imageUpgrade",
    type: "boolean",
    cloud: "aws",
    default: false,
    example: true,
    description:
      "AWS: the VMs keep the AMI they were created from; `true` moves them to the one the SSM parameter names now (replacing each VM whose AMI differs), on this and every deploy while it stays true.",
    see: { title: "Images and upgrades", anchor: "images-and-upgrades" },
  },
  {
    key: "aspire:protectData",
    type: "boolean",
    default: true,
    example: false,
    description:
      "Protect data disks (named volumes) from deletion and `pulumi destroy`; they also survive VM replacement.",
  },
  {
    key: "aspire:dotnetChannel",
    type: "string",
    values: DOTNET_CHANNELS,
    default: DEFAULT_DOTNET_CHANNEL,
    example: DEFAULT_DOTNET_CHANNEL,
    description:
      `The .NET runtime installed for a native app whose published files name none (no \`*.runtimeconfig.json\`): ${orList(DOTNET_CHANNELS.map(code))}; every other app gets the runtime its own \`runtimeconfig.json\` names. ` +
      `${DEFAULT_DOTNET_CHANNEL} is the LTS supported until ${DOTNET_END_OF_SUPPORT[DEFAULT_DOTNET_CHANNEL]}; ` +
      `${leftSupport()} and are accepted with a warning.`,
  },
  {
    key: "aspire:sourceRoot",
    type: "string",
    defaultText: "the folder above the manifest's (Aspire's `<solution>/<App>.AppHost` layout)",
    example: "../my-solution",
    flag: "--source-root",
    description:
      "The folder every file the manifest names (projects, Dockerfiles, build contexts, bind-mount sources) must resolve inside, links followed; relative to this folder.",
  },
];

/** "8.0 and 9.0 left support on 2026-11-10": the channels before the default, by date. */
function leftSupport(): string {
  const byDate = new Map<string, string[]>();
  for (const c of DOTNET_CHANNELS)
    if (c !== DEFAULT_DOTNET_CHANNEL)
      byDate.set(DOTNET_END_OF_SUPPORT[c], [...(byDate.get(DOTNET_END_OF_SUPPORT[c]) ?? []), c]);
  return andList(
    [...byDate].map(([date, channels]) => `${andList(channels)} left support on ${date}`),
  );
}

const BY_KEY = new Map(STACK_KEYS.map((k) => [k.key, k]));

/** The table's row of `key` (`aspire:vms.<name>.os`); a key not in it is a programming error. */
export function stackKey(key: string): StackKey {
  const row = BY_KEY.get(key);
  if (!row) throw new Error(`${key} is not in the table of stack config keys (src/config/keys.ts)`);
  return row;
}

/** The `aspire:*` keys a stack sets at the top (`ssh`, not `ssh.cidrs`), in table order. */
export function topLevelKeys(): string[] {
  return STACK_KEYS.filter((k) => k.key.startsWith(`${NS}:`) && !k.key.includes(".")).map((k) =>
    k.key.slice(NS.length + 1),
  );
}

/** Keys set flat as well as nested, by their prefix: `parameters.` for `aspire:parameters.NAME`. */
export function flatPrefixes(): string[] {
  return STACK_KEYS.filter((k) => k.flat).map((k) => `${parentOf(k.key)!.slice(NS.length + 1)}.`);
}

/** The fields of an object key, in table order: `fieldsOf("aspire:vms.<name>")` is resources, instanceType, ... */
export function fieldsOf(key: string): string[] {
  return childrenOf(key).map(lastSegment);
}

/** The values a key allows (its `values`); a key without them is a programming error. */
export function valuesOf(key: string): readonly string[] {
  const values = stackKey(key).values;
  if (!values) throw new Error(`${key} has no list of values in src/config/keys.ts`);
  return values;
}

/** The key's example on `cloud`: its own, or for an object the one its fields make (in one
 *  form: the form of the field asked about, or the first one). */
export function exampleValue(key: string, cloud: Cloud): ExampleValue {
  const row = stackKey(key);
  return ownExample(row, cloud) ?? fieldsExample(row, cloud, undefined);
}

/** The config in which `key` holds its example: the example placed under its top-level key,
 *  among the fields it goes with (those of its form). What readStackConfig is shown in the test
 *  that every documented example is valid. */
export function exampleConfig(key: string, cloud: Cloud): Record<string, ExampleValue> {
  const row = stackKey(key);
  if (!row.key.startsWith(`${NS}:`) || !row.key.includes("."))
    return { [row.key]: exampleValue(key, cloud) };
  if (row.flat) return { [nameInExample(row.key)]: exampleValue(key, cloud) };
  const path: StackKey[] = [];
  for (let k: string | undefined = row.key; k !== undefined; k = parentOf(k))
    path.unshift(stackKey(k));
  const form = path.map((p) => p.form).find((f) => f !== undefined);
  const along = (i: number): ExampleValue => {
    if (i === path.length - 1) return exampleValue(path[i].key, cloud);
    const fields = { ...(fieldsExample(path[i], cloud, form) as Record<string, ExampleValue>) };
    fields[exampleName(path[i + 1])] = along(i + 1);
    return fields;
  };
  return { [path[0].key]: along(0) };
}

/** What a message about `key` shows after "Example: ": a `pulumi config set` command for a
 *  value, the Pulumi.<stack>.yaml line for an object or a field of one form of an object. */
export function exampleText(
  key: string,
  cloud: Cloud,
  options: { readonly secret?: boolean } = {},
): string {
  const row = stackKey(key);
  const value = exampleValue(key, cloud);
  const set = `pulumi config set${options.secret ? " --secret" : ""}`;
  const nested = row.key.startsWith(`${NS}:`) && row.key.includes(".");
  if (row.form === undefined && isScalar(value)) {
    if (!nested || row.flat) return `${set} ${nameInExample(row.key)} ${shellWord(String(value))}`;
    return `${set} --path '${nameInExample(row.key)}' ${shellWord(String(value))}`;
  }
  if (
    row.form === undefined &&
    nested &&
    Array.isArray(value) &&
    value.length > 0 &&
    isScalar(value[0])
  )
    return `${set} --path '${nameInExample(row.key)}[0]' ${shellWord(String(value[0]))}`;
  const [top, v] = Object.entries(exampleConfig(key, cloud))[0];
  return `${top}: ${flow(v)}`;
}

/** The first item of a list key's example: what a message about one bad item shows. */
export function itemExample(key: string, cloud: Cloud): string {
  const value = exampleValue(key, cloud);
  if (!Array.isArray(value) || value.length === 0)
    throw new Error(`${key}'s example is not a list in src/config/keys.ts`);
  return flow(value[0] as ExampleValue);
}

/** A value as Pulumi.<stack>.yaml writes it inline (YAML flow style). */
export function flow(value: ExampleValue): string {
  return yaml.dump(value, { flowLevel: 0, lineWidth: -1 }).trimEnd();
}

function ownExample(row: StackKey, cloud: Cloud): ExampleValue | undefined {
  return cloud === "gcp" && row.gcpExample !== undefined ? row.gcpExample : row.example;
}

/** The object an object key's fields make with their examples: the fields of `form` (and those
 *  of no form), or of the first form when none is asked for; fields of the other cloud left out. */
function fieldsExample(row: StackKey, cloud: Cloud, form: string | undefined): ExampleValue {
  const fields = childrenOf(row.key).filter((c) => c.cloud === undefined || c.cloud === cloud);
  if (fields.length === 0)
    throw new Error(`${row.key} has neither an example nor fields in src/config/keys.ts`);
  const wanted = form ?? fields.find((f) => f.form !== undefined)?.form;
  const out: Record<string, ExampleValue> = {};
  for (const f of fields)
    if (f.form === undefined || f.form === wanted)
      out[exampleName(f)] = ownExample(f, cloud) ?? fieldsExample(f, cloud, wanted);
  return out;
}

function childrenOf(key: string): StackKey[] {
  return STACK_KEYS.filter((k) => parentOf(k.key) === key);
}

function parentOf(key: string): string | undefined {
  const dot = key.lastIndexOf(".");
  return dot < 0 ? undefined : key.slice(0, dot);
}

function lastSegment(row: StackKey): string {
  return row.key.slice(row.key.lastIndexOf(".") + 1);
}

/** The field's name in an example: its own, or the sample name of a `<name>` key. */
function exampleName(row: StackKey): string {
  const segment = lastSegment(row);
  if (!segment.startsWith("<")) return segment;
  if (row.sampleName === undefined)
    throw new Error(`${row.key} needs a sampleName in src/config/keys.ts`);
  return row.sampleName;
}

/** The key with each `<name>` replaced by its sample name: `aspire:vms.app.os`. */
function nameInExample(key: string): string {
  const segments = key.split(".");
  return segments
    .map((s, i) =>
      s.startsWith("<") ? exampleName(stackKey(segments.slice(0, i + 1).join("."))) : s,
    )
    .join(".");
}

function isScalar(v: ExampleValue): v is Scalar {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

/** A word as a shell reads it back: quoted when it holds anything but plain characters. */
function shellWord(text: string): string {
  return /^[\w./:@+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

// The clouds' own rules for the inputs of every resource type the program registers, as data:
// Pulumi's mocks accept any input, so without this table the tests could not see what EC2, IAM,
// SSM, ECR, Route 53, Compute Engine, IAM (GCP), Secret Manager, Artifact Registry or Cloud DNS
// would refuse at `pulumi up`. Each rule names the input it reads, says what the cloud accepts, and
// cites the documentation page it comes from. `checked` says how the limit was confirmed for this
// table: "read" when its text was read in the page (or the same API reference through an SDK's
// generated documentation), "knowledge" when it is the page's rule as known, not re-read here.
//
// checkResources() runs the table over the resources of one mock run (runProgramWithMocks), and
// checkAcrossStacks() over two runs in one account/project. A resource type missing from the table
// is itself a violation: a new type cannot slip past the table.
import * as pulumi from "@pulumi/pulumi";
import type { RecordedResource } from "../../src/cli/mock-program";
import { parseCidr } from "../../src/config/cidr";

export type Cloud = "aws" | "gcp";

export interface RuleContext {
  /** Every resource of the run: some rules look at another one (a subnet's zone, a disk's instance). */
  readonly resources: readonly RecordedResource[];
  /** The mock's answer to a data source call (the invoke the program's own calls get): rules about
   *  what a zone offers ask it. Without it, those rules cannot say and pass. */
  readonly invoke?: (token: string, inputs: Record<string, unknown>) => Record<string, unknown>;
}

export interface InputRule {
  /** Pulumi type token. */
  readonly type: string;
  /** Input path: dot-separated, `*` for every key or element; `<physical name>` for the name
   *  Pulumi generates when the program gives none (see autoNamed). */
  readonly input: string;
  /** What the cloud accepts, in words. */
  readonly rule: string;
  /** The documentation page the rule comes from. */
  readonly source: string;
  readonly checked: "read" | "knowledge";
  /** true when the value is accepted; false, or what is wrong, when not. Absent values (optional
   *  inputs not set) are not checked unless `required`. */
  readonly ok: (value: unknown, resource: RecordedResource, ctx: RuleContext) => boolean | string;
  readonly required?: boolean;
}

export interface Violation {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly input: string;
  readonly value: unknown;
  readonly rule: string;
  readonly source: string;
  readonly detail?: string;
}

export function formatViolation(v: Violation): string {
  const value = JSON.stringify(v.value);
  return `${v.urn}: input ${v.input} = ${value && value.length > 200 ? `${value.slice(0, 200)}...` : value} breaks "${v.rule}"${v.detail ? ` (${v.detail})` : ""} [${v.source}]`;
}

// ---------------------------------------------------------------------------------------------
// Sources

const DOC = {
  ec2SecurityGroup:
    "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html",
  ec2IpRange: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html",
  ec2SecurityGroupRule:
    "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SecurityGroupRuleRequest.html",
  ec2UserData:
    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-add-user-data.html",
  ec2KeyPair: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ImportKeyPair.html",
  ec2Offerings:
    "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceTypeOfferings.html",
  ec2RootVolume: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/RootDeviceStorage.html",
  ec2Image: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Image.html",
  pulumiStash: "https://www.pulumi.com/docs/iac/concepts/stash/",
  pulumiInstanceVolumeTags:
    "https://www.pulumi.com/registry/packages/aws/api-docs/ec2/instance/#volumetags_nodejs (Do not use volumeTags if you plan to manage block device tags outside the aws.ec2.Instance configuration)",
  ec2DeviceNames: "https://docs.aws.amazon.com/ebs/latest/userguide/device_naming.html",
  ebsAttach: "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-attaching-volume.html",
  ebsVolumeTypes: "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-volume-types.html",
  vpcSizing: "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html",
  eip: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AllocateAddress.html",
  awsTags: "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html",
  iamQuotas: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
  iamCreateRole: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html",
  iamPutRolePolicy: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html",
  iamInstanceProfile:
    "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateInstanceProfile.html",
  iamAttach: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachRolePolicy.html",
  ssmPutParameter:
    "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html",
  ssmNames:
    "https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html",
  ecrCreate: "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html",
  r53Zone: "https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateHostedZone.html",
  r53ZoneConfig:
    "https://docs.aws.amazon.com/Route53/latest/APIReference/API_HostedZoneConfig.html",
  r53Names: "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html",
  r53Record: "https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html",
  pulumiAwsRoleAutoname:
    'https://github.com/pulumi/pulumi-aws/blob/master/provider/resources.go (aws_iam_role: AutoName("name", 64))',
  pulumiAutonaming: "https://www.pulumi.com/docs/iac/concepts/resources/names/#autonaming",
  pulumiGcpAutoname:
    'https://github.com/pulumi/pulumi-gcp/blob/master/provider/resources.go (prov.SetAutonaming(255, "-"): logical name, "-", 7 hex, no lower-casing)',
  pulumiUrn: "https://www.pulumi.com/docs/iac/concepts/resources/names/#urns",
  gcpNames: "https://cloud.google.com/compute/docs/naming-resources#resource-name-format",
  gcpLabels: "https://cloud.google.com/compute/docs/labeling-resources#requirements",
  gcpSecretLabels:
    "https://cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets#Secret",
  gcpNetworkTags: "https://cloud.google.com/vpc/docs/add-remove-network-tags",
  gcpMetadata: "https://cloud.google.com/compute/docs/reference/rest/v1/instances#Metadata",
  gcpInitializeParams:
    "https://cloud.google.com/compute/docs/reference/rest/v1/instances#AttachedDiskInitializeParams",
  gcpArmDisks:
    "https://cloud.google.com/compute/docs/general-purpose-machines (T2A: Persistent Disk; C4A, N4A: Hyperdisk)",
  gcpHyperdiskBoot: "https://cloud.google.com/compute/docs/disks/hyperdisks#machine-type-support",
  gcpImageSize:
    "https://cloud.google.com/compute/docs/images/os-details (ubuntu-2404-lts-arm64: diskSizeGb 10)",
  gcpMachineTypes: "https://cloud.google.com/compute/docs/regions-zones#available",
  gcpFirewall: "https://cloud.google.com/compute/docs/reference/rest/v1/firewalls",
  gcpServiceAccount:
    "https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/create",
  gcpServiceAccountFields:
    "https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts#ServiceAccount",
  gcpSecretId:
    "https://cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets/create",
  gcpSecretVersion: "https://cloud.google.com/secret-manager/quotas",
  gcpArtifactRegistry: "https://cloud.google.com/artifact-registry/docs/repositories/create-repos",
  gcpDnsZone: "https://cloud.google.com/dns/docs/reference/rest/v1/managedZones",
  gcpDnsRecord: "https://cloud.google.com/dns/docs/reference/rest/v1/resourceRecordSets",
  gcpSubnet: "https://cloud.google.com/vpc/docs/subnets#valid-ranges",
  gcpIamMember: "https://cloud.google.com/iam/docs/principal-identifiers",
  gcpAttachDisk:
    "https://cloud.google.com/compute/docs/disks/add-persistent-disk (a zonal disk is attached to a VM in the same zone)",
  gcpServiceUsage: "https://cloud.google.com/service-usage/docs/reference/rest/v1/services",
  pulumiGcpService: "https://www.pulumi.com/registry/packages/gcp/api-docs/projects/service/",
  tfGoogleDisableOnDestroy: "https://github.com/hashicorp/terraform-provider-google/issues/18058",
  randomPassword: "https://www.pulumi.com/registry/packages/random/api-docs/randompassword/",
  commandLocal: "https://www.pulumi.com/registry/packages/command/api-docs/local/command/",
  dockerReference: "https://docs.docker.com/reference/cli/docker/image/tag/#description",
  s3BucketNames: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
  s3BucketPrefix:
    "https://www.pulumi.com/registry/packages/aws/api-docs/s3/bucket/#bucketprefix_nodejs (must be at most 37 characters: the provider appends a 26-character unique suffix)",
  s3ObjectKey: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html",
  s3ObjectTags: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html",
  s3PutObject: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html",
} as const;

// ---------------------------------------------------------------------------------------------
// Types the program registers

export interface TypeEntry {
  readonly cloud: Cloud | "any";
  readonly what: string;
  /** Pulumi generates the physical name from the logical one ("<logical>-<7 hex>") in `property`. */
  readonly autoNamed?: { readonly property: string };
}

/** Every resource type the program registers. Components (aspire-arm:*) have no cloud inputs. */
export const RESOURCE_TYPES: Readonly<Record<string, TypeEntry>> = {
  "aspire-arm:aws:ArmApp": { cloud: "aws", what: "component: no cloud inputs" },
  "aspire-arm:gcp:ArmApp": { cloud: "gcp", what: "component: no cloud inputs" },
  "aspire-arm:index:AppParameters": { cloud: "any", what: "component: no cloud inputs" },
  "aspire-arm:index:ImageBuilds": { cloud: "any", what: "component: no cloud inputs" },
  "aws:ec2/instance:Instance": { cloud: "aws", what: "EC2 instance" },
  "aws:ec2/securityGroup:SecurityGroup": {
    cloud: "aws",
    what: "EC2 security group",
    autoNamed: { property: "name" },
  },
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
    cloud: "aws",
    what: "security group ingress rule",
  },
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
    cloud: "aws",
    what: "security group egress rule",
  },
  "aws:ec2/keyPair:KeyPair": {
    cloud: "aws",
    what: "EC2 key pair",
    autoNamed: { property: "keyName" },
  },
  "aws:ec2/eip:Eip": { cloud: "aws", what: "Elastic IP" },
  "aws:ec2/volumeAttachment:VolumeAttachment": { cloud: "aws", what: "EBS volume attachment" },
  "aws:ec2/vpc:Vpc": { cloud: "aws", what: "VPC (aspire:network create)" },
  "aws:ec2/subnet:Subnet": { cloud: "aws", what: "subnet (aspire:network create)" },
  "aws:ec2/internetGateway:InternetGateway": {
    cloud: "aws",
    what: "internet gateway (aspire:network create)",
  },
  "aws:ec2/routeTable:RouteTable": { cloud: "aws", what: "route table (aspire:network create)" },
  "aws:ec2/routeTableAssociation:RouteTableAssociation": {
    cloud: "aws",
    what: "route table association (aspire:network create)",
  },
  "aws:ebs/volume:Volume": { cloud: "aws", what: "EBS data volume" },
  "aws:iam/role:Role": { cloud: "aws", what: "IAM role", autoNamed: { property: "name" } },
  "aws:iam/rolePolicy:RolePolicy": {
    cloud: "aws",
    what: "IAM inline role policy",
    autoNamed: { property: "name" },
  },
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
    cloud: "aws",
    what: "IAM managed policy attachment",
  },
  "aws:iam/instanceProfile:InstanceProfile": {
    cloud: "aws",
    what: "IAM instance profile",
    autoNamed: { property: "name" },
  },
  "aws:ssm/parameter:Parameter": { cloud: "aws", what: "SSM SecureString parameter" },
  "aws:ecr/repository:Repository": { cloud: "aws", what: "ECR repository" },
  "aws:route53/zone:Zone": { cloud: "aws", what: "Route 53 private hosted zone" },
  "aws:route53/record:Record": { cloud: "aws", what: "Route 53 record" },
  "gcp:compute/instance:Instance": {
    cloud: "gcp",
    what: "Compute Engine instance",
    autoNamed: { property: "name" },
  },
  "gcp:compute/firewall:Firewall": {
    cloud: "gcp",
    what: "VPC firewall rule",
    autoNamed: { property: "name" },
  },
  "gcp:compute/disk:Disk": { cloud: "gcp", what: "data disk", autoNamed: { property: "name" } },
  "gcp:compute/network:Network": {
    cloud: "gcp",
    what: "VPC network (aspire:network create)",
    autoNamed: { property: "name" },
  },
  "gcp:compute/subnetwork:Subnetwork": {
    cloud: "gcp",
    what: "subnetwork (aspire:network create)",
    autoNamed: { property: "name" },
  },
  "gcp:serviceaccount/account:Account": { cloud: "gcp", what: "service account" },
  "gcp:secretmanager/secret:Secret": { cloud: "gcp", what: "Secret Manager secret" },
  "gcp:secretmanager/secretVersion:SecretVersion": {
    cloud: "gcp",
    what: "Secret Manager secret version",
  },
  "gcp:secretmanager/secretIamMember:SecretIamMember": { cloud: "gcp", what: "secret IAM member" },
  "gcp:artifactregistry/repository:Repository": {
    cloud: "gcp",
    what: "Artifact Registry repository",
  },
  "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": {
    cloud: "gcp",
    what: "repository IAM member",
  },
  "gcp:dns/managedZone:ManagedZone": {
    cloud: "gcp",
    what: "Cloud DNS private zone",
    autoNamed: { property: "name" },
  },
  "gcp:dns/recordSet:RecordSet": { cloud: "gcp", what: "Cloud DNS record set" },
  "gcp:projects/service:Service": {
    cloud: "gcp",
    what: "an enabled API of the project (Service Usage)",
  },
  "pulumi:index:Stash": {
    cloud: "any",
    what: "state only (Pulumi built-in, no cloud call): the AMI a VM was created from, or the built images once proven arm64 (what AWS instances wait for)",
  },
  "random:index/randomPassword:RandomPassword": { cloud: "any", what: "generated parameter value" },
  "command:local:Command": {
    cloud: "any",
    what: "image build and push, and a VM's rollout, run on the deploying machine",
  },
  "aws:s3/bucket:Bucket": { cloud: "aws", what: "the stack's private bucket of VM releases" },
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {
    cloud: "aws",
    what: "the releases bucket's public access block",
  },
  "aws:s3/bucketObjectv2:BucketObjectv2": { cloud: "aws", what: "a VM's release" },
};

// ---------------------------------------------------------------------------------------------
// Predicates

/** The name Pulumi would generate: the logical name, "-", 7 random hex characters. The sample
 *  suffix is letters and digits as the real one may be. */
export const AUTO_NAME_SUFFIX = "-a1b2c3d";

const str = (v: unknown): v is string => typeof v === "string";
const len =
  (max: number, min = 0) =>
  (v: unknown) =>
    str(v) && v.length >= min && v.length <= max;
const bytes = (s: string) => Buffer.byteLength(s, "utf8");
const matches = (re: RegExp) => (v: unknown) => str(v) && re.test(v);
const oneOf =
  (...allowed: unknown[]) =>
  (v: unknown) =>
    allowed.includes(v);
const all =
  (...checks: ((v: unknown) => boolean | string)[]) =>
  (v: unknown) => {
    for (const c of checks) {
      const r = c(v);
      if (r !== true) return r;
    }
    return true;
  };

/** RFC 1035 label, Compute Engine's resource name format. */
export const RFC1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const EC2_TEXT = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]*$/;
const IAM_NAME = /^[\w+=,.@-]+$/;
const ECR_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const AWS_TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const GCP_LABEL_KEY = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const GCP_LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

function dnsName(v: unknown, trailingDot: "required" | "optional"): boolean | string {
  if (!str(v)) return false;
  if (trailingDot === "required" && !v.endsWith(".")) return "must end with a dot";
  const name = v.replace(/\.$/, "");
  if (name.length > 253) return `${name.length} characters, more than 253`;
  const bad = name.split(".").find((l) => !DNS_LABEL.test(l));
  return bad === undefined
    ? true
    : `label ${JSON.stringify(bad)} is not a DNS label of 1 to 63 letters, digits and inner hyphens`;
}

function cidr(v: unknown, minPrefix = 0, maxPrefix = 32): boolean | string {
  if (!str(v)) return false;
  const c = parseCidr(v);
  if (c?.family !== 4) return "not an IPv4 CIDR";
  return c.prefix >= minPrefix && c.prefix <= maxPrefix
    ? true
    : `prefix /${c.prefix} outside /${minPrefix} to /${maxPrefix}`;
}

function awsTags(v: unknown): boolean | string {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > 50) return `${entries.length} tags, more than 50`;
  for (const [k, value] of entries) {
    if (k.length < 1 || k.length > 128) return `key ${JSON.stringify(k)}: 1 to 128 characters`;
    if (/^aws:/i.test(k)) return `key ${JSON.stringify(k)}: the aws: prefix is reserved`;
    if (!AWS_TAG_TEXT.test(k))
      return `key ${JSON.stringify(k)}: letters, digits, spaces and _ . : / = + - @ only`;
    if (!str(value) || value.length > 256) return `value of ${k}: at most 256 characters`;
    if (!AWS_TAG_TEXT.test(value))
      return `value of ${k} ${JSON.stringify(value)}: letters, digits, spaces and _ . : / = + - @ only`;
  }
  return true;
}

function gcpLabels(v: unknown): boolean | string {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > 64) return `${entries.length} labels, more than 64`;
  for (const [k, value] of entries) {
    if (!GCP_LABEL_KEY.test(k) || bytes(k) > 128)
      return `key ${JSON.stringify(k)}: a lower-case letter, then up to 62 lower-case letters, digits, _ and -`;
    if (!str(value) || !GCP_LABEL_VALUE.test(value) || bytes(value) > 128)
      return `value of ${k} ${JSON.stringify(value)}: up to 63 lower-case letters, digits, _ and -`;
  }
  return true;
}

function networkTags(v: unknown): boolean | string {
  if (!Array.isArray(v)) return false;
  if (v.length > 64) return `${v.length} tags, more than 64`;
  const bad = v.find((t) => !str(t) || !RFC1035.test(t));
  return bad === undefined
    ? true
    : `tag ${JSON.stringify(bad)} is not an RFC 1035 label of at most 63 characters`;
}

function portRange(v: unknown): boolean {
  if (!str(v)) return false;
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(v);
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
  return a <= b && b <= 65535;
}

/** The machine series of a GCP machine type: t2a, c4a, n4a... */
const series = (machineType: unknown) => (str(machineType) ? machineType.split("-")[0] : "");

/** Persistent Disk types per Arm series, as boot and as data disks. */
const GCP_DISK_TYPES: Readonly<
  Record<string, { boot: readonly string[]; data: readonly string[] }>
> = {
  t2a: {
    boot: ["pd-standard", "pd-balanced", "pd-ssd"],
    data: ["pd-standard", "pd-balanced", "pd-ssd"],
  },
  c4a: {
    boot: ["hyperdisk-balanced"],
    data: ["hyperdisk-balanced", "hyperdisk-extreme", "hyperdisk-throughput"],
  },
  n4a: { boot: ["hyperdisk-balanced"], data: ["hyperdisk-balanced", "hyperdisk-throughput"] },
};

/** Boot image sizes in GB (an image's diskSizeGb: the boot disk may not be smaller). */
export const GCP_IMAGE_SIZE_GB: Readonly<Record<string, number>> = {
  "ubuntu-os-cloud/ubuntu-2404-lts-arm64": 10,
};
/** Root volume snapshot sizes of the AMIs behind the SSM parameters the AWS component reads. */
const AMI_SNAPSHOT_GB = 8;

/** An Output that the mocks did not resolve, or a reference the mock invented: not the program's choice. */
const isMockPlaceholder = (v: unknown) => str(v) && (/^\(.*\)$/.test(v) || v.includes("(mock)"));

/** The mock id of a resource (`<logical name>-id`) back to the resource. */
const byMockId = (ctx: RuleContext, type: string, id: unknown) =>
  ctx.resources.find((r) => r.type === type && `${r.name}-id` === id);

/** The availability zone of an AWS subnet: the created subnet's input, or the mock's getSubnet answer. */
function subnetZone(ctx: RuleContext, subnetId: unknown): string | undefined {
  const created = byMockId(ctx, "aws:ec2/subnet:Subnet", subnetId);
  if (created)
    return str(created.inputs.availabilityZone) ? created.inputs.availabilityZone : undefined;
  const answer = ctx.invoke?.("aws:ec2/getSubnet:getSubnet", { id: subnetId });
  return str(answer?.availabilityZone) ? answer.availabilityZone : undefined;
}

/** Whether an AZ offers an instance type, as the mock's getInstanceTypeOfferings answers; undefined
 *  when the mock does not answer that call (it then echoes its inputs). */
function awsOffered(ctx: RuleContext, zone: string, type: string): boolean | undefined {
  const answer = ctx.invoke?.("aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings", {
    locationType: "availability-zone",
    filters: [
      { name: "location", values: [zone] },
      { name: "instance-type", values: [type] },
    ],
  });
  const types = answer?.instanceTypes;
  return Array.isArray(types) ? types.includes(type) : undefined;
}

function gcpOffered(ctx: RuleContext, zone: string, type: string): boolean | undefined {
  const answer = ctx.invoke?.("gcp:compute/getMachineTypes:getMachineTypes", {
    zone,
    filter: `name = "${type}"`,
  });
  const types = answer?.machineTypes;
  return Array.isArray(types)
    ? types.some((m) => (m as { name?: unknown }).name === type)
    : undefined;
}

// ---------------------------------------------------------------------------------------------
// Rule builders for what several types share

function tagRules(type: string, input = "tags"): InputRule {
  return {
    type,
    input,
    rule: "AWS tags: at most 50; keys 1-128 and values 0-256 characters of letters, digits, spaces and _ . : / = + - @; keys not starting with aws:",
    source: DOC.awsTags,
    checked: "knowledge",
    ok: awsTags,
  };
}

function labelRule(type: string, input: string): InputRule {
  return {
    type,
    input,
    rule: "GCP labels: at most 64; keys start with a lower-case letter, keys and values up to 63 lower-case letters (international allowed), digits, _ and -",
    source: DOC.gcpLabels,
    checked: "knowledge",
    ok: gcpLabels,
  };
}

function autoNameRule(
  type: string,
  rule: string,
  source: string,
  ok: (v: unknown) => boolean | string,
  checked: "read" | "knowledge" = "read",
): InputRule {
  return {
    type,
    input: "<physical name>",
    rule: `${rule} (Pulumi names it <logical name>-<7 hex>: ${DOC.pulumiAutonaming})`,
    source,
    checked,
    ok,
  };
}

function ec2TextRule(type: string, input: string, source: string, required = false): InputRule {
  return {
    type,
    input,
    rule: "EC2 description: up to 255 characters of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*",
    source,
    checked: "read",
    ok: all(len(255), matches(EC2_TEXT)),
    required,
  };
}

function sgRuleRules(type: string): InputRule[] {
  return [
    ec2TextRule(type, "description", DOC.ec2IpRange),
    {
      type,
      input: "ipProtocol",
      rule: "tcp, udp, icmp, icmpv6, -1 (all) or a protocol number",
      source: DOC.ec2SecurityGroupRule,
      checked: "knowledge",
      ok: (v) => str(v) && /^(tcp|udp|icmp|icmpv6|-1|\d{1,3})$/.test(v),
      required: true,
    },
    {
      type,
      input: "fromPort",
      rule: "tcp/udp rules: ports 0-65535 and fromPort <= toPort; -1 (all protocols): no ports",
      source: DOC.ec2SecurityGroupRule,
      checked: "knowledge",
      ok: (v, r) => {
        const { ipProtocol: p, toPort: to } = r.inputs;
        if (p === "-1") return v === undefined && to === undefined;
        return typeof v === "number" && typeof to === "number" && v >= 0 && v <= to && to <= 65535;
      },
      required: true,
    },
    {
      type,
      input: "cidrIpv4",
      rule: "exactly one of cidrIpv4, cidrIpv6, prefixListId, referencedSecurityGroupId",
      source: "https://www.pulumi.com/registry/packages/aws/api-docs/vpc/securitygroupingressrule/",
      checked: "knowledge",
      ok: (_v, r) =>
        ["cidrIpv4", "cidrIpv6", "prefixListId", "referencedSecurityGroupId"].filter(
          (k) => r.inputs[k] !== undefined,
        ).length === 1 || "not exactly one source/destination",
      required: true,
    },
    {
      type,
      input: "cidrIpv4",
      rule: "an IPv4 CIDR",
      source: DOC.ec2IpRange,
      checked: "knowledge",
      ok: (v) => cidr(v),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// The table

const AWS_RULES: InputRule[] = [
  // EC2 security groups and their rules
  ec2TextRule("aws:ec2/securityGroup:SecurityGroup", "description", DOC.ec2SecurityGroup, true),
  autoNameRule(
    "aws:ec2/securityGroup:SecurityGroup",
    "security group name: up to 255 characters of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*, not starting with sg-",
    DOC.ec2SecurityGroup,
    all(len(255, 1), matches(EC2_TEXT), (v) => !String(v).startsWith("sg-") || "starts with sg-"),
  ),
  tagRules("aws:ec2/securityGroup:SecurityGroup"),
  ...sgRuleRules("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"),
  ...sgRuleRules("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"),

  // EC2 instance
  {
    type: "aws:ec2/instance:Instance",
    input: "userDataBase64",
    rule: "user data at most 16 KB before base64 encoding",
    source: DOC.ec2UserData,
    checked: "read",
    ok: (v) =>
      str(v)
        ? Buffer.from(v, "base64").length <= 16 * 1024 || `${Buffer.from(v, "base64").length} bytes`
        : false,
  },
  {
    type: "aws:ec2/instance:Instance",
    input: "rootBlockDevice.volumeSize",
    rule: `root volume at least the AMI's root snapshot (${AMI_SNAPSHOT_GB} GiB for the Ubuntu 24.04 and AL2023 arm64 AMIs) and at most 16,384 GiB (gp3)`,
    source: `${DOC.ec2RootVolume}; ${DOC.ebsVolumeTypes}`,
    checked: "knowledge",
    ok: (v) => typeof v === "number" && Number.isInteger(v) && v >= AMI_SNAPSHOT_GB && v <= 16384,
    required: true,
  },
  {
    type: "aws:ec2/instance:Instance",
    input: "rootBlockDevice.volumeType",
    rule: "an EBS volume type: gp3, gp2, io1, io2, st1, sc1 or standard",
    source: DOC.ebsVolumeTypes,
    checked: "knowledge",
    ok: oneOf("gp3", "gp2", "io1", "io2", "st1", "sc1", "standard"),
  },
  {
    type: "aws:ec2/instance:Instance",
    input: "instanceType",
    rule: "the instance type is offered in the subnet's availability zone (as far as the mocks answer DescribeInstanceTypeOfferings)",
    source: DOC.ec2Offerings,
    checked: "knowledge",
    ok: (v, r, ctx) => {
      const zone = subnetZone(ctx, r.inputs.subnetId);
      if (!str(v) || zone === undefined) return true;
      return awsOffered(ctx, zone, v) !== false || `not offered in ${zone}`;
    },
  },
  {
    type: "aws:ec2/instance:Instance",
    input: "metadataOptions.httpPutResponseHopLimit",
    rule: "IMDS hop limit 1 to 64",
    source:
      "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceMetadataOptionsRequest.html",
    checked: "knowledge",
    ok: (v) => typeof v === "number" && v >= 1 && v <= 64,
  },
  tagRules("aws:ec2/instance:Instance"),
  tagRules("aws:ec2/instance:Instance", "rootBlockDevice.tags"),
  {
    type: "aws:ec2/instance:Instance",
    input: "volumeTags",
    rule: "no volumeTags on an instance whose volumes are also tagged elsewhere (an aws.ebs.Volume attached with aws.ec2.VolumeAttachment): the two fight on every update",
    source: DOC.pulumiInstanceVolumeTags,
    checked: "read",
    ok: (v, r, ctx) => {
      const attached = ctx.resources.some(
        (a) =>
          a.type === "aws:ec2/volumeAttachment:VolumeAttachment" &&
          a.inputs.instanceId === `${r.name}-id`,
      );
      return (
        v === undefined || !attached || "set while a data volume with its own tags is attached"
      );
    },
  },

  // Key pair, Elastic IP, volumes
  autoNameRule(
    "aws:ec2/keyPair:KeyPair",
    "key pair name: up to 255 ASCII characters",
    DOC.ec2KeyPair,
    all(len(255, 1), matches(/^[\x20-\x7e]+$/)),
    "knowledge",
  ),
  {
    type: "aws:ec2/keyPair:KeyPair",
    input: "publicKey",
    rule: "an OpenSSH public key: ssh-rsa, ssh-ed25519 or ecdsa-sha2-nistp256/384/521",
    source: DOC.ec2KeyPair,
    checked: "knowledge",
    ok: matches(/^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp(256|384|521)) \S+/),
    required: true,
  },
  tagRules("aws:ec2/keyPair:KeyPair"),
  {
    type: "aws:ec2/eip:Eip",
    input: "domain",
    rule: "domain vpc: an address for use in a VPC",
    source: DOC.eip,
    checked: "knowledge",
    ok: oneOf("vpc"),
  },
  tagRules("aws:ec2/eip:Eip"),
  {
    type: "aws:ebs/volume:Volume",
    input: "size",
    rule: "gp3: 1 to 16,384 GiB",
    source: DOC.ebsVolumeTypes,
    checked: "knowledge",
    ok: (v) => typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 16384,
    required: true,
  },
  tagRules("aws:ebs/volume:Volume"),
  {
    type: "aws:ec2/volumeAttachment:VolumeAttachment",
    input: "deviceName",
    rule: "a Linux device name EC2 recommends for EBS volumes: /dev/sd[f-p]",
    source: DOC.ec2DeviceNames,
    checked: "knowledge",
    ok: matches(/^\/dev\/sd[f-p]$/),
    required: true,
  },
  {
    type: "aws:ec2/volumeAttachment:VolumeAttachment",
    input: "volumeId",
    rule: "the volume is in the instance's availability zone",
    source: DOC.ebsAttach,
    checked: "knowledge",
    ok: (v, r, ctx) => {
      const volume = byMockId(ctx, "aws:ebs/volume:Volume", v);
      const instance = byMockId(ctx, "aws:ec2/instance:Instance", r.inputs.instanceId);
      if (!volume || !instance) return true;
      const zone = subnetZone(ctx, instance.inputs.subnetId);
      return (
        zone === undefined ||
        volume.inputs.availabilityZone === zone ||
        `volume in ${String(volume.inputs.availabilityZone)}, instance in ${zone}`
      );
    },
  },

  // Network created for the stack
  {
    type: "aws:ec2/vpc:Vpc",
    input: "cidrBlock",
    rule: "IPv4 block between /16 and /28",
    source: DOC.vpcSizing,
    checked: "knowledge",
    ok: (v) => cidr(v, 16, 28),
    required: true,
  },
  tagRules("aws:ec2/vpc:Vpc"),
  {
    type: "aws:ec2/subnet:Subnet",
    input: "cidrBlock",
    rule: "IPv4 block between /16 and /28",
    source: DOC.vpcSizing,
    checked: "knowledge",
    ok: (v) => cidr(v, 16, 28),
    required: true,
  },
  tagRules("aws:ec2/subnet:Subnet"),
  tagRules("aws:ec2/internetGateway:InternetGateway"),
  {
    type: "aws:ec2/routeTable:RouteTable",
    input: "routes.*.cidrBlock",
    rule: "an IPv4 CIDR",
    source: "https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html",
    checked: "knowledge",
    ok: (v) => cidr(v),
  },
  tagRules("aws:ec2/routeTable:RouteTable"),
  {
    type: "aws:ec2/routeTableAssociation:RouteTableAssociation",
    input: "subnetId",
    rule: "a subnet (the association names a subnet or a gateway)",
    source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateRouteTable.html",
    checked: "knowledge",
    ok: str,
    required: true,
  },

  // IAM
  autoNameRule(
    "aws:iam/role:Role",
    "role name: 1-64 characters of [\\w+=,.@-] (and the AWS provider's auto-name limit is 64)",
    `${DOC.iamCreateRole}; ${DOC.pulumiAwsRoleAutoname}`,
    all(len(64, 1), matches(IAM_NAME)),
  ),
  {
    type: "aws:iam/role:Role",
    input: "assumeRolePolicy",
    rule: "trust policy at most 2,048 characters (default quota), of tab, LF, CR and U+0020-U+00FF",
    source: DOC.iamQuotas,
    checked: "knowledge",
    ok: (v) => str(v) && v.replace(/\s/g, "").length <= 2048 && /^[\t\n\r\u0020-\u00ff]*$/.test(v),
    required: true,
  },
  tagRules("aws:iam/role:Role"),
  autoNameRule(
    "aws:iam/rolePolicy:RolePolicy",
    "inline policy name: 1-128 characters of [\\w+=,.@-]",
    DOC.iamPutRolePolicy,
    all(len(128, 1), matches(IAM_NAME)),
    "knowledge",
  ),
  {
    type: "aws:iam/rolePolicy:RolePolicy",
    input: "policy",
    rule: "a role's inline policies at most 10,240 characters in all, white space not counted; only tab, LF, CR and U+0020-U+00FF",
    source: DOC.iamQuotas,
    checked: "knowledge",
    ok: (v, r, ctx) => {
      if (!str(v)) return false;
      if (!/^[\t\n\r\u0020-\u00ff]*$/.test(v)) return "characters outside U+0020-U+00FF";
      // The limit is per role: every inline policy of the same role counts.
      const total = ctx.resources
        .filter((x) => x.type === r.type && x.inputs.role === r.inputs.role)
        .reduce((n, x) => n + String(x.inputs.policy ?? "").replace(/\s/g, "").length, 0);
      return total <= 10240 || `${total} characters for role ${String(r.inputs.role)}`;
    },
    required: true,
  },
  {
    type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    input: "policyArn",
    rule: "an IAM policy ARN: arn:<partition>:iam::<account|aws>:policy/<path and name>",
    source: DOC.iamAttach,
    checked: "knowledge",
    ok: matches(/^arn:aws(-us-gov|-cn)?:iam::(aws|\d{12}):policy\/[\w+=,.@/-]{1,128}$/),
    required: true,
  },
  autoNameRule(
    "aws:iam/instanceProfile:InstanceProfile",
    "instance profile name: 1-128 characters of [\\w+=,.@-]",
    DOC.iamInstanceProfile,
    all(len(128, 1), matches(IAM_NAME)),
  ),
  tagRules("aws:iam/instanceProfile:InstanceProfile"),

  // SSM Parameter Store
  {
    type: "aws:ssm/parameter:Parameter",
    input: "name",
    rule: "parameter name: a-zA-Z0-9_.- and / between levels, at most 15 levels, not prefixed aws or ssm (any case), at most 1,011 characters with the ARN's arn:aws:ssm:<region>:<account>:parameter part",
    source: `${DOC.ssmPutParameter}; ${DOC.ssmNames}`,
    checked: "read",
    ok: (v) => {
      if (!str(v)) return false;
      if (!/^\/?[a-zA-Z0-9_.-]+(\/[a-zA-Z0-9_.-]+)*$/.test(v))
        return "characters outside a-zA-Z0-9_.-/ or an empty level";
      const levels = v.replace(/^\//, "").split("/");
      if (levels.length > 15) return `${levels.length} levels`;
      if (/^(aws|ssm)/i.test(levels[0])) return "prefixed aws or ssm";
      const arn = `arn:aws-us-gov:ssm:us-gov-west-1:000000000000:parameter${v.startsWith("/") ? "" : "/"}${v}`;
      return arn.length <= 1011 || `${arn.length} characters with the ARN`;
    },
    required: true,
  },
  {
    type: "aws:ssm/parameter:Parameter",
    input: "type",
    rule: "String, StringList or SecureString",
    source: DOC.ssmPutParameter,
    checked: "knowledge",
    ok: oneOf("String", "StringList", "SecureString"),
    required: true,
  },
  {
    type: "aws:ssm/parameter:Parameter",
    input: "description",
    rule: "description at most 1,024 characters",
    source: DOC.ssmPutParameter,
    checked: "knowledge",
    ok: len(1024),
  },
  {
    type: "aws:ssm/parameter:Parameter",
    input: "value",
    rule: "standard tier: a value of at most 4 KB",
    source: DOC.ssmPutParameter,
    checked: "knowledge",
    ok: (v) => !str(v) || bytes(v) <= 4096 || `${bytes(v)} bytes`,
  },
  tagRules("aws:ssm/parameter:Parameter"),

  // ECR
  {
    type: "aws:ecr/repository:Repository",
    input: "name",
    rule: "repository name: 2-256 characters matching (?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)* (lower case only)",
    source: DOC.ecrCreate,
    checked: "knowledge",
    ok: all(len(256, 2), matches(ECR_NAME)),
    required: true,
  },
  {
    type: "aws:ecr/repository:Repository",
    input: "imageTagMutability",
    rule: "MUTABLE or IMMUTABLE",
    source: DOC.ecrCreate,
    checked: "knowledge",
    ok: oneOf("MUTABLE", "IMMUTABLE", "MUTABLE_WITH_EXCLUSION", "IMMUTABLE_WITH_EXCLUSION"),
  },
  {
    type: "aws:ecr/repository:Repository",
    input: "encryptionConfigurations.*.encryptionType",
    rule: "AES256, KMS or KMS_DSSE",
    source: DOC.ecrCreate,
    checked: "knowledge",
    ok: oneOf("AES256", "KMS", "KMS_DSSE"),
  },
  tagRules("aws:ecr/repository:Repository"),

  // S3: the releases bucket and its objects
  {
    type: "aws:s3/bucket:Bucket",
    input: "bucketPrefix",
    rule: "bucket names: 3-63 lower-case letters, digits, dots and hyphens, starting with a letter or digit; a prefix at most 37 characters",
    source: `${DOC.s3BucketNames}; ${DOC.s3BucketPrefix}`,
    checked: "knowledge",
    ok: all(len(37, 1), matches(/^[a-z0-9][a-z0-9.-]*$/)),
    required: true,
  },
  tagRules("aws:s3/bucket:Bucket"),
  ...(
    ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const
  ).map((input): InputRule => ({
    type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    input,
    rule: "true: nothing of the releases bucket may become public",
    source:
      "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
    checked: "knowledge",
    ok: (v) => v === true,
    required: true,
  })),
  {
    type: "aws:s3/bucketObjectv2:BucketObjectv2",
    input: "key",
    rule: "an object key: at most 1,024 bytes of UTF-8",
    source: DOC.s3ObjectKey,
    checked: "knowledge",
    ok: (v) => str(v) && Buffer.byteLength(v) >= 1 && Buffer.byteLength(v) <= 1024,
    required: true,
  },
  {
    type: "aws:s3/bucketObjectv2:BucketObjectv2",
    input: "tags",
    rule: "object tags: at most 10, keys up to 128 and values up to 256 characters",
    source: DOC.s3ObjectTags,
    checked: "knowledge",
    ok: (v) => {
      const entries = Object.entries((v ?? {}) as Record<string, unknown>);
      if (entries.length > 10) return `${entries.length} tags, more than 10`;
      return awsTags(v);
    },
  },
  {
    type: "aws:s3/bucketObjectv2:BucketObjectv2",
    input: "contentBase64",
    rule: "a single PUT: at most 5 GB",
    source: DOC.s3PutObject,
    checked: "knowledge",
    ok: (v) => str(v) && (v.length / 4) * 3 <= 5 * 1024 ** 3,
    required: true,
  },

  // Route 53
  {
    type: "aws:route53/zone:Zone",
    input: "name",
    rule: "a domain name: labels of 1-63 letters, digits and inner hyphens, at most 253 characters",
    source: `${DOC.r53Zone}; ${DOC.r53Names}`,
    checked: "knowledge",
    ok: (v) => dnsName(v, "optional"),
    required: true,
  },
  {
    type: "aws:route53/zone:Zone",
    input: "comment",
    rule: "comment at most 256 characters",
    source: DOC.r53ZoneConfig,
    checked: "knowledge",
    ok: len(256),
  },
  {
    type: "aws:route53/zone:Zone",
    input: "vpcs",
    rule: "a private zone is associated with a VPC when created",
    source: DOC.r53Zone,
    checked: "knowledge",
    ok: (v) => Array.isArray(v) && v.length >= 1,
    required: true,
  },
  tagRules("aws:route53/zone:Zone"),
  {
    type: "aws:route53/record:Record",
    input: "name",
    rule: "a domain name inside the zone",
    source: `${DOC.r53Record}; ${DOC.r53Names}`,
    checked: "knowledge",
    ok: (v, r, ctx) => {
      const named = dnsName(v, "optional");
      if (named !== true) return named;
      const zone = ctx.resources.find(
        (z) =>
          z.type === "aws:route53/zone:Zone" &&
          r.inputs.zoneId === `(zone ${String(z.inputs.name)})`,
      );
      return (
        !zone ||
        String(v).endsWith(`.${String(zone.inputs.name)}`) ||
        `outside zone ${String(zone.inputs.name)}`
      );
    },
    required: true,
  },
  {
    type: "aws:route53/record:Record",
    input: "ttl",
    rule: "TTL 0 to 2,147,483,647 seconds",
    source: DOC.r53Record,
    checked: "knowledge",
    ok: (v) => typeof v === "number" && v >= 0 && v <= 2147483647,
  },
  // The pinned AMI (components/aws/arm-app.ts pinnedImage): what the instance's `ami` becomes;
  // and the built images' proof (components/images.ts `checked`): each a reference by digest.
  {
    type: "pulumi:index:Stash",
    input: "input",
    rule: "an AMI id: ami- and 8 or 17 lower-case hex digits (the mock's labelled placeholder ami-(<parameter>) passes); for <name>-images-checked, resource -> image@sha256:<64 hex>",
    source: `${DOC.ec2Image}; ${DOC.pulumiStash}`,
    checked: "knowledge",
    ok: (v, r) =>
      r.name.endsWith("-images-checked")
        ? typeof v === "object" &&
          v !== null &&
          Object.keys(v).length > 0 &&
          Object.values(v).every((x) => typeof x === "string" && /@sha256:[0-9a-f]{64}$/.test(x))
        : matches(/^ami-([0-9a-f]{8}|[0-9a-f]{17}|\(.+\))$/)(v),
    required: true,
  },
  {
    type: "aws:route53/record:Record",
    input: "type",
    rule: "a record type Route 53 supports",
    source: DOC.r53Record,
    checked: "knowledge",
    ok: oneOf(
      "A",
      "AAAA",
      "CAA",
      "CNAME",
      "DS",
      "MX",
      "NAPTR",
      "NS",
      "PTR",
      "SOA",
      "SPF",
      "SRV",
      "TXT",
    ),
  },
];

/** GCP's resource name format, for a name Pulumi generates (logical name + suffix). */
const gcpAutoName = (type: string, what: string) =>
  autoNameRule(
    type,
    `${what} name: RFC 1035, 1-63 characters, [a-z]([-a-z0-9]*[a-z0-9])?`,
    `${DOC.gcpNames}; ${DOC.pulumiGcpAutoname}`,
    matches(RFC1035),
  );

const GCP_RULES: InputRule[] = [
  // Compute Engine instance
  gcpAutoName("gcp:compute/instance:Instance", "instance"),
  {
    type: "gcp:compute/instance:Instance",
    input: "machineType",
    rule: "the machine type is offered in the zone (as the mock's getMachineTypes answers)",
    source: DOC.gcpMachineTypes,
    checked: "knowledge",
    ok: (v, r, ctx) =>
      !str(v) ||
      !str(r.inputs.zone) ||
      gcpOffered(ctx, r.inputs.zone, v) !== false ||
      `not offered in ${r.inputs.zone}`,
    required: true,
  },
  {
    type: "gcp:compute/instance:Instance",
    input: "bootDisk.initializeParams.type",
    rule: "boot disk type the machine series takes: T2A pd-standard, pd-balanced or pd-ssd; C4A and N4A hyperdisk-balanced (Hyperdisk only)",
    source: `${DOC.gcpArmDisks}; ${DOC.gcpHyperdiskBoot}`,
    checked: "knowledge",
    ok: (v, r) => {
      const allowed = GCP_DISK_TYPES[series(r.inputs.machineType)]?.boot;
      return allowed
        ? allowed.includes(String(v)) ||
            `${String(r.inputs.machineType)} boots from ${allowed.join(", ")}`
        : `no disk types known for ${String(r.inputs.machineType)}`;
    },
    required: true,
  },
  {
    type: "gcp:compute/instance:Instance",
    input: "bootDisk.initializeParams.size",
    rule: "boot disk at least the image's size (ubuntu-2404-lts-arm64: 10 GB), at most 65,536 GB",
    source: `${DOC.gcpInitializeParams}; ${DOC.gcpImageSize}`,
    checked: "knowledge",
    ok: (v, r) => {
      const image = String(
        (r.inputs.bootDisk as { initializeParams?: { image?: unknown } } | undefined)
          ?.initializeParams?.image,
      );
      const min = GCP_IMAGE_SIZE_GB[image];
      if (min === undefined) return `the table knows no size for image ${image}`;
      return (
        (typeof v === "number" && v >= min && v <= 65536) || `${String(v)} GB for a ${min} GB image`
      );
    },
    required: true,
  },
  labelRule("gcp:compute/instance:Instance", "bootDisk.initializeParams.labels"),
  labelRule("gcp:compute/instance:Instance", "labels"),
  {
    type: "gcp:compute/instance:Instance",
    input: "tags",
    rule: "network tags: at most 64, each RFC 1035, 1-63 characters",
    source: DOC.gcpNetworkTags,
    checked: "knowledge",
    ok: networkTags,
  },
  {
    type: "gcp:compute/instance:Instance",
    input: "metadata",
    rule: "metadata: keys [a-zA-Z0-9-_]+ under 128 bytes, each value at most 262,144 bytes (256 KiB), all keys and values under 512 KB",
    source: DOC.gcpMetadata,
    checked: "read",
    ok: (v) => {
      if (v === null || typeof v !== "object") return false;
      let total = 0;
      for (const [k, value] of Object.entries(v as Record<string, unknown>)) {
        if (!/^[a-zA-Z0-9_-]+$/.test(k) || bytes(k) >= 128) return `key ${JSON.stringify(k)}`;
        const size = bytes(String(value));
        if (size > 262144) return `${k}: ${size} bytes`;
        total += bytes(k) + size;
      }
      return total < 512 * 1024 || `${total} bytes in all`;
    },
  },
  {
    type: "gcp:compute/instance:Instance",
    input: "zone",
    rule: "a zone name: <region>-<letter>",
    source: DOC.gcpMachineTypes,
    checked: "knowledge",
    ok: matches(/^[a-z]+-[a-z]+\d+-[a-z]$/),
    required: true,
  },

  // Firewall
  gcpAutoName("gcp:compute/firewall:Firewall", "firewall rule"),
  {
    type: "gcp:compute/firewall:Firewall",
    input: "priority",
    rule: "priority 0 to 65535",
    source: DOC.gcpFirewall,
    checked: "knowledge",
    ok: (v) => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 65535,
  },
  {
    type: "gcp:compute/firewall:Firewall",
    input: "direction",
    rule: "INGRESS or EGRESS",
    source: DOC.gcpFirewall,
    checked: "knowledge",
    ok: oneOf("INGRESS", "EGRESS"),
  },
  {
    type: "gcp:compute/firewall:Firewall",
    input: "targetTags",
    rule: "network tags: RFC 1035, 1-63 characters",
    source: `${DOC.gcpFirewall}; ${DOC.gcpNetworkTags}`,
    checked: "knowledge",
    ok: networkTags,
  },
  {
    type: "gcp:compute/firewall:Firewall",
    input: "sourceTags",
    rule: "network tags: RFC 1035, 1-63 characters",
    source: `${DOC.gcpFirewall}; ${DOC.gcpNetworkTags}`,
    checked: "knowledge",
    ok: networkTags,
  },
  {
    type: "gcp:compute/firewall:Firewall",
    input: "sourceRanges.*",
    rule: "an IPv4 CIDR",
    source: DOC.gcpFirewall,
    checked: "knowledge",
    ok: (v) => cidr(v),
  },
  {
    type: "gcp:compute/firewall:Firewall",
    input: "allows.*.protocol",
    rule: "tcp, udp, icmp, esp, ah, sctp, ipip, all, or a protocol number",
    source: DOC.gcpFirewall,
    checked: "knowledge",
    ok: matches(/^(tcp|udp|icmp|esp|ah|sctp|ipip|all|\d{1,3})$/),
  },
  {
    type: "gcp:compute/firewall:Firewall",
    input: "allows.*.ports.*",
    rule: "a port or a range N-M within 0-65535, as a string",
    source: DOC.gcpFirewall,
    checked: "knowledge",
    ok: portRange,
  },
  {
    type: "gcp:compute/firewall:Firewall",
    input: "denies.*.protocol",
    rule: "tcp, udp, icmp, esp, ah, sctp, ipip, all, or a protocol number",
    source: DOC.gcpFirewall,
    checked: "knowledge",
    ok: matches(/^(tcp|udp|icmp|esp|ah|sctp|ipip|all|\d{1,3})$/),
  },

  // Disks, network
  gcpAutoName("gcp:compute/disk:Disk", "disk"),
  {
    type: "gcp:compute/disk:Disk",
    input: "type",
    rule: "a disk type the attached instance's series takes: T2A Persistent Disk (pd-*); C4A and N4A Hyperdisk only",
    source: DOC.gcpArmDisks,
    checked: "knowledge",
    ok: (v, r, ctx) => {
      const instance = ctx.resources.find(
        (i) =>
          i.type === "gcp:compute/instance:Instance" &&
          ((i.inputs.attachedDisks as { source?: unknown }[] | undefined) ?? []).some(
            (d) => d.source === `(${r.name})`,
          ),
      );
      if (!instance) return true;
      const allowed = GCP_DISK_TYPES[series(instance.inputs.machineType)]?.data;
      return allowed
        ? allowed.includes(String(v)) ||
            `${String(instance.inputs.machineType)} takes ${allowed.join(", ")}`
        : `no disk types known for ${String(instance.inputs.machineType)}`;
    },
    required: true,
  },
  {
    type: "gcp:compute/disk:Disk",
    input: "zone",
    rule: "a zonal disk attaches only to an instance in its own zone",
    source: DOC.gcpAttachDisk,
    checked: "knowledge",
    ok: (v, r, ctx) => {
      const instance = ctx.resources.find(
        (i) =>
          i.type === "gcp:compute/instance:Instance" &&
          ((i.inputs.attachedDisks as { source?: unknown }[] | undefined) ?? []).some(
            (d) => d.source === `(${r.name})`,
          ),
      );
      return (
        !instance ||
        v === instance.inputs.zone ||
        `disk in ${String(v)}, instance ${instance.name} in ${String(instance.inputs.zone)}`
      );
    },
    required: true,
  },
  {
    type: "gcp:compute/disk:Disk",
    input: "size",
    rule: "1 to 65,536 GB (Hyperdisk Balanced: at least 4 GB)",
    source: DOC.gcpArmDisks,
    checked: "knowledge",
    ok: (v) => typeof v === "number" && v >= 4 && v <= 65536,
  },
  labelRule("gcp:compute/disk:Disk", "labels"),
  gcpAutoName("gcp:compute/network:Network", "network"),
  gcpAutoName("gcp:compute/subnetwork:Subnetwork", "subnetwork"),
  {
    type: "gcp:compute/subnetwork:Subnetwork",
    input: "ipCidrRange",
    rule: "a private IPv4 range of at most /29 (prefix 8 to 29)",
    source: DOC.gcpSubnet,
    checked: "knowledge",
    ok: (v) => cidr(v, 8, 29),
    required: true,
  },

  // Service account
  {
    type: "gcp:serviceaccount/account:Account",
    input: "accountId",
    rule: "account id: 6-30 characters matching [a-z]([-a-z0-9]*[a-z0-9]), unique in the project",
    source: DOC.gcpServiceAccount,
    checked: "read",
    ok: all(len(30, 6), matches(/^[a-z]([-a-z0-9]*[a-z0-9])$/)),
    required: true,
  },
  {
    type: "gcp:serviceaccount/account:Account",
    input: "displayName",
    rule: "display name at most 100 UTF-8 bytes",
    source: DOC.gcpServiceAccountFields,
    checked: "read",
    ok: (v) => str(v) && bytes(v) <= 100,
  },
  {
    type: "gcp:serviceaccount/account:Account",
    input: "description",
    rule: "description at most 256 UTF-8 bytes",
    source: DOC.gcpServiceAccountFields,
    checked: "read",
    ok: (v) => str(v) && bytes(v) <= 256,
  },

  // Secret Manager
  {
    type: "gcp:secretmanager/secret:Secret",
    input: "secretId",
    rule: "secret id: 1-255 characters of letters, digits, - and _",
    source: DOC.gcpSecretId,
    checked: "knowledge",
    ok: matches(/^[a-zA-Z0-9_-]{1,255}$/),
    required: true,
  },
  {
    type: "gcp:secretmanager/secret:Secret",
    input: "labels",
    rule: "labels: keys [\\p{Ll}\\p{Lo}][\\p{Ll}\\p{Lo}\\p{N}_-]{0,62}, values [\\p{Ll}\\p{Lo}\\p{N}_-]{0,63}, at most 64",
    source: DOC.gcpSecretLabels,
    checked: "read",
    ok: gcpLabels,
  },
  {
    type: "gcp:secretmanager/secretVersion:SecretVersion",
    input: "secretData",
    rule: "a secret version's payload at most 64 KiB",
    source: DOC.gcpSecretVersion,
    checked: "knowledge",
    ok: (v) => !str(v) || bytes(v) <= 65536,
  },
  {
    type: "gcp:secretmanager/secretIamMember:SecretIamMember",
    input: "member",
    rule: "a principal identifier such as serviceAccount:<email>",
    source: DOC.gcpIamMember,
    checked: "knowledge",
    ok: matches(/^(serviceAccount|user|group|domain|principal|principalSet):\S+$/),
    required: true,
  },
  {
    type: "gcp:secretmanager/secretIamMember:SecretIamMember",
    input: "role",
    rule: "a role: roles/<name> or projects/<p>/roles/<name>",
    source: DOC.gcpIamMember,
    checked: "knowledge",
    ok: matches(/^(roles|projects\/[^/]+\/roles|organizations\/\d+\/roles)\/[\w.]+$/),
    required: true,
  },

  // Artifact Registry
  {
    type: "gcp:artifactregistry/repository:Repository",
    input: "repositoryId",
    rule: "repository name: lower-case letters, digits and hyphens, starting with a letter, ending with a letter or digit, at most 63 characters",
    source: DOC.gcpArtifactRegistry,
    checked: "knowledge",
    ok: matches(RFC1035),
    required: true,
  },
  {
    type: "gcp:artifactregistry/repository:Repository",
    input: "format",
    rule: "DOCKER (the images the stack builds)",
    source: DOC.gcpArtifactRegistry,
    checked: "knowledge",
    ok: oneOf("DOCKER"),
  },
  labelRule("gcp:artifactregistry/repository:Repository", "labels"),
  {
    type: "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
    input: "member",
    rule: "a principal identifier such as serviceAccount:<email>",
    source: DOC.gcpIamMember,
    checked: "knowledge",
    ok: matches(/^(serviceAccount|user|group|domain|principal|principalSet):\S+$/),
    required: true,
  },

  // Cloud DNS
  gcpAutoName("gcp:dns/managedZone:ManagedZone", "managed zone"),
  {
    type: "gcp:dns/managedZone:ManagedZone",
    input: "dnsName",
    rule: "the zone's DNS name, ending with a dot",
    source: DOC.gcpDnsZone,
    checked: "knowledge",
    ok: (v) => dnsName(v, "required"),
    required: true,
  },
  {
    type: "gcp:dns/managedZone:ManagedZone",
    input: "description",
    rule: "description at most 1,024 characters",
    source: DOC.gcpDnsZone,
    checked: "read",
    ok: len(1024),
  },
  {
    type: "gcp:dns/managedZone:ManagedZone",
    input: "visibility",
    rule: "public or private",
    source: DOC.gcpDnsZone,
    checked: "knowledge",
    ok: oneOf("public", "private"),
  },
  labelRule("gcp:dns/managedZone:ManagedZone", "labels"),
  {
    type: "gcp:dns/recordSet:RecordSet",
    input: "name",
    rule: "a DNS name ending with a dot, inside the zone's dnsName",
    source: DOC.gcpDnsRecord,
    checked: "knowledge",
    ok: (v, _r, ctx) => {
      const named = dnsName(v, "required");
      if (named !== true) return named;
      const zones = ctx.resources
        .filter((z) => z.type === "gcp:dns/managedZone:ManagedZone")
        .map((z) => String(z.inputs.dnsName));
      return (
        zones.length === 0 ||
        zones.some((z) => String(v).endsWith(`.${z}`)) ||
        `outside ${zones.join(", ")}`
      );
    },
    required: true,
  },
  // Enabled APIs
  {
    type: "gcp:projects/service:Service",
    input: "service",
    rule: "a service name: <api>.googleapis.com",
    source: DOC.gcpServiceUsage,
    checked: "knowledge",
    ok: matches(/^[a-z][a-z0-9-]*\.googleapis\.com$/),
    required: true,
  },
  {
    type: "gcp:projects/service:Service",
    input: "disableOnDestroy",
    rule: "false: destroying one stack must not disable an API other stacks or tools of the project use",
    source: `${DOC.pulumiGcpService}; ${DOC.tfGoogleDisableOnDestroy}`,
    checked: "read",
    ok: oneOf(false),
    required: true,
  },
  {
    type: "gcp:dns/recordSet:RecordSet",
    input: "ttl",
    rule: "TTL in seconds, not negative",
    source: DOC.gcpDnsRecord,
    checked: "knowledge",
    ok: (v) => typeof v === "number" && v >= 0,
  },
];

const ANY_RULES: InputRule[] = [
  {
    type: "random:index/randomPassword:RandomPassword",
    input: "length",
    rule: "length at least 1 and at least the sum of minLower, minUpper, minNumeric and minSpecial",
    source: DOC.randomPassword,
    checked: "knowledge",
    ok: (v, r) => {
      const mins = ["minLower", "minUpper", "minNumeric", "minSpecial"].reduce(
        (n, k) => n + (Number(r.inputs[k]) || 0),
        0,
      );
      return typeof v === "number" && v >= 1 && v >= mins;
    },
    required: true,
  },
  {
    type: "random:index/randomPassword:RandomPassword",
    input: "special",
    rule: "a character class required by a min* count is allowed",
    source: DOC.randomPassword,
    checked: "knowledge",
    ok: (_v, r) =>
      [
        ["lower", "minLower"],
        ["upper", "minUpper"],
        ["numeric", "minNumeric"],
        ["special", "minSpecial"],
      ].every(([cls, min]) => r.inputs[cls] !== false || !(Number(r.inputs[min]) > 0)),
    required: true,
  },
  {
    type: "command:local:Command",
    input: "create",
    rule: "a command to run on create",
    source: DOC.commandLocal,
    checked: "knowledge",
    ok: (v) => str(v) && v.trim() !== "",
    required: true,
  },
  {
    type: "command:local:Command",
    input: "interpreter",
    rule: "an interpreter: a non-empty argv",
    source: DOC.commandLocal,
    checked: "knowledge",
    ok: (v) => Array.isArray(v) && v.length > 0 && v.every(str),
  },
  {
    type: "command:local:Command",
    input: "environment",
    rule: "environment names a shell can expand: [A-Za-z_][A-Za-z0-9_]*",
    source: DOC.commandLocal,
    checked: "knowledge",
    ok: (v) =>
      v === null ||
      typeof v !== "object" ||
      Object.keys(v as object).every((k) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k)),
  },
  {
    type: "command:local:Command",
    input: "environment.ASPIRE_IMAGE",
    rule: "an image reference: repository path components of lower-case letters, digits and separators (. _ __ -), a tag of at most 128 [A-Za-z0-9_.-] characters",
    source: DOC.dockerReference,
    checked: "knowledge",
    ok: (v) => {
      if (!str(v)) return false;
      const m = /^(?:([^/]+)\/)?(.+?)(?::([\w][\w.-]{0,127}))?$/.exec(v);
      if (!m) return false;
      const [, host, path] = m;
      if (host !== undefined && !/[.:]|^localhost$/.test(host)) return "no registry host";
      return (
        path.split("/").every((c) => /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/.test(c)) ||
        `path ${JSON.stringify(path)} has a component that is not lower case`
      );
    },
  },
];

export const RULES: readonly InputRule[] = [...AWS_RULES, ...GCP_RULES, ...ANY_RULES];

const RULES_BY_TYPE = new Map<string, InputRule[]>();
for (const r of RULES) RULES_BY_TYPE.set(r.type, [...(RULES_BY_TYPE.get(r.type) ?? []), r]);

/** How many rules apply to each cloud (rules of "any" types count for both). */
export function ruleCount(cloud: Cloud): number {
  return RULES.filter((r) => [cloud, "any"].includes(RESOURCE_TYPES[r.type]?.cloud ?? "")).length;
}

// ---------------------------------------------------------------------------------------------
// Checking

/** The mocks record Pulumi secrets as {<sig key>: <secret sig>, value}: the value is what the cloud gets. */
export function unwrapSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (pulumi.runtime.specialSigKey in o) return unwrapSecrets(o.value);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}

/** The values at a path: `*` is every key of an object or element of an array. */
function select(root: unknown, path: string): { path: string; value: unknown }[] {
  let found: { path: string; value: unknown }[] = [{ path: "", value: root }];
  for (const seg of path.split(".")) {
    const next: { path: string; value: unknown }[] = [];
    for (const { path: p, value } of found) {
      if (value === null || typeof value !== "object") continue;
      const join = (k: string | number) => (p ? `${p}.${k}` : String(k));
      if (seg === "*")
        for (const [k, x] of Object.entries(value as object))
          next.push({ path: join(k), value: x });
      else next.push({ path: join(seg), value: (value as Record<string, unknown>)[seg] });
    }
    found = next;
  }
  return found;
}

/** The physical name of a resource: the program's own when it gives one, else Pulumi's auto-name. */
export function physicalName(r: RecordedResource): string | undefined {
  const auto = RESOURCE_TYPES[r.type]?.autoNamed;
  if (!auto) return undefined;
  const given = (unwrapSecrets(r.inputs) as Record<string, unknown>)[auto.property];
  return str(given) ? given : `${r.name}${AUTO_NAME_SUFFIX}`;
}

/** Every violation of the table by the resources of one run. */
export function checkResources(
  resources: readonly RecordedResource[],
  ctx: Omit<RuleContext, "resources"> = {},
): Violation[] {
  const plain = resources.map((r) => ({
    ...r,
    inputs: unwrapSecrets(r.inputs) as Record<string, unknown>,
  }));
  const context: RuleContext = { ...ctx, resources: plain };
  const violations: Violation[] = [];
  const seen = new Set<string>();
  for (const r of plain) {
    const at = { urn: r.urn, type: r.type, name: r.name };
    if (seen.has(r.urn))
      violations.push({
        ...at,
        input: "(urn)",
        value: r.urn,
        rule: "URNs are unique in a stack: two resources of one type cannot share a logical name",
        source: DOC.pulumiUrn,
      });
    seen.add(r.urn);
    if (!RESOURCE_TYPES[r.type]) {
      violations.push({
        ...at,
        input: "(type)",
        value: r.type,
        rule: "every resource type the program registers is in the rules table",
        source: "test/support/cloud-rules.ts",
      });
      continue;
    }
    for (const rule of RULES_BY_TYPE.get(r.type) ?? []) {
      const targets =
        rule.input === "<physical name>"
          ? [{ path: rule.input, value: physicalName(r) }]
          : select(r.inputs, rule.input);
      for (const { path, value } of targets) {
        if (value === undefined && !rule.required) continue;
        if (isMockPlaceholder(value)) continue;
        const result = rule.ok(value, r, context);
        if (result !== true)
          violations.push({
            ...at,
            input: path,
            value,
            rule: rule.rule,
            source: rule.source,
            detail: typeof result === "string" ? result : undefined,
          });
      }
    }
  }
  return violations;
}

/** Physical names whose scope is the account and region (AWS) or the project (GCP), or a network
 *  shared by stacks: two stacks deployed side by side must not share any. */
const SCOPED_NAMES: readonly { type: string; input: string; scope: string; source: string }[] = [
  {
    type: "aws:ssm/parameter:Parameter",
    input: "name",
    scope: "a parameter name is unique in a Region",
    source: DOC.ssmPutParameter,
  },
  {
    type: "aws:ecr/repository:Repository",
    input: "name",
    scope: "a repository name is unique in a registry",
    source: DOC.ecrCreate,
  },
  {
    type: "gcp:secretmanager/secret:Secret",
    input: "secretId",
    scope: "a secret id is unique in a project",
    source: DOC.gcpSecretId,
  },
  {
    type: "gcp:serviceaccount/account:Account",
    input: "accountId",
    scope: "an account id is unique in a project",
    source: DOC.gcpServiceAccount,
  },
  {
    type: "gcp:artifactregistry/repository:Repository",
    input: "repositoryId",
    scope: "a repository name is unique in a project and location",
    source: DOC.gcpArtifactRegistry,
  },
  {
    type: "gcp:compute/instance:Instance",
    input: "tags.*",
    scope:
      "firewall rules select VMs by network tag in the whole network: one stack's tags on another's VMs open its ports to them",
    source: DOC.gcpNetworkTags,
  },
  {
    type: "aws:route53/zone:Zone",
    input: "name",
    scope: "a VPC cannot be associated with two private zones of the same name",
    source: DOC.r53Zone,
  },
  {
    type: "gcp:dns/managedZone:ManagedZone",
    input: "dnsName",
    scope: "two private zones of one network cannot serve the same DNS name",
    source: DOC.gcpDnsZone,
  },
];

/** Names two stacks of one account/project would both claim. */
export function checkAcrossStacks(
  a: readonly RecordedResource[],
  b: readonly RecordedResource[],
): Violation[] {
  const violations: Violation[] = [];
  for (const s of SCOPED_NAMES) {
    const names = (rs: readonly RecordedResource[]) =>
      rs
        .filter((r) => r.type === s.type)
        .flatMap((r) =>
          select(unwrapSecrets(r.inputs), s.input).map((x) => ({ r, value: x.value })),
        );
    const taken = new Set(names(a).map((x) => x.value));
    for (const { r, value } of names(b))
      if (taken.has(value))
        violations.push({
          urn: r.urn,
          type: r.type,
          name: r.name,
          input: s.input,
          value,
          rule: `${s.scope}: another stack already has it`,
          source: s.source,
        });
  }
  return violations;
}

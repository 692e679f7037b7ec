// Prints the resources a program run registered: type, name and the inputs a reviewer checks
// first (instance type, image, disks, ports, metadata options). Secret values never appear: the
// summary only names which fields are set.
import type { RecordedResource } from "./mock-program";

type Inputs = Readonly<Record<string, unknown>>;

const get = (o: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>(
    (x, k) => (x && typeof x === "object" ? (x as Record<string | number, unknown>)[k] : undefined),
    o,
  );

/** The key inputs of a resource, as short `key=value` strings. */
export function keyInputs(type: string, i: Inputs): string[] {
  const kv = (k: string, v: unknown) =>
    v === undefined || v === null || v === ""
      ? []
      : [`${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`];
  switch (type) {
    case "aws:ec2/instance:Instance":
      return [
        ...kv("instanceType", i.instanceType),
        ...kv("ami", i.ami),
        ...kv("httpTokens", get(i, "metadataOptions", "httpTokens")),
        ...kv("hopLimit", get(i, "metadataOptions", "httpPutResponseHopLimit")),
        ...kv(
          "root",
          `${get(i, "rootBlockDevice", "volumeType")} ${get(i, "rootBlockDevice", "volumeSize")}GB encrypted=${get(i, "rootBlockDevice", "encrypted")}`,
        ),
        ...kv(
          "userData",
          typeof i.userDataBase64 === "string"
            ? `${Buffer.from(i.userDataBase64, "base64").length} bytes gzip`
            : undefined,
        ),
      ];
    case "aws:ebs/volume:Volume":
      return [...kv("type", i.type), ...kv("size", i.size), ...kv("encrypted", i.encrypted)];
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
      return [
        ...kv("port", i.fromPort === i.toPort ? i.fromPort : `${i.fromPort}-${i.toPort}`),
        ...kv("protocol", i.ipProtocol),
        ...kv("from", i.cidrIpv4 ?? (i.referencedSecurityGroupId ? "app VMs" : undefined)),
      ];
    case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
      return [...kv("protocol", i.ipProtocol), ...kv("to", i.cidrIpv4)];
    case "aws:ssm/parameter:Parameter":
      return [...kv("name", i.name), ...kv("type", i.type), "value=(secret)"];
    case "aws:ecr/repository:Repository":
    case "aws:route53/zone:Zone":
      return kv("name", i.name);
    case "aws:route53/record:Record":
      return [...kv("name", i.name), ...kv("type", i.type)];
    case "gcp:compute/instance:Instance":
      return [
        ...kv("machineType", i.machineType),
        ...kv("image", get(i, "bootDisk", "initializeParams", "image")),
        ...kv(
          "disk",
          `${get(i, "bootDisk", "initializeParams", "type")} ${get(i, "bootDisk", "initializeParams", "size")}GB`,
        ),
        ...kv("vTPM", get(i, "shieldedInstanceConfig", "enableVtpm")),
        ...kv(
          "userData",
          typeof get(i, "metadata", "user-data") === "string"
            ? `${(get(i, "metadata", "user-data") as string).length} bytes`
            : undefined,
        ),
      ];
    case "gcp:compute/disk:Disk":
      return [...kv("type", i.type), ...kv("size", i.size)];
    case "gcp:compute/firewall:Firewall":
      return [
        ...kv("allow", i.allows),
        ...kv("deny", i.denies),
        ...kv("priority", i.priority),
        ...kv("from", i.sourceRanges ?? i.sourceTags),
        ...kv("to", i.targetTags),
      ];
    case "gcp:secretmanager/secret:Secret":
      return kv("secretId", i.secretId);
    case "gcp:secretmanager/secretVersion:SecretVersion":
      return ["secretData=(secret)"];
    case "random:index/randomPassword:RandomPassword":
      return [...kv("length", i.length), ...kv("special", i.special)];
    default:
      return [];
  }
}

export function resourceSummary(r: RecordedResource): {
  type: string;
  name: string;
  inputs: string[];
} {
  return { type: r.type, name: r.name, inputs: keyInputs(r.type, r.inputs) };
}

/** One line per resource, components first, in registration order. */
export function resourceTree(resources: readonly RecordedResource[]): string[] {
  return resources.map((r) => {
    const inputs = keyInputs(r.type, r.inputs);
    return `  ${r.type.padEnd(58)} ${r.name}${inputs.length ? `  ${inputs.join(" ")}` : ""}`;
  });
}

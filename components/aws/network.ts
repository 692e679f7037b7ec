// Where the VMs go: the account's default VPC (the learning path's choice), an existing VPC and
// subnets, or a small VPC created for the stack (one public subnet, internet gateway, route).
// Every VM of the stack shares one subnet, so one availability zone: the first zone, in a fixed
// order, that offers every instance type of the stack (EC2's DescribeInstanceTypeOfferings). Not
// every zone offers every type: us-east-1e (use1-az3) has no t4g, and a subnet there would leave the
// deploy failing at the instance, after the data volume was created in that zone.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { networkAddress, parseCidr } from "../../src/config/cidr";
import type { NetworkOptions } from "../../src/config/stack-config";

export interface AwsNetwork {
  readonly vpcId: pulumi.Output<string>;
  readonly subnetId: pulumi.Output<string>;
  readonly availabilityZone: pulumi.Output<string>;
}

/** A place the VMs could go: a zone, and the subnet there when the subnet exists already. */
export interface ZoneCandidate {
  readonly zone: string;
  readonly subnetId?: string;
}

/** EC2's offerings by availability zone: parallel lists, one (type, zone) pair per index. */
export interface Offerings {
  readonly instanceTypes: readonly string[];
  readonly locations: readonly string[];
}

/**
 * The first candidate whose zone offers every one of `types`. Candidates come in a fixed order
 * (the default VPC's subnets by id, the region's zones by name, the subnets as configured), so the
 * choice is the same on every deploy while the offer is. When none qualifies: a RunError naming
 * the zones that offer each type.
 */
export function chooseZone(
  candidates: readonly ZoneCandidate[],
  types: readonly string[],
  offerings: Offerings,
  where: string,
): ZoneCandidate {
  const wanted = [...new Set(types)].sort();
  const offered = new Map<string, Set<string>>(); // zone -> types
  offerings.locations.forEach((zone, i) =>
    offered.set(zone, (offered.get(zone) ?? new Set()).add(offerings.instanceTypes[i])),
  );
  const chosen = candidates.find((c) => wanted.every((t) => offered.get(c.zone)?.has(t)));
  if (chosen) return chosen;
  const zonesOf = (type: string) =>
    [...offered.entries()]
      .filter(([, ts]) => ts.has(type))
      .map(([z]) => z)
      .sort();
  const lines = wanted.map((t) => `${t}: ${zonesOf(t).join(", ") || "no zone of the region"}`);
  const zones = [...new Set(candidates.map((c) => c.zone))].sort();
  throw new pulumi.RunError(
    `no availability zone of ${where} (${zones.join(", ") || "none"}) offers every instance type of the stack (${wanted.join(", ")}). ` +
      `EC2 offers them in these zones:\n  ${lines.join("\n  ")}\n` +
      `Use instance types that one of these zones offers together (aspire:instanceType, aspire:vms.<vm>.instanceType), ` +
      `or put the VMs in a subnet of such a zone (aspire:network {vpcId, subnetIds}).`,
  );
}

/** Private hosted zones answer only in a VPC with DNS support and DNS hostnames on
 *  (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/hosted-zone-private-considerations.html):
 *  without them the VMs could not resolve each other's names. */
export function vpcDnsProblem(vpc: {
  id: string;
  enableDnsSupport: boolean;
  enableDnsHostnames: boolean;
}): string | undefined {
  const off = [
    vpc.enableDnsSupport ? "" : "enableDnsSupport",
    vpc.enableDnsHostnames ? "" : "enableDnsHostnames",
  ].filter(Boolean);
  if (!off.length) return undefined;
  return (
    `VPC ${vpc.id} has ${off.join(" and ")} off: the stack's private DNS zone (the VMs' names) answers only in a VPC with both on. ` +
    off
      .map(
        (a) =>
          `aws ec2 modify-vpc-attribute --vpc-id ${vpc.id} --${a === "enableDnsSupport" ? "enable-dns-support" : "enable-dns-hostnames"} '{"Value":true}'`,
      )
      .join("; ") +
    `, or set aspire:network to "create".`
  );
}

export function awsNetwork(
  name: string,
  options: NetworkOptions,
  tags: Record<string, string>,
  parent: pulumi.Resource,
  instanceTypes: readonly string[],
): AwsNetwork {
  // Every VM's type, offered by zone: only the zones with all of them qualify.
  const offerings = aws.ec2.getInstanceTypeOfferingsOutput(
    {
      locationType: "availability-zone",
      filters: [{ name: "instance-type", values: [...new Set(instanceTypes)].sort() }],
    },
    { parent },
  );

  if (options.kind === "create") {
    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: options.cidr,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: { ...tags, Name: name },
      },
      { parent },
    );
    // Availability Zones only: Local and Wavelength Zones sort before them (us-east-1-bos-1a < us-east-1a).
    const zones = aws.getAvailabilityZonesOutput(
      { state: "available", filters: [{ name: "zone-type", values: ["availability-zone"] }] },
      { parent },
    );
    const zone = pulumi.all([zones.names, offerings]).apply(
      ([names, o]) =>
        chooseZone(
          names.map((z) => ({ zone: z })),
          instanceTypes,
          o,
          "the region",
        ).zone,
    );
    const subnet = new aws.ec2.Subnet(
      `${name}-public`,
      {
        vpcId: vpc.id,
        cidrBlock: cidrSubnet(options.cidr),
        availabilityZone: zone,
        mapPublicIpOnLaunch: false,
        tags: { ...tags, Name: `${name}-public` },
      },
      { parent },
    );
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags }, { parent });
    const routes = new aws.ec2.RouteTable(
      `${name}-public`,
      { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags },
      { parent },
    );
    new aws.ec2.RouteTableAssociation(
      `${name}-public`,
      { subnetId: subnet.id, routeTableId: routes.id },
      { parent },
    );
    return { vpcId: vpc.id, subnetId: subnet.id, availabilityZone: subnet.availabilityZone };
  }

  if (options.kind === "existing" && options.vpcId) {
    // The subnets in the order given: the first whose zone offers every type.
    const subnetIds = options.subnetIds;
    const vpcId = checkedVpc(aws.ec2.getVpcOutput({ id: options.vpcId }, { parent }));
    const candidates = pulumi
      .all(subnetIds.map((id) => aws.ec2.getSubnetOutput({ id }, { parent })))
      .apply((subnets) => subnets.map((s) => ({ zone: s.availabilityZone, subnetId: s.id })));
    const chosen = pulumi
      .all([candidates, offerings])
      .apply(([c, o]) => chooseZone(c, instanceTypes, o, `the subnets ${subnetIds.join(", ")}`));
    return {
      vpcId,
      subnetId: chosen.apply((c) => c.subnetId as string),
      availabilityZone: chosen.zone,
    };
  }

  const vpc = aws.ec2.getVpcOutput({ default: true }, { parent });
  const vpcId = checkedVpc(vpc);
  const subnets = aws.ec2.getSubnetsOutput(
    {
      filters: [
        { name: "vpc-id", values: [vpc.id] },
        { name: "default-for-az", values: ["true"] },
      ],
    },
    { parent },
  );
  // By subnet id, as before the offer was asked: a stack whose lowest subnet qualifies keeps it.
  const candidates = subnets.ids.apply((ids) => {
    if (ids.length === 0)
      throw new pulumi.RunError(
        'the default VPC has no default subnets: set aspire:network to "create" or to {vpcId, subnetIds}.',
      );
    return pulumi
      .all([...ids].sort().map((id) => aws.ec2.getSubnetOutput({ id }, { parent })))
      .apply((all) => all.map((s) => ({ zone: s.availabilityZone, subnetId: s.id })));
  });
  const chosen = pulumi
    .all([candidates, offerings])
    .apply(([c, o]) => chooseZone(c, instanceTypes, o, "the default VPC's default subnets"));
  return {
    vpcId,
    subnetId: chosen.apply((c) => c.subnetId as string),
    availabilityZone: chosen.zone,
  };
}

/** The VPC's id once its DNS attributes are known to be on (see vpcDnsProblem). */
function checkedVpc(vpc: pulumi.Output<aws.ec2.GetVpcResult>): pulumi.Output<string> {
  return vpc.apply((v) => {
    const problem = vpcDnsProblem(v);
    if (problem) throw new pulumi.RunError(problem);
    return v.id;
  });
}

/** The first /24 of a /16 (or larger) block: 10.42.0.0/16 -> 10.42.0.0/24 (the /24 its address
 *  falls in; the stack config takes only IPv4 blocks without host bits). */
export function cidrSubnet(cidr: string): string {
  const block = parseCidr(cidr);
  if (block?.family !== 4)
    throw new pulumi.RunError(`aspire:network: ${cidr} is not an IPv4 CIDR.`);
  return `${networkAddress({ ...block, prefix: 24 })}/24`;
}

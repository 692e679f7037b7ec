// Where the VMs go: the account's default VPC (the learning path's choice), an existing VPC and
// subnets, or a small VPC created for the stack (one public subnet, internet gateway, route).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { NetworkOptions } from "../../src/config/stack-config";

export interface AwsNetwork {
  readonly vpcId: pulumi.Output<string>;
  readonly subnetId: pulumi.Output<string>;
  readonly availabilityZone: pulumi.Output<string>;
}

export function awsNetwork(name: string, options: NetworkOptions, tags: Record<string, string>, parent: pulumi.Resource): AwsNetwork {
  if (options.kind === "create") {
    const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: options.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { ...tags, Name: name } }, { parent });
    const zones = aws.getAvailabilityZonesOutput({ state: "available" }, { parent });
    const subnet = new aws.ec2.Subnet(
      `${name}-public`,
      { vpcId: vpc.id, cidrBlock: cidrSubnet(options.cidr), availabilityZone: zones.names[0], mapPublicIpOnLaunch: false, tags: { ...tags, Name: `${name}-public` } },
      { parent },
    );
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags }, { parent });
    const routes = new aws.ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags }, { parent });
    new aws.ec2.RouteTableAssociation(`${name}-public`, { subnetId: subnet.id, routeTableId: routes.id }, { parent });
    return { vpcId: vpc.id, subnetId: subnet.id, availabilityZone: subnet.availabilityZone };
  }
  if (options.kind === "existing" && options.vpcId) {
    const subnetId = pulumi.output(options.subnetIds[0]);
    const subnet = aws.ec2.getSubnetOutput({ id: subnetId }, { parent });
    return { vpcId: pulumi.output(options.vpcId), subnetId, availabilityZone: subnet.availabilityZone };
  }
  const vpc = aws.ec2.getVpcOutput({ default: true }, { parent });
  const subnets = aws.ec2.getSubnetsOutput({ filters: [{ name: "vpc-id", values: [vpc.id] }, { name: "default-for-az", values: ["true"] }] }, { parent });
  // Sorted so that the choice is stable between deploys.
  const subnetId = subnets.ids.apply((ids) => {
    if (ids.length === 0) throw new pulumi.RunError("the default VPC has no default subnets: set aspire:network to \"create\" or to {vpcId, subnetIds}.");
    return [...ids].sort()[0];
  });
  const subnet = aws.ec2.getSubnetOutput({ id: subnetId }, { parent });
  return { vpcId: vpc.id, subnetId, availabilityZone: subnet.availabilityZone };
}

/** The first /24 of a /16 (or larger) block: 10.42.0.0/16 -> 10.42.0.0/24. */
function cidrSubnet(cidr: string): string {
  const [base] = cidr.split("/");
  const o = base.split(".");
  return `${o[0]}.${o[1]}.${o[2]}.0/24`;
}

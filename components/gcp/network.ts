// Where the VMs go: the project's default network (the learning path's choice), an existing
// network and subnetwork, or a small VPC created for the stack (one subnetwork in the zone's
// region). The zone is the provider's (gcp:zone); its region is the zone without its letter.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { NetworkOptions } from "../../src/config/stack-config";
import { regionOf } from "../../src/render";

export interface GcpNetwork {
  /** The network as instances and firewall rules name it: its name or self link. */
  readonly network: pulumi.Output<string>;
  /** The VMs' subnetwork; undefined on an auto-mode network, where GCP picks the region's own. */
  readonly subnetwork?: pulumi.Output<string>;
  /** The network as Cloud DNS binds a private zone to it (`projects/P/global/networks/N`). */
  readonly networkUrl: pulumi.Output<string>;
}

/** The zone (gcp:zone) and its region: us-central1-a -> us-central1. */
export function gcpLocation(): { zone: string; region: string } {
  const zone = new pulumi.Config("gcp").require("zone");
  return { zone, region: regionOf(zone) };
}

export { regionOf };

/** `computeApi`: the enabled Compute Engine API, which a created network waits for (./apis.ts). */
export function gcpNetwork(
  name: string,
  options: NetworkOptions,
  project: pulumi.Output<string>,
  region: string,
  parent: pulumi.Resource,
  computeApi: pulumi.Resource[] = [],
): GcpNetwork {
  if (options.kind === "create") {
    const network = new gcp.compute.Network(
      `${name}-vpc`,
      { autoCreateSubnetworks: false, description: "aspire-arm: the network of an app's VMs" },
      { parent, dependsOn: computeApi },
    );
    const subnetwork = new gcp.compute.Subnetwork(
      `${name}-subnet`,
      { network: network.id, region, ipCidrRange: options.cidr },
      { parent },
    );
    return { network: network.selfLink, subnetwork: subnetwork.selfLink, networkUrl: network.id };
  }
  if (options.kind === "existing" && options.network) {
    const given = options.network;
    // A name is looked up in the provider's project; a path or URL is taken as it is (shared VPC).
    const networkUrl = /^(https:\/\/|projects\/)/.test(given)
      ? pulumi.output(given)
      : pulumi.interpolate`projects/${project}/global/networks/${given}`;
    return {
      network: pulumi.output(given),
      subnetwork: options.subnetwork ? pulumi.output(options.subnetwork) : undefined,
      networkUrl,
    };
  }
  if (options.kind === "existing")
    throw new pulumi.RunError(
      'aspire:network needs a network on GCP: {network: my-vpc, subnetwork: my-subnet} (or "create", or "default").',
    );
  // The default network is auto-mode: it has a subnetwork in every region, chosen by the zone.
  return {
    network: pulumi.output("default"),
    networkUrl: pulumi.interpolate`projects/${project}/global/networks/default`,
  };
}

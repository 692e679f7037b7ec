// The public URLs of a plan's external endpoints as Outputs, once the VMs have public addresses
// (the URLs themselves: endpointUrl and dashboardUrlOf in ./arm-app.ts).
import * as pulumi from "@pulumi/pulumi";
import type { DeploymentPlan } from "../src/plan";
import { appEndpoints, dashboardEndpoint, dashboardUrlOf, endpointUrl } from "./arm-app";

/** `service/binding` -> URL (http/https) or host:port (tcp/udp). With a domain, the host names. */
export function endpointUrls(
  plan: DeploymentPlan,
  publicIps: Readonly<Record<string, pulumi.Output<string>>>,
): pulumi.Output<Record<string, string>> {
  const entries = appEndpoints(plan).map(({ key, vm, endpoint }) =>
    publicIps[vm].apply((ip): [string, string] => [key, endpointUrl(endpoint, ip)]),
  );
  return pulumi.all(entries).apply((pairs) => Object.fromEntries(pairs));
}

/** The dashboard's URL, when the plan runs it. */
export function dashboardUrl(
  plan: DeploymentPlan,
  publicIps: Readonly<Record<string, pulumi.Output<string>>>,
): pulumi.Output<string> | undefined {
  const dashboard = dashboardEndpoint(plan);
  return dashboard && publicIps[dashboard.vm].apply((ip) => dashboardUrlOf(dashboard.endpoint, ip));
}

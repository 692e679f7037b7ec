// The public URLs of a plan's external endpoints as Outputs, once the VMs have public addresses
// (the URLs themselves: endpointUrl and dashboardUrlOf in ./arm-app.ts).
import * as pulumi from "@pulumi/pulumi";
import type { DeploymentPlan, VmPlan } from "../src/plan";
import {
  appEndpoints,
  dashboardEndpoint,
  dashboardUrlOf,
  endpointUrl,
  type ArmAppOutputs,
  type VmOutputs,
} from "./arm-app";

/** Creates the plan's VMs in order, each with `create`, and gives their outputs by name with the
 *  URLs of the endpoints and of the dashboard on the VMs' public addresses. */
export function createVms(
  plan: DeploymentPlan,
  create: (vm: VmPlan) => VmOutputs,
): Pick<ArmAppOutputs, "vms" | "endpoints" | "dashboardUrl"> {
  const vms: Record<string, VmOutputs> = {};
  const publicIps: Record<string, pulumi.Output<string>> = {};
  for (const vm of plan.vms) {
    const out = create(vm);
    vms[vm.name] = out;
    publicIps[vm.name] = out.publicIp;
  }
  return {
    vms,
    endpoints: endpointUrls(plan, publicIps),
    dashboardUrl: dashboardUrl(plan, publicIps),
  };
}

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

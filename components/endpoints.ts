// Public URLs of a plan's external endpoints, once the VMs have public addresses.
import * as pulumi from "@pulumi/pulumi";
import type { DeploymentPlan } from "../src/plan";
import { DASHBOARD_NAME } from "../src/plan/dashboard";

/** `service/binding` -> URL (http/https) or host:port (tcp/udp). With a domain, the host names. */
export function endpointUrls(plan: DeploymentPlan, publicIps: Readonly<Record<string, pulumi.Output<string>>>): pulumi.Output<Record<string, string>> {
  const entries = plan.vms.flatMap((vm) =>
    vm.publicEndpoints
      .filter((e) => e.service !== DASHBOARD_NAME)
      .map((e) =>
        publicIps[vm.name].apply((ip): [string, string] => {
          const host = e.hostName ?? ip;
          const defaultPort = (e.scheme === "https" && e.port === 443) || (e.scheme === "http" && e.port === 80);
          const url = e.upstream ? `${e.scheme}://${host}${defaultPort ? "" : `:${e.port}`}` : `${host}:${e.port}`;
          return [`${e.service}/${e.binding}`, url];
        }),
      ),
  );
  return pulumi.all(entries).apply((pairs) => Object.fromEntries(pairs));
}

/** The dashboard's URL, when the plan runs it. */
export function dashboardUrl(plan: DeploymentPlan, publicIps: Readonly<Record<string, pulumi.Output<string>>>): pulumi.Output<string> | undefined {
  for (const vm of plan.vms) {
    const e = vm.publicEndpoints.find((x) => x.service === DASHBOARD_NAME);
    if (e) return publicIps[vm.name].apply((ip) => (e.hostName ? `https://${e.hostName}` : `http://${ip}:${e.port}`));
  }
  return undefined;
}

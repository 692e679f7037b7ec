// The Caddyfile of a VM's reverse proxy: external http/https endpoints on 80/443, with automatic
// HTTPS (Let's Encrypt) when a domain is configured and plain HTTP otherwise.
import type { DeploymentPlan, VmPlan } from "../plan";

/** The official Caddy image (multi-arch, arm64 included). */
export const CADDY_IMAGE = "docker.io/library/caddy:2.10";

export function renderCaddyfile(plan: DeploymentPlan, vm: VmPlan): string | undefined {
  if (!vm.proxy) return undefined;
  const sites = new Map<string, string>();
  for (const e of vm.publicEndpoints) {
    if (!e.upstream) continue;
    const address = e.hostName ?? `:${e.port}`;
    if (sites.has(address)) continue;
    // gRPC and other HTTP/2-only services are reached over h2c.
    const upstream = e.transport === "http2" ? `h2c://${e.upstream}` : e.upstream;
    // The upstream is the service's DNS name, which Docker answers with every running container
    // of it: during apply.sh's switch the old and the new. A dial to one that is stopping fails
    // and is retried on the other for up to 10 s, so no request is dropped.
    sites.set(
      address,
      `${address} {\n\treverse_proxy ${upstream} {\n\t\tlb_try_duration 10s\n\t}\n}\n`,
    );
  }
  const global = plan.domain ? "" : "{\n\tauto_https off\n}\n\n";
  return `# Reverse proxy of VM ${vm.name}, written by aspire-arm.\n${global}${[...sites.values()].join("\n")}`;
}

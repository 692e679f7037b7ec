// The Docker Compose file of one VM: every container service, the reverse proxy and, when enabled,
// the Aspire dashboard. Values go into `environment:` directly (YAML quoting is exact; compose
// env_file parsing is not), secrets as `${ASPIRE_P_*}` filled from apply.sh's environment.
import * as yaml from "js-yaml";
import type { DeploymentPlan, ServicePlan, VmPlan } from "../plan";
import { HOST_GATEWAY } from "../plan";
import { imageReference, type RenderContext } from "./context";
import { escapeDollar, interpolated } from "./interpolate";
import { VOLUMES_DIR } from "./vm-paths";
import { CADDY_IMAGE } from "./caddyfile";
import { volumeDirName } from "./volumes";

type ComposeService = Record<string, unknown>;

export function renderCompose(plan: DeploymentPlan, vm: VmPlan, ctx: RenderContext): string | undefined {
  const containers = vm.services.filter((s) => s.runAs === "container");
  if (containers.length === 0 && !vm.proxy) return undefined;
  const services: Record<string, ComposeService> = {};
  const volumes: Record<string, unknown> = {};
  const nativeTargets = vm.services.some((s) => s.runAs === "native");

  for (const s of containers) {
    services[s.name] = containerService(plan, vm, s, ctx, nativeTargets);
    for (const v of s.volumes)
      if (v.name)
        volumes[v.name] = { driver: "local", driver_opts: { type: "none", o: "bind", device: `${VOLUMES_DIR}/${volumeDirName(v.name)}` } };
  }
  if (vm.proxy) {
    const ports = [...new Set(vm.publicEndpoints.filter((e) => e.upstream).map((e) => e.port))];
    if (plan.domain) ports.push(80, 443);
    services.caddy = {
      image: CADDY_IMAGE,
      restart: "unless-stopped",
      ports: [...new Set(ports)].sort((a, b) => a - b).map((p) => `${p}:${p}`),
      volumes: ["./Caddyfile:/etc/caddy/Caddyfile:ro", "caddy-data:/data", "caddy-config:/config"],
      depends_on: [...new Set(vm.publicEndpoints.filter((e) => e.upstream && containers.some((c) => c.name === e.service)).map((e) => e.service))],
      ...(nativeTargets ? { extra_hosts: [`${HOST_GATEWAY}:host-gateway`] } : {}),
    };
    volumes["caddy-data"] = {};
    volumes["caddy-config"] = {};
  }
  const doc: Record<string, unknown> = { services };
  if (Object.keys(volumes).length) doc.volumes = volumes;
  return `# Docker Compose file of VM ${vm.name}, stack ${plan.stack}. Written by aspire-arm: edits are replaced on the next deploy.\n` + yaml.dump(doc, { lineWidth: -1, noRefs: true, quotingType: '"' });
}

function containerService(plan: DeploymentPlan, vm: VmPlan, s: ServicePlan, ctx: RenderContext, nativeTargets: boolean): ComposeService {
  const out: ComposeService = { image: escapeDollar(imageReference(plan, s, ctx)) };
  if (s.entrypoint !== undefined) out.entrypoint = [escapeDollar(s.entrypoint)];
  // args stay an exec array, never re-quoted: `sh -c "<script>"` keeps its $VARS for the shell.
  if (s.args.length) out.command = s.args.map(interpolated);
  if (Object.keys(s.env).length) out.environment = Object.fromEntries(Object.entries(s.env).map(([k, v]) => [k, interpolated(v)]));
  const ports = s.ports
    .filter((p) => p.hostPort !== undefined)
    .map((p) => `${p.exposure === "local" ? "127.0.0.1:" : ""}${p.hostPort}:${p.targetPort}${p.protocol === "udp" ? "/udp" : ""}`);
  if (ports.length) out.ports = ports;
  const mounts = [
    ...s.volumes.map((v) => (v.name ? `${v.name}:${v.target}${v.readOnly ? ":ro" : ""}` : v.target)),
    ...s.bindMounts.map((b, i) => `./files/${s.name}/${i}:${b.target}${b.readOnly ? ":ro" : ""}`),
  ];
  if (mounts.length) out.volumes = mounts;
  // Other VMs resolve through the stack's private DNS zone; only the host itself needs a name here.
  if (nativeTargets) out.extra_hosts = [`${HOST_GATEWAY}:host-gateway`];
  const deps = s.dependsOn.filter((d) => vm.services.some((x) => x.name === d && x.runAs === "container"));
  if (deps.length) out.depends_on = deps;
  out.restart = "unless-stopped";
  return out;
}

// Builds the deployment plan from a validated manifest and the user's options. Pure: no cloud.
import * as path from "node:path";
import {
  Evaluator,
  buildOf,
  defaultTargetPort,
  isCompute,
  isProject,
  own,
  runsAsService,
  type ComputeResource,
  type Diagnostic,
  type Manifest,
  type Value,
} from "../manifest";
import { PlanPlacement, RecordingPlacement, HOST_GATEWAY, type EndpointUse, type ServicePlacement } from "./addressing";
import { EndpointMap, EndpointSet, type ReadonlyEndpointMap, type ReadonlyEndpointSet } from "./endpoints";
import { PlanError } from "./errors";
import type { DeploymentPlan, ImageSource, ParameterPlan, PortPlan, PublicEndpoint, ServicePlan, VmPlan } from "./model";
import { uniqueSafeNames } from "./names";
import { nativeTextProblems } from "./native-text";
import { secretNameCollisions } from "./secret-names";
import { bindMountSource, buildInputProblems, sourceRoot } from "./sources";
import { DEFAULT_DATA_DISK_SIZE_GB, type PlanOptions } from "./options";
import { fillKnownParameters, isStoredOnVm, planParameters } from "./parameters";
import { withImageSettings } from "./image-settings";
import { assignVms, type AssignedVm } from "./vm-assignment";
import { listenPorts, withListenUrls } from "./kestrel";
import { DASHBOARD_NAME, DASHBOARD_UI_PORT, dashboardService, dashboardTokenParameter, otelEnv, otlpReachedFromOutside } from "./dashboard";

export interface PlanResult {
  readonly plan: DeploymentPlan;
  readonly warnings: readonly Diagnostic[];
}

/** Ports a VM keeps for itself: SSH, and the reverse proxy's on VMs that run one. */
const SSH_PORT = 22;
const PROXY_PORTS = [80, 443];

export function buildPlan(manifest: Manifest, options: PlanOptions): PlanResult {
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const parameters = planParameters(manifest, options, errors, warnings);
  const assignment = assignVms(manifest, options, errors);
  warnings.push(...assignment.warnings);
  if (errors.length) throw new PlanError(errors);

  const services = [...manifest.resources.values()].filter(runsAsService);
  if (services.length === 0) warnings.push({ resource: null, field: "resources", message: "the manifest runs no service (no project, container or Dockerfile build): its VM runs nothing of the app." });
  const names = uniqueSafeNames(services.map((s) => s.name), ["caddy", "aspire-dashboard"]);
  const vmByName = new Map(assignment.vms.map((v) => [v.name, v]));
  const sites = new Map<string, ServicePlacement>();
  for (const s of services) {
    const vm = vmByName.get(assignment.vmOf.get(s.name) ?? "");
    if (!vm) continue;
    sites.set(s.name, { vm: vm.name, name: names.get(s.name) ?? s.name, runAs: vm.runtime === "dotnet" && isProject(s) ? "native" : "container" });
  }
  const targetPorts = planTargetPorts(services, sites);

  // First pass: evaluate everything as if on one Docker network, recording who reaches what.
  const recorder = new RecordingPlacement(new PlanPlacement(options.stack, sites, targetPorts, new EndpointMap(), new EndpointSet()));
  evaluateServices(new Evaluator(manifest, recorder), services);
  const uses = recorder.uses.filter((u) => u.from !== u.target && sites.has(u.from) && sites.has(u.target));
  const outside = reachedFromOutside(uses, sites, services);
  const wide = publishedWide(uses, sites, services, recorder.uses.filter((u) => u.from === u.target));
  // The first VM runs the dashboard; any VM with an external http(s) endpoint runs the proxy.
  const proxyVms = new Set(services.filter((s) => Object.values(s.bindings).some((b) => b.external && isHttp(b.scheme))).map((s) => sites.get(s.name)?.vm));
  if (options.dashboard) proxyVms.add(assignment.vms[0].name);
  const hostPorts = planHostPorts(services, sites, targetPorts, outside, assignment.vms, proxyVms);
  const nativeWide = nativeReachedWide(uses, sites, services, outside);

  // Second pass: the real addresses.
  const placement = new PlanPlacement(options.stack, sites, targetPorts, hostPorts, outside);
  const finalEvaluator = new Evaluator(manifest, placement);
  const evaluated = evaluateServices(finalEvaluator, services);
  warnAboutContainerFiles(manifest, warnings);
  const known = new Map(parameters.filter((p) => !isStoredOnVm(p) && p.value !== undefined).map((p) => [p.name, p.value as string]));

  const dashboardVm = options.dashboard ? assignment.vms[0].name : undefined;
  const projectSites = services.filter(isProject).map((s) => sites.get(s.name) as ServicePlacement);
  if (dashboardVm) parameters.push(dashboardTokenParameter);
  // Two parameters whose secrets would share a store entry or a variable would read each other's value.
  const collisions = secretNameCollisions(parameters.filter(isStoredOnVm).map((p) => p.name));
  if (collisions.length)
    throw new PlanError(collisions.map(([first, second, what]) => ({ resource: second, field: null, message: `parameters ${first} and ${second} would share the ${what}, so one would read the other's value: rename one of them in the AppHost.` })));

  // Files on the deployer: the builds' inputs and bind mounts, inside the app's source root only.
  const root = sourceRoot(manifest.dir, options.sourceRoot);
  const sourceErrors: Diagnostic[] = [];
  const vms: VmPlan[] = assignment.vms.map((vm) => {
    const mine = services.filter((s) => sites.get(s.name)?.vm === vm.name);
    const servicePlans = mine.map((s) => {
      const site = sites.get(s.name) as ServicePlacement;
      const e = evaluated.get(s.name) as { env: Record<string, Value>; args: Value[] };
      const otel = dashboardVm && isProject(s) ? otelEnv(s.name, site, dashboardVm, options.stack) : {};
      let env = Object.fromEntries(Object.entries({ ...e.env, ...otel }).map(([k, v]) => [k, fillKnownParameters(v, known)]));
      if (site.runAs === "native") {
        const ports = listenPorts(s, (b) => targetPorts.get(s.name, b.name) ?? defaultTargetPort(s, b), (b) => nativeWide.has(s.name, b.name));
        env = withListenUrls(s.name, env, ports, warnings);
      }
      const deps = [...new Set(uses.filter((u) => u.from === s.name && sites.get(u.target)?.vm === vm.name).map((u) => (sites.get(u.target) as ServicePlacement).name))];
      const image = imageSource(s, site, options, finalEvaluator, known, warnings);
      if (image.kind !== "pull") sourceErrors.push(...buildInputProblems(root, manifest.dir, s));
      const bindMounts = (s.kind === "container.v0" || s.kind === "container.v1" ? s.bindMounts : []).map((b, i) => ({
        sourcePath: b.sourcePath,
        target: b.target,
        readOnly: b.readOnly,
        source: bindMountSource(root, b.source, b.sourcePath, s.name, `bindMounts.${i}.source`, sourceErrors, warnings),
      }));
      const planned: ServicePlan = { ...servicePlan(s, site, image, env, e.args.map((a) => fillKnownParameters(a, known)), deps, targetPorts, hostPorts, outside, wide), bindMounts };
      const behindProxy = Object.values(s.bindings).some((b) => b.external && isHttp(b.scheme));
      return { ...planned, env: withImageSettings({ resource: s.name, image: image.kind === "pull" ? image.image : undefined, args: planned.args, env: planned.env, behindProxy }, warnings) };
    });
    if (vm.name === dashboardVm) servicePlans.push(dashboardService(otlpReachedFromOutside(vm.name, projectSites)));
    const peers = new Set(uses.filter((u) => sites.get(u.from)?.vm === vm.name).map((u) => (sites.get(u.target) as ServicePlacement).vm));
    if (dashboardVm && mine.some(isProject)) peers.add(dashboardVm);
    peers.delete(vm.name);
    return vmPlan(vm, servicePlans, mine, sites, targetPorts, options, parameters, [...peers].sort());
  });

  const unitProblems = vms.flatMap((vm) => vm.services.flatMap(nativeTextProblems));
  if (unitProblems.length || sourceErrors.length) throw new PlanError([...sourceErrors, ...unitProblems]);
  return { plan: { cloud: options.cloud, stack: options.stack, manifestFile: manifest.file, vms, parameters, dashboard: options.dashboard ?? false, domain: options.domain }, warnings };
}

function evaluateServices(evaluator: Evaluator, services: readonly ComputeResource[]) {
  const out = new Map<string, { env: Record<string, Value>; args: Value[] }>();
  for (const s of services) {
    // fromEntries, not assignment: an env name `__proto__` stays a name.
    const env = Object.fromEntries(Object.entries(s.env).map(([k, v]) => [k, evaluator.evaluate(s.name, v, { resource: s.name, field: `env.${k}` })]));
    const args = s.args.map((a, i) => evaluator.evaluate(s.name, a, { resource: s.name, field: `args.${i}` }));
    out.set(s.name, { env, args });
  }
  return out;
}

/** Native processes share the VM's network, so two projects cannot both listen on 8080: the
 *  second gets 8081, and so on. A project's http and https endpoints share one port. */
function planTargetPorts(services: readonly ComputeResource[], sites: ReadonlyMap<string, ServicePlacement>): EndpointMap<number> {
  const out = new EndpointMap<number>();
  const usedByVm = new Map<string, Set<number>>();
  for (const s of services) {
    const site = sites.get(s.name);
    if (site?.runAs !== "native") continue;
    const used = usedByVm.get(site.vm) ?? new Set([SSH_PORT, ...PROXY_PORTS]);
    usedByVm.set(site.vm, used);
    const chosen = new Map<number, number>();
    for (const b of Object.values(s.bindings)) {
      const wanted = defaultTargetPort(s, b);
      let port = chosen.get(wanted);
      if (port === undefined) {
        port = wanted;
        while (used.has(port)) port++;
        used.add(port);
        chosen.set(wanted, port);
      }
      out.set(s.name, b.name, port);
    }
  }
  return out;
}

/** Endpoints with a client outside their own Docker network: another VM, a native process on the
 *  same VM (for containers), or the internet (external tcp/udp). */
function reachedFromOutside(uses: readonly EndpointUse[], sites: ReadonlyMap<string, ServicePlacement>, services: readonly ComputeResource[]): EndpointSet {
  const out = new EndpointSet();
  for (const u of uses) {
    const from = sites.get(u.from) as ServicePlacement;
    const to = sites.get(u.target) as ServicePlacement;
    if (from.vm !== to.vm || (to.runAs === "container" && from.runAs === "native")) out.add(u.target, u.binding);
  }
  for (const s of services) for (const b of Object.values(s.bindings)) if (b.external && !isHttp(b.scheme) && sites.has(s.name)) out.add(s.name, b.name);
  return out;
}

/** Endpoints whose host port must listen on every interface: reached from another VM, from the
 *  internet, or advertised by the service itself (Kafka's listeners name the VM's address). The
 *  others that need a host port serve only native processes on the same VM: loopback is enough. */
function publishedWide(uses: readonly EndpointUse[], sites: ReadonlyMap<string, ServicePlacement>, services: readonly ComputeResource[], selfUses: readonly EndpointUse[]): EndpointSet {
  const out = new EndpointSet();
  for (const u of selfUses) out.add(u.target, u.binding);
  for (const u of uses) if (sites.get(u.from)?.vm !== sites.get(u.target)?.vm) out.add(u.target, u.binding);
  for (const s of services) for (const b of Object.values(s.bindings)) if (b.external && !isHttp(b.scheme)) out.add(s.name, b.name);
  return out;
}

/** Endpoints of native processes that a client reaches from outside the VM's loopback: another VM,
 *  a container on the same VM (through host.docker.internal), or the proxy (external http). The
 *  others serve only native processes of the same VM. See kestrel.ts. */
function nativeReachedWide(uses: readonly EndpointUse[], sites: ReadonlyMap<string, ServicePlacement>, services: readonly ComputeResource[], outside: ReadonlyEndpointSet): EndpointSet {
  const out = new EndpointSet();
  for (const [service, binding] of outside) if (sites.get(service)?.runAs === "native") out.add(service, binding);
  for (const u of uses) if (sites.get(u.target)?.runAs === "native" && sites.get(u.from)?.runAs === "container") out.add(u.target, u.binding);
  for (const s of services) if (sites.get(s.name)?.runAs === "native") for (const b of Object.values(s.bindings)) if (b.external && isHttp(b.scheme)) out.add(s.name, b.name);
  return out;
}

/** Published host ports, distinct per VM: three Redis containers on 6379 get 6379, 6380, 6381. */
function planHostPorts(
  services: readonly ComputeResource[],
  sites: ReadonlyMap<string, ServicePlacement>,
  targetPorts: ReadonlyEndpointMap<number>,
  outside: ReadonlyEndpointSet,
  vms: readonly AssignedVm[],
  proxyVms: ReadonlySet<string | undefined>,
): EndpointMap<number> {
  const out = new EndpointMap<number>();
  // A port is taken per protocol: tcp 3478 and udp 3478 (STUN/TURN) are two different ports.
  const used = new Map(vms.map((v) => [v.name, new Set([SSH_PORT, ...(proxyVms.has(v.name) ? PROXY_PORTS : [])].map((p) => `tcp/${p}`))]));
  for (const [service, , port] of targetPorts.entries()) used.get(sites.get(service)?.vm ?? "")?.add(`tcp/${port}`);
  for (const s of services) {
    const site = sites.get(s.name);
    if (!site || site.runAs !== "container") continue;
    const taken = used.get(site.vm) as Set<string>;
    for (const b of Object.values(s.bindings)) {
      if (!outside.has(s.name, b.name)) continue;
      let port = b.port ?? defaultTargetPort(s, b);
      while (taken.has(`${b.protocol}/${port}`)) port++;
      taken.add(`${b.protocol}/${port}`);
      out.set(s.name, b.name, port);
    }
  }
  return out;
}

function isHttp(scheme: string): boolean {
  return scheme === "http" || scheme === "https";
}

function imageSource(s: ComputeResource, site: ServicePlacement, options: PlanOptions, evaluator: Evaluator, known: ReadonlyMap<string, string>, warnings: Diagnostic[]): ImageSource {
  const override = own(options.images, s.name);
  if (override) return { kind: "pull", image: override };
  if (isProject(s)) return { kind: "project", projectPath: s.projectPath, repository: site.name };
  const build = buildOf(s);
  if (!build) return { kind: "pull", image: (s as { image: string }).image };
  const value = (text: string, field: string) => fillKnownParameters(evaluator.evaluate(s.name, text, { resource: s.name, field }), known);
  const args = Object.fromEntries(
    Object.entries(build.args).map(([k, v]) => {
      const evaluated = v === null ? null : value(v, `build.args.${k}`);
      if (evaluated?.secret) warnings.push({ resource: s.name, field: `build.args.${k}`, message: "a secret in a build arg stays in the image history: pass it as a build secret (WithBuildSecret) instead." });
      return [k, evaluated];
    }),
  );
  const secrets = Object.fromEntries(
    Object.entries(build.secrets).map(([id, sec]) => [id, sec.type === "env" ? { type: "env" as const, value: value(sec.value ?? "", `build.secrets.${id}.value`) } : { type: "file" as const, sourcePath: sec.sourcePath ?? "" }]),
  );
  return { kind: "dockerfile", build, repository: site.name, args, secrets };
}

function servicePlan(
  s: ComputeResource,
  site: ServicePlacement,
  image: ImageSource,
  env: Record<string, Value>,
  args: Value[],
  dependsOn: string[],
  targetPorts: ReadonlyEndpointMap<number>,
  hostPorts: ReadonlyEndpointMap<number>,
  outside: ReadonlyEndpointSet,
  wide: ReadonlyEndpointSet,
): Omit<ServicePlan, "bindMounts"> {
  const ports: PortPlan[] = Object.values(s.bindings).map((b) => {
    const hostPort = site.runAs === "native" ? undefined : hostPorts.get(s.name, b.name);
    const exposure = b.external && !isHttp(b.scheme) ? "public" : !outside.has(s.name, b.name) ? "none" : wide.has(s.name, b.name) ? "private" : "local";
    return { binding: b.name, protocol: b.protocol, targetPort: targetPorts.get(s.name, b.name) ?? defaultTargetPort(s, b), hostPort, exposure };
  });
  const container = s.kind === "container.v0" || s.kind === "container.v1" ? s : undefined;
  return {
    resource: s.name,
    name: site.name,
    kind: s.kind,
    runAs: site.runAs,
    image,
    // The assembly is named after the project file (MSBuild's default AssemblyName).
    assembly: isProject(s) ? path.basename(s.path.replace(/\\/g, "/")).replace(/\.[^.]+$/, "") : undefined,
    entrypoint: container?.entrypoint,
    args,
    env,
    ports,
    volumes: container?.volumes ?? [],
    dependsOn,
  };
}

function vmPlan(
  vm: AssignedVm,
  services: ServicePlan[],
  resources: readonly ComputeResource[],
  sites: ReadonlyMap<string, ServicePlacement>,
  targetPorts: ReadonlyEndpointMap<number>,
  options: PlanOptions,
  parameters: readonly ParameterPlan[],
  peers: readonly string[],
): VmPlan {
  // External http/https endpoints go through the proxy, one site per service.
  const webServices = resources.filter((r) => Object.values(r.bindings).some((b) => b.external && isHttp(b.scheme)));
  const publicEndpoints: PublicEndpoint[] = [];
  webServices.forEach((r, i) => {
    const site = sites.get(r.name) as ServicePlacement;
    const hostName = options.domain ? (webServices.length === 1 ? options.domain : `${site.name}.${options.domain}`) : undefined;
    for (const b of Object.values(r.bindings).filter((x) => x.external && isHttp(x.scheme))) {
      const port = targetPorts.get(r.name, b.name) ?? defaultTargetPort(r, b);
      const upstream = site.runAs === "native" ? `${HOST_GATEWAY}:${port}` : `${site.name}:${port}`;
      const publicPort = options.domain ? (b.scheme === "https" ? 443 : 80) : i === 0 ? 80 : 8000 + i;
      // Without a domain, http and https share one plain-HTTP site: list it once.
      if (publicEndpoints.some((e) => e.service === site.name && e.port === publicPort)) continue;
      publicEndpoints.push({ service: site.name, binding: b.name, scheme: options.domain ? b.scheme : "http", transport: b.transport, port: publicPort, hostName, upstream });
    }
  });
  if (services.some((s) => s.name === DASHBOARD_NAME)) {
    const hostName = options.domain ? `dashboard.${options.domain}` : undefined;
    publicEndpoints.push({ service: DASHBOARD_NAME, binding: "http", scheme: options.domain ? "https" : "http", transport: "http", port: options.domain ? 443 : DASHBOARD_UI_PORT, hostName, upstream: `${DASHBOARD_NAME}:${DASHBOARD_UI_PORT}` });
  }
  for (const s of services)
    for (const p of s.ports) if (p.exposure === "public" && p.hostPort !== undefined) publicEndpoints.push({ service: s.name, binding: p.binding, scheme: p.protocol, transport: p.protocol, port: p.hostPort });

  const privatePorts = services.flatMap((s) =>
    s.ports.filter((p) => p.exposure === "private").map((p) => ({ port: s.runAs === "native" ? p.targetPort : (p.hostPort as number), protocol: p.protocol, service: s.name })),
  );
  const stored = new Set(parameters.filter(isStoredOnVm).map((p) => p.name));
  const secrets = new Set<string>();
  for (const s of services)
    for (const v of [...Object.values(s.env), ...s.args]) for (const part of v.parts) if (typeof part !== "string" && part.kind === "parameter" && stored.has(part.parameter)) secrets.add(part.parameter);

  const namedVolumes = [...new Set(services.flatMap((s) => s.volumes.filter((v) => v.name).map((v) => v.name as string)))];
  return {
    name: vm.name,
    instanceType: vm.instanceType,
    diskSizeGb: vm.diskSizeGb,
    runtime: vm.runtime,
    os: vm.os,
    services,
    publicEndpoints,
    privatePorts,
    namedVolumes,
    dataDiskGb: namedVolumes.length ? (options.dataDiskSizeGb ?? DEFAULT_DATA_DISK_SIZE_GB) : 0,
    secrets: [...secrets].sort(),
    peers,
    proxy: publicEndpoints.some((e) => e.upstream !== undefined),
  };
}

/** `containerFiles` copies files out of one image into another at build time (a build-only
 *  frontend into a project's wwwroot). aspire-arm builds each image on its own, so say so. */
function warnAboutContainerFiles(manifest: Manifest, warnings: Diagnostic[]): void {
  for (const r of manifest.resources.values())
    if (isCompute(r))
      for (const source of Object.keys(r.containerFiles))
        warnings.push({ resource: r.name, field: `containerFiles.${source}`, message: `files from ${source}'s image are not copied into ${r.name}'s image: build them into ${r.name} yourself (for example a multi-stage Dockerfile), or set aspire:images.${r.name} to an image that has them.` });
}

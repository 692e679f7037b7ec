// The planner: from a validated manifest and the user's options to the deployment plan, what runs
// where, on which ports, with which configuration. Pure: no cloud.
//
// As azd's infraGenerator (pkg/apphost/generate.go) compiles one manifest, one Planner holds the
// state that every step reads. Its constructor decides what runs where and on which ports:
//
//   placeServices                 each service's VM, its name there, container or native
//   planTargetPorts               the ports native processes listen on, distinct per VM
//   recordUses                    first pass: every expression evaluated as if on one Docker
//                                 network, recording which service reaches which endpoint
//   findReachedFromOutsideItsNetwork, findPublishedOnAllInterfaces, findVmsRunningProxy
//   planHostPorts                 the containers' published ports, distinct per VM
//   findNativeReachedBeyondLoopback
//   evaluateServices              second pass: every expression with the planned addresses
//
// and plan() writes each VM's plan (vmPlan) with its services' plans (servicePlan).
import * as path from "node:path";
import {
  Evaluator,
  buildOf,
  defaultTargetPort,
  isCompute,
  isProject,
  own,
  runsAsService,
  type Binding,
  type ComputeResource,
  type Diagnostic,
  type Manifest,
  type Value,
} from "../manifest";
import {
  PlanPlacement,
  RecordingPlacement,
  HOST_GATEWAY,
  type EndpointUse,
  type ServicePlacement,
} from "./addressing";
import {
  EndpointMap,
  EndpointSet,
  type ReadonlyEndpointMap,
  type ReadonlyEndpointSet,
} from "./endpoints";
import { PlanError } from "./errors";
import type {
  DeploymentPlan,
  HealthCheckPlan,
  ImageSource,
  ParameterPlan,
  PortPlan,
  PublicEndpoint,
  ServicePlan,
  VmPlan,
} from "./model";
import { uniqueSafeNames } from "./names";
import { nativeTextProblems } from "./native-text";
import { secretNameCollisions } from "./secret-names";
import { bindMountSource, buildInputProblems, sourceRoot, type SourceRoot } from "./sources";
import { DEFAULT_DATA_DISK_SIZE_GB, type PlanOptions } from "./options";
import { fillKnownParameters, isStoredOnVm, planParameters } from "./parameters";
import { withImageSettings } from "./image-settings";
import { assignVms, type AssignedVm } from "./vm-assignment";
import { listenPorts, withListenUrls } from "./kestrel";
import {
  DASHBOARD_NAME,
  dashboardEndpoint,
  dashboardService,
  dashboardTokenParameter,
  otelEnv,
  otlpReachedFromOutside,
} from "./dashboard";

export interface PlanResult {
  readonly plan: DeploymentPlan;
  readonly warnings: readonly Diagnostic[];
}

/** Ports a VM keeps for itself: SSH, and the reverse proxy's on VMs that run one. */
const SSH_PORT = 22;
const PROXY_PORTS = [80, 443];

export function buildPlan(manifest: Manifest, options: PlanOptions): PlanResult {
  return new Planner(manifest, options).plan();
}

/** A service's env and args, evaluated. */
interface EvaluatedService {
  readonly env: Record<string, Value>;
  readonly args: Value[];
}

/** One plan of one manifest with one set of options: make a new planner for another. */
class Planner {
  private readonly errors: Diagnostic[] = [];
  private readonly warnings: Diagnostic[] = [];
  /** The manifest's parameters, and the dashboard's login token when it runs. */
  private readonly parameters: ParameterPlan[];
  private readonly vms: readonly AssignedVm[];
  /** The resources that run (projects, containers, Dockerfile builds), in manifest order. */
  private readonly services: readonly ComputeResource[];
  /** The VM that runs the dashboard (the first), when asked for. */
  private readonly dashboardVm: string | undefined;
  /** Where each service runs, by resource name. */
  private readonly placements: ReadonlyMap<string, ServicePlacement>;
  /** The ports of native processes, chosen by the plan (the others listen on the manifest's). */
  private readonly targetPorts: ReadonlyEndpointMap<number>;
  /** Which service reaches which endpoint of another, both placed. */
  private readonly uses: readonly EndpointUse[];
  /** Endpoints with a client outside their own Docker network: a container's gets a host port. */
  private readonly reachedFromOutsideItsNetwork: ReadonlyEndpointSet;
  /** Endpoints whose host port listens on every interface, not on loopback only. */
  private readonly publishedOnAllInterfaces: ReadonlyEndpointSet;
  /** The VMs that run the reverse proxy, which keeps its ports. */
  private readonly vmsRunningProxy: ReadonlySet<string>;
  /** The containers' published host ports. */
  private readonly hostPorts: ReadonlyEndpointMap<number>;
  /** Endpoints of native processes that listen on every interface, not on loopback only. */
  private readonly nativeReachedBeyondLoopback: ReadonlyEndpointSet;
  /** The evaluator with the planned addresses (the second pass), and its reading of each service. */
  private readonly evaluator: Evaluator;
  private readonly evaluated: ReadonlyMap<string, EvaluatedService>;
  /** Values of the parameters known now, written into env, args and build settings. */
  private readonly knownValues: ReadonlyMap<string, string>;
  /** The folder that every file the deployer reads (build inputs, bind mounts) must be inside. */
  private readonly sourceRoot: SourceRoot;

  constructor(
    private readonly manifest: Manifest,
    private readonly options: PlanOptions,
  ) {
    this.parameters = planParameters(manifest, options, this.errors, this.warnings);
    const assignment = assignVms(manifest, options, this.errors);
    this.warnings.push(...assignment.warnings);
    this.throwIfErrors();
    this.vms = assignment.vms;
    this.services = [...manifest.resources.values()].filter(runsAsService);
    if (this.services.length === 0)
      this.warnings.push({
        resource: null,
        field: "resources",
        message:
          "the manifest runs no service (no project, container or Dockerfile build): its VM runs nothing of the app.",
      });
    this.dashboardVm = options.dashboard ? this.vms[0].name : undefined;

    this.placements = this.placeServices(assignment.vmOf);
    this.targetPorts = this.planTargetPorts();
    // First pass: who reaches which endpoint.
    const recorded = this.recordUses();
    this.uses = recorded.filter(
      (u) => u.from !== u.target && this.placements.has(u.from) && this.placements.has(u.target),
    );
    this.reachedFromOutsideItsNetwork = this.findReachedFromOutsideItsNetwork();
    this.publishedOnAllInterfaces = this.findPublishedOnAllInterfaces(
      recorded.filter((u) => u.from === u.target),
    );
    this.vmsRunningProxy = this.findVmsRunningProxy();
    this.hostPorts = this.planHostPorts();
    this.nativeReachedBeyondLoopback = this.findNativeReachedBeyondLoopback();

    // Second pass: the real addresses.
    this.evaluator = new Evaluator(
      manifest,
      new PlanPlacement({
        stack: options.stack,
        placements: this.placements,
        targetPorts: this.targetPorts,
        hostPorts: this.hostPorts,
        reachedFromOutsideItsNetwork: this.reachedFromOutsideItsNetwork,
      }),
    );
    this.evaluated = this.evaluateServices(this.evaluator);
    this.warnAboutContainerFiles();
    this.knownValues = new Map(
      this.parameters
        .filter((p) => !isStoredOnVm(p) && p.value !== undefined)
        .map((p) => [p.name, p.value as string]),
    );
    if (this.dashboardVm) this.parameters.push(dashboardTokenParameter);
    this.checkSecretNames();
    this.sourceRoot = sourceRoot(manifest.dir, options.sourceRoot);
  }

  /** The plan: each VM's, with its services'. Then the checks that need every service planned. */
  plan(): PlanResult {
    const vms = this.vms.map((vm) => this.vmPlan(vm));
    this.errors.push(...vms.flatMap((vm) => vm.services.flatMap(nativeTextProblems)));
    const planned = new Set(vms.flatMap((vm) => vm.services.map((s) => s.resource)));
    for (const resource of Object.keys(this.options.healthChecks ?? {}))
      if (!planned.has(resource))
        this.errors.push({
          resource,
          field: `aspire:healthChecks.${resource}`,
          message: `names no service of the app (a container, project or executable deployed on a VM): ${[...planned].sort().join(", ") || "none"}.`,
        });
    this.throwIfErrors();
    const { cloud, stack, dashboard, domain } = this.options;
    return {
      plan: {
        cloud,
        stack,
        manifestFile: this.manifest.file,
        vms,
        parameters: this.parameters,
        dashboard: dashboard ?? false,
        domain,
      },
      warnings: this.warnings,
    };
  }

  private throwIfErrors(): void {
    if (this.errors.length) throw new PlanError([...this.errors]);
  }

  // --- what runs where, on which ports ---------------------------------------------------------

  /** Each service's VM, its name there (container, unit), and how it runs: a project natively on
   *  a VM of the dotnet runtime, anything else in a container. */
  private placeServices(vmOf: ReadonlyMap<string, string>): Map<string, ServicePlacement> {
    const names = uniqueSafeNames(
      this.services.map((s) => s.name),
      ["caddy", "aspire-dashboard"],
    );
    const vmByName = new Map(this.vms.map((v) => [v.name, v]));
    const placements = new Map<string, ServicePlacement>();
    for (const s of this.services) {
      const vm = vmByName.get(vmOf.get(s.name) ?? "");
      if (!vm) continue;
      placements.set(s.name, {
        vm: vm.name,
        name: names.get(s.name) ?? s.name,
        runAs: vm.runtime === "dotnet" && isProject(s) ? "native" : "container",
      });
    }
    return placements;
  }

  /** Native processes share the VM's network, so two projects cannot both listen on 8080: the
   *  second gets 8081, and so on. A project's http and https endpoints share one port. */
  private planTargetPorts(): EndpointMap<number> {
    const targetPorts = new EndpointMap<number>();
    const takenByVm = new Map<string, Set<number>>();
    for (const s of this.services) {
      const placement = this.placements.get(s.name);
      if (placement?.runAs !== "native") continue;
      const taken = takenByVm.get(placement.vm) ?? new Set([SSH_PORT, ...PROXY_PORTS]);
      takenByVm.set(placement.vm, taken);
      const chosen = new Map<number, number>();
      for (const b of Object.values(s.bindings)) {
        const wanted = defaultTargetPort(s, b);
        let port = chosen.get(wanted);
        if (port === undefined) {
          port = wanted;
          while (taken.has(port)) port++;
          taken.add(port);
          chosen.set(wanted, port);
        }
        targetPorts.set(s.name, b.name, port);
      }
    }
    return targetPorts;
  }

  /** The first pass: every service's env and args evaluated as if the app ran on one Docker
   *  network, recording which endpoints each service reaches (itself included). */
  private recordUses(): readonly EndpointUse[] {
    const recorder = new RecordingPlacement(
      new PlanPlacement({
        stack: this.options.stack,
        placements: this.placements,
        targetPorts: this.targetPorts,
        hostPorts: new EndpointMap(),
        reachedFromOutsideItsNetwork: new EndpointSet(),
      }),
    );
    this.evaluateServices(new Evaluator(this.manifest, recorder));
    return recorder.uses;
  }

  /** Endpoints with a client outside their own Docker network: another VM, a native process on the
   *  same VM (for containers), or the internet (external tcp/udp). */
  private findReachedFromOutsideItsNetwork(): EndpointSet {
    const reached = new EndpointSet();
    for (const u of this.uses) {
      const client = this.placementOf(u.from);
      const target = this.placementOf(u.target);
      if (client.vm !== target.vm || (target.runAs === "container" && client.runAs === "native"))
        reached.add(u.target, u.binding);
    }
    for (const s of this.services)
      for (const b of Object.values(s.bindings))
        if (publicDirectly(b) && this.placements.has(s.name)) reached.add(s.name, b.name);
    return reached;
  }

  /** Endpoints whose host port must listen on every interface: reached from another VM, from the
   *  internet, or advertised by the service itself (Kafka's listeners name the VM's address). The
   *  others that need a host port serve only native processes on the same VM: loopback is enough. */
  private findPublishedOnAllInterfaces(selfUses: readonly EndpointUse[]): EndpointSet {
    const published = new EndpointSet();
    for (const u of selfUses) published.add(u.target, u.binding);
    for (const u of this.uses)
      if (this.placements.get(u.from)?.vm !== this.placements.get(u.target)?.vm)
        published.add(u.target, u.binding);
    for (const s of this.services)
      for (const b of Object.values(s.bindings))
        if (publicDirectly(b)) published.add(s.name, b.name);
    return published;
  }

  /** The VMs that run the reverse proxy: those with an external http(s) endpoint, and the
   *  dashboard's (the first VM). */
  private findVmsRunningProxy(): Set<string> {
    const vms = new Set<string>();
    for (const s of this.services) {
      const vm = this.placements.get(s.name)?.vm;
      if (vm !== undefined && hasPublicThroughProxy(s)) vms.add(vm);
    }
    if (this.dashboardVm) vms.add(this.dashboardVm);
    return vms;
  }

  /** Published host ports, distinct per VM: three Redis containers on 6379 get 6379, 6380, 6381. */
  private planHostPorts(): EndpointMap<number> {
    const hostPorts = new EndpointMap<number>();
    // A port is taken per protocol: tcp 3478 and udp 3478 (STUN/TURN) are two different ports.
    const takenByVm = new Map(
      this.vms.map((v) => [
        v.name,
        new Set(
          [SSH_PORT, ...(this.vmsRunningProxy.has(v.name) ? PROXY_PORTS : [])].map(
            (p) => `tcp/${p}`,
          ),
        ),
      ]),
    );
    for (const [service, , port] of this.targetPorts.entries())
      takenByVm.get(this.placements.get(service)?.vm ?? "")?.add(`tcp/${port}`);
    for (const s of this.services) {
      const placement = this.placements.get(s.name);
      if (placement?.runAs !== "container") continue;
      const taken = takenByVm.get(placement.vm) as Set<string>;
      for (const b of Object.values(s.bindings)) {
        if (!this.reachedFromOutsideItsNetwork.has(s.name, b.name)) continue;
        let port = b.port ?? defaultTargetPort(s, b);
        while (taken.has(`${b.protocol}/${port}`)) port++;
        taken.add(`${b.protocol}/${port}`);
        hostPorts.set(s.name, b.name, port);
      }
    }
    return hostPorts;
  }

  /** Endpoints of native processes that a client reaches from outside the VM's loopback: another VM,
   *  a container on the same VM (through host.docker.internal), or the proxy (external http). The
   *  others serve only native processes of the same VM. See kestrel.ts. */
  private findNativeReachedBeyondLoopback(): EndpointSet {
    const reached = new EndpointSet();
    const isNative = (service: string) => this.placements.get(service)?.runAs === "native";
    for (const [service, binding] of this.reachedFromOutsideItsNetwork)
      if (isNative(service)) reached.add(service, binding);
    for (const u of this.uses)
      if (isNative(u.target) && this.placements.get(u.from)?.runAs === "container")
        reached.add(u.target, u.binding);
    for (const s of this.services)
      if (isNative(s.name))
        for (const b of Object.values(s.bindings))
          if (publicThroughProxy(b)) reached.add(s.name, b.name);
    return reached;
  }

  private evaluateServices(evaluator: Evaluator): Map<string, EvaluatedService> {
    const evaluated = new Map<string, EvaluatedService>();
    for (const s of this.services) {
      // fromEntries, not assignment: an env name `__proto__` stays a name.
      const env = Object.fromEntries(
        Object.entries(s.env).map(([k, v]) => [
          k,
          evaluator.evaluate(s.name, v, { resource: s.name, field: `env.${k}` }),
        ]),
      );
      const args = s.args.map((a, i) =>
        evaluator.evaluate(s.name, a, { resource: s.name, field: `args.${i}` }),
      );
      evaluated.set(s.name, { env, args });
    }
    return evaluated;
  }

  /** `containerFiles` copies files out of one image into another at build time (a build-only
   *  frontend into a project's wwwroot). aspire-arm builds each image on its own, so say so. */
  private warnAboutContainerFiles(): void {
    for (const r of this.manifest.resources.values())
      if (isCompute(r))
        for (const source of Object.keys(r.containerFiles))
          this.warnings.push({
            resource: r.name,
            field: `containerFiles.${source}`,
            message: `files from ${source}'s image are not copied into ${r.name}'s image: build them into ${r.name} yourself (for example a multi-stage Dockerfile), or set aspire:images.${r.name} to an image that has them.`,
          });
  }

  /** Two parameters whose secrets would share a store entry or a variable would read each other's value. */
  private checkSecretNames(): void {
    for (const [first, second, what] of secretNameCollisions(
      this.parameters.filter(isStoredOnVm).map((p) => p.name),
    ))
      this.errors.push({
        resource: second,
        field: null,
        message: `parameters ${first} and ${second} would share the ${what}, so one would read the other's value: rename one of them in the AppHost.`,
      });
    this.throwIfErrors();
  }

  // --- the plan of a VM -----------------------------------------------------------------------

  private vmPlan(vm: AssignedVm): VmPlan {
    const servicesOnVm = this.services.filter((s) => this.placements.get(s.name)?.vm === vm.name);
    const services = servicesOnVm.map((s) => this.servicePlan(s));
    if (vm.name === this.dashboardVm) {
      const projects = this.services.filter(isProject).map((s) => this.placementOf(s.name));
      services.push(dashboardService(otlpReachedFromOutside(vm.name, projects)));
    }
    const publicEndpoints = this.publicEndpoints(servicesOnVm, services);
    const namedVolumes = [
      ...new Set(
        services.flatMap((s) => s.volumes.filter((v) => v.name).map((v) => v.name as string)),
      ),
    ];
    return {
      name: vm.name,
      instanceType: vm.instanceType,
      diskSizeGb: vm.diskSizeGb,
      runtime: vm.runtime,
      os: vm.os,
      services,
      publicEndpoints,
      privatePorts: privatePorts(services),
      namedVolumes,
      dataDiskGb: namedVolumes.length
        ? (this.options.dataDiskSizeGb ?? DEFAULT_DATA_DISK_SIZE_GB)
        : 0,
      secrets: this.storedSecretsRead(services),
      peers: this.peersOf(vm.name, servicesOnVm),
      proxy: publicEndpoints.some((e) => e.upstream !== undefined),
    };
  }

  /** What the VM opens to the internet: its external http(s) endpoints through the proxy, the
   *  dashboard's UI, and its external tcp/udp endpoints: a container's on its host port, a native
   *  process's on its own port (it listens on the VM, as privatePorts says). */
  private publicEndpoints(
    servicesOnVm: readonly ComputeResource[],
    services: readonly ServicePlan[],
  ): PublicEndpoint[] {
    const endpoints = this.proxiedEndpoints(servicesOnVm);
    if (services.some((s) => s.name === DASHBOARD_NAME))
      endpoints.push(dashboardEndpoint(this.options.domain));
    for (const s of services)
      for (const p of s.ports)
        if (p.exposure === "public")
          endpoints.push({
            service: s.name,
            binding: p.binding,
            scheme: p.protocol,
            transport: p.protocol,
            port: s.runAs === "native" ? p.targetPort : (p.hostPort as number),
          });
    return endpoints;
  }

  /** External http/https endpoints go through the proxy, one site per service: with a domain, on
   *  80 and 443 under the domain (or a name below it when the VM serves several); without, on
   *  plain HTTP, the first service on port 80 and the next on 8001, 8002... */
  private proxiedEndpoints(servicesOnVm: readonly ComputeResource[]): PublicEndpoint[] {
    const { domain } = this.options;
    const webServices = servicesOnVm.filter(hasPublicThroughProxy);
    const endpoints: PublicEndpoint[] = [];
    webServices.forEach((s, i) => {
      const placement = this.placementOf(s.name);
      const hostName = domain
        ? webServices.length === 1
          ? domain
          : `${placement.name}.${domain}`
        : undefined;
      for (const b of Object.values(s.bindings).filter(publicThroughProxy)) {
        const port = this.targetPort(s, b);
        const upstream =
          placement.runAs === "native" ? `${HOST_GATEWAY}:${port}` : `${placement.name}:${port}`;
        const publicPort = domain ? (b.scheme === "https" ? 443 : 80) : i === 0 ? 80 : 8000 + i;
        // Without a domain, http and https share one plain-HTTP site: list it once.
        if (endpoints.some((e) => e.service === placement.name && e.port === publicPort)) continue;
        endpoints.push({
          service: placement.name,
          binding: b.name,
          scheme: domain ? b.scheme : "http",
          transport: b.transport,
          port: publicPort,
          hostName,
          upstream,
        });
      }
    });
    return endpoints;
  }

  /** The stored secrets that the VM's services read (names only), sorted. */
  private storedSecretsRead(services: readonly ServicePlan[]): string[] {
    const stored = new Set(this.parameters.filter(isStoredOnVm).map((p) => p.name));
    const secrets = new Set<string>();
    for (const s of services)
      for (const v of [...Object.values(s.env), ...s.args])
        for (const part of v.parts)
          if (typeof part !== "string" && part.kind === "parameter" && stored.has(part.parameter))
            secrets.add(part.parameter);
    return [...secrets].sort();
  }

  /** The other VMs that the VM's services reach (a project's telemetry reaches the dashboard's), sorted. */
  private peersOf(vm: string, servicesOnVm: readonly ComputeResource[]): string[] {
    const peers = new Set(
      this.uses
        .filter((u) => this.placements.get(u.from)?.vm === vm)
        .map((u) => this.placementOf(u.target).vm),
    );
    if (this.dashboardVm && servicesOnVm.some(isProject)) peers.add(this.dashboardVm);
    peers.delete(vm);
    return [...peers].sort();
  }

  // --- the plan of a service ------------------------------------------------------------------

  private servicePlan(s: ComputeResource): ServicePlan {
    const placement = this.placementOf(s.name);
    const evaluated = this.evaluated.get(s.name) as EvaluatedService;
    // In this order, as their warnings and errors are listed.
    const env = this.envOf(s, placement, evaluated.env);
    const image = this.imageSource(s, placement);
    if (image.kind !== "pull")
      this.errors.push(...buildInputProblems(this.sourceRoot, this.manifest.dir, s));
    const bindMounts = this.bindMounts(s);
    const args = evaluated.args.map((a) => fillKnownParameters(a, this.knownValues));
    const container = s.kind === "container.v0" || s.kind === "container.v1" ? s : undefined;
    return {
      resource: s.name,
      name: placement.name,
      kind: s.kind,
      runAs: placement.runAs,
      image,
      // The assembly is named after the project file (MSBuild's default AssemblyName).
      assembly: isProject(s)
        ? path.basename(s.path.replace(/\\/g, "/")).replace(/\.[^.]+$/, "")
        : undefined,
      entrypoint: container?.entrypoint,
      args,
      env: withImageSettings(
        {
          resource: s.name,
          image: image.kind === "pull" ? image.image : undefined,
          args,
          env,
          behindProxy: hasPublicThroughProxy(s),
        },
        this.warnings,
      ),
      ports: Object.values(s.bindings).map((b) => this.portPlan(s, placement, b)),
      volumes: container?.volumes ?? [],
      dependsOn: this.dependsOn(s, placement),
      bindMounts,
      ...this.healthCheck(s),
    };
  }

  /** The service's env with the known parameters' values, OTEL_* for a project when the dashboard
   *  runs, and for a native project the addresses it listens on (kestrel.ts). */
  private envOf(
    s: ComputeResource,
    placement: ServicePlacement,
    evaluatedEnv: Record<string, Value>,
  ): Record<string, Value> {
    const otel =
      this.dashboardVm && isProject(s)
        ? otelEnv(s.name, placement, this.dashboardVm, this.options.stack)
        : {};
    const env = Object.fromEntries(
      Object.entries({ ...evaluatedEnv, ...otel }).map(([k, v]) => [
        k,
        fillKnownParameters(v, this.knownValues),
      ]),
    );
    if (placement.runAs !== "native") return env;
    const ports = listenPorts(
      s,
      (b) => this.targetPort(s, b),
      (b) => this.nativeReachedBeyondLoopback.has(s.name, b.name),
    );
    return withListenUrls(s.name, env, ports, this.warnings);
  }

  /** Its aspire:healthChecks path and the target port of the binding it is probed on: the first
   *  http binding, else the first https one (probed in plain HTTP only if it serves that). */
  private healthCheck(s: ComputeResource): { healthCheck?: HealthCheckPlan } {
    const p = own(this.options.healthChecks, s.name);
    if (p === undefined) return {};
    const bindings = Object.values(s.bindings);
    const b =
      bindings.find((x) => x.scheme === "http") ?? bindings.find((x) => x.scheme === "https");
    if (!b) {
      this.errors.push({
        resource: s.name,
        field: `aspire:healthChecks.${s.name}`,
        message: `${s.name} has no http binding for its health check path ${p} to be probed on: remove aspire:healthChecks.${s.name} (its TCP ports are probed by connects).`,
      });
      return {};
    }
    return { healthCheck: { path: p, port: this.targetPort(s, b) } };
  }

  private imageSource(s: ComputeResource, placement: ServicePlacement): ImageSource {
    const override = own(this.options.images, s.name);
    if (override) return { kind: "pull", image: override };
    if (isProject(s))
      return { kind: "project", projectPath: s.projectPath, repository: placement.name };
    const build = buildOf(s);
    if (!build) return { kind: "pull", image: (s as { image: string }).image };
    const value = (text: string, field: string) =>
      fillKnownParameters(
        this.evaluator.evaluate(s.name, text, { resource: s.name, field }),
        this.knownValues,
      );
    const args = Object.fromEntries(
      Object.entries(build.args).map(([k, v]) => {
        const evaluated = v === null ? null : value(v, `build.args.${k}`);
        if (evaluated?.secret)
          this.warnings.push({
            resource: s.name,
            field: `build.args.${k}`,
            message:
              "a secret in a build arg stays in the image history: pass it as a build secret (WithBuildSecret) instead.",
          });
        return [k, evaluated];
      }),
    );
    const secrets = Object.fromEntries(
      Object.entries(build.secrets).map(([id, sec]) => [
        id,
        sec.type === "env"
          ? { type: "env" as const, value: value(sec.value ?? "", `build.secrets.${id}.value`) }
          : { type: "file" as const, sourcePath: sec.sourcePath ?? "" },
      ]),
    );
    return { kind: "dockerfile", build, repository: placement.name, args, secrets };
  }

  /** A container's bind mounts, their files read on the deployer, inside the app's source root only. */
  private bindMounts(s: ComputeResource): ServicePlan["bindMounts"] {
    const mounts = s.kind === "container.v0" || s.kind === "container.v1" ? s.bindMounts : [];
    return mounts.map((b, i) => ({
      sourcePath: b.sourcePath,
      target: b.target,
      readOnly: b.readOnly,
      source: bindMountSource(
        this.sourceRoot,
        b.source,
        b.sourcePath,
        s.name,
        `bindMounts.${i}.source`,
        this.errors,
        this.warnings,
      ),
    }));
  }

  private portPlan(s: ComputeResource, placement: ServicePlacement, b: Binding): PortPlan {
    const hostPort = placement.runAs === "native" ? undefined : this.hostPorts.get(s.name, b.name);
    return {
      binding: b.name,
      protocol: b.protocol,
      targetPort: this.targetPort(s, b),
      hostPort,
      exposure: this.exposure(s, b),
    };
  }

  /** Who may reach the endpoint: anyone (external tcp/udp), the app's other VMs, native processes
   *  of its own VM, or only its own Docker network. */
  private exposure(s: ComputeResource, b: Binding): PortPlan["exposure"] {
    if (publicDirectly(b)) return "public";
    if (!this.reachedFromOutsideItsNetwork.has(s.name, b.name)) return "none";
    return this.publishedOnAllInterfaces.has(s.name, b.name) ? "private" : "local";
  }

  /** The services on the same VM that this one reaches, by their names there: its start order. */
  private dependsOn(s: ComputeResource, placement: ServicePlacement): string[] {
    return [
      ...new Set(
        this.uses
          .filter((u) => u.from === s.name && this.placements.get(u.target)?.vm === placement.vm)
          .map((u) => this.placementOf(u.target).name),
      ),
    ];
  }

  // --- lookups --------------------------------------------------------------------------------

  private targetPort(s: ComputeResource, b: Binding): number {
    return this.targetPorts.get(s.name, b.name) ?? defaultTargetPort(s, b);
  }

  /** The placement of a service known to be placed. */
  private placementOf(service: string): ServicePlacement {
    const placement = this.placements.get(service);
    if (!placement) throw new Error(`aspire-arm: ${service} has no VM`);
    return placement;
  }
}

/** The ports that the app's other VMs reach on a VM: a container's host port, a native process's own. */
function privatePorts(services: readonly ServicePlan[]): VmPlan["privatePorts"] {
  return services.flatMap((s) =>
    s.ports
      .filter((p) => p.exposure === "private")
      .map((p) => ({
        port: s.runAs === "native" ? p.targetPort : (p.hostPort as number),
        protocol: p.protocol,
        service: s.name,
      })),
  );
}

function isHttp(scheme: string): boolean {
  return scheme === "http" || scheme === "https";
}

/** An external http(s) endpoint: served to the internet by the VM's reverse proxy. */
function publicThroughProxy(b: Binding): boolean {
  return b.external && isHttp(b.scheme);
}

/** An external endpoint of another protocol (tcp, udp): published to the internet as it is. */
function publicDirectly(b: Binding): boolean {
  return b.external && !isHttp(b.scheme);
}

function hasPublicThroughProxy(s: ComputeResource): boolean {
  return Object.values(s.bindings).some(publicThroughProxy);
}

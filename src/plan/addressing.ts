// How services find each other once placed on VMs: the evaluator's Placement for a plan.
//
//   same VM, container -> container : the container name on the VM's Docker network, target port
//   same VM, native    -> container : localhost, the container's published host port
//   same VM, container -> native    : host.docker.internal, the process's own port
//   other VM                         : the VM's name in the stack's private DNS zone, host port
//
// A service's reference to itself (Kafka's advertised listeners) must be the address its clients
// use: the VM alias when any client is outside its Docker network, the container name otherwise.
// https endpoints of .NET projects are plain HTTP inside the app: TLS ends at the VM's proxy.
import {
  defaultTargetPort,
  isProject,
  type Binding,
  type ComputeResource,
  type EndpointAddress,
  type Placement,
} from "../manifest";
import type { ReadonlyEndpointMap, ReadonlyEndpointSet } from "./endpoints";
import { stackSegment } from "./names";

export const HOST_GATEWAY = "host.docker.internal";

/** The private DNS zone of a stack (a Route 53 private hosted zone / Cloud DNS private zone):
 *  one per stack, so stacks sharing a network never clash. */
export function privateZone(stack: string): string {
  return `${stackSegment(stack)}.aspire.internal`;
}

/** The name under which the other VMs of the app reach VM `vm`: an A record of the stack's
 *  private zone, created with the VM. Names, unlike addresses, are known before the VMs exist,
 *  so no VM's configuration waits for another VM. */
export function vmAlias(vm: string, stack: string): string {
  return `${vm}.${privateZone(stack)}`;
}

/** Where a service runs: its VM, its name there, and whether in a container or as a native process. */
export interface ServicePlacement {
  readonly vm: string;
  /** Container name / unit name. */
  readonly name: string;
  readonly runAs: "container" | "native";
}

/** A (consumer, target endpoint) pair found while evaluating: decides which ports are published. */
export interface EndpointUse {
  readonly from: string;
  readonly target: string;
  readonly binding: string;
}

/** What PlanPlacement makes the addresses of: the stack (its private zone), where each service
 *  runs, its ports, and which endpoints are reached from outside their Docker network. */
export interface PlannedNetwork {
  readonly stack: string;
  /** Where each service runs, by resource name. */
  readonly placements: ReadonlyMap<string, ServicePlacement>;
  /** Ports the processes listen on, by endpoint (native projects get distinct ones). */
  readonly targetPorts: ReadonlyEndpointMap<number>;
  /** Published host ports, by endpoint. */
  readonly hostPorts: ReadonlyEndpointMap<number>;
  /** Endpoints with a client outside their Docker network. */
  readonly reachedFromOutsideItsNetwork: ReadonlyEndpointSet;
}

export class PlanPlacement implements Placement {
  constructor(private readonly network: PlannedNetwork) {}

  targetPort(target: ComputeResource, binding: Binding): number {
    return (
      this.network.targetPorts.get(target.name, binding.name) ?? defaultTargetPort(target, binding)
    );
  }

  address(from: string, target: ComputeResource, binding: Binding): EndpointAddress {
    const scheme = isProject(target) && binding.scheme === "https" ? "http" : binding.scheme;
    const targetAt = this.network.placements.get(target.name);
    const clientAt = this.network.placements.get(from);
    const targetPort = this.targetPort(target, binding);
    const hostPort = this.network.hostPorts.get(target.name, binding.name) ?? targetPort;
    const alias = targetAt ? vmAlias(targetAt.vm, this.network.stack) : target.name;
    if (!targetAt || !clientAt)
      return { scheme, host: targetAt?.name ?? target.name, port: targetPort }; // not placed (build-only): name it
    if (from === target.name) {
      const reachedFromOutside = this.network.reachedFromOutsideItsNetwork.has(
        target.name,
        binding.name,
      );
      if (targetAt.runAs === "native")
        return { scheme, host: reachedFromOutside ? alias : "localhost", port: targetPort };
      return reachedFromOutside
        ? { scheme, host: alias, port: hostPort }
        : { scheme, host: targetAt.name, port: targetPort };
    }
    if (clientAt.vm !== targetAt.vm)
      return { scheme, host: alias, port: targetAt.runAs === "native" ? targetPort : hostPort };
    if (clientAt.runAs === "container" && targetAt.runAs === "container")
      return { scheme, host: targetAt.name, port: targetPort };
    if (clientAt.runAs === "native" && targetAt.runAs === "container")
      return { scheme, host: "localhost", port: hostPort };
    if (clientAt.runAs === "container") return { scheme, host: HOST_GATEWAY, port: targetPort };
    return { scheme, host: "localhost", port: targetPort };
  }
}

/** Records which endpoints each service reaches, while answering like a single Docker network. */
export class RecordingPlacement implements Placement {
  readonly uses: EndpointUse[] = [];
  constructor(private readonly inner: Placement) {}
  targetPort(target: ComputeResource, binding: Binding): number {
    return this.inner.targetPort(target, binding);
  }
  address(from: string, target: ComputeResource, binding: Binding): EndpointAddress {
    this.uses.push({ from, target: target.name, binding: binding.name });
    return this.inner.address(from, target, binding);
  }
}

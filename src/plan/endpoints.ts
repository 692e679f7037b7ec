// The app's endpoints as keys: a service's binding, kept as the two names it is. The plan's ports
// and reach are maps and sets of endpoints, held by service and then by binding, so no caller
// joins the pair into one string or takes such a string apart.

/** Values by endpoint (service, binding). */
export class EndpointMap<V> {
  private readonly byService = new Map<string, Map<string, V>>();

  get(service: string, binding: string): V | undefined {
    return this.byService.get(service)?.get(binding);
  }

  has(service: string, binding: string): boolean {
    return this.byService.get(service)?.has(binding) ?? false;
  }

  set(service: string, binding: string, value: V): void {
    const bindings = this.byService.get(service) ?? new Map<string, V>();
    this.byService.set(service, bindings);
    bindings.set(binding, value);
  }

  /** Every entry, service by service in the order they were first set. */
  *entries(): IterableIterator<[service: string, binding: string, value: V]> {
    for (const [service, bindings] of this.byService)
      for (const [binding, value] of bindings) yield [service, binding, value];
  }
}

/** A set of endpoints (service, binding). */
export class EndpointSet {
  private readonly members = new EndpointMap<true>();

  add(service: string, binding: string): void {
    this.members.set(service, binding, true);
  }

  has(service: string, binding: string): boolean {
    return this.members.has(service, binding);
  }

  /** Every endpoint, service by service in the order they were first added. */
  *[Symbol.iterator](): IterableIterator<[service: string, binding: string]> {
    for (const [service, binding] of this.members.entries()) yield [service, binding];
  }
}

export type ReadonlyEndpointMap<V> = Pick<EndpointMap<V>, "get" | "has" | "entries">;
export type ReadonlyEndpointSet = Pick<EndpointSet, "has" | typeof Symbol.iterator>;

// The expression evaluator: turns manifest strings with `{resource.path}` placeholders into values.
// Modelled on azd's eval.go, with three differences that matter on VMs:
//  - hosts and ports are asked of a Placement, from the point of view of the resource that will
//    read the value, so the same manifest resolves differently on one VM or across several;
//  - parameter values are not known here (they come from stack config or generated passwords):
//    they stay symbolic Slots that a later stage fills in;
//  - a value that contains a secret parameter, directly or through other values, is marked secret.
import type { Diagnostic } from "./diagnostics";
import { parseExpression, type Reference } from "./expressions";
import type { Binding, ComputeResource, Manifest, Resource } from "./model";
import { own } from "./own";
import { referenceProblem, type BindingProperty } from "./references";

/** A parameter's value, filled in at deploy time (stack config, generated, or `--set`). */
export interface ParameterSlot {
  readonly kind: "parameter";
  readonly parameter: string;
  readonly secret: boolean;
  /** Filters applied to the value, innermost first (annotated.string `uri`). */
  readonly filters: readonly "uri"[];
}

/** A part of a value that is only known at deploy time. */
export type Slot = ParameterSlot;
export type Part = string | Slot;

export interface Value {
  readonly parts: readonly Part[];
  readonly secret: boolean;
}

/** How one resource reaches an endpoint of another (or of itself). */
export interface EndpointAddress {
  readonly scheme: string;
  readonly host: string;
  readonly port: number;
}

/** What the evaluator asks about where things run. It knows nothing of clouds. */
export interface Placement {
  /** The address at which `from` reaches `target`'s `binding`. `from === target.name` for
   *  self-references, which must still be the address clients use (Kafka's advertised listeners). */
  address(from: string, target: ComputeResource, binding: Binding): EndpointAddress;
  /** The port `target`'s process listens on for `binding`. */
  targetPort(target: ComputeResource, binding: Binding): number;
}

export class EvaluationError extends Error {
  constructor(
    readonly diagnostic: Diagnostic,
    /** For a reference cycle: the fields on it, in order (without the repeated first one). */
    readonly cycle?: readonly string[],
  ) {
    super(
      `${diagnostic.resource}${diagnostic.field ? ` (${diagnostic.field})` : ""}: ${diagnostic.message}`,
    );
    this.name = "EvaluationError";
  }
}

/** Where an expression lives, for messages and cycle detection. */
interface Site {
  readonly resource: string;
  readonly field: string;
}

export class Evaluator {
  private readonly byLowerName = new Map<string, string>();
  private readonly memo = new Map<string, Value>();
  private readonly addresses = new Map<string, EndpointAddress>();
  private readonly stack: string[] = [];

  constructor(
    readonly manifest: Manifest,
    readonly placement: Placement,
  ) {
    for (const name of manifest.resources.keys()) this.byLowerName.set(name.toLowerCase(), name);
  }

  /** Resolves a first segment to a declared resource name (case-insensitively, as Aspire does). */
  readonly resolveName = (segment: string): string | undefined =>
    this.byLowerName.get(segment.toLowerCase());

  /** Evaluates a string as seen by `from` (the resource whose env, args... it is). */
  evaluate(from: string, text: string, site: Site): Value {
    const parts: Part[] = [];
    let secret = false;
    for (const p of parseExpression(text, this.resolveName)) {
      if ("literal" in p) {
        appendText(parts, p.literal);
        continue;
      }
      const v = this.resolve(from, p.ref, site);
      secret ||= v.secret;
      for (const part of v.parts)
        typeof part === "string" ? appendText(parts, part) : parts.push(part);
    }
    return { parts, secret };
  }

  /** Evaluates one reference as seen by `from`. */
  resolve(from: string, ref: Reference, site: Site): Value {
    const target = ref.resource === "" ? undefined : this.manifest.resources.get(ref.resource);
    const problem = referenceProblem(target, ref);
    if (problem || !target)
      throw new EvaluationError({
        resource: site.resource,
        field: site.field,
        message: `bad reference ${ref.text} in ${site.resource}.${site.field}: ${problem}`,
      });

    const [head, a, b] = ref.path;
    if (head === "inputs") {
      // Own keys only (checked by referenceProblem): `{p.inputs.constructor}` is no input.
      const input = target.kind === "parameter.v0" ? own(target.inputs, a) : undefined;
      return {
        parts: [
          {
            kind: "parameter",
            parameter: target.name,
            secret: input?.secret ?? false,
            filters: [],
          },
        ],
        secret: input?.secret ?? false,
      };
    }
    if (head === "bindings") {
      const compute = target as ComputeResource;
      return this.bindingProperty(from, compute, compute.bindings[a], b as BindingProperty);
    }
    // connectionString or value: evaluate the target's own field, recursively and memoised.
    const key = `${target.name}.${head}`;
    const memoKey = `${from}\u0000${key}`;
    const cached = this.memo.get(memoKey);
    if (cached) return cached;
    const cycleStart = this.stack.indexOf(key);
    if (cycleStart >= 0) {
      const cycle = this.stack.slice(cycleStart);
      throw new EvaluationError(
        {
          resource: site.resource,
          field: site.field,
          message: `reference cycle: ${[...cycle, key].join(" -> ")}. Break the cycle in the AppHost.`,
        },
        cycle,
      );
    }
    this.stack.push(key);
    try {
      const value = this.fieldValue(from, target, head);
      this.memo.set(memoKey, value);
      return value;
    } finally {
      this.stack.pop();
    }
  }

  private fieldValue(from: string, target: Resource, head: string): Value {
    const site = { resource: target.name, field: head };
    if (head === "connectionString")
      return this.evaluate(from, (target as { connectionString: string }).connectionString, site);
    const value = this.evaluate(from, (target as { value: string }).value, site);
    return target.kind === "annotated.string" && target.filter === "uri"
      ? uriFiltered(value)
      : value;
  }

  /** The placement's answer, asked once per (reader, endpoint). */
  private address(from: string, target: ComputeResource, binding: Binding): EndpointAddress {
    const key = `${from}\u0000${target.name}\u0000${binding.name}`;
    let address = this.addresses.get(key);
    if (!address) {
      address = this.placement.address(from, target, binding);
      this.addresses.set(key, address);
    }
    return address;
  }

  private bindingProperty(
    from: string,
    target: ComputeResource,
    binding: Binding,
    prop: BindingProperty,
  ): Value {
    const plain = (text: string): Value => ({ parts: [text], secret: false });
    switch (prop) {
      case "targetPort":
        return plain(String(this.placement.targetPort(target, binding)));
      case "protocol":
        return plain(binding.protocol);
      case "transport":
        return plain(binding.transport);
      case "external":
        return plain(String(binding.external));
      default: {
        const address = this.address(from, target, binding);
        if (prop === "host") return plain(address.host);
        if (prop === "port") return plain(String(address.port));
        if (prop === "scheme") return plain(address.scheme);
        // .NET writes booleans as True/False, and Aspire's tlsEnabled is a .NET bool.
        if (prop === "tlsEnabled") return plain(address.scheme === "https" ? "True" : "False");
        return plain(`${address.scheme}://${address.host}:${address.port}`);
      }
    }
  }
}

/** RFC 3986 percent-encoding as .NET's Uri.EscapeDataString does it: everything but unreserved
 *  characters. encodeURIComponent leaves !'()* alone, so those are escaped by hand. */
export function uriEscape(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

function uriFiltered(v: Value): Value {
  // Percent-encoding works character by character, so encoding each part is encoding the whole.
  const parts = v.parts.map((p) =>
    typeof p === "string" ? uriEscape(p) : { ...p, filters: [...p.filters, "uri" as const] },
  );
  return { parts, secret: v.secret };
}

function appendText(parts: Part[], text: string): void {
  if (!text) return;
  const last = parts.length - 1;
  if (last >= 0 && typeof parts[last] === "string") parts[last] = (parts[last] as string) + text;
  else parts.push(text);
}

/** Fills the slots in with text, for callers that know the values (tests, `--set`, a rendered plan). */
export function valueToText(v: Value, fill: (slot: Slot) => string): string {
  return v.parts
    .map((p) => {
      if (typeof p === "string") return p;
      let text = fill(p);
      for (const f of p.filters) if (f === "uri") text = uriEscape(text);
      return text;
    })
    .join("");
}

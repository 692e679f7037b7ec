// Typed access to one JSON object of a manifest that records, as diagnostics, every field of the
// wrong type and every field it was never asked about (kept and warned about, never fatal).
import { diagnostic, type Diagnostic } from "./diagnostics";
import { hasNul } from "./identifiers";

export type JsonObject = { readonly [key: string]: unknown };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export class FieldReader {
  private readonly seen = new Set<string>();

  constructor(
    readonly resource: string,
    /** Dotted prefix of this object inside the resource ("" for the resource itself). */
    readonly prefix: string,
    readonly obj: JsonObject,
    readonly errors: Diagnostic[],
    readonly warnings: Diagnostic[],
  ) {}

  field(key: string): string {
    return this.prefix ? `${this.prefix}.${key}` : key;
  }

  has(key: string): boolean {
    return this.ignore(key) !== undefined;
  }

  error(key: string | null, message: string): void {
    this.errors.push(
      diagnostic(this.resource, key === null ? this.prefix || null : this.field(key), message),
    );
  }

  warn(key: string | null, message: string): void {
    this.warnings.push(
      diagnostic(this.resource, key === null ? this.prefix || null : this.field(key), message),
    );
  }

  /** Marks a field as known without reading it (for fields we deliberately ignore). */
  ignore(key: string): unknown {
    this.seen.add(key);
    // Own keys only: `constructor` or `toString` are not fields of a manifest object.
    return Object.hasOwn(this.obj, key) ? this.obj[key] : undefined;
  }

  string(key: string, required: true): string;
  string(key: string, required?: false): string | undefined;
  string(key: string, required = false): string | undefined {
    const v = this.ignore(key);
    if (v === undefined || v === null) {
      if (required) this.error(key, `required field ${this.field(key)} is missing.`);
      return undefined;
    }
    if (typeof v !== "string") {
      this.error(key, `${this.field(key)} must be a string, not ${describe(v)}.`);
      return undefined;
    }
    return this.withoutNul(key, v);
  }

  /** The text, or undefined with an error when it has a NUL. */
  private withoutNul(key: string, v: string): string | undefined {
    if (!hasNul(v)) return v;
    this.error(
      key,
      `${this.field(key)} has a NUL character, which no process or file of the VM can carry. Remove it.`,
    );
    return undefined;
  }

  boolean(key: string): boolean | undefined {
    const v = this.ignore(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "boolean") {
      this.error(key, `${this.field(key)} must be true or false, not ${describe(v)}.`);
      return undefined;
    }
    return v;
  }

  /** A TCP/UDP port number. */
  port(key: string): number | undefined {
    const v = this.ignore(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 65535) {
      this.error(
        key,
        `${this.field(key)} must be a port number between 1 and 65535, not ${describe(v)}.`,
      );
      return undefined;
    }
    return v;
  }

  nonNegativeInteger(key: string): number | undefined {
    const v = this.ignore(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
      this.error(
        key,
        `${this.field(key)} must be a whole number of 0 or more, not ${describe(v)}.`,
      );
      return undefined;
    }
    return v;
  }

  stringArray(key: string): string[] {
    const v = this.ignore(key);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.error(key, `${this.field(key)} must be a list of strings, not ${describe(v)}.`);
      return [];
    }
    const out: string[] = [];
    v.forEach((item, i) => {
      if (typeof item !== "string")
        this.error(
          `${key}.${i}`,
          `${this.field(key)}.${i} must be a string, not ${describe(item)}. Quote numbers and booleans.`,
        );
      else if (this.withoutNul(`${key}.${i}`, item) !== undefined) out.push(item);
    });
    return out;
  }

  /** A map of name -> string (env, build args). `nullable` allows null values (build args);
   *  `nameProblem` says what is wrong with a name, if anything. */
  stringMap(
    key: string,
    nullable: true,
    nameProblem?: (name: string) => string | undefined,
  ): Record<string, string | null>;
  stringMap(
    key: string,
    nullable?: false,
    nameProblem?: (name: string) => string | undefined,
  ): Record<string, string>;
  stringMap(
    key: string,
    nullable = false,
    nameProblem?: (name: string) => string | undefined,
  ): Record<string, string | null> {
    const v = this.ignore(key);
    if (v === undefined || v === null) return {};
    if (!isObject(v)) {
      this.error(
        key,
        `${this.field(key)} must be an object of names to strings, not ${describe(v)}.`,
      );
      return {};
    }
    const out: [string, string | null][] = [];
    for (const [name, value] of Object.entries(v)) {
      const problem = nameProblem?.(name);
      if (problem) this.error(`${key}.${name}`, problem);
      else if (value === null && nullable) out.push([name, null]);
      else if (typeof value !== "string")
        this.error(
          `${key}.${name}`,
          `${this.field(key)}.${name} must be a string, not ${describe(value)}. Quote numbers and booleans; objects are not allowed.`,
        );
      else if (this.withoutNul(`${key}.${name}`, value) !== undefined) out.push([name, value]);
    }
    // fromEntries defines own keys: `__proto__` stays an ordinary name, never the prototype.
    return Object.fromEntries(out);
  }

  /** A nested object, read with its own reader (its unknown fields are reported under its path). */
  object(key: string): FieldReader | undefined {
    const v = this.ignore(key);
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) {
      this.error(key, `${this.field(key)} must be an object, not ${describe(v)}.`);
      return undefined;
    }
    return this.child(this.field(key), v);
  }

  /** Entries of a nested object of objects (bindings, inputs, secrets), each with its own reader;
   *  entries whose name has a problem (`nameProblem`) are reported and left out. */
  entries(
    key: string,
    nameProblem?: (name: string) => string | undefined,
  ): [string, FieldReader][] {
    const map = this.object(key);
    if (!map) return [];
    const out: [string, FieldReader][] = [];
    for (const name of Object.keys(map.obj)) {
      const problem = nameProblem?.(name);
      if (problem) {
        map.ignore(name);
        map.error(name, problem);
        continue;
      }
      const entry = map.object(name);
      if (entry) out.push([name, entry]);
    }
    return out;
  }

  /** Items of a list of objects (volumes, bindMounts). */
  items(key: string): FieldReader[] {
    const v = this.ignore(key);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.error(key, `${this.field(key)} must be a list, not ${describe(v)}.`);
      return [];
    }
    const out: FieldReader[] = [];
    v.forEach((item, i) => {
      if (isObject(item)) out.push(this.child(`${this.field(key)}.${i}`, item));
      else this.error(key, `${this.field(key)}.${i} must be an object, not ${describe(item)}.`);
    });
    return out;
  }

  /** Warns about every field that was never read: kept for forward compatibility, not fatal. */
  warnUnknown(): void {
    for (const key of Object.keys(this.obj)) {
      if (!this.seen.has(key)) this.warn(key, `unknown field ${this.field(key)} is ignored.`);
    }
    for (const child of this.children) child.warnUnknown();
  }

  private readonly children: FieldReader[] = [];

  private child(prefix: string, obj: JsonObject): FieldReader {
    const reader = new FieldReader(this.resource, prefix, obj, this.errors, this.warnings);
    this.children.push(reader);
    return reader;
  }
}

export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "string")
    return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "..." : v)}`;
  return `${typeof v} ${String(v)}`;
}

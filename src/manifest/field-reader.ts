// Typed access to one JSON object of a manifest that records, as diagnostics, every field of the
// wrong type and every field it was never asked about (kept and warned about, never fatal).
import { diagnostic, type Diagnostic } from "./diagnostics";

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
    this.seen.add(key);
    return this.obj[key] !== undefined;
  }

  error(key: string | null, message: string): void {
    this.errors.push(diagnostic(this.resource, key === null ? this.prefix || null : this.field(key), message));
  }

  warn(key: string | null, message: string): void {
    this.warnings.push(diagnostic(this.resource, key === null ? this.prefix || null : this.field(key), message));
  }

  /** Marks a field as known without reading it (for fields we deliberately ignore). */
  ignore(key: string): unknown {
    this.seen.add(key);
    return this.obj[key];
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
    return v;
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
      this.error(key, `${this.field(key)} must be a port number between 1 and 65535, not ${describe(v)}.`);
      return undefined;
    }
    return v;
  }

  nonNegativeInteger(key: string): number | undefined {
    const v = this.ignore(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
      this.error(key, `${this.field(key)} must be a whole number of 0 or more, not ${describe(v)}.`);
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
      if (typeof item === "string") out.push(item);
      else this.error(`${key}.${i}`, `${this.field(key)}.${i} must be a string, not ${describe(item)}. Quote numbers and booleans.`);
    });
    return out;
  }

  /** A map of name -> string (env, build args). `nullable` allows null values (build args). */
  stringMap(key: string, nullable: true): Record<string, string | null>;
  stringMap(key: string, nullable?: false): Record<string, string>;
  stringMap(key: string, nullable = false): Record<string, string | null> {
    const v = this.ignore(key);
    const out: Record<string, string | null> = {};
    if (v === undefined || v === null) return out;
    if (!isObject(v)) {
      this.error(key, `${this.field(key)} must be an object of names to strings, not ${describe(v)}.`);
      return out;
    }
    for (const [name, value] of Object.entries(v)) {
      if (typeof value === "string" || (nullable && value === null)) out[name] = value;
      else this.error(`${key}.${name}`, `${this.field(key)}.${name} must be a string, not ${describe(value)}. Quote numbers and booleans; objects are not allowed.`);
    }
    return out;
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

  /** Entries of a nested object of objects (bindings, inputs, secrets), each with its own reader. */
  entries(key: string): [string, FieldReader][] {
    const map = this.object(key);
    if (!map) return [];
    const out: [string, FieldReader][] = [];
    for (const name of Object.keys(map.obj)) {
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
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "..." : v)}`;
  return `${typeof v} ${String(v)}`;
}

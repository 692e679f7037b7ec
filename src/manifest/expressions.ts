// The placeholder syntax of manifest strings: `{resource.path}`.
// There is no escaping in real manifests, and literal braces occur (YARP routes such as
// `/catalog/{**catch-all}`), so a `{...}` is a reference only when the text before its first dot
// names a declared resource (or is empty: `{.outputs.X}`, azd's global Azure outputs).

export interface Reference {
  /** The resource named by the first segment; "" for azd's global `{.outputs.X}`. */
  readonly resource: string;
  /** The segments after the resource name: `["bindings", "http", "url"]`. */
  readonly path: readonly string[];
  /** The placeholder as written, braces included, for messages. */
  readonly text: string;
}

/** A string field that may hold placeholders, with its dotted path inside the resource. */
export interface ExpressionField {
  readonly field: string;
  readonly text: string;
}

export type ExpressionPart = { readonly literal: string } | { readonly ref: Reference };

const PLACEHOLDER = /\{([^{}]*)\}/g;

/**
 * Splits a string into literal text and references. `resolveName` maps the first segment to the
 * declared resource name (Aspire compares names case-insensitively) or returns undefined, in which
 * case the braces stay literal text.
 */
export function parseExpression(
  text: string,
  resolveName: (segment: string) => string | undefined,
): ExpressionPart[] {
  const parts: ExpressionPart[] = [];
  let literal = "";
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const inner = match[1];
    const dot = inner.indexOf(".");
    const head = dot < 0 ? inner : inner.slice(0, dot);
    const name = dot < 0 ? undefined : head === "" ? "" : resolveName(head);
    if (name === undefined) continue; // not a reference: keep it verbatim as part of the literal
    literal += text.slice(last, match.index);
    if (literal) parts.push({ literal });
    literal = "";
    parts.push({ ref: { resource: name, path: inner.slice(dot + 1).split("."), text: match[0] } });
    last = match.index + match[0].length;
  }
  literal += text.slice(last);
  if (literal) parts.push({ literal });
  return parts;
}

/** The references in a string, in order. */
export function referencesIn(
  text: string,
  resolveName: (segment: string) => string | undefined,
): Reference[] {
  const refs: Reference[] = [];
  for (const part of parseExpression(text, resolveName)) if ("ref" in part) refs.push(part.ref);
  return refs;
}

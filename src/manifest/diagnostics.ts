// One shape for every problem found in a manifest, so the CLI, the Pulumi program and the tests
// all report the same thing: which resource, which field, what is wrong and what to do.

export interface Diagnostic {
  /** The resource the problem belongs to; null for file-level problems (bad JSON, no resources). */
  readonly resource: string | null;
  /** Dotted path of the field inside the resource (`env.DB_HOST`, `bindings.http.port`), or null. */
  readonly field: string | null;
  readonly message: string;
}

export function diagnostic(
  resource: string | null,
  field: string | null,
  message: string,
): Diagnostic {
  return { resource, field, message };
}

/** Renders a diagnostic on one line: `resource (field): message`, or `field: message` for a
 *  setting that belongs to no resource (stack config, CLI options). */
export function formatDiagnostic(d: Diagnostic): string {
  const where =
    d.resource === null
      ? d.field
        ? `${d.field}: `
        : ""
      : d.field
        ? `${d.resource} (${d.field}): `
        : `${d.resource}: `;
  return oneLine(`${where}${d.message}`);
}

/** Names and values quoted from a manifest can hold line breaks, terminal escapes or bidi
 *  overrides: shown escaped, so that one problem is always one honest line. */
export function oneLine(text: string): string {
  const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Thrown for input the user must fix; carries every diagnostic so the caller can print them all
 *  at once. Callers at the edge (CLI, index.ts) print it without a stack trace. */
export class ManifestError extends Error {
  constructor(
    readonly file: string,
    readonly diagnostics: readonly Diagnostic[],
  ) {
    super(`${file}: ${diagnostics.map(formatDiagnostic).join("; ")}`);
    this.name = "ManifestError";
  }
}

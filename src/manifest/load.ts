// Reads a manifest file as JSON or YAML. Parsing only: the shape is checked by validate.ts.
// A manifest is untrusted input, so reading it is bounded: a regular file of at most
// MAX_MANIFEST_BYTES, at most MAX_NESTING levels deep, and YAML without anchors or aliases (Aspire
// never writes them, and a few hundred bytes of aliases expand into gigabytes when walked).
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { diagnostic, ManifestError } from "./diagnostics";
import { findJsonError } from "./json-error";

/** Real manifests are tens of kilobytes (the largest of 123 public ones: 22 KB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Real manifests nest at most 7 levels (Azure deployment params); JSON.parse copes with any
 *  depth, but every walk of the document after it is recursive. */
export const MAX_NESTING = 32;

export interface RawManifest {
  readonly file: string;
  readonly dir: string;
  readonly document: unknown;
}

/** Reads and parses a manifest. Throws ManifestError (never a raw exception) for a file that is
 *  missing, unreadable, or not valid JSON/YAML, with the line and column of the syntax error. */
export function loadManifestFile(file: string): RawManifest {
  const absolute = path.resolve(file);
  const cannot = (why: string) =>
    new ManifestError(file, [
      diagnostic(
        null,
        null,
        `cannot read the manifest: ${why}. Give the path of an aspire-manifest.json (written by \`aspire do publish-manifest\` or \`dotnet run --publisher manifest\`).`,
      ),
    ]);
  let text: string;
  try {
    // Checked before reading: a FIFO or /dev/zero would never end, a huge file would fill memory.
    const stat = fs.statSync(absolute);
    if (stat.isDirectory()) throw cannot("is a folder, not a manifest file");
    if (!stat.isFile()) throw cannot("is not a regular file");
    if (stat.size > MAX_MANIFEST_BYTES)
      throw cannot(
        `it has ${stat.size} bytes, more than the ${MAX_MANIFEST_BYTES} a manifest can have`,
      );
    text = fs.readFileSync(absolute, "utf8");
  } catch (e) {
    if (e instanceof ManifestError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw cannot(
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a folder, not a manifest file"
          : code === "EACCES"
            ? "permission denied"
            : String((e as Error).message),
    );
  }
  if (text.length > MAX_MANIFEST_BYTES)
    throw cannot(`it has more than the ${MAX_MANIFEST_BYTES} bytes a manifest can have`);
  return { file: absolute, dir: path.dirname(absolute), document: parseManifestText(text, file) };
}

/** Parses text as YAML when the file name says so, as JSON otherwise (JSON files that are not
 *  valid JSON are reported as JSON errors, not silently accepted by the more lenient YAML parser). */
export function parseManifestText(text: string, file: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // tolerate a UTF-8 BOM
  const document = /\.ya?ml$/i.test(file) ? parseYaml(body, file) : parseJson(body, file);
  const depth = nestingDepth(document);
  if (depth > MAX_NESTING)
    throw new ManifestError(file, [
      diagnostic(
        null,
        null,
        `the document nests more than ${MAX_NESTING} levels deep; Aspire manifests nest at most a few. Publish the manifest again.`,
      ),
    ]);
  return document;
}

/** How deeply objects and lists nest, counted without recursion and without going further than
 *  one level past the limit. */
function nestingDepth(document: unknown): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[document, 0]];
  while (pending.length) {
    const [value, depth] = pending.pop() as [unknown, number];
    if (typeof value !== "object" || value === null) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_NESTING) return deepest;
    for (const child of Object.values(value)) pending.push([child, depth + 1]);
  }
  return deepest;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const found = findJsonError(text, MAX_NESTING) ?? {
      offset: text.length,
      reason: (e as Error).message.split("\n")[0],
    };
    const { line, column } = lineAndColumn(text, found.offset);
    throw new ManifestError(file, [
      diagnostic(
        null,
        null,
        `invalid JSON at line ${line}, column ${column}: ${found.reason}. Fix the file or publish the manifest again.`,
      ),
    ]);
  }
}

function parseYaml(text: string, file: string): unknown {
  try {
    // JSON_SCHEMA: no YAML 1.1 surprises (`on` -> true, `010` -> octal) in env values.
    // The listener sees every node open and close: the first anchor stops the parse as its node
    // closes, before any alias can refer to it, and is reported at the line where that node
    // opened (a block mapping closes lines below its anchor).
    const opened: number[] = [];
    const options: yaml.LoadOptions & { maxDepth: number } = {
      schema: yaml.JSON_SCHEMA,
      filename: file,
      maxDepth: MAX_NESTING, // js-yaml 4.3's own bound (its default is 100)
      listener(event, state) {
        if (event === "open") opened.push(state.line);
        else {
          const line = opened.pop() ?? state.line;
          if (typeof (state as yaml.State & { anchor?: unknown }).anchor === "string")
            throw new AnchorFound(line + 1);
        }
      },
    };
    return yaml.load(text, options);
  } catch (e) {
    if (e instanceof AnchorFound)
      throw new ManifestError(file, [
        diagnostic(
          null,
          null,
          `YAML anchors and aliases (&name, *name) are not accepted (near line ${e.line}): Aspire never writes them. Write the values out, or publish the manifest as JSON.`,
        ),
      ]);
    if (e instanceof yaml.YAMLException) {
      const line = e.mark ? e.mark.line + 1 : 1;
      const column = e.mark ? e.mark.column + 1 : 1;
      throw new ManifestError(file, [
        diagnostic(
          null,
          null,
          `invalid YAML at line ${line}, column ${column}: ${e.reason}. Fix the file or publish the manifest again.`,
        ),
      ]);
    }
    throw e;
  }
}

class AnchorFound {
  constructor(readonly line: number) {}
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

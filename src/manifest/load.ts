// Reads a manifest file as JSON or YAML. Parsing only: the shape is checked by validate.ts.
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { diagnostic, ManifestError } from "./diagnostics";
import { findJsonError } from "./json-error";

export interface RawManifest {
  readonly file: string;
  readonly dir: string;
  readonly document: unknown;
}

/** Reads and parses a manifest. Throws ManifestError (never a raw exception) for a file that is
 *  missing, unreadable, or not valid JSON/YAML, with the line and column of the syntax error. */
export function loadManifestFile(file: string): RawManifest {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(absolute, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a folder, not a manifest file" : String((e as Error).message);
    throw new ManifestError(file, [diagnostic(null, null, `cannot read the manifest: ${why}. Give the path of an aspire-manifest.json (written by \`aspire do publish-manifest\` or \`dotnet run --publisher manifest\`).`)]);
  }
  return { file: absolute, dir: path.dirname(absolute), document: parseManifestText(text, file) };
}

/** Parses text as YAML when the file name says so, as JSON otherwise (JSON files that are not
 *  valid JSON are reported as JSON errors, not silently accepted by the more lenient YAML parser). */
export function parseManifestText(text: string, file: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // tolerate a UTF-8 BOM
  return /\.ya?ml$/i.test(file) ? parseYaml(body, file) : parseJson(body, file);
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const found = findJsonError(text) ?? { offset: text.length, reason: (e as Error).message.split("\n")[0] };
    const { line, column } = lineAndColumn(text, found.offset);
    throw new ManifestError(file, [diagnostic(null, null, `invalid JSON at line ${line}, column ${column}: ${found.reason}. Fix the file or publish the manifest again.`)]);
  }
}

function parseYaml(text: string, file: string): unknown {
  try {
    // JSON_SCHEMA: no YAML 1.1 surprises (`on` -> true, `010` -> octal) in env values.
    return yaml.load(text, { schema: yaml.JSON_SCHEMA, filename: file });
  } catch (e) {
    if (e instanceof yaml.YAMLException) {
      const line = e.mark ? e.mark.line + 1 : 1;
      const column = e.mark ? e.mark.column + 1 : 1;
      throw new ManifestError(file, [diagnostic(null, null, `invalid YAML at line ${line}, column ${column}: ${e.reason}. Fix the file or publish the manifest again.`)]);
    }
    throw e;
  }
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

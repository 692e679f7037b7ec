// Reading a manifest file: where a syntax error is (line and column), which files are YAML, the
// exact size and nesting limits, anchors refused, files that are not manifests; and how each
// problem prints on one line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  formatDiagnostic,
  loadManifestFile,
  ManifestError,
  MAX_MANIFEST_BYTES,
  MAX_NESTING,
  oneLine,
  parseManifestText,
} from "../../src/manifest";

/** The one diagnostic message of the ManifestError `run` throws. */
function refusal(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof ManifestError, String(e));
    assert.equal(e.name, "ManifestError");
    assert.equal(e.diagnostics.length, 1);
    return e.diagnostics[0].message;
  }
  assert.fail("expected a ManifestError");
}

test("a JSON syntax error is reported at its line and column", () => {
  assert.equal(
    refusal(() => parseManifestText('{\n  "a": 1,\n}', "m.json")),
    'invalid JSON at line 3, column 1: unexpected "}", expected a property name in double quotes (a trailing comma?). Fix the file or publish the manifest again.',
  );
  assert.equal(
    refusal(() => parseManifestText('{"a": tru}', "m.json")),
    'invalid JSON at line 1, column 7: unexpected "t", expected a value. Fix the file or publish the manifest again.',
  );
  assert.equal(
    refusal(() => parseManifestText('{\n\n  "a": [1 2]}', "m.json")),
    'invalid JSON at line 3, column 11: unexpected "2", expected "," or "]". Fix the file or publish the manifest again.',
  );
});

test("YAML is read from .yaml and .yml files (any case); every other name is JSON", () => {
  for (const file of ["m.yaml", "m.yml", "M.YML", "dir.json/m.Yaml"])
    assert.deepEqual(parseManifestText("resources: {}\n", file), { resources: {} }, file);
  for (const file of ["m.json", "m.yaml.json", "m.yamlx", "yaml", "m.ymlx"])
    assert.match(
      refusal(() => parseManifestText("resources: {}\n", file)),
      /^invalid JSON at line 1, column 1: /,
      file,
    );
  assert.match(
    refusal(() => parseManifestText("a: [1\nb: 2\n", "m.yaml")),
    /^invalid YAML at line \d+, column \d+: .+\. Fix the file or publish the manifest again\.$/,
  );
  // JSON_SCHEMA: `on` and `010` stay strings and numbers of JSON, not YAML 1.1 booleans and octals.
  assert.deepEqual(parseManifestText("a: on\nb: 010\n", "m.yaml"), { a: "on", b: 10 });
});

test("YAML anchors and aliases are refused where the first anchor is", () => {
  assert.equal(
    refusal(() => parseManifestText("resources:\n  a: &x {type: value.v0}\n  b: *x\n", "m.yaml")),
    "YAML anchors and aliases (&name, *name) are not accepted (near line 2): Aspire never writes them. Write the values out, or publish the manifest as JSON.",
  );
  assert.match(
    refusal(() => parseManifestText("a: 1\nb: 2\nc: &y [1]\n", "m.yml")),
    /near line 3\)/,
  );
  // A block mapping closes lines below its anchor: still the anchor's line.
  assert.match(
    refusal(() =>
      parseManifestText(
        "resources:\n  a: &x\n    type: value.v0\n    value: v\n  b: *x\n",
        "m.yaml",
      ),
    ),
    /near line 2\)/,
  );
  assert.match(
    refusal(() => parseManifestText("a:\n  - 1\n  - &z\n    k: v\n  - 2\n", "m.yaml")),
    /near line 3\)/,
  );
});

test("documents nest at most 32 levels, in JSON and in YAML", () => {
  const nested = (n: number) => "[".repeat(n) + "]".repeat(n);
  assert.equal(MAX_NESTING, 32);
  assert.doesNotThrow(() => parseManifestText(nested(32), "m.json"));
  assert.equal(
    refusal(() => parseManifestText(nested(33), "m.json")),
    "the document nests more than 32 levels deep; Aspire manifests nest at most a few. Publish the manifest again.",
  );
  assert.doesNotThrow(() => parseManifestText(`{"a": ${nested(31)}}`, "m.json"));
  assert.throws(() => parseManifestText(`{"a": ${nested(32)}}`, "m.json"), ManifestError);
  assert.doesNotThrow(() => parseManifestText("[]", "m.json"));
});

test("a UTF-8 BOM is skipped, in JSON and YAML", () => {
  assert.deepEqual(parseManifestText('\ufeff{"resources": {}}', "m.json"), { resources: {} });
  assert.deepEqual(parseManifestText("\ufeffresources: {}\n", "m.yaml"), { resources: {} });
});

test("files that are not manifests: missing, a folder, not a regular file, over 4 MiB (a file of exactly 4 MiB is read)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-arm-load-"));
  const hint =
    ". Give the path of an aspire-manifest.json (written by `aspire do publish-manifest` or `dotnet run --publisher manifest`).";
  assert.equal(
    refusal(() => loadManifestFile(path.join(dir, "none.json"))),
    `cannot read the manifest: no such file${hint}`,
  );
  assert.equal(
    refusal(() => loadManifestFile(dir)),
    `cannot read the manifest: is a folder, not a manifest file${hint}`,
  );
  const fifo = path.join(dir, "fifo.json");
  execFileSync("mkfifo", [fifo]);
  assert.equal(
    refusal(() => loadManifestFile(fifo)),
    `cannot read the manifest: is not a regular file${hint}`,
  );
  const big = path.join(dir, "big.json");
  fs.writeFileSync(big, "");
  fs.truncateSync(big, MAX_MANIFEST_BYTES + 1);
  assert.equal(
    refusal(() => loadManifestFile(big)),
    `cannot read the manifest: it has ${MAX_MANIFEST_BYTES + 1} bytes, more than the ${MAX_MANIFEST_BYTES} a manifest can have${hint}`,
  );
  // Exactly the limit: read, then refused as JSON (all zero bytes), not for its size.
  fs.truncateSync(big, MAX_MANIFEST_BYTES);
  assert.match(
    refusal(() => loadManifestFile(big)),
    /^invalid JSON at line 1, column 1: /,
  );
  const ok = path.join(dir, "m.json");
  fs.writeFileSync(ok, '{"resources": {}}');
  const raw = loadManifestFile(path.relative(process.cwd(), ok));
  assert.deepEqual(raw, { file: ok, dir, document: { resources: {} } });
  fs.rmSync(dir, { recursive: true, force: true });
});

test("what only the read itself finds: permission denied, a folder swapped in after the check, any other error by its message, a file grown past the limit", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-arm-load-"));
  const file = path.join(dir, "m.json");
  fs.writeFileSync(file, '{"resources": {}}');
  const hint =
    ". Give the path of an aspire-manifest.json (written by `aspire do publish-manifest` or `dotnet run --publisher manifest`).";
  // The module object itself (load.ts reads it through its import): what a read meets, played.
  const nodeFs = require("node:fs") as typeof fs;
  const readFails = (code: string, message: string) =>
    t.mock.method(nodeFs, "readFileSync", () => {
      throw Object.assign(new Error(message), { code });
    });
  const cases: [string, string, string][] = [
    ["EACCES", "EACCES: permission denied, open 'm.json'", "permission denied"],
    [
      "EISDIR",
      "EISDIR: illegal operation on a directory, read",
      "is a folder, not a manifest file",
    ],
    ["EIO", "EIO: i/o error, read", "EIO: i/o error, read"],
  ];
  for (const [code, message, why] of cases) {
    const read = readFails(code, message);
    assert.equal(
      refusal(() => loadManifestFile(file)),
      `cannot read the manifest: ${why}${hint}`,
    );
    read.mock.restore();
  }
  t.mock.method(nodeFs, "readFileSync", () => " ".repeat(MAX_MANIFEST_BYTES + 1));
  assert.equal(
    refusal(() => loadManifestFile(file)),
    `cannot read the manifest: it has more than the ${MAX_MANIFEST_BYTES} bytes a manifest can have${hint}`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test("invalid JSON nesting past the limit is refused at the first bracket too many, like valid JSON, never with a stack overflow", () => {
  assert.equal(
    refusal(() => parseManifestText("[".repeat(1_000_000), "m.json")),
    "invalid JSON at line 1, column 33: more than 32 levels of nesting. Fix the file or publish the manifest again.",
  );
  assert.equal(
    refusal(() => parseManifestText(`{\n  "a": ${"[".repeat(40)}1,}`, "m.json")),
    "invalid JSON at line 2, column 39: more than 32 levels of nesting. Fix the file or publish the manifest again.",
  );
});

test("a problem prints on one line: where (resource, field, both or neither), then the message with control characters escaped", () => {
  assert.equal(formatDiagnostic({ resource: null, field: null, message: "m" }), "m");
  assert.equal(
    formatDiagnostic({ resource: null, field: "aspire:vms", message: "m" }),
    "aspire:vms: m",
  );
  assert.equal(formatDiagnostic({ resource: "api", field: null, message: "m" }), "api: m");
  assert.equal(
    formatDiagnostic({ resource: "api", field: "env.X", message: "m" }),
    "api (env.X): m",
  );
  assert.equal(
    oneLine("a\nb\rc\td\u0001e\u007ff\u009fg\u2028h\u202ei\u2066j"),
    "a\\nb\\rc\\td\\u0001e\\u007ff\\u009fg\\u2028h\\u202ei\\u2066j",
  );
  assert.equal(formatDiagnostic({ resource: "a\nb", field: null, message: "x" }), "a\\nb: x");
  const e = new ManifestError("m.json", [
    { resource: "a", field: null, message: "one" },
    { resource: null, field: null, message: "two" },
  ]);
  assert.equal(e.message, "m.json: a: one; two");
});

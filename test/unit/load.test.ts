// Reading manifests: JSON and YAML, relative paths, syntax errors with line and column, missing
// files, a UTF-8 BOM.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  checkManifest,
  checkManifestFile,
  loadManifestFile,
  ManifestError,
  parseManifestText,
  type ContainerResource,
  type DockerfileResource,
  type Manifest,
  type ProjectResource,
  type Resource,
} from "../../src/manifest";
import { fixturesDir, repoRoot } from "../support/paths";
import { thrown } from "./check-support";

const fixture = (name: string) => path.join(fixturesDir, name);

function deployable(file: string): Manifest {
  const result = checkManifest(loadManifestFile(file));
  assert.deepEqual(result.errors, [], `${file} should be deployable`);
  assert.ok(result.manifest);
  return result.manifest;
}

/** The member of Resource whose kind includes K (ContainerResource for "container.v1"). */
type OfKind<R, K> = R extends { kind: infer RK } ? (K extends RK ? R : never) : never;

function resource<K extends Resource["kind"]>(
  m: Manifest,
  name: string,
  kind: K,
): OfKind<Resource, K> {
  const r = m.resources.get(name);
  assert.ok(r, `${name} is missing`);
  assert.equal(r.kind, kind);
  return r as OfKind<Resource, K>;
}

/** Asserts that `fn` throws a ManifestError with one file-level diagnostic, and returns its message. */
function manifestErrorMessage(fn: () => unknown): string {
  const caught = thrown(fn);
  assert.ok(caught instanceof ManifestError, `expected a ManifestError, got ${String(caught)}`);
  assert.equal(caught.diagnostics.length, 1);
  assert.equal(caught.diagnostics[0].resource, null);
  assert.equal(caught.diagnostics[0].field, null);
  return caught.diagnostics[0].message;
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-arm-load-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// ---- JSON and YAML --------------------------------------------------------------------------------

test("starter.json and starter.yaml give the same resources, warnings and folder", () => {
  const json = checkManifest(loadManifestFile(fixture("starter.json")));
  const yaml = checkManifest(loadManifestFile(fixture("starter.yaml")));
  assert.deepEqual(json.errors, []);
  assert.deepEqual(yaml.errors, []);
  assert.ok(json.manifest && yaml.manifest);
  assert.equal(json.manifest.file, fixture("starter.json"));
  assert.equal(yaml.manifest.file, fixture("starter.yaml"));
  assert.equal(json.manifest.dir, yaml.manifest.dir);
  assert.deepEqual(yaml.manifest.resources, json.manifest.resources);
  assert.deepEqual(
    [...json.manifest.resources.keys()],
    ["cache", "cache-password", "npm-token", "prometheus", "apiservice", "frontend", "legacyweb"],
  );
  assert.deepEqual(yaml.warnings, json.warnings);
});

test("the starter fixture reads into the expected model (spot checks)", () => {
  const m = deployable(fixture("starter.yaml"));
  const cache = resource(m, "cache", "container.v0");
  assert.deepEqual(cache.args, ["-c", "redis-server --requirepass $REDIS_PASSWORD"]);
  assert.deepEqual(cache.volumes, [
    { name: "starter-cache-data", target: "/data", readOnly: false },
  ]);
  assert.deepEqual(cache.bindings.tcp, {
    name: "tcp",
    scheme: "tcp",
    protocol: "tcp",
    transport: "tcp",
    port: undefined,
    targetPort: 6379,
    external: false,
  });
  const pw = resource(m, "cache-password", "parameter.v0");
  assert.deepEqual(pw.inputs.value.default, {
    kind: "generate",
    generate: {
      minLength: 22,
      lower: true,
      upper: true,
      numeric: true,
      special: false,
      minLower: 0,
      minUpper: 0,
      minNumeric: 0,
      minSpecial: 0,
    },
  });
  const frontend = resource(m, "frontend", "container.v1");
  assert.deepEqual(frontend.build?.args, { NODE_VERSION: "20", FROM_BUILD_ENV: null });
  assert.deepEqual(frontend.build?.secrets, {
    NPM_TOKEN: { type: "env", value: "{npm-token.value}" },
  });
});

test("YAML uses the JSON schema: on/yes stay strings, null is null", () => {
  assert.deepEqual(
    parseManifestText("env:\n  FLAG: on\n  OTHER: yes\n  NOTHING: null\n", "m.yaml"),
    { env: { FLAG: "on", OTHER: "yes", NOTHING: null } },
  );
  assert.deepEqual(parseManifestText("a: 1\n", "M.YML"), { a: 1 });
});

test("a .json file is parsed strictly as JSON, never as YAML", () => {
  assert.match(
    manifestErrorMessage(() => parseManifestText("resources: {}\n", "aspire-manifest.json")),
    /^invalid JSON at line \d+, column \d+: /,
  );
});

// ---- relative paths ---------------------------------------------------------------------------------

test("relative paths are resolved against the manifest's folder, not the working directory", () => {
  // Load through a path relative to the cwd, to show the cwd plays no part in the result.
  const m = deployable(path.relative(process.cwd(), fixture("starter.json")));
  assert.equal(m.file, fixture("starter.json"));
  assert.equal(m.dir, fixturesDir);

  const api: ProjectResource = resource(m, "apiservice", "project.v0");
  assert.equal(api.path, "../src/ApiService/ApiService.csproj");
  assert.equal(api.projectPath, path.join(repoRoot, "test/src/ApiService/ApiService.csproj"));

  const frontend: ContainerResource = resource(m, "frontend", "container.v1");
  assert.equal(frontend.build?.contextPath, path.join(fixturesDir, "frontend"));
  // The Dockerfile is relative to the manifest, not to the build context.
  assert.equal(frontend.build?.dockerfilePath, path.join(fixturesDir, "frontend/Dockerfile"));

  const legacy: DockerfileResource = resource(m, "legacyweb", "dockerfile.v0");
  assert.equal(legacy.build.contextPath, path.join(repoRoot, "test/legacy"));
  assert.equal(legacy.build.dockerfilePath, path.join(repoRoot, "test/legacy/web/Dockerfile"));
  assert.deepEqual(legacy.build.args, { CONFIG: "Release" });

  const prometheus: ContainerResource = resource(m, "prometheus", "container.v0");
  assert.deepEqual(prometheus.bindMounts, [
    {
      source: "../config/prometheus",
      sourcePath: path.join(repoRoot, "test/config/prometheus"),
      target: "/etc/prometheus",
      readOnly: true,
    },
  ]);
});

test("Windows separators in manifest paths resolve like forward slashes; build file secrets resolve too", () => {
  const dir = path.join(path.sep, "apps", "shop", "AppHost");
  const result = checkManifest({
    file: path.join(dir, "aspire-manifest.json"),
    dir,
    document: {
      resources: {
        api: { type: "project.v0", path: "..\\Api\\Api.csproj" },
        web: {
          type: "container.v1",
          build: {
            context: "..\\web",
            dockerfile: "../web/Dockerfile",
            secrets: { NPMRC: { type: "file", source: "secrets/.npmrc" } },
          },
        },
      },
    },
  });
  assert.ok(result.manifest, JSON.stringify(result.errors));
  assert.equal(
    resource(result.manifest, "api", "project.v0").projectPath,
    path.resolve(dir, "../Api/Api.csproj"),
  );
  const build = resource(result.manifest, "web", "container.v1").build;
  assert.equal(build?.contextPath, path.resolve(dir, "../web"));
  assert.deepEqual(build?.secrets, {
    NPMRC: { type: "file", sourcePath: path.resolve(dir, "secrets/.npmrc") },
  });
});

// ---- syntax errors ------------------------------------------------------------------------------------

test("invalid JSON reports the line and column of the error (trailing comma at line 6, column 5)", () => {
  const message = manifestErrorMessage(() =>
    loadManifestFile(fixture("invalid-trailing-comma.json")),
  );
  assert.match(message, /^invalid JSON at line 6, column 5: /);
  assert.doesNotMatch(message, /position/);
});

test('invalid JSON reports the line and column when V8 says "Unexpected token" (missing value at line 4, column 15)', () => {
  const message = manifestErrorMessage(() =>
    loadManifestFile(fixture("invalid-missing-value.json")),
  );
  assert.match(message, /^invalid JSON at line 4, column 15: /);
  assert.doesNotMatch(message, /\n/);
});

test("invalid JSON text: line and column are counted from the start of the text", () => {
  assert.match(
    manifestErrorMessage(() => parseManifestText('{"resources": {"a": 1}} x', "m.json")),
    /^invalid JSON at line 1, column 25: /,
  );
  assert.match(
    manifestErrorMessage(() => parseManifestText('{\n  "a" 1\n}', "m.json")),
    /^invalid JSON at line 2, column 7: /,
  );
  assert.match(
    manifestErrorMessage(() => parseManifestText('{\n  "a": 1', "m.json")),
    /^invalid JSON at line 2, column 9: /,
  );
});

test("invalid YAML reports the line and column of the error (bad indentation at line 4, column 4)", () => {
  const message = manifestErrorMessage(() => loadManifestFile(fixture("invalid-indentation.yaml")));
  assert.match(message, /^invalid YAML at line 4, column 4: bad indentation of a mapping entry\./);
});

test("invalid YAML text: a duplicated key is reported where it is", () => {
  assert.match(
    manifestErrorMessage(() =>
      parseManifestText(
        "resources:\n  cache:\n    type: container.v0\n    type: container.v1\n",
        "m.yml",
      ),
    ),
    /^invalid YAML at line 4, column 5: duplicated mapping key/,
  );
});

test("checkManifestFile turns a syntax error into a file-level error, without throwing", () => {
  const result = checkManifestFile(fixture("invalid-trailing-comma.json"));
  assert.equal(result.manifest, undefined);
  assert.equal(result.errors.length, 1);
  assert.equal(result.errors[0].resource, null);
  assert.match(result.errors[0].message, /line 6, column 5/);
});

// ---- missing files and a BOM -----------------------------------------------------------------------------

test("a missing file is a ManifestError saying so, not an ENOENT exception", () => {
  const missing = fixture("no-such-manifest.json");
  const message = manifestErrorMessage(() => loadManifestFile(missing));
  assert.match(message, /^cannot read the manifest: no such file\. /);
  const result = checkManifestFile(missing);
  assert.equal(result.manifest, undefined);
  assert.deepEqual(
    result.errors.map((e) => [e.resource, e.field]),
    [[null, null]],
  );
  assert.match(result.errors[0].message, /no such file/);
});

test("a folder instead of a file is reported as such", () => {
  assert.match(
    manifestErrorMessage(() => loadManifestFile(fixturesDir)),
    /^cannot read the manifest: is a folder, not a manifest file\./,
  );
});

test("a UTF-8 BOM is tolerated in JSON and YAML files", (t) => {
  const dir = tempDir(t);
  const jsonText = fs.readFileSync(fixture("starter.json"), "utf8");
  const yamlText = fs.readFileSync(fixture("starter.yaml"), "utf8");
  fs.writeFileSync(path.join(dir, "bom.json"), "\uFEFF" + jsonText, "utf8");
  fs.writeFileSync(path.join(dir, "bom.yaml"), "\uFEFF" + yamlText, "utf8");
  assert.deepEqual(
    fs.readFileSync(path.join(dir, "bom.json")).subarray(0, 3),
    Buffer.from([0xef, 0xbb, 0xbf]),
  );

  const expected = JSON.parse(jsonText) as unknown;
  assert.deepEqual(loadManifestFile(path.join(dir, "bom.json")).document, expected);
  assert.deepEqual(loadManifestFile(path.join(dir, "bom.yaml")).document, expected);
  assert.deepEqual(parseManifestText('\uFEFF{"resources": {}}', "m.json"), { resources: {} });
});

test("a manifest that is not an object, or has no resources object, is a file-level error", () => {
  const at = (document: unknown) =>
    checkManifest({ file: "/m/aspire-manifest.json", dir: "/m", document });
  for (const [document, why] of [
    [[1, 2], /is not a JSON object/],
    [{}, /has no "resources" object/],
    [{ resources: [] }, /has a "resources" field that is not an object/],
  ] as const) {
    const result = at(document);
    assert.equal(result.manifest, undefined);
    assert.equal(result.errors.length, 1);
    assert.equal(result.errors[0].resource, null);
    assert.match(result.errors[0].message, why);
  }
});

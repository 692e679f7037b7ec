// Optional fields given as null are absent; required ones are named when missing; the defaults of
// bindings, mounts and generated values; the few JSON and file errors the other tests do not reach.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadManifestFile, ManifestError, parseManifestText } from "../../src/manifest";
import { findJsonError } from "../../src/manifest/json-error";
import { check, errorLines, img, lines } from "./check-support";
const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>;

test("optional fields given as null are read as absent, with no error or warning", () => {
  const r = check({
    c: {
      type: "container.v0",
      image: img,
      entrypoint: null,
      args: null,
      env: null,
      volumes: null,
      bindMounts: null,
      connectionString: null,
      containerFiles: null,
      bindings: {
        t: {
          scheme: "tcp",
          targetPort: null,
          port: null,
          external: null,
          transport: null,
          protocol: null,
        },
      },
    },
    p: {
      type: "parameter.v0",
      value: "{p.inputs.value}",
      inputs: { value: { secret: null, default: { generate: { minLength: null, lower: null } } } },
    },
    n: { type: "container.v0", image: img, bindings: null },
  });
  assert.deepEqual(lines(r.errors), []);
  assert.deepEqual(lines(r.warnings), []);
  assert.deepEqual(plain(r.manifest?.resources.get("c")), {
    kind: "container.v0",
    name: "c",
    image: img,
    volumes: [],
    bindMounts: [],
    env: {},
    args: [],
    bindings: {
      t: { name: "t", scheme: "tcp", protocol: "tcp", transport: "tcp", external: false },
    },
    containerFiles: {},
  });
  assert.deepEqual(
    (plain(r.manifest?.resources.get("p")).inputs as Record<string, unknown>).value,
    {
      name: "value",
      secret: false,
      default: {
        kind: "generate",
        generate: {
          minLength: 0,
          lower: true,
          upper: true,
          numeric: true,
          special: true,
          minLower: 0,
          minUpper: 0,
          minNumeric: 0,
          minSpecial: 0,
        },
      },
    },
  );
});

test("required fields are named when missing", () => {
  assert.deepEqual(
    errorLines({
      p: { type: "parameter.v0" },
      a: { type: "annotated.string" },
      q: {
        type: "parameter.v0",
        value: "{q.inputs.v}",
        inputs: { v: { default: { value: null } } },
      },
    }),
    [
      "p|value|required field value is missing.",
      "a|value|required field value is missing.",
      "q|inputs.v.default.value|required field inputs.v.default.value is missing.",
    ],
  );
  assert.deepEqual(
    errorLines({
      c: {
        type: "container.v0",
        image: img,
        volumes: [{ name: "vv" }],
        bindMounts: [{ target: "/x" }],
      },
      api: { type: "project.v0" },
      d: {
        type: "container.v1",
        build: { context: ".", dockerfile: "D", secrets: { s: { type: "env" } } },
      },
      e: { type: "container.v0", image: img, containerFiles: { s: { sources: [] } } },
    }),
    [
      "c|volumes.0.target|required field volumes.0.target is missing.",
      "c|bindMounts.0.source|required field bindMounts.0.source is missing.",
      "api|path|required field path is missing.",
      "d|build.secrets.s.value|required field build.secrets.s.value is missing.",
      "e|containerFiles.s.destination|required field containerFiles.s.destination is missing.",
    ],
  );
});

test("defaults: an https binding's transport is http, a bind mount is writable, generated values use every class", () => {
  const r = check({
    api: {
      type: "project.v0",
      path: "Api/Api.csproj",
      bindings: {
        s: { scheme: "https" },
        h: { scheme: "http" },
        u: { scheme: "udp", protocol: "udp" },
      },
    },
    c: { type: "container.v0", image: img, bindMounts: [{ source: "x", target: "/x" }] },
    p: {
      type: "parameter.v0",
      value: "{p.inputs.value}",
      inputs: {
        value: {
          description: "shown in the dashboard",
          default: { generate: { lower: false, upper: false } },
        },
      },
    },
  });
  assert.deepEqual(lines(r.errors), []);
  assert.deepEqual(lines(r.warnings), [], "a description is a known field of an input");
  const api = plain(r.manifest?.resources.get("api")) as {
    bindings: Record<string, { transport: string; protocol: string }>;
  };
  assert.deepEqual(
    Object.values(api.bindings).map((b) => [b.transport, b.protocol]),
    [
      ["http", "tcp"],
      ["http", "tcp"],
      ["udp", "udp"],
    ],
  );
  assert.deepEqual(
    (plain(r.manifest?.resources.get("c")) as { bindMounts: unknown[] }).bindMounts,
    [{ source: "x", sourcePath: "/apps/t/x", target: "/x", readOnly: false }],
  );
  const generate = (
    plain(r.manifest?.resources.get("p")).inputs as Record<
      string,
      { default: { generate: Record<string, unknown> } }
    >
  ).value.default.generate;
  assert.deepEqual(
    [generate.lower, generate.upper, generate.numeric, generate.special],
    [false, false, true, true],
  );
});

test("a container.v0 with both an image and a build section gets the container.v0 error only", () => {
  assert.deepEqual(
    errorLines({
      c: { type: "container.v0", image: img, build: { context: ".", dockerfile: "D" } },
    }),
    ["c|build|container.v0 cannot have a build section: a build needs container.v1."],
  );
});

test("a containerPort that is null reads as no port, and the warning ends cleanly", () => {
  assert.deepEqual(
    lines(
      check({
        k: {
          type: "container.v0",
          image: img,
          bindings: { tcp: { scheme: "tcp", containerPort: null } },
        },
      }).warnings,
    ),
    [
      "k|bindings.tcp.containerPort|containerPort is the 8.0-preview name of targetPort; read as targetPort.",
    ],
  );
});

test("a project path must end in the project file's extension", () => {
  for (const path of ["Api/Api.csproj.bak", "Api/Api.csproj/", "Api/Api.cs.txt"])
    assert.equal(check({ api: { type: "project.v0", path } }).errors[0]?.field, "path", path);
});

test("value resources have no deployment section: it is an unknown field, and its references are not checked", () => {
  const r = check({
    v: { type: "value.v0", value: "x", deployment: { params: { a: "{nope.value}" } } },
    p: { type: "parameter.v0", value: "{p.inputs.x}", inputs: { x: {} }, deployment: {} },
    a: { type: "annotated.string", value: "x", deployment: {} },
  });
  assert.deepEqual(lines(r.errors), []);
  for (const name of ["v", "p", "a"])
    assert.ok(
      lines(r.warnings).includes(`${name}|deployment|unknown field deployment is ignored.`),
      name,
    );
});

test("a path through a file is an error naming what the system said; a line break is found where it is", () => {
  assert.throws(
    () => loadManifestFile("/etc/passwd/x.json"),
    (e: unknown) =>
      e instanceof ManifestError &&
      /cannot read the manifest: ENOTDIR: not a directory/.test(e.diagnostics[0].message),
  );
  assert.throws(
    () => parseManifestText('"ab\ncd"', "m.json"),
    (e: unknown) =>
      e instanceof ManifestError &&
      e.diagnostics[0].message.startsWith("invalid JSON at line 1, column 4: a control character"),
  );
  assert.throws(
    () => parseManifestText('[\n"ab\ncd"]', "m.json"),
    (e: unknown) =>
      e instanceof ManifestError &&
      e.diagnostics[0].message.startsWith("invalid JSON at line 2, column 4: "),
  );
});

test("JSON numbers, spaces in strings and digits are read as JSON reads them", () => {
  assert.equal(findJsonError('{"a b": "c d", "n": [9, 1.55, 1e10, 2E+5, -0.25e-3]}'), undefined);
  // The x after each value, at the offset just past the value and its comma and space.
  for (const [text, offset] of [
    ["[1.55, x]", 7],
    ["[1e10, x]", 7],
    ["[1e+55, x]", 8],
    ["[9, x]", 4],
    ['["a b", x]', 8],
  ] as const)
    assert.deepEqual(findJsonError(text), { offset, reason: 'unexpected "x", expected a value' });
});

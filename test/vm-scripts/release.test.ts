// src/render/vm/release.py unpack, run by python3 on bundles that renderBundle (the product's own
// code) builds, and on bundles broken one way at a time: each refusal is one line and exit 1,
// with nothing written.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import type { ConfigFile } from "../../src/render/app-config";
import { renderBundle } from "../../src/render/bundle";
import { scriptDirs, type After } from "./support";

const FILES: ConfigFile[] = [
  { path: "compose.yaml", content: "services:\n  api:\n    image: api:1\n", permissions: "0644" },
  { path: "caddy/Caddyfile", content: ":80 {\n\treverse_proxy api:8080\n}\n", permissions: "0644" },
  { path: "files/api/0/run.sh", content: "#!/bin/sh\necho é 🔑 \u0001\n", permissions: "0755" },
  {
    path: "files/api/1",
    content: Buffer.from([0, 255, 1, 2]).toString("base64"),
    permissions: "0644",
    encoding: "base64",
  },
];
const META = { stack: "dev", vm: "web" };

function tmp(t: After): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "aspire-release-")));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every entry under a folder (folders with a trailing /), sorted. */
function entries(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((e) => (fs.statSync(path.join(dir, e)).isDirectory() ? `${e}/` : e))
    .sort();
}

/** A bundle document as JSON, gzip'ed, written to a file. */
function write(dir: string, doc: unknown, name = "bundle.json.gz"): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, zlib.gzipSync(Buffer.from(JSON.stringify(doc), "utf8")));
  return file;
}

function suite(script: string): void {
  const unpack = (state: string, bundle: string, ...extra: string[]) =>
    spawnSync("python3", [script, "unpack", "--bundle", bundle, "--state", state, ...extra], {
      encoding: "utf8",
    });

  test("unpack: writes the release whole under releases/<id>, modes and bytes exact, and prints the id", (t) => {
    const dir = tmp(t);
    const b = renderBundle(FILES, META);
    assert.match(b.id, /^[0-9a-f]{16}$/);
    assert.equal(
      b.id,
      crypto.createHash("sha256").update(b.json).digest("hex").slice(0, 16),
      "the id is the JSON's hash",
    );
    assert.equal(zlib.gunzipSync(b.gz).toString("utf8"), b.json);
    const bundle = path.join(dir, "b.json.gz");
    fs.writeFileSync(bundle, b.gz);
    const state = path.join(dir, "state");
    const r = unpack(state, bundle, "--id", b.id);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${b.id}\n`);
    assert.equal(r.stderr, "");
    const rel = path.join(state, "releases", b.id);
    assert.deepEqual(entries(path.join(state, "releases")), [
      `${b.id}/`,
      `${b.id}/caddy/`,
      `${b.id}/caddy/Caddyfile`,
      `${b.id}/compose.yaml`,
      `${b.id}/files/`,
      `${b.id}/files/api/`,
      `${b.id}/files/api/0/`,
      `${b.id}/files/api/0/run.sh`,
      `${b.id}/files/api/1`,
    ]);
    for (const f of FILES) {
      const bytes = fs.readFileSync(path.join(rel, f.path));
      assert.deepEqual(bytes, Buffer.from(f.content, f.encoding === "base64" ? "base64" : "utf8"));
      assert.equal(
        (fs.statSync(path.join(rel, f.path)).mode & 0o777).toString(8),
        f.permissions.slice(1),
      );
    }
    // Again: the release is there already; the same id, nothing rewritten.
    const again = unpack(state, bundle);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stdout, `${b.id}\n`);
  });

  test("unpack: the id does not depend on the files' order, and changes with any byte", () => {
    const a = renderBundle(FILES, META);
    assert.equal(renderBundle([...FILES].reverse(), META).id, a.id);
    const changed = FILES.map((f, i) => (i === 0 ? { ...f, content: f.content + " " } : f));
    assert.notEqual(renderBundle(changed, META).id, a.id);
    assert.notEqual(renderBundle(FILES, { ...META, vm: "data" }).id, a.id);
    const mode = FILES.map((f, i) => (i === 0 ? { ...f, permissions: "0755" } : f));
    assert.notEqual(renderBundle(mode, META).id, a.id);
    assert.throws(() => renderBundle([FILES[0], FILES[0]], META), /two files at compose\.yaml/);
  });

  const doc = () => JSON.parse(renderBundle(FILES, META).json) as Record<string, unknown>;
  const withFile = (f: Record<string, unknown>) => {
    const d = doc();
    d.files = [...(d.files as Record<string, unknown>[]), f].sort((x, y) =>
      String(x.path) < String(y.path) ? -1 : 1,
    );
    return d;
  };
  const file = (p: string) => ({ path: p, mode: "0644", text: "x" });
  const refusals: [string, () => unknown, RegExp][] = [
    ["not JSON", () => "not json", /is not UTF-8 JSON/],
    [
      "another format",
      () => ({ ...doc(), format: "aspire-arm-bundle/2" }),
      /format is "aspire-arm-bundle\/2", not aspire-arm-bundle\/1/,
    ],
    ["an unknown field", () => ({ ...doc(), extra: 1 }), /unknown fields: extra/],
    ["files not a list", () => ({ ...doc(), files: {} }), /files is not a list/],
    ["an absolute path", () => withFile(file("/etc/passwd")), /path "\/etc\/passwd" is absolute/],
    ["a .. component", () => withFile(file("units/../../x")), /bad component "\.\."/],
    ["a . component", () => withFile(file("./x")), /bad component "\."/],
    ["an empty component", () => withFile(file("units//x")), /bad component ""/],
    ["a space", () => withFile(file("a b")), /bad component "a b"/],
    ["a backslash", () => withFile(file("a\\b")), /bad component/],
    ["a duplicate", () => withFile(file("compose.yaml")), /path "compose\.yaml" is a duplicate/],
    [
      "out of order",
      () => ({ ...doc(), files: [...(doc().files as unknown[])].reverse() }),
      /out of order/,
    ],
    [
      "a file under a file",
      () => withFile(file("compose.yaml/x")),
      /"compose\.yaml" is both a file and a folder/,
    ],
    [
      "mode 0777",
      () => withFile({ ...file("z"), mode: "0777" }),
      /z: mode "0777" is not 0644 or 0755/,
    ],
    ["mode 4755", () => withFile({ ...file("z"), mode: "4755" }), /mode "4755"/],
    ["mode as a number", () => withFile({ ...file("z"), mode: 420 }), /mode 420/],
    [
      "text and base64",
      () => withFile({ ...file("z"), base64: "eA==" }),
      /exactly one of text and base64/,
    ],
    [
      "bad base64",
      () => withFile({ path: "z", mode: "0644", base64: "!!" }),
      /z: base64 is not valid/,
    ],
    [
      "too large",
      () => withFile({ path: "z", mode: "0644", text: "x".repeat(17 * 1024 * 1024) }),
      /more than 16777216 bytes/,
    ],
  ];
  for (const [what, make, message] of refusals)
    test(`unpack refuses ${what}: one line on stderr, exit 1, nothing written`, (t) => {
      const dir = tmp(t);
      const made = make();
      const bundle =
        typeof made === "string"
          ? (fs.writeFileSync(path.join(dir, "b.gz"), zlib.gzipSync(made)), path.join(dir, "b.gz"))
          : write(dir, made);
      const state = path.join(dir, "state");
      const r = unpack(state, bundle);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /^aspire-arm: release: error: [^\n]+\n$/);
      assert.equal(r.stdout, "");
      assert.deepEqual(entries(state), []);
    });

  test("unpack refuses a wrong --id, a malformed --id, a missing file, gzip that is cut short, and plain JSON", (t) => {
    const dir = tmp(t);
    const b = renderBundle(FILES, META);
    const bundle = path.join(dir, "b.json.gz");
    fs.writeFileSync(bundle, b.gz);
    const state = path.join(dir, "state");
    const cut = path.join(dir, "cut.gz");
    fs.writeFileSync(cut, b.gz.subarray(0, b.gz.length - 10));
    const plain = path.join(dir, "plain.json");
    fs.writeFileSync(plain, b.json);
    const cases: [string[], RegExp][] = [
      [
        [bundle, "--id", "0123456789abcdef"],
        new RegExp(`release id is ${b.id}, not 0123456789abcdef`),
      ],
      [[bundle, "--id", "../x"], /--id "\.\.\/x" is not 16 lowercase hex digits/],
      [[path.join(dir, "missing")], /cannot read the bundle/],
      [[cut], /not one whole gzip stream/],
      [[plain], /is not gzip data/],
    ];
    for (const [[file, ...extra], message] of cases) {
      const r = unpack(state, file, ...extra);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /^aspire-arm: release: error: [^\n]+\n$/);
      assert.match(r.stderr, message);
      assert.deepEqual(entries(state), []);
    }
  });

  test("unpack: a releases folder that cannot be made: one line, exit 1, no release", (t) => {
    const dir = tmp(t);
    const state = path.join(dir, "state");
    const b = renderBundle(FILES, META);
    fs.writeFileSync(path.join(dir, "b.gz"), b.gz);
    fs.mkdirSync(state);
    fs.writeFileSync(path.join(state, "releases"), "a file, not a folder");
    const r = unpack(state, path.join(dir, "b.gz"));
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /^aspire-arm: release: error: cannot write release [0-9a-f]{16} into [^\n]+\n$/,
    );
    assert.deepEqual(entries(state), ["releases"]);
  });
}

for (const { label, dir } of scriptDirs())
  describe(`release.py (${label})`, () => suite(path.join(dir, "release.py")));

// A release bundle as the VM's release.py reads it: the format it accepts, the files in one
// canonical order (so the release id, which release.py recomputes, depends on the files only and
// not on the order they were rendered in), text and bytes, and a refusal of two files at one path.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as zlib from "node:zlib";
import type { ConfigFile } from "../../src/render";
import { renderBundle } from "../../src/render/bundle";
import { vmScript } from "../../src/render/vm-scripts";
import { bundleBytes, bundleFiles } from "../support/delivered";

const meta = { stack: "dev", vm: "app" };
const file = (path: string, content = `# ${path}\n`): ConfigFile => ({
  path,
  content,
  permissions: "0644",
});

/** `count` files of an app folder's kinds, in a scrambled order. */
function scrambled(count: number): ConfigFile[] {
  const files = Array.from({ length: count }, (_, i) =>
    file(
      `${["env", "units", "caddy", "bin"][i % 4]}/f${String((i * 7919) % count).padStart(4, "0")}`,
    ),
  );
  // A fixed shuffle: the order of the digests of the paths.
  const key = (f: ConfigFile) => crypto.createHash("sha256").update(f.path).digest("hex");
  return files.sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

test("a bundle lists its files sorted by path whatever order they come in, so its release id depends on the files only", () => {
  for (const count of [3, 40, 300]) {
    const input = scrambled(count);
    const paths = input.map((f) => f.path);
    const sorted = [...paths].sort();
    assert.notDeepEqual(paths, sorted, "the input is out of order");
    const b = renderBundle(input, meta);
    assert.deepEqual(
      bundleFiles(b.gz).map((f) => f.path),
      sorted,
      `${count} files`,
    );
    const reversed = renderBundle([...input].reverse(), meta);
    assert.equal(reversed.id, b.id);
    assert.equal(reversed.json, b.json);
  }
});

test("two files at one path are refused, naming the path, wherever they are in the input", () => {
  for (const files of [
    [file("compose.yaml"), file("compose.yaml", "other")],
    [file("compose.yaml"), file("caddy/Caddyfile"), file("units/a.service"), file("compose.yaml")],
  ])
    assert.throws(() => renderBundle(files, meta), {
      message: "renderBundle: two files at compose.yaml",
    });
});

test("the bundle's format is the one release.py accepts, its id is the first 16 hex digits of the SHA-256 of its JSON, and it is delivered gzipped", () => {
  const accepted = /^FORMAT = "([^"]+)"$/m.exec(vmScript("release.py"))?.[1];
  assert.ok(accepted, "release.py names the format it accepts");
  const bytes = Buffer.from([0, 255, 128, 10]);
  const b = renderBundle(
    [
      file("compose.yaml", "services: {}\n"),
      {
        path: "mounts/data.bin",
        content: bytes.toString("base64"),
        permissions: "0600",
        encoding: "base64",
      },
    ],
    meta,
  );
  const doc = JSON.parse(b.json) as Record<string, unknown>;
  assert.equal(doc.format, accepted);
  assert.deepEqual([doc.stack, doc.vm], ["dev", "app"]);
  assert.equal(b.id, crypto.createHash("sha256").update(b.json, "utf8").digest("hex").slice(0, 16));
  assert.match(b.id, /^[0-9a-f]{16}$/);
  assert.equal(zlib.gunzipSync(b.gz).toString("utf8"), b.json);
  // Text travels as text, bytes that are not UTF-8 as base64, each with its mode.
  assert.deepEqual(bundleFiles(b.gz), [
    { mode: "0644", path: "compose.yaml", text: "services: {}\n" },
    { base64: "AP+ACg==", mode: "0600", path: "mounts/data.bin" },
  ]);
  assert.deepEqual(bundleBytes(b.gz).get("mounts/data.bin"), bytes);
});

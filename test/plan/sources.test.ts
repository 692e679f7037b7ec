// The deployer's files one by one (src/plan/sources.ts): the source root, a path inside or outside
// it (as written and through links), a bind mount's files and the limits that refuse it, and the
// paths each kind of build reads. deployer-files.test.ts tests the same through whole plans.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ComputeResource, Diagnostic } from "../../src/manifest";
import { MAX_BIND_MOUNT_BYTES, MAX_BIND_MOUNT_FILES } from "../../src/plan";
import {
  bindMountSource,
  buildInputProblems,
  buildInputs,
  sourceProblem,
  sourceRoot,
  type SourceRoot,
} from "../../src/plan/sources";
import { manifestOf, tempDir } from "./plan-support";

const FIX =
  "Keep the file inside the app's folder, or set aspire:sourceRoot to a folder that holds it (never a system folder).";

/** <box>/outside/secret.txt, <box>/sol/App.AppHost, <box>/link -> sol; the root is <box>/sol. */
function box() {
  const dir = fs.realpathSync(tempDir("sources"));
  const sol = path.join(dir, "sol");
  fs.mkdirSync(path.join(sol, "App.AppHost"), { recursive: true });
  fs.mkdirSync(path.join(dir, "outside"));
  fs.writeFileSync(path.join(dir, "outside/secret.txt"), "s");
  fs.symlinkSync("sol", path.join(dir, "link"));
  return { dir, sol, root: sourceRoot(path.join(sol, "App.AppHost")) };
}

/** bindMountSource of `written` (relative to the AppHost folder), with its errors and warnings. */
function mount(root: SourceRoot, sol: string, written: string) {
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const resolved = path.resolve(sol, "App.AppHost", written);
  const source = bindMountSource(
    root,
    written,
    resolved,
    "web",
    "bindMounts[0].source",
    errors,
    warnings,
  );
  return { source, errors: errors.map((e) => e.message), warnings: warnings.map((w) => w.message) };
}

test("the source root is the folder above the AppHost's, as written and as its real path, also when it does not exist", () => {
  const b = box();
  assert.deepEqual(b.root, { shown: b.sol, real: b.sol });
  const viaLink = sourceRoot(path.join(b.dir, "link/App.AppHost"));
  assert.deepEqual(viaLink, { shown: path.join(b.dir, "link"), real: b.sol });
  assert.deepEqual(sourceRoot("/no/such/sol/App.AppHost"), {
    shown: "/no/such/sol",
    real: "/no/such/sol",
  });
  assert.deepEqual(sourceRoot("/no/such/sol/App.AppHost", "/no/such/other"), {
    shown: "/no/such/other",
    real: "/no/such/other",
  });
  // Never the filesystem root: the AppHost's own folder instead.
  assert.deepEqual(sourceRoot("/App.AppHost"), { shown: "/App.AppHost", real: "/App.AppHost" });
  fs.rmSync(b.dir, { recursive: true, force: true });
});

test("a path is the app's when it is inside the root as written or as its real path, and its real path is inside", () => {
  const b = box();
  fs.writeFileSync(path.join(b.sol, "app.conf"), "x");
  fs.symlinkSync("../outside/secret.txt", path.join(b.sol, "out.conf"));
  assert.equal(sourceProblem(b.root, "../app.conf", path.join(b.sol, "app.conf")), undefined);
  assert.equal(sourceProblem(b.root, "..", b.sol), undefined);
  // Written through a link to the root: inside the root's real path once resolved.
  const viaLink = sourceRoot(path.join(b.dir, "link/App.AppHost"));
  assert.equal(sourceProblem(viaLink, "../app.conf", path.join(b.dir, "link/app.conf")), undefined);
  assert.equal(
    sourceProblem(b.root, "../../outside/secret.txt", path.join(b.dir, "outside/secret.txt")),
    `"../../outside/secret.txt" resolves outside the app's source root ${b.sol}. ${FIX}`,
  );
  assert.equal(
    sourceProblem(b.root, "../out.conf", path.join(b.sol, "out.conf")),
    `"../out.conf" resolves outside the app's source root ${b.sol} through a symbolic link (to ${path.join(b.dir, "outside/secret.txt")}). ${FIX}`,
  );
  fs.rmSync(b.dir, { recursive: true, force: true });
});

test("a bind mount's files: sorted, with their sizes and execute bits; a single file is a file", () => {
  const b = box();
  const cfg = path.join(b.sol, "cfg");
  fs.mkdirSync(path.join(cfg, "sub"), { recursive: true });
  for (const name of ["m.conf", "z.conf", "a.conf", "sub/b.txt", "k.conf"])
    fs.writeFileSync(path.join(cfg, name), name);
  fs.writeFileSync(path.join(cfg, "run.sh"), "#!/bin/sh\n", { mode: 0o755 });
  const folder = mount(b.root, b.sol, "../cfg");
  assert.deepEqual(folder.errors, []);
  assert.equal(folder.source.kind, "directory");
  assert.deepEqual(
    folder.source.kind === "directory" &&
      folder.source.files.map((f) => [f.path, f.bytes, f.executable, f.source]),
    [
      ["a.conf", 6, false, path.join(cfg, "a.conf")],
      ["k.conf", 6, false, path.join(cfg, "k.conf")],
      ["m.conf", 6, false, path.join(cfg, "m.conf")],
      ["run.sh", 10, true, path.join(cfg, "run.sh")],
      ["sub/b.txt", 9, false, path.join(cfg, "sub/b.txt")],
      ["z.conf", 6, false, path.join(cfg, "z.conf")],
    ],
  );
  assert.deepEqual(mount(b.root, b.sol, "../cfg/run.sh").source, {
    kind: "file",
    files: [{ path: "", source: path.join(cfg, "run.sh"), bytes: 10, executable: true }],
  });
  fs.rmSync(b.dir, { recursive: true, force: true });
});

test("a bind mount's files come in the same order on every deployer: sorted as JavaScript sorts names, not as the platform lists them", () => {
  const b = box();
  const cfg = path.join(b.sol, "cfg");
  fs.mkdirSync(cfg);
  // Linux lists these by their UTF-8 bytes (U+FF01 before U+1F600); a JavaScript sort, by UTF-16
  // code units, puts the emoji (a surrogate pair, 0xD83D...) first.
  const names = ["\u{ff01}.conf", "\u{1f600}.conf", "b.conf", "a.conf"];
  for (const name of names) fs.writeFileSync(path.join(cfg, name), name);
  const folder = mount(b.root, b.sol, "../cfg");
  assert.deepEqual(
    folder.source.kind === "directory" && folder.source.files.map((f) => f.path),
    [...names].sort(),
  );
  assert.deepEqual([...names].sort(), ["a.conf", "b.conf", "\u{1f600}.conf", "\u{ff01}.conf"]);
  fs.rmSync(b.dir, { recursive: true, force: true });
});

test("a refused bind mount is missing, with one error: outside, a link out, a link loop, a pipe", () => {
  const b = box();
  const cfg = path.join(b.sol, "cfg");
  fs.mkdirSync(cfg);
  const refused = (written: string) => {
    const r = mount(b.root, b.sol, written);
    assert.deepEqual(r.source, { kind: "missing" }, written);
    assert.equal(r.errors.length, 1, written);
    return r.errors[0];
  };
  assert.equal(
    refused("../../outside"),
    `bind mount source "../../outside" resolves outside the app's source root ${b.sol}. ${FIX}`,
  );
  fs.symlinkSync(".", path.join(cfg, "loop"));
  assert.equal(refused("../cfg"), `bind mount source "../cfg" holds a symbolic link loop at loop.`);
  fs.rmSync(path.join(cfg, "loop"));
  fs.symlinkSync("../../outside/secret.txt", path.join(cfg, "out.conf"));
  assert.equal(
    refused("../cfg"),
    `bind mount source "../cfg" holds out.conf pointing outside the app's source root ${b.sol} (to ${path.join(b.dir, "outside/secret.txt")}): copy the file into the folder instead of linking it.`,
  );
  fs.rmSync(path.join(cfg, "out.conf"));
  execFileSync("mkfifo", [path.join(cfg, "pipe")]);
  assert.equal(
    refused("../cfg/pipe"),
    `bind mount source "../cfg/pipe" is not a regular file or folder (a device, socket or pipe): only files are copied.`,
  );
  // Missing: a warning, not an error.
  const missing = mount(b.root, b.sol, "../nothing");
  assert.deepEqual(
    [missing.source, missing.errors.length, missing.warnings.length],
    [{ kind: "missing" }, 0, 1],
  );
  fs.rmSync(b.dir, { recursive: true, force: true });
});

test(`a bind mount may hold ${MAX_BIND_MOUNT_FILES} files and ${MAX_BIND_MOUNT_BYTES} bytes, not one more`, () => {
  const b = box();
  const many = path.join(b.sol, "many");
  fs.mkdirSync(many);
  for (let i = 0; i < MAX_BIND_MOUNT_FILES; i++) fs.writeFileSync(path.join(many, `f${i}`), "");
  const full = mount(b.root, b.sol, "../many");
  assert.deepEqual(full.errors, []);
  assert.equal(full.source.kind === "directory" && full.source.files.length, MAX_BIND_MOUNT_FILES);
  fs.writeFileSync(path.join(many, "one-more"), "");
  assert.deepEqual(mount(b.root, b.sol, "../many").errors, [
    `bind mount source "../many" holds more than ${MAX_BIND_MOUNT_FILES} files, more than the app config carries: bake them into an image instead.`,
  ]);

  const big = path.join(b.sol, "big.bin");
  fs.writeFileSync(big, "");
  fs.truncateSync(big, MAX_BIND_MOUNT_BYTES);
  assert.deepEqual(mount(b.root, b.sol, "../big.bin").errors, []);
  fs.truncateSync(big, MAX_BIND_MOUNT_BYTES + 1);
  assert.deepEqual(mount(b.root, b.sol, "../big.bin").errors, [
    `bind mount source "../big.bin" holds more than the ${MAX_BIND_MOUNT_BYTES} bytes copied with the app config: bake these files into an image instead.`,
  ]);
  fs.rmSync(b.dir, { recursive: true, force: true });
});

test("the paths a build reads: a project's file, a Dockerfile and its context, file build secrets; an image reads none", () => {
  const m = manifestOf({
    api: { type: "project.v0", path: "../Api/Api.csproj" },
    cache: { type: "container.v0", image: "redis:7" },
    old: { type: "dockerfile.v0", path: "Dockerfile", context: "." },
    worker: {
      type: "container.v1",
      build: {
        context: "../worker",
        dockerfile: "../worker/Dockerfile",
        secrets: {
          npmrc: { type: "file", source: "../worker/.npmrc" },
          apikey: { type: "env", value: "k" },
        },
      },
    },
  });
  const inputs = (name: string) => buildInputs(m.resources.get(name) as ComputeResource);
  assert.deepEqual(inputs("api"), [["path", "/apps/t/Api/Api.csproj"]]);
  assert.deepEqual(inputs("cache"), []);
  assert.deepEqual(inputs("old"), [
    ["context", "/apps/t/App.AppHost"],
    ["path", "/apps/t/App.AppHost/Dockerfile"],
  ]);
  assert.deepEqual(inputs("worker"), [
    ["build.context", "/apps/t/worker"],
    ["build.dockerfile", "/apps/t/worker/Dockerfile"],
    ["build.secrets.npmrc.source", "/apps/t/worker/.npmrc"],
  ]);
  // Outside a root elsewhere: each named as the manifest's folder sees it ("." for the folder).
  const elsewhere = { shown: "/apps/other", real: "/apps/other" };
  const old = m.resources.get("old") as ComputeResource;
  assert.deepEqual(buildInputProblems(elsewhere, "/apps/t/App.AppHost", old), [
    {
      resource: "old",
      field: "context",
      message: `path "." resolves outside the app's source root /apps/other. ${FIX}`,
    },
    {
      resource: "old",
      field: "path",
      message: `path "Dockerfile" resolves outside the app's source root /apps/other. ${FIX}`,
    },
  ]);
  assert.deepEqual(
    buildInputProblems({ shown: "/apps/t", real: "/apps/t" }, "/apps/t/App.AppHost", old),
    [],
  );
});

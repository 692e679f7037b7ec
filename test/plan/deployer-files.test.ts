// The deployer's own files: a manifest may name files inside the app's source root only (the
// folder above the AppHost's unless aspire:sourceRoot says otherwise), links and special files
// included, bind mounts are bounded before anything is read and travel byte-exact in the release, and
// `plan --out` never deletes what it did not write.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { loadManifest, type Diagnostic } from "../../src/manifest";
import {
  buildPlan,
  MAX_BIND_MOUNT_BYTES,
  type DeploymentPlan,
  type PlanOptions,
} from "../../src/plan";
import { renderVm, defaultSecretSource } from "../../src/render";
import { bundleBytes, bundleFiles, type BundleFile } from "../support/delivered";
import { cli } from "./cli-support";
import { readStackConfig } from "../../src/config/stack-config";
import { planErrorsOf, tempDir } from "./plan-support";

const CANARY = "CANARY-deployer-file-4b1d";
const BINARY = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** <box>/outside/secret.txt (never the app's), <box>/sol/{realms,cfg}, <box>/sol/App.AppHost. */
function solution() {
  const box = tempDir("deployer");
  const sol = path.join(box, "sol");
  const appHost = path.join(sol, "App.AppHost");
  for (const d of ["outside", "sol/realms", "sol/cfg/sub", "sol/App.AppHost", "sol/Api"])
    fs.mkdirSync(path.join(box, d), { recursive: true });
  fs.writeFileSync(path.join(box, "outside/secret.txt"), CANARY);
  fs.writeFileSync(path.join(sol, "realms/realm.json"), '{"realm": "demo"}\n');
  fs.writeFileSync(path.join(sol, "cfg/app.conf"), "listen 80;\n");
  fs.writeFileSync(path.join(sol, "cfg/sub/logo.bin"), BINARY);
  fs.writeFileSync(path.join(sol, "cfg/run.sh"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
  fs.symlinkSync("../app.conf", path.join(sol, "cfg/sub/inner-link.conf")); // inside: followed
  fs.writeFileSync(path.join(sol, "Api/Api.csproj"), "<Project />");
  return { box, sol, appHost, cleanup: () => fs.rmSync(box, { recursive: true, force: true }) };
}

function writeManifest(dir: string, resources: Record<string, unknown>): string {
  const file = path.join(dir, "aspire-manifest.json");
  fs.writeFileSync(file, JSON.stringify({ resources }));
  return file;
}

const web = (bindMounts: unknown[]) => ({
  web: { type: "container.v0", image: "docker.io/library/nginx:1.27", bindMounts },
});

function planOf(
  file: string,
  options: Partial<PlanOptions> = {},
): { plan: DeploymentPlan; warnings: readonly Diagnostic[] } {
  const { manifest } = loadManifest(file);
  return buildPlan(manifest, { cloud: "aws", stack: "dev", ...options });
}

const planErrors = (file: string, options: Partial<PlanOptions> = {}): Diagnostic[] =>
  planErrorsOf(() => planOf(file, options));

/** The files of the VM's release, decoded as release.py writes them (base64 included); neither
 *  the release nor the user data holds the file outside the source root. */
function releasedFiles(plan: DeploymentPlan): { bytes: Map<string, Buffer>; files: BundleFile[] } {
  const r = renderVm(plan, plan.vms[0], { secretSource: defaultSecretSource(plan) });
  assert.ok(!zlib.gunzipSync(r.userData).toString("latin1").includes(CANARY));
  assert.ok(!zlib.gunzipSync(r.release.gz).toString("latin1").includes(CANARY));
  assert.ok(!r.cloudConfig.includes("/etc/aspire-arm/app/files/"), "no app file in the user data");
  return { bytes: bundleBytes(r.release.gz), files: bundleFiles(r.release.gz) };
}

test("a bind mount of the AppHost's sibling folder (../realms) is copied into the release, text and binary byte-exact, links inside followed; plan --out writes the same bytes", async () => {
  const s = solution();
  const file = writeManifest(
    s.appHost,
    web([
      { source: "../realms", target: "/opt/keycloak/data/import" },
      { source: "../cfg", target: "/etc/app" },
    ]),
  );
  const { plan, warnings } = planOf(file);
  assert.deepEqual(warnings, []);
  const { bytes, files } = releasedFiles(plan);
  assert.equal(bytes.get("files/web/0/realm.json")?.toString(), '{"realm": "demo"}\n');
  assert.deepEqual(bytes.get("files/web/1/sub/logo.bin"), BINARY);
  assert.equal(bytes.get("files/web/1/sub/inner-link.conf")?.toString(), "listen 80;\n");
  const byPath = new Map(files.map((f) => [f.path, f]));
  assert.equal(byPath.get("files/web/1/run.sh")?.mode, "0755");
  assert.equal(byPath.get("files/web/1/app.conf")?.mode, "0644");
  assert.equal(byPath.get("files/web/1/sub/logo.bin")?.text, undefined, "bytes travel as base64");
  assert.equal(
    byPath.get("files/web/1/sub/logo.bin")?.base64,
    BINARY.toString("base64"),
    "bytes travel as base64",
  );
  assert.equal(byPath.get("files/web/1/app.conf")?.base64, undefined, "text stays text");
  assert.equal(byPath.get("files/web/1/app.conf")?.text, "listen 80;\n", "text stays text");
  // The folder plan --out writes holds the same bytes.
  const out = path.join(s.box, "out");
  const r = await cli("plan", file, "--no-resources", "--out", out);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(fs.readFileSync(path.join(out, "app/files/web/1/sub/logo.bin")), BINARY);
  assert.equal(fs.statSync(path.join(out, "app/files/web/1/run.sh")).mode & 0o777, 0o755);
  s.cleanup();
});

test("sources outside the source root are refused by name, and never read: ../ escapes, absolute paths, /proc, links out", () => {
  const s = solution();
  fs.symlinkSync(path.join(s.box, "outside/secret.txt"), path.join(s.sol, "cfg/leak.txt"));
  fs.symlinkSync(path.join(s.box, "outside"), path.join(s.sol, "outside-dir"));
  const cases: [string, RegExp][] = [
    ["../../outside/secret.txt", /resolves outside the app's source root/],
    ["../../../../../../../../etc/shadow", /resolves outside the app's source root/],
    ["/etc/shadow", /resolves outside/],
    ["/proc/self/environ", /resolves outside/],
    ["../outside-dir", /through a symbolic link/],
    ["../cfg", /holds leak\.txt pointing outside the app's source root/],
  ];
  for (const [source, why] of cases) {
    const errors = planErrors(writeManifest(s.appHost, web([{ source, target: "/x" }])));
    assert.equal(errors.length, 1, `${source}: ${JSON.stringify(errors)}`);
    assert.equal(errors[0].resource, "web");
    assert.equal(errors[0].field, "bindMounts.0.source");
    assert.match(errors[0].message, why, source);
    assert.ok(!errors[0].message.includes(CANARY));
  }
  s.cleanup();
});

test("the root is the folder above the AppHost's by default; aspire:sourceRoot narrows or widens it, never to /", () => {
  const s = solution();
  const file = writeManifest(s.appHost, web([{ source: "../realms", target: "/r" }]));
  assert.match(
    planErrors(file, { sourceRoot: s.appHost })[0].message,
    /outside the app's source root .*App\.AppHost/,
  );
  const out = writeManifest(s.appHost, web([{ source: "../../outside/secret.txt", target: "/s" }]));
  assert.ok(planOf(out, { sourceRoot: s.box }).plan, "a wider root, chosen by the user, holds it");
  // The filesystem root would hold every file of the machine: the AppHost folder is used instead.
  const proc = writeManifest(s.appHost, web([{ source: "/proc/self/environ", target: "/e" }]));
  assert.match(planErrors(proc, { sourceRoot: "/" })[0].message, /outside the app's source root/);
  s.cleanup();
});

test("special files, huge files and too many files are refused from their metadata, before reading", () => {
  const s = solution();
  execFileSync("mkfifo", [path.join(s.sol, "cfg/pipe")]);
  const pipe = planErrors(writeManifest(s.appHost, web([{ source: "../cfg", target: "/c" }])));
  assert.match(pipe[0].message, /holds pipe, which is not a regular file or folder/);
  fs.rmSync(path.join(s.sol, "cfg/pipe"));

  const big = path.join(s.sol, "big.img");
  fs.writeFileSync(big, "");
  fs.truncateSync(big, 4 * 1024 * 1024 * 1024); // sparse: reading it would take seconds and 4 GB
  const started = Date.now();
  assert.match(
    planErrors(writeManifest(s.appHost, web([{ source: "../big.img", target: "/b" }])))[0].message,
    new RegExp(`more than the ${MAX_BIND_MOUNT_BYTES} bytes`),
  );
  assert.ok(Date.now() - started < 1000);

  const many = path.join(s.sol, "many");
  fs.mkdirSync(many);
  for (let i = 0; i < 600; i++) fs.writeFileSync(path.join(many, `f${i}`), "x");
  assert.match(
    planErrors(writeManifest(s.appHost, web([{ source: "../many", target: "/m" }])))[0].message,
    /more than 512 files/,
  );
  s.cleanup();
});

test("a missing source (or a dangling link) is a warning and an empty folder, as before; a dangling link inside is one error", () => {
  const s = solution();
  fs.symlinkSync(path.join(s.sol, "nowhere"), path.join(s.sol, "dangling"));
  const { warnings } = planOf(
    writeManifest(
      s.appHost,
      web([
        { source: "../absent", target: "/a" },
        { source: "../dangling", target: "/d" },
      ]),
    ),
  );
  assert.deepEqual(
    warnings.map((w) => w.field),
    ["bindMounts.0.source", "bindMounts.1.source"],
  );
  assert.match(warnings[0].message, /does not exist here, so the VM gets an empty folder/);
  fs.symlinkSync(path.join(s.sol, "nowhere"), path.join(s.sol, "cfg/dangling"));
  assert.match(
    planErrors(writeManifest(s.appHost, web([{ source: "../cfg", target: "/c" }])))[0].message,
    /cannot be read here \(ENOENT\)/,
  );
  s.cleanup();
});

test("build inputs stay inside the root too: projects, Dockerfiles, contexts, secret files; an image override needs none", () => {
  const s = solution();
  const file = writeManifest(s.appHost, {
    api: { type: "project.v0", path: "../../outside/Evil.csproj" },
    ok: { type: "project.v0", path: "../Api/Api.csproj" },
    img: {
      type: "container.v1",
      build: {
        context: "/",
        dockerfile: "/etc/Dockerfile",
        secrets: { key: { type: "file", source: "/etc/passwd" } },
      },
    },
  });
  const errors = planErrors(file);
  assert.deepEqual(
    errors.map((e) => `${e.resource} ${e.field}`),
    ["api path", "img build.context", "img build.dockerfile", "img build.secrets.key.source"],
  );
  assert.ok(
    planOf(file, {
      images: { api: "registry.example.com/api:1", img: "registry.example.com/img:1" },
    }).plan,
  );
  s.cleanup();
});

test("plan refuses the review's escapes in one line each, exit 1, and writes nothing", async () => {
  const s = solution();
  const file = writeManifest(
    s.appHost,
    web([
      { source: "../cfg", target: "/etc/app" },
      { source: "../../../../../../../etc/shadow", target: "/s" },
      { source: "/proc/self/environ", target: "/env" },
    ]),
  );
  const out = path.join(s.box, "out");
  const r = await cli("plan", file, "--no-resources", "--out", out);
  assert.equal(r.code, 1, r.err);
  const lines = r.err.trimEnd().split("\n");
  assert.deepEqual(
    lines.map((l) => l.replace(/: bind mount source.*/, "")),
    ["aspire-arm: web (bindMounts.1.source)", "aspire-arm: web (bindMounts.2.source)"],
  );
  assert.ok(!fs.existsSync(out), "nothing written");
  s.cleanup();
});

test("plan --out never deletes what it did not write: a non-empty folder without its marker is refused as it is", async () => {
  const s = solution();
  // The reported accident: --out . in an app whose folder is named like the VM.
  const project = path.join(s.box, "proj");
  fs.mkdirSync(path.join(project, "app"), { recursive: true });
  fs.writeFileSync(path.join(project, "app/Program.cs"), "// sources");
  const file = writeManifest(s.appHost, web([]));
  const r = await cli("plan", file, "--no-resources", "--out", project);
  assert.equal(r.code, 2);
  assert.match(r.err, /is not empty and was not written by aspire-arm plan/);
  assert.equal(fs.readFileSync(path.join(project, "app/Program.cs"), "utf8"), "// sources");

  // A folder plan wrote: its VM folders are replaced, anything else in it is kept.
  const out = path.join(s.box, "out");
  assert.equal((await cli("plan", file, "--no-resources", "--out", out)).code, 0);
  fs.writeFileSync(path.join(out, "notes.txt"), "mine");
  fs.writeFileSync(path.join(out, ".aspire-arm-plan"), "app\n..\n/\n../proj\n"); // a tampered marker removes nothing outside
  assert.equal((await cli("plan", file, "--no-resources", "--out", out)).code, 0);
  assert.equal(fs.readFileSync(path.join(out, "notes.txt"), "utf8"), "mine");
  assert.equal(fs.readFileSync(path.join(project, "app/Program.cs"), "utf8"), "// sources");
  assert.ok(fs.existsSync(path.join(out, "app/user-data")));
  // A VM folder of the same name that plan did not list is refused, not replaced.
  fs.writeFileSync(path.join(out, ".aspire-arm-plan"), "");
  const again = await cli("plan", file, "--no-resources", "--out", out);
  assert.equal(again.code, 2);
  assert.match(again.err, /already has app, which plan did not write/);
  s.cleanup();
});

test("stack config: aspire:sourceRoot reaches the plan; aspire:images values follow Docker's reference grammar", () => {
  const ok = readStackConfig({
    "aws:region": "us-east-1",
    "aspire:sourceRoot": "../solution",
    "aspire:images": '{"api": "registry.example.com/api:1.0"}',
  });
  assert.deepEqual(ok.errors, []);
  assert.equal(ok.config.plan.sourceRoot, "../solution");
  const bad = readStackConfig({
    "aws:region": "us-east-1",
    "aspire:images": '{"api": "api:1 $(id)", "web": "Web:latest"}',
  });
  assert.deepEqual(
    bad.errors.map((e) => e.field),
    ["aspire:images.api", "aspire:images.web"],
  );
  assert.match(bad.errors[0].message, /is not an image reference Docker can pull/);
});

test("stack config: aspire:ssh.publicKey is one key on one line (GCP's ssh-keys metadata is a key a line)", () => {
  const ssh = (publicKey: string) =>
    readStackConfig({
      "aws:region": "us-east-1",
      "aspire:ssh": JSON.stringify({ enabled: true, cidrs: ["203.0.113.7/32"], publicKey }),
    }).errors.map((e) => e.field);
  assert.deepEqual(ssh("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE me@host"), []);
  assert.deepEqual(ssh("ssh-ed25519 AAAAC3Nza\nroot:ssh-rsa AAAAB3Nza attacker"), [
    "aspire:ssh.publicKey",
  ]);
  assert.deepEqual(ssh("ssh-ed25519 AAAAC3Nza me\rroot:ssh-rsa AAAAB3Nza"), [
    "aspire:ssh.publicKey",
  ]);
});

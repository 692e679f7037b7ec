// `aspire-arm plan`: usage errors, the files --out writes for each runtime, the --json shape, and
// manifests that cannot run on Arm. main() in-process; one child process for the real exit code.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as crypto from "node:crypto";
import * as zlib from "node:zlib";
import { bundleBytes, bundleFiles } from "../support/delivered";
import { repoRoot } from "../support/paths";
import { cli, jsonPlanOf } from "./cli-support";
import {
  bulkyManifest,
  filesUnder,
  fixture,
  starterManifest,
  tempDir,
  writeFilesOf,
} from "./plan-support";

// ---- usage errors -------------------------------------------------------------------------------------

test("plan with an unknown option: exit 2, the option named with the usage line, nothing on stdout", async () => {
  const r = await cli("plan", starterManifest, "--bogus");
  assert.equal(r.code, 2);
  assert.equal(r.out, "");
  assert.ok(
    r.err.startsWith("aspire-arm: plan: unknown option --bogus. Usage: aspire-arm plan MANIFEST"),
    r.err,
  );
});

test("plan without a manifest (and no stack file naming one): exit 2, asking for the manifest", async () => {
  const r = await cli("plan");
  assert.equal(r.code, 2);
  assert.equal(r.out, "");
  assert.ok(r.err.startsWith("aspire-arm: plan: give the manifest to plan"), r.err);
});

test("plan --cloud azure: exit 2, naming the two clouds", async () => {
  const r = await cli("plan", starterManifest, "--cloud", "azure");
  assert.equal(r.code, 2);
  assert.equal(r.out, "");
  assert.ok(r.err.startsWith('aspire-arm: plan: --cloud must be aws or gcp, not "azure".'), r.err);
});

test("plan --runtime jvm and a --set without `=`: exit 2 each", async () => {
  const runtime = await cli("plan", starterManifest, "--runtime", "jvm");
  assert.equal(runtime.code, 2);
  assert.ok(
    runtime.err.startsWith('aspire-arm: plan: --runtime must be docker or dotnet, not "jvm".'),
    runtime.err,
  );
  const set = await cli("plan", starterManifest, "--set", "novalue");
  assert.equal(set.code, 2);
  assert.ok(
    set.err.startsWith('aspire-arm: plan: --set takes NAME=VALUE, not "novalue".'),
    set.err,
  );
});

test("bin/aspire-arm.js plan --cloud azure exits 2 as a process, without a stack trace", () => {
  const r = spawnSync(
    process.execPath,
    [path.join(repoRoot, "bin/aspire-arm.js"), "plan", starterManifest, "--cloud", "azure"],
    { cwd: tempDir("bin"), encoding: "utf8" },
  );
  assert.equal(r.status, 2);
  assert.equal(r.stdout, "");
  assert.ok(!r.stderr.includes("    at "), r.stderr);
});

// ---- --out --------------------------------------------------------------------------------------------

/** What --out writes for the starter on the docker runtime: the marker and its one VM "app"'s
 *  files: the user data, the release and its files unpacked. */
const DOCKER_APP_OUT = [
  ".aspire-arm-plan",
  "app/bin/apply-tools.py",
  "app/bin/apply.sh",
  "app/bin/cloud-http.py",
  "app/bin/fetch-secrets.py",
  "app/bin/rollout-apply.sh",
  "app/caddy/Caddyfile",
  "app/compose.yaml",
  "app/health.list",
  "app/release-id",
  "app/release.json.gz",
  "app/secrets.list",
  "app/user-data",
];

/** The release --out wrote for a VM: the bundle's files are the folder's, byte for byte and mode
 *  for mode, and release-id is the id release.py computes from the bundle. */
function checkReleaseOut(vmDir: string): Map<string, Buffer> {
  const gz = fs.readFileSync(path.join(vmDir, "release.json.gz"));
  const json = zlib.gunzipSync(gz);
  const id = crypto.createHash("sha256").update(json).digest("hex").slice(0, 16);
  assert.equal(fs.readFileSync(path.join(vmDir, "release-id"), "utf8"), `${id}\n`);
  const files = bundleBytes(gz);
  const modes = new Map(bundleFiles(gz).map((f) => [f.path, f.mode]));
  assert.deepEqual(
    [...files.keys()].sort(),
    filesUnder(vmDir)
      .filter((f) => !["user-data", "release.json.gz", "release-id"].includes(f))
      .sort(),
    "the folder holds the release's files and nothing else beside the user data and the release",
  );
  for (const [p, bytes] of files) {
    assert.deepEqual(fs.readFileSync(path.join(vmDir, p)), bytes, p);
    assert.equal(
      (fs.statSync(path.join(vmDir, p)).mode & 0o777).toString(8).padStart(4, "0"),
      modes.get(p),
      p,
    );
  }
  return files;
}

test("--out with the docker runtime writes DIR/app/user-data (#cloud-config), the release (release.json.gz, release-id) and its files unpacked: compose.yaml, Caddyfile, secrets.list, bin/", async () => {
  const dir = tempDir("out-docker");
  const r = await cli("plan", starterManifest, "--out", dir);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(filesUnder(dir), DOCKER_APP_OUT);
  assert.equal(
    fs.readFileSync(path.join(dir, ".aspire-arm-plan"), "utf8"),
    "app\n",
    "the marker lists the VM folders plan wrote",
  );
  const userData = fs.readFileSync(path.join(dir, "app/user-data"), "utf8");
  assert.ok(userData.startsWith("#cloud-config\n"), userData.slice(0, 80));
  // The user data carries the bootstrap; the app config comes in the release.
  const written = writeFilesOf(userData);
  assert.deepEqual(
    [...written.keys()].filter((p) => p.startsWith("/etc/aspire-arm/app/")),
    [],
    "no app config in the user data",
  );
  assert.match(written.get("/etc/aspire-arm/vm.env") ?? "", /^ASPIRE_RELEASE_SOURCE='aws-s3'$/m);
  const release = checkReleaseOut(path.join(dir, "app"));
  assert.match(release.get("compose.yaml")?.toString() ?? "", /\n {2}caddy:\n/);
  assert.match(release.get("caddy/Caddyfile")?.toString() ?? "", /reverse_proxy webfrontend:/);
  assert.ok(release.get("bin/apply.sh")?.toString().startsWith("#!/usr/bin/env bash\n"));
  assert.ok(r.out.includes(`Wrote ${path.join(dir, "app")}`), r.out);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("--secret-file and --release-file: vm.env names the file sources; a relative path is a usage error", async () => {
  const dir = tempDir("out-file-sources");
  const r = await cli(
    "plan",
    starterManifest,
    "--no-resources",
    "--secret-file",
    "/mnt/t/secrets.json",
    "--release-file",
    "/mnt/t/release 1.json.gz",
    "--out",
    dir,
  );
  assert.equal(r.code, 0, r.err);
  const env = writeFilesOf(fs.readFileSync(path.join(dir, "app/user-data"), "utf8")).get(
    "/etc/aspire-arm/vm.env",
  );
  assert.match(env ?? "", /^ASPIRE_SECRET_SOURCE='file'$/m);
  assert.match(env ?? "", /^ASPIRE_SECRET_FILE='\/mnt\/t\/secrets\.json'$/m);
  assert.match(env ?? "", /^ASPIRE_RELEASE_SOURCE='file'$/m);
  assert.match(env ?? "", /^ASPIRE_RELEASE_FILE='\/mnt\/t\/release 1\.json\.gz'$/m);
  const relative = await cli("plan", starterManifest, "--release-file", "release.json.gz");
  assert.equal(relative.code, 2);
  assert.ok(
    relative.err.startsWith(
      'aspire-arm: plan: --release-file takes an absolute path on the VM, not "release.json.gz".',
    ),
    relative.err,
  );
});

test("--out with split VMs writes one folder per VM", async () => {
  const dir = tempDir("out-split");
  const r = await cli(
    "plan",
    starterManifest,
    "--vm",
    "data=cache",
    "--vm",
    "app=apiservice,webfrontend",
    "--out",
    dir,
  );
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(filesUnder(dir), [
    ...DOCKER_APP_OUT,
    "data/bin/apply-tools.py",
    "data/bin/apply.sh",
    "data/bin/cloud-http.py",
    "data/bin/fetch-secrets.py",
    "data/bin/rollout-apply.sh",
    "data/compose.yaml",
    "data/health.list",
    "data/release-id",
    "data/release.json.gz",
    "data/secrets.list",
    "data/user-data",
  ]);
  for (const vm of ["app", "data"]) {
    assert.ok(
      fs.readFileSync(path.join(dir, vm, "user-data"), "utf8").startsWith("#cloud-config\n"),
      vm,
    );
    checkReleaseOut(path.join(dir, vm));
  }
  assert.notEqual(
    fs.readFileSync(path.join(dir, "app/release-id"), "utf8"),
    fs.readFileSync(path.join(dir, "data/release-id"), "utf8"),
    "a release per VM",
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test("--out with --runtime dotnet writes a systemd unit and an env template per project, and the release brings the ExecStart wrapper", async () => {
  const dir = tempDir("out-dotnet");
  const r = await cli("plan", starterManifest, "--runtime", "dotnet", "--out", dir);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(filesUnder(dir), [
    ".aspire-arm-plan",
    "app/bin/apply-tools.py",
    "app/bin/apply.sh",
    "app/bin/cloud-http.py",
    "app/bin/dotnet-runtimes.py",
    "app/bin/exec-env.py",
    "app/bin/fetch-secrets.py",
    "app/bin/rollout-apply.sh",
    "app/caddy/Caddyfile",
    "app/compose.yaml",
    "app/env/apiservice.env.in",
    "app/env/webfrontend.env.in",
    "app/health.list",
    "app/native.list",
    "app/release-id",
    "app/release.json.gz",
    "app/secrets.list",
    "app/units/aspire-apiservice.service",
    "app/units/aspire-webfrontend.service",
    "app/user-data",
  ]);
  const release = checkReleaseOut(path.join(dir, "app"));
  const api = fs
    .readFileSync(path.join(dir, "app/units/aspire-apiservice.service"), "utf8")
    .split("\n");
  assert.ok(api.includes("DynamicUser=yes"), api.join("\n"));
  assert.ok(api.includes("WorkingDirectory=/opt/aspire-arm/apps/apiservice"), api.join("\n"));
  assert.ok(api.includes("LoadCredential=env:/run/aspire-arm/env/apiservice.env"), api.join("\n"));
  assert.ok(
    api.includes(
      'ExecStart=:/usr/bin/python3 -I -S /etc/aspire-arm/app/bin/exec-env.py "/usr/share/dotnet/dotnet" "/opt/aspire-arm/apps/apiservice/NetAspire.Arm.ApiService.dll"',
    ),
    api.join("\n"),
  );
  const web = fs
    .readFileSync(path.join(dir, "app/units/aspire-webfrontend.service"), "utf8")
    .split("\n");
  assert.ok(
    web.includes(
      'ExecStart=:/usr/bin/python3 -I -S /etc/aspire-arm/app/bin/exec-env.py "/usr/share/dotnet/dotnet" "/opt/aspire-arm/apps/webfrontend/NetAspire.Arm.Web.dll"',
    ),
    web.join("\n"),
  );
  // After the containers (the cache, through the app unit) and the API it calls.
  assert.ok(
    web.includes("After=network-online.target aspire-arm-app.service aspire-apiservice.service"),
    web.join("\n"),
  );
  const env = fs.readFileSync(path.join(dir, "app/env/webfrontend.env.in"), "utf8").split("\n");
  assert.ok(env.includes("HTTP_PORTS=8081"), env.join("\n"));
  assert.ok(
    env.includes("ConnectionStrings__cache=localhost:6379,password=${ASPIRE_P_CACHE_PASSWORD}"),
    env.join("\n"),
  );
  // The compose file still runs the cache, published for the native processes.
  assert.match(fs.readFileSync(path.join(dir, "app/compose.yaml"), "utf8"), /\n {2}cache:\n/);
  assert.equal(release.get("units/aspire-apiservice.service")?.toString(), api.join("\n"));
  // The units' ExecStart wrapper and the runtimes' installer come with the release, in its bin/.
  for (const script of ["bin/exec-env.py", "bin/dotnet-runtimes.py"])
    assert.ok(release.get(script)?.toString().startsWith("#!/usr/bin/env python3\n"), script);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("--out replaces a VM's folder: units of an earlier dotnet plan do not survive a docker plan", async () => {
  const dir = tempDir("out-replace");
  assert.equal((await cli("plan", starterManifest, "--runtime", "dotnet", "--out", dir)).code, 0);
  assert.ok(fs.existsSync(path.join(dir, "app/units")));
  assert.equal((await cli("plan", starterManifest, "--out", dir)).code, 0);
  assert.deepEqual(filesUnder(dir), DOCKER_APP_OUT);
  fs.rmSync(dir, { recursive: true, force: true });
});

// ---- --json ---------------------------------------------------------------------------------------------

test("--json on aws: VMs with their services and the gzipped user data size under the 16 KB limit", async () => {
  const dir = tempDir("json-aws");
  const r = await cli("plan", starterManifest, "--json", "--out", dir);
  const doc = jsonPlanOf(r);
  assert.equal(doc.cloud, "aws");
  assert.equal(doc.stack, "dev");
  assert.equal(doc.manifest, starterManifest);
  assert.deepEqual(
    doc.vms.map((v) => [v.name, v.instanceType, v.os, v.runtime, v.diskSizeGb]),
    [["app", "t4g.small", "ubuntu-24.04", "docker", 20]],
  );
  assert.deepEqual(
    doc.vms[0].services.map((s) => [s.name, s.runAs, s.image]),
    [
      ["cache", "container", "docker.io/library/redis:7.4"],
      ["apiservice", "container", "project build -> apiservice"],
      ["webfrontend", "container", "project build -> webfrontend"],
    ],
  );
  assert.deepEqual(doc.vms[0].secrets, ["cache-password"]);
  const ud = doc.vms[0].userData;
  const cloudConfig = fs.readFileSync(path.join(dir, "app/user-data"));
  assert.equal(ud.encoding, "gzip");
  assert.equal(ud.limit, 16 * 1024);
  assert.equal(ud.uncompressedBytes, cloudConfig.length);
  assert.equal(ud.bytes, zlib.gzipSync(cloudConfig, { level: 9 }).length);
  assert.ok(ud.bytes > 0 && ud.bytes <= ud.limit, `${ud.bytes} bytes`);
  assert.deepEqual(doc.parameters, [
    { name: "cache-password", secret: true, source: "generate", storedOnVm: true },
  ]);
  assert.deepEqual(doc.errors, []);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("--json on gcp: t2a-standard-1, and the user data is sent plain under the 256 KiB limit", async () => {
  const r = await cli("plan", starterManifest, "--cloud", "gcp", "--json");
  const doc = jsonPlanOf(r);
  assert.equal(doc.cloud, "gcp");
  assert.deepEqual(
    doc.vms.map((v) => [v.name, v.instanceType]),
    [["app", "t2a-standard-1"]],
  );
  const ud = doc.vms[0].userData;
  assert.equal(ud.encoding, "plain");
  assert.equal(ud.limit, 256 * 1024);
  assert.equal(ud.bytes, ud.uncompressedBytes);
});

test("--json with split VMs and the dotnet runtime lists each VM's services and how they run", async () => {
  const r = await cli(
    "plan",
    starterManifest,
    "--runtime",
    "dotnet",
    "--vm",
    "data=cache",
    "--vm",
    "app=apiservice,webfrontend",
    "--json",
  );
  const doc = jsonPlanOf(r);
  assert.deepEqual(
    doc.vms.map((v) => [v.name, v.runtime, v.services.map((s) => `${s.name}:${s.runAs}`)]),
    [
      ["data", "dotnet", ["cache:container"]],
      ["app", "dotnet", ["apiservice:native", "webfrontend:native"]],
    ],
  );
});

// ---- manifests that cannot run ---------------------------------------------------------------------------

test("a manifest that cannot run on Arm: exit 1, naming the resource and its image, and writing nothing", async () => {
  const dir = path.join(tempDir("rejected"), "out");
  const file = fixture("plan-rejected-sqlserver.json");
  const r = await cli("plan", file, "--out", dir);
  assert.equal(r.code, 1);
  assert.equal(r.out, "");
  const lines = r.err.trimEnd().split("\n");
  assert.equal(lines.length, 2, r.err);
  assert.ok(
    lines[0].startsWith(
      `aspire-arm: ${file}: sqlserver (image): image mcr.microsoft.com/mssql/server:2022-latest has no linux/arm64 variant`,
    ),
    lines[0],
  );
  assert.ok(
    lines[1].startsWith(
      `aspire-arm: ${file}: orders (env.ConnectionStrings__sqlserver): references unsupported sqlserver`,
    ),
    lines[1],
  );
  assert.equal(fs.existsSync(dir), false);
});

test("plan checks the release's size as pulumi up does: on GCP over the 256 KiB metadata value, exit 1 naming the VM, its size and the limit", async () => {
  const manifest = bulkyManifest(290_000);
  const r = await cli("plan", manifest, "--cloud", "gcp", "--no-resources");
  assert.equal(r.code, 1);
  assert.match(
    r.err,
    /vms\.app.*the app config of VM app is \d+ bytes gzipped and base64-encoded and a GCP metadata value holds 262144: split the app/,
  );
  // On AWS the release goes through S3: the same app plans.
  assert.equal((await cli("plan", manifest, "--no-resources")).code, 0);
});

test("a manifest file that does not exist: exit 1 with one message naming it", async () => {
  const missing = path.join(tempDir("missing"), "aspire-manifest.json");
  const r = await cli("plan", missing);
  assert.equal(r.code, 1);
  assert.equal(r.out, "");
  assert.ok(
    r.err.startsWith(`aspire-arm: ${missing}: cannot read the manifest: no such file.`),
    r.err,
  );
});

test("an unknown resource in --vm: exit 1, naming it and the services there are", async () => {
  const r = await cli("plan", starterManifest, "--vm", "data=redis");
  assert.equal(r.code, 1);
  assert.match(
    r.err,
    /there is no service named redis in the manifest \(services: cache, apiservice, webfrontend\)/,
  );
});

test("parameter names in --set match case-insensitively, as Aspire names do and as buildPlan accepts them", async () => {
  const r = await cli(
    "plan",
    fixture("plan-secrets-canary.json"),
    "--set",
    "API-KEY=x",
    "--set",
    "region=eu",
    "--json",
  );
  const doc = jsonPlanOf(r);
  assert.deepEqual(
    doc.parameters.find((p) => p.name === "api-key"),
    { name: "api-key", secret: true, source: "config", storedOnVm: true },
  );
});

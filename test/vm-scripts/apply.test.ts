// src/render/vm/apply.sh with fake docker and systemctl (they log their argv, and record their
// environment; docker login its stdin), the real fetch-secrets.py with the `file` secret source or
// fake cloud servers, and every path it writes (run, state, systemd units, data disk) redirected
// into a temp folder; against the scripts as they are and as the renderer embeds them.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ECR_PASSWORD, fakeAws, fakeGcp, GCP_TOKEN, scriptDirs, vmEnvText, type After } from "./support";

const SECRET = `p@ss 'w0rd' "$HOME" \`id\` $(id) back\\slash\nline2 🔑`;

const FAKES: Record<string, string> = {
  docker: `case "$1" in
  compose) env -0 >"$FAKE_STATE/docker-env" ;;
  login) cat >"$FAKE_STATE/docker-login-stdin" ;;
esac
exit 0`,
  systemctl: `env -0 >"$FAKE_STATE/systemctl-env"; exit 0`,
};

function unit(name: string): string {
  return `[Unit]\nDescription=aspire-arm ${name}\n[Service]\nExecStart=/usr/bin/dotnet /opt/aspire-arm/apps/${name}/${name}.dll\n`;
}

/** The app config folder's files, by path relative to it. */
type AppConfig = Record<string, string>;

const APP_V1: AppConfig = {
  "compose.yaml": "services:\n  cache:\n    image: redis:7\n",
  "secrets.list": "# store-name variable\ncache-password ASPIRE_P_CACHE_PASSWORD\n",
  "volumes.list": "pg-data\nshop.apphost-48e1ce2b9b-cache\n",
  "units/aspire-api.service": unit("api"),
  "units/aspire-worker.service": unit("worker"),
  "env/api.env.in": "ConnectionStrings__cache=cache:6379,password=${ASPIRE_P_CACHE_PASSWORD}\n",
  "env/worker.env.in": "PRICE=$$5\n",
};

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The fakes' argv during this run. */
  readonly log: string[];
}

function readEnv0(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readFileSync(file, "utf8").split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

interface Options {
  readonly secrets?: Record<string, string>;
  /** vm.env settings over the defaults (file secret source, no registry). */
  readonly vm?: Record<string, string>;
}

function setup(t: After, script: string, o: Options = {}) {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "aspire-apply-")));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const p = {
    dir,
    bin: path.join(dir, "bin"),
    fakeState: path.join(dir, "fake-state"),
    log: path.join(dir, "calls.log"),
    etc: path.join(dir, "etc"),
    app: path.join(dir, "etc", "app"),
    run: path.join(dir, "run", "aspire-arm"),
    state: path.join(dir, "var-lib"),
    systemd: path.join(dir, "systemd"),
    data: path.join(dir, "data"),
    secrets: path.join(dir, "secrets.json"),
  };
  for (const d of [p.bin, p.fakeState, p.etc, p.systemd]) fs.mkdirSync(d, { recursive: true });
  for (const [name, body] of Object.entries(FAKES))
    fs.writeFileSync(path.join(p.bin, name), `#!/bin/bash\nprintf '%s\\n' "$(basename "$0") $*" >>"$FAKE_LOG"\n${body}\n`, { mode: 0o755 });
  fs.writeFileSync(p.secrets, JSON.stringify(o.secrets ?? { "cache-password": SECRET }));
  const vm = { ASPIRE_VM: "web", ASPIRE_RUNTIME: "docker", ASPIRE_NEEDS_DOCKER: "1", ASPIRE_SECRET_SOURCE: "file", ASPIRE_SECRET_PREFIX: "", ASPIRE_SECRET_FILE: p.secrets, ASPIRE_DATA_DISK: "", ASPIRE_DATA_DIR: p.data, ...o.vm };
  fs.writeFileSync(path.join(p.etc, "vm.env"), vmEnvText(vm));

  /** Replaces the app config folder as a whole, like a redeploy does. */
  const deploy = (files: AppConfig) => {
    fs.rmSync(p.app, { recursive: true, force: true });
    for (const [rel, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(p.app, rel)), { recursive: true });
      fs.writeFileSync(path.join(p.app, rel), content);
    }
  };
  const env = (extra: Record<string, string>) => ({
    PATH: `${p.bin}:${process.env.PATH}`,
    HOME: dir,
    FAKE_LOG: p.log,
    FAKE_STATE: p.fakeState,
    ASPIRE_ETC: p.etc,
    ASPIRE_RUN: p.run,
    ASPIRE_STATE: p.state,
    ASPIRE_SYSTEMD_DIR: p.systemd,
    ASPIRE_RETRY_DELAY: "0.01",
    ...extra,
  });
  const result = (code: number | null, stdout: string, stderr: string): Result => {
    const log = fs.existsSync(p.log) ? fs.readFileSync(p.log, "utf8").split("\n").filter(Boolean) : [];
    return { code, stdout, stderr, log };
  };
  const run = (): Result => {
    fs.rmSync(p.log, { force: true });
    const r = spawnSync("bash", [script], { encoding: "utf8", env: env({}) });
    return result(r.status, r.stdout, r.stderr);
  };
  /** Asynchronous, so that fake servers in this process can answer; extra: more environment. */
  const runAsync = (extra: Record<string, string>): Promise<Result> => {
    fs.rmSync(p.log, { force: true });
    return new Promise((resolve) => {
      const child = spawn("bash", [script], { env: env(extra) });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
      child.on("close", (code) => resolve(result(code, stdout, stderr)));
    });
  };
  return { p, deploy, run, runAsync };
}

const calls = (r: Result, command: string) => r.log.filter((l) => l === command || l.startsWith(command + " "));

function assertNoLeak(r: Result, pieces = ["p@ss", "w0rd", "line2", "🔑"]): void {
  for (const piece of pieces) {
    assert.ok(!r.stdout.includes(piece), `stdout shows a piece of the secret: ${piece}`);
    assert.ok(!r.stderr.includes(piece), `stderr shows a piece of the secret: ${piece}`);
  }
}

function suite(script: string): void {
  test("apply: compose up with the secrets in its environment only, never in the output", (t) => {
    const { p, deploy, run } = setup(t, script);
    deploy(APP_V1);
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(calls(r, "docker"), [`docker compose -p aspire -f ${p.app}/compose.yaml up -d --remove-orphans`]);
    const env = readEnv0(path.join(p.fakeState, "docker-env"));
    assert.equal(env.ASPIRE_P_CACHE_PASSWORD, SECRET);
    assert.equal(env.ASPIRE_P_CACHE_PASSWORD_URI, encodeURIComponent(SECRET).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase()));
    // Exported for compose only: systemctl (run later by the same script) does not see them.
    const systemctlEnv = readEnv0(path.join(p.fakeState, "systemctl-env"));
    assert.ok(!Object.keys(systemctlEnv).some((k) => k.startsWith("ASPIRE_P_")));
    assertNoLeak(r);
    for (const l of r.stdout.split("\n").filter(Boolean)) assert.ok(l.startsWith("aspire-arm: "), l);

    // Secrets on tmpfs-like run dir: 0700 folder, 0600 files.
    assert.equal(fs.statSync(p.run).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(p.run, "secrets.env")).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.join(p.run, "env", "api.env")).mode & 0o777, 0o600);
    assert.match(fs.readFileSync(path.join(p.run, "env", "worker.env"), "utf8"), /^PRICE="\\\$5"$/m);
  });

  test("apply: named volume folders exist on the data disk before compose runs", (t) => {
    const { p, deploy, run } = setup(t, script);
    deploy(APP_V1);
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(path.join(p.data, "volumes")).sort(), ["pg-data", "shop.apphost-48e1ce2b9b-cache"]);

    deploy({ ...APP_V1, "volumes.list": "../escape\n" });
    const bad = run();
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /bad volume folder name '\.\.\/escape'/);
    assert.deepEqual(calls(bad, "docker"), []);
  });

  test("apply: native units installed, enabled and restarted without blocking; dropped ones stopped and removed", (t) => {
    const { p, deploy, run } = setup(t, script);
    deploy(APP_V1);
    const first = run();
    assert.equal(first.code, 0, first.stderr);
    assert.equal(fs.readFileSync(path.join(p.systemd, "aspire-api.service"), "utf8"), unit("api"));
    assert.equal(fs.readFileSync(path.join(p.systemd, "aspire-worker.service"), "utf8"), unit("worker"));
    assert.equal(fs.readFileSync(path.join(p.state, "units.installed"), "utf8"), "aspire-api.service\naspire-worker.service\n");
    const sc = calls(first, "systemctl");
    assert.deepEqual(sc, [
      "systemctl daemon-reload",
      "systemctl enable aspire-api.service",
      "systemctl restart --no-block aspire-api.service",
      "systemctl enable aspire-worker.service",
      "systemctl restart --no-block aspire-worker.service",
    ]);
    // Units start after their environment files exist.
    assert.ok(fs.existsSync(path.join(p.run, "env", "api.env")));

    const v2 = { ...APP_V1 };
    delete v2["units/aspire-worker.service"];
    delete v2["env/worker.env.in"];
    deploy(v2);
    const second = run();
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(calls(second, "systemctl"), [
      "systemctl disable --now aspire-worker.service",
      "systemctl daemon-reload",
      "systemctl enable aspire-api.service",
      "systemctl restart --no-block aspire-api.service",
    ]);
    assert.ok(!fs.existsSync(path.join(p.systemd, "aspire-worker.service")));
    assert.ok(fs.existsSync(path.join(p.systemd, "aspire-api.service")));
    assert.equal(fs.readFileSync(path.join(p.state, "units.installed"), "utf8"), "aspire-api.service\n");
    assert.deepEqual(fs.readdirSync(path.join(p.run, "env")), ["api.env"], "the dropped service's secrets file is gone");

    // A unit file that is not ours (not in the record) is never touched.
    fs.writeFileSync(path.join(p.systemd, "someone-else.service"), "[Service]\n");
    const v3 = { ...v2 };
    delete v3["units/aspire-api.service"];
    deploy(v3);
    const third = run();
    assert.equal(third.code, 0, third.stderr);
    assert.deepEqual(calls(third, "systemctl"), ["systemctl disable --now aspire-api.service", "systemctl daemon-reload"]);
    assert.deepEqual(fs.readdirSync(p.systemd), ["someone-else.service"]);
    assert.ok(!fs.existsSync(path.join(p.state, "units.installed")));

    // Nothing native before or now: systemctl is left alone.
    const fourth = run();
    assert.equal(fourth.code, 0, fourth.stderr);
    assert.deepEqual(calls(fourth, "systemctl"), []);
  });

  test("apply: a secret missing from the store stops before compose and names it, without printing values", (t) => {
    const { p, deploy, run } = setup(t, script, { secrets: { other: "p@ss-other" } });
    deploy({ ...APP_V1, "secrets.list": "other ASPIRE_P_OTHER\ncache-password ASPIRE_P_CACHE_PASSWORD\n" });
    const r = run();
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /'cache-password' not found in file source/);
    assert.deepEqual(calls(r, "docker"), []);
    assert.deepEqual(calls(r, "systemctl"), []);
    assertNoLeak(r);
    assert.ok(!fs.existsSync(path.join(p.run, "secrets.env")));
  });

  test("apply: without secrets or templates, the stale secrets are dropped and compose still runs", (t) => {
    const { p, deploy, run } = setup(t, script);
    deploy(APP_V1);
    assert.equal(run().code, 0);
    assert.match(fs.readFileSync(path.join(p.run, "secrets.env"), "utf8"), /^ASPIRE_P_CACHE_PASSWORD=/m);

    deploy({ "compose.yaml": APP_V1["compose.yaml"] });
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readFileSync(path.join(p.run, "secrets.env"), "utf8").split("\n").filter((l) => l && !l.startsWith("#")), []);
    assert.deepEqual(fs.readdirSync(path.join(p.run, "env")), []);
    assert.deepEqual(calls(r, "docker"), [`docker compose -p aspire -f ${p.app}/compose.yaml up -d --remove-orphans`]);
    const env = readEnv0(path.join(p.fakeState, "docker-env"));
    assert.equal(env.ASPIRE_P_CACHE_PASSWORD, undefined);
  });

  test("apply: when compose.yaml goes away, the previous containers are taken down once", (t) => {
    const { p, deploy, run } = setup(t, script);
    deploy(APP_V1);
    assert.equal(run().code, 0);
    const native = { ...APP_V1 };
    delete native["compose.yaml"];
    deploy(native);
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(calls(r, "docker"), ["docker compose -p aspire down --remove-orphans"]);
    const again = run();
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(calls(again, "docker"), []);
    assert.ok(!fs.existsSync(path.join(p.state, "compose.applied")));
  });

  test("apply: ECR login before compose up: user AWS, the password on docker login's stdin only", async (t) => {
    const registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
    const server = await fakeAws(t, { "/aspire-arm/dev/cache-password": SECRET });
    const vm = { ASPIRE_SECRET_SOURCE: "aws-ssm", ASPIRE_SECRET_PREFIX: "/aspire-arm/dev/", ASPIRE_AWS_REGION: "eu-west-1", ASPIRE_REGISTRY: registry };
    const { p, deploy, runAsync } = setup(t, script, { vm });
    deploy(APP_V1);
    const r = await runAsync({ ASPIRE_IMDS_URL: server.base, ASPIRE_SSM_URL: `${server.base}/`, ASPIRE_ECR_URL: `${server.base}/` });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(calls(r, "docker"), [`docker login --username AWS --password-stdin ${registry}`, `docker compose -p aspire -f ${p.app}/compose.yaml up -d --remove-orphans`]);
    assert.equal(fs.readFileSync(path.join(p.fakeState, "docker-login-stdin"), "utf8"), ECR_PASSWORD);
    assertNoLeak(r, [ECR_PASSWORD, "p@ss", "w0rd", "line2", "🔑"]);
    assert.equal(readEnv0(path.join(p.fakeState, "docker-env")).ASPIRE_P_CACHE_PASSWORD, SECRET);
    assert.ok(server.seen.some((s) => s.headers["x-amz-target"] === "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"));
  });

  test("apply: Artifact Registry login before compose up: user oauth2accesstoken, the access token on stdin only", async (t) => {
    const registry = "us-central1-docker.pkg.dev";
    const server = await fakeGcp(t, {});
    const { p, deploy, runAsync } = setup(t, script, { vm: { ASPIRE_SECRET_SOURCE: "gcp-secret-manager", ASPIRE_GCP_PROJECT: "my-proj", ASPIRE_REGISTRY: registry } });
    deploy({ "compose.yaml": APP_V1["compose.yaml"] });
    const r = await runAsync({ ASPIRE_GCE_METADATA_URL: server.base, ASPIRE_SECRETMANAGER_URL: server.base });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(calls(r, "docker"), [`docker login --username oauth2accesstoken --password-stdin ${registry}`, `docker compose -p aspire -f ${p.app}/compose.yaml up -d --remove-orphans`]);
    assert.equal(fs.readFileSync(path.join(p.fakeState, "docker-login-stdin"), "utf8"), GCP_TOKEN);
    assertNoLeak(r, [GCP_TOKEN]);
  });

  test("apply: a registry password that cannot be fetched stops before compose up", async (t) => {
    const server = await fakeAws(t, {}, { ecrError: "AccessDeniedException" });
    const { deploy, runAsync } = setup(t, script, { vm: { ASPIRE_SECRET_SOURCE: "aws-ssm", ASPIRE_AWS_REGION: "eu-west-1", ASPIRE_REGISTRY: "123456789012.dkr.ecr.eu-west-1.amazonaws.com" } });
    deploy({ "compose.yaml": APP_V1["compose.yaml"] });
    const r = await runAsync({ ASPIRE_IMDS_URL: server.base, ASPIRE_ECR_URL: `${server.base}/` });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /ECR GetAuthorizationToken in eu-west-1: HTTP 400 AccessDeniedException/);
    assert.equal(calls(r, "docker").filter((l) => l.startsWith("docker compose")).length, 0);
  });

  test("apply: no registry login without a registry, with the file source, or without containers", (t) => {
    const { p, deploy, run } = setup(t, script, { vm: { ASPIRE_REGISTRY: "registry.example.com" } });
    deploy(APP_V1);
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(calls(r, "docker"), [`docker compose -p aspire -f ${p.app}/compose.yaml up -d --remove-orphans`]);

    // aws-ssm, but nothing to fetch and no containers: no request leaves the VM.
    deploy({ "units/aspire-api.service": unit("api") });
    fs.writeFileSync(path.join(p.etc, "vm.env"), fs.readFileSync(path.join(p.etc, "vm.env"), "utf8").replace("ASPIRE_SECRET_SOURCE='file'", "ASPIRE_SECRET_SOURCE='aws-ssm'"));
    const down = run();
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(calls(down, "docker"), ["docker compose -p aspire down --remove-orphans"]);
  });
}

for (const { label, dir } of scriptDirs()) describe(`apply.sh (${label})`, () => suite(path.join(dir, "apply.sh")));

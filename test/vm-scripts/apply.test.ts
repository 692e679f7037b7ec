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
import {
  calls,
  ECR_PASSWORD,
  fakeAws,
  fakeDotnetFeed,
  fakeGcp,
  GCP_TOKEN,
  installFakes,
  readCalls,
  runtimeConfig,
  scriptDirs,
  vmEnvText,
  type After,
  type ScriptResult,
} from "./support";

const SECRET = `p@ss 'w0rd' "$HOME" \`id\` $(id) back\\slash\nline2 🔑`;

// docker's images are folders under FAKE_IMAGES (see image()); a created container is a file
// under FAKE_STATE/containers naming its image, removed by docker rm.
const FAKES: Record<string, string> = {
  docker: `key() { printf '%s' "$1" | tr '/:@' '___'; }
case "$1" in
  compose) env -0 >"$FAKE_STATE/docker-env" ;;
  login) cat >"$FAKE_STATE/docker-login-stdin" ;;
  pull) [ -d "$FAKE_IMAGES/$(key "$3")" ] || { echo "pull access denied for $3" >&2; exit 1; } ;;
  create)
    [ -d "$FAKE_IMAGES/$(key "$2")" ] || exit 1
    mkdir -p "$FAKE_STATE/containers"
    key "$2" >"$FAKE_STATE/containers/ctr-$(key "$2")"
    echo "ctr-$(key "$2")" ;;
  cp) cp -a "$FAKE_IMAGES/$(cat "$FAKE_STATE/containers/\${2%%:*}")\${2#*:}" "$3" || exit 1 ;;
  rm) rm "$FAKE_STATE/containers/$2" && echo "$2" ;;
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

/** The app config with its compose service's image in `registry`: the release names an image there. */
function withImageIn(registry: string, app: AppConfig): AppConfig {
  return {
    ...app,
    "compose.yaml": app["compose.yaml"].replace(
      "image: redis:7",
      `image: ${registry}/aspire-arm/dev/cache:v1`,
    ),
  };
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
  /** ASP.NET Core runtimes already in the install folder (default 10.0.4: the fallback channel
   *  of the apps without a runtimeconfig.json, so that nothing is downloaded). */
  readonly runtimes?: readonly string[];
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
    apps: path.join(dir, "opt", "apps"),
    images: path.join(dir, "images"),
    dotnet: path.join(dir, "usr-share-dotnet"),
  };
  for (const d of [p.bin, p.fakeState, p.etc, p.systemd]) fs.mkdirSync(d, { recursive: true });
  installFakes(p.bin, FAKES);
  for (const v of o.runtimes ?? ["10.0.4"])
    fs.mkdirSync(path.join(p.dotnet, "shared", "Microsoft.AspNetCore.App", v), { recursive: true });
  fs.writeFileSync(p.secrets, JSON.stringify(o.secrets ?? { "cache-password": SECRET }));
  const vm = {
    ASPIRE_VM: "web",
    ASPIRE_RUNTIME: "docker",
    ASPIRE_NEEDS_DOCKER: "1",
    ASPIRE_SECRET_SOURCE: "file",
    ASPIRE_SECRET_PREFIX: "",
    ASPIRE_SECRET_FILE: p.secrets,
    ASPIRE_DATA_DISK: "",
    ASPIRE_DATA_DIR: p.data,
    ...o.vm,
  };
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
    ASPIRE_APPS_DIR: p.apps,
    ASPIRE_DOTNET_DIR: p.dotnet,
    FAKE_IMAGES: p.images,
    ASPIRE_RETRY_DELAY: "0.01",
    ...extra,
  });
  const result = (code: number | null, stdout: string, stderr: string): ScriptResult => {
    return { code, stdout, stderr, log: readCalls(p.log) };
  };
  /** Runs the script; its log holds this run's fake calls only. */
  const run = (): ScriptResult => {
    fs.rmSync(p.log, { force: true });
    const r = spawnSync("bash", [script], { encoding: "utf8", env: env({}) });
    return result(r.status, r.stdout, r.stderr);
  };
  /** Asynchronous, so that fake servers in this process can answer; extra: more environment. */
  const runAsync = (extra: Record<string, string>): Promise<ScriptResult> => {
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
  /** An image for the fake docker: files by path relative to its root (the app under app/). */
  const image = (ref: string, files: Record<string, string>) => {
    const root = path.join(p.images, ref.replace(/[/:@]/g, "_"));
    for (const [rel, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), content);
    }
  };
  /** The containers the fake docker created and nothing removed. */
  const containers = () =>
    fs.existsSync(path.join(p.fakeState, "containers"))
      ? fs.readdirSync(path.join(p.fakeState, "containers"))
      : [];
  return { p, deploy, run, runAsync, image, containers };
}

function assertNoLeak(r: ScriptResult, pieces = ["p@ss", "w0rd", "line2", "🔑"]): void {
  for (const piece of pieces) {
    assert.ok(!r.stdout.includes(piece), `stdout shows a piece of the secret: ${piece}`);
    assert.ok(!r.stderr.includes(piece), `stderr shows a piece of the secret: ${piece}`);
  }
}

/** Every regular file under a folder, as `path: content`, sorted. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else out.push(`${path.relative(dir, f)}: ${fs.readFileSync(f, "utf8")}`);
    }
  };
  walk(dir);
  return out.sort();
}

const API_V1 = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/aspire-arm/dev/apiservice:v1";
const API_V2 = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/aspire-arm/dev/apiservice:v2";
const WORKER = "registry.example.com/worker@sha256:0123abcd";

/** The docker calls that copy an image's /app out into a folder. */
function extraction(ref: string, dest: string): string[] {
  const id = `ctr-${ref.replace(/[/:@]/g, "_")}`;
  return [
    `docker pull -q ${ref}`,
    `docker create ${ref}`,
    `docker cp ${id}:/app/. ${dest}.new`,
    `docker rm ${id}`,
  ];
}

function suite(script: string): void {
  test("apply: compose up with the secrets in its environment only, never in the output", (t) => {
    const { p, deploy, run } = setup(t, script);
    deploy(APP_V1);
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(calls(r, "docker"), [
      `docker compose -p aspire -f ${p.app}/compose.yaml up -d --remove-orphans`,
    ]);
    const env = readEnv0(path.join(p.fakeState, "docker-env"));
    assert.equal(env.ASPIRE_P_CACHE_PASSWORD, SECRET);
    assert.equal(
      env.ASPIRE_P_CACHE_PASSWORD__URI,
      encodeURIComponent(SECRET).replace(
        /[!'()*]/g,
        (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase(),
      ),
    );
    // Exported for compose only: systemctl (run later by the same script) does not see them.
    const systemctlEnv = readEnv0(path.join(p.fakeState, "systemctl-env"));
    assert.ok(!Object.keys(systemctlEnv).some((k) => k.startsWith("ASPIRE_P_")));
    assertNoLeak(r);
    for (const l of r.stdout.split("\n").filter(Boolean))
      assert.ok(l.startsWith("aspire-arm: "), l);

    // Secrets on tmpfs-like run dir: 0700 folder, 0600 files.
    assert.equal(fs.statSync(p.run).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.join(p.run, "secrets.env")).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.join(p.run, "env", "api.env")).mode & 0o777, 0o600);
    assert.equal(fs.readFileSync(path.join(p.run, "env", "worker.env"), "utf8"), "PRICE=$5\0");
  });

  test("apply: named volume folders exist on the data disk before compose runs", (t) => {
    const { p, deploy, run } = setup(t, script);
    deploy(APP_V1);
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(path.join(p.data, "volumes")).sort(), [
      "pg-data",
      "shop.apphost-48e1ce2b9b-cache",
    ]);

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
    assert.equal(
      fs.readFileSync(path.join(p.systemd, "aspire-worker.service"), "utf8"),
      unit("worker"),
    );
    assert.equal(
      fs.readFileSync(path.join(p.state, "units.installed"), "utf8"),
      "aspire-api.service\naspire-worker.service\n",
    );
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
    assert.equal(
      fs.readFileSync(path.join(p.state, "units.installed"), "utf8"),
      "aspire-api.service\n",
    );
    assert.deepEqual(
      fs.readdirSync(path.join(p.run, "env")),
      ["api.env"],
      "the dropped service's secrets file is gone",
    );

    // A unit file that is not ours (not in the record) is never touched.
    fs.writeFileSync(path.join(p.systemd, "someone-else.service"), "[Service]\n");
    const v3 = { ...v2 };
    delete v3["units/aspire-api.service"];
    deploy(v3);
    const third = run();
    assert.equal(third.code, 0, third.stderr);
    assert.deepEqual(calls(third, "systemctl"), [
      "systemctl disable --now aspire-api.service",
      "systemctl daemon-reload",
    ]);
    assert.deepEqual(fs.readdirSync(p.systemd), ["someone-else.service"]);
    assert.ok(!fs.existsSync(path.join(p.state, "units.installed")));

    // Nothing native before or now: systemctl is left alone.
    const fourth = run();
    assert.equal(fourth.code, 0, fourth.stderr);
    assert.deepEqual(calls(fourth, "systemctl"), []);
  });

  test("apply: a secret missing from the store stops before compose and names it, without printing values", (t) => {
    const { p, deploy, run } = setup(t, script, { secrets: { other: "p@ss-other" } });
    deploy({
      ...APP_V1,
      "secrets.list": "other ASPIRE_P_OTHER\ncache-password ASPIRE_P_CACHE_PASSWORD\n",
    });
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
    assert.match(
      fs.readFileSync(path.join(p.run, "secrets.env"), "utf8"),
      /^ASPIRE_P_CACHE_PASSWORD=/m,
    );

    deploy({ "compose.yaml": APP_V1["compose.yaml"] });
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      fs
        .readFileSync(path.join(p.run, "secrets.env"), "utf8")
        .split("\n")
        .filter((l) => l && !l.startsWith("#")),
      [],
    );
    assert.deepEqual(fs.readdirSync(path.join(p.run, "env")), []);
    assert.deepEqual(calls(r, "docker"), [
      `docker compose -p aspire -f ${p.app}/compose.yaml up -d --remove-orphans`,
    ]);
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
    const vm = {
      ASPIRE_SECRET_SOURCE: "aws-ssm",
      ASPIRE_SECRET_PREFIX: "/aspire-arm/dev/",
      ASPIRE_AWS_REGION: "eu-west-1",
      ASPIRE_REGISTRY: registry,
    };
    const { p, deploy, runAsync } = setup(t, script, { vm });
    deploy(withImageIn(registry, APP_V1));
    const r = await runAsync({
      ASPIRE_IMDS_URL: server.base,
      ASPIRE_SSM_URL: `${server.base}/`,
      ASPIRE_ECR_URL: `${server.base}/`,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(calls(r, "docker"), [
      `docker login --username AWS --password-stdin ${registry}`,
      `docker compose -p aspire -f ${p.app}/compose.yaml up -d --remove-orphans`,
    ]);
    assert.equal(
      fs.readFileSync(path.join(p.fakeState, "docker-login-stdin"), "utf8"),
      ECR_PASSWORD,
    );
    assertNoLeak(r, [ECR_PASSWORD, "p@ss", "w0rd", "line2", "🔑"]);
    assert.equal(readEnv0(path.join(p.fakeState, "docker-env")).ASPIRE_P_CACHE_PASSWORD, SECRET);
    assert.ok(
      server.seen.some(
        (s) =>
          s.headers["x-amz-target"] ===
          "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken",
      ),
    );
  });

  test("apply: Artifact Registry login before compose up: user oauth2accesstoken, the access token on stdin only", async (t) => {
    const registry = "us-central1-docker.pkg.dev";
    const server = await fakeGcp(t, {});
    const { p, deploy, runAsync } = setup(t, script, {
      vm: {
        ASPIRE_SECRET_SOURCE: "gcp-secret-manager",
        ASPIRE_GCP_PROJECT: "my-proj",
        ASPIRE_REGISTRY: registry,
      },
    });
    deploy(withImageIn(registry, { "compose.yaml": APP_V1["compose.yaml"] }));
    const r = await runAsync({
      ASPIRE_GCE_METADATA_URL: server.base,
      ASPIRE_SECRETMANAGER_URL: server.base,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(calls(r, "docker"), [
      `docker login --username oauth2accesstoken --password-stdin ${registry}`,
      `docker compose -p aspire -f ${p.app}/compose.yaml up -d --remove-orphans`,
    ]);
    assert.equal(fs.readFileSync(path.join(p.fakeState, "docker-login-stdin"), "utf8"), GCP_TOKEN);
    assertNoLeak(r, [GCP_TOKEN]);
  });

  test("apply: no registry login when the release names no image in the stack's registry", async (t) => {
    const { deploy, runAsync } = setup(t, script, {
      vm: {
        ASPIRE_SECRET_SOURCE: "aws-ssm",
        ASPIRE_AWS_REGION: "eu-west-1",
        ASPIRE_REGISTRY: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
      },
    });
    deploy({ "compose.yaml": APP_V1["compose.yaml"] });
    // No IMDS or ECR at all: a login would fail the apply.
    const r = await runAsync({
      ASPIRE_IMDS_URL: "http://127.0.0.1:9",
      ASPIRE_ECR_URL: "http://127.0.0.1:9/",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!calls(r, "docker").some((c) => c.startsWith("docker login")));
  });

  test("apply: a registry password that cannot be fetched stops before compose up", async (t) => {
    const server = await fakeAws(t, {}, { ecrError: "AccessDeniedException" });
    const { deploy, runAsync } = setup(t, script, {
      vm: {
        ASPIRE_SECRET_SOURCE: "aws-ssm",
        ASPIRE_AWS_REGION: "eu-west-1",
        ASPIRE_REGISTRY: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
      },
    });
    deploy(
      withImageIn("123456789012.dkr.ecr.eu-west-1.amazonaws.com", {
        "compose.yaml": APP_V1["compose.yaml"],
      }),
    );
    const r = await runAsync({ ASPIRE_IMDS_URL: server.base, ASPIRE_ECR_URL: `${server.base}/` });
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /ECR GetAuthorizationToken in eu-west-1: HTTP 400 AccessDeniedException/,
    );
    assert.equal(calls(r, "docker").filter((l) => l.startsWith("docker compose")).length, 0);
  });

  test("apply: no registry login without a registry, with the file source, or without containers", (t) => {
    const { p, deploy, run } = setup(t, script, {
      vm: { ASPIRE_REGISTRY: "registry.example.com" },
    });
    deploy(APP_V1);
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(calls(r, "docker"), [
      `docker compose -p aspire -f ${p.app}/compose.yaml up -d --remove-orphans`,
    ]);

    // aws-ssm, but nothing to fetch and no containers: no request leaves the VM.
    deploy({ "units/aspire-api.service": unit("api") });
    fs.writeFileSync(
      path.join(p.etc, "vm.env"),
      fs
        .readFileSync(path.join(p.etc, "vm.env"), "utf8")
        .replace("ASPIRE_SECRET_SOURCE='file'", "ASPIRE_SECRET_SOURCE='aws-ssm'"),
    );
    const down = run();
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(calls(down, "docker"), ["docker compose -p aspire down --remove-orphans"]);
  });

  test("apply: native apps are copied out of their images into the apps folder before their units restart, and recorded", (t) => {
    const { p, deploy, run, image, containers } = setup(t, script);
    image(API_V1, {
      "app/api.dll": "api v1",
      "app/only-in-v1.txt": "old",
      "app/wwwroot/index.html": "<p>v1</p>",
      "etc/passwd": "not the app",
    });
    image(WORKER, { "app/worker.dll": "worker" });
    deploy({
      "native.list": `api ${API_V1}\n# a comment\nworker ${WORKER}`,
      "units/aspire-api.service": unit("api"),
      "units/aspire-worker.service": unit("worker"),
    });
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    const api = path.join(p.apps, "api");
    const worker = path.join(p.apps, "worker");
    assert.deepEqual(calls(r, "docker"), [
      ...extraction(API_V1, api),
      ...extraction(WORKER, worker),
    ]);
    assert.deepEqual(tree(api), [
      "api.dll: api v1",
      "only-in-v1.txt: old",
      "wwwroot/index.html: <p>v1</p>",
    ]);
    assert.deepEqual(tree(worker), ["worker.dll: worker"]);
    assert.deepEqual(
      fs.readdirSync(p.apps).sort(),
      ["api", "worker"],
      "no .new or .old folder is left",
    );
    assert.equal(fs.readFileSync(path.join(p.state, "native", "api.image"), "utf8"), `${API_V1}\n`);
    assert.equal(
      fs.readFileSync(path.join(p.state, "native", "worker.image"), "utf8"),
      `${WORKER}\n`,
    );
    assert.deepEqual(containers(), [], "every created container is removed");
    const lastCopy = r.log.lastIndexOf(
      `docker cp ctr-${WORKER.replace(/[/:@]/g, "_")}:/app/. ${worker}.new`,
    );
    assert.ok(
      lastCopy >= 0 && lastCopy < r.log.indexOf("systemctl restart --no-block aspire-api.service"),
      r.log.join("\n"),
    );
    assert.match(
      r.stdout,
      new RegExp(`^aspire-arm: extracting api from ${API_V1.replace(/[.]/g, "\\.")}$`, "m"),
    );
    for (const l of r.stdout.split("\n").filter(Boolean))
      assert.ok(l.startsWith("aspire-arm: "), l);

    // The same images again: nothing is pulled or copied; the units restart all the same.
    const again = run();
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(calls(again, "docker"), []);
    assert.ok(again.log.includes("systemctl restart --no-block aspire-api.service"));
    assert.deepEqual(tree(api), [
      "api.dll: api v1",
      "only-in-v1.txt: old",
      "wwwroot/index.html: <p>v1</p>",
    ]);

    // A missing folder is extracted again, though the record names the same image.
    fs.rmSync(worker, { recursive: true });
    const missing = run();
    assert.equal(missing.code, 0, missing.stderr);
    assert.deepEqual(calls(missing, "docker"), extraction(WORKER, worker));
    assert.deepEqual(tree(worker), ["worker.dll: worker"]);
  });

  test("apply: a new image reference replaces the app folder whole; files only in the old version are gone", (t) => {
    const { p, deploy, run, image, containers } = setup(t, script);
    image(API_V1, {
      "app/api.dll": "api v1",
      "app/only-in-v1.txt": "old",
      "app/wwwroot/index.html": "<p>v1</p>",
    });
    image(API_V2, { "app/api.dll": "api v2", "app/wwwroot/index.html": "<p>v2</p>" });
    const units = { "units/aspire-api.service": unit("api") };
    deploy({ "native.list": `api ${API_V1}\n`, ...units });
    assert.equal(run().code, 0);
    deploy({ "native.list": `api ${API_V2}\n`, ...units });
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    const api = path.join(p.apps, "api");
    assert.deepEqual(calls(r, "docker"), extraction(API_V2, api));
    assert.deepEqual(tree(api), ["api.dll: api v2", "wwwroot/index.html: <p>v2</p>"]);
    assert.deepEqual(fs.readdirSync(p.apps), ["api"]);
    assert.equal(fs.readFileSync(path.join(p.state, "native", "api.image"), "utf8"), `${API_V2}\n`);
    assert.deepEqual(containers(), []);
  });

  test("apply: a failed pull or copy stops before the units, keeps the old app and records nothing", (t) => {
    const { p, deploy, run, image, containers } = setup(t, script);
    image(API_V1, { "app/api.dll": "api v1" });
    image(API_V2, { "not-app/api.dll": "no /app in this image" });
    const units = { "units/aspire-api.service": unit("api") };
    deploy({ "native.list": `api ${API_V1}\n`, ...units });
    assert.equal(run().code, 0);
    const api = path.join(p.apps, "api");

    deploy({ "native.list": `api ${API_V2}\n`, ...units });
    const noApp = run();
    assert.notEqual(noApp.code, 0);
    assert.match(noApp.stderr, /aspire-arm: error: could not copy \/app out of /);
    assert.deepEqual(calls(noApp, "systemctl"), []);
    assert.deepEqual(containers(), [], "the container is removed after a failed copy too");
    assert.deepEqual(tree(api), ["api.dll: api v1"]);
    assert.equal(fs.readFileSync(path.join(p.state, "native", "api.image"), "utf8"), `${API_V1}\n`);

    deploy({ "native.list": `api registry.example.com/missing:1\n`, ...units });
    const noImage = run();
    assert.notEqual(noImage.code, 0);
    assert.match(noImage.stderr, /pull access denied/);
    assert.deepEqual(calls(noImage, "docker"), ["docker pull -q registry.example.com/missing:1"]);
    assert.deepEqual(calls(noImage, "systemctl"), []);
    assert.deepEqual(tree(api), ["api.dll: api v1"]);
    assert.equal(fs.readFileSync(path.join(p.state, "native", "api.image"), "utf8"), `${API_V1}\n`);

    // Then the right image again: nothing to do, the units start.
    deploy({ "native.list": `api ${API_V1}\n`, ...units });
    const fixed = run();
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.deepEqual(calls(fixed, "docker"), []);
    assert.ok(fixed.log.includes("systemctl restart --no-block aspire-api.service"));
  });

  test("apply: a native.list service name that could leave the apps folder is refused before anything changes", (t) => {
    const { p, deploy, run, image } = setup(t, script);
    image(API_V1, { "app/api.dll": "api v1" });
    fs.mkdirSync(path.join(p.dir, "opt", "victim"), { recursive: true });
    for (const name of ["../victim", "..", "Api", "api/x"]) {
      deploy({ "native.list": `${name} ${API_V1}\n`, "units/aspire-api.service": unit("api") });
      const r = run();
      assert.notEqual(r.code, 0, name);
      assert.ok(r.stderr.includes(`native.list: bad service name '${name}'`), r.stderr);
      assert.deepEqual(calls(r, "docker"), [], name);
      assert.deepEqual(calls(r, "systemctl"), [], name);
    }
    assert.ok(fs.existsSync(path.join(p.dir, "opt", "victim")));
    assert.ok(!fs.existsSync(p.apps));
  });

  test("apply: the .NET runtimes the extracted apps' runtimeconfig.json files name are installed before their units restart, once", async (t) => {
    const server = await fakeDotnetFeed(t, [
      { channel: "8.0", version: "8.0.22" },
      { channel: "10.0", version: "10.0.4" },
    ]);
    const { p, deploy, runAsync, image } = setup(t, script, {
      runtimes: [],
      vm: { ASPIRE_DOTNET_CHANNEL: "10.0" },
    });
    image(API_V1, {
      "app/Api.dll": "api",
      "app/Api.runtimeconfig.json": runtimeConfig([["Microsoft.AspNetCore.App", "8.0.0"]], true),
    });
    image(WORKER, { "app/Worker.dll": "worker" });
    deploy({
      "native.list": `api ${API_V1}\nworker ${WORKER}\n`,
      "units/aspire-api.service": unit("api"),
      "units/aspire-worker.service": unit("worker"),
    });
    const r = await runAsync({ ASPIRE_DOTNET_RELEASES: server.releasesUrl });
    assert.equal(r.code, 0, r.stderr);
    // api's runtimeconfig.json names 8.0; worker has none: the fallback channel of vm.env.
    assert.deepEqual(
      fs.readdirSync(path.join(p.dotnet, "shared", "Microsoft.AspNetCore.App")).sort(),
      ["10.0.4", "8.0.22"],
    );
    assert.deepEqual(
      server.seen.map((x) => x.url).filter((u) => u.endsWith(".tar.gz")),
      [
        "/files/8.0.22/aspnetcore-runtime-linux-arm64.tar.gz",
        "/files/10.0.4/aspnetcore-runtime-linux-arm64.tar.gz",
      ],
    );
    assert.match(
      r.stderr,
      /worker: no \*\.runtimeconfig\.json; installing the fallback channel 10\.0/,
    );
    assert.ok(r.log.includes("systemctl restart --no-block aspire-api.service"));

    const again = await runAsync({ ASPIRE_DOTNET_RELEASES: server.releasesUrl });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(server.seen.length, 4, "installed: nothing fetched again");
  });

  test("apply: a runtime that cannot be installed stops before the units change", async (t) => {
    const server = await fakeDotnetFeed(t, [{ channel: "10.0", version: "10.0.4", badHash: true }]);
    const { deploy, runAsync, image } = setup(t, script, { runtimes: [] });
    image(API_V1, {
      "app/Api.dll": "api",
      "app/Api.runtimeconfig.json": runtimeConfig([["Microsoft.AspNetCore.App", "10.0.0"]]),
    });
    deploy({ "native.list": `api ${API_V1}\n`, "units/aspire-api.service": unit("api") });
    const r = await runAsync({ ASPIRE_DOTNET_RELEASES: server.releasesUrl });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /SHA-512 does not match/);
    assert.deepEqual(calls(r, "systemctl"), []);
  });

  test("apply: an app whose line left native.list is removed with its record, after its unit", (t) => {
    const { p, deploy, run, image } = setup(t, script);
    image(API_V1, { "app/api.dll": "api v1" });
    image(WORKER, { "app/worker.dll": "worker" });
    deploy({
      "native.list": `api ${API_V1}\nworker ${WORKER}\n`,
      "units/aspire-api.service": unit("api"),
      "units/aspire-worker.service": unit("worker"),
    });
    assert.equal(run().code, 0);
    fs.writeFileSync(path.join(p.apps, "not-ours.txt"), "kept");

    deploy({ "native.list": `api ${API_V1}\n`, "units/aspire-api.service": unit("api") });
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(calls(r, "docker"), []);
    assert.deepEqual(fs.readdirSync(p.apps).sort(), ["api", "not-ours.txt"]);
    assert.deepEqual(fs.readdirSync(path.join(p.state, "native")), ["api.image"]);
    const out = r.stdout.split("\n");
    const unitGone = out.indexOf(
      "aspire-arm: removing aspire-worker.service (no longer in the app config)",
    );
    const appGone = out.indexOf("aspire-arm: removing app worker (no longer in native.list)");
    assert.ok(unitGone >= 0 && appGone > unitGone, r.stdout);

    // No native.list at all: the last app goes too.
    deploy({ "compose.yaml": APP_V1["compose.yaml"] });
    const none = run();
    assert.equal(none.code, 0, none.stderr);
    assert.deepEqual(fs.readdirSync(p.apps), ["not-ours.txt"]);
    assert.deepEqual(fs.readdirSync(path.join(p.state, "native")), []);
  });

  test("apply: registry login before the pulls when there is only native.list (no compose.yaml)", async (t) => {
    const registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
    const server = await fakeAws(t, {});
    const vm = {
      ASPIRE_RUNTIME: "dotnet",
      ASPIRE_SECRET_SOURCE: "aws-ssm",
      ASPIRE_SECRET_PREFIX: "/aspire-arm/dev/",
      ASPIRE_AWS_REGION: "eu-west-1",
      ASPIRE_REGISTRY: registry,
    };
    const { p, deploy, runAsync, image } = setup(t, script, { vm });
    image(API_V1, { "app/api.dll": "api v1" });
    deploy({ "native.list": `api ${API_V1}\n`, "units/aspire-api.service": unit("api") });
    const r = await runAsync({ ASPIRE_IMDS_URL: server.base, ASPIRE_ECR_URL: `${server.base}/` });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(calls(r, "docker"), [
      `docker login --username AWS --password-stdin ${registry}`,
      ...extraction(API_V1, path.join(p.apps, "api")),
    ]);
    assert.equal(
      fs.readFileSync(path.join(p.fakeState, "docker-login-stdin"), "utf8"),
      ECR_PASSWORD,
    );
    assertNoLeak(r, [ECR_PASSWORD]);
  });
}

for (const { label, dir } of scriptDirs())
  describe(`apply.sh (${label})`, () => suite(path.join(dir, "apply.sh")));

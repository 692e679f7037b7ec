// apply.sh --release ID: releases unpacked by the real release.py from bundles that renderBundle
// builds, applied with fake docker and systemctl (they record their argv; docker answers ps,
// inspect and logs from files each test writes), health-gated by release.py against listeners
// of this process on 127.0.0.1 (the address the fake docker inspect gives every container).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { ConfigFile } from "../../src/render/app-config";
import { renderBundle } from "../../src/render/bundle";
import { calls, fakeScript, installFakes, readCalls, scriptDirs, vmEnvText } from "./support";
import type { After, ScriptResult } from "./support";

// docker compose records the compose file it was given (appended to compose-files, one
// "=== " line before each) and its environment; ps prints FAKE_STATE/ps/<service>; inspect the
// JSON objects of FAKE_STATE/inspect/<id>.json; logs numbered lines, as many as --tail asks.
const FAKES: Record<string, string> = {
  docker: `case "$1" in
  compose)
    case " $* " in
      *" config --format json "*) cat "$FAKE_STATE/compose-config.json"; exit 0 ;;
      *" config --hash "*) for last; do :; done; echo "$last hash-$(cksum <"$5" | cut -d' ' -f1)"; exit 0 ;;
    esac
    env -0 >"$FAKE_STATE/docker-env"
    prev=
    for a in "$@"; do
      case "$prev" in
        -f)
          file="$a"
          case " $* " in *" up -d --remove-orphans "*) { echo "=== $*"; cat "$a"; } >>"$FAKE_STATE/compose-files" ;; esac ;;
        # A second container of the service, with the config hash of the compose file now.
        --scale)
          svc="\${a%=*}"
          if [ "\${a#*=}" = 2 ]; then
            echo "$svc-2" >>"$FAKE_STATE/ps/$svc"
            sed -e "s/$svc-1/$svc-2/g" -e "s/\"hash-[a-z0-9]*\"/\"hash-$(cksum <"$file" | cut -d' ' -f1)\"/" \\
              -e "s/running/$(cat "$FAKE_STATE/new-status" 2>/dev/null || echo running)/" \\
              "$FAKE_STATE/inspect/$svc-1.json" >"$FAKE_STATE/inspect/$svc-2.json"
          fi ;;
      esac
      prev="$a"
    done ;;
  ps) for a in "$@"; do case "$a" in label=com.docker.compose.service=*) cat "$FAKE_STATE/ps/\${a##*=}" 2>/dev/null ;; esac; done ;;
  inspect)
    shift; sep='['
    for id in "$@"; do printf '%s' "$sep"; cat "$FAKE_STATE/inspect/$id.json"; sep=','; done
    echo ']' ;;
  logs) for i in $(seq 1 60); do echo "$4 log line $i"; done | tail -n "$3" ;;
esac
exit 0`,
  systemctl: `[ "$1" != is-active ] || [ -e "$FAKE_STATE/active-$3" ]`,
  journalctl: `for i in $(seq 1 60); do echo "$2 journal line $i"; done | tail -n "$4"`,
};

const SECRETS_LIST = "cache-password ASPIRE_P_CACHE_PASSWORD\n";

function compose(apiImage: string): string {
  return `services:\n  api:\n    image: ${apiImage}\n  cache:\n    image: "redis:7"\n`;
}

/** A release's files: the compose file naming apiImage, the health list with these lines. */
function appConfig(apiImage: string, health: string, extra: Record<string, string> = {}) {
  const files: Record<string, string> = {
    "compose.yaml": compose(apiImage),
    "health.list": `# service runs-as probe target-port [path]\n${health}`,
    "secrets.list": SECRETS_LIST,
    ...extra,
  };
  return Object.entries(files).map(([p, content]): ConfigFile => ({
    path: p,
    content,
    permissions: "0644",
  }));
}

interface ContainerState {
  readonly status?: string;
  readonly health?: string;
  /** Its com.docker.compose.config-hash label (default hash-1); hashOf(compose file) is what
   *  the fake `docker compose config --hash` gives for every service of that file. */
  readonly hash?: string;
  /** Docker's RestartCount: how often the restart policy has started it again. */
  readonly restarts?: number;
  /** HostConfig.RestartPolicy.Name (none: the key is absent). */
  readonly policy?: string;
  readonly exitCode?: number;
}

function hashOf(composeText: string): string {
  const r = spawnSync("cksum", { input: composeText, encoding: "utf8" });
  return `hash-${r.stdout.split(" ")[0]}`;
}

function containerJson(id: string, o: ContainerState = {}): string {
  return JSON.stringify({
    Id: id,
    Name: `/aspire-${id}`,
    Config: { Labels: { "com.docker.compose.config-hash": o.hash ?? "hash-1" } },
    ...(o.restarts !== undefined ? { RestartCount: o.restarts } : {}),
    ...(o.policy !== undefined ? { HostConfig: { RestartPolicy: { Name: o.policy } } } : {}),
    State: {
      Status: o.status ?? "running",
      ExitCode: o.exitCode ?? 0,
      ...(o.health ? { Health: { Status: o.health } } : {}),
    },
    NetworkSettings: { Networks: { aspire_default: { IPAddress: "127.0.0.1" } } },
  });
}

/** A port with a listener (the kernel completes connects, even while this process is blocked). */
async function listening(t: After): Promise<number> {
  const server = net.createServer((c) => c.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function setup(t: After, script: string) {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "aspire-release-apply-")));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const p = {
    bin: path.join(dir, "bin"),
    fake: path.join(dir, "fake-state"),
    log: path.join(dir, "calls.log"),
    etc: path.join(dir, "etc"),
    app: path.join(dir, "etc", "app"),
    state: path.join(dir, "var-lib"),
    secrets: path.join(dir, "secrets.json"),
  };
  for (const d of [p.bin, p.fake, p.etc, path.join(p.fake, "ps"), path.join(p.fake, "inspect")])
    fs.mkdirSync(d, { recursive: true });
  installFakes(p.bin, FAKES);
  const secret = (value: string) =>
    fs.writeFileSync(p.secrets, JSON.stringify({ "cache-password": value }));
  secret("v1-secret");
  fs.writeFileSync(
    path.join(p.etc, "vm.env"),
    vmEnvText({
      ASPIRE_VM: "web",
      ASPIRE_RUNTIME: "docker",
      ASPIRE_SECRET_SOURCE: "file",
      ASPIRE_SECRET_PREFIX: "",
      ASPIRE_SECRET_FILE: p.secrets,
      ASPIRE_DATA_DISK: "",
      ASPIRE_DATA_DIR: path.join(dir, "data"),
    }),
  );
  /** The fake docker's view of a service: its container, and what inspect says of it. */
  const container = (service: string, o: ContainerState = {}) => {
    fs.writeFileSync(path.join(p.fake, "ps", service), `${service}-1\n`);
    fs.writeFileSync(
      path.join(p.fake, "inspect", `${service}-1.json`),
      containerJson(`${service}-1`, o),
    );
  };
  /** Unpacks a release with the real release.py; its id. */
  const unpack = (files: ConfigFile[]): string => {
    const b = renderBundle(files, { stack: "dev", vm: "web" });
    const file = path.join(dir, `${b.id}.json.gz`);
    fs.writeFileSync(file, b.gz);
    const r = spawnSync(
      "python3",
      [
        path.join(path.dirname(script), "release.py"),
        "unpack",
        "--bundle",
        file,
        "--state",
        p.state,
      ],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), b.id);
    return b.id;
  };
  const env = {
    PATH: `${p.bin}:${process.env.PATH}`,
    HOME: dir,
    FAKE_LOG: p.log,
    FAKE_STATE: p.fake,
    ASPIRE_ETC: p.etc,
    ASPIRE_RUN: path.join(dir, "run"),
    ASPIRE_STATE: p.state,
    ASPIRE_SYSTEMD_DIR: path.join(dir, "systemd"),
    ASPIRE_APPS_DIR: path.join(dir, "apps"),
    ASPIRE_HEALTH_TIMEOUT: "1",
    ASPIRE_HEALTH_INTERVAL: "0.1",
  };
  /** apply.sh with these arguments and env overrides, asynchronously (HTTP listeners of this
   *  process answer). */
  const runWith = (extra: Record<string, string>, ...args: string[]): Promise<ScriptResult> => {
    fs.rmSync(p.log, { force: true });
    fs.rmSync(path.join(p.fake, "compose-files"), { force: true });
    return new Promise((resolve) => {
      const child = spawn("bash", [script, ...args], { env: { ...env, ...extra } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
      child.on("close", (code) => resolve({ code, stdout, stderr, log: readCalls(p.log) }));
    });
  };
  const run = (...args: string[]) => runWith({}, ...args);
  /** The compose files docker compose was given in the last run, in order. */
  const composeFiles = (): string[] => {
    const f = path.join(p.fake, "compose-files");
    return fs.existsSync(f)
      ? fs
          .readFileSync(f, "utf8")
          .split(/^=== .*\n/m)
          .filter(Boolean)
      : [];
  };
  const stateFile = (name: string) => {
    const f = path.join(p.state, name);
    return fs.existsSync(f) ? fs.readFileSync(f, "utf8").trim() : undefined;
  };
  const releases = () => fs.readdirSync(path.join(p.state, "releases")).sort();
  const dockerEnv = () => {
    const out: Record<string, string> = {};
    for (const e of fs.readFileSync(path.join(p.fake, "docker-env"), "utf8").split("\0"))
      if (e.includes("=")) out[e.slice(0, e.indexOf("="))] = e.slice(e.indexOf("=") + 1);
    return out;
  };
  /** What `docker compose config --format json` answers. (--hash: the compose file's cksum.) */
  const composeConfig = (doc: object) =>
    fs.writeFileSync(path.join(p.fake, "compose-config.json"), JSON.stringify(doc));
  return {
    p,
    runWith,
    container,
    unpack,
    run,
    composeFiles,
    stateFile,
    releases,
    dockerEnv,
    secret,
    composeConfig,
  };
}

function suite(script: string): void {
  test("a healthy release becomes current, the one before it previous; older releases and their images go", async (t) => {
    const s = setup(t, script);
    const port = await listening(t);
    s.container("api");
    s.container("cache", { health: "healthy" });
    const health = `api container tcp ${port}\ncache container tcp 6379\n`;
    const v1 = s.unpack(appConfig("api:1", health));
    const v2 = s.unpack(appConfig("api:2", health));
    const v3 = s.unpack(appConfig("api:3", health));

    const first = await s.run("--release", v1);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(s.stateFile("current"), v1);
    assert.equal(s.stateFile("previous"), undefined);
    assert.deepEqual(s.composeFiles(), [compose("api:1")]);
    assert.equal(fs.readFileSync(path.join(s.p.app, "compose.yaml"), "utf8"), compose("api:1"));
    assert.match(first.stdout, /^aspire-arm: api is healthy$/m);
    assert.match(first.stdout, new RegExp(`^aspire-arm: release ${v1} is live$`, "m"));
    // v2 and v3, unpacked for later rollouts, stay.
    assert.deepEqual(s.releases(), [v1, v2, v3].sort());
    assert.deepEqual(calls(first, "docker image"), []);

    /** Applies a release that must go live: then current, previous, the releases, the images removed. */
    const live = async (id: string, previous: string, kept: string[], removed: string[]) => {
      const r = await s.run("--release", id);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        [s.stateFile("current"), s.stateFile("previous"), s.releases()],
        [id, previous, kept.sort()],
      );
      assert.deepEqual(calls(r, "docker image"), removed);
      return r;
    };
    await live(v2, v1, [v1, v2, v3], []);
    const third = await live(v3, v2, [v2, v3], ["docker image rm api:1"]);
    // api:1 only v1 named; api:2 is the rollback target's, redis:7 everyone's.
    assert.match(third.stdout, new RegExp(`^aspire-arm: removed release ${v1}$`, "m"));
  });

  test("releases naming images by digest: the dropped release's digest goes, the rollback target's and the shared ones stay", async (t) => {
    const s = setup(t, script);
    const port = await listening(t);
    s.container("api");
    s.container("cache", { health: "healthy" });
    const health = `api container tcp ${port}\ncache container tcp 6379\n`;
    const api = (n: string) => `registry.example/team/api@sha256:${n.repeat(64)}`;
    // The built api's digest changes in each release.
    const [v1, v2, v3] = ["a", "b", "c"].map((n) => s.unpack(appConfig(api(n), health)));
    for (const [id, previous] of [
      [v1, undefined],
      [v2, v1],
    ] as const) {
      const r = await s.run("--release", id);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(s.stateFile("previous"), previous);
      assert.deepEqual(calls(r, "docker image"), []);
    }
    const third = await s.run("--release", v3);
    assert.equal(third.code, 0, third.stderr);
    // Exactly v1's api digest: v2's is the rollback target's, redis everyone's.
    assert.deepEqual(calls(third, "docker image"), [`docker image rm ${api("a")}`]);
    assert.match(
      third.stdout,
      new RegExp(`^aspire-arm: removed image ${api("a").replace(/[.@]/g, "\\$&")}$`, "m"),
    );
  });

  test("an unhealthy release: the failing service's last 50 log lines, the previous release applied again, exit 1", async (t) => {
    const s = setup(t, script);
    const up = await listening(t);
    const down = await closedPort();
    s.container("api");
    const v1 = s.unpack(appConfig("api:1", `api container tcp ${up}\n`));
    const v2 = s.unpack(appConfig("api:2", `api container tcp ${down}\n`));
    assert.equal((await s.run("--release", v1)).code, 0);

    const r = await s.run("--release", v2);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `^aspire-arm: error: api is not healthy after 1 s: aspire-api-1: tcp 127\\.0\\.0\\.1:${down}: `,
        "m",
      ),
    );
    assert.ok(calls(r, "docker logs").includes("docker logs --tail 50 api-1"), r.log.join("\n"));
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("api-1 log line"));
    assert.deepEqual(
      lines,
      Array.from({ length: 50 }, (_, i) => `api-1 log line ${i + 11}`),
    );
    assert.match(
      r.stderr,
      new RegExp(`^aspire-arm: error: release ${v2} failed; rolled back to ${v1}$`, "m"),
    );
    // v2 applied, then v1 again; v1 stays current, and v2 is kept for a look.
    assert.deepEqual(s.composeFiles(), [compose("api:2"), compose("api:1")]);
    assert.equal(fs.readFileSync(path.join(s.p.app, "compose.yaml"), "utf8"), compose("api:1"));
    assert.equal(s.stateFile("current"), v1);
    assert.equal(s.stateFile("previous"), undefined);
    assert.deepEqual(calls(r, "docker image"), []);
  });

  test("the rollback is applied by the previous release's own bin/apply.sh, not by the failed release's", async (t) => {
    const s = setup(t, script);
    const up = await listening(t);
    const down = await closedPort();
    s.container("api");
    // v1's scripts: a stand-in that records its call, then runs this apply.sh.
    const v1 = s.unpack([
      ...appConfig("api:1", `api container tcp ${up}\n`),
      {
        path: "bin/apply.sh",
        content: fakeScript(`exec bash ${script} "$@"`),
        permissions: "0755",
      },
    ]);
    const v2 = s.unpack(appConfig("api:2", `api container tcp ${down}\n`));
    assert.equal((await s.run("--release", v1)).code, 0);
    const r = await s.run("--release", v2);
    assert.equal(r.code, 1);
    assert.deepEqual(calls(r, "apply.sh"), ["apply.sh --apply-app"], "v1's apply.sh, once");
    assert.deepEqual(s.composeFiles(), [compose("api:2"), compose("api:1")]);
    assert.equal(s.stateFile("current"), v1);
    assert.match(r.stderr, new RegExp(`release ${v2} failed; rolled back to ${v1}$`, "m"));
  });

  test("a release whose apply fails (a secret missing) is rolled back too, before any health check", async (t) => {
    const s = setup(t, script);
    const up = await listening(t);
    s.container("api");
    const v1 = s.unpack(appConfig("api:1", `api container tcp ${up}\n`));
    const v2 = s.unpack(
      appConfig("api:2", `api container tcp ${up}\n`, { "secrets.list": "missing ASPIRE_P_X\n" }),
    );
    assert.equal((await s.run("--release", v1)).code, 0);
    const r = await s.run("--release", v2);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /'missing' not found in file source/);
    assert.deepEqual(s.composeFiles(), [compose("api:1")]);
    assert.equal(s.stateFile("current"), v1);
    assert.doesNotMatch(r.stdout, /is healthy/);
  });

  test("the first release, unhealthy: the app config cloud-init wrote is applied again", async (t) => {
    const s = setup(t, script);
    const down = await closedPort();
    s.container("api");
    fs.mkdirSync(s.p.app, { recursive: true });
    fs.writeFileSync(path.join(s.p.app, "compose.yaml"), compose("api:0"));
    const v1 = s.unpack(appConfig("api:1", `api container tcp ${down}\n`));
    const r = await s.run("--release", v1);
    assert.equal(r.code, 1);
    assert.deepEqual(s.composeFiles(), [compose("api:1"), compose("api:0")]);
    assert.equal(s.stateFile("current"), undefined);
    assert.deepEqual(fs.readdirSync(s.p.etc).sort(), ["app", "vm.env"]);
  });

  test("re-applying the current release changes nothing: the same compose file, no scale, no image removed", async (t) => {
    const s = setup(t, script);
    const port = await listening(t);
    s.container("api");
    const health = `api container tcp ${port}\n`;
    const v1 = s.unpack(appConfig("api:1", health));
    const v2 = s.unpack(appConfig("api:2", health));
    assert.equal((await s.run("--release", v1)).code, 0);
    assert.equal((await s.run("--release", v2)).code, 0);
    const again = await s.run("--release", v2);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(s.composeFiles(), [compose("api:2")]);
    assert.deepEqual(
      calls(again, "docker").filter((c) => /--scale|docker (stop|rm|image)/.test(c)),
      [],
    );
    assert.equal(s.stateFile("current"), v2);
    assert.equal(s.stateFile("previous"), v1);
    assert.deepEqual(s.releases(), [v1, v2].sort());
  });

  test("a rotated secret reaches compose's environment in the release that names its new version", async (t) => {
    const s = setup(t, script);
    const port = await listening(t);
    s.container("api");
    const health = `api container tcp ${port}\n`;
    const v1 = s.unpack(
      appConfig("api:1", health, { "secret-versions.list": "cache-password 1\n" }),
    );
    assert.equal((await s.run("--release", v1)).code, 0);
    assert.equal(s.dockerEnv().ASPIRE_P_CACHE_PASSWORD, "v1-secret");
    s.secret("v2-secret");
    const v2 = s.unpack(
      appConfig("api:1", health, { "secret-versions.list": "cache-password 2\n" }),
    );
    assert.notEqual(v2, v1);
    const r = await s.run("--release", v2);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(s.dockerEnv().ASPIRE_P_CACHE_PASSWORD, "v2-secret");
    assert.ok(!r.stdout.includes("v2-secret") && !r.stderr.includes("v2-secret"));
  });

  test("health: a container's own HEALTHCHECK decides over the probes; an HTTP path must answer 2xx or 3xx", async (t) => {
    const s = setup(t, script);
    const statuses: Record<string, number> = { "/ok": 200, "/moved": 302, "/bad": 500 };
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.url ?? "");
      res.writeHead(statuses[req.url ?? ""] ?? 404, { Location: "/elsewhere" });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => server.close());
    const port = (server.address() as net.AddressInfo).port;
    const down = await closedPort();
    // cache's HEALTHCHECK says healthy: its (closed) port is not probed.
    s.container("cache", { health: "healthy" });
    s.container("api");
    const ok = s.unpack(
      appConfig(
        "api:1",
        `api container http ${port} /ok\napi container http ${port} /moved\ncache container tcp ${down}\n`,
      ),
    );
    const r = await s.run("--release", ok);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(seen.sort(), ["/moved", "/ok"], "redirects are not followed");

    const bad = s.unpack(appConfig("api:2", `api container http ${port} /bad\n`));
    const failed = await s.run("--release", bad);
    assert.equal(failed.code, 1);
    assert.match(
      failed.stderr,
      new RegExp(
        `api is not healthy after 1 s: aspire-api-1: GET http://127\\.0\\.0\\.1:${port}/bad: HTTP 500`,
      ),
    );

    s.container("cache", { health: "unhealthy" });
    const sick = s.unpack(appConfig("api:3", `cache container tcp ${port}\n`));
    const r3 = await s.run("--release", sick);
    assert.equal(r3.code, 1);
    assert.match(
      r3.stderr,
      /cache is not healthy after 1 s: aspire-cache-1: its HEALTHCHECK says unhealthy/,
    );

    s.container("cache", { status: "exited" });
    const r4 = await s.run("--release", sick);
    assert.match(
      r4.stderr,
      /cache is not healthy after 1 s: aspire-cache-1 is exited \(exit code 0\)/,
    );
  });

  test("health: a native service needs its unit active and its port answering on 127.0.0.1; journalctl gives its log", async (t) => {
    const s = setup(t, script);
    const port = await listening(t);
    const v1 = s.unpack(appConfig("api:1", `web native tcp ${port}\n`));
    const inactive = await s.run("--release", v1);
    assert.equal(inactive.code, 1);
    assert.match(
      inactive.stderr,
      /web is not healthy after 1 s: aspire-web\.service is not active/,
    );
    assert.ok(inactive.log.includes("journalctl -u aspire-web.service -n 50 --no-pager"));
    assert.match(inactive.stderr, /^aspire-web\.service journal line 60$/m);

    fs.writeFileSync(path.join(s.p.fake, "active-aspire-web.service"), "");
    const r = await s.run("--release", v1);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.log.includes("systemctl is-active --quiet aspire-web.service"));
  });

  test("a changed service behind Caddy starts beside the old container, gated healthy, before the old one stops; one with host ports is recreated by up", async (t) => {
    const s = setup(t, script);
    const port = await listening(t);
    const text = (image: string) =>
      `${compose(image)}  web:\n    image: web:1\n  caddy:\n    image: caddy:2\n`;
    s.container("api", { hash: hashOf(text("api:1")) });
    s.container("web", { hash: hashOf(text("api:1")) });
    const proxied = (image: string) =>
      appConfig(image, `api container tcp ${port}\n`, { "compose.yaml": text(image) });
    const doc = {
      services: {
        api: { image: "api:1" },
        web: { image: "web:1", ports: [{ target: 80, published: "8080" }] },
        caddy: { image: "caddy:2", depends_on: { api: { condition: "service_started" }, web: {} } },
      },
    };
    s.composeConfig(doc);
    const v1 = s.unpack(proxied("api:1"));
    const first = await s.run("--release", v1);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(
      calls(first, "docker").filter((c) => /--scale|docker (stop|rm) /.test(c)),
      [],
      "unchanged: nothing is switched",
    );

    // api and web changed (the compose file did); web publishes a host port.
    const v2 = s.unpack(proxied("api:2"));
    const r = await s.run("--release", v2);
    assert.equal(r.code, 0, r.stderr);
    const f = `-p aspire -f ${s.p.app}/compose.yaml`;
    assert.deepEqual(
      calls(r, "docker").filter((c) => !/docker (ps|inspect|compose .* config)/.test(c)),
      [
        `docker compose ${f} up -d --no-recreate --scale api=2 api`,
        "docker stop api-1",
        "docker rm api-1",
        `docker compose ${f} up -d --no-recreate --scale api=1 api`,
        `docker compose ${f} up -d --remove-orphans`,
      ],
    );
    assert.match(
      r.stdout,
      /aspire-arm: starting a new api container beside the old one\naspire-arm: api is healthy\naspire-arm: stopping the old api container\n/,
    );
  });

  test("a new container behind Caddy that does not become healthy: the old one keeps serving, and the release is rolled back", async (t) => {
    const s = setup(t, script);
    const port = await listening(t);
    const text = (image: string) => `${compose(image)}  caddy:\n    image: caddy:2\n`;
    s.container("api", { hash: hashOf(text("api:1")) });
    const proxied = (image: string) =>
      appConfig(image, `api container tcp ${port}\n`, { "compose.yaml": text(image) });
    s.composeConfig({ services: { api: {}, caddy: { depends_on: { api: {} } } } });
    const v1 = s.unpack(proxied("api:1"));
    assert.equal((await s.run("--release", v1)).code, 0);
    fs.writeFileSync(path.join(s.p.fake, "new-status"), "exited");
    const r = await s.run("--release", s.unpack(proxied("api:2")));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /api is not healthy after 1 s: aspire-api-2 is exited/);
    assert.ok(calls(r, "docker logs").includes("docker logs --tail 50 api-2"));
    assert.ok(!r.log.includes("docker stop api-1"), r.log.join("\n"));
    assert.equal(s.stateFile("current"), v1);
    // The new container is removed before the rollback's up, which then finds api-1 alone, with
    // its hash: nothing to recreate (compose would keep the new one, recreated, and remove api-1).
    const docker = calls(r, "docker").filter(
      (c) => !/docker (ps|inspect|logs|compose .* config)/.test(c),
    );
    const f = `-p aspire -f ${s.p.app}/compose.yaml`;
    assert.deepEqual(docker, [
      `docker compose ${f} up -d --no-recreate --scale api=2 api`,
      "docker rm -f api-2",
      `docker compose ${f} up -d --remove-orphans`,
    ]);
    assert.match(r.stdout, /removing the new api container; the old one keeps serving/);
    assert.match(r.stderr, /the new api container is not healthy/);
    assert.deepEqual(s.composeFiles(), [text("api:1")]);
  });

  test("health: a container exited that its restart policy will not start again fails the gate at once; a restarting one is waited for", async (t) => {
    const s = setup(t, script);
    const port = await listening(t);
    const slow = { ASPIRE_HEALTH_TIMEOUT: "60" };
    const v1 = s.unpack(appConfig("api:1", `api container tcp ${port}\n`));
    const started = Date.now();
    for (const [policy, exit] of [
      ["no", 0],
      ["on-failure", 0],
    ] as const) {
      s.container("api", { status: "exited", policy, exitCode: exit });
      const r = await s.runWith(slow, "--release", v1);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        new RegExp(
          `^aspire-arm: error: api is not healthy: aspire-api-1 is exited \\(exit code 0\\), and its restart policy \\(${policy}\\) does not start it again$`,
          "m",
        ),
      );
      assert.ok(calls(r, "docker logs").includes("docker logs --tail 50 api-1"));
    }
    assert.ok(Date.now() - started < 60_000, `failed after ${Date.now() - started} ms`);

    // Restarting, or exited under a policy that starts it again: it may still come up (a database
    // it needs may be initialising), so the release's gate waits, here its 1 s timeout.
    for (const o of [
      { status: "restarting", restarts: 3, policy: "unless-stopped" },
      { status: "exited", restarts: 3, policy: "on-failure", exitCode: 1 },
    ]) {
      s.container("api", o);
      const waiting = await s.run("--release", v1);
      assert.match(
        waiting.stderr,
        new RegExp(
          `api is not healthy after 1 s: aspire-api-1 is ${o.status} \\(exit code ${o.exitCode ?? 0}\\)$`,
          "m",
        ),
      );
    }
  });

  test("a new container beside the old one that keeps exiting at start fails the switch at once, not at the timeout: the old one keeps serving, and the release is rolled back", async (t) => {
    const s = setup(t, script);
    const port = await listening(t);
    const text = (image: string) => `${compose(image)}  caddy:\n    image: caddy:2\n`;
    s.container("api", { hash: hashOf(text("api:1")), restarts: 2, policy: "unless-stopped" });
    const proxied = (image: string) =>
      appConfig(image, `api container tcp ${port}\n`, { "compose.yaml": text(image) });
    s.composeConfig({ services: { api: {}, caddy: { depends_on: { api: {} } } } });
    const v1 = s.unpack(proxied("api:1"));
    assert.equal(
      (await s.run("--release", v1)).code,
      0,
      "the running container's restarts do not count",
    );
    fs.writeFileSync(path.join(s.p.fake, "new-status"), "restarting");
    const started = Date.now();
    const r = await s.runWith(
      { ASPIRE_HEALTH_TIMEOUT: "60" },
      "--release",
      s.unpack(proxied("api:2")),
    );
    assert.equal(r.code, 1);
    assert.ok(Date.now() - started < 30_000, `failed after ${Date.now() - started} ms`);
    assert.match(
      r.stderr,
      /api is not healthy: aspire-api-2 is restarting \(exit code 0\), restarted 2 times: it keeps exiting/,
    );
    assert.ok(calls(r, "docker logs").includes("docker logs --tail 50 api-2"));
    assert.ok(!r.log.includes("docker stop api-1"), r.log.join("\n"));
    assert.ok(r.log.includes("docker rm -f api-2"), r.log.join("\n"));
    assert.equal(s.stateFile("current"), v1);
  });

  test("caddy reload runs when the Caddyfile changed, and only then", async (t) => {
    const s = setup(t, script);
    const port = await listening(t);
    s.container("api");
    const health = `api container tcp ${port}\n`;
    const withCaddyfile = (image: string, caddyfile: string) =>
      appConfig(image, health, { "caddy/Caddyfile": caddyfile });
    const reloads = (r: ScriptResult) => calls(r, "docker").filter((c) => c.includes(" exec "));
    const first = await s.run("--release", s.unpack(withCaddyfile("api:1", ":80 {\n}\n")));
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(reloads(first), [], "a new Caddy reads its Caddyfile at start");
    const same = await s.run("--release", s.unpack(withCaddyfile("api:2", ":80 {\n}\n")));
    assert.equal(same.code, 0, same.stderr);
    assert.deepEqual(reloads(same), []);
    const changed = await s.run("--release", s.unpack(withCaddyfile("api:2", ":8001 {\n}\n")));
    assert.equal(changed.code, 0, changed.stderr);
    assert.deepEqual(reloads(changed), [
      `docker compose -p aspire -f ${s.p.app}/compose.yaml exec -T caddy caddy reload --config /etc/caddy/Caddyfile`,
    ]);
    assert.ok(
      changed.log.indexOf(reloads(changed)[0]) >
        changed.log.findIndex((c) => c.endsWith("up -d --remove-orphans")),
      "after up",
    );
  });

  test("--release refuses an id that is not 16 hex digits, and one that is not unpacked", async (t) => {
    const s = setup(t, script);
    for (const [arg, message] of [
      ["../x", /--release takes a release id \(16 hex digits\), not '\.\.\/x'/],
      ["0123456789abcdef", /release 0123456789abcdef is not in .*releases/],
    ] as const) {
      const r = await s.run("--release", arg);
      assert.equal(r.code, 1);
      assert.match(r.stderr, message);
      assert.deepEqual(calls(r, "docker"), []);
    }
    assert.match((await s.run("--bogus")).stderr, /usage: apply\.sh \[--release ID\]/);
  });

  test("at boot (no argument) the current release is applied, without a gate", async (t) => {
    const s = setup(t, script);
    const port = await listening(t);
    s.container("api");
    const v1 = s.unpack(appConfig("api:1", `api container tcp ${port}\n`));
    assert.equal((await s.run("--release", v1)).code, 0);
    // Someone edits the working folder: the boot puts the release back.
    fs.writeFileSync(path.join(s.p.app, "compose.yaml"), compose("api:edited"));
    const boot = await s.run();
    assert.equal(boot.code, 0, boot.stderr);
    assert.deepEqual(s.composeFiles(), [compose("api:1")]);
    assert.doesNotMatch(boot.stdout, /is healthy/);
  });
}

for (const { label, dir } of scriptDirs())
  describe(`apply.sh --release (${label})`, () => suite(path.join(dir, "apply.sh")));

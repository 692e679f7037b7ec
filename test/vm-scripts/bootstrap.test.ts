// src/render/vm/bootstrap.sh against fakes: every command it may run to change the machine
// (apt-get, dnf, docker, systemctl, blkid, mkfs.ext4, mount, curl, dotnet, ...) is a script first in
// PATH that appends its argv to a log; state files stand for what is installed. Against the script
// as it is and as the renderer embeds it (see support.ts).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  calls,
  installFakes,
  readCalls,
  scriptDirs,
  vmEnvText,
  type After,
  type ScriptResult,
} from "./support";

const COMPOSE_URL =
  "https://github.com/docker/compose/releases/download/v2.29.7/docker-compose-linux-aarch64";
const COMPOSE_SHA256 = "6e9fbd5daa20dca5d7d89145081ae8155d68ef2928b497d9f85b54fe0f9dbb2c";
const UUID = "11111111-2222-3333-4444-555555555555";

const FAKES: Record<string, string> = {
  "apt-get": `for a in "$@"; do
  case "$a" in
    docker.io)
      touch "$FAKE_STATE/docker"
      [ ! -e "$ASPIRE_DOCKER_DAEMON_JSON" ] || touch "$FAKE_STATE/daemon-json-before-docker" ;;
    docker-compose-v2) touch "$FAKE_STATE/compose" ;;
  esac
done`,
  dnf: `for a in "$@"; do
  case "$a" in
    docker) touch "$FAKE_STATE/docker" ;;
  esac
done`,
  docker: `if [ "$1 $2" = "compose version" ]; then
  [ -e "$FAKE_STATE/docker" ] || exit 127
  if [ -e "$FAKE_STATE/compose" ] || [ -x "$ASPIRE_COMPOSE_PLUGIN_DIR/docker-compose" ]; then echo "Docker Compose version v2.29.7" >&2; exit 0; fi
  echo "docker: 'compose' is not a docker command." >&2; exit 1
fi`,
  systemctl: `[ "$1" != is-active ] || [ -e "$FAKE_STATE/running-\${!#}" ] || exit 3
case "$*" in *"\${FAKE_FAIL_UNIT:-no such unit}"*) exit 1 ;; esac; exit 0`,
  blkid: `dev="\${!#}"
[ -e "$dev" ] || exit 2
content="$(cat "$dev")"
case "$content" in "") exit 2 ;; AMBIVALENT) exit 8 ;; esac
case "$*" in *"-s TYPE"*) echo "$content" ;; *"-s UUID"*) echo ${UUID} ;; esac
exit 0`,
  "mkfs.ext4": `printf ext4 >"\${!#}"`,
  mount: `touch "$FAKE_STATE/mounted"`,
  mountpoint: `[ -e "$FAKE_STATE/mounted" ]`,
  sleep: `n=$(( $(cat "$FAKE_STATE/sleeps" 2>/dev/null || echo 0) + 1 )); echo "$n" >"$FAKE_STATE/sleeps"
if [ -n "\${FAKE_DISK_APPEARS:-}" ] && [ "$n" -ge 2 ]; then : >"$FAKE_DISK_APPEARS"; fi`,
  curl: `out= url=
while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2 ;; -*) shift ;; *) url="$1"; shift ;; esac; done
printf 'fake download of %s\\n' "$url" >"$out"`,
};

/** Logs its stdin (the `HASH  FILE` line) and accepts it: the fake download cannot match the real hash. */
const FAKE_SHA256SUM = `cat >>"$FAKE_LOG"; exit 0`;

const OS_RELEASE: Record<string, string> = {
  ubuntu: 'NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n',
  debian: 'NAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n',
  amzn: 'NAME="Amazon Linux"\nVERSION_ID="2023"\nID="amzn"\nID_LIKE="fedora"\n',
  arch: 'NAME="Arch Linux"\nID=arch\n',
  mint: 'NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n',
  rocky: 'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\n',
};

interface Options {
  readonly os?: string;
  readonly vm?: Record<string, string>;
  /** Installed already: docker, compose */
  readonly state?: readonly string[];
  readonly fakeSha256sum?: boolean;
}

function setup(t: After, script: string, o: Options = {}) {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "aspire-bootstrap-")));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const p = {
    dir,
    bin: path.join(dir, "bin"),
    state: path.join(dir, "state"),
    etc: path.join(dir, "etc"),
    log: path.join(dir, "calls.log"),
    osRelease: path.join(dir, "os-release"),
    fstab: path.join(dir, "fstab"),
    data: path.join(dir, "data"),
    plugins: path.join(dir, "cli-plugins"),
    disk: path.join(dir, "disk.img"),
    systemd: path.join(dir, "systemd"),
    daemonJson: path.join(dir, "docker", "daemon.json"),
    journald: path.join(dir, "journald.conf.d"),
  };
  for (const d of [p.bin, p.state, p.etc]) fs.mkdirSync(d);
  const fakes = { ...FAKES, ...(o.fakeSha256sum ? { sha256sum: FAKE_SHA256SUM } : {}) };
  installFakes(p.bin, fakes);
  for (const s of o.state ?? []) fs.writeFileSync(path.join(p.state, s), "");
  fs.writeFileSync(p.osRelease, OS_RELEASE[o.os ?? "ubuntu"]);
  fs.writeFileSync(p.fstab, "# /etc/fstab\nUUID=root / ext4 defaults 0 1\n");
  const vm = {
    ASPIRE_VM: "web",
    ASPIRE_RUNTIME: "docker",
    ASPIRE_NEEDS_DOCKER: "1",
    ASPIRE_DOTNET_CHANNEL: "10.0",
    ASPIRE_SECRET_SOURCE: "none",
    ASPIRE_SECRET_PREFIX: "",
    ASPIRE_DATA_DISK: "",
    ASPIRE_DATA_DIR: p.data,
    ...o.vm,
  };
  fs.writeFileSync(path.join(p.etc, "vm.env"), vmEnvText(vm));

  /** Runs the script; its log holds every fake call from all runs so far. */
  const run = (env: Record<string, string> = {}): ScriptResult => {
    const r = spawnSync("bash", [script], {
      encoding: "utf8",
      env: {
        PATH: `${p.bin}:${process.env.PATH}`,
        HOME: dir,
        FAKE_LOG: p.log,
        FAKE_STATE: p.state,
        ASPIRE_ETC: p.etc,
        ASPIRE_OS_RELEASE: p.osRelease,
        ASPIRE_FSTAB: p.fstab,
        ASPIRE_SYSTEMD_DIR: p.systemd,
        ASPIRE_COMPOSE_PLUGIN_DIR: p.plugins,
        ASPIRE_DOCKER_DAEMON_JSON: p.daemonJson,
        ASPIRE_JOURNALD_DIR: p.journald,
        ASPIRE_STATE: path.join(dir, "vm-state"),
        ...env,
      },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, log: readCalls(p.log) };
  };
  return { p, run };
}

function assertAppStarted(r: ScriptResult): void {
  const reload = r.log.indexOf("systemctl daemon-reload");
  const start = r.log.indexOf("systemctl enable --now aspire-arm-app.service");
  assert.ok(reload >= 0, "systemctl daemon-reload");
  assert.ok(start > reload, "systemctl enable --now aspire-arm-app.service after daemon-reload");
}

/** Points the setup's vm.env at a data disk (none until then). */
function setDataDisk(p: { etc: string }, disk: string): void {
  const vmEnv = path.join(p.etc, "vm.env");
  fs.writeFileSync(
    vmEnv,
    fs.readFileSync(vmEnv, "utf8").replace("ASPIRE_DATA_DISK=''", `ASPIRE_DATA_DISK='${disk}'`),
  );
}

/** The apt-get install calls of the runs so far. */
function aptInstalls(r: ScriptResult): string[] {
  return calls(r, "apt-get").filter((l) => / install /.test(l));
}

/** Where the first apt-get update stands in the log (-1 when there is none). */
function firstAptUpdate(r: ScriptResult): number {
  return r.log.findIndex((l) => l.startsWith("apt-get") && / update/.test(l));
}

/** Runs the script again: it succeeds, and the log still holds the one apt-get install. */
function assertSecondRunInstallsNothing(run: () => ScriptResult): void {
  const again = run();
  assert.equal(again.code, 0, again.stderr);
  assert.equal(aptInstalls(again).length, 1, "second run installs nothing");
}

function suite(script: string): void {
  test("docker already installed: no apt-get, docker enabled, the app unit started, plain data folder", (t) => {
    const { p, run } = setup(t, script, { state: ["docker", "compose"] });
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(calls(r, "apt-get"), []);
    assert.deepEqual(calls(r, "dnf"), []);
    assert.deepEqual(calls(r, "curl"), []);
    assert.deepEqual(calls(r, "mkfs.ext4"), []);
    assert.deepEqual(calls(r, "mount"), []);
    assert.ok(r.log.includes("systemctl enable --now docker.service"));
    assertAppStarted(r);
    assert.ok(fs.statSync(p.data).isDirectory());
    assert.equal(fs.readFileSync(p.fstab, "utf8"), "# /etc/fstab\nUUID=root / ext4 defaults 0 1\n");
    assert.equal(fs.existsSync(p.systemd), false, "no data disk, no mount drop-ins");
    // Log lines go to stdout, each prefixed.
    const lines = r.stdout.split("\n").filter(Boolean);
    assert.ok(lines.length >= 3);
    for (const l of lines) assert.ok(l.startsWith("aspire-arm: "), l);
  });

  test("docker missing on Ubuntu: apt-get install -y docker.io docker-compose-v2, once", (t) => {
    const { run } = setup(t, script, { os: "ubuntu" });
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    const installs = aptInstalls(r);
    assert.equal(installs.length, 1);
    assert.match(installs[0], /^apt-get .*install -y( -q)? docker\.io docker-compose-v2$/);
    const update = firstAptUpdate(r);
    assert.ok(update >= 0 && update < r.log.indexOf(installs[0]), "apt-get update first");
    assert.deepEqual(calls(r, "curl"), [], "the Ubuntu package provides compose");
    assert.ok(r.log.indexOf("systemctl enable --now docker.service") > r.log.indexOf(installs[0]));
    assertAppStarted(r);

    assertSecondRunInstallsNothing(run);
  });

  test("docker missing on Debian: docker.io docker-compose apparmor, then the pinned compose plugin (v1 has no `docker compose`)", (t) => {
    const { p, run } = setup(t, script, { os: "debian", fakeSha256sum: true });
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    assert.ok(
      calls(r, "apt-get").some((l) =>
        /install -y( -q)? docker\.io docker-compose apparmor$/.test(l),
      ),
      r.log.join("\n"),
    );
    assert.equal(calls(r, "curl").length, 1);
    assert.ok(calls(r, "curl")[0].endsWith(` ${COMPOSE_URL}`));
    assert.ok(
      r.log.some((l) => l.startsWith(`${COMPOSE_SHA256}  `)),
      "checked against the pinned sha256",
    );
    const plugin = path.join(p.plugins, "docker-compose");
    assert.equal(fs.statSync(plugin).mode & 0o777, 0o755);
    assert.equal(fs.readFileSync(plugin, "utf8"), `fake download of ${COMPOSE_URL}\n`);
    assertAppStarted(r);
  });

  test("docker missing on Amazon Linux: dnf install -y docker and the compose plugin binary", (t) => {
    const { p, run } = setup(t, script, { os: "amzn", fakeSha256sum: true });
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(calls(r, "dnf"), ["dnf install -y docker"]);
    assert.deepEqual(calls(r, "apt-get"), []);
    assert.ok(calls(r, "curl")[0].endsWith(` ${COMPOSE_URL}`));
    assert.ok(fs.existsSync(path.join(p.plugins, "docker-compose")));
    assert.ok(r.log.includes("systemctl enable --now docker.service"));
    assertAppStarted(r);
  });

  test("a compose download that fails the pinned checksum is not installed, and the bootstrap stops", (t) => {
    const { p, run } = setup(t, script, { os: "amzn" }); // the real sha256sum
    const r = run();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /checksum mismatch/);
    assert.ok(!fs.existsSync(path.join(p.plugins, "docker-compose")));
    assert.ok(!r.log.includes("systemctl enable --now aspire-arm-app.service"));
  });

  test("dotnet VM without Docker: nothing installed (ICU and the runtimes come with the release, dotnet-runtimes.py), the app unit started", (t) => {
    const { run } = setup(t, script, {
      os: "amzn",
      vm: { ASPIRE_RUNTIME: "dotnet", ASPIRE_NEEDS_DOCKER: "0" },
    });
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    for (const command of ["apt-get", "dnf", "docker", "curl"])
      assert.deepEqual(calls(r, command), [], command);
    assert.ok(!r.log.some((l) => l.includes("docker.service")));
    assertAppStarted(r);
  });

  test("blank data disk: formatted once (ext4, label aspire-data), mounted, one fstab line by UUID", (t) => {
    const { p, run } = setup(t, script, {
      state: ["docker", "compose"],
      vm: { ASPIRE_DATA_DISK: "" },
    });
    fs.writeFileSync(p.disk, "");
    const link = path.join(p.dir, "by-id-google-data");
    fs.symlinkSync(p.disk, link); // like /dev/disk/by-id/...: the device is what the link points to
    setDataDisk(p, link);
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(calls(r, "mkfs.ext4"), [`mkfs.ext4 -q -L aspire-data ${p.disk}`]);
    assert.deepEqual(calls(r, "mount"), [`mount -t ext4 ${p.disk} ${p.data}`]);
    const fstabLine = `UUID=${UUID} ${p.data} ext4 defaults,nofail,x-systemd.device-timeout=30s 0 2`;
    assert.equal(
      fs.readFileSync(p.fstab, "utf8"),
      `# /etc/fstab\nUUID=root / ext4 defaults 0 1\n${fstabLine}\n`,
    );
    assert.ok(fs.statSync(path.join(p.data, "volumes")).isDirectory());
    assert.ok(
      r.log.indexOf(calls(r, "mount")[0]) <
        r.log.indexOf("systemctl enable --now aspire-arm-app.service"),
    );
    // Docker (which restarts containers by itself at boot) and the app unit wait for the mount.
    for (const unit of ["docker.service", "aspire-arm-app.service"])
      assert.match(
        fs.readFileSync(path.join(p.systemd, `${unit}.d`, "10-aspire-data-disk.conf"), "utf8"),
        new RegExp(`^\\[Unit\\]\nRequiresMountsFor=${p.data}$`, "m"),
      );
    assert.ok(
      r.log.indexOf("systemctl daemon-reload") <
        r.log.indexOf("systemctl enable --now docker.service"),
      "drop-ins loaded before docker starts",
    );

    // Rerun (e.g. by hand): already formatted and mounted, fstab already has it.
    const again = run();
    assert.equal(again.code, 0, again.stderr);
    assert.equal(calls(again, "mkfs.ext4").length, 1);
    assert.equal(calls(again, "mount").length, 1);
    assert.equal(fs.readFileSync(p.fstab, "utf8").split(fstabLine).length - 1, 1);
  });

  test("data disk that already has a filesystem: never formatted, mounted with its type", (t) => {
    const { p, run } = setup(t, script, { state: ["docker", "compose"] });
    fs.writeFileSync(p.disk, "xfs");
    setDataDisk(p, p.disk);
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(calls(r, "mkfs.ext4"), []);
    assert.deepEqual(calls(r, "mount"), [`mount -t xfs ${p.disk} ${p.data}`]);
    assert.match(
      fs.readFileSync(p.fstab, "utf8"),
      new RegExp(
        `^UUID=${UUID} ${p.data} xfs defaults,nofail,x-systemd.device-timeout=30s 0 2$`,
        "m",
      ),
    );
    assert.equal(fs.readFileSync(p.disk, "utf8"), "xfs");
  });

  test("a data disk that attaches late is waited for; one that never comes fails the bootstrap", (t) => {
    const { p, run } = setup(t, script, { state: ["docker", "compose"] });
    setDataDisk(p, p.disk);
    const late = run({ FAKE_DISK_APPEARS: p.disk });
    assert.equal(late.code, 0, late.stderr);
    assert.equal(calls(late, "sleep").length, 2);
    assert.equal(calls(late, "mkfs.ext4").length, 1);
    assert.match(late.stdout, /waiting for data disk/);

    fs.rmSync(p.disk);
    fs.rmSync(p.log);
    fs.rmSync(path.join(p.state, "sleeps"));
    const never = run({ ASPIRE_DISK_TIMEOUT: "20" });
    assert.equal(never.code, 1);
    assert.match(never.stderr, /did not appear within 20 s/);
    assert.equal(calls(never, "sleep").length, 4);
    assert.deepEqual(calls(never, "mkfs.ext4"), []);
    assert.ok(!never.log.includes("systemctl enable --now aspire-arm-app.service"));
  });

  test("a data disk blkid cannot classify (exit 8) is left alone", (t) => {
    const { p, run } = setup(t, script, { state: ["docker", "compose"] });
    fs.writeFileSync(p.disk, "AMBIVALENT");
    setDataDisk(p, p.disk);
    const r = run();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /exited with 8/);
    assert.deepEqual(calls(r, "mkfs.ext4"), []);
    assert.deepEqual(calls(r, "mount"), []);
  });

  test("an unknown distribution is an error when something has to be installed", (t) => {
    const { run } = setup(t, script, { os: "arch" });
    const r = run();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unsupported distribution \(os-release ID\/ID_LIKE: arch/);
    assert.deepEqual(calls(r, "apt-get"), []);
    assert.deepEqual(calls(r, "dnf"), []);
  });

  test("derivatives are known by ID_LIKE: Linux Mint installs like Ubuntu, Rocky Linux like Amazon Linux", (t) => {
    const mint = setup(t, script, { os: "mint" }).run();
    assert.equal(mint.code, 0, mint.stderr);
    assert.ok(
      calls(mint, "apt-get").some((l) => /install -y( -q)? docker\.io docker-compose-v2$/.test(l)),
      mint.log.join("\n"),
    );
    const rocky = setup(t, script, { os: "rocky", fakeSha256sum: true }).run();
    assert.equal(rocky.code, 0, rocky.stderr);
    assert.deepEqual(calls(rocky, "dnf"), ["dnf install -y docker"]);
  });

  test("a failing app unit fails the bootstrap with a pointer to its journal", (t) => {
    const { run } = setup(t, script, { state: ["docker", "compose"] });
    const r = run({ FAKE_FAIL_UNIT: "aspire-arm-app.service" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /journalctl -u aspire-arm-app\.service/);
  });

  test("logs capped: daemon.json (local driver, 5 x 10m) written before Docker is installed, and a journald drop-in of 500M", (t) => {
    const { p, run } = setup(t, script, { os: "ubuntu" });
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(fs.readFileSync(p.daemonJson, "utf8")), {
      "log-driver": "local",
      "log-opts": { "max-size": "10m", "max-file": "5" },
    });
    assert.ok(fs.existsSync(path.join(p.state, "daemon-json-before-docker")));
    assert.equal(
      fs.readFileSync(path.join(p.journald, "10-aspire-arm.conf"), "utf8"),
      "# Written by aspire-arm: the journal of a VM that runs for months stays bounded.\n[Journal]\nSystemMaxUse=500M\n",
    );
    assert.ok(r.log.includes("systemctl restart systemd-journald.service"));
    assert.ok(!r.log.includes("systemctl restart docker.service"), "Docker was not running yet");

    // Again: nothing changes, nothing restarts.
    fs.writeFileSync(path.join(p.state, "running-docker.service"), "");
    fs.rmSync(p.log);
    const again = run();
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(calls(again, "systemctl restart"), []);
  });

  test("logs capped: an existing daemon.json keeps its other settings; a running Docker restarts to apply it", (t) => {
    const { p, run } = setup(t, script, { state: ["docker", "compose", "running-docker.service"] });
    fs.mkdirSync(path.dirname(p.daemonJson), { recursive: true });
    fs.writeFileSync(
      p.daemonJson,
      JSON.stringify({
        "registry-mirrors": ["https://mirror.example.com"],
        "log-driver": "json-file",
      }),
    );
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(fs.readFileSync(p.daemonJson, "utf8")), {
      "registry-mirrors": ["https://mirror.example.com"],
      "log-driver": "local",
      "log-opts": { "max-size": "10m", "max-file": "5" },
    });
    const restart = r.log.indexOf("systemctl restart docker.service");
    assert.ok(restart >= 0 && restart < r.log.indexOf("systemctl enable --now docker.service"));
  });

  test("logs capped: a daemon.json that is not a JSON object stops the bootstrap and is left as it is", (t) => {
    const { p, run } = setup(t, script, { state: ["docker", "compose"] });
    fs.mkdirSync(path.dirname(p.daemonJson), { recursive: true });
    for (const text of ["{not json", "[1, 2]"]) {
      fs.writeFileSync(p.daemonJson, text);
      const r = run();
      assert.notEqual(r.code, 0);
      assert.match(
        r.stderr,
        /aspire-arm: error: .*daemon\.json is not (JSON|a JSON object).*; not touching it/,
      );
      assert.equal(fs.readFileSync(p.daemonJson, "utf8"), text);
      assert.ok(!r.log.includes("systemctl enable --now aspire-arm-app.service"));
    }
  });

  test("a dotnet VM without Docker gets the journald cap but no daemon.json", (t) => {
    const { p, run } = setup(t, script, {
      vm: { ASPIRE_RUNTIME: "dotnet", ASPIRE_NEEDS_DOCKER: "0" },
    });
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.existsSync(p.daemonJson), false);
    assert.ok(fs.existsSync(path.join(p.journald, "10-aspire-arm.conf")));
  });

  test("a missing vm.env is a clear error", (t) => {
    const { p, run } = setup(t, script);
    fs.rmSync(path.join(p.etc, "vm.env"));
    const r = run();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /vm\.env is missing/);
    assert.deepEqual(r.log, []);
  });
}

for (const { label, dir } of scriptDirs())
  describe(`bootstrap.sh (${label})`, () => suite(path.join(dir, "bootstrap.sh")));

// bootstrap.sh formats a blank data disk with mkfs.ext4 (e2fsprogs). Ubuntu and Debian have it in
// their base system; an image without it (a minimal or custom AL2023 AMI) gets the package first.
// Run with a PATH that holds the fakes and the system's bin folders but not its sbin folders, where
// mkfs.ext4 lives, so that "missing" is real.
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

/** Installing e2fsprogs puts mkfs.ext4 where the script looks (the fakes' folder). */
const MKFS = `printf ext4 >"\${!#}"`;
const installMkfs = `cat >"$FAKE_BIN/mkfs.ext4" <<'EOF'
#!/bin/bash
printf '%s\\n' "mkfs.ext4 $*" >>"$FAKE_LOG"
${MKFS}
EOF
chmod +x "$FAKE_BIN/mkfs.ext4"`;

const FAKES: Record<string, string> = {
  "apt-get": `case "$*" in *" e2fsprogs"*) ${installMkfs} ;; esac`,
  dnf: `case "$*" in *" e2fsprogs"*) ${installMkfs} ;; esac`,
  docker: `[ "$1 $2" = "compose version" ] && exit 0; exit 0`,
  systemctl: "exit 0",
  blkid: `dev="\${!#}"; content="$(cat "$dev")"; [ -n "$content" ] || exit 2; case "$*" in *"-s TYPE"*) echo "$content" ;; *"-s UUID"*) echo 1111-2222 ;; esac`,
  mount: `touch "$FAKE_STATE/mounted"`,
  mountpoint: `[ -e "$FAKE_STATE/mounted" ]`,
};

const OS_RELEASE: Record<string, string> = {
  amzn: 'NAME="Amazon Linux"\nVERSION_ID="2023"\nID="amzn"\nID_LIKE="fedora"\n',
  ubuntu: 'NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n',
};

/** The system's folders of commands other than sbin ones (mkfs.ext4, mke2fs live in sbin). */
const SYSTEM_PATH = (process.env.PATH ?? "/usr/bin:/bin")
  .split(":")
  .filter((d) => d && !/sbin/.test(d))
  .join(":");

function run(
  t: After,
  script: string,
  osName: string,
  withMkfs: boolean,
): ScriptResult & { disk: string } {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "aspire-mkfs-")));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const [bin, state, etc, log, disk] = ["bin", "state", "etc", "calls.log", "disk.img"].map((f) =>
    path.join(dir, f),
  );
  for (const d of [bin, state, etc]) fs.mkdirSync(d);
  installFakes(bin, { ...FAKES, ...(withMkfs ? { "mkfs.ext4": MKFS } : {}) });
  fs.writeFileSync(disk, "");
  fs.writeFileSync(path.join(dir, "os-release"), OS_RELEASE[osName]);
  fs.writeFileSync(path.join(dir, "fstab"), "");
  fs.writeFileSync(
    path.join(etc, "vm.env"),
    vmEnvText({
      ASPIRE_VM: "db",
      ASPIRE_RUNTIME: "docker",
      ASPIRE_NEEDS_DOCKER: "1",
      ASPIRE_SECRET_SOURCE: "none",
      ASPIRE_DATA_DISK: disk,
      ASPIRE_DATA_DIR: path.join(dir, "data"),
    }),
  );
  const r = spawnSync("bash", [script], {
    encoding: "utf8",
    env: {
      PATH: `${bin}:${SYSTEM_PATH}`,
      HOME: dir,
      FAKE_LOG: log,
      FAKE_STATE: state,
      FAKE_BIN: bin,
      ASPIRE_ETC: etc,
      ASPIRE_OS_RELEASE: path.join(dir, "os-release"),
      ASPIRE_FSTAB: path.join(dir, "fstab"),
      ASPIRE_SYSTEMD_DIR: path.join(dir, "systemd"),
      ASPIRE_COMPOSE_PLUGIN_DIR: path.join(dir, "plugins"),
      ASPIRE_DOCKER_DAEMON_JSON: path.join(dir, "docker", "daemon.json"),
      ASPIRE_JOURNALD_DIR: path.join(dir, "journald.conf.d"),
      ASPIRE_STATE: path.join(dir, "vm-state"),
    },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, log: readCalls(log), disk };
}

const hostHasNoMkfs =
  spawnSync("bash", ["-c", "command -v mkfs.ext4"], { env: { PATH: SYSTEM_PATH } }).status !== 0;

for (const { label, dir } of scriptDirs()) {
  const script = path.join(dir, "bootstrap.sh");
  describe(
    `bootstrap.sh (${label}): mkfs.ext4 for a blank data disk`,
    { skip: hostHasNoMkfs ? false : `mkfs.ext4 is on PATH outside sbin (${SYSTEM_PATH})` },
    () => {
      test("missing on Amazon Linux: dnf install -y e2fsprogs, then the disk is formatted", (t) => {
        const r = run(t, script, "amzn", false);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(calls(r, "dnf"), ["dnf install -y e2fsprogs"]);
        assert.deepEqual(calls(r, "mkfs.ext4"), [`mkfs.ext4 -q -L aspire-data ${r.disk}`]);
        assert.ok(
          r.log.indexOf("dnf install -y e2fsprogs") < r.log.indexOf(calls(r, "mkfs.ext4")[0]),
        );
      });

      test("missing on Ubuntu: apt-get install e2fsprogs", (t) => {
        const r = run(t, script, "ubuntu", false);
        assert.equal(r.code, 0, r.stderr);
        assert.ok(
          calls(r, "apt-get").some((l) => / install -y -q e2fsprogs$/.test(l)),
          r.log.join("\n"),
        );
        assert.equal(calls(r, "mkfs.ext4").length, 1);
      });

      test("present (Ubuntu, Debian, the standard AL2023 AMI): nothing is installed", (t) => {
        const r = run(t, script, "amzn", true);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(calls(r, "dnf"), []);
        assert.equal(calls(r, "mkfs.ext4").length, 1);
      });
    },
  );
}

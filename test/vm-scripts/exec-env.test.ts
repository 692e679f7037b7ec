// src/render/vm/exec-env.py, the ExecStart wrapper of native services, run with the system's
// python3 as the unit runs it (python3 -I -S), with $CREDENTIALS_DIRECTORY standing for what
// LoadCredential= gives the service, and a fake command that records its argv and environment.
// Against the script as it is and as the renderer embeds it (see support.ts).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { environOf, readNul, scriptDirs, type After } from "./support";

/** Records argv and environment, NUL-separated, like /proc/PID/cmdline and /proc/PID/environ. */
const FAKE_DOTNET = `#!/bin/bash
printf '%s\\0' "$0" "$@" >"$FAKE_OUT/argv"
env -0 >"$FAKE_OUT/environ"
`;

function setup(t: After) {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "aspire-exec-env-")));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const creds = path.join(dir, "credentials");
  const out = path.join(dir, "out");
  fs.mkdirSync(creds);
  fs.mkdirSync(out);
  const dotnet = path.join(dir, "dotnet");
  fs.writeFileSync(dotnet, FAKE_DOTNET, { mode: 0o755 });
  const writeEnv = (entries: string[] | string) =>
    fs.writeFileSync(
      path.join(creds, "env"),
      typeof entries === "string" ? entries : entries.map((e) => e + "\0").join(""),
      { mode: 0o400 },
    );
  return { dir, creds, out, dotnet, writeEnv };
}

function suite(script: string): void {
  const run = (
    s: ReturnType<typeof setup>,
    args: string[],
    env: Record<string, string | undefined> = {},
  ) => {
    const r = spawnSync("python3", ["-I", "-S", script, ...args], {
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        HOME: "/var/lib/aspire-app-api",
        LANG: "C.UTF-8",
        CREDENTIALS_DIRECTORY: s.creds,
        FAKE_OUT: s.out,
        ...env,
      } as NodeJS.ProcessEnv,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  test("execs the command with every entry of the file added to its environment, any name the manifest accepts", (t) => {
    const s = setup(t);
    const values: Record<string, string> = {
      "services__catalog-api__http__0": "http://localhost:8081",
      "discovery.type": "single-node",
      "Logging:LogLevel:Default": "Debug",
      ConnectionStrings__db: `Host=db;Password=p@ss 'w0rd' "$HOME" \`id\` $(id) back\\slash\nline2 🔑`,
      EMPTY: "",
      EQUALS: "a=b=c",
      LANG: "en_US.UTF-8",
    };
    s.writeEnv(Object.entries(values).map(([k, v]) => `${k}=${v}`));
    const r = run(s, [s.dotnet, "/opt/aspire-arm/apps/api/Api.dll"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout + r.stderr, "", "prints nothing");
    const env = environOf(path.join(s.out, "environ"));
    for (const [k, v] of Object.entries(values)) assert.equal(env[k], v, k);
    // What systemd set stays, unless the file sets it too.
    assert.equal(env.HOME, "/var/lib/aspire-app-api");
    assert.equal(env.CREDENTIALS_DIRECTORY, s.creds);
    assert.deepEqual(readNul(path.join(s.out, "argv")), [
      s.dotnet,
      "/opt/aspire-arm/apps/api/Api.dll",
    ]);
  });

  test("${NAME} in the command line is NAME from the file and $$ is $; nothing else is expanded", (t) => {
    const s = setup(t);
    s.writeEnv(["ASPIRE_P_DB_PASSWORD=s3cr$t ${x} $$", "OTHER=1"]);
    const argv = [
      s.dotnet,
      "/opt/apps/$$HOME.dll",
      "--password=${ASPIRE_P_DB_PASSWORD}",
      "$$$$",
      "$HOME",
      "50%",
    ];
    const r = run(s, [...argv, "${HOME} is not from the file"], { HOME: "/home/x" });
    assert.notEqual(
      r.code,
      0,
      "HOME is not an entry of the file: an error, not systemd's empty expansion",
    );
    assert.match(r.stderr, /\$\{HOME\} in the command line is not in the environment file/);

    const ok = run(s, argv);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(readNul(path.join(s.out, "argv")), [
      s.dotnet,
      "/opt/apps/$HOME.dll",
      "--password=s3cr$t ${x} $$",
      "$$",
      "$HOME",
      "50%",
    ]);
  });

  test("a bad entry or a missing file stops before exec, naming the entry and never a value", (t) => {
    const s = setup(t);
    for (const [content, message] of [
      ["GOOD=1\0bad name=p@ss-value\0", /entry 2 is not NAME=VALUE/],
      ["9LIVES=p@ss-value\0", /entry 1 is not NAME=VALUE/],
      ["NO_EQUALS_p@ss-value\0", /entry 1 is not NAME=VALUE/],
      ["A=p@ss-value", /does not end with a NUL/],
    ] as const) {
      s.writeEnv(content);
      const r = run(s, [s.dotnet]);
      assert.equal(r.code, 78, r.stderr);
      assert.match(r.stderr, message);
      assert.ok(!r.stderr.includes("p@ss"), r.stderr);
      assert.ok(!fs.existsSync(path.join(s.out, "argv")), "the command never ran");
    }
    fs.rmSync(path.join(s.creds, "env"));
    assert.match(run(s, [s.dotnet]).stderr, /cannot read .*env: No such file/);
    const noCreds = run(s, [s.dotnet], { CREDENTIALS_DIRECTORY: undefined });
    assert.equal(noCreds.code, 78);
    assert.match(noCreds.stderr, /CREDENTIALS_DIRECTORY is not set/);
    assert.match(run(s, []).stderr, /usage/);
  });

  test("a command that cannot run is an error naming it", (t) => {
    const s = setup(t);
    s.writeEnv(["A=1"]);
    const r = run(s, [path.join(s.dir, "no-dotnet"), "x.dll"]);
    assert.equal(r.code, 78);
    assert.match(r.stderr, /cannot run .*no-dotnet: No such file or directory/);
  });
}

for (const { label, dir } of scriptDirs())
  describe(`exec-env.py (${label})`, () => suite(path.join(dir, "exec-env.py")));

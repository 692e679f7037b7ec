// src/render/vm/dotnet-runtimes.py, run with the system's python3 against a fake of Microsoft's
// release metadata and downloads (support.ts: releases.json per channel, tarballs laid out like
// Microsoft's, SHA-512s), with published apps that are folders holding a runtimeconfig.json.
// Against the script as it is and as the renderer embeds it.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  fakeDotnetFeed,
  installFakes,
  readCalls,
  runtimeConfig,
  scriptDirs,
  type After,
  type FakeRelease,
} from "./support";

const ASP = "Microsoft.AspNetCore.App";
const CORE = "Microsoft.NETCore.App";

function setup(t: After) {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "aspire-dotnet-runtimes-")));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const install = path.join(dir, "usr-share-dotnet");
  /** A published app: its folder, with these files. */
  const app = (name: string, files: Record<string, string>) => {
    const d = path.join(dir, "apps", name);
    fs.mkdirSync(d, { recursive: true });
    for (const [f, content] of Object.entries(files)) fs.writeFileSync(path.join(d, f), content);
    return d;
  };
  /** The versions under DIR/shared/NAME and DIR/host/fxr. */
  const layout = () =>
    [`shared/${CORE}`, `shared/${ASP}`, "host/fxr"].map(
      (p) =>
        `${p}: ${fs.existsSync(path.join(install, p)) ? fs.readdirSync(path.join(install, p)).sort().join(" ") : "-"}`,
    );
  return { dir, install, app, layout };
}

function suite(script: string): void {
  const run = (
    releasesUrl: string,
    install: string,
    apps: string[],
    fallback = "10.0",
    extraEnv: Record<string, string> = {},
  ) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      // Async: the fake feed runs in this process.
      const child = spawn(
        "python3",
        [script, "--install-dir", install, "--fallback", fallback, ...apps],
        {
          env: {
            ...process.env,
            ASPIRE_DOTNET_RELEASES: releasesUrl,
            ASPIRE_RETRY_DELAY: "0.01",
            ...extraEnv,
          },
        },
      );
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("close", (code) => resolve({ code, stderr }));
    });
  const feed = (t: After, ...releases: FakeRelease[]) => fakeDotnetFeed(t, releases);

  test("each app's runtimeconfig.json decides: .NET 8 and 10 from Microsoft's linux-arm64 builds, side by side; the newer host; nothing again next time", async (t) => {
    const s = setup(t);
    const server = await feed(
      t,
      { channel: "8.0", version: "8.0.22" },
      { channel: "10.0", version: "10.0.4" },
      { channel: "9.0", version: "9.0.11" },
    );
    const web = s.app("web", {
      "Web.runtimeconfig.json": runtimeConfig([
        [CORE, "10.0.0"],
        [ASP, "10.0.0"],
      ]),
      "Web.dll": "",
    });
    const worker = s.app("worker", {
      "Worker.runtimeconfig.json": runtimeConfig([[ASP, "8.0.0"]], true),
    });
    const r = await run(server.releasesUrl, s.install, [web, worker]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(s.layout(), [
      `shared/${CORE}: 10.0.4 8.0.22`,
      `shared/${ASP}: 10.0.4 8.0.22`,
      "host/fxr: 10.0.4 8.0.22",
    ]);
    assert.equal(
      fs.readFileSync(path.join(s.install, "dotnet"), "utf8"),
      '#!/bin/sh\necho "host 10.0.4"\n',
    );
    assert.equal(
      fs.statSync(path.join(s.install, "dotnet")).mode & 0o111,
      0o111,
      "the host is executable",
    );
    assert.equal(
      fs.readFileSync(
        path.join(s.install, `shared/${ASP}/10.0.4/Microsoft.AspNetCore.dll`),
        "utf8",
      ),
      "aspnetcore 10.0.4",
    );
    assert.deepEqual(
      fs.readdirSync(s.install).filter((f) => f.startsWith(".")),
      [],
      "no work folder left",
    );
    const urls = server.seen.map((x) => x.url);
    assert.deepEqual(urls, [
      "/release-metadata/8.0/releases.json",
      "/files/8.0.22/aspnetcore-runtime-linux-arm64.tar.gz",
      "/release-metadata/10.0/releases.json",
      "/files/10.0.4/aspnetcore-runtime-linux-arm64.tar.gz",
    ]);
    assert.match(
      r.stderr,
      /installing the ASP\.NET Core runtime 10\.0\.4 \(\.NET 10\.0, linux-arm64\)/,
    );

    const again = await run(server.releasesUrl, s.install, [web, worker]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(server.seen.length, 4, "all in place: nothing fetched");
    assert.match(again.stderr, /2 app\(s\): \.NET 8\.0, 10\.0 in place$/m);
  });

  test("an older channel installed later keeps the newer host, and the host is replaced by a new file (a running one keeps its own)", async (t) => {
    const s = setup(t);
    const server = await feed(
      t,
      { channel: "8.0", version: "8.0.22" },
      { channel: "10.0", version: "10.0.4" },
    );
    assert.equal(
      (
        await run(server.releasesUrl, s.install, [
          s.app("web", { "Web.runtimeconfig.json": runtimeConfig([[ASP, "10.0.0"]]) }),
        ])
      ).code,
      0,
    );
    const running = fs.openSync(path.join(s.install, "dotnet"), "r");
    const inode = fs.fstatSync(running).ino;
    const r = await run(server.releasesUrl, s.install, [
      s.app("old", { "Old.runtimeconfig.json": runtimeConfig([[ASP, "8.0.0"]]) }),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      fs.readFileSync(path.join(s.install, "dotnet"), "utf8"),
      '#!/bin/sh\necho "host 10.0.4"\n',
    );
    assert.equal(
      fs.statSync(path.join(s.install, "dotnet")).ino,
      inode,
      "not replaced by an older host",
    );
    fs.closeSync(running);
    assert.deepEqual(s.layout(), [
      `shared/${CORE}: 10.0.4 8.0.22`,
      `shared/${ASP}: 10.0.4 8.0.22`,
      "host/fxr: 10.0.4 8.0.22",
    ]);
  });

  test("an app that needs a later patch than the installed one gets the channel's latest release beside it", async (t) => {
    const s = setup(t);
    const old = await feed(t, { channel: "10.0", version: "10.0.4" });
    const app = s.app("web", { "Web.runtimeconfig.json": runtimeConfig([[ASP, "10.0.0"]]) });
    assert.equal((await run(old.releasesUrl, s.install, [app])).code, 0);
    const inode = fs.statSync(path.join(s.install, "dotnet")).ino;
    const server = await feed(t, { channel: "10.0", version: "10.0.7" });
    fs.writeFileSync(path.join(app, "Web.runtimeconfig.json"), runtimeConfig([[ASP, "10.0.6"]]));
    const r = await run(server.releasesUrl, s.install, [app]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(s.layout(), [
      `shared/${CORE}: 10.0.4 10.0.7`,
      `shared/${ASP}: 10.0.4 10.0.7`,
      "host/fxr: 10.0.4 10.0.7",
    ]);
    assert.notEqual(
      fs.statSync(path.join(s.install, "dotnet")).ino,
      inode,
      "the newer host replaces the file",
    );
    assert.equal(
      fs.readFileSync(path.join(s.install, "dotnet"), "utf8"),
      '#!/bin/sh\necho "host 10.0.7"\n',
    );
  });

  test("a download that does not match the metadata's SHA-512 installs nothing and fails", async (t) => {
    const s = setup(t);
    const server = await feed(t, { channel: "10.0", version: "10.0.4", badHash: true });
    const r = await run(server.releasesUrl, s.install, [
      s.app("web", { "Web.runtimeconfig.json": runtimeConfig([[ASP, "10.0.0"]]) }),
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /aspnetcore-runtime-linux-arm64\.tar\.gz: SHA-512 does not match the release metadata; nothing installed/,
    );
    assert.deepEqual(s.layout(), [`shared/${CORE}: -`, `shared/${ASP}: -`, "host/fxr: -"]);
    assert.ok(!fs.existsSync(path.join(s.install, "dotnet")));
  });

  test("no runtimeconfig.json: the fallback channel (aspire:dotnetChannel); a self-contained app: nothing", async (t) => {
    const s = setup(t);
    const server = await feed(
      t,
      { channel: "9.0", version: "9.0.11" },
      { channel: "10.0", version: "10.0.4" },
    );
    const bare = s.app("bare", { "Bare.dll": "" });
    const selfContained = s.app("sc", {
      "Sc.runtimeconfig.json": JSON.stringify({
        runtimeOptions: { tfm: "net10.0", includedFrameworks: [{ name: CORE, version: "10.0.4" }] },
      }),
    });
    const r = await run(server.releasesUrl, s.install, [bare, selfContained], "9.0");
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /bare: no \*\.runtimeconfig\.json; installing the fallback channel 9\.0 \(aspire:dotnetChannel\)/,
    );
    assert.match(
      r.stderr,
      /Sc\.runtimeconfig\.json: a self-contained app; it needs no shared runtime/,
    );
    assert.deepEqual(s.layout(), [
      `shared/${CORE}: 9.0.11`,
      `shared/${ASP}: 9.0.11`,
      "host/fxr: 9.0.11",
    ]);
  });

  test("errors name the app's file or the channel, and install nothing: another framework, a broken file, a channel Microsoft does not publish", async (t) => {
    const s = setup(t);
    const server = await feed(t, { channel: "10.0", version: "10.0.4" });
    for (const [content, message] of [
      [
        runtimeConfig([["Microsoft.WindowsDesktop.App", "10.0.0"]]),
        /Desktop\.runtimeconfig\.json: framework .*Microsoft\.WindowsDesktop\.App.* is not one this VM can install/,
      ],
      [runtimeConfig([[ASP, "ten"]]), /framework .*"ten".* is not one this VM can install/],
      ["{not json", /not a runtimeconfig\.json/],
      ['{"runtimeOptions": []}', /not a runtimeconfig\.json/],
    ] as const) {
      const app = s.app("desktop", { "Desktop.runtimeconfig.json": content });
      const r = await run(server.releasesUrl, s.install, [app]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, message);
      assert.ok(!/Traceback/.test(r.stderr), r.stderr);
    }
    const before = server.seen.length;
    const r = await run(server.releasesUrl, s.install, [
      s.app("future", { "Future.runtimeconfig.json": runtimeConfig([[ASP, "12.0.0"]]) }),
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /release metadata of \.NET 12\.0: HTTP 404/);
    assert.equal(server.seen.length, before + 1, "a 404 is not retried");
    assert.equal(fs.existsSync(path.join(s.install, "shared")), false);
    const bad = await run(server.releasesUrl, s.install, [], "ten");
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--fallback ten: expected a channel such as 10\.0/);
  });

  /** ICU's commands as fakes first in PATH (ldconfig knows libicuuc.so once FAKE_STATE/icu
   *  exists; apt-get and dnf install it), and an os-release; the env to run with. */
  const icuHost = (
    dir: string,
    osRelease: string,
    o: { icu?: boolean; noPackage?: boolean } = {},
  ) => {
    const bin = path.join(dir, "icu-bin");
    const state = path.join(dir, "icu-state");
    fs.mkdirSync(bin);
    fs.mkdirSync(state);
    if (o.icu) fs.writeFileSync(path.join(state, "icu"), "");
    installFakes(bin, {
      ldconfig: `[ "$1" = -p ] || exit 0
echo "1234 libs found in cache"
for i in $(seq 1 2000); do echo "	libpadding$i.so (libc6,AArch64) => /lib/libpadding$i.so"; done
if [ -e "$FAKE_STATE/icu" ]; then echo "	libicuuc.so.74 (libc6,AArch64) => /lib/aarch64-linux-gnu/libicuuc.so.74"; fi`,
      "apt-get": `case " $* " in *" libicu74 "*) touch "$FAKE_STATE/icu" ;; esac`,
      "apt-cache": o.noPackage
        ? "echo libicu-dev"
        : "printf '%s\\n' libicu-dev libicu74 libicu74-dbg libicu70 libicu9",
      dnf: `case " $* " in *" libicu "*) touch "$FAKE_STATE/icu" ;; esac`,
    });
    fs.writeFileSync(path.join(dir, "os-release"), osRelease);
    const log = path.join(dir, "icu-calls.log");
    return {
      log,
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        FAKE_LOG: log,
        FAKE_STATE: state,
        ASPIRE_OS_RELEASE: path.join(dir, "os-release"),
      },
    };
  };
  const UBUNTU = 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n';

  test("ICU (moved here from the bootstrap): on Ubuntu without it, apt-get update, then the release's libicuNN; once", async (t) => {
    const s = setup(t);
    const server = await feed(t, { channel: "10.0", version: "10.0.4" });
    const web = s.app("web", { "Web.runtimeconfig.json": runtimeConfig([[ASP, "10.0.0"]], true) });
    const host = icuHost(s.dir, UBUNTU);
    const r = await run(server.releasesUrl, s.install, [web], "10.0", host.env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      readCalls(host.log).filter((l) => !l.startsWith("ldconfig")),
      [
        "apt-get -o DPkg::Lock::Timeout=300 update -q",
        "apt-cache pkgnames libicu",
        "apt-get -o DPkg::Lock::Timeout=300 install -y -q libicu74",
      ],
    );
    assert.match(r.stderr, /installing ICU for \.NET \(apt\)/);
    assert.deepEqual(s.layout()[1], `shared/${ASP}: 10.0.4`);
    fs.rmSync(host.log);
    const again = await run(server.releasesUrl, s.install, [web], "10.0", host.env);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(readCalls(host.log), ["ldconfig -p"], "the ldconfig cache read whole");
  });

  test("ICU on Amazon Linux 2023 (and other dnf distributions): dnf install -y libicu", async (t) => {
    for (const osRelease of [
      'NAME="Amazon Linux"\nID="amzn"\nID_LIKE="fedora"\n',
      'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\n',
    ]) {
      const s = setup(t);
      const server = await feed(t, { channel: "10.0", version: "10.0.4" });
      const web = s.app("web", {
        "Web.runtimeconfig.json": runtimeConfig([[ASP, "10.0.0"]], true),
      });
      const host = icuHost(s.dir, osRelease);
      const r = await run(server.releasesUrl, s.install, [web], "10.0", host.env);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        readCalls(host.log).filter((l) => !l.startsWith("ldconfig")),
        ["dnf install -y libicu"],
      );
    }
  });

  test("ICU already there, or no native app: nothing installed", async (t) => {
    const s = setup(t);
    const server = await feed(t, { channel: "10.0", version: "10.0.4" });
    const web = s.app("web", { "Web.runtimeconfig.json": runtimeConfig([[ASP, "10.0.0"]], true) });
    const host = icuHost(s.dir, UBUNTU, { icu: true });
    assert.equal((await run(server.releasesUrl, s.install, [web], "10.0", host.env)).code, 0);
    assert.deepEqual(readCalls(host.log), ["ldconfig -p"]);
    const none = icuHost(fs.mkdtempSync(path.join(s.dir, "none-")), UBUNTU);
    assert.equal((await run(server.releasesUrl, s.install, [], "10.0", none.env)).code, 0);
    assert.deepEqual(readCalls(none.log), []);
  });

  test("ICU: apt sources without a libicuNN: a clear error, no runtime installed", async (t) => {
    const s = setup(t);
    const server = await feed(t, { channel: "10.0", version: "10.0.4" });
    const web = s.app("web", { "Web.runtimeconfig.json": runtimeConfig([[ASP, "10.0.0"]], true) });
    const host = icuHost(s.dir, UBUNTU, { noPackage: true });
    const r = await run(server.releasesUrl, s.install, [web], "10.0", host.env);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /aspire-arm: dotnet-runtimes: error: no libicuNN package in the apt sources/,
    );
    assert.equal(fs.existsSync(path.join(s.install, "shared")), false);
    assert.equal(server.seen.length, 0);
  });
}

for (const { label, dir } of scriptDirs())
  describe(`dotnet-runtimes.py (${label})`, () => suite(path.join(dir, "dotnet-runtimes.py")));

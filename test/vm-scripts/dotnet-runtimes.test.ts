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
import { fakeDotnetFeed, runtimeConfig, scriptDirs, type After, type FakeRelease } from "./support";

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
  const run = (releasesUrl: string, install: string, apps: string[], fallback = "10.0") =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      // Async: the fake feed runs in this process.
      const child = spawn(
        "python3",
        [script, "--install-dir", install, "--fallback", fallback, ...apps],
        {
          env: { ...process.env, ASPIRE_DOTNET_RELEASES: releasesUrl, ASPIRE_RETRY_DELAY: "0.01" },
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
}

for (const { label, dir } of scriptDirs())
  describe(`dotnet-runtimes.py (${label})`, () => suite(path.join(dir, "dotnet-runtimes.py")));

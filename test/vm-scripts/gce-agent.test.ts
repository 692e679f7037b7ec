// src/render/vm/gce-agent.py, run under its own shebang against a fake metadata server on
// 127.0.0.1 (the aspire-arm-bundle value, the guest attribute aspire-arm/result), with the real
// rollout.sh and release.py beside it (as in the user data) and bundles that bring their own bin/
// (support.ts releaseBin: the real rollout-apply.sh, a fake apply.sh). Against the scripts as they
// are and as the renderer embeds them.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ConfigFile } from "../../src/render/app-config";
import { renderBundle, type Bundle } from "../../src/render/bundle";
import { deliveryVm, readCalls, releaseBin, reply, scriptDirs, serve } from "./support";
import type { After, DeliveryVm } from "./support";

const files = (tag: string): ConfigFile[] => [
  {
    path: "compose.yaml",
    content: `services:\n  api:\n    image: api:${tag}\n`,
    permissions: "0644",
  },
];
const value = (b: Bundle) => b.gz.toString("base64");

/** An answer of the metadata server to a GET of the bundle; "drop": the connection is reset. */
type Answer = { status: number; value?: string; etag?: string } | "drop";

/** The metadata server: answers GETs of aspire-arm-bundle in order (then holds them), records
 *  PUTs of the result guest attribute. */
async function fakeMetadata(t: After, answers: Answer[]) {
  const reports: string[] = [];
  const gets: string[] = [];
  const server = await serve(t, (req, res) => {
    if (req.headers["metadata-flavor"] !== "Google") return reply(res, 403, "", "text/plain");
    if (req.url === "/computeMetadata/v1/instance/guest-attributes/aspire-arm/result") {
      if (req.method !== "PUT") return reply(res, 405, "", "text/plain");
      reports.push(req.body);
      return reply(res, 200, "", "text/plain");
    }
    if (
      req.method === "GET" &&
      req.url.startsWith("/computeMetadata/v1/instance/attributes/aspire-arm-bundle")
    ) {
      gets.push(req.url.slice("/computeMetadata/v1/instance/attributes/aspire-arm-bundle".length));
      const a = answers.shift();
      if (a === undefined) return; // held, as a long poll with nothing new
      if (a === "drop") return res.socket?.destroy();
      res.writeHead(a.status, {
        "Content-Type": "application/text",
        ...(a.etag ? { ETag: a.etag } : {}),
      });
      return res.end(a.value ?? "");
    }
    reply(res, 404, "", "text/plain");
  });
  return { ...server, reports, gets };
}

interface Agent {
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  readonly kill: () => void;
}

function agent(vm: DeliveryVm, base: string, once: boolean): Agent {
  const child = spawn(path.join(vm.lib, "gce-agent.py"), once ? ["--once"] : [], {
    env: { ...vm.env, ASPIRE_GCE_METADATA_URL: base },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
  return { done, kill: () => child.kill() };
}

async function until(what: string, ok: () => boolean, ms = 20000): Promise<void> {
  for (const end = Date.now() + ms; !ok();) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function suite(dir: string): void {
  const A = renderBundle([...files("1"), ...releaseBin(dir)], { stack: "dev", vm: "web" });
  const B = renderBundle([...files("2"), ...releaseBin(dir)], { stack: "dev", vm: "web" });

  test("--once: a reset connection and no bundle yet (404) are retried; then the bundle is rolled out: `ID applying`, `ID ok`", async (t) => {
    const vm = deliveryVm(t, dir);
    const md = await fakeMetadata(t, [
      "drop",
      { status: 404 },
      { status: 200, value: value(A), etag: "e1" },
    ]);
    const r = await agent(vm, md.base, true).done;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(md.reports, [`${A.id} applying`, `${A.id} ok`]);
    assert.deepEqual(md.gets, ["", "", ""], "no wait_for_change before a first value");
    assert.deepEqual(readCalls(vm.fakeLog), [`apply.sh --release ${A.id}`]);
    assert.match(r.stderr, /retrying/);
    assert.match(r.stdout, new RegExp(`release ${A.id} applied`), "the rollout's output");
    assert.deepEqual(
      fs.readdirSync(path.join(vm.state, "rollouts")).sort(),
      [`${A.id}.log`, "gce-agent.last"],
      "the temp bundle is removed",
    );
  });

  test("--once: a failing rollout reports `ID failed` and the last lines of its stderr, at most 3,000 characters", async (t) => {
    const vm = deliveryVm(t, dir);
    const lines = Array.from(
      { length: 200 },
      (_, i) => `api-1  | ${i} crashed: connection refused 🔑`,
    );
    fs.writeFileSync(path.join(vm.fake, "apply.stderr"), lines.join("\n") + "\n");
    fs.writeFileSync(path.join(vm.fake, "apply.rc"), "1");
    const md = await fakeMetadata(t, [{ status: 200, value: value(A), etag: "e1" }]);
    const r = await agent(vm, md.base, true).done;
    assert.equal(r.code, 1);
    assert.equal(md.reports.length, 2);
    assert.equal(md.reports[0], `${A.id} applying`);
    const [first, ...rest] = md.reports[1].split("\n");
    assert.equal(first, `${A.id} failed`);
    const size = Buffer.byteLength(md.reports[1]) - `${A.id} failed\n`.length;
    assert.ok(size <= 3000 && size > 2800, `${size} bytes`);
    assert.ok(rest.length > 20);
    assert.deepEqual(rest, lines.slice(-rest.length), "whole lines, the last ones");
  });

  test("--once at start: the current release (a file or a link) is not applied again, only reported ok", async (t) => {
    for (const kind of ["file", "link"]) {
      const vm = deliveryVm(t, dir);
      const current = path.join(vm.state, "current");
      if (kind === "file") fs.writeFileSync(current, `${A.id}\n`);
      else fs.symlinkSync(path.join(vm.state, "releases", A.id), current);
      const md = await fakeMetadata(t, [{ status: 200, value: value(A), etag: "e1" }]);
      const r = await agent(vm, md.base, true).done;
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(readCalls(vm.fakeLog), [], kind);
      assert.deepEqual(md.reports, [`${A.id} ok`], kind);
    }
  });

  test("--once at start: the release the agent rolled out last (and which failed) is not retried at each boot", async (t) => {
    const vm = deliveryVm(t, dir);
    fs.mkdirSync(path.join(vm.state, "rollouts"));
    fs.writeFileSync(path.join(vm.state, "rollouts", "gce-agent.last"), A.id);
    fs.writeFileSync(path.join(vm.state, "current"), B.id);
    const md = await fakeMetadata(t, [{ status: 200, value: value(A), etag: "e1" }]);
    const r = await agent(vm, md.base, true).done;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readCalls(vm.fakeLog), []);
    assert.deepEqual(md.reports, []);
  });

  test("--once: a value that is not a bundle is reported failed, nothing applied", async (t) => {
    const vm = deliveryVm(t, dir);
    const md = await fakeMetadata(t, [{ status: 200, value: "bm90IGd6aXA=", etag: "e1" }]);
    const r = await agent(vm, md.base, true).done;
    assert.equal(r.code, 1);
    assert.deepEqual(readCalls(vm.fakeLog), []);
    assert.equal(md.reports.length, 1);
    assert.match(
      md.reports[0],
      /^invalid failed\naspire-arm-bundle: the bundle .* is not gzip data/,
    );
  });

  test("long-polls with wait_for_change and the last ETag, and rolls out each new value", async (t) => {
    const vm = deliveryVm(t, dir);
    fs.writeFileSync(path.join(vm.state, "current"), A.id);
    const md = await fakeMetadata(t, [
      { status: 200, value: value(A), etag: "e1" },
      // The long poll's timeout: the same value and ETag.
      { status: 200, value: value(A), etag: "e1" },
      { status: 200, value: value(B), etag: "e2" },
    ]);
    const a = agent(vm, md.base, false);
    t.after(a.kill);
    await until("B ok", () => md.reports.includes(`${B.id} ok`));
    await until("the next long poll", () => md.gets.length === 4);
    a.kill();
    await a.done;
    assert.deepEqual(md.reports, [`${A.id} ok`, `${B.id} applying`, `${B.id} ok`]);
    assert.deepEqual(readCalls(vm.fakeLog), [`apply.sh --release ${B.id}`]);
    assert.deepEqual(md.gets, [
      "",
      "?wait_for_change=true&last_etag=e1&timeout_sec=300",
      "?wait_for_change=true&last_etag=e1&timeout_sec=300",
      "?wait_for_change=true&last_etag=e2&timeout_sec=300",
    ]);
  });
}

for (const { label, dir } of scriptDirs()) describe(`gce-agent.py (${label})`, () => suite(dir));

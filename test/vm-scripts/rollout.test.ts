// src/render/vm/rollout.sh, the entry point of every delivery, run under its own shebang with the
// real release.py and cloud-http.py beside it (as in the user data), fake IMDSv2 and S3 servers on
// 127.0.0.1, and bundles built by renderBundle that bring their own bin/: the real
// rollout-apply.sh and a fake apply.sh (see support.ts releaseBin). Against the scripts as they are
// and as the renderer embeds them.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ConfigFile } from "../../src/render/app-config";
import { renderBundle } from "../../src/render/bundle";
import {
  AWS_KEY,
  deliveryVm,
  expectedSignature,
  fakeAws,
  fakeScript,
  readCalls,
  releaseBin,
  reply,
  scriptDirs,
  serve,
  type After,
  type DeliveryVm,
  type ScriptResult,
  type Seen,
} from "./support";

const FILES: ConfigFile[] = [
  { path: "compose.yaml", content: "services:\n  api:\n    image: api:2\n", permissions: "0644" },
  { path: "caddy/Caddyfile", content: ":80 {\n\treverse_proxy api:8080\n}\n", permissions: "0644" },
];
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

function run(vm: DeliveryVm, args: string[], env: Record<string, string> = {}) {
  return new Promise<ScriptResult & { ms: number }>((resolve) => {
    const started = Date.now();
    execFile(
      path.join(vm.lib, "rollout.sh"),
      args,
      { encoding: "utf8", env: { ...vm.env, ...env }, maxBuffer: 1 << 26 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr, log: readCalls(vm.fakeLog), ms: Date.now() - started });
      },
    );
  });
}

/** An S3 that serves objects (honouring Range: bytes=0-N) to requests signed as the fake role. */
async function fakeS3(
  t: After,
  objects: Record<string, Buffer | { status: number; code: string }>,
) {
  return serve(t, (req: Seen, res) => {
    const auth = String(req.headers.authorization);
    const amzDate = String(req.headers["x-amz-date"]);
    const m =
      /^AWS4-HMAC-SHA256 Credential=[^/]+\/([^,]+), SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
        auth,
      );
    if (!m || m[3] !== expectedSignature(req, m[2].split(";"), m[1], amzDate))
      return reply(
        res,
        403,
        "<Error><Code>SignatureDoesNotMatch</Code></Error>",
        "application/xml",
      );
    const object = objects[req.url.slice(1)];
    if (object === undefined)
      return reply(res, 404, "<Error><Code>NoSuchKey</Code></Error>", "application/xml");
    if (!Buffer.isBuffer(object))
      return reply(
        res,
        object.status,
        `<Error><Code>${object.code}</Code></Error>`,
        "application/xml",
      );
    const range = /^bytes=0-(\d+)$/.exec(String(req.headers.range));
    const body = range ? object.subarray(0, Number(range[1]) + 1) : object;
    res.writeHead(range ? 206 : 200, { "Content-Type": "application/octet-stream" });
    res.end(body);
  });
}

async function awsVm(t: After, dir: string, objects: Parameters<typeof fakeS3>[1]) {
  const vm = deliveryVm(t, dir);
  const imds = await fakeAws(t, {});
  const s3 = await fakeS3(t, objects);
  const env = { ASPIRE_IMDS_URL: imds.base, ASPIRE_S3_URL: s3.base };
  return { vm, s3, env };
}

/** Files left in the rollouts folder (logs and temp files alike). */
const rollouts = (vm: DeliveryVm) =>
  fs.existsSync(path.join(vm.state, "rollouts"))
    ? fs.readdirSync(path.join(vm.state, "rollouts")).sort()
    : [];

function suite(dir: string): void {
  const BUNDLE = renderBundle([...FILES, ...releaseBin(dir)], { stack: "dev", vm: "web" });
  const ID = BUNDLE.id;
  const KEY = `web/${ID}.json.gz`;

  test("s3: downloads the object signed as the instance role, unpacks it and applies the release; output on stdout and in the log", async (t) => {
    const { vm, s3, env } = await awsVm(t, dir, { [KEY]: BUNDLE.gz });
    fs.writeFileSync(
      path.join(vm.fake, "apply.stdout"),
      "aspire-arm: applying\naspire-arm: healthy\n",
    );
    fs.writeFileSync(path.join(vm.fake, "apply.stderr"), "a warning on stderr\n");
    const r = await run(vm, ["s3", "my-stack-bundles.1", KEY, ID], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.deepEqual(r.log, [`apply.sh --release ${ID}`]);
    // Unpacked before apply.sh ran.
    assert.equal(fs.readFileSync(path.join(vm.fake, "apply.found"), "utf8"), `${ID}\n`);
    assert.equal(
      fs.readFileSync(path.join(vm.state, "releases", ID, "compose.yaml"), "utf8"),
      FILES[0].content,
    );
    assert.match(r.stdout, /aspire-arm: applying\naspire-arm: healthy\n/);
    assert.match(r.stdout, /a warning on stderr/);
    assert.match(r.stdout, new RegExp(`release ${ID} applied`));
    const log = fs.readFileSync(path.join(vm.state, "rollouts", `${ID}.log`), "utf8");
    assert.match(log, new RegExp(`^=== aspire-arm rollout of release ${ID}, \\d{4}-`));
    assert.match(log, /aspire-arm: healthy\n/);
    assert.match(log, /a warning on stderr\n/);
    assert.deepEqual(rollouts(vm), [`${ID}.log`], "no temp files left");
    assert.equal(fs.statSync(path.join(vm.state, "rollouts")).mode & 0o777, 0o700);

    assert.equal(s3.seen.length, 1);
    const req = s3.seen[0];
    assert.equal(req.method, "GET");
    assert.equal(req.url, `/${KEY}`);
    assert.equal(req.headers["x-amz-content-sha256"], EMPTY_SHA256);
    assert.equal(req.headers.range, `bytes=0-${16 * 1024 * 1024}`);
    const amzDate = String(req.headers["x-amz-date"]);
    const auth = String(req.headers.authorization);
    assert.ok(
      auth.startsWith(
        `AWS4-HMAC-SHA256 Credential=${AWS_KEY}/${amzDate.slice(0, 8)}/eu-west-1/s3/aws4_request, `,
      ),
      auth,
    );
    const signed = /SignedHeaders=([a-z0-9;-]+)/.exec(auth)![1].split(";");
    for (const h of ["host", "range", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"])
      assert.ok(signed.includes(h), `${h} is signed`);
  });

  test("s3: an object S3 refuses, one with another release id, or one over 16 MiB: exit 1 with one line, apply.sh not run", async (t) => {
    const other = renderBundle([...FILES.slice(1), ...releaseBin(dir)], {
      stack: "dev",
      vm: "web",
    });
    const big = Buffer.alloc(16 * 1024 * 1024 + 10, 1);
    const { vm, env } = await awsVm(t, dir, {
      [`web/${other.id}.json.gz`]: other.gz,
      [`web/${"b".repeat(16)}.json.gz`]: big,
      [`web/${"d".repeat(16)}.json.gz`]: { status: 403, code: "AccessDenied" },
    });
    const cases: [string, RegExp][] = [
      [`web/${"d".repeat(16)}.json.gz`, /s3:\/\/bkt\/web\/d{16}\.json\.gz: HTTP 403 AccessDenied/],
      [`web/${"e".repeat(16)}.json.gz`, /HTTP 404 NoSuchKey/],
      [`web/${"b".repeat(16)}.json.gz`, /is larger than 16777216 bytes/],
      [`web/${other.id}.json.gz`, new RegExp(`release id is ${other.id}, not ${ID} as expected`)],
    ];
    for (const [key, message] of cases) {
      const r = await run(vm, ["s3", "bkt", key, ID], env);
      assert.equal(r.code, 1, key);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.deepEqual(r.log, [], "apply.sh not run");
    }
    assert.ok(!fs.existsSync(path.join(vm.state, "releases", ID)));
    assert.deepEqual(rollouts(vm), [], "no temp files left");
  });

  test("refuses arguments of the wrong shape at once (exit 2), before waiting for the bootstrap and running anything", async (t) => {
    const vm = deliveryVm(t, dir, false);
    const bundle = path.join(vm.fake, "b.json.gz");
    fs.writeFileSync(bundle, BUNDLE.gz);
    const bad: string[][] = [
      [],
      ["s3"],
      ["s3", "bkt", KEY],
      ["s3", "bkt", KEY, ID, "extra"],
      ["S3", "bkt", KEY, ID],
      ["http", "bkt", KEY, ID],
      ["s3", "My_Bucket", KEY, ID],
      ["s3", "ab", KEY, ID],
      ["s3", "bkt-", KEY, ID],
      ["s3", "$(id)", KEY, ID],
      ["s3", "bkt", `../${ID}.json.gz`, ID],
      ["s3", "bkt", `web/../${ID}.json.gz`, ID],
      ["s3", "bkt", `Web/${ID}.json.gz`, ID],
      ["s3", "bkt", `web/${ID}.json`, ID],
      ["s3", "bkt", `web/x/${ID}.json.gz`, ID],
      ["s3", "bkt", `web/${"a".repeat(15)}.json.gz`, ID],
      ["s3", "bkt", `web/${"a".repeat(65)}.json.gz`, ID],
      ["s3", "bkt", `web/${ID}.json.gz\nx`, ID],
      ["s3", "bkt", KEY, ID.toUpperCase()],
      ["s3", "bkt", KEY, ID.slice(1)],
      ["s3", "bkt", KEY, `${ID}\n`],
      ["s3", "bkt", KEY, `${ID}0`],
      ["file"],
      ["file", path.join(vm.fake, "missing.json.gz")],
      ["file", vm.fake],
      ["file", bundle, "nothex"],
      ["file", bundle, ID, "extra"],
    ];
    for (const args of bad) {
      const r = await run(vm, args, { ASPIRE_BOOT_WAIT: "600" });
      assert.equal(r.code, 2, JSON.stringify(args));
      assert.match(
        r.stderr,
        /^aspire-arm: rollout: [^]*\nusage: rollout\.sh s3 BUCKET KEY ID \| rollout\.sh file PATH \[ID\]\n$/,
      );
      assert.equal(r.stdout, "");
      assert.ok(r.ms < 5000, `${JSON.stringify(args)}: refused at once`);
    }
    assert.deepEqual(readCalls(vm.fakeLog), []);
    assert.deepEqual(fs.readdirSync(vm.state), [], "nothing written");
  });

  test("waits for the bootstrap's marker, then rolls out", async (t) => {
    const vm = deliveryVm(t, dir, false);
    const bundle = path.join(vm.fake, "b.json.gz");
    fs.writeFileSync(bundle, BUNDLE.gz);
    const pending = run(vm, ["file", bundle, ID], { ASPIRE_BOOT_WAIT: "60" });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.deepEqual(readCalls(vm.fakeLog), [], "nothing applied before the marker");
    fs.writeFileSync(path.join(vm.state, "bootstrapped"), "");
    const r = await pending;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /waiting up to 60 s for the bootstrap to finish \(.*\/bootstrapped\)/);
    assert.deepEqual(r.log, [`apply.sh --release ${ID}`]);
    assert.ok(r.ms >= 1500);
  });

  test("gives up after ASPIRE_BOOT_WAIT seconds without the marker: exit 1, saying so, nothing run", async (t) => {
    const vm = deliveryVm(t, dir, false);
    const bundle = path.join(vm.fake, "b.json.gz");
    fs.writeFileSync(bundle, BUNDLE.gz);
    const r = await run(vm, ["file", bundle], { ASPIRE_BOOT_WAIT: "2" });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^aspire-arm: rollout: error: the bootstrap has not finished after 2 s \(.*\/bootstrapped is missing\): see \/var\/log\/cloud-init-output\.log\n$/,
    );
    // Two seconds slept, never fewer (bash's $SECONDS, whole seconds of the clock, gave up early).
    assert.ok(r.ms >= 2000, `${r.ms} ms`);
    assert.deepEqual(r.log, []);
    assert.deepEqual(fs.readdirSync(vm.state), []);
  });

  test("file without an id: unpacks, applies the bundle's own release id", async (t) => {
    const vm = deliveryVm(t, dir);
    const bundle = path.join(vm.fake, "b.json.gz");
    fs.writeFileSync(bundle, BUNDLE.gz);
    const r = await run(vm, ["file", bundle]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.log, [`apply.sh --release ${ID}`]);
    assert.ok(fs.existsSync(bundle), "the caller's file is left alone");
    // Twice: the same release, applied again (apply.sh decides it changes nothing); one log.
    const again = await run(vm, ["file", bundle, ID]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(rollouts(vm), [`${ID}.log`]);
    const log = fs.readFileSync(path.join(vm.state, "rollouts", `${ID}.log`), "utf8");
    assert.equal(log.match(/^=== /gm)?.length, 2);
  });

  test("hands each release over to its own bin/: a release that brings new scripts runs them, the one before keeps its own", async (t) => {
    const vm = deliveryVm(t, dir);
    const first = path.join(vm.fake, "1.json.gz");
    fs.writeFileSync(first, BUNDLE.gz);
    assert.equal((await run(vm, ["file", first, ID])).code, 0);
    // Release 2: the same app config, and scripts of a later aspire-arm (stand-ins that record).
    const next = renderBundle(
      [
        ...FILES,
        {
          path: "bin/rollout-apply.sh",
          content: fakeScript(
            'echo "new rollout-apply.sh of $(basename "$(dirname "$(dirname "$0")")")"',
          ),
          permissions: "0755",
        },
        { path: "bin/apply.sh", content: fakeScript("exit 0"), permissions: "0755" },
      ],
      { stack: "dev", vm: "web" },
    );
    const second = path.join(vm.fake, "2.json.gz");
    fs.writeFileSync(second, next.gz);
    const r = await run(vm, ["file", second, next.id]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `new rollout-apply.sh of ${next.id}\n`);
    assert.deepEqual(r.log, [`apply.sh --release ${ID}`, `rollout-apply.sh ${next.id}`]);
    // Each release's scripts are its own, side by side.
    const bin = (id: string, name: string) =>
      fs.readFileSync(path.join(vm.state, "releases", id, "bin", name), "utf8");
    assert.equal(bin(ID, "rollout-apply.sh"), releaseBin(dir)[0].content);
    assert.notEqual(bin(next.id, "rollout-apply.sh"), bin(ID, "rollout-apply.sh"));
    assert.deepEqual(rollouts(vm), [`${ID}.log`], "no temp files left");
  });

  test("a bundle without bin/rollout-apply.sh is unpacked but not applied: exit 1, saying so", async (t) => {
    const vm = deliveryVm(t, dir);
    const bare = renderBundle(FILES, { stack: "dev", vm: "web" });
    const bundle = path.join(vm.fake, "b.json.gz");
    fs.writeFileSync(bundle, bare.gz);
    const r = await run(vm, ["file", bundle, bare.id]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `aspire-arm: rollout: error: release ${bare.id} has no bin/rollout-apply.sh: it was not made by this aspire-arm\n`,
    );
    assert.deepEqual(r.log, []);
    assert.deepEqual(rollouts(vm), [], "no temp files left");
  });

  test("a failed apply: its exit code, and on stderr at most 7,000 characters, whole last lines of its stderr", async (t) => {
    const vm = deliveryVm(t, dir);
    const bundle = path.join(vm.fake, "b.json.gz");
    fs.writeFileSync(bundle, BUNDLE.gz);
    const lines = Array.from(
      { length: 400 },
      (_, i) => `api-1  | ${String(i).padStart(3, "0")} unhandled exception 🔑 at Program.Main()`,
    );
    fs.writeFileSync(path.join(vm.fake, "apply.stderr"), lines.join("\n") + "\n");
    fs.writeFileSync(path.join(vm.fake, "apply.stdout"), "aspire-arm: waiting for api\n");
    fs.writeFileSync(path.join(vm.fake, "apply.rc"), "3");
    const r = await run(vm, ["file", bundle, ID]);
    assert.equal(r.code, 3);
    assert.ok(r.stderr.length <= 7000, `${r.stderr.length} characters`);
    assert.ok(Buffer.byteLength(r.stderr) <= 7000, "bytes too");
    assert.ok(r.stderr.length > 6000, `${r.stderr.length} characters: about the bound`);
    const [head, ...rest] = r.stderr.replace(/\n$/, "").split("\n");
    assert.equal(
      head,
      `aspire-arm: rollout: release ${ID} failed (apply.sh exit 3; whole log on the VM: ${vm.state}/rollouts/${ID}.log); the last lines of its stderr:`,
    );
    assert.deepEqual(rest, lines.slice(-rest.length), "whole lines, the last ones");
    // Everything in the log and on stdout.
    const log = fs.readFileSync(path.join(vm.state, "rollouts", `${ID}.log`), "utf8");
    for (const text of [log, r.stdout]) {
      assert.ok(text.includes(lines.join("\n")));
      assert.match(text, /waiting for api/);
    }

    // A short stderr is there whole.
    fs.writeFileSync(path.join(vm.fake, "apply.stderr"), "api: exited with code 1\n");
    fs.writeFileSync(path.join(vm.fake, "apply.rc"), "1");
    const short = await run(vm, ["file", bundle, ID]);
    assert.equal(short.code, 1);
    assert.match(short.stderr, /the last lines of its stderr:\napi: exited with code 1\n$/);
  });
}

for (const { label, dir } of scriptDirs()) describe(`rollout.sh (${label})`, () => suite(dir));

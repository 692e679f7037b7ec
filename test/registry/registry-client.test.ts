// The registry client (src/registry/client.ts) against a real registry: Debian's docker-registry
// on 127.0.0.1, started here and stopped by PID, holding images made offline (an arm64-only image,
// an amd64-only one, multi-platform indexes) and copied in with skopeo. Behind a small token
// service of ours for the Bearer challenge that Docker Hub, GHCR, Quay and MCR send.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as http from "node:http";
import * as fs from "node:fs";
import * as path from "node:path";
import { checkArm64, type Credentials } from "../../src/registry/client";
import {
  freePort,
  OciLayout,
  push,
  registrySkipReason,
  startRegistry,
  tempDir,
  type TestRegistry,
} from "../support/oci-registry";

const skip = registrySkipReason();
let registry: TestRegistry;
let dir: string;
const digests: Record<string, string> = {};

before(async () => {
  if (skip) return;
  dir = tempDir("aspire-arm-registry-");
  registry = await startRegistry(dir);
  const layout = new OciLayout(path.join(dir, "layout"));
  const arm = layout.image("arm64");
  const amd = layout.image("amd64");
  const armv7 = layout.image("arm", "v7");
  const multi = layout.index([
    { descriptor: amd, platform: { os: "linux", architecture: "amd64" } },
    { descriptor: arm, platform: { os: "linux", architecture: "arm64", variant: "v8" } },
  ]);
  const noArm64 = layout.index([
    { descriptor: amd, platform: { os: "linux", architecture: "amd64" } },
    { descriptor: armv7, platform: { os: "linux", architecture: "arm", variant: "v7" } },
  ]);
  Object.assign(digests, { arm: arm.digest, amd: amd.digest, multi: multi.digest });
  layout.name("arm", arm);
  layout.name("amd", amd);
  layout.name("multi", multi);
  layout.name("noarm64", noArm64);
  push(layout, "arm", registry.host, "team/arm-only:1");
  push(layout, "amd", registry.host, "team/amd-only:1");
  push(layout, "multi", registry.host, "team/multi:1");
  push(layout, "noarm64", registry.host, "team/no-arm64:1");
});

after(async () => {
  // Stopped by its PID (TestRegistry.stop), also when the images could not be made.
  await registry?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("an arm64-only image is arm64, pinned to its manifest's digest", { skip }, async () => {
  const r = await checkArm64(`${registry.host}/team/arm-only:1`);
  assert.deepEqual(r, {
    ok: true,
    digest: digests.arm,
    pinned: `${registry.host}/team/arm-only@${digests.arm}`,
    platforms: ["linux/arm64"],
  });
});

test("an amd64-only image is refused, naming the image and its platform", { skip }, async () => {
  const r = await checkArm64(`${registry.host}/team/amd-only:1`);
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.equal(r.problem, "no-arm64");
  assert.deepEqual(r.platforms, ["linux/amd64"]);
  assert.equal(
    r.message,
    `image ${registry.host}/team/amd-only:1 has no linux/arm64 variant in its registry (it has linux/amd64), so it cannot run on an Arm VM: use a multi-platform tag or build it for linux/arm64`,
  );
});

test(
  "a multi-platform index resolves to its arm64 manifest's digest, not the index's",
  { skip },
  async () => {
    const r = await checkArm64(`${registry.host}/team/multi:1`);
    assert.ok(r.ok);
    assert.equal(r.digest, digests.arm);
    assert.notEqual(r.digest, digests.multi);
    assert.equal(r.pinned, `${registry.host}/team/multi@${digests.arm}`);
    assert.deepEqual(r.platforms, ["linux/amd64", "linux/arm64/v8"]);
    // The index asked for by its digest gives the same arm64 manifest.
    const byDigest = await checkArm64(`${registry.host}/team/multi@${digests.multi}`);
    assert.ok(byDigest.ok);
    assert.equal(byDigest.digest, digests.arm);
  },
);

test("an index without arm64 is refused with every platform it has", { skip }, async () => {
  const r = await checkArm64(`${registry.host}/team/no-arm64:1`);
  assert.ok(!r.ok);
  assert.equal(r.problem, "no-arm64");
  assert.deepEqual(r.platforms, ["linux/amd64", "linux/arm/v7"]);
  assert.match(r.message, /has no linux\/arm64 variant .*\(it has linux\/amd64, linux\/arm\/v7\)/);
});

test("a missing tag is one clear error", { skip }, async () => {
  const r = await checkArm64(`${registry.host}/team/arm-only:2`);
  assert.ok(!r.ok);
  assert.equal(r.problem, "error");
  assert.equal(
    r.message,
    `image ${registry.host}/team/arm-only:2 was not found in registry ${registry.host} (MANIFEST_UNKNOWN): check the name and tag, and that it was pushed`,
  );
  const repo = await checkArm64(`${registry.host}/team/nothing:1`);
  assert.ok(!repo.ok);
  assert.match(
    repo.message,
    /^image \S+ was not found in registry \S+ \((NAME|MANIFEST)_UNKNOWN\): check the name and tag/,
  );
});

test("an unreachable registry is one clear error", { skip }, async () => {
  const port = await freePort();
  const r = await checkArm64(`127.0.0.1:${port}/team/arm-only:1`, { timeoutMs: 5000 });
  assert.ok(!r.ok);
  assert.equal(r.problem, "error");
  assert.equal(
    r.message,
    `image 127.0.0.1:${port}/team/arm-only:1: registry 127.0.0.1:${port} cannot be reached (ECONNREFUSED): the machine that deploys needs network access to it`,
  );
  assert.ok(!r.message.includes("\n"));
});

const basicOf = (c: Credentials) =>
  `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;

/** A front of the registry that asks for a Bearer token, as Docker Hub does, from its own token
 *  service; with `tamper`, it lies about the manifest's digest. */
async function tokenFront(opts: {
  requireBasic?: Credentials;
  tamper?: boolean;
  /** Blobs are answered by a redirect to another origin, as ECR (S3) and Docker Hub (a CDN) do. */
  cdn?: string;
  /** A Basic challenge and these credentials on every request, as ECR does. */
  basicOnly?: Credentials;
}) {
  const port = await freePort();
  const seen: string[] = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
    if (url.pathname === "/token") {
      const scope = url.searchParams.get("scope") ?? "";
      seen.push(
        `token ${url.searchParams.get("service")} ${scope} ${req.headers.authorization ?? "anonymous"}`,
      );
      const basic = opts.requireBasic ? basicOf(opts.requireBasic) : undefined;
      if (basic && req.headers.authorization !== basic) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ token: `t-${scope}` }));
      return;
    }
    const repo = /^\/v2\/(.+)\/(manifests|blobs)\//.exec(url.pathname)?.[1];
    if (opts.basicOnly && req.headers.authorization !== basicOf(opts.basicOnly)) {
      res.writeHead(401, {
        "www-authenticate": `Basic realm="http://127.0.0.1:${port}/",service="ecr.amazonaws.com"`,
      });
      res.end();
      return;
    }
    if (!opts.basicOnly && req.headers.authorization !== `Bearer t-repository:${repo}:pull`) {
      res.writeHead(401, {
        "www-authenticate": `Bearer realm="http://127.0.0.1:${port}/token",service="test-registry",scope="repository:${repo}:pull"`,
      });
      res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return;
    }
    if (opts.cdn && url.pathname.includes("/blobs/")) {
      res.writeHead(307, { location: `http://${opts.cdn}${url.pathname}?signed=1` }).end();
      return;
    }
    const upstream = await fetch(`http://${registry.host}${url.pathname}`, {
      headers: { accept: req.headers.accept ?? "*/*" },
    });
    const headers: Record<string, string> = {};
    for (const h of ["content-type", "docker-content-digest"]) {
      const v = upstream.headers.get(h);
      if (v) headers[h] = v;
    }
    if (opts.tamper && headers["docker-content-digest"])
      headers["docker-content-digest"] = `sha256:${"0".repeat(64)}`;
    res.writeHead(upstream.status, headers);
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    host: `127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

test(
  "a Bearer challenge: an anonymous token for the repository's pull scope, then the image",
  { skip },
  async () => {
    const front = await tokenFront({});
    try {
      const r = await checkArm64(`${front.host}/team/multi:1`);
      assert.ok(r.ok);
      assert.equal(r.digest, digests.arm);
      // One token for the whole conversation (index, then the arm64 manifest).
      assert.deepEqual(front.seen, ["token test-registry repository:team/multi:pull anonymous"]);
    } finally {
      await front.close();
    }
  },
);

test(
  "the stack's credentials go to the token service as Basic; without them a private image fails clearly",
  { skip },
  async () => {
    const credentials = { username: "AWS", password: "registry-token" };
    const front = await tokenFront({ requireBasic: credentials });
    try {
      const r = await checkArm64(`${front.host}/team/arm-only:1`, {
        credentials: (host) => (host === front.host ? credentials : undefined),
      });
      assert.ok(r.ok);
      assert.equal(r.digest, digests.arm);
      const anonymous = await checkArm64(`${front.host}/team/arm-only:1`);
      assert.ok(!anonymous.ok);
      assert.equal(
        anonymous.message,
        `image ${front.host}/team/arm-only:1: the token service ${front.host} of registry ${front.host} gave no token (HTTP 401): a private image needs credentials`,
      );
    } finally {
      await front.close();
    }
  },
);

test(
  "a manifest whose bytes do not match the digest the registry claims is refused",
  { skip },
  async () => {
    const front = await tokenFront({ tamper: true });
    try {
      const r = await checkArm64(`${front.host}/team/arm-only:1`);
      assert.ok(!r.ok);
      assert.equal(r.problem, "error");
      assert.match(
        r.message,
        new RegExp(`sent a manifest whose sha256 is ${digests.arm}, not sha256:0{64}`),
      );
    } finally {
      await front.close();
    }
  },
);

test(
  "a blob redirected to another origin (ECR's S3, Docker Hub's CDN) is fetched without the registry's authorization",
  { skip },
  async () => {
    const port = await freePort();
    const cdnSaw: string[] = [];
    const cdn = http.createServer(async (req, res) => {
      cdnSaw.push(req.headers.authorization ?? "no authorization");
      const upstream = await fetch(`http://${registry.host}${(req.url ?? "").split("?")[0]}`);
      res.writeHead(upstream.status).end(Buffer.from(await upstream.arrayBuffer()));
    });
    await new Promise<void>((r) => cdn.listen(port, "127.0.0.1", r));
    const front = await tokenFront({ cdn: `127.0.0.1:${port}` });
    try {
      // A single manifest: its platform is in the config blob, which comes from the other origin.
      const r = await checkArm64(`${front.host}/team/amd-only:1`);
      assert.ok(!r.ok);
      assert.deepEqual(r.platforms, ["linux/amd64"]);
      assert.deepEqual(cdnSaw, ["no authorization"]);
    } finally {
      await front.close();
      await new Promise<void>((r) => cdn.close(() => r()));
    }
  },
);

test(
  "a Basic challenge (ECR): the stack's credentials on every request; without them, one clear error",
  { skip },
  async () => {
    const credentials = { username: "AWS", password: "ecr-token" };
    const front = await tokenFront({ basicOnly: credentials });
    try {
      const r = await checkArm64(`${front.host}/team/multi:1`, { credentials: () => credentials });
      assert.ok(r.ok);
      assert.equal(r.digest, digests.arm);
      assert.deepEqual(front.seen, [], "no token service");
      const anonymous = await checkArm64(`${front.host}/team/multi:1`);
      assert.ok(!anonymous.ok);
      assert.equal(
        anonymous.message,
        `image ${front.host}/team/multi:1: registry ${front.host} needs credentials and aspire-arm has none for it`,
      );
    } finally {
      await front.close();
    }
  },
);

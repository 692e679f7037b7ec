// The limits of what a VM receives: when GCP's user data switches from plain text to gzip, when
// user data or a release is too large for its cloud (the error the user gets, and exactly at the
// limit none), and the release's record of the secret versions the VM reads, which makes a rotated
// secret a new release. Sizes are reached with padding the renderer passes through (a long
// registry host in vm.env) or with a release of files chosen here, as the functions take any
// rendered VM.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as zlib from "node:zlib";
import type { DeploymentPlan } from "../../src/plan";
import {
  defaultSecretSource,
  releaseProblem,
  renderVm,
  userDataProblem,
  type RenderContext,
  type RenderedVm,
} from "../../src/render";
import { renderBundle } from "../../src/render/bundle";
import { fixture, planFile, starterManifest, vmOf } from "../plan/plan-support";
import { bundleFiles } from "../support/delivered";

const KIB = 1024;
const MIB = 1024 * KIB;
const RELEASE_ADVICE =
  "split the app across more VMs (aspire:vms), or move large bind-mount files into images.";

const starterOn = (cloud: "aws" | "gcp") => planFile(starterManifest, { cloud });

/** The starter's VM rendered with this registry host (it is written into vm.env,
 *  so it pads the user data by exactly its length). */
function withRegistry(plan: DeploymentPlan, registry: string): RenderedVm {
  return renderVm(plan, vmOf(plan, "app"), { secretSource: defaultSecretSource(plan), registry });
}

/** Base64 text of pseudo-random bytes (SHA-256 chained, so every run sees the same): gzip cannot
 *  shrink it below 3/4 of its length. */
function noise(chars: number): string {
  const blocks: Buffer[] = [];
  for (let i = 0; blocks.length * 32 < (chars * 3) / 4 + 32; i++)
    blocks.push(crypto.createHash("sha256").update(`noise ${i}`).digest());
  return Buffer.concat(blocks).toString("base64").slice(0, chars);
}

test("GCP sends the user data as plain text up to 256 KiB (exactly 262144 bytes stays plain) and gzipped from one byte more; both decode to the cloud-config", () => {
  const plan = starterOn("gcp");
  const base = withRegistry(plan, "").cloudConfig.length;
  const atLimit = withRegistry(plan, "r".repeat(256 * KIB - base));
  assert.equal(Buffer.byteLength(atLimit.cloudConfig), 262144, "the padding reaches the limit");
  assert.equal(atLimit.userDataEncoding, "plain");
  assert.equal(atLimit.userData.toString("utf8"), atLimit.cloudConfig);
  assert.equal(userDataProblem(plan, atLimit), undefined, "exactly the limit fits");

  const over = withRegistry(plan, "r".repeat(256 * KIB - base + 1));
  assert.equal(Buffer.byteLength(over.cloudConfig), 262145);
  assert.equal(over.userDataEncoding, "gzip");
  assert.equal(zlib.gunzipSync(over.userData).toString("utf8"), over.cloudConfig);
  assert.ok(over.userData.length < 16 * KIB, "gzip brings it well under the limit");
  assert.equal(userDataProblem(plan, over), undefined);
});

test("user data still over the cloud's limit once gzipped is refused, naming the VM (vms.NAME), its gzipped size and the cloud's limit", () => {
  for (const [cloud, chars, limit] of [
    ["aws", 30 * KIB, 16384],
    ["gcp", 400 * KIB, 262144],
  ] as const) {
    const plan = starterOn(cloud);
    const r = withRegistry(plan, noise(chars));
    assert.equal(r.userDataEncoding, "gzip");
    assert.ok(r.userData.length > limit, `${cloud}: the padding is over the limit gzipped`);
    assert.deepEqual(userDataProblem(plan, r), {
      resource: null,
      field: "vms.app",
      message: `the user data of VM app is ${r.userData.length} bytes gzipped and the ${cloud.toUpperCase()} limit is ${limit}: it holds aspire-arm's bootstrap only, never the app, so no change to the app makes it smaller: report it as a bug of aspire-arm.`,
    });
  }
});

test("user data over the limit as plain text is reported with its size and no word of gzip", () => {
  // renderVm gzips GCP's user data before it gets there; the check takes any rendered VM.
  const plan = starterOn("gcp");
  const r = withRegistry(plan, "");
  const plain: RenderedVm = {
    ...r,
    userData: Buffer.alloc(256 * KIB + 1, "r"),
    userDataEncoding: "plain",
  };
  assert.equal(
    userDataProblem(plan, plain)?.message,
    "the user data of VM app is 262145 bytes and the GCP limit is 262144: it holds aspire-arm's bootstrap only, never the app, so no change to the app makes it smaller: report it as a bug of aspire-arm.",
  );
});

// ---- the release's size --------------------------------------------------------------------------

/** The starter's rendered VM with a release of these files instead of its own. */
function withRelease(plan: DeploymentPlan, files: { path: string; content: string }[]): RenderedVm {
  const r = renderVm(plan, vmOf(plan, "app"), { secretSource: defaultSecretSource(plan) });
  const release = renderBundle(
    files.map((f) => ({ ...f, permissions: "0644" })),
    { stack: plan.stack, vm: "app" },
  );
  return { ...r, release };
}

test("a release whose JSON is over 16 MiB (counted in UTF-8 bytes) is refused on both clouds, naming the VM, its size, the limit and what to do; exactly 16 MiB is taken", () => {
  for (const cloud of ["aws", "gcp"] as const) {
    const plan = starterOn(cloud);
    const overhead = Buffer.byteLength(
      withRelease(plan, [{ path: "a.txt", content: "" }]).release.json,
    );
    const exact = withRelease(plan, [{ path: "a.txt", content: "a".repeat(16 * MIB - overhead) }]);
    assert.equal(Buffer.byteLength(exact.release.json), 16777216);
    assert.equal(releaseProblem(plan, exact), undefined, `${cloud}: exactly the limit fits`);

    // Half as many characters as bytes: the limit is the VM's, in bytes.
    const chars = Math.ceil((16 * MIB - overhead + 1) / 2);
    const over = withRelease(plan, [{ path: "a.txt", content: "é".repeat(chars) }]);
    const bytes = Buffer.byteLength(over.release.json);
    assert.ok(bytes > 16 * MIB && over.release.json.length <= 16 * MIB);
    assert.deepEqual(releaseProblem(plan, over), {
      resource: null,
      field: "vms.app",
      message: `the app config of VM app is ${bytes} bytes and a VM takes releases of at most 16777216: ${RELEASE_ADVICE}`,
    });
  }
});

test("on GCP the release travels base64-encoded in one metadata value: 4 characters per 3 gzipped bytes, rounded up, at most 262144; on AWS (S3) that size is no problem", () => {
  const gcp = starterOn("gcp");
  const aws = starterOn("aws");
  const blob = noise(300 * KIB);
  const releaseOf = (chars: number) =>
    withRelease(gcp, [{ path: "blob", content: blob.slice(0, chars) }]);
  const base64Size = (r: RenderedVm) => r.release.gz.toString("base64").length;
  /** A release whose gzipped bundle is `size` characters in base64. */
  const ofBase64Size = (size: number): RenderedVm => {
    let lo = 0;
    let hi = blob.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (base64Size(releaseOf(mid)) < size) lo = mid + 1;
      else hi = mid;
    }
    for (let n = Math.max(0, lo - 64); n < lo + 64; n++) {
      const r = releaseOf(n);
      if (base64Size(r) === size) return r;
    }
    assert.fail(`no release of ${size} base64 characters near ${lo} characters of noise`);
  };

  const exact = ofBase64Size(262144);
  assert.equal(releaseProblem(gcp, exact), undefined, "exactly the limit fits");

  const over = ofBase64Size(262148);
  assert.deepEqual(releaseProblem(gcp, over), {
    resource: null,
    field: "vms.app",
    message: `the app config of VM app is 262148 bytes gzipped and base64-encoded and a GCP metadata value holds 262144: ${RELEASE_ADVICE}`,
  });
  assert.equal(releaseProblem(aws, { ...over, vm: vmOf(aws, "app") }), undefined);
});

// ---- what a release records of the secrets -------------------------------------------------------

const canaryPlan = () =>
  planFile(fixture("plan-secrets-canary.json"), {
    parameters: { region: "eu" },
    vms: { db: { resources: ["postgres"] }, web: { resources: ["api"] } },
  });

function releaseFiles(plan: DeploymentPlan, vm: string, ctx: Partial<RenderContext> = {}) {
  const r = renderVm(plan, vmOf(plan, vm), { secretSource: defaultSecretSource(plan), ...ctx });
  return { release: r.release, files: new Map(bundleFiles(r.release.gz).map((f) => [f.path, f])) };
}

test("with the secrets' versions known (a deploy), the release holds secret-versions.list: one `store-name version` line per secret the VM reads, `?` for one whose version is unknown, mode 0644", () => {
  const plan = canaryPlan();
  assert.deepEqual(vmOf(plan, "web").secrets, ["api-key", "db-password"]);
  const { files } = releaseFiles(plan, "web", {
    secretVersions: { "db-password": "7", "other-secret": "3" },
  });
  assert.deepEqual(files.get("secret-versions.list"), {
    mode: "0644",
    path: "secret-versions.list",
    text: "api-key ?\ndb-password 7\n",
  });
  const db = releaseFiles(plan, "db", { secretVersions: { "db-password": "7", "api-key": "2" } });
  assert.equal(
    db.files.get("secret-versions.list")?.text,
    "db-password 7\n",
    "its own secrets only",
  );
});

test("a rotated secret is a new release of the VMs that read it, and of no other", () => {
  const plan = canaryPlan();
  const before = { secretVersions: { "db-password": "1", "api-key": "1" } };
  const after = { secretVersions: { "db-password": "1", "api-key": "2" } };
  assert.notEqual(
    releaseFiles(plan, "web", before).release.id,
    releaseFiles(plan, "web", after).release.id,
  );
  assert.equal(
    releaseFiles(plan, "db", before).release.id,
    releaseFiles(plan, "db", after).release.id,
  );
});

test("no secret-versions.list offline (no versions known) nor on a VM that reads no secret", () => {
  const canary = canaryPlan();
  assert.equal(releaseFiles(canary, "web").files.has("secret-versions.list"), false);
  const perService = planFile(starterManifest, { vmPerService: true });
  assert.deepEqual(vmOf(perService, "apiservice").secrets, []);
  const versions = { secretVersions: { "cache-password": "4" } };
  assert.equal(
    releaseFiles(perService, "apiservice", versions).files.has("secret-versions.list"),
    false,
  );
  assert.equal(
    releaseFiles(perService, "cache", versions).files.get("secret-versions.list")?.text,
    "cache-password 4\n",
  );
});

test("a release names the stack and the VM it is for, which release.py requires of every bundle", () => {
  for (const stack of ["dev", "prod"]) {
    const plan = planFile(starterManifest, { stack, vmPerService: true });
    for (const vm of ["cache", "apiservice"]) {
      const { release } = releaseFiles(plan, vm);
      const doc = JSON.parse(zlib.gunzipSync(release.gz).toString("utf8")) as Record<
        string,
        unknown
      >;
      assert.deepEqual([doc.stack, doc.vm], [stack, vm]);
    }
  }
});

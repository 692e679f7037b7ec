// The program (index.ts) under Pulumi's mocks with a registry chosen by the test: every image a VM
// runs is asked in its registry before anything is registered, and VMs run them by the digest of
// their arm64 manifest; an image without linux/arm64 stops the deploy before any resource exists.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  runProgramWithMocks,
  type MockRun,
  type RecordedResource,
} from "../../src/cli/mock-program";
import type { ImageResolver } from "../../components/image-check";
import type { Credentials } from "../../src/registry/client";
import { parseImageName, pinnedReference } from "../../src/registry/reference";
import { programFile, starterManifest } from "../support/paths";
import { releaseOf } from "../support/delivered";

const AWS = { "aspire:cloud": "aws", "aws:region": "eu-west-1" };
const GCP = { "aspire:cloud": "gcp", "gcp:zone": "us-central1-a", "gcp:project": "demo-project" };
const STARTER = { "aspire:manifest": starterManifest, "aspire:parameters.cache-password": "p" };

/** A registry whose every image is arm64, at a digest of the test's making (`generation` stands
 *  for a tag moved to new bits), recording what it was asked. */
function registry(generation = 1, refuse: Record<string, string[]> = {}) {
  const asked: { image: string; credentials?: Credentials }[] = [];
  const digestOf = (image: string) =>
    `sha256:${createHash("sha256")
      .update(`${generation} ${image.replace(/:[^:/]*$/, "")}`)
      .digest("hex")}`;
  const resolver: ImageResolver = async (image, credentials) => {
    asked.push({ image, ...(credentials ? { credentials } : {}) });
    const platforms = refuse[image.replace(/:[^:/]*$/, "")];
    if (platforms)
      return {
        ok: false,
        problem: "no-arm64",
        platforms,
        message: `image ${image} has no linux/arm64 variant in its registry (it has ${platforms.join(", ")})`,
      };
    const name = parseImageName(image);
    assert.ok(name, image);
    return {
      ok: true,
      digest: digestOf(image),
      pinned: pinnedReference(name, digestOf(image)),
      platforms: ["linux/arm64"],
    };
  };
  return { resolver, asked, digestOf };
}

function run(
  config: Record<string, string>,
  images: ImageResolver,
  registered: RecordedResource[] = [],
): Promise<MockRun> {
  return runProgramWithMocks(programFile, "test", config, [], { images, registered });
}

const instanceOf = (r: MockRun) =>
  r.resources.find(
    (x) => x.type === "aws:ec2/instance:Instance" || x.type === "gcp:compute/instance:Instance",
  ) as RecordedResource;

/** The `image:` lines of a release's compose file. */
function composeImages(r: MockRun): string[] {
  const compose = releaseOf(r, instanceOf(r)).files.get("compose.yaml") ?? "";
  return [...compose.matchAll(/^\s+image: (.+)$/gm)].map((m) => m[1].replace(/^"|"$/g, ""));
}

for (const [cloud, config, registryUser] of [
  ["aws", AWS, { username: "AWS", password: "(registry token)" }],
  ["gcp", GCP, { username: "oauth2accesstoken", password: "(access token)" }],
] as const)
  test(`${cloud}: every image of the release is a digest the registry gave, published and built alike`, async () => {
    const reg = registry();
    const r = await run({ ...config, ...STARTER }, reg.resolver);
    const published = reg.asked.filter((a) => !a.credentials).map((a) => a.image);
    // Each published image once, anonymously: the app's Redis and the proxy's Caddy.
    assert.deepEqual(published.sort(), [
      "docker.io/library/caddy:2.10",
      "docker.io/library/redis:7.4",
    ]);
    // Each built image once pushed, with the stack's registry credentials.
    const built = reg.asked.filter((a) => a.credentials);
    assert.equal(built.length, 2);
    for (const b of built) {
      assert.deepEqual(b.credentials, registryUser);
      assert.match(b.image, /:[0-9a-f]{16}$/, "asked by the pushed tag");
    }
    const images = composeImages(r);
    assert.ok(
      images.includes(`docker.io/library/redis@${reg.digestOf("docker.io/library/redis")}`),
      images.join("\n"),
    );
    assert.ok(
      images.includes(`docker.io/library/caddy@${reg.digestOf("docker.io/library/caddy")}`),
      images.join("\n"),
    );
    for (const b of built)
      assert.ok(
        images.includes(pinnedReference(parseImageName(b.image)!, reg.digestOf(b.image))),
        `${b.image} in ${images.join(", ")}`,
      );
    assert.equal(images.length, 4);
  });

test("a tag moved to new bits is a new release and nothing else: the instance stays as it is", async () => {
  const before = await run({ ...AWS, ...STARTER }, registry(1).resolver);
  const after = await run({ ...AWS, ...STARTER }, registry(2).resolver);
  assert.deepEqual(instanceOf(after).inputs, instanceOf(before).inputs);
  assert.notEqual(releaseOf(after, instanceOf(after)).id, releaseOf(before, instanceOf(before)).id);
  assert.notDeepEqual(composeImages(after), composeImages(before));
  // The same answers, the same release: a rollback to the previous digests is the previous release.
  const again = await run({ ...AWS, ...STARTER }, registry(1).resolver);
  assert.equal(releaseOf(again, instanceOf(again)).id, releaseOf(before, instanceOf(before)).id);
});

test("a published image without linux/arm64 stops the deploy before any resource is registered", async () => {
  for (const config of [AWS, GCP]) {
    const reg = registry(1, { "docker.io/library/redis": ["linux/amd64", "linux/386"] });
    const registered: RecordedResource[] = [];
    await assert.rejects(run({ ...config, ...STARTER }, reg.resolver, registered), (e: unknown) => {
      assert.equal((e as Error).constructor.name, "RunError");
      assert.equal(
        (e as Error).message,
        "stack test: images checked in their registries before anything is created or changed; nothing was:\n" +
          "  cache (image): image docker.io/library/redis:7.4 has no linux/arm64 variant in its registry (it has linux/amd64, linux/386)",
      );
      return true;
    });
    assert.deepEqual(
      registered.map((x) => x.type),
      [],
    );
  }
});

test("a registry that cannot answer stops the deploy the same way, naming every resource it concerns", async () => {
  const resolver: ImageResolver = async (image) => ({
    ok: false,
    problem: "error",
    message: `image ${image}: registry registry-1.docker.io cannot be reached (ENOTFOUND): the machine that deploys needs network access to it`,
  });
  const registered: RecordedResource[] = [];
  await assert.rejects(run({ ...AWS, ...STARTER }, resolver, registered), (e: unknown) => {
    const lines = (e as Error).message.split("\n").slice(1);
    assert.deepEqual(lines.map((l) => l.split(":")[0].trim()).sort(), [
      "cache (image)",
      "the proxy (Caddy) of VM app",
    ]);
    return true;
  });
  assert.deepEqual(registered, []);
});

test("a built image the registry does not confirm as arm64: no release names it and no VM is created", async () => {
  const reg = registry();
  const resolver: ImageResolver = async (image, credentials) =>
    credentials && image.includes("apiservice")
      ? {
          ok: false,
          problem: "no-arm64",
          platforms: ["linux/amd64"],
          message: `image ${image} has no linux/arm64 variant in its registry (it has linux/amd64)`,
        }
      : reg.resolver(image, credentials);
  for (const [config, release] of [
    [AWS, "aws:s3/bucketObjectv2:BucketObjectv2"],
    [GCP, "gcp:compute/instance:Instance"],
  ] as const) {
    const registered: RecordedResource[] = [];
    await assert.rejects(run({ ...config, ...STARTER }, resolver, registered), (e: unknown) => {
      assert.match(
        (e as Error).message,
        /apiservice \(image\): image \S+apiservice:[0-9a-f]{16} has no linux\/arm64 variant in its registry \(it has linux\/amd64\) \(the image was built and pushed; no release names it\)$/,
      );
      return true;
    });
    assert.deepEqual(
      registered.filter((x) => x.type === release).map((x) => x.name),
      [],
      "the release is not delivered",
    );
    // On AWS the instance does not carry the release: it waits for the builds' proof all the same.
    assert.deepEqual(
      registered
        .filter((x) => /:(ec2\/instance|compute\/instance):Instance$/.test(x.type))
        .map((x) => x.name),
      [],
      "no VM is created",
    );
    assert.ok(
      registered.some((x) => x.type === "command:local:Command" && x.name.includes("apiservice")),
      "the build ran",
    );
  }
});

test("published images in the stack's cloud registry are read with the stack's credentials, others anonymously", async () => {
  for (const [config, image, credentials] of [
    [
      AWS,
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/redis:7",
      { username: "AWS", password: "(registry token)" },
    ],
    [
      GCP,
      "europe-docker.pkg.dev/demo-project/team/redis:7",
      { username: "oauth2accesstoken", password: "(access token)" },
    ],
  ] as const) {
    const reg = registry();
    const r = await run(
      { ...config, ...STARTER, "aspire:images": JSON.stringify({ cache: image }) },
      reg.resolver,
    );
    assert.deepEqual(
      reg.asked
        .filter((a) => !/apiservice|webfrontend/.test(a.image))
        .sort((a, b) => a.image.localeCompare(b.image)),
      [{ image, credentials }, { image: "docker.io/library/caddy:2.10" }].sort((a, b) =>
        a.image.localeCompare(b.image),
      ),
    );
    assert.ok(
      composeImages(r).includes(`${image.replace(/:7$/, "")}@${reg.digestOf(image)}`),
      composeImages(r).join("\n"),
    );
  }
});

test("a Dockerfile whose target stage has RUN steps: the deploy warns on a builder that is not arm64, and not for the $BUILDPLATFORM pattern", async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-arm-emulation-"));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const files: Record<string, string> = {
    "slow/Dockerfile": "FROM node:22\nCOPY . .\nRUN npm ci\n",
    "fast/Dockerfile":
      "FROM --platform=$BUILDPLATFORM node:22 AS build\nRUN npm ci\nFROM node:22\nCOPY --from=build /app /app\n",
  };
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.join(root, path.dirname(file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  const manifest = path.join(root, "App.AppHost", "aspire-manifest.json");
  fs.mkdirSync(path.dirname(manifest));
  fs.writeFileSync(
    manifest,
    JSON.stringify({
      resources: {
        slow: { type: "dockerfile.v0", path: "../slow/Dockerfile", context: "../slow" },
        fast: { type: "dockerfile.v0", path: "../fast/Dockerfile", context: "../fast" },
      },
    }),
  );
  const warnings: string[] = [];
  t.mock.method(console, "warn", (text: string) => warnings.push(String(text)));
  await run({ ...AWS, "aspire:manifest": manifest }, registry().resolver);
  const emulation = warnings.filter((w) => /QEMU/.test(w));
  assert.deepEqual(
    emulation.map((w) => w.replace(/^warning: \[runtime\] /, "").split(":")[0]),
    process.arch === "arm64" ? [] : ["slow"],
    warnings.join("\n"),
  );
  if (process.arch !== "arm64")
    assert.match(emulation[0], /target stage 0 has RUN steps \(line 3\)/);
});

test("a build runs again when its sources or plain settings change, never for new credentials alone", async () => {
  // @pulumi/command 1.x replaces a Command (runs `create`) when a trigger changes and runs
  // `update` for any other input change (local/command.d.ts: "If an update command isn't
  // provided, then create will also be run when the resource's inputs are modified"). The
  // registry's credentials are new on every deploy, so they must not rebuild and push a new digest.
  for (const config of [AWS, GCP]) {
    const r = await run({ ...config, ...STARTER }, registry().resolver);
    const builds = r.resources.filter(
      (x) => x.type === "command:local:Command" && x.name.includes("-images-"),
    );
    assert.equal(builds.length, 2);
    for (const b of builds) {
      assert.equal(
        b.inputs.update,
        ":",
        `${b.name}: a change of secret inputs only builds nothing`,
      );
      // A secret input reaches the mocks wrapped: { <secret signature>: ..., value }.
      const environment = (b.inputs.environment as { value: Record<string, string> }).value;
      const [tag, plain] = b.inputs.triggers as [string, Record<string, string>];
      assert.match(tag, /^[0-9a-f]{16}$/);
      const secretKeys = ["REGISTRY_USER", "REGISTRY_PASSWORD"];
      assert.deepEqual(
        plain,
        Object.fromEntries(
          Object.entries(environment).filter(
            ([k]) => !secretKeys.includes(k) && !k.startsWith("BUILD_SECRET_"),
          ),
        ),
        `${b.name}: every plain value of the build is a trigger`,
      );
      assert.ok(plain.ASPIRE_IMAGE.endsWith(`:${tag}`), plain.ASPIRE_IMAGE);
      assert.ok(environment.REGISTRY_PASSWORD, "the credentials are in the environment only");
    }
  }
});

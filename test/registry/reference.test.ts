// Image names as the registry client reads them: which host to ask, which repository, tag, digest.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseImageName, pinnedReference } from "../../src/registry/reference";

const D = `sha256:${"a".repeat(64)}`;

test("Docker Hub names: official images under library/, asked at registry-1.docker.io", () => {
  for (const image of [
    "redis:7",
    "docker.io/redis:7",
    "docker.io/library/redis:7",
    "index.docker.io/library/redis:7",
  ]) {
    const n = parseImageName(image);
    assert.equal(n?.host, "registry-1.docker.io", image);
    assert.equal(n?.repository, "library/redis", image);
    assert.equal(n?.tag, "7", image);
  }
  assert.equal(parseImageName("bitnami/redis")?.repository, "bitnami/redis");
  assert.equal(parseImageName("bitnami/redis")?.tag, undefined);
});

test("other registries: the first component is a host when it has a dot or a port, or is localhost", () => {
  assert.deepEqual(parseImageName(`mcr.microsoft.com/dotnet/aspire-dashboard:9.0@${D}`), {
    original: `mcr.microsoft.com/dotnet/aspire-dashboard:9.0@${D}`,
    host: "mcr.microsoft.com",
    repository: "dotnet/aspire-dashboard",
    tag: "9.0",
    digest: D,
    name: "mcr.microsoft.com/dotnet/aspire-dashboard",
  });
  assert.equal(parseImageName("ghcr.io/org/app:1")?.repository, "org/app");
  assert.equal(parseImageName("quay.io/keycloak/keycloak:26.0")?.host, "quay.io");
  assert.equal(parseImageName("localhost/app")?.host, "localhost");
  assert.deepEqual(
    [
      parseImageName("127.0.0.1:5000/team/app:1")?.host,
      parseImageName("127.0.0.1:5000/team/app:1")?.repository,
    ],
    ["127.0.0.1:5000", "team/app"],
  );
});

test("a pinned reference is the name as written at the digest, without the tag", () => {
  const n = parseImageName("docker.io/library/redis:7.4");
  assert.ok(n);
  assert.equal(pinnedReference(n, D), `docker.io/library/redis@${D}`);
  assert.equal(pinnedReference(parseImageName("redis:7")!, D), `redis@${D}`);
});

test("what is not a reference is undefined", () => {
  for (const bad of ["", "a:b:c", "redis@sha256:short", "host:5000/:tag"])
    assert.equal(parseImageName(bad), undefined, bad);
});

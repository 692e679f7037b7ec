// The stack's segment in physical names: lower-case [a-z0-9-], at most 50 characters, unchanged for
// stack names that already are, and distinct for every two stack names Pulumi allows. Names cut to
// a cloud's limit (fitName) and names made unique by numbering (uniqueSafeNames).
import { test } from "node:test";
import assert from "node:assert/strict";
import { envName, fitName, privateZone, safeName, stackSegment } from "../../src/plan";
import { uniqueSafeNames } from "../../src/plan/names";
import { secretPrefix } from "../../src/render";

test("a stack whose name is already safe keeps it in every physical name", () => {
  for (const stack of ["dev", "gcp-dev", "prod", "test", "a", "x".repeat(50)])
    assert.equal(stackSegment(stack), stack);
  assert.equal(secretPrefix("aws", "dev"), "/aspire-arm/dev/");
  assert.equal(secretPrefix("gcp", "gcp-dev"), "aspire-arm-gcp-dev--");
  assert.equal(privateZone("dev"), "dev.aspire.internal");
});

test("stack names that normalise alike get distinct segments, each lower-case [a-z0-9-] within 50", () => {
  const long =
    "Release.Candidate_2026-04.With.A.Very_Long.Name.For-Testing-Limits.Of.Every_Cloud_0123456789";
  const names = [
    "Prod",
    "prod",
    "PROD",
    "Feature_Branch.42",
    "feature_branch.42",
    "feature-branch-42",
    "feature.branch.42",
    "x".repeat(51),
    "x".repeat(50),
    long,
    `${long}x`,
    "-",
    "_",
    ".",
  ];
  const segments = names.map(stackSegment);
  assert.equal(new Set(segments).size, names.length, segments.join("\n"));
  for (const s of segments) assert.match(s, /^[a-z0-9]([a-z0-9-]{0,48}[a-z0-9])?$/, s);
  assert.match(stackSegment("Feature_Branch.42"), /^feature-branch-42-[0-9a-f]{8}$/);
});

test("stackSegment: a cut that ends on a dash keeps no dash before the hash", () => {
  // safeName gives "x" * 40 + "-y"; its first 41 characters end on that dash.
  assert.match(stackSegment(`${"X".repeat(40)}.y`), /^x{40}-[0-9a-f]{8}$/);
});

test("fitName: a name within max is kept as it is; a longer one is cut to exactly max, ending in a hash of the whole", () => {
  assert.equal(fitName("web", 10), "web");
  assert.equal(fitName("abcdefghij", 10), "abcdefghij");
  const long = "abcdefghijk"; // 11 characters
  const fitted = fitName(long, 10);
  assert.equal(fitted.length, 10);
  assert.match(fitted, /^abc-[0-9a-f]{6}$/);
  assert.equal(fitName(long, 10), fitted, "the same name fits the same way");
  // Two names alike in their head stay apart.
  assert.notEqual(fitName("abcdefghiXk", 10), fitted);
  assert.match(fitName("abcdefghiXk", 10), /^abc-[0-9a-f]{6}$/);
  const name = "my-service-on-a-long-stack-name";
  assert.equal(fitName(name, 20).length, 20);
  assert.match(fitName(name, 20), /^my-service-on-[0-9a-f]{6}$/);
  // The head loses its trailing dashes: one dash before the hash.
  assert.match(fitName("ab--cdefghijk", 11), /^ab-[0-9a-f]{6}$/);
  assert.match(fitName("abc-defghijk", 11), /^abc-[0-9a-f]{6}$/);
});

test("uniqueSafeNames: names that sanitise alike are numbered -2, -3 in order; reserved names are skipped", () => {
  assert.deepEqual(
    [...uniqueSafeNames(["Api", "api", "API_", "web"])],
    [
      ["Api", "api"],
      ["api", "api-2"],
      ["API_", "api-3"],
      ["web", "web"],
    ],
  );
  assert.deepEqual(
    [...uniqueSafeNames(["caddy", "Caddy", "db"], ["caddy", "db"])],
    [
      ["caddy", "caddy-2"],
      ["Caddy", "caddy-3"],
      ["db", "db-2"],
    ],
  );
});

test("safeName and envName: runs of other characters and dashes become one separator, none at either end", () => {
  assert.equal(safeName("CQRS-Library--BookService_-Db"), "cqrs-library-bookservice-db");
  assert.equal(
    safeName(`${"a".repeat(49)}-bcd`),
    "a".repeat(49),
    "cut at 50, then its trailing dash",
  );
  assert.equal(envName("cache..password"), "CACHE_PASSWORD");
  assert.equal(envName("-cache-password-"), "CACHE_PASSWORD");
});

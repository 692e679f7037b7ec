// The stack's segment in physical names: lower-case [a-z0-9-], at most 50 characters, unchanged for
// stack names that already are, and distinct for every two stack names Pulumi allows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { privateZone, stackSegment } from "../../src/plan";
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

// imdsv2-required (policies/imdsv2-required.ts) over hand-built resources.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkAll, imdsv2Required } from "../../policies";
import { awsInstance, ctx, found } from "./support";

test("imdsv2-required: missing httpTokens, optional tokens, missing metadataOptions and a hop limit of 3 are caught", () => {
  const vs = imdsv2Required([
    awsInstance("no-tokens", { metadataOptions: { httpEndpoint: "enabled" } }),
    awsInstance("optional", { metadataOptions: { httpTokens: "optional" } }),
    awsInstance("no-options", { metadataOptions: undefined }),
    awsInstance("hops", {
      metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 3 },
    }),
    awsInstance("ok"),
  ]);
  assert.deepEqual(found(vs), [
    "imdsv2-required no-tokens",
    "imdsv2-required optional",
    "imdsv2-required no-options",
    "imdsv2-required hops",
  ]);
  assert.match(vs[0].message, /httpTokens is not set/);
  assert.match(vs[3].message, /HopLimit is 3/);
  assert.deepEqual(
    found(
      checkAll([awsInstance("no-tokens", { metadataOptions: { httpEndpoint: "enabled" } })], ctx),
    ),
    ["imdsv2-required no-tokens"],
  );
});

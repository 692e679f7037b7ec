// The policies' readers of resources (policies/resources.ts). The policies load no @pulumi
// package, so they keep their one copy of Pulumi's secret signature: it must be the SDK's.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { plain, PULUMI_SECRET_SIG, PULUMI_SIG_KEY } from "../../policies/resources";

test("the policies' copy of Pulumi's secret signature is the SDK's (runtime.specialSigKey, runtime.specialSecretSig)", () => {
  assert.equal(PULUMI_SIG_KEY, pulumi.runtime.specialSigKey);
  assert.equal(PULUMI_SECRET_SIG, pulumi.runtime.specialSecretSig);
});

test("plain: a secret wrapped as the SDK wraps it reads as its value, at any depth", () => {
  const secret = (value: unknown) => ({
    [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
    value,
  });
  assert.deepEqual(plain({ a: secret("s"), b: [secret({ c: secret(1) })], d: "x" }), {
    a: "s",
    b: [{ c: 1 }],
    d: "x",
  });
});

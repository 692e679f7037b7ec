// gcp-ingress-default-deny (policies/gcp-ingress-default-deny.ts) over hand-built firewalls.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkAll, gcpIngressDefaultDeny, type PolicyResource } from "../../policies";
import { awsInstance, ctx, denyAll, firewall, found, gcpInstance } from "./support";

test("gcp-ingress-default-deny: each GCP instance needs a deny-all ingress rule from 0.0.0.0/0 at 1000 or a smaller number", () => {
  const vm = gcpInstance("web");
  const check = (...rules: PolicyResource[]) => found(gcpIngressDefaultDeny([vm, ...rules]));
  const caught = ["gcp-ingress-default-deny web"];
  // Covered: by tag, by the whole network, with the default priority, by a path to the network.
  assert.deepEqual(check(denyAll("deny")), []);
  assert.deepEqual(check(denyAll("deny", { targetTags: undefined })), []);
  assert.deepEqual(check(denyAll("deny", { priority: undefined })), []);
  assert.deepEqual(
    check(denyAll("deny", { priority: 10, network: "projects/p/global/networks/default" })),
    [],
  );
  assert.deepEqual(
    check(denyAll("deny", { sourceRanges: undefined })),
    [],
    "an ingress rule without a source applies to 0.0.0.0/0",
  );
  // Not covered.
  assert.deepEqual(check(), caught);
  assert.deepEqual(
    check(denyAll("low", { priority: 65534 })),
    caught,
    "below the default 1000: an allow rule at 1000 would win",
  );
  assert.deepEqual(check(denyAll("other-tag", { targetTags: ["other"] })), caught);
  assert.deepEqual(check(denyAll("other-net", { network: "my-vpc" })), caught);
  assert.deepEqual(check(denyAll("off", { disabled: true })), caught);
  assert.deepEqual(
    check(
      denyAll("egress", {
        direction: "EGRESS",
        sourceRanges: undefined,
        destinationRanges: ["0.0.0.0/0"],
      }),
    ),
    caught,
  );
  assert.deepEqual(check(denyAll("tcp-only", { denies: [{ protocol: "tcp" }] })), caught);
  assert.deepEqual(
    check(denyAll("some-ports", { denies: [{ protocol: "all", ports: ["22"] }] })),
    caught,
  );
  assert.deepEqual(check(denyAll("internal", { sourceRanges: ["10.128.0.0/9"] })), caught);
  assert.deepEqual(check(denyAll("v6", { sourceRanges: ["::/0"] })), caught);
  assert.deepEqual(
    check(
      firewall("allow", {
        priority: 1000,
        allows: [{ protocol: "all" }],
        sourceRanges: ["0.0.0.0/0"],
        targetTags: ["app"],
      }),
    ),
    caught,
  );
  const [v] = gcpIngressDefaultDeny([vm, denyAll("low", { priority: 65534 })]);
  assert.match(v.message, /at priority 1000 or a smaller number \(low has priority 65534\)/);
  assert.match(v.message, /default-allow-internal/);
  // AWS instances are not its business; the instance's other tag or its service account count too.
  assert.deepEqual(gcpIngressDefaultDeny([awsInstance("aws")]), []);
  assert.deepEqual(check(denyAll("own", { targetTags: ["web"] })), []);
  const withAccount = gcpInstance("sa", "t2a-standard-1", {
    serviceAccount: { email: "vm@p.iam.gserviceaccount.com", scopes: [] },
  });
  assert.deepEqual(
    gcpIngressDefaultDeny([
      withAccount,
      denyAll("sa", {
        targetTags: undefined,
        targetServiceAccounts: ["vm@p.iam.gserviceaccount.com"],
      }),
    ]),
    [],
  );
  assert.deepEqual(
    found(
      gcpIngressDefaultDeny([
        withAccount,
        denyAll("sa", {
          targetTags: undefined,
          targetServiceAccounts: ["other@p.iam.gserviceaccount.com"],
        }),
      ]),
    ),
    ["gcp-ingress-default-deny sa"],
  );
  assert.deepEqual(found(checkAll([vm], ctx)), caught);
});

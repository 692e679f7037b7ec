// Where the AWS VMs go: one availability zone that offers every instance type of the stack, chosen
// from EC2's instance type offerings (the mock answers them as a region where us-east-1e has no
// t4g, Graviton5 m9g is in zones a and b only, and x8g in c and d only: see mockAwsOffers).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { chooseZone, cidrSubnet, vpcDnsProblem } from "../../components/aws/network";
import {
  defaultSubnetId,
  mockAwsOffers,
  mockAwsZones,
  runProgramWithMocks,
  type MockRun,
  type RecordedResource,
} from "../../src/cli/mock-program";
import { fixturesDir, programFile } from "../support/paths";

/** postgres (a named volume: a data disk) and api. */
const VOLUME_APP = path.join(fixturesDir, "volume-app.json");
const US_EAST_1 = {
  "aspire:cloud": "aws",
  "aws:region": "us-east-1",
  "aspire:manifest": VOLUME_APP,
};

const ofType = (r: MockRun, type: string) => r.resources.filter((x) => x.type === type);
const one = (r: MockRun, type: string, name: string) => {
  const found = ofType(r, type).filter((x) => x.name === name);
  assert.equal(found.length, 1, `one ${type} ${name}`);
  return found[0] as RecordedResource;
};

async function rejectsWith(config: Record<string, string>, message: RegExp): Promise<void> {
  await assert.rejects(runProgramWithMocks(programFile, "test", config), (e: unknown) => {
    assert.equal((e as Error).constructor.name, "RunError", String(e));
    assert.match((e as Error).message, message);
    return true;
  });
}

test("chooseZone: the first candidate, in the order given, whose zone offers every type", () => {
  const offerings = {
    instanceTypes: ["t4g.small", "t4g.small", "m7g.large", "t4g.small", "m7g.large"],
    locations: ["z-a", "z-b", "z-b", "z-c", "z-c"],
  };
  const candidates = [
    { zone: "z-a", subnetId: "s-1" },
    { zone: "z-c", subnetId: "s-2" },
    { zone: "z-b", subnetId: "s-3" },
  ];
  assert.deepEqual(chooseZone(candidates, ["t4g.small"], offerings, "x"), {
    zone: "z-a",
    subnetId: "s-1",
  });
  // z-a lacks m7g: the next candidate in the given order, not in name order.
  assert.deepEqual(
    chooseZone(candidates, ["t4g.small", "m7g.large", "t4g.small"], offerings, "x"),
    { zone: "z-c", subnetId: "s-2" },
  );
  // The same answer every time for the same offer: nothing random, nothing from a Set's history.
  for (let i = 0; i < 5; i++)
    assert.equal(chooseZone(candidates, ["m7g.large", "t4g.small"], offerings, "x").zone, "z-c");
});

test("chooseZone: with no zone for all types, a RunError listing which zones offer which type", () => {
  const offerings = {
    instanceTypes: ["m9g.large", "m9g.large", "x8g.large"],
    locations: ["z-a", "z-b", "z-c"],
  };
  assert.throws(
    () =>
      chooseZone(
        [{ zone: "z-a" }, { zone: "z-b" }, { zone: "z-c" }],
        ["x8g.large", "m9g.large", "c8g.large"],
        offerings,
        "the region",
      ),
    (e: Error) => {
      assert.equal(e.constructor.name, "RunError");
      assert.match(
        e.message,
        /no availability zone of the region \(z-a, z-b, z-c\) offers every instance type of the stack \(c8g\.large, m9g\.large, x8g\.large\)/,
      );
      assert.match(
        e.message,
        /\n  c8g\.large: no zone of the region\n  m9g\.large: z-a, z-b\n  x8g\.large: z-c\n/,
      );
      assert.match(e.message, /aspire:instanceType.*aspire:network \{vpcId, subnetIds\}/s);
      return true;
    },
  );
});

test("the mock region is shaped like us-east-1: the lowest default subnet id is in us-east-1e, which offers no t4g", () => {
  const zones = mockAwsZones("us-east-1");
  const lowest = zones.map(defaultSubnetId).sort()[0];
  assert.equal(lowest, defaultSubnetId("us-east-1e"));
  assert.equal(mockAwsOffers("us-east-1", "us-east-1e", "t4g.small"), false);
  assert.equal(mockAwsOffers("us-east-1", "us-east-1e", "m6g.large"), true);
  assert.equal(mockAwsOffers("us-east-1", "us-east-1a", "t4g.small"), true);
});

test("default VPC in us-east-1: the VMs skip us-east-1e (lowest subnet id, no t4g) for the next subnet whose zone has t4g, and the data volume goes there too", async () => {
  const r = await runProgramWithMocks(programFile, "test", US_EAST_1);
  const instance = one(r, "aws:ec2/instance:Instance", "app-app");
  // Subnets by id: 01-e (no t4g), then 02-c.
  assert.equal(instance.inputs.subnetId, defaultSubnetId("us-east-1c"));
  assert.equal(
    one(r, "aws:ebs/volume:Volume", "app-app-data").inputs.availabilityZone,
    "us-east-1c",
  );
  // Stable: the same offer gives the same subnet on the next deploy.
  const again = await runProgramWithMocks(programFile, "test", US_EAST_1);
  assert.equal(
    one(again, "aws:ec2/instance:Instance", "app-app").inputs.subnetId,
    instance.inputs.subnetId,
  );
});

test("the zone offers every VM's type: t4g and Graviton5 m9g on two VMs go to the first subnet whose zone has both", async () => {
  const vms = JSON.stringify({
    db: { resources: ["postgres"], instanceType: "m9g.large" },
    web: { resources: ["api"], instanceType: "t4g.small" },
  });
  const r = await runProgramWithMocks(programFile, "test", { ...US_EAST_1, "aspire:vms": vms });
  // m9g is in a and b only; by subnet id: 01-e, 02-c, 03-b.
  for (const name of ["app-db", "app-web"])
    assert.equal(
      one(r, "aws:ec2/instance:Instance", name).inputs.subnetId,
      defaultSubnetId("us-east-1b"),
    );
  assert.equal(
    one(r, "aws:ebs/volume:Volume", "app-db-data").inputs.availabilityZone,
    "us-east-1b",
  );
});

test("types no zone offers together fail with a RunError listing each type's zones", async () => {
  const vms = JSON.stringify({
    db: { resources: ["postgres"], instanceType: "m9g.large" },
    web: { resources: ["api"], instanceType: "x8g.large" },
  });
  await rejectsWith(
    { ...US_EAST_1, "aspire:vms": vms },
    /no availability zone of the default VPC's default subnets \(us-east-1a, [^)]*us-east-1f\) offers every instance type of the stack \(m9g\.large, x8g\.large\)[\s\S]*m9g\.large: us-east-1a, us-east-1b\n  x8g\.large: us-east-1c, us-east-1d/,
  );
});

test('aspire:network "create": the subnet goes in the first zone by name that offers every type', async () => {
  const plain = await runProgramWithMocks(programFile, "test", {
    ...US_EAST_1,
    "aspire:network": "create",
  });
  assert.equal(
    one(plain, "aws:ec2/subnet:Subnet", "app-public").inputs.availabilityZone,
    "us-east-1a",
  );
  const x8g = await runProgramWithMocks(programFile, "test", {
    ...US_EAST_1,
    "aspire:network": "create",
    "aspire:instanceType": "x8g.large",
  });
  const subnet = one(x8g, "aws:ec2/subnet:Subnet", "app-public");
  assert.equal(subnet.inputs.availabilityZone, "us-east-1c");
  // Instance and volume follow the created subnet.
  assert.equal(one(x8g, "aws:ec2/instance:Instance", "app-app").inputs.subnetId, "app-public-id");
  assert.equal(
    one(x8g, "aws:ebs/volume:Volume", "app-app-data").inputs.availabilityZone,
    "us-east-1c",
  );
});

test("existing subnets: the first one, in the configured order, whose zone offers every type; none: a RunError naming the subnets", async () => {
  const network = (subnetIds: string[], vpcId = "vpc-0abc") => JSON.stringify({ vpcId, subnetIds });
  const r = await runProgramWithMocks(programFile, "test", {
    ...US_EAST_1,
    "aspire:network": network(["subnet-0aaa-e", "subnet-0bbb-d", "subnet-0ccc-a"]),
  });
  assert.equal(one(r, "aws:ec2/instance:Instance", "app-app").inputs.subnetId, "subnet-0bbb-d");
  assert.equal(
    one(r, "aws:ebs/volume:Volume", "app-app-data").inputs.availabilityZone,
    "us-east-1d",
  );
  await rejectsWith(
    { ...US_EAST_1, "aspire:network": network(["subnet-0aaa-e"]) },
    /no availability zone of the subnets subnet-0aaa-e \(us-east-1e\) offers every instance type of the stack \(t4g\.small\)[\s\S]*t4g\.small: us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1f/,
  );
});

test("a VPC without DNS support or DNS hostnames fails with the commands that turn them on: the private zone would not answer", async () => {
  assert.equal(
    vpcDnsProblem({ id: "vpc-1", enableDnsSupport: true, enableDnsHostnames: true }),
    undefined,
  );
  assert.match(
    String(vpcDnsProblem({ id: "vpc-1", enableDnsSupport: true, enableDnsHostnames: false })),
    /vpc-1 has enableDnsHostnames off.*--enable-dns-hostnames/,
  );
  await rejectsWith(
    {
      ...US_EAST_1,
      "aspire:network": JSON.stringify({ vpcId: "vpc-0nodns", subnetIds: ["subnet-0aaa-a"] }),
    },
    /VPC vpc-0nodns has enableDnsSupport and enableDnsHostnames off/,
  );
});

test("cidrSubnet: the created VPC's subnet is the /24 its block starts with", () => {
  assert.equal(cidrSubnet("10.42.0.0/16"), "10.42.0.0/24");
  assert.equal(cidrSubnet("10.0.0.0/8"), "10.0.0.0/24");
  assert.equal(cidrSubnet("172.16.32.0/20"), "172.16.32.0/24");
  assert.equal(cidrSubnet("192.168.7.0/24"), "192.168.7.0/24");
  assert.throws(
    () => cidrSubnet("999.1.1.1/99"),
    /aspire:network: 999\.1\.1\.1\/99 is not an IPv4 CIDR/,
  );
  assert.throws(() => cidrSubnet("2001:db8::/48"), /not an IPv4 CIDR/);
});

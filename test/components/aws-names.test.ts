// Text and names the AWS component writes, in the characters each AWS API accepts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ec2Description, ecrRepositoryName } from "../../components/aws/names";

test("ec2Description keeps EC2's characters and replaces every other, within 255", () => {
  assert.equal(
    ec2Description("aspire-arm Feature_Branch.42: VM app"),
    "aspire-arm Feature_Branch.42: VM app",
  );
  assert.equal(
    ec2Description("SSH (aspire:ssh) #1, @[x]+=&;{}!$*/"),
    "SSH (aspire:ssh) #1, @[x]+=&;{}!$*/",
  );
  assert.equal(ec2Description('the app\'s "own" VMs, café'), "the app-s -own- VMs, caf-");
  assert.equal(ec2Description("x".repeat(300)).length, 255);
});

test("ecrRepositoryName: lower case for any stack name Pulumi allows, unchanged for safe ones", () => {
  assert.equal(ecrRepositoryName("dev", "apiservice"), "aspire-arm/dev/apiservice");
  const name = ecrRepositoryName("Feature_Branch.42", "apiservice");
  assert.match(name, /^aspire-arm\/feature-branch-42-[0-9a-f]{8}\/apiservice$/);
  assert.notEqual(ecrRepositoryName("Prod", "api"), ecrRepositoryName("prod", "api"));
});

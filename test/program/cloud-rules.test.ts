// The clouds' own rules (test/support/cloud-rules.ts) over every resource the program registers
// under Pulumi's mocks. Mocks accept any input; the table says what EC2, IAM, SSM, ECR, Route 53,
// Compute Engine, Secret Manager, Artifact Registry and Cloud DNS would refuse, with the page it
// comes from. First the table itself: it catches what it is there to catch.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { RecordedResource } from "../../src/cli/mock-program";
import { checkAcrossStacks, checkResources, formatViolation, RESOURCE_TYPES, RULES, ruleCount, type Violation } from "../support/cloud-rules";

/** A resource as runProgramWithMocks records it. */
function recorded(type: string, name: string, inputs: Record<string, unknown>, stack = "Feature_Branch.42"): RecordedResource {
  return { type, name, inputs, urn: `urn:pulumi:${stack}::aspire::${type}::${name}` };
}

const find = (violations: readonly Violation[], type: string, input: string) => violations.find((v) => v.type === type && v.input === input);

test("the rules catch the two bugs found before the fixes: an apostrophe in a security group description, an upper-case ECR name", () => {
  // Shaped like the program's output before the fixes, for stack Feature_Branch.42.
  const tags = { "aspire-arm-stack": "Feature_Branch.42", "managed-by": "aspire-arm" };
  const violations = checkResources([
    recorded("aws:ec2/securityGroup:SecurityGroup", "app-members", { description: "aspire-arm Feature_Branch.42: the app's own VMs", vpcId: "vpc-0abc", tags }),
    recorded("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "app-app-private-tcp-6379", {
      securityGroupId: "sg-0abc",
      ipProtocol: "tcp",
      fromPort: 6379,
      toPort: 6379,
      referencedSecurityGroupId: "sg-0def",
      description: "cache, from the app's VMs",
    }),
    recorded("aws:ecr/repository:Repository", "app-api", { name: "aspire-arm/Feature_Branch.42/api", imageTagMutability: "MUTABLE", tags }),
  ]);
  const sg = find(violations, "aws:ec2/securityGroup:SecurityGroup", "description");
  assert.ok(sg, violations.map(formatViolation).join("\n"));
  assert.match(sg.rule, /a-z, A-Z, 0-9, spaces and \._-:\/\(\)#,@\[\]\+=&;\{\}!\$\*/);
  assert.equal(sg.source, "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html");
  assert.equal(sg.urn, "urn:pulumi:Feature_Branch.42::aspire::aws:ec2/securityGroup:SecurityGroup::app-members");
  assert.ok(find(violations, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "description"));
  const ecr = find(violations, "aws:ecr/repository:Repository", "name");
  assert.ok(ecr);
  assert.match(ecr.rule, /lower case only/);
  assert.equal(ecr.source, "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html");
  // The message names resource, input, rule and source.
  assert.match(formatViolation(ecr), /^urn:pulumi:Feature_Branch\.42::aspire::aws:ecr\/repository:Repository::app-api: input name = "aspire-arm\/Feature_Branch\.42\/api" breaks ".*" \[https:\/\/docs\.aws\.amazon\.com\/.*\]$/);
  assert.equal(violations.length, 3, violations.map(formatViolation).join("\n"));
});

test("the rules catch GCP boot disks below the image size, Persistent Disk on C4A, long names and unknown types", () => {
  const instance = (machineType: string, type: string, size: number) =>
    recorded("gcp:compute/instance:Instance", "app-app", {
      machineType,
      zone: "us-central1-a",
      bootDisk: { initializeParams: { image: "ubuntu-os-cloud/ubuntu-2404-lts-arm64", type, size, architecture: "ARM64" } },
    });
  const small = checkResources([instance("t2a-standard-1", "pd-balanced", 8)]);
  assert.match(String(find(small, "gcp:compute/instance:Instance", "bootDisk.initializeParams.size")?.detail), /8 GB for a 10 GB image/);
  assert.ok(find(checkResources([instance("c4a-standard-4", "pd-balanced", 20)]), "gcp:compute/instance:Instance", "bootDisk.initializeParams.type"));
  assert.deepEqual(checkResources([instance("c4a-standard-4", "hyperdisk-balanced", 20)]), []);

  // An auto-named firewall: the logical name plus Pulumi's 8 characters must stay within 63.
  const firewall = (vm: string) => recorded("gcp:compute/firewall:Firewall", `app-${vm}-private`, { network: "default", priority: 900, direction: "INGRESS", targetTags: ["aspire-arm-x--y"] });
  assert.deepEqual(checkResources([firewall("x".repeat(43))]), []);
  assert.ok(find(checkResources([firewall("x".repeat(44))]), "gcp:compute/firewall:Firewall", "<physical name>"));

  const account = recorded("gcp:serviceaccount/account:Account", "app-app", { accountId: "aspire-prod--app", displayName: `aspire-arm ${"S".repeat(100)} app` });
  assert.ok(find(checkResources([account]), "gcp:serviceaccount/account:Account", "displayName"));

  const unknown = checkResources([recorded("aws:s3/bucket:Bucket", "logs", {})]);
  assert.equal(unknown[0]?.input, "(type)");
});

test("the cross-stack check finds names two stacks of one account would both claim", () => {
  const param = (stack: string) => recorded("aws:ssm/parameter:Parameter", "app-db-password", { name: "/aspire-arm/prod/db-password", type: "SecureString" }, stack);
  const [v] = checkAcrossStacks([param("Prod")], [param("prod")]);
  assert.equal(v?.input, "name");
  assert.match(v.rule, /unique in a Region/);
});

test("the table: every rule has a description, a source and a known type; both clouds are covered", () => {
  for (const r of RULES) {
    assert.ok(RESOURCE_TYPES[r.type], `rule on unknown type ${r.type}`);
    assert.ok(r.rule.length > 10 && /^https:\/\//.test(r.source), `${r.type} ${r.input}`);
  }
  const withRules = new Set(RULES.map((r) => r.type));
  const bare = Object.entries(RESOURCE_TYPES).filter(([t, e]) => !withRules.has(t) && !e.what.startsWith("component"));
  assert.deepEqual(bare.map(([t]) => t), [], "every cloud resource type has at least one rule");
  assert.ok(ruleCount("aws") > 50 && ruleCount("gcp") > 40, `${ruleCount("aws")} AWS rules, ${ruleCount("gcp")} GCP rules`);
});

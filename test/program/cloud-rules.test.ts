// The clouds' own rules (test/support/cloud-rules.ts) over every resource the program registers
// under Pulumi's mocks. Mocks accept any input; the table says what EC2, IAM, SSM, ECR, Route 53,
// Compute Engine, Secret Manager, Artifact Registry and Cloud DNS would refuse, with the page it
// comes from. First the table itself: it catches what it is there to catch.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  defaultSubnetId,
  invoke,
  mockAwsZones,
  runProgramWithMocks,
  type RecordedResource,
} from "../../src/cli/mock-program";
import {
  checkAcrossStacks,
  checkResources,
  formatViolation,
  RESOURCE_TYPES,
  RULES,
  ruleCount,
  type Violation,
} from "../support/cloud-rules";
import {
  corpusDir,
  deployableCorpus,
  fixturesDir,
  programFile,
  SHARED_MISSING,
  starterManifest,
} from "../support/paths";

/** A resource as runProgramWithMocks records it. */
function recorded(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  stack = "Feature_Branch.42",
): RecordedResource {
  return { type, name, inputs, urn: `urn:pulumi:${stack}::aspire::${type}::${name}` };
}

const find = (violations: readonly Violation[], type: string, input: string) =>
  violations.find((v) => v.type === type && v.input === input);

test("the rules catch the two bugs found before the fixes: an apostrophe in a security group description, an upper-case ECR name", () => {
  // Shaped like the program's output before the fixes, for stack Feature_Branch.42.
  const tags = { "aspire-arm-stack": "Feature_Branch.42", "managed-by": "aspire-arm" };
  const violations = checkResources([
    recorded("aws:ec2/securityGroup:SecurityGroup", "app-members", {
      description: "aspire-arm Feature_Branch.42: the app's own VMs",
      vpcId: "vpc-0abc",
      tags,
    }),
    recorded(
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      "app-app-private-tcp-6379",
      {
        securityGroupId: "sg-0abc",
        ipProtocol: "tcp",
        fromPort: 6379,
        toPort: 6379,
        referencedSecurityGroupId: "sg-0def",
        description: "cache, from the app's VMs",
      },
    ),
    recorded("aws:ecr/repository:Repository", "app-api", {
      name: "aspire-arm/Feature_Branch.42/api",
      imageTagMutability: "MUTABLE",
      tags,
    }),
  ]);
  const sg = find(violations, "aws:ec2/securityGroup:SecurityGroup", "description");
  assert.ok(sg, violations.map(formatViolation).join("\n"));
  assert.match(sg.rule, /a-z, A-Z, 0-9, spaces and \._-:\/\(\)#,@\[\]\+=&;\{\}!\$\*/);
  assert.equal(
    sg.source,
    "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html",
  );
  assert.equal(
    sg.urn,
    "urn:pulumi:Feature_Branch.42::aspire::aws:ec2/securityGroup:SecurityGroup::app-members",
  );
  assert.ok(
    find(violations, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "description"),
  );
  const ecr = find(violations, "aws:ecr/repository:Repository", "name");
  assert.ok(ecr);
  assert.match(ecr.rule, /lower case only/);
  assert.equal(
    ecr.source,
    "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html",
  );
  // The message names resource, input, rule and source.
  assert.match(
    formatViolation(ecr),
    /^urn:pulumi:Feature_Branch\.42::aspire::aws:ecr\/repository:Repository::app-api: input name = "aspire-arm\/Feature_Branch\.42\/api" breaks ".*" \[https:\/\/docs\.aws\.amazon\.com\/.*\]$/,
  );
  assert.equal(violations.length, 3, violations.map(formatViolation).join("\n"));
});

test("the rules catch GCP boot disks below the image size, Persistent Disk on C4A, long names and unknown types", () => {
  const instance = (machineType: string, type: string, size: number) =>
    recorded("gcp:compute/instance:Instance", "app-app", {
      machineType,
      zone: "us-central1-a",
      bootDisk: {
        initializeParams: {
          image: "ubuntu-os-cloud/ubuntu-2404-lts-arm64",
          type,
          size,
          architecture: "ARM64",
        },
      },
    });
  const small = checkResources([instance("t2a-standard-1", "pd-balanced", 8)]);
  assert.match(
    String(find(small, "gcp:compute/instance:Instance", "bootDisk.initializeParams.size")?.detail),
    /8 GB for a 10 GB image/,
  );
  assert.ok(
    find(
      checkResources([instance("c4a-standard-4", "pd-balanced", 20)]),
      "gcp:compute/instance:Instance",
      "bootDisk.initializeParams.type",
    ),
  );
  assert.deepEqual(checkResources([instance("c4a-standard-4", "hyperdisk-balanced", 20)]), []);

  // An auto-named firewall: the logical name plus Pulumi's 8 characters must stay within 63.
  const firewall = (vm: string) =>
    recorded("gcp:compute/firewall:Firewall", `app-${vm}-private`, {
      network: "default",
      priority: 900,
      direction: "INGRESS",
      targetTags: ["aspire-arm-x--y"],
    });
  assert.deepEqual(checkResources([firewall("x".repeat(43))]), []);
  assert.ok(
    find(
      checkResources([firewall("x".repeat(44))]),
      "gcp:compute/firewall:Firewall",
      "<physical name>",
    ),
  );

  // A data disk in another zone than its instance.
  const withDisk = (diskZone: string) => [
    recorded("gcp:compute/disk:Disk", "app-app-data", {
      zone: diskZone,
      type: "pd-balanced",
      size: 10,
    }),
    recorded("gcp:compute/instance:Instance", "app-app", {
      machineType: "t2a-standard-1",
      zone: "us-central1-a",
      bootDisk: {
        initializeParams: {
          image: "ubuntu-os-cloud/ubuntu-2404-lts-arm64",
          type: "pd-balanced",
          size: 20,
        },
      },
      attachedDisks: [{ source: "(app-app-data)", deviceName: "data", mode: "READ_WRITE" }],
    }),
  ];
  assert.match(
    String(
      find(checkResources(withDisk("us-central1-b")), "gcp:compute/disk:Disk", "zone")?.detail,
    ),
    /disk in us-central1-b, instance app-app in us-central1-a/,
  );
  assert.equal(
    find(checkResources(withDisk("us-central1-a")), "gcp:compute/disk:Disk", "zone"),
    undefined,
  );

  const account = recorded("gcp:serviceaccount/account:Account", "app-app", {
    accountId: "aspire-prod--app",
    displayName: `aspire-arm ${"S".repeat(100)} app`,
  });
  assert.ok(find(checkResources([account]), "gcp:serviceaccount/account:Account", "displayName"));

  const unknown = checkResources([recorded("aws:sqs/queue:Queue", "jobs", {})]);
  assert.equal(unknown[0]?.input, "(type)");
});

test("the rules catch what the program did before it asked EC2's offer: t4g.small in the lowest default subnet of us-east-1, in us-east-1e", () => {
  const config = { "aspire:cloud": "aws", "aws:region": "us-east-1" };
  const lowest = mockAwsZones("us-east-1").map(defaultSubnetId).sort()[0];
  const instance = recorded("aws:ec2/instance:Instance", "app-app", {
    instanceType: "t4g.small",
    subnetId: lowest,
    ami: "ami-0abc",
  });
  const volume = recorded("aws:ebs/volume:Volume", "app-app-data", {
    availabilityZone: "us-east-1e",
    size: 10,
    type: "gp3",
    encrypted: true,
  });
  const attachment = recorded("aws:ec2/volumeAttachment:VolumeAttachment", "app-app-data", {
    deviceName: "/dev/sdf",
    volumeId: "app-app-data-id",
    instanceId: "app-app-id",
  });
  const violations = checkResources([instance, volume, attachment], {
    invoke: (token, inputs) => invoke(token, inputs, config),
  });
  const v = find(violations, "aws:ec2/instance:Instance", "instanceType");
  assert.equal(v?.detail, "not offered in us-east-1e", violations.map(formatViolation).join("\n"));
  assert.equal(
    v?.source,
    "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceTypeOfferings.html",
  );
  // The volume is where the instance is (the wrong zone for both): that rule holds.
  assert.equal(violations.length, 1, violations.map(formatViolation).join("\n"));
});

test("the rules catch volumeTags on an instance whose data volume has tags of its own (as the program had)", () => {
  const tags = { "aspire-arm-stack": "dev", "managed-by": "aspire-arm" };
  const resources = (volumeTags?: Record<string, string>) => [
    recorded("aws:ec2/instance:Instance", "app-app", {
      instanceType: "t4g.small",
      tags,
      ...(volumeTags ? { volumeTags } : {}),
    }),
    recorded("aws:ebs/volume:Volume", "app-app-data", {
      availabilityZone: "us-east-1a",
      size: 10,
      tags: { ...tags, Name: "dev-app-data" },
    }),
    recorded("aws:ec2/volumeAttachment:VolumeAttachment", "app-app-data", {
      deviceName: "/dev/sdf",
      volumeId: "app-app-data-id",
      instanceId: "app-app-id",
    }),
  ];
  const v = find(checkResources(resources(tags)), "aws:ec2/instance:Instance", "volumeTags");
  assert.match(String(v?.source), /pulumi\.com\/registry\/packages\/aws\/api-docs\/ec2\/instance/);
  assert.deepEqual(checkResources(resources()), []);
});

test("the cross-stack check finds names two stacks of one account would both claim", () => {
  const param = (stack: string) =>
    recorded(
      "aws:ssm/parameter:Parameter",
      "app-db-password",
      { name: "/aspire-arm/prod/db-password", type: "SecureString" },
      stack,
    );
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
  const bare = Object.entries(RESOURCE_TYPES).filter(
    ([t, e]) => !withRules.has(t) && !e.what.startsWith("component"),
  );
  assert.deepEqual(
    bare.map(([t]) => t),
    [],
    "every cloud resource type has at least one rule",
  );
  assert.ok(
    ruleCount("aws") > 50 && ruleCount("gcp") > 40,
    `${ruleCount("aws")} AWS rules, ${ruleCount("gcp")} GCP rules`,
  );
});

// --- The program's resources over the matrix ------------------------------------------------------
//
// Matrix (about 300 mock runs, 30-40 s on 2 cores; each run takes 60-150 ms):
// - every deployable corpus app x both clouds x one VM / one VM per service, on stack "dev";
// - a sample of apps (the starter, a fixture with named volumes, and two corpus apps: eShop and
//   TestShop) x every awkward stack name x both clouds x both layouts, with everything optional
//   switched on (a created network, SSH with a key, Elastic IPs, the dashboard, a domain): every
//   resource type the program can register appears;
// - C4A (Hyperdisk) and a 40-character VM name on the sample apps.
// The awkward names are all names Pulumi allows ([A-Za-z0-9_.-], at most 100 characters) but no
// cloud takes as they are.

const VOLUME_APP = path.join(fixturesDir, "volume-app.json");
const SAMPLE_CORPUS = [
  "dotnet__eShop@27ee1f7__src__eShop.AppHost__manifest.json",
  "dotnet__aspire__playground__TestShop__TestShop.AppHost__aspire-manifest.json",
]
  .map((f) => path.join(corpusDir, f))
  .filter((f) => fs.existsSync(f));
const SAMPLE = [starterManifest, VOLUME_APP, ...SAMPLE_CORPUS];

const AWKWARD_STACKS = [
  "Prod",
  "Feature_Branch.42",
  // Safe characters, 63 of them: longer than the 50 that names keep.
  "feature-branch-with-a-rather-long-name-for-review-0042-and-more",
  // Pulumi's longest: 100 characters, upper case, dots, underscores.
  "Release.Candidate_2026-04.With.A.Very_Long.Name.For-Testing.The-Limits_Of-Every.Cloud_0123456789ABCD",
];

const CLOUD_CONFIG = {
  aws: { "aspire:cloud": "aws", "aws:region": "us-east-1" },
  gcp: { "aspire:cloud": "gcp", "gcp:zone": "us-central1-a", "gcp:project": "demo-project" },
} as const;
type CloudName = keyof typeof CLOUD_CONFIG;

/** Everything optional switched on: a network of the stack's own, SSH with a key, fixed addresses, the dashboard, a domain. */
const EVERYTHING = {
  "aspire:network": "create",
  "aspire:ssh": JSON.stringify({
    enabled: true,
    cidrs: ["203.0.113.7/32"],
    publicKey:
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl rules@test",
  }),
  "aspire:elasticIp": "true",
  "aspire:dashboard": "true",
  "aspire:domain": "app.example.com",
};

/** Values for the manifest's plain parameters without a default, as a user would set them. */
function parameterConfig(manifest: string): Record<string, string> {
  const doc = JSON.parse(fs.readFileSync(manifest, "utf8")) as {
    resources: Record<string, { type?: string; inputs?: { value?: { default?: unknown } } }>;
  };
  const plain = Object.entries(doc.resources).filter(
    ([, r]) => r.type === "parameter.v0" && !r.inputs?.value?.default,
  );
  return Object.fromEntries(plain.map(([n]) => [`aspire:parameters.${n}`, `value-${n}`]));
}

const seenTypes = new Set<string>();
const matrix = { runs: 0, ms: 0, resources: 0, warnings: 0 };

interface Case {
  readonly manifest: string;
  readonly cloud: CloudName;
  readonly stack: string;
  readonly extra?: Record<string, string>;
}

/** One mock run, checked against the table: the violations as lines naming resource, input, rule and source. */
async function check(
  c: Case,
): Promise<{ resources: readonly RecordedResource[]; problems: string[] }> {
  const params = parameterConfig(c.manifest);
  const config: Record<string, string> = {
    ...CLOUD_CONFIG[c.cloud],
    "aspire:manifest": c.manifest,
    ...params,
    ...c.extra,
  };
  const label = `${path.basename(c.manifest)} on ${c.cloud}, stack ${c.stack}${c.extra ? ` (${Object.keys(c.extra).join(", ")})` : ""}`;
  // The program's warnings (unsupported fields of corpus apps) are counted, not printed 300 times.
  const warn = console.warn;
  console.warn = () => void matrix.warnings++;
  const started = Date.now();
  try {
    const r = await runProgramWithMocks(programFile, c.stack, config, Object.keys(params));
    for (const x of r.resources) seenTypes.add(x.type);
    matrix.resources += r.resources.length;
    const violations = checkResources(r.resources, {
      invoke: (token, inputs) => invoke(token, inputs, config),
    });
    return {
      resources: r.resources,
      problems: violations.map((v) => `${label}: ${formatViolation(v)}`),
    };
  } catch (e) {
    return {
      resources: [],
      problems: [`${label}: the program failed: ${String((e as Error).message ?? e)}`],
    };
  } finally {
    console.warn = warn;
    matrix.runs++;
    matrix.ms += Date.now() - started;
  }
}

async function checkAll(cases: readonly Case[]): Promise<string[]> {
  const problems: string[] = [];
  for (const c of cases) problems.push(...(await check(c)).problems);
  return problems;
}

function assertNone(problems: readonly string[]): void {
  const distinct = [...new Set(problems)];
  assert.equal(
    distinct.length,
    0,
    `${distinct.length} violations of the clouds' rules:\n${distinct.slice(0, 40).join("\n")}${distinct.length > 40 ? "\n..." : ""}`,
  );
}

const LAYOUTS: readonly (Record<string, string> | undefined)[] = [
  undefined,
  { "aspire:vmPerService": "true" },
];
const CLOUDS: readonly CloudName[] = ["aws", "gcp"];

const corpus = deployableCorpus();

test(
  "every deployable corpus app, both clouds, one VM and one VM per service: no resource breaks the clouds' rules",
  { skip: corpus ? false : SHARED_MISSING },
  async (t) => {
    const cases = (corpus ?? []).flatMap((manifest) =>
      CLOUDS.flatMap((cloud) => LAYOUTS.map((extra) => ({ manifest, cloud, stack: "dev", extra }))),
    );
    const before = matrix.runs;
    assertNone(await checkAll(cases));
    t.diagnostic(`${matrix.runs - before} runs of ${corpus?.length} corpus apps`);
  },
);

test("awkward stack names Pulumi allows (upper case, dots, underscores, 60 and 100 characters), everything switched on: no violations", async () => {
  const cases = AWKWARD_STACKS.flatMap((stack) =>
    SAMPLE.flatMap((manifest) =>
      CLOUDS.flatMap((cloud) =>
        LAYOUTS.map((layout) => ({ manifest, cloud, stack, extra: { ...EVERYTHING, ...layout } })),
      ),
    ),
  );
  assertNone(await checkAll(cases));
});

test("C4A (Hyperdisk only) and VM names of 40 characters: no violations", async () => {
  const vm = "a-virtual-machine-name-of-forty-chars-xy";
  assert.equal(vm.length, 40);
  const cases: Case[] = [
    ...SAMPLE.flatMap((manifest) =>
      LAYOUTS.map((layout) => ({
        manifest,
        cloud: "gcp" as const,
        stack: "dev",
        extra: { "aspire:instanceType": "c4a-standard-4", ...layout },
      })),
    ),
    ...CLOUDS.map((cloud) => ({
      manifest: VOLUME_APP,
      cloud,
      stack: "Feature_Branch.42",
      extra: { ...EVERYTHING, "aspire:vms": JSON.stringify({ [vm]: ["postgres"], app: ["api"] }) },
    })),
  ];
  assertNone(await checkAll(cases));
});

test("two stacks whose names normalise alike (Prod/prod, Feature_Branch.42/feature-branch-42, long names alike in 50 characters) share no name", async () => {
  const pairs = [
    ["Prod", "prod"],
    ["Feature_Branch.42", "feature-branch-42"],
    [
      "feature-branch-with-a-rather-long-name-for-review-0042-and-more",
      "feature-branch-with-a-rather-long-name-for-review-0042-and-less",
    ],
  ];
  const problems: string[] = [];
  for (const [a, b] of pairs)
    for (const cloud of CLOUDS)
      for (const manifest of [starterManifest, VOLUME_APP]) {
        const [ra, rb] = [
          await check({ manifest, cloud, stack: a }),
          await check({ manifest, cloud, stack: b }),
        ];
        problems.push(...ra.problems, ...rb.problems);
        problems.push(
          ...checkAcrossStacks(ra.resources, rb.resources).map(
            (v) =>
              `${path.basename(manifest)} on ${cloud}, stacks ${a} and ${b}: ${formatViolation(v)}`,
          ),
        );
      }
  assertNone(problems);
});

test("the matrix registered every resource type of the table, and only those", (t) => {
  assert.deepEqual(
    [...seenTypes].filter((x) => !RESOURCE_TYPES[x]),
    [],
  );
  assert.deepEqual(
    Object.keys(RESOURCE_TYPES).filter((x) => !seenTypes.has(x)),
    [],
  );
  t.diagnostic(
    `${matrix.runs} mock runs, ${matrix.resources} resources checked against ${RULES.length} rules (${ruleCount("aws")} AWS, ${ruleCount("gcp")} GCP) in ${(matrix.ms / 1000).toFixed(1)} s; ${matrix.warnings} program warnings not printed`,
  );
});

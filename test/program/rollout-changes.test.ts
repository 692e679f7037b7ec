// App-level changes roll out to the running VMs and never replace them (issue 12): the program
// under Pulumi's mocks, before and after each change, on both clouds, for the starter (one VM) and
// for a corpus app with a database split over two VMs (TestShop: Postgres on a named volume on VM
// db, the projects, Redis, RabbitMQ and the gateway on VM app). Every instance keeps its inputs
// (user data, type, image, disks: on GCP all metadata but the release's key, which is updated in
// place), and so does every data disk; the rollout trigger (the release id) changes on the VMs the
// change touches and on no other; only a new external endpoint changes the firewall.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runProgramWithMocks, type MockRun } from "../../src/cli/mock-program";
import { programFile, SHARED_MISSING, starterManifest } from "../support/paths";
import { TESTSHOP, TESTSHOP_VMS } from "../support/testshop";

type Manifest = { resources: Record<string, Record<string, unknown>> };

const CLOUDS = {
  aws: { "aspire:cloud": "aws", "aws:region": "us-east-1" },
  gcp: { "aspire:cloud": "gcp", "gcp:zone": "us-central1-a", "gcp:project": "demo-project" },
} as const;

const INSTANCE = /^(aws:ec2\/instance:Instance|gcp:compute\/instance:Instance)$/;
/** What a VM keeps across deploys: the instance, its data disk and the disk's attachment. */
const VM_RESOURCE =
  /^(aws:ec2\/instance:Instance|gcp:compute\/instance:Instance|aws:ebs\/volume:Volume|aws:ec2\/volumeAttachment:VolumeAttachment|gcp:compute\/disk:Disk)$/;
const DATA_DISK = /^(aws:ebs\/volume:Volume|gcp:compute\/disk:Disk)$/;
const FIREWALL =
  /^(aws:vpc\/securityGroupIngressRule:SecurityGroupIngressRule|gcp:compute\/firewall:Firewall)$/;

interface Change {
  readonly what: string;
  readonly manifest?: (m: Manifest) => void;
  readonly config?: Record<string, string>;
  /** Whether the firewall changes too (a new external endpoint). */
  readonly firewall?: boolean;
  /** The VMs whose release changes; every other VM keeps its release id. */
  readonly vms: readonly string[];
}

interface App {
  readonly name: string;
  readonly manifest: string;
  /** Stack config of every run (placement, parameter values that a change rotates). */
  readonly config: Record<string, string>;
  readonly vms: readonly string[];
  /** How many VMs have a data disk (named volumes), kept through every change. */
  readonly dataDisks: number;
  readonly changes: readonly Change[];
}

const env = (m: Manifest, resource: string) => m.resources[resource].env as Record<string, string>;

/** A container with one binding: a new service, or (external) a new external endpoint. */
const mailpit = (external: boolean) => (m: Manifest) =>
  (m.resources.mailpit = {
    type: "container.v0",
    image: "docker.io/axllent/mailpit:v1.20",
    bindings: external
      ? {
          http: {
            scheme: "http",
            protocol: "tcp",
            transport: "http",
            targetPort: 8025,
            port: 8025,
            external: true,
          },
        }
      : { smtp: { scheme: "tcp", protocol: "tcp", transport: "tcp", targetPort: 1025 } },
  });

const STARTER: App = {
  name: "starter",
  manifest: starterManifest,
  config: { "aspire:parameters.cache-password": "first-Value-1" },
  vms: ["app"],
  dataDisks: 0,
  changes: [
    {
      what: "an image",
      config: { "aspire:images": JSON.stringify({ cache: "docker.io/library/redis:7.2" }) },
      vms: ["app"],
    },
    {
      what: "an env var",
      manifest: (m) => (env(m, "webfrontend").FEATURE_X = "on"),
      vms: ["app"],
    },
    {
      what: "a secret value",
      config: { "aspire:parameters.cache-password": "rotated-Value-2" },
      vms: ["app"],
    },
    { what: "a new service", manifest: mailpit(false), vms: ["app"] },
    { what: "a new external endpoint", manifest: mailpit(true), firewall: true, vms: ["app"] },
  ],
};

/** TestShop on two VMs (test/support/testshop.ts): the database alone on VM db; new services go
 *  to the first VM, app. */
const TESTSHOP_APP: App = {
  name: "TestShop (Postgres on its own VM)",
  manifest: TESTSHOP,
  config: {
    "aspire:vms": JSON.stringify(TESTSHOP_VMS),
    "aspire:parameters.postgres-password": "first-Postgres-1",
    "aspire:parameters.basketcache-password": "first-Basket-1",
  },
  vms: ["app", "db"],
  dataDisks: 2,
  changes: [
    {
      what: "a project's image",
      config: {
        "aspire:images": JSON.stringify({ catalogservice: "ghcr.io/example/catalog:2.0" }),
      },
      vms: ["app"],
    },
    {
      what: "the database's image",
      config: { "aspire:images": JSON.stringify({ postgres: "docker.io/library/postgres:17.7" }) },
      vms: ["db"],
    },
    {
      what: "a project's env var",
      manifest: (m) => (env(m, "catalogservice").FEATURE_X = "on"),
      vms: ["app"],
    },
    {
      what: "the database container's env var",
      manifest: (m) => (env(m, "postgres").POSTGRES_INITDB_ARGS += " --data-checksums"),
      vms: ["db"],
    },
    {
      what: "a secret value read on one VM",
      config: { "aspire:parameters.basketcache-password": "rotated-Basket-2" },
      vms: ["app"],
    },
    {
      // The database's password: Postgres reads it, and so do the projects that connect to it.
      what: "the database's password",
      config: { "aspire:parameters.postgres-password": "rotated-Postgres-2" },
      vms: ["app", "db"],
    },
    { what: "a new service", manifest: mailpit(false), vms: ["app"] },
    { what: "a new external endpoint", manifest: mailpit(true), firewall: true, vms: ["app"] },
  ],
};

/** Runs the program on the app (changed by `change`), written at the same path each time so that
 *  nothing but the change differs (image tags hash the project folders' paths). */
async function deploy(
  dir: string,
  app: App,
  cloud: keyof typeof CLOUDS,
  change?: Change,
): Promise<MockRun> {
  const manifest = JSON.parse(fs.readFileSync(app.manifest, "utf8")) as Manifest;
  change?.manifest?.(manifest);
  const file = path.join(dir, "AppHost", "aspire-manifest.json");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(manifest, null, 2));
  return runProgramWithMocks(programFile, "dev", {
    ...CLOUDS[cloud],
    "aspire:manifest": file,
    ...app.config,
    ...change?.config,
  });
}

/** Each instance's and data disk's inputs as the cloud would compare them; on GCP the release's
 *  own metadata key apart (it is updated in place, and is what rolls out). */
function vmInputs(run: MockRun): Record<string, unknown> {
  return Object.fromEntries(
    run.resources
      .filter((r) => VM_RESOURCE.test(r.type))
      .map((r) => {
        const inputs = { ...r.inputs } as Record<string, unknown>;
        if (inputs.metadata) {
          const { ["aspire-arm-bundle"]: _release, ...rest } = inputs.metadata as Record<
            string,
            string
          >;
          void _release;
          inputs.metadata = rest;
        }
        return [`${r.type}::${r.name}`, inputs];
      }),
  );
}

const releaseOf = (run: MockRun, vm: string) =>
  (
    run.resources.find((r) => r.type === "command:local:Command" && r.name === `app-${vm}-rollout`)
      ?.inputs.environment as Record<string, string> | undefined
  )?.ASPIRE_RELEASE;

const releases = (run: MockRun, app: App) =>
  Object.fromEntries(app.vms.map((vm) => [vm, releaseOf(run, vm)]));

const firewall = (run: MockRun) =>
  JSON.stringify(run.resources.filter((r) => FIREWALL.test(r.type)).map((r) => [r.name, r.inputs]));

async function rollsOut(app: App, cloud: keyof typeof CLOUDS): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `aspire-rollout-${cloud}-`));
  try {
    const before = await deploy(dir, app, cloud);
    const first = releases(before, app);
    for (const vm of app.vms) assert.match(String(first[vm]), /^[0-9a-f]{16}$/, vm);
    const disks = before.resources.filter((r) => DATA_DISK.test(r.type));
    assert.equal(disks.length, app.dataDisks, disks.map((r) => r.name).join(", "));
    // The instance replaces only when its user data changes (AWS) or its user-data key (GCP).
    for (const instance of before.resources.filter((r) => INSTANCE.test(r.type)))
      assert.deepEqual(
        instance.options?.replaceOnChanges ?? [],
        cloud === "gcp" ? ['metadata["user-data"]'] : [],
      );
    for (const change of app.changes) {
      const after = await deploy(dir, app, cloud, change);
      assert.deepEqual(
        vmInputs(after),
        vmInputs(before),
        `${change.what}: instance and disk inputs`,
      );
      const now = releases(after, app);
      for (const vm of app.vms)
        if (change.vms.includes(vm))
          assert.notEqual(now[vm], first[vm], `${change.what}: a new release on ${vm}`);
        else assert.equal(now[vm], first[vm], `${change.what}: the release of ${vm} stays`);
      if (change.firewall) assert.notEqual(firewall(after), firewall(before), change.what);
      else assert.equal(firewall(after), firewall(before), `${change.what}: the firewall`);
    }
    // The same inputs again: the same releases, so nothing rolls out.
    assert.deepEqual(releases(await deploy(dir, app, cloud), app), first);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

for (const app of [STARTER, TESTSHOP_APP])
  for (const cloud of Object.keys(CLOUDS) as (keyof typeof CLOUDS)[])
    test(
      `${cloud}, ${app.name}: ${app.changes.map((c) => c.what).join(", ")} roll out to the VMs they touch and replace nothing`,
      { skip: fs.existsSync(app.manifest) ? false : SHARED_MISSING },
      () => rollsOut(app, cloud),
    );

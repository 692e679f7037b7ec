// App-level changes roll out to the running VMs and never replace them (issue 12): the program
// under Pulumi's mocks, before and after each change, on both clouds. Every instance keeps its
// inputs (user data, type, image, disks: on GCP all metadata but the release's key, which is
// updated in place), the affected VM's rollout trigger (its release id) changes, and only a new
// external endpoint changes the firewall.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runProgramWithMocks, type MockRun } from "../../src/cli/mock-program";
import { programFile, starterManifest } from "../support/paths";

type Manifest = { resources: Record<string, Record<string, unknown>> };

const CLOUDS = {
  aws: { "aspire:cloud": "aws", "aws:region": "us-east-1" },
  gcp: { "aspire:cloud": "gcp", "gcp:zone": "us-central1-a", "gcp:project": "demo-project" },
} as const;

const INSTANCE = /^(aws:ec2\/instance:Instance|gcp:compute\/instance:Instance)$/;
const FIREWALL =
  /^(aws:vpc\/securityGroupIngressRule:SecurityGroupIngressRule|gcp:compute\/firewall:Firewall)$/;

interface Change {
  readonly what: string;
  readonly manifest?: (m: Manifest) => void;
  readonly config?: Record<string, string>;
  /** Whether the firewall changes too (a new external endpoint). */
  readonly firewall?: boolean;
}

const CHANGES: readonly Change[] = [
  {
    what: "an image",
    config: { "aspire:images": JSON.stringify({ cache: "docker.io/library/redis:7.2" }) },
  },
  {
    what: "an env var",
    manifest: (m) => ((m.resources.webfrontend.env as Record<string, string>).FEATURE_X = "on"),
  },
  { what: "a secret value", config: { "aspire:parameters.cache-password": "rotated-Value-2" } },
  {
    what: "a new service",
    manifest: (m) =>
      (m.resources.mailpit = {
        type: "container.v0",
        image: "docker.io/axllent/mailpit:v1.20",
        bindings: { smtp: { scheme: "tcp", protocol: "tcp", transport: "tcp", targetPort: 1025 } },
      }),
  },
  {
    what: "a new external endpoint",
    manifest: (m) =>
      (m.resources.mailpit = {
        type: "container.v0",
        image: "docker.io/axllent/mailpit:v1.20",
        bindings: {
          http: {
            scheme: "http",
            protocol: "tcp",
            transport: "http",
            targetPort: 8025,
            port: 8025,
            external: true,
          },
        },
      }),
    firewall: true,
  },
];

/** Runs the program on the starter (changed by `change`), written at the same path each time so
 *  that nothing but the change differs (image tags hash the project folders' paths). */
async function deploy(dir: string, cloud: keyof typeof CLOUDS, change?: Change): Promise<MockRun> {
  const manifest = JSON.parse(fs.readFileSync(starterManifest, "utf8")) as Manifest;
  change?.manifest?.(manifest);
  const file = path.join(dir, "AppHost", "aspire-manifest.json");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(manifest, null, 2));
  return runProgramWithMocks(programFile, "dev", {
    ...CLOUDS[cloud],
    "aspire:manifest": file,
    "aspire:parameters.cache-password": "first-Value-1",
    ...change?.config,
  });
}

/** Each instance's inputs as the cloud would compare them; on GCP the release's own metadata key
 *  apart (it is updated in place, and is what rolls out). */
function instanceInputs(run: MockRun): Record<string, unknown> {
  return Object.fromEntries(
    run.resources
      .filter((r) => INSTANCE.test(r.type))
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
        return [r.name, inputs];
      }),
  );
}

const releaseOf = (run: MockRun, vm: string) =>
  (
    run.resources.find((r) => r.type === "command:local:Command" && r.name === `app-${vm}-rollout`)
      ?.inputs.environment as Record<string, string> | undefined
  )?.ASPIRE_RELEASE;

const firewall = (run: MockRun) =>
  JSON.stringify(run.resources.filter((r) => FIREWALL.test(r.type)).map((r) => [r.name, r.inputs]));

for (const cloud of Object.keys(CLOUDS) as (keyof typeof CLOUDS)[])
  test(`${cloud}: an image, an env var, a secret value, a new service and a new external endpoint roll out to the VM and replace nothing`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `aspire-rollout-${cloud}-`));
    try {
      const before = await deploy(dir, cloud);
      const release = releaseOf(before, "app");
      assert.match(String(release), /^[0-9a-f]{16}$/);
      // The instance replaces only when its user data changes (AWS) or its user-data key (GCP).
      const instance = before.resources.find((r) => INSTANCE.test(r.type));
      assert.deepEqual(
        instance?.options?.replaceOnChanges ?? [],
        cloud === "gcp" ? ['metadata["user-data"]'] : [],
      );
      for (const change of CHANGES) {
        const after = await deploy(dir, cloud, change);
        assert.deepEqual(
          instanceInputs(after),
          instanceInputs(before),
          `${change.what}: instance inputs`,
        );
        assert.notEqual(releaseOf(after, "app"), release, `${change.what}: a new release`);
        if (change.firewall) assert.notEqual(firewall(after), firewall(before), change.what);
        else assert.equal(firewall(after), firewall(before), `${change.what}: the firewall`);
      }
      // The same inputs again: the same release, so nothing rolls out.
      assert.equal(releaseOf(await deploy(dir, cloud), "app"), release);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

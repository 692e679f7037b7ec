// What a VM is told about where it runs, as each cloud's component deploys it and as
// `aspire-arm plan` shows it offline: where its secrets are read from, the registry it logs in to,
// its data disk's device. Asserted on vm.env as the VM's user data writes it.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as zlib from "node:zlib";
import { buildPlan, type Cloud, type DeploymentPlan } from "../../src/plan";
import {
  deployRenderContext,
  ebsDevicePath,
  offlineDeployFacts,
  regionOf,
  renderVm,
  type DeployFacts,
} from "../../src/render";
import { manifestOf, vmEnvOf, vmOf } from "../plan/plan-support";

/** A database with a named volume on VM "data" (so with a data disk), an API on VM "app". */
function twoVmPlan(cloud: Cloud): DeploymentPlan {
  return buildPlan(
    manifestOf({
      db: {
        type: "container.v0",
        image: "docker.io/library/postgres:17.6",
        volumes: [{ name: "pgdata", target: "/var/lib/postgresql/data" }],
      },
      api: { type: "container.v0", image: "docker.io/library/nginx:1.27" },
    }),
    { cloud, stack: "dev", vms: { data: { resources: ["db"] }, app: { resources: ["api"] } } },
  ).plan;
}

/** vm.env as the VM's user data writes it (gunzipped on AWS). */
function bootEnv(plan: DeploymentPlan, vmName: string, facts: DeployFacts): Map<string, string> {
  const vm = vmOf(plan, vmName);
  const rendered = renderVm(plan, vm, deployRenderContext(plan, vm, facts));
  return vmEnvOf(
    rendered.userDataEncoding === "gzip"
      ? zlib.gunzipSync(rendered.userData).toString("utf8")
      : rendered.userData.toString("utf8"),
  );
}

const settings = (env: Map<string, string>, keys: readonly string[]) =>
  Object.fromEntries(keys.map((k) => [k, env.get(k)]));
const WHERE = [
  "ASPIRE_SECRET_SOURCE",
  "ASPIRE_AWS_REGION",
  "ASPIRE_GCP_PROJECT",
  "ASPIRE_REGISTRY",
  "ASPIRE_DATA_DISK",
  "ASPIRE_DOTNET_CHANNEL",
] as const;

test("AWS: a VM boots reading its secrets from SSM in the deploy's region, logging in to the account's ECR registry of that region, with its EBS data volume's NVMe device as its data disk", () => {
  const plan = twoVmPlan("aws");
  const facts: DeployFacts = {
    region: "eu-west-1",
    account: "123456789012",
    dataVolumeId: "vol-0abc123def4567890",
    dotnetChannel: "9.0",
  };
  assert.deepEqual(settings(bootEnv(plan, "data", facts), WHERE), {
    ASPIRE_SECRET_SOURCE: "aws-ssm",
    ASPIRE_AWS_REGION: "eu-west-1",
    ASPIRE_GCP_PROJECT: "",
    ASPIRE_REGISTRY: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    ASPIRE_DATA_DISK: "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0abc123def4567890",
    ASPIRE_DOTNET_CHANNEL: "9.0",
  });
  // A VM with no data volume (the component passes no volume id) is given no data disk.
  const app = vmOf(plan, "app");
  const noVolume: DeployFacts = { ...facts, dataVolumeId: undefined };
  assert.deepEqual(deployRenderContext(plan, app, noVolume).dataDisks, {});
  assert.equal(
    bootEnv(plan, "app", noVolume).get("ASPIRE_REGISTRY"),
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    "every VM of the stack names its registry",
  );
});

test("AWS: an EBS volume's device is the NVMe serial Nitro gives it, the volume id without its hyphen", () => {
  assert.equal(
    ebsDevicePath("vol-0abc123def4567890"),
    "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0abc123def4567890",
  );
  assert.equal(
    ebsDevicePath("vol-1234567890abcdef0"),
    "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol1234567890abcdef0",
  );
});

test("GCP: a VM boots reading its secrets from Secret Manager of the deploy's project, logging in to the region's Artifact Registry host, with the disk the guest environment names google-data as its data disk", () => {
  const plan = twoVmPlan("gcp");
  const facts: DeployFacts = { region: "europe-west4", project: "acme-prod", dotnetChannel: "8.0" };
  assert.deepEqual(settings(bootEnv(plan, "data", facts), WHERE), {
    ASPIRE_SECRET_SOURCE: "gcp-secret-manager",
    ASPIRE_AWS_REGION: "",
    ASPIRE_GCP_PROJECT: "acme-prod",
    ASPIRE_REGISTRY: "europe-west4-docker.pkg.dev",
    ASPIRE_DATA_DISK: "/dev/disk/by-id/google-data",
    ASPIRE_DOTNET_CHANNEL: "8.0",
  });
  // The VM without named volumes has no data disk attached, so none is named for it.
  assert.deepEqual(deployRenderContext(plan, vmOf(plan, "app"), facts).dataDisks, {});
  assert.equal(bootEnv(plan, "app", facts).get("ASPIRE_REGISTRY"), "europe-west4-docker.pkg.dev");
});

test("GCP: the region of a zone drops only the zone's final -letter; a region stays as it is", () => {
  assert.equal(regionOf("us-central1-a"), "us-central1");
  assert.equal(regionOf("us-central1-f"), "us-central1");
  assert.equal(regionOf("europe-west4-b"), "europe-west4");
  assert.equal(regionOf("asia-southeast1-c"), "asia-southeast1");
  assert.equal(regionOf("us-central1"), "us-central1");
  assert.equal(regionOf("europe-west4"), "europe-west4");
});

test("aspire-arm plan, AWS: VMs are shown in the stack's region (us-east-1 when it names none), with the placeholder account's registry, and a placeholder volume's device only on VMs with a data disk", () => {
  const plan = twoVmPlan("aws");
  const offline = (vmName: string, where: { region?: string }, channel?: string) =>
    bootEnv(plan, vmName, offlineDeployFacts(plan, vmOf(plan, vmName), where, channel));
  assert.deepEqual(settings(offline("data", {}, "9.0"), WHERE), {
    ASPIRE_SECRET_SOURCE: "aws-ssm",
    ASPIRE_AWS_REGION: "us-east-1",
    ASPIRE_GCP_PROJECT: "",
    ASPIRE_REGISTRY: "000000000000.dkr.ecr.us-east-1.amazonaws.com",
    ASPIRE_DATA_DISK: "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol00000000000000000",
    ASPIRE_DOTNET_CHANNEL: "9.0",
  });
  const inTokyo = offline("data", { region: "ap-northeast-1" });
  assert.deepEqual(
    [inTokyo.get("ASPIRE_AWS_REGION"), inTokyo.get("ASPIRE_REGISTRY")],
    ["ap-northeast-1", "000000000000.dkr.ecr.ap-northeast-1.amazonaws.com"],
  );
  // No data disk on the app VM: no volume id stands in for one.
  assert.equal(offlineDeployFacts(plan, vmOf(plan, "app"), {}).dataVolumeId, undefined);
  assert.equal(
    offline("app", {}).get("ASPIRE_REGISTRY"),
    "000000000000.dkr.ecr.us-east-1.amazonaws.com",
  );
});

test("aspire-arm plan, GCP: VMs are shown in the region of the stack's zone (us-central1-a when it names none), with the stack's project, and the data disk only on VMs with one", () => {
  const plan = twoVmPlan("gcp");
  const offline = (vmName: string, where: { zone?: string; project?: string }) =>
    bootEnv(plan, vmName, offlineDeployFacts(plan, vmOf(plan, vmName), where, "10.0"));
  assert.deepEqual(
    settings(offline("data", { zone: "europe-west4-b", project: "acme-prod" }), WHERE),
    {
      ASPIRE_SECRET_SOURCE: "gcp-secret-manager",
      ASPIRE_AWS_REGION: "",
      ASPIRE_GCP_PROJECT: "acme-prod",
      ASPIRE_REGISTRY: "europe-west4-docker.pkg.dev",
      ASPIRE_DATA_DISK: "/dev/disk/by-id/google-data",
      ASPIRE_DOTNET_CHANNEL: "10.0",
    },
  );
  // No zone and no project in the stack: us-central1, and the VM's own project (read on the VM
  // from its metadata when ASPIRE_GCP_PROJECT is empty).
  const byDefault = offline("data", {});
  assert.deepEqual(
    [byDefault.get("ASPIRE_REGISTRY"), byDefault.get("ASPIRE_GCP_PROJECT")],
    ["us-central1-docker.pkg.dev", ""],
  );
  const app = vmOf(plan, "app");
  assert.deepEqual(
    deployRenderContext(plan, app, offlineDeployFacts(plan, app, { zone: "us-central1-f" }))
      .dataDisks,
    {},
  );
  assert.equal(
    offline("app", { zone: "us-central1-f" }).get("ASPIRE_REGISTRY"),
    "us-central1-docker.pkg.dev",
  );
});

// What rendering takes beyond the plan: where a VM reads its secrets and receives its releases
// when the caller names no source, the image each service runs, and the published images a deploy
// checks in their registries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPlan } from "../../src/plan";
import { CADDY_IMAGE, publishedImages, renderVm } from "../../src/render";
import {
  composeService,
  manifestOf,
  parseCompose,
  planFile,
  render,
  starterManifest,
  vmOf,
} from "../plan/plan-support";

test("with no source named, a VM reads its secrets from SSM Parameter Store in us-east-1 on AWS and from Secret Manager of its own project on GCP, and receives releases from S3 or its instance metadata", () => {
  const aws = planFile(starterManifest, { cloud: "aws" });
  const awsEnv = render(aws, vmOf(aws, "app")).vmEnv;
  assert.deepEqual(
    [awsEnv.ASPIRE_SECRET_SOURCE, awsEnv.ASPIRE_AWS_REGION, awsEnv.ASPIRE_GCP_PROJECT],
    ["aws-ssm", "us-east-1", ""],
  );
  assert.equal(awsEnv.ASPIRE_RELEASE_SOURCE, "aws-s3");
  const gcp = planFile(starterManifest, { cloud: "gcp" });
  const gcpEnv = render(gcp, vmOf(gcp, "app")).vmEnv;
  // An empty project: fetch-secrets.py asks the VM's metadata server for its own.
  assert.deepEqual(
    [gcpEnv.ASPIRE_SECRET_SOURCE, gcpEnv.ASPIRE_AWS_REGION, gcpEnv.ASPIRE_GCP_PROJECT],
    ["gcp-secret-manager", "", ""],
  );
  assert.equal(gcpEnv.ASPIRE_RELEASE_SOURCE, "gce-metadata");
});

test("a built image is found only under its own resource name: resources named like Object's own members (constructor, toString) run the placeholder image until the deploy pushes theirs", () => {
  const plan = buildPlan(
    manifestOf({
      constructor: { type: "project.v0", path: "../Api/Api.csproj" },
      toString: { type: "project.v0", path: "../Web/Web.csproj" },
    }),
    { cloud: "aws", stack: "prod", vmPerService: true, runtime: "docker" },
  ).plan;
  // Each service on its own VM, named after it (lower case), as its compose service is.
  const imageOf = (vmName: string, builtImages: Record<string, string>) =>
    composeService(
      parseCompose(
        renderVm(plan, vmOf(plan, vmName), {
          secretSource: { kind: "aws-ssm", region: "eu-west-1" },
          builtImages,
        }).appConfig.find((f) => f.path === "compose.yaml")?.content,
      ),
      vmName,
    ).image;
  assert.equal(imageOf("constructor", {}), "registry.invalid/aspire-arm/prod/constructor:latest");
  assert.equal(imageOf("tostring", {}), "registry.invalid/aspire-arm/prod/tostring:latest");
  const pushed = { toString: "1.dkr.ecr/x/tostring@sha256:ab" };
  assert.equal(imageOf("tostring", pushed), "1.dkr.ecr/x/tostring@sha256:ab");
  assert.equal(
    imageOf("constructor", pushed),
    "registry.invalid/aspire-arm/prod/constructor:latest",
  );
});

test("the images a deploy checks in their registries: each pulled image of every VM's services (manifest images and aspire:images overrides), never a built one, and Caddy's for each VM with a proxy only", () => {
  // VM data: the Redis cache (a published image), no public endpoint. VM web: two projects, one
  // of which runs a published image instead (aspire:images), and the proxy of the front end.
  const plan = planFile(starterManifest, {
    cloud: "aws",
    vms: { data: { resources: ["cache"] }, web: { resources: ["webfrontend", "apiservice"] } },
    images: { apiservice: "ghcr.io/acme/api:1.2" },
  });
  assert.deepEqual(
    plan.vms.map((v) => [v.name, v.proxy]),
    [
      ["data", false],
      ["web", true],
    ],
  );
  assert.deepEqual(publishedImages(plan), [
    { resource: "cache", field: "image", image: "docker.io/library/redis:7.4" },
    { resource: "apiservice", field: "image", image: "ghcr.io/acme/api:1.2" },
    { resource: null, field: "the proxy (Caddy) of VM web", image: CADDY_IMAGE },
  ]);
  // A VM whose services are all built lists only its proxy's image; the list follows the VMs' order.
  const built = planFile(starterManifest, {
    cloud: "gcp",
    vms: { web: { resources: ["webfrontend", "apiservice"] }, data: { resources: ["cache"] } },
    images: { cache: "ghcr.io/acme/cache:1" },
  });
  assert.deepEqual(publishedImages(built), [
    { resource: null, field: "the proxy (Caddy) of VM web", image: CADDY_IMAGE },
    { resource: "cache", field: "image", image: "ghcr.io/acme/cache:1" },
  ]);
});

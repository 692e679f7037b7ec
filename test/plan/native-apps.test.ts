// Native .NET apps (runtime dotnet) are delivered in their container images: the app config lists
// `<service> <image>` in native.list, apply.sh copies /app of each image into the folder the unit
// runs from, and the VM gets Docker to read the images.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import type { DeploymentPlan, PlanOptions } from "../../src/plan";
import {
  defaultSecretSource,
  imageReference,
  renderVm,
  renderVmEnv,
  type RenderContext,
} from "../../src/render";
import { readStackConfig } from "../../src/config/stack-config";
import { bundleBytes, bundleFiles } from "../support/delivered";
import { cli } from "./cli-support";
import {
  composeService,
  parseCompose,
  planFile,
  starterManifest,
  tempDir,
  vmOf,
  writeFilesOf,
} from "./plan-support";

const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
/** What the stack's build pushes, as a deployment passes it to the renderer. */
const BUILT = {
  apiservice: `${REGISTRY}/aspire-arm/dev/apiservice@sha256:${"a".repeat(64)}`,
  webfrontend: `${REGISTRY}/aspire-arm/dev/webfrontend@sha256:${"b".repeat(64)}`,
};

function ctxOf(plan: DeploymentPlan, built?: Record<string, string>): RenderContext {
  return {
    secretSource: defaultSecretSource(plan),
    builtImages: built,
    registry: built ? REGISTRY : undefined,
  };
}

function appConfig(plan: DeploymentPlan, vmName: string, ctx: RenderContext): Map<string, string> {
  return new Map(renderVm(plan, vmOf(plan, vmName), ctx).appConfig.map((f) => [f.path, f.content]));
}

/** The images the docker runtime's compose file runs the projects with, for the same options. */
function composeImages(
  options: Partial<PlanOptions>,
  built?: Record<string, string>,
): { apiservice: string; webfrontend: string } {
  const plan = planFile(starterManifest, { ...options, runtime: "docker" });
  const compose = parseCompose(appConfig(plan, "app", ctxOf(plan, built)).get("compose.yaml"));
  return {
    apiservice: composeService(compose, "apiservice").image,
    webfrontend: composeService(compose, "webfrontend").image,
  };
}

function vmEnvOf(plan: DeploymentPlan, vmName: string, ctx: RenderContext): Record<string, string> {
  return Object.fromEntries(
    renderVmEnv(plan, vmOf(plan, vmName), ctx)
      .trimEnd()
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

for (const [label, built] of [
  ["before the first deployment (placeholder images)", undefined],
  ["with the pushed images", BUILT],
] as const) {
  test(`starter with runtime dotnet, ${label}: native.list names apiservice and webfrontend with the images compose would run`, () => {
    const plan = planFile(starterManifest, { runtime: "dotnet" });
    const files = appConfig(plan, "app", ctxOf(plan, built));
    const images = composeImages({}, built);
    assert.equal(
      files.get("native.list"),
      `apiservice ${images.apiservice}\nwebfrontend ${images.webfrontend}\n`,
    );
    if (built) assert.deepEqual(images, BUILT);
    else assert.equal(images.apiservice, "registry.invalid/aspire-arm/dev/apiservice:latest");
    // The same references the renderer uses everywhere.
    const vm = vmOf(plan, "app");
    const listed: Record<string, string> = images;
    for (const s of vm.services.filter((x) => x.runAs === "native"))
      assert.equal(listed[s.name], imageReference(plan, s, ctxOf(plan, built)));
    // The projects are not in the compose file: they run under systemd from the extracted app.
    const compose = parseCompose(files.get("compose.yaml"));
    assert.deepEqual(Object.keys(compose.services), ["cache", "caddy"]);
    assert.ok(
      files
        .get("units/aspire-apiservice.service")
        ?.includes("WorkingDirectory=/opt/aspire-arm/apps/apiservice\n"),
    );
  });
}

test("starter with runtime dotnet and an image override: native.list lists the override, the unit still runs the project's assembly", () => {
  const images = { apiservice: "ghcr.io/example/apiservice:1.2.3" };
  const plan = planFile(starterManifest, { runtime: "dotnet", images });
  const files = appConfig(plan, "app", ctxOf(plan, BUILT));
  assert.equal(
    files.get("native.list"),
    `apiservice ${images.apiservice}\nwebfrontend ${BUILT.webfrontend}\n`,
  );
  assert.equal(
    composeImages({ images }, BUILT).apiservice,
    images.apiservice,
    "the compose file would run the override too",
  );
  const unit = files.get("units/aspire-apiservice.service") ?? "";
  assert.ok(
    unit.includes(
      'exec-env.py "/usr/share/dotnet/dotnet" "/opt/aspire-arm/apps/apiservice/NetAspire.Arm.ApiService.dll"\n',
    ),
    unit,
  );
});

test("aspire-arm plan --runtime dotnet --image: native.list in the app config folder and in the release", async () => {
  const dir = tempDir("native-list");
  try {
    const r = await cli(
      "plan",
      starterManifest,
      "--runtime",
      "dotnet",
      "--image",
      "webfrontend=ghcr.io/example/web:2",
      "--out",
      dir,
    );
    assert.equal(r.code, 0, r.err);
    const list = fs.readFileSync(path.join(dir, "app/native.list"), "utf8");
    assert.equal(
      list,
      "apiservice registry.invalid/aspire-arm/dev/apiservice:latest\nwebfrontend ghcr.io/example/web:2\n",
    );
    assert.equal(
      bundleBytes(fs.readFileSync(path.join(dir, "app/release.json.gz")))
        .get("native.list")
        ?.toString(),
      list,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("runtime dotnet: ASPIRE_NEEDS_DOCKER is 1, also on a VM with nothing but native services (no proxy, no containers)", () => {
  const plan = planFile(starterManifest, { runtime: "dotnet" });
  assert.equal(vmEnvOf(plan, "app", ctxOf(plan, BUILT)).ASPIRE_NEEDS_DOCKER, "'1'");

  const split = planFile(starterManifest, {
    runtime: "dotnet",
    vms: { web: { resources: ["cache", "webfrontend"] }, api: { resources: ["apiservice"] } },
  });
  const api = vmOf(split, "api");
  assert.deepEqual(
    api.services.map((s) => s.runAs),
    ["native"],
  );
  assert.equal(api.proxy, false);
  const env = vmEnvOf(split, "api", ctxOf(split, BUILT));
  assert.equal(env.ASPIRE_NEEDS_DOCKER, "'1'");
  assert.equal(
    env.ASPIRE_REGISTRY,
    `'${REGISTRY}'`,
    "the VM logs in to the registry it pulls the app from",
  );
  assert.equal(
    appConfig(split, "api", ctxOf(split, BUILT)).get("native.list"),
    `apiservice ${BUILT.apiservice}\n`,
  );
  assert.equal(
    appConfig(split, "web", ctxOf(split, BUILT)).get("native.list"),
    `webfrontend ${BUILT.webfrontend}\n`,
  );
});

test("runtime docker: no native.list", () => {
  const plan = planFile(starterManifest);
  assert.equal(appConfig(plan, "app", ctxOf(plan, BUILT)).has("native.list"), false);
});

const haveCloudInit = (process.env.PATH ?? "")
  .split(":")
  .some((d) => fs.existsSync(path.join(d, "cloud-init")));

// Skipped with a message where cloud-init is missing, except in CI (CI=true), which installs it: there it fails.
const cloudInitSkip =
  haveCloudInit || process.env.CI === "true"
    ? false
    : "cloud-init is not installed (apt-get install cloud-init): its check is skipped here and fails in CI";

test(
  "runtime dotnet: the user data passes `cloud-init schema --config-file` and fits the EC2 limit",
  { skip: cloudInitSkip },
  () => {
    assert.ok(
      haveCloudInit,
      "cloud-init is not installed: CI installs it (.ci/run), and this check may not pass without it",
    );
    const plan = planFile(starterManifest, { runtime: "dotnet" });
    const rendered = renderVm(plan, vmOf(plan, "app"), ctxOf(plan, BUILT));
    // The bootstrap only: the native services' files come in the release.
    assert.ok(writeFilesOf(rendered.cloudConfig).has("/usr/local/lib/aspire-arm/bootstrap.sh"));
    assert.ok(!writeFilesOf(rendered.cloudConfig).has("/etc/aspire-arm/app/native.list"));
    assert.ok(bundleBytes(rendered.release.gz).has("native.list"));
    assert.ok(
      zlib.gzipSync(Buffer.from(rendered.cloudConfig, "utf8"), { level: 9 }).length <= 16 * 1024,
    );
    const dir = tempDir("native-cloud-init");
    try {
      const file = path.join(dir, "user-data.yaml");
      fs.writeFileSync(file, rendered.cloudConfig);
      // Throws (with cloud-init's report) when the schema check fails.
      execFileSync("cloud-init", ["schema", "--config-file", file], {
        encoding: "utf8",
        stdio: "pipe",
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("aspire:dotnetChannel: 8.0, 9.0 or 10.0 (default 10.0, LTS); 8.0 and 9.0 with a warning that they left support; anything else an error naming the key", () => {
  const base = { "aws:region": "us-east-1" };
  const none = readStackConfig(base);
  assert.equal(none.config.dotnetChannel, "10.0");
  assert.deepEqual(none.warnings, []);
  for (const [value, channel] of [
    ["10.0", "10.0"],
    [10, "10.0"],
    ["9.0", "9.0"],
    [8, "8.0"],
    ["8.0", "8.0"],
  ] as const) {
    const r = readStackConfig({ ...base, "aspire:dotnetChannel": value });
    assert.deepEqual(r.errors, [], String(value));
    assert.equal(r.config.dotnetChannel, channel);
    const warnings = r.warnings.filter((w) => w.field === "aspire:dotnetChannel");
    if (channel === "10.0") assert.deepEqual(warnings, []);
    else {
      assert.equal(warnings.length, 1);
      assert.match(
        warnings[0].message,
        new RegExp(
          `^\\.NET ${channel.replace(".", "\\.")} left support on 2026-11-10; .*pulumi config set aspire:dotnetChannel 10\\.0$`,
        ),
      );
    }
  }
  for (const bad of ["7.0", "11.0", "latest", "10", true, { channel: "10.0" }]) {
    const r = readStackConfig({ ...base, "aspire:dotnetChannel": bad });
    assert.equal(r.errors.length, 1, JSON.stringify(bad));
    assert.equal(r.errors[0].field, "aspire:dotnetChannel");
    assert.match(
      r.errors[0].message,
      /^must be one of 8\.0, 9\.0, 10\.0, not .*: the \.NET runtime installed for a native app whose published files name none .*Example: pulumi config set aspire:dotnetChannel 10\.0$/,
    );
  }
});

test("runtime dotnet: vm.env carries the fallback channel (10.0 unless set); the runtimes' installer and the ExecStart wrapper come in the releases of dotnet VMs only", () => {
  const plan = planFile(starterManifest, { runtime: "dotnet" });
  assert.equal(vmEnvOf(plan, "app", ctxOf(plan, BUILT)).ASPIRE_DOTNET_CHANNEL, "'10.0'");
  assert.equal(
    vmEnvOf(plan, "app", { ...ctxOf(plan, BUILT), dotnetChannel: "8.0" }).ASPIRE_DOTNET_CHANNEL,
    "'8.0'",
  );
  const release = bundleFiles(renderVm(plan, vmOf(plan, "app"), ctxOf(plan, BUILT)).release.gz);
  const file = (p: string) => release.find((f) => f.path === p);
  for (const script of ["dotnet-runtimes.py", "exec-env.py"]) {
    assert.ok(file(`bin/${script}`)?.text?.startsWith("#!/usr/bin/env python3\n"), script);
    assert.equal(file(`bin/${script}`)?.mode, "0755", script);
  }
  // The units run the host of the runtimes dotnet-runtimes.py installs, through the release's wrapper.
  assert.match(
    file("units/aspire-apiservice.service")?.text ?? "",
    /python3 -I -S \/etc\/aspire-arm\/app\/bin\/exec-env\.py "\/usr\/share\/dotnet\/dotnet" /,
  );

  const docker = planFile(starterManifest);
  const dockerRelease = bundleFiles(
    renderVm(docker, vmOf(docker, "app"), ctxOf(docker)).release.gz,
  );
  for (const script of ["dotnet-runtimes.py", "exec-env.py"])
    assert.ok(!dockerRelease.some((f) => f.path === `bin/${script}`), script);
  // Neither travels in the user data, on either runtime.
  for (const p of [plan, docker]) {
    const written = writeFilesOf(renderVm(p, vmOf(p, "app"), ctxOf(p)).cloudConfig);
    for (const script of ["dotnet-runtimes.py", "exec-env.py"])
      assert.ok(![...written.keys()].some((k) => k.endsWith(`/${script}`)), script);
  }
});

// Shared helpers of the plan and render tests: load a manifest, plan it, render a VM's files,
// parse its compose file. The CLI helper is in cli-support.ts, so that these tests do not load it.
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import {
  checkManifest,
  loadManifest,
  type Diagnostic,
  type Manifest,
  type Value,
} from "../../src/manifest";
import {
  buildPlan,
  PlanError,
  type DeploymentPlan,
  type PlanOptions,
  type ServicePlan,
  type VmPlan,
} from "../../src/plan";
import {
  defaultSecretSource,
  renderVm,
  type ComposeDocument,
  type ComposeServiceNode,
  type ComposeYaml,
  type RenderedVm,
} from "../../src/render";
import { interpolated } from "../../src/render/interpolate";
import { VM_ENV_FILE } from "../../src/render/vm-paths";
import { fixturesDir, starterManifest } from "../support/paths";

export { starterManifest };

export function fixture(name: string): string {
  return path.join(fixturesDir, name);
}

/** A manifest of these resources, as if in /apps/t/App.AppHost; it must check without errors. */
export function manifestOf(resources: Record<string, unknown>): Manifest {
  const r = checkManifest({
    file: "/apps/t/App.AppHost/aspire-manifest.json",
    dir: "/apps/t/App.AppHost",
    document: { resources },
  });
  assert.deepEqual(r.errors, []);
  return r.manifest as Manifest;
}

/** A manifest binding of scheme tcp on a target port. */
export const tcp = (port: number, extra: Record<string, unknown> = {}) => ({
  scheme: "tcp",
  protocol: "tcp",
  transport: "tcp",
  targetPort: port,
  ...extra,
});

/** A manifest of these resources, in <tmp>/sol/App.AppHost, with these files below <tmp>/sol
 *  (the source root); it must check without errors. */
export function manifestInTemp(
  resources: Record<string, unknown>,
  files: Record<string, string> = {},
): Manifest {
  const sol = path.join(tempDir("wiring"), "sol");
  const dir = path.join(sol, "App.AppHost");
  fs.mkdirSync(dir, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(sol, rel)), { recursive: true });
    fs.writeFileSync(path.join(sol, rel), content);
  }
  const r = checkManifest({
    file: path.join(dir, "aspire-manifest.json"),
    dir,
    document: { resources },
  });
  assert.ok(r.manifest, r.errors.map((e) => `${e.resource}.${e.field}: ${e.message}`).join("\n"));
  return r.manifest;
}

/** Plans a manifest file on stack "dev" unless the options say otherwise. */
export function planFile(file: string, options: Partial<PlanOptions> = {}): DeploymentPlan {
  const { manifest } = loadManifest(file);
  return buildPlan(manifest, { cloud: "aws", stack: "dev", ...options }).plan;
}

export function vmOf(plan: DeploymentPlan, name: string): VmPlan {
  const vm = plan.vms.find((v) => v.name === name);
  assert.ok(vm, `no VM ${name} in the plan (VMs: ${plan.vms.map((v) => v.name).join(", ")})`);
  return vm;
}

export function serviceOf(vm: VmPlan, name: string): ServicePlan {
  const s = vm.services.find((x) => x.name === name);
  assert.ok(
    s,
    `no service ${name} on VM ${vm.name} (services: ${vm.services.map((x) => x.name).join(", ")})`,
  );
  return s;
}

/** A container service with these fields and no args, env, ports, volumes or dependencies. */
export function bareService(
  fields: Pick<ServicePlan, "resource" | "name" | "kind" | "image"> & Partial<ServicePlan>,
): ServicePlan {
  return {
    runAs: "container",
    args: [],
    env: {},
    ports: [],
    volumes: [],
    bindMounts: [],
    dependsOn: [],
    ...fields,
  };
}

/** The service wherever it runs. */
export function findService(plan: DeploymentPlan, name: string): ServicePlan {
  const vm = plan.vms.find((v) => v.services.some((s) => s.name === name));
  assert.ok(vm, `no service ${name} in the plan`);
  return serviceOf(vm, name);
}

/** A plain (non-secret) value of one literal text. */
export function plain(text: string): Value {
  return { parts: [text], secret: false };
}

/** A value as the compose file and env templates write it (`$$` for `$`, `${ASPIRE_P_X}` for secrets). */
export function shown(v: Value | undefined): string {
  assert.ok(v, "value is missing");
  return interpolated(v);
}

export function render(plan: DeploymentPlan, vm: VmPlan): RenderedVm {
  return renderVm(plan, vm, { secretSource: defaultSecretSource(plan) });
}

/** The app config files of a VM, by path. */
export function appFiles(plan: DeploymentPlan, vmName: string): Map<string, string> {
  return new Map(render(plan, vmOf(plan, vmName)).appConfig.map((f) => [f.path, f.content]));
}

/** A compose file as it parses: the renderer's document type (src/render/compose.ts), every text a string. */
export function parseCompose(text: string | undefined): ComposeYaml<ComposeDocument> {
  assert.ok(text, "no compose.yaml");
  const doc = yaml.load(text);
  assert.ok(doc && typeof doc === "object" && "services" in doc, "compose.yaml has no services");
  return doc as ComposeYaml<ComposeDocument>;
}

/** The parsed compose file of a VM. */
export function composeOf(plan: DeploymentPlan, vmName: string): ComposeYaml<ComposeDocument> {
  return parseCompose(appFiles(plan, vmName).get("compose.yaml"));
}

export function composeService(
  compose: ComposeYaml<ComposeDocument>,
  name: string,
): ComposeYaml<ComposeServiceNode> {
  const s = compose.services[name];
  assert.ok(
    s,
    `no compose service ${name} (services: ${Object.keys(compose.services).join(", ")})`,
  );
  return s;
}

/** The env keys a manifest resource declares, in manifest order, read from the raw JSON. */
export function manifestEnvKeys(file: string, resource: string): string[] {
  const doc = JSON.parse(fs.readFileSync(file, "utf8")) as {
    resources: Record<string, { env?: Record<string, string> }>;
  };
  const r = doc.resources[resource];
  assert.ok(r, `no resource ${resource} in ${file}`);
  return Object.keys(r.env ?? {});
}

/** Keys of a systemd EnvironmentFile template (`KEY=value` lines). */
export function envTemplateKeys(text: string | undefined): string[] {
  assert.ok(text !== undefined, "no env template");
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => l.slice(0, l.indexOf("=")));
}

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `aspire-arm-${label}-`));
}

/** Every regular file under a folder, as paths relative to it, sorted. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** The files cloud-init writes, from a cloud-config text. */
export function writeFilesOf(cloudConfig: string): Map<string, string> {
  assert.ok(
    cloudConfig.startsWith("#cloud-config\n"),
    "user data does not start with #cloud-config",
  );
  const doc = yaml.load(cloudConfig) as { write_files?: { path: string; content: string }[] };
  assert.ok(Array.isArray(doc.write_files), "user data has no write_files");
  return new Map(doc.write_files.map((f) => [f.path, f.content]));
}

/** vm.env's settings as the user data writes them: NAME='value' lines, shell-quoted (a quote as
 *  '"'"'), each line checked for that shape. */
export function vmEnvOf(cloudConfig: string): Map<string, string> {
  const text = writeFilesOf(cloudConfig).get(VM_ENV_FILE);
  assert.ok(text !== undefined, `the user data writes no ${VM_ENV_FILE}`);
  return new Map(
    text
      .trimEnd()
      .split("\n")
      .map((line) => {
        const m = /^([A-Z_]+)='((?:[^']|'"'"')*)'$/.exec(line);
        assert.ok(m, `vm.env line ${line} is not NAME='value'`);
        return [m[1], m[2].replace(/'"'"'/g, "'")] as const;
      }),
  );
}

/** The diagnostics of the PlanError that `run` must throw. */
export function planErrorsOf(run: () => unknown): Diagnostic[] {
  try {
    run();
  } catch (e) {
    if (e instanceof PlanError) return [...e.diagnostics];
    throw e;
  }
  assert.fail("expected a PlanError");
}

/** A manifest of one container whose environment holds `bytes` random base64 characters: user
 *  data that gzip cannot shrink much. */
export function bulkyManifest(bytes: number): string {
  const file = path.join(
    fs.mkdtempSync(path.join(os.tmpdir(), "aspire-arm-bulk-")),
    "aspire-manifest.json",
  );
  const blob = crypto
    .randomBytes(Math.ceil((bytes * 3) / 4))
    .toString("base64")
    .slice(0, bytes);
  fs.writeFileSync(
    file,
    JSON.stringify({
      resources: {
        api: { type: "container.v0", image: "docker.io/library/nginx:1.27", env: { BLOB: blob } },
      },
    }),
  );
  return file;
}

// `aspire-arm plan MANIFEST [options]`: the deployment plan, offline. Needs no credentials and no
// Pulumi CLI. Secret values never appear: the plan only knows their names.
import * as fs from "node:fs";
import * as path from "node:path";
import { formatDiagnostic, loadManifest, type Diagnostic, type Value } from "../manifest";
import { buildPlan, isStoredOnVm, type Cloud, type DeploymentPlan, type PlanOptions, type Runtime, type VmOptions } from "../plan";
import { defaultSecretSource, renderVm, userDataProblem, USER_DATA_LIMIT, type RenderedVm } from "../render";
import { interpolated } from "../render/interpolate";
import { UsageError } from "./usage";

const USAGE = "Usage: aspire-arm plan MANIFEST [--cloud aws|gcp] [--stack NAME] [--set NAME=VALUE]... [--out DIR] [--json]";

interface PlanArgs {
  manifest: string;
  options: PlanOptions;
  out?: string;
  json: boolean;
}

export function parsePlanArgs(argv: readonly string[]): PlanArgs {
  let cloud: Cloud = "aws";
  let stack = "dev";
  let out: string | undefined;
  let json = false;
  let manifest: string | undefined;
  const parameters: Record<string, string> = {};
  const images: Record<string, string> = {};
  const vms: Record<string, VmOptions> = {};
  const extra: { runtime?: Runtime; domain?: string; dashboard?: boolean; vmPerService?: boolean; instanceType?: string } = {};
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new UsageError(`plan: ${flag} needs a value. ${USAGE}`);
    return v;
  };
  const pair = (v: string, flag: string) => {
    const eq = v.indexOf("=");
    if (eq <= 0) throw new UsageError(`plan: ${flag} takes NAME=VALUE, not "${v}".`);
    return [v.slice(0, eq), v.slice(eq + 1)] as const;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case "--cloud": {
        const v = value(i++, a);
        if (v !== "aws" && v !== "gcp") throw new UsageError(`plan: --cloud must be aws or gcp, not "${v}".`);
        cloud = v;
        break;
      }
      case "--stack":
        stack = value(i++, a);
        break;
      case "--out":
        out = value(i++, a);
        break;
      case "--json":
        json = true;
        break;
      case "--set": {
        const [k, v] = pair(value(i++, a), a);
        parameters[k] = v;
        break;
      }
      case "--image": {
        const [k, v] = pair(value(i++, a), a);
        images[k] = v;
        break;
      }
      case "--vm": {
        const [k, v] = pair(value(i++, a), a);
        vms[k] = { resources: v.split(",").map((s) => s.trim()).filter(Boolean) };
        break;
      }
      case "--vm-per-service":
        extra.vmPerService = true;
        break;
      case "--runtime": {
        const v = value(i++, a);
        if (v !== "docker" && v !== "dotnet") throw new UsageError(`plan: --runtime must be docker or dotnet, not "${v}".`);
        extra.runtime = v;
        break;
      }
      case "--domain":
        extra.domain = value(i++, a);
        break;
      case "--dashboard":
        extra.dashboard = true;
        break;
      case "--instance-type":
        extra.instanceType = value(i++, a);
        break;
      default:
        if (a.startsWith("-")) throw new UsageError(`plan: unknown option ${a}. ${USAGE}`);
        if (manifest !== undefined) throw new UsageError(`plan: one manifest at a time (got ${manifest} and ${a}). ${USAGE}`);
        manifest = a;
    }
  }
  if (manifest === undefined) throw new UsageError(`plan: give the manifest to plan. ${USAGE}`);
  return { manifest, out, json, options: { cloud, stack, parameters, images, vms: Object.keys(vms).length ? vms : undefined, ...extra } };
}

export function planCommand(argv: readonly string[], out: (text: string) => void, err: (text: string) => void): number {
  const args = parsePlanArgs(argv);
  const { manifest, warnings: manifestWarnings } = loadManifest(args.manifest);
  const { plan, warnings: planWarnings } = buildPlan(manifest, args.options);
  const ctx = { secretSource: defaultSecretSource(plan) };
  const warnings: Diagnostic[] = [...manifestWarnings, ...planWarnings];
  const rendered = plan.vms.map((vm) => renderVm(plan, vm, ctx, warnings));
  const problems = rendered.map((r) => userDataProblem(plan, r)).filter((d): d is Diagnostic => d !== undefined);

  if (args.out) writeOut(args.out, rendered);
  out(args.json ? JSON.stringify(planJson(plan, rendered, warnings, problems), null, 2) + "\n" : planText(args.manifest, plan, rendered, warnings, problems, args.out));
  if (problems.length) {
    for (const p of problems) err(`aspire-arm: ${formatDiagnostic(p)}\n`);
    return 1;
  }
  return 0;
}

function writeOut(dir: string, rendered: readonly RenderedVm[]): void {
  for (const r of rendered) {
    const vmDir = path.join(dir, r.vm.name);
    fs.rmSync(vmDir, { recursive: true, force: true });
    fs.mkdirSync(vmDir, { recursive: true });
    fs.writeFileSync(path.join(vmDir, "user-data"), r.cloudConfig);
    for (const f of r.appConfig) {
      const file = path.join(vmDir, f.path);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, f.content, { mode: parseInt(f.permissions, 8) });
    }
  }
}

const show = (v: Value) => interpolated(v);

function planJson(plan: DeploymentPlan, rendered: readonly RenderedVm[], warnings: readonly Diagnostic[], problems: readonly Diagnostic[]) {
  return {
    cloud: plan.cloud,
    stack: plan.stack,
    manifest: plan.manifestFile,
    vms: rendered.map(({ vm, userData, userDataEncoding, cloudConfig }) => ({
      name: vm.name,
      instanceType: vm.instanceType,
      os: vm.os,
      runtime: vm.runtime,
      diskSizeGb: vm.diskSizeGb,
      userData: { bytes: userData.length, encoding: userDataEncoding, uncompressedBytes: Buffer.byteLength(cloudConfig), limit: USER_DATA_LIMIT[plan.cloud] },
      services: vm.services.map((s) => ({
        name: s.name,
        resource: s.resource,
        runAs: s.runAs,
        image: s.image.kind === "pull" ? s.image.image : `${s.image.kind} build -> ${s.image.repository}`,
        ports: s.ports,
        env: Object.fromEntries(Object.entries(s.env).map(([k, v]) => [k, show(v)])),
        args: s.args.map(show),
        dependsOn: s.dependsOn,
      })),
      publicEndpoints: vm.publicEndpoints,
      privatePorts: vm.privatePorts,
      namedVolumes: vm.namedVolumes,
      secrets: vm.secrets,
    })),
    parameters: plan.parameters.map((p) => ({ name: p.name, secret: p.secret, source: p.source, storedOnVm: isStoredOnVm(p), ...(p.value !== undefined ? { value: p.value } : {}) })),
    warnings,
    errors: problems,
  };
}

function planText(file: string, plan: DeploymentPlan, rendered: readonly RenderedVm[], warnings: readonly Diagnostic[], problems: readonly Diagnostic[], outDir?: string): string {
  const lines = [`Plan for ${file} on ${plan.cloud}, stack ${plan.stack}: ${rendered.length} VM${rendered.length === 1 ? "" : "s"}`];
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  for (const { vm, userData, userDataEncoding } of rendered) {
    lines.push("", `VM ${vm.name}: ${vm.instanceType}, ${vm.os}, runtime ${vm.runtime}, boot disk ${vm.diskSizeGb} GB${vm.namedVolumes.length ? `, data disk for ${vm.namedVolumes.length} named volume(s)` : ""}`);
    lines.push(`  user data: ${kb(userData.length)}${userDataEncoding === "gzip" ? " gzipped" : ""} (limit ${kb(USER_DATA_LIMIT[plan.cloud])})`);
    for (const s of vm.services) {
      const image = s.image.kind === "pull" ? s.image.image : s.image.kind === "project" ? `.NET project, built for linux/arm64` : `Dockerfile, built for linux/arm64`;
      const ports = s.ports.map((p) => `${p.binding} ${p.targetPort}${p.hostPort !== undefined ? `->host ${p.hostPort}` : ""}${p.exposure !== "none" ? ` (${p.exposure})` : ""}`).join(", ");
      lines.push(`  ${s.name}: ${s.runAs === "native" ? "native (systemd)" : "container"}, ${image}${ports ? `; ${ports}` : ""}${s.dependsOn.length ? `; after ${s.dependsOn.join(", ")}` : ""}`);
    }
    for (const e of vm.publicEndpoints) lines.push(`  public: ${e.scheme}://${e.hostName ?? "<public address>"}:${e.port} -> ${e.service} (${e.binding})`);
    if (vm.secrets.length) lines.push(`  secrets read at boot: ${vm.secrets.join(", ")}`);
  }
  if (plan.parameters.length) {
    lines.push("", "Parameters:");
    for (const p of plan.parameters) lines.push(`  ${p.name}: ${p.secret ? "secret" : "plain"}, ${p.source}${!p.secret && p.value !== undefined ? ` = ${JSON.stringify(p.value)}` : ""}`);
  }
  if (warnings.length) lines.push("", ...warnings.map((w) => `warning: ${formatDiagnostic(w)}`));
  if (problems.length) lines.push("", ...problems.map((w) => `error: ${formatDiagnostic(w)}`));
  if (outDir) lines.push("", `Wrote ${rendered.map((r) => path.join(outDir, r.vm.name)).join(", ")}`);
  return lines.join("\n") + "\n";
}

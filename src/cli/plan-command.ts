// `aspire-arm plan MANIFEST [options]`: the deployment plan, offline. Needs no credentials and no
// Pulumi CLI. Secret values never appear: the plan only knows their names.
import { DEPLOY_TIME_CHECK } from "../registry/client";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { formatDiagnostic, loadManifest, own, type Diagnostic, type Value } from "../manifest";
import { readStackConfig } from "../config/stack-config";
import { asRuntimeConfig, readStackFile, secretKeys } from "../config/stack-file";
import {
  buildPlan,
  isStoredOnVm,
  PlanError,
  secretStoreName,
  stackCost,
  vmCost,
  vmCostText,
  usd,
  usdDelta,
  PRICES,
  HOURS_PER_MONTH,
  type DeploymentPlan,
  type StackCost,
  type VmPlan,
} from "../plan";
import {
  deployRenderContext,
  offlineDeployFacts,
  renderVm,
  restartPolicy,
  userDataProblem,
  releaseProblem,
  USER_DATA_LIMIT,
  type RenderContext,
  type RenderedVm,
} from "../render";
import { interpolated } from "../render/interpolate";
import { vmInputs, vmInputsFingerprint, type VmInputs } from "../render/vm-inputs";
import {
  comparePlans,
  comparisonLines,
  parsePlanDocument,
  PlanDocumentError,
  readPlanDocument,
  type PlanComparison,
  type PlanDocument,
} from "./compare-plans";
import { planReport } from "./plan-report";
import type { MockRun, RecordedResource } from "./mock-program";
import { resourceSummary, resourceTree } from "./resource-tree";
import { UsageError } from "./usage";

const USAGE =
  "Usage: aspire-arm plan MANIFEST [--cloud aws|gcp] [--stack NAME] [--set NAME=VALUE]... [--out DIR] [--json | --markdown] [--against PREVIOUS.json] [--no-resources]";

interface PlanArgs {
  manifest?: string;
  /** Skip running the Pulumi program under mocks: the plan and files only, in milliseconds. */
  noResources: boolean;
  /** Render VMs that read their secrets from this JSON file on the VM (tests, emulated VMs). */
  secretFile?: string;
  /** Render VMs that apply their first release from this bundle file on the VM (emulated VMs). */
  releaseFile?: string;
  stack: string;
  /** Stack config given by flags, as `aspire:*` keys: it overrides Pulumi.<stack>.yaml. */
  flags: Record<string, unknown>;
  out?: string;
  json: boolean;
  /** A Markdown report for a pull request comment (src/cli/plan-report.ts). */
  markdown: boolean;
  /** A previous `plan --json` output: say per VM what deploying this plan over it does. */
  against?: string;
}

/** Reads the flags into config keys, so that flags and stack files go through one validator. */
export function parsePlanArgs(argv: readonly string[]): PlanArgs {
  let stack = "dev";
  let out: string | undefined;
  let against: string | undefined;
  let json = false;
  let markdown = false;
  let noResources = false;
  let secretFile: string | undefined;
  let releaseFile: string | undefined;
  let manifest: string | undefined;
  const flags: Record<string, unknown> = {};
  const images: Record<string, string> = {};
  const vms: Record<string, string[]> = {};
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--"))
      throw new UsageError(`plan: ${flag} needs a value. ${USAGE}`);
    return v;
  };
  const either = (v: string, flag: string, first: string, second: string) => {
    if (v !== first && v !== second)
      throw new UsageError(`plan: ${flag} must be ${first} or ${second}, not "${v}".`);
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
      case "--cloud":
        flags["aspire:cloud"] = either(value(i++, a), a, "aws", "gcp");
        break;
      case "--stack":
        stack = value(i++, a);
        break;
      case "--out":
        out = value(i++, a);
        break;
      case "--json":
        json = true;
        break;
      case "--markdown":
        markdown = true;
        break;
      case "--against":
        against = value(i++, a);
        break;
      case "--no-resources":
        noResources = true;
        break;
      case "--secret-file":
        secretFile = value(i++, a);
        if (!secretFile.startsWith("/"))
          throw new UsageError(
            `plan: --secret-file takes an absolute path on the VM, not "${secretFile}".`,
          );
        break;
      case "--release-file":
        releaseFile = value(i++, a);
        if (!releaseFile.startsWith("/"))
          throw new UsageError(
            `plan: --release-file takes an absolute path on the VM, not "${releaseFile}".`,
          );
        break;
      case "--set": {
        const [k, v] = pair(value(i++, a), a);
        flags[`aspire:parameters.${k}`] = v;
        break;
      }
      case "--image": {
        const [k, v] = pair(value(i++, a), a);
        images[k] = v;
        break;
      }
      case "--vm": {
        const [k, v] = pair(value(i++, a), a);
        vms[k] = v
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean);
        break;
      }
      case "--vm-per-service":
        flags["aspire:vmPerService"] = true;
        break;
      case "--runtime":
        flags["aspire:runtime"] = either(value(i++, a), a, "docker", "dotnet");
        break;
      case "--domain":
        flags["aspire:domain"] = value(i++, a);
        break;
      case "--dashboard":
        flags["aspire:dashboard"] = true;
        break;
      case "--instance-type":
        flags["aspire:instanceType"] = value(i++, a);
        break;
      case "--source-root":
        flags["aspire:sourceRoot"] = value(i++, a);
        break;
      default:
        if (a.startsWith("-")) throw new UsageError(`plan: unknown option ${a}. ${USAGE}`);
        if (manifest !== undefined)
          throw new UsageError(`plan: one manifest at a time (got ${manifest} and ${a}). ${USAGE}`);
        manifest = a;
    }
  }
  if (Object.keys(images).length) flags["aspire:images"] = images;
  if (Object.keys(vms).length) flags["aspire:vms"] = vms;
  if (manifest !== undefined) flags["aspire:manifest"] = manifest;
  if (json && markdown) throw new UsageError(`plan: --json or --markdown, not both. ${USAGE}`);
  return {
    manifest,
    stack,
    flags,
    out,
    json,
    markdown,
    against,
    noResources,
    secretFile,
    releaseFile,
  };
}

/** Offline defaults for the providers' location keys, so a plan needs no stack file at all. */
const OFFLINE_LOCATION: Record<string, string> = {
  "aws:region": "us-east-1",
  "gcp:zone": "us-central1-a",
  "gcp:project": "(your-gcp-project)",
};

export async function planCommand(
  argv: readonly string[],
  out: (text: string) => void,
  err: (text: string) => void,
): Promise<number> {
  const args = parsePlanArgs(argv);
  // Before anything runs: a folder plan may not write into fails now, not after the mock run.
  const previousOut = args.out === undefined ? undefined : outFolderState(args.out);
  const previousPlan = args.against === undefined ? undefined : readPreviousPlan(args.against);
  const stackFile = readStackFile(process.cwd(), args.stack);
  const raw: Record<string, unknown> = { ...OFFLINE_LOCATION, ...stackFile.config, ...args.flags };
  if (raw["aspire:manifest"] === undefined)
    throw new UsageError(
      `plan: give the manifest to plan (or set aspire:manifest in Pulumi.${args.stack}.yaml). ${USAGE}`,
    );
  const { config, errors, warnings: configWarnings } = readStackConfig(raw);
  if (errors.length) throw new PlanError(errors);

  const { manifest, warnings: manifestWarnings } = loadManifest(config.manifest);
  const { plan, warnings: planWarnings } = buildPlan(manifest, {
    ...config.plan,
    stack: args.stack,
  });
  const secretVersions = args.secretFile ? undefined : stackFileSecretVersions(plan, raw);
  // As the cloud's component renders each VM (placeholders for what only the cloud assigns); for
  // the emulated VM (--secret-file), with no cloud: secrets from the file, no registry, no data disk.
  const ctxOf = (vm: VmPlan): RenderContext => ({
    ...(args.secretFile
      ? {
          secretSource: { kind: "file", path: args.secretFile },
          dotnetChannel: config.dotnetChannel,
        }
      : deployRenderContext(plan, vm, offlineDeployFacts(plan, vm, config, config.dotnetChannel))),
    ...(args.releaseFile ? { releaseSource: { kind: "file", path: args.releaseFile } } : {}),
    ...(secretVersions ? { secretVersions } : {}),
  });
  const warnings: Diagnostic[] = [...configWarnings, ...manifestWarnings, ...planWarnings];
  const rendered = plan.vms.map((vm) => renderVm(plan, vm, ctxOf(vm)));
  // What each VM is created with, and its release: what a deploy of this plan changes.
  const planned = rendered.map((r) => ({
    rendered: r,
    inputs: vmInputs(plan, r, { network: config.network, ssh: config.ssh }),
  }));
  const problems = rendered
    .flatMap((r) => [userDataProblem(plan, r), releaseProblem(plan, r)])
    .filter((d): d is Diagnostic => d !== undefined);

  // The real program under Pulumi's mocks: the resources `pulumi up` would create.
  // Unset secrets are allowed offline (`pulumi up` asks for them): stand-ins let the program run.
  const unset = Object.fromEntries(
    plan.parameters
      .filter((p) => p.source === "unset")
      .map((p) => [`aspire:parameters.${p.name}`, "(unset: set it before pulumi up)"]),
  );
  const mockConfig = { ...asRuntimeConfig(raw), ...unset };
  const cost = stackCost(
    plan.cloud,
    planned.map((p) => p.inputs),
  );
  const doc = planJson(plan, planned, warnings, problems, cost, secretVersions);
  // The current plan is read as a saved one is, so that both sides compare alike.
  const comparison = previousPlan && comparePlans(previousPlan, readPlanDocument(doc));
  const previousCost = previousPlan && costOfDocument(previousPlan);
  // Pulumi's SDK is loaded only for the mock run (it takes about a second to load).
  const run =
    problems.length || args.noResources || args.markdown
      ? undefined
      : await (
          await import("./mock-program")
        ).runProgramWithMocks(programPath(), args.stack, mockConfig, [
          ...secretKeys(raw),
          ...Object.keys(unset),
        ]);

  if (args.out && previousOut) writeOut(args.out, previousOut, rendered);
  if (args.markdown)
    out(
      planReport({
        cloud: plan.cloud,
        stack: plan.stack,
        vms: plan.vms.map((vm) => ({ name: vm.name, services: vm.services.map((s) => s.name) })),
        cost,
        ...(comparison ? { comparison } : {}),
        ...(previousCost
          ? { previousCost: previousCost.total, previousVmCost: previousCost.byVm }
          : {}),
        problems: problems.map(formatDiagnostic),
        warnings: warnings.length,
      }),
    );
  else
    out(
      args.json
        ? JSON.stringify(
            {
              ...doc,
              resources: run?.resources.map(summary),
              ...(comparison
                ? {
                    against: {
                      file: args.against,
                      ...comparison,
                      ...(previousCost ? { cost: costDelta(previousCost.total, cost) } : {}),
                    },
                  }
                : {}),
            },
            null,
            2,
          ) + "\n"
        : planText(config.manifest, plan, planned, warnings, problems, {
            outDir: args.out,
            run,
            cost,
            comparison: comparison && {
              file: args.against as string,
              ...comparison,
              ...(previousCost ? { previousCost: previousCost.total } : {}),
            },
            location: raw[plan.cloud === "aws" ? "aws:region" : "gcp:zone"],
          }),
    );
  if (problems.length) {
    for (const p of problems) err(`aspire-arm: ${formatDiagnostic(p)}\n`);
    return 1;
  }
  return 0;
}

/** A VM of this plan as `plan --json` shows it: what it is rendered into, and created with. */
interface PlannedView {
  readonly rendered: RenderedVm;
  readonly inputs: VmInputs;
}

/** The previous plan's cost by today's price table, from what its VMs are created with. */
function costOfDocument(d: PlanDocument): {
  total: StackCost;
  byVm: ReadonlyMap<string, ReturnType<typeof vmCost>>;
} {
  const cloud = d.cloud === "gcp" ? "gcp" : "aws";
  const total = stackCost(
    cloud,
    d.vms.map((vm) => vm.vmInputs),
  );
  return { total, byVm: new Map(d.vms.map((vm, i) => [vm.name, total.vms[i]])) };
}

function costDelta(before: StackCost, after: StackCost) {
  return {
    beforeMonthlyUsd: before.monthlyUsd ?? null,
    afterMonthlyUsd: after.monthlyUsd ?? null,
    deltaMonthlyUsd:
      before.monthlyUsd !== undefined && after.monthlyUsd !== undefined
        ? after.monthlyUsd - before.monthlyUsd
        : null,
  };
}

/** The previous plan of --against, read now: a file that cannot be compared fails before anything runs. */
function readPreviousPlan(file: string): PlanDocument {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PlanDocumentError(
      `plan: --against ${file}: cannot be read (${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a folder" : ((e as Error).message ?? code)}).`,
    );
  }
  try {
    return parsePlanDocument(text);
  } catch (e) {
    if (e instanceof PlanDocumentError)
      throw new PlanDocumentError(`plan: --against ${file}: ${e.message}.`);
    throw e;
  }
}

/** Offline, the "version" of each secret parameter set in the stack file: its ciphertext's digest
 *  (the ciphertext is public: it is committed with the stack file), so that a value rotated with
 *  `pulumi config set --secret` is a new release, as it is on deploy (a new version in the store).
 *  Secrets given otherwise (--set, generated) have none: undefined when no secret has one. */
function stackFileSecretVersions(
  plan: DeploymentPlan,
  raw: Readonly<Record<string, unknown>>,
): Record<string, string> | undefined {
  const ciphertext = (v: unknown) =>
    typeof v === "object" && v !== null && typeof (v as { secure?: unknown }).secure === "string"
      ? (v as { secure: string }).secure
      : undefined;
  const nested = raw["aspire:parameters"];
  const versions: Record<string, string> = {};
  for (const p of plan.parameters) {
    if (!p.secret) continue;
    const flat = raw[`aspire:parameters.${p.name}`];
    const secure =
      flat !== undefined
        ? ciphertext(flat)
        : typeof nested === "object" && nested !== null
          ? ciphertext(own(nested as Record<string, unknown>, p.name))
          : undefined;
    if (secure !== undefined)
      versions[secretStoreName(p.name)] =
        `stack-file:${crypto.createHash("sha256").update(secure).digest("hex").slice(0, 12)}`;
  }
  return Object.keys(versions).length ? versions : undefined;
}

/** The compiled program, next to the compiled CLI (dist/index.js). */
function programPath(): string {
  return path.resolve(__dirname, "../../index.js");
}

/** Left in every --out folder: it lists the VM folders plan wrote, the only ones it replaces. */
const OUT_MARKER = ".aspire-arm-plan";

/** The VM folders a previous plan wrote in `dir`; a usage error for a folder plan did not write. */
function outFolderState(dir: string): { vmFolders: string[] } {
  let entries: string[];
  try {
    if (!fs.statSync(dir).isDirectory())
      throw new UsageError(`plan: --out ${dir} is not a folder.`);
    entries = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { vmFolders: [] };
    throw e;
  }
  if (entries.length === 0) return { vmFolders: [] };
  if (!entries.includes(OUT_MARKER))
    throw new UsageError(
      `plan: --out ${dir} is not empty and was not written by aspire-arm plan (no ${OUT_MARKER} in it), so nothing in it is replaced: give a new or empty folder.`,
    );
  const listed = fs.readFileSync(path.join(dir, OUT_MARKER), "utf8").split("\n");
  // VM names are safe names: a line that is not one (.., a path) is never a folder to remove.
  return { vmFolders: listed.filter((l) => /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(l)) };
}

function writeOut(
  dir: string,
  previous: { vmFolders: string[] },
  rendered: readonly RenderedVm[],
): void {
  // Only the folders the previous plan listed are replaced; anything else of that name is kept and refused.
  for (const vm of previous.vmFolders)
    fs.rmSync(path.join(dir, vm), { recursive: true, force: true });
  for (const r of rendered)
    if (fs.lstatSync(path.join(dir, r.vm.name), { throwIfNoEntry: false }))
      throw new UsageError(
        `plan: --out ${dir} already has ${r.vm.name}, which plan did not write: remove it or give another folder.`,
      );
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, OUT_MARKER), rendered.map((r) => `${r.vm.name}\n`).join(""));
  for (const r of rendered) {
    const vmDir = path.join(dir, r.vm.name);
    fs.mkdirSync(vmDir, { recursive: true });
    fs.writeFileSync(path.join(vmDir, "user-data"), r.cloudConfig);
    // The release as it is delivered, its id, and its files as release.py unpacks them on the VM
    // (the app config and bin/): the folder shows what the VM receives.
    fs.writeFileSync(path.join(vmDir, "release.json.gz"), r.release.gz);
    fs.writeFileSync(path.join(vmDir, "release-id"), `${r.release.id}\n`);
    const release = JSON.parse(r.release.json) as {
      files: { path: string; mode: string; text?: string; base64?: string }[];
    };
    for (const f of release.files) {
      const file = path.join(vmDir, f.path);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(
        file,
        f.base64 !== undefined ? Buffer.from(f.base64, "base64") : (f.text ?? ""),
      );
      // The release's mode (0644 or 0755), whatever the umask.
      fs.chmodSync(file, parseInt(f.mode, 8));
    }
  }
}

const show = (v: Value) => interpolated(v);

function planJson(
  plan: DeploymentPlan,
  planned: readonly PlannedView[],
  warnings: readonly Diagnostic[],
  problems: readonly Diagnostic[],
  cost: StackCost,
  secretVersions: Readonly<Record<string, string>> | undefined,
) {
  return {
    cloud: plan.cloud,
    stack: plan.stack,
    manifest: plan.manifestFile,
    vms: planned.map(
      ({ rendered: { vm, userData, userDataEncoding, cloudConfig, release }, inputs }, i) => ({
        name: vm.name,
        instanceType: vm.instanceType,
        os: vm.os,
        runtime: vm.runtime,
        diskSizeGb: vm.diskSizeGb,
        userData: {
          bytes: userData.length,
          encoding: userDataEncoding,
          uncompressedBytes: Buffer.byteLength(cloudConfig),
          limit: USER_DATA_LIMIT[plan.cloud],
        },
        services: vm.services.map((s) => ({
          name: s.name,
          resource: s.resource,
          runAs: s.runAs,
          image:
            s.image.kind === "pull"
              ? s.image.image
              : `${s.image.kind} build -> ${s.image.repository}`,
          ports: s.ports,
          env: Object.fromEntries(Object.entries(s.env).map(([k, v]) => [k, show(v)])),
          // The env keys whose value holds a secret: a report names them, never shows them.
          secretEnv: Object.keys(s.env).filter((k) => holdsSecret(s.env[k])),
          args: s.args.map(show),
          dependsOn: s.dependsOn,
          ...(s.runAs === "container" ? { restart: restartPolicy(s) } : {}),
        })),
        publicEndpoints: vm.publicEndpoints,
        privatePorts: vm.privatePorts,
        namedVolumes: vm.namedVolumes,
        secrets: vm.secrets,
        // Their versions when known (secrets set in the stack file): a changed one is a rotation.
        ...secretVersionsOf(vm, secretVersions),
        // What the instance is created with (a change replaces or restarts it) and the release that
        // app changes roll out in place (src/render/vm-inputs.ts).
        vmInputs: inputs,
        vmInputsFingerprint: vmInputsFingerprint(inputs),
        release: { id: release.id, bytes: release.gz.length },
        cost: cost.vms[i],
      }),
    ),
    cost: {
      region: cost.region,
      hoursPerMonth: cost.hoursPerMonth,
      monthlyUsd: cost.monthlyUsd ?? null,
      x86MonthlyUsd: cost.x86MonthlyUsd ?? null,
    },
    parameters: plan.parameters.map((p) => ({
      name: p.name,
      secret: p.secret,
      source: p.source,
      storedOnVm: isStoredOnVm(p),
      ...(p.value !== undefined && !p.secret ? { value: p.value } : {}),
    })),
    warnings,
    errors: problems,
  };
}

const summary = (r: RecordedResource) => resourceSummary(r);

/** A value that names a secret parameter (the VM fills it in from the secret store). */
const holdsSecret = (v: Value) => v.parts.some((p) => typeof p !== "string");

function secretVersionsOf(
  vm: VmPlan,
  versions: Readonly<Record<string, string>> | undefined,
): { secretVersions?: Record<string, string> } {
  if (!versions) return {};
  const known = vm.secrets.filter((n) => versions[secretStoreName(n)] !== undefined);
  return known.length
    ? { secretVersions: Object.fromEntries(known.map((n) => [n, versions[secretStoreName(n)]])) }
    : {};
}

function planText(
  file: string,
  plan: DeploymentPlan,
  planned: readonly PlannedView[],
  warnings: readonly Diagnostic[],
  problems: readonly Diagnostic[],
  extra: {
    readonly outDir?: string;
    readonly run?: MockRun;
    readonly cost: StackCost;
    readonly comparison?: PlanComparison & {
      readonly file: string;
      readonly previousCost?: StackCost;
    };
    /** The stack's region (AWS) or zone (GCP), to say when prices are of another region. */
    readonly location?: unknown;
  },
): string {
  const { outDir, run, comparison, cost } = extra;
  const rendered = planned.map((p) => p.rendered);
  const lines = [
    `Plan for ${file} on ${plan.cloud}, stack ${plan.stack}: ${rendered.length} VM${rendered.length === 1 ? "" : "s"}`,
  ];
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  for (const {
    rendered: { vm, userData, userDataEncoding, release },
    inputs,
  } of planned) {
    lines.push(
      "",
      `VM ${vm.name}: ${vm.instanceType}, ${vm.os}, runtime ${vm.runtime}, boot disk ${vm.diskSizeGb} GB${vm.namedVolumes.length ? `, data disk for ${vm.namedVolumes.length} named volume(s)` : ""}`,
    );
    lines.push(
      `  user data: ${kb(userData.length)}${userDataEncoding === "gzip" ? " gzipped" : ""} (limit ${kb(USER_DATA_LIMIT[plan.cloud])})`,
    );
    for (const s of vm.services) {
      const image =
        s.image.kind === "pull"
          ? s.image.image
          : s.image.kind === "project"
            ? `.NET project, built for linux/arm64`
            : `Dockerfile, built for linux/arm64`;
      const ports = s.ports
        .map(
          (p) =>
            `${p.binding} ${p.targetPort}${p.hostPort !== undefined ? `->host ${p.hostPort}` : ""}${p.exposure !== "none" ? ` (${p.exposure})` : ""}`,
        )
        .join(", ");
      // A container with no endpoint may be a one-shot (restart: on-failure): say when it runs again.
      const oneShot =
        s.runAs === "container" && restartPolicy(s) === "on-failure"
          ? "; no endpoint: restarted only after a failure, run again at each boot and app update"
          : "";
      lines.push(
        `  ${s.name}: ${s.runAs === "native" ? "native (systemd)" : "container"}, ${image}${ports ? `; ${ports}` : ""}${s.dependsOn.length ? `; after ${s.dependsOn.join(", ")}` : ""}${oneShot}`,
      );
    }
    for (const e of vm.publicEndpoints)
      lines.push(
        `  public: ${e.scheme}://${e.hostName ?? "<public address>"}:${e.port} -> ${e.service} (${e.binding})`,
      );
    if (vm.secrets.length) lines.push(`  secrets read at boot: ${vm.secrets.join(", ")}`);
    lines.push(
      `  release ${release.id} (${kb(release.gz.length)} gzipped): app changes roll out to this VM in place; VM inputs ${vmInputsFingerprint(inputs)}`,
    );
    lines.push(`  cost: ${vmCostText(vmCost(plan.cloud, inputs))}`);
  }
  lines.push("", ...costLines(plan.cloud, cost, extra.location));
  lines.push("", DEPLOY_TIME_CHECK);
  if (plan.parameters.length) {
    lines.push("", "Parameters:");
    for (const p of plan.parameters)
      lines.push(
        `  ${p.name}: ${p.secret ? "secret" : "plain"}, ${p.source}${!p.secret && p.value !== undefined ? ` = ${JSON.stringify(p.value)}` : ""}`,
      );
  }
  if (run)
    lines.push(
      "",
      `Resources \`pulumi up\` would create (${run.resources.length}, from the program run under Pulumi mocks; cloud lookups are placeholders):`,
      ...resourceTree(run.resources),
    );
  if (comparison)
    lines.push(
      "",
      `Against ${comparison.file}, what deploying this plan does to each VM:`,
      ...comparisonLines(comparison),
      ...(comparison.previousCost &&
      comparison.previousCost.monthlyUsd !== undefined &&
      cost.monthlyUsd !== undefined
        ? [
            `  Monthly cost: ${usd(comparison.previousCost.monthlyUsd)} -> ${usd(cost.monthlyUsd)} (${usdDelta(cost.monthlyUsd - comparison.previousCost.monthlyUsd)})`,
          ]
        : ["  Monthly cost: its change is unknown (a VM part has no price)"]),
    );
  if (warnings.length) lines.push("", ...warnings.map((w) => `warning: ${formatDiagnostic(w)}`));
  if (problems.length) lines.push("", ...problems.map((w) => `error: ${formatDiagnostic(w)}`));
  if (outDir)
    lines.push("", `Wrote ${rendered.map((r) => path.join(outDir, r.vm.name)).join(", ")}`);
  return lines.join("\n") + "\n";
}

/** The stack's monthly cost, the Arm saving, and where the prices are from. */
function costLines(cloud: "aws" | "gcp", cost: StackCost, location: unknown): string[] {
  const p = PRICES[cloud];
  const where =
    typeof location === "string" && !location.startsWith(p.region)
      ? ` (this stack deploys to ${location}, where prices differ)`
      : "";
  const total =
    cost.monthlyUsd !== undefined
      ? `${usd(cost.monthlyUsd)} a month`
      : "unknown: a VM part has no price (see each VM's cost line)";
  const saving =
    cost.monthlyUsd !== undefined && cost.x86MonthlyUsd !== undefined
      ? `; on the x86 types of the same shape ${usd(cost.x86MonthlyUsd)}, so Arm saves ${usd(cost.x86MonthlyUsd - cost.monthlyUsd)} a month`
      : "";
  const sources = [
    ...new Set(
      [
        ...Object.values(p.instances),
        ...Object.values(p.disks),
        ...(p.publicIpv4 ? [p.publicIpv4] : []),
      ].map((x) => `${x.source} (${x.date})`),
    ),
  ];
  return [
    `Monthly cost, on demand: ${total}${saving}.`,
    `  Prices of ${p.region}${where}, hourly x ${HOURS_PER_MONTH} hours a month; disks by capacity (their baseline IOPS and throughput are included). From: ${sources.join("; ")}`,
  ];
}

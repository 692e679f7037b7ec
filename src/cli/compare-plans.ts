// Two plans compared VM by VM (`aspire-arm plan MANIFEST --against PREVIOUS.json`): what deploying
// the new plan over the previous one does to each VM: nothing, a rollout of a new release to the
// running VM, a change of the instance in place (with or without a stop), a new instance, or a
// change that cannot be applied; and the VMs added and removed. Pure: it reads `plan --json`
// documents and returns typed results, which the CLI prints; a later report (the services a change
// touches, Markdown, cost) extends the same comparison.
import {
  appChangeLines,
  compareApps,
  readPlannedApp,
  type AppChanges,
  type PlannedApp,
} from "./app-changes";
import { isObject } from "../manifest/field-reader";
import {
  EFFECT_ORDER,
  VM_INPUT_RULES,
  type InputEffect,
  type InputKey,
  type VmInputs,
} from "../render/vm-inputs";

/** A VM as `plan --json` describes it, as far as the comparison reads it. */
export interface PlannedVm {
  readonly name: string;
  readonly vmInputs: VmInputs;
  readonly release: { readonly id: string; readonly bytes: number };
  /** Its services, endpoints and secrets (plans written before they were compared have none). */
  readonly app?: PlannedApp;
}

/** A `plan --json` document, as far as the comparison reads it. */
export interface PlanDocument {
  readonly cloud: string;
  readonly stack: string;
  readonly vms: readonly PlannedVm[];
}

/** A previous plan that cannot be compared: the message says why, in one line. */
export class PlanDocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanDocumentError";
  }
}

const REWRITE = "write it again with `aspire-arm plan --json` (this version) and the same options";

/** Reads a `plan --json` document, or throws a PlanDocumentError saying what is wrong with it. */
export function parsePlanDocument(text: string): PlanDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new PlanDocumentError(`not JSON (${(e as Error).message.replace(/\s+/g, " ")})`);
  }
  return readPlanDocument(doc);
}

/** A `plan --json` document as data (the current plan is read through it too, so that both sides
 *  of a comparison are read alike), or a PlanDocumentError saying what is wrong with it. */
export function readPlanDocument(doc: unknown): PlanDocument {
  if (!isObject(doc) || !Array.isArray(doc.vms) || typeof doc.cloud !== "string")
    throw new PlanDocumentError(
      "not the output of `aspire-arm plan --json` (no cloud and vms list)",
    );
  const vms = doc.vms.map((vm: unknown, i: number): PlannedVm => {
    if (!isObject(vm) || typeof vm.name !== "string")
      throw new PlanDocumentError(`vms[${i}] has no name: ${REWRITE}`);
    const inputs = vm.vmInputs;
    if (!isObject(inputs)) throw new PlanDocumentError(`VM ${vm.name} has no vmInputs: ${REWRITE}`);
    const missing = VM_INPUT_RULES.map((r) => r.key).find((k) => !(k in inputs));
    if (missing)
      throw new PlanDocumentError(`VM ${vm.name} has no vmInputs.${missing}: ${REWRITE}`);
    if (!isObject(inputs.vmEnv))
      throw new PlanDocumentError(`VM ${vm.name} has no vmInputs.vmEnv: ${REWRITE}`);
    const release = vm.release;
    if (!isObject(release) || typeof release.id !== "string")
      throw new PlanDocumentError(`VM ${vm.name} has no release id: ${REWRITE}`);
    const app = readPlannedApp(vm);
    return {
      name: vm.name,
      vmInputs: inputs as unknown as VmInputs,
      release: { id: release.id, bytes: Number(release.bytes) },
      ...(app ? { app } : {}),
    };
  });
  return { cloud: doc.cloud, stack: String(doc.stack), vms };
}

// ---------------------------------------------------------------------------------------------

/** A VM-level input that differs between the plans, and what its change does. */
export interface InputChange {
  readonly key: InputKey;
  readonly label: string;
  readonly before: VmInputs[InputKey];
  readonly after: VmInputs[InputKey];
  readonly effect: InputEffect;
  readonly why: string;
  /** The user data: its vm.env settings that differ (`NAME "old" -> "new"`). */
  readonly details: readonly string[];
}

/** What the deploy does to a VM: nothing, a rollout only, the worst effect of its changed
 *  inputs, or a VM that only one plan has. */
export type VmVerdict = "unchanged" | "rollout" | InputEffect | "added" | "removed";

export interface VmComparison {
  readonly vm: string;
  readonly verdict: VmVerdict;
  /** The release ids before and after (one of them for a VM added or removed). */
  readonly release: { readonly before?: string; readonly after?: string };
  /** The changed VM-level inputs, the one that decides the verdict first. */
  readonly changes: readonly InputChange[];
  /** What changes in its app (services, endpoints, secrets), when the plans describe it. */
  readonly app?: AppChanges;
}

export interface PlanComparison {
  readonly previous: { readonly cloud: string; readonly stack: string };
  readonly current: { readonly cloud: string; readonly stack: string };
  /** The current plan's VMs in order, then those only the previous plan has. */
  readonly vms: readonly VmComparison[];
}

export function comparePlans(previous: PlanDocument, current: PlanDocument): PlanComparison {
  const before = new Map(previous.vms.map((vm) => [vm.name, vm]));
  const after = new Set(current.vms.map((vm) => vm.name));
  const vms: VmComparison[] = current.vms.map((vm) => {
    const old = before.get(vm.name);
    if (!old)
      return withApp(
        { vm: vm.name, verdict: "added", release: { after: vm.release.id }, changes: [] },
        undefined,
        vm,
      );
    return withApp(compareVm(old, vm), old, vm);
  });
  for (const vm of previous.vms)
    if (!after.has(vm.name))
      vms.push(
        withApp(
          { vm: vm.name, verdict: "removed", release: { before: vm.release.id }, changes: [] },
          vm,
          undefined,
        ),
      );
  return {
    previous: { cloud: previous.cloud, stack: previous.stack },
    current: { cloud: current.cloud, stack: current.stack },
    vms,
  };
}

const rank = (e: InputEffect) => EFFECT_ORDER.indexOf(e);

/** The app's changes, when the plans on the VM's sides describe its app (a VM only one plan has
 *  compares with none); a plan written before they were compared has no app part and gets none. */
function withApp(c: VmComparison, old?: PlannedVm, vm?: PlannedVm): VmComparison {
  if ((old && !old.app) || (vm && !vm.app)) return c;
  return { ...c, app: compareApps(old?.app, vm?.app) };
}

function compareVm(old: PlannedVm, vm: PlannedVm): VmComparison {
  const cloud = vm.vmInputs.cloud;
  const changes: InputChange[] = [];
  for (const rule of VM_INPUT_RULES) {
    const b = old.vmInputs[rule.key];
    const a = vm.vmInputs[rule.key];
    if (JSON.stringify(b) === JSON.stringify(a)) continue;
    const what = rule.effect(cloud, b, a);
    if (!what) continue;
    const { effect, why } = what;
    changes.push({
      key: rule.key,
      label: rule.label,
      before: b,
      after: a,
      effect,
      why,
      details: rule.key === "userDataSha256" ? envChanges(old.vmInputs, vm.vmInputs) : [],
    });
  }
  // A change refused in place may be part of a new instance that another change makes.
  if (changes.some((c) => c.effect === "replace"))
    changes.forEach((c, i) => {
      const instead = VM_INPUT_RULES.find((r) => r.key === c.key)?.withNewInstance;
      if (c.effect === "refused" && instead) changes[i] = { ...c, ...instead };
    });
  // The deciding change first; otherwise in the rules' order (a stable sort).
  changes.sort((x, y) => rank(y.effect) - rank(x.effect));
  const release = { before: old.release.id, after: vm.release.id };
  const verdict: VmVerdict = changes.length
    ? changes[0].effect
    : release.before === release.after
      ? "unchanged"
      : "rollout";
  return { vm: vm.name, verdict, release, changes };
}

/** The vm.env settings that differ between two plans of a VM, `NAME "old" -> "new"`. */
function envChanges(before: VmInputs, after: VmInputs): string[] {
  const names = [...new Set([...Object.keys(before.vmEnv), ...Object.keys(after.vmEnv)])];
  return names
    .filter((n) => before.vmEnv[n] !== after.vmEnv[n])
    .map((n) => `${n} ${show(before.vmEnv[n])} -> ${show(after.vmEnv[n])}`);
}

const show = (v: string | undefined) => (v === undefined ? "(none)" : JSON.stringify(v));

// ---------------------------------------------------------------------------------------------
// As text

function valueText(key: InputKey, v: VmInputs[InputKey]): string {
  if (v === null || v === 0) return "none";
  if (key === "bootDiskGb" || key === "dataDiskGb") return `${v} GB`;
  if (key === "userDataSha256") return `sha256 ${String(v).slice(0, 12)}`;
  return String(v);
}

function changeText(c: InputChange): string {
  if (c.key === "userDataSha256")
    return `user data changed (${c.details.length ? c.details.join(", ") : "its bootstrap scripts"})`;
  return `${c.label} changed (${valueText(c.key, c.before)} -> ${valueText(c.key, c.after)})`;
}

/** One line: what the deploy does to the VM. */
export function verdictText(c: VmComparison): string {
  const { before, after } = c.release;
  const rolled = before !== after ? `rolled out in place: release ${before} -> ${after}` : "";
  const changes = c.changes.map(changeText).join(", ");
  const also = rolled ? `; ${rolled}` : "";
  switch (c.verdict) {
    case "unchanged":
      return "unchanged";
    case "rollout":
      return rolled;
    case "update":
      return `updated in place: ${changes}${also}`;
    case "restart":
      return `stopped and started in place: ${changes}${also}`;
    case "replace":
      return `new VM: ${changes}${before !== after ? `; release ${before} -> ${after}` : ""}`;
    case "refused":
      return `cannot be applied: ${changes}`;
    case "added":
      return `added (release ${after})`;
    case "removed":
      return "removed";
  }
}

/** Per VM its verdict, and why for each change that decides it. */
export function comparisonLines(c: PlanComparison): string[] {
  const lines: string[] = [];
  if (c.previous.stack !== c.current.stack || c.previous.cloud !== c.current.cloud)
    lines.push(
      `  note: the previous plan is of stack ${c.previous.stack} on ${c.previous.cloud}, this one of stack ${c.current.stack} on ${c.current.cloud}`,
    );
  for (const vm of c.vms) {
    lines.push(`  ${vm.vm}: ${verdictText(vm)}`);
    for (const change of vm.changes)
      if (change.effect === vm.verdict) lines.push(`      ${change.label}: ${change.why}`);
    if (vm.app && vm.verdict !== "removed")
      for (const [subject, what] of appChangeLines(vm.app)) lines.push(`      ${subject}: ${what}`);
  }
  return lines;
}

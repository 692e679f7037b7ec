// `aspire-arm plan --markdown`: the plan (and with --against, what deploying it does) as a Markdown
// report for a pull request comment. A summary table first, the VMs that change only (unchanged
// ones are counted, never listed row by row), then each changed VM's details in a collapsed
// section; never over the size given (60,000 characters by default, under GitHub's 65,536 for a
// comment), saying what was left out. Every value from the manifest or the stack is escaped, so
// that no image name or env value can close a section or start a table; secret values are never
// in its input (see app-changes.ts).
import { appChangeLines } from "./app-changes";
import { verdictText, type PlanComparison, type VmComparison } from "./compare-plans";
import {
  HOURS_PER_MONTH,
  PRICES,
  usd,
  usdDelta,
  type Cloud,
  type StackCost,
  type VmCost,
} from "../plan";

export const REPORT_LIMIT = 60_000;

export interface ReportInput {
  readonly cloud: Cloud;
  readonly stack: string;
  /** The VMs of the plan, in order, with what runs on each. */
  readonly vms: readonly { readonly name: string; readonly services: readonly string[] }[];
  readonly cost: StackCost;
  /** With --against: the comparison, and the previous plan's cost by the same price table. */
  readonly comparison?: PlanComparison;
  readonly previousCost?: StackCost;
  /** The previous plan's VM costs by VM name. */
  readonly previousVmCost?: ReadonlyMap<string, VmCost>;
  /** Errors that keep the plan from deploying (one line each). */
  readonly problems: readonly string[];
  readonly warnings: number;
}

/** Markdown-escaped text: one line, HTML inert, Markdown's inline punctuation escaped, at most
 *  `max` characters. It is only ever written after other text on its line (a list item's subject,
 *  a table cell), so line-start syntax (#, -, 1.) cannot take effect; `[` is escaped, so no link. */
export function md(text: string, max = 200): string {
  const one = text.replace(/\s+/g, " ");
  const cut = one.length > max ? `${one.slice(0, max)}…` : one;
  return cut
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([\\`*_[\]|~])/g, "\\$1");
}

const VERDICT_SHORT: Record<VmComparison["verdict"], string> = {
  unchanged: "unchanged",
  rollout: "rolled out in place",
  update: "updated in place",
  restart: "stopped and started",
  replace: "**new VM (replaced)**",
  refused: "**cannot be applied**",
  added: "added",
  removed: "**removed**",
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function costCell(c: VmCost | undefined): string {
  if (!c) return "—";
  return c.monthlyUsd !== undefined ? usd(c.monthlyUsd) : "no price";
}

export function planReport(input: ReportInput, limit = REPORT_LIMIT): string {
  const { comparison, cost } = input;
  const costOf = new Map(input.vms.map((vm, i) => [vm.name, cost.vms[i]]));
  const head: string[] = [
    `### aspire-arm plan: stack ${md(input.stack)} on ${input.cloud.toUpperCase()}`,
    "",
  ];
  if (input.problems.length)
    head.push(
      `**${plural(input.problems.length, "error")}: this plan cannot be deployed.**`,
      "",
      ...input.problems.map((p) => `- ${md(p, 500)}`),
      "",
    );
  head.push(summaryLine(input), "");

  const rows: string[] = [];
  const details: string[] = [];
  if (comparison) {
    const changed = comparison.vms.filter((c) => c.verdict !== "unchanged");
    rows.push("| VM | deploy | app changes | cost/month | change |", "|---|---|---:|---:|---:|");
    const prevCost = input.previousVmCost ?? new Map<string, VmCost>();
    for (const c of changed) {
      const now = c.verdict === "removed" ? undefined : costOf.get(c.vm);
      const before = c.verdict === "added" ? undefined : prevCost.get(c.vm);
      const delta =
        (now?.monthlyUsd ?? (c.verdict === "removed" ? 0 : undefined)) !== undefined &&
        (before?.monthlyUsd ?? (c.verdict === "added" ? 0 : undefined)) !== undefined
          ? usdDelta((now?.monthlyUsd ?? 0) - (before?.monthlyUsd ?? 0))
          : "—";
      const n = c.app ? appChangeLines(c.app).length : 0;
      rows.push(
        `| ${md(c.vm)} | ${VERDICT_SHORT[c.verdict]} | ${n} | ${costCell(now ?? before)} | ${delta} |`,
      );
      details.push(vmDetails(c));
    }
    const same = comparison.vms.filter((c) => c.verdict === "unchanged").map((c) => c.vm);
    if (same.length)
      rows.push("", `${plural(same.length, "VM")} unchanged: ${md(same.join(", "), 400)}`);
    if (!changed.length) rows.unshift("Nothing changes: every VM is unchanged.", "");
  } else {
    rows.push("| VM | services | cost/month | on x86 |", "|---|---|---:|---:|");
    input.vms.forEach((vm, i) => {
      const c = cost.vms[i];
      const x86 =
        c?.x86 && c.x86.monthlyUsd !== undefined
          ? `${usd(c.x86.monthlyUsd)} (${md(c.x86.instanceType)})`
          : "—";
      rows.push(
        `| ${md(vm.name)} | ${md(vm.services.join(", "), 300)} | ${costCell(c)} | ${x86} |`,
      );
    });
  }
  const foot = ["", pricesNote(input.cloud)];
  return fit(head, rows, details, foot, limit);
}

function summaryLine(input: ReportInput): string {
  const { comparison, cost, previousCost } = input;
  const parts: string[] = [];
  if (comparison) {
    const count = (v: VmComparison["verdict"]) =>
      comparison.vms.filter((c) => c.verdict === v).length;
    const said: [VmComparison["verdict"], string][] = [
      ["replace", "new VM (replaced)"],
      ["refused", "cannot be applied"],
      ["restart", "stopped and started"],
      ["update", "updated in place"],
      ["rollout", "rolled out in place"],
      ["added", "added"],
      ["removed", "removed"],
      ["unchanged", "unchanged"],
    ];
    parts.push(
      said
        .filter(([v]) => count(v) > 0)
        .map(([v, text]) => `${count(v)} ${text}`)
        .join(", ") || "no VMs",
    );
  } else parts.push(plural(input.vms.length, "VM"));
  const total =
    cost.monthlyUsd !== undefined
      ? `${usd(cost.monthlyUsd)}/month`
      : "unknown (a VM part has no price)";
  const was =
    previousCost && previousCost.monthlyUsd !== undefined && cost.monthlyUsd !== undefined
      ? ` (was ${usd(previousCost.monthlyUsd)}: ${usdDelta(cost.monthlyUsd - previousCost.monthlyUsd)})`
      : "";
  const x86 =
    cost.x86MonthlyUsd !== undefined && cost.monthlyUsd !== undefined
      ? `; on x86 ${usd(cost.x86MonthlyUsd)}/month, Arm saves ${usd(cost.x86MonthlyUsd - cost.monthlyUsd)}`
      : "";
  const warnings = input.warnings ? `; ${plural(input.warnings, "warning")} (see the job log)` : "";
  return `**${parts.join("")}**. Cost ${total}${was}${x86}${warnings}.`;
}

function vmDetails(c: VmComparison): string {
  const lines = [`<details><summary><b>${md(c.vm)}</b>: ${md(verdictText(c), 400)}</summary>`, ""];
  for (const change of c.changes)
    if (change.effect === c.verdict) lines.push(`- ${md(change.label)}: ${md(change.why, 400)}`);
  if (c.app)
    for (const [subject, what] of appChangeLines(c.app))
      lines.push(`- ${md(subject)}: ${md(what, 400)}`);
  if (lines.length === 2) lines.push("- its release changes (the app's files)");
  lines.push("", "</details>", "");
  return lines.join("\n");
}

function pricesNote(cloud: Cloud): string {
  const p = PRICES[cloud];
  const sources = [
    ...new Set(
      [
        ...Object.values(p.instances),
        ...Object.values(p.disks),
        ...(p.publicIpv4 ? [p.publicIpv4] : []),
      ].map((x) => `[${md(x.date)}](${x.source})`),
    ),
  ];
  return `<sub>On-demand prices of ${p.region} (other regions differ), hourly × ${HOURS_PER_MONTH} a month, from the price table in aspire-arm (sources: ${sources.join(", ")}); a type without a price says "no price". Run \`aspire-arm plan --against\` for the full text.</sub>`;
}

/** Head, as many table rows and then details as fit under the limit, the foot; what was left
 *  out is said in place of it. */
function fit(
  head: readonly string[],
  rows: readonly string[],
  details: readonly string[],
  foot: readonly string[],
  limit: number,
): string {
  const join = (parts: readonly string[]) => parts.join("\n");
  const reserve = 400;
  const out: string[] = [...head];
  let size = join(head).length + join(foot).length + reserve;
  let rowsOut = 0;
  for (const r of rows) {
    if (size + r.length + 1 > limit / 2) break;
    out.push(r);
    size += r.length + 1;
    rowsOut++;
  }
  if (rowsOut < rows.length)
    out.push("", `_${rows.length - rowsOut} more table rows left out (the comment's size limit)._`);
  out.push("");
  let detailsOut = 0;
  for (const d of details) {
    if (size + d.length + 1 > limit) break;
    out.push(d);
    size += d.length + 1;
    detailsOut++;
  }
  if (detailsOut < details.length)
    out.push(
      `_Details of ${plural(details.length - detailsOut, "more VM")} left out to stay under ${limit.toLocaleString("en-US")} characters: run \`aspire-arm plan --against\` for all of them._`,
    );
  out.push(...foot);
  return join(out) + "\n";
}

// The on-demand monthly cost of a stack's VMs from the price table (src/plan/prices.ts): each VM's
// instance, boot disk, data disk and public IPv4 address, and the same VM on the x86 type of the
// same shape, so that the Arm saving shows. A part without a price leaves the VM's total unknown
// and is named, never guessed. Disk prices are capacity only: the plans' disks use the baseline
// IOPS and throughput that gp3 and Hyperdisk Balanced include.
import type { Cloud } from "./options";
import { HOURS_PER_MONTH, PRICES, type Price } from "./prices";

/** What a VM is created with, as far as its cost goes (a VM's vmInputs has these fields). */
export interface CostedVm {
  readonly instanceType: string;
  readonly bootDiskGb: number;
  readonly bootDiskType: string;
  readonly dataDiskGb: number;
  readonly dataDiskType: string | null;
}

export interface VmCost {
  readonly instanceType: string;
  /** USD a month; undefined when a part has no price. */
  readonly monthlyUsd?: number;
  readonly parts: {
    readonly instance?: number;
    readonly bootDisk?: number;
    readonly dataDisk?: number;
    readonly publicIpv4?: number;
  };
  /** What has no price in the table: `instance type t4g.small`, `disk type hyperdisk-balanced`. */
  readonly noPrice: readonly string[];
  /** The same VM on the x86 type of the same shape (same disks and address). */
  readonly x86?: { readonly instanceType: string; readonly monthlyUsd?: number };
}

export interface StackCost {
  readonly region: string;
  readonly hoursPerMonth: number;
  readonly vms: readonly VmCost[];
  /** Sum of the VMs; undefined when one of them has no total. */
  readonly monthlyUsd?: number;
  /** Sum of the VMs on x86; undefined when one of them has none. */
  readonly x86MonthlyUsd?: number;
}

const monthly = (p: Price, quantity = 1) =>
  p.per === "hour" ? p.usd * HOURS_PER_MONTH * quantity : p.usd * quantity;

function sum(values: readonly (number | undefined)[]): number | undefined {
  return values.some((v) => v === undefined)
    ? undefined
    : values.reduce<number>((a, v) => a + (v ?? 0), 0);
}

export function vmCost(cloud: Cloud, vm: CostedVm): VmCost {
  const prices = PRICES[cloud];
  const noPrice: string[] = [];
  const priced = (what: string, p: Price | undefined, quantity = 1) => {
    if (p === undefined) noPrice.push(what);
    return p === undefined ? undefined : monthly(p, quantity);
  };
  const instance = priced(`instance type ${vm.instanceType}`, prices.instances[vm.instanceType]);
  const bootDisk = priced(
    `disk type ${vm.bootDiskType}`,
    prices.disks[vm.bootDiskType],
    vm.bootDiskGb,
  );
  const dataDisk =
    vm.dataDiskGb > 0 && vm.dataDiskType
      ? priced(`disk type ${vm.dataDiskType}`, prices.disks[vm.dataDiskType], vm.dataDiskGb)
      : 0;
  const publicIpv4 = priced("public IPv4 address", prices.publicIpv4);
  const rest = sum([bootDisk, dataDisk, publicIpv4]);
  const peer = prices.x86Peer[vm.instanceType];
  const peerPrice = peer === undefined ? undefined : prices.instances[peer];
  return {
    instanceType: vm.instanceType,
    ...optional("monthlyUsd", sum([instance, rest])),
    parts: {
      ...optional("instance", instance),
      ...optional("bootDisk", bootDisk),
      ...(vm.dataDiskGb > 0 ? optional("dataDisk", dataDisk) : {}),
      ...optional("publicIpv4", publicIpv4),
    },
    noPrice: [...new Set(noPrice)],
    ...(peer !== undefined
      ? {
          x86: {
            instanceType: peer,
            ...optional("monthlyUsd", sum([peerPrice && monthly(peerPrice), rest])),
          },
        }
      : {}),
  };
}

export function stackCost(cloud: Cloud, vms: readonly CostedVm[]): StackCost {
  const costs = vms.map((vm) => vmCost(cloud, vm));
  return {
    region: PRICES[cloud].region,
    hoursPerMonth: HOURS_PER_MONTH,
    vms: costs,
    ...optional("monthlyUsd", sum(costs.map((c) => c.monthlyUsd))),
    ...optional("x86MonthlyUsd", sum(costs.map((c) => c.x86?.monthlyUsd))),
  };
}

/** `{key: value}` when the value is known, `{}` otherwise (no undefined fields in the JSON). */
function optional<K extends string>(key: K, value: number | undefined): { [k in K]?: number } {
  return value === undefined ? {} : ({ [key]: value } as { [k in K]: number });
}

/** `$12.34`. */
export function usd(n: number): string {
  return `$${n.toFixed(2)}`;
}

/** `+$1.20` / `-$0.50` / `$0.00`. */
export function usdDelta(n: number): string {
  const cents = Math.round(n * 100);
  if (cents === 0) return "$0.00";
  return `${cents > 0 ? "+" : "-"}$${(Math.abs(cents) / 100).toFixed(2)}`;
}

/** One line: the VM's monthly cost with its parts, or what has no price; and its x86 counterpart. */
export function vmCostText(c: VmCost): string {
  const parts = [
    c.parts.instance !== undefined ? `instance ${usd(c.parts.instance)}` : undefined,
    c.parts.bootDisk !== undefined ? `boot disk ${usd(c.parts.bootDisk)}` : undefined,
    c.parts.dataDisk !== undefined ? `data disk ${usd(c.parts.dataDisk)}` : undefined,
    c.parts.publicIpv4 !== undefined ? `public IPv4 ${usd(c.parts.publicIpv4)}` : undefined,
  ].filter((p): p is string => p !== undefined);
  const total =
    c.monthlyUsd !== undefined
      ? `${usd(c.monthlyUsd)}/month (${parts.join(", ")})`
      : `unknown: no price for ${c.noPrice.join(", ")}${parts.length ? ` (priced: ${parts.join(", ")})` : ""}`;
  return `${total}${x86Text(c)}`;
}

function x86Text(c: VmCost): string {
  if (!c.x86) return "; no x86 counterpart in the price table";
  if (c.x86.monthlyUsd === undefined || c.monthlyUsd === undefined)
    return `; on x86 (${c.x86.instanceType}): unknown`;
  const saving = c.x86.monthlyUsd - c.monthlyUsd;
  return `; on x86 (${c.x86.instanceType}) ${usd(c.x86.monthlyUsd)}/month, Arm saves ${usd(saving)} (${Math.round((saving / c.x86.monthlyUsd) * 100)}%)`;
}

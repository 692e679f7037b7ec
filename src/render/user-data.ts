// The user data each VM boots with, and whether it fits the cloud's limit. cloud-init accepts
// gzip-compressed user data, which keeps even large apps well under EC2's 16 KB.
import * as zlib from "node:zlib";
import { diagnostic, type Diagnostic } from "../manifest";
import type { Cloud, DeploymentPlan, VmPlan } from "../plan";
import { renderAppConfig, type ConfigFile } from "./app-config";
import type { RenderContext } from "./context";
import { renderCloudConfig } from "./cloud-init";

/** EC2: 16 KB of user data before base64. GCP: 256 KiB per metadata value. */
export const USER_DATA_LIMIT: Readonly<Record<Cloud, number>> = { aws: 16 * 1024, gcp: 256 * 1024 };

export interface RenderedVm {
  readonly vm: VmPlan;
  readonly appConfig: readonly ConfigFile[];
  /** The cloud-config exactly as the VM receives it, before compression. */
  readonly cloudConfig: string;
  /** What is sent: gzip on AWS (userDataBase64), plain text on GCP (the `user-data` metadata key). */
  readonly userData: Buffer;
  readonly userDataEncoding: "gzip" | "plain";
}

export function renderVm(plan: DeploymentPlan, vm: VmPlan, ctx: RenderContext): RenderedVm {
  const appConfig = renderAppConfig(plan, vm, ctx);
  const cloudConfig = renderCloudConfig(plan, vm, ctx, appConfig);
  const plain = Buffer.from(cloudConfig, "utf8");
  // gzip level 9 and mtime 0 (Node's default header has none): the same input gives the same bytes, so no spurious diffs.
  const gzip = zlib.gzipSync(plain, { level: 9 });
  const useGzip = plan.cloud === "aws" || plain.length > USER_DATA_LIMIT.gcp;
  return {
    vm,
    appConfig,
    cloudConfig,
    userData: useGzip ? gzip : plain,
    userDataEncoding: useGzip ? "gzip" : "plain",
  };
}

/** A clear error when the user data cannot fit, naming the VM, the size and what to do. */
export function userDataProblem(plan: DeploymentPlan, r: RenderedVm): Diagnostic | undefined {
  const limit = USER_DATA_LIMIT[plan.cloud];
  if (r.userData.length <= limit) return undefined;
  return diagnostic(
    null,
    `vms.${r.vm.name}`,
    `the user data of VM ${r.vm.name} is ${r.userData.length} bytes ${r.userDataEncoding === "gzip" ? "gzipped" : ""} and the ${plan.cloud.toUpperCase()} limit is ${limit}: split the app across more VMs (aspire:vms), or move large bind-mount files into images.`,
  );
}

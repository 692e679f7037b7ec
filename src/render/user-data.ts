// What each VM receives: the user data it boots with (the bootstrap only: it changes when the VM's
// shape changes, never with the app, so app changes do not replace the VM), whether it fits the
// cloud's limit, and the release bundle of its app config, delivered to the running VM.
// cloud-init accepts gzip-compressed user data, which keeps it well under EC2's 16 KB.
import * as zlib from "node:zlib";
import { diagnostic, type Diagnostic } from "../manifest";
import { secretStoreName, type Cloud, type DeploymentPlan, type VmPlan } from "../plan";
import { renderAppConfig, type ConfigFile } from "./app-config";
import type { RenderContext } from "./context";
import { renderBundle, type Bundle } from "./bundle";
import { renderCloudConfig, vmEnvSettings } from "./cloud-init";
import { vmScript, type VmScript } from "./vm-scripts";

/** EC2: 16 KB of user data before base64. GCP: 256 KiB per metadata value. */
export const USER_DATA_LIMIT: Readonly<Record<Cloud, number>> = { aws: 16 * 1024, gcp: 256 * 1024 };

export interface RenderedVm {
  readonly vm: VmPlan;
  readonly appConfig: readonly ConfigFile[];
  /** The app config (and the versions of the secrets it reads) as one release. */
  readonly release: Bundle;
  /** The cloud-config exactly as the VM receives it, before compression. */
  readonly cloudConfig: string;
  /** The settings of its vm.env (in the cloud-config), by name: no secret is one. */
  readonly vmEnv: Readonly<Record<string, string>>;
  /** What is sent: gzip on AWS (userDataBase64), plain text on GCP (the `user-data` metadata key). */
  readonly userData: Buffer;
  readonly userDataEncoding: "gzip" | "plain";
}

export function renderVm(plan: DeploymentPlan, vm: VmPlan, ctx: RenderContext): RenderedVm {
  const appConfig = renderAppConfig(plan, vm, ctx);
  const release = renderBundle(
    [...appConfig, ...secretVersionsFile(vm, ctx), ...releaseScripts(vm)],
    {
      stack: plan.stack,
      vm: vm.name,
    },
  );
  const cloudConfig = renderCloudConfig(plan, vm, ctx);
  const plain = Buffer.from(cloudConfig, "utf8");
  // gzip level 9 and mtime 0 (Node's default header has none): the same input gives the same bytes, so no spurious diffs.
  const gzip = zlib.gzipSync(plain, { level: 9 });
  const useGzip = plan.cloud === "aws" || plain.length > USER_DATA_LIMIT.gcp;
  return {
    vm,
    appConfig,
    release,
    cloudConfig,
    vmEnv: Object.fromEntries(vmEnvSettings(plan, vm, ctx)),
    userData: useGzip ? gzip : plain,
    userDataEncoding: useGzip ? "gzip" : "plain",
  };
}

/** The scripts that apply a release, in its bin/: they change with aspire-arm, not with the VM,
 *  so they travel with the app config (an upgrade of them is a rollout, never a new VM; a rollback
 *  runs the previous release's own), and the user data keeps only what receives releases
 *  (src/render/cloud-init.ts). rollout-apply.sh is what rollout.sh hands a new release over to;
 *  fetch-secrets.py reads the secrets with cloud-http.py. The .NET runtimes' installer and the
 *  ExecStart wrapper only where native services run. */
function releaseScripts(vm: VmPlan): ConfigFile[] {
  const names: VmScript[] = [
    "rollout-apply.sh",
    "apply.sh",
    "apply-tools.py",
    "fetch-secrets.py",
    "cloud-http.py",
  ];
  if (vm.services.some((s) => s.runAs === "native"))
    names.push("dotnet-runtimes.py", "exec-env.py");
  return names.map((name) => ({
    path: `bin/${name}`,
    content: vmScript(name),
    permissions: "0755",
  }));
}

/** `<store-name> <version>` a line for the secrets the VM reads, when the versions are known
 *  (at deploy time): nothing on the VM reads it; it makes a rotated secret a new release. */
function secretVersionsFile(vm: VmPlan, ctx: RenderContext): ConfigFile[] {
  const versions = ctx.secretVersions;
  if (!versions || !vm.secrets.length) return [];
  const lines = vm.secrets.map(
    (p) => `${secretStoreName(p)} ${versions[secretStoreName(p)] ?? "?"}\n`,
  );
  return [{ path: "secret-versions.list", content: lines.join(""), permissions: "0644" }];
}

/** What to do about user data over its limit: nothing the app can change (the app travels in
 *  releases, whose size vmRelease checks). */
export const USER_DATA_TOO_LARGE_ADVICE =
  "it holds aspire-arm's bootstrap only, never the app, so no change to the app makes it smaller: report it as a bug of aspire-arm.";

/** A clear error when the user data cannot fit, naming the VM, the size and what to do. */
export function userDataProblem(plan: DeploymentPlan, r: RenderedVm): Diagnostic | undefined {
  const limit = USER_DATA_LIMIT[plan.cloud];
  if (r.userData.length <= limit) return undefined;
  return diagnostic(
    null,
    `vms.${r.vm.name}`,
    `the user data of VM ${r.vm.name} is ${r.userData.length} bytes${r.userDataEncoding === "gzip" ? " gzipped" : ""} and the ${plan.cloud.toUpperCase()} limit is ${limit}: ${USER_DATA_TOO_LARGE_ADVICE}`,
  );
}

/** GCP carries a release in an instance metadata value: at most 256 KiB (Compute API, Metadata:
 *  https://cloud.google.com/compute/docs/reference/rest/v1/instances, items[].value), the gzipped
 *  bundle in base64. AWS carries it in S3, where the VM's release.py takes up to 16 MiB of JSON. */
export const RELEASE_LIMIT = {
  gcpMetadataValue: 256 * 1024,
  bundleJson: 16 * 1024 * 1024,
} as const;

/** A release too large for its VM to receive, naming the VM, the size, the limit and what to do. */
export function releaseProblem(plan: DeploymentPlan, r: RenderedVm): Diagnostic | undefined {
  const advice =
    "split the app across more VMs (aspire:vms), or move large bind-mount files into images.";
  const json = Buffer.byteLength(r.release.json, "utf8");
  if (json > RELEASE_LIMIT.bundleJson)
    return diagnostic(
      null,
      `vms.${r.vm.name}`,
      `the app config of VM ${r.vm.name} is ${json} bytes and a VM takes releases of at most ${RELEASE_LIMIT.bundleJson}: ${advice}`,
    );
  const base64 = Math.ceil(r.release.gz.length / 3) * 4;
  if (plan.cloud === "gcp" && base64 > RELEASE_LIMIT.gcpMetadataValue)
    return diagnostic(
      null,
      `vms.${r.vm.name}`,
      `the app config of VM ${r.vm.name} is ${base64} bytes gzipped and base64-encoded and a GCP metadata value holds ${RELEASE_LIMIT.gcpMetadataValue}: ${advice}`,
    );
  return undefined;
}

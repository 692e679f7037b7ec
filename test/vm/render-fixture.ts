// Renders a manifest for the emulated-VM test the way `aspire-arm plan --secret-file F
// --release-file R` does, plus what the plan command cannot set: the data disk's device (the cloud
// components pass the EBS / persistent-disk path in the same render context field, dataDisks) and
// edits of the manifest's JSON before it is checked (the rollout scenario's changed env value).
import { readStackConfig } from "../../src/config/stack-config";
import { checkManifest, loadManifestFile } from "../../src/manifest";
import { ManifestError } from "../../src/manifest/diagnostics";
import { buildPlan, PlanError } from "../../src/plan";
import { renderVm, userDataProblem, type RenderedVm } from "../../src/render";

export interface FixtureOptions {
  manifest: string;
  /** Absolute path of the JSON secret file on the VM. */
  secretFile: string;
  /** Absolute path on the VM of the bundle file of the first release (ASPIRE_RELEASE_FILE). */
  releaseFile: string;
  images: Record<string, string>;
  /** The data disk's device on the VM, e.g. /dev/vdb (applies to every VM with named volumes). */
  dataDisk?: string;
  /** The placement, as `aspire-arm plan --vm data=cache --vm app=apiservice,webfrontend` sets it
   *  (aspire:vms); default one VM, "app". */
  vms?: Record<string, string[]>;
  /** Changes the manifest's parsed JSON before it is checked and planned. */
  edit?: (document: ManifestJson) => void;
}

export interface ManifestJson {
  resources: Record<string, { env?: Record<string, string>; [key: string]: unknown }>;
}

export function renderFixture(o: FixtureOptions): RenderedVm[] {
  const { config, errors } = readStackConfig({
    "aws:region": "us-east-1",
    "aspire:cloud": "aws",
    "aspire:manifest": o.manifest,
    "aspire:images": o.images,
    ...(o.vms ? { "aspire:vms": o.vms } : {}),
  });
  if (errors.length) throw new PlanError(errors);
  const raw = loadManifestFile(config.manifest);
  o.edit?.(raw.document as ManifestJson);
  const checked = checkManifest(raw);
  if (!checked.manifest) throw new ManifestError(raw.file, checked.errors);
  const manifest = checked.manifest;
  const { plan } = buildPlan(manifest, { ...config.plan, stack: "dev" });
  const dataDisks = o.dataDisk
    ? Object.fromEntries(plan.vms.map((vm) => [vm.name, o.dataDisk as string]))
    : {};
  const rendered = plan.vms.map((vm) =>
    renderVm(plan, vm, {
      secretSource: { kind: "file", path: o.secretFile },
      releaseSource: { kind: "file", path: o.releaseFile },
      dotnetChannel: config.dotnetChannel,
      dataDisks,
    }),
  );
  for (const r of rendered) {
    const problem = userDataProblem(plan, r);
    if (problem) throw new Error(problem.message);
  }
  return rendered;
}

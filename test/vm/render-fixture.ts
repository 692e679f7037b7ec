// Renders a manifest for the emulated-VM test the way `aspire-arm plan --secret-file` does, plus
// what the plan command cannot set: the data disk's device (the cloud components pass the EBS /
// persistent-disk path in the same render context field, dataDisks).
import * as fs from "node:fs";
import * as path from "node:path";
import { readStackConfig } from "../../src/config/stack-config";
import { loadManifest } from "../../src/manifest";
import { buildPlan, PlanError } from "../../src/plan";
import { renderVm, userDataProblem, type RenderedVm } from "../../src/render";

export interface FixtureOptions {
  manifest: string;
  /** Absolute path of the JSON secret file on the VM. */
  secretFile: string;
  images: Record<string, string>;
  /** The data disk's device on the VM, e.g. /dev/vdb (applies to every VM with named volumes). */
  dataDisk?: string;
  /** The placement, as `aspire-arm plan --vm data=cache --vm app=apiservice,webfrontend` sets it
   *  (aspire:vms); default one VM, "app". */
  vms?: Record<string, string[]>;
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
  const { manifest } = loadManifest(config.manifest);
  const { plan } = buildPlan(manifest, { ...config.plan, stack: "dev" });
  const dataDisks = o.dataDisk
    ? Object.fromEntries(plan.vms.map((vm) => [vm.name, o.dataDisk as string]))
    : {};
  const rendered = plan.vms.map((vm) =>
    renderVm(plan, vm, {
      secretSource: { kind: "file", path: o.secretFile },
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

/** DIR/<vm>/user-data (the cloud-config as the CLI writes it) and user-data.gz (what AWS is sent). */
export function writeFixture(dir: string, rendered: readonly RenderedVm[]): void {
  for (const r of rendered) {
    const vmDir = path.join(dir, r.vm.name);
    fs.mkdirSync(vmDir, { recursive: true });
    fs.writeFileSync(path.join(vmDir, "user-data"), r.cloudConfig);
    fs.writeFileSync(path.join(vmDir, "user-data.sent"), r.userData);
  }
}

// `node dist/test/vm/render-fixture.js MANIFEST SECRET_FILE DATA_DISK OUTDIR [RES=IMAGE...]`
// (node --test also runs this file, as it runs every .js under test/: then it does nothing.)
if (require.main === module && process.argv.length >= 6) {
  const [manifest, secretFile, dataDisk, out, ...pairs] = process.argv.slice(2);
  const images = Object.fromEntries(
    pairs.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]),
  );
  writeFixture(
    out,
    renderFixture({ manifest, secretFile, images, dataDisk: dataDisk || undefined }),
  );
}

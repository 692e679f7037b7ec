// The Pulumi program. Pulumi lives here, at the edge: the stages before it (src/manifest) are pure.
import * as pulumi from "@pulumi/pulumi";
import { formatDiagnostic, loadManifest, ManifestError, runsAsService } from "./src/manifest";

const config = new pulumi.Config("aspire");
const manifestPath = config.get("manifest") ?? "manifests/aspire-starter/aspire-manifest.json";

function load() {
  try {
    return loadManifest(manifestPath);
  } catch (e) {
    if (!(e instanceof ManifestError)) throw e;
    // RunError prints the message without a stack trace; nothing has been created yet.
    const lines = e.diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join("\n");
    throw new pulumi.RunError(`aspire:manifest ${manifestPath} cannot be deployed to Arm VMs:\n${lines}\nRun \`npx aspire-arm check ${manifestPath}\` for details.`);
  }
}

const { manifest, warnings } = load();
for (const w of warnings) pulumi.log.warn(`${manifestPath}: ${formatDiagnostic(w)}`);

/** The services the manifest runs, by name and kind. */
export const services = [...manifest.resources.values()].filter(runsAsService).map((r) => ({ name: r.name, kind: r.kind }));

// The Pulumi program: stack config -> manifest -> plan -> the cloud's component. Pulumi lives here
// and in components/, at the edge; everything before it (src/) is pure and runs offline too.
import * as pulumi from "@pulumi/pulumi";
import { AppParameters } from "./components/app-parameters";
import {
  imageResolver,
  pinPublishedImages,
  stackRegistryCredentials,
} from "./components/image-check";
import type { ArmAppOutputs } from "./components/arm-app";
import type { AwsArmApp } from "./components/aws/arm-app";
import type { GcpArmApp } from "./components/gcp/arm-app";
import { readStackConfig } from "./src/config/stack-config";
import { formatDiagnostic, loadManifest, ManifestError, type Diagnostic } from "./src/manifest";
import { buildPlan, DASHBOARD_TOKEN_PARAMETER, PlanError } from "./src/plan";

/** Input the user must fix: one message listing every problem, no stack trace, nothing created. */
function fail(what: string, diagnostics: readonly Diagnostic[]): never {
  throw new pulumi.RunError(
    `${what}:\n${diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join("\n")}`,
  );
}

const stack = pulumi.getStack();
const { config, errors, warnings: configWarnings } = readStackConfig(pulumi.runtime.allConfig());
if (errors.length) fail(`stack ${stack} has configuration problems`, errors);

function planApp() {
  try {
    const { manifest, warnings } = loadManifest(config.manifest);
    const planned = buildPlan(manifest, { ...config.plan, stack });
    return { plan: planned.plan, warnings: [...warnings, ...planned.warnings] };
  } catch (e) {
    if (e instanceof ManifestError)
      fail(
        `aspire:manifest ${config.manifest} cannot be deployed to Arm VMs (run \`npx aspire-arm check ${config.manifest}\`)`,
        e.diagnostics,
      );
    if (e instanceof PlanError) fail(`stack ${stack} cannot be planned`, e.diagnostics);
    throw e;
  }
}

const { plan, warnings } = planApp();
for (const w of [...configWarnings, ...warnings]) pulumi.log.warn(formatDiagnostic(w));

/** The program proper, after the plan: Pulumi awaits it and its result is the stack's outputs. */
async function deploy() {
  // Every published image a VM will run, proven linux/arm64 in its registry and pinned to that
  // manifest's digest before any resource is registered: a refused image changes nothing.
  const pinnedImages = await pinPublishedImages(
    plan,
    imageResolver(),
    stackRegistryCredentials(plan),
  );
  const parameters = new AppParameters("parameters", {
    parameters: plan.parameters,
    config: new pulumi.Config("aspire"),
  });
  const appArgs = {
    plan,
    parameters: parameters.values,
    pinnedImages,
    ssh: config.ssh,
    network: config.network,
    protectData: config.protectData,
    dotnetChannel: config.dotnetChannel,
    elasticIp: config.elasticIp,
    imageUpgrade: config.imageUpgrade,
  };
  // Only the chosen cloud's SDK is loaded: each takes seconds to load, and a stack uses one.
  const app: ArmAppOutputs =
    plan.cloud === "aws"
      ? new (require("./components/aws/arm-app") as { AwsArmApp: typeof AwsArmApp }).AwsArmApp(
          "app",
          appArgs,
        )
      : new (require("./components/gcp/arm-app") as { GcpArmApp: typeof GcpArmApp }).GcpArmApp(
          "app",
          appArgs,
        );
  return {
    /** Public URL of each external endpoint, by `service/binding`. */
    endpoints: app.endpoints,
    /** Each VM's public and private address, and how to open a shell on it without open SSH. */
    vms: Object.fromEntries(
      Object.entries(app.vms).map(([name, vm]) => [
        name,
        { publicIp: vm.publicIp, privateIp: vm.privateIp, connect: vm.connect },
      ]),
    ),
    /** The Aspire dashboard, when aspire:dashboard is true (its login token is the secret parameter aspire-dashboard-token). */
    dashboardUrl: app.dashboardUrl,
    /** The dashboard's login token, a secret output: `pulumi stack output dashboardToken --show-secrets`. */
    dashboardToken: plan.dashboard
      ? pulumi.secret(parameters.values[DASHBOARD_TOKEN_PARAMETER])
      : undefined,
    /** The services and where they run. */
    services: plan.vms.flatMap((vm) =>
      vm.services.map((s) => ({ name: s.resource, vm: vm.name, runAs: s.runAs })),
    ),
  };
}

// An exported function is the program: Pulumi calls it and awaits it (its lookups in the
// registries run first), and a failure is the deploy's failure.
export = deploy;
